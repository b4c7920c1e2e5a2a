//! The checksum engines against docs/offloads.md, one behaviour per test.
//!
//! Frames are built by the workspace's frame builder (`nic_traffic`, whose
//! checksum arithmetic is its own) and expectations are computed here
//! ([`naive`]: byte weights summed modulo 0xFFFF), never with the functions
//! under test.

use super::*;
use crate::contract::verdict::{BAD, GOOD, NOT_CHECKED};
use nic_traffic::{Built, FrameBuilder};

/// The folded one's-complement sum of `parts`, each summed from its own first
/// byte, computed as a plain sum modulo 0xFFFF (the RFC 1071 identity):
/// independent of [`sum`] and [`fold`].
pub(super) fn naive(parts: &[&[u8]]) -> u16 {
    let mut s: u64 = 0;
    for p in parts {
        for (i, &b) in p.iter().enumerate() {
            s += if i % 2 == 0 {
                u64::from(b) << 8
            } else {
                u64::from(b)
            };
        }
    }
    match s {
        0 => 0,
        s if s % 0xFFFF == 0 => 0xFFFF,
        s => (s % 0xFFFF) as u16,
    }
}

pub(super) const SRC4: [u8; 4] = [192, 0, 2, 1];
pub(super) const DST4: [u8; 4] = [198, 51, 100, 7];
pub(super) const SRC6: [u8; 16] = [
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xab, 1,
];
pub(super) const DST6: [u8; 16] = [
    0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0xfe, 0xdc, 0x12, 0x34,
];

/// The network layer of a test packet.
#[derive(Debug, Clone)]
pub(super) enum Ip {
    V4 {
        options: Vec<u8>,
        /// The flags/fragment-offset word.
        frag: u16,
    },
    /// Extension headers: kind and body length in bytes (a multiple of 8,
    /// at least 8; bytes 0 and 1 are filled in by `build`).
    V6 { exts: Vec<(u8, usize)> },
}

/// A test packet: Ethernet (+ one tag), IP, an L4 header and payload, padding.
#[derive(Debug, Clone)]
pub(super) struct Pkt {
    pub vlan: bool,
    pub ip: Ip,
    pub protocol: u8,
    /// L4 header and payload; the checksum field is filled in by `build`.
    pub l4: Vec<u8>,
    pub pad: Vec<u8>,
}

fn payload(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ 0x5a)
        .collect()
}

impl Pkt {
    pub fn tcp(ip: Ip, payload_len: usize) -> Pkt {
        let mut l4 = vec![0u8; TCP_HLEN];
        l4[0..2].copy_from_slice(&40000u16.to_be_bytes());
        l4[2..4].copy_from_slice(&443u16.to_be_bytes());
        l4[4..8].copy_from_slice(&0x1234_5678u32.to_be_bytes());
        l4[8..12].copy_from_slice(&0x9abc_def0u32.to_be_bytes());
        l4[12] = 5 << 4;
        l4[13] = 0x18;
        l4[14..16].copy_from_slice(&65535u16.to_be_bytes());
        l4.extend(payload(payload_len, 1));
        Pkt {
            vlan: false,
            ip,
            protocol: proto::TCP,
            l4,
            pad: Vec::new(),
        }
    }

    pub fn udp(ip: Ip, payload_len: usize) -> Pkt {
        let mut l4 = vec![0u8; UDP_HLEN];
        l4[0..2].copy_from_slice(&5353u16.to_be_bytes());
        l4[2..4].copy_from_slice(&53u16.to_be_bytes());
        l4[4..6].copy_from_slice(&((UDP_HLEN + payload_len) as u16).to_be_bytes());
        l4.extend(payload(payload_len, 2));
        Pkt {
            vlan: false,
            ip,
            protocol: proto::UDP,
            l4,
            pad: Vec::new(),
        }
    }

    pub fn v4() -> Ip {
        Ip::V4 {
            options: Vec::new(),
            frag: 0x4000,
        }
    }

    pub fn v6() -> Ip {
        Ip::V6 { exts: Vec::new() }
    }

    pub fn vlan(mut self) -> Pkt {
        self.vlan = true;
        self
    }

    pub fn padded(mut self, pad: &[u8]) -> Pkt {
        self.pad = pad.to_vec();
        self
    }

    /// Offset of the L4 checksum field in the L4 header, if TCP or UDP.
    pub fn csum_field(protocol: u8) -> Option<usize> {
        match protocol {
            proto::TCP => Some(16),
            proto::UDP => Some(6),
            _ => None,
        }
    }

    /// The frame with a correct IPv4 header checksum and a correct L4
    /// checksum (0 written as 0xFFFF), built by the workspace's frame
    /// builder (`nic_traffic`, arithmetic of its own) from the L4 bytes as
    /// given.
    pub fn build(&self) -> Built {
        let mut b = match &self.ip {
            Ip::V4 { options, frag } => FrameBuilder::ipv4(SRC4, DST4)
                .ipv4_id(0xbeef)
                .ipv4_frag(*frag)
                .ipv4_options(options),
            Ip::V6 { exts } => {
                let mut b = FrameBuilder::ipv6(SRC6, DST6).flow_label(0xa_0000);
                for (i, &(kind, len)) in exts.iter().enumerate() {
                    let mut e = payload(len, 3 + i as u8);
                    if kind == proto::ROUTING {
                        e[3] = 0; // Segments Left
                    }
                    b = b.ipv6_ext_bytes(kind, &e);
                }
                b
            }
        };
        b = b
            .macs([0x02, 0, 0, 0, 0, 1], [0x02, 0, 0, 0, 0, 2])
            .l4_bytes(self.protocol, &self.l4)
            .pad(&self.pad);
        if self.vlan {
            b = b.vlan(0x2064);
        }
        b.build()
    }
}

/// Recomputes the IPv4 header checksum after a header edit.
fn refix_ipv4(b: &mut Built) {
    let hlen = usize::from(b.frame[b.l3] & 0xF) * 4;
    let h = &mut b.frame[b.l3..b.l3 + hlen];
    h[10..12].fill(0);
    let c = !naive(&[h]);
    h[10..12].copy_from_slice(&c.to_be_bytes());
}

/// A named edit of a frame or a built packet.
type Edit<T> = (&'static str, Box<dyn Fn(&mut T)>);

fn verdict_of(frame: &[u8]) -> u8 {
    rx_checksum(frame).verdict
}

/// Every kind of packet the parser should call GOOD.
fn good_packets() -> Vec<(&'static str, Pkt)> {
    let opts = vec![1, 1, 1, 0, 0x44, 8, 5, 0x10, 0, 0, 0, 0];
    vec![
        ("ipv4 tcp", Pkt::tcp(Pkt::v4(), 100)),
        ("ipv4 udp", Pkt::udp(Pkt::v4(), 33)),
        ("ipv4 tcp no payload", Pkt::tcp(Pkt::v4(), 0)),
        ("ipv4 udp no payload", Pkt::udp(Pkt::v4(), 0)),
        ("vlan ipv4 tcp", Pkt::tcp(Pkt::v4(), 1400).vlan()),
        (
            "ipv4 options udp",
            Pkt::udp(
                Ip::V4 {
                    options: opts.clone(),
                    frag: 0,
                },
                7,
            ),
        ),
        (
            "ipv4 40 bytes of options tcp",
            Pkt::tcp(
                Ip::V4 {
                    options: vec![1; 40],
                    frag: 0x4000,
                },
                9,
            )
            .vlan(),
        ),
        ("ipv6 tcp", Pkt::tcp(Pkt::v6(), 1000)),
        ("ipv6 udp", Pkt::udp(Pkt::v6(), 1)),
        ("vlan ipv6 udp", Pkt::udp(Pkt::v6(), 64).vlan()),
        (
            "ipv6 hop-by-hop tcp",
            Pkt::tcp(
                Ip::V6 {
                    exts: vec![(proto::HOP_BY_HOP, 8)],
                },
                20,
            ),
        ),
        (
            "ipv6 hop-by-hop routing(segments left 0) udp",
            Pkt::udp(
                Ip::V6 {
                    exts: vec![(proto::HOP_BY_HOP, 8), (proto::ROUTING, 24)],
                },
                20,
            ),
        ),
        (
            "vlan ipv6 dest-opts dest-opts tcp",
            Pkt::tcp(
                Ip::V6 {
                    exts: vec![(proto::DEST_OPTS, 16), (proto::DEST_OPTS, 8)],
                },
                301,
            )
            .vlan(),
        ),
        (
            "ipv4 tcp short, padded to 60",
            Pkt::tcp(Pkt::v4(), 2).padded(&[0xee; 4]),
        ),
        (
            "ipv6 udp with garbage padding",
            Pkt::udp(Pkt::v6(), 3).padded(&[0x12, 0x34, 0x56]),
        ),
    ]
}

// ---- sum and fold ----

#[test]
fn sum_takes_big_endian_words_and_an_odd_tail_as_the_high_byte() {
    assert_eq!(sum(&[]), 0);
    assert_eq!(sum(&[0x12, 0x34]), 0x1234);
    assert_eq!(sum(&[0x12, 0x34, 0x56]), 0x1234 + 0x5600);
    assert_eq!(sum(&[0xff; 6]), 3 * 0xffff);
}

#[test]
fn fold_adds_carries_back_until_16_bits_remain() {
    assert_eq!(fold(0), 0);
    assert_eq!(fold(0xffff), 0xffff);
    assert_eq!(fold(0x1_0000), 1);
    assert_eq!(fold(0x1_fffe), 0xffff);
    assert_eq!(fold(0xffff_ffff), 0xffff);
    assert_eq!(fold(add(u32::MAX, u32::MAX)), fold(0xffff_ffff));
}

#[test]
fn rfc1071_example_sums_to_ddf2() {
    // RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
    assert_eq!(
        fold(sum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7])),
        0xddf2
    );
}

#[test]
fn sum_of_a_long_run_does_not_lose_carries() {
    let data = vec![0xffu8; 200_000];
    assert_eq!(fold(sum(&data)), 0xffff);
    let data: Vec<u8> = (0..100_001u32).map(|i| (i * 13) as u8).collect();
    assert_eq!(fold(sum(&data)), naive(&[&data]));
}

// ---- TX ----

/// A packet as Linux hands it over with CHECKSUM_PARTIAL: the L4 checksum
/// field holds the folded pseudo-header sum; the IPv4 header checksum is
/// garbage. Returns it with (csum_start, csum_offset) and the correct frame.
fn partial(p: &Pkt) -> (Vec<u8>, usize, usize, Vec<u8>) {
    let b = p.build();
    let want = b.frame.clone();
    let mut f = b.frame;
    let o = Pkt::csum_field(p.protocol).unwrap();
    let l4_len = b.end - b.l4;
    let pseudo = match p.ip {
        Ip::V4 { .. } => {
            f[b.l3 + 10..b.l3 + 12].copy_from_slice(&[0xde, 0xad]);
            naive(&[
                &SRC4,
                &DST4,
                &[0, p.protocol],
                &(l4_len as u16).to_be_bytes(),
            ])
        }
        Ip::V6 { .. } => naive(&[
            &SRC6,
            &DST6,
            &(l4_len as u32).to_be_bytes(),
            &[0, 0, 0, p.protocol],
        ]),
    };
    f[b.l4 + o..b.l4 + o + 2].copy_from_slice(&pseudo.to_be_bytes());
    (f, b.l4, o, want)
}

#[test]
fn tx_fills_in_the_l4_and_ipv4_header_checksums_of_every_good_packet_kind() {
    for (name, p) in good_packets() {
        if !p.pad.is_empty() {
            continue; // the host never pads: CSUM_START..LEN is the L4 packet
        }
        let (mut f, start, off, want) = partial(&p);
        let done = tx_checksum(&mut f, start, off).unwrap();
        assert_eq!(f, want, "{name}");
        assert_eq!(
            done.l4,
            u16::from_be_bytes([f[start + off], f[start + off + 1]])
        );
        assert_eq!(
            done.ipv4_header.is_some(),
            matches!(p.ip, Ip::V4 { .. }),
            "{name}"
        );
        assert_eq!(verdict_of(&f), GOOD, "{name}");
    }
}

#[test]
fn tx_l4_checksum_is_the_complement_of_the_sum_from_csum_start_to_the_end() {
    // Not IP: only the L4 rule applies. Sum from byte 20 (odd length 7).
    let mut f = vec![0u8; 27];
    f[20..27].copy_from_slice(&[0x01, 0x02, 0x00, 0x00, 0x10, 0x20, 0x30]);
    let done = tx_checksum(&mut f, 20, 2).unwrap();
    let s = 0x0102u32 + 0x1020 + 0x3000;
    assert_eq!(done.l4, !(s as u16));
    assert_eq!(f[22..24], (!(s as u16)).to_be_bytes());
    assert_eq!(done.ipv4_header, None);
}

#[test]
fn tx_sum_starts_at_csum_start_even_when_it_is_odd() {
    let mut f = vec![0u8; 24];
    f[15..24].copy_from_slice(&[0xab, 0, 0, 0xcd, 0, 0, 0, 0, 0x01]);
    let done = tx_checksum(&mut f, 15, 1).unwrap();
    // Words from 15: ab00 00cd 0000 0000 0100.
    assert_eq!(done.l4, !(0xab00u16 + 0x00cd + 0x0100));
    assert_eq!(f[16..18], done.l4.to_be_bytes());
}

#[test]
fn tx_l4_result_zero_is_written_as_ffff() {
    // The range sums to 0xFFFF, so ~fold is 0.
    let mut f = vec![0u8; 18];
    f[14..18].copy_from_slice(&[0xff, 0x00, 0x00, 0xff]);
    let done = tx_checksum(&mut f, 14, 2).unwrap();
    assert_eq!(done.l4, 0xffff);
    assert_eq!(f[16..18], [0xff, 0xff]);
    // The same over UDP/IPv4: a payload chosen so that the checksum is 0.
    let p = Pkt::udp(Pkt::v4(), 2);
    let (mut f, start, off, _) = partial(&p);
    let n = f.len();
    f[n - 2..].fill(0);
    let c = tx_checksum(&mut f.clone(), start, off).unwrap().l4;
    // c = ~sum, so with c in the payload the sum is 0xFFFF and ~sum is 0.
    f[n - 2..].copy_from_slice(&c.to_be_bytes());
    let done = tx_checksum(&mut f, start, off).unwrap();
    assert_eq!(done.l4, 0xffff);
    assert_eq!(verdict_of(&f), GOOD);
}

#[test]
fn tx_field_must_fit_in_the_frame_else_error_and_frame_untouched() {
    let orig: Vec<u8> = (0..60u8).collect();
    for (start, off) in [
        (58, 1),
        (59, 0),
        (60, 0),
        (0, 59),
        (34, 100),
        (usize::MAX, 1),
        (1, usize::MAX),
        (usize::MAX - 1, 0),
    ] {
        let mut f = orig.clone();
        let e = tx_checksum(&mut f, start, off).unwrap_err();
        assert_eq!(
            e,
            CsumError {
                csum_start: start,
                csum_offset: off,
                len: 60
            }
        );
        assert_eq!(f, orig, "{start} {off}");
    }
    for (start, off) in [(58, 0), (0, 58), (34, 24)] {
        let mut f = orig.clone();
        assert!(tx_checksum(&mut f, start, off).is_ok(), "{start} {off}");
    }
    assert!(tx_checksum(&mut [], 0, 0).is_err());
    assert!(tx_checksum(&mut [0], 0, 0).is_err());
}

#[test]
fn tx_ipv4_header_checksum_counts_its_own_field_as_zero() {
    let p = Pkt::tcp(Pkt::v4(), 10);
    let want = p.build().frame;
    for garbage in [[0, 0], [0xff, 0xff], [0x12, 0x34]] {
        let (mut f, start, off, _) = partial(&p);
        f[24..26].copy_from_slice(&garbage);
        tx_checksum(&mut f, start, off).unwrap();
        assert_eq!(f[24..26], want[24..26]);
        assert_eq!(f, want);
    }
}

#[test]
fn tx_writes_no_ipv4_header_checksum_unless_the_frame_is_ipv4() {
    let p = Pkt::udp(Pkt::v4(), 30);
    let (base, start, off, _) = partial(&p);
    let edits: Vec<Edit<Vec<u8>>> = vec![
        ("ethertype 0x0801", Box::new(|f| f[13] = 0x01)),
        ("version 5", Box::new(|f| f[14] = 0x55)),
        ("version 6", Box::new(|f| f[14] = 0x65)),
        ("IHL 4", Box::new(|f| f[14] = 0x44)),
        ("IHL 0", Box::new(|f| f[14] = 0x40)),
        (
            "header past the end",
            Box::new(|f| {
                f[14] = 0x4f; // 60 bytes from 14: to 74, the frame has 72
                f.truncate(72);
            }),
        ),
        (
            "0x88a8 outer tag",
            Box::new(|f| {
                f.splice(12..12, [0x88, 0xa8, 0, 1]);
            }),
        ),
        (
            "two 0x8100 tags",
            Box::new(|f| {
                f.splice(12..12, [0x81, 0x00, 0, 1, 0x81, 0x00, 0, 2]);
            }),
        ),
    ];
    for (name, edit) in edits {
        let mut f = base.clone();
        edit(&mut f);
        let (s, o) = (start + f.len() - base.len(), off);
        let before = f.clone();
        let done = tx_checksum(&mut f, s, o).unwrap();
        assert_eq!(done.ipv4_header, None, "{name}");
        for (i, (a, b)) in before.iter().zip(&f).enumerate() {
            if i != s + o && i != s + o + 1 {
                assert_eq!(a, b, "{name}: byte {i} changed");
            }
        }
    }
}

#[test]
fn tx_ipv4_header_exactly_filling_the_frame_is_still_checksummed() {
    // 14 + 20 bytes, the L4 field inside the IP header's own last word.
    let p = Pkt::tcp(Pkt::v4(), 0);
    let (mut f, _, _, want) = partial(&p);
    f.truncate(34);
    let done = tx_checksum(&mut f, 30, 2).unwrap();
    assert_eq!(
        done.ipv4_header.map(|x| x.1),
        Some(u16::from_be_bytes([want[24], want[25]]))
    );
}

#[test]
fn tx_vlan_tagged_ipv4_gets_its_header_checksum_at_18_plus_10() {
    let p = Pkt::udp(Pkt::v4(), 5).vlan();
    let (mut f, start, off, want) = partial(&p);
    let done = tx_checksum(&mut f, start, off).unwrap();
    assert_eq!(done.ipv4_header.unwrap().0, 28);
    assert_eq!(f, want);
}

#[test]
fn tx_sums_the_bytes_as_written_and_the_l4_field_wins_an_overlap() {
    // CSUM_START at the IP header, the field on the IP header checksum: the
    // L4 sum counts the garbage 0xdead the host left there, and is written
    // last.
    let p = Pkt::tcp(Pkt::v4(), 4);
    let (orig, _, _, _) = partial(&p);
    let mut f = orig.clone();
    let done = tx_checksum(&mut f, 14, 10).unwrap();
    let expect_l4 = match !naive(&[&orig[14..]]) {
        0 => 0xffff,
        c => c,
    };
    assert_eq!(done.l4, expect_l4);
    assert_eq!(f[24..26], expect_l4.to_be_bytes());
    assert_ne!(done.ipv4_header.unwrap().1, expect_l4);
    // Fields apart: the L4 sum over a range containing the IP header counts
    // the 0xdead the host left there, not the IP checksum the engine writes.
    let mut f = orig.clone();
    let done = tx_checksum(&mut f, 14, 40).unwrap();
    assert_eq!(done.l4, expect_l4);
    assert_eq!(f[54..56], expect_l4.to_be_bytes());
    assert_eq!(f[24..26], done.ipv4_header.unwrap().1.to_be_bytes());
    assert_eq!(f[24..26], p.build().frame[24..26]);
}

// ---- RX: CHECKSUM_COMPLETE ----

#[test]
fn csum_is_zero_for_frames_of_14_bytes_or_fewer() {
    for n in 0..=14 {
        assert_eq!(rx_checksum(&vec![0xffu8; n]).csum, 0, "{n}");
    }
    assert_eq!(rx_checksum(&[0xff; 15]).csum, 0xff00);
    assert_eq!(rx_checksum(&[0xff; 16]).csum, 0xffff);
}

#[test]
fn csum_covers_everything_after_the_ethernet_header_including_tag_and_padding() {
    for (name, p) in good_packets() {
        let b = p.build();
        assert_eq!(
            rx_checksum(&b.frame).csum,
            naive(&[&b.frame[14..]]),
            "{name}"
        );
    }
    // A tag counts: the same IPv4 packet with and without a tag differ by
    // the tag's inner bytes (TCI and EtherType).
    let plain = Pkt::tcp(Pkt::v4(), 50).build().frame;
    let tagged = Pkt::tcp(Pkt::v4(), 50).vlan().build().frame;
    let diff = naive(&[&[0x20, 0x64, 0x08, 0x00], &plain[14..]]);
    assert_eq!(rx_checksum(&tagged).csum, diff);
}

#[test]
fn csum_is_computed_for_frames_the_parser_does_not_check() {
    let f: Vec<u8> = (0..77u8).collect();
    let r = rx_checksum(&f);
    assert_eq!(r.verdict, NOT_CHECKED);
    assert_eq!(r.csum, naive(&[&f[14..]]));
}

// ---- RX: the parser ----

#[test]
fn every_good_packet_kind_is_good_and_a_flipped_l4_byte_makes_it_bad() {
    for (name, p) in good_packets() {
        let b = p.build();
        assert_eq!(verdict_of(&b.frame), GOOD, "{name}");
        for at in [b.l4, b.l4 + 1, b.end - 1] {
            // (The UDP length and checksum fields are tested on their own.)
            if p.protocol == proto::UDP && (4..8).contains(&(at - b.l4)) {
                continue;
            }
            let mut f = b.frame.clone();
            f[at] ^= 0x40;
            assert_eq!(verdict_of(&f), BAD, "{name}: byte {at}");
        }
    }
}

#[test]
fn padding_takes_no_part_in_the_verdict() {
    let b = Pkt::udp(Pkt::v4(), 1).padded(&[0; 9]).build();
    for pad in [0x00u8, 0xff, 0x5a] {
        let mut f = b.frame.clone();
        f[b.end..].fill(pad);
        assert_eq!(verdict_of(&f), GOOD);
        assert_eq!(rx_checksum(&f).csum, naive(&[&f[14..]]));
    }
}

#[test]
fn a_truncated_packet_is_not_checked() {
    for (name, p) in good_packets() {
        let b = p.build();
        for n in 0..b.end {
            assert_eq!(verdict_of(&b.frame[..n]), NOT_CHECKED, "{name}: {n} bytes");
        }
        assert_eq!(verdict_of(&b.frame[..b.end]), GOOD, "{name}");
    }
}

#[test]
fn bad_ipv4_header_checksum_is_bad_before_anything_about_l4() {
    let cases: Vec<(&str, Pkt)> = vec![
        ("tcp", Pkt::tcp(Pkt::v4(), 10)),
        (
            "a fragment",
            Pkt::udp(
                Ip::V4 {
                    options: vec![],
                    frag: 0x2000,
                },
                10,
            ),
        ),
        ("icmp", {
            let mut p = Pkt::udp(Pkt::v4(), 10);
            p.protocol = 1;
            p
        }),
    ];
    for (name, p) in cases {
        let mut b = p.build();
        b.frame[b.l3 + 8] ^= 1; // TTL
        assert_eq!(verdict_of(&b.frame), BAD, "{name}");
        refix_ipv4(&mut b);
        assert_ne!(verdict_of(&b.frame), BAD, "{name} with the header fixed");
    }
    // A zero UDP checksum (NOT_CHECKED) behind a bad header is BAD too.
    let mut p = Pkt::udp(Pkt::v4(), 10);
    p.protocol = 1;
    let mut b = p.build();
    b.frame[b.l3 + 9] = proto::UDP;
    assert_eq!(verdict_of(&b.frame), BAD);
    refix_ipv4(&mut b);
    assert_eq!(verdict_of(&b.frame), NOT_CHECKED);
}

#[test]
fn ipv4_header_that_does_not_add_up_is_not_checked() {
    let base = Pkt::tcp(Pkt::v4(), 40).build();
    let total = base.end - base.l3;
    let edits: Vec<Edit<Built>> = vec![
        ("version 5", Box::new(|b| b.frame[b.l3] = 0x55)),
        (
            "version 6 in a 0x0800 frame",
            Box::new(|b| b.frame[b.l3] = 0x65),
        ),
        ("IHL 4", Box::new(|b| b.frame[b.l3] = 0x44)),
        ("IHL 0", Box::new(|b| b.frame[b.l3] = 0x40)),
        (
            "total length below IHL*4",
            Box::new(|b| b.frame[b.l3 + 2..b.l3 + 4].copy_from_slice(&19u16.to_be_bytes())),
        ),
        (
            "total length past the frame",
            Box::new(move |b| {
                b.frame[b.l3 + 2..b.l3 + 4].copy_from_slice(&(total as u16 + 1).to_be_bytes())
            }),
        ),
        (
            "header past the frame",
            Box::new(|b| {
                b.frame[b.l3] = 0x4f;
                b.frame.truncate(b.l3 + 59);
            }),
        ),
    ];
    for (name, edit) in edits {
        let mut b = base.clone();
        edit(&mut b);
        if b.frame.len() >= b.l3 + usize::from(b.frame[b.l3] & 0xf) * 4 && b.frame[b.l3] & 0xf >= 5
        {
            refix_ipv4(&mut b);
        }
        assert_eq!(verdict_of(&b.frame), NOT_CHECKED, "{name}");
    }
}

#[test]
fn ipv4_total_length_shorter_than_the_frame_leaves_the_rest_as_padding() {
    // Total length says the packet ends 4 bytes early: those 4 bytes are
    // padding, so the L4 sum misses them and the checksum is wrong.
    let mut b = Pkt::tcp(Pkt::v4(), 40).build();
    let total = (b.end - b.l3 - 4) as u16;
    b.frame[b.l3 + 2..b.l3 + 4].copy_from_slice(&total.to_be_bytes());
    refix_ipv4(&mut b);
    assert_eq!(verdict_of(&b.frame), BAD);
}

#[test]
fn ipv4_fragments_are_not_checked() {
    for frag in [0x2000u16, 0x0001, 0x1fff, 0x6000, 0x4001, 0x3fff] {
        let p = Pkt::tcp(
            Ip::V4 {
                options: vec![],
                frag,
            },
            30,
        );
        assert_eq!(verdict_of(&p.build().frame), NOT_CHECKED, "{frag:#x}");
    }
}

#[test]
fn ipv4_df_and_the_reserved_flag_do_not_matter() {
    for frag in [0x0000u16, 0x4000, 0x8000, 0xc000] {
        let p = Pkt::udp(
            Ip::V4 {
                options: vec![],
                frag,
            },
            30,
        );
        assert_eq!(verdict_of(&p.build().frame), GOOD, "{frag:#x}");
    }
}

#[test]
fn protocols_other_than_tcp_and_udp_are_not_checked() {
    for protocol in [1u8, 2, 41, 47, 58, 132, 136, 255] {
        for ip in [Pkt::v4(), Pkt::v6()] {
            let mut p = Pkt::udp(ip, 20);
            p.protocol = protocol;
            assert_eq!(verdict_of(&p.build().frame), NOT_CHECKED, "{protocol}");
        }
    }
}

#[test]
fn l4_shorter_than_its_header_is_not_checked() {
    for ip in [Pkt::v4(), Pkt::v6()] {
        // TCP of 19 bytes: a TCP header with its last byte missing.
        let mut p = Pkt::tcp(ip.clone(), 0);
        p.l4.truncate(19);
        assert_eq!(verdict_of(&p.build().frame), NOT_CHECKED);
        // UDP of 7 bytes (length field says 7).
        let mut p = Pkt::udp(ip, 0);
        p.l4.truncate(7);
        p.l4[4..6].copy_from_slice(&7u16.to_be_bytes());
        assert_eq!(verdict_of(&p.build().frame), NOT_CHECKED);
    }
}

#[test]
fn udp_length_must_equal_the_ip_payload_left_for_it() {
    for ip in [Pkt::v4(), Pkt::v6()] {
        for delta in [-1i32, 1, -8, 100] {
            let mut p = Pkt::udp(ip.clone(), 20);
            let udp_len = (28 + delta) as u16;
            p.l4[4..6].copy_from_slice(&udp_len.to_be_bytes());
            // build() fills a correct checksum for the lying length field.
            assert_eq!(verdict_of(&p.build().frame), NOT_CHECKED, "{delta}");
        }
    }
}

#[test]
fn udp_checksum_zero_is_not_checked_over_ipv4_and_bad_over_ipv6() {
    let mut b = Pkt::udp(Pkt::v4(), 20).build();
    b.frame[b.l4 + 6..b.l4 + 8].fill(0);
    assert_eq!(verdict_of(&b.frame), NOT_CHECKED);
    let mut b = Pkt::udp(Pkt::v6(), 20).build();
    b.frame[b.l4 + 6..b.l4 + 8].fill(0);
    assert_eq!(verdict_of(&b.frame), BAD);
}

#[test]
fn udp_checksum_zero_over_ipv6_is_bad_even_where_the_sum_verifies() {
    // 0 and 0xFFFF are the same one's-complement number, so the sum verifies with the field
    // 0; but IPv6 has no "no checksum" and RFC 8200 section 8.1 has the receiver discard it.
    let p = Pkt::udp(Pkt::v6(), 2);
    let b = p.build();
    let c = u16::from_be_bytes([b.frame[b.l4 + 6], b.frame[b.l4 + 7]]);
    // Move the checksum's value into the payload's last word: the field
    // becomes 0 and the sum is unchanged.
    let mut f = b.frame.clone();
    let n = b.end;
    let w = u16::from_be_bytes([f[n - 2], f[n - 1]]);
    let moved = fold(u32::from(w) + u32::from(c));
    f[n - 2..n].copy_from_slice(&moved.to_be_bytes());
    f[b.l4 + 6..b.l4 + 8].fill(0);
    assert_eq!(verdict_of(&f), BAD);
    f[b.l4 + 6..b.l4 + 8].fill(0xff);
    assert_eq!(
        verdict_of(&f),
        GOOD,
        "the same datagram with the field 0xFFFF"
    );
}

#[test]
fn tcp_data_offset_is_not_looked_at() {
    for doff in [0u8, 4, 15] {
        let mut p = Pkt::tcp(Pkt::v4(), 8);
        p.l4[12] = doff << 4;
        assert_eq!(verdict_of(&p.build().frame), GOOD, "{doff}");
    }
}

#[test]
fn only_one_8021q_tag_is_parsed() {
    let b = Pkt::tcp(Pkt::v4(), 10).vlan().build();
    assert_eq!(verdict_of(&b.frame), GOOD);
    // Two 0x8100 tags.
    let mut f = b.frame.clone();
    f.splice(12..12, [0x81, 0x00, 0x00, 0x05]);
    assert_eq!(verdict_of(&f), NOT_CHECKED);
    // An 802.1ad outer tag.
    let mut f = b.frame.clone();
    f[12..14].copy_from_slice(&[0x88, 0xa8]);
    assert_eq!(verdict_of(&f), NOT_CHECKED);
    // 0x88a8 inside a 0x8100 tag.
    let mut f = b.frame.clone();
    f[16..18].copy_from_slice(&[0x88, 0xa8]);
    assert_eq!(verdict_of(&f), NOT_CHECKED);
}

#[test]
fn other_ethertypes_are_not_checked() {
    let b = Pkt::udp(Pkt::v4(), 10).build();
    for et in [0x0806u16, 0x0801, 0x86dc, 0x8847, 0x0000, 0xffff, 0x05dc] {
        let mut f = b.frame.clone();
        f[12..14].copy_from_slice(&et.to_be_bytes());
        assert_eq!(verdict_of(&f), NOT_CHECKED, "{et:#x}");
    }
    // IPv6 bytes under the IPv4 EtherType and the other way round.
    let v6 = Pkt::udp(Pkt::v6(), 10).build();
    let mut f = v6.frame.clone();
    f[12..14].copy_from_slice(&ETHERTYPE_IPV4.to_be_bytes());
    assert_eq!(verdict_of(&f), NOT_CHECKED);
    let mut f = b.frame.clone();
    f[12..14].copy_from_slice(&ETHERTYPE_IPV6.to_be_bytes());
    assert_eq!(verdict_of(&f), NOT_CHECKED);
}

#[test]
fn ipv6_version_and_payload_length_must_fit() {
    let b = Pkt::tcp(Pkt::v6(), 30).build();
    let mut f = b.frame.clone();
    f[b.l3] = 0x40;
    assert_eq!(verdict_of(&f), NOT_CHECKED);
    let mut f = b.frame.clone();
    let plen = (b.end - b.l3 - 40 + 1) as u16;
    f[b.l3 + 4..b.l3 + 6].copy_from_slice(&plen.to_be_bytes());
    assert_eq!(verdict_of(&f), NOT_CHECKED, "payload length past the frame");
    // A payload length shorter than the frame: the rest is padding, the
    // L4 length shrinks with it and the sum no longer verifies.
    let mut f = b.frame.clone();
    let plen = (b.end - b.l3 - 40 - 2) as u16;
    f[b.l3 + 4..b.l3 + 6].copy_from_slice(&plen.to_be_bytes());
    assert_eq!(verdict_of(&f), BAD);
}

#[test]
fn ipv6_jumbogram_payload_length_zero_is_not_checked() {
    let b = Pkt::tcp(
        Ip::V6 {
            exts: vec![(proto::HOP_BY_HOP, 8)],
        },
        30,
    )
    .build();
    let mut f = b.frame.clone();
    f[b.l3 + 4..b.l3 + 6].fill(0);
    assert_eq!(verdict_of(&f), NOT_CHECKED);
}

#[test]
fn ipv6_routing_header_with_segments_left_is_not_checked() {
    for exts in [
        vec![(proto::ROUTING, 24)],
        vec![(proto::HOP_BY_HOP, 8), (proto::ROUTING, 40)],
        vec![(proto::ROUTING, 8), (proto::DEST_OPTS, 8)],
    ] {
        let p = Pkt::udp(Ip::V6 { exts: exts.clone() }, 12);
        let b = p.build();
        assert_eq!(verdict_of(&b.frame), GOOD, "{exts:?}");
        let mut at = b.l3 + 40;
        for &(kind, len) in &exts {
            if kind == proto::ROUTING {
                let mut f = b.frame.clone();
                f[at + 3] = 1;
                assert_eq!(verdict_of(&f), NOT_CHECKED, "{exts:?}");
                // The routing type does not matter (and, like all extension
                // header bytes, is in no sum).
                let mut f = b.frame.clone();
                f[at + 2] = 4;
                assert_eq!(verdict_of(&f), GOOD, "{exts:?}");
            }
            at += len;
        }
    }
}

#[test]
fn ipv6_extension_headers_may_come_in_any_order_of_the_three_kinds() {
    let kinds = [proto::HOP_BY_HOP, proto::ROUTING, proto::DEST_OPTS];
    for a in kinds {
        for b in kinds {
            let p = Pkt::tcp(
                Ip::V6 {
                    exts: vec![(a, 8), (b, 16)],
                },
                5,
            );
            assert_eq!(verdict_of(&p.build().frame), GOOD, "{a} {b}");
        }
    }
}

#[test]
fn ipv6_third_extension_header_is_not_checked() {
    let p = Pkt::tcp(
        Ip::V6 {
            exts: vec![
                (proto::HOP_BY_HOP, 8),
                (proto::DEST_OPTS, 8),
                (proto::DEST_OPTS, 8),
            ],
        },
        5,
    );
    assert_eq!(verdict_of(&p.build().frame), NOT_CHECKED);
}

#[test]
fn ipv6_fragment_esp_ah_and_no_next_header_are_not_checked() {
    for kind in [
        proto::FRAGMENT,
        proto::ESP,
        proto::AH,
        proto::NO_NEXT_HEADER,
    ] {
        for first in [None, Some(proto::HOP_BY_HOP)] {
            let mut exts: Vec<(u8, usize)> = first.map(|k| (k, 8)).into_iter().collect();
            exts.push((kind, 8));
            let p = Pkt::tcp(Ip::V6 { exts }, 5);
            assert_eq!(
                verdict_of(&p.build().frame),
                NOT_CHECKED,
                "{kind} {first:?}"
            );
        }
    }
}

#[test]
fn ipv6_extension_header_must_lie_inside_the_payload() {
    // Payload: an 8-byte Destination Options header and 8 bytes of UDP. The
    // header then claims 24 bytes: past the payload, though inside the frame.
    let mut b = Pkt::udp(
        Ip::V6 {
            exts: vec![(proto::DEST_OPTS, 8)],
        },
        0,
    )
    .padded(&[0; 40])
    .build();
    assert_eq!(verdict_of(&b.frame), GOOD);
    b.frame[b.l3 + 40 + 1] = 2;
    assert_eq!(verdict_of(&b.frame), NOT_CHECKED);
    b.frame[b.l3 + 40 + 1] = 1; // 16 bytes: exactly the payload, no room for UDP
    assert_eq!(verdict_of(&b.frame), NOT_CHECKED);
}

#[test]
fn header_window_is_128_bytes() {
    // IPv6 L4 starts at 54 + ext (58 + ext tagged). TCP needs L4 <= 108, UDP
    // L4 <= 120.
    let cases = [
        (false, proto::TCP, 48, GOOD),        // L4 102
        (false, proto::TCP, 56, NOT_CHECKED), // L4 110
        (true, proto::TCP, 48, GOOD),         // L4 106
        (true, proto::TCP, 56, NOT_CHECKED),  // L4 114
        (false, proto::UDP, 64, GOOD),        // L4 118
        (false, proto::UDP, 72, NOT_CHECKED), // L4 126
        (true, proto::UDP, 56, GOOD),         // L4 114
        (true, proto::UDP, 64, NOT_CHECKED),  // L4 122
    ];
    for (vlan, protocol, ext, want) in cases {
        for split in [None, Some(8)] {
            let exts = match split {
                None => vec![(proto::HOP_BY_HOP, ext)],
                Some(a) => vec![(proto::HOP_BY_HOP, a), (proto::DEST_OPTS, ext - a)],
            };
            let ip = Ip::V6 { exts };
            let mut p = if protocol == proto::TCP {
                Pkt::tcp(ip, 100)
            } else {
                Pkt::udp(ip, 100)
            };
            p.vlan = vlan;
            let b = p.build();
            assert_eq!(
                verdict_of(&b.frame),
                want,
                "vlan {vlan} proto {protocol} L4 {}",
                b.l4
            );
        }
    }
    // An extension header that itself crosses byte 128.
    let p = Pkt::udp(
        Ip::V6 {
            exts: vec![(proto::DEST_OPTS, 80)],
        },
        100,
    );
    assert_eq!(verdict_of(&p.build().frame), NOT_CHECKED);
    // IPv4 cannot reach the window: 18 + 60 = 78.
    let p = Pkt::tcp(
        Ip::V4 {
            options: vec![0; 40],
            frag: 0,
        },
        200,
    )
    .vlan();
    assert_eq!(verdict_of(&p.build().frame), GOOD);
}

#[test]
fn payload_beyond_the_header_window_is_summed() {
    for p in [Pkt::tcp(Pkt::v4(), 8000), Pkt::udp(Pkt::v6(), 9000).vlan()] {
        let b = p.build();
        assert_eq!(verdict_of(&b.frame), GOOD);
        let mut f = b.frame.clone();
        f[b.end - 100] ^= 1;
        assert_eq!(verdict_of(&f), BAD);
    }
}

#[test]
fn short_frames_are_not_checked() {
    for n in 0..=18 {
        let mut f = vec![0u8; n];
        if n >= 14 {
            f[12..14].copy_from_slice(&ETHERTYPE_VLAN.to_be_bytes());
        }
        assert_eq!(verdict_of(&f), NOT_CHECKED, "{n}");
    }
    let mut f = vec![0u8; 15];
    f[12] = 0x08;
    f[14] = 0x45;
    assert_eq!(verdict_of(&f), NOT_CHECKED);
}
