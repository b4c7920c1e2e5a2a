//! Socket handles, readiness and errors: what an application holds.
//!
//! Sockets live in the [`Interface`](crate::iface::Interface); the
//! application names them by handle and calls `tcp_*` / `udp_*` methods on
//! the interface, then [`Interface::poll`](crate::iface::Interface::poll)
//! moves the bytes. Handles carry a generation, so a stale handle to a
//! reused slot is refused rather than aliasing another socket.

use crate::tcp::State;

/// A TCP socket: a listener or a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TcpHandle {
    pub(crate) index: u32,
    pub(crate) generation: u32,
}

/// A UDP socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UdpHandle {
    pub(crate) index: u32,
    pub(crate) generation: u32,
}

/// Either kind of socket, as readiness events name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SocketHandle {
    Tcp(TcpHandle),
    Udp(UdpHandle),
}

/// What a socket is ready for now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Readiness {
    /// Data (or, for UDP, a datagram) can be read, or the peer's FIN is
    /// waiting to be seen (a read returns 0 with `recv_finished`).
    pub readable: bool,
    /// Room in the send buffer (TCP: connection established or closing
    /// from the peer's side; UDP: always).
    pub writable: bool,
    /// A listener has a connection to accept.
    pub acceptable: bool,
    /// The connection is over: CLOSED (reset, timed out, or finished) or
    /// the peer closed and all data was read.
    pub hangup: bool,
    /// A connected UDP socket has an ICMP error waiting: its next call
    /// returns it ([`SocketError::Unreachable`]), as `POLLERR`.
    pub error: bool,
}

impl Readiness {
    pub fn any(&self) -> bool {
        self.readable || self.writable || self.acceptable || self.hangup || self.error
    }
}

/// What an ICMP or ICMPv6 error said about the path to a peer (RFC 792,
/// RFC 1122 §3.2.2.1, RFC 1812 §5.2.7.1, RFC 4443 §3), as sockets report
/// it. Fragmentation Needed and Packet Too Big are not among them: they
/// lower the path MTU instead.
///
/// Hard errors ([`is_hard`](Self::is_hard)): protocol and port
/// unreachable (RFC 1122 §4.2.3.9; ICMPv6 port unreachable and Parameter
/// Problem "unrecognized Next Header", its protocol unreachable). A TCP
/// connect ends on one; every other error, and every error in a
/// synchronized state, is soft (RFC 5461 §4: reported, the connection
/// goes on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum IcmpError {
    /// ICMPv4 codes 0, 6, 9, 11; ICMPv6 code 0 (no route), 2 (beyond the
    /// scope of the source address).
    #[error("network unreachable")]
    NetUnreachable,
    /// ICMPv4 codes 1, 7, 10, 12; ICMPv6 code 3 (address unreachable).
    #[error("host unreachable")]
    HostUnreachable,
    /// ICMPv4 code 2; ICMPv6 Parameter Problem code 1.
    #[error("protocol unreachable")]
    ProtocolUnreachable,
    /// ICMPv4 code 3; ICMPv6 code 4.
    #[error("port unreachable")]
    PortUnreachable,
    /// ICMPv4 code 13 and the host/network-prohibited codes 9, 10;
    /// ICMPv6 codes 1, 5, 6.
    #[error("communication administratively prohibited")]
    Prohibited,
    /// ICMPv4 code 5.
    #[error("source route failed")]
    SourceRouteFailed,
    /// Time Exceeded code 0: TTL / hop limit exceeded in transit.
    #[error("time to live exceeded in transit")]
    TimeExceeded,
    /// Time Exceeded code 1: the peer's reassembly timed out.
    #[error("fragment reassembly time exceeded")]
    ReassemblyTimeExceeded,
    /// Parameter Problem (other than ICMPv6's unrecognized Next Header).
    #[error("parameter problem")]
    ParameterProblem,
    /// A Destination Unreachable code not named above (and ICMPv4 code 4
    /// without a DF packet quoted).
    #[error("destination unreachable (code {0})")]
    OtherUnreachable(u8),
}

impl IcmpError {
    /// Whether RFC 1122 §4.2.3.9 counts it hard (see the type's docs).
    pub fn is_hard(&self) -> bool {
        matches!(
            self,
            IcmpError::ProtocolUnreachable | IcmpError::PortUnreachable
        )
    }

    /// An ICMPv4 Destination Unreachable of `code` (not 4, which is path
    /// MTU discovery's).
    pub fn from_v4_unreachable(code: u8) -> Self {
        match code {
            0 | 6 | 11 => IcmpError::NetUnreachable,
            1 | 7 | 12 => IcmpError::HostUnreachable,
            2 => IcmpError::ProtocolUnreachable,
            3 => IcmpError::PortUnreachable,
            5 => IcmpError::SourceRouteFailed,
            9 | 10 | 13 => IcmpError::Prohibited,
            c => IcmpError::OtherUnreachable(c),
        }
    }

    /// An ICMPv6 Destination Unreachable of `code`.
    pub fn from_v6_unreachable(code: u8) -> Self {
        match code {
            0 | 2 => IcmpError::NetUnreachable,
            3 => IcmpError::HostUnreachable,
            4 => IcmpError::PortUnreachable,
            1 | 5 | 6 => IcmpError::Prohibited,
            c => IcmpError::OtherUnreachable(c),
        }
    }

    /// A Time Exceeded of `code` (either family).
    pub fn from_time_exceeded(code: u8) -> Self {
        if code == 1 {
            IcmpError::ReassemblyTimeExceeded
        } else {
            IcmpError::TimeExceeded
        }
    }
}

/// A readiness change: `socket` became `readiness` (edge-triggered).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    pub socket: SocketHandle,
    pub readiness: Readiness,
}

/// Why a socket call was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SocketError {
    #[error("no such socket (closed and released, or never opened)")]
    NoSuchSocket,
    #[error("port {0} is already bound")]
    AddressInUse(u16),
    #[error("no free ephemeral port")]
    NoFreePort,
    #[error("socket table is full ({0} sockets)")]
    TooManySockets(usize),
    #[error("not a listening socket")]
    NotListening,
    #[error("operation not possible in state {0:?}")]
    InvalidState(State),
    #[error("connection is closing: no more data can be sent")]
    SendClosed,
    #[error("no source address of the family of {0}")]
    NoSourceAddress(std::net::IpAddr),
    #[error("invalid address {0}")]
    InvalidAddress(std::net::SocketAddr),
    #[error("datagram of {0} bytes does not fit one packet")]
    DatagramTooBig(usize),
    #[error("socket is not connected")]
    NotConnected,
    /// An ICMP error came back for a datagram a connected UDP socket sent
    /// to `remote`; returned once, by the socket's next call.
    #[error("{remote}: {error}")]
    Unreachable {
        remote: std::net::SocketAddr,
        error: IcmpError,
    },
}
