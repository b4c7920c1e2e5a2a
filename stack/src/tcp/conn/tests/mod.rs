//! Two connections joined by a simulated pipe (delay, seeded loss,
//! duplication, reordering, chosen drops) on a simulated clock.

use super::*;
use crate::tcp::rtt::{MS, SEC};
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
    test_support::seed_named(name, default)
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
        seq_number: p.snd_nxt + seq_delta as usize,
        ack_number: p.rcv_nxt,
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

mod control;
mod mechanisms;
mod recovery;
mod transfer;
