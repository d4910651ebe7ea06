#!/usr/bin/env python3
"""Delay (and optionally reorder) the packets of an NFQUEUE, like
`tc qdisc add ... netem delay D [reorder P% [C%]]`, for kernels built
without sch_netem.

The tests queue the UDP packets leaving namespace a with an nftables rule
(`queue num N`); this program takes them from that queue and gives each its
ACCEPT verdict DELAY after it arrived here. With --reorder P, a packet is
released at once with probability P (correlated like netem's reorder), so it
overtakes the delayed ones: netem's "delay D reorder P% C%".

Only the standard library is used: the nfnetlink_queue protocol is spoken
directly over an AF_NETLINK socket. Delayed packets leave in arrival order,
so one batch verdict ("accept every packet up to id X") releases all that
are due; a verdict message lost on the way cannot strand a packet, the next
batch takes it too.

Prints "ready" on stdout once bound to the queue. Runs until --max-seconds
or until killed (SIGTERM/SIGINT), then prints a one-line summary on stderr.
"""
import argparse
import collections
import os
import random
import select
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET = 0
NFQNL_MSG_VERDICT = 1
NFQNL_MSG_CONFIG = 2
NFQNL_MSG_VERDICT_BATCH = 3
NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NFQA_CFG_CMD = 1
NFQA_CFG_PARAMS = 2
NFQA_CFG_QUEUE_MAXLEN = 3
NFQNL_CFG_CMD_BIND = 1
NFQNL_CFG_CMD_UNBIND = 2
NFQNL_COPY_META = 1
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NLMSG_ERROR = 2
NF_ACCEPT = 1
SOL_NETLINK = 270
NETLINK_NO_ENOBUFS = 5


def attr(kind, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, kind) + payload + b"\0" * ((4 - n % 4) % 4)


class Queue:
    def __init__(self, num):
        self.num = num
        self.seq = 0
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        try:
            self.sock.setsockopt(SOL_NETLINK, NETLINK_NO_ENOBUFS, 1)
        except OSError:
            pass
        self.sock.bind((0, 0))

    def send(self, msg_type, attrs, flags=NLM_F_REQUEST):
        self.seq += 1
        body = struct.pack("!BBH", socket.AF_UNSPEC, 0, self.num) + b"".join(attrs)
        hdr = struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | msg_type, flags, self.seq, 0)
        self.sock.send(hdr + body)

    def config(self, attrs):
        self.send(NFQNL_MSG_CONFIG, attrs, NLM_F_REQUEST | NLM_F_ACK)
        data = self.sock.recv(65536)
        _, kind = struct.unpack_from("=IH", data, 0)
        if kind == NLMSG_ERROR:
            (err,) = struct.unpack_from("=i", data, 16)
            if err != 0:
                raise OSError(-err, os.strerror(-err))

    def bind(self, maxlen):
        self.config([attr(NFQA_CFG_CMD, struct.pack("!BxH", NFQNL_CFG_CMD_BIND, socket.AF_INET))])
        self.config([attr(NFQA_CFG_PARAMS, struct.pack("!IB", 0, NFQNL_COPY_META))])
        self.config([attr(NFQA_CFG_QUEUE_MAXLEN, struct.pack("!I", maxlen))])

    def unbind(self):
        try:
            self.send(NFQNL_MSG_CONFIG, [attr(NFQA_CFG_CMD, struct.pack("!BxH", NFQNL_CFG_CMD_UNBIND, socket.AF_INET))])
        except OSError:
            pass

    def accept(self, pkt_id):
        self.send(NFQNL_MSG_VERDICT, [attr(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT, pkt_id))])

    def accept_upto(self, pkt_id):
        self.send(NFQNL_MSG_VERDICT_BATCH, [attr(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT, pkt_id))])

    def packet_ids(self, data):
        """The packet ids of the NFQNL_MSG_PACKET messages in one read."""
        off = 0
        while off + 16 <= len(data):
            length, kind = struct.unpack_from("=IH", data, off)
            if length < 16:
                break
            if kind == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                a = off + 20
                end = off + length
                while a + 4 <= end:
                    alen, atype = struct.unpack_from("=HH", data, a)
                    if alen < 4:
                        break
                    if atype & 0x7FFF == NFQA_PACKET_HDR:
                        yield struct.unpack_from("!I", data, a + 4)[0]
                        break
                    a += (alen + 3) & ~3
            off += (length + 3) & ~3


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--queue", type=int, default=0)
    ap.add_argument("--delay-ms", type=float, required=True)
    ap.add_argument("--reorder", type=float, default=0.0, help="percent released at once")
    ap.add_argument("--reorder-corr", type=float, default=0.0, help="percent correlation")
    ap.add_argument("--max-seconds", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    delay = args.delay_ms / 1000.0
    p_now = args.reorder / 100.0
    rho = args.reorder_corr / 100.0
    last_rnd = rng.random()

    q = Queue(args.queue)
    q.bind(65535)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    print("ready", flush=True)

    pending = collections.deque()  # (release time, packet id), in id order
    n_delayed = n_now = 0
    deadline = time.monotonic() + args.max_seconds
    poller = select.poll()
    poller.register(q.sock, select.POLLIN)
    while not stop:
        now = time.monotonic()
        if now >= deadline:
            break
        last_due = None
        while pending and pending[0][0] <= now:
            last_due = pending.popleft()[1]
        if last_due is not None:
            q.accept_upto(last_due)
        wait = (pending[0][0] - now) if pending else 0.2
        try:
            ready = poller.poll(max(0.0, min(wait, deadline - now)) * 1000.0)
        except InterruptedError:
            continue
        if not ready:
            continue
        try:
            data = q.sock.recv(1 << 20, socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            continue
        t = time.monotonic()
        for pkt_id in q.packet_ids(data):
            if p_now > 0:
                # netem's correlated uniform: (1 - rho) * fresh + rho * last
                last_rnd = (1.0 - rho) * rng.random() + rho * last_rnd
                if last_rnd < p_now:
                    q.accept(pkt_id)
                    n_now += 1
                    continue
            pending.append((t + delay, pkt_id))
            n_delayed += 1
    # Whatever is still held leaves now rather than being dropped.
    if pending:
        q.accept_upto(pending[-1][1])
    q.unbind()
    print(f"nfq_delay: {n_delayed} delayed by {args.delay_ms} ms, {n_now} released at once",
          file=sys.stderr)


if __name__ == "__main__":
    main()
