//! The offending packet an ICMP or ICMPv6 error quotes: its IP header and
//! the start of what it carried. RFC 792 asks for the IP header and the
//! first 64 bits of the data (RFC 1812 4.3.2.3: as much as fits in 576
//! bytes); RFC 4443 2.4(c) as much as fits in 1280 bytes. Those 8 bytes
//! hold the TCP and UDP ports and TCP's sequence number, all a host needs
//! to find the socket and, for TCP, to check the error against what it has
//! in flight (RFC 5927).
//!
//! A quote is cut short by design, so its length fields describe the packet
//! as it was sent, not the bytes present: nothing here relies on them to
//! index the quote.

use super::{check_len, get_u16, get_u32, ip_protocol, ipv4, ipv6, IpPair, WireError};
use super::{Ipv4Address, Ipv4Packet, Ipv6Address, Ipv6Packet, TcpSeqNumber};

const PROTO: &str = "icmp-quote";

/// Bytes of the transport header a quote must hold.
pub const TRANSPORT_BYTES: usize = 8;

/// What an ICMP error says about the packet it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quoted {
    /// Source and destination of the offending packet (so the source is
    /// ours when we sent it).
    pub pair: IpPair,
    /// Its upper-layer protocol (IPv4 protocol, or the last Next Header).
    pub protocol: u8,
    /// Its length as its header gave it: IPv4 total length, or 40 plus the
    /// IPv6 payload length.
    pub len: usize,
    /// IPv4 DF; always true for IPv6 (routers never fragment it).
    pub dont_frag: bool,
    /// The first 8 bytes of its upper-layer header.
    pub transport: [u8; TRANSPORT_BYTES],
}

impl Quoted {
    /// Source and destination port (TCP, UDP).
    pub fn ports(&self) -> (u16, u16) {
        (get_u16(&self.transport, 0), get_u16(&self.transport, 2))
    }

    /// The TCP sequence number (bytes 4..8 of a TCP header).
    pub fn tcp_seq(&self) -> TcpSeqNumber {
        TcpSeqNumber(get_u32(&self.transport, 4))
    }
}

fn unsupported(what: &'static str) -> WireError {
    WireError::Unsupported { proto: PROTO, what }
}

/// The first 8 bytes at `at` of `quote`, or `Truncated`.
fn transport(quote: &[u8], at: usize) -> Result<[u8; TRANSPORT_BYTES], WireError> {
    check_len(PROTO, quote, at + TRANSPORT_BYTES)?;
    let mut t = [0u8; TRANSPORT_BYTES];
    t.copy_from_slice(&quote[at..at + TRANSPORT_BYTES]);
    Ok(t)
}

/// Reads an ICMPv4 error's quote: an IPv4 header (version 4, IHL >= 5,
/// options included, the whole header present) and 8 bytes after it. A
/// quoted fragment other than the first carries no transport header and
/// is [`WireError::Unsupported`]; so is a total length shorter than the
/// header plus 8 bytes, which no packet of ours has.
pub fn parse_v4(quote: &[u8]) -> Result<Quoted, WireError> {
    check_len(PROTO, quote, ipv4::field::MIN_HEADER_LEN)?;
    let p = Ipv4Packet::new_unchecked(quote);
    if p.version() != 4 {
        return Err(WireError::BadVersion {
            proto: PROTO,
            version: p.version(),
        });
    }
    let hl = p.header_len();
    if hl < ipv4::field::MIN_HEADER_LEN {
        return Err(WireError::BadLength {
            proto: PROTO,
            what: "IHL < 5",
        });
    }
    if p.frag_offset() != 0 {
        return Err(unsupported("a later fragment (no transport header)"));
    }
    let len = usize::from(p.total_len());
    if len < hl + TRANSPORT_BYTES {
        return Err(WireError::BadLength {
            proto: PROTO,
            what: "total length shorter than header and 8 bytes",
        });
    }
    Ok(Quoted {
        pair: IpPair::V4 {
            src: Ipv4Address::from_bytes(&quote[ipv4::field::SRC]),
            dst: Ipv4Address::from_bytes(&quote[ipv4::field::DST]),
        },
        protocol: p.protocol(),
        len,
        dont_frag: p.dont_frag(),
        transport: transport(quote, hl)?,
    })
}

/// Reads an ICMPv6 error's quote: the fixed IPv6 header, the extension
/// headers it names (each whole; a first fragment's Fragment header passed
/// over, [`ipv6::quoted_upper_layer`]) and 8 bytes of the upper-layer
/// header.
pub fn parse_v6(quote: &[u8]) -> Result<Quoted, WireError> {
    let hl = ipv6::field::HEADER_LEN;
    check_len(PROTO, quote, hl)?;
    let p = Ipv6Packet::new_unchecked(quote);
    if p.version() != 6 {
        return Err(WireError::BadVersion {
            proto: PROTO,
            version: p.version(),
        });
    }
    let (protocol, at) = ipv6::quoted_upper_layer(p.next_header(), &quote[hl..])?;
    if protocol == ip_protocol::IPV6_NO_NXT {
        return Err(unsupported("no next header"));
    }
    let len = hl + usize::from(p.payload_len());
    if len < hl + at + TRANSPORT_BYTES {
        return Err(WireError::BadLength {
            proto: PROTO,
            what: "payload length shorter than headers and 8 bytes",
        });
    }
    Ok(Quoted {
        pair: IpPair::V6 {
            src: Ipv6Address::from_bytes(&quote[ipv6::field::SRC]),
            dst: Ipv6Address::from_bytes(&quote[ipv6::field::DST]),
        },
        protocol,
        len,
        dont_frag: true,
        transport: transport(quote, hl + at)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{fuzz, Ipv4Repr, Ipv6FragmentRepr, Ipv6Repr};

    /// An IPv4 header (DF, TCP, 10.0.0.1 -> 10.0.0.2, total length 1500)
    /// and the first 8 bytes of a TCP header: ports 40000 -> 80, SEQ
    /// 0x01020304.
    fn v4_quote() -> Vec<u8> {
        let mut b = vec![0u8; 20];
        let src = Ipv4Address([10, 0, 0, 1]);
        let dst = Ipv4Address([10, 0, 0, 2]);
        Ipv4Repr::unfragmented(src, dst, ip_protocol::TCP, 1480, 7, true)
            .emit(&mut Ipv4Packet::new_unchecked(&mut b[..]), true);
        b.extend_from_slice(&[0x9c, 0x40, 0, 80, 1, 2, 3, 4]);
        b
    }

    fn v6_addr(last: u8) -> Ipv6Address {
        let mut a = [0u8; 16];
        a[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        a[15] = last;
        Ipv6Address(a)
    }

    /// An IPv6 header (UDP, payload length `payload`), an optional
    /// Fragment header of offset `frag`, and 8 bytes of UDP header.
    fn v6_quote(payload: usize, frag: Option<u16>) -> Vec<u8> {
        let mut b = vec![0u8; 40];
        Ipv6Repr {
            src_addr: v6_addr(1),
            dst_addr: v6_addr(2),
            next_header: if frag.is_some() {
                ip_protocol::IPV6_FRAG
            } else {
                ip_protocol::UDP
            },
            payload_len: payload,
            hop_limit: 64,
            traffic_class: 0,
            flow_label: 0,
        }
        .emit(&mut Ipv6Packet::new_unchecked(&mut b[..]));
        if let Some(offset) = frag {
            let mut f = [0u8; 8];
            Ipv6FragmentRepr {
                next_header: ip_protocol::UDP,
                offset,
                more: true,
                ident: 9,
            }
            .emit(&mut f);
            b.extend_from_slice(&f);
        }
        b.extend_from_slice(&[0x13, 0x88, 0x00, 0x35, 0x05, 0xdc, 0, 0]);
        b
    }

    #[test]
    fn ipv4_quote_gives_addresses_ports_sequence_and_length() {
        let q = parse_v4(&v4_quote()).unwrap();
        assert_eq!(
            q.pair,
            IpPair::V4 {
                src: Ipv4Address([10, 0, 0, 1]),
                dst: Ipv4Address([10, 0, 0, 2])
            }
        );
        assert_eq!(q.protocol, ip_protocol::TCP);
        assert_eq!(q.len, 1500);
        assert!(q.dont_frag);
        assert_eq!(q.ports(), (40000, 80));
        assert_eq!(q.tcp_seq(), TcpSeqNumber(0x0102_0304));
    }

    #[test]
    fn ipv4_quote_needs_the_header_and_8_bytes_and_a_first_fragment() {
        let b = v4_quote();
        for n in 0..b.len() {
            assert!(parse_v4(&b[..n]).is_err(), "{n} bytes");
        }
        let mut later = b.clone();
        Ipv4Packet::new_unchecked(&mut later[..]).set_frag(false, true, 1480);
        assert!(matches!(
            parse_v4(&later),
            Err(WireError::Unsupported { .. })
        ));
        let mut v6 = b;
        v6[0] = 0x65;
        assert!(matches!(parse_v4(&v6), Err(WireError::BadVersion { .. })));
    }

    #[test]
    fn ipv6_quote_passes_a_first_fragment_header_only() {
        let q = parse_v6(&v6_quote(1460, None)).unwrap();
        assert_eq!(q.protocol, ip_protocol::UDP);
        assert_eq!(q.len, 1500);
        assert_eq!(q.ports(), (5000, 53));
        let q = parse_v6(&v6_quote(1460, Some(0))).unwrap();
        assert_eq!((q.protocol, q.ports()), (ip_protocol::UDP, (5000, 53)));
        assert!(matches!(
            parse_v6(&v6_quote(1460, Some(1232))),
            Err(WireError::Unsupported { .. })
        ));
        let b = v6_quote(1460, None);
        for n in 0..b.len() {
            assert!(parse_v6(&b[..n]).is_err(), "{n} bytes");
        }
    }

    #[test]
    fn quote_parsers_never_panic_on_truncations_or_random_bytes() {
        fuzz::never_panics("quote v4", 0x9047, &v4_quote(), 80, |b| {
            let _ = parse_v4(b);
        });
        fuzz::never_panics("quote v6", 0x9046, &v6_quote(64, Some(0)), 120, |b| {
            let _ = parse_v6(b);
        });
    }
}
