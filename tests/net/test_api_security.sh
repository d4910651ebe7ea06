#!/usr/bin/env bash
# Issue 18, the security review: `linerate server` in namespace b, two
# clients in namespace a on two addresses (IP_A and a second one), and an
# admin token.
#  - ownership: a session is its creator's (token and address); another
#    client gets 404 on GET, report and DELETE and does not see it listed;
#    the admin sees and stops everything; only the owner's contact keeps a
#    session from idling out; a per-client share of --max-sessions (429
#    naming max-sessions-per-client)
#  - answers: a spec that cannot run is a 400 naming its field, not a 503;
#    a flood of failing requests does not flood the log
#  - HTTP: conflicting or malformed Content-Length and an unsupported
#    Transfer-Encoding get 400 and the connection closed
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip python3 curl jq
require_binary
lab_up "$(lab_name sec)"

API_PORT=9270
URL=http://$IP_B:$API_PORT
TOKEN=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
ADMIN=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
(
	umask 077
	printf '%s\n' "$TOKEN" >"$WORKDIR/token"
	printf '%s\n' "$ADMIN" >"$WORKDIR/admin"
)
IP_A2=${IP_A%.*}.3
in_a ip addr add "$IP_A2/24" dev "$DEV_A"

bg_start server "$NS_B" 170 "$LINERATE" server --api "$IP_B:$API_PORT" \
	--token-file "$WORKDIR/token" --admin-token-file "$WORKDIR/admin" \
	--max-sessions 6 --max-sessions-per-client 2 --idle-timeout 3s \
	--data-ports 9300-9340
wait_api_up server "$NS_A" "$URL"

# as WHO TAG METHOD PATH [BODY]: a request from client WHO (a: IP_A with
# the token, b: IP_A2 with the token, admin: IP_A2 with the admin token);
# the status on stdout, the body in $WORKDIR/TAG.body.
as() {
	local who=$1 tag=$2 method=$3 path=$4 src=$IP_A tok=$TOKEN
	local args=(-s --max-time 20 -X "$method" -o "$WORKDIR/$tag.body" -w '%{http_code}')
	case $who in
	b) src=$IP_A2 ;;
	admin) src=$IP_A2 tok=$ADMIN ;;
	esac
	[[ -n ${5:-} ]] && args+=(-H 'Content-Type: application/json' --data-binary "$5")
	in_a curl "${args[@]}" --interface "$src" -H "Authorization: Bearer $tok" "$URL$path"
}
body() { jget "$WORKDIR/$1.body" "$2"; }

# ------------------------------------------------------------- ownership

code=$(as a a1 POST /v1/sessions '{"role":"sink","backend":"udp","duration":"60s"}')
assert_eq "client a: sink created" "$code" 201
A1=$(body a1 .id)
assert_eq "client a: the session names a's address" "$(body a1 .client)" "$IP_A"
code=$(as a a2 POST /v1/sessions '{"role":"sink","backend":"udp","duration":"60s"}')
assert_eq "client a: a second sink created" "$code" 201
A2=$(body a2 .id)
code=$(as a a3 POST /v1/sessions '{"role":"sink","backend":"udp","duration":"60s"}')
assert_eq "client a: a third is over its share: 429" "$code" 429
assert_eq "client a: the refusal names the limit" "$(body a3 .limit)" max-sessions-per-client
code=$(as b b1 POST /v1/sessions '{"role":"sink","backend":"udp","duration":"60s"}')
assert_eq "client b: still has its own share: 201" "$code" 201
B1=$(body b1 .id)

code=$(as b get GET "/v1/sessions/$A1")
assert_eq "client b: GET of a's session: 404" "$code" 404
code=$(as b rep GET "/v1/sessions/$A1/report")
assert_eq "client b: GET of a's report: 404" "$code" 404
code=$(as b del DELETE "/v1/sessions/$A1")
assert_eq "client b: DELETE of a's session: 404" "$code" 404
code=$(as a get GET "/v1/sessions/$A1")
assert_eq "client a: its session still runs after b's DELETE" "$code:$(body get .state)" 200:running
code=$(as b list GET /v1/sessions)
assert_eq "client b: lists only its own" "$(body list '[.sessions[].id] | join(",")')" "$B1"
code=$(as a list GET /v1/sessions)
assert_eq "client a: lists only its own" "$(body list '[.sessions[].id] | sort | join(",")')" \
	"$(printf '%s\n' "$A1" "$A2" | sort | paste -sd,)"
code=$(as admin list GET /v1/sessions)
assert_eq "admin: lists every session" "$(body list '.sessions | length')" 3
code=$(as b metrics GET /metrics)
assert_eq "client b: /metrics has per-session series of its own only" \
	"$(grep -o 'linerate_session_rx_packets_total{id="[0-9a-f]*"' "$WORKDIR/metrics.body" | grep -o '[0-9a-f]\{16\}' | sort | paste -sd,)" "$B1"
code=$(as admin metrics GET /metrics)
assert_eq "admin: /metrics has every session's series" \
	"$(grep -c '^linerate_session_rx_packets_total{id=' "$WORKDIR/metrics.body")" 3
code=$(as admin get GET "/v1/sessions/$A2")
assert_eq "admin: GET of a's session" "$code:$(body get .id)" "200:$A2"
code=$(as admin del DELETE "/v1/sessions/$A2")
assert_eq "admin: DELETE of a's session" "$code:$(body del .state):$(body del .end_reason)" 200:done:deleted
code=$(as b del DELETE "/v1/sessions/$B1")
assert_eq "client b: DELETE of its own" "$code:$(body del .state)" 200:done
code=$(as a caps GET /v1/capabilities)
assert_eq "capabilities: limits.max_sessions_per_client" "$(body caps .limits.max_sessions_per_client)" 2

# Only the owner's contact counts: b and the admin ask about A1 every
# 0.3 s for 6 s (twice the idle timeout); it must end as idle all the same.
for ((i = 0; i < 20; i++)); do
	as b poll GET "/v1/sessions/$A1" >/dev/null
	as admin poll GET "/v1/sessions/$A1" >/dev/null
	sleep 0.3
done
for ((i = 0; i < 20; i++)); do
	code=$(as admin idle GET "/v1/sessions/$A1")
	[[ $(body idle .state) == "done" ]] && break
	sleep 0.5
done
assert_eq "others' contact does not keep a's session alive" \
	"$(body idle .state):$(body idle .end_reason)" done:idle

# ------------------------------------------------------------- HTTP framing

# framing CASE: one raw request from namespace a; prints "STATUS closed|open
# LINES FIRST_JSON_ERROR" (LINES: status lines in the whole answer).
cat >"$WORKDIR/framing.py" <<'PY'
import json, select, socket, sys, time
host, port, token, case = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
body = b'{"role":"sink","backend":"udp","duration":"2s"}'
head = b"POST /v1/sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token.encode() + b"\r\n"
cases = {
    "cl-twice": head + b"Content-Length: 2\r\nContent-Length: %d\r\n\r\n" % len(body) + body,
    "cl-twice-b": head + b"Content-Length: %d\r\nContent-Length: 2\r\n\r\n" % len(body) + body,
    "cl-plus": head + b"Content-Length: +%d\r\n\r\n" % len(body) + body,
    "cl-alpha": head + b"Content-Length: %dx\r\n\r\n" % len(body) + body,
    "te-gzip": head + b"Transfer-Encoding: gzip, chunked\r\n\r\n%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n",
    "te-cl": head + b"Transfer-Encoding: chunked\r\nContent-Length: %d\r\n\r\n%x\r\n" % (len(body), len(body)) + body + b"\r\n0\r\n\r\n",
    "cl-same": head + b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n" % (len(body), len(body)) + body,
}
s = socket.create_connection((host, port), timeout=5)
s.sendall(cases[case])
buf, closed, end = b"", False, time.monotonic() + 8
while time.monotonic() < end:
    r, _, _ = select.select([s], [], [], 0.2)
    if r:
        try:
            c = s.recv(65536)
        except ConnectionResetError:
            c = b""
        if not c:
            closed = True
            break
        buf += c
status = buf.split(b" ", 2)[1].decode() if buf.startswith(b"HTTP/1.1 ") else "none"
err = "-"
try:
    err = json.loads(buf.split(b"\r\n\r\n", 1)[1].split(b"\n", 1)[0])["error"]
except Exception:
    pass
print(status, "closed" if closed else "open", buf.count(b"HTTP/1.1 "), err)
PY
framing() { in_a python3 "$WORKDIR/framing.py" "$IP_B" "$API_PORT" "$TOKEN" "$1"; }
as a list GET /v1/sessions >/dev/null
before=$(body list '.sessions | length')
for c in cl-twice cl-twice-b te-gzip te-cl; do
	r=$(framing "$c")
	log "$c: $r"
	assert_eq "$c: 400, connection closed, one answer" "$(cut -d' ' -f1-3 <<<"$r")" "400 closed 1"
	assert_true "$c: the error names the header ($(cut -d' ' -f4- <<<"$r"))" \
		grep -qE 'Content-Length|Transfer-Encoding' <<<"$r"
done
# libmicrohttpd itself refuses a Content-Length that is not a number
# before any handler sees it (and 0.9.75 writes its status head twice).
for c in cl-plus cl-alpha; do
	r=$(framing "$c")
	log "$c: $r"
	assert_eq "$c: 400 and the connection closed" "$(cut -d' ' -f1-2 <<<"$r")" "400 closed"
done
as a list GET /v1/sessions >/dev/null
assert_eq "no session was created by a refused framing" "$(body list '.sessions | length')" "$before"
r=$(framing cl-same)
assert_eq "the same Content-Length twice is one length: 201" "$(cut -d' ' -f1 <<<"$r")" 201

# ------------------------------------------------------------- a lying server

# A fake API in b answers like a server but names another address (b's
# second one, IP_B2) as where the client should send: the client refuses
# and says why, unless told to expect it with --expect-data-address.
IP_B2=${IP_B%.*}.4
in_b ip addr add "$IP_B2/24" dev "$DEV_B"
cat >"$WORKDIR/liar.py" <<'PY'
import json, sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer
addr, port, target, logf = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
SID = "0123456789abcdef"
def session(state):
    return {"id": SID, "role": "sink", "state": state, "client": "x",
            "data": {"address": target, "port": 9999, "direction": "to-server"}}
class H(BaseHTTPRequestHandler):
    def reply(self, code, obj):
        b = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def note(self):
        with open(logf, "a") as f:
            f.write(f"{self.command} {self.path}\n")
    def do_GET(self):
        self.note()
        if self.path == "/v1/time":
            return self.reply(200, {"realtime_ns": time.time_ns()})
        if self.path == "/v1/capabilities":
            return self.reply(200, {"api_version": 1, "limits": {}})
        if self.path.endswith("/report"):
            return self.reply(200, {"rx": {"packets": 0}})
        return self.reply(200, session("done"))
    def do_POST(self):
        self.note()
        n = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(n)
        return self.reply(201, session("running"))
    def do_DELETE(self):
        self.note()
        return self.reply(200, session("done"))
    def log_message(self, *a):
        pass
srv = HTTPServer((addr, port), H)
srv.timeout = 1
end = time.monotonic() + 100
while time.monotonic() < end:
    srv.handle_request()
PY
bg_start liar "$NS_B" 110 python3 "$WORKDIR/liar.py" "$IP_B" 9279 "$IP_B2" "$WORKDIR/liar.log"
for ((i = 0; i < 50; i++)); do
	in_a curl -s -o /dev/null -m 1 "http://$IP_B:9279/v1/time" && break
	sleep 0.1
done
run_in lied "$NS_A" 30 "$LINERATE" client "$IP_B:9279" --backend udp --rate 1kpps --count 50 --quiet
rc=$?
assert_true "a data.address not the server's own: the client fails (exit $rc)" test "$rc" -ne 0
assert_true "... and says why: $(head -n1 "$(err lied)")" \
	grep -q "sent to $IP_B2, which is not its own address $IP_B" "$(err lied)"
assert_true "... and ends the session it made" grep -q "^DELETE /v1/sessions/0123456789abcdef" "$WORKDIR/liar.log"
run_in expected "$NS_A" 30 "$LINERATE" client "$IP_B:9279" --backend udp --rate 1kpps --count 50 \
	--quiet --expect-data-address "$IP_B2"
assert_true "--expect-data-address $IP_B2: not refused ($(head -n1 "$(err expected)"))" \
	sh -c "! grep -q refusing '$(err expected)'"
run_in expected-bad "$NS_A" 10 "$LINERATE" client "$IP_B:9279" --expect-data-address 10.1.2.3:5
assert_rc "--expect-data-address with a port: exit 2" $? 2
kill -TERM "${PID_OF[liar]}" 2>/dev/null
bg_wait liar

# ------------------------------------------------------------- answers

# Specs that cannot run here: 400 naming the field, before anything starts.
NQ=$(in_b sh -c "ls -d /sys/class/net/$DEV_B/queues/rx-* | wc -l")
for spec in '{"role":"sink","queues":64}' '{"role":"sink","backend":"udp","queues":2}' \
	"{\"role\":\"sink\",\"backend\":\"afpacket\",\"queues\":$((NQ + 1))}" \
	'{"role":"ping","port":9999,"backend":"afpacket","queues":2}'; do
	code=$(as a q POST /v1/sessions "$spec")
	assert_eq "$spec: 400 naming queues" "$code:$(body q .field)" 400:queues
done
code=$(as a ring POST /v1/sessions '{"role":"sink","backend":"udp","duration":"1s","size":63}')
assert_eq "size 63: 400 naming size" "$code:$(body ring .field)" 400:size

# ------------------------------------------------------------- reflector rate

# Declared 1 kpps, sent 5 kpps for 2 s: the reflector sends back about
# what was declared (2 s at 1 kpps plus its 100-packet bucket) and counts
# the rest as policed; received = reflected + policed exactly.
code=$(as a refl POST /v1/sessions '{"role":"reflect","backend":"udp","rate":"1kpps","duration":"30s"}')
assert_eq "reflect session at 1 kpps: created" "$code" 201
RID=$(body refl .id)
RPORT=$(body refl .data.port)
run_in blast "$NS_A" 30 "$LINERATE" send --backend udp --dst "$IP_B:$RPORT" \
	--rate 5kpps --count 10000 --json
assert_rc "5 kpps to the reflector" $? 0
sleep 0.5
as a rdel DELETE "/v1/sessions/$RID" >/dev/null
code=$(as a rrep GET "/v1/sessions/$RID/report")
assert_eq "reflect report" "$code" 200
RX=$(body rrep .rx.packets)
REFL=$(body rrep .reflected)
POL=$(body rrep .rx.policed)
log "reflector: received $RX, reflected $REFL, policed $POL"
assert_eq "reflector: received all 10000" "$RX" 10000
assert_range "reflector: reflected about the declared rate (1 kpps x 2 s + bucket)" "$REFL" 1800 2600
assert_eq "reflector: received = reflected + policed" "$((REFL + POL))" "$RX"
code=$(as a a1rep GET "/v1/sessions/$A1/report")
assert_eq "a sink does not police: rx.policed is null" "$code:$(body a1rep .rx.policed)" 200:null

# A flood of requests that fail at start (every data port of a second
# server is held, so each start fails to bind, eight tries each) writes a
# bounded number of lines to the log, and says how many it suppressed.
bg_start holder "$NS_B" 120 python3 -c "
import socket, time
socks = []
for p in (9390, 9391):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('0.0.0.0', p))
    socks.append(s)
time.sleep(110)
"
wait_udp_listen "$NS_B" 9391 5 || fatal "could not hold the data ports"
bg_start flood "$NS_B" 120 "$LINERATE" server --api "$IP_B:9271" \
	--token-file "$WORKDIR/token" --data-ports 9390-9391
for ((i = 0; i < 50; i++)); do
	in_a curl -s -o /dev/null --max-time 1 "http://$IP_B:9271/v1/health" && break
	sleep 0.1
done
N_FLOOD=150
cat >"$WORKDIR/flood.py" <<'PY'
import http.client, sys, time
host, port, token, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
codes = {}
conn = http.client.HTTPConnection(host, port, timeout=30)
deadline = time.monotonic() + 90
for i in range(n):
    if time.monotonic() > deadline:
        break
    conn.request("POST", "/v1/sessions", body='{"role":"sink","backend":"udp"}',
                 headers={"Authorization": "Bearer " + token})
    r = conn.getresponse()
    r.read()
    codes[r.status] = codes.get(r.status, 0) + 1
print(" ".join(f"{k}={v}" for k, v in sorted(codes.items())))
PY
T0=$(date +%s)
run_in floodc "$NS_A" 100 python3 "$WORKDIR/flood.py" "$IP_B" 9271 "$TOKEN" "$N_FLOOD"
assert_eq "flood: every request refused with 503 (nothing could bind)" "$(cat "$(out floodc)")" "503=$N_FLOOD"
T1=$(date +%s)
sleep 11
# One more: its line ends the window, which reports what it held back
# (the watchdog also reports it by itself once the window is over).
run_in floodc2 "$NS_A" 40 python3 "$WORKDIR/flood.py" "$IP_B" 9271 "$TOKEN" 1
SUPPRESSED=$(in_a curl -s -m 5 -H "Authorization: Bearer $TOKEN" "http://$IP_B:9271/metrics" |
	awk '$1 == "linerate_log_suppressed_total" { print $2 }')
kill -TERM "${PID_OF[holder]}" 2>/dev/null
kill -TERM "$(ps -o pid= --ppid "${PID_OF[flood]}" | tr -d ' ')" 2>/dev/null
bg_wait flood
LINES=$(grep -vc '^log: .* suppressed' "$(err flood)")
HELD=$(sed -n 's/^log: \([0-9]*\) client-caused lines\? suppressed.*/\1/p' "$(err flood)" | awk '{ s += $1 } END { print s + 0 }')
log "flood: $LINES lines in the log, $HELD suppressed"
# 20 lines a 10 s window; the flood spans at most (T1-T0)/10 + 2 windows,
# plus the one request after it. Without the limit: 8 or more a request.
MAXL=$((20 * ((T1 - T0) / 10 + 3)))
assert_lt "flood: lines in the log (at most $MAXL; unlimited ~8 a request)" "$LINES" "$((MAXL + 1))"
assert_eq "flood: /metrics counts the suppressed lines the log reported" "$SUPPRESSED" "$HELD"
assert_gt "flood: lines printed and suppressed cover every failed start" \
	"$((LINES + HELD))" "$((N_FLOOD - 1))"

finish
