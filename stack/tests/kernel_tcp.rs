//! Our TCP against the Linux kernel's, over a TAP device, in real time.
//!
//! Each test creates a network namespace (deleted on every path by the
//! `Netns` guard) and moves a TAP interface into it: the kernel side has
//! 10.77.0.1/24 and fd77::1/64, our stack, in this process, drives the
//! other end of the TAP as 10.77.0.2 and fd77::2, fed the monotonic clock
//! in ns. Kernel sockets live on threads that joined the namespace with
//! `setns(2)` (a socket belongs to the namespace of the thread that made
//! it). 64 MiB go each way with SHA-256 compared at both ends, with our
//! stack as server and as client, over IPv4 and IPv6; the kernel closes
//! first in one test and we do in the others, and neither side may ever
//! send a RST. The kernel's ping of our addresses is answered while a
//! transfer runs (and `kernel_ping.rs` covers ping on an idle stack).
//!
//! Needs root and /dev/net/tun (and iproute2, ping); without root or
//! /dev/net/tun it prints a skip line. Every wait is bounded in real time.

mod support;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use stack::iface::{Interface, InterfaceConfig};
use stack::phy::tap::TapDevice;
use stack::phy::{Capabilities, Device, DeviceError, RxMeta, TxMeta};
use stack::socket::TcpHandle;
use stack::tcp::{CloseReason, State};
use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};
use support::*;
use test_support::netns::{self, Netns};

const OUR_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];
const OUR_V4: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 2);
const OUR_V6: Ipv6Addr = Ipv6Addr::new(0xfd77, 0, 0, 0, 0, 0, 0, 2);
const KERNEL_V4: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 1);
const KERNEL_V6: Ipv6Addr = Ipv6Addr::new(0xfd77, 0, 0, 0, 0, 0, 0, 1);
/// Bytes each way.
const LEN: usize = 64 * MIB;
/// Real time a whole test may take.
const LIMIT: Duration = Duration::from_secs(150);
/// Blocking kernel socket calls give up after this.
const SOCKET_TIMEOUT: Duration = Duration::from_secs(60);

/// The TAP as our device, counting RST segments each way, and dropping a
/// seeded fraction `loss` of TCP segments each way (a lossy link between
/// the kernel and us; ARP and NDP are spared so only TCP recovers).
struct Tap {
    tap: TapDevice,
    tx_rst: u64,
    rx_rst: u64,
    loss: f64,
    rng: ChaCha8Rng,
    dropped_tx: u64,
    dropped_rx: u64,
}

impl Tap {
    fn lose(&mut self, frame: &[u8]) -> bool {
        self.loss > 0.0 && inspect(frame).is_some() && self.rng.gen::<f64>() < self.loss
    }
}

impl Device for Tap {
    fn capabilities(&self) -> Capabilities {
        self.tap.capabilities()
    }
    fn transmit(&mut self, frame: &[u8], meta: &TxMeta) -> Result<(), DeviceError> {
        if inspect(frame).is_some_and(|t| t.flags & RST != 0) {
            self.tx_rst += 1;
        }
        if self.lose(frame) {
            self.dropped_tx += 1;
            return Ok(());
        }
        self.tap.transmit(frame, meta)
    }
    fn receive(&mut self) -> Option<(Vec<u8>, RxMeta)> {
        loop {
            let (f, meta) = self.tap.receive()?;
            if inspect(&f).is_some_and(|t| t.flags & RST != 0) {
                self.rx_rst += 1;
            }
            if self.lose(&f) {
                self.dropped_rx += 1;
                continue;
            }
            return Some((f, meta));
        }
    }
}

/// A namespace, its TAP, and our interface on the TAP's far end.
struct Fixture {
    name: String,
    seed: u64,
    // Dropped last: deletes the namespace after the TAP is closed.
    tap: Tap,
    iface: Interface,
    start: Instant,
    deadline: Instant,
    ns: Netns,
}

impl Fixture {
    fn new(name: &str, default_seed: u64, loss: f64) -> Option<Fixture> {
        if !test_support::net_admin() {
            return None;
        }
        let seed = seed(name, default_seed);
        let ns = Netns::create().expect("create namespace");
        let ifname = netns::unique_name("kt");
        let tap = TapDevice::open(&ifname).expect("open TAP");
        ns.adopt_tap(&ifname).expect("move TAP into the namespace");
        let mut cfg = InterfaceConfig::new(OUR_MAC);
        cfg.ipv4 = Some((OUR_V4, 24));
        cfg.ipv6 = Some((OUR_V6, 64));
        // Our side's TIME-WAIT, in real time here: short, so the test sees
        // CLOSED.
        cfg.tcp.time_wait_ns = SEC;
        let start = Instant::now();
        Some(Fixture {
            name: name.to_string(),
            seed,
            tap: Tap {
                tap,
                tx_rst: 0,
                rx_rst: 0,
                loss,
                rng: ChaCha8Rng::seed_from_u64(seed ^ 0x1055),
                dropped_tx: 0,
                dropped_rx: 0,
            },
            iface: Interface::new(cfg),
            start,
            deadline: start + LIMIT,
            ns,
        })
    }

    fn now(&self) -> u64 {
        self.start.elapsed().as_nanos() as u64
    }

    /// Polls our stack and runs `app` until `done`; sleeps in `poll(2)` on
    /// the TAP (at most 1 ms, less if a timer is due sooner) when nothing
    /// moved. Fails past the test's real-time deadline.
    fn serve(
        &mut self,
        what: &str,
        app: &mut dyn FnMut(&mut Interface, u64) -> bool,
        done: &mut dyn FnMut(&Interface) -> bool,
    ) {
        loop {
            let now = self.now();
            self.iface.poll(now, &mut self.tap);
            let moved = app(&mut self.iface, now);
            if done(&self.iface) {
                return;
            }
            if Instant::now() > self.deadline {
                panic!(
                    "{}: {what}: not done within {LIMIT:?} (seed {:#x}); stats {:?}",
                    self.name,
                    self.seed,
                    self.iface.stats()
                );
            }
            if !moved {
                let now = self.now();
                let wait = self
                    .iface
                    .poll_at()
                    .map_or(MS, |t| t.saturating_sub(now))
                    .min(MS);
                if wait > 0 {
                    self.tap.tap.wait_readable(Duration::from_nanos(wait));
                }
            }
        }
    }
}

/// Who sends the first FIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FirstFin {
    Kernel,
    Us,
}

/// What the kernel side saw.
#[derive(Debug)]
struct KernelReport {
    sent_digest: [u8; 32],
    sent: usize,
    received_digest: [u8; 32],
    received: usize,
    first_mismatch: Option<usize>,
}

/// The kernel's half of a transfer on a connected stream: sends `LEN`
/// bytes of `send_seed` and reads until end of stream, at once. With
/// [`FirstFin::Kernel`] it shuts down its sending side as soon as it has
/// sent everything; with [`FirstFin::Us`] only after our FIN arrived (end
/// of stream). A reset or any error is an `Err`.
fn kernel_peer(
    stream: TcpStream,
    send_seed: u64,
    recv_seed: u64,
    first: FirstFin,
) -> Result<KernelReport, String> {
    stream
        .set_read_timeout(Some(SOCKET_TIMEOUT))
        .map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(Some(SOCKET_TIMEOUT))
        .map_err(|e| e.to_string())?;
    let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
    let (eof_tx, eof_rx) = mpsc::channel::<()>();
    let w = thread::spawn(move || -> Result<([u8; 32], usize), String> {
        let mut src = Source::new(send_seed, LEN);
        while !src.done() {
            let n = writer
                .write(src.pending())
                .map_err(|e| format!("kernel write after {} bytes: {e}", src.sent()))?;
            src.advance(n);
        }
        if first == FirstFin::Us {
            eof_rx
                .recv_timeout(SOCKET_TIMEOUT)
                .map_err(|_| "kernel: our FIN never came".to_string())?;
        }
        writer
            .shutdown(Shutdown::Write)
            .map_err(|e| format!("kernel shutdown: {e}"))?;
        Ok((src.digest(), src.sent()))
    });
    let mut reader = stream;
    let mut sink = Sink::new(recv_seed, LEN);
    let mut buf = vec![0u8; 256 * KIB];
    let read_result = loop {
        match reader.read(&mut buf) {
            Ok(0) => break Ok(()),
            Ok(n) => sink.feed(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => break Err(format!("kernel read after {} bytes: {e}", sink.received())),
        }
    };
    let _ = eof_tx.send(());
    let written = w.join().map_err(|_| "kernel writer panicked".to_string())?;
    read_result?;
    let (sent_digest, sent) = written?;
    Ok(KernelReport {
        sent_digest,
        sent,
        received_digest: sink.digest(),
        received: sink.received(),
        first_mismatch: sink.first_mismatch(),
    })
}

/// Why a kernel thread that finished early did: its error, or that it
/// panicked or reported success.
fn kernel_failure(kernel: JoinHandle<Result<KernelReport, String>>) -> String {
    match kernel.join() {
        Ok(Err(e)) => format!("kernel side failed: {e}"),
        Ok(Ok(r)) => format!("kernel side finished: {r:?}"),
        Err(_) => "kernel thread panicked".to_string(),
    }
}

/// The kernel's ping of our address, as a child process in the namespace.
fn spawn_ping(ns: &Netns, v6: bool, count: u32) -> Child {
    let count = count.to_string();
    let target = if v6 {
        OUR_V6.to_string()
    } else {
        OUR_V4.to_string()
    };
    let mut args = vec!["netns", "exec", ns.name(), "ping"];
    if v6 {
        args.push("-6");
    }
    args.extend_from_slice(&["-c", &count, "-i", "0.2", "-W", "2", &target]);
    Command::new("ip")
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ping")
}

/// Packets `ping`'s summary says were received.
fn ping_received(child: Child) -> (u32, String) {
    let out = child.wait_with_output().expect("ping output");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let n = text
        .split(',')
        .find_map(|part| part.trim().strip_suffix(" received"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    (n, text)
}

/// How one test runs.
struct Plan {
    name: &'static str,
    default_seed: u64,
    we_serve: bool,
    v6: bool,
    first_fin: FirstFin,
    port: u16,
    /// Pings of our addresses to run while the transfer is on.
    ping_during: bool,
    /// TCP segments lost each way between the kernel and us.
    loss: f64,
}

/// One test at a time: each moves 128 MiB through the kernel and our
/// stack, and on two cores they would only slow each other down.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn exchange(plan: Plan) {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(mut fx) = Fixture::new(plan.name, plan.default_seed, plan.loss) else {
        return;
    };
    let seed = fx.seed;
    let (kernel_seed, our_seed) = (seed ^ 0x6b65, seed ^ 0x7573);
    let (our_ip, kernel_ip): (IpAddr, IpAddr) = if plan.v6 {
        (OUR_V6.into(), KERNEL_V6.into())
    } else {
        (OUR_V4.into(), KERNEL_V4.into())
    };
    let first = plan.first_fin;

    let mut pings = Vec::new();
    let (h, kernel): (TcpHandle, JoinHandle<Result<KernelReport, String>>) = if plan.we_serve {
        let listener = fx.iface.tcp_listen(plan.port, 4).expect("listen");
        let target = SocketAddr::new(our_ip, plan.port);
        let kernel = fx.ns.spawn_in(move || {
            let s = TcpStream::connect_timeout(&target, SOCKET_TIMEOUT)
                .map_err(|e| format!("kernel connect to {target}: {e}"))?;
            kernel_peer(s, kernel_seed, our_seed, first)
        });
        let accepted = std::cell::Cell::new(None);
        fx.serve(
            "accept",
            &mut |iface, _| {
                accepted.set(iface.tcp_accept(listener).expect("accept"));
                accepted.get().is_some()
            },
            &mut |_| accepted.get().is_some() || kernel.is_finished(),
        );
        if accepted.get().is_none() {
            let why = kernel_failure(kernel);
            panic!(
                "{}: no connection accepted: {why} (seed {seed:#x})",
                plan.name
            );
        }
        fx.iface.tcp_close(listener).expect("close listener");
        let _ = fx.iface.tcp_release(listener);
        (accepted.get().unwrap(), kernel)
    } else {
        let (ready_tx, ready_rx) = mpsc::channel();
        let bind = SocketAddr::new(kernel_ip, plan.port);
        let kernel = fx.ns.spawn_in(move || {
            let l = TcpListener::bind(bind).map_err(|e| format!("kernel bind {bind}: {e}"))?;
            let _ = ready_tx.send(());
            l.set_nonblocking(false).map_err(|e| e.to_string())?;
            let (s, _) = l.accept().map_err(|e| format!("kernel accept: {e}"))?;
            kernel_peer(s, kernel_seed, our_seed, first)
        });
        ready_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("kernel listener ready");
        let now = fx.now();
        let h = fx
            .iface
            .tcp_connect(now, SocketAddr::new(kernel_ip, plan.port))
            .expect("connect");
        (h, kernel)
    };
    if plan.ping_during {
        pings.push((false, spawn_ping(&fx.ns, false, 5)));
        pings.push((true, spawn_ping(&fx.ns, true, 5)));
    }

    let t0 = fx.now();
    let mut end = End::new(0, h, fx.iface.tcp_state(h).expect("state"));
    end.src = Some(Source::new(our_seed, LEN));
    end.sink = Some(Sink::new(kernel_seed, LEN));
    // Kernel first: we close only after its FIN. Us first: as soon as we
    // have sent everything.
    end.wait_for_peer_fin = first == FirstFin::Kernel;
    let mut buf = vec![0u8; 64 * KIB];
    let name = plan.name;
    // If the kernel's side ends first, ours gets a few seconds to finish
    // too (LAST-ACK, TIME-WAIT), then the kernel's error is the report.
    let mut kernel_done_at: Option<Instant> = None;
    fx.serve(
        "transfer and close",
        &mut |iface, now| end.service(iface, now, &mut buf, name, seed),
        &mut |iface| {
            if kernel.is_finished() && kernel_done_at.is_none() {
                kernel_done_at = Some(Instant::now());
            }
            iface.tcp_state(h) == Ok(State::Closed)
                || kernel_done_at.is_some_and(|t| t.elapsed() > Duration::from_secs(5))
        },
    );
    if fx.iface.tcp_state(h) != Ok(State::Closed) {
        let state = fx.iface.tcp_state(h);
        let why = kernel_failure(kernel);
        panic!(
            "{name}: the kernel's side ended ({why}) but our connection is {state:?}, \
             states {:?}, received {} of {LEN} (seed {seed:#x})",
            end.states,
            end.sink.as_ref().map_or(0, |s| s.received())
        );
    }
    // Until everything was received and everything sent was acknowledged.
    let secs = end.finished_at().unwrap_or(fx.now()).saturating_sub(t0) as f64 / 1e9;

    // The kernel's side ends on its own.
    fx.serve("kernel side finishing", &mut |_, _| false, &mut |_| {
        kernel.is_finished()
    });
    let report = kernel
        .join()
        .expect("kernel thread panicked")
        .unwrap_or_else(|e| panic!("{name}: kernel side failed: {e} (seed {seed:#x})"));

    // Byte-exact both ways.
    let src = end.src.as_ref().unwrap();
    let sink = end.sink.as_ref().unwrap();
    assert_eq!(
        sink.first_mismatch(),
        None,
        "{name}: we received a wrong byte"
    );
    assert_eq!(
        report.first_mismatch, None,
        "{name}: the kernel received a wrong byte"
    );
    assert_eq!(
        (sink.received(), report.received),
        (LEN, LEN),
        "{name}: lengths"
    );
    assert_eq!(report.sent, LEN);
    assert_eq!(
        hex(&sink.digest()),
        hex(&report.sent_digest),
        "{name}: kernel -> us SHA-256"
    );
    assert_eq!(
        hex(&report.received_digest),
        hex(&src.digest()),
        "{name}: us -> kernel SHA-256"
    );

    // A graceful close, the right side first, no RST either way.
    let conn = fx.iface.tcp_connection(h).expect("connection");
    assert_eq!(
        conn.close_reason(),
        Some(CloseReason::Normal),
        "{name}: states {:?}",
        end.states
    );
    let expect: &[State] = match first {
        FirstFin::Kernel => &[State::CloseWait, State::LastAck],
        FirstFin::Us => &[State::FinWait1, State::TimeWait],
    };
    for s in expect {
        assert!(
            end.states.contains(s),
            "{name}: expected {s:?} in {:?}",
            end.states
        );
    }
    assert_eq!(
        (fx.tap.tx_rst, fx.tap.rx_rst),
        (0, 0),
        "{name}: RST segments sent / received"
    );
    let stats = end.stats.unwrap_or_default();
    eprintln!(
        "{name}: {} MiB each way in {secs:.2} s ({:.0} Mbit/s both ways together); \
         our retransmits {} ({} fast, {} RTO), segments out {}, in {}; lost to us {}, \
         from us {}; states {:?}",
        LEN / MIB,
        2.0 * LEN as f64 * 8.0 / secs / 1e6,
        stats.retransmits,
        stats.fast_retransmits,
        stats.rto_expiries,
        stats.segs_out,
        stats.segs_in,
        fx.tap.dropped_rx,
        fx.tap.dropped_tx,
        end.states
    );
    fx.iface.tcp_release(h).expect("release");

    // The pings started during the transfer, then one on the quiet stack.
    for (v6, child) in pings {
        let (n, text) = ping_received(child);
        assert!(
            n > 0,
            "{name}: no reply to the kernel's ping (IPv6 {v6}):\n{text}"
        );
        eprintln!("{name}: kernel's ping (IPv6 {v6}) during the transfer: {n}/5 answered");
    }
    if plan.ping_during {
        for v6 in [false, true] {
            let mut child = Some(spawn_ping(&fx.ns, v6, 3));
            let mut status = None;
            fx.serve("ping after the transfer", &mut |_, _| false, &mut |_| {
                if let Some(c) = child.as_mut() {
                    if let Ok(Some(s)) = c.try_wait() {
                        status = Some(s);
                    }
                }
                status.is_some()
            });
            let (n, text) = ping_received(child.take().unwrap());
            assert_eq!(
                n, 3,
                "{name}: kernel's ping (IPv6 {v6}) after the transfer:\n{text}"
            );
        }
    }
}

#[test]
fn stack_as_server_exchanges_64_mib_each_way_with_a_kernel_client_over_ipv4_kernel_closing_first() {
    exchange(Plan {
        name: "server-v4-kernel-closes",
        default_seed: 0x2_0001,
        we_serve: true,
        v6: false,
        first_fin: FirstFin::Kernel,
        port: 7001,
        ping_during: false,
        loss: 0.0,
    });
}

#[test]
fn stack_as_client_exchanges_64_mib_each_way_with_a_kernel_server_over_ipv4_closing_first() {
    exchange(Plan {
        name: "client-v4-we-close",
        default_seed: 0x2_0002,
        we_serve: false,
        v6: false,
        first_fin: FirstFin::Us,
        port: 7002,
        ping_during: false,
        loss: 0.0,
    });
}

#[test]
fn stack_as_server_exchanges_64_mib_each_way_over_ipv6_and_answers_pings_meanwhile() {
    exchange(Plan {
        name: "server-v6-we-close-pinged",
        default_seed: 0x2_0003,
        we_serve: true,
        v6: true,
        first_fin: FirstFin::Us,
        port: 7003,
        ping_during: true,
        loss: 0.0,
    });
}

#[test]
fn stack_as_client_exchanges_64_mib_each_way_with_a_kernel_server_over_ipv6_kernel_closing_first() {
    exchange(Plan {
        name: "client-v6-kernel-closes",
        default_seed: 0x2_0004,
        we_serve: false,
        v6: true,
        first_fin: FirstFin::Kernel,
        port: 7004,
        ping_during: false,
        loss: 0.0,
    });
}

#[test]
fn stack_and_kernel_recover_from_1_percent_segment_loss_each_way_over_ipv4() {
    exchange(Plan {
        name: "server-v4-1%-loss",
        default_seed: 0x2_0005,
        we_serve: true,
        v6: false,
        first_fin: FirstFin::Kernel,
        port: 7005,
        ping_during: false,
        loss: 0.01,
    });
}
