/* irqwin.S - when exactly does a waiting interrupt come in?
 * The BIOS leaves the PIT ticking at 18.2 Hz on IRQ 0 (vector 8, the
 * real-mode layout) and IRQ 0 unmasked.  With interrupts off, the guest
 * waits until the PIC holds the request, then:
 *  1. STI; INC ECX; INC ECX...: the interrupt must come in after exactly
 *     one instruction (the STI shadow): the handler sees ECX = 1;
 *  2. IRET to a frame with IF set: it must come in before the first
 *     instruction at the target: the handler sees ECX = 0.
 * It prints both counts on COM1; QEMU prints "sti 1" and "iret 0". */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
        .set COM1, 0x3f8
_start:
        mov  $stack, %esp
        GATE 8, irq0                    /* KCODE: the boot CS is 0x08 too */
        lidt idt_ptr
        call wait_irq0
        xor  %ecx, %ecx
        sti
        inc  %ecx                       /* the one instruction in the shadow */
        inc  %ecx
        inc  %ecx
        cli
        mov  $'s', %al
        call put
        mov  seen, %al
        add  $'0', %al
        call put
        mov  $'\n', %al
        call put

        call wait_irq0
        xor  %ecx, %ecx
        pushf
        orl  $0x200, (%esp)             /* IF set in the frame */
        push $0x08                      /* not push %cs: a hole under te */
        push $after_iret
        iret
after_iret:
        inc  %ecx
        inc  %ecx
        cli
        mov  $'i', %al
        call put
        mov  seen, %al
        add  $'0', %al
        call put
        mov  $'\n', %al
        call put
        EXIT 0

/* Wait, interrupts off, until the PIC has IRQ 0 requested (OCW3: IRR). */
wait_irq0:
        mov  $0x0a, %al
        out  %al, $0x20
1:      in   $0x20, %al
        test $1, %al
        jz   1b
        ret

put:    push %edx
        push %eax
        mov  $COM1 + 5, %dx
2:      in   %dx, %al
        test $0x20, %al
        jz   2b
        pop  %eax
        mov  $COM1, %dx
        out  %al, %dx
        pop  %edx
        ret

/* IRQ 0: note ECX, acknowledge, and mask the timer for the rest. */
irq0:   mov  %ecx, seen
        push %eax
        mov  $0x20, %al
        out  %al, $0x20                 /* EOI */
        pop  %eax
        iret

        .data
        .align 8
idt:    .fill 256, 8, 0
idt_ptr:
        .word 256 * 8 - 1
        .long idt
seen:   .long 0
        .bss
        .space 4096
stack:
