//! The RSS engine (`nic_rx_rss`) against the model (`firmware_model::rss`),
//! at 64 and 512 bits: Microsoft's published verification vectors, then
//! 24,000 random frames per width — IPv4/IPv6, TCP/UDP/other, VLAN, IPv4
//! options, IPv6 extension headers, fragments, truncated, lying lengths,
//! random header bytes, garbage — under random keys, random indirection
//! tables and random backpressure on every stream. Replay with
//! `TEST_SEED=<printed seed>`.

use engine_tb::{run_rx_rss, Backpressure, RunStats, Width};
use firmware_model::nic::Frame;
use firmware_model::rss::{
    self, hash_type, rx_rss, Indirection, Key, RssResult, VERIFICATION_V4, VERIFICATION_V6,
};
use nic_traffic::{random_packet, Mix};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::net::{Ipv4Addr, Ipv6Addr};
use test_support::oracle::{self, Build};

/// Frames per width, in runs of `RUN` with one key and table each.
const FRAMES_FULL: usize = 24_000;
const RUN: usize = 2_000;

/// `NIC_TEST_SHRINK=n` divides the number of frames by n (`scripts/coverage`
/// runs the tests that way: the same kinds of frames, fewer of each).
fn shrink() -> usize {
    std::env::var("NIC_TEST_SHRINK")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1usize)
        .max(1)
}

fn frames() -> usize {
    (FRAMES_FULL / shrink()).max(RUN)
}

fn seed(default: u64) -> u64 {
    test_support::seed(default)
}

fn assert_clean(st: &RunStats, what: &str) {
    assert!(
        st.protocol_errors.is_empty(),
        "{what}: {:?}",
        &st.protocol_errors[..st.protocol_errors.len().min(5)]
    );
}

const MAC_A: [u8; 6] = [2, 0, 0, 0, 0, 1];
const MAC_B: [u8; 6] = [2, 0, 0, 0, 0, 2];

fn pad(mut f: Vec<u8>) -> Frame {
    if f.len() < 60 {
        f.resize(60, 0);
    }
    Frame {
        data: f,
        bad: false,
    }
}

/// The vector frames (built by the oracle, etherparse, not our builder) and the
/// published (hash, type) each must get.
fn vector_frames() -> Vec<(Frame, u32, u8)> {
    let mut out = Vec::new();
    let payload = [0x5au8; 11];
    for (s, d, sp, dp, h2, h4) in VERIFICATION_V4 {
        let s: [u8; 4] = s.parse::<Ipv4Addr>().unwrap().octets();
        let d: [u8; 4] = d.parse::<Ipv4Addr>().unwrap().octets();
        let f = |l4| oracle::ipv4_frame((MAC_A, MAC_B), s, d, l4, &payload);
        let (sport, dport) = (sp, dp);
        out.push((pad(f(Build::Tcp { sport, dport })), h4, hash_type::TCPV4));
        out.push((pad(f(Build::Udp { sport, dport })), h4, hash_type::UDPV4));
        out.push((pad(f(Build::Other(1))), h2, hash_type::IPV4));
    }
    for (s, d, sp, dp, h2, h4) in VERIFICATION_V6 {
        let s: [u8; 16] = s.parse::<Ipv6Addr>().unwrap().octets();
        let d: [u8; 16] = d.parse::<Ipv6Addr>().unwrap().octets();
        let f = |l4, p: &[u8]| oracle::ipv6_frame((MAC_A, MAC_B), s, d, l4, p);
        let (sport, dport) = (sp, dp);
        out.push((
            pad(f(Build::Tcp { sport, dport }, &payload)),
            h4,
            hash_type::TCPV6,
        ));
        out.push((
            pad(f(Build::Udp { sport, dport }, &payload)),
            h4,
            hash_type::UDPV6,
        ));
        out.push((pad(f(Build::Other(59), &[])), h2, hash_type::IPV6));
    }
    out
}

fn vectors_through_the_rtl(width: Width) {
    let table = rss::round_robin(5);
    let cases = vector_frames();
    let frames: Vec<Frame> = cases.iter().map(|c| c.0.clone()).collect();
    let (out, results, st) = run_rx_rss(
        width,
        &frames,
        &rss::VERIFICATION_KEY,
        &table,
        Backpressure::random(),
        1,
    );
    assert_clean(&st, "vectors");
    assert_eq!(out, frames);
    for (n, (r, (f, hash, ty))) in results.iter().zip(&cases).enumerate() {
        let want = RssResult {
            hash: *hash,
            hash_type: *ty,
            queue: ((hash & 0x7F) % 5) as u8,
        };
        assert_eq!(*r, want, "vector frame {n}: {:02x?}", f.data);
        assert_eq!(rx_rss(&f.data, &rss::VERIFICATION_KEY, &table), want);
    }
    assert_eq!(results.len(), cases.len());
}

#[test]
fn published_vectors_through_the_rtl_at_64_bits() {
    vectors_through_the_rtl(Width::W64);
}

#[test]
fn published_vectors_through_the_rtl_at_512_bits() {
    vectors_through_the_rtl(Width::W512);
}

/// A random frame: mostly generated packets (some malformed), some with a
/// header field the RSS walk cares about changed, some raw garbage.
fn random_frame(rng: &mut ChaCha8Rng) -> Vec<u8> {
    if rng.gen_bool(0.04) {
        let n = rng.gen_range(1..200);
        return (0..n).map(|_| rng.gen()).collect();
    }
    let mix = Mix {
        max_payload: if rng.gen_bool(0.02) { 9000 } else { 600 },
        p_bad_csum: 0.1,
        p_malformed: 0.15,
    };
    let p = random_packet(rng, &mix);
    let mut f = p.frame;
    let l3 = if p.vlan { 18 } else { 14 };
    match rng.gen_range(0..20) {
        // An IPv4 fragment: MF and/or a fragment offset.
        0 | 1 if !p.is_ipv6 && f.len() > l3 + 8 => {
            let v: u16 = [0x2000, 0x0001, 0x00b9, 0x3fff][rng.gen_range(0..4)];
            f[l3 + 6..l3 + 8].copy_from_slice(&(v | (0x4000 * rng.gen_range(0..2))).to_be_bytes());
        }
        // IPv6: the first header after the fixed one becomes Fragment,
        // Routing (with a random Segments Left), or a third extension.
        2 | 3 if p.is_ipv6 && f.len() > l3 + 44 => {
            f[l3 + 6] = [44u8, 43, 0, 60][rng.gen_range(0..4)];
            f[l3 + 43] = [0u8, 1, rng.gen()][rng.gen_range(0..3)];
        }
        // Any byte of the header window.
        4..=6 => {
            let i = rng.gen_range(0..f.len().min(128));
            f[i] = rng.gen();
        }
        // A lying UDP length or a short L4 (IP lengths made to agree).
        7 if p.l4.is_some_and(|l4| l4 + 8 <= f.len()) => {
            let l4 = p.l4.unwrap_or(0);
            f[l4 + 4] ^= 1 << rng.gen_range(0..8);
        }
        _ => {}
    }
    f
}

fn random_config(rng: &mut ChaCha8Rng) -> (Key, Indirection) {
    let mut key = [0u8; rss::KEY_LEN];
    rng.fill(&mut key[..]);
    let table = match rng.gen_range(0..3) {
        0 => rss::round_robin(rng.gen_range(1..=64)),
        _ => {
            let mut t = [0u8; rss::INDIRECTION_LEN];
            rng.fill(&mut t[..]);
            t
        }
    };
    (key, table)
}

fn random_against_model(width: Width, default_seed: u64) {
    let seed = seed(default_seed);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut types = [0usize; 7];
    for run in 0..frames() / RUN {
        let (key, table) = random_config(&mut rng);
        let frames: Vec<Frame> = (0..RUN)
            .map(|_| Frame {
                data: random_frame(&mut rng),
                bad: rng.gen_bool(0.01),
            })
            .collect();
        let bp_seed = seed ^ run as u64;
        let (out, results, st) = run_rx_rss(
            width,
            &frames,
            &key,
            &table,
            Backpressure::random(),
            bp_seed,
        );
        assert_clean(&st, &format!("seed {seed} run {run}"));
        assert_eq!(out, frames, "seed {seed} run {run}: frames pass unchanged");
        assert_eq!(results.len(), frames.len());
        for (n, (r, f)) in results.iter().zip(&frames).enumerate() {
            let want = rx_rss(&f.data, &key, &table);
            assert_eq!(
                *r,
                want,
                "seed {seed} run {run} frame {n} ({} bytes) {:02x?}",
                f.data.len(),
                &f.data[..f.data.len().min(128)]
            );
            types[usize::from(want.hash_type)] += 1;
        }
    }
    eprintln!("hash types none/ipv4/tcpv4/udpv4/ipv6/tcpv6/udpv6: {types:?}");
    for (ty, n) in types.iter().enumerate() {
        assert!(
            n * 100 > frames(),
            "too few frames of hash type {ty} ({n}) for the test to mean much"
        );
    }
}

#[test]
fn rss_engine_matches_model_on_random_frames_at_64_bits() {
    random_against_model(Width::W64, 0x5255_0064);
}

#[test]
fn rss_engine_matches_model_on_random_frames_at_512_bits() {
    random_against_model(Width::W512, 0x5255_0512);
}

/// Back-to-back minimum frames (60 bytes: IPv4 TCP, IPv6 UDP) with no
/// backpressure: the engine takes a beat every cycle, so output bytes per
/// cycle equal the frame's bytes per beat, and every result is ready at most
/// 5 cycles after its frame's last beat.
#[test]
fn rss_engine_takes_back_to_back_minimum_frames_without_a_stall() {
    let v4 = nic_traffic::tcp_ipv4_frame(60, 7);
    let v6 = oracle::ipv6_frame(
        (MAC_A, MAC_B),
        [0x20; 16],
        [0x30; 16],
        Build::Udp { sport: 1, dport: 2 },
        &[],
    );
    assert_eq!(v6.len(), 62);
    for (frame, ty) in [(v4, hash_type::TCPV4), (v6, hash_type::UDPV6)] {
        let frames: Vec<Frame> = (0..2000)
            .map(|_| Frame {
                data: frame.clone(),
                bad: false,
            })
            .collect();
        for width in [Width::W64, Width::W512] {
            let (out, results, st) = run_rx_rss(
                width,
                &frames,
                &rss::VERIFICATION_KEY,
                &rss::round_robin(8),
                Backpressure::none(),
                1,
            );
            assert_clean(&st, "back to back");
            assert_eq!(out, frames);
            assert!(results.iter().all(|r| r.hash_type == ty));
            let beats = frame.len().div_ceil(width.bytes());
            let line = frame.len() as f64 / beats as f64;
            assert!(
                st.bytes_per_cycle() >= 0.999 * line,
                "{width:?} {} bytes: {} bytes per cycle, line {line}",
                frame.len(),
                st.bytes_per_cycle()
            );
            let worst = st.latencies.iter().max().copied().unwrap_or(0);
            assert!(
                worst <= 5,
                "{width:?}: result {worst} cycles after the last beat"
            );
        }
    }
}
