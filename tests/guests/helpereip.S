/* helpereip.S - loads from nothing (the VMM's area) made in Unicorn's
 * helpers rather than its translated code: CMPXCHG8B, BOUND, x87 loads
 * (FLD, FILD, FBLD, FLDENV, FRSTOR) and FXRSTOR, and x87 stores, each right
 * after a plain load in the same block.  On QEMU nothing is there: loads
 * give 0 and stores go nowhere; each line is what the instruction left:
 *   A  CMPXCHG8B with EDX:EAX 1:1: unequal, EDX:EAX <- 0:0 (ZF 0)
 *   B  BOUND of 0 in [0, 0]: no #BR
 *   C  FLD of the double 0.0, FISTP to RAM: 0
 *   D  FILD of 0, FISTP: 0
 *   E  FBLD of 0 (BCD), FISTP: 0
 *   F  FSTP and FISTP to nothing (stores), then FNSTSW: no fault
 *   G  FLDENV and FRSTOR of zeros: the control word 0 (FNSTCW)
 *   H  FXRSTOR of zeros: the control word 0 again (after FNINIT)
 *   I  FILD in a block with no other access, after another instruction,
 *      FISTP: 0
 * Under ringside each access of nothing is a no-memory trap that must
 * name its own instruction (test_named.c). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
        .set NOTHING, 0xffc40000
_start:
        BEGIN msg
        FLAT_SEGMENTS
        lidt idt_none
        fninit

        mov  $1, %eax                   /* A */
        mov  $1, %edx
        xor  %ecx, %ecx
        mov  word, %ebx
a_cx8:  cmpxchg8b NOTHING
        setz %cl
        shl  $8, %ecx
        or   %edx, %eax
        or   %ecx, %eax
        call hexln

        xor  %eax, %eax                 /* B */
        mov  word, %ebx
b_bound: bound %eax, NOTHING
        call hexln

        mov  word, %ebx                 /* C */
c_fld:  fldl NOTHING
        fistpl out
        mov  out, %eax
        call hexln

        mov  word, %ebx                 /* D */
d_fild: fildl NOTHING
        fistpl out
        mov  out, %eax
        call hexln

        mov  word, %ebx                 /* E */
e_fbld: fbld NOTHING
        fistpl out
        mov  out, %eax
        call hexln

        fld1                            /* F */
        fld1
        mov  word, %ebx
f_fstp: fstpl NOTHING
        mov  word, %ebx
f_fist: fistpl NOTHING
        fnstsw %ax
        and  $0x3f, %eax
        call hexln

        mov  word, %ebx                 /* G */
g_env:  fldenv NOTHING
        fnstcw out
        mov  word, %ebx
g_rstor: frstor NOTHING
        fnstcw out + 4
        mov  out, %eax
        shl  $16, %eax
        or   out + 4, %ax
        call hexln

        fninit                          /* H */
        mov  word, %ebx
h_fxrstor: fxrstor NOTHING
        fnstcw out
        movzwl out, %eax
        fninit
        call hexln

        mov  word, %ebx                 /* I */
        jmp  1f
1:      xor  %ecx, %ecx
i_fild: fildl NOTHING
        jmp  2f
2:      fistpl out
        mov  out, %eax
        call hexln

        mov  $msg_end, %esi
        call puts
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg:     .asciz "helpereip: loads from nothing in Unicorn's helpers\n"
msg_end: .asciz "helpereip: done\n"
        .align 4
word:    .long 0x12345678
out:     .long 0, 0
        FLAT_GDT
        GDT_PTR
        NO_IDT
        STACK
