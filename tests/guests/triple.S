/* triple.S - an IDT with limit 0, then INT3: the breakpoint cannot be
 * delivered (#GP), nor can the #GP (#DF), nor the double fault: a triple
 * fault.  A real PC resets; QEMU with -no-reboot powers off. */
        .include "tests/guests/mb.inc"
_start:
        lidt idt_none
        int3
        EXIT 0
idt_none:
        .word 0
        .long 0
