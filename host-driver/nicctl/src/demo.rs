//! `nicctl demo`: two hosts, each a TCP/IP stack on one of our NICs, joined
//! by the wire emulator, move a seeded pseudo-random byte stream over TCP and
//! check it arrived byte for byte.
//!
//! Host A (the sender) and host B (the receiver) are each a
//! [`stack::iface::Interface`] on a [`NicPort`] (driver + NIC, `sim` or
//! `model`). The NICs' MAC ports are cabled through a
//! [`stack::phy::emulator::Wire`]: what NIC A puts on its MAC TX port is
//! [`Wire::send`] on port A and comes out of [`Wire::recv`] on port B into
//! NIC B's MAC RX port, and the other way round.
//!
//! # One simulated clock
//!
//! The stacks and the wire run on the global simulated time `now`. Each NIC
//! runs on its own device clock, mapped onto `now` by an offset: while a
//! NIC has work (descriptors in flight, frames entering its RX port) it is
//! run in short quanta until its clock reaches `now`; while it is idle it is
//! not run at all and its offset absorbs the skipped time. When no NIC has
//! work, `now` jumps straight to the next event: the earliest of the stacks'
//! [`poll_at`](stack::iface::Interface::poll_at) and the wire's
//! [`next_event_ns`](Wire::next_event_ns). An RTO or a delayed ACK
//! therefore costs no simulated clock cycles of the RTL.
//!
//! # Two NICs, two threads
//!
//! While both NICs have work, bringing them up to `now` runs NIC B (its host:
//! driver, device, RTL) on a helper thread while this thread runs NIC A. Until
//! both reach `now` the two share nothing: what one sends waits in its own MAC
//! TX queue for [`cable`], and the stacks, the wire and the applications run
//! only between those steps, on this thread. So every cycle of each NIC, and
//! the whole run, is exactly what running them one after the other gives
//! ([`DemoConfig::nic_threads`] 1); only the wall time differs.

use anyhow::{anyhow, bail, Context, Result};
use firmware_model::contract::{cap, limits};
use firmware_model::nic::Frame;
use host_driver::device::SimulatedExt;
use host_driver::device::{Device, DeviceSpec};
use host_driver::driver::{read_stats, Driver, RingConfig};
use host_driver::stack_port::NicPort;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};
use stack::iface::{Interface, InterfaceConfig};
use stack::phy::emulator::{LinkConfig, PortId, Wire};
use stack::socket::{SocketError, TcpHandle};
use stack::tcp::{ConnStats, State};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::mpsc;
use std::thread;
use std::time::Instant;

/// Which offloads the NICs use for the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffloadMode {
    /// What the device has switched on (`nicctl features`, persisted).
    Device,
    /// Every offload the NIC has, on.
    On,
    /// Every offload off: the stack does it all in software.
    Off,
}

/// How the demo runs.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    /// `sim` or `model` (both NICs are of this kind).
    pub device: DeviceSpec,
    /// Application bytes A sends to B.
    pub bytes: u64,
    /// Seed of the data (and of the wire's impairments).
    pub seed: u64,
    /// Connect over IPv6 instead of IPv4.
    pub ipv6: bool,
    /// Line rate, bits per second.
    pub rate_bps: u64,
    /// One-way propagation delay, ns.
    pub delay_ns: u64,
    /// Probability that a frame is lost, each direction.
    pub loss: f64,
    pub offloads: OffloadMode,
    /// FEATURES the device has saved (`nicctl features`), applied in
    /// [`OffloadMode::Device`].
    pub saved_features: Option<u32>,
    /// Capture every frame on the wire to this pcap file.
    pub pcap: Option<PathBuf>,
    /// Give up when the transfer has not finished by this simulated time
    /// (ns); `None` picks one from the size and the rate.
    pub sim_deadline_ns: Option<u64>,
    /// DMA latency of the sim NICs' host memory, ns (AR accepted to first R
    /// beat, write burst to B; whole 4 ns cycles). The model has no memory timing.
    pub dma_latency_ns: u64,
    /// OS threads that run the NICs: 2 (each NIC on its own while both have
    /// work) or 1 (one after the other). The same results either way.
    pub nic_threads: usize,
}

/// The sim NICs' DMA latency unless `--dma-latency` says otherwise, ns.
pub const DEFAULT_DMA_LATENCY_NS: u64 = 1_000;
/// After the transfer, each NIC is polled up to this many times, this long each, until its TX
/// completions are all in.
const SETTLE_POLLS: u32 = 64;
const SETTLE_POLL_NS: u64 = 10_000;
/// The largest `--dma-latency`, ns.
pub const MAX_DMA_LATENCY_NS: u64 = 100_000;

impl DemoConfig {
    /// 64 MiB over `device`, 10 Gb/s, 10 µs, no loss, the device's offloads.
    pub fn new(device: DeviceSpec) -> Self {
        DemoConfig {
            device,
            bytes: 64 << 20,
            seed: 1,
            ipv6: false,
            rate_bps: 10_000_000_000,
            delay_ns: 10_000,
            loss: 0.0,
            offloads: OffloadMode::Device,
            saved_features: None,
            pcap: None,
            sim_deadline_ns: None,
            dma_latency_ns: DEFAULT_DMA_LATENCY_NS,
            nic_threads: 2,
        }
    }

    /// The simulated-time limit of the run: the configured one, else ten
    /// seconds plus twenty times the ideal transfer time.
    pub fn deadline_ns(&self) -> u64 {
        self.sim_deadline_ns.unwrap_or_else(|| {
            let ideal = (self.bytes as u128 * 8 * 1_000_000_000 / self.rate_bps.max(1) as u128)
                .min(u64::MAX as u128 / 40) as u64;
            10_000_000_000 + 20 * ideal
        })
    }
}

/// One counter, by name.
pub type Counters = Vec<(String, u64)>;

/// What the demo measured.
#[derive(Debug, Clone)]
pub struct DemoReport {
    pub device: String,
    /// DMA latency the NICs' memory had (whole cycles), ns; `None` on the model.
    pub dma_latency_ns: Option<u64>,
    pub ipv6: bool,
    pub bytes: u64,
    pub bytes_received: u64,
    pub sha256_sent: String,
    pub sha256_received: String,
    /// Simulated time from the connect to the last byte read by B.
    pub transfer_ns: u64,
    /// Simulated time from the connect to both ends closed.
    pub total_ns: u64,
    pub wall_seconds: f64,
    /// NIC clock cycles simulated, both NICs together (bring-up, transfer and
    /// settling), where the NICs are simulated cycle by cycle (`sim`).
    pub nic_cycles: Option<u64>,
    /// How many NICs ran.
    pub nics: u32,
    /// Offloads the NICs had on (FEATURES bits).
    pub features: u32,
    /// NIC counters of the sender's and the receiver's NIC.
    pub nic_sender: Counters,
    pub nic_receiver: Counters,
    /// Stack counters of the sender and the receiver.
    pub stack_sender: Counters,
    pub stack_receiver: Counters,
    /// TCP counters of both ends of the connection.
    pub tcp_sender: ConnStats,
    pub tcp_receiver: ConnStats,
    /// Frames each direction of the wire carried / lost.
    pub wire_frames: (u64, u64),
    pub wire_lost: (u64, u64),
}

impl DemoReport {
    pub fn sha256_match(&self) -> bool {
        self.bytes == self.bytes_received && self.sha256_sent == self.sha256_received
    }

    pub fn sim_seconds(&self) -> f64 {
        self.total_ns as f64 / 1e9
    }

    /// Simulation speed: NIC clock cycles per wall second per NIC (each NIC's
    /// clock advanced this fast on average over the whole run).
    pub fn nic_cycles_per_s(&self) -> Option<f64> {
        let c = self.nic_cycles?;
        (self.wall_seconds > 0.0).then(|| c as f64 / self.nics.max(1) as f64 / self.wall_seconds)
    }

    /// Application bits per simulated second, connect to last byte read.
    pub fn throughput_bps(&self) -> f64 {
        if self.transfer_ns == 0 {
            return 0.0;
        }
        self.bytes_received as f64 * 8.0 / (self.transfer_ns as f64 / 1e9)
    }

    /// The report as one JSON object.
    pub fn to_json(&self) -> serde_json::Value {
        let map = |c: &Counters| {
            serde_json::Value::Object(
                c.iter()
                    .map(|(k, v)| (k.clone(), serde_json::json!(v)))
                    .collect(),
            )
        };
        let tcp = |s: &ConnStats| {
            serde_json::json!({
                "segs_in": s.segs_in, "segs_out": s.segs_out,
                "bytes_in": s.bytes_in, "bytes_out": s.bytes_out,
                "retransmits": s.retransmits, "fast_retransmits": s.fast_retransmits,
                "rto_expiries": s.rto_expiries, "dup_acks_in": s.dup_acks_in,
                "delayed_acks": s.delayed_acks, "ooo_held": s.ooo_held,
            })
        };
        let features: Vec<&str> = host_driver::driver::FEATURES
            .iter()
            .filter(|f| f.bit != cap::LOOPBACK && self.features & f.bit != 0)
            .map(|f| f.name)
            .collect();
        serde_json::json!({
            "device": self.device,
            "dma_latency_ns": self.dma_latency_ns,
            "ip": if self.ipv6 { "ipv6" } else { "ipv4" },
            "bytes": self.bytes,
            "bytes_received": self.bytes_received,
            "sha256_sent": self.sha256_sent,
            "sha256_received": self.sha256_received,
            "sha256_match": self.sha256_match(),
            "sim_seconds": self.sim_seconds(),
            "transfer_sim_seconds": self.transfer_ns as f64 / 1e9,
            "throughput_bps": self.throughput_bps(),
            "wall_seconds": self.wall_seconds,
            "nic_cycles": self.nic_cycles,
            "nic_cycles_per_s": self.nic_cycles_per_s(),
            "features": features,
            "offloads": {
                "nic": { "sender": map(&self.nic_sender), "receiver": map(&self.nic_receiver) },
                "stack": { "sender": map(&self.stack_sender), "receiver": map(&self.stack_receiver) },
            },
            "tcp": { "sender": tcp(&self.tcp_sender), "receiver": tcp(&self.tcp_receiver) },
            "wire": {
                "frames_a_to_b": self.wire_frames.0, "frames_b_to_a": self.wire_frames.1,
                "lost_a_to_b": self.wire_lost.0, "lost_b_to_a": self.wire_lost.1,
            },
        })
    }
}

/// A counter of `c` by name (0 if absent).
pub fn counter(c: &Counters, name: &str) -> u64 {
    c.iter().find(|(k, _)| k == name).map_or(0, |(_, v)| *v)
}

/// Counters as the stack lists them (`Stats::counters`), owned.
fn owned(c: Vec<(&'static str, u64)>) -> Counters {
    c.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Progress of a running demo, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub received: u64,
    pub total: u64,
    pub sim_ns: u64,
}

/// NIC ring sizes: enough TX descriptors for a full send window of frames.
/// One queue pair: the demo's one TCP connection is one flow, which RSS and
/// the driver's TX hash put on one queue of each direction anyway, and eight
/// pairs of 1024-entry rings with 9 KiB buffers would not fit the simulated
/// host's 64 MiB of DMA memory.
const RINGS: RingConfig = RingConfig {
    tx_entries: 1024,
    rx_entries: 1024,
    rx_buf_bytes: limits::MAX_FRAME,
    queues: Some(1),
};

/// While a NIC has work it runs in slices of this much simulated time.
const QUANTUM_NS: u64 = 1_000;

/// A NIC with frames inside that has shown no progress for this long
/// (device time) is taken as idle: whatever it holds it dropped (and
/// counted), so it is not run on for ever.
const GIVE_UP_NS: u64 = 50_000;

/// The TCP port B listens on.
const PORT: u16 = 5001;

/// A NIC as the demo holds it: any device, movable to the helper thread.
type Dev = Box<dyn Device + Send>;

/// One host: a stack on a NIC, plugged into one port of the wire.
struct Host {
    iface: Interface,
    port: Counting,
    wire: PortId,
    /// Global time = device time + offset.
    offset: u64,
    /// Frames pushed into the NIC's RX port not yet handed to the stack.
    rx_pending: u64,
    /// Frames out of the NIC's MAC TX port.
    tx_out: u64,
    /// Device time of the NIC's last progress (a frame in or out).
    progress_at: u64,
}

/// The NIC port, counting the frames it took from and handed to the stack.
struct Counting {
    inner: NicPort<Dev>,
    received: u64,
    transmitted: u64,
}

impl stack::phy::Device for Counting {
    fn capabilities(&self) -> stack::phy::Capabilities {
        self.inner.capabilities()
    }
    fn transmit(
        &mut self,
        frame: &[u8],
        meta: &stack::phy::TxMeta,
    ) -> Result<(), stack::phy::DeviceError> {
        self.inner.transmit(frame, meta)?;
        self.transmitted += 1;
        Ok(())
    }
    fn receive(&mut self) -> Option<(Vec<u8>, stack::phy::RxMeta)> {
        let r = self.inner.receive();
        if r.is_some() {
            self.received += 1;
        }
        r
    }
}

impl Host {
    fn dev(&mut self) -> &mut Dev {
        self.port.inner.driver().device()
    }

    fn device_now(&mut self) -> u64 {
        self.dev().now_ns()
    }

    /// Whether the NIC has work: frames the stack gave it that have not
    /// left its MAC TX port, or frames that entered its MAC RX port and have
    /// not reached the stack (a TX completion comes before the frame has
    /// left the MAC, so descriptors alone do not tell).
    fn busy(&mut self) -> bool {
        let tx_pending = self.port.transmitted.saturating_sub(self.tx_out);
        if tx_pending == 0 && self.rx_pending == 0 {
            return false;
        }
        let now = self.device_now();
        if now.saturating_sub(self.progress_at) > GIVE_UP_NS {
            self.rx_pending = 0;
            self.tx_out = self.port.transmitted;
            return false;
        }
        true
    }

    fn progress(&mut self) {
        self.progress_at = self.device_now();
    }

    /// Whether [`Host::run_nic_until`] would run the NIC to reach `now`.
    /// (Calling [`Host::busy`] an extra time is harmless: its give-up is
    /// decided the same way on every call.)
    fn wants_run(&mut self, now: u64) -> bool {
        self.device_now() + self.offset < now && self.busy()
    }

    /// Brings the NIC's clock up to global time `now`: runs it if it has
    /// work, else lets the offset absorb the idle time.
    fn run_nic_until(&mut self, now: u64) -> Result<()> {
        loop {
            let local = self.device_now();
            let global = local + self.offset;
            if global >= now {
                return Ok(());
            }
            if !self.busy() {
                self.offset = now - local;
                return Ok(());
            }
            let before = self.port.received;
            self.port
                .inner
                .poll(now - global)
                .context("NIC stopped with an error")?;
            self.note_rx_progress(before);
        }
    }

    fn note_rx_progress(&mut self, before: u64) {
        let got = self.port.received - before;
        if got > 0 {
            self.rx_pending = self.rx_pending.saturating_sub(got);
            self.progress();
        }
    }

    /// The stack handles what arrived and sends what it has, at `now`.
    fn poll_stack(&mut self, now: u64) {
        let (rx, tx) = (self.port.received, self.port.transmitted);
        self.iface.poll(now, &mut self.port);
        self.note_rx_progress(rx);
        if self.port.transmitted != tx {
            self.progress();
        }
    }
}

/// Opens one NIC, applies the offload switches and starts its queues.
fn open_nic(cfg: &DemoConfig, seed: u64) -> Result<NicPort<Dev>> {
    let dev: Dev = match cfg.device {
        DeviceSpec::Model => Box::new(host_driver::backend::model::ModelDevice::new()),
        #[cfg(feature = "sim")]
        DeviceSpec::Sim => Box::new(host_driver::backend::sim::SimDevice::with_dma_latency(
            seed,
            cfg.dma_latency_ns,
        )),
        #[cfg(not(feature = "sim"))]
        DeviceSpec::Sim => {
            let _ = seed;
            bail!("this nicctl was built without the sim backend (cargo feature `sim`)")
        }
        DeviceSpec::Vfio(ref a) => bail!(
            "the demo joins two simulated NICs with an emulated wire: use --device sim or \
             --device model, not vfio:{a}"
        ),
    };
    let mut drv = Driver::open(dev).context("cannot bring up the NIC")?;
    let all = drv.caps().caps & !cap::LOOPBACK;
    match cfg.offloads {
        OffloadMode::Device => {
            if let Some(f) = cfg.saved_features {
                drv.set_features(f & all, !f)?;
            }
        }
        OffloadMode::On => {
            drv.set_features(all, 0)?;
        }
        OffloadMode::Off => {
            drv.set_features(0, u32::MAX)?;
        }
    }
    drv.start(RINGS).context("cannot start the NIC's queues")?;
    Ok(NicPort::new(drv))
}

fn host(cfg: &DemoConfig, n: u8, wire: PortId) -> Result<Host> {
    let mut ic = InterfaceConfig::new([0x02, 0, 0, 0, 0, n]);
    ic.ipv4 = Some((Ipv4Addr::new(10, 0, 0, n), 24));
    ic.ipv6 = Some((Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, n as u16), 64));
    Ok(Host {
        iface: Interface::new(ic),
        port: Counting {
            inner: open_nic(cfg, cfg.seed.wrapping_add(n as u64))?,
            received: 0,
            transmitted: 0,
        },
        wire,
        offset: 0,
        rx_pending: 0,
        tx_out: 0,
        progress_at: 0,
    })
}

/// Moves frames between the NICs' MAC ports and the wire at `now`.
fn cable(hosts: &mut [Host], wire: &mut Wire, now: u64) -> Result<()> {
    for h in hosts.iter_mut() {
        while let Some(f) = h.dev().wire_recv() {
            h.tx_out += 1;
            h.progress();
            if f.bad {
                continue; // the MAC marked it errored: a real PHY would not send it whole
            }
            wire.send(h.wire, f.data, now)?;
        }
    }
    for h in hosts.iter_mut() {
        while let Some(data) = wire.recv(h.wire, now)? {
            h.dev()
                .wire_send(Frame { data, bad: false })
                .context("NIC refused a frame from the wire")?;
            h.rx_pending += 1;
            h.progress();
        }
    }
    Ok(())
}

/// Runs the second host's NIC on its own OS thread: [`NicThread::run_until`]
/// hands the host over, runs the first host's NIC here, and takes it back.
struct NicThread {
    jobs: Option<mpsc::Sender<(Host, u64)>>,
    done: mpsc::Receiver<(Host, Result<()>)>,
    thread: Option<thread::JoinHandle<()>>,
}

impl NicThread {
    fn new() -> Result<Self> {
        let (jobs, rx) = mpsc::channel::<(Host, u64)>();
        let (tx, done) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("nic-b".into())
            .spawn(move || {
                for (mut h, now) in rx {
                    let r = h.run_nic_until(now);
                    if tx.send((h, r)).is_err() {
                        break;
                    }
                }
            })
            .context("cannot start the second NIC's thread")?;
        Ok(NicThread {
            jobs: Some(jobs),
            done,
            thread: Some(thread),
        })
    }

    /// Brings both NICs up to global time `now` ([`Host::run_nic_until`]): at
    /// once on two threads when both have work, else here. `hosts` is
    /// `[A, B]`; B is moved to the helper and back, and is gone (with an
    /// error) only if the helper died.
    fn run_until(&mut self, hosts: &mut Vec<Host>, now: u64) -> Result<()> {
        if !(hosts[0].wants_run(now) && hosts[1].wants_run(now)) {
            for h in hosts.iter_mut() {
                h.run_nic_until(now)?;
            }
            return Ok(());
        }
        let b = hosts.pop().expect("two hosts");
        let jobs = self.jobs.as_ref().expect("open until drop");
        jobs.send((b, now))
            .map_err(|_| anyhow!("the second NIC's thread is gone"))?;
        let ra = hosts[0].run_nic_until(now);
        let (b, rb) = self
            .done
            .recv()
            .map_err(|_| anyhow!("the second NIC's thread stopped (panicked)"))?;
        hosts.push(b);
        ra.and(rb)
    }
}

impl Drop for NicThread {
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The data A sends: a ChaCha8 stream from the seed, produced in blocks.
struct Source {
    rng: ChaCha8Rng,
    block: Vec<u8>,
    at: usize,
    left: u64,
    hash: Sha256,
}

impl Source {
    fn new(seed: u64, bytes: u64) -> Self {
        Source {
            rng: ChaCha8Rng::seed_from_u64(seed),
            block: Vec::new(),
            at: 0,
            left: bytes,
            hash: Sha256::new(),
        }
    }

    /// The bytes not yet accepted by the socket, at most one block.
    fn pending(&mut self) -> &[u8] {
        if self.at == self.block.len() && self.left > 0 {
            let n = self.left.min(64 * 1024) as usize;
            self.block.resize(n, 0);
            self.rng.fill_bytes(&mut self.block);
            self.hash.update(&self.block);
            self.left -= n as u64;
            self.at = 0;
        }
        &self.block[self.at..]
    }

    fn done(&self) -> bool {
        self.left == 0 && self.at == self.block.len()
    }
}

fn is_gone(e: &SocketError) -> bool {
    matches!(e, SocketError::NoSuchSocket)
}

/// Runs the demo. `progress` is called now and then with how far it got.
pub fn run(cfg: &DemoConfig, progress: &mut dyn FnMut(Progress)) -> Result<DemoReport> {
    if !(0.0..1.0).contains(&cfg.loss) {
        bail!(
            "--loss must be at least 0 and less than 1, not {}",
            cfg.loss
        );
    }
    if cfg.rate_bps == 0 {
        bail!("--rate must be more than 0");
    }
    if !(1..=MAX_DMA_LATENCY_NS).contains(&cfg.dma_latency_ns) {
        bail!(
            "--dma-latency must be from 1 ns to {} us, not {} ns",
            MAX_DMA_LATENCY_NS / 1000,
            cfg.dma_latency_ns
        );
    }
    let wall = Instant::now();
    let mut link = LinkConfig::new(cfg.rate_bps, cfg.delay_ns);
    link.overhead_bytes = 24; // preamble, start delimiter, FCS, inter-frame gap
    link.loss = cfg.loss;
    let mut wire = Wire::new(link, cfg.seed);
    let (pa, pb) = (wire.attach(), wire.attach());
    if let Some(p) = &cfg.pcap {
        let f =
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?;
        wire.capture_to(std::io::BufWriter::new(f))?;
    }
    let mut hosts = vec![host(cfg, 1, pa)?, host(cfg, 2, pb)?];
    let mut nic_thread = match cfg.nic_threads {
        1 => None,
        2 => Some(NicThread::new()?),
        n => bail!("--nic-threads must be 1 or 2, not {n}"),
    };
    let features = hosts[0].port.inner.driver().caps().features;
    let deadline = cfg.deadline_ns();

    let b_ip = if cfg.ipv6 {
        IpAddr::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 2))
    } else {
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2))
    };
    let listener = hosts[1]
        .iface
        .tcp_listen(PORT, 1)
        .map_err(|e| anyhow!("B cannot listen on port {PORT}: {e}"))?;
    let mut now: u64 = 0;
    let a = hosts[0]
        .iface
        .tcp_connect(now, SocketAddr::new(b_ip, PORT))
        .map_err(|e| anyhow!("A cannot connect to {b_ip}: {e}"))?;
    let mut b: Option<TcpHandle> = None;
    let mut src = Source::new(cfg.seed, cfg.bytes);
    let mut a_closed = false;
    let mut b_closed = false;
    let mut rx_hash = Sha256::new();
    let mut received: u64 = 0;
    let mut transfer_ns = 0;
    let mut tcp_a = ConnStats::default();
    let mut tcp_b = ConnStats::default();
    let mut last_progress = Instant::now();
    progress(Progress {
        received: 0,
        total: cfg.bytes,
        sim_ns: 0,
    });

    let finished = loop {
        // The NICs catch up with `now`, frames cross the cable, and both
        // stacks handle what arrived and send what they have.
        match nic_thread.as_mut() {
            Some(t) => t.run_until(&mut hosts, now)?,
            None => {
                for h in hosts.iter_mut() {
                    h.run_nic_until(now)?;
                }
            }
        }
        cable(&mut hosts, &mut wire, now)?;
        for h in hosts.iter_mut() {
            h.poll_stack(now);
        }

        // Applications. A: keep the send buffer full, then close.
        let mut app_did = false;
        if !a_closed {
            let st = hosts[0].iface.tcp_state(a).unwrap_or(State::Closed);
            if st == State::Closed {
                let why = hosts[0]
                    .iface
                    .tcp_connection(a)
                    .ok()
                    .and_then(|c| c.close_reason());
                bail!(
                    "the connection from A failed ({}) after {received} of {} bytes",
                    why.map_or("closed".to_string(), |r| format!("{r:?}")),
                    cfg.bytes
                );
            }
            if matches!(st, State::Established | State::CloseWait) {
                loop {
                    let chunk = src.pending();
                    if chunk.is_empty() {
                        break;
                    }
                    let n = hosts[0]
                        .iface
                        .tcp_send(a, chunk)
                        .map_err(|e| anyhow!("A cannot send: {e}"))?;
                    if n == 0 {
                        break;
                    }
                    src.at += n;
                    app_did = true;
                }
                if src.done() {
                    hosts[0]
                        .iface
                        .tcp_close(a)
                        .map_err(|e| anyhow!("A cannot close: {e}"))?;
                    a_closed = true;
                    app_did = true;
                }
            }
        }
        if let Ok(c) = hosts[0].iface.tcp_connection(a) {
            tcp_a = *c.stats();
        }
        // B: accept, read without copying, close after the peer's FIN.
        if b.is_none() {
            b = hosts[1]
                .iface
                .tcp_accept(listener)
                .map_err(|e| anyhow!("B cannot accept: {e}"))?;
        }
        if let Some(hb) = b {
            if !b_closed {
                loop {
                    let data = match hosts[1].iface.tcp_recv_peek(hb) {
                        Ok(d) => d,
                        Err(e) if is_gone(&e) => &[],
                        Err(e) => bail!("B cannot receive: {e}"),
                    };
                    if data.is_empty() {
                        break;
                    }
                    let n = data.len();
                    rx_hash.update(data);
                    received += n as u64;
                    hosts[1]
                        .iface
                        .tcp_recv_consume(hb, n)
                        .map_err(|e| anyhow!("B cannot consume: {e}"))?;
                    app_did = true;
                }
                if received > cfg.bytes {
                    bail!(
                        "B received {received} bytes, more than the {} sent",
                        cfg.bytes
                    );
                }
                if hosts[1].iface.tcp_recv_finished(hb).unwrap_or(false) {
                    if received == cfg.bytes && transfer_ns == 0 {
                        transfer_ns = now;
                    }
                    hosts[1]
                        .iface
                        .tcp_close(hb)
                        .map_err(|e| anyhow!("B cannot close: {e}"))?;
                    b_closed = true;
                    app_did = true;
                } else if hosts[1].iface.tcp_state(hb) == Ok(State::Closed) {
                    bail!(
                        "the connection at B ended before the FIN, after {received} of {} bytes",
                        cfg.bytes
                    );
                }
            }
            if let Ok(c) = hosts[1].iface.tcp_connection(hb) {
                tcp_b = *c.stats();
            }
        }
        if app_did {
            for h in hosts.iter_mut() {
                h.poll_stack(now);
            }
        }
        cable(&mut hosts, &mut wire, now)?;

        // Done when both ends have closed: A in TIME-WAIT (or CLOSED), B CLOSED.
        if a_closed && b_closed {
            let sa = hosts[0].iface.tcp_state(a).unwrap_or(State::Closed);
            let sb = b.map_or(State::Closed, |hb| {
                hosts[1].iface.tcp_state(hb).unwrap_or(State::Closed)
            });
            if matches!(sa, State::TimeWait | State::Closed) && sb == State::Closed {
                break true;
            }
        }

        if last_progress.elapsed().as_millis() >= 100 {
            last_progress = Instant::now();
            progress(Progress {
                received,
                total: cfg.bytes,
                sim_ns: now,
            });
        }

        // The next instant anything can happen.
        let mut busy = false;
        for h in hosts.iter_mut() {
            busy |= h.busy();
        }
        let next = [
            hosts[0].iface.poll_at(),
            hosts[1].iface.poll_at(),
            wire.next_event_ns(),
            busy.then_some(now + QUANTUM_NS),
        ]
        .into_iter()
        .flatten()
        .min();
        match next {
            // A deadline already due was just polled: step on rather than spin.
            Some(t) if t <= deadline => now = if t > now { t } else { now + QUANTUM_NS },
            _ => {
                now = now.max(deadline);
                break false;
            }
        }
    };
    progress(Progress {
        received,
        total: cfg.bytes,
        sim_ns: now,
    });
    if let Some(w) = wire.stop_capture()? {
        drop(w);
    }
    if !finished {
        bail!(
            "transfer stalled: {received} of {} bytes received by {:.3} s of simulated time \
             (A {:?}, B {:?})",
            cfg.bytes,
            now as f64 / 1e9,
            hosts[0].iface.tcp_state(a),
            b.map(|hb| hosts[1].iface.tcp_state(hb))
        );
    }
    // Let each NIC finish what it was given: the last frames' completions are acknowledged a DMA
    // round trip after the frames left, and the counters count completions.
    for h in hosts.iter_mut() {
        let drv = h.port.inner.driver();
        for _ in 0..SETTLE_POLLS {
            drv.poll(SETTLE_POLL_NS)
                .context("NIC stopped with an error")?;
            if drv.tx_in_flight() == 0 {
                break;
            }
        }
    }
    let nic = |h: &mut Host| -> Result<Counters> {
        Ok(read_stats(h.dev().as_mut())?
            .into_iter()
            .map(|(k, v)| (k.to_lowercase(), v))
            .collect())
    };
    let nic_sender = nic(&mut hosts[0])?;
    let nic_receiver = nic(&mut hosts[1])?;
    let nic_cycles = hosts
        .iter_mut()
        .map(|h| h.dev().clock_cycles())
        .sum::<Option<u64>>();
    let wall_seconds = wall.elapsed().as_secs_f64();
    let (wa, wb) = (wire.stats(pa)?, wire.stats(pb)?);
    Ok(DemoReport {
        device: cfg.device.to_string(),
        dma_latency_ns: sim_dma_latency_ns(cfg),
        ipv6: cfg.ipv6,
        bytes: cfg.bytes,
        bytes_received: received,
        sha256_sent: hex(&src.hash.finalize()),
        sha256_received: hex(&rx_hash.finalize()),
        transfer_ns: if transfer_ns == 0 { now } else { transfer_ns },
        total_ns: now,
        wall_seconds,
        nic_cycles,
        nics: hosts.len() as u32,
        features,
        nic_sender,
        nic_receiver,
        stack_sender: owned(hosts[0].iface.stats().counters()),
        stack_receiver: owned(hosts[1].iface.stats().counters()),
        tcp_sender: tcp_a,
        tcp_receiver: tcp_b,
        wire_frames: (wa.sent, wb.sent),
        wire_lost: (wa.lost, wb.lost),
    })
}

/// The DMA latency the sim NICs run with, in whole cycles; `None` off sim.
fn sim_dma_latency_ns(cfg: &DemoConfig) -> Option<u64> {
    #[cfg(feature = "sim")]
    if cfg.device == DeviceSpec::Sim {
        let m = verilator_tb::MemTiming::with_latency_ns(cfg.dma_latency_ns);
        return Some(m.latency_cycles().0 * verilator_tb::NS_PER_CYCLE);
    }
    let _ = cfg;
    None
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Parses a byte count with an optional K, M or G suffix (KiB, MiB, GiB).
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m: u64 = match c.to_ascii_uppercase() {
                'K' => 1 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                _ => {
                    return Err(format!(
                        "'{s}': the suffix must be K, M or G (KiB, MiB, GiB)"
                    ))
                }
            };
            (&t[..i], m)
        }
        _ => (t, 1),
    };
    let n: u64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not a byte count (e.g. 4096, 512K, 64M, 1G)"))?;
    let v = n
        .checked_mul(mult)
        .ok_or_else(|| format!("'{s}' is too large"))?;
    if v == 0 {
        return Err("the byte count must be at least 1".into());
    }
    Ok(v)
}

/// Parses a rate in bits per second with an optional K, M or G suffix
/// (decimal: 10G is 10^10 b/s).
pub fn parse_rate(s: &str) -> Result<u64, String> {
    let t = s.trim().trim_end_matches("bps").trim_end_matches("b/s");
    let (num, mult) = match t.chars().last() {
        Some('K' | 'k') => (&t[..t.len() - 1], 1_000f64),
        Some('M' | 'm') => (&t[..t.len() - 1], 1e6),
        Some('G' | 'g') => (&t[..t.len() - 1], 1e9),
        _ => (t, 1f64),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not a rate (e.g. 10G, 2.5G, 100M)"))?;
    let v = n * mult;
    if !(v.is_finite() && (1.0..=1e15).contains(&v)) {
        return Err(format!("'{s}': the rate must be from 1 b/s to 1000 Tb/s"));
    }
    Ok(v as u64)
}

/// Parses a duration: a number with ns, us, ms or s (bare numbers are ns).
pub fn parse_duration_ns(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| c.is_ascii_alphabetic() || c == 'µ')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let mult = match unit {
        "" | "ns" => 1f64,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        _ => return Err(format!("'{s}': the unit must be ns, us, ms or s")),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not a duration (e.g. 10us, 1ms)"))?;
    let v = n * mult;
    if !(v.is_finite() && (0.0..=1e15).contains(&v)) {
        return Err(format!("'{s}': the duration must be from 0 to 10^15 ns"));
    }
    Ok(v.round() as u64)
}

/// A one-line progress bar on stderr, redrawn in place.
pub fn draw_progress(p: Progress, wall: f64) {
    use std::io::Write;
    const W: u64 = 30;
    let filled = if p.total == 0 {
        W
    } else {
        (p.received as u128 * W as u128 / p.total as u128) as u64
    };
    let bar: String = (0..W).map(|i| if i < filled { '#' } else { '.' }).collect();
    let pct = if p.total == 0 {
        100.0
    } else {
        p.received as f64 * 100.0 / p.total as f64
    };
    let mut e = std::io::stderr().lock();
    let _ = write!(
        e,
        "\r[{bar}] {pct:5.1}%  {:.1}/{:.1} MiB  sim {:.3} ms  wall {wall:.1} s ",
        p.received as f64 / (1 << 20) as f64,
        p.total as f64 / (1 << 20) as f64,
        p.sim_ns as f64 / 1e6,
    );
    let _ = e.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts_take_binary_suffixes() {
        assert_eq!(parse_bytes("4096"), Ok(4096));
        assert_eq!(parse_bytes("512K"), Ok(512 << 10));
        assert_eq!(parse_bytes("64M"), Ok(64 << 20));
        assert_eq!(parse_bytes("1g"), Ok(1 << 30));
        for bad in ["", "M", "12X", "-1", "1.5M", "0", "99999999999999999G"] {
            assert!(parse_bytes(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rates_and_durations_parse_with_units() {
        assert_eq!(parse_rate("10G"), Ok(10_000_000_000));
        assert_eq!(parse_rate("2.5G"), Ok(2_500_000_000));
        assert_eq!(parse_rate("100M"), Ok(100_000_000));
        assert!(parse_rate("0").is_err() && parse_rate("fast").is_err());
        assert_eq!(parse_duration_ns("10us"), Ok(10_000));
        assert_eq!(parse_duration_ns("1.5ms"), Ok(1_500_000));
        assert_eq!(parse_duration_ns("250"), Ok(250));
        assert_eq!(parse_duration_ns("0s"), Ok(0));
        assert!(parse_duration_ns("10 parsecs").is_err() && parse_duration_ns("-1us").is_err());
    }

    #[test]
    fn counters_are_found_by_name() {
        let c = owned(vec![("rx_frames", 3), ("tx_frames", 40)]);
        assert_eq!(counter(&c, "tx_frames"), 40);
        assert_eq!(counter(&c, "nope"), 0);
    }
}
