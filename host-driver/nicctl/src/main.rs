//! nicctl: query and control the NIC, ethtool-style.
//!
//! `caps` (ethtool -k), `stats` (-S), `regs` (-d), `selftest` (-t); every
//! command takes `--device sim|model|vfio:<pci address>` and `--json`.
//! `demo` runs TCP between two stacks on two simulated NICs and `serve` runs
//! the stack on a TAP device (docs/demo.md).

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use firmware_model::contract;
use host_driver::backend::{self, SimOptions};
use host_driver::device::{Device, DeviceSpec};
use host_driver::driver::{self, read_stats, Driver, FEATURES};
use host_driver::selftest::{self, Loopback, SelftestConfig};
use nicctl::bench_nic::{self, BenchConfig, BenchRow};
use nicctl::demo::{self, DemoConfig, OffloadMode};
use nicctl::serve::{self, App, ServeConfig};
use nicctl::state::{self, DeviceState};
use serde_json::json;
use std::process::ExitCode;

/// `println!` that ends quietly when the reader has gone (`nicctl ... | head`)
/// instead of panicking on the broken pipe.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            eprintln!("nicctl: cannot write output: {e}");
            std::process::exit(1);
        }
    }};
}

#[derive(Parser)]
#[command(
    name = "nicctl",
    version,
    about = "Query and control the offload NIC, ethtool-style"
)]
struct Cli {
    /// Device: sim (RTL in Verilator), model (firmware model) or vfio:<pci address>.
    #[arg(long, global = true, default_value = "sim")]
    device: String,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Show offload capabilities and which are on (like `ethtool -k`).
    Caps,
    /// Show the NIC's statistics counters (like `ethtool -S`).
    Stats,
    /// Dump BAR0 registers, decoded (like `ethtool -d`).
    Regs,
    /// Switch features on or off (like `ethtool -K`): `nicctl features rx-checksumming off`.
    /// Without arguments, shows them like `caps`.
    Features {
        /// Pairs of feature name and on|off.
        #[arg(value_name = "NAME on|off")]
        settings: Vec<String>,
    },
    /// Loop random frames through the NIC and check them byte for byte (like `ethtool -t`).
    Selftest(SelftestArgs),
    /// Two hosts (TCP/IP stack + driver + NIC) joined by an emulated wire move seeded
    /// pseudo-random bytes over TCP; prints SHA-256 of both ends, simulated throughput and
    /// which offloads did the work.
    Demo(DemoArgs),
    /// Run the stack on a TAP device (real clock) serving echo, discard or HTTP, for
    /// ping, nc and curl from the kernel side. Runs until SIGINT/SIGTERM or --for.
    Serve(ServeArgs),
    /// Show the RSS indirection table, hash function and key (like `ethtool -x`). `--key` sets
    /// the key (like `ethtool -X hkey`): 40 bytes as hex, colons optional. `--indir` sets the
    /// table (like `ethtool -X`): `equal N` spreads flows over RX queues 0..N-1, `weight W0 W1
    /// ...` over queues 0, 1, ... in proportion to the weights, `default` round robin over
    /// every RX queue.
    Rss {
        #[arg(long, value_name = "KEY", value_parser = driver::parse_rss_key)]
        key: Option<[u8; driver::RSS_KEY_LEN]>,
        #[arg(
            long,
            value_name = "equal N | weight W0 W1 ... | default",
            num_args = 0..,
            allow_negative_numbers = true
        )]
        indir: Option<Vec<String>>,
    },
    /// Measure the RTL in Verilator, in cycles.
    Bench {
        #[command(subcommand)]
        what: BenchWhat,
    },
}

#[derive(Subcommand)]
enum BenchWhat {
    /// Each offload engine alone, at 64 and 512 bits, with back-to-back frames of 64, 576,
    /// 1500 and 9000 bytes and no stalls: bytes per cycle, and cycles from a frame's last
    /// input beat to its checksum being ready.
    Engines,
    /// The whole NIC (sim device) through the driver: TX alone, RX alone and both at once,
    /// per frame size and DMA latency, in simulated time (Gb/s of frame bytes, Mpps,
    /// fraction of the datapath's line rate).
    Nic(BenchNicArgs),
    /// Single modules alone (AXI interconnect at 2 and 4 ports, completion writer, CSR),
    /// memory at 8 ns and 1 us: throughput, fairness and latency in cycles, one row per
    /// figure; every transfer is checked while it runs.
    Modules(BenchModulesArgs),
}

#[derive(clap::Args)]
struct BenchModulesArgs {
    /// Cycles measured per run (after a warm-up); small values make a quick smoke run.
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(100..))]
    cycles: u64,
}

#[derive(clap::Args)]
struct BenchNicArgs {
    /// Datapath widths (DATA_W) of the NIC, bits, comma-separated: 64, 512 or both.
    #[arg(long, default_value = "64,512", value_parser = bench_nic::parse_widths)]
    width: std::vec::Vec<u32>,
    /// DMA latencies, comma-separated (ns, us; e.g. 8ns,250ns,1us,2us).
    #[arg(long, default_value = "8ns,250ns,1us,2us", value_parser = bench_nic::parse_latencies)]
    latency: std::vec::Vec<u64>,
    /// Frame sizes in bytes, comma-separated.
    #[arg(long, default_value = "64,576,1500,9000", value_parser = bench_nic::parse_sizes)]
    sizes: std::vec::Vec<usize>,
    /// Frames per run (the first and last tenth are warm-up and drain); default by size,
    /// about 2 MB: 2000 of 64 or 576 bytes, 1333 of 1500, 222 of 9000.
    #[arg(long)]
    frames: Option<u64>,
    /// Harness stall profile: none, coin, bursty or per-channel (its memory latency is
    /// replaced by --latency).
    #[arg(long, default_value = "none")]
    profile: String,
    /// Seed of the harness's stall decisions.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(clap::Args)]
struct SelftestArgs {
    /// Number of frames.
    #[arg(long, default_value_t = 1000)]
    frames: u64,
    /// Smallest frame, bytes.
    #[arg(long, default_value_t = 60)]
    min_len: usize,
    /// Largest frame, bytes.
    #[arg(long, default_value_t = 9000)]
    max_len: usize,
    /// Seed for frame sizes and contents (and sim stalls); print it, replay it.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where frames turn around: inside the NIC's MAC, or a connector on the wire port.
    #[arg(long, value_enum, default_value_t = LoopbackArg::Mac)]
    loopback: LoopbackArg,
    /// Random backpressure on every channel of the sim device.
    #[arg(long)]
    stalls: bool,
    /// Queue pairs to use (default: all the NIC has; 1 is TX and RX queue 0 only).
    #[arg(long, value_name = "N")]
    queues: Option<u32>,
    /// Test-only fault: the wire loopback connector corrupts this frame (implies --loopback wire,
    /// and --queues 1 unless given, so that the frame counted on the wire is the frame sent).
    #[arg(long, hide = true)]
    fault_corrupt_frame: Option<u64>,
}

#[derive(clap::Args)]
struct DemoArgs {
    /// Bytes to send, with an optional K, M or G suffix (KiB, MiB, GiB).
    #[arg(long, default_value = "64M", value_parser = demo::parse_bytes)]
    bytes: u64,
    /// Seed of the data and of the wire's impairments.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Connect over IPv6 (default IPv4).
    #[arg(long)]
    ipv6: bool,
    /// Line rate of the wire, bits per second (K, M, G suffixes are decimal).
    #[arg(long, default_value = "10G", value_parser = demo::parse_rate)]
    rate: u64,
    /// One-way propagation delay (ns, us, ms or s).
    #[arg(long, default_value = "10us", value_parser = demo::parse_duration_ns)]
    delay: u64,
    /// Probability that the wire loses a frame (each direction), 0 <= P < 1.
    #[arg(long, default_value_t = 0.0)]
    loss: f64,
    /// Offloads: as the device has them switched on (`nicctl features`), all on, or all off.
    #[arg(long, value_enum, default_value_t = OffloadsArg::Device)]
    offloads: OffloadsArg,
    /// Capture every frame on the wire to this pcap file.
    #[arg(long, value_name = "FILE")]
    pcap: Option<std::path::PathBuf>,
    /// Give up after this much simulated time (default: from size and rate).
    #[arg(long, value_name = "DURATION", value_parser = demo::parse_duration_ns)]
    sim_timeout: Option<u64>,
    /// DMA latency of the sim NICs' host memory (ns, us): AR to first read beat, write to B.
    #[arg(long, value_name = "DURATION", default_value = "1us", value_parser = demo::parse_duration_ns)]
    dma_latency: u64,
    /// OS threads running the two NICs: 2 (in parallel while both have work) or 1 (in turn).
    /// Only the wall time differs.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=2))]
    nic_threads: u8,
}

#[derive(Clone, Copy, ValueEnum)]
enum OffloadsArg {
    Device,
    On,
    Off,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// TAP interface to create (needs root or CAP_NET_ADMIN).
    #[arg(long)]
    tap: String,
    /// Our address IP/PREFIX; once for IPv4 and once for IPv6 at most.
    #[arg(long = "addr", value_name = "IP/PREFIX", required = true, value_parser = serve::parse_addr)]
    addrs: Vec<(std::net::IpAddr, u8)>,
    /// TCP port (default: 7 echo, 9 discard, 80 http).
    #[arg(long)]
    port: Option<u16>,
    /// The application on the port.
    #[arg(long, value_enum)]
    app: AppArg,
    /// Our MAC address.
    #[arg(long, default_value = "02:4e:49:43:00:01", value_parser = serve::parse_mac)]
    mac: [u8; 6],
    /// Stop after this many seconds (default: run until SIGINT or SIGTERM).
    #[arg(long = "for", value_name = "SECONDS")]
    for_secs: Option<f64>,
    /// One line per connection.
    #[arg(short, long)]
    verbose: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum AppArg {
    Echo,
    Discard,
    Http,
}

#[derive(Clone, Copy, ValueEnum)]
enum LoopbackArg {
    Mac,
    Wire,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let spec: DeviceSpec = match cli.device.parse() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("nicctl: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&cli, &spec) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("nicctl: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: &Cli, spec: &DeviceSpec) -> Result<ExitCode> {
    if let Cmd::Bench { what } = &cli.cmd {
        return match what {
            BenchWhat::Engines => bench_engines(cli.json),
            BenchWhat::Nic(a) => bench_nic(spec, a, cli.json),
            BenchWhat::Modules(a) => bench_modules(a, cli.json),
        };
    }
    if let Cmd::Demo(a) = &cli.cmd {
        return run_demo(spec, a, cli.json);
    }
    if let Cmd::Serve(a) = &cli.cmd {
        return run_serve(a, cli.json);
    }
    let opts = match &cli.cmd {
        Cmd::Selftest(a) => SimOptions {
            seed: a.seed,
            stalls: a.stalls,
        },
        _ => SimOptions::default(),
    };
    let mut dev =
        backend::open(spec, opts).with_context(|| format!("cannot open device {spec}"))?;
    let saved = state::load(spec)?;
    if let Some(st) = &saved {
        apply_state(dev.as_mut(), st)?;
    }
    match &cli.cmd {
        Cmd::Rss { key, indir } => rss(&mut dev, spec, key.as_ref(), indir.as_deref(), cli.json),
        Cmd::Features { settings } if !settings.is_empty() => {
            features(&mut dev, spec, settings)?;
            caps(&mut dev, cli.json)
        }
        Cmd::Caps | Cmd::Features { .. } => caps(&mut dev, cli.json),
        Cmd::Stats => stats(&mut dev, cli.json),
        Cmd::Regs => regs(&mut dev, cli.json),
        Cmd::Selftest(a) => selftest(dev, spec, saved, a, cli.json),
        Cmd::Bench { .. } | Cmd::Demo(_) | Cmd::Serve(_) => {
            unreachable!("handled before a device is opened")
        }
    }
}

#[cfg(feature = "sim")]
fn bench_engines(json: bool) -> Result<ExitCode> {
    use engine_tb::{bench, Engine, Width};
    let mut rows = Vec::new();
    for engine in [Engine::TxCsum, Engine::RxCsum] {
        for width in [Width::W64, Width::W512] {
            for size in [64, 576, 1500, 9000] {
                rows.push(bench(engine, width, size));
            }
        }
    }
    if json {
        let list: Vec<_> = rows
            .iter()
            .map(|r| {
                json!({"engine": r.engine, "frame_bytes": r.frame_bytes, "datapath_bytes": r.datapath_bytes,
                       "bytes_per_cycle": (r.bytes_per_cycle * 1000.0).round() / 1000.0,
                       "latency_cycles": r.latency_cycles})
            })
            .collect();
        say!("{}", serde_json::to_string_pretty(&list)?);
    } else {
        say!(
            "{:<8} {:>11} {:>14} {:>15} {:>11} {:>14}",
            "engine",
            "frame_bytes",
            "datapath_bytes",
            "bytes_per_cycle",
            "of datapath",
            "latency_cycles"
        );
        for r in &rows {
            let frac = r.bytes_per_cycle / r.datapath_bytes as f64;
            say!(
                "{:<8} {:>11} {:>14} {:>15.3} {:>10.1}% {:>14}",
                r.engine,
                r.frame_bytes,
                r.datapath_bytes,
                r.bytes_per_cycle,
                frac * 100.0,
                r.latency_cycles
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "sim"))]
fn bench_engines(_json: bool) -> Result<ExitCode> {
    anyhow::bail!("bench engines needs the RTL: build nicctl with the `sim` feature")
}

/// `nicctl bench modules`: rows of `{module, config, metric, value}`.
#[cfg(feature = "sim")]
fn bench_modules(a: &BenchModulesArgs, json: bool) -> Result<ExitCode> {
    let rows = engine_tb::modules::bench_modules(a.cycles)
        .map_err(|e| anyhow::anyhow!("bench modules: {e}"))?;
    let round = |v: f64| (v * 1e4).round() / 1e4;
    if json {
        let list: Vec<_> = rows
            .iter()
            .map(|r| {
                json!({"module": r.module, "config": r.config, "metric": r.metric,
                       "value": round(r.value)})
            })
            .collect();
        say!("{}", serde_json::to_string_pretty(&list)?);
    } else {
        say!(
            "{:<21} {:<86} {:<22} {:>10}",
            "module",
            "config",
            "metric",
            "value"
        );
        for r in &rows {
            say!(
                "{:<21} {:<86} {:<22} {:>10}",
                r.module,
                r.config,
                r.metric,
                round(r.value)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "sim"))]
fn bench_modules(_a: &BenchModulesArgs, _json: bool) -> Result<ExitCode> {
    anyhow::bail!("bench modules needs the RTL: build nicctl with the `sim` feature")
}

/// `nicctl bench nic`: streams table rows as runs finish, or prints one JSON array.
fn bench_nic(spec: &DeviceSpec, a: &BenchNicArgs, json: bool) -> Result<ExitCode> {
    anyhow::ensure!(
        *spec == DeviceSpec::Sim,
        "bench nic measures the RTL in simulated time: use --device sim, not {spec}"
    );
    let cfg = BenchConfig {
        widths: a.width.clone(),
        latencies_ns: a.latency.clone(),
        sizes: a.sizes.clone(),
        frames: a.frames,
        profile: a.profile.clone(),
        seed: a.seed,
        ..BenchConfig::default()
    };
    cfg.validate()?;
    if !json {
        let frames = cfg.frames.map_or("2 MB of".to_string(), |n| n.to_string());
        say!(
            "whole NIC through the driver, sim device, profile {}, rings {} TX / {} RX, {frames} frames \
             per run, rates over all but the first and last tenth, in simulated time",
            cfg.profile,
            bench_nic::TX_RING,
            bench_nic::RX_RING,
        );
        say!(
            "{:>8} {:<9} {:>11} {:>10} {:>9} {:>9} {:>8}",
            "datapath",
            "direction",
            "frame_bytes",
            "dma_lat",
            "Gb/s",
            "Mpps",
            "of line"
        );
    }
    let mut print = |r: &BenchRow| {
        if !json {
            say!(
                "{:>8} {:<9} {:>11} {:>10} {:>9.3} {:>9.4} {:>7.1}%",
                r.datapath_bits,
                r.direction,
                r.frame_bytes,
                format!("{} ns", r.dma_latency_ns),
                r.gbps,
                r.mpps,
                r.line_fraction * 100.0
            );
        }
    };
    let rows = bench_nic::run(&cfg, &mut print).context("bench nic stopped")?;
    if json {
        let list: Vec<_> = rows.iter().map(BenchRow::to_json).collect();
        say!("{}", serde_json::to_string_pretty(&list)?);
    }
    Ok(ExitCode::SUCCESS)
}

/// The device's switches as its registers hold them now, with the RSS key
/// and indirection table recorded for it (a key never set is the reset key,
/// a table never set the driver's default; neither is recorded).
fn current_state(dev: &mut dyn Device, spec: &DeviceSpec) -> Result<DeviceState> {
    let saved = state::load(spec)?;
    Ok(DeviceState {
        features: dev.read32(contract::reg::FEATURES)?,
        loopback: dev.read32(contract::reg::CTRL)? & contract::ctrl::LOOPBACK != 0,
        rss_key: saved.as_ref().and_then(|s| s.rss_key.clone()),
        rss_indir: saved.and_then(|s| s.rss_indir),
    })
}

/// A device `nicctl` creates anew in every run (its registers start at reset).
fn simulated(spec: &DeviceSpec) -> bool {
    matches!(spec, DeviceSpec::Sim | DeviceSpec::Model)
}

/// `nicctl rss [--key K] [--indir ...]` (like `ethtool -x` / `-X`): shows
/// the indirection table, hash function and key; `--key` sets the key,
/// `--indir` the table, and both are recorded. Every argument is checked
/// before anything changes.
fn rss(
    dev: &mut Box<dyn Device>,
    spec: &DeviceSpec,
    key: Option<&[u8; driver::RSS_KEY_LEN]>,
    indir: Option<&[String]>,
    json: bool,
) -> Result<ExitCode> {
    let caps = dev.read32(contract::reg::CAPS)?;
    anyhow::ensure!(
        caps & contract::cap::RXHASH != 0,
        "{} has no RSS (receive-hashing is not in its capabilities)",
        dev.describe()
    );
    let (_, queues) = driver::queue_counts(dev.as_mut())?;
    let indir = match indir {
        None => None,
        Some(words) => {
            let how = driver::parse_indir(words).map_err(anyhow::Error::msg)?;
            let table = how.table(queues).map_err(anyhow::Error::msg)?;
            Some((how, table))
        }
    };
    let mut st = current_state(dev.as_mut(), spec)?;
    if let Some(k) = key {
        driver::write_rss_key(dev.as_mut(), k)?;
        st.rss_key = Some(driver::format_rss_key(k));
    }
    if let Some((how, table)) = &indir {
        driver::write_rss_indir(dev.as_mut(), table)?;
        st.rss_indir = (*how != driver::IndirSpec::Default).then(|| table.to_vec());
    }
    if key.is_some() || indir.is_some() {
        state::save(spec, &st)?;
    }
    if st.rss_indir.is_none() && simulated(spec) {
        // Fresh from reset (all 0): show the table the driver programs when
        // it starts the queues.
        driver::write_rss_indir(dev.as_mut(), &driver::default_indir(queues))?;
    }
    let table = driver::read_rss_indir(dev.as_mut())?;
    let k = driver::read_rss_key(dev.as_mut())?;
    let on = dev.read32(contract::reg::FEATURES)? & contract::cap::RXHASH != 0;
    if json {
        say!(
            "{}",
            json!({"hash_function": "toeplitz", "key": driver::format_rss_key(&k),
                   "receive_hashing": on, "rx_queues": queues,
                   "indir": table.to_vec(), "indir_default": st.rss_indir.is_none()})
        );
    } else {
        say!(
            "RX flow hash indirection table for {} with {queues} RX ring(s):",
            dev.describe()
        );
        for row in driver::format_indir(&table) {
            say!("{row}");
        }
        say!("RSS hash key:");
        say!("{}", driver::format_rss_key(&k));
        say!("RSS hash function:");
        say!("    toeplitz: on");
        say!(
            "receive-hashing: {}",
            if on {
                "on (the hash and its type in every RX completion; the table picks the RX queue)"
            } else {
                "off (no hash; every frame to RX queue 0)"
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes a saved state into a device's registers.
fn apply_state(dev: &mut dyn Device, st: &DeviceState) -> Result<()> {
    if let Some(k) = &st.rss_key {
        let key = driver::parse_rss_key(k)
            .map_err(|e| anyhow::anyhow!("saved device state: {e} (delete the file to reset)"))?;
        driver::write_rss_key(dev, &key)?;
    }
    if let Some(t) = st.indir()? {
        driver::write_rss_indir(dev, &t)
            .map_err(|e| anyhow::anyhow!("saved device state: {e} (delete the file to reset)"))?;
    }
    dev.write32(contract::reg::FEATURES, st.features)?;
    let ctrl = dev.read32(contract::reg::CTRL)? & !contract::ctrl::RESET;
    let ctrl = if st.loopback {
        ctrl | contract::ctrl::LOOPBACK
    } else {
        ctrl & !contract::ctrl::LOOPBACK
    };
    dev.write32(contract::reg::CTRL, ctrl)?;
    Ok(())
}

/// `nicctl features NAME on|off ...`: checks every pair before changing
/// anything, applies them, and records the result for later runs.
fn features(dev: &mut Box<dyn Device>, spec: &DeviceSpec, settings: &[String]) -> Result<()> {
    let names = || {
        FEATURES
            .iter()
            .map(|f| f.name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    anyhow::ensure!(
        settings.len().is_multiple_of(2),
        "features takes pairs of NAME on|off; '{}' has no on|off after it",
        settings.last().map(String::as_str).unwrap_or("")
    );
    let caps = dev.read32(contract::reg::CAPS)?;
    let mut st = current_state(dev.as_mut(), spec)?;
    for pair in settings.chunks(2) {
        let (name, value) = (pair[0].as_str(), pair[1].as_str());
        let f = FEATURES.iter().find(|f| f.name == name).ok_or_else(|| {
            anyhow::anyhow!("unknown feature '{name}': known features are {}", names())
        })?;
        let on = match value {
            "on" => true,
            "off" => false,
            _ => anyhow::bail!("feature {name}: '{value}' is not on or off"),
        };
        anyhow::ensure!(
            caps & f.bit != 0,
            "{name} is not supported by {} [fixed]",
            dev.describe()
        );
        if f.bit == contract::cap::LOOPBACK {
            st.loopback = on;
        } else if on {
            st.features |= f.bit;
        } else {
            st.features &= !f.bit;
        }
    }
    apply_state(dev.as_mut(), &st)?;
    st.features = dev.read32(contract::reg::FEATURES)?;
    state::save(spec, &st)
}

fn caps(dev: &mut Box<dyn Device>, json: bool) -> Result<ExitCode> {
    let id = dev.read32(contract::reg::ID)?;
    anyhow::ensure!(
        id == contract::limits::ID_MAGIC,
        "not our NIC: ID reads {id:#010x}"
    );
    let version = dev.read32(contract::reg::VERSION)?;
    let caps = dev.read32(contract::reg::CAPS)?;
    let features = dev.read32(contract::reg::FEATURES)?;
    let ctrl = dev.read32(contract::reg::CTRL)?;
    let max_frame = dev.read32(contract::reg::MAX_FRAME)?;
    let queues = dev.read32(contract::reg::QUEUES)?;
    // Loopback is a control bit, not an offload switch.
    let enabled = |bit: u32| {
        if bit == contract::cap::LOOPBACK {
            ctrl & contract::ctrl::LOOPBACK != 0
        } else {
            features & bit != 0
        }
    };
    if json {
        let list: Vec<_> = FEATURES
            .iter()
            .map(|f| json!({"name": f.name, "available": caps & f.bit != 0, "enabled": enabled(f.bit)}))
            .collect();
        let v = json!({
            "version": format!("{}.{}", version >> 16, version & 0xffff),
            "max_frame": max_frame,
            "tx_queues": queues & 0xff,
            "rx_queues": (queues >> 8) & 0xff,
            "features": list,
        });
        say!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        say!("Features for {}:", dev.describe());
        for f in FEATURES {
            let state = if enabled(f.bit) { "on" } else { "off" };
            let fixed = if caps & f.bit == 0 { " [fixed]" } else { "" };
            say!("{}: {state}{fixed}", f.name);
        }
        say!("queues: {} TX, {} RX", queues & 0xff, (queues >> 8) & 0xff);
    }
    Ok(ExitCode::SUCCESS)
}

/// `nicctl stats` (like `ethtool -S`): the global counters, then every
/// queue's (`tx_queue_N_frames`, ..., `rx_queue_N_dropped`).
fn stats(dev: &mut Box<dyn Device>, json: bool) -> Result<ExitCode> {
    let mut rows: Vec<(String, u64)> = read_stats(dev.as_mut())?
        .into_iter()
        .map(|(k, v)| (k.to_lowercase(), v))
        .collect();
    rows.extend(driver::read_queue_stats(dev.as_mut())?.named());
    if json {
        let m: serde_json::Map<_, _> = rows.into_iter().map(|(k, v)| (k, json!(v))).collect();
        say!("{}", serde_json::to_string_pretty(&m)?);
    } else {
        say!("NIC statistics:");
        for (k, v) in rows {
            say!("     {k}: {v}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn regs(dev: &mut Box<dyn Device>, json: bool) -> Result<ExitCode> {
    let mut rows = Vec::new();
    for t in [contract::REGISTERS] {
        for it in t.items {
            rows.push((it.name.to_string(), it.value as u32, it.doc));
        }
    }
    let (txqs, rxqs) = driver::queue_counts(dev.as_mut())?;
    for (dir, count, at) in [
        ("TXQ", txqs, contract::txq as fn(u32, u32) -> u32),
        ("RXQ", rxqs, contract::rxq),
    ] {
        for n in 0..count.min(contract::limits::MAX_QUEUES) {
            for it in contract::QUEUE_REGISTERS.items {
                rows.push((
                    format!("{dir}{n}_{}", it.name),
                    at(n, it.value as u32),
                    it.doc,
                ));
            }
        }
    }
    let mut out = Vec::new();
    for (name, off, doc) in rows {
        let v = dev.read32(off)?;
        out.push((name, off, v, decode(off, v), doc));
    }
    if json {
        let list: Vec<_> = out
            .iter()
            .map(|(n, o, v, d, _)| json!({"name": n, "offset": o, "value": v, "decoded": d}))
            .collect();
        say!("{}", serde_json::to_string_pretty(&list)?);
    } else {
        say!("BAR0 registers of {}:", dev.describe());
        for (n, o, v, d, _) in out {
            let d = if d.is_empty() {
                String::new()
            } else {
                format!("  {d}")
            };
            say!("0x{o:03x}  {n:<16} 0x{v:08x}{d}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `off` is register `r` of some TX or RX queue.
fn is_queue_reg(off: u32, r: u32) -> bool {
    use contract::limits::{MAX_QUEUES, QUEUE_STRIDE, TXQ_BASE};
    // The TX blocks, then the RX blocks right after them.
    (TXQ_BASE..TXQ_BASE + 2 * MAX_QUEUES * QUEUE_STRIDE).contains(&off)
        && (off - TXQ_BASE) % QUEUE_STRIDE == r
}

/// Names the set bits of registers that hold bit fields.
fn decode(off: u32, v: u32) -> String {
    use contract::*;
    let table = match off {
        o if o == reg::CAPS || o == reg::FEATURES => Some(CAPS),
        o if o == reg::CTRL => Some(CTRL),
        o if o == reg::STATUS => Some(STATUS),
        o if o == reg::ERR_CAUSE => Some(ERRORS),
        o if o == reg::IRQ_CAUSE || o == reg::IRQ_MASK => Some(IRQ),
        o if is_queue_reg(o, qreg::STATUS) => Some(QSTATUS),
        o if is_queue_reg(o, qreg::CTRL) => Some(QCTRL),
        _ => None,
    };
    if off == reg::ERR_INFO {
        return describe_err_info(v).unwrap_or_default();
    }
    match table {
        Some(t) if t.kind == TableKind::Bits => t
            .items
            .iter()
            .filter(|i| v >> i.value & 1 != 0)
            .map(|i| i.name)
            .collect::<Vec<_>>()
            .join("|"),
        _ => String::new(),
    }
}

fn selftest(
    dev: Box<dyn Device>,
    spec: &DeviceSpec,
    saved: Option<DeviceState>,
    a: &SelftestArgs,
    json: bool,
) -> Result<ExitCode> {
    anyhow::ensure!(a.frames > 0, "--frames must be at least 1");
    anyhow::ensure!(
        (1..=contract::limits::MAX_FRAME as usize).contains(&a.min_len)
            && a.min_len <= a.max_len
            && a.max_len <= contract::limits::MAX_FRAME as usize,
        "frame sizes must satisfy 1 <= --min-len <= --max-len <= {}",
        contract::limits::MAX_FRAME
    );
    let cfg = SelftestConfig {
        frames: a.frames,
        min_len: a.min_len,
        max_len: a.max_len,
        seed: a.seed,
        loopback: match (a.loopback, a.fault_corrupt_frame) {
            (_, Some(_)) | (LoopbackArg::Wire, _) => Loopback::Wire,
            (LoopbackArg::Mac, None) => Loopback::Mac,
        },
        corrupt_frame: a.fault_corrupt_frame,
        queues: a.queues.or(a.fault_corrupt_frame.map(|_| 1)),
    };
    let mut drv = Driver::open(dev).with_context(|| format!("cannot bring up {spec}"))?;
    if let Some(st) = saved {
        // Bringing the NIC up reset it: put the recorded switches back.
        drv.set_features(st.features, !st.features)?;
        if let Some(k) = &st.rss_key {
            let key = driver::parse_rss_key(k).map_err(anyhow::Error::msg)?;
            driver::write_rss_key(drv.device().as_mut(), &key)?;
        }
        if let Some(t) = st.indir()? {
            drv.set_rss_indir(&t)?;
        }
    }
    let r = selftest::run(&mut drv, &cfg).with_context(|| format!("selftest on {spec} stopped"))?;
    let loopback = match cfg.loopback {
        Loopback::Mac => "mac",
        Loopback::Wire => "wire",
    };
    if json {
        let v = json!({
            "device": spec.to_string(), "result": if r.passed() { "PASS" } else { "FAIL" },
            "frames_sent": r.frames_sent, "frames_verified": r.frames_ok, "bytes": r.bytes,
            "device_ns": r.device_ns, "seed": cfg.seed, "loopback": loopback,
            "failures": r.failures, "first_failure": r.first_failure,
            "tx_csum_offloaded": r.tx_csum_hw, "tx_csum_software": r.tx_csum_sw,
            "rx_csum_verified_by_nic": r.rx_csum_hw, "rx_csum_verified_in_software": r.rx_csum_sw,
            "rx_queue_frames": r.rx_queue_frames,
        });
        say!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        say!(
            "The test result is {}",
            if r.passed() { "PASS" } else { "FAIL" }
        );
        say!("The test extra info:");
        say!("device               {}", drv.device().describe());
        say!("loopback             {loopback}");
        say!("seed                 {}", cfg.seed);
        say!("frames sent          {}", r.frames_sent);
        say!("frames verified      {}", r.frames_ok);
        say!("bytes verified       {}", r.bytes);
        say!("device time          {:.3} ms", r.device_ns as f64 / 1e6);
        say!(
            "tx checksums         {} by the NIC, {} in software",
            r.tx_csum_hw,
            r.tx_csum_sw
        );
        say!(
            "rx checksums         {} verified by the NIC, {} in software",
            r.rx_csum_hw,
            r.rx_csum_sw
        );
        let per_queue: Vec<String> = r
            .rx_queue_frames
            .iter()
            .enumerate()
            .map(|(q, n)| format!("{q}: {n}"))
            .collect();
        say!("frames per rx queue  {}", per_queue.join(", "));
        if let Some(f) = &r.first_failure {
            say!("failures             {}", r.failures);
            eprintln!("nicctl: selftest failed: {f}");
        }
    }
    Ok(if r.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `nicctl demo`: runs the transfer and reports it.
fn run_demo(spec: &DeviceSpec, a: &DemoArgs, json: bool) -> Result<ExitCode> {
    use std::io::IsTerminal;
    let mut cfg = DemoConfig::new(spec.clone());
    cfg.bytes = a.bytes;
    cfg.seed = a.seed;
    cfg.ipv6 = a.ipv6;
    cfg.rate_bps = a.rate;
    cfg.delay_ns = a.delay;
    cfg.loss = a.loss;
    cfg.pcap = a.pcap.clone();
    cfg.sim_deadline_ns = a.sim_timeout;
    cfg.dma_latency_ns = a.dma_latency;
    cfg.nic_threads = a.nic_threads as usize;
    cfg.offloads = match a.offloads {
        OffloadsArg::Device => OffloadMode::Device,
        OffloadsArg::On => OffloadMode::On,
        OffloadsArg::Off => OffloadMode::Off,
    };
    if matches!(spec, DeviceSpec::Sim | DeviceSpec::Model) {
        cfg.saved_features = state::load(spec)?.map(|s| s.features);
    }
    let bar = !json && std::io::stderr().is_terminal();
    let wall = std::time::Instant::now();
    let mut drew = false;
    let mut progress = |p: demo::Progress| {
        if bar {
            demo::draw_progress(p, wall.elapsed().as_secs_f64());
            drew = true;
        }
    };
    let result = demo::run(&cfg, &mut progress);
    if drew {
        eprintln!();
    }
    let r = result.context("demo failed")?;
    if json {
        say!("{}", serde_json::to_string_pretty(&r.to_json())?);
    } else {
        print_demo(&cfg, &r);
    }
    if !r.sha256_match() {
        eprintln!(
            "nicctl: demo failed: received data differs from what was sent ({} of {} bytes, SHA-256 {} vs {})",
            r.bytes_received, r.bytes, r.sha256_received, r.sha256_sent
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn print_demo(cfg: &DemoConfig, r: &demo::DemoReport) {
    let (a, b) = if cfg.ipv6 {
        ("fd00::1", "fd00::2")
    } else {
        ("10.0.0.1", "10.0.0.2")
    };
    say!(
        "TCP/{} from host A ({a}) to host B ({b}), each a stack on a {} NIC; wire {} Gb/s, {} us one way, loss {}",
        if cfg.ipv6 { "IPv6" } else { "IPv4" },
        r.device,
        cfg.rate_bps as f64 / 1e9,
        cfg.delay_ns as f64 / 1e3,
        cfg.loss
    );
    match r.dma_latency_ns {
        Some(ns) => say!("dma latency        {ns} ns (the NICs' host memory, simulated)"),
        None => say!(
            "dma latency        none modelled ({} has no memory timing)",
            r.device
        ),
    }
    say!(
        "bytes              {} sent, {} received",
        r.bytes,
        r.bytes_received
    );
    say!("sha256 sent        {}", r.sha256_sent);
    say!(
        "sha256 received    {} ({})",
        r.sha256_received,
        if r.sha256_match() {
            "match"
        } else {
            "MISMATCH"
        }
    );
    say!(
        "simulated time     {:.6} s ({:.6} s to the last byte, the rest closing)",
        r.sim_seconds(),
        r.transfer_ns as f64 / 1e9
    );
    let bps = r.throughput_bps();
    let (v, unit) = if bps >= 1e9 {
        (bps / 1e9, "Gb/s")
    } else if bps >= 1e6 {
        (bps / 1e6, "Mb/s")
    } else {
        (bps / 1e3, "kb/s")
    };
    say!("throughput         {v:.3} {unit} of application data, simulated");
    say!("wall time          {:.2} s", r.wall_seconds);
    if let (Some(cycles), Some(per_s)) = (r.nic_cycles, r.nic_cycles_per_s()) {
        say!(
            "sim speed          {:.2} M NIC cycles/s per NIC ({} cycles of {} NICs in {:.2} s)",
            per_s / 1e6,
            cycles,
            r.nics,
            r.wall_seconds
        );
    }
    let on: Vec<&str> = host_driver::driver::FEATURES
        .iter()
        .filter(|f| f.bit != contract::cap::LOOPBACK && r.features & f.bit != 0)
        .map(|f| f.name)
        .collect();
    say!(
        "NIC offloads on    {}",
        if on.is_empty() {
            "none".to_string()
        } else {
            on.join(", ")
        }
    );
    say!(
        "{:<28} {:>14} {:>14}",
        "who did the work",
        "sender (A)",
        "receiver (B)"
    );
    let row = |name: &str, x: u64, y: u64| say!("  {name:<26} {x:>14} {y:>14}");
    for (k, v) in &r.nic_sender {
        row(&format!("nic {k}"), *v, demo::counter(&r.nic_receiver, k));
    }
    for (k, v) in &r.stack_sender {
        let w = demo::counter(&r.stack_receiver, k);
        if *v != 0 || w != 0 {
            row(&format!("stack {k}"), *v, w);
        }
    }
    let (ta, tb) = (&r.tcp_sender, &r.tcp_receiver);
    row("tcp segs_out", ta.segs_out, tb.segs_out);
    row("tcp segs_in", ta.segs_in, tb.segs_in);
    row("tcp retransmits", ta.retransmits, tb.retransmits);
    row(
        "tcp fast_retransmits",
        ta.fast_retransmits,
        tb.fast_retransmits,
    );
    row("tcp rto_expiries", ta.rto_expiries, tb.rto_expiries);
    row("wire frames sent", r.wire_frames.0, r.wire_frames.1);
    row("wire frames lost", r.wire_lost.0, r.wire_lost.1);
}

/// `nicctl serve`: the stack on a TAP device until a signal or --for.
fn run_serve(a: &ServeArgs, json: bool) -> Result<ExitCode> {
    let duration = match a.for_secs {
        None => None,
        Some(s) if s.is_finite() && s > 0.0 && s < 1e9 => {
            Some(std::time::Duration::from_secs_f64(s))
        }
        Some(s) => anyhow::bail!("--for must be a positive number of seconds, not {s}"),
    };
    let cfg = ServeConfig {
        tap: a.tap.clone(),
        addrs: a.addrs.clone(),
        mac: a.mac,
        app: match a.app {
            AppArg::Echo => App::Echo,
            AppArg::Discard => App::Discard,
            AppArg::Http => App::Http,
        },
        port: a.port,
        duration,
        verbose: a.verbose,
    };
    serve::interface(&cfg)?;
    let stop = serve::install_stop_signals();
    let s = serve::run(&cfg, stop)?;
    if json {
        say!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "connections": s.connections, "bytes_in": s.bytes_in,
                "bytes_out": s.bytes_out, "http_requests": s.http_requests,
            }))?
        );
    } else {
        say!(
            "served {} connections: {} bytes in, {} bytes out",
            s.connections,
            s.bytes_in,
            s.bytes_out
        );
    }
    Ok(ExitCode::SUCCESS)
}
