//! The interface's input path: arbitrary frames, each with arbitrary RX offload metadata (the
//! device's checksum verdict, a complete sum or none, an LRO segment count), into an
//! [`Interface`] with an IPv4 and an IPv6 address, a TCP listener, a TCP connection being
//! opened, and a bound UDP socket, between polls at arbitrary times and application calls.
//! Never panics, and the statistics stay consistent: every counter only grows, `rx_frames`
//! counts exactly the frames handed over, `tx_frames` exactly the frames the device took,
//! and the reassembly table stays within its memory limit.

use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use stack::iface::{Interface, InterfaceConfig, Stats};
use stack::phy::{Capabilities, Device, DeviceError, RxChecksum, RxMeta, TxMeta};
use stack::socket::TcpHandle;

use crate::input::Input;

/// Our MAC; the seeds address frames to it (or broadcast).
pub const MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 1];
pub const IPV4: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
pub const PEER_V4: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
pub const IPV6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 1);
pub const PEER_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 2);
/// The listener's port and the UDP socket's.
pub const TCP_PORT: u16 = 80;
pub const UDP_PORT: u16 = 53;
/// The port of the peer our connection is opened to.
pub const PEER_PORT: u16 = 7;

/// Frames longer than this are cut (the device's limit with LRO on is 64 KiB).
const MAX_FRAME: usize = 9018;

struct Dev {
    caps: Capabilities,
    rx: VecDeque<(Vec<u8>, RxMeta)>,
    sent: u64,
    refuse: bool,
}

impl Device for Dev {
    fn capabilities(&self) -> Capabilities {
        self.caps
    }
    fn transmit(&mut self, frame: &[u8], _meta: &TxMeta) -> Result<(), DeviceError> {
        if self.refuse {
            return Err(DeviceError::Exhausted);
        }
        assert!(
            frame.len() <= self.caps.max_frame.max(self.caps.max_tso_bytes + 128),
            "the interface sent a {}-byte frame to a device of {:?}",
            frame.len(),
            self.caps
        );
        self.sent += 1;
        Ok(())
    }
    fn receive(&mut self) -> Option<(Vec<u8>, RxMeta)> {
        self.rx.pop_front()
    }
}

pub fn ingress(data: &[u8]) {
    let mut inp = Input::new(data);
    let opts = inp.u8();
    let caps = Capabilities {
        max_frame: 1514,
        tx_checksum: opts & 1 != 0,
        rx_checksum: opts & 2 != 0,
        tso_v4: opts & 4 != 0,
        tso_v6: opts & 4 != 0,
        max_tso_bytes: if opts & 4 != 0 { 65_536 } else { 0 },
        lro: opts & 8 != 0,
    };
    let mut config = InterfaceConfig::new(MAC);
    config.ipv4 = Some((IPV4, 24));
    config.ipv6 = Some((IPV6, 64));
    config.gro = opts & 16 != 0;
    config.max_sockets = 16;
    let max_reassembly = config.reassembly.max_bytes;
    let mut iface = Interface::new(config);
    let mut dev = Dev {
        caps,
        rx: VecDeque::new(),
        sent: 0,
        refuse: false,
    };
    let listener = iface.tcp_listen(TCP_PORT, 4).expect("listen");
    let udp = iface.udp_bind(UDP_PORT).expect("bind");
    let peer = if opts & 32 == 0 {
        IpAddr::V4(PEER_V4)
    } else {
        IpAddr::V6(PEER_V6)
    };
    let mut conns: Vec<TcpHandle> = iface
        .tcp_connect(0, SocketAddr::new(peer, PEER_PORT))
        .into_iter()
        .collect();
    let mut now = 0u64;
    let mut fed = 0u64;
    let mut before = *iface.stats();
    let mut sent_before = dev.sent;
    let mut buf = [0u8; 4096];
    while !inp.is_empty() {
        match inp.u8() % 8 {
            // Mostly frames, each with its metadata.
            0..=3 => {
                let m = inp.u8();
                let checksum = match m % 3 {
                    0 => RxChecksum::None,
                    1 => RxChecksum::Good,
                    _ => RxChecksum::Bad,
                };
                let complete_sum = (m & 4 != 0).then(|| inp.u16());
                let segments = if m & 8 != 0 { u16::from(inp.u8()) } else { 1 };
                let len = usize::from(inp.u16()) % (MAX_FRAME + 1);
                let frame = inp.bytes(len).to_vec();
                dev.rx.push_back((
                    frame,
                    RxMeta {
                        checksum,
                        complete_sum,
                        segments,
                    },
                ));
            }
            4 => {
                now += u64::from(inp.u16()) * 1_000_000;
                dev.refuse = inp.u8() == 0xff;
                let queued = dev.rx.len() as u64;
                let sent = dev.sent;
                let r = iface.poll(now, &mut dev);
                fed += queued;
                let s = *iface.stats();
                assert_eq!(r.frames_received as u64, queued);
                assert_eq!(s.rx_frames, fed, "rx_frames counts every frame handed over");
                assert_eq!(
                    s.tx_frames - before.tx_frames,
                    dev.sent - sent_before,
                    "tx_frames counts what the device took"
                );
                assert_eq!(r.frames_sent as u64, dev.sent - sent);
                check_monotonic(&before, &s);
                assert!(iface.reassembly_usage().0 <= max_reassembly);
                before = s;
                sent_before = dev.sent;
            }
            5 => {
                while let Ok(Some(h)) = iface.tcp_accept(listener) {
                    conns.push(h);
                }
                while let Ok(Some(_)) = iface.udp_recv_from(udp) {}
            }
            6 => {
                if let Some(&h) = conns.get(usize::from(inp.u8()) % conns.len().max(1)) {
                    let n = usize::from(inp.u16()) % buf.len();
                    match inp.u8() % 4 {
                        0 => {
                            let _ = iface.tcp_send(h, &buf[..n]);
                        }
                        1 => {
                            let _ = iface.tcp_recv(h, &mut buf[..n]);
                        }
                        2 => {
                            let _ = iface.tcp_close(h);
                        }
                        _ => {
                            let _ = iface.tcp_abort(h);
                        }
                    }
                }
            }
            _ => {
                let n = usize::from(inp.u16()) % 2048;
                let dst = SocketAddr::new(peer, inp.u16());
                let _ = iface.udp_send_to(now, &mut dev, udp, dst, &buf[..n]);
            }
        }
    }
    let _ = iface.poll(now + 1, &mut dev);
    let _ = iface.poll_at();
}

/// No counter ever goes down.
fn check_monotonic(before: &Stats, after: &Stats) {
    for ((name, b), (_, a)) in before.counters().into_iter().zip(after.counters()) {
        assert!(a >= b, "counter {name} went down from {b} to {a}");
    }
}
