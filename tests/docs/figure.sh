#!/bin/sh
# figure.sh - a figure the program is built with, for a page of docs/
# (tests/docs/docs.sh: <!-- fig: sh tests/docs/figure.sh ... -->).
#
#   figure.sh define NAME [DIVISOR]
#       the value of `#define NAME` in sim/ (its u/ull suffix dropped),
#       divided by DIVISOR if given (ns to ms: 1000000)
#   figure.sh count-kinds
#       how many event kinds sim/event.h has
set -eu

case "${1:-}" in
define)
    [ $# -ge 2 ] || { echo "usage: $0 define NAME [DIVISOR]" >&2; exit 2; }
    v=$(grep -rhE "^#define $2[[:space:]]+[0-9]+u?l?l?\b" sim |
        sed -E "s/^#define $2[[:space:]]+([0-9]+).*/\1/" | head -n 1)
    [ -n "$v" ] || { echo "$0: no #define $2 with a number in sim/" >&2; exit 1; }
    if [ $# -ge 3 ]; then
        awk -v v="$v" -v d="$3" 'BEGIN { printf "%g\n", v / d }'
    else
        echo "$v"
    fi
    ;;
count-kinds)
    sed -n '/^enum event_kind/,/EV_KIND_COUNT/p' sim/event.h |
        grep -cE '^[[:space:]]+EV_[A-Z_]+( = 0)?,'
    ;;
*)
    echo "usage: $0 define NAME [DIVISOR] | count-kinds" >&2
    exit 2
    ;;
esac
