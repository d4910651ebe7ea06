#!/usr/bin/env python3
# A crafted sequence of linerate probes for tests/net/test_crafted.sh, built
# from the layout in src/lib/probe.h with Python's own struct (independent
# of the C code under test): known gaps, reordering, duplicates, late
# packets, a sequence jump that wraps the 4096-number window, corrupt,
# truncated and foreign datagrams, and transmit stamps a known time in the
# past (or in the future) of the moment each one is sent.
#
# usage: probe_craft.py HOST PORT
#
# Sends the sequence once over a UDP socket and prints one JSON line: what
# a receiver must report for it, worked out here from seqtrack.h's
# definitions with plain sets (not a window of bits).
import json
import socket
import struct
import sys
import time

MAGIC, VERSION, HDR_LEN = 0x4C, 1, 18
WINDOW = 4096
# Stamp ages, each at the low end of a bucket of lib/hist.c (7 sub-bucket
# bits: a bucket spans 2^(msb - 6)), so an arrival up to one bucket width
# after the stamp (8.4 ms for AGE_A, 33.6 ms for AGE_B) lands in the bucket
# the age alone picks, whichever receiver takes it.
AGE_A = 120 << 23  # ~1.007 s
AGE_B = 100 << 25  # ~3.355 s
AGE_FUTURE = -10_000_000_000  # stamped 10 s from now: negative latency
GAP_S = 0.0002  # between datagrams: no receive buffer fills


def fill(length):
    return bytes((off * 151 + 0x5A) & 0xFF for off in range(HDR_LEN, length))


def probe(flow, seq, age, length):
    ts = (time.time_ns() - age) & ((1 << 48) - 1)
    hdr = struct.pack(">BBHQHI", MAGIC, VERSION, flow, seq, ts >> 32,
                      ts & 0xFFFFFFFF)
    return hdr + fill(length)


def sequence():
    """(flow, seq, age, payload length) in send order."""
    out = []
    sizes = [18, 22, 46, 200, 1472]

    def add(flow, seqs, age=AGE_A):
        for s in seqs:
            out.append((flow, s, age, sizes[(flow + s) % len(sizes)]))

    # flow 0: a gap (10..14 lost), 20 arriving after 25 (reordered,
    # distance 5), 30 twice and 40 three times (3 duplicates)
    add(0, range(0, 10))
    add(0, range(15, 20))
    add(0, [21, 22, 23, 24, 25, 20])
    add(0, range(26, 31))
    add(0, [30])
    add(0, range(31, 41))
    add(0, [40, 40])
    add(0, range(41, 100))
    # ... then a jump of less than the window that wraps it: the slots of
    # 100..4149 are cleared, which reuses 0..53 (4096..4149), so 4106 is
    # new (reordered) though 10's bit was set; 60 still is inside the
    # window and was seen (duplicate); 20 is out of it (late)
    add(0, [4150])
    add(0, [4106])
    add(0, [60])
    add(0, [20])
    add(0, range(4151, 4160))
    # flow 1: loss at the start (0..2), older stamps, 12 and 13 swapped,
    # 3 stamped in the future
    add(1, [3], AGE_FUTURE)
    add(1, range(4, 12), AGE_B)
    add(1, [13, 12], AGE_B)
    add(1, range(14, 30), AGE_B)
    # flow 2: a jump beyond the window (every slot cleared), then a
    # number from before the jump (late) and one inside (reordered)
    add(2, range(0, 20))
    add(2, [10000])
    add(2, [19])
    add(2, [9990])
    add(2, range(10001, 10010))
    # flow 700: one packet, stamped in the future
    add(700, [5], AGE_FUTURE)
    return out


def expect(seq_list):
    flows = {}
    for flow, s, age, length in seq_list:
        f = flows.setdefault(flow, {"seen": set(), "highest": None,
                                    "received": 0, "dup": 0, "reord": 0,
                                    "late": 0})
        f["received"] += 1
        if f["highest"] is None or s > f["highest"]:
            f["highest"] = s
            f["seen"].add(s)
        elif f["highest"] - s >= WINDOW:
            f["late"] += 1
        elif s in f["seen"]:
            f["dup"] += 1
        else:
            f["seen"].add(s)
            f["reord"] += 1
    e = {"packets": len(seq_list), "flows": len(flows), "expected": 0,
         "lost": 0, "duplicates": 0, "reordered": 0, "late": 0}
    for f in flows.values():
        expected = f["highest"] + 1
        unique = f["received"] - f["dup"]
        e["expected"] += expected
        e["lost"] += max(0, expected - unique)
        e["duplicates"] += f["dup"]
        e["reordered"] += f["reord"]
        e["late"] += f["late"]
    # Frame bytes as the receivers count them: Ethernet + IPv4 + UDP +
    # payload, at least 60, plus the FCS.
    e["bytes"] = sum(max(60, 14 + 20 + 8 + n) + 4 for _, _, _, n in seq_list)
    e["negative"] = sum(1 for _, _, age, _ in seq_list if age < 0)
    e["age_a"] = sum(1 for _, _, age, _ in seq_list if age == AGE_A)
    e["age_b"] = sum(1 for _, _, age, _ in seq_list if age == AGE_B)
    return e


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    seq_list = sequence()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, port))
    junk = {"corrupt": 0, "truncated": 0, "foreign": 0}

    def send(data):
        s.send(data)
        time.sleep(GAP_S)

    for i, (flow, seq, age, length) in enumerate(seq_list):
        send(probe(flow, seq, age, length))
        if i % 40 == 7:
            # ours, damaged in the first fill byte (both receivers check
            # it) of a number the flow never uses
            bad = bytearray(probe(3, i, AGE_A, 64))
            bad[HDR_LEN] ^= 0xFF
            send(bytes(bad))
            junk["corrupt"] += 1
            send(bytes([MAGIC, VERSION, 0, 0, 1, 2, 3]))
            junk["truncated"] += 1
            send(b"x" * 30)
            junk["foreign"] += 1
    e = expect(seq_list)
    e.update(junk)
    e["age_a_ns"], e["age_b_ns"] = AGE_A, AGE_B
    print(json.dumps(e))


if __name__ == "__main__":
    main()
