//! Pollable interrupt events: an eventfd per event, signalled each time its interrupt rises,
//! the way VFIO hands a driver one eventfd per MSI-X vector. A caller polls the fd (or waits
//! on it with [`IrqEvent::wait`]) and reads it to take the count.
//!
//! The simulated backends keep an [`IrqEvents`] registry and tell it the interrupt state after
//! every step of device time; it signals each event whose source rose (edge, as a message
//! interrupt is sent once per event).

use crate::device::{DeviceError, IrqSource};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// One interrupt as a pollable file descriptor (an eventfd).
#[derive(Debug)]
pub struct IrqEvent {
    fd: Arc<OwnedFd>,
    source: IrqSource,
}

impl IrqEvent {
    /// A fresh event for `source`, not signalled.
    pub fn new(source: IrqSource) -> Result<IrqEvent, DeviceError> {
        // SAFETY: eventfd takes no pointers; the result is checked before use.
        let raw = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if raw < 0 {
            return Err(DeviceError::Os {
                what: "eventfd for an interrupt event".into(),
                source: std::io::Error::last_os_error(),
            });
        }
        // SAFETY: `raw` is a new descriptor this process owns and nothing else closes.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        Ok(IrqEvent {
            fd: Arc::new(fd),
            source,
        })
    }

    /// What the event follows.
    pub fn source(&self) -> IrqSource {
        self.source
    }

    /// Takes the number of times the interrupt rose since the last `take` (0 if none).
    pub fn take(&self) -> Result<u64, DeviceError> {
        let mut count = 0u64;
        // SAFETY: reads 8 bytes into `count`, which is 8 bytes long.
        let n = unsafe {
            libc::read(
                self.fd.as_raw_fd(),
                (&raw mut count).cast::<libc::c_void>(),
                std::mem::size_of::<u64>(),
            )
        };
        if n == 8 {
            return Ok(count);
        }
        let e = std::io::Error::last_os_error();
        if e.kind() == std::io::ErrorKind::WouldBlock {
            Ok(0)
        } else {
            Err(DeviceError::Os {
                what: format!("reading interrupt event fd {}", self.fd.as_raw_fd()),
                source: e,
            })
        }
    }

    /// Waits up to `timeout` of wall time for the fd to become readable (real hardware; on a
    /// simulated device nothing happens while no call advances device time). True if it did.
    pub fn wait(&self, timeout: Duration) -> Result<bool, DeviceError> {
        let mut p = libc::pollfd {
            fd: self.fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = timeout.as_millis().min(i32::MAX as u128) as i32;
        // SAFETY: one valid pollfd, count 1.
        let n = unsafe { libc::poll(&raw mut p, 1, ms) };
        if n < 0 {
            return Err(DeviceError::Os {
                what: format!("polling interrupt event fd {}", self.fd.as_raw_fd()),
                source: std::io::Error::last_os_error(),
            });
        }
        Ok(n > 0 && p.revents & libc::POLLIN != 0)
    }

    fn signaller(&self) -> Weak<OwnedFd> {
        Arc::downgrade(&self.fd)
    }
}

impl AsFd for IrqEvent {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for IrqEvent {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// A backend's registered events. An event the caller dropped is forgotten.
#[derive(Debug, Default)]
pub struct IrqEvents {
    events: Vec<(IrqSource, Weak<OwnedFd>)>,
    line: bool,
    vectors: u32,
}

impl IrqEvents {
    /// A new event for `source`, signalled from now on.
    pub fn register(&mut self, source: IrqSource) -> Result<IrqEvent, DeviceError> {
        let e = IrqEvent::new(source)?;
        self.events.push((source, e.signaller()));
        Ok(e)
    }

    /// True when no event is registered (the per-cycle check can be skipped).
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The device's interrupt state now: the line and the queue vectors. Signals every event
    /// whose source rose since the last call.
    pub fn update(&mut self, line: bool, vectors: u32) {
        let rose_line = line && !self.line;
        let rose = vectors & !self.vectors;
        self.line = line;
        self.vectors = vectors;
        if !rose_line && rose == 0 {
            return;
        }
        self.events.retain(|(source, fd)| {
            let Some(fd) = fd.upgrade() else {
                return false;
            };
            let fire = match source {
                IrqSource::Line => rose_line,
                IrqSource::Vectors(v) => rose & v != 0,
            };
            if fire {
                let one = 1u64;
                // SAFETY: writes 8 bytes from `one`; an eventfd write fails only on counter
                // overflow (2^64 - 1 unread rises), when the event stays readable anyway.
                unsafe {
                    libc::write(
                        fd.as_raw_fd(),
                        (&raw const one).cast::<libc::c_void>(),
                        std::mem::size_of::<u64>(),
                    );
                }
            }
            true
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_fire_on_rising_edges_of_their_source_only() {
        let mut r = IrqEvents::default();
        let line = r.register(IrqSource::Line).unwrap();
        let q1 = r.register(IrqSource::Vectors(0b10)).unwrap();
        assert_eq!(line.take().unwrap(), 0);
        r.update(true, 0b01);
        r.update(true, 0b01);
        assert_eq!(line.take().unwrap(), 1);
        assert_eq!(q1.take().unwrap(), 0);
        assert!(!q1.wait(Duration::ZERO).unwrap());
        r.update(false, 0b10);
        r.update(false, 0);
        r.update(false, 0b11);
        assert!(q1.wait(Duration::ZERO).unwrap());
        assert_eq!(q1.take().unwrap(), 2);
        assert_eq!(line.take().unwrap(), 0);
        drop(line);
        r.update(true, 0);
        assert_eq!(r.events.len(), 1);
    }
}
