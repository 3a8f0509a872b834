/* nocode.S - run code where there is no memory: past the end of RAM
 * (0x20000000), then in the top 4 MiB where ringside's VMM keeps its area
 * (0xffc20010, its stub).  Zeros are fetched there, ADD [EAX], AL (EAX
 * on a scratch byte in RAM), two bytes each.
 * The timer (1 kHz) ends each run: its handler says whether it came in
 * the middle of the zeros, at an instruction boundary, and whether they
 * ran; the first then IRETs into the VMM's area, the second exits.  On
 * QEMU (the reference machine) both runs go on until the tick [measured].
 * The test asserts the same in te, bt and hw (tests/unit/test_hostile.c). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        BEGIN msg
        FLAT_SEGMENTS
        TIMER_ONLY
        GATE 0x20, tick
        lidt idt_ptr
        mov  $0x34, %al                 /* PIT channel 0, mode 2 */
        out  %al, $0x43
        mov  $1193 & 0xff, %al          /* 1193182 / 1193: 1 kHz */
        out  %al, $0x40
        mov  $1193 >> 8, %al
        out  %al, $0x40
        movl $0x20000000, where
        mov  $scratch, %eax
        sti
        jmp  *where
tick:   mov  (%esp), %ebx               /* where the tick came in */
        mov  %ebx, %ecx
        sub  where, %ecx
        mov  $msg_in, %esi
        cmp  $0x00100000, %ecx          /* within 1 MiB of the start */
        jb   1f
        mov  $msg_out, %esi
1:      call puts
        mov  $msg_even, %esi
        test $1, %ebx
        jz   2f
        mov  $msg_odd, %esi
2:      call puts
        mov  $msg_ran, %esi
        cmp  where, %ebx                /* EIP went on */
        jne  3f
        mov  $msg_noran, %esi
3:      call puts
        mov  $0x20, %al                 /* EOI */
        out  %al, $0x20
        cmpl $0x20000000, where
        jne  4f
        movl $0xffc20010, where         /* then the VMM's area */
        movl $0xffc20010, (%esp)
        movb $0, scratch
        mov  $scratch, %eax
        iret
4:      EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg:       .asciz "nocode: running zeros where there is no memory\n"
msg_in:    .asciz "nocode: the tick came in the zeros, "
msg_out:   .asciz "nocode: the tick came elsewhere, "
msg_even:  .asciz "at an instruction\n"
msg_odd:   .asciz "between instructions\n"
msg_ran:   .asciz "nocode: they ran\n"
msg_noran: .asciz "nocode: they did not run\n"
where:     .long 0
        .align 256
        .byte 0
scratch:   .byte 0
        IDT
        FLAT_GDT
        GDT_PTR
        STACK
