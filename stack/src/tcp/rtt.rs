//! The retransmission timeout estimator of RFC 6298, in integer nanoseconds.
//!
//! The stack owns no clock: every time is a `u64` count of nanoseconds given
//! by the caller. [`RtoEstimator`] holds SRTT, RTTVAR and the current RTO
//! (with exponential backoff); [`RttTimer`] measures one segment at a time and
//! applies Karn's algorithm (RFC 6298 §3) so that retransmitted segments never
//! yield a sample. Both are plain `Copy` structs with public fields, so a
//! connection's state can be exported to a NIC and imported back exactly.

use crate::wire::TcpSeqNumber;

/// One millisecond in nanoseconds.
pub const MS: u64 = 1_000_000;
/// One second in nanoseconds.
pub const SEC: u64 = 1_000 * MS;

/// Tunables of the estimator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtoConfig {
    /// RTO before any sample (RFC 6298 §2.1: 1 s).
    pub initial_rto_ns: u64,
    /// Lower bound on a computed RTO. RFC 6298 §2.4 says 1 s; the default
    /// here is 200 ms, as Linux (`TCP_RTO_MIN`).
    pub min_rto_ns: u64,
    /// Upper bound on RTO, also capping backoff. RFC 6298 §2.5 allows a
    /// maximum of at least 60 s.
    pub max_rto_ns: u64,
    /// Clock granularity G of RFC 6298 §2.2/§2.3 (default 1 ms).
    pub granularity_ns: u64,
}

impl Default for RtoConfig {
    fn default() -> Self {
        RtoConfig {
            initial_rto_ns: SEC,
            min_rto_ns: 200 * MS,
            max_rto_ns: 60 * SEC,
            granularity_ns: MS,
        }
    }
}

/// Why an [`RtoConfig`] was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RtoConfigError {
    /// RFC 6298 §2.5: a maximum RTO must be at least 60 s.
    #[error("maximum RTO {max_rto_ns} ns is below the 60 s RFC 6298 §2.5 requires")]
    MaxBelowSixtySeconds {
        /// The refused maximum.
        max_rto_ns: u64,
    },
    /// The minimum exceeds the maximum.
    #[error("minimum RTO {min_rto_ns} ns exceeds maximum RTO {max_rto_ns} ns")]
    MinAboveMax {
        /// The configured minimum.
        min_rto_ns: u64,
        /// The configured maximum.
        max_rto_ns: u64,
    },
}

impl RtoConfig {
    /// Checks the RFC 6298 constraints on the bounds.
    pub fn validate(&self) -> Result<(), RtoConfigError> {
        if self.max_rto_ns < 60 * SEC {
            return Err(RtoConfigError::MaxBelowSixtySeconds {
                max_rto_ns: self.max_rto_ns,
            });
        }
        if self.min_rto_ns > self.max_rto_ns {
            return Err(RtoConfigError::MinAboveMax {
                min_rto_ns: self.min_rto_ns,
                max_rto_ns: self.max_rto_ns,
            });
        }
        Ok(())
    }

    fn clamp(&self, rto_ns: u64) -> u64 {
        rto_ns.clamp(self.min_rto_ns, self.max_rto_ns)
    }
}

/// RFC 6298 RTO estimator. All fields are public so the state can be
/// exported and imported exactly; use [`RtoEstimator::new`] to start one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtoEstimator {
    /// Bounds and granularity.
    pub config: RtoConfig,
    /// Smoothed round-trip time; `None` until the first sample.
    pub srtt_ns: Option<u64>,
    /// Round-trip time variation (meaningless until the first sample).
    pub rttvar_ns: u64,
    /// The current RTO, including any backoff.
    pub rto_ns: u64,
    /// Timeouts since the last valid sample (how many times RTO was doubled).
    pub backoffs: u32,
}

impl Default for RtoEstimator {
    fn default() -> Self {
        Self::with_config(RtoConfig::default())
    }
}

impl RtoEstimator {
    /// A fresh estimator: no samples, RTO = the initial RTO (RFC 6298 §2.1),
    /// bounded by the configured minimum and maximum.
    pub fn new(config: RtoConfig) -> Result<Self, RtoConfigError> {
        config.validate()?;
        Ok(Self::with_config(config))
    }

    fn with_config(config: RtoConfig) -> Self {
        RtoEstimator {
            config,
            srtt_ns: None,
            rttvar_ns: 0,
            rto_ns: config.clamp(config.initial_rto_ns),
            backoffs: 0,
        }
    }

    /// The current retransmission timeout, in nanoseconds.
    pub fn rto_ns(&self) -> u64 {
        self.rto_ns
    }

    /// Takes a valid RTT measurement (never one from a retransmitted segment:
    /// see [`RttTimer`]). Updates SRTT and RTTVAR per RFC 6298 §2.2 (first
    /// sample) or §2.3 (later ones, RTTVAR first, using the old SRTT), then
    /// recomputes RTO, which ends any backoff.
    pub fn sample(&mut self, rtt_ns: u64) {
        match self.srtt_ns {
            None => {
                // §2.2: SRTT <- R, RTTVAR <- R/2.
                self.srtt_ns = Some(rtt_ns);
                self.rttvar_ns = rtt_ns / 2;
            }
            Some(srtt) => {
                // §2.3 with beta = 1/4, alpha = 1/8, in this order.
                let (srtt, r, var) = (srtt as u128, rtt_ns as u128, self.rttvar_ns as u128);
                let rttvar = (3 * var + srtt.abs_diff(r)) / 4;
                let srtt = (7 * srtt + r) / 8;
                self.rttvar_ns = rttvar as u64;
                self.srtt_ns = Some(srtt as u64);
            }
        }
        self.backoffs = 0;
        self.rto_ns = self.computed_rto();
    }

    /// RTO = SRTT + max(G, 4·RTTVAR), bounded (§2.2–§2.5); the initial RTO
    /// before any sample.
    fn computed_rto(&self) -> u64 {
        match self.srtt_ns {
            None => self.config.clamp(self.config.initial_rto_ns),
            Some(srtt) => {
                let var_term = self
                    .config
                    .granularity_ns
                    .max(self.rttvar_ns.saturating_mul(4));
                self.config.clamp(srtt.saturating_add(var_term))
            }
        }
    }

    /// The retransmission timer expired: RTO <- RTO · 2, capped at the
    /// maximum (RFC 6298 §5.5).
    pub fn on_timeout(&mut self) {
        self.rto_ns = self.rto_ns.saturating_mul(2).min(self.config.max_rto_ns);
        self.backoffs = self.backoffs.saturating_add(1);
    }
}

/// Times one segment at a time for RTT samples, following Karn's algorithm
/// (RFC 6298 §3): a measurement is dropped as soon as anything is
/// retransmitted, because an ACK could then belong to either transmission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RttTimer {
    /// The running measurement: the sequence number an ACK must reach
    /// (SEG.SEQ + SEG.LEN of the timed segment) and when it was sent.
    pub running: Option<(TcpSeqNumber, u64)>,
}

impl RttTimer {
    /// An idle timer.
    pub fn new() -> Self {
        RttTimer { running: None }
    }

    /// Whether a segment is being timed.
    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// Starts timing a segment first sent at `now_ns`, whose end is `end_seq`
    /// (SEG.SEQ + SEG.LEN), unless one is already being timed. Returns whether
    /// timing started. Call it only for segments sent for the first time.
    pub fn start(&mut self, end_seq: TcpSeqNumber, now_ns: u64) -> bool {
        if self.running.is_some() {
            return false;
        }
        self.running = Some((end_seq, now_ns));
        true
    }

    /// An ACK for `ack` arrived at `now_ns`. If it covers the timed segment,
    /// ends the measurement and returns the RTT sample.
    pub fn on_ack(&mut self, ack: TcpSeqNumber, now_ns: u64) -> Option<u64> {
        let (end_seq, sent_ns) = self.running?;
        if ack.ge(end_seq) {
            self.running = None;
            Some(now_ns.saturating_sub(sent_ns))
        } else {
            None
        }
    }

    /// Something was retransmitted: the running measurement is invalid
    /// (Karn's algorithm).
    pub fn on_retransmit(&mut self) {
        self.running = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_rto_is_one_second() {
        let e = RtoEstimator::default();
        assert_eq!(e.rto_ns(), SEC);
        assert_eq!(e.srtt_ns, None);
        assert_eq!(RtoEstimator::new(RtoConfig::default()).unwrap(), e);
    }

    #[test]
    fn first_sample_sets_srtt_and_half_rttvar() {
        let mut e = RtoEstimator::default();
        e.sample(100 * MS);
        assert_eq!(e.srtt_ns, Some(100_000_000));
        assert_eq!(e.rttvar_ns, 50_000_000);
        // 100 ms + max(1 ms, 4 * 50 ms)
        assert_eq!(e.rto_ns(), 300_000_000);
    }

    #[test]
    fn later_sample_updates_rttvar_before_srtt() {
        let mut e = RtoEstimator::default();
        e.sample(100 * MS);
        e.sample(200 * MS);
        // RTTVAR = 3/4 * 50 ms + 1/4 * |100 ms - 200 ms| (old SRTT).
        assert_eq!(e.rttvar_ns, 62_500_000);
        // SRTT = 7/8 * 100 ms + 1/8 * 200 ms.
        assert_eq!(e.srtt_ns, Some(112_500_000));
        assert_eq!(e.rto_ns(), 112_500_000 + 4 * 62_500_000);
    }

    #[test]
    fn minimum_rto_defaults_to_200_ms() {
        let mut e = RtoEstimator::default();
        e.sample(10 * MS); // computed 10 + 20 = 30 ms
        assert_eq!(e.rto_ns(), 200 * MS);
    }

    #[test]
    fn minimum_rto_configurable_to_rfc_one_second() {
        let cfg = RtoConfig {
            min_rto_ns: SEC,
            ..RtoConfig::default()
        };
        let mut e = RtoEstimator::new(cfg).unwrap();
        e.sample(100 * MS); // computed 300 ms
        assert_eq!(e.rto_ns(), SEC);
    }

    #[test]
    fn timeout_doubles_rto_and_caps_at_maximum() {
        let mut e = RtoEstimator::default();
        let mut seen = Vec::new();
        for _ in 0..8 {
            e.on_timeout();
            seen.push(e.rto_ns() / SEC);
        }
        assert_eq!(seen, [2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(e.backoffs, 8);
    }

    #[test]
    fn valid_sample_after_backoff_recomputes_rto() {
        let mut e = RtoEstimator::default();
        e.sample(100 * MS);
        e.on_timeout();
        e.on_timeout();
        assert_eq!(e.rto_ns(), 1_200_000_000);
        e.sample(100 * MS);
        // RTTVAR = 3/4 * 50 ms + 0, SRTT = 100 ms.
        assert_eq!(e.rto_ns(), 100 * MS + 4 * 37_500_000);
        assert_eq!(e.backoffs, 0);
    }

    #[test]
    fn retransmitted_segment_gives_no_sample() {
        let mut t = RttTimer::new();
        assert!(t.start(TcpSeqNumber(1100), 0));
        t.on_retransmit();
        assert_eq!(t.on_ack(TcpSeqNumber(1100), 500 * MS), None);
        // A segment first sent afterwards is timed normally.
        assert!(t.start(TcpSeqNumber(2100), 600 * MS));
        assert_eq!(t.on_ack(TcpSeqNumber(2100), 650 * MS), Some(50 * MS));
    }

    #[test]
    fn timer_times_one_segment_until_covered_by_ack() {
        let mut t = RttTimer::new();
        assert!(t.start(TcpSeqNumber(u32::MAX - 10) + 20, 1_000));
        assert!(
            !t.start(TcpSeqNumber(5000), 2_000),
            "second segment not timed"
        );
        assert_eq!(t.on_ack(TcpSeqNumber(u32::MAX - 10), 3_000), None);
        assert!(t.is_running());
        assert_eq!(t.on_ack(TcpSeqNumber(30), 4_000), Some(3_000));
        assert!(!t.is_running());
    }

    #[test]
    fn granularity_term_used_when_rttvar_tiny() {
        let cfg = RtoConfig {
            min_rto_ns: 0,
            granularity_ns: 10 * MS,
            ..RtoConfig::default()
        };
        let mut e = RtoEstimator::new(cfg).unwrap();
        e.sample(MS); // RTTVAR 0.5 ms: 4 * RTTVAR = 2 ms < G
        assert_eq!(e.rto_ns(), MS + 10 * MS);
        // With the default 1 ms granularity, equal samples shrink RTTVAR
        // until G dominates.
        let mut e = RtoEstimator::new(RtoConfig {
            min_rto_ns: 0,
            ..RtoConfig::default()
        })
        .unwrap();
        for _ in 0..100 {
            e.sample(50 * MS);
        }
        assert!(4 * e.rttvar_ns < MS);
        assert_eq!(e.rto_ns(), 50 * MS + MS);
    }

    #[test]
    fn max_below_sixty_seconds_is_refused() {
        let cfg = RtoConfig {
            max_rto_ns: 30 * SEC,
            ..RtoConfig::default()
        };
        assert_eq!(
            RtoEstimator::new(cfg),
            Err(RtoConfigError::MaxBelowSixtySeconds {
                max_rto_ns: 30 * SEC
            })
        );
    }

    #[test]
    fn state_round_trips_through_copy() {
        let mut e = RtoEstimator::default();
        e.sample(80 * MS);
        e.on_timeout();
        let exported = e;
        let imported = RtoEstimator { ..exported };
        assert_eq!(imported, e);
        let mut a = imported;
        let mut b = e;
        a.sample(90 * MS);
        b.sample(90 * MS);
        assert_eq!(a, b);
    }
}
