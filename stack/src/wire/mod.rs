//! Wire formats: zero-copy views over packet bytes and their parsed `Repr`s.
//!
//! Every protocol has a `XxxPacket<T: AsRef<[u8]>>` view whose `new_checked`
//! validates every length it later relies on, so no accessor can panic on a
//! checked view; setters exist where `T: AsMut<[u8]>`. Offsets live in a
//! per-protocol `field` module. The owned `XxxRepr` has `parse`, `emit` and
//! `buffer_len`. Checksums go through [`crate::checksum`], and anything that
//! needs a pseudo-header takes the addresses explicitly.

pub mod arp;
pub mod ethernet;
pub mod frame;
pub mod icmpv4;
pub mod icmpv6;
pub mod ipv4;
pub mod ipv6;
pub mod quote;
pub mod tcp;
pub mod udp;

pub use arp::{ArpOperation, ArpPacket, ArpRepr};
pub use ethernet::{EtherType, EthernetAddress, EthernetFrame, EthernetRepr, VlanTag};
pub use frame::TcpOffsets;
pub use icmpv4::{Icmpv4Packet, Icmpv4Repr};
pub use icmpv6::{Icmpv6Packet, Icmpv6Repr, NdpNaFlags, NdpRepr};
pub use ipv4::{Ipv4Address, Ipv4Packet, Ipv4Repr};
pub use ipv6::{Ipv6Address, Ipv6FragmentRepr, Ipv6Packet, Ipv6Repr};
pub use tcp::{TcpFlags, TcpOption, TcpPacket, TcpRepr, TcpSeqNumber};
pub use udp::{UdpPacket, UdpRepr};

/// IP protocol / IPv6 next-header numbers (IANA "Assigned Internet Protocol
/// Numbers").
pub mod ip_protocol {
    pub const HOP_BY_HOP: u8 = 0;
    pub const ICMP: u8 = 1;
    pub const TCP: u8 = 6;
    pub const UDP: u8 = 17;
    pub const IPV6_ROUTE: u8 = 43;
    pub const IPV6_FRAG: u8 = 44;
    pub const ICMPV6: u8 = 58;
    pub const IPV6_NO_NXT: u8 = 59;
    pub const IPV6_OPTS: u8 = 60;
}

/// What is wrong with a packet's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The buffer is shorter than the header (or a length field) requires.
    #[error("{proto}: truncated: need {need} bytes, have {have}")]
    Truncated {
        proto: &'static str,
        need: usize,
        have: usize,
    },
    /// A length field is inconsistent with the format or with itself.
    #[error("{proto}: bad length field: {what}")]
    BadLength {
        proto: &'static str,
        what: &'static str,
    },
    /// The checksum does not verify.
    #[error("{proto}: bad checksum")]
    BadChecksum { proto: &'static str },
    /// The version field names another protocol version.
    #[error("{proto}: bad version {version}")]
    BadVersion { proto: &'static str, version: u8 },
    /// An option is malformed (length 0/1, overrunning its area, wrong size).
    #[error("{proto}: bad option (kind {kind}): {what}")]
    BadOption {
        proto: &'static str,
        kind: u8,
        what: &'static str,
    },
    /// Well-formed, but not something this stack handles.
    #[error("{proto}: unsupported: {what}")]
    Unsupported {
        proto: &'static str,
        what: &'static str,
    },
}

/// `Ok(())` if `buf` holds at least `need` bytes, else `Truncated`.
pub(crate) fn check_len(proto: &'static str, buf: &[u8], need: usize) -> Result<(), WireError> {
    if buf.len() < need {
        Err(WireError::Truncated {
            proto,
            need,
            have: buf.len(),
        })
    } else {
        Ok(())
    }
}

pub(crate) fn get_u16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

pub(crate) fn get_u32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

pub(crate) fn set_u16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_be_bytes());
}

pub(crate) fn set_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

/// Test helpers shared by every protocol's robustness tests.
#[cfg(test)]
pub(crate) mod fuzz {
    use rand::{Rng, RngCore, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Number of random buffers each parser is fed.
    pub const RANDOM_BUFFERS: usize = 10_000;

    /// Calls `f` on every truncation `valid[..n]` (n < len), then on 10,000
    /// random buffers of up to `max_len` bytes from a seeded ChaCha8Rng
    /// (seed printed, so a failure is replayable). `f` must not panic.
    pub fn never_panics(name: &str, seed: u64, valid: &[u8], max_len: usize, f: impl Fn(&[u8])) {
        for n in 0..valid.len() {
            f(&valid[..n]);
        }
        println!("{name}: random buffers from ChaCha8Rng seed {seed:#x}");
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut buf = vec![0u8; max_len];
        for i in 0..RANDOM_BUFFERS {
            let len = rng.gen_range(0..=max_len);
            rng.fill_bytes(&mut buf[..len]);
            // Half the time start from the valid packet and corrupt a few
            // bytes, so deep parser paths are reached, not just the first check.
            if i % 2 == 0 && !valid.is_empty() {
                let len = valid.len().min(max_len);
                buf[..len].copy_from_slice(&valid[..len]);
                for _ in 0..rng.gen_range(1..4) {
                    let at = rng.gen_range(0..len);
                    buf[at] = rng.gen();
                }
                f(&buf[..len]);
            } else {
                f(&buf[..len]);
            }
        }
    }
}

/// The source and destination addresses an upper-layer checksum covers
/// through its pseudo-header (RFC 9293 section 3.1, RFC 768, RFC 8200
/// section 8.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpPair {
    V4 { src: Ipv4Address, dst: Ipv4Address },
    V6 { src: Ipv6Address, dst: Ipv6Address },
}

impl IpPair {
    /// Folded sum of the pseudo-header for `protocol` and an upper-layer
    /// message of `length` bytes.
    pub fn pseudo_header_sum(&self, protocol: u8, length: usize) -> u16 {
        match *self {
            IpPair::V4 { src, dst } => {
                crate::checksum::pseudo_header_v4(src.0, dst.0, protocol, length as u16)
            }
            IpPair::V6 { src, dst } => {
                crate::checksum::pseudo_header_v6(src.0, dst.0, protocol, length as u32)
            }
        }
    }

    /// Folded sum of pseudo-header plus `message` (checksum field included
    /// as it stands): 0xffff means a stored checksum verifies.
    pub fn upper_layer_sum(&self, protocol: u8, message: &[u8]) -> u16 {
        crate::checksum::combine(&[
            self.pseudo_header_sum(protocol, message.len()),
            crate::checksum::data(message),
        ])
    }
}
