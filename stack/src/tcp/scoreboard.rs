//! The sender's SACK scoreboard (RFC 2018, loss recovery per RFC 6675's
//! rules for what is lost and what to retransmit): which bytes above
//! SND.UNA the receiver has reported holding, so retransmissions skip them.

use crate::wire::TcpSeqNumber;

/// One SACKed range `[left, right)` and when it last changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    left: TcpSeqNumber,
    right: TcpSeqNumber,
    stamp: u64,
}

/// SACKed ranges above SND.UNA, bounded in count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scoreboard {
    /// Disjoint, non-adjacent ranges, lowest first (in circular order: all
    /// of them lie within SND.UNA..SND.NXT, less than 2^31 wide).
    blocks: Vec<Block>,
    max: usize,
    clock: u64,
}

impl Scoreboard {
    /// Keeps at most `max_ranges` disjoint ranges (older information is
    /// dropped first when full: it is only an optimisation).
    pub fn new(max_ranges: usize) -> Self {
        Scoreboard {
            blocks: Vec::with_capacity(max_ranges + 1),
            max: max_ranges,
            clock: 0,
        }
    }
    /// Forgets everything (after an RTO, RFC 2018 §8: the receiver may renege).
    pub fn clear(&mut self) {
        self.blocks.clear();
    }
    /// Records SACK blocks `(left, right)` (right exclusive) from one ACK.
    /// Blocks not inside `snd_una..snd_nxt`, empty or reversed ones are
    /// ignored (RFC 2018 / RFC 6675 validity). Returns the bytes newly
    /// marked SACKed.
    pub fn on_sack(
        &mut self,
        blocks: &[(TcpSeqNumber, TcpSeqNumber)],
        snd_una: TcpSeqNumber,
        snd_nxt: TcpSeqNumber,
    ) -> u32 {
        if self.max == 0 {
            return 0;
        }
        let mut newly = 0u32;
        for &(left, right) in blocks {
            // Valid: snd_una <= left < right <= snd_nxt. Checked with
            // offsets from SND.UNA so that far-away numbers (more than 2^31
            // off) cannot pass by the ambiguity of circular comparison.
            let flight = snd_nxt.offset_from(snd_una);
            let l = left.offset_from(snd_una);
            let r = right.offset_from(snd_una);
            if flight >= 1 << 31 || l >= r || r > flight {
                continue;
            }
            newly += self.add(left, right);
        }
        newly
    }

    /// Merges `[left, right)` in; returns the bytes it newly covers.
    fn add(&mut self, left: TcpSeqNumber, right: TcpSeqNumber) -> u32 {
        self.clock += 1;
        // Blocks touching [left, right) (overlap or adjacent): [lo, hi).
        let lo = self.blocks.partition_point(|b| b.right.lt(left));
        let hi = self.blocks.partition_point(|b| b.left.le(right));
        let mut covered = 0u32;
        let mut m_left = left;
        let mut m_right = right;
        for b in &self.blocks[lo..hi.max(lo)] {
            let ol = b.left.max(left);
            let or = b.right.min(right);
            if ol.lt(or) {
                covered += or.offset_from(ol) as u32;
            }
            m_left = m_left.min(b.left);
            m_right = m_right.max(b.right);
        }
        if hi > lo {
            self.blocks.drain(lo..hi);
        }
        self.blocks.insert(
            lo,
            Block {
                left: m_left,
                right: m_right,
                stamp: self.clock,
            },
        );
        let newly = right.offset_from(left) as u32 - covered;
        if self.blocks.len() > self.max {
            // Full: forget the range that has gone longest without news.
            let (oldest, _) = self
                .blocks
                .iter()
                .enumerate()
                .min_by_key(|(_, b)| b.stamp)
                .expect("more than max >= 1 blocks");
            self.blocks.remove(oldest);
        }
        newly
    }

    /// SND.UNA advanced: drops what lies below it.
    pub fn on_ack(&mut self, snd_una: TcpSeqNumber) {
        self.blocks.retain(|b| b.right.gt(snd_una));
        if let Some(first) = self.blocks.first_mut() {
            if first.left.lt(snd_una) {
                first.left = snd_una;
            }
        }
    }
    pub fn is_sacked(&self, seq: TcpSeqNumber) -> bool {
        self.blocks
            .iter()
            .any(|b| seq.ge(b.left) && seq.lt(b.right))
    }
    /// Bytes marked SACKed.
    pub fn sacked_bytes(&self) -> u32 {
        self.blocks
            .iter()
            .map(|b| b.right.offset_from(b.left) as u32)
            .sum()
    }
    /// One past the highest SACKed byte, if any.
    pub fn highest_sacked(&self) -> Option<TcpSeqNumber> {
        self.blocks.last().map(|b| b.right)
    }
    /// The first hole at or after `from` and below the highest SACKed byte:
    /// `(start, len)` of bytes not SACKed that the receiver has evidently
    /// missed. `None` when no SACKed byte lies above `from`.
    pub fn next_hole(&self, from: TcpSeqNumber) -> Option<(TcpSeqNumber, usize)> {
        let mut cur = from;
        for b in &self.blocks {
            if b.right.le(cur) {
                continue;
            }
            if b.left.le(cur) {
                cur = b.right;
                continue;
            }
            return Some((cur, b.left.offset_from(cur)));
        }
        None
    }
    /// Ranges held, lowest first, as `(left, right)`.
    pub fn ranges(&self) -> Vec<(TcpSeqNumber, TcpSeqNumber)> {
        self.blocks.iter().map(|b| (b.left, b.right)).collect()
    }
    /// Number of ranges held.
    pub fn len(&self) -> usize {
        self.blocks.len()
    }
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn s(v: u32) -> TcpSeqNumber {
        TcpSeqNumber(v)
    }

    #[test]
    fn sack_blocks_are_merged_and_counted_once() {
        let mut sb = Scoreboard::new(8);
        let una = s(1000);
        let nxt = s(5000);
        assert_eq!(sb.on_sack(&[(s(2000), s(2500))], una, nxt), 500);
        assert_eq!(sb.on_sack(&[(s(2000), s(2500))], una, nxt), 0);
        assert_eq!(sb.on_sack(&[(s(2400), s(2600))], una, nxt), 100);
        assert_eq!(sb.on_sack(&[(s(3000), s(3100))], una, nxt), 100);
        assert_eq!(sb.ranges(), vec![(s(2000), s(2600)), (s(3000), s(3100))]);
        // Adjacent and bridging.
        assert_eq!(sb.on_sack(&[(s(2600), s(3000))], una, nxt), 400);
        assert_eq!(sb.ranges(), vec![(s(2000), s(3100))]);
        assert_eq!(sb.sacked_bytes(), 1100);
        assert_eq!(sb.highest_sacked(), Some(s(3100)));
        // A block covering several with gaps counts only the gaps.
        sb.on_sack(&[(s(4000), s(4100))], una, nxt);
        assert_eq!(
            sb.on_sack(&[(s(1500), s(4500))], una, nxt),
            3000 - 1100 - 100
        );
        assert_eq!(sb.ranges(), vec![(s(1500), s(4500))]);
    }

    #[test]
    fn invalid_blocks_are_ignored() {
        let mut sb = Scoreboard::new(8);
        let una = s(1000);
        let nxt = s(2000);
        let bad = [
            (s(900), s(1100)),  // below SND.UNA
            (s(1900), s(2100)), // beyond SND.NXT
            (s(1500), s(1500)), // empty
            (s(1600), s(1500)), // reversed
            (s(1000 + (1 << 31)), s(1100 + (1 << 31))),
        ];
        assert_eq!(sb.on_sack(&bad, una, nxt), 0);
        assert!(sb.ranges().is_empty());
        assert_eq!(sb.highest_sacked(), None);
        // Exactly at the edges is valid.
        assert_eq!(sb.on_sack(&[(s(1000), s(2000))], una, nxt), 1000);
    }

    #[test]
    fn sequence_space_wrap_is_handled() {
        let mut sb = Scoreboard::new(8);
        let una = s(u32::MAX - 1000);
        let nxt = s(2000);
        assert_eq!(sb.on_sack(&[(s(u32::MAX - 100), s(100))], una, nxt), 201);
        assert_eq!(sb.on_sack(&[(s(500), s(600))], una, nxt), 100);
        assert_eq!(
            sb.on_sack(&[(s(u32::MAX - 500), s(u32::MAX - 400))], una, nxt),
            100
        );
        assert_eq!(
            sb.ranges(),
            vec![
                (s(u32::MAX - 500), s(u32::MAX - 400)),
                (s(u32::MAX - 100), s(100)),
                (s(500), s(600))
            ]
        );
        assert!(sb.is_sacked(s(u32::MAX)));
        assert!(sb.is_sacked(s(0)));
        assert!(!sb.is_sacked(s(100)));
        assert_eq!(sb.highest_sacked(), Some(s(600)));
        assert_eq!(sb.next_hole(una), Some((una, 500)));
        assert_eq!(
            sb.next_hole(s(u32::MAX - 400)),
            Some((s(u32::MAX - 400), 300))
        );
        assert_eq!(sb.next_hole(s(u32::MAX - 50)), Some((s(100), 400)));
        assert_eq!(sb.next_hole(s(600)), None);
        sb.on_ack(s(50));
        assert_eq!(sb.ranges(), vec![(s(50), s(100)), (s(500), s(600))]);
    }

    #[test]
    fn ack_drops_and_trims_ranges_below_snd_una() {
        let mut sb = Scoreboard::new(8);
        sb.on_sack(&[(s(200), s(300)), (s(400), s(500))], s(100), s(1000));
        sb.on_ack(s(250));
        assert_eq!(sb.ranges(), vec![(s(250), s(300)), (s(400), s(500))]);
        sb.on_ack(s(300));
        assert_eq!(sb.ranges(), vec![(s(400), s(500))]);
        sb.on_ack(s(600));
        assert!(sb.ranges().is_empty());
        assert_eq!(sb.sacked_bytes(), 0);
    }

    #[test]
    fn next_hole_finds_the_gaps_below_the_highest_sack() {
        let mut sb = Scoreboard::new(8);
        sb.on_sack(&[(s(200), s(300)), (s(400), s(500))], s(100), s(1000));
        assert_eq!(sb.next_hole(s(100)), Some((s(100), 100)));
        assert_eq!(sb.next_hole(s(150)), Some((s(150), 50)));
        assert_eq!(sb.next_hole(s(200)), Some((s(300), 100)));
        assert_eq!(sb.next_hole(s(250)), Some((s(300), 100)));
        assert_eq!(sb.next_hole(s(350)), Some((s(350), 50)));
        assert_eq!(sb.next_hole(s(450)), None);
        assert_eq!(sb.next_hole(s(500)), None);
        assert_eq!(Scoreboard::new(4).next_hole(s(0)), None);
    }

    #[test]
    fn range_count_is_bounded_dropping_the_oldest() {
        let mut sb = Scoreboard::new(2);
        let (una, nxt) = (s(0), s(10_000));
        sb.on_sack(&[(s(100), s(200))], una, nxt);
        sb.on_sack(&[(s(300), s(400))], una, nxt);
        // Refresh the first: the second becomes the oldest.
        sb.on_sack(&[(s(100), s(150))], una, nxt);
        assert_eq!(sb.on_sack(&[(s(500), s(600))], una, nxt), 100);
        assert_eq!(sb.ranges(), vec![(s(100), s(200)), (s(500), s(600))]);
        assert_eq!(sb.len(), 2);
        // A full scoreboard absorbs overlapping news without dropping.
        sb.on_sack(&[(s(150), s(500))], una, nxt);
        assert_eq!(sb.ranges(), vec![(s(100), s(600))]);
        let mut none = Scoreboard::new(0);
        assert_eq!(none.on_sack(&[(s(1), s(2))], una, nxt), 0);
        assert!(none.is_empty());
    }

    #[test]
    fn clear_forgets_everything() {
        let mut sb = Scoreboard::new(4);
        sb.on_sack(&[(s(10), s(20))], s(0), s(100));
        sb.clear();
        assert_eq!(sb.sacked_bytes(), 0);
        assert!(!sb.is_sacked(s(15)));
        assert_eq!(sb.next_hole(s(0)), None);
    }

    #[test]
    fn scoreboard_matches_reference_model_on_random_sacks() {
        let base = test_support::seed(0x5c0_4eb);
        for round in 0..200u64 {
            let mut rng = ChaCha8Rng::seed_from_u64(base.wrapping_add(round));
            // Starting near the wrap in half the rounds.
            let isn: u32 = if round % 2 == 0 {
                u32::MAX - rng.gen_range(0..3000)
            } else {
                rng.gen()
            };
            let flight = 4000usize;
            let mut una_off = 0usize; // offset of SND.UNA from isn
            let mut model = vec![false; flight * 4];
            let mut sb = Scoreboard::new(1000); // no eviction in this model
            for step in 0..200 {
                let ctx = format!("seed {base} round {round} step {step}");
                let una = s(isn) + una_off;
                let nxt = una + flight;
                if rng.gen_bool(0.8) {
                    let n = rng.gen_range(0..4);
                    let mut blocks = Vec::new();
                    let mut want = 0u32;
                    for _ in 0..n {
                        let l = rng.gen_range(0..flight + 200) as i64 - 100;
                        let len = rng.gen_range(0..300) as i64 - 20;
                        let r = l + len;
                        blocks.push((una + l as usize, una + r as usize));
                        let valid = l >= 0 && r > l && r as usize <= flight;
                        if valid {
                            for o in l as usize..r as usize {
                                if !model[una_off + o] {
                                    model[una_off + o] = true;
                                    want += 1;
                                }
                            }
                        }
                    }
                    assert_eq!(sb.on_sack(&blocks, una, nxt), want, "{ctx}: {blocks:?}");
                } else {
                    let adv = rng.gen_range(0..500);
                    if una_off + adv + flight >= model.len() {
                        continue;
                    }
                    una_off += adv;
                    sb.on_ack(s(isn) + una_off);
                }
                let una = s(isn) + una_off;
                // Compare every byte in flight, the totals and the holes.
                let mut bytes = 0;
                let mut highest = None;
                for o in 0..flight {
                    let sacked = model[una_off + o];
                    assert_eq!(sb.is_sacked(una + o), sacked, "{ctx}: offset {o}");
                    if sacked {
                        bytes += 1;
                        highest = Some(una + o + 1);
                    }
                }
                assert_eq!(sb.sacked_bytes(), bytes, "{ctx}");
                assert_eq!(sb.highest_sacked(), highest, "{ctx}");
                let from_off = rng.gen_range(0..flight);
                let want_hole = {
                    let mut o = from_off;
                    while o < flight && model[una_off + o] {
                        o += 1;
                    }
                    let start = o;
                    while o < flight && !model[una_off + o] {
                        o += 1;
                    }
                    if o < flight {
                        Some((una + start, o - start))
                    } else {
                        None
                    }
                };
                assert_eq!(sb.next_hole(una + from_off), want_hole, "{ctx}");
                let ranges = sb.ranges();
                for w in ranges.windows(2) {
                    assert!(w[0].1.lt(w[1].0), "{ctx}: not disjoint {ranges:?}");
                }
            }
        }
    }
}
