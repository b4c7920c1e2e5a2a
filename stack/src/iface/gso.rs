//! Software generic segmentation offload (GSO): a TCP super-frame split
//! into MSS-sized frames the way Linux `tcp_gso_segment` (and a TSO NIC)
//! does it.
//!
//! A super-frame is Ethernet + IPv4 (options allowed) or IPv6 (extension
//! headers allowed) + TCP header + a payload longer than `gso_size`, with
//! [`TxMeta`] `gso_type` TCPV4/TCPV6, `gso_size` the MSS and `hdr_len` the
//! length of every header. Each output segment gets a copy of the headers
//! with:
//!
//! - sequence number `seq + i * mss`;
//! - FIN and PSH only on the last segment, CWR only on the first;
//! - IPv4 identification `id + i` and total length recomputed, header
//!   checksum recomputed; IPv6 payload length recomputed;
//! - the TCP checksum per [`SegChecksum`].
//!
//! The super-frame's TCP checksum field holds, by Linux's convention for
//! GSO frames, the pseudo-header sum WITHOUT the length (the length differs
//! per segment); [`SegChecksum::FromField`] computes each segment's checksum
//! from that field as a TSO device does, [`SegChecksum::Software`] from the
//! IP header's addresses alone (so the two agree only if the field is right).

use crate::checksum;
use crate::phy::{TxMeta, F_NEEDS_CSUM, GSO_NONE};
use crate::wire::{ip_protocol, ipv4, tcp, Ipv4Packet, TcpOffsets, TcpPacket};

/// How the TCP checksum of each segment is produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegChecksum {
    /// Computed here in full, from the IP header's addresses.
    Software,
    /// Left to the device: the field holds the pseudo-header sum (with the
    /// segment's length) and the segment's metadata says NEEDS_CSUM.
    Offload,
    /// Computed here in full from the super-frame's field (pseudo-header
    /// sum without length) plus the segment length, as a TSO device does.
    FromField,
}

/// Why a super-frame could not be segmented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GsoError {
    #[error("not an IPv4 or IPv6 TCP frame")]
    NotTcp,
    #[error("headers truncated or inconsistent")]
    Malformed,
    #[error("gso_size is zero")]
    NoSegmentSize,
}

/// `!sum`, with 0 written as 0xffff (as the NIC and Linux do; the same
/// number in one's complement).
pub fn complement(sum: u16) -> u16 {
    match !sum {
        0 => 0xffff,
        c => c,
    }
}

/// Fills the TCP checksum of a single frame in software from its
/// addresses.
pub fn fill_tcp_checksum(frame: &mut [u8], o: &TcpOffsets, end: usize) {
    let pair = o.ip_pair(frame);
    let tcp = &mut frame[o.l4..end];
    TcpPacket::new_unchecked(&mut *tcp).set_checksum(0);
    let sum = pair.upper_layer_sum(ip_protocol::TCP, tcp);
    TcpPacket::new_unchecked(tcp).set_checksum(complement(sum));
}

/// Splits a super-frame into segments of at most `meta.gso_size` payload
/// bytes (a frame whose payload fits one segment comes back as one
/// segment, fixed up the same way). Never panics on any input.
pub fn segment(
    frame: &[u8],
    meta: &TxMeta,
    csum: SegChecksum,
) -> Result<Vec<(Vec<u8>, TxMeta)>, GsoError> {
    let mut out = Vec::new();
    segment_each(frame, meta, csum, |seg, m| out.push((seg.to_vec(), *m)))?;
    Ok(out)
}

/// As [`segment`], but hands each segment to `emit` as it is made (in
/// order) instead of collecting them: one buffer is reused for every
/// segment. Returns how many segments were emitted.
pub fn segment_each(
    frame: &[u8],
    meta: &TxMeta,
    csum: SegChecksum,
    emit: impl FnMut(&[u8], &TxMeta),
) -> Result<usize, GsoError> {
    let o = TcpOffsets::parse(frame).ok_or(GsoError::NotTcp)?;
    let end = o.ip_end(frame).ok_or(GsoError::Malformed)?;
    let mss = usize::from(meta.gso_size);
    if mss == 0 {
        return Err(GsoError::NoSegmentSize);
    }
    Ok(segment_parts(
        &frame[..o.payload],
        &o,
        (&frame[o.payload..end], &[]),
        mss,
        csum,
        emit,
    ))
}

/// The segmentation proper: `headers` are the super-frame's headers (all
/// of them, `o` their offsets, `o.payload == headers.len()`, TCP checksum
/// field holding the pseudo-header sum without length), `payload` the
/// super-segment's payload (the concatenation of two slices, as a ring
/// buffer holds it), cut into `mss`-sized segments (`mss > 0`) that
/// are handed to `emit` one by one, each built in the same reused buffer
/// with the `tcp_gso_segment` fix-ups. Returns the number of segments.
pub(crate) fn segment_parts(
    headers: &[u8],
    o: &TcpOffsets,
    payload: (&[u8], &[u8]),
    mss: usize,
    csum: SegChecksum,
    mut emit: impl FnMut(&[u8], &TxMeta),
) -> usize {
    let hdr = o.payload;
    debug_assert_eq!(hdr, headers.len());
    let mss = mss.max(1);
    let (first, second) = payload;
    let total = first.len() + second.len();
    let count = total.div_ceil(mss).max(1);
    let tcp0 = o.tcp(headers);
    let field = tcp0.checksum();
    let seq0 = tcp0.seq_number();
    let flags0 = tcp0.flags().0;
    let ident0 = if o.ipv6 { 0 } else { o.ipv4(headers).ident() };
    let mut seg = Vec::with_capacity(hdr + mss.min(total));
    seg.extend_from_slice(headers);
    // The pseudo-header sum of the addresses without length, for
    // `Software` (from the IP header, as `fill_tcp_checksum` takes it).
    let pseudo0 = o.pseudo_sum(headers, None);
    // IPv4: the header's sum without total length, ID and checksum, which
    // are the fields that change per segment.
    let ip_fixed = if o.ipv6 {
        0
    } else {
        let mut h = [0u8; ipv4::field::MAX_HEADER_LEN];
        let ip = &headers[o.l3..o.l4];
        let n = ip.len().min(h.len());
        h[..n].copy_from_slice(&ip[..n]);
        let mut p = Ipv4Packet::new_unchecked(&mut h[..n]);
        p.set_total_len(0);
        p.set_ident(0);
        p.set_checksum(0);
        checksum::data(&h[..n])
    };
    for i in 0..count {
        // An empty payload still makes one (header-only) segment.
        let lo = (i * mss).min(total);
        let hi = (lo + mss).min(total);
        seg.truncate(hdr);
        if lo < first.len() {
            seg.extend_from_slice(&first[lo..hi.min(first.len())]);
        }
        if hi > first.len() {
            seg.extend_from_slice(&second[lo.saturating_sub(first.len())..hi - first.len()]);
        }
        let seg_end = seg.len();
        let mut flags = flags0;
        if i + 1 < count {
            flags &= !(tcp::TcpFlags::FIN.0 | tcp::TcpFlags::PSH.0);
        }
        if i > 0 {
            flags &= !tcp::TcpFlags::CWR.0;
        }
        {
            let mut t = o.tcp_mut(&mut seg);
            t.set_seq_number(seq0 + i * mss);
            t.set_flags(tcp::TcpFlags(flags));
        }
        if o.ipv6 {
            o.set_ip_end(&mut seg, seg_end);
        } else {
            // Total length and header checksum: the sum of the fixed part
            // of the header plus this segment's ID and length (the same
            // one's-complement sum `Ipv4Packet::fill_checksum` would take,
            // so the same bytes).
            let id = ident0.wrapping_add(i as u16);
            let total = (seg_end - o.l3) as u16;
            let mut ip = o.ipv4_mut(&mut seg);
            ip.set_ident(id);
            ip.set_total_len(total);
            ip.set_checksum(!checksum::combine(&[ip_fixed, id, total]));
        }
        let tcp_len = seg_end - o.l4;
        let mut seg_meta = TxMeta {
            gso_type: GSO_NONE,
            ..TxMeta::default()
        };
        let sum = match csum {
            SegChecksum::Software => {
                // One pass over the segment: the pseudo-header (addresses
                // plus this segment's length) combined with its bytes.
                o.tcp_mut(&mut seg).set_checksum(0);
                let len = u16::try_from(tcp_len).unwrap_or(u16::MAX);
                complement(checksum::combine(&[
                    pseudo0,
                    len,
                    checksum::data(&seg[o.l4..]),
                ]))
            }
            SegChecksum::Offload => {
                seg_meta.flags = F_NEEDS_CSUM;
                seg_meta.csum_start = o.l4 as u16;
                seg_meta.csum_offset = tcp::field::CHECKSUM as u16;
                o.pseudo_sum(&seg, Some(tcp_len))
            }
            SegChecksum::FromField => {
                o.tcp_mut(&mut seg).set_checksum(0);
                let len = u16::try_from(tcp_len).unwrap_or(u16::MAX);
                complement(checksum::combine(&[
                    field,
                    len,
                    checksum::data(&seg[o.l4..]),
                ]))
            }
        };
        o.tcp_mut(&mut seg).set_checksum(sum);
        emit(&seg, &seg_meta);
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phy::GSO_TCPV4;
    use crate::wire::{
        IpPair, Ipv4Address, Ipv4Packet, Ipv4Repr, Ipv6Address, TcpFlags, TcpPacket, TcpRepr,
        TcpSeqNumber,
    };

    fn super_frame_v4(payload: &[u8], flags: TcpFlags) -> (Vec<u8>, TxMeta) {
        let src = Ipv4Address([10, 0, 0, 1]);
        let dst = Ipv4Address([10, 0, 0, 2]);
        let tcp = TcpRepr {
            src_port: 1000,
            dst_port: 2000,
            seq_number: TcpSeqNumber(0xffff_fff0),
            ack_number: TcpSeqNumber(7),
            flags,
            window_len: 100,
            urgent_at: 0,
            max_seg_size: None,
            window_scale: None,
            sack_permitted: false,
            sack_ranges: [None; 4],
            timestamp: Some((1, 2)),
            payload_len: payload.len(),
        };
        let ip = Ipv4Repr::unfragmented(src, dst, ip_protocol::TCP, tcp.buffer_len(), 0xfffe, true);
        let mut f = vec![0u8; 14 + 20 + tcp.buffer_len()];
        f[12..14].copy_from_slice(&[0x08, 0x00]);
        ip.emit(&mut Ipv4Packet::new_unchecked(&mut f[14..]), true);
        let hl = tcp.header_len();
        f[34 + hl..].copy_from_slice(payload);
        let pair = IpPair::V4 { src, dst };
        tcp.emit(&mut TcpPacket::new_unchecked(&mut f[34..]), &pair, false);
        let p = pair.pseudo_header_sum(ip_protocol::TCP, 0);
        f[34 + 16..34 + 18].copy_from_slice(&p.to_be_bytes());
        let meta = TxMeta {
            flags: F_NEEDS_CSUM,
            gso_type: GSO_TCPV4,
            hdr_len: (34 + hl) as u16,
            gso_size: 100,
            csum_start: 34,
            csum_offset: 16,
        };
        (f, meta)
    }

    #[test]
    fn segments_follow_tcp_gso_segment_rules() {
        let payload: Vec<u8> = (0..250u32).map(|i| i as u8).collect();
        let flags = TcpFlags(TcpFlags::ACK.0 | TcpFlags::PSH.0 | TcpFlags::FIN.0 | TcpFlags::CWR.0);
        let (f, meta) = super_frame_v4(&payload, flags);
        let segs = segment(&f, &meta, SegChecksum::Software).unwrap();
        assert_eq!(segs.len(), 3);
        let pair = IpPair::V4 {
            src: Ipv4Address([10, 0, 0, 1]),
            dst: Ipv4Address([10, 0, 0, 2]),
        };
        let mut data = Vec::new();
        for (i, (s, m)) in segs.iter().enumerate() {
            assert_eq!(m.gso_type, GSO_NONE);
            let ip = Ipv4Packet::new_checked(&s[14..]).unwrap();
            assert!(ip.verify_checksum());
            assert_eq!(ip.ident(), 0xfffeu16.wrapping_add(i as u16));
            let t = TcpPacket::new_checked(ip.payload()).unwrap();
            assert!(t.verify_checksum(&pair));
            let r = TcpRepr::parse(&t, &pair, true).unwrap();
            assert_eq!(r.seq_number.0, 0xffff_fff0u32.wrapping_add(100 * i as u32));
            assert_eq!(r.timestamp, Some((1, 2)));
            let last = i == 2;
            assert_eq!(r.flags.contains(TcpFlags::FIN), last);
            assert_eq!(r.flags.contains(TcpFlags::PSH), last);
            assert_eq!(r.flags.contains(TcpFlags::CWR), i == 0);
            assert!(r.flags.contains(TcpFlags::ACK));
            data.extend_from_slice(t.payload());
        }
        assert_eq!(data, payload);
        // A device computing from the field (pseudo-header without length)
        // produces the same bytes: the convention holds.
        assert_eq!(segment(&f, &meta, SegChecksum::FromField).unwrap(), segs);
        // Offload: the device completes each from csum_start.
        for (mut s, m) in segment(&f, &meta, SegChecksum::Offload).unwrap() {
            assert_eq!(m.flags, F_NEEDS_CSUM);
            let start = usize::from(m.csum_start);
            let at = start + usize::from(m.csum_offset);
            let sum = complement(checksum::data(&s[start..]));
            s[at..at + 2].copy_from_slice(&sum.to_be_bytes());
            assert!(segs.iter().any(|(g, _)| *g == s));
        }
    }

    #[test]
    fn per_segment_ipv4_checksum_equals_a_full_recomputation() {
        use rand::{Rng, SeedableRng};
        let seed = test_support::seed(0x9c5);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        for _ in 0..300 {
            let len = rng.gen_range(0..2000);
            let payload: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
            let (mut f, mut meta) = super_frame_v4(&payload, TcpFlags::ACK);
            // Random ID, TTL and TOS; header checksum made right for them.
            let id: u16 = rng.gen();
            f[18..20].copy_from_slice(&id.to_be_bytes());
            f[22] = rng.gen();
            f[15] = rng.gen();
            let o = TcpOffsets::parse(&f).unwrap();
            o.ipv4_mut(&mut f).fill_checksum();
            meta.gso_size = rng.gen_range(1..600);
            for (mut seg, _) in segment(&f, &meta, SegChecksum::Software).unwrap() {
                let got = seg.clone();
                o.ipv4_mut(&mut seg).fill_checksum();
                assert_eq!(seg, got, "seed {seed:#x}");
                assert!(Ipv4Packet::new_checked(&got[14..])
                    .unwrap()
                    .verify_checksum());
            }
        }
    }

    #[test]
    fn garbage_never_panics() {
        use rand::{Rng, RngCore, SeedableRng};
        let seed = 0x650;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let (f, meta) = super_frame_v4(&[5u8; 300], TcpFlags::ACK);
        for i in 0..5000 {
            let mut b = if i % 2 == 0 {
                f.clone()
            } else {
                let mut v = vec![0u8; rng.gen_range(0..400)];
                rng.fill_bytes(&mut v);
                v
            };
            if !b.is_empty() {
                for _ in 0..3 {
                    let at = rng.gen_range(0..b.len());
                    b[at] = rng.gen();
                }
            }
            let m = TxMeta {
                gso_size: rng.gen_range(0..200),
                ..meta
            };
            let _ = segment(&b, &m, SegChecksum::FromField);
        }
        let _ = Ipv6Address::UNSPECIFIED;
    }
}
