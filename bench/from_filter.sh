#!/usr/bin/env bash
# Benchmark: what `recv --backend xdp --from HOST` (the source filter in
# the analyzer's BPF program) costs against the same analyzer without it.
# One veth lab; the afxdp sender at --rate max for --duration S into the
# xdp analyzer on b, with and without --from (the sender's own address, so
# every packet passes the filter and the full analysis), taking turns
# --repeats times. Prints each run's rx pps and the analyzer program's own
# cost per packet (kernel BPF stats: run_time_ns / run_cnt, switched on by
# kernel.bpf_stats_enabled for the runs and restored after), and the
# medians. The pps drift with this VM's load by tens of percent; the ns
# per packet of the program are what compares the two.
#
#   bench/from_filter.sh [--duration S] [--repeats N]
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_require bench/from_filter.sh
DURATION=3
REPEATS=3
while (($#)); do
	case $1 in
	--duration) DURATION=$2; shift 2 ;;
	--repeats) REPEATS=$2; shift 2 ;;
	*) echo "bench/from_filter.sh: $1: unknown flag" >&2; exit 2 ;;
	esac
done
bench_uint bench/from_filter.sh --duration "$DURATION" 1 60 seconds
bench_uint bench/from_filter.sh --repeats "$REPEATS" 1 20

command -v bpftool >/dev/null || PATH=$PATH:/usr/sbin
NAME=ff$$
NAME=${NAME:0:8}
STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled)
"$REPO_ROOT/scripts/lab" up --name "$NAME" --subnet 10.95.0 --threaded >"/tmp/$NAME.keys" ||
	exit 1
trap 'sysctl -qw kernel.bpf_stats_enabled="$STATS_WAS"; "$REPO_ROOT/scripts/lab" down --name "$NAME" >/dev/null 2>&1; rm -f "/tmp/$NAME".*' EXIT
sysctl -qw kernel.bpf_stats_enabled=1
key() { sed -n "s/^$1=//p" "/tmp/$NAME.keys"; }
NS_A=$(key ns_a) NS_B=$(key ns_b) IP_A=$(key ip_a) IP_B=$(key ip_b) DEV_B=$(key dev_b)

# one LABEL ARGS...: one run; prints "rx_pps ns_per_packet filtered".
one() {
	local out=/tmp/$NAME.recv pid id ns
	shift
	timeout $((DURATION + 20)) ip netns exec "$NS_B" "$LINERATE" recv --backend xdp \
		--listen "$IP_B:7000" --duration $((DURATION + 10))s --idle-timeout 2s \
		--interval 0 --json "$@" >"$out" 2>/dev/null &
	pid=$!
	sleep 1.5
	timeout $((DURATION + 20)) ip netns exec "$NS_A" "$LINERATE" send --backend afxdp \
		--dst "$IP_B:7000" --rate max --duration "${DURATION}s" --interval 0 --json \
		>/dev/null 2>&1
	# The analyzer's own program on b's veth (not another run's lr_sink),
	# read before the receiver's idle timeout detaches it.
	id=$(ip -n "$NS_B" -j -d link show dev "$DEV_B" | jq -r '.[0].xdp.prog.id // empty')
	ns=$(bpftool -j prog show id "$id" 2>/dev/null |
		jq -r 'if .run_cnt > 0 then .run_time_ns / .run_cnt else 0 end')
	wait "$pid"
	echo "$(jq -r '.rx.pps | floor' "$out") $(printf '%.1f' "${ns:-0}") $(jq -r .rx.filtered "$out")"
}

declare -a plain filt plain_ns filt_ns
printf '%-8s %14s %10s %14s %10s\n' run "no filter" "ns/pkt" "--from" "ns/pkt"
for ((i = 1; i <= REPEATS; i++)); do
	read -r p pn _ < <(one plain)
	read -r f fn nf < <(one from --from "$IP_A")
	[[ $nf == 0 ]] || echo "warning: $nf packets filtered (want 0)" >&2
	plain+=("$p") plain_ns+=("$pn") filt+=("$f") filt_ns+=("$fn")
	printf '%-8s %14s %10s %14s %10s\n' "$i" "$p pps" "$pn" "$f pps" "$fn"
done
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
printf '%-8s %14s %10s %14s %10s\n' median "$(median "${plain[@]}") pps" \
	"$(median "${plain_ns[@]}")" "$(median "${filt[@]}") pps" "$(median "${filt_ns[@]}")"
