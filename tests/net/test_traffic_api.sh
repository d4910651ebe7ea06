#!/usr/bin/env bash
# Marking and size mixes through linerate server / client: the client's
# --dscp and --size mix reach a server that sends (--reverse), and a server
# that receives reports per flow what arrived (forward).
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq curl
require_binary
lab_up "$(lab_name r)"

TOKEN_FILE=$WORKDIR/token
new_token "$TOKEN_FILE" >/dev/null
API=$IP_B:9270

bg_start server "$NS_B" 120 "$LINERATE" server --api "$IP_B" --token-file "$TOKEN_FILE" \
	--max-sessions 3 --idle-timeout 2s --max-duration 60s --max-rate 200Mbps
for ((i = 0; i < 50; i++)); do
	in_a curl -s -m 1 "http://$API/v1/health" >/dev/null 2>&1 && break
	sleep 0.1
done

client() { # TAG ARGS...
	local tag=$1
	shift
	run_in "$tag" "$NS_A" 40 "$LINERATE" client "$API" --token-file "$TOKEN_FILE" \
		--backend udp --json "$@"
}

# ---- reverse: the server sends IMIX marked AF31+ECT(0); we receive it.
# (The server admits a mix by its largest frame: 10 kpps x 1518 B fits
# the 200 Mbit/s limit.)
client rev --size imix --dscp AF31 --ecn ect0 --rate 10kpps --count 1200 --reverse --port 9300
assert_rc "reverse: client" $? 0
J=$(out rev)
assert_eq "reverse: the server's source config dscp" "$(jget "$J" .server_source.config.dscp)" AF31
assert_eq "reverse: the server's source config ecn" "$(jget "$J" .server_source.config.ecn)" ect0
assert_eq "reverse: the server's source mix period" "$(jget "$J" .server_source.config.size_mix.period)" 12
assert_eq "reverse: the server sent" "$(jget "$J" .server_source.tx.packets)" 1200
assert_eq "reverse: the server's bytes (100 IMIX periods)" "$(jget "$J" .server_source.tx.bytes)" 434200
assert_eq "reverse: we received" "$(jget "$J" .local_recv.rx.packets)" 1200
assert_eq "reverse: our bytes" "$(jget "$J" .local_recv.rx.bytes)" 434200
assert_eq "reverse: the flow arrived AF31" "$(jget "$J" '.local_recv.rx.per_flow[0].dscp | join(",")')" AF31
assert_eq "reverse: and ect0" "$(jget "$J" '.local_recv.rx.per_flow[0].ecn | join(",")')" ect0

# ---- forward: we send EF in two flows; the server's sink sees them so.
client fwd --dscp EF --flows 2 --rate 20kpps --count 2000
assert_rc "forward: client" $? 0
J=$(out fwd)
assert_eq "forward: the server received" "$(jget "$J" .server_sink.rx.packets)" 2000
assert_eq "forward: the server's per-flow view has both flows" \
	"$(jget "$J" '.server_sink.rx.per_flow | length')" 2
assert_eq "forward: both arrived EF" \
	"$(jget "$J" '[.server_sink.rx.per_flow[].dscp | join(",")] | unique | join(" ")')" EF

# ---- the API refuses what cannot run: a tag on the server's udp backend.
r=$(in_a curl -s -m 5 -w '\n%{http_code}' -H "Authorization: Bearer $(cat "$TOKEN_FILE")" \
	-H 'Content-Type: application/json' \
	--data-binary '{"role":"source","port":9400,"vlan":10}' "http://$API/v1/sessions")
assert_eq "API: vlan on udp refused" "$(tail -n1 <<<"$r")" 400
assert_eq "API: the error names the field" "$(sed '$d' <<<"$r" | jq -r .field)" vlan

finish
