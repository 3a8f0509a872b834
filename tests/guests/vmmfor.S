/* vmmfor.S - instructions the VMM may carry out itself for the guest
 * (under bt a callout, under hw the VT-x model, under te the delivery of
 * an interrupt), their memory operand or their stack where there is
 * nothing: the VMM's area (0xffc40000) or past RAM (0x09000000).  On QEMU
 * a load there gives 0 and a store goes nowhere:
 *   A  RET with ESP in nothing: it pops 0 and goes to 0, where the guest
 *      put JMP [next]
 *   B  CALL through a pointer past RAM: to 0 again, its return address
 *      pushed on the guest's stack, in RAM
 *   C  PUSHF with ESP in nothing, then POP from there: 0
 *   D  INT 0x30 with ESP in nothing: its frame goes nowhere, the handler
 *      takes its stack back
 *   E  UD2 (#UD) with ESP past RAM: the same
 * Each line printed is what QEMU prints; under ringside every access of
 * nothing is the VMM's trap, in every mode, whoever makes it (the CPU or
 * the VMM for the guest), naming the instruction (test_named.c). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
        .set VMMAREA, 0xffc40000
        .set PASTRAM, 0x09000000
_start:
        BEGIN msg
        FLAT_SEGMENTS
        GATE 0x30, int30
        GATE 6, invalid
        lidt idt_ptr
        movw $0x25ff, 0                 /* at 0: JMP [next] */
        movl $next, 2

        movl $1f, next                  /* A */
        mov  $VMMAREA, %esp
a_ret:  ret
1:      mov  $stack, %esp
        mov  $0xa, %eax
        call hexln

        movl $1f, next                  /* B */
b_call: call *PASTRAM
1:      pop  %eax                       /* the return address, in RAM */
        sub  $b_call, %eax              /* its length: 6 */
        call hexln

        mov  $VMMAREA, %esp             /* C */
c_push: pushf
c_pop:  pop  %eax
        mov  $stack, %esp
        call hexln

        mov  $VMMAREA, %esp             /* D */
d_int:  int  $0x30
d_back: mov  $0xd, %eax
        call hexln

        mov  $PASTRAM, %esp             /* E */
e_ud:   ud2
e_back: mov  $0xe, %eax
        call hexln

        mov  $msg_end, %esi
        call puts
        EXIT 0

int30:  mov  $stack, %esp
        jmp  d_back
invalid: mov $stack, %esp
        jmp  e_back
        .include "tests/guests/lib.inc"
        .data
msg:     .asciz "vmmfor: the VMM's accesses of nothing for the guest\n"
msg_end: .asciz "vmmfor: done\n"
next:    .long 0
        IDT
        FLAT_GDT
        GDT_PTR
        STACK
