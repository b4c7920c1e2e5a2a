//! `nicctl selftest`: random frames through a loopback, checked byte for byte.

use crate::device::{Device, SimulatedExt, WirePlug};
use crate::driver::{read_rss_key, Driver, DriverError, RingConfig, RxFrame};
use crate::offload::{complete_sum, CsumRequest};
use firmware_model::contract::{cap, verdict};
use firmware_model::rss;
use nic_traffic::{as_partial, random_packet, Mix};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use stack::checksum;
use std::collections::{BTreeMap, VecDeque};

/// Where the frames turn around.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loopback {
    /// Inside the NIC, at the MAC (CTRL.LOOPBACK).
    Mac,
    /// A loopback connector on the wire port (simulated devices only).
    Wire,
}

#[derive(Debug, Clone)]
pub struct SelftestConfig {
    pub frames: u64,
    pub min_len: usize,
    pub max_len: usize,
    pub seed: u64,
    pub loopback: Loopback,
    /// Test-only fault: the wire connector corrupts this frame (counted on
    /// the wire: with one TX queue, the frame of that send index).
    pub corrupt_frame: Option<u64>,
    /// Queue pairs to use (`RingConfig::queues`): `None` all the NIC has.
    pub queues: Option<u32>,
}

impl Default for SelftestConfig {
    fn default() -> Self {
        SelftestConfig {
            frames: 1000,
            min_len: 60,
            max_len: 9000,
            seed: 1,
            loopback: Loopback::Mac,
            corrupt_frame: None,
            queues: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelftestReport {
    pub frames_sent: u64,
    pub frames_ok: u64,
    pub bytes: u64,
    pub device_ns: u64,
    /// The first thing that went wrong, naming the frame; None means PASS.
    pub first_failure: Option<String>,
    pub failures: u64,
    /// Checksums the NIC filled in / the driver completed in software.
    pub tx_csum_hw: u64,
    pub tx_csum_sw: u64,
    /// Received packets whose checksum the NIC verified / the host verified.
    pub rx_csum_hw: u64,
    pub rx_csum_sw: u64,
    /// Frames received on each RX queue in use, by queue number.
    pub rx_queue_frames: Vec<u64>,
}

impl SelftestReport {
    pub fn passed(&self) -> bool {
        self.first_failure.is_none()
    }
}

/// One test frame: what the host hands the driver, and what must come back.
pub struct TestFrame {
    /// The bytes the driver is given (a `CHECKSUM_PARTIAL` packet when `csum` is set).
    pub send: Vec<u8>,
    /// The bytes the wire must carry and the receiver must get.
    pub wire: Vec<u8>,
    pub csum: Option<CsumRequest>,
}

/// The `index`-th test frame of a run: half raw frames (an Ethernet header
/// between two locally administered addresses, EtherType 0x88B5, random
/// payload), half IPv4/IPv6 TCP/UDP packets whose checksum is left to the
/// NIC (or to software when the offload is off).
pub fn test_frame(rng: &mut ChaCha8Rng, index: u64, min: usize, max: usize) -> TestFrame {
    if max >= 200 && rng.gen_bool(0.5) {
        let mix = Mix {
            max_payload: rng.gen_range(0..=max - 130),
            p_bad_csum: 0.0,
            p_malformed: 0.0,
        };
        let p = random_packet(rng, &mix);
        if let Some((send, start, offset)) = as_partial(&p) {
            return TestFrame {
                send,
                wire: p.frame,
                csum: Some(CsumRequest { start, offset }),
            };
        }
    }
    let len = rng.gen_range(min..=max);
    let mut f = vec![0u8; len];
    rng.fill(&mut f[..]);
    let hdr = [0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x88, 0xb5];
    let n = hdr.len().min(len);
    f[..n].copy_from_slice(&hdr[..n]);
    if len >= 22 {
        f[14..22].copy_from_slice(&index.to_be_bytes());
    }
    TestFrame {
        send: f.clone(),
        wire: f,
        csum: None,
    }
}

/// The frames in flight, by lane: the TX queue the driver put a frame on
/// and the RX queue RSS will steer it to. A TX queue sends in order and an RX
/// queue delivers in port order, so within a lane frames come back in the
/// order they were sent; across lanes they interleave as the NIC's TX round
/// robin and the driver's RX round robin make them.
#[derive(Default)]
struct InFlight {
    lanes: BTreeMap<(u32, u32), VecDeque<(u64, TestFrame)>>,
    len: usize,
}

impl InFlight {
    fn push(&mut self, lane: (u32, u32), i: u64, f: TestFrame) {
        self.lanes.entry(lane).or_default().push_back((i, f));
        self.len += 1;
    }

    /// The oldest frame still out.
    fn oldest(&self) -> Option<u64> {
        self.lanes
            .values()
            .filter_map(|l| l.front())
            .map(|(i, _)| *i)
            .min()
    }

    /// The frame `got` (received on RX queue `queue`) is: the lane front it
    /// equals, preferably of its own RX queue; failing that, the front most
    /// like it (same length, fewest differing bytes), so that a damaged frame
    /// is named. With the lane's RX queue.
    fn take(&mut self, queue: u32, got: &[u8]) -> Option<(u64, TestFrame, u32)> {
        let score = |lane: (u32, u32), i: u64, f: &TestFrame| {
            let diff = if f.wire.len() == got.len() {
                f.wire.iter().zip(got).filter(|(a, b)| a != b).count()
            } else {
                usize::MAX
            };
            (diff, lane.1 != queue, i)
        };
        let lane = self
            .lanes
            .iter()
            .filter_map(|(lane, l)| l.front().map(|(i, f)| (*lane, score(*lane, *i, f))))
            .min_by_key(|(_, s)| *s)?
            .0;
        let l = self.lanes.get_mut(&lane)?;
        let (i, f) = l.pop_front()?;
        if l.is_empty() {
            self.lanes.remove(&lane);
        }
        self.len -= 1;
        Some((i, f, lane.1))
    }
}

/// Sends `cfg.frames` frames through the chosen loopback, over every queue
/// the NIC has, and checks each: bytes, checksum offload results, and that
/// it came back on the RX queue RSS names for it.
pub fn run<D: Device>(
    drv: &mut Driver<D>,
    cfg: &SelftestConfig,
) -> Result<SelftestReport, DriverError> {
    let start_ns = drv.device().now_ns();
    match cfg.loopback {
        Loopback::Mac => drv.set_loopback(true)?,
        Loopback::Wire => {
            drv.set_loopback(false)?;
            drv.device()
                .set_wire_plug(Some(WirePlug::new(cfg.corrupt_frame)))?;
        }
    }
    let rings = RingConfig {
        queues: cfg.queues,
        ..RingConfig::default()
    };
    drv.start(rings)?;
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let rx_csum = drv.caps().features & cap::RX_CSUM != 0;
    let rx_hash = drv.caps().features & cap::RXHASH != 0;
    let key = read_rss_key(drv.device())?;
    let table = drv.rss_indir()?;
    let rx_queue_of = |wire: &[u8]| {
        if rx_hash {
            u32::from(rss::rx_rss(wire, &key, &table).queue)
        } else {
            0
        }
    };
    let mut expected = InFlight::default();
    let mut report = SelftestReport {
        rx_csum_hw: 0,
        rx_csum_sw: 0,
        tx_csum_hw: 0,
        tx_csum_sw: 0,
        frames_sent: 0,
        frames_ok: 0,
        bytes: 0,
        device_ns: 0,
        first_failure: None,
        failures: 0,
        rx_queue_frames: vec![0; drv.rx_queues() as usize],
    };
    let mut next = 0u64;
    let mut idle_polls = 0;
    let in_flight_max = rings.rx_entries.min(rings.tx_entries) as usize - 1;
    while next < cfg.frames || expected.len > 0 {
        while next < cfg.frames && expected.len < in_flight_max && drv.tx_space() > 0 {
            let f = test_frame(&mut rng, next, cfg.min_len, cfg.max_len);
            let lane = (drv.tx_queue_of(&f.send), rx_queue_of(&f.wire));
            drv.send(&f.send, f.csum)?;
            expected.push(lane, next, f);
            next += 1;
            report.frames_sent += 1;
        }
        let fired = drv.poll(1_000_000)?;
        let mut got_any = false;
        while let Some(rx) = drv.receive() {
            got_any = true;
            let q = u32::from(rx.queue);
            if let Some(n) = report.rx_queue_frames.get_mut(q as usize) {
                *n += 1;
            }
            let Some((i, want, want_q)) = expected.take(q, &rx.data) else {
                fail(&mut report, "a frame arrived that was never sent".into());
                continue;
            };
            let why = compare(&want.wire, &rx.data, rx.cpl.len, rx.cpl.errors)
                .or_else(|| {
                    (q != want_q).then(|| format!("arrived on RX queue {q}, RSS names {want_q}"))
                })
                .or_else(|| check_csum(&want, &rx, rx_csum, &mut report));
            match why {
                None => {
                    report.frames_ok += 1;
                    report.bytes += want.wire.len() as u64;
                }
                Some(why) => fail(
                    &mut report,
                    format!("frame {i} ({} bytes): {why}", want.wire.len()),
                ),
            }
        }
        if let Some(f) = drv.tx_failures.first() {
            let msg = format!(
                "TX queue {} descriptor {} completed with {}",
                f.queue,
                f.index,
                firmware_model::contract::err::names(f.errors as u32).join("|")
            );
            fail(&mut report, msg);
            drv.tx_failures.clear();
        }
        idle_polls = if got_any || fired { 0 } else { idle_polls + 1 };
        if idle_polls >= 3 {
            let i = expected.oldest().unwrap_or(next);
            fail(
                &mut report,
                format!("frame {i} never came back (no progress for 3 ms of device time)"),
            );
            break;
        }
    }
    report.device_ns = drv.device().now_ns() - start_ns;
    report.tx_csum_hw = drv.tx_csum_offloaded;
    report.tx_csum_sw = drv.tx_csum_software;
    if let Some(e) = drv.device().protocol_errors().first() {
        fail(&mut report, format!("interface protocol breach: {e}"));
    }
    let stats = drv.stats()?;
    let get = |n: &str| stats.iter().find(|(k, _)| *k == n).map_or(0, |(_, v)| *v);
    if report.passed() && (get("TX_FRAMES") != cfg.frames || get("RX_FRAMES") != cfg.frames) {
        let msg = format!(
            "counters disagree: TX_FRAMES {} RX_FRAMES {}, {} frames were sent",
            get("TX_FRAMES"),
            get("RX_FRAMES"),
            cfg.frames
        );
        fail(&mut report, msg);
    }
    Ok(report)
}

/// The checksum side of a received frame: with `rx-checksumming` on, the
/// NIC's verdict and CHECKSUM_COMPLETE sum must be right; with it off they
/// must be absent, and the host verifies the L4 checksum itself.
fn check_csum(
    want: &TestFrame,
    rx: &RxFrame,
    rx_csum: bool,
    r: &mut SelftestReport,
) -> Option<String> {
    let (verdict, sum) = (rx.cpl.csum_verdict, rx.cpl.csum);
    if !rx_csum {
        if verdict != verdict::NOT_CHECKED || sum != 0 {
            return Some(format!(
                "rx-checksumming is off but the completion has verdict {verdict}, sum {sum:#06x}"
            ));
        }
        if let Some(req) = want.csum {
            // Software verification: the L4 range plus the pseudo-header sum
            // (which the sender left in the field) folds to all ones.
            let at = (req.start + req.offset) as usize;
            let pseudo = u16::from_be_bytes([want.send[at], want.send[at + 1]]);
            if checksum::combine(&[checksum::data(&rx.data[req.start as usize..]), pseudo])
                != 0xffff
            {
                return Some("software L4 checksum verification failed".into());
            }
            r.rx_csum_sw += 1;
        }
        return None;
    }
    let want_verdict = if want.csum.is_some() {
        verdict::GOOD
    } else {
        verdict::NOT_CHECKED
    };
    if verdict != want_verdict {
        return Some(format!(
            "checksum verdict {verdict}, expected {want_verdict}"
        ));
    }
    if sum != complete_sum(&want.wire) {
        return Some(format!(
            "CHECKSUM_COMPLETE sum {sum:#06x}, expected {:#06x}",
            complete_sum(&want.wire)
        ));
    }
    if want.csum.is_some() {
        r.rx_csum_hw += 1;
    }
    None
}

fn fail(r: &mut SelftestReport, msg: String) {
    r.failures += 1;
    r.first_failure.get_or_insert(msg);
}

/// Why `got` is not `want`, or None when it is.
fn compare(want: &[u8], got: &[u8], cpl_len: u32, errors: u16) -> Option<String> {
    if errors != 0 {
        return Some(format!(
            "completion reports {}",
            firmware_model::contract::err::names(errors as u32).join("|")
        ));
    }
    if cpl_len as usize != want.len() || got.len() != want.len() {
        return Some(format!(
            "came back with {} bytes (completion says {cpl_len})",
            got.len()
        ));
    }
    let at = want.iter().zip(got).position(|(a, b)| a != b)?;
    Some(format!(
        "byte {at} differs: sent {:#04x}, received {:#04x}",
        want[at], got[at]
    ))
}
