//! The RSS registers (the Toeplitz key, the indirection table) and the
//! tables `nicctl rss --indir` builds the way `ethtool -X` does (`equal N`,
//! `weight W0 W1 ...`, `default`).

use super::{queue_counts, Driver, DriverError};
use crate::device::Device;
use firmware_model::contract::{limits, reg};
pub use firmware_model::rss::{Indirection, INDIRECTION_LEN};

/// Bytes of the RSS key.
pub const RSS_KEY_LEN: usize = 4 * limits::RSS_KEY_WORDS as usize;

/// Reads the RSS key (RSS_KEY registers).
pub fn read_rss_key<D: Device + ?Sized>(dev: &mut D) -> Result<[u8; RSS_KEY_LEN], DriverError> {
    let mut key = [0u8; RSS_KEY_LEN];
    for (w, chunk) in key.chunks_mut(4).enumerate() {
        let v = dev.read32(reg::RSS_KEY + 4 * w as u32)?;
        chunk.copy_from_slice(&v.to_le_bytes());
    }
    Ok(key)
}

/// Writes the RSS key (RSS_KEY registers). Change it only while the RX queues are idle.
pub fn write_rss_key<D: Device + ?Sized>(
    dev: &mut D,
    key: &[u8; RSS_KEY_LEN],
) -> Result<(), DriverError> {
    for (w, chunk) in key.chunks(4).enumerate() {
        let v = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        dev.write32(reg::RSS_KEY + 4 * w as u32, v)?;
    }
    Ok(())
}

/// Reads the RSS indirection table (RSS_INDIR registers, four entries a word).
pub fn read_rss_indir<D: Device + ?Sized>(dev: &mut D) -> Result<Indirection, DriverError> {
    let mut t = [0u8; INDIRECTION_LEN];
    for (w, chunk) in t.chunks_mut(4).enumerate() {
        let v = dev.read32(reg::RSS_INDIR + 4 * w as u32)?;
        chunk.copy_from_slice(&v.to_le_bytes());
    }
    Ok(t)
}

/// Writes the RSS indirection table and reads it back. Every entry must name
/// one of the NIC's RX queues (QUEUES); nothing is written otherwise. Fails
/// if the NIC does not keep what was written. Change it only while the RX
/// queues are idle.
pub fn write_rss_indir<D: Device + ?Sized>(
    dev: &mut D,
    table: &Indirection,
) -> Result<(), DriverError> {
    let (_, rx) = queue_counts(dev)?;
    check_indir(table, rx)?;
    for (w, chunk) in table.chunks(4).enumerate() {
        let v = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        dev.write32(reg::RSS_INDIR + 4 * w as u32, v)?;
    }
    let back = read_rss_indir(dev)?;
    if let Some(entry) = (0..INDIRECTION_LEN).find(|&i| back[i] != table[i]) {
        return Err(DriverError::RssNotKept {
            entry,
            wrote: table[entry],
            read: back[entry],
        });
    }
    Ok(())
}

/// Every entry of `table` is below `queues`.
pub fn check_indir(table: &Indirection, queues: u32) -> Result<(), DriverError> {
    match table.iter().position(|&q| u32::from(q) >= queues) {
        Some(entry) => Err(DriverError::RssQueue {
            entry,
            queue: table[entry],
            queues,
        }),
        None => Ok(()),
    }
}

/// The driver's default table over `queues` RX queues, ethtool's: entry `i`
/// is `i % queues` (all 0 for one queue).
pub fn default_indir(queues: u32) -> Indirection {
    firmware_model::rss::round_robin(queues.clamp(1, 255) as u8)
}

impl<D: Device> Driver<D> {
    /// Sets the RSS indirection table (like `ethtool -X`) and keeps it:
    /// `start` then leaves it as it is instead of programming the default.
    /// Every entry must name an RX queue the NIC has, and once started one
    /// in use. Call it before `start` or while the RX queues are idle.
    pub fn set_rss_indir(&mut self, table: &Indirection) -> Result<(), DriverError> {
        if !self.rx.is_empty() {
            check_indir(table, self.rx_queues())?;
        }
        write_rss_indir(&mut self.dev, table)?;
        self.rss_indir = Some(*table);
        Ok(())
    }

    /// Forgets a table set with [`set_rss_indir`](Self::set_rss_indir): the
    /// next `start` programs the default again (`ethtool -X default`).
    pub fn clear_rss_indir(&mut self) {
        self.rss_indir = None;
    }

    /// The RSS indirection table as the NIC holds it.
    pub fn rss_indir(&mut self) -> Result<Indirection, DriverError> {
        read_rss_indir(&mut self.dev)
    }
}
