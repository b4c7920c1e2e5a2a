//! ICMPv6 (RFC 4443): the error messages (section 3: Destination
//! Unreachable, Packet Too Big, Time Exceeded, Parameter Problem, each
//! quoting as much of the offending packet as fits in 1280 bytes, read by
//! [`super::quote`]), echo request/reply (section 4), and Neighbor Discovery
//! (RFC 4861) neighbour solicitation and advertisement (sections 4.3, 4.4)
//! with the source/target link-layer address options (section 4.6.1) for
//! Ethernet. The checksum always covers the IPv6 pseudo-header (RFC 4443
//! section 2.3), so verifying and filling take the addresses.

use super::ethernet::EthernetAddress;
use super::ipv6::Ipv6Address;
use super::{check_len, get_u16, ip_protocol, set_u16, IpPair, WireError};

const PROTO: &str = "icmpv6";

/// Field offsets (RFC 4443 section 2.1, section 4; RFC 4861 section 4).
pub mod field {
    use core::ops::Range;
    pub const TYPE: usize = 0;
    pub const CODE: usize = 1;
    pub const CHECKSUM: usize = 2;
    pub const HEADER_LEN: usize = 4;
    pub const ECHO_IDENT: usize = 4;
    pub const ECHO_SEQ: usize = 6;
    pub const ECHO_DATA: usize = 8;
    /// Packet Too Big: the MTU; Parameter Problem: the pointer (32 bits).
    pub const MTU: usize = 4;
    pub const POINTER: usize = 4;
    /// Error messages: the quoted packet after the 4-byte field above.
    pub const ERROR_DATA: usize = 8;
    /// NA flags R (0x80), S (0x40), O (0x20); reserved in NS.
    pub const NDP_FLAGS: usize = 4;
    pub const NDP_TARGET: Range<usize> = 8..24;
    pub const NDP_OPTIONS: usize = 24;
    /// ND option: type, length in 8-octet units (RFC 4861 section 4.6).
    pub const OPT_TYPE: usize = 0;
    pub const OPT_LEN: usize = 1;
    pub const OPT_UNIT: usize = 8;
    pub const OPT_LLADDR: Range<usize> = 2..8;
    pub const FLAG_ROUTER: u8 = 0x80;
    pub const FLAG_SOLICITED: u8 = 0x40;
    pub const FLAG_OVERRIDE: u8 = 0x20;
}

/// Message types handled here.
pub mod msg_type {
    /// Destination Unreachable (RFC 4443 section 3.1) and its codes: no
    /// route, administratively prohibited, beyond the scope of the source
    /// address, address unreachable, port unreachable, source address
    /// failed ingress/egress policy, reject route.
    pub const DEST_UNREACHABLE: u8 = 1;
    pub const CODE_NO_ROUTE: u8 = 0;
    pub const CODE_ADMIN_PROHIBITED: u8 = 1;
    pub const CODE_BEYOND_SCOPE: u8 = 2;
    pub const CODE_ADDR_UNREACHABLE: u8 = 3;
    pub const CODE_PORT_UNREACHABLE: u8 = 4;
    pub const CODE_POLICY_FAILED: u8 = 5;
    pub const CODE_REJECT_ROUTE: u8 = 6;
    /// Packet Too Big (section 3.2).
    pub const PACKET_TOO_BIG: u8 = 2;
    /// Time Exceeded (section 3.3): hop limit exceeded in transit (0),
    /// fragment reassembly time exceeded (1).
    pub const TIME_EXCEEDED: u8 = 3;
    /// Parameter Problem (section 3.4): erroneous header field (0),
    /// unrecognized Next Header type (1), unrecognized option (2).
    pub const PARAM_PROBLEM: u8 = 4;
    pub const CODE_UNRECOGNIZED_NEXT_HEADER: u8 = 1;
    pub const ECHO_REQUEST: u8 = 128;
    pub const ECHO_REPLY: u8 = 129;
    pub const NEIGHBOR_SOLICIT: u8 = 135;
    pub const NEIGHBOR_ADVERT: u8 = 136;
}

/// ND option types used here.
pub mod ndp_option {
    pub const SOURCE_LLADDR: u8 = 1;
    pub const TARGET_LLADDR: u8 = 2;
}

/// A view of an ICMPv6 message (the buffer is exactly the upper-layer payload).
#[derive(Debug, Clone)]
pub struct Icmpv6Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Icmpv6Packet<T> {
    pub fn new_unchecked(buffer: T) -> Self {
        Icmpv6Packet { buffer }
    }

    /// Checks the header for this message type is present: 8 bytes for
    /// echo and the errors, 24 for NS/NA, 4 otherwise.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let p = Self::new_unchecked(buffer);
        let b = p.buffer.as_ref();
        check_len(PROTO, b, field::HEADER_LEN)?;
        check_len(PROTO, b, p.type_header_len())?;
        Ok(p)
    }

    fn type_header_len(&self) -> usize {
        match self.msg_type() {
            msg_type::ECHO_REQUEST | msg_type::ECHO_REPLY => field::ECHO_DATA,
            msg_type::DEST_UNREACHABLE
            | msg_type::PACKET_TOO_BIG
            | msg_type::TIME_EXCEEDED
            | msg_type::PARAM_PROBLEM => field::ERROR_DATA,
            msg_type::NEIGHBOR_SOLICIT | msg_type::NEIGHBOR_ADVERT => field::NDP_OPTIONS,
            _ => field::HEADER_LEN,
        }
    }

    pub fn into_inner(self) -> T {
        self.buffer
    }

    pub fn msg_type(&self) -> u8 {
        self.buffer.as_ref()[field::TYPE]
    }
    pub fn code(&self) -> u8 {
        self.buffer.as_ref()[field::CODE]
    }
    pub fn checksum(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::CHECKSUM)
    }
    /// Echo identifier (echo messages only; a checked view guarantees room).
    pub fn echo_ident(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::ECHO_IDENT)
    }
    pub fn echo_seq_no(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::ECHO_SEQ)
    }
    pub fn echo_data(&self) -> &[u8] {
        &self.buffer.as_ref()[field::ECHO_DATA..]
    }
    /// NA flags byte (NS/NA only).
    pub fn ndp_flags(&self) -> u8 {
        self.buffer.as_ref()[field::NDP_FLAGS]
    }
    /// NS/NA target address.
    pub fn ndp_target(&self) -> Ipv6Address {
        Ipv6Address::from_bytes(&self.buffer.as_ref()[field::NDP_TARGET])
    }
    /// NS/NA option area.
    pub fn ndp_options(&self) -> &[u8] {
        &self.buffer.as_ref()[field::NDP_OPTIONS..]
    }
    /// True if the message plus the IPv6 pseudo-header sums to 0xffff.
    pub fn verify_checksum(&self, src: Ipv6Address, dst: Ipv6Address) -> bool {
        IpPair::V6 { src, dst }.upper_layer_sum(ip_protocol::ICMPV6, self.buffer.as_ref()) == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Icmpv6Packet<T> {
    pub fn set_msg_type(&mut self, v: u8) {
        self.buffer.as_mut()[field::TYPE] = v
    }
    pub fn set_code(&mut self, v: u8) {
        self.buffer.as_mut()[field::CODE] = v
    }
    pub fn set_checksum(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::CHECKSUM, v)
    }
    pub fn set_echo_ident(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::ECHO_IDENT, v)
    }
    pub fn set_echo_seq_no(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::ECHO_SEQ, v)
    }
    pub fn echo_data_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::ECHO_DATA..]
    }
    /// Writes the NA flags byte and zeroes the 3 reserved bytes after it.
    pub fn set_ndp_flags(&mut self, v: u8) {
        let b = self.buffer.as_mut();
        b[field::NDP_FLAGS] = v;
        b[field::NDP_FLAGS + 1..field::NDP_TARGET.start].fill(0);
    }
    pub fn set_ndp_target(&mut self, a: Ipv6Address) {
        self.buffer.as_mut()[field::NDP_TARGET].copy_from_slice(&a.0)
    }
    pub fn ndp_options_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::NDP_OPTIONS..]
    }
    /// Computes and writes the checksum over the IPv6 pseudo-header and the
    /// whole buffer.
    pub fn fill_checksum(&mut self, src: Ipv6Address, dst: Ipv6Address) {
        self.set_checksum(0);
        let sum =
            IpPair::V6 { src, dst }.upper_layer_sum(ip_protocol::ICMPV6, self.buffer.as_ref());
        self.set_checksum(!sum);
    }
}

/// Flags of a neighbour advertisement (RFC 4861 section 4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NdpNaFlags {
    pub router: bool,
    pub solicited: bool,
    pub override_: bool,
}

/// A neighbour solicitation or advertisement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NdpRepr {
    /// NS; `lladdr` is the source link-layer address option.
    NeighborSolicit {
        target_addr: Ipv6Address,
        lladdr: Option<EthernetAddress>,
    },
    /// NA; `lladdr` is the target link-layer address option.
    NeighborAdvert {
        flags: NdpNaFlags,
        target_addr: Ipv6Address,
        lladdr: Option<EthernetAddress>,
    },
}

/// An echo message, an NDP message or an error; echo `data` and an error's
/// `quote` (the start of the offending packet, its IPv6 header first:
/// [`super::quote::parse_v6`]) borrow the packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Icmpv6Repr<'a> {
    /// Type 1.
    DstUnreachable {
        code: u8,
        quote: &'a [u8],
    },
    /// Type 2: the MTU of the next-hop link (RFC 4443 section 3.2).
    PacketTooBig {
        mtu: u32,
        quote: &'a [u8],
    },
    /// Type 3.
    TimeExceeded {
        code: u8,
        quote: &'a [u8],
    },
    /// Type 4, `pointer` the octet offset of the error in the quote.
    ParamProblem {
        code: u8,
        pointer: u32,
        quote: &'a [u8],
    },
    EchoRequest {
        ident: u16,
        seq_no: u16,
        data: &'a [u8],
    },
    EchoReply {
        ident: u16,
        seq_no: u16,
        data: &'a [u8],
    },
    Ndp(NdpRepr),
}

fn bad_option(kind: u8, what: &'static str) -> WireError {
    WireError::BadOption {
        proto: PROTO,
        kind,
        what,
    }
}

/// Walks ND options and returns the link-layer address of type `want`.
/// Unknown options are skipped by length; a zero length or one overrunning
/// the message is an error (RFC 4861 section 4.6).
fn find_lladdr(mut opts: &[u8], want: u8) -> Result<Option<EthernetAddress>, WireError> {
    let mut found = None;
    while !opts.is_empty() {
        if opts.len() < 2 {
            return Err(bad_option(opts[0], "no length byte"));
        }
        let kind = opts[field::OPT_TYPE];
        let len = usize::from(opts[field::OPT_LEN]) * field::OPT_UNIT;
        if len == 0 {
            return Err(bad_option(kind, "length 0"));
        }
        if len > opts.len() {
            return Err(bad_option(kind, "length overruns the message"));
        }
        if kind == want {
            found = Some(EthernetAddress::from_bytes(&opts[field::OPT_LLADDR]));
        }
        opts = &opts[len..];
    }
    Ok(found)
}

impl<'a> Icmpv6Repr<'a> {
    /// Parses echo, error and NS/NA messages sent from `src` to `dst`,
    /// verifying the checksum if `verify_checksum`. Echo and NDP messages
    /// must have code 0 (the IPv6 hop limit of 255 is the caller's to
    /// check); the errors keep theirs.
    pub fn parse(
        p: &Icmpv6Packet<&'a [u8]>,
        src: Ipv6Address,
        dst: Ipv6Address,
        verify_checksum: bool,
    ) -> Result<Self, WireError> {
        let b: &'a [u8] = p.buffer;
        check_len(PROTO, b, field::HEADER_LEN)?;
        check_len(PROTO, b, p.type_header_len())?;
        if verify_checksum && !p.verify_checksum(src, dst) {
            return Err(WireError::BadChecksum { proto: PROTO });
        }
        let unsupported = |what| WireError::Unsupported { proto: PROTO, what };
        let (code, quote) = (p.code(), &b[field::ERROR_DATA.min(b.len())..]);
        match p.msg_type() {
            msg_type::DEST_UNREACHABLE => return Ok(Icmpv6Repr::DstUnreachable { code, quote }),
            msg_type::PACKET_TOO_BIG => {
                let mtu = super::get_u32(b, field::MTU);
                return Ok(Icmpv6Repr::PacketTooBig { mtu, quote });
            }
            msg_type::TIME_EXCEEDED => return Ok(Icmpv6Repr::TimeExceeded { code, quote }),
            msg_type::PARAM_PROBLEM => {
                let pointer = super::get_u32(b, field::POINTER);
                return Ok(Icmpv6Repr::ParamProblem {
                    code,
                    pointer,
                    quote,
                });
            }
            _ => {}
        }
        if p.code() != 0 {
            return Err(unsupported("nonzero code"));
        }
        match p.msg_type() {
            msg_type::ECHO_REQUEST => Ok(Icmpv6Repr::EchoRequest {
                ident: p.echo_ident(),
                seq_no: p.echo_seq_no(),
                data: &b[field::ECHO_DATA..],
            }),
            msg_type::ECHO_REPLY => Ok(Icmpv6Repr::EchoReply {
                ident: p.echo_ident(),
                seq_no: p.echo_seq_no(),
                data: &b[field::ECHO_DATA..],
            }),
            msg_type::NEIGHBOR_SOLICIT => Ok(Icmpv6Repr::Ndp(NdpRepr::NeighborSolicit {
                target_addr: p.ndp_target(),
                lladdr: find_lladdr(p.ndp_options(), ndp_option::SOURCE_LLADDR)?,
            })),
            msg_type::NEIGHBOR_ADVERT => {
                let f = p.ndp_flags();
                Ok(Icmpv6Repr::Ndp(NdpRepr::NeighborAdvert {
                    flags: NdpNaFlags {
                        router: f & field::FLAG_ROUTER != 0,
                        solicited: f & field::FLAG_SOLICITED != 0,
                        override_: f & field::FLAG_OVERRIDE != 0,
                    },
                    target_addr: p.ndp_target(),
                    lladdr: find_lladdr(p.ndp_options(), ndp_option::TARGET_LLADDR)?,
                }))
            }
            _ => Err(unsupported("message type")),
        }
    }

    pub fn buffer_len(&self) -> usize {
        match self {
            Icmpv6Repr::EchoRequest { data, .. } | Icmpv6Repr::EchoReply { data, .. } => {
                field::ECHO_DATA + data.len()
            }
            Icmpv6Repr::Ndp(
                NdpRepr::NeighborSolicit { lladdr, .. } | NdpRepr::NeighborAdvert { lladdr, .. },
            ) => field::NDP_OPTIONS + if lladdr.is_some() { field::OPT_UNIT } else { 0 },
            Icmpv6Repr::DstUnreachable { quote, .. }
            | Icmpv6Repr::PacketTooBig { quote, .. }
            | Icmpv6Repr::TimeExceeded { quote, .. }
            | Icmpv6Repr::ParamProblem { quote, .. } => field::ERROR_DATA + quote.len(),
        }
    }

    /// Writes the message into a buffer of exactly [`buffer_len`](Self::buffer_len)
    /// bytes and fills the checksum for `src` -> `dst`.
    pub fn emit(&self, p: &mut Icmpv6Packet<&mut [u8]>, src: Ipv6Address, dst: Ipv6Address) {
        p.set_code(0);
        let error = match *self {
            Icmpv6Repr::DstUnreachable { code, quote } => {
                Some((msg_type::DEST_UNREACHABLE, code, 0, quote))
            }
            Icmpv6Repr::PacketTooBig { mtu, quote } => {
                Some((msg_type::PACKET_TOO_BIG, 0, mtu, quote))
            }
            Icmpv6Repr::TimeExceeded { code, quote } => {
                Some((msg_type::TIME_EXCEEDED, code, 0, quote))
            }
            Icmpv6Repr::ParamProblem {
                code,
                pointer,
                quote,
            } => Some((msg_type::PARAM_PROBLEM, code, pointer, quote)),
            _ => None,
        };
        if let Some((t, code, word, quote)) = error {
            p.set_msg_type(t);
            p.set_code(code);
            let b = &mut *p.buffer;
            super::set_u32(b, field::MTU, word);
            b[field::ERROR_DATA..field::ERROR_DATA + quote.len()].copy_from_slice(quote);
            p.fill_checksum(src, dst);
            return;
        }
        match *self {
            Icmpv6Repr::EchoRequest {
                ident,
                seq_no,
                data,
            }
            | Icmpv6Repr::EchoReply {
                ident,
                seq_no,
                data,
            } => {
                let t = if matches!(self, Icmpv6Repr::EchoRequest { .. }) {
                    msg_type::ECHO_REQUEST
                } else {
                    msg_type::ECHO_REPLY
                };
                p.set_msg_type(t);
                p.set_echo_ident(ident);
                p.set_echo_seq_no(seq_no);
                p.echo_data_mut()[..data.len()].copy_from_slice(data);
            }
            Icmpv6Repr::Ndp(ndp) => {
                let (t, flags, target, lladdr, opt) = match ndp {
                    NdpRepr::NeighborSolicit {
                        target_addr,
                        lladdr,
                    } => (
                        msg_type::NEIGHBOR_SOLICIT,
                        0,
                        target_addr,
                        lladdr,
                        ndp_option::SOURCE_LLADDR,
                    ),
                    NdpRepr::NeighborAdvert {
                        flags,
                        target_addr,
                        lladdr,
                    } => {
                        let mut f = 0;
                        if flags.router {
                            f |= field::FLAG_ROUTER;
                        }
                        if flags.solicited {
                            f |= field::FLAG_SOLICITED;
                        }
                        if flags.override_ {
                            f |= field::FLAG_OVERRIDE;
                        }
                        (
                            msg_type::NEIGHBOR_ADVERT,
                            f,
                            target_addr,
                            lladdr,
                            ndp_option::TARGET_LLADDR,
                        )
                    }
                };
                p.set_msg_type(t);
                p.set_ndp_flags(flags);
                p.set_ndp_target(target);
                if let Some(a) = lladdr {
                    let o = p.ndp_options_mut();
                    o[field::OPT_TYPE] = opt;
                    o[field::OPT_LEN] = 1;
                    o[field::OPT_LLADDR].copy_from_slice(&a.0);
                }
            }
            Icmpv6Repr::DstUnreachable { .. }
            | Icmpv6Repr::PacketTooBig { .. }
            | Icmpv6Repr::TimeExceeded { .. }
            | Icmpv6Repr::ParamProblem { .. } => unreachable!("emitted above"),
        }
        p.fill_checksum(src, dst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::fuzz;

    fn addr(last: u8) -> Ipv6Address {
        let mut a = [0u8; 16];
        a[0] = 0xfe;
        a[1] = 0x80;
        a[15] = last;
        Ipv6Address(a)
    }

    /// NS from fe80::1 for target fe80::2, to its solicited-node address,
    /// with source link-layer address 02:00:00:00:00:01, per RFC 4861
    /// section 4.3. Checksum filled in by the test from the pseudo-header.
    fn ns_bytes() -> Vec<u8> {
        let mut b = vec![135, 0, 0, 0, 0, 0, 0, 0];
        b.extend_from_slice(&addr(2).0);
        b.extend_from_slice(&[1, 1, 2, 0, 0, 0, 0, 1]);
        let mut p = Icmpv6Packet::new_unchecked(&mut b[..]);
        p.fill_checksum(addr(1), addr(2).solicited_node());
        b
    }

    #[test]
    fn neighbour_solicitation_known_bytes_parse() {
        let b = ns_bytes();
        let p = Icmpv6Packet::new_checked(&b[..]).unwrap();
        let r = Icmpv6Repr::parse(&p, addr(1), addr(2).solicited_node(), true).unwrap();
        assert_eq!(
            r,
            Icmpv6Repr::Ndp(NdpRepr::NeighborSolicit {
                target_addr: addr(2),
                lladdr: Some(EthernetAddress([2, 0, 0, 0, 0, 1])),
            })
        );
    }

    #[test]
    fn echo_request_known_bytes_parse() {
        // Checksum computed independently (pseudo-header fe80::1 -> fe80::2,
        // length 12, next header 58) by a separate script: 0xf80e.
        let b = [
            128, 0, 0xf8, 0x0e, 0xab, 0xcd, 0x00, 0x07, b'p', b'i', b'n', b'g',
        ];
        let p = Icmpv6Packet::new_checked(&b[..]).unwrap();
        assert_eq!(
            Icmpv6Repr::parse(&p, addr(1), addr(2), true).unwrap(),
            Icmpv6Repr::EchoRequest {
                ident: 0xabcd,
                seq_no: 7,
                data: b"ping"
            }
        );
    }

    #[test]
    fn round_trips_echo_ns_and_na() {
        let reprs = [
            Icmpv6Repr::EchoReply {
                ident: 1,
                seq_no: 2,
                data: b"abc",
            },
            Icmpv6Repr::Ndp(NdpRepr::NeighborSolicit {
                target_addr: addr(9),
                lladdr: None,
            }),
            Icmpv6Repr::Ndp(NdpRepr::NeighborAdvert {
                flags: NdpNaFlags {
                    router: false,
                    solicited: true,
                    override_: true,
                },
                target_addr: addr(2),
                lladdr: Some(EthernetAddress([2, 0, 0, 0, 0, 2])),
            }),
        ];
        for r in reprs {
            let mut buf = vec![0xeeu8; r.buffer_len()];
            r.emit(
                &mut Icmpv6Packet::new_unchecked(&mut buf[..]),
                addr(2),
                addr(1),
            );
            let p = Icmpv6Packet::new_checked(&buf[..]).unwrap();
            assert!(p.verify_checksum(addr(2), addr(1)));
            assert_eq!(Icmpv6Repr::parse(&p, addr(2), addr(1), true).unwrap(), r);
        }
    }

    #[test]
    fn errors_round_trip_with_their_codes_mtu_and_pointer() {
        let quote = [0x60u8, 0, 0, 0, 0, 8, 17, 64, 1, 2, 3, 4];
        let reprs = [
            Icmpv6Repr::DstUnreachable {
                code: msg_type::CODE_PORT_UNREACHABLE,
                quote: &quote,
            },
            Icmpv6Repr::PacketTooBig {
                mtu: 1280,
                quote: &quote,
            },
            Icmpv6Repr::TimeExceeded {
                code: 1,
                quote: &quote,
            },
            Icmpv6Repr::ParamProblem {
                code: msg_type::CODE_UNRECOGNIZED_NEXT_HEADER,
                pointer: 6,
                quote: &quote,
            },
        ];
        for r in reprs {
            let mut buf = vec![0xeeu8; r.buffer_len()];
            r.emit(
                &mut Icmpv6Packet::new_unchecked(&mut buf[..]),
                addr(2),
                addr(1),
            );
            let p = Icmpv6Packet::new_checked(&buf[..]).unwrap();
            assert!(p.verify_checksum(addr(2), addr(1)));
            assert_eq!(Icmpv6Repr::parse(&p, addr(2), addr(1), true).unwrap(), r);
        }
        // RFC 4443 section 3.2: type 2, code 0, the MTU in the second word.
        let mut buf = vec![0u8; reprs[1].buffer_len()];
        reprs[1].emit(
            &mut Icmpv6Packet::new_unchecked(&mut buf[..]),
            addr(2),
            addr(1),
        );
        assert_eq!(&buf[..2], &[2, 0]);
        assert_eq!(&buf[4..8], &[0, 0, 0x05, 0x00]);
        assert_eq!(&buf[8..], &quote);
    }

    #[test]
    fn na_flags_land_in_the_right_bits() {
        let r = Icmpv6Repr::Ndp(NdpRepr::NeighborAdvert {
            flags: NdpNaFlags {
                router: true,
                solicited: false,
                override_: true,
            },
            target_addr: addr(2),
            lladdr: None,
        });
        let mut buf = vec![0u8; r.buffer_len()];
        r.emit(
            &mut Icmpv6Packet::new_unchecked(&mut buf[..]),
            addr(2),
            addr(1),
        );
        assert_eq!(&buf[4..8], &[0xa0, 0, 0, 0]);
    }

    #[test]
    fn checksum_fails_after_a_flipped_bit_or_other_addresses() {
        let mut b = ns_bytes();
        let dst = addr(2).solicited_node();
        assert!(!Icmpv6Packet::new_checked(&b[..])
            .unwrap()
            .verify_checksum(addr(3), dst));
        b[20] ^= 0x01;
        let p = Icmpv6Packet::new_checked(&b[..]).unwrap();
        assert_eq!(
            Icmpv6Repr::parse(&p, addr(1), dst, true),
            Err(WireError::BadChecksum { proto: "icmpv6" })
        );
    }

    #[test]
    fn bad_nd_option_lengths_are_rejected_and_unknown_skipped() {
        let dst = addr(2).solicited_node();
        let mut b = ns_bytes();
        b[25] = 0; // option length 0
        let p = Icmpv6Packet::new_checked(&b[..]).unwrap();
        assert!(matches!(
            Icmpv6Repr::parse(&p, addr(1), dst, false),
            Err(WireError::BadOption { .. })
        ));
        b[25] = 2; // 16 bytes, overruns
        let p = Icmpv6Packet::new_checked(&b[..]).unwrap();
        assert!(matches!(
            Icmpv6Repr::parse(&p, addr(1), dst, false),
            Err(WireError::BadOption { .. })
        ));
        b[25] = 1;
        b[24] = 99; // unknown option: skipped, no lladdr
        let p = Icmpv6Packet::new_checked(&b[..]).unwrap();
        assert_eq!(
            Icmpv6Repr::parse(&p, addr(1), dst, false).unwrap(),
            Icmpv6Repr::Ndp(NdpRepr::NeighborSolicit {
                target_addr: addr(2),
                lladdr: None
            })
        );
    }

    #[test]
    fn parser_never_panics_on_truncations_or_random_bytes() {
        let b = ns_bytes();
        let dst = addr(2).solicited_node();
        fuzz::never_panics("icmpv6", 0x1c6, &b, 64, |b| {
            if let Ok(p) = Icmpv6Packet::new_checked(b) {
                let _ = Icmpv6Repr::parse(&p, addr(1), dst, true);
                let _ = Icmpv6Repr::parse(&p, addr(1), dst, false);
            }
        });
    }
}
