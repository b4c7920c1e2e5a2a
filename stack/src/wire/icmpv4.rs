//! ICMPv4 (RFC 792): echo request (type 8) and echo reply (type 0). The
//! checksum covers the whole ICMP message, with no pseudo-header. Other types
//! are readable through the view but [`WireError::Unsupported`] as a Repr.

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
    /// Type, code, checksum and the 4-byte rest-of-header.
    pub const HEADER_LEN: usize = 8;
}

/// Message types handled here.
pub mod msg_type {
    pub const ECHO_REPLY: u8 = 0;
    pub const DEST_UNREACHABLE: u8 = 3;
    /// Destination Unreachable code 3: Port Unreachable (RFC 792).
    pub const CODE_PORT_UNREACHABLE: u8 = 3;
    pub const ECHO_REQUEST: u8 = 8;
    pub const TIME_EXCEEDED: u8 = 11;
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

/// An echo request or reply; `data` borrows the packet's payload.
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
            _ => Err(WireError::Unsupported {
                proto: PROTO,
                what: "message type other than echo",
            }),
        }
    }

    pub fn buffer_len(&self) -> usize {
        match self {
            Icmpv4Repr::EchoRequest { data, .. } | Icmpv4Repr::EchoReply { data, .. } => {
                field::HEADER_LEN + data.len()
            }
        }
    }

    /// Writes the message into a buffer of exactly [`buffer_len`](Self::buffer_len)
    /// bytes and fills the checksum.
    pub fn emit(&self, p: &mut Icmpv4Packet<&mut [u8]>) {
        let (t, ident, seq_no, data) = match *self {
            Icmpv4Repr::EchoRequest {
                ident,
                seq_no,
                data,
            } => (msg_type::ECHO_REQUEST, ident, seq_no, data),
            Icmpv4Repr::EchoReply {
                ident,
                seq_no,
                data,
            } => (msg_type::ECHO_REPLY, ident, seq_no, data),
        };
        p.set_msg_type(t);
        p.set_code(0);
        p.set_echo_ident(ident);
        p.set_echo_seq_no(seq_no);
        p.data_mut()[..data.len()].copy_from_slice(data);
        p.fill_checksum();
    }
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
    fn non_echo_types_are_unsupported() {
        let mut b = ECHO_REQUEST;
        b[field::TYPE] = msg_type::DEST_UNREACHABLE;
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
