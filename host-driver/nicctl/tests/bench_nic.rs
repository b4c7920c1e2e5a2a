//! `nicctl bench nic` on a tiny run, and the harness profiles through the
//! whole NIC: every profile moves frames byte-exact, and with reordering on
//! the RTL really gets read data of one ID before older data of the other.

use firmware_model::contract::limits;
use host_driver::backend::sim::{Backpressure, MemStats, MemTiming, SimDevice};
use host_driver::driver::{Driver, RingConfig, TxMeta};
use nicctl::bench_nic::{self, BenchConfig, Direction};
use std::process::Command;

fn seed(default: u64) -> u64 {
    test_support::seed(default)
}

#[test]
fn bench_nic_json_has_one_row_per_direction_with_rates_at_most_line() {
    let out = Command::new(env!("CARGO_BIN_EXE_nicctl"))
        .args([
            "bench",
            "nic",
            "--json",
            "--latency",
            "250ns",
            "--sizes",
            "256",
            "--frames",
            "60",
            "--width",
            "64,512",
        ])
        .output()
        .expect("nicctl runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "nicctl failed: {stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let rows = v.as_array().expect("an array of rows");
    let dirs: Vec<&str> = rows
        .iter()
        .map(|r| r["direction"].as_str().expect("direction is a string"))
        .collect();
    assert_eq!(
        dirs,
        ["tx", "rx", "tx+rx:tx", "tx+rx:rx", "tx", "rx", "tx+rx:tx", "tx+rx:rx"]
    );
    for (k, r) in rows.iter().enumerate() {
        let keys: Vec<&str> = r
            .as_object()
            .expect("a row is an object")
            .keys()
            .map(String::as_str)
            .collect();
        let mut want = [
            "datapath_bits",
            "direction",
            "frame_bytes",
            "dma_latency_ns",
            "gbps",
            "mpps",
            "line_fraction",
        ];
        want.sort();
        let mut got = keys.clone();
        got.sort();
        assert_eq!(got, want, "{r}");
        let bits = if k < 4 { 64.0 } else { 512.0 };
        let line = bits * 0.25; // Gb/s: bits x 250 MHz
        assert_eq!(r["datapath_bits"].as_f64(), Some(bits), "{r}");
        assert_eq!(r["frame_bytes"], 256, "{r}");
        assert_eq!(
            r["dma_latency_ns"], 252,
            "250 ns rounds up to 63 cycles: {r}"
        );
        let gbps = r["gbps"].as_f64().expect("gbps is a number");
        let mpps = r["mpps"].as_f64().expect("mpps is a number");
        let frac = r["line_fraction"]
            .as_f64()
            .expect("line_fraction is a number");
        // A pipelined NIC may reach line rate exactly over the measured window.
        assert!(gbps > 0.0 && gbps <= line + 1e-9, "{r}");
        assert!(frac > 0.0 && frac <= 1.0 + 1e-9, "{r}");
        assert!((gbps / line - frac).abs() < 1e-3, "{r}");
        assert!((mpps * 256.0 * 8.0 / 1e3 - gbps).abs() < 1e-2, "{r}");
    }
}

#[test]
fn the_pipeline_hides_2_us_of_dma_latency_at_1500_bytes_at_both_widths() {
    let cfg = BenchConfig {
        widths: vec![64, 512],
        latencies_ns: vec![8, 2000],
        sizes: vec![1500],
        frames: Some(40),
        directions: vec![Direction::Tx],
        ..BenchConfig::default()
    };
    let rows = bench_nic::run(&cfg, &mut |_| {}).expect("bench runs");
    assert_eq!(rows.len(), 4);
    for (pair, bits) in rows.chunks(2).zip([64, 512]) {
        assert_eq!(pair[0].datapath_bits, bits);
        assert_eq!(pair[0].dma_latency_ns, 8);
        assert_eq!(pair[1].dma_latency_ns, 2000);
        // Descriptors are prefetched and many reads are in flight, so 2 us of latency costs
        // little; the window is short, so allow a few per cent either way.
        let ratio = pair[1].gbps / pair[0].gbps;
        assert!(
            (0.9..=1.03).contains(&ratio),
            "{bits} bits: 2 us {} Gb/s vs 8 ns {} Gb/s",
            pair[1].gbps,
            pair[0].gbps
        );
    }
}

#[test]
fn bad_bench_flags_give_one_clear_line_and_no_panic() {
    for (args, says) in [
        (&["--frames", "0"][..], "--frames must be at least 10"),
        (&["--latency", "abc"][..], "'abc'"),
        (&["--sizes", "64,huge"][..], "'huge' is not a frame size"),
        (&["--sizes", "10"][..], "out of range"),
        (
            &["--profile", "gusty"][..],
            "valid profiles are none, coin, bursty, per-channel",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_nicctl"))
            .args(["bench", "nic"])
            .args(args)
            .output()
            .expect("nicctl runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

/// Frames of mixed sizes out through the MAC loopback and back, checked
/// byte for byte; returns what the harness's memory saw and the profile it ran.
fn loop_frames(seed: u64, bp: Backpressure, frames: usize) -> (MemStats, Backpressure) {
    let mut drv = Driver::open(SimDevice::with_backpressure(seed, bp)).expect("NIC opens");
    drv.set_loopback(true).expect("loopback");
    drv.start(RingConfig {
        tx_entries: 64,
        rx_entries: 64,
        rx_buf_bytes: limits::MAX_FRAME,
        ..RingConfig::default()
    })
    .expect("queues start");
    let sent: Vec<Vec<u8>> = (0..frames)
        .map(|k| {
            let n = 60 + (k * 397) % 1400;
            (0..n).map(|b| (b * 31 + k) as u8).collect()
        })
        .collect();
    let mut got = Vec::new();
    let mut next = 0;
    let mut polls = 0;
    while got.len() < frames {
        while next < frames && drv.tx_space() > 0 {
            drv.queue_tx(&sent[next], &TxMeta::default())
                .expect("queue");
            next += 1;
        }
        drv.flush_tx().expect("doorbell");
        drv.poll(20_000).expect("poll");
        while let Some(f) = drv.receive() {
            got.push(f.data);
        }
        polls += 1;
        assert!(
            polls < 100_000,
            "seed {seed}: stuck at {} of {frames}",
            got.len()
        );
    }
    assert_eq!(got, sent, "seed {seed}: frames differ");
    let errs = drv.device().sim.protocol_errors.clone();
    assert!(errs.is_empty(), "seed {seed}: {errs:?}");
    assert_eq!(drv.nic_error().expect("ERR_CAUSE"), None, "seed {seed}");
    let sim = &drv.device().sim;
    (sim.mem_stats(), sim.backpressure())
}

#[test]
fn every_profile_loops_frames_byte_exact_and_reordering_reaches_the_rtl() {
    let s = seed(3);
    for name in Backpressure::NAMES {
        let bp = Backpressure::by_name(name).expect("named profile");
        let (st, _) = loop_frames(s, bp, 120);
        eprintln!("profile {name}: {st:?}");
        assert!(st.most_reads_outstanding >= 1, "{name}: no reads");
        if bp.mem.reorder {
            assert!(
                st.read_beats_out_of_order > 0,
                "{name}, seed {s}: no read beat came back out of order"
            );
        } else {
            assert_eq!(st.read_beats_out_of_order, 0, "{name}");
            assert_eq!(st.write_responses_out_of_order, 0, "{name}");
        }
    }
}

#[test]
fn a_one_microsecond_memory_with_jitter_and_few_tags_still_loops_frames() {
    let s = seed(4);
    let mem = MemTiming {
        latency_ns: 1000,
        jitter_ns: 500,
        max_reads: 2,
        max_writes: 2,
        reorder: true,
    };
    let (st, bp) = loop_frames(s, Backpressure::bursty().with_mem(mem), 30);
    assert!(st.most_reads_outstanding <= 2, "{st:?}");
    assert!(st.most_writes_outstanding <= 2, "{st:?}");
    assert_eq!(bp.mem, mem);
}
