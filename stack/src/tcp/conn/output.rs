//! Timers and the choice of the next segment: control segments first,
//! then retransmissions, then new data as the windows, Nagle and sender
//! SWS avoidance allow (RFC 9293 §3.8.6.2.1), then probes and pure ACKs.

use super::{CloseReason, Connection, Outgoing, PendingRst, State};
use crate::tcp::congestion::Phase;
use crate::wire::{TcpFlags, TcpRepr, TcpSeqNumber};

/// What [`Connection::plan`] decided to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Plan {
    Rst(PendingRst),
    /// SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED).
    Syn,
    /// `len` data bytes from `seq`, FIN after them if `fin`.
    Data {
        seq: TcpSeqNumber,
        len: usize,
        fin: bool,
        kind: DataKind,
    },
    /// One byte past a zero window (RFC 9293 §3.8.6.1).
    WindowProbe,
    /// SEQ = SND.UNA - 1, no data (RFC 1122 §4.2.3.6).
    KeepaliveProbe,
    /// A pure ACK of an earlier point (see `Connection::ack_points`).
    AckAt(TcpSeqNumber),
    Ack,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DataKind {
    /// Fast retransmit / partial-ACK retransmission of the first hole.
    FirstHole,
    /// A further hole during SACK recovery.
    SackHole,
    /// From SND.NXT (new data, or go-back-N after an RTO).
    Next,
}

/// Largest persist backoff exponent.
const MAX_PERSIST_BACKOFF: u32 = 16;

impl Connection {
    fn can_send_data(&self) -> bool {
        matches!(
            self.state,
            State::Established
                | State::CloseWait
                | State::FinWait1
                | State::Closing
                | State::LastAck
        )
    }

    /// Bytes queued after SND.NXT.
    fn unsent(&self) -> usize {
        let end = self.data_end();
        if self.snd_nxt.lt(end) {
            end.offset_from(self.snd_nxt)
        } else {
            0
        }
    }

    fn in_flight(&self) -> usize {
        if self.snd_una.lt(self.snd_nxt) {
            self.snd_nxt.offset_from(self.snd_una)
        } else {
            0
        }
    }

    /// RFC 6675 pipe: bytes outstanding that are neither SACKed nor deemed
    /// lost, plus what was retransmitted during this recovery (counted
    /// once more until acknowledged).
    fn pipe(&self) -> usize {
        self.in_flight()
            .saturating_sub(self.scoreboard.sacked_bytes() as usize)
            .saturating_sub(self.lost_bytes())
            .saturating_add(self.rtx_out as usize)
    }

    /// Bytes in holes below SND.NXT that RFC 6675 IsLost deems lost: more
    /// than (DupThresh - 1) · SMSS bytes are SACKed above them.
    fn lost_bytes(&self) -> usize {
        let ranges = self.scoreboard.ranges();
        let limit = 2 * usize::from(self.eff_mss());
        let mut lost = 0usize;
        let mut sacked_above = 0usize;
        // Walk from the highest range down; the hole below range i runs
        // from the end of range i - 1 (or SND.UNA) to its start.
        for i in (0..ranges.len()).rev() {
            let (left, right) = ranges[i];
            sacked_above += right.offset_from(left);
            let below = if i == 0 {
                self.snd_una
            } else {
                ranges[i - 1].1
            };
            if sacked_above > limit && below.lt(left) {
                lost += left.offset_from(below);
            }
        }
        lost
    }

    /// Bytes the congestion and receive windows allow beyond SND.NXT.
    fn send_budget(&self) -> usize {
        let flight = self.in_flight();
        let rwnd = (self.snd_wnd as usize).saturating_sub(flight);
        let cwnd = if self.sack_ok && self.cc.in_recovery() {
            (self.cc.ssthresh as usize).saturating_sub(self.pipe())
        } else {
            let mut cwnd = self.cc.cwnd as usize;
            if self.cc.phase == Phase::Open && (1..=2).contains(&self.cc.dupacks) {
                // Limited transmit (RFC 3042): one new segment per early
                // duplicate ACK keeps the ACK clock going in small windows.
                cwnd += self.cc.dupacks as usize * usize::from(self.eff_mss());
            }
            cwnd.saturating_sub(flight)
        };
        rwnd.min(cwnd)
    }

    /// Whether our FIN lies at `seq` and was sent before.
    fn fin_sent_at(&self, seq: TcpSeqNumber) -> bool {
        self.fin_seq == Some(seq) && self.snd_max.gt(seq)
    }

    /// New data from SND.NXT (RFC 9293 §3.8.6.2.1 with Nagle, RFC 1122
    /// §4.2.3.4). `force` is the persist timer's override.
    fn plan_next(&self, max_payload: usize, force: bool) -> Option<Plan> {
        let seq = self.snd_nxt;
        let unsent = self.unsent();
        if unsent == 0 {
            // A FIN alone needs no window.
            if self.fin_seq == Some(seq) {
                return Some(Plan::Data {
                    seq,
                    len: 0,
                    fin: true,
                    kind: DataKind::Next,
                });
            }
            return None;
        }
        let mss = usize::from(self.eff_mss());
        let mut len = unsent.min(self.send_budget()).min(max_payload);
        if len == 0 {
            return None;
        }
        let nothing_in_flight = self.in_flight() == 0;
        // Nagle as Minshall refined it (and Linux does): a short segment
        // waits only while an earlier short segment is unacknowledged, so
        // the tail of a bulk write does not wait for a delayed ACK.
        // (After a go-back-N SND.NXT may lie below it: not in flight then.)
        let small_in_flight = self.snd_sml.gt(self.snd_una) && self.snd_sml.le(self.snd_nxt);
        // A caller capping segments below the MSS gets full segments of its size.
        let full = len >= mss.min(max_payload);
        let all = len == unsent;
        let sws_ok = nothing_in_flight && len >= (self.max_snd_wnd as usize / 2).max(1);
        if !(full || (all && (!self.nagle || !small_in_flight)) || sws_ok || force) {
            return None;
        }
        if len > mss && !all {
            len -= len % mss;
        }
        let fin = self.fin_seq == Some(seq + len);
        Some(Plan::Data {
            seq,
            len,
            fin,
            kind: DataKind::Next,
        })
    }

    /// A retransmission of the first unacknowledged segment.
    fn plan_first_hole(&self, max_payload: usize) -> Option<Plan> {
        let seq = self.snd_una;
        let mss = usize::from(self.eff_mss());
        let sent_end = self.snd_max.min(self.data_end());
        let mut len = if seq.lt(sent_end) {
            sent_end.offset_from(seq)
        } else {
            0
        };
        if self.sack_ok {
            if let Some((start, hole)) = self.scoreboard.next_hole(seq) {
                if start == seq {
                    len = len.min(hole);
                }
            }
        }
        len = len.min(mss).min(max_payload);
        let fin = self.fin_sent_at(seq + len);
        if len == 0 && !fin {
            return None;
        }
        Some(Plan::Data {
            seq,
            len,
            fin,
            kind: DataKind::FirstHole,
        })
    }

    /// The next hole to fill during SACK recovery (RFC 6675 §5 NextSeg rule 1).
    fn plan_sack_hole(&self, max_payload: usize) -> Option<Plan> {
        let budget = (self.cc.ssthresh as usize).saturating_sub(self.pipe());
        if budget == 0 {
            return None;
        }
        let from = self.rtx_hi.max(self.snd_una);
        let (start, hole) = self.scoreboard.next_hole(from)?;
        let limit = self.snd_nxt.min(self.data_end());
        if !start.lt(limit) || start.lt(self.snd_una) {
            return None;
        }
        let len = hole
            .min(limit.offset_from(start))
            .min(usize::from(self.eff_mss()))
            .min(max_payload)
            .min(budget);
        if len == 0 {
            return None;
        }
        Some(Plan::Data {
            seq: start,
            len,
            fin: false,
            kind: DataKind::SackHole,
        })
    }

    /// What to send now, without changing anything.
    pub(super) fn plan(&self, max_payload: usize) -> Option<Plan> {
        if let Some(r) = self.pending_rst {
            return Some(Plan::Rst(r));
        }
        match self.state {
            State::Closed | State::Listen => return None,
            State::SynSent | State::SynReceived if self.snd_nxt == self.iss => {
                return Some(Plan::Syn)
            }
            State::SynSent => return None,
            _ => {}
        }
        if self.n_ack_points > 0 {
            return Some(Plan::AckAt(self.ack_points[0]));
        }
        if self.can_send_data() {
            if self.rtx_one {
                if let Some(p) = self.plan_first_hole(max_payload) {
                    return Some(p);
                }
            }
            if self.sack_ok && self.cc.in_recovery() {
                if let Some(p) = self.plan_sack_hole(max_payload) {
                    return Some(p);
                }
            }
            if let Some(p) = self.plan_next(max_payload, self.persist_fired) {
                return Some(p);
            }
            if self.persist_fired && self.unsent() > 0 {
                return Some(Plan::WindowProbe);
            }
        }
        if self.keepalive_fired {
            return Some(Plan::KeepaliveProbe);
        }
        if self.ack_now {
            return Some(Plan::Ack);
        }
        None
    }

    /// Runs the timers due at `now`.
    pub(super) fn run_timers(&mut self, now: u64) {
        if self.time_wait_deadline.is_some_and(|t| t <= now) {
            self.time_wait_deadline = None;
            if self.state == State::TimeWait {
                self.enter_closed(CloseReason::Normal);
            }
            return;
        }
        if self.rtx_deadline.is_some_and(|t| t <= now) {
            self.rtx_deadline = None;
            self.on_rto();
        }
        if self.state == State::Closed {
            return;
        }
        if self.persist_deadline.is_some_and(|t| t <= now) {
            self.persist_deadline = None;
            self.persist_fired = true;
            self.persist_backoff = (self.persist_backoff + 1).min(MAX_PERSIST_BACKOFF);
        }
        if self.delack_deadline.is_some_and(|t| t <= now) {
            self.delack_deadline = None;
            self.ack_now = true;
            self.stats.delayed_acks += 1;
        }
        if self.keepalive_deadline.is_some_and(|t| t <= now) {
            self.keepalive_deadline = None;
            if let Some(ka) = self.keepalive {
                if self.keepalive_sent >= ka.probes {
                    self.pending_rst = Some(PendingRst {
                        seq: self.snd_max,
                        ack: Some(self.rcv_nxt),
                    });
                    self.enter_closed(CloseReason::TimedOut);
                    return;
                }
                self.keepalive_sent += 1;
                self.keepalive_fired = true;
                self.keepalive_deadline = Some(now.saturating_add(ka.interval_ns.max(1)));
            }
        }
    }

    /// The retransmission timer expired (RFC 6298 §5.4-5.6, RFC 5681 §3.1).
    fn on_rto(&mut self) {
        let syn_state = matches!(self.state, State::SynSent | State::SynReceived);
        let limit = match self.state {
            State::SynSent => self.config.syn_retries,
            State::SynReceived => self.config.synack_retries,
            _ => self.config.max_retries,
        };
        if self.retries >= limit {
            if self.synchronized() {
                self.pending_rst = Some(PendingRst {
                    seq: self.snd_max,
                    ack: Some(self.rcv_nxt),
                });
            }
            let reason = self.timeout_reason();
            self.enter_closed(reason);
            return;
        }
        self.retries += 1;
        self.stats.rto_expiries += 1;
        self.ts_rto_floor = self.ts_now(self.now);
        self.rto.on_timeout();
        self.rtt.on_retransmit();
        if syn_state {
            self.snd_nxt = self.iss;
            return;
        }
        let flight = self.snd_max.offset_from(self.snd_una) as u32;
        self.cc.on_rto(flight, self.snd_max);
        // RFC 2018 §8: the receiver may have reneged.
        self.scoreboard.clear();
        self.rtx_one = false;
        self.rtx_hi = self.snd_una;
        self.rtx_out = 0;
        self.rtx_mark = None;
        self.snd_nxt = self.snd_una;
    }

    /// Arms or disarms the retransmission, persist and keep-alive timers
    /// after an event.
    pub(super) fn update_timers(&mut self, now: u64) {
        match self.state {
            State::Closed => {
                self.enter_closed(self.close_reason.unwrap_or(CloseReason::Normal));
                return;
            }
            State::TimeWait => {
                self.rtx_deadline = None;
                self.persist_deadline = None;
                self.keepalive_deadline = None;
                self.delack_deadline = None;
                return;
            }
            _ => {}
        }
        let in_flight = self.snd_nxt != self.snd_una;
        if in_flight {
            if self.rtx_deadline.is_none() {
                self.rtx_deadline = Some(now.saturating_add(self.rto.rto_ns()));
            }
        } else {
            self.rtx_deadline = None;
        }
        let stuck = self.can_send_data()
            && !in_flight
            && self.unsent() > 0
            && !self.persist_fired
            && self.plan_next(usize::from(self.eff_mss()), false).is_none();
        if stuck {
            if self.persist_deadline.is_none() {
                let base = self.rto.rto_ns().max(self.rto.config.min_rto_ns);
                let interval = base
                    .saturating_mul(1u64 << self.persist_backoff)
                    .min(self.rto.config.max_rto_ns);
                self.persist_deadline = Some(now.saturating_add(interval));
            }
        } else {
            self.persist_deadline = None;
        }
        let idle = self.snd_max == self.snd_una && self.unsent() == 0;
        match self.keepalive {
            Some(ka)
                if idle
                    && matches!(
                        self.state,
                        State::Established | State::CloseWait | State::FinWait2
                    ) =>
            {
                if self.keepalive_sent == 0 {
                    self.keepalive_deadline = Some(self.last_rx.saturating_add(ka.idle_ns.max(1)));
                } else if self.keepalive_deadline.is_none() {
                    self.keepalive_deadline = Some(now.saturating_add(ka.interval_ns.max(1)));
                }
            }
            _ => self.keepalive_deadline = None,
        }
    }

    /// The window to advertise (unscaled bytes and the field value), with
    /// receiver SWS avoidance and a right edge that never moves left.
    fn advertise(&mut self, syn: bool) -> u16 {
        let cap = if syn { 0xffff } else { self.max_rcv_window() };
        let shift = if syn { 0 } else { self.rcv_shift };
        let wnd = self.rcvbuf.window().min(cap);
        let cur = if self.rcv_adv.gt(self.rcv_nxt) {
            self.rcv_adv.offset_from(self.rcv_nxt)
        } else {
            0
        };
        let threshold = (self.config.recv_buffer / 2).min(self.rcv_mss()).max(1);
        let offer = if wnd >= cur + threshold || wnd == self.rcvbuf.capacity().min(cap) {
            wnd.max(cur)
        } else {
            cur
        };
        let field = (offer >> shift).min(0xffff);
        let edge = self.rcv_nxt + (field << shift);
        if edge.gt(self.rcv_adv) {
            self.rcv_adv = edge;
        }
        field as u16
    }

    /// The window field the next segment would carry (no side effects).
    #[cfg(test)]
    pub(super) fn advertise_preview(&self) -> u16 {
        let mut c = self.clone();
        c.advertise(false)
    }

    /// The sequence number for a segment without data: SND.MAX when the
    /// peer's window holds it, else the window's right edge (so the peer
    /// finds it acceptable).
    fn ack_seq(&self) -> TcpSeqNumber {
        let edge = self.snd_una + self.snd_wnd as usize;
        if self.snd_max.le(edge) {
            self.snd_max
        } else {
            edge
        }
    }

    fn header(&mut self, now: u64, seq: TcpSeqNumber, flags: TcpFlags) -> TcpRepr {
        let syn = flags.contains(TcpFlags::SYN);
        let has_ack = flags.contains(TcpFlags::ACK);
        let mut repr = TcpRepr::bare(
            self.local.port(),
            self.remote.port(),
            seq,
            if has_ack {
                self.rcv_nxt
            } else {
                TcpSeqNumber(0)
            },
            flags,
        );
        if flags.contains(TcpFlags::RST) {
            return repr;
        }
        repr.window_len = self.advertise(syn);
        let offer_all = self.state == State::SynSent;
        if syn {
            repr.max_seg_size = Some(self.config.mss);
            if (offer_all && self.config.window_scaling) || (!offer_all && self.ws_ok) {
                repr.window_scale = Some(self.wanted_rcv_shift());
            }
            repr.sack_permitted = (offer_all && self.config.sack) || (!offer_all && self.sack_ok);
        }
        if self.ts_ok || (syn && offer_all && self.config.timestamps) {
            let tsecr = if has_ack { self.ts_recent } else { 0 };
            repr.timestamp = Some((self.ts_now(now), tsecr));
        }
        if has_ack {
            if self.sack_ok && !syn && self.rcvbuf.ooo_ranges() > 0 {
                let max = if self.ts_ok { 3 } else { 4 };
                for (i, (s, e)) in self.rcvbuf.sack_ranges(max).into_iter().take(4).enumerate() {
                    repr.sack_ranges[i] = Some((self.rcv_nxt + s, self.rcv_nxt + e));
                }
            }
            // Duplicate ACKs owed for out-of-order segments still go out
            // as pure ACKs after a data segment (only those count as
            // duplicates for a peer without SACK, RFC 5681 §2).
            self.ack_now = self.acks_owed > 0 && !syn;
            self.delack_deadline = None;
            self.unacked_bytes = 0;
            self.last_ack_sent = self.rcv_nxt;
            self.n_ack_points = 0;
            self.ack_due_at = None;
        }
        repr
    }

    fn finish(&mut self, repr: TcpRepr, payload: Vec<u8>) -> Outgoing {
        let len = payload.len();
        self.finish_len(repr, payload, len)
    }

    /// [`finish`](Self::finish) for a segment of `len` payload bytes
    /// (`payload` holds them, or is empty when they stay in the send
    /// buffer).
    fn finish_len(&mut self, mut repr: TcpRepr, payload: Vec<u8>, len: usize) -> Outgoing {
        repr.payload_len = len;
        self.stats.segs_out += 1;
        self.stats.bytes_out += len as u64;
        Outgoing {
            repr,
            payload,
            mss: self.eff_mss(),
        }
    }

    /// As [`poll_transmit`](Self::poll_transmit), except that the payload
    /// of a data segment is left in the send buffer: the [`Outgoing`]'s
    /// `payload` is then empty, its `repr.payload_len` gives the length,
    /// and the second member the offset in the send buffer to read it
    /// from with [`send_data`](Self::send_data) (before anything else
    /// touches the connection). Segments whose payload is not taken from
    /// the send buffer that way come with `None` and their payload as
    /// usual. The connection's state moves exactly as with
    /// `poll_transmit`.
    pub fn poll_transmit_in_place(
        &mut self,
        now: u64,
        max_payload: usize,
    ) -> Option<(Outgoing, Option<usize>)> {
        self.now = self.now.max(now);
        self.run_timers(now);
        let out = self.transmit_inner(now, max_payload.max(1), false);
        self.update_timers(now);
        out
    }

    /// The `len` bytes at `offset` of the send buffer (offset 0 is
    /// SND.UNA, or the first byte after the SYN), as one or two slices
    /// (the ring may wrap), clipped to what is held.
    pub fn send_data(&self, offset: usize, len: usize) -> (&[u8], &[u8]) {
        self.sndbuf.slices(offset, len)
    }

    /// Builds and accounts for the next segment.
    pub(super) fn transmit(&mut self, now: u64, max_payload: usize) -> Option<Outgoing> {
        self.transmit_inner(now, max_payload, true)
            .map(|(out, _)| out)
    }

    /// Builds and accounts for the next segment; with `copy` false a data
    /// segment's payload stays in the send buffer (see
    /// [`poll_transmit_in_place`](Self::poll_transmit_in_place)).
    fn transmit_inner(
        &mut self,
        now: u64,
        max_payload: usize,
        copy: bool,
    ) -> Option<(Outgoing, Option<usize>)> {
        let mut in_place = None;
        let plan = self.plan(max_payload)?;
        let ack_flag = if self.synchronized() {
            TcpFlags::ACK
        } else {
            TcpFlags(0)
        };
        let out = match plan {
            Plan::Rst(r) => {
                self.pending_rst = None;
                let flags = match r.ack {
                    Some(_) => TcpFlags::RST | TcpFlags::ACK,
                    None => TcpFlags::RST,
                };
                let mut repr = self.header(now, r.seq, flags);
                if let Some(a) = r.ack {
                    repr.ack_number = a;
                }
                self.finish(repr, Vec::new())
            }
            Plan::Syn => {
                let flags = if self.state == State::SynReceived {
                    TcpFlags::SYN | TcpFlags::ACK
                } else {
                    TcpFlags::SYN
                };
                if self.snd_max == self.iss {
                    self.rtt.start(self.iss + 1, now);
                } else {
                    self.stats.retransmits += 1;
                    self.rtt.on_retransmit();
                }
                let repr = self.header(now, self.iss, flags);
                self.snd_nxt = self.iss + 1;
                if self.snd_max == self.iss {
                    self.snd_max = self.snd_nxt;
                }
                self.finish(repr, Vec::new())
            }
            Plan::Data {
                seq,
                len,
                fin,
                kind,
            } => {
                let end = seq + len + usize::from(fin);
                let retransmit = seq.lt(self.snd_max);
                if retransmit {
                    self.stats.retransmits += 1;
                    self.rtt.on_retransmit();
                } else {
                    if self.snd_una == self.snd_max
                        && now.saturating_sub(self.last_tx) > self.rto.rto_ns()
                    {
                        // RFC 5681 §4.1: restart after idle.
                        self.cc.on_idle_restart();
                    }
                    self.rtt.start(end, now);
                }
                if len > 0 {
                    self.last_tx = now;
                }
                let off = seq.offset_from(self.buf_base());
                let mut payload = Vec::new();
                let got = if copy {
                    payload.reserve_exact(len);
                    self.sndbuf.append_out(off, len, &mut payload)
                } else {
                    let got = self.sndbuf.slices(off, len);
                    in_place = Some(off);
                    got.0.len() + got.1.len()
                };
                let mut flags = ack_flag;
                if len > 0 && seq + len == self.data_end() {
                    flags = flags | TcpFlags::PSH;
                }
                if fin && got == len {
                    flags = flags | TcpFlags::FIN;
                }
                let real_end = seq + got + usize::from(flags.contains(TcpFlags::FIN));
                match kind {
                    DataKind::FirstHole | DataKind::SackHole => {
                        let from = self.rtx_hi.max(self.snd_una);
                        if kind == DataKind::SackHole && from.lt(seq) {
                            self.stats.sacked_bytes_skipped += seq.offset_from(from) as u64;
                        }
                        if kind == DataKind::FirstHole {
                            self.rtx_one = false;
                            if self.sack_ok && self.cc.in_recovery() {
                                self.rtx_mark = Some((seq, self.snd_nxt));
                            }
                        }
                        if self.rtx_hi.lt(real_end) {
                            self.rtx_hi = real_end;
                        }
                        if self.cc.in_recovery() {
                            self.rtx_out = self.rtx_out.saturating_add(got as u32);
                        }
                    }
                    DataKind::Next => {
                        self.persist_fired = false;
                        let mss = usize::from(self.eff_mss()).max(1);
                        if got % mss != 0 {
                            self.snd_sml = seq + got;
                        }
                        if self.snd_nxt.lt(real_end) {
                            self.snd_nxt = real_end;
                        }
                        if self.snd_max.lt(real_end) {
                            self.snd_max = real_end;
                        }
                    }
                }
                let _ = end;
                let repr = self.header(now, seq, flags);
                if in_place.is_some() {
                    self.finish_len(repr, payload, got)
                } else {
                    self.finish(repr, payload)
                }
            }
            Plan::WindowProbe => {
                self.persist_fired = false;
                self.stats.window_probes += 1;
                let seq = self.snd_nxt;
                let mut payload = vec![0u8; 1];
                let got = self
                    .sndbuf
                    .copy_out(seq.offset_from(self.buf_base()), &mut payload);
                payload.truncate(got);
                if self.snd_max.lt(seq + got) {
                    self.snd_max = seq + got;
                }
                let repr = self.header(now, seq, ack_flag);
                self.finish(repr, payload)
            }
            Plan::KeepaliveProbe => {
                self.keepalive_fired = false;
                self.stats.keepalive_probes += 1;
                let repr = self.header(now, self.snd_una - 1, ack_flag);
                self.finish(repr, Vec::new())
            }
            Plan::AckAt(point) => {
                let saved = (
                    self.ack_now,
                    self.delack_deadline,
                    self.unacked_bytes,
                    self.ack_points,
                    self.n_ack_points,
                    self.ack_due_at,
                );
                let mut repr = self.header(now, self.ack_seq(), ack_flag);
                (
                    self.ack_now,
                    self.delack_deadline,
                    self.unacked_bytes,
                    self.ack_points,
                    self.n_ack_points,
                    self.ack_due_at,
                ) = saved;
                self.ack_points.copy_within(1.., 0);
                self.n_ack_points -= 1;
                self.last_ack_sent = point;
                repr.ack_number = point;
                // The same right edge, seen from the earlier point.
                let wnd = if self.rcv_adv.gt(point) {
                    self.rcv_adv.offset_from(point)
                } else {
                    0
                };
                repr.window_len = (wnd >> self.rcv_shift).min(0xffff) as u16;
                self.finish(repr, Vec::new())
            }
            Plan::Ack => {
                let seq = self.ack_seq();
                self.acks_owed = self.acks_owed.saturating_sub(1);
                let repr = self.header(now, seq, ack_flag);
                self.finish(repr, Vec::new())
            }
        };
        Some((out, in_place))
    }
}
