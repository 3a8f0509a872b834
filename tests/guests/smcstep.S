/* smcstep.S - instructions that store into their own bytes under TF,
 * ten times in a loop.  With TF set QEMU translates every instruction
 * alone (HF_TF_MASK in i386_tr_translate_insn), blocks of one
 * instruction that are not the retry of a block given up: a store into
 * one gives it up as any other, and only its retry (cflags_next_tb = 1)
 * is let finish; the #DB after each instruction (Intel SDM vol. 3A,
 * 17.3.1.4) runs `debug`, which counts them.  One store of 1 byte (into
 * its own opcode), one of 4 (into its own immediate).  #DB came 50 times
 * (the two stores, PUSHF, ANDL and the POPF clearing TF, "smcstep:
 * 00000032"; tests/unit/test_smccount.c own_bytes_step). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        BEGIN msg
        GATE 1, debug
        lidt idt_ptr
        xor  %ebx, %ebx
        mov  $10, %ecx
1:      pushf
        orl  $0x100, (%esp)             /* TF: #DB after each instruction */
        popf
2:      movb $0xc6, 2b                  /* C6 05 disp32 imm8: its opcode */
3:      movl $7, 3b + 6                 /* C7 05 disp32 imm32: its imm32 */
        pushf
        andl $~0x100, (%esp)
        popf
        loop 1b
        mov  %ebx, %eax
        call hexln
        EXIT 0
debug:  inc  %ebx
        iret
        .include "tests/guests/lib.inc"
        .data
msg:    .asciz "smcstep: "
        IDT
        STACK
