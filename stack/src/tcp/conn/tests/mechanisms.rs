//! Persist, keep-alive, delayed ACK, Nagle, super-segments and GRO runs.

use super::*;

#[test]
fn zero_window_is_probed_and_a_lost_window_update_does_not_stall() {
    let small = TcpConfig {
        recv_buffer: 8192,
        ..TcpConfig::default()
    };
    let mut sim = pair(TcpConfig::default(), small);
    sim.read = false;
    sim.to_send[A].extend(pattern(30_000, 5));
    // B's buffer fills and it advertises a zero window.
    assert!(sim.run_until(5 * SEC, |s| s.c[A].snd_wnd == 0
        && s.c[B].recv_available() == 8192));
    // Window updates from B get lost from now on.
    fn drop_window_updates(from: usize, r: &TcpRepr, _: usize) -> bool {
        from == B && r.payload_len == 0 && r.window_len > 0
    }
    sim.drop_if = drop_window_updates;
    let got = sim.c[B].recv(&mut [0u8; 8192]);
    assert_eq!(got, 8192);
    sim.received[B].extend(pattern(30_000, 5)[..8192].iter());
    sim.read = true;
    // Let B's answers to probes through again after a while.
    assert!(sim.run_until(sim.now + 3 * SEC, |s| s.c[A].stats().window_probes >= 2));
    sim.drop_if = no_drop;
    assert!(sim.run_until(sim.now + 120 * SEC, |s| s.received[B].len() == 30_000));
    assert_eq!(sim.received[B], pattern(30_000, 5));
    assert!(sim.c[A].stats().window_probes >= 2);
}

#[test]
fn keepalive_probes_an_idle_peer_then_gives_up() {
    let ka = Keepalive {
        idle_ns: 10 * SEC,
        interval_ns: SEC,
        probes: 3,
    };
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    sim.c[A].set_keepalive(Some(ka), sim.now);
    let start = sim.now;
    assert_eq!(sim.c[A].poll_at(), Some(start + 10 * SEC));
    // An answering peer keeps the connection up.
    assert!(!sim.run_until(start + 35 * SEC, |s| s.state(A) == State::Closed));
    assert!(sim.c[A].stats().keepalive_probes >= 2);
    let probe = sim
        .log
        .iter()
        .find(|(f, r)| *f == A && r.seq_number == sim.c[A].snd_una - 1)
        .expect("probe with SEQ = SND.UNA - 1");
    assert_eq!(probe.1.payload_len, 0);
    // A silent peer: three probes, then the connection times out.
    fn all_from_b(from: usize, _: &TcpRepr, _: usize) -> bool {
        from == B
    }
    sim.drop_if = all_from_b;
    let before = sim.c[A].stats().keepalive_probes;
    assert!(sim.run_until(sim.now + 60 * SEC, |s| s.state(A) == State::Closed));
    assert_eq!(sim.c[A].stats().keepalive_probes - before, 3);
    assert_eq!(sim.c[A].close_reason(), Some(CloseReason::TimedOut));
    assert_eq!(sim.c[A].poll_at(), None);
}

#[test]
fn delayed_ack_waits_for_a_second_segment_or_the_timeout() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    let t0 = sim.now;
    let s = from_peer(&sim, A, TcpFlags::ACK | TcpFlags::PSH, 0, 100);
    sim.c[A].on_segment(t0, &s, &[1; 100]);
    assert!(drain(&mut sim, A).is_empty(), "one small segment: delayed");
    assert_eq!(sim.c[A].poll_at(), Some(t0 + 40 * MS));
    sim.now = t0 + 40 * MS;
    let acks = drain(&mut sim, A);
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0].repr.ack_number.0, sim.c[A].rcv_nxt.0);
    assert_eq!(sim.c[A].stats().delayed_acks, 1);
    // Two full-sized segments: ACK at once.
    sim.c[B].snd_nxt += 100;
    let s1 = from_peer(&sim, A, TcpFlags::ACK, 0, 1448);
    let s2 = from_peer(&sim, A, TcpFlags::ACK, 1448, 1448);
    sim.c[A].on_segment(sim.now, &s1, &[2; 1448]);
    assert!(drain(&mut sim, A).is_empty());
    sim.c[A].on_segment(sim.now, &s2, &[3; 1448]);
    assert_eq!(drain(&mut sim, A).len(), 1);
    // Out of order: at once.
    let s3 = from_peer(&sim, A, TcpFlags::ACK, 5 * 1448, 10);
    sim.c[A].on_segment(sim.now, &s3, &[4; 10]);
    let out = drain(&mut sim, A);
    assert_eq!(out.len(), 1);
    assert!(out[0].repr.sack_ranges[0].is_some(), "SACK block for it");
}

#[test]
fn delayed_ack_of_zero_acks_every_segment() {
    let cfg = TcpConfig {
        delayed_ack_ns: 0,
        ..TcpConfig::default()
    };
    let mut sim = pair(cfg, cfg);
    let s = from_peer(&sim, A, TcpFlags::ACK, 0, 10);
    sim.c[A].on_segment(sim.now, &s, &[1; 10]);
    assert_eq!(drain(&mut sim, A).len(), 1);
}

#[test]
fn nagle_holds_small_segments_while_data_is_unacknowledged() {
    for nagle in [true, false] {
        let mut sim = pair(TcpConfig::default(), TcpConfig::default());
        sim.c[A].set_nagle(nagle);
        sim.c[A].send(b"a").unwrap();
        assert_eq!(drain(&mut sim, A).len(), 1);
        sim.c[A].send(b"b").unwrap();
        let second = drain(&mut sim, A);
        assert_eq!(second.len(), usize::from(!nagle), "nagle {nagle}");
        // Once the first byte is acknowledged the held byte goes out.
        if nagle {
            let mut ack = from_peer(&sim, A, TcpFlags::ACK, 0, 0);
            ack.ack_number = sim.c[A].snd_una + 1;
            ack.window_len = 0xffff;
            sim.c[A].on_segment(sim.now, &ack, &[]);
            let out = drain(&mut sim, A);
            assert_eq!(out.len(), 1);
            assert_eq!(out[0].payload, b"b");
        }
    }
}

#[test]
fn super_segments_split_at_mss_with_psh_on_the_last() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    sim.max_payload = 65_000;
    // Grow cwnd first.
    sim.to_send[A].extend(pattern(500_000, 6));
    assert!(sim.run_until(10 * SEC, |s| s.received[B].len() == 500_000));
    let data: Vec<(usize, TcpFlags)> = sim
        .produced
        .iter()
        .filter(|(f, len, _)| *f == A && *len > 0)
        .map(|(_, len, flags)| (*len, *flags))
        .collect();
    assert!(
        data.iter().any(|(len, _)| *len > 1448),
        "super-segments used"
    );
    for (len, flags) in &data[..data.len() - 1] {
        assert_eq!(len % 1448, 0, "a multiple of the MSS");
        assert!(!flags.contains(TcpFlags::PSH));
    }
    assert!(data.last().unwrap().1.contains(TcpFlags::PSH));
    // After splitting every piece fits the MSS.
    assert!(sim
        .log
        .iter()
        .all(|(f, r)| *f != A || r.payload_len <= 1448));
    assert_eq!(sim.received[B], pattern(500_000, 6));
}

#[test]
fn gro_coalesced_runs_longer_than_the_mss_are_accepted() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    let big = pattern(20_000, 8);
    let s = from_peer(&sim, A, TcpFlags::ACK, 0, big.len());
    sim.c[A].on_segment(sim.now, &s, &big);
    assert_eq!(sim.c[A].recv_available(), 20_000);
    assert_eq!(drain(&mut sim, A).len(), 1, "ACKed at once");
}

#[test]
fn window_probes_back_off_exponentially_and_never_give_up() {
    let small = TcpConfig {
        recv_buffer: 4096,
        ..TcpConfig::default()
    };
    let mut sim = pair(TcpConfig::default(), small);
    sim.read = false;
    sim.to_send[A].extend(pattern(20_000, 5));
    assert!(sim.run_until(5 * SEC, |s| s.c[A].snd_wnd == 0 && s.queue.is_empty()));
    // The peer goes silent: probes go unanswered for 20 minutes.
    let mut probes = Vec::new();
    let end = sim.now + 1200 * SEC;
    while let Some(t) = sim.c[A].poll_at() {
        if t > end {
            break;
        }
        sim.now = t;
        for o in drain(&mut sim, A) {
            if o.payload.len() == 1 {
                probes.push(t);
            }
        }
    }
    assert_eq!(sim.state(A), State::Established, "never gives up");
    assert!(probes.len() >= 10, "{probes:?}");
    let gaps: Vec<u64> = probes.windows(2).map(|w| w[1] - w[0]).collect();
    for w in gaps.windows(2) {
        assert!(
            w[1] == 2 * w[0] || w[1] == 60 * SEC,
            "doubling up to 60 s: {gaps:?}"
        );
    }
    assert_eq!(*gaps.last().unwrap(), 60 * SEC);
}
