#!/usr/bin/env bash
# The in-kernel STAMP reflector (stamp-reflect --backend xdp, lr_stamp)
# against the plain XDP_TX reflector (reflect --backend xdp, lr_reflect):
# how many packets per second each reflects when one AF_XDP sender on
# CPU 0 offers more than it can take. b's veth NAPI (where XDP runs) is a
# kthread pinned to CPU 1, so the reflector's rate is what one core of XDP
# does; the sender's drops (if_tx_dropped: the veth ring to b was full)
# show the offered load exceeded it. 90-byte frames for both (the
# 44-octet STAMP packet; a probe padded to the same size). The two take
# turns over --repeats rounds; the table gives medians.
#
# usage: bench/stamp_reflect.sh [--duration S] [--repeats N]
set -e
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
duration=5
repeats=3
while (($#)); do
	case $1 in
	--duration) duration=$2 && shift ;;
	--repeats) repeats=$2 && shift ;;
	--help | -h)
		sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "stamp_reflect.sh: unknown argument '$1'" >&2
		exit 2
		;;
	esac
	shift
done
bench_uint stamp_reflect.sh --duration "$duration" 1 60 seconds
bench_uint stamp_reflect.sh --repeats "$repeats" 1 9
bench_require stamp_reflect.sh
command -v jq >/dev/null || { echo "stamp_reflect.sh: needs jq" >&2; exit 1; }

NAME=bs$(printf '%06d' $(($$ % 1000000)))
WORK=$(mktemp -d)
PIDS=()
cleanup() {
	stop_pids "${PIDS[@]}"
	scripts/lab down --name "$NAME" >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT
scripts/lab up --name "$NAME" --subnet 10.97.0 --threaded --cpu 1 >"$WORK/lab" ||
	{ echo "stamp_reflect.sh: lab up failed" >&2; exit 1; }
NS_A=$(sed -n 's/^ns_a=//p' "$WORK/lab")
NS_B=$(sed -n 's/^ns_b=//p' "$WORK/lab")
IP_B=$(sed -n 's/^ip_b=//p' "$WORK/lab")
[[ -n $NS_A && -n $NS_B && -n $IP_B ]] || { echo "stamp_reflect.sh: lab keys missing" >&2; exit 1; }

# round KIND -> prints "reflected_pps offered_pps dropped_by_sender"
round() {
	local kind=$1 port refl
	if [[ $kind == stamp ]]; then
		port=862
		ip netns exec "$NS_B" timeout $((duration + 10)) "$LINERATE" stamp-reflect \
			--backend xdp --listen "$IP_B:$port" --duration $((duration + 2)) \
			--rate-limit 0 --json >"$WORK/refl.json" 2>"$WORK/refl.err" &
	else
		port=7000
		ip netns exec "$NS_B" timeout $((duration + 10)) "$LINERATE" reflect \
			--backend xdp --listen "$IP_B:$port" --duration $((duration + 2)) \
			--idle-timeout 0 --json >"$WORK/refl.json" 2>"$WORK/refl.err" &
	fi
	PIDS=($!)
	for _ in $(seq 50); do
		ip netns exec "$NS_B" ss -H -uln "sport = :$port" | grep -q . && break
		[[ $kind == reflect ]] && ip netns exec "$NS_B" ip link show | grep -q prog/xdp && break
		sleep 0.1
	done
	sleep 0.5
	ip netns exec "$NS_A" timeout $((duration + 10)) taskset -c 0 "$LINERATE" ping \
		--backend afxdp --dst "$IP_B:$port" --size 90 --rate max \
		--duration "$duration" --wait 200ms --json >"$WORK/ping.json" 2>"$WORK/ping.err" || true
	wait "${PIDS[0]}" || true
	PIDS=()
	if [[ $kind == stamp ]]; then
		refl=$(jq -r '.xdp.reflected' "$WORK/refl.json")
	else
		refl=$(jq -r '.reflected' "$WORK/refl.json")
	fi
	jq -r --argjson r "${refl:-0}" --argjson d "$duration" \
		'"\($r / $d) \(.tx.pps) \(.backend.kernel.if_tx_dropped // 0)"' "$WORK/ping.json"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

: >"$WORK/reflect.txt"
: >"$WORK/stamp.txt"
for ((i = 1; i <= repeats; i++)); do
	for kind in reflect stamp; do
		round "$kind" >>"$WORK/$kind.txt"
		echo "round $i $kind: $(tail -n1 "$WORK/$kind.txt")" >&2
	done
done
printf '\n%-40s %14s %14s %14s\n' "reflector (90-byte frames)" "reflected pps" "offered pps" "sender drops"
for kind in reflect stamp; do
	label="lr_reflect (reflect --backend xdp)"
	[[ $kind == stamp ]] && label="lr_stamp (stamp-reflect --backend xdp)"
	printf '%-40s %14.0f %14.0f %14.0f\n' "$label" \
		"$(cut -d' ' -f1 "$WORK/$kind.txt" | median)" \
		"$(cut -d' ' -f2 "$WORK/$kind.txt" | median)" \
		"$(cut -d' ' -f3 "$WORK/$kind.txt" | median)"
done
r=$(cut -d' ' -f1 "$WORK/reflect.txt" | median)
s=$(cut -d' ' -f1 "$WORK/stamp.txt" | median)
awk -v r="$r" -v s="$s" 'BEGIN { if (r > 0) printf "stamp / reflect: %.2f (medians of %d rounds)\n", s / r, '"$repeats"' }'
