/* pitfast.S - a timer far faster than the guest's loop: the PIT's channel
 * 0 at divisor 2 (1,193,182 / 2: about 600 kHz, an IRQ 0 every 1.7 us),
 * IRQ 0 unmasked, interrupts on, and a tight loop of 1,000,000 iterations
 * (DEC and JNZ, no I/O, no exit).  An interrupt that keeps coming must
 * still come in: the CPU takes a pending one at the next instruction
 * boundary once IF is set (Intel SDM vol. 3A 6.9, "Priority among
 * simultaneous exceptions and interrupts").  QEMU takes some (how many
 * depends on its host's clock); the guest prints whether it took any,
 * and ends. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        FLAT_START
        GATE 0x20, irq0
        lidt idt_ptr
        TIMER_ONLY
        PIT_RATE 2
        mov  $1000000, %ecx
        sti
1:      dec  %ecx
        jnz  1b
        cli
        mov  $msg, %esi
        call puts
        mov  $no, %esi
        cmpl $0, ticks
        je   2f
        mov  $yes, %esi
2:      call puts
        EXIT 0

/* IRQ 0: count it, end of interrupt. */
irq0:   incl ticks
        push %eax
        mov  $0x20, %al
        out  %al, $0x20
        pop  %eax
        iret

        .include "tests/guests/lib.inc"

        .data
msg:    .asciz "timer interrupts during the loop: "
yes:    .asciz "yes\n"
no:     .asciz "none\n"
        .align 4
ticks:  .long 0
        FLAT_GDT
        GDT_PTR
        IDT
        STACK
