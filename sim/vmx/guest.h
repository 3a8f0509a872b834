/*
 * guest.h - loading a Multiboot v1 ELF32 kernel, as a boot loader would.
 *
 * ringside guests are Multiboot kernels so the same file boots on real
 * hardware, on QEMU (`qemu-system-i386 -kernel G`) and on ringside.  The
 * loader checks the file, copies its segments into guest RAM, and leaves the
 * machine in the state the Multiboot specification (0.6.96, section 3.2)
 * promises: 32-bit protected mode, flat segments, paging off, interrupts
 * off, EAX = 0x2BADB002 and EBX = the physical address of the Multiboot
 * information structure.  Where the specification leaves a choice open, we
 * copy what QEMU 7.2 does, because QEMU is the reference machine.
 */
#ifndef SIM_GUEST_H
#define SIM_GUEST_H

#include <stddef.h>
#include <stdint.h>

#define MULTIBOOT_HEADER_MAGIC 0x1BADB002u
#define MULTIBOOT_BOOT_MAGIC   0x2BADB002u	/* in EAX at entry */
#define MULTIBOOT_SEARCH       8192		/* header within the first 8 KiB */

#define GUEST_ERR_MAX 256

/* A kernel file, read and checked but not yet placed in RAM. */
struct guest_image {
	uint8_t *file;		/* the whole file, owned */
	size_t size;
	uint32_t entry;		/* e_entry */
	uint32_t mb_flags;	/* Multiboot header flags */
	uint32_t load_lo;	/* lowest physical byte loaded */
	uint32_t load_hi;	/* one past the highest byte (bss included) */
};

/*
 * Initial CPU state a Multiboot loader hands over, ready for the VMM to put
 * in the virtual CPU.
 */
struct guest_boot {
	uint32_t eax, ebx;	/* magic and Multiboot info address */
	uint32_t eip;
	uint32_t eflags;
	uint32_t cr0;
	uint16_t cs, ds;	/* flat selectors in the boot GDT (SS = ES = DS) */
	uint32_t gdt_base;	/* the loader's GDT, left in guest memory */
	uint16_t gdt_limit;
	uint32_t idt_base;
	uint16_t idt_limit;
	uint32_t info_end;	/* the end of what the loader wrote after the kernel */
};

/*
 * Read and validate a kernel file.  On failure returns SIM_EIO or
 * SIM_EFORMAT and writes into err a one-line message that names the file
 * and the problem ("hello.bin: not an ELF file").
 */
int guest_open(const char *path, struct guest_image *out,
	       char err[GUEST_ERR_MAX]);

/* Validate an image already in memory (takes ownership of buf). */
int guest_open_buffer(const char *name, uint8_t *buf, size_t size,
		      struct guest_image *out, char err[GUEST_ERR_MAX]);

void guest_close(struct guest_image *img);

/*
 * Copy the kernel's segments into ram[0..ram_size), zero its bss, and build
 * the Multiboot information (memory map, command line, boot loader name) the
 * way QEMU does.  cmdline is what QEMU would pass (the kernel path).  Fills
 * *boot.  Fails with SIM_EFORMAT and a message if the kernel does not fit.
 */
int guest_load(const struct guest_image *img, uint8_t *ram, size_t ram_size,
	       const char *cmdline, struct guest_boot *boot,
	       char err[GUEST_ERR_MAX]);

/*
 * What QEMU's -append and -initrd add to a Multiboot boot: the kernel's
 * command line after its path, and modules, each "FILE" or "FILE,STRING"
 * (QEMU's -initrd "FILE STRING": the module's string is "FILE STRING").
 */
#define GUEST_MAX_MODULES 8
#define GUEST_MODULE_MAX (16u << 20)	/* refuse absurd module files */
struct guest_extra {
	const char *append;		/* NULL or "" for none */
	const char *modules[GUEST_MAX_MODULES];
	int nmodules;
};

/* guest_load with a command line and modules (x may be NULL). */
int guest_load_extra(const struct guest_image *img, uint8_t *ram,
		     size_t ram_size, const char *cmdline,
		     const struct guest_extra *x, struct guest_boot *boot,
		     char err[GUEST_ERR_MAX]);

#endif
