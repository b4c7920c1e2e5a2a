//! The byte buffers behind a connection.
//!
//! - [`SendBuffer`]: bytes the application queued that the peer has not yet
//!   acknowledged. Offset 0 is SND.UNA.
//! - [`RecvBuffer`]: bytes received in order and not yet read by the
//!   application, plus a bounded set of out-of-order ranges held for
//!   reassembly. Offset 0 is RCV.NXT; the SACK blocks a receiver reports
//!   (RFC 2018) come from the out-of-order ranges.
//!
//! Both are fixed-capacity rings allocated once, on their first byte (a
//! connection that never carries data, such as a half-open one a SYN flood
//! left behind, holds no ring); nothing here grows with what the peer sends.

/// Copies `src` into the ring `buf` starting at ring position `pos`
/// (wrapping at the end). `src.len()` must not exceed `buf.len()`.
fn ring_write(buf: &mut [u8], pos: usize, src: &[u8]) {
    debug_assert!(src.len() <= buf.len());
    if src.is_empty() {
        return;
    }
    let cap = buf.len();
    let pos = pos % cap;
    let first = src.len().min(cap - pos);
    buf[pos..pos + first].copy_from_slice(&src[..first]);
    let rest = src.len() - first;
    buf[..rest].copy_from_slice(&src[first..]);
}

/// Copies from the ring `buf` starting at ring position `pos` into `dst`
/// (wrapping at the end). `dst.len()` must not exceed `buf.len()`.
fn ring_read(buf: &[u8], pos: usize, dst: &mut [u8]) {
    debug_assert!(dst.len() <= buf.len());
    if dst.is_empty() {
        return;
    }
    let cap = buf.len();
    let pos = pos % cap;
    let first = dst.len().min(cap - pos);
    dst[..first].copy_from_slice(&buf[pos..pos + first]);
    let rest = dst.len() - first;
    dst[first..].copy_from_slice(&buf[..rest]);
}

/// Bytes queued for sending, from SND.UNA onwards.
#[derive(Debug, Clone)]
pub struct SendBuffer {
    /// The ring: empty until the first byte is pushed, then `cap` bytes.
    buf: Vec<u8>,
    cap: usize,
    /// Ring position of SND.UNA (offset 0).
    head: usize,
    len: usize,
}

impl SendBuffer {
    /// An empty buffer holding at most `capacity` bytes.
    pub fn new(capacity: usize) -> Self {
        SendBuffer {
            buf: Vec::new(),
            cap: capacity,
            head: 0,
            len: 0,
        }
    }
    pub fn capacity(&self) -> usize {
        self.cap
    }
    /// Bytes held (sent-but-unacknowledged plus not yet sent).
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Room for more bytes.
    pub fn free(&self) -> usize {
        self.capacity() - self.len()
    }
    /// Appends as much of `data` as fits; returns how many bytes were taken.
    pub fn push(&mut self, data: &[u8]) -> usize {
        let n = data.len().min(self.free());
        if n == 0 {
            return 0;
        }
        if self.buf.is_empty() {
            self.buf = vec![0; self.cap];
        }
        let pos = (self.head + self.len) % self.buf.len();
        ring_write(&mut self.buf, pos, &data[..n]);
        self.len += n;
        n
    }
    /// Copies the bytes at `offset..offset + dst.len()` (clipped to what is
    /// held) into `dst`; returns how many were copied.
    pub fn copy_out(&self, offset: usize, dst: &mut [u8]) -> usize {
        if offset >= self.len {
            return 0;
        }
        let n = dst.len().min(self.len - offset);
        ring_read(&self.buf, self.head + offset, &mut dst[..n]);
        n
    }
    /// The bytes at `offset..offset + len` (clipped to what is held) as
    /// one or two slices: the second is non-empty only where the range
    /// wraps around the ring.
    pub fn slices(&self, offset: usize, len: usize) -> (&[u8], &[u8]) {
        if offset >= self.len {
            return (&[], &[]);
        }
        let n = len.min(self.len - offset);
        let cap = self.buf.len();
        let pos = (self.head + offset) % cap;
        let first = n.min(cap - pos);
        (&self.buf[pos..pos + first], &self.buf[..n - first])
    }
    /// Appends the bytes at `offset..offset + len` (clipped to what is
    /// held) to `dst`, without zero-filling first; returns how many were
    /// appended.
    pub fn append_out(&self, offset: usize, len: usize, dst: &mut Vec<u8>) -> usize {
        if offset >= self.len {
            return 0;
        }
        let n = len.min(self.len - offset);
        if n == 0 {
            return 0;
        }
        dst.reserve(n);
        let cap = self.buf.len();
        let pos = (self.head + offset) % cap;
        let first = n.min(cap - pos);
        dst.extend_from_slice(&self.buf[pos..pos + first]);
        dst.extend_from_slice(&self.buf[..n - first]);
        n
    }
    /// Drops `n` bytes from the front (they were acknowledged); `n` is
    /// clipped to `len()`.
    pub fn ack(&mut self, n: usize) {
        let n = n.min(self.len);
        if n == 0 {
            return;
        }
        self.len -= n;
        self.head = if self.len == 0 {
            // Empty: restart at the beginning so later writes stay contiguous.
            0
        } else {
            (self.head + n) % self.buf.len()
        };
    }
}

/// What [`RecvBuffer::insert`] did with a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Inserted {
    /// How far RCV.NXT advanced: the in-order bytes this range completed,
    /// including out-of-order ranges it joined up with.
    pub advanced: usize,
    /// Bytes of the range that lay beyond the window and were cut.
    pub beyond_window: usize,
    /// The range was out of order and could not be held because the
    /// out-of-order range limit was reached (it is dropped; the sender
    /// retransmits it).
    pub dropped_ooo: bool,
}

/// One out-of-order range held, in offsets past RCV.NXT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OooRange {
    start: usize,
    end: usize,
    /// When the range last received data (a counter): the SACK order.
    stamp: u64,
}

/// Received bytes: the in-order part the application has not read, then the
/// window, in which out-of-order ranges are held.
#[derive(Debug, Clone)]
pub struct RecvBuffer {
    /// The ring: empty until the first byte arrives, then `cap` bytes.
    buf: Vec<u8>,
    cap: usize,
    /// Ring position of the first readable byte.
    head: usize,
    /// In-order bytes not yet read; RCV.NXT is at ring position
    /// `head + readable`.
    readable: usize,
    /// Out-of-order ranges, sorted by start, disjoint and not adjacent,
    /// every start > 0. At most `max_ooo` entries (the Vec is allocated
    /// once with that capacity).
    ooo: Vec<OooRange>,
    max_ooo: usize,
    /// Recency counter for [`OooRange::stamp`].
    clock: u64,
}

impl RecvBuffer {
    /// A buffer of `capacity` bytes holding at most `max_ooo_ranges`
    /// disjoint out-of-order ranges.
    pub fn new(capacity: usize, max_ooo_ranges: usize) -> Self {
        RecvBuffer {
            buf: Vec::new(),
            cap: capacity,
            head: 0,
            readable: 0,
            ooo: Vec::with_capacity(max_ooo_ranges),
            max_ooo: max_ooo_ranges,
            clock: 0,
        }
    }
    pub fn capacity(&self) -> usize {
        self.cap
    }
    /// In-order bytes waiting for the application.
    pub fn readable(&self) -> usize {
        self.readable
    }
    /// The receive window: bytes past RCV.NXT that can still be accepted
    /// (`capacity - readable`).
    pub fn window(&self) -> usize {
        self.capacity() - self.readable()
    }
    /// Places `data`, which starts `offset` bytes past RCV.NXT, in the
    /// buffer. Bytes beyond the window are cut; overlaps with ranges already
    /// held are fine (the bytes are the same, TCP guarantees it).
    pub fn insert(&mut self, offset: usize, data: &[u8]) -> Inserted {
        let mut out = Inserted::default();
        let window = self.window();
        if offset >= window {
            out.beyond_window = data.len();
            return out;
        }
        let take = data.len().min(window - offset);
        out.beyond_window = data.len() - take;
        if take == 0 {
            return out;
        }
        let start = offset;
        let end = offset + take;

        // Ranges touching [start, end) (overlapping or adjacent) merge with it.
        // `ooo` is sorted and disjoint, so they form one run [lo, hi).
        let lo = self.ooo.partition_point(|r| r.end < start);
        let hi = self.ooo.partition_point(|r| r.start <= end);
        let touching = hi.saturating_sub(lo);
        if start > 0 && touching == 0 && self.ooo.len() >= self.max_ooo {
            out.dropped_ooo = true;
            return out;
        }

        if self.buf.is_empty() {
            self.buf = vec![0; self.cap];
        }
        let pos = (self.head + self.readable + start) % self.buf.len();
        ring_write(&mut self.buf, pos, &data[..take]);

        let mut m_start = start;
        let mut m_end = end;
        if touching > 0 {
            m_start = m_start.min(self.ooo[lo].start);
            m_end = m_end.max(self.ooo[hi - 1].end);
            self.ooo.drain(lo..hi);
        }
        self.clock += 1;
        if m_start == 0 {
            // In order: RCV.NXT moves over the merged run; the remaining
            // ranges (all beyond m_end) shift down.
            self.readable += m_end;
            out.advanced = m_end;
            for r in &mut self.ooo {
                r.start -= m_end;
                r.end -= m_end;
            }
        } else {
            self.ooo.insert(
                lo,
                OooRange {
                    start: m_start,
                    end: m_end,
                    stamp: self.clock,
                },
            );
        }
        out
    }
    /// The first contiguous run of readable bytes (the ring may hold the
    /// rest after a wrap: call again after [`consume`](Self::consume)).
    pub fn peek(&self) -> &[u8] {
        if self.readable == 0 {
            return &[];
        }
        let end = (self.head + self.readable).min(self.buf.len());
        &self.buf[self.head..end]
    }
    /// Marks `n` readable bytes read (clipped to `readable()`).
    pub fn consume(&mut self, n: usize) {
        let n = n.min(self.readable);
        if n == 0 {
            return;
        }
        self.readable -= n;
        // RCV.NXT keeps its ring position (out-of-order data lies behind it).
        self.head = (self.head + n) % self.buf.len();
    }
    /// Copies readable bytes into `dst` and consumes them; returns the count.
    pub fn read(&mut self, dst: &mut [u8]) -> usize {
        let n = dst.len().min(self.readable);
        if n == 0 {
            return 0;
        }
        ring_read(&self.buf, self.head, &mut dst[..n]);
        self.consume(n);
        n
    }
    /// Out-of-order ranges held, as `(start, end)` offsets past RCV.NXT
    /// (end exclusive), the most recently changed first (RFC 2018 §4: the
    /// first SACK block reports the most recent arrival). At most `max`.
    pub fn sack_ranges(&self, max: usize) -> Vec<(usize, usize)> {
        let mut v: Vec<&OooRange> = self.ooo.iter().collect();
        v.sort_unstable_by_key(|r| std::cmp::Reverse(r.stamp));
        v.into_iter().take(max).map(|r| (r.start, r.end)).collect()
    }
    /// Number of out-of-order ranges held.
    pub fn ooo_ranges(&self) -> usize {
        self.ooo.len()
    }
    /// Bytes held out of order.
    pub fn ooo_bytes(&self) -> usize {
        self.ooo.iter().map(|r| r.end - r.start).sum()
    }
    /// Out-of-order ranges held, lowest first, as `(start, end)` offsets past
    /// RCV.NXT.
    pub fn ooo_ranges_sorted(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.ooo.iter().map(|r| (r.start, r.end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The byte of an endless test stream at absolute position `p`.
    fn byte_at(p: usize) -> u8 {
        (p.wrapping_mul(31) ^ (p >> 8)) as u8
    }
    fn stream(from: usize, len: usize) -> Vec<u8> {
        (from..from + len).map(byte_at).collect()
    }

    #[test]
    fn send_buffer_push_is_clipped_to_capacity() {
        let mut b = SendBuffer::new(10);
        assert_eq!(b.push(&[1; 6]), 6);
        assert_eq!(b.push(&[2; 6]), 4);
        assert_eq!(b.push(&[3]), 0);
        assert_eq!(b.len(), 10);
        assert_eq!(b.free(), 0);
        let mut d = [0; 12];
        assert_eq!(b.copy_out(0, &mut d), 10);
        assert_eq!(&d[..10], &[1, 1, 1, 1, 1, 1, 2, 2, 2, 2]);
    }

    #[test]
    fn send_buffer_wraps_around_the_ring() {
        let mut b = SendBuffer::new(8);
        assert_eq!(b.push(&[0, 1, 2, 3, 4, 5]), 6);
        b.ack(5);
        assert_eq!(b.len(), 1);
        assert_eq!(b.push(&[6, 7, 8, 9, 10, 11, 12]), 7);
        assert_eq!(b.len(), 8);
        let mut d = [0; 8];
        assert_eq!(b.copy_out(0, &mut d), 8);
        assert_eq!(d, [5, 6, 7, 8, 9, 10, 11, 12]);
        let mut d = [0; 3];
        assert_eq!(b.copy_out(2, &mut d), 3);
        assert_eq!(d, [7, 8, 9]);
        // Offsets past the end copy nothing; clipped near the end.
        assert_eq!(b.copy_out(8, &mut d), 0);
        assert_eq!(b.copy_out(7, &mut d), 1);
        assert_eq!(d[0], 12);
    }

    #[test]
    fn send_buffer_ack_is_clipped_to_len() {
        let mut b = SendBuffer::new(4);
        b.push(&[1, 2]);
        b.ack(10);
        assert!(b.is_empty());
        assert_eq!(b.free(), 4);
        assert_eq!(b.push(&[9, 8, 7, 6]), 4);
    }

    #[test]
    fn rings_are_allocated_on_the_first_byte_only() {
        let mut s = SendBuffer::new(1 << 20);
        let mut r = RecvBuffer::new(1 << 20, 4);
        assert_eq!((s.buf.capacity(), r.buf.capacity()), (0, 0));
        // Nothing held: reads, acks, peeks and empty inserts allocate nothing.
        s.ack(5);
        assert_eq!(s.slices(0, 10), (&[][..], &[][..]));
        assert_eq!(r.insert(0, &[]), Inserted::default());
        assert!(r.peek().is_empty());
        r.consume(3);
        assert_eq!((s.buf.capacity(), r.buf.capacity()), (0, 0));
        assert_eq!(
            (s.capacity(), s.free(), r.capacity(), r.window()),
            (1 << 20, 1 << 20, 1 << 20, 1 << 20)
        );
        assert_eq!(s.push(&[1, 2, 3]), 3);
        assert_eq!(r.insert(1, &[5, 6]).advanced, 0);
        assert_eq!((s.buf.len(), r.buf.len()), (1 << 20, 1 << 20));
    }

    #[test]
    fn zero_capacity_buffers_take_nothing() {
        let mut s = SendBuffer::new(0);
        assert_eq!(s.push(&[1, 2]), 0);
        assert_eq!(s.copy_out(0, &mut [0; 2]), 0);
        s.ack(1);
        let mut r = RecvBuffer::new(0, 4);
        let ins = r.insert(0, &[1, 2]);
        assert_eq!(ins.beyond_window, 2);
        assert_eq!(ins.advanced, 0);
        assert_eq!(r.read(&mut [0; 2]), 0);
        assert!(r.peek().is_empty());
    }

    #[test]
    fn in_order_insert_advances_and_reads_back() {
        let mut r = RecvBuffer::new(16, 4);
        let ins = r.insert(0, b"hello");
        assert_eq!(
            ins,
            Inserted {
                advanced: 5,
                beyond_window: 0,
                dropped_ooo: false
            }
        );
        assert_eq!(r.readable(), 5);
        assert_eq!(r.window(), 11);
        assert_eq!(r.peek(), b"hello");
        let mut d = [0; 3];
        assert_eq!(r.read(&mut d), 3);
        assert_eq!(&d, b"hel");
        assert_eq!(r.peek(), b"lo");
        assert_eq!(r.window(), 14);
    }

    #[test]
    fn receive_ring_wraps_and_peek_returns_the_first_run() {
        let mut r = RecvBuffer::new(8, 4);
        r.insert(0, &stream(0, 6));
        r.consume(6);
        // RCV.NXT now at ring position 6: 5 bytes wrap around.
        let ins = r.insert(0, &stream(6, 5));
        assert_eq!(ins.advanced, 5);
        assert_eq!(r.peek(), &stream(6, 2)[..]);
        r.consume(2);
        assert_eq!(r.peek(), &stream(8, 3)[..]);
        let mut d = [0; 8];
        // A wrapped read in one call.
        let mut r2 = RecvBuffer::new(8, 4);
        r2.insert(0, &stream(0, 7));
        r2.consume(7);
        r2.insert(0, &stream(7, 6));
        assert_eq!(r2.read(&mut d), 6);
        assert_eq!(&d[..6], &stream(7, 6)[..]);
    }

    #[test]
    fn data_beyond_the_window_is_cut() {
        let mut r = RecvBuffer::new(10, 4);
        r.insert(0, &stream(0, 4)); // window now 6
        let ins = r.insert(0, &stream(4, 9));
        assert_eq!(ins.advanced, 6);
        assert_eq!(ins.beyond_window, 3);
        assert_eq!(r.window(), 0);
        // Entirely beyond (also into a zero window).
        let ins = r.insert(0, &stream(10, 2));
        assert_eq!(ins.beyond_window, 2);
        assert_eq!(ins.advanced, 0);
        r.consume(3);
        let ins = r.insert(5, &stream(15, 4));
        assert_eq!(ins.beyond_window, 4);
        assert_eq!(r.ooo_ranges(), 0);
        // Out of order, partly cut.
        let ins = r.insert(1, &stream(11, 4));
        assert_eq!(ins.beyond_window, 2);
        assert_eq!(r.sack_ranges(4), vec![(1, 3)]);
    }

    #[test]
    fn out_of_order_ranges_merge_and_fill_the_gap() {
        let mut r = RecvBuffer::new(100, 4);
        assert_eq!(r.insert(10, &stream(10, 5)).advanced, 0);
        assert_eq!(r.insert(20, &stream(20, 5)).advanced, 0);
        assert_eq!(r.ooo_ranges(), 2);
        assert_eq!(r.ooo_bytes(), 10);
        // Adjacent on the left of [20,25) merges.
        r.insert(15, &stream(15, 2));
        assert_eq!(r.ooo_ranges(), 2);
        // Bridging [10,17) and [20,25).
        r.insert(16, &stream(16, 5));
        assert_eq!(r.ooo_ranges(), 1);
        assert_eq!(r.sack_ranges(4), vec![(10, 25)]);
        assert_eq!(r.ooo_bytes(), 15);
        // The gap fills: RCV.NXT jumps over the joined range.
        let ins = r.insert(0, &stream(0, 10));
        assert_eq!(ins.advanced, 25);
        assert_eq!(r.readable(), 25);
        assert_eq!(r.ooo_ranges(), 0);
        let mut d = [0; 25];
        assert_eq!(r.read(&mut d), 25);
        assert_eq!(&d[..], &stream(0, 25)[..]);
    }

    #[test]
    fn remaining_ranges_shift_when_rcv_nxt_advances() {
        let mut r = RecvBuffer::new(100, 4);
        r.insert(10, &stream(10, 5));
        r.insert(30, &stream(30, 5));
        let ins = r.insert(0, &stream(0, 12));
        assert_eq!(ins.advanced, 15);
        assert_eq!(r.sack_ranges(4), vec![(15, 20)]);
    }

    #[test]
    fn duplicates_and_overlaps_change_nothing_but_recency() {
        let mut r = RecvBuffer::new(100, 4);
        r.insert(10, &stream(10, 10));
        r.insert(40, &stream(40, 10));
        assert_eq!(r.sack_ranges(4), vec![(40, 50), (10, 20)]);
        // Duplicate inside [10,20): it is now the most recent.
        let ins = r.insert(12, &stream(12, 3));
        assert_eq!(ins, Inserted::default());
        assert_eq!(r.sack_ranges(4), vec![(10, 20), (40, 50)]);
        assert_eq!(r.ooo_bytes(), 20);
        // Overlap extending both sides.
        r.insert(35, &stream(35, 20));
        assert_eq!(r.sack_ranges(4), vec![(35, 55), (10, 20)]);
        // Already-read data overlapping RCV.NXT is the caller's to trim, but
        // an in-order duplicate of data in the window is harmless.
        r.insert(0, &stream(0, 5));
        assert_eq!(r.readable(), 5);
        assert_eq!(r.sack_ranges(4), vec![(30, 50), (5, 15)]);
    }

    #[test]
    fn sack_blocks_list_most_recent_first() {
        let mut r = RecvBuffer::new(1000, 8);
        r.insert(100, &stream(100, 10));
        r.insert(300, &stream(300, 10));
        r.insert(200, &stream(200, 10));
        assert_eq!(r.sack_ranges(8), vec![(200, 210), (300, 310), (100, 110)]);
        assert_eq!(r.sack_ranges(2), vec![(200, 210), (300, 310)]);
        // Extending the oldest makes it first.
        r.insert(110, &stream(110, 5));
        assert_eq!(r.sack_ranges(3), vec![(100, 115), (200, 210), (300, 310)]);
        assert_eq!(r.sack_ranges(0), vec![]);
    }

    #[test]
    fn ranges_beyond_the_limit_are_dropped_but_merges_still_work() {
        let mut r = RecvBuffer::new(1000, 2);
        assert!(!r.insert(10, &stream(10, 5)).dropped_ooo);
        assert!(!r.insert(30, &stream(30, 5)).dropped_ooo);
        let ins = r.insert(50, &stream(50, 5));
        assert!(ins.dropped_ooo);
        assert_eq!(ins.advanced, 0);
        assert_eq!(r.ooo_ranges(), 2);
        assert_eq!(r.ooo_bytes(), 10);
        // Touching an existing range is still accepted.
        assert!(!r.insert(35, &stream(35, 5)).dropped_ooo);
        assert_eq!(r.ooo_bytes(), 15);
        // In-order data is never refused.
        let ins = r.insert(0, &stream(0, 10));
        assert!(!ins.dropped_ooo);
        assert_eq!(ins.advanced, 15);
        // Now there is room again.
        assert!(!r.insert(40, &stream(55, 5)).dropped_ooo);
        assert_eq!(r.ooo_ranges(), 2);
    }

    #[test]
    fn zero_range_limit_refuses_every_out_of_order_segment() {
        let mut r = RecvBuffer::new(100, 0);
        assert!(r.insert(1, &[1]).dropped_ooo);
        assert_eq!(r.insert(0, &[1]).advanced, 1);
    }

    #[test]
    fn empty_insert_changes_nothing() {
        let mut r = RecvBuffer::new(10, 2);
        assert_eq!(r.insert(3, &[]), Inserted::default());
        assert_eq!(r.ooo_ranges(), 0);
        assert_eq!(r.insert(0, &[]), Inserted::default());
        assert_eq!(r.readable(), 0);
    }

    /// A reference model: the window as a Vec<Option<u8>>, RCV.NXT and the
    /// read position in absolute stream offsets.
    struct Model {
        cap: usize,
        max_ooo: usize,
        /// Absolute offset of the first unread byte.
        read_pos: usize,
        /// Absolute RCV.NXT.
        rcv_nxt: usize,
        /// The window, from RCV.NXT.
        window: Vec<Option<u8>>,
    }

    impl Model {
        fn ranges(win: &[Option<u8>]) -> Vec<(usize, usize)> {
            let mut v = Vec::new();
            let mut i = 0;
            while i < win.len() {
                if win[i].is_some() {
                    let s = i;
                    while i < win.len() && win[i].is_some() {
                        i += 1;
                    }
                    v.push((s, i));
                } else {
                    i += 1;
                }
            }
            v
        }
        fn wnd(&self) -> usize {
            self.cap - (self.rcv_nxt - self.read_pos)
        }
        fn insert(&mut self, offset: usize, data: &[u8]) -> Inserted {
            let mut out = Inserted::default();
            let wnd = self.wnd();
            let take = if offset >= wnd {
                0
            } else {
                data.len().min(wnd - offset)
            };
            out.beyond_window = data.len() - take;
            if take == 0 {
                return out;
            }
            let mut win = self.window.clone();
            win.resize(wnd, None);
            for i in 0..take {
                win[offset + i] = Some(data[i]);
            }
            let adv = win.iter().take_while(|b| b.is_some()).count();
            let after = Self::ranges(&win[adv..]);
            if after.len() > self.max_ooo {
                out.dropped_ooo = true;
                return out;
            }
            win.drain(..adv);
            self.window = win;
            self.rcv_nxt += adv;
            out.advanced = adv;
            out
        }
        fn consume(&mut self, n: usize) -> usize {
            let n = n.min(self.rcv_nxt - self.read_pos);
            self.read_pos += n;
            n
        }
    }

    #[test]
    fn recv_buffer_matches_reference_model_on_random_inserts() {
        let base = test_support::seed(0x5eed_0001);
        for round in 0..300u64 {
            let mut rng = ChaCha8Rng::seed_from_u64(base.wrapping_add(round));
            let cap = rng.gen_range(1..200);
            let max_ooo = rng.gen_range(0..6);
            let mut buf = RecvBuffer::new(cap, max_ooo);
            let ooo_cap = buf.ooo.capacity();
            let mut m = Model {
                cap,
                max_ooo,
                read_pos: 0,
                rcv_nxt: 0,
                window: Vec::new(),
            };
            let mut last_ooo: Option<usize> = None;
            for step in 0..400 {
                let ctx = format!("seed {} round {round} step {step}", base);
                if rng.gen_bool(0.7) {
                    let off = rng.gen_range(0..cap + 20);
                    let len = rng.gen_range(0..cap.min(60) + 10);
                    let data = stream(m.rcv_nxt + off, len);
                    let want = m.insert(off, &data);
                    let got = buf.insert(off, &data);
                    assert_eq!(got, want, "{ctx}: insert({off}, {len})");
                    if want.advanced == 0 && !want.dropped_ooo && len > want.beyond_window {
                        last_ooo = Some(off);
                    } else if want.advanced > 0 {
                        last_ooo = None;
                    }
                } else {
                    let n = rng.gen_range(0..cap + 5);
                    let mut d = vec![0; n];
                    let expect_n = m.consume(n);
                    let start = m.read_pos - expect_n;
                    if rng.gen_bool(0.5) {
                        assert_eq!(buf.read(&mut d), expect_n, "{ctx}: read");
                        assert_eq!(&d[..expect_n], &stream(start, expect_n)[..], "{ctx}");
                    } else {
                        let p = buf.peek();
                        let readable_before = m.rcv_nxt - start;
                        assert!(p.len() <= readable_before, "{ctx}: peek too long");
                        assert_eq!(p.is_empty(), readable_before == 0, "{ctx}: peek empty");
                        let k = p.len().min(expect_n);
                        assert_eq!(p[..k], stream(start, k)[..], "{ctx}: peek");
                        buf.consume(expect_n);
                    }
                }
                assert_eq!(buf.readable(), m.rcv_nxt - m.read_pos, "{ctx}");
                assert_eq!(buf.window(), m.wnd(), "{ctx}");
                let want_ranges = Model::ranges(&m.window);
                let got: Vec<_> = buf.ooo_ranges_sorted().collect();
                assert_eq!(got, want_ranges, "{ctx}: ranges");
                assert_eq!(
                    buf.ooo_bytes(),
                    want_ranges.iter().map(|r| r.1 - r.0).sum::<usize>(),
                    "{ctx}"
                );
                let sack = buf.sack_ranges(usize::MAX);
                assert_eq!(sack.len(), want_ranges.len(), "{ctx}");
                if let Some(off) = last_ooo {
                    // RFC 2018 §4: the first block holds the latest arrival.
                    let first = sack[0];
                    assert!(first.0 <= off && off < first.1, "{ctx}: {sack:?} {off}");
                }
                // Held bytes are the stream's bytes.
                let mut d = vec![0; buf.readable()];
                let mut probe = buf.clone();
                probe.read(&mut d);
                assert_eq!(d, stream(m.read_pos, d.len()), "{ctx}: content");
                // The range list never reallocates.
                assert_eq!(buf.ooo.capacity(), ooo_cap, "{ctx}");
                assert!(buf.ooo_ranges() <= max_ooo, "{ctx}");
            }
        }
    }

    #[test]
    fn send_buffer_matches_reference_model() {
        let base = test_support::seed(0x5eed_0002);
        let mut rng = ChaCha8Rng::seed_from_u64(base);
        for _ in 0..200 {
            let cap = rng.gen_range(1..100);
            let mut b = SendBuffer::new(cap);
            let mut model: std::collections::VecDeque<u8> = Default::default();
            let mut next = 0usize;
            for _ in 0..300 {
                match rng.gen_range(0..3) {
                    0 => {
                        let len = rng.gen_range(0..cap + 10);
                        let data = stream(next, len);
                        let n = b.push(&data);
                        assert_eq!(n, len.min(cap - model.len()), "seed {base}");
                        model.extend(&data[..n]);
                        next += n;
                    }
                    1 => {
                        let n = rng.gen_range(0..cap + 5);
                        b.ack(n);
                        for _ in 0..n.min(model.len()) {
                            model.pop_front();
                        }
                    }
                    _ => {
                        let off = rng.gen_range(0..cap + 5);
                        let mut d = vec![0; rng.gen_range(0..cap + 5)];
                        let n = b.copy_out(off, &mut d);
                        let want: Vec<u8> = model.iter().skip(off).take(d.len()).copied().collect();
                        assert_eq!(&d[..n], &want[..], "seed {base}");
                        // Appending gives the same bytes after what `dst`
                        // already held.
                        let (x, y) = b.slices(off, d.len());
                        assert_eq!([x, y].concat(), want, "seed {base}");
                        let mut v = vec![0xee];
                        assert_eq!(b.append_out(off, d.len(), &mut v), n, "seed {base}");
                        assert_eq!(v[0], 0xee);
                        assert_eq!(&v[1..], &want[..], "seed {base}");
                    }
                }
                assert_eq!(b.len(), model.len());
            }
        }
    }
}
