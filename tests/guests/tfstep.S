/* tfstep.S - single-stepping: EFLAGS.TF set, a debug exception (#DB,
 * vector 1) after every instruction (Intel SDM vol. 3B 17.3.1.4, "Single-
 * Step Exception Condition"), with DR6.BS set (17.2.3).  The guest steps
 * over a known sequence and its #DB handler records the EIP of each trap
 * (the instruction the step stopped before) and whether DR6 said BS:
 *  - the POPF that sets TF traps nothing: the flag is tested before the
 *    instruction, so the first #DB comes after the next one;
 *  - MOV from CR0 and CPUID, which the VMM carries out (a trap under
 *    te, a callout under bt, a VM exit or the VT-x model under hw): one
 *    #DB each all the same;
 *  - a CALL and the RET of its routine: one #DB each, at the target;
 *  - INT 0x80: the gate clears TF, so its handler runs unstepped, and
 *    its IRET, which puts TF back, traps nothing either (TF was clear
 *    when it began); the next #DB is after the instruction after INT;
 *  - MOV SS: a debug exception is held back for one instruction
 *    (6.8.3, "Masking Exceptions and Interrupts When Switching Stacks");
 *  - PUSHF shows TF set (the handler's IRET restored it each time);
 *  - the POPF that clears TF still traps (TF was set when it began).
 * It prints the number of steps, each step's EIP and DR6.BS, the TF that
 * PUSHF saw and what the INT 0x80 handler left in EBX, then exits.  The
 * list of EIPs is QEMU's (tests/unit/test_tfstep.c). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
        .set MAXSTEPS, 32
_start:
        FLAT_START
        GATE 1, debug
        GATE 0x80, syscall
        lidt idt_ptr
        xor  %ebx, %ebx
        xor  %eax, %eax
        mov  %eax, %dr6                 /* no stale status */

        pushf
        orl  $0x100, (%esp)             /* TF */
        popf                            /* no #DB after this one */
        mov  $1, %eax                   /* #DB 1 */
        mov  %cr0, %eax                 /* privileged: the VMM's (te) */
        xor  %eax, %eax
        cpuid                           /* a VM exit (hw), a callout (bt) */
        call routine                    /* #DB, at routine */
        int  $0x80                      /* not stepped, nor its IRET */
        mov  %ss, %ax                   /* #DB after INT's next */
        mov  %ax, %ss                   /* its #DB held back... */
        nop                             /* ...to after this one */
        pushf
        pop  %edx                       /* the EFLAGS PUSHF saw */
        pushf
        andl $~0x100, (%esp)
        popf                            /* TF clear, but this one traps */
        nop                             /* not stepped */

        mov  $steps_msg, %esi
        call puts
        mov  count, %eax
        call putdec
        call newline
        xor  %ebx, %ebx
1:      cmp  count, %ebx
        jae  2f
        cmp  $MAXSTEPS, %ebx
        jae  2f
        mov  eips(, %ebx, 4), %eax
        sub  $_start, %eax              /* an offset in the guest */
        call hex
        mov  $' ', %al
        call putc
        mov  bs(, %ebx, 4), %eax
        add  $'0', %al
        call putc
        call newline
        inc  %ebx
        jmp  1b
2:      mov  $tf_msg, %esi
        call puts
        mov  %edx, %eax
        shr  $8, %eax
        and  $1, %eax
        call putdec
        call newline
        mov  $ebx_msg, %esi
        call puts
        mov  sys_ebx, %eax
        call putdec
        call newline
        EXIT 0

routine:
        ret                             /* #DB, back at the caller */

/* INT 0x80: runs with TF clear (an interrupt gate clears it). */
syscall:
        mov  $5, %ebx
        mov  %ebx, sys_ebx
        iret

/* #DB: record the EIP in the frame (the next instruction: a trap) and
 * DR6.BS, then clear DR6 as the SDM asks a handler to (17.2.3). */
debug:  push %eax
        push %ebx
        mov  count, %ebx
        incl count
        cmp  $MAXSTEPS, %ebx
        jae  1f
        mov  8(%esp), %eax              /* EIP */
        mov  %eax, eips(, %ebx, 4)
        mov  %dr6, %eax
        shr  $14, %eax                  /* BS */
        and  $1, %eax
        mov  %eax, bs(, %ebx, 4)
1:      xor  %eax, %eax
        mov  %eax, %dr6
        pop  %ebx
        pop  %eax
        iret

        .include "tests/guests/lib.inc"

        .data
steps_msg: .asciz "steps "
tf_msg:    .asciz "pushf tf "
ebx_msg:   .asciz "int 0x80 ebx "
        .align 4
count:     .long 0
sys_ebx:   .long 0
eips:      .fill MAXSTEPS, 4, 0
bs:        .fill MAXSTEPS, 4, 0
        FLAT_GDT
        GDT_PTR
        IDT
        STACK
