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
//!
//! The code is split by direction: `input.rs` is RFC 9293 §3.10.7
//! ("SEGMENT ARRIVES"), `output.rs` the timers and the choice of the next
//! segment. Choices where the RFCs leave room:
//!
//! - **Delayed ACK** (RFC 1122 §4.2.3.2, RFC 5681 §4.2): an ACK goes out at
//!   least for every second full-sized segment (2 · receive MSS of in-order
//!   bytes), else when `delayed_ack_ns` runs out. It goes out at once for
//!   an out-of-order segment (one duplicate ACK per such segment, even when
//!   several arrive between two polls), for a segment that fills or touches
//!   a hole, for a duplicate, for a FIN and for a GRO/LRO run cut at the
//!   window. PSH does not force an ACK (as in Linux): a sender's PSH only
//!   says "deliver", and the delayed-ACK timer bounds the wait anyway.
//! - **Nagle** is Minshall's refinement (as in Linux): a short segment
//!   waits only while an earlier short segment is unacknowledged, so the
//!   tail of a bulk write never waits for the peer's delayed ACK.
//! - **Window updates** after the application reads go out on their own
//!   only when what we advertised had fallen below half the full window
//!   (and the window grew by the receiver-SWS threshold); otherwise the
//!   larger window rides on the next ACK. One pure update per read would
//!   double a bulk receiver's ACKs.
//! - **Duplicate ACKs**: RFC 5681 §2's definition, or with SACK RFC 6675's
//!   (an ACK carrying new SACK information, even with data). With SACK the
//!   first unacknowledged segment is also deemed lost once more than
//!   2 · SMSS above it are SACKed (RFC 6675 IsLost), so coalesced ACKs do
//!   not hide a loss. Limited transmit (RFC 3042) is on.
//! - **Recovery with SACK** follows RFC 6675's pipe against `ssthresh`
//!   (holes first, then new data); without SACK NewReno's inflated `cwnd`.
//! - **RTT**: from TSecr when timestamps are on (ignoring echoes of TSvals
//!   sent before the last RTO, Karn's rule carried over: an ACK of a
//!   duplicate echoes an old TS.Recent, RFC 7323 §4.3), else one timed
//!   segment at a time with Karn's rule.
//! - **Zero window**: the persist timer sends one new byte past the window
//!   (SND.NXT does not move; SND.MAX does, so its ACK is acceptable), at
//!   RTO · 2^n capped at the maximum RTO; it never gives up (RFC 1122
//!   §4.2.2.17). The same timer is the sender-SWS "override" when a window
//!   smaller than a segment stays open with nothing in flight.
//! - **Segments without data** carry SEQ = SND.MAX, or the right edge of the
//!   peer's window if SND.MAX lies beyond it, so the peer finds them
//!   acceptable.
//! - A segment without timestamps on a connection that negotiated them is
//!   accepted (RFC 7323 §3.2 lets a receiver drop it; Linux accepts it).
//! - `close()` in SYN-SENT ends the connection at once (RFC 9293 §3.10.4).
//!   A RST in TIME-WAIT closes it (RFC 9293; not RFC 1337).
//! - RSTs from synchronized states carry ACK (RST|ACK, SEQ = SND.MAX).
//!
//! Not implemented: tail loss probes and RACK (RFC 8985; a lost ACK of a
//! whole flight or a lost tail waits for the RTO), D-SACK and spurious
//! retransmission undo (F-RTO), ECN, urgent data (the pointer is ignored).

use super::buffer::{RecvBuffer, SendBuffer};
use super::congestion::NewReno;
use super::rtt::{RtoEstimator, RttTimer, MS, SEC};
use super::scoreboard::Scoreboard;
use crate::wire::TcpRepr;
use crate::wire::TcpSeqNumber;
use std::net::SocketAddr;

/// A pending RST: its sequence number and the acknowledgement it carries
/// (RST|ACK from a synchronized state, as every segment there carries an
/// ACK; a bare RST answering an unacceptable ACK in SYN-SENT/SYN-RECEIVED).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PendingRst {
    pub(crate) seq: TcpSeqNumber,
    pub(crate) ack: Option<TcpSeqNumber>,
}

/// A TCP connection: the TCB of RFC 9293 §3.3.1 plus the state of every
/// mechanism layered on it. All fields are plain data.
#[derive(Debug, Clone)]
pub struct Connection {
    pub(crate) config: TcpConfig,
    pub(crate) local: SocketAddr,
    pub(crate) remote: SocketAddr,
    pub(crate) state: State,
    pub(crate) close_reason: Option<CloseReason>,
    pub(crate) stats: ConnStats,
    /// The last `now` seen (what `poll_at` answers when something is due).
    pub(crate) now: u64,

    // Send sequence space (RFC 9293 §3.3.1).
    pub(crate) iss: TcpSeqNumber,
    pub(crate) snd_una: TcpSeqNumber,
    /// Next sequence number to send; moves back to SND.UNA after an RTO
    /// (go-back-N), so it may lie below `snd_max`.
    pub(crate) snd_nxt: TcpSeqNumber,
    /// One past the highest sequence number ever sent.
    pub(crate) snd_max: TcpSeqNumber,
    /// One past the last sub-MSS segment of new data sent (Minshall's
    /// Nagle: a small segment waits only while another is unacknowledged).
    pub(crate) snd_sml: TcpSeqNumber,
    /// The peer's window in bytes (scaled).
    pub(crate) snd_wnd: u32,
    pub(crate) max_snd_wnd: u32,
    pub(crate) snd_wl1: TcpSeqNumber,
    pub(crate) snd_wl2: TcpSeqNumber,
    /// Our SYN was acknowledged (send buffer offset 0 is then SND.UNA).
    pub(crate) syn_acked: bool,
    /// Sequence number of our FIN once the application closed.
    pub(crate) fin_seq: Option<TcpSeqNumber>,

    // Receive sequence space.
    pub(crate) irs: TcpSeqNumber,
    pub(crate) rcv_nxt: TcpSeqNumber,
    /// Right edge of the window we advertised (never moves left).
    pub(crate) rcv_adv: TcpSeqNumber,
    /// The peer's FIN, seen (possibly out of order) but not yet reached.
    pub(crate) peer_fin: Option<TcpSeqNumber>,
    pub(crate) fin_rcvd: bool,

    // Negotiated options.
    /// The MSS we send with: the least of the peer's, ours and the path's.
    pub(crate) send_mss: u16,
    /// The MSS the peer announced (or RFC 9293's default without one).
    pub(crate) peer_mss: u16,
    /// What the path MTU allows (its MTU less the IP and TCP headers;
    /// `u16::MAX` while no smaller path MTU is known): RFC 1191 / 8201.
    pub(crate) path_mss: u16,
    pub(crate) ws_ok: bool,
    pub(crate) snd_shift: u8,
    pub(crate) rcv_shift: u8,
    pub(crate) sack_ok: bool,
    pub(crate) ts_ok: bool,
    pub(crate) ts_offset: u32,
    pub(crate) ts_recent: u32,
    pub(crate) ts_recent_age: u64,
    pub(crate) last_ack_sent: TcpSeqNumber,
    /// Our TSval at the last RTO: echoes older than this give no RTT sample.
    pub(crate) ts_rto_floor: u32,

    // Buffers and estimators.
    pub(crate) sndbuf: SendBuffer,
    pub(crate) rcvbuf: RecvBuffer,
    pub(crate) scoreboard: Scoreboard,
    pub(crate) cc: NewReno,
    pub(crate) rto: RtoEstimator,
    pub(crate) rtt: RttTimer,

    // Loss recovery.
    /// Retransmit one segment from SND.UNA now (fast retransmit, partial ACK).
    pub(crate) rtx_one: bool,
    /// Highest sequence retransmitted during SACK recovery.
    pub(crate) rtx_hi: TcpSeqNumber,
    /// Bytes retransmitted during the current recovery (RFC 6675 pipe).
    pub(crate) rtx_out: u32,
    /// The first hole's last retransmission during SACK recovery: SND.UNA
    /// then and SND.NXT then (data SACKed beyond it shows it was lost).
    pub(crate) rtx_mark: Option<(TcpSeqNumber, TcpSeqNumber)>,
    /// Consecutive retransmission timeouts.
    pub(crate) retries: u32,

    // Pending output.
    pub(crate) pending_rst: Option<PendingRst>,
    pub(crate) ack_now: bool,
    /// Pure ACKs still owed, one per out-of-order segment received.
    pub(crate) acks_owed: u8,
    /// Earlier ACK points still to acknowledge separately, oldest first:
    /// when several segments arrive between two polls, the ACK "every
    /// second full-sized segment" (RFC 5681 §4.2) is sent for each pair,
    /// as a receiver handling them one by one would (bounded).
    pub(crate) ack_points: [TcpSeqNumber; MAX_ACK_POINTS],
    pub(crate) n_ack_points: u8,
    /// RCV.NXT when the pending immediate ACK became due.
    pub(crate) ack_due_at: Option<TcpSeqNumber>,
    /// In-order bytes received since the last ACK we sent.
    pub(crate) unacked_bytes: usize,
    pub(crate) persist_fired: bool,
    pub(crate) keepalive_fired: bool,
    pub(crate) challenge_epoch: u64,
    /// When we last answered an out-of-window segment without data.
    pub(crate) oow_ack_at: Option<u64>,
    pub(crate) challenge_count: u32,

    // Timers (absolute deadlines, ns).
    pub(crate) rtx_deadline: Option<u64>,
    pub(crate) persist_deadline: Option<u64>,
    pub(crate) persist_backoff: u32,
    pub(crate) delack_deadline: Option<u64>,
    pub(crate) keepalive_deadline: Option<u64>,
    pub(crate) keepalive_sent: u32,
    pub(crate) time_wait_deadline: Option<u64>,
    /// Last time a segment was accepted from the peer.
    pub(crate) last_rx: u64,
    /// Last time new data was sent (for the RFC 5681 §4.1 idle restart).
    pub(crate) last_tx: u64,

    pub(crate) nagle: bool,
    pub(crate) keepalive: Option<Keepalive>,
    /// Opened by `connect` (a RST in SYN-RECEIVED then means "refused").
    pub(crate) active_open: bool,
    /// The last soft ICMP error since SND.UNA last advanced (RFC 1122
    /// §4.2.3.9): reported, and the cause if the retransmissions run out.
    pub(crate) soft_error: Option<crate::socket::IcmpError>,
}

/// Separate ACK points remembered at most (see `Connection::ack_points`).
pub(crate) const MAX_ACK_POINTS: usize = 16;
/// Bytes of TCP options on every segment once timestamps are negotiated
/// (10 + 2 NOPs).
pub(crate) const TS_OPTION_LEN: u16 = 12;
/// Smallest send MSS we accept from a peer (RFC 9293 lets a host protect
/// itself against absurdly small segments; Linux uses 48).
const MIN_PEER_MSS: u16 = 64;

/// Least time between two ACKs sent in answer to out-of-window segments
/// that carry no data (Linux's `tcp_invalid_ratelimit` default).
pub const OOW_ACK_INTERVAL_NS: u64 = 500 * MS;

impl Connection {
    fn new(config: TcpConfig, local: SocketAddr, remote: SocketAddr, iss: u32, now: u64) -> Self {
        let iss = TcpSeqNumber(iss);
        // RFC 6298 §2.5 bounds: a maximum below 60 s is raised to 60 s and
        // the minimum kept below the maximum.
        let mut rc = config.rto;
        rc.max_rto_ns = rc.max_rto_ns.max(60 * SEC);
        rc.min_rto_ns = rc.min_rto_ns.min(rc.max_rto_ns);
        let rto = RtoEstimator::new(rc).unwrap_or_default();
        let send_mss = config.mss.max(MIN_PEER_MSS);
        let recv_buffer = config.recv_buffer.clamp(1, 1 << 30);
        let mut c = Connection {
            config,
            local,
            remote,
            state: State::Closed,
            close_reason: None,
            stats: ConnStats::default(),
            now,
            iss,
            snd_una: iss,
            snd_nxt: iss,
            snd_max: iss,
            snd_sml: iss,
            snd_wnd: 0,
            max_snd_wnd: 0,
            snd_wl1: TcpSeqNumber(0),
            snd_wl2: iss,
            syn_acked: false,
            fin_seq: None,
            irs: TcpSeqNumber(0),
            rcv_nxt: TcpSeqNumber(0),
            rcv_adv: TcpSeqNumber(0),
            peer_fin: None,
            fin_rcvd: false,
            send_mss,
            peer_mss: send_mss,
            path_mss: u16::MAX,
            ws_ok: false,
            snd_shift: 0,
            rcv_shift: 0,
            sack_ok: false,
            ts_ok: false,
            // A per-connection clock offset (RFC 7323 §5.4 allows any).
            ts_offset: iss.0.rotate_left(13) ^ 0x5bd1_e995,
            ts_recent: 0,
            ts_recent_age: now,
            last_ack_sent: TcpSeqNumber(0),
            ts_rto_floor: 0,
            sndbuf: SendBuffer::new(config.send_buffer.max(1)),
            rcvbuf: RecvBuffer::new(recv_buffer, config.max_ooo_ranges),
            scoreboard: Scoreboard::new(config.max_ooo_ranges.max(4)),
            cc: NewReno::new(u32::from(send_mss)),
            rto,
            rtt: RttTimer::new(),
            rtx_one: false,
            rtx_hi: iss,
            rtx_out: 0,
            rtx_mark: None,
            retries: 0,
            pending_rst: None,
            ack_now: false,
            acks_owed: 0,
            ack_points: [TcpSeqNumber(0); MAX_ACK_POINTS],
            n_ack_points: 0,
            ack_due_at: None,
            unacked_bytes: 0,
            persist_fired: false,
            keepalive_fired: false,
            challenge_epoch: 0,
            oow_ack_at: None,
            challenge_count: 0,
            rtx_deadline: None,
            persist_deadline: None,
            persist_backoff: 0,
            delack_deadline: None,
            keepalive_deadline: None,
            keepalive_sent: 0,
            time_wait_deadline: None,
            last_rx: now,
            last_tx: now,
            nagle: config.nagle,
            keepalive: config.keepalive,
            active_open: false,
            soft_error: None,
        };
        c.ts_rto_floor = c.ts_now(now);
        c
    }

    /// Our window shift: the smallest that lets `recv_buffer` fit in the
    /// 16-bit window field (RFC 7323 §2.3), at most 14.
    pub(crate) fn wanted_rcv_shift(&self) -> u8 {
        let mut shift = 0u8;
        while shift < 14 && (self.config.recv_buffer >> shift) > 0xffff {
            shift += 1;
        }
        shift
    }

    /// Default send MSS without an MSS option (RFC 9293 §3.7.1).
    fn default_peer_mss(&self) -> u16 {
        if self.remote.is_ipv4() {
            536
        } else {
            1220
        }
    }

    /// Applies the options of the peer's SYN (or SYN-ACK). We offered what
    /// the config enables, so an option is in use iff the peer sent it.
    pub(crate) fn negotiate(&mut self, syn: &TcpRepr, now: u64) {
        self.peer_mss = syn.max_seg_size.unwrap_or(self.default_peer_mss());
        self.update_send_mss();
        self.ws_ok = self.config.window_scaling && syn.window_scale.is_some();
        if self.ws_ok {
            self.snd_shift = syn.window_scale.unwrap_or(0).min(14);
            self.rcv_shift = self.wanted_rcv_shift();
        } else {
            self.snd_shift = 0;
            self.rcv_shift = 0;
        }
        self.sack_ok = self.config.sack && syn.sack_permitted;
        match (self.config.timestamps, syn.timestamp) {
            (true, Some((tsval, _))) => {
                self.ts_ok = true;
                self.ts_recent = tsval;
                self.ts_recent_age = now;
            }
            _ => self.ts_ok = false,
        }
        self.cc = NewReno::new(u32::from(self.eff_mss()));
    }

    /// SMSS from what bounds it (RFC 9293 §3.7.1, RFC 1191 §3): the peer's
    /// MSS, ours, and the path's; never below 64 bytes. The congestion
    /// controller's segment size follows.
    pub(crate) fn update_send_mss(&mut self) {
        self.send_mss = self
            .peer_mss
            .min(self.config.mss)
            .min(self.path_mss)
            .max(MIN_PEER_MSS);
        self.cc.smss = u32::from(self.eff_mss());
    }

    /// Payload bytes per full-sized segment we send: the send MSS minus the
    /// options every segment carries (RFC 6691).
    pub(crate) fn eff_mss(&self) -> u16 {
        let opts = if self.ts_ok { TS_OPTION_LEN } else { 0 };
        self.send_mss.saturating_sub(opts).max(1)
    }

    /// Payload bytes of a full-sized segment the peer sends us.
    pub(crate) fn rcv_mss(&self) -> usize {
        let opts = if self.ts_ok { TS_OPTION_LEN } else { 0 };
        usize::from(self.config.mss.saturating_sub(opts).max(1))
    }

    /// Sequence number of send-buffer offset 0.
    pub(crate) fn buf_base(&self) -> TcpSeqNumber {
        if self.syn_acked {
            self.snd_una
        } else {
            self.iss + 1
        }
    }

    /// One past the last queued data byte.
    pub(crate) fn data_end(&self) -> TcpSeqNumber {
        self.buf_base() + self.sndbuf.len()
    }

    /// Ends the connection: no timer stays armed.
    pub(crate) fn enter_closed(&mut self, reason: CloseReason) {
        self.state = State::Closed;
        if self.close_reason.is_none() {
            self.close_reason = Some(reason);
        }
        self.ack_now = false;
        self.n_ack_points = 0;
        self.rtx_one = false;
        self.persist_fired = false;
        self.keepalive_fired = false;
        self.rtx_deadline = None;
        self.persist_deadline = None;
        self.delack_deadline = None;
        self.keepalive_deadline = None;
        self.time_wait_deadline = None;
        self.rtt.on_retransmit();
    }

    pub(crate) fn enter_time_wait(&mut self, now: u64) {
        self.state = State::TimeWait;
        self.rtx_deadline = None;
        self.persist_deadline = None;
        self.keepalive_deadline = None;
        self.rtx_one = false;
        self.persist_fired = false;
        self.keepalive_fired = false;
        self.time_wait_deadline = Some(now.saturating_add(self.config.time_wait_ns));
    }

    /// Whether the state has exchanged SYNs (RST rather than nothing on abort).
    pub(crate) fn synchronized(&self) -> bool {
        !matches!(self.state, State::Closed | State::Listen | State::SynSent)
    }

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
        let mut c = Connection::new(config, local, remote, iss, now);
        c.state = State::SynSent;
        c.active_open = true;
        c.peer_mss = c.default_peer_mss();
        c.update_send_mss();
        c
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
        let mut c = Connection::new(config, local, remote, iss, now);
        c.state = State::SynReceived;
        c.irs = syn.seq_number;
        c.rcv_nxt = c.irs + 1;
        c.rcv_adv = c.rcv_nxt;
        c.negotiate(syn, now);
        // SYN windows are never scaled (RFC 7323 §2.2).
        c.snd_wnd = u32::from(syn.window_len);
        c.max_snd_wnd = c.snd_wnd;
        c.snd_wl1 = c.irs;
        c.snd_wl2 = c.iss;
        c
    }

    pub fn state(&self) -> State {
        self.state
    }
    pub fn local(&self) -> SocketAddr {
        self.local
    }
    pub fn remote(&self) -> SocketAddr {
        self.remote
    }
    /// Why the connection reached CLOSED, once it has.
    pub fn close_reason(&self) -> Option<CloseReason> {
        if self.state == State::Closed {
            self.close_reason
        } else {
            None
        }
    }
    pub fn stats(&self) -> &ConnStats {
        &self.stats
    }
    /// Lowers the MSS we announce (and so the send MSS, which ours caps) to
    /// `link_mss`, what the link carries for this connection's family; a
    /// no-op when it is not lower. The interface calls it with the device's
    /// MTU less the IP and TCP headers before a connection's segments are
    /// built, so the SYN or SYN-ACK announces it (RFC 9293 §3.7.1). Never
    /// below 64 bytes (the floor the send MSS keeps).
    pub fn limit_mss(&mut self, link_mss: u16) {
        let mss = link_mss.max(MIN_PEER_MSS);
        if mss < self.config.mss {
            self.config.mss = mss;
            self.update_send_mss();
        }
    }
    /// The MSS we send with: the peer's announced MSS, capped by ours and
    /// by the path MTU's ([`set_path_mss`](Self::set_path_mss)).
    pub fn send_mss(&self) -> u16 {
        self.send_mss
    }
    /// Whether SACK was negotiated (both sides offered it).
    pub fn sack_enabled(&self) -> bool {
        self.sack_ok
    }
    /// Whether timestamps were negotiated.
    pub fn timestamps_enabled(&self) -> bool {
        self.ts_ok
    }
    /// Our and the peer's window shift, once negotiated.
    pub fn window_shifts(&self) -> (u8, u8) {
        (self.rcv_shift, self.snd_shift)
    }
    /// The congestion controller's state (cwnd, ssthresh, phase).
    pub fn congestion(&self) -> &NewReno {
        &self.cc
    }
    /// The RTO estimator's state (SRTT, RTTVAR, RTO).
    pub fn rto_estimator(&self) -> &RtoEstimator {
        &self.rto
    }
    /// The peer's current send window in bytes (scaled).
    pub fn peer_window(&self) -> u32 {
        self.snd_wnd
    }
    /// SND.UNA, SND.NXT and SND.MAX (one past the highest sequence number
    /// ever sent; SND.NXT may lie below it after a timeout): the flight an
    /// ICMP error must quote a segment of ([`icmp_seq_acceptable`](Self::icmp_seq_acceptable)).
    pub fn send_sequence(&self) -> (TcpSeqNumber, TcpSeqNumber, TcpSeqNumber) {
        (self.snd_una, self.snd_nxt, self.snd_max)
    }

    /// Handles one received segment addressed to this connection (the
    /// caller matched the 4-tuple and verified the checksum). `payload` is
    /// the segment's data (`seg.payload_len` bytes, possibly a GRO/LRO
    /// coalesced run longer than the MSS). Implements RFC 9293 §3.10.7
    /// ("SEGMENT ARRIVES") for every state, with RFC 7323 PAWS, RFC 5961
    /// challenge ACKs, SACK processing and NewReno; replies (ACKs,
    /// challenge ACKs, RSTs) are queued for [`poll_transmit`](Self::poll_transmit).
    /// `payload.len()` is trusted over `seg.payload_len`.
    pub fn on_segment(&mut self, now: u64, seg: &TcpRepr, payload: &[u8]) {
        self.now = self.now.max(now);
        self.input(now, seg, payload);
        self.update_timers(now);
    }

    /// The next segment to send now, if any: a queued control segment
    /// (SYN, SYN-ACK, RST, FIN, ACK, challenge ACK, window or keep-alive
    /// probe), a retransmission, or new data as the windows, Nagle and the
    /// send buffer allow. Runs the timers that are due at `now` first.
    /// `max_payload` caps the payload: the send MSS for ordinary segments,
    /// or up to 64 KiB minus headers to let the device (TSO) or software
    /// (GSO) segment. Call until it returns `None`.
    pub fn poll_transmit(&mut self, now: u64, max_payload: usize) -> Option<Outgoing> {
        self.now = self.now.max(now);
        self.run_timers(now);
        let out = self.transmit(now, max_payload.max(1));
        self.update_timers(now);
        out
    }

    /// When the connection next needs [`poll_transmit`](Self::poll_transmit)
    /// for a timer (retransmission, delayed ACK, persist, keep-alive,
    /// TIME-WAIT), or `None` if no timer is armed. When a segment can be
    /// sent right away it answers the time of the last event.
    pub fn poll_at(&self) -> Option<u64> {
        if self.plan(usize::from(self.eff_mss())).is_some() {
            return Some(self.now);
        }
        [
            self.rtx_deadline,
            self.persist_deadline,
            self.delack_deadline,
            self.keepalive_deadline,
            self.time_wait_deadline,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Queues bytes to send; returns how many fit in the send buffer. Error
    /// if the connection can no longer send (after `close`, or closed).
    pub fn send(&mut self, data: &[u8]) -> Result<usize, ConnError> {
        match self.state {
            State::Closed | State::Listen => Err(ConnError::Closed),
            _ if self.fin_seq.is_some() => Err(ConnError::SendClosed),
            State::SynSent | State::SynReceived | State::Established | State::CloseWait => {
                Ok(self.sndbuf.push(data))
            }
            _ => Err(ConnError::SendClosed),
        }
    }
    /// Room in the send buffer.
    pub fn send_capacity(&self) -> usize {
        self.sndbuf.free()
    }
    /// Bytes queued and not yet acknowledged.
    pub fn send_queued(&self) -> usize {
        self.sndbuf.len()
    }
    /// Copies received in-order bytes into `dst`; 0 means nothing to read
    /// now (see [`recv_finished`](Self::recv_finished) for end of stream).
    pub fn recv(&mut self, dst: &mut [u8]) -> usize {
        let n = self.rcvbuf.read(dst);
        if n > 0 {
            self.check_window_update();
        }
        n
    }
    /// Zero-copy receive: the next contiguous run of received bytes.
    pub fn recv_peek(&self) -> &[u8] {
        self.rcvbuf.peek()
    }
    /// Marks `n` bytes of [`recv_peek`](Self::recv_peek) read (opens the
    /// window; a window update is sent if it grew enough, RFC 9293 §3.8.6.2.2).
    pub fn recv_consume(&mut self, n: usize) {
        self.rcvbuf.consume(n);
        if n > 0 {
            self.check_window_update();
        }
    }
    /// In-order bytes waiting to be read.
    pub fn recv_available(&self) -> usize {
        self.rcvbuf.readable()
    }
    /// The peer sent FIN and every byte before it has been read.
    pub fn recv_finished(&self) -> bool {
        self.fin_rcvd && self.rcvbuf.readable() == 0
    }
    /// Graceful close: a FIN goes out after the queued data (RFC 9293
    /// §3.10.4). Idempotent. In SYN-SENT the connection simply ends
    /// (CLOSED, reason `Normal`), as RFC 9293 prescribes; in SYN-RECEIVED
    /// the FIN waits for the handshake to complete.
    pub fn close(&mut self) {
        if self.fin_seq.is_some() {
            return;
        }
        match self.state {
            State::SynSent => self.enter_closed(CloseReason::Normal),
            State::SynReceived => self.fin_seq = Some(self.data_end()),
            State::Established => {
                self.fin_seq = Some(self.data_end());
                self.state = State::FinWait1;
            }
            State::CloseWait => {
                self.fin_seq = Some(self.data_end());
                self.state = State::LastAck;
            }
            _ => {}
        }
        self.update_timers(self.now);
    }
    /// Abort: a RST goes out (if synchronized) and the connection is CLOSED.
    pub fn abort(&mut self) {
        match self.state {
            State::SynReceived
            | State::Established
            | State::FinWait1
            | State::FinWait2
            | State::CloseWait => {
                self.pending_rst = Some(PendingRst {
                    seq: self.snd_max,
                    ack: Some(self.rcv_nxt),
                });
                self.enter_closed(CloseReason::Aborted);
            }
            State::Closed => {}
            _ => self.enter_closed(CloseReason::Aborted),
        }
    }
    /// Switches Nagle's algorithm (TCP_NODELAY is `false`).
    pub fn set_nagle(&mut self, on: bool) {
        self.nagle = on;
    }
    pub fn set_keepalive(&mut self, keepalive: Option<Keepalive>, now: u64) {
        self.now = self.now.max(now);
        self.keepalive = keepalive;
        self.keepalive_sent = 0;
        self.keepalive_deadline = None;
        self.last_rx = now;
        self.update_timers(now);
    }
}

mod cookie;
mod icmp;
pub use icmp::{IcmpEffect, IcmpKind};
mod input;
mod output;
mod types;

pub use types::{CloseReason, ConnError, ConnStats, Keepalive, Outgoing, State, TcpConfig};
#[cfg(test)]
pub(super) mod tests;
