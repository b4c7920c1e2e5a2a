//! Network namespaces for tests that talk to the kernel through a TAP: they
//! run `ip` (iproute2) and need root ([`crate::net_admin`] checks). A test
//! creates a [`Netns`], moves its TAP into it with [`Netns::adopt_tap`] (the
//! TAP's descriptor keeps working: it is bound to the interface, which moved),
//! and talks to the kernel through it. Dropping the [`Netns`] deletes the
//! namespace, also when the test panics.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};

/// The kernel side's IPv4 address, with prefix, inside the namespace.
pub const KERNEL_V4: &str = "10.77.0.1/24";
/// The kernel side's IPv6 address, with prefix, inside the namespace.
pub const KERNEL_V6: &str = "fd77::1/64";

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A name unique in this process and among concurrent processes:
/// `<prefix><pid>-<n>`. Keep `prefix` short: interface names have at
/// most 15 bytes.
pub fn unique_name(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}{}-{n}", std::process::id())
}

/// Runs a command and returns its stdout, or an error that names the
/// command and carries its stderr.
pub fn run(program: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {program} {}: {e}", args.join(" ")))?;
    if !out.status.success() {
        return Err(format!(
            "{program} {} failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A network namespace this process created; deleted on drop.
#[derive(Debug)]
pub struct Netns {
    name: String,
}

impl Netns {
    /// Creates a namespace named `nicsim-<pid>-<n>`, with loopback up.
    pub fn create() -> Result<Netns, String> {
        let ns = Netns {
            name: unique_name("nicsim-"),
        };
        run("ip", &["netns", "add", &ns.name])?;
        // From here on, an error drops `ns` and deletes the namespace.
        ns.ip(&["link", "set", "lo", "up"])?;
        Ok(ns)
    }

    /// The namespace's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `ip -n <ns> <args>`.
    pub fn ip(&self, args: &[&str]) -> Result<String, String> {
        let mut full = vec!["-n", &self.name];
        full.extend_from_slice(args);
        run("ip", &full)
    }

    /// `ip netns exec <ns> <program> <args>`.
    pub fn exec(&self, program: &str, args: &[&str]) -> Result<String, String> {
        let mut full = vec!["netns", "exec", &self.name, program];
        full.extend_from_slice(args);
        run("ip", &full)
    }

    /// Moves interface `tap` into the namespace, gives it
    /// [`KERNEL_V4`] and [`KERNEL_V6`] (no duplicate-address detection)
    /// and brings it up.
    pub fn adopt_tap(&self, tap: &str) -> Result<(), String> {
        run("ip", &["link", "set", tap, "netns", &self.name])?;
        self.ip(&["addr", "add", KERNEL_V4, "dev", tap])?;
        self.ip(&["addr", "add", KERNEL_V6, "dev", tap, "nodad"])?;
        self.ip(&["link", "set", tap, "up"])?;
        Ok(())
    }
}

impl Netns {
    /// Runs `f` on a new thread that first joins this namespace (`setns(2)`
    /// changes only the calling thread's namespace), so the kernel sockets it
    /// makes live there. Join the handle before dropping the `Netns`.
    pub fn spawn_in<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> JoinHandle<T> {
        let path = format!("/run/netns/{}", self.name);
        thread::spawn(move || {
            let file = File::open(&path).unwrap_or_else(|e| panic!("open {path}: {e}"));
            // SAFETY: `file` is an open namespace file that outlives the call;
            // setns only changes this thread's network namespace.
            let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
            assert_eq!(rc, 0, "setns {path}: {}", std::io::Error::last_os_error());
            f()
        })
    }

    /// [`Netns::spawn_in`] and wait for it: `f`'s result.
    pub fn run_in<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> T {
        self.spawn_in(f)
            .join()
            .expect("the thread in the namespace panicked")
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        if let Err(e) = run("ip", &["netns", "delete", &self.name]) {
            eprintln!("warning: {e}");
        }
    }
}
