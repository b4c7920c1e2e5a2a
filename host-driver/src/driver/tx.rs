//! Transmit: which queue a frame takes, writing frame and descriptor into DMA memory, the
//! doorbell, the `CHECKSUM_PARTIAL` choice between the NIC and software, TX completions.

use super::{cpl_phase, Driver, DriverError, Ring};
use crate::device::{Device, DeviceError};
use crate::offload::{complete_partial, CsumRequest};
use firmware_model::contract::{cap, qreg, rss_type, txd, txq, vnet};

/// Per-packet offload metadata with `virtio_net_hdr` semantics: the stack's type, which the
/// driver takes as it is into the TX descriptor.
pub use stack::phy::TxMeta;

/// A TX descriptor the NIC completed with an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxFailure {
    pub queue: u16,
    pub index: u16,
    pub errors: u16,
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

impl<D: Device> Driver<D> {
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
            Self::reap_tx_ring(&mut self.tx[q], &mut self.tx_failures)?;
        }
        let tx = &mut self.tx[q];
        if tx.space() == 0 {
            return Err(DriverError::TxRingFull {
                queue: tx.queue,
                in_flight: tx.in_flight(),
            });
        }
        let i = tx.tail;
        let buf = tx.buf_offset(i);
        let d = txd::TxDesc {
            addr: tx.bufs.bus_at(buf).0,
            len: frame.len() as u32,
            vnet_flags: meta.flags,
            gso_type: meta.gso_type,
            hdr_len: meta.hdr_len,
            gso_size: meta.gso_size,
            csum_start: meta.csum_start,
            csum_offset: meta.csum_offset,
        }
        .encode();
        // The frame, then its descriptor: the NIC sees neither before the doorbell.
        tx.bufs.write(buf, frame).map_err(DeviceError::from)?;
        tx.desc
            .write(i as usize * txd::SIZE, &d)
            .map_err(DeviceError::from)?;
        tx.tail = (i + 1) % tx.entries;
        Ok(())
    }

    /// Takes back TX descriptors the NIC has completed, on every queue;
    /// returns how many.
    pub fn reap_tx(&mut self) -> Result<u32, DriverError> {
        let mut n = 0;
        for tx in &mut self.tx {
            n += Self::reap_tx_ring(tx, &mut self.tx_failures)?;
        }
        Ok(n)
    }

    fn reap_tx_ring(tx: &mut Ring, failures: &mut Vec<TxFailure>) -> Result<u32, DriverError> {
        let mut n = 0;
        while tx.in_flight() > 0 {
            let c = tx.completion(tx.next)?;
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
}
