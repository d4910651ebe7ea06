#!/usr/bin/env bash
# Benchmark: linerate's send backends (xdp, afxdp, afpacket, udp, udp
# --no-gso) against dpdk-testpmd txonly (AF_XDP and AF_PACKET PMDs),
# trafgen and iperf3 -u, at 64-byte frames with one sending core, on one
# veth lab, one tool after the other.
#
#   bench/backends.sh [--duration S] [--placement both|napi1|shared]
#                     [--tools LIST] [--sink xdp|afxdp] [--name NAME]
#                     [--repeats N] [--base PATH]
#
# --repeats N runs the whole list N times, taking turns (this VM's speed
# drifts by tens of percent within minutes, so one tool after the other
# once compares moments, not tools), and adds a table of medians.
# --base PATH runs every linerate row a second time with another binary
# (an older build: "base ..." rows), in the same turns, and prints the
# ratios of the medians, so a change shows against what was there.
#
# --tools takes a comma list of: lr-xdp, lr-afxdp, lr-afpacket, lr-udp,
# lr-udp-nogso, testpmd-afxdp, testpmd-afpacket, trafgen, iperf3 (default
# all; iperf3 always runs, it is the reference of the ratios). --sink
# picks the first sink to try (default xdp; see Receivers below); --sink
# count is the xdp analyzer with --count-only, which costs the same for
# every tool's packets (the full analysis of linerate's probes costs the
# receiving core more than the foreign check of testpmd's and trafgen's,
# and when that core is the bottleneck it, not the sender, is measured).
#
# Lab: scripts/lab up --name bkNNNNNN --subnet 10.96.0 --threaded --cpu N,
# then MTU 1500 on both ends (scripts/lab sets 9000; a veth accepts a
# non-frags XDP program, like DPDK's AF_XDP PMD's, only with the peer's
# MTU at most ~3.5 KB; 64-byte frames do not care). GRO is on on b's veth
# (the lab's --threaded), which with an XDP sink on b is also what lets b
# accept XDP_TX frames from the xdp generator on a.
#
# Placements (2 CPUs): the sender always on CPU 0 (taskset -c 0; testpmd
# with both its lcores mapped to CPU 0, --lcores '(0,1)@0').
#   napi1   b's veth NAPI threaded, kthread pinned to CPU 1
#           (lab --threaded --cpu 1); the receiving process on CPU 1.
#   shared  everything on CPU 0: NAPI kthread (lab --threaded --cpu 0),
#           receiver and sender.
#
# Frames: 64 bytes incl. FCS = 14 Ethernet + 20 IPv4 + 8 UDP + 18 payload
# + 4 FCS. linerate --size 64; testpmd --txpkts=60; trafgen a 60-byte
# eth/ipv4/udp/fill(0,18) frame; iperf3 -u -l 18.
#
# Receivers: for every tool but iperf3 the same sink runs in b on the
# receiving CPU: `linerate recv --backend xdp` (an XDP program that
# validates, counts and drops), or `recv --backend afxdp` when the xdp sink
# cannot start (the table's header says which and why). It counts linerate
# probes as rx.packets and other datagrams to its address and port
# (testpmd's and trafgen's, which carry no probe header) as rx.foreign.
# iperf3's receiver is its own server (iperf3 -s), a UDP socket.
#
# How each number is counted:
#   sent pps    packets the sender says it sent / the sender's active time.
#               linerate: tx.handed_pps from its JSON (= tx.packets / its run
#               time: handed to the interface, drops included, as testpmd counts;
#               tx.pps, what left, excludes the interface's drops).
#               testpmd: final "Accumulated forward statistics" TX-packets /
#               the time it forwarded: that count / the rate its periodic
#               stats measured (TX-packets deltas over its own Tx-pps);
#               not the time until SIGINT, which the main lcore, on the
#               busy forwarding lcore's CPU, may see a second late while
#               the forwarding goes on (until 2026-12-04 20:25 UTC the
#               script divided by that, and napi1 testpmd rows came out up
#               to 1.35x too high). testpmd counts a
#               packet when its PMD accepts it: the AF_XDP PMD when it is in
#               the TX ring, AF_PACKET when it is in the mmap ring; the
#               veth may still drop it after that.
#               trafgen: "packets outgoing" / its own "N sec, M usec on
#               CPU0" (sendto() calls that succeeded).
#               iperf3: client end.sum.packets / end.sum.seconds.
#   b if rx     delta of b's veth rx_packets (`ip -s -j link show`, read
#               before the sender starts and 0.5 s after it ends) / the
#               sender's active time, the same for every tool. A veth
#               with NAPI counts a packet there when b's NAPI takes it off
#               the ring, before XDP, GRO or the socket see it: it is what
#               reached b's receive path, not what the application got.
#   recv pps    what the receiving side counted / the sender's active time:
#               the sink's rx.packets (linerate traffic) or rx.packets +
#               rx.foreign (testpmd, trafgen); iperf3: server's
#               end.sum.packets - end.sum.lost_packets.
#   loss %      (sent - recv) / sent, in packets.
#   a drop pps  delta of a's veth tx_dropped / the sender's active time:
#               frames the veth dropped because b's ring was full (the
#               skb path and XDP_TX / ndo_xdp_xmit alike). A sender that
#               is told (AF_PACKET, sendto() getting ENOBUFS) may send the
#               frame again, so this can exceed sent - recv.
#   x ip3       this row's sent and recv pps / iperf3's sent and recv pps
#               in the same placement.
#
# Bounds: each run lasts --duration seconds (linerate --duration and
# --count D*50M, trafgen SIGINT after D s and -n D*50M, testpmd SIGINT
# after D s of forwarding, iperf3 -t D) under a hard timeout. Traffic stays
# inside the lab's two namespaces; everything started is killed by PID and
# the lab is taken down on exit. Needs root, jq, iperf3, trafgen
# (netsniff-ng) and dpdk-testpmd (dpdk-dev, librte-net-af-xdp23); missing
# Debian packages are installed, a tool that still cannot run gets an
# error row.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
DURATION=5
PLACEMENT=both
ALL_TOOLS=lr-xdp,lr-afxdp,lr-afpacket,lr-udp,lr-udp-nogso,testpmd-afxdp,testpmd-afpacket,trafgen,iperf3
TOOLS=$ALL_TOOLS
NAME=bk$(($$ % 1000000))
SUBNET=10.96.0
PORT=7000
PORT_IPERF=5201
LAB_MTU=1500
PROG=backends
SINK=xdp
REPEATS=1
BASE=
SINK_ARGS=()

while (($#)); do
	case $1 in
	--duration)
		DURATION=${2:?--duration needs seconds}
		shift
		;;
	--placement)
		PLACEMENT=${2:?--placement needs both, napi1 or shared}
		shift
		;;
	--tools)
		TOOLS=${2:?--tools needs a comma list}
		shift
		;;
	--name)
		NAME=${2:?--name needs a value}
		shift
		;;
	--sink)
		SINK=${2:?--sink needs xdp, count or afxdp}
		shift
		;;
	--repeats)
		REPEATS=${2:?--repeats needs a number}
		shift
		;;
	--base)
		BASE=${2:?--base needs a path}
		shift
		;;
	-h | --help)
		sed -n '2,17s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		echo "$PROG: unknown argument '$1'" >&2
		exit 2
		;;
	esac
	shift
done
case $SINK in
xdp | afxdp) ;;
count) SINK_ARGS=(--count-only) ;;
*) echo "$PROG: --sink must be xdp, count or afxdp" >&2; exit 2 ;;
esac
[[ -z $BASE || -x $BASE ]] || {
	echo "$PROG: --base: no binary at $BASE" >&2
	exit 2
}
bench_uint "$PROG" --repeats "$REPEATS" 1 20
bench_uint "$PROG" --duration "$DURATION" 1 60 seconds
case $PLACEMENT in
both | napi1 | shared) ;;
*)
	echo "$PROG: --placement must be both, napi1 or shared" >&2
	exit 2
	;;
esac
[[ $NAME =~ ^[a-z0-9]{1,8}$ ]] || {
	echo "$PROG: --name must be 1 to 8 characters a-z 0-9" >&2
	exit 2
}
declare -A WANT=()
IFS=, read -r -a _tools <<<"$TOOLS"
for t in "${_tools[@]}"; do
	[[ ,$ALL_TOOLS, == *",$t,"* ]] || {
		echo "$PROG: unknown tool '$t' (known: $ALL_TOOLS)" >&2
		exit 2
	}
	WANT[$t]=1
done
WANT[iperf3]=1
bench_require "$PROG"
NCPU=$(nproc)
((NCPU >= 2)) || [[ $PLACEMENT == shared ]] || {
	echo "$PROG: one CPU only: running the shared placement alone" >&2
	PLACEMENT=shared
}

# install_pkg COMMAND PACKAGE...: make COMMAND available, or say why not.
install_pkg() {
	local cmd=$1
	shift
	command -v "$cmd" >/dev/null 2>&1 && return 0
	echo "$PROG: installing $*" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1
	command -v "$cmd" >/dev/null 2>&1
}
for pair in jq:jq iperf3:iperf3 taskset:util-linux ethtool:ethtool; do
	install_pkg "${pair%%:*}" "${pair#*:}" || {
		echo "$PROG: ${pair%%:*} is missing and could not be installed" >&2
		exit 1
	}
done
TRAFGEN_MISSING=
if [[ -n ${WANT[trafgen]:-} ]]; then
	install_pkg trafgen netsniff-ng || TRAFGEN_MISSING="trafgen not installed (apt-get install netsniff-ng failed)"
fi
TESTPMD_MISSING=
if [[ -n ${WANT[testpmd-afxdp]:-}${WANT[testpmd-afpacket]:-} ]]; then
	# Debian ships dpdk-testpmd in dpdk-dev; the PMDs are separate.
	install_pkg dpdk-testpmd dpdk dpdk-dev librte-net-af-xdp23 librte-net-af-packet23 ||
		TESTPMD_MISSING="dpdk-testpmd not installed (apt-get install dpdk-dev failed)"
fi

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
WORK=$(mktemp -d /tmp/lr-bench.XXXXXX)
DPDK_PREFIX=lrbench-$NAME
# Run a private copy, so a rebuild of the tree during the benchmark (others
# work in it) neither breaks a run nor mixes two versions in one table.
LINERATE_SRC=$LINERATE
LINERATE_SUM=$(sha256sum "$LINERATE_SRC" | cut -c1-12)
cp "$LINERATE_SRC" "$WORK/linerate" || {
	echo "$PROG: cannot copy $LINERATE_SRC" >&2
	rm -rf -- "$WORK"
	exit 1
}
LINERATE=$WORK/linerate
if [[ -n $BASE ]]; then
	cp "$BASE" "$WORK/base" || exit 1
fi
LINERATE_GIT=$(git -C "$REPO_ROOT" describe --always --dirty 2>/dev/null || echo '?')
PIDS=()
cleanup() {
	stop_pids "${PIDS[@]}"
	"$LAB" down --name "$NAME" >/dev/null 2>&1
	# testpmd's runtime directory (mp socket, config) under its prefix.
	[[ -d /var/run/dpdk/$DPDK_PREFIX ]] && rm -rf -- "/var/run/dpdk/$DPDK_PREFIX"
	rm -rf -- "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# lab_up NAPI_CPU: (re)build the lab with b's NAPI kthread on NAPI_CPU.
lab_up() {
	"$LAB" down --name "$NAME" >/dev/null 2>&1
	"$LAB" up --name "$NAME" --subnet "$SUBNET" --threaded --cpu "$1" >"$WORK/lab.keys" 2>"$WORK/lab.err" || {
		cat "$WORK/lab.err" >&2
		exit 1
	}
	local key
	for key in ns_a ns_b dev_a dev_b ip_a ip_b mac_a mac_b; do
		printf -v "${key^^}" '%s' "$(sed -n "s/^$key=//p" "$WORK/lab.keys")"
	done
	if ! ip -n "$NS_A" link set dev "$DEV_A" mtu "$LAB_MTU" ||
		! ip -n "$NS_B" link set dev "$DEV_B" mtu "$LAB_MTU"; then
		echo "$PROG: cannot set MTU $LAB_MTU on the lab" >&2
		exit 1
	fi
}

# counters: b's rx_packets and a's tx_dropped, "RX DROP".
xdp_attached() { # NS DEV
	[[ $(ip -n "$1" -j link show dev "$2" 2>/dev/null | jq -r '.[0].xdp.prog.id // empty') != "" ]]
}

first_error() { # FILE: the most telling line of a failed tool's output
	local line
	line=$(grep -E -i 'error|fail|cause|cannot|refused|denied|invalid|not supported' "$1" 2>/dev/null |
		grep -v -i -E 'skipping unrecognized|no bpffs|dispatcher' | tail -n 1)
	[[ -n $line ]] || line=$(grep -v '^\s*$' "$1" 2>/dev/null | tail -n 1)
	line=${line//$'\r'/}
	line=${line#"${line%%[![:space:]]*}"}
	echo "${line:0:110}"
}

per_s() { awk -v n="$1" -v s="$2" 'BEGIN { if (n != "" && s + 0 > 0) printf "%.1f", n / s }'; }
fmt_pps() { awk -v v="$1" 'BEGIN { if (v == "") print "n/a"; else printf "%.0f", v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
now() { date +%s.%N; }

SINK_NOTE=
SINK_PID=

# sink_start RECEIVER_CPU: a linerate recv in b that counts and drops.
# Falls back from the xdp sink to the afxdp one once, for the whole run.
sink_start() {
	local rcpu=$1 i
	while :; do
		timeout --kill-after=2 $((DURATION + 60)) taskset -c "$rcpu" ip netns exec "$NS_B" \
			"$LINERATE" recv --backend "${SINK/count/xdp}" ${SINK_ARGS[@]+"${SINK_ARGS[@]}"} --listen "$IP_B:$PORT" \
			--duration "$((DURATION + 50))s" --idle-timeout 0 --interval 0 --quiet --json \
			>"$WORK/sink.json" 2>"$WORK/sink.err" </dev/null &
		SINK_PID=$!
		PIDS+=("$SINK_PID")
		for ((i = 0; i < 100; i++)); do
			kill -0 "$SINK_PID" 2>/dev/null || break
			xdp_attached "$NS_B" "$DEV_B" && break
			sleep 0.05
		done
		if kill -0 "$SINK_PID" 2>/dev/null && xdp_attached "$NS_B" "$DEV_B"; then
			sleep 0.3 # the afxdp sink binds its socket after attaching
			return 0
		fi
		kill -TERM "$SINK_PID" 2>/dev/null
		wait "$SINK_PID" 2>/dev/null
		if [[ $SINK == xdp ]]; then
			SINK_NOTE="recv --backend xdp failed: $(first_error "$WORK/sink.err")"
			echo "$PROG: $SINK_NOTE; using recv --backend afxdp as the sink" >&2
			SINK=afxdp
			continue
		fi
		SINK_ERR="sink (recv --backend $SINK) did not start: $(first_error "$WORK/sink.err")"
		return 1
	done
}

# sink_stop: SIGINT makes linerate recv print its final JSON.
# Sets SINK_PACKETS and SINK_FOREIGN.
sink_stop() {
	kill -INT "$SINK_PID" 2>/dev/null
	wait "$SINK_PID" 2>/dev/null
	SINK_PACKETS=$(jq -r '.rx.packets // empty' "$WORK/sink.json" 2>/dev/null)
	SINK_FOREIGN=$(jq -r '.rx.foreign // empty' "$WORK/sink.json" 2>/dev/null)
	# Everything that reached the sink's address and port: probes and
	# foreign datagrams (testpmd's and trafgen's).
	SINK_ALL=
	[[ -z $SINK_PACKETS || -z $SINK_FOREIGN ]] || SINK_ALL=$((SINK_PACKETS + SINK_FOREIGN))
}

# One table row per run, in parallel arrays: pps figures, and the sent and
# received packet counts the loss is computed from.
R_PLACE=() R_TOOL=() R_SENT=() R_IFRX=() R_RECV=() R_DROP=() R_SINK=() R_NOTE=() R_TXN=() R_RXN=()
add_row() { # PLACE TOOL SENT_PPS IFRX_PPS RECV_PPS DROP_PPS SINK NOTE [SENT_PACKETS RECV_PACKETS]
	R_PLACE+=("$1") R_TOOL+=("$2") R_SENT+=("$3") R_IFRX+=("$4")
	R_RECV+=("$5") R_DROP+=("$6") R_SINK+=("$7") R_NOTE+=("$8")
	R_TXN+=("${9:-}") R_RXN+=("${10:-}")
}
error_row() { # PLACE TOOL SINK NOTE
	add_row "$1" "$2" "" "" "" "" "$3" "$4"
}

# finish_row PLACE TOOL SENT_PACKETS SECONDS RECV_PACKETS C0 C1 SINK NOTE
finish_row() {
	local place=$1 tool=$2 tx=$3 secs=$4 rx=$5 c0=$6 c1=$7 sink=$8 note=$9
	local rx0 drop0 rx1 drop1
	read -r rx0 drop0 <<<"$c0"
	read -r rx1 drop1 <<<"$c1"
	add_row "$place" "$tool" "$(per_s "$tx" "$secs")" "$(per_s $((rx1 - rx0)) "$secs")" \
		"$(per_s "$rx" "$secs")" "$(per_s $((drop1 - drop0)) "$secs")" "$sink" "$note" "$tx" "$rx"
}

# run_linerate PLACE LABEL SCPU RCPU SEND_ARGS...
run_linerate() {
	local place=$1 tool=$2 scpu=$3 rcpu=$4 c0 c1 rc tx pps secs note=
	shift 4
	if ! sink_start "$rcpu"; then
		error_row "$place" "$tool" "-" "$SINK_ERR"
		return
	fi
	c0=$(lab_counters)
	rc=0
	timeout --kill-after=2 $((DURATION + 15)) taskset -c "$scpu" ip netns exec "$NS_A" \
		"${SENDER:-$LINERATE}" send --dst "$IP_B:$PORT" --rate max --size 64 --duration "${DURATION}s" \
		--count $((DURATION * 50000000)) --interval 0 --quiet --json "$@" \
		>"$WORK/send.json" 2>"$WORK/send.err" </dev/null || rc=$?
	sleep 0.5 # let b's ring drain before reading its counter
	c1=$(lab_counters)
	sink_stop
	tx=$(jq -r '.tx.packets // empty' "$WORK/send.json" 2>/dev/null)
	pps=$(jq -r '.tx.handed_pps // .tx.pps // empty' "$WORK/send.json" 2>/dev/null)
	secs=$(awk -v n="$tx" -v p="$pps" 'BEGIN { if (p + 0 > 0) printf "%.6f", n / p }')
	if ((rc != 0)) || [[ -z $tx ]]; then
		note="error (exit $rc): $(first_error "$WORK/send.err")"
		error_row "$place" "$tool" "$SINK" "$note"
		return
	fi
	note=$(jq -r '[.backend.mode // empty] | join("")' "$WORK/send.json" 2>/dev/null)
	finish_row "$place" "$tool" "$tx" "$secs" "$SINK_PACKETS" "$c0" "$c1" "$SINK" "$note"
}

# run_testpmd PLACE LABEL SCPU RCPU PMD(af_xdp|af_packet)
run_testpmd() {
	local place=$1 tool=$2 scpu=$3 rcpu=$4 pmd=$5 vdev c0 c1 pid i t0="" t1="" tx secs note started=0
	if [[ -n $TESTPMD_MISSING ]]; then
		error_row "$place" "$tool" "-" "$TESTPMD_MISSING"
		return
	fi
	case $pmd in
	af_xdp) vdev="net_af_xdp0,iface=$DEV_A,start_queue=0,queue_count=1" ;;
	af_packet) vdev="net_af_packet0,iface=$DEV_A" ;;
	esac
	if ! sink_start "$rcpu"; then
		error_row "$place" "$tool" "-" "$SINK_ERR"
		return
	fi
	c0=$(lab_counters)
	# No hugepages: --no-huge -m 512 and a mempool that fits in it. Both
	# lcores (main and forwarding) on the sending CPU. stdbuf: the line
	# that says forwarding started must reach the file when it is printed.
	timeout --kill-after=3 $((DURATION + 40)) taskset -c "$scpu" ip netns exec "$NS_A" \
		stdbuf -oL -eL dpdk-testpmd --no-huge -m 512 --no-pci --no-telemetry --file-prefix "$DPDK_PREFIX" \
		--lcores "(0,1)@$scpu" --vdev "$vdev" -- \
		--forward-mode=txonly --txpkts=60 --nb-cores=1 --total-num-mbufs=16384 \
		--eth-peer="0,$MAC_B" --tx-ip="$IP_A,$IP_B" --tx-udp="9000,$PORT" \
		--stats-period 1 >"$WORK/testpmd.out" 2>&1 </dev/null &
	pid=$!
	PIDS+=("$pid")
	for ((i = 0; i < 1500; i++)); do
		if grep -q 'packet forwarding - ports=' "$WORK/testpmd.out" 2>/dev/null; then
			t0=$(now)
			started=1
			break
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	if ((started)); then
		sleep "$DURATION"
		t1=$(now)
		kill -INT "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	sleep 0.5
	c1=$(lab_counters)
	sink_stop
	tx=$(awk '/Accumulated forward statistics/ { acc = 1 }
		acc && /TX-packets:/ { print $2; exit }' "$WORK/testpmd.out")
	if ((!started)) || [[ -z $tx ]]; then
		note="error: $(first_error "$WORK/testpmd.out")"
		error_row "$place" "$tool" "$SINK" "$note"
		return
	fi
	# The time testpmd forwarded: SIGINT time - start time overstates
	# its rate, because with both lcores on one CPU the main lcore may
	# see the signal a second late while the forwarding lcore sends on
	# (seen: 9.0 M packets counted for 3.0 s of 2.25 Mpps). Its periodic
	# stats give the rate it measured itself (TX-packets deltas over
	# Tx-pps, from its own TSC); the final count over that rate is the
	# time it forwarded. Without two periodic prints, the old way.
	secs=$(awk -v a="$t0" -v b="$t1" -v tx="$tx" '
		/TX-packets:.*TX-errors:/ { cur = $2 }
		/Tx-pps:/ { if (have && $2 + 0 > 0 && cur > last) { dtx += cur - last; dt += (cur - last) / $2 }
			last = cur; have = 1 }
		END { if (dt > 0) printf "%.6f", tx / (dtx / dt); else printf "%.6f", b - a }' "$WORK/testpmd.out")
	note="txonly, $pmd PMD"
	[[ $pmd == af_xdp ]] && note+=", MTU $LAB_MTU"
	finish_row "$place" "$tool" "$tx" "$secs" "$SINK_ALL" "$c0" "$c1" "$SINK" "$note"
}

# trafgen_once SCPU EXTRA...: one trafgen run; sets TG_RC.
trafgen_once() {
	local scpu=$1
	shift
	TG_RC=0
	# --no-sock-mem: do not touch net.core.[rw]mem_* (read-only in a child
	# namespace anyway); --notouch-irq: veth has no IRQ to pin.
	timeout -s INT --kill-after=3 "$DURATION" taskset -c "$scpu" ip netns exec "$NS_A" \
		trafgen --cpus 1 --no-sock-mem --notouch-irq --dev "$DEV_A" --conf "$WORK/trafgen.cfg" \
		-n $((DURATION * 50000000)) "$@" >"$WORK/trafgen.out" 2>&1 </dev/null || TG_RC=$?
}

# run_trafgen PLACE LABEL SCPU RCPU
run_trafgen() {
	local place=$1 tool=$2 scpu=$3 rcpu=$4 c0 c1 tx secs note=
	if [[ -n $TRAFGEN_MISSING ]]; then
		error_row "$place" "$tool" "-" "$TRAFGEN_MISSING"
		return
	fi
	# 60 bytes + FCS: Ethernet, IPv4 (DF, checksum by trafgen), UDP
	# (checksum by trafgen), 18 zero bytes of payload.
	cat >"$WORK/trafgen.cfg" <<EOF
{ eth(da=$MAC_B, sa=$MAC_A), ipv4(saddr=$IP_A, daddr=$IP_B, ttl=64, df), udp(sp=9000, dp=$PORT), fill(0, 18) }
EOF
	if ! sink_start "$rcpu"; then
		error_row "$place" "$tool" "-" "$SINK_ERR"
		return
	fi
	c0=$(lab_counters)
	trafgen_once "$scpu"
	note="TX_RING (mmap) path"
	if grep -q 'Flushing TX_RING failed' "$WORK/trafgen.out"; then
		# trafgen's TX_RING loop gives up on EAGAIN, which a veth whose
		# peer ring is full returns at once (the socket's send buffer is
		# held by frames still in that ring). -t 0ns switches it to its
		# "slow path": one blocking sendto() per packet, no gap.
		note="TX_RING died ($(first_error "$WORK/trafgen.out" | sed 's/!$//')): ran -t 0ns, sendto() per packet"
		# A fresh sink and fresh counters: only the second run counts.
		sleep 0.5
		sink_stop
		if ! sink_start "$rcpu"; then
			error_row "$place" "$tool" "-" "$SINK_ERR"
			return
		fi
		c0=$(lab_counters)
		trafgen_once "$scpu" -t 0ns
	fi
	sleep 0.5
	c1=$(lab_counters)
	sink_stop
	# Its summary lines start with a carriage return.
	tx=$(tr -d '\r' <"$WORK/trafgen.out" | awk '/packets outgoing/ { print $1; exit }')
	secs=$(tr -d '\r' <"$WORK/trafgen.out" |
		awk '/ sec, .* usec on CPU/ { printf "%.6f", $1 + $3 / 1e6; exit }')
	if [[ -z $tx || -z $secs ]] || ((TG_RC != 0 && TG_RC != 124)); then
		error_row "$place" "$tool" "$SINK" "error (exit $TG_RC): $(first_error "$WORK/trafgen.out")"
		return
	fi
	finish_row "$place" "$tool" "$tx" "$secs" "$SINK_ALL" "$c0" "$c1" "$SINK" "$note"
}

# run_iperf3 PLACE SCPU RCPU
run_iperf3() {
	local place=$1 scpu=$2 rcpu=$3 pid rc tx secs rx c0 c1 i
	timeout --kill-after=2 $((DURATION + 20)) taskset -c "$rcpu" ip netns exec "$NS_B" \
		iperf3 -s -1 -B "$IP_B" -p "$PORT_IPERF" --json \
		>"$WORK/ip-server.json" 2>"$WORK/ip-server.err" </dev/null &
	pid=$!
	PIDS+=("$pid")
	for ((i = 0; i < 100; i++)); do
		[[ -n $(ip netns exec "$NS_B" ss -H -tln "sport = :$PORT_IPERF" 2>/dev/null) ]] && break
		sleep 0.05
	done
	c0=$(lab_counters)
	rc=0
	timeout --kill-after=2 $((DURATION + 10)) taskset -c "$scpu" ip netns exec "$NS_A" \
		iperf3 -c "$IP_B" -p "$PORT_IPERF" -u -l 18 -b 0 -t "$DURATION" --json \
		>"$WORK/ip-client.json" 2>"$WORK/ip-client.err" </dev/null || rc=$?
	wait "$pid" 2>/dev/null
	sleep 0.5
	c1=$(lab_counters)
	tx=$(jq -r '.end.sum.packets // empty' "$WORK/ip-client.json" 2>/dev/null)
	secs=$(jq -r '.end.sum.seconds // empty' "$WORK/ip-client.json" 2>/dev/null)
	rx=$(jq -r 'if .end.sum then .end.sum.packets - .end.sum.lost_packets else empty end' \
		"$WORK/ip-server.json" 2>/dev/null)
	if ((rc != 0)) || [[ -z $tx ]]; then
		error_row "$place" "iperf3 -u -l 18" "iperf3 -s" \
			"error (exit $rc): $(jq -r '.error // empty' "$WORK/ip-client.json" 2>/dev/null)"
		return
	fi
	# The TCP control connection adds a few dozen packets to b's counter.
	finish_row "$place" "iperf3 -u -l 18" "$tx" "$secs" "$rx" "$c0" "$c1" "iperf3 -s" "one datagram per send()"
}

# run_round PLACE SCPU RCPU
run_round() {
	local place=$1 scpu=$2 rcpu=$3
	lab_up "$rcpu"
	echo "== $place: sender on CPU $scpu; b's NAPI kthread and the receiver on CPU $rcpu; $DURATION s per run" >&2
	local t r
	for ((r = 1; r <= REPEATS; r++)); do
	((REPEATS > 1)) && echo "   -- repeat $r of $REPEATS" >&2
	echo "   iperf3" >&2
	run_iperf3 "$place" "$scpu" "$rcpu"
	for t in lr-xdp lr-afxdp lr-afpacket lr-udp lr-udp-nogso testpmd-afxdp testpmd-afpacket trafgen; do
		[[ -n ${WANT[$t]:-} ]] || continue
		echo "   $t" >&2
		case $t in
		lr-*)
			local label args
			case $t in
			lr-xdp) label="linerate xdp" args=(--backend xdp) ;;
			lr-afxdp) label="linerate afxdp" args=(--backend afxdp) ;;
			lr-afpacket) label="linerate afpacket" args=(--backend afpacket) ;;
			lr-udp) label="linerate udp" args=(--backend udp) ;;
			lr-udp-nogso) label="linerate udp --no-gso" args=(--backend udp --no-gso) ;;
			esac
			# With --base, every other repeat runs the base first, so
			# neither binary always follows the same tool.
			if [[ -n $BASE ]] && ((r % 2 == 0)); then
				echo "   base $t" >&2
				SENDER=$WORK/base run_linerate "$place" "base $label" "$scpu" "$rcpu" "${args[@]}"
			fi
			run_linerate "$place" "$label" "$scpu" "$rcpu" "${args[@]}"
			if [[ -n $BASE ]] && ((r % 2 == 1)); then
				echo "   base $t" >&2
				SENDER=$WORK/base run_linerate "$place" "base $label" "$scpu" "$rcpu" "${args[@]}"
			fi
			;;
		testpmd-afxdp) run_testpmd "$place" "testpmd af_xdp" "$scpu" "$rcpu" af_xdp ;;
		testpmd-afpacket) run_testpmd "$place" "testpmd af_packet" "$scpu" "$rcpu" af_packet ;;
		trafgen) run_trafgen "$place" "trafgen" "$scpu" "$rcpu" ;;
		esac
	done
	done
	"$LAB" down --name "$NAME" >/dev/null 2>&1
}

[[ $PLACEMENT == shared ]] || run_round napi1 0 1
[[ $PLACEMENT == napi1 ]] || run_round shared 0 0

# ---------------------------------------------------------------- report
echo
echo "backends: 64-byte frames, $DURATION s per run, one sending core (CPU 0), kernel $(uname -r)," \
	"$NCPU CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
echo "linerate: $LINERATE_SRC (sha256 $LINERATE_SUM..., tree $LINERATE_GIT); $(iperf3 --version 2>/dev/null | head -n1 | cut -d' ' -f1-2);" \
	"dpdk-testpmd $(dpkg-query -W -f '${Version}' dpdk-dev 2>/dev/null || echo '?');" \
	"trafgen $(dpkg-query -W -f '${Version}' netsniff-ng 2>/dev/null || echo '?')"
echo "sink for every tool but iperf3: linerate recv --backend ${SINK/count/xdp} ${SINK_ARGS[*]+${SINK_ARGS[*]}}${SINK_NOTE:+ ($SINK_NOTE)}"
echo "load average (1, 5, 15 min): $LOAD_START at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo "lab: veth, MTU $LAB_MTU, GRO on b, TSO off on a; napi1 = b's NAPI + receiver on CPU 1, shared = all on CPU 0"
echo
FMT='%-7s %-22s %10s %10s %10s %7s %10s %6s %6s  %-9s %s\n'
# shellcheck disable=SC2059
printf "$FMT" place tool "sent pps" "b if rx" "recv pps" "loss" "a drop" "sent" "recv" sink note
# shellcheck disable=SC2059
printf "$FMT" "" "" "" "pps" "" "%" "pps" "x ip3" "x ip3" "" ""
declare -A IP_SENT=() IP_RECV=()
for i in "${!R_TOOL[@]}"; do
	if [[ ${R_TOOL[$i]} == iperf3* ]]; then
		IP_SENT[${R_PLACE[$i]}]=${R_SENT[$i]}
		IP_RECV[${R_PLACE[$i]}]=${R_RECV[$i]}
	fi
done
for i in "${!R_TOOL[@]}"; do
	p=${R_PLACE[$i]}
	loss=$(awk -v t="${R_TXN[$i]}" -v r="${R_RXN[$i]}" \
		'BEGIN { if (t + 0 > 0 && r != "") printf "%.2f", 100 * (t - r) / t; else print "n/a" }')
	# shellcheck disable=SC2059
	printf "$FMT" "$p" "${R_TOOL[$i]}" "$(fmt_pps "${R_SENT[$i]}")" "$(fmt_pps "${R_IFRX[$i]}")" \
		"$(fmt_pps "${R_RECV[$i]}")" "$loss" "$(fmt_pps "${R_DROP[$i]}")" \
		"$(ratio "${R_SENT[$i]}" "${IP_SENT[$p]:-}")" "$(ratio "${R_RECV[$i]}" "${IP_RECV[$p]:-}")" \
		"${R_SINK[$i]}" "${R_NOTE[$i]}"
done

# Medians over the repeats, and the ratios of the medians.
if ((REPEATS > 1)); then
	echo
	echo "medians of $REPEATS repeats (the tools took turns):"
	for i in "${!R_TOOL[@]}"; do
		[[ -n ${R_SENT[$i]} ]] || continue
		printf '%s\t%s\t%s\t%s\n' "${R_PLACE[$i]}" "${R_TOOL[$i]}" "${R_SENT[$i]}" "${R_RECV[$i]:-0}"
	done | awk -F'\t' '
		function median(list,   a, n, t, i, j) {
			n = split(list, a, " ")
			for (i = 1; i <= n; i++)
				for (j = i + 1; j <= n; j++)
					if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		# The median of the per-turn ratios a / b over the repeats: runs of
		# one turn are seconds apart, so the drift between turns cancels.
		function turn_ratio(a, b, col,   t, list) {
			list = ""
			for (t = 1; t <= runs[a] && t <= runs[b]; t++)
				if (v[b, col, t] > 0) list = list " " v[a, col, t] / v[b, col, t]
			return list == "" ? 0 : median(list)
		}
		{ key = $1 "\t" $2; if (!(key in sent)) order[++k] = key
		  sent[key] = sent[key] " " $3; recv[key] = recv[key] " " $4
		  n = ++runs[key]; v[key, "s", n] = $3; v[key, "r", n] = $4 }
		END {
			printf "%-7s %-22s %12s %12s %8s %8s\n", "place", "tool", "sent pps", "recv pps", "sent x", "recv x"
			printf "%-7s %-22s %12s %12s %8s %8s\n", "", "", "median", "median", "ip3", "ip3"
			for (i = 1; i <= k; i++) {
				split(order[i], f, "\t")
				s = median(sent[order[i]]); r = median(recv[order[i]])
				ms[order[i]] = s; mr[order[i]] = r
				if (f[2] ~ /^iperf3/) { ips[f[1]] = s; ipr[f[1]] = r }
			}
			for (i = 1; i <= k; i++) {
				split(order[i], f, "\t")
				printf "%-7s %-22s %12.0f %12.0f %8.2f %8.2f\n", f[1], f[2], ms[order[i]], mr[order[i]],
					ips[f[1]] ? ms[order[i]] / ips[f[1]] : 0, ipr[f[1]] ? mr[order[i]] / ipr[f[1]] : 0
			}
			for (p in ips) {
				a = ms[p "\tlinerate afxdp"]; t = ms[p "\ttestpmd af_xdp"]
				if (a && t) printf "%s: linerate afxdp / testpmd af_xdp (median sent pps) = %.2f\n", p, a / t
				a = mr[p "\tlinerate afxdp"]; t = mr[p "\ttestpmd af_xdp"]
				if (a && t) printf "%s: linerate afxdp / testpmd af_xdp (median recv pps) = %.2f\n", p, a / t
				a = p "\tlinerate afxdp"; t = p "\ttestpmd af_xdp"
				if ((a in runs) && (t in runs))
					printf "%s: linerate afxdp / testpmd af_xdp (median of the %d turns\047 ratios, sent, recv) = %.2f, %.2f\n",
						p, runs[a] < runs[t] ? runs[a] : runs[t], turn_ratio(a, t, "s"), turn_ratio(a, t, "r")
				for (i = 1; i <= k; i++) {
					split(order[i], f, "\t")
					b = p "\tbase " f[2]
					if (f[1] == p && (b in ms) && ms[b] && mr[b])
						printf "%s: %s / base (median sent, recv pps) = %.2f, %.2f; per turn %.2f, %.2f\n", p, f[2],
							ms[order[i]] / ms[b], mr[order[i]] / mr[b],
							turn_ratio(order[i], b, "s"), turn_ratio(order[i], b, "r")
				}
			}
		}'
fi
