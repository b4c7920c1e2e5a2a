//! UDP in the interface (RFC 768, RFC 8200 §8.1): datagrams to bound
//! sockets' bounded queues, and sending with offloaded or software
//! checksums (mandatory over IPv6; a computed 0 is sent as 0xffff). A
//! datagram larger than the path MTU (the device's, or a smaller one path
//! MTU discovery learned) leaves in IP fragments (DF clear), its checksum
//! computed here; one larger than an IP datagram can be is refused with
//! `DatagramTooBig`. A connected socket takes datagrams from its peer only
//! and is told of ICMP errors about what it sent there (`icmp_error`).

use super::egress::ETH;
use super::Interface;
use crate::checksum;
use crate::phy::Device;
use crate::socket::SocketError;
use crate::wire::{
    icmpv4, icmpv6, ip_protocol, ipv4, ipv6, udp as wudp, EtherType, Icmpv4Packet, Icmpv6Packet,
    IpPair, Ipv4Address, Ipv4Packet, Ipv4Repr, Ipv6Address, Ipv6Packet, Ipv6Repr, UdpPacket,
    UdpRepr,
};
use std::net::{IpAddr, SocketAddr};

/// Bytes of the offending datagram an ICMP error quotes at most: the
/// error stays within 576 bytes (IPv4, RFC 1812 4.3.2.3) or 1280 (IPv6,
/// RFC 4443 2.4(c)).
const QUOTE_V4: usize = 576 - 20 - 8;
const QUOTE_V6: usize = 1280 - 40 - 8;

impl Interface {
    /// Answers a datagram to an unbound port with ICMP port unreachable
    /// (type 3 code 3, RFC 1122 3.2.2.1 / ICMPv6 type 1 code 4, RFC 4443
    /// 3.1), quoting the datagram from its IP header, at most
    /// `icmp_error_rate` per second. The caller checked the datagram was
    /// to one of our unicast addresses.
    pub(super) fn port_unreachable(
        &mut self,
        now: u64,
        device: &mut dyn Device,
        ip_packet: &[u8],
        pair: IpPair,
    ) {
        const SEC: u64 = 1_000_000_000;
        if self.config.icmp_error_rate == 0 {
            return;
        }
        if now.saturating_sub(self.icmp_window.0) >= SEC {
            self.icmp_window = (now, 0);
        }
        if self.icmp_window.1 >= self.config.icmp_error_rate {
            self.stats.icmp_errors_rate_limited += 1;
            return;
        }
        self.icmp_window.1 += 1;
        let offload = device.capabilities().tx_checksum;
        let (frame, meta, link) = match pair {
            // Our address is the datagram's destination; answer its source.
            IpPair::V4 { src: peer, dst: us } => {
                if peer.is_multicast() || peer == Ipv4Address::BROADCAST {
                    return;
                }
                let Ok((_, link)) = self.route_v4(peer) else {
                    return;
                };
                let quote = &ip_packet[..ip_packet.len().min(QUOTE_V4)];
                let l4 = ETH + ipv4::field::MIN_HEADER_LEN;
                let icmp_len = 8 + quote.len();
                let mut frame = self.new_frame(l4 + icmp_len, EtherType::IPV4);
                self.ipv4_ident = self.ipv4_ident.wrapping_add(1);
                Ipv4Repr::unfragmented(
                    us,
                    peer,
                    ip_protocol::ICMP,
                    icmp_len,
                    self.ipv4_ident,
                    false,
                )
                .emit(&mut Ipv4Packet::new_unchecked(&mut frame[ETH..]), true);
                let mut icmp = Icmpv4Packet::new_unchecked(&mut frame[l4..]);
                icmp.set_msg_type(icmpv4::msg_type::DEST_UNREACHABLE);
                icmp.set_code(icmpv4::msg_type::CODE_PORT_UNREACHABLE);
                frame[l4 + icmpv4::field::HEADER_LEN..].copy_from_slice(quote);
                let meta = super::egress::finish_checksum(offload, &mut frame, l4, 2, 0);
                (frame, meta, link)
            }
            IpPair::V6 { src: peer, dst: us } => {
                if peer.is_multicast() || peer == Ipv6Address::UNSPECIFIED {
                    return;
                }
                let Ok((_, link)) = self.route_v6(peer) else {
                    return;
                };
                let quote = &ip_packet[..ip_packet.len().min(QUOTE_V6)];
                let l4 = ETH + ipv6::field::HEADER_LEN;
                let icmp_len = 8 + quote.len();
                let mut frame = self.new_frame(l4 + icmp_len, EtherType::IPV6);
                Ipv6Repr {
                    src_addr: us,
                    dst_addr: peer,
                    next_header: ip_protocol::ICMPV6,
                    payload_len: icmp_len,
                    hop_limit: 64,
                    traffic_class: 0,
                    flow_label: 0,
                }
                .emit(&mut Ipv6Packet::new_unchecked(&mut frame[ETH..]));
                let mut icmp = Icmpv6Packet::new_unchecked(&mut frame[l4..]);
                icmp.set_msg_type(icmpv6::msg_type::DEST_UNREACHABLE);
                icmp.set_code(icmpv6::msg_type::CODE_PORT_UNREACHABLE);
                // The quote follows the 4 unused bytes (RFC 4443 section 3.1).
                frame[l4 + 8..].copy_from_slice(quote);
                let pseudo =
                    checksum::pseudo_header_v6(us.0, peer.0, ip_protocol::ICMPV6, icmp_len as u32);
                let meta = super::egress::finish_checksum(offload, &mut frame, l4, 2, pseudo);
                (frame, meta, link)
            }
        };
        self.stats.icmp_port_unreachable_sent += 1;
        let _ = self.dispatch(now, device, link, frame, meta);
    }

    /// A verified datagram for us: queued on the socket bound to its port
    /// (if connected, only from its peer).
    pub(super) fn udp_input(&mut self, local: SocketAddr, remote: SocketAddr, payload: &[u8]) {
        let Some(&i) = self.sockets.udp.get(&local.port()) else {
            self.stats.udp_no_socket += 1;
            return;
        };
        let max = self.config.udp_queue_len;
        let Some(super::table::Entry::Udp(u)) = self
            .sockets
            .slots
            .get_mut(i as usize)
            .and_then(|s| s.entry.as_mut())
        else {
            self.stats.udp_no_socket += 1;
            return;
        };
        if u.peer.is_some_and(|p| p != remote) {
            self.stats.udp_wrong_peer += 1;
            return;
        }
        if u.queue.len() >= max {
            self.stats.udp_queue_overflow += 1;
            return;
        }
        u.queue.push_back((remote, payload.to_vec()));
        self.stats.udp_datagrams_in += 1;
    }

    /// Builds and sends one datagram from `src_port` to `dst`.
    pub(super) fn udp_output(
        &mut self,
        now: u64,
        device: &mut dyn Device,
        src_port: u16,
        dst: SocketAddr,
        data: &[u8],
    ) -> Result<(), SocketError> {
        if dst.port() == 0 || dst.ip().is_unspecified() {
            return Err(SocketError::InvalidAddress(dst));
        }
        let routed = match dst.ip() {
            IpAddr::V4(d) => self.route_v4(Ipv4Address(d.octets())).map(|(s, l)| {
                (
                    IpPair::V4 {
                        src: s,
                        dst: Ipv4Address(d.octets()),
                    },
                    l,
                )
            }),
            IpAddr::V6(d) => self.route_v6(Ipv6Address(d.octets())).map(|(s, l)| {
                (
                    IpPair::V6 {
                        src: s,
                        dst: Ipv6Address(d.octets()),
                    },
                    l,
                )
            }),
        };
        let (pair, link) = routed.map_err(|e| match e {
            super::SendError::NoSourceAddress(a) => SocketError::NoSourceAddress(a),
            _ => SocketError::InvalidAddress(dst),
        })?;
        let (l4, ethertype) = match pair {
            IpPair::V4 { .. } => (ETH + ipv4::field::MIN_HEADER_LEN, EtherType::IPV4),
            IpPair::V6 { .. } => (ETH + ipv6::field::HEADER_LEN, EtherType::IPV6),
        };
        let repr = UdpRepr {
            src_port,
            dst_port: dst.port(),
            payload_len: data.len(),
        };
        let udp_len = repr.buffer_len();
        // IPv4's total length counts its header, IPv6's payload length not.
        let ip_header = match pair {
            IpPair::V4 { .. } => ipv4::field::MIN_HEADER_LEN,
            IpPair::V6 { .. } => 0,
        };
        if udp_len + ip_header > super::egress::MAX_DATAGRAM {
            return Err(SocketError::DatagramTooBig(data.len()));
        }
        let caps = device.capabilities();
        let fragment = l4 + udp_len > self.frame_limit(&*device, dst.ip());
        let mut frame = self.new_frame(l4 + udp_len, ethertype);
        match pair {
            IpPair::V4 { src, dst } => {
                self.ipv4_ident = self.ipv4_ident.wrapping_add(1);
                Ipv4Repr::unfragmented(src, dst, ip_protocol::UDP, udp_len, self.ipv4_ident, false)
                    .emit(&mut Ipv4Packet::new_unchecked(&mut frame[ETH..]), true)
            }
            IpPair::V6 { src, dst } => Ipv6Repr {
                src_addr: src,
                dst_addr: dst,
                next_header: ip_protocol::UDP,
                payload_len: udp_len,
                hop_limit: 64,
                traffic_class: 0,
                flow_label: 0,
            }
            .emit(&mut Ipv6Packet::new_unchecked(&mut frame[ETH..])),
        }
        frame[l4 + wudp::field::HEADER_LEN..].copy_from_slice(data);
        repr.emit(
            &mut UdpPacket::new_unchecked(&mut frame[l4..]),
            &pair,
            false,
        );
        let pseudo = pair.pseudo_header_sum(ip_protocol::UDP, udp_len);
        let offload = caps.tx_checksum && !fragment;
        if offload {
            self.stats.tx_csum_offloaded += 1;
        } else {
            self.stats.tx_csum_software += 1;
        }
        let meta =
            super::egress::finish_checksum(offload, &mut frame, l4, wudp::field::CHECKSUM, pseudo);
        self.stats.udp_datagrams_out += 1;
        // A datagram lost to a full held queue or a device error is
        // counted there; UDP does not promise delivery.
        if fragment {
            let _ = self.dispatch_fragmentable(now, device, link, frame);
        } else {
            let _ = self.dispatch(now, device, link, frame, meta);
        }
        Ok(())
    }
}
