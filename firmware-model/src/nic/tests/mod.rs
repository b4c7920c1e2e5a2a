//! Tests of the model against docs/nic.md, on bytes: frames on the wire,
//! completion records, buffers and every other byte of host memory.

mod csum;
mod errors;
mod faults;
mod fuzz;
mod queues;
mod regs;
mod rx;
mod tx;

use super::queue::Dir;
use super::{Frame, Nic};
use crate::contract::{cpl, qctrl, qreg, rxd, rxq, txd, txq, verdict, CPL_FLAG_PHASE};
use crate::mem::{DmaAddr, DmaMemory, HostMemory};

const MEM_BASE: u64 = HostMemory::DEFAULT_BASE;
const MEM_SIZE: usize = 1 << 20;
/// First address past host memory.
const MEM_END: u64 = MEM_BASE + MEM_SIZE as u64;

/// A NIC and the host memory it DMAs into.
struct Rig {
    nic: Nic,
    mem: HostMemory,
}

/// A queue's rings as the test set them up.
#[derive(Debug, Clone, Copy)]
struct Ring {
    dir: Dir,
    /// The queue number.
    q: u32,
    ring: u64,
    cpl: u64,
}

fn qoff(dir: Dir, r: u32) -> u32 {
    qoff_n(dir, 0, r)
}

fn qoff_n(dir: Dir, q: u32, r: u32) -> u32 {
    match dir {
        Dir::Tx => txq(q, r),
        Dir::Rx => rxq(q, r),
    }
}

fn desc_size(dir: Dir) -> usize {
    match dir {
        Dir::Tx => txd::SIZE,
        Dir::Rx => rxd::SIZE,
    }
}

/// A frame whose bytes tell where they came from.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(7).wrapping_add(seed))
        .collect()
}

/// The completion record the spec says the NIC writes.
fn expected_cpl(len: u32, errors: u32, index: u16, phase: bool) -> [u8; cpl::SIZE] {
    cpl::Completion {
        len,
        segs: u16::from(errors == 0),
        errors: errors as u16,
        index,
        flags: if phase { CPL_FLAG_PHASE } else { 0 },
        ..Default::default()
    }
    .encode()
}

/// CHECKSUM_COMPLETE as the spec defines it (the folded one's-complement sum
/// of the bytes after the 14-byte Ethernet header), computed here as a plain
/// sum modulo 0xFFFF, independently of `csum.rs`.
fn complete_sum(frame: &[u8]) -> u16 {
    let s: u64 = frame
        .iter()
        .enumerate()
        .skip(14)
        .map(|(i, &b)| u64::from(b) << if i % 2 == 0 { 8 } else { 0 })
        .sum();
    match s {
        0 => 0,
        s if s % 0xFFFF == 0 => 0xFFFF,
        s => (s % 0xFFFF) as u16,
    }
}

/// The RX completion for `frame` with FEATURES at its reset value (RX
/// checksum on): as [`expected_cpl`], with CSUM, and the verdict
/// NOT_CHECKED that non-IP frames such as [`pattern`]s get.
fn expected_rx_cpl(frame: &[u8], errors: u32, index: u16, phase: bool) -> [u8; cpl::SIZE] {
    let ethertype = frame.get(12..14).map(|b| u16::from_be_bytes([b[0], b[1]]));
    assert!(
        !matches!(ethertype, Some(0x0800 | 0x86dd | 0x8100)),
        "expected_rx_cpl is for frames the parser does not check"
    );
    with_rx_csum(
        expected_cpl(frame.len() as u32, errors, index, phase),
        complete_sum(frame),
        verdict::NOT_CHECKED,
    )
}

/// `rec` with RSS_HASH and RSS_TYPE as RXHASH (on after reset) gives them
/// for `frame` under the reset key.
fn with_rss(rec: [u8; cpl::SIZE], frame: &[u8]) -> [u8; cpl::SIZE] {
    let r = crate::rss::rx_rss(
        frame,
        &crate::rss::VERIFICATION_KEY,
        &[0; crate::rss::INDIRECTION_LEN],
    );
    cpl::Completion {
        rss_hash: r.hash,
        rss_type: r.hash_type,
        ..cpl::Completion::decode(&rec)
    }
    .encode()
}

/// `rec` with CSUM and CSUM_VERDICT set.
fn with_rx_csum(rec: [u8; cpl::SIZE], csum: u16, v: u8) -> [u8; cpl::SIZE] {
    cpl::Completion {
        csum,
        csum_verdict: v,
        ..cpl::Completion::decode(&rec)
    }
    .encode()
}

impl Rig {
    fn new() -> Rig {
        Rig {
            nic: Nic::new(),
            mem: HostMemory::new(MEM_BASE, MEM_SIZE),
        }
    }

    fn qw(&mut self, dir: Dir, r: u32, v: u32) {
        self.nic.mmio_write(qoff(dir, r), v);
    }

    fn qr(&mut self, dir: Dir, r: u32) -> u32 {
        self.nic.mmio_read(qoff(dir, r))
    }

    /// Writes the ring registers, without enabling.
    fn program(&mut self, dir: Dir, ring: u64, cpl: u64, size: u32) {
        self.qw(dir, qreg::RING_LO, ring as u32);
        self.qw(dir, qreg::RING_HI, (ring >> 32) as u32);
        self.qw(dir, qreg::CPL_LO, cpl as u32);
        self.qw(dir, qreg::CPL_HI, (cpl >> 32) as u32);
        self.qw(dir, qreg::SIZE, size);
    }

    /// Allocates both rings of `size` entries, programs and enables the queue.
    fn setup(&mut self, dir: Dir, size: u32) -> Ring {
        let ring = self
            .mem
            .alloc(desc_size(dir) * size as usize, 64)
            .unwrap()
            .0;
        let cpl = self.mem.alloc(cpl::SIZE * size as usize, 64).unwrap().0;
        self.setup_at(dir, ring, cpl, size)
    }

    fn setup_at(&mut self, dir: Dir, ring: u64, cpl: u64, size: u32) -> Ring {
        self.program(dir, ring, cpl, size);
        self.qw(dir, qreg::CTRL, qctrl::ENABLE);
        assert_eq!(
            self.qr(dir, qreg::CTRL),
            qctrl::ENABLE,
            "queue did not enable"
        );
        Ring {
            dir,
            q: 0,
            ring,
            cpl,
        }
    }

    /// As [`Rig::setup`] for queue `q` of `dir`.
    fn setup_queue(&mut self, dir: Dir, q: u32, size: u32) -> Ring {
        let ring = self
            .mem
            .alloc(desc_size(dir) * size as usize, 64)
            .unwrap()
            .0;
        let cpl = self.mem.alloc(cpl::SIZE * size as usize, 64).unwrap().0;
        let w = |t: &mut Rig, r, v| t.nic.mmio_write(qoff_n(dir, q, r), v);
        w(self, qreg::RING_LO, ring as u32);
        w(self, qreg::RING_HI, (ring >> 32) as u32);
        w(self, qreg::CPL_LO, cpl as u32);
        w(self, qreg::CPL_HI, (cpl >> 32) as u32);
        w(self, qreg::SIZE, size);
        w(self, qreg::CTRL, qctrl::ENABLE);
        assert_eq!(
            self.nic.mmio_read(qoff_n(dir, q, qreg::CTRL)),
            qctrl::ENABLE
        );
        Ring { dir, q, ring, cpl }
    }

    /// Register `r` of the queue of `ring`.
    fn rr(&mut self, ring: Ring, r: u32) -> u32 {
        self.nic.mmio_read(qoff_n(ring.dir, ring.q, r))
    }

    /// Copies `data` into a fresh 8-aligned buffer.
    fn buf(&mut self, data: &[u8]) -> u64 {
        let a = self.mem.alloc(data.len().max(1), 8).unwrap();
        self.mem.write(a, data).unwrap();
        a.0
    }

    /// Writes TX descriptor `slot` with checksum offload fields `csum`:
    /// VNET_FLAGS, CSUM_START, CSUM_OFFSET.
    fn post_csum(&mut self, r: Ring, slot: u32, addr: u64, len: u32, csum: (u8, u16, u16)) {
        assert_eq!(r.dir, Dir::Tx);
        self.post(r, slot, addr, len);
        let at = DmaAddr(r.ring + u64::from(slot) * txd::SIZE as u64);
        let mut d = self.mem.read_vec(at, txd::SIZE).unwrap();
        let desc = txd::TxDesc {
            vnet_flags: csum.0,
            csum_start: csum.1,
            csum_offset: csum.2,
            ..txd::TxDesc::decode(&d[..].try_into().unwrap())
        };
        d.copy_from_slice(&desc.encode());
        self.mem.write(at, &d).unwrap();
    }

    /// Writes descriptor `slot`: buffer `addr`, length (TX) or capacity (RX) `len`.
    fn post(&mut self, r: Ring, slot: u32, addr: u64, len: u32) {
        let size = desc_size(r.dir);
        let at = DmaAddr(r.ring + u64::from(slot) * size as u64);
        let d = match r.dir {
            Dir::Tx => txd::TxDesc {
                addr,
                len,
                ..Default::default()
            }
            .encode()
            .to_vec(),
            Dir::Rx => rxd::RxDesc { addr, len }.encode().to_vec(),
        };
        assert_eq!(d.len(), size);
        self.mem.write(at, &d).unwrap();
    }

    fn doorbell(&mut self, r: Ring, tail: u32) {
        self.nic.mmio_write(qoff_n(r.dir, r.q, qreg::TAIL), tail);
    }

    fn cpl(&self, r: Ring, slot: u32) -> [u8; cpl::SIZE] {
        let at = DmaAddr(r.cpl + u64::from(slot) * cpl::SIZE as u64);
        self.mem
            .read_vec(at, cpl::SIZE)
            .unwrap()
            .try_into()
            .unwrap()
    }

    fn cpl_region(r: Ring, slot: u32) -> (u64, usize) {
        (r.cpl + u64::from(slot) * cpl::SIZE as u64, cpl::SIZE)
    }

    fn bytes(&self, addr: u64, len: usize) -> Vec<u8> {
        self.mem.read_vec(DmaAddr(addr), len).unwrap()
    }

    /// A 64-bit counter, read low word first as the contract says.
    fn stat(&mut self, off: u32) -> u64 {
        let lo = self.nic.mmio_read(off);
        let hi = self.nic.mmio_read(off + 4);
        u64::from(hi) << 32 | u64::from(lo)
    }

    fn reg(&mut self, off: u32) -> u32 {
        self.nic.mmio_read(off)
    }

    fn run(&mut self) -> bool {
        self.nic.run(&mut self.mem)
    }

    fn tx_all(&mut self) -> Vec<Frame> {
        std::iter::from_fn(|| self.nic.wire_tx_pop()).collect()
    }
}

/// Asserts that `after` differs from `before` only inside `allowed`
/// (address, length) regions.
fn assert_only_changed(before: &HostMemory, after: &HostMemory, allowed: &[(u64, usize)]) {
    let mut a = before.snapshot();
    let mut b = after.snapshot();
    for &(addr, len) in allowed {
        let start = (addr - MEM_BASE) as usize;
        let end = (start + len).min(a.len());
        a[start..end].fill(0);
        b[start..end].fill(0);
    }
    if let Some(i) = a.iter().zip(&b).position(|(x, y)| x != y) {
        panic!(
            "host memory changed outside the allowed regions at {:#x}",
            MEM_BASE + i as u64
        );
    }
}

/// A DmaMemory that refuses everything, for paths that must not touch memory.
struct NoMemory;

impl DmaMemory for NoMemory {
    fn dma_read(&mut self, addr: DmaAddr, buf: &mut [u8]) -> Result<(), crate::mem::DmaFault> {
        Err(crate::mem::DmaFault {
            kind: crate::mem::DmaKind::Read,
            addr,
            len: buf.len(),
        })
    }
    fn dma_write(&mut self, addr: DmaAddr, data: &[u8]) -> Result<(), crate::mem::DmaFault> {
        Err(crate::mem::DmaFault {
            kind: crate::mem::DmaKind::Write,
            addr,
            len: data.len(),
        })
    }
}
