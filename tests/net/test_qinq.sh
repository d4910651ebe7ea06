#!/usr/bin/env bash
# QinQ end to end on the veth lab: --vlan OUTER[:PCP],INNER[:PCP] from
# every raw sender (afpacket, afxdp, the xdp generator) to receivers that
# parse the tags, with every frame counted and the tags named per flow.
#
# This kernel has no 802.1Q module (no VLAN subinterface), so the tags
# are checked where they are visible: an afxdp receiver gets the frame as
# it came off the wire, both tags in it; an afpacket receiver gets the
# outer tag beside the frame (the kernel takes it off) and the inner one
# in it. With an afpacket receiver (no XDP program on b, which would
# take the frames before it), an nft rule on b's ingress counts frames
# whose outer tag is 802.1ad (TPID 0x88a8) VLAN 100 PCP 3 (TCI 0x6064)
# and whose inner tag is 802.1Q (0x8100) VLAN 200 PCP 5 (TCI 0xa0c8): the
# wire's truth, independent of linerate's parser. (Raw @ll matches only:
# this nft cannot list a rule that mixes them with "vlan id".) Not
# covered: the xdp generator into an afpacket receiver (a veth drops
# XDP_TX frames toward a peer without an XDP program, untagged too). The
# xdp analyzer reads both tags from the frame in the kernel and names the
# flow by them like the others. Every receiver reports the priorities
# (PCP) the nft rule counted: 3 outer, 5 inner.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq nft
require_binary
lab_up "$(lab_name q)"

flow_field() {
	jget "$1" "[.rx.per_flow[] | select(.src_port == $2)] | .[0].$3"
}

in_b nft add table netdev lrqinq
on_cleanup ip netns exec "$NS_B" nft delete table netdev lrqinq
in_b nft add chain netdev lrqinq in "{ type filter hook ingress device $DEV_B priority 0; }"
in_b nft add rule netdev lrqinq in @ll,96,32 0x88a86064 @ll,128,32 0x8100a0c8 counter
qinq_count() {
	in_b nft -j list chain netdev lrqinq in |
		jq -r '[.nftables[] | select(.rule) | .rule.expr[] | select(.counter) | .counter.packets] | .[0]'
}

# qinq_case LABEL SEND-BACKEND RECV-BACKEND SRC-PORT
qinq_case() {
	local label=$1 sb=$2 rb=$3 sport=$4 before after R
	before=$(qinq_count)
	bg_start "recv-$label" "$NS_B" 40 "$LINERATE" recv --backend "$rb" \
		--listen "$IP_B:$PORT" --duration 8s --idle-timeout 1s --json
	sleep 1.5
	run_in "send-$label" "$NS_A" 30 "$LINERATE" send --backend "$sb" \
		--dst "$IP_B:$PORT" --src "$IP_A:$sport" --count 1000 --rate 20kpps \
		--vlan 100:3,200:5 --dscp EF --json
	assert_rc "$label: send" $? 0
	bg_wait "recv-$label"
	after=$(qinq_count)
	R=$(out "recv-$label")
	assert_eq "$label: sender backend" "$(jget "$(out "send-$label")" .backend.name)" "$sb"
	assert_eq "$label: receiver backend" "$(jget "$R" .backend.name)" "$rb"
	if [[ $rb == afpacket ]]; then
		assert_eq "$label: QinQ frames on b's wire (nft)" "$((after - before))" 1000
	fi
	assert_eq "$label: packets" "$(jget "$R" .rx.packets)" 1000
	assert_eq "$label: foreign" "$(jget "$R" .rx.foreign)" 0
	assert_eq "$label: corrupt" "$(jget "$R" .rx.corrupt)" 0
	assert_eq "$label: the flow's outer VLAN" "$(flow_field "$R" "$sport" vlan)" 100
	assert_eq "$label: the flow's inner VLAN" "$(flow_field "$R" "$sport" vlan_inner)" 200
	assert_eq "$label: the outer tag's priority as sent" "$(flow_field "$R" "$sport" vlan_pcp)" 3
	assert_eq "$label: the inner tag's priority as sent" "$(flow_field "$R" "$sport" vlan_inner_pcp)" 5
	assert_eq "$label: the flow's DSCP behind both tags" \
		"$(flow_field "$R" "$sport" 'dscp | join(",")')" EF
	assert_eq "$label: the flow is named by its tags" \
		"$(flow_field "$R" "$sport" name)" "$IP_A:$sport EF vlan 100,200"
}

qinq_case afpacket-afxdp afpacket afxdp 45000
qinq_case afxdp-afxdp afxdp afxdp 45100
qinq_case xdp-afxdp xdp afxdp 45200
qinq_case afpacket-afpacket afpacket afpacket 45300
qinq_case afxdp-afpacket afxdp afpacket 45400
qinq_case afpacket-xdp afpacket xdp 45500

S=$(out send-afpacket-afxdp)
assert_eq "config: both tags" \
	"$(jget "$S" '"\(.config.vlan):\(.config.vlan_pcp),\(.config.vlan_inner):\(.config.vlan_inner_pcp)"')" "100:3,200:5"
assert_eq "config: the smallest frame with two tags and a probe" "$(jget "$S" .config.frame_size)" 72
assert_eq "tx.bytes: 1000 frames of 72 bytes" "$(jget "$S" .tx.bytes)" 72000

# One tag stays one 802.1Q tag: no 802.1ad frame on the wire.
before=$(qinq_count)
bg_start recv-one "$NS_B" 40 "$LINERATE" recv --backend afpacket \
	--listen "$IP_B:$PORT" --duration 8s --idle-timeout 1s --json
sleep 1.5
run_in send-one "$NS_A" 30 "$LINERATE" send --backend afpacket \
	--dst "$IP_B:$PORT" --src "$IP_A:46000" --count 500 --rate 20kpps --vlan 100:6 --json
assert_rc "one tag: send" $? 0
bg_wait recv-one
assert_eq "one tag: no QinQ frame counted" "$(($(qinq_count) - before))" 0
assert_eq "one tag: packets" "$(flow_field "$(out recv-one)" 46000 packets)" 500
assert_eq "one tag: vlan" "$(flow_field "$(out recv-one)" 46000 vlan)" 100
assert_eq "one tag: no inner vlan" "$(flow_field "$(out recv-one)" 46000 vlan_inner)" null
assert_eq "one tag: its priority as sent (the ring's TCI)" \
	"$(flow_field "$(out recv-one)" 46000 vlan_pcp)" 6
assert_eq "one tag: no inner priority" "$(flow_field "$(out recv-one)" 46000 vlan_inner_pcp)" null

# Bad pairs: exit 2, one line naming --vlan.
for bad in "100,0" "100,200,300" "0,100" "100,200:8" ","; do
	run_in "bad-$bad" "$NS_A" 10 "$LINERATE" send --backend afpacket \
		--dst "$IP_B:$PORT" --count 1 --vlan "$bad"
	assert_rc "--vlan $bad refused" $? 2
	assert_eq "--vlan $bad: one line naming --vlan" \
		"$(wc -l <"$(err "bad-$bad")") $(grep -c -- "--vlan" "$(err "bad-$bad")")" "1 1"
done
run_in bad-small "$NS_A" 10 "$LINERATE" send --backend afpacket \
	--dst "$IP_B:$PORT" --count 1 --vlan 100,200 --size 68
assert_rc "68-byte frame with two tags refused" $? 2

finish
