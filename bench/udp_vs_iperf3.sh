#!/usr/bin/env bash
# Benchmark: linerate (udp backend) against iperf3 -u at 64-byte frames, on
# the same veth lab, one after the other, same CPU placement.
#
#   bench/udp_vs_iperf3.sh [--duration S] [--one-core] [--gso-only] [--name NAME]
#
# 64-byte frames: linerate --size 64 <=> iperf3 -u -l 18, since
# 64 = 14 Ethernet + 20 IPv4 + 8 UDP + 18 payload + 4 FCS.
#
# Placement (2 CPUs): the sender on CPU 0 (taskset); the receiver's veth
# NAPI threaded and pinned to CPU 1 (lab --threaded --cpu 1), the receiving
# process on CPU 1 too. --one-core adds a second round with everything on
# CPU 0.
#
# Both tools are counted the same way: sent = packets the sender says it
# sent; received = packets the receiver got (iperf3: server's packets -
# lost_packets); pps = packets / the sender's active time; loss % =
# (sent - received) / sent. Latency is one-way (linerate recv with
# --clock-sync host; iperf3 reports none).
#
# linerate's udp backend batches with UDP GSO/GRO by default. On a veth the
# GSO super-packets cross to the receiver unsegmented (veth passes GSO
# through) and the receiver's UDP GRO hands them over whole, so the
# individual 64-byte frames never exist as separate skbs: that row is not
# like-for-like with iperf3, which sends one datagram per syscall. A second
# row runs linerate with --no-gso (one datagram per message, still
# sendmmsg/recvmmsg batches) for a fair comparison; --gso-only skips it.
#
# Traffic stays inside the lab's two namespaces; each run is bounded by
# --duration and by a hard timeout. Needs root.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
DURATION=5
ONE_CORE=0
NO_GSO=1
NAME=bn$(($$ % 1000000))
PORT_LR=7000
PORT_IPERF=5201

while (($#)); do
	case $1 in
	--duration)
		DURATION=${2:?--duration needs seconds}
		shift
		;;
	--one-core) ONE_CORE=1 ;;
	--gso-only) NO_GSO=0 ;;
	--name)
		NAME=${2:?--name needs a value}
		shift
		;;
	-h | --help)
		sed -n '2,22s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		echo "udp_vs_iperf3: unknown argument '$1'" >&2
		exit 2
		;;
	esac
	shift
done
bench_uint "udp_vs_iperf3" --duration "$DURATION" 1 60 seconds
bench_require udp_vs_iperf3
for tool in jq iperf3 taskset; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "udp_vs_iperf3: installing $tool" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null 2>&1 || {
			echo "udp_vs_iperf3: $tool is missing and could not be installed" >&2
			exit 1
		}
	fi
done
NCPU=$(nproc)

WORK=$(mktemp -d /tmp/lr-bench.XXXXXX)
bench_cleanup_on_exit

# lab_up NAPI_CPU: (re)build the lab with b's NAPI kthread on NAPI_CPU.
lab_up() {
	"$LAB" up --name "$NAME" --threaded --cpu "$1" >"$WORK/lab.keys" 2>"$WORK/lab.err" || {
		cat "$WORK/lab.err" >&2
		exit 1
	}
	NS_A=$(sed -n 's/^ns_a=//p' "$WORK/lab.keys")
	NS_B=$(sed -n 's/^ns_b=//p' "$WORK/lab.keys")
	IP_B=$(sed -n 's/^ip_b=//p' "$WORK/lab.keys")
}

wait_bound() { # NS PORT
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -n $(ip netns exec "$1" ss -H -uln "sport = :$2" 2>/dev/null) ]] && return 0
		sleep 0.05
	done
	return 1
}

fmt_pps() { awk -v v="$1" 'BEGIN { if (v == "" || v == "null") print "n/a"; else printf "%.0f", v }'; }
fmt_ns() {
	awk -v v="$1" 'BEGIN {
		if (v == "" || v == "null") print "n/a"
		else if (v >= 1e7) printf "%.1f ms", v / 1e6
		else printf "%.1f us", v / 1e3 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }

ROWS=()
RATIOS=()

# run_linerate PLACEMENT TOOL_LABEL SENDER_CPU RECEIVER_CPU [EXTRA ARGS for send and recv]
# Appends a table row; sets LR_SENT_PPS / LR_RECV_PPS.
run_linerate() {
	local place=$1 tool=$2 scpu=$3 rcpu=$4 pid rc tx rx sent secs recv loss p50 p99
	shift 4
	timeout --kill-after=2 $((DURATION + 20)) taskset -c "$rcpu" ip netns exec "$NS_B" \
		"$LINERATE" recv --backend udp --listen "$IP_B:$PORT_LR" --idle-timeout 2s --clock-sync host --json "$@" \
		>"$WORK/lr-recv.json" 2>"$WORK/lr-recv.err" </dev/null &
	pid=$!
	PIDS+=("$pid")
	wait_bound "$NS_B" "$PORT_LR" || {
		echo "linerate recv did not start: $(cat "$WORK/lr-recv.err")" >&2
		exit 1
	}
	rc=0
	timeout --kill-after=2 $((DURATION + 10)) taskset -c "$scpu" ip netns exec "$NS_A" \
		"$LINERATE" send --dst "$IP_B:$PORT_LR" --backend udp --rate max --size 64 \
		--duration "${DURATION}s" --json "$@" >"$WORK/lr-send.json" 2>"$WORK/lr-send.err" </dev/null || rc=$?
	((rc == 0)) || echo "linerate send exited $rc: $(tail -n 3 "$WORK/lr-send.err")" >&2
	wait "$pid" || echo "linerate recv exited $?: $(tail -n 3 "$WORK/lr-recv.err")" >&2
	tx=$(jq -r '.tx.packets // empty' "$WORK/lr-send.json" 2>/dev/null)
	sent=$(jq -r '.tx.handed_pps // .tx.pps // empty' "$WORK/lr-send.json" 2>/dev/null)
	rx=$(jq -r '.rx.packets // empty' "$WORK/lr-recv.json" 2>/dev/null)
	secs=$(awk -v n="$tx" -v p="$sent" 'BEGIN { if (p + 0 > 0) printf "%.6f", n / p }')
	recv=$(awk -v n="$rx" -v s="$secs" 'BEGIN { if (s + 0 > 0 && n != "") printf "%.1f", n / s }')
	loss=$(awk -v t="$tx" -v r="$rx" 'BEGIN { if (t + 0 > 0 && r != "") printf "%.2f %%", 100 * (t - r) / t; else print "n/a" }')
	p50=$(jq -r 'if .latency_ns.valid then .latency_ns.p50 else empty end' "$WORK/lr-recv.json" 2>/dev/null)
	p99=$(jq -r 'if .latency_ns.valid then .latency_ns.p99 else empty end' "$WORK/lr-recv.json" 2>/dev/null)
	LR_BACKEND=$(jq -r '.backend.name // empty' "$WORK/lr-recv.json" 2>/dev/null)
	ROWS+=("$(printf '%-10s %-22s %12s %12s %9s %12s %12s' "$place" "$tool" \
		"$(fmt_pps "$sent")" "$(fmt_pps "$recv")" "$loss" "$(fmt_ns "$p50")" "$(fmt_ns "$p99")")")
	LR_SENT_PPS=$sent
	LR_RECV_PPS=$recv
}

# run_iperf3 PLACEMENT SENDER_CPU RECEIVER_CPU
# Appends a table row; sets IP_SENT_PPS / IP_RECV_PPS.
run_iperf3() {
	local place=$1 scpu=$2 rcpu=$3 pid rc tx secs rx sent recv loss
	timeout --kill-after=2 $((DURATION + 20)) taskset -c "$rcpu" ip netns exec "$NS_B" \
		iperf3 -s -1 -B "$IP_B" -p "$PORT_IPERF" --json \
		>"$WORK/ip-server.json" 2>"$WORK/ip-server.err" </dev/null &
	pid=$!
	PIDS+=("$pid")
	sleep 0.3 # iperf3 -s listens on TCP (control) first; give it a moment
	rc=0
	timeout --kill-after=2 $((DURATION + 10)) taskset -c "$scpu" ip netns exec "$NS_A" \
		iperf3 -c "$IP_B" -p "$PORT_IPERF" -u -l 18 -b 0 -t "$DURATION" --json \
		>"$WORK/ip-client.json" 2>"$WORK/ip-client.err" </dev/null || rc=$?
	((rc == 0)) || echo "iperf3 client exited $rc: $(jq -r '.error // empty' "$WORK/ip-client.json" 2>/dev/null)" >&2
	wait "$pid" 2>/dev/null
	tx=$(jq -r '.end.sum.packets // empty' "$WORK/ip-client.json" 2>/dev/null)
	secs=$(jq -r '.end.sum.seconds // empty' "$WORK/ip-client.json" 2>/dev/null)
	rx=$(jq -r 'if .end.sum then .end.sum.packets - .end.sum.lost_packets else empty end' \
		"$WORK/ip-server.json" 2>/dev/null)
	sent=$(awk -v n="$tx" -v s="$secs" 'BEGIN { if (s + 0 > 0) printf "%.1f", n / s }')
	recv=$(awk -v n="$rx" -v s="$secs" 'BEGIN { if (s + 0 > 0 && n != "") printf "%.1f", n / s }')
	loss=$(awk -v t="$tx" -v r="$rx" 'BEGIN { if (t + 0 > 0 && r != "") printf "%.2f %%", 100 * (t - r) / t; else print "n/a" }')
	ROWS+=("$(printf '%-10s %-22s %12s %12s %9s %12s %12s' "$place" "iperf3 -u -l 18" \
		"$(fmt_pps "$sent")" "$(fmt_pps "$recv")" "$loss" n/a n/a)")
	IP_SENT_PPS=$sent
	IP_RECV_PPS=$recv
}

# run_round PLACEMENT SENDER_CPU RECEIVER_CPU
run_round() {
	local place=$1 scpu=$2 rcpu=$3
	lab_up "$rcpu"
	echo "== $place: sender on CPU $scpu, receiver + NAPI on CPU $rcpu, $DURATION s per run" >&2
	run_linerate "$place" "linerate (udp)" "$scpu" "$rcpu"
	local lr_sent=$LR_SENT_PPS lr_recv=$LR_RECV_PPS
	if ((NO_GSO)); then
		run_linerate "$place" "linerate (udp, no-gso)" "$scpu" "$rcpu" --no-gso
	fi
	run_iperf3 "$place" "$scpu" "$rcpu"
	RATIOS+=("$(printf '%-10s linerate/iperf3: sent pps x%s, received pps x%s' "$place" \
		"$(ratio "$lr_sent" "$IP_SENT_PPS")" "$(ratio "$lr_recv" "$IP_RECV_PPS")")")
	if ((NO_GSO)); then
		RATIOS+=("$(printf '%-10s linerate --no-gso/iperf3: sent pps x%s, received pps x%s' "$place" \
			"$(ratio "$LR_SENT_PPS" "$IP_SENT_PPS")" "$(ratio "$LR_RECV_PPS" "$IP_RECV_PPS")")")
	fi
}

if ((NCPU >= 2)); then
	run_round "2 cores" 0 1
else
	ONE_CORE=1
fi
((ONE_CORE)) && run_round "1 core" 0 0

echo
echo "udp_vs_iperf3: 64-byte frames, $DURATION s per run, kernel $(uname -r), $NCPU CPUs," \
	"$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
echo "linerate: $LINERATE (backend ${LR_BACKEND:-?}); $(iperf3 --version 2>/dev/null | head -n1)"
echo
printf '%-10s %-22s %12s %12s %9s %12s %12s\n' placement tool "sent pps" "recv pps" loss "lat p50" "lat p99"
printf '%s\n' "${ROWS[@]}"
echo
printf '%s\n' "${RATIOS[@]}"
