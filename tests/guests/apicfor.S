/* apicfor.S - the local APIC's page (0xfee00000) read and written by
 * instructions the VMM may carry out itself for the guest (under te after
 * its trap, under bt a callout, under hw the VT-x model), and by the
 * delivery of an interrupt: on QEMU they reach the APIC's registers, as
 * the guest's own loads and stores do.  The timer's initial count
 * (0xfee00380, which keeps any 32-bit value; its LVT entry stays masked,
 * so it never interrupts) holds an address to go to; the version
 * register (0xfee00030) reads 0x00050014.  QEMU's APIC answers only
 * 4-byte accesses: a narrower load gives 0 [measured: A].  Each line is
 * what QEMU prints:
 *   A  the guest's own loads of the version register: 4, 2 and 1 bytes
 *   B  RET with ESP on the initial count: to b_to (0xbad: it went to 0)
 *   C  CALL through the initial count: to c_to (0xbad: to 0)
 *   D  POP FS with ESP on the initial count, set to KDATA: FS KDATA
 *   E  LDS from the version register: EAX 0x00050014, DS 0 (2 bytes)
 *   F  IRET with ESP on the initial count, set to 8: EIP 8, CS 8,
 *      EFLAGS 8, where the guest put JMP [next]
 *   G  INT 0x30 with ESP just above the initial count: its frame's
 *      stores land on it, the handler reads back the last, its EIP
 * Under ringside none of these is a no-memory trap (test_named.c). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
        .set APIC, 0xfee00000
        .set VERSION, APIC + 0x30
        .set COUNT, APIC + 0x380        /* the timer's initial count */
_start:
        BEGIN msg
        FLAT_SEGMENTS
        GATE 0x30, g_int
        lidt idt_ptr
        movw $0x25ff, 0                 /* at 0: JMP [next] */
        movl $next, 2
        movw $0x25ff, 8                 /* at 8: JMP [next] */
        movl $next, 10

        mov  VERSION, %eax              /* A */
        call hexln
        movzwl VERSION, %eax
        call hexln
        movzbl VERSION, %eax
        call hexln

        movl $b_to, COUNT               /* B */
        movl $b_bad, next
        mov  $COUNT, %esp
b_ret:  ret
b_bad:  mov  $stack, %esp
        mov  $0xbad, %eax
        call hexln
        jmp  c
b_to:   mov  $stack, %esp
        mov  $0xb, %eax
        call hexln

c:      movl $c_to, COUNT               /* C */
        movl $c_bad, next
c_call: call *COUNT
c_to:   pop  %eax                       /* the return address: c_to */
        sub  $c_call, %eax              /* the CALL's length: 6 */
        call hexln
        jmp  d
c_bad:  mov  $stack, %esp
        mov  $0xbad, %eax
        call hexln

d:      movl $KDATA, COUNT              /* D */
        mov  $COUNT, %esp
d_pop:  pop  %fs
        mov  $stack, %esp
        mov  %fs, %eax
        call hexln

        mov  %ds, %ebx                  /* E */
e_lds:  lds  VERSION, %eax
        mov  %ds, %ecx
        mov  %ebx, %ds
        call hexln
        mov  %ecx, %eax
        call hexln

        movl $8, COUNT                  /* F */
        movl $f_to, next
        mov  $COUNT, %esp
f_iret: iret
f_to:   mov  $stack, %esp
        mov  $0xf, %eax
        call hexln

        mov  $COUNT + 0x10, %esp        /* G */
g_call: int  $0x30
g_back: mov  COUNT, %eax                /* the frame's last store: EIP */
        call hexln

        movl $0, COUNT                  /* the timer stopped */
        mov  $msg_end, %esi
        call puts
        EXIT 0

g_int:  mov  $stack, %esp
        jmp  g_back
        .include "tests/guests/lib.inc"
        .data
msg:     .asciz "apicfor: the APIC's page read and written for the guest\n"
msg_end: .asciz "apicfor: done\n"
next:    .long 0
        IDT
        FLAT_GDT
        GDT_PTR
        STACK
