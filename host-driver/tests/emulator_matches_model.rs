//! `EmulatorPort` (the stack's test device that claims to behave as our NIC) against the NIC
//! model through the driver (`NicPort` on `model`), both as the stack sees them
//! (`stack::phy::Device`), with their checksum offloads on: the same received frames get the same
//! verdict and CHECKSUM_COMPLETE sum, and the same `CHECKSUM_PARTIAL` frames leave on the wire
//! byte for byte the same. The frames: random TCP/UDP over IPv4 and IPv6 (VLAN tags, IPv4
//! options, IPv6 extension headers, bad checksums, malformed headers) and, by hand, the parser's
//! edges: headers that end past the 128-byte window and IPv6 chains of up to four extension
//! headers (the NIC walks two). (TSO and LRO are compared once the NIC has them.)

mod common;

use emulated_nic::EmulatorPort;
use host_driver::backend::model::ModelDevice;
use host_driver::device::{Device, SimulatedExt};
use host_driver::stack_port::NicPort;
use nic_traffic::{as_partial, random_packet, FrameBuilder, Mix};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use stack::phy::emulator::{LinkConfig, PortId, Wire};
use stack::phy::{self, Capabilities, RxMeta, TxMeta, F_NEEDS_CSUM};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// The model NIC behind the driver, as a stack device, with both checksum offloads on.
fn model_port() -> NicPort<Box<dyn Device>> {
    common::nic_port(Box::new(ModelDevice::new()), true)
}

/// An `EmulatorPort` with both checksum offloads on, and the wire port that talks to it.
struct Emulated {
    wire: Rc<RefCell<Wire>>,
    clock: Rc<Cell<u64>>,
    peer: PortId,
    port: EmulatorPort,
}

impl Emulated {
    /// Moves the shared clock on far enough for anything sent so far to have arrived.
    fn later(&self) -> u64 {
        self.clock.set(self.clock.get() + 1_000_000);
        self.clock.get()
    }
}

fn emulated() -> Emulated {
    let wire = Rc::new(RefCell::new(Wire::new(
        LinkConfig::new(100_000_000_000, 0),
        1,
    )));
    let clock = Rc::new(Cell::new(0));
    let peer = wire.borrow_mut().attach();
    let port = EmulatorPort::attach(&wire, &clock).with_capabilities(Capabilities {
        tx_checksum: true,
        rx_checksum: true,
        max_frame: 9216,
        ..Capabilities::default()
    });
    Emulated {
        wire,
        clock,
        peer,
        port,
    }
}

/// What each device reports for `frame` arriving from the wire.
fn receive_both(
    m: &mut NicPort<Box<dyn Device>>,
    e: &mut Emulated,
    frame: &[u8],
) -> (RxMeta, RxMeta) {
    use phy::Device as _;
    m.driver()
        .device()
        .wire_send(firmware_model::nic::Frame {
            data: frame.to_vec(),
            bad: false,
        })
        .unwrap();
    m.poll(100_000).unwrap();
    let (got_m, meta_m) = m.receive().expect("the model NIC delivered the frame");
    assert_eq!(got_m, frame, "the model delivered other bytes");
    let now = e.clock.get();
    e.wire
        .borrow_mut()
        .send(e.peer, frame.to_vec(), now)
        .unwrap();
    e.later();
    let (got_e, meta_e) = e.port.receive().expect("EmulatorPort delivered the frame");
    assert_eq!(got_e, frame, "EmulatorPort delivered other bytes");
    (meta_m, meta_e)
}

/// The bytes each device puts on the wire for a `CHECKSUM_PARTIAL` frame.
fn transmit_both(
    m: &mut NicPort<Box<dyn Device>>,
    e: &mut Emulated,
    frame: &[u8],
    meta: &TxMeta,
) -> (Vec<u8>, Vec<u8>) {
    use phy::Device as _;
    m.transmit(frame, meta).unwrap();
    m.poll(100_000).unwrap();
    let on_wire_m = m
        .driver()
        .device()
        .wire_recv()
        .expect("the model sent the frame")
        .data;
    e.port.transmit(frame, meta).unwrap();
    let now = e.later();
    let on_wire_e = e
        .wire
        .borrow_mut()
        .recv(e.peer, now)
        .unwrap()
        .expect("EmulatorPort sent it");
    (on_wire_m, on_wire_e)
}

/// A TCP segment from 12345 to 80 with PSH+ACK and `payload` counting bytes, as the
/// frame builder makes it on top of `b`, checksums right.
fn tcp_frame(b: FrameBuilder, tcp_opts: usize, payload: usize) -> Vec<u8> {
    b.macs([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
        .tcp(12345, 80)
        .tcp_flags(0x18)
        .tcp_options(&vec![1; tcp_opts]) // NOPs
        .payload(&(0..payload).map(|i| i as u8).collect::<Vec<u8>>())
        .build()
        .frame
}

/// An IPv6 TCP frame (20-byte header, `payload` bytes) behind the extension headers `exts`
/// (next-header value, length in 8-byte units beyond the first 8), checksum right.
fn ipv6_tcp_with_exts(exts: &[(u8, u8)], payload: usize) -> Vec<u8> {
    let mut b = FrameBuilder::ipv6([0xfd; 16], [0xfe; 16]);
    for &(kind, len) in exts {
        b = b.ipv6_ext(kind, 8 * (usize::from(len) + 1));
    }
    tcp_frame(b, 0, payload)
}

/// An IPv4 TCP frame with `ip_opts` bytes of IP options and `tcp_opts` of TCP options (each a
/// multiple of 4), checksums right.
fn ipv4_tcp_with_options(ip_opts: usize, tcp_opts: usize, payload: usize) -> Vec<u8> {
    let b = FrameBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2]).ipv4_options(&vec![1; ip_opts]);
    tcp_frame(b, tcp_opts, payload)
}

#[test]
fn received_frames_get_the_same_verdict_and_sum() {
    let mut rng = ChaCha8Rng::seed_from_u64(test_support::seed(0xe3_0001));
    let (mut m, mut e) = (model_port(), emulated());
    let mut frames: Vec<Vec<u8>> = (0..2000)
        .map(|_| random_packet(&mut rng, &Mix::default()).frame)
        .collect();
    // The parser's edges: IPv6 chains of 0..=4 extension headers (Hop-by-Hop, Destination
    // Options, Routing), short and long; IPv4 and TCP options that end before and after byte 128.
    for n in 0..=4 {
        for len in [0u8, 1, 3] {
            let kinds = [0u8, 60, 43, 60];
            let exts: Vec<(u8, u8)> = kinds[..n].iter().map(|&k| (k, len)).collect();
            frames.push(ipv6_tcp_with_exts(&exts, 100));
        }
    }
    for ip_opts in [0, 20, 40] {
        for tcp_opts in [0, 12, 40] {
            frames.push(ipv4_tcp_with_options(ip_opts, tcp_opts, 64));
        }
    }
    let (mut good, mut bad, mut none) = (0, 0, 0);
    for (i, f) in frames.iter().enumerate() {
        let (meta_m, meta_e) = receive_both(&mut m, &mut e, f);
        assert_eq!(
            (meta_m.checksum, meta_m.complete_sum),
            (meta_e.checksum, meta_e.complete_sum),
            "frame {i} ({} bytes): model {:?}, EmulatorPort {:?}\n{:02x?}",
            f.len(),
            meta_m,
            meta_e,
            f
        );
        match meta_m.checksum {
            phy::RxChecksum::Good => good += 1,
            phy::RxChecksum::Bad => bad += 1,
            phy::RxChecksum::None => none += 1,
        }
    }
    // The edges are the NIC's: two extension headers are walked, a third is not; a TCP header
    // must start where its 20 fixed bytes end inside the 128-byte window (two 32-byte extension
    // headers put it at byte 118). A device that walked further would disagree.
    for (exts, want) in [
        (vec![(0u8, 1u8), (60, 1)], phy::RxChecksum::Good),
        (vec![(0, 1), (60, 1), (43, 1)], phy::RxChecksum::None),
        (vec![(0, 3), (60, 3)], phy::RxChecksum::None),
    ] {
        let (meta_m, _) = receive_both(&mut m, &mut e, &ipv6_tcp_with_exts(&exts, 100));
        assert_eq!(meta_m.checksum, want, "extension headers {exts:?}");
    }
    // The set exercised every verdict.
    assert!(
        good > 500 && bad > 50 && none > 50,
        "good {good}, bad {bad}, none {none}"
    );
}

#[test]
fn partial_checksum_frames_leave_the_same() {
    let mut rng = ChaCha8Rng::seed_from_u64(test_support::seed(0xe3_0002));
    let (mut m, mut e) = (model_port(), emulated());
    let mix = Mix {
        p_bad_csum: 0.0,
        p_malformed: 0.0,
        ..Mix::default()
    };
    let mut n = 0;
    while n < 500 {
        let p = random_packet(&mut rng, &mix);
        let Some((frame, start, offset)) = as_partial(&p) else {
            continue;
        };
        let meta = TxMeta {
            flags: F_NEEDS_CSUM,
            csum_start: start,
            csum_offset: offset,
            ..TxMeta::default()
        };
        let (wire_m, wire_e) = transmit_both(&mut m, &mut e, &frame, &meta);
        assert_eq!(wire_m, wire_e, "frame {n}: start {start}, offset {offset}");
        n += 1;
    }
}
