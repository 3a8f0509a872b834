/* iretvmm.S - IRET with its stack in the VMM's real GDT (0xffc00000), in
 * a block of its own (no other load before it).  On QEMU nothing is
 * there: the frame pops as zeros, CS 0 is #GP(0) and, with no IDT, the
 * machine triple-faults.  Under ringside the same, in every mode, and the
 * VMM's traps for the loads of the frame name the IRET (its EIP), not
 * an instruction run before it. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        BEGIN msg
        lidt idt_none
        mov  $0xffc00010, %esp
        iret
        .include "tests/guests/lib.inc"
        .data
msg:    .asciz "iretvmm: IRET from the VMM's area\n"
        NO_IDT
        STACK
