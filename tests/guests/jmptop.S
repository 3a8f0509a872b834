/* jmptop.S - jump to the last byte of the address space (0xffffffff).
 * Nothing is there on ringside (the VMM's area, out of the guest's reach);
 * on QEMU it is the last byte of its BIOS ROM, which is 0 [measured].
 * Either way the CPU reads 0 there and the instruction goes on at address
 * 0, in RAM (EIP wraps at 4 GiB): the guest puts its ModRM byte and
 * displacement there, so it is ADD [count], AL (00 05 <count>), six bytes,
 * followed at 5 by JMP EBX back into the guest, which prints count.  The
 * same in te, bt and hw as on QEMU (tests/unit/test_nothing.c). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        BEGIN msg
        movb $0x05, 0                   /* ModRM: [disp32] */
        movl $count, 1                  /* its displacement */
        movw $0xe3ff, 5                 /* JMP EBX */
        mov  $back, %ebx
        mov  $7, %al
        mov  $0xffffffff, %ecx
        jmp  *%ecx
back:   mov  count, %eax
        call hexln
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg:    .asciz "jmptop: jumping to 0xffffffff\n"
count:  .long 0x100
        STACK
