#!/usr/bin/env bash
# retries: 1
# send -> recv over a clean veth: every packet arrives once, in order, intact.
# The link drops nothing at these rates (20 kpps is far below what a veth
# and a UDP socket take), so the counts must be exact, not approximately
# right.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq ss
require_binary
lab_up "$(lab_name t)"

# check_clean LABEL RECV_JSON WANT_PACKETS
# The receiver's counters for a run where nothing may go wrong.
check_clean() {
	local label=$1 j=$2 want=$3 k
	assert_eq "$label: recv role" "$(jget "$j" .role)" recv
	assert_eq "$label: rx.packets" "$(jget "$j" .rx.packets)" "$want"
	assert_eq "$label: rx.expected" "$(jget "$j" .rx.expected)" "$want"
	for k in lost reordered duplicates corrupt late foreign truncated malformed; do
		assert_eq "$label: rx.$k" "$(jget "$j" ".rx.$k")" 0
	done
	assert_eq "$label: rx.loss_ratio" "$(jget "$j" '.rx.loss_ratio == 0')" true
}

# run_case LABEL SIZE SEND-ARGS...: one recv, one send, both JSON.
run_case() {
	local label=$1 size=$2 rc
	shift 2
	log "$label: send --size $size $*"
	start_recv "recv-$label" 20 --idle-timeout 1s --clock-sync host --json
	send_a "send-$label" 15 --size "$size" --flows 4 --json "$@"
	rc=$?
	assert_rc "$label: send" "$rc" 0
	bg_wait "recv-$label"
	assert_rc "$label: recv (ends by itself after 1 s idle)" $? 0
	SEND_JSON=$(out "send-$label")
	RECV_JSON=$(out "recv-$label")
	assert_eq "$label: send stdout is JSON" "$(jget "$SEND_JSON" .role)" send
	assert_eq "$label: tx.errors" "$(jget "$SEND_JSON" .tx.errors)" 0
}

# check_schedule LABEL SEND_JSON PPS SECONDS: the sender sent what its
# schedule held: PPS x SECONDS less the frames its catch-up policy gave up
# after a stall (tx.pacing.forfeit_ns, which a busy host makes non-zero),
# within 1%; and gave up less than a fifth (else the host was too busy for
# the run to mean anything, and that is a failure too).
check_schedule() {
	local label=$1 j=$2 pps=$3 secs=$4 forfeit want
	forfeit=$(jget "$j" .tx.pacing.forfeit_ns)
	is_number "$forfeit" || forfeit=0
	want=$(calc "$pps * $secs - $forfeit * $pps / 1e9")
	log "$label: forfeit $forfeit ns: $want frames scheduled"
	assert_lt "$label: schedule given up (ns)" "$forfeit" "$(calc "$secs * 2e8")"
	assert_range "$label: tx.packets (the schedule, +-1%)" "$(jget "$j" .tx.packets)" \
		"$(calc "$want * 0.99")" "$(calc "$want * 1.01")"
	assert_range "$label: tx.pps (+-2% of the schedule's rate)" "$(jget "$j" .tx.pps)" \
		"$(calc "$want / $secs * 0.98")" "$(calc "$want / $secs * 1.02")"
}

# 1. 64-byte frames, 4 flows, 20 kpps for 1 s: about 20000 packets, and
#    recv counts exactly what send sent.
run_case small64 64 --rate 20kpps --duration 1s
sent=$(jget "$SEND_JSON" .tx.packets)
check_schedule small64 "$SEND_JSON" 20000 1
check_clean small64 "$RECV_JSON" "$sent"
assert_range "small64: rx.pps (+-5% of tx.pps)" "$(jget "$RECV_JSON" .rx.pps)" \
	"$(calc "$(jget "$SEND_JSON" .tx.pps) * 0.95")" "$(calc "$(jget "$SEND_JSON" .tx.pps) * 1.05")"

# 2. The same with 1518-byte frames (1500-byte IP packets).
run_case big1518 1518 --rate 20kpps --duration 1s
sent=$(jget "$SEND_JSON" .tx.packets)
check_schedule big1518 "$SEND_JSON" 20000 1
check_clean big1518 "$RECV_JSON" "$sent"

# 3. --count: exactly 20000 sent and received.
run_case count 64 --rate 20kpps --count 20000
assert_eq "count: tx.packets" "$(jget "$SEND_JSON" .tx.packets)" 20000
check_clean count "$RECV_JSON" 20000

# 4. Jumbo frames: 9018 bytes (a 9000-byte IP packet, the lab's MTU).
run_case jumbo 9018 --rate 5kpps --count 2000
assert_eq "jumbo: tx.packets" "$(jget "$SEND_JSON" .tx.packets)" 2000
check_clean jumbo "$RECV_JSON" 2000

finish
