/* apiclint.S - the PIC's interrupt request (INTR) through a local APIC's
 * LINT0 in other modes than ExtINT, and at an application processor (AP),
 * on two processors (QEMU -smp 2, ringside --vcpus 2).  On QEMU 7.2 the
 * PIC's output goes to every processor whose LINT0 is unmasked
 * (pic_irq_request in hw/i386/x86.c), which takes it in the LVT's mode
 * (apic_deliver_pic_intr and apic_local_deliver in hw/intc/apic.c): fixed,
 * an interrupt at the LVT's vector; NMI, an NMI; ExtINT, the CPU asks the
 * PIC.  And a processor whose LINT0 is unmasked, in any mode, asks the PIC
 * first when it takes an interrupt while the PIC's output is high
 * (apic_get_interrupt: "ExtINT interrupts ignore the priority").
 * Each part arms the PIT for one tick (mode 0: one rising edge on IRQ 0,
 * the PIC's vectors at 0x20) and logs each interrupt taken as its APIC ID
 * (bits 15:8) and its vector:
 *   fixed      the BSP's LINT0 fixed, vector 0x50: the PIC's vector 0x20
 *              (asked for first), then 0x50 (raised by LINT0)
 *   nmi        LINT0 in NMI mode: one NMI (vector 2), no PIC vector (the
 *              CPU never asks the PIC); the PIC's IRR keeps IRQ 0
 *   late fixed LINT0 unmasked, fixed, vector 0x52, while IRQ 0 still
 *              waits at the PIC: it comes in at once (QEMU's
 *              apic_check_pic after a store to LINT0), 0x20 then 0x52
 *   level irr  LINT0 fixed and level-triggered, vector 0x53, interrupts
 *              off: the IRR's word of vectors 0x40-0x5f holds 0x53 while
 *              the PIC's INTR is high, and not once IRQ 0 is masked
 *              there (apic_deliver_pic_intr, level 0)
 *   ap extint  the BSP's LINT0 masked, the AP's ExtINT: the AP takes 0x20
 *   ap fixed   the AP's LINT0 fixed, vector 0x51: the AP takes 0x20, 0x51
 * Each line is what QEMU prints (test_apic_guest.c compares them in te,
 * bt and hw).  Before, ringside gave the PIC's INTR to an ExtINT LINT0
 * only: the fixed and NMI parts logged nothing. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
        .set APIC, 0xfee00000
        .set APICID, APIC + 0x20
        .set EOI, APIC + 0xb0
        .set SVR, APIC + 0xf0
        .set IRR2, APIC + 0x220         /* vectors 0x40-0x5f */
        .set ICRLO, APIC + 0x300
        .set ICRHI, APIC + 0x310
        .set LINT0, APIC + 0x350
        .set MASKED, 0x10000            /* an LVT's mask bit */
        .set TRAMP, 0x8000              /* SIPI vector 0x08 */
        .set WAIT, 5000000              /* patience, in loops: a safety
                                           net for QEMU's real-time PIT */

_start:
        FLAT_START stack
        mov  $msg, %esi
        call puts
        TIMER_ONLY
        GATE 0x02, h_nmi
        GATE 0x20, h_pic0
        GATE 0x27, h_pic7
        GATE 0x50, h_v50
        GATE 0x51, h_v51
        GATE 0x52, h_v52
        lidt idt_ptr
        movl $0x1ff, SVR

        movl $0x50, LINT0               /* fixed, vector 0x50 */
        call tick
        mov  $2, %eax
        call wait
        mov  $msg_fixed, %esi
        call report

        movl $0x400, LINT0              /* NMI */
        call tick
        mov  $1, %eax
        call wait
        mov  $0x0a, %al                 /* OCW3: read the IRR */
        out  %al, $0x20
        in   $0x20, %al
        movzbl %al, %ebx
        movl $MASKED | 0x400, LINT0     /* before any printing: each
                                           change at the PIC (the serial
                                           port's IRQ 4) would be another
                                           NMI while IRQ 0 waits there */
        push %ebx
        mov  $msg_nmi, %esi
        call report
        mov  $msg_irr, %esi
        call puts
        pop  %eax
        call hexln

        mov  $2, %eax                   /* IRQ 0 still waits at the PIC */
        sti
        movl $0x52, LINT0               /* unmasked, fixed, vector 0x52 */
        call wait
        mov  $msg_late, %esi
        call report

        movl $0x8053, LINT0             /* fixed, vector 0x53, level */
        call tick
        mov  $WAIT, %ecx                /* interrupts off: its IRR bit */
1:      testl $1 << (0x53 - 0x40), IRR2
        jnz  2f
        pause
        loop 1b
2:      mov  IRR2, %ebx
        mov  $0xff, %al                 /* IRQ 0 masked: INTR falls */
        out  %al, $0x21
        mov  IRR2, %edx
        mov  $msg_level, %esi
        call puts
        mov  %ebx, %eax
        call hex
        mov  $' ', %al
        call putc
        mov  %edx, %eax
        call hexln

        movl $MASKED | 0x700, LINT0     /* the BSP out of it */
        TIMER_ONLY                      /* ICW1 forgets IRQ 0's request */
        mov  $tramp, %esi               /* start the AP */
        mov  $TRAMP, %edi
        mov  $tramp_end - tramp, %ecx
        rep movsb
        movl $0x01000000, ICRHI
        movl $0x4500, ICRLO             /* INIT */
        movl $0x4608, ICRLO             /* SIPI, vector 0x08 */
        mov  $1, %eax
        call ap_wait
        call tick
        mov  $1, %eax
        call wait
        mov  $msg_ap, %esi
        call report

        movl $1, ap_next                /* the AP's LINT0 to fixed */
        mov  $2, %eax
        call ap_wait
        call tick
        mov  $2, %eax
        call wait
        mov  $msg_apfixed, %esi
        call report
        mov  $msg_done, %esi
        call puts
        EXIT 0

/* tick: the PIT's channel 0 in mode 0, 100 counts: one rising edge. */
tick:   mov  $0x30, %al                 /* channel 0, lo/hi byte, mode 0 */
        out  %al, $0x43
        mov  $100, %al
        out  %al, $0x40
        xor  %al, %al
        out  %al, $0x40
        ret

/* wait: interrupts on until the log holds EAX entries (or WAIT loops),
 * a little longer for any that follow, then off. */
wait:   sti
        mov  $WAIT, %ecx
1:      cmp  count, %eax
        jbe  2f
        pause
        loop 1b
2:      mov  $20000, %ecx
3:      pause
        loop 3b
        cli
        ret

/* ap_wait: until the AP says it is at step EAX (or WAIT loops). */
ap_wait:
        mov  $WAIT, %ecx
1:      cmp  ap_step, %eax
        je   2f
        pause
        loop 1b
2:      ret

/* report: the label at ESI, the log, a newline; the log emptied. */
report: call puts
        xor  %ebx, %ebx
1:      cmp  count, %ebx
        jae  2f
        mov  $' ', %al
        call putc
        mov  entries(,%ebx,4), %eax
        call hex
        inc  %ebx
        jmp  1b
2:      movl $0, count
        jmp  newline

/* The handlers: each logs its vector; the PIC's and the APIC's send
 * their EOI, the NMI and the PIC's spurious IRQ 7 none. */
h_nmi:  push %eax
        mov  $0x02, %eax
        call log
        pop  %eax
        iret
h_pic0: push %eax
        mov  $0x20, %eax
        call log
        mov  $0x20, %al
        out  %al, $0x20
        pop  %eax
        iret
h_pic7: push %eax
        mov  $0x27, %eax
        call log
        pop  %eax
        iret
h_v50:  push %eax
        mov  $0x50, %eax
        jmp  1f
h_v51:  push %eax
        mov  $0x51, %eax
        jmp  1f
h_v52:  push %eax
        mov  $0x52, %eax
1:      call log
        movl $0, EOI
        pop  %eax
        iret

/* log: EAX, with this processor's APIC ID in bits 15:8, into the log. */
log:    push %ebx
        push %edx
        mov  APICID, %edx
        shr  $24, %edx
        shl  $8, %edx
        or   %edx, %eax
        mov  count, %ebx
        cmp  $16, %ebx
        jae  1f
        mov  %eax, entries(,%ebx,4)
        incl count
1:      pop  %edx
        pop  %ebx
        ret

/* The AP, in protected mode: LINT0 in ExtINT mode, interrupts on; at
 * ap_next, LINT0 fixed with vector 0x51. */
ap_main:
        mov  $KDATA, %ax
        mov  %ax, %ds
        mov  %ax, %es
        mov  %ax, %ss
        mov  $ap_stack, %esp
        lidt idt_ptr
        movl $0x1ff, SVR
        movl $0x700, LINT0
        movl $1, ap_step
        sti
1:      pause                           /* (not HLT: nothing would wake
                                           it to see ap_next) */
        cmpl $0, ap_next
        je   1b
        cli
        movl $0x51, LINT0
        movl $2, ap_step
        sti
2:      hlt
        jmp  2b

        .include "tests/guests/lib.inc"

/* The AP's first code, copied to TRAMP (kernel.inc). */
        AP_TRAMPOLINE ap_main

        .data
msg:         .asciz "apiclint: the PIC through LINT0\n"
msg_fixed:   .asciz "fixed:"
msg_nmi:     .asciz "nmi:"
msg_irr:     .asciz "pic irr: "
msg_late:    .asciz "late fixed:"
msg_level:   .asciz "level irr: "
msg_ap:      .asciz "ap extint:"
msg_apfixed: .asciz "ap fixed:"
msg_done:    .asciz "apiclint: done\n"
        .align 4
count:     .long 0
entries:   .space 16 * 4
ap_step:   .long 0
ap_next:   .long 0
        FLAT_GDT
        GDT_PTR
        IDT
        .bss
        .align 16
        .space 1024
ap_stack:
        STACK
