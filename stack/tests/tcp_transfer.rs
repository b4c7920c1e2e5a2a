//! Two stacks move 64 MiB over an emulated lossy wire, byte-exact.
//!
//! Two [`Interface`]s are joined by the wire emulator (1 Gbit/s, 50 µs
//! each way) on simulated time: the loop jumps to the next frame arrival or
//! timer, so a second of simulated time costs only the work done in it. The
//! data are seeded random bytes, hashed with SHA-256 at both ends (and
//! compared byte by byte, so a failure names the first wrong offset). Every
//! transfer ends with a graceful close on both sides (FIN exchange,
//! TIME-WAIT, CLOSED with `CloseReason::Normal`), after which, handles
//! released, no timer may be left armed.
//!
//! Impairments: (i) 1 % loss, (ii) 5 % loss with reordering and
//! duplication, (iii) 0.1 % corruption, each with SACK on and off; a
//! transfer in both directions at once over IPv6; and a hostile peer
//! forging segments into a transfer.
//!
//! Each test prints its seed; `TEST_SEED=<seed>` replays one. A run
//! that exceeds its simulated-time budget, stalls, or takes too long in
//! real time fails with the seed and the state of both ends, never hangs.

mod support;

use emulated_nic::EmulatorPort;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use stack::iface::{Interface, InterfaceConfig, Stats};
use stack::phy::emulator::{LinkConfig, PortId, Wire};
use stack::phy::{Capabilities, Device, DeviceError, RxMeta, TxMeta};
use stack::tcp::{CloseReason, ConnStats, State};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::rc::Rc;
use std::time::{Duration, Instant};
use support::*;

use test_support::SEED_VAR;
const PORT: u16 = 5001;
const MACS: [[u8; 6]; 2] = [[0x02, 0, 0, 0, 0, 0x0a], [0x02, 0, 0, 0, 0, 0x0b]];
const V4: [Ipv4Addr; 2] = [Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2)];
const V6: [Ipv6Addr; 2] = [
    Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0xa),
    Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0xb),
];
/// A real-time guard only against a livelock that simulated time cannot
/// see; generous, so a slow shared machine does not fail a good run.
const WALL_LIMIT: Duration = Duration::from_secs(240);
/// Simulated time without any new byte delivered or state change.
const STALL_NS: u64 = 300 * SEC;

/// 1 Gbit/s, 50 µs of propagation each way, Ethernet's 24 bytes of
/// preamble, FCS and gap counted.
fn link() -> LinkConfig {
    LinkConfig {
        overhead_bytes: 24,
        ..LinkConfig::new(1_000_000_000, 50_000)
    }
}

struct Host {
    iface: Interface,
    dev: Dev,
}

/// A host's device: our tracking port (software checksums on receive, a
/// ledger that spots corrupted frames, RST counts), or the stack's own
/// `EmulatorPort` with emulated offloads (TSO, LRO, checksums), whose
/// transmissions are inspected for RSTs.
enum Dev {
    Tracked(WirePort),
    Emulated {
        port: EmulatorPort,
        rst_log: Vec<(u64, Observed)>,
        tx_sack: u64,
    },
}

impl Dev {
    fn port(&self) -> PortId {
        match self {
            Dev::Tracked(d) => d.port,
            Dev::Emulated { port, .. } => port.port(),
        }
    }

    fn tracked(&mut self) -> Option<&mut WirePort> {
        match self {
            Dev::Tracked(d) => Some(d),
            Dev::Emulated { .. } => None,
        }
    }

    fn tracked_ref(&self) -> Option<&WirePort> {
        match self {
            Dev::Tracked(d) => Some(d),
            Dev::Emulated { .. } => None,
        }
    }

    /// Notes what an emulated port sent since the last call, at `now`.
    fn drain_tx_log(&mut self, now: u64) {
        if let Dev::Emulated {
            port,
            rst_log,
            tx_sack,
        } = self
        {
            for (f, _) in port.take_tx_log() {
                if let Some(t) = inspect(&f) {
                    if t.flags & RST != 0 {
                        rst_log.push((now, t.observed));
                    }
                    *tx_sack += u64::from(t.observed.sack);
                }
            }
        }
    }

    /// The RSTs this device sent (when, what), and how many segments
    /// carried SACK blocks.
    fn tx_seen(&self) -> (&[(u64, Observed)], u64) {
        match self {
            Dev::Tracked(d) => (&d.rst_log, d.tx_sack),
            Dev::Emulated {
                rst_log, tx_sack, ..
            } => (rst_log, *tx_sack),
        }
    }
}

impl Device for Dev {
    fn capabilities(&self) -> Capabilities {
        match self {
            Dev::Tracked(d) => d.capabilities(),
            Dev::Emulated { port, .. } => port.capabilities(),
        }
    }
    fn transmit(&mut self, frame: &[u8], meta: &TxMeta) -> Result<(), DeviceError> {
        match self {
            Dev::Tracked(d) => d.transmit(frame, meta),
            Dev::Emulated { port, .. } => port.transmit(frame, meta),
        }
    }
    fn receive(&mut self) -> Option<(Vec<u8>, RxMeta)> {
        match self {
            Dev::Tracked(d) => d.receive(),
            Dev::Emulated { port, .. } => port.receive(),
        }
    }
}

/// What the corrupted frames that reached a stack became.
#[derive(Default, Debug)]
struct CorruptionTally {
    /// By our classification of the damage.
    by_damage: BTreeMap<Damage, u64>,
    /// Frames that had to be dropped and were, with the drop counted once.
    dropped_and_counted: u64,
    /// Of those, how many the TCP checksum counter took.
    tcp_checksum_drops: u64,
    ipv4_checksum_drops: u64,
}

/// Two hosts on one wire, on one simulated clock.
struct Net {
    name: String,
    seed: u64,
    wire: Rc<RefCell<Wire>>,
    now: Rc<Cell<u64>>,
    hosts: [Host; 2],
    tally: CorruptionTally,
    wall_start: Instant,
    /// Forged frames get through the ledger check (see `WirePort`).
    hostile: Option<Attacker>,
}

/// Every counter that a dropped TCP segment with a bad checksum may land
/// in. The interface counts it in `Stats`.
fn tcp_checksum_counter(s: &Stats) -> u64 {
    s.tcp_bad_checksum
}

impl Net {
    fn new(name: &str, seed: u64, link: LinkConfig, sack: bool, offloads: bool) -> Net {
        let wire = Rc::new(RefCell::new(Wire::new(link, seed)));
        let now = Rc::new(Cell::new(0));
        let ledger = Rc::new(RefCell::new(Ledger::default()));
        let host = |i: usize| {
            let mut cfg = InterfaceConfig::new(MACS[i]);
            cfg.ipv4 = Some((V4[i], 24));
            cfg.ipv6 = Some((V6[i], 64));
            cfg.tcp.sack = sack;
            // The RFC 6528 secret, derived from the seed: same seed, same
            // initial sequence numbers, same run.
            cfg.isn_secret = u128::from(seed) << 64 | (0x5ec0_0000 + i as u128);
            let dev = if offloads {
                // Host 0's device does every offload, host 1's none: the
                // stack's TSO/LRO paths and its software GSO/GRO meet.
                let caps = Capabilities {
                    max_frame: 1514,
                    tx_checksum: i == 0,
                    rx_checksum: i == 0,
                    tso_v4: i == 0,
                    tso_v6: i == 0,
                    max_tso_bytes: 0,
                    lro: i == 0,
                };
                let mut port = EmulatorPort::attach(&wire, &now).with_capabilities(caps);
                port.record_tx(true);
                Dev::Emulated {
                    port,
                    rst_log: Vec::new(),
                    tx_sack: 0,
                }
            } else {
                // One side completes checksums like a NIC, the other in
                // software; both verify received checksums in software.
                let caps = Capabilities {
                    max_frame: 1514,
                    tx_checksum: i == 0,
                    ..Capabilities::default()
                };
                Dev::Tracked(WirePort::new(
                    wire.clone(),
                    now.clone(),
                    caps,
                    ledger.clone(),
                ))
            };
            Host {
                iface: Interface::new(cfg),
                dev,
            }
        };
        let hosts = [host(0), host(1)];
        Net {
            name: name.to_string(),
            seed,
            wire,
            now,
            hosts,
            tally: CorruptionTally::default(),
            wall_start: Instant::now(),
            hostile: None,
        }
    }

    fn now(&self) -> u64 {
        self.now.get()
    }

    /// Polls both stacks at the current time. A corrupted frame a device
    /// set aside is then handed to its stack alone, so the drop counters
    /// show exactly what became of it.
    fn poll(&mut self) {
        let now = self.now();
        for i in 0..2 {
            let h = &mut self.hosts[i];
            loop {
                h.iface.poll(now, &mut h.dev);
                h.dev.drain_tx_log(now);
                let Some(f) = h.dev.tracked().and_then(|d| d.take_corrupted()) else {
                    break;
                };
                let dev = h
                    .dev
                    .tracked()
                    .expect("only a tracked port sets frames aside");
                let damage = classify_damage(&f, MACS[i], V4[i], &[V6[i], link_local(i)]);
                let before = *h.iface.stats();
                let drops_before = h.iface.total_drops();
                dev.set_solo(f);
                h.iface.poll(now, &mut h.dev);
                if let Some(d) = h.dev.tracked() {
                    d.end_solo();
                }
                let after = *h.iface.stats();
                let dropped = h.iface.total_drops() - drops_before;
                *self.tally.by_damage.entry(damage).or_insert(0) += 1;
                if damage.must_drop() {
                    assert_eq!(
                        dropped,
                        1,
                        "{}: a corrupted frame ({damage:?}) was not dropped and counted \
                         exactly once (seed {:#x}); counters that moved: {}",
                        self.name,
                        self.seed,
                        stats_delta(&before, &after)
                    );
                    self.tally.dropped_and_counted += 1;
                }
                let changed = stats_delta(&before, &after);
                let tcp = tcp_checksum_counter(&after) - tcp_checksum_counter(&before);
                let v4 = after.ipv4_bad_checksum - before.ipv4_bad_checksum;
                self.tally.tcp_checksum_drops += tcp;
                self.tally.ipv4_checksum_drops += v4;
                match damage {
                    Damage::TcpChecksum => assert_eq!(
                        tcp, 1,
                        "{}: a segment whose only fault is its TCP checksum was not counted \
                         as a TCP checksum drop (seed {:#x}); counters that moved: {changed}",
                        self.name, self.seed
                    ),
                    Damage::Ipv4HeaderChecksum => assert_eq!(
                        v4, 1,
                        "{}: a packet whose only fault is its IPv4 header checksum was not \
                         counted as such (seed {:#x}); counters that moved: {changed}",
                        self.name, self.seed
                    ),
                    _ => {}
                }
            }
        }
    }

    /// The next instant anything happens: a frame arrives or a timer fires.
    fn next_event(&self) -> Option<u64> {
        [
            self.wire.borrow().next_event_ns(),
            self.hosts[0].iface.poll_at(),
            self.hosts[1].iface.poll_at(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Runs until `done`, calling `app` after every poll; `app` returns
    /// whether it made progress (moved bytes, closed, changed state), in
    /// which case the stacks are polled again at the same instant so what
    /// it queued goes out. Fails past `deadline` (simulated), after
    /// [`STALL_NS`] without progress, or after [`WALL_LIMIT`].
    fn drive(
        &mut self,
        what: &str,
        deadline: u64,
        app: &mut dyn FnMut(&mut Net) -> bool,
        done: &dyn Fn(&Net) -> bool,
        describe: &dyn Fn(&Net) -> String,
    ) {
        let mut last_progress = self.now();
        let mut same_instant = 0;
        loop {
            self.poll();
            let progressed = app(self);
            if done(self) {
                return;
            }
            let now = self.now();
            if progressed {
                last_progress = now;
                if same_instant < 64 {
                    same_instant += 1;
                    continue;
                }
            }
            same_instant = 0;
            let fail = |net: &Net, why: String| -> ! {
                panic!(
                    "{}: {what}: {why} at {:.3} s simulated (seed {:#x}, replay with \
                     {SEED_VAR}={:#x})\n{}",
                    net.name,
                    now as f64 / 1e9,
                    net.seed,
                    net.seed,
                    describe(net)
                )
            };
            if now > deadline {
                fail(self, "simulated-time budget exceeded".into());
            }
            if now - last_progress > STALL_NS {
                fail(
                    self,
                    format!("no progress for {} s", (now - last_progress) / SEC),
                );
            }
            if self.wall_start.elapsed() > WALL_LIMIT {
                fail(self, format!("over {WALL_LIMIT:?} of real time"));
            }
            match self.next_event() {
                Some(t) => self.now.set(t.max(now + 1)),
                None => fail(self, "nothing left to happen, yet not done".into()),
            }
        }
    }
}

/// The counters that differ between two snapshots, as `name: +n`.
fn stats_delta(before: &Stats, after: &Stats) -> String {
    let fields = |s: &Stats| -> Vec<(String, u64)> {
        let text = format!("{s:?}");
        let inner = text
            .trim_start_matches("Stats {")
            .trim_end_matches('}')
            .to_string();
        inner
            .split(',')
            .filter_map(|kv| {
                let (k, v) = kv.split_once(':')?;
                Some((k.trim().to_string(), v.trim().parse().ok()?))
            })
            .collect()
    };
    fields(before)
        .into_iter()
        .zip(fields(after))
        .filter(|((_, a), (_, b))| a != b)
        .map(|((k, a), (_, b))| format!("{k}: +{}", b.wrapping_sub(a)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn link_local(i: usize) -> Ipv6Addr {
    stack::iface::link_local_from_mac(MACS[i])
}

fn describe(net: &Net, ends: &[End]) -> String {
    let mut s = String::new();
    for e in ends {
        let iface = &net.hosts[e.host].iface;
        s += &format!(
            "  host {} {:?}: states {:?}, sent {:?}, received {:?}, conn {:?}\n",
            e.host,
            e.h,
            e.states,
            e.src.as_ref().map(|x| x.sent()),
            e.sink.as_ref().map(|x| x.received()),
            iface
                .tcp_connection(e.h)
                .ok()
                .map(|c| (c.state(), *c.stats())),
        );
    }
    for (i, h) in net.hosts.iter().enumerate() {
        s += &format!(
            "  host {i}: poll_at {:?}, stats {:?}\n",
            h.iface.poll_at(),
            h.iface.stats()
        );
    }
    s
}

/// How one transfer test is set up.
struct Plan {
    name: &'static str,
    default_seed: u64,
    link: LinkConfig,
    sack: bool,
    ipv6: bool,
    /// Bytes the client sends to the server, and the server to the client.
    client_sends: usize,
    server_sends: usize,
    /// Simulated-time budget for the transfer and the close.
    budget_ns: u64,
    hostile: bool,
    /// Emulated offloads (TSO, LRO, checksums) on one host.
    offloads: bool,
    /// The server's application reads what arrives (else it never does).
    server_reads: bool,
}

/// What a finished run measured.
struct Outcome {
    net: Net,
    ends: Vec<End>,
}

fn run(plan: Plan) -> Outcome {
    let seed = seed(plan.name, plan.default_seed);
    let mut net = Net::new(plan.name, seed, plan.link, plan.sack, plan.offloads);
    let server_ip: IpAddr = if plan.ipv6 {
        V6[1].into()
    } else {
        V4[1].into()
    };
    let listener = net.hosts[1]
        .iface
        .tcp_listen(PORT, 8)
        .expect("listen on the server");
    let client = net.hosts[0]
        .iface
        .tcp_connect(0, SocketAddr::new(server_ip, PORT))
        .expect("connect from the client");

    // The handshake: the server accepts.
    let accepted = Cell::new(None);
    net.drive(
        "handshake",
        60 * SEC,
        &mut |net| {
            if accepted.get().is_none() {
                accepted.set(net.hosts[1].iface.tcp_accept(listener).expect("accept"));
            }
            accepted.get().is_some()
        },
        &|_| accepted.get().is_some(),
        &|n| describe_hosts(n),
    );
    let server = accepted.get().unwrap();
    let start = net.now();

    let mut ends = vec![
        End::new(0, client, State::SynSent),
        End::new(1, server, State::SynReceived),
    ];
    // The receiver of a one-way transfer closes when it has read the
    // sender's FIN; a side that sends closes once it has sent everything.
    // Different seeds for the two directions' data.
    if plan.client_sends > 0 {
        ends[0].src = Some(Source::new(seed ^ 0xc11e, plan.client_sends));
        ends[1].sink = Some(Sink::new(seed ^ 0xc11e, plan.client_sends));
        ends[0].wait_for_peer_fin = false;
    }
    if plan.server_sends > 0 {
        ends[1].src = Some(Source::new(seed ^ 0x5e4e, plan.server_sends));
        ends[0].sink = Some(Sink::new(seed ^ 0x5e4e, plan.server_sends));
        // The client reads with copies, the server zero-copy.
        ends[0].zero_copy = false;
        ends[1].wait_for_peer_fin = false;
    }
    if !plan.server_reads {
        ends[1].sink = None;
    }
    if plan.hostile {
        net.hostile = Some(Attacker::new(seed, plan.ipv6));
    }

    let mut buf = vec![0u8; 64 * KIB];
    let ends_cell = RefCell::new(ends);
    net.drive(
        "transfer and close",
        start + plan.budget_ns,
        &mut |net| {
            let mut moved = false;
            for e in ends_cell.borrow_mut().iter_mut() {
                let (name, seed, now) = (net.name.clone(), net.seed, net.now());
                moved |= e.service(&mut net.hosts[e.host].iface, now, &mut buf, &name, seed);
            }
            if let Some(mut a) = net.hostile.take() {
                a.act(net, &ends_cell.borrow());
                net.hostile = Some(a);
            }
            moved
        },
        &|net| {
            ends_cell
                .borrow()
                .iter()
                .all(|e| net.hosts[e.host].iface.tcp_state(e.h) == Ok(State::Closed))
        },
        &|net| describe(net, &ends_cell.borrow()),
    );
    let ends = ends_cell.into_inner();

    // Byte-exact, both ways.
    for e in &ends {
        let (Some(sink), Some(src)) = (&e.sink, ends[1 - e.host].src.as_ref()) else {
            continue;
        };
        assert_eq!(
            sink.first_mismatch(),
            None,
            "{}: host {} received a wrong byte (seed {seed:#x})",
            plan.name,
            e.host
        );
        assert_eq!(sink.received(), src.sent(), "{}: length", plan.name);
        assert_eq!(
            hex(&sink.digest()),
            hex(&src.digest()),
            "{}: SHA-256 differs (seed {seed:#x})",
            plan.name
        );
    }

    // A graceful close on both sides.
    for e in &ends {
        let conn = net.hosts[e.host].iface.tcp_connection(e.h).unwrap();
        assert_eq!(
            conn.close_reason(),
            Some(CloseReason::Normal),
            "{}: host {} closed for another reason; states {:?} (seed {seed:#x})",
            plan.name,
            e.host,
            e.states
        );
    }
    assert!(
        ends.iter().any(|e| e.states.contains(&State::TimeWait)),
        "{}: nobody went through TIME-WAIT: {:?} / {:?}",
        plan.name,
        ends[0].states,
        ends[1].states
    );
    if plan.client_sends == 0 || plan.server_sends == 0 {
        // One-way: the sender closes first (TIME-WAIT), the receiver
        // answers the FIN (CLOSE-WAIT, LAST-ACK).
        let (active, passive) = if plan.client_sends > 0 {
            (&ends[0], &ends[1])
        } else {
            (&ends[1], &ends[0])
        };
        for s in [State::FinWait1, State::TimeWait] {
            assert!(
                active.states.contains(&s),
                "{}: active closer {:?}",
                plan.name,
                active.states
            );
        }
        for s in [State::CloseWait, State::LastAck] {
            assert!(
                passive.states.contains(&s),
                "{}: passive closer {:?}",
                plan.name,
                passive.states
            );
        }
    }
    if !plan.hostile {
        // No RST while a connection lives (each host's transmissions are
        // the other's receptions). Once a host's connection is CLOSED, a
        // straggler from the peer (a duplicated or delayed FIN) rightly
        // draws a RST from it (RFC 9293 §3.10.7.1), which must not harm
        // the peer: its close reason was checked above.
        for e in &ends {
            let (rsts, _) = net.hosts[e.host].dev.tx_seen();
            for (at, seg) in rsts {
                assert!(
                    e.closed_at.is_some_and(|c| c <= *at),
                    "{}: host {} sent a RST at {:.6} s while its connection was open \
                     (closed at {:?}, states {:?}): {seg:?} (seed {seed:#x})",
                    plan.name,
                    e.host,
                    *at as f64 / 1e9,
                    e.closed_at,
                    e.states
                );
            }
            if !rsts.is_empty() {
                eprintln!(
                    "{}: host {} answered {} straggler(s) with RST after closing",
                    plan.name,
                    e.host,
                    rsts.len()
                );
            }
        }
    }

    // Report.
    let done_at = ends
        .iter()
        .filter_map(|e| e.finished_at())
        .max()
        .unwrap_or(net.now());
    let secs = (done_at - start) as f64 / 1e9;
    let bytes = (plan.client_sends + plan.server_sends) as f64;
    let retrans: Vec<String> = ends
        .iter()
        .map(|e| {
            let s = e.stats.unwrap_or_default();
            format!(
                "host {}: {} retransmits ({} fast, {} RTO), {} segs out",
                e.host, s.retransmits, s.fast_retransmits, s.rto_expiries, s.segs_out
            )
        })
        .collect();
    let w0 = net.wire.borrow().stats(net.hosts[0].dev.port()).unwrap();
    let w1 = net.wire.borrow().stats(net.hosts[1].dev.port()).unwrap();
    eprintln!(
        "{}: {:.1} MiB in {secs:.3} s simulated = {:.1} Mbit/s; {}; wire lost {}, \
         duplicated {}, reordered {}, corrupted {}; {:.1} s real",
        plan.name,
        bytes / MIB as f64,
        bytes * 8.0 / secs / 1e6,
        retrans.join("; "),
        w0.lost + w1.lost,
        w0.duplicated + w1.duplicated,
        w0.reordered + w1.reordered,
        w0.corrupted + w1.corrupted,
        net.wall_start.elapsed().as_secs_f64()
    );

    // Released, the connections finish on their own; then nothing may be
    // left armed, not even a neighbour entry's expiry, once it passed.
    for e in &ends {
        net.hosts[e.host].iface.tcp_release(e.h).expect("release");
    }
    net.hosts[1]
        .iface
        .tcp_close(listener)
        .expect("close the listener");
    let _ = net.hosts[1].iface.tcp_release(listener);
    let idle_deadline = net.now() + 10 * 60 * SEC;
    net.drive(
        "winding down",
        idle_deadline,
        &mut |_| false,
        &|net| {
            net.wire.borrow().next_event_ns().is_none()
                && net.hosts.iter().all(|h| h.iface.poll_at().is_none())
        },
        &|n| describe_hosts(n),
    );
    for e in &ends {
        assert!(
            net.hosts[e.host].iface.tcp_state(e.h).is_err(),
            "{}: a released, closed handle still resolves",
            plan.name
        );
    }
    Outcome { net, ends }
}

fn describe_hosts(net: &Net) -> String {
    describe(net, &[])
}

fn lossy(loss: f64) -> LinkConfig {
    LinkConfig { loss, ..link() }
}

fn lossy_reordering_duplicating() -> LinkConfig {
    LinkConfig {
        loss: 0.05,
        reorder: 0.03,
        reorder_delay_ns: 300_000,
        duplicate: 0.03,
        ..link()
    }
}

fn corrupting() -> LinkConfig {
    LinkConfig {
        corrupt: 0.001,
        ..link()
    }
}

fn plan(name: &'static str, seed: u64, link: LinkConfig, sack: bool) -> Plan {
    Plan {
        name,
        default_seed: seed,
        link,
        sack,
        ipv6: false,
        client_sends: 64 * MIB,
        server_sends: 0,
        budget_ns: 1_800 * SEC,
        hostile: false,
        offloads: false,
        server_reads: true,
    }
}

/// Both ends negotiated SACK as configured, and SACK blocks crossed the
/// wire exactly when it was on (every test has loss, corruption or
/// reordering, so a receiver with SACK has holes to report). On a `lossy`
/// link (several losses per window), a SACK sender skips SACKed bytes.
fn assert_sack(o: &mut Outcome, want: bool, lossy: bool) {
    for e in &o.ends {
        assert_eq!(
            e.sack,
            Some(want),
            "{}: host {} negotiated SACK {:?}",
            o.net.name,
            e.host,
            e.sack
        );
    }
    let sack_segments: u64 = o.net.hosts.iter().map(|h| h.dev.tx_seen().1).sum();
    if want {
        assert!(
            sack_segments > 0,
            "{}: SACK on, yet no SACK block sent",
            o.net.name
        );
    } else {
        assert_eq!(
            sack_segments, 0,
            "{}: SACK off, yet SACK blocks sent",
            o.net.name
        );
    }
    let skipped: u64 = o
        .ends
        .iter()
        .map(|e| e.stats.unwrap_or_default().sacked_bytes_skipped)
        .sum();
    eprintln!(
        "{}: SACK {want}: {sack_segments} segments carried SACK blocks; \
         ConnStats::sacked_bytes_skipped {skipped}",
        o.net.name
    );
    if !want {
        assert_eq!(
            skipped, 0,
            "{}: SACK off, yet SACKed bytes skipped",
            o.net.name
        );
    }
    if want && lossy {
        // Several losses in one window: retransmission skips what the
        // receiver SACKed.
        assert!(
            skipped > 0,
            "{}: SACK on under loss, yet no SACKed byte skipped when retransmitting",
            o.net.name
        );
    }
}

#[test]
fn sixty_four_mib_arrive_byte_exact_under_1_percent_loss_with_sack() {
    let mut o = run(plan("1%-loss-sack", 0x1_0001, lossy(0.01), true));
    assert_sack(&mut o, true, true);
}

#[test]
fn sixty_four_mib_arrive_byte_exact_under_1_percent_loss_without_sack() {
    let mut o = run(plan("1%-loss-no-sack", 0x1_0002, lossy(0.01), false));
    assert_sack(&mut o, false, true);
}

#[test]
fn sixty_four_mib_arrive_byte_exact_under_5_percent_loss_reordering_and_duplication_with_sack() {
    let mut o = run(plan(
        "5%-loss-reorder-dup-sack",
        0x1_0003,
        lossy_reordering_duplicating(),
        true,
    ));
    assert_sack(&mut o, true, true);
}

#[test]
fn sixty_four_mib_arrive_byte_exact_under_5_percent_loss_reordering_and_duplication_without_sack() {
    let mut o = run(plan(
        "5%-loss-reorder-dup-no-sack",
        0x1_0004,
        lossy_reordering_duplicating(),
        false,
    ));
    assert_sack(&mut o, false, true);
}

fn corruption(name: &'static str, seed: u64, sack: bool) {
    // The server sends this time.
    let mut p = plan(name, seed, corrupting(), sack);
    p.client_sends = 0;
    p.server_sends = 64 * MIB;
    let mut o = run(p);
    assert_sack(&mut o, sack, false);
    let net = &o.net;
    let t = &net.tally;
    let wire_corrupted: u64 = net
        .hosts
        .iter()
        .map(|h| net.wire.borrow().stats(h.dev.port()).unwrap().corrupted)
        .sum();
    let seen: u64 = net
        .hosts
        .iter()
        .filter_map(|h| h.dev.tracked_ref().map(|d| d.corrupted_seen))
        .sum();
    eprintln!("{name}: corrupted frames {wire_corrupted}, classified {t:?}");
    assert_eq!(
        seen, wire_corrupted,
        "{name}: every corrupted frame reached a stack and was recognised"
    );
    assert!(
        t.by_damage.get(&Damage::TcpChecksum).copied().unwrap_or(0) >= 20,
        "{name}: too few corrupted TCP segments to prove anything: {t:?} (seed {:#x})",
        net.seed
    );
    let must_drop: u64 = t
        .by_damage
        .iter()
        .filter(|(d, _)| d.must_drop())
        .map(|(_, n)| n)
        .sum();
    assert_eq!(t.dropped_and_counted, must_drop);
    assert!(t.tcp_checksum_drops >= t.by_damage[&Damage::TcpChecksum]);
}

#[test]
fn corrupted_frames_are_dropped_by_checksums_and_64_mib_arrive_intact_with_sack() {
    corruption("0.1%-corruption-sack", 0x1_0005, true);
}

#[test]
fn corrupted_frames_are_dropped_by_checksums_and_64_mib_arrive_intact_without_sack() {
    corruption("0.1%-corruption-no-sack", 0x1_0006, false);
}

#[test]
fn both_directions_at_once_over_ipv6_arrive_byte_exact() {
    let mut p = plan("ipv6-both-ways", 0x1_0007, lossy(0.01), true);
    p.ipv6 = true;
    p.server_sends = 64 * MIB;
    p.offloads = true;
    let mut o = run(p);
    assert_sack(&mut o, true, true);
}

/// What a run did, everything that depends on the seed: the same seed
/// must give the same run, event for event.
fn fingerprint(o: &Outcome) -> String {
    let net = &o.net;
    let wire: Vec<_> = net
        .hosts
        .iter()
        .map(|h| net.wire.borrow().stats(h.dev.port()).unwrap())
        .collect();
    format!(
        "end {} ns; ends {:?}; wire {:?}; stacks {:?} {:?}; corruption {:?}",
        net.now(),
        o.ends
            .iter()
            .map(|e| (e.states.clone(), e.stats, e.done_at))
            .collect::<Vec<_>>(),
        wire,
        net.hosts[0].iface.stats(),
        net.hosts[1].iface.stats(),
        net.tally
    )
}

#[test]
fn the_same_seed_replays_the_same_transfer_exactly() {
    let impaired = LinkConfig {
        loss: 0.02,
        reorder: 0.02,
        reorder_delay_ns: 300_000,
        duplicate: 0.02,
        corrupt: 0.002,
        ..link()
    };
    let mk = || {
        let mut p = plan("replay", 0x1_0009, impaired, true);
        p.client_sends = 4 * MIB;
        p.server_sends = 4 * MIB;
        p
    };
    let first = fingerprint(&run(mk()));
    let second = fingerprint(&run(mk()));
    assert_eq!(first, second, "two runs with one seed differ");
}

#[test]
#[should_panic(expected = "no progress for")]
fn a_transfer_that_stops_moving_fails_with_its_seed_instead_of_hanging() {
    // The server's application never reads: the window closes, the
    // sender probes it forever. The harness must call that a failure.
    let mut p = plan("stalled", 0x1_000a, link(), true);
    p.client_sends = 4 * MIB;
    p.server_reads = false;
    run(p);
}

#[test]
fn forged_segments_from_a_hostile_peer_do_not_disturb_a_transfer() {
    let mut p = plan("hostile-peer", 0x1_0008, lossy(0.002), true);
    p.client_sends = 16 * MIB;
    p.hostile = true;
    let o = run(p);
    let a = o.net.hostile.as_ref().unwrap();
    eprintln!("hostile-peer: forged {:?}", a.forged);
    assert!(
        a.forged.values().sum::<u64>() > 1_000,
        "too few forgeries to prove anything"
    );
    // The forgeries reached TCP and met its defences, not just the floor.
    let sum = |f: fn(&ConnStats) -> u64| -> u64 {
        o.ends.iter().map(|e| f(&e.stats.unwrap_or_default())).sum()
    };
    let challenge = sum(|s| s.challenge_acks + s.challenge_acks_suppressed);
    let out_of_window = sum(|s| s.out_of_window);
    let iface =
        |f: fn(&Stats) -> u64| -> u64 { o.net.hosts.iter().map(|h| f(h.iface.stats())).sum() };
    let malformed = iface(|s| s.tcp_malformed);
    let bad_checksum = iface(|s| s.tcp_bad_checksum);
    let no_socket = iface(|s| s.tcp_rst_sent_no_socket);
    eprintln!(
        "hostile-peer: challenge ACKs {challenge}, out of window {out_of_window}, \
         malformed {malformed}, bad checksum {bad_checksum}, RST for no socket {no_socket}"
    );
    assert!(
        challenge > 0,
        "no challenge ACK for forged SYNs and in-window RSTs"
    );
    assert!(out_of_window > 0, "no out-of-window segment counted");
    assert!(malformed > 0 && bad_checksum > 0, "bad headers not counted");
    assert!(no_socket > 0, "segments to a closed port not answered");
}

/// Forges TCP segments into a running connection, from either side's
/// address towards the other, using the sequence numbers an on-path
/// observer sees (the last segment each side sent). Nothing it sends may
/// be acceptable data or an exact-sequence RST: those a true on-path
/// attacker can always use, and no TCP can refuse them.
struct Attacker {
    rng: ChaCha8Rng,
    ipv6: bool,
    next_at: u64,
    forged: BTreeMap<&'static str, u64>,
}

impl Attacker {
    fn new(seed: u64, ipv6: bool) -> Attacker {
        Attacker {
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0xbad),
            ipv6,
            next_at: 0,
            forged: BTreeMap::new(),
        }
    }

    fn act(&mut self, net: &mut Net, ends: &[End]) {
        let now = net.now();
        if now < self.next_at || ends.len() < 2 {
            return;
        }
        // Roughly one forgery per 50 µs of simulated time.
        self.next_at = now + self.rng.gen_range(10_000..90_000);
        let victim = self.rng.gen_range(0..2usize);
        let other = 1 - victim;
        let (Some(seen_from_victim), Some(seen_from_other)) = (
            net.hosts[victim]
                .dev
                .tracked_ref()
                .and_then(|d| d.last_tcp_tx),
            net.hosts[other]
                .dev
                .tracked_ref()
                .and_then(|d| d.last_tcp_tx),
        ) else {
            return;
        };
        let state = net.hosts[victim].iface.tcp_state(ends[victim].h);
        if !matches!(state, Ok(State::Established)) {
            return;
        }
        let ip = |i: usize| -> IpAddr {
            if self.ipv6 {
                V6[i].into()
            } else {
                V4[i].into()
            }
        };
        let ports = |i: usize| {
            let c = net.hosts[i].iface.tcp_connection(ends[i].h).unwrap();
            (c.local().port(), c.remote().port())
        };
        let (vport, oport) = ports(victim);
        let from = Station {
            mac: MACS[other],
            ip: ip(other),
            port: oport,
        };
        let to = Station {
            mac: MACS[victim],
            ip: ip(victim),
            port: vport,
        };
        // What the victim expects next from the other side, as observed.
        let rcv_nxt = seen_from_victim.ack;
        let snd_una = seen_from_other.ack;
        let snd_nxt = seen_from_victim
            .seq
            .wrapping_add(seen_from_victim.payload_len as u32);
        let ts = seen_from_other
            .tsval
            .map(|v| (v, seen_from_other.tsecr.unwrap_or(0)));
        let ts_opt = |tsval: u32, tsecr: u32| {
            let mut o = vec![1, 1, 8, 10];
            o.extend_from_slice(&tsval.to_be_bytes());
            o.extend_from_slice(&tsecr.to_be_bytes());
            o
        };
        let good_ts = ts.map(|(v, e)| ts_opt(v, e)).unwrap_or_default();
        let r = &mut self.rng;
        let (kind, header, payload): (&'static str, Vec<u8>, Vec<u8>) = match r.gen_range(0..10) {
            0 => {
                // Blind RST anywhere in sequence space (but not exactly
                // RCV.NXT, which must reset).
                let mut seq = r.gen::<u32>();
                if seq == rcv_nxt {
                    seq ^= 1;
                }
                (
                    "blind RST",
                    tcp_header((oport, vport), seq, 0, RST, 0, &[], None),
                    vec![],
                )
            }
            1 => {
                // RST inside the window, not at its left edge: RFC 5961
                // says answer with a challenge ACK, do not reset. The
                // victim's true RCV.NXT may be ahead of the last ACK it
                // sent by what it has not acknowledged yet (a few
                // segments), so stay 64 KiB clear of it, inside the
                // 256 KiB window.
                let seq = rcv_nxt.wrapping_add(r.gen_range(64 * 1024..128 * 1024));
                (
                    "in-window RST",
                    tcp_header((oport, vport), seq, 0, RST | ACK, 0, &[], None),
                    vec![],
                )
            }
            2 => {
                // SYN on an established connection (RFC 5961 §4).
                let seq = r.gen::<u32>();
                let mut opts = vec![2, 4, 0x05, 0xb4, 4, 2];
                opts.extend_from_slice(&good_ts);
                (
                    "SYN",
                    tcp_header((oport, vport), seq, 0, SYN, 65535, &opts, None),
                    vec![],
                )
            }
            3 => {
                // An old ACK, well below SND.UNA.
                let ack = snd_una.wrapping_sub(r.gen_range(100_000..1_000_000));
                (
                    "old ACK",
                    tcp_header((oport, vport), rcv_nxt, ack, ACK, 65535, &good_ts, None),
                    vec![],
                )
            }
            4 => {
                // An ACK for data never sent.
                let ack = snd_nxt.wrapping_add(r.gen_range(100_000..100_000_000));
                (
                    "ACK of unsent data",
                    tcp_header((oport, vport), rcv_nxt, ack, ACK, 65535, &good_ts, None),
                    vec![],
                )
            }
            5 => {
                // Data far outside the receive window, either side.
                let off = if r.gen() {
                    1u32 << 30
                } else {
                    (1u32 << 31) + 12_345
                };
                let seq = rcv_nxt.wrapping_add(off);
                let len = r.gen_range(1..1400);
                let data: Vec<u8> = (0..len).map(|_| r.gen()).collect();
                (
                    "out-of-window data",
                    tcp_header(
                        (oport, vport),
                        seq,
                        snd_una,
                        ACK | PSH,
                        65535,
                        &good_ts,
                        None,
                    ),
                    data,
                )
            }
            6 => {
                // Data entirely before RCV.NXT (already received): must
                // not overwrite what was delivered.
                let len = r.gen_range(1..1000u32);
                let seq = rcv_nxt.wrapping_sub(len + r.gen_range(0..50_000));
                let data: Vec<u8> = (0..len).map(|_| r.gen()).collect();
                (
                    "old data",
                    tcp_header((oport, vport), seq, snd_una, ACK, 65535, &good_ts, None),
                    data,
                )
            }
            7 => {
                // Bogus options: zero or overrunning lengths, a window
                // scale of 200, SACK blocks pointing anywhere, a truncated
                // timestamp, on an ACK that is otherwise plausible but
                // carries a stale timestamp so PAWS may drop it.
                let opts: Vec<u8> = match r.gen_range(0..5) {
                    0 => vec![5, 0, 1, 1],
                    1 => vec![8, 40, 0, 0],
                    2 => vec![3, 3, 200, 1],
                    3 => {
                        let mut o = vec![1, 1, 5, 18];
                        for _ in 0..4 {
                            o.extend_from_slice(&r.gen::<u32>().to_be_bytes());
                        }
                        o
                    }
                    _ => vec![8, 6, 1, 2, 3, 4],
                };
                let ack = snd_una.wrapping_sub(r.gen_range(1_000_000..2_000_000));
                (
                    "bogus options",
                    tcp_header((oport, vport), rcv_nxt, ack, ACK, 0, &opts, None),
                    vec![],
                )
            }
            8 => {
                // A header whose data offset lies (beyond the segment, or
                // under 20 bytes), or a bad checksum.
                let lie = if r.gen() { 15 } else { 3 };
                let seq = rcv_nxt.wrapping_add(r.gen_range(0..10_000));
                if r.gen() {
                    (
                        "lying data offset",
                        tcp_header((oport, vport), seq, snd_una, ACK, 1000, &[], Some(lie)),
                        vec![],
                    )
                } else {
                    let data = vec![0xee; 100];
                    let f = forge_tcp(
                        &from,
                        &to,
                        &tcp_header((oport, vport), seq, snd_una, ACK, 1000, &good_ts, None),
                        &data,
                        true,
                    );
                    net.hosts[victim].dev.tracked().expect("tracked").inject(f);
                    *self.forged.entry("bad checksum").or_insert(0) += 1;
                    return;
                }
            }
            _ => {
                // A FIN far outside the window, and segments to a port
                // nobody listens on from a random address.
                if r.gen() {
                    let seq = rcv_nxt.wrapping_add(1 << 30);
                    (
                        "out-of-window FIN",
                        tcp_header(
                            (oport, vport),
                            seq,
                            snd_una,
                            FIN | ACK,
                            65535,
                            &good_ts,
                            None,
                        ),
                        vec![],
                    )
                } else {
                    let stray = Station {
                        port: r.gen_range(1024..u16::MAX),
                        ..from
                    };
                    let h = tcp_header((stray.port, 9), r.gen(), r.gen(), ACK, 100, &[], None);
                    let f = forge_tcp(&stray, &Station { port: 9, ..to }, &h, &[], false);
                    net.hosts[victim].dev.tracked().expect("tracked").inject(f);
                    *self.forged.entry("stray segment").or_insert(0) += 1;
                    return;
                }
            }
        };
        let f = forge_tcp(&from, &to, &header, &payload, false);
        net.hosts[victim].dev.tracked().expect("tracked").inject(f);
        *self.forged.entry(kind).or_insert(0) += 1;
    }
}
