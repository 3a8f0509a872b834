/* pusheip.S - pushes (and stores) where there is nothing, the stack in
 * the VMM's area (0xffc40000) or past RAM (0x09000000), each made by an
 * instruction alone in its block after another that accesses nothing
 * (a JMP after a plain load): Unicorn makes some of them in a helper,
 * where the EIP its memory hook reports is still a previous instruction's
 * [measured: CALL FAR and FXSAVE].  On QEMU a store there goes nowhere and
 * a load gives 0; each line is a step's mark (or what it left):
 *   A  CALL FAR direct (ptr16:32), ESP in the VMM's area
 *   B  CALL FAR through a pointer in RAM, ESP past RAM
 *   C  CALL FAR through a call gate to the same ring
 *   D  INT3, E  INTO (OF set), F  INT 0x30: their frames go nowhere
 *   G  ENTER 8, 2 (nesting level 2): its pushes go nowhere; ESP and EBP
 *      as the CPU leaves them
 *   H  RETF: it pops 0:0, #GP(0) for the null CS, whose frame goes nowhere
 *   I  PUSH, then CALL FAR, in one block: one store each, then two
 *   J  FXSAVE into the VMM's area: its stores go nowhere
 *   L  INTO with OF clear, then DIV by 0 in its block: #DE, not #OF,
 *      whose frame goes nowhere
 *   K  from ring 3, CALL FAR through the call gate to ring 0, whose stack
 *      (the TSS's ESP0) is in the VMM's area: SS, ESP, CS, EIP go nowhere
 * Under ringside each access of nothing is a no-memory trap naming its own
 * instruction, in every mode (test_named.c). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
        .set VMMAREA, 0xffc40000
        .set PASTRAM, 0x09000000
        .set CGATE, 6 * 8               /* the call gate after USER_GDT */
_start:
        BEGIN msg
        mov  $c_to, %eax                /* the call gate's offset */
        mov  %ax, gdt + CGATE
        shr  $16, %eax
        mov  %ax, gdt + CGATE + 6
        TSS_BASE
        FLAT_SEGMENTS
        mov  $TSS_SEL, %ax
        ltr  %ax
        GATE 3, d_to, 0xee00
        GATE 4, e_to, 0xee00
        GATE 0x30, f_to, 0xee00
        GATE 13, h_to
        GATE 0, l_to
        lidt idt_ptr

        mov  word, %ebx                 /* A */
        jmp  1f
1:      mov  $VMMAREA, %esp
a_call: lcall $KCODE, $a_to
a_to:   mov  $stack, %esp
        mov  $0xa, %eax
        call hexln

        mov  word, %ebx                 /* B */
        jmp  1f
1:      mov  $PASTRAM, %esp
b_call: lcall *fptr
b_to:   mov  $stack, %esp
        mov  $0xb, %eax
        call hexln

        mov  word, %ebx                 /* C */
        jmp  1f
1:      mov  $VMMAREA, %esp
c_call: lcall $CGATE, $0
c_to:   mov  $stack, %esp
        cmpl $0, in_user
        jne  k_back
        mov  $0xc, %eax
        call hexln

        mov  word, %ebx                 /* D */
        jmp  1f
1:      mov  $VMMAREA, %esp
d_int3: int3
d_to:   mov  $stack, %esp
        mov  $0xd, %eax
        call hexln

        mov  $0x7fffffff, %eax          /* E */
        add  $1, %eax                   /* OF */
        mov  word, %ebx
        jmp  1f
1:      mov  $PASTRAM, %esp
e_into: into
e_to:   mov  $stack, %esp
        mov  $0xe, %eax
        call hexln

        mov  word, %ebx                 /* F */
        jmp  1f
1:      mov  $VMMAREA, %esp
f_int:  int  $0x30
f_to:   mov  $stack, %esp
        mov  $0xf, %eax
        call hexln

        mov  $frame, %ebp               /* G */
        mov  word, %ebx
        jmp  1f
1:      mov  $VMMAREA, %esp
g_enter: enter $8, $2
        mov  %esp, %ecx
        mov  %ebp, %edx
        mov  $stack, %esp
        mov  %ecx, %eax
        call hexln
        mov  %edx, %eax
        call hexln

        mov  word, %ebx                 /* H */
        jmp  1f
1:      mov  $VMMAREA, %esp
h_retf: lret
h_to:   mov  $stack, %esp
        mov  $0x11, %eax
        call hexln

        mov  word, %ebx                 /* I */
        jmp  1f
1:      mov  $VMMAREA, %esp
i_push: push %eax
i_call: lcall $KCODE, $i_to
i_to:   mov  $stack, %esp
        mov  $0x12, %eax
        call hexln

        mov  word, %ebx                 /* J */
        jmp  1f
1:      xor  %ecx, %ecx
j_fxsave: fxsave VMMAREA
        mov  $0x13, %eax
        call hexln

        xor  %eax, %eax                 /* L: OF clear */
        xor  %ecx, %ecx
        mov  $PASTRAM, %esp
l_into: into
l_div:  div  %ecx
l_to:   mov  $stack, %esp
        mov  $0x15, %eax
        call hexln

        movl $1, in_user                /* K */
        push $UDATA
        push $stack
        push $UCODE
        push $k_user
        lret
k_user: mov  word, %ebx
        jmp  1f
1:      xor  %ecx, %ecx
k_call: lcall $CGATE + 3, $0
k_back: mov  $0x14, %eax
        call hexln

        mov  $msg_end, %esi
        call puts
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg:     .asciz "pusheip: pushes where there is nothing\n"
msg_end: .asciz "pusheip: done\n"
        .align 4
word:    .long 0x12345678
in_user: .long 0
fptr:    .long b_to
        .word KCODE
frame:   .long 0x1111, 0x2222
        FLAT_GDT
        USER_GDT
        .quad 0x0000ec0000080000        /* CGATE: 32-bit call gate, DPL 3, to KCODE */
        GDT_PTR
        TSS_DATA VMMAREA
        IDT
        STACK
