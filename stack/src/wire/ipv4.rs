//! IPv4 (RFC 791 section 3.1): header with options, header checksum
//! (RFC 1071 sum over the header), and fragmentation fields.

use super::{check_len, get_u16, set_u16, WireError};
use crate::checksum;
use core::fmt;

const PROTO: &str = "ipv4";

/// A 32-bit IPv4 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Ipv4Address(pub [u8; 4]);

impl Ipv4Address {
    pub const UNSPECIFIED: Ipv4Address = Ipv4Address([0; 4]);
    pub const BROADCAST: Ipv4Address = Ipv4Address([255; 4]);

    pub const fn new(a: u8, b: u8, c: u8, d: u8) -> Self {
        Ipv4Address([a, b, c, d])
    }

    /// Reads an address from the first four bytes of `b` (which must hold four).
    pub fn from_bytes(b: &[u8]) -> Self {
        let mut a = [0u8; 4];
        a.copy_from_slice(&b[..4]);
        Ipv4Address(a)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn is_multicast(&self) -> bool {
        self.0[0] & 0xf0 == 224
    }
}

impl fmt::Display for Ipv4Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(f, "{}.{}.{}.{}", b[0], b[1], b[2], b[3])
    }
}

/// Field offsets (RFC 791 section 3.1, "Internet Header Format").
pub mod field {
    use core::ops::Range;
    /// Version (high nibble) and IHL in 32-bit words (low nibble).
    pub const VER_IHL: usize = 0;
    /// DSCP (high 6 bits) and ECN (low 2 bits), RFC 2474 / RFC 3168.
    pub const DSCP_ECN: usize = 1;
    pub const TOTAL_LEN: usize = 2;
    pub const IDENT: usize = 4;
    /// Flags (3 bits: reserved, DF, MF) and fragment offset in 8-byte units.
    pub const FLAGS_FRAG: usize = 6;
    pub const TTL: usize = 8;
    pub const PROTOCOL: usize = 9;
    pub const CHECKSUM: usize = 10;
    pub const SRC: Range<usize> = 12..16;
    pub const DST: Range<usize> = 16..20;
    /// Options start here and run to IHL * 4.
    pub const OPTIONS: usize = 20;
    pub const MIN_HEADER_LEN: usize = 20;
    pub const MAX_HEADER_LEN: usize = 60;
    pub const FLAG_RESERVED: u16 = 0x8000;
    pub const FLAG_DF: u16 = 0x4000;
    pub const FLAG_MF: u16 = 0x2000;
    pub const FRAG_OFFSET_MASK: u16 = 0x1fff;
}

/// A view of an IPv4 packet. The buffer may be longer than the total length
/// (Ethernet padding); [`payload`](Ipv4Packet::payload) stops at the total length.
#[derive(Debug, Clone)]
pub struct Ipv4Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv4Packet<T> {
    pub fn new_unchecked(buffer: T) -> Self {
        Ipv4Packet { buffer }
    }

    /// Checks: 20 bytes present; IHL >= 5; the header fits; total length
    /// covers the header and fits in the buffer.
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
                what: "IHL < 5",
            });
        }
        check_len(PROTO, b, hl)?;
        let tl = usize::from(self.total_len());
        if tl < hl {
            return Err(WireError::BadLength {
                proto: PROTO,
                what: "total length < header length",
            });
        }
        check_len(PROTO, b, tl)
    }

    pub fn into_inner(self) -> T {
        self.buffer
    }

    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VER_IHL] >> 4
    }
    /// Header length in bytes (IHL * 4).
    pub fn header_len(&self) -> usize {
        usize::from(self.buffer.as_ref()[field::VER_IHL] & 0x0f) * 4
    }
    pub fn dscp(&self) -> u8 {
        self.buffer.as_ref()[field::DSCP_ECN] >> 2
    }
    pub fn ecn(&self) -> u8 {
        self.buffer.as_ref()[field::DSCP_ECN] & 3
    }
    pub fn total_len(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::TOTAL_LEN)
    }
    pub fn ident(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::IDENT)
    }
    fn flags_frag(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::FLAGS_FRAG)
    }
    pub fn dont_frag(&self) -> bool {
        self.flags_frag() & field::FLAG_DF != 0
    }
    pub fn more_frags(&self) -> bool {
        self.flags_frag() & field::FLAG_MF != 0
    }
    /// Fragment offset in bytes (the field counts 8-byte units).
    pub fn frag_offset(&self) -> u16 {
        (self.flags_frag() & field::FRAG_OFFSET_MASK) << 3
    }
    /// True if this is a fragment (MF set or nonzero offset).
    pub fn is_fragment(&self) -> bool {
        self.more_frags() || self.frag_offset() != 0
    }
    pub fn ttl(&self) -> u8 {
        self.buffer.as_ref()[field::TTL]
    }
    pub fn protocol(&self) -> u8 {
        self.buffer.as_ref()[field::PROTOCOL]
    }
    pub fn checksum(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::CHECKSUM)
    }
    pub fn src_addr(&self) -> Ipv4Address {
        Ipv4Address::from_bytes(&self.buffer.as_ref()[field::SRC])
    }
    pub fn dst_addr(&self) -> Ipv4Address {
        Ipv4Address::from_bytes(&self.buffer.as_ref()[field::DST])
    }
    /// The options bytes (between the fixed header and IHL * 4).
    pub fn options(&self) -> &[u8] {
        &self.buffer.as_ref()[field::OPTIONS..self.header_len()]
    }
    /// True if the header sums to 0xffff (RFC 791 "Header Checksum").
    pub fn verify_checksum(&self) -> bool {
        checksum::data(&self.buffer.as_ref()[..self.header_len()]) == 0xffff
    }
    /// Payload: from the end of the header to the total length.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[self.header_len()..usize::from(self.total_len())]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv4Packet<T> {
    pub fn set_version(&mut self, v: u8) {
        let b = &mut self.buffer.as_mut()[field::VER_IHL];
        *b = (*b & 0x0f) | (v << 4);
    }
    /// Sets IHL from a header length in bytes (a multiple of 4, 20..=60).
    pub fn set_header_len(&mut self, len: usize) {
        let b = &mut self.buffer.as_mut()[field::VER_IHL];
        *b = (*b & 0xf0) | ((len / 4) as u8 & 0x0f);
    }
    pub fn set_dscp_ecn(&mut self, dscp: u8, ecn: u8) {
        self.buffer.as_mut()[field::DSCP_ECN] = (dscp << 2) | (ecn & 3);
    }
    pub fn set_total_len(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::TOTAL_LEN, v)
    }
    pub fn set_ident(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::IDENT, v)
    }
    /// Sets DF, MF and the fragment offset (in bytes, a multiple of 8).
    pub fn set_frag(&mut self, dont_frag: bool, more_frags: bool, offset: u16) {
        let mut v = (offset >> 3) & field::FRAG_OFFSET_MASK;
        if dont_frag {
            v |= field::FLAG_DF;
        }
        if more_frags {
            v |= field::FLAG_MF;
        }
        set_u16(self.buffer.as_mut(), field::FLAGS_FRAG, v)
    }
    pub fn set_ttl(&mut self, v: u8) {
        self.buffer.as_mut()[field::TTL] = v
    }
    pub fn set_protocol(&mut self, v: u8) {
        self.buffer.as_mut()[field::PROTOCOL] = v
    }
    pub fn set_checksum(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::CHECKSUM, v)
    }
    pub fn set_src_addr(&mut self, a: Ipv4Address) {
        self.buffer.as_mut()[field::SRC].copy_from_slice(&a.0)
    }
    pub fn set_dst_addr(&mut self, a: Ipv4Address) {
        self.buffer.as_mut()[field::DST].copy_from_slice(&a.0)
    }
    pub fn options_mut(&mut self) -> &mut [u8] {
        let hl = self.header_len();
        &mut self.buffer.as_mut()[field::OPTIONS..hl]
    }
    /// Computes and writes the header checksum over IHL * 4 bytes.
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let hl = self.header_len();
        let sum = checksum::data(&self.buffer.as_ref()[..hl]);
        self.set_checksum(!sum);
    }
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let (hl, tl) = (self.header_len(), usize::from(self.total_len()));
        &mut self.buffer.as_mut()[hl..tl]
    }
}

/// The parsed meaning of an IPv4 header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv4Repr {
    pub src_addr: Ipv4Address,
    pub dst_addr: Ipv4Address,
    pub protocol: u8,
    /// Payload length (total length minus header length).
    pub payload_len: usize,
    pub ttl: u8,
    pub dscp: u8,
    pub ecn: u8,
    pub ident: u16,
    pub dont_frag: bool,
    pub more_frags: bool,
    /// Fragment offset in bytes.
    pub frag_offset: u16,
    /// Raw option bytes, a multiple of 4 long, at most 40.
    pub options: Vec<u8>,
}

impl Ipv4Repr {
    /// A header for an unfragmented packet of ours: TTL 64, no DSCP/ECN,
    /// no options; `dont_frag` sets DF.
    pub fn unfragmented(
        src_addr: Ipv4Address,
        dst_addr: Ipv4Address,
        protocol: u8,
        payload_len: usize,
        ident: u16,
        dont_frag: bool,
    ) -> Self {
        Ipv4Repr {
            src_addr,
            dst_addr,
            protocol,
            payload_len,
            ttl: 64,
            dscp: 0,
            ecn: 0,
            ident,
            dont_frag,
            more_frags: false,
            frag_offset: 0,
            options: Vec::new(),
        }
    }

    /// Parses a checked packet; verifies the header checksum if
    /// `verify_checksum` (skip it when the NIC already did).
    pub fn parse(p: &Ipv4Packet<&[u8]>, verify_checksum: bool) -> Result<Self, WireError> {
        p.check_len()?;
        if p.version() != 4 {
            return Err(WireError::BadVersion {
                proto: PROTO,
                version: p.version(),
            });
        }
        if verify_checksum && !p.verify_checksum() {
            return Err(WireError::BadChecksum { proto: PROTO });
        }
        Ok(Ipv4Repr {
            src_addr: p.src_addr(),
            dst_addr: p.dst_addr(),
            protocol: p.protocol(),
            payload_len: usize::from(p.total_len()) - p.header_len(),
            ttl: p.ttl(),
            dscp: p.dscp(),
            ecn: p.ecn(),
            ident: p.ident(),
            dont_frag: p.dont_frag(),
            more_frags: p.more_frags(),
            frag_offset: p.frag_offset(),
            options: p.options().to_vec(),
        })
    }

    /// Header length in bytes.
    pub fn header_len(&self) -> usize {
        field::MIN_HEADER_LEN + self.options.len()
    }

    /// Header length (the payload is written by the caller after it).
    pub fn buffer_len(&self) -> usize {
        self.header_len()
    }

    /// Writes the header into a buffer of at least `header_len + payload_len`
    /// bytes; fills the checksum if `fill_checksum` (else leaves it 0 for
    /// the NIC). Options must be padded to a multiple of 4 and at most 40.
    pub fn emit(&self, p: &mut Ipv4Packet<&mut [u8]>, fill_checksum: bool) {
        debug_assert!(self.options.len().is_multiple_of(4) && self.options.len() <= 40);
        p.set_version(4);
        p.set_header_len(self.header_len());
        p.set_dscp_ecn(self.dscp, self.ecn);
        p.set_total_len((self.header_len() + self.payload_len) as u16);
        p.set_ident(self.ident);
        p.set_frag(self.dont_frag, self.more_frags, self.frag_offset);
        p.set_ttl(self.ttl);
        p.set_protocol(self.protocol);
        p.set_src_addr(self.src_addr);
        p.set_dst_addr(self.dst_addr);
        p.options_mut().copy_from_slice(&self.options);
        if fill_checksum {
            p.fill_checksum();
        } else {
            p.set_checksum(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{fuzz, ip_protocol};

    /// A hand-written header: 10.0.0.1 -> 10.0.0.2, UDP, DF, TTL 64, ident
    /// 0x1c46, total length 28 (8 payload bytes). Checksum computed by hand:
    /// 0x4500+0x001c+0x1c46+0x4000+0x4011+0x0a00+0x0001+0x0a00+0x0002
    /// = 0xf576, inverted 0x0a89.
    const HEADER: [u8; 28] = [
        0x45, 0x00, 0x00, 0x1c, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x11, 0x0a, 0x89, 10, 0, 0, 1, 10, 0,
        0, 2, 1, 2, 3, 4, 5, 6, 7, 8,
    ];

    fn repr() -> Ipv4Repr {
        Ipv4Repr {
            src_addr: Ipv4Address::new(192, 168, 1, 1),
            dst_addr: Ipv4Address::new(192, 168, 1, 2),
            protocol: ip_protocol::TCP,
            payload_len: 12,
            ttl: 63,
            dscp: 46,
            ecn: 1,
            ident: 0xbeef,
            dont_frag: false,
            more_frags: true,
            frag_offset: 1480,
            options: vec![0x94, 0x04, 0x00, 0x00], // Router Alert
        }
    }

    #[test]
    fn known_bytes_parse_and_checksum_verifies() {
        let p = Ipv4Packet::new_checked(&HEADER[..]).unwrap();
        assert!(p.verify_checksum());
        let r = Ipv4Repr::parse(&p, true).unwrap();
        assert_eq!(r.src_addr, Ipv4Address::new(10, 0, 0, 1));
        assert_eq!(r.dst_addr, Ipv4Address::new(10, 0, 0, 2));
        assert_eq!(r.protocol, ip_protocol::UDP);
        assert_eq!(r.payload_len, 8);
        assert_eq!(r.ttl, 64);
        assert_eq!(r.ident, 0x1c46);
        assert!(r.dont_frag && !r.more_frags && r.frag_offset == 0);
        assert!(r.options.is_empty());
        assert_eq!(p.payload(), &[1, 2, 3, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn round_trip_with_options_and_fragment_fields() {
        let r = repr();
        let mut buf = vec![0u8; r.buffer_len() + r.payload_len];
        r.emit(&mut Ipv4Packet::new_unchecked(&mut buf[..]), true);
        let p = Ipv4Packet::new_checked(&buf[..]).unwrap();
        assert_eq!(p.header_len(), 24);
        assert!(p.is_fragment());
        assert_eq!(Ipv4Repr::parse(&p, true).unwrap(), r);
    }

    #[test]
    fn checksum_fails_after_a_flipped_bit() {
        let mut buf = HEADER;
        buf[8] ^= 0x01;
        let p = Ipv4Packet::new_checked(&buf[..]).unwrap();
        assert!(!p.verify_checksum());
        assert_eq!(
            Ipv4Repr::parse(&p, true),
            Err(WireError::BadChecksum { proto: "ipv4" })
        );
        assert!(Ipv4Repr::parse(&p, false).is_ok());
    }

    #[test]
    fn padding_after_total_length_is_not_payload() {
        let mut buf = HEADER.to_vec();
        buf.extend_from_slice(&[0; 18]);
        let p = Ipv4Packet::new_checked(&buf[..]).unwrap();
        assert_eq!(p.payload().len(), 8);
    }

    #[test]
    fn lying_lengths_are_rejected() {
        let mut b = HEADER;
        b[field::TOTAL_LEN + 1] = 29; // total length > buffer
        assert!(matches!(
            Ipv4Packet::new_checked(&b[..]),
            Err(WireError::Truncated { .. })
        ));
        let mut b = HEADER;
        b[field::VER_IHL] = 0x44; // IHL 4 < 5
        assert!(matches!(
            Ipv4Packet::new_checked(&b[..]),
            Err(WireError::BadLength { .. })
        ));
        let mut b = HEADER;
        b[field::VER_IHL] = 0x4f; // IHL 15 = 60 bytes > buffer
        assert!(matches!(
            Ipv4Packet::new_checked(&b[..]),
            Err(WireError::Truncated { .. })
        ));
        let mut b = HEADER;
        b[field::TOTAL_LEN + 1] = 19; // total length < header length
        assert!(matches!(
            Ipv4Packet::new_checked(&b[..]),
            Err(WireError::BadLength { .. })
        ));
    }

    #[test]
    fn wrong_version_is_rejected() {
        let mut b = HEADER;
        b[field::VER_IHL] = 0x65;
        let p = Ipv4Packet::new_checked(&b[..]).unwrap();
        assert!(matches!(
            Ipv4Repr::parse(&p, false),
            Err(WireError::BadVersion { version: 6, .. })
        ));
    }

    #[test]
    fn parser_never_panics_on_truncations_or_random_bytes() {
        fuzz::never_panics("ipv4", 0x4444, &HEADER, 80, |b| {
            if let Ok(p) = Ipv4Packet::new_checked(b) {
                let _ = Ipv4Repr::parse(&p, true);
                let _ = (p.payload(), p.options(), p.verify_checksum());
            }
        });
    }
}
