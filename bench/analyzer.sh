#!/usr/bin/env bash
# Benchmark: what the in-kernel XDP analyzer (recv --backend xdp) costs the
# receiving core, against a bare XDP_DROP on the same traffic.
#
#   bench/analyzer.sh [--duration S] [--repeats N] [--name NAME]
#
# Feed: linerate send --backend xdp (the LIVE_FRAMES generator) in a on
# CPU 0, 64-byte probes at max rate. Receiver: b's veth NAPI threaded on
# CPU 1 (lab --threaded --cpu 1), with one of, taking turns, --repeats
# times:
#   drop     a bare XDP program that returns XDP_DROP (compiled here with
#            clang, attached with ip link ... xdpdrv)
#   count    recv --backend xdp --count-only (parse, count, drop)
#   full     recv --backend xdp (validation, sequence, latency, jitter)
# The figure is b's rx_packets delta over the generator's run: what b's
# NAPI took off the ring and ran the program on. It measures the program
# only while b's CPU is the bottleneck: "a drop" (the frames b's full ring
# refused) shows that it was.
set -u
set -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO_ROOT=$(cd "$HERE/.." && pwd)
LAB=$REPO_ROOT/scripts/lab
LINERATE=${LINERATE:-$REPO_ROOT/build/src/linerate}
. "$HERE/lib.sh"
PROG=analyzer
DURATION=3
REPEATS=3
NAME=an$(($$ % 1000000))
SUBNET=10.94.0
PORT=7200

while (($#)); do
	case $1 in
	--duration) DURATION=${2:?--duration needs seconds}; shift ;;
	--repeats) REPEATS=${2:?--repeats needs a number}; shift ;;
	--name) NAME=${2:?--name needs a value}; shift ;;
	-h | --help) sed -n '2,18s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "$PROG: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done
if ! [[ $DURATION =~ ^[0-9]+$ ]] || ((DURATION < 1 || DURATION > 60)); then
	echo "$PROG: --duration must be 1..60 seconds" >&2; exit 2
fi
if ! [[ $REPEATS =~ ^[0-9]+$ ]] || ((REPEATS < 1 || REPEATS > 20)); then
	echo "$PROG: --repeats must be 1..20" >&2; exit 2
fi
[[ $NAME =~ ^[a-z0-9]{1,8}$ ]] || { echo "$PROG: --name must be 1 to 8 characters a-z 0-9" >&2; exit 2; }
bench_require "$PROG"
for cmd in jq taskset clang; do
	command -v "$cmd" >/dev/null || { echo "$PROG: $cmd is missing" >&2; exit 1; }
done
(($(nproc) >= 2)) || { echo "$PROG: needs 2 CPUs" >&2; exit 1; }

WORK=$(mktemp -d /tmp/lr-an.XXXXXX)
cp "$LINERATE" "$WORK/linerate" || exit 1
LINERATE=$WORK/linerate
PIDS=()
cleanup() {
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
clang -O2 -g -target bpf -I"/usr/include/$(uname -m)-linux-gnu" -c "$WORK/drop.c" -o "$WORK/drop.o" 2>"$WORK/clang.err" || {
	echo "$PROG: cannot compile the XDP_DROP program: $(tail -n 1 "$WORK/clang.err")" >&2
	exit 1
}

"$LAB" up --name "$NAME" --subnet "$SUBNET" --threaded --cpu 1 >"$WORK/lab.keys" 2>"$WORK/lab.err" || {
	cat "$WORK/lab.err" >&2
	exit 1
}
for key in ns_a ns_b dev_a dev_b ip_a ip_b; do
	printf -v "${key^^}" '%s' "$(sed -n "s/^$key=//p" "$WORK/lab.keys")"
done
# A non-frags XDP program attaches to a veth only at a small MTU.
ip -n "$NS_A" link set dev "$DEV_A" mtu 1500 && ip -n "$NS_B" link set dev "$DEV_B" mtu 1500 || exit 1

counters() { # b's rx_packets and a's tx_dropped
	echo "$(ip -n "$NS_B" -s -j link show dev "$DEV_B" | jq '.[0].stats64.rx.packets')" \
		"$(ip -n "$NS_A" -s -j link show dev "$DEV_A" | jq '.[0].stats64.tx.dropped')"
}

# run_one KIND: one generator run against receiver KIND; appends
# "KIND rx_pps drop_pps" to $WORK/rows.
run_one() {
	local kind=$1 sink= i c0 c1 rx0 rx1 d0 d1 secs
	case $kind in
	drop)
		ip -n "$NS_B" link set dev "$DEV_B" xdpdrv obj "$WORK/drop.o" sec xdp || {
			echo "$kind error" >>"$WORK/rows"
			return
		}
		;;
	count | full)
		local args=()
		[[ $kind == count ]] && args=(--count-only)
		timeout --kill-after=2 $((DURATION + 30)) taskset -c 1 ip netns exec "$NS_B" "$LINERATE" recv \
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
	c0=$(counters)
	timeout --kill-after=2 $((DURATION + 15)) taskset -c 0 ip netns exec "$NS_A" "$LINERATE" send \
		--backend xdp --dst "$IP_B:$PORT" --rate max --size 64 --duration "${DURATION}s" \
		--interval 0 --quiet --json >"$WORK/send.json" 2>"$WORK/send.err" </dev/null
	sleep 0.3
	c1=$(counters)
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
	awk -v k="$kind" -v r=$((rx1 - rx0)) -v d=$((d1 - d0)) -v s="$secs" \
		'BEGIN { printf "%s %.0f %.0f\n", k, r / s, d / s }' >>"$WORK/rows"
}

echo "analyzer: xdp generator on CPU 0 -> b's NAPI and program on CPU 1, $DURATION s per run" >&2
for ((r = 1; r <= REPEATS; r++)); do
	echo "   -- repeat $r of $REPEATS" >&2
	for kind in drop count full; do
		run_one "$kind"
	done
done

echo
echo "analyzer: kernel $(uname -r), $(nproc) CPUs; $(cat "$WORK/rows" | wc -l) runs; b rx pps = packets b's NAPI ran the program on"
cat "$WORK/rows" | awk '
function median(list,   n, a, i, j, t) {
	n = split(list, a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
$2 == "error" { next }
{ all[$1] = all[$1] " " $2; drop[$1] = drop[$1] " " $3; runs[$1] = runs[$1] " " $2 }
END {
	printf "%-7s %12s %12s   %s\n", "program", "b rx pps", "a drop pps", "runs (b rx pps)"
	for (k in all) med[k] = median(all[k])
	split("drop count full", order, " ")
	for (i = 1; i <= 3; i++) {
		k = order[i]
		if (!(k in all)) continue
		printf "%-7s %12.0f %12.0f  %s\n", k, med[k], median(drop[k]), runs[k]
	}
	if (med["drop"] > 0) {
		printf "count / drop = %.2f\n", med["count"] / med["drop"]
		printf "full / drop = %.2f\n", med["full"] / med["drop"]
	}
}'
