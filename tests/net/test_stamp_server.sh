#!/usr/bin/env bash
# The daemon's "stamp-reflect" role: a STAMP reflector made over the API
# answers the client's stamp (exact counts, stateful numbering), filters
# any other source, shows in its report and in /metrics, and refuses the
# fields it does not take.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq curl
require_binary
lab_up "$(lab_name ss)"

TOKEN_FILE=$WORKDIR/token
TOKEN=$(new_token "$TOKEN_FILE")
API=$IP_B:9270
bg_start server "$NS_B" 60 "$LINERATE" server --api "$IP_B" --token-file "$TOKEN_FILE" \
	--idle-timeout 5s --max-duration 60s
for ((i = 0; i < 50; i++)); do
	in_a curl -s -m 1 "http://$API/v1/health" >/dev/null 2>&1 && break
	sleep 0.1
done
r=$(api GET /v1/capabilities)
assert_true "capabilities: the roles include stamp-reflect" quiet \
	jq -e '.roles | index("stamp-reflect")' <(body_of "$r")

r=$(api POST /v1/sessions '{"role":"stamp-reflect","backend":"udp"}')
assert_eq "stamp-reflect takes no backend field" "$(status_of "$r")" 400
r=$(api POST /v1/sessions '{"role":"stamp-reflect","stateful":"yes"}')
assert_eq "stateful must be a boolean" "$(status_of "$r")" 400
r=$(api POST /v1/sessions '{"role":"reflect","stateful":true}')
assert_eq "stateful is stamp-reflect's only" "$(status_of "$r")" 400

r=$(api POST /v1/sessions '{"role":"stamp-reflect","stateful":true,"duration":"30s"}')
assert_eq "stamp-reflect session: status" "$(status_of "$r")" 201
SID=$(body_of "$r" | jq -r .id)
SPORT=$(body_of "$r" | jq -r .data.port)
assert_true "a data port" is_integer "$SPORT"

N=200
run_in stamp "$NS_A" 20 "$LINERATE" stamp --dst "$IP_B:$SPORT" --count $N \
	--rate 1000pps --clock-sync host --reflector stateful --json
assert_rc "stamp to the server's reflector" $? 0
S=$(out stamp)
assert_eq "stamp: rx.packets" "$(jget "$S" .rx.packets)" $N
assert_eq "stamp: reverse loss" "$(jget "$S" .stamp.reverse_ns.lost)" 0
assert_eq "stamp: forward negative" "$(jget "$S" .stamp.forward_ns.negative)" 0

IP_3=${IP_A%.*}.3
in_a ip addr add "$IP_3/24" dev "$DEV_A"
run_in spoof "$NS_A" 20 "$LINERATE" stamp --src "$IP_3:9999" --dst "$IP_B:$SPORT" \
	--count 50 --rate 1000pps --wait 200ms --json
assert_eq "another source: no replies" "$(jget "$(out spoof)" .rx.packets)" 0

r=$(api GET /metrics)
assert_true "/metrics: reflected by the stamp-reflect session" quiet \
	grep -q "linerate_session_reflected_total{id=\"$SID\",role=\"stamp-reflect\"} $N" \
	<(body_of "$r")
api DELETE "/v1/sessions/$SID" >/dev/null
for ((i = 0; i < 30; i++)); do
	r=$(api GET "/v1/sessions/$SID/report")
	[[ $(status_of "$r") == 200 ]] && break
	sleep 0.1
done
R=$WORKDIR/report.json
body_of "$r" >"$R"
assert_eq "report: role" "$(jget "$R" .role)" stamp-reflect
assert_eq "report: stateful" "$(jget "$R" .stateful)" true
assert_eq "report: reflected" "$(jget "$R" .reflected)" $N
assert_eq "report: from a stranger, filtered" "$(jget "$R" .dropped.filtered)" 50
assert_eq "report: sessions" "$(jget "$R" .sessions)" 1

finish
