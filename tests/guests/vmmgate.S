/* vmmgate.S - a far call through the VMM's own call gate (selector
 * 0xffdb: GDT slot 8187, the gate into ringside's ring-0 stub), far past
 * the guest's 3-entry GDT.  On QEMU the selector is past the GDT limit:
 * #GP, and with an empty IDT a triple fault.  Under ringside the gate is
 * the VMM's: the guest must not get through it (to ring 0, IRETing to
 * whatever frame the VMM last left). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        BEGIN msg
        FLAT_SEGMENTS
        lidt idt_none
        lcall $0xffdb, $0
        mov  $msg_back, %esi
        call puts
        EXIT 1
        .include "tests/guests/lib.inc"
        .data
msg:      .asciz "vmmgate: lcall 0xffdb:0\n"
msg_back: .asciz "vmmgate: back\n"
        FLAT_GDT
        GDT_PTR
        NO_IDT
        STACK
