/* traps.S - 100000 rounds of CLI; STI at ring 0: 200000 privileged
 * instructions in a row, each a #GP the VMM must catch.  Unicorn 2.0.1
 * turns the second unhandled-looking #GP into a double fault and the third
 * into a silent triple fault unless the VMM clears its exception state:
 * this guest reaching its exit proves that it does.
 * On a real PC (and QEMU) the BIOS leaves the timer interrupt unmasked, so
 * the guest first masks every IRQ at the two 8259 PICs.
 * Instructions: 3 + 1 + 100000 * 4 + 2 = 400006. */
        .include "tests/guests/mb.inc"
_start:
        mov  $0xff, %al
        out  %al, $0x21                 /* mask IRQ 0-7 (master PIC) */
        out  %al, $0xa1                 /* mask IRQ 8-15 (slave PIC) */
        mov  $100000, %ecx
1:      cli
        sti
        dec  %ecx
        jnz  1b
        EXIT 0
