/* badmem.S - an instruction that begins in RAM and ends where there is no
 * memory: CALL [0x00003344] (FF 15 44 33 00 00) in the last four bytes of
 * RAM (128 MiB), the top half of its displacement past RAM, where code is
 * zeros.  On QEMU (qemu-system-i386 -m 128) the CPU reads those zeros, so
 * the call goes through the pointer at 0x3344 and pushes the address after
 * the instruction, 0x08000002 [measured]; the guest prints that return
 * address.  ringside must do the same in te, bt and hw (the instruction is
 * the VMM's to run, a no-memory trap: tests/unit/test_hostile.c). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        BEGIN msg
        movl $back, 0x3344              /* the pointer the call reads */
        movl $0x334415ff, 0x07fffffc    /* FF 15 44 33, then nothing */
        mov  $0x07fffffc, %eax
        jmp  *%eax
back:   pop  %eax                       /* the return address it pushed */
        call hexln
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg:    .asciz "badmem: a call that begins in RAM and ends past it\n"
        STACK
