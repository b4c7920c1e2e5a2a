//! What every backend of the `Device` trait must do, whatever sits behind it: the same suite runs
//! on `model` and `sim` (and is what a new backend, such as VFIO on a real card, must pass).
//!
//! - MMIO: the identity registers, a read-write register read back, reset values after
//!   `CTRL.RESET`, and a misaligned or out-of-BAR offset refused with an error, never a panic;
//! - DMA memory: allocations are zeroed, aligned as asked and disjoint, CPU writes read back, and
//!   an access or an allocation that does not fit (including one that wraps past 2^64) is refused
//!   with an error that names it, changing nothing;
//! - interrupts: with no cause enabled `wait_irq` times out after the device time it was given;
//!   an enabled error cause raises the line, and clearing it drops it;
//! - simulation abilities are offered by simulated backends (`Device::simulated`).

mod common;

use firmware_model::contract::{ctrl, irq, limits, reg, status};
use firmware_model::mem::DmaAddr;
use host_driver::device::{Device, DeviceError, SimulatedExt};

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
                Err(DeviceError::Mmio(msg)) => {
                    assert!(
                        msg.contains(&format!("{off:#x}")),
                        "{name}: read {off:#x}: {msg}"
                    )
                }
                other => panic!("{name}: read of BAR0 offset {off:#x} gave {other:?}"),
            }
            match dev.write32(off, 0xdead_beef) {
                Err(DeviceError::Mmio(msg)) => {
                    assert!(
                        msg.contains(&format!("{off:#x}")),
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
fn dma_allocations_are_zeroed_aligned_disjoint_and_read_back() {
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
            let a = dev.dma_alloc(len, align).unwrap();
            assert_eq!(
                a.0 % align,
                0,
                "{name}: {len} bytes aligned to {align}: {:#x}",
                a.0
            );
            let mut buf = vec![0xa5; len];
            dev.mem_read(a, &mut buf).unwrap();
            assert!(
                buf.iter().all(|&b| b == 0),
                "{name}: fresh DMA memory is zeroed"
            );
            for &(b, l) in &got {
                assert!(
                    a.0 + len as u64 <= b || b + l as u64 <= a.0,
                    "{name}: {:#x}+{len} overlaps {b:#x}+{l}",
                    a.0
                );
            }
            let data: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            dev.mem_write(a, &data).unwrap();
            let mut back = vec![0; len];
            dev.mem_read(a, &mut back).unwrap();
            assert_eq!(back, data, "{name}: {len} bytes at {:#x} read back", a.0);
            got.push((a.0, len));
        }
    });
}

#[test]
fn dma_refuses_what_does_not_fit_and_changes_nothing() {
    each_backend(|name, dev| {
        let a = dev.dma_alloc(64, 64).unwrap();
        dev.mem_write(a, &[0x11; 64]).unwrap();
        // Alignments that are not a power of two, and 0.
        for align in [0, 3, 24, u64::MAX] {
            assert!(
                dev.dma_alloc(8, align).is_err(),
                "{name}: alignment {align} accepted"
            );
        }
        // More than there is; an alignment that would carry the start past 2^64.
        assert!(
            dev.dma_alloc(usize::MAX, 1).is_err(),
            "{name}: usize::MAX bytes"
        );
        assert!(dev.dma_alloc(8, 1 << 63).is_err(), "{name}: 2^63 alignment");
        // Accesses outside DMA memory, including ranges that wrap past 2^64.
        let mut buf = [0u8; 16];
        for (addr, len) in [(0, 16), (u64::MAX - 7, 16), (u64::MAX, 1)] {
            match dev.mem_read(DmaAddr(addr), &mut buf[..len]) {
                Err(DeviceError::HostAccess(f)) => {
                    assert!(f.to_string().contains(&format!("{addr:#x}")), "{name}: {f}")
                }
                other => panic!("{name}: read {addr:#x}+{len}: {other:?}"),
            }
            match dev.mem_write(DmaAddr(addr), &buf[..len]) {
                Err(DeviceError::HostAccess(_)) => {}
                other => panic!("{name}: write {addr:#x}+{len}: {other:?}"),
            }
        }
        let mut back = [0u8; 64];
        dev.mem_read(a, &mut back).unwrap();
        assert_eq!(back, [0x11; 64], "{name}: a refused access changed memory");
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
