//! The TCP/IP stack on our NIC: one host's stack drives the RTL (`sim`),
//! the other's the firmware model (`model`), their MAC ports cabled
//! together. They resolve each other (ARP, NDP) and ping over IPv4 and
//! IPv6; with the checksum offloads on the NICs fill in the ICMP checksums
//! (their counters show it; on receive the NIC's verdict covers TCP/UDP only,
//! so ICMP comes up "not checked" and the stack verifies it), with them off
//! the stack does it all in software and the pings still work.

mod common;

use host_driver::backend::model::ModelDevice;
use host_driver::backend::sim::SimDevice;
use host_driver::device::Device;
use host_driver::device::SimulatedExt;
use host_driver::driver::read_stats;
use host_driver::stack_port::NicPort;
use stack::iface::{Interface, InterfaceConfig};
use std::net::IpAddr;

fn port(dev: Box<dyn Device>, offloads: bool) -> NicPort<Box<dyn Device>> {
    common::nic_port(dev, offloads)
}

fn iface(last: u8) -> Interface {
    let mut cfg = InterfaceConfig::new([0x02, 0, 0, 0, 0, last]);
    cfg.ipv4 = Some((format!("10.9.0.{last}").parse().unwrap(), 24));
    cfg.ipv6 = Some((format!("fd09::{last}").parse().unwrap(), 64));
    Interface::new(cfg)
}

fn counter(p: &mut NicPort<Box<dyn Device>>, name: &str) -> u64 {
    let s = read_stats(p.driver().device().as_mut()).unwrap();
    s.iter().find(|(k, _)| *k == name).unwrap().1
}

/// Runs both hosts until host A has `want` echo replies or 50 ms of simulated time pass.
fn run(
    a: &mut NicPort<Box<dyn Device>>,
    b: &mut NicPort<Box<dyn Device>>,
    ia: &mut Interface,
    ib: &mut Interface,
    want: usize,
) -> usize {
    let mut replies = 0;
    // One simulated clock for both stacks; each step lets both NICs run 10 us.
    for step in 0..5_000u64 {
        let now = step * 10_000;
        ia.poll(now, a);
        ib.poll(now, b);
        a.poll(10_000).unwrap();
        b.poll(10_000).unwrap();
        // The cable: what each NIC sends arrives at the other.
        while let Some(f) = a.driver().device().wire_recv() {
            b.driver().device().wire_send(f).unwrap();
        }
        while let Some(f) = b.driver().device().wire_recv() {
            a.driver().device().wire_send(f).unwrap();
        }
        replies += ia.take_echo_replies().len();
        if replies >= want {
            break;
        }
    }
    replies
}

fn ping_both_ways(offloads: bool) -> (u64, u64, u64, u64) {
    let mut a = port(Box::new(SimDevice::new(5, true)), offloads);
    let mut b = port(Box::new(ModelDevice::new()), offloads);
    let (mut ia, mut ib) = (iface(1), iface(2));
    let targets: [IpAddr; 2] = ["10.9.0.2".parse().unwrap(), "fd09::2".parse().unwrap()];
    for (n, dst) in targets.iter().enumerate() {
        for seq in 0..5u16 {
            ia.ping(n as u64, &mut a, *dst, 7, seq, &[0x5a; 100])
                .unwrap();
        }
    }
    let got = run(&mut a, &mut b, &mut ia, &mut ib, 10);
    eprintln!(
        "offloads {offloads}: {got} replies, sim at {} ns of device time",
        a.driver().device().now_ns()
    );
    assert_eq!(got, 10, "offloads {offloads}: echo replies");
    (
        counter(&mut a, "TX_CSUM"),
        counter(&mut b, "TX_CSUM"),
        counter(&mut a, "RX_CSUM_GOOD"),
        counter(&mut b, "RX_CSUM_GOOD"),
    )
}

#[test]
fn stacks_on_rtl_and_model_nics_ping_each_other_with_nic_tx_checksums() {
    let (tx_a, tx_b, good_a, good_b) = ping_both_ways(true);
    // Requests from A, replies from B: the NICs filled in the ICMP checksums.
    assert!(tx_a >= 10 && tx_b >= 10, "TX_CSUM sim {tx_a}, model {tx_b}");
    // The RX verdict is for TCP/UDP (docs/offloads.md): ICMP is NOT_CHECKED,
    // never GOOD, and the stack checked it in software.
    assert_eq!(
        (good_a, good_b),
        (0, 0),
        "RX_CSUM_GOOD sim {good_a}, model {good_b}"
    );
}

#[test]
fn with_checksum_offloads_off_the_stack_falls_back_to_software() {
    let (tx_a, tx_b, good_a, good_b) = ping_both_ways(false);
    assert_eq!(
        (tx_a, tx_b, good_a, good_b),
        (0, 0, 0, 0),
        "no NIC checksum work with offloads off"
    );
}
