//! Closing, TIME-WAIT, RSTs, retries and the RFC 5961 / RFC 7323 checks.

use super::*;

#[test]
fn active_close_goes_through_fin_wait_and_time_wait_then_closed() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    sim.to_send[A].extend(pattern(3000, 1));
    assert!(sim.run_until(SEC, |s| s.received[B].len() == 3000));
    sim.c[A].close();
    assert_eq!(sim.state(A), State::FinWait1);
    assert_eq!(sim.c[A].send(b"x"), Err(ConnError::SendClosed));
    assert!(sim.run_until(2 * SEC, |s| s.state(A) == State::FinWait2
        && s.state(B) == State::CloseWait));
    assert!(sim.c[B].recv_finished());
    // The passive side still sends; the active side still receives.
    sim.to_send[B].extend(pattern(2000, 2));
    assert!(sim.run_until(3 * SEC, |s| s.received[A].len() == 2000));
    sim.c[B].close();
    assert_eq!(sim.state(B), State::LastAck);
    assert!(sim.run_until(4 * SEC, |s| s.state(B) == State::Closed));
    assert_eq!(sim.c[B].close_reason(), Some(CloseReason::Normal));
    assert_eq!(sim.state(A), State::TimeWait);
    let tw_end = sim.c[A].poll_at().expect("TIME-WAIT timer");
    assert!(tw_end >= sim.now + TcpConfig::default().time_wait_ns - 10 * MS);
    assert!(sim.run_until(tw_end + SEC, |s| s.state(A) == State::Closed));
    assert_eq!(sim.c[A].close_reason(), Some(CloseReason::Normal));
    assert!(sim.now >= tw_end);
    assert_eq!(sim.c[A].poll_at(), None);
    assert_eq!(sim.c[B].poll_at(), None);
    assert_eq!(sim.c[A].send(b"x"), Err(ConnError::Closed));
}

#[test]
fn simultaneous_close_goes_through_closing_to_time_wait() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    sim.c[A].close();
    sim.c[B].close();
    let fa = drain(&mut sim, A);
    let fb = drain(&mut sim, B);
    assert!(fa.iter().any(|o| o.repr.flags.contains(TcpFlags::FIN)));
    for o in &fb {
        sim.c[A].on_segment(sim.now, &o.repr, &o.payload);
    }
    for o in &fa {
        sim.c[B].on_segment(sim.now, &o.repr, &o.payload);
    }
    assert_eq!(sim.state(A), State::Closing);
    assert_eq!(sim.state(B), State::Closing);
    assert!(sim.run_until(SEC, |s| s.state(A) == State::TimeWait
        && s.state(B) == State::TimeWait));
    assert!(sim.run_until(200 * SEC, |s| s.state(A) == State::Closed
        && s.state(B) == State::Closed));
    assert_eq!(sim.c[A].poll_at(), None);
}

#[test]
fn time_wait_acks_a_retransmitted_fin_and_restarts() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    sim.c[A].close();
    assert!(sim.run_until(SEC, |s| s.state(B) == State::CloseWait));
    sim.c[B].close();
    let fin = drain(&mut sim, B);
    sim.now += MS;
    for o in &fin {
        sim.c[A].on_segment(sim.now, &o.repr, &o.payload);
    }
    assert_eq!(sim.state(A), State::TimeWait);
    let first = sim.c[A].poll_at().unwrap();
    assert_eq!(drain(&mut sim, A).len(), 1);
    sim.now += 10 * SEC;
    for o in &fin {
        sim.c[A].on_segment(sim.now, &o.repr, &o.payload);
    }
    let acks = drain(&mut sim, A);
    assert_eq!(acks.len(), 1, "the FIN is acknowledged again");
    assert!(sim.c[A].poll_at().unwrap() > first, "2MSL restarted");
}

#[test]
fn rst_answering_our_syn_means_refused() {
    let mut a = Connection::connect(
        TcpConfig::default(),
        addr("10.0.0.1:1"),
        addr("10.0.0.2:2"),
        77,
        0,
    );
    let syn = a.poll_transmit(0, 1460).unwrap().repr;
    let mut rst = syn;
    rst.src_port = syn.dst_port;
    rst.dst_port = syn.src_port;
    rst.seq_number = TcpSeqNumber(0);
    rst.flags = TcpFlags::RST | TcpFlags::ACK;
    // A RST whose ACK does not cover our SYN is ignored.
    rst.ack_number = TcpSeqNumber(77);
    a.on_segment(MS, &rst, &[]);
    assert_eq!(a.state(), State::SynSent);
    rst.ack_number = TcpSeqNumber(78);
    a.on_segment(MS, &rst, &[]);
    assert_eq!(a.state(), State::Closed);
    assert_eq!(a.close_reason(), Some(CloseReason::Refused));
    assert_eq!(a.poll_at(), None);
    assert!(a.poll_transmit(2 * MS, 1460).is_none());
}

#[test]
fn syn_is_retried_then_the_connect_times_out() {
    let cfg = TcpConfig {
        syn_retries: 3,
        ..TcpConfig::default()
    };
    let mut a = Connection::connect(cfg, addr("10.0.0.1:1"), addr("10.0.0.2:2"), 5, 0);
    let mut syns = 0;
    let mut now = 0;
    let mut gaps = Vec::new();
    let mut last = 0;
    while a.state() != State::Closed {
        while let Some(o) = a.poll_transmit(now, 1460) {
            assert!(o.repr.flags.contains(TcpFlags::SYN));
            syns += 1;
            gaps.push(now - last);
            last = now;
        }
        if a.state() == State::Closed {
            break;
        }
        now = a.poll_at().expect("a timer while connecting");
    }
    assert_eq!(syns, 4, "first SYN plus three retries");
    assert_eq!(a.close_reason(), Some(CloseReason::TimedOut));
    // Exponential backoff from the 1 s initial RTO.
    assert_eq!(&gaps[1..], &[SEC, 2 * SEC, 4 * SEC]);
    assert_eq!(a.poll_at(), None);
}

#[test]
fn data_retransmissions_run_out_and_reset() {
    let cfg = TcpConfig {
        max_retries: 4,
        ..TcpConfig::default()
    };
    let mut sim = pair(cfg, cfg);
    fn all_from_a(from: usize, _: &TcpRepr, _: usize) -> bool {
        from == A
    }
    sim.drop_if = all_from_a;
    sim.to_send[A].extend(pattern(5000, 1));
    assert!(sim.run_until(600 * SEC, |s| s.state(A) == State::Closed));
    assert_eq!(sim.c[A].close_reason(), Some(CloseReason::TimedOut));
    assert_eq!(sim.c[A].stats().rto_expiries, 4);
    let last = sim.log.iter().rev().find(|(f, _)| *f == A).unwrap().1;
    assert!(last.flags.contains(TcpFlags::RST), "a RST ends it");
    assert_eq!(sim.c[A].poll_at(), None);
}

#[test]
fn abort_sends_rst_and_the_peer_resets() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    sim.c[A].abort();
    assert_eq!(sim.state(A), State::Closed);
    assert_eq!(sim.c[A].close_reason(), Some(CloseReason::Aborted));
    assert!(sim.run_until(SEC, |s| s.state(B) == State::Closed));
    assert_eq!(sim.c[B].close_reason(), Some(CloseReason::Reset));
    assert_eq!(sim.c[A].poll_at(), None);
    assert_eq!(sim.c[B].poll_at(), None);
}

#[test]
fn rst_in_window_but_not_at_rcv_nxt_gets_a_challenge_ack() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    let r = from_peer(&sim, A, TcpFlags::RST, 100, 0);
    sim.c[A].on_segment(sim.now, &r, &[]);
    assert_eq!(sim.state(A), State::Established);
    assert_eq!(sim.c[A].stats().challenge_acks, 1);
    let out = drain(&mut sim, A);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].repr.flags, TcpFlags::ACK);
    // Outside the window: silently dropped.
    let r = from_peer(&sim, A, TcpFlags::RST, -100_000, 0);
    sim.c[A].on_segment(sim.now, &r, &[]);
    assert!(drain(&mut sim, A).is_empty());
    // Exactly RCV.NXT: reset.
    let r = from_peer(&sim, A, TcpFlags::RST, 0, 0);
    sim.c[A].on_segment(sim.now, &r, &[]);
    assert_eq!(sim.c[A].close_reason(), Some(CloseReason::Reset));
}

#[test]
fn syn_in_established_gets_rate_limited_challenge_acks() {
    let cfg = TcpConfig {
        challenge_ack_limit: 2,
        ..TcpConfig::default()
    };
    let mut sim = pair(cfg, cfg);
    for _ in 0..5 {
        let s = from_peer(&sim, A, TcpFlags::SYN, 0, 0);
        sim.c[A].on_segment(sim.now, &s, &[]);
        drain(&mut sim, A);
    }
    assert_eq!(sim.state(A), State::Established);
    assert_eq!(sim.c[A].stats().challenge_acks, 2);
    assert_eq!(sim.c[A].stats().challenge_acks_suppressed, 3);
    sim.now += SEC;
    let s = from_peer(&sim, A, TcpFlags::SYN, 0, 0);
    sim.c[A].on_segment(sim.now, &s, &[]);
    assert_eq!(
        sim.c[A].stats().challenge_acks,
        3,
        "a new second, a new budget"
    );
}

#[test]
fn acks_of_unsent_or_ancient_data_are_dropped_and_answered() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    let mut s = from_peer(&sim, A, TcpFlags::ACK, 0, 0);
    s.ack_number = sim.c[A].snd_max + 10;
    sim.c[A].on_segment(sim.now, &s, &[]);
    assert_eq!(sim.c[A].stats().ack_unsent, 1);
    assert_eq!(drain(&mut sim, A).len(), 1);
    s.ack_number = sim.c[A].snd_una - (1 << 30);
    sim.c[A].on_segment(sim.now, &s, &[]);
    assert_eq!(sim.c[A].stats().challenge_acks, 1);
    assert_eq!(sim.state(A), State::Established);
}

#[test]
fn out_of_window_data_is_dropped_and_acked() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    let s = from_peer(&sim, A, TcpFlags::ACK, 1 << 24, 10);
    sim.c[A].on_segment(sim.now, &s, &[7; 10]);
    assert_eq!(sim.c[A].stats().out_of_window, 1);
    assert_eq!(sim.c[A].recv_available(), 0);
    let out = drain(&mut sim, A);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].repr.ack_number.0, sim.c[A].rcv_nxt.0);
}

#[test]
fn paws_drops_a_segment_with_an_old_timestamp() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    let mut s = from_peer(&sim, A, TcpFlags::ACK | TcpFlags::PSH, 0, 4);
    let (tsval, tsecr) = s.timestamp.unwrap();
    s.timestamp = Some((tsval.wrapping_sub(1000), tsecr));
    sim.c[A].on_segment(sim.now, &s, b"late");
    assert_eq!(sim.c[A].stats().paws_rejected, 1);
    assert_eq!(sim.c[A].recv_available(), 0);
    assert_eq!(drain(&mut sim, A).len(), 1, "answered with an ACK");
    s.timestamp = Some((tsval, tsecr));
    sim.c[A].on_segment(sim.now, &s, b"late");
    assert_eq!(sim.c[A].recv_available(), 4);
}

#[test]
fn idle_established_connection_has_no_timer_armed() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    sim.to_send[A].extend(pattern(100_000, 4));
    assert!(sim.run_until(5 * SEC, |s| s.received[B].len() == 100_000));
    assert!(sim.run_until(10 * SEC, |s| s.c[A].poll_at().is_none()
        && s.c[B].poll_at().is_none()
        && s.queue.is_empty()));
}

/// A passive connection and the SYN that made it, with the peer's ISS.
fn passive(cfg: TcpConfig) -> (Connection, TcpRepr) {
    let mut a = Connection::connect(cfg, addr("10.0.0.1:7"), addr("10.0.0.2:8"), 500, 0);
    let syn = a.poll_transmit(0, 1460).unwrap().repr;
    let b = Connection::accept(cfg, addr("10.0.0.2:8"), addr("10.0.0.1:7"), 9000, &syn, 0);
    (b, syn)
}

/// The handshake's third segment (with `flags` added) for `b`.
fn third(b: &Connection, syn: &TcpRepr, flags: TcpFlags) -> TcpRepr {
    TcpRepr {
        src_port: syn.src_port,
        dst_port: syn.dst_port,
        seq_number: TcpSeqNumber(501),
        ack_number: b.iss + 1,
        flags: TcpFlags::ACK | flags,
        window_len: 1000,
        timestamp: syn.timestamp.map(|(v, _)| (v + 1, b.ts_now(MS))),
        sack_ranges: [None; 4],
        max_seg_size: None,
        window_scale: None,
        sack_permitted: false,
        urgent_at: 0,
        payload_len: 0,
    }
}

#[test]
fn fin_with_the_handshake_ack_moves_syn_received_to_close_wait() {
    let (mut b, syn) = passive(TcpConfig::default());
    assert!(b
        .poll_transmit(MS, 1460)
        .unwrap()
        .repr
        .flags
        .contains(TcpFlags::SYN));
    let fin = third(&b, &syn, TcpFlags::FIN);
    b.on_segment(2 * MS, &fin, b"bye");
    assert_eq!(b.state(), State::CloseWait);
    assert_eq!(b.recv_available(), 3);
    assert!(!b.recv_finished());
    let mut buf = [0u8; 8];
    assert_eq!(b.recv(&mut buf), 3);
    assert!(b.recv_finished());
    let ack = b.poll_transmit(2 * MS, 1460).unwrap().repr;
    assert_eq!(ack.ack_number.0, 501 + 3 + 1, "data and FIN acknowledged");
}

#[test]
fn close_in_syn_received_sends_the_fin_once_established() {
    let (mut b, syn) = passive(TcpConfig::default());
    b.poll_transmit(MS, 1460).unwrap();
    b.send(b"hello").unwrap();
    b.close();
    assert_eq!(b.state(), State::SynReceived);
    assert!(
        b.poll_transmit(MS, 1460).is_none(),
        "nothing before the handshake ends"
    );
    b.on_segment(2 * MS, &third(&b, &syn, TcpFlags(0)), &[]);
    assert_eq!(b.state(), State::FinWait1);
    let out = b.poll_transmit(2 * MS, 1460).unwrap();
    assert_eq!(out.payload, b"hello");
    assert!(out.repr.flags.contains(TcpFlags::FIN | TcpFlags::PSH));
}

#[test]
fn close_in_syn_sent_ends_the_connection_at_once() {
    let mut a = Connection::connect(
        TcpConfig::default(),
        addr("10.0.0.1:7"),
        addr("10.0.0.2:8"),
        1,
        0,
    );
    a.poll_transmit(0, 1460).unwrap();
    a.close();
    assert_eq!(a.state(), State::Closed);
    assert_eq!(a.poll_at(), None);
    assert!(a.poll_transmit(SEC, 1460).is_none());
}

#[test]
fn bad_ack_in_syn_received_is_answered_with_rst() {
    let (mut b, syn) = passive(TcpConfig::default());
    b.poll_transmit(MS, 1460).unwrap();
    let mut bad = third(&b, &syn, TcpFlags(0));
    bad.ack_number = b.iss + 77;
    b.on_segment(2 * MS, &bad, &[]);
    let rst = b.poll_transmit(2 * MS, 1460).unwrap().repr;
    assert!(rst.flags.contains(TcpFlags::RST));
    assert_eq!(rst.seq_number, bad.ack_number);
    assert_eq!(b.state(), State::SynReceived);
}

#[test]
fn a_fin_beyond_a_hole_waits_for_the_hole() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    let fin = from_peer(&sim, A, TcpFlags::ACK | TcpFlags::FIN, 100, 50);
    sim.c[A].on_segment(sim.now, &fin, &[2; 50]);
    assert_eq!(sim.state(A), State::Established);
    let hole = from_peer(&sim, A, TcpFlags::ACK, 0, 100);
    sim.c[A].on_segment(sim.now, &hole, &[1; 100]);
    assert_eq!(sim.state(A), State::CloseWait);
    assert_eq!(sim.c[A].recv_available(), 150);
}

#[test]
fn a_bare_fin_is_taken_into_a_zero_window() {
    let small = TcpConfig {
        recv_buffer: 4096,
        window_scaling: false,
        ..TcpConfig::default()
    };
    let mut sim = pair(small, small);
    let data = from_peer(&sim, A, TcpFlags::ACK, 0, 4096);
    sim.c[A].on_segment(sim.now, &data, &[1; 4096]);
    assert_eq!(sim.c[A].rcvbuf.window(), 0);
    let fin = from_peer(&sim, A, TcpFlags::ACK | TcpFlags::FIN, 4096, 0);
    sim.c[A].on_segment(sim.now, &fin, &[]);
    assert_eq!(sim.state(A), State::CloseWait);
    // Data into the zero window is not taken, its ACK is answered.
    let more = from_peer(&sim, A, TcpFlags::ACK, 4097, 10);
    sim.c[A].on_segment(sim.now, &more, &[9; 10]);
    assert_eq!(sim.c[A].recv_available(), 4096);
}

#[test]
fn our_window_shift_is_the_smallest_that_fits_the_buffer() {
    for (buf, shift) in [
        (65_535, 0),
        (65_536, 1),
        (256 * 1024, 3),
        (1 << 20, 5),
        (1 << 30, 14),
    ] {
        let cfg = TcpConfig {
            recv_buffer: buf,
            ..TcpConfig::default()
        };
        let mut a = Connection::connect(cfg, addr("10.0.0.1:7"), addr("10.0.0.2:8"), 1, 0);
        let syn = a.poll_transmit(0, 1460).unwrap().repr;
        assert_eq!(syn.window_scale, Some(shift), "buffer {buf}");
    }
}

#[test]
fn ts_recent_follows_only_segments_at_or_below_the_last_ack_sent() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    let recent = sim.c[A].ts_recent;
    // Out of order: not at or below Last.ACK.sent, TS.Recent stays.
    let mut ooo = from_peer(&sim, A, TcpFlags::ACK, 1000, 10);
    ooo.timestamp = Some((recent.wrapping_add(50), 0));
    sim.c[A].on_segment(sim.now, &ooo, &[1; 10]);
    assert_eq!(sim.c[A].ts_recent, recent);
    drain(&mut sim, A);
    // In order: taken.
    let mut ino = from_peer(&sim, A, TcpFlags::ACK, 0, 10);
    ino.timestamp = Some((recent.wrapping_add(60), 0));
    sim.c[A].on_segment(sim.now, &ino, &[1; 10]);
    assert_eq!(sim.c[A].ts_recent, recent.wrapping_add(60));
    let ack = drain(&mut sim, A);
    assert_eq!(ack[0].repr.timestamp.unwrap().1, recent.wrapping_add(60));
}
