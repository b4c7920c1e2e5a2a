//! TCP segment header (RFC 9293 section 3.1) with the ECN flags ECE/CWR
//! (RFC 3168 section 6.1), and its options: End of Option List, No-Operation
//! and Maximum Segment Size (RFC 9293 section 3.2, RFC 6691), Window Scale
//! and Timestamps (RFC 7323 sections 2 and 3), SACK-Permitted and SACK
//! (RFC 2018). Unknown options are skipped by their length; an option
//! length of 0 or 1, one overrunning the option area, or a known option of
//! the wrong size is [`WireError::BadOption`].
//!
//! TCP has no length field: a view's buffer is exactly the segment (the IP
//! payload), and the checksum covers it all plus the pseudo-header.

use super::{check_len, get_u16, get_u32, ip_protocol, set_u16, set_u32, IpPair, WireError};
use core::{fmt, ops};

const PROTO: &str = "tcp";

/// A TCP sequence (or acknowledgement) number, and SACK block edges: a
/// point on a circle of 2^32 (RFC 9293 section 3.4). All arithmetic wraps
/// modulo 2^32. This is the stack's one sequence-number type: the wire
/// format carries it, and the TCP machine ([`crate::tcp::seq`]) computes
/// with it.
///
/// `a` is before `b` when going forward from `a` reaches `b` in fewer than
/// 2^31 steps (the signed 32-bit difference `b - a` is positive). This is
/// exact for any two numbers less than 2^31 apart in the unwrapped sequence
/// space, which TCP guarantees as long as windows stay below 2^30 (RFC 7323
/// section 2.3).
///
/// **Ambiguity at 2^31:** two numbers exactly 2^31 apart have the signed
/// difference `i32::MIN` whichever way it is taken, so each is "less than"
/// the other. Callers must never compare numbers that far apart.
///
/// It deliberately does not implement `PartialOrd`/`Ord`: circular order is
/// not a total order, so comparisons are the explicit
/// [`lt`](TcpSeqNumber::lt) family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TcpSeqNumber(pub u32);

impl TcpSeqNumber {
    /// The signed distance `self - other` in the circular space: positive if
    /// `self` is after `other`. Exact when the two are less than 2^31 apart.
    pub fn signed_distance(self, other: TcpSeqNumber) -> i32 {
        self.0.wrapping_sub(other.0) as i32
    }

    /// The number of sequence numbers from `base` forward to `self`
    /// (`self - base` modulo 2^32), e.g. how far into a window `self` lies.
    pub fn offset_from(self, base: TcpSeqNumber) -> usize {
        self.0.wrapping_sub(base.0) as usize
    }

    /// `self < other` modulo 2^32 (RFC 9293 section 3.4).
    pub fn lt(self, other: TcpSeqNumber) -> bool {
        self.signed_distance(other) < 0
    }

    /// `self =< other` modulo 2^32.
    pub fn le(self, other: TcpSeqNumber) -> bool {
        self.signed_distance(other) <= 0
    }

    /// `self > other` modulo 2^32.
    pub fn gt(self, other: TcpSeqNumber) -> bool {
        self.signed_distance(other) > 0
    }

    /// `self >= other` modulo 2^32.
    pub fn ge(self, other: TcpSeqNumber) -> bool {
        self.signed_distance(other) >= 0
    }

    /// The later of the two, modulo 2^32.
    pub fn max(self, other: TcpSeqNumber) -> TcpSeqNumber {
        if self.lt(other) {
            other
        } else {
            self
        }
    }

    /// The earlier of the two, modulo 2^32.
    pub fn min(self, other: TcpSeqNumber) -> TcpSeqNumber {
        if self.gt(other) {
            other
        } else {
            self
        }
    }

    /// Whether `self` lies in `[start, start + len)` modulo 2^32. For `len` up
    /// to 2^31 this equals `start =< self < start + len` of RFC 9293; `len == 0`
    /// is an empty range.
    pub fn in_window(self, start: TcpSeqNumber, len: usize) -> bool {
        self.offset_from(start) < len
    }
}

/// Advances by `rhs` sequence numbers; `rhs` is taken modulo 2^32.
impl ops::Add<usize> for TcpSeqNumber {
    type Output = TcpSeqNumber;
    fn add(self, rhs: usize) -> TcpSeqNumber {
        TcpSeqNumber(self.0.wrapping_add(rhs as u32))
    }
}

impl ops::AddAssign<usize> for TcpSeqNumber {
    fn add_assign(&mut self, rhs: usize) {
        *self = *self + rhs;
    }
}

/// Goes back by `rhs` sequence numbers; `rhs` is taken modulo 2^32.
impl ops::Sub<usize> for TcpSeqNumber {
    type Output = TcpSeqNumber;
    fn sub(self, rhs: usize) -> TcpSeqNumber {
        TcpSeqNumber(self.0.wrapping_sub(rhs as u32))
    }
}

/// Signed distance, as [`TcpSeqNumber::signed_distance`].
impl ops::Sub<TcpSeqNumber> for TcpSeqNumber {
    type Output = i32;
    fn sub(self, rhs: TcpSeqNumber) -> i32 {
        self.signed_distance(rhs)
    }
}

impl From<u32> for TcpSeqNumber {
    fn from(v: u32) -> Self {
        TcpSeqNumber(v)
    }
}

impl From<TcpSeqNumber> for u32 {
    fn from(s: TcpSeqNumber) -> Self {
        s.0
    }
}

impl fmt::Display for TcpSeqNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The eight control bits of byte 13 (RFC 9293 section 3.1, RFC 3168).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    pub const FIN: TcpFlags = TcpFlags(0x01);
    pub const SYN: TcpFlags = TcpFlags(0x02);
    pub const RST: TcpFlags = TcpFlags(0x04);
    pub const PSH: TcpFlags = TcpFlags(0x08);
    pub const ACK: TcpFlags = TcpFlags(0x10);
    pub const URG: TcpFlags = TcpFlags(0x20);
    pub const ECE: TcpFlags = TcpFlags(0x40);
    pub const CWR: TcpFlags = TcpFlags(0x80);

    pub fn contains(self, f: TcpFlags) -> bool {
        self.0 & f.0 == f.0
    }
}

impl ops::BitOr for TcpFlags {
    type Output = TcpFlags;
    fn bitor(self, rhs: TcpFlags) -> TcpFlags {
        TcpFlags(self.0 | rhs.0)
    }
}

/// Field offsets (RFC 9293 section 3.1, "Header Format") and option kinds.
pub mod field {
    pub const SRC_PORT: usize = 0;
    pub const DST_PORT: usize = 2;
    pub const SEQ: usize = 4;
    pub const ACK: usize = 8;
    /// Data offset in 32-bit words (high nibble), reserved (low nibble).
    pub const DATA_OFF: usize = 12;
    pub const FLAGS: usize = 13;
    pub const WINDOW: usize = 14;
    pub const CHECKSUM: usize = 16;
    pub const URGENT: usize = 18;
    pub const OPTIONS: usize = 20;
    pub const MIN_HEADER_LEN: usize = 20;
    pub const MAX_HEADER_LEN: usize = 60;
    pub const MAX_OPTIONS_LEN: usize = MAX_HEADER_LEN - MIN_HEADER_LEN;

    pub const OPT_EOL: u8 = 0;
    pub const OPT_NOP: u8 = 1;
    pub const OPT_MSS: u8 = 2;
    pub const OPT_WS: u8 = 3;
    pub const OPT_SACK_PERM: u8 = 4;
    pub const OPT_SACK: u8 = 5;
    pub const OPT_TSTAMP: u8 = 8;

    pub const OPT_MSS_LEN: usize = 4;
    pub const OPT_WS_LEN: usize = 3;
    pub const OPT_SACK_PERM_LEN: usize = 2;
    pub const OPT_TSTAMP_LEN: usize = 10;
    /// A SACK option is 2 bytes plus 8 per block (left edge, right edge).
    pub const OPT_SACK_BLOCK_LEN: usize = 8;
    pub const OPT_SACK_MAX_BLOCKS: usize = 4;
}

/// Largest shift a window scale option may carry (RFC 7323 section 2.3);
/// larger received values are treated as 14.
pub const MAX_WINDOW_SHIFT: u8 = 14;

/// One TCP option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpOption<'a> {
    EndOfList,
    NoOperation,
    MaxSegmentSize(u16),
    WindowScale(u8),
    SackPermitted,
    /// Up to four (left edge, right edge) blocks (RFC 2018 section 3).
    SackRange([Option<(TcpSeqNumber, TcpSeqNumber)>; 4]),
    Timestamps {
        tsval: u32,
        tsecr: u32,
    },
    Unknown {
        kind: u8,
        data: &'a [u8],
    },
}

fn bad_option(kind: u8, what: &'static str) -> WireError {
    WireError::BadOption {
        proto: PROTO,
        kind,
        what,
    }
}

impl<'a> TcpOption<'a> {
    /// Parses the option at the start of `buf` (the rest of the option area)
    /// and returns it with the number of bytes it occupies.
    pub fn parse(buf: &'a [u8]) -> Result<(TcpOption<'a>, usize), WireError> {
        let kind = match buf.first() {
            Some(&k) => k,
            None => return Err(check_len(PROTO, buf, 1).unwrap_err()),
        };
        match kind {
            field::OPT_EOL => return Ok((TcpOption::EndOfList, 1)),
            field::OPT_NOP => return Ok((TcpOption::NoOperation, 1)),
            _ => {}
        }
        let len = match buf.get(1) {
            Some(&l) => usize::from(l),
            None => return Err(bad_option(kind, "no length byte")),
        };
        if len < 2 {
            return Err(bad_option(kind, "length < 2"));
        }
        if len > buf.len() {
            return Err(bad_option(kind, "length overruns the option area"));
        }
        let data = &buf[2..len];
        let want = |n: usize| {
            if len == n {
                Ok(())
            } else {
                Err(bad_option(kind, "wrong length for this kind"))
            }
        };
        let opt = match kind {
            field::OPT_MSS => {
                want(field::OPT_MSS_LEN)?;
                TcpOption::MaxSegmentSize(get_u16(data, 0))
            }
            field::OPT_WS => {
                want(field::OPT_WS_LEN)?;
                TcpOption::WindowScale(data[0])
            }
            field::OPT_SACK_PERM => {
                want(field::OPT_SACK_PERM_LEN)?;
                TcpOption::SackPermitted
            }
            field::OPT_TSTAMP => {
                want(field::OPT_TSTAMP_LEN)?;
                TcpOption::Timestamps {
                    tsval: get_u32(data, 0),
                    tsecr: get_u32(data, 4),
                }
            }
            field::OPT_SACK => {
                let n = data.len() / field::OPT_SACK_BLOCK_LEN;
                if !data.len().is_multiple_of(field::OPT_SACK_BLOCK_LEN)
                    || n == 0
                    || n > field::OPT_SACK_MAX_BLOCKS
                {
                    return Err(bad_option(kind, "SACK length not 2 + 8n, 1 <= n <= 4"));
                }
                let mut blocks = [None; 4];
                for (i, b) in data.chunks_exact(field::OPT_SACK_BLOCK_LEN).enumerate() {
                    blocks[i] = Some((TcpSeqNumber(get_u32(b, 0)), TcpSeqNumber(get_u32(b, 4))));
                }
                TcpOption::SackRange(blocks)
            }
            _ => TcpOption::Unknown { kind, data },
        };
        Ok((opt, len))
    }

    /// Bytes this option occupies when emitted.
    pub fn buffer_len(&self) -> usize {
        match self {
            TcpOption::EndOfList | TcpOption::NoOperation => 1,
            TcpOption::MaxSegmentSize(_) => field::OPT_MSS_LEN,
            TcpOption::WindowScale(_) => field::OPT_WS_LEN,
            TcpOption::SackPermitted => field::OPT_SACK_PERM_LEN,
            TcpOption::Timestamps { .. } => field::OPT_TSTAMP_LEN,
            TcpOption::SackRange(b) => 2 + field::OPT_SACK_BLOCK_LEN * b.iter().flatten().count(),
            TcpOption::Unknown { data, .. } => 2 + data.len(),
        }
    }

    /// Writes the option at the start of `buf` and returns its length.
    pub fn emit(&self, buf: &mut [u8]) -> usize {
        let len = self.buffer_len();
        let (kind, body): (u8, &mut [u8]) = match self {
            TcpOption::EndOfList => {
                buf[0] = field::OPT_EOL;
                return 1;
            }
            TcpOption::NoOperation => {
                buf[0] = field::OPT_NOP;
                return 1;
            }
            TcpOption::MaxSegmentSize(m) => {
                set_u16(buf, 2, *m);
                (field::OPT_MSS, buf)
            }
            TcpOption::WindowScale(s) => {
                buf[2] = *s;
                (field::OPT_WS, buf)
            }
            TcpOption::SackPermitted => (field::OPT_SACK_PERM, buf),
            TcpOption::Timestamps { tsval, tsecr } => {
                set_u32(buf, 2, *tsval);
                set_u32(buf, 6, *tsecr);
                (field::OPT_TSTAMP, buf)
            }
            TcpOption::SackRange(blocks) => {
                for (i, (l, r)) in blocks.iter().flatten().enumerate() {
                    let at = 2 + i * field::OPT_SACK_BLOCK_LEN;
                    set_u32(buf, at, l.0);
                    set_u32(buf, at + 4, r.0);
                }
                (field::OPT_SACK, buf)
            }
            TcpOption::Unknown { kind, data } => {
                buf[2..len].copy_from_slice(data);
                (*kind, buf)
            }
        };
        body[0] = kind;
        body[1] = len as u8;
        len
    }
}

/// Iterates over the options in an option area; stops after End of Option
/// List, and yields one `Err` (then stops) at a malformed option.
#[derive(Debug, Clone)]
pub struct TcpOptions<'a> {
    rest: &'a [u8],
}

impl<'a> TcpOptions<'a> {
    pub fn new(area: &'a [u8]) -> Self {
        TcpOptions { rest: area }
    }
}

impl<'a> Iterator for TcpOptions<'a> {
    type Item = Result<TcpOption<'a>, WireError>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match TcpOption::parse(self.rest) {
            Ok((opt, len)) => {
                self.rest = if opt == TcpOption::EndOfList {
                    &[]
                } else {
                    &self.rest[len..]
                };
                Some(Ok(opt))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

/// A view of a TCP segment; the buffer is exactly the segment.
#[derive(Debug, Clone)]
pub struct TcpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> TcpPacket<T> {
    pub fn new_unchecked(buffer: T) -> Self {
        TcpPacket { buffer }
    }

    /// Checks: 20 bytes present; data offset >= 5; the header fits.
    /// Options are checked by [`options`](Self::options) / [`TcpRepr::parse`].
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    pub fn check_len(&self) -> Result<(), WireError> {
        let b = self.buffer.as_ref();
        check_len(PROTO, b, field::MIN_HEADER_LEN)?;
        let hl = self.header_len();
        if hl < field::MIN_HEADER_LEN {
            return Err(WireError::BadLength {
                proto: PROTO,
                what: "data offset < 5",
            });
        }
        check_len(PROTO, b, hl)
    }

    pub fn into_inner(self) -> T {
        self.buffer
    }

    pub fn src_port(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::SRC_PORT)
    }
    pub fn dst_port(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::DST_PORT)
    }
    pub fn seq_number(&self) -> TcpSeqNumber {
        TcpSeqNumber(get_u32(self.buffer.as_ref(), field::SEQ))
    }
    pub fn ack_number(&self) -> TcpSeqNumber {
        TcpSeqNumber(get_u32(self.buffer.as_ref(), field::ACK))
    }
    /// Header length in bytes (data offset * 4).
    pub fn header_len(&self) -> usize {
        usize::from(self.buffer.as_ref()[field::DATA_OFF] >> 4) * 4
    }
    pub fn flags(&self) -> TcpFlags {
        TcpFlags(self.buffer.as_ref()[field::FLAGS])
    }
    pub fn fin(&self) -> bool {
        self.flags().contains(TcpFlags::FIN)
    }
    pub fn syn(&self) -> bool {
        self.flags().contains(TcpFlags::SYN)
    }
    pub fn rst(&self) -> bool {
        self.flags().contains(TcpFlags::RST)
    }
    pub fn psh(&self) -> bool {
        self.flags().contains(TcpFlags::PSH)
    }
    pub fn ack(&self) -> bool {
        self.flags().contains(TcpFlags::ACK)
    }
    pub fn urg(&self) -> bool {
        self.flags().contains(TcpFlags::URG)
    }
    pub fn ece(&self) -> bool {
        self.flags().contains(TcpFlags::ECE)
    }
    pub fn cwr(&self) -> bool {
        self.flags().contains(TcpFlags::CWR)
    }
    pub fn window_len(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::WINDOW)
    }
    pub fn checksum(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::CHECKSUM)
    }
    pub fn urgent_at(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::URGENT)
    }
    /// The raw option area.
    pub fn options_area(&self) -> &[u8] {
        &self.buffer.as_ref()[field::OPTIONS..self.header_len()]
    }
    /// Iterator over the options.
    pub fn options(&self) -> TcpOptions<'_> {
        TcpOptions::new(self.options_area())
    }
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[self.header_len()..]
    }
    /// True if the segment plus the pseudo-header of `ip` sums to 0xffff.
    pub fn verify_checksum(&self, ip: &IpPair) -> bool {
        ip.upper_layer_sum(ip_protocol::TCP, self.buffer.as_ref()) == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> TcpPacket<T> {
    pub fn set_src_port(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::SRC_PORT, v)
    }
    pub fn set_dst_port(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::DST_PORT, v)
    }
    pub fn set_seq_number(&mut self, v: TcpSeqNumber) {
        set_u32(self.buffer.as_mut(), field::SEQ, v.0)
    }
    pub fn set_ack_number(&mut self, v: TcpSeqNumber) {
        set_u32(self.buffer.as_mut(), field::ACK, v.0)
    }
    /// Sets the data offset from a header length in bytes (multiple of 4,
    /// 20..=60); clears the reserved bits.
    pub fn set_header_len(&mut self, len: usize) {
        self.buffer.as_mut()[field::DATA_OFF] = ((len / 4) as u8) << 4;
    }
    pub fn set_flags(&mut self, f: TcpFlags) {
        self.buffer.as_mut()[field::FLAGS] = f.0
    }
    pub fn set_window_len(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::WINDOW, v)
    }
    pub fn set_checksum(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::CHECKSUM, v)
    }
    pub fn set_urgent_at(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::URGENT, v)
    }
    pub fn options_area_mut(&mut self) -> &mut [u8] {
        let hl = self.header_len();
        &mut self.buffer.as_mut()[field::OPTIONS..hl]
    }
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let hl = self.header_len();
        &mut self.buffer.as_mut()[hl..]
    }
    /// Computes and writes the checksum over the pseudo-header of `ip` and
    /// the whole buffer.
    pub fn fill_checksum(&mut self, ip: &IpPair) {
        self.set_checksum(0);
        let sum = ip.upper_layer_sum(ip_protocol::TCP, self.buffer.as_ref());
        self.set_checksum(!sum);
    }
}

/// Most options [`TcpRepr`] emits, NOPs counted: MSS; NOP, NOP,
/// SACK-permitted; NOP, window scale; NOP, NOP, timestamps; NOP, NOP, SACK.
const MAX_EMITTED: usize = 12;

/// The parsed meaning of a TCP header and the options this stack uses.
/// Unknown options are skipped on parse and not re-emitted. Every repr can
/// be emitted, whatever it holds: when the options do not all fit in the
/// 40-byte option space, SACK blocks are dropped, last first (see
/// [`header_len`](Self::header_len)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpRepr {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq_number: TcpSeqNumber,
    /// Meaningful when `flags` has ACK; carried as-is otherwise.
    pub ack_number: TcpSeqNumber,
    pub flags: TcpFlags,
    pub window_len: u16,
    pub urgent_at: u16,
    pub max_seg_size: Option<u16>,
    /// Window shift, at most [`MAX_WINDOW_SHIFT`].
    pub window_scale: Option<u8>,
    pub sack_permitted: bool,
    /// SACK blocks: (left edge, right edge), first block first.
    pub sack_ranges: [Option<(TcpSeqNumber, TcpSeqNumber)>; 4],
    /// (TSval, TSecr).
    pub timestamp: Option<(u32, u32)>,
    pub payload_len: usize,
}

impl TcpRepr {
    /// A header with the given ports, numbers and flags and nothing else:
    /// no window, no options, no payload (a RST as it stands; the start of
    /// any other header).
    pub fn bare(
        src_port: u16,
        dst_port: u16,
        seq_number: TcpSeqNumber,
        ack_number: TcpSeqNumber,
        flags: TcpFlags,
    ) -> Self {
        TcpRepr {
            src_port,
            dst_port,
            seq_number,
            ack_number,
            flags,
            window_len: 0,
            urgent_at: 0,
            max_seg_size: None,
            window_scale: None,
            sack_permitted: false,
            sack_ranges: [None; 4],
            timestamp: None,
            payload_len: 0,
        }
    }

    /// Parses a checked segment and its options; verifies the checksum
    /// against `ip` if `verify_checksum`.
    pub fn parse(
        p: &TcpPacket<&[u8]>,
        ip: &IpPair,
        verify_checksum: bool,
    ) -> Result<Self, WireError> {
        p.check_len()?;
        if verify_checksum && !p.verify_checksum(ip) {
            return Err(WireError::BadChecksum { proto: PROTO });
        }
        let mut r = TcpRepr {
            src_port: p.src_port(),
            dst_port: p.dst_port(),
            seq_number: p.seq_number(),
            ack_number: p.ack_number(),
            flags: p.flags(),
            window_len: p.window_len(),
            urgent_at: p.urgent_at(),
            max_seg_size: None,
            window_scale: None,
            sack_permitted: false,
            sack_ranges: [None; 4],
            timestamp: None,
            payload_len: p.payload().len(),
        };
        for opt in p.options() {
            match opt? {
                TcpOption::MaxSegmentSize(m) => r.max_seg_size = Some(m),
                TcpOption::WindowScale(s) => r.window_scale = Some(s.min(MAX_WINDOW_SHIFT)),
                TcpOption::SackPermitted => r.sack_permitted = true,
                TcpOption::SackRange(b) => r.sack_ranges = b,
                TcpOption::Timestamps { tsval, tsecr } => r.timestamp = Some((tsval, tsecr)),
                TcpOption::EndOfList | TcpOption::NoOperation | TcpOption::Unknown { .. } => {}
            }
        }
        Ok(r)
    }

    /// `parse(p, _, false)` for the two option layouts of nearly every data
    /// segment and ACK: no options, or exactly NOP, NOP, Timestamps (RFC 7323
    /// appendix A); `None` for anything else (the caller then takes
    /// [`parse`](Self::parse)). The same result as `parse` for those layouts,
    /// without walking the options.
    pub fn parse_fast(p: &TcpPacket<&[u8]>) -> Option<Self> {
        const NOP_NOP_TS: [u8; 4] = [
            field::OPT_NOP,
            field::OPT_NOP,
            field::OPT_TSTAMP,
            field::OPT_TSTAMP_LEN as u8,
        ];
        p.check_len().ok()?;
        let opts = p.options_area();
        let timestamp = match opts.len() {
            0 => None,
            12 if opts[..4] == NOP_NOP_TS => Some((get_u32(opts, 4), get_u32(opts, 8))),
            _ => return None,
        };
        Some(TcpRepr {
            timestamp,
            payload_len: p.payload().len(),
            window_len: p.window_len(),
            urgent_at: p.urgent_at(),
            ..TcpRepr::bare(
                p.src_port(),
                p.dst_port(),
                p.seq_number(),
                p.ack_number(),
                p.flags(),
            )
        })
    }

    /// The options to emit, in order, with NOPs so 4-byte fields stay
    /// aligned: MSS, SACK-permitted, window scale, timestamps (together at
    /// most 24 bytes, so they always fit), then as many SACK blocks, first
    /// block first, as the rest of the 40-byte option space holds; the
    /// blocks that do not fit are dropped, as Linux drops them
    /// (`tcp_established_options`). With all four other options that is one
    /// block; with timestamps alone, three.
    fn emitted_options(&self) -> ([Option<TcpOption<'static>>; MAX_EMITTED], usize) {
        let mut out = [None; MAX_EMITTED];
        let mut n = 0;
        let mut len = 0;
        fn push(
            o: TcpOption<'static>,
            out: &mut [Option<TcpOption<'static>>; MAX_EMITTED],
            n: &mut usize,
            len: &mut usize,
        ) {
            *len += o.buffer_len();
            out[*n] = Some(o);
            *n += 1;
        }
        if let Some(m) = self.max_seg_size {
            push(TcpOption::MaxSegmentSize(m), &mut out, &mut n, &mut len);
        }
        if self.sack_permitted {
            push(TcpOption::NoOperation, &mut out, &mut n, &mut len);
            push(TcpOption::NoOperation, &mut out, &mut n, &mut len);
            push(TcpOption::SackPermitted, &mut out, &mut n, &mut len);
        }
        if let Some(s) = self.window_scale {
            push(TcpOption::NoOperation, &mut out, &mut n, &mut len);
            push(TcpOption::WindowScale(s), &mut out, &mut n, &mut len);
        }
        if let Some((tsval, tsecr)) = self.timestamp {
            push(TcpOption::NoOperation, &mut out, &mut n, &mut len);
            push(TcpOption::NoOperation, &mut out, &mut n, &mut len);
            push(
                TcpOption::Timestamps { tsval, tsecr },
                &mut out,
                &mut n,
                &mut len,
            );
        }
        let blocks = self.sack_ranges.iter().flatten().count();
        if blocks > 0 {
            let room = field::MAX_OPTIONS_LEN.saturating_sub(len + 4) / field::OPT_SACK_BLOCK_LEN;
            let mut kept = [None; 4];
            for (i, b) in self.sack_ranges.iter().flatten().take(room).enumerate() {
                kept[i] = Some(*b);
            }
            if room > 0 {
                push(TcpOption::NoOperation, &mut out, &mut n, &mut len);
                push(TcpOption::NoOperation, &mut out, &mut n, &mut len);
                push(TcpOption::SackRange(kept), &mut out, &mut n, &mut len);
            }
        }
        (out, len)
    }

    /// Header length: 20 plus options padded to a multiple of 4, at most 60.
    /// MSS, SACK-permitted, window scale and timestamps are always emitted;
    /// SACK blocks only as many as then fit (first block first), the others
    /// are dropped as Linux drops them.
    pub fn header_len(&self) -> usize {
        let (_, len) = self.emitted_options();
        field::MIN_HEADER_LEN + len.div_ceil(4) * 4
    }

    /// Whole segment length.
    pub fn buffer_len(&self) -> usize {
        self.header_len() + self.payload_len
    }

    /// Writes the header into a buffer of exactly [`buffer_len`](Self::buffer_len)
    /// bytes whose payload the caller has already written; fills the
    /// checksum against `ip` if `fill_checksum`, else writes the
    /// pseudo-header sum (not inverted) for a NIC to complete
    /// (`CHECKSUM_PARTIAL`).
    pub fn emit(&self, p: &mut TcpPacket<&mut [u8]>, ip: &IpPair, fill_checksum: bool) {
        let hl = self.header_len();
        p.set_src_port(self.src_port);
        p.set_dst_port(self.dst_port);
        p.set_seq_number(self.seq_number);
        p.set_ack_number(self.ack_number);
        p.set_header_len(hl);
        p.set_flags(self.flags);
        p.set_window_len(self.window_len);
        p.set_urgent_at(self.urgent_at);
        let (opts, _) = self.emitted_options();
        let area = p.options_area_mut();
        let mut at = 0;
        for o in opts.iter().flatten() {
            at += o.emit(&mut area[at..]);
        }
        // Pad with End of Option List (zeros) to the data offset.
        area[at..].fill(field::OPT_EOL);
        if fill_checksum {
            p.fill_checksum(ip);
        } else {
            let len = hl + self.payload_len;
            p.set_checksum(ip.pseudo_header_sum(ip_protocol::TCP, len));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{fuzz, Ipv4Address, Ipv6Address};

    const V4: IpPair = IpPair::V4 {
        src: Ipv4Address([192, 168, 0, 1]),
        dst: Ipv4Address([192, 168, 0, 2]),
    };

    /// A SYN as Linux sends it: 192.168.0.1:54321 -> 192.168.0.2:80,
    /// seq 0x12345678, window 64240, options MSS 1460, SACK-permitted,
    /// timestamps (123456, 0), NOP, window scale 7.
    const SYN: [u8; 40] = [
        0xd4, 0x31, 0x00, 0x50, // ports
        0x12, 0x34, 0x56, 0x78, // seq
        0x00, 0x00, 0x00, 0x00, // ack
        0xa0, 0x02, // data offset 10, SYN
        0xfa, 0xf0, // window 64240
        0xac, 0x4b, // checksum
        0x00, 0x00, // urgent
        0x02, 0x04, 0x05, 0xb4, // MSS 1460
        0x04, 0x02, // SACK permitted
        0x08, 0x0a, 0x00, 0x01, 0xe2, 0x40, 0x00, 0x00, 0x00, 0x00, // TS
        0x01, // NOP
        0x03, 0x03, 0x07, // WS 7
    ];

    fn full_repr() -> TcpRepr {
        TcpRepr {
            src_port: 443,
            dst_port: 50000,
            seq_number: TcpSeqNumber(0xffff_fff0),
            ack_number: TcpSeqNumber(42),
            flags: TcpFlags::ACK | TcpFlags::PSH | TcpFlags::ECE | TcpFlags::CWR,
            window_len: 1000,
            urgent_at: 0,
            max_seg_size: None,
            window_scale: None,
            sack_permitted: false,
            sack_ranges: [
                Some((TcpSeqNumber(100), TcpSeqNumber(200))),
                Some((TcpSeqNumber(300), TcpSeqNumber(400))),
                Some((TcpSeqNumber(500), TcpSeqNumber(600))),
                None,
            ],
            timestamp: Some((7, 8)),
            payload_len: 5,
        }
    }

    fn emit(r: &TcpRepr, ip: &IpPair) -> Vec<u8> {
        let mut buf = vec![0u8; r.buffer_len()];
        let hl = r.header_len();
        for (i, b) in buf[hl..].iter_mut().enumerate() {
            *b = i as u8 ^ 0x5a;
        }
        r.emit(&mut TcpPacket::new_unchecked(&mut buf[..]), ip, true);
        buf
    }

    #[test]
    fn captured_style_syn_with_options_parses() {
        let p = TcpPacket::new_checked(&SYN[..]).unwrap();
        assert!(p.verify_checksum(&V4));
        let r = TcpRepr::parse(&p, &V4, true).unwrap();
        assert_eq!((r.src_port, r.dst_port), (54321, 80));
        assert_eq!(r.seq_number, TcpSeqNumber(0x1234_5678));
        assert_eq!(r.flags, TcpFlags::SYN);
        assert!(p.syn() && !p.ack() && !p.ece() && !p.cwr());
        assert_eq!(r.window_len, 64240);
        assert_eq!(r.max_seg_size, Some(1460));
        assert!(r.sack_permitted);
        assert_eq!(r.timestamp, Some((123456, 0)));
        assert_eq!(r.window_scale, Some(7));
        assert_eq!(r.payload_len, 0);
        let kinds: Vec<_> = p.options().map(|o| o.unwrap()).collect();
        assert_eq!(kinds.len(), 5);
        assert_eq!(kinds[3], TcpOption::NoOperation);
    }

    #[test]
    fn round_trip_syn_options_over_ipv4() {
        let p = TcpPacket::new_checked(&SYN[..]).unwrap();
        let r = TcpRepr::parse(&p, &V4, true).unwrap();
        let buf = emit(&r, &V4);
        let p2 = TcpPacket::new_checked(&buf[..]).unwrap();
        assert_eq!(TcpRepr::parse(&p2, &V4, true).unwrap(), r);
    }

    #[test]
    fn round_trip_flags_sack_blocks_and_timestamps_over_ipv6() {
        let ip = IpPair::V6 {
            src: Ipv6Address([0x20; 16]),
            dst: Ipv6Address([0x30; 16]),
        };
        let r = full_repr();
        let buf = emit(&r, &ip);
        let p = TcpPacket::new_checked(&buf[..]).unwrap();
        assert!(p.ece() && p.cwr() && p.psh() && p.ack());
        assert_eq!(p.header_len() % 4, 0);
        assert_eq!(TcpRepr::parse(&p, &ip, true).unwrap(), r);
        assert_eq!(p.payload(), &[0x5a, 0x5b, 0x58, 0x59, 0x5e]);
    }

    #[test]
    fn sack_blocks_that_do_not_fit_are_dropped() {
        let mut r = full_repr();
        r.sack_ranges[3] = Some((TcpSeqNumber(700), TcpSeqNumber(800)));
        r.max_seg_size = Some(536);
        let buf = emit(&r, &V4);
        let p = TcpPacket::new_checked(&buf[..]).unwrap();
        assert!(p.header_len() <= field::MAX_HEADER_LEN);
        let back = TcpRepr::parse(&p, &V4, true).unwrap();
        assert_eq!(
            back.sack_ranges[0],
            Some((TcpSeqNumber(100), TcpSeqNumber(200)))
        );
        assert_eq!(back.timestamp, Some((7, 8)));
    }

    #[test]
    fn checksum_fails_after_a_flipped_bit() {
        let mut buf = emit(&full_repr(), &V4);
        assert!(TcpPacket::new_unchecked(&buf[..]).verify_checksum(&V4));
        let last = buf.len() - 1;
        buf[last] ^= 0x80;
        let p = TcpPacket::new_checked(&buf[..]).unwrap();
        assert!(!p.verify_checksum(&V4));
        assert_eq!(
            TcpRepr::parse(&p, &V4, true),
            Err(WireError::BadChecksum { proto: "tcp" })
        );
    }

    #[test]
    fn partial_checksum_holds_the_pseudo_header_sum() {
        let r = full_repr();
        let mut buf = vec![0u8; r.buffer_len()];
        r.emit(&mut TcpPacket::new_unchecked(&mut buf[..]), &V4, false);
        let p = TcpPacket::new_checked(&buf[..]).unwrap();
        assert_eq!(
            p.checksum(),
            V4.pseudo_header_sum(ip_protocol::TCP, buf.len())
        );
    }

    #[test]
    fn unknown_options_are_skipped_by_length() {
        let mut b = SYN;
        // Turn SACK-permitted (4, 2) into an unknown kind 0xfe, length 2.
        b[24] = 0xfe;
        let p = TcpPacket::new_checked(&b[..]).unwrap();
        let r = TcpRepr::parse(&p, &V4, false).unwrap();
        assert!(!r.sack_permitted);
        assert_eq!(r.window_scale, Some(7));
        assert_eq!(r.max_seg_size, Some(1460));
    }

    #[test]
    fn window_scale_above_14_is_clamped() {
        let mut b = SYN;
        b[39] = 15;
        let p = TcpPacket::new_checked(&b[..]).unwrap();
        assert_eq!(
            TcpRepr::parse(&p, &V4, false).unwrap().window_scale,
            Some(14)
        );
    }

    fn parse_err(b: &[u8]) -> WireError {
        match TcpPacket::new_checked(b) {
            Err(e) => e,
            Ok(p) => TcpRepr::parse(&p, &V4, false).unwrap_err(),
        }
    }

    #[test]
    fn lying_data_offset_is_rejected() {
        let mut b = SYN;
        b[field::DATA_OFF] = 0x40; // 16 bytes < 20
        assert!(matches!(parse_err(&b), WireError::BadLength { .. }));
        b[field::DATA_OFF] = 0xf0; // 60 bytes > 40-byte buffer
        assert!(matches!(parse_err(&b), WireError::Truncated { .. }));
    }

    #[test]
    fn malformed_option_lengths_are_rejected() {
        for (at, v) in [
            (21, 0u8), // MSS length 0
            (21, 1),   // MSS length 1
            (21, 3),   // MSS wrong size
            (27, 30),  // timestamps overrun the area
            (38, 4),   // window scale overruns the area
            (38, 2),   // window scale wrong size
        ] {
            let mut b = SYN;
            b[at] = v;
            assert!(
                matches!(parse_err(&b), WireError::BadOption { .. }),
                "byte {at} = {v}"
            );
        }
        // Unknown kind with length 0, and a SACK of 2 + 7 bytes.
        let mut b = SYN;
        b[24] = 0xfe;
        b[25] = 0;
        assert!(matches!(parse_err(&b), WireError::BadOption { .. }));
        let mut b = SYN;
        b[26] = field::OPT_SACK;
        b[27] = 9;
        assert!(matches!(parse_err(&b), WireError::BadOption { .. }));
        // A kind byte with no room for its length.
        let mut b = SYN;
        b[36] = 0x01;
        b[37] = 0x01;
        b[38] = 0x01;
        b[39] = 0x22;
        assert!(matches!(parse_err(&b), WireError::BadOption { .. }));
    }

    #[test]
    fn end_of_list_stops_option_parsing() {
        let mut b = SYN;
        b[36] = field::OPT_EOL;
        b[37] = 0xff; // garbage after EOL is ignored
        let p = TcpPacket::new_checked(&b[..]).unwrap();
        let r = TcpRepr::parse(&p, &V4, false).unwrap();
        assert_eq!(r.window_scale, None);
        assert_eq!(r.timestamp, Some((123456, 0)));
    }

    /// Sequence-number arithmetic and circular order (RFC 9293 section 3.4).
    mod seq_number {
        use super::TcpSeqNumber;
        use rand::{Rng, SeedableRng};
        use rand_chacha::ChaCha8Rng;

        const TOP: u32 = u32::MAX;

        #[test]
        fn addition_wraps_at_2_pow_32() {
            assert_eq!(TcpSeqNumber(TOP) + 1, TcpSeqNumber(0));
            assert_eq!(TcpSeqNumber(TOP - 9) + 20, TcpSeqNumber(10));
            let mut s = TcpSeqNumber(TOP);
            s += 2;
            assert_eq!(s, TcpSeqNumber(1));
        }

        #[test]
        fn subtraction_of_count_wraps_below_zero() {
            assert_eq!(TcpSeqNumber(0) - 1, TcpSeqNumber(TOP));
            assert_eq!(TcpSeqNumber(5) - 10, TcpSeqNumber(TOP - 4));
        }

        #[test]
        fn distance_across_wrap_is_small_and_signed() {
            assert_eq!(TcpSeqNumber(10) - TcpSeqNumber(TOP - 9), 20);
            assert_eq!(TcpSeqNumber(TOP - 9) - TcpSeqNumber(10), -20);
            assert_eq!(TcpSeqNumber(10).offset_from(TcpSeqNumber(TOP - 9)), 20);
        }

        #[test]
        fn comparisons_hold_across_wrap() {
            let before = TcpSeqNumber(TOP - 5);
            let after = TcpSeqNumber(3);
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
            let before = TcpSeqNumber(TOP - 5);
            let after = TcpSeqNumber(3);
            assert_eq!(before.max(after), after);
            assert_eq!(after.max(before), after);
            assert_eq!(before.min(after), before);
            assert_eq!(after.min(before), before);
        }

        #[test]
        fn numbers_2_pow_31_apart_are_ambiguous() {
            // Documented: each is "less than" the other.
            let a = TcpSeqNumber(0);
            let b = TcpSeqNumber(1 << 31);
            assert!(a.lt(b));
            assert!(b.lt(a));
            // One step closer and the order is well defined again.
            let c = TcpSeqNumber((1 << 31) - 1);
            assert!(a.lt(c) && !c.lt(a));
        }

        /// Compares the modular operations with i64 arithmetic on unwrapped
        /// sequence numbers less than 2^31 apart.
        #[test]
        fn modular_comparisons_match_unwrapped_arithmetic() {
            let seed = test_support::seed(0x5e9_2b17);
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            const SPAN: i64 = (1 << 31) - 1;
            for _ in 0..100_000 {
                let a: i64 = rng.gen_range(0..(1i64 << 40));
                let b: i64 = a + rng.gen_range(-SPAN..=SPAN);
                let n: i64 = rng.gen_range(0..=SPAN);
                let (sa, sb) = (TcpSeqNumber(a as u32), TcpSeqNumber(b as u32));
                assert_eq!(sa.lt(sb), a < b, "seed {seed}: {a} < {b}");
                assert_eq!(sa.le(sb), a <= b, "seed {seed}: {a} <= {b}");
                assert_eq!(sa.gt(sb), a > b, "seed {seed}: {a} > {b}");
                assert_eq!(sa.ge(sb), a >= b, "seed {seed}: {a} >= {b}");
                assert_eq!(sa - sb, (a - b) as i32, "seed {seed}: {a} - {b}");
                assert_eq!(sa.max(sb), TcpSeqNumber(a.max(b) as u32), "seed {seed}");
                assert_eq!(sa.min(sb), TcpSeqNumber(a.min(b) as u32), "seed {seed}");
                assert_eq!(sa + n as usize, TcpSeqNumber((a + n) as u32), "seed {seed}");
                assert_eq!(sa - n as usize, TcpSeqNumber((a - n) as u32), "seed {seed}");
            }
        }
    }

    #[test]
    fn fast_parse_agrees_with_the_general_parse() {
        use rand::{Rng, SeedableRng};
        let seed = test_support::seed(0x7c9);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let (mut fast, mut general) = (0, 0);
        for i in 0..2000 {
            let payload_len = rng.gen_range(0..64);
            let repr = TcpRepr {
                src_port: rng.gen(),
                dst_port: rng.gen(),
                seq_number: TcpSeqNumber(rng.gen()),
                ack_number: TcpSeqNumber(rng.gen()),
                flags: TcpFlags(rng.gen()),
                window_len: rng.gen(),
                urgent_at: rng.gen(),
                max_seg_size: rng.gen_bool(0.2).then(|| rng.gen()),
                window_scale: None,
                sack_permitted: rng.gen_bool(0.2),
                sack_ranges: [None; 4],
                timestamp: rng.gen_bool(0.7).then(|| (rng.gen(), rng.gen())),
                payload_len,
            };
            let mut b = vec![0u8; repr.buffer_len()];
            repr.emit(&mut TcpPacket::new_unchecked(&mut b[..]), &V4, true);
            if i % 3 == 0 {
                // Damage a byte of the option area now and then.
                let hl = repr.header_len();
                if hl > 20 {
                    let at = rng.gen_range(20..hl);
                    b[at] = rng.gen();
                }
            }
            let p = TcpPacket::new_checked(&b[..]).unwrap();
            let want = TcpRepr::parse(&p, &V4, false);
            match TcpRepr::parse_fast(&p) {
                Some(r) => {
                    fast += 1;
                    assert_eq!(Ok(r), want, "seed {seed:#x} round {i}");
                }
                None => general += 1,
            }
        }
        assert!(
            fast > 500 && general > 200,
            "{fast} fast, {general} general"
        );
    }

    /// An option area of random options in random order (MSS, window
    /// scale, SACK-permitted, timestamps, SACK of 1 to 4 blocks, NOPs,
    /// unknown kinds), at most 40 bytes, padded with EOL to a multiple of 4.
    fn random_option_area(rng: &mut impl rand::Rng) -> Vec<u8> {
        let mut area = Vec::new();
        for _ in 0..rng.gen_range(0..8) {
            let mut o = Vec::new();
            match rng.gen_range(0..7) {
                0 => {
                    o.extend([field::OPT_MSS, 4]);
                    o.extend(rng.gen::<u16>().to_be_bytes());
                }
                1 => o.extend([field::OPT_WS, 3, rng.gen_range(0..20)]),
                2 => o.extend([field::OPT_SACK_PERM, 2]),
                3 => {
                    o.extend([field::OPT_TSTAMP, 10]);
                    o.extend(rng.gen::<u64>().to_be_bytes());
                }
                4 => {
                    let n = rng.gen_range(1..=4);
                    o.extend([field::OPT_SACK, 2 + 8 * n as u8]);
                    for _ in 0..n {
                        o.extend(rng.gen::<u64>().to_be_bytes());
                    }
                }
                5 => o.push(field::OPT_NOP),
                _ => {
                    let len = rng.gen_range(2..6);
                    o.extend([0xfd, len as u8]);
                    o.resize(len, 0xee);
                }
            }
            if area.len() + o.len() <= field::MAX_OPTIONS_LEN {
                area.extend(o);
            }
        }
        area.resize(area.len().div_ceil(4) * 4, field::OPT_EOL);
        area
    }

    /// Any header `parse` accepts can be emitted again: no panic, a header
    /// of at most 60 bytes whose length `header_len` states, carrying every
    /// option but SACK blocks, of which a prefix is kept (all of them when
    /// they fit); emitting what was parsed back gives the same bytes.
    #[test]
    fn parse_emit_parse_of_arbitrary_option_combinations_is_consistent() {
        use rand::{Rng, SeedableRng};
        let seed = test_support::seed(0x0b7_1045);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut all_four = 0;
        for round in 0..20_000 {
            let area = random_option_area(&mut rng);
            let mut b = vec![0u8; 20 + area.len() + rng.gen_range(0..8)];
            b[..20].copy_from_slice(&SYN[..20]);
            b[20..20 + area.len()].copy_from_slice(&area);
            TcpPacket::new_unchecked(&mut b[..]).set_header_len(20 + area.len());
            let p = TcpPacket::new_checked(&b[..]).unwrap();
            let Ok(r) = TcpRepr::parse(&p, &V4, false) else {
                continue;
            };
            let ctx = format!("seed {seed:#x} round {round}: {r:?}");
            if r.sack_permitted && r.window_scale.is_some() && r.timestamp.is_some() {
                all_four += usize::from(r.sack_ranges[0].is_some());
            }
            let hl = r.header_len();
            assert!((20..=60).contains(&hl) && hl % 4 == 0, "{ctx}: {hl}");
            assert_eq!(r.buffer_len(), hl + r.payload_len, "{ctx}");
            let out = emit(&r, &V4);
            let p2 = TcpPacket::new_checked(&out[..]).unwrap();
            assert_eq!(p2.header_len(), hl, "{ctx}");
            let back = TcpRepr::parse(&p2, &V4, true).unwrap();
            let sent = r.sack_ranges.iter().flatten().count();
            let kept = back.sack_ranges.iter().flatten().count();
            assert!(kept <= sent, "{ctx}");
            assert_eq!(back.sack_ranges[..kept], r.sack_ranges[..kept], "{ctx}");
            if kept < sent {
                assert!(hl + 8 > 60, "{ctx}: a block was dropped that fitted");
            }
            let sack_off = |mut x: TcpRepr| {
                x.sack_ranges = [None; 4];
                x
            };
            assert_eq!(sack_off(back), sack_off(r), "{ctx}");
            assert_eq!(back.header_len(), hl, "{ctx}");
            assert_eq!(emit(&back, &V4), out, "{ctx}");
        }
        assert!(
            all_four > 100,
            "seed {seed:#x}: {all_four} headers with all options"
        );
    }

    #[test]
    fn parser_never_panics_on_truncations_or_random_bytes() {
        fuzz::never_panics("tcp", 0x7c9, &SYN, 80, |b| {
            if let Ok(p) = TcpPacket::new_checked(b) {
                let _ = TcpRepr::parse(&p, &V4, true);
                let _ = TcpRepr::parse(&p, &V4, false);
                let _ = p.options().count();
                let _ = p.payload();
            }
        });
    }
}
