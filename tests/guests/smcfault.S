/* smcfault.S - an instruction whose memory operand is its own bytes
 * and that faults, ten times in a loop, each right after STI (Intel SDM
 * vol. 3A, 6.8.3: the interrupt shadow).  BOUND reads its two bounds
 * from its own opcode and displacement (62 05 disp32: a lower bound of
 * 0x00xx0562) and EAX = 0 is below it: #BR, a fault (vol. 3A 6.15,
 * interrupt 5: the saved EIP is the BOUND's).  The handler counts it and
 * returns past the BOUND.  Under hw the VT-x model takes STI, so the
 * block after it is stepped, and an instruction reading its own bytes is
 * stepped with no count (cpu_step_own: Unicorn 2.0.1 given a count stops
 * before a given-up block's retry): the #BR must still stop that run
 * before the handler, which is counted and listed as QEMU runs it
 * ("smcfault: 0000000a"; tests/unit/test_smccount.c own_bytes_fault). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        FLAT_START
        GATE 5, br_handler              /* #BR */
        lidt idt_ptr
        mov  $msg, %esi
        call puts
        xor  %ebx, %ebx
        mov  $10, %ecx
1:      xor  %eax, %eax
        sti
2:      bound %eax, 2b                  /* 62 05 disp32: its own bytes */
        cli
        loop 1b
        mov  %ebx, %eax
        call hexln
        EXIT 0

br_handler:
        addl $6, (%esp)                 /* past the 6-byte BOUND */
        inc  %ebx
        iret

        .include "tests/guests/lib.inc"
        .data
msg:    .asciz "smcfault: "
        FLAT_GDT
        GDT_PTR
        IDT
        STACK
