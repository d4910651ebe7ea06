#!/usr/bin/env bash
# linerate server in b, linerate client in a: forward, reverse, bidir and
# rtt runs count every packet; two clients at once are both served; a
# client killed mid-test does not keep the server busy; the limits answer
# with the right status and name the limit; /metrics has the counters;
# the same over TLS; the clock offset the client measures is within its
# bound (both ends share this host's clock, so the truth is 0).
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq curl openssl
require_binary
lab_up "$(lab_name s)"

TOKEN_FILE=$WORKDIR/token
TOKEN=$(new_token "$TOKEN_FILE")
API=$IP_B:9270

# ---- without a token the API stays on loopback
run_in open-refused "$NS_B" 5 "$LINERATE" server --api "$IP_B"
assert_rc "server --api $IP_B without a token is refused" $? 2
assert_true "the refusal names --insecure-open" grep -q -- --insecure-open "$(err open-refused)"

bg_start server "$NS_B" 170 "$LINERATE" server --api "$IP_B" --token-file "$TOKEN_FILE" \
	--max-sessions 3 --max-sessions-per-client 3 --idle-timeout 2s --max-duration 60s \
	--max-rate 200Mbps -v
for ((i = 0; i < 50; i++)); do
	in_a curl -s -m 1 "http://$API/v1/health" >/dev/null 2>&1 && break
	sleep 0.1
done
SERVER_PID=${PID_OF[server]}
assert_eq "health (no token needed)" "$(in_a curl -s -m 2 "http://$API/v1/health" | jq -r .status)" ok
r=$(in_a curl -s -m 2 -w '\n%{http_code}' "http://$API/v1/sessions")
assert_eq "sessions without a token" "$(status_of "$r")" 401

client() { # TAG MODE-ARGS...: a client run from a, JSON out
	local tag=$1
	shift
	run_in "$tag" "$NS_A" 40 "$LINERATE" client "$API" --token-file "$TOKEN_FILE" \
		--backend udp --json "$@"
}

# ---- forward: exact counts, one-way latency valid with its bound
client fwd --size 64 --rate 20kpps --count 20000
assert_rc "forward: client" $? 0
J=$(out fwd)
assert_eq "forward: mode" "$(jget "$J" .mode)" forward
assert_eq "forward: we sent" "$(jget "$J" .local_send.tx.packets)" 20000
assert_eq "forward: the server received" "$(jget "$J" .server_sink.rx.packets)" 20000
assert_eq "forward: lost" "$(jget "$J" .summary.client_to_server.lost)" 0
assert_eq "forward: duplicates" "$(jget "$J" .server_sink.rx.duplicates)" 0
assert_eq "forward: one-way valid" "$(jget "$J" .server_sink.latency_ns.valid)" true
OFF=$(jget "$J" .clock.offset_ns)
ERR=$(jget "$J" .clock.error_ns)
assert_gt "forward: clock error bound" "$ERR" 0
assert_true "forward: |offset| $OFF <= bound $ERR (same clock: truth is 0)" \
	awk -v o="$OFF" -v e="$ERR" 'BEGIN { exit !((o < 0 ? -o : o) <= e) }'
assert_eq "forward: error_ns in the server's report" \
	"$(jget "$J" .server_sink.latency_ns.error_ns)" "$ERR"
assert_range "forward: one-way p50 (ns)" "$(jget "$J" .server_sink.latency_ns.p50)" 1 5000000

# ---- reverse
client rev --size 128 --rate 20kpps --count 15000 --reverse --port 9300
assert_rc "reverse: client" $? 0
J=$(out rev)
assert_eq "reverse: the server sent" "$(jget "$J" .server_source.tx.packets)" 15000
assert_eq "reverse: we received" "$(jget "$J" .local_recv.rx.packets)" 15000
assert_eq "reverse: lost" "$(jget "$J" .summary.server_to_client.lost)" 0
assert_eq "reverse: frame size" "$(jget "$J" .server_source.config.frame_size)" 128
assert_eq "reverse: one-way valid here" "$(jget "$J" .local_recv.latency_ns.valid)" true

# ---- bidir
client bidir --size 64 --rate 10kpps --count 10000 --bidir --port 9301
assert_rc "bidir: client" $? 0
J=$(out bidir)
assert_eq "bidir: client->server received" "$(jget "$J" .summary.client_to_server.received)" 10000
assert_eq "bidir: server->client received" "$(jget "$J" .summary.server_to_client.received)" 10000
assert_eq "bidir: lost both ways" \
	"$(jget "$J" '.summary.client_to_server.lost + .summary.server_to_client.lost')" 0

# ---- rtt
client rtt --size 64 --rate 2kpps --count 2000 --rtt
assert_rc "rtt: client" $? 0
J=$(out rtt)
assert_eq "rtt: replies" "$(jget "$J" .local_ping.rx.packets)" 2000
assert_eq "rtt: reflected by the server" "$(jget "$J" .server_reflect.reflected)" 2000
assert_range "rtt: p50 (ns)" "$(jget "$J" .local_ping.rtt_ns.p50)" 1 5000000

# ---- a reflector answers only its client: a spoofed source is filtered
IP_3=${IP_A%.*}.3
in_a ip addr add "$IP_3/24" dev "$DEV_A"
r=$(api POST /v1/sessions '{"role":"reflect","duration":"20s","rate":"1kpps"}')
assert_eq "reflect session: status" "$(status_of "$r")" 201
RID=$(body_of "$r" | jq -r .id)
RPORT=$(body_of "$r" | jq -r .data.port)
run_in spoof "$NS_A" 20 "$LINERATE" send --backend udp --src "$IP_3:9999" \
	--dst "$IP_B:$RPORT" --rate 1kpps --count 100 --json
assert_rc "send from another address" $? 0
api DELETE "/v1/sessions/$RID" >/dev/null
r=$(api GET "/v1/sessions/$RID/report")
assert_eq "reflector: packets from a stranger filtered" "$(body_of "$r" | jq -r .rx.filtered)" 100
assert_eq "reflector: none of them reflected" "$(body_of "$r" | jq -r .reflected)" 0
r=$(api POST /v1/sessions '{"role":"reflect","backend":"xdp"}')
assert_eq "reflect with the in-kernel reflector: refused" "$(status_of "$r")" 400

# ---- two clients at once
bg_start two1 "$NS_A" 40 "$LINERATE" client "$API" --token-file "$TOKEN_FILE" --backend udp \
	--json --size 64 --rate 10kpps --count 30000
bg_start two2 "$NS_A" 40 "$LINERATE" client "$API" --token-file "$TOKEN_FILE" --backend udp \
	--json --size 256 --rate 10kpps --count 30000 --reverse --port 9302
bg_wait two1
assert_rc "two at once: first client" $? 0
bg_wait two2
assert_rc "two at once: second client" $? 0
assert_eq "two at once: first counted" "$(jget "$(out two1)" .server_sink.rx.packets)" 30000
assert_eq "two at once: second counted" "$(jget "$(out two2)" .local_recv.rx.packets)" 30000

# ---- limits: each answer names its limit and changes nothing
r=$(api POST /v1/sessions '{"role":"sink","duration":"61s"}')
assert_eq "max-duration: status" "$(status_of "$r")" 403
assert_eq "max-duration: limit" "$(body_of "$r" | jq -r .limit)" max-duration
r=$(api POST /v1/sessions '{"role":"source","port":9303,"rate":"1Gbps"}')
assert_eq "max-rate: status" "$(status_of "$r")" 403
assert_eq "max-rate: limit" "$(body_of "$r" | jq -r .limit)" max-rate
r=$(api POST /v1/sessions '{"role":"source","port":9303,"rate":"max"}')
assert_eq "max-rate (rate max): status" "$(status_of "$r")" 403
r=$(api POST /v1/sessions "{\"role\":\"source\",\"port\":9303,\"dst\":\"${IP_B%.*}.99\"}")
assert_eq "a third party as target: status" "$(status_of "$r")" 403
assert_eq "a third party as target: field" "$(body_of "$r" | jq -r .field)" dst
ids=()
for i in 1 2 3; do
	r=$(api POST /v1/sessions '{"role":"sink","duration":"20s"}')
	assert_eq "held sink $i: status" "$(status_of "$r")" 201
	ids+=("$(body_of "$r" | jq -r .id)")
done
r=$(api POST /v1/sessions '{"role":"sink","duration":"20s"}')
assert_eq "max-sessions: status" "$(status_of "$r")" 429
assert_eq "max-sessions: limit" "$(body_of "$r" | jq -r .limit)" max-sessions
for id in "${ids[@]}"; do
	r=$(api DELETE "/v1/sessions/$id")
	assert_eq "delete $id: state" "$(body_of "$r" | jq -r .state)" done
done
REFUSED=$(in_a curl -s -m 5 -H "Authorization: Bearer $TOKEN" "http://$API/metrics" |
	awk '$1 == "linerate_sessions_refused_total" { print $2 }')
assert_eq "metrics: refused sessions" "$REFUSED" 5

# ---- a client killed mid-test: its session ends by the idle timeout
bg_start killed "$NS_A" 40 "$LINERATE" client "$API" --token-file "$TOKEN_FILE" --backend udp \
	--rate 10kpps --duration 30s --reverse --port 9304 --quiet
sleep 1.5
# The client itself, not the `timeout` that runs it.
pkill -KILL -P "${PID_OF[killed]}" 2>/dev/null
sleep 0.2
r=$(api GET /v1/sessions)
KID=$(body_of "$r" | jq -r '[.sessions[] | select(.role == "source" and .state == "running")][0].id')
assert_true "the killed client's source session is running" test -n "$KID" -a "$KID" != null
# Only the list is polled now: it is not contact with that session.
for ((i = 0; i < 50; i++)); do
	st=$(in_a curl -s -m 2 -H "Authorization: Bearer $TOKEN" "http://$API/v1/sessions" |
		jq -r --arg id "$KID" '.sessions[] | select(.id == $id) | .state')
	[[ $st == done ]] && break
	sleep 0.5
done
r=$(api GET "/v1/sessions/$KID")
assert_eq "killed client: session ended" "$(body_of "$r" | jq -r .state)" done
assert_eq "killed client: by the idle timeout" "$(body_of "$r" | jq -r .end_reason)" idle
client after --size 64 --rate 20kpps --count 5000
assert_rc "a new test runs after the killed one" $? 0
assert_eq "the new test counted" "$(jget "$(out after)" .server_sink.rx.packets)" 5000

# ---- metrics: the counters of the sessions above
M=$WORKDIR/metrics.txt
in_a curl -s -m 5 -H "Authorization: Bearer $TOKEN" "http://$API/metrics" >"$M"
assert_true "metrics: linerate_up 1" grep -qx 'linerate_up 1' "$M"
CREATED=$(awk '$1 == "linerate_sessions_created_total" { print $2 }' "$M")
assert_range "metrics: sessions created" "$CREATED" 12 20
RX=$(awk '$1 == "linerate_rx_packets_total" { print $2 }' "$M")
# forward 20000 + bidir 10000 + rtt 2000 (reflector) + two1 30000 + after 5000
assert_eq "metrics: packets received by all sinks and reflectors" "$RX" 67000
assert_true "metrics: a per-session series" grep -q '^linerate_session_rx_packets_total{id="' "$M"
# The bidir sessions sent: their pacing is there, and the exposition parses.
assert_true "metrics: a sender's departure gap p99" grep -q '^linerate_session_tx_gap_p99_seconds{id="' "$M"
assert_true "metrics: a sender's largest lateness" grep -q '^linerate_session_tx_late_max_seconds{id="' "$M"
if command -v promtool >/dev/null; then
	assert_true "metrics: promtool check metrics" sh -c "promtool check metrics <'$M'"
fi

# ---- TLS
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=linerate-test" \
	-addext "subjectAltName=IP:$IP_B" -keyout "$WORKDIR/key.pem" -out "$WORKDIR/cert.pem" \
	>/dev/null 2>&1 || fatal "openssl could not make a test certificate"
chmod 600 "$WORKDIR/key.pem"
bg_start tls "$NS_B" 60 "$LINERATE" server --api "$IP_B:9443" --token-file "$TOKEN_FILE" \
	--tls-cert "$WORKDIR/cert.pem" --tls-key "$WORKDIR/key.pem" --data-ports 9400-9410
for ((i = 0; i < 50; i++)); do
	in_a curl -s -m 1 --cacert "$WORKDIR/cert.pem" "https://$IP_B:9443/v1/health" >/dev/null 2>&1 && break
	sleep 0.1
done
assert_eq "TLS: health" "$(in_a curl -s -m 2 --cacert "$WORKDIR/cert.pem" "https://$IP_B:9443/v1/health" | jq -r .status)" ok
r=$(in_a curl -s -m 2 -o /dev/null -w '%{http_code}' "http://$IP_B:9443/v1/health")
assert_true "TLS: plain HTTP gets no answer ($r)" test "$r" != 200
run_in tlsclient "$NS_A" 40 "$LINERATE" client "$IP_B:9443" --token-file "$TOKEN_FILE" \
	--cacert "$WORKDIR/cert.pem" --backend udp --json --size 64 --rate 10kpps --count 5000
assert_rc "TLS: client" $? 0
assert_eq "TLS: counted" "$(jget "$(out tlsclient)" .server_sink.rx.packets)" 5000
run_in tlsbad "$NS_A" 20 "$LINERATE" client "$IP_B:9443" --token-file "$TOKEN_FILE" \
	--tls --backend udp --json --count 10
assert_rc "TLS: an unverifiable certificate is refused" $? 1

# ---- the server ends cleanly on SIGTERM
kill -TERM "$SERVER_PID"
bg_wait server
assert_rc "server exits 0 on SIGTERM" $? 0
finish
