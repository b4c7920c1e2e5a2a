//! `nicctl stats` (like `ethtool -S`).

use super::*;

/// `nicctl stats` (like `ethtool -S`): the global counters, then every
/// queue's (`tx_queue_N_frames`, ..., `rx_queue_N_dropped`).
pub(crate) fn stats(dev: &mut Box<dyn Device>, json: bool) -> Result<ExitCode> {
    let mut rows: Vec<(String, u64)> = read_stats(dev.as_mut())?
        .into_iter()
        .map(|(k, v)| (k.to_lowercase(), v))
        .collect();
    rows.extend(driver::read_queue_stats(dev.as_mut())?.named());
    if json {
        let m: serde_json::Map<_, _> = rows.into_iter().map(|(k, v)| (k, json!(v))).collect();
        say!("{}", serde_json::to_string_pretty(&m)?);
    } else {
        say!("NIC statistics:");
        for (k, v) in rows {
            say!("     {k}: {v}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
