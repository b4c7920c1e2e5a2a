//! Interrupts: waiting for the NIC, acknowledging it and collecting what it completed; the
//! NIC's sticky report of malformed use (ERR_CAUSE, ERR_INFO).

use super::{Driver, DriverError};
use crate::device::Device;
use firmware_model::contract::{describe_err_info, err, irq, reg};
use std::fmt;

/// What the NIC reported as malformed use: the ERR_CAUSE bits and ERR_INFO (where the first
/// one happened).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NicFault {
    pub cause: u32,
    pub info: u32,
}

impl NicFault {
    /// The contract's names of the cause bits.
    pub fn names(&self) -> Vec<&'static str> {
        err::names(self.cause)
    }

    /// Where the first error happened, as the contract describes ERR_INFO.
    pub fn location(&self) -> Option<String> {
        describe_err_info(self.info)
    }
}

impl fmt::Display for NicFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self
            .location()
            .unwrap_or_else(|| "no location recorded".into());
        write!(f, "{} ({at})", self.names().join("|"))
    }
}

impl<D: Device> Driver<D> {
    /// Waits up to `timeout_ns` for the NIC to interrupt, acknowledges it and
    /// collects completions of every queue. Returns false on timeout. Fails
    /// if the NIC reports malformed use.
    pub fn poll(&mut self, timeout_ns: u64) -> Result<bool, DriverError> {
        let fired = self.dev.wait_irq(timeout_ns)?;
        let cause = self.dev.read32(reg::IRQ_CAUSE)?;
        if cause != 0 {
            self.dev.write32(reg::IRQ_CAUSE, cause)?;
        }
        self.reap_tx()?;
        self.reap_rx()?;
        if cause & irq::ERROR != 0 {
            if let Some(f) = self.nic_error()? {
                return Err(DriverError::Nic(f));
            }
        }
        Ok(fired)
    }

    /// The NIC's malformed-use report, if any.
    pub fn nic_error(&mut self) -> Result<Option<NicFault>, DriverError> {
        let cause = self.dev.read32(reg::ERR_CAUSE)?;
        if cause == 0 {
            return Ok(None);
        }
        let info = self.dev.read32(reg::ERR_INFO)?;
        Ok(Some(NicFault { cause, info }))
    }

    /// Clears the NIC's sticky error report.
    pub fn clear_errors(&mut self) -> Result<(), DriverError> {
        let cause = self.dev.read32(reg::ERR_CAUSE)?;
        Ok(self.dev.write32(reg::ERR_CAUSE, cause)?)
    }
}
