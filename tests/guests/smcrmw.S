/* smcrmw.S - self-modifying code inside one translation unit, through a
 * register and by read-modify-write: each pass adds 3 to the imm32 of
 * the ADD right after it (already fetched with it), then that ADD runs
 * with the new value.  On QEMU, as on a real x86, the store takes effect
 * at once and is made once: the immediates are 3, 6, ... 30, the sum
 * 3 * (1 + ... + 10) = 165 ("smcrmw: 000000a5").  A store undone or
 * made twice, or an ADD run with its old bytes, gives another sum. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        BEGIN msg
        mov  $2f + 2, %esi              /* the imm32 below, by register */
        mov  $10, %ecx
        xor  %ebx, %ebx
1:      addl $3, (%esi)                 /* patch the imm32 of the add below */
2:      .byte 0x81, 0xc3                /* add ebx, imm32 */
        .long 0
        loop 1b
        xchg %ebx, %eax                 /* the sum, to print */
        call hexln
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg:    .asciz "smcrmw: "
        STACK
