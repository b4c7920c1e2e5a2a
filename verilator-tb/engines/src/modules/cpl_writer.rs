//! `nic_cpl_writer` alone (DEPTH 64, BATCH 4, MAX_OUT 16, as in both queue
//! engines): a producer pushing completion entries, a memory taking the
//! write bursts and answering B after a fixed latency. Measures completions
//! per cycle, the bursts it forms and the cycles from an entry's push to the
//! HEAD that counts it; checks every record in its ring slot.
//!
//! Ports driven (kept to these so that a change of the module's queue ports
//! touches only this file and the shim): `clk`, `rst`, `cfg_cpl_base`,
//! `cfg_size`, `queue_id`, `start` (one pulse after reset, as the engine's
//! ENABLE 0->1), `in_valid`/`in_ready`, `in_len`, `in_csum`, `in_verdict`,
//! `in_errors`, `in_rss_hash`, `in_rss_type`, `in_tag`; read back `ev_cpl`,
//! `ev_len`, `ev_errors`, `ev_verdict`, `ev_tag`, `ev_fail`, `head`, `idle`;
//! the AXI4 write master `m_axi_aw*`, `m_axi_w*`, `m_axi_b*` (always OKAY).

use super::ffi::{self, CplInputs, CplOutputs};
use super::Coin;
use firmware_model::contract::{cpl, CPL_FLAG_PHASE};
use std::collections::VecDeque;

/// Records per burst at most (the module's BATCH).
pub const BATCH: usize = 4;

/// One run of the completion writer.
#[derive(Debug, Clone)]
pub struct CplConfig {
    /// Memory: cycles from a burst's last W beat (or its AW, if later) to its B.
    pub latency: u64,
    /// Ring entries (a power of two, 2..=4096) and base (a multiple of 64).
    pub ring_size: u16,
    pub base: u64,
    pub queue_id: u8,
    /// Entries pushed in all; none is pushed at or after `issue_cycles`.
    pub records: u64,
    pub issue_cycles: u64,
    /// The measured window is `warmup..issue_cycles`.
    pub warmup: u64,
    /// At most one entry every `in_every` cycles (1: whenever in_ready).
    pub in_every: u64,
    /// Probability that in_valid, awready, wready or bvalid stays low in a
    /// cycle; 0 for the bench.
    pub stall: f64,
    pub seed: u64,
    /// Checker self-test: the memory flips a bit of the 10th record it stores.
    pub flip_record_bit: bool,
}

impl CplConfig {
    /// The bench's run: entries offered every `in_every` cycles, no stalls,
    /// a 1024-entry ring at a page-aligned base.
    pub fn bench(latency: u64, in_every: u64, window: u64) -> Self {
        let warmup = 1000 + 4 * latency;
        CplConfig {
            latency,
            ring_size: 1024,
            base: 0x1_0000_0000,
            queue_id: 3,
            records: u64::MAX,
            issue_cycles: warmup + window,
            warmup,
            in_every,
            stall: 0.0,
            seed: 1,
            flip_record_bit: false,
        }
    }
}

/// What a run measured (over the window unless said otherwise).
#[derive(Debug, Clone, Default)]
pub struct CplStats {
    pub window: u64,
    pub cycles: u64,
    /// ev_cpl pulses and W beats in the window.
    pub completions: u64,
    pub w_beats: u64,
    /// Bursts whose AW was accepted in the window, by records (index 0: 1).
    pub bursts: [u64; BATCH],
    /// Whole run: most bursts accepted on AW and not yet answered on B.
    pub max_outstanding: u64,
    /// Entries pushed in the window: cycles from the push to the first cycle
    /// HEAD counts them (sum, count, most, least).
    pub lat_sum: u64,
    pub lat_n: u64,
    pub lat_max: u64,
    pub lat_min: u64,
    /// Whole run.
    pub records_checked: u64,
    pub errors: Vec<String>,
}

impl CplStats {
    pub fn completions_per_cycle(&self) -> f64 {
        self.completions as f64 / self.window.max(1) as f64
    }
    pub fn mean_latency(&self) -> f64 {
        self.lat_sum as f64 / self.lat_n.max(1) as f64
    }
    pub fn mean_burst(&self) -> f64 {
        let n: u64 = self.bursts.iter().sum();
        let recs: u64 = self
            .bursts
            .iter()
            .enumerate()
            .map(|(k, b)| (k as u64 + 1) * b)
            .sum();
        recs as f64 / n.max(1) as f64
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    len: u32,
    csum: u16,
    verdict: u8,
    errors: u16,
    hash: u32,
    rss_type: u8,
    tag: bool,
}

fn entry(seed: u64, k: u64) -> Entry {
    let h = super::mix(seed ^ k.wrapping_mul(0x2545_f491_4f6c_dd1d));
    let g = super::mix(h);
    Entry {
        len: h as u32,
        csum: (h >> 32) as u16,
        verdict: ((h >> 48) & 3) as u8,
        // errors mostly 0 (segs = 1), sometimes set (segs = 0)
        errors: if (h >> 50) & 7 == 0 {
            (g >> 48) as u16 | 1
        } else {
            0
        },
        hash: g as u32,
        rss_type: (g >> 32) as u8,
        tag: (g >> 40) & 1 != 0,
    }
}

/// The 32 bytes the writer must leave in slot `index` for entry `e`.
fn record(e: &Entry, index: u16, queue: u8, phase: bool) -> [u8; cpl::SIZE] {
    cpl::Completion {
        len: e.len,
        csum: e.csum,
        segs: (e.errors == 0) as u16,
        errors: e.errors,
        csum_verdict: e.verdict,
        rss_type: e.rss_type,
        index,
        queue_num: queue,
        rss_hash: e.hash,
        flags: if phase { CPL_FLAG_PHASE } else { 0 },
    }
    .encode()
}

/// Runs the completion writer under `cfg`.
pub fn run(cfg: &CplConfig) -> CplStats {
    let size = cfg.ring_size as u64;
    assert!(size.is_power_of_two() && (2..=4096).contains(&size) && cfg.base.is_multiple_of(64));
    let mut sim = ffi::cpl_writer();
    let mut st = CplStats {
        window: cfg.issue_cycles.saturating_sub(cfg.warmup),
        lat_min: u64::MAX,
        ..Default::default()
    };
    let mut coin = Coin::new(cfg.seed, cfg.stall);
    let mut ring = vec![[0u8; cpl::SIZE]; size as usize];
    let mut i = CplInputs {
        cfg_cpl_base: cfg.base,
        cfg_size: cfg.ring_size,
        queue_id: cfg.queue_id,
        rst: 1,
        ..Default::default()
    };
    for _ in 0..4 {
        sim.step(&i);
    }
    i.rst = 0;
    i.start = 1;
    sim.step(&i);
    i.start = 0;

    let mut pushed = 0u64; // entries accepted
    let mut holding = false;
    let mut next_ok = 0u64;
    let mut pushed_at: VecDeque<(u64, bool)> = VecDeque::new(); // (cycle, in window)
    let mut aws: VecDeque<(u64, usize)> = VecDeque::new(); // (first slot, records)
    let mut next_slot = 0u64; // slot the next burst must start at (entries issued so far)
    let mut w_cur: Vec<u64> = Vec::new();
    let mut stored = 0u64; // records stored in the ring
    let mut w_bursts: VecDeque<Vec<u64>> = VecDeque::new();
    let mut bs: VecDeque<(u64, usize)> = VecDeque::new(); // (ready at, records)
    let mut b_hold: Option<usize> = None;
    let mut outstanding = 0u64;
    let mut acked = 0u64;
    let mut evs = 0u64;
    let patience = 100_000 + 100 * cfg.latency;
    let mut last_progress = 0u64;
    let mut cycle = 0u64;
    let mut idle_seen = false;
    loop {
        let issuing = cycle < cfg.issue_cycles && pushed < cfg.records;
        let in_window = cycle >= cfg.warmup && cycle < cfg.issue_cycles;
        if !issuing && !holding && evs == pushed && idle_seen {
            break;
        }
        if cycle > last_progress + patience || st.errors.len() > 20 {
            st.errors.push(format!(
                "stopped at cycle {cycle}: {evs} of {pushed} entries reported, {outstanding} bursts out"
            ));
            break;
        }
        // As in the queue engines, no more entries in flight than the ring
        // has slots (the host cannot post more descriptors).
        if !holding && issuing && cycle >= next_ok && pushed - evs < size && coin.go() {
            holding = true;
        }
        i.in_valid = holding as u8;
        if holding {
            let e = entry(cfg.seed, pushed);
            i.in_len = e.len;
            i.in_csum = e.csum;
            i.in_verdict = e.verdict;
            i.in_errors = e.errors;
            i.in_rss_hash = e.hash;
            i.in_rss_type = e.rss_type;
            i.in_tag = e.tag as u8;
        }
        i.m_awready = coin.go() as u8;
        i.m_wready = coin.go() as u8;
        if b_hold.is_none() && bs.front().is_some_and(|b| b.0 <= cycle) && coin.go() {
            b_hold = bs.pop_front().map(|b| b.1);
        }
        i.m_bvalid = b_hold.is_some() as u8;
        i.m_bresp = 0;

        // A checker of hdl/check/ that fires is one more error of the run.
        let o: CplOutputs = sim.step_into(&i, &mut st.errors);

        idle_seen = o.idle != 0 && !issuing && !holding && evs == pushed;
        if o.head as u64 != evs % size {
            st.errors.push(format!(
                "cycle {cycle}: HEAD {} after {evs} completions (ring of {size})",
                o.head
            ));
        }
        if o.ev_fail != 0 {
            st.errors.push(format!(
                "cycle {cycle}: ev_fail (index {}) without a refused B",
                o.ev_fail_index
            ));
        }
        if holding && o.in_ready != 0 {
            holding = false;
            pushed_at.push_back((cycle, in_window));
            pushed += 1;
            next_ok = cycle + cfg.in_every;
            last_progress = cycle;
        }
        if o.m_awvalid != 0 && i.m_awready != 0 {
            let a = o.m_awaddr;
            let beats = o.m_awlen as usize + 1;
            let recs = beats / 4;
            let slot = a.wrapping_sub(cfg.base) / cpl::SIZE as u64;
            let page_ok = (a & 0xfff) + beats as u64 * 8 <= 0x1000;
            if !a.is_multiple_of(cpl::SIZE as u64)
                || !beats.is_multiple_of(4)
                || !(1..=BATCH).contains(&recs)
                || slot != next_slot % size
                || slot + recs as u64 > size
                || !page_ok
            {
                st.errors.push(format!(
                    "cycle {cycle}: AW {a:#x} len {} (slot {slot}, next slot {}, ring of {size})",
                    o.m_awlen,
                    next_slot % size
                ));
            }
            next_slot += recs as u64;
            if next_slot > pushed {
                st.errors.push(format!(
                    "cycle {cycle}: AW covers {next_slot} entries, only {pushed} pushed"
                ));
            }
            aws.push_back((slot % size, recs.clamp(1, BATCH)));
            if in_window {
                st.bursts[recs.clamp(1, BATCH) - 1] += 1;
            }
            outstanding += 1;
            st.max_outstanding = st.max_outstanding.max(outstanding);
        }
        if o.m_wvalid != 0 && i.m_wready != 0 {
            if o.m_wstrb != 0xff {
                st.errors
                    .push(format!("cycle {cycle}: W strobe {:#x}", o.m_wstrb));
            }
            w_cur.push(o.m_wdata);
            if in_window {
                st.w_beats += 1;
            }
            if o.m_wlast != 0 {
                w_bursts.push_back(std::mem::take(&mut w_cur));
            } else if w_cur.len() > 4 * BATCH {
                st.errors.push(format!(
                    "cycle {cycle}: W burst longer than {} beats",
                    4 * BATCH
                ));
                w_cur.clear();
            }
        }
        while !aws.is_empty() && !w_bursts.is_empty() {
            let (slot, recs) = aws.pop_front().expect("non-empty");
            let w = w_bursts.pop_front().expect("non-empty");
            if w.len() != 4 * recs {
                st.errors.push(format!(
                    "cycle {cycle}: W burst of {} beats for an AW of {recs} records",
                    w.len()
                ));
            }
            for (k, d) in w.iter().enumerate().take(4 * recs) {
                let s = ((slot + (k / 4) as u64) % size) as usize;
                ring[s][8 * (k % 4)..8 * (k % 4) + 8].copy_from_slice(&d.to_le_bytes());
                if cfg.flip_record_bit && stored == 9 && k % 4 == 0 {
                    ring[s][2] ^= 0x10;
                }
                if k % 4 == 3 {
                    stored += 1;
                }
            }
            bs.push_back((cycle + cfg.latency, recs));
        }
        if o.ev_cpl != 0 {
            let k = evs;
            let e = entry(cfg.seed, k);
            last_progress = cycle;
            // (`acked` does not count yet a B taken in this cycle.)
            if k >= acked {
                st.errors.push(format!(
                    "cycle {cycle}: completion {k} reported before its B ({acked} acknowledged)"
                ));
            }
            if (o.ev_len, o.ev_errors, o.ev_verdict, o.ev_tag != 0)
                != (e.len, e.errors, e.verdict, e.tag)
            {
                st.errors.push(format!(
                    "cycle {cycle}: ev_cpl {k}: len {:#x} errors {:#x} verdict {} tag {}, want {e:?}",
                    o.ev_len, o.ev_errors, o.ev_verdict, o.ev_tag
                ));
            }
            let slot = (k % size) as usize;
            let want = record(&e, slot as u16, cfg.queue_id, (k / size).is_multiple_of(2));
            if ring[slot] != want {
                st.errors.push(format!(
                    "cycle {cycle}: completion {k}: ring slot {slot} holds {:02x?}, want {:02x?}",
                    ring[slot], want
                ));
            }
            st.records_checked += 1;
            if let Some((t, w)) = pushed_at.pop_front() {
                // HEAD counts it from the next cycle on.
                let lat = cycle + 1 - t;
                if w {
                    st.lat_sum += lat;
                    st.lat_n += 1;
                    st.lat_max = st.lat_max.max(lat);
                    st.lat_min = st.lat_min.min(lat);
                }
            } else {
                st.errors
                    .push(format!("cycle {cycle}: ev_cpl with no entry pushed"));
            }
            if in_window {
                st.completions += 1;
            }
            evs += 1;
        }
        if let Some(recs) = b_hold {
            if o.m_bready != 0 {
                b_hold = None;
                acked += recs as u64;
                outstanding -= 1;
            }
        }
        cycle += 1;
    }
    st.cycles = cycle;
    if st.lat_min == u64::MAX {
        st.lat_min = 0;
    }
    if !aws.is_empty() || !w_bursts.is_empty() || !w_cur.is_empty() || outstanding != 0 {
        st.errors.push(format!(
            "end: {} AWs and {} W bursts unpaired, {} W beats open, {outstanding} bursts without B",
            aws.len(),
            w_bursts.len(),
            w_cur.len()
        ));
    }
    st
}
