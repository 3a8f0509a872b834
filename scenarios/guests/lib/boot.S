/* boot.S - the first code of every ringside guest: multiboot header, stack, call kmain.
 *
 * A multiboot boot loader (QEMU's -kernel, GRUB, or ringside) scans the
 * first 8 KiB of the file for the header below, loads the ELF segments at
 * the addresses link.ld chose (1 MiB and up) and jumps to _start with:
 *     EAX = 0x2BADB002   (the "magic": proof a multiboot loader started us)
 *     EBX = address of the multiboot information structure
 * in 32-bit protected mode, paging off, interrupts off, and the loader's
 * own GDT still loaded.  There is no valid stack yet: making one is our
 * first job.
 *
 * This file is assembled with plain `as --32` (no C preprocessor), so it
 * uses .set for constants.  Comments are C style or start with '#'.
 */

        .set MB_MAGIC, 0x1BADB002   /* "I am a multiboot kernel" */
        .set MB_FLAGS, 0x00000003   /* bit 0: align modules on pages, bit 1: give us memory info */

/* ---- The multiboot header: three 32-bit words whose sum must be zero. ---- */
        .section .multiboot, "a"
        .balign 4
        .long MB_MAGIC
        .long MB_FLAGS
        .long -(MB_MAGIC + MB_FLAGS)     /* checksum */

/* ---- The boot stack: 16 KiB in .bss (memory that starts as zeros). ---- */
        .section .bss
        .balign 16
        .globl boot_stack_bottom, boot_stack_top
boot_stack_bottom:
        .skip 16384
boot_stack_top:                          /* stacks grow down: start at the top */

/* ---- Entry point. ---- */
        .text
        .globl _start
_start:
        mov  $boot_stack_top, %esp       /* now we can call functions */
        cld                              /* C expects string instructions to go up */

        /* C also expects variables without an initial value (.bss) to
         * start at zero.  We do not clear .bss here: loading an ELF file
         * means zero-filling each segment past its bytes in the file, and
         * the loader (QEMU, GRUB, ringside) does that for us.  (A clearing
         * loop here would also cost one step per byte when tracing.) */

        push %ebx                        /* kmain(magic, mbi): arguments are */
        push %eax                        /* pushed right to left (cdecl) */
        call kmain

        /* kmain returned: its return value is the exit code. */
        push %eax
        call guest_exit                  /* does not return */

        .section .note.GNU-stack, "", @progbits   /* our stack is not executable */
