//! Malformed use that does not involve refused DMA: ring setup, doorbells and
//! bad descriptors. Each sets its ERR_CAUSE bit, ERR_INFO, MALFORMED and
//! IRQ_CAUSE.ERROR, and writes nothing but the completion it is owed.

use super::*;
use crate::contract::{err, err_info_value, irq, limits, reg, stat};

/// ERR_* bit number, as ERR_INFO carries it.
fn code(bit: u32) -> u32 {
    bit.trailing_zeros()
}

/// Asserts exactly one malformed-use event of `bit` with this ERR_INFO.
fn assert_one_error(t: &mut Rig, bit: u32, dir: Dir, index: u32) {
    assert_eq!(t.reg(reg::ERR_CAUSE), bit);
    assert_eq!(
        t.reg(reg::ERR_INFO),
        err_info_value(code(bit), dir == Dir::Rx, 0, index)
    );
    assert_eq!(t.stat(stat::MALFORMED), 1);
    assert_ne!(t.reg(reg::IRQ_CAUSE) & irq::ERROR, 0);
}

#[test]
fn bad_ring_sizes_are_refused_and_the_queue_stays_disabled() {
    for dir in [Dir::Tx, Dir::Rx] {
        for size in [0, 1, 3, 8192, 4097, 6, u32::MAX] {
            let mut t = Rig::new();
            t.program(dir, MEM_BASE, MEM_BASE + 4096, size);
            t.qw(dir, qreg::CTRL, qctrl::ENABLE);
            assert_eq!(t.qr(dir, qreg::CTRL), 0, "size {size}");
            assert_eq!(t.qr(dir, qreg::STATUS), 0);
            assert_one_error(&mut t, err::RING_SIZE, dir, 0);
        }
    }
}

#[test]
fn ring_sizes_2_and_4096_are_accepted() {
    for size in [2, 4096] {
        let mut t = Rig::new();
        t.program(Dir::Tx, MEM_BASE, MEM_BASE + 0x20000, size);
        t.qw(Dir::Tx, qreg::CTRL, qctrl::ENABLE);
        assert_eq!(t.qr(Dir::Tx, qreg::STATUS), 1);
        assert_eq!(t.reg(reg::ERR_CAUSE), 0);
    }
}

#[test]
fn misaligned_ring_or_completion_base_is_refused() {
    for (ring, cpl) in [
        (MEM_BASE + 8, MEM_BASE + 4096),
        (MEM_BASE, MEM_BASE + 4096 + 32),
    ] {
        for dir in [Dir::Tx, Dir::Rx] {
            let mut t = Rig::new();
            t.program(dir, ring, cpl, 16);
            t.qw(dir, qreg::CTRL, qctrl::ENABLE);
            assert_eq!(t.qr(dir, qreg::STATUS), 0);
            assert_one_error(&mut t, err::RING_ALIGN, dir, 0);
        }
    }
}

#[test]
fn ring_size_is_checked_before_alignment() {
    let mut t = Rig::new();
    t.program(Dir::Tx, MEM_BASE + 8, MEM_BASE + 8, 3);
    t.qw(Dir::Tx, qreg::CTRL, qctrl::ENABLE);
    assert_one_error(&mut t, err::RING_SIZE, Dir::Tx, 0);
}

#[test]
fn doorbell_at_or_past_size_is_refused_and_tail_unchanged() {
    for dir in [Dir::Tx, Dir::Rx] {
        let mut t = Rig::new();
        let r = t.setup(dir, 8);
        t.doorbell(r, 3);
        t.doorbell(r, 8);
        assert_eq!(t.qr(dir, qreg::TAIL), 3);
        assert_one_error(&mut t, err::DOORBELL, dir, 8);
        t.doorbell(r, 0x1_2345);
        assert_eq!(t.qr(dir, qreg::TAIL), 3);
        assert_eq!(t.stat(stat::MALFORMED), 2);
        // ERR_INFO keeps the first one while ERR_CAUSE is set.
        assert_eq!(
            t.reg(reg::ERR_INFO),
            err_info_value(code(err::DOORBELL), dir == Dir::Rx, 0, 8)
        );
        t.nic.mmio_write(reg::ERR_CAUSE, u32::MAX);
        assert_eq!(t.reg(reg::ERR_CAUSE), 0);
        t.doorbell(r, 0x1_2345);
        assert_eq!(
            t.reg(reg::ERR_INFO),
            err_info_value(code(err::DOORBELL), dir == Dir::Rx, 0, 0x2345)
        );
    }
}

/// Sends one good frame (index 0), then a bad TX descriptor at index 1.
fn bad_tx_descriptor(addr_off: u64, len: u32, bit: u32) {
    let mut t = Rig::new();
    let r = t.setup(Dir::Tx, 4);
    let good = t.buf(&pattern(64, 0));
    let bad = t.buf(&pattern(9300, 1)) + addr_off;
    t.post(r, 0, good, 64);
    t.post(r, 1, bad, len);
    t.doorbell(r, 2);
    let before = t.mem.clone();

    assert!(t.run());
    assert_eq!(t.tx_all().len(), 1, "the bad descriptor sends nothing");
    assert_eq!(t.cpl(r, 1), expected_cpl(len, bit, 1, true));
    assert_only_changed(
        &before,
        &t.mem,
        &[Rig::cpl_region(r, 0), Rig::cpl_region(r, 1)],
    );
    assert_one_error(&mut t, bit, Dir::Tx, 1);
    assert_eq!(t.qr(Dir::Tx, qreg::HEAD), 2);
    assert_eq!(t.stat(stat::TX_FRAMES), 1);
    assert_eq!(t.stat(stat::TX_ERRORS), 1);
    assert_eq!(t.reg(reg::IRQ_CAUSE), irq::TX_DONE | irq::ERROR);
}

#[test]
fn zero_length_tx_descriptor_is_desc_len() {
    bad_tx_descriptor(0, 0, err::DESC_LEN);
}

#[test]
fn oversize_tx_descriptor_is_desc_len() {
    bad_tx_descriptor(0, limits::MAX_FRAME + 1, err::DESC_LEN);
    bad_tx_descriptor(0, u32::MAX, err::DESC_LEN);
}

#[test]
fn misaligned_tx_buffer_is_desc_align() {
    bad_tx_descriptor(4, 64, err::DESC_ALIGN);
}

#[test]
fn tx_length_is_checked_before_alignment() {
    bad_tx_descriptor(4, 0, err::DESC_LEN);
}

/// A bad RX descriptor at index 0: the frame is consumed, nothing written.
fn bad_rx_descriptor(addr_off: u64, cap: u32, bit: u32) {
    let mut t = Rig::new();
    let r = t.setup(Dir::Rx, 4);
    let buf = t.mem.alloc(512, 8).unwrap().0 + addr_off;
    t.post(r, 0, buf, cap);
    t.doorbell(r, 1);
    let data = pattern(100, 2);
    t.nic.wire_rx_push(Frame {
        data: data.clone(),
        bad: false,
    });
    let before = t.mem.clone();

    assert!(t.run());
    assert_eq!(t.nic.rx_port_pending(), 0);
    assert_eq!(t.cpl(r, 0), expected_rx_cpl(&data, bit, 0, true));
    assert_only_changed(&before, &t.mem, &[Rig::cpl_region(r, 0)]);
    assert_one_error(&mut t, bit, Dir::Rx, 0);
    assert_eq!(t.stat(stat::RX_ERRORS), 1);
    assert_eq!(t.stat(stat::RX_DROPPED), 0);
}

#[test]
fn zero_capacity_rx_descriptor_is_desc_len() {
    bad_rx_descriptor(0, 0, err::DESC_LEN);
    bad_rx_descriptor(3, 0, err::DESC_LEN);
}

#[test]
fn misaligned_rx_buffer_is_desc_align() {
    bad_rx_descriptor(2, 256, err::DESC_ALIGN);
}
