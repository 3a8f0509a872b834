/* apicoff.S - exploration */
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
        .set COUNT, APIC + 0x380
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
        /* S */
        movl $0x1ff, SVR
        movl $0xffffffff, SVR
        SHOW SVR
        movl $0x1ff, SVR
        movl $0xffffffff, LINT0
        SHOW LINT0
        movl $0xffffffff, LVTT
        SHOW LVTT
        movl $0x10000, LVTT
        movl $0x700, LINT0
        movl $0xff, SVR
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
        AWAIT IRR + 0x20, 0x80000
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

showlog:
        mov  log, %eax
        movl $0, log
        movl $0, nlog
        jmp  hexln

        .include "tests/guests/lib.inc"
        .data
msg:     .asciz "apicoff: start\n"
msg_end: .asciz "apicoff: done\n"
        .align 4
log:     .long 0
nlog:    .long 0
        IDT
        FLAT_GDT
        GDT_PTR
        STACK
