//! The socket API on an [`Interface`]: TCP listen/accept/connect/send/recv/
//! close, UDP bind/send_to/recv_from, readiness and events. Frames move in
//! [`Interface::poll`].

use super::Interface;
use crate::phy::Device;
use crate::socket::{Event, Readiness, SocketError, SocketHandle, TcpHandle, UdpHandle};
use crate::tcp::{Connection, State};
use std::net::SocketAddr;

impl Interface {
    /// Listens on `port` on every address of the interface (IPv4 and IPv6);
    /// at most `backlog` established-but-unaccepted connections are queued
    /// (further SYNs are dropped, as Linux does, so the peer retries).
    pub fn tcp_listen(&mut self, port: u16, backlog: usize) -> Result<TcpHandle, SocketError> {
        let _ = (port, backlog);
        todo!()
    }
    /// The next established connection of `listener`, if one is waiting.
    pub fn tcp_accept(&mut self, listener: TcpHandle) -> Result<Option<TcpHandle>, SocketError> {
        let _ = listener;
        todo!()
    }
    /// Opens a connection to `remote` from an ephemeral port; the SYN goes
    /// out on the next [`poll`](Interface::poll).
    pub fn tcp_connect(&mut self, now: u64, remote: SocketAddr) -> Result<TcpHandle, SocketError> {
        let _ = (now, remote);
        todo!()
    }
    /// Queues bytes; returns how many fit in the send buffer.
    pub fn tcp_send(&mut self, h: TcpHandle, data: &[u8]) -> Result<usize, SocketError> {
        let _ = (h, data);
        todo!()
    }
    /// Copies received bytes into `buf`; `Ok(0)` with
    /// [`tcp_recv_finished`](Self::tcp_recv_finished) is end of stream.
    pub fn tcp_recv(&mut self, h: TcpHandle, buf: &mut [u8]) -> Result<usize, SocketError> {
        let _ = (h, buf);
        todo!()
    }
    /// Zero-copy receive: the next contiguous run of received bytes.
    pub fn tcp_recv_peek(&self, h: TcpHandle) -> Result<&[u8], SocketError> {
        let _ = h;
        todo!()
    }
    /// Marks `n` bytes of [`tcp_recv_peek`](Self::tcp_recv_peek) read.
    pub fn tcp_recv_consume(&mut self, h: TcpHandle, n: usize) -> Result<(), SocketError> {
        let _ = (h, n);
        todo!()
    }
    /// The peer closed and every byte has been read.
    pub fn tcp_recv_finished(&self, h: TcpHandle) -> Result<bool, SocketError> {
        let _ = h;
        todo!()
    }
    /// Graceful close (FIN after queued data). A listener stops listening.
    pub fn tcp_close(&mut self, h: TcpHandle) -> Result<(), SocketError> {
        let _ = h;
        todo!()
    }
    /// Abort with RST.
    pub fn tcp_abort(&mut self, h: TcpHandle) -> Result<(), SocketError> {
        let _ = h;
        todo!()
    }
    /// The application is done with `h`: the connection finishes closing on
    /// its own (FIN exchange, TIME-WAIT) and its slot is freed when CLOSED.
    pub fn tcp_release(&mut self, h: TcpHandle) -> Result<(), SocketError> {
        let _ = h;
        todo!()
    }
    pub fn tcp_state(&self, h: TcpHandle) -> Result<State, SocketError> {
        let _ = h;
        todo!()
    }
    /// The connection behind `h`, for its statistics and negotiated options.
    pub fn tcp_connection(&self, h: TcpHandle) -> Result<&Connection, SocketError> {
        let _ = h;
        todo!()
    }
    /// Low-level access (Nagle, keep-alive).
    pub fn tcp_connection_mut(&mut self, h: TcpHandle) -> Result<&mut Connection, SocketError> {
        let _ = h;
        todo!()
    }
    /// Binds a UDP socket to `port` on every address (0 picks an ephemeral port).
    pub fn udp_bind(&mut self, port: u16) -> Result<UdpHandle, SocketError> {
        let _ = port;
        todo!()
    }
    /// Sends one datagram now (held while the next hop resolves).
    pub fn udp_send_to(
        &mut self,
        now: u64,
        device: &mut dyn Device,
        h: UdpHandle,
        dst: SocketAddr,
        data: &[u8],
    ) -> Result<(), SocketError> {
        let _ = (now, device, h, dst, data);
        todo!()
    }
    /// The oldest datagram received, with its sender.
    pub fn udp_recv_from(
        &mut self,
        h: UdpHandle,
    ) -> Result<Option<(SocketAddr, Vec<u8>)>, SocketError> {
        let _ = h;
        todo!()
    }
    pub fn udp_close(&mut self, h: UdpHandle) -> Result<(), SocketError> {
        let _ = h;
        todo!()
    }
    /// What `socket` is ready for now.
    pub fn readiness(&self, socket: SocketHandle) -> Result<Readiness, SocketError> {
        let _ = socket;
        todo!()
    }
    /// Readiness changes since the last call (edge-triggered), oldest first.
    pub fn take_events(&mut self) -> Vec<Event> {
        todo!()
    }
}
