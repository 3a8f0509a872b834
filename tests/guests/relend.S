/* relend.S - relative branches that begin in the last bytes of RAM (128
 * MiB) and end past it, the top of their displacement in nothing, where
 * code is zeros: rel32 = 0x00002010, so each goes to 0x08002012, past
 * RAM, and runs the zeros there (ADD [EAX], AL, EAX on a scratch byte)
 * until the timer's tick (1 kHz), whose handler says where it came in:
 *   A  JMP rel32 (E9 10 20 | 00 00) at 0x07fffffd
 *   B  CALL rel32 (E8 10 20 | 00 00) at 0x07fffffd: it pushes 0x08000002,
 *      which the handler prints
 *   C  JZ rel32 (0F 84 10 20 | 00 00) at 0x07fffffc, taken
 *   D  the same, not taken: on at 0x08000002, in the zeros too
 * For each, the case (0000000a...), then 00000001 if the tick came within
 * 1 MiB of where it went (else the EIP it came at).  QEMU 7.2 with 128 MiB
 * aborts on the first (an assertion in its translator); with 256 MiB,
 * zeros there, it prints this [measured], as ringside must with 128 MiB in
 * te, bt and hw (tests/unit/test_nothing.c). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
        .set END, 0x08000000            /* the end of 128 MiB of RAM */
_start:
        BEGIN msg
        FLAT_SEGMENTS
        TIMER_ONLY
        GATE 0x20, tick
        lidt idt_ptr
        PIT_RATE 1193                   /* 1 kHz */
next:   mov  $stack, %esp
        mov  state, %edx
        cmp  $4, %edx
        je   done
        mov  code(,%edx,4), %ebx        /* NOP, then the branch's first */
        mov  %ebx, END - 4              /* bytes: the last four of RAM */
        mov  $scratch, %eax
        mov  $END - 4, %ecx
        cmp  $2, %edx                   /* ZF: C's branch taken, D's not */
        sti
        jmp  *%ecx
done:   mov  $msg_end, %esi
        call puts
        EXIT 0

/* The tick: in RAM still (before the jump), back, EAX kept; in the
 * zeros, report and go on with the next case. */
tick:   mov  (%esp), %ebx               /* where it came in */
        cmp  $END, %ebx
        jae  1f
        push %eax                       /* (EAX: ADD [EAX]'s scratch) */
        mov  $0x20, %al                 /* EOI */
        out  %al, $0x20
        pop  %eax
        iret
1:      mov  state, %edx
        lea  0xa(%edx), %eax
        call hexln
        mov  state, %edx
        mov  %ebx, %eax
        sub  went(,%edx,4), %eax
        cmp  $0x100000, %eax
        mov  $1, %eax
        jb   2f
        mov  %ebx, %eax
2:      call hexln
        cmpl $1, state
        jne  3f
        mov  12(%esp), %eax             /* B: CALL's return address */
        call hexln
3:      mov  $0x20, %al
        out  %al, $0x20
        incl state
        jmp  next
        .include "tests/guests/lib.inc"
        .data
msg:     .asciz "relend: relative branches that begin in RAM and end past it\n"
msg_end: .asciz "relend: done\n"
state:   .long 0
code:    .long 0x2010e990, 0x2010e890, 0x2010840f, 0x2010840f
went:    .long 0x08002012, 0x08002012, 0x08002012, 0x08000002
scratch: .long 0
        IDT
        FLAT_GDT
        GDT_PTR
        STACK
