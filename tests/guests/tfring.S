/* tfring.S - single-stepping across changes of ring (Intel SDM vol. 3B
 * 17.3.1.4): the #DB after an instruction follows TF as the instruction
 * BEGAN, and is delivered at the instruction's end - the new CS:EIP, in
 * the new ring.  The guest steps across:
 *  - an IRET from ring 0 to ring 3 that begins with TF set (ring 0 set it
 *    with POPF, which itself traps nothing) and pops TF set: one #DB, at
 *    user1, from ring 3;
 *  - INT 0x80 from ring 3: no #DB (the gate clears TF); the handler's
 *    IRET, which begins with TF clear and pops it set: no #DB either;
 *  - an IRET to ring 3 that begins with TF set and pops it clear: a #DB
 *    at user3 all the same, and none after;
 *  - a far RET (LRET) from ring 0 to ring 3 with TF set: a #DB at user4;
 *  - SYSENTER with TF set (it clears IF, not TF): a #DB at `entry`, from
 *    ring 0, one after its first instruction, and one after SYSEXIT, at
 *    user5 in ring 3; twice, from user code with interrupts off (which
 *    bt translates), then on (which bt runs directly, and SYSENTER
 *    lands in the VMM, as under te).
 * Each #DB from ring 3 enters the ring-0 handler through the TSS's stack
 * (its IRET back, TF clear as it begins, traps nothing).  The kernel
 * prints the number of #DBs and each one's EIP (from _start), ring and
 * DR6.BS (steps.inc), then exits.  QEMU's list is the reference
 * (tests/unit/test_tfstep.c). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
        .include "tests/guests/steps.inc"
        .set MAXSTEPS, 24
_start:
        USER_START
        SYSENTER_MSRS entry
        STEP_FRAME user1
        pushf
        orl  $0x100, (%esp)
        popf                            /* TF: no #DB after this one */
        iret                            /* a #DB at user1, ring 3 */

user1:  mov  $1, %eax                   /* a #DB */
        int  $0x80                      /* none: back with TF set */
        mov  $2, %eax                   /* a #DB */
        int  $0x80                      /* back by an IRET that clears TF */
user3:  mov  $3, %eax                   /* no #DB */
        int  $0x80                      /* back by an LRET, TF set */
user4:  mov  $4, %eax                   /* a #DB */
        mov  %esp, %ecx                 /* a #DB */
        mov  $user5, %edx               /* a #DB */
        sysenter                        /* a #DB at entry, ring 0 */
user5:  mov  $5, %eax                   /* a #DB */
        int  $0x80                      /* back with IF on, TF set */
        mov  $user6, %edx               /* a #DB */
        sysenter                        /* a #DB at entry, ring 0 */
user6:  mov  $6, %eax                   /* a #DB */
        int  $0x80                      /* the report */
3:      jmp  3b

/* INT 0x80, EAX the call.  DS and ES stay UDATA (flat, usable at ring 0):
 * a return to ring 3 would null a ring-0 data segment. */
syscall:
        cmp  $2, %eax
        je   2f
        cmp  $3, %eax
        je   3f
        cmp  $6, %eax
        je   report
        cmp  $5, %eax
        jne  1f
        orl  $0x200, 8(%esp)            /* 5: IF on (user code that bt */
1:      iret                            /* runs directly); 1: TF set after */
2:      andl $~0x100, 8(%esp)           /* 2: the frame's TF clear, */
        pushf                           /* ring 0's set */
        orl  $0x100, (%esp)
        popf
        iret                            /* a #DB at user3 */
3:      mov  12(%esp), %ecx             /* 3: LRET to user4 with TF set */
        add  $20, %esp                  /* (IF stays clear) */
        push $UDATA
        push %ecx
        push $UCODE
        push $user4
        pushf
        orl  $0x100, (%esp)
        popf
        lret                            /* a #DB at user4 */

/* SYSENTER's way in, at ring 0 with TF still set: stepped. */
entry:  nop                             /* a #DB after it */
        sysexit                         /* a #DB at user5, ring 3 */

report: mov  $KDATA, %cx
        mov  %cx, %ds
        mov  %cx, %es
        STEP_REPORT

/* #DB: the EIP and the ring in the frame, DR6.BS; DR6 cleared. */
        STEP_DEBUG

        .include "tests/guests/lib.inc"

        STEP_DATA
        FLAT_GDT
        USER_GDT
        GDT_PTR
        IDT
        TSS_DATA kstack
        USER_STACKS
