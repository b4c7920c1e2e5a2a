//! nicctl: query and control the NIC, ethtool-style.
//!
//! `caps` (ethtool -k), `stats` (-S), `regs` (-d), `selftest` (-t); every
//! command takes `--device sim|model|vfio:<pci address>` and `--json`.
//! `demo` runs TCP between two stacks on two simulated NICs and `serve` runs
//! the stack on a TAP device (docs/demo.md). Each subcommand is a file of `cmd/`.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use host_driver::backend::{self, SimOptions};
use host_driver::device::DeviceSpec;
use host_driver::driver;
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

mod cmd;

use cmd::bench::BenchWhat;
use cmd::demo::DemoArgs;
use cmd::selftest::SelftestArgs;
use cmd::serve::ServeArgs;
use nicctl::state;

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
        #[arg(long, value_name = "KEY", value_parser = nicctl::rss_spec::parse_rss_key)]
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
            BenchWhat::Engines => cmd::bench::bench_engines(cli.json),
            BenchWhat::Nic(a) => cmd::bench::bench_nic(spec, a, cli.json),
            BenchWhat::Modules(a) => cmd::bench::bench_modules(a, cli.json),
        };
    }
    if let Cmd::Demo(a) = &cli.cmd {
        return cmd::demo::run_demo(spec, a, cli.json);
    }
    if let Cmd::Serve(a) = &cli.cmd {
        return cmd::serve::run_serve(a, cli.json);
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
        cmd::apply_state(dev.as_mut(), st)?;
    }
    match &cli.cmd {
        Cmd::Rss { key, indir } => {
            cmd::rss::rss(&mut dev, spec, key.as_ref(), indir.as_deref(), cli.json)
        }
        Cmd::Features { settings } if !settings.is_empty() => {
            cmd::features::features(&mut dev, spec, settings)?;
            cmd::caps::caps(&mut dev, cli.json)
        }
        Cmd::Caps | Cmd::Features { .. } => cmd::caps::caps(&mut dev, cli.json),
        Cmd::Stats => cmd::stats::stats(&mut dev, cli.json),
        Cmd::Regs => cmd::regs::regs(&mut dev, cli.json),
        Cmd::Selftest(a) => cmd::selftest::selftest(dev, spec, saved, a, cli.json),
        Cmd::Bench { .. } | Cmd::Demo(_) | Cmd::Serve(_) => {
            unreachable!("handled before a device is opened")
        }
    }
}
