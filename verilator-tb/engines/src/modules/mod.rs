//! Modules of the NIC alone in Verilator, each its own model: the AXI4
//! interconnect (2 and 4 ports), the completion writer and the register
//! file. Harnesses that check every transfer, and `nicctl bench modules`.

pub mod cpl_writer;
pub mod csr;
mod ffi;
pub mod interconnect;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A seeded source of stalls: `go` is false with probability `p` (no draw
/// at all when `p` is 0, so a stall-free run makes no random decisions).
pub(crate) struct Coin {
    rng: ChaCha8Rng,
    p: f64,
}

impl Coin {
    pub(crate) fn new(seed: u64, p: f64) -> Self {
        Coin {
            rng: ChaCha8Rng::seed_from_u64(seed),
            p,
        }
    }
    pub(crate) fn go(&mut self) -> bool {
        self.p <= 0.0 || !self.rng.gen_bool(self.p.min(1.0))
    }
    /// A uniform pick of `0..n` (0 without a draw when `n` <= 1).
    pub(crate) fn pick(&mut self, n: usize) -> usize {
        if n <= 1 {
            0
        } else {
            self.rng.gen_range(0..n)
        }
    }
}

/// splitmix64's finaliser: data and field values as a function of an
/// address or index.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One figure of `nicctl bench modules`: `module` is the SystemVerilog
/// module, `config` its parameters and the run's conditions as
/// comma-separated `key=value`, `metric` what was measured.
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleRow {
    pub module: &'static str,
    pub config: String,
    pub metric: String,
    pub value: f64,
}

/// Memory latencies of the benches, cycles at 250 MHz: 8 ns and 1 us.
pub const LATENCIES: [u64; 2] = [2, 250];

fn row(module: &'static str, config: &str, metric: impl Into<String>, value: f64) -> ModuleRow {
    ModuleRow {
        module,
        config: config.to_string(),
        metric: metric.into(),
        value,
    }
}

fn fail(module: &str, config: &str, errors: &[String]) -> String {
    format!(
        "{module} ({config}): {} check(s) failed, first: {}",
        errors.len(),
        errors.first().map_or("", String::as_str)
    )
}

/// The interconnect at 2 and 4 ports, every port reading and writing bursts
/// of 16 beats, of 1 beat, or alternately (even ports 16, odd ports 1),
/// at each memory latency; `window` cycles measured per run.
pub fn bench_interconnect(window: u64) -> Result<Vec<ModuleRow>, String> {
    const M: &str = "nic_axi_interconnect";
    let mut rows = Vec::new();
    for nports in [2usize, 4] {
        let mixed: Vec<u16> = (0..nports)
            .map(|p| if p % 2 == 0 { 16 } else { 1 })
            .collect();
        for beats in [vec![16; nports], vec![1; nports], mixed] {
            for latency in LATENCIES {
                let cfg = interconnect::IcxConfig::bench(nports, &beats, latency, window);
                let names: Vec<String> = if beats.iter().all(|&b| b == beats[0]) {
                    vec![beats[0].to_string()]
                } else {
                    beats.iter().map(u16::to_string).collect()
                };
                let c = format!(
                    "nports={nports},beats={},latency_cycles={latency},outstanding={}",
                    names.join("/"),
                    cfg.max_outstanding
                );
                let s = interconnect::run(&cfg);
                if !s.errors.is_empty() {
                    return Err(fail(M, &c, &s.errors));
                }
                let w = s.window.max(1) as f64;
                rows.push(row(M, &c, "r_beats_per_cycle", s.r_beats as f64 / w));
                rows.push(row(M, &c, "w_beats_per_cycle", s.w_beats as f64 / w));
                let ars: u64 = s.ar_grants_port.iter().sum();
                let aws: u64 = s.aw_grants_port.iter().sum();
                rows.push(row(M, &c, "ar_per_cycle", ars as f64 / w));
                rows.push(row(M, &c, "aw_per_cycle", aws as f64 / w));
                rows.push(row(M, &c, "w_idle_cycles", s.w_idle_with_data as f64));
                for p in 0..nports {
                    let share = |v: &[u64]| {
                        let t: u64 = v.iter().sum();
                        v[p] as f64 / t.max(1) as f64
                    };
                    rows.push(row(M, &c, format!("r_share.p{p}"), share(&s.r_beats_port)));
                    rows.push(row(M, &c, format!("w_share.p{p}"), share(&s.w_beats_port)));
                    rows.push(row(
                        M,
                        &c,
                        format!("ar_share.p{p}"),
                        share(&s.ar_grants_port),
                    ));
                    rows.push(row(
                        M,
                        &c,
                        format!("aw_share.p{p}"),
                        share(&s.aw_grants_port),
                    ));
                }
                rows.push(row(M, &c, "ar_added_cycles", s.ar_added.1 as f64));
                rows.push(row(M, &c, "aw_added_cycles", s.aw_added.1 as f64));
                rows.push(row(M, &c, "r_added_cycles", s.r_added.1 as f64));
                rows.push(row(M, &c, "w_added_cycles", s.w_added.1 as f64));
                rows.push(row(M, &c, "b_added_cycles", s.b_added.1 as f64));
                rows.push(row(M, &c, "ar_wait_max_cycles", s.ar_wait_max as f64));
                rows.push(row(M, &c, "aw_wait_max_cycles", s.aw_wait_max as f64));
            }
        }
    }
    Ok(rows)
}

/// The completion writer at each memory latency, entries offered every
/// cycle, every 16 cycles, and one at a time (every 4 latencies + 200 cycles).
pub fn bench_cpl_writer(window: u64) -> Result<Vec<ModuleRow>, String> {
    const M: &str = "nic_cpl_writer";
    let mut rows = Vec::new();
    for latency in LATENCIES {
        for in_every in [1, 16, 4 * latency + 200] {
            let cfg = cpl_writer::CplConfig::bench(latency, in_every, window);
            let c = format!(
                "depth=64,batch=4,max_out=16,latency_cycles={latency},in_every={in_every},ring={}",
                cfg.ring_size
            );
            let s = cpl_writer::run(&cfg);
            if !s.errors.is_empty() {
                return Err(fail(M, &c, &s.errors));
            }
            let w = s.window.max(1) as f64;
            rows.push(row(
                M,
                &c,
                "completions_per_cycle",
                s.completions_per_cycle(),
            ));
            rows.push(row(M, &c, "w_beats_per_cycle", s.w_beats as f64 / w));
            let n: u64 = s.bursts.iter().sum();
            for (k, b) in s.bursts.iter().enumerate() {
                rows.push(row(
                    M,
                    &c,
                    format!("bursts_of_{}", k + 1),
                    *b as f64 / n.max(1) as f64,
                ));
            }
            rows.push(row(M, &c, "records_per_burst", s.mean_burst()));
            rows.push(row(
                M,
                &c,
                "max_bursts_outstanding",
                s.max_outstanding as f64,
            ));
            rows.push(row(M, &c, "latency_min_cycles", s.lat_min as f64));
            rows.push(row(M, &c, "latency_mean_cycles", s.mean_latency()));
            rows.push(row(M, &c, "latency_max_cycles", s.lat_max as f64));
        }
    }
    Ok(rows)
}

/// The register file: back-to-back writes (AW and W overlapped, and AW then
/// W), reads, and both at once, `window / 8` transactions of each (at least 100).
pub fn bench_csr(window: u64) -> Result<Vec<ModuleRow>, String> {
    use csr::{Op, WriteMode};
    const M: &str = "nic_csr";
    let n = (window / 8).max(100) as usize;
    let regs: Vec<u16> = csr::rw_registers()
        .iter()
        .filter(|r| r.mask == u32::MAX)
        .map(|r| r.addr)
        .collect();
    let half = regs.len() / 2;
    let writes: Vec<Op> = (0..n)
        .map(|k| Op::Write {
            addr: regs[k % regs.len()],
            data: mix(k as u64) as u32,
            strb: 0xf,
        })
        .collect();
    let reads: Vec<Op> = (0..n)
        .map(|k| Op::Read {
            addr: regs[k % regs.len()],
        })
        .collect();
    // writes to the first half of the registers, reads of the second: no
    // access waits for another
    let both: Vec<Op> = (0..2 * n)
        .map(|k| {
            if k % 2 == 0 {
                Op::Write {
                    addr: regs[(k / 2) % half],
                    data: k as u32,
                    strb: 0xf,
                }
            } else {
                Op::Read {
                    addr: regs[half + (k / 2) % (regs.len() - half)],
                }
            }
        })
        .collect();
    let runs: [(&str, &[Op], WriteMode); 4] = [
        ("writes,aw_w=overlapped", &writes, WriteMode::Overlapped),
        ("writes,aw_w=aw_then_w", &writes, WriteMode::AwThenW),
        ("reads", &reads, WriteMode::Overlapped),
        ("reads+writes,aw_w=overlapped", &both, WriteMode::Overlapped),
    ];
    let mut rows = Vec::new();
    for (name, ops, mode) in runs {
        let c = format!("{name},transactions={}", ops.len());
        let s = csr::run(ops, mode, 0.0, 1);
        if !s.errors.is_empty() {
            return Err(fail(M, &c, &s.errors));
        }
        rows.push(row(M, &c, "transactions_per_cycle", s.per_cycle()));
        if s.writes > 0 {
            rows.push(row(M, &c, "write_latency_cycles", s.write_lat.1 as f64));
        }
        if s.reads > 0 {
            rows.push(row(M, &c, "read_latency_cycles", s.read_lat.1 as f64));
        }
    }
    Ok(rows)
}

/// Every module bench, `window` cycles measured per run (20,000 for the
/// documented figures; a few hundred for a smoke test).
pub fn bench_modules(window: u64) -> Result<Vec<ModuleRow>, String> {
    let mut rows = bench_interconnect(window)?;
    rows.extend(bench_cpl_writer(window)?);
    rows.extend(bench_csr(window)?);
    Ok(rows)
}
