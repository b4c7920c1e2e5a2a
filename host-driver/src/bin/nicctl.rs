//! nicctl: query and control the NIC, ethtool-style.
//!
//! `caps` (ethtool -k), `stats` (-S), `regs` (-d), `selftest` (-t); every
//! command takes `--device sim|model|vfio:<pci address>` and `--json`.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use firmware_model::contract;
use host_driver::backend::{self, SimOptions};
use host_driver::device::{Device, DeviceSpec};
use host_driver::driver::{read_stats, Driver, FEATURES};
use host_driver::selftest::{self, Loopback, SelftestConfig};
use host_driver::state::{self, DeviceState};
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
    /// Test-only fault: the wire loopback connector corrupts this frame (implies --loopback wire).
    #[arg(long, hide = true)]
    fault_corrupt_frame: Option<u64>,
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
    if let Cmd::Bench {
        what: BenchWhat::Engines,
    } = &cli.cmd
    {
        return bench_engines(cli.json);
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
    if let Some(st) = saved {
        apply_state(dev.as_mut(), &st)?;
    }
    match &cli.cmd {
        Cmd::Features { settings } if !settings.is_empty() => {
            features(&mut dev, spec, settings)?;
            caps(&mut dev, cli.json)
        }
        Cmd::Caps | Cmd::Features { .. } => caps(&mut dev, cli.json),
        Cmd::Stats => stats(&mut dev, cli.json),
        Cmd::Regs => regs(&mut dev, cli.json),
        Cmd::Selftest(a) => selftest(dev, spec, saved, a, cli.json),
        Cmd::Bench { .. } => unreachable!("handled before a device is opened"),
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

/// Writes a saved state into a device's registers.
fn apply_state(dev: &mut dyn Device, st: &DeviceState) -> Result<()> {
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
    let mut st = DeviceState {
        features: dev.read32(contract::reg::FEATURES)?,
        loopback: dev.read32(contract::reg::CTRL)? & contract::ctrl::LOOPBACK != 0,
    };
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
    }
    Ok(ExitCode::SUCCESS)
}

fn stats(dev: &mut Box<dyn Device>, json: bool) -> Result<ExitCode> {
    let s = read_stats(dev.as_mut())?;
    if json {
        let m: serde_json::Map<_, _> = s
            .iter()
            .map(|(k, v)| (k.to_lowercase(), json!(v)))
            .collect();
        say!("{}", serde_json::to_string_pretty(&m)?);
    } else {
        say!("NIC statistics:");
        for (k, v) in s {
            say!("     {}: {v}", k.to_lowercase());
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
    for (dir, base) in [
        ("TXQ0", contract::limits::TXQ_BASE),
        ("RXQ0", contract::limits::RXQ_BASE),
    ] {
        for it in contract::QUEUE_REGISTERS.items {
            rows.push((format!("{dir}_{}", it.name), base + it.value as u32, it.doc));
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

/// Names the set bits of registers that hold bit fields.
fn decode(off: u32, v: u32) -> String {
    use contract::*;
    let table = match off {
        o if o == reg::CAPS || o == reg::FEATURES => Some(CAPS),
        o if o == reg::CTRL => Some(CTRL),
        o if o == reg::STATUS => Some(STATUS),
        o if o == reg::ERR_CAUSE => Some(ERRORS),
        o if o == reg::IRQ_CAUSE || o == reg::IRQ_MASK => Some(IRQ),
        o if o == txq(0, qreg::STATUS) || o == rxq(0, qreg::STATUS) => Some(QSTATUS),
        o if o == txq(0, qreg::CTRL) || o == rxq(0, qreg::CTRL) => Some(QCTRL),
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
    };
    let mut drv = Driver::open(dev).with_context(|| format!("cannot bring up {spec}"))?;
    if let Some(st) = saved {
        // Bringing the NIC up reset it: put the recorded switches back.
        drv.set_features(st.features, !st.features)?;
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
