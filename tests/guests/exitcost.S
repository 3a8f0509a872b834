/* exitcost.S - a known sequence of VM exits under hardware assist, for the
 * cost of an exit (test exit_cost_from_source in tests/unit/test_modes.c).
 *
 * With interrupts off and no I/O, the only work besides instructions is
 * the exits the first VT-x processors take (Intel SDM vol. 3C table C-1,
 * primary controls): CPUID (10), MOV from and to CR3 (28, CR3-store and
 * CR3-load exiting), RDMSR (31), WRMSR (32), INVLPG (14), MOV from DR7
 * (29).  The instructions between them do not exit in non-root mode: CLI,
 * MOV, XOR, SGDT, PUSHF, POPF.  It ends as halt.S does (CLI; HLT), which
 * the test subtracts along with the boot.
 * Instructions: 17 (cli and hlt included). */
        .include "tests/guests/mb.inc"
_start:
        cli                             /* no exit */
        mov  $stack_top, %esp           /* no exit */
        xor  %eax, %eax                 /* no exit */
        cpuid                           /* exit 10 */
        mov  %cr3, %eax                 /* exit 28 */
        mov  %eax, %cr3                 /* exit 28 */
        mov  $0x174, %ecx               /* IA32_SYSENTER_CS */
        rdmsr                           /* exit 31 */
        wrmsr                           /* exit 32 */
        invlpg scratch                  /* exit 14 */
        mov  %dr7, %eax                 /* exit 29 */
        sgdt scratch                    /* no exit: the guest's own GDTR */
        pushf                           /* no exit */
        popf                            /* no exit */
        xor  %eax, %eax                 /* no exit */
        xor  %edx, %edx                 /* no exit */
        hlt                             /* exit 12: stops for good */
        EXIT 1

        .data
scratch: .long 0, 0
        .fill 64, 1, 0
stack_top:
