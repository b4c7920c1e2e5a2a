//! TCP (RFC 9293), built from parts that can each be tested alone:
//!
//! - [`seq`]: sequence-number arithmetic modulo 2^32 and the segment
//!   acceptability test.
//! - [`rtt`]: the retransmission timer estimator (RFC 6298).
//! - [`congestion`]: NewReno congestion control (RFC 5681, RFC 6582).
//! - [`buffer`]: the send buffer and the receive buffer with bounded
//!   out-of-order reassembly.
//! - [`scoreboard`]: the sender's SACK scoreboard.
//! - [`conn`]: one connection, the whole RFC 9293 state machine.
//! - [`syncookie`]: SYN cookies (RFC 4987), encoded as Linux encodes them.

pub mod buffer;
pub mod congestion;
pub mod conn;
pub mod rtt;
pub mod scoreboard;
pub mod seq;
pub mod syncookie;

pub use conn::{
    CloseReason, ConnError, ConnStats, Connection, IcmpEffect, IcmpKind, Keepalive, Outgoing,
    State, TcpConfig,
};
