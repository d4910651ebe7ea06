#!/usr/bin/env bash
# recv --backend xdp --count-only: the in-kernel analyzer counts every probe
# and drops it, with no sequence or latency accounting (the sink the
# benchmarks use to compare senders); refused with any other backend.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq
require_binary
lab_up "$(lab_name c)"

bg_start recv "$NS_B" 30 "$LINERATE" recv --backend xdp --count-only --listen "$IP_B:7000" \
	--idle-timeout 0 --duration 6s --interval 0 --json
for ((i = 0; i < 50; i++)); do
	ip -n "$NS_B" link show "$DEV_B" | grep -q 'prog/xdp' && break
	sleep 0.1
done
run_in send "$NS_A" 20 "$LINERATE" send --backend udp --no-gso --dst "$IP_B:7000" \
	--rate 20kpps --count 20000 --json
assert_rc "send" $? 0
bg_wait recv
assert_rc "recv --count-only" $? 0
R=$(out recv)
assert_eq "every probe counted" "$(jget "$R" .rx.packets)" 20000
assert_eq "bytes: 64 per frame" "$(jget "$R" .rx.bytes)" 1280000
assert_eq "no latency samples" "$(jget "$R" .latency_ns.count)" 0
# Not measured is null, never 0: a count-only sink cannot say "0 lost".
for k in .rx.expected .rx.lost .rx.loss_ratio .rx.reordered .rx.duplicates .rx.late \
	.rx.corrupt .rx.flows .latency_ns.p50 .latency_ns.max .latency_ns.mean \
	.jitter_ns.rfc3550 .jitter_ns.ipdv_p50 .jitter_ns.pdv_p99; do
	assert_eq "not measured: $k" "$(jget "$R" "$k")" null
done
assert_true "the report says so" grep -q "count-only" "$R"
run_in bad "$NS_B" 10 "$LINERATE" recv --backend udp --count-only --listen "$IP_B:7001"
assert_rc "--count-only with the udp backend" $? 2
assert_true "one line naming --count-only" grep -q -- "--count-only" "$(err bad)"
assert_true "nothing left attached" test -z "$(ip -n "$NS_B" link show "$DEV_B" | grep prog/xdp)"
finish
