#!/usr/bin/env bash
# retries: 1
# Impairments the test arranges itself on a's egress, and what recv must
# report about them: loss, delay (one-way latency), duplicates, reordering.
#
# tc netem is used when the kernel has it. Kernels without sch_netem (such
# as this project's CI VM) get the same impairments from nftables (loss,
# duplicate: a uniform random draw per packet, exactly like netem's
# uncorrelated loss/duplicate) and from an NFQUEUE delay helper
# (tests/net/nfq_delay.py: delay, reorder); see impair_a in lib.sh.
#
# Tolerances: a loss or duplicate rate p applied independently to N packets
# gives a count ~ Binomial(N, p), so the measured ratio has standard
# deviation sigma = sqrt(p (1 - p) / N). We accept +-4 sigma (a false
# failure about once in 16000 runs): for p = 0.05 and N = 20000,
# sigma = 0.00154 and the window is [0.0438, 0.0562].
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq ss tc
require_binary
lab_up "$(lab_name t)"

SKIPPED=0

# impair SPEC... : apply, or report a SKIP and return 1.
impair() {
	local rc=0
	impair_a "$@" || rc=$?
	if ((rc == 77)); then
		echo "SKIP impairment '$*': neither netem nor the nft/nfqueue fallback is available"
		SKIPPED=$((SKIPPED + 1))
		return 1
	elif ((rc != 0)); then
		fail "could not apply impairment '$*'"
		return 1
	fi
	log "impairment '$*' via $IMPAIR_HOW"
}

# run_case LABEL RECV-LIMIT SEND-ARGS...
run_case() {
	local label=$1 limit=$2
	shift 2
	start_recv "recv-$label" "$limit" --idle-timeout 1s --clock-sync host --json
	send_a "send-$label" 20 --size 64 --json "$@"
	assert_rc "$label: send" $? 0
	bg_wait "recv-$label"
	assert_rc "$label: recv" $? 0
	SEND_JSON=$(out "send-$label")
	RECV_JSON=$(out "recv-$label")
	SENT=$(jget "$SEND_JSON" .tx.packets)
	assert_true "$label: send reports tx.packets ($SENT)" is_integer "$SENT"
}

# ---- loss 5%
N=20000
if impair loss 5%; then
	run_case loss 30 --rate 20kpps --count "$N" --flows 1
	tol=$(binom_tol 0.05 "$N" 4)
	lo=$(calc "0.05 - $tol")
	hi=$(calc "0.05 + $tol")
	assert_range "loss 5%: rx.loss_ratio (4 sigma, sigma=$(binom_tol 0.05 "$N" 1))" \
		"$(jget "$RECV_JSON" .rx.loss_ratio)" "$lo" "$hi"
	lost=$(jget "$RECV_JSON" .rx.lost)
	assert_range "loss 5%: rx.lost (N=$N)" "$lost" "$(calc "$lo * $N")" "$(calc "$hi * $N")"
	assert_eq "loss 5%: rx.packets + rx.lost = rx.expected" \
		"$(jget "$RECV_JSON" '.rx.packets + .rx.lost == .rx.expected')" true
	assert_eq "loss 5%: rx.duplicates" "$(jget "$RECV_JSON" .rx.duplicates)" 0
	assert_eq "loss 5%: rx.corrupt" "$(jget "$RECV_JSON" .rx.corrupt)" 0
	impair_clear_a
fi

# ---- delay 10ms: one-way latency p50 in [10 ms, 11.5 ms]
if impair delay 10ms; then
	run_case delay 30 --rate 5kpps --count 5000 --flows 1
	assert_eq "delay 10ms: latency_ns.valid" "$(jget "$RECV_JSON" .latency_ns.valid)" true
	assert_range "delay 10ms: latency_ns.p50" "$(jget "$RECV_JSON" .latency_ns.p50)" 10000000 11500000
	assert_range "delay 10ms: latency_ns.min" "$(jget "$RECV_JSON" .latency_ns.min)" 10000000 11500000
	assert_eq "delay 10ms: latency_ns.count = rx.packets" \
		"$(jget "$RECV_JSON" '.latency_ns.count == .rx.packets')" true
	assert_eq "delay 10ms: rx.packets" "$(jget "$RECV_JSON" .rx.packets)" "$SENT"
	assert_eq "delay 10ms: rx.lost" "$(jget "$RECV_JSON" .rx.lost)" 0
	impair_clear_a
fi

# ---- duplicate 5%
N=20000
if impair duplicate 5%; then
	run_case duplicate 30 --rate 20kpps --count "$N" --flows 1
	tol=$(binom_tol 0.05 "$N" 4)
	dups=$(jget "$RECV_JSON" .rx.duplicates)
	assert_range "duplicate 5%: rx.duplicates / tx.packets (4 sigma)" \
		"$(calc "${dups:-0} / $SENT")" "$(calc "0.05 - $tol")" "$(calc "0.05 + $tol")"
	assert_eq "duplicate 5%: rx.lost" "$(jget "$RECV_JSON" .rx.lost)" 0
	assert_eq "duplicate 5%: rx.expected" "$(jget "$RECV_JSON" .rx.expected)" "$SENT"
	impair_clear_a
fi

# ---- delay 5ms reorder 25% 50%: some packets overtake the delayed ones.
# At 10 kpps packets are 100 us apart, far less than the 5 ms a delayed one
# waits, so each packet sent at once overtakes the ~50 before it.
if impair delay 5ms reorder 25% 50%; then
	run_case reorder 30 --rate 10kpps --count 10000 --flows 1
	assert_gt "reorder: rx.reordered" "$(jget "$RECV_JSON" .rx.reordered)" 0
	assert_eq "reorder: rx.lost" "$(jget "$RECV_JSON" .rx.lost)" 0
	assert_eq "reorder: rx.duplicates" "$(jget "$RECV_JSON" .rx.duplicates)" 0
	assert_eq "reorder: every packet arrived (rx.packets)" "$(jget "$RECV_JSON" .rx.packets)" "$SENT"
	impair_clear_a
fi

((SKIPPED == 0)) || log "$SKIPPED impairment case(s) skipped"
if ((SKIPPED == 4)); then
	echo "SKIP $TEST: no way to impair traffic here"
	exit 77
fi
finish
