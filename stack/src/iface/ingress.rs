//! Received frames: ARP (RFC 826), IPv4 (RFC 791) with ICMP echo and
//! errors (RFC 792), IPv6 (RFC 8200) with ICMPv6 echo and errors (RFC 4443)
//! and neighbour discovery (RFC 4861); errors go on to `icmp_error`. Anything malformed is dropped and counted in [`Stats`](super::Stats);
//! nothing here panics on any input.

use super::egress::{in_prefix, LinkDst};
use super::icmp_error::ErrorMsg;
use super::reassembly::{Discard, Fragment, Key, Outcome};
use super::{EchoReply, Interface};
use crate::checksum;
use crate::phy::{Device, RxChecksum, RxMeta, TxMeta};
use crate::socket::IcmpError;
use crate::wire::{
    ethernet, ip_protocol, ArpOperation, ArpPacket, ArpRepr, EtherType, EthernetAddress,
    EthernetFrame, Icmpv4Packet, Icmpv4Repr, Icmpv6Packet, Icmpv6Repr, Ipv4Address, Ipv4Packet,
    Ipv6Address, Ipv6Packet, Ipv6Repr, NdpNaFlags, NdpRepr, WireError,
};
use crate::wire::{
    icmpv4, icmpv6, ipv4, ipv6, tcp, udp, IpPair, TcpOffsets, TcpPacket, TcpRepr, UdpPacket,
};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Where a TCP or UDP message sits in a frame.
#[derive(Clone, Copy)]
struct L4At {
    l3: usize,
    l4: usize,
    end: usize,
    pair: IpPair,
    proto: u8,
    /// Sent to one of our unicast addresses (not broadcast/multicast).
    unicast: bool,
    /// The headers are what [`TcpOffsets::parse`] takes, so GRO may hold
    /// and merge the segment: false for an IPv6 atomic fragment, which is
    /// processed whole but not coalesced (as Linux's GRO does not).
    coalescible: bool,
}

fn ip_of(a: &IpPair) -> (IpAddr, IpAddr) {
    match *a {
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

/// The TCP header of a checked segment, by the fast path if it applies.
fn parse_tcp(p: &TcpPacket<&[u8]>, pair: &IpPair) -> Result<TcpRepr, WireError> {
    match TcpRepr::parse_fast(p) {
        Some(r) => Ok(r),
        None => TcpRepr::parse(p, pair, false),
    }
}

/// The fields of a received IPv4 header that the input path uses.
struct V4Header {
    src_addr: Ipv4Address,
    dst_addr: Ipv4Address,
    protocol: u8,
    more_frags: bool,
    frag_offset: u16,
}

/// UDP over IPv4 whose checksum field is 0: the sender computed none
/// (RFC 768), so there is nothing to verify.
fn udp_v4_without_checksum(at: &L4At, msg: &[u8]) -> bool {
    at.proto == ip_protocol::UDP
        && matches!(at.pair, IpPair::V4 { .. })
        && msg.len() >= udp::field::HEADER_LEN
        && UdpPacket::new_unchecked(msg).checksum() == 0
}

/// UDP over IPv6 with checksum field 0: mandatory there (RFC 8200
/// section 8.1), so the datagram is dropped as a bad checksum.
fn udp_v6_zero_checksum(at: &L4At, p: &UdpPacket<&[u8]>) -> bool {
    matches!(at.pair, IpPair::V6 { .. }) && p.checksum() == 0
}

/// The software check of a TCP/UDP message: pseudo-header plus message
/// (checksum field as it stands) sum to 0xffff.
fn l4_sum_ok(at: &L4At, msg: &[u8]) -> bool {
    at.pair.upper_layer_sum(at.proto, msg) == 0xffff
}

/// What the stack's software verification makes of a received frame's
/// checksums when the device gives no verdict and no complete sum: the
/// checks of the input path ([`Interface::poll`](super::Interface::poll))
/// up to the TCP/UDP checksum, in its order, without the addressing
/// filters (who the frame is for decides whether it is delivered, not
/// whether its checksums hold).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SoftwareChecksum {
    /// The IPv4 header checksum (if any) and the TCP/UDP checksum verify.
    Good,
    /// The IPv4 header checksum or the TCP/UDP checksum does not verify
    /// (a zero UDP checksum over IPv6 included): dropped as a bad checksum.
    Bad,
    /// UDP over IPv4 without a checksum (field 0): accepted unverified.
    NoChecksum,
    /// The stack takes the frame no further than some other check (not
    /// TCP/UDP over an untagged IPv4/IPv6 frame, a malformed or truncated
    /// header, a fragment, a port 0): no TCP/UDP checksum is verified.
    NotVerified,
}

/// The stack's software verdict on `frame`'s checksums (see
/// [`SoftwareChecksum`]); the input path takes the same decisions.
pub fn software_checksum(frame: &[u8]) -> SoftwareChecksum {
    use SoftwareChecksum::*;
    let Ok(eth) = EthernetFrame::new_checked(frame) else {
        return NotVerified;
    };
    if eth.is_tagged() {
        return NotVerified;
    }
    let l3 = ethernet::field::HEADER_LEN;
    let payload = &frame[l3..];
    let at = match eth.ethertype() {
        EtherType::IPV4 => {
            let Ok(p) = Ipv4Packet::new_checked(payload) else {
                return NotVerified;
            };
            if p.version() != 4 {
                return NotVerified;
            }
            if !p.verify_checksum() {
                return Bad;
            }
            if p.is_fragment() {
                return NotVerified;
            }
            L4At {
                l3,
                l4: l3 + p.header_len(),
                end: l3 + usize::from(p.total_len()),
                pair: IpPair::V4 {
                    src: p.src_addr(),
                    dst: p.dst_addr(),
                },
                proto: p.protocol(),
                unicast: true,
                coalescible: true,
            }
        }
        EtherType::IPV6 => {
            let Ok(p) = Ipv6Packet::new_checked(payload) else {
                return NotVerified;
            };
            let Ok(repr) = Ipv6Repr::parse(&p) else {
                return NotVerified;
            };
            let Ok((next, at)) = p.upper_layer() else {
                return NotVerified;
            };
            let base = l3 + ipv6::field::HEADER_LEN;
            L4At {
                l3,
                l4: base + at,
                end: base + usize::from(p.payload_len()),
                pair: IpPair::V6 {
                    src: repr.src_addr,
                    dst: repr.dst_addr,
                },
                proto: next,
                unicast: true,
                coalescible: true,
            }
        }
        _ => return NotVerified,
    };
    if at.proto != ip_protocol::TCP && at.proto != ip_protocol::UDP {
        return NotVerified;
    }
    if at.l4 > at.end || at.end > frame.len() {
        return NotVerified;
    }
    let msg = &frame[at.l4..at.end];
    if at.proto == ip_protocol::TCP {
        let Ok(p) = TcpPacket::new_checked(msg) else {
            return NotVerified;
        };
        if p.src_port() == 0 || p.dst_port() == 0 {
            return NotVerified;
        }
    } else {
        let Ok(p) = UdpPacket::new_checked(msg) else {
            return NotVerified;
        };
        if usize::from(p.len()) != msg.len() || p.dst_port() == 0 {
            return NotVerified;
        }
        if udp_v6_zero_checksum(&at, &p) {
            return Bad;
        }
    }
    if udp_v4_without_checksum(&at, msg) {
        NoChecksum
    } else if l4_sum_ok(&at, msg) {
        Good
    } else {
        Bad
    }
}

/// ff02::1, all nodes (RFC 4291 section 2.7.1).
const ALL_NODES: Ipv6Address = Ipv6Address([0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);

/// Whether to verify checksums in software, or drop because the device
/// already found them bad.
#[derive(Clone, Copy)]
enum Verify {
    Software,
    Skip,
    DeviceSaidBad,
}

/// What the device said about a frame, for the L4 checksum paths.
#[derive(Clone, Copy)]
pub(super) struct RxCtx {
    /// The device verified the checksums (CHECKSUM_UNNECESSARY).
    device_good: bool,
    /// CHECKSUM_COMPLETE: folded sum of everything after the Ethernet header.
    complete: Option<u16>,
    /// Segments an LRO frame holds.
    segments: u16,
    /// Reassembled from fragments here: no device verdict or sum applies,
    /// and GRO does not take it (reassembly is past the point where Linux
    /// coalesces).
    reassembled: bool,
}

impl RxCtx {
    /// What a datagram reassembled from fragments carries: nothing of the
    /// device's.
    fn reassembled() -> Self {
        RxCtx {
            device_good: false,
            complete: None,
            segments: 1,
            reassembled: true,
        }
    }
}

/// True if `data`, the start of a first fragment's upper-layer message of
/// protocol `proto`, holds that protocol's whole header: TCP's with its
/// options (by its data offset, at least 20 bytes), UDP's 8 bytes, an
/// ICMP/ICMPv6 message's first 8. A first fragment without it is RFC
/// 1858's tiny fragment (IPv4) or breaks RFC 7112 (IPv6): its filtering
/// fields are in the second. Other protocols: nothing to check.
fn holds_upper_header(proto: u8, data: &[u8]) -> bool {
    match proto {
        ip_protocol::TCP => {
            let min = tcp::field::MIN_HEADER_LEN;
            data.len() >= min && data.len() >= usize::from(data[tcp::field::DATA_OFF] >> 4) * 4
        }
        ip_protocol::UDP => data.len() >= udp::field::HEADER_LEN,
        ip_protocol::ICMP | ip_protocol::ICMPV6 => data.len() >= 8,
        _ => true,
    }
}

/// The largest IPv4 total length and IPv6 payload length.
const MAX_DATAGRAM: usize = 65_535;

impl Interface {
    pub(super) fn receive_frame(
        &mut self,
        now: u64,
        device: &mut dyn Device,
        frame: &[u8],
        meta: RxMeta,
    ) {
        let eth = match EthernetFrame::new_checked(frame) {
            Ok(f) => f,
            Err(_) => {
                self.stats.eth_malformed += 1;
                return;
            }
        };
        if eth.is_tagged() {
            self.stats.eth_vlan += 1;
            return;
        }
        if !eth.source().is_unicast() {
            self.stats.eth_malformed += 1;
            return;
        }
        let dst = eth.destination();
        if !(dst == self.mac || dst.is_broadcast() || self.joined(dst)) {
            self.stats.eth_not_for_us += 1;
            return;
        }
        let verify = match (device.capabilities().rx_checksum, meta.checksum) {
            (true, RxChecksum::Good) => Verify::Skip,
            (true, RxChecksum::Bad) => Verify::DeviceSaidBad,
            _ => Verify::Software,
        };
        let rx_checksum = device.capabilities().rx_checksum;
        let rx = RxCtx {
            device_good: matches!(verify, Verify::Skip),
            complete: meta.complete_sum.filter(|_| rx_checksum),
            segments: meta.segments,
            reassembled: false,
        };
        let payload = &frame[ethernet::field::HEADER_LEN..];
        match eth.ethertype() {
            EtherType::ARP => self.receive_arp(now, device, payload),
            EtherType::IPV4 => self.receive_ipv4(now, device, frame, verify, rx),
            EtherType::IPV6 => self.receive_ipv6(now, device, frame, verify, rx),
            _ => self.stats.eth_unknown_type += 1,
        }
    }

    /// Multicast groups we listen to: all-nodes and our solicited-node groups.
    fn joined(&self, mac: EthernetAddress) -> bool {
        let m = mac.0;
        if m[..2] != [0x33, 0x33] {
            return false;
        }
        let ours = |a: &Ipv6Address| m[2] == 0xff && m[3..] == a.0[13..];
        m[2..] == [0, 0, 0, 1]
            || ours(&self.ipv6_link_local)
            || self.ipv6_global.is_some_and(|(g, _)| ours(&g))
    }

    pub(super) fn is_our_v6_unicast(&self, a: &Ipv6Address) -> bool {
        *a == self.ipv6_link_local || self.ipv6_global.is_some_and(|(g, _)| g == *a)
    }

    fn is_our_v6(&self, a: &Ipv6Address) -> bool {
        self.is_our_v6_unicast(a)
            || *a == ALL_NODES
            || *a == self.ipv6_link_local.solicited_node()
            || self
                .ipv6_global
                .is_some_and(|(g, _)| g.solicited_node() == *a)
    }

    fn receive_arp(&mut self, now: u64, device: &mut dyn Device, payload: &[u8]) {
        let repr = match ArpPacket::new_checked(payload).and_then(|p| ArpRepr::parse(&p)) {
            Ok(r) => r,
            Err(_) => {
                self.stats.arp_malformed += 1;
                return;
            }
        };
        if let ArpOperation::Unknown(_) = repr.operation {
            self.stats.arp_malformed += 1;
            return;
        }
        let Some((ours, _)) = self.ipv4 else {
            self.stats.arp_not_for_us += 1;
            return;
        };
        let (spa, sha) = (repr.source_protocol_addr, repr.source_hardware_addr);
        if !sha.is_unicast()
            || sha == self.mac
            || spa == ours
            || spa.is_multicast()
            || spa == Ipv4Address::BROADCAST
        {
            self.stats.arp_bad_sender += 1;
            return;
        }
        let for_us = repr.target_protocol_addr == ours;
        // RFC 826 "packet reception": refresh a sender we know; add it if
        // the packet is for us. A probe (sender 0.0.0.0) teaches nothing.
        if spa != Ipv4Address::UNSPECIFIED && (for_us || self.arp_cache.contains(&spa)) {
            if self.arp_cache.insert(spa, sha, now) {
                self.stats.neighbor_evictions += 1;
            }
            self.resolved(device, IpAddr::V4(Ipv4Addr::from(spa.0)), sha);
        }
        if !for_us {
            self.stats.arp_not_for_us += 1;
            return;
        }
        if repr.operation == ArpOperation::Request {
            let mut frame = vec![0u8; ethernet::field::HEADER_LEN + repr.buffer_len()];
            let mut eth = EthernetFrame::new_unchecked(&mut frame[..]);
            eth.set_destination(sha);
            eth.set_source(self.mac);
            eth.set_ethertype(EtherType::ARP);
            ArpRepr {
                operation: ArpOperation::Reply,
                source_hardware_addr: self.mac,
                source_protocol_addr: ours,
                target_hardware_addr: sha,
                target_protocol_addr: spa,
            }
            .emit(&mut ArpPacket::new_unchecked(
                &mut frame[ethernet::field::HEADER_LEN..],
            ));
            let _ = self.transmit(device, &frame, &TxMeta::default());
        }
    }

    /// Whether software must check the checksums of a frame the device
    /// gave `verify` for; `None` (counted) if the device said they are bad.
    fn must_verify(&mut self, verify: Verify) -> Option<bool> {
        match verify {
            Verify::DeviceSaidBad => {
                self.stats.rx_checksum_bad_by_device += 1;
                None
            }
            Verify::Skip => Some(false),
            Verify::Software => Some(true),
        }
    }

    fn receive_ipv4(
        &mut self,
        now: u64,
        device: &mut dyn Device,
        frame: &[u8],
        verify: Verify,
        rx: RxCtx,
    ) {
        let payload = &frame[ethernet::field::HEADER_LEN..];
        // The device's verdict on a fragment is not about its datagram:
        // that is checked in software once reassembled, and a fragment's
        // IPv4 header here.
        let fragment = Ipv4Packet::new_checked(payload).is_ok_and(|p| p.is_fragment());
        let verify = if fragment { Verify::Software } else { verify };
        let Some(verify) = self.must_verify(verify) else {
            return;
        };
        let Ok(p) = Ipv4Packet::new_checked(payload) else {
            self.stats.ipv4_malformed += 1;
            return;
        };
        // The checks of `Ipv4Repr::parse` (lengths, done by `new_checked`;
        // version; header checksum), in its order, reading the fields in
        // place instead of building the repr (and its options `Vec`).
        if p.version() != 4 {
            self.stats.ipv4_malformed += 1;
            return;
        }
        if verify && !p.verify_checksum() {
            self.stats.ipv4_bad_checksum += 1;
            return;
        }
        let repr = V4Header {
            src_addr: p.src_addr(),
            dst_addr: p.dst_addr(),
            protocol: p.protocol(),
            more_frags: p.more_frags(),
            frag_offset: p.frag_offset(),
        };
        let Some((ours, prefix)) = self.ipv4 else {
            self.stats.ipv4_not_for_us += 1;
            return;
        };
        let unicast = repr.dst_addr == ours;
        let host_bits = u32::MAX.checked_shr(u32::from(prefix)).unwrap_or(0);
        let subnet_bcast = !unicast
            && prefix < 31
            && in_prefix(&repr.dst_addr.0, &ours.0, prefix)
            && (u32::from_be_bytes(repr.dst_addr.0) & host_bits) == host_bits;
        if !(unicast || repr.dst_addr == Ipv4Address::BROADCAST || subnet_bcast) {
            self.stats.ipv4_not_for_us += 1;
            return;
        }
        if repr.src_addr.is_multicast() || repr.src_addr == Ipv4Address::BROADCAST {
            self.stats.ipv4_malformed += 1;
            return;
        }
        if repr.more_frags || repr.frag_offset != 0 {
            self.ipv4_fragment_input(now, device, frame, &p);
            return;
        }
        if repr.protocol == ip_protocol::TCP || repr.protocol == ip_protocol::UDP {
            let l3 = ethernet::field::HEADER_LEN;
            let pair = IpPair::V4 {
                src: repr.src_addr,
                dst: repr.dst_addr,
            };
            let l4 = l3 + p.header_len();
            let end = l3 + usize::from(p.total_len());
            let at = L4At {
                l3,
                l4,
                end,
                pair,
                proto: repr.protocol,
                unicast,
                coalescible: !rx.reassembled,
            };
            self.receive_l4(now, device, frame, at, rx);
            return;
        }
        if repr.protocol != ip_protocol::ICMP {
            self.stats.ip_unknown_protocol += 1;
            return;
        }
        let msg = match Icmpv4Packet::new_checked(p.payload())
            .and_then(|m| Icmpv4Repr::parse(&m, verify))
        {
            Ok(m) => m,
            Err(WireError::BadChecksum { .. }) => {
                self.stats.icmpv4_bad_checksum += 1;
                return;
            }
            Err(WireError::Unsupported { .. }) => {
                self.stats.icmpv4_unsupported += 1;
                return;
            }
            Err(_) => {
                self.stats.icmpv4_malformed += 1;
                return;
            }
        };
        match msg {
            // No replies to broadcast echo requests (RFC 1122 3.2.2.6 allows
            // silence; it keeps us out of smurf amplification).
            Icmpv4Repr::EchoRequest {
                ident,
                seq_no,
                data,
            } if unicast => {
                let data = data.to_vec();
                let _ =
                    self.send_icmpv4_echo(now, device, repr.src_addr, false, ident, seq_no, &data);
            }
            Icmpv4Repr::EchoRequest { .. } => {}
            Icmpv4Repr::EchoReply {
                ident,
                seq_no,
                data,
            } => self.push_echo_reply(
                IpAddr::V4(Ipv4Addr::from(repr.src_addr.0)),
                ident,
                seq_no,
                data,
                now,
            ),
            // RFC 1122 3.2.2: an error sent to a broadcast address is
            // ignored.
            Icmpv4Repr::DstUnreachable { .. }
            | Icmpv4Repr::TimeExceeded { .. }
            | Icmpv4Repr::ParamProblem { .. }
                if !unicast =>
            {
                self.stats.icmp_errors_malformed += 1;
            }
            Icmpv4Repr::DstUnreachable {
                code,
                next_hop_mtu,
                quote,
            } => {
                let msg = if code == icmpv4::msg_type::CODE_FRAG_NEEDED {
                    ErrorMsg::TooBig {
                        mtu: u32::from(next_hop_mtu),
                    }
                } else {
                    ErrorMsg::Error(IcmpError::from_v4_unreachable(code))
                };
                self.icmp_error_input(now, device, false, msg, quote);
            }
            Icmpv4Repr::TimeExceeded { code, quote } => {
                let msg = ErrorMsg::Error(IcmpError::from_time_exceeded(code));
                self.icmp_error_input(now, device, false, msg, quote);
            }
            Icmpv4Repr::ParamProblem { quote, .. } => {
                let msg = ErrorMsg::Error(IcmpError::ParameterProblem);
                self.icmp_error_input(now, device, false, msg, quote);
            }
        }
    }

    fn push_echo_reply(&mut self, from: IpAddr, ident: u16, seq_no: u16, data: &[u8], now: u64) {
        if self.echo_replies.len() >= self.config.max_echo_replies {
            self.stats.echo_replies_overflow += 1;
            return;
        }
        self.echo_replies.push(EchoReply {
            from,
            ident,
            seq_no,
            data: data.to_vec(),
            at_ns: now,
        });
    }

    fn receive_ipv6(
        &mut self,
        now: u64,
        device: &mut dyn Device,
        frame: &[u8],
        verify: Verify,
        rx: RxCtx,
    ) {
        let payload = &frame[ethernet::field::HEADER_LEN..];
        // As for IPv4: no device verdict applies to a fragment.
        let fragment = Ipv6Packet::new_checked(payload)
            .ok()
            .and_then(|p| p.fragment_header().ok().flatten())
            .filter(|f| !f.repr.is_atomic());
        let verify = if fragment.is_some() {
            Verify::Software
        } else {
            verify
        };
        let Some(verify) = self.must_verify(verify) else {
            return;
        };
        let Ok(p) = Ipv6Packet::new_checked(payload) else {
            self.stats.ipv6_malformed += 1;
            return;
        };
        let Ok(repr) = Ipv6Repr::parse(&p) else {
            self.stats.ipv6_malformed += 1;
            return;
        };
        if !self.is_our_v6(&repr.dst_addr) {
            self.stats.ipv6_not_for_us += 1;
            return;
        }
        if repr.src_addr.is_multicast() {
            self.stats.ipv6_malformed += 1;
            return;
        }
        if let Some(f) = fragment {
            self.ipv6_fragment_input(now, device, frame, &p, f);
            return;
        }
        let Ok((next, at)) = p.upper_layer() else {
            self.stats.ipv6_malformed += 1;
            return;
        };
        if next == ip_protocol::TCP || next == ip_protocol::UDP {
            let l3 = ethernet::field::HEADER_LEN;
            let base = l3 + ipv6::field::HEADER_LEN;
            let at = L4At {
                l3,
                l4: base + at,
                end: base + usize::from(p.payload_len()),
                pair: IpPair::V6 {
                    src: repr.src_addr,
                    dst: repr.dst_addr,
                },
                proto: next,
                unicast: self.is_our_v6_unicast(&repr.dst_addr),
                // Only an extension header can be a Fragment header.
                coalescible: !rx.reassembled && (at == 0 || p.upper_layer_unfragmented().is_ok()),
            };
            self.receive_l4(now, device, frame, at, rx);
            return;
        }
        if next != ip_protocol::ICMPV6 {
            self.stats.ip_unknown_protocol += 1;
            return;
        }
        let (src, dst) = (repr.src_addr, repr.dst_addr);
        let l4 = &p.payload()[at..];
        let msg = match Icmpv6Packet::new_checked(l4)
            .and_then(|m| Icmpv6Repr::parse(&m, src, dst, verify))
        {
            Ok(m) => m,
            Err(WireError::BadChecksum { .. }) => {
                self.stats.icmpv6_bad_checksum += 1;
                return;
            }
            Err(WireError::Unsupported { .. }) => {
                self.stats.icmpv6_unsupported += 1;
                return;
            }
            Err(_) => {
                self.stats.icmpv6_malformed += 1;
                return;
            }
        };
        match msg {
            Icmpv6Repr::EchoRequest {
                ident,
                seq_no,
                data,
            } => {
                if self.is_our_v6_unicast(&dst) && src != Ipv6Address::UNSPECIFIED {
                    let data = data.to_vec();
                    let _ = self.send_icmpv6_echo(now, device, src, false, ident, seq_no, &data);
                }
            }
            Icmpv6Repr::EchoReply {
                ident,
                seq_no,
                data,
            } => self.push_echo_reply(IpAddr::V6(Ipv6Addr::from(src.0)), ident, seq_no, data, now),
            Icmpv6Repr::DstUnreachable { .. }
            | Icmpv6Repr::PacketTooBig { .. }
            | Icmpv6Repr::TimeExceeded { .. }
            | Icmpv6Repr::ParamProblem { .. }
                if !self.is_our_v6_unicast(&dst) =>
            {
                self.stats.icmp_errors_malformed += 1;
            }
            Icmpv6Repr::DstUnreachable { code, quote } => {
                let msg = ErrorMsg::Error(IcmpError::from_v6_unreachable(code));
                self.icmp_error_input(now, device, true, msg, quote);
            }
            Icmpv6Repr::PacketTooBig { mtu, quote } => {
                self.icmp_error_input(now, device, true, ErrorMsg::TooBig { mtu }, quote);
            }
            Icmpv6Repr::TimeExceeded { code, quote } => {
                let msg = ErrorMsg::Error(IcmpError::from_time_exceeded(code));
                self.icmp_error_input(now, device, true, msg, quote);
            }
            Icmpv6Repr::ParamProblem { code, quote, .. } => {
                let e = if code == icmpv6::msg_type::CODE_UNRECOGNIZED_NEXT_HEADER {
                    IcmpError::ProtocolUnreachable
                } else {
                    IcmpError::ParameterProblem
                };
                self.icmp_error_input(now, device, true, ErrorMsg::Error(e), quote);
            }
            Icmpv6Repr::Ndp(ndp) => {
                // RFC 4861 7.1.1 / 7.1.2: only from the link itself.
                if repr.hop_limit != 255 {
                    self.stats.ndp_invalid += 1;
                    return;
                }
                self.receive_ndp(now, device, src, dst, ndp);
            }
        }
    }

    fn receive_ndp(
        &mut self,
        now: u64,
        device: &mut dyn Device,
        src: Ipv6Address,
        dst: Ipv6Address,
        ndp: NdpRepr,
    ) {
        match ndp {
            NdpRepr::NeighborSolicit {
                target_addr,
                lladdr,
            } => {
                if target_addr.is_multicast() {
                    self.stats.ndp_invalid += 1;
                    return;
                }
                let dad = src == Ipv6Address::UNSPECIFIED;
                // A DAD probe carries no source link-layer option and goes
                // to the solicited-node group (RFC 4861 7.1.1).
                if dad && (lladdr.is_some() || dst != target_addr.solicited_node()) {
                    self.stats.ndp_invalid += 1;
                    return;
                }
                if !self.is_our_v6_unicast(&target_addr) {
                    self.stats.ndp_not_our_target += 1;
                    return;
                }
                if let Some(ll) = lladdr.filter(|ll| ll.is_unicast()) {
                    self.learn_v6(now, device, src, ll);
                }
                let (reply_dst, solicited) = if dad { (ALL_NODES, false) } else { (src, true) };
                let na = Icmpv6Repr::Ndp(NdpRepr::NeighborAdvert {
                    flags: NdpNaFlags {
                        router: false,
                        solicited,
                        override_: true,
                    },
                    target_addr,
                    lladdr: Some(self.mac),
                });
                let (frame, meta) = self.icmpv6_frame(device, target_addr, reply_dst, 255, &na);
                let link = match (dad, lladdr) {
                    (true, _) => LinkDst::Mac(super::egress::ipv6_multicast_mac(&ALL_NODES)),
                    (false, Some(ll)) if ll.is_unicast() => LinkDst::Mac(ll),
                    (false, _) => LinkDst::Neighbor(IpAddr::V6(Ipv6Addr::from(src.0))),
                };
                let _ = self.dispatch(now, device, link, frame, meta);
            }
            NdpRepr::NeighborAdvert {
                flags,
                target_addr,
                lladdr,
            } => {
                if target_addr.is_multicast() || (flags.solicited && dst.is_multicast()) {
                    self.stats.ndp_invalid += 1;
                    return;
                }
                if let Some(ll) = lladdr.filter(|ll| ll.is_unicast() && *ll != self.mac) {
                    self.learn_v6(now, device, target_addr, ll);
                }
            }
        }
    }

    fn learn_v6(
        &mut self,
        now: u64,
        device: &mut dyn Device,
        addr: Ipv6Address,
        ll: EthernetAddress,
    ) {
        if self.is_our_v6_unicast(&addr) {
            return;
        }
        if self.ndp_cache.insert(addr, ll, now) {
            self.stats.neighbor_evictions += 1;
        }
        self.resolved(device, IpAddr::V6(Ipv6Addr::from(addr.0)), ll);
    }
}

/// Fragments (RFC 791 section 3.2, RFC 8200 section 4.5): the checks that
/// need the protocol, then the reassembly table; a completed datagram goes
/// through the input path again as if it had arrived whole.
impl Interface {
    fn ipv4_fragment_input(
        &mut self,
        now: u64,
        device: &mut dyn Device,
        frame: &[u8],
        p: &Ipv4Packet<&[u8]>,
    ) {
        self.stats.ipv4_fragments_in += 1;
        let proto = p.protocol();
        if !matches!(
            proto,
            ip_protocol::TCP | ip_protocol::UDP | ip_protocol::ICMP
        ) {
            // Nothing here would take the datagram: not worth holding.
            self.stats.ip_unknown_protocol += 1;
            return;
        }
        let (data, hl) = (p.payload(), p.header_len());
        let (offset, more) = (usize::from(p.frag_offset()), p.more_frags());
        if data.is_empty()
            || (more && !data.len().is_multiple_of(8))
            || hl + offset + data.len() > MAX_DATAGRAM
        {
            self.stats.frag_bad_length += 1;
            return;
        }
        let key = Key::V4 {
            src: p.src_addr().0,
            dst: p.dst_addr().0,
            ident: p.ident(),
            protocol: proto,
        };
        let header = if offset == 0 {
            if !holds_upper_header(proto, data) {
                self.reassembly
                    .discard(now, key, Discard::TinyFirst, &mut self.stats);
                return;
            }
            let l3 = ethernet::field::HEADER_LEN;
            Some(frame[l3..l3 + hl].to_vec())
        } else {
            None
        };
        let f = Fragment {
            key,
            offset,
            more,
            data,
            header,
        };
        let Outcome::Complete { header, payload } = self.reassembly.insert(now, f, &mut self.stats)
        else {
            return;
        };
        let len = header.len() + payload.len();
        if len > MAX_DATAGRAM {
            self.stats.frag_bad_length += 1;
            return;
        }
        let l3 = ethernet::field::HEADER_LEN;
        let mut whole = Vec::with_capacity(l3 + len);
        whole.extend_from_slice(&frame[..l3]);
        whole.extend_from_slice(&header);
        whole.extend_from_slice(&payload);
        let mut ip = Ipv4Packet::new_unchecked(&mut whole[l3..]);
        let df = ip.dont_frag();
        ip.set_total_len(len as u16);
        ip.set_frag(df, false, 0);
        ip.fill_checksum();
        debug_assert_eq!(ip.header_len(), header.len());
        debug_assert!(header.len() >= ipv4::field::MIN_HEADER_LEN);
        self.stats.ipv4_reassembled += 1;
        self.receive_ipv4(now, device, &whole, Verify::Software, RxCtx::reassembled());
    }

    fn ipv6_fragment_input(
        &mut self,
        now: u64,
        device: &mut dyn Device,
        frame: &[u8],
        p: &Ipv6Packet<&[u8]>,
        f: ipv6::FragmentAt,
    ) {
        self.stats.ipv6_fragments_in += 1;
        let data = &p.payload()[f.at + ipv6::field::FRAG_LEN..];
        let (offset, more) = (usize::from(f.repr.offset), f.repr.more);
        if data.is_empty()
            || (more && !data.len().is_multiple_of(8))
            || f.at + offset + data.len() > MAX_DATAGRAM
        {
            self.stats.frag_bad_length += 1;
            return;
        }
        let key = Key::V6 {
            src: p.src_addr().0,
            dst: p.dst_addr().0,
            ident: f.repr.ident,
        };
        let l3 = ethernet::field::HEADER_LEN;
        let header = if offset == 0 {
            // RFC 7112: the first fragment holds the whole header chain,
            // the upper-layer header included.
            match ipv6::upper_layer_in(f.repr.next_header, data) {
                Ok((proto, at)) if holds_upper_header(proto, &data[at..]) => {}
                Ok(_) | Err(WireError::Truncated { .. }) => {
                    self.reassembly
                        .discard(now, key, Discard::TinyFirst, &mut self.stats);
                    return;
                }
                Err(_) => {
                    self.reassembly
                        .discard(now, key, Discard::Malformed, &mut self.stats);
                    return;
                }
            }
            // The unfragmentable part, its last Next Header now naming
            // what the Fragment header named (RFC 8200 section 4.5).
            let mut h = frame[l3..l3 + ipv6::field::HEADER_LEN + f.at].to_vec();
            h[f.named_at] = f.repr.next_header;
            Some(h)
        } else {
            None
        };
        let frag = Fragment {
            key,
            offset,
            more,
            data,
            header,
        };
        let Outcome::Complete { header, payload } =
            self.reassembly.insert(now, frag, &mut self.stats)
        else {
            return;
        };
        let len = header.len() + payload.len();
        let payload_len = len - ipv6::field::HEADER_LEN;
        if payload_len > MAX_DATAGRAM {
            self.stats.frag_bad_length += 1;
            return;
        }
        let mut whole = Vec::with_capacity(l3 + len);
        whole.extend_from_slice(&frame[..l3]);
        whole.extend_from_slice(&header);
        whole.extend_from_slice(&payload);
        Ipv6Packet::new_unchecked(&mut whole[l3..]).set_payload_len(payload_len as u16);
        self.stats.ipv6_reassembled += 1;
        self.receive_ipv6(now, device, &whole, Verify::Software, RxCtx::reassembled());
    }
}

impl Interface {
    /// Verifies a TCP/UDP checksum by the best path available: the
    /// device's verdict, the device's complete sum, or software. True
    /// without counting if nothing needs checking (UDP over IPv4 with no
    /// checksum).
    fn l4_checksum_ok(&mut self, frame: &[u8], at: &L4At, rx: &RxCtx) -> bool {
        let msg = &frame[at.l4..at.end];
        if udp_v4_without_checksum(at, msg) {
            return true;
        }
        if rx.device_good {
            self.stats.rx_csum_device += 1;
            return true;
        }
        if let Some(c) = rx.complete.filter(|_| at.end == frame.len()) {
            // CHECKSUM_COMPLETE covers the IP header (and IPv6 extension
            // headers) too: take their sum out, put the pseudo-header in.
            // Both start at even offsets, so the sums subtract directly.
            self.stats.rx_csum_complete += 1;
            let headers = checksum::data(&frame[at.l3..at.l4]);
            let pseudo = at.pair.pseudo_header_sum(at.proto, msg.len());
            return checksum::combine(&[c, !headers, pseudo]) == 0xffff;
        }
        self.stats.rx_csum_software += 1;
        l4_sum_ok(at, msg)
    }

    fn receive_l4(&mut self, now: u64, device: &mut dyn Device, frame: &[u8], at: L4At, rx: RxCtx) {
        let tcp = at.proto == ip_protocol::TCP;
        let malformed = |s: &mut super::Stats| {
            if tcp {
                s.tcp_malformed += 1
            } else {
                s.udp_malformed += 1
            }
        };
        if at.l4 > at.end || at.end > frame.len() {
            malformed(&mut self.stats);
            return;
        }
        let msg = &frame[at.l4..at.end];
        let (src, dst) = ip_of(&at.pair);
        if tcp {
            let Ok(p) = TcpPacket::new_checked(msg) else {
                self.stats.tcp_malformed += 1;
                return;
            };
            if !at.unicast || p.src_port() == 0 || p.dst_port() == 0 {
                self.stats.tcp_malformed += 1;
                return;
            }
            if !self.l4_checksum_ok(frame, &at, &rx) {
                self.stats.tcp_bad_checksum += 1;
                return;
            }
            let gro =
                self.config.gro && !device.capabilities().lro && rx.segments <= 1 && at.coalescible;
            let mut out = Vec::new();
            let o = TcpOffsets {
                l3: at.l3,
                l4: at.l4,
                payload: at.l4 + p.header_len(),
                ipv6: matches!(at.pair, IpPair::V6 { .. }),
            };
            if gro && self.gro.try_merge(&frame[..at.end], &o, &mut out) {
                // Merged: its options are byte-identical to the held
                // frame's, which parsed, so it needs no parse of its own.
                for (f, n) in out {
                    self.tcp_input_frame(now, device, &f, n);
                    self.gro.recycle(f);
                }
                return;
            }
            let Ok(repr) = parse_tcp(&p, &at.pair) else {
                self.stats.tcp_malformed += 1;
                return;
            };
            if rx.segments > 1 {
                self.stats.lro_frames_in += 1;
            }
            if gro {
                let offered = self.gro.offer(&frame[..at.end], &mut out);
                for (f, n) in out {
                    self.tcp_input_frame(now, device, &f, n);
                    self.gro.recycle(f);
                }
                if offered == super::gro::Offered::Taken {
                    return;
                }
                // Neither merged nor held: on to TCP as it is, after what
                // the table flushed for its flow (order kept).
            }
            let local = SocketAddr::new(dst, repr.dst_port);
            let remote = SocketAddr::new(src, repr.src_port);
            self.tcp_input(now, device, local, remote, &repr, p.payload());
        } else {
            let Ok(p) = UdpPacket::new_checked(msg) else {
                self.stats.udp_malformed += 1;
                return;
            };
            if usize::from(p.len()) != msg.len() || p.dst_port() == 0 {
                self.stats.udp_malformed += 1;
                return;
            }
            if udp_v6_zero_checksum(&at, &p) {
                self.stats.udp_bad_checksum += 1;
                return;
            }
            if !self.l4_checksum_ok(frame, &at, &rx) {
                self.stats.udp_bad_checksum += 1;
                return;
            }
            if !self.sockets.udp.contains_key(&p.dst_port()) {
                self.stats.udp_no_socket += 1;
                if at.unicast {
                    self.port_unreachable(now, device, &frame[at.l3..at.end], at.pair);
                }
                return;
            }
            let local = SocketAddr::new(dst, p.dst_port());
            let remote = SocketAddr::new(src, p.src_port());
            self.udp_input(local, remote, p.payload());
        }
    }

    /// A verified TCP frame out of the GRO table (`segments` coalesced).
    pub(super) fn tcp_input_frame(
        &mut self,
        now: u64,
        device: &mut dyn Device,
        f: &[u8],
        segments: u16,
    ) {
        let Some(o) = TcpOffsets::parse(f) else {
            self.stats.tcp_malformed += 1;
            return;
        };
        let pair = o.ip_pair(f);
        let Some(end) = o.ip_end(f) else {
            self.stats.tcp_malformed += 1;
            return;
        };
        let Ok(p) = TcpPacket::new_checked(&f[o.l4..end]) else {
            self.stats.tcp_malformed += 1;
            return;
        };
        let Ok(repr) = parse_tcp(&p, &pair) else {
            self.stats.tcp_malformed += 1;
            return;
        };
        if segments > 1 {
            self.stats.gro_frames_out += 1;
            self.stats.gro_merged_segments += u64::from(segments - 1);
        }
        let (src, dst) = ip_of(&pair);
        let local = SocketAddr::new(dst, repr.dst_port);
        let remote = SocketAddr::new(src, repr.src_port);
        self.tcp_input(now, device, local, remote, &repr, p.payload());
    }
}
