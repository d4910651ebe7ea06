#!/usr/bin/env bash
# Benchmark: what the in-kernel XDP analyzer (recv --backend xdp) costs the
# receiving core, against a bare XDP_DROP on the same traffic.
#
#   bench/analyzer.sh [--duration S] [--repeats N] [--name NAME] [--base PATH]
#                     [--flows N] [--no-stats] [--sample N]
#
# Feed: linerate send --backend xdp (the LIVE_FRAMES generator) in a on
# CPU 0, 64-byte probes at max rate, over --flows flow ids (default 1;
# 1024 makes every packet touch another flow's state in the analyzer). Receiver: b's veth NAPI threaded on
# CPU 1 (lab --threaded --cpu 1), with one of, taking turns, --repeats
# times:
#   drop     a bare XDP program that returns XDP_DROP (compiled here with
#            clang, attached with ip link ... xdpdrv)
#   clock    the same with one bpf_ktime_get_ns() per packet: the floor
#            of any analyzer that reads the clock for every packet
#   count    recv --backend xdp --count-only (parse, count, drop)
#   full     recv --backend xdp (validation, sequence, latency, jitter)
#   sample   the same with --latency-sample N (--sample, default 16; 0
#            leaves the row out): every packet counted and sequenced,
#            1 in N timed. Its test-run ns is on a probe with sequence 1,
#            one of the untimed ones.
#   base     with --base PATH: the full analyzer of another linerate binary
# The figures are b's rx_packets delta over the generator's run (what b's
# NAPI took off the ring and ran the program on: the program's cost only
# while b's CPU is the bottleneck, which "a drop", the frames b's full
# ring refused, shows) and the program's own ns per packet from the
# kernel's BPF stats (run_time_ns / run_cnt; kernel.bpf_stats_enabled is
# switched on for the runs and restored after), far less noisy on a
# shared machine than the pps. After each run the same attached program
# also runs on one crafted 64-byte probe (BPF_PROG_TEST_RUN through
# bpftool prog run, --test-runs times, default 3000000): "test-run ns" is
# its mean, with no traffic, cache misses or other CPU in it. It repeats
# one sequence number, so the analyzer takes its duplicate path; it
# includes the test run's own overhead (the bare drop's figure).
# --no-stats leaves the BPF stats off during the traffic: their two clock
# reads per packet, added to every program alike, push the pps ratios
# towards 1. ns/pkt is then not measured ("-"); the test runs measure
# the program alone.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
PROG=analyzer
DURATION=3
REPEATS=3
NAME=an$(($$ % 1000000))
BASE=
FLOWS=1
TEST_RUNS=3000000
SUBNET=10.94.0
PORT=7200
STATS=1
SAMPLE=16

while (($#)); do
	case $1 in
	--duration) DURATION=${2:?--duration needs seconds}; shift ;;
	--repeats) REPEATS=${2:?--repeats needs a number}; shift ;;
	--name) NAME=${2:?--name needs a value}; shift ;;
	--test-runs) TEST_RUNS=${2:?--test-runs needs a number}; shift ;;
	--flows) FLOWS=${2:?--flows needs a number}; shift ;;
	--base) BASE=${2:?--base needs a linerate binary}; shift ;;
	--no-stats) STATS=0 ;;
	--sample) SAMPLE=${2:?--sample needs a number}; shift ;;
	-h | --help) sed -n '2,39s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "$PROG: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done
bench_uint "$PROG" --duration "$DURATION" 1 60 seconds
bench_uint "$PROG" --repeats "$REPEATS" 1 20
[[ $NAME =~ ^[a-z0-9]{1,8}$ ]] || { echo "$PROG: --name must be 1 to 8 characters a-z 0-9" >&2; exit 2; }
bench_require "$PROG"
bench_uint "$PROG" --flows "$FLOWS" 1 1024 "(the analyzer tracks flow ids below 1024)"
bench_uint "$PROG" --test-runs "$TEST_RUNS" 1 100000000
if ! [[ $SAMPLE =~ ^[0-9]+$ ]] || ((SAMPLE != 0 && (SAMPLE < 2 || SAMPLE > 1024 || (SAMPLE & (SAMPLE - 1))))); then
	echo "$PROG: --sample must be 0 or a power of two 2..1024" >&2; exit 2
fi
[[ -z $BASE || -x $BASE ]] || { echo "$PROG: --base $BASE is not an executable" >&2; exit 2; }
command -v bpftool >/dev/null || PATH=$PATH:/usr/sbin
for cmd in jq taskset clang bpftool python3; do
	command -v "$cmd" >/dev/null || { echo "$PROG: $cmd is missing" >&2; exit 1; }
done
(($(nproc) >= 2)) || { echo "$PROG: needs 2 CPUs" >&2; exit 1; }

WORK=$(mktemp -d /tmp/lr-an.XXXXXX)
cp "$LINERATE" "$WORK/linerate" || exit 1
LINERATE=$WORK/linerate
if [[ -n $BASE ]]; then
	cp "$BASE" "$WORK/linerate-base" || exit 1
	BASE=$WORK/linerate-base
fi
PIDS=()
STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
	sysctl -qw kernel.bpf_stats_enabled="$STATS_WAS"
	stop_pids "${PIDS[@]}"
	[[ -n ${NS_B:-} ]] && ip -n "$NS_B" link set dev "$DEV_B" xdp off 2>/dev/null
	"$LAB" down --name "$NAME" >/dev/null 2>&1
	rm -rf -- "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cat >"$WORK/drop.c" <<'EOF'
#include <linux/bpf.h>
__attribute__((section("xdp"), used)) int lr_bench_drop(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_DROP;
}
char LICENSE[] __attribute__((section("license"), used)) = "MIT";
EOF
# The helper by its number (BPF_FUNC_ktime_get_ns): no map, no libbpf header.
cat >"$WORK/clock.c" <<'EOF'
#include <linux/bpf.h>
static __u64 (*ktime_get_ns)(void) = (void *)BPF_FUNC_ktime_get_ns;
__attribute__((section("xdp"), used)) int lr_bench_clock(struct xdp_md *ctx)
{
	(void)ctx;
	return ktime_get_ns() ? XDP_DROP : XDP_PASS;
}
char LICENSE[] __attribute__((section("license"), used)) = "MIT";
EOF
sysctl -qw kernel.bpf_stats_enabled=$STATS || { echo "$PROG: cannot set kernel.bpf_stats_enabled" >&2; exit 1; }
for obj in drop clock; do
	clang -O2 -g -target bpf -I"/usr/include/$(uname -m)-linux-gnu" -c "$WORK/$obj.c" -o "$WORK/$obj.o" 2>"$WORK/clang.err" || {
		echo "$PROG: cannot compile the $obj program: $(tail -n 1 "$WORK/clang.err")" >&2
		exit 1
	}
done

"$LAB" up --name "$NAME" --subnet "$SUBNET" --threaded --cpu 1 >"$WORK/lab.keys" 2>"$WORK/lab.err" || {
	cat "$WORK/lab.err" >&2
	exit 1
}
for key in ns_a ns_b dev_a dev_b ip_a ip_b; do
	printf -v "${key^^}" '%s' "$(sed -n "s/^$key=//p" "$WORK/lab.keys")"
done
# A non-frags XDP program attaches to a veth only at a small MTU.
ip -n "$NS_A" link set dev "$DEV_A" mtu 1500 && ip -n "$NS_B" link set dev "$DEV_B" mtu 1500 || exit 1

# One 64-byte probe a -> b (flow 0, sequence 0, stamped now), for the
# test runs; probe1.frame the same with sequence 1 (untimed by --sample).
python3 - "$WORK/probe" "$IP_A" "$IP_B" "$PORT" <<'EOF' || exit 1
import socket, struct, sys, time
path, src, dst, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
ts = time.time_ns() & ((1 << 48) - 1)
for seq, name in ((0, ".frame"), (1, "1.frame")):
    probe = struct.pack(">BBHQHI", 0x4C, 1, 0, seq, ts >> 32, ts & 0xFFFFFFFF)
    udp = struct.pack(">HHHH", 9000, port, 8 + len(probe), 0)
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp) + len(probe), 0, 0, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    frame = b"\xff" * 6 + b"\x02" * 6 + b"\x08\x00" + ip + udp + probe
    open(path + name, "wb").write(frame + bytes(60 - len(frame)))
EOF

# The attached program's mean ns over TEST_RUNS runs on a probe frame
# (probe.frame unless given).
prog_test_run() {
	local id frame=${1:-$WORK/probe.frame}
	id=$(ip -n "$NS_B" -j link show dev "$DEV_B" | jq -r '.[0].xdp.prog.id // empty')
	[[ -n $id ]] || { echo 0; return; }
	bpftool prog run id "$id" data_in "$frame" repeat "$TEST_RUNS" 2>&1 |
		sed -n 's/.*duration (average): \([0-9]*\)ns.*/\1/p'
}

# The attached program's ns per run so far (it was loaded for this run).
prog_ns() {
	local id
	id=$(ip -n "$NS_B" -j link show dev "$DEV_B" | jq -r '.[0].xdp.prog.id // empty')
	[[ -n $id ]] || { echo 0; return; }
	bpftool -j prog show id "$id" 2>/dev/null |
		jq -r 'if (.run_cnt // 0) > 0 then .run_time_ns / .run_cnt else 0 end'
}

# run_one KIND: one generator run against receiver KIND; appends
# "KIND rx_pps drop_pps ns_per_packet test_run_ns" to $WORK/rows.
run_one() {
	local kind=$1 sink= i c0 c1 rx0 rx1 d0 d1 secs ns tr bin=$LINERATE
	case $kind in
	drop | clock)
		ip -n "$NS_B" link set dev "$DEV_B" xdpdrv obj "$WORK/$kind.o" sec xdp || {
			echo "$kind error" >>"$WORK/rows"
			return
		}
		;;
	count | full | sample | base)
		local args=()
		[[ $kind == count ]] && args=(--count-only)
		[[ $kind == sample ]] && args=(--latency-sample "$SAMPLE")
		[[ $kind == base ]] && bin=$BASE
		timeout --kill-after=2 $((DURATION + 30)) taskset -c 1 ip netns exec "$NS_B" "$bin" recv \
			--backend xdp "${args[@]}" --listen "$IP_B:$PORT" --duration "$((DURATION + 20))s" \
			--idle-timeout 0 --interval 0 --quiet --json >"$WORK/sink.json" 2>"$WORK/sink.err" </dev/null &
		sink=$!
		PIDS+=("$sink")
		for ((i = 0; i < 100; i++)); do
			[[ -n $(ip -n "$NS_B" -j link show dev "$DEV_B" | jq -r '.[0].xdp.prog.id // empty') ]] && break
			sleep 0.05
		done
		;;
	esac
	c0=$(lab_counters)
	timeout --kill-after=2 $((DURATION + 15)) taskset -c 0 ip netns exec "$NS_A" "$LINERATE" send \
		--backend xdp --dst "$IP_B:$PORT" --rate max --size 64 --flows "$FLOWS" --duration "${DURATION}s" \
		--interval 0 --quiet --json >"$WORK/send.json" 2>"$WORK/send.err" </dev/null
	sleep 0.3
	c1=$(lab_counters)
	ns=-
	((STATS)) && ns=$(prog_ns)
	if [[ $kind == sample ]]; then tr=$(prog_test_run "$WORK/probe1.frame"); else tr=$(prog_test_run); fi
	if [[ -n $sink ]]; then
		kill -INT "$sink" 2>/dev/null
		wait "$sink" 2>/dev/null
	else
		ip -n "$NS_B" link set dev "$DEV_B" xdp off
	fi
	read -r rx0 d0 <<<"$c0"
	read -r rx1 d1 <<<"$c1"
	secs=$(jq -r '.duration_s // empty' "$WORK/send.json")
	[[ -n $secs ]] || { echo "$kind error" >>"$WORK/rows"; return; }
	awk -v k="$kind" -v r=$((rx1 - rx0)) -v d=$((d1 - d0)) -v s="$secs" -v ns="$ns" -v tr="${tr:-0}" \
		'BEGIN { printf "%s %.0f %.0f %s %d\n", k, r / s, d / s, ns == "-" ? "-" : sprintf("%.1f", ns), tr }' >>"$WORK/rows"
}

echo "analyzer: xdp generator on CPU 0 ($FLOWS flows) -> b's NAPI and program on CPU 1, $DURATION s per run" >&2
for ((r = 1; r <= REPEATS; r++)); do
	echo "   -- repeat $r of $REPEATS" >&2
	for kind in drop clock count full $( ((SAMPLE)) && echo sample) ${BASE:+base}; do
		run_one "$kind"
	done
done

echo
echo "analyzer: kernel $(uname -r), $(nproc) CPUs; $(cat "$WORK/rows" | wc -l) runs; b rx pps = packets b's NAPI ran the program on; BPF stats $( ((STATS)) && echo on || echo off) during the traffic; load $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$WORK/rows" | awk '
function median(list,   n, a, i, j, t) {
	n = split(list, a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
# The median of the per-turn ratios a / b: the programs of one turn ran
# within seconds of each other, so drift between turns cancels.
function turn_ratio(a, b,   t, list) {
	list = ""
	for (t = 1; t <= turns[a] && t <= turns[b]; t++)
		if ((b, t) in pps && pps[b, t] > 0) list = list " " pps[a, t] / pps[b, t]
	return list == "" ? "-" : sprintf("%.2f", median(list))
}
$2 == "error" { next }
{
	t = ++turns[$1]; pps[$1, t] = $2
	all[$1] = all[$1] " " $2; drop[$1] = drop[$1] " " $3; runs[$1] = runs[$1] " " $2; tr[$1] = tr[$1] " " $5
	nsruns[$1] = nsruns[$1] " " $4; if ($4 != "-") ns[$1] = ns[$1] " " $4
}
END {
	printf "%-7s %12s %12s %8s %13s   %s | %s\n", "program", "b rx pps", "a drop pps", "ns/pkt", "test-run ns", "runs (b rx pps)", "runs (ns/pkt)"
	for (k in all) { med[k] = median(all[k]); mns[k] = k in ns ? sprintf("%.1f", median(ns[k])) : "-" }
	split("drop clock count full sample base", order, " ")
	for (i = 1; i <= 6; i++) {
		k = order[i]
		if (!(k in all)) continue
		printf "%-7s %12.0f %12.0f %8s %13.0f  %s |%s\n", k, med[k], median(drop[k]), mns[k], median(tr[k]), runs[k], nsruns[k]
	}
	if (med["drop"] > 0) {
		printf "medians: clock / drop = %.2f, count / drop = %.2f, full / drop = %.2f\n", med["clock"] / med["drop"], med["count"] / med["drop"], med["full"] / med["drop"]
		if ("sample" in med) printf "medians: sample / drop = %.2f\n", med["sample"] / med["drop"]
		if ("base" in med) printf "medians: base / drop = %.2f\n", med["base"] / med["drop"]
	}
	printf "per turn (median): clock / drop = %s, count / drop = %s, full / drop = %s, full / clock = %s", turn_ratio("clock", "drop"), turn_ratio("count", "drop"), turn_ratio("full", "drop"), turn_ratio("full", "clock")
	if ("sample" in med) printf ", sample / drop = %s, sample / full = %s", turn_ratio("sample", "drop"), turn_ratio("sample", "full")
	if ("base" in med) printf ", full / base = %s", turn_ratio("full", "base")
	printf "\n"
	if ("base" in ns && "full" in ns)
		printf "ns/pkt: full %s, base %s\n", mns["full"], mns["base"]
}'
