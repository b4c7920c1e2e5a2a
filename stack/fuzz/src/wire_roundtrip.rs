//! Every wire parser: whatever the bytes, parsing never panics, and a repr that parses emits
//! into bytes that parse back to the same repr (checksums filled on emit and verified on the
//! second parse). The first input byte picks the parser, the rest is the packet.

use stack::wire::{
    ArpPacket, ArpRepr, EthernetFrame, EthernetRepr, Icmpv4Packet, Icmpv4Repr, Icmpv6Packet,
    Icmpv6Repr, IpPair, Ipv4Address, Ipv4Packet, Ipv4Repr, Ipv6Address, Ipv6FragmentRepr,
    Ipv6Packet, Ipv6Repr, TcpOffsets, TcpPacket, TcpRepr, UdpPacket, UdpRepr,
};

const V4: IpPair = IpPair::V4 {
    src: Ipv4Address([10, 0, 0, 2]),
    dst: Ipv4Address([10, 0, 0, 1]),
};
const SRC6: Ipv6Address = Ipv6Address([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
const DST6: Ipv6Address = Ipv6Address([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
const V6: IpPair = IpPair::V6 {
    src: SRC6,
    dst: DST6,
};

pub fn wire_roundtrip(data: &[u8]) {
    let Some((&which, b)) = data.split_first() else {
        return;
    };
    // Whatever the protocol, the frame-level header walk must not panic either.
    let _ = TcpOffsets::parse(b);
    match which % 9 {
        0 => ethernet(b),
        1 => arp(b),
        2 => ipv4(b),
        3 => ipv6(b),
        4 => tcp(b, &V4),
        5 => tcp(b, &V6),
        6 => udp(b, if which & 0x80 == 0 { &V4 } else { &V6 }),
        7 => icmpv4(b),
        _ => icmpv6(b),
    }
}

fn ethernet(b: &[u8]) {
    let Ok(f) = EthernetFrame::new_checked(b) else {
        return;
    };
    let Ok(repr) = EthernetRepr::parse(&f) else {
        return;
    };
    let payload = f.payload();
    let mut out = vec![0u8; repr.buffer_len() + payload.len()];
    let mut g = EthernetFrame::new_unchecked(&mut out[..]);
    repr.emit(&mut g);
    g.payload_mut().copy_from_slice(payload);
    let g = EthernetFrame::new_checked(&out[..]).expect("emitted header is whole");
    assert_eq!(EthernetRepr::parse(&g), Ok(repr));
    assert_eq!(g.payload(), payload);
}

fn arp(b: &[u8]) {
    let Ok(p) = ArpPacket::new_checked(b) else {
        return;
    };
    let Ok(repr) = ArpRepr::parse(&p) else {
        return;
    };
    let mut out = vec![0u8; repr.buffer_len()];
    repr.emit(&mut ArpPacket::new_unchecked(&mut out[..]));
    let q = ArpPacket::new_checked(&out[..]).expect("emitted ARP is whole");
    assert_eq!(ArpRepr::parse(&q), Ok(repr));
}

fn ipv4(b: &[u8]) {
    let Ok(p) = Ipv4Packet::new_checked(b) else {
        return;
    };
    let _ = (p.verify_checksum(), p.options());
    let Ok(repr) = Ipv4Repr::parse(&p, false) else {
        return;
    };
    let payload = p.payload();
    assert_eq!(payload.len(), repr.payload_len);
    let mut out = vec![0u8; repr.header_len() + repr.payload_len];
    let mut q = Ipv4Packet::new_unchecked(&mut out[..]);
    repr.emit(&mut q, true);
    q.payload_mut().copy_from_slice(payload);
    let q = Ipv4Packet::new_checked(&out[..]).expect("emitted IPv4 is whole");
    assert_eq!(Ipv4Repr::parse(&q, true).as_ref(), Ok(&repr));
    assert_eq!(q.payload(), payload);
}

fn ipv6(b: &[u8]) {
    let Ok(p) = Ipv6Packet::new_checked(b) else {
        return;
    };
    let Ok(repr) = Ipv6Repr::parse(&p) else {
        return;
    };
    let payload = p.payload();
    let walk = (
        p.upper_layer(),
        p.upper_layer_unfragmented(),
        p.fragment_header(),
    );
    let mut out = vec![0u8; repr.buffer_len() + repr.payload_len];
    let mut q = Ipv6Packet::new_unchecked(&mut out[..]);
    repr.emit(&mut q);
    q.payload_mut().copy_from_slice(payload);
    let q = Ipv6Packet::new_checked(&out[..]).expect("emitted IPv6 is whole");
    assert_eq!(Ipv6Repr::parse(&q), Ok(repr));
    // The extension-header chain reads the same from the emitted packet.
    let again = (
        q.upper_layer(),
        q.upper_layer_unfragmented(),
        q.fragment_header(),
    );
    assert_eq!(walk, again);
    // A Fragment header wherever the walk found one round-trips too.
    if let Ok(Some(at)) = walk.2 {
        let frag = Ipv6FragmentRepr::parse(&payload[at.at..]).expect("found whole");
        assert_eq!(frag, at.repr);
        let mut h = [0u8; 8];
        frag.emit(&mut h);
        assert_eq!(Ipv6FragmentRepr::parse(&h), Ok(frag));
    }
}

fn tcp(b: &[u8], ip: &IpPair) {
    let Ok(p) = TcpPacket::new_checked(b) else {
        return;
    };
    let _ = p.options().count();
    let fast = TcpRepr::parse_fast(&p);
    let Ok(repr) = TcpRepr::parse(&p, ip, false) else {
        assert!(fast.is_none(), "parse_fast took what parse refuses");
        return;
    };
    if let Some(f) = fast {
        assert_eq!(f, repr, "parse_fast and parse disagree");
    }
    let payload = p.payload();
    let again = emit_tcp(&repr, payload, ip);
    // Emit keeps every option but drops SACK blocks that do not fit (first block first).
    let kept = again.sack_ranges.iter().flatten().count();
    assert_eq!(
        TcpRepr {
            sack_ranges: repr.sack_ranges,
            ..again
        },
        repr
    );
    assert!(again.sack_ranges[..kept].iter().eq(repr
        .sack_ranges
        .iter()
        .filter(|r| r.is_some())
        .take(kept)));
    // Once normalised, the round trip is exact.
    assert_eq!(emit_tcp(&again, payload, ip), again);
}

fn emit_tcp(repr: &TcpRepr, payload: &[u8], ip: &IpPair) -> TcpRepr {
    let mut out = vec![0u8; repr.buffer_len()];
    let hl = repr.header_len();
    out[hl..].copy_from_slice(payload);
    repr.emit(&mut TcpPacket::new_unchecked(&mut out[..]), ip, true);
    let q = TcpPacket::new_checked(&out[..]).expect("emitted TCP is whole");
    assert_eq!(q.payload(), payload);
    TcpRepr::parse(&q, ip, true).expect("emitted TCP parses with its checksum")
}

fn udp(b: &[u8], ip: &IpPair) {
    let Ok(p) = UdpPacket::new_checked(b) else {
        return;
    };
    let Ok(repr) = UdpRepr::parse(&p, ip, false) else {
        return;
    };
    let payload = p.payload();
    assert_eq!(payload.len(), repr.payload_len);
    let mut out = vec![0u8; repr.buffer_len()];
    out[repr.header_len()..].copy_from_slice(payload);
    repr.emit(&mut UdpPacket::new_unchecked(&mut out[..]), ip, true);
    let q = UdpPacket::new_checked(&out[..]).expect("emitted UDP is whole");
    assert_eq!(UdpRepr::parse(&q, ip, true), Ok(repr));
    assert_eq!(q.payload(), payload);
}

fn icmpv4(b: &[u8]) {
    let Ok(p) = Icmpv4Packet::new_checked(b) else {
        return;
    };
    let Ok(repr) = Icmpv4Repr::parse(&p, false) else {
        return;
    };
    let mut out = vec![0u8; repr.buffer_len()];
    repr.emit(&mut Icmpv4Packet::new_unchecked(&mut out[..]));
    let q = Icmpv4Packet::new_checked(&out[..]).expect("emitted ICMP is whole");
    assert_eq!(Icmpv4Repr::parse(&q, true), Ok(repr));
}

fn icmpv6(b: &[u8]) {
    let Ok(p) = Icmpv6Packet::new_checked(b) else {
        return;
    };
    let Ok(repr) = Icmpv6Repr::parse(&p, SRC6, DST6, false) else {
        return;
    };
    let mut out = vec![0u8; repr.buffer_len()];
    repr.emit(&mut Icmpv6Packet::new_unchecked(&mut out[..]), SRC6, DST6);
    let q = Icmpv6Packet::new_checked(&out[..]).expect("emitted ICMPv6 is whole");
    assert_eq!(Icmpv6Repr::parse(&q, SRC6, DST6, true), Ok(repr));
}
