/* spin.S - a busy guest: it never stops computing (a CPU-bound VM for the
 * scheduler tests).  The loop does some arithmetic so it is not one
 * instruction. */
        .include "tests/guests/mb.inc"
_start:
        xor  %eax, %eax
1:      inc  %eax
        add  %eax, %ebx
        jmp  1b
