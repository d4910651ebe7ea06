#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Raw-socket HTTP/1.1 cases for test_api_robust.sh: what curl cannot send
(a lying Content-Length, a request cut mid-line, a body that never ends, a
hundred megabytes, hundreds of connections at once). Python 3 standard
library only. Each case prints one line saying what the server did, for
the shell to check:

  status=CODE ...   the server answered with this status
  closed ...        the server closed (or reset) without a status line
  silent ...        nothing within the deadline, connection still open

usage: http_raw.py HOST PORT CASE [ARGS...]
  raw                     send stdin as it is, print the answer
  stream TOTAL [chunked]  a POST /v1/sessions announcing TOTAL body bytes
                          (or chunked), body sent in 64 KiB blocks while
                          watching for an early answer; adds sent=BYTES
  cut-headers             headers cut mid-line, then close; then a GET
                          /v1/health on a new connection
  stall [headers]         a POST whose body (or header block) stops
                          coming; adds after=SECONDS until the server
                          closed it
  trickle                 a POST body sent a byte every 0.5 s; adds
                          after=SECONDS
  hold N                  N connections at once, each with a partial
                          request; prints open=K (how many the server
                          kept), refused=K and the status of a GET
                          /v1/health made while they are open (from
                          the address DURING_SRC when it is set)
  slowheads SECONDS SRC,SRC,...
                          a slow-head attack for SECONDS: from each
                          source address 64 connections (the per-address
                          cap), each sending its request head a header
                          line a second; one the server closes is opened
                          again 0.5 s later. Prints max_open=K (most open
                          at once), closed=K (closed by the server),
                          longest=S (the longest a connection lived)
Options through the environment: TOKEN (sent as a bearer token where a
case sends headers), DEADLINE (seconds a case waits, default 10).
"""
import os
import select
import socket
import sys
import time

TOKEN = os.environ.get("TOKEN", "")
DEADLINE = float(os.environ.get("DEADLINE", "10"))


def auth_header():
    return f"Authorization: Bearer {TOKEN}\r\n" if TOKEN else ""


def connect(host, port, timeout=5.0, source=None):
    s = socket.create_connection((host, int(port)), timeout=timeout,
                                 source_address=(source, 0) if source else None)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_answer(s, deadline):
    """Read until a whole response head arrived, EOF, or the deadline.
    Returns 'status=N' / 'closed' / 'silent'."""
    buf = b""
    end = time.monotonic() + deadline
    while b"\r\n\r\n" not in buf:
        left = end - time.monotonic()
        if left <= 0:
            return "silent"
        r, _, _ = select.select([s], [], [], left)
        if not r:
            return "silent"
        try:
            chunk = s.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            chunk = b""
        if not chunk:
            break
        buf += chunk
    line = buf.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split()
    if len(parts) >= 2 and parts[0].startswith("HTTP/") and parts[1].isdigit():
        return f"status={parts[1]}"
    return "closed"


def wait_closed(s, deadline):
    """Seconds until the server closes s (reading and dropping whatever
    it sends), or None if it is still open at the deadline."""
    start = time.monotonic()
    while time.monotonic() - start < deadline:
        r, _, _ = select.select([s], [], [], 0.1)
        if not r:
            continue
        try:
            if not s.recv(65536):
                return time.monotonic() - start
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - start
    return None


def health(host, port, source=None):
    try:
        s = connect(host, port, source=source)
        s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        ans = read_answer(s, DEADLINE)
        s.close()
        return ans
    except OSError as e:
        return f"error({e.__class__.__name__})"


def case_raw(host, port):
    data = sys.stdin.buffer.read()
    s = connect(host, port)
    try:
        s.sendall(data)
    except (ConnectionResetError, BrokenPipeError):
        pass
    print(read_answer(s, DEADLINE))
    s.close()


def case_stream(host, port, total, chunked=False):
    total = int(total)
    head = ("POST /v1/sessions HTTP/1.1\r\nHost: x\r\n" + auth_header() +
            "Content-Type: application/json\r\n")
    head += ("Transfer-Encoding: chunked\r\n" if chunked
             else f"Content-Length: {total}\r\n")
    s = connect(host, port)
    s.sendall((head + "\r\n").encode())
    block = b"a" * 65536
    if chunked:
        block = f"{len(block):x}\r\n".encode() + block + b"\r\n"
    sent = 0
    answer = None
    end = time.monotonic() + DEADLINE
    s.setblocking(False)
    while sent < total and time.monotonic() < end:
        r, w, _ = select.select([s], [s], [], 0.5)
        if r:
            s.setblocking(True)
            answer = read_answer(s, 2)
            break
        if w:
            try:
                sent += s.send(block)
            except BlockingIOError:
                pass
            except (ConnectionResetError, BrokenPipeError):
                answer = "closed"
                break
    if answer is None:
        if chunked and sent >= total:
            try:
                s.setblocking(True)
                s.sendall(b"0\r\n\r\n")
            except OSError:
                pass
        s.setblocking(True)
        answer = read_answer(s, 5)
    print(f"{answer} sent={sent}")
    s.close()


def case_cut_headers(host, port):
    s = connect(host, port)
    s.sendall(b"POST /v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Le")
    time.sleep(0.2)
    s.close()
    s = connect(host, port)
    s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nAuthoriz")
    s.shutdown(socket.SHUT_WR)
    first = read_answer(s, DEADLINE)
    s.close()
    print(f"{first} then={health(host, port)}")


def case_stall(host, port, what="body"):
    s = connect(host, port)
    if what == "headers":
        s.sendall(b"POST /v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n")
    else:
        s.sendall(("POST /v1/sessions HTTP/1.1\r\nHost: x\r\n" + auth_header() +
                   "Content-Length: 100\r\n\r\n{\"role\":").encode())
    after = wait_closed(s, DEADLINE)
    s.close()
    print("silent" if after is None else f"closed after={after:.1f}")


def case_trickle(host, port):
    s = connect(host, port)
    s.sendall(("POST /v1/sessions HTTP/1.1\r\nHost: x\r\n" + auth_header() +
               "Content-Length: 10000\r\n\r\n").encode())
    start = time.monotonic()
    result = None
    while time.monotonic() - start < DEADLINE:
        try:
            s.send(b" ")
        except (ConnectionResetError, BrokenPipeError):
            result = "closed"
            break
        r, _, _ = select.select([s], [], [], 0.5)
        if r:
            ans = read_answer(s, 1)
            result = "closed" if ans == "silent" else ans
            break
    after = time.monotonic() - start
    s.close()
    print("silent" if result is None else f"{result} after={after:.1f}")


def case_hold(host, port, n):
    n = int(n)
    socks = []
    refused = 0
    for i in range(n):
        try:
            s = connect(host, port)
            # A request in progress, as a slow client leaves it.
            s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n")
            socks.append(s)
        except OSError:
            refused += 1
    # A normal request while they are all open (well inside the
    # server's --conn-timeout: connecting them takes a fraction of it).
    during = health(host, port, os.environ.get("DURING_SRC") or None)
    still_open = 0
    for s in socks:
        r, _, _ = select.select([s], [], [], 0)
        if not r:
            still_open += 1
            continue
        try:
            s.setblocking(False)
            if s.recv(1, socket.MSG_PEEK):
                still_open += 1
        except (BlockingIOError, InterruptedError):
            still_open += 1
        except OSError:
            pass
    for s in socks:
        s.close()
    print(f"open={still_open} refused={refused} during={during}")


def case_slowheads(host, port, seconds, sources, per_source=64):
    seconds = float(seconds)
    per_source = int(per_source)
    conns = {}  # socket -> opened at
    waiting = []  # (reopen at, source)
    max_open = closed = 0
    longest = 0.0
    end = time.monotonic() + seconds
    last_line = time.monotonic()

    def open_one(src):
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((src, 0))
            s.settimeout(2)
            s.connect((host, int(port)))
            s.setblocking(False)
            s.send(b"GET /v1/health HTTP/1.1\r\n")
            conns[s] = (time.monotonic(), src)
        except OSError:
            s.close()
            waiting.append((time.monotonic() + 0.5, src))

    for src in sources.split(","):
        for _ in range(per_source):
            open_one(src)
    while time.monotonic() < end:
        max_open = max(max_open, len(conns))
        r, _, _ = select.select(list(conns), [], [], 0.1)
        now = time.monotonic()
        for s in r:
            try:
                data = s.recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if data:
                continue  # an answer would mean the head was complete
            opened, src = conns.pop(s)
            s.close()
            closed += 1
            longest = max(longest, now - opened)
            waiting.append((now + 0.5, src))
        if now - last_line >= 1.0:
            last_line = now
            for s in list(conns):
                try:
                    s.send(b"X-Slow: 1\r\n")
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    pass  # the recv above sees the close
        due = [w for w in waiting if w[0] <= now]
        waiting[:] = [w for w in waiting if w[0] > now]
        for _, src in due:
            open_one(src)
    now = time.monotonic()
    for s, (opened, _) in conns.items():
        longest = max(longest, now - opened)
        s.close()
    print(f"max_open={max_open} closed={closed} longest={longest:.1f}")


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    host, port, case, args = argv[1], argv[2], argv[3], argv[4:]
    cases = {
        "raw": case_raw,
        "stream": lambda h, p, total, mode="": case_stream(h, p, total, mode == "chunked"),
        "cut-headers": case_cut_headers,
        "stall": case_stall,
        "trickle": case_trickle,
        "hold": case_hold,
        "slowheads": case_slowheads,
    }
    if case not in cases:
        print(f"http_raw.py: unknown case '{case}'", file=sys.stderr)
        return 2
    try:
        cases[case](host, port, *args)
    except OSError as e:
        print(f"error({e.__class__.__name__}: {e})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
