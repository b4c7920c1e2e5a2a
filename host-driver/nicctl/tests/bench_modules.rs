//! `nicctl bench modules` on a tiny run: one JSON array of
//! `{module, config, metric, value}` rows covering the three modules, every
//! config a `key=value` list, the headline figures present and in range.

use std::collections::BTreeSet;
use std::process::Command;

fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_nicctl"))
        .args(args)
        .output()
        .expect("nicctl runs")
}

#[test]
fn bench_modules_json_rows_have_the_documented_keys_and_figures() {
    let out = run(&["bench", "modules", "--json", "--cycles", "300"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "nicctl failed: {stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let rows = v.as_array().expect("an array of rows");
    assert!(!rows.is_empty());
    let mut modules = BTreeSet::new();
    let mut metrics = BTreeSet::new();
    for r in rows {
        let o = r.as_object().expect("a row is an object");
        let mut keys: Vec<&str> = o.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["config", "metric", "module", "value"], "{r}");
        let module = r["module"].as_str().expect("module is a string");
        let config = r["config"].as_str().expect("config is a string");
        let metric = r["metric"].as_str().expect("metric is a string");
        let value = r["value"].as_f64().expect("value is a number");
        assert!(value.is_finite() && value >= 0.0, "{r}");
        for kv in config.split(',') {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            // CSR runs name their traffic first ("reads", "writes", ...)
            assert!(
                !k.is_empty() && (!v.is_empty() || module == "nic_csr"),
                "{r}"
            );
        }
        if metric.ends_with("_per_cycle") {
            assert!(value <= 2.0, "{r}");
        }
        modules.insert(module.to_string());
        metrics.insert((module.to_string(), metric.to_string()));
    }
    assert_eq!(
        modules.into_iter().collect::<Vec<_>>(),
        ["nic_axi_interconnect", "nic_cpl_writer", "nic_csr"]
    );
    for (m, k) in [
        ("nic_axi_interconnect", "r_beats_per_cycle"),
        ("nic_axi_interconnect", "w_beats_per_cycle"),
        ("nic_axi_interconnect", "w_idle_cycles"),
        ("nic_axi_interconnect", "r_share.p3"),
        ("nic_axi_interconnect", "ar_added_cycles"),
        ("nic_axi_interconnect", "r_added_cycles"),
        ("nic_cpl_writer", "completions_per_cycle"),
        ("nic_cpl_writer", "bursts_of_4"),
        ("nic_cpl_writer", "latency_max_cycles"),
        ("nic_csr", "transactions_per_cycle"),
        ("nic_csr", "read_latency_cycles"),
        ("nic_csr", "write_latency_cycles"),
    ] {
        assert!(
            metrics.contains(&(m.to_string(), k.to_string())),
            "no {k} row for {m}"
        );
    }
}

#[test]
fn bench_modules_table_and_a_bad_cycle_count() {
    let out = run(&["bench", "modules", "--cycles", "200"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().expect("a header line");
    for col in ["module", "config", "metric", "value"] {
        assert!(first.contains(col), "{first}");
    }
    let out = run(&["bench", "modules", "--cycles", "5"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("--cycles"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
