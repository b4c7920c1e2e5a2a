//! `nicctl bench nic`: whole-NIC throughput of the RTL, through the driver,
//! in simulated time.
//!
//! Each run is one NIC (the `sim` device: `hdl/` in Verilator) under one
//! harness profile and one DMA latency, one frame size and one direction:
//!
//! - `tx`: the driver posts frames on the TX ring (big ring, one doorbell per
//!   batch) and reaps completions; the harness takes MAC TX beats at full rate.
//!   Counted: frames that left the MAC TX port.
//! - `rx`: the harness offers frames on the MAC RX port back to back (as fast
//!   as the NIC takes them); the driver reaps RX completions and gives the
//!   buffers back. Counted: frames the NIC took from the MAC RX port (each
//!   one then checked as received, intact, by the driver). The NIC takes a
//!   frame only when it has room for it, and its buffer drains only by DMA,
//!   so in steady state this is the rate frames reach host memory.
//! - `tx+rx`: both at once on the same NIC (the two engines share its AXI4
//!   port). Two rows, `tx+rx:tx` and `tx+rx:rx`, each direction's own rate
//!   over one window in which both were running (not a sum).
//!
//! The driver is the real [`Driver`] in busy-polling mode (as ixy or DPDK
//! drive a NIC, no interrupts): every [`POLL_CYCLES`] NIC cycles it reaps
//! completions, refills its rings and rings each doorbell once for the
//! batch. Host-side work takes no simulated time; its MMIO writes do (the
//! NIC runs on meanwhile).
//!
//! Steady state: the first and the last tenth of the frames are warm-up and
//! drain. Every counted frame is stamped with the NIC cycle its last beat
//! crossed the MAC port. The window runs from the cycle at which every
//! measured direction has passed the warm-up count to the cycle at which one
//! of them reaches the drain count; a direction's rate is taken between its
//! first and its last frame inside the window: the frames after the first
//! (and their bytes: frame bytes only, no preamble, FCS or gap) over the
//! cycles between the two stamps. So a NIC at line rate measures exactly
//! line rate, whatever the poll interval. Line rate is the datapath width times the
//! 250 MHz clock (16 Gb/s at 64 bits).

use firmware_model::contract::limits;
use host_driver::device::Device;
use host_driver::driver::{Driver, DriverError, RingConfig, TxMeta};

/// The NIC's clock, MHz.
pub const CLOCK_MHZ: u64 = 250;
/// NIC cycles between two driver polls.
pub const POLL_CYCLES: u64 = 16;
/// Ring sizes of every run.
pub const TX_RING: u32 = 1024;
pub const RX_RING: u32 = 4096;
/// Smallest frame the bench sends: an Ethernet header.
pub const MIN_FRAME: usize = 14;
/// Largest DMA latency the bench accepts, ns.
pub const MAX_LATENCY_NS: u64 = 100_000;
/// Fewest frames a run can measure (a tenth each for warm-up and drain).
pub const MIN_FRAMES: u64 = 10;
/// A run that moves no frame for this many cycles has stalled.
const STUCK_CYCLES: u64 = 2_000_000;
/// Frames the harness keeps waiting at the MAC RX port.
const RX_BACKLOG: usize = 16;

/// Which way the frames go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Tx,
    Rx,
    Both,
}

impl Direction {
    pub const ALL: [Direction; 3] = [Direction::Tx, Direction::Rx, Direction::Both];

    fn tx(self) -> bool {
        self != Direction::Rx
    }

    fn rx(self) -> bool {
        self != Direction::Tx
    }
}

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchConfig {
    /// Datapath widths of the NIC (`DATA_W`), bits: 64 and 512.
    pub widths: Vec<u32>,
    /// DMA latencies, ns (each rounded up to whole 4 ns cycles).
    pub latencies_ns: Vec<u64>,
    /// Frame sizes, bytes.
    pub sizes: Vec<usize>,
    /// Frames per run and direction; `None`: [`auto_frames`] of the size.
    pub frames: Option<u64>,
    /// Harness stall profile ([`verilator_tb::Backpressure::NAMES`]); its
    /// memory latency is replaced by each of `latencies_ns`, without jitter.
    pub profile: String,
    /// Seed of the harness's decisions.
    pub seed: u64,
    pub directions: Vec<Direction>,
}

impl Default for BenchConfig {
    /// 64 and 512 bits; 8 ns, 250 ns, 1 µs, 2 µs; 64, 576, 1500, 9000 bytes;
    /// frames by size ([`auto_frames`]); no stalls; every direction.
    fn default() -> Self {
        BenchConfig {
            widths: vec![64, 512],
            latencies_ns: vec![8, 250, 1000, 2000],
            sizes: vec![64, 576, 1500, 9000],
            frames: None,
            profile: "none".into(),
            seed: 1,
            directions: Direction::ALL.to_vec(),
        }
    }
}

/// One figure.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchRow {
    pub datapath_bits: u32,
    /// `tx`, `rx`, `tx+rx:tx` or `tx+rx:rx`.
    pub direction: &'static str,
    pub frame_bytes: usize,
    /// The latency the harness used (whole cycles), ns.
    pub dma_latency_ns: u64,
    /// Frame bytes per simulated second, Gb/s.
    pub gbps: f64,
    /// Frames per simulated second, millions.
    pub mpps: f64,
    /// `gbps` over the line rate (datapath bits × 250 MHz).
    pub line_fraction: f64,
}

impl BenchRow {
    /// Line rate of a datapath, Gb/s.
    pub fn line_gbps(datapath_bits: u32) -> f64 {
        datapath_bits as f64 * CLOCK_MHZ as f64 / 1000.0
    }

    /// `{"datapath_bits", "direction", "frame_bytes", "dma_latency_ns", "gbps", "mpps", "line_fraction"}`.
    pub fn to_json(&self) -> serde_json::Value {
        let r4 = |x: f64| (x * 1e4).round() / 1e4;
        serde_json::json!({
            "datapath_bits": self.datapath_bits,
            "direction": self.direction,
            "frame_bytes": self.frame_bytes,
            "dma_latency_ns": self.dma_latency_ns,
            "gbps": r4(self.gbps),
            "mpps": r4(self.mpps),
            "line_fraction": r4(self.line_fraction),
        })
    }
}

/// Why a bench could not run or finish.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Driver(#[from] DriverError),
    #[error(transparent)]
    Device(#[from] host_driver::device::DeviceError),
    #[error("{0} does not report its datapath width")]
    NoDatapath(String),
    #[error("{what}, {size}-byte frames, {latency_ns} ns: {why}")]
    Run {
        what: &'static str,
        size: usize,
        latency_ns: u64,
        why: String,
    },
}

/// Frames per run when `--frames` is not given: about 2 MB of frames, 200
/// to 2000 of them (64 B: 2000, 576 B: 2000, 1500 B: 1333, 9000 B: 222), so
/// a run at 2 µs stays within a few seconds of wall time.
pub fn auto_frames(size: usize) -> u64 {
    (2_000_000 / size.max(1) as u64).clamp(200, 2000)
}

/// Parses `--sizes`: comma-separated frame sizes in bytes.
pub fn parse_sizes(s: &str) -> Result<Vec<usize>, String> {
    let list: Vec<&str> = s.split(',').map(str::trim).collect();
    if list.iter().all(|x| x.is_empty()) {
        return Err("no frame size given (e.g. --sizes 64,1500)".into());
    }
    list.iter()
        .map(|x| {
            let n: usize = x.parse().map_err(|_| {
                format!("'{x}' is not a frame size in bytes (e.g. --sizes 64,576,1500,9000)")
            })?;
            if !(MIN_FRAME..=limits::MAX_FRAME as usize).contains(&n) {
                return Err(format!(
                    "frame size {n} is out of range: sizes are {MIN_FRAME} to {} bytes",
                    limits::MAX_FRAME
                ));
            }
            Ok(n)
        })
        .collect()
}

/// Parses `--width`: comma-separated datapath widths in bits, each 64 or 512.
pub fn parse_widths(s: &str) -> Result<Vec<u32>, String> {
    let list: Vec<&str> = s.split(',').map(str::trim).collect();
    if list.iter().all(|x| x.is_empty()) {
        return Err("no width given (e.g. --width 64,512)".into());
    }
    list.iter()
        .map(|x| match x.parse::<u32>() {
            Ok(w @ (64 | 512)) => Ok(w),
            _ => Err(format!(
                "'{x}' is not a datapath width the NIC is built at: 64 or 512"
            )),
        })
        .collect()
}

/// Parses `--latency`: comma-separated durations (`8ns`, `250ns`, `1us`, `2us`; bare numbers are ns).
pub fn parse_latencies(s: &str) -> Result<Vec<u64>, String> {
    let list: Vec<&str> = s.split(',').map(str::trim).collect();
    if list.iter().all(|x| x.is_empty()) {
        return Err("no DMA latency given (e.g. --latency 8ns,1us)".into());
    }
    list.iter()
        .map(|x| {
            let ns = crate::demo::parse_duration_ns(x)?;
            if !(1..=MAX_LATENCY_NS).contains(&ns) {
                return Err(format!(
                    "DMA latency '{x}' is out of range: 1 ns to {} us",
                    MAX_LATENCY_NS / 1000
                ));
            }
            Ok(ns)
        })
        .collect()
}

impl BenchConfig {
    /// Checks everything a run would trip over, before any run starts.
    pub fn validate(&self) -> Result<(), BenchError> {
        let bad = |m: String| Err(BenchError::Config(m));
        if let Some(n) = self.frames.filter(|n| *n < MIN_FRAMES) {
            return bad(format!(
                "--frames must be at least {MIN_FRAMES} (the first and last tenth are warm-up and drain), not {n}"
            ));
        }
        if self.sizes.is_empty()
            || self.latencies_ns.is_empty()
            || self.directions.is_empty()
            || self.widths.is_empty()
        {
            return bad(
                "nothing to measure: give at least one width, one size and one latency".into(),
            );
        }
        for &w in &self.widths {
            if w != 64 && w != 512 {
                return bad(format!(
                    "datapath width {w} is not one the NIC is built at: 64 or 512"
                ));
            }
        }
        for &n in &self.sizes {
            if !(MIN_FRAME..=limits::MAX_FRAME as usize).contains(&n) {
                return bad(format!(
                    "frame size {n} is out of range: sizes are {MIN_FRAME} to {} bytes",
                    limits::MAX_FRAME
                ));
            }
        }
        for &ns in &self.latencies_ns {
            if !(1..=MAX_LATENCY_NS).contains(&ns) {
                return bad(format!(
                    "DMA latency {ns} ns is out of range: 1 ns to {MAX_LATENCY_NS} ns"
                ));
            }
        }
        #[cfg(feature = "sim")]
        verilator_tb::Backpressure::by_name(&self.profile)
            .map_err(|e| BenchError::Config(e.to_string()))?;
        Ok(())
    }
}

/// The frame of a run: a broadcast Ethernet header (local experimental
/// EtherType 0x88b5) and a counting payload.
pub fn bench_frame(size: usize) -> Vec<u8> {
    let mut f: Vec<u8> = (0..size).map(|k| (k * 7 + size) as u8).collect();
    let hdr = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x4e, 0x49, 0x43, 0x00, 0x01, 0x88, 0xb5,
    ];
    let n = hdr.len().min(size);
    f[..n].copy_from_slice(&hdr[..n]);
    f
}

/// Runs every (latency, size, direction) of `cfg`, calling `row` for each
/// figure as it is measured; returns them all.
#[cfg(feature = "sim")]
pub fn run(cfg: &BenchConfig, row: &mut dyn FnMut(&BenchRow)) -> Result<Vec<BenchRow>, BenchError> {
    cfg.validate()?;
    let mut out = Vec::new();
    for &bits in &cfg.widths {
        for &lat in &cfg.latencies_ns {
            for &size in &cfg.sizes {
                for &dir in &cfg.directions {
                    for r in run_one(cfg, bits, dir, size, lat)? {
                        row(&r);
                        out.push(r);
                    }
                }
            }
        }
    }
    Ok(out)
}

#[cfg(not(feature = "sim"))]
pub fn run(
    cfg: &BenchConfig,
    _row: &mut dyn FnMut(&BenchRow),
) -> Result<Vec<BenchRow>, BenchError> {
    cfg.validate()?;
    Err(BenchError::Config(
        "bench nic measures the RTL: build nicctl with the `sim` feature".into(),
    ))
}

/// Counts of one direction at a poll.
/// The frames a direction moved inside `[from, to]`, and the cycles between
/// its first and last stamp there (0 with fewer than two).
fn in_window(stamps: &[u64], from: u64, to: u64) -> (u64, u64) {
    let i0 = stamps.partition_point(|&c| c < from);
    let i1 = stamps.partition_point(|&c| c <= to);
    if i1 < i0 + 2 {
        return (0, 0);
    }
    ((i1 - i0 - 1) as u64, stamps[i1 - 1] - stamps[i0])
}

/// The driver's RX poll: reaps completions and gives the buffers back; the
/// frames received, each checked to be `size` bytes without errors (`Err`
/// with what was wrong otherwise).
#[cfg(feature = "sim")]
fn reap_rx(
    drv: &mut Driver<host_driver::backend::sim::SimDevice>,
    size: usize,
) -> Result<Result<u64, String>, DriverError> {
    drv.reap_rx()?;
    let mut n = 0;
    while let Some(f) = drv.receive() {
        if f.data.len() != size || f.cpl.errors != 0 {
            return Ok(Err(format!(
                "received a {}-byte frame with errors {:#x}",
                f.data.len(),
                f.cpl.errors
            )));
        }
        n += 1;
    }
    Ok(Ok(n))
}

/// One NIC, one direction, one size, one latency.
#[cfg(feature = "sim")]
pub fn run_one(
    cfg: &BenchConfig,
    bits: u32,
    dir: Direction,
    size: usize,
    latency_ns: u64,
) -> Result<Vec<BenchRow>, BenchError> {
    use host_driver::backend::sim::SimDevice;
    use verilator_tb::{Backpressure, NS_PER_CYCLE};

    let what = match dir {
        Direction::Tx => "tx",
        Direction::Rx => "rx",
        Direction::Both => "tx+rx",
    };
    let fail = |why: String| BenchError::Run {
        what,
        size,
        latency_ns,
        why,
    };
    let bp = Backpressure::by_name(&cfg.profile)
        .map_err(|e| BenchError::Config(e.to_string()))?
        .with_latency_ns(latency_ns);
    let dev = SimDevice::with_width(cfg.seed, bp, bits)?;
    let bits = dev
        .datapath_bits()
        .ok_or_else(|| BenchError::NoDatapath(dev.describe()))?;
    let used_ns = bp.mem.latency_cycles().0 * NS_PER_CYCLE;
    let mut drv = Driver::open(dev)?;
    // One queue pair: the bench's frames are one flow (not IP: queue 0 both
    // ways), and eight TX rings of TX_RING 9 KiB buffers would not fit the
    // simulated host memory.
    drv.start(RingConfig {
        tx_entries: TX_RING,
        rx_entries: RX_RING,
        rx_buf_bytes: size as u32,
        queues: Some(1),
    })?;

    let frame = bench_frame(size);
    let meta = TxMeta::default();
    let n = cfg
        .frames
        .unwrap_or_else(|| auto_frames(size))
        .max(MIN_FRAMES);
    let (warm, drain) = ((n / 10) as usize, (n - n / 10) as usize);
    let (mut posted, mut fed) = (0u64, 0u64);
    drv.device().sim.stamp_wire();
    // Frames sent and taken in so far (stamped at the MAC ports).
    let crossed = |sim: &verilator_tb::SimNic| {
        sim.wire_stamps()
            .map_or((0, 0), |st| (st.tx.len(), st.rx.len()))
    };
    let mut received = 0u64;
    let mut last_move = (0u64, 0usize, 0u64); // cycle, frames stamped, frames received
    loop {
        let (tx, rx) = crossed(&drv.device().sim);
        let all = |k: usize| (!dir.tx() || tx >= k) && (!dir.rx() || rx >= k);
        let any = |k: usize| (dir.tx() && tx >= k) || (dir.rx() && rx >= k);
        if all(warm) && any(drain) {
            break;
        }
        // The driver's poll: reap, refill, one doorbell per ring.
        if dir.tx() {
            drv.reap_tx()?;
            while posted < n && drv.tx_space() > 0 {
                drv.queue_tx(&frame, &meta)?;
                posted += 1;
            }
            drv.flush_tx()?;
        }
        if dir.rx() {
            received += reap_rx(&mut drv, size)?.map_err(fail)?;
        }
        // The wire, and the NIC until the next poll.
        let sim = &mut drv.device().sim;
        if dir.rx() {
            while fed < n && sim.wire_rx.len() < RX_BACKLOG {
                sim.wire_rx.push_back(verilator_tb::Frame {
                    data: frame.clone(),
                    bad: false,
                });
                fed += 1;
            }
        }
        sim.run(POLL_CYCLES);
        while let Some(f) = sim.wire_tx.pop_front() {
            if f.data != frame || f.bad {
                return Err(fail(format!(
                    "the MAC sent a {}-byte frame (bad: {}) unlike the one posted",
                    f.data.len(),
                    f.bad
                )));
            }
        }
        let cycle = sim.cycles();
        if let Some(e) = sim.protocol_errors.first() {
            return Err(fail(format!("protocol breach: {e}")));
        }

        let (tx, taken) = crossed(sim);
        let (moved, rx) = (tx + taken, received);
        if (moved, rx) != (last_move.1, last_move.2) {
            last_move = (cycle, moved, rx);
        } else if cycle - last_move.0 > STUCK_CYCLES {
            let nic = drv.nic_error()?.map_or("none".into(), |f| f.to_string());
            return Err(fail(format!(
                "no frame moved for {STUCK_CYCLES} cycles ({tx} sent, {rx} received of {n}; NIC error: {nic})"
            )));
        }
    }
    if let Some(f) = drv.nic_error()? {
        return Err(fail(format!("the NIC reports {f}")));
    }
    if let Some(f) = drv.tx_failures.first() {
        return Err(fail(format!(
            "TX descriptor {} completed with errors {:#x}",
            f.index, f.errors
        )));
    }
    // Every frame the NIC took in must reach the driver, intact (checked as received).
    let st = drv.device().sim.wire_stamps().cloned().unwrap_or_default();
    if dir.rx() {
        let taken = st.rx.len() as u64;
        let mut polls = 0u64;
        while received < taken {
            received += reap_rx(&mut drv, size)?.map_err(fail)?;
            drv.device().sim.run(POLL_CYCLES);
            polls += 1;
            if polls * POLL_CYCLES > STUCK_CYCLES {
                return Err(fail(format!(
                    "the NIC took {taken} frames from the wire but the driver received {received}"
                )));
            }
        }
    }
    let from = [(dir.tx(), &st.tx), (dir.rx(), &st.rx)]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, s)| s[warm.max(1) - 1])
        .max()
        .unwrap_or_default();
    let to = [(dir.tx(), &st.tx), (dir.rx(), &st.rx)]
        .iter()
        .filter(|(on, s)| *on && s.len() >= drain)
        .map(|(_, s)| s[drain - 1])
        .min()
        .unwrap_or_default();
    let mut rows = Vec::new();
    for (on, name, stamps) in [(dir.tx(), "tx", &st.tx), (dir.rx(), "rx", &st.rx)] {
        if !on {
            continue;
        }
        let (frames, cycles) = in_window(stamps, from, to);
        let ns = cycles * NS_PER_CYCLE;
        if ns == 0 || frames == 0 {
            return Err(fail(format!(
                "the steady-state window is empty: raise --frames above {n}"
            )));
        }
        let gbps = (frames * size as u64 * 8) as f64 / ns as f64;
        rows.push(BenchRow {
            datapath_bits: bits,
            direction: match (dir, name) {
                (Direction::Both, "tx") => "tx+rx:tx",
                (Direction::Both, _) => "tx+rx:rx",
                (_, "tx") => "tx",
                _ => "rx",
            },
            frame_bytes: size,
            dma_latency_ns: used_ns,
            gbps,
            mpps: frames as f64 * 1e3 / ns as f64,
            line_fraction: gbps / BenchRow::line_gbps(bits),
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_and_latency_lists_parse_and_bad_ones_say_why() {
        assert_eq!(parse_widths("64, 512"), Ok(vec![64, 512]));
        for bad in ["128", "", "64,x", "-64"] {
            assert!(parse_widths(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(parse_sizes("64, 1500,9000"), Ok(vec![64, 1500, 9000]));
        assert_eq!(
            parse_latencies("8ns,250ns,1us,2us"),
            Ok(vec![8, 250, 1000, 2000])
        );
        assert_eq!(parse_latencies("100"), Ok(vec![100]));
        for (bad, says) in [
            ("abc", "not a frame size"),
            ("64,", "not a frame size"),
            ("", "no frame size"),
            ("13", "out of range"),
            ("9217", "out of range"),
            ("-1", "not a frame size"),
        ] {
            let e = parse_sizes(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
        for (bad, says) in [
            ("abc", "'abc': the unit must be"),
            ("1.5.2us", "not a duration"),
            ("1 parsec", "unit"),
            ("0ns", "out of range"),
            ("1s", "out of range"),
            ("", "no DMA latency"),
        ] {
            let e = parse_latencies(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn a_config_with_too_few_frames_or_an_unknown_profile_is_refused() {
        let mut c = BenchConfig {
            frames: Some(0),
            ..BenchConfig::default()
        };
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("at least 10"));
        c.frames = Some(100);
        assert!(c.validate().is_ok());
        c.sizes = vec![];
        assert!(c.validate().is_err());
        #[cfg(feature = "sim")]
        {
            c.sizes = vec![64];
            c.profile = "gusty".into();
            let e = c.validate().unwrap_err().to_string();
            assert!(e.contains("valid profiles are none, coin"), "{e}");
        }
    }

    #[test]
    fn bench_frames_have_the_size_asked_and_an_ethernet_header() {
        for n in [14, 64, 9000] {
            let f = bench_frame(n);
            assert_eq!(f.len(), n);
            assert_eq!(&f[12..14], &[0x88, 0xb5]);
        }
    }
}
