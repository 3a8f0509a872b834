/* badmem.S - run code where there is no memory (512 MiB, past 128 MiB of
 * RAM).  A load or a store there is made as on QEMU (nomem.S); code
 * fetched from nothing is not run: the VM powers off at that address. */
        .include "tests/guests/mb.inc"
_start:
        mov  $0x20000000, %eax
        jmp  *%eax
