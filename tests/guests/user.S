/* user.S - a kernel that drops to user mode with interrupts on, and is
 * called back twice by INT 0x80.  Under binary translation the user code
 * runs directly (ring 3, IF on, IOPL 0) and the kernel code translated, so
 * the execution mode switches four times.  Prints "U1" and "U2" on the
 * serial port, exits 0 if the user code computed the right sum. */
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
        /* the TSS descriptor's base, filled in at run time */
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
        /* IDT gate 0x80: interrupt gate, DPL 3, to syscall */
        mov  $syscall, %eax
        mov  %ax, idt + 0x80 * 8
        movw $KCODE, idt + 0x80 * 8 + 2
        movw $0xee00, idt + 0x80 * 8 + 4
        shr  $16, %eax
        mov  %ax, idt + 0x80 * 8 + 6
        lidt idt_ptr
        /* down to ring 3 with interrupts on */
        mov  $UDATA, %ax
        mov  %ax, %ds
        mov  %ax, %es
        push $UDATA
        push $ustack
        push $0x202
        push $UCODE
        push $user
        iret

user:   xor  %eax, %eax
        mov  $100, %ecx
2:      add  %ecx, %eax                 /* 100 + 99 + ... + 1 = 5050 */
        loop 2b
        mov  %eax, %ebx
        mov  $1, %eax
        int  $0x80
        mov  $2, %eax
        int  $0x80
3:      jmp  3b

syscall:
        mov  $0x3f8, %dx
        push %eax
        mov  $'U', %al
        out  %al, %dx
        pop  %eax
        add  $'0', %al
        out  %al, %dx
        sub  $'0', %al
        cmp  $2, %al
        je   4f
        iret                            /* back to ring 3, IF on again */
4:      mov  $'\n', %al
        out  %al, %dx
        cmp  $5050, %ebx
        jne  5f
        EXIT 0
5:      EXIT 1

        .data
        .align 8
gdt:    .quad 0
        .quad 0x00cf9a000000ffff        /* 0x08 kernel code */
        .quad 0x00cf92000000ffff        /* 0x10 kernel data */
        .quad 0x00cffa000000ffff        /* 0x18 user code, DPL 3 */
        .quad 0x00cff2000000ffff        /* 0x20 user data, DPL 3 */
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
        .align 8
idt:    .space 256 * 8
        .space 4096
kstack:
        .space 4096
ustack:
