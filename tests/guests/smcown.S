/* smcown.S - an instruction that stores into its own bytes (its
 * immediate, the value it already holds), ten times in a loop.  Unicorn,
 * as QEMU, gives up the block at the store and runs the store again in
 * a block of its own.  Each iteration is 3 instructions on QEMU
 * (tests/unit/test_smccount.c own_bytes compares the count and listing
 * of each mode); the sum is 10 ("smcown: 0000000a"). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        BEGIN msg
        xor  %ebx, %ebx
        mov  $10, %ecx
1:      movl $7, 1b + 6                 /* into its own imm32 */
        add  $1, %ebx
        loop 1b
        mov  %ebx, %eax
        call hexln
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg:    .asciz "smcown: "
        STACK
