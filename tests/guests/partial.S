/* partial.S - print a line, then "abc" with no newline and an escape
 * sequence, and spin: output a run must not lose when it is stopped
 * (--max-insns, SIGTERM), and that a terminal must not obey. */
        .include "tests/guests/mb.inc"
_start:
        mov  $msg, %esi
        mov  $0x3f8, %dx
1:      lodsb
        test %al, %al
        jz   2f
        out  %al, %dx
        jmp  1b
2:      xor  %eax, %eax
3:      inc  %eax
        jmp  3b
msg:    .asciz "ready\n\033[2J\007abc"
