//! `nicctl rss` (like `ethtool -x` / `-X`): the RSS key and indirection table.

use super::*;

/// `nicctl rss [--key K] [--indir ...]` (like `ethtool -x` / `-X`): shows
/// the indirection table, hash function and key; `--key` sets the key,
/// `--indir` the table, and both are recorded. Every argument is checked
/// before anything changes.
pub(crate) fn rss(
    dev: &mut Box<dyn Device>,
    spec: &DeviceSpec,
    key: Option<&[u8; driver::RSS_KEY_LEN]>,
    indir: Option<&[String]>,
    json: bool,
) -> Result<ExitCode> {
    let caps = dev.read32(contract::reg::CAPS)?;
    anyhow::ensure!(
        caps & contract::cap::RXHASH != 0,
        "{} has no RSS (receive-hashing is not in its capabilities)",
        dev.describe()
    );
    let (_, queues) = driver::queue_counts(dev.as_mut())?;
    let indir = match indir {
        None => None,
        Some(words) => {
            let how = nicctl::rss_spec::parse_indir(words).map_err(anyhow::Error::msg)?;
            let table = how.table(queues).map_err(anyhow::Error::msg)?;
            Some((how, table))
        }
    };
    let mut st = current_state(dev.as_mut(), spec)?;
    if let Some(k) = key {
        driver::write_rss_key(dev.as_mut(), k)?;
        st.rss_key = Some(nicctl::rss_spec::format_rss_key(k));
    }
    if let Some((how, table)) = &indir {
        driver::write_rss_indir(dev.as_mut(), table)?;
        st.rss_indir = (*how != nicctl::rss_spec::IndirSpec::Default).then(|| table.to_vec());
    }
    if key.is_some() || indir.is_some() {
        state::save(spec, &st)?;
    }
    if st.rss_indir.is_none() && simulated(spec) {
        // Fresh from reset (all 0): show the table the driver programs when
        // it starts the queues.
        driver::write_rss_indir(dev.as_mut(), &driver::default_indir(queues))?;
    }
    let table = driver::read_rss_indir(dev.as_mut())?;
    let k = driver::read_rss_key(dev.as_mut())?;
    let on = dev.read32(contract::reg::FEATURES)? & contract::cap::RXHASH != 0;
    if json {
        say!(
            "{}",
            json!({"hash_function": "toeplitz", "key": nicctl::rss_spec::format_rss_key(&k),
                   "receive_hashing": on, "rx_queues": queues,
                   "indir": table.to_vec(), "indir_default": st.rss_indir.is_none()})
        );
    } else {
        say!(
            "RX flow hash indirection table for {} with {queues} RX ring(s):",
            dev.describe()
        );
        for row in nicctl::rss_spec::format_indir(&table) {
            say!("{row}");
        }
        say!("RSS hash key:");
        say!("{}", nicctl::rss_spec::format_rss_key(&k));
        say!("RSS hash function:");
        say!("    toeplitz: on");
        say!(
            "receive-hashing: {}",
            if on {
                "on (the hash and its type in every RX completion; the table picks the RX queue)"
            } else {
                "off (no hash; every frame to RX queue 0)"
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
