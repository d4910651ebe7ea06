#!/usr/bin/env bash
# Junk sent to recv's port, before, during and after real test traffic.
# None of it is a test packet, and recv neither crashes nor stops:
#   rx.truncated  starts like a probe (magic 0x4c, version 1) but is shorter
#                 than the 18-byte probe header;
#   rx.foreign    everything else that is not a probe, whatever its length
#                 (wrong magic, or the right magic with a wrong version).
# Together they count the junk exactly.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq ss nstat
require_binary
lab_up "$(lab_name t)"

# junk NS PRINTF-FORMAT COUNT: COUNT datagrams, each one printf of FORMAT
# (%b escapes allowed) to IP_B:PORT from namespace NS. bash's /dev/udp gives
# one datagram per write, and printf of a short string is one write.
junk() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	ip netns exec "$1" bash -c '
		exec 3>"/dev/udp/$1/$2" || exit 1
		for ((i = 0; i < $4; i++)); do printf "%b" "$3" >&3 || exit 1; done
	' _ "$IP_B" "$PORT" "$2" "$3"
}
x() { head -c "$1" /dev/zero | tr '\0' x; }

N_TRUNC=0
N_FOREIGN=0
# One batch: 2 short datagrams that start like a probe (truncated); 17 short
# ones of 1..17 bytes of 'x', 4 long ones of 'x' (18, 64, 1000, 1472 bytes)
# and 2 with the right magic but version 9 (all foreign).
batch() {
	local len
	junk "$NS_A" '\x4c\x01\x00\x00abcdef' 2 || fail "could not send junk"
	N_TRUNC=$((N_TRUNC + 2))
	for len in $(seq 1 17) 18 64 1000 1472; do
		junk "$NS_A" "$(x "$len")" 1 || fail "could not send junk"
	done
	junk "$NS_A" "\\x4c\\x09$(x 62)" 2 || fail "could not send junk"
	N_FOREIGN=$((N_FOREIGN + 23))
}

rcvbuf0=$(nstat_get "$NS_B" UdpRcvbufErrors)
start_recv recv 30 --idle-timeout 2s --clock-sync host --json

batch # before any test traffic
bg_start send "$NS_A" 15 "$LINERATE" send --backend udp --dst "$IP_B:$PORT" --size 64 --rate 10kpps \
	--count 5000 --flows 2 --json
sleep 0.2
batch # during
bg_wait send
assert_rc "send" $? 0
batch # after, within the idle timeout
sleep 0.3
assert_true "recv still running after $((N_TRUNC + N_FOREIGN)) junk datagrams" bg_running recv

bg_wait recv
assert_rc "recv exits normally" $? 0
R=$(out recv)
assert_true "recv printed its JSON report" quiet jq -e .rx "$R"
assert_eq "UdpRcvbufErrors in b (no datagram dropped by the kernel)" \
	"$(nstat_get "$NS_B" UdpRcvbufErrors)" "$rcvbuf0"

sent=$(jget "$(out send)" .tx.packets)
assert_eq "tx.packets" "$sent" 5000
assert_eq "rx.packets counts only the test packets" "$(jget "$R" .rx.packets)" 5000
assert_eq "rx.foreign + rx.truncated = junk datagrams sent" \
	"$(jget "$R" '.rx.foreign + .rx.truncated')" "$((N_TRUNC + N_FOREIGN))"
assert_eq "rx.truncated (a probe's start, shorter than its header)" "$(jget "$R" .rx.truncated)" "$N_TRUNC"
assert_eq "rx.foreign (not a probe, any length)" "$(jget "$R" .rx.foreign)" "$N_FOREIGN"
for k in lost duplicates corrupt malformed; do
	assert_eq "rx.$k" "$(jget "$R" ".rx.$k")" 0
done

finish
