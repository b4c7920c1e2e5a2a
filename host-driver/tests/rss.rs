//! RSS through the whole NIC and the driver, on the RTL and the model: every
//! RX completion carries the Toeplitz hash of its frame's flow under the key
//! in RSS_KEY, and its hash type; with receive-hashing off both are 0; and
//! `nicctl rss` shows and sets the key the way `ethtool -x/-X hkey` does.
//!
//! Replay with `TEST_SEED=<seed printed>`.

mod common;

use firmware_model::contract::{cap, rss_type};
use firmware_model::nic::Frame;
use firmware_model::rss;
use host_driver::device::SimulatedExt;
use host_driver::driver::{self, Driver, RingConfig, RxFrame};
use nic_traffic::{random_packet, Mix};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Feeds `frames` into the MAC RX port and collects what the driver received.
fn receive_all(
    drv: &mut Driver<Box<dyn host_driver::device::Device>>,
    frames: &[Vec<u8>],
) -> Vec<RxFrame> {
    for f in frames {
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
    got
}

#[test]
fn rx_completions_carry_the_toeplitz_hash_under_the_programmed_key() {
    let seed = common::seed(0x255);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mix = Mix::default();
    let frames: Vec<Vec<u8>> = (0..400)
        .map(|_| random_packet(&mut rng, &mix).frame)
        .collect();
    let mut key = [0u8; driver::RSS_KEY_LEN];
    rng.fill(&mut key[..]);
    for (name, dev) in common::devices(seed, true) {
        let mut drv = Driver::open(dev).unwrap();
        // After reset: the verification key, receive-hashing on.
        let reset_key = driver::read_rss_key(drv.device().as_mut()).unwrap();
        assert_eq!(reset_key, rss::VERIFICATION_KEY, "{name}: key after reset");
        assert_ne!(drv.caps().features & cap::RXHASH, 0, "{name}: RXHASH on");
        driver::write_rss_key(drv.device().as_mut(), &key).unwrap();
        assert_eq!(driver::read_rss_key(drv.device().as_mut()).unwrap(), key);
        drv.start(RingConfig::default()).unwrap();
        let got = receive_all(&mut drv, &frames);
        assert_eq!(got.len(), frames.len(), "{name}: frames received");
        let got = common::in_send_order(name, got, &frames);
        let table = drv.rss_indir().unwrap();
        let mut types = [0usize; 7];
        for (i, (rx, f)) in got.iter().zip(&frames).enumerate() {
            let want = rss::rx_rss(f, &key, &table);
            assert_eq!(rx.data, *f, "{name}: frame {i} bytes");
            assert_eq!(
                (rx.cpl.rss_hash, rx.cpl.rss_type, rx.queue),
                (want.hash, want.hash_type, u16::from(want.queue)),
                "{name}: frame {i}"
            );
            types[usize::from(want.hash_type).min(6)] += 1;
        }
        // The mix reaches TCP and UDP over both IP versions.
        for t in [
            rss_type::TCPV4,
            rss_type::UDPV4,
            rss_type::TCPV6,
            rss_type::UDPV6,
        ] {
            assert!(types[usize::from(t)] > 10, "{name}: type {t}: {types:?}");
        }
    }
}

#[test]
fn receive_hashing_off_reports_no_hash() {
    let seed = common::seed(0x256);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let frames: Vec<Vec<u8>> = (0..50)
        .map(|_| random_packet(&mut rng, &Mix::default()).frame)
        .collect();
    for (name, dev) in common::devices(seed, false) {
        let mut drv = Driver::open(dev).unwrap();
        drv.set_features(0, cap::RXHASH).unwrap();
        drv.start(RingConfig::default()).unwrap();
        let got = receive_all(&mut drv, &frames);
        assert_eq!(got.len(), frames.len(), "{name}");
        for (i, rx) in got.iter().enumerate() {
            // No hash, so no steering: everything on RX queue 0, in order.
            assert_eq!(rx.data, frames[i], "{name}: frame {i}");
            assert_eq!(
                (rx.cpl.rss_hash, rx.cpl.rss_type, rx.queue),
                (0, 0, 0),
                "{name}: frame {i}"
            );
        }
    }
}
