/* ticker.S - a guest that keeps time and little else: the PIT at 100 Hz,
 * HLT between ticks, a line on COM1 every 100 ticks ("tick 00000064"),
 * forever.  About twenty instructions per tick: simulated minutes cost
 * little, so a test can step back and forth across what a cluster's
 * VirtualCenter does over minutes (DRS passes, HA's timeline) with this
 * guest's instruction count as the clock. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        BEGIN msg_start
        FLAT_SEGMENTS
        TIMER_ONLY
        GATE 0x20, timer        /* IRQ 0 */
        lidt idt_ptr
        PIT_RATE 11931                  /* 100 Hz */
        sti
1:      hlt
        mov  ticks, %eax
        xor  %edx, %edx
        mov  $100, %ecx
        div  %ecx
        test %edx, %edx
        jnz  1b
        cmp  ticks_said, %eax
        je   1b
        mov  %eax, ticks_said
        mov  $msg_tick, %esi
        call puts
        mov  ticks, %eax
        call hexln
        jmp  1b
timer:  push %eax
        incl ticks
        mov  $0x20, %al                 /* EOI */
        out  %al, $0x20
        pop  %eax
        iret
        .include "tests/guests/lib.inc"
        .data
ticks:      .long 0
ticks_said: .long 0
msg_start: .asciz "ticker: 100 Hz\n"
msg_tick:  .asciz "tick "
        FLAT_GDT
        GDT_PTR
        IDT
        STACK
