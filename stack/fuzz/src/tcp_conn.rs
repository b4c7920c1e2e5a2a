//! One [`Connection`] (opened actively, or passively from an arbitrary SYN) driven by an
//! arbitrary sequence of peer segments (any flags, sequence and acknowledgment numbers near
//! the live ones or anywhere, windows, options, data) and application calls (send, receive,
//! close, abort, Nagle, time passing), with everything it wants to send taken after each step.
//! Never panics, and what it sends keeps the invariants visible from outside:
//!
//! - the data it sends is the application's, at the right offsets (sequence number - ISS - 1),
//!   and never past what the application queued: SND.NXT <= ISS + 1 + bytes queued (+ FIN);
//! - what it counts as acknowledged was sent: bytes queued - `send_queued` <= highest data
//!   sent (SND.UNA <= SND.MAX), and `send_queued + send_capacity` is the buffer size;
//! - the ACKs it sends acknowledge nothing the peer did not send (RCV.NXT <= the highest
//!   sequence number the peer's segments reached), and `recv_available` fits the buffer;
//! - each segment's `payload_len` is its payload's length, within `max_payload`.

use std::net::SocketAddr;

use stack::tcp::{Connection, State, TcpConfig};
use stack::wire::{TcpFlags, TcpRepr, TcpSeqNumber};

use crate::input::Input;

const ISS: u32 = 0x8000_0000;
/// The peer's initial sequence number; its segments' numbers are offsets from it.
const PEER_ISS: u32 = 0x1000_0000;
const BUF: usize = 8192;

/// The application's byte stream: byte `i` is a function of `i`, so any segment's data
/// can be checked against its offset.
fn stream_byte(i: usize) -> u8 {
    (i as u8).wrapping_mul(31) ^ ((i >> 8) as u8)
}

struct Model {
    /// Bytes the connection accepted from `send`.
    queued: usize,
    /// One past the highest stream offset sent as data.
    sent_end: usize,
    /// Highest offset from PEER_ISS any of the peer's segments reached (SYN and FIN count).
    peer_end: u64,
    /// Bytes read by the application.
    read: usize,
}

pub fn tcp_conn(data: &[u8]) {
    let mut inp = Input::new(data);
    let opts = inp.u8();
    let config = TcpConfig {
        recv_buffer: BUF,
        send_buffer: BUF,
        ..TcpConfig::default()
    };
    let local: SocketAddr = "10.0.0.1:80".parse().unwrap();
    let remote: SocketAddr = "10.0.0.2:40000".parse().unwrap();
    let mut now = 1_000_000u64;
    let mut m = Model {
        queued: 0,
        sent_end: 0,
        peer_end: 0,
        read: 0,
    };
    let mut conn = if opts & 1 == 0 {
        Connection::connect(config, local, remote, ISS, now)
    } else {
        let mut syn = segment(&mut inp, 0, 0);
        syn.flags = TcpFlags::SYN;
        syn.payload_len = 0;
        syn.seq_number = TcpSeqNumber(PEER_ISS);
        m.peer_end = 1;
        Connection::accept(config, local, remote, ISS, &syn, now)
    };
    let mut rbuf = [0u8; BUF];
    let mut app = vec![0u8; BUF];
    let mut peer_data = [0u8; 1600];
    drain(&mut conn, now, 1460, &mut m);
    while !inp.is_empty() {
        match inp.u8() % 10 {
            0..=4 => {
                let off = match inp.u8() % 4 {
                    0 => u64::from(inp.u32()),
                    _ => m.peer_end.saturating_sub(u64::from(inp.u8())) + u64::from(inp.u8()),
                };
                let ack_off = match inp.u8() % 4 {
                    0 => inp.u32(),
                    _ => (m.sent_end as u32 + 1).wrapping_sub(u32::from(inp.u8()) % 8),
                };
                let mut seg = segment(&mut inp, off as u32, ack_off);
                let len = usize::from(inp.u16()) % (peer_data.len() + 1);
                let payload = &mut peer_data[..len];
                payload.fill(seg.flags.0);
                seg.payload_len = len;
                let span = len as u64
                    + u64::from(seg.flags.contains(TcpFlags::SYN))
                    + u64::from(seg.flags.contains(TcpFlags::FIN));
                m.peer_end = m.peer_end.max((off as u32 as u64) + span);
                conn.on_segment(now, &seg, payload);
            }
            5 => {
                let n = usize::from(inp.u16()) % (BUF + 1);
                for (i, b) in app[..n].iter_mut().enumerate() {
                    *b = stream_byte(m.queued + i);
                }
                if let Ok(k) = conn.send(&app[..n]) {
                    assert!(k <= n);
                    m.queued += k;
                }
            }
            6 => {
                let n = usize::from(inp.u16()) % (BUF + 1);
                let k = conn.recv(&mut rbuf[..n]);
                m.read += k;
            }
            7 => match inp.u8() % 8 {
                0 => conn.abort(),
                1..=4 => conn.close(),
                _ => conn.set_nagle(inp.bool()),
            },
            _ => now += u64::from(inp.u16()) * 1_000_000 + u64::from(inp.u8()),
        }
        let max_payload = match inp.u8() % 4 {
            0 => 65_000,
            1 => usize::from(inp.u16()),
            _ => 1460,
        };
        drain(&mut conn, now, max_payload, &mut m);
        check(&conn, &m);
    }
    // Let every timer run out: retransmissions give up, TIME-WAIT ends.
    for _ in 0..64 {
        match conn.poll_at() {
            Some(t) if conn.state() != State::Closed => {
                now = now.max(t);
                drain(&mut conn, now, 1460, &mut m);
                check(&conn, &m);
            }
            _ => break,
        }
    }
}

/// A peer segment: flags, numbers (relative to the peer's ISS and to ours), window, options.
fn segment(inp: &mut Input, off: u32, ack_off: u32) -> TcpRepr {
    let flags = TcpFlags(inp.u8());
    let o = inp.u8();
    let mut seg = TcpRepr::bare(
        40000,
        80,
        TcpSeqNumber(PEER_ISS.wrapping_add(off)),
        TcpSeqNumber(ISS.wrapping_add(ack_off)),
        flags,
    );
    seg.window_len = inp.u16();
    seg.urgent_at = if o & 1 != 0 { inp.u16() } else { 0 };
    seg.max_seg_size = (o & 2 != 0).then(|| inp.u16());
    seg.window_scale = (o & 4 != 0).then(|| inp.u8() % 16);
    seg.sack_permitted = o & 8 != 0;
    seg.timestamp = (o & 16 != 0).then(|| (inp.u32(), inp.u32()));
    if o & 32 != 0 {
        for r in seg.sack_ranges.iter_mut().take(usize::from(inp.u8() % 5)) {
            let l = ISS.wrapping_add(inp.u16().into());
            *r = Some((
                TcpSeqNumber(l),
                TcpSeqNumber(l.wrapping_add(inp.u16().into())),
            ));
        }
    }
    seg
}

/// Takes every segment the connection wants to send now and checks each.
fn drain(conn: &mut Connection, now: u64, max_payload: usize, m: &mut Model) {
    for _ in 0..256 {
        let Some(out) = conn.poll_transmit(now, max_payload) else {
            return;
        };
        let r = &out.repr;
        assert_eq!(
            r.payload_len,
            out.payload.len(),
            "payload_len is the payload's"
        );
        assert!(
            out.payload.len() <= max_payload.max(1),
            "payload within max_payload"
        );
        let syn = r.flags.contains(TcpFlags::SYN);
        if !out.payload.is_empty() {
            // Data starts after our SYN: stream offset = seq - ISS - 1.
            let at = r.seq_number.0.wrapping_sub(ISS.wrapping_add(1)) as usize;
            let end = at + out.payload.len();
            assert!(
                end <= m.queued,
                "sent stream bytes {at}..{end} but only {} were queued",
                m.queued
            );
            for (i, &b) in out.payload.iter().enumerate() {
                assert_eq!(
                    b,
                    stream_byte(at + i),
                    "sent byte {} is not the app's",
                    at + i
                );
            }
            assert!(!syn, "data on a SYN");
            m.sent_end = m.sent_end.max(end);
        }
        if r.flags.contains(TcpFlags::ACK) {
            let acked = u64::from(r.ack_number.0.wrapping_sub(PEER_ISS));
            assert!(
                acked <= m.peer_end,
                "ACK {acked} past the peer's highest sequence {}",
                m.peer_end
            );
        }
    }
}

/// The invariants visible through the connection's accessors.
fn check(conn: &Connection, m: &Model) {
    assert!(
        conn.recv_available() <= BUF,
        "received more than the buffer"
    );
    if conn.state() == State::Closed {
        return;
    }
    assert_eq!(
        conn.send_queued() + conn.send_capacity(),
        BUF,
        "send buffer accounting"
    );
    assert!(conn.send_queued() <= m.queued);
    let acked = m.queued - conn.send_queued();
    assert!(
        acked <= m.sent_end,
        "{acked} bytes acknowledged but only {} sent (SND.UNA past SND.MAX)",
        m.sent_end
    );
    let _ = conn.poll_at();
}
