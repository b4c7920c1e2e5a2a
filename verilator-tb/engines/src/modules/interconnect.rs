//! `nic_axi_interconnect` alone: N client ports each streaming read and write
//! bursts, a memory on the joined master answering after a fixed latency with
//! many bursts outstanding. Measures throughput, W-channel gaps, per-port
//! shares and the cycles the interconnect adds; checks every beat.
//!
//! Ports driven: every port of the module. Client side, per port: `s_axi_ar*`
//! (addr, len, valid / ready), `s_axi_r*` (data, resp, last, valid / ready),
//! `s_axi_aw*`, `s_axi_w*` (data, strb, last, valid / ready), `s_axi_b*`.
//! Master side: `m_axi_ar*`, `m_axi_r*` (id, data, resp, last), `m_axi_aw*`,
//! `m_axi_w*`, `m_axi_b*` (id, resp).
//!
//! Addresses say which port a burst belongs to (port p reads at
//! `(p + 1) << 40`, writes at that plus `1 << 36`, increasing), and data is a
//! hash of the address, so the memory checks every AR/AW's ID and order and
//! every W beat's data and strobe, and each port checks every R beat's data,
//! resp and last and every B's resp against its own requests in order.

use super::ffi::{self, IcxInputs, IcxOutputs};
use super::{mix, Coin};
use std::collections::VecDeque;

/// One run of the interconnect.
#[derive(Debug, Clone)]
pub struct IcxConfig {
    pub nports: usize,
    /// Beats of each port's read bursts (1..=256); with `random_lengths`, the
    /// most beats of a burst whose length is drawn from 1..=this.
    pub read_beats: Vec<u16>,
    /// The same for writes.
    pub write_beats: Vec<u16>,
    pub random_lengths: bool,
    /// Memory: cycles from an AR's acceptance to its first R beat, and from a
    /// write burst's last W beat (or its AW, if later) to its B.
    pub latency: u64,
    /// Memory: reads, and writes, accepted and not yet answered at most.
    pub max_outstanding: usize,
    /// Probability that any valid or ready (ports and memory) stays low in a
    /// cycle; 0 for the bench.
    pub stall: f64,
    /// Memory: R beats and Bs of different IDs come back in any order,
    /// interleaved beat by beat (in order per ID, as AXI4 requires).
    pub reorder: bool,
    /// Memory: some beats and bursts (by address hash) answered SLVERR.
    pub error_resp: bool,
    /// Ports start new bursts only before this cycle, then the run drains.
    pub issue_cycles: u64,
    /// The measured window is `warmup..issue_cycles`.
    pub warmup: u64,
    pub seed: u64,
    /// A fault the memory injects, for tests that the checks fire.
    pub fault: Option<IcxFault>,
}

/// A deliberate memory fault (checker self-test).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IcxFault {
    /// The 10th R beat has one data bit flipped.
    FlipReadBit,
    /// The 10th R beat carries the next port's ID.
    WrongReadId,
}

impl IcxConfig {
    /// The bench's run: every port saturating, no stalls, in-order memory.
    pub fn bench(nports: usize, beats: &[u16], latency: u64, window: u64) -> Self {
        let warmup = 1000 + 2 * latency;
        IcxConfig {
            nports,
            read_beats: beats.to_vec(),
            write_beats: beats.to_vec(),
            random_lengths: false,
            latency,
            max_outstanding: 512,
            stall: 0.0,
            reorder: false,
            error_resp: false,
            issue_cycles: warmup + window,
            warmup,
            seed: 1,
            fault: None,
        }
    }
}

/// What a run measured (counts over the window unless said otherwise).
#[derive(Debug, Clone, Default)]
pub struct IcxStats {
    pub window: u64,
    pub cycles: u64,
    pub r_beats: u64,
    pub w_beats: u64,
    /// Window cycles without a W beat on the master while the memory's
    /// wready was high and the port whose burst is next in AW order (its AW
    /// taken in an earlier cycle) held W data.
    pub w_idle_with_data: u64,
    pub r_beats_port: Vec<u64>,
    pub w_beats_port: Vec<u64>,
    pub ar_grants_port: Vec<u64>,
    pub aw_grants_port: Vec<u64>,
    /// Whole run, (least, most): cycles from a port's AR / AW handshake to
    /// the first cycle the request is valid on the master (time the memory
    /// then takes to raise ready is its own, not counted), from the master's
    /// R / B handshake to the port's, from a port's W beat to the master's.
    pub ar_added: (u64, u64),
    pub aw_added: (u64, u64),
    pub r_added: (u64, u64),
    pub w_added: (u64, u64),
    pub b_added: (u64, u64),
    /// Whole run: most cycles a port's AR / AW waited with valid high.
    pub ar_wait_max: u64,
    pub aw_wait_max: u64,
    /// Bursts and beats checked, whole run.
    pub reads_done: u64,
    pub writes_done: u64,
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
struct Burst {
    addr: u64,
    beats: u16,
}

fn rdata(a: u64) -> u64 {
    mix(a)
}
fn wdata(a: u64) -> u64 {
    mix(a ^ 0x5a5a_5a5a_0000_0000)
}
fn wstrb(a: u64) -> u8 {
    (mix(a ^ 0x1234) >> 17) as u8 | 1
}
fn resp(err: bool, a: u64) -> u8 {
    if err && mix(a ^ 0x77).is_multiple_of(8) {
        2
    } else {
        0
    }
}
const WRITE_OFF: u64 = 1 << 36;
fn port_of(a: u64) -> usize {
    ((a >> 40) as usize).wrapping_sub(1)
}

/// One client port: its streams and what it expects back.
struct Port {
    coin: Coin,
    next_r: u64,
    next_w: u64,
    ar: Option<(Burst, u64)>,
    aw: Option<(Burst, u64)>,
    /// Reads accepted, in order: (burst, next beat).
    reads: VecDeque<(Burst, u16)>,
    /// Write bursts whose W beats are not all sent, in AW order.
    w_todo: VecDeque<(Burst, u16)>,
    w_valid: bool,
    /// AWs taken by the interconnect and write bursts whose W is done.
    aw_taken: u64,
    w_done: u64,
    /// Bursts awaiting B, in AW order.
    b_expect: VecDeque<Burst>,
    /// Cycles of the port-side handshakes not yet matched at the master.
    ar_in: VecDeque<(u64, u64)>,
    aw_in: VecDeque<(u64, u64)>,
    w_in: VecDeque<u64>,
    /// Master-side R / B handshake cycles not yet seen at the port.
    r_out: VecDeque<u64>,
    b_out: VecDeque<u64>,
    rready: bool,
    bready: bool,
}

impl Port {
    fn new_burst(&mut self, write: bool, most: u16, random: bool) -> Burst {
        let beats = if random {
            1 + self.coin.pick(most as usize) as u16
        } else {
            most
        };
        let next = if write {
            &mut self.next_w
        } else {
            &mut self.next_r
        };
        let mut addr = *next;
        if random && self.coin.pick(4) == 0 {
            addr += 8 * self.coin.pick(64) as u64;
        }
        let bytes = 8 * beats as u64;
        if (addr & 0xfff) + bytes > 0x1000 {
            addr = (addr | 0xfff) + 1;
        }
        *next = addr + bytes;
        Burst { addr, beats }
    }
}

struct MemRead {
    id: usize,
    b: Burst,
    beat: u16,
    at: u64,
}

#[derive(Clone, Copy)]
struct RBeat {
    id: usize,
    data: u64,
    resp: u8,
    last: bool,
}

fn lohi(v: &mut (u64, u64), x: u64) {
    v.0 = v.0.min(x);
    v.1 = v.1.max(x);
}

/// Runs the interconnect under `cfg`.
pub fn run(cfg: &IcxConfig) -> IcxStats {
    let n = cfg.nports;
    assert!(cfg.read_beats.len() == n && cfg.write_beats.len() == n);
    let mut sim = ffi::interconnect(n);
    let mut st = IcxStats {
        window: cfg.issue_cycles.saturating_sub(cfg.warmup),
        r_beats_port: vec![0; n],
        w_beats_port: vec![0; n],
        ar_grants_port: vec![0; n],
        aw_grants_port: vec![0; n],
        ar_added: (u64::MAX, 0),
        aw_added: (u64::MAX, 0),
        r_added: (u64::MAX, 0),
        w_added: (u64::MAX, 0),
        b_added: (u64::MAX, 0),
        ..Default::default()
    };
    let mut ports: Vec<Port> = (0..n)
        .map(|p| {
            let base = (p as u64 + 1) << 40;
            Port {
                coin: Coin::new(
                    cfg.seed.wrapping_mul(1000).wrapping_add(p as u64),
                    cfg.stall,
                ),
                next_r: base,
                next_w: base + WRITE_OFF,
                ar: None,
                aw: None,
                reads: VecDeque::new(),
                w_todo: VecDeque::new(),
                w_valid: false,
                aw_taken: 0,
                w_done: 0,
                b_expect: VecDeque::new(),
                ar_in: VecDeque::new(),
                aw_in: VecDeque::new(),
                w_in: VecDeque::new(),
                r_out: VecDeque::new(),
                b_out: VecDeque::new(),
                rready: false,
                bready: false,
            }
        })
        .collect();
    let mut mem = Coin::new(cfg.seed ^ 0xabcd_ef01, cfg.stall);
    // memory state
    let mut reads: Vec<VecDeque<MemRead>> = (0..n).map(|_| VecDeque::new()).collect();
    let mut read_order: VecDeque<usize> = VecDeque::new(); // ids in AR order (in-order mode)
    let mut reads_out = 0usize;
    let mut aws: VecDeque<(usize, Burst)> = VecDeque::new();
    let mut w_cur: Vec<(u64, u8, u64)> = Vec::new();
    let mut w_bursts: VecDeque<Vec<(u64, u8, u64)>> = VecDeque::new();
    let mut bs: Vec<VecDeque<(u64, u8)>> = (0..n).map(|_| VecDeque::new()).collect();
    let mut b_order: VecDeque<usize> = VecDeque::new();
    let mut writes_out = 0usize;
    let mut last_ar: Vec<u64> = vec![0; n];
    let mut last_aw: Vec<u64> = vec![0; n];
    let mut r_hold: Option<RBeat> = None;
    let mut r_sent = 0u64;
    // first cycle the AR / AW now on the master was valid
    let mut ar_shown: Option<u64> = None;
    let mut aw_shown: Option<u64> = None;
    let mut b_hold: Option<(usize, u8)> = None;
    let mut prev: Option<(IcxInputs, IcxOutputs)> = None;
    // Ports in the order the interconnect took their AWs, while their W burst
    // is not done: the order W must follow.
    let mut w_order: VecDeque<usize> = VecDeque::new();

    let mut i = IcxInputs {
        rst: 1,
        ..Default::default()
    };
    for _ in 0..4 {
        sim.step(&i);
    }
    i.rst = 0;
    let drain_limit = cfg.issue_cycles + 200_000 + 300 * cfg.latency;
    let mut cycle = 0u64;
    loop {
        let issuing = cycle < cfg.issue_cycles;
        let in_window = cycle >= cfg.warmup && issuing;
        let busy = ports.iter().any(|p| {
            p.ar.is_some()
                || p.aw.is_some()
                || !p.reads.is_empty()
                || !p.w_todo.is_empty()
                || !p.b_expect.is_empty()
        });
        if !issuing && !busy {
            break;
        }
        if cycle > drain_limit {
            st.errors.push(format!(
                "stalled: work left after {cycle} cycles ({} reads, {} writes outstanding at the memory)",
                reads_out, writes_out
            ));
            break;
        }
        if st.errors.len() > 20 {
            break;
        }
        // ---- ports drive
        i.s_arvalid = 0;
        i.s_awvalid = 0;
        i.s_wvalid = 0;
        i.s_wlast = 0;
        i.s_rready = 0;
        i.s_bready = 0;
        for (p, port) in ports.iter_mut().enumerate() {
            if port.ar.is_none() && issuing && port.coin.go() {
                let b = port.new_burst(false, cfg.read_beats[p], cfg.random_lengths);
                port.ar = Some((b, cycle));
            }
            if let Some((b, _)) = port.ar {
                i.s_arvalid |= 1 << p;
                i.s_araddr[p] = b.addr;
                i.s_arlen[p] = (b.beats - 1) as u8;
            }
            if port.aw.is_none() && issuing && port.coin.go() {
                let b = port.new_burst(true, cfg.write_beats[p], cfg.random_lengths);
                port.aw = Some((b, cycle));
                port.w_todo.push_back((b, 0));
            }
            if let Some((b, _)) = port.aw {
                i.s_awvalid |= 1 << p;
                i.s_awaddr[p] = b.addr;
                i.s_awlen[p] = (b.beats - 1) as u8;
            }
            if !port.w_valid && !port.w_todo.is_empty() && port.coin.go() {
                port.w_valid = true;
            }
            if port.w_valid {
                let (b, k) = port.w_todo[0];
                let a = b.addr + 8 * k as u64;
                i.s_wvalid |= 1 << p;
                i.s_wdata[p] = wdata(a);
                i.s_wstrb[p] = wstrb(a);
                if k + 1 == b.beats {
                    i.s_wlast |= 1 << p;
                }
            }
            port.rready = port.coin.go();
            port.bready = port.coin.go();
            i.s_rready |= (port.rready as u8) << p;
            i.s_bready |= (port.bready as u8) << p;
        }
        // W data ready at the port whose burst is next in AW order (its AW
        // taken in an earlier cycle).
        let w_data_ready = w_order.front().is_some_and(|&p| ports[p].w_valid);
        // ---- memory drives
        i.m_arready = (reads_out < cfg.max_outstanding && mem.go()) as u8;
        i.m_awready = (writes_out < cfg.max_outstanding && mem.go()) as u8;
        i.m_wready = mem.go() as u8;
        if r_hold.is_none() && mem.go() {
            let id = if cfg.reorder {
                let ready: Vec<usize> = (0..n)
                    .filter(|&d| reads[d].front().is_some_and(|r| r.at <= cycle))
                    .collect();
                (!ready.is_empty()).then(|| ready[mem.pick(ready.len())])
            } else {
                read_order
                    .front()
                    .copied()
                    .filter(|&d| reads[d].front().is_some_and(|r| r.at <= cycle))
            };
            if let Some(id) = id {
                let r = &reads[id][0];
                let a = r.b.addr + 8 * r.beat as u64;
                r_hold = Some(RBeat {
                    id,
                    data: rdata(a),
                    resp: resp(cfg.error_resp, a),
                    last: r.beat + 1 == r.b.beats,
                });
            }
        }
        i.m_rvalid = r_hold.is_some() as u8;
        if let Some(r) = r_hold {
            i.m_rid = r.id as u8;
            i.m_rdata = r.data;
            if r_sent == 9 {
                match cfg.fault {
                    Some(IcxFault::FlipReadBit) => i.m_rdata ^= 1 << 17,
                    Some(IcxFault::WrongReadId) => i.m_rid = ((r.id + 1) % n) as u8,
                    None => {}
                }
            }
            i.m_rresp = r.resp;
            i.m_rlast = r.last as u8;
        }
        if b_hold.is_none() && mem.go() {
            let id = if cfg.reorder {
                let ready: Vec<usize> = (0..n)
                    .filter(|&d| bs[d].front().is_some_and(|b| b.0 <= cycle))
                    .collect();
                (!ready.is_empty()).then(|| ready[mem.pick(ready.len())])
            } else {
                b_order
                    .front()
                    .copied()
                    .filter(|&d| bs[d].front().is_some_and(|b| b.0 <= cycle))
            };
            if let Some(id) = id {
                b_hold = Some((id, bs[id][0].1));
            }
        }
        i.m_bvalid = b_hold.is_some() as u8;
        if let Some((id, r)) = b_hold {
            i.m_bid = id as u8;
            i.m_bresp = r;
        }

        // A checker of hdl/check/ that fires is one more error of the run.
        let o = sim.step_into(&i, &mut st.errors);

        // ---- checks of the outputs alone
        let bit = |m: u8, p: usize| (m >> p) & 1 != 0;
        let want_rv = if i.m_rvalid != 0 { 1u8 << i.m_rid } else { 0 };
        if o.s_rvalid != want_rv {
            st.errors.push(format!(
                "cycle {cycle}: s_axi_rvalid {:#b} for an R beat of id {} (valid {})",
                o.s_rvalid, i.m_rid, i.m_rvalid
            ));
        }
        let want_bv = if i.m_bvalid != 0 { 1u8 << i.m_bid } else { 0 };
        if o.s_bvalid != want_bv {
            st.errors.push(format!(
                "cycle {cycle}: s_axi_bvalid {:#b} for a B of id {} (valid {})",
                o.s_bvalid, i.m_bid, i.m_bvalid
            ));
        }
        if i.m_rvalid != 0 && (o.m_rready != 0) != bit(i.s_rready, i.m_rid as usize) {
            st.errors.push(format!(
                "cycle {cycle}: m_axi_rready {} but port {} rready {}",
                o.m_rready,
                i.m_rid,
                bit(i.s_rready, i.m_rid as usize)
            ));
        }
        if (o.s_arready & i.s_arvalid).count_ones() > 1
            || (o.s_awready & i.s_awvalid).count_ones() > 1
        {
            st.errors.push(format!(
                "cycle {cycle}: more than one port's AR or AW taken in one cycle"
            ));
        }
        if let Some((pi, po)) = prev {
            if po.m_arvalid != 0
                && pi.m_arready == 0
                && (o.m_arvalid == 0
                    || (o.m_araddr, o.m_arlen, o.m_arid) != (po.m_araddr, po.m_arlen, po.m_arid))
            {
                st.errors.push(format!(
                    "cycle {cycle}: m_axi_ar changed or dropped before arready"
                ));
            }
            if po.m_awvalid != 0
                && pi.m_awready == 0
                && (o.m_awvalid == 0
                    || (o.m_awaddr, o.m_awlen, o.m_awid) != (po.m_awaddr, po.m_awlen, po.m_awid))
            {
                st.errors.push(format!(
                    "cycle {cycle}: m_axi_aw changed or dropped before awready"
                ));
            }
            if po.m_wvalid != 0
                && pi.m_wready == 0
                && (o.m_wvalid == 0
                    || (o.m_wdata, o.m_wstrb, o.m_wlast) != (po.m_wdata, po.m_wstrb, po.m_wlast))
            {
                st.errors.push(format!(
                    "cycle {cycle}: m_axi_w changed or dropped before wready"
                ));
            }
        }

        // master-side R and B handshakes of this cycle, for the ports' latency
        if let Some(r) = r_hold.filter(|_| o.m_rready != 0) {
            ports[r.id].r_out.push_back(cycle);
        }
        if let Some((id, _)) = b_hold.filter(|_| o.m_bready != 0) {
            ports[id].b_out.push_back(cycle);
        }

        // ---- port-side handshakes
        let mut port_w_beats = 0;
        for (p, port) in ports.iter_mut().enumerate() {
            if bit(i.s_arvalid, p) && bit(o.s_arready, p) {
                let (b, since) = port.ar.take().expect("arvalid means a burst");
                st.ar_wait_max = st.ar_wait_max.max(cycle - since);
                port.reads.push_back((b, 0));
                port.ar_in.push_back((b.addr, cycle));
                if in_window {
                    st.ar_grants_port[p] += 1;
                }
            }
            if bit(i.s_awvalid, p) && bit(o.s_awready, p) {
                let (b, since) = port.aw.take().expect("awvalid means a burst");
                st.aw_wait_max = st.aw_wait_max.max(cycle - since);
                port.aw_taken += 1;
                w_order.push_back(p);
                port.b_expect.push_back(b);
                port.aw_in.push_back((b.addr, cycle));
                if in_window {
                    st.aw_grants_port[p] += 1;
                }
            }
            if bit(i.s_wvalid, p) && bit(o.s_wready, p) {
                port_w_beats += 1;
                port.w_valid = false;
                port.w_in.push_back(cycle);
                let (b, k) = &mut port.w_todo[0];
                *k += 1;
                if *k == b.beats {
                    port.w_todo.pop_front();
                    port.w_done += 1;
                    if w_order.pop_front() != Some(p) {
                        st.errors.push(format!(
                            "cycle {cycle}: port {p} finished a W burst out of AW order"
                        ));
                    }
                }
                if in_window {
                    st.w_beats_port[p] += 1;
                }
            }
            if bit(o.s_rvalid, p) && port.rready {
                let Some((b, k)) = port.reads.front_mut() else {
                    st.errors.push(format!(
                        "cycle {cycle}: R beat for port {p}, which has no read outstanding"
                    ));
                    continue;
                };
                let a = b.addr + 8 * *k as u64;
                let last = *k + 1 == b.beats;
                if o.s_rdata != rdata(a)
                    || (o.s_rlast != 0) != last
                    || o.s_rresp != resp(cfg.error_resp, a)
                {
                    st.errors.push(format!(
                        "cycle {cycle}: port {p} got R data {:#x} resp {} last {} for {a:#x}, \
                         want {:#x} resp {} last {last}",
                        o.s_rdata,
                        o.s_rresp,
                        o.s_rlast,
                        rdata(a),
                        resp(cfg.error_resp, a)
                    ));
                }
                *k += 1;
                if last {
                    port.reads.pop_front();
                    st.reads_done += 1;
                }
                match port.r_out.pop_front() {
                    Some(t) => lohi(&mut st.r_added, cycle - t),
                    None => st.errors.push(format!(
                        "cycle {cycle}: port {p} R beat before the memory sent one"
                    )),
                }
                if in_window {
                    st.r_beats_port[p] += 1;
                }
            }
            if bit(o.s_bvalid, p) && port.bready {
                let Some(b) = port.b_expect.pop_front() else {
                    st.errors.push(format!(
                        "cycle {cycle}: B for port {p}, which has no write outstanding"
                    ));
                    continue;
                };
                if port.w_done < port.aw_taken - port.b_expect.len() as u64 {
                    st.errors.push(format!(
                        "cycle {cycle}: port {p} got a B before its W burst was sent"
                    ));
                }
                if o.s_bresp != resp(cfg.error_resp, b.addr) {
                    st.errors.push(format!(
                        "cycle {cycle}: port {p} B resp {} for {:#x}, want {}",
                        o.s_bresp,
                        b.addr,
                        resp(cfg.error_resp, b.addr)
                    ));
                }
                st.writes_done += 1;
                match port.b_out.pop_front() {
                    Some(t) => lohi(&mut st.b_added, cycle - t),
                    None => st.errors.push(format!(
                        "cycle {cycle}: port {p} B before the memory sent one"
                    )),
                }
            }
        }

        // ---- master-side handshakes
        if o.m_arvalid != 0 {
            ar_shown.get_or_insert(cycle);
        }
        if o.m_awvalid != 0 {
            aw_shown.get_or_insert(cycle);
        }
        if o.m_arvalid != 0 && i.m_arready != 0 {
            let shown = ar_shown.take().unwrap_or(cycle);
            let id = o.m_arid as usize;
            let (a, beats) = (o.m_araddr, o.m_arlen as u16 + 1);
            if id >= n || port_of(a) != id || a & WRITE_OFF != 0 {
                st.errors
                    .push(format!("cycle {cycle}: AR {a:#x} with id {id}"));
            } else {
                if o.m_arsize != 3 || o.m_arburst != 1 || (a <= last_ar[id] && last_ar[id] != 0) {
                    st.errors.push(format!(
                        "cycle {cycle}: AR {a:#x} size {} burst {} (previous of id {id}: {:#x})",
                        o.m_arsize, o.m_arburst, last_ar[id]
                    ));
                }
                last_ar[id] = a;
                match ports[id].ar_in.pop_front() {
                    Some((pa, t)) if pa == a && t < shown => lohi(&mut st.ar_added, shown - t),
                    other => st.errors.push(format!(
                        "cycle {cycle}: AR {a:#x} of id {id}, but the port's next AR is {other:?}"
                    )),
                }
                reads[id].push_back(MemRead {
                    id,
                    b: Burst { addr: a, beats },
                    beat: 0,
                    at: cycle + cfg.latency,
                });
                read_order.push_back(id);
                reads_out += 1;
            }
        }
        if let Some(r) = r_hold {
            if o.m_rready != 0 {
                r_hold = None;
                r_sent += 1;
                if in_window {
                    st.r_beats += 1;
                }
                let q = &mut reads[r.id];
                q[0].beat += 1;
                if q[0].beat == q[0].b.beats {
                    debug_assert_eq!(q[0].id, r.id);
                    q.pop_front();
                    reads_out -= 1;
                    if let Some(pos) = read_order.iter().position(|&d| d == r.id) {
                        read_order.remove(pos);
                    }
                }
            }
        }
        if o.m_awvalid != 0 && i.m_awready != 0 {
            let shown = aw_shown.take().unwrap_or(cycle);
            let id = o.m_awid as usize;
            let (a, beats) = (o.m_awaddr, o.m_awlen as u16 + 1);
            if id >= n || port_of(a) != id || a & WRITE_OFF == 0 {
                st.errors
                    .push(format!("cycle {cycle}: AW {a:#x} with id {id}"));
            } else {
                if o.m_awsize != 3 || o.m_awburst != 1 || (a <= last_aw[id] && last_aw[id] != 0) {
                    st.errors.push(format!(
                        "cycle {cycle}: AW {a:#x} size {} burst {} (previous of id {id}: {:#x})",
                        o.m_awsize, o.m_awburst, last_aw[id]
                    ));
                }
                last_aw[id] = a;
                match ports[id].aw_in.pop_front() {
                    Some((pa, t)) if pa == a && t < shown => lohi(&mut st.aw_added, shown - t),
                    other => st.errors.push(format!(
                        "cycle {cycle}: AW {a:#x} of id {id}, but the port's next AW is {other:?}"
                    )),
                }
                aws.push_back((id, Burst { addr: a, beats }));
                writes_out += 1;
            }
        }
        let m_w = o.m_wvalid != 0 && i.m_wready != 0;
        if m_w != (port_w_beats == 1) || port_w_beats > 1 {
            st.errors.push(format!(
                "cycle {cycle}: {} W beat(s) taken from ports, master W handshake {m_w}",
                port_w_beats
            ));
        }
        if m_w {
            w_cur.push((o.m_wdata, o.m_wstrb, cycle));
            if o.m_wlast != 0 {
                w_bursts.push_back(std::mem::take(&mut w_cur));
            } else if w_cur.len() > 256 {
                st.errors
                    .push(format!("cycle {cycle}: W burst of more than 256 beats"));
                w_cur.clear();
            }
            if in_window {
                st.w_beats += 1;
            }
        } else if in_window && i.m_wready != 0 && w_data_ready {
            st.w_idle_with_data += 1;
        }
        while !aws.is_empty() && !w_bursts.is_empty() {
            let (id, b) = aws.pop_front().expect("non-empty");
            let w = w_bursts.pop_front().expect("non-empty");
            if w.len() != b.beats as usize {
                st.errors.push(format!(
                    "cycle {cycle}: W burst of {} beats for AW {:#x} of {} beats",
                    w.len(),
                    b.addr,
                    b.beats
                ));
            }
            for (k, &(d, s, t)) in w.iter().enumerate() {
                let a = b.addr + 8 * k as u64;
                if (d, s) != (wdata(a), wstrb(a)) {
                    st.errors.push(format!(
                        "cycle {t}: W beat {k} of the burst to {:#x} (id {id}) is {d:#x}/{s:#x}, \
                         want {:#x}/{:#x}",
                        b.addr,
                        wdata(a),
                        wstrb(a)
                    ));
                }
                match ports[id].w_in.pop_front() {
                    Some(tp) if tp <= t => lohi(&mut st.w_added, t - tp),
                    other => st.errors.push(format!(
                        "cycle {t}: W beat at the master for port {id}, its port-side beat at {other:?}"
                    )),
                }
            }
            bs[id].push_back((cycle + cfg.latency, resp(cfg.error_resp, b.addr)));
            b_order.push_back(id);
        }
        if let Some((id, _)) = b_hold {
            if o.m_bready != 0 {
                b_hold = None;
                bs[id].pop_front();
                writes_out -= 1;
                if let Some(pos) = b_order.iter().position(|&d| d == id) {
                    b_order.remove(pos);
                }
            }
        }
        prev = Some((i, o));
        cycle += 1;
    }
    st.cycles = cycle;
    if !w_cur.is_empty() || !aws.is_empty() || !w_bursts.is_empty() {
        st.errors.push(format!(
            "end: {} W beats without wlast, {} AWs and {} W bursts unpaired",
            w_cur.len(),
            aws.len(),
            w_bursts.len()
        ));
    }
    for v in [
        &mut st.ar_added,
        &mut st.aw_added,
        &mut st.r_added,
        &mut st.w_added,
        &mut st.b_added,
    ] {
        if v.0 == u64::MAX {
            *v = (0, 0);
        }
    }
    st
}
