#!/usr/bin/env bash
# stamp (in a, udp) against stamp-reflect --backend xdp (in b): the XDP
# program answers the 44-octet packets itself (exact counts, the
# reflector's fields right: one-way delays never negative on one host
# clock, TTL, stateful numbering), passes padded packets up to the socket
# reflector, enforces the per-source rate limit in XDP, and leaves no
# program behind. Generic XDP: native XDP_TX frames on veth are taken by
# the peer only when it runs an XDP program itself (see test_backends.sh).
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq python3
require_binary
lab_up "$(lab_name sx)"
CRAFT="$(dirname "$0")/stamp_craft.py"

start_xdp_reflect() {
	local tag=$1 port=$2
	shift 2
	bg_start "$tag" "$NS_B" 30 "$LINERATE" stamp-reflect --backend xdp \
		--xdp-mode generic --listen "$IP_B:$port" --idle-timeout 1s --json "$@"
	wait_udp_listen "$NS_B" "$port" 5 ||
		fatal "$tag: stamp-reflect did not bind port $port within 5 s"
}

no_xdp_left() {
	assert_eq "$1: no XDP program left on $DEV_B" \
		"$(in_b ip link show dev "$DEV_B" | grep -c 'prog/xdp')" 0
}

# ---- bad flags
lr stamp-reflect --backend xdp --listen 0.0.0.0:862 >/dev/null 2>"$WORKDIR/f.err"
assert_rc "xdp with a wildcard address and no -i: exit 2" $? 2
printf 'k\n' >"$WORKDIR/key"
lr stamp-reflect --backend xdp -i lo --key-file "$WORKDIR/key" >/dev/null 2>"$WORKDIR/f.err"
assert_rc "xdp with --key-file: exit 2" $? 2
lr stamp-reflect --backend afxdp >/dev/null 2>"$WORKDIR/f.err"
assert_rc "backend afxdp: exit 2" $? 2

# ---- 1: 44-octet packets, answered in XDP, stateful
N=300
start_xdp_reflect refl1 862 --stateful
run_in stamp1 "$NS_A" 30 "$LINERATE" stamp --dst "$IP_B:862" --count $N \
	--rate 1000pps --clock-sync host --reflector stateful --ssid 7 --json
assert_rc "xdp: stamp" $? 0
bg_wait refl1
assert_rc "xdp: stamp-reflect" $? 0
S=$(out stamp1)
R=$(out refl1)
assert_eq "xdp: backend" "$(jget "$R" .backend)" xdp
assert_eq "xdp: XDP mode" "$(jget "$R" .xdp.mode)" "generic XDP"
assert_eq "xdp: tx.packets" "$(jget "$S" .tx.packets)" $N
assert_eq "xdp: rx.packets" "$(jget "$S" .rx.packets)" $N
assert_eq "xdp: reflected in XDP" "$(jget "$R" .xdp.reflected)" $N
assert_eq "xdp: XDP saw" "$(jget "$R" .xdp.rx_packets)" $N
assert_eq "xdp: passed up" "$(jget "$R" .xdp.passed_up)" 0
assert_eq "xdp: socket reflector saw nothing" "$(jget "$R" .rx_packets)" 0
assert_eq "xdp: bytes back" "$(jget "$R" .xdp.bytes)" $((N * 44))
assert_eq "xdp: forward negative" "$(jget "$S" .stamp.forward_ns.negative)" 0
assert_eq "xdp: reverse negative" "$(jget "$S" .stamp.reverse_ns.negative)" 0
assert_true "xdp: 0 <= forward min, reverse min" quiet \
	jq -e '.stamp.forward_ns.min >= 0 and .stamp.reverse_ns.min >= 0' "$S"
assert_eq "xdp: receive and transmit stamped at once (residence 0)" \
	"$(jget "$S" .stamp.reflector_residence_ns.max)" 0
assert_eq "xdp: TTL the reflector saw" "$(jget "$S" .stamp.reflector_saw_ttl_min)" 64
assert_eq "xdp: SSID echoed" "$(jget "$S" .stamp.reflector_kind)" stamp-rfc8972
assert_eq "xdp: forward loss (stateful numbers)" "$(jget "$S" .stamp.forward_ns.lost)" 0
assert_eq "xdp: reverse loss" "$(jget "$S" .stamp.reverse_ns.lost)" 0
assert_eq "xdp: rtt samples" "$(jget "$S" .rtt_ns.count)" $N
assert_eq "xdp: rtt negative" "$(jget "$S" .rtt_ns.negative)" 0
no_xdp_left "xdp"

# ---- PTPv2 timestamps in XDP (the Z flag)
start_xdp_reflect reflptp 862
run_in stampptp "$NS_A" 20 "$LINERATE" stamp --dst "$IP_B:862" --count 50 \
	--rate 1000pps --clock-sync host --timestamp ptp --json
assert_rc "ptp: stamp" $? 0
bg_wait reflptp
assert_eq "ptp: PTP replies from XDP" "$(jget "$(out reflptp)" .xdp.ptp_replies)" 50
S=$(out stampptp)
assert_eq "ptp: replies in PTP format (sender)" "$(jget "$S" .stamp.reflector_ptp_replies)" 50
assert_eq "ptp: forward negative" "$(jget "$S" .stamp.forward_ns.negative)" 0
assert_eq "ptp: reverse negative" "$(jget "$S" .stamp.reverse_ns.negative)" 0
assert_true "ptp: forward, reverse < 50 ms" quiet \
	jq -e '.stamp.forward_ns.max < 50000000 and .stamp.reverse_ns.max < 50000000' "$S"
no_xdp_left "ptp"

# ---- 2: padded packets go up to the socket reflector
N=100
start_xdp_reflect refl2 862
run_in stamp2 "$NS_A" 30 "$LINERATE" stamp --dst "$IP_B:862" --count $N \
	--rate 1000pps --clock-sync host --size 128 --padding tlv --json
assert_rc "padded: stamp" $? 0
bg_wait refl2
S=$(out stamp2)
R=$(out refl2)
assert_eq "padded: rx.packets" "$(jget "$S" .rx.packets)" $N
assert_eq "padded: passed up by XDP" "$(jget "$R" .xdp.passed_up)" $N
assert_eq "padded: reflected in XDP" "$(jget "$R" .xdp.reflected)" 0
assert_eq "padded: reflected by the socket" "$(jget "$R" .reflected)" $N
assert_eq "padded: same length back" "$(jget "$R" .tx_bytes)" $((N * (128 - 46)))
assert_eq "padded: TLVs flagged" "$(jget "$S" .stamp.tlv_flagged)" 0
no_xdp_left "padded"

# ---- 3: the rate limit in XDP (10 pps: the burst of 32, then dropped)
start_xdp_reflect refl3 8621 --rate-limit 10
run_in craft3 "$NS_A" 20 python3 "$CRAFT" flood "$IP_B" 8621 100
assert_rc "rate: crafted packets sent" $? 0
bg_wait refl3
R=$(out refl3)
C=$(out craft3)
reflected=$(jget "$R" .xdp.reflected)
assert_range "rate: reflected in XDP = the burst (+1)" "$reflected" 32 33
assert_eq "rate: rate_limited in XDP = the rest" "$(jget "$R" .xdp.rate_limited)" $((100 - reflected))
assert_eq "rate: replies received" "$(jget "$C" .replies)" "$reflected"
no_xdp_left "rate"

finish
