//! The TX engine (docs/nic.md, "Transmit").

use super::queue::Dir;
use super::{aligned, count, dma, wraps, Frame, Nic};
use crate::contract::{cap, err, limits, stat, txd, vnet};
use crate::csum::{self, RxCsum};
use crate::mem::{DmaAddr, DmaMemory};
use crate::rss::RssResult;

// A TX descriptor as the contract lays it out. GSO_TYPE, HDR_LEN and
// GSO_SIZE are not used (no segmentation offload).
use crate::contract::txd::TxDesc;

/// What the engine asks of a descriptor.
trait TxChecks {
    fn needs_csum(&self) -> bool;
    fn check(&self, csum: bool) -> u32;
}

impl TxChecks for TxDesc {
    /// The descriptor asks for the L4 checksum (`F_NEEDS_CSUM`). Other
    /// VNET_FLAGS bits are ignored.
    fn needs_csum(&self) -> bool {
        u32::from(self.vnet_flags) & vnet::F_NEEDS_CSUM != 0
    }

    /// The descriptor's own error: `DESC_LEN` (also for a buffer that runs past
    /// the top of the address space), then `DESC_ALIGN`, then (only
    /// when the frame goes through the checksum engine, `csum`)
    /// `DESC_CSUM`.
    fn check(&self, csum: bool) -> u32 {
        if self.len == 0 || self.len > limits::MAX_FRAME || wraps(self.addr, self.len) {
            err::DESC_LEN
        } else if !aligned(self.addr, limits::BUF_ALIGN) {
            err::DESC_ALIGN
        } else if csum && u32::from(self.csum_start) + u32::from(self.csum_offset) + 2 > self.len {
            err::DESC_CSUM
        } else {
            0
        }
    }
}

impl Nic {
    /// Processes descriptor `HEAD` of the next TX queue, round robin, that
    /// has one posted. Returns false when no queue had anything to do.
    pub(super) fn tx_step(&mut self, mem: &mut dyn DmaMemory) -> bool {
        let n = self.txq.len();
        let Some(q) = (0..n)
            .map(|i| (self.tx_next + i) % n)
            .find(|&q| self.txq[q].has_work())
        else {
            return false;
        };
        self.tx_next = (q + 1) % n;
        let index = self.txq[q].head;

        // 1. The descriptor. A refused read halts the queue, HEAD stays.
        let mut raw = [0u8; txd::SIZE];
        if mem
            .dma_read(self.txq[q].desc_addr(txd::SIZE), &mut raw)
            .is_err()
        {
            self.error_event(err::DMA_READ, Dir::Tx, q, index);
            self.txq[q].halted = true;
            return true;
        }
        let desc = TxDesc::decode(&raw);
        // With FEATURES.TX_CSUM off, F_NEEDS_CSUM is ignored altogether.
        let csum = self.feature(cap::TX_CSUM) && desc.needs_csum();

        // 2. Its checks; 3. the frame, sent even when a read was refused,
        // through the checksum engine only when it was read whole.
        let mut errors = desc.check(csum);
        let mut checksummed = false;
        if errors == 0 {
            let (mut data, ok) = dma::read(mem, DmaAddr(desc.addr), desc.len as usize);
            if !ok {
                errors |= err::DMA_READ;
            } else if csum {
                // Cannot fail: check() has placed the field inside the frame.
                checksummed = csum::tx_checksum(
                    &mut data,
                    usize::from(desc.csum_start),
                    usize::from(desc.csum_offset),
                )
                .is_ok();
            }
            let frame = Frame { data, bad: !ok };
            if self.regs.loopback {
                self.loopback.push_back(frame);
            } else {
                self.wire_tx.push_back(frame);
            }
        }
        self.completion_error_events(errors, Dir::Tx, q, index);

        // 4. The completion; 5. HEAD, interrupt cause and counters.
        let none = (RxCsum::default(), RssResult::default());
        if self.write_completion(mem, Dir::Tx, q, desc.len, errors, none) {
            self.count_completion(Dir::Tx, q, desc.len, errors);
            if checksummed && errors == 0 {
                count(&mut self.regs.stats, stat::TX_CSUM, 1);
            }
        }
        true
    }

    /// Writes the completion for `HEAD` of queue `qnum` of `dir` in one burst
    /// and advances `HEAD`. A refused write halts the queue and leaves `HEAD`.
    pub(super) fn write_completion(
        &mut self,
        mem: &mut dyn DmaMemory,
        dir: Dir,
        qnum: usize,
        len: u32,
        errors: u32,
        (rx, rss): (RxCsum, RssResult),
    ) -> bool {
        let q = self.queue_mut(dir, qnum);
        let index = q.head;
        let rec = q.completion(qnum as u8, len, errors, rx, rss);
        if mem.dma_write(q.cpl_addr(), &rec).is_err() {
            q.halted = true;
            self.error_event(err::DMA_WRITE, dir, qnum, index);
            return false;
        }
        q.advance();
        true
    }
}
