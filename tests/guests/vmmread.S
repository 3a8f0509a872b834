/* vmmread.S - read a word of the top 4 MiB of the address space (where
 * ringside's binary translator keeps its translation cache), then exit.
 * On QEMU nothing is there: the read gives 0 and the guest exits 0.
 * Under ringside the VMM's area is memory the guest does not have: the
 * read powers the VM off at that address, in every mode. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        BEGIN msg
        mov  0xffd00000, %eax
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg:    .asciz "vmmread: reading 0xffd00000\n"
        STACK
