#!/bin/sh
# test-names.sh [PAGE...] - every test a page of docs names, as
# "test_cli `usage_errors`, `bad_files`" (docs/bad-input.md gives one per
# row), is a test of that suite: a cmocka_unit_test(NAME) in
# tests/unit/test_cli.c.  So a suite split or a test renamed leaves no
# stale row.  Prints each name that is not, and exits 1 if there is one.
# Run from the repository root; with no PAGE, docs/*.md.
set -u
[ $# -gt 0 ] || set -- docs/*.md
status=0
for page in "$@"; do
    # "test_x `a`, `b`" -> "test_x:a test_x:b"
    for pair in $(grep -o 'test_[a-z0-9_]*\( `[a-z0-9_]*`,\{0,1\}\)\{1,\}' "$page" |
                  tr -d '`,' | awk '{ for (i = 2; i <= NF; i++) print $1 ":" $i }'); do
        suite=${pair%%:*}
        name=${pair#*:}
        if ! grep -q "cmocka_unit_test[a-z_]*($name[,)]" "tests/unit/$suite.c" 2>/dev/null; then
            echo "$page: $suite \`$name\` is not a test of tests/unit/$suite.c"
            status=1
        fi
    done
done
exit $status
