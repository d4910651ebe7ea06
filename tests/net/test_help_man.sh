#!/usr/bin/env bash
# Every flag a command takes appears in its --help and in its section of the
# man page (build/contrib/linerate.1, made from the --help texts by
# scripts/gen-man). The flags are read from the sources, where they are
# declared today: the role rows of options.c (by role), getopt tables,
# stamp's rows, the API-client group and the strcmp loops. No namespaces,
# no traffic: it needs only the built binary and man page.
. "$(dirname "$0")/lib.sh"
require_binary
MAN=${MAN:-$REPO_ROOT/build/contrib/linerate.1}
[[ -f $MAN ]] || fatal "no man page at $MAN (make build makes it)"

# "COMMAND FLAG" lines, one per flag each command takes.
python3 - "$REPO_ROOT/src/cmd" >"$WORKDIR/flags" <<'PY'
import re, sys, os
src = sys.argv[1]
def read(f):
    return open(os.path.join(src, f)).read()
def rows(text):
    # { "name", ...  (getopt tables, row tables) and [ROW_X] = { "name", ...
    return set(re.findall(r'[{=]\s*\{?\s*"([a-z][a-z0-9-]*)"\s*,', text))
def literals(text):
    return set(re.findall(r'strcmp\(\s*a\s*,\s*"--([a-z][a-z0-9-]*)"', text))
api = read("api_client_opts.h")
api_rows = set(re.findall(r'X\([A-Z_]+,\s*"([a-z-]+)"', api.split("CMD_API_CLIENT_DATA_ROWS(X)")[0]))
api_data = set(re.findall(r'X\([A-Z_]+,\s*"([a-z-]+)"', api.split("#define CMD_API_CLIENT_DATA_ROWS(X)")[1].split("#define CMD_API_CLIENT_ENUM")[0]))
# options.c: { "name", has_arg, OPT_X, ROLES, ...
bits = {"R_SEND": 1, "R_RECV": 2, "R_REFLECT": 4, "R_PING": 8}
bits.update({"R_ALL": 15, "R_TX": 9, "R_RX": 6})
opts = read("traffic_opts.c") if os.path.exists(os.path.join(src, "traffic_opts.c")) else read("options.c")
role_flags = {r: set() for r in ("send", "recv", "reflect", "ping")}
for name, roles in re.findall(r'\{\s*"([a-z][a-z0-9-]*)",\s*[01],\s*OPT_[A-Z_]+,\s*([A-Z_ |]+),', opts):
    mask = 0
    for r in roles.split("|"):
        mask |= bits[r.strip()]
    for i, r in enumerate(("send", "recv", "reflect", "ping")):
        if mask & (1 << i):
            role_flags[r].add(name)
cmds = dict(role_flags)
cmds["probe"] = rows(read("iface_args.c")) | {"json"}
cmds["cleanup"] = rows(read("iface_args.c")) | {"force"}
# The option model's rows: ".name = "flag"" (the API-server group is
# shared by server and replicate).
api_server = rows(read("api_server_auth.c"))
cmds["server"] = rows(read("server.c")) | api_server
cmds["replicate"] = rows(read("replicate.c")) | api_server
cmds["client"] = (rows(read("client.c")) - {"dst", "listen", "client"}) | api_rows | api_data
cmds["mesh"] = rows(read("mesh.c")) | api_rows
cmds["hookcost"] = rows(read("../hookcost/hookcost_args.c") if os.path.exists(os.path.join(src, "../hookcost/hookcost_args.c")) else read("hookcost_args.c")) | api_rows
cmds["rfc2544"] = rows(read("rfc2544.c")) | api_rows
cmds["subscribers"] = rows(read("subscribers.c")) | api_rows
cmds["stamp"] = rows(read("stamp.c"))
cmds["stamp-reflect"] = rows(read("stamp_reflect.c"))
for c, flags in sorted(cmds.items()):
    for f in sorted(flags - {"help", c}):
        print(c, f)
PY
n=$(wc -l <"$WORKDIR/flags")
assert_gt "flags read from the sources" "$n" 100

# Each command's section of the man page.
section() {
	awk -v c="linerate $1" '$0 == ".SS " c { on = 1; next } on && /^\.SS / { exit } on' "$MAN"
}
missing_help=() missing_man=()
cmd=""
while read -r c flag; do
	if [[ $c != "$cmd" ]]; then
		cmd=$c
		"$LINERATE" "$c" --help >"$WORKDIR/help" 2>&1
		section "$c" >"$WORKDIR/man"
		[[ -s $WORKDIR/man ]] || fail "$c: no section in the man page"
	fi
	grep -qE -- "--$flag([^a-z0-9-]|\$)" "$WORKDIR/help" || missing_help+=("$c --$flag")
	grep -qE -- "--$flag([^a-z0-9-]|\$)" "$WORKDIR/man" || missing_man+=("$c --$flag")
done <"$WORKDIR/flags"
assert_eq "flags missing from their command's --help" "${missing_help[*]}" ""
assert_eq "flags missing from the man page" "${missing_man[*]}" ""
finish
