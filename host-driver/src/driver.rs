//! The driver: reset, capability discovery, ring setup, transmit, receive,
//! statistics and error reporting, over any [`Device`].
//!
//! Registers are named only through `firmware_model::contract`; the driver
//! never writes a bare offset.

use crate::device::{Device, DeviceError};
use crate::offload::{complete_partial, CsumRequest};
use firmware_model::contract::vnet;
use firmware_model::contract::{
    cap, cpl, ctrl, describe_err_info, err, irq, limits, qctrl, qreg, qstatus, reg, rxd, rxq, txd,
    txq, CPL_FLAG_PHASE,
};
use firmware_model::mem::DmaAddr;

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
    #[error("unsupported contract version {major}.{minor} (this driver speaks 1.x)")]
    WrongVersion { major: u32, minor: u32 },
    #[error("NIC did not come out of reset (STATUS {0:#x})")]
    NotReady(u32),
    #[error("{what} queue setup refused by the NIC: {cause}")]
    QueueSetup { what: &'static str, cause: String },
    #[error("invalid ring size {0}: must be a power of two from {min} to {max}", min = limits::MIN_RING_SIZE, max = limits::MAX_RING_SIZE)]
    RingSize(u32),
    #[error("frame of {len} bytes cannot be sent: must be 1..={max}", max = limits::MAX_FRAME)]
    FrameSize { len: usize },
    #[error("TX ring full ({0} descriptors in flight)")]
    TxRingFull(u32),
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

/// Ring sizes and RX buffer size.
#[derive(Debug, Clone, Copy)]
pub struct RingConfig {
    pub tx_entries: u32,
    pub rx_entries: u32,
    pub rx_buf_bytes: u32,
}

impl Default for RingConfig {
    fn default() -> Self {
        RingConfig {
            tx_entries: 256,
            rx_entries: 256,
            rx_buf_bytes: limits::MAX_FRAME,
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
    pub cpl: Completion,
}

/// A TX descriptor the NIC completed with an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxFailure {
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

struct Ring {
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
    fn buf(&self, i: u32) -> DmaAddr {
        self.bufs.offset(i as u64 * self.buf_bytes as u64)
    }
}

/// Reads the RSS key (RSS_KEY registers).
pub fn read_rss_key<D: Device + ?Sized>(dev: &mut D) -> Result<[u8; RSS_KEY_LEN], DriverError> {
    let mut key = [0u8; RSS_KEY_LEN];
    for (w, chunk) in key.chunks_mut(4).enumerate() {
        let v = dev.read32(reg::RSS_KEY + 4 * w as u32)?;
        chunk.copy_from_slice(&v.to_le_bytes());
    }
    Ok(key)
}

/// Writes the RSS key (RSS_KEY registers). Change it only while the RX queue is idle.
pub fn write_rss_key<D: Device + ?Sized>(
    dev: &mut D,
    key: &[u8; RSS_KEY_LEN],
) -> Result<(), DriverError> {
    for (w, chunk) in key.chunks(4).enumerate() {
        let v = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        dev.write32(reg::RSS_KEY + 4 * w as u32, v)?;
    }
    Ok(())
}

/// Bytes of the RSS key.
pub const RSS_KEY_LEN: usize = 4 * limits::RSS_KEY_WORDS as usize;

/// Parses an RSS key as ethtool prints it (`6d:5a:...`, 40 bytes) or as
/// plain hex (80 digits).
pub fn parse_rss_key(s: &str) -> Result<[u8; RSS_KEY_LEN], String> {
    let hex: String = s.chars().filter(|c| *c != ':').collect();
    if hex.len() != 2 * RSS_KEY_LEN || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!(
            "'{s}' is not an RSS key: give {RSS_KEY_LEN} bytes as hex, e.g. 6d:5a:56:da:..."
        ));
    }
    let mut key = [0u8; RSS_KEY_LEN];
    for (i, b) in key.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
            .map_err(|_| format!("'{s}' is not an RSS key: bad hex at byte {i}"))?;
    }
    Ok(key)
}

/// An RSS key as ethtool prints it: bytes in hex joined by colons.
pub fn format_rss_key(key: &[u8]) -> String {
    key.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Counters read from the NIC.
pub type Stats = Vec<(&'static str, u64)>;

/// The driver for one NIC.
pub struct Driver<D: Device> {
    dev: D,
    caps: Caps,
    tx: Option<Ring>,
    rx: Option<Ring>,
    /// TX descriptors the NIC completed with an error, oldest first.
    pub tx_failures: Vec<TxFailure>,
    rx_ready: std::collections::VecDeque<RxFrame>,
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
        // Stop both queues before reset, as the contract asks.
        dev.write32(txq(0, qreg::CTRL), 0)?;
        dev.write32(rxq(0, qreg::CTRL), 0)?;
        dev.write32(reg::CTRL, ctrl::RESET)?;
        let status = dev.read32(reg::STATUS)?;
        if status & firmware_model::contract::status::READY == 0 {
            return Err(DriverError::NotReady(status));
        }
        let queues = dev.read32(reg::QUEUES)?;
        let caps = Caps {
            version,
            caps: dev.read32(reg::CAPS)?,
            features: dev.read32(reg::FEATURES)?,
            max_frame: dev.read32(reg::MAX_FRAME)?,
            tx_queues: queues & 0xff,
            rx_queues: (queues >> 8) & 0xff,
        };
        Ok(Driver {
            dev,
            caps,
            tx: None,
            rx: None,
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

    /// Sets up and enables TX queue 0 and RX queue 0, posting every RX buffer.
    pub fn start(&mut self, cfg: RingConfig) -> Result<(), DriverError> {
        for n in [cfg.tx_entries, cfg.rx_entries] {
            if !n.is_power_of_two() || !(limits::MIN_RING_SIZE..=limits::MAX_RING_SIZE).contains(&n)
            {
                return Err(DriverError::RingSize(n));
            }
        }
        let tx = self.make_ring(cfg.tx_entries, txd::SIZE, limits::MAX_FRAME)?;
        let rx = self.make_ring(cfg.rx_entries, rxd::SIZE, cfg.rx_buf_bytes)?;
        for i in 0..rx.entries {
            let d = rxd::RxDesc {
                addr: rx.buf(i).0,
                len: rx.buf_bytes,
            }
            .encode();
            self.dev
                .mem_write(rx.desc.offset(i as u64 * rxd::SIZE as u64), &d)?;
        }
        self.program(false, &tx)?;
        self.program(true, &rx)?;
        self.dev
            .write32(reg::IRQ_MASK, irq::TX_DONE | irq::RX_DONE | irq::ERROR)?;
        let mut rx = rx;
        rx.tail = rx.entries - 1;
        rx.rung = rx.tail;
        self.dev.write32(rxq(0, qreg::TAIL), rx.tail)?;
        self.tx = Some(tx);
        self.rx = Some(rx);
        Ok(())
    }

    fn make_ring(
        &mut self,
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
        let at = |o| if is_rx { rxq(0, o) } else { txq(0, o) };
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
                cause,
            });
        }
        Ok(())
    }

    /// TX descriptors posted whose completion the driver has not reaped yet.
    pub fn tx_in_flight(&self) -> u32 {
        self.tx.as_ref().map_or(0, |t| t.in_flight())
    }

    /// TX descriptors free for `transmit`.
    pub fn tx_space(&self) -> u32 {
        self.tx
            .as_ref()
            .map_or(0, |t| t.entries - 1 - t.in_flight())
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

    /// Queues one frame for transmission and rings the doorbell.
    pub fn transmit(&mut self, frame: &[u8], meta: &TxMeta) -> Result<(), DriverError> {
        self.queue_tx(frame, meta)?;
        self.flush_tx()
    }

    /// Rings the TX doorbell for every frame [`queue_tx`](Self::queue_tx)
    /// queued since the last one (one MMIO write for a whole batch); does
    /// nothing when there are none.
    pub fn flush_tx(&mut self) -> Result<(), DriverError> {
        let tx = self.tx.as_mut().ok_or(DriverError::NotStarted)?;
        if tx.rung != tx.tail {
            tx.rung = tx.tail;
            let tail = tx.tail;
            self.dev.write32(txq(0, qreg::TAIL), tail)?;
        }
        Ok(())
    }

    /// Writes one frame and its descriptor into the TX ring without ringing
    /// the doorbell: the NIC sees it after the next
    /// [`flush_tx`](Self::flush_tx) (or `transmit`).
    pub fn queue_tx(&mut self, frame: &[u8], meta: &TxMeta) -> Result<(), DriverError> {
        if frame.is_empty() || frame.len() > self.caps.max_frame as usize {
            return Err(DriverError::FrameSize { len: frame.len() });
        }
        self.reap_tx()?;
        let tx = self.tx.as_mut().ok_or(DriverError::NotStarted)?;
        if tx.in_flight() == tx.entries - 1 {
            return Err(DriverError::TxRingFull(tx.in_flight()));
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
        let tail = (i + 1) % tx.entries;
        self.dev.mem_write(buf, frame)?;
        self.dev.mem_write(desc, &d)?;
        if let Some(tx) = self.tx.as_mut() {
            tx.tail = tail;
        }
        Ok(())
    }

    /// Takes back TX descriptors the NIC has completed; returns how many.
    pub fn reap_tx(&mut self) -> Result<u32, DriverError> {
        let Some(tx) = self.tx.as_mut() else {
            return Ok(0);
        };
        let mut n = 0;
        while tx.in_flight() > 0 {
            let c = read_cpl(&mut self.dev, tx.cpls, tx.next)?;
            if cpl_phase(&c) != tx.phase {
                break;
            }
            if c.errors != 0 {
                self.tx_failures.push(TxFailure {
                    index: c.index,
                    errors: c.errors,
                });
            }
            tx.next = (tx.next + 1) % tx.entries;
            if tx.next == 0 {
                tx.phase = !tx.phase;
            }
            n += 1;
        }
        Ok(n)
    }

    /// Collects received frames and gives their buffers back to the NIC.
    pub fn reap_rx(&mut self) -> Result<u32, DriverError> {
        let Some(rx) = self.rx.as_mut() else {
            return Ok(0);
        };
        let mut n = 0;
        loop {
            let c = read_cpl(&mut self.dev, rx.cpls, rx.next)?;
            if cpl_phase(&c) != rx.phase {
                break;
            }
            let keep = c.len.min(rx.buf_bytes) as usize;
            let mut data = vec![0u8; keep];
            self.dev.mem_read(rx.buf(rx.next), &mut data)?;
            self.rx_ready.push_back(RxFrame { data, cpl: c });
            rx.next = (rx.next + 1) % rx.entries;
            if rx.next == 0 {
                rx.phase = !rx.phase;
            }
            // The buffer is free again: post it (descriptor contents are unchanged).
            rx.tail = (rx.tail + 1) % rx.entries;
            n += 1;
        }
        if n > 0 {
            rx.rung = rx.tail;
            let tail = rx.tail;
            self.dev.write32(rxq(0, qreg::TAIL), tail)?;
        }
        Ok(n)
    }

    /// The next received frame, if one has been collected.
    pub fn receive(&mut self) -> Option<RxFrame> {
        self.rx_ready.pop_front()
    }

    /// Waits up to `timeout_ns` for the NIC to interrupt, acknowledges it and
    /// collects completions. Returns false on timeout. Fails if the NIC
    /// reports malformed use.
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
}

fn read_cpl<D: Device>(dev: &mut D, base: DmaAddr, i: u32) -> Result<Completion, DriverError> {
    let mut b = [0u8; cpl::SIZE];
    dev.mem_read(base.offset(i as u64 * cpl::SIZE as u64), &mut b)?;
    Ok(Completion::decode(&b))
}

/// Reads every statistics counter (lower word first, which latches the upper).
pub fn read_stats<D: Device + ?Sized>(dev: &mut D) -> Result<Stats, DriverError> {
    let mut out = Vec::new();
    for it in firmware_model::contract::STATS.items {
        let off = it.value as u32;
        let lo = dev.read32(off)? as u64;
        let hi = dev.read32(off + 4)? as u64;
        out.push((it.name, hi << 32 | lo));
    }
    debug_assert_eq!(out.len(), limits::NUM_STATS as usize);
    Ok(out)
}
