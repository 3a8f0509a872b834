/* apictimer.S - the local APIC timer against the PIT, as a guest can tell.
 *
 * The PIT interrupts at 100 Hz (IRQ 0 through the PIC and the BSP's LINT0,
 * "virtual wire"); the local APIC timer counts its initial count down at
 * the bus clock divided by the divide register (QEMU: 1 GHz) and
 * interrupts at vector 0x30.  The guest counts APIC timer interrupts over
 * 5 PIT periods (50 ms) in each mode and prints the rate the two clocks
 * give where the count is within a quarter of it (timing on QEMU follows
 * the host's clock, so the exact count varies there; a wrong mode or
 * divide gives another answer, printed raw):
 *   periodic, divide by 1, count 1000000 (1 ms):  10 per PIT period
 *   periodic, divide by 2, count 500000 (1 ms):   10 per PIT period
 *   periodic, divide by 16, count 125000 (2 ms):  5 per PIT period
 *   one-shot, count 2000000 (2 ms):               1 interrupt in all
 *   masked:                                       0 interrupts
 * and that the current count runs down.  Then, if CPUID.01H:ECX bit 24
 * announces it, TSC-deadline mode (SDM vol. 3A 10.5.4.1: LVT timer mode
 * 10b, the IA32_TSC_DEADLINE MSR 0x6e0), with the TSC counting at 1 GHz
 * (ringside's 1000 MHz host; QEMU's TCG does not offer the mode):
 *   re-armed 1000000 TSC cycles after each interrupt: 10 per PIT period
 *   armed 2000000 ahead:                  1 interrupt, then the MSR reads 0
 *   a deadline already passed:            an interrupt at once
 *   armed, then 0 written:                0 interrupts
 *   an initial count in this mode:        0 interrupts, current count 0
 *   armed, then the mode changed and back: the MSR reads 0, 0 interrupts
 * Without the bit it says "tsc-deadline: not announced" and leaves the
 * MSR alone (it is absent: QEMU raises #GP).  Exits 0. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"

        .set APIC, 0xfee00000

/* RUN lvt, dcr, count, label: start the timer, count 5 PIT periods. */
.macro RUN lvt, dcr, count, label
        movl $\dcr, APIC + 0x3e0
        movl $\lvt, APIC + 0x320
        call sync
        movl $0, ticks
        movl $\count, APIC + 0x380
        call five
        movl $0, APIC + 0x380           /* stop it */
        mov  $\label, %esi
        call puts
.endm

_start:
        mov  $stack, %esp
        FLAT_SEGMENTS
        GATE 0x20, irq0
        GATE 0x30, apic_timer
        GATE 0xff, spurious
        lidt idt_ptr
        mov  $0x11, %al                 /* the PICs: vectors 0x20 and 0x28 */
        out  %al, $0x20
        out  %al, $0xa0
        mov  $0x20, %al
        out  %al, $0x21
        mov  $0x28, %al
        out  %al, $0xa1
        mov  $4, %al
        out  %al, $0x21
        mov  $2, %al
        out  %al, $0xa1
        mov  $1, %al
        out  %al, $0x21
        out  %al, $0xa1
        mov  $0xfe, %al                 /* only IRQ 0 */
        out  %al, $0x21
        mov  $0xff, %al
        out  %al, $0xa1
        PIT_RATE 11932                  /* 1193182 / 11932 = 100 Hz */
        movl $0x1ff, APIC + 0xf0        /* APIC on */
        sti

        RUN  0x20030, 0xb, 1000000, msg_p1
        mov  $10, %edi
        mov  ticks, %eax
        call per_period
        RUN  0x20030, 0x0, 500000, msg_p2
        mov  $10, %edi
        mov  ticks, %eax
        call per_period
        RUN  0x20030, 0x3, 125000, msg_p16
        mov  $5, %edi
        mov  ticks, %eax
        call per_period
        RUN  0x00030, 0xb, 2000000, msg_one
        mov  ticks, %eax
        call total
        RUN  0x10030, 0xb, 1000000, msg_masked
        mov  ticks, %eax
        call total

        movl $0x10030, APIC + 0x320     /* the count runs down */
        movl $0xffffffff, APIC + 0x380
        mov  APIC + 0x390, %ebx
        call sync
        mov  APIC + 0x390, %ecx
        mov  $msg_down, %esi
        call puts
        mov  $msg_yes, %esi
        cmp  %ebx, %ecx
        jb   2f
        mov  $msg_no, %esi
2:      call puts
        call tsc_deadline
        EXIT 0

/* ARM ahead: IA32_TSC_DEADLINE = the TSC + ahead.  DISARM: 0. */
.macro ARM ahead
        rdtsc
        add  $\ahead, %eax
        adc  $0, %edx
        mov  $0x6e0, %ecx
        wrmsr
.endm

.macro DISARM
        xor  %eax, %eax
        xor  %edx, %edx
        mov  $0x6e0, %ecx
        wrmsr
.endm

/* tsc_deadline: the TSC-deadline mode, if CPUID announces it. */
tsc_deadline:
        mov  $1, %eax
        cpuid
        mov  $msg_tscd_no, %esi
        bt   $24, %ecx
        jnc  puts
        mov  $msg_tscd, %esi
        call puts
        movl $0x40030, APIC + 0x320     /* TSC-deadline, vector 0x30 */

        call sync                       /* re-armed in the handler */
        movl $0, ticks
        movl $1, rearm
        ARM  1000000
        call five
        movl $0, rearm
        DISARM
        mov  $msg_rearm, %esi
        call puts
        mov  $10, %edi
        mov  ticks, %eax
        call per_period

        call sync                       /* one deadline */
        movl $0, ticks
        ARM  2000000
        call five
        mov  $msg_once, %esi
        call puts
        mov  ticks, %eax
        call total
        mov  $msg_after, %esi
        call puts
        mov  $0x6e0, %ecx
        rdmsr
        call putdec
        call newline

        movl $0, ticks                  /* a deadline passed */
        ARM  0
        mov  $100, %ecx
1:      pause
        loop 1b
        mov  $msg_past, %esi
        call puts
        mov  ticks, %eax
        call total

        call sync                       /* armed, then disarmed */
        movl $0, ticks
        ARM  2000000
        DISARM
        call five
        mov  $msg_zero, %esi
        call puts
        mov  ticks, %eax
        call total

        call sync                       /* the initial count is ignored */
        movl $0, ticks
        movl $1000000, APIC + 0x380
        call five
        mov  $msg_icr, %esi
        call puts
        mov  ticks, %eax
        call total
        mov  $msg_ccr, %esi
        call puts
        mov  APIC + 0x390, %eax
        call putdec
        call newline

        call sync                       /* a mode change disarms */
        movl $0, ticks
        ARM  2000000
        movl $0x00030, APIC + 0x320
        movl $0x40030, APIC + 0x320
        mov  $0x6e0, %ecx
        rdmsr
        mov  %eax, %ebx
        call five
        mov  $msg_mode, %esi
        call puts
        mov  %ebx, %eax
        call putdec
        mov  $msg_then, %esi
        call puts
        mov  ticks, %eax
        jmp  total

/* sync: wait for the next PIT tick. */
sync:   mov  pit, %eax
1:      hlt
        cmp  pit, %eax
        je   1b
        ret

/* five: wait five PIT ticks. */
five:   mov  pit, %eax
        add  $5, %eax
1:      hlt
        cmp  pit, %eax
        jne  1b
        ret

/* per_period: EAX interrupts in 5 periods, EDI expected per period:
 * "EDI per PIT period" when within a quarter of it, else the raw count. */
per_period:
        mov  %eax, %ebx
        imul $5, %edi, %edx             /* expected total */
        mov  %edx, %ecx
        shr  $2, %ecx                   /* a quarter of it, at least 1 */
        inc  %ecx
        mov  %ebx, %esi
        sub  %edx, %esi
        jns  1f
        neg  %esi
1:      cmp  %ecx, %esi
        ja   2f
        mov  %edi, %eax
        call putdec
        mov  $msg_per, %esi
        jmp  puts
2:      mov  $msg_raw, %esi
        call puts
        mov  %ebx, %eax
        call putdec
        jmp  newline

total:  call putdec
        mov  $msg_total, %esi
        jmp  puts

irq0:   incl pit
        push %eax
        mov  $0x20, %al
        out  %al, $0x20
        pop  %eax
        iret

apic_timer:
        incl ticks
        cmpl $0, rearm
        je   1f
        push %eax
        push %ecx
        push %edx
        ARM  1000000                    /* the next deadline */
        pop  %edx
        pop  %ecx
        pop  %eax
1:      movl $0, APIC + 0xb0            /* EOI */
        iret

spurious:
        iret

        .include "scenarios/guests/lib/print.inc"

        .data
msg_p1:     .asciz "periodic, divide by 1: "
msg_p2:     .asciz "periodic, divide by 2: "
msg_p16:    .asciz "periodic, divide by 16: "
msg_one:    .asciz "one-shot: "
msg_masked: .asciz "masked: "
msg_per:    .asciz " per PIT period\n"
msg_raw:    .asciz "off the clock: "
msg_total:  .asciz " interrupts\n"
msg_down:   .asciz "count runs down: "
msg_yes:    .asciz "yes\n"
msg_no:     .asciz "no\n"
msg_tscd:   .asciz "tsc-deadline: announced\n"
msg_tscd_no: .asciz "tsc-deadline: not announced\n"
msg_rearm:  .asciz "re-armed every 1000000 tsc cycles: "
msg_once:   .asciz "one deadline: "
msg_after:  .asciz "the msr after it: "
msg_past:   .asciz "a passed deadline, at once: "
msg_zero:   .asciz "armed, then 0: "
msg_icr:    .asciz "an initial count: "
msg_ccr:    .asciz "current count: "
msg_mode:   .asciz "a mode change: the msr "
msg_then:   .asciz ", then "
        FLAT_GDT
        GDT_PTR
        IDT
        .data
pit:    .long 0
ticks:  .long 0
rearm:  .long 0
        STACK
