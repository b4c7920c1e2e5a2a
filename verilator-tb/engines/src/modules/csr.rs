//! `nic_csr` alone on its AXI4-Lite port: a master with independent AW, W
//! and AR channels. Measures register writes and reads per cycle back to
//! back and their latencies; checks that what is read back is what was
//! written, masked as the contract says.
//!
//! Ports driven: `clk`, `rst` and the AXI4-Lite slave `s_axil_*` only
//! (awaddr/awvalid/awready, wdata/wstrb/wvalid/wready, bresp/bvalid/bready,
//! araddr/arvalid/arready, rdata/rresp/rvalid/rready). Every other input
//! (`now_ns`, the engines' head and event inputs) is tied to 0 and no other
//! output is read, so registers added to the module need no change here.

use super::ffi::{self, CsrInputs, CsrOutputs};
use super::Coin;
use firmware_model::contract::{cap, limits, qreg, reg, rss_key_reset, rxq, txq};
use std::collections::{HashMap, VecDeque};

/// One register access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Write { addr: u16, data: u32, strb: u8 },
    Read { addr: u16 },
}

/// How the master presents a write's AW and W.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// Each channel on its own: AW and W of a write in the same cycle when
    /// both are free, the next write's as soon as its channel is.
    Overlapped,
    /// W only after its AW was taken, the next AW only after that W was
    /// taken: AW and W never overlap.
    AwThenW,
}

/// A register the test may read back, with the bits a write keeps and its
/// reset value.
#[derive(Debug, Clone, Copy)]
pub struct RwReg {
    pub addr: u16,
    pub mask: u32,
    pub reset: u32,
}

/// The read-write registers whose value is only what was written (no side
/// effect, no event input): FEATURES (CAPS bits), IRQ_MASK (3 bits),
/// IRQ_ITR, the ten RSS_KEY words, and both queues' RING_LO/HI, CPL_LO/HI
/// and SIZE (writable while the queue is disabled, which it stays).
pub fn rw_registers() -> Vec<RwReg> {
    let caps = cap::RX_CSUM | cap::TX_CSUM | cap::RXHASH | cap::LOOPBACK;
    let mut v = vec![
        RwReg {
            addr: reg::FEATURES as u16,
            mask: caps,
            reset: cap::RX_CSUM | cap::TX_CSUM | cap::RXHASH,
        },
        RwReg {
            addr: reg::IRQ_MASK as u16,
            mask: 0x7,
            reset: 0,
        },
        RwReg {
            addr: reg::IRQ_ITR as u16,
            mask: u32::MAX,
            reset: 0,
        },
    ];
    let keys = [
        rss_key_reset::W0,
        rss_key_reset::W1,
        rss_key_reset::W2,
        rss_key_reset::W3,
        rss_key_reset::W4,
        rss_key_reset::W5,
        rss_key_reset::W6,
        rss_key_reset::W7,
        rss_key_reset::W8,
        rss_key_reset::W9,
    ];
    for (w, &k) in keys.iter().enumerate() {
        v.push(RwReg {
            addr: (reg::RSS_KEY + 4 * w as u32) as u16,
            mask: u32::MAX,
            reset: k,
        });
    }
    for q in [txq(0, 0), rxq(0, 0)] {
        for r in [
            qreg::RING_LO,
            qreg::RING_HI,
            qreg::CPL_LO,
            qreg::CPL_HI,
            qreg::SIZE,
        ] {
            v.push(RwReg {
                addr: (q + r) as u16,
                mask: u32::MAX,
                reset: 0,
            });
        }
    }
    v
}

/// Read-only registers with a fixed value.
pub fn ro_registers() -> Vec<(u16, u32)> {
    vec![
        (reg::ID as u16, limits::ID_MAGIC),
        (reg::VERSION as u16, limits::VERSION),
    ]
}

/// What a run measured.
#[derive(Debug, Clone, Default)]
pub struct CsrStats {
    pub cycles: u64,
    pub writes: u64,
    pub reads: u64,
    /// First request handshake to last response handshake, cycles (inclusive).
    pub span: u64,
    /// (least, most) cycles from AR taken to R valid, and from the later of
    /// AW and W taken to B valid.
    pub read_lat: (u64, u64),
    pub write_lat: (u64, u64),
    pub errors: Vec<String>,
}

impl CsrStats {
    pub fn per_cycle(&self) -> f64 {
        (self.writes + self.reads) as f64 / self.span.max(1) as f64
    }
}

/// The expected answer of a read, known when the read is issued.
struct PendingRead {
    addr: u16,
    want: u32,
    taken: u64,
}

/// Runs `ops` in order against the CSR: a write to an address waits while a
/// read of it is in flight, a read while a write to it awaits its B, so that
/// each read's value is known when it is issued; otherwise the channels run
/// freely. `stall`: probability that any valid or ready stays low in a cycle.
pub fn run(ops: &[Op], mode: WriteMode, stall: f64, seed: u64) -> CsrStats {
    run_with_fault(ops, mode, stall, seed, None)
}

/// [`run`], but write number `flip` (counting from 0) puts a data bit on the
/// bus that the model did not write: a self-test of the read-back check.
pub fn run_with_fault(
    ops: &[Op],
    mode: WriteMode,
    stall: f64,
    seed: u64,
    flip: Option<usize>,
) -> CsrStats {
    let mut sim = ffi::csr();
    let mut coin = Coin::new(seed, stall);
    let mut st = CsrStats {
        read_lat: (u64::MAX, 0),
        write_lat: (u64::MAX, 0),
        ..Default::default()
    };
    let rw = rw_registers();
    let mut shadow: HashMap<u16, (u32, u32)> =
        rw.iter().map(|r| (r.addr, (r.reset, r.mask))).collect();
    for (a, v) in ro_registers() {
        shadow.insert(a, (v, 0));
    }
    let mut i = CsrInputs {
        rst: 1,
        ..Default::default()
    };
    for _ in 0..4 {
        sim.step(&i);
    }
    i.rst = 0;

    let mut next = 0usize;
    // writes: released to the channels, AW and W presented, awaiting B
    let mut aw_q: VecDeque<(u16, usize)> = VecDeque::new(); // (addr, write seq)
    let mut w_q: VecDeque<(u32, u8, usize)> = VecDeque::new();
    let mut aw_hold = false;
    let mut w_hold = false;
    let mut aw_taken: HashMap<usize, u64> = HashMap::new();
    let mut w_taken: HashMap<usize, u64> = HashMap::new();
    let mut b_wait: VecDeque<(u16, u8, usize)> = VecDeque::new(); // (addr, strb, seq) in order
    let mut wseq = 0usize;
    let (mut aws_taken, mut ws_taken) = (0usize, 0usize);
    let mut b_seq = 0usize;
    let mut ar_q: VecDeque<PendingRead> = VecDeque::new();
    let mut ar_hold = false;
    let mut r_wait: VecDeque<PendingRead> = VecDeque::new();
    let mut b_valid_since: Option<u64> = None;
    let mut r_valid_since: Option<u64> = None;
    let mut first: Option<u64> = None;
    let mut last = 0u64;
    let mut last_progress = 0u64;
    let mut cycle = 0u64;
    loop {
        let in_flight = !aw_q.is_empty() || !w_q.is_empty() || !b_wait.is_empty();
        let reading = !ar_q.is_empty() || !r_wait.is_empty();
        if next == ops.len() && !in_flight && !reading {
            break;
        }
        if cycle > last_progress + 10_000 || st.errors.len() > 20 {
            st.errors.push(format!(
                "stopped at cycle {cycle}: op {next} of {}, {} writes and {} reads in flight",
                ops.len(),
                b_wait.len(),
                r_wait.len() + ar_q.len()
            ));
            break;
        }
        // release ops in order while their address has no conflicting access in flight
        while let Some(op) = ops.get(next) {
            match *op {
                Op::Write { addr, data, strb } => {
                    let reads_of = ar_q.iter().chain(r_wait.iter()).any(|r| r.addr == addr);
                    if reads_of {
                        break;
                    }
                    aw_q.push_back((addr, wseq));
                    w_q.push_back((data, strb, wseq));
                    b_wait.push_back((addr, strb, wseq));
                    wseq += 1;
                    if strb == 0xf {
                        if let Some((v, m)) = shadow.get_mut(&addr) {
                            *v = data & *m | *v & !*m;
                        }
                    }
                }
                Op::Read { addr } => {
                    if b_wait.iter().any(|w| w.0 == addr) {
                        break;
                    }
                    let want = shadow.get(&addr).map_or(0, |s| s.0);
                    ar_q.push_back(PendingRead {
                        addr,
                        want,
                        taken: 0,
                    });
                }
            }
            next += 1;
        }
        // drive
        if !aw_hold && !aw_q.is_empty() && coin.go() {
            // AwThenW: every earlier write's W taken first.
            aw_hold = mode == WriteMode::Overlapped || ws_taken >= aw_q[0].1;
        }
        if !w_hold && !w_q.is_empty() && coin.go() {
            // AwThenW: this write's AW taken first.
            w_hold = mode == WriteMode::Overlapped || aws_taken > w_q[0].2;
        }
        if !ar_hold && !ar_q.is_empty() && coin.go() {
            ar_hold = true;
        }
        i.awvalid = aw_hold as u8;
        i.awaddr = aw_q.front().map_or(0, |a| a.0);
        i.wvalid = w_hold as u8;
        if let Some(&(d, s, seq)) = w_q.front() {
            i.wdata = if flip == Some(seq) { d ^ 1 } else { d };
            i.wstrb = s;
        }
        i.arvalid = ar_hold as u8;
        i.araddr = ar_q.front().map_or(0, |r| r.addr);
        i.bready = coin.go() as u8;
        i.rready = coin.go() as u8;

        // A checker of hdl/check/ that fires is one more error of the run.
        let o: CsrOutputs = sim.step_into(&i, &mut st.errors);

        if aw_hold && o.awready != 0 {
            let (_, seq) = aw_q.pop_front().expect("held");
            aw_taken.insert(seq, cycle);
            aws_taken += 1;
            aw_hold = false;
            first.get_or_insert(cycle);
        }
        if w_hold && o.wready != 0 {
            let (_, _, seq) = w_q.pop_front().expect("held");
            w_taken.insert(seq, cycle);
            ws_taken += 1;
            w_hold = false;
            first.get_or_insert(cycle);
        }
        if ar_hold && o.arready != 0 {
            let mut r = ar_q.pop_front().expect("held");
            r.taken = cycle;
            r_wait.push_back(r);
            ar_hold = false;
            first.get_or_insert(cycle);
        }
        if o.bvalid != 0 {
            let since = *b_valid_since.get_or_insert(cycle);
            if i.bready != 0 {
                b_valid_since = None;
                match b_wait.pop_front() {
                    Some((addr, strb, seq)) => {
                        let want = if strb == 0xf { 0 } else { 2 };
                        if o.bresp != want {
                            st.errors.push(format!(
                                "cycle {cycle}: write {seq} to {addr:#05x} (strb {strb:#x}) answered {}, want {want}",
                                o.bresp
                            ));
                        }
                        match (aw_taken.remove(&seq), w_taken.remove(&seq)) {
                            (Some(a), Some(w)) if a.max(w) < since => {
                                lohi(&mut st.write_lat, since - a.max(w))
                            }
                            other => st.errors.push(format!(
                                "cycle {cycle}: B for write {seq} (AW, W taken at {other:?})"
                            )),
                        }
                        b_seq += 1;
                        st.writes += 1;
                        last = cycle;
                        last_progress = cycle;
                    }
                    None => st
                        .errors
                        .push(format!("cycle {cycle}: B with no write in flight")),
                }
            }
        }
        if o.rvalid != 0 {
            let since = *r_valid_since.get_or_insert(cycle);
            if i.rready != 0 {
                r_valid_since = None;
                match r_wait.pop_front() {
                    Some(r) => {
                        if o.rdata != r.want || o.rresp != 0 {
                            st.errors.push(format!(
                                "cycle {cycle}: read of {:#05x} returned {:#010x} resp {}, want {:#010x}",
                                r.addr, o.rdata, o.rresp, r.want
                            ));
                        }
                        if r.taken < since {
                            lohi(&mut st.read_lat, since - r.taken);
                        } else {
                            st.errors
                                .push(format!("cycle {cycle}: R valid in the cycle of its AR"));
                        }
                        st.reads += 1;
                        last = cycle;
                        last_progress = cycle;
                    }
                    None => st
                        .errors
                        .push(format!("cycle {cycle}: R with no read in flight")),
                }
            }
        }
        cycle += 1;
    }
    debug_assert!(b_seq as u64 == st.writes);
    st.cycles = cycle;
    st.span = first.map_or(0, |f| last + 1 - f);
    for v in [&mut st.read_lat, &mut st.write_lat] {
        if v.0 == u64::MAX {
            *v = (0, 0);
        }
    }
    st
}

fn lohi(v: &mut (u64, u64), x: u64) {
    v.0 = v.0.min(x);
    v.1 = v.1.max(x);
}
