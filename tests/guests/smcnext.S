/* smcnext.S - an instruction whose 4-byte store covers its own 2 bytes
 * and the next instruction's, ten times in a loop: MOV %EAX, (%ESI)
 * (89 06) writes 89 06 B2 n over itself and MOV $n, %DL, with n = 0, 1,
 * ... 9 (x86 runs the MOV with the n just stored).  Unicorn's memory
 * hook sees none of these stores after the first [measured: an unaligned
 * 4-byte store into the block being run], so the VMM learns of the new
 * bytes from the blocks alone (tests/unit/test_smccount.c
 * own_bytes_next: each MOV listed with its n, as QEMU runs them).  The
 * sum of the n is printed ("smcnext: 0000002d"). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        BEGIN msg
        xor  %ebx, %ebx
        mov  $10, %ecx
        mov  $1f, %esi
        mov  (%esi), %eax               /* 89 06 B2 00: n = 0 */
        jmp  1f
        .p2align 2
        nop                             /* 1f not 4-aligned */
1:      mov  %eax, (%esi)               /* into its own bytes and on */
        mov  $0, %dl                    /* B2 n */
        movzbl %dl, %edx
        add  %edx, %ebx
        add  $0x01000000, %eax          /* n + 1 */
        loop 1b
        mov  %ebx, %eax
        call hexln
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg:    .asciz "smcnext: "
        STACK
