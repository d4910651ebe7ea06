#!/usr/bin/env bash
# Benchmark: what one clock read costs an XDP program on this host, for
# each clock a BPF program can read, so the analyzer's choice (one
# bpf_ktime_get_ns() per packet) can be checked against the others.
#
#   bench/clock_cost.sh [--runs N] [--rounds N]
#
# Each program below returns XDP_DROP after reading one clock (the read's
# value decides the verdict, so it cannot be optimised away); each is run
# --runs times (default 3000000) on a 64-byte frame with
# BPF_PROG_TEST_RUN, --rounds times (default 7), and the table gives the
# median and the lowest mean ns per run, and the difference to the bare
# drop (the test run's own overhead):
#   drop       no clock
#   mono       bpf_ktime_get_ns()          CLOCK_MONOTONIC, what the analyzer reads
#   boot       bpf_ktime_get_boot_ns()     CLOCK_BOOTTIME
#   tai        bpf_ktime_get_tai_ns()      CLOCK_TAI
#   coarse     bpf_ktime_get_coarse_ns()   the last tick's time: tick resolution
#   jiffies    bpf_jiffies64()             the tick count (inlined by the verifier)
#   mono x4    four bpf_ktime_get_ns()     the per-read cost, without the run's
# coarse and jiffies advance once per tick (1-10 ms), far coarser than
# the latency histogram's resolution (1/64 of the value), so they are no
# substitute; they are here to show where the cost is.
# No traffic, no lab: it needs root (BPF), clang and libbpf's headers.
set -u
set -o pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
PROG=clock_cost
RUNS=3000000
ROUNDS=7
while (($#)); do
	case $1 in
	--runs) RUNS=${2:?--runs needs a number}; shift ;;
	--rounds) ROUNDS=${2:?--rounds needs a number}; shift ;;
	-h | --help) sed -n '2,27s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "$PROG: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done
bench_uint "$PROG" --runs "$RUNS" 1000 100000000
bench_uint "$PROG" --rounds "$ROUNDS" 1 31
[[ $(id -u) == 0 ]] || { echo "$PROG: needs root (BPF)" >&2; exit 1; }
for cmd in clang cc; do
	command -v "$cmd" >/dev/null || { echo "$PROG: $cmd is missing" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/lr-clk.XXXXXX)
trap 'rm -rf -- "$WORK"' EXIT

cat >"$WORK/clk.bpf.c" <<'EOF'
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#define CLOCK_PROG(name, expr) \
	SEC("xdp") int name(struct xdp_md *ctx) { (void)ctx; return (expr) ? XDP_DROP : XDP_PASS; }
SEC("xdp") int drop(struct xdp_md *ctx) { (void)ctx; return XDP_DROP; }
CLOCK_PROG(mono, bpf_ktime_get_ns())
CLOCK_PROG(boot, bpf_ktime_get_boot_ns())
CLOCK_PROG(tai, bpf_ktime_get_tai_ns())
CLOCK_PROG(coarse, bpf_ktime_get_coarse_ns())
CLOCK_PROG(jiffies, bpf_jiffies64())
CLOCK_PROG(mono_x4, bpf_ktime_get_ns() ^ bpf_ktime_get_ns() ^ bpf_ktime_get_ns() ^
			    (bpf_ktime_get_ns() | 1))
char LICENSE[] SEC("license") = "GPL";
EOF
cat >"$WORK/run.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static int cmp(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int runs = atoi(argv[2]), rounds = atoi(argv[3]);
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	unsigned char frame[64] = { 0 };
	struct bpf_program *prog;

	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "cannot load the programs\n");
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		unsigned int d[32];

		for (int r = 0; r < rounds; r++) {
			LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
				    .data_size_in = sizeof(frame), .repeat = runs);

			if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts)) {
				perror("BPF_PROG_TEST_RUN");
				return 1;
			}
			d[r] = opts.duration;
		}
		qsort(d, rounds, sizeof(d[0]), cmp);
		printf("%s %u %u\n", bpf_program__name(prog), d[rounds / 2], d[0]);
	}
	return 0;
}
EOF
clang -O2 -g -target bpf -I"/usr/include/$(uname -m)-linux-gnu" -c "$WORK/clk.bpf.c" -o "$WORK/clk.bpf.o" 2>"$WORK/err" ||
	{ echo "$PROG: cannot compile the programs: $(tail -n 1 "$WORK/err")" >&2; exit 1; }
cc -O2 -o "$WORK/run" "$WORK/run.c" -lbpf 2>"$WORK/err" ||
	{ echo "$PROG: cannot compile the runner: $(tail -n 1 "$WORK/err")" >&2; exit 1; }
"$WORK/run" "$WORK/clk.bpf.o" "$RUNS" "$ROUNDS" >"$WORK/out" || exit 1

echo "clock_cost: kernel $(uname -r), clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo '?')," \
	"$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo); $ROUNDS rounds of $RUNS test runs;" \
	"BPF stats $(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo '?'); load $(cut -d' ' -f1-3 /proc/loadavg)"
awk '
{ name[NR] = $1; med[NR] = $2; low[NR] = $3; if ($1 == "drop") base = $2 }
END {
	printf "%-9s %10s %10s %14s\n", "program", "median ns", "lowest ns", "over the drop"
	for (i = 1; i <= NR; i++) {
		extra = med[i] - base
		if (name[i] == "mono_x4") note = sprintf("%d  (%.1f per read)", extra, extra / 4)
		else note = sprintf("%d", extra)
		printf "%-9s %10d %10d %14s\n", name[i], med[i], low[i], note
	}
}' "$WORK/out"
