/* irqstorm.S - the PIT at its fastest (divisor 2: about 600 kHz) with a
 * handler that only acknowledges: an interrupt every 1.7 us while the
 * guest counts to a million.  On QEMU it gets through and says so. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        BEGIN msg_start
        FLAT_SEGMENTS
        TIMER_ONLY
        GATE 0x20, timer        /* IRQ 0 */
        lidt idt_ptr
        PIT_RATE 2                      /* about 600 kHz */
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
        FLAT_GDT
        GDT_PTR
        IDT
        STACK
