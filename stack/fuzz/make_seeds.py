#!/usr/bin/env python3
"""Writes the seed corpora of the stack's fuzz targets (corpus/<target>/): a handful of small,
real inputs each, laid out as the bodies in src/ decode them. Run once; the files are
committed. Checksums are filled where a parser checks them; the ingress seeds also say
"checksum good" in their RX metadata."""
import os, struct

HERE = os.path.dirname(os.path.abspath(__file__))

def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

MAC = bytes([2, 0, 0, 0, 0, 1]); PEER_MAC = bytes([2, 0, 0, 0, 0, 2])
V4, PEER_V4 = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
V6 = bytes.fromhex("fd000000000000000000000000000001"); PEER_V6 = bytes.fromhex("fd000000000000000000000000000002")
LL6 = bytes.fromhex("fe800000000000000000000000000002"); LL6_DST = bytes.fromhex("fe800000000000000000000000000001")

def eth(dst, src, et, payload, vlan=None):
    h = dst + src
    if vlan is not None: h += struct.pack("!HH", 0x8100, vlan)
    return h + struct.pack("!H", et) + payload

def ipv4(src, dst, proto, payload, opts=b""):
    hl = 20 + len(opts)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | hl // 4, 0, hl + len(payload), 0x1234, 0x4000, 64, proto, 0, src, dst) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload

def ipv6(src, dst, nh, payload, hop=64):
    return struct.pack("!IHBB", 0x60000000, len(payload), nh, hop) + src + dst + payload

def l4sum(src, dst, proto, seg):
    if len(src) == 4: ph = src + dst + struct.pack("!BBH", 0, proto, len(seg))
    else: ph = src + dst + struct.pack("!IxxxB", len(seg), proto)
    return csum(ph + seg)

def tcp(src, dst, sport, dport, seq, ack, flags, opts=b"", data=b"", win=65535):
    hl = 20 + len(opts)
    s = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, (hl // 4) << 4, flags, win, 0, 0) + opts + data
    c = l4sum(src, dst, 6, s)
    return s[:16] + struct.pack("!H", c) + s[18:]

def udp(src, dst, sport, dport, data):
    s = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    c = l4sum(src, dst, 17, s) or 0xffff
    return s[:6] + struct.pack("!H", c) + s[8:]

def icmp4_echo(data):
    m = struct.pack("!BBHHH", 8, 0, 0, 1, 1) + data
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]

def icmp6(src, dst, body):
    c = l4sum(src, dst, 58, body)
    return body[:2] + struct.pack("!H", c) + body[4:]

SYN_OPTS = bytes([2, 4, 5, 0xb4, 4, 2, 8, 10]) + struct.pack("!II", 1, 0) + bytes([1, 3, 3, 7])
ARP_REQ = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + PEER_MAC + PEER_V4 + bytes(6) + V4
NS = bytes([135, 0, 0, 0, 0, 0, 0, 0]) + LL6_DST + bytes([1, 1]) + PEER_MAC
HBH = bytes([17, 0, 1, 4, 0, 0, 0, 0])  # Hop-by-Hop, PadN, next header UDP
FRAG = bytes([17, 0, 0, 0, 0, 0, 0, 7])  # atomic Fragment header, next header UDP

def frames():
    syn4 = tcp(PEER_V4, V4, 40000, 80, 1000, 0, 0x02, SYN_OPTS)
    syn6 = tcp(PEER_V6, V6, 40000, 80, 1000, 0, 0x02, SYN_OPTS)
    return {
        "arp_request": eth(b"\xff" * 6, PEER_MAC, 0x0806, ARP_REQ),
        "tcp_syn_v4": eth(MAC, PEER_MAC, 0x0800, ipv4(PEER_V4, V4, 6, syn4)),
        "tcp_syn_v6": eth(MAC, PEER_MAC, 0x86dd, ipv6(PEER_V6, V6, 6, syn6)),
        "udp_v4_opts": eth(MAC, PEER_MAC, 0x0800, ipv4(PEER_V4, V4, 17, udp(PEER_V4, V4, 5353, 53, b"query"), bytes([1, 1, 1, 0]))),
        "udp_v6_ext": eth(MAC, PEER_MAC, 0x86dd, ipv6(PEER_V6, V6, 0, HBH + udp(PEER_V6, V6, 5353, 53, b"query"))),
        "udp_v6_atomic_frag": eth(MAC, PEER_MAC, 0x86dd, ipv6(PEER_V6, V6, 44, FRAG + udp(PEER_V6, V6, 5353, 53, b"q"))),
        "ping_v4_vlan": eth(MAC, PEER_MAC, 0x0800, ipv4(PEER_V4, V4, 1, icmp4_echo(b"ping")), vlan=5),
        "ping_v4": eth(MAC, PEER_MAC, 0x0800, ipv4(PEER_V4, V4, 1, icmp4_echo(b"ping"))),
        "ndp_ns": eth(MAC, PEER_MAC, 0x86dd, ipv6(LL6, LL6_DST, 58, icmp6(LL6, LL6_DST, NS), hop=255)),
    }

def write(target, name, data):
    d = os.path.join(HERE, "corpus", target); os.makedirs(d, exist_ok=True)
    open(os.path.join(d, name), "wb").write(data)

def wire_seeds():
    f = frames()
    l3 = lambda fr: fr[14:] if fr[12:14] != b"\x81\x00" else fr[18:]
    ip4 = l3(f["tcp_syn_v4"]); ip6 = l3(f["udp_v6_ext"])
    write("wire_roundtrip", "ethernet_vlan", bytes([0]) + f["ping_v4_vlan"])
    write("wire_roundtrip", "arp", bytes([1]) + ARP_REQ)
    write("wire_roundtrip", "ipv4_options", bytes([2]) + l3(f["udp_v4_opts"]))
    write("wire_roundtrip", "ipv6_hop_by_hop", bytes([3]) + ip6)
    write("wire_roundtrip", "ipv6_atomic_fragment", bytes([3]) + l3(f["udp_v6_atomic_frag"]))
    write("wire_roundtrip", "tcp_v4_syn_options", bytes([4]) + ip4[20:])
    sack = bytes([1, 1, 8, 10]) + struct.pack("!II", 5, 6) + bytes([1, 1, 5, 18]) + struct.pack("!IIII", 100, 200, 300, 400)
    write("wire_roundtrip", "tcp_v6_sack", bytes([5]) + tcp(LL6, LL6_DST, 1, 2, 3, 4, 0x10, sack, b"data"))
    write("wire_roundtrip", "udp_v4", bytes([6]) + udp(bytes([10, 0, 0, 2]), bytes([10, 0, 0, 1]), 5353, 53, b"x"))
    write("wire_roundtrip", "icmpv4_echo", bytes([7]) + icmp4_echo(b"ping"))
    write("wire_roundtrip", "icmpv6_ns", bytes([8]) + icmp6(LL6, LL6_DST, NS))

def frame_op(fr, verdict=1):
    # op 0: a frame; metadata byte (verdict 0 none / 1 good / 2 bad), u16 length, bytes
    return bytes([0, verdict]) + struct.pack("!H", len(fr)) + fr

POLL = bytes([4, 0, 1, 0])  # op 4: poll 1 ms later, device accepting

def ingress_seeds():
    f = frames()
    for name, fr in f.items():
        write("ingress", name, bytes([0x13]) + frame_op(fr) + POLL + bytes([5]))
    # A handshake to the listener then data, with the software checksum path (verdict none).
    syn = f["tcp_syn_v4"]
    ack = eth(MAC, PEER_MAC, 0x0800, ipv4(PEER_V4, V4, 6, tcp(PEER_V4, V4, 40000, 80, 1001, 0, 0x10)))
    write("ingress", "arp_then_syn", bytes([0]) + frame_op(f["arp_request"], 0) + frame_op(syn, 0) + POLL + frame_op(ack, 0) + POLL + bytes([5]))

def tcp_seeds():
    # opts 0: active open. Segment op 0: offset mode, offset, ack mode, ack byte, flags,
    # option bits, window, [options], u16 payload length; then max_payload choice.
    synack = bytes([0, 1, 0, 0, 1, 0, 0x12, 0x02 | 0x08, 0xff, 0xff, 0x05, 0xb4, 0, 0, 0])
    ack_data = bytes([0, 1, 0, 0, 1, 0, 0x18, 0, 0xff, 0xff, 0, 100, 2])
    send = bytes([5, 0, 200, 2])
    fin = bytes([0, 1, 0, 0, 1, 0, 0x11, 0, 0xff, 0xff, 0, 0, 2])
    write("tcp_conn", "active_open_data_fin", bytes([0]) + synack + send + ack_data + bytes([6, 1, 0, 2]) + fin + bytes([7, 1, 2]))
    # opts 1: passive open from a SYN with MSS, window scale, SACK-permitted, timestamps.
    write("tcp_conn", "passive_open", bytes([1, 0x02, 0x02 | 0x04 | 0x08 | 0x10, 0xff, 0xff, 0x05, 0xb4, 7]) + bytes(8)
          + bytes([0, 1, 0, 0, 1, 0, 0x10, 0x10, 0x10, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 2]) + send + bytes([9, 0, 10, 0, 2]))
    write("tcp_conn", "active_open_rst", bytes([0]) + synack + bytes([0, 1, 0, 0, 1, 0, 0x04, 0, 0, 0, 0, 0, 2]))

wire_seeds(); ingress_seeds(); tcp_seeds()
