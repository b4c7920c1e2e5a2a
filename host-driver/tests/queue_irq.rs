//! Queue interrupt vectors and their moderation (QREG IRQ, IRQ_MOD_FRAMES,
//! IRQ_MOD_NS) on the RTL and on the model: a vector rises after its count of
//! completions or after its time, ENABLE masks it, clearing PENDING drops it,
//! and only the vector of the queue that completed rises.

mod common;

use common::*;
use firmware_model::contract::{limits, qirq, qirq_field, qreg, reg, rxq, txq};
use firmware_model::nic::Frame;
use host_driver::device::Device;
use host_driver::device::SimulatedExt;
use nic_traffic::{tcp_ipv4_flow_frame, Flow4};

const RX_Q: u32 = 5;
const TX_Q: u32 = 3;

fn frame(i: u32) -> Frame {
    let flow = Flow4 {
        src: [10, 0, 0, i as u8],
        dst: [10, 0, 0, 200],
        sport: 4000 + i as u16,
        dport: 80,
    };
    Frame {
        data: tcp_ipv4_flow_frame(100, u64::from(i), flow),
        bad: false,
    }
}

fn check(name: &str, dev: &mut dyn Device) {
    let n = limits::NUM_TXQ;
    let rx_vec = 1 << (n + RX_Q);
    let tx_vec = 1 << TX_Q;
    // Every frame to RX queue RX_Q.
    for w in 0..limits::RSS_INDIR_WORDS {
        dev.write32(reg::RSS_INDIR + 4 * w, RX_Q * 0x0101_0101)
            .unwrap();
    }
    let mut rx = setup_queue_n(dev, true, RX_Q, 64);
    let mut tx = setup_queue_n(dev, false, TX_Q, 64);
    for _ in 0..32 {
        let a = dev.dma_alloc_at(256, 8).unwrap();
        post(dev, &mut rx, &rx_desc(a.0, 256));
    }
    doorbell(dev, &rx);
    dev.write32(reg::IRQ_MOD_FRAMES, 4).unwrap();
    dev.write32(reg::IRQ_MOD_NS, 20_000).unwrap();
    dev.write32(rxq(RX_Q, qreg::IRQ), qirq::ENABLE).unwrap();
    dev.write32(txq(TX_Q, qreg::IRQ), qirq::ENABLE).unwrap();
    let all = (1u32 << (2 * n)) - 1;

    // Three frames: held back (4 needed, 20 us not yet passed).
    for i in 0..3 {
        dev.wire_send(frame(i)).unwrap();
    }
    assert_eq!(
        dev.wait_queue_irq(all, 5_000).unwrap(),
        0,
        "{name}: 3 of 4 frames"
    );
    let v = dev.read32(rxq(RX_Q, qreg::IRQ)).unwrap();
    assert_eq!(
        v,
        qirq::ENABLE | qirq::PENDING | 3 << qirq_field::COUNT_SHIFT,
        "{name}: IRQ register after 3 completions"
    );
    // The fourth fires it, and nothing else.
    dev.wire_send(frame(3)).unwrap();
    assert_eq!(
        dev.wait_queue_irq(all, 5_000).unwrap(),
        rx_vec,
        "{name}: 4th frame"
    );
    dev.write32(rxq(RX_Q, qreg::IRQ), qirq::ENABLE | qirq::PENDING)
        .unwrap();
    // (The vector is registered: a register read later it has fallen.)
    assert_eq!(dev.read32(rxq(RX_Q, qreg::IRQ)).unwrap(), qirq::ENABLE);
    assert_eq!(dev.wait_queue_irq(all, 100).unwrap(), 0, "{name}: cleared");

    // One frame: the time fires it, 20 us after its completion, not before.
    dev.wire_send(frame(4)).unwrap();
    let t0 = dev.now_ns();
    assert_eq!(
        dev.wait_queue_irq(all, 10_000).unwrap(),
        0,
        "{name}: before the time"
    );
    assert_eq!(
        dev.wait_queue_irq(all, 30_000).unwrap(),
        rx_vec,
        "{name}: by time"
    );
    let waited = dev.now_ns() - t0;
    assert!(
        (19_000..=26_000).contains(&waited),
        "{name}: the time vector rose {waited} ns after the frame was sent"
    );
    // ENABLE 0 masks it; PENDING stays.
    dev.write32(rxq(RX_Q, qreg::IRQ), 0).unwrap();
    assert_ne!(dev.read32(rxq(RX_Q, qreg::IRQ)).unwrap() & qirq::PENDING, 0);
    assert_eq!(dev.wait_queue_irq(all, 100).unwrap(), 0, "{name}: masked");

    // A TX completion raises the TX queue's vector only (moderation off).
    dev.write32(reg::IRQ_MOD_FRAMES, 0).unwrap();
    dev.write32(reg::IRQ_MOD_NS, 0).unwrap();
    let data = frame(9).data;
    let a = dev.dma_alloc_at(data.len(), 8).unwrap();
    dev.mem_write(a, &data).unwrap();
    post(dev, &mut tx, &tx_desc(a.0, data.len() as u32));
    doorbell(dev, &tx);
    assert_eq!(
        dev.wait_queue_irq(all, 20_000).unwrap(),
        tx_vec,
        "{name}: TX vector"
    );
}

#[test]
fn queue_vectors_fire_by_count_and_time_on_rtl_and_model() {
    for (name, mut dev) in devices(seed(0x1a9), false) {
        check(name, dev.as_mut());
    }
}
