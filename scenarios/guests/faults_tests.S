/* faults_tests.S - the small pieces of code that faults.c makes fault, at ring 0 and at ring 3.
 *
 * Each test is a function NAME that sets up registers, then runs ONE
 * instruction at the label NAME_site, then returns from NAME_resume.
 * When the instruction raises an exception, the handler in faults.c
 * prints the trap frame and continues at NAME_resume (it knows both labels),
 * so the test returns normally.  The same code runs at both rings.
 */
        .text

/* #DE: divide EDX:EAX by ECX = 0. */
        .globl t_div, t_div_site, t_div_resume
t_div:
        xor  %edx, %edx
        mov  $1, %eax
        xor  %ecx, %ecx
t_div_site:
        div  %ecx
t_div_resume:
        ret

/* #BP: INT3, the one-byte breakpoint instruction.  A "trap": the saved EIP
 * already points after it (site + 1). */
        .globl t_int3, t_int3_site, t_int3_resume
t_int3:
t_int3_site:
        int3
t_int3_resume:
        ret

/* #UD: UD2, an instruction defined to be invalid. */
        .globl t_ud2, t_ud2_site, t_ud2_resume
t_ud2:
t_ud2_site:
        ud2
t_ud2_resume:
        ret

/* #GP: load DS with selector 0x50 = GDT entry 10, past the end of our GDT.
 * The error code is the selector. */
        .globl t_bad_ds, t_bad_ds_site, t_bad_ds_resume
t_bad_ds:
        mov  $0x50, %eax
t_bad_ds_site:
        mov  %eax, %ds
t_bad_ds_resume:
        ret

/* Load DS with the kernel's data selector 0x10 (DPL 0): fine at ring 0,
 * #GP (error code 0x10) at ring 3. */
        .globl t_kernel_ds, t_kernel_ds_site, t_kernel_ds_resume
t_kernel_ds:
        mov  $0x10, %eax
t_kernel_ds_site:
        mov  %eax, %ds
t_kernel_ds_resume:
        ret

/* CLI: allowed at ring 0, #GP (error code 0) at ring 3 when IOPL = 0. */
        .globl t_cli, t_cli_site, t_cli_resume
t_cli:
t_cli_site:
        cli
t_cli_resume:
        ret

/* INT 0x31 through a gate with DPL 0: works at ring 0; from ring 3 it is
 * #GP with error code 0x31 * 8 + 2 (bit 1 = "this is an IDT entry"). */
        .globl t_int31, t_int31_site, t_int31_resume
t_int31:
t_int31_site:
        int  $0x31
t_int31_resume:
        ret

/* INT 0x41 through a gate marked not present: #NP, error code 0x41 * 8 + 2. */
        .globl t_int41, t_int41_site, t_int41_resume
t_int41:
t_int41_site:
        int  $0x41
t_int41_resume:
        ret

        .section .note.GNU-stack, "", @progbits
