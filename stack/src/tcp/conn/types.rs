//! The public value types of a connection: its state, configuration,
//! counters, close reasons, outgoing segments and errors.

use super::super::rtt::{RtoConfig, MS, SEC};
use crate::wire::TcpRepr;

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
    /// MSS we announce at most: the largest payload we accept in one
    /// segment (link MTU minus IP and TCP headers; RFC 6691: no options
    /// counted). The interface lowers it per connection to what its device
    /// carries for the family (1460 over IPv4, 1440 over IPv6 on a 1500-byte
    /// link; [`Connection::limit_mss`](super::Connection::limit_mss)).
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
    /// RTO bounds (RFC 6298); a maximum below the 60 s RFC 6298 §2.5
    /// requires is raised to 60 s.
    pub rto: RtoConfig,
    pub keepalive: Option<Keepalive>,
    /// TIME-WAIT duration (2·MSL).
    pub time_wait_ns: u64,
    /// Out-of-order ranges held for reassembly at most.
    pub max_ooo_ranges: usize,
    /// Challenge ACKs sent per second at most (RFC 5961 §7).
    pub challenge_ack_limit: u32,
    /// SYN retransmissions of a connect before giving up.
    pub syn_retries: u32,
    /// SYN-ACK retransmissions of a half-open connection (SYN-RECEIVED)
    /// before giving up on it: its age limit in a listener's half-open
    /// queue (Linux's `tcp_synack_retries`, 5: about 63 s with a 1 s
    /// initial RTO).
    pub synack_retries: u32,
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
            synack_retries: 5,
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
    /// An ICMP error ended it: a hard error (protocol or port unreachable)
    /// while connecting, or the retransmissions ran out after a soft error
    /// (host unreachable, ...) that is then the cause reported instead of
    /// `TimedOut` (RFC 1122 §4.2.3.9, as Linux's `sk_err_soft`).
    Unreachable(crate::socket::IcmpError),
}

counters! {
    /// What a connection counted; every dropped or answered bad segment has a
    /// counter.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct ConnStats {
        /// Segments handed to `on_segment` in a state that has a TCB.
        pub segs_in: u64,
        /// Segments returned by `poll_transmit` (a super-segment counts once).
        pub segs_out: u64,
        /// Payload bytes placed in the receive buffer (after trimming what was
        /// already received; out-of-order bytes included).
        pub bytes_in: u64,
        /// Payload bytes sent, retransmissions included.
        pub bytes_out: u64,
        /// Segments sent again (RTO go-back-N, fast retransmit, SACK holes).
        pub retransmits: u64,
        /// Entries into fast recovery.
        pub fast_retransmits: u64,
        pub rto_expiries: u64,
        /// Duplicate ACKs received (RFC 5681 §2, or RFC 6675 §2 with SACK).
        pub dup_acks_in: u64,
        /// SACKed bytes passed over by retransmissions in SACK recovery.
        pub sacked_bytes_skipped: u64,
        /// Segments outside the window (answered with an ACK, RFC 9293 §3.10.7.4).
        pub out_of_window: u64,
        /// Payload bytes of acceptable segments past the right edge of the
        /// window we advertised, trimmed (RFC 9293 §3.10.7.4).
        pub bytes_trimmed: u64,
        /// ACKs not sent in answer to out-of-window segments without data,
        /// beyond one per [`OOW_ACK_INTERVAL_NS`](super::OOW_ACK_INTERVAL_NS)
        /// (as Linux's `tcp_invalid_ratelimit`: a forged or looping ACK stream
        /// must not make us flood the peer with duplicate ACKs).
        pub oow_acks_suppressed: u64,
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
        /// ACKs sent because the delayed-ACK timer ran out.
        pub delayed_acks: u64,
        /// ICMP errors for this connection whose quoted SEQ lay outside
        /// [SND.UNA, SND.MAX) (RFC 5927 §4.1), ignored.
        pub icmp_out_of_window: u64,
        /// Soft ICMP errors taken (reported, the connection goes on).
        pub icmp_soft_errors: u64,
        /// Path MTU decreases taken, and those that sent the data in flight
        /// again at the smaller size (RFC 1191 §6.4).
        pub pmtu_decreases: u64,
        pub pmtu_resends: u64,
    }
}

/// One segment to send: the header and its payload. `repr.payload_len`
/// equals `payload.len()`. The payload may exceed the MSS when the caller
/// allowed it (`max_payload` of [`Connection::poll_transmit`](super::Connection::poll_transmit)): that is a
/// TSO/GSO super-segment the device or software splits at `mss` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub repr: TcpRepr,
    pub payload: Vec<u8>,
    /// Segment size to split a super-segment at: the effective send MSS.
    pub mss: u16,
}

/// Why an application call on a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ConnError {
    #[error("connection is closing: no more data can be sent")]
    SendClosed,
    #[error("connection is closed")]
    Closed,
}
