//! The checksum engines against an independent implementation (the
//! `etherparse` crate, through `test_support::oracle`) on random well-formed
//! packets built by `nic_traffic`'s frame builder, and fuzzing on random and
//! mutated frames. Replay a failure with
//! `TEST_SEED=<seed> cargo test -p firmware-model csum::crosscheck`.

use nic_traffic::FrameBuilder;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use test_support::oracle::{self, Transport};

use super::tests::naive;
use super::*;
use crate::contract::verdict::{BAD, GOOD, NOT_CHECKED};

fn seed() -> u64 {
    test_support::seed(0xc5_5eed)
}

fn bytes(rng: &mut ChaCha8Rng, n: usize) -> Vec<u8> {
    (0..n).map(|_| rng.gen()).collect()
}

/// A random well-formed packet (checksums right, as the builder computes
/// them), and what the test needs to know about where things are.
#[derive(Debug, Clone)]
struct Gen {
    /// The frame with correct checksums.
    frame: Vec<u8>,
    /// The same frame as a host hands it over for TX checksum offload: the
    /// L4 field holds the folded pseudo-header sum, the IPv4 header
    /// checksum is garbage.
    partial: Vec<u8>,
    vlan: bool,
    l3: usize,
    /// Start and length of each IPv6 extension header.
    exts: Vec<(u8, usize, usize)>,
    l4: usize,
    end: usize,
    tcp: bool,
    ipv4: bool,
    csum_offset: usize,
}

/// The extension header chains used: the ones etherparse accepts (Hop-by-Hop
/// first) of at most two of the kinds the parser walks.
const CHAINS: &[&[u8]] = &[
    &[],
    &[proto::HOP_BY_HOP],
    &[proto::DEST_OPTS],
    &[proto::ROUTING],
    &[proto::HOP_BY_HOP, proto::DEST_OPTS],
    &[proto::HOP_BY_HOP, proto::ROUTING],
    &[proto::DEST_OPTS, proto::ROUTING],
    &[proto::ROUTING, proto::DEST_OPTS],
];

fn random_packet(rng: &mut ChaCha8Rng) -> Gen {
    let vlan = rng.gen_bool(0.3);
    let ipv4 = rng.gen_bool(0.5);
    let tcp = rng.gen_bool(0.5);
    let payload_len = match rng.gen_range(0..4) {
        0 => rng.gen_range(0..8),
        1 => rng.gen_range(0..200),
        2 => rng.gen_range(0..1500),
        _ => rng.gen_range(0..9000),
    };
    let payload = bytes(rng, payload_len);
    let protocol = if tcp { proto::TCP } else { proto::UDP };

    let mut b = if ipv4 {
        let frag = if rng.gen() { 0x4000 } else { 0 };
        let n = rng.gen_range(0..=10) * 4;
        let opts = bytes(rng, n);
        FrameBuilder::ipv4(rng.gen(), rng.gen())
            .ipv4_id(rng.gen())
            .ipv4_frag(frag)
            .ttl(rng.gen())
            .ipv4_options(&opts)
    } else {
        let mut b = FrameBuilder::ipv6(rng.gen(), rng.gen())
            .tos(rng.gen())
            .flow_label(rng.gen_range(0..1 << 20))
            .ttl(rng.gen());
        let chain = CHAINS[rng.gen_range(0..CHAINS.len())];
        for &kind in chain {
            let n = rng.gen_range(1..=4) * 8;
            let mut e = bytes(rng, n);
            if kind == proto::ROUTING {
                e[3] = 0; // Segments Left
            }
            b = b.ipv6_ext_bytes(kind, &e);
        }
        b
    };
    b = if tcp {
        let n = rng.gen_range(0..=10) * 4;
        let opts = bytes(rng, n);
        b.tcp(rng.gen(), rng.gen())
            .tcp_seq(rng.gen())
            .tcp_ack(rng.gen())
            .tcp_flags(rng.gen::<u8>() & 0x1b)
            .tcp_window(rng.gen())
            .tcp_urgent(rng.gen())
            .tcp_options(&opts)
    } else {
        b.udp(rng.gen(), rng.gen())
    };
    b = b.macs(rng.gen(), rng.gen()).payload(&payload);
    if vlan {
        b = b.vlan(rng.gen());
    }
    let built = b.build();
    let (l3, l4, end) = (built.l3, built.l4, built.end);
    let mut frame = built.frame;
    if rng.gen_bool(0.3) || end < 60 {
        let pad = rng.gen_range(60usize.saturating_sub(end)..=60usize.saturating_sub(end) + 20);
        frame.extend(bytes(rng, pad));
    }

    // As a host hands it over: the folded pseudo-header sum in the L4 field
    // (computed here), garbage in the IPv4 header checksum.
    let l4_len = end - l4;
    let pseudo = if ipv4 {
        naive(&[
            &frame[l3 + 12..l3 + 20],
            &[0, protocol],
            &(l4_len as u16).to_be_bytes(),
        ])
    } else {
        naive(&[
            &frame[l3 + 8..l3 + 40],
            &(l4_len as u32).to_be_bytes(),
            &[0, 0, 0, protocol],
        ])
    };
    let csum_offset = if tcp { 16 } else { 6 };
    let mut partial = frame[..end].to_vec();
    partial[l4 + csum_offset..l4 + csum_offset + 2].copy_from_slice(&pseudo.to_be_bytes());
    if ipv4 {
        partial[l3 + 10..l3 + 12].copy_from_slice(&rng.gen::<[u8; 2]>());
    }
    Gen {
        frame,
        partial,
        vlan,
        l3,
        exts: built.exts,
        l4,
        end,
        tcp,
        ipv4,
        csum_offset,
    }
}

impl Gen {
    /// The verdict the spec gives the intact frame: GOOD unless the L4
    /// header lies past the header window.
    fn intact_verdict(&self) -> u8 {
        let min = if self.tcp { TCP_HLEN } else { UDP_HLEN };
        if self.l4 + min <= HEADER_WINDOW {
            GOOD
        } else {
            NOT_CHECKED
        }
    }
}

#[test]
fn random_packets_agree_with_the_oracle() {
    let seed = seed();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut good = 0;
    for n in 0..3000 {
        let g = random_packet(&mut rng);
        let what = format!(
            "seed {seed} packet {n}: ipv4 {} tcp {} vlan {} exts {:?} l4 {}",
            g.ipv4, g.tcp, g.vlan, g.exts, g.l4
        );

        // The oracle reads the generator's frame back as what it is, with
        // every checksum right.
        let facts = oracle::parse(&g.frame).expect(&what);
        let l4 = facts.l4.expect(&what);
        assert_eq!(facts.is_ipv4(), g.ipv4, "{what}");
        assert_eq!(l4.transport == Transport::Tcp, g.tcp, "{what}");
        assert_eq!(facts.check_checksums(), Ok(()), "{what}");

        // TX: the partial frame comes out as the oracle checks it.
        let mut tx = g.partial.clone();
        let done = tx_checksum(&mut tx, g.l4, g.csum_offset).expect(&what);
        assert_eq!(tx, g.frame[..g.end], "{what}");
        assert_eq!(
            done.ipv4_header.map(|(at, c)| (at, c.to_be_bytes())),
            g.ipv4
                .then(|| (g.l3 + 10, [g.frame[g.l3 + 10], g.frame[g.l3 + 11]])),
            "{what}"
        );

        // RX: GOOD (inside the header window), and the complete sum.
        let want = g.intact_verdict();
        let r = rx_checksum(&g.frame);
        assert_eq!(r.verdict, want, "{what}");
        assert_eq!(r.csum, naive(&[&g.frame[14..]]), "{what}");
        if want != GOOD {
            continue;
        }
        good += 1;

        // A flipped L4 byte (not the UDP length or checksum fields) is BAD.
        let mut at = rng.gen_range(g.l4..g.end);
        if !g.tcp && (g.l4 + 4..g.l4 + 8).contains(&at) {
            at = g.l4;
        }
        let mut f = g.frame.clone();
        f[at] ^= rng.gen_range(1..=255u8);
        assert_eq!(rx_checksum(&f).verdict, BAD, "{what}: byte {at}");

        // A flipped address byte is BAD: IPv4 by the header checksum, IPv6
        // by the pseudo-header.
        let (from, to) = if g.ipv4 { (12, 20) } else { (8, 40) };
        let at = g.l3 + rng.gen_range(from..to);
        let mut f = g.frame.clone();
        f[at] ^= rng.gen_range(1..=255u8);
        assert_eq!(rx_checksum(&f).verdict, BAD, "{what}: byte {at}");
    }
    assert!(good > 2000, "seed {seed}: only {good} GOOD packets");
}

/// Whether XORing `mask` into byte `at` leaves the verdict GOOD: bits no
/// checksum covers and the parser does not interpret.
fn uncovered(g: &Gen, at: usize, mask: u8) -> bool {
    if at < 12 || at >= g.end || (g.vlan && (14..16).contains(&at)) {
        return true; // MAC addresses, the TCI, padding
    }
    if g.ipv4 {
        return false;
    }
    let o = at.wrapping_sub(g.l3);
    // Traffic class and flow label (not the version nibble), hop limit.
    if (o == 0 && mask & 0xF0 == 0) || o == 1 || o == 2 || o == 3 || o == 7 {
        return true;
    }
    // Extension header bodies: not the next header or length byte, nor
    // Segments Left.
    g.exts.iter().any(|&(kind, start, size)| {
        let e = at.wrapping_sub(start);
        (2..size).contains(&e) && !(kind == proto::ROUTING && e == 3)
    })
}

#[test]
fn single_byte_changes_to_covered_bytes_are_never_good() {
    let seed = seed();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for n in 0..300 {
        let g = random_packet(&mut rng);
        if g.intact_verdict() != GOOD || g.frame.len() > 400 {
            continue;
        }
        for at in 0..g.frame.len() {
            let mut f = g.frame.clone();
            let mask = 1 << rng.gen_range(0..8);
            f[at] ^= mask;
            let v = rx_checksum(&f).verdict;
            if uncovered(&g, at, mask) {
                assert_eq!(v, GOOD, "seed {seed} packet {n} byte {at}: {g:?}");
            } else {
                assert_ne!(v, GOOD, "seed {seed} packet {n} byte {at}: {g:?}");
            }
        }
    }
}

#[test]
fn random_bytes_never_panic_and_the_results_hold_their_invariants() {
    let seed = seed();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for n in 0..20_000 {
        let len = match rng.gen_range(0..3) {
            0 => rng.gen_range(0..64),
            1 => rng.gen_range(0..300),
            _ => rng.gen_range(0..10_000),
        };
        let mut f = bytes(&mut rng, len);
        // Often make it look like IPv4/IPv6 so the parser goes deeper.
        if len >= 18 {
            match rng.gen_range(0..5) {
                0 => f[12..14].copy_from_slice(&ETHERTYPE_IPV4.to_be_bytes()),
                1 => f[12..14].copy_from_slice(&ETHERTYPE_IPV6.to_be_bytes()),
                2 => {
                    f[12..14].copy_from_slice(&ETHERTYPE_VLAN.to_be_bytes());
                    let t = if rng.gen() {
                        ETHERTYPE_IPV4
                    } else {
                        ETHERTYPE_IPV6
                    };
                    f[16..18].copy_from_slice(&t.to_be_bytes());
                }
                _ => {}
            }
        }
        let r = rx_checksum(&f);
        assert!(
            [NOT_CHECKED, GOOD, BAD].contains(&r.verdict),
            "seed {seed} frame {n}"
        );
        let want_csum = if f.len() <= ETH_HLEN {
            0
        } else {
            naive(&[&f[14..]])
        };
        assert_eq!(r.csum, want_csum, "seed {seed} frame {n}");

        let start = match rng.gen_range(0..4) {
            0 => rng.gen(),
            1 => usize::MAX - rng.gen_range(0..4),
            _ => rng.gen_range(0..len + 4),
        };
        let offset = match rng.gen_range(0..4) {
            0 => rng.gen(),
            1 => usize::MAX - rng.gen_range(0..4),
            _ => rng.gen_range(0..64),
        };
        let before = f.clone();
        let fits = start
            .checked_add(offset)
            .and_then(|a| a.checked_add(2))
            .is_some_and(|e| e <= len);
        match tx_checksum(&mut f, start, offset) {
            Ok(done) => {
                assert!(fits, "seed {seed} frame {n}");
                let at = start + offset;
                let ip = done.ipv4_header.map(|(i, _)| i);
                for (i, (a, b)) in before.iter().zip(&f).enumerate() {
                    let in_l4 = i == at || i == at + 1;
                    let in_ip = ip.is_some_and(|p| i == p || i == p + 1);
                    if !in_l4 && !in_ip {
                        assert_eq!(a, b, "seed {seed} frame {n} byte {i}");
                    }
                }
                assert_ne!(done.l4, 0);
            }
            Err(_) => {
                assert!(!fits, "seed {seed} frame {n}");
                assert_eq!(f, before, "seed {seed} frame {n}");
            }
        }
    }
}

#[test]
fn mutated_packets_never_panic_and_truncations_are_not_good() {
    let seed = seed();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for n in 0..3000 {
        let g = random_packet(&mut rng);
        let mut f = g.frame.clone();
        for _ in 0..rng.gen_range(1..6) {
            let at = rng.gen_range(0..f.len().min(140));
            f[at] = rng.gen();
        }
        let _ = rx_checksum(&f);
        let cut = rng.gen_range(0..g.end);
        let v = rx_checksum(&g.frame[..cut]).verdict;
        assert_eq!(v, NOT_CHECKED, "seed {seed} packet {n} cut at {cut}");
        let mut p = g.partial.clone();
        let _ = tx_checksum(&mut p, rng.gen_range(0..80), rng.gen_range(0..80));
    }
}
