//! The Internet checksum (RFC 1071): one's-complement sum of big-endian
//! 16-bit words. This is the software fallback's hot path when the NIC has no
//! checksum offload or has it switched off.

/// Folded one's-complement sum of `data` (not inverted). An odd last byte is
/// the high byte of a word whose low byte is 0.
pub fn data(data: &[u8]) -> u16 {
    let mut acc: u64 = 0;
    let mut words = data.chunks_exact(2);
    for w in &mut words {
        acc += u16::from_be_bytes([w[0], w[1]]) as u64;
    }
    if let [b] = words.remainder() {
        acc += (*b as u64) << 8;
    }
    fold(acc)
}

/// Folds a wide sum to 16 bits.
pub fn fold(mut acc: u64) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

/// One's-complement sum of several folded sums.
pub fn combine(sums: &[u16]) -> u16 {
    fold(sums.iter().map(|&s| s as u64).sum())
}

/// Sum of the IPv4 pseudo-header (RFC 793 / RFC 768): source, destination,
/// zero, protocol, upper-layer length.
pub fn pseudo_header_v4(src: [u8; 4], dst: [u8; 4], protocol: u8, length: u16) -> u16 {
    let mut b = [0u8; 12];
    b[0..4].copy_from_slice(&src);
    b[4..8].copy_from_slice(&dst);
    b[9] = protocol;
    b[10..12].copy_from_slice(&length.to_be_bytes());
    data(&b)
}

/// Sum of the IPv6 pseudo-header (RFC 8200 section 8.1): source, destination,
/// upper-layer length (32 bits), three zero bytes, next header.
pub fn pseudo_header_v6(src: [u8; 16], dst: [u8; 16], next_header: u8, length: u32) -> u16 {
    let mut b = [0u8; 40];
    b[0..16].copy_from_slice(&src);
    b[16..32].copy_from_slice(&dst);
    b[32..36].copy_from_slice(&length.to_be_bytes());
    b[39] = next_header;
    data(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example_sums_to_ddf2() {
        assert_eq!(data(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]), 0xddf2);
    }

    #[test]
    fn odd_length_pads_the_last_byte_low() {
        assert_eq!(data(&[0xab]), 0xab00);
        assert_eq!(data(&[0x01, 0x02, 0x03]), 0x0102 + 0x0300);
    }
}
