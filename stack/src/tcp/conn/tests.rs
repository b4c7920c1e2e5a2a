//! Two connections joined by a simulated pipe (delay, seeded loss,
//! duplication, reordering, chosen drops) on a simulated clock.

use super::*;
use crate::wire::{TcpFlags, TcpSeqNumber};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::VecDeque;

pub(super) const A: usize = 0;
pub(super) const B: usize = 1;

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn seed(name: &str, default: u64) -> u64 {
    let seed = std::env::var("CONN_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    println!("{name} seed: CONN_SEED={seed}");
    seed
}

pub(super) struct InFlight {
    at: u64,
    order: u64,
    to: usize,
    seg: Outgoing,
}

/// The pipe and the two ends.
pub(super) struct Sim {
    pub(super) c: [Connection; 2],
    pub(super) now: u64,
    pub(super) delay: u64,
    pub(super) rng: ChaCha8Rng,
    pub(super) loss: f64,
    pub(super) dup: f64,
    pub(super) reorder: f64,
    pub(super) queue: Vec<InFlight>,
    pub(super) order: u64,
    pub(super) max_payload: usize,
    /// Every segment sent (after GSO splitting), by sender.
    pub(super) log: Vec<(usize, TcpRepr)>,
    /// Payload sizes as the connection produced them (before splitting).
    pub(super) produced: Vec<(usize, usize, TcpFlags)>,
    /// Drops segments the predicate picks (sender, segment, index in log).
    pub(super) drop_if: fn(usize, &TcpRepr, usize) -> bool,
    /// Application data: what each side still has to send, what it got.
    pub(super) to_send: [VecDeque<u8>; 2],
    pub(super) received: [Vec<u8>; 2],
    pub(super) read: bool,
}

fn no_drop(_: usize, _: &TcpRepr, _: usize) -> bool {
    false
}

impl Sim {
    /// A connects to B: A's SYN builds B through `accept`.
    pub(super) fn open(ca: TcpConfig, cb: TcpConfig, seed: u64) -> Sim {
        let (la, lb) = (addr("10.0.0.1:40000"), addr("10.0.0.2:80"));
        let mut a = Connection::connect(ca, la, lb, 1000, 0);
        let syn = a.poll_transmit(0, 1460).expect("SYN");
        assert!(syn.repr.flags.contains(TcpFlags::SYN));
        let b = Connection::accept(cb, lb, la, 0xffff_f000, &syn.repr, 0);
        let mut sim = Sim {
            c: [a, b],
            now: 0,
            delay: 5 * MS,
            rng: ChaCha8Rng::seed_from_u64(seed),
            loss: 0.0,
            dup: 0.0,
            reorder: 0.0,
            queue: Vec::new(),
            order: 0,
            max_payload: 1460,
            log: vec![(A, syn.repr)],
            produced: Vec::new(),
            drop_if: no_drop,
            to_send: [VecDeque::new(), VecDeque::new()],
            received: [Vec::new(), Vec::new()],
            read: true,
        };
        sim.step();
        sim
    }

    /// Splits a super-segment as GSO would (seq advances, FIN/PSH only on
    /// the last piece), then sends each piece.
    fn push(&mut self, from: usize, seg: Outgoing) {
        let mss = usize::from(seg.mss);
        self.produced
            .push((from, seg.payload.len(), seg.repr.flags));
        if seg.payload.len() <= mss {
            return self.push_one(from, seg);
        }
        let n = seg.payload.len().div_ceil(mss);
        for (i, chunk) in seg.payload.chunks(mss).enumerate() {
            let mut repr = seg.repr;
            repr.seq_number = seg.repr.seq_number + i * mss;
            repr.payload_len = chunk.len();
            if i + 1 < n {
                repr.flags = TcpFlags(repr.flags.0 & !(TcpFlags::FIN.0 | TcpFlags::PSH.0));
            }
            self.push_one(
                from,
                Outgoing {
                    repr,
                    payload: chunk.to_vec(),
                    mss: seg.mss,
                },
            );
        }
    }

    fn push_one(&mut self, from: usize, seg: Outgoing) {
        let idx = self.log.len();
        self.log.push((from, seg.repr));
        if (self.drop_if)(from, &seg.repr, idx) {
            return;
        }
        if self.rng.gen_bool(self.loss) {
            return;
        }
        let copies = if self.rng.gen_bool(self.dup) { 2 } else { 1 };
        for _ in 0..copies {
            let extra = if self.rng.gen_bool(self.reorder) {
                self.rng.gen_range(0..self.delay)
            } else {
                0
            };
            self.order += 1;
            self.queue.push(InFlight {
                at: self.now + self.delay + extra,
                order: self.order,
                to: 1 - from,
                seg: seg.clone(),
            });
        }
    }

    /// Deliveries due now, then application I/O, then transmissions.
    fn step(&mut self) {
        let now = self.now;
        let mut due: Vec<InFlight> = Vec::new();
        let mut i = 0;
        while i < self.queue.len() {
            if self.queue[i].at <= now {
                due.push(self.queue.swap_remove(i));
            } else {
                i += 1;
            }
        }
        due.sort_by_key(|f| (f.at, f.order));
        for f in due {
            self.c[f.to].on_segment(now, &f.seg.repr, &f.seg.payload);
        }
        for side in [A, B] {
            while !self.to_send[side].is_empty() {
                let (front, _) = self.to_send[side].as_slices();
                match self.c[side].send(front) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        self.to_send[side].drain(..n);
                    }
                }
            }
            if self.read {
                loop {
                    let chunk = self.c[side].recv_peek();
                    if chunk.is_empty() {
                        break;
                    }
                    let n = chunk.len();
                    self.received[side].extend_from_slice(chunk);
                    self.c[side].recv_consume(n);
                }
            }
            while let Some(seg) = self.c[side].poll_transmit(self.now, self.max_payload) {
                self.push(side, seg);
            }
        }
    }

    fn next_event(&self) -> Option<u64> {
        let q = self.queue.iter().map(|f| f.at).min();
        [q, self.c[A].poll_at(), self.c[B].poll_at()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Runs until `done` or until nothing is left to happen or `limit` ns.
    pub(super) fn run_until(&mut self, limit: u64, done: impl Fn(&Sim) -> bool) -> bool {
        let mut iterations = 0u64;
        loop {
            self.step();
            if done(self) {
                return true;
            }
            let next = match self.next_event() {
                Some(t) => t.max(self.now),
                None => return false,
            };
            if next > limit {
                return false;
            }
            if next == self.now {
                iterations += 1;
                assert!(iterations < 1_000_000, "livelock at {}", self.now);
            } else {
                iterations = 0;
            }
            self.now = next;
        }
    }

    pub(super) fn state(&self, side: usize) -> State {
        self.c[side].state()
    }
}

pub(super) fn established(s: &Sim) -> bool {
    s.state(A) == State::Established && s.state(B) == State::Established
}

pub(super) fn pattern(len: usize, salt: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(salt) ^ (i >> 8) as u8)
        .collect()
}

#[test]
fn handshake_negotiates_mss_window_scale_sack_and_timestamps() {
    let mut sim = Sim::open(TcpConfig::default(), TcpConfig::default(), 1);
    assert!(sim.run_until(SEC, established));
    for side in [A, B] {
        let c = &sim.c[side];
        assert_eq!(c.send_mss(), 1460);
        assert!(c.sack_enabled());
        assert!(c.timestamps_enabled());
        // 256 KiB needs a shift of 3 to fit in 16 bits.
        assert_eq!(c.window_shifts(), (3, 3));
    }
    let syn = sim.log[0].1;
    assert_eq!(syn.max_seg_size, Some(1460));
    assert_eq!(syn.window_scale, Some(3));
    assert!(syn.sack_permitted);
    assert!(syn.timestamp.is_some());
    let synack = sim.log[1].1;
    assert_eq!(synack.flags, TcpFlags::SYN | TcpFlags::ACK);
    assert_eq!(synack.ack_number, TcpSeqNumber(1001));
    assert_eq!(synack.window_len, 0xffff, "SYN-ACK windows are not scaled");
    // Data segments carry 12 bytes of timestamps: 1448 payload bytes each.
    sim.to_send[A].extend(pattern(10_000, 1));
    assert!(sim.run_until(SEC, |s| s.received[B].len() == 10_000));
    assert!(sim
        .log
        .iter()
        .filter(|(f, r)| *f == A && r.payload_len > 0)
        .all(|(_, r)| r.payload_len <= 1448 && r.timestamp.is_some()));
    assert_eq!(sim.received[B], pattern(10_000, 1));
}

#[test]
fn handshake_without_options_falls_back() {
    let plain = TcpConfig {
        window_scaling: false,
        timestamps: false,
        sack: false,
        recv_buffer: 60_000,
        ..TcpConfig::default()
    };
    let mut sim = Sim::open(TcpConfig::default(), plain, 2);
    assert!(sim.run_until(SEC, established));
    for side in [A, B] {
        assert!(!sim.c[side].sack_enabled());
        assert!(!sim.c[side].timestamps_enabled());
        assert_eq!(sim.c[side].window_shifts(), (0, 0));
        assert_eq!(sim.c[side].send_mss(), 1460);
    }
    // The SYN-ACK offers nothing the SYN's receiver did not enable.
    let synack = sim.log[1].1;
    assert_eq!(synack.window_scale, None);
    assert!(synack.timestamp.is_none() && !synack.sack_permitted);
    // A's window (256 KiB) is capped at 65535 unscaled.
    let a_ack = sim
        .log
        .iter()
        .find(|(f, r)| *f == A && !r.flags.contains(TcpFlags::SYN));
    assert_eq!(a_ack.unwrap().1.window_len, 0xffff);
}

#[test]
fn peer_without_mss_option_gets_536_on_ipv4_and_1220_on_ipv6() {
    let syn = |src: &str| {
        let a = Connection::connect(TcpConfig::default(), addr(src), addr(src), 1, 0);
        let mut a = a;
        let mut s = a.poll_transmit(0, 1460).unwrap().repr;
        s.max_seg_size = None;
        s
    };
    let s4 = syn("10.0.0.1:1");
    let c4 = Connection::accept(
        TcpConfig::default(),
        addr("10.0.0.2:2"),
        addr("10.0.0.1:1"),
        5,
        &s4,
        0,
    );
    assert_eq!(c4.send_mss(), 536);
    let s6 = syn("[fe80::1]:1");
    let c6 = Connection::accept(
        TcpConfig::default(),
        addr("[fe80::2]:2"),
        addr("[fe80::1]:1"),
        5,
        &s6,
        0,
    );
    assert_eq!(c6.send_mss(), 1220);
    // With timestamps, payload per segment is 12 bytes less.
    let mut c4 = c4;
    let out = c4.poll_transmit(0, 65536).unwrap();
    assert_eq!(out.mss, 536 - 12);
}

#[test]
fn simultaneous_open_goes_through_syn_received() {
    let (la, lb) = (addr("10.0.0.1:5000"), addr("10.0.0.2:5000"));
    let mut a = Connection::connect(TcpConfig::default(), la, lb, 100, 0);
    let mut b = Connection::connect(TcpConfig::default(), lb, la, 9000, 0);
    let sa = a.poll_transmit(0, 1460).unwrap();
    let sb = b.poll_transmit(0, 1460).unwrap();
    a.on_segment(MS, &sb.repr, &[]);
    b.on_segment(MS, &sa.repr, &[]);
    assert_eq!(a.state(), State::SynReceived);
    assert_eq!(b.state(), State::SynReceived);
    let mut sim = Sim {
        c: [a, b],
        now: MS,
        delay: MS,
        rng: ChaCha8Rng::seed_from_u64(3),
        loss: 0.0,
        dup: 0.0,
        reorder: 0.0,
        queue: Vec::new(),
        order: 0,
        max_payload: 1460,
        log: Vec::new(),
        produced: Vec::new(),
        drop_if: no_drop,
        to_send: [VecDeque::new(), VecDeque::new()],
        received: [Vec::new(), Vec::new()],
        read: true,
    };
    assert!(sim.run_until(SEC, established));
    assert!(sim.c[A].timestamps_enabled() && sim.c[B].sack_enabled());
    sim.to_send[A].extend(pattern(5000, 7));
    sim.to_send[B].extend(pattern(7000, 8));
    assert!(sim.run_until(2 * SEC, |s| s.received[B].len() == 5000
        && s.received[A].len() == 7000));
    assert_eq!(sim.received[A], pattern(7000, 8));
}

fn transfer(cfg: TcpConfig, seed_default: u64, name: &str, len: usize) {
    let seed = seed(name, seed_default);
    let mut sim = Sim::open(cfg, cfg, seed);
    sim.loss = 0.02;
    sim.dup = 0.01;
    sim.reorder = 0.05;
    assert!(sim.run_until(30 * SEC, established), "handshake");
    let (da, db) = (pattern(len, 3), pattern(len / 2 + 17, 9));
    sim.to_send[A].extend(da.iter().copied());
    sim.to_send[B].extend(db.iter().copied());
    let ok = sim.run_until(600 * SEC, |s| {
        s.received[B].len() == da.len() && s.received[A].len() == db.len()
    });
    assert!(
        ok,
        "stalled at {} ns: B got {} of {}, A got {} of {}; A {:?} B {:?}",
        sim.now,
        sim.received[B].len(),
        da.len(),
        sim.received[A].len(),
        db.len(),
        sim.c[A].stats(),
        sim.c[B].stats()
    );
    assert!(
        sim.received[B] == da && sim.received[A] == db,
        "bytes differ"
    );
    println!(
        "DBG {name}: done at {} ms, {} segments; A {:?}; B {:?}",
        sim.now / MS,
        sim.log.len(),
        sim.c[A].stats(),
        sim.c[B].stats()
    );
    // Close both ways, then everything ends.
    sim.c[A].close();
    sim.c[B].close();
    assert!(
        sim.run_until(sim.now + 900 * SEC, |s| s.state(A) == State::Closed
            && s.state(B) == State::Closed)
    );
    for side in [A, B] {
        assert_eq!(sim.c[side].close_reason(), Some(CloseReason::Normal));
        assert_eq!(sim.c[side].poll_at(), None, "no timer left armed");
        assert!(sim.c[side].recv_finished());
    }
    let st = sim.c[A].stats();
    assert!(st.retransmits > 0, "loss was exercised");
}

#[test]
fn data_both_ways_byte_exact_over_lossy_pipe_with_sack() {
    transfer(TcpConfig::default(), 11, "sack", 1 << 20);
}

#[test]
fn data_both_ways_byte_exact_over_lossy_pipe_without_sack() {
    let cfg = TcpConfig {
        sack: false,
        ..TcpConfig::default()
    };
    transfer(cfg, 12, "nosack", 1 << 20);
}

#[test]
fn data_both_ways_byte_exact_without_timestamps_or_scaling() {
    let cfg = TcpConfig {
        timestamps: false,
        window_scaling: false,
        recv_buffer: 40_000,
        send_buffer: 30_000,
        delayed_ack_ns: 0,
        ..TcpConfig::default()
    };
    transfer(cfg, 13, "plain", 300_000);
}

/// An established pair over a clean pipe.
pub(super) fn pair(ca: TcpConfig, cb: TcpConfig) -> Sim {
    let mut sim = Sim::open(ca, cb, 5);
    assert!(sim.run_until(SEC, established));
    sim
}

/// A segment as the peer of `to` would send it now, `seq_delta` bytes
/// away from its SND.NXT.
fn from_peer(sim: &Sim, to: usize, flags: TcpFlags, seq_delta: i64, len: usize) -> TcpRepr {
    let p = &sim.c[1 - to];
    TcpRepr {
        src_port: p.local.port(),
        dst_port: p.remote.port(),
        seq_number: TcpSeqNumber(p.snd_nxt.0.wrapping_add(seq_delta as u32)),
        ack_number: TcpSeqNumber(p.rcv_nxt.0),
        flags,
        window_len: 1000,
        urgent_at: 0,
        max_seg_size: None,
        window_scale: None,
        sack_permitted: false,
        sack_ranges: [None; 4],
        timestamp: p.ts_ok.then(|| (p.ts_now(sim.now), p.ts_recent)),
        payload_len: len,
    }
}

/// Drains `side`'s output without delivering it.
fn drain(sim: &mut Sim, side: usize) -> Vec<Outgoing> {
    let mut v = Vec::new();
    while let Some(o) = sim.c[side].poll_transmit(sim.now, 1460) {
        v.push(o);
    }
    v
}

#[test]
fn active_close_goes_through_fin_wait_and_time_wait_then_closed() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    sim.to_send[A].extend(pattern(3000, 1));
    assert!(sim.run_until(SEC, |s| s.received[B].len() == 3000));
    sim.c[A].close();
    assert_eq!(sim.state(A), State::FinWait1);
    assert_eq!(sim.c[A].send(b"x"), Err(ConnError::SendClosed));
    assert!(sim.run_until(2 * SEC, |s| s.state(A) == State::FinWait2
        && s.state(B) == State::CloseWait));
    assert!(sim.c[B].recv_finished());
    // The passive side still sends; the active side still receives.
    sim.to_send[B].extend(pattern(2000, 2));
    assert!(sim.run_until(3 * SEC, |s| s.received[A].len() == 2000));
    sim.c[B].close();
    assert_eq!(sim.state(B), State::LastAck);
    assert!(sim.run_until(4 * SEC, |s| s.state(B) == State::Closed));
    assert_eq!(sim.c[B].close_reason(), Some(CloseReason::Normal));
    assert_eq!(sim.state(A), State::TimeWait);
    let tw_end = sim.c[A].poll_at().expect("TIME-WAIT timer");
    assert!(tw_end >= sim.now + TcpConfig::default().time_wait_ns - 10 * MS);
    assert!(sim.run_until(tw_end + SEC, |s| s.state(A) == State::Closed));
    assert_eq!(sim.c[A].close_reason(), Some(CloseReason::Normal));
    assert!(sim.now >= tw_end);
    assert_eq!(sim.c[A].poll_at(), None);
    assert_eq!(sim.c[B].poll_at(), None);
    assert_eq!(sim.c[A].send(b"x"), Err(ConnError::Closed));
}

#[test]
fn simultaneous_close_goes_through_closing_to_time_wait() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    sim.c[A].close();
    sim.c[B].close();
    let fa = drain(&mut sim, A);
    let fb = drain(&mut sim, B);
    assert!(fa.iter().any(|o| o.repr.flags.contains(TcpFlags::FIN)));
    for o in &fb {
        sim.c[A].on_segment(sim.now, &o.repr, &o.payload);
    }
    for o in &fa {
        sim.c[B].on_segment(sim.now, &o.repr, &o.payload);
    }
    assert_eq!(sim.state(A), State::Closing);
    assert_eq!(sim.state(B), State::Closing);
    assert!(sim.run_until(SEC, |s| s.state(A) == State::TimeWait
        && s.state(B) == State::TimeWait));
    assert!(sim.run_until(200 * SEC, |s| s.state(A) == State::Closed
        && s.state(B) == State::Closed));
    assert_eq!(sim.c[A].poll_at(), None);
}

#[test]
fn time_wait_acks_a_retransmitted_fin_and_restarts() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    sim.c[A].close();
    assert!(sim.run_until(SEC, |s| s.state(B) == State::CloseWait));
    sim.c[B].close();
    let fin = drain(&mut sim, B);
    sim.now += MS;
    for o in &fin {
        sim.c[A].on_segment(sim.now, &o.repr, &o.payload);
    }
    assert_eq!(sim.state(A), State::TimeWait);
    let first = sim.c[A].poll_at().unwrap();
    assert_eq!(drain(&mut sim, A).len(), 1);
    sim.now += 10 * SEC;
    for o in &fin {
        sim.c[A].on_segment(sim.now, &o.repr, &o.payload);
    }
    let acks = drain(&mut sim, A);
    assert_eq!(acks.len(), 1, "the FIN is acknowledged again");
    assert!(sim.c[A].poll_at().unwrap() > first, "2MSL restarted");
}

#[test]
fn rst_answering_our_syn_means_refused() {
    let mut a = Connection::connect(
        TcpConfig::default(),
        addr("10.0.0.1:1"),
        addr("10.0.0.2:2"),
        77,
        0,
    );
    let syn = a.poll_transmit(0, 1460).unwrap().repr;
    let mut rst = syn;
    rst.src_port = syn.dst_port;
    rst.dst_port = syn.src_port;
    rst.seq_number = TcpSeqNumber(0);
    rst.flags = TcpFlags::RST | TcpFlags::ACK;
    // A RST whose ACK does not cover our SYN is ignored.
    rst.ack_number = TcpSeqNumber(77);
    a.on_segment(MS, &rst, &[]);
    assert_eq!(a.state(), State::SynSent);
    rst.ack_number = TcpSeqNumber(78);
    a.on_segment(MS, &rst, &[]);
    assert_eq!(a.state(), State::Closed);
    assert_eq!(a.close_reason(), Some(CloseReason::Refused));
    assert_eq!(a.poll_at(), None);
    assert!(a.poll_transmit(2 * MS, 1460).is_none());
}

#[test]
fn syn_is_retried_then_the_connect_times_out() {
    let cfg = TcpConfig {
        syn_retries: 3,
        ..TcpConfig::default()
    };
    let mut a = Connection::connect(cfg, addr("10.0.0.1:1"), addr("10.0.0.2:2"), 5, 0);
    let mut syns = 0;
    let mut now = 0;
    let mut gaps = Vec::new();
    let mut last = 0;
    while a.state() != State::Closed {
        while let Some(o) = a.poll_transmit(now, 1460) {
            assert!(o.repr.flags.contains(TcpFlags::SYN));
            syns += 1;
            gaps.push(now - last);
            last = now;
        }
        if a.state() == State::Closed {
            break;
        }
        now = a.poll_at().expect("a timer while connecting");
    }
    assert_eq!(syns, 4, "first SYN plus three retries");
    assert_eq!(a.close_reason(), Some(CloseReason::TimedOut));
    // Exponential backoff from the 1 s initial RTO.
    assert_eq!(&gaps[1..], &[SEC, 2 * SEC, 4 * SEC]);
    assert_eq!(a.poll_at(), None);
}

#[test]
fn data_retransmissions_run_out_and_reset() {
    let cfg = TcpConfig {
        max_retries: 4,
        ..TcpConfig::default()
    };
    let mut sim = pair(cfg, cfg);
    fn all_from_a(from: usize, _: &TcpRepr, _: usize) -> bool {
        from == A
    }
    sim.drop_if = all_from_a;
    sim.to_send[A].extend(pattern(5000, 1));
    assert!(sim.run_until(600 * SEC, |s| s.state(A) == State::Closed));
    assert_eq!(sim.c[A].close_reason(), Some(CloseReason::TimedOut));
    assert_eq!(sim.c[A].stats().rto_expiries, 4);
    let last = sim.log.iter().rev().find(|(f, _)| *f == A).unwrap().1;
    assert!(last.flags.contains(TcpFlags::RST), "a RST ends it");
    assert_eq!(sim.c[A].poll_at(), None);
}

#[test]
fn abort_sends_rst_and_the_peer_resets() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    sim.c[A].abort();
    assert_eq!(sim.state(A), State::Closed);
    assert_eq!(sim.c[A].close_reason(), Some(CloseReason::Aborted));
    assert!(sim.run_until(SEC, |s| s.state(B) == State::Closed));
    assert_eq!(sim.c[B].close_reason(), Some(CloseReason::Reset));
    assert_eq!(sim.c[A].poll_at(), None);
    assert_eq!(sim.c[B].poll_at(), None);
}

#[test]
fn rst_in_window_but_not_at_rcv_nxt_gets_a_challenge_ack() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    let r = from_peer(&sim, A, TcpFlags::RST, 100, 0);
    sim.c[A].on_segment(sim.now, &r, &[]);
    assert_eq!(sim.state(A), State::Established);
    assert_eq!(sim.c[A].stats().challenge_acks, 1);
    let out = drain(&mut sim, A);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].repr.flags, TcpFlags::ACK);
    // Outside the window: silently dropped.
    let r = from_peer(&sim, A, TcpFlags::RST, -100_000, 0);
    sim.c[A].on_segment(sim.now, &r, &[]);
    assert!(drain(&mut sim, A).is_empty());
    // Exactly RCV.NXT: reset.
    let r = from_peer(&sim, A, TcpFlags::RST, 0, 0);
    sim.c[A].on_segment(sim.now, &r, &[]);
    assert_eq!(sim.c[A].close_reason(), Some(CloseReason::Reset));
}

#[test]
fn syn_in_established_gets_rate_limited_challenge_acks() {
    let cfg = TcpConfig {
        challenge_ack_limit: 2,
        ..TcpConfig::default()
    };
    let mut sim = pair(cfg, cfg);
    for _ in 0..5 {
        let s = from_peer(&sim, A, TcpFlags::SYN, 0, 0);
        sim.c[A].on_segment(sim.now, &s, &[]);
        drain(&mut sim, A);
    }
    assert_eq!(sim.state(A), State::Established);
    assert_eq!(sim.c[A].stats().challenge_acks, 2);
    assert_eq!(sim.c[A].stats().challenge_acks_suppressed, 3);
    sim.now += SEC;
    let s = from_peer(&sim, A, TcpFlags::SYN, 0, 0);
    sim.c[A].on_segment(sim.now, &s, &[]);
    assert_eq!(
        sim.c[A].stats().challenge_acks,
        3,
        "a new second, a new budget"
    );
}

#[test]
fn acks_of_unsent_or_ancient_data_are_dropped_and_answered() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    let mut s = from_peer(&sim, A, TcpFlags::ACK, 0, 0);
    s.ack_number = TcpSeqNumber(sim.c[A].snd_max.0.wrapping_add(10));
    sim.c[A].on_segment(sim.now, &s, &[]);
    assert_eq!(sim.c[A].stats().ack_unsent, 1);
    assert_eq!(drain(&mut sim, A).len(), 1);
    s.ack_number = TcpSeqNumber(sim.c[A].snd_una.0.wrapping_sub(1 << 30));
    sim.c[A].on_segment(sim.now, &s, &[]);
    assert_eq!(sim.c[A].stats().challenge_acks, 1);
    assert_eq!(sim.state(A), State::Established);
}

#[test]
fn out_of_window_data_is_dropped_and_acked() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    let s = from_peer(&sim, A, TcpFlags::ACK, 1 << 24, 10);
    sim.c[A].on_segment(sim.now, &s, &[7; 10]);
    assert_eq!(sim.c[A].stats().out_of_window, 1);
    assert_eq!(sim.c[A].recv_available(), 0);
    let out = drain(&mut sim, A);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].repr.ack_number.0, sim.c[A].rcv_nxt.0);
}

#[test]
fn paws_drops_a_segment_with_an_old_timestamp() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    let mut s = from_peer(&sim, A, TcpFlags::ACK | TcpFlags::PSH, 0, 4);
    let (tsval, tsecr) = s.timestamp.unwrap();
    s.timestamp = Some((tsval.wrapping_sub(1000), tsecr));
    sim.c[A].on_segment(sim.now, &s, b"late");
    assert_eq!(sim.c[A].stats().paws_rejected, 1);
    assert_eq!(sim.c[A].recv_available(), 0);
    assert_eq!(drain(&mut sim, A).len(), 1, "answered with an ACK");
    s.timestamp = Some((tsval, tsecr));
    sim.c[A].on_segment(sim.now, &s, b"late");
    assert_eq!(sim.c[A].recv_available(), 4);
}

#[test]
fn idle_established_connection_has_no_timer_armed() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    sim.to_send[A].extend(pattern(100_000, 4));
    assert!(sim.run_until(5 * SEC, |s| s.received[B].len() == 100_000));
    assert!(sim.run_until(10 * SEC, |s| s.c[A].poll_at().is_none()
        && s.c[B].poll_at().is_none()
        && s.queue.is_empty()));
}

#[test]
fn zero_window_is_probed_and_a_lost_window_update_does_not_stall() {
    let small = TcpConfig {
        recv_buffer: 8192,
        ..TcpConfig::default()
    };
    let mut sim = pair(TcpConfig::default(), small);
    sim.read = false;
    sim.to_send[A].extend(pattern(30_000, 5));
    // B's buffer fills and it advertises a zero window.
    assert!(sim.run_until(5 * SEC, |s| s.c[A].snd_wnd == 0
        && s.c[B].recv_available() == 8192));
    // Window updates from B get lost from now on.
    fn drop_window_updates(from: usize, r: &TcpRepr, _: usize) -> bool {
        from == B && r.payload_len == 0 && r.window_len > 0
    }
    sim.drop_if = drop_window_updates;
    let got = sim.c[B].recv(&mut [0u8; 8192]);
    assert_eq!(got, 8192);
    sim.received[B].extend(pattern(30_000, 5)[..8192].iter());
    sim.read = true;
    // Let B's answers to probes through again after a while.
    assert!(sim.run_until(sim.now + 3 * SEC, |s| s.c[A].stats().window_probes >= 2));
    sim.drop_if = no_drop;
    assert!(sim.run_until(sim.now + 120 * SEC, |s| s.received[B].len() == 30_000));
    assert_eq!(sim.received[B], pattern(30_000, 5));
    assert!(sim.c[A].stats().window_probes >= 2);
}

#[test]
fn keepalive_probes_an_idle_peer_then_gives_up() {
    let ka = Keepalive {
        idle_ns: 10 * SEC,
        interval_ns: SEC,
        probes: 3,
    };
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    sim.c[A].set_keepalive(Some(ka), sim.now);
    let start = sim.now;
    assert_eq!(sim.c[A].poll_at(), Some(start + 10 * SEC));
    // An answering peer keeps the connection up.
    assert!(!sim.run_until(start + 35 * SEC, |s| s.state(A) == State::Closed));
    assert!(sim.c[A].stats().keepalive_probes >= 2);
    let probe = sim
        .log
        .iter()
        .find(|(f, r)| *f == A && r.seq_number.0 == sim.c[A].snd_una.0.wrapping_sub(1))
        .expect("probe with SEQ = SND.UNA - 1");
    assert_eq!(probe.1.payload_len, 0);
    // A silent peer: three probes, then the connection times out.
    fn all_from_b(from: usize, _: &TcpRepr, _: usize) -> bool {
        from == B
    }
    sim.drop_if = all_from_b;
    let before = sim.c[A].stats().keepalive_probes;
    assert!(sim.run_until(sim.now + 60 * SEC, |s| s.state(A) == State::Closed));
    assert_eq!(sim.c[A].stats().keepalive_probes - before, 3);
    assert_eq!(sim.c[A].close_reason(), Some(CloseReason::TimedOut));
    assert_eq!(sim.c[A].poll_at(), None);
}

#[test]
fn delayed_ack_waits_for_a_second_segment_or_the_timeout() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    let t0 = sim.now;
    let s = from_peer(&sim, A, TcpFlags::ACK | TcpFlags::PSH, 0, 100);
    sim.c[A].on_segment(t0, &s, &[1; 100]);
    assert!(drain(&mut sim, A).is_empty(), "one small segment: delayed");
    assert_eq!(sim.c[A].poll_at(), Some(t0 + 40 * MS));
    sim.now = t0 + 40 * MS;
    let acks = drain(&mut sim, A);
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0].repr.ack_number.0, sim.c[A].rcv_nxt.0);
    assert_eq!(sim.c[A].stats().delayed_acks, 1);
    // Two full-sized segments: ACK at once.
    sim.c[B].snd_nxt += 100;
    let s1 = from_peer(&sim, A, TcpFlags::ACK, 0, 1448);
    let s2 = from_peer(&sim, A, TcpFlags::ACK, 1448, 1448);
    sim.c[A].on_segment(sim.now, &s1, &[2; 1448]);
    assert!(drain(&mut sim, A).is_empty());
    sim.c[A].on_segment(sim.now, &s2, &[3; 1448]);
    assert_eq!(drain(&mut sim, A).len(), 1);
    // Out of order: at once.
    let s3 = from_peer(&sim, A, TcpFlags::ACK, 5 * 1448, 10);
    sim.c[A].on_segment(sim.now, &s3, &[4; 10]);
    let out = drain(&mut sim, A);
    assert_eq!(out.len(), 1);
    assert!(out[0].repr.sack_ranges[0].is_some(), "SACK block for it");
}

#[test]
fn delayed_ack_of_zero_acks_every_segment() {
    let cfg = TcpConfig {
        delayed_ack_ns: 0,
        ..TcpConfig::default()
    };
    let mut sim = pair(cfg, cfg);
    let s = from_peer(&sim, A, TcpFlags::ACK, 0, 10);
    sim.c[A].on_segment(sim.now, &s, &[1; 10]);
    assert_eq!(drain(&mut sim, A).len(), 1);
}

#[test]
fn nagle_holds_small_segments_while_data_is_unacknowledged() {
    for nagle in [true, false] {
        let mut sim = pair(TcpConfig::default(), TcpConfig::default());
        sim.c[A].set_nagle(nagle);
        sim.c[A].send(b"a").unwrap();
        assert_eq!(drain(&mut sim, A).len(), 1);
        sim.c[A].send(b"b").unwrap();
        let second = drain(&mut sim, A);
        assert_eq!(second.len(), usize::from(!nagle), "nagle {nagle}");
        // Once the first byte is acknowledged the held byte goes out.
        if nagle {
            let mut ack = from_peer(&sim, A, TcpFlags::ACK, 0, 0);
            ack.ack_number = TcpSeqNumber(sim.c[A].snd_una.0.wrapping_add(1));
            ack.window_len = 0xffff;
            sim.c[A].on_segment(sim.now, &ack, &[]);
            let out = drain(&mut sim, A);
            assert_eq!(out.len(), 1);
            assert_eq!(out[0].payload, b"b");
        }
    }
}

#[test]
fn super_segments_split_at_mss_with_psh_on_the_last() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    sim.max_payload = 65_000;
    // Grow cwnd first.
    sim.to_send[A].extend(pattern(500_000, 6));
    assert!(sim.run_until(10 * SEC, |s| s.received[B].len() == 500_000));
    let data: Vec<(usize, TcpFlags)> = sim
        .produced
        .iter()
        .filter(|(f, len, _)| *f == A && *len > 0)
        .map(|(_, len, flags)| (*len, *flags))
        .collect();
    assert!(
        data.iter().any(|(len, _)| *len > 1448),
        "super-segments used"
    );
    for (len, flags) in &data[..data.len() - 1] {
        assert_eq!(len % 1448, 0, "a multiple of the MSS");
        assert!(!flags.contains(TcpFlags::PSH));
    }
    assert!(data.last().unwrap().1.contains(TcpFlags::PSH));
    // After splitting every piece fits the MSS.
    assert!(sim
        .log
        .iter()
        .all(|(f, r)| *f != A || r.payload_len <= 1448));
    assert_eq!(sim.received[B], pattern(500_000, 6));
}

#[test]
fn gro_coalesced_runs_longer_than_the_mss_are_accepted() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    let big = pattern(20_000, 8);
    let s = from_peer(&sim, A, TcpFlags::ACK, 0, big.len());
    sim.c[A].on_segment(sim.now, &s, &big);
    assert_eq!(sim.c[A].recv_available(), 20_000);
    assert_eq!(drain(&mut sim, A).len(), 1, "ACKed at once");
}

#[test]
fn random_segments_never_panic_in_any_state() {
    let seed = seed("fuzz", 99);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Connections in every reachable state.
    let mut conns: Vec<Connection> = Vec::new();
    let cfg = TcpConfig {
        max_ooo_ranges: 8,
        recv_buffer: 64 * 1024,
        ..TcpConfig::default()
    };
    let la = addr("10.0.0.1:1");
    let lb = addr("10.0.0.2:2");
    conns.push(Connection::connect(cfg, la, lb, rng.gen(), 0));
    let mut syn = conns[0].clone().poll_transmit(0, 1460).unwrap().repr;
    conns.push(Connection::accept(cfg, lb, la, rng.gen(), &syn, 0));
    syn.window_scale = None;
    syn.timestamp = None;
    conns.push(Connection::accept(cfg, lb, la, rng.gen(), &syn, 0));
    for close in 0..4 {
        let mut sim = pair(cfg, cfg);
        sim.to_send[A].extend(pattern(5000, 1));
        sim.run_until(SEC, |s| s.received[B].len() == 5000);
        match close {
            1 => sim.c[A].close(),
            2 => {
                sim.c[A].close();
                sim.run_until(sim.now + SEC, |s| s.state(B) == State::CloseWait);
            }
            3 => {
                sim.c[A].close();
                sim.run_until(sim.now + SEC, |s| s.state(B) == State::CloseWait);
                sim.c[B].close();
                sim.run_until(sim.now + SEC, |s| s.state(A) == State::TimeWait);
            }
            _ => {}
        }
        conns.push(sim.c[A].clone());
        conns.push(sim.c[B].clone());
    }
    let states: std::collections::HashSet<State> = conns.iter().map(|c| c.state()).collect();
    assert!(states.len() >= 7, "states covered: {states:?}");
    let mut now = 2 * SEC;
    for round in 0..30_000u64 {
        let count = conns.len();
        let c = &mut conns[(round as usize) % count];
        let near = |rng: &mut ChaCha8Rng, base: SeqNumber| {
            if rng.gen_bool(0.5) {
                base.0
                    .wrapping_add(rng.gen_range(0..200_000))
                    .wrapping_sub(100_000)
            } else {
                rng.gen()
            }
        };
        let len = if rng.gen_bool(0.5) {
            rng.gen_range(0..3000)
        } else {
            0
        };
        let payload: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
        let mut sack = [None; 4];
        for b in sack.iter_mut().take(rng.gen_range(0..5)) {
            let l = near(&mut rng, c.snd_una);
            *b = Some((l, l.wrapping_add(rng.gen_range(0..5000))));
        }
        let seg = TcpRepr {
            src_port: c.remote.port(),
            dst_port: c.local.port(),
            seq_number: TcpSeqNumber(near(&mut rng, c.rcv_nxt)),
            ack_number: TcpSeqNumber(near(&mut rng, c.snd_una)),
            flags: TcpFlags(rng.gen::<u8>() & if rng.gen_bool(0.8) { 0x19 } else { 0xff }),
            window_len: rng.gen(),
            urgent_at: rng.gen(),
            max_seg_size: rng.gen_bool(0.1).then(|| rng.gen()),
            window_scale: rng.gen_bool(0.1).then(|| rng.gen_range(0..20)),
            sack_permitted: rng.gen(),
            sack_ranges: sack,
            timestamp: rng.gen_bool(0.8).then(|| (rng.gen(), rng.gen())),
            // A lying length: the slice is what counts.
            payload_len: rng.gen_range(0..100_000),
        };
        now += rng.gen_range(0..50 * MS);
        c.on_segment(now, &seg, &payload);
        if rng.gen_bool(0.3) {
            let _ = c.send(&payload);
        }
        if rng.gen_bool(0.3) {
            let mut buf = [0u8; 4096];
            c.recv(&mut buf);
        }
        let mut n = 0;
        while let Some(o) = c.poll_transmit(now, if rng.gen() { 1460 } else { 65_000 }) {
            assert_eq!(o.repr.payload_len, o.payload.len());
            n += 1;
            assert!(n < 10_000, "poll_transmit never ends");
        }
        if let Some(t) = c.poll_at() {
            assert!(t >= now.min(c.now), "deadline in the past");
        }
        assert!(c.rcvbuf.ooo_ranges() <= 8);
        assert!(c.send_queued() <= cfg.send_buffer);
    }
}

#[test]
fn segments_arriving_between_polls_are_acked_every_second_one() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    let base = sim.c[A].rcv_nxt;
    for i in 0..6 {
        let s = from_peer(&sim, A, TcpFlags::ACK, i * 1448, 1448);
        sim.c[A].on_segment(sim.now, &s, &[i as u8; 1448]);
    }
    let acks: Vec<u32> = drain(&mut sim, A)
        .iter()
        .map(|o| o.repr.ack_number.0.wrapping_sub(base.0))
        .collect();
    assert_eq!(acks, vec![2 * 1448, 4 * 1448, 6 * 1448]);
}

#[test]
fn each_out_of_order_segment_between_polls_gets_its_duplicate_ack() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    let base = sim.c[A].rcv_nxt;
    for i in 1..4 {
        let s = from_peer(&sim, A, TcpFlags::ACK, i * 1448, 1448);
        sim.c[A].on_segment(sim.now, &s, &[i as u8; 1448]);
    }
    let out = drain(&mut sim, A);
    assert_eq!(out.len(), 3);
    for o in &out {
        assert_eq!(o.repr.ack_number.0, base.0);
        assert_eq!(o.repr.payload_len, 0);
        let (l, r) = o.repr.sack_ranges[0].unwrap();
        assert_eq!(
            (l.wrapping_sub(base.0), r.wrapping_sub(base.0)),
            (1448, 4 * 1448)
        );
    }
}

/// Sends `n` full segments from A (window permitting) and returns them.
fn flight(sim: &mut Sim, n: usize) -> Vec<Outgoing> {
    sim.to_send[A].extend(pattern(n * 1448, 3));
    let data: Vec<u8> = sim.to_send[A].drain(..).collect();
    assert_eq!(sim.c[A].send(&data), Ok(data.len()));
    drain(sim, A)
}

/// An ACK from B for `ack` (relative to A's SND.UNA) with SACK blocks
/// (relative too).
fn ack_from_b(sim: &Sim, ack: u32, sacks: &[(u32, u32)]) -> TcpRepr {
    let una = sim.c[A].snd_una.0;
    let mut r = from_peer(sim, A, TcpFlags::ACK, 0, 0);
    r.ack_number = TcpSeqNumber(una.wrapping_add(ack));
    r.window_len = sim.c[B].advertise_preview();
    for (i, (l, h)) in sacks.iter().enumerate() {
        r.sack_ranges[i] = Some((una.wrapping_add(*l), una.wrapping_add(*h)));
    }
    r
}

#[test]
fn limited_transmit_sends_new_data_on_the_first_two_duplicate_acks() {
    let cfg = TcpConfig {
        sack: false,
        ..TcpConfig::default()
    };
    let mut sim = pair(cfg, cfg);
    let first = flight(&mut sim, 3);
    assert_eq!(first.len(), 3, "initial window of three segments");
    // More data queued, blocked by cwnd.
    sim.c[A].send(&pattern(10 * 1448, 4)).unwrap();
    assert!(drain(&mut sim, A).is_empty());
    let d = ack_from_b(&sim, 0, &[]);
    // The first one updates the window (the SYN-ACK's was unscaled), so it
    // is no duplicate (RFC 5681 §2).
    sim.c[A].on_segment(sim.now, &d, &[]);
    assert!(drain(&mut sim, A).is_empty());
    assert_eq!(sim.c[A].stats().dup_acks_in, 0);
    sim.c[A].on_segment(sim.now, &d, &[]);
    assert_eq!(
        drain(&mut sim, A).len(),
        1,
        "first duplicate ACK: one new segment"
    );
    sim.c[A].on_segment(sim.now, &d, &[]);
    assert_eq!(drain(&mut sim, A).len(), 1, "second: one more");
    sim.c[A].on_segment(sim.now, &d, &[]);
    let out = drain(&mut sim, A);
    assert_eq!(
        out[0].repr.seq_number.0, sim.c[A].snd_una.0,
        "third: fast retransmit"
    );
    assert_eq!(sim.c[A].stats().fast_retransmits, 1);
}

#[test]
fn sack_reveals_a_lost_retransmission_before_the_rto() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    sim.c[A].cc.cwnd = 20 * 1448;
    let sent = flight(&mut sim, 10);
    assert_eq!(sent.len(), 10);
    // Segment 0 is lost; 1..=3 are SACKed: fast retransmit of 0.
    for k in 1..=3u32 {
        let a = ack_from_b(&sim, 0, &[(1448, (k + 1) * 1448)]);
        sim.c[A].on_segment(sim.now, &a, &[]);
    }
    let rtx = drain(&mut sim, A);
    assert_eq!(rtx[0].repr.seq_number.0, sim.c[A].snd_una.0);
    assert_eq!(sim.c[A].stats().fast_retransmits, 1);
    // More data goes out during recovery...
    sim.c[A].send(&pattern(8 * 1448, 5)).unwrap();
    for k in 4..=9u32 {
        let a = ack_from_b(&sim, 0, &[(1448, (k + 1) * 1448)]);
        sim.c[A].on_segment(sim.now, &a, &[]);
        drain(&mut sim, A);
    }
    let retransmits = sim.c[A].stats().retransmits;
    // ...and once data sent after the retransmission is SACKed while
    // segment 0 stays missing, it is sent again, long before any RTO.
    let beyond = sim.c[A].snd_nxt.0.wrapping_sub(sim.c[A].snd_una.0);
    let a = ack_from_b(&sim, 0, &[(1448, beyond)]);
    sim.c[A].on_segment(sim.now, &a, &[]);
    let again = drain(&mut sim, A);
    assert!(again
        .iter()
        .any(|o| o.repr.seq_number.0 == sim.c[A].snd_una.0));
    assert!(sim.c[A].stats().retransmits > retransmits);
    assert_eq!(sim.c[A].stats().rto_expiries, 0);
}

#[test]
fn small_reads_do_not_send_window_updates() {
    let small = TcpConfig {
        recv_buffer: 16 * 1024,
        ..TcpConfig::default()
    };
    let mut sim = pair(TcpConfig::default(), small);
    sim.read = false;
    sim.to_send[A].extend(pattern(40_000, 1));
    assert!(sim.run_until(5 * SEC, |s| s.c[A].snd_wnd == 0));
    let before = sim.log.len();
    // Reading a few bytes opens less than an MSS: no update.
    let mut buf = [0u8; 100];
    assert_eq!(sim.c[B].recv(&mut buf), 100);
    assert!(drain(&mut sim, B).is_empty());
    // Reading half the buffer opens enough: one window update.
    let mut big = vec![0u8; 8 * 1024];
    sim.c[B].recv(&mut big);
    let upd = drain(&mut sim, B);
    assert_eq!(upd.len(), 1);
    assert!(upd[0].repr.window_len > 0);
    assert!(sim.log.len() >= before);
}

#[test]
fn advertised_right_edge_never_moves_left() {
    let small = TcpConfig {
        recv_buffer: 20_000,
        window_scaling: false,
        ..TcpConfig::default()
    };
    let seed = seed("edge", 21);
    let mut sim = Sim::open(TcpConfig::default(), small, seed);
    assert!(sim.run_until(SEC, established));
    sim.loss = 0.05;
    sim.reorder = 0.1;
    sim.to_send[A].extend(pattern(300_000, 2));
    let mut edge: Option<u32> = None;
    let mut k = 0;
    let ok = sim.run_until(600 * SEC, |s| s.received[B].len() == 300_000);
    assert!(ok);
    for (from, r) in &sim.log {
        if *from == B && r.flags.contains(TcpFlags::ACK) && !r.flags.contains(TcpFlags::SYN) {
            let e = r.ack_number.0.wrapping_add(u32::from(r.window_len));
            if let Some(prev) = edge {
                assert!((e.wrapping_sub(prev) as i32) >= 0, "edge moved left at {k}");
            }
            edge = Some(e);
            k += 1;
        }
    }
    assert!(k > 100);
}

#[test]
fn a_cloned_connection_carries_on_the_transfer() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    sim.loss = 0.02;
    sim.to_send[A].extend(pattern(400_000, 9));
    assert!(sim.run_until(60 * SEC, |s| s.received[B].len() > 100_000));
    // Export and import: the copy continues exactly where the original was.
    let copy = sim.c[A].clone();
    sim.c[A] = copy;
    assert!(sim.run_until(600 * SEC, |s| s.received[B].len() == 400_000));
    assert_eq!(sim.received[B], pattern(400_000, 9));
}
