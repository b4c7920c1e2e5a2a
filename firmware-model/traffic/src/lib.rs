//! Seeded random test traffic: Ethernet frames carrying IPv4/IPv6 TCP/UDP
//! (with VLAN tags, IPv4 options, IPv6 extension headers, padding) and the
//! malformed kinds a checksum parser must refuse to call good; and
//! [`FrameBuilder`], the one builder of ordinary test frames.
//!
//! Checksums are computed here on purpose independently of the firmware
//! model's `csum.rs` (this crate depends on nothing of ours; the model's tests
//! cross-check both against the `etherparse` oracle in `test-support`).

pub mod frame;

pub use frame::{Built, Checksum, FrameBuilder};

use rand::Rng;

/// RFC 1071 sum of big-endian words, unfolded.
fn sum(data: &[u8]) -> u64 {
    let mut s = 0u64;
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        s += u16::from_be_bytes([c[0], c[1]]) as u64;
    }
    if let [b] = chunks.remainder() {
        s += (*b as u64) << 8;
    }
    s
}

fn fold(mut s: u64) -> u16 {
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    s as u16
}

/// What a generated frame is, so tests can say what they expect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    pub frame: Vec<u8>,
    /// Offset of the TCP/UDP header, when there is one.
    pub l4: Option<usize>,
    /// Offset of the checksum field within the L4 header (16 TCP, 6 UDP).
    pub csum_offset: Option<usize>,
    pub is_ipv6: bool,
    pub vlan: bool,
    /// The L4 checksum in the frame is correct.
    pub l4_csum_ok: bool,
}

/// Options for [`random_packet`].
#[derive(Debug, Clone, Copy)]
pub struct Mix {
    /// Largest L4 payload.
    pub max_payload: usize,
    /// Chance of a deliberately wrong L4 checksum.
    pub p_bad_csum: f64,
    /// Chance of malformed headers (truncation, lying lengths, fragments, bad IHL, ...).
    pub p_malformed: f64,
}

impl Default for Mix {
    fn default() -> Self {
        Mix {
            max_payload: 1460,
            p_bad_csum: 0.1,
            p_malformed: 0.1,
        }
    }
}

/// A random Ethernet frame with correct (or, per `mix`, deliberately wrong)
/// checksums.
pub fn random_packet<R: Rng>(rng: &mut R, mix: &Mix) -> Packet {
    let vlan = rng.gen_bool(0.25);
    let is_ipv6 = rng.gen_bool(0.4);
    let tcp = rng.gen_bool(0.6);
    let payload_len = match rng.gen_range(0..10) {
        0 => 0,
        1..=3 => rng.gen_range(0..64),
        _ => rng.gen_range(0..=mix.max_payload),
    };
    let mut f = vec![
        0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
    ];
    if vlan {
        f.extend_from_slice(&[0x81, 0x00]);
        f.extend_from_slice(&rng.gen_range(0u16..4096).to_be_bytes());
    }
    f.extend_from_slice(if is_ipv6 {
        &[0x86, 0xdd]
    } else {
        &[0x08, 0x00]
    });
    let l3 = f.len();
    let proto: u8 = if tcp { 6 } else { 17 };
    let l4_hdr_len = if tcp {
        20 + 4 * rng.gen_range(0..=3)
    } else {
        8
    };
    let l4_len = l4_hdr_len + payload_len;
    let mut pseudo = Vec::new();
    if is_ipv6 {
        let n_ext = if rng.gen_bool(0.3) {
            rng.gen_range(1..=2)
        } else {
            0
        };
        let kinds = [0u8, 60, 43];
        // Hop-by-Hop may only come first (RFC 8200 section 4.1).
        let exts: Vec<u8> = (0..n_ext)
            .map(|i| kinds[rng.gen_range(if i == 0 { 0 } else { 1 }..3)])
            .collect();
        let ext_lens: Vec<usize> = exts.iter().map(|_| 8 * rng.gen_range(1..=2)).collect();
        let payload = ext_lens.iter().sum::<usize>() + l4_len;
        let first = exts.first().copied().unwrap_or(proto);
        f.extend_from_slice(&[0x60, 0, 0, 0]);
        f.extend_from_slice(&(payload as u16).to_be_bytes());
        f.extend_from_slice(&[first, 64]);
        let mut addrs = [0u8; 32];
        rng.fill(&mut addrs[..]);
        f.extend_from_slice(&addrs);
        for (i, (&kind, &len)) in exts.iter().zip(&ext_lens).enumerate() {
            let next = exts.get(i + 1).copied().unwrap_or(proto);
            let mut h = vec![0u8; len];
            rng.fill(&mut h[..]);
            h[0] = next;
            h[1] = (len / 8 - 1) as u8;
            if kind == 43 {
                h[3] = 0; // segments left: the destination above is final
            }
            f.extend_from_slice(&h);
        }
        pseudo.extend_from_slice(&addrs);
        pseudo.extend_from_slice(&(l4_len as u32).to_be_bytes());
        pseudo.extend_from_slice(&[0, 0, 0, proto]);
    } else {
        let opt_words = if rng.gen_bool(0.25) {
            rng.gen_range(1..=10)
        } else {
            0
        };
        let ihl = 5 + opt_words;
        let total = ihl * 4 + l4_len;
        let mut h = vec![0u8; ihl * 4];
        h[0] = 0x40 | ihl as u8;
        h[2..4].copy_from_slice(&(total as u16).to_be_bytes());
        h[4..6].copy_from_slice(&rng.gen::<u16>().to_be_bytes());
        h[6] = 0x40; // DF
        h[8] = 64;
        h[9] = proto;
        rng.fill(&mut h[12..20]);
        for b in &mut h[20..] {
            *b = 1; // NOP options
        }
        let c = !fold(sum(&h));
        h[10..12].copy_from_slice(&c.to_be_bytes());
        pseudo.extend_from_slice(&h[12..20]);
        pseudo.extend_from_slice(&[0, proto]);
        pseudo.extend_from_slice(&(l4_len as u16).to_be_bytes());
        f.extend_from_slice(&h);
    }
    let l4 = f.len();
    let mut seg = vec![0u8; l4_len];
    rng.fill(&mut seg[..]);
    if tcp {
        seg[12] = ((l4_hdr_len / 4) as u8) << 4;
        seg[16..18].fill(0);
    } else {
        seg[4..6].copy_from_slice(&(l4_len as u16).to_be_bytes());
        seg[6..8].fill(0);
    }
    let mut c = !fold(sum(&pseudo) + sum(&seg));
    if c == 0 {
        c = 0xffff; // as Linux writes it; the same number in one's complement
    }
    let field = if tcp { 16 } else { 6 };
    seg[field..field + 2].copy_from_slice(&c.to_be_bytes());
    let mut l4_csum_ok = true;
    if rng.gen_bool(mix.p_bad_csum) && !seg.is_empty() {
        let i = rng.gen_range(0..seg.len());
        seg[i] ^= 1 << rng.gen_range(0..8);
        l4_csum_ok = false;
    }
    f.extend_from_slice(&seg);
    // Ethernet minimum frame (without FCS) is 60 bytes: pad short frames.
    if f.len() < 60 {
        f.resize(60, 0);
    } else if rng.gen_bool(0.05) {
        let pad = rng.gen_range(1..16);
        f.extend(std::iter::repeat_n(0u8, pad));
    }
    let mut p = Packet {
        frame: f,
        l4: Some(l4),
        csum_offset: Some(field),
        is_ipv6,
        vlan,
        l4_csum_ok,
    };
    if rng.gen_bool(mix.p_malformed) {
        malform(rng, &mut p, l3);
    }
    p
}

/// Breaks a packet in one of the ways a parser must survive.
fn malform<R: Rng>(rng: &mut R, p: &mut Packet, l3: usize) {
    let f = &mut p.frame;
    p.l4_csum_ok = false;
    match rng.gen_range(0..7) {
        0 => {
            let n = rng.gen_range(1..f.len());
            f.truncate(n);
        }
        1 if !p.is_ipv6 => f[l3] = 0x40 | rng.gen_range(0..5), // IHL < 5
        2 => {
            // Length field lies (IPv4 total length / IPv6 payload length).
            let at = if p.is_ipv6 { l3 + 4 } else { l3 + 2 };
            let v: u16 = rng.gen();
            f[at..at + 2].copy_from_slice(&v.to_be_bytes());
        }
        3 if !p.is_ipv6 => f[l3 + 6] |= 0x20, // MF: a fragment
        4 => {
            let et: u16 = [0x0806, 0x88a8, 0x8100, rng.gen()][rng.gen_range(0..4)];
            f[12..14].copy_from_slice(&et.to_be_bytes());
        }
        5 => {
            // Unknown L4 protocol / next header.
            let at = if p.is_ipv6 { l3 + 6 } else { l3 + 9 };
            f[at] = [1u8, 44, 50, 51, 59, 132][rng.gen_range(0..6)];
        }
        _ => {
            let n = rng.gen_range(1..=f.len().min(64));
            for _ in 0..n {
                let i = rng.gen_range(0..f.len());
                f[i] = rng.gen();
            }
        }
    }
}

/// Prepares a packet for TX checksum offload as a host stack would: the L4
/// checksum field holds the pseudo-header sum (not inverted) and the frame's
/// (csum_start, csum_offset) are returned. None for packets without L4.
pub fn as_partial(p: &Packet) -> Option<(Vec<u8>, u16, u16)> {
    let (l4, off) = (p.l4?, p.csum_offset?);
    let f = &p.frame;
    if l4 + off + 2 > f.len() {
        return None;
    }
    let l3 = if p.vlan { 18 } else { 14 };
    let l4_len;
    let mut pseudo = Vec::new();
    if p.is_ipv6 {
        let payload = u16::from_be_bytes([f[l3 + 4], f[l3 + 5]]) as usize;
        l4_len = (l3 + 40 + payload).checked_sub(l4)?;
        pseudo.extend_from_slice(f.get(l3 + 8..l3 + 40)?);
        pseudo.extend_from_slice(&(l4_len as u32).to_be_bytes());
        pseudo.extend_from_slice(&[0, 0, 0, if off == 16 { 6 } else { 17 }]);
    } else {
        let total = u16::from_be_bytes([f[l3 + 2], f[l3 + 3]]) as usize;
        l4_len = (l3 + total).checked_sub(l4)?;
        pseudo.extend_from_slice(f.get(l3 + 12..l3 + 20)?);
        pseudo.extend_from_slice(&[0, f[l3 + 9]]);
        pseudo.extend_from_slice(&(l4_len as u16).to_be_bytes());
    }
    let mut out = f.clone();
    out[l4 + off..l4 + off + 2].copy_from_slice(&fold(sum(&pseudo)).to_be_bytes());
    Some((out, l4 as u16, off as u16))
}

/// An IPv4/TCP frame of exactly `len` bytes (at least 54) with correct IPv4
/// and TCP checksums and a random payload: the frame of fixed-size benches.
pub fn tcp_ipv4_frame(len: usize, seed: u64) -> Vec<u8> {
    let flow = Flow4 {
        src: [10, 0, 0, 1],
        dst: [10, 0, 0, 2],
        sport: 12345,
        dport: 80,
    };
    tcp_ipv4_flow_frame(len, seed, flow)
}

/// An IPv4 TCP flow's 4-tuple.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flow4 {
    pub src: [u8; 4],
    pub dst: [u8; 4],
    pub sport: u16,
    pub dport: u16,
}

/// As [`tcp_ipv4_frame`] for the flow `flow`: what RSS tests spread over queues.
pub fn tcp_ipv4_flow_frame(len: usize, seed: u64, flow: Flow4) -> Vec<u8> {
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut f = vec![0u8; len.max(54)];
    rng.fill(&mut f[54..]);
    f[..14].copy_from_slice(&[2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]);
    let ip_len = (f.len() - 14) as u16;
    f[14..26].copy_from_slice(&[0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, 6, 0, 0]);
    f[26..30].copy_from_slice(&flow.src);
    f[30..34].copy_from_slice(&flow.dst);
    f[16..18].copy_from_slice(&ip_len.to_be_bytes());
    let h = !fold(sum(&f[14..34]));
    f[24..26].copy_from_slice(&h.to_be_bytes());
    let mut tcp = [
        0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x10, 0xff, 0xff, 0, 0, 0, 0,
    ];
    tcp[0..2].copy_from_slice(&flow.sport.to_be_bytes());
    tcp[2..4].copy_from_slice(&flow.dport.to_be_bytes());
    f[34..54].copy_from_slice(&tcp);
    let mut pseudo = Vec::from(&f[26..34]);
    pseudo.extend_from_slice(&[0, 6]);
    pseudo.extend_from_slice(&(ip_len - 20).to_be_bytes());
    let c = !fold(sum(&pseudo) + sum(&f[34..]));
    f[50..52].copy_from_slice(&c.to_be_bytes());
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn generated_l4_checksums_verify_when_marked_ok() {
        let mut rng = ChaCha8Rng::seed_from_u64(test_support::seed(3));
        let mix = Mix {
            p_malformed: 0.0,
            ..Mix::default()
        };
        for _ in 0..2000 {
            let p = random_packet(&mut rng, &mix);
            let (partial, start, off) = as_partial(&p).expect("well-formed packets have L4");
            // Completing the partial checksum in software gives back the frame.
            let mut done = partial.clone();
            let end = if p.is_ipv6 {
                let l3 = if p.vlan { 18 } else { 14 };
                l3 + 40 + u16::from_be_bytes([done[l3 + 4], done[l3 + 5]]) as usize
            } else {
                let l3 = if p.vlan { 18 } else { 14 };
                l3 + u16::from_be_bytes([done[l3 + 2], done[l3 + 3]]) as usize
            };
            let mut c = !fold(sum(&done[start as usize..end]));
            if c == 0 {
                c = 0xffff;
            }
            let at = (start + off) as usize;
            done[at..at + 2].copy_from_slice(&c.to_be_bytes());
            assert_eq!(done == p.frame, p.l4_csum_ok);
        }
    }
}
