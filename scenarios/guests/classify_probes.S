/* classify_probes.S - every instruction classify.c tests, each at a global label probe_N, plus probe_table.
 *
 * Each probe is a tiny routine run_N that (maybe) sets up registers, then
 * executes ONE probed instruction at the global label probe_N (the label
 * probe_N_end follows it), then ends with DONE.  Probes 1-47 are run at ring 0, probes
 * 48-95 at ring 3 (the same instructions, plus HLT last).  `nm` lists
 * them all, so a test can find the address of any probed instruction.
 *
 * probe_table (in .rodata, between probe_table and probe_table_end) has
 * one 32-byte entry per probe, in order:
 *     offset  0: .long run_N       routine that runs the probe
 *     offset  4: .long probe_N     address of the probed instruction
 *     offset  8: .long probe_N_end address after it (where a fault resumes)
 *     offset 12: .byte ring        0 or 3
 *     offset 13: .byte class       1 = privileged, 2 = I/O, 3 = sensitive but unprivileged
 *     offset 14: .byte 0, 0
 *     offset 16: name, NUL-padded to 16 bytes
 *
 * run_probe(run, ctx) calls a routine with these registers ready:
 *     EBX = ctx (struct probe_ctx in classify.c; offsets below)
 *     EDX = 0x3FF (the UART scratch register), ECX = 0x174 (MSR SYSENTER_CS),
 *     ESI = &ctx->outs_byte, EDI = &ctx->ins_byte, EAX = 0.
 * The routine's EAX is run_probe's return value; anything it leaves on
 * the stack is discarded.
 */

/* Offsets in struct probe_ctx (classify.c checks them with _Static_assert). */
        .set CTX_CODE_SEL, 0
        .set CTX_DATA_SEL, 4
        .set CTX_EFLAGS, 8
        .set CTX_CR0, 12
        .set CTX_CR3, 16
        .set CTX_CR4, 20
        .set CTX_DR7, 24
        .set CTX_MSR, 28
        .set CTX_MSW, 32
        .set CTX_LDT_SEL, 34
        .set CTX_TSS_SEL, 36
        .set CTX_PROBE_SEL, 38
        .set CTX_FAR_CALL, 40
        .set CTX_FAR_JMP, 48
        .set CTX_GDTR, 56
        .set CTX_IDTR, 64
        .set CTX_DT_OUT, 72
        .set CTX_OUT_BYTE, 80
        .set CTX_OUTS_BYTE, 81
        .set CTX_INS_BYTE, 82

        .set PRIV, 1        /* classes */
        .set IO, 2
        .set SENS, 3

/* START n: the routine for probe n begins here. */
.macro START n
run_\n:
.endm

/* PROBE n, ring, class, name, instruction: the probed instruction itself. */
.macro PROBE n, ring, class, name, insn:vararg
        .globl probe_\n, probe_\n\()_end
probe_\n:
        \insn
probe_\n\()_end:
        .pushsection .rodata.probe_table, "a"
        .long run_\n, probe_\n, probe_\n\()_end
        .byte \ring, \class, 0, 0
0:      .ascii "\name"
        .fill 16 - (. - 0b), 1, 0        /* pad the name to 16 bytes */
        .popsection
.endm

/* DONE: a routine ends (see run_probe). */
.macro DONE
        jmp  probe_done
.endm

/* ONE n, ring, class, name, instruction: a routine that is only the probe. */
.macro ONE n, ring, class, name, insn:vararg
        START \n
        PROBE \n, \ring, \class, \name, \insn
        DONE
.endm

        .section .rodata.probe_table, "a"
        .balign 4
        .globl probe_table
probe_table:

        .text

/* u32 run_probe(void *run, struct probe_ctx *ctx)
 * Jumps (not calls) to the routine; every routine ends with DONE, a jump
 * to probe_done, which resets ESP from EBP.  So a probe that faults and is
 * resumed at probe_N_end with something still pushed cannot upset the stack. */
        .globl run_probe
run_probe:
        push %ebp
        push %ebx
        push %esi
        push %edi
        mov  %esp, %ebp                  /* remember our stack (probes never touch EBP) */
        mov  24(%esp), %ebx
        lea  CTX_OUTS_BYTE(%ebx), %esi
        lea  CTX_INS_BYTE(%ebx), %edi
        mov  $0x3FF, %edx
        mov  $0x174, %ecx
        xor  %eax, %eax
        jmp  *20(%ebp)                   /* to run_N */
probe_done:
        mov  %ebp, %esp                  /* drop whatever the probe left pushed */
        pop  %edi
        pop  %esi
        pop  %ebx
        pop  %ebp
        ret                              /* EAX: the probe's result */

/* Targets of the far transfers: a far CALL lands on far_target, which
 * returns with a far RET; far JMP, far RET and IRET land on far_landing. */
        .globl far_target, far_landing
far_target:
        lret
far_landing:
        DONE

/* ======================= ring 0 ======================= */

/* Privileged: fine at ring 0, #GP at ring 3. */
ONE 1, 0, PRIV, lgdt, lgdt CTX_GDTR(%ebx)
ONE 2, 0, PRIV, lidt, lidt CTX_IDTR(%ebx)
ONE 3, 0, PRIV, lldt, lldt CTX_LDT_SEL(%ebx)
ONE 4, 0, PRIV, ltr, ltr CTX_TSS_SEL(%ebx)
ONE 5, 0, PRIV, lmsw, lmsw CTX_MSW(%ebx)
ONE 6, 0, PRIV, clts, clts
START 7
        mov  CTX_CR0(%ebx), %eax
        PROBE 7, 0, PRIV, mov-to-cr0, mov %eax, %cr0
        DONE
START 8
        mov  CTX_CR3(%ebx), %eax
        PROBE 8, 0, PRIV, mov-to-cr3, mov %eax, %cr3
        DONE
START 9
        mov  CTX_CR4(%ebx), %eax
        PROBE 9, 0, PRIV, mov-to-cr4, mov %eax, %cr4
        DONE
ONE 10, 0, PRIV, mov-from-cr0, mov %cr0, %eax
ONE 11, 0, PRIV, mov-from-cr2, mov %cr2, %eax
ONE 12, 0, PRIV, mov-from-cr3, mov %cr3, %eax
ONE 13, 0, PRIV, mov-from-cr4, mov %cr4, %eax
START 14
        mov  CTX_DR7(%ebx), %eax
        PROBE 14, 0, PRIV, mov-to-dr7, mov %eax, %db7
        DONE
ONE 15, 0, PRIV, mov-from-dr7, mov %db7, %eax
ONE 16, 0, PRIV, invd, invd
ONE 17, 0, PRIV, wbinvd, wbinvd
ONE 18, 0, PRIV, invlpg, invlpg (%ebx)
ONE 19, 0, PRIV, rdmsr, rdmsr
START 20
        mov  CTX_MSR(%ebx), %eax
        xor  %edx, %edx
        PROBE 20, 0, PRIV, wrmsr, wrmsr
        DONE
ONE 21, 0, PRIV, cli, cli
START 22
        PROBE 22, 0, PRIV, sti, sti
        cli                     /* STI enables interrupts only after the NEXT
                                   instruction, so this CLI closes the window
                                   before any interrupt can come in */
        DONE

/* I/O on the UART scratch register: fine at ring 0, #GP at ring 3 (IOPL 0). */
START 23
        mov  CTX_OUT_BYTE(%ebx), %al
        PROBE 23, 0, IO, out, out %al, (%dx)
        DONE
ONE 24, 0, IO, in, in (%dx), %al
ONE 25, 0, IO, outs, outsb
ONE 26, 0, IO, ins, insb

/* Sensitive but unprivileged: never trap, at any ring. */
ONE 27, 0, SENS, sgdt, sgdt CTX_DT_OUT(%ebx)
ONE 28, 0, SENS, sidt, sidt CTX_DT_OUT(%ebx)
ONE 29, 0, SENS, sldt, sldt %ax
ONE 30, 0, SENS, smsw, smsw %ax
ONE 31, 0, SENS, str, str %ax
START 32
        PROBE 32, 0, SENS, pushf, pushf
        DONE
START 33
        pushl CTX_EFLAGS(%ebx)
        PROBE 33, 0, SENS, popf, popf
        DONE
ONE 34, 0, SENS, lar, lar CTX_PROBE_SEL(%ebx), %eax
ONE 35, 0, SENS, lsl, lsl CTX_PROBE_SEL(%ebx), %eax
ONE 36, 0, SENS, verr, verr CTX_PROBE_SEL(%ebx)
ONE 37, 0, SENS, verw, verw CTX_PROBE_SEL(%ebx)
START 38
        PROBE 38, 0, SENS, push-ds, push %ds
        DONE
START 39
        push %ds
        PROBE 39, 0, SENS, pop-ds, pop %ds
        DONE
ONE 40, 0, SENS, mov-to-ds, mov CTX_DATA_SEL(%ebx), %ds
ONE 41, 0, SENS, mov-from-cs, mov %cs, %eax
ONE 42, 0, SENS, far-call, lcall *CTX_FAR_CALL(%ebx)
ONE 43, 0, SENS, far-jmp, ljmp *CTX_FAR_JMP(%ebx)
START 44
        pushl CTX_CODE_SEL(%ebx)
        pushl $far_landing
        PROBE 44, 0, SENS, far-ret, lret
        DONE
ONE 45, 0, SENS, int, int $0x80          /* EAX = 0: SYS_NOP */
START 46
        pushl CTX_EFLAGS(%ebx)
        pushl CTX_CODE_SEL(%ebx)
        pushl $far_landing
        PROBE 46, 0, SENS, iret, iret
        DONE
START 47
        xor  %ecx, %ecx                 /* counter 0 */
        PROBE 47, 0, SENS, rdpmc, rdpmc /* QEMU has no counters: #UD */
        DONE

/* ======================= ring 3 ======================= */

ONE 48, 3, PRIV, lgdt, lgdt CTX_GDTR(%ebx)
ONE 49, 3, PRIV, lidt, lidt CTX_IDTR(%ebx)
ONE 50, 3, PRIV, lldt, lldt CTX_LDT_SEL(%ebx)
ONE 51, 3, PRIV, ltr, ltr CTX_TSS_SEL(%ebx)
ONE 52, 3, PRIV, lmsw, lmsw CTX_MSW(%ebx)
ONE 53, 3, PRIV, clts, clts
START 54
        mov  CTX_CR0(%ebx), %eax
        PROBE 54, 3, PRIV, mov-to-cr0, mov %eax, %cr0
        DONE
START 55
        mov  CTX_CR3(%ebx), %eax
        PROBE 55, 3, PRIV, mov-to-cr3, mov %eax, %cr3
        DONE
START 56
        mov  CTX_CR4(%ebx), %eax
        PROBE 56, 3, PRIV, mov-to-cr4, mov %eax, %cr4
        DONE
ONE 57, 3, PRIV, mov-from-cr0, mov %cr0, %eax
ONE 58, 3, PRIV, mov-from-cr2, mov %cr2, %eax
ONE 59, 3, PRIV, mov-from-cr3, mov %cr3, %eax
ONE 60, 3, PRIV, mov-from-cr4, mov %cr4, %eax
START 61
        mov  CTX_DR7(%ebx), %eax
        PROBE 61, 3, PRIV, mov-to-dr7, mov %eax, %db7
        DONE
ONE 62, 3, PRIV, mov-from-dr7, mov %db7, %eax
ONE 63, 3, PRIV, invd, invd
ONE 64, 3, PRIV, wbinvd, wbinvd
ONE 65, 3, PRIV, invlpg, invlpg (%ebx)
ONE 66, 3, PRIV, rdmsr, rdmsr
START 67
        mov  CTX_MSR(%ebx), %eax
        xor  %edx, %edx
        PROBE 67, 3, PRIV, wrmsr, wrmsr
        DONE
ONE 68, 3, PRIV, cli, cli
ONE 69, 3, PRIV, sti, sti
START 70
        mov  CTX_OUT_BYTE(%ebx), %al
        PROBE 70, 3, IO, out, out %al, (%dx)
        DONE
ONE 71, 3, IO, in, in (%dx), %al
ONE 72, 3, IO, outs, outsb
ONE 73, 3, IO, ins, insb
ONE 74, 3, SENS, sgdt, sgdt CTX_DT_OUT(%ebx)
ONE 75, 3, SENS, sidt, sidt CTX_DT_OUT(%ebx)
ONE 76, 3, SENS, sldt, sldt %ax
ONE 77, 3, SENS, smsw, smsw %ax
ONE 78, 3, SENS, str, str %ax
START 79
        PROBE 79, 3, SENS, pushf, pushf
        DONE
START 80
        pushl CTX_EFLAGS(%ebx)
        PROBE 80, 3, SENS, popf, popf
        DONE
ONE 81, 3, SENS, lar, lar CTX_PROBE_SEL(%ebx), %eax
ONE 82, 3, SENS, lsl, lsl CTX_PROBE_SEL(%ebx), %eax
ONE 83, 3, SENS, verr, verr CTX_PROBE_SEL(%ebx)
ONE 84, 3, SENS, verw, verw CTX_PROBE_SEL(%ebx)
START 85
        PROBE 85, 3, SENS, push-ds, push %ds
        DONE
START 86
        push %ds
        PROBE 86, 3, SENS, pop-ds, pop %ds
        DONE
ONE 87, 3, SENS, mov-to-ds, mov CTX_DATA_SEL(%ebx), %ds
ONE 88, 3, SENS, mov-from-cs, mov %cs, %eax
ONE 89, 3, SENS, far-call, lcall *CTX_FAR_CALL(%ebx)
ONE 90, 3, SENS, far-jmp, ljmp *CTX_FAR_JMP(%ebx)
START 91
        pushl CTX_CODE_SEL(%ebx)
        pushl $far_landing
        PROBE 91, 3, SENS, far-ret, lret
        DONE
ONE 92, 3, SENS, int, int $0x80
START 93
        pushl CTX_EFLAGS(%ebx)
        pushl CTX_CODE_SEL(%ebx)
        pushl $far_landing
        PROBE 93, 3, SENS, iret, iret
        DONE
START 94
        xor  %ecx, %ecx                 /* counter 0 */
        PROBE 94, 3, SENS, rdpmc, rdpmc /* CR4.PCE clear: #GP */
        DONE
ONE 95, 3, PRIV, hlt, hlt               /* last: at ring 0 it would stop the CPU */

        .section .rodata.probe_table, "a"
        .globl probe_table_end
probe_table_end:

        .section .note.GNU-stack, "", @progbits
