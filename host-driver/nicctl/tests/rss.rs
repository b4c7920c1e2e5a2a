//! `nicctl rss` as a user runs it, on sim and model: it shows and sets the RSS key the way
//! `ethtool -x/-X hkey` does, `--indir equal N / weight ... / default` steer `nicctl selftest`
//! traffic where they say, bad input is one clear error line, and `selftest --queues` picks how
//! many queue pairs carry the traffic. (RSS itself, through the driver: host-driver/tests/rss.rs
//! and host-driver/tests/queues.rs.)

mod common;

use firmware_model::contract::limits;
use firmware_model::rss;
use host_driver::driver;

#[test]
fn nicctl_rss_shows_and_sets_the_key_on_sim_and_model() {
    let state = std::env::temp_dir().join(format!("nicctl-rss-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state);
    let key: String = (1..=40u8)
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":");
    let mut shown = Vec::new();
    for dev in ["sim", "model"] {
        let (ok, out, err) = common::nicctl(&state, &["rss", "--device", dev, "--json"]);
        assert!(ok, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            v["key"],
            nicctl::rss_spec::format_rss_key(&rss::VERIFICATION_KEY),
            "{v}"
        );
        assert_eq!(v["hash_function"], "toeplitz");
        let (ok, _, err) = common::nicctl(&state, &["rss", "--device", dev, "--key", &key]);
        assert!(ok, "{err}");
        // Kept for the next run, as a real NIC keeps it in its registers.
        let (ok, out, err) = common::nicctl(&state, &["rss", "--device", dev, "--json"]);
        assert!(ok, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["key"], key.as_str(), "{v}");
        shown.push(out);
    }
    // Sim and model agree on everything but their queue counts (and so the
    // default table).
    let strip = |s: &str| {
        let mut v: serde_json::Value = serde_json::from_str(s).unwrap();
        for k in ["rx_queues", "indir"] {
            v.as_object_mut().unwrap().remove(k);
        }
        v
    };
    assert_eq!(strip(&shown[0]), strip(&shown[1]), "sim and model agree");
    for bad in ["zz", "01:02", &format!("{key}:29")] {
        let (ok, _, err) = common::nicctl(&state, &["rss", "--device", "model", "--key", bad]);
        assert!(!ok, "--key {bad} accepted");
        assert!(err.contains("not an RSS key"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let _ = std::fs::remove_dir_all(&state);
}

/// `nicctl rss --json` on `dev`: (RX queues, table, default?).
fn shown(state: &std::path::Path, dev: &str) -> (u32, Vec<u8>, bool) {
    let (ok, out, err) = common::nicctl(state, &["rss", "--device", dev, "--json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let table: Vec<u8> = v["indir"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_u64().unwrap() as u8)
        .collect();
    assert_eq!(table.len(), driver::INDIRECTION_LEN, "{v}");
    (
        v["rx_queues"].as_u64().unwrap() as u32,
        table,
        v["indir_default"].as_bool().unwrap(),
    )
}

/// `nicctl selftest --json` on `dev`: frames received per RX queue.
fn selftest_queues(state: &std::path::Path, dev: &str) -> Vec<u64> {
    let (ok, out, err) = common::nicctl(
        state,
        &["selftest", "--device", dev, "--frames", "400", "--json"],
    );
    assert!(ok, "{dev}: {out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["frames_verified"], 400, "{v}");
    v["rx_queue_frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect()
}

#[test]
fn nicctl_rss_indir_equal_weight_default_steer_the_traffic() {
    let state = std::env::temp_dir().join(format!("nicctl-indir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state);
    for dev in ["model", "sim"] {
        // Both have the contract's default build of queue pairs.
        let min_queues = limits::NUM_RXQ;
        let (n, table, default) = shown(&state, dev);
        assert!(n >= min_queues, "{dev}: {n} RX queues");
        assert!(default, "{dev}");
        assert_eq!(table, driver::default_indir(n).to_vec(), "{dev}");
        // The text form: ethtool -x's rows of eight.
        let (ok, out, _) = common::nicctl(&state, &["rss", "--device", dev]);
        assert!(ok);
        assert!(
            out.starts_with("RX flow hash indirection table for ")
                && out.contains(&format!("with {n} RX ring(s):\n"))
                && out.contains("\n  120: "),
            "{out}"
        );

        // equal N: only queues 0..N-1 get traffic.
        let eq = n.min(4);
        let (ok, _, err) = common::nicctl(
            &state,
            &["rss", "--device", dev, "--indir", "equal", &eq.to_string()],
        );
        assert!(ok, "{dev}: {err}");
        let (_, table, default) = shown(&state, dev);
        assert!(!default, "{dev}");
        assert_eq!(table, driver::default_indir(eq).to_vec(), "{dev}");
        let per = selftest_queues(&state, dev);
        eprintln!("{dev}: equal {eq}: {per:?}");
        assert_eq!(per.len(), n as usize, "{dev}");
        assert!(per[..eq as usize].iter().all(|&c| c > 0), "{dev}: {per:?}");
        assert!(per[eq as usize..].iter().all(|&c| c == 0), "{dev}: {per:?}");

        // weight: in proportion, weight-0 queues get nothing.
        if n >= 3 {
            let (ok, _, err) = common::nicctl(
                &state,
                &["rss", "--device", dev, "--indir", "weight", "1", "0", "3"],
            );
            assert!(ok, "{dev}: {err}");
            let (_, table, _) = shown(&state, dev);
            let share = |q| table.iter().filter(|&&e| e == q).count();
            assert_eq!((share(0), share(1), share(2)), (32, 0, 96), "{dev}");
            let per = selftest_queues(&state, dev);
            eprintln!("{dev}: weight 1 0 3: {per:?}");
            assert!(per[0] > 0 && per[2] > 0, "{dev}: {per:?}");
            assert_eq!(per.iter().sum::<u64>(), per[0] + per[2], "{dev}: {per:?}");
        }

        // default: round robin over every queue again, and not recorded.
        let (ok, _, err) = common::nicctl(&state, &["rss", "--device", dev, "--indir", "default"]);
        assert!(ok, "{dev}: {err}");
        let (_, table, default) = shown(&state, dev);
        assert!(default, "{dev}");
        assert_eq!(table, driver::default_indir(n).to_vec(), "{dev}");
        let per = selftest_queues(&state, dev);
        assert!(per.iter().all(|&c| c > 0), "{dev}: {per:?}");
    }
    let _ = std::fs::remove_dir_all(&state);
}

#[test]
fn bad_indir_input_is_one_clear_error_line() {
    let state = std::env::temp_dir().join(format!("nicctl-bad-indir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state);
    let nine = ["weight", "1", "1", "1", "1", "1", "1", "1", "1", "1"];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec![], "--indir needs"),
        (vec!["equal", "0"], "at least 1"),
        (vec!["equal", "9"], "only 8 RX queue(s)"),
        (vec!["equal"], "needs the number"),
        (vec!["equal", "four"], "not a whole number"),
        (vec!["equal", "2", "3"], "takes one number"),
        (vec!["weight"], "one weight per queue"),
        (vec!["weight", "0", "0"], "all 0"),
        (vec!["weight", "1", "-1"], "'-1' is not a whole number"),
        (vec!["weight", "1", "x"], "'x' is not a whole number"),
        (nine.to_vec(), "9 weights"),
        (vec!["default", "2"], "takes nothing"),
        (vec!["spread", "4"], "unknown word 'spread'"),
    ];
    for (words, says) in &cases {
        let mut args = vec!["rss", "--device", "model", "--indir"];
        args.extend(words);
        let (ok, out, err) = common::nicctl(&state, &args);
        assert!(!ok, "{args:?} accepted: {out}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("nicctl: ") && err.contains(says),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    // Nothing changed, nothing recorded.
    let (n, table, default) = shown(&state, "model");
    assert!(default && table == driver::default_indir(n).to_vec());
    // A queue the NIC does not have, whatever its count.
    let (n, _, _) = shown(&state, "sim");
    let too_many = (n + 1).to_string();
    let (ok, _, err) = common::nicctl(
        &state,
        &["rss", "--device", "sim", "--indir", "equal", &too_many],
    );
    assert!(!ok && err.lines().count() == 1, "{err}");
    assert!(err.contains(&format!("only {n} RX queue(s)")), "{err}");
    // The exit code is non-zero, not a clap usage error (2) or a panic (101).
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nicctl"))
        .args(["rss", "--device", "model", "--indir", "equal", "0"])
        .env("NICCTL_STATE_DIR", &state)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let _ = std::fs::remove_dir_all(&state);
}

#[test]
fn nicctl_selftest_queues_picks_how_many_queue_pairs() {
    let state = std::env::temp_dir().join(format!("nicctl-st-queues-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state);
    for (queues, used) in [("1", 1), ("2", 2)] {
        let (ok, out, err) = common::nicctl(
            &state,
            &[
                "selftest", "--device", "model", "--frames", "200", "--queues", queues, "--json",
            ],
        );
        assert!(ok, "--queues {queues}: {out}{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let per = v["rx_queue_frames"].as_array().unwrap();
        assert_eq!(per.len(), used, "{v}");
        assert!(per.iter().all(|n| n.as_u64().unwrap() > 0), "{v}");
    }
    for bad in ["0", "9"] {
        let (ok, _, err) =
            common::nicctl(&state, &["selftest", "--device", "model", "--queues", bad]);
        assert!(!ok && err.lines().count() == 1, "{err}");
        assert!(err.contains(&format!("cannot use {bad} queue(s)")), "{err}");
    }
    let _ = std::fs::remove_dir_all(&state);
}
