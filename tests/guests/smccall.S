/* smccall.S - a CALL that pushes its return address onto its own bytes,
 * ten times in a loop, twice: ESP points just past the CALL, so the push
 * writes the return address R over the CALL's rel32, and from the second
 * run on the CALL goes to R + R, where the guest put a copy of the
 * routine it called first (INC %EBX; RET: RET pops R back from the
 * CALL's bytes).  QEMU gives up the block at the store, as for any store
 * into the block being run, and runs the CALL again alone
 * (cflags_next_tb = 1), which it lets finish; a CALL ends a block, so
 * ringside cannot tell that retry from a loop back to the CALL by the
 * blocks' shapes (tests/unit/test_smccount.c own_bytes_call: te, bt and
 * hw list QEMU's instructions).  The first loop's push is 4-aligned,
 * which Unicorn's memory hook sees; the second's is not, which it does
 * not see from the second run on.  The routines ran 20 times
 * ("smccall: 00000014"). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"

/* Ten CALLs onto themselves; R - 4, the push's address, is 4-aligned
 * with pad 2, not with pad 0. */
.macro CALLS pad
        mov  $2f, %edi                  /* R, the CALL's return address */
        add  %edi, %edi                 /* R + R: where rel32 = R leads */
        movw $0xc343, (%edi)            /* INC %EBX; RET */
        mov  $10, %ecx
        jmp  1f
        .p2align 2
        .skip \pad, 0x90
1:      mov  $2f, %esp                  /* the push lands on the rel32 */
        call once
2:      loop 1b
.endm

_start:
        BEGIN msg
        mov  %esp, %ebp
        xor  %ebx, %ebx
        CALLS 2
        CALLS 0
        mov  %ebp, %esp
        mov  %ebx, %eax
        call hexln
        EXIT 0
once:   inc  %ebx
        ret
        .include "tests/guests/lib.inc"
        .data
msg:    .asciz "smccall: "
        STACK
