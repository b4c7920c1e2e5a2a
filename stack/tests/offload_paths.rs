//! Every offload path of the stack, with the offloads emulated by
//! `EmulatorPort`: the same 1 MiB transfer under every combination of
//! TX checksum, TSO, RX checksum and GRO delivers identical bytes, the
//! counters show who did the work, the frames on the wire do not depend on
//! who segmented or checksummed them, and software GSO equals the emulated
//! TSO device byte for byte.

use emulated_nic::{EmulatorPort, EmulatorPortStats};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use stack::iface::gso::{segment, SegChecksum};
use stack::iface::{Interface, InterfaceConfig, Stats};
use stack::phy::emulator::{LinkConfig, Wire};
use stack::phy::{Capabilities, Device, TxMeta, GSO_NONE};
use stack::tcp::State;
use std::cell::{Cell, RefCell};
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::rc::Rc;
use std::sync::{Arc, Mutex};

const MAC_A: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0a];
const MAC_B: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0b];
const IP_A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const IP_B: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
const IP6_A: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0xa);
const IP6_B: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0xb);
const SEC: u64 = 1_000_000_000;
const MIB: usize = 1 << 20;

#[derive(Clone, Default)]
struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[derive(Debug, Clone, Copy)]
struct Offloads {
    tx_csum: bool,
    tso: bool,
    rx_csum: bool,
    gro: bool,
    /// With rx_csum: report only the complete sum, no verdict.
    complete_only: bool,
    lro: bool,
    /// Halfway through, the sender's device switches TSO and TX checksum
    /// to the opposite setting (capabilities change at run time).
    flip_midway: bool,
}

struct Outcome {
    received: Vec<u8>,
    a: Stats,
    b: Stats,
    port_a: EmulatorPortStats,
    port_b: EmulatorPortStats,
    capture: Vec<u8>,
    tx_log: Vec<(Vec<u8>, TxMeta)>,
}

fn data(seed: u64) -> Vec<u8> {
    let mut v = vec![0u8; MIB];
    ChaCha8Rng::seed_from_u64(seed).fill_bytes(&mut v);
    v
}

/// Sends `payload` from a to b over a 10 Gbit/s, 20 µs cable.
fn transfer(o: Offloads, v6: bool, payload: &[u8]) -> Outcome {
    let wire = Rc::new(RefCell::new(Wire::new(
        LinkConfig::new(10_000_000_000, 20_000),
        3,
    )));
    let cap = SharedBuf::default();
    wire.borrow_mut().capture_to(cap.clone()).unwrap();
    let now = Rc::new(Cell::new(0u64));
    let caps = Capabilities {
        max_frame: 1514,
        tx_checksum: o.tx_csum,
        rx_checksum: o.rx_csum,
        tso_v4: o.tso,
        tso_v6: o.tso,
        max_tso_bytes: 65535,
        lro: o.lro,
    };
    let mut da = EmulatorPort::attach(&wire, &now)
        .with_capabilities(caps)
        .report_rx_verdict(!o.complete_only);
    let mut db = EmulatorPort::attach(&wire, &now)
        .with_capabilities(caps)
        .report_rx_verdict(!o.complete_only);
    da.record_tx(true);
    let cfg = |mac, v4, v6, secret| InterfaceConfig {
        ipv4: Some((v4, 24)),
        ipv6: Some((v6, 64)),
        gro: o.gro,
        isn_secret: secret,
        ..InterfaceConfig::new(mac)
    };
    let mut a = Interface::new(cfg(MAC_A, IP_A, IP6_A, 1));
    let mut b = Interface::new(cfg(MAC_B, IP_B, IP6_B, 2));
    let l = b.tcp_listen(5001, 4).unwrap();
    let dst: IpAddr = if v6 { IP6_B.into() } else { IP_B.into() };
    let c = a.tcp_connect(0, SocketAddr::new(dst, 5001)).unwrap();
    let mut server = None;
    let mut sent = 0;
    let mut closed = false;
    let mut received = Vec::with_capacity(payload.len());
    let mut buf = vec![0u8; 65536];
    let limit = 60 * SEC;
    loop {
        let t = now.get();
        a.poll(t, &mut da);
        b.poll(t, &mut db);
        if server.is_none() {
            server = b.tcp_accept(l).unwrap();
        }
        if a.tcp_state(c).unwrap() == State::Established || sent > 0 {
            if sent < payload.len() {
                let before = sent;
                sent += a.tcp_send(c, &payload[sent..]).unwrap();
                if o.flip_midway && before < payload.len() / 2 && sent >= payload.len() / 2 {
                    da.set_capabilities(Capabilities {
                        tso_v4: !o.tso,
                        tso_v6: !o.tso,
                        tx_checksum: !o.tx_csum,
                        ..caps
                    });
                }
            } else if !closed {
                a.tcp_close(c).unwrap();
                closed = true;
            }
        }
        if let Some(s) = server {
            loop {
                let k = b.tcp_recv(s, &mut buf).unwrap();
                if k == 0 {
                    break;
                }
                received.extend_from_slice(&buf[..k]);
            }
            if b.tcp_recv_finished(s).unwrap() {
                break;
            }
        }
        let next = [wire.borrow().next_event_ns(), a.poll_at(), b.poll_at()]
            .into_iter()
            .flatten()
            .min();
        match next {
            // Interrupt moderation: the hosts poll on a 10 µs grid, so
            // frames that arrive close together are handled in one poll
            // (what GRO needs to coalesce).
            Some(n) if n <= limit => now.set(n.max(t + 1).div_ceil(10_000) * 10_000),
            _ => panic!(
                "transfer stalled at {} of {} bytes ({o:?}): {:?} {:?}",
                received.len(),
                payload.len(),
                a.stats(),
                b.stats()
            ),
        }
    }
    wire.borrow_mut().stop_capture().unwrap();
    let capture = cap.0.lock().unwrap().clone();
    Outcome {
        received,
        a: *a.stats(),
        b: *b.stats(),
        port_a: da.stats(),
        port_b: db.stats(),
        capture,
        tx_log: da.take_tx_log(),
    }
}

fn combos() -> Vec<Offloads> {
    let mut v = Vec::new();
    for bits in 0..16u8 {
        v.push(Offloads {
            tx_csum: bits & 1 != 0,
            tso: bits & 2 != 0,
            rx_csum: bits & 4 != 0,
            gro: bits & 8 != 0,
            complete_only: false,
            lro: false,
            flip_midway: false,
        });
    }
    v
}

fn check_counters(o: &Offloads, r: &Outcome) {
    let (a, b) = (&r.a, &r.b);
    if o.tso {
        assert!(a.tso_super_frames > 0, "{o:?} {a:?}");
        assert_eq!(a.gso_segments, 0, "{o:?}");
        assert!(r.port_a.tso_segments > r.port_a.tso_super_frames);
    } else {
        assert_eq!(a.tso_super_frames, 0);
        assert!(
            a.gso_super_frames > 0 && a.gso_segments > a.gso_super_frames,
            "{o:?} {a:?}"
        );
        assert_eq!(r.port_a.tso_super_frames, 0);
    }
    if o.tx_csum {
        assert_eq!(a.tx_csum_software, 0, "{o:?}");
        assert!(r.port_a.tx_csum_completed > 0);
    } else {
        assert_eq!(a.tx_csum_offloaded, 0, "{o:?}");
        assert_eq!(r.port_a.tx_csum_completed, 0);
    }
    if !o.tso {
        // Every data segment's checksum was made by one side or the other.
        assert!(a.tx_csum_offloaded + a.tx_csum_software >= a.gso_segments);
    }
    if o.rx_csum && !o.complete_only {
        assert!(
            b.rx_csum_device > 0 && b.rx_csum_software == 0,
            "{o:?} {b:?}"
        );
    } else if o.rx_csum {
        assert!(
            b.rx_csum_complete > 0 && b.rx_csum_software == 0,
            "{o:?} {b:?}"
        );
    } else {
        assert!(b.rx_csum_software > 0 && b.rx_csum_device + b.rx_csum_complete == 0);
    }
    if o.gro && !o.lro {
        assert!(
            b.gro_merged_segments > 0 && b.gro_frames_out > 0,
            "{o:?} {b:?}"
        );
    } else {
        assert_eq!(b.gro_merged_segments, 0);
    }
    if o.lro {
        assert!(b.lro_frames_in > 0 && r.port_b.lro_merged > 0, "{b:?}");
    }
    assert_eq!(a.tcp_bad_checksum + b.tcp_bad_checksum, 0);
    assert_eq!(a.tx_errors + b.tx_errors, 0, "{o:?}");
    assert_eq!(r.port_a.tx_refused + r.port_b.tx_refused, 0);
}

fn all_combinations(v6: bool) {
    let payload = data(if v6 { 6 } else { 4 });
    let mut by_rx: Vec<(bool, bool, Vec<u8>)> = Vec::new();
    for o in combos() {
        let r = transfer(o, v6, &payload);
        assert!(r.received == payload, "{o:?}: bytes differ");
        println!(
            "{o:?}: a segs_out {} gso {}/{} tso {} csum sw {} off {}; b segs_in {} gro {}/{} rx dev {} cpl {} sw {}",
            r.a.tcp_segs_out, r.a.gso_super_frames, r.a.gso_segments, r.a.tso_super_frames,
            r.a.tx_csum_software, r.a.tx_csum_offloaded, r.b.tcp_segs_in, r.b.gro_frames_out,
            r.b.gro_merged_segments, r.b.rx_csum_device, r.b.rx_csum_complete, r.b.rx_csum_software
        );
        check_counters(&o, &r);
        // The frames on the wire do not depend on who segmented or
        // checksummed them: the same capture for every TX combination
        // (given the same RX side, which shapes the ACKs).
        match by_rx
            .iter()
            .find(|(rc, g, _)| *rc == o.rx_csum && *g == o.gro)
        {
            Some((_, _, cap)) => assert!(*cap == r.capture, "{o:?}: wire capture differs"),
            None => by_rx.push((o.rx_csum, o.gro, r.capture)),
        }
    }
}

#[test]
fn one_mib_over_ipv4_identical_under_every_offload_combination() {
    all_combinations(false);
}

#[test]
fn one_mib_over_ipv6_identical_under_every_offload_combination() {
    all_combinations(true);
}

#[test]
fn complete_sum_path_and_device_lro_deliver_the_same_bytes() {
    let payload = data(9);
    for v6 in [false, true] {
        let o = Offloads {
            tx_csum: true,
            tso: true,
            rx_csum: true,
            gro: false,
            complete_only: true,
            lro: false,
            flip_midway: false,
        };
        let r = transfer(o, v6, &payload);
        assert!(r.received == payload);
        check_counters(&o, &r);
        let o = Offloads {
            complete_only: false,
            lro: true,
            gro: true,
            ..o
        };
        let r = transfer(o, v6, &payload);
        assert!(r.received == payload);
        check_counters(&o, &r);
    }
}

#[test]
fn software_gso_equals_emulated_tso_byte_for_byte() {
    let payload = data(11);
    for v6 in [false, true] {
        let o = Offloads {
            tx_csum: true,
            tso: true,
            rx_csum: false,
            gro: false,
            complete_only: false,
            lro: false,
            flip_midway: false,
        };
        let r = transfer(o, v6, &payload);
        let supers: Vec<&(Vec<u8>, TxMeta)> = r
            .tx_log
            .iter()
            .filter(|(_, m)| m.gso_type != GSO_NONE)
            .collect();
        assert!(supers.len() > 5);
        for (frame, meta) in supers {
            // What the emulated TSO device puts on the wire...
            let wire = Rc::new(RefCell::new(Wire::new(LinkConfig::default(), 0)));
            let now = Rc::new(Cell::new(0));
            let mut tx = EmulatorPort::attach(&wire, &now).with_capabilities(Capabilities {
                tso_v4: true,
                tso_v6: true,
                ..Capabilities::default()
            });
            let mut rx = EmulatorPort::attach(&wire, &now);
            tx.transmit(frame, meta).unwrap();
            let mut from_device = Vec::new();
            while let Some((f, _)) = rx.receive() {
                from_device.push(f);
            }
            // ...equals software GSO with software checksums.
            let soft: Vec<Vec<u8>> = segment(frame, meta, SegChecksum::Software)
                .unwrap()
                .into_iter()
                .map(|(f, _)| f)
                .collect();
            assert!(soft.len() > 1);
            assert_eq!(from_device, soft);
            assert!(soft.iter().all(|f| f.len() <= 1514));
        }
    }
}

#[test]
fn offloads_switched_at_run_time_mid_transfer_are_followed() {
    let payload = data(13);
    for tso in [false, true] {
        let o = Offloads {
            tx_csum: tso,
            tso,
            rx_csum: false,
            gro: true,
            complete_only: false,
            lro: false,
            flip_midway: true,
        };
        let r = transfer(o, false, &payload);
        assert!(r.received == payload);
        // Both ways were used: the device's TSO and software GSO, the
        // device's checksum and software's.
        assert!(
            r.a.tso_super_frames > 0 && r.a.gso_segments > 0,
            "{:?}",
            r.a
        );
        // Checksums: the device's (the TSO segments it checksums itself)
        // while TSO is on, software's while it is off.
        assert!(r.port_a.tso_segments > 0, "{:?}", r.port_a);
        assert!(r.a.tx_csum_software > 0);
        assert_eq!(r.port_a.tx_refused, 0);
    }
}

#[test]
fn emulator_port_refuses_what_a_device_without_the_offload_would() {
    use stack::phy::{DeviceError, F_NEEDS_CSUM, GSO_TCPV4};
    let wire = Rc::new(RefCell::new(Wire::new(LinkConfig::default(), 0)));
    let now = Rc::new(Cell::new(0));
    let mut plain = EmulatorPort::attach(&wire, &now);
    let mut peer = EmulatorPort::attach(&wire, &now);
    let frame = vec![0u8; 100];
    let needs = TxMeta {
        flags: F_NEEDS_CSUM,
        csum_start: 34,
        csum_offset: 16,
        ..TxMeta::default()
    };
    assert!(matches!(
        plain.transmit(&frame, &needs),
        Err(DeviceError::Refused(_))
    ));
    let gso = TxMeta {
        gso_type: GSO_TCPV4,
        gso_size: 1000,
        ..needs
    };
    assert!(plain.transmit(&frame, &gso).is_err());
    assert!(matches!(
        plain.transmit(&vec![0u8; 1515], &TxMeta::default()),
        Err(DeviceError::TooBig {
            len: 1515,
            max: 1514
        })
    ));
    assert_eq!(plain.stats().tx_refused, 3);
    assert_eq!(plain.stats().tx_frames, 0);
    // With the offload on, a checksum offset beyond the frame is refused,
    // and garbage GSO frames are refused rather than split.
    let mut off = EmulatorPort::attach(&wire, &now).with_capabilities(Capabilities {
        tx_checksum: true,
        tso_v4: true,
        ..Capabilities::default()
    });
    let bad = TxMeta {
        csum_start: 99,
        ..needs
    };
    // Both failures carry the typed error that caused them, not its text.
    let e = off.transmit(&frame, &bad).unwrap_err();
    assert!(
        matches!(&e, DeviceError::Io { context, .. } if context == "TX checksum"),
        "{e:?}"
    );
    assert!(std::error::Error::source(&e).is_some(), "{e:?}");
    let e = off.transmit(&frame, &gso).unwrap_err();
    let DeviceError::Io { source, .. } = &e else {
        panic!("expected an I/O error with a source, got {e:?}");
    };
    assert!(
        source
            .downcast_ref::<stack::iface::gso::GsoError>()
            .is_some(),
        "{source}"
    );
    plain.transmit(&frame, &TxMeta::default()).unwrap();
    let (got, meta) = peer.receive().unwrap();
    assert_eq!(got, frame);
    assert_eq!(meta.segments, 1);
    assert!(peer.receive().is_none());
}
