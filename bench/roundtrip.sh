#!/usr/bin/env bash
# Benchmark: round trip of linerate ping against the in-kernel XDP_TX
# reflector (reflect --backend xdp), at 64-byte frames, in the placements
# that decide where a probe waits.
#
#   bench/roundtrip.sh [--count N] [--rate PPS] [--repeats N] [--name NAME]
#                      [--base PATH]
#
# Rows (the tools take turns, --repeats times; the table gives medians):
#   afxdp busy-poll  ping --backend afxdp --busy-poll
#   afxdp            ping --backend afxdp
# --base PATH adds the same rows for another linerate binary (an older
# build), so a change shows against what was there, in the same run.
# (A udp pinger gets no replies from the XDP_TX reflector on a veth: a
# has no XDP program, so there is no row for it.)
#
# Placements, each in its own fresh lab (rtNNNNNN, 10.95.0.0/24, GRO on
# both veths so each side takes the other's XDP_TX frames); the pinger on
# CPU 0:
#   inline  no threaded NAPI: b's and then a's NAPI run in the softirq
#           that the pinger's own send raises on CPU 0, so the reply is
#           in the socket before the send returns.
#   napi1   b's NAPI threaded, its kthread on CPU 1 (lab --threaded --cpu
#           1): every probe wakes it.
#
# Every run is bounded: --count probes at --rate (default 20000 at 10
# kpps), the reflector stops 2 s after the last probe.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
PROG=roundtrip
COUNT=20000
RATE=10000
REPEATS=3
NAME=rt$(($$ % 1000000))
SUBNET=10.95.0
PORT=7100
BASE=

while (($#)); do
	case $1 in
	--count) COUNT=${2:?--count needs a number}; shift ;;
	--rate) RATE=${2:?--rate needs pps}; shift ;;
	--repeats) REPEATS=${2:?--repeats needs a number}; shift ;;
	--name) NAME=${2:?--name needs a value}; shift ;;
	--base) BASE=${2:?--base needs a path}; shift ;;
	-h | --help) sed -n '2,15s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "$PROG: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done
bench_uint "$PROG" --count "$COUNT" 100 1000000
bench_uint "$PROG" --rate "$RATE" 100 100000 pps
bench_uint "$PROG" --repeats "$REPEATS" 1 20
[[ $NAME =~ ^[a-z0-9]{1,8}$ ]] || {
	echo "$PROG: --name must be 1 to 8 characters a-z 0-9" >&2; exit 2; }
[[ -z $BASE || -x $BASE ]] || { echo "$PROG: --base: no binary at $BASE" >&2; exit 2; }
bench_require "$PROG"
for cmd in jq taskset ethtool; do
	command -v "$cmd" >/dev/null || { echo "$PROG: $cmd is missing" >&2; exit 1; }
done
(($(nproc) >= 2)) || { echo "$PROG: needs 2 CPUs" >&2; exit 1; }

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
WORK=$(mktemp -d /tmp/lr-rt.XXXXXX)
cp "$LINERATE" "$WORK/linerate" || exit 1
[[ -z $BASE ]] || cp "$BASE" "$WORK/base" || exit 1
LINERATE_SUM=$(sha256sum "$WORK/linerate" | cut -c1-12)
LINERATE_GIT=$(git -C "$REPO_ROOT" describe --always --dirty 2>/dev/null || echo '?')
bench_cleanup_on_exit

lab_up() { # PLACEMENT
	local key args=()
	"$LAB" down --name "$NAME" >/dev/null 2>&1
	[[ $1 == napi1 ]] && args=(--threaded --cpu 1)
	"$LAB" up --name "$NAME" --subnet "$SUBNET" "${args[@]}" >"$WORK/lab.keys" 2>"$WORK/lab.err" || {
		cat "$WORK/lab.err" >&2
		exit 1
	}
	for key in ns_a ns_b dev_a dev_b ip_a ip_b; do
		printf -v "${key^^}" '%s' "$(sed -n "s/^$key=//p" "$WORK/lab.keys")"
	done
	ip netns exec "$NS_A" ethtool -K "$DEV_A" gro on >/dev/null 2>&1
	ip netns exec "$NS_B" ethtool -K "$DEV_B" gro on >/dev/null 2>&1
}

# run_one PLACE LABEL BINARY PING_ARGS...: one ping against a fresh
# reflector; appends "PLACE|LABEL|p50|p99|p999|lost" to $WORK/rows.
run_one() {
	local place=$1 label=$2 bin=$3 rpid dur
	shift 3
	dur=$((COUNT / RATE + 10))
	timeout --kill-after=2 $((dur + 10)) ip netns exec "$NS_B" "$bin" reflect --backend xdp \
		--listen "$IP_B:$PORT" --duration "${dur}s" --idle-timeout 2s --quiet --json \
		>"$WORK/refl.json" 2>"$WORK/refl.err" </dev/null &
	rpid=$!
	PIDS+=("$rpid")
	sleep 1
	timeout --kill-after=2 $((dur + 5)) taskset -c 0 ip netns exec "$NS_A" "$bin" ping \
		--dst "$IP_B:$PORT" --rate "${RATE}pps" --count "$COUNT" --interval 0 --quiet --json "$@" \
		>"$WORK/ping.json" 2>"$WORK/ping.err" </dev/null
	wait "$rpid" 2>/dev/null
	jq -r --arg p "$place" --arg l "$label" \
		'[$p, $l, (.rtt_ns.p50 // "" | tostring), (.rtt_ns.p99 // "" | tostring),
		  (.rtt_ns.p999 // "" | tostring), (.rx.lost // "" | tostring)] | join("|")' \
		"$WORK/ping.json" >>"$WORK/rows" 2>/dev/null ||
		echo "$place|$label||||error: $(tail -n 1 "$WORK/ping.err")" >>"$WORK/rows"
}

echo "roundtrip: $COUNT probes at $RATE pps, 64-byte frames, reflect --backend xdp, pinger on CPU 0" >&2
for place in inline napi1; do
	lab_up "$place"
	echo "== $place" >&2
	for ((r = 1; r <= REPEATS; r++)); do
		echo "   -- repeat $r of $REPEATS" >&2
		for bin in linerate ${BASE:+base}; do
			tag=; [[ $bin == base ]] && tag="base "
			run_one "$place" "${tag}afxdp busy-poll" "$WORK/$bin" --backend afxdp --busy-poll
			run_one "$place" "${tag}afxdp" "$WORK/$bin" --backend afxdp
		done
	done
done

echo
echo "roundtrip: kernel $(uname -r), $(nproc) CPUs; linerate sha256 $LINERATE_SUM..., tree $LINERATE_GIT${BASE:+; base: $BASE}; load average $LOAD_START at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo "medians of $REPEATS repeats (the tools took turns); round trip in us"
printf '%-7s %-22s %9s %9s %9s %9s\n' place tool p50 p99 p99.9 lost
awk -F'|' '
function median(list,   n, a, i, j, t) {
	n = split(list, a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	if (n == 0) return ""
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	k = $1 "|" $2
	if (!(k in seen)) { seen[k] = 1; order[++n] = k }
	if ($3 != "") { p50[k] = p50[k] " " $3; p99[k] = p99[k] " " $4; p999[k] = p999[k] " " $5; lost[k] = lost[k] " " $6 }
}
END {
	for (i = 1; i <= n; i++) {
		k = order[i]; split(k, f, "|")
		if (p50[k] == "") { printf "%-7s %-22s %9s\n", f[1], f[2], "error"; continue }
		printf "%-7s %-22s %9.1f %9.1f %9.1f %9d\n", f[1], f[2], median(p50[k]) / 1000,
			median(p99[k]) / 1000, median(p999[k]) / 1000, median(lost[k])
	}
}' "$WORK/rows"
