/* apicmsi.S - the local APIC's whole region: QEMU's APIC is a MemoryRegion
 * of 1 MiB (0xfee00000-0xfeefffff, APIC_SPACE_SIZE in hw/intc/apic.c),
 * not one page.  A load anywhere in it reads the register at offset
 * (address >> 4) & 0xff: each page is an alias of the first.  A store
 * past the first page, or to its first 16 bytes (where no register is),
 * is a message-signalled interrupt (apic_send_msi): the destination APIC
 * ID from address bits 19:12, logical if bit 2 is set; the vector, the
 * delivery mode and the trigger from the data's bits 7:0, 10:8 and 15.
 * And the error status register: QEMU sets only its bit 7 (illegal
 * register address), never 5 and 6 (send and receive illegal vector): a
 * vector below 16 goes into the IRR as any other, and is delivered when
 * the processor priority is 0.  One vCPU, APIC ID 0; every interrupt is
 * let in by STI; NOP; CLI once the probe is made, and logged (vectors, in
 * the order they came, a byte each).  Each line is what QEMU prints:
 *   E  the ESR at the start (0); an IPI to itself at vector 5 through
 *      the ICR: the IRR's first word (0x20), the ESR (still 0), the log
 *      (05: delivered at vector 5)
 *   R  loads: the version at 0xfee01030 (0x00050014), the initial count
 *      at 0xfee81380 (0x00100000), the SVR at 0xfeeff0f0 (0x1ff), 0 at
 *      0xfee01000 (no register: the ESR is 0x80 from then on), 0 past the
 *      region (0xfef00000: nothing), 0 for 2 bytes at 0xfee01030; LDS
 *      at 0xfee41380 by the VMM (EAX 0x00100000, DS 0)
 *   M  MSIs stored by the CPU, each line the IRR word of the vector (or
 *      the TMR's), then the log: 0x41 to ID 0 at 0xfee00000 (taken);
 *      0x42 to ID 1 (nobody); 0x43 to 0xff (all: taken); 0x44 logical
 *      to 1 and 0x45 logical to 2, the LDR 1 (0x44 only); 0x46 lowest
 *      priority and level: taken, its TMR bit still set after the EOI;
 *      0x47 ExtINT (taken as fixed), 0x48 ExtINT by the ICR (the same);
 *      0x49 mode 3 and 0x4a start-up (dropped); 1, 2 and unaligned 4
 *      bytes (dropped); 8 bytes by FISTP (refused); a store at 0xfee01380
 *      is an MSI to ID 1, not the count's register (0x00100000 still);
 *      vector 5 by an MSI (taken); an NMI (data 0x400: vector 2)
 *   V  the VMM's stores: an interrupt's frame pushed at 0xfee01000 (EIP,
 *      then CS = 8 at 0xfee01004: logical, to the LDR's 1, vector 8;
 *      EFLAGS at 0xfee01008: to ID 1, nobody): IRR 0x100, then 08 taken
 *   E  the ESR at the end (0x80) and the IRR's first word (0)
 *   D  the APIC globally disabled (IA32_APIC_BASE bit 11 cleared): QEMU's
 *      region stays and answers (it is mapped once, at the reset base:
 *      x86_cpu_apic_realize), so the version at 0xfee00030 and at
 *      0xfee01030 (0x00050014); the SVR, software-disabled by it (0xff);
 *      an MSI of 0x41 to ID 0 in the IRR (2); IA32_APIC_BASE written
 *      enabled again: it stays disabled (0xfee00100)
 * Under ringside, the same in every mode (test_named.c). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
        .set APIC, 0xfee00000
        .set LDR, APIC + 0xd0
        .set SVR, APIC + 0xf0
        .set TMR, APIC + 0x180
        .set IRR, APIC + 0x200
        .set ESR, APIC + 0x280
        .set ICR, APIC + 0x300
        .set COUNT, APIC + 0x380        /* the timer's initial count */
        .set VALUE, 0x00100000

/* Let every pending interrupt in, then print the log and empty it. */
.macro TAKE
        sti
        nop
        cli
        call showlog
.endm

/* An MSI at address a with data d (interrupts off), then the IRR's word
 * of vector v, then let it in. */
.macro MSI a, d, v
        movl $\d, \a
        mov  IRR + ((\v) >> 5) * 16, %eax
        call hexln
        TAKE
.endm

/* A handler that logs vector v and writes EOI. */
.macro HANDLER v
h_\v:   push %eax
        mov  $\v, %al
        jmp  logv
.endm

_start:
        BEGIN msg
        FLAT_SEGMENTS
        GATE 0x02, h_0x02
        GATE 0x05, h_0x05
        GATE 0x08, h_0x08
        .irp v, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b
        GATE \v, h_\v
        .endr
        GATE 0x31, g_int
        lidt idt_ptr
        fninit
        cli

        mov  ESR, %eax                  /* E */
        call hexln
        movl $0x1ff, SVR                /* the APIC on */
        movl $0x40005, ICR              /* to itself, vector 5 */
        mov  IRR, %eax
        call hexln
        mov  ESR, %eax
        call hexln
        TAKE

        movl $VALUE, COUNT              /* R */
        mov  0xfee01030, %eax
        call hexln
        mov  0xfee81380, %eax
        call hexln
        mov  0xfeeff0f0, %eax
        call hexln
        mov  0xfee01000, %eax
        call hexln
        mov  ESR, %eax
        call hexln
        mov  0xfef00000, %eax
        call hexln
        movzwl 0xfee01030, %eax
        call hexln
        mov  %ds, %ebx
        lds  0xfee41380, %eax
        mov  %ds, %ecx
        mov  %ebx, %ds
        call hexln
        mov  %ecx, %eax
        call hexln

        MSI  0xfee00000, 0x41, 0x41     /* M */
        MSI  0xfee01000, 0x42, 0x42
        MSI  0xfeeff000, 0x43, 0x43
        movl $0x01000000, LDR
        MSI  0xfee01004, 0x44, 0x44
        MSI  0xfee02004, 0x45, 0x45
        movl $0x8146, 0xfee00000        /* lowest priority, level */
        mov  TMR + 0x20, %eax
        call hexln
        TAKE
        mov  TMR + 0x20, %eax
        call hexln
        MSI  0xfee00000, 0x747, 0x47
        movl $0x40748, ICR
        mov  IRR + 0x20, %eax
        call hexln
        TAKE
        MSI  0xfee00000, 0x349, 0x49
        MSI  0xfee00000, 0x64a, 0x4a
        movb $0x4b, 0xfee00000
        movw $0x4b, 0xfee00000
        movl $0x4b, 0xfee00002
        fildll msi8
        fistpll 0xfee00000
        mov  IRR + 0x20, %eax
        call hexln
        TAKE
        movl $0x4b, 0xfee01380
        mov  COUNT, %eax
        call hexln
        TAKE
        MSI  0xfee00000, 0x05, 0x05
        movl $0x402, 0xfee00000         /* NMI: IF does not hold it */
        mov  $100, %ecx
1:      loop 1b
        call showlog

        mov  $0xfee01000 + 12, %esp     /* V: the frame, 12 bytes below */
        int  $0x31
g_back: mov  IRR, %eax
        call hexln
        TAKE

        mov  ESR, %eax                  /* E */
        call hexln
        mov  IRR, %eax
        call hexln

        mov  $0x1b, %ecx                /* D: IA32_APIC_BASE */
        rdmsr
        and  $~0x800, %eax
        wrmsr
        mov  APIC + 0x30, %eax
        call hexln
        mov  0xfee01030, %eax
        call hexln
        mov  SVR, %eax
        call hexln
        movl $0x41, 0xfee00000
        mov  IRR + 0x20, %eax
        call hexln
        mov  $0x1b, %ecx
        rdmsr
        or   $0x800, %eax
        wrmsr
        rdmsr
        call hexln

        movl $0, COUNT
        mov  $msg_end, %esi
        call puts
        EXIT 0

g_int:  mov  $stack, %esp
        jmp  g_back

        HANDLER 0x02
        HANDLER 0x05
        HANDLER 0x08
        .irp v, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b
        HANDLER \v
        .endr

/* The handlers' tail: AL into the log, EOI, back. */
logv:   push %ebx
        mov  nlog, %ebx
        cmp  $4, %ebx
        jae  1f
        mov  %al, log(%ebx)
        incl nlog
1:      movl $0, APIC + 0xb0            /* EOI */
        pop  %ebx
        pop  %eax
        iret

/* The log as one word (the first vector in the low byte), emptied. */
showlog:
        mov  log, %eax
        movl $0, log
        movl $0, nlog
        jmp  hexln

        .include "tests/guests/lib.inc"
        .data
msg:     .asciz "apicmsi: the APIC's 1 MiB: aliases, MSIs, illegal vectors\n"
msg_end: .asciz "apicmsi: done\n"
        .align 8
msi8:    .quad 0x0000004b0000004b
log:     .long 0
nlog:    .long 0
        IDT
        FLAT_GDT
        GDT_PTR
        STACK
