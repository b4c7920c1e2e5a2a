//! The driver: bring-up, rings, transmit, receive, interrupts and statistics over any
//! [`Device`], on every queue pair the NIC has (docs/nic.md, "Queues and RSS"). One file per
//! part, in the order a reader meets them:
//!
//! - [`init`]: identity, reset, capabilities, features, loopback;
//! - [`rings`]: the descriptor and completion rings in DMA memory, queue setup;
//! - [`tx`]: transmit, the TX queue of a flow, TX completions;
//! - [`rx`]: receive completions and buffer reposting;
//! - [`irq`]: waiting for interrupts, the NIC's malformed-use report;
//! - [`rss`]: the RSS key and indirection table;
//! - [`stats`]: the global counters and each queue's.
//!
//! Registers and records are named only through `firmware_model::contract` and its codecs;
//! the driver never writes a bare offset.

mod init;
mod irq;
mod rings;
mod rss;
mod rx;
mod stats;
mod tx;

pub use irq::NicFault;
pub use rss::{
    check_indir, default_indir, read_rss_indir, read_rss_key, write_rss_indir, write_rss_key,
    Indirection, INDIRECTION_LEN, RSS_KEY_LEN,
};
pub use rx::RxFrame;
pub use stats::{read_queue_stats, read_stats, QueueCounters, QueueStats, Stats};
pub use tx::{tx_queue_for, TxFailure, TxMeta};

use crate::device::{Device, DeviceError};
use firmware_model::contract::{cap, limits, queues_reg, reg, CPL_FLAG_PHASE};
use rings::Ring;
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
    #[error("{what} queue {queue} setup refused by the NIC: {}", fault.map_or("queue did not enable".to_string(), |f| f.to_string()))]
    QueueSetup {
        what: &'static str,
        queue: u32,
        /// What the NIC reported, if it reported anything.
        fault: Option<NicFault>,
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
    #[error("the NIC reports malformed use: {0}")]
    Nic(NicFault),
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

/// The number of TX and RX queues the NIC has (QUEUES register).
pub fn queue_counts<D: Device + ?Sized>(dev: &mut D) -> Result<(u32, u32), DriverError> {
    let q = dev.read32(reg::QUEUES)?;
    Ok((
        (q >> queues_reg::TXQ_SHIFT) & queues_reg::COUNT_MASK,
        (q >> queues_reg::RXQ_SHIFT) & queues_reg::COUNT_MASK,
    ))
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
}
