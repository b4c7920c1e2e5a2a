//! The one interface the driver uses to reach a NIC: MMIO, DMA memory as mapped regions,
//! interrupts (wait with a timeout, or a pollable event). Backends: `model` (the firmware model), `sim` (the RTL in
//! Verilator); a VFIO backend for the real card implements the same trait.
//! What only a simulated NIC can do is the separate trait [`Simulated`].

pub use crate::irq_event::IrqEvent;
pub use firmware_model::mem::{DmaAddr, DmaRegion};
use firmware_model::mem::{DmaFault, HostMemory, OutOfDmaMemory, RegionOverrun};
use firmware_model::nic::Frame;
use std::fmt;

/// Why a BAR0 access failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MmioFault {
    /// Registers are 32 bits wide at 4-byte aligned offsets.
    Misaligned,
    /// The offset is past BAR0's `size` bytes.
    PastBar0 { size: u32 },
    /// The device gave no response within `cycles` of its clock.
    NoResponse { cycles: u64 },
    /// The device answered with this bus error response (AXI `SLVERR` 2, `DECERR` 3).
    Refused { resp: u8 },
}

impl fmt::Display for MmioFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MmioFault::Misaligned => f.write_str("is not 4-byte aligned"),
            MmioFault::PastBar0 { size } => write!(f, "is past BAR0's {size:#x} bytes"),
            MmioFault::NoResponse { cycles } => {
                write!(f, "got no response within {cycles} cycles")
            }
            MmioFault::Refused { resp } => write!(f, "was answered with error response {resp}"),
        }
    }
}

/// A register access: a read or a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MmioOp {
    Read,
    Write,
}

impl fmt::Display for MmioOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MmioOp::Read => "read",
            MmioOp::Write => "write",
        })
    }
}

/// A backend failure: the device did not answer, or the host asked for
/// something it cannot give.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("BAR0 {op} at offset {offset:#x} {fault}")]
    Mmio {
        op: MmioOp,
        offset: u32,
        fault: MmioFault,
    },
    #[error(transparent)]
    OutOfMemory(#[from] OutOfDmaMemory),
    #[error("host access outside DMA memory: {0}")]
    HostAccess(#[from] DmaFault),
    #[error(transparent)]
    Region(#[from] RegionOverrun),
    /// The device has no such ability (`what` says which, on which device).
    #[error("{0}")]
    Unsupported(String),
    /// A DMA alignment that is not a power of two (0 included).
    #[error("DMA alignment {align} is not a power of two")]
    DmaAlignment { align: u64 },
    /// The operating system refused a call the backend needed (`what`: which, with what).
    #[error("{what}: {source}")]
    Os {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

/// Checks a BAR0 access before a backend makes it: registers are 32 bits wide at 4-byte aligned
/// offsets inside BAR0 (`BAR0_SIZE`). Every backend calls it, so a bad offset is the same error
/// on all of them and never reaches the device.
pub fn check_bar0(op: MmioOp, offset: u32) -> Result<(), DeviceError> {
    use firmware_model::contract::limits::BAR0_SIZE;
    let fault = if !offset.is_multiple_of(4) {
        MmioFault::Misaligned
    } else if offset >= BAR0_SIZE {
        MmioFault::PastBar0 { size: BAR0_SIZE }
    } else {
        return Ok(());
    };
    Err(DeviceError::Mmio { op, offset, fault })
}

/// Checks a DMA allocation's alignment: a power of two (1 for none).
pub fn check_dma_align(align: u64) -> Result<(), DeviceError> {
    if align.is_power_of_two() {
        Ok(())
    } else {
        Err(DeviceError::DmaAlignment { align })
    }
}

/// Which interrupt an [`IrqEvent`] follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IrqSource {
    /// The NIC's interrupt line (IRQ_CAUSE & IRQ_MASK, moderated).
    Line,
    /// Any of these queue vectors (bit n: TX queue n, bit NUM_TXQ + n: RX queue n).
    Vectors(u32),
}

/// A NIC as the driver sees it: what a real card behind VFIO has too.
pub trait Device {
    /// One line naming what this device is.
    fn describe(&self) -> String;
    /// Reads a 32-bit BAR0 register.
    fn read32(&mut self, offset: u32) -> Result<u32, DeviceError>;
    /// Writes a 32-bit BAR0 register.
    fn write32(&mut self, offset: u32, value: u32) -> Result<(), DeviceError>;
    /// Allocates zeroed DMA memory the device can reach, mapped for the host: the region
    /// gives the bus address the device uses and the bytes the CPU reads and writes.
    fn dma_alloc(&mut self, len: usize, align: u64) -> Result<DmaRegion, DeviceError>;
    /// Lets the device run until its interrupt line is high (true) or
    /// `timeout_ns` of device time have passed (false).
    fn wait_irq(&mut self, timeout_ns: u64) -> Result<bool, DeviceError>;
    /// Lets the device run until one of the queue interrupt vectors in `vectors`
    /// (bit n: TX queue n, bit NUM_TXQ + n: RX queue n; QREG IRQ) is high or
    /// `timeout_ns` of device time have passed. Returns the vectors of `vectors`
    /// that are high (0 on timeout).
    fn wait_queue_irq(&mut self, _vectors: u32, _timeout_ns: u64) -> Result<u32, DeviceError> {
        Err(DeviceError::Unsupported(format!(
            "{} has no queue interrupt vectors to wait on",
            self.describe()
        )))
    }
    /// An event a caller can poll (`poll(2)`, epoll, an async reactor) for `source`: its fd
    /// becomes readable each time the interrupt rises, as a VFIO MSI-X eventfd does. On a
    /// simulated device, device time moves only inside this trait's calls, so the event
    /// fires during them (e.g. `wait_irq`), never on its own.
    fn irq_event(&mut self, _source: IrqSource) -> Result<IrqEvent, DeviceError> {
        Err(DeviceError::Unsupported(format!(
            "{} has no pollable interrupt events",
            self.describe()
        )))
    }
    /// The device's time, ns (simulated for sim and model).
    fn now_ns(&self) -> u64;
    /// Width of the NIC's datapath in bits, where the backend knows it (the
    /// RTL's build parameter); the line rate is this times the 250 MHz clock.
    fn datapath_bits(&self) -> Option<u32> {
        None
    }
    /// NIC clock cycles simulated so far, where the backend evaluates the NIC
    /// cycle by cycle (the RTL); `None` for the model and real hardware.
    fn clock_cycles(&self) -> Option<u64> {
        None
    }
    /// What only a simulated device can do (the wire port, the harness's
    /// protocol checks, host memory inspection): `Some` for `sim` and
    /// `model`, `None` for real hardware. Callers use [`SimulatedExt`].
    fn simulated(&mut self) -> Option<&mut dyn Simulated> {
        None
    }

    /// [`Device::simulated`], read-only.
    fn simulated_ref(&self) -> Option<&dyn Simulated> {
        None
    }
}

/// The abilities only a simulated NIC has, kept out of [`Device`] so that a
/// real-hardware backend implements nothing it cannot do.
pub trait Simulated {
    /// Sends a frame into the NIC's MAC RX port from the wire.
    fn wire_send(&mut self, frame: Frame) -> Result<(), DeviceError>;
    /// Takes the next frame the NIC sent on the wire.
    fn wire_recv(&mut self) -> Option<Frame>;
    /// Plugs a loopback connector into the wire port: every frame the NIC
    /// sends comes back into its RX port. `None` unplugs.
    fn set_wire_plug(&mut self, plug: Option<WirePlug>) -> Result<(), DeviceError>;
    /// The whole of host memory (for tests that check nothing was written
    /// outside posted buffers).
    fn host_memory(&self) -> &HostMemory;
    /// Protocol breaches the simulation harness saw on the device's
    /// interfaces (AXI, AXI-Stream rules).
    fn protocol_errors(&self) -> Vec<String>;
}

/// [`Simulated`]'s abilities on any [`Device`]: on a device that is not
/// simulated the wire calls fail with [`DeviceError::Unsupported`] naming
/// it, `wire_recv` and `host_memory` give `None`, `protocol_errors` nothing.
pub trait SimulatedExt {
    fn wire_send(&mut self, frame: Frame) -> Result<(), DeviceError>;
    fn wire_recv(&mut self) -> Option<Frame>;
    fn set_wire_plug(&mut self, plug: Option<WirePlug>) -> Result<(), DeviceError>;
    fn host_memory(&self) -> Option<&HostMemory>;
    fn protocol_errors(&self) -> Vec<String>;
}

impl<D: Device + ?Sized> SimulatedExt for D {
    fn wire_send(&mut self, frame: Frame) -> Result<(), DeviceError> {
        let what = self.describe();
        self.simulated()
            .ok_or_else(|| DeviceError::Unsupported(format!("{what} has no simulated wire")))?
            .wire_send(frame)
    }

    fn wire_recv(&mut self) -> Option<Frame> {
        self.simulated()?.wire_recv()
    }

    fn set_wire_plug(&mut self, plug: Option<WirePlug>) -> Result<(), DeviceError> {
        let what = self.describe();
        self.simulated()
            .ok_or_else(|| DeviceError::Unsupported(format!("{what} has no simulated wire")))?
            .set_wire_plug(plug)
    }

    fn host_memory(&self) -> Option<&HostMemory> {
        Some(self.simulated_ref()?.host_memory())
    }

    fn protocol_errors(&self) -> Vec<String> {
        self.simulated_ref()
            .map_or_else(Vec::new, |s| s.protocol_errors())
    }
}

/// A loopback connector on the wire port. `corrupt_frame` is a test-only
/// fault: that frame (counting from 0) comes back with one byte flipped.
#[derive(Debug, Clone, Default)]
pub struct WirePlug {
    pub corrupt_frame: Option<u64>,
    seen: u64,
}

impl WirePlug {
    pub fn new(corrupt_frame: Option<u64>) -> Self {
        WirePlug {
            corrupt_frame,
            seen: 0,
        }
    }

    /// Passes one frame through the connector.
    pub fn pass(&mut self, mut f: Frame) -> Frame {
        if self.corrupt_frame == Some(self.seen) && !f.data.is_empty() {
            let mid = f.data.len() / 2;
            f.data[mid] ^= 0x5a;
        }
        self.seen += 1;
        f
    }
}

/// Which device to open, as named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceSpec {
    /// The RTL in Verilator.
    Sim,
    /// The firmware model.
    Model,
    /// A real NIC bound to vfio-pci at this PCI address.
    Vfio(String),
}

/// The valid `--device` forms, for error messages.
pub const DEVICE_FORMS: &str = "sim, model, vfio:<pci address> (e.g. vfio:0000:03:00.0)";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown device '{0}': valid forms are {DEVICE_FORMS}")]
pub struct BadDeviceSpec(pub String);

impl std::str::FromStr for DeviceSpec {
    type Err = BadDeviceSpec;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sim" => Ok(DeviceSpec::Sim),
            "model" => Ok(DeviceSpec::Model),
            _ => match s.strip_prefix("vfio:") {
                Some(addr) if is_pci_address(addr) => Ok(DeviceSpec::Vfio(addr.to_string())),
                _ => Err(BadDeviceSpec(s.to_string())),
            },
        }
    }
}

impl fmt::Display for DeviceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceSpec::Sim => f.write_str("sim"),
            DeviceSpec::Model => f.write_str("model"),
            DeviceSpec::Vfio(a) => write!(f, "vfio:{a}"),
        }
    }
}

/// `dddd:bb:dd.f`, hexadecimal.
fn is_pci_address(s: &str) -> bool {
    let b = s.as_bytes();
    let hex = |r: std::ops::Range<usize>| b[r].iter().all(|c| c.is_ascii_hexdigit());
    b.len() == 12
        && b[4] == b':'
        && b[7] == b':'
        && b[10] == b'.'
        && hex(0..4)
        && hex(5..7)
        && hex(8..10)
        && (b'0'..=b'7').contains(&b[11])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_spec_parses_valid_forms_and_names_them_on_error() {
        assert_eq!("sim".parse::<DeviceSpec>().unwrap(), DeviceSpec::Sim);
        assert_eq!("model".parse::<DeviceSpec>().unwrap(), DeviceSpec::Model);
        assert_eq!(
            "vfio:0000:03:00.0".parse::<DeviceSpec>().unwrap(),
            DeviceSpec::Vfio("0000:03:00.0".into())
        );
        for bad in [
            "",
            "SIM",
            "vfio:",
            "vfio:03:00.0",
            "vfio:0000:03:00.9",
            "eth0",
        ] {
            let e = bad.parse::<DeviceSpec>().unwrap_err().to_string();
            assert!(e.contains("valid forms are sim, model, vfio:"), "{e}");
            assert!(e.contains(&format!("'{bad}'")), "{e}");
        }
    }

    #[test]
    fn wire_plug_corrupts_only_the_named_frame() {
        let mut p = WirePlug::new(Some(1));
        let f = Frame {
            data: vec![1, 2, 3, 4],
            bad: false,
        };
        assert_eq!(p.pass(f.clone()), f);
        assert_ne!(p.pass(f.clone()), f);
        assert_eq!(p.pass(f.clone()), f);
    }
}
