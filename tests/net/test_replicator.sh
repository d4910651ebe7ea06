#!/usr/bin/env bash
# retries: 1
# linerate replicate in b, a feed (linerate send) and four subscribers
# (linerate recv, each on an address of its own added to a) in a. For each
# backend: three subscribers from the start get every packet exactly once
# and in order; a fourth added over the API mid-run gets everything from
# its first packet on; one removed mid-run gets nothing after the DELETE
# answered, while the others lose nothing. Invalid subscriber requests get
# a 4xx naming the field and change nothing. A ping through the replicator
# to a reflector subscriber (--return-path) comes back. Subscribers on the
# replicator's own host (loopback, its addresses, ::ffff: forms) and a
# subnet's network address are refused unless --allow-local lists the port.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq curl
require_binary
lab_up "$(lab_name rp)" --subnet 10.81.7

NET=${IP_A%.*}
SUB_A=$NET.11 SUB_B=$NET.12 SUB_C=$NET.13 SUB_D=$NET.14
for ip in $SUB_A $SUB_B $SUB_C $SUB_D; do
	in_a ip addr add "$ip/24" dev "$DEV_A" || fatal "cannot add $ip to $DEV_A"
	# The raw backends find the next hop in the neighbour table.
	in_b ip neigh replace "$ip" lladdr "$MAC_A" dev "$DEV_B" nud permanent ||
		fatal "cannot add the neighbour $ip in $NS_B"
done
LISTEN=$IP_B:7000
API=$IP_B:9280
TOKEN_FILE=$WORKDIR/token
TOKEN=$(new_token "$TOKEN_FILE")
RATE=10kpps
FEED_S=5

start_replicator() { # TAG BACKEND ARGS...
	local tag=$1 be=$2 i
	shift 2
	bg_start "$tag" "$NS_B" 60 "$LINERATE" replicate --backend "$be" --listen "$LISTEN" \
		--api "$API" --token-file "$TOKEN_FILE" --json --duration 40s "$@"
	for ((i = 0; i < 100; i++)); do
		in_a curl -s -m 1 "http://$API/v1/health" >/dev/null 2>&1 && return 0
		bg_running "$tag" || break
		sleep 0.1
	done
	fatal "$tag: the replicator's API did not come up (see $tag.err)"
}

stop_replicator() { # TAG
	kill -TERM "${PID_OF[$1]}" 2>/dev/null
	bg_wait "$1"
}

# ---- the API refuses what it must, and changes nothing
api_checks() {
	local r before after
	start_replicator api udp --subscriber "$SUB_A:8001"
	r=$(in_a curl -s -m 5 -w '\n%{http_code}' "http://$API/v1/replicator/subscribers")
	assert_eq "api: no token" "$(status_of "$r")" 401
	before=$(body_of "$(api GET /v1/replicator/subscribers)" | jq -c '[.subscribers[] | [.id, .address, .port]]')
	assert_eq "api: the --subscriber is listed" "$before" "[[1,\"$SUB_A\",8001]]"
	check_refused() { # NAME BODY STATUS FIELD
		r=$(api POST /v1/replicator/subscribers "$2")
		assert_eq "api: $1: status" "$(status_of "$r")" "$3"
		if [[ -n $4 ]]; then
			assert_eq "api: $1: field" "$(body_of "$r" | jq -r .field)" "$4"
		fi
	}
	check_refused "broadcast" '{"address":"255.255.255.255","port":9}' 400 address
	check_refused "subnet broadcast" "{\"address\":\"$NET.255\",\"port\":9}" 400 address
	check_refused "unspecified" '{"address":"0.0.0.0","port":9}' 400 address
	check_refused "own listen address" "{\"address\":\"$IP_B\",\"port\":9}" 400 address
	check_refused "multicast" '{"address":"239.1.1.1","port":9}' 400 address
	check_refused "port 0" "{\"address\":\"$SUB_B\",\"port\":0}" 400 port
	check_refused "port 65536" "{\"address\":\"$SUB_B\",\"port\":65536}" 400 port
	check_refused "port as text" "{\"address\":\"$SUB_B\",\"port\":\"9\"}" 400 port
	check_refused "no port" "{\"address\":\"$SUB_B\"}" 400 port
	check_refused "not an address" '{"address":"10.1.2","port":9}' 400 address
	check_refused "unknown field" "{\"address\":\"$SUB_B\",\"port\":9,\"ttl\":3}" 400 ttl
	check_refused "duplicate key" "{\"address\":\"$SUB_B\",\"port\":9,\"port\":10}" 400 ""
	check_refused "not JSON" 'address=1' 400 ""
	check_refused "already subscribed" "{\"address\":\"$SUB_A\",\"port\":8001}" 409 address
	r=$(api DELETE "/v1/replicator/subscribers/$SUB_B:9")
	assert_eq "api: delete a non-subscriber" "$(status_of "$r")" 404
	r=$(api DELETE "/v1/replicator/subscribers/nonsense")
	assert_eq "api: delete a bad endpoint" "$(status_of "$r")" 400
	# The route table: a bad endpoint is refused whatever the method, a
	# known path with another method is 405, an unknown one 404.
	r=$(api POST "/v1/replicator/subscribers/nonsense")
	assert_eq "api: POST on a bad endpoint" "$(status_of "$r")" 400
	assert_eq "api: POST on a bad endpoint: field" "$(body_of "$r" | jq -r .field)" address
	r=$(api PUT "/v1/replicator/subscribers/$SUB_A:8001")
	assert_eq "api: PUT on a subscriber" "$(status_of "$r")" 405
	assert_eq "api: PUT on a subscriber: says so" "$(body_of "$r" | jq -r .error)" \
		"method PUT not allowed on /v1/replicator/subscribers/$SUB_A:8001"
	r=$(api DELETE /v1/replicator)
	assert_eq "api: DELETE /v1/replicator" "$(status_of "$r")" 405
	r=$(api GET /v1/replicator/)
	assert_eq "api: GET /v1/replicator/" "$(status_of "$r")" 404
	assert_eq "api: GET /v1/replicator/: says so" "$(body_of "$r" | jq -r .error)" \
		"no such resource: /v1/replicator/"
	run_in cli-bad "$NS_A" 10 "$LINERATE" subscribers "$IP_B" --token-file "$TOKEN_FILE" add 255.255.255.255:9
	assert_rc "cli: add broadcast refused" $? 2
	assert_true "cli: the refusal names the address" grep -q "broadcast" "$(err cli-bad)"
	after=$(body_of "$(api GET /v1/replicator/subscribers)" | jq -c '[.subscribers[] | [.id, .address, .port]]')
	assert_eq "api: nothing changed after the refusals" "$after" "$before"
	refused=$(body_of "$(api GET /v1/replicator)" | jq -r .api.refused)
	assert_eq "api: refusals counted" "$refused" 15
	# The subscriber limit (2 here: one given, one more).
	stop_replicator api
	start_replicator limit udp --max-subscribers 2 --subscriber "$SUB_A:8001"
	check_refused "second subscriber" "{\"address\":\"$SUB_B\",\"port\":8002}" 201 ""
	r=$(api POST /v1/replicator/subscribers "{\"address\":\"$SUB_C\",\"port\":8003}")
	assert_eq "api: over --max-subscribers" "$(status_of "$r")" 403
	assert_eq "api: the limit is named" "$(body_of "$r" | jq -r .limit)" max-subscribers
	stop_replicator limit
	run_in no-token "$NS_B" 5 "$LINERATE" replicate --listen "$LISTEN" --api "$IP_B" --duration 1s
	assert_rc "replicate: non-loopback API without a token" $? 2
}

# ---- one backend: three from the start, one added, one removed
replicate_run() { # BACKEND EXTRA-ARGS...
	local be=$1 t=rp-$1 r n feed_rx
	shift
	for s in A:$SUB_A:8001 B:$SUB_B:8002 C:$SUB_C:8003 D:$SUB_D:8004; do
		IFS=: read -r name ip port <<<"$s"
		bg_start "$be-sub$name" "$NS_A" 40 "$LINERATE" recv --backend udp --listen "$ip:$port" \
			--idle-timeout 2s --interval 250ms --json
		wait_udp_listen "$NS_A" "$port" 5 || fatal "$be: recv on $ip:$port did not start"
	done
	start_replicator "$t" "$be" --subscriber "$SUB_A:8001" --subscriber "$SUB_B:8002" \
		--subscriber "$SUB_C:8003" "$@"
	bg_start "$be-feed" "$NS_A" 30 "$LINERATE" send --backend udp --dst "$LISTEN" \
		--rate "$RATE" --duration "${FEED_S}s" --json
	sleep 2
	run_in "$be-add" "$NS_A" 10 "$LINERATE" subscribers "$IP_B" --token-file "$TOKEN_FILE" \
		--json add "$SUB_D:8004"
	assert_rc "$be: add $SUB_D mid-run" $? 0
	sleep 2
	r=$(api DELETE "/v1/replicator/subscribers/$SUB_C:8003")
	assert_eq "$be: remove $SUB_C mid-run" "$(status_of "$r")" 200
	local c_sent_at_delete
	c_sent_at_delete=$(body_of "$r" | jq -r .sent)
	bg_wait "$be-feed"
	assert_rc "$be: feed" $? 0
	n=$(jget "$(out "$be-feed")" .tx.packets)
	sleep 0.5
	feed_rx=$(body_of "$(api GET /v1/replicator)" | jq -r .replicated)
	assert_eq "$be: GET /v1/replicator replicated" "$feed_rx" "$n"
	assert_true "$be: /metrics has the subscriber counters" \
		quiet grep -q "linerate_replicator_subscriber_sent_total{id=\"4\",address=\"$SUB_D\",port=\"8004\"}" \
		<(api GET /metrics)
	stop_replicator "$t"
	assert_rc "$be: replicator" $? 0
	local R
	R=$(out "$t")
	for name in A B C D; do
		bg_wait "$be-sub$name"
	done
	log "$be: feed $n packets; replicator: $(jq -c '{rx: .rx.packets, replicated, tx: .tx.packets, dropped: .tx.dropped, not: .not_replicated.total}' "$R")"
	# afpacket sees every frame on the interface (the API's TCP, ARP):
	# those are received and counted as not UDP / other address or port.
	local other
	other=$(jq '.not_replicated | .not_udp + .other_address + .other_port' "$R")
	assert_eq "$be: replicator received the feed" "$(($(jget "$R" .rx.packets) - other))" "$n"
	assert_eq "$be: replicated all of it" "$(jget "$R" .replicated)" "$n"
	assert_eq "$be: none of the feed left out" "$(($(jget "$R" .not_replicated.total) - other))" 0
	assert_eq "$be: copies dropped" "$(jget "$R" .tx.dropped)" 0
	local sent_sum
	sent_sum=$(jq '[.subscribers.active[].sent, .subscribers.removed[].sent] | add' "$R")
	assert_eq "$be: tx.packets = sum over subscribers" "$(jget "$R" .tx.packets)" "$sent_sum"
	for name in A B; do
		local J
		J=$(out "$be-sub$name")
		assert_eq "$be: subscriber $name received" "$(jget "$J" .rx.packets)" "$n"
		assert_eq "$be: subscriber $name lost" "$(jget "$J" .rx.lost)" 0
		assert_eq "$be: subscriber $name reordered" "$(jget "$J" .rx.reordered)" 0
		assert_eq "$be: subscriber $name duplicates" "$(jget "$J" .rx.duplicates)" 0
	done
	# D, added mid-run: what it got is exactly what the replicator sent it
	# after the add, in order, up to the end of the feed; what it lacks is
	# exactly what arrived before it joined; no loss once it had its first
	# packet (the per-interval loss is all in the interval of its first).
	local JD d_rx d_sent
	JD=$(out "$be-subD")
	d_rx=$(jget "$JD" .rx.packets)
	d_sent=$(jq -r ".subscribers.active[] | select(.address == \"$SUB_D\") | .sent" "$R")
	assert_gt "$be: D received some" "$d_rx" 0
	assert_lt "$be: D joined late" "$d_rx" "$n"
	assert_eq "$be: D received what was sent to it" "$d_rx" "$d_sent"
	assert_eq "$be: D received up to the end" "$(jget "$JD" .rx.expected)" "$n"
	assert_eq "$be: D missed only what came before it joined" "$(jget "$JD" .rx.lost)" "$((n - d_rx))"
	assert_eq "$be: D reordered" "$(jget "$JD" .rx.reordered)" 0
	assert_eq "$be: D duplicates" "$(jget "$JD" .rx.duplicates)" 0
	assert_eq "$be: D lost nothing after its first interval" \
		"$(jq '[.intervals | map(select(.rx_packets > 0)) | .[1:][] | .rx_lost] | add // 0' "$JD")" 0
	# C, removed mid-run: a gapless start of the feed, and nothing after
	# the DELETE answered (its final count is the one the DELETE gave).
	local JC c_rx
	JC=$(out "$be-subC")
	c_rx=$(jget "$JC" .rx.packets)
	assert_eq "$be: C received what the DELETE reported" "$c_rx" "$c_sent_at_delete"
	assert_eq "$be: C's final count is the DELETE's" \
		"$(jq -r ".subscribers.removed[] | select(.address == \"$SUB_C\") | .sent" "$R")" "$c_sent_at_delete"
	assert_lt "$be: C stopped before the end" "$c_rx" "$n"
	assert_eq "$be: C got a gapless start" "$(jget "$JC" .rx.expected)" "$c_rx"
	assert_eq "$be: C duplicates" "$(jget "$JC" .rx.duplicates)" 0
}

# ---- a round trip through the replicator: ping -> replicate -> reflect
round_trip() { # BACKEND
	local be=$1
	bg_start "$be-refl" "$NS_A" 20 "$LINERATE" reflect --backend udp --listen "$SUB_A:8001" \
		--idle-timeout 2s --quiet
	wait_udp_listen "$NS_A" 8001 5 || fatal "$be: reflect did not start"
	start_replicator "$be-rt" "$be" --return-path --subscriber "$SUB_A:8001"
	run_in "$be-ping" "$NS_A" 20 "$LINERATE" ping --backend udp --dst "$LISTEN" --rate 2kpps \
		--count 2000 --json
	assert_rc "$be: ping through the replicator" $? 0
	assert_eq "$be: round trips answered" "$(jget "$(out "$be-ping")" .rx.packets)" 2000
	assert_eq "$be: round trips lost" "$(jget "$(out "$be-ping")" .rx.lost)" 0
	stop_replicator "$be-rt"
	assert_eq "$be: returned to the pinger" "$(jget "$(out "$be-rt")" .return_path.returned)" 2000
	bg_wait "$be-refl"
}

# ---- subscribers on the replicator's own host, IPv4-mapped forms,
# network addresses: refused unless --allow-local lists the port
local_policy() {
	local r n
	in_b ip addr add "$NET.50/24" dev "$DEV_B" || fatal "cannot add $NET.50 to $DEV_B"
	start_replicator local udp
	check_refused() { # NAME BODY STATUS FIELD
		r=$(api POST /v1/replicator/subscribers "$2")
		assert_eq "local: $1: status" "$(status_of "$r")" "$3"
		[[ -z $4 ]] || assert_eq "local: $1: field" "$(body_of "$r" | jq -r .field)" "$4"
	}
	check_refused "loopback" '{"address":"127.0.0.1","port":8100}' 400 address
	check_refused "loopback, another one" '{"address":"127.0.0.53","port":53}' 400 address
	check_refused "this host's other address" "{\"address\":\"$NET.50\",\"port\":8100}" 400 address
	check_refused "the daemon's API port on this host" "{\"address\":\"$NET.50\",\"port\":9270}" 400 address
	check_refused "network address of the subnet" "{\"address\":\"$NET.0\",\"port\":9}" 400 address
	assert_true "local: the refusal says why" grep -q . <<<"$(body_of "$r" | jq -r .error | grep 'network address')"
	check_refused "::ffff: form of the listen address" "{\"address\":\"::ffff:$IP_B\",\"port\":9}" 400 address
	check_refused "::ffff: form of loopback" '{"address":"::ffff:127.0.0.1","port":8100}' 400 address
	check_refused "::ffff: form of the subnet broadcast" "{\"address\":\"::ffff:$NET.255\",\"port\":9}" 400 address
	check_refused "::ffff: form of a remote host" "{\"address\":\"::ffff:$SUB_B\",\"port\":8002}" 201 ""
	check_refused "... is that host (a duplicate)" "{\"address\":\"$SUB_B\",\"port\":8002}" 409 address
	n=$(body_of "$(api GET /v1/replicator/subscribers)" | jq -c '[.subscribers[] | [.address, .port]]')
	assert_eq "local: listed in IPv4 form" "$n" "[[\"$SUB_B\",8002]]"
	r=$(api DELETE "/v1/replicator/subscribers/\[::ffff:$SUB_B\]:8002")
	assert_eq "local: removed by its ::ffff: form" "$(status_of "$r")" 200
	stop_replicator local
	run_in local-cli "$NS_B" 5 "$LINERATE" replicate --backend udp --listen "$LISTEN" --api none \
		--subscriber 127.0.0.1:8100 --duration 1s
	assert_rc "local: --subscriber on loopback refused at start" $? 2
	assert_true "local: ... naming --allow-local" grep -q -- --allow-local "$(err local-cli)"
	for bad in 0 65536 9-8 8, x; do
		run_in local-bad "$NS_B" 5 "$LINERATE" replicate --listen "$LISTEN" --api none \
			--allow-local "$bad" --duration 1s
		assert_rc "local: --allow-local '$bad' is a bad flag" $? 2
	done

	# --allow-local 8100,9281: loopback at 8100 gets the feed; other ports,
	# and the replicator's own API port even when listed, do not.
	API=$IP_B:9281
	bg_start local-recv "$NS_B" 30 "$LINERATE" recv --backend udp --listen 127.0.0.1:8100 \
		--idle-timeout 0 --duration 15s --json
	wait_udp_listen "$NS_B" 8100 5 || fatal "local: recv on 127.0.0.1:8100 did not start"
	start_replicator local2 udp --allow-local 8100,9281
	check_refused "allowed port" '{"address":"127.0.0.1","port":8100}' 201 ""
	assert_eq "local: config.allow_local in the report" \
		"$(body_of "$(api GET /v1/replicator)" | jq -c .config.allow_local)" "[[8100,8100],[9281,9281]]"
	check_refused "another port" '{"address":"127.0.0.1","port":8101}' 400 port
	check_refused "the daemon's API port" "{\"address\":\"$NET.50\",\"port\":9270}" 400 port
	check_refused "its own API port, listed" '{"address":"127.0.0.1","port":9281}' 400 port
	run_in local-feed "$NS_A" 20 "$LINERATE" send --backend udp --dst "$LISTEN" --rate 2kpps --count 1000
	assert_rc "local: feed" $? 0
	sleep 0.5
	stop_replicator local2
	kill -TERM "${PID_OF[local-recv]}" 2>/dev/null
	bg_wait local-recv
	assert_eq "local: the allowed local subscriber got every packet" \
		"$(jget "$(out local-recv)" .rx.packets)" 1000
	API=$IP_B:9280
	in_b ip addr del "$NET.50/24" dev "$DEV_B"
}

api_checks
local_policy
replicate_run udp
replicate_run afpacket --low-latency
replicate_run afxdp
if in_b tc qdisc add dev "$DEV_B" clsact 2>/dev/null; then
	in_b tc qdisc del dev "$DEV_B" clsact
	replicate_run xdp
	round_trip xdp
else
	log "SKIP xdp: no clsact qdisc here"
fi
round_trip udp
finish
