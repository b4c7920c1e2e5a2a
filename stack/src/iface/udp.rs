//! UDP in the interface (RFC 768, RFC 8200 §8.1): datagrams to bound
//! sockets' bounded queues, and sending with offloaded or software
//! checksums (mandatory over IPv6; a computed 0 is sent as 0xffff).

use super::egress::ETH;
use super::Interface;
use crate::checksum;
use crate::phy::{Device, TxMeta, F_NEEDS_CSUM};
use crate::socket::SocketError;
use crate::wire::{
    ip_protocol, ipv4, ipv6, udp as wudp, EtherType, IpPair, Ipv4Address, Ipv4Packet, Ipv4Repr,
    Ipv6Address, Ipv6Packet, Ipv6Repr, UdpPacket, UdpRepr,
};
use std::net::{IpAddr, SocketAddr};

impl Interface {
    /// A verified datagram for us: queued on the socket bound to its port.
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
        let max_frame = device.capabilities().max_frame;
        if udp_len > usize::from(u16::MAX) || l4 + udp_len > max_frame {
            return Err(SocketError::DatagramTooBig(data.len()));
        }
        let mut frame = self.new_frame(l4 + udp_len, ethertype);
        match pair {
            IpPair::V4 { src, dst } => {
                self.ipv4_ident = self.ipv4_ident.wrapping_add(1);
                Ipv4Repr {
                    src_addr: src,
                    dst_addr: dst,
                    protocol: ip_protocol::UDP,
                    payload_len: udp_len,
                    ttl: 64,
                    dscp: 0,
                    ecn: 0,
                    ident: self.ipv4_ident,
                    dont_frag: false,
                    more_frags: false,
                    frag_offset: 0,
                    options: Vec::new(),
                }
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
        let at = l4 + wudp::field::CHECKSUM;
        let meta = if device.capabilities().tx_checksum {
            self.stats.tx_csum_offloaded += 1;
            frame[at..at + 2].copy_from_slice(&pseudo.to_be_bytes());
            TxMeta {
                flags: F_NEEDS_CSUM,
                csum_start: l4 as u16,
                csum_offset: wudp::field::CHECKSUM as u16,
                ..TxMeta::default()
            }
        } else {
            self.stats.tx_csum_software += 1;
            let sum = !checksum::combine(&[pseudo, checksum::data(&frame[l4..])]);
            let sum = if sum == 0 { 0xffff } else { sum };
            frame[at..at + 2].copy_from_slice(&sum.to_be_bytes());
            TxMeta::default()
        };
        self.stats.udp_datagrams_out += 1;
        // A datagram lost to a full held queue or a device error is
        // counted there; UDP does not promise delivery.
        let _ = self.dispatch(now, device, link, frame, meta);
        Ok(())
    }
}
