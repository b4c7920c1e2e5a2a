//! ICMP and ICMPv6 errors to the transport (RFC 1122 §3.2.2, §4.2.3.9,
//! RFC 4443 §3, RFC 5927) and path MTU discovery (RFC 1191, RFC 8201).
//!
//! An error to one of our unicast addresses, checksum verified, quotes the
//! packet it answers ([`crate::wire::quote`]): its source must be one of
//! our addresses, else it is not about us (`icmp_errors_not_ours`). Then,
//! by the quoted protocol:
//!
//! - **TCP**: the connection of the quoted 4-tuple, if any
//!   (`icmp_errors_no_socket`), and only if the quoted sequence number lies
//!   in [SND.UNA, SND.MAX) (`icmp_errors_out_of_window`; see
//!   [`crate::tcp::conn`]'s `icmp` module for soft and hard errors). A
//!   validated Fragmentation Needed / Packet Too Big lowers the path MTU of
//!   the quoted destination, then the connection's send MSS (its data in
//!   flight sent again at the new size); other connections to the same
//!   destination take the new MSS before their next segment.
//! - **UDP**: the socket bound to the quoted source port. There is no
//!   sequence number to check, so a Packet Too Big is taken on the 4-tuple
//!   alone (RFC 5927 §4.2 notes what that leaves open; the cache's floor
//!   bounds the harm). An error is reported only to a socket connected to
//!   the quoted destination ([`Interface::udp_connect`]): its next call
//!   fails with [`SocketError::Unreachable`](crate::socket::SocketError),
//!   once, as Linux reports `ECONNREFUSED` to a connected UDP socket
//!   without `IP_RECVERR`; an unconnected socket's errors are only counted
//!   (`udp_icmp_errors_unreported`), as Linux drops them.
//! - Anything else (an echo of ours, say): counted as for no socket.
//!
//! A Fragmentation Needed must quote a packet sent with DF whose length
//! exceeds the MTU it reports (a zero MTU, from a router older than RFC
//! 1191, is estimated by its plateau table), else it is nonsense
//! (`icmp_pmtu_invalid`). Estimates never drop below 552 bytes (IPv4) or
//! 1280 (IPv6): see [`super::pmtu`].

use super::egress::ETH;
use super::pmtu::{plateau_below, Reported};
use super::table::Entry;
use super::Interface;
use crate::phy::Device;
use crate::socket::IcmpError;
use crate::tcp::{IcmpEffect, IcmpKind};
use crate::wire::quote::{self, Quoted};
use crate::wire::{ip_protocol, ipv4, ipv6, tcp as wtcp, IpPair};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// What a received ICMP error reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ErrorMsg {
    /// Fragmentation Needed (DF set) / Packet Too Big: the next hop's MTU
    /// (0: not given, an IPv4 router older than RFC 1191).
    TooBig {
        mtu: u32,
    },
    Error(IcmpError),
}

fn addrs(pair: &IpPair) -> (IpAddr, IpAddr) {
    match *pair {
        IpPair::V4 { src, dst } => (
            IpAddr::V4(Ipv4Addr::from(src.0)),
            IpAddr::V4(Ipv4Addr::from(dst.0)),
        ),
        IpPair::V6 { src, dst } => (
            IpAddr::V6(Ipv6Addr::from(src.0)),
            IpAddr::V6(Ipv6Addr::from(dst.0)),
        ),
    }
}

/// The TCP MSS a path MTU allows: less the fixed IP header and 20 bytes of
/// TCP header (options are the connection's to count, RFC 6691).
pub(super) fn mss_for_mtu(mtu: u16, v6: bool) -> u16 {
    let ip = if v6 {
        ipv6::field::HEADER_LEN
    } else {
        ipv4::field::MIN_HEADER_LEN
    };
    mtu.saturating_sub((ip + wtcp::field::MIN_HEADER_LEN) as u16)
}

impl Interface {
    /// The link's MTU: the largest frame less the Ethernet header.
    pub(super) fn link_mtu(device: &dyn Device) -> usize {
        device.capabilities().max_frame.saturating_sub(ETH)
    }

    /// The largest frame a packet to `dst` may be: the device's, or less if
    /// the path MTU to `dst` is known to be smaller.
    pub(super) fn frame_limit(&self, device: &dyn Device, dst: IpAddr) -> usize {
        let max = device.capabilities().max_frame;
        match self.pmtu.get(dst, self.last_now) {
            Some(e) => max.min(ETH + usize::from(e.mtu)),
            None => max,
        }
    }

    /// The path MTU estimate for `dst` (valid at the last poll), if one
    /// below the link's MTU is known (RFC 1191 / RFC 8201).
    pub fn path_mtu(&self, dst: IpAddr) -> Option<u16> {
        self.pmtu.get(dst, self.last_now).map(|e| e.mtu)
    }

    /// An ICMP (`v6` false) or ICMPv6 error to one of our unicast
    /// addresses, its checksum verified; `quote` is the quoted packet.
    pub(super) fn icmp_error_input(
        &mut self,
        now: u64,
        device: &mut dyn Device,
        v6: bool,
        msg: ErrorMsg,
        quote: &[u8],
    ) {
        self.stats.icmp_errors_in += 1;
        let parsed = if v6 {
            quote::parse_v6(quote)
        } else {
            quote::parse_v4(quote)
        };
        let Ok(q) = parsed else {
            self.stats.icmp_errors_malformed += 1;
            return;
        };
        let ours = match q.pair {
            IpPair::V4 { src, .. } => self.ipv4.is_some_and(|(a, _)| a == src),
            IpPair::V6 { src, .. } => self.is_our_v6_unicast(&src),
        };
        if !ours {
            self.stats.icmp_errors_not_ours += 1;
            return;
        }
        let msg = match msg {
            ErrorMsg::TooBig { mtu } => {
                if !self.config.pmtu.enabled {
                    self.stats.pmtu_not_lower += 1;
                    return;
                }
                let mtu = if mtu == 0 { plateau_below(q.len) } else { mtu };
                if !q.dont_frag || mtu as usize >= q.len {
                    self.stats.icmp_pmtu_invalid += 1;
                    return;
                }
                ErrorMsg::TooBig { mtu }
            }
            e => e,
        };
        match q.protocol {
            ip_protocol::TCP => self.tcp_icmp_error(now, device, &q, msg),
            ip_protocol::UDP => self.udp_icmp_error(now, device, &q, msg),
            _ => self.stats.icmp_errors_no_socket += 1,
        }
    }

    /// Lowers the path MTU to `dst` after a validated report; the estimate
    /// now in force.
    fn report_path_mtu(&mut self, device: &dyn Device, dst: IpAddr, mtu: u32, now: u64) -> u16 {
        let link = Self::link_mtu(device);
        match self.pmtu.report(dst, mtu, link, now) {
            Reported::Lowered(_) => self.stats.pmtu_lowered += 1,
            Reported::Unchanged => self.stats.pmtu_not_lower += 1,
        }
        self.pmtu
            .get(dst, now)
            .map(|e| e.mtu)
            .unwrap_or(link.min(usize::from(u16::MAX)) as u16)
    }

    fn tcp_icmp_error(&mut self, now: u64, device: &mut dyn Device, q: &Quoted, msg: ErrorMsg) {
        let (src, dst) = addrs(&q.pair);
        let (sport, dport) = q.ports();
        let (local, remote) = (SocketAddr::new(src, sport), SocketAddr::new(dst, dport));
        let Some(i) = self.sockets.lookup_conn(local, remote) else {
            self.stats.icmp_errors_no_socket += 1;
            return;
        };
        let seq = q.tcp_seq();
        let acceptable = self
            .sockets
            .tcp(i)
            .is_some_and(|t| t.conn.icmp_seq_acceptable(seq));
        let kind = match msg {
            ErrorMsg::TooBig { mtu } if acceptable => {
                let path = self.report_path_mtu(&*device, dst, mtu, now);
                IcmpKind::PacketTooBig {
                    mss: mss_for_mtu(path, dst.is_ipv6()),
                }
            }
            // Counted by the connection as out of window below.
            ErrorMsg::TooBig { .. } => IcmpKind::PacketTooBig { mss: u16::MAX },
            ErrorMsg::Error(e) => IcmpKind::Error(e),
        };
        let Some(t) = self.sockets.tcp_mut(i) else {
            self.stats.icmp_errors_no_socket += 1;
            return;
        };
        match t.conn.on_icmp(now, seq, kind) {
            IcmpEffect::OutOfWindow => self.stats.icmp_errors_out_of_window += 1,
            IcmpEffect::Soft => self.stats.tcp_icmp_soft_errors += 1,
            IcmpEffect::Aborted => {
                self.stats.tcp_icmp_aborts += 1;
                self.tcp_maintain(i);
            }
            IcmpEffect::MssLowered => self.stats.tcp_pmtu_mss_lowered += 1,
            IcmpEffect::MssUnchanged => {}
        }
        self.tx_pending = true;
    }

    fn udp_icmp_error(&mut self, now: u64, device: &mut dyn Device, q: &Quoted, msg: ErrorMsg) {
        let (_, dst) = addrs(&q.pair);
        let (sport, dport) = q.ports();
        let remote = SocketAddr::new(dst, dport);
        let Some(&i) = self.sockets.udp.get(&sport) else {
            self.stats.icmp_errors_no_socket += 1;
            return;
        };
        let error = match msg {
            ErrorMsg::TooBig { mtu } => {
                self.report_path_mtu(&*device, dst, mtu, now);
                return;
            }
            ErrorMsg::Error(e) => e,
        };
        let Some(Entry::Udp(u)) = self
            .sockets
            .slots
            .get_mut(i as usize)
            .and_then(|s| s.entry.as_mut())
        else {
            self.stats.icmp_errors_no_socket += 1;
            return;
        };
        if u.peer == Some(remote) {
            u.error = Some((remote, error));
            self.stats.udp_icmp_errors_reported += 1;
        } else {
            self.stats.udp_icmp_errors_unreported += 1;
        }
    }
}
