/* garbage.S - jump into 4 KiB of pseudo-random bytes (a fixed linear
 * congruential sequence, the same every build) with no IDT: whatever the
 * bytes do, the machine must end (a fault, a triple fault, a halt) or be
 * stopped by the bound, and never harm the simulator. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        BEGIN msg
        lidt idt_none
        xor  %eax, %eax                 /* registers: known values */
        xor  %ebx, %ebx
        xor  %ecx, %ecx
        xor  %edx, %edx
        xor  %esi, %esi
        xor  %edi, %edi
        jmp  bytes
        .include "tests/guests/lib.inc"
        .set seed, 20261204
bytes:
        .rept 4096
        .set seed, (seed * 1103515245 + 12345) & 0x7fffffff
        .byte (seed >> 16) & 0xff
        .endr
        .data
msg:    .asciz "garbage: running 4 KiB of random bytes\n"
        NO_IDT
        STACK
