#!/usr/bin/env bash
# Build the libFuzzer harnesses (tests/fuzz/fuzz_*.c) into OUT_DIR, each
# linked with only the src/lib modules it tests, under ASan and UBSan (any
# UB report aborts, so libFuzzer records it as a crash).
# usage: tests/fuzz/build.sh [OUT_DIR]      (default build/fuzz; CC=clang)
# Needs clang with libFuzzer: on Debian 12, clang and libclang-rt-14-dev.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-build/fuzz}
cc=${FUZZ_CC:-clang}

# harness, then the src/lib modules it needs
fuzzers=(
	"fuzz_frame frame.c"
	"fuzz_probe probe.c"
	"fuzz_units units.c frame.c"
	"fuzz_seqtrack seqtrack.c hist.c"
)

cflags=(-std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined
	-fno-sanitize-recover=all -fno-omit-frame-pointer -D_GNU_SOURCE
	-fno-strict-aliasing -Wall -Wextra -Wno-missing-field-initializers
	-Werror -Isrc/lib -Itests/fuzz)

# Every harness on disk must be listed above, and the other way round.
listed=" $(printf '%s\n' "${fuzzers[@]}" | cut -d' ' -f1 | tr '\n' ' ')"
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	if [[ $listed != *" $name "* ]]; then
		echo "build.sh: $src is not listed in tests/fuzz/build.sh" >&2
		exit 1
	fi
done

mkdir -p "$out"
pids=()
names=()
for entry in "${fuzzers[@]}"; do
	read -r name modules <<<"$entry"
	srcs=("tests/fuzz/$name.c")
	for m in $modules; do
		srcs+=("src/lib/$m")
	done
	rm -f "$out/$name"
	"$cc" "${cflags[@]}" "${srcs[@]}" -lm -o "$out/$name" &
	pids+=($!)
	names+=("$name")
done

failed=0
for i in "${!pids[@]}"; do
	if ! wait "${pids[$i]}"; then
		echo "build.sh: ${names[$i]} failed to build" >&2
		failed=1
	fi
done
exit "$failed"
