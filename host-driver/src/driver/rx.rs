//! Receive: RX completions taken in turn across the queues, the frame copied out of its
//! buffer and the buffer posted again.

use super::{cpl_phase, Completion, Driver, DriverError, Ring};
use crate::device::{Device, DeviceError};
use firmware_model::contract::{qreg, rxq};

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

impl<D: Device> Driver<D> {
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
                match Self::take_rx(&mut self.rx[q])? {
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
    fn take_rx(rx: &mut Ring) -> Result<Option<RxFrame>, DriverError> {
        let c = rx.completion(rx.next)?;
        if cpl_phase(&c) != rx.phase {
            return Ok(None);
        }
        let keep = c.len.min(rx.buf_bytes) as usize;
        let data = rx
            .bufs
            .read_vec(rx.buf_offset(rx.next), keep)
            .map_err(DeviceError::from)?;
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
}
