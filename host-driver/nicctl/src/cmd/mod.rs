//! One file per subcommand; this module holds what several of them share (the imports they all
//! take with `use super::*`, and the saved-state helpers).

pub(crate) mod bench;
pub(crate) mod caps;
pub(crate) mod demo;
pub(crate) mod features;
pub(crate) mod regs;
pub(crate) mod rss;
pub(crate) mod selftest;
pub(crate) mod serve;
pub(crate) mod stats;

pub(crate) use anyhow::{Context, Result};
pub(crate) use firmware_model::contract;
pub(crate) use host_driver::device::{Device, DeviceSpec};
pub(crate) use host_driver::driver::{self, read_stats, Driver, FEATURES};
pub(crate) use host_driver::selftest::{Loopback, SelftestConfig};
pub(crate) use nicctl::bench_nic::{self, BenchConfig, BenchRow};
pub(crate) use nicctl::demo::{DemoConfig, OffloadMode};
pub(crate) use nicctl::serve::{App, ServeConfig};
pub(crate) use nicctl::state::{self, DeviceState};
pub(crate) use serde_json::json;
pub(crate) use std::process::ExitCode;

/// The device's switches as its registers hold them now, with the RSS key
/// and indirection table recorded for it (a key never set is the reset key,
/// a table never set the driver's default; neither is recorded).
pub(crate) fn current_state(dev: &mut dyn Device, spec: &DeviceSpec) -> Result<DeviceState> {
    let saved = state::load(spec)?;
    Ok(DeviceState {
        features: dev.read32(contract::reg::FEATURES)?,
        loopback: dev.read32(contract::reg::CTRL)? & contract::ctrl::LOOPBACK != 0,
        rss_key: saved.as_ref().and_then(|s| s.rss_key.clone()),
        rss_indir: saved.and_then(|s| s.rss_indir),
    })
}

/// A device `nicctl` creates anew in every run (its registers start at reset).
pub(crate) fn simulated(spec: &DeviceSpec) -> bool {
    matches!(spec, DeviceSpec::Sim | DeviceSpec::Model)
}

/// Writes a saved state into a device's registers.
pub(crate) fn apply_state(dev: &mut dyn Device, st: &DeviceState) -> Result<()> {
    if let Some(k) = &st.rss_key {
        let key = nicctl::rss_spec::parse_rss_key(k)
            .map_err(|e| anyhow::anyhow!("saved device state: {e} (delete the file to reset)"))?;
        driver::write_rss_key(dev, &key)?;
    }
    if let Some(t) = st.indir()? {
        driver::write_rss_indir(dev, &t)
            .map_err(|e| anyhow::anyhow!("saved device state: {e} (delete the file to reset)"))?;
    }
    dev.write32(contract::reg::FEATURES, st.features)?;
    let ctrl = dev.read32(contract::reg::CTRL)? & !contract::ctrl::RESET;
    let ctrl = if st.loopback {
        ctrl | contract::ctrl::LOOPBACK
    } else {
        ctrl & !contract::ctrl::LOOPBACK
    };
    dev.write32(contract::reg::CTRL, ctrl)?;
    Ok(())
}
