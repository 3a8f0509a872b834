/* smccount.S - smcloop.S's loop, 100 times: short enough to compare,
 * instruction by instruction, with the instructions QEMU retires
 * (tests/unit/test_smccount.c: qemu-system-i386 -singlestep -d exec, one
 * translation block, so one logged line, per instruction).  Each
 * iteration runs 4 instructions, the patched ADD with the immediate the
 * store just wrote.  On QEMU: 100 * 7 = 700 ("smcloop: 000002bc"). */
        .set ITERATIONS, 100
        .include "tests/guests/smcloop.S"
