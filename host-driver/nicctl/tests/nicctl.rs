//! nicctl as a user runs it: the binary, its exit code and what it prints.

mod common;

use std::process::Output;

fn nicctl(args: &[&str]) -> Output {
    let state = std::env::temp_dir().join(format!("nicctl-cli-test-{}", std::process::id()));
    common::run(&state, args)
}

use common::text;

#[test]
fn caps_json_is_identical_on_sim_and_model() {
    let sim = nicctl(&["caps", "--device", "sim", "--json"]);
    let model = nicctl(&["caps", "--device", "model", "--json"]);
    assert!(
        sim.status.success() && model.status.success(),
        "{}{}",
        text(&sim.stderr),
        text(&model.stderr)
    );
    assert_eq!(text(&sim.stdout), text(&model.stdout));
    let v: serde_json::Value = serde_json::from_slice(&sim.stdout).expect("caps --json is JSON");
    let names: Vec<&str> = v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"rx-checksumming") && names.contains(&"tcp-segmentation-offload"),
        "{names:?}"
    );
    // What the NIC has is reported; what it lacks is absent, never faked.
    let present = [
        "rx-checksumming",
        "tx-checksum-ip-generic",
        "receive-hashing",
        "loopback",
    ];
    for f in v["features"].as_array().unwrap() {
        let available = f["available"].as_bool().unwrap();
        assert_eq!(
            available,
            present.contains(&f["name"].as_str().unwrap()),
            "{f}"
        );
    }
}

#[test]
fn caps_text_reads_like_ethtool_k() {
    let out = nicctl(&["caps", "--device", "model"]);
    let s = text(&out.stdout);
    assert!(s.starts_with("Features for model"), "{s}");
    assert!(s.contains("\nrx-checksumming: on\n"), "{s}");
    assert!(
        s.contains("\ntcp-segmentation-offload: off [fixed]\n"),
        "{s}"
    );
    assert!(s.contains("\nloopback: off\n"), "{s}");
}

fn selftest_passes(device: &str, extra: &[&str]) {
    let mut args = vec!["selftest", "--device", device, "--frames", "1000", "--json"];
    args.extend_from_slice(extra);
    let out = nicctl(&args);
    assert!(
        out.status.success(),
        "selftest on {device} failed: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["result"], "PASS");
    assert_eq!(v["frames_verified"], 1000);
}

#[test]
fn selftest_loops_1000_random_frames_byte_exact_on_sim() {
    selftest_passes("sim", &["--stalls", "--seed", "11"]);
}

#[test]
fn selftest_loops_1000_random_frames_byte_exact_on_model() {
    selftest_passes("model", &["--seed", "11"]);
}

#[test]
fn selftest_through_wire_connector_passes_on_sim() {
    selftest_passes("sim", &["--loopback", "wire", "--seed", "5"]);
}

#[test]
fn selftest_names_the_first_corrupted_frame_and_fails() {
    for device in ["sim", "model"] {
        let out = nicctl(&[
            "selftest",
            "--device",
            device,
            "--frames",
            "100",
            "--fault-corrupt-frame",
            "17",
        ]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{device}: {}",
            text(&out.stdout)
        );
        let err = text(&out.stderr);
        assert!(err.contains("frame 17 ("), "{device}: {err}");
        assert!(err.contains("differs"), "{device}: {err}");
        assert!(
            text(&out.stdout).contains("The test result is FAIL"),
            "{device}"
        );
    }
}

#[test]
fn unknown_device_gets_one_line_error_listing_valid_forms() {
    for bad in ["eth0", "vfio:nonsense", "SIM"] {
        let out = nicctl(&["caps", "--device", bad]);
        assert_eq!(out.status.code(), Some(2));
        let err = text(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains(&format!("'{bad}'")) && err.contains("sim, model, vfio:<pci address>"),
            "{err}"
        );
    }
}

#[test]
fn stats_and_regs_print_every_counter_and_register() {
    for (device, queues) in [("sim", None), ("model", Some(8))] {
        let out = nicctl(&["caps", "--device", device, "--json"]);
        let caps: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let (txq, rxq) = (
            caps["tx_queues"].as_u64().unwrap(),
            caps["rx_queues"].as_u64().unwrap(),
        );
        if let Some(n) = queues {
            assert_eq!((txq, rxq), (n, n), "{device}: {caps}");
        }
        let out = nicctl(&["stats", "--device", device, "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        // Twelve globals, four counters per queue.
        let want = 12 + 4 * (txq + rxq) as usize;
        assert_eq!(v.as_object().unwrap().len(), want, "{device}: {v}");
        assert_eq!(v["tx_frames"], 0);
        assert_eq!(v["rx_oversize"], 0);
        let last = rxq - 1;
        assert_eq!(v[format!("rx_queue_{last}_dropped")], 0, "{device}: {v}");
        assert_eq!(
            v[format!("tx_queue_{}_frames", txq - 1)],
            0,
            "{device}: {v}"
        );
        let shown = text(&nicctl(&["stats", "--device", device]).stdout);
        assert!(shown.contains("     rx_queue_0_frames: 0\n"), "{shown}");
        let caps = text(&nicctl(&["caps", "--device", device]).stdout);
        assert!(
            caps.contains(&format!("\nqueues: {txq} TX, {rxq} RX\n")),
            "{caps}"
        );
    }
    let out = nicctl(&["regs", "--device", "model"]);
    let s = text(&out.stdout);
    assert!(s.contains("0x000  ID               0x4e494331"), "{s}");
    assert!(s.contains("RXQ0_HEAD"), "{s}");
}
