//! Side by side: `stack::checksum::data` against smoltcp's
//! `wire::ip::checksum::data`, in one process, over the same buffers.
//!
//! Run with `cargo bench --manifest-path stack/Cargo.toml --bench checksum`.
//! For each size, each round times a batch of calls of ours and a batch of
//! smoltcp's, alternating which goes first; the figures are the medians over
//! rounds. The machine may be shared and noisy, so the ratio (measured
//! side by side) is the figure to trust, not the absolute times.

use std::hint::black_box;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SIZES: [usize; 5] = [64, 576, 1500, 9000, 65536];
const ROUNDS: usize = 101;
/// Bytes summed per timed batch, so each batch lasts a few milliseconds.
const BATCH_BYTES: usize = 2 << 20;

fn time_batch(f: fn(&[u8]) -> u16, buf: &[u8], iters: usize) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        black_box(f(black_box(buf)));
    }
    start.elapsed().as_nanos() as f64 / iters as f64
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let seed: u64 = 0x5eed_c5c5;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    println!("checksum bench: seed {seed:#x}, {ROUNDS} rounds, median ns per call");
    println!("| bytes | ours ns | ours GB/s | smoltcp ns | smoltcp GB/s | smoltcp/ours |");
    println!("|---|---|---|---|---|---|");
    // `CHECKSUM_BENCH_SIZES=64,1500` runs only those sizes.
    let sizes: Vec<usize> = match std::env::var("CHECKSUM_BENCH_SIZES") {
        Ok(list) => list
            .split(',')
            .map(|s| {
                s.trim()
                    .parse()
                    .expect("CHECKSUM_BENCH_SIZES: comma-separated sizes")
            })
            .collect(),
        Err(_) => SIZES.to_vec(),
    };
    for size in sizes {
        let mut buf = vec![0u8; size];
        rng.fill(&mut buf[..]);
        let ours_fn: fn(&[u8]) -> u16 = stack::checksum::data;
        let theirs_fn: fn(&[u8]) -> u16 = smoltcp::wire::checksum::data;
        assert_eq!(
            ours_fn(&buf),
            theirs_fn(&buf),
            "results differ at {size} bytes"
        );
        let iters = (BATCH_BYTES / size).max(1);
        // Warm up both.
        time_batch(ours_fn, &buf, iters);
        time_batch(theirs_fn, &buf, iters);
        let (mut ours, mut theirs, mut ratio) = (vec![], vec![], vec![]);
        for round in 0..ROUNDS {
            let (o, t) = if round % 2 == 0 {
                let o = time_batch(ours_fn, &buf, iters);
                (o, time_batch(theirs_fn, &buf, iters))
            } else {
                let t = time_batch(theirs_fn, &buf, iters);
                (time_batch(ours_fn, &buf, iters), t)
            };
            ours.push(o);
            theirs.push(t);
            ratio.push(t / o);
        }
        let (o, t, r) = (median(&mut ours), median(&mut theirs), median(&mut ratio));
        println!(
            "| {size} | {o:.1} | {:.2} | {t:.1} | {:.2} | {r:.2} |",
            size as f64 / o,
            size as f64 / t
        );
    }
}
