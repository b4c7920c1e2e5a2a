//! Receive-side scaling as plain functions: the executable form of
//! docs/offloads.md, "RSS", which `nic_rx_rss` is held to.
//!
//! - [`toeplitz`]: the Toeplitz hash of Microsoft's RSS specification
//!   ("RSS hashing functions"): for each input bit from the left, a set bit
//!   XORs the leftmost 32 bits of the key, and the key shifts left one bit.
//! - [`rss_input`]: which bytes of a frame are hashed, and the hash type.
//! - [`rx_rss`]: hash, hash type and queue of one received frame.
//!
//! The header walk is the checksum parser's ([`csum::rx_headers`]): one set
//! of rules says where a received frame's layers are. None of these functions
//! panics, whatever the input.

use crate::csum::{self, proto, RxIp};

/// One published RSS verification vector, with [`VERIFICATION_KEY`]: source address,
/// destination address, source port, destination port, the hash over the addresses alone and
/// the hash with the ports (the TCP 4-tuple).
pub type RssVector = (&'static str, &'static str, u16, u16, u32, u32);

/// "Verifying the RSS Hash Calculation" (Microsoft, NDIS RSS docs), IPv4
/// table: source, destination, source port, destination port, the
/// IPv4-only hash and the IPv4-with-TCP hash. The same values appear in
/// DPDK's test_thash.c (from the Intel 82599 datasheet, 7.1.2.8.3).
pub const VERIFICATION_V4: [RssVector; 5] = [
    (
        "66.9.149.187",
        "161.142.100.80",
        2794,
        1766,
        0x323e8fc2,
        0x51ccc178,
    ),
    (
        "199.92.111.2",
        "65.69.140.83",
        14230,
        4739,
        0xd718262a,
        0xc626b0ea,
    ),
    (
        "24.19.198.95",
        "12.22.207.184",
        12898,
        38024,
        0xd2d0a5de,
        0x5c2b394a,
    ),
    (
        "38.27.205.30",
        "209.142.163.6",
        48228,
        2217,
        0x82989176,
        0xafc7327f,
    ),
    (
        "153.39.163.191",
        "202.188.127.2",
        44251,
        1303,
        0x5d1809c5,
        0x10e828a2,
    ),
];

/// The same document's IPv6 table (IPv6 only, IPv6 with TCP).
pub const VERIFICATION_V6: [RssVector; 3] = [
    (
        "3ffe:2501:200:1fff::7",
        "3ffe:2501:200:3::1",
        2794,
        1766,
        0x2cc18cd5,
        0x40207d3d,
    ),
    (
        "3ffe:501:8::260:97ff:fe40:efab",
        "ff02::1",
        14230,
        4739,
        0x0f0c461c,
        0xdde51bbf,
    ),
    (
        "3ffe:1900:4545:3:200:f8ff:fe21:67cf",
        "fe80::200:f8ff:fe21:67cf",
        44251,
        38024,
        0x4b61e985,
        0x02d1feef,
    ),
];

#[cfg(test)]
mod tests;

/// Length of the Toeplitz key in bytes (320 bits).
pub const KEY_LEN: usize = 40;
/// Entries in the indirection table, indexed by the low 7 bits of the hash.
pub const INDIRECTION_LEN: usize = 128;
/// Longest hash input: IPv6 source and destination, two ports.
pub const MAX_INPUT_LEN: usize = 36;

/// A Toeplitz key: byte 0's most significant bit is the key's leftmost bit.
pub type Key = [u8; KEY_LEN];
/// The indirection table: the queue for each value of `hash & 0x7F`.
pub type Indirection = [u8; INDIRECTION_LEN];

/// The key of Microsoft's "Verifying the RSS Hash Calculation" (the test
/// key of its published vectors, and a common driver default).
pub const VERIFICATION_KEY: Key = [
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
    0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
    0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
];

/// What was hashed: the contract's RSS_TYPE values (virtio's
/// `VIRTIO_NET_HASH_REPORT_*` numbering; its `_EX` kinds 7..9 are not computed).
pub use crate::contract::rss_type as hash_type;

/// The Toeplitz hash of `input` under `key`. Input bits past the key's 320
/// (inputs longer than 36 bytes) meet zero key bits, so every input has a
/// hash; RSS inputs are at most [`MAX_INPUT_LEN`] bytes.
pub fn toeplitz(key: &Key, input: &[u8]) -> u32 {
    // `window` holds key bits [i, i + 64) for input bit i: its top 32 bits
    // are "the leftmost 32 bits of K" after i shifts.
    let mut window = u64::from_be_bytes(key[..8].try_into().unwrap_or([0; 8]));
    let mut result = 0u32;
    for (i, &byte) in input.iter().enumerate() {
        for bit in (0..8).rev() {
            if byte >> bit & 1 == 1 {
                result ^= (window >> 32) as u32;
            }
            window <<= 1;
        }
        // Eight bits consumed: shift in the next key byte (0 past the key).
        window |= u64::from(key.get(i + 8).copied().unwrap_or(0));
    }
    result
}

/// The bytes RSS hashes for one frame, and its hash type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RssInput {
    /// One of [`hash_type`].
    pub hash_type: u8,
    bytes: [u8; MAX_INPUT_LEN],
    len: usize,
}

impl RssInput {
    /// Source address, destination address, then (4-tuple) source port and
    /// destination port, each as it is on the wire. Empty for
    /// [`hash_type::NONE`].
    pub fn bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// The hash input of a frame (Ethernet header first, no FCS), by the RX
/// header walk ([`csum::rx_headers`], offloads.md "The parser"):
/// - IPv4/IPv6 whose walk reached a TCP or UDP header: the 4-tuple, type
///   TCPV4/UDPV4/TCPV6/UDPV6;
/// - other IPv4/IPv6 with a sound IP header (fragments, other protocols, a
///   walk that stopped at an extension header, a short or lying L4 header):
///   the 2-tuple, type IPV4/IPV6;
/// - anything else: no input, type NONE.
///
/// Checksums take no part: a frame whose IPv4 header or L4 checksum is wrong
/// is hashed like any other (the checksum verdict reports it).
pub fn rss_input(frame: &[u8]) -> RssInput {
    let mut input = RssInput {
        hash_type: hash_type::NONE,
        bytes: [0; MAX_INPUT_LEN],
        len: 0,
    };
    let Some(h) = csum::rx_headers(frame) else {
        return input;
    };
    let (src, dst) = h.addresses(frame);
    let n = src.len();
    input.bytes[..n].copy_from_slice(src);
    input.bytes[n..2 * n].copy_from_slice(dst);
    input.len = 2 * n;
    let v4 = matches!(h.ip, RxIp::V4 { .. });
    input.hash_type = match (v4, h.l4.map(|l4| l4.protocol)) {
        (true, Some(proto::TCP)) => hash_type::TCPV4,
        (true, Some(_)) => hash_type::UDPV4,
        (true, None) => hash_type::IPV4,
        (false, Some(proto::TCP)) => hash_type::TCPV6,
        (false, Some(_)) => hash_type::UDPV6,
        (false, None) => hash_type::IPV6,
    };
    if let Some(l4) = h.l4 {
        input.bytes[2 * n..2 * n + 4].copy_from_slice(&frame[l4.offset..l4.offset + 4]);
        input.len += 4;
    }
    input
}

/// A round-robin indirection table over `queues` queues: entry `i` is
/// `i % queues` (all 0 when `queues` is 0 or 1).
pub fn round_robin(queues: u8) -> Indirection {
    let mut t = [0u8; INDIRECTION_LEN];
    if queues > 1 {
        for (i, e) in t.iter_mut().enumerate() {
            *e = (i % usize::from(queues)) as u8;
        }
    }
    t
}

/// The indirection table's queue for `hash`: entry `hash & 0x7F`.
pub fn queue_of(table: &Indirection, hash: u32) -> u8 {
    table[(hash as usize) & (INDIRECTION_LEN - 1)]
}

/// What RSS reports for one received frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RssResult {
    /// The Toeplitz hash of the input; 0 for [`hash_type::NONE`].
    pub hash: u32,
    /// One of [`hash_type`].
    pub hash_type: u8,
    /// The RX queue: `table[hash & 0x7F]`, or 0 for [`hash_type::NONE`].
    pub queue: u8,
}

/// RSS for one whole received frame under `key` and `table`.
pub fn rx_rss(frame: &[u8], key: &Key, table: &Indirection) -> RssResult {
    let input = rss_input(frame);
    if input.hash_type == hash_type::NONE {
        return RssResult::default();
    }
    let hash = toeplitz(key, input.bytes());
    RssResult {
        hash,
        hash_type: input.hash_type,
        queue: queue_of(table, hash),
    }
}
