//! Several queue pairs: RSS steering through the indirection table, TX round
//! robin, the per-queue counters, and errors that name their queue.

use super::*;
use crate::contract::{cap, err, limits, reg, stat};
use crate::rss;
use nic_traffic::{tcp_ipv4_flow_frame, Flow4};

fn flow(i: u32) -> Flow4 {
    Flow4 {
        src: [10, 1, (i >> 8) as u8, i as u8],
        dst: [10, 2, 0, 1],
        sport: 1024 + (i as u16).wrapping_mul(7),
        dport: 80,
    }
}

fn write_indir(t: &mut Rig, table: &rss::Indirection) {
    for (w, e) in table.chunks(4).enumerate() {
        let v = u32::from_le_bytes([e[0], e[1], e[2], e[3]]);
        t.nic.mmio_write(reg::RSS_INDIR + 4 * w as u32, v);
    }
}

fn queue_stat(t: &mut Rig, ring: Ring, lo: u32) -> u64 {
    let l = t.rr(ring, lo);
    let h = t.rr(ring, lo + 4);
    u64::from(h) << 32 | u64::from(l)
}

#[test]
fn queues_register_names_every_queue_and_each_block_is_its_own() {
    let mut t = Rig::new();
    let n = limits::NUM_TXQ;
    assert_eq!(t.reg(reg::QUEUES), n | n << 8);
    for q in 0..n {
        t.nic.mmio_write(txq(q, qreg::SIZE), 2 << q);
        t.nic.mmio_write(rxq(q, qreg::SIZE), 4 << q);
    }
    for q in 0..n {
        assert_eq!(t.reg(txq(q, qreg::SIZE)), 2 << q);
        assert_eq!(t.reg(rxq(q, qreg::SIZE)), 4 << q);
    }
}

#[test]
fn indirection_entries_keep_only_the_bits_that_name_a_queue() {
    let mut t = Rig::new();
    assert_eq!(t.reg(reg::RSS_INDIR), 0, "every entry resets to queue 0");
    t.nic.mmio_write(reg::RSS_INDIR + 4, 0xFFFF_FF09);
    let mask = (limits::NUM_RXQ - 1) * 0x0101_0101;
    assert_eq!(t.reg(reg::RSS_INDIR + 4), 0xFFFF_FF09 & mask);
    t.nic.mmio_write(reg::CTRL, crate::contract::ctrl::RESET);
    assert_eq!(t.reg(reg::RSS_INDIR + 4), 0);
}

#[test]
fn rss_steers_each_frame_to_the_queue_its_indirection_entry_names() {
    let mut t = Rig::new();
    let n = limits::NUM_RXQ;
    let table = rss::round_robin(n as u8);
    write_indir(&mut t, &table);
    let rings: Vec<Ring> = (0..n).map(|q| t.setup_queue(Dir::Rx, q, 64)).collect();
    let bufs: Vec<Vec<u64>> = rings
        .iter()
        .map(|&r| {
            (0..40)
                .map(|slot| {
                    let a = t.mem.alloc(512, 8).unwrap().0;
                    t.post(r, slot, a, 512);
                    a
                })
                .collect()
        })
        .collect();
    for &r in &rings {
        t.doorbell(r, 40);
    }
    let frames: Vec<Vec<u8>> = (0..200)
        .map(|i| tcp_ipv4_flow_frame(60 + (i as usize % 300), u64::from(i), flow(i)))
        .collect();
    for f in &frames {
        t.nic.wire_rx_push(Frame {
            data: f.clone(),
            bad: false,
        });
    }
    t.run();
    let mut next = vec![0u32; n as usize];
    let mut bytes = vec![0u64; n as usize];
    for f in &frames {
        let want = rss::rx_rss(f, &rss::VERIFICATION_KEY, &table);
        let q = usize::from(want.queue);
        let slot = next[q];
        next[q] += 1;
        bytes[q] += f.len() as u64;
        let rec = cpl::Completion::decode(&t.cpl(rings[q], slot));
        assert_eq!(rec.queue_num, want.queue);
        assert_eq!(rec.index, slot as u16);
        assert_eq!(rec.rss_hash, want.hash);
        assert_eq!(rec.errors, 0);
        assert_eq!(&t.bytes(bufs[q][slot as usize], f.len()), f);
    }
    assert!(
        next.iter().all(|&k| k > 0),
        "every queue got frames: {next:?}"
    );
    for q in 0..n as usize {
        let r = rings[q];
        assert_eq!(t.rr(r, qreg::HEAD), next[q]);
        assert_eq!(queue_stat(&mut t, r, qreg::FRAMES_LO), u64::from(next[q]));
        assert_eq!(queue_stat(&mut t, r, qreg::BYTES_LO), bytes[q]);
        assert_eq!(t.rr(r, qreg::ERRORS), 0);
    }
    assert_eq!(t.stat(stat::RX_FRAMES), frames.len() as u64);
}

#[test]
fn with_rxhash_off_every_frame_goes_to_queue_0() {
    let mut t = Rig::new();
    write_indir(&mut t, &rss::round_robin(limits::NUM_RXQ as u8));
    t.nic.mmio_write(reg::FEATURES, cap::RX_CSUM | cap::TX_CSUM);
    let r0 = t.setup_queue(Dir::Rx, 0, 16);
    for slot in 0..15 {
        let a = t.mem.alloc(2048, 8).unwrap().0;
        t.post(r0, slot, a, 2048);
    }
    t.doorbell(r0, 15);
    for i in 0..15 {
        let data = tcp_ipv4_flow_frame(100, i, flow(i as u32));
        t.nic.wire_rx_push(Frame { data, bad: false });
    }
    t.run();
    assert_eq!(t.rr(r0, qreg::HEAD), 15);
    assert_eq!(t.stat(stat::RX_DROPPED), 0);
}

#[test]
fn a_frame_for_a_disabled_queue_is_dropped_and_counted_on_that_queue() {
    let mut t = Rig::new();
    let table = [3u8; rss::INDIRECTION_LEN];
    write_indir(&mut t, &table);
    let r0 = t.setup_queue(Dir::Rx, 0, 4);
    let r3 = Ring { q: 3, ..r0 };
    t.nic.wire_rx_push(Frame {
        data: tcp_ipv4_flow_frame(80, 1, flow(1)),
        bad: false,
    });
    t.run();
    assert_eq!(t.nic.rx_port_pending(), 0);
    assert_eq!(t.rr(r3, qreg::DROPPED), 1);
    assert_eq!(t.rr(r0, qreg::DROPPED), 0);
    assert_eq!(t.stat(stat::RX_DROPPED), 1);
}

#[test]
fn a_frame_longer_than_the_rx_buffer_is_dropped_at_the_port() {
    let mut t = Rig::new();
    let r0 = t.setup_queue(Dir::Rx, 0, 4);
    let a = t.mem.alloc(32768, 8).unwrap().0;
    t.post(r0, 0, a, 32768);
    t.doorbell(r0, 1);
    let big = limits::MAX_RX_FRAME as usize + 1;
    t.nic.wire_rx_push(Frame {
        data: pattern(big, 3),
        bad: false,
    });
    t.nic.wire_rx_push(Frame {
        data: pattern(limits::MAX_RX_FRAME as usize, 4),
        bad: false,
    });
    t.run();
    assert_eq!(t.stat(stat::RX_OVERSIZE), 1);
    assert_eq!(
        t.rr(r0, qreg::HEAD),
        1,
        "the frame of MAX_RX_FRAME bytes is delivered"
    );
    let rec = cpl::Completion::decode(&t.cpl(r0, 0));
    assert_eq!(rec.len, limits::MAX_RX_FRAME);
}

#[test]
fn tx_queues_take_turns_and_count_their_own_frames() {
    let mut t = Rig::new();
    let qs = [0u32, 5, 7];
    let rings: Vec<Ring> = qs.iter().map(|&q| t.setup_queue(Dir::Tx, q, 8)).collect();
    for (k, &r) in rings.iter().enumerate() {
        for slot in 0..3 {
            let data = pattern(64 + 8 * slot as usize, (16 * k as u32 + slot) as u8);
            let a = t.buf(&data);
            t.post(r, slot, a, data.len() as u32);
        }
        t.doorbell(r, 3);
    }
    t.run();
    let wire = t.tx_all();
    let seeds: Vec<u8> = wire.iter().map(|f| f.data[0]).collect();
    assert_eq!(
        seeds,
        [0, 16, 32, 1, 17, 33, 2, 18, 34],
        "round robin, one descriptor each"
    );
    for (k, &r) in rings.iter().enumerate() {
        assert_eq!(t.rr(r, qreg::HEAD), 3);
        assert_eq!(queue_stat(&mut t, r, qreg::FRAMES_LO), 3);
        assert_eq!(queue_stat(&mut t, r, qreg::BYTES_LO), 64 + 72 + 80);
        for slot in 0..3 {
            let rec = cpl::Completion::decode(&t.cpl(r, slot));
            assert_eq!(u32::from(rec.queue_num), qs[k]);
        }
    }
}

#[test]
fn an_error_names_its_queue_and_halts_only_that_queue() {
    let mut t = Rig::new();
    let r2 = t.setup_queue(Dir::Tx, 2, 4);
    let r6 = t.setup_queue(Dir::Tx, 6, 4);
    t.post(r2, 0, 0x1000, 0);
    let data = pattern(100, 9);
    let a = t.buf(&data);
    t.post(r6, 0, a, 100);
    t.doorbell(r2, 1);
    t.doorbell(r6, 1);
    t.run();
    assert_eq!(t.reg(reg::ERR_CAUSE), err::DESC_LEN);
    let info = crate::contract::describe_err_info(t.reg(reg::ERR_INFO)).unwrap();
    assert_eq!(info, "DESC_LEN on TX queue 2, descriptor 0");
    assert_eq!(t.rr(r2, qreg::ERRORS), 1);
    assert_eq!(t.rr(r6, qreg::ERRORS), 0);
    assert_eq!(t.tx_all().len(), 1);
}

#[test]
fn a_queue_vector_fires_after_frames_or_time_and_falls_when_pending_is_cleared() {
    use crate::contract::{qirq, qirq_field};
    let mut t = Rig::new();
    let table = [2u8; rss::INDIRECTION_LEN];
    write_indir(&mut t, &table);
    let r2 = t.setup_queue(Dir::Rx, 2, 16);
    for slot in 0..15 {
        let a = t.mem.alloc(256, 8).unwrap().0;
        t.post(r2, slot, a, 256);
    }
    t.doorbell(r2, 15);
    t.nic.mmio_write(reg::IRQ_MOD_FRAMES, 4);
    t.nic.mmio_write(reg::IRQ_MOD_NS, 10_000);
    t.nic.mmio_write(rxq(2, qreg::IRQ), qirq::ENABLE);
    let vector = 1 << (t.nic.queues() + 2);
    let frame = |t: &mut Rig, i: u32| {
        t.nic.wire_rx_push(Frame {
            data: tcp_ipv4_flow_frame(80, u64::from(i), flow(i)),
            bad: false,
        });
        t.run();
    };
    t.nic.set_time(1_000);
    for i in 0..3 {
        frame(&mut t, i);
        assert_eq!(t.nic.queue_irq_lines(), 0, "{} of 4 frames", i + 1);
    }
    let v = t.rr(r2, qreg::IRQ);
    assert_eq!(
        v,
        qirq::ENABLE | qirq::PENDING | 3 << qirq_field::COUNT_SHIFT
    );
    frame(&mut t, 3);
    assert_eq!(t.nic.queue_irq_lines(), vector, "the fourth frame fires it");
    t.nic
        .mmio_write(rxq(2, qreg::IRQ), qirq::ENABLE | qirq::PENDING);
    assert_eq!(
        t.nic.queue_irq_lines(),
        0,
        "clearing PENDING drops the line"
    );
    assert_eq!(t.rr(r2, qreg::IRQ), qirq::ENABLE);
    // One frame, then time: the line rises IRQ_MOD_NS after it.
    t.nic.set_time(50_000);
    frame(&mut t, 4);
    t.nic.set_time(59_999);
    assert_eq!(t.nic.queue_irq_lines(), 0);
    t.nic.set_time(60_000);
    assert_eq!(t.nic.queue_irq_lines(), vector);
    // ENABLE 0 masks it; PENDING stays.
    t.nic.mmio_write(rxq(2, qreg::IRQ), 0);
    assert_eq!(t.nic.queue_irq_lines(), 0);
    assert_eq!(
        t.rr(r2, qreg::IRQ),
        qirq::PENDING | 1 << qirq_field::COUNT_SHIFT
    );
}
