#!/usr/bin/env bash
# Marking and per-flow results, checked against what the lab itself does:
#
#  1. An nftables rule on b's ingress drops every 10th AF41 packet and no
#     other class. Two senders (AF41+ECT(0) and CS0), two flows each, into
#     one receiver: the per-flow report shows loss on exactly the AF41 flows,
#     as many as the rule's own counter, and none on the CS0 flows, with the
#     DSCP and ECN each flow arrived with; --per-flow-csv says the same.
#  2. Raw senders (afpacket, afxdp) write the byte themselves (and the IPv4
#     header checksum: a wrong one would be dropped by b's IP layer and show
#     up as loss beyond the rule's counter). A second rule drops every 4th EF
#     packet.
#  3. A raw receiver (afpacket) reads DSCP and ECN from the frame.
#  4. 802.1Q: b has a VLAN subinterface (id 100) and a strict reverse-path
#     filter, so a packet for its address reaches the receiver only when it
#     came in tagged 100. Tagged 100 (priority 3): all arrive; tagged 200 and
#     untagged: none. On a kernel without 802.1Q (CONFIG_VLAN_8021Q unset,
#     as on the project VM) there is no subinterface: an afxdp receiver,
#     which sees the frame with its tag, reports VLAN 100 on the flow.
#  5. rfc2544 --dscp marks every trial and warm-up packet (a counting
#     rule for CS5 and one for any other class on the test ports).
#  6. IPv6 (on loopback, in a namespace of its own): --traffic-class
#     arrives as sent, DSCP and ECN read back per flow.
#  7. The xdp analyzer's per-flow view (flow ids below 1024, no latency
#     per flow; rx.per_flow_note says so) with the markings each flow
#     arrived with: as sent; remarked on the way by an nft rule on a's
#     egress (a whole flow, and every 2nd packet of another, the rule's
#     counters as the truth); two VLAN-tagged classes, one of them on a
#     flow id another sender owns (untracked: its tags stay out).
#  8. The xdp backend's generator writes DSCP, ECN and the tag as well.
#  9. ping --dscp AF22: raw and udp reflectors send the byte back as it
#     came, and ping's per-flow view of the replies shows it.
#
# Counts are exact: the udp sender runs without GSO and the receiver without
# GRO, so the rule sees one packet per datagram, and the lab (no threaded
# NAPI) does no GRO on the veth.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq nft taskset
require_binary
lab_up "$(lab_name q)"

N=2000

in_b nft -f - <<NFT || fatal "nft: cannot add the per-class drop rules in b"
table netdev lrmark {
	chain in {
		type filter hook ingress device "$DEV_B" priority 0; policy accept;
		ip dscp af41 numgen inc mod 10 == 5 counter drop
		ip dscp ef numgen inc mod 4 == 1 counter drop
	}
}
NFT
on_cleanup in_b nft delete table netdev lrmark

# rule_drops DSCP: packets the rule for that class has dropped so far.
rule_drops() {
	in_b nft -j list chain netdev lrmark in |
		jq -r --arg d "$1" '.nftables[] | select(.rule) | .rule |
			select(any(.expr[]; .match?.right? == $d)) |
			.expr[] | select(.counter) | .counter.packets'
}

# flow_field JSON PORT FIELD: a per-flow value of the flow from PORT.
flow_field() {
	jget "$1" "[.rx.per_flow[] | select(.src_port == $2)] | .[0].$3"
}

# ---- 1. udp: loss on exactly the AF41 class
log "1: AF41+ECT(0) from ports 40000-40001, CS0 from 41000-41001, one receiver"
start_recv recv1 60 --idle-timeout 3s --no-gso --clock-sync host --json \
	--per-flow-csv "$WORKDIR/flows.csv"
send_a af41 30 --src "$IP_A:40000" --flows 2 --count $N --rate 20kpps \
	--dscp AF41 --ecn ect0 --no-gso --json
assert_rc "1: AF41 send" $? 0
send_a cs0 30 --src "$IP_A:41000" --flows 2 --count $N --rate 20kpps \
	--dscp cs0 --no-gso --json
assert_rc "1: CS0 send" $? 0
bg_wait recv1
assert_rc "1: recv" $? 0
R=$(out recv1)
dropped=$(rule_drops af41)
assert_eq "1: the AF41 rule dropped every 10th AF41 packet" "$dropped" $((N / 10))
assert_eq "1: the EF rule dropped nothing" "$(rule_drops ef)" 0
assert_eq "1: sender config shows its marking" \
	"$(jget "$(out af41)" '[.config.dscp, .config.ecn, .config.tos] | join(" ")')" "AF41 ect0 138"
assert_eq "1: per_flow has the four flows" "$(jget "$R" '.rx.per_flow | length')" 4
assert_eq "1: rx.packets" "$(jget "$R" .rx.packets)" $((2 * N - dropped))
af41_lost=0
for p in 40000 40001; do
	assert_eq "1: flow $p dscp" "$(flow_field "$R" $p 'dscp | join(",")')" AF41
	assert_eq "1: flow $p ecn" "$(flow_field "$R" $p 'ecn | join(",")')" ect0
	assert_eq "1: flow $p lost + packets = expected" \
		"$(jget "$R" "[.rx.per_flow[] | select(.src_port == $p)] | .[0] | .lost + .packets == .expected")" true
	af41_lost=$((af41_lost + $(flow_field "$R" $p lost)))
done
# The sender spreads its packets over its flows; the class totals are exact.
assert_eq "1: AF41 flows expected, together" \
	"$(jget "$R" '[.rx.per_flow[] | select(.src_port < 41000) | .expected] | add')" $N
assert_eq "1: AF41 flows lost what the rule dropped" "$af41_lost" "$dropped"
for p in 41000 41001; do
	assert_eq "1: flow $p dscp" "$(flow_field "$R" $p 'dscp | join(",")')" CS0
	assert_eq "1: flow $p ecn" "$(flow_field "$R" $p 'ecn | join(",")')" not-ect
	assert_eq "1: flow $p lost" "$(flow_field "$R" $p lost)" 0
done
assert_eq "1: CS0 flows received, together" \
	"$(jget "$R" '[.rx.per_flow[] | select(.src_port >= 41000) | .packets] | add')" $N
assert_eq "1: rx.lost (the total) is the AF41 drops" "$(jget "$R" .rx.lost)" "$dropped"
# The same per flow in CSV: a header and one row per flow.
CSV=$WORKDIR/flows.csv
assert_eq "1: per-flow CSV rows (header + 4)" "$(grep -c '' "$CSV")" 5
assert_eq "1: per-flow CSV header" "$(head -n1 "$CSV" | cut -d, -f1,7,12,13)" "name,lost,dscp,ecn"
assert_eq "1: per-flow CSV: AF41 rows lost what the rule dropped" \
	"$(awk -F, 'NR > 1 && $12 == "AF41" { s += $7 } END { print s + 0 }' "$CSV")" "$dropped"
assert_eq "1: per-flow CSV: CS0 rows lost nothing, received N" \
	"$(awk -F, 'NR > 1 && $12 == "CS0" { l += $7; p += $5 } END { print l + 0, p + 0 }' "$CSV")" "0 $N"
assert_true "1: a flow has latency percentiles" quiet \
	jq -e '.rx.per_flow[0].latency_ns.p99 > 0' "$R"

# Text: the table lists the lossy flows first, named by port and class.
start_recv text1 60 --idle-timeout 2s --no-gso --quiet
send_a af41t 30 --src "$IP_A:42000" --flows 3 --count 999 --rate 20kpps \
	--dscp af41 --no-gso --json
bg_wait text1
assert_true "1: text table header" grep -q 'per flow (3 flows, most lost first)' "$(out text1)"
assert_true "1: text names a flow by port and class" \
	grep -qE "$IP_A:4200[0-2] AF41 " "$(out text1)"

# ---- 2. raw senders write the byte and the IPv4 checksum
for be in afpacket afxdp; do
	before=$(rule_drops ef)
	log "2: $be sender, EF"
	start_recv "recv-$be" 60 --idle-timeout 2s --no-gso --json
	run_in "send-$be" "$NS_A" 30 "$LINERATE" send --backend "$be" \
		--dst "$IP_B:$PORT" --src "$IP_A:43000" --count 1000 --rate 20kpps \
		--dscp EF --json
	rc=$?
	if [[ $be == afxdp && $rc != 0 ]]; then
		log "2: afxdp could not send here (exit $rc: $(tail -n1 "$(err "send-$be")")); skipped"
		bg_wait "recv-$be"
		continue
	fi
	assert_rc "2: $be send" "$rc" 0
	bg_wait "recv-$be"
	R=$(out "recv-$be")
	dropped=$(($(rule_drops ef) - before))
	assert_eq "2: $be: the EF rule dropped every 4th" "$dropped" 250
	assert_eq "2: $be: flow dscp" "$(flow_field "$R" 43000 'dscp | join(",")')" EF
	assert_eq "2: $be: lost is the rule's drops (checksums were right)" \
		"$(flow_field "$R" 43000 lost)" "$dropped"
	assert_eq "2: $be: packets" "$(flow_field "$R" 43000 packets)" 750
	assert_eq "2: $be: corrupt" "$(jget "$R" .rx.corrupt)" 0
done

# ---- 3. a raw receiver reads the marking from the frame
log "3: udp sender CS6+CE -> afpacket receiver"
bg_start recv3 "$NS_B" 60 "$LINERATE" recv --backend afpacket \
	--listen "$IP_B:$PORT" --idle-timeout 2s --json
sleep 1
send_a cs6 30 --src "$IP_A:44000" --count 500 --rate 20kpps --dscp CS6 \
	--ecn ce --no-gso --json
bg_wait recv3
assert_rc "3: recv" $? 0
R=$(out recv3)
assert_eq "3: afpacket receiver" "$(jget "$R" .backend.name)" afpacket
assert_eq "3: flow dscp" "$(flow_field "$R" 44000 'dscp | join(",")')" CS6
assert_eq "3: flow ecn" "$(flow_field "$R" 44000 'ecn | join(",")')" ce
assert_eq "3: flow packets" "$(flow_field "$R" 44000 packets)" 500

# ---- 4. 802.1Q
VL_NET=10.$((100 + $$ % 100)).$(($$ / 100 % 250)).
VL_A=${VL_NET}1
VL_B=${VL_NET}2
VL_DEV=vl${LAB_NAME: -5}

# vlan_case LABEL WANT VLAN-ARGS...: afpacket sender to the VLAN address.
vlan_case() {
	local label=$1 want=$2
	shift 2
	bg_start "recv-$label" "$NS_B" 60 "$LINERATE" recv --backend udp \
		--listen "$VL_B:$PORT" --duration 6s --idle-timeout 2s --json
	wait_udp_listen "$NS_B" "$PORT" 5 || fatal "4: $label: receiver did not bind"
	run_in "send-$label" "$NS_A" 30 "$LINERATE" send --backend afpacket \
		--dst "$VL_B:$PORT" --src "$VL_A:45000" -i "$DEV_A" --count 1000 \
		--rate 20kpps --json "$@"
	assert_rc "4: $label: send" $? 0
	bg_wait "recv-$label"
	assert_eq "4: $label: tx.packets" "$(jget "$(out "send-$label")" .tx.packets)" 1000
	assert_eq "4: $label: received on VLAN 100" \
		"$(jget "$(out "recv-$label")" .rx.packets)" "$want"
}

if in_b ip link add link "$DEV_B" name "$VL_DEV" type vlan id 100 2>"$(err vlan-add)"; then
	in_b ip addr add "$VL_B/24" dev "$VL_DEV"
	in_b ip link set "$VL_DEV" up
	in_b sysctl -qw net.ipv4.conf.all.rp_filter=1 "net.ipv4.conf.$DEV_B.rp_filter=1"
	in_b ip neigh replace "$VL_A" lladdr "$MAC_A" dev "$VL_DEV" nud permanent
	in_a ip addr add "$VL_A/24" dev "$DEV_A"
	in_a ip neigh replace "$VL_B" lladdr "$MAC_B" dev "$DEV_A" nud permanent
	vlan_case tag100 1000 --vlan 100:3
	vlan_case tag200 0 --vlan 200
	vlan_case untagged 0
else
	# This kernel has no 802.1Q (CONFIG_VLAN_8021Q): no subinterface.
	# The tag is checked where it is visible: an afxdp receiver gets
	# the frame as it came off the wire, tag included.
	log "4: no VLAN subinterface here ($(head -n1 "$(err vlan-add)")); checking the tag with an afxdp receiver"
	bg_start recv-tag100 "$NS_B" 60 "$LINERATE" recv --backend afxdp \
		--listen "$IP_B:$PORT" --duration 8s --idle-timeout 2s --json
	sleep 1.5
	run_in send-tag100 "$NS_A" 30 "$LINERATE" send --backend afpacket \
		--dst "$IP_B:$PORT" --src "$IP_A:45000" --count 1000 --rate 20kpps \
		--dscp AF21 --vlan 100:3 --json
	assert_rc "4: tag100: send" $? 0
	bg_wait recv-tag100
	R=$(out recv-tag100)
	if [[ $(jget "$R" .backend.name) == afxdp ]]; then
		assert_eq "4: tag100: packets" "$(flow_field "$R" 45000 packets)" 1000
		assert_eq "4: tag100: the flow's VLAN" "$(flow_field "$R" 45000 vlan)" 100
		assert_eq "4: tag100: its priority as sent" "$(flow_field "$R" 45000 vlan_pcp)" 3
		assert_eq "4: tag100: the flow's DSCP behind the tag" \
			"$(flow_field "$R" 45000 'dscp | join(",")')" AF21
		assert_true "4: tag100: the flow is named by its VLAN" quiet \
			jq -e '.rx.per_flow[0].name | endswith("AF21 vlan 100")' "$R"
	else
		log "4: afxdp receiver did not run: $(tail -n1 "$(err recv-tag100)")"
		fail "4: tag100: no receiver that sees the tag"
	fi
fi
# An afpacket receiver: the kernel takes the tag off the frame and the
# ring reports it beside it.
bg_start recv-tagpkt "$NS_B" 60 "$LINERATE" recv --backend afpacket \
	--listen "$IP_B:$PORT" --duration 8s --idle-timeout 2s --json
sleep 1.5
run_in send-tagpkt "$NS_A" 30 "$LINERATE" send --backend afpacket \
	--dst "$IP_B:$PORT" --src "$IP_A:45100" --count 500 --rate 20kpps \
	--dscp EF --vlan 42:4 --json
assert_rc "4: tag42 (afpacket receiver): send" $? 0
bg_wait recv-tagpkt
R=$(out recv-tagpkt)
assert_eq "4: tag42: afpacket receiver" "$(jget "$R" .backend.name)" afpacket
assert_eq "4: tag42: packets" "$(flow_field "$R" 45100 packets)" 500
assert_eq "4: tag42: the flow's VLAN (from the ring)" "$(flow_field "$R" 45100 vlan)" 42
assert_eq "4: tag42: its priority as sent (from the ring)" "$(flow_field "$R" 45100 vlan_pcp)" 4
assert_eq "4: tag42: one tag, no inner priority" "$(flow_field "$R" 45100 vlan_inner_pcp)" null
assert_eq "4: tag42: the flow's DSCP" "$(flow_field "$R" 45100 'dscp | join(",")')" EF

assert_eq "4: tag100: frame size (default for a tagged frame)" \
	"$(jget "$(out send-tag100)" .config.frame_size)" 68
assert_eq "4: tag100: config vlan" \
	"$(jget "$(out send-tag100)" '"\(.config.vlan):\(.config.vlan_pcp)"')" 100:3
assert_eq "4: tag100: tx.bytes count 68-byte tagged frames" \
	"$(jget "$(out send-tag100)" .tx.bytes)" 68000

# ---- 5. rfc2544 marks its trial and warm-up traffic
log "5: rfc2544 --dscp CS5: every test packet b gets is CS5"
in_b nft add rule netdev lrmark in ip dscp cs5 udp dport "{ $PORT, $((PORT + 1)) }" counter
in_b nft add rule netdev lrmark in ip dscp != cs5 udp dport "{ $PORT, $((PORT + 1)) }" counter
rule_count() {
	in_b nft -j list chain netdev lrmark in |
		jq -r --arg op "$1" '[.nftables[] | select(.rule) | .rule |
			select(any(.expr[]; .match?.right? == "cs5" and .match?.op == $op)) |
			.expr[] | select(.counter) | .counter.packets] | .[0]'
}
timeout --kill-after=5 120 "$LINERATE" rfc2544 --lab --name "$LAB_NAME" --quick \
	--trial 0.5s --warmup 0.2s --drain 0.3s --sizes 64 --tests throughput \
	--max-trials 3 --dscp CS5 --json >"$(out rfc)" 2>"$(err rfc)" </dev/null
assert_rc "5: rfc2544 --dscp CS5" $? 0
assert_gt "5: CS5 test packets counted by b's rule" "$(rule_count "==")" 0
assert_eq "5: test packets with another DSCP" "$(rule_count "!=")" 0

# ---- 7. the xdp analyzer's per-flow view, within its map's limits
xdp_on_b() { ip -n "$NS_B" -j link show dev "$DEV_B" | jq -r '.[0].xdp.prog.name // empty'; }
# start_xdp_recv TAG [ARGS...]: recv --backend xdp in b, back once its
# program is on.
start_xdp_recv() {
	local i tag=$1
	shift
	bg_start "$tag" "$NS_B" 40 "$LINERATE" recv --backend xdp \
		--listen "$IP_B:$PORT" --idle-timeout 2s --json "$@"
	for ((i = 0; i < 100; i++)); do
		[[ -n $(xdp_on_b) ]] && return 0
		sleep 0.1
	done
	fail "$tag: the xdp receiver attached no program: $(tail -n1 "$(err "$tag")")"
}

log "7: xdp analyzer, 3 flows, EF+ECT(0)"
start_xdp_recv recv-xdp
send_a send-xdp 20 --src "$IP_A:47000" --count 3000 --rate 20kpps --flows 3 \
	--dscp EF --ecn ect0 --no-gso --json
assert_rc "7: send" $? 0
bg_wait recv-xdp
R=$(out recv-xdp)
if [[ $(jget "$R" .backend.name) == xdp ]]; then
	assert_eq "7: per_flow has the three flows" "$(jget "$R" '.rx.per_flow | length')" 3
	assert_eq "7: their packets add up" "$(jget "$R" '[.rx.per_flow[].packets] | add')" 3000
	assert_eq "7: each flow: lost 0, expected = packets" \
		"$(jget "$R" '[.rx.per_flow[] | .lost == 0 and .expected == .packets] | all')" true
	assert_eq "7: ports" "$(jget "$R" '[.rx.per_flow[].src_port] | join(",")')" 47000,47001,47002
	assert_eq "7: every flow's DSCP/ECN/VLAN as sent (untagged)" \
		"$(jget "$R" '[.rx.per_flow[] | "\(.dscp | join("+"))/\(.ecn | join("+"))/\(.vlan)"] | unique | join(" ")')" \
		"EF/ect0/null"
	assert_eq "7: named by port and class" "$(flow_field "$R" 47001 name)" "$IP_A:47001 EF"
	assert_eq "7: no latency per flow in the analyzer" \
		"$(jget "$R" '[.rx.per_flow[] | .latency_ns == null] | all')" true
	assert_true "7: the report states the analyzer's limits" quiet \
		jq -e '.rx.per_flow_note | test("below 1024")' "$R"
else
	fail "7: the xdp receiver did not run: $(tail -n1 "$(err recv-xdp)")"
fi

# A remarking device: an nft rule on a's egress (after the udp sender,
# before b's XDP) rewrites flow 47101 to CS1 and every 2nd packet of
# flow 47102 to EF; 47100 keeps AF41. The analyzer must show what came.
N7=3000
if in_a nft -f - <<NFT 2>"$(err remark-nft)"; then
table netdev lrremark {
	chain out {
		type filter hook egress device "$DEV_A" priority 0; policy accept;
		udp sport 47101 counter ip dscp set cs1
		udp sport 47102 numgen inc mod 2 == 0 counter ip dscp set ef
	}
}
NFT
	on_cleanup in_a nft delete table netdev lrremark
	remarked() {
		in_a nft -j list chain netdev lrremark out |
			jq -r --arg p "$1" '.nftables[] | select(.rule) | .rule |
				select(any(.expr[]; .match?.right? == ($p | tonumber))) |
				.expr[] | select(.counter) | .counter.packets'
	}
	log "7: remarked on the way: AF41 from 47100-47102, 47101 to CS1, half of 47102 to EF"
	start_xdp_recv recv-remark --per-flow-csv "$WORKDIR/remark.csv"
	send_a send-remark 20 --src "$IP_A:47100" --count $N7 --rate 20kpps --flows 3 \
		--dscp AF41 --no-gso --json
	assert_rc "7: remark: send" $? 0
	bg_wait recv-remark
	R=$(out recv-remark)
	assert_eq "7: remark: packets" "$(jget "$R" .rx.packets)" $N7
	# The sender spreads packets over its flows; each flow's count is
	# the receiver's, the rule's counter must agree with it.
	assert_gt "7: remark: 47101 got packets" "$(flow_field "$R" 47101 packets)" 0
	assert_eq "7: remark: the rule rewrote all of 47101" "$(remarked 47101)" \
		"$(flow_field "$R" 47101 packets)"
	assert_eq "7: remark: the rule rewrote every 2nd of 47102 (from the 1st)" \
		"$(remarked 47102)" $((($(flow_field "$R" 47102 packets) + 1) / 2))
	assert_eq "7: remark: 47100 kept AF41" "$(flow_field "$R" 47100 'dscp | join(",")')" AF41
	assert_eq "7: remark: 47101 arrived CS1" "$(flow_field "$R" 47101 'dscp | join(",")')" CS1
	assert_eq "7: remark: 47102 arrived as both" "$(flow_field "$R" 47102 'dscp | join(",")')" AF41,EF
	assert_eq "7: remark: ECN untouched" \
		"$(jget "$R" '[.rx.per_flow[].ecn | join(",")] | unique | join(" ")')" not-ect
	assert_eq "7: remark: 47102 named by both classes" \
		"$(flow_field "$R" 47102 name)" "$IP_A:47102 AF41+EF"
	assert_eq "7: remark: nothing lost" "$(jget "$R" .rx.lost)" 0
	assert_eq "7: remark: CSV rows' src_port and dscp" \
		"$(awk -F, 'NR > 1 { printf "%s%s=%s", sep, $3, $12; sep = " " }' "$WORKDIR/remark.csv")" \
		"47100=AF41 47101=CS1 47102=AF41+EF"
else
	log "7: no nft egress hook here ($(head -n1 "$(err remark-nft)")): remarking not checked"
fi

# Two tagged classes. The analyzer keys flows by flow id, one sender
# each: the first sender owns flow 0 (VLAN 100, AF41), the second's
# flow 0 is then another sender's and counted untracked (its markings
# must not leak into flow 0), its flow 1 is VLAN 200, CS1+ECT(1). The
# analyzer's flow state is per CPU (so is its owner): both senders run on
# CPU 0, where the veth then runs b's XDP for their frames, so the
# second sender's flow 0 is untracked whatever its count (owners on
# different CPUs: test_xdp_owner.sh).
# flow_marks JSON PORT: "DSCP/ECN/VLAN/INNER" of the flow from PORT.
flow_marks() {
	jget "$1" "[.rx.per_flow[] | select(.src_port == $2)] | .[0] |
		\"\\(.dscp | join(\",\"))/\\(.ecn | join(\",\"))/\\(.vlan)/\\(.vlan_inner)\""
}
log "7: xdp analyzer, VLAN 100 AF41 (flow 0) and VLAN 200 CS1 (flows 0 and 1)"
start_xdp_recv recv-xvlan
run_in send-xvlan1 "$NS_A" 30 taskset -c 0 "$LINERATE" send --backend afpacket \
	--dst "$IP_B:$PORT" --src "$IP_A:47200" --count 1000 --rate 20kpps \
	--dscp AF41 --vlan 100:3 --json
assert_rc "7: vlan 100: send" $? 0
run_in send-xvlan2 "$NS_A" 30 taskset -c 0 "$LINERATE" send --backend afpacket \
	--dst "$IP_B:$PORT" --src "$IP_A:47300" --flows 2 --count 1000 --rate 20kpps \
	--dscp CS1 --ecn ect1 --vlan 200 --json
assert_rc "7: vlan 200: send" $? 0
bg_wait recv-xvlan
R=$(out recv-xvlan)
assert_eq "7: vlan: packets" "$(jget "$R" .rx.packets)" 2000
assert_eq "7: vlan: the second sender's flow 0 untracked, its flow 1 tracked" \
	"$(($(jget "$R" .rx.untracked) + $(flow_field "$R" 47301 packets)))" 1000
assert_gt "7: vlan: some untracked" "$(jget "$R" .rx.untracked)" 0
assert_eq "7: vlan: two flows" "$(jget "$R" '[.rx.per_flow[] | "\(.src_port)/\(.flow_id)"] | join(" ")')" \
	"47200/0 47301/1"
assert_eq "7: vlan: flow 0 packets" "$(flow_field "$R" 47200 packets)" 1000
assert_eq "7: vlan: flow 0 markings" "$(flow_marks "$R" 47200)" "AF41/not-ect/100/null"
assert_eq "7: vlan: flow 1 markings" "$(flow_marks "$R" 47301)" "CS1/ect1/200/null"
assert_eq "7: vlan: flow 0's priority as sent (3)" "$(flow_field "$R" 47200 vlan_pcp)" 3
assert_eq "7: vlan: flow 1's priority as sent (none: 0)" "$(flow_field "$R" 47301 vlan_pcp)" 0
assert_eq "7: vlan: flow 1 named by class and tag" "$(flow_field "$R" 47301 name)" \
	"$IP_A:47301 CS1 vlan 200"

# ---- 8. the xdp backend's in-kernel generator writes the marking too
log "8: xdp generator, EF+CE, VLAN 7:2 -> afxdp receiver"
bg_start recv-gen "$NS_B" 40 "$LINERATE" recv --backend afxdp \
	--listen "$IP_B:$PORT" --idle-timeout 2s --json
sleep 1.5
run_in send-gen "$NS_A" 30 "$LINERATE" send --backend xdp --dst "$IP_B:$PORT" \
	--src "$IP_A:48000" --count 3000 --rate 20kpps --dscp EF --ecn ce \
	--vlan 7:2 --json
assert_rc "8: xdp send" $? 0
bg_wait recv-gen
R=$(out recv-gen)
assert_eq "8: sender backend" "$(jget "$(out send-gen)" .backend.name)" xdp
assert_eq "8: packets" "$(flow_field "$R" 48000 packets)" 3000
assert_eq "8: dscp" "$(flow_field "$R" 48000 'dscp | join(",")')" EF
assert_eq "8: ecn" "$(flow_field "$R" 48000 'ecn | join(",")')" ce
assert_eq "8: vlan" "$(flow_field "$R" 48000 vlan)" 7
assert_eq "8: corrupt" "$(jget "$R" .rx.corrupt)" 0

# ---- 9. ping: the replies' marking, per reflector backend (AF22: no
# rule of section 1 touches it)
for be in afpacket udp; do
	bg_start "refl-$be" "$NS_B" 30 "$LINERATE" reflect --backend "$be" \
		--listen "$IP_B:$PORT" --idle-timeout 2s --json
	if [[ $be == udp ]]; then
		wait_udp_listen "$NS_B" "$PORT" 5 || fail "9: udp reflector did not bind"
	else
		sleep 1.5
	fi
	run_in "ping-$be" "$NS_A" 20 "$LINERATE" ping --backend udp \
		--dst "$IP_B:$PORT" --count 50 --rate 1kpps --dscp AF22 --json
	assert_rc "9: ping via a $be reflector" $? 0
	bg_wait "refl-$be"
	assert_eq "9: the $be reflector got AF22" \
		"$(jget "$(out "refl-$be")" '.rx.per_flow[0].dscp | join(",")')" AF22
	assert_eq "9: replies from the $be reflector came back AF22" \
		"$(jget "$(out "ping-$be")" '.rx.per_flow[0].dscp | join(",")')" AF22
	assert_eq "9: ping via $be: replies" "$(jget "$(out "ping-$be")" '.rx.per_flow[0].packets')" 50
done

# ---- 6. IPv6: the traffic class over [::1] (the lab runs without IPv6)
NS6=lrm6$$
ip netns add "$NS6" || fatal "ip netns add $NS6"
on_cleanup ip netns del "$NS6"
ip -n "$NS6" link set lo up
ip netns exec "$NS6" sysctl -qw net.ipv6.conf.lo.disable_ipv6=0
bg_start recv6 "$NS6" 20 "$LINERATE" recv --backend udp --listen '[::1]:7000' \
	--idle-timeout 1s --json
wait_udp_listen "$NS6" 7000 || fatal "6: the receiver did not bind [::1]:7000"
# 0xa1: DSCP 40 (CS5), ECN ect1.
run_in send6 "$NS6" 20 "$LINERATE" send --backend udp --dst '[::1]:7000' \
	--src '[::1]:46000' --traffic-class 0xa1 --count 300 --rate 10kpps --json
assert_rc "6: send --traffic-class" $? 0
bg_wait recv6
assert_eq "6: config.tos" "$(jget "$(out send6)" .config.tos)" 161
assert_eq "6: flow dscp" "$(flow_field "$(out recv6)" 46000 'dscp | join(",")')" CS5
assert_eq "6: flow ecn" "$(flow_field "$(out recv6)" 46000 'ecn | join(",")')" ect1
assert_eq "6: flow packets" "$(flow_field "$(out recv6)" 46000 packets)" 300
run_in tos6 "$NS6" 10 "$LINERATE" send --backend udp --dst '[::1]:7000' --tos 4 --count 1
assert_rc "6: --tos to an IPv6 destination" $? 2
assert_true "6: says to use --traffic-class" grep -q 'use --traffic-class' "$(err tos6)"

# The udp backend cannot tag: it says so.
run_in vlan-udp "$NS_A" 10 "$LINERATE" send --backend udp --dst "$VL_B:$PORT" \
	--count 10 --vlan 100
assert_rc "4: udp --vlan refused" $? 2
assert_true "4: udp --vlan says why" grep -q 'udp backend cannot tag' "$(err vlan-udp)"

finish
