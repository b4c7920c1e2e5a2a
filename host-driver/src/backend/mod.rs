//! Device backends.

pub mod model;
#[cfg(feature = "sim")]
pub mod sim;

use crate::device::{Device, DeviceError, DeviceSpec};

/// Options for opening a simulated device.
#[derive(Debug, Clone, Copy)]
pub struct SimOptions {
    /// Seed for the sim backend's random stalls.
    pub seed: u64,
    /// Random backpressure on every channel of the sim backend.
    pub stalls: bool,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            seed: 1,
            stalls: false,
        }
    }
}

/// Opens the device named by `spec`.
pub fn open(spec: &DeviceSpec, opts: SimOptions) -> Result<Box<dyn Device>, DeviceError> {
    match spec {
        DeviceSpec::Model => Ok(Box::new(model::ModelDevice::new())),
        #[cfg(feature = "sim")]
        DeviceSpec::Sim => Ok(Box::new(sim::SimDevice::new(opts.seed, opts.stalls))),
        #[cfg(not(feature = "sim"))]
        DeviceSpec::Sim => {
            let _ = opts;
            Err(DeviceError::Unsupported(
                "this nicctl was built without the sim backend (cargo feature `sim`)".into(),
            ))
        }
        DeviceSpec::Vfio(addr) => Err(DeviceError::Unsupported(format!(
            "cannot open vfio:{addr}: the VFIO backend is not part of this build yet; use sim or model"
        ))),
    }
}
