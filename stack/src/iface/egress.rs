//! Building outgoing frames, choosing software or offloaded checksums,
//! holding packets while their next hop's link-layer address is resolved
//! (ARP request, RFC 826; neighbour solicitation to the solicited-node
//! multicast address, RFC 4861 section 7.2.2), and sending UDP and ICMP
//! echo packets larger than the path MTU (the device's, or less if path
//! MTU discovery learned a smaller one for the destination) in fragments
//! (IPv4: RFC 791 section 3.2; IPv6: a Fragment header, RFC 8200 section
//! 4.5). TCP never fragments: its segments are sized to the path MTU and
//! sent with DF.

use super::gso;
use super::{Held, Interface, Resolution, SendError};
use crate::checksum;
use crate::phy::{Device, TxMeta, F_NEEDS_CSUM, GSO_ECN, GSO_NONE, GSO_TCPV4, GSO_TCPV6};
use crate::wire::{
    ethernet, icmpv4, icmpv6, ip_protocol, ipv4, ipv6, ArpOperation, ArpPacket, ArpRepr, EtherType,
    EthernetAddress, EthernetFrame, EthernetRepr, Icmpv4Packet, Icmpv4Repr, Icmpv6Packet,
    Icmpv6Repr, Ipv4Address, Ipv4Packet, Ipv4Repr, Ipv6Address, Ipv6FragmentRepr, Ipv6Packet,
    Ipv6Repr, NdpRepr,
};
use rand::RngCore;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub(super) const ETH: usize = ethernet::field::HEADER_LEN;
/// The largest IPv4 total length and IPv6 payload length (16-bit fields;
/// no jumbograms).
pub(super) const MAX_DATAGRAM: usize = 65_535;
const IPV4_L4: usize = ETH + ipv4::field::MIN_HEADER_LEN;
const IPV6_L4: usize = ETH + ipv6::field::HEADER_LEN;

/// Where a frame goes on the link.
#[derive(Debug, Clone, Copy)]
pub(super) enum LinkDst {
    /// Known now (broadcast, multicast, or a cached neighbour).
    Mac(EthernetAddress),
    /// An on-link neighbour that may need resolving.
    Neighbor(IpAddr),
}

/// True if the first `len` bits of `a` and `b` agree.
pub(super) fn in_prefix(a: &[u8], b: &[u8], len: u8) -> bool {
    let len = usize::from(len).min(a.len() * 8);
    let (bytes, bits) = (len / 8, len % 8);
    if a[..bytes] != b[..bytes] {
        return false;
    }
    bits == 0 || (a[bytes] ^ b[bytes]) >> (8 - bits) == 0
}

pub(super) fn is_link_local(a: &Ipv6Address) -> bool {
    a.0[0] == 0xfe && a.0[1] & 0xc0 == 0x80
}

/// Ethernet address of IPv6 multicast `a`: 33:33 and its low 32 bits
/// (RFC 2464 section 7).
pub(super) fn ipv6_multicast_mac(a: &Ipv6Address) -> EthernetAddress {
    EthernetAddress([0x33, 0x33, a.0[12], a.0[13], a.0[14], a.0[15]])
}

/// Writes the L4 checksum at `l4 + csum_offset` for a message whose
/// pseudo-header sums to `pseudo` (0 for ICMPv4, which has none): with TX
/// checksum offload, the uninverted pseudo-header sum and the NEEDS_CSUM
/// metadata that asks the device to finish it (virtio_net_hdr semantics: it
/// sums from `csum_start` to the end and stores the complement at
/// `csum_start + csum_offset`); without, the same partial form completed
/// here by [`complete_checksum`], so the bytes are the device's either way
/// (a result of 0 written as 0xffff).
pub(super) fn finish_checksum(
    offload: bool,
    frame: &mut [u8],
    l4: usize,
    csum_offset: usize,
    pseudo: u16,
) -> TxMeta {
    let at = l4 + csum_offset;
    frame[at..at + 2].copy_from_slice(&pseudo.to_be_bytes());
    if offload {
        TxMeta {
            flags: F_NEEDS_CSUM,
            csum_start: l4 as u16,
            csum_offset: csum_offset as u16,
            ..TxMeta::default()
        }
    } else {
        complete_checksum(frame, l4, csum_offset).expect("the field lies in the frame we built");
        TxMeta::default()
    }
}

/// A `CHECKSUM_PARTIAL` frame whose checksum field does not lie inside it:
/// `csum_start + csum_offset + 2 > len` (the NIC's `ERR_DESC_CSUM`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("checksum field at {csum_start} + {csum_offset} does not fit in a {len}-byte frame")]
pub struct ChecksumFieldOutside {
    pub csum_start: usize,
    pub csum_offset: usize,
    pub len: usize,
}

/// Completes a `CHECKSUM_PARTIAL` frame in software, as a device with TX
/// checksum offload would (docs/offloads.md, "TX checksum", rules 1-4; the
/// NIC's rule is `firmware_model::csum::tx_checksum`, and
/// `stack/emulated-nic/tests/tx_checksum_matches_model.rs` holds this fast
/// path byte-equal to it):
///
/// 1. the field must lie in the frame, else [`ChecksumFieldOutside`] and
///    the frame is untouched;
/// 2. the L4 checksum is the complement of the sum (RFC 1071) of
///    `[csum_start, len)` (the field holding the pseudo-header sum, as the
///    sender left it), written big-endian at `csum_start + csum_offset`,
///    a result of 0 written as 0xffff (Linux `skb_checksum_help`; the same
///    number in one's complement, and 0 means "none" to UDP, RFC 768);
/// 3. if the frame is IPv4 (EtherType 0x0800, or one 802.1Q tag and then
///    0x0800), version 4, IHL >= 5 and the whole header in the frame, its
///    header checksum (RFC 791) is written too;
/// 4. both sums are over the bytes as given, the IPv4 one written first,
///    so overlapping fields (a nonsense request) end with the L4 one.
///
/// The stack's own frames always carry a correct IPv4 header checksum, so
/// for them rule 3 rewrites the same value; it is kept so that a frame sent
/// with the device's offload off carries the bytes it would with it on.
pub fn complete_checksum(
    frame: &mut [u8],
    csum_start: usize,
    csum_offset: usize,
) -> Result<(), ChecksumFieldOutside> {
    let len = frame.len();
    let at = csum_start
        .checked_add(csum_offset)
        .filter(|at| at.checked_add(2).is_some_and(|end| end <= len))
        .ok_or(ChecksumFieldOutside {
            csum_start,
            csum_offset,
            len,
        })?;
    let ipv4 = ipv4_header(frame).map(|(l3, hlen)| {
        let h = &frame[l3..l3 + hlen];
        let c = ipv4::field::CHECKSUM;
        let sum = checksum::combine(&[checksum::data(&h[..c]), checksum::data(&h[c + 2..])]);
        (l3 + c, !sum)
    });
    let l4 = gso::complement(checksum::data(&frame[csum_start..]));
    if let Some((field, c)) = ipv4 {
        frame[field..field + 2].copy_from_slice(&c.to_be_bytes());
    }
    frame[at..at + 2].copy_from_slice(&l4.to_be_bytes());
    Ok(())
}

/// The IP destination of an untagged IPv4 or IPv6 frame.
fn frame_dst(frame: &[u8]) -> Option<IpAddr> {
    let eth = EthernetFrame::new_checked(frame).ok()?;
    let ip = &frame[ETH..];
    match eth.ethertype() {
        EtherType::IPV4 if ip.len() >= ipv4::field::MIN_HEADER_LEN => Some(IpAddr::V4(
            Ipv4Addr::from(Ipv4Packet::new_unchecked(ip).dst_addr().0),
        )),
        EtherType::IPV6 if ip.len() >= ipv6::field::HEADER_LEN => Some(IpAddr::V6(Ipv6Addr::from(
            Ipv6Packet::new_unchecked(ip).dst_addr().0,
        ))),
        _ => None,
    }
}

/// Where an IPv4 frame's header is and how long it is, for
/// [`complete_checksum`]'s rule 3: EtherType IPv4 (after at most one 802.1Q
/// tag), version 4, IHL >= 5, the header inside the frame.
fn ipv4_header(frame: &[u8]) -> Option<(usize, usize)> {
    let eth = EthernetFrame::new_checked(frame).ok()?;
    if eth.ethertype() != EtherType::IPV4 {
        return None;
    }
    let l3 = eth.header_len();
    if frame.len() <= l3 {
        return None;
    }
    let ip = Ipv4Packet::new_unchecked(&frame[l3..]);
    let hlen = ip.header_len();
    let sound = ip.version() == 4 && hlen >= ipv4::field::MIN_HEADER_LEN;
    (sound && l3 + hlen <= frame.len()).then_some((l3, hlen))
}

impl Interface {
    /// Sends one frame, counting it or the device's refusal. A GSO
    /// super-frame goes to the device's TSO if it has it for the family
    /// now (and the frame is within `max_tso_bytes`), else it is split in
    /// software here ([`gso::segment`]); a NEEDS_CSUM frame for a device
    /// that no longer checksums is completed in software. Capabilities are
    /// read at the moment of sending, so held frames follow changes.
    pub(super) fn transmit(
        &mut self,
        device: &mut dyn Device,
        frame: &[u8],
        meta: &TxMeta,
    ) -> Result<(), SendError> {
        let caps = device.capabilities();
        let gso_type = meta.gso_type & !GSO_ECN;
        if gso_type != GSO_NONE {
            let tso = match gso_type {
                GSO_TCPV4 => caps.tso_v4,
                GSO_TCPV6 => caps.tso_v6,
                _ => false,
            };
            if tso && frame.len().saturating_sub(ETH) <= caps.max_tso_bytes {
                self.stats.tso_super_frames += 1;
                return self.transmit_one(device, frame, meta);
            }
            let mode = if caps.tx_checksum {
                gso::SegChecksum::Offload
            } else {
                gso::SegChecksum::Software
            };
            let mut result = Ok(());
            let mut sent = 0u64;
            let segs = gso::segment_each(frame, meta, mode, |s, m| {
                if let Err(e) = self.transmit_segment(device, s, m) {
                    result = Err(e);
                }
                sent += 1;
            });
            if segs.is_err() {
                self.stats.tx_errors += 1;
                return Err(SendError::TooBig(frame.len()));
            }
            self.stats.gso_super_frames += 1;
            self.stats.gso_segments += sent;
            return result;
        }
        if meta.flags & F_NEEDS_CSUM != 0 && !caps.tx_checksum {
            let mut f = frame.to_vec();
            let (start, offset) = (meta.csum_start.into(), meta.csum_offset.into());
            if complete_checksum(&mut f, start, offset).is_err() {
                self.stats.tx_errors += 1;
                return Err(SendError::TooBig(frame.len()));
            }
            return self.transmit_one(device, &f, &TxMeta::default());
        }
        self.transmit_one(device, frame, meta)
    }

    /// Sends an IP packet of ours (UDP or ICMP echo: no IPv4 options, no
    /// IPv6 extension headers, DF clear) as it is if it fits the path MTU
    /// to its destination now ([`frame_limit`](Self::frame_limit)), else in
    /// fragments that do: IPv4 fragments of the header and
    /// a multiple of 8 bytes each, MF on all but the last (RFC 791 section
    /// 3.2); IPv6 fragments of the fixed header, a Fragment header with a
    /// random identification (RFC 7739) and a multiple of 8 bytes (RFC 8200
    /// section 4.5). A checksum left to the device is completed first: a
    /// device would sum one fragment, not the datagram. A packet that
    /// cannot be fragmented is refused with [`SendError::TooBig`].
    pub(super) fn transmit_fragments(
        &mut self,
        device: &mut dyn Device,
        frame: &[u8],
        meta: &TxMeta,
    ) -> Result<(), SendError> {
        let max_frame = match frame_dst(frame) {
            Some(dst) => self.frame_limit(&*device, dst),
            None => device.capabilities().max_frame,
        };
        if frame.len() <= max_frame {
            return self.transmit(device, frame, meta);
        }
        let mut whole = frame.to_vec();
        let too_big = |s: &mut Self| {
            s.stats.tx_errors += 1;
            Err(SendError::TooBig(frame.len()))
        };
        if meta.flags & F_NEEDS_CSUM != 0
            && complete_checksum(&mut whole, meta.csum_start.into(), meta.csum_offset.into())
                .is_err()
        {
            return too_big(self);
        }
        let mtu = max_frame.saturating_sub(ETH);
        match EthernetFrame::new_unchecked(&whole[..]).ethertype() {
            EtherType::IPV4 => {
                let Ok(ip) = Ipv4Packet::new_checked(&whole[ETH..]) else {
                    return too_big(self);
                };
                let hl = ip.header_len();
                let per = mtu.saturating_sub(hl) & !7;
                if ip.dont_frag()
                    || ip.is_fragment()
                    || hl != ipv4::field::MIN_HEADER_LEN
                    || per == 0
                {
                    return too_big(self);
                }
                let payload = ip.payload();
                self.stats.ipv4_fragmented += 1;
                let mut off = 0;
                while off < payload.len() {
                    let n = per.min(payload.len() - off);
                    let more = off + n < payload.len();
                    let mut f = Vec::with_capacity(ETH + hl + n);
                    f.extend_from_slice(&whole[..ETH + hl]);
                    f.extend_from_slice(&payload[off..off + n]);
                    let mut p = Ipv4Packet::new_unchecked(&mut f[ETH..]);
                    p.set_total_len((hl + n) as u16);
                    p.set_frag(false, more, off as u16);
                    p.fill_checksum();
                    self.stats.ipv4_fragments_out += 1;
                    self.transmit_one(device, &f, &TxMeta::default())?;
                    off += n;
                }
                Ok(())
            }
            EtherType::IPV6 => {
                let Ok(ip) = Ipv6Packet::new_checked(&whole[ETH..]) else {
                    return too_big(self);
                };
                let hl = ipv6::field::HEADER_LEN;
                let per = mtu.saturating_sub(hl + ipv6::field::FRAG_LEN) & !7;
                let next = ip.next_header();
                let ext = matches!(
                    next,
                    ip_protocol::HOP_BY_HOP
                        | ip_protocol::IPV6_ROUTE
                        | ip_protocol::IPV6_OPTS
                        | ip_protocol::IPV6_FRAG
                );
                if ext || per == 0 {
                    return too_big(self);
                }
                let payload = ip.payload();
                let ident = self.frag_ids.next_u32();
                self.stats.ipv6_fragmented += 1;
                let mut off = 0;
                while off < payload.len() {
                    let n = per.min(payload.len() - off);
                    let more = off + n < payload.len();
                    let l4 = ETH + hl + ipv6::field::FRAG_LEN;
                    let mut f = Vec::with_capacity(l4 + n);
                    f.extend_from_slice(&whole[..ETH + hl]);
                    f.resize(l4, 0);
                    f.extend_from_slice(&payload[off..off + n]);
                    let mut p = Ipv6Packet::new_unchecked(&mut f[ETH..]);
                    p.set_payload_len((ipv6::field::FRAG_LEN + n) as u16);
                    p.set_next_header(ip_protocol::IPV6_FRAG);
                    Ipv6FragmentRepr {
                        next_header: next,
                        offset: off as u16,
                        more,
                        ident,
                    }
                    .emit(&mut f[ETH + hl..l4]);
                    self.stats.ipv6_fragments_out += 1;
                    self.transmit_one(device, &f, &TxMeta::default())?;
                    off += n;
                }
                Ok(())
            }
            _ => too_big(self),
        }
    }

    /// Sends one segment cut by software GSO, counting its checksum path.
    pub(super) fn transmit_segment(
        &mut self,
        device: &mut dyn Device,
        frame: &[u8],
        meta: &TxMeta,
    ) -> Result<(), SendError> {
        if meta.flags & F_NEEDS_CSUM != 0 {
            self.stats.tx_csum_offloaded += 1;
        } else {
            self.stats.tx_csum_software += 1;
        }
        self.transmit_one(device, frame, meta)
    }

    fn transmit_one(
        &mut self,
        device: &mut dyn Device,
        frame: &[u8],
        meta: &TxMeta,
    ) -> Result<(), SendError> {
        match device.transmit(frame, meta) {
            Ok(()) => {
                self.stats.tx_frames += 1;
                Ok(())
            }
            Err(e) => {
                self.stats.tx_errors += 1;
                Err(e.into())
            }
        }
    }

    /// The first `len` bytes of a frame (zeroed, our Ethernet header with
    /// the destination left zero) in a buffer with room for `capacity`
    /// bytes, so that the payload can be appended without zero-filling it
    /// first.
    pub(super) fn new_header(&self, len: usize, capacity: usize, ethertype: EtherType) -> Vec<u8> {
        let mut frame = Vec::with_capacity(capacity.max(len));
        frame.resize(len, 0);
        EthernetRepr {
            src: self.mac,
            dst: EthernetAddress([0; 6]),
            vlan: None,
            ethertype,
        }
        .emit(&mut EthernetFrame::new_unchecked(&mut frame[..]));
        frame
    }

    /// The link-layer destination for `link` if it is known at `now`
    /// (what [`dispatch`](Self::dispatch) would send to at once), else
    /// `None` (the frame would be held while the next hop is resolved).
    pub(super) fn link_mac_now(&self, now: u64, link: LinkDst) -> Option<EthernetAddress> {
        match link {
            LinkDst::Mac(mac) => Some(mac),
            LinkDst::Neighbor(IpAddr::V4(a)) => {
                self.arp_cache.lookup(&Ipv4Address(a.octets()), now)
            }
            LinkDst::Neighbor(IpAddr::V6(a)) => {
                self.ndp_cache.lookup(&Ipv6Address(a.octets()), now)
            }
        }
    }

    /// A zeroed frame of `len` bytes with our Ethernet header (destination
    /// left zero until the next hop is known).
    pub(super) fn new_frame(&self, len: usize, ethertype: EtherType) -> Vec<u8> {
        let mut frame = vec![0u8; len];
        EthernetRepr {
            src: self.mac,
            dst: EthernetAddress([0; 6]),
            vlan: None,
            ethertype,
        }
        .emit(&mut EthernetFrame::new_unchecked(&mut frame[..]));
        frame
    }

    pub(super) fn route_v4(&self, dst: Ipv4Address) -> Result<(Ipv4Address, LinkDst), SendError> {
        let ip = IpAddr::V4(Ipv4Addr::from(dst.0));
        let (src, prefix) = self.ipv4.ok_or(SendError::NoSourceAddress(ip))?;
        let host_bits = u32::MAX.checked_shr(u32::from(prefix)).unwrap_or(0);
        let subnet_bcast = prefix < 31
            && in_prefix(&dst.0, &src.0, prefix)
            && (u32::from_be_bytes(dst.0) & host_bits) == host_bits;
        if dst == Ipv4Address::BROADCAST || subnet_bcast {
            return Ok((src, LinkDst::Mac(EthernetAddress::BROADCAST)));
        }
        if dst.is_multicast() {
            let d = dst.0;
            return Ok((
                src,
                LinkDst::Mac(EthernetAddress([0x01, 0x00, 0x5e, d[1] & 0x7f, d[2], d[3]])),
            ));
        }
        if in_prefix(&dst.0, &src.0, prefix) {
            return Ok((src, LinkDst::Neighbor(ip)));
        }
        match self.config.ipv4_gateway {
            Some(gw) => Ok((src, LinkDst::Neighbor(IpAddr::V4(gw)))),
            None => Err(SendError::NoRoute(ip)),
        }
    }

    pub(super) fn route_v6(&self, dst: Ipv6Address) -> Result<(Ipv6Address, LinkDst), SendError> {
        let ip = IpAddr::V6(Ipv6Addr::from(dst.0));
        if dst.is_multicast() {
            // Link-scope (and smaller) multicast from the link-local address.
            let src = match self.ipv6_global {
                Some((g, _)) if dst.0[1] & 0x0f > 2 => g,
                _ => self.ipv6_link_local,
            };
            return Ok((src, LinkDst::Mac(ipv6_multicast_mac(&dst))));
        }
        if is_link_local(&dst) {
            return Ok((self.ipv6_link_local, LinkDst::Neighbor(ip)));
        }
        let (src, prefix) = self.ipv6_global.ok_or(SendError::NoSourceAddress(ip))?;
        if in_prefix(&dst.0, &src.0, prefix) {
            return Ok((src, LinkDst::Neighbor(ip)));
        }
        match self.config.ipv6_gateway {
            Some(gw) => Ok((src, LinkDst::Neighbor(IpAddr::V6(gw)))),
            None => Err(SendError::NoRoute(ip)),
        }
    }

    /// Sends an ICMP echo request (`request`) or reply to `dst`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn send_icmpv4_echo(
        &mut self,
        now: u64,
        device: &mut dyn Device,
        dst: Ipv4Address,
        request: bool,
        ident: u16,
        seq_no: u16,
        data: &[u8],
    ) -> Result<(), SendError> {
        let (src, link) = self.route_v4(dst)?;
        let repr = if request {
            Icmpv4Repr::EchoRequest {
                ident,
                seq_no,
                data,
            }
        } else {
            Icmpv4Repr::EchoReply {
                ident,
                seq_no,
                data,
            }
        };
        let l4_len = repr.buffer_len();
        // The packet must fit the 16-bit total length; past the MTU it
        // leaves in fragments (DF clear), its checksum done here.
        if l4_len + ipv4::field::MIN_HEADER_LEN > MAX_DATAGRAM {
            return Err(SendError::TooBig(data.len()));
        }
        let caps = device.capabilities();
        let limit = self.frame_limit(&*device, IpAddr::V4(Ipv4Addr::from(dst.0)));
        let fragment = IPV4_L4 + l4_len > limit;
        let mut frame = self.new_frame(IPV4_L4 + l4_len, EtherType::IPV4);
        self.ipv4_ident = self.ipv4_ident.wrapping_add(1);
        Ipv4Repr::unfragmented(src, dst, ip_protocol::ICMP, l4_len, self.ipv4_ident, false)
            .emit(&mut Ipv4Packet::new_unchecked(&mut frame[ETH..]), true);
        repr.emit(&mut Icmpv4Packet::new_unchecked(&mut frame[IPV4_L4..]));
        let offload = caps.tx_checksum && !fragment;
        let meta = finish_checksum(offload, &mut frame, IPV4_L4, icmpv4::field::CHECKSUM, 0);
        if fragment {
            return self.dispatch_fragmentable(now, device, link, frame);
        }
        self.dispatch(now, device, link, frame, meta)
    }

    /// Sends an ICMPv6 echo request (`request`) or reply to `dst`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn send_icmpv6_echo(
        &mut self,
        now: u64,
        device: &mut dyn Device,
        dst: Ipv6Address,
        request: bool,
        ident: u16,
        seq_no: u16,
        data: &[u8],
    ) -> Result<(), SendError> {
        let (src, link) = self.route_v6(dst)?;
        let repr = if request {
            Icmpv6Repr::EchoRequest {
                ident,
                seq_no,
                data,
            }
        } else {
            Icmpv6Repr::EchoReply {
                ident,
                seq_no,
                data,
            }
        };
        // The packet must fit the 16-bit payload length; past the MTU it
        // leaves in fragments, its checksum done here.
        if repr.buffer_len() > MAX_DATAGRAM {
            return Err(SendError::TooBig(data.len()));
        }
        let limit = self.frame_limit(&*device, IpAddr::V6(Ipv6Addr::from(dst.0)));
        if IPV6_L4 + repr.buffer_len() > limit {
            let (frame, _) = self.icmpv6_frame_with(false, src, dst, 64, &repr);
            return self.dispatch_fragmentable(now, device, link, frame);
        }
        let (frame, meta) = self.icmpv6_frame(device, src, dst, 64, &repr);
        self.dispatch(now, device, link, frame, meta)
    }

    /// An Ethernet + IPv6 + ICMPv6 frame (destination MAC zero).
    pub(super) fn icmpv6_frame(
        &self,
        device: &dyn Device,
        src: Ipv6Address,
        dst: Ipv6Address,
        hop_limit: u8,
        repr: &Icmpv6Repr,
    ) -> (Vec<u8>, TxMeta) {
        let offload = device.capabilities().tx_checksum;
        self.icmpv6_frame_with(offload, src, dst, hop_limit, repr)
    }

    /// [`icmpv6_frame`](Self::icmpv6_frame) with the checksum left to the
    /// device (`offload`) or done here.
    fn icmpv6_frame_with(
        &self,
        offload: bool,
        src: Ipv6Address,
        dst: Ipv6Address,
        hop_limit: u8,
        repr: &Icmpv6Repr,
    ) -> (Vec<u8>, TxMeta) {
        let l4_len = repr.buffer_len();
        let mut frame = self.new_frame(IPV6_L4 + l4_len, EtherType::IPV6);
        Ipv6Repr {
            src_addr: src,
            dst_addr: dst,
            next_header: ip_protocol::ICMPV6,
            payload_len: l4_len,
            hop_limit,
            traffic_class: 0,
            flow_label: 0,
        }
        .emit(&mut Ipv6Packet::new_unchecked(&mut frame[ETH..]));
        repr.emit(
            &mut Icmpv6Packet::new_unchecked(&mut frame[IPV6_L4..]),
            src,
            dst,
        );
        let pseudo = checksum::pseudo_header_v6(src.0, dst.0, ip_protocol::ICMPV6, l4_len as u32);
        let meta = finish_checksum(
            offload,
            &mut frame,
            IPV6_L4,
            icmpv6::field::CHECKSUM,
            pseudo,
        );
        (frame, meta)
    }

    /// Sends `frame` now if its link destination is known, else holds it
    /// and starts (or joins) resolution of the next hop.
    pub(super) fn dispatch(
        &mut self,
        now: u64,
        device: &mut dyn Device,
        link: LinkDst,
        frame: Vec<u8>,
        meta: TxMeta,
    ) -> Result<(), SendError> {
        self.dispatch_with(now, device, link, frame, meta, false)
    }

    /// As [`dispatch`](Self::dispatch), for an IP packet (UDP, ICMP echo)
    /// with its checksum complete that is sent in fragments if it exceeds
    /// the device's MTU when it leaves ([`transmit_fragments`](Self::transmit_fragments)).
    pub(super) fn dispatch_fragmentable(
        &mut self,
        now: u64,
        device: &mut dyn Device,
        link: LinkDst,
        frame: Vec<u8>,
    ) -> Result<(), SendError> {
        self.dispatch_with(now, device, link, frame, TxMeta::default(), true)
    }

    fn send_now(
        &mut self,
        device: &mut dyn Device,
        frame: &[u8],
        meta: &TxMeta,
        fragmentable: bool,
    ) -> Result<(), SendError> {
        if fragmentable {
            self.transmit_fragments(device, frame, meta)
        } else {
            self.transmit(device, frame, meta)
        }
    }

    fn dispatch_with(
        &mut self,
        now: u64,
        device: &mut dyn Device,
        link: LinkDst,
        mut frame: Vec<u8>,
        meta: TxMeta,
        fragmentable: bool,
    ) -> Result<(), SendError> {
        let next_hop = match link {
            LinkDst::Mac(mac) => {
                frame[..6].copy_from_slice(&mac.0);
                return self.send_now(device, &frame, &meta, fragmentable);
            }
            LinkDst::Neighbor(ip) => ip,
        };
        let cached = match next_hop {
            IpAddr::V4(a) => self.arp_cache.lookup(&Ipv4Address(a.octets()), now),
            IpAddr::V6(a) => self.ndp_cache.lookup(&Ipv6Address(a.octets()), now),
        };
        if let Some(mac) = cached {
            frame[..6].copy_from_slice(&mac.0);
            return self.send_now(device, &frame, &meta, fragmentable);
        }
        if self.held.len() >= self.config.max_held_packets {
            self.stats.held_overflow += 1;
            return Err(SendError::QueueFull);
        }
        self.held.push(Held {
            next_hop,
            frame,
            meta,
            fragmentable,
        });
        if !self.resolutions.iter().any(|r| r.next_hop == next_hop) {
            self.resolutions.push(Resolution {
                next_hop,
                attempts: 1,
                deadline: now.saturating_add(self.config.resolve_retry_ns),
            });
            // A lost request is retried by the timer; the packet stays held.
            let _ = self.solicit(device, next_hop);
        }
        Ok(())
    }

    /// Sends one ARP request or neighbour solicitation for `target`.
    fn solicit(&mut self, device: &mut dyn Device, target: IpAddr) -> Result<(), SendError> {
        match target {
            IpAddr::V4(t) => {
                let src = self
                    .ipv4
                    .map(|(a, _)| a)
                    .unwrap_or(Ipv4Address::UNSPECIFIED);
                let mut frame = self.new_frame(ETH + 28, EtherType::ARP);
                frame[..6].copy_from_slice(&EthernetAddress::BROADCAST.0);
                ArpRepr {
                    operation: ArpOperation::Request,
                    source_hardware_addr: self.mac,
                    source_protocol_addr: src,
                    target_hardware_addr: EthernetAddress([0; 6]),
                    target_protocol_addr: Ipv4Address(t.octets()),
                }
                .emit(&mut ArpPacket::new_unchecked(&mut frame[ETH..]));
                self.transmit(device, &frame, &TxMeta::default())
            }
            IpAddr::V6(t) => {
                let target = Ipv6Address(t.octets());
                let dst = target.solicited_node();
                let src = if is_link_local(&target) {
                    self.ipv6_link_local
                } else {
                    self.ipv6_global
                        .map(|(g, _)| g)
                        .unwrap_or(self.ipv6_link_local)
                };
                let repr = Icmpv6Repr::Ndp(NdpRepr::NeighborSolicit {
                    target_addr: target,
                    lladdr: Some(self.mac),
                });
                let (mut frame, meta) = self.icmpv6_frame(device, src, dst, 255, &repr);
                frame[..6].copy_from_slice(&ipv6_multicast_mac(&dst).0);
                self.transmit(device, &frame, &meta)
            }
        }
    }

    /// `addr` is now known: sends what was held for it.
    pub(super) fn resolved(&mut self, device: &mut dyn Device, addr: IpAddr, mac: EthernetAddress) {
        self.resolutions.retain(|r| r.next_hop != addr);
        let (ready, rest): (Vec<Held>, Vec<Held>) = std::mem::take(&mut self.held)
            .into_iter()
            .partition(|h| h.next_hop == addr);
        self.held = rest;
        for mut h in ready {
            h.frame[..6].copy_from_slice(&mac.0);
            let _ = self.send_now(device, &h.frame, &h.meta, h.fragmentable);
        }
    }

    /// Retries or gives up on due resolutions, drops expired neighbours
    /// and abandons datagrams whose reassembly timed out.
    pub(super) fn run_timers(&mut self, now: u64, device: &mut dyn Device) {
        self.reassembly.expire(now, &mut self.stats);
        self.stats.pmtu_expired += self.pmtu.purge(now) as u64;
        self.arp_cache.purge(now);
        self.ndp_cache.purge(now);
        let due: Vec<usize> = (0..self.resolutions.len())
            .filter(|&i| self.resolutions[i].deadline <= now)
            .collect();
        let mut failed = Vec::new();
        for i in due {
            let r = &mut self.resolutions[i];
            if r.attempts >= self.config.resolve_attempts {
                failed.push(r.next_hop);
            } else {
                r.attempts += 1;
                r.deadline = now.saturating_add(self.config.resolve_retry_ns);
                let hop = r.next_hop;
                let _ = self.solicit(device, hop);
            }
        }
        for hop in failed {
            self.stats.resolution_failures += 1;
            self.resolutions.retain(|r| r.next_hop != hop);
            let before = self.held.len();
            self.held.retain(|h| h.next_hop != hop);
            self.stats.unresolved_dropped += (before - self.held.len()) as u64;
        }
    }
}
