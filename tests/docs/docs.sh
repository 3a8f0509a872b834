#!/bin/sh
# docs.sh - the figures and captures docs/ quotes, produced by the program.
#
# Usage: sh tests/docs/docs.sh write    rewrite every generated block
#        sh tests/docs/docs.sh check    exit 1 (and show a diff) if a doc
#                                       disagrees with the program
#        sh tests/docs/docs.sh write bench
#                                       rewrite the <!-- bench: --> blocks
#
# Host times vary from run to run, so they are in `bench` blocks instead:
# `make bench-docs` writes them (on a quiet machine), and nothing checks
# them; they are still the program's output, never typed.
#
# A generated block in a page of docs/ is
#
#     <!-- docs: COMMAND -->
#     ```
#     $ COMMAND
#     (its output, run from the repository root with sh)
#     ```
#     <!-- /docs -->
#
# A figure in a sentence is
#
#     a trap costs <!-- fig: COMMAND -->2000<!-- /fig --> cycles
#
# (a rendered page shows "a trap costs 2000 cycles"): the text between the
# markers is COMMAND's output, its lines joined by spaces.  COMMAND must
# not contain "-->"; tests/docs/figure.sh prints the figures the program
# is built with (`figure.sh define COST_TRAP`).
#
# `make docs` writes them; test_docs (part of `make test`) checks them, so
# no figure in docs/ can go stale: change the program, run `make docs`,
# read the diff, commit it.  DOCS_DIR=dir checks another folder of pages
# (README.md is checked too).
set -eu

mode=${1:-check}
mark=${2:-docs}
case "$mode" in write|check) ;; *) echo "usage: $0 write|check [docs|bench]" >&2; exit 2 ;; esac
case "$mark" in docs|bench) ;; *) echo "usage: $0 write|check [docs|bench]" >&2; exit 2 ;; esac
[ -x ./ringside ] || { echo "$0: build ./ringside first (make build)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
pages="${DOCS_DIR:-docs}/*.md"
[ -n "${DOCS_DIR:-}" ] || pages="$pages README.md"
for page in $pages; do
    grep -q "^<!-- $mark: \|<!-- fig: " "$page" || continue
    awk -v tmp="$tmp" -v mark="$mark" '
        # run cmd; its output is in the file tmp "/out"
        function run(cmd,    script) {
            script = tmp "/cmd.sh"
            print cmd > script
            close(script)
            if (system("sh " script " > " tmp "/out 2>&1") != 0) {
                print "docs.sh: the command failed: " cmd > "/dev/stderr"
                failed = 1
            }
        }
        # the output of cmd, its lines joined by spaces
        function joined(cmd,    line, text, n) {
            run(cmd)
            text = ""
            n = 0
            while ((getline line < (tmp "/out")) > 0)
                text = text (n++ ? " " : "") line
            close(tmp "/out")
            return text
        }
        # every <!-- fig: CMD -->VALUE<!-- /fig --> of a line, VALUE rewritten
        function figures(s,    head, i, j, k, cmd) {
            head = ""
            while ((i = index(s, "<!-- fig: ")) > 0) {
                j = index(substr(s, i), " -->")
                k = index(substr(s, i), "<!-- /fig -->")
                if (j == 0 || k == 0 || k < j) {
                    print "docs.sh: unterminated figure: " s > "/dev/stderr"
                    failed = 1
                    break
                }
                cmd = substr(s, i + 10, j - 11)
                head = head substr(s, 1, i - 1) "<!-- fig: " cmd " -->" joined(cmd) "<!-- /fig -->"
                s = substr(s, i + k - 1 + 13)
            }
            return head s
        }
        mark == "docs" && !skipping && index($0, "<!-- fig: ") { print figures($0); next }
        $0 ~ "^<!-- " mark ": .* -->$" {
            print
            cmd = $0
            sub("^<!-- " mark ": ", "", cmd)
            sub(/ -->$/, "", cmd)
            print "```"
            print "$ " cmd
            run(cmd)
            while ((getline line < (tmp "/out")) > 0)
                print line
            close(tmp "/out")
            print "```"
            skipping = 1
            next
        }
        $0 == "<!-- /" mark " -->" { skipping = 0; print; next }
        !skipping { print }
        END { if (skipping) { print "docs.sh: unterminated block" > "/dev/stderr"; exit 1 }
              if (failed) exit 1 }
    ' "$page" > "$tmp/new" || { echo "$0: $page: a block failed" >&2; status=1; continue; }
    if ! cmp -s "$page" "$tmp/new"; then
        if [ "$mode" = write ]; then
            cp "$tmp/new" "$page"
            echo "wrote $page"
        else
            echo "$page disagrees with the program (run make docs):" >&2
            diff -u "$page" "$tmp/new" | head -40 >&2 || true
            status=1
        fi
    fi
done
exit $status
