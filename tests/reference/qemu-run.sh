#!/bin/sh
# qemu-run.sh - run one ringside guest on QEMU (the reference hardware) and print its serial output.
#
# Usage: tests/reference/qemu-run.sh [--cdrom ISO] [--parallel FILE] [--disk IMG] [--smp N] [--mem MB] [--append S] [--initrd L] [--serial-bytes N] [--insns FILE] GUEST.elf
#
#   --cdrom ISO      put the ISO 9660 image ISO in the CD-ROM drive (QEMU's
#                    -cdrom: an ATAPI drive, master on the secondary IDE
#                    channel, ports 0x170-0x177 and 0x376).  Without it the
#                    drive is there but empty, as on ringside.
#   --parallel FILE  write what the guest prints on the parallel port (LPT1,
#                    0x378) to FILE (QEMU's -parallel file:FILE).  Without
#                    it the port is there and its output is discarded.
#   --disk IMG       give the machine an IDE hard disk, master on the primary
#                    channel (ports 0x1f0-0x1f7, 0x3f6), holding a copy of the
#                    raw image IMG (-drive file=COPY,format=raw,if=ide).  The
#                    guest writes to the copy, which is deleted afterwards:
#                    IMG stays as it was, as under ringside's --disk.
#                    Without it the primary channel has no drive.
#   --smp N          N processors (QEMU's -smp N: N sockets of one core, APIC
#                    IDs 0..N-1), as ringside's --vcpus N.  Default 1.
#   --mem MB         MB MiB of RAM (QEMU's -m MB), as ringside's --mem MB.
#                    Default QEMU's, 128, as ringside's.
#   --append S       the kernel's command line after its path (-append S), as
#                    ringside's --append S.
#   --initrd L       Multiboot modules (-initrd L): "FILE STRING,FILE2", as
#                    ringside's --module FILE,STRING --module FILE2.
#   --serial-bytes N stop QEMU once the guest has sent N bytes to its serial
#                    port, and print those N: for a guest that would run for
#                    minutes (tests/guests/rep4g.S).  The serial port writes
#                    to a file (-serial file:), whose size is watched: the
#                    stop depends on the output, never on QEMU's speed, and
#                    no byte is lost (a pipe that is full makes QEMU's UART
#                    drop bytes).  The safety timeout is then 300 seconds.
#   --insns FILE     write to FILE the address of every instruction QEMU
#                    retires between 1 and 16 MiB (where Multiboot kernels
#                    load), one a line in hex, in the order they ran: QEMU
#                    runs one instruction per translation block
#                    (-singlestep) and logs each block it enters
#                    (-d exec,nochain; -dfilter keeps out most of the
#                    firmware, which runs below 1 MiB and at the top of
#                    RAM; what its option ROM runs before the kernel's
#                    entry is the caller's to cut).
#                    What a real CPU executes, for a short guest: a store
#                    into code is seen before the next instruction runs.
#
# stdout: exactly the bytes the guest wrote to its serial port (COM1), nothing else.
#         The guest path is passed to QEMU as given, and QEMU copies it into the
#         multiboot command line: run from the same directory with the same path
#         when comparing outputs.
#
# Exit status:
#   0    the guest ended by writing 0 to the isa-debug-exit port 0xf4 (QEMU then
#        exits with status (value << 1) | 1, which is always odd).
#   3    the guest wrote another value there: a failure it detected itself.
#   4    the machine triple-faulted (-no-reboot: QEMU stopped there).
#   5    --serial-bytes N: the guest sent N bytes, QEMU was stopped there.
#   124  timeout: the guest did not finish within 120 seconds (nor send N
#        bytes within 300 with --serial-bytes).  A safety net only: the
#        slowest guest (vmmjump, which runs ROM's zeros to a triple fault)
#        takes 9 s alone and over 30 s on 2 cores busy with other suites.
#   1    anything else: QEMU could not start, a file could not be read, or the
#        machine stopped some other way.
#   2    bad usage.

usage() {
    echo "usage: $0 [--cdrom ISO] [--parallel FILE] [--disk IMG] [--smp N] [--mem MB] [--append S] [--initrd L] [--serial-bytes N] [--insns FILE] GUEST.elf" >&2
    exit 2
}

cdrom=
parallel=
disk=
smp=1
mem=
append=
initrd=
bytes=
insns=
while [ $# -gt 1 ]; do
    case "$1" in
    --cdrom) [ $# -ge 3 ] || usage; cdrom=$2; shift 2 ;;
    --parallel) [ $# -ge 3 ] || usage; parallel=$2; shift 2 ;;
    --disk) [ $# -ge 3 ] || usage; disk=$2; shift 2 ;;
    --append) [ $# -ge 3 ] || usage; append=$2; shift 2 ;;
    --initrd) [ $# -ge 3 ] || usage; initrd=$2; shift 2 ;;
    --insns) [ $# -ge 3 ] || usage; insns=$2; shift 2 ;;
    --smp) [ $# -ge 3 ] || usage; smp=$2; shift 2
           case "$smp" in ''|*[!0-9]*) usage ;; esac ;;
    --mem) [ $# -ge 3 ] || usage; mem=$2; shift 2
           case "$mem" in ''|*[!0-9]*) usage ;; esac ;;
    --serial-bytes) [ $# -ge 3 ] || usage; bytes=$2; shift 2
           case "$bytes" in ''|*[!0-9]*) usage ;; esac ;;
    *) usage ;;
    esac
done
if [ $# -ne 1 ]; then
    usage
fi
case "$1" in -*) usage ;; esac
if [ ! -r "$1" ]; then
    echo "qemu-run: cannot read $1" >&2
    exit 1
fi
if [ -n "$cdrom" ] && [ ! -r "$cdrom" ]; then
    echo "qemu-run: cannot read $cdrom" >&2
    exit 1
fi
if [ -n "$disk" ] && [ ! -r "$disk" ]; then
    echo "qemu-run: cannot read $disk" >&2
    exit 1
fi

# The optional devices, as positional parameters after the guest's path.
guest=$1
set --
if [ -n "$cdrom" ]; then
    set -- "$@" -cdrom "$cdrom"
fi
if [ -n "$parallel" ]; then
    if ! (: > "$parallel") 2>/dev/null; then     # writable? (and empty)
        echo "qemu-run: cannot write $parallel" >&2
        exit 1
    fi
    set -- "$@" -parallel "file:$parallel"
fi
if [ -n "$mem" ]; then
    set -- "$@" -m "$mem"
fi
if [ -n "$append" ]; then
    set -- "$@" -append "$append"
fi
if [ -n "$initrd" ]; then
    set -- "$@" -initrd "$initrd"
fi
# What QEMU logs: its CPU resets (see machine), and with --insns each
# instruction it runs in [1 MiB, 16 MiB).
log=cpu_reset
if [ -n "$insns" ]; then
    if ! (: > "$insns") 2>/dev/null; then
        echo "qemu-run: cannot write $insns" >&2
        exit 1
    fi
    log=cpu_reset,exec,nochain
    set -- "$@" -singlestep -dfilter 0x100000..0xffffff
fi
# The run's own files (the disk's copy, QEMU's log...), removed at the end.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/qemu-run.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
if [ -n "$disk" ]; then
    copy=$tmp/disk.img
    cp "$disk" "$copy" || exit 1
    set -- "$@" -drive "file=$copy,format=raw,if=ide"
fi

# machine SERIAL [QEMU options...]: the machine, bounded by $limit seconds;
# run in a subshell, which it becomes (exec), so that its PID is timeout's.
# Its CPU resets are logged (-d cpu_reset): "Triple fault" is how a triple
# fault is told from the other ways QEMU stops under -no-reboot.
machine() {
    port=$1
    shift
    exec timeout "$limit" qemu-system-i386 -kernel "$guest" -serial "$port" \
        -display none -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -no-reboot -smp "$smp" -d "$log" -D "$tmp/log" "$@" </dev/null
}

if [ -z "$bytes" ]; then
    limit=120
    (machine stdio "$@")
    status=$?
else
    limit=300
    serial=$tmp/serial
    : > "$serial"           # (watched before QEMU opens it)
    # (QEMU's messages kept apart: "terminating on signal 15" is our stop)
    machine "file:$serial" -monitor none "$@" 2>"$tmp/err" &
    pid=$!
    # Watch the output grow; QEMU ending (or its timeout) ends the watch.
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$(wc -c < "$serial")" -ge "$bytes" ]; then
            kill "$pid"     # timeout passes the signal on to QEMU
            wait "$pid"
            head -c "$bytes" "$serial"
            exit 5
        fi
        sleep 0.05
    done
    wait "$pid"
    status=$?
    cat "$serial"
    cat "$tmp/err" >&2
fi

if [ -n "$insns" ]; then
    # "Trace 0: 0x7f...  [cs_base/eip/hflags/cflags] ...": the EIP of a
    # block QEMU enters.  "Stopped execution of TB chain before 0x7f...
    # [eip]" right after says it did not run it after all: an exit request
    # (QEMU's main loop kicking the vCPU, more often on a busy host) came
    # first, and the block is entered, and logged, again (cpu_tb_exec,
    # accel/tcg/cpu-exec.c).  Such a line takes its block back.
    awk '/^Trace [0-9]*:/ {
             s = $0; sub(/^[^[]*\[[0-9a-f]*\//, "", s); sub(/\/.*/, "", s)
             eip[n++] = s; next }
         /^Stopped execution of TB chain before/ {
             s = $0; sub(/^[^[]*\[/, "", s); sub(/\].*/, "", s)
             if (n > 0 && eip[n - 1] == s) n--; next }
         END { for (i = 0; i < n; i++) print eip[i] }' "$tmp/log" > "$insns"
fi
if [ "$status" -eq 124 ]; then
    echo "qemu-run: $guest timed out after $limit s" >&2
    exit 124
fi
if grep -q "^Triple fault" "$tmp/log" 2>/dev/null; then
    echo "qemu-run: $guest: triple fault" >&2
    exit 4
fi
if [ $((status % 2)) -eq 1 ]; then
    # Odd: QEMU exited through the debug-exit device.  (Caveat: QEMU's own
    # error exit is 1, which looks like "guest wrote 0"; we checked above that
    # the files exist, and QEMU's error message goes to stderr.)
    code=$(( (status - 1) / 2 ))
    if [ "$code" -ne 0 ]; then
        echo "qemu-run: guest reported failure code $code" >&2
        exit 3
    fi
    exit 0
fi
echo "qemu-run: $guest stopped without writing to the debug-exit port (QEMU status $status)" >&2
exit 1
