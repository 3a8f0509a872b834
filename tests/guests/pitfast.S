/* pitfast.S - does a timer the guest has just set going interrupt it
 * while it spins?  The PIT's channel 0 at divisor 2 (1,193,182 / 2: about
 * 600 kHz, an IRQ 0 every 1.7 us), IRQ 0 unmasked, interrupts on, and a
 * tight loop of 1,000,000 iterations (DEC and JNZ: no I/O, no exit, 2 ms
 * at ringside's 1000 MHz).  The CPU takes a waiting interrupt at the next
 * instruction boundary once IF is set (Intel SDM vol. 3A 6.9), so ticks
 * come in during the loop: how many is the machine's timing (QEMU's
 * follow its host's clock and take some), so the guest says only whether
 * any came.  The handler masks IRQ 0 at the third: a VMM slower than the
 * timer has no storm to drown in (that one is tests/guests/irqstorm.S).
 * The first tick's time is the test's to check (tests/unit/test_tfstep.c). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
        .set TICKS, 3
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

/* IRQ 0: count it; at the third, mask IRQ 0; end of interrupt. */
irq0:   push %eax
        incl ticks
        cmpl $TICKS, ticks
        jb   1f
        mov  $0xff, %al
        out  %al, $0x21                 /* no more from the timer */
1:      mov  $0x20, %al
        out  %al, $0x20                 /* EOI */
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
