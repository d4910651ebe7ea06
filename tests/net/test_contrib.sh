#!/usr/bin/env bash
# contrib/: the Kubernetes DaemonSet's server command line, run as written
# (paths moved into the work directory), starts a server that takes the
# token and allows exactly the peers; its /metrics passes `promtool check
# metrics` and has every metric the Grafana dashboard and the Prometheus
# rules use; the Prometheus configuration and rules pass promtool.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq curl python3
require_binary
python3 -c 'import yaml' 2>/dev/null || fatal "python3-yaml is missing (scripts/deps test installs it)"
C=$REPO_ROOT/contrib
lab_up "$(lab_name k)"

# ---- the DaemonSet
M=$C/k8s/linerate-daemonset.yaml
q() { python3 -c "import yaml,sys; d=yaml.safe_load(open('$M')); print($1)"; }
assert_eq "daemonset: kind" "$(q "d['kind']")" DaemonSet
assert_eq "daemonset: hostNetwork" "$(q "d['spec']['template']['spec']['hostNetwork']")" True
assert_eq "daemonset: token from the Secret" \
	"$(q "[v['secret']['secretName'] for v in d['spec']['template']['spec']['volumes'] if 'secret' in v][0]")" linerate-token
assert_eq "daemonset: capabilities" \
	"$(q "' '.join(d['spec']['template']['spec']['containers'][0]['securityContext']['capabilities']['add'])")" \
	"NET_RAW NET_ADMIN BPF PERFMON SYS_ADMIN IPC_LOCK"
ARGS=$(q "d['spec']['template']['spec']['containers'][0]['args'][0]")
mkdir -p "$WORKDIR/etc/linerate" "$WORKDIR/etc/linerate-peers"
head -c 24 /dev/urandom | base64 | tr -d '\n=' >"$WORKDIR/etc/linerate/token"
# The node's own address is in the list, as kubectl prints it; the command
# must leave it out.
printf '%s\n%s\n%s\n' "$IP_B" "$IP_A" 10.99.99.99 >"$WORKDIR/etc/linerate-peers/peers"
ARGS=${ARGS//\/etc\//$WORKDIR\/etc\/}
ARGS=${ARGS/exec linerate /exec $LINERATE }
bg_start server "$NS_B" 60 env NODE_IP="$IP_B" /bin/sh -c "$ARGS --verbose"
TOKEN=$(cat "$WORKDIR/etc/linerate/token")
up=0
for ((i = 0; i < 100; i++)); do
	in_a curl -s -m 1 "http://$IP_B:9270/v1/health" >/dev/null 2>&1 && { up=1; break; }
	sleep 0.1
done
assert_eq "the manifest's command starts a server on NODE_IP" "$up" 1
assert_eq "it wants the token" "$(in_a curl -s -o /dev/null -w '%{http_code}' -m 2 "http://$IP_B:9270/v1/sessions")" 401
# A sink for a peer: allowed for a listed address, refused for another.
sink() {
	in_a curl -s -o /dev/null -w '%{http_code}' -m 5 -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' --data-binary "{\"role\":\"sink\",\"duration\":1,\"peer\":\"$1\"}" \
		"http://$IP_B:9270/v1/sessions"
}
assert_eq "a peer from the list is allowed" "$(sink 10.99.99.99)" 201
assert_eq "a peer not in the list is refused" "$(sink 10.99.99.98)" 403

# Some traffic, so the counters are not all zero.
printf '%s' "$TOKEN" >"$WORKDIR/token"
run_in client "$NS_A" 30 "$LINERATE" client "$IP_B" --token-file "$WORKDIR/token" \
	--backend udp --rate 10kpps --count 3000 --json
assert_rc "a client run" $? 0

# ---- /metrics, the dashboard and the rules
in_a curl -s -m 5 -H "Authorization: Bearer $TOKEN" "http://$IP_B:9270/metrics" >"$WORKDIR/metrics"
assert_eq "metrics: rx packets counted" "$(awk '$1 == "linerate_rx_packets_total" { print $2 }' "$WORKDIR/metrics")" 3000
used=$( {
	jq -r '.. | objects | (.expr?, .definition?) // empty' "$C/grafana/linerate-dashboard.json"
	grep 'expr:' -A3 "$C/prometheus/linerate-rules.yml"
} | grep -o 'linerate_[a-z_]*' | sort -u)
missing=""
for m in $used; do
	grep -q "^$m[ {]" "$WORKDIR/metrics" || missing+=" $m"
done
assert_eq "every metric the dashboard and rules use is served (missing:$missing)" "$missing" ""
assert_gt "the dashboard uses metrics" "$(wc -w <<<"$used")" 5
assert_true "dashboard: JSON with panels" jq -e '.panels | length > 5' "$C/grafana/linerate-dashboard.json"
if command -v promtool >/dev/null; then
	assert_true "promtool check metrics" bash -c "promtool check metrics <'$WORKDIR/metrics'"
	P=$WORKDIR/prom
	mkdir -p "$P"
	cp "$C/prometheus/prometheus.yml" "$C/prometheus/linerate-rules.yml" "$P/"
	printf '%s' "$TOKEN" >"$P/linerate-token"
	echo "- targets: [\"$IP_B:9270\"]" >"$P/linerate-nodes.yml"
	assert_true "promtool check config" promtool check config "$P/prometheus.yml"
	assert_true "promtool check rules" promtool check rules "$C/prometheus/linerate-rules.yml"
else
	log "no promtool: the Prometheus files are only checked as YAML"
	assert_true "prometheus.yml is YAML" python3 -c "import yaml; yaml.safe_load(open('$C/prometheus/prometheus.yml'))"
fi
assert_true "the k8s scrape snippet is YAML" python3 -c "import yaml; yaml.safe_load(open('$C/prometheus/linerate-k8s-scrape.yml'))"
finish
