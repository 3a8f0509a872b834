/* apicbsp.S - the bootstrap processor (BSP) sends INIT to itself.  On
 * QEMU 7.2 an INIT resets the processor that takes it (do_cpu_init in
 * target/i386/helper.c), the BSP too: it restarts at the reset vector,
 * 0xfffffff0, in the firmware.  SeaBIOS finds it has run before
 * (HaveRunPost), takes it for a reboot (handle_resume, tryReboot) and
 * asks QEMU to reset the machine; its last resort there, an INT3 with no
 * IDT of its own (qemu_reboot), triple-faults, which ends a run under
 * -no-reboot (tests/reference/qemu-run.sh's status 4) [measured: -d int
 * shows v=03, then 0d, 08, "Triple fault"].  Nothing after the INIT
 * runs: the guest prints its first line only.  ringside runs no
 * firmware: the VM stops as QEMU's run does, a triple fault at the
 * instruction that sent the INIT, its startup event saying why
 * (test_named.c).  Before, ringside ignored a processor's INIT to
 * itself and the guest went on to print "still running". */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
        .set APIC, 0xfee00000
_start:
        BEGIN msg
        FLAT_SEGMENTS
        movl $0x1ff, APIC + 0xf0        /* the APIC on */
        movl $0x44500, APIC + 0x300     /* INIT, to itself */
        mov  $msg_on, %esi
        call puts
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg:     .asciz "apicbsp: the bootstrap processor's INIT to itself\n"
msg_on:  .asciz "apicbsp: still running\n"
        FLAT_GDT
        GDT_PTR
        STACK
