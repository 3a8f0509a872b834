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

        .set KCODE, 0x08
        .set KDATA, 0x10
        .set UCODE, 0x1b
        .set UDATA, 0x23
        .set TSS_SEL, 0x28

_start:
        mov  $0xff, %al                 /* mask every IRQ: QEMU's timer */
        out  %al, $0x21
        out  %al, $0xa1
        mov  $kstack, %esp
        mov  $tss, %eax
        mov  %ax, gdt + 0x28 + 2
        shr  $16, %eax
        mov  %al, gdt + 0x28 + 4
        mov  %ah, gdt + 0x28 + 7
        lgdt gdt_ptr
        ljmp $KCODE, $1f
1:      mov  $KDATA, %ax
        mov  %ax, %ds
        mov  %ax, %es
        mov  %ax, %ss
        mov  $TSS_SEL, %ax
        ltr  %ax
        xor  %edx, %edx                 /* the SYSENTER MSRs */
        mov  $0x174, %ecx
        mov  $KCODE, %eax
        wrmsr
        mov  $0x175, %ecx
        mov  $kstack, %eax
        wrmsr
        mov  $0x176, %ecx
        mov  $entry, %eax
        wrmsr
        mov  $gp_handler, %eax          /* IDT gate 13: #GP, ring 0 */
        mov  %ax, idt + 13 * 8
        movw $KCODE, idt + 13 * 8 + 2
        movw $0x8e00, idt + 13 * 8 + 4
        shr  $16, %eax
        mov  %ax, idt + 13 * 8 + 6
        lidt idt_ptr
        mov  $UDATA, %ax
        mov  %ax, %ds
        mov  %ax, %es
        push $UDATA
        push $ustack
        push $0x202                     /* IF on */
        push $UCODE
        push $user
        iret

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

        .data
        .align 8
gdt:    .quad 0
        .quad 0x00cf9a000000ffff        /* 0x08 kernel code */
        .quad 0x00cf92000000ffff        /* 0x10 kernel data (CS + 8) */
        .quad 0x00cffa000000ffff        /* 0x18 user code, DPL 3 (CS + 16) */
        .quad 0x00cff2000000ffff        /* 0x20 user data, DPL 3 (CS + 24) */
        .quad 0x0000890000000067        /* 0x28 TSS (base filled in) */
gdt_ptr:
        .word 6 * 8 - 1
        .long gdt
idt_ptr:
        .word 256 * 8 - 1
        .long idt
tss:    .long 0
        .long kstack                    /* esp0 */
        .long KDATA                     /* ss0 */
        .fill 23, 4, 0

        .bss
        .align 16
idt:    .space 256 * 8
        .space 4096
kstack:
        .space 4096
ustack:
