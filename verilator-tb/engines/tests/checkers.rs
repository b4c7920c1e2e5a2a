//! The RTL protocol checkers of `hdl/check/` catch what they claim to: on
//! their own bench (`hdl/check/nic_check_tb.sv`) each planted violation makes
//! the named checker fire with its message, and long random runs of legal
//! traffic on every link at once, under random stalls, never do. Bound to an
//! engine's ports, a checker fires there too, and the failure reaches Rust.

use engine_tb::checker::{CheckInputs, CheckTb};
use engine_tb::{Engine, EngineInputs, EngineSim, Width};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::VecDeque;

/// Steps `tb` once and requires the checkers to stay quiet.
fn ok(tb: &mut CheckTb) {
    if let Err(e) = tb.step() {
        panic!("checker fired on a legal cycle: {e}");
    }
}

/// Steps `tb` once and requires a checker to fire with `what` in its message.
fn fires(tb: &mut CheckTb, what: &str) -> String {
    match tb.step() {
        Ok(()) => panic!("no checker fired; expected {what:?}"),
        Err(e) => {
            assert!(e.contains(what), "expected {what:?}, got: {e}");
            assert!(
                e.contains("Assertion failed"),
                "not an assertion message: {e}"
            );
            e
        }
    }
}

// ------------------------------------------------------------------------------------------
// AXI4: handshakes
// ------------------------------------------------------------------------------------------

#[test]
fn arvalid_dropped_before_arready_is_caught() {
    let mut tb = CheckTb::new();
    tb.inp.arvalid = 1;
    tb.inp.araddr = 0x1000;
    tb.inp.arlen = 3;
    ok(&mut tb);
    ok(&mut tb);
    tb.inp.arvalid = 0;
    let e = fires(&mut tb, "AXI4 AR: VALID dropped before READY");
    assert!(
        e.contains("nic_check_tb.u_axi4"),
        "names the checker instance: {e}"
    );
}

#[test]
fn aw_address_changed_while_stalled_is_caught() {
    let mut tb = CheckTb::new();
    tb.inp.awvalid = 1;
    tb.inp.awaddr = 0x2000;
    ok(&mut tb);
    tb.inp.awaddr = 0x2040;
    fires(&mut tb, "AXI4 AW: payload changed while waiting for READY");
}

#[test]
fn w_data_changed_while_stalled_is_caught() {
    let mut tb = CheckTb::new();
    tb.inp.wvalid = 1;
    tb.inp.wdata = 0x1111;
    tb.inp.wstrb = 0xff;
    ok(&mut tb);
    tb.inp.wdata = 0x2222;
    fires(&mut tb, "AXI4 W: payload changed while waiting for READY");
}

#[test]
fn rvalid_dropped_before_rready_is_caught() {
    let mut tb = CheckTb::new();
    tb.inp.arvalid = 1;
    tb.inp.arready = 1;
    tb.inp.arlen = 1;
    ok(&mut tb);
    tb.inp.arvalid = 0;
    tb.inp.rvalid = 1;
    ok(&mut tb);
    tb.inp.rvalid = 0;
    fires(&mut tb, "AXI4 R: VALID dropped before READY");
}

// ------------------------------------------------------------------------------------------
// AXI4: burst shape
// ------------------------------------------------------------------------------------------

fn one_ar(addr: u64, len: u8, burst: u8) -> Result<(), String> {
    let mut tb = CheckTb::new();
    tb.inp.arvalid = 1;
    tb.inp.arready = 1;
    tb.inp.araddr = addr;
    tb.inp.arlen = len;
    tb.inp.arburst = burst;
    tb.step()
}

#[test]
fn a_read_burst_crossing_4_kib_is_caught_and_one_ending_at_the_boundary_is_not() {
    let e = one_ar(0x1_0ff8, 1, 1).expect_err("crossing burst");
    assert!(e.contains("crosses a 4 KiB boundary"), "{e}");
    one_ar(0x1_0f80, 15, 1).expect("0x10f80 + 128 bytes ends at the boundary");
    one_ar(0x1_1000, 15, 1).expect("starts at the boundary");
}

#[test]
fn a_write_burst_crossing_4_kib_is_caught() {
    let mut tb = CheckTb::new();
    tb.inp.awvalid = 1;
    tb.inp.awready = 1;
    tb.inp.awaddr = 0x7fc0;
    tb.inp.awlen = 8;
    fires(
        &mut tb,
        "AW at 0000000000007fc0, 9 beats: crosses a 4 KiB boundary",
    );
}

#[test]
fn a_burst_of_17_beats_and_a_fixed_burst_are_caught() {
    let e = one_ar(0x0, 16, 1).expect_err("17 beats");
    assert!(e.contains("17 beats, more than 16"), "{e}");
    let e = one_ar(0x0, 0, 0).expect_err("FIXED");
    assert!(e.contains("burst type 0, not INCR"), "{e}");
}

// ------------------------------------------------------------------------------------------
// AXI4: W against AW, R against AR, B against writes
// ------------------------------------------------------------------------------------------

#[test]
fn wlast_on_the_wrong_beat_is_caught() {
    let mut tb = CheckTb::new();
    tb.inp.awvalid = 1;
    tb.inp.awready = 1;
    tb.inp.awaddr = 0x3000;
    tb.inp.awlen = 3; // 4 beats
    ok(&mut tb);
    tb.inp.awvalid = 0;
    tb.inp.wvalid = 1;
    tb.inp.wready = 1;
    ok(&mut tb);
    tb.inp.wlast = 1; // on beat 2
    ok(&mut tb);
    tb.inp.wvalid = 0;
    fires(&mut tb, "announced 4 beats, WLAST came on beat 2");
}

#[test]
fn w_data_running_ahead_of_its_aw_is_matched_when_the_aw_comes() {
    // Legal: the whole W burst before its AW.
    let mut tb = CheckTb::new();
    tb.inp.wvalid = 1;
    tb.inp.wready = 1;
    ok(&mut tb);
    tb.inp.wlast = 1;
    ok(&mut tb);
    tb.inp.wvalid = 0;
    tb.inp.wlast = 0;
    ok(&mut tb);
    tb.inp.awvalid = 1;
    tb.inp.awready = 1;
    tb.inp.awlen = 1;
    ok(&mut tb);
    tb.inp.awvalid = 0;
    ok(&mut tb);
    // Illegal: 3 beats ahead of an AW of 2.
    tb.inp.wvalid = 1;
    ok(&mut tb);
    ok(&mut tb);
    tb.inp.wlast = 1;
    ok(&mut tb);
    tb.inp.wvalid = 0;
    tb.inp.awvalid = 1;
    ok(&mut tb);
    tb.inp.awvalid = 0;
    fires(&mut tb, "announced 2 beats, WLAST came on beat 3");
}

#[test]
fn a_w_burst_without_wlast_is_caught_at_beat_16() {
    let mut tb = CheckTb::new();
    tb.inp.wvalid = 1;
    tb.inp.wready = 1;
    for _ in 0..15 {
        ok(&mut tb);
    }
    fires(&mut tb, "beat 16 of a burst without WLAST");
}

#[test]
fn r_without_a_read_and_rlast_on_the_wrong_beat_are_caught() {
    let mut tb = CheckTb::new();
    tb.inp.rvalid = 1;
    tb.inp.rready = 1;
    tb.inp.rid = 1;
    tb.inp.rlast = 1;
    fires(&mut tb, "R beat for ID 1 with no read outstanding");

    let mut tb = CheckTb::new();
    tb.inp.arvalid = 1;
    tb.inp.arready = 1;
    tb.inp.arlen = 1; // 2 beats
    ok(&mut tb);
    tb.inp.arvalid = 0;
    tb.inp.rvalid = 1;
    tb.inp.rready = 1;
    tb.inp.rlast = 1;
    fires(&mut tb, "RLAST=1 on beat 1 of a 2-beat burst (ID 0)");
}

#[test]
fn b_without_a_write_is_caught() {
    let mut tb = CheckTb::new();
    tb.inp.bvalid = 1;
    tb.inp.bready = 1;
    fires(&mut tb, "B for ID 0 with no write outstanding");

    // AW taken but its data not yet ended.
    let mut tb = CheckTb::new();
    tb.inp.awvalid = 1;
    tb.inp.awready = 1;
    ok(&mut tb);
    tb.inp.awvalid = 0;
    tb.inp.bvalid = 1;
    tb.inp.bready = 1;
    fires(&mut tb, "before the write's data ended");
}

// ------------------------------------------------------------------------------------------
// Completion ring
// ------------------------------------------------------------------------------------------

fn cpl_tb() -> CheckTb {
    let mut tb = CheckTb::new();
    tb.inp.cpl_en = 1;
    tb.inp.cfg_cpl_base = 0x4_0000;
    tb.inp.cfg_size = 8; // 256 bytes
    ok(&mut tb);
    tb
}

#[test]
fn a_completion_write_outside_the_ring_is_caught_and_one_inside_is_not() {
    let mut tb = cpl_tb();
    tb.inp.awvalid = 1;
    tb.inp.awready = 1;
    tb.inp.awaddr = 0x4_0080; // records 4..7: the ring's end
    tb.inp.awlen = 15;
    ok(&mut tb);
    tb.inp.awaddr = 0x4_00a0; // records 5..8: one past the end
    fires(
        &mut tb,
        "completion write 00000000000400a0, 16 beats, outside every completion ring",
    );

    let mut tb = cpl_tb();
    tb.inp.awvalid = 1;
    tb.inp.awready = 1;
    tb.inp.awaddr = 0x3_ffe0; // below the base
    tb.inp.awlen = 3;
    fires(&mut tb, "outside every completion ring");
}

#[test]
fn a_completion_write_of_part_of_a_record_and_head_past_the_ring_are_caught() {
    let mut tb = cpl_tb();
    tb.inp.awvalid = 1;
    tb.inp.awready = 1;
    tb.inp.awaddr = 0x4_0008;
    tb.inp.awlen = 3;
    fires(&mut tb, "not whole 32-byte records");

    let mut tb = cpl_tb();
    tb.inp.head = 7;
    ok(&mut tb);
    tb.inp.head = 8;
    fires(&mut tb, "queue 0: HEAD 8 outside its ring of 8 entries");
}

// ------------------------------------------------------------------------------------------
// RX buffers: no data write outside the buffer its frame was given
// ------------------------------------------------------------------------------------------

fn rxbuf_tb() -> CheckTb {
    let mut tb = CheckTb::new();
    tb.inp.rb_en = 1;
    ok(&mut tb);
    tb
}

/// Names the next frame's buffer for one cycle.
fn post(tb: &mut CheckTb, addr: u64, len: u32) {
    tb.inp.rb_buf_valid = 1;
    tb.inp.rb_buf_addr = addr;
    tb.inp.rb_buf_len = len;
    ok(tb);
    tb.inp.rb_buf_valid = 0;
}

/// Presents one write burst's AW for a cycle (accepted), `last` its frame's last.
fn aw(tb: &mut CheckTb, addr: u64, beats: u8, last: bool) -> Result<(), String> {
    tb.inp.awvalid = 1;
    tb.inp.awready = 1;
    tb.inp.awaddr = addr;
    tb.inp.awlen = beats - 1;
    tb.inp.rb_aw_last = last as u8;
    let r = tb.step();
    tb.inp.awvalid = 0;
    tb.inp.rb_aw_last = 0;
    r
}

/// One accepted W beat.
fn w(tb: &mut CheckTb, strb: u8, last: bool) -> Result<(), String> {
    tb.inp.wvalid = 1;
    tb.inp.wready = 1;
    tb.inp.wstrb = strb;
    tb.inp.wlast = last as u8;
    let r = tb.step();
    tb.inp.wvalid = 0;
    r
}

#[test]
fn an_rx_write_burst_past_its_buffer_is_caught_and_one_within_is_not() {
    let mut tb = rxbuf_tb();
    // 20 bytes at 0x1000: three beats, the last with four bytes.
    post(&mut tb, 0x1000, 20);
    aw(&mut tb, 0x1000, 3, true).expect("within the buffer's beats");
    w(&mut tb, 0xff, false).expect("bytes 0..8");
    w(&mut tb, 0xff, false).expect("bytes 8..16");
    w(&mut tb, 0x0f, true).expect("bytes 16..20");
    // 8 bytes at 0x2000, written as two beats.
    post(&mut tb, 0x2000, 8);
    let e = aw(&mut tb, 0x2000, 2, true).expect_err("a beat past the buffer");
    assert!(
        e.contains(
            "RX data write 0000000000002000, 2 beats, outside its buffer 0000000000002000 + 8"
        ),
        "{e}"
    );
}

#[test]
fn an_rx_write_strobe_past_its_buffer_and_a_write_with_no_buffer_are_caught() {
    let mut tb = rxbuf_tb();
    // 12 bytes at 0x3000: the second beat may write four bytes only.
    post(&mut tb, 0x3000, 12);
    aw(&mut tb, 0x3000, 2, true).expect("within the buffer's beats");
    w(&mut tb, 0xff, false).expect("bytes 0..8");
    let e = w(&mut tb, 0xff, true).expect_err("bytes 12..16 are not the buffer's");
    assert!(
        e.contains("RX data W beat at 0000000000003008, strobes ff, writes outside its buffer"),
        "{e}"
    );

    let mut tb = rxbuf_tb();
    let e = aw(&mut tb, 0x4000, 1, true).expect_err("no buffer was posted");
    assert!(e.contains("with no posted buffer"), "{e}");
}

// ------------------------------------------------------------------------------------------
// AXI-Stream, AXI4-Lite, valid/ready
// ------------------------------------------------------------------------------------------

#[test]
fn stream_violations_are_caught() {
    let mut tb = CheckTb::new();
    tb.inp.tvalid = 1;
    tb.inp.tkeep = 0xff;
    ok(&mut tb);
    tb.inp.tvalid = 0;
    fires(&mut tb, "AXI-Stream: VALID dropped before READY");

    let mut tb = CheckTb::new();
    tb.inp.tvalid = 1;
    tb.inp.tkeep = 0xff;
    tb.inp.tdata = 1;
    ok(&mut tb);
    tb.inp.tdata = 2;
    fires(
        &mut tb,
        "AXI-Stream: payload changed while waiting for READY",
    );

    for (keep, last, what) in [
        (0x0f, 0, "TKEEP 0f on a beat that is not the frame's last"),
        (0x05, 1, "TKEEP 05 not contiguous from byte 0"),
        (0x00, 1, "beat with TKEEP 0"),
    ] {
        let mut tb = CheckTb::new();
        tb.inp.tvalid = 1;
        tb.inp.tready = 1;
        tb.inp.tkeep = 0xff;
        ok(&mut tb);
        tb.inp.tkeep = keep;
        tb.inp.tlast = last;
        fires(&mut tb, what);
    }
}

#[test]
fn axi_lite_violations_are_caught() {
    let mut tb = CheckTb::new();
    tb.inp.l_bvalid = 1;
    tb.inp.l_bready = 1;
    fires(&mut tb, "AXI4-Lite B without a write address and data");

    let mut tb = CheckTb::new();
    tb.inp.l_arvalid = 1;
    tb.inp.l_arready = 1;
    ok(&mut tb);
    tb.inp.l_arvalid = 0;
    tb.inp.l_rvalid = 1;
    tb.inp.l_rdata = 5;
    ok(&mut tb);
    tb.inp.l_rdata = 6;
    fires(
        &mut tb,
        "AXI4-Lite R: payload changed while waiting for READY",
    );

    let mut tb = CheckTb::new();
    tb.inp.l_awvalid = 1;
    ok(&mut tb);
    tb.inp.l_awvalid = 0;
    fires(&mut tb, "AXI4-Lite AW: VALID dropped before READY");
}

#[test]
fn side_channel_violations_are_caught() {
    let mut tb = CheckTb::new();
    tb.inp.h_valid = 1;
    tb.inp.h_payload = 7;
    ok(&mut tb);
    tb.inp.h_payload = 8;
    fires(
        &mut tb,
        "side channel: payload changed while waiting for READY",
    );
    tb.inp.h_valid = 0;
    fires(&mut tb, "side channel: VALID dropped before READY");
}

// ------------------------------------------------------------------------------------------
// Legal traffic on every link at once never fires
// ------------------------------------------------------------------------------------------

/// A random legal AXI4 master and slave, AXI-Stream source and sink, AXI4-Lite
/// host and device and side channel, each stalling at random.
struct Legal {
    rng: ChaCha8Rng,
    ar: Option<(u8, u64, u8)>,
    reads: [VecDeque<(u8, u8)>; 2], // per ID: (len, beats sent)
    r_on: Option<u8>,               // ID of the beat on R
    aw: VecDeque<(u8, u64, u8)>,    // bursts to announce (id, addr, len), in W order
    aw_on: bool,
    w_lens: VecDeque<u8>, // lens of the bursts whose W has not finished
    w_beat: u8,
    w_on: bool,
    aw_done: VecDeque<u8>, // IDs of AWs taken, in order
    w_done: usize,         // W bursts finished and not yet answered
    b_on: bool,
    frame_left: u32,
    t_on: bool,
    l_write: Option<(bool, bool)>, // (AW taken, W taken)
    l_b: bool,
    l_read: bool,
    l_r: bool,
    h_on: bool,
    cpl: bool,
    cpl_idx: u64,
}

impl Legal {
    fn new(seed: u64, cpl: bool) -> Legal {
        Legal {
            rng: ChaCha8Rng::seed_from_u64(seed),
            ar: None,
            reads: [VecDeque::new(), VecDeque::new()],
            r_on: None,
            aw: VecDeque::new(),
            aw_on: false,
            w_lens: VecDeque::new(),
            w_beat: 0,
            w_on: false,
            aw_done: VecDeque::new(),
            w_done: 0,
            b_on: false,
            frame_left: 0,
            t_on: false,
            l_write: None,
            l_b: false,
            l_read: false,
            l_r: false,
            h_on: false,
            cpl,
            cpl_idx: 0,
        }
    }

    /// A burst of 1..=16 beats that stays within its 4 KiB page, often ending
    /// exactly at the boundary.
    fn burst(&mut self) -> (u64, u8) {
        let len: u8 = self.rng.gen_range(0..16);
        let bytes = 8 * (len as u64 + 1);
        let page = self.rng.gen_range(0..64u64) << 12;
        let off = if self.rng.gen_bool(0.3) {
            4096 - bytes
        } else {
            8 * self.rng.gen_range(0..=(4096 - bytes) / 8)
        };
        (page + off, len)
    }

    /// Sets this cycle's inputs.
    fn drive(&mut self, i: &mut CheckInputs) {
        let go = |r: &mut ChaCha8Rng| r.gen_bool(0.6);
        // AR
        let reading = self.reads[0].len() + self.reads[1].len();
        if self.ar.is_none() && reading < 16 && self.rng.gen_bool(0.3) {
            let (addr, len) = self.burst();
            self.ar = Some((self.rng.gen_range(0..2), addr, len));
        }
        i.arvalid = self.ar.is_some() as u8;
        if let Some((id, addr, len)) = self.ar {
            (i.arid, i.araddr, i.arlen) = (id, addr, len);
        }
        i.arready = go(&mut self.rng) as u8;
        // R: keep the beat on the bus until taken; otherwise any ID with a read.
        if self.r_on.is_none() {
            let ids: Vec<u8> = (0..2u8)
                .filter(|&d| !self.reads[d as usize].is_empty())
                .collect();
            if !ids.is_empty() && self.rng.gen_bool(0.7) {
                self.r_on = Some(ids[self.rng.gen_range(0..ids.len())]);
                i.rdata = self.rng.gen();
            }
        }
        i.rvalid = self.r_on.is_some() as u8;
        if let Some(id) = self.r_on {
            let (len, sent) = self.reads[id as usize][0];
            i.rid = id;
            i.rlast = (sent == len) as u8;
        }
        i.rready = go(&mut self.rng) as u8;
        // AW and W: new writes (W may start before its AW is taken).
        if self.cpl {
            if self.aw.is_empty() && self.w_lens.len() < 8 && self.rng.gen_bool(0.2) {
                // 1..=4 records, never past the ring's end (64 entries).
                let n = self.rng.gen_range(1..=4u64).min(64 - self.cpl_idx);
                let addr = i.cfg_cpl_base + 32 * self.cpl_idx;
                self.cpl_idx = (self.cpl_idx + n) % 64;
                let len = (4 * n - 1) as u8;
                self.aw.push_back((0, addr, len));
                self.w_lens.push_back(len);
            }
        } else if self.aw.len() < 4 && self.w_lens.len() < 8 && self.rng.gen_bool(0.2) {
            let (addr, len) = self.burst();
            self.aw.push_back((self.rng.gen_range(0..2), addr, len));
            self.w_lens.push_back(len);
        }
        if !self.aw_on && !self.aw.is_empty() && self.rng.gen_bool(0.7) {
            self.aw_on = true;
        }
        i.awvalid = self.aw_on as u8;
        if let Some(&(id, addr, len)) = self.aw.front() {
            (i.awid, i.awaddr, i.awlen) = (id, addr, len);
        }
        i.awready = go(&mut self.rng) as u8;
        if !self.w_on && !self.w_lens.is_empty() && self.rng.gen_bool(0.7) {
            self.w_on = true;
            i.wdata = self.rng.gen();
            i.wstrb = self.rng.gen();
        }
        i.wvalid = self.w_on as u8;
        if let Some(&len) = self.w_lens.front() {
            i.wlast = (self.w_beat == len) as u8;
        }
        i.wready = go(&mut self.rng) as u8;
        // B: after both the AW and the W burst of the oldest write.
        if !self.b_on && !self.aw_done.is_empty() && self.w_done > 0 && self.rng.gen_bool(0.5) {
            self.b_on = true;
            i.bresp = self.rng.gen_range(0..4);
        }
        i.bvalid = self.b_on as u8;
        if let Some(&id) = self.aw_done.front() {
            i.bid = id;
        }
        i.bready = go(&mut self.rng) as u8;
        // AXI-Stream: frames of 1..200 bytes.
        if !self.t_on && self.rng.gen_bool(0.7) {
            if self.frame_left == 0 {
                self.frame_left = self.rng.gen_range(1..=200);
            }
            self.t_on = true;
            let n = self.frame_left.min(8);
            i.tkeep = ((1u16 << n) - 1) as u8;
            i.tlast = (self.frame_left <= 8) as u8;
            i.tuser = (i.tlast != 0 && self.rng.gen_bool(0.1)) as u8;
            i.tdata = self.rng.gen();
        }
        i.tvalid = self.t_on as u8;
        i.tready = go(&mut self.rng) as u8;
        // AXI4-Lite: one write or read at a time, as the harness does.
        if self.l_write.is_none() && !self.l_b && !self.l_read && !self.l_r {
            if self.rng.gen_bool(0.1) {
                self.l_write = Some((false, false));
                i.l_awaddr = self.rng.gen_range(0..0x1000) & !3;
                i.l_wdata = self.rng.gen();
                i.l_wstrb = 0xf;
            } else if self.rng.gen_bool(0.1) {
                self.l_read = true;
                i.l_araddr = self.rng.gen_range(0..0x1000) & !3;
            }
        }
        let (aw_taken, w_taken) = self.l_write.unwrap_or((true, true));
        i.l_awvalid = !aw_taken as u8;
        i.l_wvalid = !w_taken as u8;
        i.l_awready = go(&mut self.rng) as u8;
        i.l_wready = go(&mut self.rng) as u8;
        i.l_bvalid = self.l_b as u8;
        i.l_bready = go(&mut self.rng) as u8;
        i.l_arvalid = self.l_read as u8;
        i.l_arready = go(&mut self.rng) as u8;
        i.l_rvalid = self.l_r as u8;
        i.l_rready = go(&mut self.rng) as u8;
        // Side channel.
        if !self.h_on && self.rng.gen_bool(0.5) {
            self.h_on = true;
            i.h_payload = self.rng.gen();
        }
        i.h_valid = self.h_on as u8;
        i.h_ready = go(&mut self.rng) as u8;
        // Completion ring: HEAD anywhere in it.
        i.head = self.rng.gen_range(0..i.cfg_size.max(1));
    }

    /// Acts on this cycle's handshakes.
    fn settle(&mut self, i: &CheckInputs) {
        if i.arvalid != 0 && i.arready != 0 {
            let (id, _, len) = self.ar.take().expect("AR on the bus");
            self.reads[id as usize].push_back((len, 0));
        }
        if i.rvalid != 0 && i.rready != 0 {
            let id = self.r_on.take().expect("R on the bus") as usize;
            let head = &mut self.reads[id][0];
            if head.1 == head.0 {
                self.reads[id].pop_front();
            } else {
                head.1 += 1;
            }
        }
        if i.awvalid != 0 && i.awready != 0 {
            let (id, _, _) = self.aw.pop_front().expect("AW on the bus");
            self.aw_done.push_back(id);
            self.aw_on = false;
        }
        if i.wvalid != 0 && i.wready != 0 {
            self.w_on = false;
            if i.wlast != 0 {
                self.w_lens.pop_front();
                self.w_beat = 0;
                self.w_done += 1;
            } else {
                self.w_beat += 1;
            }
        }
        if i.bvalid != 0 && i.bready != 0 {
            self.b_on = false;
            self.aw_done.pop_front();
            self.w_done -= 1;
        }
        if i.tvalid != 0 && i.tready != 0 {
            self.t_on = false;
            self.frame_left = self.frame_left.saturating_sub(8);
        }
        if let Some((aw, w)) = self.l_write {
            let aw = aw || (i.l_awvalid != 0 && i.l_awready != 0);
            let w = w || (i.l_wvalid != 0 && i.l_wready != 0);
            self.l_write = Some((aw, w));
            if aw && w {
                self.l_write = None;
                self.l_b = true;
            }
        } else if i.l_bvalid != 0 && i.l_bready != 0 {
            self.l_b = false;
        }
        if self.l_read && i.l_arready != 0 {
            self.l_read = false;
            self.l_r = true;
        } else if i.l_rvalid != 0 && i.l_rready != 0 {
            self.l_r = false;
        }
        if i.h_valid != 0 && i.h_ready != 0 {
            self.h_on = false;
        }
    }
}

fn run_legal(seed: u64, cpl: bool, cycles: u64) {
    let mut tb = CheckTb::new();
    if cpl {
        tb.inp.cpl_en = 1;
        tb.inp.cfg_cpl_base = 0x8_0000;
        tb.inp.cfg_size = 64;
    }
    let mut legal = Legal::new(seed, cpl);
    let (mut reads, mut writes, mut beats) = (0u64, 0u64, 0u64);
    for c in 0..cycles {
        legal.drive(&mut tb.inp);
        if let Err(e) = tb.step() {
            panic!("seed {seed}, cycle {c}: a checker fired on legal traffic: {e}");
        }
        let i = tb.inp;
        reads += (i.rvalid & i.rready & i.rlast) as u64;
        writes += (i.bvalid & i.bready) as u64;
        beats += (i.tvalid & i.tready) as u64;
        legal.settle(&i);
    }
    assert!(
        reads > 100 && writes > 100 && beats > 1000,
        "too little traffic: {reads} reads, {writes} writes, {beats} stream beats"
    );
}

#[test]
fn legal_traffic_on_every_link_with_random_stalls_never_fires() {
    for seed in 1..=4 {
        run_legal(seed, false, 20_000);
    }
}

#[test]
fn legal_completion_writes_around_the_ring_never_fire() {
    run_legal(7, true, 20_000);
}

// ------------------------------------------------------------------------------------------
// Bound to an engine: the failure reaches the engine harness
// ------------------------------------------------------------------------------------------

#[test]
fn a_broken_input_stream_into_the_tx_checksum_engine_fails_the_step_with_the_message() {
    for width in [Width::W64, Width::W512] {
        let mut sim = EngineSim::new(Engine::TxCsum, width);
        engine_tb::reset(&mut sim);
        // A first beat without its command waits (tready low) ...
        let mut i = EngineInputs {
            s_tvalid: 1,
            s_tkeep: 0xff,
            s_tlast: 1,
            ..Default::default()
        };
        let o = sim.try_step(&i).expect("a waiting beat is legal");
        assert_eq!(o.s_tready, 0, "no command: the frame waits");
        // ... and dropping it before it was taken is a protocol error.
        i.s_tvalid = 0;
        let e = sim.try_step(&i).expect_err("the bound checker fires");
        assert!(
            e.contains("nic_tx_csum.chk_in")
                && e.contains("AXI-Stream: VALID dropped before READY"),
            "{e}"
        );
    }
}

#[test]
#[should_panic(expected = "RTL assertion failed")]
fn an_engine_step_that_breaks_a_rule_panics() {
    let mut sim = EngineSim::new(Engine::RxRss, Width::W64);
    engine_tb::reset(&mut sim);
    // A beat with TKEEP 0 accepted by the engine.
    let i = EngineInputs {
        s_tvalid: 1,
        s_tkeep: 0,
        s_tlast: 1,
        ..Default::default()
    };
    for _ in 0..4 {
        sim.step(&i);
    }
}
