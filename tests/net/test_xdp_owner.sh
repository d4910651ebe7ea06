#!/usr/bin/env bash
# The xdp analyzer keeps a flow id's owner (source address and port) per
# CPU. Two senders using the same flow ids whose packets the receiver
# handles on different CPUs each own them on their CPU: on a veth
# without threaded NAPI, b's XDP runs in the sender's softirq on the
# sender's CPU, so two senders pinned to CPUs 0 and 1 do exactly that.
# The report must show each flow id with one owner, the one with the
# most packets, and count the other sender's packets as untracked:
# rx.packets = the flows' packets + rx.untracked, every count exact.
# retries: 1
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq taskset
require_binary
if (($(nproc) < 2)); then
	log "SKIP: needs two CPUs (has $(nproc))"
	exit 77
fi
lab_up "$(lab_name own)"

xdp_on_b() { ip -n "$NS_B" -j link show dev "$DEV_B" | jq -r '.[0].xdp.prog.name // empty'; }
start_xdp_recv() {
	local i tag=$1
	bg_start "$tag" "$NS_B" 40 "$LINERATE" recv --backend xdp \
		--listen "$IP_B:$PORT" --idle-timeout 2s --json
	for ((i = 0; i < 100; i++)); do
		[[ -n $(xdp_on_b) ]] && return 0
		sleep 0.1
	done
	fatal "$tag: the xdp receiver attached no program: $(tail -n1 "$(err "$tag")")"
}
# send_on TAG CPU PORT COUNT: an afpacket sender pinned to CPU, flows 0
# and 1 from PORT and PORT+1.
send_on() {
	run_in "$1" "$NS_A" 30 taskset -c "$2" "$LINERATE" send --backend afpacket \
		--dst "$IP_B:$PORT" --src "$IP_A:$3" --flows 2 --count "$4" \
		--rate 20kpps --json
}
# flow_field JSON PORT FIELD: a per-flow value of the flow from PORT.
flow_field() {
	jget "$1" "[.rx.per_flow[] | select(.src_port == $2)] | .[0].$3"
}

# owner_case LABEL CPU0-COUNT CPU1-COUNT: sender 1 (ports 47000-47001) on
# CPU 0, then sender 2 (ports 48000-48001) on CPU 1, same flow ids.
owner_case() {
	local label=$1 n1=$2 n2=$3 own other own_n other_n R
	if ((n1 > n2)); then
		own=47000 other=48000 own_n=$n1 other_n=$n2
	else
		own=48000 other=47000 own_n=$n2 other_n=$n1
	fi
	log "$label: $n1 packets from CPU 0, $n2 from CPU 1, flows 0 and 1 each"
	start_xdp_recv "recv-$label"
	send_on "send1-$label" 0 47000 "$n1"
	assert_rc "$label: sender 1" $? 0
	send_on "send2-$label" 1 48000 "$n2"
	assert_rc "$label: sender 2" $? 0
	bg_wait "recv-$label"
	R=$(out "recv-$label")
	[[ $(jget "$R" .backend.name) == xdp ]] ||
		fatal "$label: the xdp receiver did not run: $(tail -n1 "$(err "recv-$label")")"
	assert_eq "$label: packets" "$(jget "$R" .rx.packets)" $((n1 + n2))
	assert_eq "$label: flows: ids and owners (the sender with the most packets)" \
		"$(jget "$R" '[.rx.per_flow[] | "\(.flow_id)/\(.src_port)"] | join(" ")')" \
		"0/$own 1/$((own + 1))"
	assert_eq "$label: the flows hold the owner's packets" \
		"$(jget "$R" '[.rx.per_flow[].packets] | add')" "$own_n"
	# The sender spreads its packets over its flows, not evenly.
	assert_gt "$label: flow 0 got packets" "$(flow_field "$R" $own packets)" 0
	assert_gt "$label: flow 1 got packets" "$(flow_field "$R" $((own + 1)) packets)" 0
	assert_eq "$label: the other sender's are untracked" "$(jget "$R" .rx.untracked)" "$other_n"
	assert_eq "$label: backend.kernel.sink_untracked, merge included" \
		"$(jget "$R" .backend.kernel.sink_untracked)" "$other_n"
	assert_eq "$label: no flow of the other sender" \
		"$(jget "$R" "[.rx.per_flow[] | select(.src_port == $other or .src_port == $((other + 1)))] | length")" 0
	assert_eq "$label: expected = packets, nothing lost, reordered or duplicated" \
		"$(jget "$R" '[.rx.per_flow[] | .expected == .packets and .lost == 0 and .reordered == 0 and .duplicates == 0] | all')" true
	assert_eq "$label: totals: expected" "$(jget "$R" .rx.expected)" "$own_n"
	assert_eq "$label: totals: lost, reordered" "$(jget "$R" '"\(.rx.lost)/\(.rx.reordered)"')" 0/0
}

owner_case first 1000 600
owner_case second 400 1000
finish
