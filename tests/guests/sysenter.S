/* sysenter.S - system calls with SYSENTER and returns with SYSEXIT (the
 * fast system-call pair of the Pentium II and later, Intel SDM vol. 2B).
 *
 * The kernel writes the three SYSENTER MSRs (CS 0x174, ESP 0x175, EIP
 * 0x176), drops to ring 3 with interrupts on (so under binary translation
 * the user code runs directly), and the user code makes three calls:
 * EAX = 1 and 2 print "S1" and "S2" and SYSEXIT back to ring 3 (EDX: the
 * return EIP, ECX: the user stack), EAX = 3 prints "S3", a newline, and
 * exits 0.  SYSENTER loads CS from the MSR and SS = CS + 8; SYSEXIT loads
 * CS = MSR + 16 and SS = MSR + 24, both with RPL 3: hence the GDT order.
 * First the user code tries RDPMC: with CR4.PCE clear it is #GP at ring
 * 3 (QEMU, helper_rdpmc); the kernel's #GP handler prints "P" and skips
 * it.  On QEMU and in every ringside mode it prints "PS1S2S3\n". */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"

_start:
        USER_START
        SYSENTER_MSRS entry
        GATE 13, gp_handler             /* #GP, ring 0 */
        lidt idt_ptr
        TO_RING3 user

user:   xor  %ecx, %ecx
        rdpmc                           /* #GP: CR4.PCE is clear */
        mov  $1, %eax
2:      mov  %esp, %ecx
        mov  $3f, %edx
        sysenter
3:      inc  %eax
        cmp  $4, %eax
        jne  2b
4:      jmp  4b                         /* not reached */

/* #GP from ring 3 (the RDPMC): say so, and resume after the 2 bytes. */
gp_handler:
        push %eax
        push %edx
        mov  $0x3f8, %dx
        mov  $'P', %al
        out  %al, %dx
        pop  %edx
        pop  %eax
        addl $2, 4(%esp)                /* EIP, above the error code */
        add  $4, %esp                   /* drop the error code */
        iret

/* The kernel's fast system-call entry: ring 0, IF cleared by SYSENTER. */
entry:  push %eax
        push %edx
        mov  $0x3f8, %dx
        mov  $'S', %al
        out  %al, %dx
        mov  4(%esp), %eax              /* the caller's EAX */
        add  $'0', %al
        out  %al, %dx
        sub  $'0', %al
        cmp  $3, %al
        je   5f
        pop  %edx
        pop  %eax
        sti                             /* the call's return: IF back on */
        sysexit
5:      mov  $'\n', %al
        out  %al, %dx
        EXIT 0

/* KDATA = KCODE + 8, UCODE = KCODE + 16, UDATA = KCODE + 24, as
 * SYSENTER and SYSEXIT want them. */
        FLAT_GDT
        USER_GDT
        GDT_PTR
        IDT 16
        TSS_DATA kstack
        USER_STACKS
