//! The rings: for each queue a descriptor ring, a completion ring and its buffers, all in DMA
//! memory the device maps; setting up and enabling the queues (docs/nic.md, "Rings").

use super::{
    check_indir, default_indir, write_rss_indir, Completion, Driver, DriverError, RingConfig,
};
use crate::device::{Device, DeviceError, DmaRegion};
use firmware_model::contract::{cpl, irq, limits, qctrl, qreg, qstatus, reg, rxd, rxq, txd, txq};

pub(super) struct Ring {
    /// The queue number of the ring's direction.
    pub(super) queue: u32,
    pub(super) entries: u32,
    pub(super) desc: DmaRegion,
    pub(super) cpls: DmaRegion,
    /// `entries` buffers of `buf_bytes` each.
    pub(super) bufs: DmaRegion,
    pub(super) buf_bytes: u32,
    /// Next descriptor the host fills (TAIL).
    pub(super) tail: u32,
    /// TAIL as last written to the NIC's doorbell.
    pub(super) rung: u32,
    /// Next completion the host expects.
    pub(super) next: u32,
    pub(super) phase: bool,
}

impl Ring {
    pub(super) fn in_flight(&self) -> u32 {
        (self.tail + self.entries - self.next) % self.entries
    }
    pub(super) fn space(&self) -> u32 {
        self.entries - 1 - self.in_flight()
    }
    /// Byte offset of buffer `i` in `bufs`.
    pub(super) fn buf_offset(&self, i: u32) -> usize {
        i as usize * self.buf_bytes as usize
    }

    /// The completion record at `i`, decoded by the contract's codec.
    pub(super) fn completion(&self, i: u32) -> Result<Completion, DriverError> {
        let mut b = [0u8; cpl::SIZE];
        self.cpls
            .read(i as usize * cpl::SIZE, &mut b)
            .map_err(DeviceError::from)?;
        Ok(Completion::decode(&b))
    }
    /// Moves past the completion just taken; the phase flips on wrap.
    pub(super) fn advance(&mut self) {
        self.next = (self.next + 1) % self.entries;
        if self.next == 0 {
            self.phase = !self.phase;
        }
    }
}

impl<D: Device> Driver<D> {
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
                    addr: r.bufs.bus_at(r.buf_offset(i)).0,
                    len: r.buf_bytes,
                }
                .encode();
                r.desc
                    .write(i as usize * rxd::SIZE, &d)
                    .map_err(DeviceError::from)?;
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
        let (ring, cpls) = (r.desc.bus_addr().0, r.cpls.bus_addr().0);
        self.dev.write32(at(qreg::RING_LO), ring as u32)?;
        self.dev.write32(at(qreg::RING_HI), (ring >> 32) as u32)?;
        self.dev.write32(at(qreg::CPL_LO), cpls as u32)?;
        self.dev.write32(at(qreg::CPL_HI), (cpls >> 32) as u32)?;
        self.dev.write32(at(qreg::SIZE), r.entries)?;
        self.dev.write32(at(qreg::CTRL), qctrl::ENABLE)?;
        let st = self.dev.read32(at(qreg::STATUS))?;
        if st & qstatus::ENABLED == 0 {
            return Err(DriverError::QueueSetup {
                what: if is_rx { "RX" } else { "TX" },
                queue: q,
                fault: self.nic_error()?,
            });
        }
        Ok(())
    }
}
