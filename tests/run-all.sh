#!/bin/sh
# run-all.sh BUILD - run every test suite in BUILD/tests from the repository
# root, JOBS at a time (default: one per core), each printing cmocka's
# summary lines as it finishes; then one line per outcome.
# Exits non-zero if any suite failed.
#
# The suites are independent processes: each makes its own temporary files
# (mkstemp, or a name with its pid) and its own tmux server (tmux -L with
# its pid), so two can run at once.  A suite's output is printed whole when
# it ends, under a lock, so the outputs of suites that run together do not
# interleave.
build=${1:-build/rel}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 1)}
work=$(mktemp -d "${TMPDIR:-/tmp}/ringside-run-all.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM

# run_one NAME: one suite, its output kept in WORK/NAME.log and its exit
# status in WORK/NAME.rc, then printed.  A suite that hangs is stopped
# after SUITE_TIMEOUT seconds (default 900: the slowest, test_hostile
# under the sanitizers, took 153 s on a busy 2-core machine) and fails
# with a line that says so, rather than holding CI until its own limit.
run_one='
	name=$1
	start=$(date +%s)
	timeout -k 10 "$SUITE_TIMEOUT" "$BUILD/tests/$name" >"$WORK/$name.log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	[ $rc != 124 ] && [ $rc != 137 ] ||
		echo "== $name: stopped after $SUITE_TIMEOUT s (SUITE_TIMEOUT): it hung or ran too long" >>"$WORK/$name.log"
	echo $rc >"$WORK/$name.rc"
	{
		flock 9
		echo "$secs $name" >>"$WORK/durations"
		echo "== $name ($secs s)"
		cat "$WORK/$name.log"
	} 9>>"$WORK/lock"
'

: >"$work/found"
for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	# a binary left in BUILD by a suite since split or removed is not run
	[ -f "tests/unit/$name.c" ] || continue
	echo "$name" >>"$work/found"
done
# The slowest suites start first, so the last to start are short ones and
# the cores finish together: ordered by how long each took last time
# (BUILD/tests/durations, written below); a suite not timed yet counts as
# slow.
last="$build/tests/durations"
while read -r name; do
	secs=$(awk -v n="$name" '$2 == n { s = $1 } END { print s == "" ? 999999 : s }' \
		"$last" 2>/dev/null || echo 999999)
	echo "$secs $name"
done <"$work/found" | sort -k1,1nr -k2 | awk '{ print $2 }' >"$work/list"

BUILD=$build WORK=$work SUITE_TIMEOUT=${SUITE_TIMEOUT:-900} xargs -P "$jobs" -n 1 sh -c "$run_one" sh \
	<"$work/list"
[ ! -f "$work/durations" ] || sort -k2 "$work/durations" >"$last"

# A suite that cannot run here exits 77 (testlib's TL_SKIPPED): skipped,
# which is reported as such and is neither a pass nor a failure.  One with
# no status file never ran to its end (the runner was stopped): failed.
fail=0
passed=""
skipped=""
failed=""
while read -r name; do
	rc=$(cat "$work/$name.rc" 2>/dev/null || echo none)
	if [ "$rc" = 0 ]; then
		passed="$passed $name"
	elif [ "$rc" = 77 ]; then
		skipped="$skipped $name"
	else
		failed="$failed $name"
		fail=1
	fi
done <"$work/list"
echo "== suites passed:${passed:- none}"
[ -z "$skipped" ] || echo "== suites SKIPPED:$skipped"
[ -z "$failed" ] || echo "== suites FAILED:$failed"
exit $fail
