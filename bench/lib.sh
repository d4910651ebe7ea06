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
