#!/usr/bin/env bash
# The server's log: `server --daemon --log-file F -v` has its first line in
# F within a second of start, and each session's line while it still runs
# (not at exit), timestamped; under systemd (stderr is the journal stream
# that JOURNAL_STREAM names) lines carry a syslog priority and no timestamp.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip curl stat
require_binary
lab_up "$(lab_name lg)" --subnet 10.81.11

TOKEN_FILE=$WORKDIR/token
new_token "$TOKEN_FILE" >/dev/null
LOG=$WORKDIR/server.log
PIDF=$WORKDIR/server.pid
API=$IP_B:9270
TS='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z '

# The detached server is not ours to wait for: stop it by its PID file.
on_cleanup 'kill -TERM "$(cat "'"$PIDF"'" 2>/dev/null)" 2>/dev/null'
start=$(date +%s%N)
run_in daemon "$NS_B" 10 "$LINERATE" server --api "$IP_B" --token-file "$TOKEN_FILE" \
	--daemon --pid-file "$PIDF" --log-file "$LOG" -v --max-duration 30s
assert_rc "server --daemon returns" $? 0
got=
for ((i = 0; i < 100; i++)); do
	if [[ -s $LOG ]]; then
		got=$(date +%s%N)
		break
	fi
	sleep 0.01
done
[[ -n $got ]] || got=$(date +%s%N)
ms=$(((got - start) / 1000000))
assert_true "a line in the log file $ms ms after start" test -s "$LOG"
assert_lt "... within a second" "$ms" 1000
assert_true "the first line is timestamped and says where the API is" \
	grep -Eq "${TS}linerate server: API on $IP_B:9270" "$LOG"
PID=$(cat "$PIDF" 2>/dev/null)
# Never 0: kill 0 would signal this test's own process group.
[[ $PID =~ ^[1-9][0-9]*$ ]] || PID=999999999
assert_true "the PID file names a running process" kill -0 "$PID"

# A session's line is in the file while the server runs.
run_in client "$NS_A" 30 "$LINERATE" client "$API" --token-file "$TOKEN_FILE" \
	--backend udp --rate 1kpps --count 500
assert_rc "client" $? 0
assert_true "the session's line is in the file while the server runs" \
	grep -Eq "${TS}session [0-9a-f]{16}: sink" "$LOG"
assert_true "the server still runs" kill -0 "$PID"
assert_eq "every line timestamped" "$(grep -Evc "$TS" "$LOG")" 0

# logrotate: the file is moved away, SIGHUP, and the next line goes to a
# new file by the old name (the moved one gets nothing more).
mv "$LOG" "$LOG.1"
lines_before=$(wc -l <"$LOG.1")
kill -HUP "$PID"
for ((i = 0; i < 50; i++)); do
	[[ -e $LOG ]] && break
	sleep 0.1
done
assert_true "SIGHUP: the log file is open again by its name" test -e "$LOG"
assert_true "SIGHUP: the server still runs" kill -0 "$PID"
run_in client3 "$NS_A" 30 "$LINERATE" client "$API" --token-file "$TOKEN_FILE" \
	--backend udp --rate 1kpps --count 200
assert_rc "client after SIGHUP" $? 0
assert_true "after SIGHUP the session's line is in the new file" \
	grep -Eq "${TS}session [0-9a-f]{16}: sink" "$LOG"
assert_eq "the rotated file got no more lines" "$(wc -l <"$LOG.1")" "$lines_before"
kill -TERM "$PID" 2>/dev/null
for ((i = 0; i < 50; i++)); do
	kill -0 "$PID" 2>/dev/null || break
	sleep 0.1
done

# ---- under systemd: stderr is the journal's stream (here a file whose
# device and inode JOURNAL_STREAM names, as systemd sets them).
J=$WORKDIR/journal
: >"$J"
JS=$(stat -c '%d:%i' "$J")
ip netns exec "$NS_B" env JOURNAL_STREAM="$JS" timeout 20 "$LINERATE" server --api "$IP_B" \
	--token-file "$TOKEN_FILE" -v --max-duration 30s 2>>"$J" &
JPID=$!
BG_PIDS+=("$JPID")
for ((i = 0; i < 50; i++)); do
	in_a curl -s -m 1 "http://$API/v1/health" >/dev/null 2>&1 && break
	sleep 0.1
done
run_in client2 "$NS_A" 30 "$LINERATE" client "$API" --token-file "$TOKEN_FILE" \
	--backend udp --rate 1kpps --count 200
assert_rc "client (journal run)" $? 0
kill -TERM "$JPID"
wait "$JPID"
assert_true "journal: the start line carries its priority" grep -q "^<4>linerate server: API on" "$J"
assert_true "journal: the session line carries <6>" grep -Eq "^<6>session [0-9a-f]{16}: sink" "$J"
assert_eq "journal: every line has a priority" "$(grep -vc '^<[0-7]>' "$J")" 0
assert_eq "journal: no timestamps (the journal adds its own)" "$(grep -Ec '^<[0-7]>[0-9]{4}-' "$J")" 0
# The same variable with stderr elsewhere: plain lines.
P=$WORKDIR/plain
ip netns exec "$NS_B" env JOURNAL_STREAM="$JS" timeout 5 "$LINERATE" server --api "$IP_B" \
	--token-file "$TOKEN_FILE" -v --max-duration 30s 2>"$P" &
JPID=$!
BG_PIDS+=("$JPID")
for ((i = 0; i < 50; i++)); do
	grep -q "API on" "$P" 2>/dev/null && break
	sleep 0.1
done
kill -TERM "$JPID"
wait "$JPID"
assert_true "not the journal's stream: no priority" grep -q "^linerate server: API on" "$P"
finish
