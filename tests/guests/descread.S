/* descread.S - loads of the VMM's real GDT (0xffc00000) in the same block
 * as an instruction for which the CPU itself reads a descriptor there.
 * Under ringside the CPU's descriptor reads (a segment load, LAR, a far
 * return) must read the VMM's copy, and the guest's own loads must find
 * nothing, as on QEMU, where that memory does not exist: each line is 0.
 *   A  a load, then MOV to DS (which ends QEMU's block) in its block
 *   B  MOV to FS (which does not end it), then a load
 *   C  LAR of the data selector, then a load
 *   D  a load, then a far return (its frame in RAM)
 *   E  POP FS with the stack in the table: the selector popped is 0,
 *      a null FS, as on QEMU (not a word of the VMM's descriptor)
 *   F  LDS of a far pointer in the table: 0:0, a null DS
 * Then the guest exits 0; a wrong selector would be #GP with no IDT, a
 * triple fault. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
        .set TABLE, 0xffc00000          /* ringside's VMM_BASE: its real GDT */
_start:
        BEGIN msg
        lidt idt_none
        mov  %ds, %bx                   /* the loader's data selector */

        mov  TABLE + 0x10, %eax         /* A */
        mov  %bx, %ds
        call hexln

        mov  %bx, %fs                   /* B */
        mov  TABLE + 0x18, %eax
        call hexln

        lar  %bx, %ecx                  /* C */
        mov  TABLE + 0x14, %eax
        call hexln

        mov  %cs, %eax                  /* D */
        push %eax
        push $1f
        mov  TABLE + 0x10, %eax
        lret
1:      call hexln

        mov  %esp, %ebp                 /* E */
        mov  $TABLE + 0x18, %esp
        pop  %fs
        mov  %ebp, %esp
        mov  %fs, %eax
        call hexln

        lds  TABLE + 0x10, %eax         /* F */
        mov  %ds, %ecx
        mov  %bx, %ds
        push %ecx
        call hexln
        pop  %eax
        call hexln

        mov  $msg_end, %esi
        call puts
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg:     .asciz "descread: loads of the descriptor tables\n"
msg_end: .asciz "descread: done\n"
        NO_IDT
        STACK
