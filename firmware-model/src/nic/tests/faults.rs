//! Refused DMA: buffers and rings outside host memory.

use super::*;
use crate::contract::{err, err_info_value, irq, limits, qstatus, reg, stat};

fn info(bit: u32, dir: Dir, index: u32) -> u32 {
    err_info_value(bit.trailing_zeros(), dir == Dir::Rx, 0, index)
}

#[test]
fn tx_buffer_partly_outside_memory_sends_aborted_frame_with_zeros() {
    let mut t = Rig::new();
    let r = t.setup(Dir::Tx, 4);
    // 200 bytes inside (one 128-byte burst, one 72-byte burst up to the 4 KiB
    // boundary at the end of memory), 100 bytes past the end.
    let start = MEM_END - 200;
    let inside = pattern(200, 8);
    t.mem.write(DmaAddr(start), &inside).unwrap();
    t.post(r, 0, start, 300);
    t.doorbell(r, 1);
    let before = t.mem.clone();

    assert!(t.run());
    let mut want = inside;
    want.resize(300, 0);
    assert_eq!(
        t.tx_all(),
        vec![Frame {
            data: want,
            bad: true
        }]
    );
    assert_eq!(t.cpl(r, 0), expected_cpl(300, err::DMA_READ, 0, true));
    assert_only_changed(&before, &t.mem, &[Rig::cpl_region(r, 0)]);
    assert_eq!(t.reg(reg::ERR_CAUSE), err::DMA_READ);
    assert_eq!(t.reg(reg::ERR_INFO), info(err::DMA_READ, Dir::Tx, 0));
    assert_eq!(
        t.stat(stat::MALFORMED),
        1,
        "one event however many bursts fail"
    );
    assert_eq!(t.stat(stat::TX_ERRORS), 1);
    assert_eq!(t.stat(stat::TX_FRAMES), 0);
    assert_eq!(
        t.qr(Dir::Tx, qreg::STATUS),
        qstatus::ENABLED,
        "a buffer fault does not halt"
    );
}

#[test]
fn tx_buffer_wholly_outside_memory_sends_zeros_even_near_the_top_of_the_address_space() {
    // The last: a buffer that ends exactly at 2^64 (one byte more is DESC_LEN, faults.rs's
    // buffer_past_the_top_of_the_address_space_is_a_length_error).
    let top = 0u64.wrapping_sub(u64::from(limits::MAX_FRAME)) & !7;
    for addr in [8, 1u64 << 63, top] {
        let mut t = Rig::new();
        let r = t.setup(Dir::Tx, 4);
        t.post(r, 0, addr, limits::MAX_FRAME);
        t.doorbell(r, 1);
        assert!(t.run());
        let want = vec![0u8; limits::MAX_FRAME as usize];
        assert_eq!(
            t.tx_all(),
            vec![Frame {
                data: want,
                bad: true
            }],
            "addr {addr:#x}"
        );
        assert_eq!(
            t.cpl(r, 0),
            expected_cpl(limits::MAX_FRAME, err::DMA_READ, 0, true)
        );
    }
}

#[test]
fn rx_buffer_partly_outside_memory_lands_the_accepted_bursts() {
    let mut t = Rig::new();
    let r = t.setup(Dir::Rx, 4);
    let start = MEM_END - 200;
    t.post(r, 0, start, 400);
    t.doorbell(r, 1);
    let data = pattern(300, 3);
    t.nic.wire_rx_push(Frame {
        data: data.clone(),
        bad: false,
    });
    let before = t.mem.clone();

    assert!(t.run());
    assert_eq!(t.bytes(start, 200), data[..200]);
    assert_eq!(t.cpl(r, 0), expected_rx_cpl(&data, err::DMA_WRITE, 0, true));
    assert_only_changed(&before, &t.mem, &[(start, 200), Rig::cpl_region(r, 0)]);
    assert_eq!(t.reg(reg::ERR_CAUSE), err::DMA_WRITE);
    assert_eq!(t.reg(reg::ERR_INFO), info(err::DMA_WRITE, Dir::Rx, 0));
    assert_eq!(t.stat(stat::MALFORMED), 1);
    assert_eq!(t.stat(stat::RX_ERRORS), 1);
    assert_eq!(t.qr(Dir::Rx, qreg::STATUS), qstatus::ENABLED);
}

#[test]
fn rx_buffer_wholly_outside_memory_writes_nothing() {
    for addr in [8, 0u64.wrapping_sub(2048)] {
        let mut t = Rig::new();
        let r = t.setup(Dir::Rx, 4);
        t.post(r, 0, addr, 2048);
        t.doorbell(r, 1);
        let data = pattern(1500, 0);
        t.nic.wire_rx_push(Frame {
            data: data.clone(),
            bad: true,
        });
        let before = t.mem.clone();
        assert!(t.run());
        let errors = err::DMA_WRITE | err::RX_FRAME;
        assert_eq!(t.cpl(r, 0), expected_rx_cpl(&data, errors, 0, true));
        assert_only_changed(&before, &t.mem, &[Rig::cpl_region(r, 0)]);
        assert_eq!(t.stat(stat::MALFORMED), 1);
    }
}

#[test]
fn buffer_past_the_top_of_the_address_space_is_a_length_error() {
    // A buffer whose last byte would be past 2^64: nothing is read or written (no access
    // wraps to address 0), the completion carries DESC_LEN, the queue goes on.
    for (addr, len) in [
        (!7u64, 9u32),
        (0u64.wrapping_sub(64), 65),
        (0u64.wrapping_sub(1 << 20), u32::MAX),
    ] {
        let mut t = Rig::new();
        let r = t.setup(Dir::Rx, 4);
        t.post(r, 0, addr, len);
        t.doorbell(r, 1);
        let data = pattern(100, 5);
        t.nic.wire_rx_push(Frame {
            data: data.clone(),
            bad: false,
        });
        let before = t.mem.clone();
        assert!(t.run());
        assert_eq!(t.cpl(r, 0), expected_rx_cpl(&data, err::DESC_LEN, 0, true));
        assert_only_changed(&before, &t.mem, &[Rig::cpl_region(r, 0)]);
        assert_eq!(t.reg(reg::ERR_CAUSE), err::DESC_LEN, "RX {addr:#x} + {len}");
        assert_eq!(t.qr(Dir::Rx, qreg::STATUS), qstatus::ENABLED);
    }
    for (addr, len) in [(!7u64, 9u32), (0u64.wrapping_sub(64), 65)] {
        let mut t = Rig::new();
        let r = t.setup(Dir::Tx, 4);
        t.post(r, 0, addr, len);
        t.doorbell(r, 1);
        assert!(t.run());
        assert!(t.tx_all().is_empty(), "TX {addr:#x} + {len} sent a frame");
        assert_eq!(t.cpl(r, 0), expected_cpl(len, err::DESC_LEN, 0, true));
        assert_eq!(t.reg(reg::ERR_CAUSE), err::DESC_LEN);
    }
}

#[test]
fn ring_past_the_top_of_the_address_space_is_refused() {
    // Aligned bases, but a ring (TX descriptors 32 bytes, RX 16, completions 32) whose end
    // would pass 2^64: ENABLE is refused with RING_ALIGN, as a misaligned base is.
    for (dir, ring, cpl, size) in [
        (Dir::Tx, 0u64.wrapping_sub(64), MEM_BASE, 4),
        (Dir::Rx, 0u64.wrapping_sub(64 * 16 - 64), MEM_BASE, 64),
        (Dir::Rx, MEM_BASE, 0u64.wrapping_sub(64), 4),
    ] {
        let mut t = Rig::new();
        t.program(dir, ring, cpl, size);
        t.qw(dir, qreg::CTRL, qctrl::ENABLE);
        assert_eq!(
            t.qr(dir, qreg::CTRL),
            0,
            "{dir:?} ring {ring:#x} cpl {cpl:#x} enabled"
        );
        assert_eq!(t.reg(reg::ERR_CAUSE), err::RING_ALIGN);
    }
    // Ending exactly at 2^64 is allowed.
    let mut t = Rig::new();
    t.program(
        Dir::Rx,
        0u64.wrapping_sub(64 * 16),
        0u64.wrapping_sub(64 * 32),
        64,
    );
    t.qw(Dir::Rx, qreg::CTRL, qctrl::ENABLE);
    assert_eq!(t.qr(Dir::Rx, qreg::CTRL), qctrl::ENABLE);
}

#[test]
fn tx_descriptor_ring_outside_memory_halts_the_queue() {
    // The second: a ring of 4096 descriptors that ends exactly at 2^64 (one that would
    // run past it is refused on enable, ring_past_the_top_of_the_address_space_is_refused).
    for ring in [MEM_END, 0u64.wrapping_sub(4096 * 32)] {
        let mut t = Rig::new();
        let r = t.setup_at(Dir::Tx, ring, MEM_BASE, 4096);
        t.doorbell(r, 4095);
        let before = t.mem.clone();
        assert!(t.run());
        assert!(t.tx_all().is_empty());
        assert_only_changed(&before, &t.mem, &[]);
        assert_eq!(
            t.qr(Dir::Tx, qreg::STATUS),
            qstatus::ENABLED | qstatus::HALTED
        );
        assert_eq!(t.qr(Dir::Tx, qreg::HEAD), 0);
        assert_eq!(t.reg(reg::ERR_CAUSE), err::DMA_READ);
        assert_eq!(t.reg(reg::ERR_INFO), info(err::DMA_READ, Dir::Tx, 0));
        assert_eq!(t.stat(stat::MALFORMED), 1);
        assert_eq!(t.stat(stat::TX_ERRORS), 0, "no completion, nothing counted");
        assert_eq!(t.reg(reg::IRQ_CAUSE), irq::ERROR);
        assert!(!t.run(), "a halted queue does nothing");

        // Disable and re-enable clears HALTED.
        t.qw(Dir::Tx, qreg::CTRL, 0);
        assert_eq!(t.qr(Dir::Tx, qreg::STATUS), qstatus::HALTED);
        t.qw(Dir::Tx, qreg::CTRL, qctrl::ENABLE);
        assert_eq!(t.qr(Dir::Tx, qreg::STATUS), qstatus::ENABLED);
    }
}

#[test]
fn rx_descriptor_ring_outside_memory_halts_the_queue_and_drops() {
    let mut t = Rig::new();
    let r = t.setup_at(Dir::Rx, MEM_END, MEM_BASE, 8);
    t.doorbell(r, 5);
    t.nic.wire_rx_push(Frame {
        data: pattern(64, 0),
        bad: false,
    });
    t.nic.wire_rx_push(Frame {
        data: pattern(65, 0),
        bad: false,
    });
    let before = t.mem.clone();
    assert!(t.run());
    assert_only_changed(&before, &t.mem, &[]);
    assert_eq!(t.nic.rx_port_pending(), 0);
    assert_eq!(
        t.stat(stat::RX_DROPPED),
        2,
        "the faulting frame and the next, halted"
    );
    assert_eq!(
        t.qr(Dir::Rx, qreg::STATUS),
        qstatus::ENABLED | qstatus::HALTED
    );
    assert_eq!(t.qr(Dir::Rx, qreg::HEAD), 0);
    assert_eq!(t.reg(reg::ERR_INFO), info(err::DMA_READ, Dir::Rx, 0));
    assert_eq!(t.stat(stat::MALFORMED), 1);
}

#[test]
fn completion_ring_outside_memory_halts_after_sending() {
    let mut t = Rig::new();
    let ring = t.mem.alloc(32 * 4, 64).unwrap().0;
    let r = t.setup_at(Dir::Tx, ring, MEM_END, 4);
    let data = pattern(64, 1);
    let b = t.buf(&data);
    t.post(r, 0, b, 64);
    t.post(r, 1, b, 64);
    t.doorbell(r, 2);
    let before = t.mem.clone();
    assert!(t.run());
    assert_eq!(
        t.tx_all(),
        vec![Frame { data, bad: false }],
        "sent before the completion"
    );
    assert_only_changed(&before, &t.mem, &[]);
    assert_eq!(
        t.qr(Dir::Tx, qreg::STATUS),
        qstatus::ENABLED | qstatus::HALTED
    );
    assert_eq!(t.qr(Dir::Tx, qreg::HEAD), 0);
    assert_eq!(t.reg(reg::ERR_INFO), info(err::DMA_WRITE, Dir::Tx, 0));
    assert_eq!(t.stat(stat::TX_FRAMES), 0);
    assert_eq!(
        t.reg(reg::IRQ_CAUSE),
        irq::ERROR,
        "no TX_DONE without a completion"
    );
}

#[test]
fn rx_completion_outside_memory_halts_after_writing_the_buffer() {
    let mut t = Rig::new();
    let ring = t.mem.alloc(16 * 4, 64).unwrap().0;
    let r = t.setup_at(Dir::Rx, ring, 0u64.wrapping_sub(4 * 32), 4);
    let buf = t.mem.alloc(128, 8).unwrap().0;
    t.post(r, 0, buf, 128);
    t.doorbell(r, 1);
    let data = pattern(100, 7);
    t.nic.wire_rx_push(Frame {
        data: data.clone(),
        bad: false,
    });
    assert!(t.run());
    assert_eq!(t.bytes(buf, 100), data);
    assert_eq!(
        t.qr(Dir::Rx, qreg::STATUS),
        qstatus::ENABLED | qstatus::HALTED
    );
    assert_eq!(t.qr(Dir::Rx, qreg::HEAD), 0);
    assert_eq!(t.stat(stat::RX_FRAMES), 0);
    assert_eq!(t.stat(stat::RX_DROPPED), 0);
}

#[test]
fn buffer_and_completion_faults_count_one_event_each_first_in_err_info() {
    let mut t = Rig::new();
    let ring = t.mem.alloc(32 * 4, 64).unwrap().0;
    let r = t.setup_at(Dir::Tx, ring, MEM_END, 4);
    t.post(r, 0, MEM_END, 64);
    t.doorbell(r, 1);
    assert!(t.run());
    assert_eq!(t.reg(reg::ERR_CAUSE), err::DMA_READ | err::DMA_WRITE);
    assert_eq!(t.reg(reg::ERR_INFO), info(err::DMA_READ, Dir::Tx, 0));
    assert_eq!(t.stat(stat::MALFORMED), 2);
    assert_eq!(
        t.tx_all(),
        vec![Frame {
            data: vec![0; 64],
            bad: true
        }]
    );
}

#[test]
fn nothing_touches_memory_when_no_queue_is_enabled() {
    let mut t = Rig::new();
    t.nic.wire_rx_push(Frame {
        data: pattern(64, 0),
        bad: false,
    });
    assert!(t.nic.run(&mut NoMemory));
    assert_eq!(t.stat(stat::RX_DROPPED), 1);
}
