#!/bin/sh
# screen.sh - a screen of the TUI as the program draws it, for docs/tui.md
# (tests/docs/docs.sh: <!-- docs: sh tests/docs/screen.sh ... -->).
#
# Usage: sh tests/docs/screen.sh COLS ROWS 'ARGS' STEP...
#
# runs `./ringside ARGS` in a private tmux server on a COLS x ROWS terminal
# and takes each STEP in turn:
#   see:TEXT    wait (up to 20 s) until TEXT is on the screen
#   key:KEYS    press KEYS (tmux send-keys names: s, Tab, Space, C-l...)
# then waits until the screen stops changing and prints it.  Only what
# the simulator decided is on a paused screen, so the capture is the same
# on every machine.
set -eu

[ $# -ge 3 ] || { echo "usage: $0 COLS ROWS 'ARGS' [see:TEXT|key:KEYS]..." >&2; exit 2; }
cols=$1 rows=$2 args=$3
shift 3
sock="ringside-docs-$$"
tm() { tmux -L "$sock" "$@"; }
trap 'tm kill-server 2>/dev/null || true' EXIT INT TERM

tm -f /dev/null new-session -d -s s -x "$cols" -y "$rows" \
    "TERM=xterm-256color ./ringside $args; sleep 600"
tm set-option -t s status off >/dev/null

# wait until the screen holds $1
see() {
    i=0
    while ! tm capture-pane -p -t s | grep -qF -- "$1"; do
        i=$((i + 1))
        [ $i -lt 500 ] || { echo "$0: never saw \"$1\"; the screen:" >&2
                            tm capture-pane -p -t s >&2; exit 1; }
        sleep 0.04
    done
}

see "ringside"
for step in "$@"; do
    case "$step" in
    see:*) see "${step#see:}" ;;
    key:*) tm send-keys -t s ${step#key:}; sleep 0.1 ;;
    *) echo "$0: a step is see:TEXT or key:KEYS, not $step" >&2; exit 2 ;;
    esac
done

# the screen, once three captures 0.4 s apart agree (an animated handler
# path takes 0.2 s a hop)
last=""
same=0
i=0
while [ $same -lt 2 ]; do
    now=$(tm capture-pane -p -t s)
    if [ "$now" = "$last" ]; then same=$((same + 1)); else same=0; fi
    last=$now
    i=$((i + 1))
    [ $i -lt 60 ] || { echo "$0: the screen never settled" >&2; exit 1; }
    sleep 0.4
done
# no trailing blanks; a run of empty lines as one
printf '%s\n' "$now" | sed -e 's/[[:space:]]*$//' |
    awk 'NF { if (blank) print ""; blank = 0; print; next } { blank = 1 }'
