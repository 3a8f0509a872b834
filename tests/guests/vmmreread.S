/* vmmreread.S - read the same word of the VMM's area (0xffc00008: under
 * ringside, a descriptor of the VMM's own GDT) eight times in a loop,
 * then exit with 0 if every read gave 0, 1 if one did not.  On QEMU
 * nothing is there: every read gives 0.  Under ringside each read must
 * reach the guard, not only the first on the page: were the guard made
 * by protecting the area, Unicorn would check a load's permissions inline
 * once per page unless a load or store hook sent every access through
 * its helpers (sim/cpu/cpu_hooks.c), which this guest would notice. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        BEGIN msg
        xor  %eax, %eax
        mov  $8, %ecx
1:      mov  0xffc00008, %edx
        or   %edx, %eax
        dec  %ecx
        jnz  1b
        test %eax, %eax
        jnz  2f
        EXIT 0
2:      EXIT 1
        .include "tests/guests/lib.inc"
        .data
msg:    .asciz "vmmreread: reading 0xffc00008 eight times\n"
        STACK
