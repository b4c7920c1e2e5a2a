//! Where the headers of an Ethernet + IPv4/IPv6 + TCP frame are, and the
//! header fields that segmentation (GSO/TSO) and coalescing (GRO/LRO)
//! rewrite in place: the IP length fields, the IPv4 header checksum.
//!
//! [`TcpOffsets::parse`] accepts exactly an untagged Ethernet II frame
//! carrying IPv4 (version 4, options allowed, not a fragment) or IPv6
//! (Hop-by-Hop, Routing and Destination Options headers skipped, no Fragment
//! header, not even an atomic one: [`Ipv6Packet::upper_layer_unfragmented`])
//! whose upper layer is a TCP header that
//! fits, and whose IP length field covers the TCP header and lies inside
//! the frame. Bytes after the IP packet (Ethernet padding) are allowed and
//! ignored by [`TcpOffsets::ip_end`].

use super::{
    ethernet, ip_protocol, ipv6, EtherType, EthernetFrame, IpPair, Ipv4Packet, Ipv6Packet,
    TcpPacket,
};

/// Where the headers of a TCP frame are (byte offsets into the frame).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpOffsets {
    /// Start of the IP header.
    pub l3: usize,
    /// Start of the TCP header.
    pub l4: usize,
    /// Start of the payload (all headers' length).
    pub payload: usize,
    pub ipv6: bool,
}

impl TcpOffsets {
    /// Finds the headers of an Ethernet + IPv4/IPv6 + TCP frame; `None` if
    /// it is not one or any length is inconsistent (see the module docs).
    /// The offsets are valid for `frame`, so the accessors below cannot
    /// panic on it.
    pub fn parse(frame: &[u8]) -> Option<TcpOffsets> {
        let eth = EthernetFrame::new_checked(frame).ok()?;
        if eth.is_tagged() {
            return None;
        }
        let l3 = ethernet::field::HEADER_LEN;
        let (l4, ipv6) = match eth.ethertype() {
            EtherType::IPV4 => {
                let p = Ipv4Packet::new_checked(&frame[l3..]).ok()?;
                // Fragments are not segments.
                if p.version() != 4 || p.protocol() != ip_protocol::TCP || p.is_fragment() {
                    return None;
                }
                (l3 + p.header_len(), false)
            }
            EtherType::IPV6 => {
                let p = Ipv6Packet::new_checked(&frame[l3..]).ok()?;
                let (next, at) = p.upper_layer_unfragmented().ok()?;
                if next != ip_protocol::TCP {
                    return None;
                }
                (l3 + ipv6::field::HEADER_LEN + at, true)
            }
            _ => return None,
        };
        let tcp = TcpPacket::new_checked(&frame[l4..]).ok()?;
        let o = TcpOffsets {
            l3,
            l4,
            payload: l4 + tcp.header_len(),
            ipv6,
        };
        (o.ip_end(frame)? >= o.payload).then_some(o)
    }

    /// End of the IP packet in `frame` by the IP header's length field
    /// (IPv4 total length, IPv6 40 + payload length); `None` if the frame
    /// is shorter than that.
    pub fn ip_end(&self, frame: &[u8]) -> Option<usize> {
        let end = if self.ipv6 {
            let p = Ipv6Packet::new_unchecked(&frame[self.l3..]);
            self.l3 + ipv6::field::HEADER_LEN + usize::from(p.payload_len())
        } else {
            self.l3 + usize::from(Ipv4Packet::new_unchecked(&frame[self.l3..]).total_len())
        };
        (end <= frame.len()).then_some(end)
    }

    /// The IP header's source and destination, for the pseudo-header.
    pub fn ip_pair(&self, frame: &[u8]) -> IpPair {
        if self.ipv6 {
            let p = Ipv6Packet::new_unchecked(&frame[self.l3..]);
            IpPair::V6 {
                src: p.src_addr(),
                dst: p.dst_addr(),
            }
        } else {
            let p = Ipv4Packet::new_unchecked(&frame[self.l3..]);
            IpPair::V4 {
                src: p.src_addr(),
                dst: p.dst_addr(),
            }
        }
    }

    /// Pseudo-header sum of the frame's addresses for TCP and `length`
    /// (`None` leaves the length out: the GSO convention).
    pub fn pseudo_sum(&self, frame: &[u8], length: Option<usize>) -> u16 {
        self.ip_pair(frame)
            .pseudo_header_sum(ip_protocol::TCP, length.unwrap_or(0))
    }

    /// A view of the IPv4 header (IHL * 4 bytes); meaningful when `!ipv6`.
    pub fn ipv4<'a>(&self, frame: &'a [u8]) -> Ipv4Packet<&'a [u8]> {
        Ipv4Packet::new_unchecked(&frame[self.l3..self.l4])
    }

    /// A view of the IPv4 header for writing; meaningful when `!ipv6`.
    pub fn ipv4_mut<'a>(&self, frame: &'a mut [u8]) -> Ipv4Packet<&'a mut [u8]> {
        Ipv4Packet::new_unchecked(&mut frame[self.l3..self.l4])
    }

    /// A view of the fixed IPv6 header; meaningful when `ipv6`.
    pub fn ipv6<'a>(&self, frame: &'a [u8]) -> Ipv6Packet<&'a [u8]> {
        Ipv6Packet::new_unchecked(&frame[self.l3..self.l3 + ipv6::field::HEADER_LEN])
    }

    /// A view of the TCP header (its payload runs to the end of `frame`:
    /// use it for header fields).
    pub fn tcp<'a>(&self, frame: &'a [u8]) -> TcpPacket<&'a [u8]> {
        TcpPacket::new_unchecked(&frame[self.l4..])
    }

    /// A view of the TCP header for writing.
    pub fn tcp_mut<'a>(&self, frame: &'a mut [u8]) -> TcpPacket<&'a mut [u8]> {
        TcpPacket::new_unchecked(&mut frame[self.l4..])
    }

    /// Rewrites the IP length field of `frame` for an IP packet ending at
    /// `end`, and for IPv4 the header checksum.
    pub fn set_ip_end(&self, frame: &mut [u8], end: usize) {
        if self.ipv6 {
            let pl = (end - self.l3 - ipv6::field::HEADER_LEN) as u16;
            Ipv6Packet::new_unchecked(&mut frame[self.l3..]).set_payload_len(pl);
        } else {
            let mut p = self.ipv4_mut(frame);
            p.set_total_len((end - self.l3) as u16);
            p.fill_checksum();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{
        EthernetAddress, EthernetRepr, Ipv4Address, Ipv4Repr, Ipv6Address, Ipv6Repr, TcpFlags,
        TcpRepr, TcpSeqNumber,
    };

    const ETH: usize = ethernet::field::HEADER_LEN;

    fn tcp_repr(payload_len: usize) -> TcpRepr {
        let mut r = TcpRepr::bare(1000, 80, TcpSeqNumber(7), TcpSeqNumber(9), TcpFlags::ACK);
        r.timestamp = Some((1, 2));
        r.payload_len = payload_len;
        r
    }

    fn eth(frame: &mut [u8], t: EtherType) {
        EthernetRepr {
            src: EthernetAddress([2, 0, 0, 0, 0, 1]),
            dst: EthernetAddress([2, 0, 0, 0, 0, 2]),
            ethertype: t,
            vlan: None,
        }
        .emit(&mut EthernetFrame::new_unchecked(frame));
    }

    /// Ethernet + IPv4 (with `opts` bytes of NOP options) + TCP with
    /// timestamps + `payload` bytes + `pad` bytes of Ethernet padding.
    fn v4(opts: usize, payload: usize, pad: usize) -> Vec<u8> {
        let t = tcp_repr(payload);
        let ip = Ipv4Repr {
            options: vec![1; opts],
            ..Ipv4Repr::unfragmented(
                Ipv4Address([10, 0, 0, 1]),
                Ipv4Address([10, 0, 0, 2]),
                ip_protocol::TCP,
                t.buffer_len(),
                0x1234,
                true,
            )
        };
        // (`Ipv4Repr::buffer_len` is the header's length.)
        let mut f = vec![0u8; ETH + ip.buffer_len() + t.buffer_len() + pad];
        eth(&mut f, EtherType::IPV4);
        ip.emit(&mut Ipv4Packet::new_unchecked(&mut f[ETH..]), true);
        let l4 = ETH + ip.header_len();
        let pair = IpPair::V4 {
            src: ip.src_addr,
            dst: ip.dst_addr,
        };
        let end = l4 + t.buffer_len();
        t.emit(&mut TcpPacket::new_unchecked(&mut f[l4..end]), &pair, true);
        f
    }

    /// Ethernet + IPv6 + one 8-byte Destination Options header + TCP.
    fn v6(payload: usize) -> Vec<u8> {
        let t = tcp_repr(payload);
        let ip = Ipv6Repr {
            src_addr: Ipv6Address([0x20; 16]),
            dst_addr: Ipv6Address([0x30; 16]),
            next_header: ip_protocol::IPV6_OPTS,
            payload_len: 8 + t.buffer_len(),
            hop_limit: 64,
            traffic_class: 0,
            flow_label: 0,
        };
        let mut f = vec![0u8; ETH + 40 + 8 + t.buffer_len()];
        eth(&mut f, EtherType::IPV6);
        ip.emit(&mut Ipv6Packet::new_unchecked(&mut f[ETH..]));
        f[ETH + 40] = ip_protocol::TCP;
        let pair = IpPair::V6 {
            src: ip.src_addr,
            dst: ip.dst_addr,
        };
        let l4 = ETH + 48;
        t.emit(&mut TcpPacket::new_unchecked(&mut f[l4..]), &pair, true);
        f
    }

    #[test]
    fn ipv4_with_options_and_padding_is_found() {
        let f = v4(8, 100, 6);
        let o = TcpOffsets::parse(&f).unwrap();
        assert_eq!((o.l3, o.l4, o.payload, o.ipv6), (14, 42, 74, false));
        assert_eq!(o.ip_end(&f), Some(f.len() - 6));
        assert_eq!(o.tcp(&f).dst_port(), 80);
        assert_eq!(o.ipv4(&f).ident(), 0x1234);
        let pair = o.ip_pair(&f);
        assert!(TcpPacket::new_unchecked(&f[o.l4..f.len() - 6]).verify_checksum(&pair));
        assert_eq!(
            o.pseudo_sum(&f, Some(132)),
            pair.pseudo_header_sum(ip_protocol::TCP, 132)
        );
    }

    #[test]
    fn ipv6_extension_headers_are_skipped() {
        let f = v6(10);
        let o = TcpOffsets::parse(&f).unwrap();
        assert_eq!((o.l3, o.l4, o.payload, o.ipv6), (14, 62, 94, true));
        assert_eq!(o.ip_end(&f), Some(f.len()));
        assert_eq!(o.ipv6(&f).hop_limit(), 64);
    }

    #[test]
    fn set_ip_end_rewrites_lengths_and_the_ipv4_checksum() {
        let mut f = v4(4, 100, 0);
        let o = TcpOffsets::parse(&f).unwrap();
        f.truncate(f.len() - 30);
        let end = f.len();
        o.set_ip_end(&mut f, end);
        assert_eq!(o.ip_end(&f), Some(end));
        assert!(o.ipv4(&f).verify_checksum());
        assert_eq!(TcpOffsets::parse(&f), Some(o));

        let mut f = v6(100);
        let o = TcpOffsets::parse(&f).unwrap();
        f.truncate(f.len() - 30);
        let end = f.len();
        o.set_ip_end(&mut f, end);
        assert_eq!(o.ipv6(&f).payload_len() as usize, end - 14 - 40);
        assert_eq!(TcpOffsets::parse(&f), Some(o));
    }

    #[test]
    fn what_is_not_a_whole_tcp_segment_is_refused() {
        let good = v4(0, 20, 0);
        assert!(TcpOffsets::parse(&good).is_some());
        let refused = |f: &[u8], what: &str| assert_eq!(TcpOffsets::parse(f), None, "{what}");
        // Every truncation short of the IP length.
        for n in 0..good.len() {
            refused(&good[..n], "truncated");
        }
        let mut f = good.clone();
        f[12..14].copy_from_slice(&[0x81, 0x00]);
        refused(&f, "VLAN tag");
        let mut f = good.clone();
        f[ETH] = 0x55;
        refused(&f, "IPv4 version 5");
        let mut f = good.clone();
        f[ETH + 9] = ip_protocol::UDP;
        refused(&f, "UDP");
        let mut f = good.clone();
        f[ETH + 6] |= 0x20;
        refused(&f, "more fragments");
        let mut f = good.clone();
        f[ETH + 7] = 1;
        refused(&f, "fragment offset");
        let mut f = good.clone();
        f[ETH + 20 + 12] = 0x40;
        refused(&f, "TCP data offset 4");
        let mut f = good.clone();
        f[ETH + 20 + 12] = 0xf0;
        refused(&f, "TCP header past the frame");
        let mut f = good.clone();
        f[ETH + 3] = 40 + 10; // total length inside the TCP header
        refused(&f, "IP length short of the TCP header");
        let mut f = v6(0);
        f[ETH + 40] = ip_protocol::IPV6_FRAG;
        refused(&f, "IPv6 fragment header");
    }
}
