#!/bin/sh
# golden.sh - the golden traces of the bundled scenarios.
#
#   sh tests/golden/golden.sh write [NAME...]  (re)write tests/golden/NAME.jsonl
#                                              (`make golden` writes them all)
#   sh tests/golden/golden.sh check NAME       compare NAME's trace with its
#                                              golden file: prints the start of
#                                              a diff and exits 1 if they differ
#   sh tests/golden/golden.sh check NAME FILE  the same for a JSON trace of NAME
#                                              already written to FILE (a test
#                                              that played it once, to check it
#                                              passes, reuses that play)
#
# A golden trace is what `ringside --headless --trace=jsonl scenarios/NAME.lua`
# writes: every event, the narration, every expect and the summary, so any
# change in behaviour shows as a diff.  One thing is left out to keep the
# files readable: port accesses (io events, and the callouts or VM exits of
# IN and OUT instructions), tens of thousands of them when a guest prints
# character by character or polls its timer.  Their effects stay: the
# guests' output lines, the interrupts, and the counts the expects report.
#
# Run from the repository root.  RINGSIDE names the binary (./ringside).
set -u
bin=${RINGSIDE:-./ringside}
dir=tests/golden

# What a golden trace keeps of a JSON trace (stdin to stdout).
keep() {
	grep -v -E '"kind":"io"' |
		grep -v -E '"kind":"trap".*"insn":"(in|out|ins|outs)".*"action":"(callout|vm-exit)"'
}

trace() {
	"$bin" --headless --trace=jsonl "scenarios/$1.lua" | keep
}

case "${1:-}" in
write)
	shift
	if [ $# -eq 0 ]; then
		set -- $(cd scenarios && ls *.lua | sed 's/\.lua$//')
	fi
	for name in "$@"; do
		trace "$name" > "$dir/$name.jsonl.new" &&
			mv "$dir/$name.jsonl.new" "$dir/$name.jsonl" &&
			echo "wrote $dir/$name.jsonl ($(wc -l < "$dir/$name.jsonl") lines)"
	done
	;;
check)
	name=$2
	if [ ! -f "$dir/$name.jsonl" ]; then
		echo "no golden trace $dir/$name.jsonl: write it with make golden" >&2
		exit 1
	fi
	tmp=$(mktemp "${TMPDIR:-/tmp}/ringside-golden-XXXXXX")
	if [ $# -ge 3 ]; then
		keep < "$3" > "$tmp"
	else
		trace "$name" > "$tmp"
	fi
	if cmp -s "$dir/$name.jsonl" "$tmp"; then
		rm -f "$tmp"
		exit 0
	fi
	echo "scenarios/$name.lua no longer matches $dir/$name.jsonl:"
	diff -u "$dir/$name.jsonl" "$tmp" | head -40
	echo "(if the change is intended: make golden, and commit the new trace)"
	rm -f "$tmp"
	exit 1
	;;
*)
	echo "usage: sh tests/golden/golden.sh write [NAME...] | check NAME [FILE]" >&2
	exit 2
	;;
esac
