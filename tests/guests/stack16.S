/* stack16.S - a 16-bit stack segment (its descriptor's B bit clear): the
 * CPU addresses it with SP, not ESP, and keeps ESP's top half (SDM 3A
 * 3.4.5, the B flag of a stack segment).  ESP is 0x00208000 and SP 0x8000:
 * a frame at 0x8000 is the stack's, a decoy at 0x208000 is not.
 *   A  IRET pops the frame at SS:SP, to `right`; the decoy goes to `wrong`
 *   B  INT 0x30 pushes its frame at SS:SP - 12: the handler finds its
 *      return address at 0x7ff4 and ESP's top half kept
 *   C  RETF pops SS:SP's frame, to `right2`
 * Each line printed is what QEMU prints: the VMM carrying out IRET, RETF
 * and INT for the guest (te, bt, hw) must use SP as the CPU does. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
        .set STK16, 0x18                /* a 16-bit data segment, base 0 */
_start:
        BEGIN msg
        FLAT_SEGMENTS
        GATE 0x30, int30
        lidt idt_ptr
        pushf
        pop  %edx                       /* EFLAGS for the frames */
        movl $right, 0x8000             /* A: the stack's frame */
        movl $KCODE, 0x8004
        mov  %edx, 0x8008
        movl $wrong, 0x208000           /* ... and the decoy */
        movl $KCODE, 0x208004
        mov  %edx, 0x208008
        mov  $STK16, %ax
        mov  %ax, %ss
        mov  $0x00208000, %esp
        iret
wrong:  mov  $KDATA, %ax
        mov  %ax, %ss
        mov  $stack, %esp
        mov  $msg_wrong, %esi
        call puts
        jmp  b
right:  mov  %esp, %eax                 /* 0x0020800c: SP popped 12 */
        mov  $KDATA, %bx
        mov  %bx, %ss
        mov  $stack, %esp
        call hexln

b:      mov  $STK16, %ax                /* B */
        mov  %ax, %ss
        mov  $0x00208000, %esp
        int  $0x30
b_back: mov  $KDATA, %ax
        mov  %ax, %ss
        mov  $stack, %esp
        mov  0x7ff4, %eax               /* the return address it pushed */
        sub  $b_back, %eax              /* 0 if at SS:SP - 12 */
        call hexln
        mov  saved, %eax                /* ESP in the handler */
        call hexln

        movl $right2, 0x8000            /* C */
        movl $KCODE, 0x8004
        movl $wrong, 0x208000
        movl $KCODE, 0x208004
        mov  $STK16, %ax
        mov  %ax, %ss
        mov  $0x00208000, %esp
        lret
right2: mov  %esp, %eax                 /* 0x00208008 */
        mov  $KDATA, %bx
        mov  %bx, %ss
        mov  $stack, %esp
        call hexln
        mov  $msg_end, %esi
        call puts
        EXIT 0

int30:  mov  %esp, saved
        iret
        .include "tests/guests/lib.inc"
        .data
msg:       .asciz "stack16: a 16-bit stack segment\n"
msg_wrong: .asciz "stack16: popped from SS:ESP\n"
msg_end:   .asciz "stack16: done\n"
saved:     .long 0
        IDT
        FLAT_GDT
        .quad 0x000092000000ffff       /* STK16: 16-bit data, base 0 */
        GDT_PTR
        STACK
