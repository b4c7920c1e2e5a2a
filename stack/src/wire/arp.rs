//! ARP (RFC 826) for IPv4 over Ethernet: hardware type 1, protocol type
//! 0x0800, hardware length 6, protocol length 4. Other combinations are
//! well-formed ARP but [`WireError::Unsupported`] here.

use super::ethernet::{EtherType, EthernetAddress};
use super::ipv4::Ipv4Address;
use super::{check_len, get_u16, set_u16, WireError};

const PROTO: &str = "arp";

/// Field offsets (RFC 826, "Packet format"), for 6-byte hardware and
/// 4-byte protocol addresses.
pub mod field {
    use core::ops::Range;
    pub const HTYPE: usize = 0;
    pub const PTYPE: usize = 2;
    pub const HLEN: usize = 4;
    pub const PLEN: usize = 5;
    pub const OPER: usize = 6;
    pub const SHA: Range<usize> = 8..14;
    pub const SPA: Range<usize> = 14..18;
    pub const THA: Range<usize> = 18..24;
    pub const TPA: Range<usize> = 24..28;
    /// Fixed part before the addresses.
    pub const FIXED_LEN: usize = 8;
    /// Whole packet for Ethernet/IPv4.
    pub const PACKET_LEN: usize = 28;
}

/// ar$hrd for Ethernet.
pub const HTYPE_ETHERNET: u16 = 1;

/// ar$op values (RFC 826).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArpOperation {
    Request,
    Reply,
    Unknown(u16),
}

impl From<u16> for ArpOperation {
    fn from(v: u16) -> Self {
        match v {
            1 => ArpOperation::Request,
            2 => ArpOperation::Reply,
            o => ArpOperation::Unknown(o),
        }
    }
}

impl From<ArpOperation> for u16 {
    fn from(o: ArpOperation) -> u16 {
        match o {
            ArpOperation::Request => 1,
            ArpOperation::Reply => 2,
            ArpOperation::Unknown(v) => v,
        }
    }
}

/// A view of an ARP packet.
#[derive(Debug, Clone)]
pub struct ArpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> ArpPacket<T> {
    pub fn new_unchecked(buffer: T) -> Self {
        ArpPacket { buffer }
    }

    /// Checks the fixed part and that the buffer holds both address pairs as
    /// long as `hlen`/`plen` say, and at least the Ethernet/IPv4 layout (28
    /// bytes) so the address accessors never read past the end.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let p = Self::new_unchecked(buffer);
        let b = p.buffer.as_ref();
        check_len(PROTO, b, field::FIXED_LEN)?;
        let need = field::FIXED_LEN + 2 * (usize::from(p.hlen()) + usize::from(p.plen()));
        check_len(PROTO, b, need.max(field::PACKET_LEN))?;
        Ok(p)
    }

    pub fn into_inner(self) -> T {
        self.buffer
    }

    pub fn htype(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::HTYPE)
    }
    pub fn ptype(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::PTYPE)
    }
    pub fn hlen(&self) -> u8 {
        self.buffer.as_ref()[field::HLEN]
    }
    pub fn plen(&self) -> u8 {
        self.buffer.as_ref()[field::PLEN]
    }
    pub fn operation(&self) -> ArpOperation {
        get_u16(self.buffer.as_ref(), field::OPER).into()
    }

    /// True if this is Ethernet/IPv4 ARP, whose address fields the
    /// accessors below read (they need a checked view of that shape).
    pub fn is_ethernet_ipv4(&self) -> bool {
        self.htype() == HTYPE_ETHERNET
            && self.ptype() == EtherType::IPV4.0
            && self.hlen() == 6
            && self.plen() == 4
    }

    pub fn source_hardware_addr(&self) -> EthernetAddress {
        EthernetAddress::from_bytes(&self.buffer.as_ref()[field::SHA])
    }
    pub fn source_protocol_addr(&self) -> Ipv4Address {
        Ipv4Address::from_bytes(&self.buffer.as_ref()[field::SPA])
    }
    pub fn target_hardware_addr(&self) -> EthernetAddress {
        EthernetAddress::from_bytes(&self.buffer.as_ref()[field::THA])
    }
    pub fn target_protocol_addr(&self) -> Ipv4Address {
        Ipv4Address::from_bytes(&self.buffer.as_ref()[field::TPA])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> ArpPacket<T> {
    pub fn set_htype(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::HTYPE, v)
    }
    pub fn set_ptype(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::PTYPE, v)
    }
    pub fn set_hlen(&mut self, v: u8) {
        self.buffer.as_mut()[field::HLEN] = v
    }
    pub fn set_plen(&mut self, v: u8) {
        self.buffer.as_mut()[field::PLEN] = v
    }
    pub fn set_operation(&mut self, op: ArpOperation) {
        set_u16(self.buffer.as_mut(), field::OPER, op.into())
    }
    pub fn set_source_hardware_addr(&mut self, a: EthernetAddress) {
        self.buffer.as_mut()[field::SHA].copy_from_slice(&a.0)
    }
    pub fn set_source_protocol_addr(&mut self, a: Ipv4Address) {
        self.buffer.as_mut()[field::SPA].copy_from_slice(&a.0)
    }
    pub fn set_target_hardware_addr(&mut self, a: EthernetAddress) {
        self.buffer.as_mut()[field::THA].copy_from_slice(&a.0)
    }
    pub fn set_target_protocol_addr(&mut self, a: Ipv4Address) {
        self.buffer.as_mut()[field::TPA].copy_from_slice(&a.0)
    }
}

/// An Ethernet/IPv4 ARP message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArpRepr {
    pub operation: ArpOperation,
    pub source_hardware_addr: EthernetAddress,
    pub source_protocol_addr: Ipv4Address,
    pub target_hardware_addr: EthernetAddress,
    pub target_protocol_addr: Ipv4Address,
}

impl ArpRepr {
    pub fn parse(p: &ArpPacket<&[u8]>) -> Result<Self, WireError> {
        check_len(PROTO, p.buffer, field::FIXED_LEN)?;
        if !p.is_ethernet_ipv4() {
            return Err(WireError::Unsupported {
                proto: PROTO,
                what: "not Ethernet/IPv4 ARP",
            });
        }
        check_len(PROTO, p.buffer, field::PACKET_LEN)?;
        Ok(ArpRepr {
            operation: p.operation(),
            source_hardware_addr: p.source_hardware_addr(),
            source_protocol_addr: p.source_protocol_addr(),
            target_hardware_addr: p.target_hardware_addr(),
            target_protocol_addr: p.target_protocol_addr(),
        })
    }

    pub fn buffer_len(&self) -> usize {
        field::PACKET_LEN
    }

    pub fn emit(&self, p: &mut ArpPacket<&mut [u8]>) {
        p.set_htype(HTYPE_ETHERNET);
        p.set_ptype(EtherType::IPV4.0);
        p.set_hlen(6);
        p.set_plen(4);
        p.set_operation(self.operation);
        p.set_source_hardware_addr(self.source_hardware_addr);
        p.set_source_protocol_addr(self.source_protocol_addr);
        p.set_target_hardware_addr(self.target_hardware_addr);
        p.set_target_protocol_addr(self.target_protocol_addr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::fuzz;

    /// "Who has 10.0.0.2? Tell 10.0.0.1", per the RFC 826 layout.
    const REQUEST: [u8; 28] = [
        0x00, 0x01, // Ethernet
        0x08, 0x00, // IPv4
        6, 4, // hlen, plen
        0x00, 0x01, // request
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // sha
        10, 0, 0, 1, // spa
        0, 0, 0, 0, 0, 0, // tha
        10, 0, 0, 2, // tpa
    ];

    #[test]
    fn request_known_bytes_parse() {
        let p = ArpPacket::new_checked(&REQUEST[..]).unwrap();
        let r = ArpRepr::parse(&p).unwrap();
        assert_eq!(r.operation, ArpOperation::Request);
        assert_eq!(r.source_hardware_addr, EthernetAddress([2, 0, 0, 0, 0, 1]));
        assert_eq!(r.source_protocol_addr, Ipv4Address([10, 0, 0, 1]));
        assert_eq!(r.target_hardware_addr, EthernetAddress([0; 6]));
        assert_eq!(r.target_protocol_addr, Ipv4Address([10, 0, 0, 2]));
    }

    #[test]
    fn round_trip_reply() {
        let r = ArpRepr {
            operation: ArpOperation::Reply,
            source_hardware_addr: EthernetAddress([2, 0, 0, 0, 0, 2]),
            source_protocol_addr: Ipv4Address([10, 0, 0, 2]),
            target_hardware_addr: EthernetAddress([2, 0, 0, 0, 0, 1]),
            target_protocol_addr: Ipv4Address([10, 0, 0, 1]),
        };
        let mut buf = vec![0u8; r.buffer_len()];
        r.emit(&mut ArpPacket::new_unchecked(&mut buf[..]));
        let p = ArpPacket::new_checked(&buf[..]).unwrap();
        assert_eq!(ArpRepr::parse(&p).unwrap(), r);
        assert_eq!(&buf[..8], &[0, 1, 8, 0, 6, 4, 0, 2]);
    }

    #[test]
    fn other_hardware_or_protocol_is_unsupported() {
        let mut b = REQUEST;
        b[field::HLEN] = 8; // claims 8-byte hardware addresses
        let mut long = b.to_vec();
        long.resize(40, 0);
        let p = ArpPacket::new_checked(&long[..]).unwrap();
        assert!(matches!(
            ArpRepr::parse(&p),
            Err(WireError::Unsupported { .. })
        ));
        // And with only 28 bytes the claimed lengths overrun the buffer.
        assert!(matches!(
            ArpPacket::new_checked(&b[..]),
            Err(WireError::Truncated { .. })
        ));
    }

    #[test]
    fn parser_never_panics_on_truncations_or_random_bytes() {
        fuzz::never_panics("arp", 0xa4b, &REQUEST, 64, |b| {
            if let Ok(p) = ArpPacket::new_checked(b) {
                let _ = ArpRepr::parse(&p);
            }
        });
    }
}
