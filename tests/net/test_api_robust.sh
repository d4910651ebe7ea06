#!/usr/bin/env bash
# The daemon's API against broken and hostile clients: `linerate server`
# with a token and --conn-timeout 2s in namespace b of its own lab, driven
# from namespace a with curl and tests/net/http_raw.py (raw sockets).
# Every bad request must get the right 4xx (or have its connection
# dropped), and afterwards the server must still serve: GET /v1/health and
# an authorized POST /v1/sessions + DELETE after each group of cases, its
# resident memory may grow by less than 20 MB over the battery, and
# /metrics must have counted every 401 it gave. A slow-head attack (a header
# line a second from 4 and from 5 addresses, the connection table full) is
# cut by the head deadline and by eviction, while a fifth (sixth) address
# gets /v1/health in under 200 ms and runs a whole `linerate client` test.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip python3 curl jq
require_binary
lab_up "$(lab_name ar)"

API_PORT=9270
URL=http://$IP_B:$API_PORT
TOKEN=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$TOKEN" >"$WORKDIR/token"
chmod 600 "$WORKDIR/token"
UNAUTHORIZED=0 # the 401s this test asked for

bg_start server "$NS_B" 150 "$LINERATE" server --api "$IP_B:$API_PORT" \
	--token-file "$WORKDIR/token" --conn-timeout 2s --max-sessions 4
for ((i = 0; i < 50; i++)); do
	in_a curl -s -o /dev/null --max-time 1 "$URL/v1/health" && break
	bg_running server || break
	sleep 0.1
done
# bg_start's PID is timeout's; `ip netns exec` execs the server as its child.
SERVER_PID=$(ps -o pid= --ppid "${PID_OF[server]}" | tr -d ' ')
[[ -n $SERVER_PID ]] && in_a curl -s -o /dev/null --max-time 2 "$URL/v1/health" ||
	fatal "linerate server did not come up on $URL: $(tail -n 3 "$(err server)")"
log "server PID $SERVER_PID on $URL"

# ------------------------------------------------------------- helpers

# req TAG METHOD PATH [CURL ARGS...]: a request from namespace a with the
# token; the status code on stdout (000: no answer), the body in
# $WORKDIR/TAG.body.
req() {
	local tag=$1 method=$2 path=$3
	shift 3
	in_a curl -s --path-as-is --max-time 10 -X "$method" -o "$WORKDIR/$tag.body" \
		-w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$@" "$URL$path"
}

# noauth TAG METHOD PATH [CURL ARGS...]: the same without the token (pass
# your own Authorization header, or none).
noauth() {
	local tag=$1 method=$2 path=$3
	shift 3
	in_a curl -s --path-as-is --max-time 10 -X "$method" -o "$WORKDIR/$tag.body" \
		-w '%{http_code}' "$@" "$URL$path"
}

# raw CASE [ARGS...]: http_raw.py from namespace a; its one line.
raw() {
	in_a env TOKEN="$TOKEN" DEADLINE="${DEADLINE:-10}" \
		python3 "$NET_DIR/http_raw.py" "$IP_B" "$API_PORT" "$@" 2>&1 | tail -n 1
}

# body_of TAG FILTER: a jq filter on a reply's body.
body_of() { jget "$WORKDIR/$1.body" "$2"; }

# refused LABEL WANT_STATUS WANT_FIELD BODY: POST /v1/sessions with BODY
# (bytes as printf %b reads them) is refused with WANT_STATUS, a non-empty
# "error" and, unless WANT_FIELD is -, that "field".
n_refused=0
refused() {
	local label=$1 want=$2 field=$3 tag code err got_field
	n_refused=$((n_refused + 1))
	tag=refused$n_refused
	printf '%b' "$4" >"$WORKDIR/$tag.req"
	code=$(req "$tag" POST /v1/sessions -H 'Content-Type: application/json' \
		--data-binary "@$WORKDIR/$tag.req")
	err=$(body_of "$tag" '.error // empty')
	got_field=$(body_of "$tag" '.field // ""')
	if [[ $code != "$want" ]]; then
		fail "$label: status $code, want $want ($(head -c 200 "$WORKDIR/$tag.body"))"
	elif [[ -z $err ]]; then
		fail "$label: $code without an \"error\" message: $(head -c 200 "$WORKDIR/$tag.body")"
	elif [[ $field != - && $got_field != "$field" ]]; then
		fail "$label: field '$got_field', want '$field' ($err)"
	else
		pass "$label: $code${field:+ field '$got_field'}: $err"
	fi
}

# expect LABEL GOT WANT...: GOT is one of WANT (a status, or a raw result
# that starts with one of them).
expect() {
	local label=$1 got=$2 w
	shift 2
	for w in "$@"; do
		if [[ $got == "$w" || $got == "$w "* ]]; then
			pass "$label: $got"
			return
		fi
	done
	fail "$label: got '$got', want one of: $*"
}

# still_serving LABEL: the server is alive and does its normal work.
n_serving=0
still_serving() {
	local label=$1 code id
	n_serving=$((n_serving + 1))
	if ! _pid_alive "$SERVER_PID"; then
		fail "after $label: the server (PID $SERVER_PID) is gone"
		return
	fi
	code=$(noauth health$n_serving GET /v1/health)
	if [[ $code != 200 || $(body_of health$n_serving .status) != ok ]]; then
		fail "after $label: GET /v1/health: $code $(head -c 200 "$WORKDIR/health$n_serving.body")"
		return
	fi
	code=$(req create$n_serving POST /v1/sessions -H 'Content-Type: application/json' \
		--data-binary '{"role":"sink","duration":"20s"}')
	id=$(body_of create$n_serving '.id // empty')
	if [[ $code != 201 || ! $id =~ ^[0-9a-f]{16}$ ]]; then
		fail "after $label: POST /v1/sessions: $code $(head -c 200 "$WORKDIR/create$n_serving.body")"
		return
	fi
	code=$(req delete$n_serving DELETE "/v1/sessions/$id")
	if [[ $code != 200 || $(body_of delete$n_serving .id) != "$id" ]]; then
		fail "after $label: DELETE /v1/sessions/$id: $code"
		return
	fi
	pass "after $label: health 200, session $id created (201) and deleted (200)"
}

vmrss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status" 2>/dev/null; }

# ------------------------------------------------------------- baseline

still_serving "start-up"
RSS_BEFORE=$(vmrss_kb)
log "server VmRSS before the battery: $RSS_BEFORE kB"

# ------------------------------------------------------------- bodies

refused "malformed: a lone brace" 400 "" '{'
refused "malformed: trailing comma" 400 "" '{"role":"sink",}'
refused "malformed: empty body" 400 "" ''
refused "malformed: unquoted key" 400 "" '{role:"sink"}'
refused "malformed: two documents" 400 "" '{"role":"sink"}{"role":"sink"}'
refused "not an object" 400 "" '[{"role":"sink"}]'
refused "missing role" 400 role '{"size":128}'
refused "wrong role" 400 role '{"role":"send"}'
refused "wrong type: size as a string" 400 size '{"role":"sink","size":"128"}'
refused "wrong type: flows as a float" 400 flows '{"role":"source","port":9000,"flows":1.5}'
refused "wrong type: rate as a bool" 400 rate '{"role":"source","port":9000,"rate":true}'
refused "wrong type: duration as an array" 400 duration '{"role":"sink","duration":[10]}'
refused "out of range: size 63" 400 size '{"role":"sink","size":63}'
refused "out of range: size 9019" 400 size '{"role":"sink","size":9019}'
refused "out of range: flows 0" 400 flows '{"role":"source","port":9000,"flows":0}'
refused "out of range: flows 4097" 400 flows '{"role":"source","port":9000,"flows":4097}'
refused "out of range: port 0" 400 port '{"role":"source","port":0}'
refused "out of range: port 65536" 400 port '{"role":"source","port":65536}'
refused "out of range: negative duration" 400 duration '{"role":"sink","duration":-1}'
refused "out of range: huge duration" 400 duration '{"role":"sink","duration":1e300}'
refused "out of range: sub-nanosecond duration" 400 duration '{"role":"sink","duration":1e-12}'
refused "out of range: integer past 64 bits" 400 "" '{"role":"sink","count":99999999999999999999}'
refused "unknown field" 400 bogus '{"role":"sink","bogus":1}'
refused "field not for the role: port on a sink" 400 port '{"role":"sink","port":9000}'
refused "field not for the role: clock_offset_ns on a source" 400 clock_offset_ns \
	'{"role":"source","port":9000,"clock_offset_ns":5}'
refused "duplicate keys" 400 "" '{"role":"sink","size":64,"size":128}'
refused "NUL byte after the object" 400 "" '{"role":"sink"}\0'
refused "NUL byte inside a string" 400 "" '{"role":"si\0nk"}'
refused "escaped NUL" 400 "" '{"role":"si\\u0000nk"}'
refused "invalid UTF-8 in a value" 400 "" '{"role":"sink","backend":"\xff\xfe"}'
refused "invalid UTF-8 in a key" 400 "" '{"role":"sink","\xc3":1}'
refused "a truncated UTF-8 sequence" 400 "" '{"role":"sink","backend":"\xe2\x82"}'
# The error quotes the client's bytes, cut inside a character.
refused "a bad escape before a 2-byte character" 400 "" '{"ro\\\xde\x93e":1}'
long_key=$(printf '\xc3\xa9%.0s' {1..40})
refused "an unknown 80-byte key of 2-byte characters" 400 "$(printf '\xc3\xa9%.0s' {1..31})" \
	"{\"role\":\"sink\",\"$long_key\":1}"
python3 -c 'print("[" * 16000)' >"$WORKDIR/nest16k"
refused "16000 nested arrays (under the size cap)" 400 "" "$(cat "$WORKDIR/nest16k")"
python3 -c 'print("{\"a\":" * 3000)' >"$WORKDIR/nestobj"
refused "3000 nested objects" 400 "" "$(cat "$WORKDIR/nestobj")"
python3 -c 'print("[" * 100000)' >"$WORKDIR/nest100k"
code=$(req nest100k POST /v1/sessions --data-binary "@$WORKDIR/nest100k")
expect "100000 nested arrays (over the size cap)" "$code" 413
still_serving "the malformed bodies"

# ------------------------------------------------------------- sizes

out=$(raw stream 100000000)
expect "100 MB body with its Content-Length" "$out" status=413 closed
sent=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' <<<"$out")
assert_lt "100 MB body with its Content-Length: bytes the client got out before the answer" "${sent:-?}" 50000000
out=$(raw stream 100000000 chunked)
expect "100 MB chunked body" "$out" status=413 closed
sent=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' <<<"$out")
assert_lt "100 MB chunked body: bytes the client got out before the server stopped it" "${sent:-?}" 50000000
for cl in 16385 4294967295 4294967296 18446744073709551615 99999999999999999999999; do
	out=$(printf 'POST /v1/sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: %s\r\n\r\n{"role":"sink"}' \
		"$TOKEN" "$cl" | raw raw)
	expect "Content-Length $cl" "$out" status=413
done
out=$(printf 'POST /v1/sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: -1\r\n\r\n' "$TOKEN" | raw raw)
expect "Content-Length -1" "$out" status=400 status=413 closed
out=$(printf 'POST /v1/sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' "$TOKEN" | raw raw)
expect "Content-Length and chunked together" "$out" status=400 closed
out=$(python3 -c 'import sys; sys.stdout.write("GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a" * 40000 + "\r\n\r\n")' | raw raw)
expect "a 40 kB header" "$out" status=431 status=413 closed
out=$(python3 -c 'import sys; sys.stdout.write("GET /v1/" + "a" * 40000 + " HTTP/1.1\r\nHost: x\r\n\r\n")' | raw raw)
expect "a 40 kB URL" "$out" status=414 status=431 closed
still_serving "the oversized requests"

# ------------------------------------------------------------- cut, stalled, held

out=$(raw cut-headers)
expect "headers cut mid-line, then a GET on a new connection" "${out#* then=}" status=200
# The slow ones at once: each waits for the server's 2 s timeout.
DEADLINE=8 raw stall >"$WORKDIR/stall-body.res" &
stall_body=$!
DEADLINE=8 raw stall headers >"$WORKDIR/stall-headers.res" &
stall_headers=$!
DEADLINE=8 raw trickle >"$WORKDIR/trickle.res" &
trickle=$!
wait "$stall_body" "$stall_headers" "$trickle"
for what in stall-body stall-headers trickle; do
	out=$(cat "$WORKDIR/$what.res")
	after=$(sed -n 's/.*after=\([0-9.]*\).*/\1/p' <<<"$out")
	if [[ $out == closed* && -n $after ]]; then
		assert_range "$what: the server dropped it after (s)" "$after" 1.5 6
	else
		fail "$what: the server did not drop it within 8 s: '$out'"
	fi
done
# One address may hold 64 (--max-connections-per-ip); the rest are
# dropped, and another address is still served meanwhile.
IP_3=${IP_A%.*}.3
in_a ip addr add "$IP_3/24" dev "$DEV_A"
out=$(DURING_SRC=$IP_3 raw hold 200)
expect "200 connections from one address: 64 held, the rest dropped" "${out%% *}" open=64
expect "a GET /v1/health from another address meanwhile" "${out##* during=}" status=200
still_serving "the cut, stalled and held connections"

# ------------------------------------------------------------- slow heads

# health_times N TAG: N GET /v1/health from a's own address (not an
# attacker's), one every 0.3 s; prints "ok=K slowest=S" (K answered 200,
# S the slowest in seconds).
health_times() {
	local n=$1 tag=$2 i t code ok=0 slowest=0
	for ((i = 0; i < n; i++)); do
		read -r code t < <(in_a curl -s -o /dev/null --max-time 5 -w '%{http_code} %{time_total}\n' \
			"$URL_NOW/v1/health")
		[[ $code == 200 ]] && ok=$((ok + 1))
		slowest=$(awk -v a="$slowest" -v b="${t:-5}" 'BEGIN { print (b > a ? b : a) }')
		sleep 0.3
	done
	echo "ok=$ok slowest=$slowest" >"$WORKDIR/$tag.health"
}
ATTACKERS=
for i in 11 12 13 14 15; do
	in_a ip addr add "${IP_A%.*}.$i/24" dev "$DEV_A"
	ATTACKERS+=${ATTACKERS:+,}${IP_A%.*}.$i
done
# The head deadline (--conn-timeout 2s here): a head trickled a line a
# second from 4 addresses x 64 (the table full, 256) is closed at 2 s,
# each time; a fifth address is served at once meanwhile.
URL_NOW=$URL
in_a python3 "$NET_DIR/http_raw.py" "$IP_B" "$API_PORT" slowheads 7 \
	"${ATTACKERS%,*}" >"$WORKDIR/slowheads-deadline.res" 2>&1 &
attack=$!
sleep 2
health_times 8 deadline
wait "$attack"
out=$(cat "$WORKDIR/slowheads-deadline.res")
log "head deadline attack: $out; health: $(cat "$WORKDIR/deadline.health")"
max_open=$(sed -n 's/.*max_open=\([0-9]*\).*/\1/p' <<<"$out")
closed=$(sed -n 's/.*closed=\([0-9]*\).*/\1/p' <<<"$out")
longest=$(sed -n 's/.*longest=\([0-9.]*\).*/\1/p' <<<"$out")
assert_range "slow heads (deadline): most open at once (the table full)" "${max_open:-0}" 240 256
assert_gt "slow heads (deadline): closed by the server" "${closed:-0}" 255
assert_range "slow heads (deadline): longest a slow head lived (s)" "${longest:-99}" 1.5 3.0
h=$(cat "$WORKDIR/deadline.health")
assert_eq "slow heads (deadline): /v1/health from another address, all answered" "${h%% *}" ok=8
assert_lt "slow heads (deadline): the slowest of them (s)" "${h##*slowest=}" 0.2
still_serving "the slow heads (deadline)"

# Eviction: a server whose deadline is beyond the attack (--conn-timeout
# 60s); 5 addresses x 64 slow heads, more than --max-connections (256).
# The ones that waited longest for their head make room: another address
# gets /v1/health in under 200 ms and runs a whole `linerate client` test.
API2=9450
URL_NOW=http://$IP_B:$API2
bg_start server2 "$NS_B" 90 "$LINERATE" server --api "$IP_B:$API2" \
	--token-file "$WORKDIR/token" --conn-timeout 60s --data-ports 9460-9469
for ((i = 0; i < 50; i++)); do
	in_a curl -s -o /dev/null --max-time 1 "$URL_NOW/v1/health" && break
	sleep 0.1
done
in_a python3 "$NET_DIR/http_raw.py" "$IP_B" "$API2" slowheads 25 \
	"$ATTACKERS" >"$WORKDIR/slowheads-evict.res" 2>&1 &
attack=$!
sleep 4
health_times 10 evict
run_in evict-client "$NS_A" 40 "$LINERATE" client "$IP_B:$API2" --token-file "$WORKDIR/token" \
	--backend udp --json --rate 2kpps --count 4000
rc=$?
health_times 5 evict2
evicted=$(in_a curl -s --max-time 5 -H "Authorization: Bearer $TOKEN" "$URL_NOW/metrics" |
	awk '$1 == "linerate_api_connections_closed_total{reason=\"evicted\"}" { print $2 }')
wait "$attack"
out=$(cat "$WORKDIR/slowheads-evict.res")
log "eviction attack: $out; health: $(cat "$WORKDIR/evict.health") $(cat "$WORKDIR/evict2.health")"
max_open=$(sed -n 's/.*max_open=\([0-9]*\).*/\1/p' <<<"$out")
assert_gt "slow heads (eviction): most open at once (the table full)" "${max_open:-0}" 239
h=$(cat "$WORKDIR/evict.health")
assert_eq "slow heads (eviction): /v1/health from another address, all answered" "${h%% *}" ok=10
assert_lt "slow heads (eviction): the slowest of them (s)" "${h##*slowest=}" 0.2
h=$(cat "$WORKDIR/evict2.health")
assert_eq "slow heads (eviction): /v1/health after the client run, all answered" "${h%% *}" ok=5
assert_lt "slow heads (eviction): the slowest of those (s)" "${h##*slowest=}" 0.2
assert_eq "slow heads (eviction): linerate client exit code" "$rc" 0
assert_eq "slow heads (eviction): the client's packets all arrived" \
	"$(jget "$(out evict-client)" .server_sink.rx.packets)" 4000
assert_gt "slow heads (eviction): /metrics counted evictions" "${evicted:-0}" 0
kill -TERM "${PID_OF[server2]}"
bg_wait server2

# ------------------------------------------------------------- tokens

n_auth=0
# unauthorized LABEL METHOD PATH [CURL ARGS]: 401, with a WWW-Authenticate.
unauthorized() {
	local label=$1 method=$2 path=$3 code
	shift 3
	n_auth=$((n_auth + 1))
	UNAUTHORIZED=$((UNAUTHORIZED + 1))
	code=$(noauth auth$n_auth "$method" "$path" -D "$WORKDIR/auth$n_auth.head" "$@")
	if [[ $code == 401 ]] && grep -qi '^WWW-Authenticate: Bearer' "$WORKDIR/auth$n_auth.head"; then
		pass "$label: 401 with WWW-Authenticate: Bearer"
	else
		fail "$label: $code, want 401 with WWW-Authenticate ($(head -c 200 "$WORKDIR/auth$n_auth.body"))"
	fi
}
req list GET /v1/sessions >/dev/null
sessions_before=$(body_of list '.sessions | length')
unauthorized "no Authorization header" GET /v1/time
unauthorized "wrong token, same length" GET /v1/time -H "Authorization: Bearer $(tr 0-9a-f a-f0-9 <<<"$TOKEN")"
unauthorized "the token's first half" GET /v1/time -H "Authorization: Bearer ${TOKEN:0:16}"
unauthorized "the token plus a byte" GET /v1/time -H "Authorization: Bearer ${TOKEN}x"
unauthorized "Bearer with an empty token" GET /v1/time -H "Authorization: Bearer "
unauthorized "Bearer and no token at all" GET /v1/time -H "Authorization: Bearer"
unauthorized "Basic scheme" GET /v1/time -H "Authorization: Basic $(printf 'user:%s' "$TOKEN" | base64 -w0)"
unauthorized "the token without a scheme" GET /v1/time -H "Authorization: $TOKEN"
unauthorized "POST /v1/sessions without a token" POST /v1/sessions \
	--data-binary '{"role":"sink","duration":"20s"}'
unauthorized "DELETE /v1/sessions/ID without a token" DELETE /v1/sessions/0123456789abcdef
unauthorized "/metrics without a token" GET /metrics
unauthorized "a public path's prefix does not open another" GET /v1/health/../metrics
req list GET /v1/sessions >/dev/null
sessions_after=$(body_of list '.sessions | length')
assert_eq "sessions after the unauthorized POST" "$sessions_after" "$sessions_before"
# %00 ends the decoded path: this is /v1/health, and answers as that.
code=$(noauth nulcut GET '/v1/health%00/../../metrics')
assert_eq "a NUL-cut public path is that path, not another" "$code:$(body_of nulcut '.status // empty')" 200:ok
code=$(noauth scheme-case GET /v1/time -H "Authorization: bearer $TOKEN")
assert_eq "the scheme is case-insensitive (RFC 7235): 'bearer'" "$code" 200
still_serving "the wrong tokens"

# ------------------------------------------------------------- paths and methods

for path in /v1/sessions/0123456789abcdef /v1/sessions/0123456789abcdef/report \
	/v1/sessions/0123456789ABCDEF /v1/sessions/0123456789abcde /v1/sessions/0123456789abcdef0 \
	/v1/sessions/xyz /v1/sessions/0123456789abcdef/report/x /v1/sessions/ /v1/session; do
	code=$(req badid GET "$path")
	expect "GET $path" "$code" 404
done
code=$(req delid DELETE /v1/sessions/0123456789abcdef)
expect "DELETE of an unknown session" "$code" 404
code=$(req utf8path GET '/v1/sessions/%ff%fe')
expect "GET /v1/sessions/%ff%fe" "$code" 404
assert_true "GET /v1/sessions/%ff%fe: the 404 has its \"error\"" test -n "$(body_of utf8path '.error // empty')"
for path in /v1/sessions/../health /v1/health/../time '/%2e%2e/v1/health' //v1/health \
	/v1/sessions/0123456789abcdef/../../health /v1/./health '/v1/health%2f..%2ftime' /v1/health/; do
	code=$(req trav GET "$path")
	expect "GET $path" "$code" 404
done
for mr in "DELETE /v1/health" "POST /v1/time" "PUT /v1/sessions" "DELETE /v1/sessions" \
	"PATCH /v1/sessions/0123456789abcdef" "POST /metrics" "PUT /v1/capabilities" \
	"DELETE /v1/sessions/0123456789abcdef/report"; do
	code=$(req method "${mr% *}" "${mr#* }")
	expect "$mr" "$code" 405
done
still_serving "the bad paths and methods"

# ------------------------------------------------------------- a start that fails
# A foreign XDP program on the server's interface: an xdp sink cannot
# start (503), and the answer names the input that would change that.
FOREIGN=
for f in /usr/lib/*/bpf/xsk_def_xdp_prog.o /usr/lib/bpf/xsk_def_xdp_prog.o; do
	[[ -f $f ]] && FOREIGN=$f && break
done
if [[ -n $FOREIGN ]] && in_b ip link set dev "$DEV_B" xdpgeneric obj "$FOREIGN" sec xdp 2>"$WORKDIR/foreign.err"; then
	refused "an xdp sink over a foreign XDP program" 503 force '{"role":"sink","backend":"xdp"}'
	in_b ip link set dev "$DEV_B" xdpgeneric off
	still_serving "the failed start"
else
	log "SKIP failed-start part: cannot attach a foreign XDP program ($(head -n1 "$WORKDIR/foreign.err" 2>/dev/null))"
fi

# ------------------------------------------------------------- the rest

# A second server on the same port must fail, not share it.
run_in second "$NS_B" 5 "$LINERATE" server --api "$IP_B:$API_PORT" --token-file "$WORKDIR/token"
rc=$?
if ((rc != 0 && rc != 124)) && grep -q 'cannot serve' "$(err second)"; then
	pass "a second server on the taken port fails: exit $rc, $(head -n1 "$(err second)")"
else
	fail "a second server on the taken port: exit $rc ($(head -n1 "$(err second)"))"
fi

code=$(req metrics GET /metrics)
got=$(awk '$1 == "linerate_api_unauthorized_total" { print $2 }' "$WORKDIR/metrics.body")
assert_eq "/metrics: linerate_api_unauthorized_total (the 401s this test asked for)" "$got" "$UNAUTHORIZED"
got=$(awk '$1 == "linerate_api_requests_total{class=\"4xx\"}" { print $2 }' "$WORKDIR/metrics.body")
assert_gt "/metrics: 4xx answers counted" "${got:-?}" 50

still_serving "the whole battery"
RSS_AFTER=$(vmrss_kb)
log "server VmRSS after the battery: $RSS_AFTER kB"
assert_lt "server VmRSS growth over the battery (kB)" "$((RSS_AFTER - RSS_BEFORE))" 20480
finish
