# shellcheck shell=bash
# Helpers for the integration tests in tests/net. Source it first thing:
#
#   . "$(dirname "$0")/lib.sh"
#
# It gives each test its own lab (namespaces "<name>-a"/"<name>-b" with a
# name unique to the test's PID), runs every command under `timeout` so
# nothing can outlive the test, and tears everything down from an EXIT trap,
# on failure and on Ctrl-C too. Checks print one "PASS ..." or "FAIL ..."
# line each; `finish` turns them into the exit code (0 all passed, 1 not).
#
# Environment:
#   LINERATE   the binary under test (default: <repo>/build/linerate, else
#              <repo>/build/src/linerate where meson puts it)
#   LAB        the lab script (default: <repo>/scripts/lab)
#   LR_KEEP=1  keep the per-test work directory (logs, JSON) afterwards
set -u
set -o pipefail
# Token and key files must be private to be accepted (the server and the
# replicator refuse ones others may read): everything a test makes is.
umask 077

NET_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$NET_DIR/../.." && pwd)
# meson puts the binary in build/src/.
LINERATE=${LINERATE:-$REPO_ROOT/build/src/linerate}
LAB=${LAB:-$REPO_ROOT/scripts/lab}
TEST=$(basename "$0" .sh)
WORKDIR=$(mktemp -d "/tmp/lr-$TEST.XXXXXX")

CHECKS_OK=0
CHECKS_FAILED=0
BG_PIDS=()
LAB_NAMES=()
CLEANUP_CMDS=()
declare -A PID_OF=()

log() { echo "[$TEST] $*"; }
pass() {
	CHECKS_OK=$((CHECKS_OK + 1))
	echo "PASS $*"
}
fail() {
	CHECKS_FAILED=$((CHECKS_FAILED + 1))
	echo "FAIL $*"
}
# Stop the test now (setup failed, nothing more can be checked).
fatal() {
	fail "$*"
	exit 1
}

# ------------------------------------------------------------- cleanup

_lib_cleanup() {
	local rc=$? pid i name
	trap - EXIT INT TERM
	# Processes first (a process inside a namespace keeps its devices).
	for pid in "${BG_PIDS[@]}"; do
		kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${BG_PIDS[@]}"; do
		for ((i = 0; i < 20; i++)); do
			_pid_alive "$pid" || break
			sleep 0.1
		done
		_pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for ((i = ${#CLEANUP_CMDS[@]} - 1; i >= 0; i--)); do
		eval "${CLEANUP_CMDS[i]}" >/dev/null 2>&1
	done
	for name in "${LAB_NAMES[@]}"; do
		"$LAB" down --name "$name" >/dev/null 2>&1 ||
			echo "[$TEST] warning: '$LAB down --name $name' failed" >&2
	done
	if ((rc != 0)) && [[ -d $WORKDIR ]]; then
		_lib_dump_logs
	fi
	if [[ ${LR_KEEP:-0} == 1 ]]; then
		echo "[$TEST] work directory kept: $WORKDIR"
	else
		rm -rf -- "$WORKDIR"
	fi
	exit "$rc"
}
trap _lib_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# On failure, show what the processes said (last lines of each log).
_lib_dump_logs() {
	local f
	for f in "$WORKDIR"/*; do
		[[ -f $f && -s $f ]] || continue
		echo "----- $(basename "$f") (last 15 lines)"
		tail -n 15 "$f"
	done
}

# Run a shell command at cleanup (in reverse order of registration).
on_cleanup() { CLEANUP_CMDS+=("$*"); }

_pid_alive() {
	local st
	[[ -r /proc/$1/stat ]] || return 1
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[[ -n $st && $st != Z && $st != X ]]
}

# ------------------------------------------------------------- requirements

require_root() {
	if [[ $(id -u) != 0 ]]; then
		echo "SKIP $TEST: needs root (network namespaces)"
		exit 77
	fi
}

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || fatal "required command '$c' not found"
	done
}

require_binary() {
	[[ -x $LINERATE ]] || fatal "linerate binary not found or not executable at '$LINERATE' (build it, or set LINERATE)"
}

# ------------------------------------------------------------- labs

# shellcheck disable=SC2120 # the prefix is optional
# A lab name unique to this test process: PREFIX plus the tail of the PID,
# 8 characters at most (the lab's limit).
lab_name() {
	local prefix=${1:-t} n
	n=$((8 - ${#prefix}))
	local pid=$$
	((${#pid} > n)) && pid=${pid: -n}
	echo "$prefix$pid"
}

# lab_up [NAME] [lab options...]: bring a lab up, remember it for cleanup,
# and set NS_A NS_B DEV_A DEV_B IP_A IP_B MAC_A MAC_B from its output.
# shellcheck disable=SC2034 # the variables are for the tests
lab_up() {
	# shellcheck disable=SC2119
	local name=${1:-$(lab_name)}
	(($# > 0)) && shift
	LAB_NAMES+=("$name")
	"$LAB" up --name "$name" "$@" >"$WORKDIR/lab-$name.keys" 2>"$WORKDIR/lab-$name.err" ||
		fatal "lab up --name $name $* (see below)"
	NS_A=$(lab_key "$name" ns_a)
	NS_B=$(lab_key "$name" ns_b)
	DEV_A=$(lab_key "$name" dev_a)
	DEV_B=$(lab_key "$name" dev_b)
	IP_A=$(lab_key "$name" ip_a)
	IP_B=$(lab_key "$name" ip_b)
	MAC_A=$(lab_key "$name" mac_a)
	MAC_B=$(lab_key "$name" mac_b)
	LAB_NAME=$name
	[[ -n $NS_A && -n $NS_B && -n $IP_A && -n $IP_B ]] ||
		fatal "lab up --name $name printed no ns_a/ns_b/ip_a/ip_b"
	log "lab $name up: $NS_A/$DEV_A $IP_A <-> $NS_B/$DEV_B $IP_B"
}

# lab_key NAME KEY: a value from the key=value lines of the last "up".
lab_key() { sed -n "s/^$2=//p" "$WORKDIR/lab-$1.keys" | head -n1; }

# Remember a lab made some other way, so cleanup takes it down.
register_lab() { LAB_NAMES+=("$1"); }

in_a() { ip netns exec "$NS_A" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }

# ------------------------------------------------------------- processes

# bg_start TAG NS TIMEOUT CMD...: run CMD in namespace NS in the background,
# stdout to $WORKDIR/TAG.out, stderr to $WORKDIR/TAG.err, killed after
# TIMEOUT seconds whatever happens. PID_OF[TAG] is the PID to wait for.
bg_start() {
	local tag=$1 ns=$2 limit=$3
	shift 3
	timeout --kill-after=2 "$limit" ip netns exec "$ns" "$@" \
		>"$WORKDIR/$tag.out" 2>"$WORKDIR/$tag.err" </dev/null &
	PID_OF[$tag]=$!
	BG_PIDS+=("$!")
}

# bg_wait TAG: wait for a background command; prints nothing, returns its
# exit code (124 if its time limit killed it).
bg_wait() {
	local rc=0
	wait "${PID_OF[$1]}" || rc=$?
	return "$rc"
}

# bg_running TAG: is it still running?
bg_running() { _pid_alive "${PID_OF[$1]}"; }

# run_in TAG NS TIMEOUT CMD...: like bg_start but in the foreground;
# returns the exit code.
run_in() {
	local tag=$1 ns=$2 limit=$3 rc=0
	shift 3
	timeout --kill-after=2 "$limit" ip netns exec "$ns" "$@" \
		>"$WORKDIR/$tag.out" 2>"$WORKDIR/$tag.err" </dev/null || rc=$?
	return "$rc"
}

# out TAG / err TAG: the file holding a command's stdout / stderr.
out() { echo "$WORKDIR/$1.out"; }
err() { echo "$WORKDIR/$1.err"; }

# wait_udp_listen NS PORT [TIMEOUT_S]: wait until something in NS has a
# UDP socket bound to PORT (the receiver is ready for traffic).
wait_udp_listen() {
	local ns=$1 port=$2 limit=${3:-5} i n
	n=$(awk -v t="$limit" 'BEGIN{printf "%d", t * 20}')
	for ((i = 0; i < n; i++)); do
		if [[ -n $(ip netns exec "$ns" ss -H -uln "sport = :$port" 2>/dev/null) ]]; then
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# Run linerate (for readability in the tests).
lr() { "$LINERATE" "$@"; }

# ------------------------------------------------------------- API

# new_token FILE: a fresh random token (43 base64 characters) in FILE,
# private to us (the server and the replicator refuse a token others may
# read); prints it.
new_token() {
	head -c 32 /dev/urandom | base64 | tr -d '\n=' >"$1"
	chmod 600 "$1"
	cat "$1"
}

# wait_api_up TAG NS URL: wait up to 5 s for URL/v1/health to answer in
# NS while the background process TAG runs; the test stops if it never
# does, with the process's last words.
wait_api_up() {
	local tag=$1 ns=$2 url=$3 i
	for ((i = 0; i < 50; i++)); do
		ip netns exec "$ns" curl -s -o /dev/null --max-time 1 "$url/v1/health" && return 0
		bg_running "$tag" || break
		sleep 0.1
	done
	ip netns exec "$ns" curl -s -o /dev/null --max-time 2 "$url/v1/health" ||
		fatal "$tag did not come up on $url: $(tail -n 3 "$(err "$tag")")"
}

# api METHOD PATH [BODY]: curl from a to http://$API with the bearer
# token $TOKEN; prints the body, then a last line with the HTTP status.
api() {
	local args=(-s -m 10 -w '\n%{http_code}' -X "$1" -H "Authorization: Bearer $TOKEN")
	[[ -n ${3:-} ]] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
	in_a curl "${args[@]}" "http://$API$2"
}
status_of() { tail -n1 <<<"$1"; }
body_of() { sed '$d' <<<"$1"; }

# ------------------------------------------------------------- JSON

# jget FILE FILTER: jq -r FILTER on FILE; empty output and status 1 when the
# file is not JSON or the filter fails.
jget() {
	local v
	v=$(jq -r "$2" "$1" 2>/dev/null) || return 1
	echo "$v"
}

# ------------------------------------------------------------- numbers

is_number() { [[ $1 =~ ^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]]; }
is_integer() { [[ $1 =~ ^-?[0-9]+$ ]]; }

# calc EXPR: floating point arithmetic through awk, e.g. calc "1/3".
calc() { awk "BEGIN { printf \"%.9g\", $1 }"; }

# binom_tol P N [SIGMAS]: half-width of the SIGMAS-sigma (default 4)
# interval of a ratio estimated from N Bernoulli(P) trials:
# SIGMAS * sqrt(P * (1 - P) / N).
binom_tol() { calc "${3:-4} * sqrt($1 * (1 - $1) / $2)"; }

# ------------------------------------------------------------- assertions

# assert_eq NAME GOT WANT
assert_eq() {
	if [[ $2 == "$3" ]]; then
		pass "$1 = $2"
	else
		fail "$1 = '$2', want '$3'"
	fi
}

# assert_range NAME VALUE LO HI  (inclusive, numbers may be fractional)
assert_range() {
	local name=$1 v=$2 lo=$3 hi=$4
	if ! is_number "$v"; then
		fail "$name = '$v' is not a number (want [$lo, $hi])"
	elif awk -v v="$v" -v lo="$lo" -v hi="$hi" 'BEGIN { exit !(v + 0 >= lo + 0 && v + 0 <= hi + 0) }'; then
		pass "$name = $v in [$lo, $hi]"
	else
		fail "$name = $v not in [$lo, $hi]"
	fi
}

# assert_gt NAME VALUE LIMIT / assert_lt NAME VALUE LIMIT (strict)
assert_gt() {
	if is_number "$2" && awk -v v="$2" -v l="$3" 'BEGIN { exit !(v + 0 > l + 0) }'; then
		pass "$1 = $2 > $3"
	else
		fail "$1 = '$2', want > $3"
	fi
}
assert_lt() {
	if is_number "$2" && awk -v v="$2" -v l="$3" 'BEGIN { exit !(v + 0 < l + 0) }'; then
		pass "$1 = $2 < $3"
	else
		fail "$1 = '$2', want < $3"
	fi
}

# assert_true NAME CMD...: the command succeeds.
assert_true() {
	local name=$1
	shift
	if "$@"; then
		pass "$name"
	else
		fail "$name"
	fi
}

# quiet CMD...: run CMD with its output thrown away (for assert_true).
quiet() { "$@" >/dev/null 2>&1; }

# assert_rc NAME GOT WANT: an exit code.
assert_rc() {
	if [[ $2 == "$3" ]]; then
		pass "$1: exit code $2"
	else
		fail "$1: exit code $2, want $3"
	fi
}

# finish: the test's verdict as its exit code.
finish() {
	echo "[$TEST] $CHECKS_OK checks ok, $CHECKS_FAILED failed"
	((CHECKS_FAILED == 0 && CHECKS_OK > 0)) && exit 0
	exit 1
}

# ------------------------------------------------------------- impairments

# impair_a NETEM-ARGS...: impair the traffic leaving namespace a on DEV_A,
# e.g. `impair_a loss 5%`, `impair_a delay 10ms`, `impair_a duplicate 5%`,
# `impair_a delay 5ms reorder 25% 50%`. Uses tc netem when the kernel has
# it. Kernels built without sch_netem get the same effect elsewhere:
# loss and duplicate from nftables on the netdev egress hook of DEV_A
# (numgen random, dup), delay and reorder from an NFQUEUE (iptables NFQUEUE
# target on a's OUTPUT) served by nfq_delay.py. Sets IMPAIR_HOW to what was
# used. Returns 0 when applied, 77 when neither way is available here
# (the caller reports a SKIP), 1 when something failed.
IMPAIR_HOW=
impair_a() {
	impair_clear_a
	if in_a tc qdisc add dev "$DEV_A" root netem "$@" 2>"$WORKDIR/netem.err"; then
		IMPAIR_HOW="tc netem $*"
		return 0
	fi
	local loss='' dup='' delay='' reorder='' corr=0
	while (($#)); do
		case $1 in
		loss) loss=${2%\%} && shift ;;
		duplicate) dup=${2%\%} && shift ;;
		delay) delay=${2%ms} && shift ;;
		reorder)
			reorder=${2%\%}
			shift
			if [[ ${2:-} == *% ]]; then
				corr=${2%\%}
				shift
			fi
			;;
		*)
			log "impair_a: no fallback for netem argument '$1'"
			return 77
			;;
		esac
		shift
	done
	IMPAIR_HOW="nft/nfqueue fallback (no sch_netem: $(head -n1 "$WORKDIR/netem.err"))"
	if [[ -n $loss || -n $dup ]]; then
		command -v nft >/dev/null 2>&1 || {
			log "impair_a: no netem and no nft"
			return 77
		}
		# Probabilities as a fraction of 1e6 so "5%" is exact.
		local rules=
		[[ -z $loss ]] || rules+="meta protocol ip numgen random mod 1000000 < $(calc "$loss * 10000" | cut -d. -f1) counter drop"$'\n'
		# The mark keeps the copy (which passes the egress hook again) from
		# being duplicated once more.
		[[ -z $dup ]] || rules+="meta mark != 0x4c52 meta protocol ip numgen random mod 1000000 < $(calc "$dup * 10000" | cut -d. -f1) meta mark set 0x4c52 counter dup to \"$DEV_A\""$'\n'
		in_a nft -f - <<-NFT || return 1
			table netdev lrimpair {
				chain egress {
					type filter hook egress device "$DEV_A" priority 0; policy accept;
					$rules
				}
			}
		NFT
		IMPAIR_HOW+=" nft:${loss:+ loss $loss%}${dup:+ duplicate $dup%}"
	fi
	if [[ -n $delay || -n $reorder ]]; then
		if ! command -v iptables >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
			log "impair_a: no netem, and iptables or python3 missing for the NFQUEUE delay"
			return 77
		fi
		bg_start nfq "$NS_A" 60 python3 "$NET_DIR/nfq_delay.py" --queue 0 \
			--delay-ms "${delay:-0}" --reorder "${reorder:-0}" --reorder-corr "$corr" --max-seconds 55
		local i
		for ((i = 0; i < 100; i++)); do
			grep -q ready "$(out nfq)" 2>/dev/null && break
			bg_running nfq || break
			sleep 0.05
		done
		grep -q ready "$(out nfq)" 2>/dev/null || {
			log "impair_a: nfq_delay.py did not start: $(tail -n1 "$(err nfq)")"
			return 1
		}
		# No --queue-bypass: if the helper dies the packets are dropped,
		# which a test sees, rather than passed undelayed, which it might not.
		in_a iptables -w -t mangle -A OUTPUT -d "$IP_B" -p udp -j NFQUEUE --queue-num 0 || return 1
		IMPAIR_HOW+=" nfqueue: delay ${delay:-0}ms${reorder:+ reorder $reorder% $corr%}"
	fi
	return 0
}

# impair_clear_a: remove whatever impair_a set up.
impair_clear_a() {
	in_a tc qdisc del dev "$DEV_A" root >/dev/null 2>&1
	if command -v nft >/dev/null 2>&1; then
		in_a nft delete table netdev lrimpair >/dev/null 2>&1
	fi
	if command -v iptables >/dev/null 2>&1; then
		in_a iptables -w -t mangle -F OUTPUT >/dev/null 2>&1
	fi
	if [[ -n ${PID_OF[nfq]:-} ]] && bg_running nfq; then
		kill -TERM "${PID_OF[nfq]}" 2>/dev/null
		bg_wait nfq
	fi
	IMPAIR_HOW=
	return 0
}

# ------------------------------------------------------------- linerate runs

PORT=${PORT:-7000}

# These helpers run the udp backend: the impairments act on the kernel's
# path (qdisc, netfilter), which the raw backends bypass by design;
# test_backends.sh covers the others.

# start_recv TAG LIMIT_S ARGS...: linerate recv in b on IP_B:PORT, in the
# background; returns once its socket is bound.
start_recv() {
	local tag=$1 limit=$2
	shift 2
	bg_start "$tag" "$NS_B" "$limit" "$LINERATE" recv --backend udp --listen "$IP_B:$PORT" "$@"
	wait_udp_listen "$NS_B" "$PORT" 5 ||
		fatal "$tag: linerate recv did not bind $IP_B:$PORT within 5 s (exit: $(bg_wait "$tag"; echo $?))"
}

# start_reflect TAG LIMIT_S ARGS...: linerate reflect in b, likewise.
start_reflect() {
	local tag=$1 limit=$2
	shift 2
	bg_start "$tag" "$NS_B" "$limit" "$LINERATE" reflect --backend udp --listen "$IP_B:$PORT" "$@"
	wait_udp_listen "$NS_B" "$PORT" 5 ||
		fatal "$tag: linerate reflect did not bind $IP_B:$PORT within 5 s"
}

# send_a TAG LIMIT_S ARGS...: linerate send from a to IP_B:PORT, in the
# foreground; returns its exit code.
send_a() {
	local tag=$1 limit=$2
	shift 2
	run_in "$tag" "$NS_A" "$limit" "$LINERATE" send --backend udp --dst "$IP_B:$PORT" "$@"
}

# nstat_get NS COUNTER: an absolute kernel counter (e.g. UdpInCsumErrors)
# in a namespace, without touching nstat's history file.
nstat_get() {
	ip netns exec "$1" nstat -saz "$2" 2>/dev/null | awk -v k="$2" '$1 == k { print $2 }'
}
