//! One test per TCP mechanism, black-box against the public API of
//! `stack::tcp::Connection`, on simulated time. Each test is named after the
//! behaviour it proves and cites the rule.
//!
//! Most tests drive one connection with a hand-crafted peer ([`Dut`]), so
//! that sequence numbers, options and timing are exact; the end-to-end ones
//! join two connections over a pipe that drops, duplicates and reorders
//! ([`Net`]). Randomised tests print their seed; `TEST_SEED` replays.

mod common_tcp;

use common_tcp::*;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use stack::socket::IcmpError;
use stack::tcp::rtt::{MS, SEC};
use stack::tcp::{
    CloseReason, Connection, IcmpEffect, IcmpKind, Keepalive, Outgoing, State, TcpConfig,
};
use stack::wire::{TcpFlags, TcpSeqNumber};

fn cfg() -> TcpConfig {
    TcpConfig::default()
}

/// Default config without delayed ACKs: every ACK is immediate.
fn cfg_quickack() -> TcpConfig {
    TcpConfig {
        delayed_ack_ns: 0,
        ..TcpConfig::default()
    }
}

fn mss_opts(mss: u16) -> PeerOpts {
    PeerOpts {
        mss: Some(mss),
        ..Default::default()
    }
}

/// The peer acknowledges each of the DUT's data segments one by one (as
/// they arrive, in order) until the DUT has nothing more to send; returns
/// every segment the DUT sent meanwhile. Grows cwnd in slow start.
fn ack_each_until_idle(d: &mut Dut, first: Vec<Outgoing>) -> Vec<Outgoing> {
    let mut all = first.clone();
    let mut pending: std::collections::VecDeque<Outgoing> = first.into();
    for _ in 0..100_000 {
        let Some(o) = pending.pop_front() else {
            return all;
        };
        if o.payload.is_empty() && !has(&o, FIN) {
            continue;
        }
        d.now += MS;
        d.absorb(std::slice::from_ref(&o));
        let out = d.peer_ack();
        all.extend(out.iter().cloned());
        pending.extend(out);
    }
    panic!("transfer does not end");
}

/// Sends `n` bytes of the stream from the DUT and lets the peer acknowledge
/// segment by segment (the RTT of each is 1 ms), until all are acked.
fn warm_up(d: &mut Dut, n: usize) {
    let start = d.peer.rx.len();
    let data = stream(start, n);
    let mut queued = 0;
    while queued < n {
        queued += d.conn.send(&data[queued..]).expect("send");
        let out = d.poll();
        ack_each_until_idle(d, out);
    }
    assert_eq!(d.peer.rx.len(), start + n, "warm-up data all received");
    assert_eq!(d.conn.send_queued(), 0, "warm-up data all acknowledged");
}

/// DUT data segments among `(time, seg)`.
fn data_times(v: &[(u64, Outgoing)]) -> Vec<(u64, Outgoing)> {
    v.iter()
        .filter(|(_, o)| !o.payload.is_empty())
        .cloned()
        .collect()
}

// ===================================================================
// Connection establishment and teardown (RFC 9293 §3.5, §3.6)
// ===================================================================

#[test]
fn three_way_handshake_establishes_both_ends() {
    let mut net = Net::connect(cfg(), cfg(), 5 * MS);
    assert_eq!(net.a.state(), State::SynSent);
    assert_eq!(net.b.state(), State::SynReceived);
    assert!(net.run_until(SEC, |n| n.established()), "not established");
    let ab = net.segments(Dir::AtoB);
    let ba = net.segments(Dir::BtoA);
    assert!(has(ab[0], SYN) && !has(ab[0], ACK), "{}", describe(ab[0]));
    assert_eq!(seq(ab[0]), DUT_ISS);
    assert!(has(ba[0], SYN) && has(ba[0], ACK), "{}", describe(ba[0]));
    assert_eq!(seq(ba[0]), PEER_ISS);
    assert_eq!(ackn(ba[0]), DUT_ISS + 1);
    assert!(has(ab[1], ACK) && !has(ab[1], SYN), "{}", describe(ab[1]));
    assert_eq!(seq(ab[1]), DUT_ISS + 1);
    assert_eq!(ackn(ab[1]), PEER_ISS + 1);
    // SYN at 0, SYN-ACK arrives at 10 ms, ACK arrives at 15 ms.
    assert_eq!(net.now, 15 * MS);
    assert_eq!(net.states_a, vec![State::SynSent, State::Established]);
    assert_eq!(net.states_b, vec![State::SynReceived, State::Established]);
}

#[test]
fn handshake_ack_completes_active_and_passive_open() {
    let d = open_active(cfg(), PeerOpts::default());
    assert_eq!(d.state(), State::Established);
    assert_eq!(d.conn.local(), dut_addr());
    assert_eq!(d.conn.remote(), peer_addr());
    let d = open_passive(cfg(), PeerOpts::default());
    assert_eq!(d.state(), State::Established);
    assert_eq!(d.conn.close_reason(), None);
}

#[test]
fn simultaneous_open_crossing_syns_reach_established() {
    // RFC 9293 §3.5 figure 8: each SYN-SENT end gets a SYN, moves to
    // SYN-RECEIVED and answers SYN-ACK; each then gets its SYN acknowledged.
    let mut net = Net::simultaneous(cfg(), cfg(), 5 * MS);
    assert_eq!(net.a.state(), State::SynSent);
    assert_eq!(net.b.state(), State::SynSent);
    assert!(
        net.run_until(5 * SEC, |n| n.established()),
        "not established"
    );
    for (states, who) in [(&net.states_a, "a"), (&net.states_b, "b")] {
        assert_eq!(
            states,
            &vec![State::SynSent, State::SynReceived, State::Established],
            "{who}"
        );
    }
    let synacks: Vec<_> = net
        .log
        .iter()
        .filter(|(_, _, o)| has(o, SYN) && has(o, ACK))
        .collect();
    assert_eq!(synacks.len(), 2, "one SYN-ACK each way");
    for (_, dir, o) in synacks {
        let (own, other) = match dir {
            Dir::AtoB => (DUT_ISS, PEER_ISS),
            Dir::BtoA => (PEER_ISS, DUT_ISS),
        };
        assert_eq!(seq(o), own);
        assert_eq!(ackn(o), other + 1);
    }
    assert!(
        !net.log.iter().any(|(_, _, o)| has(o, RST)),
        "no RST in a simultaneous open"
    );
    // The connection carries data both ways.
    net.app_a.tx = stream(0, 5000);
    net.app_b.tx = stream(1, 5000);
    net.flush();
    assert!(net.run_until(10 * SEC, |n| n.app_a.rx.len() == 5000
        && n.app_b.rx.len() == 5000));
    assert_eq!(net.app_b.rx, stream(0, 5000));
    assert_eq!(net.app_a.rx, stream(1, 5000));
}

#[test]
fn simultaneous_close_goes_through_closing_to_time_wait() {
    let c = TcpConfig {
        time_wait_ns: 2 * SEC,
        ..cfg()
    };
    let mut net = Net::connect(c, c, 5 * MS);
    assert!(net.run_until(SEC, |n| n.established()));
    // Both applications close at the same instant: the FINs cross.
    net.app_a.close_after_tx = true;
    net.app_b.close_after_tx = true;
    net.flush();
    assert_eq!(net.a.state(), State::FinWait1);
    assert_eq!(net.b.state(), State::FinWait1);
    assert!(net.run_until(10 * SEC, |n| n.a.state() == State::Closed
        && n.b.state() == State::Closed));
    for (states, who) in [(&net.states_a, "a"), (&net.states_b, "b")] {
        assert_eq!(
            states[1..],
            [
                State::Established,
                State::FinWait1,
                State::Closing,
                State::TimeWait,
                State::Closed
            ],
            "{who}"
        );
    }
    assert_eq!(net.a.close_reason(), Some(CloseReason::Normal));
    assert_eq!(net.b.close_reason(), Some(CloseReason::Normal));
}

/// DUT actively closed, peer's FIN acknowledged: TIME-WAIT at `d.now`.
fn dut_in_time_wait(time_wait_ns: u64) -> Dut {
    let c = TcpConfig {
        time_wait_ns,
        ..cfg()
    };
    let mut d = open_active(c, PeerOpts::default());
    d.conn.close();
    let out = d.poll();
    let fin: Vec<_> = out.iter().filter(|o| has(o, FIN)).collect();
    assert_eq!(fin.len(), 1, "one FIN: {}", describe_all(&out));
    assert_eq!(seq(fin[0]), DUT_ISS + 1);
    assert_eq!(d.state(), State::FinWait1);
    d.absorb(&out);
    d.now += MS;
    d.peer_ack();
    assert_eq!(d.state(), State::FinWait2);
    d.now += MS;
    let out = d.peer_send(FIN, &[]);
    assert_eq!(d.state(), State::TimeWait);
    assert!(
        out.iter()
            .any(|o| is_pure_ack(o) && ackn(o) == PEER_ISS + 2),
        "FIN acknowledged: {}",
        describe_all(&out)
    );
    d
}

#[test]
fn time_wait_lasts_two_msl_then_closes() {
    let tw = 4 * SEC;
    let mut d = dut_in_time_wait(tw);
    let t0 = d.now;
    assert_eq!(d.conn.poll_at(), Some(t0 + tw), "TIME-WAIT timer");
    let out = d.run_until(t0 + tw - 1);
    assert!(out.is_empty(), "nothing sent in TIME-WAIT: {out:?}");
    assert_eq!(d.state(), State::TimeWait);
    d.run_until(t0 + tw);
    assert_eq!(d.state(), State::Closed);
    assert_eq!(d.conn.close_reason(), Some(CloseReason::Normal));
    assert_eq!(d.conn.poll_at(), None, "no timer once closed");
}

#[test]
fn fin_retransmitted_in_time_wait_is_reacked_and_restarts_the_timer() {
    // RFC 9293 §3.10.7.4 TIME-WAIT: "The only thing that can arrive in this
    // state is a retransmission of the remote FIN. Acknowledge it, and
    // restart the 2 MSL timeout."
    let tw = 4 * SEC;
    let mut d = dut_in_time_wait(tw);
    let t0 = d.now;
    d.run_until(t0 + 2 * SEC);
    let refin = d.peer.seg(d.now, FIN | ACK, PEER_ISS + 1, DUT_ISS + 2, 0);
    let out = d.deliver(refin, &[]);
    assert!(
        out.iter()
            .any(|o| is_pure_ack(o) && ackn(o) == PEER_ISS + 2 && seq(o) == DUT_ISS + 2),
        "retransmitted FIN re-acknowledged: {}",
        describe_all(&out)
    );
    assert_eq!(d.state(), State::TimeWait);
    assert_eq!(d.conn.poll_at(), Some(t0 + 2 * SEC + tw), "2MSL restarted");
    d.run_until(t0 + tw + 100 * MS);
    assert_eq!(
        d.state(),
        State::TimeWait,
        "still waiting after the first deadline"
    );
    d.run_until(t0 + 2 * SEC + tw);
    assert_eq!(d.state(), State::Closed);
}

#[test]
fn passive_close_goes_close_wait_last_ack_closed() {
    let mut d = open_passive(cfg(), PeerOpts::default());
    d.now += MS;
    let mut out = d.peer_send(PSH, b"bye");
    out.extend(d.peer_send(FIN, &[]));
    assert_eq!(d.state(), State::CloseWait);
    // The FIN is acknowledged (at once or after the delayed-ACK timer).
    let t = d.now;
    out.extend(d.run_until(t + 500 * MS).into_iter().map(|(_, o)| o));
    assert!(
        out.iter()
            .any(|o| has(o, ACK) && ackn(o) == PEER_ISS + 1 + 3 + 1),
        "FIN acknowledged: {}",
        describe_all(&out)
    );
    // End of stream only after every byte is read.
    assert!(!d.conn.recv_finished());
    let mut buf = [0u8; 16];
    assert_eq!(d.conn.recv(&mut buf), 3);
    assert_eq!(&buf[..3], b"bye");
    assert!(d.conn.recv_finished());
    d.conn.close();
    let out = d.poll();
    let fin: Vec<_> = out.iter().filter(|o| has(o, FIN)).collect();
    assert_eq!(fin.len(), 1, "our FIN: {}", describe_all(&out));
    assert_eq!(seq(fin[0]), DUT_ISS + 1);
    assert_eq!(d.state(), State::LastAck);
    d.absorb(&out);
    d.now += MS;
    let out = d.peer_ack();
    assert!(
        out.is_empty(),
        "nothing after the last ACK: {}",
        describe_all(&out)
    );
    assert_eq!(d.state(), State::Closed);
    assert_eq!(d.conn.close_reason(), Some(CloseReason::Normal));
    assert_eq!(d.conn.poll_at(), None);
}

#[test]
fn rst_in_syn_sent_with_acceptable_ack_refuses_the_connection() {
    // RFC 9293 §3.10.7.3: in SYN-SENT, a RST whose ACK acknowledges the SYN
    // means "connection reset"; the user sees "refused".
    let mut conn = Connection::connect(cfg(), dut_addr(), peer_addr(), DUT_ISS, 0);
    let syn = drain(&mut conn, 0, None);
    assert_eq!(syn.len(), 1);
    let peer = Peer::new(PeerOpts::default());
    let rst = peer.seg(MS, RST | ACK, 0, DUT_ISS + 1, 0);
    conn.on_segment(MS, &rst, &[]);
    assert_eq!(conn.state(), State::Closed);
    assert_eq!(conn.close_reason(), Some(CloseReason::Refused));
    assert!(drain(&mut conn, MS, None).is_empty(), "no answer to a RST");
    assert_eq!(conn.poll_at(), None);
    assert!(conn.send(b"x").is_err());
}

#[test]
fn rst_in_syn_sent_with_unacceptable_ack_is_ignored() {
    let mut conn = Connection::connect(cfg(), dut_addr(), peer_addr(), DUT_ISS, 0);
    drain(&mut conn, 0, None);
    let peer = Peer::new(PeerOpts::default());
    for bad_ack in [DUT_ISS, DUT_ISS + 2, DUT_ISS.wrapping_sub(100)] {
        let rst = peer.seg(MS, RST | ACK, 0, bad_ack, 0);
        conn.on_segment(MS, &rst, &[]);
        assert_eq!(conn.state(), State::SynSent, "ack {bad_ack}");
        assert!(drain(&mut conn, MS, None).is_empty(), "RST never answered");
    }
}

#[test]
fn unacceptable_ack_in_syn_sent_is_answered_with_rst() {
    // RFC 9293 §3.10.7.3: SEG.ACK =< ISS or > SND.NXT: <SEQ=SEG.ACK><CTL=RST>.
    let mut conn = Connection::connect(cfg(), dut_addr(), peer_addr(), DUT_ISS, 0);
    drain(&mut conn, 0, None);
    let peer = Peer::new(PeerOpts::default());
    let bad = peer.seg(MS, SYN | ACK, PEER_ISS, DUT_ISS + 1000, 0);
    conn.on_segment(MS, &bad, &[]);
    let out = drain(&mut conn, MS, None);
    assert!(
        out.iter().any(|o| has(o, RST) && seq(o) == DUT_ISS + 1000),
        "RST with SEQ=SEG.ACK: {}",
        describe_all(&out)
    );
    assert_eq!(conn.state(), State::SynSent);
}

// ===================================================================
// MSS (RFC 9293 §3.7.1, RFC 6691)
// ===================================================================

#[test]
fn syn_and_syn_ack_announce_the_configured_mss() {
    let c = TcpConfig { mss: 1200, ..cfg() };
    let mut conn = Connection::connect(c, dut_addr(), peer_addr(), DUT_ISS, 0);
    let syn = drain(&mut conn, 0, None);
    assert_eq!(syn[0].repr.max_seg_size, Some(1200));
    let peer = Peer::new(PeerOpts::default());
    let mut conn = Connection::accept(c, dut_addr(), peer_addr(), DUT_ISS, &peer_syn(&peer, 0), 0);
    let sa = drain(&mut conn, 0, None);
    assert_eq!(sa[0].repr.max_seg_size, Some(1200));
}

#[test]
fn send_mss_is_the_smaller_of_peer_and_own_mss() {
    let d = open_active(cfg(), mss_opts(1000));
    assert_eq!(d.conn.send_mss(), 1000);
    let d = open_active(cfg(), mss_opts(9000));
    assert_eq!(d.conn.send_mss(), 1460);
    let d = open_passive(TcpConfig { mss: 1300, ..cfg() }, mss_opts(1400));
    assert_eq!(d.conn.send_mss(), 1300);
}

#[test]
fn missing_mss_option_defaults_to_536_on_ipv4_and_1220_on_ipv6() {
    let none = PeerOpts {
        mss: None,
        ..Default::default()
    };
    let d = open_active(cfg(), none);
    assert_eq!(d.conn.send_mss(), 536);
    let d = open_active_with(cfg(), none, dut_addr6(), peer_addr6());
    assert_eq!(d.conn.send_mss(), 1220);
}

#[test]
fn data_segments_never_exceed_the_send_mss() {
    let mut d = open_active(cfg(), mss_opts(700));
    d.conn.set_nagle(false);
    let n = 20_000;
    assert_eq!(d.conn.send(&stream(0, n)).unwrap(), n);
    let first = d.poll();
    let all = ack_each_until_idle(&mut d, first);
    let data = data_segments(&all);
    assert!(data.iter().all(|o| o.payload.len() <= 700 && o.mss == 700));
    assert!(
        data.iter().any(|o| o.payload.len() == 700),
        "full segments used"
    );
    assert_eq!(d.peer.rx, stream(0, n));

    // A caller allowing 64 KiB (TSO/GSO) gets super-segments to be cut at
    // the send MSS.
    let mut d = open_active(cfg(), mss_opts(700));
    d.max_payload = Some(65536);
    d.conn.send(&stream(0, n)).unwrap();
    let first = d.poll();
    let all = ack_each_until_idle(&mut d, first);
    assert!(data_segments(&all).iter().all(|o| o.mss == 700));
    assert_eq!(d.peer.rx, stream(0, n));
}

// ===================================================================
// Window scaling (RFC 7323 §2)
// ===================================================================

fn big_buffer() -> TcpConfig {
    TcpConfig {
        recv_buffer: 1 << 20,
        ..cfg()
    }
}

#[test]
fn window_scale_is_negotiated_only_when_both_offer() {
    // Both offer.
    let d = open_active(
        big_buffer(),
        PeerOpts {
            wscale: Some(7),
            ..Default::default()
        },
    );
    let syn = &d.log[0].1;
    let ours = syn.repr.window_scale.expect("WS offered in SYN");
    assert!(
        (5..=14).contains(&ours),
        "shift {ours} covers a 1 MiB buffer"
    );
    assert_eq!(d.conn.window_shifts(), (ours, 7));
    // Peer does not offer.
    let d = open_active(big_buffer(), PeerOpts::default());
    assert_eq!(d.conn.window_shifts(), (0, 0));
    // We do not offer.
    let d = open_active(
        TcpConfig {
            window_scaling: false,
            ..big_buffer()
        },
        PeerOpts {
            wscale: Some(7),
            ..Default::default()
        },
    );
    assert_eq!(d.log[0].1.repr.window_scale, None);
    assert_eq!(d.conn.window_shifts(), (0, 0));
    // Passive: no WS in the SYN-ACK unless the SYN had one (RFC 7323 §2.2).
    let d = open_passive(big_buffer(), PeerOpts::default());
    assert_eq!(d.log[0].1.repr.window_scale, None);
    assert_eq!(d.conn.window_shifts(), (0, 0));
    let d = open_passive(
        big_buffer(),
        PeerOpts {
            wscale: Some(3),
            ..Default::default()
        },
    );
    assert!(d.log[0].1.repr.window_scale.is_some());
    assert_eq!(d.conn.window_shifts().1, 3);
}

#[test]
fn advertised_window_is_scaled_except_in_syn() {
    let mut d = open_active(
        big_buffer(),
        PeerOpts {
            wscale: Some(2),
            ..Default::default()
        },
    );
    let (ours, _) = d.conn.window_shifts();
    assert!(ours > 0);
    // The SYN's window is never scaled (RFC 7323 §2.2).
    assert_eq!(d.log[0].1.repr.window_len, 65535);
    d.now += MS;
    let out = d.peer_send(PSH, &[1; 10]);
    let t = d.now;
    let mut acks: Vec<Outgoing> = out;
    acks.extend(d.run_until(t + SEC).into_iter().map(|(_, o)| o));
    let ack = acks
        .iter()
        .find(|o| has(o, ACK))
        .expect("data acknowledged");
    let wnd = (ack.repr.window_len as usize) << ours;
    assert!(
        wnd > 65535 && wnd <= 1 << 20,
        "window field {} << {ours} = {wnd}",
        ack.repr.window_len
    );
}

#[test]
fn peer_window_is_scaled_except_in_its_syn_ack() {
    // SYN-ACK window 1000 with shift 4: 1000 bytes (unscaled) until the
    // next segment, whose window field 1000 means 16000 bytes.
    let mut d = open_active(
        cfg(),
        PeerOpts {
            wscale: Some(4),
            window: 1000,
            ..Default::default()
        },
    );
    assert_eq!(d.conn.window_shifts().1, 4);
    d.conn.set_nagle(false);
    d.conn.send(&stream(0, 50_000)).unwrap();
    let out = d.poll();
    let sent: usize = data_segments(&out).iter().map(|o| o.payload.len()).sum();
    assert!(
        sent > 0 && sent <= 1000,
        "{sent} bytes sent into a 1000-byte window"
    );
    d.absorb(&out);
    d.now += MS;
    let out = d.peer_ack();
    let more: usize = data_segments(&out).iter().map(|o| o.payload.len()).sum();
    assert!(
        more > 1000 && more <= 16000,
        "{more} bytes sent into a 1000<<4 window"
    );
}

// ===================================================================
// Timestamps and PAWS (RFC 7323 §3-§5)
// ===================================================================

#[test]
fn timestamps_are_negotiated_and_tsecr_echoes_the_peer() {
    let mut d = open_active(cfg_quickack(), PeerOpts::ts());
    assert!(d.conn.timestamps_enabled());
    let syn = &d.log[0].1;
    assert!(syn.repr.timestamp.is_some(), "TS offered in SYN");
    let synack_tsval = d.peer.tsval(HANDSHAKE_RTT);
    let hs_ack = &d.log[1].1;
    assert_eq!(hs_ack.repr.timestamp.map(|t| t.1), Some(synack_tsval));
    d.now += 25 * MS;
    let tsv = d.peer.tsval(d.now);
    assert_ne!(tsv, synack_tsval);
    let out = d.peer_send(PSH, &[7; 100]);
    let ack = out.iter().find(|o| has(o, ACK)).expect("ACK");
    assert_eq!(
        ack.repr.timestamp.map(|t| t.1),
        Some(tsv),
        "TSecr echoes TSval"
    );
    // Not offered by the peer: none on any segment after the SYN.
    let mut d = open_active(cfg_quickack(), PeerOpts::default());
    assert!(!d.conn.timestamps_enabled());
    d.now += MS;
    d.conn.send(b"hello").unwrap();
    let mut out = d.poll();
    out.extend(d.peer_send(PSH, &[1; 10]));
    assert!(
        out.iter().all(|o| o.repr.timestamp.is_none()),
        "{}",
        describe_all(&out)
    );
    // Not offered by us.
    let d = open_active(
        TcpConfig {
            timestamps: false,
            ..cfg_quickack()
        },
        PeerOpts::ts(),
    );
    assert!(!d.conn.timestamps_enabled());
    assert!(d.log.iter().all(|(_, o)| o.repr.timestamp.is_none()));
}

#[test]
fn paws_drops_a_segment_with_an_old_tsval_and_acks() {
    let mut d = open_active(cfg_quickack(), PeerOpts::ts());
    d.now += 100 * MS;
    d.peer_send(PSH, &[1; 100]);
    assert_eq!(d.conn.recv_available(), 100);
    // Next in sequence, but with a TSval older than TS.Recent.
    d.now += MS;
    let mut old = d.peer.seg(d.now, ACK, d.peer.snd_nxt, d.peer.rcv_nxt, 100);
    let (tsv, tsecr) = old.timestamp.unwrap();
    old.timestamp = Some((tsv.wrapping_sub(50), tsecr));
    let out = d.deliver(old, &[2; 100]);
    assert_eq!(d.conn.recv_available(), 100, "old segment dropped");
    assert_eq!(d.conn.stats().paws_rejected, 1);
    assert!(
        out.iter()
            .any(|o| has(o, ACK) && ackn(o) == PEER_ISS + 1 + 100),
        "PAWS drop is acknowledged: {}",
        describe_all(&out)
    );
    // The same segment with a current TSval is taken.
    d.peer_send(PSH, &[2; 100]);
    assert_eq!(d.conn.recv_available(), 200);
    assert_eq!(d.conn.stats().paws_rejected, 1);
}

// ===================================================================
// SACK (RFC 2018)
// ===================================================================

#[test]
fn receiver_reports_sack_blocks_most_recent_first() {
    let mut d = open_active(cfg(), PeerOpts::sack());
    assert!(d.conn.sack_enabled());
    let b = d.peer.snd_nxt;
    let blocks_after = |d: &mut Dut, off: u32, len: usize| -> Vec<(u32, u32)> {
        d.now += MS;
        let out = d.peer_send_at(off, &stream(off as usize, len));
        let ack = out
            .iter()
            .find(|o| has(o, ACK))
            .unwrap_or_else(|| panic!("out-of-order segment acknowledged at once"));
        assert_eq!(ackn(ack), d.peer.snd_nxt, "{}", describe(ack));
        sack_blocks(ack)
    };
    assert_eq!(blocks_after(&mut d, 1000, 500), vec![(b + 1000, b + 1500)]);
    assert_eq!(
        blocks_after(&mut d, 2000, 500),
        vec![(b + 2000, b + 2500), (b + 1000, b + 1500)]
    );
    assert_eq!(
        blocks_after(&mut d, 3000, 500),
        vec![
            (b + 3000, b + 3500),
            (b + 2000, b + 2500),
            (b + 1000, b + 1500)
        ]
    );
    // Extending the oldest block makes it the first.
    assert_eq!(
        blocks_after(&mut d, 1500, 100),
        vec![
            (b + 1000, b + 1600),
            (b + 3000, b + 3500),
            (b + 2000, b + 2500)
        ]
    );
    // Filling the hole: RCV.NXT jumps over the joined block.
    d.now += MS;
    let out = d.peer_send_at(0, &stream(0, 1000));
    let ack = out
        .iter()
        .find(|o| has(o, ACK))
        .expect("gap fill acknowledged at once");
    assert_eq!(ackn(ack), b + 1600);
    let mut rest = sack_blocks(ack);
    rest.sort();
    assert_eq!(rest, vec![(b + 2000, b + 2500), (b + 3000, b + 3500)]);
    assert_eq!(d.conn.recv_available(), 1600);
}

#[test]
fn no_sack_blocks_are_reported_when_sack_is_not_negotiated() {
    for (ours, theirs) in [(false, true), (true, false)] {
        let c = TcpConfig {
            sack: ours,
            ..cfg()
        };
        let mut d = open_active(
            c,
            PeerOpts {
                sack: theirs,
                ..Default::default()
            },
        );
        assert!(!d.conn.sack_enabled());
        if !ours {
            assert!(!d.log[0].1.repr.sack_permitted, "SYN offers no SACK");
        }
        d.now += MS;
        let out = d.peer_send_at(1000, &[1; 100]);
        assert!(!out.is_empty(), "out-of-order segment acknowledged");
        assert!(
            out.iter().all(|o| sack_blocks(o).is_empty()),
            "{}",
            describe_all(&out)
        );
    }
}

/// Established with MSS 1000, cwnd grown, Nagle off; then ten 1000-byte
/// segments in flight, returned.
fn ten_segments_in_flight(opts: PeerOpts) -> (Dut, Vec<Outgoing>) {
    segments_in_flight(opts, 1000)
}

/// Established with MSS 1000, cwnd grown, Nagle off; then ten `size`-byte
/// segments in flight (one write each), returned.
fn segments_in_flight(opts: PeerOpts, size: usize) -> (Dut, Vec<Outgoing>) {
    let mut d = open_active(
        cfg(),
        PeerOpts {
            mss: Some(1000),
            ..opts
        },
    );
    d.conn.set_nagle(false);
    warm_up(&mut d, 40_000);
    d.now += MS;
    let base = d.peer.rx.len();
    let mut out = vec![];
    for i in 0..10 {
        d.conn.send(&stream(base + i * size, size)).unwrap();
        out.extend(d.poll());
    }
    let data: Vec<Outgoing> = data_segments(&out).into_iter().cloned().collect();
    assert_eq!(
        data.len(),
        10,
        "ten segments in flight: {}",
        describe_all(&out)
    );
    for (i, o) in data.iter().enumerate() {
        assert_eq!(seq(o), d.peer.rcv_nxt + (size * i) as u32);
        assert_eq!(o.payload.len(), size);
    }
    (d, data)
}

#[test]
fn sender_skips_sacked_data_when_retransmitting() {
    // Full-sized segments, and half-sized ones (where a retransmission of
    // up to the MSS would run into SACKed data).
    for size in [1000, 500] {
        sender_skips_sacked_data(size);
    }
}

fn sender_skips_sacked_data(size: u32) {
    let (mut d, segs) = segments_in_flight(PeerOpts::sack(), size as usize);
    let una = seq(&segs[0]);
    let s = |i: u32| una + size * i;
    let sent_before = d.log.len();
    // S0 and S2 lost; S1, S3..S9 arrive, each answered by a duplicate ACK
    // whose first SACK block holds the latest arrival.
    for i in [1u32, 3, 4, 5, 6, 7, 8, 9] {
        d.now += MS / 10;
        let sacks = if i == 1 {
            vec![(s(1), s(2))]
        } else {
            vec![(s(3), s(i + 1)), (s(1), s(2))]
        };
        d.peer_ack_sack(una, &sacks);
    }
    // S0 retransmitted reaches the peer: partial ACK up to S2.
    d.now += MS;
    d.peer_ack_sack(s(2), &[(s(3), s(10))]);
    d.now += MS;
    d.peer_ack_sack(s(10), &[]);
    let rtx: Vec<&Outgoing> = d.log[sent_before..]
        .iter()
        .map(|(_, o)| o)
        .filter(|o| !o.payload.is_empty() && (seq(o).wrapping_sub(s(10)) as i32) < 0)
        .collect();
    let sacked = |x: u32| (x >= s(1) && x < s(2)) || (x >= s(3) && x < s(10));
    for o in &rtx {
        for k in 0..o.payload.len() as u32 {
            assert!(
                !sacked(seq(o) + k),
                "size {size}: retransmission {} covers SACKed data",
                describe(o)
            );
        }
    }
    let covers = |x: u32| {
        rtx.iter()
            .any(|o| seq(o) <= x && x < seq(o) + o.payload.len() as u32)
    };
    assert!(
        covers(s(0)) && covers(s(1) - 1),
        "size {size}: S0 retransmitted"
    );
    assert!(
        covers(s(2)) && covers(s(3) - 1),
        "size {size}: S2 retransmitted"
    );
    assert!(d.conn.stats().fast_retransmits >= 1);
    assert_eq!(d.conn.stats().rto_expiries, 0, "no RTO needed");
}

// ===================================================================
// Retransmission timer (RFC 6298)
// ===================================================================

#[test]
fn first_retransmission_comes_after_the_initial_rto_of_one_second() {
    let mut conn = Connection::connect(cfg(), dut_addr(), peer_addr(), DUT_ISS, 0);
    assert_eq!(drain(&mut conn, 0, None).len(), 1, "the SYN");
    let mut d = Dut::new(conn, PeerOpts::default(), 0);
    assert_eq!(
        d.conn.poll_at(),
        Some(SEC),
        "RTO armed at 1 s (RFC 6298 §2.1)"
    );
    assert!(d.run_until(SEC - 1).is_empty(), "nothing before 1 s");
    let out = d.run_until(SEC);
    assert_eq!(out.len(), 1, "SYN retransmitted at 1 s");
    assert_eq!(out[0].0, SEC);
    assert!(has(&out[0].1, SYN) && seq(&out[0].1) == DUT_ISS);
}

#[test]
fn syn_retransmissions_back_off_exponentially() {
    let mut conn = Connection::connect(cfg(), dut_addr(), peer_addr(), DUT_ISS, 0);
    drain(&mut conn, 0, None);
    let mut d = Dut::new(conn, PeerOpts::default(), 0);
    let out = d.run_until(32 * SEC);
    let times: Vec<u64> = out
        .iter()
        .filter(|(_, o)| has(o, SYN))
        .map(|(t, _)| *t / MS)
        .collect();
    assert_eq!(times, vec![1000, 3000, 7000, 15000, 31000]);
}

#[test]
fn data_retransmissions_back_off_exponentially_from_min_rto() {
    let mut d = open_active(cfg(), PeerOpts::default());
    warm_up(&mut d, 100);
    d.now += MS;
    let t = d.now;
    d.conn.send(&[1; 100]).unwrap();
    assert_eq!(data_segments(&d.poll()).len(), 1);
    let out = data_times(&d.run_until(t + 3100 * MS));
    let times: Vec<u64> = out.iter().map(|(x, _)| (x - t) / MS).collect();
    // RTT 1 ms: RTO is the 200 ms floor, then doubles (RFC 6298 §5.5).
    assert_eq!(times, vec![200, 600, 1400, 3000]);
    assert!(out.iter().all(|(_, o)| seq(o) == seq(&out[0].1)));
    assert_eq!(d.conn.stats().rto_expiries, 4);
}

fn first_rto_after_warm_up(c: TcpConfig) -> u64 {
    let mut d = open_active(c, PeerOpts::default());
    warm_up(&mut d, 100);
    d.now += MS;
    let t = d.now;
    d.conn.send(&[1; 100]).unwrap();
    d.poll();
    let out = data_times(&d.run_until(t + 2 * SEC));
    out.first().expect("a retransmission").0 - t
}

#[test]
fn minimum_rto_is_200ms_by_default() {
    assert_eq!(first_rto_after_warm_up(cfg()), 200 * MS);
}

#[test]
fn minimum_rto_is_configurable() {
    let mut c = cfg();
    c.rto.min_rto_ns = 50 * MS;
    assert_eq!(first_rto_after_warm_up(c), 50 * MS);
}

#[test]
fn karn_takes_no_rtt_sample_from_a_retransmitted_segment() {
    // RTT 1 ms throughout; with a 1 ms floor the RTO follows the samples.
    let mut c = cfg();
    c.rto.min_rto_ns = MS;
    let mut d = open_active(c, PeerOpts::default());
    d.conn.set_nagle(false);
    warm_up(&mut d, 500);
    // X is lost, retransmitted by the RTO a few times, and the last copy
    // is acknowledged long after X was first sent.
    d.now += MS;
    let t_x = d.now;
    d.conn.send(&stream(d.peer.rx.len(), 100)).unwrap();
    d.poll();
    let rtx = data_times(&d.run_until(t_x + 400 * MS));
    assert!(rtx.len() >= 3, "X retransmitted: {rtx:?}");
    // Acknowledged at t_x + 400 ms: long after the original and after the
    // last copy, before the next backed-off retransmission.
    let (_, last) = rtx.last().unwrap().clone();
    d.absorb(&[last]);
    d.peer_ack();
    assert_eq!(d.conn.send_queued(), 0);
    // Y: sent and acknowledged after 1 ms (a valid sample: RTO collapses).
    d.now += MS;
    d.conn.send(&stream(d.peer.rx.len(), 100)).unwrap();
    let out = d.poll();
    d.now += MS;
    d.absorb(&out);
    d.peer_ack();
    // Z: lost; its RTO shows what the estimator learnt. Had X's ACK been
    // taken as a sample of some hundred ms, the RTO would be that large.
    d.now += MS;
    let t_z = d.now;
    d.conn.send(&stream(d.peer.rx.len(), 100)).unwrap();
    d.poll();
    let out = data_times(&d.run_until(t_z + 2 * SEC));
    let rto = out.first().expect("Z retransmitted").0 - t_z;
    assert!(
        rto <= 50 * MS,
        "RTO {} ms after a Karn-ambiguous ACK",
        rto / MS
    );
}

// ===================================================================
// NewReno fast retransmit / fast recovery (RFC 5681, RFC 6582)
// ===================================================================

#[test]
fn three_duplicate_acks_trigger_fast_retransmit_before_the_rto() {
    let (mut d, segs) = ten_segments_in_flight(PeerOpts::default());
    let una = seq(&segs[0]);
    let resent = |out: &[Outgoing]| out.iter().any(|o| seq(o) == una && !o.payload.is_empty());
    for dup in 1..=3 {
        d.now += MS / 10;
        let out = d.peer_ack_sack(una, &[]);
        if dup < 3 {
            assert!(!resent(&out), "retransmitted after {dup} duplicate ACKs");
        } else {
            assert!(
                resent(&out),
                "fast retransmit on the third: {}",
                describe_all(&out)
            );
        }
    }
    assert_eq!(d.conn.stats().fast_retransmits, 1);
    assert_eq!(d.conn.stats().rto_expiries, 0);
}

/// Ten segments, S0 and S3 lost, eight duplicate ACKs: in recovery.
fn in_fast_recovery() -> (Dut, u32) {
    let (mut d, segs) = ten_segments_in_flight(PeerOpts::default());
    let una = seq(&segs[0]);
    let mut rtx = vec![];
    for _ in [1, 2, 4, 5, 6, 7, 8, 9] {
        d.now += MS / 10;
        rtx.extend(d.peer_ack_sack(una, &[]));
    }
    assert!(
        rtx.iter().any(|o| seq(o) == una && o.payload.len() == 1000),
        "S0 fast-retransmitted"
    );
    (d, una)
}

#[test]
fn partial_ack_retransmits_the_next_hole() {
    let (mut d, una) = in_fast_recovery();
    // S0 arrives: cumulative ACK up to S3 (partial: below `recover`).
    d.now += MS;
    let out = d.peer_ack_sack(una + 3000, &[]);
    assert!(
        out.iter()
            .any(|o| seq(o) == una + 3000 && o.payload.len() == 1000),
        "S3 retransmitted at once: {}",
        describe_all(&out)
    );
    assert!(
        !out.iter().any(|o| seq(o) == una + 4000),
        "only the first unacknowledged segment: {}",
        describe_all(&out)
    );
    assert_eq!(d.conn.stats().rto_expiries, 0);
}

#[test]
fn full_ack_exits_fast_recovery() {
    let (mut d, una) = in_fast_recovery();
    d.now += MS;
    d.peer_ack_sack(una + 3000, &[]);
    d.now += MS;
    d.peer_ack_sack(una + 10_000, &[]);
    d.peer.rcv_nxt = una + 10_000;
    d.peer.rx.extend(stream(d.peer.rx.len(), 10_000));
    // Out of recovery, cwnd is deflated to at most ssthresh = FlightSize/2
    // = 5000 (RFC 6582 §3.2 step 3): eight duplicate ACKs had inflated it
    // to 13000.
    d.now += MS;
    d.conn.send(&stream(d.peer.rx.len(), 30_000)).unwrap();
    let out = d.poll();
    let burst: usize = data_segments(&out).iter().map(|o| o.payload.len()).sum();
    assert!(
        (1000..=5000).contains(&burst),
        "{burst} bytes sent after the full ACK"
    );
    // A new loss is again recovered by fast retransmit (only possible
    // outside recovery), before any RTO.
    let mut out = ack_each_until_idle_but_last(&mut d, out);
    let lost = seq(&out.remove(0));
    for _ in 0..3 {
        d.now += MS / 10;
        out.extend(d.peer_ack_sack(lost, &[]));
    }
    assert!(out.iter().any(|o| seq(o) == lost && !o.payload.is_empty()));
    assert_eq!(d.conn.stats().fast_retransmits, 2);
    assert_eq!(d.conn.stats().rto_expiries, 0);
}

/// Acknowledges the first data segment of `first` and what follows from it
/// one by one (at least one), until at least four segments are in flight
/// unacknowledged;
/// returns those (the first is the one to lose).
fn ack_each_until_idle_but_last(d: &mut Dut, first: Vec<Outgoing>) -> Vec<Outgoing> {
    let mut inflight: std::collections::VecDeque<Outgoing> =
        data_segments(&first).into_iter().cloned().collect();
    for i in 0..10_000 {
        if i > 0 && inflight.len() >= 4 {
            return inflight.into();
        }
        let o = inflight.pop_front().expect("data keeps flowing");
        d.now += MS;
        d.absorb(std::slice::from_ref(&o));
        let out = d.peer_ack();
        inflight.extend(data_segments(&out).into_iter().cloned());
    }
    panic!("never four segments in flight");
}

// ===================================================================
// Delayed ACK (RFC 1122 §4.2.3.2, RFC 5681 §4.2)
// ===================================================================

#[test]
fn single_segment_is_acked_after_the_delayed_ack_timeout() {
    let c = TcpConfig {
        delayed_ack_ns: 40 * MS,
        ..cfg()
    };
    let mut d = open_active(c, PeerOpts::default());
    d.now += MS;
    let t = d.now;
    let out = d.peer_send(PSH, &[1; 100]);
    assert!(out.is_empty(), "ACK delayed: {}", describe_all(&out));
    assert_eq!(d.conn.poll_at(), Some(t + 40 * MS));
    assert!(d.run_until(t + 40 * MS - 1).is_empty());
    let out = d.run_until(t + 40 * MS);
    assert_eq!(out.len(), 1);
    assert!(is_pure_ack(&out[0].1));
    assert_eq!(ackn(&out[0].1), PEER_ISS + 1 + 100);
    assert_eq!(out[0].0, t + 40 * MS);
}

#[test]
fn every_second_full_sized_segment_is_acked_at_once() {
    let mut d = open_active(cfg(), PeerOpts::default());
    d.now += MS;
    let out = d.peer_send(NONE, &stream(0, 1460));
    assert!(out.is_empty(), "first full segment: ACK may wait");
    d.now += MS / 10;
    let out = d.peer_send(NONE, &stream(1460, 1460));
    assert!(
        out.iter()
            .any(|o| has(o, ACK) && ackn(o) == PEER_ISS + 1 + 2920),
        "second full segment acknowledged at once: {}",
        describe_all(&out)
    );
}

#[test]
fn out_of_order_segment_is_acked_at_once() {
    let mut d = open_active(cfg(), PeerOpts::default());
    d.now += MS;
    let out = d.peer_send_at(1000, &[1; 100]);
    assert!(
        out.iter()
            .any(|o| is_pure_ack(o) && ackn(o) == PEER_ISS + 1),
        "duplicate ACK at once: {}",
        describe_all(&out)
    );
    // The segment filling the gap is acknowledged at once too.
    d.now += MS;
    let out = d.peer_send_at(0, &[1; 1000]);
    assert!(
        out.iter()
            .any(|o| has(o, ACK) && ackn(o) == PEER_ISS + 1 + 1100),
        "gap fill acknowledged at once: {}",
        describe_all(&out)
    );
}

// ===================================================================
// Nagle (RFC 1122 §4.2.3.4)
// ===================================================================

#[test]
fn nagle_coalesces_small_writes_while_data_is_unacknowledged() {
    let mut d = open_active(cfg(), PeerOpts::default());
    d.now += MS;
    d.conn.send(&stream(0, 10)).unwrap();
    let first = d.poll();
    assert_eq!(
        data_segments(&first).len(),
        1,
        "nothing in flight: sent at once"
    );
    for i in 1..=5 {
        d.conn.send(&stream(10 * i, 10)).unwrap();
        let out = d.poll();
        assert!(
            data_segments(&out).is_empty(),
            "write {i} held back: {}",
            describe_all(&out)
        );
    }
    d.now += MS;
    d.absorb(&first);
    let out = d.peer_ack();
    let data = data_segments(&out);
    assert_eq!(data.len(), 1, "{}", describe_all(&out));
    assert_eq!(
        data[0].payload,
        stream(10, 50),
        "the five writes in one segment"
    );
}

#[test]
fn nagle_sends_the_short_tail_of_a_write_behind_full_segments_at_once() {
    // Minshall's refinement (as Linux): a short segment waits only while an
    // earlier short segment is unacknowledged, so the tail of a bulk write
    // does not wait for the peer's delayed ACK.
    let mut d = open_active(cfg(), PeerOpts::default());
    d.now += MS;
    let mss = usize::from(d.conn.send_mss());
    let len = 2 * mss + 100;
    d.conn.send(&stream(0, len)).unwrap();
    let out = d.poll();
    let data = data_segments(&out);
    let sizes: Vec<usize> = data.iter().map(|o| o.payload.len()).collect();
    assert_eq!(
        sizes.iter().sum::<usize>(),
        len,
        "all sent, the short tail too: {sizes:?}"
    );
    assert!(*sizes.last().unwrap() < sizes[0], "{sizes:?}");
    // A further short write waits: the 100-byte segment is unacknowledged.
    d.conn.send(&stream(len, 10)).unwrap();
    let out = d.poll();
    assert!(data_segments(&out).is_empty(), "{}", describe_all(&out));
}

#[test]
fn nagle_off_sends_each_small_write_at_once() {
    for via_config in [false, true] {
        let c = TcpConfig {
            nagle: !via_config,
            ..cfg()
        };
        let mut d = open_active(c, PeerOpts::default());
        if !via_config {
            d.conn.set_nagle(false);
        }
        d.now += MS;
        for i in 0..5 {
            d.conn.send(&stream(10 * i, 10)).unwrap();
            let out = d.poll();
            let data = data_segments(&out);
            assert_eq!(data.len(), 1, "write {i}: {}", describe_all(&out));
            assert_eq!(data[0].payload, stream(10 * i, 10));
        }
    }
}

// ===================================================================
// Keep-alive (RFC 1122 §4.2.3.6)
// ===================================================================

const KA: Keepalive = Keepalive {
    idle_ns: 10 * SEC,
    interval_ns: SEC,
    probes: 3,
};

fn is_keepalive_probe(o: &Outgoing) -> bool {
    // SEG.SEQ = SND.NXT - 1, with or without one garbage octet.
    has(o, ACK) && seq(o) == DUT_ISS && o.payload.len() <= 1 && !has(o, FIN) && !has(o, SYN)
}

#[test]
fn keepalive_probe_is_sent_after_idle_and_an_answer_keeps_the_connection() {
    let mut d = open_active(cfg(), PeerOpts::default());
    let t0 = d.now;
    d.conn.set_keepalive(Some(KA), t0);
    assert!(
        d.run_until(t0 + 10 * SEC - 1).is_empty(),
        "nothing while not idle long"
    );
    let out = d.run_until(t0 + 10 * SEC);
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(is_keepalive_probe(&out[0].1), "{}", describe(&out[0].1));
    assert_eq!(d.conn.stats().keepalive_probes, 1);
    // The peer answers: the connection lives on, idle timing restarts.
    d.now += MS;
    let t1 = d.now;
    d.peer_ack();
    assert!(d.run_until(t1 + 10 * SEC - 1).is_empty());
    assert_eq!(d.state(), State::Established);
    let out = d.run_until(t1 + 10 * SEC);
    assert!(out.len() == 1 && is_keepalive_probe(&out[0].1));
}

#[test]
fn unanswered_keepalive_probes_time_the_connection_out() {
    let mut d = open_active(cfg(), PeerOpts::default());
    let t0 = d.now;
    d.conn.set_keepalive(Some(KA), t0);
    let out = d.run_until(t0 + 12 * SEC);
    let probes: Vec<u64> = out
        .iter()
        .filter(|(_, o)| is_keepalive_probe(o))
        .map(|(t, _)| (t - t0) / MS)
        .collect();
    assert_eq!(probes, vec![10_000, 11_000, 12_000]);
    assert_eq!(d.state(), State::Established, "not yet given up");
    d.run_until(t0 + 14 * SEC);
    assert_eq!(d.state(), State::Closed);
    assert_eq!(d.conn.close_reason(), Some(CloseReason::TimedOut));
    assert_eq!(d.conn.stats().keepalive_probes, 3);
    assert_eq!(d.conn.poll_at(), None);
}

#[test]
fn keepalive_from_config_is_armed_at_establishment() {
    let c = TcpConfig {
        keepalive: Some(KA),
        ..cfg()
    };
    let mut d = open_active(c, PeerOpts::default());
    let t0 = d.now;
    let out = d.run_until(t0 + 10 * SEC);
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(is_keepalive_probe(&out[0].1));
}

// ===================================================================
// Zero-window probing (RFC 9293 §3.8.6.1, RFC 1122 §4.2.2.17)
// ===================================================================

#[test]
fn zero_window_is_probed_with_backoff_and_transfer_resumes_after_a_lost_update() {
    let mut d = open_active(cfg(), PeerOpts::default());
    d.conn.set_nagle(false);
    d.conn.send(&stream(0, 1000)).unwrap();
    let out = d.poll();
    d.absorb(&out);
    // The peer's buffer is full: window 0.
    d.peer.window = 0;
    d.now += MS;
    d.peer_ack();
    assert_eq!(d.peer.rx.len(), 1000);
    let total = 6000;
    d.conn.send(&stream(1000, total - 1000)).unwrap();
    assert!(
        data_segments(&d.poll())
            .iter()
            .all(|o| o.payload.len() <= 1),
        "window closed"
    );
    // Probes come, each answered with window 0 (a probe's byte is not
    // accepted into a zero window).
    let mut probe_times = vec![];
    for _ in 0..6 {
        let at = d.conn.poll_at().expect("persist timer armed");
        let out = d.run_until(at);
        assert!(!out.is_empty(), "a probe at {at}");
        probe_times.push(out[0].0);
        d.now += MS;
        d.peer_ack();
    }
    let gaps: Vec<u64> = probe_times.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        gaps.windows(2).all(|w| w[1] >= w[0]),
        "probe intervals {gaps:?}"
    );
    assert!(gaps[4] >= 4 * gaps[0], "backed off: {gaps:?}");
    assert!(d.conn.stats().window_probes >= 6);
    assert_eq!(d.state(), State::Established, "probing does not give up");
    // The window opens, but that update is lost: the next probe's answer
    // carries it.
    d.peer.window = 65535;
    let at = d.conn.poll_at().expect("persist timer still armed");
    let out: Vec<Outgoing> = d.run_until(at).into_iter().map(|(_, o)| o).collect();
    d.absorb(&out);
    d.now += MS;
    let out = d.peer_ack();
    ack_each_until_idle(&mut d, out);
    assert_eq!(d.peer.rx, stream(0, total), "every byte, in order");
}

// ===================================================================
// RFC 5961: blind RST, SYN and data injection
// ===================================================================

#[test]
fn blind_rst_in_window_gets_a_challenge_ack_and_the_connection_survives() {
    let mut d = open_active(cfg(), PeerOpts::default());
    d.now += MS;
    let rst = d.peer.seg(d.now, RST, d.peer.snd_nxt + 100, 0, 0);
    let out = d.deliver(rst, &[]);
    assert_eq!(d.state(), State::Established);
    assert_eq!(out.len(), 1, "{}", describe_all(&out));
    assert!(is_pure_ack(&out[0]));
    assert_eq!(seq(&out[0]), DUT_ISS + 1);
    assert_eq!(ackn(&out[0]), PEER_ISS + 1);
    assert_eq!(d.conn.stats().challenge_acks, 1);
    d.now += MS;
    d.peer_send(PSH, b"still here");
    assert_eq!(d.conn.recv_available(), 10);
}

#[test]
fn rst_exactly_at_rcv_nxt_resets_the_connection() {
    let mut d = open_active(cfg(), PeerOpts::default());
    d.now += MS;
    let rst = d.peer.seg(d.now, RST, d.peer.snd_nxt, 0, 0);
    let out = d.deliver(rst, &[]);
    assert!(
        out.is_empty(),
        "a RST is not answered: {}",
        describe_all(&out)
    );
    assert_eq!(d.state(), State::Closed);
    assert_eq!(d.conn.close_reason(), Some(CloseReason::Reset));
    assert_eq!(d.conn.poll_at(), None);
}

#[test]
fn rst_outside_the_window_is_silently_dropped() {
    let mut d = open_active(cfg(), PeerOpts::default());
    d.now += MS;
    for s in [d.peer.snd_nxt + 1_000_000, d.peer.snd_nxt.wrapping_sub(10)] {
        let rst = d.peer.seg(d.now, RST, s, 0, 0);
        let out = d.deliver(rst, &[]);
        assert!(out.is_empty(), "{}", describe_all(&out));
        assert_eq!(d.state(), State::Established);
    }
}

#[test]
fn syn_in_established_gets_a_challenge_ack() {
    // RFC 5961 §4.2: whatever its sequence number.
    let mut d = open_active(cfg(), PeerOpts::default());
    for (i, s) in [d.peer.snd_nxt + 7, d.peer.snd_nxt + 5_000_000, PEER_ISS]
        .into_iter()
        .enumerate()
    {
        d.now += MS;
        let syn = d.peer.seg(d.now, SYN, s, 0, 0);
        let out = d.deliver(syn, &[]);
        assert_eq!(d.state(), State::Established);
        assert!(
            out.len() == 1 && is_pure_ack(&out[0]) && ackn(&out[0]) == PEER_ISS + 1,
            "challenge ACK for SYN at {s}: {}",
            describe_all(&out)
        );
        // In or out of the window: a challenge ACK, under its rate limit.
        assert_eq!(d.conn.stats().challenge_acks, i as u64 + 1);
    }
}

#[test]
fn acks_answering_dataless_out_of_window_segments_are_rate_limited() {
    // Linux's tcp_invalid_ratelimit: one ACK per 500 ms for out-of-window
    // segments without data; data outside the window is always answered.
    let mut d = open_active(cfg(), PeerOpts::default());
    let (seq, ack) = (d.peer.snd_nxt.wrapping_add(5_000_000), d.peer.rcv_nxt);
    let mut answered = 0;
    for _ in 0..10 {
        d.now += 10 * MS;
        let out = d.deliver(d.peer.seg(d.now, ACK, seq, ack, 0), &[]);
        answered += out.iter().filter(|o| is_pure_ack(o)).count();
    }
    assert_eq!(answered, 1, "one ACK in 100 ms for ten data-less segments");
    assert_eq!(d.conn.stats().oow_acks_suppressed, 9);
    assert_eq!(d.conn.stats().out_of_window, 10);
    d.now += 500 * MS;
    let out = d.deliver(d.peer.seg(d.now, ACK, seq, ack, 0), &[]);
    assert_eq!(
        out.iter().filter(|o| is_pure_ack(o)).count(),
        1,
        "answered again after 500 ms"
    );
    // Out-of-window data is answered every time.
    for _ in 0..3 {
        d.now += MS;
        let out = d.deliver(d.peer.seg(d.now, ACK, seq, ack, 10), &[7; 10]);
        assert_eq!(
            out.iter().filter(|o| is_pure_ack(o)).count(),
            1,
            "{}",
            describe_all(&out)
        );
    }
    assert_eq!(d.state(), State::Established);
}

#[test]
fn data_with_an_ack_older_than_the_max_window_gets_a_challenge_ack_and_is_dropped() {
    // RFC 5961 §5.2: acceptable iff SND.UNA - MAX.SND.WND =< SEG.ACK =< SND.NXT.
    let mut d = open_active(
        cfg_quickack(),
        PeerOpts {
            window: 1000,
            ..Default::default()
        },
    );
    d.conn.set_nagle(false);
    warm_up(&mut d, 5000);
    let una = d.peer.rcv_nxt;
    d.now += MS;
    let old = d
        .peer
        .seg(d.now, ACK, d.peer.snd_nxt, una.wrapping_sub(2000), 10);
    let out = d.deliver(old, &[9; 10]);
    assert_eq!(d.conn.recv_available(), 0, "dropped");
    assert!(
        out.iter()
            .any(|o| is_pure_ack(o) && ackn(o) == d.peer.snd_nxt && seq(o) == una),
        "challenge ACK: {}",
        describe_all(&out)
    );
    assert_eq!(d.conn.stats().challenge_acks, 1);
    assert_eq!(d.state(), State::Established);
    // Old, but within MAX.SND.WND: an ordinary (duplicate) ACK, data taken.
    let ok = d
        .peer
        .seg(d.now, ACK, d.peer.snd_nxt, una.wrapping_sub(500), 10);
    d.deliver(ok, &[9; 10]);
    assert_eq!(d.conn.recv_available(), 10);
    assert_eq!(d.conn.stats().challenge_acks, 1);
}

#[test]
fn challenge_acks_are_rate_limited() {
    // RFC 5961 §7.
    let c = TcpConfig {
        challenge_ack_limit: 5,
        ..cfg()
    };
    let mut d = open_active(c, PeerOpts::default());
    let t0 = d.now;
    let mut acks = 0;
    for i in 0..20 {
        d.now = t0 + i * 10 * MS;
        let syn = d.peer.seg(d.now, SYN, d.peer.snd_nxt + 1, 0, 0);
        acks += d.deliver(syn, &[]).len();
    }
    assert_eq!(acks, 5, "at most 5 challenge ACKs within a second");
    assert_eq!(d.conn.stats().challenge_acks, 5);
    assert_eq!(d.conn.stats().challenge_acks_suppressed, 15);
    d.now = t0 + 2 * SEC;
    let syn = d.peer.seg(d.now, SYN, d.peer.snd_nxt + 1, 0, 0);
    assert_eq!(d.deliver(syn, &[]).len(), 1, "allowed again a second later");
    assert_eq!(d.state(), State::Established);
}

// ===================================================================
// Segment acceptability (RFC 9293 §3.10.7.4)
// ===================================================================

#[test]
fn segment_beyond_the_window_is_acked_dropped_and_counted() {
    let c = TcpConfig {
        recv_buffer: 10_000,
        ..cfg()
    };
    let mut d = open_active(c, PeerOpts::sack());
    d.now += MS;
    let out = d.peer_send_at(20_000, &[1; 100]);
    assert!(
        out.len() == 1 && is_pure_ack(&out[0]) && ackn(&out[0]) == PEER_ISS + 1,
        "{}",
        describe_all(&out)
    );
    assert!(sack_blocks(&out[0]).is_empty(), "nothing held");
    assert_eq!(d.conn.stats().out_of_window, 1);
    assert_eq!(d.conn.recv_available(), 0);
    assert_eq!(d.conn.stats().ooo_held, 0);
}

/// RFC 9293 §3.10.7.4: acceptability, and what is kept of a segment, follow
/// RCV.WND as advertised (the window field, scaled by our shift), not the
/// receive buffer behind it. `recv_buffer`, `wscale` (the peer's offer; None
/// turns window scaling off) and the right edge the handshake ACK must
/// advertise, as an offset past the first byte.
fn data_beyond_the_advertised_window(recv_buffer: usize, wscale: Option<u8>, edge: u32) {
    let c = TcpConfig {
        recv_buffer,
        ..cfg()
    };
    let mut d = open_active(
        c,
        PeerOpts {
            wscale,
            ..PeerOpts::sack()
        },
    );
    let ctx = format!("buffer {recv_buffer}, peer wscale {wscale:?}");
    let (shift, _) = d.conn.window_shifts();
    let hs = &d.log.last().unwrap().1;
    assert_eq!(
        (hs.repr.window_len as u32) << shift,
        edge,
        "{ctx}: handshake ACK's window"
    );
    let b = d.peer.snd_nxt;
    // Wholly beyond the right edge: ACKed, dropped, not SACKed.
    d.now += MS;
    let out = d.peer_send_at(edge, &stream(edge as usize, 100));
    assert!(
        out.len() == 1 && is_pure_ack(&out[0]) && ackn(&out[0]) == b,
        "{ctx}: {}",
        describe_all(&out)
    );
    assert!(sack_blocks(&out[0]).is_empty(), "{ctx}: held past the edge");
    assert_eq!(d.conn.stats().out_of_window, 1, "{ctx}");
    assert_eq!(d.conn.stats().ooo_held, 0, "{ctx}");
    // Straddling it: kept up to the edge only.
    d.now += MS;
    let out = d.peer_send_at(edge - 500, &stream(edge as usize - 500, 1000));
    let ack = out.iter().find(|o| has(o, ACK)).expect("ACKed at once");
    assert_eq!(ackn(ack), b, "{ctx}: {}", describe(ack));
    assert_eq!(
        sack_blocks(ack),
        vec![(b.wrapping_add(edge - 500), b.wrapping_add(edge))],
        "{ctx}: SACKed past the edge"
    );
    assert_eq!(d.conn.stats().bytes_trimmed, 500, "{ctx}");
    // The hole filled: the cumulative ACK stops at the edge.
    let mut off = 0;
    let mut last = None;
    while off < edge - 500 {
        let n = 1000.min(edge - 500 - off);
        d.now += MS;
        let out = d.peer_send_at(off, &stream(off as usize, n as usize));
        last = out.into_iter().rev().find(|o| has(o, ACK)).or(last);
        off += n;
    }
    let last = last.expect("ACKed");
    assert_eq!(
        ackn(&last),
        b.wrapping_add(edge),
        "{ctx}: {}",
        describe(&last)
    );
    assert_eq!(d.conn.recv_available(), edge as usize, "{ctx}");
    let mut got = vec![0; edge as usize + 1000];
    let n = d.conn.recv(&mut got);
    assert_eq!(got[..n], stream(0, edge as usize)[..], "{ctx}");
}

/// Without window scaling the window field caps RCV.WND at 65,535 however
/// large the buffer (256 KiB by default); nothing past it is taken.
#[test]
fn data_beyond_the_advertised_window_is_dropped_or_trimmed_without_window_scaling() {
    data_beyond_the_advertised_window(256 * 1024, None, 65_535);
}

/// With window scaling, RCV.WND is the field shifted: a 100,003-byte buffer
/// is advertised as 50,001 << 1 = 100,002 bytes, and the last byte of the
/// buffer is past the window.
#[test]
fn data_beyond_the_advertised_window_is_dropped_or_trimmed_with_window_scaling() {
    data_beyond_the_advertised_window(100_003, Some(7), 100_002);
}

#[test]
fn old_duplicate_segment_is_acked_and_dropped() {
    let mut d = open_active(cfg(), PeerOpts::default());
    d.now += MS;
    d.peer_send(PSH, &stream(0, 100));
    d.now += MS;
    let out = d.peer_send_at(0u32.wrapping_sub(100), &stream(0, 100));
    assert!(
        out.iter()
            .any(|o| is_pure_ack(o) && ackn(o) == PEER_ISS + 101),
        "duplicate acknowledged at once: {}",
        describe_all(&out)
    );
    assert_eq!(d.conn.recv_available(), 100, "not delivered twice");
    assert_eq!(d.conn.stats().out_of_window, 1);
}

#[test]
fn ack_for_unsent_data_is_acked_and_dropped() {
    // RFC 9293 §3.10.7.4 ESTABLISHED: SEG.ACK > SND.NXT: send an ACK,
    // drop the segment.
    let mut d = open_active(cfg(), PeerOpts::default());
    d.now += MS;
    let bad = d
        .peer
        .seg(d.now, ACK, d.peer.snd_nxt, DUT_ISS + 1 + 1000, 50);
    let out = d.deliver(bad, &[5; 50]);
    assert!(
        out.iter()
            .any(|o| is_pure_ack(o) && ackn(o) == PEER_ISS + 1 && seq(o) == DUT_ISS + 1),
        "{}",
        describe_all(&out)
    );
    assert_eq!(d.conn.recv_available(), 0, "data dropped");
    assert_eq!(d.conn.stats().ack_unsent, 1);
    assert_eq!(d.state(), State::Established);
}

// ===================================================================
// Bounded out-of-order reassembly
// ===================================================================

#[test]
fn ooo_flood_beyond_the_range_limit_is_dropped_counted_and_the_transfer_completes() {
    let c = TcpConfig {
        max_ooo_ranges: 4,
        ..cfg()
    };
    let mut d = open_active(c, PeerOpts::sack());
    let b = d.peer.snd_nxt;
    // 20 disjoint segments with holes between them.
    for k in 0..20u32 {
        d.now += MS / 10;
        let off = 200 * k + 200;
        let out = d.peer_send_at(off, &stream(off as usize, 100));
        assert!(out.iter().any(|o| has(o, ACK) && ackn(o) == b), "dup ACK");
        for o in &out {
            for (l, r) in sack_blocks(o) {
                let (l, r) = (l - b, r - b);
                assert!(r <= 200 * 4 + 100, "SACK of a range not held: {l}..{r}");
            }
        }
    }
    assert_eq!(d.conn.stats().ooo_held, 4);
    assert_eq!(d.conn.stats().ooo_dropped, 16);
    assert_eq!(d.conn.recv_available(), 0);
    // The sender retransmits everything in order.
    let total = 200 * 19 + 300;
    for off in (0..total).step_by(1000) {
        d.now += MS;
        let len = 1000.min(total - off);
        d.peer_send_at(off as u32, &stream(off, len));
    }
    let mut got = vec![0; total + 10];
    let n = d.conn.recv(&mut got);
    assert_eq!(n, total);
    assert_eq!(&got[..n], &stream(0, total)[..]);
}

#[test]
fn transfer_completes_with_a_tiny_reassembly_limit_under_reordering() {
    let seed = seed("reorder", 0x0dd_0001);
    let cb = TcpConfig {
        max_ooo_ranges: 1,
        ..cfg()
    };
    let mut net = Net::connect(cfg(), cb, 5 * MS);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Every third data segment is held back 30 ms, so a flight of six
    // segments or more leaves more holes than one range can describe; a
    // random share of the others is delayed too.
    let mut i = 0u64;
    net.filter = Some(Box::new(move |_, dir, o| {
        if dir != Dir::AtoB || o.payload.is_empty() {
            return Verdict::Deliver;
        }
        i += 1;
        if i.is_multiple_of(3) {
            Verdict::Delay(30 * MS)
        } else if rng.gen_bool(0.2) {
            Verdict::Delay(rng.gen_range(1..20) * MS)
        } else {
            Verdict::Deliver
        }
    }));
    let n = 300_000;
    net.app_a.tx = stream(0, n);
    net.app_a.close_after_tx = true;
    net.app_b.close_on_eof = true;
    net.flush();
    assert!(
        net.run_until(600 * SEC, |n| n.b.state() == State::Closed),
        "seed {seed:#x}: transfer did not finish; b got {} bytes",
        net.app_b.rx.len()
    );
    assert!(net.app_b.rx == stream(0, n), "seed {seed:#x}: data differs");
    let st = net.b.stats();
    eprintln!("ooo held {} dropped {}", st.ooo_held, st.ooo_dropped);
    assert!(st.ooo_dropped > 0, "the range limit was exercised");
}

// ===================================================================
// Graceful close
// ===================================================================

#[test]
fn graceful_close_with_data_in_flight_delivers_every_byte_before_fin() {
    let seed = seed("graceful_close", 0x0c105e);
    let c = TcpConfig {
        time_wait_ns: 2 * SEC,
        ..cfg()
    };
    let mut net = Net::connect(c, c, 5 * MS);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    net.filter = Some(Box::new(move |_, _, _| match rng.gen_range(0..100) {
        0..=2 => Verdict::Drop,
        3 => Verdict::Duplicate,
        4..=6 => Verdict::Delay(rng.gen_range(1..15) * MS),
        _ => Verdict::Deliver,
    }));
    let n = 500_000;
    net.app_a.tx = stream(0, n);
    net.app_a.close_after_tx = true;
    net.app_b.close_on_eof = true;
    net.flush();
    assert!(
        net.run_until(600 * SEC, |n| n.a.state() == State::Closed
            && n.b.state() == State::Closed),
        "seed {seed:#x}: not both closed: a {:?} b {:?}, b got {}",
        net.a.state(),
        net.b.state(),
        net.app_b.rx.len()
    );
    assert!(net.app_b.rx == stream(0, n), "seed {seed:#x}: data differs");
    // The FIN follows the last byte; no data beyond it.
    let fin_seq = DUT_ISS.wrapping_add(1 + n as u32);
    for o in net.segments(Dir::AtoB) {
        if has(o, FIN) {
            assert_eq!(
                seq(o).wrapping_add(o.payload.len() as u32),
                fin_seq,
                "{}",
                describe(o)
            );
        }
        let end = seq(o).wrapping_add(o.payload.len() as u32);
        assert!(
            o.payload.is_empty() || (end.wrapping_sub(fin_seq) as i32) <= 0,
            "data past the FIN: {}",
            describe(o)
        );
    }
    assert_eq!(net.a.close_reason(), Some(CloseReason::Normal));
    assert_eq!(net.b.close_reason(), Some(CloseReason::Normal));
    assert_eq!(net.a.poll_at(), None, "no timer armed once closed");
    assert_eq!(net.b.poll_at(), None, "no timer armed once closed");
}

#[test]
fn no_timer_is_armed_after_both_sides_close() {
    let c = TcpConfig {
        time_wait_ns: SEC,
        keepalive: Some(KA),
        ..cfg()
    };
    let mut net = Net::connect(c, c, MS);
    assert!(net.run_until(SEC, |n| n.established()));
    net.app_a.tx = stream(0, 10);
    net.app_b.tx = stream(0, 10);
    net.app_a.close_after_tx = true;
    net.app_b.close_on_eof = true;
    net.flush();
    assert!(net.run_until(10 * SEC, |n| n.a.state() == State::Closed
        && n.b.state() == State::Closed));
    assert_eq!(net.a.poll_at(), None);
    assert_eq!(net.b.poll_at(), None);
    assert!(net.a.poll_transmit(net.now + 100 * SEC, 1460).is_none());
    assert!(net.b.poll_transmit(net.now + 100 * SEC, 1460).is_none());
}

#[test]
fn sequence_numbers_wrap_during_a_transfer() {
    let c = cfg();
    let mut net = Net::connect_iss(c, c, MS, u32::MAX - 50_000, u32::MAX - 3);
    let n = 200_000;
    net.app_a.tx = stream(0, n);
    net.app_b.tx = stream(7, n);
    net.app_a.close_after_tx = true;
    net.app_b.close_after_tx = true;
    net.flush();
    assert!(net.run_until(60 * SEC, |x| x.app_a.rx.len() == n && x.app_b.rx.len() == n));
    assert!(net.app_b.rx == stream(0, n));
    assert!(net.app_a.rx == stream(7, n));
}

// ===================================================================
// Robustness: random segments in every state never panic
// ===================================================================

fn random_opts(rng: &mut ChaCha8Rng) -> PeerOpts {
    PeerOpts {
        mss: if rng.gen_bool(0.8) {
            Some(rng.gen_range(0..=u16::MAX))
        } else {
            None
        },
        wscale: if rng.gen_bool(0.5) {
            Some(rng.gen_range(0..=14))
        } else {
            None
        },
        sack: rng.gen(),
        ts: rng.gen(),
        // Open enough for a FIN to go out in the setups.
        window: rng.gen_range(2000..=u16::MAX),
    }
}

/// A connection brought into `state` against the hand-driven peer.
fn dut_in_state(state: State, rng: &mut ChaCha8Rng) -> Dut {
    let opts = random_opts(rng);
    let c = TcpConfig {
        max_ooo_ranges: rng.gen_range(0..8),
        recv_buffer: rng.gen_range(1..300_000),
        send_buffer: rng.gen_range(1..300_000),
        keepalive: if rng.gen() { Some(KA) } else { None },
        ..cfg()
    };
    let mut d = match state {
        State::SynSent => {
            let mut conn = Connection::connect(c, dut_addr(), peer_addr(), rng.gen(), 0);
            let out = drain(&mut conn, 0, None);
            let mut d = Dut::new(conn, opts, 0);
            d.peer.rcv_nxt = seq(&out[0]).wrapping_add(1);
            return d;
        }
        State::SynReceived => {
            let peer = Peer::new(opts);
            let syn = peer_syn(&peer, 0);
            let conn = Connection::accept(c, dut_addr(), peer_addr(), DUT_ISS, &syn, 0);
            let mut d = Dut::new(conn, opts, 0);
            d.poll();
            d.peer.snd_nxt = PEER_ISS + 1;
            d.peer.rcv_nxt = DUT_ISS + 1;
            return d;
        }
        _ => {
            if rng.gen() {
                open_active(c, opts)
            } else {
                open_passive(c, opts)
            }
        }
    };
    let fin_from_peer = |d: &mut Dut| {
        d.now += MS;
        d.peer_send(FIN, &[]);
    };
    match state {
        State::Established => {}
        State::FinWait1 => {
            d.conn.close();
            d.poll();
        }
        State::FinWait2 => {
            d.conn.close();
            let out = d.poll();
            d.absorb(&out);
            d.now += MS;
            d.peer_ack();
        }
        State::CloseWait => fin_from_peer(&mut d),
        State::Closing => {
            d.conn.close();
            d.poll();
            fin_from_peer(&mut d);
        }
        State::LastAck => {
            fin_from_peer(&mut d);
            d.conn.close();
            d.poll();
        }
        State::TimeWait => {
            d.conn.close();
            let out = d.poll();
            d.absorb(&out);
            d.now += MS;
            d.peer_ack();
            fin_from_peer(&mut d);
        }
        _ => unreachable!(),
    }
    assert_eq!(d.state(), state, "setup for {state:?}");
    d
}

#[test]
fn random_segment_flood_never_panics_in_any_state() {
    let seed = seed("random_segment_flood", 0xf100d);
    let states = [
        State::SynSent,
        State::SynReceived,
        State::Established,
        State::FinWait1,
        State::FinWait2,
        State::CloseWait,
        State::Closing,
        State::LastAck,
        State::TimeWait,
    ];
    for (si, &state) in states.iter().enumerate() {
        for round in 0..100u64 {
            let case = seed ^ ((si as u64) << 32) ^ round;
            let mut rng = ChaCha8Rng::seed_from_u64(case);
            let mut d = dut_in_state(state, &mut rng);
            let ctx = format!("seed {seed:#x} state {state:?} round {round}");
            for _ in 0..300 {
                match rng.gen_range(0..10) {
                    0..=5 => {
                        let r = random_segment(&mut rng, &d);
                        let mut payload = vec![0u8; r.payload_len];
                        rng.fill_bytes(&mut payload);
                        d.conn.on_segment(d.now, &r, &payload);
                    }
                    6 => d.now += rng.gen_range(0..3 * SEC),
                    7 => {
                        let n = rng.gen_range(0..5000);
                        let _ = d.conn.send(&vec![3; n]);
                    }
                    8 => {
                        let mut buf = vec![0; rng.gen_range(0..5000)];
                        d.conn.recv(&mut buf);
                        let p = d.conn.recv_peek().len();
                        d.conn.recv_consume(rng.gen_range(0..=p + 10));
                    }
                    _ => match rng.gen_range(0..4) {
                        0 => d.conn.close(),
                        1 => d.conn.set_nagle(rng.gen()),
                        2 => d
                            .conn
                            .set_keepalive(if rng.gen() { Some(KA) } else { None }, d.now),
                        _ => {
                            if rng.gen_bool(0.1) {
                                d.conn.abort()
                            }
                        }
                    },
                }
                // The send MSS, or a TSO/GSO allowance above it (the two
                // uses `poll_transmit` documents).
                let mss = usize::from(d.conn.send_mss());
                d.max_payload = if rng.gen_bool(0.2) {
                    Some(rng.gen_range(mss..=65_536.max(mss)))
                } else {
                    None
                };
                for o in d.poll() {
                    // RFC 9293 §3.10.7: every segment but a RST or the
                    // initial SYN carries an ACK.
                    assert!(
                        has(&o, ACK) || has(&o, RST) || (has(&o, SYN) && o.payload.is_empty()),
                        "{ctx}: {}",
                        describe(&o)
                    );
                    assert!(!(has(&o, SYN) && has(&o, FIN)), "{ctx}: {}", describe(&o));
                }
                if let Some(at) = d.conn.poll_at() {
                    assert!(
                        at > d.now,
                        "{ctx}: timer at {at} already due at {} after polling",
                        d.now
                    );
                }
                assert!(d.conn.recv_available() <= 300_000, "{ctx}");
                let _ = (d.conn.stats(), d.conn.send_queued(), d.conn.send_capacity());
            }
        }
    }
}

/// A segment with random flags, numbers near or far from the live ones,
/// random options and length.
fn random_segment(rng: &mut ChaCha8Rng, d: &Dut) -> stack::wire::TcpRepr {
    let near = |rng: &mut ChaCha8Rng, base: u32| -> u32 {
        match rng.gen_range(0..4) {
            0 => rng.gen(),
            1 => base,
            _ => base.wrapping_add(rng.gen_range(-70_000i32..70_000) as u32),
        }
    };
    let seq_n = near(rng, d.peer.snd_nxt);
    let ack_n = near(rng, d.dut_snd_max());
    let mut flags = TcpFlags(rng.gen());
    if rng.gen_bool(0.6) {
        // Mostly plausible: ACK, seldom SYN/RST.
        flags = TcpFlags(flags.0 & !(SYN.0 | RST.0)) | ACK;
        if rng.gen_bool(0.05) {
            flags = flags | RST;
        }
    }
    let len = match rng.gen_range(0..4) {
        0 => 0,
        1 => rng.gen_range(1..100),
        2 => rng.gen_range(100..1500),
        _ => rng.gen_range(1500..70_000),
    };
    let mut r = d.peer.seg(d.now, flags, seq_n, ack_n, len);
    r.window_len = rng.gen();
    r.urgent_at = rng.gen();
    if rng.gen_bool(0.2) {
        r.max_seg_size = Some(rng.gen());
    }
    if rng.gen_bool(0.2) {
        r.window_scale = Some(rng.gen_range(0..=14));
    }
    r.sack_permitted = rng.gen_bool(0.2);
    for b in r.sack_ranges.iter_mut() {
        if rng.gen_bool(0.3) {
            let l = near(rng, d.dut_snd_max());
            *b = Some((TcpSeqNumber(l), TcpSeqNumber(near(rng, l))));
        }
    }
    r.timestamp = match rng.gen_range(0..4) {
        0 => None,
        1 => Some((rng.gen(), rng.gen())),
        _ => r.timestamp.or(Some((rng.gen(), 0))),
    };
    r
}

// ----- ICMP errors and path MTU (RFC 1122 §4.2.3.9, RFC 5461, RFC 5927, RFC 1191) -----

#[test]
fn icmp_errors_count_only_for_a_sequence_number_in_flight() {
    let mut d = open_active(cfg(), PeerOpts::default());
    let soft = IcmpKind::Error(IcmpError::HostUnreachable);
    let (una, _, max) = d.conn.send_sequence();
    assert_eq!(una, max, "nothing in flight yet");
    // RFC 5927 §4.1: with nothing outstanding, nothing is acceptable.
    assert_eq!(d.conn.on_icmp(d.now, una, soft), IcmpEffect::OutOfWindow);
    d.conn.send(&stream(0, 3000)).unwrap();
    let segs = d.poll();
    assert_eq!(data_segments(&segs).len(), 3);
    let (una, _, max) = d.conn.send_sequence();
    assert_eq!(max.0.wrapping_sub(una.0), 3000);
    for seq in [una - 1, max, max + 100_000, una - 100_000] {
        assert_eq!(d.conn.on_icmp(d.now, seq, soft), IcmpEffect::OutOfWindow);
    }
    assert_eq!(d.conn.stats().icmp_out_of_window, 5);
    assert_eq!(d.conn.soft_error(), None);
    for seq in [una, una + 1460, max - 1] {
        assert_eq!(d.conn.on_icmp(d.now, seq, soft), IcmpEffect::Soft);
    }
    assert_eq!(d.conn.soft_error(), Some(IcmpError::HostUnreachable));
    // An ACK that moves SND.UNA forgets it: the path works.
    d.absorb(&segs);
    d.peer_ack();
    assert_eq!(d.conn.soft_error(), None);
    assert_eq!(d.state(), State::Established);
}

#[test]
fn a_hard_icmp_error_ends_syn_sent_but_is_soft_once_established() {
    let mut c = Connection::connect(cfg(), dut_addr(), peer_addr(), DUT_ISS, 0);
    let syn = drain(&mut c, 0, None);
    assert!(has(&syn[0], SYN));
    let port = IcmpKind::Error(IcmpError::PortUnreachable);
    assert_eq!(
        c.on_icmp(0, TcpSeqNumber(DUT_ISS + 1), port),
        IcmpEffect::OutOfWindow,
        "only the SYN's own number"
    );
    assert_eq!(
        c.on_icmp(0, TcpSeqNumber(DUT_ISS), port),
        IcmpEffect::Aborted
    );
    assert_eq!(
        c.close_reason(),
        Some(CloseReason::Unreachable(IcmpError::PortUnreachable))
    );
    assert_eq!(c.poll_at(), None, "no timer left");
    let mut d = open_active(cfg(), PeerOpts::default());
    d.conn.send(&stream(0, 100)).unwrap();
    d.poll();
    let (una, _, _) = d.conn.send_sequence();
    assert_eq!(d.conn.on_icmp(d.now, una, port), IcmpEffect::Soft);
    assert_eq!(d.state(), State::Established);
}

#[test]
fn packet_too_big_resends_the_flight_at_the_smaller_mss_and_keeps_cwnd() {
    let mut d = open_active(cfg(), mss_opts(1460));
    d.conn.send(&stream(0, 4 * 1460)).unwrap();
    let first = data_segments(&d.poll()).len();
    assert!(first >= 3, "{first} segments in the first flight");
    let cwnd = d.conn.congestion().cwnd;
    let (una, _, max) = d.conn.send_sequence();
    let kind = IcmpKind::PacketTooBig { mss: 1000 };
    assert_eq!(
        d.conn.on_icmp(d.now, una + 1460, kind),
        IcmpEffect::MssLowered
    );
    assert_eq!(d.conn.send_mss(), 1000);
    assert_eq!(d.conn.congestion().cwnd, cwnd, "not a congestion signal");
    // At once, from SND.UNA, at the new size (RFC 1191 §6.4).
    let again = d.poll();
    let data = data_segments(&again);
    assert_eq!(seq(data[0]), una.0);
    assert!(
        data.iter().all(|o| o.payload.len() <= 1000),
        "{}",
        describe_all(&again)
    );
    assert_eq!(d.conn.stats().pmtu_resends, 1);
    assert_eq!(d.conn.send_sequence().2, max, "SND.MAX stays");
    // The same report again changes nothing more.
    assert_eq!(d.conn.on_icmp(d.now, una, kind), IcmpEffect::MssUnchanged);
    // The estimate aged out: the MSS grows back, nothing is resent.
    assert!(!d.conn.set_path_mss(None));
    assert_eq!(d.conn.send_mss(), 1460);
    assert!(d.poll().is_empty());
    assert_eq!(d.conn.stats().pmtu_resends, 1);
}
