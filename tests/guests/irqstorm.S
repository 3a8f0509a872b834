/* irqstorm.S - the PIT at its fastest (divisor 2: about 600 kHz) with a
 * handler that only acknowledges: an interrupt every few microseconds
 * while the guest counts to a million.  It must get through (the VMM
 * delivers every interrupt and the guest still runs) and say so. */
        .include "tests/guests/mb.inc"
        .set KCODE, 0x08
        .set KDATA, 0x10
_start:
        mov  $stack, %esp
        lgdt gdt_ptr
        ljmp $KCODE, $1f
1:      mov  $KDATA, %ax
        mov  %ax, %ds
        mov  %ax, %es
        mov  %ax, %ss
        mov  $0x11, %al                 /* the PICs: IRQ 0-7 at 0x20 */
        out  %al, $0x20
        out  %al, $0xa0
        mov  $0x20, %al
        out  %al, $0x21
        mov  $0x28, %al
        out  %al, $0xa1
        mov  $0x04, %al
        out  %al, $0x21
        mov  $0x02, %al
        out  %al, $0xa1
        mov  $0x01, %al
        out  %al, $0x21
        out  %al, $0xa1
        mov  $0xfe, %al                 /* only IRQ 0 */
        out  %al, $0x21
        mov  $0xff, %al
        out  %al, $0xa1
        mov  $timer, %eax               /* IDT gate 0x20 */
        mov  %ax, idt + 0x20 * 8
        movw $KCODE, idt + 0x20 * 8 + 2
        movw $0x8e00, idt + 0x20 * 8 + 4
        shr  $16, %eax
        mov  %ax, idt + 0x20 * 8 + 6
        lidt idt_ptr
        mov  $msg_start, %esi
        call puts
        mov  $0x34, %al                 /* PIT channel 0, mode 2 */
        out  %al, $0x43
        mov  $2, %al                    /* divisor 2 */
        out  %al, $0x40
        xor  %al, %al
        out  %al, $0x40
        sti
        mov  $1000000, %ecx
2:      dec  %ecx
        jnz  2b
        cli
        mov  $msg_done, %esi
        call puts
        EXIT 0
timer:  push %eax
        mov  $0x20, %al                 /* EOI */
        out  %al, $0x20
        pop  %eax
        iret
        .include "tests/guests/lib.inc"
        .data
msg_start: .asciz "irqstorm: timer at 600 kHz\n"
msg_done:  .asciz "irqstorm: counted to a million\n"
        .align 8
gdt:    .quad 0
        .quad 0x00cf9a000000ffff
        .quad 0x00cf92000000ffff
gdt_ptr:
        .word 3 * 8 - 1
        .long gdt
idt_ptr:
        .word 256 * 8 - 1
        .long idt
        .bss
        .align 8
idt:    .space 256 * 8
        .space 4096
stack:
