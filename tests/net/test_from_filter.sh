#!/usr/bin/env bash
# recv/reflect --from HOST: only that source's packets are taken; what
# others send to the port is counted in rx.filtered, never as test packets,
# the same for the udp receiver (in user space) and the xdp analyzer and
# reflector (in their BPF programs). A second address on a's veth is the
# other source: the test knows exactly how many packets each one sent.
# time-limit: 180
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq
require_binary
lab_up "$(lab_name f)"

IP_A2=${IP_A%.*}.9
ip -n "$NS_A" addr add "$IP_A2/32" dev "$DEV_A" || fatal "cannot add $IP_A2 to $DEV_A"
N_OK=3000
N_OTHER=1000

# filtered BACKEND: recv --from IP_A, senders from IP_A and IP_A2.
filtered() {
	local be=$1 r
	bg_start "recv-$be" "$NS_B" 60 "$LINERATE" recv --backend "$be" --listen "$IP_B:$PORT" \
		--from "$IP_A" --duration 30s --idle-timeout 2s --json
	wait_udp_listen "$NS_B" "$PORT" 5 || sleep 1.5 # the xdp analyzer binds no socket
	run_in "other-$be" "$NS_A" 30 "$LINERATE" send --backend udp --src "$IP_A2" \
		--dst "$IP_B:$PORT" --count "$N_OTHER" --rate 20kpps --json
	assert_rc "$be: send from $IP_A2" $? 0
	run_in "ok-$be" "$NS_A" 30 "$LINERATE" send --backend udp --src "$IP_A" \
		--dst "$IP_B:$PORT" --count "$N_OK" --rate 20kpps --json
	assert_rc "$be: send from $IP_A" $? 0
	bg_wait "recv-$be"
	assert_rc "$be: recv --from" $? 0
	r=$(out "recv-$be")
	assert_eq "$be: receiver backend" "$(jget "$r" .backend.name)" "$be"
	assert_eq "$be: sent by the other" "$(jget "$(out "other-$be")" .tx.packets)" "$N_OTHER"
	assert_eq "$be: rx.packets (only $IP_A's)" "$(jget "$r" .rx.packets)" "$N_OK"
	assert_eq "$be: rx.filtered ($IP_A2's)" "$(jget "$r" .rx.filtered)" "$N_OTHER"
	assert_eq "$be: rx.expected" "$(jget "$r" .rx.expected)" "$N_OK"
	assert_eq "$be: rx.lost" "$(jget "$r" .rx.lost)" 0
	assert_eq "$be: rx.flows (one sender)" "$(jget "$r" .rx.flows)" 1
	assert_eq "$be: rx.foreign" "$(jget "$r" .rx.foreign)" 0
	assert_eq "$be: rx.corrupt" "$(jget "$r" .rx.corrupt)" 0
}

filtered udp
filtered xdp

# Without --from both are test packets: the filter made the
# difference above, not the setup.
bg_start recv-all "$NS_B" 60 "$LINERATE" recv --backend xdp --listen "$IP_B:$PORT" \
	--duration 30s --idle-timeout 2s --json
sleep 1.5
run_in other-all "$NS_A" 30 "$LINERATE" send --backend udp --src "$IP_A2" --dst "$IP_B:$PORT" \
	--count "$N_OTHER" --rate 20kpps --json
run_in ok-all "$NS_A" 30 "$LINERATE" send --backend udp --src "$IP_A" --dst "$IP_B:$PORT" \
	--count "$N_OK" --rate 20kpps --json
bg_wait recv-all
R=$(out recv-all)
assert_eq "no --from: rx.packets" "$(jget "$R" .rx.packets)" "$((N_OK + N_OTHER))"
assert_eq "no --from: rx.filtered" "$(jget "$R" .rx.filtered)" 0

# The xdp reflector answers only its client: a ping from the other address
# gets nothing back (exit 3), one from the client every reply.
bg_start refl "$NS_B" 60 "$LINERATE" reflect --backend xdp --listen "$IP_B:$PORT" \
	--from "$IP_A" --duration 30s --idle-timeout 2s --json
sleep 1.5
run_in ping-other "$NS_A" 30 "$LINERATE" ping --backend afxdp --src "$IP_A2" --dst "$IP_B:$PORT" \
	--count 200 --rate 1kpps --wait 300ms --json
assert_rc "ping from $IP_A2 (filtered)" $? 3
assert_eq "ping from $IP_A2: replies" "$(jget "$(out ping-other)" .rx.packets)" 0
run_in ping-ok "$NS_A" 30 "$LINERATE" ping --backend afxdp --src "$IP_A" --dst "$IP_B:$PORT" \
	--count 200 --rate 1kpps --json
assert_rc "ping from $IP_A" $? 0
assert_eq "ping from $IP_A: replies" "$(jget "$(out ping-ok)" .rx.packets)" 200
bg_wait refl
assert_rc "reflect --from" $? 0
assert_eq "xdp reflect: reflected" "$(jget "$(out refl)" .reflected)" 200
assert_eq "xdp reflect: rx.filtered" "$(jget "$(out refl)" .rx.filtered)" 200

# Bad input: a --from of the other family, a port.
run_in bad-fam "$NS_B" 10 "$LINERATE" recv --listen "$IP_B:$PORT" --from ::1
assert_rc "--from of another family" $? 2
assert_true "one line naming --from" grep -q 'linerate recv: --from: ' "$(err bad-fam)"
run_in bad-port "$NS_B" 10 "$LINERATE" recv --listen "$IP_B:$PORT" --from "$IP_A:7000"
assert_rc "--from with a port" $? 2

finish
