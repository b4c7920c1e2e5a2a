//! Malformed use, on both backends (docs/nic.md "Errors", "Rings", "Transmit",
//! "Receive"): every misuse the spec names is refused or reported with the right
//! ERR_CAUSE bit, ERR_INFO, MALFORMED count, IRQ_CAUSE.ERROR and completion,
//! nothing is written outside posted buffers, and the NIC keeps working.
//!
//! Each test runs the same script on the firmware model and on the RTL (random
//! backpressure), checks each against the spec, then checks that the two saw
//! the same registers, counters, completions and wire frames. Checks do not
//! stop a run: every failure of both backends is listed at the end.

mod common;

use common::{
    devices, doorbell, post, program, rx_desc, seed, setup_queue, take_cpl, tx_desc,
    writes_outside, HostAccess, Queue, MEM_END,
};
use firmware_model::contract::{
    cpl, describe_err_info, err, err_info_value, irq, limits, qctrl, qreg, qstatus, reg, stat,
    CPL_FLAG_PHASE,
};
use firmware_model::mem::{DmaAddr, HostMemory};
use firmware_model::nic::Frame;
use host_driver::device::Device;
use host_driver::device::SimulatedExt;
use std::fmt::Debug;

/// Longest a completion may take, device time (100k cycles on the sim).
const CPL_WAIT_NS: u64 = 400_000;
/// How long the device runs to show that something does not happen.
const QUIET_NS: u64 = 20_000;
/// Ring entries of the queues the tests use.
const ENTRIES: u32 = 16;
/// The highest 8-aligned address (`u64::MAX & !7`): a buffer of more than 8
/// bytes there would wrap past 2^64.
const TOP_BUF: u64 = !7;
/// The highest 64-aligned address (`u64::MAX & !63`): a ring there of more
/// than 64 bytes would wrap past 2^64.
const TOP_RING: u64 = !63;
/// A TX ring of `ENTRIES` descriptors that ends exactly at 2^64.
const TOP_TX_RING: u64 = 0u64.wrapping_sub(ENTRIES as u64 * 32);
/// Interrupts the waits use. ERROR is left out so that it stays in IRQ_CAUSE
/// for the test to see.
const DONE: u32 = irq::TX_DONE | irq::RX_DONE;

/// What one backend showed at one point of the script; both backends must agree.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Obs {
    label: String,
    err_cause: u32,
    err_info: u32,
    irq_error: bool,
    stats: [u64; 8],
    cpls: Vec<[u8; cpl::SIZE]>,
    /// STATUS, HEAD, TAIL of the queue involved.
    queue: Option<(u32, u32, u32)>,
    /// Frames seen on the wire: length, `bad`, checksum of the bytes.
    wire: Vec<(usize, bool, u64)>,
}

/// What ERR_INFO must hold after an error.
#[derive(Clone, Copy)]
enum Info {
    /// Exactly this value.
    Exact(u32),
    /// A ring-setup error: valid, code, direction and queue exact; the spec
    /// gives no index for it.
    Setup { code: u32, is_rx: bool },
}

/// State before a bad action.
struct Snap {
    mem: HostMemory,
    stats: [u64; 8],
    err_info: u32,
}

/// One backend's run of a test.
struct Run {
    name: &'static str,
    dev: Box<dyn Device>,
    fails: Vec<String>,
    obs: Vec<Obs>,
}

fn dir(is_rx: bool) -> &'static str {
    if is_rx {
        "RX"
    } else {
        "TX"
    }
}

/// Frame bytes that are never 0, varied by `tag`.
fn pattern(len: usize, tag: u8) -> Vec<u8> {
    (0..len)
        .map(|i| ((i * 31 + tag as usize * 7) % 251 + 1) as u8)
        .collect()
}

fn fnv(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

fn errs(v: u32) -> String {
    format!("{v:#x} {:?}", err::names(v))
}

/// `[addr, addr+len)` cut to the simulated host memory window (empty: `None`).
fn in_window(addr: u64, len: usize) -> Option<(DmaAddr, usize)> {
    let lo = addr.max(HostMemory::DEFAULT_BASE);
    let hi = addr.saturating_add(len as u64).min(MEM_END);
    (lo < hi).then(|| (DmaAddr(lo), (hi - lo) as usize))
}

impl Run {
    fn new(name: &'static str, dev: Box<dyn Device>) -> Run {
        let mut r = Run {
            name,
            dev,
            fails: Vec::new(),
            obs: Vec::new(),
        };
        let ctrl = r.r32(reg::CTRL);
        r.eq("CTRL at reset (loopback off)", ctrl, 0);
        let cause = r.r32(reg::ERR_CAUSE);
        r.hex("ERR_CAUSE at reset", cause, 0);
        r.w32(reg::IRQ_MASK, DONE);
        // These tests are about misuse; checksum offload has its own tests
        // (checksum_offload.rs, differential.rs). With it off every
        // completion's CSUM and CSUM_VERDICT are exactly 0.
        r.w32(reg::FEATURES, 0);
        r
    }

    fn d(&mut self) -> &mut dyn Device {
        self.dev.as_mut()
    }

    fn r32(&mut self, off: u32) -> u32 {
        self.dev.read32(off).unwrap()
    }

    fn w32(&mut self, off: u32, v: u32) {
        self.dev.write32(off, v).unwrap()
    }

    fn fail(&mut self, msg: String) {
        self.fails.push(format!("[{}] {msg}", self.name));
    }

    fn ok(&mut self, what: &str, cond: bool) {
        if !cond {
            self.fail(what.to_string());
        }
    }

    fn eq<T: PartialEq + Debug>(&mut self, what: &str, got: T, want: T) {
        if got != want {
            self.fail(format!("{what}: got {got:?}, expected {want:?}"));
        }
    }

    fn hex(&mut self, what: &str, got: u32, want: u32) {
        if got != want {
            self.fail(format!("{what}: got {got:#x}, expected {want:#x}"));
        }
    }

    fn stats(&mut self) -> [u64; 8] {
        let mut s = [0u64; 8];
        for (n, v) in s.iter_mut().enumerate() {
            *v = common::stat(self.d(), limits::STATS_BASE + 8 * n as u32);
        }
        s
    }

    fn snap(&mut self) -> Snap {
        let stats = self.stats();
        let err_info = self.r32(reg::ERR_INFO);
        Snap {
            mem: self.dev.host_memory().unwrap().clone(),
            stats,
            err_info,
        }
    }

    /// Counter `off` moved by `by` since `snap`.
    fn stat_delta(&mut self, label: &str, snap: &Snap, now: &[u64; 8], off: u32, by: u64) {
        let i = ((off - limits::STATS_BASE) / 8) as usize;
        let names = [
            "TX_FRAMES",
            "TX_BYTES",
            "RX_FRAMES",
            "RX_BYTES",
            "TX_ERRORS",
            "RX_ERRORS",
            "RX_DROPPED",
            "MALFORMED",
        ];
        self.eq(
            &format!("{label}: {} increment", names[i]),
            now[i].wrapping_sub(snap.stats[i]),
            by,
        );
    }

    /// Runs the device for `ns` of device time, clearing TX/RX_DONE as they come.
    fn run_for(&mut self, ns: u64) {
        let deadline = self.dev.now_ns() + ns;
        for _ in 0..10_000 {
            let now = self.dev.now_ns();
            if now >= deadline {
                break;
            }
            let cause = self.r32(reg::IRQ_CAUSE);
            self.w32(reg::IRQ_CAUSE, cause & DONE);
            self.dev.wait_irq(deadline - now).unwrap();
        }
    }

    /// Waits (bounded) for `want` completions on `q`. Clears only TX/RX_DONE,
    /// so IRQ_CAUSE.ERROR stays for the test to check.
    fn wait_cpls(&mut self, q: &mut Queue, want: usize) -> Vec<[u8; cpl::SIZE]> {
        let mut got = Vec::new();
        let deadline = self.dev.now_ns() + CPL_WAIT_NS;
        for _ in 0..10_000 {
            while let Some(c) = take_cpl(self.d(), q) {
                got.push(c);
            }
            let now = self.dev.now_ns();
            if got.len() >= want || now >= deadline {
                break;
            }
            let cause = self.r32(reg::IRQ_CAUSE);
            self.w32(reg::IRQ_CAUSE, cause & DONE);
            self.dev.wait_irq((deadline - now).min(20_000)).unwrap();
        }
        got
    }

    /// Frames the NIC sent, waiting (bounded) until `want` have come.
    fn wait_wire(&mut self, want: usize) -> Vec<Frame> {
        let mut got = Vec::new();
        let deadline = self.dev.now_ns() + CPL_WAIT_NS;
        for _ in 0..10_000 {
            while let Some(f) = self.dev.wire_recv() {
                got.push(f);
            }
            if got.len() >= want || self.dev.now_ns() >= deadline {
                break;
            }
            self.run_for(2_000);
        }
        got
    }

    /// Runs a while and returns whatever reached the wire.
    fn quiet_wire(&mut self) -> Vec<Frame> {
        self.run_for(QUIET_NS);
        std::iter::from_fn(|| self.dev.wire_recv()).collect()
    }

    /// The queue halted after a refused ring access, with HEAD and TAIL as given.
    fn expect_halted(&mut self, label: &str, q: &Queue, head_tail: (u32, u32)) {
        let (st, head, tail) = self.queue_regs(q);
        self.ok(
            &format!("{label}: STATUS.HALTED set (STATUS {st:#x})"),
            st & qstatus::HALTED != 0,
        );
        self.eq(&format!("{label}: HEAD, TAIL"), (head, tail), head_tail);
    }

    fn queue_regs(&mut self, q: &Queue) -> (u32, u32, u32) {
        (
            self.r32(q.reg(qreg::STATUS)),
            self.r32(q.reg(qreg::HEAD)),
            self.r32(q.reg(qreg::TAIL)),
        )
    }

    /// Checks every field of a completion record (decoded by the contract's
    /// codec) and that its reserved bytes are 0.
    fn check_cpl(&mut self, label: &str, c: &[u8; cpl::SIZE], len: u32, errors: u32, index: u32) {
        let d = cpl::Completion::decode(c);
        self.eq(&format!("{label}: completion LEN"), d.len, len);
        let e = u32::from(d.errors);
        if e != errors {
            self.fail(format!(
                "{label}: completion ERRORS {}, expected {}",
                errs(e),
                errs(errors)
            ));
        }
        self.eq(
            &format!("{label}: completion SEGS"),
            d.segs,
            u16::from(errors == 0),
        );
        self.eq(
            &format!("{label}: completion INDEX"),
            u32::from(d.index),
            index,
        );
        self.eq(&format!("{label}: completion CSUM"), d.csum, 0);
        self.eq(
            &format!("{label}: completion CSUM_VERDICT"),
            d.csum_verdict,
            0,
        );
        // Reserved bytes on purpose by offset: the codec's decode ignores
        // them, and the NIC must write them as 0 (contract: "written as 0").
        for (name, r) in [("RESERVED", cpl::RESERVED), ("RESERVED2", cpl::RESERVED2)] {
            let zeros = vec![0u8; r.len()];
            self.eq(&format!("{label}: completion {name}"), &c[r], &zeros[..]);
        }
        self.eq(
            &format!("{label}: completion FLAGS beyond PHASE"),
            d.flags & !CPL_FLAG_PHASE,
            0,
        );
    }

    /// Exactly one completion arrived (and no more within QUIET_NS); checks it.
    fn one_cpl(
        &mut self,
        label: &str,
        q: &mut Queue,
        len: u32,
        errors: u32,
        index: u32,
    ) -> Vec<[u8; cpl::SIZE]> {
        let mut cpls = self.wait_cpls(q, 1);
        if cpls.is_empty() {
            self.fail(format!("{label}: no completion within {CPL_WAIT_NS} ns"));
            return cpls;
        }
        self.check_cpl(label, &cpls[0], len, errors, index);
        self.run_for(QUIET_NS);
        while let Some(c) = take_cpl(self.d(), q) {
            cpls.push(c);
        }
        self.eq(&format!("{label}: completions written"), cpls.len(), 1);
        cpls
    }

    /// After an action: ERR_CAUSE, ERR_INFO, MALFORMED, IRQ_CAUSE.ERROR and
    /// writes outside `allowed`; records what was seen, then clears ERR_CAUSE
    /// (written back) and IRQ_CAUSE.ERROR. `want_cause` 0: no error at all.
    #[allow(clippy::too_many_arguments)]
    fn expect_error(
        &mut self,
        label: &str,
        snap: &Snap,
        want_cause: u32,
        info: Info,
        allowed: &[(DmaAddr, usize)],
        cpls: Vec<[u8; cpl::SIZE]>,
        q: Option<&Queue>,
        wire: &[Frame],
    ) {
        let cause = self.r32(reg::ERR_CAUSE);
        let info_v = self.r32(reg::ERR_INFO);
        let irq_cause = self.r32(reg::IRQ_CAUSE);
        let stats = self.stats();
        if cause != want_cause {
            self.fail(format!(
                "{label}: ERR_CAUSE {}, expected {}",
                errs(cause),
                errs(want_cause)
            ));
        }
        let irq_error = irq_cause & irq::ERROR != 0;
        if want_cause != 0 {
            match info {
                Info::Exact(v) => {
                    if info_v != v {
                        self.fail(format!(
                            "{label}: ERR_INFO {info_v:#x} ({:?}), expected {v:#x} ({:?})",
                            describe_err_info(info_v),
                            describe_err_info(v)
                        ));
                    }
                }
                Info::Setup { code, is_rx } => {
                    let v = err_info_value(code, is_rx, 0, 0);
                    if info_v & 0xffff_0000 != v {
                        self.fail(format!(
                            "{label}: ERR_INFO {info_v:#x} ({:?}), expected {v:#x} in bits 31:16 ({:?})",
                            describe_err_info(info_v),
                            describe_err_info(v)
                        ));
                    }
                }
            }
            self.ok(
                &format!("{label}: IRQ_CAUSE.ERROR set (IRQ_CAUSE {irq_cause:#x})"),
                irq_error,
            );
        } else {
            self.hex(
                &format!("{label}: ERR_INFO unchanged"),
                info_v,
                snap.err_info,
            );
            self.ok(
                &format!("{label}: IRQ_CAUSE.ERROR clear (IRQ_CAUSE {irq_cause:#x})"),
                !irq_error,
            );
        }
        let events = (want_cause & !(err::RX_TOO_BIG | err::RX_FRAME)).count_ones() as u64;
        self.stat_delta(label, snap, &stats, stat::MALFORMED, events);
        let outside = writes_outside(self.d(), &snap.mem, allowed);
        if !outside.is_empty() {
            let shown: Vec<String> = outside
                .iter()
                .map(|(a, o, n)| format!("{a:#x}: {o:#04x}->{n:#04x}"))
                .collect();
            self.fail(format!(
                "{label}: DMA wrote outside posted buffers: {}",
                shown.join(", ")
            ));
        }
        let queue = q.map(|q| self.queue_regs(q));
        let wire = wire
            .iter()
            .map(|f| (f.data.len(), f.bad, fnv(&f.data)))
            .collect();
        self.obs.push(Obs {
            label: label.to_string(),
            err_cause: cause,
            err_info: info_v,
            irq_error,
            stats,
            cpls,
            queue,
            wire,
        });
        // Clear, as a driver does, and check it took.
        self.w32(reg::ERR_CAUSE, cause);
        self.w32(reg::IRQ_CAUSE, irq::ERROR);
        let after = self.r32(reg::ERR_CAUSE);
        self.hex(
            &format!("{label}: ERR_CAUSE after writing it back"),
            after,
            0,
        );
        let irq_after = self.r32(reg::IRQ_CAUSE);
        self.ok(
            &format!("{label}: IRQ_CAUSE.ERROR after clearing it"),
            irq_after & irq::ERROR == 0,
        );
    }

    fn expect_enabled(&mut self, label: &str, q: &Queue) {
        let (st, head, tail) = self.queue_regs(q);
        self.hex(&format!("{label}: queue STATUS"), st, qstatus::ENABLED);
        self.eq(
            &format!("{label}: HEAD, TAIL after enable"),
            (head, tail),
            (0, 0),
        );
    }

    /// Re-enables `q` on its own (good) rings, zeroing the completion ring
    /// first as a driver does, so stale records do not look new.
    fn reenable(&mut self, label: &str, q: &mut Queue) {
        let zeros = vec![0u8; q.entries as usize * cpl::SIZE];
        self.dev.mem_write(q.cpls, &zeros).unwrap();
        program(self.d(), q, q.ring, q.cpls);
        q.next = 0;
        q.phase = true;
        q.tail = 0;
        self.expect_enabled(label, q);
    }

    /// Posts a good TX frame (no doorbell). Returns its index and bytes.
    fn tx_post_good(&mut self, q: &mut Queue, len: usize, tag: u8) -> (u32, Vec<u8>) {
        let buf = self
            .dev
            .dma_alloc_at(len.max(8), limits::BUF_ALIGN as u64)
            .unwrap();
        let data = pattern(len, tag);
        self.dev.mem_write(buf, &data).unwrap();
        let idx = q.tail;
        post(self.d(), q, &tx_desc(buf.0, len as u32));
        (idx, data)
    }

    /// The good TX frame posted at `idx` completes cleanly and comes out whole.
    fn tx_verify_good(&mut self, label: &str, q: &mut Queue, idx: u32, data: &[u8], snap: &Snap) {
        let label = format!("{label} (good TX frame, {} bytes)", data.len());
        let cpls = self.one_cpl(&label, q, data.len() as u32, 0, idx);
        let mut frames = self.wait_wire(1);
        frames.extend(self.quiet_wire());
        self.eq(&format!("{label}: frames on the wire"), frames.len(), 1);
        if let Some(f) = frames.first() {
            self.ok(
                &format!("{label}: frame bytes exact ({} bytes sent)", f.data.len()),
                f.data == data,
            );
            self.ok(&format!("{label}: frame not marked bad"), !f.bad);
        }
        let stats = self.stats();
        self.stat_delta(&label, snap, &stats, stat::TX_FRAMES, 1);
        self.stat_delta(&label, snap, &stats, stat::TX_BYTES, data.len() as u64);
        self.stat_delta(&label, snap, &stats, stat::TX_ERRORS, 0);
        let allowed = [(q.cpl_addr(idx), cpl::SIZE)];
        self.expect_error(
            &label,
            snap,
            0,
            Info::Exact(0),
            &allowed,
            cpls,
            Some(&*q),
            &frames,
        );
    }

    /// A good TX frame goes through `q`.
    fn tx_good(&mut self, label: &str, q: &mut Queue, len: usize, tag: u8) {
        let (idx, data) = self.tx_post_good(q, len, tag);
        let snap = self.snap();
        doorbell(self.d(), q);
        self.tx_verify_good(label, q, idx, &data, &snap);
    }

    /// Posts a good RX buffer of `cap` bytes (no doorbell). Returns its index and address.
    fn rx_post_good(&mut self, q: &mut Queue, cap: usize) -> (u32, DmaAddr) {
        let buf = self
            .dev
            .dma_alloc_at(cap + 64, limits::BUF_ALIGN as u64)
            .unwrap();
        self.dev.mem_write(buf, &vec![0xa5; cap + 64]).unwrap();
        let idx = q.tail;
        post(self.d(), q, &rx_desc(buf.0, cap as u32));
        (idx, buf)
    }

    /// The frame `data`, already sent, landed whole in the good buffer at `idx`.
    #[allow(clippy::too_many_arguments)]
    fn rx_verify_good(
        &mut self,
        label: &str,
        q: &mut Queue,
        idx: u32,
        buf: DmaAddr,
        cap: usize,
        data: &[u8],
        snap: &Snap,
    ) {
        let label = format!("{label} (good RX frame, {} bytes)", data.len());
        let cpls = self.one_cpl(&label, q, data.len() as u32, 0, idx);
        let mut got = vec![0u8; data.len()];
        self.dev.mem_read(buf, &mut got).unwrap();
        self.ok(
            &format!("{label}: buffer holds the frame byte-exact"),
            got == data,
        );
        let stats = self.stats();
        self.stat_delta(&label, snap, &stats, stat::RX_FRAMES, 1);
        self.stat_delta(&label, snap, &stats, stat::RX_BYTES, data.len() as u64);
        self.stat_delta(&label, snap, &stats, stat::RX_ERRORS, 0);
        self.stat_delta(&label, snap, &stats, stat::RX_DROPPED, 0);
        let allowed = [(q.cpl_addr(idx), cpl::SIZE), (buf, cap)];
        self.expect_error(
            &label,
            snap,
            0,
            Info::Exact(0),
            &allowed,
            cpls,
            Some(&*q),
            &[],
        );
    }

    /// A wire frame lands byte-exact in a good buffer of `q`.
    fn rx_good(&mut self, label: &str, q: &mut Queue, len: usize, tag: u8) {
        let cap = 2048.max(len);
        let (idx, buf) = self.rx_post_good(q, cap);
        let data = pattern(len, tag);
        let snap = self.snap();
        doorbell(self.d(), q);
        self.dev
            .wire_send(Frame {
                data: data.clone(),
                bad: false,
            })
            .unwrap();
        self.rx_verify_good(label, q, idx, buf, cap, &data, &snap);
    }

    /// A bad TX descriptor: completion with `want` (and SEGS 0), ERR_CAUSE
    /// `want`, ERR_INFO at its index, TX_ERRORS + 1, the queue goes on.
    /// `sent`: the aborted frame expected on the wire, or nothing.
    fn tx_bad(
        &mut self,
        label: &str,
        q: &mut Queue,
        addr: u64,
        len: u32,
        want: u32,
        sent: Option<Vec<u8>>,
    ) {
        let label = format!("{label} (TX ADDR {addr:#x} LEN {len})");
        let idx = q.tail;
        post(self.d(), q, &tx_desc(addr, len));
        let snap = self.snap();
        doorbell(self.d(), q);
        let cpls = self.one_cpl(&label, q, len, want, idx);
        let frames = match &sent {
            None => {
                let f = self.quiet_wire();
                self.eq(&format!("{label}: frames on the wire"), f.len(), 0);
                f
            }
            Some(data) => {
                let mut f = self.wait_wire(1);
                f.extend(self.quiet_wire());
                self.eq(&format!("{label}: frames on the wire"), f.len(), 1);
                if let Some(fr) = f.first() {
                    self.ok(&format!("{label}: frame marked bad (tuser)"), fr.bad);
                    self.eq(
                        &format!("{label}: aborted frame length"),
                        fr.data.len(),
                        data.len(),
                    );
                    if fr.data.len() == data.len() && fr.data != *data {
                        let diff = fr
                            .data
                            .iter()
                            .zip(data)
                            .position(|(a, b)| a != b)
                            .unwrap_or(0);
                        self.fail(format!(
                            "{label}: aborted frame bytes differ from expected from byte {diff} (got {:#04x}, expected {:#04x})",
                            fr.data[diff], data[diff]
                        ));
                    }
                }
                f
            }
        };
        let (st, head, _) = self.queue_regs(q);
        self.hex(&format!("{label}: queue STATUS"), st, qstatus::ENABLED);
        self.eq(&format!("{label}: HEAD advanced"), head, q.tail);
        let stats = self.stats();
        self.stat_delta(&label, &snap, &stats, stat::TX_ERRORS, 1);
        self.stat_delta(&label, &snap, &stats, stat::TX_FRAMES, 0);
        self.stat_delta(&label, &snap, &stats, stat::TX_BYTES, 0);
        let info = Info::Exact(err_info_value(want.trailing_zeros(), false, 0, idx));
        let allowed = [(q.cpl_addr(idx), cpl::SIZE)];
        self.expect_error(
            &label,
            &snap,
            want,
            info,
            &allowed,
            cpls,
            Some(&*q),
            &frames,
        );
    }

    /// A bad RX case: a `frame_len`-byte frame meets the descriptor (`addr`,
    /// `cap`). Completion ERRORS `want_cpl`, ERR_CAUSE `want_cause`. The NIC
    /// may write only `may_write` (cut to the memory window) besides the
    /// completion; `written`: bytes that must be at an address afterwards.
    #[allow(clippy::too_many_arguments)]
    fn rx_bad(
        &mut self,
        label: &str,
        q: &mut Queue,
        addr: u64,
        cap: u32,
        frame: &[u8],
        want_cpl: u32,
        want_cause: u32,
        may_write: Option<(u64, usize)>,
        written: Option<(DmaAddr, Vec<u8>)>,
    ) {
        let label = format!(
            "{label} (RX ADDR {addr:#x} LEN {cap}, {}-byte frame)",
            frame.len()
        );
        let idx = q.tail;
        post(self.d(), q, &rx_desc(addr, cap));
        let snap = self.snap();
        doorbell(self.d(), q);
        self.dev
            .wire_send(Frame {
                data: frame.to_vec(),
                bad: false,
            })
            .unwrap();
        let cpls = self.one_cpl(&label, q, frame.len() as u32, want_cpl, idx);
        if let Some((at, want)) = &written {
            let mut got = vec![0u8; want.len()];
            self.dev.mem_read(*at, &mut got).unwrap();
            self.ok(
                &format!(
                    "{label}: buffer holds the frame's first {} bytes",
                    want.len()
                ),
                got == *want,
            );
        }
        let (st, head, _) = self.queue_regs(q);
        self.hex(&format!("{label}: queue STATUS"), st, qstatus::ENABLED);
        self.eq(&format!("{label}: HEAD advanced"), head, q.tail);
        let stats = self.stats();
        self.stat_delta(&label, &snap, &stats, stat::RX_ERRORS, 1);
        self.stat_delta(&label, &snap, &stats, stat::RX_FRAMES, 0);
        self.stat_delta(&label, &snap, &stats, stat::RX_DROPPED, 0);
        let first = if want_cause == 0 {
            0
        } else {
            want_cause.trailing_zeros()
        };
        let info = Info::Exact(err_info_value(first, true, 0, idx));
        let mut allowed = vec![(q.cpl_addr(idx), cpl::SIZE)];
        allowed.extend(may_write.and_then(|(a, n)| in_window(a, n)));
        self.expect_error(
            &label,
            &snap,
            want_cause,
            info,
            &allowed,
            cpls,
            Some(&*q),
            &[],
        );
    }
}

/// Runs `body` on a fresh model and a fresh sim (random backpressure), then
/// fails with every check that failed on either and every point where they
/// disagree.
fn both(default_seed: u64, body: impl Fn(&mut Run)) {
    let seed = seed(default_seed);
    let mut runs = Vec::new();
    for (name, dev) in devices(seed, true) {
        let started = std::time::Instant::now();
        let mut r = Run::new(name, dev);
        body(&mut r);
        r.run_for(QUIET_NS);
        let end_cause = r.r32(reg::ERR_CAUSE);
        if end_cause != 0 {
            r.fail(format!("at the end: ERR_CAUSE {}", errs(end_cause)));
        }
        eprintln!(
            "{name}: {} checkpoints, {:.1?}",
            r.obs.len(),
            started.elapsed()
        );
        runs.push(r);
    }
    let mut fails: Vec<String> = runs.iter().flat_map(|r| r.fails.clone()).collect();
    if let [a, b] = &runs[..] {
        if a.obs.len() != b.obs.len() {
            fails.push(format!(
                "{} recorded {} points, {} recorded {}",
                a.name,
                a.obs.len(),
                b.name,
                b.obs.len()
            ));
        }
        for (x, y) in a.obs.iter().zip(&b.obs) {
            if x != y {
                fails.push(format!(
                    "{} and {} disagree at '{}':\n  {}: {x:x?}\n  {}: {y:x?}",
                    a.name, b.name, x.label, a.name, b.name
                ));
            }
        }
    }
    assert!(
        fails.is_empty(),
        "{} failure(s):\n{}",
        fails.len(),
        fails.join("\n")
    );
}

// ---------------------------------------------------------------------------
// Rings

#[test]
fn ring_size_not_a_power_of_two_in_range_is_refused_on_enable() {
    both(0x5121, |r| {
        for is_rx in [false, true] {
            for size in [0u32, 3, 1, 8192] {
                let label = format!("{} queue SIZE {size}", dir(is_rx));
                let snap = r.snap();
                let q = setup_queue(r.d(), is_rx, size);
                let (st, _, tail) = r.queue_regs(&q);
                r.hex(&format!("{label}: queue STATUS (ENABLED stays 0)"), st, 0);
                let ctrl = r.r32(q.reg(qreg::CTRL));
                r.hex(
                    &format!("{label}: queue CTRL.ENABLE stays 0"),
                    ctrl & qctrl::ENABLE,
                    0,
                );
                r.run_for(QUIET_NS);
                let info = Info::Setup {
                    code: err::bit::RING_SIZE,
                    is_rx,
                };
                r.expect_error(
                    &label,
                    &snap,
                    err::RING_SIZE,
                    info,
                    &[],
                    vec![],
                    Some(&q),
                    &[],
                );

                // A doorbell on the refused (disabled) queue is ignored.
                let label = format!("{label}, then doorbells on the disabled queue");
                let snap = r.snap();
                r.w32(q.reg(qreg::TAIL), 1);
                r.w32(q.reg(qreg::TAIL), 0xffff);
                r.run_for(QUIET_NS);
                let (st, head, tail2) = r.queue_regs(&q);
                r.eq(
                    &format!("{label}: STATUS, HEAD, TAIL"),
                    (st, head, tail2),
                    (0, 0, tail),
                );
                r.expect_error(&label, &snap, 0, Info::Exact(0), &[], vec![], Some(&q), &[]);
            }
        }
        let mut tq = setup_queue(r.d(), false, ENTRIES);
        r.expect_enabled("TX queue SIZE 16 after refusals", &tq);
        r.tx_good("TX after refused SIZEs", &mut tq, 60, 1);
        let mut rq = setup_queue(r.d(), true, ENTRIES);
        r.expect_enabled("RX queue SIZE 16 after refusals", &rq);
        r.rx_good("RX after refused SIZEs", &mut rq, 200, 2);
        // The extremes of the range are accepted.
        for (is_rx, size) in [(false, 2), (true, 2), (false, 4096), (true, 4096)] {
            let label = format!("{} queue SIZE {size}", dir(is_rx));
            let snap = r.snap();
            let mut q = setup_queue(r.d(), is_rx, size);
            r.expect_enabled(&label, &q);
            r.expect_error(&label, &snap, 0, Info::Exact(0), &[], vec![], Some(&q), &[]);
            if is_rx {
                r.rx_good(&label, &mut q, 64, 3);
            } else {
                r.tx_good(&label, &mut q, 64, 3);
            }
        }
    });
}

#[test]
fn ring_or_completion_base_not_64_byte_aligned_or_past_2_64_is_refused_on_enable() {
    both(0x41A9, |r| {
        for is_rx in [false, true] {
            let mut q = setup_queue(r.d(), is_rx, ENTRIES);
            let (ring, cpls) = (q.ring, q.cpls);
            let top = DmaAddr(TOP_RING);
            for (what, ring_at, cpl_at) in [
                ("ring +8", ring.offset(8), cpls),
                ("ring +32", ring.offset(32), cpls),
                ("completion +16", ring, cpls.offset(16)),
                ("completion +56", ring, cpls.offset(56)),
                ("both +8", ring.offset(8), cpls.offset(8)),
                // Aligned, but the ring would run past 2^64 and wrap to address 0.
                ("ring past 2^64", top, cpls),
                ("completions past 2^64", ring, top),
            ] {
                let label = format!("{} queue, {what}", dir(is_rx));
                let snap = r.snap();
                program(r.d(), &q, ring_at, cpl_at);
                let (st, _, _) = r.queue_regs(&q);
                r.hex(&format!("{label}: queue STATUS (ENABLED stays 0)"), st, 0);
                let ctrl = r.r32(q.reg(qreg::CTRL));
                r.hex(
                    &format!("{label}: queue CTRL.ENABLE stays 0"),
                    ctrl & qctrl::ENABLE,
                    0,
                );
                r.run_for(QUIET_NS);
                let info = Info::Setup {
                    code: err::bit::RING_ALIGN,
                    is_rx,
                };
                r.expect_error(
                    &label,
                    &snap,
                    err::RING_ALIGN,
                    info,
                    &[],
                    vec![],
                    Some(&q),
                    &[],
                );
            }
            let label = format!("{} queue re-enabled on aligned rings", dir(is_rx));
            r.reenable(&label, &mut q);
            if is_rx {
                r.rx_good(&label, &mut q, 300, 4);
            } else {
                r.tx_good(&label, &mut q, 300, 4);
            }
        }
    });
}

#[test]
fn doorbell_at_or_past_ring_size_is_refused_and_tail_kept() {
    both(0xD00B, |r| {
        let bad_tails = [ENTRIES, ENTRIES + 1, 0xffff, 0x1_0002, 0xffff_ffff];

        // TX: one frame through (TAIL = HEAD = 1), a good descriptor posted at 1
        // but not rung, then bad doorbells.
        let mut q = setup_queue(r.d(), false, ENTRIES);
        r.tx_good("TX before bad doorbells", &mut q, 100, 5);
        let (idx, data) = r.tx_post_good(&mut q, 100, 6);
        for v in bad_tails {
            let label = format!("TX TAIL <- {v:#x}");
            let snap = r.snap();
            r.w32(q.reg(qreg::TAIL), v);
            let tail_now = r.r32(q.reg(qreg::TAIL));
            r.eq(&format!("{label}: TAIL right after"), tail_now, 1);
            let frames = r.quiet_wire();
            r.eq(&format!("{label}: frames on the wire"), frames.len(), 0);
            let (st, head, tail) = r.queue_regs(&q);
            r.eq(
                &format!("{label}: STATUS, HEAD, TAIL"),
                (st, head, tail),
                (qstatus::ENABLED, 1, 1),
            );
            let cpl = take_cpl(r.d(), &mut q);
            r.ok(&format!("{label}: no completion"), cpl.is_none());
            let info = Info::Exact(err_info_value(err::bit::DOORBELL, false, 0, v & 0xffff));
            r.expect_error(
                &label,
                &snap,
                err::DOORBELL,
                info,
                &[],
                vec![],
                Some(&q),
                &frames,
            );
        }
        let snap = r.snap();
        doorbell(r.d(), &q);
        r.tx_verify_good(
            "TX TAIL <- 2 after bad doorbells",
            &mut q,
            idx,
            &data,
            &snap,
        );

        // RX: a frame waits at the port for a descriptor posted but not rung.
        let mut q = setup_queue(r.d(), true, ENTRIES);
        let (idx, buf) = r.rx_post_good(&mut q, 2048);
        let data = pattern(700, 7);
        r.dev
            .wire_send(Frame {
                data: data.clone(),
                bad: false,
            })
            .unwrap();
        let first = r.snap();
        for v in bad_tails {
            let label = format!("RX TAIL <- {v:#x}");
            let snap = r.snap();
            r.w32(q.reg(qreg::TAIL), v);
            let tail_now = r.r32(q.reg(qreg::TAIL));
            r.eq(&format!("{label}: TAIL right after"), tail_now, 0);
            r.run_for(QUIET_NS);
            let (st, head, tail) = r.queue_regs(&q);
            r.eq(
                &format!("{label}: STATUS, HEAD, TAIL"),
                (st, head, tail),
                (qstatus::ENABLED, 0, 0),
            );
            let cpl = take_cpl(r.d(), &mut q);
            r.ok(&format!("{label}: no completion"), cpl.is_none());
            let stats = r.stats();
            r.stat_delta(&label, &snap, &stats, stat::RX_DROPPED, 0);
            let info = Info::Exact(err_info_value(err::bit::DOORBELL, true, 0, v & 0xffff));
            r.expect_error(
                &label,
                &snap,
                err::DOORBELL,
                info,
                &[],
                vec![],
                Some(&q),
                &[],
            );
        }
        doorbell(r.d(), &q);
        // Counters since `first` include the bad doorbells' MALFORMED; the
        // frame itself is checked against a fresh snapshot's counters.
        let mut snap = r.snap();
        snap.mem = first.mem;
        r.rx_verify_good(
            "RX TAIL <- 1 after bad doorbells",
            &mut q,
            idx,
            buf,
            2048,
            &data,
            &snap,
        );
    });
}

// ---------------------------------------------------------------------------
// Transmit

#[test]
fn zero_length_tx_descriptor_is_refused_and_reported() {
    both(0x2E80, |r| {
        let mut q = setup_queue(r.d(), false, ENTRIES);
        let buf = r.dev.dma_alloc_at(256, 8).unwrap();
        r.dev.mem_write(buf, &pattern(256, 9)).unwrap();
        r.tx_bad(
            "zero length at index 0",
            &mut q,
            buf.0,
            0,
            err::DESC_LEN,
            None,
        );
        r.tx_good("after zero length", &mut q, 64, 10);
        r.tx_bad(
            "zero length at index 2",
            &mut q,
            buf.0,
            0,
            err::DESC_LEN,
            None,
        );
        r.tx_good("after second zero length", &mut q, 1, 11);
    });
}

#[test]
fn oversize_tx_descriptor_is_refused_and_reported() {
    both(0x0B16, |r| {
        let mut q = setup_queue(r.d(), false, ENTRIES);
        let buf = r
            .dev
            .dma_alloc_at(limits::MAX_FRAME as usize + 64, 8)
            .unwrap();
        r.dev
            .mem_write(buf, &pattern(limits::MAX_FRAME as usize + 64, 12))
            .unwrap();
        for len in [limits::MAX_FRAME + 1, 0x8000_0000, 0xffff_ffff] {
            r.tx_bad("oversize", &mut q, buf.0, len, err::DESC_LEN, None);
            r.tx_good("after oversize", &mut q, 128, 13);
        }
        // The limit itself is a good frame.
        r.tx_good("exactly MAX_FRAME", &mut q, limits::MAX_FRAME as usize, 14);
    });
}

#[test]
fn misaligned_tx_buffer_is_refused_and_reported() {
    both(0xA116, |r| {
        let mut q = setup_queue(r.d(), false, ENTRIES);
        let buf = r.dev.dma_alloc_at(512, 8).unwrap();
        r.dev.mem_write(buf, &pattern(512, 15)).unwrap();
        for off in [1u64, 4, 7] {
            r.tx_bad(
                "misaligned",
                &mut q,
                buf.0 + off,
                100,
                err::DESC_ALIGN,
                None,
            );
            r.tx_good("after misaligned", &mut q, 100, 16);
        }
        // A bad length is reported before a bad address, alone.
        r.tx_bad(
            "zero length and misaligned",
            &mut q,
            buf.0 + 3,
            0,
            err::DESC_LEN,
            None,
        );
        r.tx_bad(
            "oversize and misaligned",
            &mut q,
            buf.0 + 5,
            limits::MAX_FRAME + 1,
            err::DESC_LEN,
            None,
        );
        r.tx_good("after length-and-alignment errors", &mut q, 77, 17);
    });
}

#[test]
fn tx_buffer_outside_memory_sends_aborted_frame_and_reports_dma_read() {
    both(0xDEAD, |r| {
        let mut q = setup_queue(r.d(), false, ENTRIES);
        for addr in [MEM_END, 0, TOP_BUF - 0x1000, MEM_END + 0x1000_0000] {
            for len in [64u32, 61] {
                r.tx_bad(
                    "outside memory",
                    &mut q,
                    addr,
                    len,
                    err::DMA_READ,
                    Some(vec![0; len as usize]),
                );
                r.tx_good("after outside memory", &mut q, 90, 18);
            }
        }
        // Straddling the end of memory: the burst inside is read, the one
        // past the end is refused and reads as zeros (bursts never cross 4 KiB
        // and MEM_END is 4 KiB aligned).
        let tail = pattern(64, 19);
        r.dev.mem_write(DmaAddr(MEM_END - 64), &tail).unwrap();
        let mut want = tail.clone();
        want.extend([0u8; 64]);
        r.tx_bad(
            "straddling the end of memory",
            &mut q,
            MEM_END - 64,
            128,
            err::DMA_READ,
            Some(want),
        );
        r.tx_good("after straddling", &mut q, 200, 20);
    });
}

#[test]
fn tx_descriptor_ring_outside_memory_halts_queue_until_reenabled() {
    both(0x7A17, |r| {
        let mut q = setup_queue(r.d(), false, ENTRIES);
        r.tx_good("TX before the bad ring", &mut q, 64, 21);
        for ring in [MEM_END, 0, TOP_TX_RING] {
            let label = format!("TX ring at {ring:#x}");
            let zeros = vec![0u8; q.entries as usize * cpl::SIZE];
            r.dev.mem_write(q.cpls, &zeros).unwrap();
            program(r.d(), &q, DmaAddr(ring), q.cpls);
            let (st, head, tail) = r.queue_regs(&q);
            r.eq(
                &format!("{label}: STATUS, HEAD, TAIL after enable"),
                (st, head, tail),
                (qstatus::ENABLED, 0, 0),
            );
            let snap = r.snap();
            r.w32(q.reg(qreg::TAIL), 1);
            let frames = r.quiet_wire();
            r.eq(&format!("{label}: frames on the wire"), frames.len(), 0);
            r.expect_halted(&label, &q, (0, 1));
            q.next = 0;
            q.phase = true;
            let c = take_cpl(r.d(), &mut q);
            r.ok(&format!("{label}: no completion"), c.is_none());
            let stats = r.stats();
            r.stat_delta(&label, &snap, &stats, stat::TX_ERRORS, 0);
            r.stat_delta(&label, &snap, &stats, stat::TX_FRAMES, 0);
            let info = Info::Exact(err_info_value(err::bit::DMA_READ, false, 0, 0));
            r.expect_error(
                &label,
                &snap,
                err::DMA_READ,
                info,
                &[],
                vec![],
                Some(&q),
                &frames,
            );

            // Halted: a further doorbell does nothing.
            let label = format!("{label}, doorbell while halted");
            let snap = r.snap();
            r.w32(q.reg(qreg::TAIL), 2);
            r.run_for(QUIET_NS);
            let (st, head, _) = r.queue_regs(&q);
            r.ok(
                &format!("{label}: still HALTED (STATUS {st:#x})"),
                st & qstatus::HALTED != 0,
            );
            r.eq(&format!("{label}: HEAD"), head, 0);
            r.expect_error(&label, &snap, 0, Info::Exact(0), &[], vec![], Some(&q), &[]);

            let label = format!("TX re-enabled after ring at {ring:#x}");
            r.reenable(&label, &mut q);
            r.tx_good(&label, &mut q, 150, 22);
        }
    });
}

// ---------------------------------------------------------------------------
// Receive

#[test]
fn a_buffer_past_the_top_of_the_address_space_is_a_length_error_and_nothing_wraps_to_0() {
    both(0x70B, |r| {
        let mut q = setup_queue(r.d(), false, ENTRIES);
        // 8 bytes at the top end exactly at 2^64: in range, but outside memory.
        r.tx_bad(
            "up to 2^64",
            &mut q,
            TOP_BUF,
            8,
            err::DMA_READ,
            Some(vec![0; 8]),
        );
        // One byte more, or a frame from near the top, would wrap to address 0.
        for (addr, len) in [(TOP_BUF, 9u32), (TOP_BUF, 64), (TOP_BUF - 0x30, 64)] {
            r.tx_bad("past 2^64", &mut q, addr, len, err::DESC_LEN, None);
            r.tx_good("after past 2^64", &mut q, 90, 41);
        }
        let mut q = setup_queue(r.d(), true, ENTRIES);
        for (addr, cap) in [
            (TOP_BUF, 2048u32),
            (TOP_BUF - 0x30, 64),
            (TOP_BUF - 0x1000, u32::MAX),
        ] {
            r.rx_bad(
                "past 2^64",
                &mut q,
                addr,
                cap,
                &pattern(200, 42),
                err::DESC_LEN,
                err::DESC_LEN,
                None,
                None,
            );
            r.rx_good("after past 2^64", &mut q, 200, 43);
        }
    });
}

#[test]
fn zero_length_rx_descriptor_consumes_frame_and_writes_nothing() {
    both(0x2E81, |r| {
        let mut q = setup_queue(r.d(), true, ENTRIES);
        let buf = r.dev.dma_alloc_at(2048, 8).unwrap();
        for len in [100usize, 1500] {
            r.rx_bad(
                "zero length",
                &mut q,
                buf.0,
                0,
                &pattern(len, 23),
                err::DESC_LEN,
                err::DESC_LEN,
                None,
                None,
            );
            r.rx_good("after zero length", &mut q, 300, 24);
        }
    });
}

#[test]
fn misaligned_rx_buffer_consumes_frame_and_writes_nothing() {
    both(0xA117, |r| {
        let mut q = setup_queue(r.d(), true, ENTRIES);
        let buf = r.dev.dma_alloc_at(4096, 8).unwrap();
        for off in [1u64, 4, 7] {
            r.rx_bad(
                "misaligned",
                &mut q,
                buf.0 + off,
                2048,
                &pattern(500, 25),
                err::DESC_ALIGN,
                err::DESC_ALIGN,
                None,
                None,
            );
            r.rx_good("after misaligned", &mut q, 500, 26);
        }
        r.rx_bad(
            "zero length and misaligned",
            &mut q,
            buf.0 + 2,
            0,
            &pattern(60, 27),
            err::DESC_LEN,
            err::DESC_LEN,
            None,
            None,
        );
        r.rx_good("after zero length and misaligned", &mut q, 60, 28);
    });
}

#[test]
fn rx_buffer_outside_memory_reports_dma_write_and_writes_nothing() {
    both(0xBEEF, |r| {
        let mut q = setup_queue(r.d(), true, ENTRIES);
        for addr in [MEM_END, 0, TOP_BUF - 0x1000, MEM_END + 0x1000_0000] {
            let f = pattern(200, 29);
            r.rx_bad(
                "outside memory",
                &mut q,
                addr,
                2048,
                &f,
                err::DMA_WRITE,
                err::DMA_WRITE,
                Some((addr, 2048)),
                None,
            );
            r.rx_good("after outside memory", &mut q, 200, 30);
        }
        // Longer than the buffer too: both bits in the completion, one event.
        let f = pattern(1500, 31);
        r.rx_bad(
            "outside memory and too big",
            &mut q,
            MEM_END,
            1000,
            &f,
            err::DMA_WRITE | err::RX_TOO_BIG,
            err::DMA_WRITE,
            None,
            None,
        );
        r.rx_good("after outside memory and too big", &mut q, 100, 32);
        // Straddling the end of memory: the burst inside lands, the rest is refused.
        let f = pattern(200, 33);
        let start = MEM_END - 64;
        r.rx_bad(
            "straddling the end of memory",
            &mut q,
            start,
            256,
            &f,
            err::DMA_WRITE,
            err::DMA_WRITE,
            Some((start, 256)),
            Some((DmaAddr(start), f[..64].to_vec())),
        );
        r.rx_good("after straddling", &mut q, 100, 34);
    });
}

#[test]
fn rx_frame_longer_than_its_buffer_is_truncated_and_flagged_not_counted_as_misuse() {
    both(0x7B16, |r| {
        let mut q = setup_queue(r.d(), true, ENTRIES);
        let f = pattern(1500, 35);
        for cap in [1000usize, 1001, 1, 8, 1499] {
            // Canary bytes around the buffer: nothing past ADDR + LEN may change.
            let buf = r.dev.dma_alloc_at(cap + 128, 8).unwrap();
            r.dev.mem_write(buf, &vec![0x5a; cap + 128]).unwrap();
            r.rx_bad(
                "frame longer than buffer",
                &mut q,
                buf.0,
                cap as u32,
                &f,
                err::RX_TOO_BIG,
                0,
                Some((buf.0, cap)),
                Some((buf, f[..cap].to_vec())),
            );
            r.rx_good("after too big", &mut q, 1500, 36);
        }
    });
}

#[test]
fn rx_descriptor_ring_outside_memory_halts_queue_and_drops_frames() {
    both(0x7A18, |r| {
        let mut q = setup_queue(r.d(), true, ENTRIES);
        r.rx_good("RX before the bad ring", &mut q, 64, 37);
        for ring in [MEM_END, 0] {
            let label = format!("RX ring at {ring:#x}");
            let zeros = vec![0u8; q.entries as usize * cpl::SIZE];
            r.dev.mem_write(q.cpls, &zeros).unwrap();
            program(r.d(), &q, DmaAddr(ring), q.cpls);
            let snap = r.snap();
            r.w32(q.reg(qreg::TAIL), 1);
            r.dev
                .wire_send(Frame {
                    data: pattern(300, 38),
                    bad: false,
                })
                .unwrap();
            r.run_for(QUIET_NS);
            r.expect_halted(&label, &q, (0, 1));
            q.next = 0;
            q.phase = true;
            let c = take_cpl(r.d(), &mut q);
            r.ok(&format!("{label}: no completion"), c.is_none());
            let stats = r.stats();
            r.stat_delta(&label, &snap, &stats, stat::RX_DROPPED, 1);
            r.stat_delta(&label, &snap, &stats, stat::RX_ERRORS, 0);
            let info = Info::Exact(err_info_value(err::bit::DMA_READ, true, 0, 0));
            r.expect_error(
                &label,
                &snap,
                err::DMA_READ,
                info,
                &[],
                vec![],
                Some(&q),
                &[],
            );

            // Halted: the next frame is dropped without a new error.
            let label = format!("{label}, frame while halted");
            let snap = r.snap();
            r.dev
                .wire_send(Frame {
                    data: pattern(80, 39),
                    bad: false,
                })
                .unwrap();
            r.run_for(QUIET_NS);
            let stats = r.stats();
            r.stat_delta(&label, &snap, &stats, stat::RX_DROPPED, 1);
            r.expect_error(&label, &snap, 0, Info::Exact(0), &[], vec![], Some(&q), &[]);

            let label = format!("RX re-enabled after ring at {ring:#x}");
            r.reenable(&label, &mut q);
            r.rx_good(&label, &mut q, 400, 40);
        }
    });
}

#[test]
fn completion_ring_outside_memory_halts_queue_until_reenabled() {
    both(0xC0C0, |r| {
        for is_rx in [false, true] {
            let mut q = setup_queue(r.d(), is_rx, ENTRIES);
            let label = format!("{} completion ring at MEM_END", dir(is_rx));
            program(r.d(), &q, q.ring, DmaAddr(MEM_END));
            let len = 120usize;
            let data = pattern(len, 41);
            let mut allowed = Vec::new();
            let snap;
            if is_rx {
                let (_, buf) = r.rx_post_good(&mut q, 2048);
                allowed.push((buf, 2048));
                snap = r.snap();
                doorbell(r.d(), &q);
                r.dev
                    .wire_send(Frame {
                        data: data.clone(),
                        bad: false,
                    })
                    .unwrap();
            } else {
                r.tx_post_good(&mut q, len, 41);
                snap = r.snap();
                doorbell(r.d(), &q);
            }
            let mut frames = Vec::new();
            if is_rx {
                r.run_for(QUIET_NS);
                let buf = allowed[0].0;
                let mut got = vec![0u8; len];
                r.dev.mem_read(buf, &mut got).unwrap();
                r.ok(&format!("{label}: buffer holds the frame"), got == data);
            } else {
                frames = r.wait_wire(1);
                frames.extend(r.quiet_wire());
                r.eq(&format!("{label}: frames on the wire"), frames.len(), 1);
                if let Some(f) = frames.first() {
                    r.ok(
                        &format!("{label}: frame sent whole and good"),
                        f.data == data && !f.bad,
                    );
                }
            }
            r.expect_halted(&label, &q, (0, 1));
            let info = Info::Exact(err_info_value(err::bit::DMA_WRITE, is_rx, 0, 0));
            r.expect_error(
                &label,
                &snap,
                err::DMA_WRITE,
                info,
                &allowed,
                vec![],
                Some(&q),
                &frames,
            );

            let label = format!("{} re-enabled on a good completion ring", dir(is_rx));
            r.reenable(&label, &mut q);
            if is_rx {
                r.rx_good(&label, &mut q, 222, 42);
            } else {
                r.tx_good(&label, &mut q, 222, 42);
            }
        }
    });
}

// ---------------------------------------------------------------------------
// ERR_CAUSE / ERR_INFO bookkeeping

#[test]
fn err_info_keeps_the_first_error_until_err_cause_is_all_clear() {
    both(0xF125, |r| {
        let mut q = setup_queue(r.d(), false, ENTRIES);
        let buf = r.dev.dma_alloc_at(256, 8).unwrap();
        r.dev.mem_write(buf, &pattern(256, 43)).unwrap();
        let label = "two bad descriptors, then a bad doorbell, without clearing";
        post(r.d(), &mut q, &tx_desc(buf.0, 0));
        post(r.d(), &mut q, &tx_desc(buf.0 + 4, 64));
        let snap = r.snap();
        doorbell(r.d(), &q);
        let cpls = r.wait_cpls(&mut q, 2);
        r.eq(&format!("{label}: completions"), cpls.len(), 2);
        if let [a, b] = &cpls[..] {
            r.check_cpl(&format!("{label}, index 0"), a, 0, err::DESC_LEN, 0);
            r.check_cpl(&format!("{label}, index 1"), b, 64, err::DESC_ALIGN, 1);
        }
        let frames = r.quiet_wire();
        r.eq(&format!("{label}: frames on the wire"), frames.len(), 0);
        let first = err_info_value(err::bit::DESC_LEN, false, 0, 0);
        let cause = r.r32(reg::ERR_CAUSE);
        r.hex(
            &format!("{label}: ERR_CAUSE after both"),
            cause,
            err::DESC_LEN | err::DESC_ALIGN,
        );
        let info = r.r32(reg::ERR_INFO);
        r.hex(&format!("{label}: ERR_INFO names the first"), info, first);

        // RW1C: clearing one bit leaves the other, and ERR_INFO stays, also
        // across a new error while ERR_CAUSE is not 0.
        r.w32(reg::ERR_CAUSE, err::DESC_LEN);
        let cause = r.r32(reg::ERR_CAUSE);
        r.hex(
            &format!("{label}: ERR_CAUSE after clearing DESC_LEN"),
            cause,
            err::DESC_ALIGN,
        );
        r.w32(q.reg(qreg::TAIL), 0x20);
        r.run_for(QUIET_NS);
        let stats = r.stats();
        r.stat_delta(label, &snap, &stats, stat::MALFORMED, 3);
        r.stat_delta(label, &snap, &stats, stat::TX_ERRORS, 2);
        // expect_error counts one MALFORMED per bit still set; DESC_LEN's
        // event was counted above and its bit is cleared already.
        let mut snap = snap;
        snap.stats[((stat::MALFORMED - limits::STATS_BASE) / 8) as usize] += 1;
        let allowed = [(q.cpl_addr(0), cpl::SIZE), (q.cpl_addr(1), cpl::SIZE)];
        let want = err::DESC_ALIGN | err::DOORBELL;
        r.expect_error(
            label,
            &snap,
            want,
            Info::Exact(first),
            &allowed,
            cpls,
            Some(&q),
            &frames,
        );

        // Once ERR_CAUSE was 0, the next error is the one ERR_INFO names,
        // and with ERROR unmasked it raises the interrupt line.
        let label = "bad doorbell after clearing, ERROR unmasked";
        r.w32(reg::IRQ_MASK, DONE | irq::ERROR);
        let snap = r.snap();
        r.w32(q.reg(qreg::TAIL), 0x1234);
        let line = r.dev.wait_irq(QUIET_NS).unwrap();
        r.ok(&format!("{label}: interrupt line rises"), line);
        let info = Info::Exact(err_info_value(err::bit::DOORBELL, false, 0, 0x1234));
        r.expect_error(
            label,
            &snap,
            err::DOORBELL,
            info,
            &[],
            vec![],
            Some(&q),
            &[],
        );
        let line = r.dev.wait_irq(0).unwrap();
        r.ok(
            &format!("{label}: interrupt line falls once ERROR is cleared"),
            !line,
        );
        r.w32(reg::IRQ_MASK, DONE);
        r.tx_good("after the ERR_INFO checks", &mut q, 64, 44);
    });
}
