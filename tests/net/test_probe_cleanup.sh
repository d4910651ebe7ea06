#!/usr/bin/env bash
# linerate probe and linerate cleanup on the lab veth.
#
#  - probe reports sane facts (queues >= 1, MTU, driver veth, native and
#    generic XDP attach, live frames run, auto picks xdp) and leaves nothing
#    attached; a bad -i is exit code 2 with one line naming -i.
#  - a linerate program left attached with nobody holding it (what a killed
#    run leaves) is reported by probe and removed by cleanup. It is made by
#    attaching the build's own xdp_pass.bpf.o (program lr_pass) with
#    `ip link`, which exits at once: exactly the state of a killed run,
#    with no test hook in the binary.
#  - a foreign program (libxdp's xsk_def_prog, installed with libxdp) is
#    left alone by probe and by cleanup, and removed by cleanup --force.
#
# LR_XDP_PASS_OBJ points at xdp_pass.bpf.o when it is not next to the
# binary (meson writes it to build/src/). LR_LAB_NAME / LR_LAB_SUBNET pick
# the lab's name and subnet (default: a name unique to this test).
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq
require_binary

if [[ -n ${LR_LAB_NAME:-} ]]; then
	lab_up "$LR_LAB_NAME" ${LR_LAB_SUBNET:+--subnet "$LR_LAB_SUBNET"}
else
	lab_up "$(lab_name p)" ${LR_LAB_SUBNET:+--subnet "$LR_LAB_SUBNET"}
fi

# "name:id" of every XDP program on DEV_A, in any mode; empty when none.
xdp_progs() {
	ip -n "$NS_A" -j link show dev "$DEV_A" |
		jq -r '.[0].xdp // empty | (.attached // [.]) | .[] |
			"\(.prog.name):\(.prog.id)"' | sort | tr '\n' ' ' | sed 's/ $//'
}

# probe_a TAG ARGS...: linerate probe in namespace a; returns its exit code.
probe_a() {
	local tag=$1
	shift
	run_in "$tag" "$NS_A" 30 "$LINERATE" probe "$@"
}

# one_line_naming TAG NEEDLE: stderr of TAG is one line containing NEEDLE.
one_line_naming() {
	local n
	n=$(grep -c '' "$(err "$1")")
	if ((n == 1)) && grep -qF -- "$2" "$(err "$1")"; then
		pass "$1: one line naming '$2': $(cat "$(err "$1")")"
	else
		fail "$1: want one stderr line naming '$2', got $n: $(head -c 300 "$(err "$1")" | tr '\n' '|')"
	fi
}

# ---- probe on a clean interface
rc=0
probe_a probe-text -i "$DEV_A" || rc=$?
assert_rc "probe -i $DEV_A" "$rc" 0
assert_true "probe text names native XDP" grep -q '^native XDP ' "$(out probe-text)"
for role in send recv reflect ping; do
	assert_true "probe text names the auto backend for $role" grep -q "^auto $role " "$(out probe-text)"
done

rc=0
probe_a probe-json -i "$DEV_A" --json || rc=$?
assert_rc "probe -i $DEV_A --json" "$rc" 0
J=$(out probe-json)
assert_true "probe --json is JSON" quiet jq -e . "$J"
assert_eq "probe interface" "$(jget "$J" .interface)" "$DEV_A"
assert_eq "probe driver" "$(jget "$J" .driver.name)" veth
assert_eq "probe mtu" "$(jget "$J" .mtu)" 9000
assert_eq "probe mac" "$(jget "$J" .mac)" "$MAC_A"
assert_range "probe rx_queues" "$(jget "$J" .rx_queues)" 1 4096
assert_range "probe tx_queues" "$(jget "$J" .tx_queues)" 1 4096
assert_eq "probe attached (clean interface)" "$(jget "$J" '.attached | length')" 0
# The lab's MTU 9000 is above a page: veth takes only multi-buffer aware
# programs natively, which probe says with frags_only.
assert_eq "probe native XDP supported" "$(jget "$J" .native_xdp.supported)" true
assert_eq "probe generic XDP supported" "$(jget "$J" .generic_xdp.supported)" true
assert_eq "probe live frames supported" "$(jget "$J" .live_frames.supported)" true
# veth has no AF_XDP zero-copy; copy mode binds anywhere.
assert_eq "probe AF_XDP zero-copy (veth has none)" "$(jget "$J" .afxdp.zero_copy.supported)" false
assert_eq "probe AF_XDP copy" "$(jget "$J" .afxdp.copy.supported)" true
# One rule for probe and the run: on a veth the analyzer is xdp, but the
# xdp generator and reflector transmit with XDP_TX, which a veth drops
# unless its peer runs XDP, so send and reflect go to afxdp.
assert_eq "probe auto recv" "$(jget "$J" .auto.recv.backend)" xdp
assert_eq "probe auto send" "$(jget "$J" .auto.send.backend)" afxdp
assert_eq "probe auto reflect" "$(jget "$J" .auto.reflect.backend)" afxdp
assert_eq "probe auto ping" "$(jget "$J" .auto.ping.backend)" afxdp
assert_true "probe auto send says why not xdp" grep -q 'XDP_TX' <<<"$(jget "$J" .auto.send.refused)"
# ... and what probe says is what a run picks.
rc=0
run_in send-auto "$NS_A" 30 "$LINERATE" send --dst "$IP_B:$PORT" --count 100 --rate 10kpps --json || rc=$?
assert_rc "send --backend auto on $DEV_A" "$rc" 0
assert_eq "send picks what probe said" "$(jget "$(out send-auto)" .backend.name)" "$(jget "$J" .auto.send.backend)"
assert_eq "nothing attached after probe" "$(xdp_progs)" ""

# ---- bad input
rc=0
probe_a probe-nosuch -i nosuch0 || rc=$?
assert_rc "probe -i nosuch0" "$rc" 2
one_line_naming probe-nosuch "-i nosuch0"
rc=0
probe_a probe-noif || rc=$?
assert_rc "probe without -i" "$rc" 2
one_line_naming probe-noif "-i"
rc=0
run_in cleanup-nosuch "$NS_A" 10 "$LINERATE" cleanup -i nosuch0 || rc=$?
assert_rc "cleanup -i nosuch0" "$rc" 2
one_line_naming cleanup-nosuch "-i nosuch0"

# ---- a linerate leftover: reported by probe, removed by cleanup
OBJ=${LR_XDP_PASS_OBJ:-$(dirname "$(readlink -f "$LINERATE")")/xdp_pass.bpf.o}
[[ -f $OBJ ]] || OBJ=$REPO_ROOT/build/src/xdp_pass.bpf.o
if [[ -f $OBJ ]] &&
	in_a ip link set dev "$DEV_A" xdpgeneric obj "$OBJ" sec xdp 2>"$WORKDIR/leftover.err"; then
	left=$(xdp_progs)
	assert_true "leftover lr_pass attached ($left)" test "${left%%:*}" = lr_pass
	rc=0
	probe_a probe-leftover -i "$DEV_A" --json || rc=$?
	assert_rc "probe with a leftover" "$rc" 0
	assert_eq "probe sees the leftover" \
		"$(jget "$(out probe-leftover)" '.attached[0] | "\(.name) \(.owner) \(.mode)"')" \
		"lr_pass linerate generic"
	assert_eq "probe leaves the leftover alone" "$(xdp_progs)" "$left"
	rc=0
	run_in cleanup-leftover "$NS_A" 10 "$LINERATE" cleanup -i "$DEV_A" || rc=$?
	assert_rc "cleanup of a leftover" "$rc" 0
	assert_true "cleanup says it removed lr_pass" \
		grep -q 'removed XDP program lr_pass' "$(out cleanup-leftover)" "$(err cleanup-leftover)"
	assert_eq "leftover gone after cleanup" "$(xdp_progs)" ""
	rc=0
	run_in cleanup-again "$NS_A" 10 "$LINERATE" cleanup -i "$DEV_A" || rc=$?
	assert_rc "cleanup with nothing to do" "$rc" 0
	assert_true "cleanup says there was nothing" grep -q 'nothing to clean up' "$(out cleanup-again)"
else
	log "SKIP leftover part: cannot attach $OBJ with ip link ($(head -n1 "$WORKDIR/leftover.err" 2>/dev/null)); set LR_XDP_PASS_OBJ"
fi

# ---- a foreign program: left alone, except with --force
FOREIGN=
for f in /usr/lib/*/bpf/xsk_def_xdp_prog.o /usr/lib/bpf/xsk_def_xdp_prog.o; do
	[[ -f $f ]] && FOREIGN=$f && break
done
if [[ -n $FOREIGN ]] &&
	in_a ip link set dev "$DEV_A" xdpgeneric obj "$FOREIGN" sec xdp 2>"$WORKDIR/foreign.err"; then
	foreign=$(xdp_progs)
	assert_true "foreign xsk_def_prog attached ($foreign)" test "${foreign%%:*}" = xsk_def_prog
	rc=0
	probe_a probe-foreign -i "$DEV_A" --json || rc=$?
	assert_rc "probe with a foreign program" "$rc" 0
	assert_eq "probe names the foreign program" \
		"$(jget "$(out probe-foreign)" '.attached[0] | "\(.name) \(.owner)"')" \
		"xsk_def_prog foreign"
	assert_eq "probe does not test native XDP over it" \
		"$(jget "$(out probe-foreign)" .native_xdp.supported)" null
	assert_eq "probe leaves the foreign program alone" "$(xdp_progs)" "$foreign"
	rc=0
	run_in cleanup-foreign "$NS_A" 10 "$LINERATE" cleanup -i "$DEV_A" || rc=$?
	assert_rc "cleanup with a foreign program" "$rc" 0
	assert_eq "cleanup leaves the foreign program alone" "$(xdp_progs)" "$foreign"
	assert_true "cleanup reports the foreign program" \
		grep -q 'xsk_def_prog.*foreign' "$(out cleanup-foreign)"
	rc=0
	run_in cleanup-force "$NS_A" 10 "$LINERATE" cleanup -i "$DEV_A" --force || rc=$?
	assert_rc "cleanup --force" "$rc" 0
	assert_eq "cleanup --force removed it" "$(xdp_progs)" ""
else
	log "SKIP foreign part: no xsk_def_xdp_prog.o from libxdp, or ip link could not attach it ($(head -n1 "$WORKDIR/foreign.err" 2>/dev/null))"
fi

finish
