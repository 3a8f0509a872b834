/* vmmjump.S - jump into the top 4 MiB of the address space, where under
 * ringside the VMM keeps its stub (0xffc20010 calls the VMM's gate to
 * ring 0).  On QEMU there is no memory there: the CPU runs the zeros it
 * reads (ADD [EAX], AL, harmless with EAX pointing at a scratch word)
 * on to the BIOS ROM; the guest prints nothing more either way. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        BEGIN msg
        mov  $0xffc20010, %ecx
        mov  $scratch, %eax
        jmp  *%ecx
        .include "tests/guests/lib.inc"
        .data
msg:    .asciz "vmmjump: jumping to 0xffc20010\n"
scratch: .long 0
        STACK
