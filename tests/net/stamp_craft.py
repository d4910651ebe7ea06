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
#        stamp_craft.py twamp HOST PORT N  a TWAMP-Light reflector (RFC 5357
#                                          appendix I, unauthenticated):
#                                          answers N packets, own sequence
#                                          numbers, no SSID (MBZ), then exits
import json
import socket
import struct
import sys
import time

NTP_OFFSET = 2208988800
IP_RECVTTL = getattr(socket, "IP_RECVTTL", 12)  # linux/in.h


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


def twamp_reflect(host, port, n):
    # RFC 5357 4.2.1 reflector packet: seq, timestamp, error estimate,
    # MBZ(2), receive timestamp, sender seq, sender timestamp, sender
    # error estimate, MBZ(2), sender TTL, then the sender's padding.
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
    s.bind((host, port))
    s.settimeout(10)
    answered = 0
    while answered < n:
        data, anc, _, peer = s.recvmsg(65536, 64)
        rx = ntp_now()
        ttl = 0
        for level, kind, value in anc:
            if level == socket.IPPROTO_IP and kind == socket.IP_TTL:
                ttl = struct.unpack("i", value[:4])[0]
        if len(data) < 14:
            continue
        sseq, sts, see = struct.unpack(">IQH", data[:14])
        reply = struct.pack(">IQHHQIQHHB", answered, ntp_now(), 0x0001, 0, rx,
                            sseq, sts, see, 0, ttl)
        reply += bytes(max(0, len(data) - len(reply)))
        s.sendto(reply[:max(len(data), 41)], peer)
        answered += 1
    print(json.dumps({"answered": answered}))


def main():
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "twamp":
        twamp_reflect(host, port, int(sys.argv[4]))
        return
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
