/* rep4g.S - REP OUTSB with ECX 0xfffffff0 (four billion bytes) to the
 * serial port: a string instruction no machine finishes in a test's
 * time (QEMU takes minutes).  What it sends first is a text the guest
 * writes at 2 MiB before it starts, one line per 9 bytes giving the
 * line's own address ("00200000\n00200009\n..."): every byte is known,
 * and a byte lost, doubled or out of order changes what follows.  Past
 * the text come RAM's zeros.  A run stopped at any point has sent a
 * prefix of QEMU's output (test_hostile's rep4g stops QEMU once it has
 * sent the text, by output size: qemu-run.sh --serial-bytes).  Like
 * repouts.S, every iteration is one instruction for every bound
 * ringside keeps. */
        .set TEXT, 0x200000             /* where the text is written */
        .set LINES, 16384               /* 147,456 bytes of it */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        BEGIN msg_start
        mov  $TEXT, %edi
1:      mov  %edi, %eax                 /* the line's address, in hex */
        mov  $8, %ecx
2:      rol  $4, %eax
        mov  %eax, %edx
        and  $0xf, %edx
        mov  digits(%edx), %dl
        mov  %dl, (%edi)
        inc  %edi
        loop 2b
        movb $'\n', (%edi)
        inc  %edi
        cmp  $TEXT + 9 * LINES, %edi
        jb   1b
        cld
        mov  $TEXT, %esi
        mov  $0x3f8, %dx                /* COM1's data register */
        mov  $0xfffffff0, %ecx
        rep  outsb
        EXIT 0                          /* (in some minutes) */
        .include "tests/guests/lib.inc"
        .data
digits:    .ascii "0123456789abcdef"
msg_start: .asciz "rep4g: rep outsb of 4G bytes to the serial port\n"
        STACK
