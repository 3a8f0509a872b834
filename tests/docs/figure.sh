#!/bin/sh
# figure.sh - a figure the program is built with, for a page of docs/
# (tests/docs/docs.sh: <!-- fig: sh tests/docs/figure.sh ... -->).
#
#   figure.sh define NAME [DIVISOR]
#       the value of `#define NAME` in sim/, visual/ or lua/ (a number or a constant
#       expression such as (1u << 20) or (10 * OTHER_NAME), its u/ull
#       suffixes dropped),
#       divided by DIVISOR if given (ns to ms: 1000000); the #define may
#       continue on the next lines (a trailing backslash) and OR its
#       terms: (X86_CR0_PE | X86_CR0_PG)
#   figure.sh hex NAME
#       the same value as eight hex digits, as a register is shown (e0010021)
#   figure.sh count-kinds
#       how many event kinds sim/event.h has
#   figure.sh said GUEST MODE LABEL WHICH
#       what GUEST prints under --mode=MODE on its line "LABEL: ...": the
#       value after WHICH if WHICH ends in "=" (holes.elf's "sgdt:
#       base=ffc00000 limit=ffff" gives ffc00000 for base=), else its
#       WHICH-th word after the label; a trailing comma dropped
set -eu

case "${1:-}" in
define)
    [ $# -ge 2 ] || { echo "usage: $0 define NAME [DIVISOR]" >&2; exit 2; }
    # the expression after the name, its continuation lines joined,
    # comments and u/l suffixes dropped
    e=$(find sim visual lua -name '*.[ch]' -exec awk -v name="$2" '
            on { line = line " " $0 }
            !on && $1 == "#define" && $2 == name { on = 1; line = $0 }
            on && !/\\$/ { print line; exit }
            on { sub(/\\$/, "", line) }' {} + | head -n 1 |
        sed -E "s|^#define[[:space:]]+$2[[:space:]]+||; s|/\*[^*]*\*/||g; s|/\*.*||; s|//.*||; s/[[:space:]]+/ /g; s/ $//" |
        sed -E 's/(0x[0-9a-fA-F]+|[0-9]+)[uUlL]+/\1/g')
    # a name in it is another #define: its value
    for n in $(printf '%s\n' "$e" | grep -oE '\b[A-Z_][A-Z0-9_]*\b' || true); do
        e=$(printf '%s\n' "$e" | sed -E "s/\b$n\b/$(sh "$0" define "$n")/g")
    done
    case "$e" in
    *[0-9]*) ;;
    *) echo "$0: no #define $2 with a number in sim/, visual/ or lua/" >&2; exit 1 ;;
    esac
    case "$e" in
    *[!0-9a-fA-Fx\ \(\)\<\>\*+\|-]*)
        echo "$0: $2 is not a constant expression: $e" >&2; exit 1 ;;
    esac
    v=$(($e))
    if [ $# -ge 3 ]; then
        awk -v v="$v" -v d="$3" 'BEGIN { printf "%g\n", v / d }'
    else
        echo "$v"
    fi
    ;;
hex)
    [ $# -eq 2 ] || { echo "usage: $0 hex NAME" >&2; exit 2; }
    v=$(sh "$0" define "$2")
    printf '%08x\n' "$v"
    ;;
count-kinds)
    sed -n '/^enum event_kind/,/EV_KIND_COUNT/p' sim/event.h |
        grep -cE '^[[:space:]]+EV_[A-Z_]+( = 0)?,'
    ;;
said)
    [ $# -eq 5 ] || { echo "usage: $0 said GUEST MODE LABEL WHICH" >&2; exit 2; }
    v=$(./ringside --headless --quiet --mode="$3" --guest "$2" |
        awk -v l="$4:" -v w="$5" '
            $1 != l { next }
            { for (i = 2; i <= NF; i++) {
                  v = $i
                  if (w ~ /=$/ ? index(v, w) == 1 : i - 1 == w + 0) {
                      if (w ~ /=$/) v = substr(v, length(w) + 1)
                      sub(/,$/, "", v); print v; exit
                  } } }')
    [ -n "$v" ] || { echo "$0: $2 under $3 says no \"$4: ... $5\"" >&2; exit 1; }
    echo "$v"
    ;;
*)
    echo "usage: $0 define NAME [DIVISOR] | hex NAME | count-kinds | said GUEST MODE LABEL WHICH" >&2
    exit 2
    ;;
esac
