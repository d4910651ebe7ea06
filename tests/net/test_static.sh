#!/usr/bin/env bash
# The static binary (make static) runs from a root that holds nothing but
# itself: --version, send/recv and server/client in the lab, each run
# chrooted into an empty directory with only /proc (and, for the server's
# token, one file) added. Exact counts on both ends. Skips when there is no
# static build (make static needs the Debian source archive, see
# docs/install.md). LINERATE_STATIC picks the binary.
# time-limit: 150
. "$(dirname "$0")/lib.sh"
require_root
STATIC=${LINERATE_STATIC:-$REPO_ROOT/build-static/linerate}
if [[ ! -x $STATIC ]]; then
	log "SKIP: no static binary at $STATIC (run make static)"
	exit 77
fi
require_cmd ip jq file
assert_true "the binary is statically linked" bash -c "file -L '$STATIC' | grep -q 'statically linked'"

ROOT=$WORKDIR/root
mkdir -p "$ROOT/proc" "$ROOT/tmp"
cp "$STATIC" "$ROOT/linerate"
# The root holds nothing but the binary and two empty mount points.
assert_eq "the root holds only linerate" "$(cd "$ROOT" && find . -type f | sort | tr '\n' ' ')" "./linerate "
mount -t proc proc "$ROOT/proc"
on_cleanup "umount '$ROOT/proc'"
mount -t tmpfs -o size=1m tmpfs "$ROOT/tmp"
on_cleanup "umount '$ROOT/tmp'"

rc=0
timeout 10 chroot "$ROOT" /linerate --version >"$(out version)" 2>&1 || rc=$?
assert_rc "--version in the empty root" "$rc" 0
assert_true "--version says no TLS" grep -q "client: libcurl .* (TLS: no)" "$(out version)"

lab_up "$(lab_name t)"
bg_start recv "$NS_B" 40 chroot "$ROOT" /linerate recv --listen "$IP_B:7000" \
	--backend udp --idle-timeout 1s --duration 30s --json
wait_udp_listen "$NS_B" 7000
run_in send "$NS_A" 30 chroot "$ROOT" /linerate send --dst "$IP_B:7000" --backend udp \
	--size 64 --rate 20kpps --count 5000 --json
assert_rc "send from the empty root" $? 0
bg_wait recv
assert_rc "recv in the empty root" $? 0
assert_eq "send: packets" "$(jget "$(out send)" .tx.packets)" 5000
assert_eq "recv: packets" "$(jget "$(out recv)" .rx.packets)" 5000
assert_eq "recv: lost" "$(jget "$(out recv)" .rx.lost)" 0

head -c 24 /dev/urandom | base64 | tr -d '\n=' >"$ROOT/tmp/token"
bg_start server "$NS_B" 60 chroot "$ROOT" /linerate server --api "$IP_B" \
	--token-file /tmp/token --max-duration 30s
ok=0
for ((i = 0; i < 100; i++)); do
	in_a chroot "$ROOT" /linerate client "$IP_B" --token-file /tmp/token --rtt \
		--count 1 --quiet >/dev/null 2>&1 && { ok=1; break; }
	sleep 0.1
done
assert_eq "the static server answers the static client" "$ok" 1
run_in client "$NS_A" 40 chroot "$ROOT" /linerate client "$IP_B" --token-file /tmp/token \
	--backend udp --size 64 --rate 20kpps --count 5000 --json
assert_rc "client from the empty root" $? 0
assert_eq "client: sent" "$(jget "$(out client)" .local_send.tx.packets)" 5000
assert_eq "client: the server received" "$(jget "$(out client)" .server_sink.rx.packets)" 5000
run_in reverse "$NS_A" 40 chroot "$ROOT" /linerate client "$IP_B" --token-file /tmp/token \
	--backend udp --size 64 --rate 20kpps --count 5000 --reverse --json
assert_rc "reverse client from the empty root" $? 0
assert_eq "reverse: received" "$(jget "$(out reverse)" .local_recv.rx.packets)" 5000
run_in tls "$NS_A" 10 chroot "$ROOT" /linerate client "$IP_B" --token-file /tmp/token \
	--tls --rtt --count 1
assert_rc "--tls is refused by the HTTP-only static client (a usage error)" $? 2
assert_true "the refusal says why" grep -q "has no TLS" "$(err tls)"
finish
