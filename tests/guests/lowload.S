/* lowload.S - a kernel linked below 1 MiB (at 0x20000, tests/guests/
 * lowload.ld): QEMU's Multiboot loader puts it there, and so does
 * ringside, since the firmware keeps nothing at that address.  It prints
 * where it runs and where the Multiboot information and its command line
 * are, then exits 0. */
        .include "tests/guests/mb.inc"

_start:
        mov  $stack, %esp
        mov  %ebx, %ebp
        mov  $msg_at, %esi
        call puts
        call 1f
1:      pop  %eax
        sub  $1b - _start, %eax
        call hex
        mov  $msg_mbi, %esi
        call puts
        mov  %ebp, %eax
        call hex
        mov  $msg_cmd, %esi
        call puts
        mov  16(%ebp), %eax
        call hex
        mov  $'\n', %al
        call putc
        EXIT 0

        .include "scenarios/guests/lib/print.inc"

        .data
msg_at:  .asciz "running at "
msg_mbi: .asciz ", Multiboot information at "
msg_cmd: .asciz ", command line at "

        .bss
        .space 4096
stack:
