//! `nicctl selftest` (like `ethtool -t`): random frames through a loopback, checked byte for byte.

use super::*;
use nicctl::cli::{LoopbackArg, SelftestArgs};

pub(crate) fn selftest(
    dev: Box<dyn Device>,
    spec: &DeviceSpec,
    saved: Option<DeviceState>,
    a: &SelftestArgs,
    json: bool,
) -> Result<ExitCode> {
    anyhow::ensure!(a.frames > 0, "--frames must be at least 1");
    anyhow::ensure!(
        (1..=contract::limits::MAX_FRAME as usize).contains(&a.min_len)
            && a.min_len <= a.max_len
            && a.max_len <= contract::limits::MAX_FRAME as usize,
        "frame sizes must satisfy 1 <= --min-len <= --max-len <= {}",
        contract::limits::MAX_FRAME
    );
    let cfg = SelftestConfig {
        frames: a.frames,
        min_len: a.min_len,
        max_len: a.max_len,
        seed: a.seed,
        loopback: match (a.loopback, a.fault_corrupt_frame) {
            (_, Some(_)) | (LoopbackArg::Wire, _) => Loopback::Wire,
            (LoopbackArg::Mac, None) => Loopback::Mac,
        },
        corrupt_frame: a.fault_corrupt_frame,
        queues: a.queues.or(a.fault_corrupt_frame.map(|_| 1)),
    };
    let mut drv = Driver::open(dev).with_context(|| format!("cannot bring up {spec}"))?;
    if let Some(st) = saved {
        // Bringing the NIC up reset it: put the recorded switches back.
        drv.set_features(st.features, !st.features)?;
        if let Some(k) = &st.rss_key {
            let key = nicctl::rss_spec::parse_rss_key(k).map_err(anyhow::Error::msg)?;
            driver::write_rss_key(drv.device().as_mut(), &key)?;
        }
        if let Some(t) = st.indir()? {
            drv.set_rss_indir(&t)?;
        }
    }
    let r = host_driver::selftest::run(&mut drv, &cfg)
        .with_context(|| format!("selftest on {spec} stopped"))?;
    let loopback = match cfg.loopback {
        Loopback::Mac => "mac",
        Loopback::Wire => "wire",
    };
    if json {
        let v = json!({
            "device": spec.to_string(), "result": if r.passed() { "PASS" } else { "FAIL" },
            "frames_sent": r.frames_sent, "frames_verified": r.frames_ok, "bytes": r.bytes,
            "device_ns": r.device_ns, "seed": cfg.seed, "loopback": loopback,
            "failures": r.failures, "first_failure": r.first_failure,
            "tx_csum_offloaded": r.tx_csum_hw, "tx_csum_software": r.tx_csum_sw,
            "rx_csum_verified_by_nic": r.rx_csum_hw, "rx_csum_verified_in_software": r.rx_csum_sw,
            "rx_queue_frames": r.rx_queue_frames,
        });
        say!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        say!(
            "The test result is {}",
            if r.passed() { "PASS" } else { "FAIL" }
        );
        say!("The test extra info:");
        say!("device               {}", drv.device().describe());
        say!("loopback             {loopback}");
        say!("seed                 {}", cfg.seed);
        say!("frames sent          {}", r.frames_sent);
        say!("frames verified      {}", r.frames_ok);
        say!("bytes verified       {}", r.bytes);
        say!("device time          {:.3} ms", r.device_ns as f64 / 1e6);
        say!(
            "tx checksums         {} by the NIC, {} in software",
            r.tx_csum_hw,
            r.tx_csum_sw
        );
        say!(
            "rx checksums         {} verified by the NIC, {} in software",
            r.rx_csum_hw,
            r.rx_csum_sw
        );
        let per_queue: Vec<String> = r
            .rx_queue_frames
            .iter()
            .enumerate()
            .map(|(q, n)| format!("{q}: {n}"))
            .collect();
        say!("frames per rx queue  {}", per_queue.join(", "));
        if let Some(f) = &r.first_failure {
            say!("failures             {}", r.failures);
            eprintln!("nicctl: selftest failed: {f}");
        }
    }
    Ok(if r.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
