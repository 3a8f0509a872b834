/* badmem.S - read memory that does not exist (512 MiB, past 128 MiB of RAM). */
        .include "tests/guests/mb.inc"
_start:
        mov  0x20000000, %eax
        EXIT 0
