//! Model against RTL: the same seeded script of TX descriptors, RX buffers and
//! wire frames — mostly good, some malformed — through the firmware model and
//! through the RTL in Verilator under random backpressure. The frames on the
//! wire, every completion record (all 16 bytes), the bytes placed in RX
//! buffers and the counters must be identical.
//!
//! Replay a failure with `TEST_SEED=<seed printed> cargo test --test differential`.

mod common;

use common::*;
use firmware_model::contract::cpl::Completion;
use firmware_model::contract::{
    cpl, err, limits, qreg, queues_reg, reg, rxq, stat, txd, txq, vnet,
};
use firmware_model::mem::DmaAddr;
use firmware_model::nic::Frame;
use firmware_model::rss;
use host_driver::backend::model::ModelDevice;
use host_driver::backend::sim::{Backpressure, MemTiming, SimDevice};
use host_driver::device::Device;
use host_driver::device::SimulatedExt;
use nic_traffic::{as_partial, random_packet, Mix};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `NIC_TEST_SHRINK=n` divides the number of frames by n (`scripts/coverage`
/// runs the tests that way: the same kinds of frames, fewer of each).
fn shrink() -> usize {
    std::env::var("NIC_TEST_SHRINK")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1usize)
        .max(1)
}

const SLOTS: usize = 64;
const SLOT_BYTES: u64 = 9216 + 64;
const RING: u32 = 128;

#[derive(Debug, Clone)]
enum TxBuf {
    /// In the batch's slot, 8-aligned.
    Slot,
    /// Slot + 4: misaligned.
    Misaligned,
    /// Outside host memory.
    Unmapped(u64),
}

#[derive(Debug, Clone)]
struct TxItem {
    len: u32,
    buf: TxBuf,
    data: Vec<u8>,
    /// virtio_net_hdr flags, csum_start, csum_offset.
    csum: (u8, u16, u16),
}

#[derive(Debug, Clone)]
struct RxItem {
    frame: Frame,
    cap: u32,
    buf: TxBuf,
}

struct Batch {
    tx: Vec<TxItem>,
    rx: Vec<RxItem>,
}

fn frame_len(rng: &mut ChaCha8Rng) -> u32 {
    match rng.gen_range(0..10) {
        0..=2 => rng.gen_range(1..=128),
        3..=4 => rng.gen_range(1400..=1600),
        5 => rng.gen_range(9100..=9216),
        _ => rng.gen_range(1..=9216),
    }
}

fn script(seed: u64, tx_frames: usize, rx_frames: usize) -> Vec<Batch> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut tx_left, mut rx_left) = (tx_frames, rx_frames);
    let mut out = Vec::new();
    while tx_left + rx_left > 0 {
        let nt = rng.gen_range(0..=SLOTS.min(RING as usize - 1).min(tx_left));
        let nr = rng.gen_range(0..=SLOTS.min(RING as usize - 1).min(rx_left));
        let (nt, nr) = if nt + nr == 0 {
            (tx_left.min(1), rx_left.min(1))
        } else {
            (nt, nr)
        };
        tx_left -= nt;
        rx_left -= nr;
        // At most one buffer per batch straddles the end of memory, so no two overlap.
        let mut straddler = false;
        let tx = (0..nt)
            .map(|_| {
                let roll = rng.gen_range(0..100);
                let mut len = frame_len(&mut rng);
                let buf = match roll {
                    0..=1 => {
                        len = 0;
                        TxBuf::Slot
                    }
                    2 => {
                        len = limits::MAX_FRAME + rng.gen_range(1..=100);
                        TxBuf::Slot
                    }
                    3..=4 => TxBuf::Misaligned,
                    5 => TxBuf::Unmapped(MEM_END + 8 * rng.gen_range(0..1000)),
                    // Straddles the end of host memory: some bursts land, some are refused.
                    6 if !straddler => {
                        straddler = true;
                        TxBuf::Unmapped(MEM_END - 8 * rng.gen_range(1..64))
                    }
                    _ => TxBuf::Slot,
                };
                let mut data = vec![0u8; len.min(limits::MAX_FRAME) as usize];
                rng.fill(&mut data[..]);
                let mut csum = (0u8, 0u16, 0u16);
                let p = random_packet(&mut rng, &Mix::default());
                match rng.gen_range(0..10) {
                    // A packet whose checksum the NIC fills in.
                    0..=3 if matches!(buf, TxBuf::Slot) => {
                        if let Some((partial, start, off)) = as_partial(&p) {
                            len = partial.len() as u32;
                            data = partial;
                            csum = (vnet::F_NEEDS_CSUM as u8, start, off);
                        }
                    }
                    // A csum_start/offset sweep, including ones past the frame (DESC_CSUM).
                    4 => {
                        let start = rng.gen_range(0..=len.min(9300) as u16);
                        let off = rng.gen_range(0..=200);
                        csum = (vnet::F_NEEDS_CSUM as u8, start, off);
                    }
                    _ => {}
                }
                TxItem {
                    len,
                    buf,
                    data,
                    csum,
                }
            })
            .collect();
        let rx = (0..nr)
            .map(|_| {
                let data = if rng.gen_bool(0.5) {
                    random_packet(
                        &mut rng,
                        &Mix {
                            p_bad_csum: 0.2,
                            p_malformed: 0.2,
                            ..Mix::default()
                        },
                    )
                    .frame
                } else {
                    let mut d = vec![0u8; frame_len(&mut rng) as usize];
                    rng.fill(&mut d[..]);
                    d
                };
                let len = data.len();
                let bad = rng.gen_range(0..50) == 0;
                let roll = rng.gen_range(0..100);
                let (cap, buf) = match roll {
                    0..=4 => (rng.gen_range(1..=len as u32), TxBuf::Slot),
                    5..=9 => (rng.gen_range(1..=9216), TxBuf::Slot),
                    10..=11 => (0, TxBuf::Slot),
                    12..=13 => (9216, TxBuf::Misaligned),
                    14 => (9216, TxBuf::Unmapped(MEM_END + 8 * rng.gen_range(0..1000))),
                    _ => (9216, TxBuf::Slot),
                };
                RxItem {
                    frame: Frame { data, bad },
                    cap,
                    buf,
                }
            })
            .collect();
        out.push(Batch { tx, rx });
    }
    out
}

/// Writes item `it`'s frame at `a` (whatever part of the buffer lies in host
/// memory) and returns its TX descriptor.
fn stage_tx(dev: &mut dyn Device, a: u64, it: &TxItem) -> [u8; txd::SIZE] {
    let inside = MEM_END.saturating_sub(a).min(it.data.len() as u64) as usize;
    if inside > 0 {
        dev.mem_write(DmaAddr(a), &it.data[..inside]).unwrap();
    }
    txd::TxDesc {
        addr: a,
        len: it.len,
        vnet_flags: it.csum.0,
        csum_start: it.csum.1,
        csum_offset: it.csum.2,
        ..Default::default()
    }
    .encode()
}

/// Lets the last TX frames leave the stream FIFOs: runs 50 us with the
/// interrupt masked, so the wait cannot end early.
fn let_tx_drain(dev: &mut dyn Device) {
    dev.write32(reg::IRQ_MASK, 0).unwrap();
    // A register read takes a few cycles, by which the line has dropped.
    dev.read32(reg::IRQ_MASK).unwrap();
    dev.wait_irq(50_000).unwrap();
    dev.write32(reg::IRQ_MASK, 0x7).unwrap();
}

/// The first index where `a` and `b` differ, in words.
fn diff<T: PartialEq + std::fmt::Debug>(what: &str, a: &[T], b: &[T]) -> Option<String> {
    if let Some(i) = a.iter().zip(b).position(|(x, y)| x != y) {
        let show = |v: &T| format!("{v:?}").chars().take(300).collect::<String>();
        return Some(format!(
            "{what} {i}: model {} / sim {}",
            show(&a[i]),
            show(&b[i])
        ));
    }
    (a.len() != b.len()).then(|| format!("{what}: model has {}, sim has {}", a.len(), b.len()))
}

/// The harness profiles the differential tests run under, by name.
fn profile(name: &str) -> Backpressure {
    match name {
        "coin" => Backpressure::random(),
        "none" => Backpressure::none(),
        "bursty" => Backpressure::bursty(),
        "per-channel" => Backpressure::per_channel(),
        // The pipelined engines at their deepest: a PCIe-like latency with coin stalls and
        // reordering on top.
        "coin, 2 us" => Backpressure::random().with_mem(MemTiming {
            jitter_ns: 500,
            reorder: true,
            ..MemTiming::with_latency_ns(2_000)
        }),
        other => panic!("no profile {other}"),
    }
}

/// Everything observable a run produced.
#[derive(Debug, Default, PartialEq)]
struct Trace {
    wire: Vec<(usize, bool, Option<Vec<u8>>)>,
    tx_cpls: Vec<[u8; cpl::SIZE]>,
    rx_cpls: Vec<[u8; cpl::SIZE]>,
    rx_data: Vec<Vec<u8>>,
    counters: Vec<u64>,
    err_cause: u32,
}

fn run(dev: &mut dyn Device, batches: &[Batch]) -> Result<Trace, String> {
    let mut tx = setup_queue(dev, false, RING);
    let mut rx = setup_queue(dev, true, RING);
    dev.write32(reg::IRQ_MASK, 0x7).unwrap();
    let tx_pool = dev.dma_alloc_at(SLOTS * SLOT_BYTES as usize, 64).unwrap();
    let rx_pool = dev.dma_alloc_at(SLOTS * SLOT_BYTES as usize, 64).unwrap();
    let addr = |pool: DmaAddr, i: usize, b: &TxBuf| match b {
        TxBuf::Slot => pool.0 + i as u64 * SLOT_BYTES,
        TxBuf::Misaligned => pool.0 + i as u64 * SLOT_BYTES + 4,
        TxBuf::Unmapped(a) => *a,
    };
    let mut t = Trace::default();
    for (bn, b) in batches.iter().enumerate() {
        for (i, it) in b.tx.iter().enumerate() {
            let d = stage_tx(dev, addr(tx_pool, i, &it.buf), it);
            post(dev, &mut tx, &d);
        }
        for (i, it) in b.rx.iter().enumerate() {
            post(dev, &mut rx, &rx_desc(addr(rx_pool, i, &it.buf), it.cap));
            dev.wire_send(it.frame.clone()).unwrap();
        }
        if !b.tx.is_empty() {
            doorbell(dev, &tx);
        }
        if !b.rx.is_empty() {
            doorbell(dev, &rx);
        }
        let (mut got_tx, mut got_rx) = (Vec::new(), Vec::new());
        let deadline = dev.now_ns() + 50_000_000;
        while got_tx.len() < b.tx.len() || got_rx.len() < b.rx.len() {
            if dev.now_ns() > deadline {
                return Err(format!(
                    "batch {bn}: only {}/{} TX and {}/{} RX completions after 50 ms of device time",
                    got_tx.len(),
                    b.tx.len(),
                    got_rx.len(),
                    b.rx.len()
                ));
            }
            let cause = dev.read32(reg::IRQ_CAUSE).unwrap();
            dev.write32(reg::IRQ_CAUSE, cause).unwrap();
            while let Some(c) = take_cpl(dev, &mut tx) {
                got_tx.push(c);
            }
            while let Some(c) = take_cpl(dev, &mut rx) {
                got_rx.push(c);
            }
            if got_tx.len() < b.tx.len() || got_rx.len() < b.rx.len() {
                dev.wait_irq(20_000).unwrap();
            }
        }
        let_tx_drain(dev);
        while let Some(f) = dev.wire_recv() {
            let data = (!f.bad).then(|| f.data.clone());
            t.wire.push((f.data.len(), f.bad, data));
        }
        for (i, c) in got_rx.iter().enumerate() {
            let errors = u32::from(Completion::decode(c).errors);
            let len = Completion::decode(c).len as usize;
            let it = &b.rx[i];
            if errors & !(err::RX_TOO_BIG | err::RX_FRAME) == 0 {
                let mut d = vec![0u8; len.min(it.cap as usize)];
                dev.mem_read(DmaAddr(addr(rx_pool, i, &it.buf)), &mut d)
                    .unwrap();
                t.rx_data.push(d);
            }
        }
        t.tx_cpls.extend(got_tx);
        t.rx_cpls.extend(got_rx);
    }
    for it in firmware_model::contract::STATS.items {
        t.counters.push(stat(dev, it.value as u32));
    }
    t.err_cause = dev.read32(reg::ERR_CAUSE).unwrap();
    Ok(t)
}

/// The first place two traces differ, in words.
fn first_difference(m: &Trace, s: &Trace) -> Option<String> {
    diff("wire frame", &m.wire, &s.wire)
        .or_else(|| diff("TX completion", &m.tx_cpls, &s.tx_cpls))
        .or_else(|| diff("RX completion", &m.rx_cpls, &s.rx_cpls))
        .or_else(|| diff("RX buffer", &m.rx_data, &s.rx_data))
        .or_else(|| diff("counter", &m.counters, &s.counters))
        .or_else(|| {
            (m.err_cause != s.err_cause)
                .then(|| format!("ERR_CAUSE model {:#x} sim {:#x}", m.err_cause, s.err_cause))
        })
}

/// The good frames must also be the bytes the script sent (not merely equal
/// between two implementations).
fn check_against_script(t: &Trace, batches: &[Batch]) {
    let sent: Vec<&TxItem> = batches
        .iter()
        .flat_map(|b| &b.tx)
        .filter(|it| {
            let mapped = match it.buf {
                TxBuf::Slot => true,
                TxBuf::Misaligned => false,
                TxBuf::Unmapped(a) => a + it.len as u64 <= MEM_END,
            };
            let (flags, start, off) = it.csum;
            let csum_fits =
                flags & vnet::F_NEEDS_CSUM as u8 == 0 || start as u32 + off as u32 + 2 <= it.len;
            mapped && (1..=limits::MAX_FRAME).contains(&it.len) && csum_fits
        })
        .collect();
    let good: Vec<&Vec<u8>> = t.wire.iter().filter_map(|(_, _, d)| d.as_ref()).collect();
    assert_eq!(good.len(), sent.len(), "good frames on the wire");
    for (i, (g, s)) in good.iter().zip(&sent).enumerate() {
        // With tx-checksum-ip-generic on (the reset default), NEEDS_CSUM
        // frames leave with their checksums filled in per the model.
        let mut want = s.data.clone();
        if s.csum.0 & vnet::F_NEEDS_CSUM as u8 != 0 {
            firmware_model::csum::tx_checksum(&mut want, s.csum.1 as usize, s.csum.2 as usize)
                .expect("only descriptors whose checksum fits are sent");
        }
        if **g != want {
            let at = g.iter().zip(&want).position(|(a, b)| a != b);
            panic!(
                "good wire frame {i} ({:?}, {} bytes, {} came back) differs from what was posted, first at byte {at:?}",
                s.buf,
                s.len,
                g.len()
            );
        }
    }
    let frames: Vec<&RxItem> = batches.iter().flat_map(|b| &b.rx).collect();
    let good_rx = t
        .rx_cpls
        .iter()
        .zip(&frames)
        .filter(|(c, _)| u32::from(Completion::decode(c).errors) == 0)
        .count();
    assert_eq!(
        t.counters[2] as usize, good_rx,
        "RX_FRAMES counts the error-free completions"
    );
    assert!(
        good_rx * 10 > frames.len() * 7,
        "most RX frames should be delivered: {good_rx}/{}",
        frames.len()
    );
}

/// The script through the model and through the RTL under `bp`: identical wire frames,
/// completions, RX buffers, counters and ERR_CAUSE, and the model's result matches the script.
fn model_and_rtl_agree(profile: &str, default_seed: u64) {
    let bp = self::profile(profile);
    let seed = seed(default_seed);
    let batches = script(seed, 10_000 / shrink(), 10_000 / shrink());
    let mut model = ModelDevice::new();
    let m = run(&mut model, &batches).expect("model run");
    let mut sim = SimDevice::with_backpressure(seed, bp);
    let s =
        run(&mut sim, &batches).unwrap_or_else(|e| panic!("sim run ({profile}, seed {seed}): {e}"));
    assert!(
        sim.sim.protocol_errors.is_empty(),
        "RTL protocol breaches ({profile}): {:?}",
        &sim.sim.protocol_errors[..sim.sim.protocol_errors.len().min(5)]
    );
    if let Some(d) = first_difference(&m, &s) {
        panic!("model and RTL differ ({profile}, seed {seed}): {d}");
    }
    check_against_script(&m, &batches);
    let errs = m
        .tx_cpls
        .iter()
        .chain(&m.rx_cpls)
        .filter(|c| u32::from(Completion::decode(c).errors) != 0)
        .count();
    eprintln!(
        "{profile}: {} wire frames, {} TX and {} RX completions ({errs} with errors), MALFORMED {}",
        m.wire.len(),
        m.tx_cpls.len(),
        m.rx_cpls.len(),
        m.counters[(stat::MALFORMED - stat::TX_FRAMES) as usize / 8]
    );
}

#[test]
fn model_and_rtl_agree_on_10000_frames_each_way_under_backpressure() {
    // "coin": frequent random stalls on every channel, 4-96 ns memory, read data and B
    // responses reordered across IDs.
    model_and_rtl_agree("coin", 0x5eed_0001);
}

#[test]
fn model_and_rtl_agree_with_no_stalls() {
    model_and_rtl_agree("none", 0x5eed_0002);
}

#[test]
fn model_and_rtl_agree_under_bursty_stalls() {
    model_and_rtl_agree("bursty", 0x5eed_0003);
}

#[test]
fn model_and_rtl_agree_under_per_channel_stalls() {
    model_and_rtl_agree("per-channel", 0x5eed_0004);
}

#[test]
fn model_and_rtl_agree_with_a_2_us_memory_and_stalls() {
    model_and_rtl_agree("coin, 2 us", 0x5eed_0005);
}

// ---------------------------------------------------------------------------------------------
// Several queues with RSS: the same script spread over every TX queue, RX frames steered by a
// seeded indirection table (one RX queue left disabled, so RSS drops too). TX frames of
// different queues may leave in a different order on the two implementations (the RTL's queues
// take turns per fetched block), so the wire is checked per queue: each implementation's wire must
// be an interleaving of the per-queue sequences the script implies, and those per-queue sequences,
// every completion of every ring, the RX buffers and every counter (global and per queue) must be
// identical.
// ---------------------------------------------------------------------------------------------

/// The RX queue the multi-queue run leaves disabled.
const MQ_DISABLED_RX: u32 = 7;

/// What the script puts on the wire for one TX item: (length, aborted, bytes unless aborted).
type WireFrame = (usize, bool, Option<Vec<u8>>);

fn expected_wire(it: &TxItem) -> Option<WireFrame> {
    if it.len == 0 || it.len > limits::MAX_FRAME {
        return None;
    }
    let (flags, start, off) = it.csum;
    let csum = flags & vnet::F_NEEDS_CSUM as u8 != 0;
    if csum && start as u32 + off as u32 + 2 > it.len {
        return None;
    }
    let whole = match it.buf {
        TxBuf::Slot => true,
        TxBuf::Misaligned => return None,
        TxBuf::Unmapped(a) => a + it.len as u64 <= MEM_END,
    };
    if !whole {
        return Some((it.len as usize, true, None));
    }
    let mut data = it.data.clone();
    if csum {
        firmware_model::csum::tx_checksum(&mut data, start as usize, off as usize).ok()?;
    }
    Some((data.len(), false, Some(data)))
}

#[derive(Debug, Default, PartialEq)]
struct MqTrace {
    /// Wire frames per TX queue, in the order that queue sent them.
    wire: Vec<Vec<WireFrame>>,
    tx_cpls: Vec<Vec<[u8; cpl::SIZE]>>,
    rx_cpls: Vec<Vec<[u8; cpl::SIZE]>>,
    rx_data: Vec<Vec<Vec<u8>>>,
    counters: Vec<u64>,
    queue_counters: Vec<u32>,
    err_cause: u32,
}

/// The RX queue of each frame, as RSS picks it under `table` and the reset key.
fn rx_queue_of(frame: &[u8], table: &rss::Indirection) -> u32 {
    u32::from(rss::rx_rss(frame, &rss::VERIFICATION_KEY, table).queue)
}

fn run_mq(
    dev: &mut dyn Device,
    batches: &[Batch],
    tx_q: &[u32],
    table: &rss::Indirection,
) -> Result<MqTrace, String> {
    let n = (dev.read32(reg::QUEUES).unwrap() & queues_reg::COUNT_MASK) as usize;
    if n != limits::NUM_TXQ as usize {
        return Err(format!(
            "QUEUES says {n} TX queues, the contract {}",
            limits::NUM_TXQ
        ));
    }
    let mut txs: Vec<Queue> = (0..n as u32)
        .map(|q| setup_queue_n(dev, false, q, RING))
        .collect();
    let mut rxs: Vec<Queue> = (0..n as u32)
        .map(|q| setup_queue_n(dev, true, q, RING))
        .collect();
    dev.write32(rxq(MQ_DISABLED_RX, qreg::CTRL), 0).unwrap();
    for (w, e) in table.chunks(4).enumerate() {
        let v = u32::from_le_bytes([e[0], e[1], e[2], e[3]]);
        dev.write32(reg::RSS_INDIR + 4 * w as u32, v).unwrap();
    }
    dev.write32(reg::IRQ_MASK, 0x7).unwrap();
    let tx_pool = dev.dma_alloc_at(SLOTS * SLOT_BYTES as usize, 64).unwrap();
    let rx_pool = dev.dma_alloc_at(SLOTS * SLOT_BYTES as usize, 64).unwrap();
    let addr = |pool: DmaAddr, i: usize, b: &TxBuf| match b {
        TxBuf::Slot => pool.0 + i as u64 * SLOT_BYTES,
        TxBuf::Misaligned => pool.0 + i as u64 * SLOT_BYTES + 4,
        TxBuf::Unmapped(a) => *a,
    };
    let mut t = MqTrace {
        wire: vec![Vec::new(); n],
        tx_cpls: vec![Vec::new(); n],
        rx_cpls: vec![Vec::new(); n],
        rx_data: vec![Vec::new(); n],
        ..MqTrace::default()
    };
    let mut k = 0; // index into tx_q over the whole script
    for (bn, b) in batches.iter().enumerate() {
        let mut want_tx = vec![0usize; n];
        let mut expect: Vec<std::collections::VecDeque<WireFrame>> = vec![Default::default(); n];
        for (i, it) in b.tx.iter().enumerate() {
            let q = tx_q[k] as usize;
            k += 1;
            let d = stage_tx(dev, addr(tx_pool, i, &it.buf), it);
            post(dev, &mut txs[q], &d);
            want_tx[q] += 1;
            expect[q].extend(expected_wire(it));
        }
        let mut want_rx = vec![0usize; n];
        // (queue, slot) of each RX frame that gets a buffer, in frame order per queue.
        let mut rx_slots: Vec<Vec<(usize, u32)>> = vec![Vec::new(); n];
        for (i, it) in b.rx.iter().enumerate() {
            let q = rx_queue_of(&it.frame.data, table);
            if q != MQ_DISABLED_RX {
                post(
                    dev,
                    &mut rxs[q as usize],
                    &rx_desc(addr(rx_pool, i, &it.buf), it.cap),
                );
                want_rx[q as usize] += 1;
                rx_slots[q as usize].push((i, it.cap));
            }
            dev.wire_send(it.frame.clone()).unwrap();
        }
        for q in 0..n {
            if want_tx[q] > 0 {
                doorbell(dev, &txs[q]);
            }
            if want_rx[q] > 0 {
                doorbell(dev, &rxs[q]);
            }
        }
        let mut got_tx: Vec<Vec<[u8; cpl::SIZE]>> = vec![Vec::new(); n];
        let mut got_rx: Vec<Vec<[u8; cpl::SIZE]>> = vec![Vec::new(); n];
        let done =
            |g: &[Vec<[u8; cpl::SIZE]>], w: &[usize]| g.iter().zip(w).all(|(g, w)| g.len() >= *w);
        let deadline = dev.now_ns() + 50_000_000;
        while !done(&got_tx, &want_tx) || !done(&got_rx, &want_rx) {
            if dev.now_ns() > deadline {
                let c = |g: &[Vec<[u8; cpl::SIZE]>]| g.iter().map(Vec::len).collect::<Vec<_>>();
                return Err(format!(
                    "batch {bn}: TX completions {:?} of {want_tx:?}, RX {:?} of {want_rx:?} after 50 ms of device time",
                    c(&got_tx),
                    c(&got_rx)
                ));
            }
            let cause = dev.read32(reg::IRQ_CAUSE).unwrap();
            dev.write32(reg::IRQ_CAUSE, cause).unwrap();
            for q in 0..n {
                while let Some(c) = take_cpl(dev, &mut txs[q]) {
                    got_tx[q].push(c);
                }
                while let Some(c) = take_cpl(dev, &mut rxs[q]) {
                    got_rx[q].push(c);
                }
            }
            if !done(&got_tx, &want_tx) || !done(&got_rx, &want_rx) {
                dev.wait_irq(20_000).unwrap();
            }
        }
        let_tx_drain(dev);
        // Each wire frame must be the next one some queue owes.
        let mut wn = 0;
        while let Some(f) = dev.wire_recv() {
            let got: WireFrame = (f.data.len(), f.bad, (!f.bad).then(|| f.data.clone()));
            let Some(q) = (0..n).find(|&q| expect[q].front() == Some(&got)) else {
                return Err(format!(
                    "batch {bn}: wire frame {wn} ({} bytes, aborted {}) is no queue's next frame",
                    got.0, got.1
                ));
            };
            expect[q].pop_front();
            t.wire[q].push(got);
            wn += 1;
        }
        if let Some(q) = (0..n).find(|&q| !expect[q].is_empty()) {
            return Err(format!(
                "batch {bn}: TX queue {q} still owes {} wire frames",
                expect[q].len()
            ));
        }
        for q in 0..n {
            for (c, &(i, cap)) in got_rx[q].iter().zip(&rx_slots[q]) {
                let errors = u32::from(Completion::decode(c).errors);
                let len = Completion::decode(c).len as usize;
                if errors & !(err::RX_TOO_BIG | err::RX_FRAME) == 0 {
                    let mut d = vec![0u8; len.min(cap as usize)];
                    dev.mem_read(DmaAddr(addr(rx_pool, i, &b.rx[i].buf)), &mut d)
                        .unwrap();
                    t.rx_data[q].push(d);
                }
            }
            t.tx_cpls[q].append(&mut got_tx[q]);
            t.rx_cpls[q].append(&mut got_rx[q]);
        }
    }
    for it in firmware_model::contract::STATS.items {
        t.counters.push(stat(dev, it.value as u32));
    }
    for q in 0..n as u32 {
        for off in [txq(q, 0), rxq(q, 0)] {
            for r in [
                qreg::FRAMES_LO,
                qreg::FRAMES_HI,
                qreg::BYTES_LO,
                qreg::BYTES_HI,
                qreg::ERRORS,
                qreg::DROPPED,
            ] {
                t.queue_counters.push(dev.read32(off + r).unwrap());
            }
        }
    }
    t.err_cause = dev.read32(reg::ERR_CAUSE).unwrap();
    Ok(t)
}

fn mq_first_difference(m: &MqTrace, s: &MqTrace) -> Option<String> {
    for q in 0..m.wire.len() {
        let d = diff(&format!("TX queue {q} wire frame"), &m.wire[q], &s.wire[q])
            .or_else(|| {
                diff(
                    &format!("TX queue {q} completion"),
                    &m.tx_cpls[q],
                    &s.tx_cpls[q],
                )
            })
            .or_else(|| {
                diff(
                    &format!("RX queue {q} completion"),
                    &m.rx_cpls[q],
                    &s.rx_cpls[q],
                )
            })
            .or_else(|| {
                diff(
                    &format!("RX queue {q} buffer"),
                    &m.rx_data[q],
                    &s.rx_data[q],
                )
            });
        if d.is_some() {
            return d;
        }
    }
    diff("counter", &m.counters, &s.counters)
        .or_else(|| diff("queue counter", &m.queue_counters, &s.queue_counters))
        .or_else(|| {
            (m.err_cause != s.err_cause)
                .then(|| format!("ERR_CAUSE model {:#x} sim {:#x}", m.err_cause, s.err_cause))
        })
}

fn mq_model_and_rtl_agree(profile: &str, default_seed: u64) {
    let bp = self::profile(profile);
    let seed = seed(default_seed);
    let batches = script(seed, 10_000 / shrink(), 10_000 / shrink());
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0051_7e55);
    let n = limits::NUM_TXQ;
    let tx_q: Vec<u32> = batches
        .iter()
        .flat_map(|b| &b.tx)
        .map(|_| rng.gen_range(0..n))
        .collect();
    let mut table = [0u8; rss::INDIRECTION_LEN];
    table
        .iter_mut()
        .for_each(|e| *e = rng.gen_range(0..n) as u8);
    let mut model = ModelDevice::new();
    let m = run_mq(&mut model, &batches, &tx_q, &table).expect("model run");
    let mut sim = SimDevice::with_backpressure(seed, bp);
    let s = run_mq(&mut sim, &batches, &tx_q, &table)
        .unwrap_or_else(|e| panic!("sim run ({profile}, several queues, seed {seed}): {e}"));
    assert!(
        sim.sim.protocol_errors.is_empty(),
        "RTL protocol breaches ({profile}): {:?}",
        &sim.sim.protocol_errors[..sim.sim.protocol_errors.len().min(5)]
    );
    if let Some(d) = mq_first_difference(&m, &s) {
        panic!("model and RTL differ ({profile}, several queues, seed {seed}): {d}");
    }
    // Every queue carried traffic both ways (the disabled RX queue only drops).
    for q in 0..n as usize {
        assert!(!m.wire[q].is_empty(), "TX queue {q} sent nothing");
        if q as u32 != MQ_DISABLED_RX {
            assert!(!m.rx_cpls[q].is_empty(), "RX queue {q} received nothing");
        }
    }
    let dropped = m.queue_counters[(MQ_DISABLED_RX as usize * 2 + 1) * 6 + 5];
    assert!(dropped > 0, "RSS dropped frames for the disabled queue");
    eprintln!(
        "{profile}, {n} queues: TX per queue {:?}, RX per queue {:?}, {dropped} dropped for disabled RX queue {MQ_DISABLED_RX}",
        m.wire.iter().map(Vec::len).collect::<Vec<_>>(),
        m.rx_cpls.iter().map(Vec::len).collect::<Vec<_>>(),
    );
}

#[test]
fn several_queues_with_rss_agree_under_coin_stalls() {
    mq_model_and_rtl_agree("coin", 0x5eed_0101);
}

#[test]
fn several_queues_with_rss_agree_with_no_stalls() {
    mq_model_and_rtl_agree("none", 0x5eed_0102);
}

#[test]
fn several_queues_with_rss_agree_under_bursty_stalls() {
    mq_model_and_rtl_agree("bursty", 0x5eed_0103);
}

#[test]
fn several_queues_with_rss_agree_under_per_channel_stalls() {
    mq_model_and_rtl_agree("per-channel", 0x5eed_0104);
}

#[test]
fn several_queues_with_rss_agree_with_a_2_us_memory_and_stalls() {
    mq_model_and_rtl_agree("coin, 2 us", 0x5eed_0105);
}
