#!/usr/bin/env bash
# scripts/lab: up, status, down, idempotency, two labs side by side, argument
# errors, --threaded, and nothing left behind. Needs no linerate binary.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq

N1=$(lab_name a)
N2=$(lab_name b)
# Registered before they exist, so a failure half way still removes them.
register_lab "$N1"
register_lab "$N2"

# shellcheck disable=SC2317 # called through assert_true
ns_present() { ip netns list | awk '{print $1}' | grep -qx "$1"; }
key() { sed -n "s/^$2=//p" "$1" | head -n1; }

# ---- before: nothing
"$LAB" status --name "$N1" >"$WORKDIR/st0" 2>&1
assert_rc "status before up" $? 1
assert_eq "status before up says" "$(key "$WORKDIR/st0" state)" down

# ---- up
"$LAB" up --name "$N1" >"$WORKDIR/up1" 2>"$WORKDIR/up1.err"
assert_rc "up --name $N1" $? 0
for k in ns_a ns_b dev_a dev_b ip_a ip_b mac_a mac_b; do
	v=$(key "$WORKDIR/up1" "$k")
	assert_true "up prints $k=$v" test -n "$v"
done
assert_eq "ns_a" "$(key "$WORKDIR/up1" ns_a)" "$N1-a"
assert_eq "ns_b" "$(key "$WORKDIR/up1" ns_b)" "$N1-b"
assert_eq "dev_a" "$(key "$WORKDIR/up1" dev_a)" "$N1-a0"
assert_eq "dev_b" "$(key "$WORKDIR/up1" dev_b)" "$N1-b0"
assert_eq "ip_a (default subnet)" "$(key "$WORKDIR/up1" ip_a)" 10.77.0.1
assert_eq "ip_b (default subnet)" "$(key "$WORKDIR/up1" ip_b)" 10.77.0.2
MAC_A=$(key "$WORKDIR/up1" mac_a)
MAC_B=$(key "$WORKDIR/up1" mac_b)
assert_true "namespace $N1-a exists" ns_present "$N1-a"
assert_true "namespace $N1-b exists" ns_present "$N1-b"

A=$N1-a B=$N1-b
assert_eq "MAC of $N1-a0" "$(ip -n "$A" -j link show dev "$N1-a0" | jq -r '.[0].address')" "$MAC_A"
assert_eq "MAC of $N1-b0" "$(ip -n "$B" -j link show dev "$N1-b0" | jq -r '.[0].address')" "$MAC_B"
assert_eq "MTU of $N1-a0" "$(ip -n "$A" -j link show dev "$N1-a0" | jq -r '.[0].mtu')" 9000
assert_eq "MTU of $N1-b0" "$(ip -n "$B" -j link show dev "$N1-b0" | jq -r '.[0].mtu')" 9000
assert_eq "address in a" "$(ip -n "$A" -j -4 addr show dev "$N1-a0" | jq -r '.[0].addr_info | map("\(.local)/\(.prefixlen)") | join(",")')" 10.77.0.1/24
assert_eq "address in b" "$(ip -n "$B" -j -4 addr show dev "$N1-b0" | jq -r '.[0].addr_info | map("\(.local)/\(.prefixlen)") | join(",")')" 10.77.0.2/24
assert_eq "lo up in a" "$(ip -n "$A" -j link show dev lo | jq -r '.[0].flags | index("UP") != null')" true
assert_eq "lo up in b" "$(ip -n "$B" -j link show dev lo | jq -r '.[0].flags | index("UP") != null')" true
assert_eq "neighbour in a: 10.77.0.2" \
	"$(ip -n "$A" -j neigh show 10.77.0.2 dev "$N1-a0" | jq -r '.[0] | "\(.lladdr) \(.state | join(","))"')" "$MAC_B PERMANENT"
assert_eq "neighbour in b: 10.77.0.1" \
	"$(ip -n "$B" -j neigh show 10.77.0.1 dev "$N1-b0" | jq -r '.[0] | "\(.lladdr) \(.state | join(","))"')" "$MAC_A PERMANENT"
if [[ -d /proc/sys/net/ipv6 ]]; then
	assert_eq "IPv6 off in a (all)" "$(ip netns exec "$A" sysctl -n net.ipv6.conf.all.disable_ipv6)" 1
	assert_eq "IPv6 off in b (all)" "$(ip netns exec "$B" sysctl -n net.ipv6.conf.all.disable_ipv6)" 1
	assert_eq "IPv6 off on $N1-b0" "$(ip netns exec "$B" sysctl -n "net.ipv6.conf.$N1-b0.disable_ipv6")" 1
	assert_eq "no IPv6 addresses in a" "$(ip -n "$A" -6 -o addr show | wc -l)" 0
fi
assert_eq "veth not left in the root namespace" "$(ip -o link show | grep -c -- "$N1-[ab]0")" 0

if command -v ping >/dev/null 2>&1; then
	assert_true "ping a -> b (jumbo, DF, 8972 bytes)" \
		quiet ip netns exec "$A" ping -q -c 2 -i 0.2 -W 1 -M "do" -s 8972 10.77.0.2
else
	log "ping not installed: skipping the connectivity check"
fi

# ---- up again: same lab, nothing recreated
"$LAB" up --name "$N1" >"$WORKDIR/up2" 2>"$WORKDIR/up2.err"
assert_rc "up again" $? 0
assert_eq "up again keeps mac_a" "$(key "$WORKDIR/up2" mac_a)" "$MAC_A"
assert_eq "up again keeps mac_b" "$(key "$WORKDIR/up2" mac_b)" "$MAC_B"
assert_eq "still one address in a" "$(ip -n "$A" -o -4 addr show dev "$N1-a0" | wc -l)" 1

# ---- status
"$LAB" status --name "$N1" >"$WORKDIR/st1" 2>&1
assert_rc "status while up" $? 0
assert_eq "status says" "$(key "$WORKDIR/st1" state)" up
assert_eq "status ip_b" "$(key "$WORKDIR/st1" ip_b)" 10.77.0.2

# ---- the same through the binary's `linerate lab`, when there is one
if [[ -x $LINERATE ]]; then
	"$LINERATE" lab status --name "$N1" >"$WORKDIR/st2" 2>&1
	assert_rc "linerate lab status (execs scripts/lab)" $? 0
	assert_eq "linerate lab status says" "$(key "$WORKDIR/st2" state)" up
fi

# ---- a second lab side by side, different subnet; the first is unchanged
"$LAB" up --name "$N2" --subnet 10.78.5 >"$WORKDIR/up3" 2>"$WORKDIR/up3.err"
assert_rc "second lab up --name $N2 --subnet 10.78.5" $? 0
assert_eq "second lab ip_a" "$(key "$WORKDIR/up3" ip_a)" 10.78.5.1
assert_eq "second lab ip_b" "$(key "$WORKDIR/up3" ip_b)" 10.78.5.2
"$LAB" status --name "$N1" >/dev/null 2>&1
assert_rc "first lab still up" $? 0
"$LAB" status --name "$N2" >/dev/null 2>&1
assert_rc "second lab up" $? 0
if command -v ping >/dev/null 2>&1; then
	assert_true "ping in the second lab" quiet ip netns exec "$N2-a" ping -q -c 1 -W 1 10.78.5.2
	# The labs are isolated: the first lab's a cannot reach the second's b.
	assert_true "labs are isolated" \
		bash -c "! ip netns exec '$A' ping -q -c 1 -W 1 10.78.5.2 >/dev/null 2>&1"
fi

# ---- a different subnet on a lab that is up is refused, not half-applied
"$LAB" up --name "$N1" --subnet 10.79.0 >/dev/null 2>"$WORKDIR/up4.err"
assert_rc "up with another subnet on a running lab" $? 1
assert_eq "address unchanged" "$(ip -n "$A" -o -4 addr show dev "$N1-a0" | awk '{print $4}')" 10.77.0.1/24

# ---- --threaded: NAPI kthread of b's veth pinned to the CPU asked for
if command -v ethtool >/dev/null 2>&1 && [[ -e /sys/class/net/lo/threaded ]]; then
	"$LAB" up --name "$N1" --threaded --cpu 0 >"$WORKDIR/up5" 2>"$WORKDIR/up5.err"
	assert_rc "up --threaded --cpu 0" $? 0
	assert_eq "threaded" "$(ip netns exec "$B" cat "/sys/class/net/$N1-b0/threaded")" 1
	pids=$(key "$WORKDIR/up5" napi_pids)
	assert_true "napi kthread found (napi_pids=$pids)" test -n "$pids"
	for pid in ${pids//,/ }; do
		comm=$(<"/proc/$pid/comm")
		assert_eq "kthread $pid name starts with napi/$N1" "${comm:0:$((5 + ${#N1}))}" "napi/$N1"
		assert_eq "kthread $pid affinity" "$(taskset -pc "$pid" | sed 's/.*: //')" 0
	done
	if command -v ping >/dev/null 2>&1; then
		assert_true "ping a -> b with threaded NAPI" quiet ip netns exec "$A" ping -q -c 2 -i 0.2 -W 1 10.77.0.2
	fi
	"$LAB" up --name "$N1" >"$WORKDIR/up6" 2>&1
	assert_eq "up without --threaded turns it off" "$(ip netns exec "$B" cat "/sys/class/net/$N1-b0/threaded")" 0
else
	log "ethtool or threaded NAPI unavailable: skipping --threaded"
fi

# ---- bad arguments: exit 2, one clear line, nothing created
for args in "up --name BAD" "up --name toolongname" "up --name a-b" "up --subnet 192.168.1" \
	"up --subnet 10.1.256" "up --subnet 10.1" "up --cpu x --threaded" "up --cpu 4096 --threaded" \
	"up --frob" "sideways" "" "up --name"; do
	# shellcheck disable=SC2086 # word splitting wanted
	"$LAB" $args >"$WORKDIR/bad.out" 2>"$WORKDIR/bad.err"
	rc=$?
	assert_rc "lab $args" "$rc" 2
	assert_true "lab $args: message on stderr ($(head -n1 "$WORKDIR/bad.err"))" test -s "$WORKDIR/bad.err"
done
assert_true "bad arguments created no namespace" \
	bash -c "! ip netns list | grep -Eq '^(BAD|toolongname|a-b)-'"

# ---- down, twice; nothing left
"$LAB" down --name "$N1" >/dev/null 2>&1
assert_rc "down $N1" $? 0
"$LAB" down --name "$N1" >/dev/null 2>&1
assert_rc "down $N1 again" $? 0
"$LAB" status --name "$N1" >/dev/null 2>&1
assert_rc "status after down" $? 1
"$LAB" status --name "$N2" >/dev/null 2>&1
assert_rc "second lab survives the first one's down" $? 0
"$LAB" down --name "$N2" >/dev/null 2>&1
assert_rc "down $N2" $? 0

for ns in "$N1-a" "$N1-b" "$N2-a" "$N2-b"; do
	assert_true "namespace $ns gone" bash -c "! ip netns list | awk '{print \$1}' | grep -qx '$ns'"
	assert_true "/run/netns/$ns gone" test ! -e "/run/netns/$ns"
done
assert_eq "no veth of either lab in the root namespace" \
	"$(ip -o link show | grep -c -E -- "($N1|$N2)-[ab]0")" 0
# Namespace teardown is asynchronous in the kernel; the kthread goes with it.
for ((i = 0; i < 50; i++)); do
	left=$(grep -l "^napi/$N1-" /proc/[0-9]*/comm 2>/dev/null | wc -l)
	((left == 0)) && break
	sleep 0.1
done
assert_eq "no NAPI kthread of $N1 left" "$left" 0

finish
