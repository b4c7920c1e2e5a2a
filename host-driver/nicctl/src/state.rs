//! Settings of a simulated device that outlive one `nicctl` run.
//!
//! A real NIC keeps its feature switches in its registers between commands.
//! A `sim` or `model` device is created anew by every `nicctl` invocation, so
//! `nicctl features` records the switches here and every later command
//! applies them after bringing the device up. The same goes for the RSS key
//! and indirection table `nicctl rss` sets. The file lives in
//! `$NICCTL_STATE_DIR`, else `$XDG_RUNTIME_DIR/nicctl`, else `/tmp/nicctl-<uid>`.

use host_driver::device::DeviceSpec;
use std::path::PathBuf;

/// The persisted switches of one device.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeviceState {
    /// FEATURES register value (CAP_* bits).
    pub features: u32,
    /// MAC loopback (CTRL.LOOPBACK).
    pub loopback: bool,
    /// The RSS key set by `nicctl rss --key`, as ethtool prints it; absent: the reset key.
    #[serde(default)]
    pub rss_key: Option<String>,
    /// The RSS indirection table set by `nicctl rss --indir` (128 RX queue
    /// numbers); absent: the driver's default, round robin over every RX queue.
    #[serde(default)]
    pub rss_indir: Option<Vec<u8>>,
}

impl DeviceState {
    /// The recorded indirection table, if one was set and is whole.
    pub fn indir(&self) -> anyhow::Result<Option<host_driver::driver::Indirection>> {
        let Some(t) = &self.rss_indir else {
            return Ok(None);
        };
        let table: host_driver::driver::Indirection = t.as_slice().try_into().map_err(|_| {
            anyhow::anyhow!(
                "saved device state: the RSS indirection table has {} entries, not {} \
                 (delete the file to reset)",
                t.len(),
                host_driver::driver::INDIRECTION_LEN
            )
        })?;
        Ok(Some(table))
    }
}

fn dir() -> PathBuf {
    if let Some(d) = std::env::var_os("NICCTL_STATE_DIR") {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_RUNTIME_DIR") {
        return PathBuf::from(d).join("nicctl");
    }
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    PathBuf::from(format!("/tmp/nicctl-{uid}"))
}

/// Where the state of `spec` is kept.
pub fn path(spec: &DeviceSpec) -> PathBuf {
    dir().join(format!(
        "{}.json",
        spec.to_string().replace([':', '/'], "_")
    ))
}

/// The saved state of `spec`, if `nicctl features` ever changed it.
pub fn load(spec: &DeviceSpec) -> anyhow::Result<Option<DeviceState>> {
    let p = path(spec);
    match std::fs::read_to_string(&p) {
        Ok(s) => {
            let st = serde_json::from_str(&s).map_err(|e| {
                anyhow::anyhow!(
                    "corrupt device state in {}: {e} (delete the file to reset)",
                    p.display()
                )
            })?;
            Ok(Some(st))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", p.display())),
    }
}

/// Records the state of `spec`.
pub fn save(spec: &DeviceSpec, st: &DeviceState) -> anyhow::Result<()> {
    let p = path(spec);
    let d = p.parent().expect("state path has a directory");
    std::fs::create_dir_all(d)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", d.display()))?;
    std::fs::write(&p, serde_json::to_string(st)?)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", p.display()))
}
