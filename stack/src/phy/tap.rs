//! A Linux TAP device: Ethernet frames to and from the host kernel.
//!
//! [`TapDevice::open`] opens `/dev/net/tun` and binds it to a TAP interface
//! with `TUNSETIFF`, asking for `IFF_TAP | IFF_NO_PI` (whole Ethernet frames,
//! no 4-byte packet-information prefix) and no `IFF_VNET_HDR`. Without vnet
//! headers the kernel offers no offloads, so [`Capabilities`] reports none and
//! the stack does checksums and segmentation in software.
//!
//! The descriptor is non-blocking: [`Device::receive`] returns `None` when no
//! frame is waiting, and [`TapDevice::wait_readable`] lets the binary that
//! drives the stack sleep in `poll(2)` until one is. The stack reads no clock.
//!
//! The interface is not persistent: it disappears when the device is dropped
//! and its descriptor closed.
//!
//! Tests that put the TAP's kernel side in a network namespace of their own
//! use the test-only crate `test-support` (`stack/test-support`).

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

use super::{Capabilities, Device, DeviceError, RxMeta, TxMeta};

/// Facts from Linux's `<linux/if.h>` and `<linux/if_tun.h>`, written once.
mod sys {
    /// `IFNAMSIZ`: an interface name with its terminating NUL.
    pub const IFNAMSIZ: usize = 16;
    /// `TUNSETIFF` = `_IOW('T', 202, int)`: direction write (1 << 30),
    /// size 4 (<< 16), type `'T'` (0x54 << 8), number 202 (0xca).
    pub const TUNSETIFF: u64 = 0x4004_54ca;
    /// `IFF_TAP`: an Ethernet (layer 2) device.
    pub const IFF_TAP: libc::c_short = 0x0002;
    /// `IFF_NO_PI`: frames carry no `struct tun_pi` prefix.
    pub const IFF_NO_PI: libc::c_short = 0x1000;

    /// `struct ifreq` as `TUNSETIFF` reads and writes it: the name, then a
    /// 24-byte union of which only `ifr_flags` is used. 40 bytes on 64-bit
    /// Linux; the union's largest member (`struct ifmap`) sets its size.
    #[repr(C)]
    pub struct IfReq {
        pub name: [libc::c_char; IFNAMSIZ],
        pub flags: libc::c_short,
        pub _pad: [u8; 22],
    }

    // The layout the kernel expects; a mismatch would corrupt the ioctl.
    const _: () = assert!(core::mem::size_of::<IfReq>() == 40);
}

/// Largest frame by default: a 1500-byte MTU plus the 14-byte Ethernet header.
pub const DEFAULT_MAX_FRAME: usize = 1514;

/// Largest frame `receive` reads whole: a TAP may be given a larger MTU than
/// we were told, and a short read would silently truncate the frame.
const RX_BUFFER: usize = 65_550;

/// Opening a TAP device failed.
#[derive(Debug, thiserror::Error)]
pub enum TapError {
    #[error("invalid interface name {name:?}: {reason}")]
    InvalidName { name: String, reason: &'static str },
    #[error("cannot open /dev/net/tun: {0}")]
    Open(io::Error),
    #[error("TUNSETIFF {name}: {source}")]
    SetIff { name: String, source: io::Error },
}

/// A TAP interface and the descriptor that carries its frames.
#[derive(Debug)]
pub struct TapDevice {
    fd: OwnedFd,
    name: String,
    max_frame: usize,
    rx_buf: Vec<u8>,
}

impl TapDevice {
    /// Creates (or attaches to) the TAP interface `name`. An empty name lets
    /// the kernel choose one (`tap0`, `tap1`, …); [`TapDevice::name`] says
    /// which. Needs `CAP_NET_ADMIN`.
    pub fn open(name: &str) -> Result<TapDevice, TapError> {
        let invalid = |reason| TapError::InvalidName {
            name: name.to_string(),
            reason,
        };
        if name.len() >= sys::IFNAMSIZ {
            return Err(invalid("longer than 15 bytes (IFNAMSIZ - 1)"));
        }
        if name.contains('/') || name.chars().any(char::is_whitespace) {
            return Err(invalid("contains '/' or whitespace"));
        }
        let c_name = CString::new(name).map_err(|_| invalid("contains a NUL byte"))?;

        // SAFETY: the path is a NUL-terminated C string that outlives the
        // call; `open` takes no other pointers.
        let raw = unsafe {
            libc::open(
                c"/dev/net/tun".as_ptr(),
                libc::O_RDWR | libc::O_NONBLOCK | libc::O_CLOEXEC,
            )
        };
        if raw < 0 {
            return Err(TapError::Open(io::Error::last_os_error()));
        }
        // SAFETY: `raw` is a descriptor `open` just returned to us, owned by
        // nothing else; `OwnedFd` closes it exactly once, on drop.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };

        let mut req = sys::IfReq {
            name: [0; sys::IFNAMSIZ],
            flags: sys::IFF_TAP | sys::IFF_NO_PI,
            _pad: [0; 22],
        };
        for (dst, &src) in req.name.iter_mut().zip(c_name.as_bytes()) {
            *dst = src as libc::c_char;
        }
        // SAFETY: `fd` is an open /dev/net/tun descriptor; TUNSETIFF reads
        // and writes one `struct ifreq`, and `req` is a live, exclusively
        // borrowed value with that exact layout (40 bytes, checked above).
        let rc = unsafe { libc::ioctl(fd.as_raw_fd(), sys::TUNSETIFF as _, &mut req) };
        if rc < 0 {
            return Err(TapError::SetIff {
                name: if name.is_empty() {
                    "(kernel-chosen)".into()
                } else {
                    name.into()
                },
                source: io::Error::last_os_error(),
            });
        }
        // The kernel writes back the name it used (it fills in `tap%d`).
        let len = req
            .name
            .iter()
            .position(|&c| c == 0)
            .unwrap_or(sys::IFNAMSIZ);
        let name = req.name[..len].iter().map(|&c| c as u8 as char).collect();

        Ok(TapDevice {
            fd,
            name,
            max_frame: DEFAULT_MAX_FRAME,
            rx_buf: vec![0; RX_BUFFER],
        })
    }

    /// The interface's name, as the kernel knows it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sets the largest frame we send (and report in [`Capabilities`]), for
    /// an interface whose MTU was changed from 1500: MTU + 14.
    pub fn set_max_frame(&mut self, max_frame: usize) {
        self.max_frame = max_frame;
    }

    /// Waits up to `timeout` for a frame to be readable, with `poll(2)`.
    /// Returns `false` on timeout or if the wait was interrupted; callers
    /// loop. For the binary that drives the stack: the stack has no clock.
    pub fn wait_readable(&self, timeout: Duration) -> bool {
        let millis = timeout.as_millis().min(i32::MAX as u128) as libc::c_int;
        let mut pfd = libc::pollfd {
            fd: self.fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: `pfd` is one live, exclusively borrowed `pollfd`, and we
        // pass a count of 1.
        let rc = unsafe { libc::poll(&mut pfd, 1, millis) };
        rc > 0 && pfd.revents & libc::POLLIN != 0
    }
}

impl Device for TapDevice {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            max_frame: self.max_frame,
            ..Capabilities::default()
        }
    }

    fn transmit(&mut self, frame: &[u8], _meta: &TxMeta) -> Result<(), DeviceError> {
        // No offloads are on, so the metadata asks for nothing.
        if frame.len() > self.max_frame {
            return Err(DeviceError::TooBig {
                len: frame.len(),
                max: self.max_frame,
            });
        }
        // SAFETY: `frame` is a live slice; `write` reads at most
        // `frame.len()` bytes from it.
        let n = unsafe { libc::write(self.fd.as_raw_fd(), frame.as_ptr().cast(), frame.len()) };
        if n < 0 {
            let err = io::Error::last_os_error();
            return Err(match err.kind() {
                io::ErrorKind::WouldBlock => DeviceError::Exhausted,
                _ => DeviceError::io(format!("write to TAP {}", self.name), err),
            });
        }
        if n as usize != frame.len() {
            let short = io::Error::new(
                io::ErrorKind::WriteZero,
                format!("{n} of {} bytes written", frame.len()),
            );
            return Err(DeviceError::io(
                format!("short write to TAP {}", self.name),
                short,
            ));
        }
        Ok(())
    }

    fn receive(&mut self) -> Option<(Vec<u8>, RxMeta)> {
        // SAFETY: `rx_buf` is a live, exclusively borrowed buffer of
        // `rx_buf.len()` bytes; `read` writes at most that many.
        let n = unsafe {
            libc::read(
                self.fd.as_raw_fd(),
                self.rx_buf.as_mut_ptr().cast(),
                self.rx_buf.len(),
            )
        };
        // EAGAIN (nothing waiting) and any other error alike: no frame. The
        // trait has no error path for receive; a dead descriptor shows up
        // on transmit.
        if n <= 0 {
            return None;
        }
        let meta = RxMeta {
            segments: 1,
            ..RxMeta::default()
        };
        Some((self.rx_buf[..n as usize].to_vec(), meta))
    }
}
