/* iretnt.S - IRET with EFLAGS.NT set: a return from a nested task, to
 * the task whose selector is in the current TSS's back link.  The guest's
 * TSS links to 0x10, a data segment, not a busy TSS: #TS with that
 * selector as error code (SDM 2A IRET; QEMU helper_iret_protected).  The
 * guest's #TS and #GP handlers say which came, with the error code. */
        .include "tests/guests/mb.inc"
        .set KCODE, 0x08
        .set KDATA, 0x10
        .set TSS, 0x18
_start:
        mov  $0xff, %al                 /* mask every IRQ: QEMU's timer */
        out  %al, $0x21
        out  %al, $0xa1
        mov  $stack, %esp
        mov  $tss, %eax                 /* the TSS descriptor's base */
        mov  %ax, gdt + TSS + 2
        shr  $16, %eax
        mov  %al, gdt + TSS + 4
        mov  %ah, gdt + TSS + 7
        lgdt gdt_ptr
        ljmp $KCODE, $1f
1:      mov  $KDATA, %ax
        mov  %ax, %ds
        mov  %ax, %es
        mov  %ax, %ss
        mov  $TSS, %ax
        ltr  %ax
        mov  $10, %ebx                  /* #TS */
        mov  $ts, %eax
        call gate
        mov  $13, %ebx                  /* #GP */
        mov  $gp, %eax
        call gate
        lidt idt_ptr
        mov  $msg_start, %esi
        call puts
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
/* gate: IDT entry EBX -> handler EAX (ring 0 interrupt gate). */
gate:   mov  %ax, idt(,%ebx,8)
        movw $KCODE, idt + 2(,%ebx,8)
        movw $0x8e00, idt + 4(,%ebx,8)
        shr  $16, %eax
        mov  %ax, idt + 6(,%ebx,8)
        ret
ts:     mov  $msg_ts, %esi
        jmp  3f
gp:     mov  $msg_gp, %esi
3:      call puts
        pop  %eax                       /* the error code */
        call hex
        mov  $'\n', %al
        call putc
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg_start: .asciz "iretnt: iret with NT set\n"
msg_ts:    .asciz "iretnt: #TS "
msg_gp:    .asciz "iretnt: #GP "
msg_ran:   .asciz "iretnt: returned\n"
        .align 8
gdt:    .quad 0
        .quad 0x00cf9a000000ffff        /* 0x08 kernel code */
        .quad 0x00cf92000000ffff        /* 0x10 kernel data */
        .quad 0x0000890000000067        /* 0x18 TSS (base set above) */
gdt_ptr:
        .word 4 * 8 - 1
        .long gdt
idt_ptr:
        .word 256 * 8 - 1
        .long idt
        .align 4
tss:    .long KDATA                     /* back link: not a TSS */
        .space 0x64
        .bss
        .align 8
idt:    .space 256 * 8
        .space 4096
stack:
