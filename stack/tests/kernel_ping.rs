//! Our stack answers the Linux kernel's `ping` over IPv4 and IPv6: the
//! kernel lives in a network namespace this test creates (and deletes), our
//! interface drives the other end of a TAP device. The kernel resolves us
//! with ARP and with NDP (neighbour solicitation to our solicited-node
//! multicast group), then its echo requests must come back as replies.
//!
//! Needs root, /dev/net/tun, iproute2 and ping (scripts/setup installs the
//! tools); without root or /dev/net/tun it prints a skip line.

use stack::iface::{Interface, InterfaceConfig};
use stack::phy::tap::TapDevice;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use test_support::netns::{self, Netns};

const OUR_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];

/// Runs `ping` in the namespace against `target` while our interface serves
/// the TAP; returns ping's output once it exits (bounded to 15 s).
fn kernel_pings_us(
    ns: &Netns,
    tap: &mut TapDevice,
    iface: &mut Interface,
    args: &[&str],
) -> (bool, String) {
    let mut full = vec!["netns", "exec", ns.name(), "ping"];
    full.extend_from_slice(args);
    let mut child = Command::new("ip")
        .args(&full)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ping");
    // The stack reads no clock: this test is its caller and feeds it time.
    let start = Instant::now();
    loop {
        let now = start.elapsed().as_nanos() as u64;
        iface.poll(now, tap);
        if let Some(status) = child.try_wait().expect("wait for ping") {
            let out = child.wait_with_output().expect("ping output");
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            return (status.success(), text);
        }
        if start.elapsed() > Duration::from_secs(15) {
            let _ = child.kill();
            return (false, "ping did not finish within 15 s".into());
        }
        tap.wait_readable(Duration::from_millis(20));
    }
}

#[test]
fn stack_answers_the_kernels_ping_over_ipv4_and_ipv6() {
    if !test_support::net_admin() {
        return;
    }
    let ns = Netns::create().expect("create namespace");
    let name = netns::unique_name("kp");
    let mut tap = TapDevice::open(&name).expect("open TAP");
    ns.adopt_tap(&name).expect("move TAP into the namespace");

    let mut cfg = InterfaceConfig::new(OUR_MAC);
    cfg.ipv4 = Some((Ipv4Addr::new(10, 77, 0, 2), 24));
    cfg.ipv6 = Some(("fd77::2".parse::<Ipv6Addr>().unwrap(), 64));
    let mut iface = Interface::new(cfg);

    let (ok, out) = kernel_pings_us(
        &ns,
        &mut tap,
        &mut iface,
        &["-c", "3", "-i", "0.2", "-W", "3", "10.77.0.2"],
    );
    assert!(ok, "IPv4 ping failed:\n{out}");
    assert!(out.contains("3 received"), "{out}");

    let (ok, out) = kernel_pings_us(
        &ns,
        &mut tap,
        &mut iface,
        &["-6", "-c", "3", "-i", "0.2", "-W", "3", "fd77::2"],
    );
    assert!(ok, "IPv6 ping failed:\n{out}");
    assert!(out.contains("3 received"), "{out}");

    // The kernel learned our MAC through ARP and NDP.
    let neigh = ns.ip(&["neigh", "show", "dev", &name]).unwrap_or_default();
    assert!(neigh.contains("02:00:00:00:00:02"), "{neigh}");
    assert!(
        iface.stats().tx_frames >= 6,
        "frames sent: {:?}",
        iface.stats()
    );
}
