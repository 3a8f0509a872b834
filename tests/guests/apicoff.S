/* apicoff.S - the local APIC switched off and its odd modes, on one
 * processor, as QEMU 7.2 has them (hw/intc/apic.c), where they differ
 * from the SDM's APIC.  Interrupts are let in by STI; NOP; CLI, each
 * handler logs its vector (a byte each) and writes EOI; a timer is waited
 * for by polling (QEMU's timers follow the host's clock).  Each line is
 * what QEMU prints:
 *   S  written all ones: the SVR reads 0x1ff (QEMU keeps bits 0-8), LVT
 *      LINT0 and the LVT timer 0xffffffff (QEMU keeps an LVT whole)
 *   D  the APIC software-disabled (SVR 0xff): LINT0 still 0x700 and the
 *      timer's 0x10000, nothing masked (the SDM's APIC masks every LVT,
 *      10.4.7.2); the timer written 0x50 reads 0x50; its count runs out:
 *      vector 0x50 in the IRR (0x00010000), not delivered (log 0) until
 *      the APIC is on again (log 0x50); the PIT's IRQ 0 through the PIC
 *      and LINT0, the APIC off again: taken (log 0x20)
 *   L  logical destinations with the LDR 1: the DFR 0x7fffffff reads so;
 *      a model neither flat (0xf) nor cluster (0): an IPI to logical 1
 *      reaches nobody (IRR 0), as QEMU's apic_get_delivery_bitmask; the
 *      cluster model: it does (0x52: 0x00040000); model 3: nobody again
 *      (0x53 never comes); log 0x52
 *   M  the timer's LVT in NMI mode (vector 0x52): no IRR bit, an NMI
 *      (log 02), at vector 2 too; SMIs, by the ICR to itself, by an MSI
 *      and by the timer's LVT: QEMU enters system management mode and
 *      SeaBIOS's handler returns, nothing to see (IRR 0, log 0)
 *   C  CPUID leaf 1's EDX (0x0781abfd, bit 9: an APIC); IA32_APIC_BASE's
 *      global enable cleared: bit 9 gone (0x0781a9fd, QEMU's
 *      cpu_clear_apic_feature); the enable written again: refused
 *      (0xfee00100), and CPUID still says no APIC
 * Under ringside, the same in every mode, and each SMI an event saying it
 * is dropped (test_apic_guest.c).  Before: the SVR read 0x3ff, the LVTs
 * 0x000730ff and 0x000710ff; a software disable masked every LVT (the
 * timer's interrupt lost, the PIC's IRQ 0 never came and the guest
 * stopped there, HLT with nothing to wake it); model 7 was taken as a
 * cluster; the timer in NMI mode made fixed interrupts at its vector; and
 * CPUID kept bit 9. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
        .set APIC, 0xfee00000
        .set TPR, APIC + 0x80
        .set LDR, APIC + 0xd0
        .set DFR, APIC + 0xe0
        .set SVR, APIC + 0xf0
        .set IRR, APIC + 0x200
        .set ICRLO, APIC + 0x300
        .set ICRHI, APIC + 0x310
        .set LVTT, APIC + 0x320
        .set LINT0, APIC + 0x350
        .set COUNT, APIC + 0x380        /* the timer's initial count */
        .set CCR, APIC + 0x390          /* and its current count */
        .set DCR, APIC + 0x3e0

.macro TAKE
        sti
        nop
        cli
        call showlog
.endm

.macro HANDLER v
h_\v:   push %eax
        mov  $\v, %al
        jmp  logv
.endm

/* Wait until the word at a has a bit of mask m set, a while at most. */
.macro AWAIT a, m
        mov  $10000000, %ecx
100:    testl $\m, \a
        jnz  101f
        loop 100b
101:
.endm

.macro SHOW a
        mov  \a, %eax
        call hexln
.endm

_start:
        BEGIN msg
        FLAT_SEGMENTS
        GATE 0x02, h_0x02
        GATE 0x20, h_0x20
        .irp v, 0x50, 0x51, 0x52, 0x53
        GATE \v, h_\v
        .endr
        lidt idt_ptr
        cli
        movl $0x1ff, SVR                /* S */
        movl $0xffffffff, SVR
        SHOW SVR
        movl $0x1ff, SVR
        movl $0xffffffff, LINT0
        SHOW LINT0
        movl $0xffffffff, LVTT
        SHOW LVTT
        movl $0x10000, LVTT
        movl $0x700, LINT0
        movl $0xff, SVR                 /* D */
        SHOW LINT0
        SHOW LVTT
        movl $0x50, LVTT
        SHOW LVTT
        movl $0xb, DCR
        movl $0x100, COUNT
        AWAIT IRR + 0x20, 0x10000
        SHOW IRR + 0x20
        TAKE
        movl $0x1ff, SVR
        TAKE
        movl $0xff, SVR
        TIMER_ONLY
        PIT_RATE 11932
        sti
        hlt
        cli
        MASK_IRQS
        call showlog
                                        /* L */
        movl $0x1ff, SVR
        movl $0x01000000, LDR
        movl $0x7fffffff, DFR
        SHOW DFR
        movl $0x01000000, ICRHI
        movl $0x851, ICRLO
        SHOW IRR + 0x20
        movl $0x0fffffff, DFR
        movl $0x852, ICRLO
        SHOW IRR + 0x20
        movl $0x3fffffff, DFR
        movl $0x853, ICRLO
        SHOW IRR + 0x20
        TAKE
        movl $0xffffffff, DFR
                                        /* M */
        movl $0x10000, LVTT
        movl $0x452, LVTT
        movl $0x100, COUNT
        AWAIT nlog, 0xff
        SHOW IRR + 0x20
        TAKE
        movl $0x402, LVTT
        movl $0x100, COUNT
        AWAIT nlog, 0xff
        call showlog
        movl $0x40250, ICRLO
        SHOW IRR + 0x20
        movl $0x250, 0xfee00000
        SHOW IRR + 0x20
        TAKE
        movl $0x253, LVTT
        movl $0x100, COUNT
1:      cmpl $0, CCR                    /* run out (and its SMI sent) */
        jne  1b
        mov  $10000, %ecx
2:      loop 2b
        SHOW IRR + 0x20
        TAKE
        movl $0x10000, LVTT
                                        /* C */
        mov  $1, %eax
        cpuid
        mov  %edx, %eax
        call hexln
        mov  $0x1b, %ecx
        rdmsr
        and  $~0x800, %eax
        wrmsr
        mov  $1, %eax
        cpuid
        mov  %edx, %eax
        call hexln
        mov  $0x1b, %ecx
        rdmsr
        or   $0x800, %eax
        wrmsr
        rdmsr
        call hexln
        mov  $1, %eax
        cpuid
        mov  %edx, %eax
        call hexln
        mov  $msg_end, %esi
        call puts
        EXIT 0

        HANDLER 0x02
        HANDLER 0x20
        .irp v, 0x50, 0x51, 0x52, 0x53
        HANDLER \v
        .endr

/* The handlers' tail: AL into the log, EOI (the PIC's too for IRQ 0). */
logv:   push %ebx
        mov  nlog, %ebx
        cmp  $4, %ebx
        jae  1f
        mov  %al, log(%ebx)
        incl nlog
1:      movl $0, APIC + 0xb0
        cmp  $0x20, %al
        jne  2f
        mov  $0x20, %al
        out  %al, $0x20
2:      pop  %ebx
        pop  %eax
        iret

/* The log as one word (the first vector in the low byte), emptied. */
showlog:
        mov  log, %eax
        movl $0, log
        movl $0, nlog
        jmp  hexln

        .include "tests/guests/lib.inc"
        .data
msg:     .asciz "apicoff: the APIC switched off, odd DFR models, SMIs\n"
msg_end: .asciz "apicoff: done\n"
        .align 4
log:     .long 0
nlog:    .long 0
        IDT
        FLAT_GDT
        GDT_PTR
        STACK
