//! The NIC as a behavioural model: the executable form of `docs/nic.md`.
//!
//! The RTL in `hdl/` implements the same spec and is compared against this
//! model frame for frame and completion for completion, so where the spec
//! leaves a choice the model takes the one the RTL's structure implies (DMA in
//! 8-byte beats, bursts of at most 16 beats that never cross 4 KiB).
//!
//! The model is untimed: [`Nic::run`] does all the work the NIC can do with
//! what it holds, in a fixed order (all TX descriptors, then all RX frames,
//! repeated until nothing moves). Time only matters for the interrupt
//! moderation and the TIME registers, and comes from [`Nic::set_time`].
//!
//! - [`regs`]: BAR0, the register file.
//! - [`queue`]: ring state, setup checks, completion records.
//! - [`dma`]: splitting buffer transfers into the RTL's bursts.
//! - [`tx`] and [`rx`]: the two engines. The checksum offload engines they
//!   call are [`crate::csum`].

mod dma;
mod queue;
mod regs;
mod rx;
mod tx;

#[cfg(test)]
mod tests;

use std::collections::VecDeque;

use crate::contract::{err, err_info_value, irq, limits, stat, verdict};
use crate::csum::RxCsum;
use crate::mem::DmaMemory;
use queue::{Dir, Queue};

/// A frame on the MAC-side port. `bad` is the AXI-Stream `tuser` bit on the
/// last beat: the sender aborted the frame and a MAC must not deliver it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Frame {
    pub data: Vec<u8>,
    pub bad: bool,
}

/// The error bits that count as malformed use (ERR_CAUSE, MALFORMED). The
/// others (`RX_TOO_BIG`, `RX_FRAME`) are traffic conditions.
const MALFORMED_BITS: u32 = err::DESC_LEN
    | err::DESC_ALIGN
    | err::DESC_CSUM
    | err::DMA_READ
    | err::DMA_WRITE
    | err::RING_SIZE
    | err::RING_ALIGN
    | err::DOORBELL;

/// The NIC: its registers, its queues, the MAC ports and the interrupt line.
pub struct Nic {
    /// The time input, ns. Survives RESET (it is an input, not a register).
    now_ns: u64,
    regs: Regs,
    /// TX queues 0..n and RX queues 0..n (n, a power of two, is fixed at build).
    txq: Vec<Queue>,
    rxq: Vec<Queue>,
    /// The TX queue the next descriptor is looked for first (round robin).
    tx_next: usize,
    /// Frames sent on the MAC TX port, oldest first, until the wire takes them.
    /// Outside the NIC: RESET leaves them.
    wire_tx: VecDeque<Frame>,
    /// Frames offered on the MAC RX port by the wire. Outside the NIC: RESET
    /// leaves them. Taken only while LOOPBACK is off.
    wire_rx: VecDeque<Frame>,
    /// Frames on the MAC loopback path, taken only while LOOPBACK is on.
    loopback: VecDeque<Frame>,
}

/// Everything RESET returns to its reset value, apart from the queues.
/// Build it with [`Regs::at_reset`]; `Default` is only the all-zero start.
#[derive(Debug, Default)]
struct Regs {
    features: u32,
    loopback: bool,
    err_cause: u32,
    err_info: u32,
    irq_cause: u32,
    irq_mask: u32,
    irq_itr: u32,
    /// TIME_HI as latched by the last TIME_LO read.
    time_hi: u32,
    /// Queue interrupt moderation (IRQ_MOD_FRAMES, IRQ_MOD_NS).
    irq_mod_frames: u32,
    irq_mod_ns: u32,
    /// The counters, indexed as `(offset - STATS_BASE) / 8`.
    stats: [u64; limits::NUM_STATS as usize],
    /// Each counter's high word as latched by the last read of its low word.
    stats_hi: [u32; limits::NUM_STATS as usize],
    /// The interrupt line.
    irq_line: bool,
    /// When the line last rose; `None` if it has not since reset.
    last_rise: Option<u64>,
    /// The RSS key (RSS_KEY registers).
    rss_key: RssKey,
    /// The RSS indirection table (RSS_INDIR registers).
    rss_indir: RssIndir,
}

/// The RSS indirection table registers; they reset to all 0 (every frame to
/// RX queue 0, so a driver that uses one queue needs not know of RSS).
#[derive(Debug, Clone, Copy)]
struct RssIndir(crate::rss::Indirection);

impl Default for RssIndir {
    fn default() -> Self {
        RssIndir([0; crate::rss::INDIRECTION_LEN])
    }
}

/// The RSS key registers; they reset to the RSS specification's verification key.
#[derive(Debug, Clone, Copy)]
struct RssKey(crate::rss::Key);

impl Default for RssKey {
    fn default() -> Self {
        RssKey(crate::rss::VERIFICATION_KEY)
    }
}

impl Regs {
    /// The register values after reset (FEATURES and the RSS key are not 0).
    fn at_reset() -> Regs {
        Regs {
            features: regs::FEATURES_RESET,
            ..Regs::default()
        }
    }
}

impl Default for Nic {
    fn default() -> Self {
        Nic::new()
    }
}

impl Nic {
    /// The NIC as it comes out of reset, with time 0, nothing at its ports
    /// and `NUM_TXQ` queue pairs.
    pub fn new() -> Nic {
        Nic::with_queues(limits::NUM_TXQ as usize)
    }

    /// As [`Nic::new`] with `queues` TX and RX queues: rounded up to a power
    /// of two and into `1..=MAX_QUEUES`, as an RTL build's NUM_QUEUES is.
    pub fn with_queues(queues: usize) -> Nic {
        let n = queues
            .clamp(1, limits::MAX_QUEUES as usize)
            .next_power_of_two();
        Nic {
            now_ns: 0,
            regs: Regs::at_reset(),
            txq: (0..n).map(|_| Queue::new()).collect(),
            rxq: (0..n).map(|_| Queue::new()).collect(),
            tx_next: 0,
            wire_tx: VecDeque::new(),
            wire_rx: VecDeque::new(),
            loopback: VecDeque::new(),
        }
    }

    /// BAR0 read. Reading TIME_LO latches TIME_HI, reading a counter's low
    /// word latches its high word.
    pub fn mmio_read(&mut self, offset: u32) -> u32 {
        self.reg_read(offset)
    }

    /// BAR0 write. Re-evaluates the interrupt line, as the RTL does every cycle.
    pub fn mmio_write(&mut self, offset: u32, value: u32) {
        self.reg_write(offset, value);
        self.update_irq();
    }

    /// Sets the NIC's time input (ns); never goes backwards.
    pub fn set_time(&mut self, now_ns: u64) {
        self.now_ns = self.now_ns.max(now_ns);
    }

    /// Lets the NIC do all the work it can with what it holds now: every
    /// posted TX descriptor, moving loopback frames to RX, every waiting RX
    /// frame that has a posted descriptor (or dropping it if the RX queue is
    /// disabled/halted). Then updates the interrupt line. Returns true if
    /// anything happened.
    pub fn run(&mut self, mem: &mut dyn DmaMemory) -> bool {
        let mut any = false;
        loop {
            let mut moved = false;
            while self.tx_step(mem) {
                moved = true;
            }
            while self.rx_step(mem) {
                moved = true;
            }
            if !moved {
                break;
            }
            any = true;
        }
        self.update_irq();
        any
    }

    /// A frame arrives from the wire at the MAC RX port (queued at the port;
    /// not accepted while LOOPBACK is on).
    pub fn wire_rx_push(&mut self, frame: Frame) {
        self.wire_rx.push_back(frame);
    }

    /// The next frame the NIC sent to the wire (including aborted ones, with
    /// `bad` set).
    pub fn wire_tx_pop(&mut self) -> Option<Frame> {
        self.wire_tx.pop_front()
    }

    /// Frames waiting at the MAC RX port (wire or loopback) not yet taken by
    /// the RX queue. Counts both inputs, also the one LOOPBACK does not select.
    pub fn rx_port_pending(&self) -> usize {
        self.wire_rx.len() + self.loopback.len()
    }

    /// The interrupt line as of the last `run()` (or register write).
    pub fn irq(&self) -> bool {
        self.regs.irq_line
    }

    /// The queues' interrupt vectors now: bit n for TX queue n, bit
    /// `queues() + n` for RX queue n (QREG IRQ, IRQ_MOD_FRAMES, IRQ_MOD_NS).
    pub fn queue_irq_lines(&self) -> u32 {
        let (frames, ns) = (self.regs.irq_mod_frames, self.regs.irq_mod_ns);
        self.txq
            .iter()
            .chain(&self.rxq)
            .enumerate()
            .filter(|(_, q)| q.irq.line(self.now_ns, frames, ns))
            .fold(0, |m, (i, _)| m | 1 << i)
    }

    /// CTRL.RESET: registers, queues, counters and the loopback path return
    /// to their reset values. Time and what sits outside the NIC (frames
    /// already sent, frames the wire offers) stay.
    fn reset(&mut self) {
        self.regs = Regs::at_reset();
        self.txq.iter_mut().for_each(|q| *q = Queue::new());
        self.rxq.iter_mut().for_each(|q| *q = Queue::new());
        self.tx_next = 0;
        self.loopback.clear();
    }

    /// Queues per direction.
    pub fn queues(&self) -> usize {
        self.txq.len()
    }

    /// Queue `n` of `dir`; `n` is below [`Nic::queues`] (the register decoder
    /// and RSS make sure of it).
    fn queue_mut(&mut self, dir: Dir, n: usize) -> &mut Queue {
        match dir {
            Dir::Tx => &mut self.txq[n],
            Dir::Rx => &mut self.rxq[n],
        }
    }

    /// One malformed-use event on queue `queue` of `dir`: `bit` is a single ERR_* bit.
    fn error_event(&mut self, bit: u32, dir: Dir, queue: usize, index: u32) {
        let r = &mut self.regs;
        if r.err_cause == 0 {
            r.err_info = err_info_value(bit.trailing_zeros(), dir == Dir::Rx, queue as u32, index);
        }
        r.err_cause |= bit;
        count(&mut r.stats, stat::MALFORMED, 1);
        r.irq_cause |= irq::ERROR;
    }

    /// One event per malformed-use bit in a completion's `errors`, lowest bit first.
    fn completion_error_events(&mut self, errors: u32, dir: Dir, queue: usize, index: u32) {
        let mut bits = errors & MALFORMED_BITS;
        while bits != 0 {
            let bit = bits & bits.wrapping_neg();
            self.error_event(bit, dir, queue, index);
            bits &= !bit;
        }
    }

    /// Counts a written completion of queue `queue`: frames and bytes when
    /// clean, else errors; in the NIC's counters and the queue's.
    fn count_completion(&mut self, dir: Dir, queue: usize, len: u32, errors: u32) {
        let now = self.now_ns;
        let q = self.queue_mut(dir, queue);
        q.stats.completion(len, errors);
        q.irq.completion(now);
        let (frames, bytes, errs, cause) = match dir {
            Dir::Tx => (
                stat::TX_FRAMES,
                stat::TX_BYTES,
                stat::TX_ERRORS,
                irq::TX_DONE,
            ),
            Dir::Rx => (
                stat::RX_FRAMES,
                stat::RX_BYTES,
                stat::RX_ERRORS,
                irq::RX_DONE,
            ),
        };
        let r = &mut self.regs;
        r.irq_cause |= cause;
        if errors == 0 {
            count(&mut r.stats, frames, 1);
            count(&mut r.stats, bytes, u64::from(len));
        } else {
            count(&mut r.stats, errs, 1);
        }
    }

    /// Counts the checksum verdict of a written RX completion.
    fn count_rx_csum(&mut self, rx: RxCsum) {
        let counter = match rx.verdict {
            verdict::GOOD => stat::RX_CSUM_GOOD,
            verdict::BAD => stat::RX_CSUM_BAD,
            _ => return,
        };
        count(&mut self.regs.stats, counter, 1);
    }

    /// The FEATURES bit `bit` (a `cap::*` constant) is on.
    fn feature(&self, bit: u32) -> bool {
        self.regs.features & bit != 0
    }

    /// A frame dropped because RX queue `queue` was disabled or halted.
    fn count_drop(&mut self, queue: usize) {
        count(&mut self.regs.stats, stat::RX_DROPPED, 1);
        let st = &mut self.rxq[queue].stats;
        st.dropped = st.dropped.wrapping_add(1);
    }

    /// The interrupt line: high while `IRQ_CAUSE & IRQ_MASK != 0`, but rising
    /// no sooner than `IRQ_ITR` ns after it last rose.
    fn update_irq(&mut self) {
        let r = &mut self.regs;
        let pending = r.irq_cause & r.irq_mask != 0;
        if !r.irq_line && pending {
            let may_rise = match r.last_rise {
                None => true,
                Some(t) => self.now_ns.saturating_sub(t) >= u64::from(r.irq_itr),
            };
            if may_rise {
                r.irq_line = true;
                r.last_rise = Some(self.now_ns);
            }
        } else if r.irq_line && !pending {
            r.irq_line = false;
        }
    }
}

/// The buffer `[addr, addr + len)` runs past the top of the 64-bit address
/// space (its last byte would be at an address below `addr`).
fn wraps(addr: u64, len: u32) -> bool {
    u128::from(addr) + u128::from(len) > 1u128 << 64
}

/// A ring of `size` records of `rec` bytes at `base` runs past the top of the
/// 64-bit address space.
fn wraps_ring(base: u64, size: u32, rec: usize) -> bool {
    u128::from(base) + u128::from(size) * rec as u128 > 1u128 << 64
}

/// `x` is a multiple of `align` (a power of two).
fn aligned(x: u64, align: u32) -> bool {
    x & (u64::from(align) - 1) == 0
}

/// Index of the counter at BAR0 offset `offset` (a `stat::*` constant).
fn stat_index(offset: u32) -> usize {
    ((offset - limits::STATS_BASE) / 8) as usize
}

fn count(stats: &mut [u64; limits::NUM_STATS as usize], offset: u32, by: u64) {
    let c = &mut stats[stat_index(offset)];
    *c = c.wrapping_add(by);
}
