//! Host memory as the NIC's DMA engine sees it.
//!
//! A NIC reaches host memory through an IOMMU: an access outside what the host
//! mapped for the device is refused (on PCIe, an unsupported request; on the
//! AXI side of an FPGA shell, `SLVERR`/`DECERR`). [`DmaMemory`] models exactly
//! that, and [`HostMemory`] is one flat mapped window of it.

use std::alloc::{self, Layout};
use std::fmt;
use std::ptr::{self, NonNull};
use std::sync::atomic::{fence, Ordering};
use std::sync::Arc;

/// A bus address as the device sees it (an IOVA). Deliberately not a pointer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct DmaAddr(pub u64);

impl DmaAddr {
    pub fn offset(self, by: u64) -> DmaAddr {
        DmaAddr(self.0.wrapping_add(by))
    }
}

impl fmt::Display for DmaAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

/// A DMA access the IOMMU refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("DMA {kind} of {len} bytes at {addr} is outside mapped host memory")]
pub struct DmaFault {
    pub kind: DmaKind,
    pub addr: DmaAddr,
    pub len: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DmaKind {
    Read,
    Write,
}

impl fmt::Display for DmaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DmaKind::Read => "read",
            DmaKind::Write => "write",
        })
    }
}

/// Memory the NIC reads and writes by DMA. An access is all or nothing: a
/// refused access changes nothing.
pub trait DmaMemory {
    fn dma_read(&mut self, addr: DmaAddr, buf: &mut [u8]) -> Result<(), DmaFault>;
    fn dma_write(&mut self, addr: DmaAddr, data: &[u8]) -> Result<(), DmaFault>;
}

/// The bytes of one host-memory window: a single zeroed allocation that never moves or
/// grows, reached only through raw pointers. The device side ([`HostMemory`]) and the host's
/// mapped regions ([`DmaRegion`]) share it, as a NIC and its driver share real DMA memory.
struct Backing {
    ptr: NonNull<u8>,
    len: usize,
}

impl Backing {
    const ALIGN: usize = 4096;

    fn layout(len: usize) -> Layout {
        Layout::from_size_align(len.max(1), Backing::ALIGN).expect("window size fits a layout")
    }

    fn zeroed(len: usize) -> Backing {
        let layout = Backing::layout(len);
        // SAFETY: the layout has a non-zero size.
        let raw = unsafe { alloc::alloc_zeroed(layout) };
        let ptr = NonNull::new(raw).unwrap_or_else(|| alloc::handle_alloc_error(layout));
        Backing { ptr, len }
    }
}

impl Drop for Backing {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from `alloc_zeroed` with this layout and is freed once, here.
        unsafe { alloc::dealloc(self.ptr.as_ptr(), Backing::layout(self.len)) }
    }
}

// SAFETY: the allocation is owned by the `Backing` alone and freed on drop; every access to its
// bytes goes through raw-pointer copies bounded by `len` (DMA semantics: no references to the
// bytes are handed out), so moving or sharing the owner between threads is sound.
unsafe impl Send for Backing {}
// SAFETY: as for `Send`: `&Backing` gives only the pointer and the length.
unsafe impl Sync for Backing {}

/// One contiguous window of host memory mapped for the device at `base`, with
/// a bump allocator for the driver's rings and buffers. Cloning copies the bytes.
pub struct HostMemory {
    base: u64,
    bytes: Arc<Backing>,
    next: u64,
    /// Number of DMA writes that landed (for tests that watch memory).
    pub writes: u64,
}

/// The driver asked for more DMA memory than the window has left.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("out of DMA memory: {want} bytes wanted, {left} left of {size}")]
pub struct OutOfDmaMemory {
    pub want: u64,
    pub left: u64,
    pub size: u64,
}

impl HostMemory {
    /// The default window: 64 MiB at IOVA 0x1_0000_0000.
    pub const DEFAULT_BASE: u64 = 0x1_0000_0000;
    pub const DEFAULT_SIZE: usize = 64 << 20;

    pub fn new(base: u64, size: usize) -> Self {
        HostMemory {
            base,
            bytes: Arc::new(Backing::zeroed(size)),
            next: base,
            writes: 0,
        }
    }

    pub fn base(&self) -> DmaAddr {
        DmaAddr(self.base)
    }

    pub fn size(&self) -> usize {
        self.bytes.len
    }

    /// True when `[addr, addr+len)` lies inside the window.
    pub fn contains(&self, addr: DmaAddr, len: usize) -> bool {
        addr.0 >= self.base
            && (addr.0 - self.base)
                .checked_add(len as u64)
                .is_some_and(|end| end <= self.bytes.len as u64)
    }

    /// The window offset of `[addr, addr+len)`, if it lies inside.
    fn offset(&self, addr: DmaAddr, len: usize) -> Option<usize> {
        self.contains(addr, len)
            .then(|| (addr.0 - self.base) as usize)
    }

    /// Allocates `len` bytes aligned to `align` (a power of two), zeroed.
    pub fn alloc(&mut self, len: usize, align: u64) -> Result<DmaAddr, OutOfDmaMemory> {
        // An alignment of 0 is taken as 1; one so large that the start would pass 2^64 fails.
        let start = self.next.checked_next_multiple_of(align.max(1));
        let end = self.base + self.bytes.len as u64;
        let Some(start) = start.filter(|s| s.checked_add(len as u64).is_some_and(|e| e <= end))
        else {
            return Err(OutOfDmaMemory {
                want: len as u64,
                left: end.saturating_sub(self.next),
                size: self.bytes.len as u64,
            });
        };
        self.next = start + len as u64;
        let region = self
            .region(DmaAddr(start), len)
            .expect("allocated range is inside the window");
        region.fill(0, len, 0).expect("the whole region");
        Ok(DmaAddr(start))
    }

    /// [`HostMemory::alloc`], mapped for the host: the region's bytes and its bus address.
    pub fn alloc_region(&mut self, len: usize, align: u64) -> Result<DmaRegion, OutOfDmaMemory> {
        let at = self.alloc(len, align)?;
        Ok(self
            .region(at, len)
            .expect("allocated range is inside the window"))
    }

    /// Releases every allocation (the contents stay until reallocated).
    pub fn reset_allocator(&mut self) {
        self.next = self.base;
    }

    /// The host's (CPU's) mapping of `[addr, addr+len)`, allocated or not; `None` outside
    /// the window.
    pub fn region(&self, addr: DmaAddr, len: usize) -> Option<DmaRegion> {
        let at = self.offset(addr, len)?;
        // SAFETY: `[at, at+len)` lies inside the allocation, which the region keeps alive
        // through its own reference to the backing.
        let ptr = unsafe { NonNull::new_unchecked(self.bytes.ptr.as_ptr().add(at)) };
        let owner: Arc<dyn Send + Sync> = self.bytes.clone();
        // SAFETY: as above: `ptr..ptr+len` is inside memory `owner` keeps allocated.
        Some(unsafe { DmaRegion::from_raw_parts(addr, ptr, len, owner) })
    }

    /// The host reads `buf.len()` bytes at `addr` (not counted as a DMA access).
    pub fn read(&self, addr: DmaAddr, buf: &mut [u8]) -> Result<(), DmaFault> {
        self.copy_out(addr, buf, DmaKind::Read)
    }

    /// `len` bytes at `addr`, or `None` outside the window.
    pub fn read_vec(&self, addr: DmaAddr, len: usize) -> Option<Vec<u8>> {
        let mut v = vec![0; len];
        self.read(addr, &mut v).ok().map(|()| v)
    }

    /// The host writes `data` at `addr` (not counted as a DMA access).
    pub fn write(&mut self, addr: DmaAddr, data: &[u8]) -> Result<(), DmaFault> {
        self.copy_in(addr, data, DmaKind::Write)
    }

    /// Writes the bytes of `data` whose bit is set in `strobe` (bit n: byte n), all or nothing.
    pub fn write_strobed(
        &mut self,
        addr: DmaAddr,
        data: &[u8],
        strobe: u64,
    ) -> Result<(), DmaFault> {
        let fault = DmaFault {
            kind: DmaKind::Write,
            addr,
            len: data.len(),
        };
        let at = self.offset(addr, data.len()).ok_or(fault)?;
        for (b, &byte) in data.iter().enumerate().take(64) {
            if strobe >> b & 1 != 0 {
                // SAFETY: `at + b` is inside the window (checked above for the whole range).
                unsafe { self.bytes.ptr.as_ptr().add(at + b).write(byte) }
            }
        }
        Ok(())
    }

    /// A copy of the whole window, for tests that check nothing outside buffers changed.
    pub fn snapshot(&self) -> Vec<u8> {
        let mut v = vec![0; self.bytes.len];
        self.read(self.base(), &mut v).expect("the whole window");
        v
    }

    fn copy_out(&self, addr: DmaAddr, buf: &mut [u8], kind: DmaKind) -> Result<(), DmaFault> {
        let len = buf.len();
        let at = self.offset(addr, len).ok_or(DmaFault { kind, addr, len })?;
        // SAFETY: `[at, at+len)` is inside the allocation; `buf` is a distinct Rust buffer.
        unsafe { ptr::copy_nonoverlapping(self.bytes.ptr.as_ptr().add(at), buf.as_mut_ptr(), len) }
        Ok(())
    }

    fn copy_in(&mut self, addr: DmaAddr, data: &[u8], kind: DmaKind) -> Result<(), DmaFault> {
        let len = data.len();
        let at = self.offset(addr, len).ok_or(DmaFault { kind, addr, len })?;
        // SAFETY: `[at, at+len)` is inside the allocation; `data` is a distinct Rust buffer.
        unsafe { ptr::copy_nonoverlapping(data.as_ptr(), self.bytes.ptr.as_ptr().add(at), len) }
        Ok(())
    }
}

impl Clone for HostMemory {
    fn clone(&self) -> Self {
        let copy = HostMemory {
            base: self.base,
            bytes: Arc::new(Backing::zeroed(self.bytes.len)),
            next: self.next,
            writes: self.writes,
        };
        // SAFETY: two distinct allocations of the same length.
        unsafe {
            ptr::copy_nonoverlapping(
                self.bytes.ptr.as_ptr(),
                copy.bytes.ptr.as_ptr(),
                self.bytes.len,
            )
        }
        copy
    }
}

impl fmt::Debug for HostMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostMemory")
            .field("base", &self.base())
            .field("size", &self.size())
            .field("next", &DmaAddr(self.next))
            .field("writes", &self.writes)
            .finish()
    }
}

impl DmaMemory for HostMemory {
    fn dma_read(&mut self, addr: DmaAddr, buf: &mut [u8]) -> Result<(), DmaFault> {
        self.copy_out(addr, buf, DmaKind::Read)
    }

    fn dma_write(&mut self, addr: DmaAddr, data: &[u8]) -> Result<(), DmaFault> {
        self.copy_in(addr, data, DmaKind::Write)?;
        self.writes += 1;
        Ok(())
    }
}

/// An access outside a [`DmaRegion`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{len} bytes at offset {offset:#x} of the DMA region at {bus} run past its {size} bytes")]
pub struct RegionOverrun {
    pub bus: DmaAddr,
    pub offset: usize,
    pub len: usize,
    pub size: usize,
}

/// Host memory mapped for a device, as the host sees it: the bus address the device uses
/// and the bytes the CPU reads and writes (ixy.rs's `DmaMemory`, with bounds checks). The
/// device may read or write the bytes at any time, so they are copied in and out, never lent
/// out as references: `write` is ordered before every later write and MMIO doorbell
/// (a release fence), `read` after every earlier read (an acquire fence), as a driver's
/// `dma_wmb`/`dma_rmb` order descriptor and completion accesses.
pub struct DmaRegion {
    bus: DmaAddr,
    ptr: NonNull<u8>,
    len: usize,
    /// Keeps the mapping alive while the region exists.
    _owner: Arc<dyn Send + Sync>,
}

// SAFETY: the bytes stay mapped while `_owner` (Send + Sync) lives; a region is used from one
// thread at a time (it is not `Sync`) and every access is a bounded raw copy.
unsafe impl Send for DmaRegion {}

impl DmaRegion {
    /// A region over `len` bytes at `ptr`, which the device reaches at `bus`.
    ///
    /// # Safety
    /// `ptr..ptr+len` must be valid for reads and writes for as long as `owner` lives, and
    /// must not be reached through Rust references while the region exists.
    pub unsafe fn from_raw_parts(
        bus: DmaAddr,
        ptr: NonNull<u8>,
        len: usize,
        owner: Arc<dyn Send + Sync>,
    ) -> DmaRegion {
        DmaRegion {
            bus,
            ptr,
            len,
            _owner: owner,
        }
    }

    /// The address the device uses for the region's first byte.
    pub fn bus_addr(&self) -> DmaAddr {
        self.bus
    }

    /// The address the device uses for byte `offset` (not checked against the length).
    pub fn bus_at(&self, offset: usize) -> DmaAddr {
        self.bus.offset(offset as u64)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn check(&self, offset: usize, len: usize) -> Result<*mut u8, RegionOverrun> {
        if offset.checked_add(len).is_some_and(|end| end <= self.len) {
            // SAFETY: `offset <= self.len`, inside the mapping.
            Ok(unsafe { self.ptr.as_ptr().add(offset) })
        } else {
            Err(RegionOverrun {
                bus: self.bus,
                offset,
                len,
                size: self.len,
            })
        }
    }

    /// Copies `buf.len()` bytes from `offset` into `buf`.
    pub fn read(&self, offset: usize, buf: &mut [u8]) -> Result<(), RegionOverrun> {
        let src = self.check(offset, buf.len())?;
        fence(Ordering::Acquire);
        // SAFETY: `src..src+len` is inside the mapping (checked); `buf` is a distinct buffer.
        unsafe { ptr::copy_nonoverlapping(src, buf.as_mut_ptr(), buf.len()) }
        Ok(())
    }

    /// `len` bytes from `offset`.
    pub fn read_vec(&self, offset: usize, len: usize) -> Result<Vec<u8>, RegionOverrun> {
        let mut v = vec![0; len];
        self.read(offset, &mut v)?;
        Ok(v)
    }

    /// Copies `data` to `offset`.
    pub fn write(&self, offset: usize, data: &[u8]) -> Result<(), RegionOverrun> {
        let dst = self.check(offset, data.len())?;
        // SAFETY: `dst..dst+len` is inside the mapping (checked); `data` is a distinct buffer.
        unsafe { ptr::copy_nonoverlapping(data.as_ptr(), dst, data.len()) }
        fence(Ordering::Release);
        Ok(())
    }

    /// Sets `len` bytes from `offset` to `byte`.
    pub fn fill(&self, offset: usize, len: usize, byte: u8) -> Result<(), RegionOverrun> {
        let dst = self.check(offset, len)?;
        // SAFETY: `dst..dst+len` is inside the mapping (checked).
        unsafe { ptr::write_bytes(dst, byte, len) }
        fence(Ordering::Release);
        Ok(())
    }

    /// The part of the region at `[offset, offset+len)`, as a region of its own.
    pub fn sub(&self, offset: usize, len: usize) -> Result<DmaRegion, RegionOverrun> {
        let p = self.check(offset, len)?;
        Ok(DmaRegion {
            bus: self.bus_at(offset),
            // SAFETY: derived from the region's non-null pointer, inside the mapping.
            ptr: unsafe { NonNull::new_unchecked(p) },
            len,
            _owner: self._owner.clone(),
        })
    }
}

impl fmt::Debug for DmaRegion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DmaRegion({} bytes at {})", self.len, self.bus)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_outside_window_is_refused_and_changes_nothing() {
        let mut m = HostMemory::new(0x1000, 64);
        assert!(m.dma_write(DmaAddr(0x1000 + 60), &[1; 8]).is_err());
        assert!(m.dma_write(DmaAddr(0xff8), &[1; 8]).is_err());
        assert!(m.dma_write(DmaAddr(u64::MAX - 2), &[1; 8]).is_err());
        assert!(m.snapshot().iter().all(|&b| b == 0));
        assert!(m.dma_write(DmaAddr(0x1000 + 56), &[1; 8]).is_ok());
    }

    #[test]
    fn alloc_aligns_and_reports_exhaustion() {
        let mut m = HostMemory::new(0x1000, 256);
        let a = m.alloc(3, 1).unwrap();
        let b = m.alloc(8, 64).unwrap();
        assert_eq!(a, DmaAddr(0x1000));
        assert_eq!(b, DmaAddr(0x1040));
        assert!(m.alloc(1000, 8).is_err());
    }

    #[test]
    fn a_region_and_the_window_see_the_same_bytes() {
        let mut m = HostMemory::new(0x1000, 256);
        let r = m.alloc_region(16, 8).unwrap();
        assert_eq!(r.bus_addr(), DmaAddr(0x1000));
        r.write(4, &[1, 2, 3]).unwrap();
        assert_eq!(m.read_vec(DmaAddr(0x1004), 3).unwrap(), [1, 2, 3]);
        m.dma_write(DmaAddr(0x1008), &[9; 8]).unwrap();
        assert_eq!(r.read_vec(8, 8).unwrap(), [9; 8]);
        let s = r.sub(8, 4).unwrap();
        assert_eq!((s.bus_addr(), s.len()), (DmaAddr(0x1008), 4));
        assert_eq!(s.read_vec(0, 4).unwrap(), [9; 4]);
    }

    #[test]
    fn region_accesses_past_the_end_or_wrapping_are_refused_and_change_nothing() {
        let mut m = HostMemory::new(0x1000, 256);
        let r = m.alloc_region(16, 8).unwrap();
        let e = r.write(12, &[1; 8]).unwrap_err();
        assert_eq!((e.offset, e.len, e.size), (12, 8, 16));
        assert!(e.to_string().contains("offset 0xc"), "{e}");
        assert!(r.write(usize::MAX, &[1]).is_err());
        assert!(r.read(usize::MAX - 1, &mut [0; 4]).is_err());
        assert!(r.fill(1, usize::MAX, 7).is_err());
        assert!(r.sub(16, 1).is_err());
        assert!(r.sub(16, 0).is_ok());
        assert!(m.snapshot().iter().all(|&b| b == 0));
        assert!(m.region(DmaAddr(0x1000 + 250), 8).is_none());
        assert!(m.region(DmaAddr(0xfff), 1).is_none());
    }

    #[test]
    fn a_clone_is_a_copy_and_a_region_outlives_its_window() {
        let mut m = HostMemory::new(0x1000, 64);
        m.write(DmaAddr(0x1000), &[5; 4]).unwrap();
        let c = m.clone();
        let r = m.region(DmaAddr(0x1000), 4).unwrap();
        r.write(0, &[6; 4]).unwrap();
        assert_eq!(c.read_vec(DmaAddr(0x1000), 4).unwrap(), [5; 4]);
        drop(m);
        assert_eq!(r.read_vec(0, 4).unwrap(), [6; 4]);
    }

    #[test]
    fn strobed_writes_touch_only_strobed_bytes() {
        let mut m = HostMemory::new(0x1000, 64);
        m.write(DmaAddr(0x1000), &[0xee; 8]).unwrap();
        m.write_strobed(DmaAddr(0x1000), &[1, 2, 3, 4, 5, 6, 7, 8], 0b1010_0101)
            .unwrap();
        assert_eq!(
            m.read_vec(DmaAddr(0x1000), 8).unwrap(),
            [1, 0xee, 3, 0xee, 0xee, 6, 0xee, 8]
        );
        assert!(m
            .write_strobed(DmaAddr(0x1000 + 60), &[0; 8], u64::MAX)
            .is_err());
    }
}
