//! `nicctl features` as a user runs it, on sim and model: switching the checksum offloads off and
//! on shows in `caps` and in `selftest`'s counters while traffic still verifies byte for byte; an
//! offload the NIC lacks is refused as `[fixed]`. (The offloads themselves, through the driver:
//! host-driver/tests/checksum_offload.rs.)

mod common;

#[test]
fn nicctl_switches_checksum_offloads_and_traffic_still_verifies() {
    let dir = std::env::temp_dir().join(format!("nicctl-state-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for device in ["sim", "model"] {
        let (ok, caps, _) = common::nicctl(&dir, &["caps", "--device", device]);
        assert!(
            ok && caps.contains("\nrx-checksumming: on\n")
                && caps.contains("\ntx-checksum-ip-generic: on\n"),
            "{caps}"
        );
        for feature in ["tx-checksum-ip-generic", "rx-checksumming"] {
            let (ok, out, err) =
                common::nicctl(&dir, &["features", "--device", device, feature, "off"]);
            assert!(ok, "{err}");
            assert!(out.contains(&format!("\n{feature}: off\n")), "{out}");
            let (_, caps, _) = common::nicctl(&dir, &["caps", "--device", device]);
            assert!(
                caps.contains(&format!("\n{feature}: off\n")),
                "{device}: caps after switching {feature} off: {caps}"
            );
            let (ok, out, err) = common::nicctl(
                &dir,
                &["selftest", "--device", device, "--frames", "300", "--json"],
            );
            assert!(ok, "{device} with {feature} off: {out}{err}");
            let v: serde_json::Value = serde_json::from_str(&out).unwrap();
            assert_eq!(v["frames_verified"], 300);
            if feature == "tx-checksum-ip-generic" {
                assert_eq!(v["tx_csum_offloaded"], 0);
                assert!(v["tx_csum_software"].as_u64().unwrap() > 100, "{v}");
            }
        }
        // Both off: everything in software, still byte-exact.
        let (_, out, _) = common::nicctl(
            &dir,
            &["selftest", "--device", device, "--frames", "300", "--json"],
        );
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["rx_csum_verified_by_nic"], 0, "{v}");
        assert!(
            v["rx_csum_verified_in_software"].as_u64().unwrap() > 100,
            "{v}"
        );
        let (ok, _, err) = common::nicctl(
            &dir,
            &[
                "features",
                "--device",
                device,
                "tx-checksum-ip-generic",
                "on",
                "rx-checksumming",
                "on",
            ],
        );
        assert!(ok, "{err}");
        let (_, out, _) = common::nicctl(
            &dir,
            &["selftest", "--device", device, "--frames", "300", "--json"],
        );
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert!(v["tx_csum_offloaded"].as_u64().unwrap() > 100, "{v}");
        assert!(v["rx_csum_verified_by_nic"].as_u64().unwrap() > 100, "{v}");
    }
    let (ok, _, err) = common::nicctl(
        &dir,
        &[
            "features",
            "--device",
            "model",
            "large-receive-offload",
            "on",
        ],
    );
    assert!(
        !ok && err.contains("large-receive-offload is not supported") && err.contains("[fixed]"),
        "{err}"
    );
    let (ok, _, err) = common::nicctl(&dir, &["features", "--device", "model", "rx-checksumming"]);
    assert!(!ok && err.contains("has no on|off"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
