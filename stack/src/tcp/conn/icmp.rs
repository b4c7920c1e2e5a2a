//! ICMP errors for a connection (RFC 1122 §4.2.3.9, RFC 5461, RFC 5927)
//! and the path MTU it sends with (RFC 1191, RFC 8201).
//!
//! - **Validation** (RFC 5927 §4.1): an error counts only if the sequence
//!   number of the segment it quotes lies in [SND.UNA, SND.MAX), what we
//!   have sent and not had acknowledged. (SND.MAX rather than SND.NXT:
//!   after a timeout SND.NXT moves back to SND.UNA while segments up to
//!   SND.MAX are still in the network.) With nothing in flight nothing is
//!   acceptable. Others are counted (`icmp_out_of_window`) and change
//!   nothing, so an off-path attacker must guess a sequence number inside
//!   our flight to do anything at all.
//! - **Soft and hard errors**: protocol and port unreachable are hard
//!   ([`IcmpError::is_hard`]) and end a connection that is still opening
//!   (SYN-SENT, SYN-RECEIVED; `CloseReason::Unreachable`). Every other
//!   error, and every error once synchronized (RFC 5461 §4: a connection
//!   that got through is not torn down by a router's say-so), is soft: it
//!   is kept ([`Connection::soft_error`]) and the retransmissions go on. If
//!   they run out, the soft error is the reason given instead of
//!   `TimedOut`. It is forgotten when SND.UNA advances.
//! - **Path MTU** ([`IcmpKind::PacketTooBig`], [`Connection::set_path_mss`]):
//!   the send MSS drops to what the path carries. Data in flight at the old
//!   size was dropped by the narrower hop, so it is sent again from SND.UNA
//!   at once, cut at the new size; that is not congestion, so cwnd and
//!   ssthresh stay (as Linux's `tcp_simple_retransmit`). A larger path MTU
//!   (the estimate aged out) raises the MSS again, up to the peer's and ours.

use super::{CloseReason, Connection, State};
use crate::socket::IcmpError;
use crate::wire::TcpSeqNumber;

/// What an ICMP error reports to a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IcmpKind {
    /// Destination Unreachable, Time Exceeded, Parameter Problem.
    Error(IcmpError),
    /// Fragmentation Needed / Packet Too Big: the path carries segments of
    /// at most `mss` bytes (its MTU less the IP and TCP headers).
    PacketTooBig { mss: u16 },
}

/// What [`Connection::on_icmp`] made of an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IcmpEffect {
    /// The quoted SEQ is not in flight (or nothing is): ignored, counted.
    OutOfWindow,
    /// A soft error, kept and reported; the connection goes on.
    Soft,
    /// A hard error while opening: the connection is CLOSED.
    Aborted,
    /// The send MSS dropped to the path's.
    MssLowered,
    /// The path's MSS is no smaller than the one in use: nothing to do.
    MssUnchanged,
}

impl Connection {
    /// Whether an ICMP error quoting a segment that began at `seq` may be
    /// about a segment of ours in flight (RFC 5927 §4.1, see the module).
    pub fn icmp_seq_acceptable(&self, seq: TcpSeqNumber) -> bool {
        !matches!(self.state, State::Closed | State::Listen | State::TimeWait)
            && self.snd_una.le(seq)
            && seq.lt(self.snd_max)
    }

    /// An ICMP error about the segment that began at `seq` (the caller
    /// matched the quoted 4-tuple). See the module for what each does.
    pub fn on_icmp(&mut self, now: u64, seq: TcpSeqNumber, kind: IcmpKind) -> IcmpEffect {
        self.now = self.now.max(now);
        if !self.icmp_seq_acceptable(seq) {
            self.stats.icmp_out_of_window += 1;
            return IcmpEffect::OutOfWindow;
        }
        let effect = match kind {
            IcmpKind::PacketTooBig { mss } => {
                if self.set_path_mss(Some(mss)) {
                    IcmpEffect::MssLowered
                } else {
                    IcmpEffect::MssUnchanged
                }
            }
            IcmpKind::Error(e)
                if e.is_hard() && matches!(self.state, State::SynSent | State::SynReceived) =>
            {
                self.enter_closed(CloseReason::Unreachable(e));
                IcmpEffect::Aborted
            }
            IcmpKind::Error(e) => {
                self.soft_error = Some(e);
                self.stats.icmp_soft_errors += 1;
                IcmpEffect::Soft
            }
        };
        self.update_timers(now);
        effect
    }

    /// The soft ICMP error last reported since SND.UNA last advanced, if
    /// any: while connecting, why the SYN gets no answer yet.
    pub fn soft_error(&self) -> Option<IcmpError> {
        self.soft_error
    }

    /// Sets the MSS the path allows (`None`: no estimate, the path takes
    /// what the link does). Lowering it below the send MSS in use sends
    /// the data in flight again from SND.UNA at the new size (counted in
    /// `pmtu_resends`); raising it only lets later segments grow (up to
    /// the peer's MSS and ours). Returns whether the send MSS went down.
    /// The interface calls it with its per-destination path MTU cache
    /// before a connection's segments are built, and on a validated
    /// Fragmentation Needed / Packet Too Big.
    pub fn set_path_mss(&mut self, path_mss: Option<u16>) -> bool {
        let path_mss = path_mss.unwrap_or(u16::MAX);
        if path_mss == self.path_mss {
            return false;
        }
        let before = self.eff_mss();
        self.path_mss = path_mss;
        self.update_send_mss();
        let lowered = self.eff_mss() < before;
        if !lowered {
            return false;
        }
        self.stats.pmtu_decreases += 1;
        let data_in_flight = self.syn_acked && self.snd_una.lt(self.snd_max);
        if data_in_flight && self.synchronized() {
            // RFC 1191 §6.4: what was sent at the old size is gone; send it
            // again now, resegmented (go-back-N from SND.UNA, as after a
            // timeout but without touching cwnd, ssthresh or the RTO).
            self.stats.pmtu_resends += 1;
            self.scoreboard.clear();
            self.rtx_one = false;
            self.rtx_hi = self.snd_una;
            self.rtx_out = 0;
            self.rtx_mark = None;
            self.snd_nxt = self.snd_una;
            self.rtt.on_retransmit();
        }
        true
    }

    /// Why the retransmissions ran out: the soft error last reported, if
    /// one was since SND.UNA last advanced, else `TimedOut`.
    pub(crate) fn timeout_reason(&self) -> CloseReason {
        match (self.state, self.soft_error) {
            // A half-open connection's SYN-ACKs ran out: the listener's
            // business (counted as expired), not an application's.
            (State::SynReceived, _) | (_, None) => CloseReason::TimedOut,
            (_, Some(e)) => CloseReason::Unreachable(e),
        }
    }
}
