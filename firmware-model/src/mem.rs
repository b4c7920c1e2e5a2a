//! Host memory as the NIC's DMA engine sees it.
//!
//! A NIC reaches host memory through an IOMMU: an access outside what the host
//! mapped for the device is refused (on PCIe, an unsupported request; on the
//! AXI side of an FPGA shell, `SLVERR`/`DECERR`). [`DmaMemory`] models exactly
//! that, and [`HostMemory`] is one flat mapped window of it.

use std::fmt;

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

/// One contiguous window of host memory mapped for the device at `base`, with
/// a bump allocator for the driver's rings and buffers.
#[derive(Clone)]
pub struct HostMemory {
    base: u64,
    bytes: Vec<u8>,
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
            bytes: vec![0; size],
            next: base,
            writes: 0,
        }
    }

    pub fn base(&self) -> DmaAddr {
        DmaAddr(self.base)
    }

    pub fn size(&self) -> usize {
        self.bytes.len()
    }

    /// True when `[addr, addr+len)` lies inside the window.
    pub fn contains(&self, addr: DmaAddr, len: usize) -> bool {
        addr.0 >= self.base
            && (addr.0 - self.base)
                .checked_add(len as u64)
                .is_some_and(|end| end <= self.bytes.len() as u64)
    }

    fn range(&self, addr: DmaAddr, len: usize) -> Option<std::ops::Range<usize>> {
        self.contains(addr, len).then(|| {
            let start = (addr.0 - self.base) as usize;
            start..start + len
        })
    }

    /// Allocates `len` bytes aligned to `align` (a power of two), zeroed.
    pub fn alloc(&mut self, len: usize, align: u64) -> Result<DmaAddr, OutOfDmaMemory> {
        // An alignment of 0 is taken as 1; one so large that the start would pass 2^64 fails.
        let start = self.next.checked_next_multiple_of(align.max(1));
        let end = self.base + self.bytes.len() as u64;
        let Some(start) = start.filter(|s| s.checked_add(len as u64).is_some_and(|e| e <= end))
        else {
            return Err(OutOfDmaMemory {
                want: len as u64,
                left: end.saturating_sub(self.next),
                size: self.bytes.len() as u64,
            });
        };
        self.next = start + len as u64;
        let r = self
            .range(DmaAddr(start), len)
            .expect("allocated range is inside the window");
        self.bytes[r].fill(0);
        Ok(DmaAddr(start))
    }

    /// Releases every allocation (the contents stay until reallocated).
    pub fn reset_allocator(&mut self) {
        self.next = self.base;
    }

    /// The host's (CPU's) view: a slice of the window. Panics never; returns
    /// `None` outside the window.
    pub fn slice(&self, addr: DmaAddr, len: usize) -> Option<&[u8]> {
        self.range(addr, len).map(|r| &self.bytes[r])
    }

    pub fn slice_mut(&mut self, addr: DmaAddr, len: usize) -> Option<&mut [u8]> {
        self.range(addr, len).map(move |r| &mut self.bytes[r])
    }

    /// The whole window, for tests that check nothing outside buffers changed.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl DmaMemory for HostMemory {
    fn dma_read(&mut self, addr: DmaAddr, buf: &mut [u8]) -> Result<(), DmaFault> {
        let r = self.range(addr, buf.len()).ok_or(DmaFault {
            kind: DmaKind::Read,
            addr,
            len: buf.len(),
        })?;
        buf.copy_from_slice(&self.bytes[r]);
        Ok(())
    }

    fn dma_write(&mut self, addr: DmaAddr, data: &[u8]) -> Result<(), DmaFault> {
        let r = self.range(addr, data.len()).ok_or(DmaFault {
            kind: DmaKind::Write,
            addr,
            len: data.len(),
        })?;
        self.bytes[r].copy_from_slice(data);
        self.writes += 1;
        Ok(())
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
        assert!(m.as_bytes().iter().all(|&b| b == 0));
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
}
