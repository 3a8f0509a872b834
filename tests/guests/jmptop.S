/* jmptop.S - jump to the last byte of the address space (0xffffffff).
 * On QEMU that is the BIOS ROM's last byte; under ringside it is the
 * VMM's area, which the guest must not reach: a fetch from memory that
 * is not there.  Either way nothing more is printed. */
        .include "tests/guests/mb.inc"
_start:
        mov  $0xff, %al                 /* mask every IRQ: QEMU's timer */
        out  %al, $0x21
        out  %al, $0xa1
        mov  $stack, %esp
        mov  $msg, %esi
        call puts
        mov  $0xffffffff, %eax
        jmp  *%eax
        .include "tests/guests/lib.inc"
        .data
msg:    .asciz "jmptop: jumping to 0xffffffff\n"
        .bss
        .space 4096
stack:
