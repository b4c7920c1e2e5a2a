//! "SEGMENT ARRIVES" (RFC 9293 §3.10.7) with RFC 7323 PAWS, RFC 5961
//! challenge ACKs, SACK (RFC 2018) and NewReno duplicate-ACK detection
//! (RFC 5681 §2).

use super::{CloseReason, Connection, PendingRst, State};
use crate::tcp::rtt::{MS, SEC};
use crate::tcp::seq::segment_acceptable;
use crate::wire::TcpSeqNumber;
use crate::wire::{TcpFlags, TcpRepr};

/// PAWS is not applied once TS.Recent is older than 24 days (RFC 7323 §5.5).
const PAWS_IDLE_NS: u64 = 24 * 24 * 3600 * SEC;
/// Duplicate ACKs owed for out-of-order segments, at most.
const MAX_ACKS_OWED: u8 = 16;

impl Connection {
    pub(super) fn input(&mut self, now: u64, seg: &TcpRepr, payload: &[u8]) {
        match self.state {
            State::Closed | State::Listen => return,
            _ => {}
        }
        self.stats.segs_in += 1;
        if self.state == State::SynSent {
            self.input_syn_sent(now, seg);
        } else {
            self.input_synchronized(now, seg, payload);
        }
    }

    fn queue_rst(&mut self, seq: TcpSeqNumber, ack: Option<TcpSeqNumber>) {
        self.pending_rst = Some(PendingRst { seq, ack });
    }

    /// Answers an unacceptable segment with an ACK (RFC 9293 §3.10.7.4);
    /// for one without data (`pure`: nothing a sender waits on) at most one
    /// per [`OOW_ACK_INTERVAL_NS`](super::OOW_ACK_INTERVAL_NS), as Linux's
    /// `tcp_invalid_ratelimit`, so forged or looping ACKs cannot make us
    /// send a stream of duplicate ACKs.
    fn ack_invalid(&mut self, now: u64, pure: bool) {
        if pure {
            if let Some(at) = self.oow_ack_at {
                if now.saturating_sub(at) < super::OOW_ACK_INTERVAL_NS {
                    self.stats.oow_acks_suppressed += 1;
                    return;
                }
            }
            self.oow_ack_at = Some(now);
        }
        self.ack_now = true;
    }

    /// A challenge ACK (RFC 5961 §3.2, §4.2, §5.2), at most
    /// `challenge_ack_limit` per second of `now` (§7).
    fn challenge_ack(&mut self, now: u64) {
        let epoch = now / SEC;
        if epoch != self.challenge_epoch {
            self.challenge_epoch = epoch;
            self.challenge_count = 0;
        }
        if self.challenge_count < self.config.challenge_ack_limit {
            self.challenge_count += 1;
            self.stats.challenge_acks += 1;
            self.ack_now = true;
        } else {
            self.stats.challenge_acks_suppressed += 1;
        }
    }

    /// RFC 9293 §3.10.7.3.
    fn input_syn_sent(&mut self, now: u64, seg: &TcpRepr) {
        let flags = seg.flags;
        let seq = seg.seq_number;
        let ack = seg.ack_number;
        let has_ack = flags.contains(TcpFlags::ACK);
        // First: the ACK bit.
        if has_ack && (ack.le(self.iss) || ack.gt(self.snd_max)) {
            if !flags.contains(TcpFlags::RST) {
                self.queue_rst(ack, None);
            }
            return;
        }
        let ack_ok = has_ack && self.snd_una.le(ack) && ack.le(self.snd_max);
        // Second: the RST bit.
        if flags.contains(TcpFlags::RST) {
            if ack_ok {
                self.enter_closed(CloseReason::Refused);
            }
            return;
        }
        // Fourth: the SYN bit.
        if !flags.contains(TcpFlags::SYN) {
            return;
        }
        self.irs = seq;
        self.rcv_nxt = seq + 1;
        // RCV.WND is what our SYN announced (never scaled, RFC 7323 §2.2),
        // until our next segment advertises again.
        self.rcv_adv = self.rcv_nxt + self.rcvbuf.window().min(0xffff);
        self.negotiate(seg, now);
        self.last_rx = now;
        if ack_ok && ack.gt(self.iss) {
            // SYN-ACK: our SYN is acknowledged (the path works: a soft
            // ICMP error is history).
            self.snd_una = ack;
            self.soft_error = None;
            self.syn_acked = true;
            if self.snd_nxt.lt(ack) {
                self.snd_nxt = ack;
            }
            if !self.ts_ok {
                if let Some(rtt) = self.rtt.on_ack(ack, now) {
                    self.rto.sample(rtt);
                }
            } else if let Some((_, tsecr)) = seg.timestamp {
                self.ts_rtt_sample(now, tsecr);
            }
            self.rtt.on_retransmit();
            self.retries = 0;
            self.rtx_deadline = None;
            // The SYN-ACK's window is not scaled.
            self.snd_wnd = u32::from(seg.window_len);
            self.max_snd_wnd = self.snd_wnd;
            self.snd_wl1 = seq;
            self.snd_wl2 = ack;
            self.state = State::Established;
            self.ack_now = true;
            if self.fin_seq.is_some() {
                self.state = State::FinWait1;
            }
        } else {
            // Simultaneous open: SYN-RECEIVED, our SYN goes out again with ACK.
            self.state = State::SynReceived;
            self.snd_wnd = u32::from(seg.window_len);
            self.max_snd_wnd = self.snd_wnd;
            self.snd_wl1 = seq;
            self.snd_wl2 = self.iss;
            self.snd_nxt = self.iss;
            self.rtt.on_retransmit();
            self.rtx_deadline = None;
        }
    }

    /// RFC 9293 §3.10.7.4: SYN-RECEIVED and every synchronized state.
    fn input_synchronized(&mut self, now: u64, seg: &TcpRepr, payload: &[u8]) {
        let flags = seg.flags;
        let seq = seg.seq_number;
        let syn = flags.contains(TcpFlags::SYN);
        let fin = flags.contains(TcpFlags::FIN);
        let seg_len = payload.len() + usize::from(syn) + usize::from(fin);
        let rcv_wnd = self.rcv_window();

        // RST (RFC 5961 §3.2): exactly RCV.NXT resets, elsewhere in the
        // window a challenge ACK, outside nothing.
        if flags.contains(TcpFlags::RST) {
            if seq == self.rcv_nxt {
                self.on_reset();
            } else if seq.in_window(self.rcv_nxt, rcv_wnd) {
                self.challenge_ack(now);
            }
            return;
        }

        // A bare FIN at RCV.NXT is taken even into a zero window (it needs
        // no buffer; some peers would otherwise repeat it forever).
        let bare_fin = fin && payload.is_empty() && !syn && seq == self.rcv_nxt;
        let acceptable = bare_fin || segment_acceptable(seq, seg_len, self.rcv_nxt, rcv_wnd);

        // PAWS (RFC 7323 §5.3 R1).
        if self.ts_ok {
            if let Some((tsval, _)) = seg.timestamp {
                let paws_valid = now.saturating_sub(self.ts_recent_age) < PAWS_IDLE_NS;
                if paws_valid && (tsval.wrapping_sub(self.ts_recent) as i32) < 0 {
                    if acceptable {
                        self.stats.paws_rejected += 1;
                    } else {
                        self.stats.out_of_window += 1;
                    }
                    self.ack_invalid(now, payload.is_empty() && !syn);
                    return;
                }
            }
        }

        // Zero window: the data is not accepted but ACK and window are.
        let ack_only = !acceptable && rcv_wnd == 0 && seq == self.rcv_nxt;
        if !acceptable && !ack_only {
            if self.state == State::SynReceived
                && syn
                && !flags.contains(TcpFlags::ACK)
                && seq == self.irs
            {
                // Our SYN-ACK was lost: send it again now.
                self.snd_nxt = self.iss;
                self.rtt.on_retransmit();
                return;
            }
            if syn {
                // SYN in a synchronized state, whatever its sequence
                // number: challenge ACK (RFC 5961 §4.2), rate-limited.
                self.challenge_ack(now);
                return;
            }
            self.stats.out_of_window += 1;
            if self.state == State::TimeWait && fin {
                self.ack_now = true;
                // A retransmitted FIN: ACK it and restart the 2MSL timer.
                self.enter_time_wait(now);
            } else {
                self.ack_invalid(now, payload.is_empty() && !fin);
            }
            return;
        }
        self.last_rx = now;
        self.keepalive_sent = 0;

        // TS.Recent (RFC 7323 §4.3).
        if self.ts_ok {
            if let Some((tsval, _)) = seg.timestamp {
                if seq.le(self.last_ack_sent) && (tsval.wrapping_sub(self.ts_recent) as i32) >= 0 {
                    self.ts_recent = tsval;
                    self.ts_recent_age = now;
                }
            }
        }

        // SYN in a synchronized state: challenge ACK (RFC 5961 §4.2).
        if syn {
            self.challenge_ack(now);
            return;
        }
        if !flags.contains(TcpFlags::ACK) {
            return;
        }
        if !self.process_ack(now, seg, payload.is_empty() && !fin) {
            return;
        }
        if self.state == State::Closed || ack_only {
            if ack_only && seg_len > 0 {
                self.ack_now = true;
            }
            return;
        }
        self.process_data(now, seq, payload, fin, rcv_wnd);
    }

    /// RCV.WND for the acceptability test and for trimming (RFC 9293
    /// §3.10.7.4): what we advertised, the window field as sent (scaled by
    /// our shift, unscaled in a SYN), from RCV.NXT to the right edge it
    /// set. Not the buffer's room, which can be larger (a 16-bit field
    /// without window scaling, the shift's rounding, an application read
    /// not yet announced): the peer was offered no more.
    pub(super) fn rcv_window(&self) -> usize {
        let adv = if self.rcv_adv.gt(self.rcv_nxt) {
            self.rcv_adv.offset_from(self.rcv_nxt)
        } else {
            0
        };
        adv.min(1 << 30)
    }

    fn on_reset(&mut self) {
        let reason = match self.state {
            State::SynReceived if self.active_open => CloseReason::Refused,
            State::TimeWait => CloseReason::Normal,
            _ => CloseReason::Reset,
        };
        self.enter_closed(reason);
    }

    /// RFC 9293 §3.10.7.4 fifth check plus RFC 5961 §5.2. Returns whether
    /// processing continues.
    fn process_ack(&mut self, now: u64, seg: &TcpRepr, pure: bool) -> bool {
        let ack = seg.ack_number;
        let seq = seg.seq_number;
        if self.state == State::SynReceived {
            if self.snd_una.lt(ack) && ack.le(self.snd_max) {
                self.state = if self.fin_seq.is_some() {
                    State::FinWait1
                } else {
                    State::Established
                };
                // The first window update of the connection.
                self.snd_wnd = u32::from(seg.window_len) << self.snd_shift;
                self.max_snd_wnd = self.max_snd_wnd.max(self.snd_wnd);
                self.snd_wl1 = seq;
                self.snd_wl2 = ack;
            } else {
                self.queue_rst(ack, None);
                return false;
            }
        }
        if ack.gt(self.snd_max) {
            self.stats.ack_unsent += 1;
            self.ack_now = true;
            return false;
        }
        let oldest = self.snd_una - self.max_snd_wnd as usize;
        if ack.lt(oldest) {
            self.challenge_ack(now);
            return false;
        }
        let wnd = u32::from(seg.window_len) << self.snd_shift;
        let outstanding = self.snd_max != self.snd_una;
        let sacked_new = if self.sack_ok {
            let mut blocks = [(TcpSeqNumber(0), TcpSeqNumber(0)); 4];
            let mut n = 0;
            for (l, r) in seg.sack_ranges.iter().flatten() {
                blocks[n] = (*l, *r);
                n += 1;
            }
            if n > 0 && outstanding {
                self.scoreboard
                    .on_sack(&blocks[..n], self.snd_una, self.snd_max)
            } else {
                0
            }
        } else {
            0
        };
        // A duplicate ACK: RFC 5681 §2 (no data, same window), or with
        // SACK the RFC 6675 §2 definition (new SACK information, even on a
        // segment carrying data).
        let dup_5681 = pure && wnd == self.snd_wnd;
        let dup_6675 = self.sack_ok && sacked_new > 0;
        if ack.gt(self.snd_una) {
            self.on_new_ack(now, ack, seg);
        } else if ack == self.snd_una
            && outstanding
            && (dup_5681 || dup_6675)
            && self.data_in_flight()
        {
            self.stats.dup_acks_in += 1;
            self.dupack();
        }
        self.sack_loss_detect();
        self.lost_retransmit_detect();
        // Window update (RFC 9293 §3.10.7.4, SND.WL1/SND.WL2 rule).
        if self.snd_una.le(ack)
            && (self.snd_wl1.lt(seq) || (self.snd_wl1 == seq && self.snd_wl2.le(ack)))
        {
            if wnd > self.snd_wnd {
                self.persist_backoff = 0;
            }
            self.snd_wnd = wnd;
            self.max_snd_wnd = self.max_snd_wnd.max(wnd);
            self.snd_wl1 = seq;
            self.snd_wl2 = ack;
        }
        // Our FIN acknowledged?
        let fin_acked = self
            .fin_seq
            .is_some_and(|f| self.snd_una.gt(f) && self.snd_max.gt(f));
        match self.state {
            State::FinWait1 if fin_acked => self.state = State::FinWait2,
            State::Closing if fin_acked => self.enter_time_wait(now),
            State::LastAck if fin_acked => {
                self.enter_closed(CloseReason::Normal);
                return false;
            }
            _ => {}
        }
        true
    }

    /// Reports one duplicate ACK to NewReno; fast retransmit if it says so.
    fn dupack(&mut self) {
        let flight = self.snd_max.offset_from(self.snd_una) as u32;
        let action = self.cc.on_dupack(flight, self.snd_max, self.snd_una);
        if action.retransmit() {
            self.stats.fast_retransmits += 1;
            self.rtx_one = true;
            self.rtx_hi = self.snd_una;
            self.rtx_out = 0;
        }
    }

    /// RFC 6675 §4 IsLost(SND.UNA): more than (DupThresh - 1) · SMSS bytes
    /// SACKed above it means it is lost, however few duplicate ACKs arrived
    /// (a receiver or a GRO path may have coalesced them).
    fn sack_loss_detect(&mut self) {
        if !self.sack_ok || self.cc.in_recovery() || !self.data_in_flight() {
            return;
        }
        let mss = u32::from(self.eff_mss());
        if self.scoreboard.sacked_bytes() <= 2 * mss || self.scoreboard.is_sacked(self.snd_una) {
            return;
        }
        for _ in 0..3 {
            self.dupack();
            if self.cc.in_recovery() || self.cc.dupacks >= 3 {
                return;
            }
        }
    }

    /// Whether data (not only a SYN or FIN) is outstanding.
    fn data_in_flight(&self) -> bool {
        let end = self.data_end();
        self.snd_una.lt(end) && self.snd_una.lt(self.snd_nxt)
    }

    /// SND.UNA < SEG.ACK <= SND.MAX: new data acknowledged.
    fn on_new_ack(&mut self, now: u64, ack: TcpSeqNumber, seg: &TcpRepr) {
        let newly = ack.offset_from(self.snd_una);
        let base = self.buf_base();
        let data_end = self.data_end();
        if ack.gt(base) {
            let upto = if ack.lt(data_end) { ack } else { data_end };
            self.sndbuf.ack(upto.offset_from(base));
        }
        if !self.syn_acked && ack.gt(self.iss) {
            self.syn_acked = true;
        }
        self.snd_una = ack;
        self.soft_error = None;
        if self.snd_nxt.lt(ack) {
            self.snd_nxt = ack;
        }
        if self.rtx_hi.lt(ack) {
            self.rtx_hi = ack;
        }
        self.scoreboard.on_ack(ack);
        self.retries = 0;
        self.rtx_deadline = None;
        // RTT: timestamps (RFC 7323 §4) or the timed segment (Karn).
        let timed = self.rtt.on_ack(ack, now);
        match (self.ts_ok, seg.timestamp) {
            (true, Some((_, tsecr))) => self.ts_rtt_sample(now, tsecr),
            _ => {
                if let Some(rtt) = timed {
                    self.rto.sample(rtt);
                }
            }
        }
        let flight = self.snd_max.offset_from(self.snd_una) as u32;
        let was_recovering = self.cc.in_recovery();
        let action = self.cc.on_ack(
            ack,
            newly.min(u32::MAX as usize) as u32,
            flight,
            self.snd_max,
        );
        self.rtx_out = self.rtx_out.saturating_sub(newly as u32);
        if was_recovering && !self.cc.in_recovery() {
            self.rtx_out = 0;
        }
        if !self.cc.in_recovery() {
            self.rtx_mark = None;
        }
        if action.retransmit() {
            // Partial ACK: retransmit the next hole unless SACK recovery
            // already did (then watch that retransmission from now on).
            if self.sack_ok && self.snd_una.lt(self.rtx_hi) {
                self.rtx_mark = Some((self.snd_una, self.snd_nxt));
            } else {
                self.rtx_one = true;
            }
        }
    }

    /// A lost retransmission of the first hole, seen through SACK: data
    /// sent after it (more than one segment's worth) was SACKed while
    /// SND.UNA stayed. Retransmit it again instead of waiting for the RTO
    /// (the idea of RFC 8985's RACK, bounded to the first hole).
    fn lost_retransmit_detect(&mut self) {
        if !self.sack_ok || !self.cc.in_recovery() || self.rtx_one {
            return;
        }
        let Some((una, sent_after)) = self.rtx_mark else {
            return;
        };
        if una != self.snd_una {
            return;
        }
        let mss = usize::from(self.eff_mss());
        if let Some(high) = self.scoreboard.highest_sacked() {
            if high.gt(sent_after) && high.offset_from(sent_after) > mss {
                self.rtx_one = true;
                self.rtx_mark = None;
            }
        }
    }

    pub(super) fn ts_rtt_sample(&mut self, now: u64, tsecr: u32) {
        // Karn's rule for timestamps: an echo of a TSval from before the
        // last RTO may belong to the original transmission of data the
        // peer got long ago (its ACK of a duplicate echoes an old TS.Recent,
        // RFC 7323 §4.3), which would inflate the RTT by the whole timeout.
        if (tsecr.wrapping_sub(self.ts_rto_floor) as i32) < 0 {
            return;
        }
        let rtt_ms = self.ts_now(now).wrapping_sub(tsecr);
        // Ignore echoes from the future or from a wrapped clock.
        if rtt_ms < (1 << 30) {
            self.rto.sample(u64::from(rtt_ms) * MS);
        }
    }

    /// Our timestamp clock: milliseconds plus the connection's offset.
    pub(super) fn ts_now(&self, now: u64) -> u32 {
        ((now / MS) as u32).wrapping_add(self.ts_offset)
    }

    /// RFC 9293 §3.10.7.4 seventh and eighth checks: segment text and FIN.
    /// The data and FIN of an acceptable segment, kept only as far as
    /// `rcv_wnd` (RCV.WND) reaches past RCV.NXT: the rest is trimmed
    /// (RFC 9293 §3.10.7.4) and neither buffered, SACKed nor acknowledged.
    fn process_data(
        &mut self,
        now: u64,
        seq: TcpSeqNumber,
        payload: &[u8],
        fin: bool,
        rcv_wnd: usize,
    ) {
        let accepts_text = matches!(
            self.state,
            State::Established | State::FinWait1 | State::FinWait2
        );
        if !accepts_text {
            // The peer's FIN was received already; anything new is bogus
            // or a retransmission: ACK it.
            if !payload.is_empty() || fin {
                self.ack_now = true;
            }
            return;
        }
        let rel = seq.signed_distance(self.rcv_nxt);
        if !payload.is_empty() {
            let (off, data) = if rel < 0 {
                let cut = rel.unsigned_abs() as usize;
                (0usize, payload.get(cut..).unwrap_or(&[]))
            } else {
                (rel as usize, payload)
            };
            let beyond = (off + data.len()).saturating_sub(rcv_wnd);
            let data = &data[..data.len() - beyond.min(data.len())];
            if beyond > 0 {
                self.stats.bytes_trimmed += beyond as u64;
            }
            if data.is_empty() {
                // A duplicate: ACK at once (RFC 5681 §4.2 spirit).
                self.ack_now = true;
            } else {
                let had_ooo = self.rcvbuf.ooo_ranges() > 0;
                let ins = self.rcvbuf.insert(off, data);
                self.stats.bytes_in += data.len() as u64;
                if ins.dropped_ooo {
                    self.stats.ooo_dropped += 1;
                } else if off > 0 {
                    self.stats.ooo_held += 1;
                }
                self.rcv_nxt += ins.advanced;
                if ins.advanced > 0 {
                    self.acks_owed = 0;
                } else if off > 0 {
                    // One duplicate ACK per out-of-order segment, even when
                    // several arrive before the next poll (bounded).
                    self.acks_owed = (self.acks_owed + 1).min(MAX_ACKS_OWED);
                }
                if off > 0 || had_ooo || beyond > 0 || ins.beyond_window > 0 || ins.dropped_ooo {
                    // Out of order, filling a hole, or cut: ACK now
                    // (RFC 5681 §4.2).
                    self.ack_now = true;
                } else {
                    self.unacked_bytes += ins.advanced;
                    if self.config.delayed_ack_ns == 0 || self.unacked_bytes >= 2 * self.rcv_mss() {
                        if self.ack_now {
                            if let Some(p) = self.ack_due_at {
                                self.push_ack_point(p);
                            }
                        }
                        self.ack_due_at = Some(self.rcv_nxt);
                        self.unacked_bytes = 0;
                        self.ack_now = true;
                    } else if self.delack_deadline.is_none() {
                        self.delack_deadline = Some(now.saturating_add(self.config.delayed_ack_ns));
                    }
                }
            }
        }
        if fin {
            let fin_at = seq + payload.len();
            let dist = fin_at.signed_distance(self.rcv_nxt);
            if dist >= 0 && (dist as usize) <= rcv_wnd {
                self.peer_fin = Some(fin_at);
            }
            self.ack_now = true;
        }
        if self.peer_fin == Some(self.rcv_nxt) && !self.fin_rcvd {
            self.peer_fin = None;
            self.fin_rcvd = true;
            self.rcv_nxt += 1;
            self.ack_now = true;
            let fin_acked = self
                .fin_seq
                .is_some_and(|f| self.snd_una.gt(f) && self.snd_max.gt(f));
            match self.state {
                State::Established => self.state = State::CloseWait,
                State::FinWait1 if fin_acked => self.enter_time_wait(now),
                State::FinWait1 => self.state = State::Closing,
                State::FinWait2 => self.enter_time_wait(now),
                _ => {}
            }
        }
    }

    fn push_ack_point(&mut self, p: TcpSeqNumber) {
        let n = usize::from(self.n_ack_points);
        if n < self.ack_points.len() {
            self.ack_points[n] = p;
            self.n_ack_points += 1;
        } else {
            // Full: keep the most recent points.
            self.ack_points.copy_within(1.., 0);
            self.ack_points[n - 1] = p;
        }
    }

    /// After the application read: a window update when the window grew by
    /// at least min(recv_buffer / 2, MSS) past what we advertised
    /// (receiver SWS avoidance, RFC 9293 §3.8.6.2.2) and what we
    /// advertised had fallen below half the full window. While the peer
    /// still has half the buffer to fill, the larger window rides on the
    /// next ACK instead (as Linux does): an update per read would double
    /// the ACKs of a bulk transfer.
    pub(super) fn check_window_update(&mut self) {
        if !matches!(
            self.state,
            State::Established | State::FinWait1 | State::FinWait2
        ) {
            return;
        }
        let adv = if self.rcv_adv.gt(self.rcv_nxt) {
            self.rcv_adv.offset_from(self.rcv_nxt)
        } else {
            0
        };
        let wnd = self.rcvbuf.window().min(self.max_rcv_window());
        let threshold = (self.config.recv_buffer / 2).min(self.rcv_mss()).max(1);
        let full = self.config.recv_buffer.min(self.max_rcv_window());
        if wnd >= adv + threshold && adv < full / 2 {
            self.ack_now = true;
        }
    }

    /// The largest window the 16-bit field and our shift can express.
    pub(super) fn max_rcv_window(&self) -> usize {
        0xffffusize << self.rcv_shift
    }
}
