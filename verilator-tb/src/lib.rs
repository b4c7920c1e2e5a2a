//! The NIC's RTL (`hdl/nic_top.sv`) in Verilator, and a harness that is host
//! memory and wire only.
//!
//! [`SimNic`] answers the RTL's AXI4 reads and writes from a [`HostMemory`],
//! drives BAR0 over AXI4-Lite for the host, feeds frames into the MAC RX port
//! and collects what the MAC TX port sends. It never parses a descriptor or
//! touches a frame on the RTL's behalf. Every channel it drives stalls at
//! random under a seeded [`Backpressure`]; set `NIC_TRACE=file.fst` to dump
//! waveforms.
//!
//! It also checks the RTL's side of the protocols (bursts within 4 KiB,
//! 8-byte beats, valid held until ready, stream `tkeep` rules) and records any
//! breach in [`SimNic::protocol_errors`]. The RTL checks itself as well: the
//! checkers of `hdl/check/` and the RTL's own assertions run in every
//! simulation, and one that fails panics the harness with its message
//! (like `$stop` in a simulator), after recording it in `protocol_errors`.

mod backpressure;
pub mod ffi;
mod memory;

pub use backpressure::{
    Backpressure, Channel, Dice, MemTiming, PerChannel, Stalls, UnknownProfile,
};
pub use firmware_model::mem::{DmaAddr, HostMemory};
pub use firmware_model::nic::Frame;

use ffi::{Inputs, Outputs, Rtl};
use memory::Responses;
use std::collections::VecDeque;

/// Clock period of the simulated NIC: 250 MHz.
pub const NS_PER_CYCLE: u64 = 4;
/// Width of the NIC's datapath (AXI4 data, MAC streams) as verilated, bits.
pub const DATAPATH_BITS: u32 = 64;
/// AXI response code for a refused access.
const SLVERR: u8 = 2;

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

/// A read burst awaiting its R beats: where it reads, and whether memory refused it.
struct ReadBurst {
    addr: u64,
    refused: bool,
}

struct WriteAddr {
    id: u8,
    addr: u64,
    beats: u32,
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

/// A beat the RTL offered last cycle without a handshake; it must come back unchanged.
#[derive(PartialEq, Clone, Copy)]
struct Held<T: PartialEq + Copy>(Option<T>);

impl<T: PartialEq + Copy> Held<T> {
    fn check(
        &mut self,
        valid: bool,
        fired: bool,
        now: T,
        what: &str,
        errs: &mut Vec<String>,
        cycle: u64,
    ) {
        if let Some(prev) = self.0 {
            if !valid {
                errs.push(format!(
                    "cycle {cycle}: {what} valid dropped before its handshake"
                ));
            } else if prev != now {
                errs.push(format!(
                    "cycle {cycle}: {what} payload changed while waiting for ready"
                ));
            }
        }
        self.0 = (valid && !fired).then_some(now);
    }
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
    dice: Dice,
    reads: Responses<ReadBurst>,
    write_addrs: VecDeque<WriteAddr>,
    write_data: VecDeque<Vec<(u64, u8, bool)>>,
    write_cur: Vec<(u64, u8, bool)>,
    /// Emptied write-burst buffers, kept for the next bursts (no allocation per burst).
    write_spare: Vec<Vec<(u64, u8, bool)>>,
    /// `Backpressure::mem`'s limits, at least 1.
    max_reads: usize,
    max_writes: usize,
    /// Write responses: one beat each, carrying BRESP.
    bresps: Responses<u8>,
    most_reads: usize,
    most_writes: usize,
    tx_cur: Vec<u8>,
    rx_pos: usize,
    mmio: Mmio,
    irq: bool,
    irq_queue: u32,
    held_ar: Held<(u8, u64, u8, u8, u8)>,
    held_aw: Held<(u8, u64, u8, u8, u8)>,
    held_w: Held<(u64, u8, u8)>,
    held_tx: Held<(u64, u8, u8, u8)>,
}

impl SimNic {
    /// A NIC out of reset, with `mem` as host memory and the given stall
    /// pattern and memory timing (`seed` makes it repeatable). Honours `NIC_TRACE`.
    pub fn new(mem: HostMemory, seed: u64, bp: Backpressure) -> SimNic {
        let trace = std::env::var_os("NIC_TRACE").map(std::path::PathBuf::from);
        let mut s = SimNic {
            rtl: Rtl::new(trace.as_deref()),
            mem,
            wire_tx: VecDeque::new(),
            wire_rx: VecDeque::new(),
            protocol_errors: Vec::new(),
            inp: Inputs::default(),
            out: Outputs::default(),
            cycle: 0,
            dice: Dice::new(seed, bp),
            reads: Responses::new(bp.mem.reorder),
            write_addrs: VecDeque::new(),
            write_data: VecDeque::new(),
            write_cur: Vec::new(),
            write_spare: Vec::new(),
            max_reads: bp.mem.max_reads.max(1) as usize,
            max_writes: bp.mem.max_writes.max(1) as usize,
            bresps: Responses::new(bp.mem.reorder),
            most_reads: 0,
            most_writes: 0,
            tx_cur: Vec::new(),
            rx_pos: 0,
            mmio: Mmio::default(),
            irq: false,
            irq_queue: 0,
            held_ar: Held(None),
            held_aw: Held(None),
            held_w: Held(None),
            held_tx: Held(None),
        };
        s.inp.rst = 1;
        for _ in 0..8 {
            s.tick();
        }
        s.inp.rst = 0;
        s.tick();
        s
    }

    /// Cycles run so far.
    pub fn cycles(&self) -> u64 {
        self.cycle
    }

    /// The stalls and memory timing this NIC runs under.
    pub fn backpressure(&self) -> Backpressure {
        self.dice.backpressure()
    }

    /// What the harness's memory has seen so far.
    pub fn mem_stats(&self) -> MemStats {
        MemStats {
            most_reads_outstanding: self.most_reads,
            most_writes_outstanding: self.most_writes,
            read_beats_out_of_order: self.reads.out_of_order,
            write_responses_out_of_order: self.bresps.out_of_order,
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
    pub fn irq_queue(&self) -> u32 {
        self.irq_queue
    }

    /// True when no DMA, stream or register traffic is in flight on the harness side.
    pub fn idle(&self) -> bool {
        self.reads.is_empty()
            && self.write_addrs.is_empty()
            && self.write_data.is_empty()
            && self.write_cur.is_empty()
            && self.bresps.is_empty()
            && self.wire_rx.is_empty()
            && self.tx_cur.is_empty()
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
        (o.m_axi_arvalid
            | o.m_axi_awvalid
            | o.m_axi_wvalid
            | o.m_axis_tx_tvalid
            | o.s_axil_bvalid
            | o.s_axil_rvalid
            | i.m_axi_rvalid
            | i.m_axi_bvalid
            | i.s_axis_rx_tvalid)
            == 0
            && self.mmio.write.is_none()
            && self.mmio.read.is_none()
            && self.held_ar.0.is_none()
            && self.held_aw.0.is_none()
            && self.held_w.0.is_none()
            && self.held_tx.0.is_none()
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

        // One stall decision per channel and cycle.
        let [ar_go, r_go, aw_go, w_go, b_go, tx_go, rx_go] = self.dice.cycle();

        // AXI4 slave: address and write-data readies, read data and write responses.
        // A beat on the bus (valid high) stays there, unchanged, until its handshake: while
        // rvalid (bvalid) is high its fields are already what they must be.
        let writes = self.write_addrs.len() + self.bresps.len();
        i.m_axi_arready = (self.reads.len() < self.max_reads && ar_go) as u8;
        i.m_axi_awready = (writes < self.max_writes && aw_go) as u8;
        i.m_axi_wready = w_go as u8;
        if i.m_axi_rvalid == 0 && !self.reads.is_empty() && (self.reads.current().is_some() || r_go)
        {
            if let Some(r) = self.reads.offer(now, &mut self.dice) {
                let addr = r.what.addr + 8 * r.next as u64;
                i.m_axi_rvalid = 1;
                i.m_axi_rid = r.id;
                i.m_axi_rresp = if r.what.refused { SLVERR } else { 0 };
                i.m_axi_rdata = if r.what.refused {
                    0
                } else {
                    let b = self
                        .mem
                        .slice(DmaAddr(addr), 8)
                        .expect("checked when the burst was accepted");
                    u64::from_le_bytes(b.try_into().expect("8 bytes"))
                };
                i.m_axi_rlast = (r.next + 1 == r.beats) as u8;
            }
        }
        if i.m_axi_bvalid == 0
            && !self.bresps.is_empty()
            && (self.bresps.current().is_some() || b_go)
        {
            if let Some(b) = self.bresps.offer(now, &mut self.dice) {
                i.m_axi_bvalid = 1;
                i.m_axi_bid = b.id;
                i.m_axi_bresp = b.what;
            }
        }

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
            let end = (self.rx_pos + 8).min(f.data.len());
            let chunk = &f.data[self.rx_pos..end];
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            i.s_axis_rx_tdata = u64::from_le_bytes(word);
            i.s_axis_rx_tkeep = ((1u16 << chunk.len()) - 1) as u8;
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

        // AXI4 read address.
        let ar_fire = o.m_axi_arvalid != 0 && i.m_axi_arready != 0;
        // (Nothing to check while the channel is idle and nothing was held.)
        if o.m_axi_arvalid != 0 || self.held_ar.0.is_some() {
            let ar = (
                o.m_axi_arid,
                o.m_axi_araddr,
                o.m_axi_arlen,
                o.m_axi_arsize,
                o.m_axi_arburst,
            );
            self.held_ar.check(
                o.m_axi_arvalid != 0,
                ar_fire,
                ar,
                "AR",
                &mut self.protocol_errors,
                cycle,
            );
        }
        if ar_fire {
            self.check_burst(
                "read",
                o.m_axi_araddr,
                o.m_axi_arlen,
                o.m_axi_arsize,
                o.m_axi_arburst,
            );
            let beats = o.m_axi_arlen as u32 + 1;
            let addr = o.m_axi_araddr & !7;
            let refused = !self.mem.contains(DmaAddr(addr), beats as usize * 8);
            let due = cycle.saturating_add(self.dice.latency());
            self.reads
                .push(o.m_axi_arid, due, beats, ReadBurst { addr, refused });
            self.most_reads = self.most_reads.max(self.reads.len());
        }
        // AXI4 read data.
        if i.m_axi_rvalid != 0 && o.m_axi_rready != 0 {
            self.reads
                .handshake()
                .expect("rvalid only with a burst on the bus");
            self.inp.m_axi_rvalid = 0;
        }

        // AXI4 write address and data.
        let aw_fire = o.m_axi_awvalid != 0 && i.m_axi_awready != 0;
        // (Nothing to check while the channel is idle and nothing was held.)
        if o.m_axi_awvalid != 0 || self.held_aw.0.is_some() {
            let aw = (
                o.m_axi_awid,
                o.m_axi_awaddr,
                o.m_axi_awlen,
                o.m_axi_awsize,
                o.m_axi_awburst,
            );
            self.held_aw.check(
                o.m_axi_awvalid != 0,
                aw_fire,
                aw,
                "AW",
                &mut self.protocol_errors,
                cycle,
            );
        }
        if aw_fire {
            self.check_burst(
                "write",
                o.m_axi_awaddr,
                o.m_axi_awlen,
                o.m_axi_awsize,
                o.m_axi_awburst,
            );
            self.write_addrs.push_back(WriteAddr {
                id: o.m_axi_awid,
                addr: o.m_axi_awaddr & !7,
                beats: o.m_axi_awlen as u32 + 1,
            });
            self.most_writes = self
                .most_writes
                .max(self.write_addrs.len() + self.bresps.len());
        }
        let w_fire = o.m_axi_wvalid != 0 && i.m_axi_wready != 0;
        // (Nothing to check while the channel is idle and nothing was held.)
        if o.m_axi_wvalid != 0 || self.held_w.0.is_some() {
            let w = (o.m_axi_wdata, o.m_axi_wstrb, o.m_axi_wlast);
            self.held_w.check(
                o.m_axi_wvalid != 0,
                w_fire,
                w,
                "W",
                &mut self.protocol_errors,
                cycle,
            );
        }
        if w_fire {
            self.write_cur
                .push((o.m_axi_wdata, o.m_axi_wstrb, o.m_axi_wlast != 0));
            if o.m_axi_wlast != 0 {
                let spare = self.write_spare.pop().unwrap_or_default();
                let burst = std::mem::replace(&mut self.write_cur, spare);
                self.write_data.push_back(burst);
            }
        }
        while !self.write_addrs.is_empty() && !self.write_data.is_empty() {
            let a = self.write_addrs.pop_front().expect("checked non-empty");
            let d = self.write_data.pop_front().expect("checked non-empty");
            let resp = self.apply_write(&a, &d);
            let due = cycle.saturating_add(self.dice.latency());
            self.bresps.push(a.id, due, 1, resp);
            let mut d = d;
            d.clear();
            self.write_spare.push(d);
        }
        // AXI4 write response.
        if i.m_axi_bvalid != 0 && o.m_axi_bready != 0 {
            self.bresps
                .handshake()
                .expect("bvalid only with a response on the bus");
            self.inp.m_axi_bvalid = 0;
        }

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
            let last = o.m_axis_tx_tlast != 0;
            if keep == 0 || (keep as u16) != (1u16 << n) - 1 || (!last && n != 8) {
                self.protocol_errors.push(format!(
                    "cycle {cycle}: MAC TX beat with tkeep {keep:#04x} (last={last})"
                ));
            }
            self.tx_cur
                .extend_from_slice(&o.m_axis_tx_tdata.to_le_bytes()[..n]);
            if last {
                let data = std::mem::take(&mut self.tx_cur);
                self.wire_tx.push_back(Frame {
                    data,
                    bad: o.m_axis_tx_tuser != 0,
                });
            }
        }

        // MAC RX.
        if i.s_axis_rx_tvalid != 0 && o.s_axis_rx_tready != 0 {
            self.rx_pos += 8;
            let len = self.wire_rx.front().map_or(0, |f| f.data.len());
            if self.rx_pos >= len {
                self.wire_rx.pop_front();
                self.rx_pos = 0;
            }
            self.inp.s_axis_rx_tvalid = 0;
        }
    }

    fn check_burst(&mut self, what: &str, addr: u64, len: u8, size: u8, burst: u8) {
        let c = self.cycle;
        if size != 3 || burst != 1 {
            self.protocol_errors.push(format!(
                "cycle {c}: {what} burst at {addr:#x} has size {size}, type {burst}"
            ));
        }
        if !addr.is_multiple_of(8) {
            self.protocol_errors
                .push(format!("cycle {c}: {what} burst at unaligned {addr:#x}"));
        }
        if len > 15 {
            self.protocol_errors.push(format!(
                "cycle {c}: {what} burst at {addr:#x} has {} beats",
                len as u32 + 1
            ));
        }
        let end = addr.wrapping_add(8 * (len as u64 + 1) - 1);
        if addr >> 12 != end >> 12 {
            self.protocol_errors.push(format!(
                "cycle {c}: {what} burst {addr:#x}..={end:#x} crosses 4 KiB"
            ));
        }
    }

    /// Applies one write burst, all or nothing, as an IOMMU would.
    fn apply_write(&mut self, a: &WriteAddr, beats: &[(u64, u8, bool)]) -> u8 {
        if beats.len() as u32 != a.beats {
            self.protocol_errors.push(format!(
                "cycle {}: write burst at {:#x} announced {} beats, WLAST came after {}",
                self.cycle,
                a.addr,
                a.beats,
                beats.len()
            ));
        }
        if !self.mem.contains(DmaAddr(a.addr), beats.len() * 8) {
            return SLVERR;
        }
        for (k, &(data, strb, _)) in beats.iter().enumerate() {
            let at = DmaAddr(a.addr + 8 * k as u64);
            let dst = self
                .mem
                .slice_mut(at, 8)
                .expect("burst range checked above");
            for (b, byte) in data.to_le_bytes().iter().enumerate() {
                if strb >> b & 1 != 0 {
                    dst[b] = *byte;
                }
            }
        }
        self.mem.writes += 1;
        0
    }
}
