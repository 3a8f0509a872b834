/* iretnt.S - IRET with EFLAGS.NT set: a return from a nested task, to
 * the task whose selector is in the current TSS's back link.  The guest's
 * TSS links to KDATA, a data segment, not a busy TSS: #TS with that
 * selector as error code (SDM 2A IRET; QEMU helper_iret_protected).  The
 * guest's #TS and #GP handlers say which came, with the error code. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
        .set TSS, 0x18
_start:
        BEGIN msg_start
        mov  $tss, %eax                 /* the TSS descriptor's base */
        mov  %ax, gdt + TSS + 2
        shr  $16, %eax
        mov  %al, gdt + TSS + 4
        mov  %ah, gdt + TSS + 7
        FLAT_SEGMENTS
        mov  $TSS, %ax
        ltr  %ax
        GATE 10, ts             /* #TS */
        GATE 13, gp             /* #GP */
        lidt idt_ptr
        pushf
        orl  $0x4000, (%esp)            /* NT */
        popf
        pushf                           /* an IRET frame to 2f */
        push %cs
        push $2f
        iret
2:      mov  $msg_ran, %esi
        call puts
        EXIT 1
ts:     mov  $msg_ts, %esi
        jmp  3f
gp:     mov  $msg_gp, %esi
3:      call puts
        pop  %eax                       /* the error code */
        call hexln
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg_start: .asciz "iretnt: iret with NT set\n"
msg_ts:    .asciz "iretnt: #TS "
msg_gp:    .asciz "iretnt: #GP "
msg_ran:   .asciz "iretnt: returned\n"
        FLAT_GDT
        .quad 0x0000890000000067        /* TSS: its base set above */
        GDT_PTR
        .align 4
tss:    .long KDATA                     /* back link: not a TSS */
        .space 0x64
        IDT
        STACK
