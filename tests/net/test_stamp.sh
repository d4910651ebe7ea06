#!/usr/bin/env bash
# stamp (in a) against stamp-reflect (in b) over udp: exact counts,
# one-way delays that are never negative on one host clock, loss split by
# direction from a stateful reflector's numbers (the drops made by
# iptables "statistic nth" rules, whose counters are the truth),
# authenticated mode, and the reflector's bad-packet and rate-limit
# counters from crafted packets (tests/net/stamp_craft.py).
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq python3 iptables
require_binary
lab_up "$(lab_name s)"
CRAFT="$(dirname "$0")/stamp_craft.py"
KEY=$WORKDIR/key
printf 'linerate-net-test-key\n' >"$KEY"

start_stamp_reflect() {
	local tag=$1 port=$2
	shift 2
	bg_start "$tag" "$NS_B" 30 "$LINERATE" stamp-reflect "$@"
	wait_udp_listen "$NS_B" "$port" 5 ||
		fatal "$tag: stamp-reflect did not bind port $port within 5 s"
}

# ---- bad flags: exit code 2, one line
for args in "stamp --dst $IP_B:862 --size 70" "stamp --dst $IP_B:862 --ssid 0" \
	"stamp --dst $IP_B:862 --key-file $WORKDIR/none" \
	"stamp-reflect --rate-limit fast" "stamp-reflect --size 64 --key-file $KEY" \
	"stamp --dst $IP_B:862 --padding ones"; do
	# shellcheck disable=SC2086 # word splitting wanted
	lr $args >/dev/null 2>"$WORKDIR/flag.err"
	assert_rc "bad flags: linerate $args" $? 2
	assert_eq "bad flags: one line for linerate $args" "$(wc -l <"$WORKDIR/flag.err")" 1
done

# ---- no reflector: the run failed (exit 3, one line saying so)
run_in noreflector "$NS_A" 30 "$LINERATE" stamp --dst "$IP_B:8620" --count 20 \
	--rate 200pps --json
assert_rc "no reflector: exit code 3" $? 3
assert_eq "no reflector: one line on stderr" "$(wc -l <"$(err noreflector)")" 1
assert_true "no reflector: it says no replies came back" grep -q "no replies" "$(err noreflector)"
assert_eq "no reflector: tx.packets" "$(jget "$(out noreflector)" .tx.packets)" 20
assert_eq "no reflector: rx.packets" "$(jget "$(out noreflector)" .rx.packets)" 0

# ---- 1: unauthenticated, stateless, default port 862
N=300
start_stamp_reflect refl1 862 --idle-timeout 1s --json
run_in stamp1 "$NS_A" 30 "$LINERATE" stamp --dst "$IP_B:862" --count $N \
	--rate 1000pps --clock-sync host --ssid 4660 --json
assert_rc "unauth: stamp" $? 0
bg_wait refl1
assert_rc "unauth: stamp-reflect" $? 0
S=$(out stamp1)
R=$(out refl1)
assert_eq "unauth: role" "$(jget "$S" .role)" stamp
assert_eq "unauth: tx.packets" "$(jget "$S" .tx.packets)" $N
assert_eq "unauth: rx.packets" "$(jget "$S" .rx.packets)" $N
assert_eq "unauth: rx.lost" "$(jget "$S" .rx.lost)" 0
assert_eq "unauth: rtt samples" "$(jget "$S" .rtt_ns.count)" $N
assert_eq "unauth: frame size (smallest STAMP frame over IPv4)" "$(jget "$S" .config.frame_size)" 90
assert_eq "unauth: reflector reflected" "$(jget "$R" .reflected)" $N
assert_eq "unauth: reflector rx_packets" "$(jget "$R" .rx_packets)" $N
assert_eq "unauth: reflector bytes back = bytes in" "$(jget "$R" .tx_bytes)" "$(jget "$R" .rx_bytes)"
assert_eq "unauth: reflector bytes in (44 per packet)" "$(jget "$R" .rx_bytes)" $((N * 44))
assert_eq "unauth: reflector kernel timestamps" "$(jget "$R" .rx_timestamps)" kernel
assert_eq "unauth: reflector kind (SSID echoed)" "$(jget "$S" .stamp.reflector_kind)" stamp-rfc8972
assert_eq "unauth: stateless reflector seen as such" "$(jget "$S" .stamp.reflector_stateful)" false
assert_eq "unauth: TTL the reflector saw (one hop, 64)" "$(jget "$S" .stamp.reflector_saw_ttl_min)" 64
assert_eq "unauth: one-way valid on one host clock" "$(jget "$S" .stamp.clock.valid)" true
assert_eq "unauth: forward samples" "$(jget "$S" .stamp.forward_ns.samples)" $N
assert_eq "unauth: forward: receive < send never" "$(jget "$S" .stamp.forward_ns.negative)" 0
assert_eq "unauth: reverse: receive < send never" "$(jget "$S" .stamp.reverse_ns.negative)" 0
assert_true "unauth: 0 <= forward min <= p50 <= max < 50 ms" quiet \
	jq -e '.stamp.forward_ns | .min >= 0 and .min <= .p50 and .p50 <= .max and .max < 50000000' "$S"
assert_true "unauth: 0 <= reverse min <= p50 <= max < 50 ms" quiet \
	jq -e '.stamp.reverse_ns | .min >= 0 and .min <= .p50 and .p50 <= .max and .max < 50000000' "$S"
# forward + reverse = round trip + the reflector's time, per packet; so
# the minima cannot add to less than the smallest round trip.
assert_true "unauth: fwd.min + rev.min <= rtt.min + residence.max" quiet \
	jq -e '.stamp.forward_ns.min + .stamp.reverse_ns.min <= .rtt_ns.min + .stamp.reflector_residence_ns.max + 2' "$S"
assert_eq "unauth: per-direction loss not claimed (stateless)" "$(jget "$S" .stamp.forward_ns.lost)" null

# ---- 2: authenticated, stateful, TLV padding, loss in both directions
N=200
# On arrival (INPUT): a drop in OUTPUT would be an error the sender sees.
in_b iptables -w -A INPUT -p udp --dport 862 -m statistic --mode nth --every 10 --packet 0 -j DROP
in_a iptables -w -A INPUT -p udp --sport 862 -m statistic --mode nth --every 7 --packet 0 -j DROP
on_cleanup "ip netns exec $NS_A iptables -w -F INPUT; ip netns exec $NS_B iptables -w -F INPUT"
start_stamp_reflect refl2 862 --idle-timeout 1s --json --stateful --key-file "$KEY"
run_in stamp2 "$NS_A" 30 "$LINERATE" stamp --dst "$IP_B:862" --count $N \
	--rate 1000pps --clock-sync host --key-file "$KEY" --padding tlv --size 200 \
	--wait 500ms --json
assert_rc "auth: stamp" $? 0
bg_wait refl2
assert_rc "auth: stamp-reflect" $? 0
fwd_drops=$(in_b iptables -w -L INPUT -v -x -n | awk '/statistic/ { print $1 }')
rev_drops=$(in_a iptables -w -L INPUT -v -x -n | awk '/statistic/ { print $1 }')
in_a iptables -w -F INPUT
in_b iptables -w -F INPUT
S=$(out stamp2)
R=$(out refl2)
assert_eq "auth: forward drops by the rule (1 in 10)" "$fwd_drops" 20
assert_eq "auth: reverse drops by the rule (1 in 7 of 180)" "$rev_drops" 26
assert_eq "auth: mode" "$(jget "$S" .stamp.mode)" authenticated
assert_eq "auth: reflector mode" "$(jget "$R" .mode)" authenticated
assert_eq "auth: tx.packets" "$(jget "$S" .tx.packets)" $N
assert_eq "auth: rx.packets" "$(jget "$S" .rx.packets)" $((N - fwd_drops - rev_drops))
assert_eq "auth: round-trip lost" "$(jget "$S" .rx.lost)" $((fwd_drops + rev_drops))
assert_eq "auth: reflector received" "$(jget "$R" .rx_packets)" $((N - fwd_drops))
assert_eq "auth: sender tx errors" "$(jget "$S" .tx.errors)" 0
assert_eq "auth: reflector tx errors" "$(jget "$R" .tx_errors)" 0
assert_eq "auth: reflector reflected" "$(jget "$R" .reflected)" $((N - fwd_drops))
assert_eq "auth: reflector bad_hmac" "$(jget "$R" .dropped.bad_hmac)" 0
assert_eq "auth: reflector sessions" "$(jget "$R" .sessions)" 1
assert_eq "auth: stateful reflector recognized" "$(jget "$S" .stamp.reflector_stateful)" true
assert_eq "auth: forward loss" "$(jget "$S" .stamp.forward_ns.lost)" "$fwd_drops"
assert_eq "auth: reverse loss" "$(jget "$S" .stamp.reverse_ns.lost)" "$rev_drops"
assert_eq "auth: Extra Padding TLVs not flagged" "$(jget "$S" .stamp.tlv_flagged)" 0
assert_eq "auth: replies with a bad HMAC" "$(jget "$S" .stamp.replies_refused.bad_hmac)" 0
assert_eq "auth: bytes back = bytes in" "$(jget "$R" .tx_bytes)" $(((N - fwd_drops) * (200 - 46)))
assert_eq "auth: forward negative" "$(jget "$S" .stamp.forward_ns.negative)" 0
assert_eq "auth: reverse negative" "$(jget "$S" .stamp.reverse_ns.negative)" 0

# ---- 3: bad packets at an authenticated reflector: counted, never reflected
start_stamp_reflect refl3 8620 --listen "$IP_B:8620" --idle-timeout 1s --json \
	--key-file "$KEY" --size 200 --rate-limit 0
run_in craft3 "$NS_A" 20 python3 "$CRAFT" bad "$IP_B" 8620
assert_rc "bad: crafted packets sent" $? 0
bg_wait refl3
R=$(out refl3)
C=$(out craft3)
assert_eq "bad: nothing came back" "$(jget "$C" .replies)" 0
assert_eq "bad: reflected" "$(jget "$R" .reflected)" 0
assert_eq "bad: received" "$(jget "$R" .rx_packets)" 14
for reason in short oversize wrong_mode bad_hmac; do
	assert_eq "bad: dropped.$reason" "$(jget "$R" ".dropped.$reason")" "$(jget "$C" ".sent.$reason")"
done

# ---- 4: the per-source rate limit (10 pps: a burst of 32, then refused)
start_stamp_reflect refl4 8621 --listen "$IP_B:8621" --idle-timeout 1s --json --rate-limit 10
run_in craft4 "$NS_A" 20 python3 "$CRAFT" flood "$IP_B" 8621 100
assert_rc "rate: crafted packets sent" $? 0
bg_wait refl4
R=$(out refl4)
C=$(out craft4)
reflected=$(jget "$R" .reflected)
assert_range "rate: reflected = the burst (+1 token at most)" "$reflected" 32 33
assert_eq "rate: rate_limited = the rest" "$(jget "$R" .dropped.rate_limited)" $((100 - reflected))
assert_eq "rate: replies received = reflected" "$(jget "$C" .replies)" "$reflected"

# ---- PTPv2 timestamps (the Z flag): answered in the same format
start_stamp_reflect reflptp 862 --idle-timeout 1s --json
run_in stampptp "$NS_A" 20 "$LINERATE" stamp --dst "$IP_B:862" --count 50 \
	--rate 1000pps --clock-sync host --timestamp ptp --json
assert_rc "ptp: stamp" $? 0
bg_wait reflptp
assert_eq "ptp: replies in PTP format (reflector)" "$(jget "$(out reflptp)" .ptp_replies)" 50
S=$(out stampptp)
assert_eq "ptp: replies in PTP format (sender)" "$(jget "$S" .stamp.reflector_ptp_replies)" 50
assert_eq "ptp: timestamp format" "$(jget "$S" .stamp.timestamp_format)" ptpv2
assert_eq "ptp: forward negative" "$(jget "$S" .stamp.forward_ns.negative)" 0
assert_true "ptp: 0 <= forward, reverse < 50 ms" quiet \
	jq -e '.stamp.forward_ns.max < 50000000 and .stamp.reverse_ns.max < 50000000 and .stamp.reverse_ns.min >= 0' "$S"

# ---- 5: against a TWAMP-Light reflector (tests/net/stamp_craft.py twamp)
N=50
bg_start twamp "$NS_B" 20 python3 "$CRAFT" twamp "$IP_B" 8622 $N
wait_udp_listen "$NS_B" 8622 5 || fatal "the TWAMP-Light reflector did not bind"
run_in stamp5 "$NS_A" 20 "$LINERATE" stamp --dst "$IP_B:8622" --count $N \
	--rate 500pps --clock-sync host --json
assert_rc "twamp-light: stamp" $? 0
bg_wait twamp
assert_rc "twamp-light: reflector answered all" $? 0
S=$(out stamp5)
assert_eq "twamp-light: rx.packets" "$(jget "$S" .rx.packets)" $N
assert_eq "twamp-light: which kind answered (no SSID)" \
	"$(jget "$S" .stamp.reflector_kind)" twamp-light-or-rfc8762
assert_eq "twamp-light: TTL it saw" "$(jget "$S" .stamp.reflector_saw_ttl_min)" 64
assert_eq "twamp-light: forward negative" "$(jget "$S" .stamp.forward_ns.negative)" 0
assert_eq "twamp-light: reverse negative" "$(jget "$S" .stamp.reverse_ns.negative)" 0

# ---- 6: IPv6 (on this host's loopback: the lab has IPv6 off)
P6=$((20000 + $$ % 10000))
if ip -6 addr show dev lo 2>/dev/null | grep -q '::1'; then
	timeout 20 "$LINERATE" stamp-reflect --listen "[::1]:$P6" --idle-timeout 1s \
		--stateful --json >"$WORKDIR/refl6.out" 2>"$WORKDIR/refl6.err" &
	PID6=$!
	BG_PIDS+=("$PID6") # cleanup ends it if the test stops early
	for ((i = 0; i < 50; i++)); do
		ss -H -uln "sport = :$P6" | grep -q . && break
		sleep 0.05
	done
	timeout 20 "$LINERATE" stamp --dst "[::1]:$P6" --count 100 --rate 1000pps \
		--clock-sync host --json >"$WORKDIR/stamp6.out" 2>"$WORKDIR/stamp6.err"
	assert_rc "ipv6: stamp" $? 0
	wait "$PID6"
	assert_rc "ipv6: stamp-reflect" $? 0
	S=$WORKDIR/stamp6.out
	R=$WORKDIR/refl6.out
	assert_eq "ipv6: rx.packets" "$(jget "$S" .rx.packets)" 100
	assert_eq "ipv6: frame size (smallest over IPv6)" "$(jget "$S" .config.frame_size)" 110
	assert_eq "ipv6: hop limit the reflector saw" "$(jget "$S" .stamp.reflector_saw_ttl_min)" 64
	assert_eq "ipv6: forward negative" "$(jget "$S" .stamp.forward_ns.negative)" 0
	assert_eq "ipv6: reflected" "$(jget "$R" .reflected)" 100
else
	echo "SKIP ipv6: no ::1 on lo"
fi

finish
