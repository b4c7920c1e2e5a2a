//! Shared by the `nicctl` tests that run the binary as a user does.

/// Runs the built `nicctl` with `NICCTL_STATE_DIR=state`: (success, stdout, stderr).
pub fn nicctl(state: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nicctl"))
        .args(args)
        .env("NICCTL_STATE_DIR", state)
        .output()
        .expect("run nicctl");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}
