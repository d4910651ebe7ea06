# shellcheck shell=bash
# Shared by the benchmarks in bench/: end what they started, by PID.

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
