//! TCP in the interface: demultiplexing received segments to connections
//! and listeners, answering segments for no socket with RST (RFC 9293
//! §3.10.7.1), initial sequence numbers (RFC 6528), and sending what the
//! connections produce as single frames, TSO super-frames or software-GSO
//! segments with offloaded or software checksums.

use super::egress::ETH;
use super::gso;
use super::table::{Entry, TcpSock};
use super::Interface;
use crate::phy::{Device, TxMeta, F_NEEDS_CSUM, GSO_TCPV4, GSO_TCPV6};
use crate::tcp::{Connection, Outgoing, State};
use crate::wire::{
    ip_protocol, ipv4, ipv6, tcp as wtcp, EtherType, EthernetFrame, IpPair, Ipv4Address,
    Ipv4Packet, Ipv4Repr, Ipv6Address, Ipv6Packet, Ipv6Repr, TcpFlags, TcpOffsets, TcpPacket,
    TcpRepr, TcpSeqNumber,
};
use std::net::{IpAddr, SocketAddr};

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

/// SipHash-2-4 of `data` under key (`k0`, `k1`): the keyed hash RFC 6528
/// asks for (a PRF of the 4-tuple and a secret).
pub(super) fn siphash24(k0: u64, k1: u64, data: &[u8]) -> u64 {
    let mut v0 = k0 ^ 0x736f_6d65_7073_6575;
    let mut v1 = k1 ^ 0x646f_7261_6e64_6f6d;
    let mut v2 = k0 ^ 0x6c79_6765_6e65_7261;
    let mut v3 = k1 ^ 0x7465_6462_7974_6573;
    let round = |v0: &mut u64, v1: &mut u64, v2: &mut u64, v3: &mut u64| {
        *v0 = v0.wrapping_add(*v1);
        *v1 = v1.rotate_left(13) ^ *v0;
        *v0 = v0.rotate_left(32);
        *v2 = v2.wrapping_add(*v3);
        *v3 = v3.rotate_left(16) ^ *v2;
        *v0 = v0.wrapping_add(*v3);
        *v3 = v3.rotate_left(21) ^ *v0;
        *v2 = v2.wrapping_add(*v1);
        *v1 = v1.rotate_left(17) ^ *v2;
        *v2 = v2.rotate_left(32);
    };
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let m = u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
        v3 ^= m;
        round(&mut v0, &mut v1, &mut v2, &mut v3);
        round(&mut v0, &mut v1, &mut v2, &mut v3);
        v0 ^= m;
    }
    let rest = chunks.remainder();
    let mut last = [0u8; 8];
    last[..rest.len()].copy_from_slice(rest);
    last[7] = data.len() as u8;
    let m = u64::from_le_bytes(last);
    v3 ^= m;
    round(&mut v0, &mut v1, &mut v2, &mut v3);
    round(&mut v0, &mut v1, &mut v2, &mut v3);
    v0 ^= m;
    v2 ^= 0xff;
    for _ in 0..4 {
        round(&mut v0, &mut v1, &mut v2, &mut v3);
    }
    v0 ^ v1 ^ v2 ^ v3
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
        let f = siphash24(s as u64, (s >> 64) as u64, &b) as u32;
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
            match self.sockets.tcp_mut(i) {
                // A CLOSED connection the application still holds no
                // longer owns its 4-tuple: the segment is for no socket.
                Some(t) if t.conn.state() == State::Closed => {
                    self.sockets.conns.remove(&(local, remote));
                }
                Some(t) => {
                    t.conn.on_segment(now, seg, payload);
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
                // RFC 9293 §3.10.7.2: an ACK in LISTEN is answered with RST.
                self.send_rst_for(now, device, local, remote, seg);
                return;
            }
            if !f.contains(TcpFlags::SYN) {
                self.stats.tcp_listen_dropped += 1;
                return;
            }
            let Some(l) = self.sockets.listener_mut(li) else {
                return;
            };
            if l.ready.len() + l.embryonic.len() >= l.backlog {
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
                self.stats.tcp_no_room += 1;
                return;
            };
            self.sockets.conns.insert((local, remote), ci);
            if let Some(l) = self.sockets.listener_mut(li) {
                l.embryonic.push(ci);
            }
            self.tx_pending = true;
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
            // SYN is built.
            sock.conn.limit_mss(mss);
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
            if state == State::Closed {
                if let Some(l) = self.sockets.listener_mut(li) {
                    l.embryonic.retain(|&c| c != i);
                    l.ready.retain(|&c| c != i);
                }
                self.sockets.remove(i);
                return;
            }
            if established {
                if let Some(l) = self.sockets.listener_mut(li) {
                    if let Some(pos) = l.embryonic.iter().position(|&c| c == i) {
                        l.embryonic.remove(pos);
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
        match pair {
            IpPair::V4 { src, dst } => {
                Ipv4Repr::unfragmented(src, dst, ip_protocol::TCP, tcp_len, ident, true)
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
