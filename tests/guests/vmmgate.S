/* vmmgate.S - far calls through the VMM's own call gate (selector
 * 0xffdb: GDT slot 8187, the gate into ringside's ring-0 stub), far past
 * the guest's 3-entry GDT.  On QEMU the selector is past the GDT limit:
 * #GP, and with an empty IDT a triple fault.  Under ringside the gate is
 * the VMM's: the guest must not get through it (to ring 0, IRETing to
 * whatever frame the VMM last left). */
        .include "tests/guests/mb.inc"
_start:
        mov  $0xff, %al                 /* mask every IRQ: QEMU's timer */
        out  %al, $0x21
        out  %al, $0xa1
        mov  $stack, %esp
        lgdt gdt_ptr
        ljmp $0x08, $1f
1:      mov  $0x10, %ax
        mov  %ax, %ds
        mov  %ax, %es
        mov  %ax, %ss
        lidt idt_none
        mov  $msg, %esi
        call puts
        lcall $0xffdb, $0
        mov  $msg_back, %esi
        call puts
        EXIT 1
        .include "tests/guests/lib.inc"
        .data
msg:      .asciz "vmmgate: lcall 0xffdb:0\n"
msg_back: .asciz "vmmgate: back\n"
        .align 8
gdt:    .quad 0
        .quad 0x00cf9a000000ffff
        .quad 0x00cf92000000ffff
gdt_ptr:
        .word 3 * 8 - 1
        .long gdt
idt_none:
        .word 0
        .long 0
        .bss
        .space 4096
stack:
