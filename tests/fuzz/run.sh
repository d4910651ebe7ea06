#!/usr/bin/env bash
# Build the libFuzzer harnesses and run each for SECONDS (default 10), on
# its seed corpus tests/fuzz/corpus/<name>/ plus what earlier runs found
# (kept in $FUZZ_OUT/corpus/<name>/; the seeds are never written to).
# Prints one line per fuzzer, then "fuzz: N passed, N failed". A crash,
# leak, UB report, timeout or failed invariant fails the fuzzer; the input
# is kept under $FUZZ_OUT/crashes/ and its path printed.
# usage: tests/fuzz/run.sh [SECONDS]
#   FUZZ_OUT   build and work directory (default build/fuzz)
#   FUZZ_JOBS  fuzzers run at once (default: the number of CPUs)
set -uo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-10}
out=${FUZZ_OUT:-build/fuzz}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}

if ! [[ $secs =~ ^[1-9][0-9]*$ ]]; then
	echo "usage: tests/fuzz/run.sh [SECONDS]" >&2
	exit 2
fi
[[ $jobs =~ ^[1-9][0-9]*$ ]] || jobs=1

names=()
for src in tests/fuzz/fuzz_*.c; do
	names+=("$(basename "$src" .c)")
done

mkdir -p "$out/logs" "$out/crashes"
if ! tests/fuzz/build.sh "$out" >"$out/logs/build.log" 2>&1; then
	echo "fuzz: build failed ($out/logs/build.log):"
	sed 's/^/  /' "$out/logs/build.log" | head -20
fi

# UB reports abort (see build.sh); ask for their stack too.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

run_one() {
	local name=$1
	local args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048
		-print_final_stats=1 -artifact_prefix="$out/crashes/$name-")

	[ -f "tests/fuzz/$name.dict" ] && args+=(-dict="tests/fuzz/$name.dict")
	mkdir -p "$out/corpus/$name"
	"$out/$name" "${args[@]}" "$out/corpus/$name" "tests/fuzz/corpus/$name" \
		>"$out/logs/$name.log" 2>&1
	echo $? >"$out/logs/$name.rc"
}

running=0
for name in "${names[@]}"; do
	rm -f "$out/logs/$name.rc" "$out/logs/$name.log"
	[ -x "$out/$name" ] || continue
	if ((running >= jobs)); then
		wait -n
		running=$((running - 1))
	fi
	run_one "$name" &
	running=$((running + 1))
done
wait

passed=0
failed=0
for name in "${names[@]}"; do
	log=$out/logs/$name.log
	if [ ! -x "$out/$name" ]; then
		printf '  %-16s FAILED (not built)\n' "$name"
		failed=$((failed + 1))
		continue
	fi
	rc=$(cat "$out/logs/$name.rc" 2>/dev/null || echo "?")
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	if [ "$rc" = 0 ] && grep -q '^Done [0-9]* runs' "$log"; then
		printf '  %-16s ok     %s runs in %ss, cov %s\n' "$name" \
			"${runs:-?}" "$secs" "${cov:-?}"
		passed=$((passed + 1))
		continue
	fi
	artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
	printf '  %-16s FAILED (exit %s) input: %s\n' "$name" "$rc" \
		"${artifact:-none}"
	grep -E 'check failed|^detail: |runtime error|ERROR:|SUMMARY:|^ *#[0-9]+ 0x' "$log" |
		grep -v -E 'in (fuzzer::|__sanitizer|__asan|__ubsan|abort|raise|_start|__libc_start)|libc\.so|nptl/| in main ' |
		head -15 | sed 's/^/    /'
	echo "    full log: $log"
	[ -n "$artifact" ] && echo "    reproduce: $out/$name $artifact"
	failed=$((failed + 1))
done

echo "fuzz: $passed passed, $failed failed"
((failed == 0))
