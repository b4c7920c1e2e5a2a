//! BAR0: identity, access types, latching, RESET and the interrupt line.

use super::*;
use crate::contract::{cap, ctrl, err, irq, limits, reg, stat, status};

#[test]
fn identity_registers_read_their_contract_values() {
    let mut t = Rig::new();
    assert_eq!(t.reg(reg::ID), limits::ID_MAGIC);
    assert_eq!(t.reg(reg::VERSION), limits::VERSION);
    assert_eq!(
        t.reg(reg::CAPS),
        cap::RX_CSUM | cap::TX_CSUM | cap::RXHASH | cap::LOOPBACK
    );
    assert_eq!(t.reg(reg::STATUS), status::READY);
    assert_eq!(t.reg(reg::QUEUES), 8 | 8 << 8);
    assert_eq!(t.reg(reg::MAX_FRAME), 9216);
    for r in [
        reg::ID,
        reg::VERSION,
        reg::CAPS,
        reg::STATUS,
        reg::QUEUES,
        reg::MAX_FRAME,
    ] {
        let v = t.reg(r);
        t.nic.mmio_write(r, !v);
        assert_eq!(t.reg(r), v, "read-only register {r:#x} took a write");
    }
}

#[test]
fn features_start_with_the_checksum_offloads_on() {
    let mut t = Rig::new();
    assert_eq!(
        t.reg(reg::FEATURES),
        cap::RX_CSUM | cap::TX_CSUM | cap::RXHASH
    );
}

#[test]
fn features_are_masked_by_caps() {
    let mut t = Rig::new();
    t.nic.mmio_write(reg::FEATURES, u32::MAX);
    assert_eq!(
        t.reg(reg::FEATURES),
        cap::RX_CSUM | cap::TX_CSUM | cap::RXHASH | cap::LOOPBACK
    );
    t.nic
        .mmio_write(reg::FEATURES, cap::TSO4 | cap::TSO6 | cap::LRO | cap::TOE);
    assert_eq!(t.reg(reg::FEATURES), 0);
    t.nic.mmio_write(reg::FEATURES, cap::TSO4 | cap::RX_CSUM);
    assert_eq!(t.reg(reg::FEATURES), cap::RX_CSUM);
    t.nic.mmio_write(reg::FEATURES, cap::TX_CSUM);
    assert_eq!(t.reg(reg::FEATURES), cap::TX_CSUM);
}

#[test]
fn reset_turns_the_checksum_offloads_back_on() {
    let mut t = Rig::new();
    t.nic.mmio_write(reg::FEATURES, 0);
    assert_eq!(t.reg(reg::FEATURES), 0);
    t.nic.mmio_write(reg::CTRL, ctrl::RESET);
    assert_eq!(
        t.reg(reg::FEATURES),
        cap::RX_CSUM | cap::TX_CSUM | cap::RXHASH
    );
}

#[test]
fn unmapped_offsets_read_zero_and_ignore_writes() {
    let mut t = Rig::new();
    let unmapped = [
        0x028, 0x02c, 0x03c, 0x050, 0x0fc, 0x160, 0x164, 0x1fc, 0x064, 0x628, 0x6c0, 0x7fc, 0x800,
    ];
    for off in unmapped
        .into_iter()
        .chain([0xffc, 0x1000, 0x1010, !3u32, 0x001, 0x013])
    {
        t.nic.mmio_write(off, u32::MAX);
        assert_eq!(t.reg(off), 0, "offset {off:#x}");
    }
    assert_eq!(t.reg(reg::CTRL), 0, "an unaligned offset is not CTRL");
    assert_eq!(t.reg(reg::ERR_CAUSE), 0);
}

#[test]
fn queue_registers_read_back_and_ring_setup_is_fixed_while_enabled() {
    let mut t = Rig::new();
    for dir in [Dir::Tx, Dir::Rx] {
        t.program(dir, 0x1234_5678_9abc_de40, 0xfedc_ba98_7654_3200, 64);
        assert_eq!(t.qr(dir, qreg::RING_LO), 0x9abc_de40);
        assert_eq!(t.qr(dir, qreg::RING_HI), 0x1234_5678);
        assert_eq!(t.qr(dir, qreg::CPL_LO), 0x7654_3200);
        assert_eq!(t.qr(dir, qreg::CPL_HI), 0xfedc_ba98);
        assert_eq!(t.qr(dir, qreg::SIZE), 64);
        t.qw(dir, qreg::CTRL, qctrl::ENABLE | 0xfe);
        assert_eq!(t.qr(dir, qreg::CTRL), qctrl::ENABLE);
        t.program(dir, 0, 0, 2);
        assert_eq!(t.qr(dir, qreg::RING_LO), 0x9abc_de40);
        assert_eq!(t.qr(dir, qreg::SIZE), 64);
        t.qw(dir, qreg::TAIL, 17);
        t.qw(dir, qreg::HEAD, 5);
        t.qw(dir, qreg::STATUS, 0);
        assert_eq!(t.qr(dir, qreg::TAIL), 17);
        assert_eq!(t.qr(dir, qreg::HEAD), 0);
        assert_eq!(t.qr(dir, qreg::STATUS), 1);
    }
}

#[test]
fn stats_are_64_bit_with_the_high_word_latched_by_the_low_read() {
    let mut t = Rig::new();
    let r = t.setup(Dir::Tx, 4);
    let b = t.buf(&pattern(16, 0));
    t.post(r, 0, b, 16);
    t.nic.regs.stats[super::super::stat_index(stat::TX_BYTES)] = 0x1_ffff_fff8;

    assert_eq!(t.reg(stat::TX_BYTES), 0xffff_fff8);
    t.doorbell(r, 1);
    assert!(t.run());
    // The counter is now 0x2_0000_0008; the high word is still the latched one.
    assert_eq!(t.reg(stat::TX_BYTES + 4), 1);
    assert_eq!(t.reg(stat::TX_BYTES + 4), 1);
    assert_eq!(t.reg(stat::TX_BYTES), 8);
    assert_eq!(t.reg(stat::TX_BYTES + 4), 2);
    assert_eq!(t.stat(stat::TX_BYTES), 0x2_0000_0008);
    // Writes to counters are ignored.
    t.nic.mmio_write(stat::TX_BYTES, 0);
    t.nic.mmio_write(stat::TX_BYTES + 4, 0);
    assert_eq!(t.stat(stat::TX_BYTES), 0x2_0000_0008);
}

#[test]
fn time_lo_latches_time_hi() {
    let mut t = Rig::new();
    t.nic.set_time(0x5_0000_0010);
    assert_eq!(t.reg(reg::TIME_HI), 0, "nothing latched yet");
    assert_eq!(t.reg(reg::TIME_LO), 0x10);
    t.nic.set_time(0x6_0000_0020);
    assert_eq!(t.reg(reg::TIME_HI), 5);
    t.nic.set_time(0x1_0000_0000); // never goes backwards
    assert_eq!(t.reg(reg::TIME_LO), 0x20);
    assert_eq!(t.reg(reg::TIME_HI), 6);
}

#[test]
fn reset_returns_every_register_to_its_reset_value() {
    let mut fresh = Nic::new();
    let offsets: Vec<u32> = (0..limits::BAR0_SIZE).step_by(4).collect();
    let reset_values: Vec<u32> = offsets.iter().map(|&o| fresh.mmio_read(o)).collect();

    let mut t = Rig::new();
    t.nic.set_time(1_000);
    t.nic.mmio_write(reg::CTRL, ctrl::LOOPBACK);
    t.nic.mmio_write(reg::FEATURES, u32::MAX);
    t.nic.mmio_write(reg::IRQ_MASK, u32::MAX);
    t.nic.mmio_write(reg::IRQ_ITR, 77);
    let r = t.setup(Dir::Tx, 4);
    t.setup(Dir::Rx, 8);
    let b = t.buf(&pattern(20, 0));
    t.post(r, 0, b, 20);
    t.doorbell(r, 1);
    t.doorbell(r, 9);
    assert!(t.run());
    assert!(t.nic.irq());
    assert_eq!(
        t.nic.rx_port_pending(),
        1,
        "looped back, waiting for an RX descriptor"
    );

    t.nic.mmio_write(reg::CTRL, ctrl::RESET | ctrl::LOOPBACK);
    let now: Vec<u32> = offsets.iter().map(|&o| t.nic.mmio_read(o)).collect();
    for ((o, a), b) in offsets.iter().zip(now).zip(reset_values) {
        if *o != reg::TIME_LO && *o != reg::TIME_HI {
            assert_eq!(a, b, "register {o:#x} after RESET");
        }
    }
    assert!(!t.nic.irq());
    assert_eq!(
        t.nic.rx_port_pending(),
        0,
        "RESET empties the loopback path"
    );
    assert_eq!(
        t.reg(reg::TIME_LO),
        1_000,
        "time is an input and survives RESET"
    );
}

#[test]
fn err_cause_and_irq_cause_clear_by_writing_one() {
    let mut t = Rig::new();
    let r = t.setup(Dir::Tx, 4);
    t.doorbell(r, 4);
    t.qw(Dir::Rx, qreg::CTRL, qctrl::ENABLE);
    assert_eq!(t.reg(reg::ERR_CAUSE), err::DOORBELL | err::RING_SIZE);
    t.nic.mmio_write(reg::ERR_CAUSE, err::RING_SIZE);
    assert_eq!(t.reg(reg::ERR_CAUSE), err::DOORBELL);
    t.nic
        .mmio_write(reg::ERR_CAUSE, err::DOORBELL | err::DESC_LEN);
    assert_eq!(t.reg(reg::ERR_CAUSE), 0);
    assert_eq!(t.reg(reg::IRQ_CAUSE), irq::ERROR);
    t.nic.mmio_write(reg::IRQ_CAUSE, irq::TX_DONE);
    assert_eq!(t.reg(reg::IRQ_CAUSE), irq::ERROR);
    t.nic.mmio_write(reg::IRQ_CAUSE, irq::ERROR);
    assert_eq!(t.reg(reg::IRQ_CAUSE), 0);
}

/// Sends one 64-byte frame from TX slot `n % 4`.
fn send_one(t: &mut Rig, r: Ring, b: u64, n: u32) {
    t.post(r, n % 4, b, 64);
    t.doorbell(r, (n + 1) % 4);
    assert!(t.run());
}

#[test]
fn irq_moderation_holds_the_line_low_until_itr_has_passed() {
    let mut t = Rig::new();
    t.nic.mmio_write(reg::IRQ_ITR, 1_000);
    t.nic.mmio_write(reg::IRQ_MASK, irq::TX_DONE);
    let r = t.setup(Dir::Tx, 4);
    let b = t.buf(&pattern(64, 0));
    t.nic.set_time(100);
    assert!(!t.nic.irq());
    send_one(&mut t, r, b, 0);
    assert!(t.nic.irq(), "first rise is not held back");

    t.nic.mmio_write(reg::IRQ_CAUSE, irq::TX_DONE);
    assert!(!t.nic.irq(), "the line drops when the cause clears");
    t.nic.set_time(600);
    send_one(&mut t, r, b, 1);
    assert!(!t.nic.irq(), "500 ns after the last rise");
    t.nic.set_time(1_099);
    t.run();
    assert!(!t.nic.irq());
    t.nic.set_time(1_100);
    t.run();
    assert!(t.nic.irq(), "ITR after the last rise");

    // The next rise counts from 1100.
    t.nic.mmio_write(reg::IRQ_CAUSE, u32::MAX);
    t.nic.set_time(2_000);
    send_one(&mut t, r, b, 2);
    assert!(!t.nic.irq());
    t.nic.set_time(2_100);
    t.run();
    assert!(t.nic.irq());
}

#[test]
fn irq_line_follows_the_mask() {
    let mut t = Rig::new();
    let r = t.setup(Dir::Tx, 4);
    let b = t.buf(&pattern(64, 0));
    send_one(&mut t, r, b, 0);
    assert!(!t.nic.irq(), "masked");
    t.nic.mmio_write(reg::IRQ_MASK, irq::RX_DONE | irq::ERROR);
    assert!(!t.nic.irq());
    t.nic.mmio_write(reg::IRQ_MASK, irq::TX_DONE);
    assert!(t.nic.irq(), "unmasking a pending cause raises the line");
    t.nic.mmio_write(reg::IRQ_MASK, 0);
    assert!(!t.nic.irq());
}
