#!/usr/bin/env bash
# reflect in b, ping from a: every probe comes back, the round trip is
# sub-millisecond on a bare veth and grows by exactly the delay the test
# adds on a's egress; the kernel sees no bad UDP checksum on either side.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq ss nstat
require_binary
lab_up "$(lab_name t)"

csum_a0=$(nstat_get "$NS_A" UdpInCsumErrors)
csum_b0=$(nstat_get "$NS_B" UdpInCsumErrors)

# run_case LABEL COUNT RATE
run_case() {
	local label=$1 count=$2 rate=$3 sent
	start_reflect "reflect-$label" 20 --idle-timeout 1s --json
	run_in "ping-$label" "$NS_A" 20 "$LINERATE" ping --backend udp --dst "$IP_B:$PORT" \
		--rate "$rate" --count "$count" --json
	assert_rc "$label: ping" $? 0
	bg_wait "reflect-$label"
	assert_rc "$label: reflect (ends by itself after 1 s idle)" $? 0
	PING_JSON=$(out "ping-$label")
	REFL_JSON=$(out "reflect-$label")
	assert_eq "$label: ping role" "$(jget "$PING_JSON" .role)" ping
	assert_eq "$label: reflect role" "$(jget "$REFL_JSON" .role)" reflect
	sent=$(jget "$PING_JSON" .tx.packets)
	assert_eq "$label: ping tx.packets" "$sent" "$count"
	assert_eq "$label: replies (rx.packets) = sent" "$(jget "$PING_JSON" .rx.packets)" "$sent"
	assert_eq "$label: rx.lost" "$(jget "$PING_JSON" .rx.lost)" 0
	assert_eq "$label: rtt_ns.count" "$(jget "$PING_JSON" .rtt_ns.count)" "$sent"
	assert_eq "$label: reflect.reflected = ping's sent" "$(jget "$REFL_JSON" .reflected)" "$sent"
	assert_eq "$label: reflect rx.packets" "$(jget "$REFL_JSON" .rx.packets)" "$sent"
	assert_eq "$label: reflect tx.packets" "$(jget "$REFL_JSON" .tx.packets)" "$sent"
	assert_eq "$label: reflect tx.errors" "$(jget "$REFL_JSON" .tx.errors)" 0
	assert_eq "$label: reflect rx.foreign" "$(jget "$REFL_JSON" .rx.foreign)" 0
	RTT_P50=$(jget "$PING_JSON" .rtt_ns.p50)
}

# ---- bare veth: rtt p50 > 0 and < 5 ms
run_case plain 1000 1000pps
assert_gt "plain: rtt_ns.p50 > 0" "$RTT_P50" 0
assert_lt "plain: rtt_ns.p50 < 5 ms" "$RTT_P50" 5000000
assert_true "plain: rtt min <= p50 <= p99 <= max" quiet \
	jq -e '.rtt_ns | .min <= .p50 and .p50 <= .p99 and .p99 <= .max' "$PING_JSON"

# ---- 5 ms on a's egress (the request leg): p50 in [5 ms, 6.5 ms]
rc=0
impair_a delay 5ms || rc=$?
if ((rc == 0)); then
	log "impairment 'delay 5ms' via $IMPAIR_HOW"
	run_case delay5 500 500pps
	assert_range "delay5: rtt_ns.p50" "$RTT_P50" 5000000 6500000
	assert_range "delay5: rtt_ns.min" "$(jget "$PING_JSON" .rtt_ns.min)" 5000000 6500000
	impair_clear_a
elif ((rc == 77)); then
	echo "SKIP delay 5ms: neither netem nor the nfqueue fallback is available"
else
	fail "could not apply 'delay 5ms' on $DEV_A"
fi

# ---- checksums: the replies (received in a) and the requests (in b)
assert_eq "UdpInCsumErrors in a stays $csum_a0" "$(nstat_get "$NS_A" UdpInCsumErrors)" "$csum_a0"
assert_eq "UdpInCsumErrors in b stays $csum_b0" "$(nstat_get "$NS_B" UdpInCsumErrors)" "$csum_b0"
assert_eq "UdpInCsumErrors in a" "$(nstat_get "$NS_A" UdpInCsumErrors)" 0

finish
