//! The RX engine (docs/nic.md, "Receive").

use super::queue::Dir;
use super::{aligned, count, dma, wraps, Nic};
use crate::contract::{cap, err, limits, rxd, stat};
use crate::csum::{self, RxCsum};
use crate::mem::{DmaAddr, DmaMemory};
use crate::rss;

use crate::contract::rxd::RxDesc;

/// What the engine asks of a descriptor.
trait RxChecks {
    fn check(&self) -> u32;
}

impl RxChecks for RxDesc {
    /// The descriptor's own error: `DESC_LEN` (no room, or a buffer that runs
    /// past the top of the address space) before `DESC_ALIGN`.
    fn check(&self) -> u32 {
        if self.len == 0 || wraps(self.addr, self.len) {
            err::DESC_LEN
        } else if !aligned(self.addr, limits::BUF_ALIGN) {
            err::DESC_ALIGN
        } else {
            0
        }
    }
}

impl Nic {
    /// Handles the frame at the front of the selected RX input, if the queue
    /// can take it now. Returns false when there was nothing to do.
    pub(super) fn rx_step(&mut self, mem: &mut dyn DmaMemory) -> bool {
        let port = if self.regs.loopback {
            &mut self.loopback
        } else {
            &mut self.wire_rx
        };
        let Some(front) = port.front() else {
            return false;
        };
        // The RX buffer holds a whole frame before RSS picks its queue; a
        // frame longer than it is dropped at the port.
        if front.data.len() > limits::MAX_RX_FRAME as usize {
            port.pop_front();
            count(&mut self.regs.stats, stat::RX_OVERSIZE, 1);
            return true;
        }
        // RSS hashes every frame the NIC takes, like the checksum engine, and
        // picks its queue (queue 0 with FEATURES.RXHASH off).
        let rss = if self.regs.features & cap::RXHASH != 0 {
            rss::rx_rss(&front.data, &self.regs.rss_key.0, &self.regs.rss_indir.0)
        } else {
            rss::RssResult::default()
        };
        let q = usize::from(rss.queue);
        if !self.rxq[q].running() {
            port.pop_front();
            self.count_drop(q);
            return true;
        }
        if !self.rxq[q].has_work() {
            // No descriptor: the frame waits at the port (and so do the
            // frames behind it, whatever their queue).
            return false;
        }
        let Some(frame) = port.pop_front() else {
            return false;
        };
        let index = self.rxq[q].head;

        // The descriptor. A refused read halts the queue and drops the frame.
        let mut raw = [0u8; rxd::SIZE];
        if mem
            .dma_read(self.rxq[q].desc_addr(rxd::SIZE), &mut raw)
            .is_err()
        {
            self.error_event(err::DMA_READ, Dir::Rx, q, index);
            self.rxq[q].halted = true;
            self.count_drop(q);
            return true;
        }
        let desc = RxDesc::decode(&raw);

        // A bad descriptor consumes the frame and writes nothing.
        let mut errors = desc.check();
        if errors == 0 {
            let cap = usize::try_from(desc.len).unwrap_or(usize::MAX);
            let n = frame.data.len().min(cap);
            if !dma::write(mem, DmaAddr(desc.addr), &frame.data[..n]) {
                errors |= err::DMA_WRITE;
            }
            if frame.data.len() > cap {
                errors |= err::RX_TOO_BIG;
            }
        }
        if frame.bad {
            errors |= err::RX_FRAME;
        }
        self.completion_error_events(errors, Dir::Rx, q, index);

        // The RX checksum engine sees every frame the queue takes, whatever
        // becomes of it; its result goes into every completion.
        let rx = if self.feature(cap::RX_CSUM) {
            csum::rx_checksum(&frame.data)
        } else {
            RxCsum::default()
        };

        let len = u32::try_from(frame.data.len()).unwrap_or(u32::MAX);
        if self.write_completion(mem, Dir::Rx, q, len, errors, (rx, rss)) {
            self.count_completion(Dir::Rx, q, len, errors);
            self.count_rx_csum(rx);
        }
        true
    }
}
