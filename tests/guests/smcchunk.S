/* smcchunk.S - two small functions in one 64-byte chunk of code, both run
 * (so both translated under bt), then both patched: first f's immediate,
 * then g's, and g run again.  The first store must not leave g's copy
 * unwatched: the second patch takes effect, g returns 7, not 2, and f,
 * run last, 5 ("smcchunk: 00000007" then "00000005" on QEMU). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        BEGIN msg
        call f
        call g
        movl $5, f + 1                  /* patch f's imm32: f is not run */
        movl $7, g + 1                  /* then g's, in the same chunk */
        call g
        call hexln
        call f
        call hexln
        EXIT 0
        .balign 64                      /* f and g alone in one chunk */
f:      mov  $1, %eax
        ret
g:      mov  $2, %eax
        ret
        .balign 64
        .include "tests/guests/lib.inc"
        .data
msg:    .asciz "smcchunk: "
        STACK
