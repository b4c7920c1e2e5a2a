//! A narrow hop in the middle of an emulated path: two [`Wire`]s joined by
//! a node whose link between them carries IP packets of at most `mtu`
//! bytes, and which answers what does not fit as a router would.
//!
//! ```text
//!   host A ──wire 1── [A side  MtuHop  B side] ──wire 2── host B
//! ```
//!
//! Frames cross unchanged (the two hosts share one IP subnet and see each
//! other's MACs, as through a bridge: no routing set-up, ARP and NDP pass),
//! except IP packets larger than `mtu`:
//!
//! - IPv4 with DF set: dropped and answered with ICMP Destination
//!   Unreachable, Fragmentation Needed, with the next-hop MTU (RFC 1191
//!   §4), quoting the IP header and the first 8 bytes of its data (RFC
//!   792's minimum: what a host must cope with);
//! - IPv4 with DF clear: fragmented to `mtu` (RFC 791 §3.2) and forwarded;
//! - IPv6: dropped and answered with ICMPv6 Packet Too Big with the MTU,
//!   quoting as much as fits in 1280 bytes (RFC 4443 §2.4(c), §3.2).
//!
//! With `send_errors` off the hop is a path MTU black hole: oversized DF
//! packets vanish. [`MtuHop::set_reject`] makes it answer every TCP and UDP
//! packet from one side with a Destination Unreachable of a chosen code,
//! as a router whose route is down (the path "recovers" when it is
//! cleared). Errors go back out of the side the packet came from, from the
//! hop's own MAC and addresses, to the packet's source MAC.
//!
//! Like the wire, the hop reads no clock: [`MtuHop::pump`] forwards what
//! has reached its ports by `now`, in zero time.

use super::emulator::{PortId, Wire, WireError};
use crate::wire::{
    ethernet, ip_protocol, ipv4, ipv6, EtherType, EthernetAddress, EthernetFrame, EthernetRepr,
    Icmpv4Packet, Icmpv4Repr, Icmpv6Packet, Icmpv6Repr, Ipv4Address, Ipv4Packet, Ipv4Repr,
    Ipv6Address, Ipv6Packet, Ipv6Repr,
};
use std::net::{Ipv4Addr, Ipv6Addr};

const ETH: usize = ethernet::field::HEADER_LEN;

/// One side of the hop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    A,
    B,
}

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::A => Side::B,
            Side::B => Side::A,
        }
    }
}

/// How the hop is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HopConfig {
    /// Largest IP packet (IPv4 total length, IPv6 40 + payload length) the
    /// narrow link carries.
    pub mtu: usize,
    /// The hop's MAC and addresses: the source of its ICMP errors.
    pub mac: [u8; 6],
    pub ipv4: Ipv4Addr,
    pub ipv6: Ipv6Addr,
    /// Answer oversized packets (off: a path MTU black hole).
    pub send_errors: bool,
}

/// TCP and UDP packets from `from` are answered with Destination
/// Unreachable of `code_v4` (ICMPv4) or `code_v6` (ICMPv6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reject {
    pub from: Side,
    pub code_v4: u8,
    pub code_v6: u8,
}

/// What the hop did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HopStats {
    /// Frames passed on unchanged.
    pub forwarded: u64,
    /// Oversized packets dropped (DF IPv4, IPv6), and the ICMP / ICMPv6
    /// errors sent for them.
    pub too_big: u64,
    pub frag_needed_sent: u64,
    pub packet_too_big_sent: u64,
    /// IPv4 packets without DF fragmented, and the fragments sent.
    pub fragmented: u64,
    pub fragments_out: u64,
    /// Packets answered with Destination Unreachable by [`Reject`].
    pub rejected: u64,
    /// The largest IP packet forwarded towards each side.
    pub largest_to_a: usize,
    pub largest_to_b: usize,
}

/// The hop (see the module).
#[derive(Debug)]
pub struct MtuHop {
    config: HopConfig,
    reject: Option<Reject>,
    stats: HopStats,
    ident: u16,
}

/// Where an IP packet sits in a frame: its length by its header, its
/// upper-layer protocol (IPv6: the fixed header's Next Header), IPv4 DF.
struct IpAt {
    v6: bool,
    len: usize,
    protocol: u8,
    dont_frag: bool,
}

fn ip_at(frame: &[u8]) -> Option<IpAt> {
    let eth = EthernetFrame::new_checked(frame).ok()?;
    if eth.is_tagged() {
        return None;
    }
    let ip = &frame[ETH..];
    match eth.ethertype() {
        EtherType::IPV4 => {
            let p = Ipv4Packet::new_checked(ip).ok()?;
            Some(IpAt {
                v6: false,
                len: usize::from(p.total_len()),
                protocol: p.protocol(),
                dont_frag: p.dont_frag(),
            })
        }
        EtherType::IPV6 => {
            let p = Ipv6Packet::new_checked(ip).ok()?;
            Some(IpAt {
                v6: true,
                len: ipv6::field::HEADER_LEN + usize::from(p.payload_len()),
                protocol: p.next_header(),
                dont_frag: true,
            })
        }
        _ => None,
    }
}

impl MtuHop {
    pub fn new(config: HopConfig) -> Self {
        MtuHop {
            config,
            reject: None,
            stats: HopStats::default(),
            ident: 0,
        }
    }

    pub fn config(&self) -> HopConfig {
        self.config
    }

    /// Changes the narrow link's MTU (a route change), from the next frame.
    pub fn set_mtu(&mut self, mtu: usize) {
        self.config.mtu = mtu;
    }

    /// Starts (or with `None` stops) answering TCP and UDP with
    /// Destination Unreachable.
    pub fn set_reject(&mut self, reject: Option<Reject>) {
        self.reject = reject;
    }

    pub fn stats(&self) -> HopStats {
        self.stats
    }

    /// What becomes of `frame`, arriving at side `from`: the frames to send
    /// and out of which side (the other side for what crosses, `from` for
    /// an ICMP error).
    pub fn handle(&mut self, from: Side, frame: Vec<u8>) -> Vec<(Side, Vec<u8>)> {
        let Some(at) = ip_at(&frame) else {
            self.stats.forwarded += 1;
            return vec![(from.other(), frame)];
        };
        let l4 = matches!(at.protocol, ip_protocol::TCP | ip_protocol::UDP);
        if let Some(r) = self.reject.filter(|r| r.from == from && l4) {
            self.stats.rejected += 1;
            return if at.v6 {
                let quote = v6_quote(&frame);
                let err = Icmpv6Repr::DstUnreachable {
                    code: r.code_v6,
                    quote,
                };
                vec![(from, self.icmpv6_error(&frame, &err))]
            } else {
                let quote = v4_quote(&frame);
                let err = Icmpv4Repr::DstUnreachable {
                    code: r.code_v4,
                    next_hop_mtu: 0,
                    quote,
                };
                vec![(from, self.icmpv4_error(&frame, &err))]
            };
        }
        if at.len <= self.config.mtu {
            self.stats.forwarded += 1;
            let largest = match from.other() {
                Side::A => &mut self.stats.largest_to_a,
                Side::B => &mut self.stats.largest_to_b,
            };
            *largest = (*largest).max(at.len);
            return vec![(from.other(), frame)];
        }
        if !at.dont_frag {
            return self.fragment(from, &frame);
        }
        self.stats.too_big += 1;
        if !self.config.send_errors {
            return Vec::new();
        }
        let mtu = self.config.mtu;
        if at.v6 {
            self.stats.packet_too_big_sent += 1;
            let err = Icmpv6Repr::PacketTooBig {
                mtu: mtu as u32,
                quote: v6_quote(&frame),
            };
            vec![(from, self.icmpv6_error(&frame, &err))]
        } else {
            self.stats.frag_needed_sent += 1;
            let err = Icmpv4Repr::DstUnreachable {
                code: crate::wire::icmpv4::msg_type::CODE_FRAG_NEEDED,
                next_hop_mtu: mtu.min(usize::from(u16::MAX)) as u16,
                quote: v4_quote(&frame),
            };
            vec![(from, self.icmpv4_error(&frame, &err))]
        }
    }

    /// Forwards every frame that has reached the hop's port on either wire
    /// by `now` (`a`: its port on side A's wire, `b` on side B's); how many
    /// frames it sent.
    pub fn pump(
        &mut self,
        now: u64,
        a: (&mut Wire, PortId),
        b: (&mut Wire, PortId),
    ) -> Result<usize, WireError> {
        let (wa, pa) = a;
        let (wb, pb) = b;
        let mut sent = 0;
        loop {
            let (from, frame) = if let Some(f) = wa.recv(pa, now)? {
                (Side::A, f)
            } else if let Some(f) = wb.recv(pb, now)? {
                (Side::B, f)
            } else {
                return Ok(sent);
            };
            for (side, out) in self.handle(from, frame) {
                match side {
                    Side::A => wa.send(pa, out, now)?,
                    Side::B => wb.send(pb, out, now)?,
                };
                sent += 1;
            }
        }
    }

    /// An IPv4 packet without DF, cut into fragments of at most `mtu`
    /// bytes (its header on each; offsets in 8-byte units; MF on all but
    /// the last, kept on the last if the packet was itself a fragment
    /// with MF).
    fn fragment(&mut self, from: Side, frame: &[u8]) -> Vec<(Side, Vec<u8>)> {
        let ip = Ipv4Packet::new_unchecked(&frame[ETH..]);
        let hl = ip.header_len();
        let (base, more_after) = (usize::from(ip.frag_offset()), ip.more_frags());
        let payload = &frame[ETH + hl..ETH + usize::from(ip.total_len())];
        let per = self.config.mtu.saturating_sub(hl) & !7;
        if per == 0 {
            self.stats.too_big += 1;
            return Vec::new();
        }
        self.stats.fragmented += 1;
        let mut out = Vec::new();
        let mut off = 0;
        while off < payload.len() {
            let n = per.min(payload.len() - off);
            let more = off + n < payload.len() || more_after;
            let mut f = Vec::with_capacity(ETH + hl + n);
            f.extend_from_slice(&frame[..ETH + hl]);
            f.extend_from_slice(&payload[off..off + n]);
            let mut p = Ipv4Packet::new_unchecked(&mut f[ETH..]);
            p.set_total_len((hl + n) as u16);
            p.set_frag(false, more, (base + off) as u16);
            p.fill_checksum();
            self.stats.fragments_out += 1;
            out.push((from.other(), f));
            off += n;
        }
        out
    }

    /// The Ethernet header of an error answering `frame`.
    fn error_frame(&self, frame: &[u8], ethertype: EtherType, len: usize) -> Vec<u8> {
        let to = EthernetFrame::new_unchecked(frame).source();
        let mut f = vec![0u8; ETH + len];
        EthernetRepr {
            src: EthernetAddress(self.config.mac),
            dst: to,
            vlan: None,
            ethertype,
        }
        .emit(&mut EthernetFrame::new_unchecked(&mut f[..]));
        f
    }

    fn icmpv4_error(&mut self, frame: &[u8], err: &Icmpv4Repr) -> Vec<u8> {
        let to = Ipv4Packet::new_unchecked(&frame[ETH..]).src_addr();
        let len = ipv4::field::MIN_HEADER_LEN + err.buffer_len();
        let mut f = self.error_frame(frame, EtherType::IPV4, len);
        self.ident = self.ident.wrapping_add(1);
        let src = Ipv4Address(self.config.ipv4.octets());
        Ipv4Repr::unfragmented(
            src,
            to,
            ip_protocol::ICMP,
            err.buffer_len(),
            self.ident,
            false,
        )
        .emit(&mut Ipv4Packet::new_unchecked(&mut f[ETH..]), true);
        err.emit(&mut Icmpv4Packet::new_unchecked(
            &mut f[ETH + ipv4::field::MIN_HEADER_LEN..],
        ));
        f
    }

    fn icmpv6_error(&mut self, frame: &[u8], err: &Icmpv6Repr) -> Vec<u8> {
        let to = Ipv6Packet::new_unchecked(&frame[ETH..]).src_addr();
        let len = ipv6::field::HEADER_LEN + err.buffer_len();
        let mut f = self.error_frame(frame, EtherType::IPV6, len);
        let src = Ipv6Address(self.config.ipv6.octets());
        Ipv6Repr {
            src_addr: src,
            dst_addr: to,
            next_header: ip_protocol::ICMPV6,
            payload_len: err.buffer_len(),
            hop_limit: 64,
            traffic_class: 0,
            flow_label: 0,
        }
        .emit(&mut Ipv6Packet::new_unchecked(&mut f[ETH..]));
        err.emit(
            &mut Icmpv6Packet::new_unchecked(&mut f[ETH + ipv6::field::HEADER_LEN..]),
            src,
            to,
        );
        f
    }
}

/// RFC 792's quote: the IPv4 header and the first 8 bytes of its data.
fn v4_quote(frame: &[u8]) -> &[u8] {
    let ip = &frame[ETH..];
    let hl = Ipv4Packet::new_unchecked(ip).header_len();
    &ip[..(hl + 8).min(ip.len())]
}

/// RFC 4443's quote: as much of the packet as keeps the error within the
/// IPv6 minimum MTU (1280 less the IPv6 and ICMPv6 headers).
fn v6_quote(frame: &[u8]) -> &[u8] {
    let ip = &frame[ETH..];
    &ip[..ip.len().min(1280 - ipv6::field::HEADER_LEN - 8)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::quote;

    const MAC_A: [u8; 6] = [2, 0, 0, 0, 0, 0xa];
    const MAC_B: [u8; 6] = [2, 0, 0, 0, 0, 0xb];

    fn hop() -> MtuHop {
        MtuHop::new(HopConfig {
            mtu: 1280,
            mac: [2, 0, 0, 0, 0, 0xfe],
            ipv4: Ipv4Addr::new(10, 0, 0, 254),
            ipv6: "2001:db8::fe".parse().unwrap(),
            send_errors: true,
        })
    }

    fn eth(ethertype: EtherType, len: usize) -> Vec<u8> {
        let mut f = vec![0u8; ETH + len];
        EthernetRepr {
            src: EthernetAddress(MAC_A),
            dst: EthernetAddress(MAC_B),
            vlan: None,
            ethertype,
        }
        .emit(&mut EthernetFrame::new_unchecked(&mut f[..]));
        f
    }

    /// A TCP-over-IPv4 frame of `len` IP bytes, 10.0.0.1 -> 10.0.0.2.
    fn v4_frame(len: usize, df: bool) -> Vec<u8> {
        let mut f = eth(EtherType::IPV4, len);
        Ipv4Repr::unfragmented(
            Ipv4Address([10, 0, 0, 1]),
            Ipv4Address([10, 0, 0, 2]),
            ip_protocol::TCP,
            len - 20,
            9,
            df,
        )
        .emit(&mut Ipv4Packet::new_unchecked(&mut f[ETH..]), true);
        for (i, b) in f[ETH + 20..].iter_mut().enumerate() {
            *b = i as u8;
        }
        f
    }

    fn v6_frame(len: usize) -> Vec<u8> {
        let mut f = eth(EtherType::IPV6, len);
        Ipv6Repr {
            src_addr: Ipv6Address("2001:db8::a".parse::<Ipv6Addr>().unwrap().octets()),
            dst_addr: Ipv6Address("2001:db8::b".parse::<Ipv6Addr>().unwrap().octets()),
            next_header: ip_protocol::TCP,
            payload_len: len - 40,
            hop_limit: 64,
            traffic_class: 0,
            flow_label: 0,
        }
        .emit(&mut Ipv6Packet::new_unchecked(&mut f[ETH..]));
        f
    }

    #[test]
    fn packets_that_fit_cross_unchanged() {
        let mut h = hop();
        let f = v4_frame(1280, true);
        assert_eq!(h.handle(Side::A, f.clone()), vec![(Side::B, f)]);
        let f = v6_frame(1280);
        assert_eq!(h.handle(Side::B, f.clone()), vec![(Side::A, f)]);
        assert_eq!(h.stats().forwarded, 2);
        assert_eq!(
            (h.stats().largest_to_a, h.stats().largest_to_b),
            (1280, 1280)
        );
    }

    #[test]
    fn oversized_df_ipv4_is_answered_with_fragmentation_needed() {
        let mut h = hop();
        let f = v4_frame(1500, true);
        let out = h.handle(Side::A, f.clone());
        assert_eq!(out.len(), 1);
        let (side, e) = &out[0];
        assert_eq!(*side, Side::A, "back to the sender");
        assert_eq!(&e[..6], &MAC_A);
        let ip = Ipv4Packet::new_checked(&e[ETH..]).unwrap();
        assert_eq!(ip.src_addr(), Ipv4Address([10, 0, 0, 254]));
        assert_eq!(ip.dst_addr(), Ipv4Address([10, 0, 0, 1]));
        let icmp = Icmpv4Packet::new_checked(ip.payload()).unwrap();
        let Icmpv4Repr::DstUnreachable {
            code: 4,
            next_hop_mtu: 1280,
            quote: q,
        } = Icmpv4Repr::parse(&icmp, true).unwrap()
        else {
            panic!("not Fragmentation Needed")
        };
        assert_eq!(q, &f[ETH..ETH + 28], "IP header and 8 bytes");
        assert_eq!(quote::parse_v4(q).unwrap().len, 1500);
        assert_eq!(h.stats().frag_needed_sent, 1);
    }

    #[test]
    fn oversized_ipv4_without_df_is_fragmented() {
        let mut h = hop();
        let f = v4_frame(3000, false);
        let out = h.handle(Side::A, f.clone());
        assert_eq!(out.len(), 3);
        let mut data = Vec::new();
        for (i, (side, g)) in out.iter().enumerate() {
            assert_eq!(*side, Side::B);
            let p = Ipv4Packet::new_checked(&g[ETH..]).unwrap();
            assert!(p.verify_checksum());
            assert!(usize::from(p.total_len()) <= 1280);
            assert_eq!(usize::from(p.frag_offset()), data.len());
            assert_eq!(p.more_frags(), i < 2);
            data.extend_from_slice(p.payload());
        }
        assert_eq!(data, &f[ETH + 20..]);
    }

    #[test]
    fn oversized_ipv6_is_answered_with_packet_too_big() {
        let mut h = hop();
        let f = v6_frame(1500);
        let out = h.handle(Side::A, f.clone());
        let (side, e) = &out[0];
        assert_eq!(*side, Side::A);
        let ip = Ipv6Packet::new_checked(&e[ETH..]).unwrap();
        assert!(ETH + 40 + usize::from(ip.payload_len()) <= ETH + 1280);
        let (src, dst) = (ip.src_addr(), ip.dst_addr());
        let icmp = Icmpv6Packet::new_checked(ip.payload()).unwrap();
        let Icmpv6Repr::PacketTooBig {
            mtu: 1280,
            quote: q,
        } = Icmpv6Repr::parse(&icmp, src, dst, true).unwrap()
        else {
            panic!("not Packet Too Big")
        };
        assert_eq!(q, &f[ETH..ETH + 1280 - 48]);
        assert_eq!(quote::parse_v6(q).unwrap().len, 1500);
    }

    #[test]
    fn reject_answers_tcp_from_one_side_with_the_chosen_code() {
        let mut h = hop();
        h.set_reject(Some(Reject {
            from: Side::A,
            code_v4: 1,
            code_v6: 3,
        }));
        let out = h.handle(Side::A, v4_frame(60, true));
        let ip = Ipv4Packet::new_checked(&out[0].1[ETH..]).unwrap();
        assert_eq!(&ip.payload()[..2], &[3, 1]);
        let out = h.handle(Side::A, v6_frame(60));
        let ip = Ipv6Packet::new_checked(&out[0].1[ETH..]).unwrap();
        assert_eq!(&ip.payload()[..2], &[1, 3]);
        assert_eq!(h.handle(Side::B, v4_frame(60, true))[0].0, Side::A);
        h.set_reject(None);
        assert_eq!(h.handle(Side::A, v4_frame(60, true))[0].0, Side::B);
        assert_eq!(h.stats().rejected, 2);
    }

    #[test]
    fn pump_moves_frames_between_two_wires() {
        use super::super::emulator::LinkConfig;
        let mut w1 = Wire::new(LinkConfig::default(), 1);
        let mut w2 = Wire::new(LinkConfig::default(), 2);
        let (a, ha) = (w1.attach(), w1.attach());
        let (hb, b) = (w2.attach(), w2.attach());
        let mut h = hop();
        w1.send(a, v4_frame(1000, true), 0).unwrap();
        w1.send(a, v4_frame(1400, true), 0).unwrap();
        assert_eq!(h.pump(0, (&mut w1, ha), (&mut w2, hb)).unwrap(), 2);
        assert_eq!(w2.recv(b, 0).unwrap().map(|f| f.len()), Some(ETH + 1000));
        assert_eq!(w2.recv(b, 0).unwrap(), None);
        let err = w1.recv(a, 0).unwrap().expect("an ICMP error back to A");
        assert_eq!(
            EthernetFrame::new_unchecked(&err[..]).ethertype(),
            EtherType::IPV4
        );
    }
}
