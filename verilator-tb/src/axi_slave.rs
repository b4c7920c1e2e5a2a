//! Host memory as the AXI4 slave behind one of the NIC's DMA masters.
//!
//! The NIC has two (`hdl/nic_top.sv`): the data master (`m_axi_*`, frame
//! buffers) and the control master (`m_axi_ctl_*`, descriptors and
//! completion records). Each [`AxiSlave`] answers one of them from the same
//! [`HostMemory`], with its own queues, outstanding-burst limits and stall
//! decisions, as two DMA channels of a PCIe shell would. It checks the
//! master's side of the protocol (bursts within 4 KiB, 8-byte beats, valid
//! held until ready) and reports breaches into the caller's list.

use crate::backpressure::{Backpressure, Channel, Dice};
use crate::ffi::{AxiIn, AxiOut, BEAT_WORDS};
use crate::memory::Responses;
use firmware_model::mem::{DmaAddr, HostMemory};
use std::collections::VecDeque;

/// AXI response code for a refused access.
pub(crate) const SLVERR: u8 = 2;

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

/// A beat the RTL offered last cycle without a handshake; it must come back unchanged.
#[derive(PartialEq, Clone, Copy)]
pub(crate) struct Held<T: PartialEq + Copy>(pub Option<T>);

impl<T: PartialEq + Copy> Held<T> {
    pub fn check(
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

type Beat = ([u64; BEAT_WORDS], u64, bool);
type Addr = (u8, u64, u8, u8, u8);

/// The memory side of one AXI4 master port.
pub(crate) struct AxiSlave {
    /// The port's name in protocol messages ("DMA", "DMA control"), and
    /// its AR, AW and W channels' names.
    name: &'static str,
    labels: [&'static str; 3],
    /// Bytes per beat (DATA_W / 8).
    kw: usize,
    dice: Dice,
    reads: Responses<ReadBurst>,
    write_addrs: VecDeque<WriteAddr>,
    write_data: VecDeque<Vec<Beat>>,
    write_cur: Vec<Beat>,
    /// Emptied write-burst buffers, kept for the next bursts (no allocation per burst).
    write_spare: Vec<Vec<Beat>>,
    /// `Backpressure::mem`'s limits, at least 1.
    max_reads: usize,
    max_writes: usize,
    /// Write responses: one beat each, carrying BRESP.
    bresps: Responses<u8>,
    pub most_reads: usize,
    pub most_writes: usize,
    held_ar: Held<Addr>,
    held_aw: Held<Addr>,
    held_w: Held<Beat>,
}

impl AxiSlave {
    /// The slave of the data master (`control` false) or the control master
    /// of a NIC whose beats are `kw` bytes.
    pub fn new(control: bool, kw: usize, seed: u64, bp: Backpressure) -> AxiSlave {
        let (name, labels) = if control {
            ("DMA control", ["control AR", "control AW", "control W"])
        } else {
            ("DMA", ["AR", "AW", "W"])
        };
        AxiSlave {
            name,
            labels,
            kw,
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
            held_ar: Held(None),
            held_aw: Held(None),
            held_w: Held(None),
        }
    }

    /// R beats and B responses handed over out of request order so far.
    pub fn out_of_order(&self) -> (u64, u64) {
        (self.reads.out_of_order, self.bresps.out_of_order)
    }

    /// Nothing accepted and unanswered, no write burst half in.
    pub fn idle(&self) -> bool {
        self.reads.is_empty()
            && self.write_addrs.is_empty()
            && self.write_data.is_empty()
            && self.write_cur.is_empty()
            && self.bresps.is_empty()
    }

    /// True when `settle` has nothing to do on this port: no valid high in
    /// either direction and no beat held from an earlier cycle.
    pub fn quiet(&self, i: &AxiIn, o: &AxiOut) -> bool {
        (o.arvalid | o.awvalid | o.wvalid | i.rvalid | i.bvalid) == 0
            && self.held_ar.0.is_none()
            && self.held_aw.0.is_none()
            && self.held_w.0.is_none()
    }

    /// This cycle's readies, and the next R beat and B response if one is
    /// due. A beat on the bus (valid high) stays there, unchanged, until its
    /// handshake: while rvalid (bvalid) is high its fields are already right.
    pub fn drive(&mut self, i: &mut AxiIn, mem: &HostMemory, now: u64) {
        let d = &mut self.dice;
        let (ar_go, r_go, aw_go) = (d.go(Channel::Ar), d.go(Channel::R), d.go(Channel::Aw));
        let (w_go, b_go) = (d.go(Channel::W), d.go(Channel::B));
        let writes = self.write_addrs.len() + self.bresps.len();
        i.arready = (self.reads.len() < self.max_reads && ar_go) as u8;
        i.awready = (writes < self.max_writes && aw_go) as u8;
        i.wready = w_go as u8;
        if i.rvalid == 0 && !self.reads.is_empty() && (self.reads.current().is_some() || r_go) {
            if let Some(r) = self.reads.offer(now, &mut self.dice) {
                let addr = r.what.addr + (self.kw * r.next as usize) as u64;
                i.rvalid = 1;
                i.rid = r.id;
                i.rresp = if r.what.refused { SLVERR } else { 0 };
                i.rdata = [0; BEAT_WORDS];
                if !r.what.refused {
                    let mut beat = [0u8; 8 * BEAT_WORDS];
                    let b = &mut beat[..self.kw];
                    mem.read(DmaAddr(addr), b)
                        .expect("checked when the burst was accepted");
                    for (w, c) in i.rdata.iter_mut().zip(b.chunks_exact(8)) {
                        *w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
                    }
                }
                i.rlast = (r.next + 1 == r.beats) as u8;
            }
        }
        if i.bvalid == 0 && !self.bresps.is_empty() && (self.bresps.current().is_some() || b_go) {
            if let Some(b) = self.bresps.offer(now, &mut self.dice) {
                i.bvalid = 1;
                i.bid = b.id;
                i.bresp = b.what;
            }
        }
    }

    /// Acts on this cycle's handshakes: takes requests and write beats,
    /// applies whole write bursts to `mem`, retires answered beats.
    pub fn settle(
        &mut self,
        i: &mut AxiIn,
        o: &AxiOut,
        mem: &mut HostMemory,
        errs: &mut Vec<String>,
        cycle: u64,
    ) {
        let name = self.name;
        // Read address.
        let ar_fire = o.arvalid != 0 && i.arready != 0;
        if o.arvalid != 0 || self.held_ar.0.is_some() {
            let ar = (o.arid, o.araddr, o.arlen, o.arsize, o.arburst);
            let what = self.labels[0];
            self.held_ar
                .check(o.arvalid != 0, ar_fire, ar, what, errs, cycle);
        }
        if ar_fire {
            let b = (o.araddr, o.arlen, o.arsize, o.arburst);
            check_burst(name, "read", self.kw, b, errs, cycle);
            let beats = o.arlen as u32 + 1;
            let addr = o.araddr & !(self.kw as u64 - 1);
            let refused = !mem.contains(DmaAddr(addr), beats as usize * self.kw);
            let due = cycle.saturating_add(self.dice.latency());
            self.reads
                .push(o.arid, due, beats, ReadBurst { addr, refused });
            self.most_reads = self.most_reads.max(self.reads.len());
        }
        // Read data.
        if i.rvalid != 0 && o.rready != 0 {
            self.reads
                .handshake()
                .expect("rvalid only with a burst on the bus");
            i.rvalid = 0;
        }

        // Write address and data.
        let aw_fire = o.awvalid != 0 && i.awready != 0;
        if o.awvalid != 0 || self.held_aw.0.is_some() {
            let aw = (o.awid, o.awaddr, o.awlen, o.awsize, o.awburst);
            let what = self.labels[1];
            self.held_aw
                .check(o.awvalid != 0, aw_fire, aw, what, errs, cycle);
        }
        if aw_fire {
            let b = (o.awaddr, o.awlen, o.awsize, o.awburst);
            check_burst(name, "write", self.kw, b, errs, cycle);
            self.write_addrs.push_back(WriteAddr {
                id: o.awid,
                addr: o.awaddr & !(self.kw as u64 - 1),
                beats: o.awlen as u32 + 1,
            });
            self.most_writes = self
                .most_writes
                .max(self.write_addrs.len() + self.bresps.len());
        }
        let w_fire = o.wvalid != 0 && i.wready != 0;
        if o.wvalid != 0 || self.held_w.0.is_some() {
            let w = (o.wdata, o.wstrb, o.wlast != 0);
            let what = self.labels[2];
            self.held_w
                .check(o.wvalid != 0, w_fire, w, what, errs, cycle);
        }
        if w_fire {
            self.write_cur.push((o.wdata, o.wstrb, o.wlast != 0));
            if o.wlast != 0 {
                let spare = self.write_spare.pop().unwrap_or_default();
                let burst = std::mem::replace(&mut self.write_cur, spare);
                self.write_data.push_back(burst);
            }
        }
        while !self.write_addrs.is_empty() && !self.write_data.is_empty() {
            let a = self.write_addrs.pop_front().expect("checked non-empty");
            let mut d = self.write_data.pop_front().expect("checked non-empty");
            let resp = apply_write(name, self.kw, &a, &d, mem, errs, cycle);
            let due = cycle.saturating_add(self.dice.latency());
            self.bresps.push(a.id, due, 1, resp);
            d.clear();
            self.write_spare.push(d);
        }
        // Write response.
        if i.bvalid != 0 && o.bready != 0 {
            self.bresps
                .handshake()
                .expect("bvalid only with a response on the bus");
            i.bvalid = 0;
        }
    }
}

/// The burst rules the harness's memory holds a master to: INCR bursts of
/// full-width beats (`kw` bytes), aligned, at most 16 beats, never across 4 KiB.
fn check_burst(
    port: &str,
    what: &str,
    kw: usize,
    (addr, len, size, burst): (u64, u8, u8, u8),
    errs: &mut Vec<String>,
    c: u64,
) {
    if 1usize << size != kw || burst != 1 {
        errs.push(format!(
            "cycle {c}: {port} {what} burst at {addr:#x} has size {size}, type {burst}"
        ));
    }
    if !addr.is_multiple_of(kw as u64) {
        errs.push(format!(
            "cycle {c}: {port} {what} burst at unaligned {addr:#x}"
        ));
    }
    if len > 15 {
        errs.push(format!(
            "cycle {c}: {port} {what} burst at {addr:#x} has {} beats",
            len as u32 + 1
        ));
    }
    let end = addr.wrapping_add(kw as u64 * (len as u64 + 1) - 1);
    if addr >> 12 != end >> 12 {
        errs.push(format!(
            "cycle {c}: {port} {what} burst {addr:#x}..={end:#x} crosses 4 KiB"
        ));
    }
}

/// Applies one write burst, all or nothing, as an IOMMU would.
fn apply_write(
    port: &str,
    kw: usize,
    a: &WriteAddr,
    beats: &[Beat],
    mem: &mut HostMemory,
    errs: &mut Vec<String>,
    cycle: u64,
) -> u8 {
    if beats.len() as u32 != a.beats {
        errs.push(format!(
            "cycle {cycle}: {port} write burst at {:#x} announced {} beats, WLAST came after {}",
            a.addr,
            a.beats,
            beats.len()
        ));
    }
    if !mem.contains(DmaAddr(a.addr), beats.len() * kw) {
        return SLVERR;
    }
    for (k, (data, strb, _)) in beats.iter().enumerate() {
        let at = DmaAddr(a.addr + (kw * k) as u64);
        let mut beat = [0u8; 8 * BEAT_WORDS];
        for (c, w) in beat.chunks_exact_mut(8).zip(data.iter()) {
            c.copy_from_slice(&w.to_le_bytes());
        }
        mem.write_strobed(at, &beat[..kw], *strb)
            .expect("burst range checked above");
    }
    mem.writes += 1;
    0
}
