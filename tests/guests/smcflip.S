/* smcflip.S - an instruction that stores into its own opcode byte, ten
 * times in a loop: MOV %AL, moffs (A2 addr) writes A2 over itself until
 * AL becomes A3 in the sixth iteration; the seventh turns it into
 * MOV %EAX, moffs (A3 addr), which from then on writes its own first
 * four bytes over themselves.  Unicorn's memory hook sees each 1-byte
 * store (in the block given up and in its retry) but the 4-byte ones
 * only the first time [measured]; the listing must show A2 seven times,
 * then A3 (tests/unit/test_smccount.c own_bytes_flip), and QEMU runs
 * the same instructions.  The number of runs after which the opcode is
 * A3 is printed ("smcflip: 00000004"). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        BEGIN msg
        mov  $1f, %eax                  /* EAX: 1f's address, then A2 */
        shl  $8, %eax
        mov  $0xa2, %al
        xor  %ebx, %ebx
        mov  $10, %ecx
1:      movb %al, 1b                    /* into its own opcode */
        cmpb $0xa3, 1b
        jne  2f
        inc  %ebx
2:      cmp  $5, %ecx
        jne  3f
        mov  $0xa3, %al                 /* the next run makes it MOVL */
3:      loop 1b
        mov  %ebx, %eax
        call hexln
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg:    .asciz "smcflip: "
        STACK
