//! A register-level rig for tests that must do what the driver never does:
//! post malformed descriptors, ring bad doorbells, point at unmapped memory.
//! It speaks only through the `Device` trait, so every test runs unchanged on
//! the model and on the RTL.

#![allow(dead_code)]

use firmware_model::contract::{cpl, limits, qctrl, qreg, reg, rxd, rxq, txd, txq, CPL_FLAG_PHASE};
use firmware_model::mem::{DmaAddr, DmaFault, DmaKind, DmaRegion, HostMemory};
use host_driver::backend::model::ModelDevice;
use host_driver::backend::sim::SimDevice;
use host_driver::device::SimulatedExt;
use host_driver::device::{Device, DeviceError};
use host_driver::driver::RxFrame;

/// Both backends, for tests that run on each.
pub fn devices(seed: u64, stalls: bool) -> Vec<(&'static str, Box<dyn Device>)> {
    vec![
        ("model", Box::new(ModelDevice::new()) as Box<dyn Device>),
        (
            "sim",
            Box::new(SimDevice::new(seed, stalls)) as Box<dyn Device>,
        ),
    ]
}

/// The workspace's seed convention (`test_support::seed`): `TEST_SEED` if set, else `default`.
pub fn seed(default: u64) -> u64 {
    test_support::seed(default)
}

/// Host memory by bus address, for tests that reach what the driver never does (a ring's
/// middle, an address no allocation covers, the window's last bytes): through the simulated
/// device's own host memory, so they work on `sim` and `model`. Tests of the `Device` trait
/// itself use the regions `dma_alloc` gives.
pub trait HostAccess {
    /// A DMA allocation's bus address (the region's bytes stay reachable by address).
    fn dma_alloc_at(&mut self, len: usize, align: u64) -> Result<DmaAddr, DeviceError>;
    fn mem_write(&mut self, addr: DmaAddr, data: &[u8]) -> Result<(), DeviceError>;
    fn mem_read(&mut self, addr: DmaAddr, buf: &mut [u8]) -> Result<(), DeviceError>;
}

impl<D: Device + ?Sized> HostAccess for D {
    fn dma_alloc_at(&mut self, len: usize, align: u64) -> Result<DmaAddr, DeviceError> {
        Ok(self.dma_alloc(len, align)?.bus_addr())
    }

    fn mem_write(&mut self, addr: DmaAddr, data: &[u8]) -> Result<(), DeviceError> {
        host_region(self, addr, data.len(), DmaKind::Write)?
            .write(0, data)
            .map_err(DeviceError::from)
    }

    fn mem_read(&mut self, addr: DmaAddr, buf: &mut [u8]) -> Result<(), DeviceError> {
        host_region(self, addr, buf.len(), DmaKind::Read)?
            .read(0, buf)
            .map_err(DeviceError::from)
    }
}

fn host_region<D: Device + ?Sized>(
    dev: &D,
    addr: DmaAddr,
    len: usize,
    kind: DmaKind,
) -> Result<DmaRegion, DeviceError> {
    let mem = dev.host_memory().ok_or_else(|| {
        DeviceError::Unsupported(format!("{} has no simulated host memory", dev.describe()))
    })?;
    mem.region(addr, len)
        .ok_or(DeviceError::HostAccess(DmaFault { kind, addr, len }))
}

/// First address past the simulated host memory window.
pub const MEM_END: u64 = HostMemory::DEFAULT_BASE + HostMemory::DEFAULT_SIZE as u64;

/// One queue as the test sets it up.
#[derive(Debug, Clone, Copy)]
pub struct Queue {
    pub is_rx: bool,
    /// The queue's number.
    pub num: u32,
    pub entries: u32,
    pub ring: DmaAddr,
    pub cpls: DmaAddr,
    /// Next completion index the test expects, and its phase.
    pub next: u32,
    pub phase: bool,
    /// The test's producer index.
    pub tail: u32,
}

impl Queue {
    pub fn reg(&self, r: u32) -> u32 {
        if self.is_rx {
            rxq(self.num, r)
        } else {
            txq(self.num, r)
        }
    }
    pub fn desc_size(&self) -> usize {
        if self.is_rx {
            rxd::SIZE
        } else {
            txd::SIZE
        }
    }
    pub fn desc_addr(&self, i: u32) -> DmaAddr {
        self.ring.offset(i as u64 * self.desc_size() as u64)
    }
    pub fn cpl_addr(&self, i: u32) -> DmaAddr {
        self.cpls.offset(i as u64 * cpl::SIZE as u64)
    }
}

/// Allocates both rings of a queue and enables it. Returns the queue even
/// when the NIC refused to enable it (the test checks).
pub fn setup_queue(dev: &mut dyn Device, is_rx: bool, entries: u32) -> Queue {
    setup_queue_n(dev, is_rx, 0, entries)
}

/// As [`setup_queue`] for queue number `num`.
pub fn setup_queue_n(dev: &mut dyn Device, is_rx: bool, num: u32, entries: u32) -> Queue {
    let dsz = if is_rx { rxd::SIZE } else { txd::SIZE };
    let n = entries.clamp(1, limits::MAX_RING_SIZE) as usize;
    let ring = dev
        .dma_alloc_at(n * dsz, limits::RING_ALIGN as u64)
        .unwrap();
    let cpls = dev
        .dma_alloc_at(n * cpl::SIZE, limits::RING_ALIGN as u64)
        .unwrap();
    let q = Queue {
        is_rx,
        num,
        entries,
        ring,
        cpls,
        next: 0,
        phase: true,
        tail: 0,
    };
    program(dev, &q, ring, cpls);
    q
}

/// Writes the queue registers and sets ENABLE.
pub fn program(dev: &mut dyn Device, q: &Queue, ring: DmaAddr, cpls: DmaAddr) {
    dev.write32(q.reg(qreg::CTRL), 0).unwrap();
    dev.write32(q.reg(qreg::RING_LO), ring.0 as u32).unwrap();
    dev.write32(q.reg(qreg::RING_HI), (ring.0 >> 32) as u32)
        .unwrap();
    dev.write32(q.reg(qreg::CPL_LO), cpls.0 as u32).unwrap();
    dev.write32(q.reg(qreg::CPL_HI), (cpls.0 >> 32) as u32)
        .unwrap();
    dev.write32(q.reg(qreg::SIZE), q.entries).unwrap();
    dev.write32(q.reg(qreg::CTRL), qctrl::ENABLE).unwrap();
}

pub fn tx_desc(addr: u64, len: u32) -> [u8; txd::SIZE] {
    txd::TxDesc {
        addr,
        len,
        ..Default::default()
    }
    .encode()
}

pub fn rx_desc(addr: u64, len: u32) -> [u8; rxd::SIZE] {
    rxd::RxDesc { addr, len }.encode()
}

/// Writes a descriptor at the queue's tail and advances the test's tail (no doorbell).
pub fn post(dev: &mut dyn Device, q: &mut Queue, desc: &[u8]) {
    dev.mem_write(q.desc_addr(q.tail), desc).unwrap();
    q.tail = (q.tail + 1) % q.entries;
}

pub fn doorbell(dev: &mut dyn Device, q: &Queue) {
    dev.write32(q.reg(qreg::TAIL), q.tail).unwrap();
}

/// The next completion record if the NIC has written it (raw 16 bytes).
pub fn take_cpl(dev: &mut dyn Device, q: &mut Queue) -> Option<[u8; cpl::SIZE]> {
    let mut b = [0u8; cpl::SIZE];
    dev.mem_read(q.cpl_addr(q.next), &mut b).unwrap();
    if (cpl::Completion::decode(&b).flags & CPL_FLAG_PHASE != 0) != q.phase {
        return None;
    }
    q.next = (q.next + 1) % q.entries;
    if q.next == 0 {
        q.phase = !q.phase;
    }
    Some(b)
}

/// Runs the device until `want` completions have arrived on `q` or `limit_ns`
/// of device time passed; returns what arrived.
pub fn wait_cpls(
    dev: &mut dyn Device,
    q: &mut Queue,
    want: usize,
    limit_ns: u64,
) -> Vec<[u8; cpl::SIZE]> {
    let mut got = Vec::new();
    let deadline = dev.now_ns() + limit_ns;
    loop {
        while let Some(c) = take_cpl(dev, q) {
            got.push(c);
        }
        if got.len() >= want || dev.now_ns() >= deadline {
            return got;
        }
        let cause = dev.read32(reg::IRQ_CAUSE).unwrap();
        dev.write32(reg::IRQ_CAUSE, cause).unwrap();
        dev.wait_irq(20_000).unwrap();
    }
}

pub fn u32_at(b: &[u8], r: std::ops::Range<usize>) -> u32 {
    let mut w = [0u8; 4];
    w[..r.len()].copy_from_slice(&b[r]);
    u32::from_le_bytes(w)
}

/// Reads a 64-bit statistics counter.
pub fn stat(dev: &mut dyn Device, off: u32) -> u64 {
    let lo = dev.read32(off).unwrap() as u64;
    let hi = dev.read32(off + 4).unwrap() as u64;
    hi << 32 | lo
}

/// Bytes of host memory that changed between `before` and now, outside the
/// `allowed` address ranges. Each entry: (address, old, new).
pub fn writes_outside(
    dev: &dyn Device,
    before: &HostMemory,
    allowed: &[(DmaAddr, usize)],
) -> Vec<(u64, u8, u8)> {
    let now = dev.host_memory().expect("simulated device has host memory");
    let base = now.base().0;
    let mut bad = Vec::new();
    // Equal 4 KiB chunks are skipped with one memcmp; only differing chunks
    // are walked byte by byte (same result, ~20x faster on 64 MiB).
    const CHUNK: usize = 4096;
    let (before, now) = (before.snapshot(), now.snapshot());
    let chunks = before.chunks(CHUNK).zip(now.chunks(CHUNK));
    for (c, (ca, cb)) in chunks.enumerate() {
        if ca == cb {
            continue;
        }
        for (j, (a, b)) in ca.iter().zip(cb).enumerate() {
            if a != b {
                let addr = base + (c * CHUNK + j) as u64;
                if !allowed
                    .iter()
                    .any(|(s, n)| addr >= s.0 && addr < s.0 + *n as u64)
                {
                    bad.push((addr, *a, *b));
                    if bad.len() > 16 {
                        return bad;
                    }
                }
            }
        }
    }
    bad
}

/// Puts frames received from the wire (one port, fed in order) back in the
/// order they were sent: frames of different RX queues interleave as the
/// driver's round robin takes them. Panics on a frame that was never sent,
/// or if one RX queue's frames came in another order than they were sent.
pub fn in_send_order(name: &str, got: Vec<RxFrame>, sent: &[Vec<u8>]) -> Vec<RxFrame> {
    let mut by_bytes: std::collections::HashMap<&[u8], std::collections::VecDeque<usize>> =
        Default::default();
    for (i, f) in sent.iter().enumerate() {
        by_bytes.entry(f.as_slice()).or_default().push_back(i);
    }
    let mut last_of_queue = std::collections::HashMap::new();
    let mut placed: Vec<(usize, RxFrame)> = Vec::new();
    for rx in got {
        let i = by_bytes
            .get_mut(rx.data.as_slice())
            .and_then(|v| v.pop_front())
            .unwrap_or_else(|| panic!("{name}: received a frame never sent: {:02x?}", rx.data));
        if let Some(prev) = last_of_queue.insert(rx.queue, i) {
            assert!(
                prev < i,
                "{name}: RX queue {} delivered frame {i} after frame {prev}",
                rx.queue
            );
        }
        placed.push((i, rx));
    }
    placed.sort_by_key(|(i, _)| *i);
    placed.into_iter().map(|(_, rx)| rx).collect()
}

/// The NIC behind the driver as a stack device (`NicPort`), rings of 64 entries and 2 KiB RX
/// buffers, with both checksum offloads on or off.
pub fn nic_port(
    dev: Box<dyn Device>,
    offloads: bool,
) -> host_driver::stack_port::NicPort<Box<dyn Device>> {
    use firmware_model::contract::cap;
    use host_driver::driver::{Driver, RingConfig};
    let mut drv = Driver::open(dev).unwrap();
    let bits = cap::TX_CSUM | cap::RX_CSUM;
    if offloads {
        drv.set_features(bits, 0).unwrap();
    } else {
        drv.set_features(0, bits).unwrap();
    }
    drv.start(RingConfig {
        tx_entries: 64,
        rx_entries: 64,
        rx_buf_bytes: 2048,
        ..RingConfig::default()
    })
    .unwrap();
    host_driver::stack_port::NicPort::new(drv)
}
