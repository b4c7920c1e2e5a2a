//! RSS against docs/offloads.md, "RSS", and Microsoft's published
//! verification vectors, one behaviour per test.

use super::*;
use crate::csum::rx_checksum;
use nic_traffic::FrameBuilder;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::net::{Ipv4Addr, Ipv6Addr};

fn v4(s: &str) -> [u8; 4] {
    s.parse::<Ipv4Addr>().expect("IPv4 literal").octets()
}

fn v6(s: &str) -> [u8; 16] {
    s.parse::<Ipv6Addr>().expect("IPv6 literal").octets()
}

pub(crate) fn tcp(sport: u16, dport: u16) -> Vec<u8> {
    let mut h = vec![0u8; 20];
    h[0..2].copy_from_slice(&sport.to_be_bytes());
    h[2..4].copy_from_slice(&dport.to_be_bytes());
    h[12] = 5 << 4;
    h[13] = 0x10;
    h
}

pub(crate) fn udp(sport: u16, dport: u16, payload: usize) -> Vec<u8> {
    let mut h = vec![0u8; 8 + payload];
    h[0..2].copy_from_slice(&sport.to_be_bytes());
    h[2..4].copy_from_slice(&dport.to_be_bytes());
    h[4..6].copy_from_slice(&((8 + payload) as u16).to_be_bytes());
    h
}

/// Ethernet (+ tag 7 when `vlan`) + IPv4 (options as given) + the L4 bytes
/// `l4` as protocol `protocol`, padded to 60: the workspace's frame builder
/// with the L4 header given as bytes, as the walk's edge cases need.
pub(crate) fn ipv4_frame(
    vlan: bool,
    src: [u8; 4],
    dst: [u8; 4],
    protocol: u8,
    frag: u16,
    options: &[u8],
    l4: &[u8],
) -> Vec<u8> {
    let mut b = FrameBuilder::ipv4(src, dst)
        .ipv4_frag(frag)
        .ipv4_options(options)
        .l4_bytes(protocol, l4)
        .min_len(60);
    if vlan {
        b = b.vlan(7);
    }
    b.build().frame
}

/// Ethernet (+ tag) + IPv6 + extension headers (kind, total length) + `l4`
/// with next header `protocol`, padded to 60.
pub(crate) fn ipv6_frame(
    vlan: bool,
    src: [u8; 16],
    dst: [u8; 16],
    protocol: u8,
    exts: &[(u8, usize)],
    l4: &[u8],
) -> Vec<u8> {
    let mut b = FrameBuilder::ipv6(src, dst)
        .l4_bytes(protocol, l4)
        .min_len(60);
    for &(kind, len) in exts {
        b = b.ipv6_ext(kind, len);
    }
    if vlan {
        b = b.vlan(7);
    }
    b.build().frame
}

fn input(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

#[test]
fn toeplitz_equals_every_published_ipv4_vector_with_and_without_ports() {
    for (s, d, sp, dp, h2, h4) in VERIFICATION_V4 {
        let two = input(&[&v4(s), &v4(d)]);
        let four = input(&[&v4(s), &v4(d), &sp.to_be_bytes(), &dp.to_be_bytes()]);
        assert_eq!(toeplitz(&VERIFICATION_KEY, &two), h2, "{s} -> {d}");
        assert_eq!(
            toeplitz(&VERIFICATION_KEY, &four),
            h4,
            "{s}:{sp} -> {d}:{dp}"
        );
    }
}

#[test]
fn toeplitz_equals_every_published_ipv6_vector_with_and_without_ports() {
    for (s, d, sp, dp, h2, h4) in VERIFICATION_V6 {
        let two = input(&[&v6(s), &v6(d)]);
        let four = input(&[&v6(s), &v6(d), &sp.to_be_bytes(), &dp.to_be_bytes()]);
        assert_eq!(toeplitz(&VERIFICATION_KEY, &two), h2, "{s} -> {d}");
        assert_eq!(
            toeplitz(&VERIFICATION_KEY, &four),
            h4,
            "[{s}]:{sp} -> [{d}]:{dp}"
        );
    }
}

#[test]
fn toeplitz_of_a_single_set_bit_is_the_key_window_at_that_bit() {
    let key = VERIFICATION_KEY;
    let kbits = u128::from_be_bytes(key[..16].try_into().unwrap());
    for bit in 0..64 {
        let mut inp = [0u8; 8];
        inp[bit / 8] = 0x80 >> (bit % 8);
        assert_eq!(
            toeplitz(&key, &inp),
            (kbits << bit >> 96) as u32,
            "bit {bit}"
        );
    }
    // Bits past the key meet zero key bits; the empty input hashes to 0.
    assert_eq!(
        toeplitz(&key, &[0xFF; 64][..]),
        toeplitz(&key, &[0xFF; 41][..])
    );
    assert_eq!(toeplitz(&key, &[]), 0);
}

#[test]
fn tcp_and_udp_frames_hash_the_4_tuple_other_ip_the_2_tuple() {
    let t = round_robin(16);
    for vlan in [false, true] {
        for (s, d, sp, dp, h2, h4) in VERIFICATION_V4 {
            let (s, d) = (v4(s), v4(d));
            let cases = [
                (
                    ipv4_frame(vlan, s, d, 6, 0x4000, &[], &tcp(sp, dp)),
                    hash_type::TCPV4,
                    h4,
                ),
                (
                    ipv4_frame(vlan, s, d, 17, 0, &[], &udp(sp, dp, 5)),
                    hash_type::UDPV4,
                    h4,
                ),
                (
                    ipv4_frame(vlan, s, d, 1, 0, &[], &[8, 0, 0, 0]),
                    hash_type::IPV4,
                    h2,
                ),
                // Options move the L4 header; the ports still come from it.
                (
                    ipv4_frame(vlan, s, d, 6, 0, &[1; 12], &tcp(sp, dp)),
                    hash_type::TCPV4,
                    h4,
                ),
            ];
            for (f, ty, h) in cases {
                let r = rx_rss(&f, &VERIFICATION_KEY, &t);
                assert_eq!((r.hash, r.hash_type), (h, ty), "vlan {vlan}: {f:02x?}");
                assert_eq!(r.queue, (h & 0x7F) as u8 % 16);
            }
        }
        for (s, d, sp, dp, h2, h4) in VERIFICATION_V6 {
            let (s, d) = (v6(s), v6(d));
            let cases = [
                (
                    ipv6_frame(vlan, s, d, 6, &[], &tcp(sp, dp)),
                    hash_type::TCPV6,
                    h4,
                ),
                (
                    ipv6_frame(vlan, s, d, 17, &[], &udp(sp, dp, 0)),
                    hash_type::UDPV6,
                    h4,
                ),
                (ipv6_frame(vlan, s, d, 59, &[], &[]), hash_type::IPV6, h2),
                (
                    ipv6_frame(vlan, s, d, 6, &[(0, 8), (60, 16)], &tcp(sp, dp)),
                    hash_type::TCPV6,
                    h4,
                ),
            ];
            for (f, ty, h) in cases {
                let r = rx_rss(&f, &VERIFICATION_KEY, &t);
                assert_eq!((r.hash, r.hash_type), (h, ty), "vlan {vlan}: {f:02x?}");
                assert_eq!(r.queue, (h & 0x7F) as u8 % 16);
            }
        }
    }
}

#[test]
fn any_ipv4_fragment_hashes_the_2_tuple() {
    let (s, d, sp, dp, h2, _) = VERIFICATION_V4[0];
    // MF on the first fragment; a later fragment (offset 185 * 8) has no ports.
    for frag in [0x2000, 0x00b9, 0x20b9, 0x6000] {
        let f = ipv4_frame(false, v4(s), v4(d), 6, frag, &[], &tcp(sp, dp));
        let r = rx_rss(&f, &VERIFICATION_KEY, &round_robin(4));
        assert_eq!(
            (r.hash, r.hash_type),
            (h2, hash_type::IPV4),
            "frag {frag:#x}"
        );
    }
}

#[test]
fn ipv6_walks_that_stop_before_tcp_or_udp_hash_the_2_tuple() {
    let (s, d, sp, dp, h2, _) = VERIFICATION_V6[1];
    let (s, d) = (v6(s), v6(d));
    let key = &VERIFICATION_KEY;
    let t = round_robin(8);
    // A Fragment header; three extension headers; ESP.
    let cases = [
        ipv6_frame(false, s, d, 6, &[(44, 8)], &tcp(sp, dp)),
        ipv6_frame(false, s, d, 6, &[(0, 8), (60, 8), (60, 8)], &tcp(sp, dp)),
        ipv6_frame(false, s, d, 50, &[], &tcp(sp, dp)),
    ];
    for f in cases {
        let r = rx_rss(&f, key, &t);
        assert_eq!((r.hash, r.hash_type), (h2, hash_type::IPV6), "{f:02x?}");
    }
    // A Routing header with Segments Left non-zero.
    let mut f = ipv6_frame(false, s, d, 6, &[(43, 8)], &tcp(sp, dp));
    f[14 + 40 + 3] = 1;
    assert_eq!(rx_rss(&f, key, &t).hash_type, hash_type::IPV6);
    f[14 + 40 + 3] = 0;
    assert_eq!(rx_rss(&f, key, &t).hash_type, hash_type::TCPV6);
    // An extension header reaching past the header window.
    let f = ipv6_frame(false, s, d, 6, &[(0, 8), (60, 72)], &tcp(sp, dp));
    assert_eq!(rx_rss(&f, key, &t).hash_type, hash_type::IPV6);
}

#[test]
fn a_short_or_lying_l4_header_hashes_the_2_tuple() {
    let (s, d, sp, dp, h2, _) = VERIFICATION_V4[2];
    let (s, d) = (v4(s), v4(d));
    let key = &VERIFICATION_KEY;
    let t = round_robin(8);
    // 19 bytes of TCP; a UDP length that lies; options pushing TCP past 108.
    let mut lying = udp(sp, dp, 4);
    lying[5] += 1;
    let cases = [
        ipv4_frame(false, s, d, 6, 0, &[], &tcp(sp, dp)[..19]),
        ipv4_frame(false, s, d, 17, 0, &[], &lying),
    ];
    for f in cases {
        let r = rx_rss(&f, key, &t);
        assert_eq!((r.hash, r.hash_type), (h2, hash_type::IPV4), "{f:02x?}");
    }
    // IPv4 L4 offsets are at most 18 + 60 = 78; IPv6 extension headers can
    // push TCP to 18 + 40 + 64 = 122 > 128 - 20: outside the header window.
    let (s6, d6, sp6, dp6, h26, _) = VERIFICATION_V6[0];
    let f = ipv6_frame(
        true,
        v6(s6),
        v6(d6),
        6,
        &[(0, 24), (60, 40)],
        &tcp(sp6, dp6),
    );
    let r = rx_rss(&f, key, &t);
    assert_eq!((r.hash, r.hash_type), (h26, hash_type::IPV6));
    // UDP at 18 + 40 + 56 = 114 <= 128 - 8 still fits.
    let f = ipv6_frame(
        true,
        v6(s6),
        v6(d6),
        17,
        &[(0, 24), (60, 32)],
        &udp(sp6, dp6, 0),
    );
    assert_eq!(rx_rss(&f, key, &t).hash_type, hash_type::UDPV6);
}

#[test]
fn checksums_take_no_part_in_rss() {
    let (s, d, sp, dp, _, h4) = VERIFICATION_V4[3];
    let mut f = ipv4_frame(false, v4(s), v4(d), 17, 0, &[], &udp(sp, dp, 10));
    f[14 + 10] ^= 0xFF; // IPv4 header checksum wrong: the verdict is BAD
    f[14 + 20 + 6..14 + 20 + 8].fill(0); // UDP checksum 0: not checked
    assert_eq!(rx_checksum(&f).verdict, crate::contract::verdict::BAD);
    let r = rx_rss(&f, &VERIFICATION_KEY, &round_robin(1));
    assert_eq!((r.hash, r.hash_type, r.queue), (h4, hash_type::UDPV4, 0));
}

#[test]
fn non_ip_and_unsound_ip_frames_get_no_hash_and_queue_0() {
    let (s, d, sp, dp, _, _) = VERIFICATION_V4[0];
    let good = ipv4_frame(false, v4(s), v4(d), 6, 0, &[], &tcp(sp, dp));
    let mut cases = vec![Vec::new(), vec![0u8; 13], vec![0u8; 60]];
    // ARP, QinQ outer tag, two 802.1Q tags.
    for et in [[0x08, 0x06], [0x88, 0xa8], [0x81, 0x00]] {
        let mut f = good.clone();
        f[12..14].copy_from_slice(&et);
        if et == [0x81, 0x00] {
            f.splice(14..14, [0, 7, 0x81, 0x00]);
        }
        cases.push(f);
    }
    // Version 5, IHL 4, total length past the frame, total length below IHL.
    for (at, v) in [(14, 0x55u8), (14, 0x44), (16, 0x7f), (17, 19)] {
        let mut f = good.clone();
        f[at] = v;
        cases.push(f);
    }
    let table = [9u8; INDIRECTION_LEN];
    for f in cases {
        assert_eq!(
            rx_rss(&f, &VERIFICATION_KEY, &table),
            RssResult::default(),
            "{f:02x?}"
        );
    }
}

#[test]
fn every_truncation_inside_the_ip_packet_gets_no_hash() {
    let (s, d, sp, dp, _, _) = VERIFICATION_V6[2];
    let frames = [
        ipv4_frame(
            true,
            v4("10.0.0.1"),
            v4("10.0.0.2"),
            6,
            0,
            &[1; 8],
            &tcp(1, 2),
        ),
        ipv6_frame(false, v6(s), v6(d), 17, &[(0, 8)], &udp(sp, dp, 30)),
    ];
    let table = [3u8; INDIRECTION_LEN];
    for f in frames {
        let end = csum::rx_headers(&f).expect("sound").end;
        for n in 0..end {
            assert_eq!(
                rx_rss(&f[..n], &VERIFICATION_KEY, &table),
                RssResult::default(),
                "{n} of {end} bytes"
            );
        }
        assert_ne!(rx_rss(&f[..end], &VERIFICATION_KEY, &table).hash_type, 0);
    }
}

fn seed(default: u64) -> u64 {
    test_support::seed(default)
}

#[test]
fn random_and_garbage_frames_never_panic_and_match_the_checksum_walk() {
    let mut rng = ChaCha8Rng::seed_from_u64(seed(0x5255_5353));
    let mix = nic_traffic::Mix {
        max_payload: 200,
        p_bad_csum: 0.2,
        p_malformed: 0.4,
    };
    for _ in 0..20_000 {
        let f: Vec<u8> = if rng.gen_bool(0.1) {
            let n = rng.gen_range(0..160);
            (0..n).map(|_| rng.gen()).collect()
        } else {
            nic_traffic::random_packet(&mut rng, &mix).frame
        };
        let mut key = [0u8; KEY_LEN];
        rng.fill(&mut key[..]);
        let mut table = [0u8; INDIRECTION_LEN];
        rng.fill(&mut table[..]);
        let r = rx_rss(&f, &key, &table);
        let v = rx_checksum(&f).verdict;
        // The walk is shared: a verified L4 checksum means a 4-tuple, and
        // no hash means the checksum parser did not look either.
        if v == crate::contract::verdict::GOOD {
            assert!(matches!(r.hash_type, 2 | 3 | 5 | 6), "{f:02x?}");
        }
        if r.hash_type == hash_type::NONE {
            assert_eq!(v, crate::contract::verdict::NOT_CHECKED, "{f:02x?}");
            assert_eq!(r, RssResult::default());
        } else {
            assert_eq!(r.hash, toeplitz(&key, rss_input(&f).bytes()));
            assert_eq!(r.queue, table[(r.hash & 0x7F) as usize]);
        }
    }
}

#[test]
fn ten_thousand_random_flows_spread_evenly_over_8_round_robin_queues() {
    let mut rng = ChaCha8Rng::seed_from_u64(seed(0x0008_0008));
    let table = round_robin(8);
    let mut count = [0usize; 8];
    const FLOWS: usize = 10_000;
    for _ in 0..FLOWS {
        let (sp, dp) = (rng.gen(), rng.gen());
        let f = match rng.gen_range(0..4) {
            0 => ipv4_frame(false, rng.gen(), rng.gen(), 6, 0, &[], &tcp(sp, dp)),
            1 => ipv4_frame(false, rng.gen(), rng.gen(), 17, 0, &[], &udp(sp, dp, 0)),
            2 => ipv6_frame(false, rng.gen(), rng.gen(), 6, &[], &tcp(sp, dp)),
            _ => ipv6_frame(false, rng.gen(), rng.gen(), 17, &[], &udp(sp, dp, 0)),
        };
        let r = rx_rss(&f, &VERIFICATION_KEY, &table);
        assert_ne!(r.hash_type, hash_type::NONE);
        count[usize::from(r.queue)] += 1;
    }
    let even = FLOWS as f64 / 8.0;
    eprintln!("per queue: {count:?}");
    for (q, &n) in count.iter().enumerate() {
        let dev = (n as f64 - even).abs() / even;
        assert!(
            dev <= 0.15,
            "queue {q}: {n} flows, {:.1} % off even",
            dev * 100.0
        );
    }
}

#[test]
fn round_robin_tables_cycle_through_the_queues() {
    assert_eq!(round_robin(0), [0; INDIRECTION_LEN]);
    assert_eq!(round_robin(1), [0; INDIRECTION_LEN]);
    let t = round_robin(3);
    assert_eq!(&t[..7], &[0, 1, 2, 0, 1, 2, 0]);
    assert_eq!(t[127], 127 % 3);
    assert_eq!(queue_of(&t, 0xFFFF_FF80 | 5), 2);
}
