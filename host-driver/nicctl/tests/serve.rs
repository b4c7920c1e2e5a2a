//! `nicctl serve` against the Linux kernel: the server runs as a child
//! process on a TAP device; the test moves the TAP into a network namespace
//! of its own, and from inside that namespace the kernel's `ping` and the
//! kernel's TCP (std's `TcpStream` on a thread that joined the namespace)
//! talk to our stack's echo and HTTP servers.
//!
//! Needs root, /dev/net/tun, iproute2 and ping (scripts/setup installs the
//! tools); without root or /dev/net/tun it prints a skip line. Uses only
//! addresses inside the namespace; the child is stopped and the namespace
//! deleted on every path (a Drop guard).

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use test_support::netns::{self, Netns};

const OUR_V4: &str = "10.77.0.2";
const OUR_V6: &str = "fd77::2";

fn seed() -> u64 {
    test_support::seed(7)
}

/// A running `nicctl serve` whose TAP sits in a namespace of the test's own.
/// Dropping it stops the server and deletes the namespace.
struct Served {
    child: Option<Child>,
    // Declared after `child`: the server is stopped before the namespace goes.
    ns: Netns,
}

impl Served {
    fn start(app: &str) -> Served {
        let ns = Netns::create().expect("create namespace");
        let tap = netns::unique_name("sv");
        let child = Command::new(env!("CARGO_BIN_EXE_nicctl"))
            .args([
                "serve",
                "--tap",
                &tap,
                "--addr",
                "10.77.0.2/24",
                "--addr",
                "fd77::2/64",
                "--app",
                app,
                "--for",
                "60",
                "-v",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start nicctl serve");
        let mut s = Served {
            child: Some(child),
            ns,
        };
        // The server creates the TAP; wait for it, then move it in.
        let start = Instant::now();
        while !Path::new("/sys/class/net").join(&tap).exists() {
            if let Some(st) = s.child.as_mut().unwrap().try_wait().unwrap() {
                let out = s.child.take().unwrap().wait_with_output().unwrap();
                panic!(
                    "nicctl serve exited ({st}) before its TAP appeared: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "TAP {tap} did not appear"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        s.ns.adopt_tap(&tap).expect("move TAP into the namespace");
        s
    }

    /// `ip netns exec NS ping -c 1 <args>`: true if the reply came.
    fn ping(&self, args: &[&str]) -> (bool, String) {
        let mut full = vec!["-c", "1", "-W", "5"];
        full.extend_from_slice(args);
        match self.ns.exec("ping", &full) {
            Ok(out) => (true, out),
            Err(e) => (false, e),
        }
    }

    /// Runs `f` on a thread that joined the namespace (kernel sockets there).
    fn in_ns<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> T {
        self.ns.run_in(f)
    }

    /// [`Served::stop`], which must end with a clean exit; its stdout.
    fn stop_cleanly(&mut self) -> String {
        let (clean, out) = self.stop();
        assert!(clean, "serve did not exit cleanly on SIGTERM: {out}");
        out
    }

    /// Stops the server with SIGTERM; its exit status and stdout.
    fn stop(&mut self) -> (bool, String) {
        let child = self.child.take().expect("server running");
        // SAFETY: kill with a pid we spawned and a valid signal number.
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        let out = child.wait_with_output().expect("wait for nicctl serve");
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect_timeout(&addr, Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

/// Sends `data` to the echo server at `addr` and reads it all back.
fn echo_round_trip(addr: SocketAddr, data: Vec<u8>) -> Vec<u8> {
    let s = connect(addr);
    let mut w = s.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        w.write_all(&data).expect("write to echo");
        w.shutdown(std::net::Shutdown::Write).unwrap();
    });
    let mut back = Vec::new();
    (&s).read_to_end(&mut back).expect("read echo");
    writer.join().unwrap();
    back
}

/// One HTTP request; the status code, headers and body.
fn http(addr: SocketAddr, request: &str) -> (u16, String, Vec<u8>) {
    let mut s = connect(addr);
    s.write_all(request.as_bytes()).unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).expect("read HTTP response");
    let end = all
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("response has a blank line after its head");
    let head = String::from_utf8_lossy(&all[..end]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status code");
    (status, head, all[end + 4..].to_vec())
}

fn content_length(head: &str) -> usize {
    head.lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .expect("Content-Length")
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn kernel_pings_and_tcp_echo_get_their_bytes_back_over_ipv4_and_ipv6() {
    if !test_support::net_admin() {
        return;
    }
    let mut served = Served::start("echo");
    let (ok, out) = served.ping(&[OUR_V4]);
    assert!(ok, "IPv4 ping failed: {out}");
    let (ok, out) = served.ping(&["-6", OUR_V6]);
    assert!(ok, "IPv6 ping failed: {out}");

    let mut data = vec![0u8; 300_000];
    ChaCha8Rng::seed_from_u64(seed()).fill_bytes(&mut data);
    for addr in [
        format!("{OUR_V4}:7").parse::<SocketAddr>().unwrap(),
        format!("[{OUR_V6}]:7").parse().unwrap(),
    ] {
        let sent = data.clone();
        let back = served.in_ns(move || echo_round_trip(addr, sent));
        assert_eq!(back.len(), data.len(), "{addr}: echoed length");
        assert!(back == data, "{addr}: echoed bytes differ");
    }
    let out = served.stop_cleanly();
    assert!(out.contains("connection #1 from 10.77.0.1:"), "{out}");
    assert!(out.contains("connection #2 from [fd77::1]:"), "{out}");
    assert!(out.contains("300000 bytes in, 300000 bytes out"), "{out}");
}

#[test]
fn kernel_http_clients_get_the_page_n_bytes_404_and_400() {
    if !test_support::net_admin() {
        return;
    }
    let mut served = Served::start("http");
    let v4: SocketAddr = format!("{OUR_V4}:80").parse().unwrap();
    let v6: SocketAddr = format!("[{OUR_V6}]:80").parse().unwrap();
    let results = served.in_ns(move || {
        vec![
            http(v4, "GET / HTTP/1.1\r\nHost: test\r\n\r\n"),
            http(v4, "GET /bytes/1000 HTTP/1.1\r\nHost: test\r\n\r\n"),
            http(v6, "GET /bytes/200000 HTTP/1.1\r\nHost: test\r\n\r\n"),
            http(v4, "GET /nothing-here HTTP/1.1\r\nHost: test\r\n\r\n"),
            http(v6, "THIS IS NOT HTTP\r\n\r\n"),
        ]
    });
    let (status, head, body) = &results[0];
    assert_eq!(*status, 200, "{head}");
    assert_eq!(content_length(head), body.len());
    assert!(String::from_utf8_lossy(body).contains("nicctl serve"));
    for (i, n) in [(1, 1000), (2, 200_000)] {
        let (status, head, body) = &results[i];
        assert_eq!(*status, 200, "{head}");
        assert_eq!(content_length(head), n);
        assert_eq!(body.len(), n, "GET /bytes/{n}");
    }
    assert_eq!(results[3].0, 404, "{}", results[3].1);
    assert_eq!(results[4].0, 400, "{}", results[4].1);
    // curl gets the same (scripts/setup installs it; without it the test skips this part, or under
    // CI=true fails).
    if test_support::tool("curl", "--version") {
        let out = served
            .ns
            .exec(
                "curl",
                &["-sS", "--max-time", "10", "http://10.77.0.2/bytes/1000"],
            )
            .expect("curl");
        assert_eq!(out.len(), 1000);
    }
    served.stop_cleanly();
}

#[test]
fn discard_reads_everything_and_sends_nothing() {
    if !test_support::net_admin() {
        return;
    }
    let mut served = Served::start("discard");
    let addr: SocketAddr = format!("{OUR_V4}:9").parse().unwrap();
    let got = served.in_ns(move || {
        let mut s = connect(addr);
        s.write_all(&vec![0x42; 1_000_000])
            .expect("write to discard");
        s.shutdown(std::net::Shutdown::Write).unwrap();
        let mut back = Vec::new();
        s.read_to_end(&mut back).expect("read discard");
        back.len()
    });
    assert_eq!(got, 0, "discard sent bytes back");
    let out = served.stop_cleanly();
    assert!(out.contains("1000000 bytes in, 0 bytes out"), "{out}");
}

#[test]
fn bad_serve_flags_are_refused_without_a_panic() {
    let nicctl = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_nicctl"))
            .args(args)
            .output()
            .expect("run nicctl")
    };
    for (args, want) in [
        (
            vec!["serve", "--tap", "t0", "--addr", "bogus", "--app", "echo"],
            "is not an address",
        ),
        (
            vec![
                "serve",
                "--tap",
                "t0",
                "--addr",
                "10.0.0.2/40",
                "--app",
                "echo",
            ],
            "prefix length must be",
        ),
        (
            vec![
                "serve",
                "--tap",
                "t0",
                "--addr",
                "10.0.0.2/24",
                "--addr",
                "10.0.0.3/24",
                "--app",
                "echo",
            ],
            "at most one IPv4",
        ),
        (
            vec![
                "serve",
                "--tap",
                "t0",
                "--addr",
                "10.0.0.2/24",
                "--app",
                "gopher",
            ],
            "invalid value",
        ),
        (
            vec![
                "serve",
                "--tap",
                "t0",
                "--addr",
                "10.0.0.2/24",
                "--app",
                "echo",
                "--for",
                "0",
            ],
            "--for must be",
        ),
        (
            vec![
                "serve",
                "--tap",
                "much-too-long-name",
                "--addr",
                "10.0.0.2/24",
                "--app",
                "echo",
                "--for",
                "1",
            ],
            "cannot open TAP",
        ),
        (vec!["serve", "--tap", "t0", "--app", "echo"], "--addr"),
    ] {
        let out = nicctl(&args);
        let e = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(e.contains(want), "{args:?}: {e}");
        assert!(!e.contains("panicked"), "{args:?}: {e}");
    }
}
