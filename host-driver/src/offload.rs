//! What the host does when an offload is absent or switched off: the same
//! computation in software, so the wire carries the same bytes either way.
//! (The TCP/IP stack brings its own fast checksum; this is the driver's.)

/// RFC 1071 sum of `data` as big-endian 16-bit words, unfolded. Sums eight
/// bytes at a time into a 64-bit accumulator.
pub fn sum(data: &[u8]) -> u64 {
    let mut acc: u64 = 0;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_be_bytes(c.try_into().expect("8 bytes"));
        // Four 16-bit words summed in two 32-bit halves cannot overflow 64 bits
        // for any frame size we handle.
        acc += (w >> 48) + ((w >> 32) & 0xffff) + ((w >> 16) & 0xffff) + (w & 0xffff);
    }
    let mut rest = chunks.remainder().chunks_exact(2);
    for c in &mut rest {
        acc += u16::from_be_bytes([c[0], c[1]]) as u64;
    }
    if let [b] = rest.remainder() {
        acc += (*b as u64) << 8;
    }
    acc
}

/// Folds a sum to 16 bits.
pub fn fold(mut s: u64) -> u16 {
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    s as u16
}

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
    let mut c = !fold(sum(&frame[start..]));
    if c == 0 {
        c = 0xffff;
    }
    frame[at..at + 2].copy_from_slice(&c.to_be_bytes());
    true
}

/// The CHECKSUM_COMPLETE value of a frame: the folded sum after the Ethernet header.
pub fn complete_sum(frame: &[u8]) -> u16 {
    frame.get(14..).map_or(0, |p| fold(sum(p)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sum_matches_rfc1071_example() {
        // RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2 (folded).
        assert_eq!(
            fold(sum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7])),
            0xddf2
        );
    }

    #[test]
    fn odd_tail_byte_is_the_high_byte() {
        assert_eq!(sum(&[0x12]), 0x1200);
        assert_eq!(
            fold(sum(&[1, 2, 3, 4, 5, 6, 7, 8, 9])),
            0x0102 + 0x0304 + 0x0506 + 0x0708 + 0x0900
        );
    }

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
        assert_eq!(fold(sum(&f[34..]) + 0x1234), 0xffff);
        assert!(!complete_partial(
            &mut f,
            CsumRequest {
                start: 90,
                offset: 9
            }
        ));
    }
}
