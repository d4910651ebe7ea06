#!/usr/bin/env bash
# IPv6 over loopback in a namespace of the test's own: send's default
# size is the smallest IPv6 frame (84 bytes, not 64), and every packet
# arrives.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq
require_binary
NS=lr6$$
ip netns add "$NS" || fatal "ip netns add $NS"
on_cleanup ip netns del "$NS"
ip -n "$NS" link set lo up
ip netns exec "$NS" sysctl -qw net.ipv6.conf.lo.disable_ipv6=0
bg_start recv "$NS" 20 "$LINERATE" recv --backend udp --listen '[::1]:7000' --idle-timeout 1s --json
wait_udp_listen "$NS" 7000 || fatal "the receiver did not bind [::1]:7000"
run_in send "$NS" 20 "$LINERATE" send --backend udp --dst '[::1]:7000' --rate 1kpps --count 500 --json
assert_rc "send to [::1] without --size" $? 0
assert_eq "default IPv6 frame size" "$(jget "$(out send)" .config.frame_size)" 84
bg_wait recv
assert_rc "recv" $? 0
assert_eq "received" "$(jget "$(out recv)" .rx.packets)" 500
assert_eq "lost" "$(jget "$(out recv)" .rx.lost)" 0
run_in send63 "$NS" 10 "$LINERATE" send --backend udp --dst '[::1]:7000' --size 64 --count 1
assert_rc "an explicit --size 64 over IPv6 is refused" $? 2
finish
