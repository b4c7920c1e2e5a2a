//! Checksum offload through the whole NIC, the driver and nicctl: the wire
//! carries the same bytes whether the NIC or the host computes checksums,
//! and nicctl switches the offloads the way ethtool -K does.

mod common;

use firmware_model::contract::cap;
use firmware_model::nic::Frame;
use host_driver::device::Device;
use host_driver::device::SimulatedExt;
use host_driver::driver::{tx_queue_for, Driver, RingConfig};
use host_driver::selftest::test_frame;
use nic_traffic::{random_packet, Mix};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Sends `n` test frames with tx-checksum-ip-generic on or off and returns
/// what reached the wire and what should have, both in the order the frames
/// were sent, plus how many checksums the NIC filled in.
fn wire_bytes(
    dev: Box<dyn Device>,
    tx_csum: bool,
    n: usize,
    seed: u64,
) -> (Vec<Vec<u8>>, Vec<Vec<u8>>, u64) {
    let mut drv = Driver::open(dev).unwrap();
    let (on, off) = if tx_csum {
        (cap::TX_CSUM, 0)
    } else {
        (0, cap::TX_CSUM)
    };
    drv.set_features(on, off).unwrap();
    drv.start(RingConfig::default()).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let frames: Vec<_> = (0..n)
        .map(|i| test_frame(&mut rng, i as u64, 60, 9000))
        .collect();
    let mut wire = Vec::new();
    let mut next = 0;
    let mut idle = 0;
    while wire.len() < n {
        while next < n && drv.tx_space() > 0 {
            drv.send(&frames[next].send, frames[next].csum).unwrap();
            next += 1;
        }
        drv.poll(200_000).unwrap();
        let before = wire.len();
        while let Some(f) = drv.device().wire_recv() {
            assert!(!f.bad, "frame {} aborted", wire.len());
            wire.push(f.data);
        }
        idle = if wire.len() == before { idle + 1 } else { 0 };
        assert!(idle < 20, "no progress after {} frames", wire.len());
    }
    let expected: Vec<Vec<u8>> = frames.into_iter().map(|f| f.wire).collect();
    // Each TX queue sends in order; the NIC's round robin interleaves them.
    // The addresses and ports that pick a frame's queue are on the wire as
    // they were sent, so the wire frames can be put back in send order.
    let queues = drv.tx_queues();
    let mut by_queue: Vec<std::collections::VecDeque<Vec<u8>>> =
        vec![Default::default(); queues as usize];
    for f in wire {
        by_queue[tx_queue_for(&f, queues) as usize].push_back(f);
    }
    let wire = expected
        .iter()
        .map(|e| {
            by_queue[tx_queue_for(e, queues) as usize]
                .pop_front()
                .unwrap_or_default()
        })
        .collect();
    (wire, expected, drv.tx_csum_offloaded)
}

#[test]
fn wire_carries_the_same_bytes_with_tx_checksum_offload_on_or_off() {
    let seed = common::seed(21);
    for (name, on, off) in [
        (
            "model",
            common::devices(seed, false).remove(0).1,
            common::devices(seed, false).remove(0).1,
        ),
        (
            "sim",
            common::devices(seed, true).remove(1).1,
            common::devices(seed, true).remove(1).1,
        ),
    ] {
        let (w_on, expected, hw) = wire_bytes(on, true, 400, seed);
        let (w_off, _, hw_off) = wire_bytes(off, false, 400, seed);
        assert!(hw > 150, "{name}: the NIC filled in only {hw} checksums");
        assert_eq!(hw_off, 0, "{name}: offload off, yet the NIC was asked");
        for (i, ((a, b), e)) in w_on.iter().zip(&w_off).zip(&expected).enumerate() {
            assert!(
                a == e,
                "{name}: frame {i} with offload on differs from the correct frame"
            );
            assert!(
                b == e,
                "{name}: frame {i} with offload off differs from the correct frame"
            );
        }
    }
}

#[test]
fn rx_verdict_and_complete_sum_match_the_model_through_the_whole_nic() {
    let seed = common::seed(22);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mix = Mix {
        p_bad_csum: 0.2,
        p_malformed: 0.2,
        ..Mix::default()
    };
    let frames: Vec<Vec<u8>> = (0..600)
        .map(|_| random_packet(&mut rng, &mix).frame)
        .collect();
    for (name, dev) in common::devices(seed, true) {
        let mut drv = Driver::open(dev).unwrap();
        drv.start(RingConfig::default()).unwrap();
        for f in &frames {
            drv.device()
                .wire_send(Frame {
                    data: f.clone(),
                    bad: false,
                })
                .unwrap();
        }
        let mut got = Vec::new();
        let mut idle = 0;
        while got.len() < frames.len() && idle < 20 {
            drv.poll(200_000).unwrap();
            let before = got.len();
            while let Some(rx) = drv.receive() {
                got.push(rx);
            }
            idle = if got.len() == before { idle + 1 } else { 0 };
        }
        assert_eq!(got.len(), frames.len(), "{name}: frames received");
        let got = common::in_send_order(name, got, &frames);
        let mut good = 0;
        for (i, (rx, f)) in got.iter().zip(&frames).enumerate() {
            let want = firmware_model::csum::rx_checksum(f);
            assert_eq!(rx.data, *f, "{name}: frame {i} bytes");
            assert_eq!(
                (rx.cpl.csum_verdict, rx.cpl.csum),
                (want.verdict, want.csum),
                "{name}: frame {i}"
            );
            good += (want.verdict == 1) as usize;
        }
        assert!(good > 300, "{name}: only {good} GOOD verdicts");
    }
}
