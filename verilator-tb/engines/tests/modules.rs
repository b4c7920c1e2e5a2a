//! The modules benched alone, checked while they run: the interconnect
//! delivers every burst's data to the right port and routes every ID back in
//! order; the completion writer leaves every record in its ring slot; the
//! CSR reads back what was written. Random stalls on every channel, seeded;
//! replay with `TEST_SEED=<printed seed>`. Each harness also runs once
//! with a fault injected, so a check that could never fire fails the test.

use engine_tb::modules::cpl_writer::{self, CplConfig, Fault, Refusal, Ring};
use engine_tb::modules::csr::{self, Op, WriteMode};
use engine_tb::modules::interconnect::{self, IcxConfig, IcxFault};
use engine_tb::modules::{bench_cpl_writer, bench_csr, bench_interconnect};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn seed(default: u64) -> u64 {
    test_support::seed(default)
}

fn random_icx(rng: &mut ChaCha8Rng, nports: usize, seed: u64) -> IcxConfig {
    let most = |rng: &mut ChaCha8Rng| {
        *[1u16, 2, 4, 16, 16, 64, 256]
            .get(rng.gen_range(0..7))
            .unwrap()
    };
    IcxConfig {
        nports,
        read_beats: (0..nports).map(|_| most(rng)).collect(),
        write_beats: (0..nports).map(|_| most(rng)).collect(),
        random_lengths: true,
        latency: rng.gen_range(1..=60),
        max_outstanding: rng.gen_range(1..=32),
        stall: [0.0, 0.2, 0.5][rng.gen_range(0..3)],
        reorder: rng.gen_bool(0.7),
        error_resp: true,
        issue_cycles: 10_000,
        warmup: 0,
        seed,
        fault: None,
    }
}

#[test]
fn interconnect_routes_every_beat_under_stalls_and_reordering() {
    let s = seed(11);
    let mut rng = ChaCha8Rng::seed_from_u64(s);
    for round in 0..24 {
        let nports = if round % 2 == 0 { 2 } else { 4 };
        let cfg = random_icx(&mut rng, nports, s + round);
        let st = interconnect::run(&cfg);
        assert!(
            st.errors.is_empty(),
            "seed {s} round {round} {cfg:?}: {:#?}",
            st.errors
        );
        assert!(
            st.reads_done > 20 && st.writes_done > 20,
            "seed {s} round {round}: only {} reads, {} writes",
            st.reads_done,
            st.writes_done
        );
    }
}

#[test]
fn interconnect_checks_fire_on_a_corrupted_beat_and_a_misrouted_id() {
    for fault in [IcxFault::FlipReadBit, IcxFault::WrongReadId] {
        for nports in [2, 4] {
            let mut cfg = IcxConfig::bench(nports, &vec![4; nports], 2, 500);
            cfg.fault = Some(fault);
            let st = interconnect::run(&cfg);
            assert!(
                !st.errors.is_empty(),
                "{fault:?} at {nports} ports went unnoticed"
            );
            eprintln!("{fault:?}, {nports} ports: {}", st.errors[0]);
        }
    }
}

#[test]
fn interconnect_w_channel_never_idles_with_data_ready_and_shares_fairly() {
    let rows = bench_interconnect(2000).expect("bench runs clean");
    for r in &rows {
        if r.metric == "w_idle_cycles" {
            assert_eq!(r.value, 0.0, "{r:?}");
        }
        // Round-robin: every port is granted the same number of bursts
        // (to one burst) when all of them always request.
        if r.metric.starts_with("ar_share.") || r.metric.starts_with("aw_share.") {
            let n: f64 = if r.config.starts_with("nports=2") {
                2.0
            } else {
                4.0
            };
            assert!((r.value - 1.0 / n).abs() < 0.02, "{r:?}");
        }
        if r.metric == "r_added_cycles" || r.metric == "w_added_cycles" {
            assert_eq!(r.value, 0.0, "{r:?}");
        }
    }
}

/// Rings for every queue: random sizes (2..=4096 entries) at bases 1 MiB
/// apart, each any multiple of 64 so that bursts meet 4 KiB boundaries
/// mid-ring.
fn random_rings(rng: &mut ChaCha8Rng) -> [Ring; cpl_writer::NQ] {
    std::array::from_fn(|q| Ring {
        base: 0x2_0000_0000 + 0x10_0000 * q as u64 + 64 * rng.gen_range(0..256u64),
        size: 1u16 << rng.gen_range(1..=12),
    })
}

/// A random non-empty set of queues (all eight half of the time).
fn random_queues(rng: &mut ChaCha8Rng, at_least: usize) -> Vec<u8> {
    loop {
        let q: Vec<u8> = if rng.gen_bool(0.5) {
            (0..cpl_writer::NQ as u8).collect()
        } else {
            (0..cpl_writer::NQ as u8)
                .filter(|_| rng.gen_bool(0.4))
                .collect()
        };
        if q.len() >= at_least {
            return q;
        }
    }
}

fn random_cpl(rng: &mut ChaCha8Rng, seed: u64) -> CplConfig {
    let queues = random_queues(rng, 1);
    CplConfig {
        latency: rng.gen_range(1..=300),
        rings: random_rings(rng),
        records: 800 * queues.len().min(3) as u64 + rng.gen_range(0..1000),
        queues,
        run_len: [1, 1, 2, 4, 8][rng.gen_range(0..5)],
        issue_cycles: u64::MAX,
        warmup: 0,
        in_every: [1, 1, 3, 40][rng.gen_range(0..4)],
        stall: [0.0, 0.2, 0.5][rng.gen_range(0..3)],
        seed,
        refusals: Vec::new(),
        fault: Fault::None,
    }
}

/// Entries of several queues, interleaved: each at its queue's ring slot
/// (base + 32 * index) with QUEUE_NUM and the phase of its ring pass, every
/// queue's HEAD equal to its acknowledged count in every cycle, every burst
/// of one queue's consecutive entries, within the ring and a 4 KiB page; and
/// W never idle while a burst accepted on AW has beats to send.
#[test]
fn cpl_writer_puts_every_record_in_its_slot_under_stalls() {
    let s = seed(12);
    let mut rng = ChaCha8Rng::seed_from_u64(s);
    for round in 0..24 {
        let cfg = random_cpl(&mut rng, s + round);
        let st = cpl_writer::run(&cfg);
        assert!(
            st.errors.is_empty(),
            "seed {s} round {round} {cfg:?}: {:#?}",
            st.errors
        );
        assert_eq!(st.records_checked, cfg.records, "seed {s} round {round}");
        for &q in &cfg.queues {
            assert!(
                st.cpl_per_queue[q as usize] > 0,
                "seed {s} round {round}: queue {q} never completed"
            );
        }
        assert_eq!(
            st.w_idle_run, 0,
            "seed {s} round {round} {cfg:?}: W idle between bursts"
        );
    }
}

/// A refused B kills its queue only: one ev_fail naming the queue and the
/// refused burst's first index; the queue's later entries leave as ev_drop
/// and no burst for it reaches the bus; the other queues keep completing;
/// `start` revives it (HEAD 0, phase 1), and it can fail again.
#[test]
fn cpl_writer_refused_b_kills_only_its_queue() {
    let s = seed(15);
    let mut rng = ChaCha8Rng::seed_from_u64(s);
    for round in 0..16 {
        let mut cfg = random_cpl(&mut rng, s + round);
        cfg.queues = random_queues(&mut rng, 2);
        cfg.records = 4000;
        cfg.run_len = [1, 2, 4][rng.gen_range(0..3)];
        cfg.latency = rng.gen_range(1..=120);
        let nfail = rng.gen_range(1..cfg.queues.len().min(3));
        let mut failing = cfg.queues.clone();
        for k in 0..nfail {
            let j = rng.gen_range(k..failing.len());
            failing.swap(k, j);
        }
        failing.truncate(nfail);
        let mut episodes = 0u64;
        for &q in &failing {
            // the first queue fails again after its restart
            for e in 0..if q == failing[0] { 2 } else { 1 } {
                cfg.refusals.push(Refusal {
                    queue: q,
                    from_burst: rng.gen_range(2..20),
                    linger: rng.gen_range(0..400),
                    restart: e == 1 || rng.gen_bool(0.8),
                });
                episodes += 1;
                if !cfg.refusals.last().unwrap().restart {
                    break;
                }
            }
        }
        let st = cpl_writer::run(&cfg);
        let ctx = format!("seed {s} round {round} {cfg:?}");
        assert!(st.errors.is_empty(), "{ctx}: {:#?}", st.errors);
        assert_eq!(st.fails, episodes, "{ctx}: ev_fail pulses");
        assert!(st.dropped > 0, "{ctx}: no entry dropped");
        let restarts = cfg.refusals.iter().filter(|r| r.restart).count() as u64;
        assert_eq!(st.restarts, restarts, "{ctx}: restarts");
        if restarts > 0 {
            assert!(st.revived_cpl > 0, "{ctx}: no completion after a restart");
        }
        for &q in cfg.queues.iter().filter(|q| !failing.contains(q)) {
            assert!(
                st.cpl_after_fail[q as usize] > 0,
                "{ctx}: queue {q} stopped completing after the failure"
            );
        }
        assert_eq!(
            st.records_checked + st.dropped,
            cfg.records,
            "{ctx}: entries unaccounted"
        );
    }
}

#[test]
fn cpl_writer_checks_fire_on_faults() {
    for fault in [Fault::FlipRecordBit, Fault::SilentRefusal, Fault::SwapRings] {
        let mut cfg = CplConfig::bench(2, 1, &[0, 1, 2, 3], 500);
        cfg.run_len = 4;
        cfg.fault = fault;
        let st = cpl_writer::run(&cfg);
        assert!(!st.errors.is_empty(), "{fault:?} went unnoticed");
        eprintln!("{fault:?}: {}", st.errors[0]);
    }
}

#[test]
fn cpl_writer_bench_batches_under_latency() {
    let rows = bench_cpl_writer(2000).expect("bench runs clean");
    let get = |cfg: &str, m: &str| {
        rows.iter()
            .find(|r| r.config.contains(cfg) && r.metric == m)
            .unwrap_or_else(|| panic!("no {m} for {cfg}"))
            .value
    };
    // One queue, saturated: the writer forms mostly full 4-record bursts.
    for lat in [2, 250] {
        let c = format!("queues=1,latency_cycles={lat},in_every=1,");
        assert!(get(&c, "bursts_of_4") > 0.8, "{c}");
        assert!(get(&c, "records_per_burst") > 3.5, "{c}");
        assert_eq!(get(&c, "max_bursts_outstanding"), 16.0, "{c}");
    }
    // Saturated at 8 ns, one queue or eight interleaved: the W channel never
    // idles between bursts, one record every 4 cycles.
    for q in [1, 8] {
        let c = format!("queues={q},latency_cycles=2,in_every=1,");
        assert!(get(&c, "completions_per_cycle") > 0.249, "{c}");
    }
    // One entry alone: at HEAD within 10 cycles plus the memory's latency.
    for q in [1, 8] {
        assert!(
            get(
                &format!("queues={q},latency_cycles=2,in_every=208,"),
                "latency_max_cycles"
            ) <= 12.0
        );
        assert!(
            get(
                &format!("queues={q},latency_cycles=250,in_every=1200,"),
                "latency_max_cycles"
            ) <= 260.0
        );
    }
    for r in &rows {
        // Four beats per record on a 64-bit bus: never more than 1/4 per cycle.
        if r.metric == "completions_per_cycle" {
            assert!(r.value > 0.0 && r.value <= 0.25 + 1e-9, "{r:?}");
        }
        if r.metric == "w_idle_cycles" {
            assert_eq!(r.value, 0.0, "{r:?}");
        }
    }
}

/// Random accesses: writes (some with a partial strobe, refused), read-backs,
/// unaligned addresses (read 0, writes ignored) and read-only identity
/// registers.
fn random_ops(rng: &mut ChaCha8Rng, n: usize) -> Vec<Op> {
    let rw = csr::rw_registers();
    let ro = csr::ro_registers();
    (0..n)
        .map(|_| {
            let addr = match rng.gen_range(0..20) {
                0 => ro[rng.gen_range(0..ro.len())].0,
                1 => rw[rng.gen_range(0..rw.len())].addr + rng.gen_range(1..4),
                _ => rw[rng.gen_range(0..rw.len())].addr,
            };
            if rng.gen_bool(0.5) {
                Op::Write {
                    addr,
                    data: rng.gen(),
                    strb: if rng.gen_bool(0.1) {
                        rng.gen_range(0..15)
                    } else {
                        0xf
                    },
                }
            } else {
                Op::Read { addr }
            }
        })
        .collect()
}

#[test]
fn csr_reads_back_what_was_written_under_stalls() {
    let s = seed(13);
    let mut rng = ChaCha8Rng::seed_from_u64(s);
    for round in 0..12 {
        let ops = random_ops(&mut rng, 5000);
        let mode = if round % 2 == 0 {
            WriteMode::Overlapped
        } else {
            WriteMode::AwThenW
        };
        let stall = [0.0, 0.3, 0.6][round as usize % 3];
        let st = csr::run(&ops, mode, stall, s + round);
        assert!(
            st.errors.is_empty(),
            "seed {s} round {round}: {:#?}",
            st.errors
        );
        assert_eq!(
            st.writes + st.reads,
            ops.len() as u64,
            "seed {s} round {round}"
        );
    }
}

#[test]
fn csr_check_fires_on_a_write_the_model_did_not_make() {
    let s = seed(14);
    let reg = csr::rw_registers()[2].addr; // IRQ_ITR
    let ops = [
        Op::Write {
            addr: reg,
            data: 0x1234_5678,
            strb: 0xf,
        },
        Op::Read { addr: reg },
    ];
    assert!(csr::run(&ops, WriteMode::Overlapped, 0.0, s)
        .errors
        .is_empty());
    let st = csr::run_with_fault(&ops, WriteMode::Overlapped, 0.0, s, Some(0));
    assert!(!st.errors.is_empty(), "a wrong read-back went unnoticed");
    eprintln!("{}", st.errors[0]);
}

#[test]
fn csr_bench_figures_are_in_range() {
    let rows = bench_csr(800).expect("bench runs clean");
    for r in &rows {
        assert!(r.value > 0.0, "{r:?}");
        if r.metric == "transactions_per_cycle" {
            assert!(r.value <= 2.0, "{r:?}");
        }
    }
}
