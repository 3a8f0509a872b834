/* gate.S - a guest that writes a DPL-0 code descriptor and a DPL-3 call
 * gate to it straight into the VMM's real (shadow) GDT, at the top of the
 * address space, and calls through the gate.  On QEMU that memory does
 * not exist: the stores go nowhere, the selector is past the guest's own
 * GDT (#GP) and with an empty IDT the machine triple-faults.  Under a VMM
 * the guest must never reach the real ring 0 ("ring 0!" printed). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
        .set SHADOW, 0xffc00000         /* ringside's VMM_BASE: its real GDT */
        .set CODE0, 100 * 8             /* the forged ring-0 code segment */
        .set GATE, 101 * 8              /* the forged call gate */
_start:
        BEGIN msg_start
        lidt idt_none
        movl $0x0000ffff, SHADOW + CODE0        /* base 0, limit 4G */
        movl $0x00cf9a00, SHADOW + CODE0 + 4    /* code, DPL 0, present */
        mov  $ring0, %eax
        mov  %ax, SHADOW + GATE                 /* offset 15..0 */
        movw $CODE0, SHADOW + GATE + 2          /* selector */
        movw $0xec00, SHADOW + GATE + 4         /* 32-bit call gate, DPL 3 */
        shr  $16, %eax
        mov  %ax, SHADOW + GATE + 6             /* offset 31..16 */
        lcall $GATE, $0
        mov  $msg_back, %esi
        call puts
        EXIT 2
ring0:  mov  %cr0, %eax                 /* really privileged */
        mov  $msg_ring0, %esi
        call puts
        EXIT 1
        .include "tests/guests/lib.inc"
        .data
msg_start: .asciz "gate: start\n"
msg_back:  .asciz "gate: back\n"
msg_ring0: .asciz "gate: ring 0!\n"
        NO_IDT
        STACK
