//! The frames the RTL's TX checksum engine produces pass a checker that is
//! not ours: the oracle (`test_support::oracle`, the `etherparse` crate)
//! parses each one and computes its IPv4 header and TCP/UDP checksums, which
//! must equal what the engine wrote.

use engine_tb::{run_tx_csum, Backpressure, TxJob, Width};
use firmware_model::nic::Frame;
use nic_traffic::{as_partial, random_packet, Mix};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use test_support::oracle::check_checksums;

#[test]
fn rtl_tx_checksums_pass_etherparse() {
    let mut rng = ChaCha8Rng::seed_from_u64(test_support::seed(77));
    let mix = Mix {
        max_payload: 1460,
        p_bad_csum: 0.0,
        p_malformed: 0.0,
    };
    let mut jobs = Vec::new();
    while jobs.len() < 5000 {
        let p = random_packet(&mut rng, &mix);
        let Some((mut data, start, off)) = as_partial(&p) else {
            continue;
        };
        // The host leaves garbage in the IPv4 header checksum: the NIC must fill it in.
        if !p.is_ipv6 {
            let l3 = if p.vlan { 18 } else { 14 };
            data[l3 + 10] ^= 0xa5;
        }
        jobs.push(TxJob {
            frame: Frame { data, bad: false },
            csum_en: true,
            csum_start: start,
            csum_offset: off,
        });
    }
    for width in [Width::W64, Width::W512] {
        let (out, _) = run_tx_csum(width, &jobs, Backpressure::random(), 77);
        assert_eq!(out.len(), jobs.len());
        for (i, f) in out.iter().enumerate() {
            if let Err(e) = check_checksums(&f.data) {
                panic!("{width:?} frame {i}: {e}");
            }
        }
        // And the frames as the host handed them over do not pass (the check can fail).
        let failing = jobs
            .iter()
            .filter(|j| check_checksums(&j.frame.data).is_err())
            .count();
        assert!(
            failing * 10 > jobs.len() * 9,
            "only {failing} of the unfinished frames fail etherparse"
        );
    }
}
