//! The frames the RTL's TX checksum engine produces pass a checker that is
//! not ours: the `etherparse` crate parses each one and computes its IPv4
//! header and TCP/UDP checksums, which must equal what the engine wrote.

use engine_tb::{run_tx_csum, Backpressure, TxJob, Width};
use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use firmware_model::nic::Frame;
use nic_traffic::{as_partial, random_packet, Mix};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Checks one frame with etherparse; returns what it found wrong.
fn etherparse_verdict(frame: &[u8]) -> Result<(), String> {
    let p = SlicedPacket::from_ethernet(frame)
        .map_err(|e| format!("etherparse cannot parse it: {e}"))?;
    let (src4, dst4, src6, dst6) = match &p.net {
        Some(NetSlice::Ipv4(ip)) => {
            let h = ip.header();
            let want = h.to_header().calc_header_checksum();
            if h.header_checksum() != want {
                return Err(format!(
                    "IPv4 header checksum {:#06x}, etherparse computes {want:#06x}",
                    h.header_checksum()
                ));
            }
            (Some(h.source()), Some(h.destination()), None, None)
        }
        Some(NetSlice::Ipv6(ip)) => (
            None,
            None,
            Some(ip.header().source()),
            Some(ip.header().destination()),
        ),
        other => return Err(format!("not IP: {other:?}")),
    };
    let (have, want) = match &p.transport {
        Some(TransportSlice::Tcp(t)) => {
            let w = match (src4, dst4, src6, dst6) {
                (Some(s), Some(d), _, _) => t.calc_checksum_ipv4(s, d),
                (_, _, Some(s), Some(d)) => t.calc_checksum_ipv6(s, d),
                _ => unreachable!("IPv4 or IPv6 above"),
            };
            (t.checksum(), w.map_err(|e| e.to_string())?)
        }
        Some(TransportSlice::Udp(u)) => {
            let h = u.to_header();
            let w = match (src4, dst4, src6, dst6) {
                (Some(s), Some(d), _, _) => h.calc_checksum_ipv4_raw(s, d, u.payload()),
                (_, _, Some(s), Some(d)) => h.calc_checksum_ipv6_raw(s, d, u.payload()),
                _ => unreachable!("IPv4 or IPv6 above"),
            };
            (u.checksum(), w.map_err(|e| e.to_string())?)
        }
        other => return Err(format!("no TCP/UDP: {other:?}")),
    };
    // 0x0000 and 0xFFFF are the same one's-complement number.
    let same = have == want || (have == 0xffff && want == 0) || (have == 0 && want == 0xffff);
    if same {
        Ok(())
    } else {
        Err(format!(
            "L4 checksum {have:#06x}, etherparse computes {want:#06x}"
        ))
    }
}

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
            if let Err(e) = etherparse_verdict(&f.data) {
                panic!("{width:?} frame {i}: {e}");
            }
        }
        // And the frames as the host handed them over do not pass (the check can fail).
        let failing = jobs
            .iter()
            .filter(|j| etherparse_verdict(&j.frame.data).is_err())
            .count();
        assert!(
            failing * 10 > jobs.len() * 9,
            "only {failing} of the unfinished frames fail etherparse"
        );
    }
}
