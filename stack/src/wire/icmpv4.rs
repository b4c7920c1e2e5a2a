//! ICMPv4 (RFC 792): echo request (type 8) and echo reply (type 0), and the
//! error messages a host acts on: Destination Unreachable (type 3, with the
//! next-hop MTU of Fragmentation Needed, RFC 1191 section 4), Time Exceeded
//! (type 11) and Parameter Problem (type 12), each quoting the offending
//! datagram (read by [`super::quote`]). The checksum covers the whole ICMP
//! message, with no pseudo-header. Other types are readable through the
//! view but [`WireError::Unsupported`] as a Repr.

use super::{check_len, get_u16, set_u16, WireError};
use crate::checksum;

const PROTO: &str = "icmpv4";

/// Field offsets (RFC 792, "Echo or Echo Reply Message").
pub mod field {
    pub const TYPE: usize = 0;
    pub const CODE: usize = 1;
    pub const CHECKSUM: usize = 2;
    pub const ECHO_IDENT: usize = 4;
    pub const ECHO_SEQ: usize = 6;
    /// Parameter Problem: the octet where the error was found.
    pub const POINTER: usize = 4;
    /// Fragmentation Needed: the next-hop MTU (RFC 1191 section 4; zero
    /// from a router that predates it).
    pub const NEXT_HOP_MTU: usize = 6;
    /// Type, code, checksum and the 4-byte rest-of-header.
    pub const HEADER_LEN: usize = 8;
}

/// Message types handled here.
pub mod msg_type {
    pub const ECHO_REPLY: u8 = 0;
    pub const DEST_UNREACHABLE: u8 = 3;
    /// Destination Unreachable codes (RFC 792, RFC 1122 3.2.2.1, RFC 1812
    /// 5.2.7.1): net, host, protocol, port unreachable, fragmentation
    /// needed and DF set, source route failed, ..., communication
    /// administratively prohibited.
    pub const CODE_NET_UNREACHABLE: u8 = 0;
    pub const CODE_HOST_UNREACHABLE: u8 = 1;
    pub const CODE_PROTOCOL_UNREACHABLE: u8 = 2;
    pub const CODE_PORT_UNREACHABLE: u8 = 3;
    pub const CODE_FRAG_NEEDED: u8 = 4;
    pub const CODE_SOURCE_ROUTE_FAILED: u8 = 5;
    pub const CODE_ADMIN_PROHIBITED: u8 = 13;
    pub const ECHO_REQUEST: u8 = 8;
    pub const TIME_EXCEEDED: u8 = 11;
    /// Time Exceeded codes: TTL exceeded in transit, fragment reassembly
    /// time exceeded.
    pub const CODE_TTL_EXCEEDED: u8 = 0;
    pub const CODE_REASSEMBLY_TIME_EXCEEDED: u8 = 1;
    pub const PARAM_PROBLEM: u8 = 12;
}

/// A view of an ICMPv4 message (the buffer is exactly the IP payload).
#[derive(Debug, Clone)]
pub struct Icmpv4Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Icmpv4Packet<T> {
    pub fn new_unchecked(buffer: T) -> Self {
        Icmpv4Packet { buffer }
    }

    /// Checks the 8-byte header is present.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        check_len(PROTO, buffer.as_ref(), field::HEADER_LEN)?;
        Ok(Self::new_unchecked(buffer))
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
    pub fn echo_ident(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::ECHO_IDENT)
    }
    pub fn echo_seq_no(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::ECHO_SEQ)
    }
    /// The next-hop MTU field of a Fragmentation Needed message.
    pub fn next_hop_mtu(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::NEXT_HOP_MTU)
    }
    /// Data after the 8-byte header.
    pub fn data(&self) -> &[u8] {
        &self.buffer.as_ref()[field::HEADER_LEN..]
    }
    /// True if the whole message sums to 0xffff.
    pub fn verify_checksum(&self) -> bool {
        checksum::data(self.buffer.as_ref()) == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Icmpv4Packet<T> {
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
    pub fn set_next_hop_mtu(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::NEXT_HOP_MTU, v)
    }
    pub fn data_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::HEADER_LEN..]
    }
    /// Computes and writes the checksum over the whole buffer.
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let sum = checksum::data(self.buffer.as_ref());
        self.set_checksum(!sum);
    }
}

/// An echo request or reply, or an error message; `data` and `quote`
/// borrow the packet's payload (an error's `quote` is the start of the
/// offending datagram, its IP header first: [`super::quote::parse_v4`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Icmpv4Repr<'a> {
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
    /// Type 3. `next_hop_mtu` is the RFC 1191 field of code 4
    /// (Fragmentation Needed), 0 for every other code.
    DstUnreachable {
        code: u8,
        next_hop_mtu: u16,
        quote: &'a [u8],
    },
    /// Type 11.
    TimeExceeded { code: u8, quote: &'a [u8] },
    /// Type 12, `pointer` the octet of the quoted header in error.
    ParamProblem { pointer: u8, quote: &'a [u8] },
}

impl<'a> Icmpv4Repr<'a> {
    /// Parses an echo message, verifying the checksum if `verify_checksum`.
    pub fn parse(p: &Icmpv4Packet<&'a [u8]>, verify_checksum: bool) -> Result<Self, WireError> {
        let b: &'a [u8] = p.buffer;
        check_len(PROTO, b, field::HEADER_LEN)?;
        if verify_checksum && !p.verify_checksum() {
            return Err(WireError::BadChecksum { proto: PROTO });
        }
        let (ident, seq_no, data) = (p.echo_ident(), p.echo_seq_no(), &b[field::HEADER_LEN..]);
        match (p.msg_type(), p.code()) {
            (msg_type::ECHO_REQUEST, 0) => Ok(Icmpv4Repr::EchoRequest {
                ident,
                seq_no,
                data,
            }),
            (msg_type::ECHO_REPLY, 0) => Ok(Icmpv4Repr::EchoReply {
                ident,
                seq_no,
                data,
            }),
            (msg_type::DEST_UNREACHABLE, code) => Ok(Icmpv4Repr::DstUnreachable {
                code,
                next_hop_mtu: if code == msg_type::CODE_FRAG_NEEDED {
                    p.next_hop_mtu()
                } else {
                    0
                },
                quote: data,
            }),
            (msg_type::TIME_EXCEEDED, code) => Ok(Icmpv4Repr::TimeExceeded { code, quote: data }),
            (msg_type::PARAM_PROBLEM, _) => Ok(Icmpv4Repr::ParamProblem {
                pointer: b[field::POINTER],
                quote: data,
            }),
            _ => Err(WireError::Unsupported {
                proto: PROTO,
                what: "message type other than echo or an error",
            }),
        }
    }

    pub fn buffer_len(&self) -> usize {
        match self {
            Icmpv4Repr::EchoRequest { data, .. } | Icmpv4Repr::EchoReply { data, .. } => {
                field::HEADER_LEN + data.len()
            }
            Icmpv4Repr::DstUnreachable { quote, .. }
            | Icmpv4Repr::TimeExceeded { quote, .. }
            | Icmpv4Repr::ParamProblem { quote, .. } => field::HEADER_LEN + quote.len(),
        }
    }

    /// Writes the message into a buffer of exactly [`buffer_len`](Self::buffer_len)
    /// bytes and fills the checksum.
    pub fn emit(&self, p: &mut Icmpv4Packet<&mut [u8]>) {
        // Type, code, the 4-byte rest of the header, the data.
        let (t, code, rest, data) = match *self {
            Icmpv4Repr::EchoRequest {
                ident,
                seq_no,
                data,
            } => (msg_type::ECHO_REQUEST, 0, echo_rest(ident, seq_no), data),
            Icmpv4Repr::EchoReply {
                ident,
                seq_no,
                data,
            } => (msg_type::ECHO_REPLY, 0, echo_rest(ident, seq_no), data),
            Icmpv4Repr::DstUnreachable {
                code,
                next_hop_mtu,
                quote,
            } => {
                let m = next_hop_mtu.to_be_bytes();
                (msg_type::DEST_UNREACHABLE, code, [0, 0, m[0], m[1]], quote)
            }
            Icmpv4Repr::TimeExceeded { code, quote } => {
                (msg_type::TIME_EXCEEDED, code, [0; 4], quote)
            }
            Icmpv4Repr::ParamProblem { pointer, quote } => {
                (msg_type::PARAM_PROBLEM, 0, [pointer, 0, 0, 0], quote)
            }
        };
        p.set_msg_type(t);
        p.set_code(code);
        p.buffer[field::ECHO_IDENT..field::HEADER_LEN].copy_from_slice(&rest);
        p.data_mut()[..data.len()].copy_from_slice(data);
        p.fill_checksum();
    }
}

/// The rest-of-header of an echo message: identifier, sequence number.
fn echo_rest(ident: u16, seq_no: u16) -> [u8; 4] {
    let (i, s) = (ident.to_be_bytes(), seq_no.to_be_bytes());
    [i[0], i[1], s[0], s[1]]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::fuzz;

    /// Echo request, ident 0x1234, seq 1, data "abcd". Checksum by hand:
    /// 0x0800+0x1234+0x0001+0x6162+0x6364 = 0xdefb, inverted 0x2104.
    const ECHO_REQUEST: [u8; 12] = [
        0x08, 0x00, 0x21, 0x04, 0x12, 0x34, 0x00, 0x01, b'a', b'b', b'c', b'd',
    ];

    #[test]
    fn echo_request_known_bytes_parse() {
        let p = Icmpv4Packet::new_checked(&ECHO_REQUEST[..]).unwrap();
        assert!(p.verify_checksum());
        assert_eq!(
            Icmpv4Repr::parse(&p, true).unwrap(),
            Icmpv4Repr::EchoRequest {
                ident: 0x1234,
                seq_no: 1,
                data: b"abcd"
            }
        );
    }

    #[test]
    fn echo_reply_round_trips_and_checksum_verifies() {
        let r = Icmpv4Repr::EchoReply {
            ident: 7,
            seq_no: 0xfffe,
            data: b"hello, world!",
        };
        let mut buf = vec![0u8; r.buffer_len()];
        r.emit(&mut Icmpv4Packet::new_unchecked(&mut buf[..]));
        let p = Icmpv4Packet::new_checked(&buf[..]).unwrap();
        assert!(p.verify_checksum());
        assert_eq!(Icmpv4Repr::parse(&p, true).unwrap(), r);
    }

    #[test]
    fn checksum_fails_after_a_flipped_bit() {
        let mut b = ECHO_REQUEST;
        b[9] ^= 0x10;
        let p = Icmpv4Packet::new_checked(&b[..]).unwrap();
        assert_eq!(
            Icmpv4Repr::parse(&p, true),
            Err(WireError::BadChecksum { proto: "icmpv4" })
        );
    }

    #[test]
    fn errors_round_trip_with_their_rest_of_header() {
        let quote = [0x45u8, 0, 0, 40, 1, 2, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1];
        let reprs = [
            Icmpv4Repr::DstUnreachable {
                code: msg_type::CODE_FRAG_NEEDED,
                next_hop_mtu: 1280,
                quote: &quote,
            },
            Icmpv4Repr::DstUnreachable {
                code: msg_type::CODE_PORT_UNREACHABLE,
                next_hop_mtu: 0,
                quote: &quote,
            },
            Icmpv4Repr::TimeExceeded {
                code: msg_type::CODE_TTL_EXCEEDED,
                quote: &quote,
            },
            Icmpv4Repr::ParamProblem {
                pointer: 9,
                quote: &quote,
            },
        ];
        for r in reprs {
            let mut buf = vec![0xeeu8; r.buffer_len()];
            r.emit(&mut Icmpv4Packet::new_unchecked(&mut buf[..]));
            let p = Icmpv4Packet::new_checked(&buf[..]).unwrap();
            assert!(p.verify_checksum());
            assert_eq!(Icmpv4Repr::parse(&p, true).unwrap(), r);
        }
        // RFC 1191 section 4: the MTU in the low 16 bits of the second word.
        let r = reprs[0];
        let mut buf = vec![0u8; r.buffer_len()];
        r.emit(&mut Icmpv4Packet::new_unchecked(&mut buf[..]));
        assert_eq!(&buf[..2], &[3, 4]);
        assert_eq!(&buf[4..8], &[0, 0, 0x05, 0x00]);
    }

    #[test]
    fn non_echo_non_error_types_are_unsupported() {
        let mut b = ECHO_REQUEST;
        b[field::TYPE] = 13; // timestamp
        let p = Icmpv4Packet::new_checked(&b[..]).unwrap();
        assert!(matches!(
            Icmpv4Repr::parse(&p, false),
            Err(WireError::Unsupported { .. })
        ));
    }

    #[test]
    fn parser_never_panics_on_truncations_or_random_bytes() {
        fuzz::never_panics("icmpv4", 0x1c4, &ECHO_REQUEST, 40, |b| {
            if let Ok(p) = Icmpv4Packet::new_checked(b) {
                let _ = Icmpv4Repr::parse(&p, true);
            }
        });
    }
}
