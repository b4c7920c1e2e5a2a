//! `nicctl caps` (like `ethtool -k`): the offloads the NIC has and which are on.

use super::*;

pub(crate) fn caps(dev: &mut Box<dyn Device>, json: bool) -> Result<ExitCode> {
    let id = dev.read32(contract::reg::ID)?;
    anyhow::ensure!(
        id == contract::limits::ID_MAGIC,
        "not our NIC: ID reads {id:#010x}"
    );
    let version = dev.read32(contract::reg::VERSION)?;
    let caps = dev.read32(contract::reg::CAPS)?;
    let features = dev.read32(contract::reg::FEATURES)?;
    let ctrl = dev.read32(contract::reg::CTRL)?;
    let max_frame = dev.read32(contract::reg::MAX_FRAME)?;
    let queues = dev.read32(contract::reg::QUEUES)?;
    // Loopback is a control bit, not an offload switch.
    let enabled = |bit: u32| {
        if bit == contract::cap::LOOPBACK {
            ctrl & contract::ctrl::LOOPBACK != 0
        } else {
            features & bit != 0
        }
    };
    if json {
        let list: Vec<_> = FEATURES
            .iter()
            .map(|f| json!({"name": f.name, "available": caps & f.bit != 0, "enabled": enabled(f.bit)}))
            .collect();
        let v = json!({
            "version": format!("{}.{}", version >> 16, version & 0xffff),
            "max_frame": max_frame,
            "tx_queues": queues & 0xff,
            "rx_queues": (queues >> 8) & 0xff,
            "features": list,
        });
        say!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        say!("Features for {}:", dev.describe());
        for f in FEATURES {
            let state = if enabled(f.bit) { "on" } else { "off" };
            let fixed = if caps & f.bit == 0 { " [fixed]" } else { "" };
            say!("{}: {state}{fixed}", f.name);
        }
        say!("queues: {} TX, {} RX", queues & 0xff, (queues >> 8) & 0xff);
    }
    Ok(ExitCode::SUCCESS)
}
