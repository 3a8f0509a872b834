/* repouts.S - REP OUTSB of 1 MiB to port 0x80 (QEMU's POST port:
 * nothing is printed), then ECX and ESI.  A string instruction with a huge
 * count is one instruction per iteration for every bound ringside keeps
 * (--max-insns, the scheduler's slice): the VMM must not emulate the
 * whole count at once.  rep4g.S sends 4G bytes to the serial port. */
        .set COUNT, 0x00100000
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        BEGIN msg_start
        cld
        mov  $0x100000, %esi            /* the guest's own bytes */
        mov  $0x80, %dx
        mov  $COUNT, %ecx
        rep  outsb
        mov  %esi, %ebx
        mov  %ecx, %eax
        mov  $msg_ecx, %esi
        call puts
        call hex
        mov  $msg_esi, %esi
        call puts
        mov  %ebx, %eax
        call hexln
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg_start: .asciz "repouts: rep outsb to port 0x80\n"
msg_ecx:   .asciz "repouts: ecx "
msg_esi:   .asciz ", esi "
        STACK
