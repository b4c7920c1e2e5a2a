//! IP fragments, both ways, both families: reassembly (RFC 791 / 815,
//! RFC 8200 section 4.5) that hostile fragments cannot hurt (overlaps
//! discard the datagram, RFC 5722; tiny first fragments refused, RFC 1858 /
//! RFC 7112; bounded memory and a timeout), and fragmentation on send of UDP
//! datagrams and ICMP echo messages larger than the MTU.
//!
//! The fragments these tests send are cut by the test itself (its own
//! header writing, below), not by the stack; what the stack sends in
//! fragments is put back together by the test's own reassembler
//! ([`join_fragments`]) or by the other stack.

use emulated_nic::EmulatorPort;
use rand::seq::SliceRandom;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use stack::checksum;
use stack::iface::{Interface, InterfaceConfig, ReassemblyConfig};
use stack::phy::emulator::{LinkConfig, Wire};
use stack::phy::{Capabilities, Device, DeviceError, RxChecksum, RxMeta, TxMeta};
use stack::wire::{
    ip_protocol, EtherType, EthernetAddress, EthernetFrame, EthernetRepr, Icmpv4Packet, Icmpv4Repr,
    Icmpv6Packet, Icmpv6Repr, Ipv4Address, Ipv4Packet, Ipv4Repr, Ipv6Address, Ipv6Packet, Ipv6Repr,
    NdpRepr,
};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::rc::Rc;

const MAC_A: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0a];
const MAC_B: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0b];
const IP_A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const IP_B: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
const IP6_A: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0xa);
const IP6_B: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0xb);
const MS: u64 = 1_000_000;
const SEC: u64 = 1_000_000_000;
const ETH: usize = 14;
const UDP_PORT: u16 = 5000;

fn config(mac: [u8; 6], v4: Ipv4Addr, v6: Ipv6Addr) -> InterfaceConfig {
    InterfaceConfig {
        ipv4: Some((v4, 24)),
        ipv6: Some((v6, 64)),
        ..InterfaceConfig::new(mac)
    }
}

/// A device with queues the test fills and reads, a 1500-byte MTU.
struct MockDevice {
    caps: Capabilities,
    rx: VecDeque<(Vec<u8>, RxMeta)>,
    tx: Vec<Vec<u8>>,
}

impl MockDevice {
    fn new(rx_checksum: bool) -> Self {
        MockDevice {
            caps: Capabilities {
                max_frame: 1514,
                rx_checksum,
                ..Capabilities::default()
            },
            rx: VecDeque::new(),
            tx: Vec::new(),
        }
    }
}

impl Device for MockDevice {
    fn capabilities(&self) -> Capabilities {
        self.caps
    }
    fn transmit(&mut self, frame: &[u8], meta: &TxMeta) -> Result<(), DeviceError> {
        assert!(frame.len() <= self.caps.max_frame, "{} bytes", frame.len());
        let mut f = frame.to_vec();
        if meta.flags & stack::phy::F_NEEDS_CSUM != 0 {
            let (s, o) = (meta.csum_start.into(), meta.csum_offset.into());
            stack::iface::complete_checksum(&mut f, s, o).unwrap();
        }
        self.tx.push(f);
        Ok(())
    }
    fn receive(&mut self) -> Option<(Vec<u8>, RxMeta)> {
        self.rx.pop_front()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Family {
    V4,
    V6,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Udp,
    Echo,
}

fn eth_header(dst: [u8; 6], src: [u8; 6], ethertype: EtherType) -> Vec<u8> {
    let mut f = vec![0u8; ETH];
    EthernetRepr {
        src: EthernetAddress(src),
        dst: EthernetAddress(dst),
        vlan: None,
        ethertype,
    }
    .emit(&mut EthernetFrame::new_unchecked(&mut f[..]));
    f
}

/// The upper-layer message (UDP datagram or ICMP/ICMPv6 echo request) of
/// `data` from B to A, checksum filled, and its protocol number.
fn message(family: Family, kind: Kind, data: &[u8]) -> (Vec<u8>, u8) {
    let (b4, a4) = (Ipv4Address(IP_B.octets()), Ipv4Address(IP_A.octets()));
    let (b6, a6) = (Ipv6Address(IP6_B.octets()), Ipv6Address(IP6_A.octets()));
    match kind {
        Kind::Udp => {
            let mut m = vec![0u8; 8];
            m[0..2].copy_from_slice(&4000u16.to_be_bytes());
            m[2..4].copy_from_slice(&UDP_PORT.to_be_bytes());
            m[4..6].copy_from_slice(&((8 + data.len()) as u16).to_be_bytes());
            m.extend_from_slice(data);
            let pseudo = match family {
                Family::V4 => checksum::pseudo_header_v4(b4.0, a4.0, 17, m.len() as u16),
                Family::V6 => checksum::pseudo_header_v6(b6.0, a6.0, 17, m.len() as u32),
            };
            let c = !checksum::combine(&[pseudo, checksum::data(&m)]);
            m[6..8].copy_from_slice(&(if c == 0 { 0xffff } else { c }).to_be_bytes());
            (m, ip_protocol::UDP)
        }
        Kind::Echo => match family {
            Family::V4 => {
                let r = Icmpv4Repr::EchoRequest {
                    ident: 0x77,
                    seq_no: 9,
                    data,
                };
                let mut m = vec![0u8; r.buffer_len()];
                r.emit(&mut Icmpv4Packet::new_unchecked(&mut m[..]));
                (m, ip_protocol::ICMP)
            }
            Family::V6 => {
                let r = Icmpv6Repr::EchoRequest {
                    ident: 0x77,
                    seq_no: 9,
                    data,
                };
                let mut m = vec![0u8; r.buffer_len()];
                r.emit(&mut Icmpv6Packet::new_unchecked(&mut m[..]), b6, a6);
                (m, ip_protocol::ICMPV6)
            }
        },
    }
}

/// One fragment the test sends: `data` at `offset` of the fragmentable
/// part, M flag `more`.
#[derive(Clone, Debug)]
struct Piece {
    offset: usize,
    more: bool,
    data: Vec<u8>,
}

/// A fragment frame from B to A of datagram `ident` (IPv4: 20-byte header,
/// DF clear; IPv6: fixed header and a Fragment header naming `next`).
fn fragment_frame(family: Family, proto: u8, ident: u32, p: &Piece) -> Vec<u8> {
    fragment_frame_from(family, proto, ident, p, IP_B, IP6_B)
}

fn fragment_frame_from(
    family: Family,
    proto: u8,
    ident: u32,
    p: &Piece,
    src4: Ipv4Addr,
    src6: Ipv6Addr,
) -> Vec<u8> {
    match family {
        Family::V4 => {
            let mut f = eth_header(MAC_A, MAC_B, EtherType::IPV4);
            f.resize(ETH + 20, 0);
            let mut r = Ipv4Repr::unfragmented(
                Ipv4Address(src4.octets()),
                Ipv4Address(IP_A.octets()),
                proto,
                p.data.len(),
                ident as u16,
                false,
            );
            r.more_frags = p.more;
            r.frag_offset = p.offset as u16;
            f.extend_from_slice(&p.data);
            r.emit(&mut Ipv4Packet::new_unchecked(&mut f[ETH..]), true);
            f
        }
        Family::V6 => {
            let mut f = eth_header(MAC_A, MAC_B, EtherType::IPV6);
            f.resize(ETH + 40, 0);
            Ipv6Repr {
                src_addr: Ipv6Address(src6.octets()),
                dst_addr: Ipv6Address(IP6_A.octets()),
                next_header: ip_protocol::IPV6_FRAG,
                payload_len: 8 + p.data.len(),
                hop_limit: 64,
                traffic_class: 0,
                flow_label: 0,
            }
            .emit(&mut Ipv6Packet::new_unchecked(&mut f[ETH..]));
            let word = (p.offset as u16 & !7) | u16::from(p.more);
            f.extend_from_slice(&[proto, 0]);
            f.extend_from_slice(&word.to_be_bytes());
            f.extend_from_slice(&ident.to_be_bytes());
            f.extend_from_slice(&p.data);
            f
        }
    }
}

/// Cuts `msg` into pieces of random multiples of 8 bytes (up to `max`), at
/// least two.
fn cut(rng: &mut ChaCha8Rng, msg: &[u8], max: usize) -> Vec<Piece> {
    assert!(msg.len() > 8);
    loop {
        let mut pieces = Vec::new();
        let mut off = 0;
        while off < msg.len() {
            let n = (rng.gen_range(1..=max / 8) * 8).min(msg.len() - off);
            pieces.push(Piece {
                offset: off,
                more: off + n < msg.len(),
                data: msg[off..off + n].to_vec(),
            });
            off += n;
        }
        if pieces.len() >= 2 {
            return pieces;
        }
    }
}

/// Puts the fragments of one datagram (IPv4 or IPv6) sent by a stack back
/// together, independently of the stack: every frame must be a fragment
/// of one datagram (one identification), no bigger than `max_frame`, with
/// a valid IPv4 header checksum; the pieces must tile the datagram exactly.
/// Returns the upper-layer protocol and message.
fn join_fragments(frames: &[Vec<u8>], max_frame: usize) -> (u8, Vec<u8>) {
    let mut pieces: Vec<(usize, bool, Vec<u8>)> = Vec::new();
    let mut proto = None;
    let mut ident = None;
    for f in frames {
        assert!(f.len() <= max_frame, "a {}-byte frame", f.len());
        let ethertype = EthernetFrame::new_checked(&f[..]).unwrap().ethertype();
        let (p, id, off, more, data) = if ethertype == EtherType::IPV4 {
            let ip = Ipv4Packet::new_checked(&f[ETH..]).unwrap();
            assert!(ip.verify_checksum());
            assert!(!ip.dont_frag(), "DF set on a fragment");
            let r = (
                ip.protocol(),
                u32::from(ip.ident()),
                ip.frag_offset(),
                ip.more_frags(),
            );
            (r.0, r.1, usize::from(r.2), r.3, ip.payload().to_vec())
        } else {
            let ip = Ipv6Packet::new_checked(&f[ETH..]).unwrap();
            assert_eq!(ip.next_header(), ip_protocol::IPV6_FRAG);
            let pl = ip.payload();
            let word = u16::from_be_bytes([pl[2], pl[3]]);
            let id = u32::from_be_bytes([pl[4], pl[5], pl[6], pl[7]]);
            (
                pl[0],
                id,
                usize::from(word & !7),
                word & 1 == 1,
                pl[8..].to_vec(),
            )
        };
        assert_eq!(*proto.get_or_insert(p), p, "one protocol");
        assert_eq!(*ident.get_or_insert(id), id, "one identification");
        if more {
            assert_eq!(
                data.len() % 8,
                0,
                "a non-last fragment of {} bytes",
                data.len()
            );
        }
        pieces.push((off, more, data));
    }
    pieces.sort_by_key(|p| p.0);
    let mut msg = Vec::new();
    for (i, (off, more, data)) in pieces.iter().enumerate() {
        assert_eq!(*off, msg.len(), "pieces tile the datagram");
        assert_eq!(*more, i + 1 < pieces.len(), "M on all but the last");
        msg.extend_from_slice(data);
    }
    (proto.unwrap(), msg)
}

/// Interface A on a mock device, B's addresses learned (so replies leave
/// at once), a UDP socket on [`UDP_PORT`].
fn victim(
    cfg: InterfaceConfig,
    rx_checksum: bool,
) -> (Interface, MockDevice, stack::socket::UdpHandle) {
    let mut a = Interface::new(cfg);
    let u = a.udp_bind(UDP_PORT).unwrap();
    let mut dev = MockDevice::new(rx_checksum);
    let mut arp = eth_header(MAC_A, MAC_B, EtherType::ARP);
    let mut body = vec![0u8; 28];
    stack::wire::ArpRepr {
        operation: stack::wire::ArpOperation::Request,
        source_hardware_addr: EthernetAddress(MAC_B),
        source_protocol_addr: Ipv4Address(IP_B.octets()),
        target_hardware_addr: EthernetAddress([0; 6]),
        target_protocol_addr: Ipv4Address(IP_A.octets()),
    }
    .emit(&mut stack::wire::ArpPacket::new_unchecked(&mut body[..]));
    arp.extend(body);
    dev.rx.push_back((arp, RxMeta::default()));
    let ns = Icmpv6Repr::Ndp(NdpRepr::NeighborSolicit {
        target_addr: Ipv6Address(IP6_A.octets()),
        lladdr: Some(EthernetAddress(MAC_B)),
    });
    let mut f = eth_header(MAC_A, MAC_B, EtherType::IPV6);
    let mut ip = vec![0u8; 40 + ns.buffer_len()];
    Ipv6Repr {
        src_addr: Ipv6Address(IP6_B.octets()),
        dst_addr: Ipv6Address(IP6_A.octets()),
        next_header: ip_protocol::ICMPV6,
        payload_len: ns.buffer_len(),
        hop_limit: 255,
        traffic_class: 0,
        flow_label: 0,
    }
    .emit(&mut Ipv6Packet::new_unchecked(&mut ip[..]));
    ns.emit(
        &mut Icmpv6Packet::new_unchecked(&mut ip[40..]),
        Ipv6Address(IP6_B.octets()),
        Ipv6Address(IP6_A.octets()),
    );
    f.extend(ip);
    dev.rx.push_back((f, RxMeta::default()));
    a.poll(0, &mut dev);
    dev.tx.clear();
    assert_eq!(a.total_drops(), 0, "{:?}", a.stats());
    (a, dev, u)
}

/// What the device says about a fragment: anything at all, since no
/// verdict or sum may count for one.
fn random_meta(rng: &mut ChaCha8Rng) -> RxMeta {
    RxMeta {
        checksum: [RxChecksum::None, RxChecksum::Good, RxChecksum::Bad][rng.gen_range(0..3)],
        complete_sum: rng.gen_bool(0.5).then(|| rng.gen()),
        segments: 1,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Mutation {
    /// Every piece once, in any order.
    Clean,
    /// Plus exact duplicates of some pieces.
    Duplicates,
    /// Some pieces never sent (duplicates of others maybe).
    Missing,
    /// A fragment overlapping one held (not an exact duplicate), before
    /// the datagram could complete.
    Overlap,
}

/// RFC 791 / RFC 8200 4.5 / RFC 5722: 3,000 seeded random fragmentations
/// (sizes, order, duplicates, overlaps, missing pieces) of UDP datagrams
/// and ICMP echo requests of 9 to 9,000 bytes over IPv4 and IPv6, with
/// arbitrary device checksum verdicts and sums on the fragments: each is
/// either delivered once, byte for byte (the datagram to its socket, or
/// an echo reply whose fragments the test joins itself carrying the same
/// data), or not at all and counted (overlap, or timed out when pieces are
/// missing; more than `max_fragments` distinct pieces, 128, discard it as
/// well). Nothing partial or altered is ever delivered, and the table is
/// empty after the timeout.
#[test]
fn random_fragmentations_reassemble_exactly_or_are_dropped_and_counted() {
    let seed = test_support::seed(0xf7a6_0001);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut seen = std::collections::HashMap::new();
    let mut many = 0;
    for trial in 0..3000u32 {
        let family = if rng.gen_bool(0.5) {
            Family::V4
        } else {
            Family::V6
        };
        let kind = if rng.gen_bool(0.5) {
            Kind::Udp
        } else {
            Kind::Echo
        };
        let mutation = [
            Mutation::Clean,
            Mutation::Duplicates,
            Mutation::Missing,
            Mutation::Overlap,
        ][rng.gen_range(0..4)];
        let len = if rng.gen_bool(0.3) {
            rng.gen_range(9..=200)
        } else {
            rng.gen_range(9..=9000)
        };
        let mut data = vec![0u8; len];
        rng.fill_bytes(&mut data);
        let ctx = format!("trial {trial}: {family:?} {kind:?} {mutation:?}, {len} bytes");
        let (msg, proto) = message(family, kind, &data);
        let max_piece = [64, 512, 1480][rng.gen_range(0..3)];
        let pieces = cut(&mut rng, &msg, max_piece);
        let mut order: Vec<Piece> = pieces.clone();
        order.shuffle(&mut rng);
        match mutation {
            Mutation::Clean => {}
            Mutation::Duplicates => {
                for _ in 0..rng.gen_range(1..=pieces.len() / 2) {
                    let p = pieces.choose(&mut rng).unwrap().clone();
                    let at = rng.gen_range(0..=order.len());
                    order.insert(at, p);
                }
            }
            Mutation::Missing => {
                let n = rng.gen_range(1..pieces.len());
                for _ in 0..n {
                    order.remove(rng.gen_range(0..order.len()));
                }
                if rng.gen_bool(0.5) {
                    let p = order.choose(&mut rng).unwrap().clone();
                    order.insert(rng.gen_range(0..=order.len()), p);
                }
            }
            Mutation::Overlap => {
                // A range of multiples of 8 that starts inside a piece
                // already sent, or covers it exactly with other bytes,
                // sent after it and before the datagram's last piece: it
                // meets the piece in the table.
                let vi = rng.gen_range(0..order.len() - 1);
                let victim = order[vi].clone();
                let start = victim.offset + 8 * rng.gen_range(0..victim.data.len().div_ceil(8));
                let mut n = (8 * rng.gen_range(1..=64)).min(msg.len() - start);
                if start == 0 && n == msg.len() {
                    // Not the whole datagram: that would be no fragment.
                    n = (msg.len() - 1) & !7;
                }
                let mut bytes = msg[start..start + n].to_vec();
                let exact = start == victim.offset && n == victim.data.len();
                if exact || rng.gen_bool(0.5) {
                    bytes[rng.gen_range(0..n)] ^= 0x5a;
                }
                let end = start + n;
                // M = 0 only where the datagram really ends (a different
                // end is a length conflict, counted apart).
                let overlap = Piece {
                    offset: start,
                    more: end < msg.len(),
                    data: bytes,
                };
                let last = order.len() - 1;
                order.insert(rng.gen_range(vi + 1..=last), overlap);
            }
        }
        let rx_checksum = rng.gen_bool(0.5);
        let (mut a, mut dev, u) = victim(config(MAC_A, IP_A, IP6_A), rx_checksum);
        let ident = rng.gen::<u32>() | 1;
        for p in &order {
            let f = fragment_frame(family, proto, ident, p);
            dev.rx.push_back((f, random_meta(&mut rng)));
        }
        a.poll(MS, &mut dev);
        let delivered = match kind {
            Kind::Udp => {
                let mut got = Vec::new();
                while let Some((from, d)) = a.udp_recv_from(u).unwrap() {
                    let want = match family {
                        Family::V4 => SocketAddr::new(IP_B.into(), 4000),
                        Family::V6 => SocketAddr::new(IP6_B.into(), 4000),
                    };
                    assert_eq!(from, want, "{ctx}");
                    got.push(d);
                }
                got
            }
            Kind::Echo => {
                let frames = std::mem::take(&mut dev.tx);
                if frames.is_empty() {
                    Vec::new()
                } else {
                    let reply = if frames.len() == 1 {
                        let f = &frames[0];
                        match family {
                            Family::V4 => Ipv4Packet::new_checked(&f[ETH..])
                                .unwrap()
                                .payload()
                                .to_vec(),
                            Family::V6 => Ipv6Packet::new_checked(&f[ETH..])
                                .unwrap()
                                .payload()
                                .to_vec(),
                        }
                    } else {
                        let (p, m) = join_fragments(&frames, 1514);
                        assert_eq!(p, proto, "{ctx}");
                        m
                    };
                    let echoed = match family {
                        Family::V4 => {
                            let p = Icmpv4Packet::new_checked(&reply[..]).unwrap();
                            match Icmpv4Repr::parse(&p, true).expect(&ctx) {
                                Icmpv4Repr::EchoReply {
                                    ident,
                                    seq_no,
                                    data,
                                } => {
                                    assert_eq!((ident, seq_no), (0x77, 9), "{ctx}");
                                    data.to_vec()
                                }
                                r => panic!("{ctx}: {r:?}"),
                            }
                        }
                        Family::V6 => {
                            let p = Icmpv6Packet::new_checked(&reply[..]).unwrap();
                            let (a6, b6) =
                                (Ipv6Address(IP6_A.octets()), Ipv6Address(IP6_B.octets()));
                            match Icmpv6Repr::parse(&p, a6, b6, true).expect(&ctx) {
                                Icmpv6Repr::EchoReply {
                                    ident,
                                    seq_no,
                                    data,
                                } => {
                                    assert_eq!((ident, seq_no), (0x77, 9), "{ctx}");
                                    data.to_vec()
                                }
                                r => panic!("{ctx}: {r:?}"),
                            }
                        }
                    };
                    vec![echoed]
                }
            }
        };
        for d in &delivered {
            assert!(d == &data, "{ctx}: delivered {} bytes that differ", d.len());
        }
        let s = *a.stats();
        let reassembled = s.ipv4_reassembled + s.ipv6_reassembled;
        // More distinct pieces than a datagram may have: discarded.
        let mut offsets: Vec<usize> = order.iter().map(|p| p.offset).collect();
        offsets.sort_unstable();
        offsets.dedup();
        let too_many = offsets.len() > ReassemblyConfig::default().max_fragments;
        match mutation {
            _ if too_many => {
                assert!(delivered.is_empty(), "{ctx}");
                assert_eq!(s.frag_too_many + s.frag_overlap, 1, "{ctx}: {s:?}");
            }
            Mutation::Clean | Mutation::Duplicates => {
                assert_eq!(delivered.len(), 1, "{ctx}: {s:?}");
                assert_eq!(reassembled, 1, "{ctx}");
                assert_eq!(s.frag_overlap + s.frag_bad_length, 0, "{ctx}: {s:?}");
            }
            Mutation::Missing => {
                assert!(delivered.is_empty(), "{ctx}");
                assert_eq!(reassembled, 0, "{ctx}");
            }
            Mutation::Overlap => {
                assert!(delivered.is_empty(), "{ctx}");
                assert_eq!(s.frag_overlap, 1, "{ctx}: {s:?}");
            }
        }
        // Past the timeout: nothing held, and what was not delivered is
        // counted.
        let before = a.total_drops();
        a.poll(MS + 61 * SEC, &mut dev);
        assert_eq!(a.reassembly_usage(), (0, 0), "{ctx}");
        assert_eq!(a.poll_at(), None, "{ctx}: a timer left");
        let s = *a.stats();
        if mutation == Mutation::Missing && !too_many {
            assert_eq!(s.frag_timed_out, 1, "{ctx}: {s:?}");
            assert!(a.total_drops() > before);
        }
        if delivered.is_empty() {
            assert!(a.total_drops() > 0, "{ctx}: lost without a count: {s:?}");
        }
        if too_many {
            many += 1;
        }
        *seen.entry((family, kind, mutation)).or_insert(0u32) += 1;
    }
    assert_eq!(seen.len(), 16, "every combination tried: {seen:?}");
    assert!(many > 0, "no datagram of too many fragments");
    eprintln!("combinations tried: {seen:?}; {many} with too many fragments");
}

/// RFC 1858 (IPv4) and RFC 7112 (IPv6): a first fragment that does not
/// hold the whole upper-layer header is refused and its datagram
/// discarded, the rest of its fragments too, though they would complete
/// it: a TCP SYN whose first fragment has 8 of the TCP header's 20 bytes
/// draws no SYN-ACK; an IPv6 UDP datagram whose first fragment ends inside
/// a Destination Options header before the UDP header is not delivered.
/// The same datagrams cut after the headers are delivered.
#[test]
fn first_fragments_without_the_whole_upper_layer_header_are_refused() {
    // IPv4: a TCP ACK with 40 bytes of data to a port nobody listens on,
    // cut at 8 bytes (no RST), then at 24 (answered with a RST).
    for (first, refused) in [(8usize, true), (24, false)] {
        use stack::wire::{IpPair, TcpFlags, TcpPacket, TcpRepr, TcpSeqNumber};
        let (mut a, mut dev, _) = victim(config(MAC_A, IP_A, IP6_A), false);
        let mut t = TcpRepr::bare(
            4001,
            81,
            TcpSeqNumber(1000),
            TcpSeqNumber(5000),
            TcpFlags::ACK,
        );
        t.window_len = 1000;
        t.payload_len = 40;
        let mut seg = vec![0x11u8; t.buffer_len()];
        let pair = IpPair::V4 {
            src: Ipv4Address(IP_B.octets()),
            dst: Ipv4Address(IP_A.octets()),
        };
        t.emit(&mut TcpPacket::new_unchecked(&mut seg[..]), &pair, true);
        for p in [
            Piece {
                offset: 0,
                more: true,
                data: seg[..first].to_vec(),
            },
            Piece {
                offset: first,
                more: false,
                data: seg[first..].to_vec(),
            },
        ] {
            dev.rx
                .push_back((fragment_frame(Family::V4, 6, 0x4242, &p), RxMeta::default()));
        }
        a.poll(MS, &mut dev);
        let s = *a.stats();
        if refused {
            assert!(dev.tx.is_empty(), "answered {:02x?}", dev.tx);
            assert_eq!((s.frag_tiny_first, s.frag_after_discard), (1, 1), "{s:?}");
        } else {
            assert_eq!(dev.tx.len(), 1, "{s:?}");
            assert_eq!((s.ipv4_reassembled, s.tcp_rst_sent_no_socket), (1, 1));
        }
    }
    // IPv6: Fragment -> Destination Options (24 bytes) -> UDP.
    for (first, refused) in [(16usize, true), (24, true), (32, false)] {
        let (mut a, mut dev, u) = victim(config(MAC_A, IP_A, IP6_A), false);
        let (udp, _) = message(
            Family::V6,
            Kind::Udp,
            b"behind a destination options header",
        );
        let mut part = vec![ip_protocol::UDP, 2, 1, 20];
        part.resize(24, 0);
        part.extend_from_slice(&udp);
        let pieces = [
            Piece {
                offset: 0,
                more: true,
                data: part[..first].to_vec(),
            },
            Piece {
                offset: first,
                more: false,
                data: part[first..].to_vec(),
            },
        ];
        for p in &pieces {
            let mut f = fragment_frame(Family::V6, ip_protocol::IPV6_OPTS, 7, p);
            f[ETH + 40] = ip_protocol::IPV6_OPTS;
            dev.rx.push_back((f, RxMeta::default()));
        }
        a.poll(MS, &mut dev);
        let s = *a.stats();
        let got = a.udp_recv_from(u).unwrap();
        if refused {
            assert_eq!(got, None, "first fragment of {first} bytes");
            assert_eq!(s.frag_tiny_first, 1, "{s:?}");
        } else {
            assert_eq!(got.unwrap().1, b"behind a destination options header");
            assert_eq!(s.ipv6_reassembled, 1);
        }
    }
}

/// Memory is bounded: 30,000 fragments of datagrams that never complete,
/// from 500 IPv4 and 500 IPv6 sources and random identifications, offsets
/// and sizes, never make the table hold more than its cap (256 KiB here),
/// the oldest datagrams evicted and counted; then a 60,000-byte datagram
/// of each family from a source of its own still reassembles, byte-exact,
/// with the flood still in the table, and after the timeout the table is
/// empty.
#[test]
fn a_flood_of_incomplete_fragments_stays_within_the_memory_cap_and_legit_datagrams_still_reassemble(
) {
    let seed = test_support::seed(0xf7a6_0002);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let cap = 256 << 10;
    let mut cfg = config(MAC_A, IP_A, IP6_A);
    cfg.reassembly = ReassemblyConfig {
        max_bytes: cap,
        max_bytes_per_source: 96 << 10,
        ..ReassemblyConfig::default()
    };
    let (mut a, mut dev, u) = victim(cfg, false);
    let mut peak = 0;
    let mut now = MS;
    for round in 0..600 {
        for _ in 0..50 {
            let family = if rng.gen_bool(0.5) {
                Family::V4
            } else {
                Family::V6
            };
            let n = rng.gen_range(0..500u32);
            let src4 = Ipv4Addr::new(10, 0, 0, 100 + (n % 100) as u8);
            let src4 = if n < 100 {
                src4
            } else {
                Ipv4Addr::new(10, 0, 0, (n % 250) as u8 + 3)
            };
            let src6 = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 1, n as u16);
            let len = 8 * rng.gen_range(1..=175);
            let p = Piece {
                offset: 8 * rng.gen_range(1..7000),
                more: true,
                data: vec![0xee; len],
            };
            let ident = rng.gen_range(0..2000);
            let f = fragment_frame_from(family, ip_protocol::UDP, ident, &p, src4, src6);
            dev.rx.push_back((f, RxMeta::default()));
        }
        now += MS;
        a.poll(now, &mut dev);
        let (bytes, _) = a.reassembly_usage();
        peak = peak.max(bytes);
        assert!(bytes <= cap, "round {round}: {bytes} bytes held, cap {cap}");
    }
    let s = *a.stats();
    assert!(s.frag_evicted > 10_000, "{s:?}");
    assert!(peak > cap - 4096, "the flood filled the table: peak {peak}");
    eprintln!(
        "flood: peak {peak} of {cap} bytes, {} datagrams evicted, {} held",
        s.frag_evicted,
        a.reassembly_usage().1
    );
    for family in [Family::V4, Family::V6] {
        let data: Vec<u8> = (0..60_000u32).map(|i| (i * 31 % 251) as u8).collect();
        let (msg, proto) = message(family, Kind::Udp, &data);
        let per = if family == Family::V4 { 1480 } else { 1448 };
        for (i, chunk) in msg.chunks(per).enumerate() {
            let p = Piece {
                offset: i * per,
                more: (i + 1) * per < msg.len(),
                data: chunk.to_vec(),
            };
            dev.rx
                .push_back((fragment_frame(family, proto, 0xabcd, &p), RxMeta::default()));
        }
        now += MS;
        a.poll(now, &mut dev);
        let (from, got) = a.udp_recv_from(u).unwrap().expect("the legit datagram");
        assert_eq!(from.port(), 4000);
        assert!(got == data, "{family:?}: 60,000 bytes differ");
        assert!(a.reassembly_usage().0 <= cap);
    }
    a.poll(now + 61 * SEC, &mut dev);
    assert_eq!(a.reassembly_usage(), (0, 0));
}

/// Two stacks on a 1 Gbit/s wire (1500-byte MTU): a 60,000-byte UDP
/// datagram goes from A to B and a different one back, over IPv4 and over
/// IPv6, in 41 (IPv4: 1480 bytes a fragment) or 42 (IPv6: 1448) fragments
/// each way, none larger than 1514 bytes; also a 20,000-byte ping is
/// answered. One side's device has checksum offloads (emulated TX
/// completion, RX verdicts and complete sums), so fragments carry a
/// checksum the stack computed in software and verdicts it must ignore.
/// The wire reorders and duplicates frames (seeded): each datagram still
/// arrives exactly once.
#[test]
fn sixty_thousand_byte_udp_datagrams_cross_a_1500_byte_link_in_fragments_both_ways() {
    let seed = test_support::seed(0xf7a6_0003);
    for family in [Family::V4, Family::V6] {
        let mut link = LinkConfig::new(1_000_000_000, 20_000);
        link.reorder = 0.05;
        link.reorder_delay_ns = 30_000;
        link.duplicate = 0.03;
        let wire = Rc::new(RefCell::new(Wire::new(link, seed)));
        let now = Rc::new(Cell::new(0u64));
        let offloads = Capabilities {
            tx_checksum: true,
            rx_checksum: true,
            ..Capabilities::default()
        };
        let mut da = EmulatorPort::attach(&wire, &now).with_capabilities(offloads);
        let mut db = EmulatorPort::attach(&wire, &now);
        da.record_tx(true);
        db.record_tx(true);
        let mut a = Interface::new(config(MAC_A, IP_A, IP6_A));
        let mut b = Interface::new(config(MAC_B, IP_B, IP6_B));
        let ua = a.udp_bind(4000).unwrap();
        let ub = b.udp_bind(UDP_PORT).unwrap();
        let (ip_a, ip_b): (IpAddr, IpAddr) = match family {
            Family::V4 => (IP_A.into(), IP_B.into()),
            Family::V6 => (IP6_A.into(), IP6_B.into()),
        };
        let run = |a: &mut Interface,
                   b: &mut Interface,
                   da: &mut EmulatorPort,
                   db: &mut EmulatorPort,
                   until: u64| loop {
            let t = now.get();
            a.poll(t, da);
            b.poll(t, db);
            let next = [wire.borrow().next_event_ns(), a.poll_at(), b.poll_at()]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(n) if n <= until => now.set(n.max(t + 1)),
                _ => {
                    now.set(until.max(t));
                    break;
                }
            }
        };
        let there: Vec<u8> = (0..60_000u32).map(|i| (i % 253) as u8).collect();
        let back: Vec<u8> = (0..60_000u32).map(|i| (i * 7 % 241) as u8).collect();
        a.udp_send_to(0, &mut da, ua, SocketAddr::new(ip_b, UDP_PORT), &there)
            .unwrap();
        run(&mut a, &mut b, &mut da, &mut db, 50 * MS);
        let (from, got) = b.udp_recv_from(ub).unwrap().expect("A's datagram at B");
        assert_eq!(from, SocketAddr::new(ip_a, 4000));
        assert!(got == there, "{family:?}: A -> B differs");
        assert_eq!(b.udp_recv_from(ub).unwrap(), None, "delivered once");
        let t = now.get();
        b.udp_send_to(t, &mut db, ub, from, &back).unwrap();
        run(&mut a, &mut b, &mut da, &mut db, t + 50 * MS);
        let (from, got) = a.udp_recv_from(ua).unwrap().expect("B's datagram at A");
        assert_eq!(from, SocketAddr::new(ip_b, UDP_PORT));
        assert!(got == back, "{family:?}: B -> A differs");
        assert_eq!(a.udp_recv_from(ua).unwrap(), None, "delivered once");
        // A ping of 20,000 bytes, answered in fragments too.
        let t = now.get();
        a.ping(t, &mut da, ip_b, 3, 4, &back[..20_000]).unwrap();
        run(&mut a, &mut b, &mut da, &mut db, t + 50 * MS);
        let replies = a.take_echo_replies();
        assert_eq!(replies.len(), 1, "{:?}", a.stats());
        assert!(replies[0].data == back[..20_000]);

        let (per_datagram, frags_ping) = match family {
            Family::V4 => (41, 14),
            Family::V6 => (42, 14),
        };
        for (who, s, port) in [("A", *a.stats(), &mut da), ("B", *b.stats(), &mut db)] {
            let (fragmented, out, reassembled) = match family {
                Family::V4 => (s.ipv4_fragmented, s.ipv4_fragments_out, s.ipv4_reassembled),
                Family::V6 => (s.ipv6_fragmented, s.ipv6_fragments_out, s.ipv6_reassembled),
            };
            // A: the datagram and the echo request; B: the datagram and the reply.
            assert_eq!(fragmented, 2, "{who}: {s:?}");
            assert_eq!(out, per_datagram + frags_ping, "{who}: {s:?}");
            assert!(reassembled >= 2, "{who}: {s:?}");
            let log = port.take_tx_log();
            assert!(
                log.iter().all(|(f, _)| f.len() <= 1514),
                "{who}: a frame over the MTU"
            );
            let fragments: Vec<_> = log.iter().filter(|(f, _)| is_fragment(f)).collect();
            assert_eq!(fragments.len() as u64, out, "{who}");
            assert!(
                fragments.iter().all(|(_, m)| m.flags == 0),
                "{who}: offload asked on a fragment"
            );
            assert_eq!(
                s.udp_bad_checksum + s.icmpv4_bad_checksum + s.icmpv6_bad_checksum,
                0
            );
            assert_eq!(
                s.frag_overlap + s.frag_bad_length + s.rx_checksum_bad_by_device,
                0,
                "{who}: {s:?}"
            );
        }
        // Duplicated fragments that came after their datagram completed
        // start datagrams that time out; then nothing is left.
        let t = now.get();
        run(&mut a, &mut b, &mut da, &mut db, t + 120 * SEC);
        assert_eq!(a.reassembly_usage(), (0, 0));
        assert_eq!(b.reassembly_usage(), (0, 0));
    }
}

fn is_fragment(f: &[u8]) -> bool {
    match EthernetFrame::new_checked(f).unwrap().ethertype() {
        EtherType::IPV4 => Ipv4Packet::new_checked(&f[ETH..]).unwrap().is_fragment(),
        EtherType::IPV6 => f[ETH + 6] == ip_protocol::IPV6_FRAG,
        _ => false,
    }
}

/// A datagram one byte beyond what an IP datagram can carry is refused
/// (`DatagramTooBig`, `SendError::TooBig`); the largest that fits leaves
/// in fragments whose last ends exactly at the 16-bit limit.
#[test]
fn datagrams_beyond_the_ip_limit_are_refused_and_the_largest_leaves_in_fragments() {
    let (mut a, mut dev, u) = victim(config(MAC_A, IP_A, IP6_A), false);
    for (dst, max) in [
        (IpAddr::from(IP_B), 65_535 - 28),
        (IP6_B.into(), 65_535 - 8),
    ] {
        let r = a.udp_send_to(MS, &mut dev, u, SocketAddr::new(dst, 9), &vec![1; max + 1]);
        assert_eq!(r, Err(stack::socket::SocketError::DatagramTooBig(max + 1)));
        let r = a.ping(MS, &mut dev, dst, 1, 1, &vec![1; max + 1]);
        assert!(
            matches!(r, Err(stack::iface::SendError::TooBig(n)) if n == max + 1),
            "{r:?}"
        );
        assert!(dev.tx.is_empty());
        a.udp_send_to(MS, &mut dev, u, SocketAddr::new(dst, 9), &vec![1; max])
            .unwrap();
        let frames = std::mem::take(&mut dev.tx);
        let (proto, msg) = join_fragments(&frames, 1514);
        assert_eq!(proto, ip_protocol::UDP);
        assert_eq!(msg.len(), max + 8);
        assert!(msg[8..].iter().all(|&b| b == 1));
    }
}
