#!/usr/bin/env bash
# Never a wrong number by default (issue 12):
#  - in a namespace with only lo, recv and send with every default: auto
#    takes udp on both ends (the raw backends are refused, and the note
#    says why), and the receiver counts every packet: 0 lost, 0 corrupt.
#  - exit codes that mean something, each with one line on stderr:
#    3 for a send the destination refused to the end (a closed port),
#    for a send that sent nothing (every send refused by the kernel: an
#    OUTPUT drop rule), for a recv that got no test packet, for a ping
#    without replies; tx.packets counts only what left (the kernel's own
#    UdpOutDatagrams and UdpNoPorts agree with it).
#  - what was not measured is null: a recv that got nothing has no
#    latency or jitter numbers.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq
require_binary

LO=$(lab_name d)-iso
ip netns add "$LO" || fatal "cannot create namespace $LO"
on_cleanup "ip netns del '$LO'"
ip -n "$LO" link set lo up

# ---- loopback, every default
bg_start lo-recv "$LO" 30 "$LINERATE" recv --listen 127.0.0.1:7123 --json
wait_udp_listen "$LO" 7123 5 || fatal "recv did not bind 127.0.0.1:7123"
rc=0
run_in lo-send "$LO" 30 "$LINERATE" send --dst 127.0.0.1:7123 --rate 5kpps --duration 2 --json || rc=$?
assert_rc "loopback send, defaults" "$rc" 0
rc=0
bg_wait lo-recv || rc=$?
assert_rc "loopback recv, defaults (ends 2 s after the last packet)" "$rc" 0
S=$(out lo-send)
R=$(out lo-recv)
sent=$(jget "$S" .tx.packets)
# The rate is not the point here (a loaded VM falls short): the counts are.
assert_range "loopback: packets sent (5 kpps for 2 s, at most)" "$sent" 1000 10001
assert_eq "loopback: send backend" "$(jget "$S" .backend.name)" udp
assert_eq "loopback: recv backend" "$(jget "$R" .backend.name)" udp
assert_true "loopback: recv says why the raw backends were refused" \
	grep -q 'xdp, afxdp, afpacket refused: on a loopback interface' <<<"$(jget "$R" .backend.note)"
assert_eq "loopback: received = sent" "$(jget "$R" .rx.packets)" "$sent"
assert_eq "loopback: expected = sent" "$(jget "$R" .rx.expected)" "$sent"
assert_eq "loopback: lost" "$(jget "$R" .rx.lost)" 0
assert_eq "loopback: corrupt" "$(jget "$R" .rx.corrupt)" 0

# one_line TAG NEEDLE: TAG's stderr has exactly one line naming NEEDLE
# after the per-second warnings (the last line is the verdict).
verdict_line() {
	local tag=$1 needle=$2 last
	last=$(tail -n1 "$(err "$tag")")
	if [[ $last == "linerate "*": "*"$needle"* ]]; then
		pass "$tag: says why in one line: $last"
	else
		fail "$tag: last stderr line '$last' does not say '$needle'"
	fi
	assert_eq "$tag: one verdict line" "$(grep -c "^linerate " "$(err "$tag")")" 1
}

# ---- a closed port: exit 3; tx.packets is what left
ns_udp() { ip netns exec "$LO" nstat -saz "$1" | awk -v k="$1" '$1 == k { print $2 }'; }
out0=$(ns_udp UdpOutDatagrams)
noport0=$(ns_udp UdpNoPorts)
rc=0
run_in closed "$LO" 30 "$LINERATE" send --dst 127.0.0.1:7000 --rate 1kpps --duration 1s \
	--no-gso --json || rc=$?
assert_rc "send to a closed port" "$rc" 3
verdict_line closed "the destination refused the traffic from start to end"
C=$(out closed)
left=$(($(ns_udp UdpOutDatagrams) - out0))
assert_eq "closed port: tx.packets = datagrams that left (UdpOutDatagrams)" "$(jget "$C" .tx.packets)" "$left"
assert_eq "closed port: tx.packets = datagrams refused (UdpNoPorts)" "$(jget "$C" .tx.packets)" "$(($(ns_udp UdpNoPorts) - noport0))"
# Each refusal (the ICMP error of the packet before) takes its packet's
# turn: 1 kpps for 1 s is ~1000 turns, every other one refused.
turns=$(($(jget "$C" .tx.packets) + $(jget "$C" .tx.errors)))
assert_range "closed port: turns (sent + refused) at 1 kpps for 1 s" "$turns" 300 1001
assert_range "closed port: every other turn left" "$((2 * left))" "$((turns * 9 / 10))" "$((turns * 11 / 10 + 2))"
assert_gt "closed port: tx.refused" "$(jget "$C" .tx.refused)" 0
assert_true "closed port: tx.errors >= tx.refused" test "$(jget "$C" .tx.errors)" -ge "$(jget "$C" .tx.refused)"
assert_true "closed port: the JSON says why" grep -q 'refused the traffic' <<<"$(jget "$C" .failure)"
# Text output too: exit 3, the verdict on stderr.
rc=0
run_in closed-text "$LO" 30 "$LINERATE" send --dst 127.0.0.1:7000 --rate 1kpps --count 200 || rc=$?
assert_rc "send to a closed port (text, GSO)" "$rc" 3
verdict_line closed-text "refused the traffic"

# ---- every send refused by the kernel: nothing left, exit 3
if command -v iptables >/dev/null 2>&1 &&
	ip netns exec "$LO" iptables -A OUTPUT -p udp --dport 7999 -j DROP 2>/dev/null; then
	rc=0
	run_in dropped "$LO" 30 "$LINERATE" send --dst 127.0.0.1:7999 --rate 1kpps --count 100 --json || rc=$?
	assert_rc "send that the kernel refuses" "$rc" 3
	verdict_line dropped "sent nothing: the kernel refused all"
	assert_eq "dropped: tx.packets" "$(jget "$(out dropped)" .tx.packets)" 0
	assert_gt "dropped: tx.errors" "$(jget "$(out dropped)" .tx.errors)" 0
	# A ping with --count likewise: it gives up after 3 s, exit 3.
	rc=0
	run_in ping-dropped "$LO" 30 "$LINERATE" ping --dst 127.0.0.1:7999 --count 5 --wait 200ms || rc=$?
	assert_rc "ping that the kernel refuses" "$rc" 3
	verdict_line ping-dropped "sent nothing"
	ip netns exec "$LO" iptables -D OUTPUT -p udp --dport 7999 -j DROP
else
	log "no iptables here: the all-refused send is not checked"
fi

# ---- a recv that gets nothing: exit 3, and no latency numbers
rc=0
run_in empty "$LO" 30 "$LINERATE" recv --listen 127.0.0.1:7124 --duration 1s --json || rc=$?
assert_rc "recv that got nothing" "$rc" 3
verdict_line empty "received no test packets"
E=$(out empty)
for k in .latency_ns.p50 .latency_ns.min .latency_ns.mean .jitter_ns.rfc3550 \
	.jitter_ns.ipdv_p50 .jitter_ns.pdv_p99 .rx.loss_ratio; do
	assert_eq "nothing received: $k not measured" "$(jget "$E" "$k")" null
done
assert_eq "nothing received: first interval latency not measured" "$(jget "$E" '.intervals[0].latency_p50_ns')" null
rc=0
run_in empty-text "$LO" 30 "$LINERATE" recv --listen 127.0.0.1:7124 --duration 1s --quiet || rc=$?
assert_rc "recv that got nothing (text)" "$rc" 3
assert_true "text: latency not measured" grep -q 'not measured (no samples)' "$(out empty-text)"
assert_true "text: IPDV not measured" grep -q 'IPDV not measured' "$(out empty-text)"
assert_true "text: no 0 ns anywhere" test -z "$(grep ' 0 ns' "$(out empty-text)")"

# ---- a ping without replies: exit 3
rc=0
run_in noreply "$LO" 30 "$LINERATE" ping --dst 127.0.0.1:7125 --count 5 --wait 200ms || rc=$?
assert_rc "ping without replies" "$rc" 3
verdict_line noreply "no replies: 5 probes sent"

# ---- and with a reflector, 0: exit codes are not all 3
bg_start refl "$LO" 30 "$LINERATE" reflect --listen 127.0.0.1:7126 --duration 20s --idle-timeout 1s
wait_udp_listen "$LO" 7126 5 || fatal "reflect did not bind"
rc=0
run_in replies "$LO" 30 "$LINERATE" ping --dst 127.0.0.1:7126 --count 5 --json || rc=$?
assert_rc "ping with replies" "$rc" 0
assert_eq "ping: replies" "$(jget "$(out replies)" .rx.packets)" 5
assert_eq "ping: failure" "$(jget "$(out replies)" .failure)" null
rc=0
bg_wait refl || rc=$?
assert_rc "reflect that reflected" "$rc" 0

# ---- exit code 1: the test could not run (the address is not this
# host's, so nothing can listen there), and a line says why
rc=0
run_in cannot "$LO" 30 "$LINERATE" recv --listen 10.99.0.1:7129 --duration 1s --json || rc=$?
assert_rc "recv on an address this host does not have" "$rc" 1
assert_true "exit 1: stderr says why" grep -qi 'address' "$(err cannot)"
assert_true "exit 1: nothing on stdout" test ! -s "$(out cannot)"

# ---- host names where an address goes (/etc/hosts: localhost)
bg_start name-recv "$LO" 30 "$LINERATE" recv --listen localhost:7127 --duration 20s --idle-timeout 1s --json
wait_udp_listen "$LO" 7127 5 || fatal "recv --listen localhost:7127 did not bind"
rc=0
run_in name-send "$LO" 30 "$LINERATE" send --dst localhost:7127 --count 100 --rate 10kpps --json || rc=$?
assert_rc "send --dst localhost:7127" "$rc" 0
rc=0
bg_wait name-recv || rc=$?
assert_rc "recv --listen localhost:7127" "$rc" 0
assert_eq "localhost is 127.0.0.1 (IPv4 first)" "$(jget "$(out name-send)" .config.dst)" 127.0.0.1
assert_eq "recv --listen localhost" "$(jget "$(out name-recv)" .config.listen)" 127.0.0.1
assert_eq "by name: every packet" "$(jget "$(out name-recv)" .rx.packets)" 100

# ---- a raw receiver and a sender on this host: the traffic goes over lo,
# which the raw backend never sees; the report says so instead of "nothing
# arrived" (and the port is held, so the sender is not refused).
if ip -n "$LO" link add dflt0 type veth peer name dflt1 2>/dev/null; then
	ip -n "$LO" addr add 10.93.0.1/24 dev dflt0
	ip -n "$LO" link set dflt0 up
	ip -n "$LO" link set dflt1 up
	bg_start raw-recv "$LO" 30 "$LINERATE" recv --backend xdp --listen 10.93.0.1:7128 \
		--duration 4s --json
	wait_udp_listen "$LO" 7128 5 || fatal "the raw receiver watches no socket on its port"
	rc=0
	run_in local-send "$LO" 30 "$LINERATE" send --dst 10.93.0.1:7128 --count 1000 --rate 10kpps --json || rc=$?
	assert_rc "local send to a raw receiver" "$rc" 0
	rc=0
	bg_wait raw-recv || rc=$?
	assert_rc "raw receiver with only a local sender" "$rc" 3
	verdict_line raw-recv "reached the kernel stack instead (a sender on this host, over loopback"
	assert_eq "raw receiver: rx.packets" "$(jget "$(out raw-recv)" .rx.packets)" 0
	assert_eq "raw receiver: rx.bypassed = what the sender sent" \
		"$(jget "$(out raw-recv)" .rx.bypassed)" "$(jget "$(out local-send)" .tx.packets)"
else
	log "no veth here: the local-sender check is skipped"
fi

finish
