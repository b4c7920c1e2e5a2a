//! The TX engine (docs/nic.md, "Transmit").

use super::queue::Dir;
use super::{aligned, dma, Frame, Nic};
use crate::contract::{err, limits, txd};
use crate::mem::{DmaAddr, DmaMemory};

/// The fields of a TX descriptor the engine uses.
struct TxDesc {
    addr: u64,
    len: u32,
}

impl TxDesc {
    fn parse(b: &[u8; txd::SIZE]) -> TxDesc {
        let mut addr = [0u8; 8];
        let mut len = [0u8; 4];
        addr.copy_from_slice(&b[txd::ADDR]);
        len.copy_from_slice(&b[txd::LEN]);
        TxDesc {
            addr: u64::from_le_bytes(addr),
            len: u32::from_le_bytes(len),
        }
    }

    /// The descriptor's own error: `DESC_LEN` before `DESC_ALIGN`.
    fn check(&self) -> u32 {
        if self.len == 0 || self.len > limits::MAX_FRAME {
            err::DESC_LEN
        } else if !aligned(self.addr, limits::BUF_ALIGN) {
            err::DESC_ALIGN
        } else {
            0
        }
    }
}

impl Nic {
    /// Processes TX descriptor `HEAD` if one is posted. Returns false when
    /// there was nothing to do.
    pub(super) fn tx_step(&mut self, mem: &mut dyn DmaMemory) -> bool {
        if !self.txq.has_work() {
            return false;
        }
        let index = self.txq.head;

        // 1. The descriptor. A refused read halts the queue, HEAD stays.
        let mut raw = [0u8; txd::SIZE];
        if mem
            .dma_read(self.txq.desc_addr(txd::SIZE), &mut raw)
            .is_err()
        {
            self.error_event(err::DMA_READ, Dir::Tx, index);
            self.txq.halted = true;
            return true;
        }
        let desc = TxDesc::parse(&raw);

        // 2. Its checks; 3. the frame, sent even when a read was refused.
        let mut errors = desc.check();
        if errors == 0 {
            let (data, ok) = dma::read(mem, DmaAddr(desc.addr), desc.len as usize);
            if !ok {
                errors |= err::DMA_READ;
            }
            let frame = Frame { data, bad: !ok };
            if self.regs.loopback {
                self.loopback.push_back(frame);
            } else {
                self.wire_tx.push_back(frame);
            }
        }
        self.completion_error_events(errors, Dir::Tx, index);

        // 4. The completion; 5. HEAD, interrupt cause and counters.
        if self.write_completion(mem, Dir::Tx, desc.len, errors) {
            self.count_completion(Dir::Tx, desc.len, errors);
        }
        true
    }

    /// Writes the completion for `HEAD` of queue `dir` in one burst and
    /// advances `HEAD`. A refused write halts the queue and leaves `HEAD`.
    pub(super) fn write_completion(
        &mut self,
        mem: &mut dyn DmaMemory,
        dir: Dir,
        len: u32,
        errors: u32,
    ) -> bool {
        let q = self.queue_mut(dir);
        let index = q.head;
        let rec = q.completion(len, errors);
        if mem.dma_write(q.cpl_addr(), &rec).is_err() {
            q.halted = true;
            self.error_event(err::DMA_WRITE, dir, index);
            return false;
        }
        q.advance();
        true
    }
}
