#!/bin/sh
# run-all.sh BUILD - run every test suite; print cmocka's summary lines;
# exit non-zero if any suite failed.
build=${1:-build/rel}
fail=0
for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	echo "== $(basename "$t")"
	"$t" || fail=1
done
exit $fail
