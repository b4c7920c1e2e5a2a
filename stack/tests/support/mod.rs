//! Shared by `tcp_transfer.rs` (two stacks over the wire emulator, simulated
//! time) and `kernel_tcp.rs` (our stack against the Linux kernel over a TAP,
//! real time): seeds, seeded byte streams with SHA-256 at both ends, a
//! device over the emulated wire that knows which frames arrived corrupted,
//! a frame inspector and a forger of raw TCP segments.
//!
//! Each test binary uses a different part, hence the `dead_code` allowance.
#![allow(dead_code)]

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};
use stack::checksum;
use stack::iface::Interface;
use stack::phy::emulator::{PortId, Wire};
use stack::phy::{Capabilities, Device, DeviceError, RxMeta, TxMeta, F_NEEDS_CSUM};
use stack::socket::TcpHandle;
use stack::tcp::{ConnStats, State};
use stack::wire::{
    ethernet, ip_protocol, ipv4, ipv6, tcp, EtherType, EthernetAddress, EthernetFrame,
    EthernetRepr, IpPair, Ipv4Address, Ipv4Packet, Ipv4Repr, Ipv6Address, Ipv6Packet, Ipv6Repr,
};
use std::cell::{Cell, RefCell};
use std::collections::{HashSet, VecDeque};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::rc::Rc;

pub const KIB: usize = 1024;
pub const MIB: usize = 1024 * 1024;
pub const MS: u64 = 1_000_000;
pub const SEC: u64 = 1_000 * MS;

/// The seed of a randomised test named `test`: the workspace's convention
/// (`test_support::seed_named`: `TEST_SEED` replays it).
pub fn seed(test: &str, default: u64) -> u64 {
    test_support::seed_named(test, default)
}

/// Lowercase hex of a digest.
pub fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// `len` seeded pseudo-random bytes, produced chunk by chunk as a sender
/// needs them, SHA-256 taken as they are handed over.
pub struct Source {
    rng: ChaCha8Rng,
    remaining: usize,
    chunk: Vec<u8>,
    pos: usize,
    sent: usize,
    sha: Sha256,
}

const CHUNK: usize = 256 * KIB;

impl Source {
    pub fn new(seed: u64, len: usize) -> Self {
        let mut s = Source {
            rng: ChaCha8Rng::seed_from_u64(seed),
            remaining: len,
            chunk: Vec::with_capacity(CHUNK),
            pos: 0,
            sent: 0,
            sha: Sha256::new(),
        };
        s.refill();
        s
    }

    fn refill(&mut self) {
        let n = self.remaining.min(CHUNK);
        self.chunk.resize(n, 0);
        self.rng.fill_bytes(&mut self.chunk);
        self.remaining -= n;
        self.pos = 0;
    }

    /// The bytes not yet handed over (a prefix of them; empty when done).
    pub fn pending(&self) -> &[u8] {
        &self.chunk[self.pos..]
    }

    /// `n` bytes of [`pending`](Self::pending) were handed over.
    pub fn advance(&mut self, n: usize) {
        let end = self.pos + n;
        self.sha.update(&self.chunk[self.pos..end]);
        self.pos = end;
        self.sent += n;
        if self.pos == self.chunk.len() && self.remaining > 0 {
            self.refill();
        }
    }

    pub fn done(&self) -> bool {
        self.remaining == 0 && self.pos == self.chunk.len()
    }

    pub fn sent(&self) -> usize {
        self.sent
    }

    /// SHA-256 of everything handed over.
    pub fn digest(&self) -> [u8; 32] {
        self.sha.clone().finalize().into()
    }
}

/// The receiving end of a [`Source`] with the same seed: hashes what
/// arrives and compares it with what should have, so a failure names the
/// first wrong byte, not just a digest mismatch.
pub struct Sink {
    expected: Source,
    len: usize,
    received: usize,
    first_mismatch: Option<usize>,
    sha: Sha256,
}

impl Sink {
    pub fn new(seed: u64, len: usize) -> Self {
        Sink {
            expected: Source::new(seed, len),
            len,
            received: 0,
            first_mismatch: None,
            sha: Sha256::new(),
        }
    }

    pub fn feed(&mut self, mut data: &[u8]) {
        self.sha.update(data);
        while !data.is_empty() {
            let want = self.expected.pending();
            if want.is_empty() {
                // More bytes than were sent.
                self.first_mismatch.get_or_insert(self.received);
                self.received += data.len();
                return;
            }
            let n = want.len().min(data.len());
            if self.first_mismatch.is_none() && want[..n] != data[..n] {
                let i = want[..n].iter().zip(&data[..n]).position(|(a, b)| a != b);
                self.first_mismatch = Some(self.received + i.unwrap_or(0));
            }
            self.expected.advance(n);
            self.received += n;
            data = &data[n..];
        }
    }

    pub fn received(&self) -> usize {
        self.received
    }

    pub fn complete(&self) -> bool {
        self.received >= self.len
    }

    pub fn first_mismatch(&self) -> Option<usize> {
        self.first_mismatch
    }

    pub fn digest(&self) -> [u8; 32] {
        self.sha.clone().finalize().into()
    }
}

/// A 64-bit FNV-1a over 8-byte words: cheap, and more than enough to tell
/// a frame from the same frame with one bit flipped.
pub fn frame_hash(f: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ f.len() as u64;
    let mut words = f.chunks_exact(8);
    for w in &mut words {
        h ^= u64::from_le_bytes(w.try_into().unwrap());
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
        h ^= h >> 29;
    }
    for &b in words.remainder() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Every frame put on the wire, by hash: a frame that arrives and is not
/// here was changed on the way (corrupted). Two valid frames never differ
/// in a single bit (their checksums would tell), so a one-bit flip never
/// turns one sent frame into another.
#[derive(Default)]
pub struct Ledger {
    sent: HashSet<u64>,
}

impl Ledger {
    fn sent(&mut self, f: &[u8]) {
        self.sent.insert(frame_hash(f));
    }

    /// Whether `f` arrived exactly as some port sent it.
    fn arrived(&self, f: &[u8]) -> bool {
        self.sent.contains(&frame_hash(f))
    }

    pub fn len(&self) -> usize {
        self.sent.len()
    }
}

/// Completes a NEEDS_CSUM frame as a NIC would, by the stack's own
/// completion (`stack::iface::complete_checksum`, which
/// `stack/emulated-nic/tests/tx_checksum_matches_model.rs` holds byte-equal
/// to the NIC's rule). A frame whose field lies outside it is left as it
/// is, as the NIC refuses it.
pub fn complete_checksum(frame: &mut [u8], meta: &TxMeta) {
    if meta.flags & F_NEEDS_CSUM != 0 {
        let (start, offset) = (meta.csum_start.into(), meta.csum_offset.into());
        // Refused (ERR_DESC_CSUM): the frame is untouched.
        let _ = stack::iface::complete_checksum(frame, start, offset);
    }
}

/// The last TCP segment a port sent, as an on-path observer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observed {
    pub seq: u32,
    pub ack: u32,
    pub payload_len: usize,
    pub flags: u8,
    pub window: u16,
    pub tsval: Option<u32>,
    pub tsecr: Option<u32>,
    /// The segment carries a SACK option (blocks).
    pub sack: bool,
}

/// One port of an emulated [`Wire`] as a stack's device, on a simulated
/// clock shared with the test. Every frame it sends is entered in the
/// shared [`Ledger`]; a received frame that is not in it was corrupted on
/// the way and is set aside ([`take_corrupted`](Self::take_corrupted)) so
/// the test can hand it to the stack alone and see which counter took it.
/// Forged frames ([`inject`](Self::inject)) are delivered before the wire's.
pub struct WirePort {
    pub wire: Rc<RefCell<Wire>>,
    pub port: PortId,
    pub now: Rc<Cell<u64>>,
    pub caps: Capabilities,
    pub ledger: Rc<RefCell<Ledger>>,
    corrupted: Option<Vec<u8>>,
    solo: Option<Vec<u8>>,
    solo_mode: bool,
    injected: VecDeque<Vec<u8>>,
    /// Frames sent and received, RST segments sent and received.
    pub tx_frames: u64,
    pub rx_frames: u64,
    pub tx_rst: u64,
    pub rx_rst: u64,
    /// Segments sent with a SACK option.
    pub tx_sack: u64,
    /// When each RST was sent, with what the segment said.
    pub rst_log: Vec<(u64, Observed)>,
    pub corrupted_seen: u64,
    pub last_tcp_tx: Option<Observed>,
}

impl WirePort {
    pub fn new(
        wire: Rc<RefCell<Wire>>,
        now: Rc<Cell<u64>>,
        caps: Capabilities,
        ledger: Rc<RefCell<Ledger>>,
    ) -> Self {
        let port = wire.borrow_mut().attach();
        WirePort {
            wire,
            port,
            now,
            caps,
            ledger,
            corrupted: None,
            solo: None,
            solo_mode: false,
            injected: VecDeque::new(),
            tx_frames: 0,
            rx_frames: 0,
            tx_rst: 0,
            rx_rst: 0,
            tx_sack: 0,
            rst_log: Vec::new(),
            corrupted_seen: 0,
            last_tcp_tx: None,
        }
    }

    /// A corrupted frame that arrived and was held back, if any.
    pub fn take_corrupted(&mut self) -> Option<Vec<u8>> {
        self.corrupted.take()
    }

    /// The next poll of the stack sees `frame` and nothing else.
    pub fn set_solo(&mut self, frame: Vec<u8>) {
        self.solo = Some(frame);
        self.solo_mode = true;
    }

    /// Ends solo mode (call after the poll that took the solo frame).
    pub fn end_solo(&mut self) {
        self.solo = None;
        self.solo_mode = false;
    }

    /// Queues a forged frame for the stack's next poll.
    pub fn inject(&mut self, frame: Vec<u8>) {
        self.injected.push_back(frame);
    }
}

impl Device for WirePort {
    fn capabilities(&self) -> Capabilities {
        self.caps
    }

    fn transmit(&mut self, frame: &[u8], meta: &TxMeta) -> Result<(), DeviceError> {
        if frame.len() > self.caps.max_frame {
            return Err(DeviceError::TooBig {
                len: frame.len(),
                max: self.caps.max_frame,
            });
        }
        let mut frame = frame.to_vec();
        complete_checksum(&mut frame, meta);
        if let Some(t) = inspect(&frame) {
            if t.flags & RST != 0 {
                self.tx_rst += 1;
                self.rst_log.push((self.now.get(), t.observed));
            }
            if t.observed.sack {
                self.tx_sack += 1;
            }
            self.last_tcp_tx = Some(t.observed);
        }
        self.tx_frames += 1;
        self.ledger.borrow_mut().sent(&frame);
        self.wire
            .borrow_mut()
            .send(self.port, frame, self.now.get())
            .map(|_| ())
            .map_err(|e| DeviceError::io("wire", e))
    }

    fn receive(&mut self) -> Option<(Vec<u8>, RxMeta)> {
        let meta = RxMeta {
            segments: 1,
            ..RxMeta::default()
        };
        if self.solo_mode {
            return self.solo.take().map(|f| (f, meta));
        }
        if let Some(f) = self.injected.pop_front() {
            return Some((f, meta));
        }
        if self.corrupted.is_some() {
            // Stop this poll; the test hands the corrupted frame over alone.
            return None;
        }
        let f = self
            .wire
            .borrow_mut()
            .recv(self.port, self.now.get())
            .ok()??;
        if !self.ledger.borrow().arrived(&f) {
            self.corrupted_seen += 1;
            self.corrupted = Some(f);
            return None;
        }
        self.rx_frames += 1;
        if inspect(&f).is_some_and(|t| t.flags & RST != 0) {
            self.rx_rst += 1;
        }
        Some((f, meta))
    }
}

pub const FIN: u8 = 0x01;
pub const SYN: u8 = 0x02;
pub const RST: u8 = 0x04;
pub const PSH: u8 = 0x08;
pub const ACK: u8 = 0x10;

/// What [`inspect`] found in a well-formed TCP frame.
#[derive(Debug, Clone, Copy)]
pub struct TcpSeen {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub src_port: u16,
    pub dst_port: u16,
    pub flags: u8,
    pub observed: Observed,
}

/// Parses Ethernet / IPv4 or IPv6 / TCP far enough to read the header
/// fields; `None` for anything else or anything malformed. Written here,
/// apart from the stack's parsers, so the tests do not trust what they test.
pub fn inspect(f: &[u8]) -> Option<TcpSeen> {
    if f.len() < 14 {
        return None;
    }
    let ethertype = u16::from_be_bytes([f[12], f[13]]);
    let (src, dst, seg) = match ethertype {
        0x0800 => {
            let ip = &f[14..];
            if ip.len() < 20 || ip[0] >> 4 != 4 || ip[9] != ip_protocol::TCP {
                return None;
            }
            let ihl = usize::from(ip[0] & 0xf) * 4;
            let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
            if ihl < 20 || total < ihl || total > ip.len() {
                return None;
            }
            let s: [u8; 4] = ip[12..16].try_into().unwrap();
            let d: [u8; 4] = ip[16..20].try_into().unwrap();
            (IpAddr::from(s), IpAddr::from(d), &ip[ihl..total])
        }
        0x86dd => {
            let ip = &f[14..];
            if ip.len() < 40 || ip[0] >> 4 != 6 || ip[6] != ip_protocol::TCP {
                return None;
            }
            let plen = usize::from(u16::from_be_bytes([ip[4], ip[5]]));
            if 40 + plen > ip.len() {
                return None;
            }
            let s: [u8; 16] = ip[8..24].try_into().unwrap();
            let d: [u8; 16] = ip[24..40].try_into().unwrap();
            (IpAddr::from(s), IpAddr::from(d), &ip[40..40 + plen])
        }
        _ => return None,
    };
    if seg.len() < 20 {
        return None;
    }
    let hl = usize::from(seg[12] >> 4) * 4;
    if hl < 20 || hl > seg.len() {
        return None;
    }
    let (mut tsval, mut tsecr, mut sack) = (None, None, false);
    let mut opts = &seg[20..hl];
    while let Some(&kind) = opts.first() {
        match kind {
            0 => break,
            1 => opts = &opts[1..],
            _ => {
                let len = usize::from(*opts.get(1)?);
                if len < 2 || len > opts.len() {
                    break;
                }
                sack |= kind == 5;
                if kind == 8 && len == 10 {
                    tsval = Some(u32::from_be_bytes(opts[2..6].try_into().unwrap()));
                    tsecr = Some(u32::from_be_bytes(opts[6..10].try_into().unwrap()));
                }
                opts = &opts[len..];
            }
        }
    }
    let flags = seg[13];
    Some(TcpSeen {
        src,
        dst,
        src_port: u16::from_be_bytes([seg[0], seg[1]]),
        dst_port: u16::from_be_bytes([seg[2], seg[3]]),
        flags,
        observed: Observed {
            seq: u32::from_be_bytes(seg[4..8].try_into().unwrap()),
            ack: u32::from_be_bytes(seg[8..12].try_into().unwrap()),
            payload_len: seg.len() - hl,
            flags,
            window: u16::from_be_bytes([seg[14], seg[15]]),
            tsval,
            tsecr,
            sack,
        },
    })
}

/// How a stack must treat a frame that arrived with a bit flipped, judged
/// from the frame alone by rules written here (not the stack's code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Damage {
    /// The flip cannot be detected and changes nothing the stack uses
    /// (source MAC other than its group bit, IPv6 traffic class or flow
    /// label, IPv4/IPv6 bytes past the packet): accepting it is right.
    Harmless,
    /// An ARP frame: ARP has no checksum, so nothing can be asserted.
    Unprotected,
    /// Not for us at the Ethernet layer (destination MAC, source MAC made
    /// multicast, unknown EtherType).
    Ethernet,
    /// An IP header field is structurally wrong (version, header or total
    /// length, fragment bits, protocol, destination address, or a hop
    /// limit NDP requires); such a frame may also fail a checksum, and
    /// which counter takes it is the stack's choice.
    IpStructure,
    /// The IPv4 header checksum fails, nothing else is wrong.
    Ipv4HeaderChecksum,
    /// Everything parses and is addressed to us, and only the TCP checksum
    /// fails (the flip hit the TCP header or payload, or a pseudo-header
    /// address).
    TcpChecksum,
    /// The TCP header itself is malformed (data offset, an option's
    /// length, a zero port) and the checksum fails too: either counter may
    /// take it.
    TcpStructure,
    /// As `TcpChecksum`, for ICMP/ICMPv6 (echo, neighbour discovery).
    IcmpChecksum,
}

impl Damage {
    /// Whether the stack must drop the frame (and count the drop).
    pub fn must_drop(self) -> bool {
        !matches!(self, Damage::Harmless | Damage::Unprotected)
    }
}

/// Classifies a frame sent to `mac` (at `v4` / `v6`) that arrived with one
/// bit flipped.
pub fn classify_damage(f: &[u8], mac: [u8; 6], v4: Ipv4Addr, v6: &[Ipv6Addr]) -> Damage {
    if f.len() < 14 {
        return Damage::Ethernet;
    }
    let ethertype = u16::from_be_bytes([f[12], f[13]]);
    let group = f[0] & 1 != 0;
    if (!group && f[0..6] != mac) || f[6] & 1 != 0 {
        return Damage::Ethernet;
    }
    let p = &f[14..];
    match ethertype {
        0x0806 => Damage::Unprotected,
        0x0800 => {
            if p.len() < 20 || p[0] != 0x45 {
                return Damage::IpStructure;
            }
            let total = usize::from(u16::from_be_bytes([p[2], p[3]]));
            let frag = u16::from_be_bytes([p[6], p[7]]);
            let proto = p[9];
            if total < 20
                || total > p.len()
                || frag & 0x3fff != 0
                || !(proto == ip_protocol::TCP || proto == ip_protocol::ICMP)
                || p[16..20] != v4.octets()
                || group
            {
                return Damage::IpStructure;
            }
            if checksum::data(&p[..20]) != 0xffff {
                return Damage::Ipv4HeaderChecksum;
            }
            let body = &p[20..total];
            if proto == ip_protocol::ICMP {
                return if checksum::data(body) != 0xffff {
                    Damage::IcmpChecksum
                } else {
                    Damage::Harmless
                };
            }
            let pair = IpPair::V4 {
                src: Ipv4Address(p[12..16].try_into().unwrap()),
                dst: Ipv4Address(p[16..20].try_into().unwrap()),
            };
            upper_damage(&pair, proto, body)
        }
        0x86dd => {
            if p.len() < 40 || p[0] >> 4 != 6 {
                return Damage::IpStructure;
            }
            let plen = usize::from(u16::from_be_bytes([p[4], p[5]]));
            let next = p[6];
            let dst: [u8; 16] = p[24..40].try_into().unwrap();
            let dst = Ipv6Addr::from(dst);
            let for_us = v6.contains(&dst) || dst.is_multicast();
            if plen < 8
                || 40 + plen > p.len()
                || !(next == ip_protocol::TCP || next == ip_protocol::ICMPV6)
                || !for_us
                || (group && !dst.is_multicast())
                || (next == ip_protocol::ICMPV6
                    && p[7] != 255
                    && p.get(40).is_some_and(|&t| (133..=137).contains(&t)))
            {
                return Damage::IpStructure;
            }
            let pair = IpPair::V6 {
                src: Ipv6Address(p[8..24].try_into().unwrap()),
                dst: Ipv6Address(p[24..40].try_into().unwrap()),
            };
            upper_damage(&pair, next, &p[40..40 + plen])
        }
        _ => Damage::Ethernet,
    }
}

fn upper_damage(pair: &IpPair, proto: u8, body: &[u8]) -> Damage {
    if pair.upper_layer_sum(proto, body) == 0xffff {
        Damage::Harmless
    } else if proto == ip_protocol::TCP {
        if tcp_header_well_formed(body) {
            Damage::TcpChecksum
        } else {
            Damage::TcpStructure
        }
    } else {
        Damage::IcmpChecksum
    }
}

/// RFC 9293 §3.1 and the option sizes of RFC 9293 §3.2, RFC 7323, RFC 2018:
/// a data offset from 5 words to the segment's end, options that walk to
/// the end of their area with legal lengths, non-zero ports.
fn tcp_header_well_formed(seg: &[u8]) -> bool {
    if seg.len() < 20 {
        return false;
    }
    let hl = usize::from(seg[12] >> 4) * 4;
    if hl < 20 || hl > seg.len() {
        return false;
    }
    if seg[0..2] == [0, 0] || seg[2..4] == [0, 0] {
        return false;
    }
    let mut opts = &seg[20..hl];
    while let Some(&kind) = opts.first() {
        match kind {
            0 => return true,
            1 => opts = &opts[1..],
            _ => {
                let Some(&len) = opts.get(1) else {
                    return false;
                };
                let len = usize::from(len);
                if len < 2 || len > opts.len() {
                    return false;
                }
                let size_ok = match kind {
                    2 => len == 4,
                    3 => len == 3,
                    4 => len == 2,
                    5 => len >= 10 && (len - 2) % 8 == 0 && len <= 34,
                    8 => len == 10,
                    _ => true,
                };
                if !size_ok {
                    return false;
                }
                opts = &opts[len..];
            }
        }
    }
    true
}

/// Addresses of one end, for forging frames.
#[derive(Debug, Clone, Copy)]
pub struct Station {
    pub mac: [u8; 6],
    pub ip: IpAddr,
    pub port: u16,
}

/// A whole Ethernet frame carrying the TCP header `tcp` (20 bytes plus
/// options, any bytes at all) and `payload` from `from` to `to`, with
/// correct IP and TCP checksums unless `bad_checksum`. The Ethernet and IP
/// headers are the stack's `wire` emitters' (IPv4: DF, TTL 64, ID 0; IPv6:
/// hop limit 64); only the TCP bytes are forged.
pub fn forge_tcp(
    from: &Station,
    to: &Station,
    tcp_header: &[u8],
    payload: &[u8],
    bad_checksum: bool,
) -> Vec<u8> {
    let mut seg = Vec::with_capacity(tcp_header.len() + payload.len());
    seg.extend_from_slice(tcp_header);
    seg.extend_from_slice(payload);
    let (ethertype, ip_len) = match to.ip {
        IpAddr::V4(_) => (EtherType::IPV4, ipv4::field::MIN_HEADER_LEN),
        IpAddr::V6(_) => (EtherType::IPV6, ipv6::field::HEADER_LEN),
    };
    let eth = ethernet::field::HEADER_LEN;
    let mut f = vec![0u8; eth + ip_len];
    EthernetRepr {
        src: EthernetAddress(from.mac),
        dst: EthernetAddress(to.mac),
        vlan: None,
        ethertype,
    }
    .emit(&mut EthernetFrame::new_unchecked(&mut f[..]));
    let pair = match (from.ip, to.ip) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let (src, dst) = (Ipv4Address(s.octets()), Ipv4Address(d.octets()));
            Ipv4Repr::unfragmented(src, dst, ip_protocol::TCP, seg.len(), 0, true)
                .emit(&mut Ipv4Packet::new_unchecked(&mut f[eth..]), true);
            IpPair::V4 { src, dst }
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            let (src, dst) = (Ipv6Address(s.octets()), Ipv6Address(d.octets()));
            Ipv6Repr {
                src_addr: src,
                dst_addr: dst,
                next_header: ip_protocol::TCP,
                payload_len: seg.len(),
                hop_limit: 64,
                traffic_class: 0,
                flow_label: 0,
            }
            .emit(&mut Ipv6Packet::new_unchecked(&mut f[eth..]));
            IpPair::V6 { src, dst }
        }
        _ => panic!("forge_tcp: mixed address families"),
    };
    // The TCP header may be any bytes, shorter than 20 included: the
    // checksum field is written by offset only where it exists.
    let at = tcp::field::CHECKSUM;
    if seg.len() >= at + 2 {
        seg[at..at + 2].fill(0);
        let mut c = !pair.upper_layer_sum(ip_protocol::TCP, &seg);
        if bad_checksum {
            c ^= 0x0101;
        }
        seg[at..at + 2].copy_from_slice(&c.to_be_bytes());
    }
    f.extend_from_slice(&seg);
    f
}

/// A TCP header: ports, seq, ack, flags, window, then `options` (padded
/// with zeros to a multiple of 4; a data offset of `data_offset_words`
/// overrides the true length when forging a lying header).
pub fn tcp_header(
    (src_port, dst_port): (u16, u16),
    seq: u32,
    ack: u32,
    flags: u8,
    window: u16,
    options: &[u8],
    data_offset_words: Option<u8>,
) -> Vec<u8> {
    let mut h = vec![0u8; 20];
    h[0..2].copy_from_slice(&src_port.to_be_bytes());
    h[2..4].copy_from_slice(&dst_port.to_be_bytes());
    h[4..8].copy_from_slice(&seq.to_be_bytes());
    h[8..12].copy_from_slice(&ack.to_be_bytes());
    h[13] = flags;
    h[14..16].copy_from_slice(&window.to_be_bytes());
    h.extend_from_slice(options);
    while !h.len().is_multiple_of(4) {
        h.push(0);
    }
    let words = data_offset_words.unwrap_or((h.len() / 4) as u8);
    h[12] = words << 4;
    h
}

/// One end of a TCP connection and what the application does with it:
/// send a [`Source`], read into a [`Sink`], close when done.
pub struct End {
    /// Which host (for tests with several).
    pub host: usize,
    pub h: TcpHandle,
    pub src: Option<Source>,
    pub sink: Option<Sink>,
    /// Read with `tcp_recv_peek`/`tcp_recv_consume` (else `tcp_recv`).
    pub zero_copy: bool,
    /// Close only once the peer's FIN has been read (and, if sending, all
    /// was sent); otherwise close as soon as everything was sent.
    pub wait_for_peer_fin: bool,
    pub closed: bool,
    /// Every state the connection was seen in, in order.
    pub states: Vec<State>,
    /// The connection's counters, last seen before CLOSED.
    pub stats: Option<ConnStats>,
    pub sack: Option<bool>,
    /// When the sink had everything.
    pub done_at: Option<u64>,
    /// When everything from the source was sent and acknowledged.
    pub acked_at: Option<u64>,
    /// When the connection was first seen CLOSED.
    pub closed_at: Option<u64>,
}

impl End {
    pub fn new(host: usize, h: TcpHandle, state: State) -> End {
        End {
            host,
            h,
            src: None,
            sink: None,
            zero_copy: true,
            wait_for_peer_fin: true,
            closed: false,
            states: vec![state],
            stats: None,
            sack: None,
            done_at: None,
            acked_at: None,
            closed_at: None,
        }
    }

    /// What the application does at one instant; true if anything moved.
    /// Socket errors fail the test, naming `test` and `seed`.
    pub fn service(
        &mut self,
        iface: &mut Interface,
        now: u64,
        buf: &mut [u8],
        test: &str,
        seed: u64,
    ) -> bool {
        let ctx = |what: &str, e: stack::socket::SocketError| -> String {
            format!("{test}: {what} failed: {e} (seed {seed:#x})")
        };
        let mut moved = false;
        let state = iface
            .tcp_state(self.h)
            .unwrap_or_else(|e| panic!("{}", ctx("tcp_state", e)));
        if self.states.last() != Some(&state) {
            self.states.push(state);
            moved = true;
            if state == State::Closed {
                self.closed_at = Some(now);
            }
        }
        let can_send = matches!(state, State::Established | State::CloseWait);
        if let Some(src) = self.src.as_mut().filter(|_| can_send && !self.closed) {
            while !src.done() {
                let n = iface
                    .tcp_send(self.h, src.pending())
                    .unwrap_or_else(|e| panic!("{}", ctx("tcp_send", e)));
                if n == 0 {
                    break;
                }
                src.advance(n);
                moved = true;
            }
        }
        if let Some(sink) = &mut self.sink {
            loop {
                let n = if self.zero_copy {
                    let data = iface
                        .tcp_recv_peek(self.h)
                        .unwrap_or_else(|e| panic!("{}", ctx("tcp_recv_peek", e)));
                    sink.feed(data);
                    let n = data.len();
                    if n > 0 {
                        iface
                            .tcp_recv_consume(self.h, n)
                            .unwrap_or_else(|e| panic!("{}", ctx("tcp_recv_consume", e)));
                    }
                    n
                } else {
                    let n = iface
                        .tcp_recv(self.h, buf)
                        .unwrap_or_else(|e| panic!("{}", ctx("tcp_recv", e)));
                    sink.feed(&buf[..n]);
                    n
                };
                if n == 0 {
                    break;
                }
                moved = true;
            }
            if sink.complete() && self.done_at.is_none() {
                self.done_at = Some(now);
            }
        }
        let sent_all = self.src.as_ref().is_none_or(|s| s.done());
        let peer_done = !self.wait_for_peer_fin
            || iface
                .tcp_recv_finished(self.h)
                .unwrap_or_else(|e| panic!("{}", ctx("tcp_recv_finished", e)));
        if sent_all && peer_done && !self.closed && state != State::Closed {
            iface
                .tcp_close(self.h)
                .unwrap_or_else(|e| panic!("{}", ctx("tcp_close", e)));
            self.closed = true;
            moved = true;
        }
        if state != State::Closed {
            let c = iface
                .tcp_connection(self.h)
                .unwrap_or_else(|e| panic!("{}", ctx("tcp_connection", e)));
            self.stats = Some(*c.stats());
            if self.acked_at.is_none()
                && self.src.as_ref().is_some_and(|s| s.done())
                && c.send_queued() == 0
            {
                self.acked_at = Some(now);
            }
            if matches!(state, State::Established) {
                self.sack = Some(c.sack_enabled());
            }
        }
        moved
    }

    /// When this end's work was done: everything received and everything
    /// sent acknowledged (`None` until both).
    pub fn finished_at(&self) -> Option<u64> {
        let rx = match &self.sink {
            Some(_) => self.done_at?,
            None => 0,
        };
        let tx = match &self.src {
            Some(_) => self.acked_at?,
            None => 0,
        };
        Some(rx.max(tx))
    }
}
