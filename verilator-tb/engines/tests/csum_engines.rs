//! Checksum engines against the model, at 64 and 512 bits: 100,000 random
//! frames per direction and width — IPv4/IPv6, TCP/UDP, VLAN, IPv4 options,
//! IPv6 extension headers, odd lengths, padding, a csum_start/csum_offset
//! sweep, and malformed frames (truncated, bad IHL, lying lengths, fragments,
//! unknown protocols, garbage) — under random backpressure on every stream.
//! Replay with `TEST_SEED=<printed seed>`.

use engine_tb::{run_rx_csum, run_tx_csum, Backpressure, RxResult, TxJob, Width};
use firmware_model::csum::{rx_checksum, tx_checksum};
use firmware_model::nic::Frame;
use nic_traffic::{as_partial, random_packet, Mix};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const FRAMES_FULL: usize = 100_000;

/// `NIC_TEST_SHRINK=n` divides the number of frames by n (`scripts/coverage`
/// runs the tests that way: the same kinds of frames, fewer of each).
fn frames() -> usize {
    FRAMES_FULL / shrink()
}

fn shrink() -> usize {
    std::env::var("NIC_TEST_SHRINK")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1usize)
        .max(1)
}

fn seed(default: u64) -> u64 {
    test_support::seed(default)
}

fn mix(rng: &mut ChaCha8Rng) -> Mix {
    Mix {
        max_payload: if rng.gen_bool(0.03) { 9000 } else { 1460 },
        p_bad_csum: 0.15,
        p_malformed: 0.15,
    }
}

/// A random frame: mostly packets, some raw garbage of any length.
fn random_frame(rng: &mut ChaCha8Rng) -> Vec<u8> {
    if rng.gen_bool(0.04) {
        let n = rng.gen_range(1..200);
        (0..n).map(|_| rng.gen()).collect()
    } else {
        let m = mix(rng);
        random_packet(rng, &m).frame
    }
}

fn tx_jobs(seed: u64) -> Vec<TxJob> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..frames())
        .map(|_| {
            let m = mix(&mut rng);
            let p = random_packet(&mut rng, &m);
            let bad = rng.gen_bool(0.01);
            let roll = rng.gen_range(0..100);
            match (roll, as_partial(&p)) {
                (0..=69, Some((data, start, off))) => TxJob {
                    frame: Frame { data, bad },
                    csum_en: true,
                    csum_start: start,
                    csum_offset: off,
                },
                (70..=84, _) if p.frame.len() >= 2 => {
                    // Sweep: any start and offset that fit, odd ones included.
                    let len = p.frame.len();
                    let start = rng.gen_range(0..=len - 2);
                    let off = rng.gen_range(0..=len - 2 - start);
                    TxJob {
                        frame: Frame { data: p.frame, bad },
                        csum_en: true,
                        csum_start: start as u16,
                        csum_offset: off as u16,
                    }
                }
                _ => TxJob {
                    frame: Frame { data: p.frame, bad },
                    csum_en: false,
                    csum_start: 0,
                    csum_offset: 0,
                },
            }
        })
        .collect()
}

fn expected_tx(j: &TxJob) -> Frame {
    let mut f = j.frame.clone();
    // An aborted frame (tuser) passes unpatched.
    if j.csum_en && !j.frame.bad {
        tx_checksum(&mut f.data, j.csum_start as usize, j.csum_offset as usize)
            .expect("the script only makes commands that fit");
    }
    f
}

fn check_tx(width: Width, default_seed: u64) {
    let seed = seed(default_seed);
    let jobs = tx_jobs(seed);
    let (out, st) = run_tx_csum(width, &jobs, Backpressure::random(), seed);
    assert!(
        st.protocol_errors.is_empty(),
        "seed {seed}: {:?}",
        &st.protocol_errors[..st.protocol_errors.len().min(5)]
    );
    assert_eq!(out.len(), jobs.len(), "seed {seed}: frames out");
    for (n, (got, j)) in out.iter().zip(&jobs).enumerate() {
        let want = expected_tx(j);
        if *got != want {
            let at = got.data.iter().zip(&want.data).position(|(a, b)| a != b);
            panic!(
                "seed {seed}: frame {n} ({} bytes, csum_en {} start {} offset {}) differs from the model: \
                 first at byte {at:?}, lengths {}/{}, bad {}/{}",
                j.frame.data.len(),
                j.csum_en,
                j.csum_start,
                j.csum_offset,
                got.data.len(),
                want.data.len(),
                got.bad,
                want.bad
            );
        }
    }
    let worst = st.latencies.iter().max().copied().unwrap_or(0);
    assert_eq!(
        st.latencies.len(),
        jobs.len(),
        "one stat_csum_ready per frame"
    );
    assert!(
        worst <= 3,
        "checksum ready {worst} cycles after the last beat (target <= 3)"
    );
}

fn check_rx(width: Width, default_seed: u64) {
    let seed = seed(default_seed);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let frames: Vec<Frame> = (0..frames())
        .map(|_| Frame {
            data: random_frame(&mut rng),
            bad: rng.gen_bool(0.01),
        })
        .collect();
    let (out, results, st) = run_rx_csum(width, &frames, true, Backpressure::random(), seed);
    assert!(
        st.protocol_errors.is_empty(),
        "seed {seed}: {:?}",
        &st.protocol_errors[..st.protocol_errors.len().min(5)]
    );
    assert_eq!(
        out, frames,
        "seed {seed}: frames must pass through unchanged"
    );
    assert_eq!(results.len(), frames.len());
    let mut counts = [0usize; 3];
    for (n, (r, f)) in results.iter().zip(&frames).enumerate() {
        let m = rx_checksum(&f.data);
        let want = RxResult {
            verdict: m.verdict,
            csum: m.csum,
        };
        assert_eq!(
            *r,
            want,
            "seed {seed}: frame {n} ({} bytes) {:02x?}",
            f.data.len(),
            &f.data[..f.data.len().min(80)]
        );
        counts[r.verdict.min(2) as usize] += 1;
    }
    eprintln!(
        "verdicts: not checked {}, good {}, bad {}",
        counts[0], counts[1], counts[2]
    );
    for (what, n) in ["not checked", "good", "bad"].iter().zip(counts) {
        assert!(
            n * 20 > frames.len(),
            "too few '{what}' verdicts ({n}) for the test to mean much"
        );
    }
    // Latency is checked without stalls (below): under random result-channel
    // backpressure a result may wait behind one the reader has not taken.
}

#[test]
fn tx_csum_engine_matches_model_at_64_bits() {
    check_tx(Width::W64, 0x7c5_0064);
}

#[test]
fn tx_csum_engine_matches_model_at_512_bits() {
    check_tx(Width::W512, 0x7c5_0512);
}

#[test]
fn rx_csum_engine_matches_model_at_64_bits() {
    check_rx(Width::W64, 0x4c5_0064);
}

#[test]
fn rx_csum_engine_matches_model_at_512_bits() {
    check_rx(Width::W512, 0x4c5_0512);
}

#[test]
fn rx_csum_engine_reports_nothing_when_disabled() {
    let mut rng = ChaCha8Rng::seed_from_u64(seed(9));
    for width in [Width::W64, Width::W512] {
        let frames: Vec<Frame> = (0..2000)
            .map(|_| Frame {
                data: random_frame(&mut rng),
                bad: false,
            })
            .collect();
        let (out, results, _) = run_rx_csum(width, &frames, false, Backpressure::random(), 9);
        assert_eq!(out, frames);
        assert!(results.iter().all(|r| *r
            == RxResult {
                verdict: 0,
                csum: 0
            }));
        assert_eq!(results.len(), frames.len());
    }
}

/// UDP with checksum field 0: over IPv4 the sender sent none (NOT_CHECKED); over IPv6 it is
/// BAD, even when the datagram's bytes sum as if 0 were 0xFFFF (RFC 8200 section 8.1).
#[test]
fn rx_csum_engine_treats_a_zero_udp_checksum_by_ip_version() {
    use nic_traffic::{Checksum, FrameBuilder};
    let udp = |b: FrameBuilder, payload: &[u8], c: Checksum| {
        b.udp(5353, 5353).payload(payload).l4_checksum(c).build()
    };
    let v4 = || FrameBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2]);
    let v6 = || FrameBuilder::ipv6([0xfd; 16], [0xfe; 16]);
    // An IPv6 datagram whose correct checksum is 0xFFFF: the payload's last word absorbs
    // whatever the rest sums to.
    let mut f6 = udp(v6(), &[1, 2, 3, 4, 0, 0], Checksum::Correct);
    let c = u16::from_be_bytes([f6.frame[f6.l4 + 6], f6.frame[f6.l4 + 7]]);
    let n = f6.end;
    f6.frame[n - 2..n].copy_from_slice(&c.to_be_bytes());
    f6.frame[f6.l4 + 6..f6.l4 + 8].copy_from_slice(&[0xff, 0xff]);
    assert_eq!(rx_checksum(&f6.frame).verdict, 1, "0xFFFF verifies");
    let mut z6 = f6.frame.clone();
    z6[f6.l4 + 6..f6.l4 + 8].fill(0);
    let cases = [
        (udp(v4(), b"abc", Checksum::Zero).frame, 0u8),
        (udp(v6(), b"abc", Checksum::Zero).frame, 2),
        (z6, 2),
        (f6.frame.clone(), 1),
    ];
    let frames: Vec<Frame> = cases
        .iter()
        .map(|(f, _)| Frame {
            data: f.clone(),
            bad: false,
        })
        .collect();
    for width in [Width::W64, Width::W512] {
        let (_, results, _) = run_rx_csum(width, &frames, true, Backpressure::none(), 1);
        for (n, ((f, want), r)) in cases.iter().zip(&results).enumerate() {
            assert_eq!(rx_checksum(f).verdict, *want, "model, case {n}");
            assert_eq!(r.verdict, *want, "{width:?} RTL, case {n}");
        }
    }
}

/// Back-to-back frames with no stalls (the bench of `nicctl bench engines`):
/// every checksum is ready at most 3 cycles after the frame's last beat, and
/// at the NIC's 64-bit width the engines keep up with the line: at least
/// 0.98 of the datapath per cycle on 1500-byte frames. (Cycle counts in
/// simulation are exact, not timings.)
#[test]
fn checksums_are_ready_within_3_cycles_and_engines_keep_up_at_64_bits() {
    use engine_tb::{bench, Engine};
    for engine in [Engine::TxCsum, Engine::RxCsum] {
        for width in [Width::W64, Width::W512] {
            for size in [64, 576, 1500, 9000] {
                let row = bench(engine, width, size);
                assert!(row.latency_cycles <= 3, "{row:?}");
                if width == Width::W64 && size == 1500 {
                    assert!(row.bytes_per_cycle >= 0.98 * 8.0, "{row:?}");
                }
            }
        }
    }
}
