//! The stack's own software verification of received checksums
//! (`stack::iface::software_checksum`, what the input path decides when the
//! device gives no verdict) held to the NIC's verdict function,
//! `firmware_model::csum::rx_checksum` (docs/offloads.md, "RX checksum"):
//!
//! - where the NIC says GOOD, the stack does not reject the frame's checksums;
//! - where the NIC says BAD, the stack rejects the frame (a bad checksum, or
//!   a header it refuses before any checksum);
//! - where the NIC says NOT_CHECKED (outside its 128-byte header window, a
//!   third IPv6 extension header, a fragment, UDP without a checksum, ...),
//!   the stack is the authority: its verdict must equal the checksums' true
//!   validity, computed here independently of both.
//!
//! The one place the two differ on purpose: a UDP checksum field of 0 over
//! IPv6 is always rejected by the stack (mandatory there, RFC 8200 section
//! 8.1), while the NIC verifies it like any other value.

use firmware_model::contract::verdict;
use firmware_model::csum::rx_checksum;
use nic_traffic::{random_packet, Mix};
use rand::SeedableRng;
use stack::iface::{software_checksum, SoftwareChecksum};

// ---- the truth, computed independently (RFC 1071, RFC 768/9293, RFC 8200) ----

fn sum(data: &[u8]) -> u32 {
    let mut s = 0u32;
    for c in data.chunks(2) {
        s += u32::from(c[0]) << 8 | u32::from(*c.get(1).unwrap_or(&0));
    }
    s
}

fn fold(mut s: u32) -> u16 {
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    s as u16
}

/// Whether the IPv4 header checksum (if IPv4) and the TCP/UDP checksum of
/// an untagged frame hold, with the L4 message found by walking every
/// Hop-by-Hop / Routing / Destination Options header and atomic Fragment header (no window, no
/// limit).
/// `None` if the frame has no TCP/UDP message to check.
fn truly_valid(f: &[u8]) -> Option<bool> {
    let et = u16::from_be_bytes([*f.get(12)?, *f.get(13)?]);
    let l3 = 14;
    let (proto, l4, end, pseudo) = match et {
        0x0800 => {
            let ihl = usize::from(f.get(l3)? & 0x0f) * 4;
            let total = usize::from(u16::from_be_bytes([*f.get(l3 + 2)?, *f.get(l3 + 3)?]));
            let h = f.get(l3..l3 + ihl)?;
            if fold(sum(h)) != 0xffff {
                return Some(false);
            }
            let proto = h[9];
            let len = total.checked_sub(ihl)?;
            let pseudo = sum(&h[12..20]) + u32::from(proto) + len as u32;
            (proto, l3 + ihl, l3 + total, pseudo)
        }
        0x86dd => {
            let h = f.get(l3..l3 + 40)?;
            let end = l3 + 40 + usize::from(u16::from_be_bytes([h[4], h[5]]));
            let (mut next, mut at) = (h[6], l3 + 40);
            while matches!(next, 0 | 43 | 44 | 60) {
                let e = f.get(at..at + 4)?;
                if next == 44 {
                    // Only an atomic fragment (offset 0, M 0: RFC 6946) is a whole packet.
                    if u16::from_be_bytes([e[2], e[3]]) & 0xfff9 != 0 {
                        return None;
                    }
                    next = e[0];
                    at += 8;
                    continue;
                }
                next = e[0];
                at += (usize::from(e[1]) + 1) * 8;
            }
            let len = end.checked_sub(at)?;
            let pseudo =
                sum(&h[8..40]) + (len as u32 >> 16) + (len as u32 & 0xffff) + u32::from(next);
            (next, at, end, pseudo)
        }
        _ => return None,
    };
    if proto != 6 && proto != 17 {
        return None;
    }
    let msg = f.get(l4..end)?;
    if proto == 17 && et == 0x0800 && msg.get(6..8) == Some(&[0, 0]) {
        return Some(true); // no checksum sent: nothing can be wrong with it
    }
    if proto == 17 && et == 0x86dd && msg.get(6..8) == Some(&[0, 0]) {
        return Some(false); // IPv6 has no "no checksum" (RFC 8200 section 8.1)
    }
    Some(fold(pseudo + sum(msg)) == 0xffff)
}

#[derive(Default, Debug)]
struct Tally {
    good: usize,
    bad: usize,
    not_checked_verified_by_stack: usize,
    not_checked_other: usize,
}

/// Holds the stack to the model on one frame; `what` names it in failures.
fn check(f: &[u8], what: &str, t: &mut Tally) {
    let model = rx_checksum(f).verdict;
    let stack = software_checksum(f);
    let ctx = || format!("{what}: model verdict {model}, stack {stack:?}, frame {f:02x?}");
    match model {
        verdict::GOOD => {
            t.good += 1;
            assert!(
                matches!(
                    stack,
                    SoftwareChecksum::Good | SoftwareChecksum::NotVerified
                ),
                "the NIC vouches for it, the stack must not reject its checksums: {}",
                ctx()
            );
            if stack == SoftwareChecksum::Good {
                assert_eq!(truly_valid(f), Some(true), "{}", ctx());
            }
        }
        verdict::BAD => {
            t.bad += 1;
            assert!(
                matches!(stack, SoftwareChecksum::Bad | SoftwareChecksum::NotVerified),
                "the NIC found it bad, the stack must reject it: {}",
                ctx()
            );
        }
        _ => match stack {
            SoftwareChecksum::Good | SoftwareChecksum::Bad => {
                t.not_checked_verified_by_stack += 1;
                assert_eq!(
                    Some(stack == SoftwareChecksum::Good),
                    truly_valid(f),
                    "the stack is the authority here and must be right: {}",
                    ctx()
                );
            }
            SoftwareChecksum::NoChecksum => {
                t.not_checked_other += 1;
                assert_eq!(truly_valid(f), Some(true), "{}", ctx());
            }
            SoftwareChecksum::NotVerified => t.not_checked_other += 1,
        },
    }
}

#[test]
fn stack_software_verdicts_agree_with_the_nic_model_on_random_traffic() {
    let seed = test_support::seed(0x5c5_0ff1);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mix = Mix {
        max_payload: 1460,
        p_bad_csum: 0.2,
        p_malformed: 0.3,
    };
    let mut t = Tally::default();
    for i in 0..30_000 {
        let p = random_packet(&mut rng, &mix);
        check(&p.frame, &format!("seed {seed:#x} frame {i}"), &mut t);
    }
    println!("{t:?}");
    assert!(t.good > 5_000 && t.bad > 1_000, "{t:?}");
    assert!(t.not_checked_other > 1_000, "{t:?}");
}

// ---- hand-made frames ----

const MAC: [u8; 12] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1];

/// A TCP (20-byte header) or UDP message of `payload` bytes with its
/// checksum over `pseudo` (the pseudo-header sum without the length).
fn l4(tcp: bool, payload: usize, pseudo: u32) -> Vec<u8> {
    let hl = if tcp { 20 } else { 8 };
    let mut m: Vec<u8> = (0..hl + payload).map(|i| (i * 7 + 3) as u8).collect();
    let at = if tcp { 16 } else { 6 };
    if tcp {
        m[12] = 0x50;
    } else {
        let len = m.len() as u16;
        m[4..6].copy_from_slice(&len.to_be_bytes());
    }
    m[..4].copy_from_slice(&[0x30, 0x39, 0x00, 0x50]);
    m[at..at + 2].fill(0);
    let len = m.len() as u32;
    let c = !fold(pseudo + (len >> 16) + (len & 0xffff) + sum(&m));
    m[at..at + 2].copy_from_slice(&if c == 0 { 0xffff } else { c }.to_be_bytes());
    m
}

/// Ethernet + IPv4 with `opt_words` words of NOP options + TCP/UDP.
fn v4(tcp: bool, opt_words: usize, payload: usize) -> Vec<u8> {
    let proto = if tcp { 6 } else { 17 };
    let ihl = 5 + opt_words;
    let mut h = vec![1u8; ihl * 4];
    h[..12].copy_from_slice(&[0x40 | ihl as u8, 0, 0, 0, 0, 1, 0x40, 0, 64, proto, 0, 0]);
    h[12..20].copy_from_slice(&[10, 0, 0, 1, 10, 0, 0, 2]);
    let m = l4(tcp, payload, sum(&h[12..20]) + u32::from(proto));
    let total = (h.len() + m.len()) as u16;
    h[2..4].copy_from_slice(&total.to_be_bytes());
    let c = !fold(sum(&h));
    h[10..12].copy_from_slice(&c.to_be_bytes());
    [&MAC[..], &[0x08, 0x00], &h, &m].concat()
}

/// Ethernet + IPv6 + `exts` Destination Options headers of `ext_words`
/// 8-byte units each + TCP/UDP.
fn v6(tcp: bool, exts: usize, ext_words: usize, payload: usize) -> Vec<u8> {
    let proto = if tcp { 6 } else { 17 };
    let addrs: Vec<u8> = (0..32).map(|i| 0x20 + i as u8).collect();
    let m = l4(tcp, payload, sum(&addrs) + u32::from(proto));
    let mut ext = Vec::new();
    for k in 0..exts {
        let mut e = vec![0u8; ext_words * 8];
        e[0] = if k + 1 == exts { proto } else { 60 };
        e[1] = (ext_words - 1) as u8;
        e[2..4].copy_from_slice(&[1, (ext_words * 8 - 4) as u8]); // PadN
        ext.extend_from_slice(&e);
    }
    let mut h = vec![0x60, 0, 0, 0, 0, 0, if exts > 0 { 60 } else { proto }, 64];
    let pl = (ext.len() + m.len()) as u16;
    h[4..6].copy_from_slice(&pl.to_be_bytes());
    h.extend_from_slice(&addrs);
    [&MAC[..], &[0x86, 0xdd], &h, &ext, &m].concat()
}

fn flip_last(mut f: Vec<u8>) -> Vec<u8> {
    *f.last_mut().unwrap() ^= 0x01;
    f
}

fn expect(f: &[u8], model: u8, stack: SoftwareChecksum, what: &str) {
    assert_eq!(rx_checksum(f).verdict, model, "{what}: model");
    assert_eq!(software_checksum(f), stack, "{what}: stack");
    check(f, what, &mut Tally::default());
}

#[test]
fn good_and_bad_tcp_and_udp_over_ipv4_and_ipv6_agree() {
    use SoftwareChecksum::{Bad, Good};
    for tcp in [true, false] {
        for payload in [0, 1, 100, 1460] {
            let w = format!("tcp {tcp} payload {payload}");
            expect(
                &v4(tcp, 0, payload),
                verdict::GOOD,
                Good,
                &format!("v4 {w}"),
            );
            expect(
                &v6(tcp, 0, 1, payload),
                verdict::GOOD,
                Good,
                &format!("v6 {w}"),
            );
            if payload > 0 {
                let bad4 = flip_last(v4(tcp, 0, payload));
                let bad6 = flip_last(v6(tcp, 0, 1, payload));
                expect(&bad4, verdict::BAD, Bad, &format!("bad v4 {w}"));
                expect(&bad6, verdict::BAD, Bad, &format!("bad v6 {w}"));
            }
        }
    }
    // A wrong IPv4 header checksum is BAD whatever the L4 checksum says.
    let mut f = v4(true, 0, 10);
    f[14 + 8] = 63; // TTL changed, header checksum not updated
    expect(&f, verdict::BAD, Bad, "bad IPv4 header checksum");
}

#[test]
fn udp_without_checksum_over_ipv4_is_accepted_unverified() {
    let mut f = v4(false, 0, 30);
    f[34 + 6..34 + 8].fill(0);
    expect(
        &f,
        verdict::NOT_CHECKED,
        SoftwareChecksum::NoChecksum,
        "UDP checksum 0 over IPv4",
    );
}

#[test]
fn zero_udp_checksum_over_ipv6_is_rejected_by_both() {
    // A datagram whose correct checksum is 0xFFFF (its sum is 0), sent with the field 0
    // instead: the same one's-complement number, but RFC 8200 section 8.1 makes 0 invalid
    // over IPv6, so the NIC calls it BAD and the stack rejects it.
    let base = v6(false, 0, 1, 2);
    let mut found = None;
    for a in 0..=u16::MAX {
        let mut g = base.clone();
        g[62..64].copy_from_slice(&a.to_be_bytes());
        g[60..62].fill(0xff);
        if truly_valid(&g) == Some(true) {
            found = Some(g);
            break;
        }
    }
    let g = found.expect("some payload makes the sum 0xFFFF");
    let mut f = g.clone();
    f[60..62].fill(0);
    expect(
        &f,
        verdict::BAD,
        SoftwareChecksum::Bad,
        "UDP checksum 0 over IPv6",
    );
    // The field written as 0xFFFF (as senders do) is good to both.
    expect(
        &g,
        verdict::GOOD,
        SoftwareChecksum::Good,
        "0xFFFF over IPv6",
    );
}

#[test]
fn long_ipv4_options_are_checked_by_both() {
    use SoftwareChecksum::{Bad, Good};
    for tcp in [true, false] {
        // 40 bytes of options: the L4 header at 74 is inside the window.
        expect(&v4(tcp, 10, 64), verdict::GOOD, Good, "IHL 15");
        expect(
            &flip_last(v4(tcp, 10, 64)),
            verdict::BAD,
            Bad,
            "IHL 15, bad",
        );
    }
}

#[test]
fn ipv6_extension_headers_past_the_nic_window_are_verified_by_the_stack() {
    use SoftwareChecksum::{Bad, Good};
    for tcp in [true, false] {
        // Two headers the NIC walks, L4 inside the window: checked by both.
        expect(&v6(tcp, 2, 1, 40), verdict::GOOD, Good, "2 ext headers");
        // A third extension header: the NIC stops; the stack verifies.
        expect(
            &v6(tcp, 3, 1, 40),
            verdict::NOT_CHECKED,
            Good,
            "3 ext headers",
        );
        let bad = flip_last(v6(tcp, 3, 1, 40));
        expect(&bad, verdict::NOT_CHECKED, Bad, "3 ext headers, bad");
        // Many, and long ones, far past the 128-byte window.
        expect(
            &v6(tcp, 8, 1, 40),
            verdict::NOT_CHECKED,
            Good,
            "8 ext headers",
        );
        expect(
            &v6(tcp, 2, 8, 40),
            verdict::NOT_CHECKED,
            Good,
            "2 x 64 bytes",
        );
        let bad = flip_last(v6(tcp, 2, 8, 40));
        expect(&bad, verdict::NOT_CHECKED, Bad, "2 x 64 bytes, bad");
    }
}

#[test]
fn routing_header_with_segments_left_is_not_verified_against_the_wrong_address() {
    // Destination Options turned Routing (type 4) with Segments Left 1: the
    // packet is not for this host yet, and its checksum covers the final
    // destination. The NIC does not check it; the stack drops it unverified.
    let mut f = v6(true, 1, 1, 20);
    f[20] = 43;
    f[54 + 2..54 + 4].copy_from_slice(&[4, 1]);
    expect(
        &f,
        verdict::NOT_CHECKED,
        SoftwareChecksum::NotVerified,
        "routing header, segments left 1",
    );
    f[54 + 3] = 0;
    // Segments Left 0: an ordinary extension header, checked by both (the
    // checksum was computed over these bytes with PadN, now type/segments).
    let m = rx_checksum(&f).verdict;
    assert_eq!(
        software_checksum(&f) == SoftwareChecksum::Good,
        m == verdict::GOOD
    );
}
