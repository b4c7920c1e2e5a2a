//! The socket API on an [`Interface`]: TCP listen/accept/connect/send/recv/
//! close, UDP bind/send_to/recv_from, readiness and events. Frames move in
//! [`Interface::poll`].

use super::table::{Entry, Listener, TcpSock, UdpSock};
use super::Interface;
use crate::phy::Device;
use crate::socket::{Event, Readiness, SocketError, SocketHandle, TcpHandle, UdpHandle};
use crate::tcp::{ConnError, Connection, State};
use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};

fn conn_readiness(c: &Connection) -> Readiness {
    let state = c.state();
    Readiness {
        readable: c.recv_available() > 0 || c.recv_finished(),
        writable: matches!(state, State::Established | State::CloseWait) && c.send_capacity() > 0,
        acceptable: false,
        hangup: state == State::Closed || c.recv_finished(),
        error: false,
    }
}

fn udp_readiness(u: &UdpSock) -> Readiness {
    Readiness {
        readable: !u.queue.is_empty(),
        writable: true,
        error: u.error.is_some(),
        ..Readiness::default()
    }
}

fn map_conn_err(e: ConnError, c: &Connection) -> SocketError {
    match e {
        ConnError::SendClosed => SocketError::SendClosed,
        ConnError::Closed => SocketError::InvalidState(c.state()),
    }
}

/// A connected UDP socket's waiting ICMP error, taken.
fn take_error(u: &mut UdpSock) -> Result<(), SocketError> {
    match u.error.take() {
        Some((remote, error)) => Err(SocketError::Unreachable { remote, error }),
        None => Ok(()),
    }
}

impl Interface {
    fn tcp_entry(&self, h: TcpHandle) -> Result<&Entry, SocketError> {
        match self.sockets.get(h.index, h.generation) {
            Some(e @ Entry::Listener(_)) => Ok(e),
            Some(e @ Entry::Tcp(t)) if !t.released => Ok(e),
            _ => Err(SocketError::NoSuchSocket),
        }
    }

    fn conn_ref(&self, h: TcpHandle) -> Result<&TcpSock, SocketError> {
        match self.tcp_entry(h)? {
            Entry::Tcp(t) => Ok(t),
            Entry::Listener(_) => Err(SocketError::InvalidState(State::Listen)),
            Entry::Udp(_) => Err(SocketError::NoSuchSocket),
        }
    }

    fn conn_mut(&mut self, h: TcpHandle) -> Result<&mut TcpSock, SocketError> {
        match self.sockets.get_mut(h.index, h.generation) {
            Some(Entry::Tcp(t)) if !t.released => Ok(t),
            Some(Entry::Listener(_)) => Err(SocketError::InvalidState(State::Listen)),
            _ => Err(SocketError::NoSuchSocket),
        }
    }

    fn udp_mut(&mut self, h: UdpHandle) -> Result<&mut UdpSock, SocketError> {
        match self.sockets.get_mut(h.index, h.generation) {
            Some(Entry::Udp(u)) => Ok(u),
            _ => Err(SocketError::NoSuchSocket),
        }
    }

    /// Listens on `port` on every address of the interface (IPv4 and IPv6);
    /// at most `backlog` established-but-unaccepted connections are queued
    /// (further SYNs are dropped, as Linux does, so the peer retries).
    /// Connections still in SYN-RECEIVED (the half-open queue) are at most
    /// `backlog` too, and at most [`InterfaceConfig::max_half_open`]
    /// (`max_half_open_per_source` from one address); a SYN beyond them is
    /// answered with a SYN cookie ([`InterfaceConfig::syn_cookies`]), or
    /// dropped with cookies off. See [`Interface::tcp_listener_stats`].
    ///
    /// [`InterfaceConfig::max_half_open`]: super::InterfaceConfig::max_half_open
    /// [`InterfaceConfig::syn_cookies`]: super::InterfaceConfig::syn_cookies
    pub fn tcp_listen(&mut self, port: u16, backlog: usize) -> Result<TcpHandle, SocketError> {
        if port == 0 {
            return Err(SocketError::InvalidAddress(SocketAddr::new(
                IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
                0,
            )));
        }
        if self.sockets.listeners.contains_key(&port) {
            return Err(SocketError::AddressInUse(port));
        }
        let entry = Entry::Listener(Listener::new(port, backlog.max(1)));
        let (index, generation) = self
            .sockets
            .insert(entry, self.config.max_sockets)
            .ok_or(SocketError::TooManySockets(self.config.max_sockets))?;
        self.sockets.listeners.insert(port, index);
        Ok(TcpHandle { index, generation })
    }

    /// The next established connection of `listener`, if one is waiting.
    pub fn tcp_accept(&mut self, listener: TcpHandle) -> Result<Option<TcpHandle>, SocketError> {
        let l = match self.sockets.get_mut(listener.index, listener.generation) {
            Some(Entry::Listener(l)) => l,
            Some(_) => return Err(SocketError::NotListening),
            None => return Err(SocketError::NoSuchSocket),
        };
        let Some(ci) = l.ready.pop_front() else {
            return Ok(None);
        };
        let generation = self.sockets.slots[ci as usize].generation;
        if let Some(t) = self.sockets.tcp_mut(ci) {
            t.parent = None;
        }
        Ok(Some(TcpHandle {
            index: ci,
            generation,
        }))
    }

    /// What listener `listener` saw: its half-open and accept queues (now
    /// and the half-open peak) and its SYN cookies.
    pub fn tcp_listener_stats(
        &self,
        listener: TcpHandle,
    ) -> Result<super::ListenerStats, SocketError> {
        match self.sockets.get(listener.index, listener.generation) {
            Some(Entry::Listener(l)) => Ok(super::ListenerStats {
                half_open: l.embryonic.len() as u64,
                accept_queue: l.ready.len() as u64,
                ..l.stats
            }),
            Some(_) => Err(SocketError::NotListening),
            None => Err(SocketError::NoSuchSocket),
        }
    }

    /// Opens a connection to `remote` from an ephemeral port; the SYN goes
    /// out on the next [`poll`](Interface::poll).
    pub fn tcp_connect(&mut self, now: u64, remote: SocketAddr) -> Result<TcpHandle, SocketError> {
        let remote = SocketAddr::new(remote.ip(), remote.port());
        let ip = remote.ip();
        if remote.port() == 0 || ip.is_unspecified() || ip.is_multicast() {
            return Err(SocketError::InvalidAddress(remote));
        }
        if let IpAddr::V4(a) = ip {
            if a.is_broadcast() {
                return Err(SocketError::InvalidAddress(remote));
            }
        }
        let src = match ip {
            IpAddr::V4(d) => self
                .route_v4(crate::wire::Ipv4Address(d.octets()))
                .map(|(s, _)| IpAddr::V4(std::net::Ipv4Addr::from(s.0))),
            IpAddr::V6(d) => self
                .route_v6(crate::wire::Ipv6Address(d.octets()))
                .map(|(s, _)| IpAddr::V6(std::net::Ipv6Addr::from(s.0))),
        }
        .map_err(|e| match e {
            super::SendError::NoSourceAddress(a) => SocketError::NoSourceAddress(a),
            _ => SocketError::InvalidAddress(remote),
        })?;
        if self.sockets.live() >= self.config.max_sockets {
            return Err(SocketError::TooManySockets(self.config.max_sockets));
        }
        let port = self
            .sockets
            .ephemeral(|t, p| t.tcp_port_in_use(p))
            .ok_or(SocketError::NoFreePort)?;
        let local = SocketAddr::new(src, port);
        let iss = self.isn(now, local, remote);
        let conn = Connection::connect(self.config.tcp, local, remote, iss, now);
        let entry = Entry::Tcp(Box::new(TcpSock {
            conn,
            released: false,
            parent: None,
        }));
        let (index, generation) = self
            .sockets
            .insert(entry, self.config.max_sockets)
            .ok_or(SocketError::TooManySockets(self.config.max_sockets))?;
        self.sockets.conns.insert((local, remote), index);
        self.tx_pending = true;
        Ok(TcpHandle { index, generation })
    }

    /// Queues bytes; returns how many fit in the send buffer.
    pub fn tcp_send(&mut self, h: TcpHandle, data: &[u8]) -> Result<usize, SocketError> {
        let t = self.conn_mut(h)?;
        let n = t.conn.send(data).map_err(|e| map_conn_err(e, &t.conn))?;
        if n > 0 {
            self.tx_pending = true;
        }
        Ok(n)
    }

    /// Copies received bytes into `buf`; `Ok(0)` with
    /// [`tcp_recv_finished`](Self::tcp_recv_finished) is end of stream.
    pub fn tcp_recv(&mut self, h: TcpHandle, buf: &mut [u8]) -> Result<usize, SocketError> {
        let t = self.conn_mut(h)?;
        let n = t.conn.recv(buf);
        if n > 0 {
            // The window opened: a window update may be due.
            self.tx_pending = true;
        }
        Ok(n)
    }

    /// Zero-copy receive: the next contiguous run of received bytes.
    pub fn tcp_recv_peek(&self, h: TcpHandle) -> Result<&[u8], SocketError> {
        Ok(self.conn_ref(h)?.conn.recv_peek())
    }

    /// Marks `n` bytes of [`tcp_recv_peek`](Self::tcp_recv_peek) read.
    pub fn tcp_recv_consume(&mut self, h: TcpHandle, n: usize) -> Result<(), SocketError> {
        let t = self.conn_mut(h)?;
        let n = n.min(t.conn.recv_peek().len());
        t.conn.recv_consume(n);
        if n > 0 {
            self.tx_pending = true;
        }
        Ok(())
    }

    /// The peer closed and every byte has been read.
    pub fn tcp_recv_finished(&self, h: TcpHandle) -> Result<bool, SocketError> {
        Ok(self.conn_ref(h)?.conn.recv_finished())
    }

    /// Graceful close (FIN after queued data). A listener stops listening:
    /// its connections not yet accepted are aborted (RST) and its handle
    /// becomes invalid.
    pub fn tcp_close(&mut self, h: TcpHandle) -> Result<(), SocketError> {
        match self.tcp_entry(h)? {
            Entry::Listener(_) => {
                self.close_listener(h.index);
                Ok(())
            }
            _ => {
                let t = self.conn_mut(h)?;
                t.conn.close();
                self.tx_pending = true;
                Ok(())
            }
        }
    }

    fn close_listener(&mut self, li: u32) {
        let Some(Entry::Listener(l)) = self.sockets.remove(li) else {
            return;
        };
        for ci in l.ready.iter().chain(l.embryonic.iter()) {
            if let Some(t) = self.sockets.tcp_mut(*ci) {
                t.conn.abort();
                t.parent = None;
                t.released = true;
            }
        }
        self.tx_pending = true;
    }

    /// Abort with RST.
    pub fn tcp_abort(&mut self, h: TcpHandle) -> Result<(), SocketError> {
        let t = self.conn_mut(h)?;
        t.conn.abort();
        self.tx_pending = true;
        Ok(())
    }

    /// The application is done with `h`: the connection finishes closing on
    /// its own (FIN exchange, TIME-WAIT) and its slot is freed when CLOSED.
    /// The handle is refused from now on. A listener is closed.
    pub fn tcp_release(&mut self, h: TcpHandle) -> Result<(), SocketError> {
        match self.tcp_entry(h)? {
            Entry::Listener(_) => {
                self.close_listener(h.index);
                Ok(())
            }
            _ => {
                let t = self.conn_mut(h)?;
                t.released = true;
                if t.conn.state() == State::Closed {
                    self.sockets.remove(h.index);
                } else {
                    t.conn.close();
                    self.tx_pending = true;
                }
                Ok(())
            }
        }
    }

    pub fn tcp_state(&self, h: TcpHandle) -> Result<State, SocketError> {
        match self.tcp_entry(h)? {
            Entry::Listener(_) => Ok(State::Listen),
            Entry::Tcp(t) => Ok(t.conn.state()),
            Entry::Udp(_) => Err(SocketError::NoSuchSocket),
        }
    }

    /// The connection behind `h`, for its statistics and negotiated options.
    pub fn tcp_connection(&self, h: TcpHandle) -> Result<&Connection, SocketError> {
        Ok(&self.conn_ref(h)?.conn)
    }

    /// Low-level access (Nagle, keep-alive).
    pub fn tcp_connection_mut(&mut self, h: TcpHandle) -> Result<&mut Connection, SocketError> {
        self.tx_pending = true;
        Ok(&mut self.conn_mut(h)?.conn)
    }

    /// Sockets in the table (listeners, connections, lingering closing
    /// connections and UDP sockets).
    pub fn socket_count(&self) -> usize {
        self.sockets.live()
    }

    /// Binds a UDP socket to `port` on every address (0 picks an ephemeral port).
    pub fn udp_bind(&mut self, port: u16) -> Result<UdpHandle, SocketError> {
        let port = if port == 0 {
            self.sockets
                .ephemeral(|t, p| t.udp.contains_key(&p))
                .ok_or(SocketError::NoFreePort)?
        } else {
            if self.sockets.udp.contains_key(&port) {
                return Err(SocketError::AddressInUse(port));
            }
            port
        };
        let entry = Entry::Udp(UdpSock {
            port,
            queue: VecDeque::new(),
            peer: None,
            error: None,
        });
        let (index, generation) = self
            .sockets
            .insert(entry, self.config.max_sockets)
            .ok_or(SocketError::TooManySockets(self.config.max_sockets))?;
        self.sockets.udp.insert(port, index);
        Ok(UdpHandle { index, generation })
    }

    /// The port a UDP socket is bound to.
    pub fn udp_port(&self, h: UdpHandle) -> Result<u16, SocketError> {
        match self.sockets.get(h.index, h.generation) {
            Some(Entry::Udp(u)) => Ok(u.port),
            _ => Err(SocketError::NoSuchSocket),
        }
    }

    /// Sends one datagram now (held while the next hop resolves). On a
    /// connected socket with an ICMP error waiting, fails with it instead
    /// (once; see [`udp_connect`](Self::udp_connect)).
    pub fn udp_send_to(
        &mut self,
        now: u64,
        device: &mut dyn Device,
        h: UdpHandle,
        dst: SocketAddr,
        data: &[u8],
    ) -> Result<(), SocketError> {
        let u = self.udp_mut(h)?;
        take_error(u)?;
        let port = u.port;
        self.udp_output(now, device, port, dst, data)
    }

    /// Connects a UDP socket to `peer` (Linux's `connect` on a datagram
    /// socket): from now on it takes datagrams from `peer` only (others are
    /// dropped, `udp_wrong_peer`), [`udp_send`](Self::udp_send) sends there,
    /// and an ICMP or ICMPv6 error about a datagram it sent to `peer` (port
    /// unreachable, host unreachable, ...) is kept for the socket: its next
    /// `udp_send`, `udp_send_to` or `udp_recv_from` fails with
    /// [`SocketError::Unreachable`], once, and its readiness shows `error`
    /// until then (Linux's `ECONNREFUSED` on the next call, without
    /// `IP_RECVERR`). An unconnected socket is not told of errors (they are
    /// counted, `udp_icmp_errors_unreported`), as Linux does.
    pub fn udp_connect(&mut self, h: UdpHandle, peer: SocketAddr) -> Result<(), SocketError> {
        if peer.port() == 0 || peer.ip().is_unspecified() {
            return Err(SocketError::InvalidAddress(peer));
        }
        let u = self.udp_mut(h)?;
        u.peer = Some(peer);
        u.error = None;
        u.queue.retain(|(from, _)| *from == peer);
        Ok(())
    }

    /// Sends one datagram to a connected socket's peer.
    pub fn udp_send(
        &mut self,
        now: u64,
        device: &mut dyn Device,
        h: UdpHandle,
        data: &[u8],
    ) -> Result<(), SocketError> {
        let peer = self.udp_mut(h)?.peer.ok_or(SocketError::NotConnected)?;
        self.udp_send_to(now, device, h, peer, data)
    }

    /// The oldest datagram received, with its sender; on a connected
    /// socket with an ICMP error waiting, that error (once).
    pub fn udp_recv_from(
        &mut self,
        h: UdpHandle,
    ) -> Result<Option<(SocketAddr, Vec<u8>)>, SocketError> {
        let u = self.udp_mut(h)?;
        take_error(u)?;
        Ok(u.queue.pop_front())
    }

    pub fn udp_close(&mut self, h: UdpHandle) -> Result<(), SocketError> {
        self.udp_mut(h)?;
        self.sockets.remove(h.index);
        Ok(())
    }

    /// What `socket` is ready for now.
    pub fn readiness(&self, socket: SocketHandle) -> Result<Readiness, SocketError> {
        match socket {
            SocketHandle::Tcp(h) => Ok(match self.tcp_entry(h)? {
                Entry::Listener(l) => Readiness {
                    acceptable: !l.ready.is_empty(),
                    ..Readiness::default()
                },
                Entry::Tcp(t) => conn_readiness(&t.conn),
                Entry::Udp(_) => return Err(SocketError::NoSuchSocket),
            }),
            SocketHandle::Udp(h) => match self.sockets.get(h.index, h.generation) {
                Some(Entry::Udp(u)) => Ok(udp_readiness(u)),
                _ => Err(SocketError::NoSuchSocket),
            },
        }
    }

    /// The ICMP error waiting on a connected UDP socket, if any, without
    /// taking it (as `SO_ERROR` would report it).
    pub fn udp_error(&self, h: UdpHandle) -> Result<Option<SocketError>, SocketError> {
        match self.sockets.get(h.index, h.generation) {
            Some(Entry::Udp(u)) => Ok(u
                .error
                .map(|(remote, error)| SocketError::Unreachable { remote, error })),
            _ => Err(SocketError::NoSuchSocket),
        }
    }

    /// Compares every socket's readiness with what was last reported and
    /// queues an event for each change (called at the end of each poll).
    pub(super) fn update_events(&mut self) {
        for i in 0..self.sockets.slots.len() {
            let slot = &self.sockets.slots[i];
            let generation = slot.generation;
            let (handle, now) = match &slot.entry {
                None => continue,
                Some(Entry::Tcp(t)) if t.released || t.parent.is_some() => continue,
                Some(Entry::Tcp(t)) => (
                    SocketHandle::Tcp(TcpHandle {
                        index: i as u32,
                        generation,
                    }),
                    conn_readiness(&t.conn),
                ),
                Some(Entry::Listener(l)) => (
                    SocketHandle::Tcp(TcpHandle {
                        index: i as u32,
                        generation,
                    }),
                    Readiness {
                        acceptable: !l.ready.is_empty(),
                        ..Readiness::default()
                    },
                ),
                Some(Entry::Udp(u)) => (
                    SocketHandle::Udp(UdpHandle {
                        index: i as u32,
                        generation,
                    }),
                    udp_readiness(u),
                ),
            };
            if now != slot.reported {
                self.sockets.slots[i].reported = now;
                if self.events.len() < self.config.max_sockets.saturating_mul(4).max(64) {
                    self.events.push(Event {
                        socket: handle,
                        readiness: now,
                    });
                }
            }
        }
    }

    /// Readiness changes since the last call (edge-triggered), oldest first.
    pub fn take_events(&mut self) -> Vec<Event> {
        self.update_events();
        std::mem::take(&mut self.events)
    }
}
