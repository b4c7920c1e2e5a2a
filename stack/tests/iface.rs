//! The interface layer: ARP, NDP, ICMP/ICMPv6 echo, neighbour caches,
//! checksum offload, and robustness against malformed frames.

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use stack::checksum;
use stack::iface::{software_checksum, Interface, InterfaceConfig};
use stack::phy::emulator::{LinkConfig, PortId, Wire};
use stack::phy::{Capabilities, Device, DeviceError, RxChecksum, RxMeta, TxMeta, F_NEEDS_CSUM};
use stack::wire::{
    icmpv6, ip_protocol, ArpOperation, ArpPacket, ArpRepr, EtherType, EthernetAddress,
    EthernetFrame, EthernetRepr, Icmpv4Packet, Icmpv4Repr, Icmpv6Packet, Icmpv6Repr, Ipv4Address,
    Ipv4Packet, Ipv4Repr, Ipv6Address, Ipv6Packet, Ipv6Repr, NdpRepr,
};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::rc::Rc;

const MAC_A: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0a];
const MAC_B: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0b];
const IP_A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const IP_B: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
const IP6_A: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0xa);
const IP6_B: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0xb);
const MS: u64 = 1_000_000;

fn config(mac: [u8; 6], v4: Ipv4Addr, v6: Ipv6Addr) -> InterfaceConfig {
    InterfaceConfig {
        ipv4: Some((v4, 24)),
        ipv6: Some((v6, 64)),
        ..InterfaceConfig::new(mac)
    }
}

/// Completes a NEEDS_CSUM frame as a device would, by the stack's own
/// completion (`stack::iface::complete_checksum`, which
/// `stack/emulated-nic/tests/tx_checksum_matches_model.rs` holds byte-equal
/// to the NIC's rule), not a copy of the rule here.
fn complete_checksum(frame: &mut [u8], meta: &TxMeta) {
    if meta.flags & F_NEEDS_CSUM != 0 {
        let (start, offset) = (meta.csum_start.into(), meta.csum_offset.into());
        stack::iface::complete_checksum(frame, start, offset).expect("field inside the frame");
    }
}

/// A device with queues the test fills and reads.
struct MockDevice {
    caps: Capabilities,
    rx: VecDeque<(Vec<u8>, RxMeta)>,
    tx: Vec<(Vec<u8>, TxMeta)>,
}

/// Ethernet with a 1500-byte MTU, no offloads.
const ETHERNET_1500: Capabilities = Capabilities {
    max_frame: 1514,
    tx_checksum: false,
    rx_checksum: false,
    tso_v4: false,
    tso_v6: false,
    max_tso_bytes: 0,
    lro: false,
};

impl Default for MockDevice {
    fn default() -> Self {
        MockDevice {
            caps: ETHERNET_1500,
            rx: VecDeque::new(),
            tx: Vec::new(),
        }
    }
}

impl MockDevice {
    fn push(&mut self, frame: Vec<u8>) {
        self.rx.push_back((frame, RxMeta::default()));
    }
}

impl Device for MockDevice {
    fn capabilities(&self) -> Capabilities {
        self.caps
    }
    fn transmit(&mut self, frame: &[u8], meta: &TxMeta) -> Result<(), DeviceError> {
        self.tx.push((frame.to_vec(), *meta));
        Ok(())
    }
    fn receive(&mut self) -> Option<(Vec<u8>, RxMeta)> {
        self.rx.pop_front()
    }
}

/// One port of a [`Wire`], on a simulated clock shared with the test.
struct EmulatorDevice {
    wire: Rc<RefCell<Wire>>,
    port: PortId,
    now: Rc<Cell<u64>>,
    caps: Capabilities,
    metas: Vec<TxMeta>,
}

impl Device for EmulatorDevice {
    fn capabilities(&self) -> Capabilities {
        self.caps
    }
    fn transmit(&mut self, frame: &[u8], meta: &TxMeta) -> Result<(), DeviceError> {
        self.metas.push(*meta);
        let mut frame = frame.to_vec();
        complete_checksum(&mut frame, meta);
        self.wire
            .borrow_mut()
            .send(self.port, frame, self.now.get())
            .map(|_| ())
            .map_err(|e| DeviceError::io("wire", e))
    }
    fn receive(&mut self) -> Option<(Vec<u8>, RxMeta)> {
        let f = self
            .wire
            .borrow_mut()
            .recv(self.port, self.now.get())
            .ok()??;
        Some((f, RxMeta::default()))
    }
}

/// Two interfaces joined by a 1 Gbit/s, 10 µs cable.
struct Pair {
    wire: Rc<RefCell<Wire>>,
    now: Rc<Cell<u64>>,
    a: Interface,
    b: Interface,
    dev_a: EmulatorDevice,
    dev_b: EmulatorDevice,
}

impl Pair {
    fn new(tx_checksum: bool) -> Self {
        let wire = Rc::new(RefCell::new(Wire::new(
            LinkConfig::new(1_000_000_000, 10_000),
            1,
        )));
        let now = Rc::new(Cell::new(0));
        let caps = Capabilities {
            max_frame: 1514,
            tx_checksum,
            ..Capabilities::default()
        };
        let dev = || EmulatorDevice {
            port: wire.borrow_mut().attach(),
            wire: wire.clone(),
            now: now.clone(),
            caps,
            metas: Vec::new(),
        };
        let (dev_a, dev_b) = (dev(), dev());
        Pair {
            a: Interface::new(config(MAC_A, IP_A, IP6_A)),
            b: Interface::new(config(MAC_B, IP_B, IP6_B)),
            wire,
            now,
            dev_a,
            dev_b,
        }
    }

    /// Polls both sides, jumping simulated time to each next event, until `until`.
    fn run_until(&mut self, until: u64) {
        loop {
            let now = self.now.get();
            self.a.poll(now, &mut self.dev_a);
            self.b.poll(now, &mut self.dev_b);
            let next = [
                self.wire.borrow().next_event_ns(),
                self.a.poll_at(),
                self.b.poll_at(),
            ]
            .into_iter()
            .flatten()
            .min();
            match next {
                Some(t) if t <= until => self.now.set(t.max(now + 1)),
                _ => break,
            }
        }
        self.now.set(until);
    }
}

fn ping_round_trip(tx_checksum: bool, dst: IpAddr, from: IpAddr) {
    let mut p = Pair::new(tx_checksum);
    let payload = b"round trip over the emulator";
    p.a.ping(0, &mut p.dev_a, dst, 0x1234, 7, payload).unwrap();
    // Resolution first: the request waits, held.
    assert_eq!(p.a.held_packets(), 1);
    p.run_until(10 * MS);
    assert_eq!(p.a.held_packets(), 0);
    let replies = p.a.take_echo_replies();
    assert_eq!(replies.len(), 1, "{:?}", p.a.stats());
    assert_eq!(replies[0].from, from);
    assert_eq!((replies[0].ident, replies[0].seq_no), (0x1234, 7));
    assert_eq!(replies[0].data, payload);
    assert_eq!(p.a.neighbor(from, p.now.get()), Some(MAC_B));
    assert_eq!(
        p.a.total_drops() + p.b.total_drops(),
        0,
        "{:?} {:?}",
        p.a.stats(),
        p.b.stats()
    );
    // Resolved now: the second ping goes out at once.
    let t = p.now.get();
    p.a.ping(t, &mut p.dev_a, dst, 0x1234, 8, payload).unwrap();
    assert_eq!(p.a.held_packets(), 0);
    p.run_until(t + MS);
    assert_eq!(p.a.take_echo_replies()[0].seq_no, 8);
    if tx_checksum {
        assert!(p.dev_a.metas.iter().any(|m| m.flags & F_NEEDS_CSUM != 0));
    }
}

#[test]
fn two_interfaces_ping_over_ipv4_after_arp_resolution() {
    ping_round_trip(false, IP_B.into(), IP_B.into());
}

#[test]
fn two_interfaces_ping_over_ipv6_global_after_ndp_resolution() {
    ping_round_trip(false, IP6_B.into(), IP6_B.into());
}

#[test]
fn two_interfaces_ping_over_ipv6_link_local_after_ndp_resolution() {
    let ll = stack::iface::link_local_from_mac(MAC_B);
    assert_eq!(ll, "fe80::ff:fe00:b".parse::<Ipv6Addr>().unwrap());
    ping_round_trip(false, ll.into(), ll.into());
}

#[test]
fn ping_round_trips_with_tx_checksum_offload_completed_by_device() {
    ping_round_trip(true, IP_B.into(), IP_B.into());
    ping_round_trip(true, IP6_B.into(), IP6_B.into());
}

fn eth(dst: [u8; 6], src: [u8; 6], ethertype: EtherType, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0u8; 14 + payload.len()];
    EthernetRepr {
        src: EthernetAddress(src),
        dst: EthernetAddress(dst),
        vlan: None,
        ethertype,
    }
    .emit(&mut EthernetFrame::new_unchecked(&mut f[..]));
    f[14..].copy_from_slice(payload);
    f
}

fn arp(op: ArpOperation, sha: [u8; 6], spa: Ipv4Addr, tpa: Ipv4Addr) -> Vec<u8> {
    let mut b = vec![0u8; 28];
    ArpRepr {
        operation: op,
        source_hardware_addr: EthernetAddress(sha),
        source_protocol_addr: Ipv4Address(spa.octets()),
        target_hardware_addr: EthernetAddress([0; 6]),
        target_protocol_addr: Ipv4Address(tpa.octets()),
    }
    .emit(&mut ArpPacket::new_unchecked(&mut b[..]));
    eth([0xff; 6], sha, EtherType::ARP, &b)
}

fn echo_request_v4(src: Ipv4Addr, dst: Ipv4Addr, data: &[u8]) -> Vec<u8> {
    let icmp = Icmpv4Repr::EchoRequest {
        ident: 9,
        seq_no: 1,
        data,
    };
    let mut b = vec![0u8; 20 + icmp.buffer_len()];
    Ipv4Repr {
        src_addr: Ipv4Address(src.octets()),
        dst_addr: Ipv4Address(dst.octets()),
        protocol: ip_protocol::ICMP,
        payload_len: icmp.buffer_len(),
        ttl: 64,
        dscp: 0,
        ecn: 0,
        ident: 1,
        dont_frag: false,
        more_frags: false,
        frag_offset: 0,
        options: vec![],
    }
    .emit(&mut Ipv4Packet::new_unchecked(&mut b[..]), true);
    icmp.emit(&mut Icmpv4Packet::new_unchecked(&mut b[20..]));
    eth(MAC_A, MAC_B, EtherType::IPV4, &b)
}

fn icmpv6_frame(
    dst_mac: [u8; 6],
    src: Ipv6Addr,
    dst: Ipv6Addr,
    hop: u8,
    repr: &Icmpv6Repr,
) -> Vec<u8> {
    let (src, dst) = (Ipv6Address(src.octets()), Ipv6Address(dst.octets()));
    let mut b = vec![0u8; 40 + repr.buffer_len()];
    Ipv6Repr {
        src_addr: src,
        dst_addr: dst,
        next_header: ip_protocol::ICMPV6,
        payload_len: repr.buffer_len(),
        hop_limit: hop,
        traffic_class: 0,
        flow_label: 0,
    }
    .emit(&mut Ipv6Packet::new_unchecked(&mut b[..]));
    repr.emit(&mut Icmpv6Packet::new_unchecked(&mut b[40..]), src, dst);
    eth(dst_mac, MAC_B, EtherType::IPV6, &b)
}

fn iface_a() -> Interface {
    Interface::new(config(MAC_A, IP_A, IP6_A))
}

#[test]
fn arp_request_for_our_address_gets_correct_reply() {
    let mut a = iface_a();
    let mut dev = MockDevice::default();
    dev.push(arp(ArpOperation::Request, MAC_B, IP_B, IP_A));
    // Requests for other addresses are not answered.
    dev.push(arp(
        ArpOperation::Request,
        MAC_B,
        IP_B,
        Ipv4Addr::new(10, 0, 0, 99),
    ));
    let r = a.poll(0, &mut dev);
    assert_eq!((r.frames_received, r.frames_sent), (2, 1));
    assert_eq!(dev.tx.len(), 1);
    let (frame, meta) = &dev.tx[0];
    assert_eq!(*meta, TxMeta::default());
    let f = EthernetFrame::new_checked(&frame[..]).unwrap();
    assert_eq!(f.destination(), EthernetAddress(MAC_B));
    assert_eq!(f.source(), EthernetAddress(MAC_A));
    assert_eq!(f.ethertype(), EtherType::ARP);
    let p = ArpPacket::new_checked(f.payload()).unwrap();
    assert_eq!(
        ArpRepr::parse(&p).unwrap(),
        ArpRepr {
            operation: ArpOperation::Reply,
            source_hardware_addr: EthernetAddress(MAC_A),
            source_protocol_addr: Ipv4Address(IP_A.octets()),
            target_hardware_addr: EthernetAddress(MAC_B),
            target_protocol_addr: Ipv4Address(IP_B.octets()),
        }
    );
    // The requester was learned.
    assert_eq!(a.neighbor(IP_B.into(), 0), Some(MAC_B));
    assert_eq!(a.stats().arp_not_for_us, 1);
}

#[test]
fn neighbor_solicitation_gets_solicited_override_advert_with_target_lladdr() {
    let mut a = iface_a();
    let mut dev = MockDevice::default();
    let target = Ipv6Address(IP6_A.octets());
    let ns = Icmpv6Repr::Ndp(NdpRepr::NeighborSolicit {
        target_addr: target,
        lladdr: Some(EthernetAddress(MAC_B)),
    });
    let sn: Ipv6Addr = target.solicited_node().0.into();
    let sn_mac = [0x33, 0x33, 0xff, 0, 0, 0x0a];
    dev.push(icmpv6_frame(sn_mac, IP6_B, sn, 255, &ns));
    a.poll(0, &mut dev);
    assert_eq!(dev.tx.len(), 1, "{:?}", a.stats());
    let (frame, _) = &dev.tx[0];
    let f = EthernetFrame::new_checked(&frame[..]).unwrap();
    assert_eq!(f.destination(), EthernetAddress(MAC_B));
    let ip = Ipv6Packet::new_checked(f.payload()).unwrap();
    let ip = Ipv6Repr::parse(&ip).unwrap();
    assert_eq!(
        (ip.src_addr, ip.dst_addr, ip.hop_limit),
        (target, Ipv6Address(IP6_B.octets()), 255)
    );
    let msg = Icmpv6Packet::new_checked(&f.payload()[40..]).unwrap();
    assert_eq!(
        msg.ndp_flags(),
        icmpv6::field::FLAG_SOLICITED | icmpv6::field::FLAG_OVERRIDE
    );
    let na = Icmpv6Repr::parse(&msg, ip.src_addr, ip.dst_addr, true).unwrap();
    match na {
        Icmpv6Repr::Ndp(NdpRepr::NeighborAdvert {
            flags,
            target_addr,
            lladdr,
        }) => {
            assert!(flags.solicited && flags.override_ && !flags.router);
            assert_eq!(target_addr, target);
            assert_eq!(lladdr, Some(EthernetAddress(MAC_A)));
        }
        other => panic!("expected NA, got {other:?}"),
    }
    assert_eq!(a.neighbor(IP6_B.into(), 0), Some(MAC_B));
}

#[test]
fn ndp_without_hop_limit_255_is_dropped_and_counted() {
    let mut a = iface_a();
    let mut dev = MockDevice::default();
    let ns = Icmpv6Repr::Ndp(NdpRepr::NeighborSolicit {
        target_addr: Ipv6Address(IP6_A.octets()),
        lladdr: Some(EthernetAddress(MAC_B)),
    });
    dev.push(icmpv6_frame(MAC_A, IP6_B, IP6_A, 64, &ns));
    a.poll(0, &mut dev);
    assert!(dev.tx.is_empty());
    assert_eq!(a.stats().ndp_invalid, 1);
    assert_eq!(a.neighbor(IP6_B.into(), 0), None);
}

#[test]
fn echo_request_is_answered_with_same_ident_seq_and_data() {
    let mut a = iface_a();
    let mut dev = MockDevice::default();
    dev.push(arp(ArpOperation::Request, MAC_B, IP_B, IP_A));
    dev.push(echo_request_v4(IP_B, IP_A, b"hello"));
    a.poll(0, &mut dev);
    assert_eq!(dev.tx.len(), 2);
    let f = EthernetFrame::new_checked(&dev.tx[1].0[..]).unwrap();
    assert_eq!(f.destination(), EthernetAddress(MAC_B));
    let ip = Ipv4Packet::new_checked(f.payload()).unwrap();
    assert!(ip.verify_checksum());
    assert_eq!(ip.dst_addr(), Ipv4Address(IP_B.octets()));
    let icmp = Icmpv4Packet::new_checked(ip.payload()).unwrap();
    assert_eq!(
        Icmpv4Repr::parse(&icmp, true).unwrap(),
        Icmpv4Repr::EchoReply {
            ident: 9,
            seq_no: 1,
            data: b"hello"
        }
    );
}

#[test]
fn echo_request_with_bad_checksum_is_dropped_and_counted() {
    let mut a = iface_a();
    let mut dev = MockDevice::default();
    a.poll(0, &mut dev);
    let mut bad = echo_request_v4(IP_B, IP_A, b"hello");
    bad[14 + 20 + 2] ^= 0x55;
    dev.push(bad.clone());
    let mut bad_ip = echo_request_v4(IP_B, IP_A, b"hello");
    bad_ip[14 + 10] ^= 0x55;
    dev.push(bad_ip);
    let echo6 = Icmpv6Repr::EchoRequest {
        ident: 1,
        seq_no: 2,
        data: b"x",
    };
    let mut bad6 = icmpv6_frame(MAC_A, IP6_B, IP6_A, 64, &echo6);
    bad6[14 + 40 + 2] ^= 0x55;
    dev.push(bad6);
    let r = a.poll(0, &mut dev);
    assert!(dev.tx.is_empty());
    assert_eq!(r.frames_dropped, 3);
    let s = a.stats();
    assert_eq!(
        (
            s.icmpv4_bad_checksum,
            s.ipv4_bad_checksum,
            s.icmpv6_bad_checksum
        ),
        (1, 1, 1)
    );
    // The device's verdict rules when it has RX checksum offload: Bad drops,
    // Good skips verification (so even this corrupted frame is answered).
    dev.caps.rx_checksum = true;
    let verdict = |c| RxMeta {
        checksum: c,
        ..RxMeta::default()
    };
    dev.rx.push_back((
        echo_request_v4(IP_B, IP_A, b"hello"),
        verdict(RxChecksum::Bad),
    ));
    dev.rx.push_back((bad, verdict(RxChecksum::Good)));
    a.poll(0, &mut dev);
    assert_eq!(a.stats().rx_checksum_bad_by_device, 1);
    assert_eq!(a.stats().icmpv4_bad_checksum, 1);
    // Answered after resolving 10.0.0.2: an ARP request went out.
    assert_eq!(dev.tx.len(), 1);
    assert_eq!(a.held_packets(), 1);
}

fn seed() -> u64 {
    test_support::seed(0x1face)
}

#[test]
fn malformed_frames_never_panic_and_are_counted() {
    let mut a = iface_a();
    let mut dev = MockDevice::default();
    let valid4 = echo_request_v4(IP_B, IP_A, b"0123456789abcdef");
    let echo6 = Icmpv6Repr::EchoRequest {
        ident: 1,
        seq_no: 2,
        data: b"0123456789",
    };
    let valid6 = icmpv6_frame(MAC_A, IP6_B, IP6_A, 64, &echo6);
    let ns = Icmpv6Repr::Ndp(NdpRepr::NeighborSolicit {
        target_addr: Ipv6Address(IP6_A.octets()),
        lladdr: Some(EthernetAddress(MAC_B)),
    });
    let valid_ns = icmpv6_frame(MAC_A, IP6_B, IP6_A, 255, &ns);
    for valid in [&valid4, &valid6, &valid_ns] {
        for n in 0..valid.len() {
            dev.push(valid[..n].to_vec());
            let before = a.total_drops();
            a.poll(0, &mut dev);
            assert_eq!(
                a.total_drops(),
                before + 1,
                "truncation to {n} bytes not counted"
            );
        }
    }
    let seed = seed();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut handled = 0;
    for i in 0..10_000 {
        let frame = if i % 2 == 0 {
            let mut f = vec![0u8; rng.gen_range(0..200)];
            rng.fill_bytes(&mut f);
            f
        } else {
            // Corrupt a few bytes of a valid frame to reach deeper parsers.
            let mut f = [&valid4, &valid6, &valid_ns][i % 3].clone();
            for _ in 0..rng.gen_range(1..4) {
                let at = rng.gen_range(0..f.len());
                f[at] = rng.gen();
            }
            f
        };
        dev.push(frame);
        let before = (a.total_drops(), a.stats().tx_frames);
        a.poll(i as u64, &mut dev);
        if a.total_drops() > before.0 || a.stats().tx_frames > before.1 || a.held_packets() > 0 {
            handled += 1;
        }
    }
    println!("{:?}", a.stats());
    assert!(
        handled > 9_000,
        "seed {seed}: only {handled} of 10,000 dropped or answered"
    );
}

#[test]
fn arp_flood_from_distinct_senders_keeps_neighbor_cache_bounded() {
    let mut a = iface_a();
    let mut dev = MockDevice::default();
    for i in 0..10_000u32 {
        let spa = Ipv4Addr::from(0x0a00_0000 | (i + 3));
        let mut mac = [0x02, 0x10, 0, 0, 0, 0];
        mac[2..].copy_from_slice(&i.to_be_bytes());
        dev.push(arp(ArpOperation::Request, mac, spa, IP_A));
        a.poll(u64::from(i), &mut dev);
        assert!(a.neighbor_cache_len().0 <= 64);
    }
    assert_eq!(a.neighbor_cache_len().0, 64);
    assert_eq!(a.stats().neighbor_evictions, 10_000 - 64);
    assert_eq!(dev.tx.len(), 10_000);
    // The newest senders survive.
    assert!(a
        .neighbor(Ipv4Addr::from(0x0a00_0000 | 10_002).into(), 10_000)
        .is_some());
}

#[test]
fn resolution_gives_up_after_retries_and_drops_held_packet() {
    let mut a = iface_a();
    let mut dev = MockDevice::default();
    a.ping(0, &mut dev, IP_B.into(), 1, 1, b"x").unwrap();
    a.ping(0, &mut dev, IP6_B.into(), 1, 1, b"x").unwrap();
    assert_eq!(a.held_packets(), 2);
    let retry = InterfaceConfig::new(MAC_A).resolve_retry_ns;
    assert_eq!(a.poll_at(), Some(retry));
    let mut now = 0;
    while let Some(t) = a.poll_at() {
        now = t;
        a.poll(now, &mut dev);
    }
    assert_eq!(now, 3 * retry);
    // Three ARP requests and three solicitations, then nothing.
    let arps = dev
        .tx
        .iter()
        .filter(|(f, _)| f[12..14] == [0x08, 0x06])
        .count();
    assert_eq!((arps, dev.tx.len()), (3, 6));
    for (f, _) in dev.tx.iter().filter(|(f, _)| f[12..14] == [0x86, 0xdd]) {
        assert_eq!(f[..6], [0x33, 0x33, 0xff, 0, 0, 0x0b]);
        assert_eq!(f[14 + 7], 255, "NS hop limit");
    }
    assert_eq!(a.held_packets(), 0);
    assert_eq!(a.stats().unresolved_dropped, 2);
    assert_eq!(a.stats().resolution_failures, 2);
}

#[test]
fn held_packets_are_bounded() {
    let mut a = iface_a();
    let mut dev = MockDevice::default();
    for seq in 0..16 {
        a.ping(0, &mut dev, IP_B.into(), 1, seq, b"x").unwrap();
    }
    assert!(a.ping(0, &mut dev, IP_B.into(), 1, 99, b"x").is_err());
    assert_eq!(a.stats().held_overflow, 1);
    // One ARP request for all of them.
    assert_eq!(dev.tx.len(), 1);
}

/// `frame` (Ethernet + IPv6 + upper layer, no extension headers) with a
/// Fragment header (RFC 8200 section 4.5) of offset `offset` (8-octet
/// units), M flag `more` and identification 0x01020304 put in front of its
/// upper layer. The upper-layer checksum stays right: the pseudo-header
/// holds the upper-layer length and protocol, which do not change.
fn with_fragment_header(frame: &[u8], offset: u16, more: bool) -> Vec<u8> {
    let (ip, upper) = frame.split_at(14 + 40);
    let mut f = ip.to_vec();
    let word = (offset << 3) | u16::from(more);
    f.extend([f[14 + 6], 0]);
    f.extend(word.to_be_bytes());
    f.extend([1, 2, 3, 4]);
    f.extend(upper);
    f[14 + 6] = 44;
    let plen = u16::from_be_bytes([f[18], f[19]]) + 8;
    f[18..20].copy_from_slice(&plen.to_be_bytes());
    f
}

/// RFC 8200 section 4.5 and RFC 6946: an IPv6 packet with a Fragment header
/// of offset 0 and M = 0 (an atomic fragment) is a whole packet and is
/// processed as one: an ICMPv6 echo request is answered, a UDP datagram
/// delivered, a TCP SYN to a listener answered with a SYN-ACK, and the
/// software checksum verdict is `Good`. A real fragment (M = 1, or a
/// non-zero offset) is not processed alone: it waits for the rest of its
/// datagram (`tests/fragments.rs` has reassembly) and is dropped and
/// counted when that never comes (at the 60 s timeout) or at once if its
/// length cannot be a fragment's (M = 1 with a length not a multiple of 8).
#[test]
fn ipv6_atomic_fragments_are_processed_as_whole_packets() {
    use stack::iface::SoftwareChecksum;
    use stack::wire::{IpPair, TcpFlags, TcpPacket, TcpRepr, TcpSeqNumber};
    let (a6, b6) = (Ipv6Address(IP6_A.octets()), Ipv6Address(IP6_B.octets()));
    let echo = icmpv6_frame(
        MAC_A,
        IP6_B,
        IP6_A,
        64,
        &Icmpv6Repr::EchoRequest {
            ident: 0x77,
            seq_no: 5,
            data: b"atomic",
        },
    );
    let udp = test_support::oracle::ipv6_frame(
        (MAC_B, MAC_A),
        IP6_B.octets(),
        IP6_A.octets(),
        test_support::oracle::Build::Udp {
            sport: 4000,
            dport: 5000,
        },
        b"whole datagram",
    );
    let mut syn = TcpRepr::bare(4001, 80, TcpSeqNumber(1000), TcpSeqNumber(0), TcpFlags::SYN);
    syn.window_len = 1000;
    let mut seg = vec![0u8; syn.buffer_len()];
    let pair = IpPair::V6 { src: b6, dst: a6 };
    syn.emit(&mut TcpPacket::new_unchecked(&mut seg[..]), &pair, true);
    let mut ip = vec![0u8; 40];
    Ipv6Repr {
        src_addr: b6,
        dst_addr: a6,
        next_header: ip_protocol::TCP,
        payload_len: seg.len(),
        hop_limit: 64,
        traffic_class: 0,
        flow_label: 0,
    }
    .emit(&mut Ipv6Packet::new_unchecked(&mut ip[..]));
    ip.extend(&seg);
    let tcp = eth(MAC_A, MAC_B, EtherType::IPV6, &ip);

    // Each frame is accepted as it is, so the wrapping is all that differs.
    for (whole, what) in [(&echo, "echo"), (&udp, "udp"), (&tcp, "tcp syn")] {
        for (offset, more, accepted) in [(0, false, true), (0, true, false), (1, false, false)] {
            let ctx = format!("{what} in a fragment header, offset {offset}, M {more}");
            let f = with_fragment_header(whole, offset, more);
            let mut a = iface_a();
            let u = a.udp_bind(5000).unwrap();
            a.tcp_listen(80, 4).unwrap();
            let mut dev = MockDevice::default();
            // Learn b's link-layer address so answers leave at once.
            let ns = Icmpv6Repr::Ndp(NdpRepr::NeighborSolicit {
                target_addr: a6,
                lladdr: Some(EthernetAddress(MAC_B)),
            });
            dev.push(icmpv6_frame(MAC_A, IP6_B, IP6_A, 255, &ns));
            a.poll(0, &mut dev);
            dev.tx.clear();
            let drops = a.total_drops();
            dev.push(f.clone());
            a.poll(MS, &mut dev);
            let sent: Vec<Vec<u8>> = dev.tx.drain(..).map(|(f, _)| f).collect();
            if !accepted {
                assert!(sent.is_empty(), "{ctx}: answered {sent:02x?}");
                assert_eq!(a.udp_recv_from(u).unwrap(), None, "{ctx}");
                assert_eq!(a.stats().ipv6_fragments_in, 1, "{ctx}");
                a.poll(MS + 60_000 * MS, &mut dev);
                assert!(dev.tx.is_empty(), "{ctx}: answered later");
                assert_eq!(a.udp_recv_from(u).unwrap(), None, "{ctx}");
                assert_eq!(a.total_drops(), drops + 1, "{ctx}: not counted");
                assert_eq!(a.reassembly_usage(), (0, 0), "{ctx}");
                continue;
            }
            assert_eq!(a.total_drops(), drops, "{ctx}: {:?}", a.stats());
            if what != "echo" {
                assert_eq!(software_checksum(&f), SoftwareChecksum::Good, "{ctx}");
            }
            match what {
                "echo" => {
                    assert_eq!(sent.len(), 1, "{ctx}");
                    let ip = Ipv6Packet::new_checked(&sent[0][14..]).unwrap();
                    let icmp = Icmpv6Packet::new_checked(ip.payload()).unwrap();
                    assert_eq!(
                        Icmpv6Repr::parse(&icmp, a6, b6, true).unwrap(),
                        Icmpv6Repr::EchoReply {
                            ident: 0x77,
                            seq_no: 5,
                            data: b"atomic"
                        },
                        "{ctx}"
                    );
                }
                "udp" => {
                    assert!(sent.is_empty(), "{ctx}");
                    let (from, data) = a.udp_recv_from(u).unwrap().expect("delivered");
                    assert_eq!(from, "[2001:db8::b]:4000".parse().unwrap(), "{ctx}");
                    assert_eq!(data, b"whole datagram", "{ctx}");
                }
                _ => {
                    assert_eq!(sent.len(), 1, "{ctx}");
                    let ip = Ipv6Packet::new_checked(&sent[0][14..]).unwrap();
                    let t = TcpPacket::new_checked(ip.payload()).unwrap();
                    let r = TcpRepr::parse(&t, &IpPair::V6 { src: a6, dst: b6 }, true).unwrap();
                    assert_eq!(r.flags, TcpFlags::SYN | TcpFlags::ACK, "{ctx}");
                    assert_eq!(r.ack_number, TcpSeqNumber(1001), "{ctx}");
                }
            }
        }
    }
}

/// Sends an echo request (IPv4 or IPv6) to a resolved neighbour on a device
/// with or without TX checksum offload and returns the frame and metadata.
fn sent_echo(offload: bool, dst: IpAddr) -> (Vec<u8>, TxMeta) {
    let mut a = iface_a();
    let mut dev = MockDevice {
        caps: Capabilities {
            tx_checksum: offload,
            ..ETHERNET_1500
        },
        ..MockDevice::default()
    };
    dev.push(arp(ArpOperation::Request, MAC_B, IP_B, IP_A));
    let ns = Icmpv6Repr::Ndp(NdpRepr::NeighborSolicit {
        target_addr: Ipv6Address(IP6_A.octets()),
        lladdr: Some(EthernetAddress(MAC_B)),
    });
    dev.push(icmpv6_frame(MAC_A, IP6_B, IP6_A, 255, &ns));
    a.poll(0, &mut dev);
    dev.tx.clear();
    a.ping(0, &mut dev, dst, 0x4242, 3, b"offload me").unwrap();
    assert_eq!(dev.tx.len(), 1);
    dev.tx.pop().unwrap()
}

/// A ping whose packet (IP header, 8 bytes of ICMP header, data) fits the
/// device's MTU leaves as one frame of the device's largest size; one byte
/// more and it leaves in fragments (IPv4 with DF clear, IPv6 with a
/// Fragment header), each within the MTU, their data the datagram's; one
/// larger than an IP datagram can be is refused with `SendError::TooBig`
/// and nothing reaches the device (`tests/fragments.rs` has the rest).
#[test]
fn ping_whose_packet_exceeds_the_mtu_leaves_in_fragments() {
    let mut a = iface_a();
    let mut dev = MockDevice::default();
    dev.push(arp(ArpOperation::Request, MAC_B, IP_B, IP_A));
    let ns = Icmpv6Repr::Ndp(NdpRepr::NeighborSolicit {
        target_addr: Ipv6Address(IP6_A.octets()),
        lladdr: Some(EthernetAddress(MAC_B)),
    });
    dev.push(icmpv6_frame(MAC_A, IP6_B, IP6_A, 255, &ns));
    a.poll(0, &mut dev);
    dev.tx.clear();
    // 1500 - 20 - 8 and 1500 - 40 - 8 bytes of data fit; the fragments
    // carry 1480 and 1448 bytes of the ICMP message each.
    for (dst, fits, per, max) in [
        (IpAddr::from(IP_B), 1472, 1480, 65_507),
        (IP6_B.into(), 1452, 1448, 65_527),
    ] {
        a.ping(0, &mut dev, dst, 1, 1, &vec![0x33; fits]).unwrap();
        let sent: Vec<_> = dev.tx.drain(..).map(|(f, _)| f.len()).collect();
        assert_eq!(sent, [1514], "{dst}: {fits} bytes of data");
        for len in [fits + 1, 4000, max] {
            a.ping(0, &mut dev, dst, 1, 2, &vec![0x33; len]).unwrap();
            let sent: Vec<_> = dev.tx.drain(..).map(|(f, _)| f).collect();
            assert_eq!(
                sent.len(),
                (len + 8).div_ceil(per),
                "{dst}: {len} bytes of data"
            );
            assert!(sent.iter().all(|f| f.len() <= 1514), "{dst}: {len}");
        }
        let r = a.ping(0, &mut dev, dst, 1, 2, &vec![0x33; max + 1]);
        assert!(
            matches!(r, Err(stack::iface::SendError::TooBig(n)) if n == max + 1),
            "{dst}: {r:?}"
        );
        assert!(dev.tx.is_empty(), "{dst}: handed to the device");
    }
    a.poll(MS, &mut dev);
    assert!(dev.tx.is_empty(), "nothing held and sent later");
}

#[test]
fn tx_checksum_offload_marks_needs_csum_and_completes_to_software_bytes() {
    // IPv4: csum_start at the ICMP header, offset 2, field 0 (no pseudo-header).
    let (soft, soft_meta) = sent_echo(false, IP_B.into());
    let (mut off, meta) = sent_echo(true, IP_B.into());
    assert_eq!(soft_meta, TxMeta::default());
    assert_eq!(
        (meta.flags, meta.csum_start, meta.csum_offset),
        (F_NEEDS_CSUM, 34, 2)
    );
    assert_eq!(off[36..38], [0, 0]);
    assert!(
        Ipv4Packet::new_checked(&off[14..])
            .unwrap()
            .verify_checksum(),
        "header checksum stays in software"
    );
    complete_checksum(&mut off, &meta);
    assert_eq!(off, soft);

    // IPv6: the field holds the pseudo-header sum.
    let (soft, _) = sent_echo(false, IP6_B.into());
    let (mut off, meta) = sent_echo(true, IP6_B.into());
    assert_eq!(
        (meta.flags, meta.csum_start, meta.csum_offset),
        (F_NEEDS_CSUM, 54, 2)
    );
    let pseudo = checksum::pseudo_header_v6(
        IP6_A.octets(),
        IP6_B.octets(),
        ip_protocol::ICMPV6,
        (off.len() - 54) as u32,
    );
    assert_eq!(off[56..58], pseudo.to_be_bytes());
    complete_checksum(&mut off, &meta);
    assert_eq!(off, soft);
    let p = Icmpv6Packet::new_checked(&off[54..]).unwrap();
    assert!(p.verify_checksum(Ipv6Address(IP6_A.octets()), Ipv6Address(IP6_B.octets())));
}

#[test]
fn frames_for_other_hosts_are_dropped_and_counted() {
    let mut a = iface_a();
    let mut dev = MockDevice::default();
    let mut other_mac = echo_request_v4(IP_B, IP_A, b"x");
    other_mac[..6].copy_from_slice(&[0x02, 9, 9, 9, 9, 9]);
    dev.push(other_mac);
    dev.push(echo_request_v4(IP_B, Ipv4Addr::new(10, 0, 0, 77), b"x"));
    let echo6 = Icmpv6Repr::EchoRequest {
        ident: 1,
        seq_no: 2,
        data: b"x",
    };
    dev.push(icmpv6_frame(
        MAC_A,
        IP6_B,
        "2001:db8::77".parse().unwrap(),
        64,
        &echo6,
    ));
    a.poll(0, &mut dev);
    let s = a.stats();
    assert_eq!(
        (s.eth_not_for_us, s.ipv4_not_for_us, s.ipv6_not_for_us),
        (1, 1, 1)
    );
    assert!(dev.tx.is_empty());
}

#[test]
fn learned_neighbors_expire_in_simulated_time() {
    let mut a = iface_a();
    let mut dev = MockDevice::default();
    dev.push(arp(ArpOperation::Reply, MAC_B, IP_B, IP_A));
    a.poll(5, &mut dev);
    let ttl = InterfaceConfig::new(MAC_A).neighbor_ttl_ns;
    assert_eq!(a.neighbor(IP_B.into(), 5 + ttl - 1), Some(MAC_B));
    assert_eq!(a.poll_at(), Some(5 + ttl));
    a.poll(5 + ttl, &mut dev);
    assert_eq!(a.neighbor(IP_B.into(), 5 + ttl), None);
    assert_eq!(a.neighbor_cache_len(), (0, 0));
    assert_eq!(a.poll_at(), None);
}
