//! `nicctl serve`: the stack on a TAP device for the kernel's tools (docs/demo.md).

use super::*;

#[derive(clap::Args)]
pub(crate) struct ServeArgs {
    /// TAP interface to create (needs root or CAP_NET_ADMIN).
    #[arg(long)]
    pub(crate) tap: String,
    /// Our address IP/PREFIX; once for IPv4 and once for IPv6 at most.
    #[arg(long = "addr", value_name = "IP/PREFIX", required = true, value_parser = nicctl::serve::parse_addr)]
    pub(crate) addrs: Vec<(std::net::IpAddr, u8)>,
    /// TCP port (default: 7 echo, 9 discard, 80 http).
    #[arg(long)]
    pub(crate) port: Option<u16>,
    /// The application on the port.
    #[arg(long, value_enum)]
    pub(crate) app: AppArg,
    /// Our MAC address.
    #[arg(long, default_value = "02:4e:49:43:00:01", value_parser = nicctl::serve::parse_mac)]
    pub(crate) mac: [u8; 6],
    /// Stop after this many seconds (default: run until SIGINT or SIGTERM).
    #[arg(long = "for", value_name = "SECONDS")]
    pub(crate) for_secs: Option<f64>,
    /// One line per connection.
    #[arg(short, long)]
    pub(crate) verbose: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum AppArg {
    Echo,
    Discard,
    Http,
}

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
