#!/usr/bin/env python3
# Crafted STAMP packets for tests/net/test_stamp.sh, built from the field
# tables of RFC 8762 with Python's own struct and hmac (independent of the
# C code under test). Prints one JSON line: what was sent, what came back.
#
# usage: stamp_craft.py bad HOST PORT      short, oversize, wrong-mode and
#                                          bad-HMAC packets to an
#                                          authenticated reflector
#        stamp_craft.py flood HOST PORT N  N valid unauthenticated packets
#                                          back to back
import json
import socket
import struct
import sys
import time

NTP_OFFSET = 2208988800


def ntp_now():
    t = time.time_ns()
    sec, ns = divmod(t, 1_000_000_000)
    return (sec + NTP_OFFSET) << 32 | (ns << 32) // 1_000_000_000


def unauth(seq, size=44):
    pkt = struct.pack(">IQHH", seq, ntp_now(), 0x0001, 0x4242)
    return pkt + bytes(size - len(pkt))


def auth_bad_hmac(seq):
    body = struct.pack(">I", seq) + bytes(12) + struct.pack(">QHH", ntp_now(), 0x0001, 0x4242)
    body += bytes(96 - len(body))
    return body + bytes(range(16))  # not the HMAC of anything


def collect(sock, wait):
    got = 0
    sock.settimeout(wait)
    try:
        while True:
            sock.recv(65536)
            got += 1
    except socket.timeout:
        pass
    return got


def main():
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, port))
    sent = {}
    if mode == "bad":
        for i in range(3):
            s.send(unauth(i)[:20 + i])  # short: 20..22 octets
        sent["short"] = 3
        for i in range(2):
            s.send(unauth(i, 300))  # more than the reflector's --size
        sent["oversize"] = 2
        for i in range(4):
            s.send(unauth(i))  # unauthenticated layout
        sent["wrong_mode"] = 4
        for i in range(5):
            s.send(auth_bad_hmac(i))
        sent["bad_hmac"] = 5
        replies = collect(s, 1.0)
    else:
        n = int(sys.argv[4])
        for i in range(n):
            s.send(unauth(i))
        sent["valid"] = n
        replies = collect(s, 1.0)
    print(json.dumps({"sent": sent, "replies": replies}))


main()
