/* apicinit.S - INIT sent by a processor to itself, on two processors
 * (QEMU -smp 2, ringside --vcpus 2).  On QEMU an INIT resets the CPU
 * that takes it, whoever sent it (do_cpu_init in target/i386/helper.c:
 * cpu_reset, then apic_init_reset in hw/intc/apic_common.c): an
 * application processor (AP) then waits for a start-up IPI (SIPI), its
 * local APIC back at its INIT state (TPR, LDR 0, DFR flat, SVR 0xff,
 * every LVT masked, IRR, ISR and TMR empty); the APIC ID and
 * IA32_APIC_BASE stay.  The bootstrap processor (BSP) starts the AP
 * with INIT, SIPI, SIPI at a trampoline (as scenarios/guests/smp.S);
 * the AP reports its APIC (SVR, TPR, LDR, DFR, the error LVT, the IRR's
 * word of vectors 0x40-0x5f), sets each to another value, leaves an IPI
 * of vector 0x45 pending in its IRR (interrupts off), and sends INIT to
 * itself (the shorthand "self").  The BSP waits, then sends one SIPI:
 * the AP, waiting for it, starts again and reports its APIC as INIT left
 * it.  Each line is what QEMU prints:
 *   1  the AP's first start: 000000ff 00000000 00000000 ffffffff
 *      00010000 00000000
 *   2  after its own INIT and a SIPI: the same again, and "restarted"
 * Under ringside, the same in every mode (test_reference.c).  Before,
 * ringside ignored a processor's INIT to itself: the AP went on
 * spinning, the SIPI was dropped, and the BSP said "not restarted". */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
        .set APIC, 0xfee00000
        .set TPR, APIC + 0x80
        .set LDR, APIC + 0xd0
        .set DFR, APIC + 0xe0
        .set SVR, APIC + 0xf0
        .set IRR2, APIC + 0x220         /* vectors 0x40-0x5f */
        .set ICRLO, APIC + 0x300
        .set ICRHI, APIC + 0x310
        .set LVTERR, APIC + 0x370
        .set TRAMP, 0x8000              /* SIPI vector 0x08 */
        .set WAIT, 20000000             /* the BSP's patience, in loops */

_start:
        FLAT_START stack
        mov  $msg, %esi
        call puts
        mov  $tramp, %esi               /* the trampoline, below 1 MiB */
        mov  $TRAMP, %edi
        mov  $tramp_end - tramp, %ecx
        rep movsb
        movl $0x1ff, SVR
        movl $0x01000000, ICRHI         /* the AP: APIC ID 1 */
        movl $0x4500, ICRLO             /* INIT */
        movl $0x4608, ICRLO             /* SIPI, vector 0x08: one is
                                           enough here, and a second could
                                           start the AP again once it has
                                           sent its INIT */
1:      pause                           /* its first report */
        cmpl $1, reports
        jne  1b
        call show
        mov  $WAIT / 10, %ecx           /* the AP's INIT: give it time */
2:      loop 2b
        movl $0x4608, ICRLO             /* one SIPI */
        mov  $WAIT, %ecx                /* its second, if it restarts */
2:      cmpl $2, reports
        je   4f
        pause
        loop 2b
        jmp  1f
4:      call show
        mov  $msg_again, %esi
        jmp  3f
1:      mov  $msg_not, %esi
3:      call puts
        EXIT 0

/* show: print the AP's report, six words. */
show:   mov  $report, %esi
        mov  $6, %ebx
3:      lodsl
        call hex
        mov  $' ', %al
        dec  %ebx
        jnz  4f
        mov  $'\n', %al
4:      call putc
        test %ebx, %ebx
        jnz  3b
        ret

/* The AP, in protected mode (the trampoline jumped here), interrupts off. */
ap_main:
        mov  $KDATA, %ax
        mov  %ax, %ds
        mov  %ax, %es
        mov  %ax, %ss
        mov  $ap_stack, %esp
        mov  $report, %edi
        mov  SVR, %eax
        stosl
        mov  TPR, %eax
        stosl
        mov  LDR, %eax
        stosl
        mov  DFR, %eax
        stosl
        mov  LVTERR, %eax
        stosl
        mov  IRR2, %eax
        stosl
        incl reports                    /* the BSP prints them */
        movl $0x1ff, SVR                /* now change them all */
        movl $0x20, TPR
        movl $0x02000000, LDR
        movl $0x0fffffff, DFR
        movl $0x33, LVTERR
        movl $0x40045, ICRLO            /* vector 0x45 to itself: pending */
        movl $0x44500, ICRLO            /* INIT to itself */
1:      jmp  1b                         /* (never again on QEMU) */

        .include "tests/guests/lib.inc"

/* The AP's first code, copied to TRAMP (kernel.inc). */
        AP_TRAMPOLINE ap_main

        .data
msg:       .asciz "apicinit: an application processor's INIT to itself\n"
msg_again: .asciz "apicinit: restarted\n"
msg_not:   .asciz "apicinit: not restarted\n"
        .align 4
reports:   .long 0
report:    .space 6 * 4
        FLAT_GDT
        GDT_PTR
        .bss
        .align 16
        .space 1024
ap_stack:
        STACK
