//! UDP (RFC 768). The checksum covers an IPv4 or IPv6 pseudo-header; over
//! IPv4 a zero checksum means "none", over IPv6 it is mandatory (RFC 8200
//! section 8.1), and a computed zero is sent as 0xffff.

use super::{check_len, get_u16, ip_protocol, set_u16, IpPair, WireError};

const PROTO: &str = "udp";

/// Field offsets (RFC 768, "Format").
pub mod field {
    pub const SRC_PORT: usize = 0;
    pub const DST_PORT: usize = 2;
    /// Length of header plus data, in bytes.
    pub const LENGTH: usize = 4;
    pub const CHECKSUM: usize = 6;
    pub const HEADER_LEN: usize = 8;
}

/// A view of a UDP datagram. The buffer may be longer than the length field;
/// the datagram ends where the length field says.
#[derive(Debug, Clone)]
pub struct UdpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> UdpPacket<T> {
    pub fn new_unchecked(buffer: T) -> Self {
        UdpPacket { buffer }
    }

    /// Checks: 8 bytes present; 8 <= length field <= buffer length.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    pub fn check_len(&self) -> Result<(), WireError> {
        let b = self.buffer.as_ref();
        check_len(PROTO, b, field::HEADER_LEN)?;
        let len = usize::from(self.len());
        if len < field::HEADER_LEN {
            return Err(WireError::BadLength {
                proto: PROTO,
                what: "length field < 8",
            });
        }
        check_len(PROTO, b, len)
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
    /// The length field (header plus payload).
    pub fn len(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::LENGTH)
    }
    /// True if the length field claims no payload.
    pub fn is_empty(&self) -> bool {
        usize::from(self.len()) <= field::HEADER_LEN
    }
    pub fn checksum(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::CHECKSUM)
    }
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[field::HEADER_LEN..usize::from(self.len())]
    }

    /// Verifies the checksum against the pseudo-header of `ip`. Over IPv4 a
    /// zero checksum (none sent) verifies; over IPv6 it never does.
    pub fn verify_checksum(&self, ip: &IpPair) -> bool {
        if self.checksum() == 0 {
            return matches!(ip, IpPair::V4 { .. });
        }
        let msg = &self.buffer.as_ref()[..usize::from(self.len())];
        ip.upper_layer_sum(ip_protocol::UDP, msg) == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> UdpPacket<T> {
    pub fn set_src_port(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::SRC_PORT, v)
    }
    pub fn set_dst_port(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::DST_PORT, v)
    }
    pub fn set_len(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::LENGTH, v)
    }
    pub fn set_checksum(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::CHECKSUM, v)
    }
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let len = usize::from(self.len());
        &mut self.buffer.as_mut()[field::HEADER_LEN..len]
    }

    /// Computes and writes the checksum over the pseudo-header of `ip` and
    /// the datagram (as long as the length field); a zero result is sent as
    /// 0xffff (RFC 768).
    pub fn fill_checksum(&mut self, ip: &IpPair) {
        self.set_checksum(0);
        let len = usize::from(self.len());
        let sum = !ip.upper_layer_sum(ip_protocol::UDP, &self.buffer.as_ref()[..len]);
        self.set_checksum(if sum == 0 { 0xffff } else { sum });
    }
}

/// The parsed meaning of a UDP header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpRepr {
    pub src_port: u16,
    pub dst_port: u16,
    pub payload_len: usize,
}

impl UdpRepr {
    /// Parses a checked datagram; verifies the checksum against `ip` if
    /// `verify_checksum`.
    pub fn parse(
        p: &UdpPacket<&[u8]>,
        ip: &IpPair,
        verify_checksum: bool,
    ) -> Result<Self, WireError> {
        p.check_len()?;
        if verify_checksum && !p.verify_checksum(ip) {
            return Err(WireError::BadChecksum { proto: PROTO });
        }
        Ok(UdpRepr {
            src_port: p.src_port(),
            dst_port: p.dst_port(),
            payload_len: usize::from(p.len()) - field::HEADER_LEN,
        })
    }

    /// Header length; the payload follows.
    pub fn header_len(&self) -> usize {
        field::HEADER_LEN
    }

    /// Whole datagram length.
    pub fn buffer_len(&self) -> usize {
        field::HEADER_LEN + self.payload_len
    }

    /// Writes the header into a buffer of at least [`buffer_len`](Self::buffer_len)
    /// bytes whose payload the caller has already written; fills the checksum
    /// against `ip` if `fill_checksum`, else leaves 0 (none over IPv4, or for
    /// the NIC to fill).
    pub fn emit(&self, p: &mut UdpPacket<&mut [u8]>, ip: &IpPair, fill_checksum: bool) {
        p.set_src_port(self.src_port);
        p.set_dst_port(self.dst_port);
        p.set_len(self.buffer_len() as u16);
        if fill_checksum {
            p.fill_checksum(ip);
        } else {
            p.set_checksum(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{fuzz, Ipv4Address, Ipv6Address};

    const V4: IpPair = IpPair::V4 {
        src: Ipv4Address([10, 0, 0, 1]),
        dst: Ipv4Address([10, 0, 0, 2]),
    };

    fn v6() -> IpPair {
        let mut s = [0u8; 16];
        s[0] = 0xfe;
        s[1] = 0x80;
        s[15] = 1;
        let mut d = s;
        d[15] = 2;
        IpPair::V6 {
            src: Ipv6Address(s),
            dst: Ipv6Address(d),
        }
    }

    /// 10.0.0.1:1234 -> 10.0.0.2:53, payload "hi". Checksum by hand:
    /// pseudo 0x0a00+0x0001+0x0a00+0x0002+0x0011+0x000a = 0x141e;
    /// header 0x04d2+0x0035+0x000a = 0x0511; data 0x6869.
    /// Total 0x141e+0x0511+0x6869 = 0x8198, inverted 0x7e67.
    const DATAGRAM: [u8; 10] = [0x04, 0xd2, 0x00, 0x35, 0x00, 0x0a, 0x7e, 0x67, b'h', b'i'];

    #[test]
    fn known_bytes_parse_and_checksum_verifies() {
        let p = UdpPacket::new_checked(&DATAGRAM[..]).unwrap();
        assert!(p.verify_checksum(&V4));
        let r = UdpRepr::parse(&p, &V4, true).unwrap();
        assert_eq!(
            r,
            UdpRepr {
                src_port: 1234,
                dst_port: 53,
                payload_len: 2
            }
        );
        assert_eq!(p.payload(), b"hi");
    }

    #[test]
    fn round_trip_over_ipv4_and_ipv6_with_checksums() {
        for ip in [V4, v6()] {
            let r = UdpRepr {
                src_port: 5353,
                dst_port: 5353,
                payload_len: 5,
            };
            let mut buf = vec![0u8; r.buffer_len()];
            buf[8..].copy_from_slice(b"hello");
            r.emit(&mut UdpPacket::new_unchecked(&mut buf[..]), &ip, true);
            let p = UdpPacket::new_checked(&buf[..]).unwrap();
            assert!(p.verify_checksum(&ip));
            assert_eq!(UdpRepr::parse(&p, &ip, true).unwrap(), r);
            // A flipped payload bit fails.
            buf[9] ^= 0x04;
            let p = UdpPacket::new_checked(&buf[..]).unwrap();
            assert_eq!(
                UdpRepr::parse(&p, &ip, true),
                Err(WireError::BadChecksum { proto: "udp" })
            );
        }
    }

    #[test]
    fn zero_checksum_is_none_over_ipv4_but_invalid_over_ipv6() {
        let mut b = DATAGRAM;
        b[field::CHECKSUM] = 0;
        b[field::CHECKSUM + 1] = 0;
        let p = UdpPacket::new_checked(&b[..]).unwrap();
        assert!(p.verify_checksum(&V4));
        assert!(!p.verify_checksum(&v6()));
    }

    #[test]
    fn lying_length_fields_are_rejected() {
        let mut b = DATAGRAM;
        b[field::LENGTH + 1] = 11;
        assert!(matches!(
            UdpPacket::new_checked(&b[..]),
            Err(WireError::Truncated { .. })
        ));
        b[field::LENGTH + 1] = 7;
        assert!(matches!(
            UdpPacket::new_checked(&b[..]),
            Err(WireError::BadLength { .. })
        ));
    }

    #[test]
    fn parser_never_panics_on_truncations_or_random_bytes() {
        fuzz::never_panics("udp", 0x0d9, &DATAGRAM, 40, |b| {
            if let Ok(p) = UdpPacket::new_checked(b) {
                let _ = UdpRepr::parse(&p, &V4, true);
                let _ = UdpRepr::parse(&p, &v6(), true);
                let _ = p.payload();
            }
        });
    }
}
