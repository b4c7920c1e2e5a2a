//! TCP in the interface: demultiplexing received segments to connections
//! and listeners, answering segments for no socket with RST (RFC 9293
//! §3.10.7.1), initial sequence numbers (RFC 6528), and sending what the
//! connections produce as single frames, TSO super-frames or software-GSO
//! segments with offloaded or software checksums.
//!
//! A listener's SYNs (RFC 4987's defences, as Linux has them): a SYN makes
//! a half-open connection (SYN-RECEIVED, no buffers until data flows) while
//! the listener's half-open queue has room and the source holds less than
//! its share; otherwise it is answered with a SYN cookie
//! ([`crate::tcp::syncookie`]) and nothing is kept. An ACK for no
//! connection that carries a valid cookie becomes an established
//! connection with the options the cookie kept. Half-open connections leave
//! the queue when they complete, or after their SYN-ACK retransmissions
//! (`TcpConfig::synack_retries`). SYNs are dropped only while the accept
//! queue (established, not accepted) is full, or the half-open queue with
//! cookies off.

use super::egress::ETH;
use super::gso;
use super::table::{Entry, TcpSock};
use super::Interface;
use crate::phy::{Device, TxMeta, F_NEEDS_CSUM, GSO_TCPV4, GSO_TCPV6};
use crate::tcp::syncookie::{self, CookieError, COOKIE_PERIOD_NS, MAX_COOKIE_AGE};
use crate::tcp::{Connection, Outgoing, State};
use crate::wire::{
    ip_protocol, ipv4, ipv6, tcp as wtcp, EtherType, EthernetFrame, IpPair, Ipv4Address,
    Ipv4Packet, Ipv4Repr, Ipv6Address, Ipv6Packet, Ipv6Repr, TcpFlags, TcpOffsets, TcpPacket,
    TcpRepr, TcpSeqNumber,
};
use siphasher::sip::SipHasher24;
use std::net::{IpAddr, SocketAddr};

/// When a listener answers a SYN with a cookie (RFC 4987 §3.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SynCookies {
    /// Never: SYNs beyond the half-open limits are dropped.
    Off,
    /// When the half-open queue, or the source's share of it, is full
    /// (Linux's `tcp_syncookies = 1`).
    OnOverflow,
    /// For every SYN (Linux's `tcp_syncookies = 2`; for tests).
    Always,
}

counters! {
    /// What one listener saw: its queues now and at most, and its cookies.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct ListenerStats {
        /// Half-open connections (SYN-RECEIVED) now, and the most ever held.
        pub half_open: u64,
        pub half_open_peak: u64,
        /// Established connections waiting for `tcp_accept`.
        pub accept_queue: u64,
        /// SYNs that made a half-open connection.
        pub syns_queued: u64,
        /// Cookie SYN-ACKs sent, cookies that made a connection, cookies
        /// refused (as the interface's `tcp_syncookies_*`).
        pub syncookies_sent: u64,
        pub syncookies_accepted: u64,
        pub syncookies_rejected: u64,
        /// Half-open connections given up after their SYN-ACK retransmissions.
        pub half_open_expired: u64,
        /// SYNs (or cookie ACKs) dropped: accept queue full, or half-open
        /// limits reached with cookies off.
        pub dropped: u64,
    }
}

/// Largest IP packet (IPv4 total length / IPv6 payload length + 40).
const MAX_IP: usize = 65535;

/// The MSS a connection of the family announces at most on `device`: the
/// MTU (largest frame less the Ethernet header) less the fixed IP header
/// (20 for IPv4, 40 for IPv6) and the 20-byte TCP header, no options counted
/// (RFC 9293 §3.7.1, RFC 6691): 1460 and 1440 on a 1500-byte link.
fn link_mss(device: &dyn Device, v6: bool) -> u16 {
    let ip = if v6 {
        ipv6::field::HEADER_LEN
    } else {
        ipv4::field::MIN_HEADER_LEN
    };
    let mtu = device.capabilities().max_frame.saturating_sub(ETH);
    let mss = mtu.saturating_sub(ip + wtcp::field::MIN_HEADER_LEN);
    u16::try_from(mss).unwrap_or(u16::MAX)
}

fn ip_bytes(a: IpAddr) -> Vec<u8> {
    match a {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

/// The pair of an (IPv4 or IPv6) local and remote address; `None` if the
/// families differ.
fn ip_pair(local: IpAddr, remote: IpAddr) -> Option<IpPair> {
    match (local, remote) {
        (IpAddr::V4(l), IpAddr::V4(r)) => Some(IpPair::V4 {
            src: Ipv4Address(l.octets()),
            dst: Ipv4Address(r.octets()),
        }),
        (IpAddr::V6(l), IpAddr::V6(r)) => Some(IpPair::V6 {
            src: Ipv6Address(l.octets()),
            dst: Ipv6Address(r.octets()),
        }),
        _ => None,
    }
}

impl Interface {
    /// RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport,
    /// secretkey), M the 4 µs timer.
    pub(super) fn isn(&self, now: u64, local: SocketAddr, remote: SocketAddr) -> u32 {
        let mut b = ip_bytes(local.ip());
        b.extend_from_slice(&local.port().to_be_bytes());
        b.extend_from_slice(&ip_bytes(remote.ip()));
        b.extend_from_slice(&remote.port().to_be_bytes());
        let s = self.config.isn_secret;
        let f = SipHasher24::new_with_keys(s as u64, (s >> 64) as u64).hash(&b) as u32;
        f.wrapping_add((now / 4000) as u32)
    }

    /// A TCP segment for us that passed the IP checks and its checksum:
    /// to its connection, to a listener, or answered with RST.
    pub(super) fn tcp_input(
        &mut self,
        now: u64,
        device: &mut dyn Device,
        local: SocketAddr,
        remote: SocketAddr,
        seg: &TcpRepr,
        payload: &[u8],
    ) {
        self.stats.tcp_segs_in += 1;
        if let Some(i) = self.sockets.lookup_conn(local, remote) {
            match self.sockets.tcp(i).map(|t| (t.conn.state(), t.parent)) {
                // A CLOSED connection the application still holds no
                // longer owns its 4-tuple: the segment is for no socket.
                Some((State::Closed, _)) => {
                    self.sockets.conns.remove(&(local, remote));
                }
                Some((state, parent)) => {
                    let f = seg.flags;
                    let completes = state == State::SynReceived
                        && f.contains(TcpFlags::ACK)
                        && !f.contains(TcpFlags::SYN)
                        && !f.contains(TcpFlags::RST);
                    if let (true, Some(li)) = (completes, parent) {
                        // The handshake would complete into a full accept
                        // queue: drop the ACK (the peer retransmits), as
                        // Linux does.
                        if let Some(l) = self.sockets.listener_mut(li) {
                            if l.ready.len() >= l.backlog {
                                l.stats.dropped += 1;
                                self.stats.tcp_backlog_dropped += 1;
                                return;
                            }
                        }
                    }
                    let Some(t) = self.sockets.tcp_mut(i) else {
                        return;
                    };
                    t.conn.on_segment(now, seg, payload);
                    // Onto the accept queue at once, so that the queue's
                    // limit holds for the next segment of this poll.
                    if completes && !matches!(t.conn.state(), State::SynReceived | State::Closed) {
                        self.tcp_maintain(i);
                    }
                    self.tx_pending = true;
                    return;
                }
                None => {}
            }
        }
        let f = seg.flags;
        if let Some(&li) = self.sockets.listeners.get(&local.port()) {
            if f.contains(TcpFlags::RST) {
                self.stats.tcp_listen_dropped += 1;
                return;
            }
            if f.contains(TcpFlags::ACK) {
                if !f.contains(TcpFlags::SYN)
                    && self.cookie_ack(now, device, li, local, remote, seg, payload)
                {
                    return;
                }
                // RFC 9293 §3.10.7.2: an ACK in LISTEN is answered with RST.
                self.send_rst_for(now, device, local, remote, seg);
                return;
            }
            if !f.contains(TcpFlags::SYN) {
                self.stats.tcp_listen_dropped += 1;
                return;
            }
            self.listen_syn(now, device, li, local, remote, seg);
            return;
        }
        if f.contains(TcpFlags::RST) {
            // Never answer a RST (RFC 9293 §3.10.7.1).
            self.stats.tcp_rst_no_socket += 1;
            return;
        }
        self.send_rst_for(now, device, local, remote, seg);
        self.stats.tcp_rst_sent_no_socket += 1;
    }

    /// A SYN for listener `li`: a half-open connection, a cookie, or
    /// dropped (see the module's documentation).
    fn listen_syn(
        &mut self,
        now: u64,
        device: &mut dyn Device,
        li: u32,
        local: SocketAddr,
        remote: SocketAddr,
        seg: &TcpRepr,
    ) {
        let mode = self.config.syn_cookies;
        let max_half_open = self.config.max_half_open;
        let per_source = self.config.max_half_open_per_source;
        let Some(l) = self.sockets.listener_mut(li) else {
            return;
        };
        if l.ready.len() >= l.backlog {
            l.stats.dropped += 1;
            self.stats.tcp_backlog_dropped += 1;
            return;
        }
        let queue_full = l.embryonic.len() >= l.backlog.min(max_half_open);
        let source_full = l.half_open_from(remote.ip()) as usize >= per_source;
        if source_full && !queue_full {
            self.stats.tcp_half_open_source_limited += 1;
        }
        let cookie = match mode {
            SynCookies::Always => true,
            SynCookies::OnOverflow => queue_full || source_full,
            SynCookies::Off => false,
        };
        if cookie {
            self.send_cookie(now, device, li, local, remote, seg);
            return;
        }
        if queue_full || source_full {
            l.stats.dropped += 1;
            self.stats.tcp_backlog_dropped += 1;
            return;
        }
        let iss = self.isn(now, local, remote);
        let mut config = self.config.tcp;
        config.mss = config.mss.min(link_mss(&*device, remote.is_ipv6()));
        let conn = Connection::accept(config, local, remote, iss, seg, now);
        let entry = Entry::Tcp(Box::new(TcpSock {
            conn,
            released: false,
            parent: Some(li),
        }));
        let Some((ci, _)) = self.sockets.insert(entry, self.config.max_sockets) else {
            // No socket to keep it in: a cookie keeps nothing.
            if mode != SynCookies::Off {
                self.send_cookie(now, device, li, local, remote, seg);
            } else {
                self.stats.tcp_no_room += 1;
            }
            return;
        };
        self.sockets.conns.insert((local, remote), ci);
        if let Some(l) = self.sockets.listener_mut(li) {
            l.push_half_open(ci, remote.ip());
            l.stats.syns_queued += 1;
        }
        self.tx_pending = true;
    }

    /// Answers `syn` with a cookie SYN-ACK; nothing is kept.
    fn send_cookie(
        &mut self,
        now: u64,
        device: &mut dyn Device,
        li: u32,
        local: SocketAddr,
        remote: SocketAddr,
        syn: &TcpRepr,
    ) {
        let v6 = remote.is_ipv6();
        let mut config = self.config.tcp;
        config.mss = config.mss.min(link_mss(&*device, v6));
        // No MSS option: RFC 9293's default, 536 or 1220 (the table's least).
        let index = syncookie::mss_index(syn.max_seg_size.unwrap_or(0), v6);
        let iss = self
            .cookie_key
            .encode(local, remote, syn.seq_number.0, now, index);
        let Some(out) = Connection::syn_cookie_reply(config, local, remote, iss, syn, now) else {
            return;
        };
        self.tcp_output(now, device, local, remote, &out);
        self.stats.tcp_syncookies_sent += 1;
        if let Some(l) = self.sockets.listener_mut(li) {
            l.stats.syncookies_sent += 1;
            l.last_cookie_at = Some(now);
        }
    }

    /// An ACK (no SYN, no RST) to listener `li` with no connection: if it
    /// carries a valid cookie, the connection it stands for is made
    /// (established, `seg` processed, on the accept queue) and `true`
    /// returned; `true` also if it was valid but had to be dropped (accept
    /// queue or socket table full: the peer retransmits). `false` means
    /// no cookie: the caller answers with RST. ACKs are checked only while
    /// cookies the listener sent may still be live.
    #[allow(clippy::too_many_arguments)]
    fn cookie_ack(
        &mut self,
        now: u64,
        device: &mut dyn Device,
        li: u32,
        local: SocketAddr,
        remote: SocketAddr,
        seg: &TcpRepr,
        payload: &[u8],
    ) -> bool {
        let mode = self.config.syn_cookies;
        let Some(l) = self.sockets.listener_mut(li) else {
            return false;
        };
        let live = u64::from(MAX_COOKIE_AGE) * COOKIE_PERIOD_NS;
        let recent = l
            .last_cookie_at
            .is_some_and(|t| now.saturating_sub(t) < live);
        if mode == SynCookies::Off || !(recent || mode == SynCookies::Always) {
            return false;
        }
        let cookie = seg.ack_number.0.wrapping_sub(1);
        let sseq = seg.seq_number.0.wrapping_sub(1);
        let tcp = self.config.tcp;
        let checked = self
            .cookie_key
            .decode(local, remote, sseq, cookie, now)
            .and_then(|index| {
                let opts = match (tcp.timestamps, seg.timestamp) {
                    (true, Some((_, tsecr))) => Some(syncookie::decode_timestamp(tsecr)),
                    _ => None,
                };
                let o = opts.unwrap_or_default();
                // What we would not have offered cannot be in our cookie.
                if o.ecn || (o.sack && !tcp.sack) || (o.wscale.is_some() && !tcp.window_scaling) {
                    return Err(CookieError::BadOptions);
                }
                Ok((index, opts))
            });
        let Ok((index, opts)) = checked else {
            l.stats.syncookies_rejected += 1;
            self.stats.tcp_syncookies_rejected += 1;
            return false;
        };
        if l.ready.len() >= l.backlog {
            l.stats.dropped += 1;
            self.stats.tcp_backlog_dropped += 1;
            return true;
        }
        let v6 = remote.is_ipv6();
        let mut config = tcp;
        config.mss = config.mss.min(link_mss(&*device, v6));
        let peer_mss = syncookie::mss_table(v6)[usize::from(index)];
        let mut conn =
            Connection::accept_cookie(config, local, remote, cookie, seg, peer_mss, opts, now);
        conn.on_segment(now, seg, payload);
        if matches!(conn.state(), State::SynReceived | State::Closed) {
            // Not completed by its own ACK (cannot happen for a valid
            // cookie): keep nothing.
            return true;
        }
        let entry = Entry::Tcp(Box::new(TcpSock {
            conn,
            released: false,
            parent: Some(li),
        }));
        let Some((ci, _)) = self.sockets.insert(entry, self.config.max_sockets) else {
            self.stats.tcp_no_room += 1;
            return true;
        };
        self.sockets.conns.insert((local, remote), ci);
        if let Some(l) = self.sockets.listener_mut(li) {
            l.ready.push_back(ci);
            l.stats.syncookies_accepted += 1;
        }
        self.stats.tcp_syncookies_accepted += 1;
        self.tx_pending = true;
        true
    }

    /// RFC 9293 §3.10.7.1: if ACK, <SEQ=SEG.ACK><CTL=RST>; else
    /// <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
    fn send_rst_for(
        &mut self,
        now: u64,
        device: &mut dyn Device,
        local: SocketAddr,
        remote: SocketAddr,
        seg: &TcpRepr,
    ) {
        let (seq, ack, flags) = if seg.flags.contains(TcpFlags::ACK) {
            (seg.ack_number, TcpSeqNumber(0), TcpFlags::RST)
        } else {
            // SEG.LEN: the payload plus one for SYN and one for FIN.
            let len = seg.payload_len
                + usize::from(seg.flags.contains(TcpFlags::SYN))
                + usize::from(seg.flags.contains(TcpFlags::FIN));
            (
                TcpSeqNumber(0),
                seg.seq_number + len,
                TcpFlags(TcpFlags::RST.0 | TcpFlags::ACK.0),
            )
        };
        let repr = TcpRepr::bare(local.port(), remote.port(), seq, ack, flags);
        let out = Outgoing {
            repr,
            payload: Vec::new(),
            mss: 536,
        };
        self.tcp_output(now, device, local, remote, &out);
    }

    /// Largest payload a connection may put in one `poll_transmit` for
    /// `remote`'s family: a super-segment up to the IP limit (or the
    /// device's TSO limit).
    fn max_payload(&self, device: &dyn Device, v6: bool) -> usize {
        let caps = device.capabilities();
        let ip_hdr = if v6 { 40 } else { 20 };
        let mut m = MAX_IP - ip_hdr - wtcp::field::MAX_HEADER_LEN;
        let tso = if v6 { caps.tso_v6 } else { caps.tso_v4 };
        if tso && caps.max_tso_bytes > ip_hdr + wtcp::field::MAX_HEADER_LEN {
            m = m.min(caps.max_tso_bytes - ip_hdr - wtcp::field::MAX_HEADER_LEN);
        }
        m
    }

    /// Runs every connection's transmit side: sends every segment it has,
    /// moves children of listeners that reached ESTABLISHED to the accept
    /// queue, and frees released connections that are CLOSED.
    pub(super) fn tcp_flush(&mut self, now: u64, device: &mut dyn Device) {
        self.tx_pending = false;
        for i in self.sockets.tcp_indices() {
            let Some(t) = self.sockets.tcp(i) else {
                continue;
            };
            let (local, remote) = (t.conn.local(), t.conn.remote());
            let max = self.max_payload(&*device, remote.is_ipv6());
            let mss = link_mss(&*device, remote.is_ipv6());
            // The connection leaves its slot while its segments are built,
            // so that their payload is read straight from its send buffer
            // (nothing on the output path looks at the socket table).
            let Some(mut sock) = self.sockets.take_tcp(i) else {
                continue;
            };
            // A connect()ed connection meets the device here, before its
            // SYN is built; every connection meets the path MTU estimate
            // (lowered by another connection's report, or aged out).
            sock.conn.limit_mss(mss);
            let path = self
                .pmtu
                .get(remote.ip(), now)
                .map(|e| super::icmp_error::mss_for_mtu(e.mtu, remote.is_ipv6()));
            sock.conn.set_path_mss(path);
            while let Some((out, at)) = sock.conn.poll_transmit_in_place(now, max) {
                let data = match at {
                    Some(off) => sock.conn.send_data(off, out.repr.payload_len),
                    None => (&out.payload[..], &[][..]),
                };
                self.tcp_output_data(now, device, local, remote, &out, data);
            }
            self.sockets.put_tcp(i, sock);
            self.tcp_maintain(i);
        }
    }

    /// After activity on connection `i`: hand it to its listener's accept
    /// queue once established, free it once CLOSED and released.
    pub(super) fn tcp_maintain(&mut self, i: u32) {
        let Some(t) = self.sockets.tcp(i) else {
            return;
        };
        let state = t.conn.state();
        let parent = t.parent;
        let released = t.released;
        if let Some(li) = parent {
            let established = !matches!(state, State::SynReceived | State::Closed);
            let src = t.conn.remote().ip();
            let timed_out = t.conn.close_reason() == Some(crate::tcp::CloseReason::TimedOut);
            if state == State::Closed {
                if let Some(l) = self.sockets.listener_mut(li) {
                    if l.remove_half_open(i, src) && timed_out {
                        l.stats.half_open_expired += 1;
                        self.stats.tcp_half_open_expired += 1;
                    }
                    l.ready.retain(|&c| c != i);
                }
                self.sockets.remove(i);
                return;
            }
            if established {
                if let Some(l) = self.sockets.listener_mut(li) {
                    if l.remove_half_open(i, src) {
                        l.ready.push_back(i);
                    }
                }
            }
            return;
        }
        if released && state == State::Closed {
            self.sockets.remove(i);
        }
    }

    /// Builds and sends one segment (or super-segment) of `local`->`remote`.
    pub(super) fn tcp_output(
        &mut self,
        now: u64,
        device: &mut dyn Device,
        local: SocketAddr,
        remote: SocketAddr,
        out: &Outgoing,
    ) {
        self.tcp_output_data(now, device, local, remote, out, (&out.payload, &[]));
    }

    /// [`tcp_output`](Self::tcp_output) with the payload given apart from
    /// `out` (whose `payload` is then ignored): the concatenation of two
    /// slices, as the send buffer's ring holds it.
    pub(super) fn tcp_output_data(
        &mut self,
        now: u64,
        device: &mut dyn Device,
        local: SocketAddr,
        remote: SocketAddr,
        out: &Outgoing,
        data: (&[u8], &[u8]),
    ) {
        let data_len = data.0.len() + data.1.len();
        let Some(pair) = ip_pair(local.ip(), remote.ip()) else {
            return;
        };
        let link = match pair {
            IpPair::V4 { dst, .. } => self.route_v4(dst).map(|(_, l)| l),
            IpPair::V6 { dst, .. } => self.route_v6(dst).map(|(_, l)| l),
        };
        let Ok(link) = link else {
            self.stats.tcp_no_route += 1;
            return;
        };
        let repr = TcpRepr {
            payload_len: data_len,
            ..out.repr
        };
        let tcp_len = repr.buffer_len();
        let (l4, v6) = match pair {
            IpPair::V4 { .. } => (ETH + ipv4::field::MIN_HEADER_LEN, false),
            IpPair::V6 { .. } => (ETH + ipv6::field::HEADER_LEN, true),
        };
        if tcp_len + (l4 - ETH) > MAX_IP + if v6 { 40 } else { 0 } {
            self.stats.tx_errors += 1;
            return;
        }
        let hdr_len = l4 + repr.header_len();
        let caps = device.capabilities();
        let room = caps.max_frame.saturating_sub(hdr_len).max(1);
        // An MSS of 0 would be a bug upstream; fall back to the RFC 9293
        // default rather than split into single bytes.
        let mss = match out.mss {
            0 => 536,
            m => usize::from(m),
        }
        .clamp(1, room);
        let single = data_len <= mss;
        let tso = if v6 { caps.tso_v6 } else { caps.tso_v4 };
        // Software GSO straight from the payload: when the device has no
        // TSO for the family and the next hop's address is known now, the
        // segments are cut from the headers and `out.payload` directly,
        // without building the super-frame first. Everything else (one
        // frame, TSO, a next hop to resolve) builds the whole frame.
        let direct_mac = if single || tso {
            None
        } else {
            self.link_mac_now(now, link)
        };
        let ethertype = if v6 { EtherType::IPV6 } else { EtherType::IPV4 };
        let capacity = if direct_mac.is_some() {
            hdr_len
        } else {
            hdr_len + data_len
        };
        let mut frame = self.new_header(hdr_len, capacity, ethertype);
        let ident = self.ipv4_ident.wrapping_add(1);
        // DF always (RFC 1191), except on a path whose MTU was reported
        // below our floor: a narrower hop may fragment then (see `pmtu`).
        let df = self.pmtu.get(remote.ip(), now).is_none_or(|e| !e.locked);
        match pair {
            IpPair::V4 { src, dst } => {
                Ipv4Repr::unfragmented(src, dst, ip_protocol::TCP, tcp_len, ident, df)
                    .emit(&mut Ipv4Packet::new_unchecked(&mut frame[ETH..]), true)
            }
            IpPair::V6 { src, dst } => Ipv6Repr {
                src_addr: src,
                dst_addr: dst,
                next_header: ip_protocol::TCP,
                payload_len: tcp_len,
                hop_limit: 64,
                traffic_class: 0,
                flow_label: 0,
            }
            .emit(&mut Ipv6Packet::new_unchecked(&mut frame[ETH..])),
        }
        // Header without checksum; filled below per path.
        repr.emit(
            &mut TcpPacket::new_unchecked(&mut frame[l4..hdr_len]),
            &pair,
            false,
        );
        self.stats.tcp_segs_out += 1;
        if single {
            // One frame: checksum offload or software.
            frame.extend_from_slice(data.0);
            frame.extend_from_slice(data.1);
            self.ipv4_ident = ident;
            let pseudo = pair.pseudo_header_sum(ip_protocol::TCP, tcp_len);
            let meta = self.tcp_checksum(caps.tx_checksum, &mut frame, l4, pseudo);
            let _ = self.dispatch(now, device, link, frame, meta);
            return;
        }
        let segments = data_len.div_ceil(mss);
        self.ipv4_ident = ident.wrapping_add(segments as u16 - 1);
        // A GSO super-frame: the checksum field holds the pseudo-header sum
        // without the length (Linux's convention for GSO frames).
        let pseudo0 = pair.pseudo_header_sum(ip_protocol::TCP, 0);
        TcpPacket::new_unchecked(&mut frame[l4..]).set_checksum(pseudo0);
        if let Some(mac) = direct_mac {
            EthernetFrame::new_unchecked(&mut frame[..]).set_destination(mac);
            let o = TcpOffsets {
                l3: ETH,
                l4,
                payload: hdr_len,
                ipv6: v6,
            };
            let mode = if caps.tx_checksum {
                gso::SegChecksum::Offload
            } else {
                gso::SegChecksum::Software
            };
            let n = gso::segment_parts(&frame, &o, data, mss, mode, |s, m| {
                let _ = self.transmit_segment(device, s, m);
            });
            self.stats.gso_super_frames += 1;
            self.stats.gso_segments += n as u64;
            return;
        }
        frame.extend_from_slice(data.0);
        frame.extend_from_slice(data.1);
        let meta = TxMeta {
            flags: F_NEEDS_CSUM,
            gso_type: if v6 { GSO_TCPV6 } else { GSO_TCPV4 },
            hdr_len: hdr_len as u16,
            gso_size: mss as u16,
            csum_start: l4 as u16,
            csum_offset: wtcp::field::CHECKSUM as u16,
        };
        // To the device's TSO, or split in software, when it is sent
        // (after neighbour resolution if it is held): see `transmit`.
        let _ = self.dispatch(now, device, link, frame, meta);
    }

    /// Fills the TCP checksum of a single frame (software), or writes the
    /// pseudo-header sum and asks the device (NEEDS_CSUM): see
    /// [`finish_checksum`](super::egress::finish_checksum).
    fn tcp_checksum(&mut self, offload: bool, frame: &mut [u8], l4: usize, pseudo: u16) -> TxMeta {
        if offload {
            self.stats.tx_csum_offloaded += 1;
        } else {
            self.stats.tx_csum_software += 1;
        }
        super::egress::finish_checksum(offload, frame, l4, wtcp::field::CHECKSUM, pseudo)
    }
}
