//! The socket API over two interfaces joined by the wire emulator: TCP
//! echo over IPv4 and IPv6, UDP, refused connects, the backlog, stale
//! handles, and malformed or corrupted TCP/UDP dropped and counted.

use emulated_nic::EmulatorPort;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use stack::iface::{Interface, InterfaceConfig};
use stack::phy::emulator::{LinkConfig, Wire};
use stack::phy::{Capabilities, Device};
use stack::socket::{SocketError, SocketHandle, TcpHandle};
use stack::tcp::{CloseReason, State};
use std::cell::{Cell, RefCell};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::rc::Rc;

const MAC_A: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0a];
const MAC_B: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0b];
const IP_A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const IP_B: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
const IP6_A: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0xa);
const IP6_B: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0xb);
const MS: u64 = 1_000_000;
const SEC: u64 = 1_000_000_000;

fn seed(default: u64) -> u64 {
    test_support::seed(default)
}

fn config(mac: [u8; 6], v4: Ipv4Addr, v6: Ipv6Addr, secret: u128) -> InterfaceConfig {
    InterfaceConfig {
        ipv4: Some((v4, 24)),
        ipv6: Some((v6, 64)),
        isn_secret: secret,
        ..InterfaceConfig::new(mac)
    }
}

/// Two interfaces on a 1 Gbit/s, 50 µs cable.
struct Net {
    wire: Rc<RefCell<Wire>>,
    now: Rc<Cell<u64>>,
    a: Interface,
    b: Interface,
    da: EmulatorPort,
    db: EmulatorPort,
}

impl Net {
    fn new(caps: Capabilities) -> Self {
        Self::with(caps, |_| {})
    }

    fn with(caps: Capabilities, tweak: impl Fn(&mut InterfaceConfig)) -> Self {
        let wire = Rc::new(RefCell::new(Wire::new(
            LinkConfig::new(1_000_000_000, 50_000),
            7,
        )));
        let now = Rc::new(Cell::new(0));
        let da = EmulatorPort::attach(&wire, &now).with_capabilities(caps);
        let db = EmulatorPort::attach(&wire, &now).with_capabilities(caps);
        let mut ca = config(MAC_A, IP_A, IP6_A, 0x1111);
        let mut cb = config(MAC_B, IP_B, IP6_B, 0x2222);
        tweak(&mut ca);
        tweak(&mut cb);
        Net {
            a: Interface::new(ca),
            b: Interface::new(cb),
            wire,
            now,
            da,
            db,
        }
    }

    fn t(&self) -> u64 {
        self.now.get()
    }

    /// Polls both sides, jumping to each next event, until `done` holds or
    /// `limit` of simulated time has passed. Returns whether `done` held.
    fn run(&mut self, limit: u64, mut done: impl FnMut(&mut Self) -> bool) -> bool {
        let until = self.t() + limit;
        loop {
            let now = self.t();
            self.a.poll(now, &mut self.da);
            self.b.poll(now, &mut self.db);
            if done(self) {
                return true;
            }
            let next = [
                self.wire.borrow().next_event_ns(),
                self.a.poll_at(),
                self.b.poll_at(),
            ]
            .into_iter()
            .flatten()
            .min();
            match next {
                Some(t) if t <= until => self.now.set(t.max(now + 1)),
                _ => {
                    self.now.set(until);
                    return false;
                }
            }
        }
    }
}

/// Connects a to b:port and accepts on b; returns (client, server).
fn establish(n: &mut Net, listener: TcpHandle, dst: SocketAddr) -> (TcpHandle, TcpHandle) {
    let c = n.a.tcp_connect(n.t(), dst).unwrap();
    let mut server = None;
    assert!(
        n.run(5 * SEC, |n| {
            if server.is_none() {
                server = n.b.tcp_accept(listener).unwrap();
            }
            server.is_some() && n.a.tcp_state(c).unwrap() == State::Established
        }),
        "not established: {:?} {:?}",
        n.a.stats(),
        n.b.stats()
    );
    (c, server.unwrap())
}

fn tcp_echo(dst_ip: IpAddr) {
    let mut n = Net::new(Capabilities::default());
    let l = n.b.tcp_listen(7, 4).unwrap();
    let (c, s) = establish(&mut n, l, SocketAddr::new(dst_ip, 7));
    assert_eq!(n.b.tcp_state(s).unwrap(), State::Established);
    let peer = n.b.tcp_connection(s).unwrap().remote();
    let want: IpAddr = if dst_ip.is_ipv4() {
        IP_A.into()
    } else {
        IP6_A.into()
    };
    assert_eq!(peer.ip(), want);
    assert!((49152..=65535).contains(&peer.port()));
    // The client became writable (an event), the listener acceptable then not.
    let ev = n.a.take_events();
    assert!(ev
        .iter()
        .any(|e| e.socket == SocketHandle::Tcp(c) && e.readiness.writable));

    let msg: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let mut sent = 0;
    let mut echoed = Vec::new();
    let mut server_pending: Vec<u8> = Vec::new();
    assert!(n.run(20 * SEC, |n| {
        if sent < msg.len() {
            sent += n.a.tcp_send(c, &msg[sent..]).unwrap();
        }
        // Server echoes with zero-copy peek/consume.
        let chunk = n.b.tcp_recv_peek(s).unwrap().to_vec();
        if !chunk.is_empty() {
            n.b.tcp_recv_consume(s, chunk.len()).unwrap();
            server_pending.extend_from_slice(&chunk);
        }
        if !server_pending.is_empty() {
            let k = n.b.tcp_send(s, &server_pending).unwrap();
            server_pending.drain(..k);
        }
        let mut buf = [0u8; 4096];
        loop {
            let k = n.a.tcp_recv(c, &mut buf).unwrap();
            if k == 0 {
                break;
            }
            echoed.extend_from_slice(&buf[..k]);
        }
        echoed.len() == msg.len()
    }));
    assert_eq!(echoed, msg);
    let ev = n.b.take_events();
    assert!(ev
        .iter()
        .any(|e| e.socket == SocketHandle::Tcp(s) && e.readiness.readable));

    // Graceful close: client first, server sees end of stream, closes too.
    n.a.tcp_close(c).unwrap();
    assert!(n.run(5 * SEC, |n| n.b.tcp_recv_finished(s).unwrap()));
    assert!(n.b.readiness(SocketHandle::Tcp(s)).unwrap().hangup);
    n.b.tcp_close(s).unwrap();
    n.b.tcp_release(s).unwrap();
    assert!(n.run(5 * SEC, |n| n.a.tcp_recv_finished(c).unwrap()));
    n.a.tcp_release(c).unwrap();
    assert_eq!(n.a.tcp_state(c), Err(SocketError::NoSuchSocket));
    // The server side ends in LAST-ACK -> CLOSED, the client in TIME-WAIT
    // -> CLOSED after 2 MSL: both slots freed, only the listener left.
    n.run(120 * SEC, |n| {
        n.a.socket_count() == 0 && n.b.socket_count() == 1
    });
    assert_eq!(n.a.socket_count(), 0, "client slot freed after TIME-WAIT");
    assert_eq!(n.b.socket_count(), 1, "only the listener remains");
    n.b.tcp_close(l).unwrap();
    assert_eq!(n.b.socket_count(), 0);
    // Nothing left to time: once the neighbour entries expire, neither
    // side has a deadline (no connection timer survives its connection).
    n.run(300 * SEC, |_| false);
    assert_eq!(n.a.poll_at(), None);
    assert_eq!(n.b.poll_at(), None);
    assert_eq!(n.a.total_drops(), 0, "{:?}", n.a.stats());
    assert_eq!(n.b.total_drops(), 0, "{:?}", n.b.stats());
}

#[test]
fn tcp_echo_over_ipv4_with_graceful_close_frees_slots() {
    tcp_echo(IP_B.into());
}

#[test]
fn tcp_echo_over_ipv6_with_graceful_close_frees_slots() {
    tcp_echo(IP6_B.into());
}

#[test]
fn connect_to_a_closed_port_is_refused_by_rst() {
    let mut n = Net::new(Capabilities::default());
    let c = n.a.tcp_connect(0, SocketAddr::new(IP_B.into(), 9)).unwrap();
    assert!(n.run(2 * SEC, |n| n.a.tcp_state(c).unwrap() == State::Closed));
    assert_eq!(
        n.a.tcp_connection(c).unwrap().close_reason(),
        Some(CloseReason::Refused)
    );
    assert_eq!(n.b.stats().tcp_rst_sent_no_socket, 1);
    assert!(n.a.readiness(SocketHandle::Tcp(c)).unwrap().hangup);
    n.a.tcp_release(c).unwrap();
    assert_eq!(n.a.socket_count(), 0);
}

#[test]
fn syns_beyond_the_backlog_are_dropped_until_accepted() {
    // Without SYN cookies: with them (the default) the third SYN gets a
    // cookie instead (tests/syn_cookies.rs).
    let mut n = Net::with(Capabilities::default(), |c| {
        c.syn_cookies = stack::iface::SynCookies::Off
    });
    let l = n.b.tcp_listen(80, 2).unwrap();
    let dst = SocketAddr::new(IP_B.into(), 80);
    let cs: Vec<TcpHandle> = (0..3).map(|_| n.a.tcp_connect(0, dst).unwrap()).collect();
    n.run(500 * MS, |_| false);
    let est = |n: &Net| {
        cs.iter()
            .filter(|&&c| n.a.tcp_state(c).unwrap() == State::Established)
            .count()
    };
    assert_eq!(est(&n), 2);
    assert!(n.b.stats().tcp_backlog_dropped >= 1);
    assert!(n.b.readiness(SocketHandle::Tcp(l)).unwrap().acceptable);
    // Accepting makes room: the third SYN's retransmission gets in.
    assert!(n.b.tcp_accept(l).unwrap().is_some());
    assert!(n.run(10 * SEC, |n| est(n) == 3));
}

#[test]
fn stale_handles_are_refused_and_ports_in_use_rejected() {
    let mut n = Net::new(Capabilities::default());
    let u = n.a.udp_bind(5000).unwrap();
    assert_eq!(n.a.udp_bind(5000), Err(SocketError::AddressInUse(5000)));
    n.a.udp_close(u).unwrap();
    // The slot is reused by the next socket: the old handle must not alias it.
    let u2 = n.a.udp_bind(5001).unwrap();
    assert_eq!(n.a.udp_recv_from(u), Err(SocketError::NoSuchSocket));
    assert!(n.a.udp_recv_from(u2).is_ok());
    let l = n.a.tcp_listen(80, 1).unwrap();
    assert_eq!(n.a.tcp_listen(80, 1), Err(SocketError::AddressInUse(80)));
    n.a.tcp_close(l).unwrap();
    let l2 = n.a.tcp_listen(80, 1).unwrap();
    assert_eq!(n.a.tcp_accept(l), Err(SocketError::NoSuchSocket));
    assert_eq!(n.a.tcp_accept(l2), Ok(None));
    let small = |c: &mut InterfaceConfig| c.max_sockets = 2;
    let mut m = Net::with(Capabilities::default(), small);
    m.a.udp_bind(1).unwrap();
    m.a.udp_bind(2).unwrap();
    assert_eq!(m.a.udp_bind(3), Err(SocketError::TooManySockets(2)));
}

fn udp_round_trip(dst: IpAddr, caps: Capabilities) {
    let mut n = Net::new(caps);
    let ua = n.a.udp_bind(0).unwrap();
    let ub = n.b.udp_bind(53).unwrap();
    let pa = n.a.udp_port(ua).unwrap();
    assert!((49152..=65535).contains(&pa));
    let t = n.t();
    n.a.udp_send_to(t, &mut n.da, ua, SocketAddr::new(dst, 53), b"query")
        .unwrap();
    let mut got = None;
    assert!(n.run(SEC, |n| {
        got = n.b.udp_recv_from(ub).unwrap();
        got.is_some()
    }));
    let (from, data) = got.unwrap();
    assert_eq!(data, b"query");
    assert_eq!(from.port(), pa);
    let t = n.t();
    n.b.udp_send_to(t, &mut n.db, ub, from, b"answer").unwrap();
    let mut got = None;
    assert!(n.run(SEC, |n| {
        got = n.a.udp_recv_from(ua).unwrap();
        got.is_some()
    }));
    assert_eq!(got.unwrap().1, b"answer");
    // Too big for one frame: sent in fragments and reassembled.
    let big: Vec<u8> = (0..1500u32).map(|i| i as u8).collect();
    let t = n.t();
    n.a.udp_send_to(t, &mut n.da, ua, SocketAddr::new(dst, 53), &big)
        .unwrap();
    let mut got = None;
    assert!(n.run(SEC, |n| {
        got = n.b.udp_recv_from(ub).unwrap();
        got.is_some()
    }));
    assert_eq!(got.unwrap().1, big);
    // Too big for an IP datagram: refused.
    let huge = vec![0u8; 65_528];
    let t = n.t();
    assert_eq!(
        n.a.udp_send_to(t, &mut n.da, ua, SocketAddr::new(dst, 53), &huge),
        Err(SocketError::DatagramTooBig(65_528))
    );
    assert_eq!(n.a.total_drops() + n.b.total_drops(), 0);
}

#[test]
fn udp_round_trips_over_ipv4_and_ipv6_software_and_offloaded_checksums() {
    let off = Capabilities {
        tx_checksum: true,
        rx_checksum: true,
        ..Capabilities::default()
    };
    for caps in [Capabilities::default(), off] {
        udp_round_trip(IP_B.into(), caps);
        udp_round_trip(IP6_B.into(), caps);
    }
}

#[test]
fn udp_queue_is_bounded_and_unbound_ports_counted() {
    let mut n = Net::with(Capabilities::default(), |c| c.udp_queue_len = 3);
    let ua = n.a.udp_bind(1000).unwrap();
    let _ub = n.b.udp_bind(2000).unwrap();
    for i in 0..5u8 {
        let t = n.t();
        n.a.udp_send_to(t, &mut n.da, ua, SocketAddr::new(IP_B.into(), 2000), &[i])
            .unwrap();
        n.run(MS, |_| false);
    }
    let t = n.t();
    n.a.udp_send_to(t, &mut n.da, ua, SocketAddr::new(IP_B.into(), 2001), b"x")
        .unwrap();
    n.run(10 * MS, |_| false);
    assert_eq!(n.b.stats().udp_queue_overflow, 2);
    assert_eq!(n.b.stats().udp_no_socket, 1);
}

/// The MSS option of a TCP SYN (or SYN-ACK) frame, read from the bytes
/// here rather than by the stack's parser: (flags, MSS) of every TCP frame
/// with SYN set.
fn syn_mss_options(frames: &[(Vec<u8>, stack::phy::TxMeta)]) -> Vec<(u8, Option<u16>)> {
    let mut out = Vec::new();
    for (f, _) in frames {
        let l4 = match u16::from_be_bytes([f[12], f[13]]) {
            0x0800 if f[14 + 9] == 6 => 14 + usize::from(f[14] & 0xf) * 4,
            0x86dd if f[14 + 6] == 6 => 14 + 40,
            _ => continue,
        };
        let (flags, hl) = (f[l4 + 13], usize::from(f[l4 + 12] >> 4) * 4);
        if flags & 0x02 == 0 {
            continue;
        }
        let opts = &f[l4 + 20..l4 + hl];
        let mut mss = None;
        let mut i = 0;
        while i < opts.len() && opts[i] != 0 {
            if opts[i] == 1 {
                i += 1;
                continue;
            }
            if opts[i] == 2 {
                mss = Some(u16::from_be_bytes([opts[i + 2], opts[i + 3]]));
            }
            i += usize::from(opts[i + 1]).max(2);
        }
        out.push((flags, mss));
    }
    out
}

/// RFC 9293 3.7.1 / RFC 6691: the MSS announced is the MTU minus the fixed
/// IP header of the connection's family and the 20-byte TCP header: 1460
/// over IPv4 and 1440 over IPv6 on a 1500-byte link, 1240 and 1220 on a
/// 1280-byte one; in the SYN and in the SYN-ACK.
#[test]
fn syn_and_syn_ack_announce_the_mtu_less_ip_and_tcp_headers_of_their_family() {
    for (mtu, v4_mss, v6_mss) in [(1500, 1460, 1440), (1280, 1240, 1220)] {
        for (dst, want) in [(IpAddr::from(IP_B), v4_mss), (IP6_B.into(), v6_mss)] {
            let caps = Capabilities {
                max_frame: mtu + 14,
                ..Capabilities::default()
            };
            let mut n = Net::new(caps);
            n.da.record_tx(true);
            n.db.record_tx(true);
            let l = n.b.tcp_listen(80, 4).unwrap();
            let (c, s) = establish(&mut n, l, SocketAddr::new(dst, 80));
            let syn = syn_mss_options(&n.da.take_tx_log());
            let syn_ack = syn_mss_options(&n.db.take_tx_log());
            let ctx = format!("MTU {mtu} to {dst}");
            assert_eq!(syn, [(0x02, Some(want))], "{ctx}: SYN");
            assert_eq!(syn_ack, [(0x12, Some(want))], "{ctx}: SYN-ACK");
            // Each side sends at most what the other announced.
            assert_eq!(n.a.tcp_connection(c).unwrap().send_mss(), want, "{ctx}");
            assert_eq!(n.b.tcp_connection(s).unwrap().send_mss(), want, "{ctx}");
        }
    }
}

/// A valid frame a -> b of `proto` (TCP SYN or UDP) captured off the wire.
fn captured_frames(n: &mut Net) -> Vec<Vec<u8>> {
    n.da.record_tx(true);
    let l = n.b.tcp_listen(80, 8).unwrap();
    let (c, s) = establish(n, l, SocketAddr::new(IP_B.into(), 80));
    n.a.tcp_send(c, b"hello over tcp").unwrap();
    let ua = n.a.udp_bind(999).unwrap();
    n.b.udp_bind(998).unwrap();
    let t = n.t();
    n.a.udp_send_to(
        t,
        &mut n.da,
        ua,
        SocketAddr::new(IP_B.into(), 998),
        b"hello over udp",
    )
    .unwrap();
    let t = n.t();
    n.a.udp_send_to(t, &mut n.da, ua, SocketAddr::new(IP6_B.into(), 998), b"v6")
        .unwrap();
    n.run(100 * MS, |_| false);
    let _ = s;
    n.da.take_tx_log().into_iter().map(|(f, _)| f).collect()
}

#[test]
fn random_and_corrupted_tcp_udp_frames_are_dropped_and_counted_never_panic() {
    let seed = seed(0x50c);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut n = Net::new(Capabilities::default());
    let frames = captured_frames(&mut n);
    let ipv4_tcp_udp: Vec<&Vec<u8>> = frames
        .iter()
        .filter(|f| f.len() > 34 && (f[23] == 6 || f[23] == 17 || f[20] == 6 || f[20] == 17))
        .collect();
    assert!(ipv4_tcp_udp.len() >= 3);
    // Direct injection into b through a device of its own.
    struct Inject(Vec<(Vec<u8>, stack::phy::RxMeta)>);
    impl Device for Inject {
        fn capabilities(&self) -> Capabilities {
            Capabilities {
                max_frame: 1514,
                ..Capabilities::default()
            }
        }
        fn transmit(
            &mut self,
            _: &[u8],
            _: &stack::phy::TxMeta,
        ) -> Result<(), stack::phy::DeviceError> {
            Ok(())
        }
        fn receive(&mut self) -> Option<(Vec<u8>, stack::phy::RxMeta)> {
            self.0.pop()
        }
    }
    let before = *n.b.stats();
    let mut dev = Inject(Vec::new());
    for i in 0..20_000 {
        let base = ipv4_tcp_udp[i % ipv4_tcp_udp.len()];
        let mut f = base.clone();
        // Corrupt bytes past the Ethernet header (L3 and L4).
        for _ in 0..rng.gen_range(1..4) {
            let at = rng.gen_range(14..f.len());
            f[at] = rng.gen();
        }
        if i % 7 == 0 {
            let cut = rng.gen_range(14..f.len());
            f.truncate(cut);
        }
        if i % 11 == 0 {
            let mut tail = vec![0u8; rng.gen_range(0..64)];
            rng.fill_bytes(&mut tail);
            f.extend_from_slice(&tail);
        }
        dev.0.push((f, stack::phy::RxMeta::default()));
        let t = n.t();
        n.b.poll(t, &mut dev);
    }
    let s = n.b.stats();
    let bad = (s.tcp_bad_checksum - before.tcp_bad_checksum)
        + (s.udp_bad_checksum - before.udp_bad_checksum)
        + (s.ipv4_bad_checksum - before.ipv4_bad_checksum);
    let malformed = (s.tcp_malformed - before.tcp_malformed)
        + (s.udp_malformed - before.udp_malformed)
        + (s.ipv4_malformed - before.ipv4_malformed);
    println!("bad checksums {bad}, malformed {malformed}, stats {s:?}");
    assert!(bad > 1000, "corruption is caught by checksums");
    assert!(malformed > 100);
    assert!(n.b.total_drops() > before.rx_frames);
    // The socket table did not grow from garbage.
    assert!(n.b.socket_count() <= 8 + 2);
}

#[test]
fn events_are_edge_triggered_once_per_change() {
    let mut n = Net::new(Capabilities::default());
    let l = n.b.tcp_listen(7, 4).unwrap();
    let c = n.a.tcp_connect(0, SocketAddr::new(IP_B.into(), 7)).unwrap();
    n.run(SEC, |n| {
        n.b.readiness(SocketHandle::Tcp(l)).unwrap().acceptable
    });
    let ev = n.b.take_events();
    assert_eq!(
        ev.iter()
            .filter(|e| e.socket == SocketHandle::Tcp(l) && e.readiness.acceptable)
            .count(),
        1
    );
    // Nothing changed: no new events, however often one asks.
    n.run(10_000_000, |_| false);
    assert!(n.b.take_events().is_empty());
    let s = n.b.tcp_accept(l).unwrap().unwrap();
    let ev = n.b.take_events();
    assert!(ev
        .iter()
        .any(|e| e.socket == SocketHandle::Tcp(l) && !e.readiness.acceptable));
    assert!(ev
        .iter()
        .any(|e| e.socket == SocketHandle::Tcp(s) && e.readiness.writable));
    n.a.tcp_send(c, b"ping").unwrap();
    n.run(SEC, |n| {
        n.b.readiness(SocketHandle::Tcp(s)).unwrap().readable
    });
    let ev = n.b.take_events();
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert!(ev[0].readiness.readable && ev[0].readiness.writable);
}

#[test]
fn closing_a_listener_resets_its_unaccepted_connections() {
    let mut n = Net::new(Capabilities::default());
    let l = n.b.tcp_listen(7, 4).unwrap();
    let c = n.a.tcp_connect(0, SocketAddr::new(IP_B.into(), 7)).unwrap();
    assert!(n.run(SEC, |n| n
        .b
        .readiness(SocketHandle::Tcp(l))
        .unwrap()
        .acceptable));
    assert_eq!(n.b.socket_count(), 2);
    n.b.tcp_close(l).unwrap();
    assert!(n.run(SEC, |n| n.a.tcp_state(c).unwrap() == State::Closed));
    assert_eq!(
        n.a.tcp_connection(c).unwrap().close_reason(),
        Some(CloseReason::Reset)
    );
    n.run(SEC, |_| false);
    assert_eq!(n.b.socket_count(), 0, "aborted children freed");
    // The port is free again; a new connect is refused by RST.
    let c2 =
        n.a.tcp_connect(n.t(), SocketAddr::new(IP_B.into(), 7))
            .unwrap();
    assert!(n.run(SEC, |n| n.a.tcp_state(c2).unwrap() == State::Closed));
    assert_eq!(
        n.a.tcp_connection(c2).unwrap().close_reason(),
        Some(CloseReason::Refused)
    );
}

/// A device the test fills directly, with offload capabilities.
struct Inject {
    caps: Capabilities,
    rx: Vec<(Vec<u8>, stack::phy::RxMeta)>,
}

impl Device for Inject {
    fn capabilities(&self) -> Capabilities {
        self.caps
    }
    fn transmit(
        &mut self,
        _: &[u8],
        _: &stack::phy::TxMeta,
    ) -> Result<(), stack::phy::DeviceError> {
        Ok(())
    }
    fn receive(&mut self) -> Option<(Vec<u8>, stack::phy::RxMeta)> {
        self.rx.pop()
    }
}

#[test]
fn lying_offload_metadata_on_random_frames_never_panics_or_grows_the_table() {
    use stack::phy::{RxChecksum, RxMeta};
    let seed = seed(0x11e);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut n = Net::new(Capabilities::default());
    let frames = captured_frames(&mut n);
    let sockets_before = n.b.socket_count();
    // GRO is on (the default): without LRO the frames go through it.
    for lro in [false, true] {
        let mut dev = Inject {
            caps: Capabilities {
                max_frame: 1514,
                rx_checksum: true,
                lro,
                ..Capabilities::default()
            },
            rx: Vec::new(),
        };
        for i in 0..10_000 {
            let mut f = frames[i % frames.len()].clone();
            for _ in 0..rng.gen_range(0..4) {
                let at = rng.gen_range(14..f.len());
                f[at] = rng.gen();
            }
            if i % 5 == 0 {
                let cut = rng.gen_range(0..f.len());
                f.truncate(cut);
            }
            let meta = RxMeta {
                checksum: match rng.gen_range(0..3) {
                    0 => RxChecksum::None,
                    1 => RxChecksum::Good,
                    _ => RxChecksum::Bad,
                },
                complete_sum: rng.gen::<bool>().then(|| rng.gen()),
                segments: rng.gen_range(0..4),
            };
            dev.rx.push((f, meta));
            if i % 3 == 0 {
                let t = n.t();
                n.b.poll(t, &mut dev);
            }
        }
        let t = n.t();
        n.b.poll(t, &mut dev);
    }
    // Garbage "accepted" by a lying Good verdict may open at most the
    // listener's backlog of embryonic connections; nothing more.
    assert!(n.b.socket_count() <= sockets_before + 8);
    println!("{:?}", n.b.stats());
}

#[test]
fn tcp_over_ipv6_link_local_addresses() {
    let mut n = Net::new(Capabilities::default());
    let l = n.b.tcp_listen(22, 1).unwrap();
    let ll = stack::iface::link_local_from_mac(MAC_B);
    let (c, s) = establish(&mut n, l, SocketAddr::new(ll.into(), 22));
    assert_eq!(
        n.b.tcp_connection(s).unwrap().remote().ip(),
        IpAddr::V6(stack::iface::link_local_from_mac(MAC_A))
    );
    n.a.tcp_send(c, b"over fe80::").unwrap();
    let mut buf = [0u8; 64];
    let mut got = 0;
    assert!(n.run(SEC, |n| {
        got += n.b.tcp_recv(s, &mut buf[got..]).unwrap();
        got == 11
    }));
    assert_eq!(&buf[..11], b"over fe80::");
}

#[test]
fn datagrams_to_unbound_ports_get_rate_limited_port_unreachable() {
    let mut n = Net::with(Capabilities::default(), |c| c.icmp_error_rate = 10);
    let ua = n.a.udp_bind(1000).unwrap();
    for dst in [IpAddr::from(IP_B), IpAddr::from(IP6_B)] {
        for _ in 0..15 {
            let t = n.t();
            n.a.udp_send_to(t, &mut n.da, ua, SocketAddr::new(dst, 4444), b"anyone?")
                .unwrap();
            n.run(1_000_000, |_| false);
        }
        n.run(2 * SEC, |_| false);
    }
    let s = n.b.stats();
    assert_eq!(s.udp_no_socket, 30);
    assert_eq!(s.icmp_port_unreachable_sent, 20, "{s:?}");
    assert_eq!(s.icmp_errors_rate_limited, 10);
    // They reached a as well-formed ICMP errors, valid checksums, about its
    // socket's datagrams: taken in, and only counted, as the socket is not
    // connected (see `Interface::udp_connect`).
    let a = n.a.stats();
    assert_eq!(a.icmp_errors_in, 20, "{a:?}");
    assert_eq!(a.udp_icmp_errors_unreported, 20, "{a:?}");
    assert_eq!(a.icmpv4_unsupported + a.icmpv6_unsupported, 0, "{a:?}");
    assert_eq!(a.icmpv4_bad_checksum + a.icmpv6_bad_checksum, 0);
}
