#!/usr/bin/env bash
# Every flag a command takes appears in its --help and in its man page
# (build/contrib/linerate-CMD.1, made from the option rows at build time);
# `meson install` installs the pages and the completion; man renders a
# page; bash completion completes commands, flags and flag values.
# Every command lists its flags from its option rows (`linerate __options
# CMD`), and its parser must accept each one. No namespaces, no traffic:
# it needs only the build directory.
. "$(dirname "$0")/lib.sh"
require_binary
BUILD=${BUILD:-$(cd "$(dirname "$LINERATE")/.." && pwd)}
[[ -d $BUILD/contrib ]] || BUILD=$REPO_ROOT/build
MANDIR=$BUILD/contrib
[[ -f $MANDIR/linerate-send.1 ]] || fatal "no man pages in $MANDIR (make build makes them)"

commands=$("$LINERATE" --help | awk '/^commands:/ { on = 1; next } on && !NF { exit } on { print $1 }')
listed=$(python3 -c '
import re, sys
text = open(sys.argv[1]).read()
names = re.search(r"^man_commands = \[([^]]*)\]", text, re.M).group(1)
print(" ".join(sorted(re.findall(r"\x27([a-z0-9-]+)\x27", names))) + " ")
' "$REPO_ROOT/contrib/meson.build")
assert_eq "commands with a man page in contrib/meson.build" "$listed" \
	"$(tr ' ' '\n' <<<"$commands" | sort | tr '\n' ' ')"

# "COMMAND FLAG" lines: every command lists its rows' flags.
: >"$WORKDIR/flags"
not_on_model=()
for c in $commands; do
	if "$LINERATE" __options "$c" >"$WORKDIR/opts" 2>/dev/null; then
		sed "s/^/$c /" "$WORKDIR/opts" >>"$WORKDIR/flags"
	else
		not_on_model+=("$c")
	fi
done
assert_eq "commands without option rows" "${not_on_model[*]}" ""
assert_gt "flags of send from its rows" "$(grep -c '^send ' "$WORKDIR/flags")" 30
assert_gt "flags of all commands" "$(wc -l <"$WORKDIR/flags")" 200

missing_help=() missing_man=() refused=()
cmd=""
while read -r c flag; do
	if [[ $c != "$cmd" ]]; then
		cmd=$c
		"$LINERATE" "$c" --help >"$WORKDIR/help" 2>&1
		# The page's text with roff's \- and fonts undone.
		sed -e 's/\\-/-/g' -e 's/\\f[BIR]//g' "$MANDIR/linerate-$c.1" >"$WORKDIR/man"
	fi
	grep -qE -- "--$flag([^a-z0-9-]|\$)" "$WORKDIR/help" || missing_help+=("$c --$flag")
	grep -qE -- "--$flag([^a-z0-9-]|\$)" "$WORKDIR/man" || missing_man+=("$c --$flag")
	# The parser takes every row. An unknown flag follows it (as its
	# value or after it), so the command stops at parsing, never runs.
	if "$LINERATE" "$c" "--$flag" --no-such-x --no-such-y 2>&1 >/dev/null |
		grep -q -- "--$flag: unknown flag"; then
		refused+=("$c --$flag")
	fi
done <"$WORKDIR/flags"
assert_eq "flags missing from their command's --help" "${missing_help[*]}" ""
assert_eq "flags missing from the man pages" "${missing_man[*]}" ""
assert_eq "rows the parser refuses" "${refused[*]}" ""
# A flag no command has is refused: the check above can fail.
"$LINERATE" send --no-such-flag --no-such-x --no-such-y 2>"$WORKDIR/err" >/dev/null
assert_true "send --no-such-flag is an unknown flag" grep -q -- "--no-such-flag: unknown flag" "$WORKDIR/err"

# meson install: the pages, the completion; man renders a page.
DEST=$WORKDIR/destdir
if meson install -C "$BUILD" --no-rebuild --destdir "$DEST" >"$WORKDIR/install.log" 2>&1; then
	pass "meson install --destdir"
else
	fail "meson install --destdir: $(tail -3 "$WORKDIR/install.log")"
fi
page=$(find "$DEST" -path '*/man1/linerate-send.1' | head -1)
assert_true "linerate-send.1 installed" test -n "$page"
for c in $commands; do
	[[ -f ${page%/*}/linerate-$c.1 ]] || fail "linerate-$c.1 not installed"
done
assert_true "linerate.1 installed" test -f "${page%/*}/linerate.1"
if command -v man >/dev/null; then
	MANWIDTH=200 man -l "$page" >"$WORKDIR/rendered" 2>"$WORKDIR/man.err"
	assert_true "man -l renders linerate-send.1 (NAME)" grep -q "linerate-send - send test traffic" "$WORKDIR/rendered"
	assert_true "man -l renders linerate-send.1 (--dscp)" grep -qE -- "--dscp CLASS" "$WORKDIR/rendered"
	# A command called two ways has both in its SYNOPSIS, not the
	# second at the top of its DESCRIPTION.
	MANWIDTH=200 man -l "${page%/*}/linerate-hookcost.1" >"$WORKDIR/hc.rendered" 2>/dev/null
	assert_eq "linerate-hookcost.1: SYNOPSIS has both ways" \
		"$(sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' "$WORKDIR/hc.rendered" | grep -c 'linerate hookcost')" 2
	assert_eq "linerate-hookcost.1: DESCRIPTION starts with the text" \
		"$(sed -n '/^DESCRIPTION/{n;p;q}' "$WORKDIR/hc.rendered" | sed 's/^ *//' | cut -c1-40)" \
		"What an empty XDP or tc program costs on"
else
	fail "man is not installed (scripts/deps test)"
fi
bash_file=$(find "$DEST" -path '*/bash-completion/completions/linerate' | head -1)
zsh_file=$(find "$DEST" -path '*/zsh/site-functions/_linerate' | head -1)
assert_true "bash completion installed" test -n "$bash_file"
assert_true "zsh completion installed" test -n "$zsh_file"
assert_true "zsh completion starts with #compdef" grep -q "^#compdef linerate" "$zsh_file"

# complete WORDS...: what the bash completion offers for the last word.
complete_words() {
	bash -c '
		complete() { :; }
		. "$1"
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_linerate
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "
	' _ "$bash_file" "$@"
}
assert_eq "complete 'linerate st'" "$(complete_words linerate st)" "stamp stamp-reflect "
assert_eq "complete 'linerate send --du'" "$(complete_words linerate send --du)" "--duration "
assert_eq "complete 'linerate recv --per-flow'" "$(complete_words linerate recv --per-flow)" "--per-flow --per-flow-csv "
assert_eq "complete 'linerate send --backend af'" "$(complete_words linerate send --backend af)" "afpacket afxdp "
assert_eq "complete 'linerate stamp --timestamp '" "$(complete_words linerate stamp --timestamp '')" "ntp ptp "
assert_eq "complete 'linerate server --token'" "$(complete_words linerate server --token)" "--token-file "
# zsh: the installed function, in an interactive zsh on a pty, completes
# a flag of a command and the names of an enumerated flag's values.
if command -v zsh >/dev/null; then
	assert_true "zsh -n _linerate" zsh -n "$zsh_file"
	cat >"$WORKDIR/complete.zsh" <<'ZSH'
zmodload zsh/zpty
# type LINE<TAB> and wait (up to 10 s) for WANT on the screen
try() {
	local out="" chunk i
	zpty -w -n z $'\x15'"$1"$'\t'
	for ((i = 0; i < 100; i++)); do
		while zpty -r -t z chunk; do out+=$chunk; done
		[[ $out == *"$2"* ]] && return 0
		sleep 0.1
	done
	print -r -- "no '$2' after '$1'" >&2
	return 1
}
zpty z 'zsh -f -i'
zpty -w z "PS1='> '; PATH=$1:\$PATH; fpath=($2 \$fpath); autoload -Uz compinit; compinit -u -d $3"
try 'linerate send --dur' 'send --duration' &&
	try 'linerate recv --backend ' 'afpacket' &&
	try 'linerate stamp-r' 'stamp-reflect'
ZSH
	assert_true "zsh completes flags and values" timeout 60 zsh -f "$WORKDIR/complete.zsh" \
		"$(dirname "$LINERATE")" "$(dirname "$zsh_file")" "$WORKDIR/zcompdump"
else
	log "zsh not installed: its completion not run (scripts/deps test installs it)"
fi
finish
