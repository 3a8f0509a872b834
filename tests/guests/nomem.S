/* nomem.S - probe */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
.macro PEEK addr
        mov  $\addr, %eax
        call hex
        mov  $':', %al
        call putc
        mov  \addr, %eax
        call hexln
.endm
.macro POKE addr
        movl $0x12345678, \addr
        PEEK \addr
.endm
_start:
        BEGIN msg
        PEEK 0x07fffffc
        PEEK 0x08000000
        PEEK 0x20000000
        PEEK 0xe0000000
        PEEK 0xfebffffc
        PEEK 0xfec00000
        PEEK 0xfed00000
        PEEK 0xffbffffc
        PEEK 0xffc00000
        PEEK 0xffd00000
        PEEK 0xfffbfffc
        PEEK 0xfffc0000
        PEEK 0xfffffff0
        POKE 0x08000000
        POKE 0x20000000
        POKE 0xffc00000
        POKE 0xffd00000
        POKE 0xfffc0000
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg:    .asciz "nomem\n"
        STACK
