/* vmmzero.S - zero the top 4 MiB of the address space (the VMM's area
 * under ringside) with REP STOSL, then exit.  On QEMU the stores go
 * nowhere (no memory there, and the BIOS ROM at the very top ignores
 * them) and the guest goes on; under ringside the first store is a touch
 * of memory the guest does not have, and the run ends there. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        BEGIN msg
        cld
        mov  $0xffc00000, %edi
        mov  $0x4000, %ecx            /* 4 MiB in dwords */
        xor  %eax, %eax
        rep  stosl
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg:    .asciz "vmmzero: zeroing 0xffc00000-0xffffffff\n"
        STACK
