#!/bin/sh
# run-all.sh BUILD - run every test suite in BUILD/tests from the repository
# root, each printing cmocka's summary lines; then one line per suite.
# Exits non-zero if any suite failed.
build=${1:-build/rel}
fail=0
passed=""
failed=""
for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	echo "== $name"
	if "$t"; then
		passed="$passed $name"
	else
		failed="$failed $name"
		fail=1
	fi
done
echo "== suites passed:${passed:- none}"
[ -z "$failed" ] || echo "== suites FAILED:$failed"
exit $fail
