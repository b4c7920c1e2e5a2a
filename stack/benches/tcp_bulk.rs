//! Side by side: the CPU cost of a TCP bulk transfer through our stack and
//! through smoltcp 0.14, in one process.
//!
//! Run with `cargo bench -p stack --bench tcp_bulk`.
//!
//! For each stack, two instances (host A, host B) are joined by an in-memory,
//! lossless Ethernet link: each direction is a queue of frames (`Vec<u8>`),
//! with no rate limit and no delay but the loop itself. Each loop iteration
//! lets A's application queue what fits in its send buffer, polls A, polls
//! B, lets B's application drain what arrived, then advances a simulated
//! clock by [`STEP_US`] so that timers (delayed ACK, RTO) behave. Nothing
//! waits on real time. A sends N MiB to B over IPv4 with 1500-byte MTU
//! frames; B appends what it reads to a buffer, and after the timed part
//! the SHA-256 of both sides is compared.
//!
//! Our stack runs on a device with no offloads (software checksums,
//! software GSO) twice: software GRO on (its default) and off. smoltcp has
//! no offloads. Rounds alternate which stack goes first; the table gives
//! medians over rounds. The machine may be shared and noisy, so the ratio
//! (measured side by side) is the figure to trust, not the absolute times.
//!
//! Environment: `TCP_BULK_MIB` (default 64) sets N, `TCP_BULK_ROUNDS`
//! (default 11) the rounds.

use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

const MAC_A: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0a];
const MAC_B: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0b];
const IP_A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const IP_B: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
const PORT: u16 = 5001;
/// Largest Ethernet frame without FCS for a 1500-byte MTU.
const MAX_FRAME: usize = 1514;
/// Socket send and receive buffers, both stacks.
const BUFFER: usize = 1 << 20;
/// Simulated time per loop iteration.
const STEP_US: u64 = 10;
/// Simulated time after which a transfer counts as stalled.
const STALL_LIMIT_US: u64 = 60 * 1_000_000;

/// Both directions of the link; a frame is one `Vec<u8>`.
#[derive(Default)]
struct Link {
    a_to_b: VecDeque<Vec<u8>>,
    b_to_a: VecDeque<Vec<u8>>,
    frames_a_to_b: u64,
    frames_b_to_a: u64,
    bytes_a_to_b: u64,
}

impl Link {
    /// A's end: receives what B sent, sends towards B.
    fn port_a(&mut self) -> Port<'_> {
        Port {
            rx: &mut self.b_to_a,
            tx: &mut self.a_to_b,
            frames: &mut self.frames_a_to_b,
            bytes: Some(&mut self.bytes_a_to_b),
        }
    }

    fn port_b(&mut self) -> Port<'_> {
        Port {
            rx: &mut self.a_to_b,
            tx: &mut self.b_to_a,
            frames: &mut self.frames_b_to_a,
            bytes: None,
        }
    }
}

/// One end of the link, borrowed for one poll.
struct Port<'a> {
    rx: &'a mut VecDeque<Vec<u8>>,
    tx: &'a mut VecDeque<Vec<u8>>,
    frames: &'a mut u64,
    bytes: Option<&'a mut u64>,
}

impl Port<'_> {
    fn push(&mut self, frame: Vec<u8>) {
        assert!(frame.len() <= MAX_FRAME, "{}-byte frame", frame.len());
        *self.frames += 1;
        if let Some(b) = self.bytes.as_deref_mut() {
            *b += frame.len() as u64;
        }
        self.tx.push_back(frame);
    }
}

/// Our device: no offloads at all.
impl stack::phy::Device for Port<'_> {
    fn capabilities(&self) -> stack::phy::Capabilities {
        stack::phy::Capabilities {
            max_frame: MAX_FRAME,
            ..Default::default()
        }
    }

    fn transmit(
        &mut self,
        frame: &[u8],
        meta: &stack::phy::TxMeta,
    ) -> Result<(), stack::phy::DeviceError> {
        // With no offloads the stack must hand over finished frames.
        assert_eq!(meta.flags, 0, "offload asked of a device without any");
        assert_eq!(meta.gso_type, stack::phy::GSO_NONE, "TSO asked");
        if frame.len() > MAX_FRAME {
            return Err(stack::phy::DeviceError::TooBig {
                len: frame.len(),
                max: MAX_FRAME,
            });
        }
        self.push(frame.to_vec());
        Ok(())
    }

    fn receive(&mut self) -> Option<(Vec<u8>, stack::phy::RxMeta)> {
        let f = self.rx.pop_front()?;
        Some((
            f,
            stack::phy::RxMeta {
                segments: 1,
                ..Default::default()
            },
        ))
    }
}

struct SmolRx(Vec<u8>);

struct SmolTx<'a, 'b>(&'a mut Port<'b>);

impl smoltcp::phy::RxToken for SmolRx {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

impl smoltcp::phy::TxToken for SmolTx<'_, '_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut frame = vec![0; len];
        let r = f(&mut frame);
        self.0.push(frame);
        r
    }
}

/// smoltcp's device: the same queues; it computes and checks every
/// checksum itself (the default `ChecksumCapabilities`).
impl<'b> smoltcp::phy::Device for Port<'b> {
    type RxToken<'a>
        = SmolRx
    where
        Self: 'a;
    type TxToken<'a>
        = SmolTx<'a, 'b>
    where
        Self: 'a;

    fn receive(
        &mut self,
        _: smoltcp::time::Instant,
    ) -> Option<(Self::RxToken<'_>, Self::TxToken<'_>)> {
        let f = self.rx.pop_front()?;
        Some((SmolRx(f), SmolTx(self)))
    }

    fn transmit(&mut self, _: smoltcp::time::Instant) -> Option<Self::TxToken<'_>> {
        Some(SmolTx(self))
    }

    fn capabilities(&self) -> smoltcp::phy::DeviceCapabilities {
        let mut caps = smoltcp::phy::DeviceCapabilities::default();
        caps.medium = smoltcp::phy::Medium::Ethernet;
        caps.max_transmission_unit = MAX_FRAME;
        caps
    }
}

/// What one transfer measured.
#[derive(Debug, Clone, Copy, Default)]
struct Run {
    /// Wall time of the transfer (connection set-up excluded).
    wall: Duration,
    /// Of which: polling A (sender), polling B (receiver), and the two
    /// applications (queueing on A, draining on B).
    poll_a: Duration,
    poll_b: Duration,
    app: Duration,
    frames_a_to_b: u64,
    frames_b_to_a: u64,
    bytes_a_to_b: u64,
    iterations: u64,
    sim_us: u64,
}

/// Times the pieces of one loop iteration.
#[derive(Default)]
struct Splits {
    poll_a: Duration,
    poll_b: Duration,
    app: Duration,
}

fn lap(t: &mut Instant, acc: &mut Duration) {
    let now = Instant::now();
    *acc += now - *t;
    *t = now;
}

fn check(src: &[u8], dst: &[u8], who: &str) {
    assert_eq!(dst.len(), src.len(), "{who}: length");
    let (hs, hd) = (Sha256::digest(src), Sha256::digest(dst));
    assert_eq!(hs, hd, "{who}: SHA-256 of received bytes differs");
}

fn ours_config(mac: [u8; 6], ip: Ipv4Addr, gro: bool) -> stack::iface::InterfaceConfig {
    let mut c = stack::iface::InterfaceConfig::new(mac);
    c.ipv4 = Some((ip, 24));
    c.gro = gro;
    c.isn_secret = u128::from(mac[5]) * 0x1234_5678;
    c.tcp.send_buffer = BUFFER;
    c.tcp.recv_buffer = BUFFER;
    c
}

/// One transfer through our stack (`#[inline(never)]` so that a profiler,
/// e.g. callgrind's `--toggle-collect=tcp_bulk::run_ours`, can isolate it).
#[inline(never)]
fn run_ours(src: &[u8], dst: &mut [u8], gro: bool) -> Run {
    use stack::iface::Interface;
    use stack::tcp::State;
    let mut link = Link::default();
    let mut a = Interface::new(ours_config(MAC_A, IP_A, gro));
    let mut b = Interface::new(ours_config(MAC_B, IP_B, gro));
    let listener = b.tcp_listen(PORT, 1).expect("listen");
    let mut now_us = 0u64;
    let c = a
        .tcp_connect(0, SocketAddr::new(IP_B.into(), PORT))
        .expect("connect");
    let mut server = None;
    loop {
        a.poll(now_us * 1000, &mut link.port_a());
        b.poll(now_us * 1000, &mut link.port_b());
        if server.is_none() {
            server = b.tcp_accept(listener).expect("accept");
        }
        if server.is_some() && a.tcp_state(c).expect("client") == State::Established {
            break;
        }
        now_us += STEP_US;
        assert!(now_us < STALL_LIMIT_US, "ours: no connection");
    }
    let s = server.expect("accepted");

    let n = src.len();
    let dst = &mut dst[..n];
    let (mut sent, mut got) = (0, 0);
    let (f_ab, f_ba, by_ab) = (link.frames_a_to_b, link.frames_b_to_a, link.bytes_a_to_b);
    let (start_us, mut iterations) = (now_us, 0u64);
    let mut sp = Splits::default();
    let start = Instant::now();
    let mut t = start;
    while got < n {
        if sent < n {
            sent += a.tcp_send(c, &src[sent..]).expect("send");
        }
        lap(&mut t, &mut sp.app);
        a.poll(now_us * 1000, &mut link.port_a());
        lap(&mut t, &mut sp.poll_a);
        b.poll(now_us * 1000, &mut link.port_b());
        lap(&mut t, &mut sp.poll_b);
        loop {
            let chunk = b.tcp_recv_peek(s).expect("peek");
            if chunk.is_empty() {
                break;
            }
            let k = chunk.len();
            dst[got..got + k].copy_from_slice(chunk);
            got += k;
            b.tcp_recv_consume(s, k).expect("consume");
        }
        lap(&mut t, &mut sp.app);
        now_us += STEP_US;
        iterations += 1;
        assert!(
            now_us - start_us < STALL_LIMIT_US,
            "ours (gro {gro}): stalled at {} of {n} bytes; A {:?} B {:?}",
            got,
            a.stats(),
            b.stats()
        );
    }
    let wall = start.elapsed();
    Run {
        wall,
        poll_a: sp.poll_a,
        poll_b: sp.poll_b,
        app: sp.app,
        frames_a_to_b: link.frames_a_to_b - f_ab,
        frames_b_to_a: link.frames_b_to_a - f_ba,
        bytes_a_to_b: link.bytes_a_to_b - by_ab,
        iterations,
        sim_us: now_us - start_us,
    }
}

fn smol_iface(
    mac: [u8; 6],
    ip: Ipv4Addr,
    port: &mut Port<'_>,
    seed: u64,
) -> smoltcp::iface::Interface {
    use smoltcp::iface::{Config, Interface};
    use smoltcp::wire::{EthernetAddress, HardwareAddress, IpAddress, IpCidr};
    let mut config = Config::new(HardwareAddress::Ethernet(EthernetAddress(mac)));
    config.random_seed = seed;
    let mut iface = Interface::new(config, port, smoltcp::time::Instant::ZERO);
    let [o0, o1, o2, o3] = ip.octets();
    iface.update_ip_addrs(|addrs| {
        addrs
            .push(IpCidr::new(IpAddress::v4(o0, o1, o2, o3), 24))
            .expect("one address");
    });
    iface
}

fn smol_socket() -> smoltcp::socket::tcp::Socket<'static> {
    use smoltcp::socket::tcp::{Socket, SocketBuffer};
    Socket::new(
        SocketBuffer::new(vec![0u8; BUFFER]),
        SocketBuffer::new(vec![0u8; BUFFER]),
    )
}

/// One transfer through smoltcp (never inlined, as [`run_ours`]).
#[inline(never)]
fn run_smoltcp(src: &[u8], dst: &mut [u8]) -> Run {
    use smoltcp::iface::SocketSet;
    use smoltcp::socket::tcp::{Socket, State};
    use smoltcp::time::Instant as SInstant;
    use smoltcp::wire::IpAddress;
    let mut link = Link::default();
    let mut a = smol_iface(MAC_A, IP_A, &mut link.port_a(), 0xa);
    let mut b = smol_iface(MAC_B, IP_B, &mut link.port_b(), 0xb);
    let mut sa = SocketSet::new(vec![]);
    let mut sb = SocketSet::new(vec![]);
    let c = sa.add(smol_socket());
    let s = sb.add(smol_socket());
    sb.get_mut::<Socket>(s).listen(PORT).expect("listen");
    let [o0, o1, o2, o3] = IP_B.octets();
    sa.get_mut::<Socket>(c)
        .connect(a.context(), (IpAddress::v4(o0, o1, o2, o3), PORT), 49152)
        .expect("connect");
    let mut now_us = 0u64;
    let at = |us: u64| SInstant::from_micros(us as i64);
    loop {
        a.poll(at(now_us), &mut link.port_a(), &mut sa);
        b.poll(at(now_us), &mut link.port_b(), &mut sb);
        if sa.get::<Socket>(c).state() == State::Established
            && sb.get::<Socket>(s).state() == State::Established
        {
            break;
        }
        now_us += STEP_US;
        assert!(now_us < STALL_LIMIT_US, "smoltcp: no connection");
    }

    let n = src.len();
    let dst = &mut dst[..n];
    let (mut sent, mut got) = (0, 0);
    let (f_ab, f_ba, by_ab) = (link.frames_a_to_b, link.frames_b_to_a, link.bytes_a_to_b);
    let (start_us, mut iterations) = (now_us, 0u64);
    let mut sp = Splits::default();
    let start = Instant::now();
    let mut t = start;
    while got < n {
        if sent < n {
            sent += sa
                .get_mut::<Socket>(c)
                .send_slice(&src[sent..])
                .expect("send");
        }
        lap(&mut t, &mut sp.app);
        a.poll(at(now_us), &mut link.port_a(), &mut sa);
        lap(&mut t, &mut sp.poll_a);
        b.poll(at(now_us), &mut link.port_b(), &mut sb);
        lap(&mut t, &mut sp.poll_b);
        let sock = sb.get_mut::<Socket>(s);
        loop {
            let k = sock
                .recv(|chunk| {
                    let k = chunk.len();
                    dst[got..got + k].copy_from_slice(chunk);
                    got += k;
                    (k, k)
                })
                .expect("recv");
            if k == 0 {
                break;
            }
        }
        lap(&mut t, &mut sp.app);
        now_us += STEP_US;
        iterations += 1;
        assert!(
            now_us - start_us < STALL_LIMIT_US,
            "smoltcp: stalled at {got} of {n} bytes"
        );
    }
    let wall = start.elapsed();
    Run {
        wall,
        poll_a: sp.poll_a,
        poll_b: sp.poll_b,
        app: sp.app,
        frames_a_to_b: link.frames_a_to_b - f_ab,
        frames_b_to_a: link.frames_b_to_a - f_ba,
        bytes_a_to_b: link.bytes_a_to_b - by_ab,
        iterations,
        sim_us: now_us - start_us,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Which {
    OursGro,
    OursNoGro,
    Smoltcp,
}

impl Which {
    fn name(self) -> &'static str {
        match self {
            Which::OursGro => "ours (sw csum+GSO, GRO on)",
            Which::OursNoGro => "ours (sw csum+GSO, GRO off)",
            Which::Smoltcp => "smoltcp 0.14",
        }
    }

    /// One transfer of `src`, received into `dst` (cleared first, untimed:
    /// a buffer allocated once and already faulted in, so that page faults
    /// of the receiving application are not timed).
    fn run(self, src: &[u8], dst: &mut [u8]) -> Run {
        dst.fill(0);
        let run = match self {
            Which::OursGro => run_ours(src, dst, true),
            Which::OursNoGro => run_ours(src, dst, false),
            Which::Smoltcp => run_smoltcp(src, dst),
        };
        check(src, &dst[..src.len()], self.name());
        run
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn env_num(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}: a number")),
        Err(_) => default,
    }
}

fn main() {
    let mib = env_num("TCP_BULK_MIB", 64).max(1);
    let rounds = env_num("TCP_BULK_ROUNDS", 11).max(1);
    let seed: u64 = std::env::var("TCP_BULK_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x7cb_0b1c);
    let n = mib << 20;
    let mut src = vec![0u8; n];
    ChaCha8Rng::seed_from_u64(seed).fill_bytes(&mut src);
    let mut dst = vec![0xffu8; n];
    println!(
        "tcp_bulk: {mib} MiB A->B per run, {rounds} rounds, seed {seed:#x} (TCP_BULK_SEED), \
         {STEP_US} us simulated per loop, buffers {} KiB, MTU 1500",
        BUFFER >> 10
    );

    let order = [Which::OursGro, Which::OursNoGro, Which::Smoltcp];
    // Profiling mode: `TCP_BULK_ONLY=ours|ours-nogro|smoltcp` runs just that
    // stack, `rounds` times, so a profiler sees nothing else.
    if let Ok(only) = std::env::var("TCP_BULK_ONLY") {
        let w = match only.as_str() {
            "ours" => Which::OursGro,
            "ours-nogro" => Which::OursNoGro,
            "smoltcp" => Which::Smoltcp,
            other => panic!("TCP_BULK_ONLY={other}: ours, ours-nogro or smoltcp"),
        };
        for round in 0..rounds {
            let r = w.run(&src, &mut dst);
            println!("{} round {round}: {:?}", w.name(), r);
        }
        return;
    }
    // Warm-up (page faults, allocator, caches), untimed.
    let warm = &src[..n.min(4 << 20)];
    for w in order {
        w.run(warm, &mut dst);
    }
    let mut runs: Vec<Vec<Run>> = vec![vec![]; order.len()];
    // Per-round ratio ours/smoltcp of wall time, for each of our rows.
    let mut ratios: Vec<Vec<f64>> = vec![vec![]; order.len()];
    for round in 0..rounds {
        // Rotate the order so each stack goes first in turn.
        let mut this_round = [Run::default(); 3];
        for k in 0..order.len() {
            let i = (k + round) % order.len();
            this_round[i] = order[i].run(&src, &mut dst);
        }
        let smol = this_round[2].wall.as_secs_f64();
        for (i, r) in this_round.iter().enumerate() {
            runs[i].push(*r);
            ratios[i].push(r.wall.as_secs_f64() / smol);
        }
        eprintln!(
            "round {round}: {}",
            order
                .iter()
                .zip(this_round.iter())
                .map(|(w, r)| format!("{} {:.3} s", w.name(), r.wall.as_secs_f64()))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }

    println!();
    println!(
        "| stack | wall ms | MB/s | frames A->B | frames B->A | loop iterations | \
         simulated ms | wall ours/smoltcp |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (i, w) in order.iter().enumerate() {
        let mut wall: Vec<f64> = runs[i].iter().map(|r| r.wall.as_secs_f64()).collect();
        let wall = median(&mut wall);
        let r0 = runs[i][0];
        let ratio = median(&mut ratios[i]);
        println!(
            "| {} | {:.1} | {:.0} | {} | {} | {} | {:.1} | {} |",
            w.name(),
            wall * 1e3,
            n as f64 / wall / 1e6,
            r0.frames_a_to_b,
            r0.frames_b_to_a,
            r0.iterations,
            r0.sim_us as f64 / 1e3,
            if *w == Which::Smoltcp {
                "1.00".to_string()
            } else {
                format!("{ratio:.2}")
            },
        );
    }

    println!();
    println!("Where the wall time goes (medians, ms; app = queueing on A + copying out on B):");
    println!();
    println!("| stack | poll A (sender) | poll B (receiver) | app | bytes on the wire A->B |");
    println!("|---|---|---|---|---|");
    for (i, w) in order.iter().enumerate() {
        let med = |f: fn(&Run) -> Duration| {
            let mut v: Vec<f64> = runs[i].iter().map(|r| f(r).as_secs_f64() * 1e3).collect();
            median(&mut v)
        };
        println!(
            "| {} | {:.1} | {:.1} | {:.1} | {} |",
            w.name(),
            med(|r| r.poll_a),
            med(|r| r.poll_b),
            med(|r| r.app),
            runs[i][0].bytes_a_to_b,
        );
    }
}
