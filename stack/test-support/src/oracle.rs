//! An independent packet oracle: the `etherparse` crate, which shares no code
//! with the firmware model, the RTL, the stack or the workspace's frame
//! builder, reads frames and builds the reference ones. Tests ask it what a
//! frame is and whether its checksums are right; nothing else in the
//! workspace depends on etherparse.

use etherparse::{IpNumber, NetSlice, PacketBuilder, SlicedPacket, TransportSlice};

/// The network layer of a frame as the oracle reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Net {
    Ipv4 {
        src: [u8; 4],
        dst: [u8; 4],
        /// The header checksum in the frame.
        header_checksum: u16,
        /// The header checksum the oracle computes.
        want_header_checksum: u16,
    },
    Ipv6 {
        src: [u8; 16],
        dst: [u8; 16],
    },
}

/// The transport protocols the oracle checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Tcp,
    Udp,
}

/// The L4 header of a frame as the oracle reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct L4 {
    pub transport: Transport,
    /// The checksum field in the frame.
    pub checksum: u16,
    /// The checksum the oracle computes over the pseudo-header and the
    /// segment as the IP length bounds it (UDP's 0 result as 0xFFFF).
    pub want: u16,
}

/// What the oracle reads in a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    pub net: Net,
    /// None for protocols other than TCP and UDP.
    pub l4: Option<L4>,
}

/// 0x0000 and 0xFFFF are the same one's-complement number (RFC 1071): a
/// checksum field may hold either for a zero result.
pub fn same_checksum(a: u16, b: u16) -> bool {
    a == b || (a == 0xffff && b == 0) || (a == 0 && b == 0xffff)
}

/// Reads an Ethernet frame (an 802.1Q tag, IPv4 or IPv6 with extension
/// headers, TCP or UDP, padding after the IP packet). An error says why the
/// oracle cannot read it as IP.
pub fn parse(frame: &[u8]) -> Result<Facts, String> {
    let p = SlicedPacket::from_ethernet(frame)
        .map_err(|e| format!("etherparse cannot parse it: {e}"))?;
    let net = match &p.net {
        Some(NetSlice::Ipv4(ip)) => {
            let h = ip.header();
            Net::Ipv4 {
                src: h.source(),
                dst: h.destination(),
                header_checksum: h.header_checksum(),
                want_header_checksum: h.to_header().calc_header_checksum(),
            }
        }
        Some(NetSlice::Ipv6(ip)) => Net::Ipv6 {
            src: ip.header().source(),
            dst: ip.header().destination(),
        },
        other => return Err(format!("not IP: {other:?}")),
    };
    let l4 = match &p.transport {
        Some(TransportSlice::Tcp(t)) => {
            let want = match net {
                Net::Ipv4 { src, dst, .. } => t.calc_checksum_ipv4(src, dst),
                Net::Ipv6 { src, dst } => t.calc_checksum_ipv6(src, dst),
            };
            Some(L4 {
                transport: Transport::Tcp,
                checksum: t.checksum(),
                want: want.map_err(|e| e.to_string())?,
            })
        }
        Some(TransportSlice::Udp(u)) => {
            let h = u.to_header();
            let want = match net {
                Net::Ipv4 { src, dst, .. } => h.calc_checksum_ipv4_raw(src, dst, u.payload()),
                Net::Ipv6 { src, dst } => h.calc_checksum_ipv6_raw(src, dst, u.payload()),
            };
            Some(L4 {
                transport: Transport::Udp,
                checksum: u.checksum(),
                want: want.map_err(|e| e.to_string())?,
            })
        }
        _ => None,
    };
    Ok(Facts { net, l4 })
}

impl Facts {
    pub fn is_ipv4(&self) -> bool {
        matches!(self.net, Net::Ipv4 { .. })
    }

    /// Whether the L4 checksum field holds what the oracle computes (either
    /// form of zero accepted); false without TCP or UDP.
    pub fn l4_checksum_ok(&self) -> bool {
        self.l4.is_some_and(|l| same_checksum(l.checksum, l.want))
    }

    /// Ok when the IPv4 header checksum (if IPv4) and the TCP/UDP checksum
    /// are what the oracle computes; else what is wrong.
    pub fn check_checksums(&self) -> Result<(), String> {
        if let Net::Ipv4 {
            header_checksum: have,
            want_header_checksum: want,
            ..
        } = self.net
        {
            if have != want {
                return Err(format!(
                    "IPv4 header checksum {have:#06x}, etherparse computes {want:#06x}"
                ));
            }
        }
        let l = self.l4.ok_or("no TCP/UDP")?;
        if same_checksum(l.checksum, l.want) {
            Ok(())
        } else {
            Err(format!(
                "L4 checksum {:#06x}, etherparse computes {:#06x}",
                l.checksum, l.want
            ))
        }
    }
}

/// [`parse`] then [`Facts::check_checksums`]: Ok when the frame is IP with
/// TCP or UDP and every checksum in it is right.
pub fn check_checksums(frame: &[u8]) -> Result<(), String> {
    parse(frame)?.check_checksums()
}

/// The L4 layer of a reference frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Build {
    /// TCP with sequence number 1 and window 1000.
    Tcp {
        sport: u16,
        dport: u16,
    },
    Udp {
        sport: u16,
        dport: u16,
    },
    /// The payload as this IP protocol.
    Other(u8),
}

/// A reference IPv4 frame (TTL 64) built by the oracle, checksums right.
pub fn ipv4_frame(
    macs: ([u8; 6], [u8; 6]),
    src: [u8; 4],
    dst: [u8; 4],
    l4: Build,
    payload: &[u8],
) -> Vec<u8> {
    let ip = PacketBuilder::ethernet2(macs.0, macs.1).ipv4(src, dst, 64);
    let mut f = Vec::new();
    match l4 {
        Build::Tcp { sport, dport } => ip.tcp(sport, dport, 1, 1000).write(&mut f, payload),
        Build::Udp { sport, dport } => ip.udp(sport, dport).write(&mut f, payload),
        Build::Other(p) => ip.write(&mut f, IpNumber(p), payload),
    }
    .expect("etherparse builds the frame");
    f
}

/// A reference IPv6 frame (hop limit 64) built by the oracle, checksums right.
pub fn ipv6_frame(
    macs: ([u8; 6], [u8; 6]),
    src: [u8; 16],
    dst: [u8; 16],
    l4: Build,
    payload: &[u8],
) -> Vec<u8> {
    let ip = PacketBuilder::ethernet2(macs.0, macs.1).ipv6(src, dst, 64);
    let mut f = Vec::new();
    match l4 {
        Build::Tcp { sport, dport } => ip.tcp(sport, dport, 1, 1000).write(&mut f, payload),
        Build::Udp { sport, dport } => ip.udp(sport, dport).write(&mut f, payload),
        Build::Other(p) => ip.write(&mut f, IpNumber(p), payload),
    }
    .expect("etherparse builds the frame");
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_frames_read_back_with_right_checksums_and_a_flip_is_caught() {
        let macs = ([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]);
        let payload = [0x5a; 11];
        for l4 in [
            Build::Tcp { sport: 1, dport: 2 },
            Build::Udp { sport: 3, dport: 4 },
        ] {
            let frames = [
                ipv4_frame(macs, [10, 0, 0, 1], [10, 0, 0, 2], l4, &payload),
                ipv6_frame(macs, [1; 16], [2; 16], l4, &payload),
            ];
            for mut f in frames {
                assert_eq!(check_checksums(&f), Ok(()));
                let n = f.len();
                f[n - 1] ^= 1;
                assert!(check_checksums(&f).is_err());
                assert!(!parse(&f).unwrap().l4_checksum_ok());
            }
        }
        let icmp = ipv4_frame(macs, [1; 4], [2; 4], Build::Other(1), &payload);
        let facts = parse(&icmp).unwrap();
        assert!(facts.is_ipv4() && facts.l4.is_none());
        assert!(parse(&[0u8; 20]).is_err());
    }

    #[test]
    fn zero_and_ffff_are_the_same_checksum() {
        assert!(same_checksum(0, 0xffff) && same_checksum(0xffff, 0));
        assert!(same_checksum(0x1234, 0x1234) && !same_checksum(0x1234, 0x1235));
    }
}
