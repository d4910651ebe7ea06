#!/usr/bin/env bash
# Bad command lines: exit code 2, exactly one line on stderr that names the
# offending flag, nothing on stdout.
#
# Every command runs inside an empty network namespace of this test's own
# (only lo, no routes), so a flag the binary wrongly accepts can at worst
# fail to send: no packet can leave toward the example addresses below.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip
require_binary

ISO=$(lab_name x)-iso
ip netns add "$ISO" || fatal "cannot create namespace $ISO"
on_cleanup "ip netns del '$ISO'"
ip -n "$ISO" link set lo up

# A destination that is valid but unreachable from the empty namespace.
DST=10.77.0.2:7000

# bad NEEDLE ARGS...: linerate ARGS must exit 2 with one stderr line
# containing NEEDLE (case-insensitive).
bad() {
	local needle=$1 rc=0 lines label
	shift
	label="linerate $*"
	timeout --kill-after=2 5 ip netns exec "$ISO" "$LINERATE" "$@" \
		>"$WORKDIR/bad.out" 2>"$WORKDIR/bad.err" </dev/null || rc=$?
	assert_rc "$label" "$rc" 2
	lines=$(grep -c '' "$WORKDIR/bad.err")
	if ((lines == 1)); then
		pass "$label: one line on stderr: $(cat "$WORKDIR/bad.err")"
	else
		fail "$label: $lines lines on stderr, want 1: $(head -c 300 "$WORKDIR/bad.err" | tr '\n' '|')"
	fi
	if grep -qiF -- "$needle" "$WORKDIR/bad.err"; then
		pass "$label: names '$needle'"
	else
		fail "$label: stderr does not name '$needle'"
	fi
	if [[ -s $WORKDIR/bad.out ]]; then
		fail "$label: printed on stdout: $(head -c 200 "$WORKDIR/bad.out" | tr '\n' '|')"
	else
		pass "$label: nothing on stdout"
	fi
}

bad --size send --dst "$DST" --count 1 --size 63
bad --size send --dst "$DST" --count 1 --size 9019
bad --rate send --dst "$DST" --count 1 --rate 12foo
bad --rate send --dst "$DST" --count 1 --rate -5kpps
bad --duration send --dst "$DST" --duration 0s
bad --dst send --dst 10.0.0.1 --count 1
bad --dst send --dst 1.2.3.4:70000 --count 1
bad --flows send --dst "$DST" --count 1 --flows 0
bad --catch-up send --dst "$DST" --count 1 --catch-up lots
bad --catch-up send --dst "$DST" --count 1 --catch-up 11s
bad --catch-up recv --listen "$DST" --catch-up 1
bad --no-such-flag send --dst "$DST" --count 1 --no-such-flag
bad --listen recv --duration 1s
bad --backend send --dst "$DST" --count 1 --backend nope
# Not in the brief's list, same rule: a flag missing its value, an unknown
# subcommand.
bad --rate send --dst "$DST" --count 1 --rate
bad frobnicate frobnicate
# Flags that each choose what stdout carries exclude each other.
bad "--json-stream: cannot be combined with --json" send --dst "$DST" --count 1 --json --json-stream
bad "--json: cannot be combined with --json-stream" recv --listen 127.0.0.1:7000 --json-stream --json
# One form for every message: "linerate CMD: --flag: what is wrong".
bad "linerate send: --size: " send --dst "$DST" --count 1 --size 63
bad "linerate recv: --burst: " recv --listen 127.0.0.1:7000 --burst 0
bad "linerate send: -q: unknown flag" send --dst "$DST" --count 1 -q
bad "linerate ping: --dst: cannot resolve 'nosuchhost.invalid'" ping --dst nosuchhost.invalid:7000
bad "linerate send: --dst: '1.2.3.999:7000' is not HOST:PORT" send --dst 1.2.3.999:7000 --count 1
bad "linerate recv: --listen: 'localhost' is not HOST:PORT" recv --listen localhost
bad "linerate replicate: --subscriber: cannot resolve" replicate --listen 127.0.0.1:7000 --subscriber nosuchhost.invalid:7001
bad "linerate server: --api: cannot resolve" server --api nosuchhost.invalid:8080
# Marking (issue 17).
bad "linerate send: --dscp: " send --dst "$DST" --count 1 --dscp AF44
bad "linerate send: --dscp: " send --dst "$DST" --count 1 --dscp 64
bad "linerate send: --ecn: " send --dst "$DST" --count 1 --ecn ect2
bad "linerate send: --tos: cannot be combined with --dscp" send --dst "$DST" --count 1 --dscp EF --tos 4
bad "linerate send: --ecn: cannot be combined with --tos" send --dst "$DST" --count 1 --tos 4 --ecn ce
bad "linerate send: --traffic-class: the destination is IPv4" send --dst "$DST" --count 1 --traffic-class 4
bad "linerate send: --vlan: " send --dst "$DST" --count 1 --vlan 4095
bad "linerate send: --vlan: " send --dst "$DST" --count 1 --vlan 10:8
bad "linerate send: --vlan: the udp backend cannot tag" send --dst "$DST" --count 1 --vlan 10 --backend udp
bad "linerate send: --size: 64 is too small for an IPv4 802.1Q-tagged probe" send --dst "$DST" --count 1 --vlan 10 --size 64
bad "linerate recv: --per-flow: " recv --listen 127.0.0.1:7000 --per-flow 0
bad "linerate rfc2544: --dscp: " rfc2544 --lab --dscp EX

finish
