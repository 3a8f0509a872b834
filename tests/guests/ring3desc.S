/* ring3desc.S - what ring-3 code reads about its own segments: LSL and LAR
 * of the user data and code selectors, at ring 3 with interrupts on (the
 * code binary translation runs directly).  Prints each result in hex, as
 * QEMU does.  A VMM whose shadow descriptors differ from the guest's
 * (truncated limits, moved DPLs) shows here even at ring 3. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"

_start:
        USER_START
        GATE 0x80, syscall, 0xee00      /* DPL 3: INT 0x80 from ring 3 */
        lidt idt_ptr
        TO_RING3 user

user:   xor  %ebx, %ebx                 /* EBX 0: print EAX; 1: done */
        mov  $UDATA, %ecx
        lsl  %ecx, %eax
        int  $0x80
        mov  $0, %eax
        lar  %ecx, %eax
        int  $0x80
        mov  $UCODE, %ecx
        lsl  %ecx, %eax
        int  $0x80
        mov  $0, %eax
        lar  %ecx, %eax
        int  $0x80
        inc  %ebx
        int  $0x80
3:      jmp  3b

        PRINT_SYSCALL
        .include "tests/guests/lib.inc"
        FLAT_GDT
        USER_GDT
        GDT_PTR
        IDT
        TSS_DATA kstack
        USER_STACKS
