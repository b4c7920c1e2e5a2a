//! One port of the stack's wire emulator as a NIC with offloads, emulated in software by OUR
//! NIC's rules: [`EmulatorPort`]. Its checksum offloads are the firmware model's functions
//! (`firmware_model::csum`), so a stack tested against it is tested against what the NIC does;
//! its TSO and LRO are the stack's own segmenting and merging rules (`stack::iface::gso`, `gro`)
//! until the NIC has them. It lives outside `stack` so that the stack depends on nothing of ours.

use std::collections::VecDeque;

use stack::phy::{self, emulator::PortId, emulator::Wire};

/// Counters of an [`EmulatorPort`]: what the emulated device did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EmulatorPortStats {
    /// Frames handed to [`transmit`](stack::phy::Device::transmit) (super-frames count once).
    pub tx_calls: u64,
    /// Frames put on the wire.
    pub tx_frames: u64,
    /// GSO super-frames segmented by the emulated TSO, and the segments made.
    pub tso_super_frames: u64,
    pub tso_segments: u64,
    /// NEEDS_CSUM frames whose checksum the emulated device completed.
    pub tx_csum_completed: u64,
    /// Frames refused (too big, offload not switched on, malformed GSO).
    pub tx_refused: u64,
    /// Frames received from the wire, and handed to the stack.
    pub rx_wire_frames: u64,
    pub rx_frames: u64,
    /// Emulated RX checksum verdicts.
    pub rx_csum_good: u64,
    pub rx_csum_bad: u64,
    /// Wire frames merged into an earlier one by the emulated LRO.
    pub lro_merged: u64,
}

/// One port of a [`Wire`] as a [`Device`](stack::phy::Device), on a simulated
/// clock shared with the caller (several stacks in one process each get a
/// port of the same wire).
///
/// By default it has no offloads. [`with_capabilities`](Self::with_capabilities)
/// switches on offloads the port then EMULATES in software, so the stack's
/// offload paths run without a NIC:
///
/// - `tx_checksum`: NEEDS_CSUM frames are completed as our NIC completes them
///   (the model's rule: the sum from `csum_start` to the end, complement stored
///   at `csum_start + csum_offset`, 0 as 0xFFFF; an IPv4 header checksum too).
/// - `tso_v4` / `tso_v6`: GSO super-frames are split per Linux
///   `tcp_gso_segment` ([`stack::iface::gso::segment`]), each segment's TCP
///   checksum computed from the super-frame's field, which must hold the
///   pseudo-header sum without the length.
/// - `rx_checksum`: every received frame gets the verdict our NIC gives it
///   (the model's parser and rules: a 128-byte header window, at most two
///   IPv6 extension headers) and, always, the CHECKSUM_COMPLETE sum of the
///   bytes after the Ethernet header ([`report_rx_verdict`](Self::report_rx_verdict)
///   can switch the verdict off to exercise the complete-sum path alone).
/// - `lro`: in-order TCP segments of one flow that have arrived by the time
///   of a receive are coalesced ([`stack::iface::gro`] rules), checksums
///   recomputed, `RxMeta::segments` set.
pub struct EmulatorPort {
    wire: std::rc::Rc<std::cell::RefCell<Wire>>,
    port: PortId,
    clock: std::rc::Rc<std::cell::Cell<u64>>,
    caps: phy::Capabilities,
    rx_verdict: bool,
    rx_pending: VecDeque<(Vec<u8>, phy::RxMeta)>,
    tx_log: Option<Vec<(Vec<u8>, phy::TxMeta)>>,
    stats: EmulatorPortStats,
}

impl std::fmt::Debug for EmulatorPort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorPort")
            .field("port", &self.port)
            .field("caps", &self.caps)
            .field("stats", &self.stats)
            .finish()
    }
}

impl EmulatorPort {
    /// Largest frame by default: 1500 bytes of IP plus the Ethernet header.
    pub const DEFAULT_MAX_FRAME: usize = 1514;

    /// A port of `wire` (attached by the caller) whose time is `clock`.
    pub fn new(
        wire: std::rc::Rc<std::cell::RefCell<Wire>>,
        port: PortId,
        clock: std::rc::Rc<std::cell::Cell<u64>>,
    ) -> Self {
        EmulatorPort {
            wire,
            port,
            clock,
            caps: phy::Capabilities {
                max_frame: Self::DEFAULT_MAX_FRAME,
                ..phy::Capabilities::default()
            },
            rx_verdict: true,
            rx_pending: VecDeque::new(),
            tx_log: None,
            stats: EmulatorPortStats::default(),
        }
    }

    /// Attaches a new port to `wire` and returns it as a device.
    pub fn attach(
        wire: &std::rc::Rc<std::cell::RefCell<Wire>>,
        clock: &std::rc::Rc<std::cell::Cell<u64>>,
    ) -> Self {
        let port = wire.borrow_mut().attach();
        Self::new(wire.clone(), port, clock.clone())
    }

    /// Switches on the offloads in `caps` (emulated in software). A zero
    /// `max_frame` keeps the default; TSO without `max_tso_bytes` gets 64 KiB.
    pub fn with_capabilities(mut self, caps: phy::Capabilities) -> Self {
        self.set_capabilities(caps);
        self
    }

    pub fn set_capabilities(&mut self, mut caps: phy::Capabilities) {
        if caps.max_frame == 0 {
            caps.max_frame = Self::DEFAULT_MAX_FRAME;
        }
        if (caps.tso_v4 || caps.tso_v6) && caps.max_tso_bytes == 0 {
            caps.max_tso_bytes = 65535;
        }
        self.caps = caps;
    }

    /// With `rx_checksum`: whether a verdict is reported besides the
    /// complete sum (default true).
    pub fn report_rx_verdict(mut self, on: bool) -> Self {
        self.rx_verdict = on;
        self
    }

    /// Records every frame and metadata handed to `transmit` from now on.
    pub fn record_tx(&mut self, on: bool) {
        self.tx_log = on.then(Vec::new);
    }

    /// The frames recorded since the last call.
    pub fn take_tx_log(&mut self) -> Vec<(Vec<u8>, phy::TxMeta)> {
        self.tx_log.as_mut().map(std::mem::take).unwrap_or_default()
    }

    pub fn port(&self) -> PortId {
        self.port
    }

    pub fn stats(&self) -> EmulatorPortStats {
        self.stats
    }

    fn refuse(&mut self, e: phy::DeviceError) -> Result<(), phy::DeviceError> {
        self.stats.tx_refused += 1;
        Err(e)
    }

    fn put(&mut self, frame: Vec<u8>) -> Result<(), phy::DeviceError> {
        if frame.len() > self.caps.max_frame {
            return self.refuse(phy::DeviceError::TooBig {
                len: frame.len(),
                max: self.caps.max_frame,
            });
        }
        self.stats.tx_frames += 1;
        self.wire
            .borrow_mut()
            .send(self.port, frame, self.clock.get())
            .map(|_| ())
            .map_err(|e| phy::DeviceError::io("put the frame on the wire", e))
    }

    /// Pulls what has arrived from the wire into `rx_pending`, with the
    /// emulated verdicts and LRO.
    fn fill_rx(&mut self) {
        let now = self.clock.get();
        let mut arrived = Vec::new();
        loop {
            let f = self.wire.borrow_mut().recv(self.port, now);
            match f {
                Ok(Some(f)) => arrived.push(f),
                _ => break,
            }
        }
        self.stats.rx_wire_frames += arrived.len() as u64;
        let frames: Vec<(Vec<u8>, u16)> = if self.caps.lro {
            let merged = stack::iface::gro::lro_coalesce(arrived);
            let n: u64 = merged.iter().map(|(_, s)| u64::from(*s) - 1).sum();
            self.stats.lro_merged += n;
            merged
        } else {
            arrived.into_iter().map(|f| (f, 1)).collect()
        };
        for (f, segments) in frames {
            let mut meta = phy::RxMeta {
                segments,
                ..phy::RxMeta::default()
            };
            // As the NIC: a sum for every frame (0 for one of 14 bytes or fewer).
            if self.caps.rx_checksum {
                let (verdict, sum) = rx_checksum(&f);
                meta.complete_sum = Some(sum);
                if self.rx_verdict {
                    meta.checksum = verdict;
                    match meta.checksum {
                        phy::RxChecksum::Good => self.stats.rx_csum_good += 1,
                        phy::RxChecksum::Bad => self.stats.rx_csum_bad += 1,
                        phy::RxChecksum::None => {}
                    }
                }
            }
            self.rx_pending.push_back((f, meta));
        }
    }
}

/// What our NIC's RX checksum engine reports for `frame`, by the model's rule
/// (`firmware_model::csum::rx_checksum`, docs/offloads.md "RX checksum"): the verdict, and the
/// CHECKSUM_COMPLETE sum of the bytes after the Ethernet header.
fn rx_checksum(frame: &[u8]) -> (phy::RxChecksum, u16) {
    use firmware_model::contract::verdict;
    let rx = firmware_model::csum::rx_checksum(frame);
    let v = match rx.verdict {
        verdict::GOOD => phy::RxChecksum::Good,
        verdict::BAD => phy::RxChecksum::Bad,
        _ => phy::RxChecksum::None,
    };
    (v, rx.csum)
}

impl phy::Device for EmulatorPort {
    fn capabilities(&self) -> phy::Capabilities {
        self.caps
    }

    fn transmit(&mut self, frame: &[u8], meta: &phy::TxMeta) -> Result<(), phy::DeviceError> {
        use stack::iface::gso::{segment, SegChecksum};
        use stack::phy::{DeviceError, F_NEEDS_CSUM, GSO_ECN, GSO_NONE, GSO_TCPV4, GSO_TCPV6};
        self.stats.tx_calls += 1;
        if let Some(log) = &mut self.tx_log {
            log.push((frame.to_vec(), *meta));
        }
        let gso = meta.gso_type & !GSO_ECN;
        if gso != GSO_NONE {
            let allowed = match gso {
                GSO_TCPV4 => self.caps.tso_v4,
                GSO_TCPV6 => self.caps.tso_v6,
                _ => false,
            };
            if !allowed {
                return self.refuse(DeviceError::Refused(format!(
                    "gso_type {:#x} without that TSO switched on",
                    meta.gso_type
                )));
            }
            let l3_len = frame.len().saturating_sub(14);
            if l3_len > self.caps.max_tso_bytes {
                return self.refuse(DeviceError::TooBig {
                    len: frame.len(),
                    max: self.caps.max_tso_bytes + 14,
                });
            }
            let segs = match segment(frame, meta, SegChecksum::FromField) {
                Ok(s) => s,
                Err(e) => return self.refuse(DeviceError::io("TSO", e)),
            };
            if let Some(big) = segs.iter().find(|(s, _)| s.len() > self.caps.max_frame) {
                let len = big.0.len();
                return self.refuse(DeviceError::TooBig {
                    len,
                    max: self.caps.max_frame,
                });
            }
            self.stats.tso_super_frames += 1;
            self.stats.tso_segments += segs.len() as u64;
            for (s, _) in segs {
                self.put(s)?;
            }
            return Ok(());
        }
        let mut frame = frame.to_vec();
        if meta.flags & F_NEEDS_CSUM != 0 {
            if !self.caps.tx_checksum {
                return self.refuse(DeviceError::Refused(
                    "NEEDS_CSUM without tx checksumming switched on".into(),
                ));
            }
            // The model's rule (`firmware_model::csum::tx_checksum`, docs/offloads.md "TX
            // checksum"): the L4 sum from CSUM_START (0 written as 0xFFFF) and, for IPv4, the
            // header checksum.
            let (start, offset) = (usize::from(meta.csum_start), usize::from(meta.csum_offset));
            if let Err(e) = firmware_model::csum::tx_checksum(&mut frame, start, offset) {
                return self.refuse(DeviceError::io("TX checksum", e));
            }
            self.stats.tx_csum_completed += 1;
        }
        self.put(frame)
    }

    fn receive(&mut self) -> Option<(Vec<u8>, phy::RxMeta)> {
        if self.rx_pending.is_empty() {
            self.fill_rx();
        }
        let r = self.rx_pending.pop_front();
        if r.is_some() {
            self.stats.rx_frames += 1;
        }
        r
    }
}
