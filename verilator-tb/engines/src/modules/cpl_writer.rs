//! `nic_cpl_writer` alone (NQ 8, DEPTH 64, BATCH 4, MAX_OUT 16, as in both
//! queue engines): a producer pushing completion entries for several queues,
//! interleaved, and a memory taking the write bursts and answering B after a
//! fixed latency (OKAY, or SLVERR/DECERR for the bursts of a queue told to
//! fail). Measures completions per cycle, the bursts it forms, the W cycles
//! lost between bursts and the cycles from an entry's push to the HEAD that
//! counts it; checks every burst, every record in its ring slot, every event
//! and every queue's HEAD in every cycle.
//!
//! Ports driven (kept to these so that a change of the module's queue ports
//! touches only this file and the shim): `clk`, `rst`, `cfg_cpl_base`,
//! `cfg_size`, `start` (one pulse per queue after reset, and again to revive
//! a failed queue once none of its entries is left, as the engines'
//! ENABLE 0->1), `in_valid`/`in_ready`, `in_queue`, `in_index`, `in_len`,
//! `in_csum`, `in_verdict`, `in_errors`, `in_rss_hash`, `in_rss_type`,
//! `in_tag`; read back `ev_cpl`, `ev_drop`, `ev_queue`, `ev_len`,
//! `ev_errors`, `ev_verdict`, `ev_tag`, `ev_fail`, `ev_fail_queue`,
//! `ev_fail_index`, `head`, `idle`; the AXI4 write master `m_axi_aw*`,
//! `m_axi_w*`, `m_axi_b*`.

pub use super::ffi::CPL_NQ as NQ;
use super::ffi::{self, CplInputs, CplOutputs};
use super::Coin;
use firmware_model::contract::{cpl, CPL_FLAG_PHASE};
use std::collections::VecDeque;

/// Records per burst at most (the module's BATCH).
pub const BATCH: usize = 4;

/// One queue's completion ring: entries (a power of two, 2..=4096) and base
/// (a multiple of 64). Rings of different queues must not overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ring {
    pub base: u64,
    pub size: u16,
}

/// A refused write: from `queue`'s `from_burst`-th burst (counted at AW from
/// its last start, 0 first) the memory refuses every burst of the queue
/// until it is started again. The producer goes on pushing entries of the
/// queue for `linger` cycles after the ev_fail, then stops; once none of its
/// entries is left in the writer it pulses `start` (if `restart`) and goes on
/// from index 0. Episodes of one queue apply one after the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub queue: u8,
    pub from_burst: u64,
    pub linger: u64,
    pub restart: bool,
}

/// Checker self-tests: a fault the harness injects so that a check must fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fault {
    #[default]
    None,
    /// The memory flips a bit of the 10th record it stores.
    FlipRecordBit,
    /// The memory answers SLVERR to the 10th burst but the checker expects OKAY.
    SilentRefusal,
    /// The checker expects queue 1's records in queue 2's ring and the reverse.
    SwapRings,
}

/// One run of the completion writer.
#[derive(Debug, Clone)]
pub struct CplConfig {
    /// Memory: cycles from a burst's last W beat (or its AW, if later) to its B.
    pub latency: u64,
    /// Every queue's ring (all NQ are configured and started).
    pub rings: [Ring; NQ],
    /// The queues entries are pushed for.
    pub queues: Vec<u8>,
    /// Entries go to one queue in runs of 1..=`run_len` entries (length and
    /// queue drawn at random per run).
    pub run_len: u64,
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
    pub refusals: Vec<Refusal>,
    pub fault: Fault,
}

/// Ring q of the bench: 1024 entries at a page-aligned base, 1 MiB apart.
pub fn bench_rings() -> [Ring; NQ] {
    std::array::from_fn(|q| Ring {
        base: 0x1_0000_0000 + 0x10_0000 * q as u64,
        size: 1024,
    })
}

impl CplConfig {
    /// The bench's run: entries for `queues` (one at a time, each entry's
    /// queue drawn at random when there are several) offered every
    /// `in_every` cycles, no stalls, 1024-entry rings at page-aligned bases.
    pub fn bench(latency: u64, in_every: u64, queues: &[u8], window: u64) -> Self {
        let warmup = 1000 + 4 * latency;
        CplConfig {
            latency,
            rings: bench_rings(),
            queues: queues.to_vec(),
            run_len: 1,
            records: u64::MAX,
            issue_cycles: warmup + window,
            warmup,
            in_every,
            stall: 0.0,
            seed: 1,
            refusals: Vec::new(),
            fault: Fault::None,
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
    /// Cycles in the window with W idle (wvalid low) while a burst whose AW
    /// was accepted in an earlier cycle still had beats to send; and the
    /// same over the whole run.
    pub w_idle: u64,
    pub w_idle_run: u64,
    /// Whole run: most bursts accepted on AW and not yet answered on B.
    pub max_outstanding: u64,
    /// Entries pushed in the window: cycles from the push to the first cycle
    /// HEAD counts them (sum, count, most, least).
    pub lat_sum: u64,
    pub lat_n: u64,
    pub lat_max: u64,
    pub lat_min: u64,
    /// Whole run: records checked in their ring slot (ev_cpl), entries that
    /// left as ev_drop, ev_fail pulses, queue restarts; per queue, ev_cpl
    /// pulses and bursts accepted on AW.
    pub records_checked: u64,
    pub dropped: u64,
    pub fails: u64,
    pub restarts: u64,
    /// ev_cpl pulses of queues restarted after a failure; per queue, ev_cpl
    /// pulses after the run's first ev_fail.
    pub revived_cpl: u64,
    pub cpl_after_fail: [u64; NQ],
    pub cpl_per_queue: [u64; NQ],
    pub aw_per_queue: [u64; NQ],
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fields {
    len: u32,
    csum: u16,
    verdict: u8,
    errors: u16,
    hash: u32,
    rss_type: u8,
    tag: bool,
}

fn fields(seed: u64, k: u64) -> Fields {
    let h = super::mix(seed ^ k.wrapping_mul(0x2545_f491_4f6c_dd1d));
    let g = super::mix(h);
    Fields {
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

/// The record the writer must leave in slot `index` for an entry.
fn record(e: &Fields, index: u16, queue: u8, phase: bool) -> cpl::Completion {
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
}

/// The memory side of the W channel: beat `j` of a record's burst (64-bit
/// data, all strobes) lands at bytes `8 j..8 j + 8` of its ring slot, little
/// endian, as AXI puts a beat at its address. A short burst (an error the
/// checker reports) leaves the rest of the slot as it was.
fn store_beats(slot: &mut [u8; cpl::SIZE], beats: &[u64]) {
    for (bytes, d) in slot.chunks_exact_mut(8).zip(beats) {
        bytes.copy_from_slice(&d.to_le_bytes());
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    /// In no burst seen on AW yet.
    Unissued,
    /// In a burst seen on AW, B not yet taken.
    Issued,
    /// Its burst's B was OKAY for a live queue: must leave as ev_cpl.
    Acked,
    /// Must leave as ev_drop.
    Dropped,
}

#[derive(Debug, Clone)]
struct Entry {
    q: usize,
    /// The entry's number in its queue since the queue's last start.
    k: u64,
    f: Fields,
    pushed_at: u64,
    in_window: bool,
    status: Status,
}

#[derive(Debug, Clone)]
struct Burst {
    q: usize,
    slot: u64,
    recs: usize,
    /// Global number of its first entry.
    first: u64,
    refused: bool,
    /// The checker expects OKAY whatever the memory answers (Fault::SilentRefusal).
    expect_ok: bool,
}

#[derive(Debug, Clone, Default)]
struct QState {
    /// Entries pushed, left (ev_cpl or ev_drop) and acknowledged (ev_cpl)
    /// since the queue's last start; bursts seen on AW since then.
    pushed: u64,
    left: u64,
    acked: u64,
    bursts: u64,
    ring: Vec<[u8; cpl::SIZE]>,
    /// The memory refuses the queue's bursts.
    refusing: bool,
    /// The first refused burst's first index (the one ev_fail must name).
    refused_index: Option<u16>,
    /// Cycle of the refused B that killed the queue.
    dead_since: Option<u64>,
    /// The producer stops pushing entries of the queue from this cycle.
    stop_at: Option<u64>,
    /// Waiting for its entries to leave, then for a restart (or forever).
    stopped: bool,
    episode: Option<Refusal>,
    /// Restarts so far.
    epoch: u64,
}

/// Runs the completion writer under `cfg`.
pub fn run(cfg: &CplConfig) -> CplStats {
    for r in &cfg.rings {
        let size = r.size as u64;
        assert!(
            size.is_power_of_two() && (2..=4096).contains(&size) && r.base.is_multiple_of(64),
            "bad ring {r:?}"
        );
    }
    for (a, ra) in cfg.rings.iter().enumerate() {
        for rb in &cfg.rings[a + 1..] {
            let (ea, eb) = (ra.base + 32 * ra.size as u64, rb.base + 32 * rb.size as u64);
            assert!(ea <= rb.base || eb <= ra.base, "rings overlap");
        }
    }
    assert!(!cfg.queues.is_empty() && cfg.queues.iter().all(|&q| (q as usize) < NQ));
    let size = |q: usize| cfg.rings[q].size as u64;
    // The rings the checker believes in (SwapRings: 1 and 2 exchanged).
    let mut exp_rings = cfg.rings;
    if cfg.fault == Fault::SwapRings {
        exp_rings.swap(1, 2);
    }

    let mut sim = ffi::cpl_writer();
    let mut st = CplStats {
        window: cfg.issue_cycles.saturating_sub(cfg.warmup),
        lat_min: u64::MAX,
        ..Default::default()
    };
    let mut coin = Coin::new(cfg.seed, cfg.stall);
    let mut pick = Coin::new(cfg.seed ^ 0x5eed_0f9e, 0.0);
    let mut qs: Vec<QState> = (0..NQ)
        .map(|q| QState {
            ring: vec![[0u8; cpl::SIZE]; size(q) as usize],
            ..Default::default()
        })
        .collect();
    let mut episodes: Vec<VecDeque<Refusal>> = vec![VecDeque::new(); NQ];
    for r in &cfg.refusals {
        episodes[r.queue as usize].push_back(*r);
    }
    for (q, s) in qs.iter_mut().enumerate() {
        s.episode = episodes[q].pop_front();
    }

    let mut i = CplInputs {
        rst: 1,
        ..Default::default()
    };
    for q in 0..NQ {
        i.cfg_cpl_base[q] = cfg.rings[q].base;
        i.cfg_size[q] = cfg.rings[q].size;
    }
    for _ in 0..4 {
        sim.step(&i);
    }
    i.rst = 0;
    i.start = ((1u32 << NQ) - 1) as u8;
    sim.step(&i);
    i.start = 0;

    // Entries in push order, from the oldest not yet left; `g_left` is the
    // global number of the front, `g_aw` that of the first not in a burst.
    let mut ents: VecDeque<Entry> = VecDeque::new();
    let mut g_pushed = 0u64;
    let mut g_left = 0u64;
    let mut g_aw = 0u64;
    let mut holding: Option<Entry> = None;
    let mut run_q = 0usize;
    let mut run_left = 0u64;
    let mut next_ok = 0u64;
    let mut aws: VecDeque<Burst> = VecDeque::new(); // on AW, W not yet complete
    let mut aw_seen_since: Option<u64> = None; // first cycle the presented AW was valid
    let mut w_cur: Vec<u64> = Vec::new();
    let mut w_bursts: VecDeque<Vec<u64>> = VecDeque::new();
    let mut bs: VecDeque<(u64, Burst)> = VecDeque::new(); // (B due at, burst)
    let mut b_hold: Option<Burst> = None;
    let mut fail_due: Option<(u64, usize, u16)> = None; // (cycle, queue, index)
    let mut outstanding = 0u64;
    let mut stored = 0u64;
    let mut aw_count = 0u64;
    let patience = 100_000 + 100 * cfg.latency;
    let mut last_progress = 0u64;
    let mut cycle = 0u64;
    let mut idle_seen = false;
    loop {
        let issuing = cycle < cfg.issue_cycles && g_pushed < cfg.records;
        let in_window = cycle >= cfg.warmup && cycle < cfg.issue_cycles;
        let waiting = qs
            .iter()
            .any(|s| s.stopped && s.episode.is_some_and(|e| e.restart));
        if !issuing && holding.is_none() && ents.is_empty() && idle_seen && !waiting {
            break;
        }
        if cycle > last_progress + patience || st.errors.len() > 20 {
            st.errors.push(format!(
                "stopped at cycle {cycle}: {g_left} of {g_pushed} entries left, {outstanding} bursts out"
            ));
            break;
        }

        // Queues that stop, and restarts (only while none of the queue's
        // entries is in the writer, as the engines apply ENABLE 0->1).
        i.start = 0;
        for (q, s) in qs.iter_mut().enumerate() {
            if s.stop_at.is_some_and(|c| cycle >= c) {
                s.stop_at = None;
                s.stopped = true;
            }
            let held = holding.as_ref().is_some_and(|e| e.q == q);
            if s.stopped && s.left == s.pushed && !held && s.episode.is_some_and(|e| e.restart) {
                i.start |= 1 << q;
                st.restarts += 1;
                last_progress = cycle;
            }
        }

        // The producer: as in the queue engines, no more entries of a queue
        // in flight than its ring has slots.
        if holding.is_none() && issuing && cycle >= next_ok && coin.go() {
            let ok = |q: usize, qs: &[QState]| {
                !qs[q].stopped && qs[q].pushed - qs[q].left < size(q) && (i.start >> q) & 1 == 0
            };
            if run_left == 0 || !ok(run_q, &qs) {
                let cand: Vec<usize> = cfg
                    .queues
                    .iter()
                    .map(|&q| q as usize)
                    .filter(|&q| ok(q, &qs))
                    .collect();
                if !cand.is_empty() {
                    run_q = cand[pick.pick(cand.len())];
                    run_left = 1 + pick.pick(cfg.run_len.max(1) as usize) as u64;
                } else {
                    run_left = 0;
                }
            }
            if run_left > 0 {
                run_left -= 1;
                let q = run_q;
                let k = qs[q].pushed;
                qs[q].pushed += 1;
                holding = Some(Entry {
                    q,
                    k,
                    f: fields(cfg.seed, g_pushed),
                    pushed_at: 0,
                    in_window: false,
                    status: Status::Unissued,
                });
                g_pushed += 1;
            }
        }
        i.in_valid = holding.is_some() as u8;
        if let Some(e) = &holding {
            i.in_queue = e.q as u8;
            i.in_index = (e.k % size(e.q)) as u16;
            i.in_len = e.f.len;
            i.in_csum = e.f.csum;
            i.in_verdict = e.f.verdict;
            i.in_errors = e.f.errors;
            i.in_rss_hash = e.f.hash;
            i.in_rss_type = e.f.rss_type;
            i.in_tag = e.f.tag as u8;
        }
        i.m_awready = coin.go() as u8;
        i.m_wready = coin.go() as u8;
        if b_hold.is_none() && bs.front().is_some_and(|b| b.0 <= cycle) && coin.go() {
            b_hold = bs.pop_front().map(|b| b.1);
        }
        i.m_bvalid = b_hold.is_some() as u8;
        i.m_bresp = match &b_hold {
            Some(b) if b.refused => 2 + (b.slot & 1) as u8, // SLVERR or DECERR
            _ => 0,
        };
        let aws_before = aws.len();

        // A checker of hdl/check/ that fires is one more error of the run.
        let o: CplOutputs = sim.step_into(&i, &mut st.errors);

        idle_seen = o.idle != 0 && !issuing && holding.is_none() && ents.is_empty();
        for (q, s) in qs.iter().enumerate() {
            if o.head[q] as u64 != s.acked % size(q) {
                st.errors.push(format!(
                    "cycle {cycle}: queue {q}: HEAD {} after {} completions (ring of {})",
                    o.head[q],
                    s.acked,
                    size(q)
                ));
            }
        }
        if o.m_wvalid == 0 && aws_before > 0 {
            st.w_idle_run += 1;
            if in_window {
                st.w_idle += 1;
            }
        }
        // restarts take effect at this edge
        for (q, s) in qs.iter_mut().enumerate() {
            if (i.start >> q) & 1 != 0 {
                s.pushed = 0;
                s.left = 0;
                s.acked = 0;
                s.bursts = 0;
                s.refusing = false;
                s.refused_index = None;
                s.dead_since = None;
                s.stopped = false;
                s.ring.iter_mut().for_each(|r| *r = [0; cpl::SIZE]);
                s.episode = episodes[q].pop_front();
                s.epoch += 1;
            }
        }

        // ev_fail: one, the cycle after the refused B that killed the queue.
        match (o.ev_fail != 0, fail_due) {
            (true, Some((c, q, idx))) if c == cycle => {
                if (o.ev_fail_queue as usize, o.ev_fail_index) != (q, idx) {
                    st.errors.push(format!(
                        "cycle {cycle}: ev_fail names queue {} index {}, want queue {q} index {idx}",
                        o.ev_fail_queue, o.ev_fail_index
                    ));
                }
                fail_due = None;
                st.fails += 1;
                let s = &mut qs[q];
                if let Some(e) = s.episode {
                    s.stop_at = Some(cycle + e.linger);
                }
            }
            (true, _) => st.errors.push(format!(
                "cycle {cycle}: ev_fail (queue {} index {}) without a refused B",
                o.ev_fail_queue, o.ev_fail_index
            )),
            (false, Some((c, q, idx))) if c == cycle => {
                st.errors.push(format!(
                    "cycle {cycle}: no ev_fail for queue {q}'s refused burst at index {idx}"
                ));
                fail_due = None;
            }
            _ => {}
        }

        if let Some(mut e) = holding.take() {
            if o.in_ready != 0 {
                e.pushed_at = cycle;
                e.in_window = in_window;
                ents.push_back(e);
                next_ok = cycle + cfg.in_every;
                last_progress = cycle;
            } else {
                holding = Some(e);
            }
        }

        // AW: the next run of one queue's entries, in push order; entries of
        // dead queues before it went as null bursts.
        if o.m_awvalid != 0 && aw_seen_since.is_none() {
            aw_seen_since = Some(cycle);
        }
        'aw: {
            if o.m_awvalid == 0 || i.m_awready == 0 {
                break 'aw;
            }
            let first_seen = aw_seen_since.take().unwrap_or(cycle);
            let a = o.m_awaddr;
            let beats = o.m_awlen as usize + 1;
            let recs = (beats / 4).clamp(1, BATCH);
            let q = exp_rings
                .iter()
                .position(|r| a >= r.base && a < r.base + 32 * r.size as u64);
            let Some(q) = q else {
                st.errors.push(format!(
                    "cycle {cycle}: AW {a:#x} len {} in no queue's ring",
                    o.m_awlen
                ));
                break 'aw;
            };
            let qsize = size(q);
            let slot = (a - exp_rings[q].base) / cpl::SIZE as u64;
            let page_ok = (a & 0xfff) + beats as u64 * 8 <= 0x1000;
            if !a.is_multiple_of(cpl::SIZE as u64)
                || !beats.is_multiple_of(4)
                || beats > 4 * BATCH
                || slot + recs as u64 > qsize
                || !page_ok
            {
                st.errors.push(format!(
                    "cycle {cycle}: queue {q}: AW {a:#x} len {} (slot {slot}, ring of {qsize})",
                    o.m_awlen
                ));
            }
            if let Some(d) = qs[q].dead_since {
                // issued (the cycle before it was first presented) after the
                // queue died
                if first_seen > d + 1 {
                    st.errors.push(format!(
                        "cycle {cycle}: queue {q}: AW {a:#x} after its refused B at cycle {d}"
                    ));
                }
            }
            while g_aw < g_pushed {
                let e = &mut ents[(g_aw - g_left) as usize];
                if e.q == q {
                    break;
                }
                if qs[e.q].dead_since.is_none() {
                    st.errors.push(format!(
                        "cycle {cycle}: AW for queue {q} while entry {} of live queue {} is unwritten",
                        e.k, e.q
                    ));
                    break;
                }
                e.status = Status::Dropped;
                g_aw += 1;
            }
            let first = g_aw;
            let mut n = 0usize;
            while n < recs && g_aw < g_pushed {
                let e = &mut ents[(g_aw - g_left) as usize];
                if e.q != q || e.status != Status::Unissued {
                    break;
                }
                if n == 0 && e.k % qsize != slot {
                    st.errors.push(format!(
                        "cycle {cycle}: queue {q}: AW at slot {slot}, its next entry is index {}",
                        e.k % qsize
                    ));
                }
                e.status = Status::Issued;
                g_aw += 1;
                n += 1;
            }
            if n < recs {
                st.errors.push(format!(
                    "cycle {cycle}: queue {q}: AW of {recs} records, only {n} entries of the queue next in order"
                ));
            }
            let s = &mut qs[q];
            if s.episode.is_some_and(|e| e.from_burst == s.bursts) && !s.refusing {
                s.refusing = true;
                s.refused_index = Some(slot as u16);
            }
            let silent = cfg.fault == Fault::SilentRefusal && aw_count == 9;
            aws.push_back(Burst {
                q,
                slot,
                recs,
                first,
                refused: s.refusing || silent,
                expect_ok: silent,
            });
            s.bursts += 1;
            aw_count += 1;
            st.aw_per_queue[q] += 1;
            if in_window {
                st.bursts[recs - 1] += 1;
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
            let b = aws.pop_front().expect("non-empty");
            let w = w_bursts.pop_front().expect("non-empty");
            if w.len() != 4 * b.recs {
                st.errors.push(format!(
                    "cycle {cycle}: W burst of {} beats for an AW of {} records",
                    w.len(),
                    b.recs
                ));
            }
            if !b.refused {
                let ring = &mut qs[b.q].ring;
                for (r, beats) in w.chunks(4).take(b.recs).enumerate() {
                    let s = ((b.slot + r as u64) % ring.len() as u64) as usize;
                    store_beats(&mut ring[s], beats);
                    if cfg.fault == Fault::FlipRecordBit && stored == 9 {
                        ring[s][cpl::LEN.start + 2] ^= 0x10;
                    }
                    if beats.len() == 4 {
                        stored += 1;
                    }
                }
            }
            bs.push_back((cycle + cfg.latency, b));
        }

        // Entries leave in push order, one per cycle (from state of earlier
        // cycles: a B taken in this cycle counts from the next).
        if o.ev_cpl != 0 || o.ev_drop != 0 {
            last_progress = cycle;
            match ents.pop_front() {
                None => st
                    .errors
                    .push(format!("cycle {cycle}: an entry left, none was pushed")),
                Some(e) => {
                    let q = e.q;
                    let tag = format!("cycle {cycle}: queue {q} entry {}", e.k);
                    if o.ev_cpl != 0 && o.ev_drop != 0 {
                        st.errors.push(format!("{tag}: ev_cpl and ev_drop at once"));
                    }
                    if o.ev_queue as usize != q {
                        st.errors
                            .push(format!("{tag}: left with ev_queue {}", o.ev_queue));
                    }
                    let mut status = e.status;
                    if g_left == g_aw {
                        // never on AW: a null burst of a dead queue
                        g_aw += 1;
                        status = if qs[q].dead_since.is_some() {
                            Status::Dropped
                        } else {
                            Status::Unissued
                        };
                    }
                    match (status, o.ev_cpl != 0) {
                        (Status::Acked, true) => {
                            if (o.ev_len, o.ev_errors, o.ev_verdict, o.ev_tag != 0)
                                != (e.f.len, e.f.errors, e.f.verdict, e.f.tag)
                            {
                                st.errors.push(format!(
                                    "{tag}: ev_cpl len {:#x} errors {:#x} verdict {} tag {}, want {:?}",
                                    o.ev_len, o.ev_errors, o.ev_verdict, o.ev_tag, e.f
                                ));
                            }
                            let qsize = size(q);
                            let slot = (e.k % qsize) as usize;
                            let phase = (e.k / qsize).is_multiple_of(2);
                            let want = record(&e.f, slot as u16, q as u8, phase);
                            let bytes = &qs[q].ring[slot];
                            let got = cpl::Completion::decode(bytes);
                            // The fields by the contract's codec; the whole
                            // record against its encoding, so that a reserved
                            // byte not written as 0 is caught too.
                            if got != want || *bytes != want.encode() {
                                st.errors.push(format!(
                                    "{tag}: ring slot {slot} holds {got:?} ({bytes:02x?}), want {want:?}"
                                ));
                            }
                            st.records_checked += 1;
                            st.cpl_per_queue[q] += 1;
                            if qs[q].epoch > 0 {
                                st.revived_cpl += 1;
                            }
                            if st.fails > 0 {
                                st.cpl_after_fail[q] += 1;
                            }
                            qs[q].acked += 1;
                            if e.in_window {
                                // HEAD counts it from the next cycle on.
                                let lat = cycle + 1 - e.pushed_at;
                                st.lat_sum += lat;
                                st.lat_n += 1;
                                st.lat_max = st.lat_max.max(lat);
                                st.lat_min = st.lat_min.min(lat);
                            }
                            if in_window {
                                st.completions += 1;
                            }
                        }
                        (Status::Dropped, false) => st.dropped += 1,
                        (s, cpl) => st.errors.push(format!(
                            "{tag}: left as {}, expected {s:?}",
                            if cpl { "ev_cpl" } else { "ev_drop" }
                        )),
                    }
                    qs[q].left += 1;
                    g_left += 1;
                }
            }
        }

        if let Some(b) = b_hold.take() {
            if o.m_bready != 0 {
                outstanding -= 1;
                let q = b.q;
                let s = &mut qs[q];
                let ok = if b.refused && !b.expect_ok && s.dead_since.is_none() {
                    s.dead_since = Some(cycle);
                    match s.refused_index {
                        Some(idx) if idx as u64 == b.slot => fail_due = Some((cycle + 1, q, idx)),
                        _ => st.errors.push(format!(
                            "cycle {cycle}: queue {q}: refused B of slot {} is not the first refused",
                            b.slot
                        )),
                    }
                    false
                } else {
                    s.dead_since.is_none() && (!b.refused || b.expect_ok)
                };
                for g in b.first..b.first + b.recs as u64 {
                    if g >= g_left {
                        ents[(g - g_left) as usize].status =
                            if ok { Status::Acked } else { Status::Dropped };
                    }
                }
            } else {
                b_hold = Some(b);
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
    if fail_due.is_some() {
        st.errors.push("end: an ev_fail never came".into());
    }
    st
}
