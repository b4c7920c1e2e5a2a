//! ACK generation under batching, limited transmit, SACK recovery and
//! the receive window's edge.

use super::*;

#[test]
fn segments_arriving_between_polls_are_acked_every_second_one() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    let base = sim.c[A].rcv_nxt;
    for i in 0..6 {
        let s = from_peer(&sim, A, TcpFlags::ACK, i * 1448, 1448);
        sim.c[A].on_segment(sim.now, &s, &[i as u8; 1448]);
    }
    let acks: Vec<u32> = drain(&mut sim, A)
        .iter()
        .map(|o| o.repr.ack_number.offset_from(base) as u32)
        .collect();
    assert_eq!(acks, vec![2 * 1448, 4 * 1448, 6 * 1448]);
}

#[test]
fn each_out_of_order_segment_between_polls_gets_its_duplicate_ack() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    let base = sim.c[A].rcv_nxt;
    for i in 1..4 {
        let s = from_peer(&sim, A, TcpFlags::ACK, i * 1448, 1448);
        sim.c[A].on_segment(sim.now, &s, &[i as u8; 1448]);
    }
    let out = drain(&mut sim, A);
    assert_eq!(out.len(), 3);
    for o in &out {
        assert_eq!(o.repr.ack_number, base);
        assert_eq!(o.repr.payload_len, 0);
        let (l, r) = o.repr.sack_ranges[0].unwrap();
        assert_eq!((l.offset_from(base), r.offset_from(base)), (1448, 4 * 1448));
    }
}

/// Sends `n` full segments from A (window permitting) and returns them.
fn flight(sim: &mut Sim, n: usize) -> Vec<Outgoing> {
    sim.to_send[A].extend(pattern(n * 1448, 3));
    let data: Vec<u8> = sim.to_send[A].drain(..).collect();
    assert_eq!(sim.c[A].send(&data), Ok(data.len()));
    drain(sim, A)
}

/// An ACK from B for `ack` (relative to A's SND.UNA) with SACK blocks
/// (relative too).
fn ack_from_b(sim: &Sim, ack: u32, sacks: &[(u32, u32)]) -> TcpRepr {
    let una = sim.c[A].snd_una;
    let mut r = from_peer(sim, A, TcpFlags::ACK, 0, 0);
    r.ack_number = una + ack as usize;
    r.window_len = sim.c[B].advertise_preview();
    for (i, (l, h)) in sacks.iter().enumerate() {
        r.sack_ranges[i] = Some((una + *l as usize, una + *h as usize));
    }
    r
}

#[test]
fn limited_transmit_sends_new_data_on_the_first_two_duplicate_acks() {
    let cfg = TcpConfig {
        sack: false,
        ..TcpConfig::default()
    };
    let mut sim = pair(cfg, cfg);
    let first = flight(&mut sim, 3);
    assert_eq!(first.len(), 3, "initial window of three segments");
    // More data queued, blocked by cwnd.
    sim.c[A].send(&pattern(10 * 1448, 4)).unwrap();
    assert!(drain(&mut sim, A).is_empty());
    let d = ack_from_b(&sim, 0, &[]);
    // The first one updates the window (the SYN-ACK's was unscaled), so it
    // is no duplicate (RFC 5681 §2).
    sim.c[A].on_segment(sim.now, &d, &[]);
    assert!(drain(&mut sim, A).is_empty());
    assert_eq!(sim.c[A].stats().dup_acks_in, 0);
    sim.c[A].on_segment(sim.now, &d, &[]);
    assert_eq!(
        drain(&mut sim, A).len(),
        1,
        "first duplicate ACK: one new segment"
    );
    sim.c[A].on_segment(sim.now, &d, &[]);
    assert_eq!(drain(&mut sim, A).len(), 1, "second: one more");
    sim.c[A].on_segment(sim.now, &d, &[]);
    let out = drain(&mut sim, A);
    assert_eq!(
        out[0].repr.seq_number.0, sim.c[A].snd_una.0,
        "third: fast retransmit"
    );
    assert_eq!(sim.c[A].stats().fast_retransmits, 1);
}

#[test]
fn sack_reveals_a_lost_retransmission_before_the_rto() {
    let mut sim = pair(TcpConfig::default(), TcpConfig::default());
    sim.c[A].cc.cwnd = 20 * 1448;
    let sent = flight(&mut sim, 10);
    assert_eq!(sent.len(), 10);
    // Segment 0 is lost; 1..=3 are SACKed: fast retransmit of 0.
    for k in 1..=3u32 {
        let a = ack_from_b(&sim, 0, &[(1448, (k + 1) * 1448)]);
        sim.c[A].on_segment(sim.now, &a, &[]);
    }
    let rtx = drain(&mut sim, A);
    assert_eq!(rtx[0].repr.seq_number.0, sim.c[A].snd_una.0);
    assert_eq!(sim.c[A].stats().fast_retransmits, 1);
    // More data goes out during recovery...
    sim.c[A].send(&pattern(8 * 1448, 5)).unwrap();
    for k in 4..=9u32 {
        let a = ack_from_b(&sim, 0, &[(1448, (k + 1) * 1448)]);
        sim.c[A].on_segment(sim.now, &a, &[]);
        drain(&mut sim, A);
    }
    let retransmits = sim.c[A].stats().retransmits;
    // ...and once data sent after the retransmission is SACKed while
    // segment 0 stays missing, it is sent again, long before any RTO.
    let beyond = sim.c[A].snd_nxt.0.wrapping_sub(sim.c[A].snd_una.0);
    let a = ack_from_b(&sim, 0, &[(1448, beyond)]);
    sim.c[A].on_segment(sim.now, &a, &[]);
    let again = drain(&mut sim, A);
    assert!(again
        .iter()
        .any(|o| o.repr.seq_number.0 == sim.c[A].snd_una.0));
    assert!(sim.c[A].stats().retransmits > retransmits);
    assert_eq!(sim.c[A].stats().rto_expiries, 0);
}

#[test]
fn small_reads_do_not_send_window_updates() {
    let small = TcpConfig {
        recv_buffer: 16 * 1024,
        ..TcpConfig::default()
    };
    let mut sim = pair(TcpConfig::default(), small);
    sim.read = false;
    sim.to_send[A].extend(pattern(40_000, 1));
    assert!(sim.run_until(5 * SEC, |s| s.c[A].snd_wnd == 0));
    let before = sim.log.len();
    // Reading a few bytes opens less than an MSS: no update.
    let mut buf = [0u8; 100];
    assert_eq!(sim.c[B].recv(&mut buf), 100);
    assert!(drain(&mut sim, B).is_empty());
    // Reading half the buffer opens enough: one window update.
    let mut big = vec![0u8; 8 * 1024];
    sim.c[B].recv(&mut big);
    let upd = drain(&mut sim, B);
    assert_eq!(upd.len(), 1);
    assert!(upd[0].repr.window_len > 0);
    assert!(sim.log.len() >= before);
}

#[test]
fn advertised_right_edge_never_moves_left() {
    let small = TcpConfig {
        recv_buffer: 20_000,
        window_scaling: false,
        ..TcpConfig::default()
    };
    let seed = seed("edge", 21);
    let mut sim = Sim::open(TcpConfig::default(), small, seed);
    assert!(sim.run_until(SEC, established));
    sim.loss = 0.05;
    sim.reorder = 0.1;
    sim.to_send[A].extend(pattern(300_000, 2));
    let mut edge: Option<u32> = None;
    let mut k = 0;
    let ok = sim.run_until(600 * SEC, |s| s.received[B].len() == 300_000);
    assert!(ok);
    for (from, r) in &sim.log {
        if *from == B && r.flags.contains(TcpFlags::ACK) && !r.flags.contains(TcpFlags::SYN) {
            let e = r.ack_number.0.wrapping_add(u32::from(r.window_len));
            if let Some(prev) = edge {
                assert!((e.wrapping_sub(prev) as i32) >= 0, "edge moved left at {k}");
            }
            edge = Some(e);
            k += 1;
        }
    }
    assert!(k > 100);
}
