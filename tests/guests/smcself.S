/* smcself.S - an instruction that writes into its own code block: a
 * store, ten times, that patches the immediate of the very next
 * instruction (already fetched with it, so the CPU must notice).  On
 * QEMU, as on a real x86, the store takes effect before the patched
 * instruction runs: the sum is 10 * 7 = 70 ("smcself: 00000046"). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        BEGIN msg
        xor  %ebx, %ebx
        mov  $10, %ecx
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
msg:    .asciz "smcself: "
        STACK
