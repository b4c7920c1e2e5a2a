//! The Internet checksum (RFC 1071): one's-complement sum of big-endian
//! 16-bit words. This is the software fallback's hot path when the NIC has no
//! checksum offload or has it switched off.

/// Folded one's-complement sum of `data` (not inverted). An odd last byte is
/// the high byte of a word whose low byte is 0.
///
/// The one's-complement sum does not depend on byte order up to a final
/// byte swap (RFC 1071 section 2(B)), so the bytes are read as native-endian
/// words, whatever their alignment, summed, folded, and swapped back to
/// network order at the end: header-sized inputs as 64-bit words added
/// with carry ([`small_sum`]), longer ones by 32-bit lanes that the compiler
/// vectorises ([`short_sum`] and, unrolled wider, [`long_sum`]). Every partial sum is exact or uses end-around carry, so
/// the result is non-zero exactly when `data` has a non-zero byte, as with
/// the word-by-word definition, and so bit-for-bit equal to it (two values in
/// 1..=0xffff congruent modulo 0xffff are equal).
pub fn data(data: &[u8]) -> u16 {
    let sum = if data.len() < SMALL {
        small_sum(data)
    } else if data.len() < LONG {
        short_sum(data)
    } else {
        long_sum(data)
    };
    // `sum` holds native-order 16-bit lanes; fold them, then put the bytes
    // back in network order (a no-op on big-endian targets).
    u16::from_be(fold(sum))
}

/// Inputs at least this long take [`long_sum`]; shorter ones [`short_sum`]
/// (the crossover measured by `benches/checksum.rs`).
const LONG: usize = 512;

/// Inputs shorter than this take [`small_sum`].
const SMALL: usize = 128;

/// Sum of fewer than [`SMALL`] bytes as native 16-bit lanes, with
/// end-around carry: 64-bit words added with carry in two independent
/// chains (no vector set-up, which dominates at header sizes).
#[inline(always)]
fn small_sum(bytes: &[u8]) -> u64 {
    let word = |w: &[u8]| u64::from_ne_bytes(w.try_into().expect("8 bytes"));
    let (mut s0, mut s1) = (0u64, 0u64);
    let mut quads = bytes.chunks_exact(32);
    for q in &mut quads {
        s0 = add_carry(s0, word(&q[..8]));
        s1 = add_carry(s1, word(&q[8..16]));
        s0 = add_carry(s0, word(&q[16..24]));
        s1 = add_carry(s1, word(&q[24..32]));
    }
    let mut rest = quads.remainder();
    if let Some((w, r)) = rest.split_first_chunk::<16>() {
        s0 = add_carry(s0, word(&w[..8]));
        s1 = add_carry(s1, word(&w[8..]));
        rest = r;
    }
    if let Some((w, r)) = rest.split_first_chunk::<8>() {
        s0 = add_carry(s0, u64::from_ne_bytes(*w));
        rest = r;
    }
    add_carry(add_carry(s0, s1), tail_sum(rest))
}

/// Most bytes [`lanes_sum`] takes at once, so its sums stay below 2^32.
const MAX_BYTES: usize = 1 << 17;

/// Sum of `bytes` as native 16-bit lanes, with end-around carry, for long
/// inputs: blocks of [`MAX_BYTES`], 32 bytes a step. Kept out of line so the
/// short path stays small.
#[inline(never)]
fn long_sum(bytes: &[u8]) -> u64 {
    let mut total = 0u64;
    let mut blocks = bytes.chunks_exact(MAX_BYTES);
    for block in &mut blocks {
        total = add_carry(total, lanes_sum::<8>(block));
    }
    add_carry(total, lanes_sum::<8>(blocks.remainder()))
}

/// Sum of at most [`MAX_BYTES`] bytes, starting at an even offset, as native
/// 16-bit lanes: exact.
///
/// Each step reads `N` native 32-bit words `w` and, per lane, adds `w`
/// (wrapping) into `a` and `w >> 16` (its high half) into `b`. Within
/// [`MAX_BYTES`] the true sums of high halves `H = b` and of low halves `L` are
/// both below 2^32, and `a = L + (H << 16) mod 2^32`, so
/// `L = a - (b << 16) mod 2^32` exactly. That costs three vector operations
/// per 16 bytes (add, shift, add) and no widening; the compiler vectorises
/// the lanes with the target's baseline SIMD.
#[inline(always)]
fn lanes_sum<const N: usize>(bytes: &[u8]) -> u64 {
    debug_assert!(bytes.len() <= MAX_BYTES);
    let mut a = [0u32; N];
    let mut b = [0u32; N];
    let mut steps = bytes.chunks_exact(4 * N);
    for step in &mut steps {
        for (i, w) in step.chunks_exact(4).enumerate() {
            let w = u32::from_ne_bytes(w.try_into().expect("4-byte word"));
            a[i] = a[i].wrapping_add(w);
            b[i] += w >> 16;
        }
    }
    // The same relation holds for the totals over all lanes, as they too
    // stay below 2^32 (at most 2^15 words of each half).
    let a = a.into_iter().fold(0u32, u32::wrapping_add);
    let b: u32 = b.into_iter().sum();
    let mut sum = a.wrapping_sub(b << 16) as u64 + b as u64;
    // Fewer than `4 * N` bytes left: 64-bit words, then the tail.
    let mut words = steps.remainder().chunks_exact(8);
    for w in &mut words {
        let w = u64::from_ne_bytes(w.try_into().expect("8-byte chunk"));
        sum += (w & 0xffff_ffff) + (w >> 32);
    }
    sum + tail_sum(words.remainder())
}

/// Sum of fewer than [`LONG`] bytes as native 16-bit lanes: exact. The
/// scheme of [`lanes_sum`] written as one plain loop over 32-bit words with
/// two scalar sums, which the compiler vectorises with less set-up and a
/// smaller epilogue than the eight-lane form: for headers and small segments
/// those fixed costs are most of the work.
#[inline(always)]
fn short_sum(bytes: &[u8]) -> u64 {
    let (mut a, mut b) = (0u32, 0u32);
    let mut words = bytes.chunks_exact(4);
    for w in &mut words {
        let w = u32::from_ne_bytes(w.try_into().expect("4-byte word"));
        a = a.wrapping_add(w);
        b += w >> 16;
    }
    a.wrapping_sub(b << 16) as u64 + b as u64 + tail_sum(words.remainder())
}

/// Sum of fewer than 8 bytes that start at an even offset, as native 16-bit
/// lanes, the last odd byte padded with a zero (exact, below 2^19).
#[inline(always)]
fn tail_sum(mut tail: &[u8]) -> u64 {
    let mut sum = 0u64;
    if let Some((w, rest)) = tail.split_first_chunk::<4>() {
        let w = u32::from_ne_bytes(*w);
        sum += (w & 0xffff) as u64 + (w >> 16) as u64;
        tail = rest;
    }
    if let Some((w, rest)) = tail.split_first_chunk::<2>() {
        sum += u16::from_ne_bytes(*w) as u64;
        tail = rest;
    }
    if let [b] = tail {
        sum += u16::from_ne_bytes([*b, 0]) as u64;
    }
    sum
}

/// One's-complement (end-around carry) addition of two 64-bit sums.
#[inline]
fn add_carry(a: u64, b: u64) -> u64 {
    let (s, carry) = a.overflowing_add(b);
    s + carry as u64
}

/// Folds a wide sum to 16 bits, with end-around carry, without branches:
/// in `x + x.rotate_right(32)` the high half is `high + low` plus the carry
/// out of the low half, i.e. their one's-complement sum; then the same from
/// 32 to 16 bits. Zero only for a zero sum.
pub fn fold(acc: u64) -> u16 {
    let acc = (acc.wrapping_add(acc.rotate_right(32)) >> 32) as u32;
    (acc.wrapping_add(acc.rotate_right(16)) >> 16) as u16
}

/// One's-complement sum of several folded sums.
pub fn combine(sums: &[u16]) -> u16 {
    fold(sums.iter().map(|&s| s as u64).sum())
}

/// Sum of the IPv4 pseudo-header (RFC 793 / RFC 768): source, destination,
/// zero, protocol, upper-layer length.
pub fn pseudo_header_v4(src: [u8; 4], dst: [u8; 4], protocol: u8, length: u16) -> u16 {
    let mut b = [0u8; 12];
    b[0..4].copy_from_slice(&src);
    b[4..8].copy_from_slice(&dst);
    b[9] = protocol;
    b[10..12].copy_from_slice(&length.to_be_bytes());
    data(&b)
}

/// Sum of the IPv6 pseudo-header (RFC 8200 section 8.1): source, destination,
/// upper-layer length (32 bits), three zero bytes, next header.
pub fn pseudo_header_v6(src: [u8; 16], dst: [u8; 16], next_header: u8, length: u32) -> u16 {
    let mut b = [0u8; 40];
    b[0..16].copy_from_slice(&src);
    b[16..32].copy_from_slice(&dst);
    b[32..36].copy_from_slice(&length.to_be_bytes());
    b[39] = next_header;
    data(&b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The definition, word by word: big-endian 16-bit words, an odd last
    /// byte as the high byte of a word, end-around carry.
    fn reference(bytes: &[u8]) -> u16 {
        let mut sum: u32 = 0;
        for pair in bytes.chunks(2) {
            let word = u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]);
            sum += word as u32;
            sum = (sum & 0xffff) + (sum >> 16);
        }
        sum as u16
    }

    /// The seed (`TEST_SEED` replays a failure).
    fn seed() -> u64 {
        test_support::seed(0xc4ec_5eed)
    }

    #[test]
    fn rfc1071_example_sums_to_ddf2() {
        assert_eq!(
            data(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]),
            0xddf2
        );
    }

    #[test]
    fn odd_length_pads_the_last_byte_low() {
        assert_eq!(data(&[0xab]), 0xab00);
        assert_eq!(data(&[0x01, 0x02, 0x03]), 0x0102 + 0x0300);
    }

    #[test]
    fn empty_and_zero_buffers_sum_to_zero() {
        assert_eq!(data(&[]), 0);
        for len in 0..300 {
            assert_eq!(data(&vec![0u8; len]), 0, "len {len}");
        }
    }

    #[test]
    fn all_ones_buffers_sum_to_ffff_or_ff00() {
        // Even length: every word is 0xffff, a one's-complement "negative
        // zero", which stays 0xffff. Odd length adds a trailing 0xff00.
        assert_eq!(data(&[0xff]), 0xff00);
        for len in 1..300 {
            let want = if len == 1 {
                0xff00
            } else if len % 2 == 0 {
                0xffff
            } else {
                fold(0xffff + 0xff00)
            };
            let buf = vec![0xffu8; len];
            assert_eq!(data(&buf), want, "len {len}");
            assert_eq!(data(&buf), reference(&buf), "len {len}");
        }
    }

    #[test]
    fn lengths_around_every_chunk_boundary_match_reference() {
        let mut rng = ChaCha8Rng::seed_from_u64(seed());
        let mut buf = vec![0u8; 1024 + 16];
        for boundary in [8usize, 16, 24, 32, 40, 48, 56, 64, 128, 192, 256, 512, 1024] {
            for len in boundary.saturating_sub(9)..=boundary + 9 {
                for offset in 0..8 {
                    rng.fill(&mut buf[..]);
                    let b = &buf[offset..offset + len];
                    assert_eq!(data(b), reference(b), "len {len} offset {offset}");
                    let ones = vec![0xffu8; len];
                    assert_eq!(data(&ones), reference(&ones), "0xff len {len}");
                }
            }
        }
    }

    #[test]
    fn carries_out_of_every_lane_are_kept() {
        // Words that maximise carries: 0xffff and 0x0001 mixes, and long runs.
        for len in [2usize, 64, 4096, 65536, 1 << 20] {
            let mut buf = vec![0xffu8; len];
            assert_eq!(data(&buf), reference(&buf), "ff len {len}");
            buf[len - 1] = 0;
            assert_eq!(data(&buf), reference(&buf), "ff..fe00 len {len}");
            buf.iter_mut()
                .enumerate()
                .for_each(|(i, b)| *b = if i % 2 == 0 { 0 } else { 1 });
            assert_eq!(data(&buf), reference(&buf), "0001 len {len}");
        }
    }

    #[test]
    fn random_buffers_match_word_by_word_reference() {
        let seed = seed();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut buf = vec![0u8; 10_000 + 16];
        for case in 0..100_000 {
            let len = rng.gen_range(0..10_000);
            let offset = rng.gen_range(0..16);
            // Sometimes bias the bytes high so carries are frequent.
            if rng.gen_bool(0.2) {
                buf[offset..offset + len]
                    .iter_mut()
                    .for_each(|b| *b = 0xf0 | rng.gen::<u8>());
            } else {
                rng.fill(&mut buf[offset..offset + len]);
            }
            let b = &buf[offset..offset + len];
            assert_eq!(
                data(b),
                reference(b),
                "case {case}: len {len} offset {offset} (seed {seed})"
            );
        }
    }

    #[test]
    fn fold_matches_repeated_end_around_carry() {
        fn slow(mut acc: u64) -> u16 {
            while acc > 0xffff {
                acc = (acc & 0xffff) + (acc >> 16);
            }
            acc as u16
        }
        let edges = [
            0,
            1,
            0xffff,
            0x1_0000,
            0x1_fffe,
            0xffff_ffff,
            0x1_0000_0000,
            0xffff_0000_0000_ffff,
            u64::MAX - 1,
            u64::MAX,
        ];
        for acc in edges {
            assert_eq!(fold(acc), slow(acc), "{acc:#x}");
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed());
        for _ in 0..100_000 {
            let acc: u64 = rng.gen::<u64>() >> rng.gen_range(0..64);
            assert_eq!(fold(acc), slow(acc), "{acc:#x}");
        }
    }

    #[test]
    fn pseudo_headers_match_reference() {
        let v4 = pseudo_header_v4([10, 0, 0, 1], [192, 168, 1, 2], 6, 1480);
        assert_eq!(
            v4,
            reference(&[10, 0, 0, 1, 192, 168, 1, 2, 0, 6, 0x05, 0xc8])
        );
        let mut b = [0u8; 40];
        b[0] = 0xfe;
        b[15] = 1;
        b[16] = 0x20;
        b[31] = 2;
        b[34] = 0x05;
        b[35] = 0xc8;
        b[39] = 17;
        assert_eq!(
            pseudo_header_v6(
                b[0..16].try_into().unwrap(),
                b[16..32].try_into().unwrap(),
                17,
                1480
            ),
            reference(&b)
        );
    }
}
