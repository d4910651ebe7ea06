#!/usr/bin/env bash
# Failing session starts from parallel clients must never hang the daemon
# (issue 18: a double pthread_join between the creator of a session that
# failed to start and the watchdog blocked the registry lock for good).
#
# The server gets a data-port range of two ports, and this test holds both
# with its own UDP sockets, so every sink session fails to bind ("in use"),
# is retried and then refused with 503: each request walks the failing-start
# path. Two clients post such sessions as fast as they can for a bounded
# number of requests while a third asks /v1/health; every health request
# must be answered (within 2 s), and the server must still serve a real
# session afterwards.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip python3 curl jq
require_binary
lab_up "$(lab_name dl)"

API_PORT=9270
PORT_LO=9300
PORT_HI=9301
URL=http://$IP_B:$API_PORT
TOKEN=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$TOKEN" >"$WORKDIR/token"
chmod 600 "$WORKDIR/token"

# Hold the server's two data ports (both the wildcard and the lab address).
bg_start holder "$NS_B" 200 python3 -c "
import socket, time
socks = []
for p in range($PORT_LO, $PORT_HI + 1):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('0.0.0.0', p))
    socks.append(s)
print('holding', flush=True)
time.sleep(190)
"
wait_udp_listen "$NS_B" "$PORT_HI" 5 || fatal "could not hold the data ports"

bg_start server "$NS_B" 200 "$LINERATE" server --api "$IP_B:$API_PORT" \
	--token-file "$WORKDIR/token" --data-ports "$PORT_LO-$PORT_HI" \
	--max-sessions 8
wait_api_up server "$NS_A" "$URL"

# One failing start first, to know the path is the one under test.
code=$(in_a curl -s -o "$WORKDIR/one.body" -w '%{http_code}' --max-time 30 \
	-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
	--data '{"role":"sink","backend":"udp"}' "$URL/v1/sessions")
assert_eq "a sink whose data ports are all held is refused" "$code" 503
# Each bind failed with EADDRINUSE, so the next port was tried until none
# was left (the retry tests the error code, not the wording of a message);
# a start that was not retried says "the session could not start".
why=$(jq -r .error "$WORKDIR/one.body" 2>/dev/null)
assert_true "the refusal comes after every data port was tried ($why)" \
	grep -qE '^no (free )?data port' <<<"$why"

# Two posting clients (python, keep-alive) and one health prober, bounded
# by count and by time. Each prints one summary line.
cat >"$WORKDIR/storm.py" <<'PY'
import http.client, json, sys, time
import os
host, port, token, mode, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
stop = sys.argv[6] if len(sys.argv) > 6 and sys.argv[6] != "-" else None
body = sys.argv[7] if len(sys.argv) > 7 else ""
deadline = time.monotonic() + 150
codes = {}
worst = 0.0
done = 0
conn = None
for i in range(n):
    if time.monotonic() > deadline or (stop and os.path.exists(stop)):
        break
    t0 = time.monotonic()
    try:
        if conn is None:
            conn = http.client.HTTPConnection(host, port, timeout=5)
        if mode == "post":
            conn.request("POST", "/v1/sessions", body=body,
                         headers={"Authorization": "Bearer " + token,
                                  "Content-Type": "application/json"})
        else:
            conn.request("GET", "/v1/health")
        r = conn.getresponse()
        r.read()
        c = str(r.status)
    except Exception as e:
        c = "error"
        conn = None
    codes[c] = codes.get(c, 0) + 1
    worst = max(worst, time.monotonic() - t0)
    done += 1
    if mode == "health":
        time.sleep(0.05)
print(json.dumps({"mode": mode, "done": done, "codes": codes, "worst_s": round(worst, 3)}))
PY
# storm LABEL N BODY WANT: two posting clients of N requests each and a
# health prober during them; every POST must be answered with WANT (a
# regex), every health request with 200 within 2 s.
storm() {
	local label=$1 n=$2 body=$3 want=$4 t j
	rm -f "$WORKDIR/storm.over"
	bg_start "$label-post1" "$NS_A" 170 python3 "$WORKDIR/storm.py" "$IP_B" "$API_PORT" "$TOKEN" post "$n" - "$body"
	bg_start "$label-post2" "$NS_A" 170 python3 "$WORKDIR/storm.py" "$IP_B" "$API_PORT" "$TOKEN" post "$n" - "$body"
	bg_start "$label-health" "$NS_A" 170 python3 "$WORKDIR/storm.py" "$IP_B" "$API_PORT" "$TOKEN" health 100000 "$WORKDIR/storm.over"
	bg_wait "$label-post1"
	bg_wait "$label-post2"
	touch "$WORKDIR/storm.over"
	bg_wait "$label-health"
	for t in post1 post2; do
		j=$(tail -n 1 "$(out "$label-$t")")
		log "$label $t: $j"
		assert_eq "$label $t: all $n requests made" "$(jq -r '.done' <<<"$j")" "$n"
		assert_eq "$label $t: every request answered" "$(jq -r '.codes.error // 0' <<<"$j")" 0
		assert_eq "$label $t: every answer is $want" \
			"$(jq -r --arg w "^($want)\$" '[.codes | to_entries[] | select(.key | test($w)) | .value] | add // 0' <<<"$j")" \
			"$(jq -r '.done' <<<"$j")"
	done
	j=$(tail -n 1 "$(out "$label-health")")
	log "$label health during the storm: $j"
	assert_gt "$label health: asked during the storm" "$(jq -r '.done' <<<"$j")" 0
	assert_eq "$label health: every request answered 200" "$(jq -r '.codes["200"] // 0' <<<"$j")" \
		"$(jq -r '.done' <<<"$j")"
	assert_lt "$label health: slowest answer (s)" "$(jq -r '.worst_s' <<<"$j")" 2
}
# Data ports held: every start fails to bind and is retried, then refused.
storm ports 1000 '{"role":"sink","backend":"udp"}' 503
# A spec the engine cannot start (64 queues on a one-queue veth): refused,
# whether by validation (4xx naming the field) or at start (503).
storm queues 2000 '{"role":"sink","queues":64}' '4[0-9][0-9]|503'
ok=0
for ((i = 0; i < 20; i++)); do
	in_a curl -s -o /dev/null --max-time 2 "$URL/v1/health" && ok=$((ok + 1))
done
assert_eq "health answered 20 of 20 after the storm" "$ok" 20
assert_true "the server is still running" bg_running server

# The registry is consistent: nothing left running, and a real session
# still starts once a port is free.
code=$(in_a curl -s -o "$WORKDIR/list.body" -w '%{http_code}' --max-time 5 \
	-H "Authorization: Bearer $TOKEN" "$URL/v1/sessions")
assert_eq "GET /v1/sessions answers" "$code" 200
kill -TERM "${PID_OF[holder]}" 2>/dev/null
bg_wait holder
code=$(in_a curl -s -o "$WORKDIR/ok.body" -w '%{http_code}' --max-time 30 \
	-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
	--data '{"role":"sink","backend":"udp","duration":"2s"}' "$URL/v1/sessions")
assert_eq "a sink starts once its port is free" "$code" 201
finish
