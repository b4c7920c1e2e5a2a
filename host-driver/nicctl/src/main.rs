//! nicctl: query and control the NIC, ethtool-style.
//!
//! `caps` (ethtool -k), `stats` (-S), `regs` (-d), `selftest` (-t); every
//! command takes `--device sim|model|vfio:<pci address>` and `--json`.
//! `demo` runs TCP between two stacks on two simulated NICs and `serve` runs
//! the stack on a TAP device (docs/demo.md). Each subcommand is a file of `cmd/`.

use anyhow::{Context, Result};
use clap::Parser;
use host_driver::backend::{self, SimOptions};
use host_driver::device::DeviceSpec;
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

use nicctl::cli::{BenchWhat, Cli, Cmd};
use nicctl::state;

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
