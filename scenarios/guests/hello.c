/* hello.c - the smallest ringside guest: print what the boot loader told us, then exit.
 *
 * It uses no sensitive or privileged instruction at all after boot: no GDT,
 * no IDT, no rings.  It only does port I/O (the serial port and the exit
 * port), so under trap-and-emulate the VMM sees nothing but I/O.
 */
#include "lib.h"

/* The start of the multiboot information structure (multiboot spec 1). */
struct multiboot_info {
    u32 flags;          /* which of the fields below are valid */
    u32 mem_lower;      /* KiB of memory below 1 MiB (valid if flags bit 0) */
    u32 mem_upper;      /* KiB of memory above 1 MiB (valid if flags bit 0) */
    u32 boot_device;    /* flags bit 1 */
    u32 cmdline;        /* address of the command line (flags bit 2) */
};

int kmain(u32 magic, struct multiboot_info *mbi);
int kmain(u32 magic, struct multiboot_info *mbi)
{
    kprintf("ringside hello: booted with magic %08x\n", magic);
    if (magic != 0x2BADB002) {
        kprintf("that is not the multiboot magic 2badb002: giving up\n");
        return 1;
    }

    kprintf("multiboot info at %08x, flags %08x\n", (u32)mbi, mbi->flags);
    if (mbi->flags & 1)
        kprintf("memory: %u KiB below 1 MiB, %u KiB above\n", mbi->mem_lower, mbi->mem_upper);
    if (mbi->flags & 4)
        kprintf("command line: \"%s\"\n", (const char *)mbi->cmdline);

    kprintf("hello from a guest kernel that thinks it owns the machine\n");
    kprintf("goodbye: exit code 0\n");
    return 0;                              /* boot.S passes this to guest_exit */
}
