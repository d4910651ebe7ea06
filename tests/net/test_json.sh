#!/usr/bin/env bash
# Machine-readable output: --json is one JSON document and nothing else on
# stdout, with no NaN/Infinity and integer counters; --json-stream is one
# JSON object per line ending with "final": true; --csv writes a header and
# at least one row per interval.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq ss
require_binary
lab_up "$(lab_name t)"

COUNTERS='packets bytes expected lost reordered duplicates late corrupt foreign truncated malformed errors count'

# check_document LABEL FILE: FILE holds exactly one valid JSON object with
# no NaN/Infinity and integer counters.
check_document() {
	local label=$1 f=$2 k bad
	assert_true "$label: stdout is not empty" test -s "$f"
	assert_true "$label: jq -e . accepts stdout" quiet jq -e . "$f"
	assert_eq "$label: exactly one JSON document on stdout" "$(jq -s length "$f" 2>/dev/null)" 1
	assert_eq "$label: it is an object" "$(jq -r type "$f" 2>/dev/null)" object
	# jq 1.6 turns NaN into null and rejects "nan"; look at the raw text.
	if grep -Eiq '(^|[^A-Za-z_"])-?(nan|inf|infinity)([^A-Za-z_"]|$)' "$f"; then
		fail "$label: NaN or Infinity in the output: $(grep -Eio '.{20}(nan|inf)[a-z]*.{5}' "$f" | head -n1)"
	else
		pass "$label: no NaN or Infinity"
	fi
	# A counter written "20000.0" or "2e4" parses as a number but is not an
	# integer; check the text as printed.
	bad=
	for k in $COUNTERS; do
		bad+=$(grep -Eo "\"$k\"[[:space:]]*:[[:space:]]*[^,}[:space:]]+" "$f" |
			grep -Ev ":[[:space:]]*[0-9]+$" | head -n1)
	done
	if [[ -z $bad ]]; then
		pass "$label: counters are integers ($COUNTERS, wherever present)"
	else
		fail "$label: a counter is not written as an integer: $bad"
	fi
}

# ---- --json, recv and send
start_recv recv 20 --idle-timeout 1s --clock-sync host --json
send_a send 15 --size 64 --rate 10kpps --count 2000 --flows 2 --json
assert_rc "send --json" $? 0
bg_wait recv
assert_rc "recv --json" $? 0
R=$(out recv)
S=$(out send)
check_document "send --json" "$S"
check_document "recv --json" "$R"

# The documented shape (see the CLI description).
assert_eq "send: role" "$(jget "$S" .role)" send
for k in packets bytes pps bps_l1 bps_l2 errors target_pps; do
	assert_eq "send: tx.$k is a number" "$(jget "$S" ".tx.$k | type")" number
done
assert_eq "recv: role" "$(jget "$R" .role)" recv
assert_eq "recv: backend.name" "$(jget "$R" .backend.name)" udp
assert_eq "recv: duration_s is a number" "$(jget "$R" '.duration_s | type')" number
for k in packets bytes pps bps_l1 bps_l2 expected lost loss_ratio reordered duplicates late corrupt foreign truncated malformed; do
	assert_eq "recv: rx.$k is a number" "$(jget "$R" ".rx.$k | type")" number
done
assert_eq "recv: latency_ns.valid is a boolean" "$(jget "$R" '.latency_ns.valid | type')" boolean
assert_eq "recv: latency_ns.valid with --clock-sync host" "$(jget "$R" .latency_ns.valid)" true
assert_eq "recv: latency_ns.clock is a string" "$(jget "$R" '.latency_ns.clock | type')" string
for k in count min mean p50 p90 p99 p999 max; do
	assert_eq "recv: latency_ns.$k is a number" "$(jget "$R" ".latency_ns.$k | type")" number
done
for k in rfc3550 ipdv_p50 ipdv_p99 pdv_p50 pdv_p99; do
	assert_eq "recv: jitter_ns.$k is a number" "$(jget "$R" ".jitter_ns.$k | type")" number
done
assert_eq "recv: rx.packets" "$(jget "$R" .rx.packets)" 2000

# The sender's own pacing: one gap per frame after the first, exactly.
assert_eq "send: tx.pacing.gap_samples (2000 frames)" "$(jget "$S" .tx.pacing.gap_samples)" 1999
assert_eq "send: tx.pacing.nominal_gap_ns at 10 kpps" "$(jget "$S" .tx.pacing.nominal_gap_ns)" 100000
assert_eq "send: tx.pacing.catch_up default" "$(jget "$S" .tx.pacing.catch_up)" "10 ms"
assert_eq "send: tx.pacing.catch_up_frames (10 ms at 10 kpps)" "$(jget "$S" .tx.pacing.catch_up_frames)" 100
assert_eq "send: config.catch_up" "$(jget "$S" .config.catch_up)" "10 ms"
# Most gaps are the nominal 100 us even on a loaded host.
assert_range "send: tx.pacing.gap_p50_ns near 100 us" "$(jget "$S" .tx.pacing.gap_p50_ns)" 50000 150000
for k in gap_p99_ns gap_max_ns late_max_ns forfeit_ns sends bursts burst_max; do
	assert_eq "send: tx.pacing.$k is a number" "$(jget "$S" ".tx.pacing.$k | type")" number
done
# --catch-up none never sends two frames at once.
start_recv nrecv 20 --idle-timeout 1s --json
send_a nsend 15 --size 64 --rate 10kpps --count 1000 --catch-up none --json
assert_rc "send --catch-up none" $? 0
bg_wait nrecv
N=$(out nsend)
assert_eq "send --catch-up none: tx.pacing.burst_max" "$(jget "$N" .tx.pacing.burst_max)" 1
assert_eq "send --catch-up none: tx.pacing.bursts" "$(jget "$N" .tx.pacing.bursts)" 0
assert_eq "send --catch-up none: one send per frame" "$(jget "$N" .tx.pacing.sends)" 1000
assert_eq "send --catch-up none: policy" "$(jget "$N" .tx.pacing.catch_up)" none

# ---- --json-stream: send at 5 kpps for 2.5 s, reports every 500 ms
start_recv srecv 20 --idle-timeout 1s --clock-sync host --json-stream
send_a ssend 15 --size 64 --rate 5kpps --duration 2500ms --interval 500ms --json-stream
assert_rc "send --json-stream" $? 0
bg_wait srecv
assert_rc "recv --json-stream" $? 0

# check_stream LABEL FILE MIN_INTERVAL_LINES
check_stream() {
	local label=$1 f=$2 min=$3 n=0 bad=0 line last nfinal
	while IFS= read -r line; do
		n=$((n + 1))
		jq -e 'type == "object"' <<<"$line" >/dev/null 2>&1 || {
			bad=$((bad + 1))
			[[ $bad -gt 1 ]] || echo "  line $n does not parse: ${line:0:200}"
		}
	done <"$f"
	assert_eq "$label: every line is one JSON object ($n lines)" "$bad" 0
	last=$(tail -n 1 "$f")
	assert_eq "$label: last line has \"final\": true" "$(jq -r '.final' <<<"$last" 2>/dev/null)" true
	nfinal=$(jq -c 'select(.final == true)' "$f" 2>/dev/null | wc -l)
	assert_eq "$label: exactly one final line" "$nfinal" 1
	assert_range "$label: interval lines (with an \"interval\" object)" \
		"$(jq -c 'select(.final != true and (.interval | type) == "object")' "$f" 2>/dev/null | wc -l)" "$min" 1000
	if grep -Eiq '(^|[^A-Za-z_"])-?(nan|inf|infinity)([^A-Za-z_"]|$)' "$f"; then
		fail "$label: NaN or Infinity in the stream"
	else
		pass "$label: no NaN or Infinity"
	fi
}
# 2.5 s / 500 ms = 5 intervals; the last may be folded into the final line.
check_stream "send --json-stream --interval 500ms" "$(out ssend)" 4
# recv has no --interval: its default (1 s) over ~2.5 s of traffic.
check_stream "recv --json-stream" "$(out srecv)" 2
assert_eq "recv --json-stream: final rx.packets = packets sent" \
	"$(tail -n1 "$(out srecv)" | jq -r .rx.packets)" "$(tail -n1 "$(out ssend)" | jq -r .tx.packets)"

# ---- --csv FILE: header + >= 1 row per interval, rectangular
start_recv crecv 20 --idle-timeout 1s --clock-sync host --csv "$WORKDIR/recv.csv"
send_a csend 15 --size 64 --rate 5kpps --duration 2s --interval 250ms --csv "$WORKDIR/send.csv" --quiet
assert_rc "send --csv" $? 0
bg_wait crecv
assert_rc "recv --csv" $? 0

# check_csv LABEL FILE MIN_ROWS
check_csv() {
	local label=$1 f=$2 min=$3 header cols rows ragged
	assert_true "$label: file written" test -s "$f"
	[[ -s $f ]] || return
	header=$(head -n 1 "$f")
	cols=$(awk -F, 'NR == 1 { print NF }' "$f")
	assert_true "$label: header '${header:0:80}...' has names, not numbers" \
		bash -c "awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if (\$i ~ /^[-+0-9.eE]+\$/) exit 1 }' '$f'"
	assert_gt "$label: header has more than one column" "$cols" 1
	rows=$(($(grep -c '' "$f") - 1))
	assert_range "$label: data rows" "$rows" "$min" 1000
	ragged=$(awk -F, -v n="$cols" 'NR > 1 && NF != n' "$f" | wc -l)
	assert_eq "$label: every row has $cols fields" "$ragged" 0
}
# 2 s / 250 ms = 8 intervals; the 8th ends with the run and may be folded
# into the final row.
check_csv "send --csv --interval 250ms over 2 s" "$WORKDIR/send.csv" 7
check_csv "recv --csv" "$WORKDIR/recv.csv" 1

finish
