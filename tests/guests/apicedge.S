/* apicedge.S - loads and stores of the local APIC's page (0xfee00000)
 * that are not one aligned 4-byte access: unaligned, narrower, wider, and
 * across the page's edges; made by the guest's own instructions (the CPU)
 * and by instructions the VMM carries out for it (POP FS, LDS, an
 * interrupt's delivery).  QEMU's APIC answers aligned 4-byte accesses
 * only, and its memory core shapes the others [measured, each line]:
 *   an unaligned load is two aligned loads of its size, combined;
 *   an unaligned store is a store of each byte (so none reaches the APIC);
 *   an 8-byte access is refused whole (loads 0, stores dropped);
 *   a register's 16 bytes all answer as the register (offset & 0xff0).
 * The timer's initial count (0xfee00380; its LVT entry stays masked, so
 * it never interrupts) holds VALUE, 0x00105678: rotated by 16 bits (an
 * unaligned load at +2) its low half is KDATA.  Each line is what QEMU
 * prints:
 *   A  the CPU's loads: 4 bytes at +2 (rotated), 2 at +1 (0), 4 across
 *      the page's end (0), 8 by FILD (0, 0)
 *   B  the CPU's stores, each followed by a load of the count: 4 bytes
 *      at +2, 2 bytes at +0, 8 by FISTP, all dropped (VALUE)
 *   C  the VMM's: LDS at +2 (EAX rotated, DS 0), POP FS at +2 (KDATA),
 *      POP FS across the page's end (0), an interrupt's frame pushed at
 *      +2 (dropped: VALUE)
 *   E  the error status register (ESR): 0 at the start; 0x80 (illegal
 *      register address) after A-C, whose pieces at 0xfee00ffc read no
 *      register; a store to it, a load of no register (0xfee00ff0) and
 *      another store leave it so: QEMU never clears it
 * Under ringside, the same in every mode (test_named.c). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
        .set APIC, 0xfee00000
        .set ESR, APIC + 0x280
        .set COUNT, APIC + 0x380        /* the timer's initial count */
        .set EDGE, APIC + 0xffe         /* 2 bytes in the page, 2 after */
        .set VALUE, 0x00105678
_start:
        BEGIN msg
        FLAT_SEGMENTS
        GATE 0x30, g_int
        lidt idt_ptr
        fninit
        mov  ESR, %eax                  /* E, at the start */
        call hexln
        movl $VALUE, COUNT

        mov  COUNT + 2, %eax            /* A */
        call hexln
        movzwl COUNT + 1, %eax
        call hexln
        mov  EDGE, %eax
        call hexln
        fildll COUNT
        fistpll quad
        mov  quad, %eax
        call hexln
        mov  quad + 4, %eax
        call hexln

        movl $0xdeadbeef, COUNT + 2     /* B */
        mov  COUNT, %eax
        call hexln
        movw $0xbeef, COUNT
        mov  COUNT, %eax
        call hexln
        fildll big
        fistpll COUNT
        mov  COUNT, %eax
        call hexln

        mov  %ds, %ebx                  /* C */
        lds  COUNT + 2, %eax
        mov  %ds, %ecx
        mov  %ebx, %ds
        call hexln
        mov  %ecx, %eax
        call hexln
        mov  $COUNT + 2, %esp
        pop  %fs
        mov  $stack, %esp
        mov  %fs, %eax
        call hexln
        mov  $EDGE, %esp
        pop  %fs
        mov  $stack, %esp
        mov  %fs, %eax
        call hexln
        mov  $COUNT + 2 + 12, %esp      /* the frame: 12 bytes below */
        int  $0x30
g_back: mov  COUNT, %eax
        call hexln

        movl $0, ESR                    /* E */
        mov  ESR, %eax
        call hexln
        mov  APIC + 0xff0, %eax
        mov  ESR, %eax
        call hexln
        movl $0, ESR
        mov  ESR, %eax
        call hexln

        movl $0, COUNT                  /* the timer stopped */
        mov  $msg_end, %esi
        call puts
        EXIT 0

g_int:  mov  $stack, %esp
        jmp  g_back
        .include "tests/guests/lib.inc"
        .data
msg:     .asciz "apicedge: the APIC's page, not 4 aligned bytes at a time\n"
msg_end: .asciz "apicedge: done\n"
        .align 8
quad:    .quad 0
big:     .quad 0x1122334455667788
        IDT
        FLAT_GDT
        GDT_PTR
        STACK
