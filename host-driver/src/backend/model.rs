//! The `model` backend: the firmware model, with host memory of its own.
//! The model does its work instantly; device time moves only while the host
//! waits for an interrupt.

use crate::device::{
    check_bar0, check_dma_align, Device, DeviceError, DmaRegion, IrqEvent, IrqSource, MmioOp,
    Simulated, WirePlug,
};
use crate::irq_event::IrqEvents;
use firmware_model::contract::reg;
use firmware_model::mem::HostMemory;
use firmware_model::nic::{Frame, Nic};

pub struct ModelDevice {
    pub nic: Nic,
    pub mem: HostMemory,
    now: u64,
    plug: Option<WirePlug>,
    events: IrqEvents,
}

impl ModelDevice {
    pub fn new() -> Self {
        ModelDevice {
            nic: Nic::new(),
            mem: HostMemory::new(HostMemory::DEFAULT_BASE, HostMemory::DEFAULT_SIZE),
            now: 0,
            plug: None,
            events: IrqEvents::default(),
        }
    }

    /// Runs the model until it settles, passing frames through the plug.
    fn settle(&mut self) -> bool {
        let mut any = false;
        loop {
            self.nic.set_time(self.now);
            let mut progressed = self.nic.run(&mut self.mem);
            if let Some(plug) = self.plug.as_mut() {
                while let Some(f) = self.nic.wire_tx_pop() {
                    self.nic.wire_rx_push(plug.pass(f));
                    progressed = true;
                }
            }
            any |= progressed;
            if !progressed {
                self.note_irqs();
                return any;
            }
        }
    }
}

impl ModelDevice {
    /// Tells the registered interrupt events what the NIC's interrupts are now.
    fn note_irqs(&mut self) {
        if !self.events.is_empty() {
            self.events
                .update(self.nic.irq(), self.nic.queue_irq_lines());
        }
    }
}

impl Default for ModelDevice {
    fn default() -> Self {
        Self::new()
    }
}

impl Device for ModelDevice {
    fn describe(&self) -> String {
        "model (firmware-model behavioural NIC)".into()
    }

    fn read32(&mut self, offset: u32) -> Result<u32, DeviceError> {
        check_bar0(MmioOp::Read, offset)?;
        Ok(self.nic.mmio_read(offset))
    }

    fn write32(&mut self, offset: u32, value: u32) -> Result<(), DeviceError> {
        check_bar0(MmioOp::Write, offset)?;
        self.nic.mmio_write(offset, value);
        self.note_irqs();
        Ok(())
    }

    fn dma_alloc(&mut self, len: usize, align: u64) -> Result<DmaRegion, DeviceError> {
        check_dma_align(align)?;
        Ok(self.mem.alloc_region(len, align)?)
    }

    fn wait_irq(&mut self, timeout_ns: u64) -> Result<bool, DeviceError> {
        let deadline = self.now.saturating_add(timeout_ns);
        loop {
            self.settle();
            if self.nic.irq() {
                return Ok(true);
            }
            if self.now >= deadline {
                return Ok(false);
            }
            // A cause held back by moderation needs time to pass; with nothing
            // pending, nothing can happen before the deadline.
            let pending = self.nic.mmio_read(reg::IRQ_CAUSE) & self.nic.mmio_read(reg::IRQ_MASK);
            self.now = if pending != 0 {
                (self.now + 1_000).min(deadline)
            } else {
                deadline
            };
        }
    }

    fn wait_queue_irq(&mut self, vectors: u32, timeout_ns: u64) -> Result<u32, DeviceError> {
        let deadline = self.now.saturating_add(timeout_ns);
        loop {
            self.settle();
            let up = self.nic.queue_irq_lines() & vectors;
            if up != 0 || self.now >= deadline {
                return Ok(up);
            }
            // A vector held back by moderation needs time to pass; steps of 1 us, as wait_irq.
            self.now = (self.now + 1_000).min(deadline);
        }
    }

    fn irq_event(&mut self, source: IrqSource) -> Result<IrqEvent, DeviceError> {
        let e = self.events.register(source)?;
        self.note_irqs();
        Ok(e)
    }

    fn now_ns(&self) -> u64 {
        self.now
    }

    fn simulated(&mut self) -> Option<&mut dyn Simulated> {
        Some(self)
    }

    fn simulated_ref(&self) -> Option<&dyn Simulated> {
        Some(self)
    }
}

impl Simulated for ModelDevice {
    fn wire_send(&mut self, frame: Frame) -> Result<(), DeviceError> {
        self.nic.wire_rx_push(frame);
        Ok(())
    }

    fn wire_recv(&mut self) -> Option<Frame> {
        self.settle();
        self.nic.wire_tx_pop()
    }

    fn host_memory(&self) -> &HostMemory {
        &self.mem
    }

    fn set_wire_plug(&mut self, plug: Option<WirePlug>) -> Result<(), DeviceError> {
        self.plug = plug;
        Ok(())
    }

    fn protocol_errors(&self) -> Vec<String> {
        Vec::new()
    }
}
