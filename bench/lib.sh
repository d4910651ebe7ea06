# shellcheck shell=bash
# Shared by the benchmarks in bench/: the checks before a run, and ending
# what they started, by PID, and their lab and work folder.
#
# Sourced first thing (. "$(dirname "$0")/lib.sh"): strict mode, and where
# things are: HERE (bench/), REPO_ROOT, LINERATE (the binary) and LAB (the
# lab script), the last two unless the environment sets them.
set -u
set -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$HERE/.." && pwd)
# meson puts the binary in build/src/.
LINERATE=${LINERATE:-$REPO_ROOT/build/src/linerate}
LAB=${LAB:-$REPO_ROOT/scripts/lab}

# stop_pids PID...: SIGTERM each, then wait for each to be gone.
stop_pids() {
	local pid
	for pid in "$@"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "$@"; do
		wait "$pid" 2>/dev/null
	done
}

# bench_require PROG: root (network namespaces) and the linerate binary
# at $LINERATE; exits 1 with a line naming PROG when either is missing.
bench_require() {
	[[ $(id -u) == 0 ]] || {
		echo "$1: needs root (network namespaces)" >&2
		exit 1
	}
	[[ -x $LINERATE ]] || {
		echo "$1: no linerate binary at $LINERATE (set LINERATE)" >&2
		exit 1
	}
}

# bench_uint PROG FLAG VALUE LO HI [UNIT]: VALUE is a whole number in
# LO..HI, else exit 2 with "PROG: FLAG must be LO..HI[ UNIT]".
bench_uint() {
	local prog=$1 flag=$2 v=$3 lo=$4 hi=$5 unit=${6:+ $6}
	[[ $v =~ ^[0-9]+$ ]] && ((v >= lo && v <= hi)) && return 0
	echo "$prog: $flag must be $lo..$hi$unit" >&2
	exit 2
}

# lab_counters: "RX DROP": b's veth rx_packets (what b's NAPI took off the
# ring) and a's veth tx_dropped (frames refused because b's ring was full),
# from the lab's NS_A/DEV_A and NS_B/DEV_B.
lab_counters() {
	echo "$(ip -n "$NS_B" -s -j link show dev "$DEV_B" | jq '.[0].stats64.rx.packets')" \
		"$(ip -n "$NS_A" -s -j link show dev "$DEV_A" | jq '.[0].stats64.tx.dropped')"
}

# bench_cleanup_on_exit: start PIDS empty; at exit (SIGINT and SIGTERM
# exit 130 and 143) stop each PID in PIDS, take the lab $NAME down through
# $LAB and remove $WORK.
bench_cleanup_on_exit() {
	PIDS=()
	trap bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

bench_cleanup() {
	stop_pids "${PIDS[@]}"
	"$LAB" down --name "$NAME" >/dev/null 2>&1
	rm -rf -- "$WORK"
}
