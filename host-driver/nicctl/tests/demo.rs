//! `nicctl demo` as a user runs it: two stacks on two NICs move seeded bytes
//! over TCP through the wire emulator. The same application bytes arrive
//! (SHA-256) whether the NICs are the RTL (`sim`) or the model, and whether
//! the offloads are on or off; the counters show who computed the
//! checksums: the NICs, or the stack in software.

mod common;

use serde_json::Value;
use std::path::PathBuf;
use std::process::Output;

/// The demo's seed: `TEST_SEED` if set, else 1 (`test_support::seed`).
fn seed() -> String {
    test_support::seed(1).to_string()
}

/// A state directory of this test's own, so switches a user saved cannot leak in.
fn state_dir(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("nicctl-demo-test-{}-{tag}", std::process::id()))
}

fn nicctl_in(state: &std::path::Path, args: &[&str]) -> Output {
    common::run(state, args)
}

use common::text;

/// Runs `nicctl demo --json` with `args`; the parsed report.
fn demo_json(tag: &str, args: &[&str]) -> Value {
    let seed = seed();
    let mut full = vec!["demo", "--json", "--seed", &seed];
    full.extend_from_slice(args);
    let out = nicctl_in(&state_dir(tag), &full);
    assert!(
        out.status.success(),
        "nicctl {full:?} failed: {}",
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("demo --json prints one JSON object")
}

fn nic(v: &Value, side: &str, name: &str) -> u64 {
    v["offloads"]["nic"][side][name]
        .as_u64()
        .unwrap_or_else(|| panic!("no NIC counter {side}.{name} in {v}"))
}

fn stack(v: &Value, side: &str, name: &str) -> u64 {
    v["offloads"]["stack"][side][name].as_u64().unwrap_or(0)
}

fn assert_transfer_ok(v: &Value, bytes: u64) {
    assert_bytes_ok(v, bytes);
    let bps = v["throughput_bps"].as_f64().unwrap();
    // Not more than the 10 Gb/s line, and not absurdly slow on a clean wire.
    assert!(bps > 1e9 && bps < 10e9, "throughput {bps} b/s");
}

fn assert_bytes_ok(v: &Value, bytes: u64) {
    assert_eq!(v["bytes"].as_u64(), Some(bytes), "{v}");
    assert_eq!(v["bytes_received"].as_u64(), Some(bytes), "{v}");
    assert_eq!(v["sha256_match"].as_bool(), Some(true), "{v}");
    assert!(v["sim_seconds"].as_f64().unwrap() > 0.0, "{v}");
}

/// Checksums done by the NICs on both sides, none by the stack's software.
fn assert_nics_did_the_checksums(v: &Value) {
    for side in ["sender", "receiver"] {
        assert!(nic(v, side, "tx_csum") > 0, "{side}: {v}");
        assert!(nic(v, side, "rx_csum_good") > 0, "{side}: {v}");
        assert_eq!(stack(v, side, "tx_csum_software"), 0, "{side}: {v}");
        assert_eq!(stack(v, side, "rx_csum_software"), 0, "{side}: {v}");
        assert!(stack(v, side, "tx_csum_offloaded") > 0, "{side}: {v}");
        assert!(stack(v, side, "rx_csum_device") > 0, "{side}: {v}");
    }
}

/// Checksums done by the stack's software on both sides, none by the NICs.
fn assert_software_did_the_checksums(v: &Value) {
    for side in ["sender", "receiver"] {
        assert_eq!(nic(v, side, "tx_csum"), 0, "{side}: {v}");
        assert_eq!(nic(v, side, "rx_csum_good"), 0, "{side}: {v}");
        assert!(stack(v, side, "tx_csum_software") > 0, "{side}: {v}");
        assert!(stack(v, side, "rx_csum_software") > 0, "{side}: {v}");
        assert_eq!(stack(v, side, "tx_csum_offloaded"), 0, "{side}: {v}");
    }
}

#[test]
fn same_bytes_arrive_over_rtl_and_model_nics_with_offloads_on_and_off() {
    let size = "2M";
    let sim = demo_json("sim", &["--device", "sim", "--bytes", size]);
    let model = demo_json("model", &["--device", "model", "--bytes", size]);
    let off = demo_json(
        "off",
        &["--device", "model", "--bytes", size, "--offloads", "off"],
    );
    let sim_off = demo_json(
        "simoff",
        &["--device", "sim", "--bytes", "256K", "--offloads", "off"],
    );
    for v in [&sim, &model, &off] {
        assert_transfer_ok(v, 2 << 20);
    }
    assert_eq!(sim_off["sha256_match"].as_bool(), Some(true), "{sim_off}");
    // One seed, one byte stream: the same digest whatever carried it.
    let digest = sim["sha256_received"].as_str().unwrap();
    assert_eq!(digest.len(), 64);
    assert_eq!(model["sha256_received"].as_str(), Some(digest));
    assert_eq!(off["sha256_received"].as_str(), Some(digest));
    assert_eq!(sim["device"], "sim");
    assert_eq!(model["device"], "model");
    assert_eq!(sim["dma_latency_ns"], 1000, "the default DMA latency");
    assert!(
        model["dma_latency_ns"].is_null(),
        "the model has no memory timing"
    );

    assert_nics_did_the_checksums(&sim);
    assert_nics_did_the_checksums(&model);
    assert_software_did_the_checksums(&off);
    assert_software_did_the_checksums(&sim_off);
    // Every data frame went through the NIC: its counters match the wire's.
    let frames = sim["wire"]["frames_a_to_b"].as_u64().unwrap();
    assert_eq!(nic(&sim, "sender", "tx_frames"), frames);
    assert_eq!(nic(&sim, "receiver", "rx_frames"), frames);
}

#[test]
fn larger_transfer_over_ipv6_on_the_model_is_byte_exact() {
    let v = demo_json("v6", &["--device", "model", "--bytes", "24M", "--ipv6"]);
    assert_transfer_ok(&v, 24 << 20);
    assert_eq!(v["ip"], "ipv6");
    assert_nics_did_the_checksums(&v);
    assert_eq!(v["tcp"]["sender"]["retransmits"].as_u64(), Some(0), "{v}");
}

#[test]
fn a_lossy_wire_costs_retransmissions_but_not_bytes() {
    let v = demo_json(
        "loss",
        &["--device", "model", "--bytes", "4M", "--loss", "0.01"],
    );
    assert_bytes_ok(&v, 4 << 20);
    let lost =
        v["wire"]["lost_a_to_b"].as_u64().unwrap() + v["wire"]["lost_b_to_a"].as_u64().unwrap();
    assert!(lost > 0, "{v}");
    assert!(
        v["tcp"]["sender"]["retransmits"].as_u64().unwrap() > 0,
        "{v}"
    );
}

#[test]
fn switches_saved_by_nicctl_features_are_used_by_the_demo() {
    let state = state_dir("features");
    let out = nicctl_in(
        &state,
        &[
            "features",
            "tx-checksum-ip-generic",
            "off",
            "--device",
            "model",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = nicctl_in(
        &state,
        &["demo", "--json", "--device", "model", "--bytes", "1M"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["sha256_match"].as_bool(), Some(true), "{v}");
    assert_eq!(
        v["features"],
        serde_json::json!(["rx-checksumming", "receive-hashing"]),
        "{v}"
    );
    for side in ["sender", "receiver"] {
        assert_eq!(nic(&v, side, "tx_csum"), 0, "{side}: {v}");
        assert!(stack(&v, side, "tx_csum_software") > 0, "{side}: {v}");
        assert!(nic(&v, side, "rx_csum_good") > 0, "{side}: {v}");
    }
    let _ = std::fs::remove_dir_all(state);
}

#[test]
fn text_report_names_digests_throughput_and_counters() {
    let out = nicctl_in(
        &state_dir("text"),
        &["demo", "--device", "model", "--bytes", "512K"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    for want in [
        "bytes              524288 sent, 524288 received",
        "(match)",
        "throughput",
        "simulated time",
        "wall time",
        "nic tx_csum",
        "tcp retransmits",
    ] {
        assert!(s.contains(want), "no {want:?} in:\n{s}");
    }
    // Not a terminal: no progress bar on stderr.
    assert!(!text(&out.stderr).contains('['), "{}", text(&out.stderr));
}

#[test]
fn a_one_microsecond_dma_latency_is_used_and_reported_in_text_and_json() {
    let v = demo_json(
        "lat",
        &["--device", "sim", "--bytes", "256K", "--dma-latency", "1us"],
    );
    assert_eq!(v["sha256_match"].as_bool(), Some(true), "{v}");
    assert_eq!(v["dma_latency_ns"], 1000, "{v}");
    let out = nicctl_in(
        &state_dir("lat-text"),
        &["demo", "--bytes", "64K", "--dma-latency", "250ns"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    // 250 ns is not a whole number of 4 ns cycles: the NIC gets 63 cycles.
    assert!(s.contains("dma latency        252 ns"), "{s}");
}

#[test]
fn two_nic_threads_give_the_run_of_one_and_report_the_sim_speed() {
    let args = ["--device", "sim", "--bytes", "256K"];
    let mut one = demo_json("thr1", &[&args[..], &["--nic-threads", "1"]].concat());
    let mut two = demo_json("thr2", &args);
    let cycles = two["nic_cycles"].as_u64().expect("nic_cycles on sim");
    assert!(cycles > 0, "{two}");
    let per_s = two["nic_cycles_per_s"]
        .as_f64()
        .expect("nic_cycles_per_s on sim");
    let wall = two["wall_seconds"].as_f64().unwrap();
    assert!(
        (per_s - cycles as f64 / 2.0 / wall).abs() <= 1e-6 * per_s,
        "{two}"
    );
    // Everything but the wall-clock figures is the same, NIC counters and cycles included.
    for v in [&mut one, &mut two] {
        let o = v.as_object_mut().unwrap();
        o.remove("wall_seconds");
        o.remove("nic_cycles_per_s");
    }
    assert_eq!(one, two);
    // The model has no clock cycles to count.
    let m = demo_json("thr-model", &["--device", "model", "--bytes", "64K"]);
    assert!(
        m["nic_cycles"].is_null() && m["nic_cycles_per_s"].is_null(),
        "{m}"
    );
    let out = nicctl_in(&state_dir("thr-text"), &["demo", "--bytes", "64K"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(
        s.contains("sim speed") && s.contains("M NIC cycles/s per NIC"),
        "{s}"
    );
}

#[test]
fn a_stalled_transfer_fails_with_a_clear_error() {
    // Nearly every frame lost: the connection cannot finish in 50 ms.
    let out = nicctl_in(
        &state_dir("stall"),
        &[
            "demo",
            "--device",
            "model",
            "--bytes",
            "1M",
            "--loss",
            "0.99",
            "--sim-timeout",
            "50ms",
        ],
    );
    assert!(!out.status.success());
    let e = text(&out.stderr);
    assert!(
        e.contains("stalled") && e.contains("of 1048576 bytes"),
        "{e}"
    );
    assert!(!e.contains("panicked"), "{e}");
}

#[test]
fn bad_flags_and_devices_are_refused_without_a_panic() {
    let state = state_dir("bad");
    for (args, want) in [
        (vec!["demo", "--bytes", "12X"], "suffix must be K, M or G"),
        (vec!["demo", "--bytes", "0"], "at least 1"),
        (vec!["demo", "--rate", "fast"], "not a rate"),
        (vec!["demo", "--delay", "3 parsecs"], "unit must be"),
        (vec!["demo", "--offloads", "maybe"], "invalid value"),
        (vec!["demo", "--dma-latency", "abc"], "unit must be"),
        (vec!["demo", "--nic-threads", "3"], "not in 1..=2"),
        (
            vec!["demo", "--dma-latency", "2s"],
            "--dma-latency must be from 1 ns",
        ),
        (
            vec!["demo", "--device", "model", "--loss", "1.5"],
            "--loss must be",
        ),
        (vec!["demo", "--device", "eth0"], "valid forms are"),
        (
            vec!["demo", "--device", "vfio:0000:03:00.0"],
            "use --device sim or --device model",
        ),
    ] {
        let out = nicctl_in(&state, &args);
        let e = text(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(e.contains(want), "{args:?}: {e}");
        assert!(!e.contains("panicked"), "{args:?}: {e}");
    }
}
