/* smcgrow.S - an instruction that adds its own immediate to itself (its
 * bytes change each time: 0x100, 0x200, 0x400...), ten times in a loop.
 * Unicorn, as QEMU, gives up the block at the store and runs the
 * instruction again alone, with the bytes it had; the next iteration runs
 * the new ones.  tests/unit/test_smccount.c own_bytes_listed checks that
 * each mode lists each ADD with the immediate it ran with, as QEMU
 * retires them; the final immediate is printed ("smcgrow: 00040000"). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        BEGIN msg
        mov  $10, %ecx
1:      addl $0x100, 1b + 6             /* into its own imm32 */
        loop 1b
        mov  1b + 6, %eax
        call hexln
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg:    .asciz "smcgrow: "
        STACK
