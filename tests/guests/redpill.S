/* redpill.S - the "Red Pill" at ring 3: SGDT, SIDT, SMSW, STR and SLDT run
 * by user code with interrupts on, the code binary translation runs
 * directly on the CPU.  None of them is privileged (Intel SDM vol. 2B:
 * they raise #GP at CPL > 0 only with CR4.UMIP, which the reference CPU
 * lacks), so none traps, and each answers from the real registers: under a
 * deprivileging VMM those are the VMM's (Robin & Irvine, USENIX Security
 * 2000; Rutkowska's "Red Pill", 2004, is SIDT run from user mode).  Prints,
 * one hex line each: the GDTR base and limit, the IDTR base and limit,
 * the MSW, TR and LDTR.  QEMU prints the guest's own; so does VT-x, whose
 * non-root mode has the guest's registers live. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"

_start:
        USER_START
        GATE 0x80, syscall, 0xee00      /* DPL 3: INT 0x80 from ring 3 */
        lidt idt_ptr
        TO_RING3 user

user:   xor  %ebx, %ebx                 /* EBX 0: print EAX; 1: done */
        sgdt table
        mov  table + 2, %eax            /* GDTR base */
        int  $0x80
        movzwl table, %eax              /* GDTR limit */
        int  $0x80
        sidt table
        mov  table + 2, %eax            /* IDTR base */
        int  $0x80
        movzwl table, %eax              /* IDTR limit */
        int  $0x80
        xor  %eax, %eax
        smsw %ax                        /* CR0 bits 0-15 */
        int  $0x80
        xor  %eax, %eax
        str  %ax                        /* TR */
        int  $0x80
        xor  %eax, %eax
        sldt %ax                        /* LDTR */
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
table:  .space 6                        /* (.bss) limit (2 bytes), base (4) */
