/* smc.S - self-modifying code: patch the immediate of an instruction that
 * has already run, and run it again.  The CPU must not run a stale copy
 * (nor may the VMM's decode cache keep one).  Exits 0 if the sum is right
 * (100 + 3 + 2 = 105), 1 if not. */
        .include "tests/guests/mb.inc"
_start:
        mov  $stack, %esp
        xor  %ebx, %ebx
        mov  $3, %ecx
1:      call patchme
        add  %eax, %ebx
        mov  %ecx, patchme + 1          /* new immediate for next time */
        dec  %ecx
        jnz  1b
        cmp  $105, %ebx
        jne  2f
        EXIT 0
2:      EXIT 1

patchme:
        mov  $100, %eax                 /* b8 64 00 00 00: patched above */
        ret

        .bss
        .space 4096
stack:
