#!/usr/bin/env bash
# Build the libFuzzer harnesses (tests/fuzz/fuzz_*.c) into OUT_DIR, each
# linked with only the modules it tests, under ASan and UBSan (any UB
# report aborts, so libFuzzer records it as a crash). Our own code is
# instrumented; the libraries it links (jansson) are not.
# usage: tests/fuzz/build.sh [OUT_DIR]      (default build/fuzz; CC=clang)
# Needs clang with libFuzzer: on Debian 12, clang and libclang-rt-14-dev.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-build/fuzz}
cc=${FUZZ_CC:-clang}

# harness, then what it needs: a src/lib module by its name ("units.c"),
# any other by its path under src/ ("api/spec_json.c"), a library as -lNAME
fuzzers=(
	"fuzz_frame frame.c"
	"fuzz_probe probe.c"
	"fuzz_units units.c frame.c"
	"fuzz_seqtrack seqtrack.c hist.c"
	"fuzz_spec_json api/spec_json.c spec.c units.c frame.c utf8.c marking.c sizemix.c options.c options_doc.c spec_opts.c resolve.c log.c log_limit.c err.c -ljansson"
	"fuzz_marking marking.c sizemix.c units.c frame.c"
	"fuzz_stamp stamp/wire.c err.c -lgnutls"
)

cflags=(-std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined
	-fno-sanitize-recover=all -fno-omit-frame-pointer -D_GNU_SOURCE
	-fno-strict-aliasing -Wall -Wextra -Wno-missing-field-initializers
	-Werror -Isrc -Itests/fuzz)

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
	libs=()
	for m in $modules; do
		case $m in
		-l*) libs+=("$m") ;;
		*/*) srcs+=("src/$m") ;;
		*) srcs+=("src/lib/$m") ;;
		esac
	done
	rm -f "$out/$name"
	"$cc" "${cflags[@]}" "${srcs[@]}" "${libs[@]}" -lm -o "$out/$name" &
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
