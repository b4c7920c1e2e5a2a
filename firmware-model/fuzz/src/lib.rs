//! The body of the NIC model's fuzz target, `nic_model`: the cargo-fuzz binary in
//! `fuzz_targets/` calls it under libFuzzer (`scripts/fuzz`), and `tests/replay.rs` runs every
//! file of `corpus/nic_model/` and `regressions/nic_model/` through it on stable Rust.
//!
//! The input is a program for a careless or hostile driver: register writes (mostly to the
//! queue blocks, with addresses in or near host memory), descriptors and raw bytes written
//! into host memory, frames arriving on the wire, time passing, and `run`s of the NIC. The
//! NIC must never panic, and every DMA write it makes must land inside a completion ring of
//! a queue that was enabled or inside the buffer of an RX descriptor that was posted (a slot
//! from HEAD up to TAIL) when it ran: host memory outside those is the host's, and a NIC that
//! writes there corrupts it whatever the driver did wrong.

use firmware_model::contract::{cpl, limits, qctrl, qreg, reg, rxd, rxq, txd, txq};
use firmware_model::mem::{DmaAddr, DmaFault, DmaMemory, HostMemory};
use firmware_model::nic::{Frame, Nic};

/// Host memory: a small window, so random addresses often land in it.
pub const MEM_BASE: u64 = HostMemory::DEFAULT_BASE;
pub const MEM_SIZE: usize = 64 << 10;

struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (b, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        b
    }
    /// An address: mostly 8-aligned inside the window, sometimes anywhere near or outside it.
    fn addr(&mut self) -> u64 {
        match self.u8() % 8 {
            0 => u64::from(self.u32()) << 8,
            1 => u64::MAX - u64::from(self.u16()),
            2 => MEM_BASE + u64::from(self.u16()) + u64::from(self.u8()) * 0x1_0000,
            _ => MEM_BASE + u64::from(self.u16() & !7) % MEM_SIZE as u64,
        }
    }
    /// A register value: small counts, powers of two, address halves, anything.
    fn value(&mut self) -> u32 {
        match self.u8() % 6 {
            0 => self.u32(),
            1 => u32::from(self.u8() % 16),
            2 => 1 << (self.u8() % 32),
            3 => self.addr() as u32,
            4 => (MEM_BASE >> 32) as u32,
            _ => u32::from(self.u16() % 4097),
        }
    }
}

/// One queue's ring registers as the NIC reports them before a run.
#[derive(Debug, Clone, Copy)]
struct QueueView {
    rx: bool,
    ring: u64,
    cpl: u64,
    size: u32,
    head: u32,
    tail: u32,
}

fn queue_views(nic: &mut Nic) -> Vec<QueueView> {
    let n = nic.queues() as u32;
    let mut out = Vec::new();
    for rx in [false, true] {
        for q in 0..n {
            let off = |r| if rx { rxq(q, r) } else { txq(q, r) };
            if nic.mmio_read(off(qreg::CTRL)) & qctrl::ENABLE == 0 {
                continue;
            }
            let wide = |nic: &mut Nic, lo, hi| {
                u64::from(nic.mmio_read(off(lo))) | u64::from(nic.mmio_read(off(hi))) << 32
            };
            out.push(QueueView {
                rx,
                ring: wide(nic, qreg::RING_LO, qreg::RING_HI),
                cpl: wide(nic, qreg::CPL_LO, qreg::CPL_HI),
                size: nic.mmio_read(off(qreg::SIZE)),
                head: nic.mmio_read(off(qreg::HEAD)),
                tail: nic.mmio_read(off(qreg::TAIL)),
            });
        }
    }
    out
}

/// Host memory as the NIC sees it during one run, refusing (by panicking) any write that
/// lands outside the regions it may write.
struct Guarded<'a> {
    mem: &'a mut HostMemory,
    /// (start, end) ranges the NIC may write: every completion ring of a queue seen enabled,
    /// every RX buffer seen posted (kept for the whole program: a NIC may hold descriptors
    /// it fetched earlier).
    allowed: &'a mut Vec<(u64, u64)>,
    queues: &'a [QueueView],
}

impl Guarded<'_> {
    fn allows(&self, at: u64, len: usize) -> bool {
        let end = at.saturating_add(len as u64);
        self.allowed.iter().any(|&(s, e)| s <= at && end <= e)
    }

    /// Adds the buffers of every RX descriptor posted now, as host memory holds it.
    fn add_posted(&mut self) {
        for v in self.queues.iter().filter(|v| v.rx && v.size > 0) {
            let mut slot = v.head % v.size;
            for _ in 0..v.size {
                if slot == v.tail % v.size {
                    break;
                }
                let at = v.ring.wrapping_add(u64::from(slot) * rxd::SIZE as u64);
                let mut d = [0u8; rxd::SIZE];
                if self.mem.dma_read(DmaAddr(at), &mut d).is_ok() {
                    let d = rxd::RxDesc::decode(&d);
                    self.allowed
                        .push((d.addr, d.addr.saturating_add(u64::from(d.len))));
                }
                slot = (slot + 1) % v.size;
            }
        }
    }
}

impl DmaMemory for Guarded<'_> {
    fn dma_read(&mut self, addr: DmaAddr, buf: &mut [u8]) -> Result<(), DmaFault> {
        self.mem.dma_read(addr, buf)
    }

    fn dma_write(&mut self, addr: DmaAddr, data: &[u8]) -> Result<(), DmaFault> {
        let in_window = self.mem.contains(addr, data.len());
        if in_window && !self.allows(addr.0, data.len()) {
            // A buffer write earlier in this run may have rewritten a descriptor.
            self.add_posted();
            assert!(
                self.allows(addr.0, data.len()),
                "DMA write of {} bytes at {:#x} outside every posted RX buffer and completion \
                 ring; queues {:x?}",
                data.len(),
                addr.0,
                self.queues
            );
        }
        self.mem.dma_write(addr, data)
    }
}

pub fn nic_model(data: &[u8]) {
    let mut inp = Input(data);
    let mut nic = Nic::new();
    let mut mem = HostMemory::new(MEM_BASE, MEM_SIZE);
    let mut allowed: Vec<(u64, u64)> = Vec::new();
    let queues = nic.queues() as u32;
    while !inp.0.is_empty() {
        match inp.u8() % 12 {
            // Queue registers, the usual way to misprogram a NIC.
            0..=3 => {
                let q = u32::from(inp.u8()) % queues;
                let rx = inp.u8() & 1 == 1;
                let r = [
                    qreg::RING_LO,
                    qreg::RING_HI,
                    qreg::CPL_LO,
                    qreg::CPL_HI,
                    qreg::SIZE,
                    qreg::CTRL,
                    qreg::TAIL,
                    qreg::TAIL,
                    qreg::IRQ,
                ][usize::from(inp.u8()) % 9];
                let v = match r {
                    qreg::CTRL => u32::from(inp.u8() & 3),
                    qreg::RING_HI | qreg::CPL_HI if inp.u8() % 4 != 0 => (MEM_BASE >> 32) as u32,
                    _ => inp.value(),
                };
                nic.mmio_write(if rx { rxq(q, r) } else { txq(q, r) }, v);
            }
            // Any register at all (not a reset too often: it undoes everything).
            4 => {
                let off = (u32::from(inp.u16()) % limits::BAR0_SIZE) & !3;
                let v = inp.value();
                if off != reg::CTRL || v & 1 == 0 {
                    nic.mmio_write(off, v);
                } else {
                    nic.mmio_read(off);
                }
            }
            // A descriptor written where a ring might be.
            5 => {
                let at = inp.addr();
                let (addr, len) = (inp.addr(), inp.value());
                let d = if inp.u8() & 1 == 0 {
                    rxd::RxDesc { addr, len }.encode().to_vec()
                } else {
                    txd::TxDesc {
                        addr,
                        len: len % 10_000,
                        vnet_flags: inp.u8() & 3,
                        csum_start: u16::from(inp.u8()),
                        csum_offset: u16::from(inp.u8() % 32),
                        ..Default::default()
                    }
                    .encode()
                    .to_vec()
                };
                let _ = mem.write(DmaAddr(at), &d);
            }
            // Raw bytes: buffer contents, frames to send.
            6 => {
                let at = inp.addr();
                let n = usize::from(inp.u16() % 2048);
                let b = inp.bytes(n);
                let _ = mem.write(DmaAddr(at), b);
            }
            // A frame from the wire.
            7 | 8 => {
                let n = usize::from(inp.u16() % 10_000);
                let mut data = inp.bytes(n).to_vec();
                let pad = usize::from(inp.u8());
                data.resize(data.len() + pad, 0);
                let bad = inp.u8() % 16 == 0;
                nic.wire_rx_push(Frame { data, bad });
            }
            9 => nic.set_time(u64::from(inp.u32()) * 1000),
            _ => {}
        }
        let views = queue_views(&mut nic);
        for v in &views {
            assert!(
                v.size.is_power_of_two()
                    && (limits::MIN_RING_SIZE..=limits::MAX_RING_SIZE).contains(&v.size),
                "enabled queue with ring size {}",
                v.size
            );
            assert!(v.head < v.size && v.tail < v.size, "{v:x?}");
            allowed.push((
                v.cpl,
                v.cpl.saturating_add(u64::from(v.size) * cpl::SIZE as u64),
            ));
        }
        let mut g = Guarded {
            mem: &mut mem,
            allowed: &mut allowed,
            queues: &views,
        };
        g.add_posted();
        nic.run(&mut g);
        let _ = (nic.irq(), nic.queue_irq_lines());
        while nic.wire_tx_pop().is_some() {}
        allowed.sort_unstable();
        allowed.dedup();
    }
}
