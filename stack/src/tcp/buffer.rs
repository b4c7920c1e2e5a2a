//! The byte buffers behind a connection.
//!
//! - [`SendBuffer`]: bytes the application queued that the peer has not yet
//!   acknowledged. Offset 0 is SND.UNA.
//! - [`RecvBuffer`]: bytes received in order and not yet read by the
//!   application, plus a bounded set of out-of-order ranges held for
//!   reassembly. Offset 0 is RCV.NXT; the SACK blocks a receiver reports
//!   (RFC 2018) come from the out-of-order ranges.
//!
//! Both are fixed-capacity rings allocated once; nothing here grows with
//! what the peer sends.

/// Bytes queued for sending, from SND.UNA onwards.
#[derive(Debug, Clone)]
pub struct SendBuffer {
    _todo: (),
}

impl SendBuffer {
    /// An empty buffer holding at most `capacity` bytes.
    pub fn new(capacity: usize) -> Self {
        let _ = capacity;
        todo!()
    }
    pub fn capacity(&self) -> usize {
        todo!()
    }
    /// Bytes held (sent-but-unacknowledged plus not yet sent).
    pub fn len(&self) -> usize {
        todo!()
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
        let _ = data;
        todo!()
    }
    /// Copies the bytes at `offset..offset + dst.len()` (clipped to what is
    /// held) into `dst`; returns how many were copied.
    pub fn copy_out(&self, offset: usize, dst: &mut [u8]) -> usize {
        let _ = (offset, dst);
        todo!()
    }
    /// Drops `n` bytes from the front (they were acknowledged); `n` is
    /// clipped to `len()`.
    pub fn ack(&mut self, n: usize) {
        let _ = n;
        todo!()
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

/// Received bytes: the in-order part the application has not read, then the
/// window, in which out-of-order ranges are held.
#[derive(Debug, Clone)]
pub struct RecvBuffer {
    _todo: (),
}

impl RecvBuffer {
    /// A buffer of `capacity` bytes holding at most `max_ooo_ranges`
    /// disjoint out-of-order ranges.
    pub fn new(capacity: usize, max_ooo_ranges: usize) -> Self {
        let _ = (capacity, max_ooo_ranges);
        todo!()
    }
    pub fn capacity(&self) -> usize {
        todo!()
    }
    /// In-order bytes waiting for the application.
    pub fn readable(&self) -> usize {
        todo!()
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
        let _ = (offset, data);
        todo!()
    }
    /// The first contiguous run of readable bytes (the ring may hold the
    /// rest after a wrap: call again after [`consume`](Self::consume)).
    pub fn peek(&self) -> &[u8] {
        todo!()
    }
    /// Marks `n` readable bytes read (clipped to `readable()`).
    pub fn consume(&mut self, n: usize) {
        let _ = n;
        todo!()
    }
    /// Copies readable bytes into `dst` and consumes them; returns the count.
    pub fn read(&mut self, dst: &mut [u8]) -> usize {
        let _ = dst;
        todo!()
    }
    /// Out-of-order ranges held, as `(start, end)` offsets past RCV.NXT
    /// (end exclusive), the most recently changed first (RFC 2018 §4: the
    /// first SACK block reports the most recent arrival). At most `max`.
    pub fn sack_ranges(&self, max: usize) -> Vec<(usize, usize)> {
        let _ = max;
        todo!()
    }
    /// Number of out-of-order ranges held.
    pub fn ooo_ranges(&self) -> usize {
        todo!()
    }
    /// Bytes held out of order.
    pub fn ooo_bytes(&self) -> usize {
        todo!()
    }
}
