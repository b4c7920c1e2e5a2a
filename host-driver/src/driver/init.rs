//! Bring-up: the NIC's identity and contract version, reset with every queue stopped, what it
//! can do, and the switches (offload features, MAC loopback).

use super::{queue_counts, Caps, Driver, DriverError};
use crate::device::Device;
use firmware_model::contract::{ctrl, limits, qreg, reg, rxq, txq};

impl<D: Device> Driver<D> {
    /// Checks the NIC's identity, resets it and reads what it can do.
    pub fn open(mut dev: D) -> Result<Self, DriverError> {
        let id = dev.read32(reg::ID)?;
        if id != limits::ID_MAGIC {
            return Err(DriverError::WrongId { found: id });
        }
        let version = dev.read32(reg::VERSION)?;
        if version >> 16 != limits::VERSION >> 16 {
            return Err(DriverError::WrongVersion {
                major: version >> 16,
                minor: version & 0xffff,
            });
        }
        // Stop every queue before reset, as the contract asks.
        let (tx_queues, rx_queues) = queue_counts(&mut dev)?;
        for n in 0..tx_queues.min(limits::MAX_QUEUES) {
            dev.write32(txq(n, qreg::CTRL), 0)?;
        }
        for n in 0..rx_queues.min(limits::MAX_QUEUES) {
            dev.write32(rxq(n, qreg::CTRL), 0)?;
        }
        dev.write32(reg::CTRL, ctrl::RESET)?;
        let status = dev.read32(reg::STATUS)?;
        if status & firmware_model::contract::status::READY == 0 {
            return Err(DriverError::NotReady(status));
        }
        let (tx_queues, rx_queues) = queue_counts(&mut dev)?;
        let caps = Caps {
            version,
            caps: dev.read32(reg::CAPS)?,
            features: dev.read32(reg::FEATURES)?,
            max_frame: dev.read32(reg::MAX_FRAME)?,
            tx_queues: tx_queues.min(limits::MAX_QUEUES),
            rx_queues: rx_queues.min(limits::MAX_QUEUES),
        };
        Ok(Driver {
            dev,
            caps,
            tx: Vec::new(),
            rx: Vec::new(),
            rx_turn: 0,
            rss_indir: None,
            tx_failures: Vec::new(),
            rx_ready: Default::default(),
            tx_csum_offloaded: 0,
            tx_csum_software: 0,
        })
    }

    /// Switches offloads on or off (`bits` of `cap::*`); returns what the NIC
    /// took, which never includes a bit it lacks.
    pub fn set_features(&mut self, on: u32, off: u32) -> Result<u32, DriverError> {
        let want = (self.caps.features | on) & !off;
        self.dev.write32(reg::FEATURES, want)?;
        self.caps.features = self.dev.read32(reg::FEATURES)?;
        Ok(self.caps.features)
    }

    /// MAC loopback on or off. Call it while the queues are idle.
    pub fn set_loopback(&mut self, on: bool) -> Result<(), DriverError> {
        let c = self.dev.read32(reg::CTRL)? & !ctrl::RESET;
        let c = if on {
            c | ctrl::LOOPBACK
        } else {
            c & !ctrl::LOOPBACK
        };
        Ok(self.dev.write32(reg::CTRL, c)?)
    }
}
