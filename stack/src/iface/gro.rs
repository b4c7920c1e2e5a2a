//! Software generic receive offload (GRO), also the emulated device's LRO:
//! in-order TCP segments of one flow are coalesced into one frame before
//! TCP sees them, per Linux's GRO merge rules (`tcp_gro_receive`):
//!
//! - same flow (addresses and ports), same ACK number, byte-identical TCP
//!   options, flags equal but for PSH and FIN, (IPv4) same TTL and TOS,
//!   (IPv6) same traffic class and hop limit;
//! - the sequence number continues the held frame exactly;
//! - a segment no longer than the first one's payload (the flow's MSS);
//! - the merged IP packet stays within 64 KiB;
//! - the flow is flushed after a segment with PSH or FIN, after a segment
//!   shorter than the first, when a segment cannot merge (the held frame
//!   goes out first, order kept), and at the end of the poll
//!   ([`GroTable::flush_all`]). Segments with SYN, RST or URG, or without
//!   ACK or payload, are never held.
//!
//! The merged frame keeps the first segment's headers with the lengths
//! fixed, PSH/FIN of every merged segment, and the last segment's window.
//! Its TCP checksum is stale unless the table was made with
//! `fix_checksum` (the emulated LRO): the stack only feeds segments it has
//! verified, and treats what comes out as verified.

use super::gso::fill_tcp_checksum;
use crate::wire::{IpPair, TcpFlags, TcpOffsets, TcpPacket, TcpSeqNumber};

/// Largest IP packet a merged frame may become.
pub const MAX_MERGED_IP_LEN: usize = 65535;
/// Flows held at once (Linux MAX_GRO_SKBS).
pub const MAX_FLOWS: usize = 8;

#[derive(Debug)]
struct Held {
    frame: Vec<u8>,
    key: Key,
    o: TcpOffsets,
    /// Payload bytes of the first segment: longer ones do not merge.
    mss: usize,
    next_seq: TcpSeqNumber,
    segments: u16,
}

/// Frames of up to [`MAX_FLOWS`] flows being coalesced.
#[derive(Debug, Default)]
pub struct GroTable {
    held: Vec<Held>,
    fix_checksum: bool,
    /// Segments merged into an earlier one, over the table's life.
    pub merged_segments: u64,
    /// Frame buffers given back by [`GroTable::recycle`], for reuse.
    spare: Vec<Vec<u8>>,
}

/// What [`GroTable::offer`] did with a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offered {
    /// Merged into a held frame, or held (copied into the table).
    Taken,
    /// Neither: the caller processes `frame[..end]` as it is (`end` the
    /// IP packet's end for a TCP frame, else the frame's length).
    Passed { end: usize },
}

const NOT_IGNORED: u8 = !(TcpFlags::PSH.0 | TcpFlags::FIN.0);
const NEVER_HELD: u8 = TcpFlags::SYN.0 | TcpFlags::RST.0 | TcpFlags::URG.0;

/// A flow's addresses and ports, fixed-size (IPv4 addresses take the
/// first 8 bytes, the rest zero), and the family.
type Key = ([u8; 36], bool);

fn key_of(f: &[u8], o: &TcpOffsets) -> Key {
    let mut k = [0u8; 36];
    match o.ip_pair(f) {
        IpPair::V4 { src, dst } => {
            k[..4].copy_from_slice(&src.0);
            k[4..8].copy_from_slice(&dst.0);
        }
        IpPair::V6 { src, dst } => {
            k[..16].copy_from_slice(&src.0);
            k[16..32].copy_from_slice(&dst.0);
        }
    }
    let t = o.tcp(f);
    k[32..34].copy_from_slice(&t.src_port().to_be_bytes());
    k[34..].copy_from_slice(&t.dst_port().to_be_bytes());
    (k, o.ipv6)
}

fn seq(f: &[u8], o: &TcpOffsets) -> TcpSeqNumber {
    o.tcp(f).seq_number()
}

/// IP fields that must match for a merge: the version, IPv4 TOS (DSCP and
/// ECN) and TTL, IPv6 traffic class and hop limit (the flow label aside).
fn ip_invariant(f: &[u8], o: &TcpOffsets) -> [u8; 3] {
    if o.ipv6 {
        let p = o.ipv6(f);
        [p.version(), p.traffic_class(), p.hop_limit()]
    } else {
        let p = o.ipv4(f);
        [p.version(), p.dscp() << 2 | p.ecn(), p.ttl()]
    }
}

impl GroTable {
    /// A table; with `fix_checksum` merged frames get their TCP checksum
    /// recomputed (device LRO), else it is left stale (stack GRO).
    pub fn new(fix_checksum: bool) -> Self {
        GroTable {
            held: Vec::new(),
            fix_checksum,
            merged_segments: 0,
            spare: Vec::new(),
        }
    }

    /// Frames held now.
    pub fn held(&self) -> usize {
        self.held.len()
    }

    /// Offers one Ethernet frame. Returns the frames (with the number of
    /// segments each holds) that are complete now, in the order they must
    /// be processed; a frame that is not a well-formed TCP segment comes
    /// straight back.
    pub fn push(&mut self, mut frame: Vec<u8>) -> Vec<(Vec<u8>, u16)> {
        let mut out = Vec::new();
        match self.offer(&frame, &mut out) {
            Offered::Taken => {}
            Offered::Passed { end } => {
                frame.truncate(end);
                out.push((frame, 1));
            }
        }
        out
    }

    /// As [`push`](Self::push), without taking the frame: what the table
    /// merged or holds is copied into its own buffers (a held frame's
    /// buffer has room for a whole merged packet, so merging never
    /// reallocates), and complete frames are appended to `out` in order.
    /// [`Offered::Passed`] means the table neither merged nor held it: the
    /// caller processes `frame[..end]` itself, after what is in `out`.
    pub fn offer(&mut self, frame: &[u8], out: &mut Vec<(Vec<u8>, u16)>) -> Offered {
        let Some(o) = TcpOffsets::parse(frame) else {
            return Offered::Passed { end: frame.len() };
        };
        let Some(end) = o.ip_end(frame) else {
            return Offered::Passed { end: frame.len() };
        };
        let frame = &frame[..end];
        let flags = o.tcp(frame).flags().0;
        let len = end - o.payload;
        let key = key_of(frame, &o);
        let idx = self
            .held
            .iter()
            .position(|h| h.o == o && h.key == key)
            .or_else(|| self.held.iter().position(|h| h.key == key));
        if let Some(i) = idx {
            if self.can_merge(&self.held[i], frame, &o, len) {
                self.merge(i, frame, &o, len, out);
                return Offered::Taken;
            }
            let h = self.held.remove(i);
            out.push(self.finish(h));
        }
        let holdable = len > 0
            && flags & TcpFlags::ACK.0 != 0
            && flags & (NEVER_HELD | TcpFlags::PSH.0 | TcpFlags::FIN.0) == 0
            && self.held.len() < MAX_FLOWS;
        if !holdable {
            return Offered::Passed { end };
        }
        // Room for the largest merged packet, so merging never reallocates.
        let want = o.l3 + MAX_MERGED_IP_LEN;
        let mut buf = match self.spare.iter().position(|b| b.capacity() >= want) {
            Some(k) => self.spare.swap_remove(k),
            None => Vec::with_capacity(want),
        };
        buf.clear();
        buf.extend_from_slice(frame);
        let s = seq(frame, &o);
        self.held.push(Held {
            frame: buf,
            key,
            o,
            mss: len,
            next_seq: s + len,
            segments: 1,
        });
        Offered::Taken
    }

    /// Merges `frame` into the held frame of its flow if it can, and
    /// does nothing else (no flush, no hold); true if merged. The caller
    /// may skip parsing a merged segment's options: they are byte-identical
    /// to those of the held frame, which passed the same parse. A merge
    /// that completes the held frame appends it to `out`. `frame` ends
    /// where its IP packet does and `o` are its offsets, as
    /// [`TcpOffsets::parse`] finds them (the caller parsed the headers already).
    pub fn try_merge(
        &mut self,
        frame: &[u8],
        o: &TcpOffsets,
        out: &mut Vec<(Vec<u8>, u16)>,
    ) -> bool {
        if self.held.is_empty() {
            return false;
        }
        debug_assert_eq!(TcpOffsets::parse(frame), Some(*o));
        debug_assert_eq!(o.ip_end(frame), Some(frame.len()));
        let o = *o;
        let end = frame.len();
        let key = key_of(frame, &o);
        let Some(i) = self.held.iter().position(|h| h.o == o && h.key == key) else {
            return false;
        };
        let len = end - o.payload;
        if !self.can_merge(&self.held[i], frame, &o, len) {
            return false;
        }
        self.merge(i, frame, &o, len, out);
        true
    }

    /// Gives back a frame buffer the table handed out, for reuse by a
    /// later held frame (at most [`MAX_FLOWS`] are kept).
    pub fn recycle(&mut self, frame: Vec<u8>) {
        if self.spare.len() < MAX_FLOWS && frame.capacity() >= MAX_MERGED_IP_LEN {
            self.spare.push(frame);
        }
    }

    /// Appends `frame`'s payload to held frame `i` (`can_merge` said
    /// yes); a frame that is complete now goes to `out`.
    fn merge(
        &mut self,
        i: usize,
        frame: &[u8],
        o: &TcpOffsets,
        len: usize,
        out: &mut Vec<(Vec<u8>, u16)>,
    ) {
        let tcp = o.tcp(frame);
        let flags = tcp.flags().0;
        let h = &mut self.held[i];
        h.frame.extend_from_slice(&frame[o.payload..]);
        // The IP length fields (and IPv4 header checksum) are fixed once,
        // when the frame leaves the table (`finish`).
        let hend = h.frame.len();
        let mut held = h.o.tcp_mut(&mut h.frame);
        let merged = held.flags().0 | flags & (TcpFlags::PSH.0 | TcpFlags::FIN.0);
        held.set_flags(TcpFlags(merged));
        held.set_window_len(tcp.window_len());
        h.next_seq += len;
        h.segments = h.segments.saturating_add(1);
        self.merged_segments += 1;
        let full = hend - h.o.l3 + h.mss > MAX_MERGED_IP_LEN;
        if flags & (TcpFlags::PSH.0 | TcpFlags::FIN.0) != 0 || len < h.mss || full {
            let h = self.held.remove(i);
            out.push(self.finish(h));
        }
    }

    fn can_merge(&self, h: &Held, f: &[u8], o: &TcpOffsets, len: usize) -> bool {
        let hf = &h.frame;
        let (ht, t) = (h.o.tcp(hf), o.tcp(f));
        let flags = t.flags().0;
        h.o == *o
            && len > 0
            && len <= h.mss
            && flags & NEVER_HELD == 0
            && (flags ^ ht.flags().0) & NOT_IGNORED == 0
            && ht.ack_number() == t.ack_number()
            && ht.options_area() == t.options_area()
            && ip_invariant(hf, &h.o) == ip_invariant(f, o)
            && seq(f, o) == h.next_seq
            && hf.len() - h.o.l3 + len <= MAX_MERGED_IP_LEN
    }

    fn finish(&self, mut h: Held) -> (Vec<u8>, u16) {
        if h.segments > 1 {
            let end = h.frame.len();
            h.o.set_ip_end(&mut h.frame, end);
            if self.fix_checksum {
                fill_tcp_checksum(&mut h.frame, &h.o, end);
            }
        }
        (h.frame, h.segments)
    }

    /// Every held frame, oldest flow first.
    pub fn flush_all(&mut self) -> Vec<(Vec<u8>, u16)> {
        let held = std::mem::take(&mut self.held);
        held.into_iter().map(|h| self.finish(h)).collect()
    }
}

/// The emulated device's LRO over the frames that arrived together:
/// segments whose checksums verify are coalesced (checksums recomputed),
/// everything else passes unchanged, in order per flow.
pub fn lro_coalesce(frames: Vec<Vec<u8>>) -> Vec<(Vec<u8>, u16)> {
    let mut t = GroTable::new(true);
    let mut out = Vec::new();
    for f in frames {
        if tcp_checksum_ok(&f) {
            out.extend(t.push(f));
        } else {
            out.push((f, 1));
        }
    }
    out.extend(t.flush_all());
    out
}

/// Whether `f` is a TCP segment whose IP header and TCP checksum verify.
fn tcp_checksum_ok(f: &[u8]) -> bool {
    let Some(o) = TcpOffsets::parse(f) else {
        return false;
    };
    let Some(end) = o.ip_end(f) else {
        return false;
    };
    if !o.ipv6 && !o.ipv4(f).verify_checksum() {
        return false;
    }
    TcpPacket::new_unchecked(&f[o.l4..end]).verify_checksum(&o.ip_pair(f))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iface::gso::{segment, SegChecksum};
    use crate::phy::{TxMeta, F_NEEDS_CSUM, GSO_TCPV4};

    /// A valid IPv4 TCP frame: 10.0.0.1:1 -> 10.0.0.2:2, ACK set.
    fn frame(seq: u32, payload: &[u8], flags: u8) -> Vec<u8> {
        let mut f = vec![0u8; 14 + 20 + 20];
        f[12..14].copy_from_slice(&[0x08, 0]);
        f[14] = 0x45;
        f[14 + 8] = 64;
        f[14 + 9] = 6;
        f[14 + 12..14 + 16].copy_from_slice(&[10, 0, 0, 1]);
        f[14 + 16..14 + 20].copy_from_slice(&[10, 0, 0, 2]);
        f[34..36].copy_from_slice(&1u16.to_be_bytes());
        f[36..38].copy_from_slice(&2u16.to_be_bytes());
        f[38..42].copy_from_slice(&seq.to_be_bytes());
        f[42..46].copy_from_slice(&99u32.to_be_bytes());
        f[46] = 0x50;
        f[47] = flags;
        f[48..50].copy_from_slice(&1000u16.to_be_bytes());
        f.extend_from_slice(payload);
        let tl = (f.len() - 14) as u16;
        f[16..18].copy_from_slice(&tl.to_be_bytes());
        let o = TcpOffsets::parse(&f).unwrap();
        let end = f.len();
        o.set_ip_end(&mut f, end);
        fill_tcp_checksum(&mut f, &o, end);
        f
    }

    const ACK: u8 = 0x10;
    const PSH: u8 = 0x08;

    /// A valid IPv6 TCP frame, 2001:db8::1 port 1 -> 2001:db8::2 port 2,
    /// ACK set, with traffic class `tc` and flow label `flow`.
    fn frame6(seq: u32, payload: &[u8], tc: u8, flow: u32) -> Vec<u8> {
        let v4 = frame(seq, payload, ACK);
        let mut f = v4[..14].to_vec();
        f[12..14].copy_from_slice(&[0x86, 0xdd]);
        let mut ip = [0u8; 40];
        let vtf = (6u32 << 28) | (u32::from(tc) << 20) | flow;
        ip[..4].copy_from_slice(&vtf.to_be_bytes());
        ip[4..6].copy_from_slice(&((v4.len() - 34) as u16).to_be_bytes());
        ip[6] = 6;
        ip[7] = 64;
        ip[8..24].copy_from_slice(&[0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        ip[24..40].copy_from_slice(&[0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
        f.extend_from_slice(&ip);
        f.extend_from_slice(&v4[34..]);
        let o = TcpOffsets::parse(&f).unwrap();
        let end = f.len();
        fill_tcp_checksum(&mut f, &o, end);
        f
    }

    #[test]
    fn ipv6_segments_merge_only_with_the_same_traffic_class() {
        // The flow label may differ; every bit of the traffic class may not
        // (its DSCP half included, not only the ECN half).
        let mut t = GroTable::new(true);
        assert!(t.push(frame6(0, &[1; 100], 0x00, 1)).is_empty());
        assert!(t.push(frame6(100, &[1; 100], 0x00, 2)).is_empty());
        for tc in [0x80, 0x04, 0x01] {
            let out = t.push(frame6(200, &[1; 100], tc, 1));
            assert_eq!(out.len(), 1, "tc {tc:#x}: the held frame is flushed");
            assert_eq!(out[0].1, 2);
            assert!(tcp_checksum_ok(&out[0].0));
            t.flush_all();
            assert!(t.push(frame6(0, &[1; 100], 0x00, 1)).is_empty());
            assert!(t.push(frame6(100, &[1; 100], 0x00, 2)).is_empty());
        }
    }

    #[test]
    fn contiguous_segments_merge_until_psh_and_the_result_verifies() {
        let mut t = GroTable::new(true);
        assert!(t.push(frame(1000, &[1; 100], ACK)).is_empty());
        assert!(t.push(frame(1100, &[2; 100], ACK)).is_empty());
        let out = t.push(frame(1200, &[3; 100], ACK | PSH));
        assert_eq!(out.len(), 1);
        let (f, n) = &out[0];
        assert_eq!(*n, 3);
        assert!(tcp_checksum_ok(f));
        let o = TcpOffsets::parse(f).unwrap();
        assert_eq!(f.len() - o.payload, 300);
        assert_eq!(o.tcp(f).flags().0, ACK | PSH);
        assert_eq!(t.merged_segments, 2);
        assert_eq!(t.held(), 0);
    }

    #[test]
    fn gap_or_different_ack_flushes_the_held_frame_first() {
        let mut t = GroTable::new(false);
        assert!(t.push(frame(1000, &[1; 100], ACK)).is_empty());
        let out = t.push(frame(1300, &[1; 100], ACK));
        assert_eq!(out.len(), 1);
        assert_eq!(
            seq(&out[0].0, &TcpOffsets::parse(&out[0].0).unwrap()),
            TcpSeqNumber(1000)
        );
        let mut other_ack = frame(1400, &[1; 100], ACK);
        other_ack[42..46].copy_from_slice(&100u32.to_be_bytes());
        let out = t.push(other_ack);
        assert_eq!(out.len(), 1, "held 1300 flushed, new one held");
        assert_eq!(t.flush_all().len(), 1);
    }

    #[test]
    fn short_segment_merges_then_flushes_and_pure_acks_pass() {
        let mut t = GroTable::new(false);
        assert!(t.push(frame(0, &[1; 100], ACK)).is_empty());
        let out = t.push(frame(100, &[1; 50], ACK));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].1, 2);
        let out = t.push(frame(150, &[], ACK));
        assert_eq!(out.len(), 1);
        assert_eq!(t.held(), 0);
    }

    /// `frame` with a 12-byte timestamp option block (NOP NOP TS).
    fn with_ts(seq: u32, payload: &[u8], tsval: u32) -> Vec<u8> {
        let mut f = frame(seq, &[], ACK);
        f[46] = 0x80; // 32-byte header
        let mut opt = vec![1u8, 1, 8, 10];
        opt.extend_from_slice(&tsval.to_be_bytes());
        opt.extend_from_slice(&0u32.to_be_bytes());
        f.extend_from_slice(&opt);
        f.extend_from_slice(payload);
        let tl = (f.len() - 14) as u16;
        f[16..18].copy_from_slice(&tl.to_be_bytes());
        let o = TcpOffsets::parse(&f).unwrap();
        let end = f.len();
        o.set_ip_end(&mut f, end);
        fill_tcp_checksum(&mut f, &o, end);
        f
    }

    #[test]
    fn different_options_do_not_merge_identical_ones_do() {
        let mut t = GroTable::new(false);
        assert!(t.push(with_ts(0, &[1; 100], 7)).is_empty());
        assert!(t.push(with_ts(100, &[1; 100], 7)).is_empty());
        let out = t.push(with_ts(200, &[1; 100], 8));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].1, 2);
        assert_eq!(t.held(), 1);
    }

    #[test]
    fn merged_frames_stop_at_64_kib() {
        let mut t = GroTable::new(true);
        let mut out = Vec::new();
        for i in 0..60u32 {
            out.extend(t.push(frame(i * 1400, &[i as u8; 1400], ACK)));
        }
        out.extend(t.flush_all());
        assert!(out.len() >= 2);
        let mut total = 0;
        for (f, n) in &out {
            let o = TcpOffsets::parse(f).unwrap();
            assert!(f.len() - o.l3 <= MAX_MERGED_IP_LEN);
            assert!(tcp_checksum_ok(f));
            total += f.len() - o.payload;
            assert!(*n >= 1);
        }
        assert_eq!(total, 60 * 1400);
        assert_eq!(out.iter().map(|(_, n)| usize::from(*n)).sum::<usize>(), 60);
    }

    #[test]
    fn syn_rst_urg_and_flagless_segments_are_never_held() {
        let mut t = GroTable::new(false);
        for flags in [
            0x02 | ACK,
            0x04 | ACK,
            0x20 | ACK,
            0x00,
            PSH | ACK,
            0x01 | ACK,
        ] {
            assert_eq!(t.push(frame(0, &[1; 10], flags)).len(), 1, "{flags:#x}");
            assert_eq!(t.held(), 0);
        }
    }

    #[test]
    fn random_frames_never_panic_and_the_table_stays_bounded() {
        use rand::{Rng, SeedableRng};
        let seed = 0x6e0;
        println!("seed {seed:#x}");
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut t = GroTable::new(true);
        for i in 0..20_000u32 {
            let mut f = frame(i.wrapping_mul(100), &[7; 100], ACK);
            for _ in 0..rng.gen_range(0..3) {
                let at = rng.gen_range(0..f.len());
                f[at] = rng.gen();
            }
            if i % 5 == 0 {
                let cut = rng.gen_range(0..f.len());
                f.truncate(cut);
            }
            let _ = t.push(f);
            assert!(t.held() <= MAX_FLOWS);
        }
        let _ = lro_coalesce(vec![vec![0u8; 3], frame(0, &[1; 5], ACK)]);
    }

    #[test]
    fn lro_of_gso_segments_restores_the_super_segment_payload() {
        let payload: Vec<u8> = (0..5000u32).map(|i| (i * 7) as u8).collect();
        let sup = frame(5, &payload, ACK);
        let o = TcpOffsets::parse(&sup).unwrap();
        let meta = TxMeta {
            flags: F_NEEDS_CSUM,
            gso_type: GSO_TCPV4,
            hdr_len: o.payload as u16,
            gso_size: 1000,
            csum_start: o.l4 as u16,
            csum_offset: 16,
        };
        let segs: Vec<Vec<u8>> = segment(&sup, &meta, SegChecksum::Software)
            .unwrap()
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        let out = lro_coalesce(segs);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].1, 5);
        assert!(tcp_checksum_ok(&out[0].0));
        assert_eq!(&out[0].0[o.payload..], &payload[..]);
    }
}
