//! Host driver for the NIC. The `nicctl` command and its applications (demo, serve, benches) are
//! the `nicctl` crate in `host-driver/nicctl/`, on top of this library.
//!
//! - [`device`]: the `Device` trait every backend implements, and device names.
//! - [`backend`]: `model` (firmware model) and `sim` (RTL in Verilator).
//! - [`irq_event`]: interrupts as pollable eventfds.
//! - [`driver`]: reset, capabilities, rings, transmit, receive, statistics.
//! - [`offload`]: software fallback for offloads the NIC lacks or has off.
//! - [`selftest`]: frames through a loopback, checked byte for byte.
//! - [`stack_port`]: the NIC as a device of the TCP/IP stack (`stack::phy::Device`).

pub mod backend;
pub mod device;
pub mod driver;
pub mod irq_event;
pub mod offload;
pub mod selftest;
pub mod stack_port;

pub use device::{Device, DeviceError, DeviceSpec, Simulated, SimulatedExt};
pub use driver::{Driver, DriverError};

impl<D: Device + ?Sized> Device for Box<D> {
    fn describe(&self) -> String {
        (**self).describe()
    }
    fn read32(&mut self, offset: u32) -> Result<u32, DeviceError> {
        (**self).read32(offset)
    }
    fn write32(&mut self, offset: u32, value: u32) -> Result<(), DeviceError> {
        (**self).write32(offset, value)
    }
    fn dma_alloc(&mut self, len: usize, align: u64) -> Result<device::DmaRegion, DeviceError> {
        (**self).dma_alloc(len, align)
    }
    fn wait_irq(&mut self, timeout_ns: u64) -> Result<bool, DeviceError> {
        (**self).wait_irq(timeout_ns)
    }
    fn wait_queue_irq(&mut self, vectors: u32, timeout_ns: u64) -> Result<u32, DeviceError> {
        (**self).wait_queue_irq(vectors, timeout_ns)
    }
    fn irq_event(&mut self, source: device::IrqSource) -> Result<device::IrqEvent, DeviceError> {
        (**self).irq_event(source)
    }
    fn now_ns(&self) -> u64 {
        (**self).now_ns()
    }
    fn datapath_bits(&self) -> Option<u32> {
        (**self).datapath_bits()
    }
    fn clock_cycles(&self) -> Option<u64> {
        (**self).clock_cycles()
    }
    fn simulated(&mut self) -> Option<&mut dyn device::Simulated> {
        (**self).simulated()
    }
    fn simulated_ref(&self) -> Option<&dyn device::Simulated> {
        (**self).simulated_ref()
    }
}
