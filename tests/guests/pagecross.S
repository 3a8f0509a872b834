/* pagecross.S - one store that crosses a page boundary: its first two bytes
 * land at the end of the page at 0x3ff000, its last two at the start of the
 * page at 0x400000.  Stepping back over it must put BOTH pages back (the
 * step-back test, test_history.c).  Then it spins, so a test can run past
 * the store for as long as it likes. */
        .include "tests/guests/mb.inc"
_start:
        nop
        nop
        movl $0xdeadbeef, 0x3ffffe      /* ef be | ad de: two pages */
1:      inc  %eax
        jmp  1b
