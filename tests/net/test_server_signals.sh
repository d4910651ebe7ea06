#!/usr/bin/env bash
# Issue 18, the security review, second part:
#  - files: a token or TLS key that others may read is refused (exit 2,
#    naming --allow-insecure-perms; the server's and the replicator's),
#    taken with --allow-insecure-perms
#  - TLS: 1.0 and 1.1 refused (even by a client willing to speak them),
#    static-RSA and CBC suites refused, 1.2 and 1.3 with ECDHE and AEAD
#    accepted; SIGHUP reloads the certificate (a new one is served) and
#    the server and its sessions run on
#  - signals: SIGHUP stops `recv` with its cleanup (exit 0, its XDP program
#    gone); a second stop signal exits at once with 128+signal and nothing
#    attached; SIGKILL of a process with an XDP program attached leaves
#    nothing on the interface (the program is on a bpf_link)
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip curl jq openssl
require_binary
lab_up "$(lab_name sig)"

TOKEN_FILE=$WORKDIR/token
(umask 077 && od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$TOKEN_FILE")
TOKEN=$(cat "$TOKEN_FILE")

# cert NAME CN: a self-signed certificate for IP_B in NAME.pem, key in
# NAME.key (mode 600).
cert() {
	(umask 077 && openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=$2" \
		-addext "subjectAltName=IP:$IP_B" -keyout "$WORKDIR/$1.key" \
		-out "$WORKDIR/$1.pem" >/dev/null 2>&1) || fatal "openssl could not make a certificate"
}
cert one linerate-one
cert two linerate-two

# real_pid TAG: the linerate process under bg_start's timeout.
real_pid() { ps -o pid= --ppid "${PID_OF[$1]}" | tr -d ' '; }

# xdp_on_b: the XDP programs on b's interface ("" when none).
xdp_on_b() {
	ip -n "$NS_B" -j link show dev "$DEV_B" |
		jq -r '.[0].xdp // empty | (.attached // [.]) | .[] | .prog.name' | sort | paste -sd' '
}

# ------------------------------------------------------------- file modes

chmod 644 "$TOKEN_FILE"
run_in perm-token "$NS_B" 10 "$LINERATE" server --api "$IP_B:9443" --token-file "$TOKEN_FILE"
assert_rc "a token file others may read: refused" $? 2
assert_true "the refusal names --allow-insecure-perms" grep -q -- --allow-insecure-perms "$(err perm-token)"
chmod 640 "$TOKEN_FILE"
run_in perm-token2 "$NS_B" 10 "$LINERATE" server --api "$IP_B:9443" --token-file "$TOKEN_FILE"
assert_rc "a token file the group may read: refused" $? 2
bg_start perm-ok "$NS_B" 20 "$LINERATE" server --api "$IP_B:9443" --token-file "$TOKEN_FILE" \
	--allow-insecure-perms
for ((i = 0; i < 50; i++)); do
	in_a curl -s -o /dev/null -m 1 "http://$IP_B:9443/v1/health" && break
	sleep 0.1
done
assert_eq "--allow-insecure-perms takes it" \
	"$(in_a curl -s -m 2 "http://$IP_B:9443/v1/health" | jq -r .status)" ok
# SIGHUP to a server without TLS: nothing to reload, and it serves on.
kill -HUP "$(real_pid perm-ok)"
sleep 0.5
assert_eq "SIGHUP to a plain server: it serves on" \
	"$(in_a curl -s -m 2 "http://$IP_B:9443/v1/health" | jq -r .status)" ok
kill -TERM "$(real_pid perm-ok)"
bg_wait perm-ok
assert_rc "... and stops with its cleanup on SIGTERM" $? 0
run_in perm-repl "$NS_B" 10 "$LINERATE" replicate --listen "$IP_B:7000" --api "$IP_B:9281" \
	--token-file "$TOKEN_FILE" --duration 1s
assert_rc "replicate: a token file others may read: refused" $? 2
assert_true "replicate: the refusal names --allow-insecure-perms" \
	grep -q -- --allow-insecure-perms "$(err perm-repl)"
chmod 600 "$TOKEN_FILE"
chmod 644 "$WORKDIR/one.key"
run_in perm-key "$NS_B" 10 "$LINERATE" server --api "$IP_B:9443" --token-file "$TOKEN_FILE" \
	--tls-cert "$WORKDIR/one.pem" --tls-key "$WORKDIR/one.key"
assert_rc "a TLS key others may read: refused" $? 2
assert_true "the refusal names --tls-key" grep -q -- --tls-key "$(err perm-key)"
chmod 600 "$WORKDIR/one.key"

# ------------------------------------------------------------- TLS

bg_start tls "$NS_B" 120 "$LINERATE" server --api "$IP_B:9443" --token-file "$TOKEN_FILE" \
	--tls-cert "$WORKDIR/one.pem" --tls-key "$WORKDIR/one.key" --data-ports 9400-9410
for ((i = 0; i < 50; i++)); do
	in_a curl -s -o /dev/null -m 1 --cacert "$WORKDIR/one.pem" "https://$IP_B:9443/v1/health" && break
	sleep 0.1
done
TLS_PID=$(real_pid tls)

# hello ARGS...: an openssl s_client handshake from a; prints
# "PROTOCOL CIPHER" of the session, or "refused".
hello() {
	local o
	o=$(in_a timeout 10 openssl s_client -connect "$IP_B:9443" -servername x "$@" </dev/null 2>&1)
	local proto cipher
	proto=$(sed -n 's/^ *Protocol *: *//p' <<<"$o" | head -n1)
	cipher=$(sed -n 's/^ *Cipher *: *//p' <<<"$o" | head -n1)
	[[ -z $cipher ]] && cipher=$(sed -n 's/.*Cipher is \(.*\)$/\1/p' <<<"$o" | head -n1)
	if grep -q 'BEGIN CERTIFICATE\|Server certificate' <<<"$o" && [[ -n $cipher && $cipher != "(NONE)" && $cipher != 0000 ]]; then
		echo "${proto:-?} $cipher"
	else
		echo refused
	fi
}
# The client is told it may speak the old protocols and suites (security
# level 0), so a refusal is the server's.
OLD='DEFAULT:@SECLEVEL=0'
r=$(hello -tls1 -cipher "$OLD")
assert_eq "TLS 1.0 refused" "$r" refused
r=$(hello -tls1_1 -cipher "$OLD")
assert_eq "TLS 1.1 refused" "$r" refused
r=$(hello -tls1_2 -cipher 'AES128-SHA:AES256-GCM-SHA384:@SECLEVEL=0')
assert_eq "TLS 1.2 with static RSA key exchange refused" "$r" refused
r=$(hello -tls1_2 -cipher 'ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:@SECLEVEL=0')
assert_eq "TLS 1.2 with ECDHE and CBC refused" "$r" refused
r=$(hello -tls1_2)
log "TLS 1.2: $r"
assert_true "TLS 1.2 accepted with ECDHE and AEAD ($r)" grep -qE 'ECDHE-(RSA|ECDSA)-(AES(128|256)-GCM|CHACHA20-POLY1305)' <<<"$r"
r=$(hello -tls1_3)
assert_true "TLS 1.3 accepted ($r)" grep -qE 'TLS_(AES_(128|256)_GCM|CHACHA20_POLY1305)' <<<"$r"
subject() {
	in_a timeout 10 openssl s_client -connect "$IP_B:9443" </dev/null 2>/dev/null |
		openssl x509 -noout -subject 2>/dev/null | sed 's/.*CN *= *//'
}
assert_eq "served certificate before SIGHUP" "$(subject)" linerate-one

# A session running across the reload.
r=$(in_a curl -s -m 10 --cacert "$WORKDIR/one.pem" -H "Authorization: Bearer $TOKEN" \
	--data '{"role":"sink","backend":"udp","duration":"60s"}' "https://$IP_B:9443/v1/sessions")
SID=$(jq -r .id <<<"$r")
assert_true "a session before the reload ($SID)" test -n "$SID" -a "$SID" != null
cp "$WORKDIR/two.pem" "$WORKDIR/one.pem"
cp "$WORKDIR/two.key" "$WORKDIR/one.key"
kill -HUP "$TLS_PID"
for ((i = 0; i < 50; i++)); do
	[[ $(subject) == linerate-two ]] && break
	sleep 0.2
done
assert_eq "served certificate after SIGHUP" "$(subject)" linerate-two
assert_true "the server still runs after SIGHUP" kill -0 "$TLS_PID"
r=$(in_a curl -s -m 10 --cacert "$WORKDIR/two.pem" -H "Authorization: Bearer $TOKEN" \
	"https://$IP_B:9443/v1/sessions/$SID")
assert_eq "the session runs on across the reload" "$(jq -r .state <<<"$r")" running
assert_true "the reload is logged" grep -q 'SIGHUP: certificate and key reloaded' "$(err tls)"
# A broken pair on SIGHUP: the old one stays in use.
echo garbage >"$WORKDIR/one.pem"
kill -HUP "$TLS_PID"
sleep 1
assert_eq "a bad certificate on SIGHUP: the old one is kept" "$(subject)" linerate-two
assert_true "a bad certificate on SIGHUP: said so" grep -q 'not a usable certificate and key' "$(err tls)"
assert_true "the server still runs after a bad SIGHUP" kill -0 "$TLS_PID"
kill -TERM "$TLS_PID"
bg_wait tls
assert_rc "the TLS server exits 0 on SIGTERM" $? 0

# ------------------------------------------------------------- signals and XDP

# start_xdp_recv TAG PORT: recv --backend xdp in b, waits for its program.
start_xdp_recv() {
	bg_start "$1" "$NS_B" 60 "$LINERATE" recv --backend xdp --listen "$IP_B:$2" --duration 50s
	for ((i = 0; i < 100; i++)); do
		if [[ -n $(xdp_on_b) ]]; then
			# Some traffic, so that a clean stop is exit 0 (a recv
			# that received nothing exits 3).
			run_in "feed-$1" "$NS_A" 20 "$LINERATE" send --backend udp \
				--dst "$IP_B:$2" --count 20 --rate 1kpps ||
				fatal "$1: feeding it failed ($(tail -n 2 "$(err "feed-$1")"))"
			return 0
		fi
		sleep 0.1
	done
	fatal "$1: no XDP program attached on $DEV_B ($(tail -n 2 "$(err "$1")"))"
}

start_xdp_recv hup 7001
assert_eq "recv --backend xdp: its program is attached" "$(xdp_on_b)" lr_sink
kill -HUP "$(real_pid hup)"
bg_wait hup
assert_rc "SIGHUP: recv stops with its cleanup" $? 0
assert_eq "SIGHUP: nothing left attached" "$(xdp_on_b)" ""

# timeout(1) passes one SIGTERM on twice (to its child, then to its
# process group): that is one stop, with the cleanup.
start_xdp_recv viatimeout 7004
kill -TERM "${PID_OF[viatimeout]}"
bg_wait viatimeout
assert_rc "SIGTERM through timeout(1), delivered twice at once: one stop" $? 0
assert_eq "... nothing left attached" "$(xdp_on_b)" ""

start_xdp_recv twice 7002
P=$(real_pid twice)
# Two different stop signals held while it is stopped arrive back to back.
kill -STOP "$P"
kill -TERM "$P"
kill -INT "$P"
kill -CONT "$P"
bg_wait twice
rc=$?
assert_true "a second stop signal exits at once with 128+signal (exit $rc)" test "$rc" = 130 -o "$rc" = 143
assert_eq "second signal: nothing left attached" "$(xdp_on_b)" ""

start_xdp_recv killed 7003
kill -KILL "$(real_pid killed)"
bg_wait killed
for ((i = 0; i < 20; i++)); do
	[[ -z $(xdp_on_b) ]] && break
	sleep 0.1
done
assert_eq "SIGKILL: nothing left attached (bpf_link)" "$(xdp_on_b)" ""
if [[ -n $(xdp_on_b) ]]; then
	in_b "$LINERATE" cleanup -i "$DEV_B" >/dev/null 2>&1
fi
finish
