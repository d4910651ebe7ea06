#!/usr/bin/env bash
# Size mixes: the receiver gets exactly the packets and bytes the mix
# says, on every backend that sends one (udp, afpacket, afxdp).
#
# IMIX is 64:7,594:4,1518:1, 12 frames and 4342 bytes a period. 1200
# frames are 100 periods: 434200 bytes. 1205 frames add the first 5 of
# the interleave (64, 594, 64, 64, 594: smooth weighted round robin, see
# tests/unit/test_sizemix.c): 435580 bytes. Byte counts include the FCS,
# as the report counts frames. The veth drops nothing at 20 kpps; the
# udp sender and receiver run without GSO/GRO.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq
require_binary
lab_up "$(lab_name z)"

# mix_case LABEL BACKEND COUNT WANT_BYTES SIZE-ARGS...
mix_case() {
	local label=$1 be=$2 count=$3 bytes=$4 r s
	shift 4
	start_recv "recv-$label" 40 --idle-timeout 1s --no-gso --json
	run_in "send-$label" "$NS_A" 30 "$LINERATE" send --backend "$be" \
		--dst "$IP_B:$PORT" --count "$count" --rate 20kpps --json "$@"
	assert_rc "$label: send" $? 0
	bg_wait "recv-$label"
	assert_rc "$label: recv" $? 0
	s=$(out "send-$label")
	r=$(out "recv-$label")
	assert_eq "$label: backend" "$(jget "$s" .backend.name)" "$be"
	assert_eq "$label: tx.packets" "$(jget "$s" .tx.packets)" "$count"
	assert_eq "$label: tx.bytes" "$(jget "$s" .tx.bytes)" "$bytes"
	assert_eq "$label: rx.packets" "$(jget "$r" .rx.packets)" "$count"
	assert_eq "$label: rx.bytes" "$(jget "$r" .rx.bytes)" "$bytes"
	assert_eq "$label: rx.lost" "$(jget "$r" .rx.lost)" 0
	assert_eq "$label: rx.corrupt (fill pattern checked at every size)" \
		"$(jget "$r" .rx.corrupt)" 0
	assert_eq "$label: rx.malformed" "$(jget "$r" .rx.malformed)" 0
}

for be in udp afpacket afxdp; do
	mix_case "imix-$be" "$be" 1200 434200 --size imix --flows 3
	mix_case "imix-partial-$be" "$be" 1205 435580 --size imix
done
S=$(out send-imix-udp)
assert_eq "config.size_mix.period" "$(jget "$S" .config.size_mix.period)" 12
assert_eq "config.size_mix.sizes" \
	"$(jget "$S" '[.config.size_mix.sizes[] | "\(.size):\(.weight)"] | join(",")')" "64:7,594:4,1518:1"
assert_eq "config.frame_size is the largest" "$(jget "$S" .config.frame_size)" 1518

# A custom list and a sweep: 2 x (128*1 + 1024*3) = 6400 bytes for 8
# frames; the sweep 100..400/100 sends 100, 200, 300, 400: 3 periods of
# 1000 bytes for 12 frames.
mix_case list udp 8 6400 --size 128:1,1024:3
mix_case sweep afpacket 12 3000 --size 100..400/100

# Rates over the mix: 10 Mbit/s L1 is 1e7 / (8 * (4342/12 + 20)) pps.
# 4342/12 = 361.83 bytes, + 20 = 381.83: 3273.68 pps.
start_recv recv-rate 30 --idle-timeout 1s --json
run_in rate "$NS_A" 20 "$LINERATE" send --backend udp --dst "$IP_B:$PORT" \
	--size imix --rate 10Mbps --count 120 --json
assert_rc "rate: send" $? 0
bg_wait recv-rate
assert_range "rate: tx.target_pps over the mean frame" \
	"$(jget "$(out rate)" .tx.target_pps)" 3273.67 3273.69
assert_eq "rate: rx.bytes" "$(jget "$(out recv-rate)" .rx.bytes)" 43420

# The xdp generator repeats one frame: a mix is refused up front.
run_in xdpmix "$NS_A" 10 "$LINERATE" send --backend xdp --dst "$IP_B:$PORT" \
	--size imix --count 12
assert_rc "xdp: --size imix refused" $? 2
assert_true "xdp: says why" grep -q 'sends one frame size' "$(err xdpmix)"

finish
