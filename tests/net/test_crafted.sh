#!/usr/bin/env bash
# The crafted-frame test: one hand-made sequence of probes (probe_craft.py:
# gaps, reordering, duplicates, late packets, a window wrap, a jump beyond
# the window, corrupt, truncated and foreign datagrams, stamps of known
# age) into recv --backend xdp (the in-kernel analyzer) and, separately,
# into recv --backend udp (lib/seqtrack.c and lib/hist.c in user space).
# Both must report exactly what the sequence implies, and the same
# latency buckets: the analyzer's results are identical to the lib/ code's.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq python3 taskset
require_binary
lab_up "$(lab_name k)"
CRAFT=$NET_DIR/probe_craft.py
PORT=7300

xdp_on_b() { ip -n "$NS_B" -j link show dev "$DEV_B" | jq -r '.[0].xdp.prog.name // empty'; }

# run_backend BACKEND: recv in b, the sequence from a, recv's JSON in
# $WORKDIR/recv-BACKEND.out and what the sequence implies in craft-BACKEND.out.
run_backend() {
	local be=$1 i
	bg_start "recv-$be" "$NS_B" 40 "$LINERATE" recv --backend "$be" --listen "$IP_B:$PORT" \
		--clock-sync host --idle-timeout 2s --duration 30s --interval 0 --quiet --json
	if [[ $be == xdp ]]; then
		for ((i = 0; i < 100; i++)); do
			[[ -n $(xdp_on_b) ]] && break
			sleep 0.1
		done
		[[ -n $(xdp_on_b) ]] || fatal "recv --backend xdp attached no program ($(tail -n 2 "$(err "recv-$be")"))"
	else
		wait_udp_listen "$NS_B" "$PORT" 5 || fatal "recv --backend udp did not bind $IP_B:$PORT"
	fi
	# One CPU sends, so the veth runs b's XDP on that CPU for every frame:
	# the analyzer's per-CPU state sees the sequence in its order.
	run_in "craft-$be" "$NS_A" 30 taskset -c 0 python3 "$CRAFT" "$IP_B" "$PORT" ||
		fatal "probe_craft.py against $be failed: $(tail -n 2 "$(err "craft-$be")")"
	bg_wait "recv-$be"
	assert_rc "recv --backend $be" $? 0
}

rcvbuf0=$(nstat_get "$NS_B" UdpRcvbufErrors)
run_backend xdp
run_backend udp
assert_eq "UdpRcvbufErrors in b (the udp receiver dropped nothing)" \
	"$(nstat_get "$NS_B" UdpRcvbufErrors)" "$rcvbuf0"

E=$(out craft-xdp)
assert_true "probe_craft.py printed its expectations" quiet jq -e .packets "$E"
assert_eq "the same sequence both times" "$(jq -cS . "$E")" "$(jq -cS . "$(out craft-udp)")"
# Worked out by hand from the sequence (probe_craft.py says how), so the
# crafter's own model is checked too.
assert_eq "crafted: packets" "$(jget "$E" .packets)" 171
assert_eq "crafted: expected" "$(jget "$E" .expected)" 14206
assert_eq "crafted: lost (per flow: 4053 + 3 + 9978 + 5)" "$(jget "$E" .lost)" 14039
assert_eq "crafted: duplicates" "$(jget "$E" .duplicates)" 4
assert_eq "crafted: reordered" "$(jget "$E" .reordered)" 4
assert_eq "crafted: late" "$(jget "$E" .late)" 2
assert_eq "crafted: flows" "$(jget "$E" .flows)" 4
assert_eq "crafted: stamped in the future" "$(jget "$E" .negative)" 2

A_NS=$(jget "$E" .age_a_ns)
B_NS=$(jget "$E" .age_b_ns)
for be in xdp udp; do
	R=$(out "recv-$be")
	assert_eq "$be: backend" "$(jget "$R" .backend.name)" "$be"
	for k in packets bytes expected lost duplicates reordered late flows corrupt truncated foreign; do
		assert_eq "$be: rx.$k" "$(jget "$R" ".rx.$k")" "$(jget "$E" ".$k")"
	done
	for k in untracked malformed filtered; do
		assert_eq "$be: rx.$k" "$(jget "$R" ".rx.$k")" 0
	done
	assert_eq "$be: latency_ns.negative" "$(jget "$R" .latency_ns.negative)" "$(jget "$E" .negative)"
	assert_eq "$be: latency_ns.count" "$(jget "$R" .latency_ns.count)" \
		"$(jget "$E" '.age_a + .age_b')"
	# Arrival within a bucket's width of the stamp's age (see probe_craft.py).
	assert_range "$be: latency_ns.min in age A's bucket" "$(jget "$R" .latency_ns.min)" \
		"$A_NS" $((A_NS + (1 << 23) - 1))
	assert_range "$be: latency_ns.p50 in age A's bucket" "$(jget "$R" .latency_ns.p50)" \
		"$A_NS" $((A_NS + (1 << 23) - 1))
	assert_range "$be: latency_ns.max in age B's bucket" "$(jget "$R" .latency_ns.max)" \
		"$B_NS" $((B_NS + (1 << 25) - 1))
	for k in p90 p99 p999; do
		assert_range "$be: latency_ns.$k in age B's bucket" "$(jget "$R" ".latency_ns.$k")" \
			"$B_NS" $((B_NS + (1 << 25) - 1))
	done
done
X=$(out recv-xdp)
U=$(out recv-udp)
# p50 is the midpoint of age A's bucket (min and max, which clamp it, lie
# well outside): the same bucket gives the same number. The higher
# percentiles fall in age B's bucket, whose midpoint max clamps, and max
# is a raw arrival.
assert_eq "latency_ns.p50: xdp = udp" "$(jget "$X" .latency_ns.p50)" "$(jget "$U" .latency_ns.p50)"
assert_eq "rx: xdp = udp (packets .. foreign)" \
	"$(jq -c '.rx | [.packets, .bytes, .expected, .lost, .duplicates, .reordered, .late, .flows, .corrupt, .truncated, .foreign]' "$X")" \
	"$(jq -c '.rx | [.packets, .bytes, .expected, .lost, .duplicates, .reordered, .late, .flows, .corrupt, .truncated, .foreign]' "$U")"
# RFC 3550 jitter, weighted by packets over the flows that have a sample
# (flow 700's one packet has none): the stamps' ages jump by 2.35 s, so
# arrival noise of microseconds is far below 0.1%.
jx=$(jget "$X" .jitter_ns.rfc3550)
ju=$(jget "$U" .jitter_ns.rfc3550)
assert_range "jitter_ns.rfc3550: xdp within 0.1% of udp ($ju)" "$jx" "$(calc "$ju * 0.999")" "$(calc "$ju * 1.001")"
# Per flow: the analyzer's per-flow map against seqtrack.c's flows.
PF='[.rx.per_flow[]? | {f: .flow_id, r: .packets, e: .expected, l: .lost, d: .duplicates, o: .reordered, t: .late}] | sort_by(.f)'
assert_eq "rx.per_flow: xdp = udp" "$(jq -c "$PF" "$X")" "$(jq -c "$PF" "$U")"
assert_eq "rx.per_flow: four flows" "$(jq -c "$PF | length" "$X")" 4
finish
