#!/usr/bin/env bash
# Benchmark: linerate's AF_XDP sender against DPDK's net_af_xdp PMD
# (dpdk-testpmd txonly) per CPU-second the sender actually got.
#
#   bench/afxdp_cpu.sh [--duration S] [--repeats N] [--placement both|napi1|shared]
#                      [--name NAME] [--base PATH]
#
# On a host shared with other work, "sent pps" measures how much of CPU 0
# a tool was given as much as the tool: two runs of one tool a minute
# apart differ by 2x. This divides instead by the CPU time the sender's
# threads were on a CPU (the sum over /proc/PID/task/*/schedstat, in ns)
# during a window of --duration seconds (default 2) that starts 1 s
# into the run, and counts in the same window what b's interface
# received (b rx) and what a's veth dropped because b's ring was full
# (a drop):
#   delivered / cpu-s   b rx per second of sender CPU
#   handed / cpu-s      (b rx + a drop) per second of sender CPU: what
#                       the sender pushed into the veth
# The two tools take turns --repeats times (default 5), the first one
# alternating; the summary gives medians and the median of the turns'
# ratios (linerate / testpmd). --base PATH adds another linerate binary
# ("base") to the turns and its ratios. Same lab as bench/backends.sh (veth, MTU
# 1500, GRO on b, TSO off on a), 64-byte frames, sender on CPU 0, sink
# `linerate recv --backend xdp --count-only` in b on the receiver CPU:
#   napi1   b's NAPI kthread and the sink on CPU 1
#   shared  everything on CPU 0
# It still depends on the receiving side: in napi1 b's NAPI on CPU 1
# decides how often b's ring is full, and every frame the veth drops
# ends the sender's sendto.
set -u
set -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO_ROOT=$(cd "$HERE/.." && pwd)
LAB=$REPO_ROOT/scripts/lab
LINERATE=${LINERATE:-$REPO_ROOT/build/src/linerate}
. "$HERE/lib.sh"
PROG=afxdp_cpu
DURATION=2
REPEATS=5
PLACEMENT=both
NAME=ac$(($$ % 1000000))
SUBNET=10.93.0
PORT=7300
BASE=

while (($#)); do
	case $1 in
	--duration) DURATION=${2:?--duration needs seconds}; shift ;;
	--repeats) REPEATS=${2:?--repeats needs a number}; shift ;;
	--placement) PLACEMENT=${2:?--placement needs both, napi1 or shared}; shift ;;
	--name) NAME=${2:?--name needs a value}; shift ;;
	--base) BASE=${2:?--base needs a linerate binary}; shift ;;
	-h | --help) sed -n '2,30s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "$PROG: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done
bench_uint "$PROG" --duration "$DURATION" 1 30 seconds
bench_uint "$PROG" --repeats "$REPEATS" 1 20
[[ $PLACEMENT =~ ^(both|napi1|shared)$ ]] || {
	echo "$PROG: --placement must be both, napi1 or shared" >&2; exit 2; }
[[ $NAME =~ ^[a-z0-9]{1,8}$ ]] || {
	echo "$PROG: --name must be 1 to 8 characters a-z 0-9" >&2; exit 2; }
bench_require "$PROG"
for cmd in jq taskset ethtool dpdk-testpmd; do
	command -v "$cmd" >/dev/null || { echo "$PROG: $cmd is missing" >&2; exit 1; }
done
(($(nproc) >= 2)) || { echo "$PROG: needs 2 CPUs" >&2; exit 1; }
[[ -z $BASE || -x $BASE ]] || { echo "$PROG: --base $BASE is not an executable" >&2; exit 2; }

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
WORK=$(mktemp -d /tmp/lr-acpu.XXXXXX)
cp "$LINERATE" "$WORK/linerate" || exit 1
LINERATE=$WORK/linerate
if [[ -n $BASE ]]; then
	cp "$BASE" "$WORK/base" || exit 1
fi
DPDK_PREFIX=lrcpu-$NAME
bench_cleanup_on_exit

lab_up() { # PLACEMENT
	local key cpu=1
	[[ $1 == shared ]] && cpu=0
	"$LAB" down --name "$NAME" >/dev/null 2>&1
	"$LAB" up --name "$NAME" --subnet "$SUBNET" --threaded --cpu "$cpu" >"$WORK/lab.keys" 2>"$WORK/lab.err" || {
		cat "$WORK/lab.err" >&2
		exit 1
	}
	for key in ns_a ns_b dev_a dev_b ip_a ip_b mac_b; do
		printf -v "${key^^}" '%s' "$(sed -n "s/^$key=//p" "$WORK/lab.keys")"
	done
	# DPDK's PMD attaches its own XDP program, which a veth takes only
	# at a small MTU.
	ip -n "$NS_A" link set dev "$DEV_A" mtu 1500 && ip -n "$NS_B" link set dev "$DEV_B" mtu 1500 || exit 1
	ip netns exec "$NS_B" ethtool -K "$DEV_B" gro on >/dev/null 2>&1
	ip netns exec "$NS_A" ethtool -K "$DEV_A" tso off >/dev/null 2>&1
}

cpu_ns() { # PID: ns its threads were on a CPU so far
	cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# run_one PLACE TOOL RCPU: appends "PLACE TOOL cpu_s delivered dropped" to rows.
run_one() {
	local place=$1 tool=$2 rcpu=$3 sink pid i c0 c1 t0 t1 rx0 rx1 d0 d1
	timeout --kill-after=2 $((DURATION + 30)) taskset -c "$rcpu" ip netns exec "$NS_B" "$LINERATE" recv \
		--backend xdp --count-only --listen "$IP_B:$PORT" --duration "$((DURATION + 25))s" \
		--idle-timeout 0 --interval 0 --quiet --json >"$WORK/sink.json" 2>"$WORK/sink.err" </dev/null &
	sink=$!
	PIDS+=("$sink")
	for ((i = 0; i < 100; i++)); do
		[[ -n $(ip -n "$NS_B" -j link show dev "$DEV_B" | jq -r '.[0].xdp.prog.id // empty') ]] && break
		sleep 0.05
	done
	case $tool in
	linerate | base)
		local bin=$LINERATE
		[[ $tool == base ]] && bin=$WORK/base
		taskset -c 0 ip netns exec "$NS_A" "$bin" send --backend afxdp --dst "$IP_B:$PORT" \
			--rate max --size 64 --duration "$((DURATION + 2))s" --interval 0 --quiet --json \
			>"$WORK/send.json" 2>"$WORK/send.err" </dev/null &
		pid=$!
		;;
	testpmd)
		taskset -c 0 ip netns exec "$NS_A" dpdk-testpmd --no-huge -m 512 --no-pci --no-telemetry \
			--file-prefix "$DPDK_PREFIX" --lcores "(0,1)@0" \
			--vdev "net_af_xdp0,iface=$DEV_A,start_queue=0,queue_count=1" -- \
			--forward-mode=txonly --txpkts=60 --nb-cores=1 --total-num-mbufs=16384 \
			--eth-peer="0,$MAC_B" --tx-ip="$IP_A,$IP_B" --tx-udp="9000,$PORT" \
			--stats-period 1 >"$WORK/testpmd.out" 2>&1 </dev/null &
		pid=$!
		;;
	esac
	PIDS+=("$pid")
	# 1 s into sending: testpmd waits for its EAL first.
	for ((i = 0; i < 500; i++)); do
		if [[ $tool != testpmd ]] || grep -q 'packet forwarding - ports=' "$WORK/testpmd.out" 2>/dev/null; then
			break
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	sleep 1
	c0=$(lab_counters)
	t0=$(cpu_ns "$pid")
	sleep "$DURATION"
	t1=$(cpu_ns "$pid")
	c1=$(lab_counters)
	if [[ $tool == testpmd ]]; then
		kill -INT "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	kill -INT "$sink" 2>/dev/null
	wait "$sink" 2>/dev/null
	read -r rx0 d0 <<<"$c0"
	read -r rx1 d1 <<<"$c1"
	if [[ -z $t0 || -z $t1 ]] || ((t1 <= t0)); then
		echo "$place $tool error" >>"$WORK/rows"
		return
	fi
	awk -v p="$place" -v t="$tool" -v c=$((t1 - t0)) -v r=$((rx1 - rx0)) -v d=$((d1 - d0)) \
		'BEGIN { printf "%s %s %.6f %d %d\n", p, t, c / 1e9, r, d }' >>"$WORK/rows"
}

run_round() { # PLACE RCPU
	local place=$1 rcpu=$2 r
	lab_up "$place"
	echo "== $place: sender on CPU 0, b's NAPI and the sink on CPU $rcpu, $DURATION s windows" >&2
	for ((r = 1; r <= REPEATS; r++)); do
		echo "   -- repeat $r of $REPEATS" >&2
		if ((r % 2)); then
			run_one "$place" linerate "$rcpu"
			run_one "$place" testpmd "$rcpu"
			[[ -z $BASE ]] || run_one "$place" base "$rcpu"
		else
			[[ -z $BASE ]] || run_one "$place" base "$rcpu"
			run_one "$place" testpmd "$rcpu"
			run_one "$place" linerate "$rcpu"
		fi
	done
	"$LAB" down --name "$NAME" >/dev/null 2>&1
}

[[ $PLACEMENT == shared ]] || run_round napi1 1
[[ $PLACEMENT == napi1 ]] || run_round shared 0

echo
echo "afxdp_cpu: kernel $(uname -r), $(nproc) CPUs; linerate $(git -C "$REPO_ROOT" describe --always --dirty 2>/dev/null || echo '?')," \
	"dpdk-testpmd $(dpkg-query -W -f '${Version}' dpdk-dev 2>/dev/null || echo '?'); $DURATION s windows;" \
	"load average $LOAD_START at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo "runs (place tool cpu-s delivered dropped, in the order they ran):"
sed 's/^/  /' "$WORK/rows"
awk -v dur="$DURATION" '
function median(list,   n, a, i, j, t) {
	n = split(list, a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
$3 == "error" { printf "%-7s %-9s error\n", $1, $2; next }
{
	k = $1 " " $2; n = ++runs[k]
	cpu[k] = cpu[k] " " $3; pps[k] = pps[k] " " $4 / dur
	dl[k, n] = $4 / $3; hd[k, n] = ($4 + $5) / $3; c[k, n] = $3
	dls[k] = dls[k] " " dl[k, n]; hds[k] = hds[k] " " hd[k, n]
	if (!($1 in seen)) { seen[$1] = 1; places[++np] = $1 }
}
END {
	printf "%-7s %-9s %8s %12s %14s %14s\n", "place", "tool", "cpu", "b rx pps", "delivered", "handed"
	printf "%-7s %-9s %8s %12s %14s %14s\n", "", "", "median", "median", "/ cpu-s", "/ cpu-s"
	for (i = 1; i <= np; i++) {
		split("linerate testpmd base", tools, " ")
		for (j = 1; j <= 3; j++) {
			k = places[i] " " tools[j]
			if (!(k in runs)) continue
			printf "%-7s %-9s %8.2f %12.0f %14.0f %14.0f\n", places[i], tools[j], median(cpu[k]) / dur,
				median(pps[k]), median(dls[k]), median(hds[k])
		}
		for (j = 2; j <= 3; j++) {
			a = places[i] " linerate"; b = places[i] " " tools[j]
			rd = ""; rh = ""; rc = ""
			for (t = 1; t <= runs[a] && t <= runs[b]; t++) {
				if (dl[b, t] > 0) rd = rd " " dl[a, t] / dl[b, t]
				if (hd[b, t] > 0) rh = rh " " hd[a, t] / hd[b, t]
				if (c[b, t] > 0) rc = rc " " c[a, t] / c[b, t]
			}
			if (rd != "")
				printf "%s: linerate / %s, median of the turns\047 ratios: delivered per cpu-s %.2f, handed per cpu-s %.2f, cpu %.2f\n",
					places[i], tools[j], median(rd), median(rh), median(rc)
		}
	}
}' "$WORK/rows"
