//! What the host does when an offload is absent or switched off: the same
//! computation in software, so the wire carries the same bytes either way.
//! The arithmetic is the stack's fast checksum (`stack::checksum`).

use stack::checksum;

/// Per-packet checksum request: the `CHECKSUM_PARTIAL` pair. The host has put
/// the pseudo-header sum in the field at `start + offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsumRequest {
    pub start: u16,
    pub offset: u16,
}

/// Completes a `CHECKSUM_PARTIAL` frame in software, exactly as the NIC's TX
/// checksum engine would (a zero result is written as 0xFFFF). Returns false,
/// changing nothing, if the field does not fit in the frame.
pub fn complete_partial(frame: &mut [u8], req: CsumRequest) -> bool {
    let (start, at) = (req.start as usize, req.start as usize + req.offset as usize);
    if at + 2 > frame.len() {
        return false;
    }
    let mut c = !checksum::data(&frame[start..]);
    if c == 0 {
        c = 0xffff;
    }
    frame[at..at + 2].copy_from_slice(&c.to_be_bytes());
    true
}

/// The CHECKSUM_COMPLETE value of a frame: the folded sum after the Ethernet header.
pub fn complete_sum(frame: &[u8]) -> u16 {
    frame.get(14..).map_or(0, checksum::data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completing_a_partial_checksum_makes_the_range_sum_to_all_ones() {
        let mut f = vec![0u8; 100];
        for (i, b) in f.iter_mut().enumerate() {
            *b = (i * 37) as u8;
        }
        f[50..52].copy_from_slice(&[0x12, 0x34]); // pseudo-header sum left by the host
        assert!(complete_partial(
            &mut f,
            CsumRequest {
                start: 34,
                offset: 16
            }
        ));
        // With the pseudo-header sum added back, the receiver's check gives all ones.
        assert_eq!(
            checksum::combine(&[checksum::data(&f[34..]), 0x1234]),
            0xffff
        );
        assert!(!complete_partial(
            &mut f,
            CsumRequest {
                start: 90,
                offset: 9
            }
        ));
    }
}
