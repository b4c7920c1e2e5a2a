//! TCP sequence numbers: arithmetic and comparison modulo 2^32 (RFC 9293 §3.4),
//! and the segment acceptability test of RFC 9293 §3.10.7.4.
//!
//! Sequence numbers live on a circle of 2^32 points, so `a < b` only has a
//! meaning relative to a window: here, `a` is before `b` when going forward
//! from `a` reaches `b` in fewer than 2^31 steps (the signed 32-bit difference
//! `b - a` is positive). This is exact for any two numbers that are less than
//! 2^31 apart in the unwrapped sequence space, which TCP guarantees as long as
//! windows stay below 2^30 (RFC 7323 §2.3).
//!
//! **Ambiguity at 2^31:** two numbers exactly 2^31 apart have the signed
//! difference `i32::MIN` whichever way it is taken, so each is "less than" the
//! other. Callers must never compare numbers that far apart.

use core::fmt;
use core::ops::{Add, AddAssign, Sub};

/// A TCP sequence (or acknowledgement) number. All arithmetic wraps modulo 2^32.
///
/// It deliberately does not implement `PartialOrd`/`Ord`: circular order is not
/// a total order, so comparisons are the explicit [`SeqNumber::lt`] family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SeqNumber(pub u32);

impl SeqNumber {
    /// The signed distance `self - other` in the circular space: positive if
    /// `self` is after `other`. Exact when the two are less than 2^31 apart.
    pub fn signed_distance(self, other: SeqNumber) -> i32 {
        self.0.wrapping_sub(other.0) as i32
    }

    /// The number of sequence numbers from `base` forward to `self`
    /// (`self - base` modulo 2^32), e.g. how far into a window `self` lies.
    pub fn offset_from(self, base: SeqNumber) -> usize {
        self.0.wrapping_sub(base.0) as usize
    }

    /// `self < other` modulo 2^32 (RFC 9293 §3.4).
    pub fn lt(self, other: SeqNumber) -> bool {
        self.signed_distance(other) < 0
    }

    /// `self =< other` modulo 2^32.
    pub fn le(self, other: SeqNumber) -> bool {
        self.signed_distance(other) <= 0
    }

    /// `self > other` modulo 2^32.
    pub fn gt(self, other: SeqNumber) -> bool {
        self.signed_distance(other) > 0
    }

    /// `self >= other` modulo 2^32.
    pub fn ge(self, other: SeqNumber) -> bool {
        self.signed_distance(other) >= 0
    }

    /// The later of the two, modulo 2^32.
    pub fn max(self, other: SeqNumber) -> SeqNumber {
        if self.lt(other) {
            other
        } else {
            self
        }
    }

    /// The earlier of the two, modulo 2^32.
    pub fn min(self, other: SeqNumber) -> SeqNumber {
        if self.gt(other) {
            other
        } else {
            self
        }
    }

    /// Whether `self` lies in `[start, start + len)` modulo 2^32. For `len` up
    /// to 2^31 this equals `start =< self < start + len` of RFC 9293; `len == 0`
    /// is an empty range.
    pub fn in_window(self, start: SeqNumber, len: usize) -> bool {
        self.offset_from(start) < len
    }
}

/// Advances by `rhs` sequence numbers; `rhs` is taken modulo 2^32.
impl Add<usize> for SeqNumber {
    type Output = SeqNumber;
    fn add(self, rhs: usize) -> SeqNumber {
        SeqNumber(self.0.wrapping_add(rhs as u32))
    }
}

impl AddAssign<usize> for SeqNumber {
    fn add_assign(&mut self, rhs: usize) {
        *self = *self + rhs;
    }
}

/// Goes back by `rhs` sequence numbers; `rhs` is taken modulo 2^32.
impl Sub<usize> for SeqNumber {
    type Output = SeqNumber;
    fn sub(self, rhs: usize) -> SeqNumber {
        SeqNumber(self.0.wrapping_sub(rhs as u32))
    }
}

/// Signed distance, as [`SeqNumber::signed_distance`].
impl Sub<SeqNumber> for SeqNumber {
    type Output = i32;
    fn sub(self, rhs: SeqNumber) -> i32 {
        self.signed_distance(rhs)
    }
}

impl From<u32> for SeqNumber {
    fn from(v: u32) -> Self {
        SeqNumber(v)
    }
}

impl From<SeqNumber> for u32 {
    fn from(s: SeqNumber) -> Self {
        s.0
    }
}

impl fmt::Display for SeqNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The segment acceptability test of RFC 9293 §3.10.7.4 (first check, in
/// SYN-RECEIVED and synchronized states).
///
/// `seg_len` is SEG.LEN: payload octets plus one for SYN and one for FIN.
/// `rcv_wnd` is RCV.WND in octets (after window scaling; at most 2^30).
///
/// | SEG.LEN | RCV.WND | acceptable when                                  |
/// |---------|---------|--------------------------------------------------|
/// | 0       | 0       | SEG.SEQ = RCV.NXT                                |
/// | 0       | >0      | RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND             |
/// | >0      | 0       | never                                            |
/// | >0      | >0      | RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND, or         |
/// |         |         | RCV.NXT =< SEG.SEQ+SEG.LEN-1 < RCV.NXT+RCV.WND   |
///
/// The third case means a peer probing a zero window gets an ACK in return,
/// but its data is not accepted (the caller still processes ACK/URG/RST).
pub fn segment_acceptable(
    seg_seq: SeqNumber,
    seg_len: usize,
    rcv_nxt: SeqNumber,
    rcv_wnd: usize,
) -> bool {
    match (seg_len, rcv_wnd) {
        (0, 0) => seg_seq == rcv_nxt,
        (0, _) => seg_seq.in_window(rcv_nxt, rcv_wnd),
        (_, 0) => false,
        (_, _) => {
            let last = seg_seq + (seg_len - 1);
            seg_seq.in_window(rcv_nxt, rcv_wnd) || last.in_window(rcv_nxt, rcv_wnd)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    const TOP: u32 = u32::MAX;

    #[test]
    fn addition_wraps_at_2_pow_32() {
        assert_eq!(SeqNumber(TOP) + 1, SeqNumber(0));
        assert_eq!(SeqNumber(TOP - 9) + 20, SeqNumber(10));
        let mut s = SeqNumber(TOP);
        s += 2;
        assert_eq!(s, SeqNumber(1));
    }

    #[test]
    fn subtraction_of_count_wraps_below_zero() {
        assert_eq!(SeqNumber(0) - 1, SeqNumber(TOP));
        assert_eq!(SeqNumber(5) - 10, SeqNumber(TOP - 4));
    }

    #[test]
    fn distance_across_wrap_is_small_and_signed() {
        assert_eq!(SeqNumber(10) - SeqNumber(TOP - 9), 20);
        assert_eq!(SeqNumber(TOP - 9) - SeqNumber(10), -20);
        assert_eq!(SeqNumber(10).offset_from(SeqNumber(TOP - 9)), 20);
    }

    #[test]
    fn comparisons_hold_across_wrap() {
        let before = SeqNumber(TOP - 5);
        let after = SeqNumber(3);
        assert!(before.lt(after));
        assert!(before.le(after));
        assert!(after.gt(before));
        assert!(after.ge(before));
        assert!(!after.lt(before));
        assert!(!before.gt(after));
        assert!(after.le(after) && after.ge(after));
        assert!(!after.lt(after) && !after.gt(after));
    }

    #[test]
    fn max_and_min_follow_circular_order() {
        let before = SeqNumber(TOP - 5);
        let after = SeqNumber(3);
        assert_eq!(before.max(after), after);
        assert_eq!(after.max(before), after);
        assert_eq!(before.min(after), before);
        assert_eq!(after.min(before), before);
    }

    #[test]
    fn numbers_2_pow_31_apart_are_ambiguous() {
        // Documented: each is "less than" the other.
        let a = SeqNumber(0);
        let b = SeqNumber(1 << 31);
        assert!(a.lt(b));
        assert!(b.lt(a));
        // One step closer and the order is well defined again.
        let c = SeqNumber((1 << 31) - 1);
        assert!(a.lt(c) && !c.lt(a));
    }

    #[test]
    fn zero_length_zero_window_accepts_only_rcv_nxt() {
        let nxt = SeqNumber(1000);
        assert!(segment_acceptable(nxt, 0, nxt, 0));
        assert!(!segment_acceptable(nxt + 1, 0, nxt, 0));
        assert!(!segment_acceptable(nxt - 1, 0, nxt, 0));
    }

    #[test]
    fn zero_length_open_window_accepts_seq_inside_window() {
        let nxt = SeqNumber(1000);
        assert!(segment_acceptable(nxt, 0, nxt, 100));
        assert!(segment_acceptable(nxt + 99, 0, nxt, 100));
        assert!(!segment_acceptable(nxt + 100, 0, nxt, 100));
        assert!(!segment_acceptable(nxt - 1, 0, nxt, 100));
    }

    #[test]
    fn data_into_zero_window_is_never_acceptable() {
        let nxt = SeqNumber(1000);
        assert!(!segment_acceptable(nxt, 1, nxt, 0));
        assert!(!segment_acceptable(nxt, 1460, nxt, 0));
        assert!(!segment_acceptable(nxt - 10, 20, nxt, 0));
    }

    #[test]
    fn data_into_open_window_accepts_if_first_or_last_octet_inside() {
        let nxt = SeqNumber(1000);
        // Entirely inside.
        assert!(segment_acceptable(nxt, 100, nxt, 100));
        // Starts before, ends inside (retransmission overlapping new data).
        assert!(segment_acceptable(nxt - 10, 11, nxt, 100));
        // Starts before, ends one before RCV.NXT: old duplicate.
        assert!(!segment_acceptable(nxt - 10, 10, nxt, 100));
        // Starts inside, ends beyond the window.
        assert!(segment_acceptable(nxt + 99, 50, nxt, 100));
        // Starts just beyond the window.
        assert!(!segment_acceptable(nxt + 100, 1, nxt, 100));
        // Spans the whole window but neither end is inside: RFC says no.
        assert!(!segment_acceptable(nxt - 1, 102, nxt, 100));
    }

    #[test]
    fn acceptability_holds_across_wrap() {
        let nxt = SeqNumber(TOP - 49);
        assert!(segment_acceptable(SeqNumber(20), 10, nxt, 100));
        assert!(!segment_acceptable(SeqNumber(50), 10, nxt, 100));
        assert!(segment_acceptable(SeqNumber(TOP - 59), 11, nxt, 100));
        assert!(segment_acceptable(SeqNumber(49), 0, nxt, 100));
        assert!(!segment_acceptable(SeqNumber(50), 0, nxt, 100));
    }

    /// Compares the modular operations with i64 arithmetic on unwrapped
    /// sequence numbers less than 2^31 apart.
    #[test]
    fn modular_comparisons_match_unwrapped_arithmetic() {
        let seed: u64 = rand::random();
        println!("seed {seed}");
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        const SPAN: i64 = (1 << 31) - 1;
        for _ in 0..100_000 {
            let a: i64 = rng.gen_range(0..(1i64 << 40));
            let b: i64 = a + rng.gen_range(-SPAN..=SPAN);
            let n: i64 = rng.gen_range(0..=SPAN);
            let (sa, sb) = (SeqNumber(a as u32), SeqNumber(b as u32));
            assert_eq!(sa.lt(sb), a < b, "seed {seed}: {a} < {b}");
            assert_eq!(sa.le(sb), a <= b, "seed {seed}: {a} <= {b}");
            assert_eq!(sa.gt(sb), a > b, "seed {seed}: {a} > {b}");
            assert_eq!(sa.ge(sb), a >= b, "seed {seed}: {a} >= {b}");
            assert_eq!(sa - sb, (a - b) as i32, "seed {seed}: {a} - {b}");
            assert_eq!(sa.max(sb), SeqNumber(a.max(b) as u32), "seed {seed}");
            assert_eq!(sa.min(sb), SeqNumber(a.min(b) as u32), "seed {seed}");
            assert_eq!(sa + n as usize, SeqNumber((a + n) as u32), "seed {seed}");
            assert_eq!(sa - n as usize, SeqNumber((a - n) as u32), "seed {seed}");
        }
    }
}
