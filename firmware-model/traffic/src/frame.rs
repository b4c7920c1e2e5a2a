//! One frame builder for the workspace's tests: Ethernet (with or without an
//! 802.1Q tag), IPv4 (options, flags and fragment offset) or IPv6 (extension
//! headers), TCP (options), UDP or any other protocol, a payload and padding,
//! with correct or deliberately wrong checksums.
//!
//! The arithmetic is this crate's own (RFC 1071 sums over big-endian words),
//! independent of the firmware model's `csum.rs` and of the stack's
//! checksum, so a test that builds its frames here checks those, not itself.
//!
//! ```ignore
//! let b = FrameBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2])
//!     .tcp(40000, 443)
//!     .vlan(7)
//!     .payload(&[0x5a; 100])
//!     .build();
//! assert_eq!(b.frame.len(), 18 + 20 + 20 + 100);
//! ```

use crate::{fold, sum};

/// EtherType of IPv4.
pub const ETHERTYPE_IPV4: u16 = 0x0800;
/// EtherType of IPv6.
pub const ETHERTYPE_IPV6: u16 = 0x86dd;
/// EtherType (TPID) of an 802.1Q tag.
pub const ETHERTYPE_VLAN: u16 = 0x8100;
/// IP protocol numbers (and IPv6 next-header values) the builder knows.
pub mod proto {
    pub const HOP_BY_HOP: u8 = 0;
    pub const ICMP: u8 = 1;
    pub const TCP: u8 = 6;
    pub const UDP: u8 = 17;
    pub const ROUTING: u8 = 43;
    pub const FRAGMENT: u8 = 44;
    pub const NO_NEXT_HEADER: u8 = 59;
    pub const DEST_OPTS: u8 = 60;
}

/// The default destination and source MAC addresses.
pub const MAC_DST: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];
pub const MAC_SRC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];

/// What a checksum field is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Checksum {
    /// The correct value (an L4 result of 0 written as 0xFFFF, as Linux
    /// does and RFC 768 requires of UDP).
    #[default]
    Correct,
    /// The correct value with one bit flipped (bit 8): wrong for every
    /// checker, never the other form of the same one's-complement number.
    Wrong,
    /// Zero ("no checksum" for UDP over IPv4).
    Zero,
    /// Exactly this value.
    Value(u16),
}

/// The network layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ip {
    V4(Ipv4),
    V6(Ipv6),
}

/// An IPv4 header; length, IHL and checksum are filled in by the builder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv4 {
    pub src: [u8; 4],
    pub dst: [u8; 4],
    pub tos: u8,
    pub id: u16,
    /// The flags and fragment-offset word (0x4000: DF, not a fragment).
    pub frag: u16,
    pub ttl: u8,
    /// Options, a multiple of 4 bytes, at most 40.
    pub options: Vec<u8>,
    pub checksum: Checksum,
}

/// An IPv6 header; payload length and next header are filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv6 {
    pub src: [u8; 16],
    pub dst: [u8; 16],
    pub traffic_class: u8,
    /// 20 bits.
    pub flow_label: u32,
    pub hop_limit: u8,
    pub exts: Vec<Ext>,
}

/// An IPv6 extension header: its kind (the next-header value that names it)
/// and all its bytes, a multiple of 8; bytes 0 (next header) and 1 (length
/// in 8-byte units beyond the first 8) are filled in by the builder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ext {
    pub kind: u8,
    pub bytes: Vec<u8>,
}

/// The transport layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum L4 {
    Tcp(Tcp),
    Udp(Udp),
    /// Raw L4 bytes of protocol `protocol` (the payload follows them): the
    /// checksum field, if the protocol is TCP or UDP and the bytes hold it,
    /// is filled in over the bytes as given, lying length fields included.
    Raw {
        protocol: u8,
        bytes: Vec<u8>,
    },
}

/// A TCP header; data offset and checksum are filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tcp {
    pub sport: u16,
    pub dport: u16,
    pub seq: u32,
    pub ack: u32,
    /// The flags byte (0x10 ACK, 0x08 PSH, 0x02 SYN, 0x01 FIN, ...).
    pub flags: u8,
    pub window: u16,
    pub urgent: u16,
    /// Options, a multiple of 4 bytes, at most 40.
    pub options: Vec<u8>,
}

/// A UDP header; length and checksum are filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Udp {
    pub sport: u16,
    pub dport: u16,
}

/// A frame to build. Start from [`FrameBuilder::ipv4`] or
/// [`FrameBuilder::ipv6`]; without [`FrameBuilder::tcp`], [`FrameBuilder::udp`]
/// or [`FrameBuilder::l4_bytes`] the IP packet carries the payload as
/// protocol 59 (no next header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameBuilder {
    pub dst_mac: [u8; 6],
    pub src_mac: [u8; 6],
    /// The 802.1Q tag's TCI, when tagged.
    pub vlan: Option<u16>,
    pub ip: Ip,
    /// The IP protocol / last next-header value, when it should differ from
    /// what the L4 layer is (a UDP segment in a packet that says ICMP).
    pub protocol: Option<u8>,
    pub l4: L4,
    pub payload: Vec<u8>,
    pub l4_checksum: Checksum,
    /// Bytes after the IP packet.
    pub pad: Vec<u8>,
    /// Zero padding up to this frame length (60: the Ethernet minimum
    /// without FCS); applied after `pad`.
    pub min_len: usize,
}

/// A built frame and where its layers are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    pub frame: Vec<u8>,
    /// Start of the IP header.
    pub l3: usize,
    /// Start of the L4 header (of the payload for other protocols).
    pub l4: usize,
    /// End of the IP packet (start of padding).
    pub end: usize,
    /// Offset of the L4 checksum field in the L4 header, when there is one.
    pub csum_offset: Option<usize>,
    /// The L4 protocol number as the IP header says it.
    pub protocol: u8,
    pub is_ipv6: bool,
    pub vlan: bool,
    /// Kind, start and length of each IPv6 extension header.
    pub exts: Vec<(u8, usize, usize)>,
}

impl FrameBuilder {
    fn with_ip(ip: Ip) -> FrameBuilder {
        FrameBuilder {
            dst_mac: MAC_DST,
            src_mac: MAC_SRC,
            vlan: None,
            ip,
            protocol: None,
            l4: L4::Raw {
                protocol: proto::NO_NEXT_HEADER,
                bytes: Vec::new(),
            },
            payload: Vec::new(),
            l4_checksum: Checksum::Correct,
            pad: Vec::new(),
            min_len: 0,
        }
    }

    /// IPv4 from `src` to `dst`: DF, TTL 64, identification 1, no options.
    pub fn ipv4(src: [u8; 4], dst: [u8; 4]) -> FrameBuilder {
        FrameBuilder::with_ip(Ip::V4(Ipv4 {
            src,
            dst,
            tos: 0,
            id: 1,
            frag: 0x4000,
            ttl: 64,
            options: Vec::new(),
            checksum: Checksum::Correct,
        }))
    }

    /// IPv6 from `src` to `dst`: hop limit 64, no extension headers.
    pub fn ipv6(src: [u8; 16], dst: [u8; 16]) -> FrameBuilder {
        FrameBuilder::with_ip(Ip::V6(Ipv6 {
            src,
            dst,
            traffic_class: 0,
            flow_label: 0,
            hop_limit: 64,
            exts: Vec::new(),
        }))
    }

    /// TCP from `sport` to `dport`: seq 1, ack 0, ACK, window 65535.
    pub fn tcp(mut self, sport: u16, dport: u16) -> FrameBuilder {
        self.l4 = L4::Tcp(Tcp {
            sport,
            dport,
            seq: 1,
            ack: 0,
            flags: 0x10,
            window: 0xffff,
            urgent: 0,
            options: Vec::new(),
        });
        self
    }

    /// UDP from `sport` to `dport`.
    pub fn udp(mut self, sport: u16, dport: u16) -> FrameBuilder {
        self.l4 = L4::Udp(Udp { sport, dport });
        self
    }

    /// Raw L4 bytes of `protocol` (see [`L4::Raw`]).
    pub fn l4_bytes(mut self, protocol: u8, bytes: &[u8]) -> FrameBuilder {
        self.l4 = L4::Raw {
            protocol,
            bytes: bytes.to_vec(),
        };
        self
    }

    /// The IP header names `protocol` whatever the L4 layer is.
    pub fn protocol(mut self, protocol: u8) -> FrameBuilder {
        self.protocol = Some(protocol);
        self
    }

    pub fn macs(mut self, dst: [u8; 6], src: [u8; 6]) -> FrameBuilder {
        self.dst_mac = dst;
        self.src_mac = src;
        self
    }

    /// An 802.1Q tag with this TCI.
    pub fn vlan(mut self, tci: u16) -> FrameBuilder {
        self.vlan = Some(tci);
        self
    }

    fn v4(&mut self) -> &mut Ipv4 {
        match &mut self.ip {
            Ip::V4(h) => h,
            Ip::V6(_) => panic!("an IPv4 field on an IPv6 frame"),
        }
    }

    fn v6(&mut self) -> &mut Ipv6 {
        match &mut self.ip {
            Ip::V6(h) => h,
            Ip::V4(_) => panic!("an IPv6 field on an IPv4 frame"),
        }
    }

    fn tcp_hdr(&mut self) -> &mut Tcp {
        match &mut self.l4 {
            L4::Tcp(t) => t,
            _ => panic!("a TCP field on a frame that is not TCP"),
        }
    }

    /// IPv4 options (a multiple of 4 bytes, at most 40).
    pub fn ipv4_options(mut self, options: &[u8]) -> FrameBuilder {
        assert!(
            options.len().is_multiple_of(4) && options.len() <= 40,
            "IPv4 options"
        );
        self.v4().options = options.to_vec();
        self
    }

    /// The IPv4 flags and fragment-offset word.
    pub fn ipv4_frag(mut self, word: u16) -> FrameBuilder {
        self.v4().frag = word;
        self
    }

    pub fn ipv4_id(mut self, id: u16) -> FrameBuilder {
        self.v4().id = id;
        self
    }

    pub fn ipv4_checksum(mut self, c: Checksum) -> FrameBuilder {
        self.v4().checksum = c;
        self
    }

    /// IPv4 TTL or IPv6 hop limit.
    pub fn ttl(mut self, ttl: u8) -> FrameBuilder {
        match &mut self.ip {
            Ip::V4(h) => h.ttl = ttl,
            Ip::V6(h) => h.hop_limit = ttl,
        }
        self
    }

    /// IPv4 type of service or IPv6 traffic class.
    pub fn tos(mut self, tos: u8) -> FrameBuilder {
        match &mut self.ip {
            Ip::V4(h) => h.tos = tos,
            Ip::V6(h) => h.traffic_class = tos,
        }
        self
    }

    pub fn flow_label(mut self, label: u32) -> FrameBuilder {
        assert!(label < 1 << 20, "flow label is 20 bits");
        self.v6().flow_label = label;
        self
    }

    /// An IPv6 extension header of kind `kind` and `len` bytes (a multiple
    /// of 8), zero but for its first two bytes: Pad1 options, a Routing
    /// header with Segments Left 0.
    pub fn ipv6_ext(self, kind: u8, len: usize) -> FrameBuilder {
        self.ipv6_ext_bytes(kind, &vec![0; len])
    }

    /// An IPv6 extension header with these bytes (bytes 0 and 1 are
    /// overwritten; the length is a multiple of 8, at most 2048).
    pub fn ipv6_ext_bytes(mut self, kind: u8, bytes: &[u8]) -> FrameBuilder {
        assert!(
            bytes.len() >= 8 && bytes.len().is_multiple_of(8) && bytes.len() <= 2048,
            "IPv6 extension header length"
        );
        self.v6().exts.push(Ext {
            kind,
            bytes: bytes.to_vec(),
        });
        self
    }

    pub fn tcp_seq(mut self, seq: u32) -> FrameBuilder {
        self.tcp_hdr().seq = seq;
        self
    }

    pub fn tcp_ack(mut self, ack: u32) -> FrameBuilder {
        self.tcp_hdr().ack = ack;
        self
    }

    pub fn tcp_flags(mut self, flags: u8) -> FrameBuilder {
        self.tcp_hdr().flags = flags;
        self
    }

    pub fn tcp_window(mut self, window: u16) -> FrameBuilder {
        self.tcp_hdr().window = window;
        self
    }

    pub fn tcp_urgent(mut self, urgent: u16) -> FrameBuilder {
        self.tcp_hdr().urgent = urgent;
        self
    }

    /// TCP options (a multiple of 4 bytes, at most 40).
    pub fn tcp_options(mut self, options: &[u8]) -> FrameBuilder {
        assert!(
            options.len().is_multiple_of(4) && options.len() <= 40,
            "TCP options"
        );
        self.tcp_hdr().options = options.to_vec();
        self
    }

    pub fn payload(mut self, payload: &[u8]) -> FrameBuilder {
        self.payload = payload.to_vec();
        self
    }

    pub fn l4_checksum(mut self, c: Checksum) -> FrameBuilder {
        self.l4_checksum = c;
        self
    }

    /// Bytes after the IP packet.
    pub fn pad(mut self, pad: &[u8]) -> FrameBuilder {
        self.pad = pad.to_vec();
        self
    }

    /// Zero-pads the frame to at least `len` bytes.
    pub fn min_len(mut self, len: usize) -> FrameBuilder {
        self.min_len = len;
        self
    }

    /// The L4 header bytes (checksum field 0), its protocol, and where the
    /// checksum field is in it.
    fn l4_header(&self) -> (Vec<u8>, u8, Option<usize>) {
        match &self.l4 {
            L4::Tcp(t) => {
                let mut h = vec![0u8; 20];
                h[0..2].copy_from_slice(&t.sport.to_be_bytes());
                h[2..4].copy_from_slice(&t.dport.to_be_bytes());
                h[4..8].copy_from_slice(&t.seq.to_be_bytes());
                h[8..12].copy_from_slice(&t.ack.to_be_bytes());
                h[12] = (((20 + t.options.len()) / 4) as u8) << 4;
                h[13] = t.flags;
                h[14..16].copy_from_slice(&t.window.to_be_bytes());
                h[18..20].copy_from_slice(&t.urgent.to_be_bytes());
                h.extend_from_slice(&t.options);
                (h, proto::TCP, Some(16))
            }
            L4::Udp(u) => {
                let mut h = vec![0u8; 8];
                h[0..2].copy_from_slice(&u.sport.to_be_bytes());
                h[2..4].copy_from_slice(&u.dport.to_be_bytes());
                h[4..6].copy_from_slice(&((8 + self.payload.len()) as u16).to_be_bytes());
                (h, proto::UDP, Some(6))
            }
            L4::Raw { protocol, bytes } => {
                let at = match *protocol {
                    proto::TCP => Some(16),
                    proto::UDP => Some(6),
                    _ => None,
                };
                let mut h = bytes.clone();
                let at = at.filter(|&o| o + 2 <= h.len() + self.payload.len());
                if let Some(o) = at {
                    // The field may straddle the raw bytes and the payload:
                    // zero what of it the raw bytes hold.
                    for b in h.iter_mut().skip(o).take(2) {
                        *b = 0;
                    }
                }
                (h, *protocol, at)
            }
        }
    }

    pub fn build(&self) -> Built {
        let mut f = Vec::with_capacity(64 + self.payload.len());
        f.extend_from_slice(&self.dst_mac);
        f.extend_from_slice(&self.src_mac);
        if let Some(tci) = self.vlan {
            f.extend_from_slice(&ETHERTYPE_VLAN.to_be_bytes());
            f.extend_from_slice(&tci.to_be_bytes());
        }
        let (hdr, l4_proto, field) = self.l4_header();
        let protocol = self.protocol.unwrap_or(l4_proto);
        let mut seg = hdr;
        seg.extend_from_slice(&self.payload);
        if let Some(o) = field {
            seg[o..o + 2].fill(0);
        }
        let l4_len = seg.len();
        let l3 = f.len() + 2;
        let mut exts = Vec::new();
        let pseudo = match &self.ip {
            Ip::V4(h) => {
                f.extend_from_slice(&ETHERTYPE_IPV4.to_be_bytes());
                let hlen = 20 + h.options.len();
                let mut ip = vec![0u8; 20];
                ip[0] = 0x40 | (hlen / 4) as u8;
                ip[1] = h.tos;
                ip[2..4].copy_from_slice(&((hlen + l4_len) as u16).to_be_bytes());
                ip[4..6].copy_from_slice(&h.id.to_be_bytes());
                ip[6..8].copy_from_slice(&h.frag.to_be_bytes());
                ip[8] = h.ttl;
                ip[9] = protocol;
                ip[12..16].copy_from_slice(&h.src);
                ip[16..20].copy_from_slice(&h.dst);
                ip.extend_from_slice(&h.options);
                let c = !fold(sum(&ip));
                let c = match h.checksum {
                    Checksum::Correct => c,
                    Checksum::Wrong => c ^ 0x0100,
                    Checksum::Zero => 0,
                    Checksum::Value(v) => v,
                };
                ip[10..12].copy_from_slice(&c.to_be_bytes());
                f.extend(ip);
                let mut p = Vec::with_capacity(12);
                p.extend_from_slice(&h.src);
                p.extend_from_slice(&h.dst);
                p.extend_from_slice(&[0, protocol]);
                p.extend_from_slice(&(l4_len as u16).to_be_bytes());
                p
            }
            Ip::V6(h) => {
                f.extend_from_slice(&ETHERTYPE_IPV6.to_be_bytes());
                let ext_len: usize = h.exts.iter().map(|e| e.bytes.len()).sum();
                let word = (6u32 << 28) | (u32::from(h.traffic_class) << 20) | h.flow_label;
                f.extend_from_slice(&word.to_be_bytes());
                f.extend_from_slice(&((ext_len + l4_len) as u16).to_be_bytes());
                f.push(h.exts.first().map_or(protocol, |e| e.kind));
                f.push(h.hop_limit);
                f.extend_from_slice(&h.src);
                f.extend_from_slice(&h.dst);
                for (i, e) in h.exts.iter().enumerate() {
                    let mut b = e.bytes.clone();
                    b[0] = h.exts.get(i + 1).map_or(protocol, |n| n.kind);
                    b[1] = (b.len() / 8 - 1) as u8;
                    exts.push((e.kind, f.len(), b.len()));
                    f.extend(b);
                }
                let mut p = Vec::with_capacity(40);
                p.extend_from_slice(&h.src);
                p.extend_from_slice(&h.dst);
                p.extend_from_slice(&(l4_len as u32).to_be_bytes());
                p.extend_from_slice(&[0, 0, 0, protocol]);
                p
            }
        };
        if let Some(o) = field {
            let mut c = !fold(sum(&pseudo) + sum(&seg));
            if c == 0 {
                c = 0xffff;
            }
            let c = match self.l4_checksum {
                Checksum::Correct => c,
                Checksum::Wrong => c ^ 0x0100,
                Checksum::Zero => 0,
                Checksum::Value(v) => v,
            };
            seg[o..o + 2].copy_from_slice(&c.to_be_bytes());
        }
        let l4 = f.len();
        f.extend(seg);
        let end = f.len();
        f.extend_from_slice(&self.pad);
        if f.len() < self.min_len {
            f.resize(self.min_len, 0);
        }
        Built {
            frame: f,
            l3,
            l4,
            end,
            csum_offset: field,
            protocol,
            is_ipv6: matches!(self.ip, Ip::V6(_)),
            vlan: self.vlan.is_some(),
            exts,
        }
    }
}

impl Built {
    /// The frame as a host hands it over for TX checksum offload
    /// (CHECKSUM_PARTIAL): the L4 checksum field holds the folded
    /// pseudo-header sum, not inverted; everything else as built. With
    /// (csum_start, csum_offset). None without a TCP/UDP checksum field.
    pub fn partial(&self) -> Option<(Vec<u8>, usize, usize)> {
        let o = self.csum_offset?;
        crate::as_partial(&self.packet()).map(|(f, s, _)| (f, usize::from(s), o))
    }

    /// The frame as a [`crate::Packet`], for code that takes generated ones.
    pub fn packet(&self) -> crate::Packet {
        crate::Packet {
            frame: self.frame.clone(),
            l4: Some(self.l4).filter(|_| self.csum_offset.is_some()),
            csum_offset: self.csum_offset,
            is_ipv6: self.is_ipv6,
            vlan: self.vlan,
            l4_csum_ok: true,
        }
    }

    /// The L4 checksum field as written.
    pub fn l4_checksum(&self) -> Option<u16> {
        let at = self.l4 + self.csum_offset?;
        Some(u16::from_be_bytes([self.frame[at], self.frame[at + 1]]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one's-complement sum over `data` taken as a plain sum modulo
    /// 0xFFFF: independent of `sum` and `fold`.
    fn naive(data: &[u8]) -> u16 {
        let s: u64 = data
            .iter()
            .enumerate()
            .map(|(i, &b)| u64::from(b) << if i % 2 == 0 { 8 } else { 0 })
            .sum();
        match s {
            0 => 0,
            s if s % 0xffff == 0 => 0xffff,
            s => (s % 0xffff) as u16,
        }
    }

    fn l4_verifies(b: &Built) -> bool {
        let l4 = &b.frame[b.l4..b.end];
        let mut pseudo = Vec::new();
        if b.is_ipv6 {
            pseudo.extend_from_slice(&b.frame[b.l3 + 8..b.l3 + 40]);
            pseudo.extend_from_slice(&(l4.len() as u32).to_be_bytes());
            pseudo.extend_from_slice(&[0, 0, 0, b.protocol]);
        } else {
            pseudo.extend_from_slice(&b.frame[b.l3 + 12..b.l3 + 20]);
            pseudo.extend_from_slice(&[0, b.protocol]);
            pseudo.extend_from_slice(&(l4.len() as u16).to_be_bytes());
        }
        let mut all = pseudo;
        all.extend_from_slice(l4);
        naive(&all) == 0xffff
    }

    #[test]
    fn ipv4_tcp_is_laid_out_with_both_checksums_right() {
        let b = FrameBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2])
            .tcp(0x9c40, 443)
            .payload(&[1, 2, 3])
            .build();
        assert_eq!(b.frame.len(), 14 + 20 + 20 + 3);
        assert_eq!(b.frame[12..14], [0x08, 0x00]);
        assert_eq!(b.frame[14], 0x45);
        assert_eq!(b.frame[16..18], 43u16.to_be_bytes());
        assert_eq!(b.frame[23], proto::TCP);
        assert_eq!((b.l3, b.l4, b.end), (14, 34, b.frame.len()));
        assert_eq!(b.frame[34..38], [0x9c, 0x40, 0x01, 0xbb]);
        assert_eq!(b.frame[46], 0x50);
        assert_eq!(naive(&b.frame[14..34]), 0xffff);
        assert!(l4_verifies(&b));
    }

    #[test]
    fn every_kind_verifies_and_wrong_checksums_do_not() {
        let src6 = [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        let dst6 = [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
        let kinds = [
            FrameBuilder::ipv4([1, 2, 3, 4], [5, 6, 7, 8]).udp(53, 5353),
            FrameBuilder::ipv4([1, 2, 3, 4], [5, 6, 7, 8])
                .tcp(1, 2)
                .tcp_options(&[1, 1, 1, 0])
                .ipv4_options(&[1; 8])
                .vlan(0x2064),
            FrameBuilder::ipv6(src6, dst6).tcp(1, 2),
            FrameBuilder::ipv6(src6, dst6)
                .ipv6_ext(proto::HOP_BY_HOP, 8)
                .ipv6_ext(proto::ROUTING, 24)
                .udp(3, 4),
        ];
        for k in kinds {
            for n in [0usize, 1, 2, 17, 300] {
                let p: Vec<u8> = (0..n).map(|i| (i * 7) as u8).collect();
                let b = k.clone().payload(&p).pad(&[0xee; 3]).min_len(60).build();
                assert!(l4_verifies(&b), "{k:?} {n}");
                assert!(b.frame.len() >= 60 && b.end + 3 <= b.frame.len());
                let w = k.clone().payload(&p).l4_checksum(Checksum::Wrong).build();
                assert!(!l4_verifies(&w), "{k:?} {n}");
            }
        }
    }

    #[test]
    fn ipv6_extension_headers_chain_to_the_l4_protocol() {
        let b = FrameBuilder::ipv6([1; 16], [2; 16])
            .ipv6_ext(proto::DEST_OPTS, 16)
            .ipv6_ext(proto::ROUTING, 8)
            .tcp(1, 2)
            .build();
        assert_eq!(b.frame[b.l3 + 6], proto::DEST_OPTS);
        assert_eq!(
            b.exts,
            vec![(proto::DEST_OPTS, 54, 16), (proto::ROUTING, 70, 8)]
        );
        assert_eq!(b.frame[54..56], [proto::ROUTING, 1]);
        assert_eq!(b.frame[70..72], [proto::TCP, 0]);
        assert_eq!(b.l4, 78);
        assert_eq!(b.frame[b.l3 + 4..b.l3 + 6], (24u16 + 20).to_be_bytes());
    }

    #[test]
    fn partial_holds_the_pseudo_header_sum() {
        let b = FrameBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2])
            .udp(1, 2)
            .payload(&[9; 10])
            .build();
        let (p, start, off) = b.partial().unwrap();
        assert_eq!((start, off), (34, 6));
        let pseudo = naive(&[10, 0, 0, 1, 10, 0, 0, 2, 0, 17, 0, 18]);
        assert_eq!(p[40..42], pseudo.to_be_bytes());
    }
}
