//! The offload engines alone in Verilator, at 64 and 512 bits: stream
//! harnesses with seeded random backpressure, for the engine differential
//! tests and for `nicctl bench engines`; and single NIC modules alone
//! ([`modules`]: interconnect, completion writer, CSR) for `nicctl bench
//! modules`.

use firmware_model::nic::Frame;
use firmware_model::rss::{self, Indirection, Key, RssResult};
use std::collections::VecDeque;
pub use verilator_tb::Backpressure;
use verilator_tb::Dice;

pub mod checker;
mod ffi;
pub use ffi::{EngineInputs, EngineOutputs};
pub mod modules;

/// Which engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    TxCsum,
    RxCsum,
    RxRss,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::TxCsum => "tx-csum",
            Engine::RxCsum => "rx-csum",
            Engine::RxRss => "rx-rss",
        }
    }
}

/// Datapath width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    W64,
    W512,
}

impl Width {
    pub fn bytes(self) -> usize {
        match self {
            Width::W64 => 8,
            Width::W512 => 64,
        }
    }
}

/// One verilated engine, with the stream checkers of `hdl/check/` bound to
/// its ports.
pub struct EngineSim {
    ptr: *mut std::ffi::c_void,
    step_fn: ffi::StepFn,
    free_fn: ffi::FreeFn,
    error_fn: ffi::ErrorFn,
    pub width: Width,
}

impl EngineSim {
    pub fn new(engine: Engine, width: Width) -> Self {
        let ffi::EntryPoints {
            new: new_fn,
            step: step_fn,
            free: free_fn,
            error: error_fn,
        } = ffi::entry_points(engine, width);
        let trace = std::env::var_os("NIC_TRACE").map(|p| {
            std::ffi::CString::new(p.to_string_lossy().as_bytes()).expect("trace path has no NUL")
        });
        let raw = trace.as_ref().map_or(std::ptr::null(), |c| c.as_ptr());
        // SAFETY: `raw` is null or a NUL-terminated string alive for the call;
        // the constructor returns an owned object freed only in Drop.
        let ptr = unsafe { new_fn(raw) };
        assert!(!ptr.is_null(), "engine model constructor returned null");
        EngineSim {
            ptr,
            step_fn,
            free_fn,
            error_fn,
            width,
        }
    }

    /// One clock cycle: the outputs as they were just before the rising edge,
    /// or the messages of the assertions that failed in the cycle.
    pub fn try_step(&mut self, i: &EngineInputs) -> Result<EngineOutputs, String> {
        let mut o = EngineOutputs::default();
        // SAFETY: `ptr` is the live model from the matching constructor; both
        // structs are repr(C) and match engine_shim.cpp.
        let failed = unsafe { (self.step_fn)(self.ptr, i, &mut o) };
        if failed != 0 {
            // SAFETY: the error accessor returns a NUL-terminated string owned
            // by the model and valid until its next step; it is copied at once.
            let msg = unsafe { std::ffi::CStr::from_ptr((self.error_fn)(self.ptr)) };
            return Err(msg.to_string_lossy().trim_end().to_string());
        }
        Ok(o)
    }

    /// One clock cycle; an assertion that fails panics with its message (like
    /// `$stop` in a simulator).
    pub fn step(&mut self, i: &EngineInputs) -> EngineOutputs {
        match self.try_step(i) {
            Ok(o) => o,
            Err(msg) => panic!("RTL assertion failed:\n{msg}"),
        }
    }
}

impl Drop for EngineSim {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from the matching constructor and is freed once.
        unsafe { (self.free_fn)(self.ptr) };
    }
}

/// A frame for the TX checksum engine with its per-frame command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxJob {
    pub frame: Frame,
    pub csum_en: bool,
    pub csum_start: u16,
    pub csum_offset: u16,
}

/// The RX engine's per-frame result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RxResult {
    pub verdict: u8,
    pub csum: u16,
}

/// Timing of a run, in cycles.
#[derive(Debug, Clone, Default)]
pub struct RunStats {
    pub cycles: u64,
    pub first_out: Option<u64>,
    pub last_out: u64,
    pub bytes_out: u64,
    /// Per frame: cycles from its last input beat to its checksum being ready.
    pub latencies: Vec<u64>,
    /// Protocol breaches seen on the engine's outputs.
    pub protocol_errors: Vec<String>,
}

impl RunStats {
    /// Output bytes per cycle from the first output beat to the last.
    pub fn bytes_per_cycle(&self) -> f64 {
        match self.first_out {
            Some(f) => self.bytes_out as f64 / (self.last_out - f + 1) as f64,
            None => 0.0,
        }
    }
}

/// Feeds frames into an engine's input stream with random gaps.
struct Source<'a> {
    frames: &'a [Frame],
    idx: usize,
    pos: usize,
    valid: bool,
    w: usize,
}

impl Source<'_> {
    fn drive(&mut self, i: &mut EngineInputs, dice: &mut Dice) {
        if !self.valid && self.idx < self.frames.len() && dice.valid() {
            self.valid = true;
        }
        i.s_tvalid = self.valid as u8;
        if let Some(f) = self.frames.get(self.idx) {
            let end = (self.pos + self.w).min(f.data.len());
            let chunk = &f.data[self.pos..end];
            let mut bytes = [0u8; 64];
            bytes[..chunk.len()].copy_from_slice(chunk);
            for (k, word) in i.s_tdata.iter_mut().enumerate() {
                *word = u32::from_le_bytes(bytes[4 * k..4 * k + 4].try_into().expect("4 bytes"));
            }
            i.s_tkeep = if chunk.len() == 64 {
                u64::MAX
            } else {
                (1u64 << chunk.len()) - 1
            };
            i.s_tlast = (end == f.data.len()) as u8;
            i.s_tuser = (end == f.data.len() && f.bad) as u8;
        }
    }

    /// Advances after a handshake; returns true when it ended a frame.
    fn fired(&mut self) -> bool {
        self.valid = false;
        self.pos += self.w;
        let len = self.frames[self.idx].data.len();
        if self.pos >= len {
            self.idx += 1;
            self.pos = 0;
            return true;
        }
        false
    }
}

/// Collects an engine's output stream into frames, checking tkeep rules.
struct Sink {
    cur: Vec<u8>,
    frames: Vec<Frame>,
    w: usize,
}

impl Sink {
    fn take(&mut self, o: &EngineOutputs, cycle: u64, st: &mut RunStats) {
        let keep = if self.w == 64 {
            o.m_tkeep
        } else {
            o.m_tkeep & 0xff
        };
        let n = keep.trailing_ones() as usize;
        let last = o.m_tlast != 0;
        let full = self.w == 64 && keep == u64::MAX || self.w == 8 && keep == 0xff;
        if n == 0 || (n < 64 && keep != (1u64 << n) - 1) || (!last && !full) {
            st.protocol_errors.push(format!(
                "cycle {cycle}: output beat with tkeep {keep:#x} (last={last})"
            ));
        }
        let mut bytes = [0u8; 64];
        for (k, word) in o.m_tdata.iter().enumerate() {
            bytes[4 * k..4 * k + 4].copy_from_slice(&word.to_le_bytes());
        }
        self.cur.extend_from_slice(&bytes[..n.min(self.w)]);
        st.bytes_out += n.min(self.w) as u64;
        st.first_out.get_or_insert(cycle);
        st.last_out = cycle;
        if last {
            self.frames.push(Frame {
                data: std::mem::take(&mut self.cur),
                bad: o.m_tuser != 0,
            });
        }
    }
}

/// Holds `rst` for four cycles, then releases it for one.
pub fn reset(sim: &mut EngineSim) {
    let mut i = EngineInputs {
        rst: 1,
        ..Default::default()
    };
    for _ in 0..4 {
        sim.step(&i);
    }
    i.rst = 0;
    sim.step(&i);
}

/// Runs `jobs` through the TX checksum engine; returns the output frames.
pub fn run_tx_csum(
    width: Width,
    jobs: &[TxJob],
    bp: Backpressure,
    seed: u64,
) -> (Vec<Frame>, RunStats) {
    let mut sim = EngineSim::new(Engine::TxCsum, width);
    reset(&mut sim);
    let mut dice = Dice::new(seed, bp);
    let frames: Vec<Frame> = jobs.iter().map(|j| j.frame.clone()).collect();
    let mut src = Source {
        frames: &frames,
        idx: 0,
        pos: 0,
        valid: false,
        w: width.bytes(),
    };
    let mut sink = Sink {
        cur: Vec::new(),
        frames: Vec::new(),
        w: width.bytes(),
    };
    let mut st = RunStats::default();
    let (mut cmd_idx, mut cmd_valid) = (0usize, false);
    let mut ends: VecDeque<u64> = VecDeque::new();
    let mut i = EngineInputs::default();
    let mut cycle = 0u64;
    let limit = 1000 + jobs.iter().map(|j| j.frame.data.len() as u64).sum::<u64>() * 40;
    while sink.frames.len() < jobs.len() {
        if cycle > limit {
            st.protocol_errors.push(format!(
                "stalled: {} of {} frames out after {cycle} cycles",
                sink.frames.len(),
                jobs.len()
            ));
            break;
        }
        src.drive(&mut i, &mut dice);
        if !cmd_valid && cmd_idx < jobs.len() && dice.valid() {
            cmd_valid = true;
        }
        if let Some(j) = jobs.get(cmd_idx) {
            i.cmd_csum_en = j.csum_en as u8;
            i.cmd_csum_start = j.csum_start;
            i.cmd_csum_offset = j.csum_offset;
        }
        i.cmd_valid = cmd_valid as u8;
        i.m_tready = dice.ready() as u8;
        let o = sim.step(&i);
        if cmd_valid && o.cmd_ready != 0 {
            cmd_valid = false;
            cmd_idx += 1;
        }
        if i.s_tvalid != 0 && o.s_tready != 0 && src.fired() {
            ends.push_back(cycle);
        }
        if o.stat_csum_ready != 0 {
            match ends.pop_front() {
                Some(e) => st.latencies.push(cycle - e),
                None => st.protocol_errors.push(format!(
                    "cycle {cycle}: stat_csum_ready before any frame ended"
                )),
            }
        }
        if o.m_tvalid != 0 && i.m_tready != 0 {
            sink.take(&o, cycle, &mut st);
        }
        cycle += 1;
    }
    st.cycles = cycle;
    (sink.frames, st)
}

/// Runs `frames` through the RX checksum engine; returns the frames passed
/// on and one result per frame.
pub fn run_rx_csum(
    width: Width,
    frames: &[Frame],
    enable: bool,
    bp: Backpressure,
    seed: u64,
) -> (Vec<Frame>, Vec<RxResult>, RunStats) {
    let mut sim = EngineSim::new(Engine::RxCsum, width);
    reset(&mut sim);
    let mut dice = Dice::new(seed, bp);
    let mut src = Source {
        frames,
        idx: 0,
        pos: 0,
        valid: false,
        w: width.bytes(),
    };
    let mut sink = Sink {
        cur: Vec::new(),
        frames: Vec::new(),
        w: width.bytes(),
    };
    let mut st = RunStats::default();
    let mut results = Vec::new();
    let mut ends: VecDeque<u64> = VecDeque::new();
    let mut waiting_since: Option<u64> = None;
    let mut i = EngineInputs {
        enable: enable as u8,
        ..Default::default()
    };
    let mut cycle = 0u64;
    let limit = 1000 + frames.iter().map(|f| f.data.len() as u64).sum::<u64>() * 40;
    while sink.frames.len() < frames.len() || results.len() < frames.len() {
        if cycle > limit {
            st.protocol_errors.push(format!(
                "stalled: {} frames and {} results of {} after {cycle} cycles",
                sink.frames.len(),
                results.len(),
                frames.len()
            ));
            break;
        }
        src.drive(&mut i, &mut dice);
        i.m_tready = dice.ready() as u8;
        i.res_ready = dice.ready() as u8;
        let o = sim.step(&i);
        if i.s_tvalid != 0 && o.s_tready != 0 && src.fired() {
            ends.push_back(cycle);
        }
        if o.res_valid != 0 {
            if waiting_since.is_none() {
                waiting_since = Some(cycle);
                match ends.front() {
                    Some(&e) => st.latencies.push(cycle - e),
                    None => st
                        .protocol_errors
                        .push(format!("cycle {cycle}: result before its frame ended")),
                }
            }
            if i.res_ready != 0 {
                results.push(RxResult {
                    verdict: o.res_verdict,
                    csum: o.res_csum,
                });
                ends.pop_front();
                waiting_since = None;
            }
        }
        if o.m_tvalid != 0 && i.m_tready != 0 {
            sink.take(&o, cycle, &mut st);
        }
        cycle += 1;
    }
    st.cycles = cycle;
    (sink.frames, results, st)
}

/// The key as `nic_rx_rss`'s `key[319:0]` port: byte 0 at bits 319:312, so
/// word 0 (bits 31:0) holds key bytes 36..39.
fn key_words(key: &Key) -> [u32; 10] {
    let mut w = [0u32; 10];
    for (k, word) in w.iter_mut().enumerate() {
        let at = rss::KEY_LEN - 4 * (k + 1);
        *word = u32::from_be_bytes([key[at], key[at + 1], key[at + 2], key[at + 3]]);
    }
    w
}

/// Runs `frames` through the RX RSS engine under `key` and `table` (written
/// through the table port before the first frame); returns the frames passed
/// on and one result per frame.
pub fn run_rx_rss(
    width: Width,
    frames: &[Frame],
    key: &Key,
    table: &Indirection,
    bp: Backpressure,
    seed: u64,
) -> (Vec<Frame>, Vec<RssResult>, RunStats) {
    let mut sim = EngineSim::new(Engine::RxRss, width);
    reset(&mut sim);
    let mut i = EngineInputs {
        key: key_words(key),
        ..Default::default()
    };
    for (index, &queue) in table.iter().enumerate() {
        i.tbl_we = 1;
        i.tbl_index = index as u8;
        i.tbl_queue = u16::from(queue);
        sim.step(&i);
    }
    i.tbl_we = 0;
    let mut dice = Dice::new(seed, bp);
    let mut src = Source {
        frames,
        idx: 0,
        pos: 0,
        valid: false,
        w: width.bytes(),
    };
    let mut sink = Sink {
        cur: Vec::new(),
        frames: Vec::new(),
        w: width.bytes(),
    };
    let mut st = RunStats::default();
    let mut results = Vec::new();
    let mut ends: VecDeque<u64> = VecDeque::new();
    let mut waiting_since: Option<u64> = None;
    let mut cycle = 0u64;
    let limit = 1000 + frames.iter().map(|f| f.data.len() as u64).sum::<u64>() * 40;
    while sink.frames.len() < frames.len() || results.len() < frames.len() {
        if cycle > limit {
            st.protocol_errors.push(format!(
                "stalled: {} frames and {} results of {} after {cycle} cycles",
                sink.frames.len(),
                results.len(),
                frames.len()
            ));
            break;
        }
        src.drive(&mut i, &mut dice);
        i.m_tready = dice.ready() as u8;
        i.res_ready = dice.ready() as u8;
        let o = sim.step(&i);
        if i.s_tvalid != 0 && o.s_tready != 0 && src.fired() {
            ends.push_back(cycle);
        }
        if o.res_valid != 0 {
            if waiting_since.is_none() {
                waiting_since = Some(cycle);
                match ends.front() {
                    Some(&e) => st.latencies.push(cycle - e),
                    None => st
                        .protocol_errors
                        .push(format!("cycle {cycle}: result before its frame ended")),
                }
            }
            if i.res_ready != 0 {
                if o.res_queue > u16::from(u8::MAX) {
                    st.protocol_errors.push(format!(
                        "cycle {cycle}: queue {} wider than 8 bits",
                        o.res_queue
                    ));
                }
                results.push(RssResult {
                    hash: o.res_hash,
                    hash_type: o.res_type,
                    queue: o.res_queue as u8,
                });
                ends.pop_front();
                waiting_since = None;
            }
        }
        if o.m_tvalid != 0 && i.m_tready != 0 {
            sink.take(&o, cycle, &mut st);
        }
        cycle += 1;
    }
    st.cycles = cycle;
    (sink.frames, results, st)
}

/// One row of `nicctl bench engines`.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchRow {
    pub engine: &'static str,
    pub frame_bytes: usize,
    pub datapath_bytes: usize,
    pub bytes_per_cycle: f64,
    pub latency_cycles: u64,
}

/// Back-to-back frames of `frame_bytes` through `engine` at `width`, no
/// backpressure: steady-state output bytes per cycle and worst latency from
/// a frame's last input beat to its checksum being ready.
pub fn bench(engine: Engine, width: Width, frame_bytes: usize) -> BenchRow {
    let n = (512 * 1024 / frame_bytes).clamp(64, 4096);
    let frame = nic_traffic::tcp_ipv4_frame(frame_bytes, frame_bytes as u64);
    let st = match engine {
        Engine::TxCsum => {
            let jobs: Vec<TxJob> = (0..n)
                .map(|_| TxJob {
                    frame: Frame {
                        data: frame.clone(),
                        bad: false,
                    },
                    csum_en: true,
                    csum_start: 34,
                    csum_offset: 16,
                })
                .collect();
            run_tx_csum(width, &jobs, Backpressure::none(), 1).1
        }
        Engine::RxCsum => {
            let frames: Vec<Frame> = (0..n)
                .map(|_| Frame {
                    data: frame.clone(),
                    bad: false,
                })
                .collect();
            run_rx_csum(width, &frames, true, Backpressure::none(), 1).2
        }
        Engine::RxRss => {
            let frames: Vec<Frame> = (0..n)
                .map(|_| Frame {
                    data: frame.clone(),
                    bad: false,
                })
                .collect();
            let table = rss::round_robin(8);
            run_rx_rss(
                width,
                &frames,
                &rss::VERIFICATION_KEY,
                &table,
                Backpressure::none(),
                1,
            )
            .2
        }
    };
    BenchRow {
        engine: engine.name(),
        frame_bytes,
        datapath_bytes: width.bytes(),
        bytes_per_cycle: st.bytes_per_cycle(),
        latency_cycles: st.latencies.iter().copied().max().unwrap_or(0),
    }
}
