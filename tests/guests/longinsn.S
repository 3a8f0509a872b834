/* longinsn.S - an instruction of 16 bytes: fifteen operand-size prefixes
 * before a NOP.  The longest x86 instruction is 15
 * bytes; a longer one raises #GP(0) (SDM 2A, 2.3.11), on QEMU too.  The
 * guest's #GP handler says which exception came and exits; #UD would be
 * the wrong answer. */
        .include "tests/guests/mb.inc"
        .set KCODE, 0x08
        .set KDATA, 0x10
_start:
        mov  $0xff, %al                 /* mask every IRQ: QEMU's timer */
        out  %al, $0x21
        out  %al, $0xa1
        mov  $stack, %esp
        lgdt gdt_ptr
        ljmp $KCODE, $1f
1:      mov  $KDATA, %ax
        mov  %ax, %ds
        mov  %ax, %es
        mov  %ax, %ss
        mov  $6, %ebx                   /* #UD */
        mov  $ud, %eax
        call gate
        mov  $13, %ebx                  /* #GP */
        mov  $gp, %eax
        call gate
        lidt idt_ptr
        mov  $msg_start, %esi
        call puts
long:   .byte 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66
        .byte 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66
        .byte 0x90                      /* 15 prefixes + NOP: 16 bytes */
        mov  $msg_ran, %esi
        call puts
        EXIT 1
/* gate: IDT entry EBX -> handler EAX (ring 0 interrupt gate). */
gate:   mov  %ax, idt(,%ebx,8)
        movw $KCODE, idt + 2(,%ebx,8)
        movw $0x8e00, idt + 4(,%ebx,8)
        shr  $16, %eax
        mov  %ax, idt + 6(,%ebx,8)
        ret
ud:     mov  $msg_ud, %esi
        call puts
        EXIT 0
gp:     mov  $msg_gp, %esi
        call puts
        pop  %eax                       /* the error code */
        call hex
        mov  $' ', %al
        call putc
        pop  %eax                       /* the faulting EIP */
        sub  $long, %eax
        call hex
        mov  $'\n', %al
        call putc
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg_start: .asciz "longinsn: 16 bytes\n"
msg_ud:    .asciz "longinsn: #UD\n"
msg_gp:    .asciz "longinsn: #GP, error code and EIP - long: "
msg_ran:   .asciz "longinsn: ran\n"
        .align 8
gdt:    .quad 0
        .quad 0x00cf9a000000ffff        /* 0x08 kernel code */
        .quad 0x00cf92000000ffff        /* 0x10 kernel data */
gdt_ptr:
        .word 3 * 8 - 1
        .long gdt
idt_ptr:
        .word 256 * 8 - 1
        .long idt
        .bss
        .align 8
idt:    .space 256 * 8
        .space 4096
stack:
