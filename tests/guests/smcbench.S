/* smcbench.S - smcloop.S's loop, 50,000 times (200,000 instructions), for
 * make bench (bench/bench_cpu.c: a self-modifying loop in te, bt and hw
 * against raw Unicorn).  On QEMU: 50,000 * 7 = 350,000
 * ("smcloop: 00055730"). */
        .set ITERATIONS, 50000
        .include "tests/guests/smcloop.S"
