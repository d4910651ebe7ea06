#!/usr/bin/env bash
# retries: 1
# linerate hookcost on the lab.
#
#  - on a lab it brings up itself: all four configurations run, the JSON
#    and CSV have every row with plausible non-zero figures, the programs
#    are the ones asked for, and the lab is down again afterwards;
#  - on a lab that was up already: the text table, and the lab stays up;
#    --tcp gives a TCP throughput (when iperf3 is installed);
#  - SIGTERM while a program is attached: exit 1, nothing left attached,
#    no child process left in the namespaces;
#  - a foreign XDP program (libxdp's xsk_def_prog) or a foreign tc ingress
#    filter (a classic BPF one from `tc`) stops the run unless --force;
#    with --force the foreign XDP program is back afterwards;
#  - bad flags: exit 2 with one line naming the flag.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq tc
require_binary
# hookcost runs `linerate lab`, which finds scripts/lab by this.
export LINERATE_LAB=$LAB

# nothing_attached NS DEV: no XDP program and no tc ingress filter.
nothing_attached() {
	! ip -n "$1" link show dev "$2" | grep -q 'prog/xdp' &&
		[[ -z $(tc -n "$1" filter show dev "$2" ingress) ]]
}

# one_line_naming TAG NEEDLE: stderr of TAG is one line containing NEEDLE.
one_line_naming() {
	local n
	n=$(grep -c '' "$(err "$1")")
	if ((n == 1)) && grep -qF -- "$2" "$(err "$1")"; then
		pass "$1: one line naming '$2'"
	else
		fail "$1: want one stderr line naming '$2', got $n: $(head -c 300 "$(err "$1")" | tr '\n' '|')"
	fi
}

# hookcost TAG LIMIT_S ARGS...: linerate hookcost in the foreground.
hookcost() {
	local tag=$1 limit=$2 rc=0
	shift 2
	timeout --kill-after=5 "$limit" "$LINERATE" hookcost "$@" \
		>"$WORKDIR/$tag.out" 2>"$WORKDIR/$tag.err" </dev/null || rc=$?
	return "$rc"
}

# ---- 1. a lab hookcost brings up (and takes down) itself
OWN=$(lab_name h)
register_lab "$OWN" # taken down by the test too, should hookcost fail to
rc=0
hookcost own 110 --lab --name "$OWN" --subnet 10.79.3 --repeats 2 \
	--duration 500ms --json --csv "$WORKDIR/own.csv" || rc=$?
assert_rc "hookcost --lab on a lab that is not up" "$rc" 0
J=$(out own)
assert_true "hookcost --json is JSON" quiet jq -e .configs "$J"
assert_eq "configurations" "$(jget "$J" '[.configs[] | .name] | join(",")')" \
	"none,xdp-generic,xdp-native,tc"
assert_eq "none skipped" "$(jget "$J" '[.configs[] | select(.skipped)] | length')" 0
assert_eq "programs" "$(jget "$J" '[.configs[] | .program // "-"] | join(",")')" \
	"-,lr_pass,lr_pass_frags,lr_tc_pass"
assert_eq "modes" "$(jget "$J" '[.configs[1:][] | .mode] | join(",")')" \
	"XDP generic,XDP native,tc ingress"
assert_eq "setup.interface" "$(jget "$J" .setup.interface)" "$OWN-b0"
assert_eq "every metric has 2 repeats" \
	"$(jget "$J" '[.configs[].metrics[] | .repeats] | unique | join(",")')" 2
for cfg in none xdp-generic xdp-native tc; do
	sel=".configs[] | select(.name == \"$cfg\") | .metrics"
	sock=$(jget "$J" "$sel.socket_rx_pps.median")
	# The best run above the fixed run's 100 kpps (other engineers' loads
	# can starve one run), and nothing above what a 2-core VM can do.
	assert_range "$cfg socket_rx_pps (best run)" "$(jget "$J" "$sel.socket_rx_pps.max")" 100000 20000000
	assert_range "$cfg socket_rx_pps" "$sock" 10000 20000000
	assert_range "$cfg iface_rx_pps" "$(jget "$J" "$sel.iface_rx_pps.median")" 10000 20000000
	# The interface sees at least what reaches the socket (more when the
	# stack drops), give or take the runs' different time bases.
	assert_range "$cfg iface/socket" "$(calc "$(jget "$J" "$sel.iface_rx_pps.median") / $sock")" 0.7 10
	# 64-byte frames: 84 bytes on the wire each.
	assert_range "$cfg socket_gbps_l1 = pps * 672 bit" \
		"$(calc "$(jget "$J" "$sel.socket_gbps_l1.median") * 1e9 / ($sock * 672)")" 0.99 1.01
	# At least one run (nearly) lossless; a starved one may not be.
	assert_range "$cfg loss_pct at 100 kpps (best run)" "$(jget "$J" "$sel.loss_pct.min")" 0 5
	assert_range "$cfg loss_pct at 100 kpps" "$(jget "$J" "$sel.loss_pct.max")" 0 100
	p50=$(jget "$J" "$sel.rtt_p50_us.median")
	# Above a microsecond; below the run's 500 ms (a busy shared VM has
	# seen a 100 ms median: scheduling, not the hook).
	assert_range "$cfg rtt_p50_us" "$p50" 1 500000
	assert_true "$cfg rtt p99 >= p50" awk -v a="$(jget "$J" "$sel.rtt_p99_us.median")" -v b="$p50" 'BEGIN { exit !(a >= b) }'
	assert_range "$cfg min <= median <= max" \
		"$(jget "$J" "$sel.socket_rx_pps | if .min <= .median and .median <= .max then 1 else 0 end")" 1 1
done
assert_eq "none has no delta" "$(jget "$J" '.configs[0].metrics.socket_rx_pps.delta')" null
d=$(jget "$J" '.configs[] | select(.name == "tc") | .metrics.socket_rx_pps')
assert_true "tc delta = its median - none's" quiet jq -e --argjson none \
	"$(jget "$J" '.configs[0].metrics.socket_rx_pps.median')" \
	'(.delta - (.median - $none)) | fabs < 1' <<<"$d"
d50=$(jget "$J" '.configs[] | select(.name == "xdp-native") | .metrics.rtt_p50_us')
assert_true "xdp-native rtt p50 delta = its median - none's" quiet jq -e --argjson none \
	"$(jget "$J" '.configs[0].metrics.rtt_p50_us.median')" \
	'(.delta - (.median - $none)) | fabs < 0.001' <<<"$d50"
assert_true "tc within_noise is a boolean" quiet jq -e '.within_noise | type == "boolean"' <<<"$d"
assert_eq "CSV rows (header + 4 configs x 6 metrics)" "$(grep -c '' "$WORKDIR/own.csv")" 25
assert_eq "CSV header" "$(head -n1 "$WORKDIR/own.csv" | cut -d, -f1-7)" \
	"config,program,mode,metric,unit,repeats,median"
assert_true "progress lines on stderr" grep -q 'repeat 2/2' "$(err own)"
assert_true "the lab hookcost made is down again" test ! -e "/run/netns/$OWN-a" -a ! -e "/run/netns/$OWN-b"

# ---- 2. a lab that is up already stays up; the text table
lab_up "$(lab_name k)"
rc=0
hookcost text 60 --lab --name "$LAB_NAME" --repeats 1 --duration 300ms --configs none,tc || rc=$?
assert_rc "hookcost on a lab that is up" "$rc" 0
assert_true "text table: none is the baseline" grep -qE '^none +rx at socket .*\(baseline\)' "$(out text)"
assert_true "text table: a tc row with a delta" grep -qE '^tc +rx at socket +[0-9.]+ Mpps +[0-9.]+\.\.[0-9.]+ +[-+][0-9.]+ Mpps \(' "$(out text)"
assert_true "text table: no xdp rows (--configs)" test -z "$(grep -E '^xdp' "$(out text)")"
assert_true "the lab that was up is still up" test -e "/run/netns/$NS_B"
assert_true "nothing attached after a run" nothing_attached "$NS_B" "$DEV_B"

# ---- 2b. --tcp: a TCP bulk stream through iperf3 (scripts/deps test installs it)
if command -v iperf3 >/dev/null 2>&1; then
	rc=0
	hookcost tcp 60 --lab --name "$LAB_NAME" --repeats 1 --duration 1s --configs none --tcp --json || rc=$?
	assert_rc "hookcost --tcp" "$rc" 0
	assert_range "tcp_gbps" "$(jget "$(out tcp)" '.configs[0].metrics.tcp_gbps.median')" 0.05 1000
	assert_eq "setup.tcp" "$(jget "$(out tcp)" .setup.tcp)" iperf3
else
	log "SKIP --tcp part: iperf3 is not installed"
fi

# ---- 2c. -i IFACE --peer HOST: the far end is a linerate server in a,
# its source and ping sessions send to us in b
TOKEN_FILE=$WORKDIR/token
new_token "$TOKEN_FILE" >/dev/null
bg_start peer-server "$NS_A" 90 "$LINERATE" server --api "$IP_A" --token-file "$TOKEN_FILE" \
	--max-rate none
for ((i = 0; i < 50; i++)); do
	in_b curl -s -m 1 "http://$IP_A:9270/v1/health" >/dev/null 2>&1 && break
	sleep 0.1
done
rc=0
timeout --kill-after=5 60 ip netns exec "$NS_B" "$LINERATE" hookcost -i "$DEV_B" --peer "$IP_A" \
	--token-file "$TOKEN_FILE" --repeats 1 --duration 500ms --configs none,tc --json \
	>"$WORKDIR/peer.out" 2>"$WORKDIR/peer.err" </dev/null || rc=$?
assert_rc "hookcost --peer (a linerate server as the far end)" "$rc" 0
J=$(out peer)
assert_eq "--peer: far end" "$(jget "$J" .setup.far_end)" "linerate server $IP_A"
assert_eq "--peer: configurations" "$(jget "$J" '[.configs[] | .name] | join(",")')" none,tc
assert_range "--peer: tc socket pps" "$(jget "$J" '.configs[1].metrics.socket_rx_pps.median')" 1000 100000000
assert_range "--peer: tc rtt p50 (us)" "$(jget "$J" '.configs[1].metrics.rtt_p50_us.median')" 0.1 100000
assert_true "--peer: nothing attached afterwards" nothing_attached "$NS_B" "$DEV_B"
kill -TERM "${PID_OF[peer-server]}" 2>/dev/null
bg_wait peer-server

# ---- 3. SIGTERM while a program is attached
timeout --kill-after=5 60 "$LINERATE" hookcost --lab --name "$LAB_NAME" --repeats 1 \
	--duration 2s --configs xdp-generic,tc >"$WORKDIR/term.out" 2>"$WORKDIR/term.err" </dev/null &
term_pid=$!
BG_PIDS+=("$term_pid")
seen=
for ((i = 0; i < 200; i++)); do
	if ip -n "$NS_B" link show dev "$DEV_B" | grep -q 'prog/xdp'; then
		seen=xdp
		break
	fi
	sleep 0.05
done
sleep 0.5 # into the measurement, with children running
kill -TERM "$term_pid"
rc=0
wait "$term_pid" || rc=$?
assert_eq "an XDP program was attached before SIGTERM" "$seen" xdp
assert_rc "hookcost after SIGTERM" "$rc" 1
assert_true "says it was interrupted" grep -q 'interrupted' "$WORKDIR/term.err"
assert_true "nothing attached after SIGTERM" nothing_attached "$NS_B" "$DEV_B"
assert_eq "no process left in $NS_A" "$(ip netns pids "$NS_A" | wc -l)" 0
assert_eq "no process left in $NS_B" "$(ip netns pids "$NS_B" | wc -l)" 0

# ---- 4. a foreign XDP program
FOREIGN=
for f in /usr/lib/*/bpf/xsk_def_xdp_prog.o /usr/lib/bpf/xsk_def_xdp_prog.o; do
	[[ -f $f ]] && FOREIGN=$f && break
done
if [[ -n $FOREIGN ]] &&
	ip -n "$NS_B" link set dev "$DEV_B" xdpgeneric obj "$FOREIGN" sec xdp 2>"$WORKDIR/foreign.err"; then
	on_cleanup ip -n "$NS_B" link set dev "$DEV_B" xdpgeneric off
	rc=0
	hookcost foreign 30 --lab --name "$LAB_NAME" --repeats 1 --duration 300ms || rc=$?
	assert_rc "hookcost over a foreign XDP program" "$rc" 1
	one_line_naming foreign "xsk_def_prog"
	assert_true "the error names --force" grep -q -- '--force' "$(err foreign)"
	assert_true "no report without a run" test ! -s "$(out foreign)"
	assert_true "the foreign program stays" quiet grep -q 'xsk_def_prog' <(ip -n "$NS_B" link show dev "$DEV_B")
	rc=0
	hookcost forced 60 --lab --name "$LAB_NAME" --repeats 1 --duration 300ms \
		--configs none,xdp-native --force --json || rc=$?
	assert_rc "hookcost --force over a foreign XDP program" "$rc" 0
	assert_eq "--force: xdp-native ran" \
		"$(jget "$(out forced)" '.configs[1] | "\(.name) \(.program) \(.skipped)"')" \
		"xdp-native lr_pass_frags false"
	assert_true "--force: the foreign program is back" quiet grep -q 'xsk_def_prog' <(ip -n "$NS_B" link show dev "$DEV_B")
	ip -n "$NS_B" link set dev "$DEV_B" xdpgeneric off
else
	log "SKIP foreign XDP part: no xsk_def_xdp_prog.o from libxdp, or ip link could not attach it ($(head -n1 "$WORKDIR/foreign.err" 2>/dev/null))"
fi

# ---- 5. a foreign tc ingress filter (classic BPF: no object file needed)
if tc -n "$NS_B" qdisc add dev "$DEV_B" clsact 2>"$WORKDIR/tc.err" &&
	tc -n "$NS_B" filter add dev "$DEV_B" ingress bpf bytecode '1,6 0 0 4294967295,' 2>>"$WORKDIR/tc.err"; then
	on_cleanup tc -n "$NS_B" qdisc del dev "$DEV_B" clsact
	rc=0
	hookcost foreigntc 30 --lab --name "$LAB_NAME" --repeats 1 --duration 300ms || rc=$?
	assert_rc "hookcost over a foreign tc ingress filter" "$rc" 1
	one_line_naming foreigntc "tc ingress filter"
	assert_true "the foreign filter stays" test -n "$(tc -n "$NS_B" filter show dev "$DEV_B" ingress)"
	tc -n "$NS_B" qdisc del dev "$DEV_B" clsact
else
	log "SKIP foreign tc part: $(head -n1 "$WORKDIR/tc.err")"
fi
assert_true "nothing attached at the end" nothing_attached "$NS_B" "$DEV_B"

# ---- 6. bad flags: exit 2, one line naming the flag
bad_flag() {
	local tag=$1 needle=$2 rc=0
	shift 2
	hookcost "$tag" 10 "$@" || rc=$?
	assert_rc "hookcost $*" "$rc" 2
	one_line_naming "$tag" "$needle"
}
bad_flag bad-peer "choose one" --lab --peer 192.0.2.1
bad_flag bad-iface "go together" -i eth9
bad_flag bad-nowhere "--lab"
bad_flag bad-repeats "--repeats" --lab --repeats 0
bad_flag bad-duration "--duration" --lab --duration 10ms
bad_flag bad-rate "--rate" --lab --rate max
bad_flag bad-configs "--configs" --lab --configs none,bpf
bad_flag bad-subnet "--subnet" --lab --subnet 11.0.0
bad_flag bad-name "--name" --lab --name Bad-Name
bad_flag bad-source "--source-backend" --lab --source-backend xdp
bad_flag bad-flag "--nosuch" --lab --nosuch
rc=0
hookcost help 10 --help || rc=$?
assert_rc "hookcost --help" "$rc" 0
assert_true "--help names --repeats" grep -q -- '--repeats' "$(out help)"

finish
