/* cpuid.S - what CPUID answers, and RDPMC in ring 0.
 *
 * Prints, one line each, EAX EBX ECX EDX of the CPUID leaves in `leaves`
 * (the vendor, family/model/stepping and features, caches, the extended
 * range and brand string, and leaves past the end): a VMM decides what its virtual CPU says here, and
 * ringside's must say what QEMU's CPU says, in every mode.  Then RDPMC at
 * ring 0: QEMU implements no performance counters and raises #UD, which
 * the guest's handler reports as "rdpmc: #UD" before exiting 0. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"

_start:
        FLAT_START
        GATE 6, ud_handler              /* #UD */
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
        FLAT_GDT
        GDT_PTR
        IDT
        STACK
