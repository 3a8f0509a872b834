/* nomem.S - loads and stores where the machine has no memory: past the
 * end of RAM (128 MiB), in the PCI hole, just below the I/O APIC, and in
 * the top 4 MiB where ringside's VMM keeps its area (its real GDT at
 * 0xffc00000, its stub, its translation cache at 0xffd00000).  Each line
 * is an address and what a load there gives; a store of 0x12345678 is
 * read back.  On QEMU (qemu-system-i386 -m 128) a load gives 0 and a
 * store goes nowhere, everywhere here [measured]; the VMM must give the
 * same in te, bt and hw, and keep its own area intact (the guest goes on
 * to print).  Not here: 0xfed00000 (QEMU's HPET answers 0x8086a201) and
 * the top 256 KiB (QEMU's BIOS ROM, e.g. 0x00e05bea at 0xfffffff0):
 * ringside has neither (docs/fidelity.md). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
.macro PEEK addr
        mov  $\addr, %eax
        call hex
        mov  $':', %al
        call putc
        mov  \addr, %eax
        call hexln
.endm
.macro POKE addr
        movl $0x12345678, \addr
        PEEK \addr
.endm
_start:
        BEGIN msg
        PEEK 0x07fffffc                 /* the last word of RAM: 0 */
        PEEK 0x08000000                 /* past RAM */
        PEEK 0x20000000
        PEEK 0xe0000000                 /* the PCI hole */
        PEEK 0xfebffffc                 /* below the I/O APIC */
        PEEK 0xffbffffc                 /* below the VMM's area */
        PEEK 0xffc00008                 /* its real GDT: the guest's own */
        PEEK 0xffc0ffc0                 /* ... the VMM's own descriptors */
        PEEK 0xffc10000                 /* its shadow LDT */
        PEEK 0xffc20010                 /* its stub */
        PEEK 0xffc21004                 /* its TSS (ESP0) */
        PEEK 0xffd00000                 /* its translation cache */
        PEEK 0xfffbfffc
        POKE 0x08000000
        POKE 0x20000000
        POKE 0xffc0ffc0
        POKE 0xffc20010
        POKE 0xffd00000
        POKE 0xfffbfffc
        mov  $msg_end, %esi
        call puts
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg:     .asciz "nomem: loads and stores where there is no memory\n"
msg_end: .asciz "nomem: still running\n"
        STACK
