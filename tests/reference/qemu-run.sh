#!/bin/sh
# qemu-run.sh - run one ringside guest on QEMU (the reference hardware) and print its serial output.
#
# Usage: tests/reference/qemu-run.sh GUEST.elf
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
#   124  timeout: the guest did not finish within 30 seconds.
#   1    anything else: QEMU could not start, or the machine stopped some other
#        way (e.g. a triple fault, which -no-reboot turns into a plain exit 0).
#   2    bad usage.

if [ $# -ne 1 ]; then
    echo "usage: $0 GUEST.elf" >&2
    exit 2
fi
if [ ! -r "$1" ]; then
    echo "qemu-run: cannot read $1" >&2
    exit 1
fi

timeout 30 qemu-system-i386 -kernel "$1" -serial stdio -display none \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 -no-reboot </dev/null
status=$?

if [ "$status" -eq 124 ]; then
    echo "qemu-run: $1 timed out after 30 s" >&2
    exit 124
fi
if [ $((status % 2)) -eq 1 ]; then
    # Odd: QEMU exited through the debug-exit device.  (Caveat: QEMU's own
    # error exit is 1, which looks like "guest wrote 0"; we checked above that
    # the file exists, and QEMU's error message goes to stderr.)
    code=$(( (status - 1) / 2 ))
    if [ "$code" -ne 0 ]; then
        echo "qemu-run: guest reported failure code $code" >&2
        exit 3
    fi
    exit 0
fi
echo "qemu-run: $1 stopped without writing to the debug-exit port (QEMU status $status)" >&2
exit 1
