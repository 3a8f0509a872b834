/* cpuid.S - what CPUID answers, and RDPMC in ring 0.
 *
 * Prints, one line each, EAX EBX ECX EDX of the CPUID leaves in `leaves`
 * (the vendor, family/model/stepping and features, caches, the extended
 * range and brand string, and leaves past the end): a VMM decides what its virtual CPU says here, and
 * ringside's must say what QEMU's CPU says, in every mode.  Then RDPMC at
 * ring 0: QEMU implements no performance counters and raises #UD, which
 * the guest's handler reports as "rdpmc: #UD" before exiting 0. */
        .include "tests/guests/mb.inc"

        .set KCODE, 0x08
        .set KDATA, 0x10

_start:
        mov  $0xff, %al                 /* mask every IRQ: QEMU's timer */
        out  %al, $0x21
        out  %al, $0xa1
        mov  $stack, %esp
        lgdt gdt_ptr
        ljmp $KCODE, $1f
1:      mov  $KDATA, %ax
        mov  %ax, %ds
        mov  %ax, %es
        mov  %ax, %ss
        mov  $ud_handler, %eax          /* IDT gate 6: #UD */
        mov  %ax, idt + 6 * 8
        movw $KCODE, idt + 6 * 8 + 2
        movw $0x8e00, idt + 6 * 8 + 4
        shr  $16, %eax
        mov  %ax, idt + 6 * 8 + 6
        lidt idt_ptr

        mov  $leaves, %edi
5:      mov  (%edi), %eax
        mov  4(%edi), %ecx
        cmp  $0xffffffff, %eax
        je   6f
        call leaf
        add  $8, %edi
        jmp  5b
6:

        mov  $msg_rdpmc, %esi
        call puts
        xor  %ecx, %ecx
        rdpmc
        mov  $msg_ran, %esi             /* not reached on QEMU */
        call puts
        EXIT 1

ud_handler:
        mov  $msg_ud, %esi
        call puts
        EXIT 0

/* leaf: "cpuid EAX.ECX: eax ebx ecx edx\n" for leaf EAX, subleaf ECX. */
leaf:   push %ecx
        push %eax
        mov  $msg_cpuid, %esi
        call puts
        mov  (%esp), %eax
        call hex
        mov  $'.', %al
        call putc
        mov  4(%esp), %eax
        call hex
        mov  $':', %al
        call putc
        pop  %eax
        pop  %ecx
        cpuid
        push %edx
        push %ecx
        push %ebx
        call space_hex
        pop  %eax
        call space_hex
        pop  %eax
        call space_hex
        pop  %eax
        call space_hex
        mov  $'\n', %al
        jmp  putc

space_hex:
        push %eax
        mov  $' ', %al
        call putc
        pop  %eax
        jmp  hex

        .include "scenarios/guests/lib/print.inc"

        .data
/* The leaves asked, subleaf beside each; past the last basic (4) and
 * extended (0x80000004) leaf too, which Intel CPUs answer as the last
 * basic leaf. */
leaves: .long 0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 4, 1, 4, 2, 4, 3, 5, 0
        .long 0x80000000, 0, 0x80000001, 0, 0x80000002, 0, 0x80000003, 0
        .long 0x80000004, 0, 0x80000005, 0, 0x40000000, 0
        .long 0xffffffff, 0
msg_cpuid:  .asciz "cpuid "
msg_rdpmc:  .asciz "rdpmc: "
msg_ud:     .asciz "#UD\n"
msg_ran:    .asciz "ran\n"
        .align 8
gdt:    .quad 0
        .quad 0x00cf9a000000ffff        /* 0x08 kernel code */
        .quad 0x00cf92000000ffff        /* 0x10 kernel data */
gdt_ptr:
        .word 3 * 8 - 1
        .long gdt
idt_ptr:
        .word 256 * 8 - 1
        .long idt

        .bss
        .align 8
idt:    .space 256 * 8
        .space 4096
stack:
