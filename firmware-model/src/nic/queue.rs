//! One queue's rings: setup registers, the ENABLE checks, the doorbell, HEAD
//! and phase, and the completion record (docs/nic.md, "Rings").

use super::{aligned, wraps_ring};
use crate::contract::{
    cpl, err, limits, qctrl, qirq, qirq_field, qreg, qstatus, rxd, txd, CPL_FLAG_PHASE,
};
use crate::csum::RxCsum;
use crate::mem::DmaAddr;
use crate::rss::RssResult;

/// Which engine a queue belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dir {
    Tx,
    Rx,
}

/// A queue's register-visible state.
#[derive(Debug)]
pub(super) struct Queue {
    pub ring: u64,
    pub cpl: u64,
    pub size: u32,
    pub enabled: bool,
    pub halted: bool,
    pub head: u32,
    pub tail: u32,
    /// The phase the next completion carries.
    pub phase: bool,
    /// The queue's own counters (QREG FRAMES, BYTES, ERRORS, DROPPED).
    pub stats: QueueStats,
    /// The queue's interrupt vector (QREG IRQ).
    pub irq: QueueIrq,
}

/// A queue's interrupt vector state. Only RESET clears it.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct QueueIrq {
    pub enable: bool,
    pub pending: bool,
    /// Completions since PENDING was last cleared (saturating).
    pub count: u16,
    /// When the completion that set PENDING was written (the TIME input).
    pub first_ns: u64,
}

impl QueueIrq {
    /// A completion of the queue was written at `now_ns`.
    pub fn completion(&mut self, now_ns: u64) {
        if !self.pending {
            self.pending = true;
            self.first_ns = now_ns;
        }
        self.count = self.count.saturating_add(1);
    }

    /// The vector's line at `now_ns` under moderation `frames`, `ns`.
    pub fn line(&self, now_ns: u64, frames: u32, ns: u32) -> bool {
        self.enable
            && self.pending
            && (u32::from(self.count) >= frames
                || now_ns.saturating_sub(self.first_ns) >= u64::from(ns))
    }

    fn read(&self) -> u32 {
        (u32::from(self.enable) * qirq::ENABLE)
            | (u32::from(self.pending) * qirq::PENDING)
            | (u32::from(self.count) << qirq_field::COUNT_SHIFT)
    }

    fn write(&mut self, v: u32) {
        self.enable = v & qirq::ENABLE != 0;
        if v & qirq::PENDING != 0 {
            self.pending = false;
            self.count = 0;
        }
    }
}

/// A queue's counters. Only RESET zeroes them.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct QueueStats {
    pub frames: u64,
    pub bytes: u64,
    pub errors: u32,
    pub dropped: u32,
    /// FRAMES_HI and BYTES_HI as latched by the last read of the low word.
    pub frames_hi: u32,
    pub bytes_hi: u32,
}

impl QueueStats {
    /// Counts a written completion: frame and bytes when clean, else an error.
    pub fn completion(&mut self, len: u32, errors: u32) {
        if errors == 0 {
            self.frames = self.frames.wrapping_add(1);
            self.bytes = self.bytes.wrapping_add(u64::from(len));
        } else {
            self.errors = self.errors.wrapping_add(1);
        }
    }
}

/// What a write to a queue register asks of the NIC beyond storing it.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum WriteOutcome {
    Done,
    /// A malformed-use event: ERR_* bit and ERR_INFO index.
    Error {
        bit: u32,
        index: u32,
    },
}

impl Queue {
    pub fn new() -> Queue {
        Queue {
            ring: 0,
            cpl: 0,
            size: 0,
            enabled: false,
            halted: false,
            head: 0,
            tail: 0,
            phase: false,
            stats: QueueStats::default(),
            irq: QueueIrq::default(),
        }
    }

    /// The queue may start on a descriptor (RX: take a frame).
    pub fn running(&self) -> bool {
        self.enabled && !self.halted
    }

    /// A descriptor is posted and the queue may process it.
    pub fn has_work(&self) -> bool {
        self.running() && self.head != self.tail
    }

    /// A register read; reading a counter's low word latches its high word.
    pub fn read(&mut self, r: u32) -> u32 {
        let st = &mut self.stats;
        match r {
            qreg::FRAMES_LO => {
                st.frames_hi = (st.frames >> 32) as u32;
                return st.frames as u32;
            }
            qreg::FRAMES_HI => return st.frames_hi,
            qreg::BYTES_LO => {
                st.bytes_hi = (st.bytes >> 32) as u32;
                return st.bytes as u32;
            }
            qreg::BYTES_HI => return st.bytes_hi,
            qreg::ERRORS => return st.errors,
            qreg::DROPPED => return st.dropped,
            qreg::IRQ => return self.irq.read(),
            _ => {}
        }
        match r {
            qreg::RING_LO => self.ring as u32,
            qreg::RING_HI => (self.ring >> 32) as u32,
            qreg::CPL_LO => self.cpl as u32,
            qreg::CPL_HI => (self.cpl >> 32) as u32,
            qreg::SIZE => self.size,
            qreg::CTRL => u32::from(self.enabled) * qctrl::ENABLE,
            qreg::TAIL => self.tail,
            qreg::HEAD => self.head,
            qreg::STATUS => {
                (u32::from(self.enabled) * qstatus::ENABLED)
                    | (u32::from(self.halted) * qstatus::HALTED)
            }
            _ => 0,
        }
    }

    /// A register write. The ring setup (bases, SIZE) is the engine's
    /// configuration and stays stable while the queue is enabled: writes to it
    /// then are ignored.
    /// A write to queue register `r` of a queue of direction `dir`.
    pub fn write(&mut self, r: u32, v: u32, dir: Dir) -> WriteOutcome {
        let setup = !self.enabled;
        match r {
            qreg::RING_LO if setup => self.ring = set_lo(self.ring, v),
            qreg::RING_HI if setup => self.ring = set_hi(self.ring, v),
            qreg::CPL_LO if setup => self.cpl = set_lo(self.cpl, v),
            qreg::CPL_HI if setup => self.cpl = set_hi(self.cpl, v),
            qreg::SIZE if setup => self.size = v,
            qreg::CTRL => return self.write_ctrl(v, dir),
            qreg::TAIL => return self.doorbell(v),
            qreg::IRQ => self.irq.write(v),
            _ => {}
        }
        WriteOutcome::Done
    }

    fn write_ctrl(&mut self, v: u32, dir: Dir) -> WriteOutcome {
        let enable = v & qctrl::ENABLE != 0;
        if !enable {
            self.enabled = false;
            return WriteOutcome::Done;
        }
        if self.enabled {
            return WriteOutcome::Done;
        }
        let size_ok = self.size.is_power_of_two()
            && (limits::MIN_RING_SIZE..=limits::MAX_RING_SIZE).contains(&self.size);
        if !size_ok {
            return WriteOutcome::Error {
                bit: err::RING_SIZE,
                index: 0,
            };
        }
        let desc = match dir {
            Dir::Tx => txd::SIZE,
            Dir::Rx => rxd::SIZE,
        };
        if !aligned(self.ring, limits::RING_ALIGN)
            || !aligned(self.cpl, limits::RING_ALIGN)
            || wraps_ring(self.ring, self.size, desc)
            || wraps_ring(self.cpl, self.size, cpl::SIZE)
        {
            return WriteOutcome::Error {
                bit: err::RING_ALIGN,
                index: 0,
            };
        }
        self.enabled = true;
        self.halted = false;
        self.head = 0;
        self.tail = 0;
        self.phase = true;
        WriteOutcome::Done
    }

    fn doorbell(&mut self, v: u32) -> WriteOutcome {
        if !self.enabled {
            return WriteOutcome::Done;
        }
        if v >= self.size {
            return WriteOutcome::Error {
                bit: err::DOORBELL,
                index: v & 0xffff,
            };
        }
        self.tail = v;
        WriteOutcome::Done
    }

    /// Address of descriptor `HEAD`, `desc_size` bytes each.
    pub fn desc_addr(&self, desc_size: usize) -> DmaAddr {
        DmaAddr(self.ring).offset(u64::from(self.head) * desc_size as u64)
    }

    /// Address of the completion record for descriptor `HEAD`.
    pub fn cpl_addr(&self) -> DmaAddr {
        DmaAddr(self.cpl).offset(u64::from(self.head) * cpl::SIZE as u64)
    }

    /// The completion record for descriptor `HEAD` of queue number `qnum`.
    /// `rx` is the RX checksum result (all zero for TX and with
    /// `FEATURES.RX_CSUM` off), `rss` the RSS result (zero for TX and with
    /// `FEATURES.RXHASH` off).
    pub fn completion(
        &self,
        qnum: u8,
        len: u32,
        errors: u32,
        rx: RxCsum,
        rss: RssResult,
    ) -> [u8; cpl::SIZE] {
        cpl::Completion {
            len,
            csum: rx.csum,
            segs: u16::from(errors == 0),
            errors: errors as u16,
            csum_verdict: rx.verdict,
            rss_hash: rss.hash,
            rss_type: rss.hash_type,
            queue_num: qnum,
            index: self.head as u16,
            flags: if self.phase { CPL_FLAG_PHASE } else { 0 },
        }
        .encode()
    }

    /// HEAD moves past the completed descriptor; the phase flips on wrap.
    pub fn advance(&mut self) {
        // SIZE passed the ENABLE check and cannot change while enabled.
        self.head = (self.head + 1) % self.size.max(1);
        if self.head == 0 {
            self.phase = !self.phase;
        }
    }
}

fn set_lo(x: u64, v: u32) -> u64 {
    (x & !0xffff_ffff) | u64::from(v)
}

fn set_hi(x: u64, v: u32) -> u64 {
    (x & 0xffff_ffff) | (u64::from(v) << 32)
}
