#!/usr/bin/env python3
"""Writes the seed corpus of the nic_model fuzz target (corpus/nic_model/): programs that set
up a queue the way the driver does (rings, size, enable), post descriptors, ring the doorbell
and feed a frame or a TX buffer, laid out as src/lib.rs decodes them. Run once; the files are
committed."""
import os, struct

HERE = os.path.dirname(os.path.abspath(__file__))
REGS = ["RING_LO", "RING_HI", "CPL_LO", "CPL_HI", "SIZE", "CTRL", "TAIL", "TAIL2", "IRQ"]

def addr(off):  # Input::addr, inside the window: selector 3, u16 LE offset
    return bytes([3]) + struct.pack("<H", off)

def qw(rx, reg, value, q=0):
    r = REGS.index(reg)
    b = bytes([0, q, 1 if rx else 0, r])
    if reg == "CTRL": return b + bytes([value])
    if reg in ("RING_HI", "CPL_HI"): return b + bytes([1])  # the window's high half
    if reg == "SIZE" or reg.startswith("TAIL"): return b + bytes([5]) + struct.pack("<H", value)
    return b + bytes([3]) + addr(value)  # a low address half in the window

def ring(rx, ring_at, cpl_at, size, q=0):
    return (qw(rx, "RING_LO", ring_at, q) + qw(rx, "RING_HI", 0, q) + qw(rx, "CPL_LO", cpl_at, q)
            + qw(rx, "CPL_HI", 0, q) + qw(rx, "SIZE", size, q) + qw(rx, "CTRL", 1, q))

def rx_desc(at, buf, cap):  # op 5, RX descriptor: where, buffer address, capacity (value 5: u16)
    return bytes([5]) + addr(at) + addr(buf) + bytes([5]) + struct.pack("<H", cap) + bytes([0])

def tx_desc(at, buf, length, flags=0, start=0, off=0):
    return bytes([5]) + addr(at) + addr(buf) + bytes([5]) + struct.pack("<H", length) + bytes([1, flags, start, off])

def raw(at, data):
    return bytes([6]) + addr(at) + struct.pack("<H", len(data)) + data

def wire(frame, pad=0, bad=1):
    return bytes([7]) + struct.pack("<H", len(frame)) + frame + bytes([pad, bad])

FRAME = bytes.fromhex("020000000001020000000002" "0800" "450000200001000040110000" "0a0000020a000001"
                      "14e9003500089f3e" "71756572")

def write(name, data):
    d = os.path.join(HERE, "corpus", "nic_model"); os.makedirs(d, exist_ok=True)
    open(os.path.join(d, name), "wb").write(data)

rx = ring(True, 0x0000, 0x1000, 4) + rx_desc(0x0000, 0x4000, 2048) + rx_desc(0x0010, 0x5000, 2048) + qw(True, "TAIL", 2)
write("rx_two_buffers_one_frame", rx + wire(FRAME))
write("rx_buffer_too_small", ring(True, 0x0000, 0x1000, 4) + rx_desc(0x0000, 0x4000, 16) + qw(True, "TAIL", 1) + wire(FRAME, pad=40))
tx = ring(False, 0x2000, 0x3000, 4) + raw(0x6000, FRAME) + tx_desc(0x2000, 0x6000, len(FRAME), 1, 34, 6) + qw(False, "TAIL", 1)
write("tx_one_frame_csum", tx)
write("loopback_tx_to_rx", bytes([4]) + struct.pack("<H", 0) + bytes([2, 1]) + rx + tx)
write("rx_queue_3_rss", ring(True, 0x0000, 0x1000, 8, q=3) + rx_desc(0x0000, 0x4000, 2048) + qw(True, "TAIL", 1, q=3) + wire(FRAME))
