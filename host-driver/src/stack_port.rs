//! The NIC as a device of the TCP/IP stack: `host-driver` implements
//! `stack::phy::Device`, so the stack runs unchanged on the RTL (`sim`), the
//! firmware model (`model`) or, later, the real card, and uses whatever
//! offloads the NIC has switched on.

use crate::device::Device;
use crate::driver::{Driver, DriverError, TxMeta};
use crate::offload::{complete_partial, CsumRequest};
use firmware_model::contract::{cap, verdict};
use stack::phy::{self, Capabilities, DeviceError, RxChecksum, RxMeta};
use std::collections::VecDeque;

/// One NIC, started, as the stack's device.
pub struct NicPort<D: Device> {
    drv: Driver<D>,
    rx: VecDeque<(Vec<u8>, RxMeta)>,
    /// Frames (with their driver metadata) waiting for room in the TX ring,
    /// oldest first: a small queue in front of the ring, as a qdisc is, so
    /// a burst larger than the ring is not dropped.
    backlog: VecDeque<(Vec<u8>, TxMeta)>,
    /// The first driver error met while receiving for the stack (whose
    /// `receive` cannot return one), kept for [`poll`](Self::poll) to report.
    rx_error: Option<DriverError>,
    /// Driver errors met while receiving for the stack, over the port's life.
    rx_errors: u64,
}

/// Frames [`NicPort`] holds while the TX ring is full; beyond this the
/// stack is told the device is exhausted.
pub const TX_BACKLOG_FRAMES: usize = 1024;

impl<D: Device> NicPort<D> {
    /// Wraps a driver whose queues are started.
    pub fn new(drv: Driver<D>) -> Self {
        NicPort {
            drv,
            rx: VecDeque::new(),
            backlog: VecDeque::new(),
            rx_error: None,
            rx_errors: 0,
        }
    }

    pub fn driver(&mut self) -> &mut Driver<D> {
        &mut self.drv
    }

    /// Lets the NIC run for up to `timeout_ns` of device time (until it
    /// interrupts) and collects what it completed. A driver error met
    /// earlier while the stack was receiving (see [`rx_errors`](Self::rx_errors))
    /// is returned first, once.
    pub fn poll(&mut self, timeout_ns: u64) -> Result<(), DriverError> {
        if let Some(e) = self.rx_error.take() {
            return Err(e);
        }
        self.flush_backlog()?;
        self.drv.poll(timeout_ns)?;
        self.collect();
        self.flush_backlog()?;
        Ok(())
    }

    /// Driver errors met while reaping RX completions for the stack's
    /// `receive`; the first not yet reported is returned by the next
    /// [`poll`](Self::poll).
    pub fn rx_errors(&self) -> u64 {
        self.rx_errors
    }

    /// Frames waiting for room in the TX ring.
    pub fn tx_backlog(&self) -> usize {
        self.backlog.len()
    }

    /// Moves held frames into the TX ring while it has room.
    fn flush_backlog(&mut self) -> Result<(), DriverError> {
        while let Some((frame, meta)) = self.backlog.front() {
            match self.drv.transmit(frame, meta) {
                Ok(()) => {
                    self.backlog.pop_front();
                }
                Err(DriverError::TxRingFull { .. }) => break,
                Err(e) => {
                    // A frame the NIC refuses would block the queue forever.
                    self.backlog.pop_front();
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Hands one frame to the ring, or holds it behind earlier ones.
    fn enqueue(&mut self, frame: Vec<u8>, meta: TxMeta) -> Result<(), DeviceError> {
        if self.backlog.is_empty() {
            match self.drv.transmit(&frame, &meta) {
                Ok(()) => return Ok(()),
                Err(DriverError::TxRingFull { .. }) => {}
                Err(e) => return Err(DeviceError::io("NIC transmit", e)),
            }
        } else if let Err(e) = self.flush_backlog() {
            return Err(DeviceError::io("NIC transmit of the held frames", e));
        }
        if self.backlog.len() >= TX_BACKLOG_FRAMES {
            return Err(DeviceError::Exhausted);
        }
        self.backlog.push_back((frame, meta));
        Ok(())
    }

    fn collect(&mut self) {
        let rx_csum = self.drv.caps().features & cap::RX_CSUM != 0;
        while let Some(f) = self.drv.receive() {
            if f.cpl.errors != 0 {
                continue; // counted by the NIC (RX_ERRORS); nothing to hand up
            }
            let checksum = match (rx_csum, f.cpl.csum_verdict) {
                (true, verdict::GOOD) => RxChecksum::Good,
                (true, verdict::BAD) => RxChecksum::Bad,
                _ => RxChecksum::None,
            };
            let meta = RxMeta {
                checksum,
                complete_sum: rx_csum.then_some(f.cpl.csum),
                segments: f.cpl.segs.max(1),
            };
            self.rx.push_back((f.data, meta));
        }
    }
}

impl<D: Device> phy::Device for NicPort<D> {
    fn capabilities(&self) -> Capabilities {
        let c = self.drv.caps();
        Capabilities {
            max_frame: c.max_frame as usize,
            tx_checksum: c.features & cap::TX_CSUM != 0,
            rx_checksum: c.features & cap::RX_CSUM != 0,
            ..Capabilities::default()
        }
    }

    fn transmit(&mut self, frame: &[u8], meta: &phy::TxMeta) -> Result<(), DeviceError> {
        let max = self.drv.caps().max_frame as usize;
        if frame.len() > max {
            return Err(DeviceError::TooBig {
                len: frame.len(),
                max,
            });
        }
        let needs_csum = meta.flags & phy::F_NEEDS_CSUM != 0;
        if needs_csum && self.drv.caps().features & cap::TX_CSUM == 0 {
            // Asked for an offload the NIC has off: finish it here.
            let mut f = frame.to_vec();
            complete_partial(
                &mut f,
                CsumRequest {
                    start: meta.csum_start,
                    offset: meta.csum_offset,
                },
            );
            self.enqueue(f, TxMeta::default())
        } else {
            self.enqueue(frame.to_vec(), *meta)
        }
    }

    fn receive(&mut self) -> Option<(Vec<u8>, RxMeta)> {
        if self.rx.is_empty() {
            // Completions the NIC wrote since the last poll. An error here
            // cannot reach the stack (`receive` returns no error): it is
            // counted and kept for the owner's next `poll`.
            match self.drv.reap_rx() {
                Ok(_) => self.collect(),
                Err(e) => {
                    self.rx_errors += 1;
                    self.rx_error.get_or_insert(e);
                }
            }
        }
        self.rx.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use firmware_model::contract::vnet;
    use stack::phy;

    /// The stack names the `virtio_net_hdr` values it puts in a `TxMeta` without depending on
    /// the NIC's contract; the driver hands that `TxMeta` to the NIC as it is, so the two sets
    /// of names must mean the same numbers.
    #[test]
    fn the_stacks_virtio_values_are_the_contracts() {
        assert_eq!(u32::from(phy::F_NEEDS_CSUM), vnet::F_NEEDS_CSUM);
        assert_eq!(u32::from(phy::GSO_NONE), vnet::GSO_NONE);
        assert_eq!(u32::from(phy::GSO_TCPV4), vnet::GSO_TCPV4);
        assert_eq!(u32::from(phy::GSO_TCPV6), vnet::GSO_TCPV6);
        assert_eq!(u32::from(phy::GSO_ECN), vnet::GSO_ECN);
    }
}
