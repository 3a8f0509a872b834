/* crmask.S - writes to CR0 and CR4 that change the VMM's bits, and writes
 * that change only the guest's.
 *
 * Under VT-x a MOV to CR0 or CR4 exits only if it would change a bit that
 * is set in the CR0 (CR4) guest/host mask, that is a bit whose value
 * differs from the read shadow; CLTS only if CR0.TS is masked and set in
 * the shadow; LMSW only if it would set a masked PE or change a masked
 * MP/EM/TS [Intel SDM vol. 3C 25.1.3].  A VMM with shadow page tables owns
 * CR0's PE NE WP NW CD PG and CR4's PSE PAE PGE VMXE; the guest keeps the
 * rest (docs/hardware-assist.md).  Each write is labelled: x_ where the
 * 2006 VT-x exits, n_ where it does not (test_modes.c reads the labels).
 * After each write the guest reads CR0 and CR4 back (from the read
 * shadows under VT-x: no exit) and prints them: QEMU prints the same. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"

        .set CR0_MP, 0x2
        .set CR0_TS, 0x8
        .set CR0_NE, 0x20
        .set CR0_WP, 0x10000
        .set CR4_TSD, 0x4
        .set CR4_PSE, 0x10

        .globl n_mp, n_ts, n_clts, n_same, x_wp, x_wp_off, x_ne, n_lmsw
        .globl n_tsd, x_pse, x_pse_off, n_tsd_off
/* WRITE cr, op, bits, label: read CR, change bits by op (or, and), write it
 * back at label, print both registers. */
.macro WRITE cr, op, bits, label
        mov  %\cr, %eax
        \op  $\bits, %eax
\label: mov  %eax, %\cr
        call show
.endm

_start:
        MASK_IRQS
        mov  $stack, %esp
        call show

        WRITE cr0, or, CR0_MP, n_mp         /* MP: the guest's bit */
        WRITE cr0, or, CR0_TS, n_ts         /* TS: the guest's (lazy FPU) */
n_clts: clts                                /* TS is not masked: no exit */
        call show
        mov  %cr0, %eax
n_same: mov  %eax, %cr0                     /* no bit changes at all */
        WRITE cr0, or, CR0_WP, x_wp         /* WP: the VMM's (shadow tables) */
        WRITE cr0, and, (~CR0_WP), x_wp_off
        WRITE cr0, or, CR0_NE, x_ne         /* NE: fixed to 1 in VMX operation */
        mov  $(CR0_TS | 1), %eax            /* PE (already set) and TS */
n_lmsw: lmsw %ax
        call show
        WRITE cr4, or, CR4_TSD, n_tsd       /* TSD: the guest's */
        WRITE cr4, or, CR4_PSE, x_pse       /* PSE: the VMM's (page formats) */
        WRITE cr4, and, (~CR4_PSE), x_pse_off
        WRITE cr4, and, (~CR4_TSD), n_tsd_off
        EXIT 0

/* show: "cr0=XXXXXXXX cr4=XXXXXXXX\n" as the guest reads them. */
show:   mov  $msg_cr0, %esi
        call puts
        mov  %cr0, %eax
        call hex
        mov  $msg_cr4, %esi
        call puts
        mov  %cr4, %eax
        call hex
        mov  $'\n', %al
        jmp  putc

        .include "scenarios/guests/lib/print.inc"

        .data
msg_cr0:    .asciz "cr0="
msg_cr4:    .asciz " cr4="
        .bss
        .space 4096
stack:
