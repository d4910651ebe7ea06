#!/usr/bin/env bash
# recv --backend xdp --latency-sample N: the in-kernel analyzer reads the
# clock only for packets whose sequence number is a multiple of N (and
# the first on each CPU), and still counts, sequences and checks every
# packet; the last arrival is then known to one poll, and the idle
# timeout still ends the run. Refused with anything but the xdp analyzer.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq
require_binary
lab_up "$(lab_name s)"

wait_attached() {
	for ((i = 0; i < 50; i++)); do
		ip -n "$NS_B" link show "$DEV_B" | grep -q 'prog/xdp' && return 0
		sleep 0.1
	done
	return 1
}

# 1. Two flows of 10000 (sequence 0..9999 each), no idle timeout.
bg_start recv "$NS_B" 30 "$LINERATE" recv --backend xdp --latency-sample 16 \
	--listen "$IP_B:7000" --idle-timeout 0 --duration 6s --interval 0 --json
wait_attached
run_in send "$NS_A" 20 "$LINERATE" send --backend udp --no-gso --dst "$IP_B:7000" \
	--rate 20kpps --count 20000 --flows 2 --json
assert_rc "send" $? 0
bg_wait recv
assert_rc "recv --latency-sample 16" $? 0
R=$(out recv)
assert_eq "every packet counted" "$(jget "$R" .rx.packets)" 20000
assert_eq "every packet sequenced: expected" "$(jget "$R" .rx.expected)" 20000
assert_eq "lost" "$(jget "$R" .rx.lost)" 0
assert_eq "flows" "$(jget "$R" .rx.flows)" 2
# 625 multiples of 16 in 0..9999 per flow; at most one more per CPU
# (the first packet a CPU saw).
assert_range "latency samples: 1 in 16" "$(jget "$R" .latency_ns.count)" 1250 $((1250 + $(nproc)))
assert_eq "the report says 1 in 16" "$(jget "$R" .latency_ns.sampled_1_in)" 16
assert_gt "latency p50 measured" "$(jget "$R" .latency_ns.p50)" 0
assert_true "jitter measured" is_number "$(jget "$R" .jitter_ns.rfc3550)"
assert_true "the note says so" grep -q "1 in 16 packets" "$R"

# 2. The idle timeout ends the run when the last packets went untimed;
# the receive time then runs to a poll (10 ms) after the last timed one.
bg_start idle "$NS_B" 30 "$LINERATE" recv --backend xdp --latency-sample 1024 \
	--listen "$IP_B:7001" --idle-timeout 1s --duration 20s --interval 0 --json
wait_attached
t0=$(date +%s%N)
run_in send2 "$NS_A" 20 "$LINERATE" send --backend udp --no-gso --dst "$IP_B:7001" \
	--rate 20kpps --count 19400 --json
assert_rc "send" $? 0
bg_wait idle
assert_rc "recv ended by the idle timeout" $? 0
t1=$(date +%s%N)
assert_lt "recv ended within 4 s of the start of sending" "$(((t1 - t0) / 1000000))" 4000
R=$(out idle)
assert_eq "every packet counted" "$(jget "$R" .rx.packets)" 19400
assert_eq "lost" "$(jget "$R" .rx.lost)" 0
# 0..19399: multiples of 1024 are 19, the last 18432
assert_range "latency samples: 1 in 1024" "$(jget "$R" .latency_ns.count)" 19 $((19 + $(nproc)))
# 19400 packets at 20 kpps: 0.97 s from the first to the last, known to
# a poll (10 ms) though the last 967 went untimed (the last timed one
# came at 0.92 s)
assert_range "receive time" "$(jget "$R" .duration_s)" 0.94 0.99

# 3. Refused: not a power of two, too large, another backend, --count-only.
for bad in "--backend xdp --latency-sample 3" "--backend xdp --latency-sample 2048" \
	"--backend udp --latency-sample 16" "--backend xdp --count-only --latency-sample 16"; do
	# shellcheck disable=SC2086
	run_in bad "$NS_B" 10 "$LINERATE" recv $bad --listen "$IP_B:7002" --duration 1s
	assert_rc "recv $bad" $? 2
	assert_true "one line naming --latency-sample ($bad)" grep -q -- "--latency-sample" "$(err bad)"
done
assert_true "nothing left attached" test -z "$(ip -n "$NS_B" link show "$DEV_B" | grep prog/xdp)"
finish
