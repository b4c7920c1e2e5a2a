//! One TCP connection (a TCB, RFC 9293) as a pure state machine.
//!
//! A [`Connection`] owns no clock, no socket table and no device: the
//! caller hands it received segments ([`Connection::on_segment`]) and the
//! time, asks it for the segments to send ([`Connection::poll_transmit`]),
//! and asks when its next timer fires ([`Connection::poll_at`]). The
//! application side is [`send`](Connection::send), [`recv`](Connection::recv),
//! zero-copy [`recv_peek`](Connection::recv_peek)/[`recv_consume`](Connection::recv_consume),
//! [`close`](Connection::close) and [`abort`](Connection::abort).
//!
//! Every field is plain data (`Clone`), so a connection in ESTABLISHED can
//! be exported to the NIC's TCP offload engine and imported back.

use super::buffer::{RecvBuffer, SendBuffer};
use super::congestion::NewReno;
use super::rtt::{RtoConfig, RtoEstimator, RttTimer, MS, SEC};
use super::scoreboard::Scoreboard;
use super::seq::SeqNumber;
use crate::wire::TcpRepr;
use std::net::SocketAddr;

/// RFC 9293 §3.3.2 connection states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    Closed,
    Listen,
    SynSent,
    SynReceived,
    Established,
    FinWait1,
    FinWait2,
    CloseWait,
    Closing,
    LastAck,
    TimeWait,
}

/// Keep-alive (RFC 1122 §4.2.3.6): probes after `idle_ns` without traffic,
/// every `interval_ns`, giving up (connection reset) after `probes` unanswered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keepalive {
    pub idle_ns: u64,
    pub interval_ns: u64,
    pub probes: u32,
}

/// How a connection behaves. [`TcpConfig::default`] gives Linux-like values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpConfig {
    /// MSS we announce: the largest payload we accept in one segment
    /// (link MTU minus IP and TCP headers; RFC 6691: no options counted).
    pub mss: u16,
    /// Receive buffer (and so the largest window we advertise), bytes.
    pub recv_buffer: usize,
    /// Send buffer, bytes.
    pub send_buffer: usize,
    /// Offer/accept window scaling (RFC 7323 §2).
    pub window_scaling: bool,
    /// Offer/accept timestamps and PAWS (RFC 7323 §3, §5).
    pub timestamps: bool,
    /// Offer/accept SACK (RFC 2018).
    pub sack: bool,
    /// Nagle's algorithm (RFC 896 / RFC 1122 §4.2.3.4); on by default.
    pub nagle: bool,
    /// Delayed ACK timeout (RFC 1122 §4.2.3.2, at most 500 ms); an ACK is
    /// sent at least every second full-sized segment. 0 disables delaying.
    pub delayed_ack_ns: u64,
    pub rto: RtoConfig,
    pub keepalive: Option<Keepalive>,
    /// TIME-WAIT duration (2·MSL).
    pub time_wait_ns: u64,
    /// Out-of-order ranges held for reassembly at most.
    pub max_ooo_ranges: usize,
    /// Challenge ACKs sent per second at most (RFC 5961 §7).
    pub challenge_ack_limit: u32,
    /// SYN (or SYN-ACK) retransmissions before giving up.
    pub syn_retries: u32,
    /// Data retransmissions of one segment before giving up (reset).
    pub max_retries: u32,
}

impl Default for TcpConfig {
    fn default() -> Self {
        TcpConfig {
            mss: 1460,
            recv_buffer: 256 * 1024,
            send_buffer: 256 * 1024,
            window_scaling: true,
            timestamps: true,
            sack: true,
            nagle: true,
            delayed_ack_ns: 40 * MS,
            rto: RtoConfig::default(),
            keepalive: None,
            time_wait_ns: 60 * SEC,
            max_ooo_ranges: 64,
            challenge_ack_limit: 1000,
            syn_retries: 6,
            max_retries: 15,
        }
    }
}

/// Why a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseReason {
    /// Both FINs exchanged (or TIME-WAIT ended).
    Normal,
    /// The peer sent an acceptable RST.
    Reset,
    /// SYN, data or keep-alive retransmissions ran out.
    TimedOut,
    /// The application aborted (we sent RST).
    Aborted,
    /// A connect was refused (RST in answer to our SYN).
    Refused,
}

/// What a connection counted; every dropped or answered bad segment has a
/// counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConnStats {
    pub segs_in: u64,
    pub segs_out: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub retransmits: u64,
    pub fast_retransmits: u64,
    pub rto_expiries: u64,
    pub dup_acks_in: u64,
    pub sacked_bytes_skipped: u64,
    /// Segments outside the window (answered with an ACK, RFC 9293 §3.10.7.4).
    pub out_of_window: u64,
    /// Segments dropped by PAWS (RFC 7323 §5).
    pub paws_rejected: u64,
    /// Challenge ACKs sent (RFC 5961) / suppressed by the rate limit.
    pub challenge_acks: u64,
    pub challenge_acks_suppressed: u64,
    /// ACKs for data not yet sent (dropped, answered with an ACK).
    pub ack_unsent: u64,
    /// Out-of-order segments held / dropped because the range limit was hit.
    pub ooo_held: u64,
    pub ooo_dropped: u64,
    /// Zero-window probes and keep-alive probes sent.
    pub window_probes: u64,
    pub keepalive_probes: u64,
    pub delayed_acks: u64,
}

/// One segment to send: the header and its payload. `repr.payload_len`
/// equals `payload.len()`. The payload may exceed the MSS when the caller
/// allowed it (`max_payload` of [`Connection::poll_transmit`]): that is a
/// TSO/GSO super-segment the device or software splits at `mss` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub repr: TcpRepr,
    pub payload: Vec<u8>,
    /// Segment size to split a super-segment at: the effective send MSS.
    pub mss: u16,
}

/// A TCP connection.
#[derive(Debug, Clone)]
pub struct Connection {
    _todo: (),
    #[allow(dead_code)]
    parts: Option<(
        SendBuffer,
        RecvBuffer,
        Scoreboard,
        NewReno,
        RtoEstimator,
        RttTimer,
    )>,
}

impl Connection {
    /// Active open (RFC 9293 §3.10.1): a connection in SYN-SENT whose SYN
    /// (carrying MSS, and WS/SACK-permitted/TS as configured) goes out on
    /// the next [`poll_transmit`](Self::poll_transmit). `iss` is the initial
    /// send sequence number (the caller picks it per RFC 6528).
    pub fn connect(
        config: TcpConfig,
        local: SocketAddr,
        remote: SocketAddr,
        iss: u32,
        now: u64,
    ) -> Connection {
        let _ = (config, local, remote, iss, now);
        todo!()
    }

    /// Passive open: a listener got `syn` (SYN set, no ACK/RST; the caller
    /// checked that) from `remote`; returns a connection in SYN-RECEIVED
    /// whose SYN-ACK goes out on the next poll. Options are negotiated from
    /// `syn` and `config`.
    pub fn accept(
        config: TcpConfig,
        local: SocketAddr,
        remote: SocketAddr,
        iss: u32,
        syn: &TcpRepr,
        now: u64,
    ) -> Connection {
        let _ = (config, local, remote, iss, syn, now);
        todo!()
    }

    pub fn state(&self) -> State {
        todo!()
    }
    pub fn local(&self) -> SocketAddr {
        todo!()
    }
    pub fn remote(&self) -> SocketAddr {
        todo!()
    }
    /// Why the connection reached CLOSED, once it has.
    pub fn close_reason(&self) -> Option<CloseReason> {
        todo!()
    }
    pub fn stats(&self) -> &ConnStats {
        todo!()
    }
    /// The MSS we send with (peer's announced MSS, capped by ours).
    pub fn send_mss(&self) -> u16 {
        todo!()
    }
    /// Whether SACK was negotiated (both sides offered it).
    pub fn sack_enabled(&self) -> bool {
        todo!()
    }
    /// Whether timestamps were negotiated.
    pub fn timestamps_enabled(&self) -> bool {
        todo!()
    }
    /// Our and the peer's window shift, once negotiated.
    pub fn window_shifts(&self) -> (u8, u8) {
        todo!()
    }

    /// Handles one received segment addressed to this connection (the
    /// caller matched the 4-tuple and verified the checksum). `payload` is
    /// the segment's data (`seg.payload_len` bytes, possibly a GRO/LRO
    /// coalesced run longer than the MSS). Implements RFC 9293 §3.10.7
    /// ("SEGMENT ARRIVES") for every state, with RFC 7323 PAWS, RFC 5961
    /// challenge ACKs, SACK processing and NewReno; replies (ACKs,
    /// challenge ACKs, RSTs) are queued for [`poll_transmit`](Self::poll_transmit).
    pub fn on_segment(&mut self, now: u64, seg: &TcpRepr, payload: &[u8]) {
        let _ = (now, seg, payload);
        todo!()
    }

    /// The next segment to send now, if any: a queued control segment
    /// (SYN, SYN-ACK, RST, FIN, ACK, challenge ACK, window or keep-alive
    /// probe), a retransmission, or new data as the windows, Nagle and the
    /// send buffer allow. Runs the timers that are due at `now` first.
    /// `max_payload` caps the payload: the send MSS for ordinary segments,
    /// or up to 64 KiB minus headers to let the device (TSO) or software
    /// (GSO) segment. Call until it returns `None`.
    pub fn poll_transmit(&mut self, now: u64, max_payload: usize) -> Option<Outgoing> {
        let _ = (now, max_payload);
        todo!()
    }

    /// When the connection next needs [`poll_transmit`](Self::poll_transmit)
    /// for a timer (retransmission, delayed ACK, persist, keep-alive,
    /// TIME-WAIT), or `None` if no timer is armed.
    pub fn poll_at(&self) -> Option<u64> {
        todo!()
    }

    /// Queues bytes to send; returns how many fit in the send buffer. Error
    /// if the connection can no longer send (after `close`, or closed).
    pub fn send(&mut self, data: &[u8]) -> Result<usize, ConnError> {
        let _ = data;
        todo!()
    }
    /// Room in the send buffer.
    pub fn send_capacity(&self) -> usize {
        todo!()
    }
    /// Bytes queued and not yet acknowledged.
    pub fn send_queued(&self) -> usize {
        todo!()
    }
    /// Copies received in-order bytes into `dst`; 0 means nothing to read
    /// now (see [`recv_finished`](Self::recv_finished) for end of stream).
    pub fn recv(&mut self, dst: &mut [u8]) -> usize {
        let _ = dst;
        todo!()
    }
    /// Zero-copy receive: the next contiguous run of received bytes.
    pub fn recv_peek(&self) -> &[u8] {
        todo!()
    }
    /// Marks `n` bytes of [`recv_peek`](Self::recv_peek) read (opens the
    /// window; a window update is sent if it grew enough, RFC 9293 §3.8.6.2.2).
    pub fn recv_consume(&mut self, n: usize) {
        let _ = n;
        todo!()
    }
    /// In-order bytes waiting to be read.
    pub fn recv_available(&self) -> usize {
        todo!()
    }
    /// The peer sent FIN and every byte before it has been read.
    pub fn recv_finished(&self) -> bool {
        todo!()
    }
    /// Graceful close: a FIN goes out after the queued data (RFC 9293
    /// §3.10.4). Idempotent.
    pub fn close(&mut self) {
        todo!()
    }
    /// Abort: a RST goes out (if synchronized) and the connection is CLOSED.
    pub fn abort(&mut self) {
        todo!()
    }
    /// Switches Nagle's algorithm (TCP_NODELAY is `false`).
    pub fn set_nagle(&mut self, on: bool) {
        let _ = on;
        todo!()
    }
    pub fn set_keepalive(&mut self, keepalive: Option<Keepalive>, now: u64) {
        let _ = (keepalive, now);
        todo!()
    }
}

/// Why an application call on a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ConnError {
    #[error("connection is closing: no more data can be sent")]
    SendClosed,
    #[error("connection is closed")]
    Closed,
}
