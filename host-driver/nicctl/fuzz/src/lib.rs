//! The body of nicctl's fuzz target, `cli_args`: the cargo-fuzz binary in `fuzz_targets/`
//! calls it under libFuzzer (`scripts/fuzz`), and `tests/replay.rs` runs every file of
//! `corpus/cli_args/` and `regressions/cli_args/` through it on stable Rust.
//!
//! The input is an argv: arguments separated by NUL bytes, any bytes (not only UTF-8) in each.
//! `nicctl::cli::parse_from` must answer every one with a command line or an error, never a
//! panic (clap panics on inconsistent definitions, and the value parsers run on the words).

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

pub fn cli_args(data: &[u8]) {
    let args = std::iter::once(OsString::from("nicctl"))
        .chain(
            data.split(|&b| b == 0)
                .map(|a| OsString::from_vec(a.to_vec())),
        )
        .take(64);
    if let Err(e) = nicctl::cli::parse_from(args) {
        // Rendering the message (usage, suggestions) must not panic either.
        let _ = e.render().to_string();
    }
}
