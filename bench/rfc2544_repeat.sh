#!/usr/bin/env bash
# Benchmark (issue 11): is an RFC 2544 result the same twice, and what
# does the pacer cost?
#
#   bench/rfc2544_repeat.sh [--runs N] [--sizes LIST] [--pacing-only]
#                           [--repeat-only] [--duration S] [--name NAME]
#
# Part 1, repeatability: N (default 5) `rfc2544 --lab --quick --tests
# throughput` runs per frame size (default 64,512,1518), each behind a
# shaper with a shallow buffer: b's ingress is redirected through an IFB
# whose tbf passes 13 Mbit/s with a bucket of one frame and a queue of 16
# frames at that size (as in tests/net/test_rfc2544_shallow.sh; tbf counts
# frames without the FCS). Prints each run's NDR and its error against the
# shaped rate (13e6 / 8 / (size - 4) pps), then per size the spread
# (max - min error) over the runs. Goal: every run within +-2%, spread
# <= 2%.
#
# Part 2, pacing cost: `send` at 10 kpps, 100 kpps and 1 Mpps for
# --duration seconds (default 3) with the udp and afxdp backends into a
# `recv --backend udp` in b, twice: "before" with the wake-up margin fixed
# at the 50 us of before the calibration (LINERATE_WAKE_MARGIN_NS=50000),
# and "after" with the margin this host measured. Prints the sender's CPU
# use (user + system time / wall time, from /usr/bin/time: 1.00 is one
# core), the achieved rate, and the departure gap p50/p99 the sender
# measured itself (tx.pacing). Goal at 100 kpps, udp: gap p99 within 10%
# of 10 us and under half a core.
#
# A benchmark, not a test: the numbers depend on the host and on what
# else runs on it (this VM is shared and drifts by tens of percent).
PROG=${0##*/}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
NAME=rr$(($$ % 1000000))
SUBNET=10.97.0
RUNS=5
SIZES=64,512,1518
DURATION=3
DO_REPEAT=1
DO_PACING=1
RATE_BPS=13000000

while (($#)); do
	case $1 in
	--runs) RUNS=${2:?}; shift ;;
	--sizes) SIZES=${2:?}; shift ;;
	--duration) DURATION=${2:?}; shift ;;
	--name) NAME=${2:?}; shift ;;
	--pacing-only) DO_REPEAT=0 ;;
	--repeat-only) DO_PACING=0 ;;
	-h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "$PROG: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
[[ $RUNS =~ ^[1-9][0-9]*$ && $DURATION =~ ^[1-9][0-9]*$ ]] || {
	echo "$PROG: --runs and --duration take a whole number >= 1" >&2
	exit 2
}
bench_require "$PROG"
for c in jq tc /usr/bin/time; do
	command -v "$c" >/dev/null || { echo "$PROG: $c is missing" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/lr-rr.XXXXXX)
cp "$LINERATE" "$WORK/linerate" || exit 1
LINERATE=$WORK/linerate
bench_cleanup_on_exit

"$LAB" up --name "$NAME" --subnet "$SUBNET" >"$WORK/lab.keys" 2>"$WORK/lab.err" || {
	cat "$WORK/lab.err" >&2
	exit 1
}
for key in ns_a ns_b dev_a dev_b ip_b; do
	printf -v "${key^^}" '%s' "$(sed -n "s/^$key=//p" "$WORK/lab.keys")"
done
IFB=${NAME}ifb
echo "# $PROG  $(date -u '+%Y-%m-%d %H:%M UTC')  $(nproc) CPUs  load $(cut -d' ' -f1-3 /proc/loadavg)  linerate $(git -C "$REPO_ROOT" describe --always --dirty 2>/dev/null)"

calc_us() { awk -v v="${1:-0}" 'BEGIN { printf "%.2f", (v == "null" ? 0 : v) / 1000 }'; }

# shaper SIZE: the 16-frame tbf for SIZE on b's ingress (replacing any).
shaper() {
	local size=$1 l2=$(($1 - 4))
	ip -n "$NS_B" link del "$IFB" 2>/dev/null
	tc -n "$NS_B" qdisc del dev "$DEV_B" ingress 2>/dev/null
	ip -n "$NS_B" link add "$IFB" type ifb &&
		ip -n "$NS_B" link set "$IFB" up &&
		tc -n "$NS_B" qdisc add dev "$IFB" root tbf rate 13mbit \
			burst $((l2 > 1600 ? l2 : 1600)) limit $((16 * l2)) &&
		tc -n "$NS_B" qdisc add dev "$DEV_B" handle ffff: ingress &&
		tc -n "$NS_B" filter add dev "$DEV_B" parent ffff: protocol ip u32 match u32 0 0 \
			action mirred egress redirect dev "$IFB"
}
unshape() {
	tc -n "$NS_B" qdisc del dev "$DEV_B" ingress 2>/dev/null
	ip -n "$NS_B" link del "$IFB" 2>/dev/null
}

if ((DO_REPEAT)); then
	echo
	echo "## RFC 2544 --quick behind a 13 Mbit/s tbf with 16 frames of queue, $RUNS runs per size"
	printf '%6s %10s | %s\n' size "shaped pps" "NDR error vs shaped rate per run (%), repeats in ()"
	IFS=, read -r -a size_list <<<"$SIZES"
	for size in "${size_list[@]}"; do
		shaper "$size" || { echo "$PROG: cannot build the shaper" >&2; exit 1; }
		want=$(awk -v s="$size" -v r="$RATE_BPS" 'BEGIN { printf "%.1f", r / 8 / (s - 4) }')
		errs=()
		line=""
		for ((run = 1; run <= RUNS; run++)); do
			J=$WORK/rfc-$size-$run.json
			timeout --kill-after=5 600 "$LINERATE" rfc2544 --lab --name "$NAME" --quick \
				--sizes "$size" --tests throughput --min-rate 100pps --json \
				>"$J" 2>"$WORK/rfc.err" </dev/null
			ndr=$(jq -r '.results[0].throughput.ndr.pps // empty' "$J" 2>/dev/null)
			reps=$(jq -r '.repeats | length' "$J" 2>/dev/null)
			jq -r '.repeats[].reason' "$J" >>"$WORK/reasons-$size" 2>/dev/null
			if [[ -z $ndr || $(jq -r '.results[0].throughput.ndr.found' "$J") != true ]]; then
				line+=" none($reps)"
				errs+=(-100)
				continue
			fi
			e=$(awk -v n="$ndr" -v w="$want" 'BEGIN { printf "%+.1f", (n / w - 1) * 100 }')
			errs+=("$e")
			line+=" $e($reps)"
		done
		spread=$(printf '%s\n' "${errs[@]}" | awk 'NR == 1 { lo = hi = $1 } { if ($1 < lo) lo = $1; if ($1 > hi) hi = $1 } END { printf "%.1f", hi - lo }')
		printf '%6s %10s |%s   spread %s%%\n' "$size" "$want" "$line" "$spread"
		# Why trials were repeated, numbers left out.
		[[ -s $WORK/reasons-$size ]] && sed -E 's/[0-9]+(\.[0-9]+)?/N/g' "$WORK/reasons-$size" |
			sort | uniq -c | sort -rn | head -n 3 | sed 's/^/         repeats: /'
	done
	unshape
fi

if ((DO_PACING)); then
	echo
	echo "## Pacing cost: send ${DURATION}s, 64 B frames; CPU = (user + sys) / wall of the sender (1.00 = one core)"
	printf '%-6s %-7s %-7s | %6s %11s %10s %10s %10s\n' backend rate pacer CPU "sent pps" "gap p50" "gap p99" "late max"
	PORT=7300
	for backend in udp afxdp; do
		for rate in 10kpps 100kpps 1Mpps; do
			for pacer in before after; do
				margin=()
				[[ $pacer == before ]] && margin=(env LINERATE_WAKE_MARGIN_NS=50000)
				ip netns exec "$NS_B" "$LINERATE" recv --backend udp --listen "$IP_B:$PORT" \
					--idle-timeout 2s --quiet --json >"$WORK/recv.json" 2>/dev/null &
				rpid=$!
				PIDS=("$rpid")
				sleep 0.5
				ip netns exec "$NS_A" /usr/bin/time -f '%U %S %e' -o "$WORK/time" \
					"${margin[@]}" "$LINERATE" send --backend "$backend" --dst "$IP_B:$PORT" \
					--size 64 --rate "$rate" --duration "${DURATION}s" --interval 0 --json \
					>"$WORK/send.json" 2>"$WORK/send.err"
				src=$?
				stop_pids "$rpid"
				PIDS=()
				if ((src)); then
					printf '%-6s %-7s %-7s | failed: %s\n' "$backend" "$rate" "$pacer" \
						"$(grep -v '^\s*$' "$WORK/send.err" | tail -n1 | cut -c1-80)"
					continue
				fi
				read -r u s e <"$WORK/time"
				cpu=$(awk -v u="$u" -v s="$s" -v e="$e" 'BEGIN { printf "%.2f", (e > 0 ? (u + s) / e : 0) }')
				jq -r '[.tx.pps, .tx.pacing.gap_p50_ns, .tx.pacing.gap_p99_ns, .tx.pacing.late_max_ns] | @tsv' \
					"$WORK/send.json" | {
					read -r pps p50 p99 late
					printf '%-6s %-7s %-7s | %6s %11.0f %8.2fus %8.2fus %8.2fus\n' "$backend" "$rate" "$pacer" \
						"$cpu" "$pps" "$(calc_us "$p50")" "$(calc_us "$p99")" "$(calc_us "$late")"
				}
			done
		done
	done
fi
