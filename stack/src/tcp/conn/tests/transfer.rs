//! Handshakes, byte-exact transfers over a lossy pipe, export by clone,
//! and random segments in every state.

use super::*;

#[test]
fn handshake_negotiates_mss_window_scale_sack_and_timestamps() {
    let mut sim = Sim::open(TcpConfig::default(), TcpConfig::default(), 1);
    assert!(sim.run_until(SEC, established));
    for side in [A, B] {
        let c = &sim.c[side];
        assert_eq!(c.send_mss(), 1460);
        assert!(c.sack_enabled());
        assert!(c.timestamps_enabled());
        // 256 KiB needs a shift of 3 to fit in 16 bits.
        assert_eq!(c.window_shifts(), (3, 3));
    }
    let syn = sim.log[0].1;
    assert_eq!(syn.max_seg_size, Some(1460));
    assert_eq!(syn.window_scale, Some(3));
    assert!(syn.sack_permitted);
    assert!(syn.timestamp.is_some());
    let synack = sim.log[1].1;
    assert_eq!(synack.flags, TcpFlags::SYN | TcpFlags::ACK);
    assert_eq!(synack.ack_number, TcpSeqNumber(1001));
    assert_eq!(synack.window_len, 0xffff, "SYN-ACK windows are not scaled");
    // Data segments carry 12 bytes of timestamps: 1448 payload bytes each.
    sim.to_send[A].extend(pattern(10_000, 1));
    assert!(sim.run_until(SEC, |s| s.received[B].len() == 10_000));
    assert!(sim
        .log
        .iter()
        .filter(|(f, r)| *f == A && r.payload_len > 0)
        .all(|(_, r)| r.payload_len <= 1448 && r.timestamp.is_some()));
    assert_eq!(sim.received[B], pattern(10_000, 1));
}

#[test]
fn handshake_without_options_falls_back() {
    let plain = TcpConfig {
        window_scaling: false,
        timestamps: false,
        sack: false,
        recv_buffer: 60_000,
        ..TcpConfig::default()
    };
    let mut sim = Sim::open(TcpConfig::default(), plain, 2);
    assert!(sim.run_until(SEC, established));
    for side in [A, B] {
        assert!(!sim.c[side].sack_enabled());
        assert!(!sim.c[side].timestamps_enabled());
        assert_eq!(sim.c[side].window_shifts(), (0, 0));
        assert_eq!(sim.c[side].send_mss(), 1460);
    }
    // The SYN-ACK offers nothing the SYN's receiver did not enable.
    let synack = sim.log[1].1;
    assert_eq!(synack.window_scale, None);
    assert!(synack.timestamp.is_none() && !synack.sack_permitted);
    // A's window (256 KiB) is capped at 65535 unscaled.
    let a_ack = sim
        .log
        .iter()
        .find(|(f, r)| *f == A && !r.flags.contains(TcpFlags::SYN));
    assert_eq!(a_ack.unwrap().1.window_len, 0xffff);
}

#[test]
fn peer_without_mss_option_gets_536_on_ipv4_and_1220_on_ipv6() {
    let syn = |src: &str| {
        let a = Connection::connect(TcpConfig::default(), addr(src), addr(src), 1, 0);
        let mut a = a;
        let mut s = a.poll_transmit(0, 1460).unwrap().repr;
        s.max_seg_size = None;
        s
    };
    let s4 = syn("10.0.0.1:1");
    let c4 = Connection::accept(
        TcpConfig::default(),
        addr("10.0.0.2:2"),
        addr("10.0.0.1:1"),
        5,
        &s4,
        0,
    );
    assert_eq!(c4.send_mss(), 536);
    let s6 = syn("[fe80::1]:1");
    let c6 = Connection::accept(
        TcpConfig::default(),
        addr("[fe80::2]:2"),
        addr("[fe80::1]:1"),
        5,
        &s6,
        0,
    );
    assert_eq!(c6.send_mss(), 1220);
    // With timestamps, payload per segment is 12 bytes less.
    let mut c4 = c4;
    let out = c4.poll_transmit(0, 65536).unwrap();
    assert_eq!(out.mss, 536 - 12);
}

#[test]
fn simultaneous_open_goes_through_syn_received() {
    let (la, lb) = (addr("10.0.0.1:5000"), addr("10.0.0.2:5000"));
    let mut a = Connection::connect(TcpConfig::default(), la, lb, 100, 0);
    let mut b = Connection::connect(TcpConfig::default(), lb, la, 9000, 0);
    let sa = a.poll_transmit(0, 1460).unwrap();
    let sb = b.poll_transmit(0, 1460).unwrap();
    a.on_segment(MS, &sb.repr, &[]);
    b.on_segment(MS, &sa.repr, &[]);
    assert_eq!(a.state(), State::SynReceived);
    assert_eq!(b.state(), State::SynReceived);
    let mut sim = Sim {
        c: [a, b],
        now: MS,
        delay: MS,
        rng: ChaCha8Rng::seed_from_u64(3),
        loss: 0.0,
        dup: 0.0,
        reorder: 0.0,
        queue: Vec::new(),
        order: 0,
        max_payload: 1460,
        log: Vec::new(),
        produced: Vec::new(),
        drop_if: no_drop,
        to_send: [VecDeque::new(), VecDeque::new()],
        received: [Vec::new(), Vec::new()],
        read: true,
    };
    assert!(sim.run_until(SEC, established));
    assert!(sim.c[A].timestamps_enabled() && sim.c[B].sack_enabled());
    sim.to_send[A].extend(pattern(5000, 7));
    sim.to_send[B].extend(pattern(7000, 8));
    assert!(sim.run_until(2 * SEC, |s| s.received[B].len() == 5000
        && s.received[A].len() == 7000));
    assert_eq!(sim.received[A], pattern(7000, 8));
}

fn transfer(cfg: TcpConfig, seed_default: u64, name: &str, len: usize) {
    let seed = seed(name, seed_default);
    let mut sim = Sim::open(cfg, cfg, seed);
    sim.loss = 0.02;
    sim.dup = 0.01;
    sim.reorder = 0.05;
    assert!(sim.run_until(30 * SEC, established), "handshake");
    let (da, db) = (pattern(len, 3), pattern(len / 2 + 17, 9));
    sim.to_send[A].extend(da.iter().copied());
    sim.to_send[B].extend(db.iter().copied());
    let ok = sim.run_until(600 * SEC, |s| {
        s.received[B].len() == da.len() && s.received[A].len() == db.len()
    });
    assert!(
        ok,
        "stalled at {} ns: B got {} of {}, A got {} of {}; A {:?} B {:?}",
        sim.now,
        sim.received[B].len(),
        da.len(),
        sim.received[A].len(),
        db.len(),
        sim.c[A].stats(),
        sim.c[B].stats()
    );
    assert!(
        sim.received[B] == da && sim.received[A] == db,
        "bytes differ"
    );
    println!(
        "DBG {name}: done at {} ms, {} segments; A {:?}; B {:?}",
        sim.now / MS,
        sim.log.len(),
        sim.c[A].stats(),
        sim.c[B].stats()
    );
    // Close both ways, then everything ends.
    sim.c[A].close();
    sim.c[B].close();
    assert!(
        sim.run_until(sim.now + 900 * SEC, |s| s.state(A) == State::Closed
            && s.state(B) == State::Closed)
    );
    for side in [A, B] {
        assert_eq!(sim.c[side].close_reason(), Some(CloseReason::Normal));
        assert_eq!(sim.c[side].poll_at(), None, "no timer left armed");
        assert!(sim.c[side].recv_finished());
    }
    let st = sim.c[A].stats();
    assert!(st.retransmits > 0, "loss was exercised");
}

#[test]
fn data_both_ways_byte_exact_over_lossy_pipe_with_sack() {
    transfer(TcpConfig::default(), 11, "sack", 1 << 20);
}

#[test]
fn data_both_ways_byte_exact_over_lossy_pipe_without_sack() {
    let cfg = TcpConfig {
        sack: false,
        ..TcpConfig::default()
    };
    transfer(cfg, 12, "nosack", 1 << 20);
}

#[test]
fn data_both_ways_byte_exact_without_timestamps_or_scaling() {
    let cfg = TcpConfig {
        timestamps: false,
        window_scaling: false,
        recv_buffer: 40_000,
        send_buffer: 30_000,
        delayed_ack_ns: 0,
        ..TcpConfig::default()
    };
    transfer(cfg, 13, "plain", 300_000);
}

#[test]
fn a_cloned_connection_carries_on_the_transfer() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    sim.loss = 0.02;
    sim.to_send[A].extend(pattern(400_000, 9));
    assert!(sim.run_until(60 * SEC, |s| s.received[B].len() > 100_000));
    // Export and import: the copy continues exactly where the original was.
    let copy = sim.c[A].clone();
    sim.c[A] = copy;
    assert!(sim.run_until(600 * SEC, |s| s.received[B].len() == 400_000));
    assert_eq!(sim.received[B], pattern(400_000, 9));
}

#[test]
fn random_segments_never_panic_in_any_state() {
    let seed = seed("fuzz", 99);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Connections in every reachable state.
    let mut conns: Vec<Connection> = Vec::new();
    let cfg = TcpConfig {
        max_ooo_ranges: 8,
        recv_buffer: 64 * 1024,
        ..TcpConfig::default()
    };
    let la = addr("10.0.0.1:1");
    let lb = addr("10.0.0.2:2");
    conns.push(Connection::connect(cfg, la, lb, rng.gen(), 0));
    let mut syn = conns[0].clone().poll_transmit(0, 1460).unwrap().repr;
    conns.push(Connection::accept(cfg, lb, la, rng.gen(), &syn, 0));
    syn.window_scale = None;
    syn.timestamp = None;
    conns.push(Connection::accept(cfg, lb, la, rng.gen(), &syn, 0));
    for close in 0..6 {
        let mut sim = pair(cfg, cfg);
        sim.to_send[A].extend(pattern(5000, 1));
        sim.run_until(SEC, |s| s.received[B].len() == 5000);
        match close {
            1 => sim.c[A].close(),
            2 => {
                sim.c[A].close();
                sim.run_until(sim.now + SEC, |s| s.state(A) == State::FinWait2);
            }
            3 => {
                sim.c[A].close();
                sim.run_until(sim.now + SEC, |s| s.state(B) == State::CloseWait);
                sim.c[B].close();
                sim.run_until(sim.now + SEC, |s| s.state(A) == State::TimeWait);
            }
            4 => {
                // Crossing FINs, their ACKs not yet delivered: CLOSING.
                sim.c[A].close();
                sim.c[B].close();
                let fa = drain(&mut sim, A);
                let fb = drain(&mut sim, B);
                for o in &fb {
                    sim.c[A].on_segment(sim.now, &o.repr, &o.payload);
                }
                for o in &fa {
                    sim.c[B].on_segment(sim.now, &o.repr, &o.payload);
                }
            }
            5 => {
                // LAST-ACK, and an aborted (CLOSED) end.
                sim.c[A].close();
                sim.run_until(sim.now + SEC, |s| s.state(B) == State::CloseWait);
                sim.c[B].close();
                sim.c[A].abort();
            }
            _ => {}
        }
        conns.push(sim.c[A].clone());
        conns.push(sim.c[B].clone());
    }
    let states: std::collections::HashSet<State> = conns.iter().map(|c| c.state()).collect();
    assert_eq!(states.len(), 10, "every state but LISTEN: {states:?}");
    let mut now = 2 * SEC;
    for round in 0..30_000u64 {
        let count = conns.len();
        let c = &mut conns[(round as usize) % count];
        let near = |rng: &mut ChaCha8Rng, base: TcpSeqNumber| {
            if rng.gen_bool(0.5) {
                base + rng.gen_range(0..200_000) - 100_000
            } else {
                TcpSeqNumber(rng.gen())
            }
        };
        let len = if rng.gen_bool(0.5) {
            rng.gen_range(0..3000)
        } else {
            0
        };
        let payload: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
        let mut sack = [None; 4];
        for b in sack.iter_mut().take(rng.gen_range(0..5)) {
            let l = near(&mut rng, c.snd_una);
            *b = Some((l, l + rng.gen_range(0..5000)));
        }
        let seg = TcpRepr {
            src_port: c.remote.port(),
            dst_port: c.local.port(),
            seq_number: near(&mut rng, c.rcv_nxt),
            ack_number: near(&mut rng, c.snd_una),
            flags: TcpFlags(rng.gen::<u8>() & if rng.gen_bool(0.8) { 0x19 } else { 0xff }),
            window_len: rng.gen(),
            urgent_at: rng.gen(),
            max_seg_size: rng.gen_bool(0.1).then(|| rng.gen()),
            window_scale: rng.gen_bool(0.1).then(|| rng.gen_range(0..20)),
            sack_permitted: rng.gen(),
            sack_ranges: sack,
            timestamp: rng.gen_bool(0.8).then(|| (rng.gen(), rng.gen())),
            // A lying length: the slice is what counts.
            payload_len: rng.gen_range(0..100_000),
        };
        now += rng.gen_range(0..50 * MS);
        c.on_segment(now, &seg, &payload);
        if rng.gen_bool(0.3) {
            let _ = c.send(&payload);
        }
        if rng.gen_bool(0.3) {
            let mut buf = [0u8; 4096];
            c.recv(&mut buf);
        }
        let mut n = 0;
        while let Some(o) = c.poll_transmit(now, if rng.gen() { 1460 } else { 65_000 }) {
            assert_eq!(o.repr.payload_len, o.payload.len());
            n += 1;
            assert!(n < 10_000, "poll_transmit never ends");
        }
        if let Some(t) = c.poll_at() {
            // Everything due was sent: what is left lies in the future
            // (a caller looping on poll_at never spins).
            assert!(
                t > now,
                "round {round}: poll_at {t} not after {now} in {:?}",
                c.state()
            );
        }
        assert!(c.rcvbuf.ooo_ranges() <= 8);
        assert!(c.send_queued() <= cfg.send_buffer);
    }
}
