//! IPv6 (RFC 8200): the fixed 40-byte header (section 3), and walking the
//! Hop-by-Hop, Routing and Destination Options extension headers (section 4),
//! all of which share the (next header, length in 8-octet units beyond the
//! first) layout of section 4.3.

use super::{check_len, get_u16, get_u32, ip_protocol, set_u16, set_u32, WireError};
use core::fmt;

const PROTO: &str = "ipv6";

/// A 128-bit IPv6 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Ipv6Address(pub [u8; 16]);

impl Ipv6Address {
    pub const UNSPECIFIED: Ipv6Address = Ipv6Address([0; 16]);

    /// Reads an address from the first 16 bytes of `b` (which must hold 16).
    pub fn from_bytes(b: &[u8]) -> Self {
        let mut a = [0u8; 16];
        a.copy_from_slice(&b[..16]);
        Ipv6Address(a)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn is_multicast(&self) -> bool {
        self.0[0] == 0xff
    }

    /// The solicited-node multicast address ff02::1:ff00:0/104 with the low 24 bits of this address (RFC 4291
    /// section 2.7.1) that neighbour solicitations for `self` go to.
    pub fn solicited_node(&self) -> Ipv6Address {
        let mut a = [0u8; 16];
        a[0] = 0xff;
        a[1] = 0x02;
        a[11] = 0x01;
        a[12] = 0xff;
        a[13..].copy_from_slice(&self.0[13..]);
        Ipv6Address(a)
    }
}

impl fmt::Display for Ipv6Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Uncompressed groups: unambiguous, and enough for logs and tests.
        for i in 0..8 {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{:x}", get_u16(&self.0, i * 2))?;
        }
        Ok(())
    }
}

/// Field offsets (RFC 8200 section 3).
pub mod field {
    use core::ops::Range;
    /// Version (4 bits), traffic class (8), flow label (20).
    pub const VER_TC_FLOW: usize = 0;
    pub const PAYLOAD_LEN: usize = 4;
    pub const NEXT_HEADER: usize = 6;
    pub const HOP_LIMIT: usize = 7;
    pub const SRC: Range<usize> = 8..24;
    pub const DST: Range<usize> = 24..40;
    pub const HEADER_LEN: usize = 40;
    /// In an extension header: next header, and length in 8-octet units
    /// not counting the first 8 (RFC 8200 section 4.3).
    pub const EXT_NEXT_HEADER: usize = 0;
    pub const EXT_LEN: usize = 1;
    pub const EXT_UNIT: usize = 8;
    /// Routing header: Segments Left (RFC 8200 section 4.4).
    pub const ROUTING_SEGMENTS_LEFT: usize = 3;
    /// Fragment header (RFC 8200 section 4.5): 8 bytes; the 16-bit word of
    /// Fragment Offset (13 bits, 8-octet units), Res (2) and the M flag.
    pub const FRAG_LEN: usize = 8;
    pub const FRAG_OFFSET_M: usize = 2;
    /// Fragment Offset and M in that word: zero in an atomic fragment.
    pub const FRAG_OFFSET_M_MASK: u16 = 0xfff9;
    /// The M flag in that word.
    pub const FRAG_M: u16 = 0x0001;
    pub const FRAG_IDENT: usize = 4;
}

/// A view of an IPv6 packet. The buffer may be longer than 40 + payload length.
#[derive(Debug, Clone)]
pub struct Ipv6Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv6Packet<T> {
    pub fn new_unchecked(buffer: T) -> Self {
        Ipv6Packet { buffer }
    }

    /// Checks: the 40-byte header and the payload length fit the buffer.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    pub fn check_len(&self) -> Result<(), WireError> {
        let b = self.buffer.as_ref();
        check_len(PROTO, b, field::HEADER_LEN)?;
        check_len(
            PROTO,
            b,
            field::HEADER_LEN + usize::from(self.payload_len()),
        )
    }

    pub fn into_inner(self) -> T {
        self.buffer
    }

    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VER_TC_FLOW] >> 4
    }
    pub fn traffic_class(&self) -> u8 {
        (get_u16(self.buffer.as_ref(), field::VER_TC_FLOW) >> 4) as u8
    }
    pub fn flow_label(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::VER_TC_FLOW) & 0x000f_ffff
    }
    pub fn payload_len(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::PAYLOAD_LEN)
    }
    pub fn next_header(&self) -> u8 {
        self.buffer.as_ref()[field::NEXT_HEADER]
    }
    pub fn hop_limit(&self) -> u8 {
        self.buffer.as_ref()[field::HOP_LIMIT]
    }
    pub fn src_addr(&self) -> Ipv6Address {
        Ipv6Address::from_bytes(&self.buffer.as_ref()[field::SRC])
    }
    pub fn dst_addr(&self) -> Ipv6Address {
        Ipv6Address::from_bytes(&self.buffer.as_ref()[field::DST])
    }
    /// Everything after the fixed header, up to the payload length
    /// (extension headers included).
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()
            [field::HEADER_LEN..field::HEADER_LEN + usize::from(self.payload_len())]
    }

    /// Skips Hop-by-Hop, Routing and Destination Options headers and the
    /// Fragment header of an atomic fragment, and returns the upper-layer
    /// protocol and its offset within [`payload`](Self::payload).
    /// Hop-by-Hop must come first (RFC 8200 section 4.3). A Fragment header
    /// with offset 0 and M = 0 (an atomic fragment) makes the packet no
    /// less whole: it is processed as the packet itself (RFC 8200 section
    /// 4.5, RFC 6946). Any other Fragment header (a real fragment, found by
    /// [`fragment_header`](Self::fragment_header) and reassembled by the
    /// interface first) is [`WireError::Unsupported`], and
    /// so is a Routing header with Segments Left non-zero: this host is not
    /// the packet's final destination, which a host supporting no routing
    /// type must discard (RFC 8200 section 4.4), and an upper-layer checksum
    /// would cover the final destination, not the one in the fixed header
    /// (section 8.1). No Next Header ends the walk.
    pub fn upper_layer(&self) -> Result<(u8, usize), WireError> {
        match walk_chain(self.payload(), self.next_header(), 0, FragMode::SkipAtomic)? {
            Walked::Upper(next, at) => Ok((next, at)),
            Walked::Fragment(_) => unreachable!("SkipAtomic never stops at a Fragment header"),
        }
    }

    /// As [`upper_layer`](Self::upper_layer), except that any Fragment
    /// header, atomic or not, is [`WireError::Unsupported`]: what
    /// segmentation and coalescing take ([`TcpOffsets`](super::TcpOffsets)),
    /// as Linux's GSO/GRO pull only Hop-by-Hop, Routing and Destination
    /// Options headers.
    pub fn upper_layer_unfragmented(&self) -> Result<(u8, usize), WireError> {
        match walk_chain(self.payload(), self.next_header(), 0, FragMode::Refuse)? {
            Walked::Upper(next, at) => Ok((next, at)),
            Walked::Fragment(_) => unreachable!("Refuse never stops at a Fragment header"),
        }
    }

    /// The first Fragment header (RFC 8200 section 4.5) after the
    /// unfragmentable part (Hop-by-Hop, Routing, Destination Options
    /// headers, walked by the rules of [`upper_layer`](Self::upper_layer)),
    /// atomic or not, or `None` if the walk reaches an upper layer first.
    pub fn fragment_header(&self) -> Result<Option<FragmentAt>, WireError> {
        match walk_chain(self.payload(), self.next_header(), 0, FragMode::Stop)? {
            Walked::Upper(..) => Ok(None),
            Walked::Fragment(f) => Ok(Some(f)),
        }
    }
}

/// Where a Fragment header sits in a packet, and what it says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FragmentAt {
    /// Offset of the Fragment header within the payload (after the fixed
    /// header): the length of the unfragmentable extension headers.
    pub at: usize,
    /// Offset, from the start of the fixed header, of the Next Header byte
    /// that names the Fragment header (6 if no extension header precedes
    /// it): reassembly writes the Fragment header's Next Header there.
    pub named_at: usize,
    pub repr: Ipv6FragmentRepr,
}

/// The upper-layer protocol and its offset within `data`, walking the
/// extension headers that start there with `next` as the first one's type:
/// the fragmentable part of a first fragment (RFC 7112 asks that it hold
/// the whole chain). Hop-by-Hop (which must be first in the packet) and a
/// second Fragment header are errors here; a header running past `data` is
/// [`WireError::Truncated`].
pub fn upper_layer_in(next: u8, data: &[u8]) -> Result<(u8, usize), WireError> {
    if next == ip_protocol::HOP_BY_HOP {
        return Err(WireError::BadOption {
            proto: PROTO,
            kind: next,
            what: "Hop-by-Hop header not first",
        });
    }
    match walk_chain(data, next, 1, FragMode::Refuse)? {
        Walked::Upper(next, at) => Ok((next, at)),
        Walked::Fragment(_) => unreachable!("Refuse never stops at a Fragment header"),
    }
}

/// The upper-layer protocol and its offset in `data`, the part of a packet
/// after its fixed header whose first header is `next`, for a packet that
/// an ICMPv6 error quotes (so `data` may be cut short anywhere after the
/// chain): Hop-by-Hop may come first, and a Fragment header of a first
/// fragment (offset 0) is passed over, its upper-layer header following
/// it; a later fragment's carries none ([`WireError::Unsupported`]).
pub fn quoted_upper_layer(next: u8, data: &[u8]) -> Result<(u8, usize), WireError> {
    match walk_chain(data, next, 0, FragMode::SkipFirst)? {
        Walked::Upper(next, at) => Ok((next, at)),
        Walked::Fragment(_) => unreachable!("SkipFirst never stops at a Fragment header"),
    }
}

/// What [`walk_chain`] does at a Fragment header.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FragMode {
    /// Skip one of offset 0 (a first fragment, or atomic), refuse others.
    SkipFirst,
    /// Skip an atomic one, refuse a real fragment.
    SkipAtomic,
    /// Refuse any.
    Refuse,
    /// Stop at the first and report it.
    Stop,
}

enum Walked {
    Upper(u8, usize),
    Fragment(FragmentAt),
}

/// Walks the extension headers in `payload` from offset 0, the first of
/// type `next`; `depth` 0 means the chain starts right after the fixed
/// header (where Hop-by-Hop may stand).
fn walk_chain(
    payload: &[u8],
    mut next: u8,
    depth: usize,
    mode: FragMode,
) -> Result<Walked, WireError> {
    let mut at = 0usize;
    let mut first = depth == 0;
    let mut named_at = field::NEXT_HEADER;
    loop {
        match next {
            ip_protocol::HOP_BY_HOP | ip_protocol::IPV6_ROUTE | ip_protocol::IPV6_OPTS => {
                if next == ip_protocol::HOP_BY_HOP && !first {
                    return Err(WireError::BadOption {
                        proto: PROTO,
                        kind: next,
                        what: "Hop-by-Hop header not first",
                    });
                }
                check_len(PROTO, payload, at + field::EXT_UNIT)?;
                let len = (usize::from(payload[at + field::EXT_LEN]) + 1) * field::EXT_UNIT;
                check_len(PROTO, payload, at + len)?;
                if next == ip_protocol::IPV6_ROUTE
                    && payload[at + field::ROUTING_SEGMENTS_LEFT] != 0
                {
                    return Err(WireError::Unsupported {
                        proto: PROTO,
                        what: "routing header with segments left",
                    });
                }
                next = payload[at + field::EXT_NEXT_HEADER];
                named_at = field::HEADER_LEN + at + field::EXT_NEXT_HEADER;
                at += len;
                first = false;
            }
            ip_protocol::IPV6_FRAG => {
                check_len(PROTO, payload, at + field::FRAG_LEN)?;
                let repr = Ipv6FragmentRepr::parse(&payload[at..])?;
                match mode {
                    FragMode::Stop => {
                        return Ok(Walked::Fragment(FragmentAt { at, named_at, repr }))
                    }
                    FragMode::SkipAtomic if repr.is_atomic() => {}
                    FragMode::SkipFirst if repr.offset == 0 => {}
                    _ => {
                        return Err(WireError::Unsupported {
                            proto: PROTO,
                            what: "fragment header",
                        })
                    }
                }
                next = repr.next_header;
                named_at = field::HEADER_LEN + at + field::EXT_NEXT_HEADER;
                at += field::FRAG_LEN;
                first = false;
            }
            _ => return Ok(Walked::Upper(next, at)),
        }
    }
}

/// The Fragment header (RFC 8200 section 4.5): Next Header, Reserved,
/// Fragment Offset (13 bits, 8-octet units), Res (2 bits), M, and a 32-bit
/// Identification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv6FragmentRepr {
    /// The type of the fragmentable part's first header (only the first
    /// fragment's counts, RFC 8200 section 4.5).
    pub next_header: u8,
    /// Fragment offset in bytes (a multiple of 8).
    pub offset: u16,
    /// M: more fragments follow.
    pub more: bool,
    pub ident: u32,
}

impl Ipv6FragmentRepr {
    /// Reads the 8 bytes at the start of `b`; the reserved fields are ignored.
    pub fn parse(b: &[u8]) -> Result<Self, WireError> {
        check_len(PROTO, b, field::FRAG_LEN)?;
        let word = get_u16(b, field::FRAG_OFFSET_M);
        Ok(Ipv6FragmentRepr {
            next_header: b[field::EXT_NEXT_HEADER],
            offset: word & !7,
            more: word & field::FRAG_M != 0,
            ident: get_u32(b, field::FRAG_IDENT),
        })
    }

    /// Offset 0 and M = 0: the packet is whole (RFC 6946).
    pub fn is_atomic(&self) -> bool {
        self.offset == 0 && !self.more
    }

    /// Writes the header into the first 8 bytes of `b` (reserved fields 0).
    pub fn emit(&self, b: &mut [u8]) {
        b[field::EXT_NEXT_HEADER] = self.next_header;
        b[1] = 0;
        set_u16(
            b,
            field::FRAG_OFFSET_M,
            (self.offset & !7) | u16::from(self.more),
        );
        set_u32(b, field::FRAG_IDENT, self.ident);
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv6Packet<T> {
    /// Sets version 6, traffic class and flow label together.
    pub fn set_ver_tc_flow(&mut self, traffic_class: u8, flow_label: u32) {
        let v = (6u32 << 28) | (u32::from(traffic_class) << 20) | (flow_label & 0x000f_ffff);
        set_u32(self.buffer.as_mut(), field::VER_TC_FLOW, v)
    }
    pub fn set_payload_len(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::PAYLOAD_LEN, v)
    }
    pub fn set_next_header(&mut self, v: u8) {
        self.buffer.as_mut()[field::NEXT_HEADER] = v
    }
    pub fn set_hop_limit(&mut self, v: u8) {
        self.buffer.as_mut()[field::HOP_LIMIT] = v
    }
    pub fn set_src_addr(&mut self, a: Ipv6Address) {
        self.buffer.as_mut()[field::SRC].copy_from_slice(&a.0)
    }
    pub fn set_dst_addr(&mut self, a: Ipv6Address) {
        self.buffer.as_mut()[field::DST].copy_from_slice(&a.0)
    }
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let end = field::HEADER_LEN + usize::from(self.payload_len());
        &mut self.buffer.as_mut()[field::HEADER_LEN..end]
    }
}

/// The parsed meaning of the fixed IPv6 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv6Repr {
    pub src_addr: Ipv6Address,
    pub dst_addr: Ipv6Address,
    /// The fixed header's next header (possibly an extension header).
    pub next_header: u8,
    pub payload_len: usize,
    pub hop_limit: u8,
    pub traffic_class: u8,
    pub flow_label: u32,
}

impl Ipv6Repr {
    pub fn parse(p: &Ipv6Packet<&[u8]>) -> Result<Self, WireError> {
        p.check_len()?;
        if p.version() != 6 {
            return Err(WireError::BadVersion {
                proto: PROTO,
                version: p.version(),
            });
        }
        Ok(Ipv6Repr {
            src_addr: p.src_addr(),
            dst_addr: p.dst_addr(),
            next_header: p.next_header(),
            payload_len: usize::from(p.payload_len()),
            hop_limit: p.hop_limit(),
            traffic_class: p.traffic_class(),
            flow_label: p.flow_label(),
        })
    }

    /// The fixed header's length; the payload follows.
    pub fn buffer_len(&self) -> usize {
        field::HEADER_LEN
    }

    /// Writes the fixed header into a buffer of at least
    /// `40 + payload_len` bytes.
    pub fn emit(&self, p: &mut Ipv6Packet<&mut [u8]>) {
        p.set_ver_tc_flow(self.traffic_class, self.flow_label);
        p.set_payload_len(self.payload_len as u16);
        p.set_next_header(self.next_header);
        p.set_hop_limit(self.hop_limit);
        p.set_src_addr(self.src_addr);
        p.set_dst_addr(self.dst_addr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::fuzz;

    /// fe80::1 -> fe80::2, TC 0xb8, flow 0x12345, hop limit 64, payload: a
    /// Hop-by-Hop header (8 bytes, PadN) then a Destination Options header
    /// (16 bytes) then 4 bytes of UDP-ish data.
    fn packet() -> Vec<u8> {
        let mut b = vec![
            0x6b, 0x81, 0x23, 0x45, // ver 6, TC 0xb8, flow 0x12345
            0x00, 28, // payload length
            0x00, 64, // next: Hop-by-Hop, hop limit
        ];
        b.extend_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        b.extend_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
        b.extend_from_slice(&[60, 0, 1, 4, 0, 0, 0, 0]); // HBH -> DestOpts, PadN
        b.extend_from_slice(&[17, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // -> UDP
        b.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
        b
    }

    #[test]
    fn known_bytes_parse() {
        let b = packet();
        let p = Ipv6Packet::new_checked(&b[..]).unwrap();
        let r = Ipv6Repr::parse(&p).unwrap();
        assert_eq!(r.traffic_class, 0xb8);
        assert_eq!(r.flow_label, 0x12345);
        assert_eq!(r.payload_len, 28);
        assert_eq!(r.next_header, ip_protocol::HOP_BY_HOP);
        assert_eq!(r.hop_limit, 64);
        assert_eq!(r.src_addr.0[15], 1);
        assert_eq!(r.dst_addr.0[15], 2);
        assert_eq!(r.src_addr.to_string(), "fe80:0:0:0:0:0:0:1");
    }

    #[test]
    fn extension_headers_are_walked_to_the_upper_layer() {
        let b = packet();
        let p = Ipv6Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.upper_layer(), Ok((ip_protocol::UDP, 24)));
        assert_eq!(&p.payload()[24..], &[0xde, 0xad, 0xbe, 0xef]);
    }

    /// RFC 8200 section 4.5, RFC 6946: a Fragment header of offset 0 and
    /// M = 0 is skipped (the reserved bits ignored); with M = 1 or a
    /// non-zero offset the packet is a real fragment and not walked;
    /// `upper_layer_unfragmented` walks no Fragment header at all.
    #[test]
    fn atomic_fragment_header_is_skipped_and_real_fragments_are_not() {
        let mut b = packet();
        // HBH -> Fragment -> DestOpts -> UDP: 8 more bytes after the HBH.
        b[40] = ip_protocol::IPV6_FRAG;
        b.splice(48..48, [60, 0xff, 0, 0, 1, 2, 3, 4]);
        b[5] += 8;
        for (word, walked) in [
            (0x0000u16, true),
            (0x0006, true), // Res bits: ignored
            (0x0001, false),
            (0x0008, false),
            (0xfff8, false),
        ] {
            b[50..52].copy_from_slice(&word.to_be_bytes());
            let p = Ipv6Packet::new_checked(&b[..]).unwrap();
            let want = if walked {
                Ok((ip_protocol::UDP, 32))
            } else {
                Err(WireError::Unsupported {
                    proto: PROTO,
                    what: "fragment header",
                })
            };
            assert_eq!(p.upper_layer(), want, "offset/M word {word:#06x}");
            assert!(p.upper_layer_unfragmented().is_err(), "{word:#06x}");
        }
        // A Fragment header cut short by the payload length.
        let mut t = packet();
        t[6] = ip_protocol::IPV6_FRAG;
        t[5] = 4;
        t.truncate(44);
        let p = Ipv6Packet::new_checked(&t[..]).unwrap();
        assert!(matches!(p.upper_layer(), Err(WireError::Truncated { .. })));
    }

    #[test]
    fn routing_header_is_skipped_only_with_no_segments_left() {
        // HBH -> Routing (8 bytes, type 4, segments left as given) -> UDP.
        let mut b = packet();
        b[40] = ip_protocol::IPV6_ROUTE;
        b[48..56].copy_from_slice(&[17, 0, 4, 0, 0, 0, 0, 0]);
        b.truncate(56 + 4);
        b[5] = 20;
        let p = Ipv6Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.upper_layer(), Ok((ip_protocol::UDP, 16)));
        b[48 + field::ROUTING_SEGMENTS_LEFT] = 1;
        let p = Ipv6Packet::new_checked(&b[..]).unwrap();
        assert!(matches!(
            p.upper_layer(),
            Err(WireError::Unsupported { .. })
        ));
    }

    #[test]
    fn hop_by_hop_after_another_header_is_rejected() {
        let mut b = packet();
        b[40 + 8] = ip_protocol::HOP_BY_HOP; // DestOpts -> HBH
        let p = Ipv6Packet::new_checked(&b[..]).unwrap();
        assert!(matches!(p.upper_layer(), Err(WireError::BadOption { .. })));
    }

    #[test]
    fn overrunning_extension_length_is_rejected() {
        let mut b = packet();
        b[40 + 8 + 1] = 5; // DestOpts claims 48 bytes
        let p = Ipv6Packet::new_checked(&b[..]).unwrap();
        assert!(matches!(p.upper_layer(), Err(WireError::Truncated { .. })));
    }

    #[test]
    fn round_trip() {
        let r = Ipv6Repr {
            src_addr: Ipv6Address([0x20; 16]),
            dst_addr: Ipv6Address([0xff; 16]),
            next_header: ip_protocol::TCP,
            payload_len: 3,
            hop_limit: 255,
            traffic_class: 0x03,
            flow_label: 0xfffff,
        };
        let mut buf = vec![0u8; r.buffer_len() + 3];
        r.emit(&mut Ipv6Packet::new_unchecked(&mut buf[..]));
        let p = Ipv6Packet::new_checked(&buf[..]).unwrap();
        assert_eq!(Ipv6Repr::parse(&p).unwrap(), r);
        assert_eq!(p.upper_layer(), Ok((ip_protocol::TCP, 0)));
    }

    #[test]
    fn lying_payload_length_and_version_are_rejected() {
        let mut b = packet();
        b[field::PAYLOAD_LEN + 1] = 29;
        assert!(matches!(
            Ipv6Packet::new_checked(&b[..]),
            Err(WireError::Truncated { .. })
        ));
        let mut b = packet();
        b[0] = 0x4b;
        let p = Ipv6Packet::new_checked(&b[..]).unwrap();
        assert!(matches!(
            Ipv6Repr::parse(&p),
            Err(WireError::BadVersion { version: 4, .. })
        ));
    }

    #[test]
    fn solicited_node_address_keeps_low_24_bits() {
        let a = Ipv6Address([
            0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xab, 0xcd, 0xef,
        ]);
        assert_eq!(
            a.solicited_node().0,
            [0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xab, 0xcd, 0xef]
        );
    }

    /// `fragment_header` stops at the first Fragment header, atomic or not,
    /// after the unfragmentable headers, and names the byte that points to
    /// it; a packet without one is `None`.
    #[test]
    fn fragment_header_is_found_after_the_unfragmentable_part() {
        let mut b = packet();
        // HBH -> Fragment (offset 1448, M, ident 0x01020304) -> DestOpts -> UDP.
        b[40] = ip_protocol::IPV6_FRAG;
        b.splice(48..48, [60, 0xff, 0x05, 0xa9, 1, 2, 3, 4]);
        b[5] += 8;
        let p = Ipv6Packet::new_checked(&b[..]).unwrap();
        let f = p.fragment_header().unwrap().unwrap();
        assert_eq!(f.at, 8);
        assert_eq!(f.named_at, 40);
        assert_eq!(
            f.repr,
            Ipv6FragmentRepr {
                next_header: ip_protocol::IPV6_OPTS,
                offset: 0x05a8,
                more: true,
                ident: 0x0102_0304,
            }
        );
        let mut out = [0u8; 8];
        f.repr.emit(&mut out);
        assert_eq!(
            out,
            [60, 0, 0x05, 0xa9, 1, 2, 3, 4],
            "reserved bits written 0"
        );
        assert!(!f.repr.is_atomic());
        // Right after the fixed header: named by the fixed header's byte 6.
        let mut t = packet();
        t[6] = ip_protocol::IPV6_FRAG;
        t[40] = ip_protocol::UDP;
        let p = Ipv6Packet::new_checked(&t[..]).unwrap();
        let f = p.fragment_header().unwrap().unwrap();
        assert_eq!((f.at, f.named_at), (0, field::NEXT_HEADER));
        // No Fragment header at all.
        let whole = packet();
        let p = Ipv6Packet::new_checked(&whole[..]).unwrap();
        assert_eq!(p.fragment_header(), Ok(None));
    }

    /// RFC 7112: the walk of a first fragment's fragmentable part reaches
    /// the upper layer only if the whole chain is there.
    #[test]
    fn upper_layer_in_walks_a_fragmentable_part() {
        let opts = [17u8, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(upper_layer_in(ip_protocol::IPV6_OPTS, &opts), Ok((17, 16)));
        assert!(matches!(
            upper_layer_in(ip_protocol::IPV6_OPTS, &opts[..8]),
            Err(WireError::Truncated { .. })
        ));
        assert_eq!(upper_layer_in(ip_protocol::UDP, &[]), Ok((17, 0)));
        assert!(upper_layer_in(ip_protocol::HOP_BY_HOP, &opts).is_err());
        let frag = [17u8, 0, 0, 0, 0, 0, 0, 1];
        assert!(upper_layer_in(ip_protocol::IPV6_FRAG, &frag).is_err());
    }

    #[test]
    fn parser_never_panics_on_truncations_or_random_bytes() {
        let b = packet();
        fuzz::never_panics("ipv6", 0x6666, &b, 96, |b| {
            if let Ok(p) = Ipv6Packet::new_checked(b) {
                let _ = Ipv6Repr::parse(&p);
                let _ = p.upper_layer();
                let _ = p.fragment_header();
                let _ = upper_layer_in(b[0], b);
            }
        });
    }
}
