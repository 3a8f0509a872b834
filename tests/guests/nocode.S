/* nocode.S - run code where there is no memory: past the end of RAM
 * (0x20000000), in the local APIC's page (0xfee00030, its version
 * register), then in the top 4 MiB where ringside's VMM keeps its area
 * (0xffc20010, its stub).  Zeros are fetched there, ADD [EAX], AL (EAX
 * on a scratch byte in RAM), two bytes each: in the APIC's page too, as
 * QEMU's APIC answers 0 to a read narrower than 4 bytes and its CPU
 * fetches opcode and ModRM a byte at a time [measured: a 4-byte load at
 * 0xfee00030 gives 0x00050014, a 1- or 2-byte load 0].
 * The timer (1 kHz) starts and ends each run: its handler says whether it came in
 * the middle of the zeros, at an instruction boundary, and whether they
 * ran; the first two then IRET into the next place, the third exits.  On
 * QEMU (the reference machine) both runs go on until the tick [measured].
 * The test asserts the same in te, bt and hw (tests/unit/test_nothing.c). */
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
        mov  $scratch, %eax
        sti
idle:   hlt                             /* a tick sends it there */
        jmp  idle
/* Ticks: from idle to 0x20000000, report; from idle to 0xfee00030,
 * report; from idle to 0xffc20010, report and exit.  Each run in the zeros starts with a tick, from idle,
 * and lasts until the next one, whatever the reports cost. */
tick:   incl state
        mov  state, %edx
        mov  targets - 4(,%edx,4), %ebx
        test $1, %edx
        jz   0f
        mov  %ebx, (%esp)               /* 1, 3, 5: into the zeros */
        mov  %ebx, where
        jmp  5f
0:      mov  (%esp), %ebx               /* 2, 4, 6: where the tick came in */
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
        cmpl $6, state
        je   4f
        movl $idle, (%esp)              /* wait for the next tick */
5:      mov  $0x20, %al                 /* EOI */
        out  %al, $0x20
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
state:     .long 0
targets:   .long 0x20000000, idle, 0xfee00030, idle, 0xffc20010
                                /* past RAM, the APIC, the VMM's stub */
        .align 256
        .byte 0
scratch:   .byte 0
        IDT
        FLAT_GDT
        GDT_PTR
        STACK
