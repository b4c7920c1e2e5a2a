//! `nicctl features NAME on|off` (like `ethtool -K`).

use super::*;

/// `nicctl features NAME on|off ...`: checks every pair before changing
/// anything, applies them, and records the result for later runs.
pub(crate) fn features(
    dev: &mut Box<dyn Device>,
    spec: &DeviceSpec,
    settings: &[String],
) -> Result<()> {
    let names = || {
        FEATURES
            .iter()
            .map(|f| f.name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    anyhow::ensure!(
        settings.len().is_multiple_of(2),
        "features takes pairs of NAME on|off; '{}' has no on|off after it",
        settings.last().map(String::as_str).unwrap_or("")
    );
    let caps = dev.read32(contract::reg::CAPS)?;
    let mut st = current_state(dev.as_mut(), spec)?;
    for pair in settings.chunks(2) {
        let (name, value) = (pair[0].as_str(), pair[1].as_str());
        let f = FEATURES.iter().find(|f| f.name == name).ok_or_else(|| {
            anyhow::anyhow!("unknown feature '{name}': known features are {}", names())
        })?;
        let on = match value {
            "on" => true,
            "off" => false,
            _ => anyhow::bail!("feature {name}: '{value}' is not on or off"),
        };
        anyhow::ensure!(
            caps & f.bit != 0,
            "{name} is not supported by {} [fixed]",
            dev.describe()
        );
        if f.bit == contract::cap::LOOPBACK {
            st.loopback = on;
        } else if on {
            st.features |= f.bit;
        } else {
            st.features &= !f.bit;
        }
    }
    apply_state(dev.as_mut(), &st)?;
    st.features = dev.read32(contract::reg::FEATURES)?;
    state::save(spec, &st)
}
