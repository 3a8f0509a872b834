/* smp.S - a multiprocessor guest: every CPU says who it is, then they
 * count together under a spin lock, then each AP takes an IPI.
 *
 * The bootstrap processor (BSP) asks the firmware how many CPUs there are
 * (QEMU's fw_cfg, item 5 at ports 0x510/0x511), reads its local APIC ID
 * (0xfee00020), enables its APIC, and starts each application processor
 * (AP) in turn with INIT, SIPI, SIPI (Intel SDM vol. 3A 8.4.4): the SIPI's
 * vector 0x08 starts the AP in real mode at 0x0800:0000, where the BSP
 * copied a trampoline that enters protected mode.  Each AP prints its
 * APIC ID, then waits.  Then all CPUs add 1 to a shared counter 1000
 * times each under a spin lock (LOCK BTS), and the BSP prints the total.
 * Last, the BSP sends each AP a fixed IPI (vector 0x40), which the AP
 * takes out of HLT and reports.  The output depends only on the CPU count:
 * the CPUs take turns wherever they print.  With the word "poll" on the
 * kernel command line, between the count and the IPIs the BSP reads the
 * UART's line status register POLLS times, as a driver polling its
 * device, while the APs spin until it is done (each read is a port the
 * VMM hands to the VMX: the BSP's vCPU makes little progress, the
 * spinning ones race ahead: scenarios/smp.lua).  Exits 0 through the
 * debug-exit port.  Run it with `qemu-system-i386 -smp N -kernel` or
 * `ringside --vcpus N`, N = 1 to 8. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"

        .set APIC, 0xfee00000
        .set TRAMP, 0x8000              /* SIPI vector 0x08 */
        .set ROUNDS, 1000
        .set POLLS, 1000

_start:
        FLAT_START stacks+4096
        call poll_mode                  /* EBX: the Multiboot information */
        GATE 0x40, ipi_handler          /* the IPI */
        lidt idt_ptr

        movw $5, %ax                    /* fw_cfg item 5: the CPU count */
        mov  $0x510, %dx
        outw %ax, %dx
        inc  %dx
        inb  %dx, %al
        mov  %al, %bl
        inb  %dx, %al
        mov  %al, %bh
        movzwl %bx, %ebx
        mov  %ebx, ncpus
        mov  $msg_cpus, %esi
        call puts
        mov  ncpus, %eax
        call putdec
        call newline
        call hello                      /* the BSP's own line */
        movl $0x1ff, APIC + 0xf0        /* SVR: APIC on, spurious 0xff */

        mov  $tramp, %esi               /* the trampoline, below 1 MiB */
        mov  $TRAMP, %edi
        mov  $tramp_end - tramp, %ecx
        rep movsb

        mov  $1, %ebx                   /* start the APs, one by one */
2:      cmp  ncpus, %ebx
        jae  4f
        mov  %ebx, %eax
        shl  $24, %eax
        mov  %eax, APIC + 0x310         /* ICR high: the destination */
        movl $0x4500, APIC + 0x300      /* INIT, assert */
        mov  %eax, APIC + 0x310
        movl $0x4608, APIC + 0x300      /* SIPI, vector 0x08 */
        mov  %eax, APIC + 0x310
        movl $0x4608, APIC + 0x300      /* and the second SIPI */
3:      pause
        cmp  started, %ebx              /* wait for its line */
        jne  3b
        inc  %ebx
        jmp  2b

4:      movl $1, go                     /* count, all together */
        call count
5:      pause
        mov  done, %eax
        cmp  ncpus, %eax
        jne  5b
        mov  $msg_count, %esi
        call puts
        mov  counter, %eax
        call putdec
        call newline
        cmpl $0, polling
        je   10f
        mov  $POLLS, %ecx               /* a driver polling its device */
        mov  $0x3fd, %dx
11:     in   %dx, %al                   /* the UART's line status */
        loop 11b
        movl $1, polled                 /* the APs may go on */
        mov  $msg_poll, %esi
        call puts

10:     mov  $1, %ebx                   /* an IPI to each AP in turn */
6:      cmp  ncpus, %ebx
        jae  8f
7:      pause
        cmp  ready, %ebx                /* it waits in HLT with IF on */
        ja   7b
        mov  %ebx, %eax
        shl  $24, %eax
        mov  %eax, APIC + 0x310
        movl $0x4040, APIC + 0x300      /* fixed, vector 0x40 */
9:      pause
        cmp  acked, %ebx
        jne  9b
        inc  %ebx
        jmp  6b
8:      mov  $msg_bye, %esi
        call puts
        EXIT 0

/* poll_mode: `polling` = 1 if the command line (Multiboot information at
 * EBX, its flags' bit 2) holds "poll". */
poll_mode:
        testl $4, (%ebx)
        jz   2f
        mov  16(%ebx), %esi
1:      cmpl $0x6c6c6f70, (%esi)        /* "poll" */
        je   3f
        cmpb $0, (%esi)
        je   2f
        inc  %esi
        jmp  1b
3:      movl $1, polling
2:      ret

/* hello: "cpu N: apic id N\n" for this CPU; returns its ID in EAX. */
hello:  mov  $msg_cpu, %esi
        call puts
        mov  APIC + 0x20, %eax
        shr  $24, %eax
        push %eax
        call putdec
        mov  $msg_id, %esi
        call puts
        mov  (%esp), %eax
        call putdec
        call newline
        pop  %eax
        ret

/* count: ROUNDS increments of the shared counter, under the lock. */
count:  mov  $ROUNDS, %ecx
1:      lock btsl $0, lock
        jnc  2f
3:      pause
        testl $1, lock
        jnz  3b
        jmp  1b
2:      mov  counter, %eax              /* not atomic: the lock makes it so */
        inc  %eax
        mov  %eax, counter
        movl $0, lock
        loop 1b
        lock incl done
        ret

/* An AP, in protected mode: the trampoline jumped here. */
ap_main:
        mov  $KDATA, %ax
        mov  %ax, %ds
        mov  %ax, %es
        mov  %ax, %ss
        mov  APIC + 0x20, %eax          /* its own stack, by APIC ID */
        shr  $24, %eax
        inc  %eax
        shl  $12, %eax
        lea  stacks(%eax), %esp
        lidt idt_ptr
        movl $0x1ff, APIC + 0xf0        /* its APIC on */
        call hello
        mov  %eax, started              /* the BSP may go on */
1:      pause
        cmpl $0, go
        je   1b
        call count
        cmpl $0, polling
        je   4f
5:      pause                           /* spin while the BSP polls */
        cmpl $0, polled
        je   5b
4:      mov  APIC + 0x20, %eax
        shr  $24, %eax
2:      pause                           /* the APs get ready in turn */
        mov  ready, %edx
        inc  %edx
        cmp  %eax, %edx
        jne  2b
        mov  %eax, ready
        sti
3:      hlt
        jmp  3b

/* The IPI: say so, EOI, let the BSP go on. */
ipi_handler:
        push %eax
        push %esi
        mov  $msg_cpu, %esi
        call puts
        mov  APIC + 0x20, %eax
        shr  $24, %eax
        call putdec
        mov  $msg_ipi, %esi
        call puts
        movl $0, APIC + 0xb0            /* EOI */
        mov  APIC + 0x20, %eax
        shr  $24, %eax
        mov  %eax, acked
        pop  %esi
        pop  %eax
        iret

        .include "scenarios/guests/lib/print.inc"

/* The AP's first code, copied to TRAMP: real mode to protected mode. */
        .code16
tramp:  cli
        xor  %ax, %ax
        mov  %ax, %ds
        lgdtl TRAMP + (tramp_gdtp - tramp)
        mov  %cr0, %eax
        or   $1, %eax
        mov  %eax, %cr0
        ljmpl $KCODE, $ap_main
tramp_gdtp:
        .word 3 * 8 - 1
        .long gdt
tramp_end:
        .code32

        .data
msg_cpus:  .asciz "cpus: "
msg_cpu:   .asciz "cpu "
msg_id:    .asciz ": apic id "
msg_count: .asciz "count: "
msg_ipi:   .asciz ": ipi 0x40\n"
msg_poll:  .asciz "poll: 1000 reads of the uart's line status\n"
msg_bye:   .asciz "smp: done\n"
        FLAT_GDT
        GDT_PTR
        IDT 4096
        .data
ncpus:   .long 0
started: .long 0
go:      .long 0
lock:    .long 0
counter: .long 0
done:    .long 0
ready:   .long 0
acked:   .long 0
polling: .long 0
polled:  .long 0

        .bss
        .align 4096
stacks: .space 9 * 4096
