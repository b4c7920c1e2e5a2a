//! What every backend of the `Device` trait must do, whatever sits behind it: the same suite runs
//! on `model` and `sim` (and is what a new backend, such as VFIO on a real card, must pass).
//!
//! - MMIO: the identity registers, a read-write register read back, reset values after
//!   `CTRL.RESET`, and a misaligned or out-of-BAR offset refused with an error, never a panic;
//! - DMA memory as mapped regions: zeroed, aligned as asked and disjoint, CPU writes read back;
//!   an access or an allocation that does not fit (including one that wraps past 2^64) is refused
//!   with an error that names it, changing nothing;
//! - DMA regions: the bytes the CPU writes through a region are what the device reads, and what
//!   the device writes the CPU reads there;
//! - interrupts: with no cause enabled `wait_irq` times out after the device time it was given;
//!   an enabled error cause raises the line, and clearing it drops it; a pollable event per
//!   source (the line, a set of queue vectors) becomes readable each time it rises;
//! - simulation abilities are offered by simulated backends (`Device::simulated`).

mod common;

use firmware_model::contract::{ctrl, irq, limits, qirq, qreg, reg, status};
use host_driver::device::{Device, DeviceError, IrqSource, MmioOp, SimulatedExt};
use std::time::Duration;

fn each_backend(check: impl Fn(&str, &mut dyn Device)) {
    for (name, mut dev) in common::devices(1, false) {
        check(name, dev.as_mut());
    }
}

/// A BAR0 offset past every register (BAR0 is 4 KiB).
const PAST_BAR0: u32 = 0x1000;

#[test]
fn mmio_identity_read_back_and_reset_values() {
    each_backend(|name, dev| {
        assert_eq!(dev.read32(reg::ID).unwrap(), limits::ID_MAGIC, "{name}: ID");
        assert_eq!(
            dev.read32(reg::VERSION).unwrap(),
            limits::VERSION,
            "{name}: VERSION"
        );
        assert_ne!(
            dev.read32(reg::STATUS).unwrap() & status::READY,
            0,
            "{name}: READY"
        );
        let features = dev.read32(reg::FEATURES).unwrap();
        for v in [0x1234_5678, 0, 0xffff_ffff] {
            dev.write32(reg::IRQ_ITR, v).unwrap();
            assert_eq!(
                dev.read32(reg::IRQ_ITR).unwrap(),
                v,
                "{name}: IRQ_ITR read back"
            );
        }
        dev.write32(reg::IRQ_MASK, irq::ERROR).unwrap();
        dev.write32(reg::CTRL, ctrl::RESET).unwrap();
        // Out of reset within a bounded device time.
        let mut ready = false;
        for _ in 0..100 {
            if dev.read32(reg::STATUS).unwrap() & status::READY != 0 {
                ready = true;
                break;
            }
            dev.wait_irq(100).unwrap();
        }
        assert!(ready, "{name}: READY after CTRL.RESET");
        assert_eq!(
            dev.read32(reg::IRQ_ITR).unwrap(),
            0,
            "{name}: IRQ_ITR after reset"
        );
        assert_eq!(
            dev.read32(reg::IRQ_MASK).unwrap(),
            0,
            "{name}: IRQ_MASK after reset"
        );
        assert_eq!(
            dev.read32(reg::FEATURES).unwrap(),
            features,
            "{name}: FEATURES after reset"
        );
        assert_eq!(
            dev.read32(reg::CTRL).unwrap() & ctrl::RESET,
            0,
            "{name}: RESET reads 0"
        );
    });
}

#[test]
fn mmio_refuses_misaligned_and_out_of_bar_offsets() {
    each_backend(|name, dev| {
        for off in [
            reg::ID + 1,
            reg::ID + 2,
            reg::IRQ_ITR + 3,
            PAST_BAR0,
            u32::MAX - 3,
            u32::MAX,
        ] {
            match dev.read32(off) {
                Err(e @ DeviceError::Mmio { op, offset, .. }) => {
                    assert_eq!((op, offset), (MmioOp::Read, off), "{name}");
                    let msg = e.to_string();
                    assert!(
                        msg.contains(&format!("{off:#x}")) && msg.contains("read"),
                        "{name}: read {off:#x}: {msg}"
                    )
                }
                other => panic!("{name}: read of BAR0 offset {off:#x} gave {other:?}"),
            }
            match dev.write32(off, 0xdead_beef) {
                Err(e @ DeviceError::Mmio { op, offset, .. }) => {
                    assert_eq!((op, offset), (MmioOp::Write, off), "{name}");
                    let msg = e.to_string();
                    assert!(
                        msg.contains(&format!("{off:#x}")) && msg.contains("write"),
                        "{name}: write {off:#x}: {msg}"
                    )
                }
                other => panic!("{name}: write of BAR0 offset {off:#x} gave {other:?}"),
            }
        }
        // Nothing was written: the NIC still reads as it did.
        assert_eq!(dev.read32(reg::ID).unwrap(), limits::ID_MAGIC, "{name}");
        assert_eq!(dev.read32(reg::IRQ_ITR).unwrap(), 0, "{name}");
    });
}

#[test]
fn dma_regions_are_zeroed_aligned_disjoint_and_read_back() {
    each_backend(|name, dev| {
        let mut got: Vec<(u64, usize)> = Vec::new();
        for (len, align) in [
            (1, 1),
            (100, 8),
            (4096, 4096),
            (3, 2),
            (64 * 1024, 64),
            (0, 16),
        ] {
            let r = dev.dma_alloc(len, align).unwrap();
            let a = r.bus_addr().0;
            assert_eq!(r.len(), len, "{name}");
            assert_eq!(
                a % align,
                0,
                "{name}: {len} bytes aligned to {align}: {a:#x}"
            );
            assert!(
                r.read_vec(0, len).unwrap().iter().all(|&b| b == 0),
                "{name}: fresh DMA memory is zeroed"
            );
            for &(b, l) in &got {
                assert!(
                    a + len as u64 <= b || b + l as u64 <= a,
                    "{name}: {a:#x}+{len} overlaps {b:#x}+{l}"
                );
            }
            let data: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            r.write(0, &data).unwrap();
            assert_eq!(
                r.read_vec(0, len).unwrap(),
                data,
                "{name}: {len} bytes at {a:#x}"
            );
            got.push((a, len));
        }
    });
}

#[test]
fn the_device_reads_and_writes_the_bytes_a_region_maps() {
    // A TX frame the CPU writes through a region goes out on the wire as written; a frame the
    // NIC receives lands in a region where the CPU reads it.
    each_backend(|name, dev| {
        dev.write32(reg::CTRL, ctrl::LOOPBACK).unwrap();
        let frame: Vec<u8> = (0..96).map(|i| (i * 5 + 1) as u8).collect();
        let tx_buf = dev
            .dma_alloc(frame.len(), limits::BUF_ALIGN as u64)
            .unwrap();
        let rx_buf = dev.dma_alloc(2048, limits::BUF_ALIGN as u64).unwrap();
        tx_buf.write(0, &frame).unwrap();
        let mut rxq = common::setup_queue(dev, true, 8);
        common::post(dev, &mut rxq, &common::rx_desc(rx_buf.bus_addr().0, 2048));
        common::doorbell(dev, &rxq);
        let mut txq = common::setup_queue(dev, false, 8);
        common::post(
            dev,
            &mut txq,
            &common::tx_desc(tx_buf.bus_addr().0, frame.len() as u32),
        );
        common::doorbell(dev, &txq);
        let got = common::wait_cpls(dev, &mut rxq, 1, 200_000);
        assert_eq!(got.len(), 1, "{name}: no RX completion");
        assert_eq!(rx_buf.read_vec(0, frame.len()).unwrap(), frame, "{name}");
    });
}

#[test]
fn dma_refuses_what_does_not_fit_and_changes_nothing() {
    each_backend(|name, dev| {
        let r = dev.dma_alloc(64, 64).unwrap();
        r.write(0, &[0x11; 64]).unwrap();
        // Alignments that are not a power of two, and 0.
        for align in [0, 3, 24, u64::MAX] {
            match dev.dma_alloc(8, align) {
                Err(e @ DeviceError::DmaAlignment { align: a }) => {
                    assert_eq!(a, align, "{name}");
                    assert!(e.to_string().contains(&align.to_string()), "{e}");
                }
                other => panic!("{name}: alignment {align}: {other:?}"),
            }
        }
        // More than there is; an alignment that would carry the start past 2^64.
        assert!(
            matches!(
                dev.dma_alloc(usize::MAX, 1),
                Err(DeviceError::OutOfMemory(_))
            ),
            "{name}: usize::MAX bytes"
        );
        assert!(dev.dma_alloc(8, 1 << 63).is_err(), "{name}: 2^63 alignment");
        // Accesses past the region, including offsets that wrap past 2^64.
        let mut buf = [0u8; 16];
        for (off, len) in [(60, 8), (64, 1), (usize::MAX - 7, 16), (usize::MAX, 1)] {
            let e = r.read(off, &mut buf[..len]).unwrap_err();
            assert_eq!((e.offset, e.len, e.size), (off, len, 64), "{name}");
            assert!(e.to_string().contains(&format!("{off:#x}")), "{name}: {e}");
            assert!(
                r.write(off, &buf[..len]).is_err(),
                "{name}: write {off:#x}+{len}"
            );
            assert!(r.sub(off, len).is_err(), "{name}: sub {off:#x}+{len}");
        }
        assert_eq!(
            r.read_vec(0, 64).unwrap(),
            [0x11; 64],
            "{name}: a refused access changed memory"
        );
    });
}

#[test]
fn interrupts_time_out_rise_on_an_enabled_cause_and_drop_when_cleared() {
    each_backend(|name, dev| {
        let t0 = dev.now_ns();
        assert!(
            !dev.wait_irq(5_000).unwrap(),
            "{name}: an interrupt with no cause enabled"
        );
        assert!(
            dev.now_ns() >= t0 + 5_000,
            "{name}: wait_irq returned early"
        );
        // An error cause: a doorbell on a queue that is not set up is ignored, so make one that
        // is set up and ring it past its ring.
        let q = common::setup_queue(dev, false, 8);
        dev.write32(reg::IRQ_MASK, irq::ERROR).unwrap();
        dev.write32(q.reg(firmware_model::contract::qreg::TAIL), 8)
            .unwrap();
        assert!(
            dev.wait_irq(100_000).unwrap(),
            "{name}: no interrupt for a bad doorbell"
        );
        assert_ne!(
            dev.read32(reg::IRQ_CAUSE).unwrap() & irq::ERROR,
            0,
            "{name}: IRQ_CAUSE"
        );
        dev.write32(reg::IRQ_CAUSE, irq::ERROR).unwrap();
        // (The read also gives a clocked device the cycle its line takes to follow the cause.)
        assert_eq!(
            dev.read32(reg::IRQ_CAUSE).unwrap() & irq::ERROR,
            0,
            "{name}: IRQ_CAUSE.ERROR after clearing"
        );
        assert!(
            !dev.wait_irq(10_000).unwrap(),
            "{name}: the line stayed high after clearing"
        );
    });
}

#[test]
fn interrupt_events_are_pollable_and_fire_each_time_their_source_rises() {
    each_backend(|name, dev| {
        let line = dev.irq_event(IrqSource::Line).unwrap();
        let tx0 = dev.irq_event(IrqSource::Vectors(1)).unwrap();
        let tx1 = dev.irq_event(IrqSource::Vectors(1 << 1)).unwrap();
        assert_eq!(line.source(), IrqSource::Line);
        assert_eq!(
            line.take().unwrap(),
            0,
            "{name}: a fresh event is not signalled"
        );
        assert!(!line.wait(Duration::ZERO).unwrap(), "{name}");
        // TX queue 0 (vector 0) completes a frame with its vector enabled.
        let mut q = common::setup_queue(dev, false, 8);
        dev.write32(q.reg(qreg::IRQ), qirq::ENABLE).unwrap();
        let buf = dev.dma_alloc(64, limits::BUF_ALIGN as u64).unwrap();
        buf.write(0, &[0x42; 64]).unwrap();
        common::post(dev, &mut q, &common::tx_desc(buf.bus_addr().0, 64));
        common::doorbell(dev, &q);
        assert_ne!(
            dev.wait_queue_irq(1, 200_000).unwrap(),
            0,
            "{name}: no TX vector"
        );
        assert!(
            tx0.wait(Duration::ZERO).unwrap(),
            "{name}: vector event fd not readable"
        );
        assert_eq!(tx0.take().unwrap(), 1, "{name}: vector event");
        assert_eq!(
            tx1.take().unwrap(),
            0,
            "{name}: another vector's event fired"
        );
        assert_eq!(
            line.take().unwrap(),
            0,
            "{name}: the line with no cause enabled"
        );
        // The line, twice: each rise is one count.
        dev.write32(reg::IRQ_MASK, irq::ERROR).unwrap();
        for round in 1..=2 {
            dev.write32(q.reg(qreg::TAIL), 8).unwrap();
            assert!(dev.wait_irq(100_000).unwrap(), "{name}: round {round}");
            assert!(
                line.wait(Duration::ZERO).unwrap(),
                "{name}: line fd not readable"
            );
            assert_eq!(line.take().unwrap(), 1, "{name}: round {round}");
            assert_eq!(line.take().unwrap(), 0, "{name}: taken twice");
            let cause = dev.read32(reg::ERR_CAUSE).unwrap();
            dev.write32(reg::ERR_CAUSE, cause).unwrap();
            dev.write32(reg::IRQ_CAUSE, irq::ERROR).unwrap();
            // (The read gives a clocked device the cycle its line takes to follow the cause.)
            assert_eq!(
                dev.read32(reg::IRQ_CAUSE).unwrap() & irq::ERROR,
                0,
                "{name}"
            );
            assert!(!dev.wait_irq(10_000).unwrap(), "{name}: line stayed high");
        }
    });
}

#[test]
fn simulated_backends_offer_the_simulation_abilities() {
    each_backend(|name, dev| {
        assert!(dev.simulated().is_some(), "{name}");
        assert!(dev.host_memory().is_some(), "{name}");
        assert!(
            dev.protocol_errors().is_empty(),
            "{name}: {:?}",
            dev.protocol_errors()
        );
        assert!(dev.wire_recv().is_none(), "{name}: a frame on an idle wire");
    });
}
