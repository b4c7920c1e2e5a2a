//! ICMP errors to the transport and path MTU discovery, end to end.
//!
//! Two stacks on an emulated path with a narrow hop in the middle
//! ([`stack::phy::hop::MtuHop`] between two wires, 1 Gbit/s and 25 µs
//! each), on simulated time:
//!
//! ```text
//!   host A (1500) ──wire── [hop: 1280-byte link, answers ICMP] ──wire── host B (1500)
//! ```
//!
//! - 64 MiB over TCP, IPv4 and IPv6, byte-exact (SHA-256): A's first
//!   full-sized segments are answered with Fragmentation Needed / Packet
//!   Too Big, A's send MSS drops to the path's (1240 / 1220 bytes), what
//!   was in flight is sent again at that size, nothing larger than 1280
//!   bytes ever crosses the hop, and the hop never fragments (DF). After
//!   it, UDP and ping above the path MTU leave in fragments that fit.
//!   `PMTU_TRANSFER_MIB` scales the size (64 by default).
//! - Forged ICMP errors whose quoted SEQ lies outside [SND.UNA, SND.MAX)
//!   change nothing (MSS, state, soft error) and are counted; one inside
//!   does act (the control).
//! - A soft error while connecting is reported and the connect succeeds
//!   once the path recovers; a connect that times out reports the last
//!   soft error; a port unreachable ends a connect but not an established
//!   connection.
//! - A port unreachable to a connected UDP socket is returned by its next
//!   call; an unconnected socket's is only counted.
//! - A path MTU estimate ages out after 10 minutes and is learned again.
//!
//! Each test prints its seed; `TEST_SEED=<seed>` replays one.

mod support;

use emulated_nic::EmulatorPort;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use stack::iface::{Interface, InterfaceConfig};
use stack::phy::emulator::{LinkConfig, PortId, Wire};
use stack::phy::hop::{HopConfig, MtuHop, Reject, Side};
use stack::phy::Capabilities;
use stack::socket::{IcmpError, SocketError, SocketHandle, TcpHandle};
use stack::tcp::{CloseReason, State};
use stack::wire::{
    ip_protocol, EtherType, EthernetAddress, EthernetFrame, EthernetRepr, Icmpv4Packet, Icmpv4Repr,
    Icmpv6Packet, Icmpv6Repr, Ipv4Address, Ipv4Packet, Ipv4Repr, Ipv6Address, Ipv6Packet, Ipv6Repr,
};
use std::cell::{Cell, RefCell};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::rc::Rc;
use std::time::{Duration, Instant};
use support::{hex, seed, Sink, Source, KIB, MIB, MS, SEC};

const PORT: u16 = 5001;
const MACS: [[u8; 6]; 2] = [[0x02, 0, 0, 0, 0, 0x0a], [0x02, 0, 0, 0, 0, 0x0b]];
const HOP_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0xfe];
const V4: [Ipv4Addr; 2] = [Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2)];
const V6: [Ipv6Addr; 2] = [
    Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0xa),
    Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0xb),
];
const HOP_V4: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 254);
const HOP_V6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0xfe);
const NARROW: usize = 1280;
const WALL_LIMIT: Duration = Duration::from_secs(240);

struct Host {
    iface: Interface,
    dev: EmulatorPort,
}

/// Host A, the hop, host B, on one simulated clock.
struct Path {
    name: String,
    seed: u64,
    now: Rc<Cell<u64>>,
    /// Wire 0 joins A and the hop's side A, wire 1 the hop's side B and B.
    wires: [Rc<RefCell<Wire>>; 2],
    hop: MtuHop,
    hop_ports: [PortId; 2],
    hosts: [Host; 2],
    wall: Instant,
}

impl Path {
    /// A path through a hop of `mtu`; host A's device does checksums and
    /// TSO (so the device cuts A's super-segments at the MSS the stack
    /// chose), B's nothing (software checksums and GRO).
    fn new(name: &str, default_seed: u64, mtu: usize) -> Path {
        let seed = seed(name, default_seed);
        let link = LinkConfig {
            overhead_bytes: 24,
            ..LinkConfig::new(1_000_000_000, 25_000)
        };
        let wires = [
            Rc::new(RefCell::new(Wire::new(link, seed))),
            Rc::new(RefCell::new(Wire::new(link, seed ^ 1))),
        ];
        let now = Rc::new(Cell::new(0));
        let host = |i: usize, wire: &Rc<RefCell<Wire>>| {
            let mut cfg = InterfaceConfig::new(MACS[i]);
            cfg.ipv4 = Some((V4[i], 24));
            cfg.ipv6 = Some((V6[i], 64));
            cfg.isn_secret = u128::from(seed) << 64 | (0x9e7 + i as u128);
            let caps = Capabilities {
                max_frame: 1514,
                tx_checksum: i == 0,
                tso_v4: i == 0,
                tso_v6: i == 0,
                ..Capabilities::default()
            };
            Host {
                iface: Interface::new(cfg),
                dev: EmulatorPort::attach(wire, &now).with_capabilities(caps),
            }
        };
        let a = host(0, &wires[0]);
        let hop_ports = [
            wires[0].borrow_mut().attach(),
            wires[1].borrow_mut().attach(),
        ];
        let b = host(1, &wires[1]);
        Path {
            name: name.to_string(),
            seed,
            now,
            hop: MtuHop::new(HopConfig {
                mtu,
                mac: HOP_MAC,
                ipv4: HOP_V4,
                ipv6: HOP_V6,
                send_errors: true,
            }),
            wires,
            hop_ports,
            hosts: [a, b],
            wall: Instant::now(),
        }
    }

    fn now(&self) -> u64 {
        self.now.get()
    }

    fn poll(&mut self) {
        let now = self.now();
        for h in &mut self.hosts {
            h.iface.poll(now, &mut h.dev);
        }
        let (mut w0, mut w1) = (self.wires[0].borrow_mut(), self.wires[1].borrow_mut());
        self.hop
            .pump(
                now,
                (&mut w0, self.hop_ports[0]),
                (&mut w1, self.hop_ports[1]),
            )
            .expect("the hop's ports are attached");
    }

    fn next_event(&self) -> Option<u64> {
        [
            self.wires[0].borrow().next_event_ns(),
            self.wires[1].borrow().next_event_ns(),
            self.hosts[0].iface.poll_at(),
            self.hosts[1].iface.poll_at(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Runs until `done` (true) or simulated time `until` (false), calling
    /// `app` after every poll; `app` says whether it moved anything (then
    /// the stacks are polled again at once). Fails after `WALL_LIMIT`.
    fn run(
        &mut self,
        until: u64,
        app: &mut dyn FnMut(&mut Path) -> bool,
        done: &dyn Fn(&Path) -> bool,
    ) -> bool {
        let mut same_instant = 0;
        loop {
            self.poll();
            let moved = app(self);
            if done(self) {
                return true;
            }
            if moved && same_instant < 64 {
                same_instant += 1;
                continue;
            }
            same_instant = 0;
            let now = self.now();
            if now >= until {
                return false;
            }
            assert!(
                self.wall.elapsed() < WALL_LIMIT,
                "{}: over {WALL_LIMIT:?} of real time at {:.3} s simulated (seed {:#x})",
                self.name,
                now as f64 / 1e9,
                self.seed
            );
            let next = self.next_event().unwrap_or(until).min(until);
            self.now.set(next.max(now + 1));
        }
    }

    /// Lets time pass to `t` with nothing for the applications to do.
    fn run_to(&mut self, t: u64) {
        self.run(t, &mut |_| false, &|_| false);
    }

    /// B listens, A connects to it (over IPv6 if `v6`), B accepts: the
    /// connected pair (A's, B's), or panics after `budget`.
    fn connect(&mut self, v6: bool, budget: u64) -> (TcpHandle, TcpHandle) {
        let listener = self.hosts[1].iface.tcp_listen(PORT, 8).expect("listen");
        let client = self.hosts[0]
            .iface
            .tcp_connect(self.now(), server_addr(v6))
            .expect("connect");
        let accepted = Cell::new(None);
        let deadline = self.now() + budget;
        let ok = self.run(
            deadline,
            &mut |p| {
                if accepted.get().is_none() {
                    accepted.set(p.hosts[1].iface.tcp_accept(listener).expect("accept"));
                }
                accepted.get().is_some()
            },
            &|_| accepted.get().is_some(),
        );
        assert!(ok, "{}: no connection (seed {:#x})", self.name, self.seed);
        (client, accepted.get().unwrap())
    }

    /// Moves `src` from A's `a` to B's `b` into `sink`, up to `upto` bytes
    /// of it in all; fails past `budget` of simulated time.
    fn stream(
        &mut self,
        (a, b): (TcpHandle, TcpHandle),
        src: &mut Source,
        sink: &mut Sink,
        upto: usize,
        budget: u64,
    ) {
        let deadline = self.now() + budget;
        let (src, sink) = (RefCell::new(src), RefCell::new(sink));
        let ok = self.run(
            deadline,
            &mut |p| {
                let (mut src, mut sink) = (src.borrow_mut(), sink.borrow_mut());
                let mut moved = false;
                while src.sent() < upto {
                    let pending = src.pending();
                    let n = pending.len().min(upto - src.sent());
                    let n = p.hosts[0].iface.tcp_send(a, &pending[..n]).expect("send");
                    if n == 0 {
                        break;
                    }
                    src.advance(n);
                    moved = true;
                }
                loop {
                    let data = p.hosts[1].iface.tcp_recv_peek(b).expect("peek");
                    if data.is_empty() {
                        break;
                    }
                    sink.feed(data);
                    let n = data.len();
                    p.hosts[1].iface.tcp_recv_consume(b, n).expect("consume");
                    moved = true;
                }
                moved
            },
            &|_| sink.borrow().received() >= upto,
        );
        assert!(
            ok,
            "{}: stalled at {} of {upto} bytes (seed {:#x}); A {:?}, B {:?}",
            self.name,
            sink.borrow().received(),
            self.seed,
            self.hosts[0].iface.tcp_connection(a).map(|c| c.stats()),
            self.hosts[0].iface.stats(),
        );
        assert_eq!(
            sink.borrow().first_mismatch(),
            None,
            "{}: wrong byte received (seed {:#x})",
            self.name,
            self.seed
        );
    }

    /// Both ends close; both must reach CLOSED with `Normal`.
    fn close(&mut self, (a, b): (TcpHandle, TcpHandle)) {
        self.hosts[0].iface.tcp_close(a).expect("close A");
        let deadline = self.now() + 300 * SEC;
        let ok = self.run(
            deadline,
            &mut |p| {
                let fin = p.hosts[1].iface.tcp_recv_finished(b).unwrap_or(false);
                if fin && p.hosts[1].iface.tcp_state(b) == Ok(State::CloseWait) {
                    p.hosts[1].iface.tcp_close(b).expect("close B");
                    return true;
                }
                false
            },
            &|p| {
                p.hosts[0].iface.tcp_state(a) == Ok(State::Closed)
                    && p.hosts[1].iface.tcp_state(b) == Ok(State::Closed)
            },
        );
        assert!(ok, "{}: no clean close (seed {:#x})", self.name, self.seed);
        for (i, h) in [(0, a), (1, b)] {
            let c = self.hosts[i].iface.tcp_connection(h).unwrap();
            assert_eq!(c.close_reason(), Some(CloseReason::Normal), "{}", self.name);
        }
    }

    /// Sends `frame` to host A as if it came from the hop.
    fn inject_to_a(&mut self, frame: Vec<u8>) {
        let now = self.now();
        self.wires[0]
            .borrow_mut()
            .send(self.hop_ports[0], frame, now)
            .expect("attached");
    }
}

fn server_addr(v6: bool) -> SocketAddr {
    if v6 {
        SocketAddr::new(V6[1].into(), PORT)
    } else {
        SocketAddr::new(V4[1].into(), PORT)
    }
}

fn family(v6: bool) -> &'static str {
    if v6 {
        "ipv6"
    } else {
        "ipv4"
    }
}

/// The MSS a 1280-byte path allows: less the IP header and 20 bytes of TCP.
fn narrow_mss(v6: bool) -> u16 {
    if v6 {
        1280 - 60
    } else {
        1280 - 40
    }
}

fn link_mss(v6: bool) -> u16 {
    if v6 {
        1440
    } else {
        1460
    }
}

/// What a router quotes of a TCP segment `from` -> `to` with SEQ `seq`, of
/// `len` IP bytes: the IP header and the first 8 bytes of the TCP header.
fn quoted_tcp(from: SocketAddr, to: SocketAddr, seq: u32, len: usize) -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(&from.port().to_be_bytes());
    t.extend_from_slice(&to.port().to_be_bytes());
    t.extend_from_slice(&seq.to_be_bytes());
    match (from.ip(), to.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let mut b = vec![0u8; 20];
            let (s, d) = (Ipv4Address(s.octets()), Ipv4Address(d.octets()));
            Ipv4Repr::unfragmented(s, d, ip_protocol::TCP, len - 20, 1, true)
                .emit(&mut Ipv4Packet::new_unchecked(&mut b[..]), true);
            b.extend_from_slice(&t);
            b
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            let mut b = vec![0u8; 40];
            Ipv6Repr {
                src_addr: Ipv6Address(s.octets()),
                dst_addr: Ipv6Address(d.octets()),
                next_header: ip_protocol::TCP,
                payload_len: len - 40,
                hop_limit: 64,
                traffic_class: 0,
                flow_label: 0,
            }
            .emit(&mut Ipv6Packet::new_unchecked(&mut b[..]));
            b.extend_from_slice(&t);
            b
        }
        _ => unreachable!("one family"),
    }
}

/// A forged error.
#[derive(Debug, Clone, Copy)]
enum Forged {
    /// Fragmentation Needed / Packet Too Big with this MTU.
    TooBig(u16),
    /// Destination Unreachable with this code (ICMPv4 / ICMPv6 numbering).
    Unreachable(u8),
    TimeExceeded,
}

/// An ICMP or ICMPv6 error from the hop to host A quoting `quote`.
fn forge_error(v6: bool, kind: Forged, quote: &[u8]) -> Vec<u8> {
    let eth = 14;
    let (src6, dst6) = (Ipv6Address(HOP_V6.octets()), Ipv6Address(V6[0].octets()));
    let (ethertype, ip_len, icmp) = if v6 {
        let r = match kind {
            Forged::TooBig(mtu) => Icmpv6Repr::PacketTooBig {
                mtu: u32::from(mtu),
                quote,
            },
            Forged::Unreachable(code) => Icmpv6Repr::DstUnreachable { code, quote },
            Forged::TimeExceeded => Icmpv6Repr::TimeExceeded { code: 0, quote },
        };
        let mut b = vec![0u8; r.buffer_len()];
        r.emit(&mut Icmpv6Packet::new_unchecked(&mut b[..]), src6, dst6);
        (EtherType::IPV6, 40, b)
    } else {
        let r = match kind {
            Forged::TooBig(mtu) => Icmpv4Repr::DstUnreachable {
                code: 4,
                next_hop_mtu: mtu,
                quote,
            },
            Forged::Unreachable(code) => Icmpv4Repr::DstUnreachable {
                code,
                next_hop_mtu: 0,
                quote,
            },
            Forged::TimeExceeded => Icmpv4Repr::TimeExceeded { code: 0, quote },
        };
        let mut b = vec![0u8; r.buffer_len()];
        r.emit(&mut Icmpv4Packet::new_unchecked(&mut b[..]));
        (EtherType::IPV4, 20, b)
    };
    let mut f = vec![0u8; eth + ip_len];
    EthernetRepr {
        src: EthernetAddress(HOP_MAC),
        dst: EthernetAddress(MACS[0]),
        vlan: None,
        ethertype,
    }
    .emit(&mut EthernetFrame::new_unchecked(&mut f[..]));
    if v6 {
        Ipv6Repr {
            src_addr: src6,
            dst_addr: dst6,
            next_header: ip_protocol::ICMPV6,
            payload_len: icmp.len(),
            hop_limit: 64,
            traffic_class: 0,
            flow_label: 0,
        }
        .emit(&mut Ipv6Packet::new_unchecked(&mut f[eth..]));
    } else {
        let (src, dst) = (Ipv4Address(HOP_V4.octets()), Ipv4Address(V4[0].octets()));
        Ipv4Repr::unfragmented(src, dst, ip_protocol::ICMP, icmp.len(), 7, false)
            .emit(&mut Ipv4Packet::new_unchecked(&mut f[eth..]), true);
    }
    f.extend_from_slice(&icmp);
    f
}

/// The transfer size: `PMTU_TRANSFER_MIB` MiB, 64 by default.
fn transfer_bytes() -> usize {
    std::env::var("PMTU_TRANSFER_MIB")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(64)
        * MIB
}

fn transfer_over_a_narrow_hop(name: &str, default_seed: u64, v6: bool) {
    let mut p = Path::new(name, default_seed, NARROW);
    let pair = p.connect(v6, 10 * SEC);
    let start = p.now();
    let bytes = transfer_bytes();
    let mut src = Source::new(p.seed ^ 0xda7a, bytes);
    let mut sink = Sink::new(p.seed ^ 0xda7a, bytes);
    p.stream(pair, &mut src, &mut sink, bytes, 120 * SEC);
    let secs = (p.now() - start) as f64 / 1e9;
    assert_eq!(hex(&sink.digest()), hex(&src.digest()), "{name}: SHA-256");

    let a = p.hosts[0].iface.tcp_connection(pair.0).unwrap();
    let (mss, cs) = (a.send_mss(), *a.stats());
    let st = *p.hosts[0].iface.stats();
    let hop = p.hop.stats();
    eprintln!(
        "{name}: {} MiB in {secs:.3} s simulated = {:.0} Mbit/s at MSS {mss}; hop: {} too big, \
         {} forwarded, largest {} bytes; A: {} retransmits, {} PMTU resends; {:.1} s real",
        bytes / MIB,
        bytes as f64 * 8.0 / secs / 1e6,
        hop.too_big,
        hop.forwarded,
        hop.largest_to_b,
        cs.retransmits,
        cs.pmtu_resends,
        p.wall.elapsed().as_secs_f64()
    );
    assert_eq!(mss, narrow_mss(v6), "{name}: the send MSS follows the path");
    assert_eq!(
        p.hosts[0].iface.path_mtu(server_addr(v6).ip()),
        Some(NARROW as u16)
    );
    assert_eq!(st.pmtu_lowered, 1, "{name}: one estimate, learned once");
    assert!(
        st.tcp_pmtu_mss_lowered >= 1 && cs.pmtu_resends >= 1,
        "{st:?} {cs:?}"
    );
    assert_eq!(
        cs.rto_expiries, 0,
        "{name}: resent at once, not after a timeout"
    );
    assert!(
        hop.too_big >= 1,
        "{name}: the first full-sized segments were too big"
    );
    assert!(hop.largest_to_b <= NARROW, "{name}: {hop:?}");
    assert_eq!(
        hop.fragmented, 0,
        "{name}: TCP is sent with DF, never fragmented"
    );
    assert_eq!(
        st.icmp_errors_out_of_window + st.icmp_errors_no_socket + st.icmp_errors_malformed,
        0,
        "{name}: every error the hop sent was about a segment in flight: {st:?}"
    );
    // Only the segments of the first flight were too big; then nothing
    // more (a handful of errors, not one per segment).
    assert!(hop.too_big < 64, "{name}: {hop:?}");

    // UDP and ping above the path MTU leave in fragments that fit it: the
    // hop neither fragments them (IPv4) nor refuses them (IPv6).
    let too_big_before = hop.too_big;
    let u_b = p.hosts[1].iface.udp_bind(7000).unwrap();
    let u_a = p.hosts[0].iface.udp_bind(0).unwrap();
    let dgram: Vec<u8> = (0..3000u32).map(|i| (i * 7) as u8).collect();
    let now = p.now();
    let to = SocketAddr::new(server_addr(v6).ip(), 7000);
    let h = &mut p.hosts[0];
    h.iface
        .udp_send_to(now, &mut h.dev, u_a, to, &dgram)
        .unwrap();
    let got = RefCell::new(None);
    p.run(
        p.now() + SEC,
        &mut |p| {
            if let Ok(Some(d)) = p.hosts[1].iface.udp_recv_from(u_b) {
                *got.borrow_mut() = Some(d.1);
            }
            false
        },
        &|_| got.borrow().is_some(),
    );
    assert_eq!(got.borrow().as_deref(), Some(&dgram[..]), "{name}: UDP");
    let hop = p.hop.stats();
    assert_eq!(
        (hop.fragmented, hop.too_big),
        (0, too_big_before),
        "{name}: sent in fragments of the path MTU: {hop:?}"
    );
    let frags = |s: &stack::iface::Stats| {
        if v6 {
            (s.ipv6_fragments_out, s.ipv6_reassembled)
        } else {
            (s.ipv4_fragments_out, s.ipv4_reassembled)
        }
    };
    assert_eq!(
        frags(p.hosts[0].iface.stats()).0,
        3,
        "{name}: 3000 bytes in 3"
    );
    // The echo request too (B's reply, to a path B knows nothing of, is
    // B's business).
    let now = p.now();
    let h = &mut p.hosts[0];
    h.iface
        .ping(now, &mut h.dev, server_addr(v6).ip(), 9, 1, &dgram[..2000])
        .unwrap();
    let reassembled = frags(p.hosts[1].iface.stats()).1;
    p.run_to(p.now() + 10 * MS);
    assert_eq!(
        frags(p.hosts[0].iface.stats()).0,
        5,
        "{name}: 2000 bytes in 2"
    );
    assert_eq!(frags(p.hosts[1].iface.stats()).1, reassembled + 1, "{name}");
    p.close(pair);
}

#[test]
fn tcp_64mib_over_a_1280_byte_hop_follows_the_path_mtu_ipv4() {
    transfer_over_a_narrow_hop("pmtu_transfer_ipv4", 0x9e70_0004, false);
}

#[test]
fn tcp_64mib_over_a_1280_byte_hop_follows_the_path_mtu_ipv6() {
    transfer_over_a_narrow_hop("pmtu_transfer_ipv6", 0x9e70_0006, true);
}

fn forged_errors_outside_the_window(name: &str, default_seed: u64, v6: bool) {
    // A wide path: only the forgeries could lower anything.
    let mut p = Path::new(name, default_seed, 1500);
    let pair = p.connect(v6, 10 * SEC);
    let (a_addr, b_addr) = {
        let c = p.hosts[0].iface.tcp_connection(pair.0).unwrap();
        (c.local(), c.remote())
    };
    let bytes = 16 * MIB;
    let mut src = Source::new(p.seed ^ 0xf0, bytes);
    let mut sink = Sink::new(p.seed ^ 0xf0, bytes);
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
    let mut forged = 0u64;
    // Phases of 1 MiB; between them, a burst of forgeries with SEQs
    // outside the flight of that moment (below SND.UNA or at or past
    // SND.MAX, near and far), of every kind.
    let kinds = [
        Forged::TooBig(if v6 { 1280 } else { 576 }),
        Forged::Unreachable(if v6 { 4 } else { 3 }), // port: hard
        Forged::Unreachable(if v6 { 3 } else { 1 }), // host / address: soft
        Forged::Unreachable(0),
        Forged::TimeExceeded,
    ];
    for phase in 1..=bytes / MIB {
        p.stream(pair, &mut src, &mut sink, phase * MIB, 30 * SEC);
        let (una, _, max) = p.hosts[0]
            .iface
            .tcp_connection(pair.0)
            .unwrap()
            .send_sequence();
        for _ in 0..40 {
            let seq = match rng.gen_range(0..4) {
                0 => una.0.wrapping_sub(rng.gen_range(1..=64 * KIB as u32)),
                1 => una.0.wrapping_sub(rng.gen_range(1..1u32 << 31)),
                2 => max.0.wrapping_add(rng.gen_range(0..64 * KIB as u32)),
                _ => max.0.wrapping_add(rng.gen_range(0..1u32 << 31)),
            };
            let kind = kinds[rng.gen_range(0..kinds.len())];
            let quote = quoted_tcp(a_addr, b_addr, seq, 1500);
            p.inject_to_a(forge_error(v6, kind, &quote));
            forged += 1;
        }
        // Taken in before new data moves SND.MAX past a forged SEQ.
        p.run_to(p.now() + MS);
    }
    p.stream(pair, &mut src, &mut sink, bytes, 30 * SEC);
    assert_eq!(hex(&sink.digest()), hex(&src.digest()), "{name}: SHA-256");
    let c = p.hosts[0].iface.tcp_connection(pair.0).unwrap();
    let st = *p.hosts[0].iface.stats();
    eprintln!("{name}: {forged} forged errors, {st:?}");
    assert_eq!(c.state(), State::Established, "{name}: alive");
    assert_eq!(c.send_mss(), link_mss(v6), "{name}: MSS unchanged");
    assert_eq!(c.soft_error(), None);
    assert_eq!(c.stats().icmp_out_of_window, forged);
    assert_eq!(c.stats().icmp_soft_errors + c.stats().pmtu_decreases, 0);
    assert_eq!(st.icmp_errors_in, forged);
    assert_eq!(st.icmp_errors_out_of_window, forged, "{name}: counted");
    assert_eq!(
        st.pmtu_lowered + st.tcp_icmp_soft_errors + st.tcp_icmp_aborts,
        0
    );
    assert_eq!(p.hosts[0].iface.path_mtu(b_addr.ip()), None);

    // The control: the same forgery quoting SND.UNA while data is in
    // flight is taken, so the others were refused for their SEQ alone.
    src = Source::new(p.seed ^ 0xf1, 4 * MIB);
    sink = Sink::new(p.seed ^ 0xf1, 4 * MIB);
    let mut injected = false;
    let deadline = p.now() + 30 * SEC;
    let (srcc, sinkc) = (RefCell::new(&mut src), RefCell::new(&mut sink));
    p.run(
        deadline,
        &mut |p| {
            let (mut src, mut sink) = (srcc.borrow_mut(), sinkc.borrow_mut());
            let mut moved = false;
            while !src.done() {
                let n = p.hosts[0].iface.tcp_send(pair.0, src.pending()).unwrap();
                if n == 0 {
                    break;
                }
                src.advance(n);
                moved = true;
            }
            while let Ok(d) = p.hosts[1].iface.tcp_recv_peek(pair.1) {
                if d.is_empty() {
                    break;
                }
                sink.feed(d);
                let n = d.len();
                p.hosts[1].iface.tcp_recv_consume(pair.1, n).unwrap();
                moved = true;
            }
            let (una, _, max) = p.hosts[0]
                .iface
                .tcp_connection(pair.0)
                .unwrap()
                .send_sequence();
            if !injected && sink.received() > MIB && una != max {
                // The last byte sent: still in flight when the error
                // arrives (its ACK is a round trip away).
                let q = quoted_tcp(a_addr, b_addr, max.0.wrapping_sub(1), 1500);
                p.inject_to_a(forge_error(v6, Forged::TooBig(1400), &q));
                injected = true;
            }
            moved
        },
        &|_| sinkc.borrow().complete(),
    );
    assert!(sink.complete() && sink.first_mismatch().is_none(), "{name}");
    let c = p.hosts[0].iface.tcp_connection(pair.0).unwrap();
    let ip = if v6 { 60 } else { 40 };
    assert_eq!(c.send_mss(), 1400 - ip, "{name}: an in-window report acts");
    assert_eq!(p.hosts[0].iface.stats().pmtu_lowered, 1);
    p.close(pair);
}

#[test]
fn forged_icmp_errors_outside_the_window_change_nothing_ipv4() {
    forged_errors_outside_the_window("pmtu_forged_ipv4", 0x9e70_0f04, false);
}

#[test]
fn forged_icmp_errors_outside_the_window_change_nothing_ipv6() {
    forged_errors_outside_the_window("pmtu_forged_ipv6", 0x9e70_0f06, true);
}

fn soft_error_then_recovery(name: &str, default_seed: u64, v6: bool) {
    let mut p = Path::new(name, default_seed, NARROW);
    // The route to B is down: TCP and UDP from A answered with host
    // (address) unreachable until 3.5 s.
    p.hop.set_reject(Some(Reject {
        from: Side::A,
        code_v4: 1,
        code_v6: 3,
    }));
    p.hosts[1].iface.tcp_listen(PORT, 8).unwrap();
    let a = p.hosts[0].iface.tcp_connect(0, server_addr(v6)).unwrap();
    let mut reported_at = None;
    p.run(
        3_500 * MS,
        &mut |p| {
            let c = p.hosts[0].iface.tcp_connection(a).unwrap();
            assert_eq!(
                c.state(),
                State::SynSent,
                "{}: a soft error aborts nothing",
                p.name
            );
            if reported_at.is_none() && c.soft_error().is_some() {
                reported_at = Some(p.now());
            }
            false
        },
        &|_| false,
    );
    let c = p.hosts[0].iface.tcp_connection(a).unwrap();
    assert_eq!(c.soft_error(), Some(IcmpError::HostUnreachable), "{name}");
    let at = reported_at.expect("reported");
    assert!(at < MS, "{name}: reported within a round trip, at {at} ns");
    let soft = p.hosts[0].iface.stats().tcp_icmp_soft_errors;
    assert!(soft >= 2, "{name}: the SYN was retried: {soft} errors");
    assert_eq!(p.hop.stats().rejected, soft);

    // The path recovers; the next SYN retransmission gets through.
    p.hop.set_reject(None);
    let ok = p.run(60 * SEC, &mut |_| false, &|p| {
        p.hosts[0].iface.tcp_state(a) == Ok(State::Established)
    });
    assert!(ok, "{name}: the connect never completed");
    let c = p.hosts[0].iface.tcp_connection(a).unwrap();
    assert_eq!(c.soft_error(), None, "{name}: forgotten once answered");
    eprintln!(
        "{name}: established at {:.3} s after {soft} soft errors",
        p.now() as f64 / 1e9
    );
}

#[test]
fn soft_error_during_connect_is_reported_and_connect_succeeds_when_path_recovers_ipv4() {
    soft_error_then_recovery("pmtu_soft_connect_ipv4", 0x9e70_5004, false);
}

#[test]
fn soft_error_during_connect_is_reported_and_connect_succeeds_when_path_recovers_ipv6() {
    soft_error_then_recovery("pmtu_soft_connect_ipv6", 0x9e70_5006, true);
}

#[test]
fn a_connect_that_times_out_reports_the_last_soft_error() {
    for v6 in [false, true] {
        let name = format!("pmtu_connect_timeout_{}", family(v6));
        let mut p = Path::new(&name, 0x9e70_7000, NARROW);
        p.hop.set_reject(Some(Reject {
            from: Side::A,
            code_v4: 0,
            code_v6: 0,
        }));
        let a = p.hosts[0].iface.tcp_connect(0, server_addr(v6)).unwrap();
        let ok = p.run(600 * SEC, &mut |_| false, &|p| {
            p.hosts[0].iface.tcp_state(a) == Ok(State::Closed)
        });
        assert!(ok, "{name}: never gave up");
        let c = p.hosts[0].iface.tcp_connection(a).unwrap();
        assert_eq!(
            c.close_reason(),
            Some(CloseReason::Unreachable(IcmpError::NetUnreachable)),
            "{name}: the soft error is the cause, not a bare timeout"
        );
    }
}

#[test]
fn port_unreachable_ends_a_connect_but_not_an_established_connection() {
    for v6 in [false, true] {
        let name = format!("pmtu_port_unreachable_{}", family(v6));
        let mut p = Path::new(&name, 0x9e70_3000, 1500);
        // Hard while connecting: over at once.
        p.hop.set_reject(Some(Reject {
            from: Side::A,
            code_v4: 3,
            code_v6: 4,
        }));
        let a = p.hosts[0].iface.tcp_connect(0, server_addr(v6)).unwrap();
        let ok = p.run(10 * MS, &mut |_| false, &|p| {
            p.hosts[0].iface.tcp_state(a) == Ok(State::Closed)
        });
        assert!(
            ok,
            "{name}: a hard error ends a connect within a round trip"
        );
        let c = p.hosts[0].iface.tcp_connection(a).unwrap();
        assert_eq!(
            c.close_reason(),
            Some(CloseReason::Unreachable(IcmpError::PortUnreachable))
        );
        assert_eq!(p.hosts[0].iface.stats().tcp_icmp_aborts, 1);
        p.hosts[0].iface.tcp_release(a).unwrap();

        // Soft once synchronized (RFC 5461): reported, the data flows on.
        p.hop.set_reject(None);
        let pair = p.connect(v6, 10 * SEC);
        let (local, remote) = {
            let c = p.hosts[0].iface.tcp_connection(pair.0).unwrap();
            (c.local(), c.remote())
        };
        let mut src = Source::new(1, MIB);
        let mut sink = Sink::new(1, MIB);
        p.stream(pair, &mut src, &mut sink, 256 * KIB, 10 * SEC);
        // Queue more data so that something is in flight, then report.
        let more = src.pending().len().min(64 * KIB);
        let n = p.hosts[0]
            .iface
            .tcp_send(pair.0, &src.pending()[..more])
            .unwrap();
        src.advance(n);
        p.poll();
        let (_, _, max) = p.hosts[0]
            .iface
            .tcp_connection(pair.0)
            .unwrap()
            .send_sequence();
        let code = if v6 { 4 } else { 3 };
        // The last byte sent: still in flight when the error arrives.
        let q = quoted_tcp(local, remote, max.0.wrapping_sub(1), 1500);
        p.inject_to_a(forge_error(v6, Forged::Unreachable(code), &q));
        p.run_to(p.now() + MS);
        let c = p.hosts[0].iface.tcp_connection(pair.0).unwrap();
        assert_eq!(c.state(), State::Established, "{name}");
        assert_eq!(c.stats().icmp_soft_errors, 1, "{name}");
        p.stream(pair, &mut src, &mut sink, MIB, 10 * SEC);
        p.close(pair);
    }
}

#[test]
fn port_unreachable_to_a_connected_udp_socket_is_reported() {
    for v6 in [false, true] {
        let name = format!("pmtu_udp_refused_{}", family(v6));
        let mut p = Path::new(&name, 0x9e70_0d00, 1500);
        let closed_port = SocketAddr::new(server_addr(v6).ip(), 9);
        let connected = p.hosts[0].iface.udp_bind(0).unwrap();
        p.hosts[0]
            .iface
            .udp_connect(connected, closed_port)
            .unwrap();
        let loose = p.hosts[0].iface.udp_bind(0).unwrap();
        let now = p.now();
        let h = &mut p.hosts[0];
        h.iface
            .udp_send(now, &mut h.dev, connected, b"anyone there?")
            .unwrap();
        h.iface
            .udp_send_to(now, &mut h.dev, loose, closed_port, b"or here?")
            .unwrap();
        let ok = p.run(SEC, &mut |_| false, &|p| {
            p.hosts[0]
                .iface
                .readiness(SocketHandle::Udp(connected))
                .unwrap()
                .error
        });
        assert!(ok, "{name}: no error reported");
        p.run_to(p.now() + 10 * MS);
        assert_eq!(p.hosts[1].iface.stats().icmp_port_unreachable_sent, 2);
        let want = SocketError::Unreachable {
            remote: closed_port,
            error: IcmpError::PortUnreachable,
        };
        assert_eq!(
            p.hosts[0].iface.udp_error(connected),
            Ok(Some(want.clone()))
        );
        assert_eq!(p.hosts[0].iface.udp_recv_from(connected), Err(want));
        assert_eq!(p.hosts[0].iface.udp_recv_from(connected), Ok(None), "once");
        let st = p.hosts[0].iface.stats();
        assert_eq!(
            (st.udp_icmp_errors_reported, st.udp_icmp_errors_unreported),
            (1, 1)
        );
        assert_eq!(p.hosts[0].iface.udp_recv_from(loose), Ok(None));
        assert!(
            !p.hosts[0]
                .iface
                .readiness(SocketHandle::Udp(loose))
                .unwrap()
                .error
        );
    }
}

#[test]
fn path_mtu_estimate_ages_out_after_ten_minutes_and_is_learned_again() {
    let name = "pmtu_aging";
    let mut p = Path::new(name, 0x9e70_a9e0, NARROW);
    let pair = p.connect(false, 10 * SEC);
    let mut src = Source::new(3, 4 * MIB);
    let mut sink = Sink::new(3, 4 * MIB);
    p.stream(pair, &mut src, &mut sink, MIB, 30 * SEC);
    let b = server_addr(false).ip();
    let learned_at = p.now();
    assert_eq!(p.hosts[0].iface.path_mtu(b), Some(1280));
    // Idle for 10 minutes: the estimate is dropped, the link's MTU tried.
    p.run_to(learned_at + 599 * SEC);
    assert_eq!(p.hosts[0].iface.path_mtu(b), Some(1280), "not before");
    p.run_to(learned_at + 601 * SEC);
    assert_eq!(
        p.hosts[0].iface.path_mtu(b),
        None,
        "RFC 1191 6.3: 10 minutes"
    );
    assert_eq!(p.hosts[0].iface.stats().pmtu_expired, 1);
    let too_big = p.hop.stats().too_big;
    p.stream(pair, &mut src, &mut sink, 4 * MIB, 30 * SEC);
    assert_eq!(hex(&sink.digest()), hex(&src.digest()));
    let st = p.hosts[0].iface.stats();
    assert_eq!(st.pmtu_lowered, 2, "learned again");
    assert!(p.hop.stats().too_big > too_big, "the link's MTU was tried");
    let c = p.hosts[0].iface.tcp_connection(pair.0).unwrap();
    assert_eq!(c.send_mss(), narrow_mss(false));
    assert_eq!(c.stats().pmtu_decreases, 2);
    p.close(pair);
}
