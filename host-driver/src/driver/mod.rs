//! The driver: reset, capability discovery, ring setup, transmit, receive,
//! statistics and error reporting, over any [`Device`], on every queue pair
//! the NIC has (docs/nic.md, "Queues and RSS").
//!
//! - this module: bring-up, the rings, transmit and receive;
//! - [`rss`]: the RSS key and indirection table, and the tables `nicctl rss --indir` builds;
//! - [`stats`]: the global counters and each queue's.
//!
//! Registers are named only through `firmware_model::contract`; the driver
//! never writes a bare offset.

mod rss;
mod stats;

pub use rss::{
    check_indir, default_indir, format_indir, format_rss_key, parse_indir, parse_rss_key,
    read_rss_indir, read_rss_key, weighted_indir, write_rss_indir, write_rss_key, IndirSpec,
    Indirection, INDIRECTION_LEN, INDIR_FORMS, RSS_KEY_LEN,
};
pub use stats::{read_queue_stats, read_stats, QueueCounters, QueueStats, Stats};

use crate::device::{Device, DeviceError};
use crate::offload::{complete_partial, CsumRequest};
use firmware_model::contract::vnet;
use firmware_model::contract::{
    cap, cpl, ctrl, describe_err_info, err, irq, limits, qctrl, qreg, qstatus, queues_reg, reg,
    rss_type, rxd, rxq, txd, txq, CPL_FLAG_PHASE,
};
use firmware_model::mem::DmaAddr;
use std::collections::VecDeque;

/// What the driver reports when the NIC or the host's request is wrong.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    #[error(transparent)]
    Device(#[from] DeviceError),
    #[error(
        "not our NIC: ID register reads {found:#010x}, expected {:#010x}",
        limits::ID_MAGIC
    )]
    WrongId { found: u32 },
    #[error("unsupported contract version {major}.{minor} (this driver speaks {}.x)", limits::VERSION >> 16)]
    WrongVersion { major: u32, minor: u32 },
    #[error("NIC did not come out of reset (STATUS {0:#x})")]
    NotReady(u32),
    #[error("{what} queue {queue} setup refused by the NIC: {cause}")]
    QueueSetup {
        what: &'static str,
        queue: u32,
        cause: String,
    },
    #[error("invalid ring size {0}: must be a power of two from {min} to {max}", min = limits::MIN_RING_SIZE, max = limits::MAX_RING_SIZE)]
    RingSize(u32),
    #[error("cannot use {asked} queue(s): the NIC has {tx} TX and {rx} RX queue(s)")]
    QueueCount { asked: u32, tx: u32, rx: u32 },
    #[error("frame of {len} bytes cannot be sent: must be 1..={max}", max = limits::MAX_FRAME)]
    FrameSize { len: usize },
    #[error("TX queue {queue} full ({in_flight} descriptors in flight)")]
    TxRingFull { queue: u32, in_flight: u32 },
    #[error("RSS indirection entry {entry} names RX queue {queue}, but there are only {queues} RX queue(s)")]
    RssQueue {
        entry: usize,
        queue: u8,
        queues: u32,
    },
    #[error("the NIC did not keep the RSS indirection table: entry {entry} reads {read} after {wrote} was written")]
    RssNotKept { entry: usize, wrote: u8, read: u8 },
    #[error("the NIC reports malformed use: {cause} ({where_})")]
    Nic { cause: String, where_: String },
    #[error("queues are not started")]
    NotStarted,
}

/// What the NIC says it can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    pub version: u32,
    pub caps: u32,
    pub features: u32,
    pub max_frame: u32,
    pub tx_queues: u32,
    pub rx_queues: u32,
}

/// One offload feature, named as ethtool names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Feature {
    pub name: &'static str,
    pub bit: u32,
}

/// Every feature the contract knows, in `ethtool -k` order.
pub const FEATURES: &[Feature] = &[
    Feature {
        name: "rx-checksumming",
        bit: cap::RX_CSUM,
    },
    Feature {
        name: "tx-checksum-ip-generic",
        bit: cap::TX_CSUM,
    },
    Feature {
        name: "tcp-segmentation-offload",
        bit: cap::TSO4,
    },
    Feature {
        name: "tx-tcp6-segmentation",
        bit: cap::TSO6,
    },
    Feature {
        name: "large-receive-offload",
        bit: cap::LRO,
    },
    Feature {
        name: "tcp-offload-engine",
        bit: cap::TOE,
    },
    Feature {
        name: "receive-hashing",
        bit: cap::RXHASH,
    },
    Feature {
        name: "loopback",
        bit: cap::LOOPBACK,
    },
];

/// Ring sizes, RX buffer size and how many queues to use.
#[derive(Debug, Clone, Copy)]
pub struct RingConfig {
    /// Entries of each TX queue's rings.
    pub tx_entries: u32,
    /// Entries of each RX queue's rings.
    pub rx_entries: u32,
    pub rx_buf_bytes: u32,
    /// Queues to use in each direction: `None` all the NIC has, `Some(n)` at
    /// most `n` (1 is one queue pair, queue 0 of each direction). `n` may not
    /// be 0 or more than the NIC has in both directions.
    pub queues: Option<u32>,
}

impl Default for RingConfig {
    fn default() -> Self {
        RingConfig {
            tx_entries: 256,
            rx_entries: 256,
            rx_buf_bytes: limits::MAX_FRAME,
            queues: None,
        }
    }
}

/// A decoded completion record (the contract's codec).
pub type Completion = firmware_model::contract::cpl::Completion;

/// The completion's phase bit.
pub fn cpl_phase(c: &Completion) -> bool {
    c.flags & CPL_FLAG_PHASE != 0
}

/// A received frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RxFrame {
    pub data: Vec<u8>,
    /// The RX queue whose ring it came from.
    pub queue: u16,
    /// The RSS hash of its flow and what it was computed over (`rss_type::*`),
    /// from the completion; both 0 when the NIC did not hash it.
    pub rss_hash: u32,
    pub rss_type: u8,
    pub cpl: Completion,
}

/// A TX descriptor the NIC completed with an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxFailure {
    pub queue: u16,
    pub index: u16,
    pub errors: u16,
}

/// Per-packet offload metadata with `virtio_net_hdr` semantics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TxMeta {
    pub flags: u8,
    pub gso_type: u8,
    pub hdr_len: u16,
    pub gso_size: u16,
    pub csum_start: u16,
    pub csum_offset: u16,
}

/// The number of TX and RX queues the NIC has (QUEUES register).
pub fn queue_counts<D: Device + ?Sized>(dev: &mut D) -> Result<(u32, u32), DriverError> {
    let q = dev.read32(reg::QUEUES)?;
    Ok((
        (q >> queues_reg::TXQ_SHIFT) & queues_reg::COUNT_MASK,
        (q >> queues_reg::RXQ_SHIFT) & queues_reg::COUNT_MASK,
    ))
}

/// The TX queue of `queues` a frame goes to: by the Toeplitz hash of its
/// flow (the IPv4/IPv6 4-tuple for TCP and UDP, else the address pair, as
/// RSS hashes it), so every frame of one flow takes the same queue and keeps
/// its order; queue 0 for frames that are not IP.
pub fn tx_queue_for(frame: &[u8], queues: u32) -> u32 {
    if queues <= 1 {
        return 0;
    }
    let input = firmware_model::rss::rss_input(frame);
    if input.hash_type == rss_type::NONE {
        return 0;
    }
    let hash = firmware_model::rss::toeplitz(&firmware_model::rss::VERIFICATION_KEY, input.bytes());
    // The hash's top bits pick the queue, for any queue count.
    ((u64::from(hash) * u64::from(queues)) >> 32) as u32
}

struct Ring {
    /// The queue number of the ring's direction.
    queue: u32,
    entries: u32,
    desc: DmaAddr,
    cpls: DmaAddr,
    bufs: DmaAddr,
    buf_bytes: u32,
    /// Next descriptor the host fills (TAIL).
    tail: u32,
    /// TAIL as last written to the NIC's doorbell.
    rung: u32,
    /// Next completion the host expects.
    next: u32,
    phase: bool,
}

impl Ring {
    fn in_flight(&self) -> u32 {
        (self.tail + self.entries - self.next) % self.entries
    }
    fn space(&self) -> u32 {
        self.entries - 1 - self.in_flight()
    }
    fn buf(&self, i: u32) -> DmaAddr {
        self.bufs.offset(i as u64 * self.buf_bytes as u64)
    }
    /// Moves past the completion just taken; the phase flips on wrap.
    fn advance(&mut self) {
        self.next = (self.next + 1) % self.entries;
        if self.next == 0 {
            self.phase = !self.phase;
        }
    }
}

/// The driver for one NIC.
pub struct Driver<D: Device> {
    dev: D,
    caps: Caps,
    /// The rings of the queues in use, by queue number (empty until `start`).
    tx: Vec<Ring>,
    rx: Vec<Ring>,
    /// The RX queue `reap_rx` looks at first (it turns, for fairness).
    rx_turn: usize,
    /// The indirection table the user set; `None`: `start` programs the default.
    rss_indir: Option<Indirection>,
    /// TX descriptors the NIC completed with an error, oldest first.
    pub tx_failures: Vec<TxFailure>,
    rx_ready: VecDeque<RxFrame>,
    /// Frames whose checksum the driver asked the NIC to fill in.
    pub tx_csum_offloaded: u64,
    /// Frames whose checksum the driver completed in software (offload off or absent).
    pub tx_csum_software: u64,
}

impl<D: Device> Driver<D> {
    /// Checks the NIC's identity, resets it and reads what it can do.
    pub fn open(mut dev: D) -> Result<Self, DriverError> {
        let id = dev.read32(reg::ID)?;
        if id != limits::ID_MAGIC {
            return Err(DriverError::WrongId { found: id });
        }
        let version = dev.read32(reg::VERSION)?;
        if version >> 16 != limits::VERSION >> 16 {
            return Err(DriverError::WrongVersion {
                major: version >> 16,
                minor: version & 0xffff,
            });
        }
        // Stop every queue before reset, as the contract asks.
        let (tx_queues, rx_queues) = queue_counts(&mut dev)?;
        for n in 0..tx_queues.min(limits::MAX_QUEUES) {
            dev.write32(txq(n, qreg::CTRL), 0)?;
        }
        for n in 0..rx_queues.min(limits::MAX_QUEUES) {
            dev.write32(rxq(n, qreg::CTRL), 0)?;
        }
        dev.write32(reg::CTRL, ctrl::RESET)?;
        let status = dev.read32(reg::STATUS)?;
        if status & firmware_model::contract::status::READY == 0 {
            return Err(DriverError::NotReady(status));
        }
        let (tx_queues, rx_queues) = queue_counts(&mut dev)?;
        let caps = Caps {
            version,
            caps: dev.read32(reg::CAPS)?,
            features: dev.read32(reg::FEATURES)?,
            max_frame: dev.read32(reg::MAX_FRAME)?,
            tx_queues: tx_queues.min(limits::MAX_QUEUES),
            rx_queues: rx_queues.min(limits::MAX_QUEUES),
        };
        Ok(Driver {
            dev,
            caps,
            tx: Vec::new(),
            rx: Vec::new(),
            rx_turn: 0,
            rss_indir: None,
            tx_failures: Vec::new(),
            rx_ready: Default::default(),
            tx_csum_offloaded: 0,
            tx_csum_software: 0,
        })
    }

    pub fn caps(&self) -> Caps {
        self.caps
    }

    pub fn device(&mut self) -> &mut D {
        &mut self.dev
    }

    /// TX queues in use (0 before `start`).
    pub fn tx_queues(&self) -> u32 {
        self.tx.len() as u32
    }

    /// RX queues in use (0 before `start`).
    pub fn rx_queues(&self) -> u32 {
        self.rx.len() as u32
    }

    /// Switches offloads on or off (`bits` of `cap::*`); returns what the NIC
    /// took, which never includes a bit it lacks.
    pub fn set_features(&mut self, on: u32, off: u32) -> Result<u32, DriverError> {
        let want = (self.caps.features | on) & !off;
        self.dev.write32(reg::FEATURES, want)?;
        self.caps.features = self.dev.read32(reg::FEATURES)?;
        Ok(self.caps.features)
    }

    /// MAC loopback on or off. Call it while the queues are idle.
    pub fn set_loopback(&mut self, on: bool) -> Result<(), DriverError> {
        let c = self.dev.read32(reg::CTRL)? & !ctrl::RESET;
        let c = if on {
            c | ctrl::LOOPBACK
        } else {
            c & !ctrl::LOOPBACK
        };
        Ok(self.dev.write32(reg::CTRL, c)?)
    }

    /// Sets the RSS indirection table (like `ethtool -X`) and keeps it:
    /// `start` then leaves it as it is instead of programming the default.
    /// Every entry must name an RX queue the NIC has, and once started one
    /// in use. Call it before `start` or while the RX queues are idle.
    pub fn set_rss_indir(&mut self, table: &Indirection) -> Result<(), DriverError> {
        if !self.rx.is_empty() {
            check_indir(table, self.rx_queues())?;
        }
        write_rss_indir(&mut self.dev, table)?;
        self.rss_indir = Some(*table);
        Ok(())
    }

    /// Forgets a table set with [`set_rss_indir`](Self::set_rss_indir): the
    /// next `start` programs the default again (`ethtool -X default`).
    pub fn clear_rss_indir(&mut self) {
        self.rss_indir = None;
    }

    /// The RSS indirection table as the NIC holds it.
    pub fn rss_indir(&mut self) -> Result<Indirection, DriverError> {
        read_rss_indir(&mut self.dev)
    }

    /// Sets up and enables the TX and RX queues `cfg.queues` asks for
    /// (default all), posting every RX buffer. With more than one RX queue it
    /// programs the RSS indirection table round robin over them (entry `i`
    /// to queue `i % n`, ethtool's default) unless one was set with
    /// [`set_rss_indir`](Self::set_rss_indir).
    pub fn start(&mut self, cfg: RingConfig) -> Result<(), DriverError> {
        for n in [cfg.tx_entries, cfg.rx_entries] {
            if !n.is_power_of_two() || !(limits::MIN_RING_SIZE..=limits::MAX_RING_SIZE).contains(&n)
            {
                return Err(DriverError::RingSize(n));
            }
        }
        let (has_tx, has_rx) = (self.caps.tx_queues, self.caps.rx_queues);
        let want = match cfg.queues {
            None => has_tx.max(has_rx),
            Some(n) if n == 0 || n > has_tx.max(has_rx) => {
                return Err(DriverError::QueueCount {
                    asked: n,
                    tx: has_tx,
                    rx: has_rx,
                })
            }
            Some(n) => n,
        };
        let (ntx, nrx) = (want.min(has_tx), want.min(has_rx));
        if ntx == 0 || nrx == 0 {
            return Err(DriverError::QueueCount {
                asked: want,
                tx: has_tx,
                rx: has_rx,
            });
        }
        let table = match self.rss_indir {
            Some(t) => {
                check_indir(&t, nrx)?;
                t
            }
            None => default_indir(nrx),
        };
        // The table first: no frame may be steered to a queue not in use.
        if self.rss_indir.is_none() {
            write_rss_indir(&mut self.dev, &table)?;
        }
        let mut tx = Vec::new();
        for q in 0..ntx {
            let r = self.make_ring(q, cfg.tx_entries, txd::SIZE, limits::MAX_FRAME)?;
            self.program(false, &r)?;
            tx.push(r);
        }
        let mut rx = Vec::new();
        for q in 0..nrx {
            let mut r = self.make_ring(q, cfg.rx_entries, rxd::SIZE, cfg.rx_buf_bytes)?;
            for i in 0..r.entries {
                let d = rxd::RxDesc {
                    addr: r.buf(i).0,
                    len: r.buf_bytes,
                }
                .encode();
                self.dev
                    .mem_write(r.desc.offset(i as u64 * rxd::SIZE as u64), &d)?;
            }
            self.program(true, &r)?;
            r.tail = r.entries - 1;
            r.rung = r.tail;
            rx.push(r);
        }
        self.dev
            .write32(reg::IRQ_MASK, irq::TX_DONE | irq::RX_DONE | irq::ERROR)?;
        for r in &rx {
            self.dev.write32(rxq(r.queue, qreg::TAIL), r.tail)?;
        }
        self.tx = tx;
        self.rx = rx;
        self.rx_turn = 0;
        Ok(())
    }

    fn make_ring(
        &mut self,
        queue: u32,
        entries: u32,
        desc_size: usize,
        buf_bytes: u32,
    ) -> Result<Ring, DriverError> {
        let align = limits::RING_ALIGN as u64;
        let desc = self.dev.dma_alloc(entries as usize * desc_size, align)?;
        let cpls = self.dev.dma_alloc(entries as usize * cpl::SIZE, align)?;
        let stride =
            (buf_bytes as u64).div_ceil(limits::BUF_ALIGN as u64) * limits::BUF_ALIGN as u64;
        let bufs = self
            .dev
            .dma_alloc(entries as usize * stride as usize, align)?;
        Ok(Ring {
            queue,
            entries,
            desc,
            cpls,
            bufs,
            buf_bytes: stride as u32,
            tail: 0,
            rung: 0,
            next: 0,
            phase: true,
        })
    }

    fn program(&mut self, is_rx: bool, r: &Ring) -> Result<(), DriverError> {
        let q = r.queue;
        let at = |o| if is_rx { rxq(q, o) } else { txq(q, o) };
        self.dev.write32(at(qreg::CTRL), 0)?;
        self.dev.write32(at(qreg::RING_LO), r.desc.0 as u32)?;
        self.dev
            .write32(at(qreg::RING_HI), (r.desc.0 >> 32) as u32)?;
        self.dev.write32(at(qreg::CPL_LO), r.cpls.0 as u32)?;
        self.dev
            .write32(at(qreg::CPL_HI), (r.cpls.0 >> 32) as u32)?;
        self.dev.write32(at(qreg::SIZE), r.entries)?;
        self.dev.write32(at(qreg::CTRL), qctrl::ENABLE)?;
        let st = self.dev.read32(at(qreg::STATUS))?;
        if st & qstatus::ENABLED == 0 {
            let cause = self
                .nic_error()?
                .map_or("queue did not enable".into(), |(c, w)| format!("{c} ({w})"));
            return Err(DriverError::QueueSetup {
                what: if is_rx { "RX" } else { "TX" },
                queue: q,
                cause,
            });
        }
        Ok(())
    }

    /// TX descriptors posted, on all queues, whose completion the driver has
    /// not reaped yet.
    pub fn tx_in_flight(&self) -> u32 {
        self.tx.iter().map(Ring::in_flight).sum()
    }

    /// Frames `transmit` takes now whatever queue they hash to: the free
    /// descriptors of the fullest TX queue (0 before `start`).
    pub fn tx_space(&self) -> u32 {
        self.tx.iter().map(Ring::space).min().unwrap_or(0)
    }

    /// Free descriptors of TX queue `queue` (0 if it is not in use).
    pub fn tx_space_on(&self, queue: u32) -> u32 {
        self.tx.get(queue as usize).map_or(0, Ring::space)
    }

    /// The TX queue `transmit` puts `frame` on ([`tx_queue_for`] over the
    /// queues in use).
    pub fn tx_queue_of(&self, frame: &[u8]) -> u32 {
        tx_queue_for(frame, self.tx_queues())
    }

    /// Sends a frame that may need its `CHECKSUM_PARTIAL` completed: by the
    /// NIC when `tx-checksum-ip-generic` is on, else in software. The wire
    /// carries the same bytes either way.
    pub fn send(&mut self, frame: &[u8], csum: Option<CsumRequest>) -> Result<(), DriverError> {
        let Some(req) = csum else {
            return self.transmit(frame, &TxMeta::default());
        };
        if self.caps.features & cap::TX_CSUM != 0 {
            let meta = TxMeta {
                flags: vnet::F_NEEDS_CSUM as u8,
                csum_start: req.start,
                csum_offset: req.offset,
                ..TxMeta::default()
            };
            self.transmit(frame, &meta)?;
            self.tx_csum_offloaded += 1;
        } else {
            let mut f = frame.to_vec();
            complete_partial(&mut f, req);
            self.transmit(&f, &TxMeta::default())?;
            self.tx_csum_software += 1;
        }
        Ok(())
    }

    /// Queues one frame for transmission on its flow's TX queue and rings
    /// that queue's doorbell.
    pub fn transmit(&mut self, frame: &[u8], meta: &TxMeta) -> Result<(), DriverError> {
        self.queue_tx(frame, meta)?;
        self.flush_tx()
    }

    /// Rings the doorbell of every TX queue that has frames
    /// [`queue_tx`](Self::queue_tx) queued since its last one (one MMIO write
    /// per queue for a whole batch); does nothing when there are none.
    pub fn flush_tx(&mut self) -> Result<(), DriverError> {
        if self.tx.is_empty() {
            return Err(DriverError::NotStarted);
        }
        for tx in &mut self.tx {
            if tx.rung != tx.tail {
                tx.rung = tx.tail;
                self.dev.write32(txq(tx.queue, qreg::TAIL), tx.tail)?;
            }
        }
        Ok(())
    }

    /// Writes one frame and its descriptor into the TX ring of its flow's
    /// queue ([`tx_queue_of`](Self::tx_queue_of)) without ringing the
    /// doorbell: the NIC sees it after the next [`flush_tx`](Self::flush_tx)
    /// (or `transmit`).
    pub fn queue_tx(&mut self, frame: &[u8], meta: &TxMeta) -> Result<(), DriverError> {
        if frame.is_empty() || frame.len() > self.caps.max_frame as usize {
            return Err(DriverError::FrameSize { len: frame.len() });
        }
        if self.tx.is_empty() {
            return Err(DriverError::NotStarted);
        }
        let q = self.tx_queue_of(frame) as usize;
        if self.tx[q].space() == 0 {
            Self::reap_tx_ring(&mut self.dev, &mut self.tx[q], &mut self.tx_failures)?;
        }
        let tx = &mut self.tx[q];
        if tx.space() == 0 {
            return Err(DriverError::TxRingFull {
                queue: tx.queue,
                in_flight: tx.in_flight(),
            });
        }
        let i = tx.tail;
        let buf = tx.buf(i);
        let d = txd::TxDesc {
            addr: buf.0,
            len: frame.len() as u32,
            vnet_flags: meta.flags,
            gso_type: meta.gso_type,
            hdr_len: meta.hdr_len,
            gso_size: meta.gso_size,
            csum_start: meta.csum_start,
            csum_offset: meta.csum_offset,
        }
        .encode();
        let desc = tx.desc.offset(i as u64 * txd::SIZE as u64);
        tx.tail = (i + 1) % tx.entries;
        self.dev.mem_write(buf, frame)?;
        self.dev.mem_write(desc, &d)?;
        Ok(())
    }

    /// Takes back TX descriptors the NIC has completed, on every queue;
    /// returns how many.
    pub fn reap_tx(&mut self) -> Result<u32, DriverError> {
        let mut n = 0;
        for tx in &mut self.tx {
            n += Self::reap_tx_ring(&mut self.dev, tx, &mut self.tx_failures)?;
        }
        Ok(n)
    }

    fn reap_tx_ring(
        dev: &mut D,
        tx: &mut Ring,
        failures: &mut Vec<TxFailure>,
    ) -> Result<u32, DriverError> {
        let mut n = 0;
        while tx.in_flight() > 0 {
            let c = read_cpl(dev, tx.cpls, tx.next)?;
            if cpl_phase(&c) != tx.phase {
                break;
            }
            if c.errors != 0 {
                failures.push(TxFailure {
                    queue: tx.queue as u16,
                    index: c.index,
                    errors: c.errors,
                });
            }
            tx.advance();
            n += 1;
        }
        Ok(n)
    }

    /// Collects received frames from every RX queue, one frame per queue in
    /// turn so that a busy queue cannot starve the others (and the queue
    /// looked at first moves on each call), and gives their buffers back to
    /// the NIC: one doorbell per queue. Frames of one queue keep their order.
    pub fn reap_rx(&mut self) -> Result<u32, DriverError> {
        let n = self.rx.len();
        if n == 0 {
            return Ok(0);
        }
        let start = self.rx_turn % n;
        self.rx_turn = (start + 1) % n;
        let mut taken = vec![0u32; n];
        let mut open = vec![true; n];
        while open.iter().any(|&o| o) {
            for k in 0..n {
                let q = (start + k) % n;
                if !open[q] {
                    continue;
                }
                // A ring gives at most what was posted before this call.
                if taken[q] >= self.rx[q].entries - 1 {
                    open[q] = false;
                    continue;
                }
                match Self::take_rx(&mut self.dev, &mut self.rx[q])? {
                    Some(f) => {
                        self.rx_ready.push_back(f);
                        taken[q] += 1;
                    }
                    None => open[q] = false,
                }
            }
        }
        for (rx, &t) in self.rx.iter_mut().zip(&taken) {
            if t > 0 {
                rx.rung = rx.tail;
                self.dev.write32(rxq(rx.queue, qreg::TAIL), rx.tail)?;
            }
        }
        Ok(taken.iter().sum())
    }

    /// The next completed frame of one RX ring, if any; its buffer is posted
    /// again (the doorbell is the caller's).
    fn take_rx(dev: &mut D, rx: &mut Ring) -> Result<Option<RxFrame>, DriverError> {
        let c = read_cpl(dev, rx.cpls, rx.next)?;
        if cpl_phase(&c) != rx.phase {
            return Ok(None);
        }
        let keep = c.len.min(rx.buf_bytes) as usize;
        let mut data = vec![0u8; keep];
        dev.mem_read(rx.buf(rx.next), &mut data)?;
        rx.advance();
        // The buffer is free again: post it (descriptor contents are unchanged).
        rx.tail = (rx.tail + 1) % rx.entries;
        Ok(Some(RxFrame {
            data,
            queue: rx.queue as u16,
            rss_hash: c.rss_hash,
            rss_type: c.rss_type,
            cpl: c,
        }))
    }

    /// The next received frame, if one has been collected.
    pub fn receive(&mut self) -> Option<RxFrame> {
        self.rx_ready.pop_front()
    }

    /// Waits up to `timeout_ns` for the NIC to interrupt, acknowledges it and
    /// collects completions of every queue. Returns false on timeout. Fails
    /// if the NIC reports malformed use.
    pub fn poll(&mut self, timeout_ns: u64) -> Result<bool, DriverError> {
        let fired = self.dev.wait_irq(timeout_ns)?;
        let cause = self.dev.read32(reg::IRQ_CAUSE)?;
        if cause != 0 {
            self.dev.write32(reg::IRQ_CAUSE, cause)?;
        }
        self.reap_tx()?;
        self.reap_rx()?;
        if cause & irq::ERROR != 0 {
            if let Some((cause, where_)) = self.nic_error()? {
                return Err(DriverError::Nic { cause, where_ });
            }
        }
        Ok(fired)
    }

    /// The NIC's malformed-use report, if any: (error names, where).
    pub fn nic_error(&mut self) -> Result<Option<(String, String)>, DriverError> {
        let cause = self.dev.read32(reg::ERR_CAUSE)?;
        if cause == 0 {
            return Ok(None);
        }
        let info = self.dev.read32(reg::ERR_INFO)?;
        let where_ = describe_err_info(info).unwrap_or_else(|| "no location recorded".into());
        Ok(Some((err::names(cause).join("|"), where_)))
    }

    /// Clears the NIC's sticky error report.
    pub fn clear_errors(&mut self) -> Result<(), DriverError> {
        let cause = self.dev.read32(reg::ERR_CAUSE)?;
        Ok(self.dev.write32(reg::ERR_CAUSE, cause)?)
    }

    /// Every statistics counter, in contract order.
    pub fn stats(&mut self) -> Result<Stats, DriverError> {
        read_stats(&mut self.dev)
    }

    /// The counters of every queue the NIC has (in use or not).
    pub fn queue_stats(&mut self) -> Result<QueueStats, DriverError> {
        read_queue_stats(&mut self.dev)
    }
}

fn read_cpl<D: Device>(dev: &mut D, base: DmaAddr, i: u32) -> Result<Completion, DriverError> {
    let mut b = [0u8; cpl::SIZE];
    dev.mem_read(base.offset(i as u64 * cpl::SIZE as u64), &mut b)?;
    Ok(Completion::decode(&b))
}
