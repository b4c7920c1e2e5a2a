//! The TAP backend against the real kernel. Needs root, /dev/net/tun and
//! `ip` (iproute2); without them each test prints a skip line and returns.
//!
//! The kernel side lives in a network namespace each test creates and
//! deletes (also on panic); all traffic stays on the TAP link inside it.

use std::path::Path;
use std::time::{Duration, Instant};

use stack::phy::tap::{TapDevice, TapError, DEFAULT_MAX_FRAME};
use stack::phy::{Capabilities, Device, DeviceError, RxChecksum, TxMeta};
use stack::wire::arp::{ArpOperation, ArpPacket, ArpRepr};
use stack::wire::ethernet::{EtherType, EthernetAddress, EthernetFrame, EthernetRepr};
use stack::wire::ipv4::Ipv4Address;
use test_support::netns::{self, Netns};

/// Our side of the link, as the kernel will learn it.
const OUR_MAC: EthernetAddress = EthernetAddress([0x02, 0, 0, 0, 0, 0x02]);
const OUR_IP: Ipv4Address = Ipv4Address([10, 77, 0, 2]);
const KERNEL_IP: Ipv4Address = Ipv4Address([10, 77, 0, 1]);
/// Longest we wait for the kernel to do something.
const PATIENCE: Duration = Duration::from_secs(3);

/// Receives frames until one satisfies `want`, for at most [`PATIENCE`].
/// Frames the kernel sends on its own (IPv6 router solicitations, MLD
/// reports) are skipped.
fn receive_until(tap: &mut TapDevice, want: impl Fn(&[u8]) -> bool) -> Option<Vec<u8>> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        while let Some((frame, meta)) = tap.receive() {
            assert_eq!(meta.checksum, RxChecksum::None);
            assert_eq!(meta.segments, 1);
            if want(&frame) {
                return Some(frame);
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        tap.wait_readable(left.min(Duration::from_millis(200)));
    }
}

/// The ARP message in an Ethernet frame, if it is one.
fn arp_of(frame: &[u8]) -> Option<(EthernetRepr, ArpRepr)> {
    let eth = EthernetFrame::new_checked(frame).ok()?;
    let eth_repr = EthernetRepr::parse(&eth).ok()?;
    if eth_repr.ethertype != EtherType::ARP {
        return None;
    }
    let arp = ArpRepr::parse(&ArpPacket::new_unchecked(eth.payload())).ok()?;
    Some((eth_repr, arp))
}

fn arp_frame(dst: EthernetAddress, arp: &ArpRepr) -> Vec<u8> {
    let eth = EthernetRepr {
        src: OUR_MAC,
        dst,
        vlan: None,
        ethertype: EtherType::ARP,
    };
    let mut buf = vec![0u8; eth.buffer_len() + arp.buffer_len()];
    let mut frame = EthernetFrame::new_unchecked(&mut buf[..]);
    eth.emit(&mut frame);
    arp.emit(&mut ArpPacket::new_unchecked(frame.payload_mut()));
    buf
}

/// A TAP moved into a fresh namespace, configured and up. Declared so the
/// TAP drops (and its interface goes) before the namespace is deleted.
fn tap_in_netns() -> (Netns, TapDevice) {
    let ns = Netns::create().expect("create network namespace");
    let tap = TapDevice::open(&netns::unique_name("nst")).expect("open TAP");
    ns.adopt_tap(tap.name()).expect("move TAP into namespace");
    (ns, tap)
}

#[test]
fn open_reports_name_and_no_offloads() {
    if !test_support::net_admin() {
        return;
    }
    let name = netns::unique_name("nst");
    let tap = TapDevice::open(&name).expect("open TAP");
    assert_eq!(tap.name(), name);
    assert!(Path::new("/sys/class/net").join(&name).exists());
    assert_eq!(
        tap.capabilities(),
        Capabilities {
            max_frame: 1514,
            ..Capabilities::default()
        }
    );
    assert_eq!(DEFAULT_MAX_FRAME, 1514);
    // Nothing has been sent to us: receive does not block.
    let mut tap = tap;
    assert!(tap.receive().is_none());
    assert!(!tap.wait_readable(Duration::from_millis(10)));
    drop(tap);
    // Not persistent: closing the descriptor removes the interface. Not
    // at once if another test thread forked meanwhile: the child holds a
    // copy of the descriptor until its exec closes it (O_CLOEXEC).
    let deadline = Instant::now() + PATIENCE;
    while Path::new("/sys/class/net").join(&name).exists() {
        assert!(Instant::now() < deadline, "{name} outlived its descriptor");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn kernel_arp_request_reaches_receive() {
    if !test_support::net_admin() {
        return;
    }
    let (ns, mut tap) = tap_in_netns();
    // A UDP datagram to 10.77.0.2 makes the kernel resolve it: an ARP
    // request goes out of the TAP. bash's /dev/udp needs no extra package.
    ns.exec("bash", &["-c", "echo x > /dev/udp/10.77.0.2/9"])
        .expect("send UDP from the namespace");
    let frame = receive_until(&mut tap, |f| {
        arp_of(f).is_some_and(|(_, arp)| arp.target_protocol_addr == OUR_IP)
    })
    .expect("no ARP request for 10.77.0.2 within 3 s");
    assert_eq!(&frame[12..14], &[0x08, 0x06], "EtherType ARP");
    let (eth, arp) = arp_of(&frame).unwrap();
    assert_eq!(arp.operation, ArpOperation::Request);
    assert_eq!(arp.source_protocol_addr, KERNEL_IP);
    assert!(eth.dst.is_broadcast());
    assert_eq!(eth.src, arp.source_hardware_addr);
}

#[test]
fn transmitted_arp_lands_in_kernel_neighbour_table() {
    if !test_support::net_admin() {
        return;
    }
    let (ns, mut tap) = tap_in_netns();
    // An ARP request for the kernel's address, from 10.77.0.2: the kernel
    // records the sender (RFC 826's merge step) and replies.
    let request = ArpRepr {
        operation: ArpOperation::Request,
        source_hardware_addr: OUR_MAC,
        source_protocol_addr: OUR_IP,
        target_hardware_addr: EthernetAddress([0; 6]),
        target_protocol_addr: KERNEL_IP,
    };
    tap.transmit(
        &arp_frame(EthernetAddress::BROADCAST, &request),
        &TxMeta::default(),
    )
    .expect("transmit ARP request");

    let reply = receive_until(&mut tap, |f| {
        arp_of(f).is_some_and(|(_, arp)| arp.operation == ArpOperation::Reply)
    })
    .expect("no ARP reply from the kernel within 3 s");
    let (eth, arp) = arp_of(&reply).unwrap();
    assert_eq!(eth.dst, OUR_MAC);
    assert_eq!(arp.source_protocol_addr, KERNEL_IP);
    assert_eq!(arp.target_hardware_addr, OUR_MAC);
    assert_eq!(arp.target_protocol_addr, OUR_IP);

    let neigh = ns
        .ip(&["neigh", "show", "10.77.0.2"])
        .expect("ip neigh show");
    assert!(
        neigh.contains("02:00:00:00:00:02"),
        "kernel neighbour table lacks our MAC: {neigh:?}"
    );
}

#[test]
fn oversize_frame_is_too_big() {
    if !test_support::net_admin() {
        return;
    }
    let mut tap = TapDevice::open(&netns::unique_name("nst")).expect("open TAP");
    let frame = vec![0u8; 1515];
    assert!(matches!(
        tap.transmit(&frame, &TxMeta::default()),
        Err(DeviceError::TooBig {
            len: 1515,
            max: 1514
        })
    ));
    tap.set_max_frame(9014);
    assert_eq!(tap.capabilities().max_frame, 9014);
    assert!(matches!(
        tap.transmit(&vec![0u8; 9015], &TxMeta::default()),
        Err(DeviceError::TooBig {
            len: 9015,
            max: 9014
        })
    ));
}

#[test]
fn transmit_on_a_down_interface_is_an_io_error() {
    if !test_support::net_admin() {
        return;
    }
    // A fresh TAP is down; the kernel refuses frames with EIO.
    let mut tap = TapDevice::open(&netns::unique_name("nst")).expect("open TAP");
    let frame = arp_frame(
        EthernetAddress::BROADCAST,
        &ArpRepr {
            operation: ArpOperation::Request,
            source_hardware_addr: OUR_MAC,
            source_protocol_addr: OUR_IP,
            target_hardware_addr: EthernetAddress([0; 6]),
            target_protocol_addr: KERNEL_IP,
        },
    );
    match tap.transmit(&frame, &TxMeta::default()) {
        Err(DeviceError::Io { context, source }) => {
            assert!(context.contains(tap.name()), "{context}");
            // The OS's error itself, not its text.
            assert!(
                source.downcast_ref::<std::io::Error>().is_some(),
                "{source}"
            );
        }
        other => panic!("expected an I/O error, got {other:?}"),
    }
}

#[test]
fn overlong_name_is_a_clear_error() {
    // Checked before any system call: runs without privileges too.
    let name = "nicsim-name-too-long"; // 20 bytes; IFNAMSIZ - 1 is 15
    match TapDevice::open(name) {
        Err(e @ TapError::InvalidName { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains(name), "{msg}");
            assert!(msg.contains("longer than 15"), "{msg}");
        }
        other => panic!("expected InvalidName, got {other:?}"),
    }
    assert!(matches!(
        TapDevice::open("a/b"),
        Err(TapError::InvalidName { .. })
    ));
}
