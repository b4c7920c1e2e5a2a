//! The bodies of the stack's fuzz targets, one `pub fn <target>(data: &[u8])` each: the
//! cargo-fuzz binaries in `fuzz_targets/` call them under libFuzzer (`scripts/fuzz`), and
//! `tests/replay.rs` runs every file of `corpus/<target>/` and `regressions/<target>/` through
//! them as an ordinary test on stable Rust. A body panics exactly when it finds a bug.
//!
//! - [`wire_roundtrip`]: each wire parser, parse -> emit -> parse gives the same repr;
//! - [`ingress`]: arbitrary frames and RX offload metadata into an [`stack::iface::Interface`];
//! - [`tcp_conn`]: a [`stack::tcp::Connection`] driven by arbitrary segments and calls.

mod ingress;
mod input;
mod tcp_conn;
mod wire_roundtrip;

pub use ingress::ingress;
pub use tcp_conn::tcp_conn;
pub use wire_roundtrip::wire_roundtrip;
