#!/usr/bin/env bash
# Run the integration tests (tests/net/test_*.sh) one after the other and
# print one PASS/FAIL/SKIP line per test, then "net: N passed, N failed".
#
#   tests/run-net.sh [-q] [TEST_NAME_OR_PATTERN...]
#
#   -q        only print the output of tests that did not pass
#   LINERATE  binary under test (default: <repo>/build/linerate)
#   LR_NO_INSTALL=1  do not apt-get install missing test tools
#
# Needs root and network namespace support; without them it says why and
# exits 0 having run nothing (a skip, not a pass). A test exiting 77 is a
# skip. Exits 1 if any test failed. A test may ask for a longer limit with
# a "# time-limit: SECONDS" line, and, when its figures depend on the
# host's scheduling, for a repeat of a failed run with "# retries: N"
# (the verdict line then says which runs failed).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO_ROOT=$(cd "$HERE/.." && pwd)
if [[ -z ${LINERATE:-} ]]; then
	# meson puts the binary in build/src/; a top-level build/linerate
	# (a link or a copy) wins when there is one.
	LINERATE=$REPO_ROOT/build/linerate
	[[ -x $LINERATE || ! -x $REPO_ROOT/build/src/linerate ]] || LINERATE=$REPO_ROOT/build/src/linerate
fi
export LINERATE
PER_TEST_LIMIT=${PER_TEST_LIMIT:-120}

QUIET=0
if [[ ${1:-} == -q ]]; then
	QUIET=1
	shift
fi

all_tests=("$HERE"/net/test_*.sh)
if [[ $(id -u) != 0 ]]; then
	echo "net: SKIP: the integration tests need root (network namespaces); run as root"
	echo "net: 0 passed, 0 failed, ${#all_tests[@]} skipped"
	exit 0
fi
probe=lrprobe$$
if ! command -v ip >/dev/null 2>&1 || ! ip netns add "$probe" 2>/dev/null; then
	echo "net: SKIP: 'ip netns' is not supported here (no iproute2 or no netns support)"
	echo "net: 0 passed, 0 failed, ${#all_tests[@]} skipped"
	exit 0
fi
ip netns del "$probe"

# Tools the tests use, from Debian packages, installed when missing.
declare -A PKG_OF=([jq]=jq [ethtool]=ethtool [nft]=nftables [iptables]=iptables
	[ping]=iputils-ping [nstat]=iproute2 [ss]=iproute2 [tc]=iproute2 [python3]=python3
	[promtool]=prometheus [openssl]=openssl [file]=file [curl]=curl)
missing=()
for cmd in "${!PKG_OF[@]}"; do
	command -v "$cmd" >/dev/null 2>&1 || missing+=("${PKG_OF[$cmd]}")
done
if ((${#missing[@]})) && [[ ${LR_NO_INSTALL:-0} != 1 ]] && command -v apt-get >/dev/null 2>&1; then
	mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
	echo "net: installing ${missing[*]}"
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/tmp/lr-run-net-apt.log 2>&1; then
		apt-get update -qq >/dev/null 2>&1
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/tmp/lr-run-net-apt.log 2>&1 ||
			echo "net: warning: could not install ${missing[*]} (see /tmp/lr-run-net-apt.log)"
	fi
fi
command -v jq >/dev/null 2>&1 || echo "net: warning: jq is missing; most tests will fail"
[[ -x $LINERATE ]] || echo "net: warning: no linerate binary at $LINERATE; tests that need it will fail"

tests=()
if (($#)); then
	for pat in "$@"; do
		for t in "$HERE"/net/test_*"${pat#test_}"*.sh; do
			[[ -f $t ]] && tests+=("$t")
		done
	done
else
	tests=("${all_tests[@]}")
fi

passed=0 failed=0 skipped=0
failed_names=()
log=$(mktemp /tmp/lr-run-net.XXXXXX)
trap 'rm -f "$log"' EXIT
for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	start=$(date +%s.%N)
	rc=0
	# A test may ask for longer with a "# time-limit: SECONDS" line.
	limit=$(sed -n 's/^# time-limit: \([0-9]\+\)$/\1/p' "$t" | head -n1)
	limit=${limit:-$PER_TEST_LIMIT}
	# A test whose figures depend on the host's scheduling (rates, loss
	# on a veth whose receiver was not run in time, a shaper's edge) may
	# declare "# retries: N": a failed run is then repeated, at most N
	# times, and the verdict says so. Every other test has one run.
	retries=$(sed -n 's/^# retries: \([0-9]\+\)$/\1/p' "$t" | head -n1)
	retries=${retries:-0}
	note=
	for ((attempt = 0; ; attempt++)); do
		rc=0
		timeout --kill-after=5 "$limit" bash "$t" >"$log" 2>&1 </dev/null || rc=$?
		((rc == 0 || rc == 77 || attempt >= retries)) && break
		echo "=== $name (run $((attempt + 1)) failed, repeated)"
		grep -E '^FAIL' "$log" | sed 's/^/  /' | head -n 20
		note="$note, run $((attempt + 1)) failed"
	done
	secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
	if ((rc == 0)); then
		verdict=PASS
		[[ -n $note ]] && verdict="PASS (repeated${note})"
		passed=$((passed + 1))
	elif ((rc == 77)); then
		verdict=SKIP
		skipped=$((skipped + 1))
	else
		verdict=FAIL
		failed=$((failed + 1))
		failed_names+=("$name")
		((rc == 124)) && echo "  ($name: killed after ${limit}s)" >>"$log"
	fi
	if ((!QUIET)) || [[ $verdict != PASS ]]; then
		echo "=== $name"
		sed 's/^/  /' "$log"
	fi
	echo "${verdict%% *} $name (${secs}s)${note:+ [repeated${note}]}"
done

# Anything a killed test could not clean up: namespaces of the tests' lab
# naming scheme (letter + PID digits) whose PID is gone.
for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
	if [[ $ns =~ ^[a-z]([0-9]+)-(a|b|iso)$ ]] && ! kill -0 "${BASH_REMATCH[1]}" 2>/dev/null; then
		echo "net: removing leftover namespace $ns"
		ip netns del "$ns" 2>/dev/null
	fi
done

((failed == 0)) || echo "net: failed: ${failed_names[*]}"
if ((skipped)); then
	echo "net: $passed passed, $failed failed, $skipped skipped"
else
	echo "net: $passed passed, $failed failed"
fi
((failed == 0))
