//! IP fragments between our stack and the Linux kernel, both ways, over a
//! TAP whose kernel end lives in a network namespace this test creates (and
//! deletes): a 60,000-byte UDP datagram from our socket reaches a kernel
//! UDP socket (the kernel reassembles our fragments), the kernel's
//! 60,000-byte answer reaches ours (we reassemble the kernel's), over IPv4
//! and IPv6 on the TAP's 1500-byte MTU; and the kernel's `ping -s 60000`
//! is answered (request and reply in fragments). The kernel's own counters
//! (`/proc/net/snmp`, `snmp6` of the namespace) confirm that it reassembled
//! and fragmented.
//!
//! Needs root, /dev/net/tun, iproute2 and ping; without root or
//! /dev/net/tun it prints a skip line (under `CI=true` it fails).

use stack::iface::{Interface, InterfaceConfig};
use stack::phy::tap::TapDevice;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use test_support::netns::{self, Netns};

const OUR_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];
const OUR_V4: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 2);
const KERNEL_V4: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 1);
const DATAGRAM: usize = 60_000;

fn our_v6() -> Ipv6Addr {
    "fd77::2".parse().unwrap()
}

fn kernel_v6() -> Ipv6Addr {
    "fd77::1".parse().unwrap()
}

/// The bytes of a datagram, distinct per `tag`.
fn pattern(tag: u8) -> Vec<u8> {
    (0..DATAGRAM as u32)
        .map(|i| (i.wrapping_mul(131) >> 3) as u8 ^ tag)
        .collect()
}

/// The counters of one line pair of `/proc/net/snmp` ("Ip:" names, then
/// values) or `snmp6` ("Ip6ReasmOKs 3" lines), as seen from the calling
/// thread's network namespace.
fn kernel_counter(file: &str, name: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/thread-self/net/{file}"))
        .unwrap_or_else(|e| panic!("read {file}: {e}"));
    if file == "snmp6" {
        return text
            .lines()
            .find_map(|l| {
                let mut w = l.split_whitespace();
                (w.next() == Some(name)).then(|| w.next().unwrap().parse().unwrap())
            })
            .unwrap_or_else(|| panic!("{name} not in snmp6"));
    }
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("Ip:")).collect();
    let names: Vec<&str> = lines[0].split_whitespace().collect();
    let values: Vec<&str> = lines[1].split_whitespace().collect();
    let i = names.iter().position(|n| *n == name).expect(name);
    values[i].parse().unwrap()
}

/// (reassembled, fragments created) of the kernel's IP layer of `family`.
fn kernel_frag_counters(v6: bool) -> (u64, u64) {
    if v6 {
        (
            kernel_counter("snmp6", "Ip6ReasmOKs"),
            kernel_counter("snmp6", "Ip6FragCreates"),
        )
    } else {
        (
            kernel_counter("snmp", "ReasmOKs"),
            kernel_counter("snmp", "FragCreates"),
        )
    }
}

struct Rig {
    ns: Netns,
    tap: TapDevice,
    iface: Interface,
    start: Instant,
}

impl Rig {
    fn new() -> Rig {
        let ns = Netns::create().expect("create namespace");
        let name = netns::unique_name("kf");
        let tap = TapDevice::open(&name).expect("open TAP");
        ns.adopt_tap(&name).expect("move TAP into the namespace");
        let mut cfg = InterfaceConfig::new(OUR_MAC);
        cfg.ipv4 = Some((OUR_V4, 24));
        cfg.ipv6 = Some((our_v6(), 64));
        Rig {
            ns,
            tap,
            iface: Interface::new(cfg),
            start: Instant::now(),
        }
    }

    /// Now, for the stack: the monotonic clock since the rig was made.
    fn now(&self) -> u64 {
        self.start.elapsed().as_nanos() as u64
    }

    /// Serves the TAP until `done` holds or `limit` of real time passes.
    fn serve_until(&mut self, limit: Duration, mut done: impl FnMut(&mut Rig) -> bool) -> bool {
        let until = Instant::now() + limit;
        loop {
            let now = self.now();
            self.iface.poll(now, &mut self.tap);
            if done(self) {
                return true;
            }
            if Instant::now() > until {
                return false;
            }
            self.tap.wait_readable(Duration::from_millis(5));
        }
    }
}

/// A 60,000-byte datagram each way between our UDP socket and a kernel one.
fn udp_both_ways(v6: bool) {
    if !test_support::net_admin() {
        return;
    }
    let mut rig = Rig::new();
    let (kernel, ours): (IpAddr, IpAddr) = if v6 {
        (kernel_v6().into(), our_v6().into())
    } else {
        (KERNEL_V4.into(), OUR_V4.into())
    };
    let (ready_tx, ready_rx) = mpsc::channel();
    let kernel_side = rig.ns.spawn_in(move || {
        let before = kernel_frag_counters(v6);
        let sock = UdpSocket::bind(SocketAddr::new(kernel, 7000)).expect("kernel bind");
        sock.set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        ready_tx.send(()).unwrap();
        let mut buf = vec![0u8; 65_536];
        let (n, from) = sock
            .recv_from(&mut buf)
            .expect("the kernel receives our datagram");
        let got_ours = buf[..n] == pattern(1)[..];
        sock.send_to(&pattern(2), from).expect("the kernel answers");
        let after = kernel_frag_counters(v6);
        (n, from, got_ours, before, after)
    });
    ready_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("kernel socket bound");
    let u = rig.iface.udp_bind(7001).unwrap();
    let now = rig.now();
    rig.iface
        .udp_send_to(
            now,
            &mut rig.tap,
            u,
            SocketAddr::new(kernel, 7000),
            &pattern(1),
        )
        .unwrap();
    let mut answer = None;
    let ok = rig.serve_until(Duration::from_secs(20), |r| {
        answer = r.iface.udp_recv_from(u).unwrap();
        answer.is_some()
    });
    let (n, from, got_ours, before, after) = kernel_side.join().expect("kernel thread");
    assert_eq!(from, SocketAddr::new(ours, 7001));
    assert_eq!(n, DATAGRAM, "the kernel got {n} bytes");
    assert!(got_ours, "the kernel's copy of our datagram differs");
    assert!(ok, "no answer from the kernel: {:?}", rig.iface.stats());
    let (src, data) = answer.unwrap();
    assert_eq!(src, SocketAddr::new(kernel, 7000));
    assert!(data == pattern(2), "the kernel's datagram differs");
    let s = *rig.iface.stats();
    let (fragmented, out, reassembled) = if v6 {
        (s.ipv6_fragmented, s.ipv6_fragments_out, s.ipv6_reassembled)
    } else {
        (s.ipv4_fragmented, s.ipv4_fragments_out, s.ipv4_reassembled)
    };
    assert_eq!(fragmented, 1, "{s:?}");
    assert_eq!(out, if v6 { 42 } else { 41 }, "{s:?}");
    assert_eq!(reassembled, 1, "{s:?}");
    assert_eq!(
        s.frag_overlap + s.frag_bad_length + s.frag_timed_out,
        0,
        "{s:?}"
    );
    // The kernel reassembled ours and fragmented its own.
    assert!(
        after.0 > before.0,
        "kernel ReasmOKs {before:?} -> {after:?}"
    );
    assert!(
        after.1 >= before.1 + 41,
        "kernel FragCreates {before:?} -> {after:?}"
    );
    eprintln!(
        "{}: {out} fragments sent, {} of the kernel's received and reassembled; kernel (ReasmOKs, FragCreates) {before:?} -> {after:?}",
        if v6 { "IPv6" } else { "IPv4" },
        s.ipv4_fragments_in + s.ipv6_fragments_in
    );
}

#[test]
fn a_60000_byte_udp_datagram_crosses_to_the_kernel_and_back_in_fragments_over_ipv4() {
    udp_both_ways(false);
}

#[test]
fn a_60000_byte_udp_datagram_crosses_to_the_kernel_and_back_in_fragments_over_ipv6() {
    udp_both_ways(true);
}

/// The kernel's `ping -s 60000` (a 60,008-byte ICMP message in fragments)
/// is answered over IPv4 and IPv6: we reassemble the request and send the
/// reply in fragments, which the kernel reassembles.
#[test]
fn the_kernels_60000_byte_ping_is_answered_in_fragments() {
    if !test_support::net_admin() {
        return;
    }
    let mut rig = Rig::new();
    for (v6, target) in [(false, OUR_V4.to_string()), (true, our_v6().to_string())] {
        let mut args = vec!["netns", "exec", rig.ns.name(), "ping"];
        if v6 {
            args.push("-6");
        }
        args.extend(["-c", "2", "-i", "0.3", "-W", "3", "-s", "60000", &target]);
        let mut child = Command::new("ip")
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn ping");
        let done = rig.serve_until(Duration::from_secs(15), |_| {
            child.try_wait().expect("wait for ping").is_some()
        });
        if !done {
            let _ = child.kill();
        }
        let out = child.wait_with_output().expect("ping output");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success() && text.contains("2 received"),
            "{target}:\n{text}"
        );
        assert!(
            text.contains("60008 bytes from"),
            "{target}: reply size\n{text}"
        );
    }
    let s = *rig.iface.stats();
    assert_eq!((s.ipv4_reassembled, s.ipv6_reassembled), (2, 2), "{s:?}");
    assert_eq!((s.ipv4_fragmented, s.ipv6_fragmented), (2, 2), "{s:?}");
}
