//! NewReno congestion control (RFC 5681, RFC 6582) as a pure state machine.
//!
//! [`NewReno`] owns no clock and does no I/O: the TCP machine tells it what
//! happened (new data acknowledged, a duplicate ACK, a retransmission
//! timeout, an idle restart) and it answers with an [`Action`] saying whether
//! to retransmit the first unacknowledged segment now. The sender may then
//! have at most [`NewReno::send_window`] bytes in flight.
//!
//! Choices, where the RFCs leave one:
//!
//! - **Initial window**: RFC 5681 §3.1, `IW = min(4·SMSS, max(2·SMSS, 4380))`
//!   (3 segments at SMSS = 1460), not RFC 6928's 10 segments.
//! - **Initial ssthresh**: `u32::MAX` ("arbitrarily high", RFC 5681 §3.1), so
//!   the connection slow-starts until the first loss.
//! - **Slow start** (`cwnd < ssthresh`): `cwnd += min(N, SMSS)` per ACK
//!   (RFC 5681 eq. 2, i.e. RFC 3465 with L = 1·SMSS, the conservative limit).
//! - **Congestion avoidance** (`cwnd >= ssthresh`): appropriate byte counting
//!   (RFC 3465 §2.1): acknowledged bytes accumulate in `bytes_acked`; each
//!   time it reaches `cwnd`, it drops by `cwnd` and `cwnd` grows by one SMSS.
//! - **Leaving fast recovery** on a full ACK: RFC 6582 §3.2 step 3 option 1,
//!   `cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS)`, which avoids a burst
//!   when little data is outstanding.
//! - **Partial ACKs** (RFC 6582 §3.2 step 4): retransmit the first
//!   unacknowledged segment, deflate `cwnd` by the bytes acknowledged and add
//!   back one SMSS if at least one SMSS was acknowledged. The caller restarts
//!   its retransmission timer on partial ACKs ("Slow-but-Steady" or
//!   "Impatient" is the timer's business, not this module's).
//! - **After an RTO**, `recover` is set to the highest sequence number sent
//!   (RFC 6582 §4) and duplicate ACKs that do not acknowledge up to it do not
//!   trigger another fast retransmit. Repeated timeouts without any new ACK in
//!   between (the same segment timing out again) keep ssthresh as it was
//!   (RFC 5681 §3.1, "the value of ssthresh is held constant").
//! - Limited transmit (RFC 3042) for the first two duplicate ACKs is left to
//!   the caller; this module only counts them.
//!
//! Sequence numbers are [`TcpSeqNumber`]s, compared modulo 2^32 (RFC 9293 §3.4).
//! `highest_sent` is SND.NXT (one past the last byte sent), so "ACK covers
//! `recover`" is `ack >= recover`. "FlightSize" is the data outstanding
//! (SND.NXT − SND.UNA) at the moment the event is reported; for
//! [`NewReno::on_ack`] that is after the ACK has advanced SND.UNA.
//!
//! All state is public and `Copy`, so a connection can be exported to a NIC
//! and imported back bit-for-bit.

use crate::wire::TcpSeqNumber;

/// What the sender should do after an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Nothing beyond sending new data as the window allows.
    None,
    /// Third duplicate ACK: retransmit the first unacknowledged segment now
    /// (RFC 5681 §3.2 step 4) and enter fast recovery.
    FastRetransmit,
    /// Partial ACK in fast recovery: retransmit the first unacknowledged
    /// segment now (RFC 6582 §3.2 step 4) and restart the retransmission timer.
    PartialAckRetransmit,
}

impl Action {
    /// Whether the first unacknowledged segment must be retransmitted now.
    pub fn retransmit(self) -> bool {
        !matches!(self, Action::None)
    }
}

/// Where the sender is in loss recovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// No loss being repaired: slow start or congestion avoidance.
    Open,
    /// Fast recovery (RFC 6582 §3.2) until an ACK covers `recover`.
    FastRecovery,
    /// After a retransmission timeout, until an ACK covers `recover`:
    /// duplicate ACKs must not trigger fast retransmit (RFC 6582 §4).
    AfterRto,
}

/// NewReno sender state. Every field is public so the state can be exported
/// and imported exactly; [`NewReno::new`] builds a consistent initial state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewReno {
    /// Congestion window, bytes.
    pub cwnd: u32,
    /// Slow-start threshold, bytes.
    pub ssthresh: u32,
    /// Sender maximum segment size, bytes (non-zero).
    pub smss: u32,
    /// Consecutive duplicate ACKs since the last ACK of new data.
    pub dupacks: u32,
    /// Loss-recovery phase.
    pub phase: Phase,
    /// RFC 6582 `recover`: SND.NXT when recovery (fast or RTO) began.
    /// Meaningful unless `phase` is [`Phase::Open`].
    pub recover: TcpSeqNumber,
    /// Bytes acknowledged in congestion avoidance not yet turned into
    /// window growth (RFC 3465 §2.1).
    pub bytes_acked: u32,
    /// Retransmission timeouts since the last ACK of new data; ssthresh is
    /// only reduced by the first.
    pub consecutive_rtos: u32,
}

impl NewReno {
    /// A fresh connection's state for a sender maximum segment size of
    /// `smss` bytes (clamped to at least 1).
    pub fn new(smss: u32) -> Self {
        let smss = smss.max(1);
        NewReno {
            cwnd: Self::initial_window(smss),
            ssthresh: u32::MAX,
            smss,
            dupacks: 0,
            phase: Phase::Open,
            recover: TcpSeqNumber(0),
            bytes_acked: 0,
            consecutive_rtos: 0,
        }
    }

    /// RFC 5681 §3.1: `IW = min(4·SMSS, max(2·SMSS, 4380))`.
    pub fn initial_window(smss: u32) -> u32 {
        let smss = smss.max(1);
        smss.saturating_mul(4).min(smss.saturating_mul(2).max(4380))
    }

    /// Whether the sender is in slow start (`cwnd < ssthresh`).
    pub fn in_slow_start(&self) -> bool {
        self.cwnd < self.ssthresh
    }

    /// Whether fast recovery is in progress.
    pub fn in_recovery(&self) -> bool {
        self.phase == Phase::FastRecovery
    }

    /// How many bytes may be in flight: `min(cwnd, rwnd)` (RFC 5681 §3).
    pub fn send_window(&self, peer_rwnd: u32) -> u32 {
        self.cwnd.min(peer_rwnd)
    }

    /// RFC 5681 eq. 4: `ssthresh = max(FlightSize / 2, 2·SMSS)`.
    fn halved(&self, flight_size: u32) -> u32 {
        (flight_size / 2).max(self.smss.saturating_mul(2))
    }

    /// An ACK advanced SND.UNA to `ack`, acknowledging `newly_acked_bytes`
    /// new bytes; `flight_size` is what remains outstanding afterwards and
    /// `highest_sent` is SND.NXT.
    pub fn on_ack(
        &mut self,
        ack: TcpSeqNumber,
        newly_acked_bytes: u32,
        flight_size: u32,
        highest_sent: TcpSeqNumber,
    ) -> Action {
        debug_assert!(highest_sent.ge(ack), "ACK beyond SND.NXT");
        self.dupacks = 0;
        self.consecutive_rtos = 0;
        match self.phase {
            Phase::FastRecovery if ack.ge(self.recover) => {
                // RFC 6582 §3.2 step 3, option 1.
                let deflated = flight_size.max(self.smss).saturating_add(self.smss);
                self.cwnd = self.ssthresh.min(deflated);
                self.phase = Phase::Open;
                self.bytes_acked = 0;
                Action::None
            }
            Phase::FastRecovery => {
                // RFC 6582 §3.2 step 4: partial ACK.
                self.cwnd = self.cwnd.saturating_sub(newly_acked_bytes);
                if newly_acked_bytes >= self.smss {
                    self.cwnd = self.cwnd.saturating_add(self.smss);
                }
                Action::PartialAckRetransmit
            }
            Phase::AfterRto | Phase::Open => {
                if self.phase == Phase::AfterRto && ack.ge(self.recover) {
                    self.phase = Phase::Open;
                }
                self.grow(newly_acked_bytes);
                Action::None
            }
        }
    }

    /// Slow start or congestion avoidance growth for `acked` new bytes.
    fn grow(&mut self, acked: u32) {
        if self.in_slow_start() {
            // RFC 5681 eq. 2.
            self.cwnd = self.cwnd.saturating_add(acked.min(self.smss));
        } else {
            // RFC 3465 §2.1.
            self.bytes_acked = self.bytes_acked.saturating_add(acked);
            if self.bytes_acked >= self.cwnd {
                self.bytes_acked -= self.cwnd;
                self.cwnd = self.cwnd.saturating_add(self.smss);
            }
        }
    }

    /// A duplicate ACK (RFC 5681 §2) arrived; `snd_una` is the value it
    /// acknowledges, `flight_size` the data outstanding and `highest_sent`
    /// SND.NXT.
    pub fn on_dupack(
        &mut self,
        flight_size: u32,
        highest_sent: TcpSeqNumber,
        snd_una: TcpSeqNumber,
    ) -> Action {
        self.dupacks = self.dupacks.saturating_add(1);
        match self.phase {
            Phase::FastRecovery => {
                // RFC 5681 §3.2 step 5 / RFC 6582 §3.2 step 3: inflate.
                self.cwnd = self.cwnd.saturating_add(self.smss);
                Action::None
            }
            // RFC 6582 §4: the ACK does not cover `recover`, so these
            // duplicates may stem from the go-back-N after the timeout.
            Phase::AfterRto if !snd_una.ge(self.recover) => Action::None,
            Phase::AfterRto | Phase::Open => {
                if self.dupacks != 3 {
                    return Action::None;
                }
                // RFC 6582 §3.2 step 2 and RFC 5681 §3.2 steps 2–4.
                self.ssthresh = self.halved(flight_size);
                self.cwnd = self.ssthresh.saturating_add(self.smss.saturating_mul(3));
                self.recover = highest_sent;
                self.phase = Phase::FastRecovery;
                self.bytes_acked = 0;
                Action::FastRetransmit
            }
        }
    }

    /// The retransmission timer expired (RFC 5681 §3.1, RFC 6582 §4):
    /// `flight_size` is the data outstanding and `highest_sent` SND.NXT.
    /// The caller retransmits the first unacknowledged segment itself.
    pub fn on_rto(&mut self, flight_size: u32, highest_sent: TcpSeqNumber) {
        if self.consecutive_rtos == 0 {
            self.ssthresh = self.halved(flight_size);
        }
        self.consecutive_rtos = self.consecutive_rtos.saturating_add(1);
        // Loss window, RFC 5681 §3.1.
        self.cwnd = self.smss;
        self.recover = highest_sent;
        self.phase = Phase::AfterRto;
        self.dupacks = 0;
        self.bytes_acked = 0;
    }

    /// The connection was idle for more than an RTO (the caller decides):
    /// RFC 5681 §4.1, `cwnd = min(RW, cwnd)` with `RW = min(IW, cwnd)`.
    pub fn on_idle_restart(&mut self) {
        self.cwnd = self.cwnd.min(Self::initial_window(self.smss));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMSS: u32 = 1460;

    fn s(v: u32) -> TcpSeqNumber {
        TcpSeqNumber(v)
    }

    /// A connection in congestion avoidance with a 10-segment window.
    fn in_avoidance() -> NewReno {
        NewReno {
            cwnd: 10 * SMSS,
            ssthresh: 10 * SMSS,
            ..NewReno::new(SMSS)
        }
    }

    /// Three duplicate ACKs with `flight` outstanding and SND.NXT `nxt`.
    fn three_dupacks(cc: &mut NewReno, flight: u32, nxt: u32, una: u32) -> [Action; 3] {
        [
            cc.on_dupack(flight, s(nxt), s(una)),
            cc.on_dupack(flight, s(nxt), s(una)),
            cc.on_dupack(flight, s(nxt), s(una)),
        ]
    }

    #[test]
    fn initial_window_follows_rfc5681() {
        assert_eq!(NewReno::new(SMSS).cwnd, 4380);
        assert_eq!(NewReno::new(SMSS).ssthresh, u32::MAX);
        assert_eq!(NewReno::initial_window(536), 4 * 536);
        assert_eq!(NewReno::initial_window(1095), 4380);
        assert_eq!(NewReno::initial_window(2190), 4380);
        assert_eq!(NewReno::initial_window(2191), 2 * 2191);
        assert_eq!(NewReno::initial_window(9000), 18000);
    }

    #[test]
    fn slow_start_doubles_per_rtt_with_one_ack_per_segment() {
        let mut cc = NewReno::new(SMSS);
        let mut una = 1000u32;
        let mut expected = 3 * SMSS;
        for _rtt in 0..4 {
            let segments = cc.cwnd / SMSS;
            for _ in 0..segments {
                una = una.wrapping_add(SMSS);
                assert_eq!(cc.on_ack(s(una), SMSS, 0, s(una)), Action::None);
            }
            expected *= 2;
            assert_eq!(cc.cwnd, expected);
        }
        assert_eq!(cc.cwnd, 48 * SMSS);
    }

    #[test]
    fn slow_start_grows_at_most_one_smss_per_ack() {
        let mut cc = NewReno::new(SMSS);
        cc.on_ack(s(10 * SMSS), 5 * SMSS, 0, s(10 * SMSS));
        assert_eq!(cc.cwnd, 4380 + SMSS);
        cc.on_ack(s(10 * SMSS + 100), 100, 0, s(10 * SMSS + 100));
        assert_eq!(cc.cwnd, 4380 + SMSS + 100);
    }

    #[test]
    fn congestion_avoidance_grows_one_smss_per_window() {
        let mut cc = in_avoidance();
        let mut una = 0u32;
        for _ in 0..9 {
            una += SMSS;
            cc.on_ack(s(una), SMSS, 0, s(una));
        }
        assert_eq!(cc.cwnd, 10 * SMSS);
        assert_eq!(cc.bytes_acked, 9 * SMSS);
        una += SMSS;
        cc.on_ack(s(una), SMSS, 0, s(una));
        assert_eq!(cc.cwnd, 11 * SMSS);
        assert_eq!(cc.bytes_acked, 0);
        // The next window is 11 segments long.
        for _ in 0..10 {
            una += SMSS;
            cc.on_ack(s(una), SMSS, 0, s(una));
        }
        assert_eq!(cc.cwnd, 11 * SMSS);
        una += SMSS;
        cc.on_ack(s(una), SMSS, 0, s(una));
        assert_eq!(cc.cwnd, 12 * SMSS);
    }

    #[test]
    fn third_dupack_triggers_fast_retransmit_with_halved_ssthresh() {
        let mut cc = in_avoidance();
        let acts = three_dupacks(&mut cc, 14600, 50_000, 35_400);
        assert_eq!(acts, [Action::None, Action::None, Action::FastRetransmit]);
        assert!(acts[2].retransmit());
        assert_eq!(cc.ssthresh, 7300);
        assert_eq!(cc.cwnd, 7300 + 3 * SMSS);
        assert_eq!(cc.recover, s(50_000));
        assert!(cc.in_recovery());
    }

    #[test]
    fn first_two_dupacks_change_nothing() {
        let mut cc = in_avoidance();
        let before = cc;
        cc.on_dupack(14600, s(50_000), s(35_400));
        cc.on_dupack(14600, s(50_000), s(35_400));
        assert_eq!(cc.cwnd, before.cwnd);
        assert_eq!(cc.ssthresh, before.ssthresh);
        assert_eq!(cc.dupacks, 2);
    }

    #[test]
    fn further_dupacks_inflate_cwnd_by_one_smss() {
        let mut cc = in_avoidance();
        three_dupacks(&mut cc, 14600, 50_000, 35_400);
        assert_eq!(cc.on_dupack(14600, s(50_000), s(35_400)), Action::None);
        assert_eq!(cc.cwnd, 11680 + SMSS);
        assert_eq!(cc.on_dupack(14600, s(50_000), s(35_400)), Action::None);
        assert_eq!(cc.cwnd, 11680 + 2 * SMSS);
        assert_eq!(cc.ssthresh, 7300);
    }

    #[test]
    fn partial_ack_retransmits_and_deflates() {
        let mut cc = in_avoidance();
        three_dupacks(&mut cc, 14600, 50_000, 35_400);
        cc.on_dupack(14600, s(50_000), s(35_400));
        cc.on_dupack(14600, s(50_000), s(35_400));
        assert_eq!(cc.cwnd, 14600);
        // Two segments acknowledged, below recover.
        let act = cc.on_ack(s(38_320), 2 * SMSS, 11_680, s(50_000));
        assert_eq!(act, Action::PartialAckRetransmit);
        assert!(act.retransmit());
        assert_eq!(cc.cwnd, 14600 - 2 * SMSS + SMSS);
        assert!(cc.in_recovery());
        assert_eq!(cc.ssthresh, 7300);
        // Less than one SMSS acknowledged: no SMSS added back.
        let act = cc.on_ack(s(38_820), 500, 11_180, s(50_000));
        assert_eq!(act, Action::PartialAckRetransmit);
        assert_eq!(cc.cwnd, 13140 - 500);
        assert!(cc.in_recovery());
    }

    #[test]
    fn full_ack_exits_recovery_with_min_of_ssthresh_and_flight_plus_smss() {
        // Little outstanding: cwnd = max(FlightSize, SMSS) + SMSS.
        let mut cc = in_avoidance();
        three_dupacks(&mut cc, 14600, 50_000, 35_400);
        assert_eq!(cc.on_ack(s(50_000), 14600, 0, s(50_000)), Action::None);
        assert!(!cc.in_recovery());
        assert_eq!(cc.phase, Phase::Open);
        assert_eq!(cc.cwnd, 2 * SMSS);
        assert_eq!(cc.ssthresh, 7300);

        // Much outstanding (new data sent during recovery): cwnd = ssthresh.
        let mut cc = in_avoidance();
        three_dupacks(&mut cc, 14600, 50_000, 35_400);
        assert_eq!(cc.on_ack(s(50_000), 14600, 10_000, s(60_000)), Action::None);
        assert_eq!(cc.cwnd, 7300);
        assert_eq!(cc.dupacks, 0);
    }

    #[test]
    fn dupacks_after_rto_below_recover_do_not_fast_retransmit() {
        let mut cc = in_avoidance();
        cc.on_rto(14600, s(50_000));
        assert_eq!(cc.ssthresh, 7300);
        // Go-back-N: the retransmission is acknowledged, then duplicates.
        cc.on_ack(s(36_860), SMSS, 13_140, s(50_000));
        assert_eq!(cc.cwnd, 2 * SMSS);
        let acts = three_dupacks(&mut cc, 2 * SMSS, 50_000, 36_860);
        assert_eq!(acts, [Action::None; 3]);
        cc.on_dupack(2 * SMSS, s(50_000), s(36_860));
        assert_eq!(cc.cwnd, 2 * SMSS);
        assert_eq!(cc.ssthresh, 7300);
        assert!(!cc.in_recovery());

        // Once an ACK covers recover, fast retransmit works again.
        cc.on_ack(s(50_000), 13_140, 4380, s(54_380));
        assert_eq!(cc.phase, Phase::Open);
        let acts = three_dupacks(&mut cc, 4380, 54_380, 50_000);
        assert_eq!(acts[2], Action::FastRetransmit);
        assert_eq!(cc.ssthresh, 2 * SMSS);
        assert_eq!(cc.recover, s(54_380));
    }

    #[test]
    fn rto_sets_loss_window_and_halves_ssthresh() {
        let mut cc = in_avoidance();
        cc.on_rto(14600, s(50_000));
        assert_eq!(cc.cwnd, SMSS);
        assert_eq!(cc.ssthresh, 7300);
        assert_eq!(cc.recover, s(50_000));
        assert_eq!(cc.phase, Phase::AfterRto);
        assert!(cc.in_slow_start());
    }

    #[test]
    fn rto_during_fast_recovery_leaves_recovery() {
        let mut cc = in_avoidance();
        three_dupacks(&mut cc, 14600, 50_000, 35_400);
        cc.on_rto(14600, s(52_000));
        assert!(!cc.in_recovery());
        assert_eq!(cc.cwnd, SMSS);
        assert_eq!(cc.recover, s(52_000));
        // Later dupacks below the new recover are ignored.
        assert_eq!(
            three_dupacks(&mut cc, SMSS, 52_000, 35_400),
            [Action::None; 3]
        );
    }

    #[test]
    fn repeated_rto_of_same_segment_keeps_ssthresh() {
        let mut cc = in_avoidance();
        cc.on_rto(14600, s(50_000));
        cc.on_rto(SMSS, s(50_000));
        assert_eq!(cc.ssthresh, 7300);
        assert_eq!(cc.cwnd, SMSS);
        // After progress, a new timeout halves again.
        cc.on_ack(s(36_860), SMSS, 4000, s(40_860));
        cc.on_rto(4000, s(40_860));
        assert_eq!(cc.ssthresh, 2 * SMSS);
    }

    #[test]
    fn ssthresh_never_below_two_smss() {
        let mut cc = in_avoidance();
        cc.on_rto(2000, s(10_000));
        assert_eq!(cc.ssthresh, 2 * SMSS);

        let mut cc = in_avoidance();
        three_dupacks(&mut cc, 1000, 10_000, 9_000);
        assert_eq!(cc.ssthresh, 2 * SMSS);
        assert_eq!(cc.cwnd, 5 * SMSS);

        let mut cc = in_avoidance();
        cc.on_rto(0, s(10_000));
        assert_eq!(cc.ssthresh, 2 * SMSS);
    }

    #[test]
    fn recover_point_works_across_sequence_wrap() {
        // Loss just below 2^32; SND.NXT has wrapped to 0x100.
        let una = 0xFFFF_F000u32;
        let nxt = 0x0000_0100u32;
        let flight = nxt.wrapping_sub(una);
        let mut cc = in_avoidance();
        assert_eq!(
            three_dupacks(&mut cc, flight, nxt, una)[2],
            Action::FastRetransmit
        );
        assert_eq!(cc.recover, s(nxt));
        // Partial ACK across the wrap, still below recover.
        let ack = 0x0000_0050u32;
        let acked = ack.wrapping_sub(una);
        let act = cc.on_ack(s(ack), acked, nxt.wrapping_sub(ack), s(nxt));
        assert_eq!(act, Action::PartialAckRetransmit);
        assert!(cc.in_recovery());
        // Full ACK at the wrapped recover point.
        assert_eq!(cc.on_ack(s(nxt), nxt - ack, 0, s(nxt)), Action::None);
        assert!(!cc.in_recovery());

        // RTO guard across the wrap: dupacks at 0xFFFF_FF00 < 0x100.
        let mut cc = in_avoidance();
        cc.on_rto(flight, s(nxt));
        assert_eq!(
            three_dupacks(&mut cc, flight, nxt, 0xFFFF_FF00),
            [Action::None; 3]
        );
        cc.on_ack(s(nxt), flight, 0, s(nxt));
        assert_eq!(cc.phase, Phase::Open);
    }

    #[test]
    fn new_ack_resets_dupack_count() {
        let mut cc = in_avoidance();
        cc.on_dupack(14600, s(50_000), s(35_400));
        cc.on_dupack(14600, s(50_000), s(35_400));
        cc.on_ack(s(36_860), SMSS, 13_140, s(50_000));
        assert_eq!(cc.dupacks, 0);
        assert_eq!(cc.on_dupack(13_140, s(50_000), s(36_860)), Action::None);
        assert_eq!(cc.on_dupack(13_140, s(50_000), s(36_860)), Action::None);
        assert_eq!(
            cc.on_dupack(13_140, s(50_000), s(36_860)),
            Action::FastRetransmit
        );
    }

    #[test]
    fn send_window_is_min_of_cwnd_and_rwnd() {
        let cc = NewReno::new(SMSS);
        assert_eq!(cc.send_window(65_535), 4380);
        assert_eq!(cc.send_window(1000), 1000);
        assert_eq!(cc.send_window(0), 0);
    }

    #[test]
    fn idle_restart_caps_cwnd_at_initial_window() {
        let mut cc = in_avoidance();
        cc.on_idle_restart();
        assert_eq!(cc.cwnd, 4380);
        let mut cc = NewReno::new(SMSS);
        cc.on_rto(14600, s(1000));
        cc.on_idle_restart();
        assert_eq!(cc.cwnd, SMSS);
    }

    #[test]
    fn state_round_trips_by_copy() {
        let mut cc = in_avoidance();
        three_dupacks(&mut cc, 14600, 50_000, 35_400);
        let exported = cc;
        let mut imported = NewReno { ..exported };
        assert_eq!(imported, cc);
        assert_eq!(
            imported.on_ack(s(50_000), 14600, 0, s(50_000)),
            cc.on_ack(s(50_000), 14600, 0, s(50_000))
        );
        assert_eq!(imported, cc);
    }
}
