//! What the workspace's tests share, in one place and in no library:
//!
//! - [`seed`]: the one seed convention. Every randomised test takes its seed
//!   from [`seed`], which prints it; `TEST_SEED=<n>` replays any of them.
//! - [`net_admin`] and [`tool`]: the privilege and tool checks of the tests
//!   that talk to the kernel. Without what they need such a test prints a
//!   `skipped:` line and passes, except under `CI=true`, where it fails with
//!   the same message: an unprivileged CI must not pass them silently.
//! - [`netns`]: network namespaces (iproute2) for those tests.
//! - [`oracle`]: an independent packet oracle (etherparse): what a frame is,
//!   whether its checksums are right, reference frames.

pub mod netns;
pub mod oracle;

use std::path::Path;

/// The environment variable that replays a randomised test.
pub const SEED_VAR: &str = "TEST_SEED";

/// The seed of the calling test: `TEST_SEED` if set (decimal, or hex with
/// `0x`), else `default`. Prints it with the test's name (its thread's) and
/// how to replay it. Panics, naming the variable, on a value that is not a
/// number.
pub fn seed(default: u64) -> u64 {
    let name = std::thread::current()
        .name()
        .filter(|n| *n != "main")
        .unwrap_or("seed")
        .to_string();
    seed_named(&name, default)
}

/// [`seed`] for a test that names itself (`test`), e.g. one of several runs
/// of one test function.
pub fn seed_named(test: &str, default: u64) -> u64 {
    let s = match std::env::var(SEED_VAR) {
        Ok(v) if !v.trim().is_empty() => parse_seed(&v)
            .unwrap_or_else(|| panic!("{SEED_VAR}={v:?} is not a number (decimal or 0x hex)")),
        _ => default,
    };
    eprintln!("{test}: seed {s:#x} (replay with {SEED_VAR}={s:#x})");
    s
}

fn parse_seed(v: &str) -> Option<u64> {
    let v = v.trim();
    match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

/// True when the CI convention `CI=true` is set (any value but empty, `0`
/// and `false`).
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// Whether this process may create TAP devices and network namespaces: root,
/// `/dev/net/tun` and iproute2's `ip`. If not, prints a `skipped:` line that
/// says what is missing and returns false; under `CI=true` it panics with
/// that line instead.
pub fn net_admin() -> bool {
    let mut missing = Vec::new();
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        missing.push("root");
    }
    if !Path::new("/dev/net/tun").exists() {
        missing.push("/dev/net/tun");
    }
    if netns::run("ip", &["-V"]).is_err() {
        missing.push("iproute2's ip (scripts/setup installs it)");
    }
    require(&missing)
}

/// Whether `program` runs (`program version_arg` succeeds). If not, the
/// same as [`net_admin`]: a `skipped:` line, or under `CI=true` a panic.
pub fn tool(program: &str, version_arg: &str) -> bool {
    if netns::run(program, &[version_arg]).is_ok() {
        return true;
    }
    require(&[program])
}

fn require(missing: &[&str]) -> bool {
    if missing.is_empty() {
        return true;
    }
    let name = std::thread::current()
        .name()
        .unwrap_or("this test")
        .to_string();
    let msg = format!("{name} needs {}", missing.join(", "));
    if under_ci() {
        panic!("{msg}; under CI=true a test does not skip");
    }
    eprintln!("skipped: {msg}");
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_parse_in_decimal_and_hex() {
        assert_eq!(parse_seed("42"), Some(42));
        assert_eq!(parse_seed(" 0x2a "), Some(42));
        assert_eq!(parse_seed("0X2A"), Some(42));
        assert_eq!(parse_seed("18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_seed("18446744073709551616"), None);
        assert_eq!(parse_seed("seven"), None);
        assert_eq!(parse_seed(""), None);
    }

    #[test]
    fn nothing_missing_is_no_skip() {
        assert!(require(&[]));
    }
}
