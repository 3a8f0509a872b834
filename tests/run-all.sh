#!/bin/sh
# run-all.sh BUILD - run every test suite in BUILD/tests from the repository
# root, each printing cmocka's summary lines; then one line per suite.
# Exits non-zero if any suite failed.
build=${1:-build/rel}
# A suite that cannot run here exits 77 (testlib's TL_SKIPPED): skipped,
# which is reported as such and is neither a pass nor a failure.
fail=0
passed=""
skipped=""
failed=""
for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	# a binary left in BUILD by a suite since split or removed is not run
	[ -f "tests/unit/$name.c" ] || continue
	echo "== $name"
	"$t"
	rc=$?
	if [ $rc -eq 0 ]; then
		passed="$passed $name"
	elif [ $rc -eq 77 ]; then
		skipped="$skipped $name"
	else
		failed="$failed $name"
		fail=1
	fi
done
echo "== suites passed:${passed:- none}"
[ -z "$skipped" ] || echo "== suites SKIPPED:$skipped"
[ -z "$failed" ] || echo "== suites FAILED:$failed"
exit $fail
