#!/usr/bin/env bash
# retries: 1
# rfc2544 --lab with IMIX as one row, and with QinQ-tagged trial traffic.
#
# 1. IMIX (64:7,594:4,1518:1) behind the bottleneck of test_rfc2544.sh:
#    b's ingress redirected to an IFB whose tbf passes 24 Mbit/s, counted
#    as the stack holds a frame (no FCS). The mix's mean frame is
#    4342/12 = 361.83 bytes, 357.83 without FCS: 24e6 / 8 / 357.83 =
#    8383.8 frames of the mix a second. Its line rate is over the mean
#    too: 10 Gbit/s / ((361.83 + 20) x 8) = 3273680 pps, and the bit rates
#    in the report are the rate times (mean + 20) x 8 (L1) or mean x 8 (L2).
# 2. --vlan 100:3,200:5 --backend afpacket: every trial frame carries an
#    802.1ad tag around an 802.1Q one; an nft rule on b's ingress counts
#    them by their bytes (TPID 0x88a8, TCI 0x6064; TPID 0x8100, TCI
#    0xa0c8). At a 10 Mbit/s line rate the first trial passes (the tagged
#    frames are not "protocol ip" to the bottleneck's filter).
#    2b: through a linerate server: two mixes forward, and the server's
#    source sending a mix QinQ-tagged (--reverse) to our afpacket receiver.
# 3. bad input: exit 2, one line naming the flag.
# time-limit: 240
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq tc nft curl
require_binary
lab_up "$(lab_name x)"

IFB=${LAB_NAME}ifb
if ! in_b ip link add "$IFB" type ifb 2>"$WORKDIR/ifb.err" ||
	! in_b ip link set "$IFB" up ||
	! in_b tc qdisc add dev "$IFB" root tbf rate 24mbit burst 10kb limit 24kb 2>>"$WORKDIR/ifb.err" ||
	! in_b tc qdisc add dev "$DEV_B" handle ffff: ingress 2>>"$WORKDIR/ifb.err" ||
	! in_b tc filter add dev "$DEV_B" parent ffff: protocol ip u32 match u32 0 0 \
		action mirred egress redirect dev "$IFB" 2>>"$WORKDIR/ifb.err"; then
	echo "SKIP $TEST: cannot build the IFB + tbf bottleneck: $(head -n1 "$WORKDIR/ifb.err")"
	exit 77
fi

# ---- 1. IMIX: one row, rates over its mean size
J=$WORKDIR/imix.json
start=$(date +%s)
timeout --kill-after=5 120 "$LINERATE" rfc2544 --lab --name "$LAB_NAME" --quick \
	--trial 1s --warmup 0.3s --drain 0.3s --sizes imix --tests throughput \
	--json --csv "$WORKDIR/imix.csv" >"$J" 2>"$WORKDIR/imix.err" </dev/null
rc=$?
log "rfc2544 imix took $(($(date +%s) - start)) s"
assert_rc "rfc2544 --sizes imix" "$rc" 0
assert_eq "complete" "$(jget "$J" .complete)" true
assert_eq "one row" "$(jget "$J" '.results | length')" 1
R='.results[0]'
assert_eq "row name" "$(jget "$J" "$R.name")" imix
assert_eq "no single frame size" "$(jget "$J" "$R.frame_size")" null
assert_eq "the mix" "$(jget "$J" "$R.size_mix | [.sizes[] | \"\(.size):\(.weight)\"] | join(\",\")")" \
	"64:7,594:4,1518:1"
assert_range "mean frame size" "$(jget "$J" "$R.mean_frame_size")" 361.83 361.84
assert_range "line rate pps over the mean" "$(jget "$J" "$R.line_rate_pps")" 3273679 3273681
assert_eq "config.frame_sizes" "$(jget "$J" '.config.frame_sizes | join(",")')" imix
want=$(calc "24000000 / 8 / (4342 / 12 - 4)")
ndr=$(jget "$J" "$R.throughput.ndr.pps")
if [[ $(jget "$J" "$R.throughput.sender_limited") == true ]]; then
	log "sender-limited on this busy host"
	assert_range "imix: sender-limited NDR pps (<= bottleneck $want pps +3%)" "$ndr" 1 "$(calc "$want * 1.03")"
else
	assert_range "imix: NDR pps (bottleneck $want pps +-3%)" "$ndr" "$(calc "$want * 0.97")" "$(calc "$want * 1.03")"
fi
assert_eq "NDR confirmed" "$(jget "$J" "$R.throughput.ndr.confirmed")" true
assert_range "NDR Mbit/s L1 = pps x (mean + 20) x 8" "$(jget "$J" "$R.throughput.ndr.mbps_l1")" \
	"$(calc "$ndr * (4342 / 12 + 20) * 8 / 1e6 - 0.001")" "$(calc "$ndr * (4342 / 12 + 20) * 8 / 1e6 + 0.001")"
assert_range "NDR Mbit/s L2 = pps x mean x 8" "$(jget "$J" "$R.throughput.ndr.mbps_l2")" \
	"$(calc "$ndr * 4342 / 12 * 8 / 1e6 - 0.001")" "$(calc "$ndr * 4342 / 12 * 8 / 1e6 + 0.001")"
assert_eq "first step at the mix's line rate" "$(jget "$J" '.trials[0].rate_pps')" 3273679
assert_eq "every trial names the mix" "$(jget "$J" '[.trials[] | .size == "imix" and .frame_size == null] | all')" true
assert_eq "CSV: the mix's row, quoted" "$(sed -n 2p "$WORKDIR/imix.csv" | cut -c1-7)" '"imix",'
assert_true "the table names the row" grep -q '^  imix |' <(sed -n '/^Throughput/,$p' "$WORKDIR/imix.err")

# ---- 2. QinQ-tagged trials
in_b nft add table netdev lrqinq
on_cleanup ip netns exec "$NS_B" nft delete table netdev lrqinq
in_b nft add chain netdev lrqinq in "{ type filter hook ingress device $DEV_B priority 0; }"
in_b nft add rule netdev lrqinq in @ll,96,32 0x88a86064 @ll,128,32 0x8100a0c8 counter
JV=$WORKDIR/vlan.json
timeout --kill-after=5 60 "$LINERATE" rfc2544 --lab --name "$LAB_NAME" --quick \
	--trial 0.5s --warmup 0.2s --drain 0.3s --backend afpacket --vlan 100:3,200:5 \
	--tests throughput --max-trials 3 --line-rate 10Mbps --json >"$JV" 2>"$WORKDIR/vlan.err" </dev/null
assert_rc "rfc2544 --vlan 100:3,200:5 --backend afpacket" $? 0
# Without --sizes, the first size is the smallest frame that carries a
# probe behind two tags.
assert_eq "QinQ: first size" "$(jget "$JV" '.results[0].frame_size')" 72
assert_true "QinQ: the runner says so" grep -q "vlan 100:3,200:5" <(jget "$JV" .runner.description)
sent=$(jget "$JV" '[.trials[].sent] | add')
tagged=$(in_b nft -j list chain netdev lrqinq in |
	jq -r '[.nftables[] | select(.rule) | .rule.expr[] | select(.counter) | .counter.packets] | .[0]')
# The counter also sees the warm-up frames, which no trial counts.
assert_gt "QinQ: trial frames sent" "$sent" 0
assert_true "QinQ: every trial frame on b's wire had both tags ($tagged >= $sent)" test "$tagged" -ge "$sent"
# The receiver took them as test traffic: all but what a busy host's
# afpacket ring may drop at the line rate.
assert_range "QinQ: trial frames received as test traffic" \
	"$(jget "$JV" '[.trials[].received] | add')" "$(calc "$sent * 0.9")" "$sent"
assert_eq "QinQ: NDR found" "$(jget "$JV" '.results[0].throughput.ndr.found')" true

# ---- 2b. HOST: the same rows through a linerate server's API. Forward:
# a sink session on the server counts the mixes our sender sends. Reverse:
# the server's source sends the custom mix, QinQ-tagged, to our afpacket
# receiver. At a 10 Mbit/s line rate (3273 IMIX or 1524 128:1,1024:3
# frames a second) the first trials pass.
TOKEN_FILE=$WORKDIR/token
new_token "$TOKEN_FILE" >/dev/null
bg_start server "$NS_B" 120 "$LINERATE" server --api "$IP_B" --token-file "$TOKEN_FILE"
wait_api_up server "$NS_A" "http://$IP_B:9270"
JH=$WORKDIR/host.json
timeout --kill-after=5 60 ip netns exec "$NS_A" "$LINERATE" rfc2544 "$IP_B" --token-file "$TOKEN_FILE" \
	--quick --trial 0.5s --warmup 0.2s --drain 0.3s --sizes 'imix;128:1,1024:3' --tests throughput \
	--max-trials 3 --line-rate 10Mbps --json >"$JH" 2>"$WORKDIR/host.err" </dev/null
assert_rc "HOST: rfc2544 with two mixes" $? 0
assert_eq "HOST: rows" "$(jget "$JH" '[.results[].name] | join(";")')" "imix;128:1,1024:3"
assert_eq "HOST: line rates over the mixes" "$(jget "$JH" '[.results[].line_rate_pps | floor] | join(",")')" 3273,1524
assert_eq "HOST: an NDR for each, at most the line rate" \
	"$(jget "$JH" '[.results[] | .throughput.ndr.found and .throughput.ndr.pps <= .line_rate_pps] | all')" true
JR=$WORKDIR/reverse.json
timeout --kill-after=5 60 ip netns exec "$NS_A" "$LINERATE" rfc2544 "$IP_B" --token-file "$TOKEN_FILE" \
	--quick --trial 0.5s --warmup 0.2s --drain 0.3s --sizes '128:1,1024:3' --tests throughput \
	--max-trials 2 --line-rate 10Mbps --reverse --server-backend afpacket --backend afpacket \
	--vlan 100:3,200:5 --json >"$JR" 2>"$WORKDIR/reverse.err" </dev/null
assert_rc "HOST --reverse: the server sends the mix, QinQ-tagged" $? 0
sent=$(jget "$JR" '[.trials[].sent] | add')
assert_gt "HOST --reverse: frames sent" "$sent" 0
assert_range "HOST --reverse: received as test traffic by our afpacket receiver" \
	"$(jget "$JR" '[.trials[].received] | add')" "$(calc "$sent * 0.9")" "$sent"
kill -TERM "${PID_OF[server]}" 2>/dev/null
bg_wait server

# ---- 3. bad input
for bad in "--sizes imix;imix" "--sizes mix" "--sizes 64;" "--vlan 100" "--vlan 0" \
	"--vlan 100,200,300"; do
	# shellcheck disable=SC2086 # split on purpose
	"$LINERATE" rfc2544 --lab --name "$LAB_NAME" $bad >/dev/null 2>"$WORKDIR/bad.err"
	rc=$?
	assert_rc "rfc2544 $bad" "$rc" 2
	assert_eq "rfc2544 $bad: one line naming ${bad%% *}" \
		"$(wc -l <"$WORKDIR/bad.err") $(grep -c -- "${bad%% *}" "$WORKDIR/bad.err")" "1 1"
done
"$LINERATE" rfc2544 --lab --name "$LAB_NAME" --backend afpacket --vlan 100,200 --sizes 64,imix \
	>/dev/null 2>"$WORKDIR/bad.err"
assert_rc "QinQ with 64-byte frames" $? 2
assert_true "QinQ with 64-byte frames: says the smallest" grep -q "the smallest is 72" "$WORKDIR/bad.err"
"$LINERATE" rfc2544 --lab --name "$LAB_NAME" --backend xdp --sizes imix >/dev/null 2>"$WORKDIR/bad.err"
assert_rc "imix with the xdp generator" $? 2

finish
