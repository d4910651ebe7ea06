#!/usr/bin/env bash
# retries: 1
# linerate mesh on a bridge lab: four host namespaces (h1..h4) on one
# bridge in a switch namespace, a linerate server in each, the mesh driven
# from the switch namespace. Full mesh forward in turns, full mesh rtt in
# parallel, many-to-one and one-to-many: every planned cell has exactly the
# packets sent and received, the others are null. Then a host that refuses
# the token and a host that is down: their cells carry the error and the
# rest of the matrix completes with exact counts. Text, CSV and SVG too.
# time-limit: 240
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq
require_binary

tag=m$(printf '%s' "$$" | tail -c 6)
SW=$tag-sw
NET=10.$((100 + $$ % 50)).$(($$ % 250))
ip netns add "$SW" || fatal "ip netns add $SW"
on_cleanup "ip netns del $SW"
ip -n "$SW" link add br0 type bridge || fatal "bridge"
ip -n "$SW" addr add "$NET.254/24" dev br0
ip -n "$SW" link set br0 up
ip -n "$SW" link set lo up
HOSTS=()
for i in 1 2 3 4 5; do
	ns=$tag-h$i
	ip netns add "$ns" || fatal "ip netns add $ns"
	on_cleanup "ip netns del $ns"
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip -n "$SW" link add "v$i" type veth peer name eth0 netns "$ns" || fatal "veth $i"
	ip -n "$SW" link set "v$i" master br0 up
	ip -n "$ns" addr add "$NET.$i/24" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" link set lo up
	HOSTS+=("$ns")
done
# h5's namespace exists but stays unplugged: its address answers nothing.
ip -n "$tag-h5" link set eth0 down

TOKEN=$WORKDIR/token
OTHER=$WORKDIR/other-token
head -c 24 /dev/urandom | base64 | tr -d '\n=' >"$TOKEN"
head -c 24 /dev/urandom | base64 | tr -d '\n=' >"$OTHER"
for i in 1 2 3 4; do
	allow=()
	for j in 1 2 3 4; do ((i != j)) && allow+=(--allow-target "$NET.$j"); done
	tok=$TOKEN
	# h4 has another token: with ours it refuses (checked at the end).
	[[ $i == 4 ]] && tok=$OTHER
	bg_start "server$i" "$tag-h$i" 230 "$LINERATE" server --api "$NET.$i" \
		--token-file "$tok" "${allow[@]}" --max-sessions 16 --max-duration 60s
done
for i in 1 2 3 4; do
	up=0
	for ((k = 0; k < 100; k++)); do
		ip netns exec "$SW" curl -s -m 1 "http://$NET.$i:9270/v1/health" >/dev/null 2>&1 &&
			{ up=1; break; }
		sleep 0.1
	done
	((up)) || fatal "server h$i did not come up"
done

# h4 takes our token in the good runs (its own token file per host line).
GOOD=$WORKDIR/hosts
{
	echo "# name api [token file]"
	echo "h1 $NET.1"
	echo "h2 $NET.2:9270   # explicit port"
	echo "h3 $NET.3"
	echo "h4 $NET.4 $OTHER"
} >"$GOOD"

mesh() { # TAG TIMEOUT ARGS...: the mesh from the switch namespace, JSON out
	local t=$1 limit=$2
	shift 2
	run_in "$t" "$SW" "$limit" "$LINERATE" mesh --token-file "$TOKEN" --size 64 "$@"
}

# check_cells LABEL JSON WANT_SENT PAIRS...: PAIRS are "s r" (1-based)
# that must have exactly WANT_SENT sent and received, 0 lost; every other
# off-diagonal cell must be null (not planned).
check_cells() {
	local label=$1 j=$2 want=$3 s r planned bad=0 n=0
	shift 3
	declare -A want_pair=()
	for p in "$@"; do want_pair[$p]=1; done
	for s in 1 2 3 4; do
		for r in 1 2 3 4; do
			((s == r)) && continue
			planned=${want_pair["$s $r"]:-0}
			local sent recv lost
			sent=$(jget "$j" ".matrix.sent[$((s - 1))][$((r - 1))]")
			recv=$(jget "$j" ".matrix.received[$((s - 1))][$((r - 1))]")
			lost=$(jget "$j" ".matrix.lost[$((s - 1))][$((r - 1))]")
			if ((planned)); then
				n=$((n + 1))
				[[ $sent == "$want" && $recv == "$want" && $lost == 0 ]] || {
					bad=1
					fail "$label: h$s -> h$r sent $sent received $recv lost $lost, want $want/$want/0"
				}
			elif [[ $sent != null || $recv != null ]]; then
				bad=1
				fail "$label: h$s -> h$r was not planned but has $sent/$recv"
			fi
		done
	done
	((bad)) || pass "$label: $n cells with exactly $want sent and received, 0 lost; the rest null"
	assert_eq "$label: cells listed" "$(jget "$j" '.cells | length')" "$#"
	assert_eq "$label: failed" "$(jget "$j" .failed)" 0
}

ALL=("1 2" "1 3" "1 4" "2 1" "2 3" "2 4" "3 1" "3 2" "3 4" "4 1" "4 2" "4 3")

# ---- full mesh, forward, in turns
mesh full 120 --hosts "$GOOD" --rate 5kpps --count 2000 --json --csv "$WORKDIR/full.csv"
assert_rc "full mesh forward" $? 0
check_cells "full mesh forward" "$(out full)" 2000 "${ALL[@]}"
assert_eq "full mesh: mode" "$(jget "$(out full)" .mode)" forward
assert_eq "full mesh: csv rows (header + 12)" "$(wc -l <"$WORKDIR/full.csv")" 13
assert_eq "full mesh: csv h2 -> h3" "$(grep '^h2,h3,' "$WORKDIR/full.csv" | cut -d, -f4-7)" "true,2000,2000,0"
# One-way latency: each pair's offset comes from two measured offsets, so
# a cell may be "not measured" (null, never 0) on a loaded host; where
# measured, p50 <= p99.
assert_true "full mesh: one-way latency null or 0 < p50 <= p99" \
	jq -e '[.cells[] | .latency_p50_ns == null or (.latency_p50_ns > 0 and .latency_p50_ns <= .latency_p99_ns)] | all' "$(out full)"

# ---- full mesh, rtt, in parallel
mesh rtt 120 --hosts "$GOOD" --rtt --parallel --rate 2kpps --count 1000 --json
assert_rc "full mesh rtt in parallel" $? 0
check_cells "full mesh rtt" "$(out rtt)" 1000 "${ALL[@]}"
assert_true "rtt: p99 >= p50 > 0 in every cell" \
	jq -e '[.cells[] | .latency_p99_ns >= .latency_p50_ns and .latency_p50_ns > 0] | all' "$(out rtt)"
assert_eq "rtt: latency kind" "$(jget "$(out rtt)" '[.cells[].latency_kind] | unique | join(",")')" rtt

# ---- many-to-one (everyone sends to h1), one-to-many reverse (h1 sends to everyone)
mesh toone 120 --hosts "$GOOD" --to h1 --parallel --rate 5kpps --count 1500 --json
assert_rc "many-to-one" $? 0
check_cells "many-to-one --to h1" "$(out toone)" 1500 "2 1" "3 1" "4 1"
mesh fromone 120 --hosts "$GOOD" --from h2 --rate 5kpps --count 1500 --json
assert_rc "one-to-many" $? 0
check_cells "one-to-many --from h2" "$(out fromone)" 1500 "2 1" "2 3" "2 4"
mesh toonerev 120 --hosts "$GOOD" --to h3 --reverse --rate 5kpps --count 1000 --json
assert_rc "many-to-one --reverse" $? 0
check_cells "many-to-one --to h3 --reverse" "$(out toonerev)" 1000 "3 1" "3 2" "3 4"

# ---- by duration: whatever was sent arrived, no more than 0.3 s at 5 kpps
mesh dur 120 --hosts "$GOOD" --from h4 --rate 5kpps --duration 300ms --json
assert_rc "one-to-many by duration" $? 0
assert_true "by duration: every cell received exactly what was sent, 0 lost, 500..1550 packets" \
	jq -e '[.cells[] | .ok and .sent == .received and .lost == 0 and .sent >= 500 and .sent <= 1550] | all and length == 3' "$(out dur)"

# ---- text table and heatmap
mesh text 120 --hosts "$GOOD" --parallel --rate 5kpps --count 500 --svg "$WORKDIR/mesh.svg" --svg-metric latency
assert_rc "text output" $? 0
assert_true "text: a received-packets matrix row for h1" \
	grep -Eq '^  h1 +- +500 +500 +500$' "$(out text)"
if command -v gnuplot >/dev/null; then
	assert_true "svg: written, names the hosts" bash -c "grep -q '<svg' '$WORKDIR/mesh.svg' && grep -q '>h4<' '$WORKDIR/mesh.svg'"
	# The cells are the big filled boxes (the colour bar's slices are thin).
	cells=$(awk -F"'" '/<polygon fill = .rgb/ {
		split($4, p, "[ ,]+"); w = p[3] - p[1]; h = p[2] - p[6]
		if (w < 0) w = -w; if (h < 0) h = -h; if (w > 20 && h > 20) n++ }
		END { print n + 0 }' "$WORKDIR/mesh.svg")
	assert_eq "svg: one coloured box per measured cell" "$cells" 12
fi

# ---- a host refusing the token and a host that is down
BAD=$WORKDIR/hosts-bad
{
	echo "h1 $NET.1"
	echo "h2 $NET.2"
	echo "h3 $NET.3"
	echo "h4 $NET.4"
	echo "h5 $NET.5"
} >"$BAD"
mesh bad 150 --hosts "$BAD" --parallel --rate 5kpps --count 1000 --json
assert_rc "a mesh with failed hosts exits 1" $? 1
J=$(out bad)
assert_eq "bad: 20 cells planned" "$(jget "$J" '.cells | length')" 20
assert_eq "bad: 14 failed" "$(jget "$J" .failed)" 14
ok=$(jq -r '[.cells[] | select(.ok) | "\(.from)>\(.to)=\(.sent)/\(.received)/\(.lost)"] | sort | join(" ")' "$J")
assert_eq "bad: the six cells among h1..h3 have exact counts" "$ok" \
	"h1>h2=1000/1000/0 h1>h3=1000/1000/0 h2>h1=1000/1000/0 h2>h3=1000/1000/0 h3>h1=1000/1000/0 h3>h2=1000/1000/0"
assert_true "bad: h4's cells say it refused the token (401)" \
	jq -e '[.cells[] | select(.from == "h4" or .to == "h4") | .error | test("(^|; )h4: .*(401|token)"; "i")] | all and length == 8' "$J"
assert_true "bad: h5's cells say it did not answer" \
	jq -e '[.cells[] | select(.from == "h5" or .to == "h5") | .error | test("(^|; )h5: ")] | all and length == 8' "$J"
assert_true "bad: failed cells have null figures" \
	jq -e '[.cells[] | select(.ok | not) | .sent, .received, .pps] | all(. == null)' "$J"
assert_true "bad: the hosts list carries the two errors" \
	jq -e '[.hosts[] | select(.error != null) | .name] == ["h4", "h5"]' "$J"

# ---- the API's "peer": only an --allow-target address
r=$(ip netns exec "$SW" curl -s -m 5 -w '\n%{http_code}' -H "Authorization: Bearer $(cat "$TOKEN")" \
	-H 'Content-Type: application/json' --data-binary "{\"role\":\"sink\",\"peer\":\"$NET.5\"}" \
	"http://$NET.1:9270/v1/sessions")
assert_eq "a sink for a peer not in --allow-target: status" "$(tail -n1 <<<"$r")" 403
assert_eq "... names the field" "$(sed '$d' <<<"$r" | jq -r .field)" peer
r=$(ip netns exec "$SW" curl -s -m 5 -w '\n%{http_code}' -H "Authorization: Bearer $(cat "$TOKEN")" \
	-H 'Content-Type: application/json' --data-binary "{\"role\":\"source\",\"port\":9,\"peer\":\"$NET.2\"}" \
	"http://$NET.1:9270/v1/sessions")
assert_eq "peer on a source (not its field): status" "$(tail -n1 <<<"$r")" 400

# ---- bad input
printf 'h1 %s\nh1 %s\n' "$NET.1" "$NET.2" >"$WORKDIR/dup"
run_in dup "$SW" 10 "$LINERATE" mesh --hosts "$WORKDIR/dup"
assert_rc "a name used twice" $? 2
assert_true "the error names the line" grep -q "dup:2: name 'h1' used twice" "$(err dup)"
run_in nohub "$SW" 10 "$LINERATE" mesh --hosts "$GOOD" --to h9
assert_rc "--to an unknown host" $? 2
run_in pct "$SW" 10 "$LINERATE" mesh --hosts "$GOOD" --rate 50%
assert_rc "--rate 50% (no line rate in a mesh)" $? 2
finish
