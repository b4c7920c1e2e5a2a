//! Our `checksum::data` gives the same result as smoltcp's
//! `wire::checksum::data` (RFC 1071, not inverted) on random buffers of
//! random lengths and start offsets. Cheap enough for every CI run; the
//! timing comparison lives in `benches/checksum.rs`.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[test]
fn data_matches_smoltcp_on_random_buffers() {
    let seed = test_support::seed(0x5e0_c4ec);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut buf = vec![0u8; 65536 + 16];
    for case in 0..20_000 {
        // Mostly packet-sized, sometimes up to 64 KiB (a TSO super-segment).
        let len = if rng.gen_bool(0.05) {
            rng.gen_range(0..=65536)
        } else {
            rng.gen_range(0..=1600)
        };
        let offset = rng.gen_range(0..16);
        rng.fill(&mut buf[offset..offset + len]);
        let b = &buf[offset..offset + len];
        assert_eq!(
            stack::checksum::data(b),
            smoltcp::wire::checksum::data(b),
            "case {case}: len {len} offset {offset} (seed {seed})"
        );
    }
}

#[test]
fn data_matches_smoltcp_on_edge_cases() {
    for len in 0..=130 {
        for fill in [0x00u8, 0x01, 0x80, 0xff] {
            let b = vec![fill; len];
            assert_eq!(
                stack::checksum::data(&b),
                smoltcp::wire::checksum::data(&b),
                "len {len} fill {fill:#x}"
            );
        }
    }
}
