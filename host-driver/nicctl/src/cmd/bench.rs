//! `nicctl bench engines | modules | nic`: the checksum engines, the modules alone and the whole
//! NIC, in simulated time (docs/benchmarks.md).

use super::*;
use nicctl::cli::{BenchModulesArgs, BenchNicArgs};

#[cfg(feature = "sim")]
pub(crate) fn bench_engines(json: bool) -> Result<ExitCode> {
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
pub(crate) fn bench_engines(_json: bool) -> Result<ExitCode> {
    anyhow::bail!("bench engines needs the RTL: build nicctl with the `sim` feature")
}

/// `nicctl bench modules`: rows of `{module, config, metric, value}`.
#[cfg(feature = "sim")]
pub(crate) fn bench_modules(a: &BenchModulesArgs, json: bool) -> Result<ExitCode> {
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
pub(crate) fn bench_modules(_a: &BenchModulesArgs, _json: bool) -> Result<ExitCode> {
    anyhow::bail!("bench modules needs the RTL: build nicctl with the `sim` feature")
}

/// `nicctl bench nic`: streams table rows as runs finish, or prints one JSON array.
pub(crate) fn bench_nic(spec: &DeviceSpec, a: &BenchNicArgs, json: bool) -> Result<ExitCode> {
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
