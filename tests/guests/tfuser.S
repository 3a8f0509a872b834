/* tfuser.S - single-stepping user code, as a debugger in the kernel does
 * (ptrace's PTRACE_SINGLESTEP): the kernel IRETs to ring 3 with EFLAGS.TF
 * set in the frame, and each user instruction then traps to its #DB
 * handler (Intel SDM vol. 3B 17.3.1.4), DR6.BS set.  Twice: with
 * interrupts on (ring 3 that bt runs directly), then off (ring 3 that bt
 * translates).  The IRET that sets TF is not stepped (TF was clear as it
 * began), nor is the INT 0x80 that ends each stretch (its gate clears TF).
 * The kernel prints each #DB's EIP (from _start), the ring it came from
 * and DR6.BS, then exits.  QEMU's list is the reference
 * (tests/unit/test_tfstep.c). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
        .include "tests/guests/steps.inc"
        .set MAXSTEPS, 16
_start:
        USER_START
        STEP_FRAME user1
        iret                            /* not stepped */

user1:  mov  $1, %eax                   /* a #DB after each of these */
        inc  %eax
        pushf
        pop  %ebx
        int  $0x80                      /* not stepped */
user2:  mov  $2, %eax                   /* again, interrupts off */
        inc  %eax
        pushf
        pop  %ebx
        int  $0x80
3:      jmp  3b

/* INT 0x80: the first time, on to user2 with TF set and IF clear. */
syscall:
        mov  $KDATA, %cx
        mov  %cx, %ds
        mov  %cx, %es
        cmp  $3, %eax
        je   report
        movl $user2, (%esp)
        movl $0x102, 8(%esp)            /* TF, IF clear */
        mov  $UDATA, %cx
        mov  %cx, %ds
        mov  %cx, %es
        iret

report: STEP_REPORT

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
