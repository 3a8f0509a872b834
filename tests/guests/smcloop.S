/* smcloop.S - smcself.S's patch, a million times: a store that rewrites
 * the immediate of the next instruction, in its own translation block,
 * then one that sets it back, each iteration.  Every patch throws away
 * the code Unicorn translated there, so a long run of them is a long run
 * of retranslations (issue #14: a run must stay bounded in memory; cpu.c
 * replaces an engine after CPU_RENEW_AFTER of them).  On QEMU, as on a
 * real x86, each patch takes effect before the patched instruction
 * runs: the sum is 1,000,000 * 7 = 7,000,000 ("smcloop: 006acfc0"). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
        .ifndef ITERATIONS              /* smcbench.S sets fewer */
        .set ITERATIONS, 1000000
        .endif
_start:
        BEGIN msg
        xor  %ebx, %ebx
        mov  $ITERATIONS, %ecx
1:      movl $7, 2f + 2                 /* patch the imm32 of the add below */
2:      .byte 0x81, 0xc3                /* add ebx, imm32 */
        .long 0
        movl $0, 2b + 2                 /* and set it back */
        loop 1b
        mov  %ebx, %eax
        call hexln
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg:    .asciz "smcloop: "
        STACK
