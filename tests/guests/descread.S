/* descread.S - loads of the VMM's real GDT (0xffc00000) by instructions
 * that also make the CPU read a descriptor there, or in the same block as
 * one.  Under ringside the CPU's own descriptor reads (a segment load,
 * LAR, a far return, IRET) must read the VMM's copy of the guest's GDT,
 * and every load of the guest's must find nothing, as on QEMU, where that
 * memory does not exist: each line is 0.
 *   A  a load, then MOV to DS (which ends QEMU's block) in its block
 *   B  MOV to FS (which does not end it), then a load
 *   C  LAR of the data selector, then a load
 *   D  a load, then a far return (its frame in RAM)
 *   E  a load, then IRET (its frame in RAM)
 *   F  POP FS with the stack on descriptor 3, whose first word (its
 *      limit) is 0x0010, KDATA: QEMU pops 0, a null FS
 *   G  LDS of the far pointer that ends on that word: 0:0, a null DS
 * Then the guest exits 0; a wrong selector with no IDT is a triple
 * fault. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
        .set TABLE, 0xffc00000          /* ringside's VMM_BASE: its real GDT */
_start:
        FLAT_START
        mov  $msg, %esi
        call puts
        lidt idt_none

        mov  $KDATA, %bx
        mov  TABLE + 0x10, %eax         /* A */
        mov  %bx, %ds
        call hexln

        mov  $KDATA, %bx                /* B */
        mov  %bx, %fs
        mov  TABLE + 0x14, %eax
        call hexln

        lar  %bx, %ecx                  /* C */
        mov  TABLE + 0x0c, %eax
        call hexln

        push $KCODE                     /* D */
        push $1f
        mov  TABLE + 0x08, %eax
        lret
1:      call hexln

        pushf                           /* E */
        push $KCODE
        push $2f
        mov  TABLE + 0x10, %eax
        iret
2:      call hexln

        mov  %esp, %ebp                 /* F */
        mov  $TABLE + 0x18, %esp
        pop  %fs
        mov  %ebp, %esp
        mov  %fs, %eax
        call hexln

        lds  TABLE + 0x14, %eax         /* G */
        mov  %ds, %ecx
        mov  $KDATA, %bx
        mov  %bx, %ds
        push %ecx
        call hexln
        pop  %eax
        call hexln

        mov  $msg_end, %esi
        call puts
        EXIT 0
        .include "tests/guests/lib.inc"
        FLAT_GDT
        .quad 0x0000920000000010        /* 0x18: limit 0x0010, base 0 */
        GDT_PTR
        .data
msg:     .asciz "descread: loads of the descriptor tables\n"
msg_end: .asciz "descread: done\n"
        NO_IDT
        STACK
