//! Buffer transfers split the way the RTL's DMA master splits them
//! (docs/nic.md, "The RTL's ports"): 8-byte beats, INCR bursts of at most 16
//! beats, never crossing a 4 KiB boundary. Each burst is one `dma_read` or
//! `dma_write`, so a refused burst fails alone, exactly where the RTL would
//! see `SLVERR`/`DECERR`.

use crate::mem::{DmaAddr, DmaMemory};

const BEAT: u64 = 8;
const MAX_BURST: u64 = 16 * BEAT;
const PAGE: u64 = 4096;

/// One burst of a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Burst {
    addr: DmaAddr,
    /// Where the burst starts in the transfer.
    offset: usize,
    /// Bytes the burst's beats cover (a multiple of 8).
    span: usize,
    /// Bytes of the transfer in it (less than `span` only in the last burst).
    used: usize,
}

/// The bursts for `len` bytes at `addr` (a multiple of 8): as long as
/// possible, cut at 16 beats and at 4 KiB boundaries.
fn bursts(addr: DmaAddr, len: usize) -> impl Iterator<Item = Burst> {
    let mut offset = 0usize;
    std::iter::from_fn(move || {
        if offset >= len {
            return None;
        }
        let a = addr.offset(offset as u64);
        let left = (len - offset) as u64;
        let to_page = PAGE - a.0 % PAGE;
        let span = MAX_BURST.min(to_page).min(left.div_ceil(BEAT) * BEAT);
        let b = Burst {
            addr: a,
            offset,
            span: span as usize,
            used: span.min(left) as usize,
        };
        offset += b.span;
        Some(b)
    })
}

/// Reads `len` bytes at `addr` (a multiple of 8) in whole beats. A refused
/// burst reads as zeros. Returns the bytes and whether every burst succeeded.
pub(super) fn read(mem: &mut dyn DmaMemory, addr: DmaAddr, len: usize) -> (Vec<u8>, bool) {
    let mut data = vec![0u8; len];
    let mut ok = true;
    let mut beats = Vec::with_capacity(MAX_BURST as usize);
    for b in bursts(addr, len) {
        beats.clear();
        beats.resize(b.span, 0);
        if mem.dma_read(b.addr, &mut beats).is_ok() {
            data[b.offset..b.offset + b.used].copy_from_slice(&beats[..b.used]);
        } else {
            ok = false;
        }
    }
    (data, ok)
}

/// Writes `data` at `addr` (a multiple of 8). The last beat's strobes cover
/// only the bytes of `data`, so nothing past its end is written. A refused
/// burst writes nothing; the others land. Returns whether every burst landed.
pub(super) fn write(mem: &mut dyn DmaMemory, addr: DmaAddr, data: &[u8]) -> bool {
    let mut ok = true;
    for b in bursts(addr, data.len()) {
        ok &= mem
            .dma_write(b.addr, &data[b.offset..b.offset + b.used])
            .is_ok();
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(addr: u64, len: usize) -> Vec<(u64, usize, usize)> {
        bursts(DmaAddr(addr), len)
            .map(|b| (b.addr.0, b.span, b.used))
            .collect()
    }

    #[test]
    fn bursts_are_cut_at_16_beats_and_4k() {
        assert_eq!(
            spans(0x1000, 300),
            vec![(0x1000, 128, 128), (0x1080, 128, 128), (0x1100, 48, 44)]
        );
        assert_eq!(
            spans(0x1f40, 200),
            vec![(0x1f40, 128, 128), (0x1fc0, 64, 64), (0x2000, 8, 8)]
        );
        assert_eq!(spans(0x2000, 5), vec![(0x2000, 8, 5)]);
        assert!(spans(0x2000, 0).is_empty());
    }

    #[test]
    fn bursts_near_the_top_of_the_address_space_do_not_wrap() {
        let top = u64::MAX - 7;
        assert_eq!(spans(top, 8), vec![(top, 8, 8)]);
        assert_eq!(spans(top, 20), vec![(top, 8, 8), (0, 16, 12)]);
    }
}
