/* smcself.S - an instruction that writes into its own code block: a
 * store, ten times, that patches the immediate of the very next
 * instruction (already fetched with it, so the CPU must notice).  On
 * QEMU, as on a real x86, the store takes effect before the patched
 * instruction runs: the sum is 10 * 7 = 70 ("smcself: 00000046"). */
        .include "tests/guests/mb.inc"
_start:
        mov  $0xff, %al                 /* mask every IRQ: QEMU's timer */
        out  %al, $0x21
        out  %al, $0xa1
        mov  $stack, %esp
        xor  %ebx, %ebx
        mov  $10, %ecx
1:      movl $7, 2f + 2                 /* patch the imm32 of the add below */
2:      .byte 0x81, 0xc3                /* add ebx, imm32 */
        .long 0
        movl $0, 2b + 2                 /* and set it back */
        loop 1b
        mov  $msg, %esi
        call puts
        mov  %ebx, %eax
        call hex
        mov  $'\n', %al
        call putc
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg:    .asciz "smcself: "
        .bss
        .space 4096
stack:
