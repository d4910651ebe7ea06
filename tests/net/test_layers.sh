#!/usr/bin/env bash
# The layering of src/ (docs/architecture.md): a file includes only its
# own layer's headers and those of the layers below it, never one above,
# and the applications (hookcost, search, replicator, mesh) do not include
# each other. Reads the sources only: no lab, no root.
#
#   cmd > hookcost search replicator mesh > api > stamp > engine
#       > backend > bpf > lib
. "$(dirname "$0")/lib.sh"
SRC=$REPO_ROOT/src
declare -A RANK=([lib]=0 [bpf]=1 [backend]=2 [engine]=3 [stamp]=4 [api]=5
	[hookcost]=6 [search]=6 [replicator]=6 [mesh]=6 [cmd]=7)
# Known upward includes (none left since issue 14). An entry that no
# longer holds is reported, to be taken off the list.
EXCEPTIONS=(
)
is_exception() {
	local e
	for e in "${EXCEPTIONS[@]}"; do
		[[ $e == "$1 $2" ]] && return 0
	done
	return 1
}

[[ -d $SRC/lib && -d $SRC/cmd ]] || fatal "no source tree at $SRC"
bad=0 seen=0
declare -A USED=()
while IFS= read -r file; do
	rel=${file#"$SRC"/}
	layer=${rel%%/*}
	[[ -n ${RANK[$layer]:-} ]] || {
		fail "$rel: a directory the layering does not know (add it to RANK and docs/architecture.md)"
		bad=$((bad + 1))
		continue
	}
	while IFS= read -r inc; do
		seen=$((seen + 1))
		to=${inc%%/*}
		[[ -n ${RANK[$to]:-} ]] || continue # a generated header (*.skel.h)
		[[ $to == "$layer" ]] && continue
		if ((RANK[$to] < RANK[$layer])); then
			continue
		fi
		if is_exception "$rel" "$inc"; then
			USED["$rel $inc"]=1
			continue
		fi
		if ((RANK[$to] == RANK[$layer])); then
			fail "$rel includes $inc: $layer and $to are peers"
		else
			fail "$rel includes $inc: $to is above $layer"
		fi
		bad=$((bad + 1))
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([a-z_]*\/[^"]*\)".*/\1/p' "$file")
done < <(find "$SRC" -name '*.[ch]' | sort)

assert_gt "includes read" "$seen" 100
assert_eq "includes that run up the layers (outside the known exceptions)" "$bad" 0
for e in "${EXCEPTIONS[@]}"; do
	[[ -n ${USED[$e]:-} ]] ||
		log "exception no longer needed, take it off the list: $e"
done
finish
