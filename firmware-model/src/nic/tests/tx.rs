//! Transmit: frames on the wire, TX completions, HEAD and phase.

use super::*;
use crate::contract::{irq, limits, reg, stat};

#[test]
fn tx_frame_reaches_wire_byte_exact() {
    let mut t = Rig::new();
    let r = t.setup(Dir::Tx, 8);
    let data = pattern(100, 3);
    let buf = t.buf(&data);
    t.post(r, 0, buf, 100);
    t.doorbell(r, 1);
    let before = t.mem.clone();

    assert!(t.run());
    assert_eq!(t.tx_all(), vec![Frame { data, bad: false }]);
    assert_eq!(t.cpl(r, 0), expected_cpl(100, 0, 0, true));
    assert_only_changed(&before, &t.mem, &[Rig::cpl_region(r, 0)]);
    assert_eq!(t.qr(Dir::Tx, qreg::HEAD), 1);
    assert_eq!(t.stat(stat::TX_FRAMES), 1);
    assert_eq!(t.stat(stat::TX_BYTES), 100);
    assert_eq!(t.stat(stat::TX_ERRORS), 0);
    assert_eq!(t.reg(reg::IRQ_CAUSE), irq::TX_DONE);
    assert_eq!(t.reg(reg::ERR_CAUSE), 0);
    assert!(!t.run(), "nothing left to do");
}

#[test]
fn tx_max_frame_across_4k_boundaries_is_sent_whole() {
    let mut t = Rig::new();
    let r = t.setup(Dir::Tx, 2);
    let len = limits::MAX_FRAME as usize;
    let data = pattern(len, 9);
    // 8 bytes past a page start, so bursts are cut at 4 KiB boundaries too.
    let page = t.mem.alloc(3 * 4096, 4096).unwrap().0;
    let buf = page + 4096 - 8;
    t.mem.write(DmaAddr(buf), &data).unwrap();
    t.post(r, 0, buf, len as u32);
    t.doorbell(r, 1);

    assert!(t.run());
    assert_eq!(t.tx_all(), vec![Frame { data, bad: false }]);
    assert_eq!(t.cpl(r, 0), expected_cpl(len as u32, 0, 0, true));
    assert_eq!(t.stat(stat::TX_BYTES), len as u64);
}

#[test]
fn tx_sends_every_posted_descriptor_in_ring_order() {
    let mut t = Rig::new();
    let r = t.setup(Dir::Tx, 8);
    let frames: Vec<Vec<u8>> = (0..5).map(|i| pattern(60 + i, i as u8)).collect();
    for (i, f) in frames.iter().enumerate() {
        let b = t.buf(f);
        t.post(r, i as u32, b, f.len() as u32);
    }
    t.doorbell(r, 5);

    assert!(t.run());
    let sent: Vec<Vec<u8>> = t.tx_all().into_iter().map(|f| f.data).collect();
    assert_eq!(sent, frames);
    for i in 0..5 {
        assert_eq!(t.cpl(r, i), expected_cpl(60 + i, 0, i as u16, true));
    }
    assert_eq!(t.stat(stat::TX_FRAMES), 5);
    assert_eq!(t.stat(stat::TX_BYTES), (60..65).sum::<u64>());
}

#[test]
fn ring_wrap_flips_phase() {
    let mut t = Rig::new();
    let r = t.setup(Dir::Tx, 2);
    let b = t.buf(&pattern(64, 1));
    // Five descriptors through a two-entry ring, one at a time.
    let mut expected = Vec::new();
    for n in 0..5u32 {
        let slot = n % 2;
        t.post(r, slot, b, 64 + n * 8);
        t.doorbell(r, (n + 1) % 2);
        assert!(t.run());
        let phase = (n / 2) % 2 == 0;
        assert_eq!(
            t.cpl(r, slot),
            expected_cpl(64 + n * 8, 0, slot as u16, phase),
            "n={n}"
        );
        expected.push(64 + n as usize * 8);
    }
    assert_eq!(t.qr(Dir::Tx, qreg::HEAD), 1);
    let lens: Vec<usize> = t.tx_all().iter().map(|f| f.data.len()).collect();
    assert_eq!(lens, expected);
}

#[test]
fn tx_doorbell_while_disabled_is_ignored() {
    let mut t = Rig::new();
    let ring = t.mem.alloc(32 * 4, 64).unwrap().0;
    let cpl = t.mem.alloc(16 * 4, 64).unwrap().0;
    t.program(Dir::Tx, ring, cpl, 4);
    t.qw(Dir::Tx, qreg::TAIL, 2);
    assert_eq!(t.qr(Dir::Tx, qreg::TAIL), 0);
    assert!(!t.run());
    assert_eq!(t.reg(reg::ERR_CAUSE), 0);
}

#[test]
fn tx_disable_stops_the_queue_and_enable_restarts_at_zero() {
    let mut t = Rig::new();
    let r = t.setup(Dir::Tx, 4);
    let b = t.buf(&pattern(32, 0));
    t.post(r, 0, b, 32);
    t.post(r, 1, b, 40);
    t.doorbell(r, 1);
    assert!(t.run());
    t.doorbell(r, 2);
    t.qw(Dir::Tx, qreg::CTRL, 0);
    assert!(!t.run(), "a disabled queue sends nothing");
    assert_eq!(t.qr(Dir::Tx, qreg::STATUS), 0);
    assert_eq!(t.qr(Dir::Tx, qreg::HEAD), 1);

    t.qw(Dir::Tx, qreg::CTRL, qctrl::ENABLE);
    assert_eq!(t.qr(Dir::Tx, qreg::HEAD), 0);
    assert_eq!(t.qr(Dir::Tx, qreg::TAIL), 0);
    t.doorbell(r, 1);
    assert!(t.run());
    // Phase restarts at 1 for the first pass after enabling.
    assert_eq!(t.cpl(r, 0), expected_cpl(32, 0, 0, true));
    assert_eq!(t.tx_all().len(), 2);
}
