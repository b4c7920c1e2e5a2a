//! The interface layer: one Ethernet interface with an IPv4 and/or IPv6
//! address, its neighbour caches (ARP, NDP), ICMP/ICMPv6 echo, and the
//! offload decisions for what it sends.
//!
//! Like the rest of the stack it owns no threads and reads no clock: the
//! caller passes `now` (ns of simulated or real time) to [`Interface::poll`],
//! which handles every frame the device has waiting and runs the timers, and
//! asks [`Interface::poll_at`] when to call again.
//!
//! - [`neighbor`]: the bounded, expiring neighbour cache.
//! - `ingress`: parsing and answering received frames.
//! - `egress`: building frames, checksum offload, and holding packets
//!   while their next hop is resolved.
//! - `icmp_error`, `pmtu`: ICMP errors to the transport and path MTU
//!   discovery, with the per-destination path MTU cache.

mod egress;
pub use egress::{complete_checksum, ChecksumFieldOutside};
pub mod gro;
pub mod gso;
mod icmp_error;
mod ingress;
pub use ingress::{software_checksum, SoftwareChecksum};
mod pmtu;
pub use pmtu::{PmtuConfig, IPV6_MIN_MTU};
pub mod neighbor;
mod reassembly;
pub use reassembly::ReassemblyConfig;
mod sockets;
mod table;
mod tcp;
pub use tcp::{ListenerStats, SynCookies};
mod udp;

use crate::phy::{Device, DeviceError};
use crate::wire::{EthernetAddress, Ipv4Address, Ipv6Address};
use neighbor::NeighborCache;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// How an interface is set up. [`InterfaceConfig::new`] gives the defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceConfig {
    pub mac: [u8; 6],
    /// IPv4 address and prefix length.
    pub ipv4: Option<(Ipv4Addr, u8)>,
    /// Router for IPv4 destinations outside the prefix.
    pub ipv4_gateway: Option<Ipv4Addr>,
    /// A global (or unique-local) IPv6 address and prefix length; the
    /// EUI-64 link-local address is always configured as well.
    pub ipv6: Option<(Ipv6Addr, u8)>,
    /// Router for IPv6 destinations outside the prefix and not link-local.
    pub ipv6_gateway: Option<Ipv6Addr>,
    /// Entries each neighbour cache (ARP, NDP) holds at most.
    pub neighbor_cache_size: usize,
    /// How long a learned neighbour stays valid.
    pub neighbor_ttl_ns: u64,
    /// Time between resolution attempts (ARP request / NS).
    pub resolve_retry_ns: u64,
    /// Resolution attempts before giving up on a neighbour.
    pub resolve_attempts: u32,
    /// Packets held, over all neighbours, while resolution is pending.
    pub max_held_packets: usize,
    /// Echo replies kept for [`Interface::take_echo_replies`].
    pub max_echo_replies: usize,
    /// How new TCP connections behave.
    pub tcp: crate::tcp::TcpConfig,
    /// Software GRO: coalesce in-order TCP segments of one flow received in
    /// one poll before TCP sees them (used when the device has no LRO).
    pub gro: bool,
    /// TCP and UDP sockets at most (listeners, connections, accepted and
    /// lingering ones included).
    pub max_sockets: usize,
    /// Datagrams queued per UDP socket at most.
    pub udp_queue_len: usize,
    /// The secret key of the RFC 6528 initial sequence number function.
    /// Seed it from a good random source in production; tests pass a fixed
    /// value for determinism.
    pub isn_secret: u128,
    /// When a listener answers a SYN with a SYN cookie (RFC 4987) instead
    /// of a half-open connection: by default when its half-open queue (or
    /// the source's share of it) is full, as Linux's `tcp_syncookies = 1`.
    pub syn_cookies: SynCookies,
    /// The secret key of the SYN cookies' keyed hash (SipHash-2-4). Seed it
    /// from a good random source in production; tests derive it from their
    /// seed.
    pub syncookie_secret: u128,
    /// Half-open (SYN-RECEIVED) connections a listener holds at most, and
    /// never more than its backlog (Linux: the listen backlog bounds the
    /// SYN queue). Each is a connection without buffers until data flows.
    pub max_half_open: usize,
    /// Of a listener's half-open connections, at most this many from one
    /// source address, so one host cannot fill the queue; its further SYNs
    /// get cookies (or are dropped with cookies off).
    pub max_half_open_per_source: usize,
    /// ICMP/ICMPv6 port-unreachable errors sent per second at most
    /// (RFC 4443 section 2.4(f) asks for a limit); 0 sends none.
    pub icmp_error_rate: u32,
    /// Limits of IP fragment reassembly (memory, fragments per datagram,
    /// timeouts).
    pub reassembly: ReassemblyConfig,
    /// Path MTU discovery (RFC 1191, RFC 8201): on, its floor for IPv4,
    /// the estimates' 10-minute age, the cache's size.
    pub pmtu: PmtuConfig,
}

impl InterfaceConfig {
    pub fn new(mac: [u8; 6]) -> Self {
        InterfaceConfig {
            mac,
            ipv4: None,
            ipv4_gateway: None,
            ipv6: None,
            ipv6_gateway: None,
            neighbor_cache_size: 64,
            neighbor_ttl_ns: 60_000_000_000,
            resolve_retry_ns: 1_000_000_000,
            resolve_attempts: 3,
            max_held_packets: 16,
            max_echo_replies: 1024,
            tcp: crate::tcp::TcpConfig::default(),
            gro: true,
            max_sockets: 1024,
            udp_queue_len: 256,
            isn_secret: 0,
            syn_cookies: SynCookies::OnOverflow,
            syncookie_secret: 0,
            max_half_open: 256,
            max_half_open_per_source: 16,
            icmp_error_rate: 100,
            reassembly: ReassemblyConfig::default(),
            pmtu: PmtuConfig::default(),
        }
    }
}

counters! {
    /// Why a frame or packet was dropped, one counter per reason, plus traffic
    /// totals.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct Stats {
        pub rx_frames: u64,
        pub tx_frames: u64,
        /// Frame too short for an Ethernet header.
        pub eth_malformed: u64,
        /// Destination MAC neither ours, broadcast, nor a multicast we joined.
        pub eth_not_for_us: u64,
        /// VLAN-tagged frames (no VLANs configured).
        pub eth_vlan: u64,
        /// EtherType other than ARP, IPv4, IPv6.
        pub eth_unknown_type: u64,
        pub arp_malformed: u64,
        /// ARP for another address from a sender we do not know (or no IPv4
        /// address configured).
        pub arp_not_for_us: u64,
        /// ARP with a sender address that cannot be a neighbour (ours, zero,
        /// broadcast, multicast).
        pub arp_bad_sender: u64,
        /// The device reported a bad checksum (RxChecksum::Bad).
        pub rx_checksum_bad_by_device: u64,
        pub ipv4_malformed: u64,
        pub ipv4_bad_checksum: u64,
        pub ipv4_not_for_us: u64,
        pub icmpv4_malformed: u64,
        pub icmpv4_bad_checksum: u64,
        /// Well-formed ICMPv4 that is not an echo.
        pub icmpv4_unsupported: u64,
        pub ipv6_malformed: u64,
        pub ipv6_not_for_us: u64,
        /// Fragments received (IPv4: MF set or an offset; IPv6: a Fragment
        /// header that is not atomic), held for reassembly or dropped below.
        pub ipv4_fragments_in: u64,
        pub ipv6_fragments_in: u64,
        /// Datagrams reassembled and passed to the input path.
        pub ipv4_reassembled: u64,
        pub ipv6_reassembled: u64,
        /// Datagrams discarded because a fragment overlapped another (not
        /// an exact duplicate; RFC 5722), and fragments of a discarded
        /// datagram that came later (until its timeout).
        pub frag_overlap: u64,
        pub frag_after_discard: u64,
        /// Exact duplicates of a held fragment, ignored.
        pub frag_duplicate: u64,
        /// Datagrams of more than `ReassemblyConfig::max_fragments`.
        pub frag_too_many: u64,
        /// Fragments of a bad length (empty, not a multiple of 8 unless
        /// last, reassembling past the 16-bit IPv4 total length or IPv6
        /// payload length), or datagrams whose
        /// fragments disagree about where they end.
        pub frag_bad_length: u64,
        /// First fragments without the whole upper-layer header (RFC 7112,
        /// RFC 1858): their datagram discarded.
        pub frag_tiny_first: u64,
        /// First fragments whose header chain is malformed: their datagram
        /// discarded.
        pub frag_malformed: u64,
        /// Datagrams not complete within the timeout.
        pub frag_timed_out: u64,
        /// Incomplete datagrams evicted to keep within the memory limits,
        /// and fragments that could not be held even so.
        pub frag_evicted: u64,
        pub frag_no_memory: u64,
        /// Datagrams sent in fragments, and the fragments sent.
        pub ipv4_fragmented: u64,
        pub ipv6_fragmented: u64,
        pub ipv4_fragments_out: u64,
        pub ipv6_fragments_out: u64,
        pub icmpv6_malformed: u64,
        pub icmpv6_bad_checksum: u64,
        /// Well-formed ICMPv6 that is not echo, NS or NA.
        pub icmpv6_unsupported: u64,
        /// NDP not sent with hop limit 255, or otherwise invalid (RFC 4861 7.1).
        pub ndp_invalid: u64,
        /// NS for an address that is not ours.
        pub ndp_not_our_target: u64,
        /// IP protocol or next header with no handler here.
        pub ip_unknown_protocol: u64,
        /// Live neighbour entries evicted to make room.
        pub neighbor_evictions: u64,
        /// Held packets dropped because the held queue was full.
        pub held_overflow: u64,
        /// Held packets dropped because resolution gave up.
        pub unresolved_dropped: u64,
        /// Neighbours whose resolution gave up.
        pub resolution_failures: u64,
        /// Echo replies dropped because the caller did not take them.
        pub echo_replies_overflow: u64,
        pub tx_errors: u64,
        /// Which path verified each received TCP/UDP checksum: the device's
        /// verdict, the device's complete sum (CHECKSUM_COMPLETE), or software.
        pub rx_csum_device: u64,
        pub rx_csum_complete: u64,
        pub rx_csum_software: u64,
        /// Which side computed each sent TCP/UDP checksum (frames on the wire;
        /// TSO super-frames count under `tso_super_frames` instead).
        pub tx_csum_offloaded: u64,
        pub tx_csum_software: u64,
        /// Super-segments split in software, and the segments made.
        pub gso_super_frames: u64,
        pub gso_segments: u64,
        /// Super-frames handed to the device's TSO.
        pub tso_super_frames: u64,
        /// Software GRO: segments merged into an earlier one, and the merged
        /// frames handed to TCP.
        pub gro_merged_segments: u64,
        pub gro_frames_out: u64,
        /// Frames the device coalesced (LRO, `RxMeta::segments` > 1).
        pub lro_frames_in: u64,
        pub tcp_segs_in: u64,
        pub tcp_segs_out: u64,
        /// TCP segments too short, with a bad header, to a non-unicast address
        /// or a zero port.
        pub tcp_malformed: u64,
        pub tcp_bad_checksum: u64,
        /// Segments for no connection and no listener, answered with RST.
        pub tcp_rst_sent_no_socket: u64,
        /// RSTs for no connection (never answered).
        pub tcp_rst_no_socket: u64,
        /// Segments to a listener that were neither a SYN nor an ACK.
        pub tcp_listen_dropped: u64,
        /// SYNs dropped because the listener's backlog was full.
        pub tcp_backlog_dropped: u64,
        /// SYNs dropped because the socket table was full.
        pub tcp_no_room: u64,
        /// Segments a connection could not send for lack of a route.
        pub tcp_no_route: u64,
        /// SYN-ACKs sent with a SYN cookie instead of a half-open connection
        /// (Linux's `SyncookiesSent`), cookies of returning ACKs that made a
        /// connection (`SyncookiesRecv`), and ACKs whose cookie was refused
        /// (bad hash, stale counter, options we cannot honour; answered with
        /// RST, as Linux does; `SyncookiesFailed`).
        pub tcp_syncookies_sent: u64,
        pub tcp_syncookies_accepted: u64,
        pub tcp_syncookies_rejected: u64,
        /// Half-open connections given up after their SYN-ACK
        /// retransmissions (`TcpConfig::synack_retries`): evicted by age.
        pub tcp_half_open_expired: u64,
        /// SYNs whose source already held `max_half_open_per_source`
        /// half-open connections (answered with a cookie, or dropped).
        pub tcp_half_open_source_limited: u64,
        pub udp_datagrams_in: u64,
        pub udp_datagrams_out: u64,
        pub udp_malformed: u64,
        pub udp_bad_checksum: u64,
        /// Datagrams for a port nobody bound.
        pub udp_no_socket: u64,
        /// Datagrams dropped because the socket's queue was full.
        pub udp_queue_overflow: u64,
        /// Port-unreachable errors sent for datagrams to unbound ports, and
        /// those the rate limit held back.
        pub icmp_port_unreachable_sent: u64,
        pub icmp_errors_rate_limited: u64,
        /// ICMP/ICMPv6 errors received (Destination Unreachable, Packet
        /// Too Big, Time Exceeded, Parameter Problem) with a good checksum.
        pub icmp_errors_in: u64,
        /// Errors whose quote is too short or malformed (no IP header and
        /// 8 bytes of transport header), or that were sent to a broadcast
        /// or multicast address.
        pub icmp_errors_malformed: u64,
        /// Errors quoting a packet that was not from one of our addresses.
        pub icmp_errors_not_ours: u64,
        /// Errors quoting a packet of no socket we have.
        pub icmp_errors_no_socket: u64,
        /// TCP errors whose quoted SEQ lies outside [SND.UNA, SND.MAX) of
        /// the connection (RFC 5927), ignored.
        pub icmp_errors_out_of_window: u64,
        /// Fragmentation Needed quoting a packet without DF or not larger
        /// than the MTU it reports, ignored.
        pub icmp_pmtu_invalid: u64,
        /// Path MTU estimates lowered by a validated report; reports that
        /// were no lower than the estimate (or with discovery off); estimates
        /// aged out (RFC 1191 6.3).
        pub pmtu_lowered: u64,
        pub pmtu_not_lower: u64,
        pub pmtu_expired: u64,
        /// TCP connections whose send MSS a validated report lowered.
        pub tcp_pmtu_mss_lowered: u64,
        /// Soft errors taken by TCP connections; connections ended by a
        /// hard error while opening.
        pub tcp_icmp_soft_errors: u64,
        pub tcp_icmp_aborts: u64,
        /// Errors reported to a connected UDP socket, and errors for a UDP
        /// socket not connected to the quoted destination (only counted).
        pub udp_icmp_errors_reported: u64,
        pub udp_icmp_errors_unreported: u64,
        /// Datagrams to a connected UDP socket from another address or port.
        pub udp_wrong_peer: u64,
    }
}

/// What one [`Interface::poll`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PollResult {
    pub frames_received: usize,
    pub frames_sent: usize,
    pub frames_dropped: usize,
}

/// An echo reply that arrived for us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EchoReply {
    pub from: IpAddr,
    pub ident: u16,
    pub seq_no: u16,
    pub data: Vec<u8>,
    pub at_ns: u64,
}

/// Why a packet could not be sent or queued.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("no route to {0}")]
    NoRoute(IpAddr),
    #[error("no source address of the family of {0}")]
    NoSourceAddress(IpAddr),
    #[error("held-packet queue is full")]
    QueueFull,
    /// Larger than an IP datagram can be (or, for a frame that may not be
    /// fragmented, than the device's MTU).
    #[error("payload of {0} bytes does not fit one packet")]
    TooBig(usize),
    #[error(transparent)]
    Device(#[from] DeviceError),
}

/// A next hop whose link-layer address is being resolved.
#[derive(Debug, Clone, Copy)]
struct Resolution {
    next_hop: IpAddr,
    attempts: u32,
    deadline: u64,
}

/// A frame waiting for its next hop's link-layer address (bytes 0..6).
#[derive(Debug, Clone)]
struct Held {
    next_hop: IpAddr,
    frame: Vec<u8>,
    meta: crate::phy::TxMeta,
    /// An IP packet (UDP, ICMP echo) sent in fragments if it exceeds the
    /// device's MTU when it leaves.
    fragmentable: bool,
}

/// One Ethernet interface.
#[derive(Debug)]
pub struct Interface {
    config: InterfaceConfig,
    mac: EthernetAddress,
    ipv4: Option<(Ipv4Address, u8)>,
    ipv6_link_local: Ipv6Address,
    ipv6_global: Option<(Ipv6Address, u8)>,
    arp_cache: NeighborCache<Ipv4Address>,
    ndp_cache: NeighborCache<Ipv6Address>,
    resolutions: Vec<Resolution>,
    held: Vec<Held>,
    echo_replies: Vec<EchoReply>,
    ipv4_ident: u16,
    stats: Stats,
    sockets: table::SocketTable,
    gro: gro::GroTable,
    /// The application queued work for the connections since the last poll.
    tx_pending: bool,
    /// `now` of the last poll.
    last_now: u64,
    /// The SYN cookies' key, from `config.syncookie_secret`.
    cookie_key: crate::tcp::syncookie::CookieKey,
    events: Vec<crate::socket::Event>,
    /// ICMP error rate limit: start of the current 1 s window, errors in it.
    icmp_window: (u64, u32),
    /// IPv4 and IPv6 datagrams being reassembled.
    reassembly: reassembly::Reassembly,
    /// Identifications of the IPv6 Fragment headers we send: random
    /// (RFC 7739 section 5.1), from a generator seeded by `isn_secret`.
    frag_ids: rand_chacha::ChaCha8Rng,
    /// Path MTU estimates per destination.
    pmtu: pmtu::PmtuCache,
}

/// The EUI-64 link-local address fe80::/64 for `mac` (RFC 4291 appendix A,
/// RFC 4862 section 5.3): the MAC split by ff:fe, universal/local bit flipped.
pub fn link_local_from_mac(mac: [u8; 6]) -> Ipv6Addr {
    let mut a = [0u8; 16];
    a[0] = 0xfe;
    a[1] = 0x80;
    a[8] = mac[0] ^ 0x02;
    a[9] = mac[1];
    a[10] = mac[2];
    a[11] = 0xff;
    a[12] = 0xfe;
    a[13..16].copy_from_slice(&mac[3..6]);
    Ipv6Addr::from(a)
}

impl Interface {
    pub fn new(config: InterfaceConfig) -> Self {
        let mac = EthernetAddress(config.mac);
        Interface {
            mac,
            ipv4: config
                .ipv4
                .map(|(a, p)| (Ipv4Address(a.octets()), p.min(32))),
            ipv6_link_local: Ipv6Address(link_local_from_mac(config.mac).octets()),
            ipv6_global: config
                .ipv6
                .map(|(a, p)| (Ipv6Address(a.octets()), p.min(128))),
            arp_cache: NeighborCache::new(config.neighbor_cache_size, config.neighbor_ttl_ns),
            ndp_cache: NeighborCache::new(config.neighbor_cache_size, config.neighbor_ttl_ns),
            resolutions: Vec::new(),
            held: Vec::new(),
            echo_replies: Vec::new(),
            ipv4_ident: 0,
            stats: Stats::default(),
            sockets: table::SocketTable::default(),
            gro: gro::GroTable::new(false),
            tx_pending: false,
            last_now: 0,
            cookie_key: crate::tcp::syncookie::CookieKey::new(config.syncookie_secret),
            events: Vec::new(),
            icmp_window: (0, 0),
            reassembly: reassembly::Reassembly::new(config.reassembly.clone()),
            pmtu: pmtu::PmtuCache::new(config.pmtu.clone()),
            frag_ids: rand::SeedableRng::seed_from_u64(
                (config.isn_secret as u64) ^ ((config.isn_secret >> 64) as u64) ^ 0x6672_6167,
            ),
            config,
        }
    }

    pub fn mac(&self) -> [u8; 6] {
        self.mac.0
    }

    pub fn ipv4_addr(&self) -> Option<Ipv4Addr> {
        self.ipv4.map(|(a, _)| Ipv4Addr::from(a.0))
    }

    pub fn ipv6_link_local(&self) -> Ipv6Addr {
        Ipv6Addr::from(self.ipv6_link_local.0)
    }

    pub fn ipv6_addr(&self) -> Option<Ipv6Addr> {
        self.ipv6_global.map(|(a, _)| Ipv6Addr::from(a.0))
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The cached link-layer address of an on-link neighbour, if valid at `now`.
    pub fn neighbor(&self, addr: IpAddr, now: u64) -> Option<[u8; 6]> {
        match addr {
            IpAddr::V4(a) => self.arp_cache.lookup(&Ipv4Address(a.octets()), now),
            IpAddr::V6(a) => self.ndp_cache.lookup(&Ipv6Address(a.octets()), now),
        }
        .map(|e| e.0)
    }

    /// Entries in the (ARP, NDP) neighbour caches.
    pub fn neighbor_cache_len(&self) -> (usize, usize) {
        (self.arp_cache.len(), self.ndp_cache.len())
    }

    /// Packets held waiting for resolution.
    pub fn held_packets(&self) -> usize {
        self.held.len()
    }

    /// The echo replies received since the last call, oldest first.
    pub fn take_echo_replies(&mut self) -> Vec<EchoReply> {
        std::mem::take(&mut self.echo_replies)
    }

    /// Handles every frame `device` has waiting (TCP segments of one flow
    /// coalesced by software GRO when on and the device has no LRO), runs
    /// the resolution retry and neighbour expiry timers due at `now`, then
    /// every TCP connection's transmit side and timers (data, ACKs,
    /// retransmissions, as super-segments for TSO or software GSO).
    pub fn poll(&mut self, now: u64, device: &mut dyn Device) -> PollResult {
        let before = self.stats;
        let mut result = PollResult::default();
        self.last_now = now;
        while let Some((frame, meta)) = device.receive() {
            result.frames_received += 1;
            self.stats.rx_frames += 1;
            self.receive_frame(now, device, &frame, meta);
        }
        for (f, n) in self.gro.flush_all() {
            self.tcp_input_frame(now, device, &f, n);
        }
        self.run_timers(now, device);
        self.tcp_flush(now, device);
        self.update_events();
        result.frames_sent = (self.stats.tx_frames - before.tx_frames) as usize;
        result.frames_dropped = (self.total_drops() - drops(&before)) as usize;
        result
    }

    /// When [`poll`](Self::poll) next has work: the earliest resolution
    /// retry, neighbour expiry, connection timer or reassembly timeout
    /// (an incomplete datagram abandoned), or the last poll's
    /// `now` if the application queued data or a close since (poll at once).
    pub fn poll_at(&self) -> Option<u64> {
        let pending = self.tx_pending.then_some(self.last_now);
        self.resolutions
            .iter()
            .map(|r| r.deadline)
            .chain(self.arp_cache.next_expiry())
            .chain(self.ndp_cache.next_expiry())
            .chain(self.sockets.tcp_iter().filter_map(|t| t.conn.poll_at()))
            .chain(self.reassembly.next_deadline())
            .chain(pending)
            .min()
    }

    /// Sends an ICMP (IPv4) or ICMPv6 echo request to `dst`, resolving the
    /// next hop first if need be (the request is then held until it is).
    /// A request whose packet (IP header, 8-byte ICMP header, `data`)
    /// exceeds the device's MTU leaves in fragments (more than 1472 bytes
    /// of data over IPv4, 1452 over IPv6 on a 1500-byte link), and so does
    /// the reply to such a request; one that no IP datagram can carry
    /// (more than 65,507 bytes of data over IPv4, 65,527 over IPv6) is
    /// refused with [`SendError::TooBig`].
    pub fn ping(
        &mut self,
        now: u64,
        device: &mut dyn Device,
        dst: IpAddr,
        ident: u16,
        seq_no: u16,
        data: &[u8],
    ) -> Result<(), SendError> {
        match dst {
            IpAddr::V4(d) => self.send_icmpv4_echo(
                now,
                device,
                Ipv4Address(d.octets()),
                true,
                ident,
                seq_no,
                data,
            ),
            IpAddr::V6(d) => self.send_icmpv6_echo(
                now,
                device,
                Ipv6Address(d.octets()),
                true,
                ident,
                seq_no,
                data,
            ),
        }
    }

    /// Bytes the reassembly table holds now (fragment data and the fixed
    /// charge per fragment and datagram) and datagrams in it (incomplete,
    /// or discarded and remembered until their timeout); the bytes never
    /// exceed [`ReassemblyConfig::max_bytes`].
    pub fn reassembly_usage(&self) -> (usize, usize) {
        (self.reassembly.bytes(), self.reassembly.len())
    }

    /// Sum of every drop counter.
    pub fn total_drops(&self) -> u64 {
        drops(&self.stats)
    }
}

fn drops(s: &Stats) -> u64 {
    s.eth_malformed
        + s.eth_not_for_us
        + s.eth_vlan
        + s.eth_unknown_type
        + s.arp_malformed
        + s.arp_not_for_us
        + s.arp_bad_sender
        + s.rx_checksum_bad_by_device
        + s.ipv4_malformed
        + s.ipv4_bad_checksum
        + s.ipv4_not_for_us
        + s.frag_overlap
        + s.frag_after_discard
        + s.frag_duplicate
        + s.frag_too_many
        + s.frag_bad_length
        + s.frag_tiny_first
        + s.frag_malformed
        + s.frag_timed_out
        + s.frag_evicted
        + s.frag_no_memory
        + s.icmpv4_malformed
        + s.icmpv4_bad_checksum
        + s.icmpv4_unsupported
        + s.ipv6_malformed
        + s.ipv6_not_for_us
        + s.icmpv6_malformed
        + s.icmpv6_bad_checksum
        + s.icmpv6_unsupported
        + s.ndp_invalid
        + s.ndp_not_our_target
        + s.ip_unknown_protocol
        + s.held_overflow
        + s.unresolved_dropped
        + s.echo_replies_overflow
        + s.tx_errors
        + s.tcp_malformed
        + s.tcp_bad_checksum
        + s.tcp_rst_sent_no_socket
        + s.tcp_rst_no_socket
        + s.tcp_listen_dropped
        + s.tcp_backlog_dropped
        + s.tcp_no_room
        + s.tcp_no_route
        + s.tcp_syncookies_rejected
        + s.udp_malformed
        + s.udp_bad_checksum
        + s.udp_no_socket
        + s.udp_queue_overflow
        + s.icmp_errors_malformed
        + s.icmp_errors_not_ours
        + s.icmp_errors_no_socket
        + s.icmp_errors_out_of_window
        + s.icmp_pmtu_invalid
        + s.udp_wrong_peer
}
