/* apiclow.S - a lowest-priority interrupt on a machine of two processors
 * or more, by IPI and by MSI: which APIC takes it.  The SDM leaves the
 * choice to the hardware ("the processor with the lowest priority", with
 * focus processors and arbitration: vol. 3A 10.6.2.4); QEMU 7.2 gives it
 * to the first destination in APIC order ("XXX: search for focus
 * processor, arbitration", apic_bus_deliver in hw/intc/apic.c), whatever
 * the TPRs.  The bootstrap processor (APIC ID 0) raises its TPR to 0x20
 * while the others stay at 0 (they wait for a SIPI, which they never
 * get), then sends vector 0x50 to all including itself through the ICR
 * and vector 0x51 by an MSI to 0xff; each line is the BSP's IRR word of
 * vectors 0x40-0x5f after one, as QEMU prints them (-smp 2 or more):
 * 0x00010000, then 0x00030000 - both to the BSP, none to the AP with the
 * lower TPR.  Under ringside, the same in every mode with --vcpus 2 or
 * more (test_reference.c). */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
        .set APIC, 0xfee00000
        .set IRR2, APIC + 0x220         /* vectors 0x40-0x5f */
_start:
        BEGIN msg
        FLAT_SEGMENTS
        cli
        movl $0x1ff, APIC + 0xf0        /* the APIC on */
        movl $0x20, APIC + 0x80         /* TPR 0x20 */
        movl $0x80150, APIC + 0x300     /* lowest, all including self */
        mov  IRR2, %eax
        call hexln
        movl $0x151, 0xfeeff000         /* an MSI, lowest, to 0xff */
        mov  IRR2, %eax
        call hexln
        mov  $msg_end, %esi
        call puts
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg:     .asciz "apiclow: lowest priority, the first destination\n"
msg_end: .asciz "apiclow: done\n"
        FLAT_GDT
        GDT_PTR
        STACK
