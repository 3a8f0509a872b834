/* smcvmm.S - self-modifying code made by an instruction the VMM carries
 * out for the guest: PUSHF, with the stack pointer just past the imm32
 * of the ADD after it, writes EFLAGS over that imm32 (under bt PUSHF is a
 * callout: the VMM's own store, not the CPU's).  On QEMU, as on a real
 * x86, the ADD runs with the new bytes: EBX = EFLAGS after CLI and an
 * XOR that leaves ZF and PF set: 0x46 ("smcvmm: 00000046"). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        BEGIN msg
        cli
        mov  %esp, %edi
        mov  $2f + 6, %esp
        xor  %ebx, %ebx                 /* ZF, PF: EFLAGS = 0x46 */
        pushf                           /* stores EFLAGS over the imm32 */
2:      .byte 0x81, 0xc3                /* add ebx, imm32 */
        .long 0
        mov  %edi, %esp
        mov  %ebx, %eax
        call hexln
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg:    .asciz "smcvmm: "
        STACK
