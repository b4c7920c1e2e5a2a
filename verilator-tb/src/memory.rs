//! The response side of the harness's memory: read bursts waiting for their
//! R beats and write bursts waiting for their B, in the order AXI4 lets a
//! slave answer them.
//!
//! AXI4 (ARM IHI 0022, A5.3 "Transaction ordering"): responses to requests
//! with the same ID come back in request order; requests with different IDs
//! may complete in any order, and read data of different IDs may interleave
//! beat by beat (A5.3.1). With `reorder` off the queue answers strictly in
//! request order across all IDs, as a simple in-order memory does.

use crate::backpressure::Dice;

/// One burst waiting for its responses.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pending<T> {
    pub id: u8,
    /// Request order across all IDs, from 0.
    pub seq: u64,
    /// First cycle its next beat may be offered.
    pub due: u64,
    pub beats: u32,
    /// Beats already handed over.
    pub next: u32,
    pub what: T,
}

/// What a handshake moved: which burst, which beat of it, and whether it was the last
/// (read by the ordering tests; the harness needs only the fact of the handshake).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct Beat {
    pub id: u8,
    pub seq: u64,
    pub index: u32,
    pub last: bool,
}

/// Bursts awaiting responses, oldest request first.
pub(crate) struct Responses<T> {
    q: Vec<Pending<T>>,
    /// The burst whose beat is on the bus (valid high, waiting for ready).
    sel: Option<usize>,
    reorder: bool,
    seq: u64,
    /// Beats handed over while an older burst of another ID was unfinished.
    pub out_of_order: u64,
}

impl<T> Responses<T> {
    pub fn new(reorder: bool) -> Self {
        Responses {
            q: Vec::new(),
            sel: None,
            reorder,
            seq: 0,
            out_of_order: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.q.len()
    }

    pub fn is_empty(&self) -> bool {
        self.q.is_empty()
    }

    /// A new request, answerable from cycle `due`.
    pub fn push(&mut self, id: u8, due: u64, beats: u32, what: T) {
        self.q.push(Pending {
            id,
            seq: self.seq,
            due,
            beats: beats.max(1),
            next: 0,
            what,
        });
        self.seq += 1;
    }

    /// Picks the burst to offer a beat of at cycle `now`, unless one is
    /// already on the bus (it stays until its handshake). In order: the
    /// oldest burst, once due. Reordering: any ID's oldest burst that is
    /// due, chosen by `dice`.
    #[inline]
    pub fn offer(&mut self, now: u64, dice: &mut Dice) -> Option<&Pending<T>> {
        if self.sel.is_none() {
            self.sel = if self.reorder {
                // Each ID's oldest burst, if due; one of them at random. (Counted, then found
                // again by its rank: no list is built for the many cycles nothing is due.)
                let n = due_heads(&self.q, now).count();
                (n > 0).then(|| {
                    due_heads(&self.q, now)
                        .nth(dice.pick(n))
                        .expect("as many heads as counted")
                })
            } else {
                self.q.first().filter(|p| p.due <= now).map(|_| 0)
            };
        }
        self.sel.map(|k| &self.q[k])
    }

    /// The burst on the bus, if any.
    pub fn current(&self) -> Option<&Pending<T>> {
        self.sel.map(|k| &self.q[k])
    }

    /// The beat on the bus was taken: advance its burst, retire it after its
    /// last beat. `None` if no beat was on the bus.
    pub fn handshake(&mut self) -> Option<Beat> {
        let k = self.sel.take()?;
        if k > 0 {
            self.out_of_order += 1;
        }
        let p = &mut self.q[k];
        let beat = Beat {
            id: p.id,
            seq: p.seq,
            index: p.next,
            last: p.next + 1 == p.beats,
        };
        p.next += 1;
        if beat.last {
            self.q.remove(k);
        }
        Some(beat)
    }
}

/// Indices of each ID's oldest burst (in request order) that is due at `now`.
fn due_heads<T>(q: &[Pending<T>], now: u64) -> impl Iterator<Item = usize> + '_ {
    let mut seen = [false; 256];
    (0..q.len())
        .filter(move |&k| !std::mem::replace(&mut seen[q[k].id as usize], true))
        .filter(move |&k| q[k].due <= now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backpressure::{Backpressure, Channel, MemTiming};
    use std::collections::BTreeSet;

    /// Two IDs issuing 400 bursts of 1 to 16 beats over time (at most 8
    /// outstanding), answered after a random latency, taken by a master with
    /// random ready stalls; returns every beat handed over, in order, and the
    /// queue's out-of-order count.
    fn serve(seed: u64, reorder: bool) -> (Vec<Beat>, u64) {
        let bp = Backpressure::random().with_mem(MemTiming {
            reorder,
            ..Backpressure::random().mem
        });
        let mut dice = Dice::new(seed, bp);
        let mut q = Responses::new(reorder);
        let mut out = Vec::new();
        let mut issued = 0;
        for now in 0..40_000u64 {
            if issued < 400 && q.len() < 8 && dice.go(Channel::Ar) {
                let id = dice.pick(2) as u8;
                let beats = 1 + dice.pick(16) as u32;
                let due = now + dice.latency();
                q.push(id, due, beats, ());
                issued += 1;
            }
            if q.offer(now, &mut dice).is_some() && dice.go(Channel::R) {
                out.push(q.handshake().expect("a beat was offered"));
            }
        }
        assert!(
            q.is_empty(),
            "seed {seed}: {} bursts never answered",
            q.len()
        );
        (out, q.out_of_order)
    }

    /// Per ID, beats arrive burst by burst in request order, each burst's
    /// beats in order and complete.
    fn assert_same_id_order(seed: u64, beats: &[Beat]) {
        for id in 0..2u8 {
            let mine: Vec<_> = beats.iter().filter(|b| b.id == id).collect();
            assert_eq!(mine.first().map(|b| b.index), Some(0), "seed {seed}");
            for w in mine.windows(2) {
                let (a, b) = (w[0], w[1]);
                let ok = if a.last {
                    b.seq > a.seq && b.index == 0
                } else {
                    b.seq == a.seq && b.index == a.index + 1
                };
                assert!(ok, "seed {seed}: ID {id} beat {b:?} after {a:?}");
            }
            assert!(mine.last().is_some_and(|b| b.last), "seed {seed}");
        }
    }

    #[test]
    fn reordering_returns_id_1_data_before_older_id_0_data_and_keeps_same_id_order() {
        let (mut overtakes, mut interleaves) = (0, 0);
        for seed in 1..=8 {
            println!("seed {seed}");
            let (beats, ooo) = serve(seed, true);
            assert_eq!(beats.iter().filter(|b| b.last).count(), 400, "seed {seed}");
            assert_same_id_order(seed, &beats);
            assert!(ooo > 0, "seed {seed}: nothing came back out of order");
            let id0: BTreeSet<u64> = beats.iter().filter(|b| b.id == 0).map(|b| b.seq).collect();
            let mut finished = BTreeSet::new();
            for (k, b) in beats.iter().enumerate() {
                // An ID 1 beat while an ID 0 burst issued before it is unfinished.
                if b.id == 1 && id0.range(..b.seq).any(|s| !finished.contains(s)) {
                    overtakes += 1;
                }
                // A burst resumed after another burst's beat cut into it.
                if k > 0 && b.index > 0 && beats[k - 1].seq != b.seq {
                    interleaves += 1;
                }
                if b.last {
                    finished.insert(b.seq);
                }
            }
        }
        assert!(overtakes > 0, "no ID 1 beat overtook older ID 0 data");
        assert!(interleaves > 0, "no two bursts' beats interleaved");
    }

    #[test]
    fn without_reordering_every_beat_comes_in_request_order() {
        for seed in 1..=4 {
            println!("seed {seed}");
            let (beats, ooo) = serve(seed, false);
            assert_eq!(ooo, 0, "seed {seed}");
            assert_eq!(beats.first().map(|b| (b.seq, b.index)), Some((0, 0)));
            for w in beats.windows(2) {
                let (a, b) = (w[0], w[1]);
                let next = if a.last {
                    (a.seq + 1, 0)
                } else {
                    (a.seq, a.index + 1)
                };
                assert_eq!((b.seq, b.index), next, "seed {seed}");
            }
            assert_eq!(beats.iter().filter(|b| b.last).count(), 400, "seed {seed}");
        }
    }
}
