/* smcshadow.S - instructions that store into their own bytes in an
 * interrupt shadow, ten times in a loop: after STI, and after MOV to SS
 * (Intel SDM vol. 3A, 6.8.3: no interrupt before the next instruction
 * retires).  QEMU ends a block at STI and MOV SS and translates the
 * next instruction alone (HF_INHIBIT_IRQ_MASK in i386_tr_translate_insn:
 * DISAS_TOO_MANY), a block of one instruction that is not the retry of a
 * block given up: a store into it gives it up as any other, and only its
 * retry (cflags_next_tb = 1) is let finish.  One store of 1 byte (into
 * its own opcode), one of 4 (into its own immediate).  The PICs are
 * masked: no interrupt comes.  Each iteration adds 1 ("smcshadow:
 * 0000000a"; tests/unit/test_smccount.c own_bytes_shadow). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        BEGIN msg
        xor  %ebx, %ebx
        mov  $10, %ecx
1:      sti
2:      movb $0xc6, 2b                  /* C6 05 disp32 imm8: its opcode */
        cli
        mov  %ss, %ax
        mov  %ax, %ss
3:      movl $7, 3b + 6                 /* C7 05 disp32 imm32: its imm32 */
        add  $1, %ebx
        loop 1b
        mov  %ebx, %eax
        call hexln
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg:    .asciz "smcshadow: "
        STACK
