//! Harness for the black-box tests of `stack::tcp::Connection`
//! (`tcp_rfc.rs`), on simulated time:
//!
//! - [`Dut`]: one connection under test and a hand-driven [`Peer`] that
//!   crafts every segment the test wants (exact sequence numbers, flags,
//!   options, timestamps), and sees every segment the connection emits.
//! - [`Net`]: two connections joined by a pipe with a per-direction delay
//!   on which a test can drop, duplicate, delay (reorder) segments, with an
//!   application at each end that writes, reads and closes.
//!
//! Several tests use only part of it, hence the `dead_code` allowance.
#![allow(dead_code)]

use stack::tcp::rtt::MS;
use stack::tcp::{Connection, Outgoing, State, TcpConfig};
use stack::wire::{TcpFlags, TcpRepr, TcpSeqNumber};
use std::net::SocketAddr;

pub const DUT_ISS: u32 = 1_000_000;
pub const PEER_ISS: u32 = 5_000_000;
pub const DUT_PORT: u16 = 40000;
pub const PEER_PORT: u16 = 80;
/// Round-trip time of the handshake in the [`Dut`] helpers.
pub const HANDSHAKE_RTT: u64 = 10 * MS;
/// Upper bound on segments one `poll_transmit` loop may produce.
const MAX_SEGMENTS_PER_POLL: usize = 100_000;

pub const ACK: TcpFlags = TcpFlags::ACK;
pub const SYN: TcpFlags = TcpFlags::SYN;
pub const FIN: TcpFlags = TcpFlags::FIN;
pub const RST: TcpFlags = TcpFlags::RST;
pub const PSH: TcpFlags = TcpFlags::PSH;
pub const NONE: TcpFlags = TcpFlags(0);

pub fn dut_addr() -> SocketAddr {
    SocketAddr::from(([10, 0, 0, 1], DUT_PORT))
}
pub fn peer_addr() -> SocketAddr {
    SocketAddr::from(([10, 0, 0, 2], PEER_PORT))
}
pub fn dut_addr6() -> SocketAddr {
    SocketAddr::from(([0xfd00, 0, 0, 0, 0, 0, 0, 1], DUT_PORT))
}
pub fn peer_addr6() -> SocketAddr {
    SocketAddr::from(([0xfd00, 0, 0, 0, 0, 0, 0, 2], PEER_PORT))
}

/// The seed of a randomised test named `test`: the workspace's convention
/// (`test_support::seed_named`: `TEST_SEED` replays it).
pub fn seed(test: &str, default: u64) -> u64 {
    test_support::seed_named(test, default)
}

/// A deterministic byte stream: the byte at position `p`.
pub fn byte_at(p: usize) -> u8 {
    (p.wrapping_mul(131) ^ (p >> 9) ^ (p >> 17)) as u8
}
pub fn stream(from: usize, len: usize) -> Vec<u8> {
    (from..from + len).map(byte_at).collect()
}

// ----- looking at segments -----

pub fn has(o: &Outgoing, f: TcpFlags) -> bool {
    o.repr.flags.contains(f)
}
pub fn seq(o: &Outgoing) -> u32 {
    o.repr.seq_number.0
}
pub fn ackn(o: &Outgoing) -> u32 {
    o.repr.ack_number.0
}
/// SEG.LEN: payload plus SYN and FIN.
pub fn seg_len(o: &Outgoing) -> u32 {
    o.payload.len() as u32 + has(o, SYN) as u32 + has(o, FIN) as u32
}
/// An ACK carrying nothing else (no payload, no SYN/FIN/RST).
pub fn is_pure_ack(o: &Outgoing) -> bool {
    has(o, ACK) && !has(o, SYN) && !has(o, FIN) && !has(o, RST) && o.payload.is_empty()
}
/// The SACK blocks as plain numbers, as this harness writes them.
pub fn sack_blocks(o: &Outgoing) -> Vec<(u32, u32)> {
    o.repr
        .sack_ranges
        .iter()
        .flatten()
        .map(|(l, r)| (l.0, r.0))
        .collect()
}
pub fn tsval(o: &Outgoing) -> Option<u32> {
    o.repr.timestamp.map(|t| t.0)
}
pub fn data_segments(segs: &[Outgoing]) -> Vec<&Outgoing> {
    segs.iter().filter(|o| !o.payload.is_empty()).collect()
}
/// A compact description for assertion messages.
pub fn describe(o: &Outgoing) -> String {
    let f = o.repr.flags;
    let mut s = String::new();
    for (bit, c) in [(SYN, 'S'), (FIN, 'F'), (RST, 'R'), (PSH, 'P'), (ACK, '.')] {
        if f.contains(bit) {
            s.push(c);
        }
    }
    format!(
        "[{s} seq={} ack={} win={} len={} sack={:?} ts={:?}]",
        o.repr.seq_number.0,
        o.repr.ack_number.0,
        o.repr.window_len,
        o.payload.len(),
        sack_blocks(o),
        o.repr.timestamp
    )
}
pub fn describe_all(segs: &[Outgoing]) -> String {
    segs.iter().map(describe).collect::<Vec<_>>().join(" ")
}

/// Every segment the connection has to send at `now` (`poll_transmit` until
/// `None`), checking the invariants of each.
pub fn drain(conn: &mut Connection, now: u64, max_payload: Option<usize>) -> Vec<Outgoing> {
    let mut out = Vec::new();
    loop {
        let cap = max_payload.unwrap_or_else(|| conn.send_mss() as usize);
        match conn.poll_transmit(now, cap) {
            Some(o) => {
                assert_eq!(
                    o.repr.payload_len,
                    o.payload.len(),
                    "payload_len disagrees with payload: {}",
                    describe(&o)
                );
                assert!(
                    o.payload.len() <= cap.max(1),
                    "payload {} exceeds max_payload {cap}: {}",
                    o.payload.len(),
                    describe(&o)
                );
                out.push(o);
                assert!(
                    out.len() < MAX_SEGMENTS_PER_POLL,
                    "poll_transmit never returns None"
                );
            }
            None => return out,
        }
    }
}

// ----- the hand-driven peer -----

/// What the peer offers in its SYN (or SYN-ACK, where it answers only what
/// the SYN offered).
#[derive(Debug, Clone, Copy)]
pub struct PeerOpts {
    pub mss: Option<u16>,
    pub wscale: Option<u8>,
    pub sack: bool,
    pub ts: bool,
    /// Window field of the handshake segment.
    pub window: u16,
}

impl Default for PeerOpts {
    fn default() -> Self {
        PeerOpts {
            mss: Some(1460),
            wscale: None,
            sack: false,
            ts: false,
            window: 65535,
        }
    }
}

impl PeerOpts {
    pub fn sack() -> Self {
        PeerOpts {
            sack: true,
            ..Default::default()
        }
    }
    pub fn ts() -> Self {
        PeerOpts {
            ts: true,
            ..Default::default()
        }
    }
}

/// The far end, driven by the test: it keeps its own sequence state and
/// builds segments; it accepts nothing on its own.
#[derive(Debug, Clone)]
pub struct Peer {
    pub opts: PeerOpts,
    /// Next sequence number the peer sends.
    pub snd_nxt: u32,
    /// What the peer acknowledges (next byte expected from the DUT).
    pub rcv_nxt: u32,
    /// Window field of the peer's segments.
    pub window: u16,
    /// Timestamps negotiated: every segment carries (TSval, TS.Recent).
    pub ts_on: bool,
    /// The latest TSval seen from the DUT.
    pub ts_recent: u32,
    /// Peer timestamp clock = `ts_base + now / 1 ms`.
    pub ts_base: u32,
    pub sack_on: bool,
    /// The DUT's data the peer accepted, in order.
    pub rx: Vec<u8>,
}

impl Peer {
    pub fn new(opts: PeerOpts) -> Self {
        Peer {
            opts,
            snd_nxt: PEER_ISS,
            rcv_nxt: 0,
            window: opts.window,
            ts_on: false,
            ts_recent: 0,
            ts_base: 7_000_000,
            sack_on: false,
            rx: Vec::new(),
        }
    }
    pub fn tsval(&self, now: u64) -> u32 {
        self.ts_base.wrapping_add((now / MS) as u32)
    }
    /// A segment with the given fields, carrying timestamps if negotiated.
    pub fn seg(
        &self,
        now: u64,
        flags: TcpFlags,
        seq: u32,
        ack: u32,
        payload_len: usize,
    ) -> TcpRepr {
        TcpRepr {
            src_port: PEER_PORT,
            dst_port: DUT_PORT,
            seq_number: TcpSeqNumber(seq),
            ack_number: TcpSeqNumber(ack),
            flags,
            window_len: self.window,
            urgent_at: 0,
            max_seg_size: None,
            window_scale: None,
            sack_permitted: false,
            sack_ranges: [None; 4],
            timestamp: if self.ts_on {
                Some((self.tsval(now), self.ts_recent))
            } else {
                None
            },
            payload_len,
        }
    }
    /// Notes what the DUT sent: the latest TSval (to echo).
    pub fn observe(&mut self, segs: &[Outgoing]) {
        for o in segs {
            if let Some((v, _)) = o.repr.timestamp {
                self.ts_recent = v;
            }
        }
    }
    /// Accepts the DUT's segments among `segs` that continue the stream at
    /// `rcv_nxt` (also ones overlapping it), in order: their data goes to
    /// `rx`, `rcv_nxt` moves over data, SYN and FIN.
    pub fn absorb(&mut self, segs: &[Outgoing]) {
        for o in segs {
            if has(o, RST) {
                continue;
            }
            let start = seq(o);
            let syn = has(o, SYN) as u32;
            let len = seg_len(o);
            let off = self.rcv_nxt.wrapping_sub(start);
            if off > len || (off == len && len > 0) || (len == 0 && off != 0) {
                continue;
            }
            if len == 0 {
                continue;
            }
            // Data octets start after the SYN.
            let data_off = off.saturating_sub(syn) as usize;
            if data_off < o.payload.len() {
                self.rx.extend_from_slice(&o.payload[data_off..]);
            }
            self.rcv_nxt = start.wrapping_add(len);
        }
    }
}

/// A connection under test with its hand-driven peer and a clock.
pub struct Dut {
    pub conn: Connection,
    pub now: u64,
    pub peer: Peer,
    /// Every segment the DUT emitted, with the time.
    pub log: Vec<(u64, Outgoing)>,
    /// `max_payload` for `poll_transmit`; `None` is the send MSS.
    pub max_payload: Option<usize>,
}

impl Dut {
    pub fn new(conn: Connection, opts: PeerOpts, now: u64) -> Self {
        Dut {
            conn,
            now,
            peer: Peer::new(opts),
            log: Vec::new(),
            max_payload: None,
        }
    }
    pub fn state(&self) -> State {
        self.conn.state()
    }
    /// What the DUT sends now.
    pub fn poll(&mut self) -> Vec<Outgoing> {
        let segs = drain(&mut self.conn, self.now, self.max_payload);
        self.peer.observe(&segs);
        for o in &segs {
            self.log.push((self.now, o.clone()));
        }
        segs
    }
    /// Hands `repr` to the DUT now; returns what it sends in answer.
    pub fn deliver(&mut self, repr: TcpRepr, payload: &[u8]) -> Vec<Outgoing> {
        assert_eq!(repr.payload_len, payload.len(), "test bug: payload_len");
        self.conn.on_segment(self.now, &repr, payload);
        self.poll()
    }
    /// The peer sends `payload` (with ACK and `extra` flags) at its
    /// `snd_nxt`, acknowledging its `rcv_nxt`; `snd_nxt` moves on.
    pub fn peer_send(&mut self, extra: TcpFlags, payload: &[u8]) -> Vec<Outgoing> {
        let r = self.peer.seg(
            self.now,
            ACK | extra,
            self.peer.snd_nxt,
            self.peer.rcv_nxt,
            payload.len(),
        );
        self.peer.snd_nxt = self.peer.snd_nxt.wrapping_add(
            payload.len() as u32 + extra.contains(FIN) as u32 + extra.contains(SYN) as u32,
        );
        self.deliver(r, payload)
    }
    /// The peer sends `payload` at `offset` past its `snd_nxt` without
    /// moving `snd_nxt` (out of order, or a retransmission with offset 0).
    pub fn peer_send_at(&mut self, offset: u32, payload: &[u8]) -> Vec<Outgoing> {
        let r = self.peer.seg(
            self.now,
            ACK,
            self.peer.snd_nxt.wrapping_add(offset),
            self.peer.rcv_nxt,
            payload.len(),
        );
        self.deliver(r, payload)
    }
    /// A pure ACK of the peer's `rcv_nxt`.
    pub fn peer_ack(&mut self) -> Vec<Outgoing> {
        self.peer_send(NONE, &[])
    }
    /// A pure ACK of `ack` with SACK blocks.
    pub fn peer_ack_sack(&mut self, ack: u32, blocks: &[(u32, u32)]) -> Vec<Outgoing> {
        let mut r = self.peer.seg(self.now, ACK, self.peer.snd_nxt, ack, 0);
        for (i, b) in blocks.iter().take(4).enumerate() {
            r.sack_ranges[i] = Some((TcpSeqNumber(b.0), TcpSeqNumber(b.1)));
        }
        self.deliver(r, &[])
    }
    /// Moves time forward by `dt` and returns what the DUT sends then
    /// (timers due at the new time fire; earlier ones fire late).
    pub fn advance(&mut self, dt: u64) -> Vec<Outgoing> {
        self.now += dt;
        self.poll()
    }
    /// Runs the DUT's timers up to and including `t`, each at its own
    /// deadline; returns `(time, segment)` for everything sent.
    pub fn run_until(&mut self, t: u64) -> Vec<(u64, Outgoing)> {
        let mut out = Vec::new();
        for _ in 0..100_000 {
            match self.conn.poll_at() {
                Some(at) if at <= t => {
                    self.now = self.now.max(at);
                    let segs = self.poll();
                    out.extend(segs.into_iter().map(|o| (self.now, o)));
                    // After polling at `now`, nothing may still be due: a
                    // caller's event loop would spin.
                    if let Some(next) = self.conn.poll_at() {
                        assert!(
                            next > self.now,
                            "timer due at {next} still due after polling at {}",
                            self.now
                        );
                    }
                }
                _ => {
                    self.now = self.now.max(t);
                    let segs = self.poll();
                    out.extend(segs.into_iter().map(|o| (self.now, o)));
                    return out;
                }
            }
        }
        panic!("timers keep firing before {t}");
    }
    /// Advances the peer's `rcv_nxt` over the DUT's in-order segments.
    pub fn absorb(&mut self, segs: &[Outgoing]) {
        self.peer.absorb(segs);
    }
    /// DUT's SND.NXT as the peer knows it: the highest sequence seen.
    pub fn dut_snd_max(&self) -> u32 {
        let mut hi = self.peer.rcv_nxt;
        for (_, o) in &self.log {
            let end = seq(o).wrapping_add(seg_len(o));
            if (end.wrapping_sub(hi) as i32) > 0 {
                hi = end;
            }
        }
        hi
    }
}

/// Active open against the hand-driven peer: the DUT connects, the peer
/// answers SYN-ACK with what the SYN offered and `opts` allow after
/// [`HANDSHAKE_RTT`], the DUT completes with an ACK. ESTABLISHED.
pub fn open_active(cfg: TcpConfig, opts: PeerOpts) -> Dut {
    open_active_with(cfg, opts, dut_addr(), peer_addr())
}

pub fn open_active_with(
    cfg: TcpConfig,
    opts: PeerOpts,
    local: SocketAddr,
    remote: SocketAddr,
) -> Dut {
    let conn = Connection::connect(cfg, local, remote, DUT_ISS, 0);
    let mut d = Dut::new(conn, opts, 0);
    assert_eq!(d.state(), State::SynSent);
    let syn = d.poll();
    assert_eq!(syn.len(), 1, "one SYN: {}", describe_all(&syn));
    let syn = &syn[0];
    assert!(has(syn, SYN) && !has(syn, ACK), "{}", describe(syn));
    assert_eq!(seq(syn), DUT_ISS);
    d.peer.rcv_nxt = DUT_ISS.wrapping_add(1);
    d.peer.ts_on = opts.ts && syn.repr.timestamp.is_some();
    d.peer.sack_on = opts.sack && syn.repr.sack_permitted;
    d.now += HANDSHAKE_RTT;
    let mut sa = d.peer.seg(d.now, SYN | ACK, PEER_ISS, d.peer.rcv_nxt, 0);
    sa.max_seg_size = opts.mss;
    sa.window_scale = if syn.repr.window_scale.is_some() {
        opts.wscale
    } else {
        None
    };
    sa.sack_permitted = d.peer.sack_on;
    d.peer.snd_nxt = PEER_ISS.wrapping_add(1);
    let out = d.deliver(sa, &[]);
    assert_eq!(
        d.state(),
        State::Established,
        "after SYN-ACK: {}",
        describe_all(&out)
    );
    assert!(
        out.iter().any(|o| has(o, ACK) && ackn(o) == d.peer.snd_nxt),
        "handshake ACK: {}",
        describe_all(&out)
    );
    d
}

/// The peer's SYN for a passive open by the DUT.
pub fn peer_syn(peer: &Peer, now: u64) -> TcpRepr {
    let mut syn = peer.seg(now, SYN, PEER_ISS, 0, 0);
    syn.max_seg_size = peer.opts.mss;
    syn.window_scale = peer.opts.wscale;
    syn.sack_permitted = peer.opts.sack;
    syn.timestamp = if peer.opts.ts {
        Some((peer.tsval(now), 0))
    } else {
        None
    };
    syn
}

/// Passive open: the peer's SYN (offering `opts`) is accepted, the DUT
/// answers SYN-ACK, the peer ACKs after [`HANDSHAKE_RTT`]. ESTABLISHED.
pub fn open_passive(cfg: TcpConfig, opts: PeerOpts) -> Dut {
    let peer = Peer::new(opts);
    let syn = peer_syn(&peer, 0);
    let conn = Connection::accept(cfg, dut_addr(), peer_addr(), DUT_ISS, &syn, 0);
    let mut d = Dut::new(conn, opts, 0);
    assert_eq!(d.state(), State::SynReceived);
    let sa = d.poll();
    assert_eq!(sa.len(), 1, "one SYN-ACK: {}", describe_all(&sa));
    let sa = &sa[0];
    assert!(has(sa, SYN) && has(sa, ACK), "{}", describe(sa));
    assert_eq!(seq(sa), DUT_ISS);
    assert_eq!(ackn(sa), PEER_ISS.wrapping_add(1));
    d.peer.snd_nxt = PEER_ISS.wrapping_add(1);
    d.peer.rcv_nxt = DUT_ISS.wrapping_add(1);
    d.peer.ts_on = opts.ts && sa.repr.timestamp.is_some();
    d.peer.sack_on = opts.sack && sa.repr.sack_permitted;
    d.now += HANDSHAKE_RTT;
    let out = d.peer_ack();
    assert_eq!(
        d.state(),
        State::Established,
        "after ACK: {}",
        describe_all(&out)
    );
    d
}

// ----- two connections over a pipe -----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    AtoB,
    BtoA,
}

/// What the pipe does with one segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Deliver,
    Drop,
    /// Deliver twice.
    Duplicate,
    /// Deliver this much later than the pipe's delay (reordering).
    Delay(u64),
}

/// A segment in flight.
struct InFlight {
    at: u64,
    order: u64,
    dir: Dir,
    seg: Outgoing,
}

/// The application at one end: what it still has to write, whether it
/// closes after that, what it read.
#[derive(Debug, Default)]
pub struct App {
    pub tx: Vec<u8>,
    pub tx_off: usize,
    pub close_after_tx: bool,
    pub closed: bool,
    pub rx: Vec<u8>,
    /// Read what arrives (otherwise the receive buffer fills up).
    pub reading: bool,
    /// Close once the peer's FIN has been read (end of stream).
    pub close_on_eof: bool,
}

pub type Filter = Box<dyn FnMut(u64, Dir, &Outgoing) -> Verdict>;

/// Two connections joined by a pipe with a one-way `delay`.
pub struct Net {
    pub a: Connection,
    pub b: Connection,
    pub now: u64,
    pub delay: u64,
    pub max_payload: Option<usize>,
    pub app_a: App,
    pub app_b: App,
    pub filter: Option<Filter>,
    /// Every segment sent, with the time and direction (before the filter).
    pub log: Vec<(u64, Dir, Outgoing)>,
    /// States each side went through, in order, without repeats.
    pub states_a: Vec<State>,
    pub states_b: Vec<State>,
    queue: Vec<InFlight>,
    order: u64,
}

impl Net {
    fn with(a: Connection, b: Connection, now: u64, delay: u64) -> Net {
        let sa = a.state();
        let sb = b.state();
        Net {
            a,
            b,
            now,
            delay,
            max_payload: None,
            app_a: App {
                reading: true,
                ..Default::default()
            },
            app_b: App {
                reading: true,
                ..Default::default()
            },
            filter: None,
            log: Vec::new(),
            states_a: vec![sa],
            states_b: vec![sb],
            queue: Vec::new(),
            order: 0,
        }
    }

    /// `a` connects to `b`; `b` is created from `a`'s SYN one `delay` later
    /// (as a listener would); its SYN-ACK is on the way.
    pub fn connect(cfg_a: TcpConfig, cfg_b: TcpConfig, delay: u64) -> Net {
        Self::connect_iss(cfg_a, cfg_b, delay, DUT_ISS, PEER_ISS)
    }

    pub fn connect_iss(
        cfg_a: TcpConfig,
        cfg_b: TcpConfig,
        delay: u64,
        iss_a: u32,
        iss_b: u32,
    ) -> Net {
        let mut a = Connection::connect(cfg_a, dut_addr(), peer_addr(), iss_a, 0);
        let syn = drain(&mut a, 0, None);
        assert_eq!(syn.len(), 1, "one SYN: {}", describe_all(&syn));
        let b = Connection::accept(cfg_b, peer_addr(), dut_addr(), iss_b, &syn[0].repr, delay);
        let mut net = Net::with(a, b, delay, delay);
        net.log.push((0, Dir::AtoB, syn[0].clone()));
        net.flush();
        net
    }

    /// Both sides connect at once (simultaneous open); neither SYN has
    /// arrived yet.
    pub fn simultaneous(cfg_a: TcpConfig, cfg_b: TcpConfig, delay: u64) -> Net {
        let a = Connection::connect(cfg_a, dut_addr(), peer_addr(), DUT_ISS, 0);
        let b = Connection::connect(cfg_b, peer_addr(), dut_addr(), PEER_ISS, 0);
        let mut net = Net::with(a, b, 0, delay);
        net.flush();
        net
    }

    fn note_states(&mut self) {
        let sa = self.a.state();
        if self.states_a.last() != Some(&sa) {
            self.states_a.push(sa);
        }
        let sb = self.b.state();
        if self.states_b.last() != Some(&sb) {
            self.states_b.push(sb);
        }
    }

    fn pump_app(&mut self) {
        for (conn, app) in [
            (&mut self.a, &mut self.app_a),
            (&mut self.b, &mut self.app_b),
        ] {
            if app.tx_off < app.tx.len() {
                if let Ok(n) = conn.send(&app.tx[app.tx_off..]) {
                    app.tx_off += n;
                }
            }
            // A CLOSE in SYN-SENT deletes the connection (RFC 9293
            // §3.10.4): the application closes once the handshake is done.
            let open = conn.state() != State::SynSent;
            if app.close_after_tx && !app.closed && open && app.tx_off == app.tx.len() {
                conn.close();
                app.closed = true;
            }
            if app.reading {
                let mut buf = [0u8; 16 * 1024];
                loop {
                    let n = conn.recv(&mut buf);
                    if n == 0 {
                        break;
                    }
                    app.rx.extend_from_slice(&buf[..n]);
                }
            }
            if app.close_on_eof && !app.closed && conn.recv_finished() {
                conn.close();
                app.closed = true;
            }
        }
    }

    /// Runs the applications, then sends what both connections have to send
    /// now into the pipe.
    pub fn flush(&mut self) {
        self.pump_app();
        for dir in [Dir::AtoB, Dir::BtoA] {
            let conn = match dir {
                Dir::AtoB => &mut self.a,
                Dir::BtoA => &mut self.b,
            };
            let segs = drain(conn, self.now, self.max_payload);
            for seg in segs {
                self.log.push((self.now, dir, seg.clone()));
                let verdict = match self.filter.as_mut() {
                    Some(f) => f(self.now, dir, &seg),
                    None => Verdict::Deliver,
                };
                let (copies, extra) = match verdict {
                    Verdict::Deliver => (1, 0),
                    Verdict::Drop => (0, 0),
                    Verdict::Duplicate => (2, 0),
                    Verdict::Delay(d) => (1, d),
                };
                for _ in 0..copies {
                    self.order += 1;
                    self.queue.push(InFlight {
                        at: self.now + self.delay + extra,
                        order: self.order,
                        dir,
                        seg: seg.clone(),
                    });
                }
            }
        }
        self.note_states();
    }

    /// The next time something happens: a delivery or a timer.
    pub fn next_event(&self) -> Option<u64> {
        let q = self.queue.iter().map(|f| f.at).min();
        [q, self.a.poll_at(), self.b.poll_at()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Advances to the next event, delivers what is due, lets the
    /// applications and connections react. `false` when nothing is left.
    pub fn step(&mut self) -> bool {
        let Some(t) = self.next_event() else {
            return false;
        };
        self.now = self.now.max(t);
        loop {
            let due = self
                .queue
                .iter()
                .enumerate()
                .filter(|(_, f)| f.at <= self.now)
                .min_by_key(|(_, f)| (f.at, f.order))
                .map(|(i, _)| i);
            let Some(i) = due else { break };
            let f = self.queue.remove(i);
            let target = match f.dir {
                Dir::AtoB => &mut self.b,
                Dir::BtoA => &mut self.a,
            };
            target.on_segment(self.now, &f.seg.repr, &f.seg.payload);
            self.note_states();
        }
        self.flush();
        for (conn, who) in [(&self.a, "a"), (&self.b, "b")] {
            if let Some(next) = conn.poll_at() {
                assert!(
                    next > self.now,
                    "{who}: timer due at {next} still due after polling at {}",
                    self.now
                );
            }
        }
        true
    }

    /// Steps until `done` holds or `deadline` passes; whether `done` held.
    pub fn run_until(&mut self, deadline: u64, mut done: impl FnMut(&Net) -> bool) -> bool {
        for _ in 0..2_000_000 {
            if done(self) {
                return true;
            }
            match self.next_event() {
                Some(t) if t <= deadline => {
                    self.step();
                }
                _ => return done(self),
            }
        }
        panic!("simulation did not settle by {deadline} ns");
    }

    pub fn established(&self) -> bool {
        self.a.state() == State::Established && self.b.state() == State::Established
    }

    pub fn segments(&self, dir: Dir) -> Vec<&Outgoing> {
        self.log
            .iter()
            .filter(|(_, d, _)| *d == dir)
            .map(|(_, _, o)| o)
            .collect()
    }
}
