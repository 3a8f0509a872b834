/* jmptop.S - jump to the last byte of the address space (0xffffffff).
 * On QEMU that is the BIOS ROM's last byte; under ringside it is the
 * VMM's area, which the guest must not reach: a fetch from memory that
 * is not there.  Either way nothing more is printed. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        BEGIN msg
        mov  $0xffffffff, %eax
        jmp  *%eax
        .include "tests/guests/lib.inc"
        .data
msg:    .asciz "jmptop: jumping to 0xffffffff\n"
        STACK
