#!/usr/bin/env bash
# Benchmark: linerate replicate on one core, each backend, against a plain
# socket relay (bench/relay.c: recvmmsg, then one sendmmsg of the batch to
# each subscriber) in the same run; then the round trip through the
# replicator (ping -> replicate --return-path -> reflect).
#
#   bench/replicator.sh [--duration S] [--subscribers N] [--rate RATE]
#                       [--sizes "64 512"] [--backends "relay udp ..."]
#
# Lab (2 CPUs): a feed sender (linerate send --backend afpacket, CPU 0) in
# namespace a; the replicator in b, pinned to CPU 1, with b's veth NAPI in
# a kthread pinned to CPU 1 too (lab --threaded --cpu 1), so receiving the
# feed, replicating and handing the copies to the veth all run on CPU 1;
# N subscribers on addresses of their own in a, all counted by one
# in-kernel sink (linerate recv --backend xdp on a's veth, wildcard
# address), which drops them before the stack.
#
# Columns: "in" is what the replicator received per second of the feed,
# "out" the copies it sent per second (in x subscribers when it keeps up),
# "sink" what arrived at a; "vs relay" is out / the relay's out at that
# size. The feed runs at --rate max by default: "out" is then the most
# the replicator forwards under overload (RFC 2889's maximum forwarding
# rate), with CPU 1 also doing the kernel's receive work for the whole
# feed, the same for every row. Every run is bounded by --duration and a
# hard timeout. Needs root.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
DURATION=5
SUBS=4
RATE=max
SIZES="64 512"
BACKENDS="relay udp afpacket afxdp xdp"
RTT_BACKENDS="udp afxdp xdp"
NAME=rb$(($$ % 1000000))
SUBNET=10.82.0
PORT=7000
SUB_PORT=9000

while (($#)); do
	case $1 in
	--duration) DURATION=${2:?--duration needs seconds} && shift ;;
	--subscribers) SUBS=${2:?--subscribers needs a number} && shift ;;
	--rate) RATE=${2:?--rate needs a rate} && shift ;;
	--sizes) SIZES=${2:?--sizes needs a list} && shift ;;
	--backends) BACKENDS=${2:?--backends needs a list} && shift ;;
	-h | --help)
		sed -n '2,25s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		echo "replicator.sh: unknown argument '$1'" >&2
		exit 2
		;;
	esac
	shift
done
bench_uint "replicator.sh" --duration "$DURATION" 1 60 seconds
bench_uint "replicator.sh" --subscribers "$SUBS" 1 32
bench_require replicator.sh
for tool in jq taskset cc; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "replicator.sh: $tool is missing" >&2
		exit 1
	}
done

WORK=$(mktemp -d /tmp/lr-bench-rp.XXXXXX)
bench_cleanup_on_exit

cc -O2 -Wall -o "$WORK/relay" "$HERE/relay.c" || exit 1
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

"$LAB" up --name "$NAME" --subnet "$SUBNET" --threaded --cpu 1 >"$WORK/lab.keys" 2>"$WORK/lab.err" || {
	cat "$WORK/lab.err" >&2
	exit 1
}
key() { sed -n "s/^$1=//p" "$WORK/lab.keys"; }
NS_A=$(key ns_a) NS_B=$(key ns_b) DEV_A=$(key dev_a) DEV_B=$(key dev_b)
IP_B=$(key ip_b) MAC_A=$(key mac_a)
SUB_ARGS=()
SUB_LIST=()
for ((i = 0; i < SUBS; i++)); do
	ip=$SUBNET.$((11 + i))
	ip -n "$NS_A" addr add "$ip/24" dev "$DEV_A"
	ip -n "$NS_B" neigh replace "$ip" lladdr "$MAC_A" dev "$DEV_B" nud permanent
	SUB_ARGS+=(--subscriber "$ip:$SUB_PORT")
	SUB_LIST+=("$ip:$SUB_PORT")
done
in_a() { ip netns exec "$NS_A" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }

# bg OUT CMD...: in the background, bounded, PID remembered.
bg() {
	local out=$1
	shift
	timeout --kill-after=2 $((DURATION + 20)) "$@" >"$out" 2>"$out.err" </dev/null &
	LAST_PID=$!
	PIDS+=("$LAST_PID")
}

wait_udp() { # NS PORT
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -n $(ip netns exec "$1" ss -H -uln "sport = :$2" 2>/dev/null) ]] && return 0
		sleep 0.05
	done
	return 1
}

# One run: BACKEND SIZE -> "in_pps out_pps sink_pps note"
run_one() {
	local be=$1 size=$2 tag=$1-$2 sink rep feed secs in out sinkn note=""
	bg "$WORK/$tag.sink" ip netns exec "$NS_A" "$LINERATE" recv --backend xdp -i "$DEV_A" \
		--listen "0.0.0.0:$SUB_PORT" --idle-timeout 0 --duration $((DURATION + 6))s --json --size 1518
	sink=$LAST_PID
	if [[ $be == relay ]]; then
		bg "$WORK/$tag.rep" ip netns exec "$NS_B" taskset -c 1 "$WORK/relay" "$IP_B:$PORT" \
			$((DURATION + 2)) "${SUB_LIST[@]}"
	else
		bg "$WORK/$tag.rep" ip netns exec "$NS_B" taskset -c 1 "$LINERATE" replicate --backend "$be" \
			--listen "$IP_B:$PORT" --api none --cpu 1 --burst 64 --duration $((DURATION + 2))s \
			--json "${SUB_ARGS[@]}"
	fi
	rep=$LAST_PID
	sleep 1.5
	ip netns exec "$NS_A" taskset -c 0 "$LINERATE" send --backend afpacket --dst "$IP_B:$PORT" \
		--size "$size" --rate "$RATE" --duration "${DURATION}s" --json >"$WORK/$tag.feed" 2>"$WORK/$tag.feed.err"
	wait "$rep"
	kill -TERM "$sink" 2>/dev/null
	wait "$sink"
	feed=$(jq -r .tx.packets "$WORK/$tag.feed" 2>/dev/null)
	secs=$(jq -r .duration_s "$WORK/$tag.feed" 2>/dev/null)
	if [[ $be == relay ]]; then
		in=$(jq -r .rx "$WORK/$tag.rep" 2>/dev/null)
		out=$(jq -r .tx "$WORK/$tag.rep" 2>/dev/null)
	else
		in=$(jq -r .replicated "$WORK/$tag.rep" 2>/dev/null)
		out=$(jq -r .tx.packets "$WORK/$tag.rep" 2>/dev/null)
		note=$(jq -r '.backend.mode' "$WORK/$tag.rep" 2>/dev/null)
	fi
	sinkn=$(jq -r .rx.packets "$WORK/$tag.sink" 2>/dev/null)
	if ! [[ $in =~ ^[0-9]+$ && $out =~ ^[0-9]+$ && $secs =~ ^[0-9.]+$ ]]; then
		echo "- - - failed: $(tail -n1 "$WORK/$tag.rep.err" 2>/dev/null)"
		return
	fi
	awk -v f="$feed" -v i="$in" -v o="$out" -v k="${sinkn:-0}" -v s="$secs" -v n="$note" \
		'BEGIN { printf "%.0f %.0f %.0f %.0f %s\n", f / s, i / s, o / s, k / s, n }'
}

fmt() { awk -v v="$1" 'BEGIN { if (v >= 1e6) printf "%.2fM", v / 1e6; else printf "%.0fk", v / 1e3 }'; }

echo "# linerate replicate vs a socket relay: $SUBS subscribers, feed at $RATE, ${DURATION}s per run"
echo "# $(uname -r), $(nproc) CPUs, load before: $LOAD_BEFORE; $(cd "$REPO_ROOT" && git describe --always --dirty 2>/dev/null)"
printf '%-9s %5s %10s %10s %11s %10s %9s\n' backend size "feed pps" "in pps" "out pps" "sink pps" "vs relay"
declare -A RELAY_OUT=()
for size in $SIZES; do
	for be in $BACKENDS; do
		read -r feed_pps in_pps out_pps sink_pps _ <<<"$(run_one "$be" "$size")"
		[[ $be == relay ]] && RELAY_OUT[$size]=$out_pps
		ratio=-
		if [[ -n ${RELAY_OUT[$size]:-} && ${RELAY_OUT[$size]} != 0 && $out_pps =~ ^[0-9]+$ ]]; then
			ratio=$(awk -v a="$out_pps" -v b="${RELAY_OUT[$size]}" 'BEGIN { printf "%.2fx", a / b }')
		fi
		if [[ $out_pps =~ ^[0-9]+$ ]]; then
			printf '%-9s %5s %10s %10s %11s %10s %9s\n' "$be" "$size" "$(fmt "$feed_pps")" \
				"$(fmt "$in_pps")" "$(fmt "$out_pps")" "$(fmt "$sink_pps")" "$ratio"
		else
			printf '%-9s %5s %s\n' "$be" "$size" "failed (see a rerun with --backends $be)"
		fi
	done
done

# ---- round trip: ping -> replicate --return-path -> reflect (one subscriber)
# In a lab without threaded NAPI: at 1 kpps every packet would otherwise
# wait for the NAPI kthread to wake up, on both crossings.
"$LAB" down --name "$NAME" >/dev/null 2>&1
"$LAB" up --name "$NAME" --subnet "$SUBNET" >"$WORK/lab.keys" 2>"$WORK/lab.err" || {
	cat "$WORK/lab.err" >&2
	exit 1
}
MAC_A=$(key mac_a)
ip=${SUB_LIST[0]%:*}
ip -n "$NS_A" addr add "$ip/24" dev "$DEV_A"
ip -n "$NS_B" neigh replace "$ip" lladdr "$MAC_A" dev "$DEV_B" nud permanent
echo
echo "# round trip through the replicator: ping 1kpps x 5000 (udp) -> replicate -> reflect (udp), 64 bytes, no threaded NAPI"
printf '%-9s %10s %10s %10s %8s\n' backend "p50 us" "p99 us" "p999 us" lost
REFL=${SUB_LIST[0]}
for be in $RTT_BACKENDS; do
	bg "$WORK/rtt-$be.refl" ip netns exec "$NS_A" "$LINERATE" reflect --backend udp \
		--listen "$REFL" --idle-timeout 3s --quiet
	refl=$LAST_PID
	wait_udp "$NS_A" "$SUB_PORT"
	extra=()
	[[ $be == afpacket ]] && extra=(--low-latency)
	bg "$WORK/rtt-$be.rep" ip netns exec "$NS_B" "$LINERATE" replicate --backend "$be" \
		--listen "$IP_B:$PORT" --api none --return-path --subscriber "$REFL" \
		--duration 12s --json "${extra[@]}"
	rep=$LAST_PID
	sleep 1.5
	ip netns exec "$NS_A" "$LINERATE" ping --backend udp --dst "$IP_B:$PORT" --rate 1kpps \
		--count 5000 --json >"$WORK/rtt-$be.ping" 2>"$WORK/rtt-$be.ping.err"
	kill -TERM "$rep" 2>/dev/null
	wait "$rep"
	wait "$refl"
	jq -r --arg be "$be" '[$be, (.rtt_ns.p50 / 1000), (.rtt_ns.p99 / 1000), (.rtt_ns.p999 / 1000), .rx.lost] |
		"\(.[0]) \(.[1]) \(.[2]) \(.[3]) \(.[4])"' "$WORK/rtt-$be.ping" 2>/dev/null |
		awk '{ printf "%-9s %10.1f %10.1f %10.1f %8s\n", $1, $2, $3, $4, $5 }' ||
		echo "$be failed: $(tail -n1 "$WORK/rtt-$be.ping.err")"
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
