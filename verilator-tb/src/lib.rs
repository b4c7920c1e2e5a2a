//! The NIC's RTL (`hdl/nic_top.sv`) in Verilator, and a harness that is host
//! memory and wire only.
//!
//! [`SimNic`] answers the RTL's AXI4 reads and writes on both DMA masters
//! (data: frame buffers; control: descriptors and completions) from one
//! [`HostMemory`], each master with its own queues and stalls,
//! drives BAR0 over AXI4-Lite for the host, feeds frames into the MAC RX port
//! and collects what the MAC TX port sends. It never parses a descriptor or
//! touches a frame on the RTL's behalf. Every channel it drives stalls at
//! random under a seeded [`Backpressure`]; set `NIC_TRACE=file.fst` to dump
//! waveforms.
//!
//! It also checks the RTL's side of the protocols (bursts within 4 KiB,
//! full-width beats, valid held until ready, stream `tkeep` rules) and records any
//! breach in [`SimNic::protocol_errors`]. The RTL checks itself as well: the
//! checkers of `hdl/check/` and the RTL's own assertions run in every
//! simulation, and one that fails panics the harness with its message
//! (like `$stop` in a simulator), after recording it in `protocol_errors`.

mod axi_slave;
mod backpressure;
pub mod ffi;
mod memory;

pub use backpressure::{
    Backpressure, Channel, Dice, MemTiming, PerChannel, Stalls, UnknownProfile,
};
pub use firmware_model::mem::{DmaAddr, HostMemory};
pub use firmware_model::nic::Frame;

use axi_slave::{AxiSlave, Held};
use ffi::{Inputs, Outputs, Rtl};
use std::collections::VecDeque;

/// Clock period of the simulated NIC: 250 MHz.
pub const NS_PER_CYCLE: u64 = 4;
pub use ffi::WIDTHS;

/// What went wrong talking to the simulated NIC.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    #[error("BAR0 {what} at offset {offset:#05x} got no response within {cycles} cycles")]
    Timeout {
        what: &'static str,
        offset: u32,
        cycles: u64,
    },
    #[error("BAR0 {what} at offset {offset:#05x} answered with error response {resp}")]
    Refused {
        what: &'static str,
        offset: u32,
        resp: u8,
    },
}

/// What the harness's memory saw: how deep the NIC used it and how often it
/// answered out of request order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MemStats {
    /// Most read bursts accepted and not yet fully answered at once.
    pub most_reads_outstanding: usize,
    /// Most write bursts accepted (AW) and not yet answered (B) at once.
    pub most_writes_outstanding: usize,
    /// R beats handed over while an older read burst of another ID was unfinished.
    pub read_beats_out_of_order: u64,
    /// B responses handed over while an older write of another ID was unanswered.
    pub write_responses_out_of_order: u64,
}

#[derive(Default)]
struct Mmio {
    write: Option<(u32, u32, bool, bool)>, // offset, value, aw sent, w sent
    read: Option<(u32, bool)>,             // offset, ar sent
    bresp: Option<u8>,
    rdata: Option<(u32, u8)>,
}

/// The whole NIC in simulation, with host memory and both wire directions.
pub struct SimNic {
    rtl: Rtl,
    /// Host memory the NIC reaches by DMA.
    pub mem: HostMemory,
    /// Frames the NIC sent on the MAC TX port, oldest first.
    pub wire_tx: VecDeque<Frame>,
    /// Frames waiting to enter the MAC RX port, oldest first.
    pub wire_rx: VecDeque<Frame>,
    /// Protocol breaches seen on the RTL's side of any interface.
    pub protocol_errors: Vec<String>,
    inp: Inputs,
    /// The outputs of the last cycle (filled by every step).
    out: Outputs,
    cycle: u64,
    /// The MAC channels' stall decisions.
    dice: Dice,
    /// Memory behind the data master (frame buffers) and the control master
    /// (descriptors, completion records).
    dma: AxiSlave,
    ctl: AxiSlave,
    /// Bytes per beat of the datapath (DATA_W / 8).
    kw: usize,
    tx_cur: Vec<u8>,
    rx_pos: usize,
    mmio: Mmio,
    irq: bool,
    irq_queue: u32,
    held_tx: Held<([u64; ffi::BEAT_WORDS], u64, u8, u8)>,
    stamps: Option<WireStamps>,
}

/// When frames crossed the MAC ports: the cycle of each frame's last beat,
/// in order (see [`SimNic::stamp_wire`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WireStamps {
    /// Frames sent on the MAC TX port.
    pub tx: Vec<u64>,
    /// Frames taken from the MAC RX port.
    pub rx: Vec<u64>,
}

impl SimNic {
    /// A NIC out of reset, with `mem` as host memory and the given stall
    /// pattern and memory timing (`seed` makes it repeatable). Honours `NIC_TRACE`.
    pub fn new(mem: HostMemory, seed: u64, bp: Backpressure) -> SimNic {
        SimNic::with_width(mem, seed, bp, 64).expect("the 64-bit model is built")
    }

    /// [`SimNic::new`] with the RTL verilated at `DATA_W = bits` (one of
    /// [`WIDTHS`]; `None` for a width there is no model of).
    pub fn with_width(mem: HostMemory, seed: u64, bp: Backpressure, bits: u32) -> Option<SimNic> {
        let trace = std::env::var_os("NIC_TRACE").map(std::path::PathBuf::from);
        let rtl = Rtl::with_width(bits, trace.as_deref())?;
        let kw = bits as usize / 8;
        let mut s = SimNic {
            rtl,
            mem,
            wire_tx: VecDeque::new(),
            wire_rx: VecDeque::new(),
            protocol_errors: Vec::new(),
            inp: Inputs::default(),
            out: Outputs::default(),
            cycle: 0,
            dice: Dice::new(seed, bp),
            dma: AxiSlave::new(false, kw, seed ^ 0x0064_6d61, bp),
            ctl: AxiSlave::new(true, kw, seed ^ 0x0063_746c, bp),
            kw,
            tx_cur: Vec::new(),
            rx_pos: 0,
            mmio: Mmio::default(),
            irq: false,
            irq_queue: 0,
            held_tx: Held(None),
            stamps: None,
        };
        s.inp.rst = 1;
        for _ in 0..8 {
            s.tick();
        }
        s.inp.rst = 0;
        s.tick();
        Some(s)
    }

    /// The width of the NIC's datapath (AXI4 data, MAC streams), bits.
    pub fn datapath_bits(&self) -> u32 {
        self.rtl.datapath_bits()
    }

    /// Cycles run so far.
    pub fn cycles(&self) -> u64 {
        self.cycle
    }

    /// The stalls and memory timing this NIC runs under.
    pub fn backpressure(&self) -> Backpressure {
        self.dice.backpressure()
    }

    /// What the harness's memory has seen so far, over both DMA masters
    /// (the most outstanding: the deeper of the two).
    pub fn mem_stats(&self) -> MemStats {
        let (dr, db) = self.dma.out_of_order();
        let (cr, cb) = self.ctl.out_of_order();
        MemStats {
            most_reads_outstanding: self.dma.most_reads.max(self.ctl.most_reads),
            most_writes_outstanding: self.dma.most_writes.max(self.ctl.most_writes),
            read_beats_out_of_order: dr + cr,
            write_responses_out_of_order: db + cb,
        }
    }

    /// The NIC's time input, in ns.
    pub fn now_ns(&self) -> u64 {
        self.cycle * NS_PER_CYCLE
    }

    /// The interrupt line as of the last cycle.
    pub fn irq(&self) -> bool {
        self.irq
    }

    /// The queue interrupt vectors as of the last cycle: bit n for TX queue n,
    /// bit `NUM_TXQ + n` for RX queue n.
    /// From now on, note the cycle at which each frame crosses a MAC port
    /// (for throughput measured to the cycle, whatever else runs the clock,
    /// e.g. BAR0 accesses). Off by default: a long run would keep every stamp.
    pub fn stamp_wire(&mut self) {
        self.stamps.get_or_insert_with(WireStamps::default);
    }

    /// The stamps noted since [`SimNic::stamp_wire`], if it was called.
    pub fn wire_stamps(&self) -> Option<&WireStamps> {
        self.stamps.as_ref()
    }

    pub fn irq_queue(&self) -> u32 {
        self.irq_queue
    }

    /// True when no DMA, stream or register traffic is in flight on the harness side.
    pub fn idle(&self) -> bool {
        self.dma.idle() && self.ctl.idle() && self.wire_rx.is_empty() && self.tx_cur.is_empty()
    }

    /// Runs `n` clock cycles.
    pub fn run(&mut self, n: u64) {
        for _ in 0..n {
            self.tick();
        }
    }

    /// Reads a BAR0 register over AXI4-Lite (the rest of the NIC keeps running).
    pub fn mmio_read(&mut self, offset: u32) -> Result<u32, SimError> {
        self.mmio.read = Some((offset, false));
        self.mmio.rdata = None;
        let limit = self.cycle + 10_000;
        while self.mmio.rdata.is_none() {
            if self.cycle >= limit {
                self.mmio.read = None;
                return Err(SimError::Timeout {
                    what: "read",
                    offset,
                    cycles: 10_000,
                });
            }
            self.tick();
        }
        let (data, resp) = self.mmio.rdata.take().unwrap_or_default();
        if resp != 0 {
            return Err(SimError::Refused {
                what: "read",
                offset,
                resp,
            });
        }
        Ok(data)
    }

    /// Writes a BAR0 register over AXI4-Lite (the rest of the NIC keeps running).
    pub fn mmio_write(&mut self, offset: u32, value: u32) -> Result<(), SimError> {
        self.mmio.write = Some((offset, value, false, false));
        self.mmio.bresp = None;
        let limit = self.cycle + 10_000;
        while self.mmio.bresp.is_none() {
            if self.cycle >= limit {
                self.mmio.write = None;
                return Err(SimError::Timeout {
                    what: "write",
                    offset,
                    cycles: 10_000,
                });
            }
            self.tick();
        }
        match self.mmio.bresp.take() {
            Some(0) => Ok(()),
            Some(resp) => Err(SimError::Refused {
                what: "write",
                offset,
                resp,
            }),
            None => unreachable!("loop exits only with a response"),
        }
    }

    /// One clock cycle: choose the harness's inputs, step the RTL, then act on
    /// every handshake that happened.
    pub fn tick(&mut self) {
        self.drive();
        self.rtl.step_into(&self.inp, &mut self.out);
        if self.rtl.failed() {
            let msgs = self.rtl.take_failures();
            self.protocol_errors.extend(msgs.iter().cloned());
            panic!("RTL assertion failed:\n{}", msgs.join("\n"));
        }
        if self.quiet() {
            self.irq = self.out.irq != 0;
            self.irq_queue = self.out.irq_queue;
        } else {
            let out = self.out;
            self.settle(&out);
        }
        self.cycle += 1;
        self.inp.now_ns = self.cycle * NS_PER_CYCLE;
    }

    /// True when `settle` would do nothing but note the interrupt line: no
    /// valid high on any channel in either direction, no BAR0 access under way
    /// and no beat held from an earlier cycle (whose valid must stay up). (A
    /// write burst's address and data never both wait past a cycle: they are
    /// paired as soon as both are in.)
    fn quiet(&self) -> bool {
        let (i, o) = (&self.inp, &self.out);
        (o.m_axis_tx_tvalid | o.s_axil_bvalid | o.s_axil_rvalid | i.s_axis_rx_tvalid) == 0
            && self.mmio.write.is_none()
            && self.mmio.read.is_none()
            && self.held_tx.0.is_none()
            && self.dma.quiet(&i.dma, &o.dma)
            && self.ctl.quiet(&i.ctl, &o.ctl)
    }

    fn drive(&mut self) {
        let now = self.cycle;
        let i = &mut self.inp;
        // AXI4-Lite master (the host's side of BAR0).
        match self.mmio.write {
            Some((off, val, aw, w)) => {
                i.s_axil_awaddr = off as u16 & 0xfff;
                i.s_axil_awvalid = !aw as u8;
                i.s_axil_wdata = val;
                i.s_axil_wstrb = 0xf;
                i.s_axil_wvalid = !w as u8;
            }
            None => {
                i.s_axil_awvalid = 0;
                i.s_axil_wvalid = 0;
            }
        }
        i.s_axil_bready = 1;
        match self.mmio.read {
            Some((off, ar)) => {
                i.s_axil_araddr = off as u16 & 0xfff;
                i.s_axil_arvalid = !ar as u8;
            }
            None => i.s_axil_arvalid = 0,
        }
        i.s_axil_rready = 1;

        // Memory behind both DMA masters: readies, read data, write responses.
        self.dma.drive(&mut i.dma, &self.mem, now);
        self.ctl.drive(&mut i.ctl, &self.mem, now);

        // One stall decision per MAC channel and cycle.
        let tx_go = self.dice.go(Channel::MacTx);
        let rx_go = self.dice.go(Channel::MacRx);

        // MAC ports. An empty frame cannot be sent on AXI-Stream: skip it.
        i.m_axis_tx_tready = tx_go as u8;
        if i.s_axis_rx_tvalid == 0 {
            while self.wire_rx.front().is_some_and(|f| f.data.is_empty()) {
                self.wire_rx.pop_front();
            }
        }
        if i.s_axis_rx_tvalid != 0 {
            return; // the beat on the port stays, unchanged, until its handshake
        }
        if !self.wire_rx.is_empty() && rx_go {
            i.s_axis_rx_tvalid = 1;
        }
        if let Some(f) = self.wire_rx.front() {
            let end = (self.rx_pos + self.kw).min(f.data.len());
            let chunk = &f.data[self.rx_pos..end];
            i.s_axis_rx_tdata = [0; ffi::BEAT_WORDS];
            for (k, c) in chunk.chunks(8).enumerate() {
                let mut word = [0u8; 8];
                word[..c.len()].copy_from_slice(c);
                i.s_axis_rx_tdata[k] = u64::from_le_bytes(word);
            }
            i.s_axis_rx_tkeep = ((1u128 << chunk.len()) - 1) as u64;
            i.s_axis_rx_tlast = (end == f.data.len()) as u8;
            i.s_axis_rx_tuser = (end == f.data.len() && f.bad) as u8;
        } else {
            i.s_axis_rx_tvalid = 0;
        }
    }

    fn settle(&mut self, o: &Outputs) {
        let cycle = self.cycle;
        self.irq = o.irq != 0;
        self.irq_queue = o.irq_queue;
        let i = self.inp;

        // AXI4-Lite.
        if let Some((off, val, aw, w)) = self.mmio.write {
            let aw = aw || (i.s_axil_awvalid != 0 && o.s_axil_awready != 0);
            let w = w || (i.s_axil_wvalid != 0 && o.s_axil_wready != 0);
            self.mmio.write = Some((off, val, aw, w));
        }
        if o.s_axil_bvalid != 0 {
            self.mmio.bresp = Some(o.s_axil_bresp);
            self.mmio.write = None;
        }
        if let Some((off, ar)) = self.mmio.read {
            let ar = ar || (i.s_axil_arvalid != 0 && o.s_axil_arready != 0);
            self.mmio.read = Some((off, ar));
        }
        if o.s_axil_rvalid != 0 {
            self.mmio.rdata = Some((o.s_axil_rdata, o.s_axil_rresp));
            self.mmio.read = None;
        }

        // Both DMA masters.
        let errs = &mut self.protocol_errors;
        self.dma
            .settle(&mut self.inp.dma, &o.dma, &mut self.mem, errs, cycle);
        self.ctl
            .settle(&mut self.inp.ctl, &o.ctl, &mut self.mem, errs, cycle);

        // MAC TX.
        let tx_fire = o.m_axis_tx_tvalid != 0 && i.m_axis_tx_tready != 0;
        // (Nothing to check while the channel is idle and nothing was held.)
        if o.m_axis_tx_tvalid != 0 || self.held_tx.0.is_some() {
            let tx = (
                o.m_axis_tx_tdata,
                o.m_axis_tx_tkeep,
                o.m_axis_tx_tlast,
                o.m_axis_tx_tuser,
            );
            self.held_tx.check(
                o.m_axis_tx_tvalid != 0,
                tx_fire,
                tx,
                "MAC TX",
                &mut self.protocol_errors,
                cycle,
            );
        }
        if tx_fire {
            let keep = o.m_axis_tx_tkeep;
            let n = keep.trailing_ones() as usize;
            let full = ((1u128 << self.kw) - 1) as u64;
            let last = o.m_axis_tx_tlast != 0;
            if keep == 0
                || keep & !full != 0
                || keep != ((1u128 << n) - 1) as u64
                || (!last && n != self.kw)
            {
                self.protocol_errors.push(format!(
                    "cycle {cycle}: MAC TX beat with tkeep {keep:#04x} (last={last})"
                ));
            }
            let n = n.min(self.kw);
            for k in 0..n {
                self.tx_cur
                    .push((o.m_axis_tx_tdata[k / 8] >> (8 * (k % 8))) as u8);
            }
            if last {
                let data = std::mem::take(&mut self.tx_cur);
                self.wire_tx.push_back(Frame {
                    data,
                    bad: o.m_axis_tx_tuser != 0,
                });
                if let Some(st) = &mut self.stamps {
                    st.tx.push(cycle);
                }
            }
        }

        // MAC RX.
        if i.s_axis_rx_tvalid != 0 && o.s_axis_rx_tready != 0 {
            self.rx_pos += self.kw;
            let len = self.wire_rx.front().map_or(0, |f| f.data.len());
            if self.rx_pos >= len {
                self.wire_rx.pop_front();
                self.rx_pos = 0;
                if let Some(st) = &mut self.stamps {
                    st.rx.push(cycle);
                }
            }
            self.inp.s_axis_rx_tvalid = 0;
        }
    }
}
