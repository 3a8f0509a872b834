/* features.S - CPUID tells the truth: every feature it announces works,
 * and the instructions of features it does not announce are #UD.
 *
 * For each probe the guest prints "NAME: " and runs one instruction that
 * uses the feature; the #UD handler prints "#UD" and resumes after the
 * probe, otherwise the probe prints "ok".  Announced by CPUID leaf 1 EDX
 * on QEMU's qemu32 (and so on ringside): TSC (RDTSC), MSR (RDMSR of
 * IA32_APIC_BASE), CX8 (CMPXCHG8B), CMOV, SEP (tested by sysenter.S),
 * FXSR (FXSAVE with CR4.OSFXSR), SSE and SSE2 (an SSE2 add), PGE and PSE
 * (CR4 bits set and read back), APIC (the local APIC's ID register at
 * the base the MSR gives), FPU (1 + 1), MMX (a packed add), SSE3
 * (MOVDDUP, leaf 1 ECX bit 0), PAT (its MSR's power-on value), DE, PAE
 * and MCE (their CR4 bits set and read back).  Not announced: SYSCALL and RDTSCP (leaf
 * 0x80000001 EDX is 0 on qemu32: Intel SDM vol. 2B, SYSCALL "#UD if
 * ... IA32_EFER.SCE = 0 or not in 64-bit mode" and RDTSCP "#UD if
 * CPUID.80000001H:EDX.RDTSCP[bit 27] = 0"), and CLAC (SMAP, leaf 7 not
 * even present).  QEMU prints the same lines in every ringside mode. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"

/* PROBE name, instructions: print "name: ", run them, print "ok". */
.macro PROBE name, insns:vararg
        mov  $9f, %esi
        call puts
        movl $8f, resume
        \insns
        mov  $msg_ok, %esi
        call puts
8:
        .section .rodata
9:      .asciz "\name: "
        .text
.endm

_start:
        FLAT_START
        GATE 6, ud_handler              /* #UD */
        lidt idt_ptr

        PROBE rdtsc, rdtsc
        PROBE rdmsr, mov $0x1b, %ecx; rdmsr; and $0xfffff000, %eax; cmp $0xfee00000, %eax; jne fail
        PROBE cmpxchg8b, xor %eax, %eax; xor %edx, %edx; mov $1, %ebx; xor %ecx, %ecx; cmpxchg8b qword; jne fail; cmpl $1, qword; jne fail
        PROBE cmov, xor %eax, %eax; mov $7, %ebx; cmovz %ebx, %eax; cmp $7, %eax; jne fail
        PROBE fxsave, mov %cr4, %eax; or $0x600, %eax; mov %eax, %cr4; fxsave fxarea
        PROBE sse2, movdqa two, %xmm0; paddd two, %xmm0; movd %xmm0, %eax; cmp $4, %eax; jne fail
        PROBE pge-pse, mov %cr4, %eax; or $0x90, %eax; mov %eax, %cr4; mov %cr4, %ebx; cmp %eax, %ebx; jne fail
        PROBE apic-id, mov 0xfee00020, %eax; shr $24, %eax; cmp $0, %eax; jne fail
        PROBE fpu, fninit; fld1; fld1; faddp; fistpl qword; cmpl $2, qword; jne fail
        PROBE mmx, movq two, %mm0; paddd two, %mm0; movd %mm0, %eax; emms; cmp $4, %eax; jne fail
        PROBE sse3, movddup two, %xmm1; movd %xmm1, %eax; cmp $2, %eax; jne fail
        PROBE pat, mov $0x277, %ecx; rdmsr; cmp $0x00070406, %eax; jne fail
        PROBE de-pae-mce, mov %cr4, %eax; or $0x68, %eax; mov %eax, %cr4; mov %cr4, %ebx; cmp %eax, %ebx; jne fail
        PROBE syscall, syscall
        PROBE rdtscp, rdtscp
        PROBE clac, clac
        PROBE pshufb, pshufb %xmm1, %xmm0
        PROBE popcnt, popcnt %eax, %eax
        PROBE crc32, crc32b %al, %eax
        PROBE movbe, movbe qword, %eax
        PROBE rdrand, rdrand %eax

        EXIT 0
fail:   mov  $msg_wrong, %esi
        call puts
        EXIT 1

ud_handler:
        add  $12, %esp                  /* EIP, CS, EFLAGS of the #UD */
        mov  $msg_ud, %esi
        call puts
        jmp  *resume

        .include "scenarios/guests/lib/print.inc"

        .data
msg_ok:     .asciz "ok\n"
msg_ud:     .asciz "#UD\n"
msg_wrong:  .asciz "wrong answer\n"
        .align 16
two:    .long 2, 2, 2, 2
qword:  .quad 0
        .bss
        .align 16
fxarea: .space 512                      /* FXSAVE's, 16-byte aligned */
        FLAT_GDT
        GDT_PTR
        IDT
        .data
resume: .long 0
        STACK
