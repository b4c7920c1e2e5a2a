//! SYN cookies and the half-open queue (RFC 4987, as Linux does them),
//! proved over the wire emulator on simulated time.
//!
//! The lab: a server [`Interface`] on 10.0.0.1/24 whose router is
//! 10.0.0.254, and a real client (another `Interface`, 10.0.0.2) on the same
//! emulated cable. The router's side of the server's link is modelled in
//! the server's device ([`ServerDev`]): frames from "the Internet" (forged
//! SYNs from random or one source, and a hand-driven peer's segments)
//! arrive at their times; frames the server sends to the router's MAC are
//! taken by it (kept for inspection where a test asks); the router answers
//! ARP for its address. Everything else travels the emulated wire.
//!
//! - Precise tests: a cookie connection carries the MSS (table entry),
//!   window scale, SACK and timestamps it negotiated, over IPv4 and IPv6
//!   and without timestamps; forged ACKs (wrong hash, stale counter,
//!   wrong ACK or SEQ, ECN echoed) are refused with RST and counted;
//!   half-open entries expire after the SYN-ACK retransmissions; one
//!   source gets only its share of the queue, then cookies; with cookies
//!   off a full queue drops.
//! - The flood: 100,000 forged SYNs a second from random sources, and from
//!   one source, for `SYN_FLOOD_SECONDS` of simulated time (default 10;
//!   docs/testing.md has the figures), while the client connects
//!   afresh every 100 ms (each handshake within one RTT plus 100 µs) and
//!   moves 16 MiB byte-exact (SHA-256); the half-open queue never exceeds
//!   its configured maximum.
//!
//! Each test prints its seed; `TEST_SEED=<seed>` replays it.

mod support;

use emulated_nic::EmulatorPort;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use stack::iface::{Interface, InterfaceConfig, ListenerStats, SynCookies};
use stack::phy::emulator::{LinkConfig, Wire};
use stack::phy::{Capabilities, Device, DeviceError, RxMeta, TxMeta};
use stack::socket::TcpHandle;
use stack::tcp::syncookie::{self, COOKIE_PERIOD_NS};
use stack::tcp::State;
use stack::wire::{
    ArpOperation, ArpPacket, ArpRepr, EtherType, EthernetAddress, EthernetFrame, EthernetRepr,
    Ipv4Address, TcpFlags, TcpPacket, TcpRepr, TcpSeqNumber,
};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::rc::Rc;
use std::time::Instant;
use support::*;

const SERVER_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
const CLIENT_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];
const ROUTER_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0xfe];
const SERVER: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const CLIENT: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
const ROUTER: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 254);
const SERVER6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
const CLIENT6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2);
const PORT: u16 = 80;
const US: u64 = 1_000;
/// 10 Gbit/s: the client's 256 KiB window is well under the path's
/// bandwidth-delay product (2.5 MB), so its transfer builds no standing
/// queue in front of its own SYNs; what remains is its bursts (tens of µs).
const LINK_BPS: u64 = 10_000_000_000;
/// One way on the cable: the client's round trip is 2 ms.
const DELAY: u64 = 1_000 * US;
const RTT: u64 = 2 * DELAY;
/// What a handshake may take beyond the RTT (serialisation is 1-2 µs).
const SLACK: u64 = 100 * US;
/// The server takes the router's queued frames at least this often.
const BATCH: u64 = 100 * US;

fn seeded(test: &str, default: u64) -> (u64, ChaCha8Rng) {
    let seed = test_support::seed_named(test, default);
    println!(
        "{test}: seed {seed:#x} ({}={seed:#x} replays it)",
        test_support::SEED_VAR
    );
    (seed, ChaCha8Rng::seed_from_u64(seed))
}

/// Forged SYNs at a steady rate: from random sources in 100.64.0.0/10, or
/// all from one address, with random ports, ISNs and Linux-like option
/// sets.
struct Flood {
    rng: ChaCha8Rng,
    interval: u64,
    next_at: u64,
    until: u64,
    one_source: Option<Ipv4Addr>,
    sent: u64,
}

impl Flood {
    fn syn(&mut self) -> Vec<u8> {
        let src = self.one_source.unwrap_or_else(|| {
            let host: u32 = self.rng.gen_range(1..(1 << 22) - 1);
            Ipv4Addr::from(0x6440_0000 | host)
        });
        let from = SocketAddr::new(src.into(), self.rng.gen_range(1024..=65535));
        let mut syn = TcpRepr::bare(
            from.port(),
            PORT,
            TcpSeqNumber(self.rng.gen()),
            TcpSeqNumber(0),
            TcpFlags::SYN,
        );
        syn.window_len = 64240;
        syn.max_seg_size = Some([536, 1220, 1400, 1460][self.rng.gen_range(0..4)]);
        if self.rng.gen_bool(0.8) {
            syn.sack_permitted = true;
            syn.window_scale = Some(7);
            syn.timestamp = Some((self.rng.gen(), 0));
        }
        frame(ROUTER_MAC, SERVER_MAC, from, server_addr(), &syn, &[])
    }
}

/// The server's device: its port on the wire, plus the router side of its
/// link (see the file's documentation).
struct ServerDev {
    port: EmulatorPort,
    clock: Rc<Cell<u64>>,
    /// Frames from the router, each with its arrival time, oldest first.
    inbox: VecDeque<(u64, Vec<u8>)>,
    flood: Option<Flood>,
    /// Frames the server sent to the router (kept when `keep`).
    to_router: Vec<Vec<u8>>,
    keep: bool,
    frames_to_router: u64,
}

impl ServerDev {
    /// When the router next has a frame for the server.
    fn next_arrival(&self) -> Option<u64> {
        let flood = self
            .flood
            .as_ref()
            .filter(|f| f.next_at < f.until)
            .map(|f| f.next_at);
        self.inbox
            .front()
            .map(|(t, _)| *t)
            .into_iter()
            .chain(flood)
            .min()
    }
}

impl Device for ServerDev {
    fn capabilities(&self) -> Capabilities {
        self.port.capabilities()
    }

    fn transmit(&mut self, f: &[u8], meta: &TxMeta) -> Result<(), DeviceError> {
        if f[..6] == ROUTER_MAC {
            self.frames_to_router += 1;
            if self.keep {
                self.to_router.push(f.to_vec());
            }
            return Ok(());
        }
        let eth = EthernetFrame::new_unchecked(f);
        if eth.ethertype() == EtherType::ARP {
            if let Ok(req) = ArpRepr::parse(&ArpPacket::new_unchecked(eth.payload())) {
                if req.operation == ArpOperation::Request
                    && req.target_protocol_addr == Ipv4Address(ROUTER.octets())
                {
                    let reply = ArpRepr {
                        operation: ArpOperation::Reply,
                        source_hardware_addr: EthernetAddress(ROUTER_MAC),
                        source_protocol_addr: req.target_protocol_addr,
                        target_hardware_addr: req.source_hardware_addr,
                        target_protocol_addr: req.source_protocol_addr,
                    };
                    let mut r = vec![0u8; 14 + 28];
                    EthernetRepr {
                        src: EthernetAddress(ROUTER_MAC),
                        dst: EthernetAddress(SERVER_MAC),
                        vlan: None,
                        ethertype: EtherType::ARP,
                    }
                    .emit(&mut EthernetFrame::new_unchecked(&mut r[..]));
                    reply.emit(&mut ArpPacket::new_unchecked(&mut r[14..]));
                    self.inbox.push_front((self.clock.get(), r));
                    return Ok(());
                }
            }
        }
        self.port.transmit(f, meta)
    }

    fn receive(&mut self) -> Option<(Vec<u8>, RxMeta)> {
        if let Some(x) = self.port.receive() {
            return Some(x);
        }
        let now = self.clock.get();
        if self.inbox.front().is_some_and(|(t, _)| *t <= now) {
            return self.inbox.pop_front().map(|(_, f)| (f, RxMeta::default()));
        }
        let f = self.flood.as_mut()?;
        if f.next_at > now || f.next_at >= f.until {
            return None;
        }
        f.next_at += f.interval;
        f.sent += 1;
        Some((f.syn(), RxMeta::default()))
    }
}

fn server_addr() -> SocketAddr {
    SocketAddr::new(SERVER.into(), PORT)
}

/// A whole frame of `repr` with `payload`, checksums right.
fn frame(
    src_mac: [u8; 6],
    dst_mac: [u8; 6],
    from: SocketAddr,
    to: SocketAddr,
    repr: &TcpRepr,
    payload: &[u8],
) -> Vec<u8> {
    let repr = TcpRepr {
        payload_len: payload.len(),
        ..*repr
    };
    let mut seg = vec![0u8; repr.buffer_len()];
    let hl = repr.header_len();
    seg[hl..].copy_from_slice(payload);
    // forge_tcp fills the checksum; the pair here only shapes the emit.
    let pair = stack::wire::IpPair::V4 {
        src: Ipv4Address([0; 4]),
        dst: Ipv4Address([0; 4]),
    };
    repr.emit(&mut TcpPacket::new_unchecked(&mut seg[..]), &pair, false);
    let st = |mac, a: SocketAddr| Station {
        mac,
        ip: a.ip(),
        port: a.port(),
    };
    forge_tcp(&st(src_mac, from), &st(dst_mac, to), &seg, &[], false)
}

/// How the lab is set up.
#[derive(Clone, Copy)]
struct Setup {
    cookies: SynCookies,
    max_half_open: usize,
    per_source: usize,
    backlog: usize,
    client_ts: bool,
    client_mss: u16,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            cookies: SynCookies::OnOverflow,
            max_half_open: 128,
            per_source: 8,
            backlog: 256,
            client_ts: true,
            client_mss: 1460,
        }
    }
}

struct Lab {
    clock: Rc<Cell<u64>>,
    wire: Rc<RefCell<Wire>>,
    server: Interface,
    sdev: ServerDev,
    client: Interface,
    cdev: EmulatorPort,
    listener: TcpHandle,
    /// The most half-open entries seen at any poll.
    half_open_max: u64,
    setup: Setup,
}

impl Lab {
    fn new(rng: &mut ChaCha8Rng, setup: Setup) -> Lab {
        let clock = Rc::new(Cell::new(0));
        let link = LinkConfig {
            overhead_bytes: 24,
            ..LinkConfig::new(LINK_BPS, DELAY)
        };
        let wire = Rc::new(RefCell::new(Wire::new(link, rng.gen())));
        let mut sc = InterfaceConfig::new(SERVER_MAC);
        sc.ipv4 = Some((SERVER, 24));
        sc.ipv4_gateway = Some(ROUTER);
        sc.ipv6 = Some((SERVER6, 64));
        sc.isn_secret = rng.gen();
        sc.syncookie_secret = rng.gen();
        sc.syn_cookies = setup.cookies;
        sc.max_half_open = setup.max_half_open;
        sc.max_half_open_per_source = setup.per_source;
        sc.neighbor_ttl_ns = 3600 * SEC;
        let mut cc = InterfaceConfig::new(CLIENT_MAC);
        cc.ipv4 = Some((CLIENT, 24));
        cc.ipv6 = Some((CLIENT6, 64));
        cc.isn_secret = rng.gen();
        cc.tcp.timestamps = setup.client_ts;
        cc.tcp.mss = setup.client_mss;
        // Resolved once (`Lab::warm_up`), valid for any flood's length.
        cc.neighbor_ttl_ns = 3600 * SEC;
        let sport = EmulatorPort::attach(&wire, &clock);
        let cdev = EmulatorPort::attach(&wire, &clock);
        let mut server = Interface::new(sc);
        let listener = server.tcp_listen(PORT, setup.backlog).unwrap();
        Lab {
            sdev: ServerDev {
                port: sport,
                clock: clock.clone(),
                inbox: VecDeque::new(),
                flood: None,
                to_router: Vec::new(),
                keep: true,
                frames_to_router: 0,
            },
            clock,
            wire,
            server,
            client: Interface::new(cc),
            cdev,
            listener,
            half_open_max: 0,
            setup,
        }
    }

    fn now(&self) -> u64 {
        self.clock.get()
    }

    fn lstats(&self) -> ListenerStats {
        self.server.tcp_listener_stats(self.listener).unwrap()
    }

    /// One round: both sides poll at the current time.
    fn poll(&mut self) {
        let now = self.now();
        self.server.poll(now, &mut self.sdev);
        self.client.poll(now, &mut self.cdev);
        let ho = self.lstats().half_open;
        assert!(
            ho <= self.setup.max_half_open as u64,
            "half-open {ho} over the maximum {} at {now}",
            self.setup.max_half_open
        );
        self.half_open_max = self.half_open_max.max(ho);
    }

    /// The next time anything happens (not after `limit`).
    fn next_event(&self, limit: u64) -> u64 {
        let now = self.now();
        let router = self.sdev.next_arrival().map(|t| {
            // The router's frames are taken in batches (as a NIC's
            // interrupt moderation would), unless nothing else is due.
            if t > now {
                t.div_ceil(BATCH) * BATCH
            } else {
                t
            }
        });
        [
            self.wire.borrow().next_event_ns(),
            self.server.poll_at(),
            self.client.poll_at(),
            router,
        ]
        .into_iter()
        .flatten()
        .map(|t| t.max(now))
        .min()
        .unwrap_or(limit)
        .min(limit)
    }

    /// Runs until `done` or `until`; whether `done` held.
    fn run_until(&mut self, until: u64, mut done: impl FnMut(&mut Lab) -> bool) -> bool {
        let mut same = 0;
        loop {
            self.poll();
            if done(self) {
                return true;
            }
            if self.now() >= until {
                return false;
            }
            let next = self.next_event(until);
            if next == self.now() {
                same += 1;
                assert!(same < 10_000, "no progress at {}", self.now());
            } else {
                same = 0;
            }
            self.clock.set(next);
        }
    }

    /// A segment from the hand-driven peer `from` through the router, now.
    fn inject(&mut self, from: SocketAddr, repr: &TcpRepr, payload: &[u8]) {
        let to = SocketAddr::new(
            if from.is_ipv4() {
                SERVER.into()
            } else {
                SERVER6.into()
            },
            PORT,
        );
        let f = frame(ROUTER_MAC, SERVER_MAC, from, to, repr, payload);
        let now = self.now();
        self.sdev.inbox.push_back((now, f));
    }

    /// The TCP segments the server sent the router since the last call.
    fn server_segments(&mut self) -> Vec<TcpSeen> {
        std::mem::take(&mut self.sdev.to_router)
            .iter()
            .filter_map(|f| inspect(f))
            .collect()
    }

    /// The client resolves the server's address (a ping), so that the
    /// handshakes measured afterwards are not an ARP exchange longer.
    fn warm_up(&mut self) {
        let t = self.now();
        self.client
            .ping(t, &mut self.cdev, SERVER.into(), 1, 1, b"warm-up")
            .unwrap();
        self.client
            .ping(t, &mut self.cdev, SERVER6.into(), 1, 2, b"warm-up")
            .unwrap();
        let mut replies = 0;
        assert!(self.run_until(t + SEC, |l| {
            replies += l.client.take_echo_replies().len();
            replies == 2
        }));
    }

    /// Lets a few milliseconds pass.
    fn settle(&mut self) {
        let t = self.now() + 5 * MS;
        self.run_until(t, |_| false);
    }
}

// ----- precise tests -----

/// A SYN from the hand-driven peer with timestamps, window scale 6 and
/// SACK-permitted.
fn peer_syn(from: SocketAddr, iss: u32, tsval: u32) -> TcpRepr {
    let mut syn = TcpRepr::bare(
        from.port(),
        PORT,
        TcpSeqNumber(iss),
        TcpSeqNumber(0),
        TcpFlags::SYN,
    );
    syn.window_len = 65535;
    syn.max_seg_size = Some(1460);
    syn.window_scale = Some(6);
    syn.sack_permitted = true;
    syn.timestamp = Some((tsval, 0));
    syn
}

fn peer_ack(from: SocketAddr, seq: u32, ack: u32, ts: Option<(u32, u32)>) -> TcpRepr {
    let mut a = TcpRepr::bare(
        from.port(),
        PORT,
        TcpSeqNumber(seq),
        TcpSeqNumber(ack),
        TcpFlags::ACK,
    );
    a.window_len = 1000;
    a.timestamp = ts;
    a
}

/// The peer's SYN and the cookie SYN-ACK it got back: (cookie, TSval).
fn cookie_for(lab: &mut Lab, from: SocketAddr, iss: u32, tsval: u32) -> (u32, u32) {
    lab.inject(from, &peer_syn(from, iss, tsval), &[]);
    lab.settle();
    let segs = lab.server_segments();
    let sa = segs
        .iter()
        .find(|s| s.flags == SYN | ACK && s.dst_port == from.port())
        .unwrap_or_else(|| panic!("no SYN-ACK for {from}: {segs:?}"));
    assert_eq!(sa.observed.ack, iss.wrapping_add(1));
    assert_eq!(sa.observed.tsecr, Some(tsval));
    (sa.observed.seq, sa.observed.tsval.expect("timestamps on"))
}

#[test]
fn forged_cookie_acks_are_refused_with_rst_and_counted() {
    let (_, mut rng) = seeded("forged_cookie_acks", 0xac_c0de);
    let mut lab = Lab::new(
        &mut rng,
        Setup {
            cookies: SynCookies::Always,
            ..Setup::default()
        },
    );
    let peer = SocketAddr::from(([203, 0, 113, 5], 1234));
    let iss = rng.gen::<u32>();
    let (cookie, tsval) = cookie_for(&mut lab, peer, iss, 777);
    assert_eq!(lab.lstats().syncookies_sent, 1);
    assert_eq!(lab.lstats().half_open, 0, "a cookie keeps nothing");
    let sockets = lab.server.socket_count();
    let seq = iss.wrapping_add(1);
    let ts = Some((778, tsval));
    let forged = [
        ("wrong hash", peer_ack(peer, seq, rng.gen(), ts)),
        ("wrong ack", peer_ack(peer, seq, cookie, ts)),
        (
            "ack off by 64",
            peer_ack(peer, seq, cookie.wrapping_add(65), ts),
        ),
        (
            "wrong seq",
            peer_ack(peer, seq.wrapping_add(2), cookie.wrapping_add(1), ts),
        ),
        (
            "ECN echoed",
            peer_ack(peer, seq, cookie.wrapping_add(1), Some((778, tsval | 0x20))),
        ),
    ];
    for (i, (what, ack)) in forged.iter().enumerate() {
        lab.inject(peer, ack, &[]);
        lab.settle();
        let segs = lab.server_segments();
        assert!(
            segs.iter()
                .any(|s| s.flags & RST != 0 && s.observed.seq == ack.ack_number.0),
            "{what}: no RST: {segs:?}"
        );
        let s = lab.lstats();
        assert_eq!(s.syncookies_rejected, i as u64 + 1, "{what}");
        assert_eq!(lab.server.stats().tcp_syncookies_rejected, i as u64 + 1);
        assert_eq!(s.syncookies_accepted, 0, "{what}");
        assert_eq!(lab.server.socket_count(), sockets, "{what}: kept something");
    }
    // Stale: the right ACK three periods later (another SYN keeps the
    // listener's cookies recent, so the ACK is checked).
    let other = SocketAddr::from(([203, 0, 113, 5], 1235));
    let t = lab.now() + 3 * COOKIE_PERIOD_NS;
    lab.clock.set(t);
    cookie_for(&mut lab, other, 5, 9);
    lab.inject(peer, &peer_ack(peer, seq, cookie.wrapping_add(1), ts), &[]);
    lab.settle();
    assert_eq!(lab.lstats().syncookies_rejected, 6, "stale counter");
    assert!(lab.server_segments().iter().any(|s| s.flags & RST != 0));
    // The right ACK within the period makes the connection.
    let fresh = SocketAddr::from(([203, 0, 113, 5], 1236));
    let (c2, ts2) = cookie_for(&mut lab, fresh, 1000, 50);
    lab.inject(
        fresh,
        &peer_ack(fresh, 1001, c2.wrapping_add(1), Some((51, ts2))),
        b"hi",
    );
    lab.settle();
    let s = lab.lstats();
    assert_eq!((s.syncookies_accepted, s.accept_queue), (1, 1), "{s:?}");
    let c = lab
        .server
        .tcp_accept(lab.listener)
        .unwrap()
        .expect("accepted");
    assert_eq!(lab.server.tcp_state(c).unwrap(), State::Established);
    let mut buf = [0u8; 8];
    assert_eq!(lab.server.tcp_recv(c, &mut buf).unwrap(), 2);
    assert_eq!(&buf[..2], b"hi");
    let conn = lab.server.tcp_connection(c).unwrap();
    // The options the TSval carried: the peer's shift 6, SACK.
    assert_eq!(conn.window_shifts().1, 6);
    assert!(conn.sack_enabled() && conn.timestamps_enabled());
    assert_eq!(conn.send_mss(), 1460);
    assert_eq!(lab.server.stats().tcp_syncookies_accepted, 1);
}

/// The client connects to a server that answers every SYN with a cookie;
/// returns the server's connection once data crossed.
fn cookie_connection(setup: Setup, dst: IpAddr, test: &str) -> (Lab, TcpHandle, TcpHandle) {
    let (_, mut rng) = seeded(test, 0xc0_0c1e);
    let mut lab = Lab::new(
        &mut rng,
        Setup {
            cookies: SynCookies::Always,
            ..setup
        },
    );
    lab.warm_up();
    let t0 = lab.now();
    let c = lab
        .client
        .tcp_connect(t0, SocketAddr::new(dst, PORT))
        .unwrap();
    assert!(lab.run_until(SEC, |l| l.client.tcp_state(c).unwrap()
        == State::Established));
    assert!(
        lab.now() - t0 <= RTT + SLACK,
        "handshake took {}",
        lab.now() - t0
    );
    let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
    let mut sent = 0;
    let mut s = None;
    let mut got = Vec::new();
    assert!(lab.run_until(5 * SEC, |l| {
        sent += l.client.tcp_send(c, &data[sent..]).unwrap();
        if s.is_none() {
            s = l.server.tcp_accept(l.listener).unwrap();
        }
        if let Some(s) = s {
            let mut b = [0u8; 65536];
            let n = l.server.tcp_recv(s, &mut b).unwrap();
            got.extend_from_slice(&b[..n]);
        }
        got.len() == data.len()
    }));
    assert!(got == data, "bytes differ");
    let st = lab.lstats();
    assert_eq!(
        (st.syncookies_sent, st.syncookies_accepted),
        (1, 1),
        "{st:?}"
    );
    assert_eq!(st.syns_queued, 0);
    (lab, c, s.unwrap())
}

#[test]
fn a_cookie_connection_carries_the_negotiated_mss_window_scale_and_sack() {
    let (lab, c, s) = cookie_connection(Setup::default(), SERVER.into(), "cookie_conn_v4");
    let (sc, cc) = (
        lab.server.tcp_connection(s).unwrap(),
        lab.client.tcp_connection(c).unwrap(),
    );
    // The client offered MSS 1460, shift 3 (256 KiB), SACK, timestamps.
    assert_eq!(sc.send_mss(), 1460);
    assert_eq!(sc.window_shifts(), (3, 3));
    assert_eq!(cc.window_shifts(), (3, 3));
    assert!(sc.sack_enabled() && cc.sack_enabled());
    assert!(sc.timestamps_enabled() && cc.timestamps_enabled());
}

#[test]
fn a_cookie_connection_keeps_the_largest_table_mss_not_above_the_peers() {
    // MSS 1400 is between the table's 1300 and 1440.
    let setup = Setup {
        client_mss: 1400,
        ..Setup::default()
    };
    let (lab, _, s) = cookie_connection(setup, SERVER.into(), "cookie_conn_mss");
    let sc = lab.server.tcp_connection(s).unwrap();
    assert_eq!(sc.send_mss(), 1300);
    assert_eq!(syncookie::MSS_TABLE_V4[1], 1300);
    assert!(sc.sack_enabled());
}

#[test]
fn a_cookie_connection_over_ipv6_uses_the_ipv6_table() {
    let (lab, _, s) = cookie_connection(Setup::default(), SERVER6.into(), "cookie_conn_v6");
    let sc = lab.server.tcp_connection(s).unwrap();
    // The client announces 1440 over IPv6 on a 1500-byte link.
    assert_eq!(sc.send_mss(), 1440);
    assert_eq!(sc.window_shifts(), (3, 3));
    assert!(sc.sack_enabled() && sc.timestamps_enabled());
}

#[test]
fn without_timestamps_a_cookie_connection_has_only_the_mss() {
    let setup = Setup {
        client_ts: false,
        ..Setup::default()
    };
    let (lab, c, s) = cookie_connection(setup, SERVER.into(), "cookie_conn_no_ts");
    let (sc, cc) = (
        lab.server.tcp_connection(s).unwrap(),
        lab.client.tcp_connection(c).unwrap(),
    );
    assert_eq!(sc.send_mss(), 1460);
    assert_eq!(sc.window_shifts(), (0, 0));
    assert_eq!(cc.window_shifts(), (0, 0));
    assert!(!sc.sack_enabled() && !cc.sack_enabled());
    assert!(!sc.timestamps_enabled());
}

#[test]
fn a_cookie_ack_into_a_full_accept_queue_is_dropped_until_there_is_room() {
    let (_, mut rng) = seeded("cookie_accept_queue_full", 0xacc_0f11);
    let mut lab = Lab::new(
        &mut rng,
        Setup {
            cookies: SynCookies::Always,
            backlog: 1,
            ..Setup::default()
        },
    );
    let [a, b] = [1, 2].map(|p| SocketAddr::from(([203, 0, 113, 9], 7000 + p)));
    // Both SYNs are answered while the accept queue is empty (a SYN
    // finding it full is dropped, as Linux does).
    let (ca, ta) = cookie_for(&mut lab, a, 10, 5);
    let (cb, tb) = cookie_for(&mut lab, b, 20, 5);
    lab.inject(a, &peer_ack(a, 11, ca.wrapping_add(1), Some((6, ta))), &[]);
    let ack_b = peer_ack(b, 21, cb.wrapping_add(1), Some((6, tb)));
    lab.inject(b, &ack_b, &[]);
    lab.settle();
    let s = lab.lstats();
    // a's connection fills the accept queue; b's valid ACK is dropped
    // without a RST (the peer retransmits).
    assert_eq!(
        (s.syncookies_accepted, s.accept_queue, s.dropped),
        (1, 1, 1),
        "{s:?}"
    );
    assert!(lab.server_segments().iter().all(|x| x.flags & RST == 0));
    assert!(lab.server.tcp_accept(lab.listener).unwrap().is_some());
    lab.inject(b, &ack_b, &[]);
    lab.settle();
    let s = lab.lstats();
    assert_eq!((s.syncookies_accepted, s.accept_queue), (2, 1), "{s:?}");
    assert_eq!(s.syncookies_rejected, 0);
}

#[test]
fn half_open_entries_expire_after_the_synack_retransmissions() {
    let (_, mut rng) = seeded("half_open_expiry", 0xe1_9e);
    let mut lab = Lab::new(&mut rng, Setup::default());
    let peer = SocketAddr::from(([198, 51, 100, 9], 4000));
    lab.inject(peer, &peer_syn(peer, 42, 1), &[]);
    lab.settle();
    assert_eq!(lab.lstats().half_open, 1);
    let start = lab.now();
    let done = lab.run_until(200 * SEC, |l| l.lstats().half_open == 0);
    assert!(done, "still half-open");
    let age = lab.now() - start;
    let synacks = lab
        .server_segments()
        .iter()
        .filter(|s| s.flags == SYN | ACK)
        .count();
    // The SYN-ACK and 5 retransmissions (1 + 2 + 4 + 8 + 16 s), given up
    // 32 s after the last: 63 s, as Linux's tcp_synack_retries = 5.
    assert_eq!(synacks, 6);
    assert!(
        (62 * SEC..64 * SEC).contains(&age),
        "expired after {age} ns"
    );
    let s = lab.lstats();
    assert_eq!(s.half_open_expired, 1);
    assert_eq!(lab.server.stats().tcp_half_open_expired, 1);
    assert_eq!(lab.server.socket_count(), 1, "only the listener left");
}

#[test]
fn one_source_gets_its_share_of_the_half_open_queue_then_cookies() {
    let (_, mut rng) = seeded("per_source_share", 0x5_0a2e);
    let mut lab = Lab::new(
        &mut rng,
        Setup {
            per_source: 4,
            ..Setup::default()
        },
    );
    for p in 0..10 {
        let from = SocketAddr::from(([198, 51, 100, 9], 5000 + p));
        lab.inject(from, &peer_syn(from, 7, 1), &[]);
    }
    lab.settle();
    let s = lab.lstats();
    assert_eq!(
        (s.half_open, s.syns_queued, s.syncookies_sent),
        (4, 4, 6),
        "{s:?}"
    );
    assert_eq!(lab.server.stats().tcp_half_open_source_limited, 6);
    // Every SYN was answered; another host still gets a queue entry.
    let segs = lab.server_segments();
    assert_eq!(segs.iter().filter(|s| s.flags == SYN | ACK).count(), 10);
    let t = lab.now();
    let c = lab.client.tcp_connect(t, server_addr()).unwrap();
    assert!(lab.run_until(t + SEC, |l| l.client.tcp_state(c).unwrap()
        == State::Established));
    assert_eq!(lab.lstats().syns_queued, 5);
}

#[test]
fn with_cookies_off_a_full_half_open_queue_drops_syns() {
    let (_, mut rng) = seeded("cookies_off", 0x0ff);
    let mut lab = Lab::new(
        &mut rng,
        Setup {
            cookies: SynCookies::Off,
            max_half_open: 3,
            ..Setup::default()
        },
    );
    for p in 0..5 {
        let from = SocketAddr::from(([198, 51, 100, p as u8 + 1], 6000));
        lab.inject(from, &peer_syn(from, 7, 1), &[]);
    }
    lab.settle();
    let s = lab.lstats();
    assert_eq!(
        (s.half_open, s.dropped, s.syncookies_sent),
        (3, 2, 0),
        "{s:?}"
    );
    assert_eq!(lab.server_segments().len(), 3);
}

// ----- the flood -----

/// Simulated seconds of flood (`SYN_FLOOD_SECONDS`, default 10: about 4
/// and 7 s of wall time in the test profile, docs/testing.md).
fn flood_seconds() -> u64 {
    std::env::var("SYN_FLOOD_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10)
        .max(1)
}

const FLOOD_RATE: u64 = 100_000;
const PROBE_EVERY: u64 = 100 * MS;
const TRANSFER: usize = 16 * MIB;

/// The client's connections during the flood.
struct Probe {
    handle: TcpHandle,
    started: u64,
    established: Option<u64>,
}

fn flood(test: &str, default_seed: u64, one_source: Option<Ipv4Addr>) -> Lab {
    let (seed, mut rng) = seeded(test, default_seed);
    let secs = flood_seconds();
    let wall = Instant::now();
    let mut lab = Lab::new(&mut rng, Setup::default());
    lab.sdev.keep = false;
    lab.warm_up();
    let until = secs * SEC;
    lab.sdev.flood = Some(Flood {
        rng: ChaCha8Rng::seed_from_u64(rng.gen()),
        interval: SEC / FLOOD_RATE,
        next_at: 0,
        until,
        one_source,
        sent: 0,
    });
    let mut source = Source::new(seed, TRANSFER);
    let mut sink = Sink::new(seed, TRANSFER);
    let mut transfer: Option<TcpHandle> = None;
    let mut server_transfer: Option<TcpHandle> = None;
    let mut probes: Vec<Probe> = Vec::new();
    let mut next_probe = 50 * MS;
    let mut buf = vec![0u8; 256 * 1024];
    let mut handshakes: Vec<u64> = Vec::new();
    let finished = lab.run_until(until + 30 * SEC, |l| {
        let now = l.now();
        // A fresh connect every 100 ms while the flood lasts; the first
        // carries the transfer.
        if now >= next_probe && now < until {
            let h = l.client.tcp_connect(now, server_addr()).unwrap();
            probes.push(Probe {
                handle: h,
                started: now,
                established: None,
            });
            if transfer.is_none() {
                transfer = Some(h);
            }
            next_probe += PROBE_EVERY;
        }
        for p in probes.iter_mut().filter(|p| p.established.is_none()) {
            if l.client.tcp_state(p.handle).unwrap() == State::Established {
                p.established = Some(now);
                handshakes.push(now - p.started);
                if Some(p.handle) != transfer {
                    l.client.tcp_release(p.handle).unwrap();
                }
            }
        }
        while let Some(s) = l.server.tcp_accept(l.listener).unwrap() {
            if server_transfer.is_none() {
                server_transfer = Some(s);
            } else {
                l.server.tcp_release(s).unwrap();
            }
        }
        if let Some(c) = transfer {
            if l.client.tcp_state(c).unwrap() == State::Established && !source.done() {
                let n = l.client.tcp_send(c, source.pending()).unwrap();
                source.advance(n);
            }
        }
        if let Some(s) = server_transfer {
            loop {
                let n = l.server.tcp_recv(s, &mut buf).unwrap();
                if n == 0 {
                    break;
                }
                sink.feed(&buf[..n]);
            }
        }
        sink.complete() && now >= until
    });
    let sent = lab.sdev.flood.as_ref().unwrap().sent;
    let st = lab.lstats();
    let stats = *lab.server.stats();
    println!(
        "{test}: {secs} s of flood at {FLOOD_RATE}/s: {} forged SYNs, {} frames to the router; \
         {} probes, handshakes {:?} µs (max); half-open peak {} (max {}); {st:?}; \
         wall {:.2} s",
        sent,
        lab.sdev.frames_to_router,
        probes.len(),
        handshakes.iter().max().map(|h| h / US),
        lab.half_open_max,
        lab.setup.max_half_open,
        wall.elapsed().as_secs_f64()
    );
    assert!(
        finished,
        "transfer incomplete: {} of {TRANSFER} bytes",
        sink.received()
    );
    assert_eq!(sent, secs * FLOOD_RATE);
    assert_eq!(sink.first_mismatch(), None);
    assert_eq!(sink.digest(), source.digest());
    // A connect every 100 ms from 50 ms to the end of the flood, each
    // completed within one RTT and the slack.
    assert_eq!(probes.len() as u64, (until - 50 * MS).div_ceil(PROBE_EVERY));
    for p in &probes {
        let took = p.established.map(|e| e - p.started);
        assert!(
            took.is_some_and(|t| t <= RTT + SLACK),
            "connect at {} ms took {took:?} ns",
            p.started / MS
        );
    }
    assert!(
        st.half_open_peak <= lab.setup.max_half_open as u64,
        "{st:?}"
    );
    assert!(lab.half_open_max <= lab.setup.max_half_open as u64);
    // Every SYN got a half-open entry or a cookie, but for the few forged
    // ones that hit the 4-tuple of a forged half-open entry (a SYN for
    // that connection then, answered by it).
    let syns = sent + probes.len() as u64;
    let answered = st.syns_queued + st.syncookies_sent;
    assert!(answered <= syns && answered >= syns - syns / 1000, "{st:?}");
    assert_eq!(stats.tcp_syncookies_sent, st.syncookies_sent);
    assert_eq!(stats.tcp_syncookies_rejected, 0);
    // Memory: sockets are the listener, the half-open queue and the
    // client's connections still closing.
    assert!(
        lab.server.socket_count() <= 1 + lab.setup.max_half_open + probes.len() + 1,
        "{} sockets",
        lab.server.socket_count()
    );
    lab
}

#[test]
fn a_client_connects_and_transfers_through_a_syn_flood_from_random_sources() {
    let lab = flood("syn_flood_random_sources", 0xf100d, None);
    let st = lab.lstats();
    // The forged SYNs filled the queue at once and never leave it within
    // the flood (they expire after 63 s): every probe came in by cookie.
    assert_eq!(st.half_open_peak, lab.setup.max_half_open as u64);
    let probes = (flood_seconds() * SEC - 50 * MS).div_ceil(PROBE_EVERY);
    assert_eq!(st.syncookies_accepted, probes, "{st:?}");
    assert!(st.syncookies_sent >= flood_seconds() * FLOOD_RATE - 128);
}

#[test]
fn a_client_connects_and_transfers_through_a_syn_flood_from_one_source() {
    let lab = flood(
        "syn_flood_one_source",
        0xf100e,
        Some(Ipv4Addr::new(198, 51, 100, 66)),
    );
    let st = lab.lstats();
    // The source holds its share of the queue (8); the rest of its SYNs got
    // cookies, and the client's got queue entries.
    assert!(st.half_open_peak <= 8 + 1, "{st:?}");
    assert_eq!(st.syncookies_accepted, 0);
    let sent = flood_seconds() * FLOOD_RATE;
    assert!(st.syncookies_sent <= sent - 8 && st.syncookies_sent >= sent - sent / 1000);
    assert_eq!(
        lab.server.stats().tcp_half_open_source_limited,
        st.syncookies_sent
    );
}
