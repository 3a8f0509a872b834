/* user.S - a kernel that drops to user mode with interrupts on, and is
 * called back twice by INT 0x80.  Under binary translation the user code
 * runs directly (ring 3, IF on, IOPL 0) and the kernel code translated, so
 * the execution mode switches four times.  Prints "U1" and "U2" on the
 * serial port, exits 0 if the user code computed the right sum. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"

_start:
        USER_START
        GATE 0x80, syscall, 0xee00      /* DPL 3: INT 0x80 from ring 3 */
        lidt idt_ptr
        /* down to ring 3 with interrupts on */
        TO_RING3 user

user:   xor  %eax, %eax
        mov  $100, %ecx
2:      add  %ecx, %eax                 /* 100 + 99 + ... + 1 = 5050 */
        loop 2b
        mov  %eax, %ebx
        mov  $1, %eax
        int  $0x80
        mov  $2, %eax
        int  $0x80
3:      jmp  3b

syscall:
        mov  $0x3f8, %dx
        push %eax
        mov  $'U', %al
        out  %al, %dx
        pop  %eax
        add  $'0', %al
        out  %al, %dx
        sub  $'0', %al
        cmp  $2, %al
        je   4f
        iret                            /* back to ring 3, IF on again */
4:      mov  $'\n', %al
        out  %al, %dx
        cmp  $5050, %ebx
        jne  5f
        EXIT 0
5:      EXIT 1

        FLAT_GDT
        USER_GDT
        GDT_PTR
        IDT
        TSS_DATA kstack
        USER_STACKS
