//! `nicctl serve`: the stack on a TAP device, on the real clock, serving one
//! small application on a TCP port so the kernel's own tools (ping, nc,
//! curl) can talk to it.
//!
//! The loop sleeps in `poll(2)` on the TAP descriptor until a frame is
//! readable or the stack's next deadline ([`Interface::poll_at`]) comes, then
//! polls the stack with `now` = nanoseconds since start (monotonic) and runs
//! the application on every connection. Applications:
//!
//! - `echo` (port 7): sends back what it receives, as fast as the send
//!   buffer takes it; bytes are consumed from the receive buffer only once
//!   the send buffer accepted them, so none is ever lost.
//! - `discard` (port 9): reads and drops.
//! - `http` (port 80): a minimal HTTP/1.1 server. `GET /` is a small HTML
//!   page naming the stack, `GET /bytes/N` is N bytes, anything else 404;
//!   a request that does not parse gets 400, a method other than GET or
//!   HEAD 405. One request per connection (`Connection: close`).

use anyhow::{anyhow, bail, Context, Result};
use stack::iface::{Interface, InterfaceConfig};
use stack::phy::tap::TapDevice;
use stack::socket::{SocketError, TcpHandle};
use stack::tcp::State;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The application served on the TCP port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum App {
    Echo,
    Discard,
    Http,
}

impl App {
    /// The port the application listens on unless told otherwise.
    pub fn default_port(self) -> u16 {
        match self {
            App::Echo => 7,
            App::Discard => 9,
            App::Http => 80,
        }
    }
}

/// How `serve` runs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// TAP interface to create (or attach to).
    pub tap: String,
    /// Our addresses: at most one IPv4 and one IPv6, with prefix lengths.
    pub addrs: Vec<(IpAddr, u8)>,
    pub mac: [u8; 6],
    pub app: App,
    /// TCP port; `None` is the application's default.
    pub port: Option<u16>,
    /// Stop after this long; `None` runs until a signal.
    pub duration: Option<Duration>,
    /// One line per connection on stdout.
    pub verbose: bool,
}

/// Parses `IP/PREFIX` (the prefix defaults to 24 for IPv4, 64 for IPv6).
pub fn parse_addr(s: &str) -> Result<(IpAddr, u8), String> {
    let (ip, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let ip: IpAddr = ip
        .parse()
        .map_err(|_| format!("'{s}' is not an address (e.g. 10.0.0.2/24 or fd00::2/64)"))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        None => {
            if ip.is_ipv4() {
                24
            } else {
                64
            }
        }
        Some(p) => p
            .parse::<u8>()
            .ok()
            .filter(|p| (1..=max).contains(p))
            .ok_or_else(|| format!("'{s}': the prefix length must be 1..={max}"))?,
    };
    if ip.is_unspecified() || ip.is_multicast() || ip.is_loopback() {
        return Err(format!("'{s}' cannot be an interface address"));
    }
    Ok((ip, prefix))
}

/// Parses a MAC address `aa:bb:cc:dd:ee:ff` (unicast).
pub fn parse_mac(s: &str) -> Result<[u8; 6], String> {
    let parts: Vec<&str> = s.split(':').collect();
    let mut mac = [0u8; 6];
    if parts.len() != 6 {
        return Err(format!("'{s}' is not a MAC address (aa:bb:cc:dd:ee:ff)"));
    }
    for (m, p) in mac.iter_mut().zip(parts) {
        *m = u8::from_str_radix(p, 16)
            .ok()
            .filter(|_| p.len() == 2)
            .ok_or_else(|| format!("'{s}' is not a MAC address (aa:bb:cc:dd:ee:ff)"))?;
    }
    if mac[0] & 1 != 0 || mac == [0; 6] {
        return Err(format!("'{s}' is not a unicast MAC address"));
    }
    Ok(mac)
}

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_sig: i32) {
    STOP.store(true, Ordering::SeqCst);
}

/// Makes SIGINT and SIGTERM set the flag [`run`] watches, for a clean exit.
pub fn install_stop_signals() -> &'static AtomicBool {
    // SAFETY: `on_signal` only stores to an atomic, which is
    // async-signal-safe; `signal` with a valid signal number and a function
    // pointer of the C handler type has no other preconditions.
    unsafe {
        let handler = on_signal as extern "C" fn(i32) as libc::sighandler_t;
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
    &STOP
}

/// What a served connection did, for `-v` and the summary.
#[derive(Debug, Clone, Default)]
pub struct ServeStats {
    pub connections: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub http_requests: u64,
}

/// How long an HTTP client has to send its request.
const HTTP_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest HTTP request head we read.
const MAX_REQUEST: usize = 8 * 1024;

/// What an HTTP connection still has to send.
#[derive(Debug, Default)]
struct Response {
    head: Vec<u8>,
    head_at: usize,
    /// Body bytes of the generated pattern left to send, and sent so far.
    body_left: u64,
    body_at: u64,
    /// A fixed body (the page, error texts) instead of the pattern.
    fixed: Option<Vec<u8>>,
}

/// One accepted connection.
struct Conn {
    h: TcpHandle,
    id: u64,
    remote: Option<SocketAddr>,
    bytes_in: u64,
    bytes_out: u64,
    request: Vec<u8>,
    response: Option<Response>,
    closed: bool,
    /// When it was accepted (an HTTP client gets [`HTTP_REQUEST_TIMEOUT`]
    /// to send its request).
    since: Instant,
}

/// The byte at offset `i` of a `/bytes/N` body: printable, easy to check.
pub fn body_byte(i: u64) -> u8 {
    b"abcdefghijklmnopqrstuvwxyz0123456789\n"[(i % 37) as usize]
}

/// The answer to one HTTP request head (everything up to the blank line).
fn http_answer(head: &[u8]) -> (Response, u16) {
    let text = std::str::from_utf8(head).ok();
    let line = text.and_then(|t| t.split("\r\n").next()).unwrap_or("");
    let parts: Vec<&str> = line.split(' ').collect();
    let respond = |status: u16, reason: &str, ctype: &str, body: Vec<u8>, head_only: bool| {
        let mut r = Response {
            head: format!(
                "HTTP/1.1 {status} {reason}\r\nServer: nicctl-serve (offload-aware Rust TCP/IP stack)\r\n\
                 Content-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n{}\r\n",
                body.len(),
                if status == 405 { "Allow: GET, HEAD\r\n" } else { "" }
            )
            .into_bytes(),
            ..Response::default()
        };
        if !head_only {
            r.fixed = Some(body);
        }
        (r, status)
    };
    let valid_version = parts.len() == 3 && matches!(parts[2], "HTTP/1.1" | "HTTP/1.0");
    let valid_method = parts
        .first()
        .is_some_and(|m| !m.is_empty() && m.bytes().all(|c| c.is_ascii_uppercase()));
    let headers_ok = text.is_some_and(|t| {
        t.split("\r\n").skip(1).filter(|l| !l.is_empty()).all(|l| {
            l.split_once(':')
                .is_some_and(|(k, _)| !k.is_empty() && !k.contains(' '))
        })
    });
    if !(valid_version && valid_method && headers_ok && parts[1].starts_with('/')) {
        return respond(
            400,
            "Bad Request",
            "text/plain",
            b"bad request\n".to_vec(),
            false,
        );
    }
    let head_only = match parts[0] {
        "GET" => false,
        "HEAD" => true,
        _ => {
            return respond(
                405,
                "Method Not Allowed",
                "text/plain",
                b"method not allowed\n".to_vec(),
                false,
            )
        }
    };
    let path = parts[1];
    if path == "/" {
        let page = b"<!DOCTYPE html>\n<html><head><title>nicctl serve</title></head>\n\
<body><h1>Hello from nicctl serve</h1>\n\
<p>This page came over TCP from the project's own offload-aware Rust TCP/IP stack \
(no kernel TCP on this side), through a TAP device.</p>\n\
<p>GET /bytes/N returns N bytes.</p></body></html>\n"
            .to_vec();
        return respond(200, "OK", "text/html; charset=utf-8", page, head_only);
    }
    if let Some(n) = path
        .strip_prefix("/bytes/")
        .and_then(|n| n.parse::<u64>().ok())
    {
        let (mut r, status) = respond(200, "OK", "application/octet-stream", Vec::new(), true);
        // The length the header announced was 0: write the real one.
        r.head = String::from_utf8_lossy(&r.head)
            .replace("Content-Length: 0\r\n", &format!("Content-Length: {n}\r\n"))
            .into_bytes();
        if !head_only {
            r.body_left = n;
        }
        return (r, status);
    }
    respond(
        404,
        "Not Found",
        "text/plain",
        b"not found\n".to_vec(),
        head_only,
    )
}

fn gone(e: &SocketError) -> bool {
    matches!(e, SocketError::NoSuchSocket)
}

impl Conn {
    /// Runs the application on this connection; true if it did anything.
    fn serve(&mut self, iface: &mut Interface, app: App, stats: &mut ServeStats) -> Result<bool> {
        let mut did = false;
        let h = self.h;
        let cap = |iface: &Interface| iface.tcp_connection(h).map_or(0, |c| c.send_capacity());
        match app {
            App::Discard => loop {
                let n = iface.tcp_recv_peek(h).map_or(0, |d| d.len());
                if n == 0 {
                    break;
                }
                iface.tcp_recv_consume(h, n)?;
                self.bytes_in += n as u64;
                did = true;
            },
            App::Echo => loop {
                let room = cap(iface);
                let chunk = match iface.tcp_recv_peek(h) {
                    Ok(d) if !d.is_empty() && room > 0 => d[..d.len().min(room)].to_vec(),
                    _ => break,
                };
                let n = match iface.tcp_send(h, &chunk) {
                    Ok(n) => n,
                    Err(SocketError::SendClosed) | Err(SocketError::InvalidState(_)) => {
                        // The peer reset or we closed: what is left cannot go anywhere.
                        let all = chunk.len();
                        iface.tcp_recv_consume(h, all)?;
                        self.bytes_in += all as u64;
                        break;
                    }
                    Err(e) => return Err(e.into()),
                };
                if n == 0 {
                    break;
                }
                iface.tcp_recv_consume(h, n)?;
                self.bytes_in += n as u64;
                self.bytes_out += n as u64;
                did = true;
            },
            App::Http => {
                if self.response.is_none() {
                    loop {
                        let d = match iface.tcp_recv_peek(h) {
                            Ok(d) if !d.is_empty() => d,
                            _ => break,
                        };
                        let take = d.len().min(MAX_REQUEST + 4 - self.request.len());
                        self.request.extend_from_slice(&d[..take]);
                        let n = d.len();
                        iface.tcp_recv_consume(h, n)?;
                        self.bytes_in += n as u64;
                        did = true;
                        if let Some(end) = find(&self.request, b"\r\n\r\n") {
                            let (r, status) = http_answer(&self.request[..end]);
                            stats.http_requests += 1;
                            self.log_request(end, status);
                            self.response = Some(r);
                            break;
                        }
                        if self.request.len() > MAX_REQUEST {
                            let (r, _) = http_answer(b"");
                            self.response = Some(r);
                            break;
                        }
                    }
                } else {
                    // Drain anything more the client sends; one request per connection.
                    let n = iface.tcp_recv_peek(h).map_or(0, |d| d.len());
                    if n > 0 {
                        iface.tcp_recv_consume(h, n)?;
                        self.bytes_in += n as u64;
                    }
                }
                did |= self.write_response(iface)?;
            }
        }
        Ok(did)
    }

    fn log_request(&self, end: usize, status: u16) {
        if std::env::var_os("NICCTL_SERVE_TRACE").is_some() {
            let line = String::from_utf8_lossy(&self.request[..end]);
            eprintln!(
                "#{} {} -> {status}",
                self.id,
                line.lines().next().unwrap_or("")
            );
        }
    }

    /// Sends as much of the pending HTTP response as fits; closes when done.
    fn write_response(&mut self, iface: &mut Interface) -> Result<bool> {
        let h = self.h;
        let Some(r) = self.response.as_mut() else {
            return Ok(false);
        };
        let mut did = false;
        loop {
            let room = iface.tcp_connection(h).map_or(0, |c| c.send_capacity());
            if room == 0 {
                break;
            }
            let chunk: Vec<u8> = if r.head_at < r.head.len() {
                r.head[r.head_at..].to_vec()
            } else if let Some(body) = &r.fixed {
                body[(r.body_at as usize).min(body.len())..].to_vec()
            } else {
                let n = r.body_left.min(room as u64).min(64 * 1024);
                (r.body_at..r.body_at + n).map(body_byte).collect()
            };
            if chunk.is_empty() {
                break;
            }
            let chunk = &chunk[..chunk.len().min(room)];
            let n = match iface.tcp_send(h, chunk) {
                Ok(n) => n,
                Err(SocketError::SendClosed) | Err(SocketError::InvalidState(_)) => {
                    self.response = None;
                    return Ok(did);
                }
                Err(e) => return Err(e.into()),
            };
            if n == 0 {
                break;
            }
            did = true;
            self.bytes_out += n as u64;
            if r.head_at < r.head.len() {
                r.head_at += n;
            } else {
                r.body_at += n as u64;
                if r.fixed.is_none() {
                    r.body_left -= n as u64;
                }
            }
        }
        let body_done = match &r.fixed {
            Some(b) => r.body_at as usize >= b.len(),
            None => r.body_left == 0,
        };
        if r.head_at >= r.head.len() && body_done && !self.closed {
            iface.tcp_close(h)?;
            self.closed = true;
            did = true;
        }
        Ok(did)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Builds the interface for `cfg` (checks the addresses).
pub fn interface(cfg: &ServeConfig) -> Result<Interface> {
    let mut ic = InterfaceConfig::new(cfg.mac);
    for &(ip, prefix) in &cfg.addrs {
        match ip {
            IpAddr::V4(a) => {
                if ic.ipv4.is_some() {
                    bail!("give at most one IPv4 --addr");
                }
                ic.ipv4 = Some((a, prefix));
            }
            IpAddr::V6(a) => {
                if ic.ipv6.is_some() {
                    bail!("give at most one IPv6 --addr");
                }
                ic.ipv6 = Some((a, prefix));
            }
        }
    }
    if cfg.addrs.is_empty() {
        bail!("give at least one --addr IP/PREFIX");
    }
    Ok(Interface::new(ic))
}

/// Runs the server until `stop` is set or the configured time is up.
pub fn run(cfg: &ServeConfig, stop: &AtomicBool) -> Result<ServeStats> {
    let mut iface = interface(cfg)?;
    let mut tap = TapDevice::open(&cfg.tap).with_context(|| {
        format!(
            "cannot open TAP {} (needs root or CAP_NET_ADMIN and /dev/net/tun)",
            cfg.tap
        )
    })?;
    let port = cfg.port.unwrap_or(cfg.app.default_port());
    let listener = iface
        .tcp_listen(port, 64)
        .map_err(|e| anyhow!("cannot listen on port {port}: {e}"))?;
    let start = Instant::now();
    let clock = || start.elapsed().as_nanos() as u64;
    let v4 = iface.ipv4_addr().map(|a| a.to_string());
    let v6 = iface.ipv6_addr().map(|a| a.to_string());
    println!(
        "serving {:?} on TAP {} port {port}: {} (MAC {})",
        cfg.app,
        tap.name(),
        [v4, v6]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", "),
        cfg.mac
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    );
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let mut conns: Vec<Conn> = Vec::new();
    let mut stats = ServeStats::default();
    loop {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        if cfg.duration.is_some_and(|d| start.elapsed() >= d) {
            break;
        }
        let now = clock();
        iface.poll(now, &mut tap);
        let mut did = false;
        while let Some(h) = iface
            .tcp_accept(listener)
            .map_err(|e| anyhow!("accept failed: {e}"))?
        {
            stats.connections += 1;
            let remote = iface.tcp_connection(h).ok().map(|c| c.remote());
            conns.push(Conn {
                h,
                id: stats.connections,
                remote,
                bytes_in: 0,
                bytes_out: 0,
                request: Vec::new(),
                response: None,
                closed: false,
                since: Instant::now(),
            });
            did = true;
        }
        for c in conns.iter_mut() {
            match c.serve(&mut iface, cfg.app, &mut stats) {
                Ok(d) => did |= d,
                Err(e) => match e.downcast_ref::<SocketError>() {
                    Some(se) if gone(se) => c.closed = true,
                    _ => return Err(e),
                },
            }
            // The peer finished and everything is read: finish our side.
            let finished = iface.tcp_recv_finished(c.h).unwrap_or(true);
            let response_pending = c.response.is_some() && !c.closed;
            if finished && !c.closed && !(cfg.app == App::Http && response_pending) {
                let _ = iface.tcp_close(c.h);
                c.closed = true;
                did = true;
            }
        }
        // An HTTP client that has not sent a whole request in time is cut
        // off, so idle connections cannot pile up.
        for c in conns.iter_mut() {
            if cfg.app == App::Http
                && c.response.is_none()
                && !c.closed
                && c.since.elapsed() > HTTP_REQUEST_TIMEOUT
            {
                let _ = iface.tcp_abort(c.h);
                c.closed = true;
                did = true;
            }
        }
        // Forget connections that are over.
        let mut i = 0;
        while i < conns.len() {
            let st = iface.tcp_state(conns[i].h);
            let over = match st {
                Ok(State::Closed) | Err(_) => true,
                Ok(State::TimeWait) => conns[i].closed,
                _ => false,
            };
            if over {
                let c = conns.swap_remove(i);
                let _ = iface.tcp_release(c.h);
                stats.bytes_in += c.bytes_in;
                stats.bytes_out += c.bytes_out;
                if cfg.verbose {
                    println!(
                        "connection #{} from {}: {} bytes in, {} bytes out, ended in {}",
                        c.id,
                        c.remote.map_or("?".into(), |r| r.to_string()),
                        c.bytes_in,
                        c.bytes_out,
                        st.map_or("CLOSED (released)".into(), |s| format!("{s:?}"))
                    );
                    let _ = std::io::stdout().flush();
                }
            } else {
                i += 1;
            }
        }
        if did {
            iface.poll(clock(), &mut tap);
            continue;
        }
        // Sleep until a frame comes or the stack's next deadline.
        let now = clock();
        let mut wait = Duration::from_millis(100);
        if let Some(at) = iface.poll_at() {
            wait = wait.min(Duration::from_nanos(at.saturating_sub(now)));
        }
        if let Some(d) = cfg.duration {
            wait = wait.min(d.saturating_sub(start.elapsed()));
        }
        if !wait.is_zero() {
            tap.wait_readable(wait.max(Duration::from_millis(1)));
        }
    }
    for c in &conns {
        stats.bytes_in += c.bytes_in;
        stats.bytes_out += c.bytes_out;
        let _ = iface.tcp_abort(c.h);
    }
    iface.poll(clock(), &mut tap);
    Ok(stats)
}

/// The default MAC of `serve`: locally administered, unicast.
pub const DEFAULT_MAC: [u8; 6] = [0x02, 0x4e, 0x49, 0x43, 0x00, 0x01];

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn answer(req: &str) -> (String, u16) {
        let (r, status) = http_answer(req.as_bytes());
        let mut out = String::from_utf8(r.head).unwrap();
        if let Some(b) = r.fixed {
            out.push_str(&String::from_utf8(b).unwrap());
        }
        (out, status)
    }

    fn content_length(resp: &str) -> u64 {
        resp.lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }

    #[test]
    fn http_get_root_is_a_page_with_its_exact_length() {
        let (r, status) = answer("GET / HTTP/1.1\r\nHost: x");
        assert_eq!(status, 200);
        let body = r.split("\r\n\r\n").nth(1).unwrap();
        assert_eq!(content_length(&r), body.len() as u64);
        assert!(body.contains("nicctl serve"), "{body}");
    }

    #[test]
    fn http_bytes_n_announces_n_and_other_paths_are_404() {
        let (r, status) = http_answer(b"GET /bytes/1000 HTTP/1.1\r\nHost: x");
        let head = String::from_utf8(r.head).unwrap();
        assert_eq!((status, r.body_left), (200, 1000));
        assert_eq!(content_length(&head), 1000);
        let (r, status) = answer("GET /nothing HTTP/1.1");
        assert_eq!(status, 404);
        let body = r.split("\r\n\r\n").nth(1).unwrap();
        assert_eq!(content_length(&r), body.len() as u64);
        let (_, status) = answer("GET /bytes/lots HTTP/1.1");
        assert_eq!(status, 404);
    }

    #[test]
    fn http_malformed_requests_get_400_and_other_methods_405() {
        for bad in [
            "",
            "GET",
            "GET /",
            "GET / HTTP/2.0",
            "get / HTTP/1.1",
            "GET nopath HTTP/1.1",
            "GET / HTTP/1.1\r\nno colon here",
            "\u{ff}\u{fe}",
        ] {
            assert_eq!(answer(bad).1, 400, "{bad:?}");
        }
        let (r, status) = answer("POST / HTTP/1.1");
        assert_eq!(status, 405);
        assert!(r.contains("Allow: GET, HEAD"), "{r}");
        let (r, status) = http_answer(b"HEAD /bytes/5 HTTP/1.1");
        assert_eq!((status, r.body_left), (200, 0));
    }

    #[test]
    fn addresses_and_macs_parse_or_say_why_not() {
        assert_eq!(
            parse_addr("10.0.0.2/24"),
            Ok(("10.0.0.2".parse().unwrap(), 24))
        );
        assert_eq!(parse_addr("fd00::2"), Ok(("fd00::2".parse().unwrap(), 64)));
        for bad in [
            "10.0.0.2/33",
            "fd00::2/0",
            "nope/24",
            "0.0.0.0/8",
            "224.0.0.1/4",
        ] {
            assert!(parse_addr(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_mac("02:00:00:00:00:01"), Ok([2, 0, 0, 0, 0, 1]));
        for bad in [
            "01:00:00:00:00:01",
            "02:00:00:00:00",
            "02:00:00:00:00:1",
            "zz:00:00:00:00:01",
        ] {
            assert!(parse_mac(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn one_address_per_family() {
        let cfg = |addrs: Vec<(IpAddr, u8)>| ServeConfig {
            tap: "t".into(),
            addrs,
            mac: DEFAULT_MAC,
            app: App::Echo,
            port: None,
            duration: None,
            verbose: false,
        };
        let v4 = (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)), 24);
        let v6 = (IpAddr::V6(Ipv6Addr::LOCALHOST), 64);
        assert!(interface(&cfg(vec![v4, v6])).is_ok());
        assert!(interface(&cfg(vec![v4, v4])).is_err());
        assert!(interface(&cfg(vec![])).is_err());
    }
}
