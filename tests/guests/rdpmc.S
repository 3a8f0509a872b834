/* rdpmc.S - RDPMC at ring 0 and at ring 3, with CR4.PCE clear and set.
 *
 * RDPMC reads the performance-monitoring counter ECX names (Intel SDM
 * vol. 2B, RDPMC).  Outside ring 0 it is allowed only when CR4.PCE is
 * set, and raises #GP(0) otherwise: the one check that makes it sensitive,
 * since CR4 is state a VMM virtualizes.  The reference machine, QEMU's
 * TCG (helper_rdpmc), implements no counters: an RDPMC that passes the
 * check is #UD.  So this kernel expects, on QEMU and in every ringside
 * mode:
 *     rdpmc at ring 0: #UD
 *     rdpmc at ring 3: #GP          CR4.PCE clear
 *     cr4 00000100                  INT 0x80: the kernel sets CR4.PCE
 *     rdpmc at ring 3: #UD
 * then INT 0x81 exits 0.  The ring-3 code runs with IF=1, so under binary
 * translation it runs directly; the kernel's is translated (a callout),
 * and under VT-x the ring-0 RDPMC and the one with PCE set are VM exits
 * (reason 15) while the #GP is the CPU's own, with no exit. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"

_start:
        USER_START
        GATE 6, ud_handler              /* #UD */
        GATE 13, gp_handler             /* #GP */
        GATE 0x80, pce_on, 0xee00       /* INT 0x80 from ring 3 */
        GATE 0x81, done, 0xee00         /* INT 0x81 from ring 3 */
        lidt idt_ptr
        xor  %ecx, %ecx                 /* counter 0 */
        rdpmc                           /* ring 0: #UD */
        TO_RING3 user

user:   xor  %ecx, %ecx
        rdpmc                           /* ring 3, PCE clear: #GP */
        int  $0x80
        xor  %ecx, %ecx
        rdpmc                           /* ring 3, PCE set: #UD */
        int  $0x81
1:      jmp  1b                         /* not reached */

/* #UD: the frame is EIP, CS, EFLAGS (ESP, SS from ring 3). */
ud_handler:
        pusha
        mov  $msg_ud, %esi
        mov  36(%esp), %eax             /* CS, above PUSHA's 32 bytes */
        call report
        popa
        addl $2, (%esp)                 /* past the 2-byte RDPMC */
        iret

/* #GP: an error code (0) comes first. */
gp_handler:
        pusha
        mov  $msg_gp, %esi
        mov  40(%esp), %eax             /* CS */
        call report
        popa
        add  $4, %esp                   /* drop the error code */
        addl $2, (%esp)
        iret

/* "rdpmc at ring R: " then the string at ESI; R is CS's RPL (AL & 3). */
report: push %esi
        push %eax
        mov  $msg_at, %esi
        call puts
        pop  %eax
        and  $3, %al
        add  $'0', %al
        call putc
        mov  $msg_colon, %esi
        call puts
        pop  %esi
        jmp  puts

/* INT 0x80: set CR4.PCE (RDPMC allowed at every ring), and show CR4. */
pce_on: pusha
        mov  %cr4, %eax
        or   $0x100, %eax               /* PCE, bit 8 */
        mov  %eax, %cr4
        mov  $msg_cr4, %esi
        call puts
        mov  %cr4, %eax
        call hexln
        popa
        iret

done:   EXIT 0

        .include "tests/guests/lib.inc"

        .data
msg_at:     .asciz "rdpmc at ring "
msg_colon:  .asciz ": "
msg_ud:     .asciz "#UD\n"
msg_gp:     .asciz "#GP\n"
msg_cr4:    .asciz "cr4 "
        FLAT_GDT
        USER_GDT
        GDT_PTR
        IDT 16
        TSS_DATA kstack
        USER_STACKS
