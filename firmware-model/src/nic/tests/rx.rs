//! Receive: buffers, RX completions, waiting, dropping and the loopback.

use super::*;
use crate::contract::{ctrl, err, irq, reg, stat};

#[test]
fn loopback_tx_frames_are_received_with_completions_and_phase() {
    let mut t = Rig::new();
    t.nic.mmio_write(reg::CTRL, ctrl::LOOPBACK);
    let tx = t.setup(Dir::Tx, 4);
    let rx = t.setup(Dir::Rx, 4);
    let rx_bufs: Vec<u64> = (0..4).map(|_| t.mem.alloc(2048, 8).unwrap().0).collect();
    let frames: Vec<Vec<u8>> = (0..6).map(|i| pattern(64 + 10 * i, i as u8)).collect();

    // Two rounds of three frames each: the second round wraps both rings.
    for round in 0..2 {
        for k in 0..3 {
            let n = round * 3 + k;
            let slot = (n % 4) as u32;
            let f = &frames[n];
            let b = t.buf(f);
            t.post(tx, slot, b, f.len() as u32);
            t.post(rx, slot, rx_bufs[slot as usize], 2048);
        }
        let tail = ((round + 1) * 3 % 4) as u32;
        t.doorbell(tx, tail);
        t.doorbell(rx, tail);
        assert!(t.run());
        for k in 0..3 {
            let n = round * 3 + k;
            let slot = (n % 4) as u32;
            let len = frames[n].len() as u32;
            let phase = n < 4;
            assert_eq!(
                t.cpl(tx, slot),
                expected_cpl(len, 0, slot as u16, phase),
                "tx n={n}"
            );
            assert_eq!(
                t.cpl(rx, slot),
                expected_rx_cpl(&frames[n], 0, slot as u16, phase),
                "rx n={n}"
            );
            assert_eq!(
                t.bytes(rx_bufs[slot as usize], len as usize),
                frames[n],
                "n={n}"
            );
        }
    }
    assert!(
        t.tx_all().is_empty(),
        "nothing goes to the wire in loopback"
    );
    assert_eq!(t.nic.rx_port_pending(), 0);
    assert_eq!(t.stat(stat::TX_FRAMES), 6);
    assert_eq!(t.stat(stat::RX_FRAMES), 6);
    let bytes: u64 = frames.iter().map(|f| f.len() as u64).sum();
    assert_eq!(t.stat(stat::RX_BYTES), bytes);
    assert_eq!(t.reg(reg::IRQ_CAUSE), irq::TX_DONE | irq::RX_DONE);
}

#[test]
fn rx_frame_lands_in_buffer_and_nothing_else_changes() {
    let mut t = Rig::new();
    let r = t.setup(Dir::Rx, 8);
    let buf = t.mem.alloc(1536, 8).unwrap().0;
    t.post(r, 0, buf, 1536);
    t.doorbell(r, 1);
    let data = pattern(333, 5);
    t.nic.wire_rx_push(Frame {
        data: data.clone(),
        bad: false,
    });
    let before = t.mem.clone();

    assert!(t.run());
    assert_eq!(t.bytes(buf, 333), data);
    assert_eq!(t.cpl(r, 0), expected_rx_cpl(&data, 0, 0, true));
    assert_only_changed(&before, &t.mem, &[(buf, 333), Rig::cpl_region(r, 0)]);
    assert_eq!(t.qr(Dir::Rx, qreg::HEAD), 1);
    assert_eq!(t.reg(reg::IRQ_CAUSE), irq::RX_DONE);
}

#[test]
fn rx_waits_when_no_descriptor_is_posted() {
    let mut t = Rig::new();
    let r = t.setup(Dir::Rx, 4);
    let data = pattern(80, 2);
    t.nic.wire_rx_push(Frame {
        data: data.clone(),
        bad: false,
    });
    assert!(!t.run());
    assert_eq!(t.nic.rx_port_pending(), 1);
    assert_eq!(t.stat(stat::RX_DROPPED), 0);

    let buf = t.mem.alloc(128, 8).unwrap().0;
    t.post(r, 0, buf, 128);
    t.doorbell(r, 1);
    assert!(t.run());
    assert_eq!(t.nic.rx_port_pending(), 0);
    assert_eq!(t.bytes(buf, 80), data);
    assert_eq!(t.cpl(r, 0), expected_rx_cpl(&data, 0, 0, true));
}

#[test]
fn rx_drops_frames_while_disabled() {
    let mut t = Rig::new();
    t.nic.wire_rx_push(Frame {
        data: pattern(60, 0),
        bad: false,
    });
    t.nic.wire_rx_push(Frame {
        data: pattern(61, 0),
        bad: true,
    });
    let before = t.mem.clone();
    assert!(t.run());
    assert_eq!(t.nic.rx_port_pending(), 0);
    assert_eq!(t.stat(stat::RX_DROPPED), 2);
    assert_eq!(t.stat(stat::RX_FRAMES), 0);
    assert_eq!(t.reg(reg::IRQ_CAUSE), 0);
    assert_only_changed(&before, &t.mem, &[]);
}

#[test]
fn rx_too_big_writes_exactly_cap_bytes() {
    let mut t = Rig::new();
    let r = t.setup(Dir::Rx, 4);
    // The buffer sits inside a region filled with a sentinel.
    let region = t.mem.alloc(512, 8).unwrap().0;
    t.mem.write(DmaAddr(region), &[0xaa; 512]).unwrap();
    let buf = region + 64;
    t.post(r, 0, buf, 100);
    t.doorbell(r, 1);
    let data = pattern(300, 1);
    t.nic.wire_rx_push(Frame {
        data: data.clone(),
        bad: false,
    });
    let before = t.mem.clone();

    assert!(t.run());
    assert_eq!(t.bytes(buf, 100), data[..100]);
    assert_eq!(t.bytes(buf + 100, 4), [0xaa; 4]);
    assert_eq!(
        t.cpl(r, 0),
        expected_rx_cpl(&data, err::RX_TOO_BIG, 0, true),
        "CSUM covers the whole frame, not just what fitted"
    );
    assert_only_changed(&before, &t.mem, &[(buf, 100), Rig::cpl_region(r, 0)]);
    assert_eq!(t.stat(stat::RX_ERRORS), 1);
    assert_eq!(t.stat(stat::RX_FRAMES), 0);
    assert_eq!(
        t.stat(stat::MALFORMED),
        0,
        "RX_TOO_BIG is traffic, not misuse"
    );
    assert_eq!(t.reg(reg::ERR_CAUSE), 0);
}

#[test]
fn rx_bad_frame_is_delivered_with_rx_frame_error() {
    let mut t = Rig::new();
    let r = t.setup(Dir::Rx, 4);
    let buf = t.mem.alloc(256, 8).unwrap().0;
    t.post(r, 0, buf, 256);
    t.doorbell(r, 1);
    let data = pattern(90, 4);
    t.nic.wire_rx_push(Frame {
        data: data.clone(),
        bad: true,
    });

    assert!(t.run());
    assert_eq!(t.bytes(buf, 90), data);
    assert_eq!(t.cpl(r, 0), expected_rx_cpl(&data, err::RX_FRAME, 0, true));
    assert_eq!(t.stat(stat::RX_ERRORS), 1);
    assert_eq!(t.stat(stat::MALFORMED), 0);
    assert_eq!(t.reg(reg::IRQ_CAUSE), irq::RX_DONE);
}

#[test]
fn wire_rx_is_not_accepted_under_loopback() {
    let mut t = Rig::new();
    t.nic.mmio_write(reg::CTRL, ctrl::LOOPBACK);
    let r = t.setup(Dir::Rx, 4);
    let buf = t.mem.alloc(256, 8).unwrap().0;
    t.post(r, 0, buf, 256);
    t.doorbell(r, 1);
    let data = pattern(70, 6);
    t.nic.wire_rx_push(Frame {
        data: data.clone(),
        bad: false,
    });
    assert!(!t.run());
    assert_eq!(t.nic.rx_port_pending(), 1);

    t.nic.mmio_write(reg::CTRL, 0);
    assert!(t.run());
    assert_eq!(t.bytes(buf, 70), data);
    assert_eq!(t.nic.rx_port_pending(), 0);
}

#[test]
fn aborted_tx_frame_in_loopback_arrives_marked_bad() {
    let mut t = Rig::new();
    t.nic.mmio_write(reg::CTRL, ctrl::LOOPBACK);
    let tx = t.setup(Dir::Tx, 2);
    let rx = t.setup(Dir::Rx, 2);
    let rx_buf = t.mem.alloc(64, 8).unwrap().0;
    t.post(rx, 0, rx_buf, 64);
    t.doorbell(rx, 1);
    // 16 bytes, the last 8 outside host memory.
    let last = pattern(8, 0x40);
    t.mem.write(DmaAddr(MEM_END - 8), &last).unwrap();
    t.post(tx, 0, MEM_END - 8, 16);
    t.doorbell(tx, 1);

    assert!(t.run());
    assert_eq!(t.cpl(tx, 0), expected_cpl(16, err::DMA_READ, 0, true));
    let mut want = last;
    want.extend_from_slice(&[0; 8]);
    assert_eq!(t.cpl(rx, 0), expected_rx_cpl(&want, err::RX_FRAME, 0, true));
    assert_eq!(t.bytes(rx_buf, 16), want);
    assert_eq!(t.stat(stat::MALFORMED), 1);
}
