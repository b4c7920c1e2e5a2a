//! Checksum offload in the NIC: FEATURES, the DESC_CSUM check, the TX engine
//! on the frame path, the RX result in every completion, the counters. What
//! the engines compute is tested in `crate::csum`; here the expected frames
//! come from its functions.

use super::*;
use crate::contract::{
    cap, ctrl, err, err_info_value, irq, limits, reg, stat,
    verdict::{BAD, GOOD, NOT_CHECKED},
    vnet,
};
use crate::csum::{rx_checksum, tx_checksum};
use nic_traffic::{Checksum, FrameBuilder};

const NEEDS_CSUM: u8 = vnet::F_NEEDS_CSUM as u8;
/// TCP over IPv4 without options: the TCP header starts at 34, its
/// checksum field 16 bytes in.
const TCP_START: u16 = 34;
const TCP_OFFSET: u16 = 16;

/// An IPv4/TCP frame as a host hands it over for checksum offload
/// (CHECKSUM_PARTIAL): the TCP checksum field holds the folded
/// pseudo-header sum and the IPv4 header checksum is 0.
fn partial_tcp(payload: usize, seed: u8) -> Vec<u8> {
    let b = FrameBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2])
        .ipv4_id(0x1234)
        .ipv4_checksum(Checksum::Zero)
        .tcp(40000, 443)
        .tcp_seq(0)
        .tcp_flags(0x18)
        .tcp_window(0)
        .payload(&pattern(payload, seed))
        .build();
    let (f, start, offset) = b.partial().expect("TCP has a checksum field");
    assert_eq!((start, offset), (TCP_START.into(), TCP_OFFSET.into()));
    f
}

/// The frame the TX checksum engine makes of `partial`.
fn finished(partial: &[u8]) -> Vec<u8> {
    let mut f = partial.to_vec();
    tx_checksum(&mut f, TCP_START.into(), TCP_OFFSET.into()).unwrap();
    f
}

/// The RX completion for `frame` with the RX checksum on.
fn rx_cpl(frame: &[u8], errors: u32, index: u16, phase: bool) -> [u8; cpl::SIZE] {
    let r = rx_checksum(frame);
    with_rss(
        with_rx_csum(
            expected_cpl(frame.len() as u32, errors, index, phase),
            complete_sum(frame),
            r.verdict,
        ),
        frame,
    )
}

fn assert_csum_counters(t: &mut Rig, tx: u64, good: u64, bad: u64) {
    assert_eq!(t.stat(stat::TX_CSUM), tx, "TX_CSUM");
    assert_eq!(t.stat(stat::RX_CSUM_GOOD), good, "RX_CSUM_GOOD");
    assert_eq!(t.stat(stat::RX_CSUM_BAD), bad, "RX_CSUM_BAD");
}

// ---- TX ----

#[test]
fn tx_checksum_offload_fills_in_the_frame_on_the_wire_not_in_host_memory() {
    let mut t = Rig::new();
    let r = t.setup(Dir::Tx, 4);
    let data = partial_tcp(101, 1);
    let len = data.len() as u32;
    let b = t.buf(&data);
    t.post_csum(r, 0, b, len, (NEEDS_CSUM, TCP_START, TCP_OFFSET));
    t.doorbell(r, 1);
    let before = t.mem.clone();

    assert!(t.run());
    let want = finished(&data);
    assert_ne!(want, data);
    assert_eq!(rx_checksum(&want).verdict, GOOD);
    assert_eq!(
        t.tx_all(),
        vec![Frame {
            data: want,
            bad: false
        }]
    );
    assert_eq!(t.cpl(r, 0), expected_cpl(len, 0, 0, true));
    assert_only_changed(&before, &t.mem, &[Rig::cpl_region(r, 0)]);
    assert_eq!(t.stat(stat::TX_FRAMES), 1);
    assert_eq!(t.stat(stat::TX_BYTES), u64::from(len));
    assert_csum_counters(&mut t, 1, 0, 0);
}

#[test]
fn tx_without_needs_csum_sends_the_frame_as_written() {
    // DATA_VALID and other flag bits do not ask for a checksum, and the
    // checksum fields are not checked.
    for flags in [0u8, vnet::F_DATA_VALID as u8, 0xfe] {
        let mut t = Rig::new();
        let r = t.setup(Dir::Tx, 4);
        let data = partial_tcp(40, 2);
        let b = t.buf(&data);
        t.post_csum(r, 0, b, data.len() as u32, (flags, u16::MAX, u16::MAX));
        t.doorbell(r, 1);
        assert!(t.run());
        assert_eq!(t.tx_all(), vec![Frame { data, bad: false }], "{flags:#x}");
        assert_eq!(t.reg(reg::ERR_CAUSE), 0);
        assert_csum_counters(&mut t, 0, 0, 0);
    }
}

#[test]
fn tx_with_the_feature_off_ignores_needs_csum_and_its_fields() {
    for (start, offset) in [(TCP_START, TCP_OFFSET), (u16::MAX, u16::MAX)] {
        let mut t = Rig::new();
        t.nic.mmio_write(reg::FEATURES, cap::RX_CSUM);
        let r = t.setup(Dir::Tx, 4);
        let data = partial_tcp(40, 3);
        let len = data.len() as u32;
        let b = t.buf(&data);
        t.post_csum(r, 0, b, len, (NEEDS_CSUM, start, offset));
        t.doorbell(r, 1);
        assert!(t.run());
        assert_eq!(t.tx_all(), vec![Frame { data, bad: false }]);
        assert_eq!(t.cpl(r, 0), expected_cpl(len, 0, 0, true));
        assert_eq!(t.reg(reg::ERR_CAUSE), 0);
        assert_csum_counters(&mut t, 0, 0, 0);
    }
}

/// Sends one good frame (index 0), then a NEEDS_CSUM descriptor at index 1
/// with these fields; returns the rig.
fn csum_descriptor(len: u32, addr_off: u64, start: u16, offset: u16) -> (Rig, Ring) {
    let mut t = Rig::new();
    let r = t.setup(Dir::Tx, 4);
    let good = t.buf(&pattern(64, 0));
    let data = pattern(len.min(9300) as usize, 1);
    let bad = t.buf(&data) + addr_off;
    t.post(r, 0, good, 64);
    t.post_csum(r, 1, bad, len, (NEEDS_CSUM, start, offset));
    t.doorbell(r, 2);
    let before = t.mem.clone();
    assert!(t.run());
    assert_only_changed(
        &before,
        &t.mem,
        &[Rig::cpl_region(r, 0), Rig::cpl_region(r, 1)],
    );
    (t, r)
}

#[test]
fn csum_field_past_the_frame_is_desc_csum_and_nothing_is_sent() {
    for (len, start, offset) in [
        (100, 99, 0),
        (100, 0, 99),
        (100, 50, 49),
        (100, 98, 1),
        (60, 34, 16 + 10),
        (1, 0, 0),
        (limits::MAX_FRAME, u16::MAX, u16::MAX),
    ] {
        let (mut t, r) = csum_descriptor(len, 0, start, offset);
        assert_eq!(t.tx_all().len(), 1, "{len} {start} {offset}");
        assert_eq!(t.cpl(r, 1), expected_cpl(len, err::DESC_CSUM, 1, true));
        assert_eq!(t.reg(reg::ERR_CAUSE), err::DESC_CSUM);
        assert_eq!(
            t.reg(reg::ERR_INFO),
            err_info_value(6, false, 0, 1),
            "ERR_INFO code is the DESC_CSUM bit number"
        );
        assert_eq!(t.stat(stat::MALFORMED), 1);
        assert_eq!(t.stat(stat::TX_FRAMES), 1);
        assert_eq!(t.stat(stat::TX_ERRORS), 1);
        assert_eq!(t.reg(reg::IRQ_CAUSE), irq::TX_DONE | irq::ERROR);
        assert_eq!(t.qr(Dir::Tx, qreg::HEAD), 2);
        assert_csum_counters(&mut t, 0, 0, 0);
    }
}

#[test]
fn csum_field_ending_exactly_at_the_frame_end_is_accepted() {
    for (len, start, offset) in [(100, 98, 0), (100, 0, 98), (100, 90, 8), (2, 0, 0)] {
        let (mut t, r) = csum_descriptor(len, 0, start, offset);
        let sent = t.tx_all();
        assert_eq!(sent.len(), 2, "{len} {start} {offset}");
        let mut want = pattern(len as usize, 1);
        tx_checksum(&mut want, start.into(), offset.into()).unwrap();
        assert_eq!(sent[1].data, want);
        assert_eq!(t.cpl(r, 1), expected_cpl(len, 0, 1, true));
        assert_eq!(t.reg(reg::ERR_CAUSE), 0);
        assert_csum_counters(&mut t, 1, 0, 0);
    }
}

#[test]
fn desc_len_and_desc_align_are_checked_before_desc_csum() {
    let (mut t, r) = csum_descriptor(0, 0, 5, 5);
    assert_eq!(t.cpl(r, 1), expected_cpl(0, err::DESC_LEN, 1, true));
    assert_eq!(t.reg(reg::ERR_CAUSE), err::DESC_LEN);
    assert_eq!(t.stat(stat::MALFORMED), 1);

    let over = limits::MAX_FRAME + 1;
    let (mut t, r) = csum_descriptor(over, 0, u16::MAX, 0);
    assert_eq!(t.cpl(r, 1), expected_cpl(over, err::DESC_LEN, 1, true));
    assert_eq!(t.reg(reg::ERR_CAUSE), err::DESC_LEN);

    let (mut t, r) = csum_descriptor(64, 4, 63, 0);
    assert_eq!(t.cpl(r, 1), expected_cpl(64, err::DESC_ALIGN, 1, true));
    assert_eq!(t.reg(reg::ERR_CAUSE), err::DESC_ALIGN);
    assert_eq!(t.stat(stat::MALFORMED), 1);
    assert_eq!(t.tx_all().len(), 1);
}

#[test]
fn aborted_tx_frame_goes_out_unpatched_and_is_not_counted() {
    let mut t = Rig::new();
    let r = t.setup(Dir::Tx, 4);
    // The first 64 bytes inside host memory, the rest past its end.
    let data = partial_tcp(100, 4);
    let start = MEM_END - 64;
    t.mem.write(DmaAddr(start), &data[..64]).unwrap();
    t.post_csum(
        r,
        0,
        start,
        data.len() as u32,
        (NEEDS_CSUM, TCP_START, TCP_OFFSET),
    );
    t.doorbell(r, 1);
    assert!(t.run());
    let mut want = data[..64].to_vec();
    want.resize(data.len(), 0);
    assert_eq!(
        t.tx_all(),
        vec![Frame {
            data: want,
            bad: true
        }]
    );
    assert_eq!(
        t.cpl(r, 0),
        expected_cpl(data.len() as u32, err::DMA_READ, 0, true)
    );
    assert_csum_counters(&mut t, 0, 0, 0);
}

#[test]
fn tx_csum_counts_only_frames_whose_completion_was_written() {
    let mut t = Rig::new();
    let ring = t.mem.alloc(32 * 4, 64).unwrap().0;
    let r = t.setup_at(Dir::Tx, ring, MEM_END, 4);
    let data = partial_tcp(20, 5);
    let b = t.buf(&data);
    t.post_csum(
        r,
        0,
        b,
        data.len() as u32,
        (NEEDS_CSUM, TCP_START, TCP_OFFSET),
    );
    t.doorbell(r, 1);
    assert!(t.run());
    let sent = t.tx_all();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].data, finished(&data), "sent, checksummed");
    assert_eq!(t.stat(stat::TX_FRAMES), 0);
    assert_csum_counters(&mut t, 0, 0, 0);
}

#[test]
fn tx_csum_counts_every_checksummed_frame() {
    let mut t = Rig::new();
    let r = t.setup(Dir::Tx, 8);
    for i in 0..5u32 {
        let data = partial_tcp(10 * i as usize, i as u8);
        let b = t.buf(&data);
        let flags = if i % 2 == 0 { NEEDS_CSUM } else { 0 };
        t.post_csum(r, i, b, data.len() as u32, (flags, TCP_START, TCP_OFFSET));
    }
    t.doorbell(r, 5);
    assert!(t.run());
    let sent = t.tx_all();
    for (i, f) in sent.iter().enumerate() {
        let want = if i % 2 == 0 { GOOD } else { BAD };
        assert_eq!(rx_checksum(&f.data).verdict, want, "{i}");
    }
    assert_eq!(t.stat(stat::TX_FRAMES), 5);
    assert_csum_counters(&mut t, 3, 0, 0);
}

// ---- RX ----

/// Receives `frames` from the wire into 2 KiB buffers; returns the ring.
fn receive(t: &mut Rig, frames: &[Frame], cap: u32) -> Ring {
    let r = t.setup(Dir::Rx, 16);
    for (i, f) in frames.iter().enumerate() {
        let b = t.mem.alloc(2048, 8).unwrap().0;
        t.post(r, i as u32, b, cap);
        t.nic.wire_rx_push(f.clone());
    }
    t.doorbell(r, frames.len() as u32);
    assert!(t.run());
    assert_eq!(t.nic.rx_port_pending(), 0);
    r
}

fn good_frame(payload: usize, seed: u8) -> Vec<u8> {
    finished(&partial_tcp(payload, seed))
}

fn bad_frame(payload: usize, seed: u8) -> Vec<u8> {
    let mut f = good_frame(payload, seed);
    let n = f.len();
    f[n - 1] ^= 0x80;
    f
}

#[test]
fn rx_completions_carry_csum_and_the_verdict_and_count_it() {
    let mut t = Rig::new();
    let frames: Vec<Vec<u8>> = vec![
        good_frame(100, 1),
        bad_frame(100, 2),
        pattern(80, 3),
        good_frame(0, 4),
        good_frame(1, 5),
    ];
    let verdicts = [GOOD, BAD, NOT_CHECKED, GOOD, GOOD];
    let wire: Vec<Frame> = frames
        .iter()
        .map(|d| Frame {
            data: d.clone(),
            bad: false,
        })
        .collect();
    let r = receive(&mut t, &wire, 2048);
    for (i, f) in frames.iter().enumerate() {
        let want = with_rss(
            with_rx_csum(
                expected_cpl(f.len() as u32, 0, i as u16, true),
                complete_sum(f),
                verdicts[i],
            ),
            f,
        );
        assert_eq!(t.cpl(r, i as u32), want, "frame {i}");
        assert_ne!(complete_sum(f), 0);
    }
    assert_eq!(t.stat(stat::RX_FRAMES), 5);
    assert_csum_counters(&mut t, 0, 3, 1);
}

#[test]
fn rx_with_the_feature_off_writes_zero_csum_and_verdict() {
    let mut t = Rig::new();
    t.nic.mmio_write(reg::FEATURES, cap::TX_CSUM);
    let frames = [good_frame(100, 1), bad_frame(50, 2)];
    let wire: Vec<Frame> = frames
        .iter()
        .map(|d| Frame {
            data: d.clone(),
            bad: false,
        })
        .collect();
    let r = receive(&mut t, &wire, 2048);
    for (i, f) in frames.iter().enumerate() {
        assert_eq!(
            t.cpl(r, i as u32),
            expected_cpl(f.len() as u32, 0, i as u16, true)
        );
    }
    assert_csum_counters(&mut t, 0, 0, 0);
}

#[test]
fn rx_completions_with_errors_carry_the_verdict_of_the_whole_frame() {
    let good = good_frame(200, 1);
    let bad = bad_frame(200, 2);
    // A bad descriptor: nothing written to the buffer, the verdict still
    // reported and counted.
    let mut t = Rig::new();
    let r = receive(
        &mut t,
        &[Frame {
            data: good.clone(),
            bad: false,
        }],
        0,
    );
    assert_eq!(t.cpl(r, 0), rx_cpl(&good, err::DESC_LEN, 0, true));
    assert_eq!(t.stat(stat::RX_ERRORS), 1);
    assert_csum_counters(&mut t, 0, 1, 0);

    // Too big: the buffer holds 64 bytes, the verdict is the whole frame's.
    let mut t = Rig::new();
    let r = receive(
        &mut t,
        &[Frame {
            data: bad.clone(),
            bad: false,
        }],
        64,
    );
    assert_eq!(t.cpl(r, 0), rx_cpl(&bad, err::RX_TOO_BIG, 0, true));
    assert_eq!(rx_checksum(&bad).verdict, BAD);
    assert_csum_counters(&mut t, 0, 0, 1);

    // Marked bad by the MAC.
    let mut t = Rig::new();
    let r = receive(
        &mut t,
        &[Frame {
            data: good.clone(),
            bad: true,
        }],
        2048,
    );
    assert_eq!(t.cpl(r, 0), rx_cpl(&good, err::RX_FRAME, 0, true));
    assert_eq!(rx_checksum(&good).verdict, GOOD);
    assert_csum_counters(&mut t, 0, 1, 0);
}

#[test]
fn rx_verdicts_of_unwritten_completions_and_dropped_frames_are_not_counted() {
    // Completion ring outside memory.
    let mut t = Rig::new();
    let ring = t.mem.alloc(16 * 4, 64).unwrap().0;
    let r = t.setup_at(Dir::Rx, ring, MEM_END, 4);
    let buf = t.mem.alloc(2048, 8).unwrap().0;
    t.post(r, 0, buf, 2048);
    t.doorbell(r, 1);
    t.nic.wire_rx_push(Frame {
        data: good_frame(10, 1),
        bad: false,
    });
    assert!(t.run());
    assert_eq!(t.reg(reg::ERR_CAUSE), err::DMA_WRITE);
    assert_csum_counters(&mut t, 0, 0, 0);

    // Queue disabled: dropped.
    let mut t = Rig::new();
    t.nic.wire_rx_push(Frame {
        data: good_frame(10, 1),
        bad: false,
    });
    assert!(t.run());
    assert_eq!(t.stat(stat::RX_DROPPED), 1);
    assert_csum_counters(&mut t, 0, 0, 0);
}

// ---- both, through the loopback ----

#[test]
fn loopback_frame_checksummed_on_tx_verifies_on_rx() {
    let mut t = Rig::new();
    t.nic.mmio_write(reg::CTRL, ctrl::LOOPBACK);
    let tx = t.setup(Dir::Tx, 4);
    let rx = t.setup(Dir::Rx, 4);
    let data = partial_tcp(333, 7);
    let len = data.len() as u32;
    let b = t.buf(&data);
    t.post_csum(tx, 0, b, len, (NEEDS_CSUM, TCP_START, TCP_OFFSET));
    let rx_buf = t.mem.alloc(2048, 8).unwrap().0;
    t.post(rx, 0, rx_buf, 2048);
    t.doorbell(tx, 1);
    t.doorbell(rx, 1);
    assert!(t.run());
    let want = finished(&data);
    assert_eq!(t.bytes(rx_buf, want.len()), want);
    assert_eq!(t.cpl(tx, 0), expected_cpl(len, 0, 0, true));
    let rec = t.cpl(rx, 0);
    assert_eq!(rec, rx_cpl(&want, 0, 0, true));
    assert_eq!(rec[cpl::CSUM_VERDICT][0], GOOD);
    assert_eq!(t.reg(reg::IRQ_CAUSE), irq::TX_DONE | irq::RX_DONE);
    assert_csum_counters(&mut t, 1, 1, 0);
}

#[test]
fn loopback_with_both_features_off_leaves_the_frame_and_reports_nothing() {
    let mut t = Rig::new();
    t.nic.mmio_write(reg::CTRL, ctrl::LOOPBACK);
    t.nic.mmio_write(reg::FEATURES, 0);
    let tx = t.setup(Dir::Tx, 4);
    let rx = t.setup(Dir::Rx, 4);
    let data = partial_tcp(100, 8);
    let len = data.len() as u32;
    let b = t.buf(&data);
    t.post_csum(tx, 0, b, len, (NEEDS_CSUM, TCP_START, TCP_OFFSET));
    let rx_buf = t.mem.alloc(2048, 8).unwrap().0;
    t.post(rx, 0, rx_buf, 2048);
    t.doorbell(tx, 1);
    t.doorbell(rx, 1);
    assert!(t.run());
    assert_eq!(t.bytes(rx_buf, data.len()), data);
    assert_eq!(t.cpl(rx, 0), expected_cpl(len, 0, 0, true));
    assert_csum_counters(&mut t, 0, 0, 0);
}

#[test]
fn reset_zeroes_the_checksum_counters() {
    let mut t = Rig::new();
    receive(
        &mut t,
        &[Frame {
            data: good_frame(10, 1),
            bad: false,
        }],
        2048,
    );
    assert_csum_counters(&mut t, 0, 1, 0);
    t.nic.mmio_write(reg::CTRL, ctrl::RESET);
    assert_csum_counters(&mut t, 0, 0, 0);
}
