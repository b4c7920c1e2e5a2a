//! The stack's software completion of `CHECKSUM_PARTIAL` frames
//! (`stack::iface::complete_checksum`, what `Interface::transmit` does when
//! the device has no TX checksum offload, and what every software checksum
//! of a single outgoing frame goes through) held byte-equal to the NIC's
//! rule, `firmware_model::csum::tx_checksum` (docs/offloads.md, "TX
//! checksum", rules 1-4): the same refusals (the field outside the frame,
//! frame untouched), the same L4 checksum over `[csum_start, len)` with 0
//! written as 0xFFFF, the same IPv4 header checksum, the same order when
//! the two fields overlap.
//!
//! The frames are nic-traffic's: its seeded random generator (VLAN tags,
//! IPv4 options, IPv6 extension headers, odd lengths, padding, wrong and
//! malformed headers) put in partial form by `as_partial`, and
//! `FrameBuilder` frames whose completion must also give back the frame
//! the builder built with correct checksums (its arithmetic is its own).

use firmware_model::csum::tx_checksum;
use nic_traffic::{as_partial, random_packet, Checksum, FrameBuilder, Mix};
use rand::{Rng, SeedableRng};
use stack::iface::complete_checksum;

/// What the NIC's rule did to one frame.
#[derive(Debug, Default)]
struct Tally {
    completed: usize,
    ipv4_header_written: usize,
    refused: usize,
}

/// Completes `frame` by both functions and asserts the same outcome and
/// the same bytes; returns the completed frame (the input if refused).
fn both(frame: &[u8], start: usize, offset: usize, what: &str, t: &mut Tally) -> Vec<u8> {
    let mut model = frame.to_vec();
    let mut stack = frame.to_vec();
    let m = tx_checksum(&mut model, start, offset);
    let s = complete_checksum(&mut stack, start, offset);
    let ctx = || format!("{what}: start {start} offset {offset}, model {m:?}, stack {s:?}");
    match (&m, &s) {
        (Ok(done), Ok(())) => {
            t.completed += 1;
            t.ipv4_header_written += usize::from(done.ipv4_header.is_some());
        }
        (Err(e), Err(f)) => {
            t.refused += 1;
            assert_eq!(
                (e.csum_start, e.csum_offset, e.len),
                (f.csum_start, f.csum_offset, f.len),
                "{}",
                ctx()
            );
            assert_eq!(
                stack,
                frame,
                "refused frames are left as they were: {}",
                ctx()
            );
        }
        _ => panic!("one refused, the other did not: {}", ctx()),
    }
    assert_eq!(stack, model, "{}, frame {frame:02x?}", ctx());
    stack
}

#[test]
fn stack_completion_equals_the_nic_rule_on_random_partial_frames() {
    let seed = test_support::seed(0x7c5_c0de);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mix = Mix {
        max_payload: 1500,
        p_bad_csum: 0.1,
        p_malformed: 0.3,
    };
    let mut t = Tally::default();
    for i in 0..30_000 {
        let p = random_packet(&mut rng, &mix);
        let Some((f, start, offset)) = as_partial(&p) else {
            continue;
        };
        let what = format!("seed {seed:#x} frame {i}");
        let done = both(&f, start.into(), offset.into(), &what, &mut t);
        // A well-formed generated frame with a correct checksum comes back
        // as it was generated (padding is zeros: it does not change the sum).
        if p.l4_csum_ok {
            assert_eq!(done, p.frame, "{what}: completion undoes as_partial");
        }
    }
    println!("{t:?}");
    assert!(
        t.completed > 25_000 && t.ipv4_header_written > 10_000,
        "{t:?}"
    );
}

#[test]
fn stack_completion_equals_the_nic_rule_for_any_descriptor() {
    // Arbitrary (csum_start, csum_offset) over generated frames: fields
    // outside the frame (refused), in the IP header (overlapping the IPv4
    // checksum: the L4 one must win), at odd offsets, at the very end.
    let seed = test_support::seed(0xde5c_0ff5);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mix = Mix {
        max_payload: 200,
        p_bad_csum: 0.3,
        p_malformed: 0.3,
    };
    let mut t = Tally::default();
    for i in 0..20_000 {
        let f = random_packet(&mut rng, &mix).frame;
        let start = rng.gen_range(0..f.len() + 4);
        let offset = match rng.gen_range(0..4) {
            0 => f.len().saturating_sub(start).saturating_sub(2),
            1 => usize::MAX - rng.gen_range(0..4),
            _ => rng.gen_range(0..f.len() + 4),
        };
        both(
            &f,
            start,
            offset,
            &format!("seed {seed:#x} frame {i}"),
            &mut t,
        );
    }
    println!("{t:?}");
    assert!(t.completed > 2_000 && t.refused > 2_000, "{t:?}");
}

const V4: ([u8; 4], [u8; 4]) = ([192, 0, 2, 1], [198, 51, 100, 7]);
const V6: ([u8; 16], [u8; 16]) = (
    [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
    [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0xab, 0xcd, 0, 2],
);

/// Every shape the builder makes: IPv4 (with and without options) and IPv6
/// (with and without extension headers), TCP (with and without options) and
/// UDP, tagged or not, payloads of odd and even lengths.
fn shapes() -> Vec<(String, FrameBuilder)> {
    let mut out = Vec::new();
    for v6 in [false, true] {
        for tcp in [false, true] {
            for vlan in [false, true] {
                for extra in [false, true] {
                    for len in [0usize, 1, 2, 7, 63, 64, 511, 1461] {
                        let payload: Vec<u8> = (0..len).map(|i| (i * 31 + 5) as u8).collect();
                        let mut b = if v6 {
                            FrameBuilder::ipv6(V6.0, V6.1)
                        } else {
                            FrameBuilder::ipv4(V4.0, V4.1)
                        };
                        b = if tcp {
                            b.tcp(40_000, 443)
                        } else {
                            b.udp(5353, 53)
                        };
                        if vlan {
                            b = b.vlan(0x0123);
                        }
                        if extra {
                            b = match (v6, tcp) {
                                (false, _) => b.ipv4_options(&[1, 1, 1, 0]),
                                (true, _) => b
                                    .ipv6_ext(nic_traffic::frame::proto::HOP_BY_HOP, 8)
                                    .ipv6_ext(nic_traffic::frame::proto::DEST_OPTS, 16),
                            };
                            if tcp {
                                b = b.tcp_options(&[2, 4, 0x05, 0xb4]);
                            }
                        }
                        let what = format!("v6 {v6} tcp {tcp} vlan {vlan} extra {extra} len {len}");
                        out.push((what, b.payload(&payload)));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn completing_a_built_partial_frame_gives_the_built_frame() {
    let mut t = Tally::default();
    for (what, b) in shapes() {
        let built = b.build();
        let (partial, start, offset) = built.partial().expect("TCP or UDP");
        assert_eq!(
            both(&partial, start, offset, &what, &mut t),
            built.frame,
            "{what}"
        );
    }
    assert_eq!(t.ipv4_header_written, t.completed / 2);
}

#[test]
fn a_result_of_zero_is_written_as_ffff_by_both() {
    // Two payload bytes chosen so that the checksum computes to 0: the
    // builder then writes 0xFFFF (as Linux does; 0 means "none" to UDP).
    let mut t = Tally::default();
    let mut found = 0;
    for (what, b) in shapes().into_iter().filter(|(_, b)| b.payload.len() == 64) {
        let hit = (0..=u16::MAX).find_map(|x| {
            let mut p = b.payload.clone();
            p[..2].copy_from_slice(&x.to_be_bytes());
            let built = b.clone().payload(&p).build();
            (built.l4_checksum() == Some(0xffff)).then_some(built)
        });
        let built = hit.unwrap_or_else(|| panic!("{what}: some payload sums to 0"));
        let (partial, start, offset) = built.partial().expect("TCP or UDP");
        let done = both(&partial, start, offset, &what, &mut t);
        assert_eq!(
            done[start + offset..start + offset + 2],
            [0xff, 0xff],
            "{what}"
        );
        assert_eq!(done, built.frame, "{what}");
        found += 1;
    }
    assert_eq!(found, 16);
}

#[test]
fn a_stale_ipv4_header_checksum_is_rewritten_by_both() {
    // TX rule 3: the NIC writes the header checksum of an IPv4 frame
    // whatever the field held; the stack's completion does the same, so a
    // frame carries the same bytes with the device's offload on or off.
    let mut t = Tally::default();
    for c in [Checksum::Wrong, Checksum::Zero, Checksum::Value(0x1234)] {
        for vlan in [false, true] {
            let mut b = FrameBuilder::ipv4(V4.0, V4.1)
                .udp(1, 2)
                .payload(&[7; 33])
                .ipv4_options(&[1; 8]);
            if vlan {
                b = b.vlan(5);
            }
            let good = b.clone().build();
            let stale = b.ipv4_checksum(c).build();
            let (partial, start, offset) = stale.partial().expect("UDP");
            let what = format!("{c:?} vlan {vlan}");
            assert_eq!(both(&partial, start, offset, &what, &mut t), good.frame);
        }
    }
    assert_eq!(t.ipv4_header_written, 6);
}

#[test]
fn overlapping_fields_end_with_the_l4_checksum_in_both() {
    // TX rule 4: a descriptor whose L4 field is the IPv4 checksum field.
    let mut t = Tally::default();
    let built = FrameBuilder::ipv4(V4.0, V4.1)
        .tcp(9, 10)
        .payload(b"overlap")
        .build();
    let l3 = built.l3;
    for start in [l3, l3 + 2, l3 + 4, l3 + 10] {
        let offset = l3 + 10 - start;
        let done = both(&built.frame, start, offset, "overlap", &mut t);
        let l4 = !firmware_model::csum::fold(firmware_model::csum::sum(&built.frame[start..]));
        let l4 = if l4 == 0 { 0xffff } else { l4 };
        assert_eq!(done[l3 + 10..l3 + 12], l4.to_be_bytes());
    }
}
