//! The `sim` backend: the RTL in Verilator, through the verilator-tb harness.

use crate::device::{
    check_bar0, check_dma_align, Device, DeviceError, DmaRegion, IrqEvent, IrqSource, MmioFault,
    MmioOp, Simulated, WirePlug,
};
use crate::irq_event::IrqEvents;
use firmware_model::mem::HostMemory;
use firmware_model::nic::Frame;
pub use verilator_tb::{Backpressure, Channel, MemStats, MemTiming, PerChannel, Stalls};
use verilator_tb::{SimError, SimNic, NS_PER_CYCLE, WIDTHS};

pub struct SimDevice {
    pub sim: SimNic,
    plug: Option<WirePlug>,
    events: IrqEvents,
}

impl SimDevice {
    /// `stalls`: the `coin` profile ([`Backpressure::random`]) on every
    /// channel, seeded by `seed`; without, [`Backpressure::none`] (no stalls,
    /// 8 ns memory).
    pub fn new(seed: u64, stalls: bool) -> Self {
        let bp = if stalls {
            Backpressure::random()
        } else {
            Backpressure::none()
        };
        SimDevice::with_backpressure(seed, bp)
    }

    /// A NIC under any stall profile and memory timing, e.g.
    /// `SimDevice::with_backpressure(7, Backpressure::by_name("bursty")?.with_latency_ns(1000))`,
    /// at the datapath width [`SimDevice::default_width`] names.
    pub fn with_backpressure(seed: u64, bp: Backpressure) -> Self {
        let bits = SimDevice::default_width().unwrap_or_else(|e| {
            eprintln!("{e}; using 64");
            64
        });
        SimDevice::with_width(seed, bp, bits).unwrap_or_else(|_| {
            SimDevice::with_width(seed, bp, 64).expect("the 64-bit model is built")
        })
    }

    /// [`SimDevice::with_backpressure`] with the RTL at `DATA_W = bits` (64 or 512).
    pub fn with_width(seed: u64, bp: Backpressure, bits: u32) -> Result<Self, DeviceError> {
        let mem = HostMemory::new(HostMemory::DEFAULT_BASE, HostMemory::DEFAULT_SIZE);
        let sim = SimNic::with_width(mem, seed, bp, bits).ok_or_else(|| {
            DeviceError::Unsupported(format!(
                "the sim device has no {bits}-bit model (widths: {WIDTHS:?})"
            ))
        })?;
        Ok(SimDevice {
            sim,
            plug: None,
            events: IrqEvents::default(),
        })
    }

    /// The datapath width a sim device is built at unless asked otherwise:
    /// `NIC_DATAPATH_BITS` (64 or 512) if set, else 64. `scripts/test` runs
    /// the whole-NIC tests once at each.
    pub fn default_width() -> Result<u32, String> {
        match std::env::var("NIC_DATAPATH_BITS") {
            Err(_) => Ok(64),
            Ok(v) => match v.trim().parse::<u32>() {
                Ok(b) if WIDTHS.contains(&b) => Ok(b),
                _ => Err(format!(
                    "NIC_DATAPATH_BITS={v:?} is not a width the sim device is built at ({WIDTHS:?})"
                )),
            },
        }
    }

    /// No stalls and a fixed DMA latency of `dma_latency_ns`
    /// ([`Backpressure::none`] with that latency).
    pub fn with_dma_latency(seed: u64, dma_latency_ns: u64) -> Self {
        SimDevice::with_backpressure(seed, Backpressure::none().with_latency_ns(dma_latency_ns))
    }

    fn tick(&mut self) {
        self.sim.tick();
        if let Some(plug) = self.plug.as_mut() {
            while let Some(f) = self.sim.wire_tx.pop_front() {
                self.sim.wire_rx.push_back(plug.pass(f));
            }
        }
        self.note_irqs();
    }

    /// Tells the registered interrupt events what the NIC's interrupts are now.
    fn note_irqs(&mut self) {
        if !self.events.is_empty() {
            self.events.update(self.sim.irq(), self.sim.irq_queue());
        }
    }
}

/// The harness's MMIO failure as the device error every backend gives.
fn mmio_error(e: SimError) -> DeviceError {
    let (op, offset, fault) = match e {
        SimError::Timeout {
            what,
            offset,
            cycles,
        } => (what, offset, MmioFault::NoResponse { cycles }),
        SimError::Refused { what, offset, resp } => (what, offset, MmioFault::Refused { resp }),
    };
    let op = if op == "read" {
        MmioOp::Read
    } else {
        MmioOp::Write
    };
    DeviceError::Mmio { op, offset, fault }
}

impl Device for SimDevice {
    fn describe(&self) -> String {
        format!(
            "sim (nic_top RTL in Verilator, {}-bit datapath)",
            self.sim.datapath_bits()
        )
    }

    fn read32(&mut self, offset: u32) -> Result<u32, DeviceError> {
        check_bar0(MmioOp::Read, offset)?;
        let v = self.sim.mmio_read(offset).map_err(mmio_error);
        self.note_irqs();
        v
    }

    fn write32(&mut self, offset: u32, value: u32) -> Result<(), DeviceError> {
        check_bar0(MmioOp::Write, offset)?;
        let r = self.sim.mmio_write(offset, value).map_err(mmio_error);
        self.note_irqs();
        r
    }

    fn dma_alloc(&mut self, len: usize, align: u64) -> Result<DmaRegion, DeviceError> {
        check_dma_align(align)?;
        Ok(self.sim.mem.alloc_region(len, align)?)
    }

    fn wait_irq(&mut self, timeout_ns: u64) -> Result<bool, DeviceError> {
        let cycles = timeout_ns.div_ceil(NS_PER_CYCLE);
        for _ in 0..cycles {
            if self.sim.irq() {
                return Ok(true);
            }
            self.tick();
        }
        Ok(self.sim.irq())
    }

    fn wait_queue_irq(&mut self, vectors: u32, timeout_ns: u64) -> Result<u32, DeviceError> {
        let cycles = timeout_ns.div_ceil(NS_PER_CYCLE);
        for _ in 0..cycles {
            if self.sim.irq_queue() & vectors != 0 {
                break;
            }
            self.tick();
        }
        Ok(self.sim.irq_queue() & vectors)
    }

    fn irq_event(&mut self, source: IrqSource) -> Result<IrqEvent, DeviceError> {
        let e = self.events.register(source)?;
        self.note_irqs();
        Ok(e)
    }

    fn now_ns(&self) -> u64 {
        self.sim.now_ns()
    }

    fn datapath_bits(&self) -> Option<u32> {
        Some(self.sim.datapath_bits())
    }

    fn clock_cycles(&self) -> Option<u64> {
        Some(self.sim.cycles())
    }

    fn simulated(&mut self) -> Option<&mut dyn Simulated> {
        Some(self)
    }

    fn simulated_ref(&self) -> Option<&dyn Simulated> {
        Some(self)
    }
}

impl Simulated for SimDevice {
    fn wire_send(&mut self, frame: Frame) -> Result<(), DeviceError> {
        self.sim.wire_rx.push_back(frame);
        Ok(())
    }

    fn wire_recv(&mut self) -> Option<Frame> {
        self.sim.wire_tx.pop_front()
    }

    fn protocol_errors(&self) -> Vec<String> {
        self.sim.protocol_errors.clone()
    }

    fn host_memory(&self) -> &HostMemory {
        &self.sim.mem
    }

    fn set_wire_plug(&mut self, plug: Option<WirePlug>) -> Result<(), DeviceError> {
        self.plug = plug;
        Ok(())
    }
}
