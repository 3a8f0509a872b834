/* badmem.S - instructions that begin in RAM and end where there is no
 * memory, in the last four bytes of RAM (128 MiB), the top half of their
 * displacement past RAM, where code is zeros:
 *   CALL [0x00003344] (FF 15 44 33 00 00): it calls through the pointer
 *     at 0x3344 and pushes the address after it, 0x08000002, which the
 *     guest prints;
 *   DIV dword [0x00003348] (F7 35 48 33 00 00), of 0: #DE, whose frame
 *     holds the instruction's own address, 0x07fffffc, which the guest
 *     prints;
 *   0F C7 /0 (0F C7 at 0x07fffffe, its ModRM 00 past RAM), invalid: #UD
 *     at 0x07fffffe, printed.
 * QEMU 7.2 with 128 MiB does not run them: it aborts (an assertion in its
 * translator).  With 256 MiB, zeros there, it gives those answers
 * [measured]; ringside must give them with 128 MiB in te, bt and hw, each
 * instruction a no-memory trap (tests/unit/test_nothing.c). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        BEGIN msg
        FLAT_SEGMENTS
        GATE 0, divide
        GATE 6, invalid
        lidt idt_ptr
        movl $back, 0x3344              /* the pointer the call reads */
        movl $0, 0x3348                 /* the divisor */
        movl $0x334415ff, 0x07fffffc    /* FF 15 44 33, then nothing */
        mov  $0x07fffffc, %eax
        jmp  *%eax
back:   pop  %eax                       /* the return address it pushed */
        call hexln
        movl $0x334835f7, 0x07fffffc    /* F7 35 48 33, then nothing */
        mov  $0x07fffffc, %eax
        jmp  *%eax
divide: pop  %eax                       /* #DE: where it faulted */
        call hexln
        movw $0xc70f, 0x07fffffe        /* 0F C7, then nothing */
        mov  $0x07fffffe, %eax
        jmp  *%eax
invalid: pop %eax                       /* #UD: where it faulted */
        call hexln
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg:    .asciz "badmem: instructions that begin in RAM and end past it\n"
        IDT
        FLAT_GDT
        GDT_PTR
        STACK
