//! The checksum offload engines as plain functions: the executable form of
//! `docs/offloads.md`, with no NIC state.
//!
//! - [`tx_checksum`]: what `nic_tx_csum` does to a frame whose descriptor has
//!   `F_NEEDS_CSUM` (TX rules 1-4).
//! - [`rx_checksum`]: what `nic_rx_csum` reports for a received frame: the
//!   `CHECKSUM_COMPLETE` sum and the verdict of the header parser.
//! - [`sum`] and [`fold`]: the RFC 1071 arithmetic both are built from.
//!
//! The RTL engines are held to these functions by differential tests, so every
//! choice here is deliberate; the comments say which line of the spec each
//! check implements. None of these functions panics, whatever the input.

use crate::contract::verdict;

#[cfg(test)]
mod crosscheck;
#[cfg(test)]
mod tests;

/// Length of the Ethernet header (destination, source, EtherType).
pub const ETH_HLEN: usize = 14;
/// The RX parser reads headers only from the first this many bytes of a frame.
pub const HEADER_WINDOW: usize = 128;

/// EtherType of IPv4.
pub const ETHERTYPE_IPV4: u16 = 0x0800;
/// EtherType of IPv6.
pub const ETHERTYPE_IPV6: u16 = 0x86DD;
/// EtherType of an 802.1Q VLAN tag.
pub const ETHERTYPE_VLAN: u16 = 0x8100;
/// Length of an 802.1Q tag.
pub const VLAN_HLEN: usize = 4;

/// IP protocol / next-header numbers the parser knows.
pub mod proto {
    pub const HOP_BY_HOP: u8 = 0;
    pub const TCP: u8 = 6;
    pub const UDP: u8 = 17;
    pub const ROUTING: u8 = 43;
    pub const FRAGMENT: u8 = 44;
    pub const ESP: u8 = 50;
    pub const AH: u8 = 51;
    pub const NO_NEXT_HEADER: u8 = 59;
    pub const DEST_OPTS: u8 = 60;
}

/// Smallest TCP header.
pub const TCP_HLEN: usize = 20;
/// UDP header.
pub const UDP_HLEN: usize = 8;
/// IPv6 fixed header.
pub const IPV6_HLEN: usize = 40;
/// Most IPv6 extension headers the RX parser walks.
pub const MAX_IPV6_EXT: usize = 2;

/// The 16-bit one's-complement sum (RFC 1071) of `data` taken as big-endian
/// 16-bit words from its first byte; an odd last byte is the high byte of a
/// word whose low byte is 0. The result is not folded: pass it to [`fold`],
/// or combine several with [`add`] first.
pub fn sum(data: &[u8]) -> u32 {
    let mut s: u64 = 0;
    let mut words = data.chunks_exact(2);
    for w in &mut words {
        s += u64::from(u16::from_be_bytes([w[0], w[1]]));
    }
    if let [last] = words.remainder() {
        s += u64::from(*last) << 8;
    }
    narrow(s)
}

/// One's-complement addition of two unfolded sums.
pub fn add(a: u32, b: u32) -> u32 {
    narrow(u64::from(a) + u64::from(b))
}

/// Adds carries back in until 16 bits remain. `fold(0)` is 0; a non-zero
/// sum folds to `1..=0xFFFF`.
pub fn fold(s: u32) -> u16 {
    let mut s = s;
    while s > 0xFFFF {
        s = (s & 0xFFFF) + (s >> 16);
    }
    s as u16
}

/// Reduces a 64-bit sum to 32 bits without changing its one's-complement value.
fn narrow(s: u64) -> u32 {
    let mut s = s;
    while s > u64::from(u32::MAX) {
        s = (s & 0xFFFF) + (s >> 16);
    }
    s as u32
}

/// The sum of the IPv4 pseudo-header: source, destination, zero, protocol,
/// L4 length.
pub fn ipv4_pseudo_sum(src: [u8; 4], dst: [u8; 4], protocol: u8, l4_len: u16) -> u32 {
    add(
        add(sum(&src), sum(&dst)),
        u32::from(protocol) + u32::from(l4_len),
    )
}

/// The sum of the IPv6 pseudo-header: source, destination, L4 length as 32
/// bits, three zero bytes, next header.
pub fn ipv6_pseudo_sum(src: [u8; 16], dst: [u8; 16], l4_len: u32, next_header: u8) -> u32 {
    add(
        add(sum(&src), sum(&dst)),
        add(sum(&l4_len.to_be_bytes()), u32::from(next_header)),
    )
}

/// What [`tx_checksum`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxCsumDone {
    /// The IPv4 header checksum and the offset of its field, if the frame is
    /// IPv4 (TX rule 3).
    pub ipv4_header: Option<(usize, u16)>,
    /// The L4 checksum, written big-endian at `CSUM_START + CSUM_OFFSET`.
    pub l4: u16,
}

/// The checksum field does not lie inside the frame:
/// `CSUM_START + CSUM_OFFSET + 2 > LEN` (`ERR_DESC_CSUM`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("checksum field at {csum_start} + {csum_offset} does not fit in a {len}-byte frame")]
pub struct CsumError {
    pub csum_start: usize,
    pub csum_offset: usize,
    pub len: usize,
}

/// The TX checksum engine (offloads.md, "TX checksum", rules 1-4) applied to
/// `frame` (`LEN` = `frame.len()`) for a descriptor with `F_NEEDS_CSUM`.
///
/// Checks the field lies in the frame (else [`CsumError`], frame untouched);
/// computes both sums over the bytes as given; writes the IPv4 header
/// checksum if the frame is IPv4, then the L4 checksum (`0x0000` written as
/// `0xFFFF`), so that overlapping fields end with the L4 one.
pub fn tx_checksum(
    frame: &mut [u8],
    csum_start: usize,
    csum_offset: usize,
) -> Result<TxCsumDone, CsumError> {
    let len = frame.len();
    let error = CsumError {
        csum_start,
        csum_offset,
        len,
    };
    // Rule 1, without overflow for any start and offset.
    let at = csum_start.checked_add(csum_offset).ok_or(error)?;
    match at.checked_add(2) {
        Some(end) if end <= len => {}
        _ => return Err(error),
    }

    // Rule 4: both sums over the bytes the host wrote, before either write.
    // Rule 3: the IPv4 header checksum, its field counted as 0.
    let ipv4_header = tx_ipv4_header(frame).map(|(l3, hlen)| {
        let h = &frame[l3..l3 + hlen];
        let s = add(sum(&h[..10]), sum(&h[12..]));
        (l3 + 10, !fold(s))
    });
    // Rule 2: the L4 checksum over [CSUM_START, LEN); 0 is written as 0xFFFF.
    let l4 = match !fold(sum(&frame[csum_start..])) {
        0 => 0xFFFF,
        c => c,
    };

    if let Some((field, c)) = ipv4_header {
        frame[field..field + 2].copy_from_slice(&c.to_be_bytes());
    }
    frame[at..at + 2].copy_from_slice(&l4.to_be_bytes());
    Ok(TxCsumDone { ipv4_header, l4 })
}

/// TX rule 3's test: the offset and length of the frame's IPv4 header if the
/// frame is IPv4 (EtherType 0x0800 at 12, or 0x8100 at 12 and 0x0800 at 16),
/// version 4, `IHL >= 5` and the whole header inside the frame.
fn tx_ipv4_header(frame: &[u8]) -> Option<(usize, usize)> {
    let l3 = match be16(frame, 12)? {
        ETHERTYPE_IPV4 => ETH_HLEN,
        ETHERTYPE_VLAN if be16(frame, 16)? == ETHERTYPE_IPV4 => ETH_HLEN + VLAN_HLEN,
        _ => return None,
    };
    let (version, hlen) = version_ihl(byte(frame, l3)?);
    if version != 4 || hlen < 20 || l3 + hlen > frame.len() {
        return None;
    }
    Some((l3, hlen))
}

/// What the RX checksum engine reports for one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RxCsum {
    /// `verdict::NOT_CHECKED`, `GOOD` or `BAD`.
    pub verdict: u8,
    /// The `CHECKSUM_COMPLETE` sum: `fold(sum(frame[14..]))`, 0 for frames of
    /// 14 bytes or fewer.
    pub csum: u16,
}

/// The RX checksum engine (offloads.md, "RX checksum") for one whole frame as
/// it arrived (Ethernet header first, any padding included, no FCS).
pub fn rx_checksum(frame: &[u8]) -> RxCsum {
    RxCsum {
        verdict: rx_verdict(frame),
        csum: complete_sum(frame),
    }
}

/// `CSUM`: fold of the sum of every byte after the 14-byte Ethernet header.
pub fn complete_sum(frame: &[u8]) -> u16 {
    frame.get(ETH_HLEN..).map_or(0, |rest| fold(sum(rest)))
}

/// `CSUM_VERDICT`: the parser of offloads.md, "The parser".
pub fn rx_verdict(frame: &[u8]) -> u8 {
    match parse(frame) {
        Some(true) => verdict::GOOD,
        Some(false) => verdict::BAD,
        None => verdict::NOT_CHECKED,
    }
}

/// The parser's outcome: `Some(true)` GOOD, `Some(false)` BAD, `None`
/// NOT_CHECKED. The header walk ([`rx_headers`]) decides where the layers
/// are; this adds the checksum rules on top of it.
fn parse(frame: &[u8]) -> Option<bool> {
    let h = rx_headers(frame)?;
    let (src, dst) = h.addresses(frame);
    let (l4, pseudo) = match h.ip {
        RxIp::V4 { hlen, .. } => {
            // A wrong header sum is BAD even for a fragment or an unknown
            // protocol: the header itself is known to be damaged.
            if fold(sum(&frame[h.l3..h.l3 + hlen])) != 0xFFFF {
                return Some(false);
            }
            let l4 = h.l4?;
            // IPv4 UDP with checksum 0: the sender sent none.
            if l4.protocol == proto::UDP && frame[l4.offset + 6] == 0 && frame[l4.offset + 7] == 0 {
                return None;
            }
            let pseudo = ipv4_pseudo_sum(addr4(src), addr4(dst), l4.protocol, l4.len as u16);
            (l4, pseudo)
        }
        RxIp::V6 => {
            let l4 = h.l4?;
            // UDP over IPv6 must carry a checksum: a 0 field is BAD whatever the bytes sum to
            // (RFC 8200 section 8.1: the receiver discards it).
            if l4.protocol == proto::UDP && frame[l4.offset + 6] == 0 && frame[l4.offset + 7] == 0 {
                return Some(false);
            }
            let pseudo = ipv6_pseudo_sum(addr16(src), addr16(dst), l4.len as u32, l4.protocol);
            (l4, pseudo)
        }
    };
    // The L4 bytes [L4, L4 + L4 length) lie inside the frame (the walk
    // checked); padding after them takes no part.
    let l4_bytes = &frame[l4.offset..l4.offset + l4.len];
    Some(fold(add(pseudo, sum(l4_bytes))) == 0xFFFF)
}

/// The network layer the RX header walk found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RxIp {
    /// IPv4 with a header of `hlen` bytes (`IHL * 4`); `fragment` when MF is
    /// set or the fragment offset is non-zero.
    V4 { hlen: usize, fragment: bool },
    /// IPv6 (the fixed header; extension headers are in [`RxHeaders::l4`]).
    V6,
}

/// A TCP or UDP header the walk accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RxL4 {
    /// Frame offset of the TCP/UDP header.
    pub offset: usize,
    /// L4 length: from `offset` to the end of the IP packet.
    pub len: usize,
    /// `proto::TCP` or `proto::UDP`.
    pub protocol: u8,
}

/// What the RX header walk (offloads.md, "The parser") found in a frame: the
/// one home of the rules that say where a received frame's layers are, used
/// by the checksum verdict and by RSS (`crate::rss`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RxHeaders {
    /// Frame offset of the IP header: 14, or 18 after one 802.1Q tag.
    pub l3: usize,
    pub ip: RxIp,
    /// Frame offset after the IP packet (`L3 + total length`, or `L3 + 40 +
    /// payload length`); never past the frame. Bytes from here on are padding.
    pub end: usize,
    /// The TCP/UDP header, if the walk reached one that passes every
    /// structural check: not a fragment; for IPv6 at most two Hop-by-Hop /
    /// Routing (Segments Left 0) / Destination Options headers before it,
    /// each inside the payload and the header window; the header starting
    /// at most `128 - 20` (TCP) or `128 - 8` (UDP); an L4 length of at least
    /// 20 (TCP) or 8 (UDP); for UDP a length field equal to the L4 length.
    /// `None` when any of these fails: the IP header is still sound.
    pub l4: Option<RxL4>,
}

impl RxHeaders {
    /// The source and destination address fields (4 or 16 bytes each).
    pub fn addresses<'a>(&self, frame: &'a [u8]) -> (&'a [u8], &'a [u8]) {
        let (at, n) = match self.ip {
            RxIp::V4 { .. } => (self.l3 + 12, 4),
            RxIp::V6 => (self.l3 + 8, 16),
        };
        (&frame[at..at + n], &frame[at + n..at + 2 * n])
    }
}

/// The RX header walk: `None` when the frame is not IPv4/IPv6 or its IP
/// header is not sound (every read past the frame is a `None`), else where
/// its layers are. Never panics.
pub fn rx_headers(frame: &[u8]) -> Option<RxHeaders> {
    // L3 is 14, or 18 after one 802.1Q tag. A second tag (0x8100 inside),
    // 0x88A8 or any other EtherType is not IPv4/IPv6.
    let (l3, ethertype) = match be16(frame, 12)? {
        ETHERTYPE_VLAN => (ETH_HLEN + VLAN_HLEN, be16(frame, 16)?),
        t => (ETH_HLEN, t),
    };
    match ethertype {
        ETHERTYPE_IPV4 => walk_ipv4(frame, l3),
        ETHERTYPE_IPV6 => walk_ipv6(frame, l3),
        _ => None,
    }
}

fn walk_ipv4(frame: &[u8], l3: usize) -> Option<RxHeaders> {
    let (version, hlen) = version_ihl(byte(frame, l3)?);
    if version != 4 || hlen < 20 || l3 + hlen > frame.len() {
        return None;
    }
    let total = usize::from(be16(frame, l3 + 2)?);
    if hlen > total || l3 + total > frame.len() {
        return None;
    }
    // A fragment: MF (0x2000) or a non-zero offset (0x1FFF). DF and the
    // reserved bit do not matter. A fragment has no L4 header for the walk.
    let fragment = be16(frame, l3 + 6)? & 0x3FFF != 0;
    let end = l3 + total;
    let l4 = if fragment {
        None
    } else {
        check_l4(frame, l3 + hlen, end, frame[l3 + 9])
    };
    Some(RxHeaders {
        l3,
        ip: RxIp::V4 { hlen, fragment },
        end,
        l4,
    })
}

fn walk_ipv6(frame: &[u8], l3: usize) -> Option<RxHeaders> {
    let (version, _) = version_ihl(byte(frame, l3)?);
    if version != 6 || l3 + IPV6_HLEN > frame.len() {
        return None;
    }
    let end = l3 + IPV6_HLEN + usize::from(be16(frame, l3 + 4)?);
    if end > frame.len() {
        return None;
    }
    Some(RxHeaders {
        l3,
        ip: RxIp::V6,
        end,
        l4: walk_ipv6_ext(frame, l3, end),
    })
}

/// Up to two Hop-by-Hop / Routing / Destination Options headers, in any
/// order, each inside the payload and the header window, then TCP or UDP.
/// A third extension header, Fragment, ESP, AH, No Next Header or anything
/// else is not TCP/UDP: `None`.
fn walk_ipv6_ext(frame: &[u8], l3: usize, end: usize) -> Option<RxL4> {
    let mut next = frame[l3 + 6];
    let mut pos = l3 + IPV6_HLEN;
    for _ in 0..MAX_IPV6_EXT {
        if !matches!(next, proto::HOP_BY_HOP | proto::ROUTING | proto::DEST_OPTS) {
            break;
        }
        let size = (usize::from(byte(frame, pos + 1)?) + 1) * 8;
        if pos + size > end || pos + size > HEADER_WINDOW {
            return None;
        }
        // Segments Left (byte 3) non-zero: the pseudo-header would need the
        // final destination, and the walk stops.
        if next == proto::ROUTING && frame[pos + 3] != 0 {
            return None;
        }
        next = frame[pos];
        pos += size;
    }
    check_l4(frame, pos, end, next)
}

/// The L4 part of the walk, shared by IPv4 and IPv6: protocol, header window,
/// minimum length and (UDP) the length field, for a header at `l4` in an IP
/// packet ending at `end` (which the caller has checked lies in the frame).
fn check_l4(frame: &[u8], l4: usize, end: usize, protocol: u8) -> Option<RxL4> {
    let min = match protocol {
        proto::TCP => TCP_HLEN,
        proto::UDP => UDP_HLEN,
        _ => return None,
    };
    let len = end.checked_sub(l4)?;
    if l4 > HEADER_WINDOW - min || len < min {
        return None;
    }
    if protocol == proto::UDP && usize::from(be16(frame, l4 + 4)?) != len {
        return None;
    }
    Some(RxL4 {
        offset: l4,
        len,
        protocol,
    })
}

/// Version (high nibble) and header length in bytes (IHL, low nibble, * 4).
fn version_ihl(b: u8) -> (u8, usize) {
    (b >> 4, usize::from(b & 0xF) * 4)
}

fn byte(frame: &[u8], at: usize) -> Option<u8> {
    frame.get(at).copied()
}

fn be16(frame: &[u8], at: usize) -> Option<u16> {
    let b = frame.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([b[0], b[1]]))
}

fn addr4(b: &[u8]) -> [u8; 4] {
    let mut a = [0u8; 4];
    a.copy_from_slice(b);
    a
}

fn addr16(b: &[u8]) -> [u8; 16] {
    let mut a = [0u8; 16];
    a.copy_from_slice(b);
    a
}
