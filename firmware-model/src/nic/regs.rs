//! BAR0: the register file of docs/contract.md.
//!
//! Offsets that are not 32-bit aligned or lie outside the mapped registers
//! read 0 and ignore writes; writes to read-only registers are ignored.

use super::queue::{Dir, WriteOutcome};
use super::{stat_index, Nic};
use crate::contract::{cap, ctrl, irq, limits, queues_reg, reg, rxq, status, txq};

/// CAPS: the checksum offloads, the RSS hash and the MAC loopback.
const CAPS: u32 = cap::RX_CSUM | cap::TX_CSUM | cap::RXHASH | cap::LOOPBACK;

/// FEATURES after reset: the offloads the NIC has start on (ethtool's habit).
pub(super) const FEATURES_RESET: u32 = cap::RX_CSUM | cap::TX_CSUM | cap::RXHASH;

/// The bits of IRQ_CAUSE and IRQ_MASK that exist.
const IRQ_BITS: u32 = irq::TX_DONE | irq::RX_DONE | irq::ERROR;

/// Which register an offset names.
enum Reg {
    Global(u32),
    /// A counter: its index, and whether this is the high word.
    Stat(usize, bool),
    /// A register of queue `n` of a direction: (direction, n, register offset).
    Queue(Dir, usize, u32),
    /// A word of the RSS key.
    RssKey(usize),
    /// A word of the RSS indirection table.
    RssIndir(usize),
    Unmapped,
}

/// Decodes a BAR0 offset for a NIC with `queues` queues per direction.
fn decode(offset: u32, queues: u32) -> Reg {
    if offset & 3 != 0 || offset >= limits::BAR0_SIZE {
        return Reg::Unmapped;
    }
    let stats_end = limits::STATS_BASE + 8 * limits::NUM_STATS;
    let q_tx = txq(0, 0);
    let q_rx = rxq(0, 0);
    let q_len = queues * limits::QUEUE_STRIDE;
    let key_end = reg::RSS_KEY + 4 * limits::RSS_KEY_WORDS;
    let indir_end = reg::RSS_INDIR + 4 * limits::RSS_INDIR_WORDS;
    let queue = |dir, rel: u32| {
        Reg::Queue(
            dir,
            (rel / limits::QUEUE_STRIDE) as usize,
            rel % limits::QUEUE_STRIDE,
        )
    };
    match offset {
        o if (reg::RSS_KEY..key_end).contains(&o) => Reg::RssKey(((o - reg::RSS_KEY) / 4) as usize),
        o if (reg::RSS_INDIR..indir_end).contains(&o) => {
            Reg::RssIndir(((o - reg::RSS_INDIR) / 4) as usize)
        }
        o if (limits::STATS_BASE..stats_end).contains(&o) => {
            Reg::Stat(stat_index(o & !7), o & 4 != 0)
        }
        o if (q_tx..q_tx + q_len).contains(&o) => queue(Dir::Tx, o - q_tx),
        o if (q_rx..q_rx + q_len).contains(&o) => queue(Dir::Rx, o - q_rx),
        // The rest of the queue blocks BAR0 reserves: unmapped.
        o if (q_tx..q_rx + limits::MAX_QUEUES * limits::QUEUE_STRIDE).contains(&o) => Reg::Unmapped,
        o => Reg::Global(o),
    }
}

impl Nic {
    pub(super) fn reg_read(&mut self, offset: u32) -> u32 {
        match decode(offset, self.queues() as u32) {
            Reg::Global(o) => self.global_read(o),
            Reg::Stat(i, false) => {
                let v = self.regs.stats[i];
                self.regs.stats_hi[i] = (v >> 32) as u32;
                v as u32
            }
            Reg::Stat(i, true) => self.regs.stats_hi[i],
            Reg::Queue(d, n, r) => self.queue_mut(d, n).read(r),
            Reg::RssKey(w) => {
                let k = &self.regs.rss_key.0[4 * w..4 * w + 4];
                u32::from_le_bytes([k[0], k[1], k[2], k[3]])
            }
            Reg::RssIndir(w) => {
                let t = &self.regs.rss_indir.0[4 * w..4 * w + 4];
                u32::from_le_bytes([t[0], t[1], t[2], t[3]])
            }
            Reg::Unmapped => 0,
        }
    }

    fn global_read(&mut self, o: u32) -> u32 {
        let r = &mut self.regs;
        match o {
            reg::ID => limits::ID_MAGIC,
            reg::VERSION => limits::VERSION,
            reg::CAPS => CAPS,
            reg::FEATURES => r.features,
            reg::CTRL => u32::from(r.loopback) * ctrl::LOOPBACK,
            reg::STATUS => status::READY,
            reg::QUEUES => {
                let n = self.txq.len() as u32;
                (n << queues_reg::TXQ_SHIFT) | (n << queues_reg::RXQ_SHIFT)
            }
            reg::MAX_FRAME => limits::MAX_FRAME,
            reg::ERR_CAUSE => r.err_cause,
            reg::ERR_INFO => r.err_info,
            reg::IRQ_CAUSE => r.irq_cause,
            reg::IRQ_MASK => r.irq_mask,
            reg::IRQ_ITR => r.irq_itr,
            reg::IRQ_MOD_FRAMES => r.irq_mod_frames,
            reg::IRQ_MOD_NS => r.irq_mod_ns,
            reg::TIME_LO => {
                r.time_hi = (self.now_ns >> 32) as u32;
                self.now_ns as u32
            }
            reg::TIME_HI => r.time_hi,
            _ => 0,
        }
    }

    pub(super) fn reg_write(&mut self, offset: u32, value: u32) {
        match decode(offset, self.queues() as u32) {
            Reg::Global(o) => self.global_write(o, value),
            Reg::Queue(d, n, r) => {
                if let WriteOutcome::Error { bit, index } = self.queue_mut(d, n).write(r, value, d)
                {
                    self.error_event(bit, d, n, index);
                }
            }
            Reg::RssKey(w) => {
                self.regs.rss_key.0[4 * w..4 * w + 4].copy_from_slice(&value.to_le_bytes())
            }
            Reg::RssIndir(w) => {
                // An entry keeps the bits that can name one of the queues.
                let mask = (self.queues() - 1) as u8;
                let entries = value.to_le_bytes().map(|b| b & mask);
                self.regs.rss_indir.0[4 * w..4 * w + 4].copy_from_slice(&entries);
            }
            Reg::Stat(..) | Reg::Unmapped => {}
        }
    }

    fn global_write(&mut self, o: u32, v: u32) {
        let r = &mut self.regs;
        match o {
            reg::FEATURES => r.features = v & CAPS,
            reg::CTRL if v & ctrl::RESET != 0 => self.reset(),
            reg::CTRL => r.loopback = v & ctrl::LOOPBACK != 0,
            reg::ERR_CAUSE => r.err_cause &= !v,
            reg::IRQ_CAUSE => r.irq_cause &= !v,
            reg::IRQ_MASK => r.irq_mask = v & IRQ_BITS,
            reg::IRQ_ITR => r.irq_itr = v,
            reg::IRQ_MOD_FRAMES => r.irq_mod_frames = v,
            reg::IRQ_MOD_NS => r.irq_mod_ns = v,
            _ => {}
        }
    }
}
