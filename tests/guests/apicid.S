/* apicid.S - the APIC ID a guest sets and the one CPUID reports.  The
 * local APIC's ID register (offset 0x20, bits 24-31) is writable on QEMU
 * 7.2 (apic_mem_write: s->id = val >> 24), but CPUID.01H:EBX bits 24-31
 * report the processor's initial APIC ID, fixed at reset (SDM vol. 2A,
 * CPUID: "Initial APIC ID"; QEMU's cpu_x86_cpuid takes cpu->apic_id).
 * The guest writes ID 5, then prints the register and CPUID's EBX
 * shifted down: 0x05000000, then 0x00000000 on QEMU; the same under
 * ringside in every mode, whether CPUID runs on the CPU (te), in a
 * callout (bt) or after a VM exit (hw) (test_reference.c apicid). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
        .set APIC, 0xfee00000
_start:
        BEGIN msg
        FLAT_SEGMENTS
        movl $0x05000000, APIC + 0x20   /* APIC ID 5 */
        mov  APIC + 0x20, %eax
        call hexln
        mov  $1, %eax
        cpuid
        mov  %ebx, %eax
        shr  $24, %eax                  /* the initial APIC ID */
        call hexln
        mov  $msg_end, %esi
        call puts
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg:     .asciz "apicid: the ID written, the ID CPUID reports\n"
msg_end: .asciz "apicid: done\n"
        FLAT_GDT
        GDT_PTR
        STACK
