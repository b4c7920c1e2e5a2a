//! What the host does when an offload is absent or switched off: the NIC's own rule applied in
//! software, so the wire carries the same bytes either way. The rule has one home, the
//! firmware model's (`firmware_model::csum`, docs/offloads.md); this module only adapts it to
//! the driver's request type.

use firmware_model::csum;

/// Per-packet checksum request: the `CHECKSUM_PARTIAL` pair. The host has put
/// the pseudo-header sum in the field at `start + offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsumRequest {
    pub start: u16,
    pub offset: u16,
}

/// Completes a `CHECKSUM_PARTIAL` frame in software exactly as the NIC's TX checksum engine
/// does ([`csum::tx_checksum`]: the L4 checksum, a zero result written as 0xFFFF, and an IPv4
/// frame's header checksum). Returns false, changing nothing, if the field does not fit in the
/// frame.
pub fn complete_partial(frame: &mut [u8], req: CsumRequest) -> bool {
    csum::tx_checksum(frame, req.start.into(), req.offset.into()).is_ok()
}

/// The CHECKSUM_COMPLETE value of a frame, as the NIC reports it ([`csum::complete_sum`]).
pub fn complete_sum(frame: &[u8]) -> u16 {
    csum::complete_sum(frame)
}

#[cfg(test)]
mod tests {
    use super::*;
    use stack::checksum;

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
        let before = f.clone();
        assert!(!complete_partial(
            &mut f,
            CsumRequest {
                start: 90,
                offset: 9
            }
        ));
        assert_eq!(f, before, "a refused request changes nothing");
    }
}
