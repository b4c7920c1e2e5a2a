//! The NIC's counters: the global statistics block and each queue's own
//! FRAMES, BYTES, ERRORS and DROPPED registers.

use super::{queue_counts, Driver, DriverError};
use crate::device::Device;
use firmware_model::contract::{limits, qreg, rxq, txq};

/// Counters read from the NIC.
pub type Stats = Vec<(&'static str, u64)>;

/// Reads every statistics counter (lower word first, which latches the upper).
pub fn read_stats<D: Device + ?Sized>(dev: &mut D) -> Result<Stats, DriverError> {
    let mut out = Vec::new();
    for it in firmware_model::contract::STATS.items {
        let off = it.value as u32;
        let lo = dev.read32(off)? as u64;
        let hi = dev.read32(off + 4)? as u64;
        out.push((it.name, hi << 32 | lo));
    }
    debug_assert_eq!(out.len(), limits::NUM_STATS as usize);
    Ok(out)
}

/// One queue's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueCounters {
    /// TX: frames sent whole; RX: frames delivered without error.
    pub frames: u64,
    /// Bytes of those frames.
    pub bytes: u64,
    /// Completions written with an error (32 bits, wraps).
    pub errors: u32,
    /// RX: frames RSS chose this queue for while it was disabled or halted
    /// (32 bits, wraps). TX: 0.
    pub dropped: u32,
}

/// The counters of every queue the NIC has, TX and RX, by queue number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueStats {
    pub tx: Vec<QueueCounters>,
    pub rx: Vec<QueueCounters>,
}

impl QueueStats {
    /// Every counter under its `ethtool -S` style name (`tx_queue_3_frames`,
    /// `rx_queue_3_dropped`, ...): TX queues first, then RX, each queue's four
    /// counters together.
    pub fn named(&self) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        for (dir, queues) in [("tx", &self.tx), ("rx", &self.rx)] {
            for (n, c) in queues.iter().enumerate() {
                out.push((format!("{dir}_queue_{n}_frames"), c.frames));
                out.push((format!("{dir}_queue_{n}_bytes"), c.bytes));
                out.push((format!("{dir}_queue_{n}_errors"), u64::from(c.errors)));
                out.push((format!("{dir}_queue_{n}_dropped"), u64::from(c.dropped)));
            }
        }
        out
    }

    /// The sum over `queues` (`self.tx` or `self.rx`), counter by counter
    /// (errors and dropped added up in 64 bits).
    pub fn sum(queues: &[QueueCounters]) -> (u64, u64, u64, u64) {
        queues.iter().fold((0, 0, 0, 0), |(f, b, e, d), c| {
            (
                f + c.frames,
                b + c.bytes,
                e + u64::from(c.errors),
                d + u64::from(c.dropped),
            )
        })
    }
}

/// Reads the counters of every queue QUEUES reports.
pub fn read_queue_stats<D: Device + ?Sized>(dev: &mut D) -> Result<QueueStats, DriverError> {
    let (tx, rx) = queue_counts(dev)?;
    let mut s = QueueStats::default();
    for n in 0..tx {
        s.tx.push(read_queue(dev, |r| txq(n, r))?);
    }
    for n in 0..rx {
        s.rx.push(read_queue(dev, |r| rxq(n, r))?);
    }
    Ok(s)
}

/// One queue's counters; `at` maps a queue register to its BAR0 offset.
fn read_queue<D: Device + ?Sized>(
    dev: &mut D,
    at: impl Fn(u32) -> u32,
) -> Result<QueueCounters, DriverError> {
    let mut wide = |lo: u32, hi: u32| -> Result<u64, DriverError> {
        // The low word first: reading it latches the high word.
        let l = dev.read32(at(lo))? as u64;
        let h = dev.read32(at(hi))? as u64;
        Ok(h << 32 | l)
    };
    let frames = wide(qreg::FRAMES_LO, qreg::FRAMES_HI)?;
    let bytes = wide(qreg::BYTES_LO, qreg::BYTES_HI)?;
    Ok(QueueCounters {
        frames,
        bytes,
        errors: dev.read32(at(qreg::ERRORS))?,
        dropped: dev.read32(at(qreg::DROPPED))?,
    })
}

impl<D: Device> Driver<D> {
    /// Every statistics counter, in contract order.
    pub fn stats(&mut self) -> Result<Stats, DriverError> {
        read_stats(&mut self.dev)
    }

    /// The counters of every queue the NIC has (in use or not).
    pub fn queue_stats(&mut self) -> Result<QueueStats, DriverError> {
        read_queue_stats(&mut self.dev)
    }
}
