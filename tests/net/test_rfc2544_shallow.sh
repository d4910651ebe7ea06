#!/usr/bin/env bash
# retries: 1
# rfc2544 --lab --quick behind a shaper with a shallow buffer (issue 11):
# a tbf at 13 Mbit/s, "burst 1600 latency 4ms", about 16 frames of buffer
# at 512 B. A sender that bursts after a late wake-up overflows it and the
# search lands several percent low; with the default catch-up policy (one
# frame: at most two back-to-back) the NDR must be within 3% of the shaped
# rate at 64 and 512 B (unless the host was too busy for the sender to
# hold the rate: the report then says sender-limited and the NDR must not
# be above the shaper), and no trial may have sent more than two frames at
# once.
#
# The shaper sits on b's ingress through an IFB (as in test_rfc2544.sh: a
# tbf on a's egress would push back on the socket instead of dropping).
# tbf counts the frame without FCS (FRAME - 4 bytes):
#   64 B:  13e6 / 8 / 60  = 27083 pps
#   512 B: 13e6 / 8 / 508 = 3198.8 pps
# Bucket plus queue (1600 B + 4 ms x 1.625 MB/s = 8100 B) let a 1 s trial
# pass at most 0.5% above the rate; --quick's 1% resolution lands up to
# 1% below it.
# time-limit: 240
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq tc
require_binary
lab_up "$(lab_name s)"

RATE_BPS=13000000
IFB=${LAB_NAME}ifb
if ! in_b ip link add "$IFB" type ifb 2>"$WORKDIR/ifb.err" ||
	! in_b ip link set "$IFB" up ||
	! in_b tc qdisc add dev "$IFB" root tbf rate 13mbit burst 1600 latency 4ms 2>>"$WORKDIR/ifb.err" ||
	! in_b tc qdisc add dev "$DEV_B" handle ffff: ingress 2>>"$WORKDIR/ifb.err" ||
	! in_b tc filter add dev "$DEV_B" parent ffff: protocol ip u32 match u32 0 0 \
		action mirred egress redirect dev "$IFB" 2>>"$WORKDIR/ifb.err"; then
	echo "SKIP $TEST: cannot build the IFB + tbf shaper: $(head -n1 "$WORKDIR/ifb.err")"
	exit 77
fi
log "shaper: $DEV_B ingress -> $IFB tbf 13 Mbit/s, burst 1600, latency 4ms"

J=$WORKDIR/rfc.json
start=$(date +%s)
timeout --kill-after=5 220 "$LINERATE" rfc2544 --lab --name "$LAB_NAME" --quick \
	--trial 1s --warmup 0.3s --drain 0.3s --sizes 64,512 --tests throughput \
	--min-rate 500pps --json >"$J" 2>"$WORKDIR/rfc.err" </dev/null
rc=$?
log "rfc2544 took $(($(date +%s) - start)) s"
assert_rc "rfc2544 --lab --quick behind a shallow shaper" "$rc" 0
assert_eq "complete" "$(jget "$J" .complete)" true
assert_eq "config: catch-up policy stated" "$(jget "$J" .config.catch_up)" 1
for size in 64 512; do
	want=$(calc "$RATE_BPS / 8 / ($size - 4)")
	r=".results[] | select(.frame_size == $size)"
	ndr=$(jget "$J" "$r.throughput.ndr.pps")
	# On a host too busy for the sender to hold the rate (the report
	# says sender-limited, with every repeat and its reason), the NDR
	# is the highest rate shown to pass: never above the shaper.
	if [[ $(jget "$J" "$r.throughput.sender_limited") == true ]]; then
		log "$size B: sender-limited on this busy host: $(jget "$J" '[.repeats[].reason] | .[0:3] | join("; ")')"
		assert_range "$size B: sender-limited NDR pps (<= shaped $want pps +3%)" "$ndr" \
			1 "$(calc "$want * 1.03")"
	else
		assert_range "$size B: NDR pps (shaped $want pps +-3%)" "$ndr" \
			"$(calc "$want * 0.97")" "$(calc "$want * 1.03")"
	fi
	assert_eq "$size B: NDR found" "$(jget "$J" "$r.throughput.ndr.found")" true
	assert_eq "$size B: PDR found" "$(jget "$J" "$r.throughput.pdr.found")" true
	# The sender's own account: every trial reports its pacing, and
	# none sent more than two frames at once.
	assert_eq "$size B: every throughput trial reports its pacing" \
		"$(jget "$J" "[.trials[] | select(.test == \"throughput\" and .frame_size == $size) | .pacing | type == \"object\"] | all")" true
	assert_eq "$size B: no throughput trial sent more than 2 frames at once" \
		"$(jget "$J" "[.trials[] | select(.test == \"throughput\" and .frame_size == $size) | .pacing.burst_max <= 2] | all")" true
done
# Every repeat is listed with its reason, and only trials not counted.
assert_eq "repeats: one per trial not counted" \
	"$(jget "$J" '.repeats | length')" "$(jget "$J" '[.trials[] | select(.counted | not)] | length')"
assert_eq "repeats: each has a reason" "$(jget "$J" '[.repeats[] | .reason | length > 0] | all')" true
log "repeats: $(jget "$J" '.repeats | length'); NDR $(jget "$J" '[.results[] | .throughput.ndr.pps] | join(", ")')"
finish
