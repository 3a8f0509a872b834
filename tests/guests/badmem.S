/* badmem.S - an instruction that begins in the last byte of RAM (128 MiB)
 * and ends where there is no memory: MOV EAX, imm32, its immediate past
 * RAM.  Loads, stores and whole instructions where there is nothing are
 * made as on QEMU (nomem.S, nocode.S); one that straddles the end of RAM
 * is not run: the VM powers off at its address (bad-memory). */
        .include "tests/guests/mb.inc"
_start:
        movb $0xb8, 0x07ffffff
        mov  $0x07ffffff, %eax
        jmp  *%eax
