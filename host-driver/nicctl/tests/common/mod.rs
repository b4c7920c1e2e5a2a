//! Shared by the `nicctl` tests that run the binary as a user does.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs the built `nicctl` with `NICCTL_STATE_DIR=state` (a state directory of the test's own,
/// so switches a user saved cannot leak in).
pub fn run(state: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nicctl"))
        .args(args)
        .env("NICCTL_STATE_DIR", state)
        .output()
        .expect("run nicctl")
}

/// [`run`]: (success, stdout, stderr).
pub fn nicctl(state: &Path, args: &[&str]) -> (bool, String, String) {
    let out = run(state, args);
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
