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
}

impl Readiness {
    pub fn any(&self) -> bool {
        self.readable || self.writable || self.acceptable || self.hangup
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
}
