//! TCP (RFC 9293), built bottom-up from parts that can each be tested alone:
//!
//! - [`seq`]: sequence-number arithmetic modulo 2^32 and the segment
//!   acceptability test.
//! - [`rtt`]: the retransmission timer estimator (RFC 6298).
//! - [`congestion`]: NewReno congestion control (RFC 5681, RFC 6582).

pub mod congestion;
pub mod rtt;
pub mod seq;
