#!/usr/bin/env bash
# Never a wrong number by default (issue 12):
#  - in a namespace with only lo, recv and send with every default: auto
#    takes udp on both ends (the raw backends are refused, and the note
#    says why), and the receiver counts every packet: 0 lost, 0 corrupt.
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
assert_range "loopback: packets sent (5 kpps for 2 s)" "$sent" 9000 10001
assert_eq "loopback: send backend" "$(jget "$S" .backend.name)" udp
assert_eq "loopback: recv backend" "$(jget "$R" .backend.name)" udp
assert_true "loopback: recv says why the raw backends were refused" \
	grep -q 'xdp, afxdp, afpacket refused: on a loopback interface' <<<"$(jget "$R" .backend.note)"
assert_eq "loopback: received = sent" "$(jget "$R" .rx.packets)" "$sent"
assert_eq "loopback: expected = sent" "$(jget "$R" .rx.expected)" "$sent"
assert_eq "loopback: lost" "$(jget "$R" .rx.lost)" 0
assert_eq "loopback: corrupt" "$(jget "$R" .rx.corrupt)" 0

finish
