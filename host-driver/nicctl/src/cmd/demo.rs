//! `nicctl demo`: two stacks on two NICs over an emulated wire (docs/demo.md).

use super::*;
use nicctl::cli::{DemoArgs, OffloadsArg};

/// `nicctl demo`: runs the transfer and reports it.
pub(crate) fn run_demo(spec: &DeviceSpec, a: &DemoArgs, json: bool) -> Result<ExitCode> {
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
    let mut progress = |p: nicctl::demo::Progress| {
        if bar {
            nicctl::demo::draw_progress(p, wall.elapsed().as_secs_f64());
            drew = true;
        }
    };
    let result = nicctl::demo::run(&cfg, &mut progress);
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

pub(crate) fn print_demo(cfg: &DemoConfig, r: &nicctl::demo::DemoReport) {
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
        row(
            &format!("nic {k}"),
            *v,
            nicctl::demo::counter(&r.nic_receiver, k),
        );
    }
    for (k, v) in &r.stack_sender {
        let w = nicctl::demo::counter(&r.stack_receiver, k);
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
