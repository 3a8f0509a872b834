/* longinsn.S - an instruction of 16 bytes: fifteen operand-size prefixes
 * before a NOP.  The longest x86 instruction is 15 bytes; a longer one
 * raises #GP(0) (SDM 2A, 2.3.11), on QEMU too.  The guest's #GP handler
 * says so, with the error code and where; #UD would be the wrong answer. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        BEGIN msg_start
        FLAT_SEGMENTS
        GATE 6, ud              /* #UD */
        GATE 13, gp             /* #GP */
        lidt idt_ptr
long:   .byte 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66
        .byte 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66
        .byte 0x90                      /* 15 prefixes + NOP: 16 bytes */
        mov  $msg_ran, %esi
        call puts
        EXIT 1
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
        call hexln
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg_start: .asciz "longinsn: 16 bytes\n"
msg_ud:    .asciz "longinsn: #UD\n"
msg_gp:    .asciz "longinsn: #GP, error code and EIP - long: "
msg_ran:   .asciz "longinsn: ran\n"
        FLAT_GDT
        GDT_PTR
        IDT
        STACK
