#!/usr/bin/env bash
# The in-kernel programs over IPv6 (the other tests run IPv4 labs): the
# XDP STAMP reflector answers every 44-octet packet itself, the xdp
# reflector answers its client's pings and drops, counted, those of an
# address its --from refuses, and the AF_XDP steering program hands the
# pinger's replies to its socket. The lab's veths get IPv6 addresses of
# their own (nodad, static neighbours), so counts are exact. The xdp
# analyzer reads each flow's traffic class and takes, with --from, only
# its client's packets (the other address's are filtered).
# time-limit: 120
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq sysctl
require_binary
lab_up "$(lab_name ip)"
IP6_A=fd77::1
IP6_A2=fd77::3
IP6_B=fd77::2
for side in a b; do
	if [[ $side == a ]]; then ns=$NS_A dev=$DEV_A; else ns=$NS_B dev=$DEV_B; fi
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
		"net.ipv6.conf.$dev.disable_ipv6=0" ||
		fatal "cannot turn IPv6 on in $ns"
done
in_a ip -6 addr add "$IP6_A/64" dev "$DEV_A" nodad
in_a ip -6 addr add "$IP6_A2/64" dev "$DEV_A" nodad
in_b ip -6 addr add "$IP6_B/64" dev "$DEV_B" nodad
in_a ip -6 neigh replace "$IP6_B" lladdr "$MAC_B" dev "$DEV_A" nud permanent
in_b ip -6 neigh replace "$IP6_A" lladdr "$MAC_A" dev "$DEV_B" nud permanent
in_b ip -6 neigh replace "$IP6_A2" lladdr "$MAC_A" dev "$DEV_B" nud permanent

no_xdp_left() {
	assert_eq "$1: no XDP program left on $DEV_B" \
		"$(in_b ip link show dev "$DEV_B" | grep -c 'prog/xdp')" 0
}

# ---- STAMP, answered in XDP, stateful numbering
N=200
bg_start stamp-refl "$NS_B" 30 "$LINERATE" stamp-reflect --backend xdp \
	--xdp-mode generic --listen "[$IP6_B]:862" --idle-timeout 1s --stateful --json
wait_udp_listen "$NS_B" 862 5 || fatal "stamp-reflect did not bind port 862 within 5 s"
run_in stamp "$NS_A" 30 "$LINERATE" stamp --dst "[$IP6_B]:862" --count $N \
	--rate 1000pps --clock-sync host --reflector stateful --json
assert_rc "stamp over IPv6" $? 0
bg_wait stamp-refl
assert_rc "stamp-reflect over IPv6" $? 0
S=$(out stamp)
R=$(out stamp-refl)
assert_eq "stamp: backend" "$(jget "$R" .backend)" xdp
assert_eq "stamp: XDP saw" "$(jget "$R" .xdp.rx_packets)" $N
assert_eq "stamp: reflected in XDP" "$(jget "$R" .xdp.reflected)" $N
assert_eq "stamp: passed up" "$(jget "$R" .xdp.passed_up)" 0
assert_eq "stamp: socket reflector saw nothing" "$(jget "$R" .rx_packets)" 0
assert_eq "stamp: replies" "$(jget "$S" .rx.packets)" $N
assert_eq "stamp: hop limit the reflector saw" "$(jget "$S" .stamp.reflector_saw_ttl_min)" 64
assert_eq "stamp: forward loss (stateful numbers)" "$(jget "$S" .stamp.forward_ns.lost)" 0
assert_eq "stamp: forward negative" "$(jget "$S" .stamp.forward_ns.negative)" 0
no_xdp_left stamp

# ---- the xdp reflector with --from, pinged over AF_XDP (the steering
# program) from the refused address and from the client
N=200
bg_start refl "$NS_B" 60 "$LINERATE" reflect --backend xdp --xdp-mode generic \
	--listen "[$IP6_B]:7000" --from "$IP6_A" --duration 30s --idle-timeout 2s --json
wait_udp_listen "$NS_B" 7000 5 || fatal "reflect did not bind port 7000 within 5 s"
run_in ping-other "$NS_A" 30 "$LINERATE" ping --backend afxdp --src "$IP6_A2" \
	--dst "[$IP6_B]:7000" --count $N --rate 1kpps --wait 300ms --json
assert_rc "ping from $IP6_A2 (filtered)" $? 3
assert_eq "ping from $IP6_A2: replies" "$(jget "$(out ping-other)" .rx.packets)" 0
run_in ping "$NS_A" 30 "$LINERATE" ping --backend afxdp --src "$IP6_A" \
	--dst "[$IP6_B]:7000" --count $N --rate 1kpps --json
assert_rc "ping from $IP6_A" $? 0
P=$(out ping)
assert_eq "ping: backend" "$(jget "$P" .backend.name)" afxdp
assert_eq "ping: replies" "$(jget "$P" .rx.packets)" $N
assert_eq "ping: lost" "$(jget "$P" .rx.lost)" 0
assert_eq "ping: steered to the socket" "$(jget "$P" .backend.kernel.steer_redirected)" $N
bg_wait refl
assert_rc "reflect --from over IPv6" $? 0
R=$(out refl)
assert_eq "reflect: backend" "$(jget "$R" .backend.name)" xdp
assert_eq "reflect: reflected" "$(jget "$R" .reflected)" $N
assert_eq "reflect: rx.filtered" "$(jget "$R" .rx.filtered)" $N
no_xdp_left reflect

# ---- the xdp analyzer reads the IPv6 traffic class per flow: 0xa1 is
# DSCP 40 (CS5) and ECN ect1, split over the version and flow label words
N=300
bg_start an "$NS_B" 40 "$LINERATE" recv --backend xdp --listen "[$IP6_B]:7100" \
	--idle-timeout 2s --json
for ((i = 0; i < 100; i++)); do
	[[ -n $(ip -n "$NS_B" -j link show dev "$DEV_B" | jq -r '.[0].xdp.prog.name // empty') ]] && break
	sleep 0.1
done
run_in an-send "$NS_A" 30 "$LINERATE" send --backend udp --src "[$IP6_A]:47600" \
	--dst "[$IP6_B]:7100" --flows 2 --traffic-class 0xa1 --count $N --rate 10kpps \
	--no-gso --json
assert_rc "analyzer: send --traffic-class 0xa1" $? 0
bg_wait an
assert_rc "analyzer: recv" $? 0
R=$(out an)
assert_eq "analyzer: backend" "$(jget "$R" .backend.name)" xdp
assert_eq "analyzer: packets" "$(jget "$R" .rx.packets)" $N
assert_eq "analyzer: per-flow markings" \
	"$(jget "$R" '[.rx.per_flow[] | "\(.src_port) \(.dscp | join("+")) \(.ecn | join("+")) \(.vlan)"] | join(", ")')" \
	"47600 CS5 ect1 null, 47601 CS5 ect1 null"
assert_eq "analyzer: named by address, port and class" \
	"$(jget "$R" '.rx.per_flow[0].name')" "[$IP6_A]:47600 CS5"
no_xdp_left analyzer

# ---- the analyzer's --from over IPv6: the two senders' addresses differ
# in their last word only, the refused one's packets count as filtered
bg_start anf "$NS_B" 40 "$LINERATE" recv --backend xdp --listen "[$IP6_B]:7100" \
	--from "$IP6_A" --idle-timeout 2s --json
for ((i = 0; i < 100; i++)); do
	[[ -n $(ip -n "$NS_B" -j link show dev "$DEV_B" | jq -r '.[0].xdp.prog.name // empty') ]] && break
	sleep 0.1
done
run_in anf-other "$NS_A" 30 "$LINERATE" send --backend udp --src "[$IP6_A2]:47700" \
	--dst "[$IP6_B]:7100" --count 200 --rate 10kpps --no-gso --json
assert_rc "analyzer --from: send from $IP6_A2" $? 0
run_in anf-send "$NS_A" 30 "$LINERATE" send --backend udp --src "[$IP6_A]:47800" \
	--dst "[$IP6_B]:7100" --count $N --rate 10kpps --no-gso --json
assert_rc "analyzer --from: send from $IP6_A" $? 0
bg_wait anf
R=$(out anf)
assert_eq "analyzer --from: packets (the client's)" "$(jget "$R" .rx.packets)" $N
assert_eq "analyzer --from: filtered (the other's)" "$(jget "$R" .rx.filtered)" 200
assert_eq "analyzer --from: one flow, the client's" \
	"$(jget "$R" '[.rx.per_flow[] | "\(.src) \(.src_port) \(.packets)"] | join(", ")')" \
	"$IP6_A 47800 $N"
no_xdp_left analyzer

finish
