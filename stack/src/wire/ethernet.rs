//! Ethernet II frames (IEEE 802.3 clause 3 with an EtherType), optionally
//! carrying one IEEE 802.1Q VLAN tag. The FCS is not part of the view: devices
//! strip and append it.

use super::{check_len, get_u16, set_u16, WireError};
use core::fmt;

const PROTO: &str = "ethernet";

/// A 48-bit IEEE MAC address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct EthernetAddress(pub [u8; 6]);

impl EthernetAddress {
    pub const BROADCAST: EthernetAddress = EthernetAddress([0xff; 6]);

    /// Reads an address from the first six bytes of `b` (which must hold six).
    pub fn from_bytes(b: &[u8]) -> Self {
        let mut a = [0u8; 6];
        a.copy_from_slice(&b[..6]);
        EthernetAddress(a)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The group bit (I/G, least significant bit of the first octet).
    pub fn is_multicast(&self) -> bool {
        self.0[0] & 1 != 0
    }

    pub fn is_broadcast(&self) -> bool {
        *self == Self::BROADCAST
    }

    /// A unicast address: not multicast (and so not broadcast).
    pub fn is_unicast(&self) -> bool {
        !self.is_multicast()
    }
}

impl fmt::Display for EthernetAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

/// An EtherType (IEEE registry); values below 0x0600 are 802.3 lengths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EtherType(pub u16);

impl EtherType {
    pub const IPV4: EtherType = EtherType(0x0800);
    pub const ARP: EtherType = EtherType(0x0806);
    pub const VLAN: EtherType = EtherType(0x8100);
    pub const IPV6: EtherType = EtherType(0x86dd);
}

/// Field offsets of the untagged header, and of the 802.1Q tag after the
/// source address.
pub mod field {
    use core::ops::Range;
    pub const DESTINATION: Range<usize> = 0..6;
    pub const SOURCE: Range<usize> = 6..12;
    /// EtherType, or the TPID 0x8100 when tagged.
    pub const ETHERTYPE: usize = 12;
    /// 802.1Q tag control information (PCP:3, DEI:1, VID:12) when tagged.
    pub const VLAN_TCI: usize = 14;
    /// Inner EtherType when tagged.
    pub const VLAN_ETHERTYPE: usize = 16;
    pub const HEADER_LEN: usize = 14;
    pub const VLAN_HEADER_LEN: usize = 18;
}

/// One 802.1Q tag's control information.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VlanTag {
    /// Priority code point, 3 bits.
    pub pcp: u8,
    /// Drop eligible indicator.
    pub dei: bool,
    /// VLAN identifier, 12 bits.
    pub vid: u16,
}

impl VlanTag {
    fn from_tci(tci: u16) -> Self {
        VlanTag {
            pcp: (tci >> 13) as u8,
            dei: tci & 0x1000 != 0,
            vid: tci & 0x0fff,
        }
    }

    fn tci(&self) -> u16 {
        (u16::from(self.pcp & 7) << 13) | (u16::from(self.dei) << 12) | (self.vid & 0x0fff)
    }
}

/// A view of an Ethernet II frame, with or without one 802.1Q tag.
#[derive(Debug, Clone)]
pub struct EthernetFrame<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> EthernetFrame<T> {
    /// Wraps `buffer` without checks; accessors may panic on short buffers.
    pub fn new_unchecked(buffer: T) -> Self {
        EthernetFrame { buffer }
    }

    /// Wraps `buffer` after checking it holds the whole header (tag included
    /// when the TPID says there is one).
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let f = Self::new_unchecked(buffer);
        f.check_len()?;
        Ok(f)
    }

    pub fn check_len(&self) -> Result<(), WireError> {
        let b = self.buffer.as_ref();
        check_len(PROTO, b, field::HEADER_LEN)?;
        check_len(PROTO, b, self.header_len())
    }

    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Header length: 14, or 18 with an 802.1Q tag.
    pub fn header_len(&self) -> usize {
        if self.is_tagged() {
            field::VLAN_HEADER_LEN
        } else {
            field::HEADER_LEN
        }
    }

    pub fn destination(&self) -> EthernetAddress {
        EthernetAddress::from_bytes(&self.buffer.as_ref()[field::DESTINATION])
    }

    pub fn source(&self) -> EthernetAddress {
        EthernetAddress::from_bytes(&self.buffer.as_ref()[field::SOURCE])
    }

    /// True if the outer EtherType is the 802.1Q TPID.
    pub fn is_tagged(&self) -> bool {
        get_u16(self.buffer.as_ref(), field::ETHERTYPE) == EtherType::VLAN.0
    }

    /// The 802.1Q tag, if present.
    pub fn vlan(&self) -> Option<VlanTag> {
        self.is_tagged()
            .then(|| VlanTag::from_tci(get_u16(self.buffer.as_ref(), field::VLAN_TCI)))
    }

    /// The EtherType of the payload (the inner one when tagged).
    pub fn ethertype(&self) -> EtherType {
        let at = if self.is_tagged() {
            field::VLAN_ETHERTYPE
        } else {
            field::ETHERTYPE
        };
        EtherType(get_u16(self.buffer.as_ref(), at))
    }

    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[self.header_len()..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> EthernetFrame<T> {
    pub fn set_destination(&mut self, a: EthernetAddress) {
        self.buffer.as_mut()[field::DESTINATION].copy_from_slice(&a.0);
    }

    pub fn set_source(&mut self, a: EthernetAddress) {
        self.buffer.as_mut()[field::SOURCE].copy_from_slice(&a.0);
    }

    /// Writes the tag (TPID + TCI) or, with `None`, nothing; must be set
    /// before [`set_ethertype`](Self::set_ethertype) so that lands right.
    pub fn set_vlan(&mut self, tag: Option<VlanTag>) {
        if let Some(t) = tag {
            let b = self.buffer.as_mut();
            set_u16(b, field::ETHERTYPE, EtherType::VLAN.0);
            set_u16(b, field::VLAN_TCI, t.tci());
        }
    }

    /// Sets the payload EtherType (inner one when tagged).
    pub fn set_ethertype(&mut self, t: EtherType) {
        let at = if self.is_tagged() {
            field::VLAN_ETHERTYPE
        } else {
            field::ETHERTYPE
        };
        set_u16(self.buffer.as_mut(), at, t.0);
    }

    pub fn payload_mut(&mut self) -> &mut [u8] {
        let at = self.header_len();
        &mut self.buffer.as_mut()[at..]
    }
}

/// The parsed meaning of an Ethernet header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EthernetRepr {
    pub src: EthernetAddress,
    pub dst: EthernetAddress,
    pub vlan: Option<VlanTag>,
    pub ethertype: EtherType,
}

impl EthernetRepr {
    pub fn parse<T: AsRef<[u8]>>(frame: &EthernetFrame<T>) -> Result<Self, WireError> {
        frame.check_len()?;
        Ok(EthernetRepr {
            src: frame.source(),
            dst: frame.destination(),
            vlan: frame.vlan(),
            ethertype: frame.ethertype(),
        })
    }

    pub fn buffer_len(&self) -> usize {
        if self.vlan.is_some() {
            field::VLAN_HEADER_LEN
        } else {
            field::HEADER_LEN
        }
    }

    /// Writes the header; the buffer must hold [`buffer_len`](Self::buffer_len) bytes.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, frame: &mut EthernetFrame<T>) {
        frame.set_destination(self.dst);
        frame.set_source(self.src);
        if self.vlan.is_none() {
            // Clear a stale TPID so set_ethertype writes the outer field.
            set_u16(frame.buffer.as_mut(), field::ETHERTYPE, 0);
        }
        frame.set_vlan(self.vlan);
        frame.set_ethertype(self.ethertype);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::fuzz;

    const UNTAGGED: [u8; 16] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // dst
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // src
        0x08, 0x06, // ARP
        0xaa, 0xbb,
    ];

    const TAGGED: [u8; 19] = [
        0x02, 0x00, 0x00, 0x00, 0x00, 0x02, // dst
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // src
        0x81, 0x00, // TPID
        0xa0, 0x64, // PCP 5, DEI 0, VID 100
        0x86, 0xdd, // IPv6
        0x60,
    ];

    #[test]
    fn untagged_known_bytes_parse() {
        let f = EthernetFrame::new_checked(&UNTAGGED[..]).unwrap();
        let r = EthernetRepr::parse(&f).unwrap();
        assert_eq!(r.dst, EthernetAddress::BROADCAST);
        assert_eq!(r.src, EthernetAddress([2, 0, 0, 0, 0, 1]));
        assert_eq!(r.ethertype, EtherType::ARP);
        assert_eq!(r.vlan, None);
        assert_eq!(f.payload(), &[0xaa, 0xbb]);
    }

    #[test]
    fn vlan_tagged_known_bytes_parse() {
        let f = EthernetFrame::new_checked(&TAGGED[..]).unwrap();
        assert_eq!(
            f.vlan(),
            Some(VlanTag {
                pcp: 5,
                dei: false,
                vid: 100
            })
        );
        assert_eq!(f.ethertype(), EtherType::IPV6);
        assert_eq!(f.payload(), &[0x60]);
    }

    #[test]
    fn round_trip_with_and_without_tag() {
        for vlan in [
            None,
            Some(VlanTag {
                pcp: 7,
                dei: true,
                vid: 4095,
            }),
        ] {
            let r = EthernetRepr {
                src: EthernetAddress([2, 1, 2, 3, 4, 5]),
                dst: EthernetAddress([0x33, 0x33, 0, 0, 0, 1]),
                vlan,
                ethertype: EtherType::IPV4,
            };
            let mut buf = vec![0xffu8; r.buffer_len()];
            r.emit(&mut EthernetFrame::new_unchecked(&mut buf[..]));
            let f = EthernetFrame::new_checked(&buf[..]).unwrap();
            assert_eq!(EthernetRepr::parse(&f).unwrap(), r);
        }
    }

    #[test]
    fn tagged_header_cut_short_is_truncated() {
        assert!(matches!(
            EthernetFrame::new_checked(&TAGGED[..17]),
            Err(WireError::Truncated { need: 18, .. })
        ));
    }

    #[test]
    fn parser_never_panics_on_truncations_or_random_bytes() {
        fuzz::never_panics("ethernet", 0xe7e7, &TAGGED, 64, |b| {
            if let Ok(f) = EthernetFrame::new_checked(b) {
                let _ = EthernetRepr::parse(&f);
                let _ = f.payload();
            }
        });
    }
}
