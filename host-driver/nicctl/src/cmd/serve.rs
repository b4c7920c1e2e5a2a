//! `nicctl serve`: the stack on a TAP device for the kernel's tools (docs/demo.md).

use super::*;
use nicctl::cli::{AppArg, ServeArgs};

/// `nicctl serve`: the stack on a TAP device until a signal or --for.
pub(crate) fn run_serve(a: &ServeArgs, json: bool) -> Result<ExitCode> {
    let duration = match a.for_secs {
        None => None,
        Some(s) if s.is_finite() && s > 0.0 && s < 1e9 => {
            Some(std::time::Duration::from_secs_f64(s))
        }
        Some(s) => anyhow::bail!("--for must be a positive number of seconds, not {s}"),
    };
    let cfg = ServeConfig {
        tap: a.tap.clone(),
        addrs: a.addrs.clone(),
        mac: a.mac,
        app: match a.app {
            AppArg::Echo => App::Echo,
            AppArg::Discard => App::Discard,
            AppArg::Http => App::Http,
        },
        port: a.port,
        duration,
        verbose: a.verbose,
    };
    nicctl::serve::interface(&cfg)?;
    let stop = nicctl::serve::install_stop_signals();
    let s = nicctl::serve::run(&cfg, stop)?;
    if json {
        say!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "connections": s.connections, "bytes_in": s.bytes_in,
                "bytes_out": s.bytes_out, "http_requests": s.http_requests,
            }))?
        );
    } else {
        say!(
            "served {} connections: {} bytes in, {} bytes out",
            s.connections,
            s.bytes_in,
            s.bytes_out
        );
    }
    Ok(ExitCode::SUCCESS)
}
