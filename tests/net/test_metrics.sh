#!/usr/bin/env bash
# /metrics by Prometheus' rules: `promtool check metrics` passes on the
# server's and the replicator's output; every counter (and histogram
# bucket, _sum and _count) sampled across late arrivals (probes the test
# holds back and sends afterwards) and all through a client run never goes
# down, while the lost-so-far gauge does; a session's series keep their
# labels from start to end (state is a series of its own); the latency
# histogram counts every packet the session received; the jitter gauge
# is the session report's.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq curl promtool python3
require_binary
lab_up "$(lab_name mt)" --subnet 10.81.9

TOKEN_FILE=$WORKDIR/token
TOKEN=$(new_token "$TOKEN_FILE")
API=$IP_B:9270

metrics() { # URL FILE: fetch /metrics from a; 0 when it answered 200
	[[ $(in_a curl -s -m 5 -o "$2" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$1") == 200 ]]
}

bg_start server "$NS_B" 100 "$LINERATE" server --api "$IP_B" --token-file "$TOKEN_FILE" \
	--idle-timeout 5s --max-duration 60s -v
for ((i = 0; i < 50; i++)); do
	in_a curl -s -m 1 "http://$API/v1/health" >/dev/null 2>&1 && break
	sleep 0.1
done

# ---- late arrivals, arranged: probes 0..999 without 400..499, then
# 400..499. "lost so far" goes 100 -> 0; no counter goes down.
r=$(in_a curl -s -m 10 -H "Authorization: Bearer $TOKEN" -d \
	'{"role":"sink","size":64,"duration":"30s","clock_offset_ns":0,"clock_error_ns":100000}' \
	"http://$API/v1/sessions")
LID=$(jq -r .id <<<"$r")
LPORT=$(jq -r .data.port <<<"$r")
[[ $LID =~ ^[0-9a-f]{16}$ && $LPORT =~ ^[0-9]+$ ]] || fatal "sink session: $r"
# send_probes FIRST LAST [SKIP_FIRST SKIP_LAST]: one 64-byte frame per
# sequence number, from a to the session, paced at about 5 kpps, from one
# source port (a flow is source address, port and flow id).
send_probes() {
	in_a timeout 20 python3 - "$IP_B" "$LPORT" "$@" <<-'PY'
		import socket, struct, sys, time
		dst, port, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
		skip = range(int(sys.argv[5]), int(sys.argv[6]) + 1) if len(sys.argv) > 6 else range(0)
		s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
		s.bind(("0.0.0.0", 40999))  # one flow: the same source port each time
		for seq in range(first, last + 1):
		    if seq in skip:
		        continue
		    ts = time.time_ns() & ((1 << 48) - 1)
		    hdr = struct.pack(">BBHQ", 0x4C, 1, 0, seq) + ts.to_bytes(6, "big")
		    s.sendto(hdr, (dst, port))
		    time.sleep(0.0002)
	PY
}
# wait_metric SERIES VALUE FILE: poll /metrics until SERIES has VALUE
# (10 s at most); the last sample is left in FILE.
wait_metric() {
	local i
	for ((i = 0; i < 100; i++)); do
		metrics "http://$API/metrics" "$3" &&
			[[ $(awk -v k="$1" '$1 == k { print $2 }' "$3") == "$2" ]] && return 0
		sleep 0.1
	done
	return 1
}
L="id=\"$LID\",role=\"sink\""
send_probes 0 999 400 499 || fail "send probes 0..999 but 400..499"
wait_metric "linerate_session_rx_packets_total{$L}" 900 "$WORKDIR/late.0"
assert_rc "900 received (before the late ones)" $? 0
assert_eq "lost so far: 100" "$(awk -v k="linerate_session_rx_lost{$L}" '$1 == k { print $2 }' "$WORKDIR/late.0")" 100
send_probes 400 499 || fail "send probes 400..499"
wait_metric "linerate_session_rx_packets_total{$L}" 1000 "$WORKDIR/late.1"
assert_rc "1000 received (after the late ones)" $? 0
assert_eq "lost so far: 0 after the late arrivals" \
	"$(awk -v k="linerate_session_rx_lost{$L}" '$1 == k { print $2 }' "$WORKDIR/late.1")" 0
for f in late.0 late.1; do
	assert_eq "$f: expected is 1000" \
		"$(awk -v k="linerate_session_rx_expected_total{$L}" '$1 == k { print $2 }' "$WORKDIR/$f")" 1000
done
assert_eq "late arrivals are reordered ones" \
	"$(awk -v k="linerate_session_rx_reordered_total{$L}" '$1 == k { print $2 }' "$WORKDIR/late.1")" 100
assert_eq "latency histogram _count after" \
	"$(awk -v k="linerate_session_latency_seconds_count{$L,type=\"one_way\"}" '$1 == k { print $2 }' "$WORKDIR/late.1")" 1000
in_a curl -s -m 10 -o /dev/null -X DELETE -H "Authorization: Bearer $TOKEN" "http://$API/v1/sessions/$LID"

# ---- a client run, /metrics sampled all along
COUNT=3000
bg_start client "$NS_A" 60 "$LINERATE" client "$API" --token-file "$TOKEN_FILE" \
	--backend udp --json --size 64 --rate 1kpps --count $COUNT --max-clock-error 100ms
n=0
while bg_running client && ((n < 400)); do
	metrics "http://$API/metrics" "$WORKDIR/m.$n" && n=$((n + 1))
	sleep 0.1
done
bg_wait client
assert_rc "client" $? 0
# The session's last word, after the client is done with it.
metrics "http://$API/metrics" "$WORKDIR/m.$n" && n=$((n + 1))
assert_gt "samples of /metrics during the run" "$n" 8
J=$(out client)
assert_eq "the server received every packet" "$(jget "$J" .server_sink.rx.packets)" $COUNT

LAST=$WORKDIR/m.$((n - 1))
promtool check metrics <"$LAST" >"$WORKDIR/promtool.out" 2>&1
assert_rc "promtool check metrics: the server (see promtool.out)" $? 0
cat "$WORKDIR/promtool.out"

# Counters, buckets, _sum and _count never go down from one sample to the
# next (the late-arrival samples first); a series, once there, stays.
{
	cat "$WORKDIR/late.0"
	echo "# END"
	cat "$WORKDIR/late.1"
	echo "# END"
	for ((i = 0; i < n; i++)); do
		cat "$WORKDIR/m.$i"
		echo "# END"
	done
} >"$WORKDIR/all"
awk '
	/^# TYPE / { type[$3] = $4; next }
	/^# END/ { for (k in seen) if (!(k in now)) gone++; delete now; next }
	/^#/ { next }
	{
		name = $1; sub(/\{.*/, "", name)
		base = name; sub(/_(bucket|sum|count)$/, "", base)
		t = (name in type) ? type[name] : type[base]
		now[$1] = 1
		if (t == "counter" || (t == "histogram" && base != name)) {
			checked++
			if (($1 in last) && $2 + 0 < last[$1] + 0) {
				down++
				print "went down: " $1 " " last[$1] " -> " $2
			}
			last[$1] = $2
			seen[$1] = 1
		}
	}
	END { printf "checked=%d down=%d gone=%d\n", checked, down + 0, gone + 0 }
' "$WORKDIR/all" >"$WORKDIR/monotonic"
cat "$WORKDIR/monotonic"
assert_true "no counter went down across $((n + 2)) samples" grep -q ' down=0 ' "$WORKDIR/monotonic"
assert_true "no counter series disappeared" grep -q ' gone=0$' "$WORKDIR/monotonic"

ID=$(sed -n 's/^linerate_session_state{id="\([0-9a-f]*\)",role="sink".*/\1/p' "$LAST" | grep -v "$LID" | head -n1)
S="id=\"$ID\",role=\"sink\""
assert_eq "rx_lost has no _total (not a counter)" "$(grep -c '^linerate_session_rx_lost_total' "$LAST")" 0
assert_eq "expected counter" "$(awk -v k="linerate_session_rx_expected_total{$S}" '$1 == k { print $2 }' "$LAST")" $COUNT
assert_eq "state: done at the end" \
	"$(awk -v k="linerate_session_state{$S,state=\"done\"}" '$1 == k { print $2 }' "$LAST")" 1
assert_eq "state: one series per state" "$(grep -c "^linerate_session_state{$S," "$LAST")" 4
running_seen=$(cat "$WORKDIR"/m.* | grep -c "^linerate_session_state{$S,state=\"running\"} 1")
assert_gt "state: running in a sample during the run" "$running_seen" 0
labels=$(cat "$WORKDIR"/m.* | grep "id=\"$ID\"" | grep -v '^linerate_session_state' |
	sed 's/^[a-z0-9_]*{\(.*\)} .*/\1/; s/,le="[^"]*"//; s/,type="one_way"//' | sort -u)
assert_eq "one label set for the session's series" "$labels" "$S"
hc=$(awk -v k="linerate_session_latency_seconds_count{$S,type=\"one_way\"}" '$1 == k { print $2 }' "$LAST")
# A sample whose one-way latency came out negative (the clock offset's
# error is larger than the latency here) is counted apart, as in the report.
assert_eq "latency histogram: one sample per packet but the negative ones" "$hc" \
	"$(($(jget "$J" .server_sink.rx.packets) - $(jget "$J" .server_sink.latency_ns.negative)))"
assert_eq "latency histogram: +Inf bucket = count" \
	"$(awk -v k="linerate_session_latency_seconds_bucket{$S,type=\"one_way\",le=\"+Inf\"}" '$1 == k { print $2 }' "$LAST")" "$hc"
p50=$(jget "$J" .server_sink.latency_ns.p50)
below=$(awk -v k="linerate_session_latency_seconds_bucket{$S,type=\"one_way\",le=\"0.1\"}" '$1 == k { print $2 }' "$LAST")
assert_gt "latency histogram: p50 $p50 ns is under 100 ms, so is half the count" "$below" $((hc / 2 - 1))
jit=$(awk -v k="linerate_session_jitter_rfc3550_seconds{$S}" '$1 == k { printf "%.0f", $2 * 1e9 }' "$LAST")
assert_eq "jitter gauge (ns) = the session's report" "$jit" "$(jget "$J" .server_sink.jitter_ns.rfc3550)"
assert_eq "jitter: a gauge, one series per measuring session" \
	"$(grep -c '^linerate_session_jitter_rfc3550_seconds{' "$LAST")" \
	"$(grep -c '^linerate_session_latency_seconds_count{' "$LAST")"
# ---- a ping session (the server pings a reflector in a): a round-trip
# histogram with one sample per answer.
bg_start refl "$NS_A" 30 "$LINERATE" reflect --backend udp --listen "$IP_A:7300" --idle-timeout 0 --quiet
wait_udp_listen "$NS_A" 7300 5 || fatal "reflect in a did not start"
r=$(in_a curl -s -m 10 -H "Authorization: Bearer $TOKEN" -d \
	'{"role":"ping","port":7300,"rate":"1kpps","count":500}' "http://$API/v1/sessions")
PID_=$(jq -r .id <<<"$r")
[[ $PID_ =~ ^[0-9a-f]{16}$ ]] || fatal "ping session: $r"
P="id=\"$PID_\",role=\"ping\""
wait_metric "linerate_session_state{$P,state=\"done\"}" 1 "$WORKDIR/ping.m"
assert_rc "ping session done" $? 0
prx=$(awk -v k="linerate_session_rx_packets_total{$P}" '$1 == k { print $2 }' "$WORKDIR/ping.m")
assert_eq "ping: answers received" "$prx" 500
assert_eq "ping: round-trip histogram count" \
	"$(awk -v k="linerate_session_latency_seconds_count{$P,type=\"round_trip\"}" '$1 == k { print $2 }' "$WORKDIR/ping.m")" "$prx"
promtool check metrics <"$WORKDIR/ping.m" >"$WORKDIR/promtool-ping.out" 2>&1
assert_rc "promtool check metrics: with a ping session" $? 0
kill -TERM "${PID_OF[refl]}"
bg_wait refl
kill -TERM "${PID_OF[server]}"
bg_wait server

# ---- the replicator's /metrics, with subscribers and traffic
SUB=${IP_A%.*}.21
in_a ip addr add "$SUB/24" dev "$DEV_A" || fatal "cannot add $SUB"
RAPI=$IP_B:9280
bg_start repl "$NS_B" 40 "$LINERATE" replicate --backend udp --listen "$IP_B:7000" \
	--api "$RAPI" --token-file "$TOKEN_FILE" --duration 20s --subscriber "$SUB:8001" \
	--subscriber "$IP_A:8002"
for ((i = 0; i < 100; i++)); do
	in_a curl -s -m 1 "http://$RAPI/v1/health" >/dev/null 2>&1 && break
	sleep 0.1
done
run_in feed "$NS_A" 20 "$LINERATE" send --backend udp --dst "$IP_B:7000" --rate 1kpps --count 500
assert_rc "replicator feed" $? 0
metrics "http://$RAPI/metrics" "$WORKDIR/r.0" || fail "replicator /metrics"
sleep 0.3
metrics "http://$RAPI/metrics" "$WORKDIR/r.1" || fail "replicator /metrics (again)"
promtool check metrics <"$WORKDIR/r.1" >"$WORKDIR/promtool-r.out" 2>&1
assert_rc "promtool check metrics: the replicator (see promtool-r.out)" $? 0
cat "$WORKDIR/promtool-r.out"
assert_eq "replicator: rx counted" "$(awk '$1 == "linerate_replicator_rx_packets_total" { print $2 }' "$WORKDIR/r.1")" 500
assert_eq "replicator: a subscriber's sent counter" \
	"$(awk -v k="linerate_replicator_subscriber_sent_total{id=\"1\",address=\"$SUB\",port=\"8001\"}" '$1 == k { print $2 }' "$WORKDIR/r.1")" 500
kill -TERM "${PID_OF[repl]}"
bg_wait repl
finish
