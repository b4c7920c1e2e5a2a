//! Randomised misuse: any register value and any memory content must leave
//! the model consistent and never panic. Replay a failure with
//! `TEST_SEED=<seed> cargo test -p firmware-model random_misuse`.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::contract::{ctrl, limits, reg, rxd, stat};

/// A random value that is often one of the interesting ones.
fn value(rng: &mut ChaCha8Rng) -> u32 {
    match rng.gen_range(0..6) {
        0 => rng.gen(),
        1 => rng.gen_range(0..8),
        2 => 1 << rng.gen_range(0..32),
        3 => (MEM_BASE as u32).wrapping_add(rng.gen_range(0..MEM_SIZE as u32)) & !7,
        4 => u32::MAX - rng.gen_range(0..64),
        _ => rng.gen_range(0..4097),
    }
}

/// A random address in or near host memory, or anywhere.
fn addr(rng: &mut ChaCha8Rng) -> u64 {
    match rng.gen_range(0..4) {
        0 => rng.gen(),
        1 => u64::MAX - rng.gen_range(0..16384),
        _ => MEM_BASE + rng.gen_range(0..MEM_SIZE as u64 + 4096),
    }
}

fn one_run(seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut t = Rig::new();
    // Host memory full of descriptors pointing anywhere.
    for _ in 0..2000 {
        let at = MEM_BASE + rng.gen_range(0..(MEM_SIZE as u64 / 16)) * 16;
        // Read as an RX descriptor or as either half of a TX one.
        let mut d = rxd::RxDesc {
            addr: addr(&mut rng),
            len: value(&mut rng),
        }
        .encode();
        if rng.gen() {
            // TX: VNET_FLAGS (often NEEDS_CSUM), GSO_TYPE, HDR_LEN; RX: the
            // reserved bytes, which the codec always writes as 0.
            d[rxd::RESERVED].copy_from_slice(&rng.gen::<[u8; 4]>());
        }
        t.mem.write(DmaAddr(at), &d).unwrap();
    }
    for step in 0..400 {
        match rng.gen_range(0..10) {
            0..=4 => {
                let dir = if rng.gen() { Dir::Tx } else { Dir::Rx };
                let r = [
                    qreg::RING_LO,
                    qreg::RING_HI,
                    qreg::CPL_LO,
                    qreg::CPL_HI,
                    qreg::SIZE,
                ];
                let r = match rng.gen_range(0..4) {
                    0 => r[rng.gen_range(0..r.len())],
                    1 => qreg::CTRL,
                    _ => qreg::TAIL,
                };
                let v = match r {
                    qreg::RING_HI | qreg::CPL_HI if rng.gen_range(0..4) != 0 => {
                        (MEM_BASE >> 32) as u32
                    }
                    _ => value(&mut rng),
                };
                t.qw(dir, r, v);
            }
            5 => {
                let off = rng.gen_range(0..limits::BAR0_SIZE / 4) * 4;
                if off != reg::CTRL || rng.gen_range(0..8) == 0 {
                    t.nic.mmio_write(off, value(&mut rng));
                }
            }
            6 => t
                .nic
                .mmio_write(reg::CTRL, rng.gen::<u32>() & ctrl::LOOPBACK),
            7 => {
                let len = rng.gen_range(0..10_000);
                let mut data = pattern(len, step as u8);
                // Often IPv4 or IPv6 up to the version, for the RX parser.
                if len > 14 && rng.gen() {
                    let (et, v) = if rng.gen() {
                        (0x0800u16, 0x45)
                    } else {
                        (0x86dd, 0x60)
                    };
                    data[12..14].copy_from_slice(&et.to_be_bytes());
                    data[14] = v;
                }
                t.nic.wire_rx_push(Frame {
                    data,
                    bad: rng.gen(),
                });
            }
            8 => t.nic.set_time(rng.gen()),
            _ => {
                let off = rng.gen_range(0..limits::BAR0_SIZE / 4) * 4;
                t.nic.mmio_read(off);
            }
        }
        t.run();
        for dir in [Dir::Tx, Dir::Rx] {
            if t.qr(dir, qreg::CTRL) != 0 {
                let size = t.qr(dir, qreg::SIZE);
                assert!(
                    size.is_power_of_two() && (2..=4096).contains(&size),
                    "seed {seed}"
                );
                assert!(t.qr(dir, qreg::HEAD) < size, "seed {seed}");
                assert!(t.qr(dir, qreg::TAIL) < size, "seed {seed}");
            }
        }
        while t.nic.wire_tx_pop().is_some() {}
    }
    // Every malformed-use event set a bit: MALFORMED is 0 only if ERR_CAUSE never was set.
    let malformed = t.stat(stat::MALFORMED);
    assert!(malformed > 0 || t.reg(reg::ERR_INFO) == 0, "seed {seed}");
    // Checksum counters count a subset of what the frame counters count
    // (RESET zeroes them all together).
    let verdicts = t.stat(stat::RX_CSUM_GOOD) + t.stat(stat::RX_CSUM_BAD);
    let rx = t.stat(stat::RX_FRAMES) + t.stat(stat::RX_ERRORS);
    assert!(verdicts <= rx, "seed {seed}");
    assert!(
        t.stat(stat::TX_CSUM) <= t.stat(stat::TX_FRAMES),
        "seed {seed}"
    );
}

#[test]
fn random_misuse_never_panics_and_keeps_rings_consistent() {
    let seed = test_support::seed(0xf022_5eed);
    for i in 0..20 {
        one_run(seed.wrapping_add(i));
    }
}
