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
/// NOT_CHECKED. Every `?` on a read past the frame is a NOT_CHECKED.
fn parse(frame: &[u8]) -> Option<bool> {
    // L3 is 14, or 18 after one 802.1Q tag. A second tag (0x8100 inside),
    // 0x88A8 or any other EtherType is not IPv4/IPv6: NOT_CHECKED.
    let (l3, ethertype) = match be16(frame, 12)? {
        ETHERTYPE_VLAN => (ETH_HLEN + VLAN_HLEN, be16(frame, 16)?),
        t => (ETH_HLEN, t),
    };
    match ethertype {
        ETHERTYPE_IPV4 => parse_ipv4(frame, l3),
        ETHERTYPE_IPV6 => parse_ipv6(frame, l3),
        _ => None,
    }
}

fn parse_ipv4(frame: &[u8], l3: usize) -> Option<bool> {
    let (version, hlen) = version_ihl(byte(frame, l3)?);
    if version != 4 || hlen < 20 || l3 + hlen > frame.len() {
        return None;
    }
    let total = usize::from(be16(frame, l3 + 2)?);
    if hlen > total || l3 + total > frame.len() {
        return None;
    }
    let header = &frame[l3..l3 + hlen];
    if fold(sum(header)) != 0xFFFF {
        return Some(false);
    }
    // A fragment: MF (0x2000) or a non-zero offset (0x1FFF). DF and the
    // reserved bit do not matter.
    if u16::from_be_bytes([header[6], header[7]]) & 0x3FFF != 0 {
        return None;
    }
    let protocol = header[9];
    let l4_len = total - hlen;
    let pseudo = ipv4_pseudo_sum(
        addr4(&header[12..16]),
        addr4(&header[16..20]),
        protocol,
        l4_len as u16,
    );
    verify_l4(frame, l3 + hlen, l4_len, protocol, pseudo, true)
}

fn parse_ipv6(frame: &[u8], l3: usize) -> Option<bool> {
    let (version, _) = version_ihl(byte(frame, l3)?);
    if version != 6 || l3 + IPV6_HLEN > frame.len() {
        return None;
    }
    let end = l3 + IPV6_HLEN + usize::from(be16(frame, l3 + 4)?);
    if end > frame.len() {
        return None;
    }
    let mut next = frame[l3 + 6];
    let mut pos = l3 + IPV6_HLEN;
    // Up to two Hop-by-Hop / Routing / Destination Options headers, in any
    // order, each inside the payload and the header window.
    for _ in 0..MAX_IPV6_EXT {
        if !matches!(next, proto::HOP_BY_HOP | proto::ROUTING | proto::DEST_OPTS) {
            break;
        }
        let size = (usize::from(byte(frame, pos + 1)?) + 1) * 8;
        if pos + size > end || pos + size > HEADER_WINDOW {
            return None;
        }
        // Segments Left (byte 3) non-zero: the pseudo-header would need the
        // final destination.
        if next == proto::ROUTING && frame[pos + 3] != 0 {
            return None;
        }
        next = frame[pos];
        pos += size;
    }
    // TCP or UDP, else (a third extension header, Fragment, ESP, AH, No Next
    // Header, anything else) NOT_CHECKED: verify_l4 refuses other protocols.
    let l4_len = end - pos;
    let pseudo = ipv6_pseudo_sum(
        addr16(&frame[l3 + 8..l3 + 24]),
        addr16(&frame[l3 + 24..l3 + 40]),
        l4_len as u32,
        next,
    );
    verify_l4(frame, pos, l4_len, next, pseudo, false)
}

/// The L4 part of the parser, shared by IPv4 and IPv6: protocol, header
/// window, minimum length, UDP length, (IPv4) UDP checksum 0, then the sum of
/// the pseudo-header and the L4 bytes `[l4, l4 + l4_len)` (which the caller
/// has checked lie inside the frame; padding after them takes no part).
fn verify_l4(
    frame: &[u8],
    l4: usize,
    l4_len: usize,
    protocol: u8,
    pseudo: u32,
    ipv4: bool,
) -> Option<bool> {
    let min = match protocol {
        proto::TCP => TCP_HLEN,
        proto::UDP => UDP_HLEN,
        _ => return None,
    };
    if l4 > HEADER_WINDOW - min || l4_len < min {
        return None;
    }
    let l4_bytes = frame.get(l4..l4 + l4_len)?;
    if protocol == proto::UDP {
        let udp_len = u16::from_be_bytes([l4_bytes[4], l4_bytes[5]]);
        if usize::from(udp_len) != l4_len {
            return None;
        }
        // IPv4 UDP with checksum 0: the sender sent none. Over IPv6 0 is
        // not special and is summed like any other value.
        if ipv4 && l4_bytes[6] == 0 && l4_bytes[7] == 0 {
            return None;
        }
    }
    Some(fold(add(pseudo, sum(l4_bytes))) == 0xFFFF)
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
