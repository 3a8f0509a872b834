/*
 * guest.c - the Multiboot v1 loader: check an ELF32 kernel, place it in
 * guest RAM, and leave the Multiboot hand-over state behind.
 *
 * Layout of low memory after loading (copied from QEMU 7.2's multiboot
 * option ROM, so a guest sees the same numbers on both machines):
 *
 *   0x09000  memory map (6 entries of 24 bytes)
 *   0x09500  Multiboot information structure (EBX points here)
 *   0xcb2b8  the loader's GDT: null, flat code 0x08, flat data 0x10,
 *            16-bit code 0x18, 16-bit data 0x20
 *   after the kernel, page aligned: command line, boot loader name
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmx/guest.h"
#include "status.h"
#include "cpu/x86.h"

#define MAX_KERNEL_FILE (64u << 20)	/* refuse absurd files early */

/* ELF32 header fields we read, by offset (System V ABI, i386 supplement). */
#define EI_CLASS 4
#define EI_DATA 5
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ET_EXEC 2
#define EM_386 3
#define PT_LOAD 1
#define ELF32_EHDR_SIZE 52
#define ELF32_PHDR_SIZE 32

/* Multiboot header flags (spec 3.1.2): bits 0-15 are requirements. */
#define MB_PAGE_ALIGN   0x00000001u
#define MB_MEMORY_INFO  0x00000002u
#define MB_VIDEO_MODE   0x00000004u
#define MB_AOUT_KLUDGE  0x00010000u
#define MB_SUPPORTED_REQUIREMENTS (MB_PAGE_ALIGN | MB_MEMORY_INFO)

/* Multiboot information flags (spec 3.3). */
#define MBI_MEM       (1u << 0)
#define MBI_BOOTDEV   (1u << 1)
#define MBI_CMDLINE   (1u << 2)
#define MBI_MODS      (1u << 3)
#define MBI_MMAP      (1u << 6)
#define MBI_LOADER    (1u << 9)

#define MMAP_ADDR     0x9000u
#define MBI_ADDR      0x9500u
#define BOOT_GDT_ADDR 0xcb2b8u
#define LOW_MEM_END   0x9fc00u		/* 639 KiB of conventional memory */
#define HIGH_MEM      0x100000u		/* 1 MiB: where kernels load */
#define TOP_RESERVED  0x20000u		/* QEMU keeps RAM's last 128 KiB */

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static int fail(char err[GUEST_ERR_MAX], const char *name, const char *what)
{
	snprintf(err, GUEST_ERR_MAX, "%s: %s", name, what);
	return SIM_EFORMAT;
}

/* Find the Multiboot header: 4-byte aligned in the first 8 KiB. */
static int find_multiboot(const uint8_t *buf, size_t size, uint32_t *flags)
{
	size_t end = size < MULTIBOOT_SEARCH ? size : MULTIBOOT_SEARCH;

	for (size_t off = 0; off + 12 <= end; off += 4) {
		uint32_t magic = rd32(buf + off), fl = rd32(buf + off + 4);

		if (magic != MULTIBOOT_HEADER_MAGIC)
			continue;
		if ((uint32_t)(magic + fl + rd32(buf + off + 8)) != 0)
			return -2;	/* magic found, checksum wrong */
		*flags = fl;
		return 0;
	}
	return -1;
}

/* Check the program headers; record the loaded range. */
static int check_segments(const char *name, struct guest_image *img,
			  char err[GUEST_ERR_MAX])
{
	const uint8_t *b = img->file;
	uint32_t phoff = rd32(b + 28);
	uint16_t phentsize = rd16(b + 42), phnum = rd16(b + 44);
	int loads = 0, entry_ok = 0;
	char msg[160];

	if (phentsize != ELF32_PHDR_SIZE || phnum == 0 ||
	    (uint64_t)phoff + (uint64_t)phnum * ELF32_PHDR_SIZE > img->size)
		return fail(err, name, "ELF program headers are missing or truncated");
	img->load_lo = UINT32_MAX;
	img->load_hi = 0;
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = b + phoff + i * ELF32_PHDR_SIZE;
		uint32_t off = rd32(ph + 4), paddr = rd32(ph + 12);
		uint32_t filesz = rd32(ph + 16), memsz = rd32(ph + 20);

		if (rd32(ph) != PT_LOAD || memsz == 0)
			continue;
		loads++;
		if ((uint64_t)off + filesz > img->size) {
			snprintf(msg, sizeof msg,
				 "segment %u runs past the end of the file", i);
			return fail(err, name, msg);
		}
		if (filesz > memsz) {
			snprintf(msg, sizeof msg,
				 "segment %u has more file bytes than memory bytes", i);
			return fail(err, name, msg);
		}
		if ((uint64_t)paddr + memsz > 0xffffffffull) {
			snprintf(msg, sizeof msg,
				 "segment %u wraps past 4 GiB", i);
			return fail(err, name, msg);
		}
		if (paddr < img->load_lo)
			img->load_lo = paddr;
		if (paddr + memsz > img->load_hi)
			img->load_hi = paddr + memsz;
		if (img->entry >= paddr && img->entry < paddr + memsz)
			entry_ok = 1;
	}
	if (loads == 0)
		return fail(err, name, "no loadable (PT_LOAD) segment");
	if (!entry_ok) {
		snprintf(msg, sizeof msg,
			 "entry point 0x%08x is outside every loaded segment",
			 img->entry);
		return fail(err, name, msg);
	}
	return SIM_OK;
}

int guest_open_buffer(const char *name, uint8_t *buf, size_t size,
		      struct guest_image *out, char err[GUEST_ERR_MAX])
{
	struct guest_image img = { .file = buf, .size = size };
	uint32_t flags = 0;
	char msg[160];
	int rc;

	memset(out, 0, sizeof *out);
	if (size < 4 || memcmp(buf, "\177ELF", 4) != 0)
		rc = fail(err, name, "not an ELF file (a Multiboot kernel must be ELF32 i386)");
	else if (size < ELF32_EHDR_SIZE)
		rc = fail(err, name, "ELF header is truncated");
	else if (buf[EI_CLASS] == ELFCLASS64)
		rc = fail(err, name, "64-bit ELF; ringside runs 32-bit (i386) kernels: build with -m32 / as --32");
	else if (buf[EI_CLASS] != ELFCLASS32 || buf[EI_DATA] != ELFDATA2LSB)
		rc = fail(err, name, "not a little-endian ELF32 file");
	else if (rd16(buf + 18) != EM_386)
		rc = fail(err, name, "ELF machine is not i386 (EM_386)");
	else if (rd16(buf + 16) != ET_EXEC)
		rc = fail(err, name, "ELF type is not an executable (link it, don't pass a .o)");
	else if ((rc = find_multiboot(buf, size, &flags)) == -1)
		rc = fail(err, name, "no Multiboot header (magic 0x1BADB002) in the first 8 KiB");
	else if (rc == -2)
		rc = fail(err, name, "Multiboot header checksum is wrong (magic + flags + checksum must be 0)");
	else if (flags & MB_AOUT_KLUDGE)
		/* QEMU (hw/i386/multiboot.c) then ignores the ELF headers and
		 * loads by the header's addresses, refusing them when invalid
		 * ("invalid header_addr address"); ringside loads ELF only */
		rc = fail(err, name, "the Multiboot header asks for the a.out kludge (flag bit 16: load by the header's addresses); ringside loads ELF segments only: clear the flag");
	else if (flags & 0xffffu & ~MB_SUPPORTED_REQUIREMENTS) {
		snprintf(msg, sizeof msg,
			 "Multiboot header requires features ringside does not offer (flags 0x%08x; only page alignment and memory info are supported)",
			 flags);
		rc = fail(err, name, msg);
	} else {
		img.entry = rd32(buf + 24);
		img.mb_flags = flags;
		rc = check_segments(name, &img, err);
	}
	if (rc != SIM_OK) {
		free(buf);
		return rc;
	}
	*out = img;
	return SIM_OK;
}

int guest_open(const char *path, struct guest_image *out,
	       char err[GUEST_ERR_MAX])
{
	/* O_NONBLOCK: a FIFO would block the open; it is refused below */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
	struct stat st;
	uint8_t *buf;
	long size;
	size_t got;

	memset(out, 0, sizeof *out);
	if (f == NULL) {
		if (fd >= 0)
			close(fd);
		snprintf(err, GUEST_ERR_MAX, "%s: cannot open (no such file, or not readable)", path);
		return SIM_EIO;
	}
	if (fstat(fileno(f), &st) != 0) {
		fclose(f);
		snprintf(err, GUEST_ERR_MAX, "%s: cannot read", path);
		return SIM_EIO;
	}
	if (!S_ISREG(st.st_mode)) {
		fclose(f);
		snprintf(err, GUEST_ERR_MAX, "%s: cannot read: not a regular file%s",
			 path, S_ISDIR(st.st_mode) ? " (a directory)" : "");
		return SIM_EIO;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		snprintf(err, GUEST_ERR_MAX, "%s: cannot read", path);
		return SIM_EIO;
	}
	if ((unsigned long)size > MAX_KERNEL_FILE) {
		fclose(f);
		snprintf(err, GUEST_ERR_MAX, "%s: file is larger than 64 MiB; not a kernel ringside can boot", path);
		return SIM_EFORMAT;
	}
	buf = malloc(size ? (size_t)size : 1);
	if (buf == NULL) {
		fclose(f);
		return SIM_ENOMEM;
	}
	got = fread(buf, 1, (size_t)size, f);
	fclose(f);
	if (got != (size_t)size) {
		free(buf);
		snprintf(err, GUEST_ERR_MAX, "%s: read error", path);
		return SIM_EIO;
	}
	return guest_open_buffer(path, buf, (size_t)size, out, err);
}

void guest_close(struct guest_image *img)
{
	if (img == NULL)
		return;
	free(img->file);
	img->file = NULL;
}

/* One memory map entry: size field (20), 64-bit base, 64-bit length, type. */
static uint32_t put_mmap(uint8_t *ram, uint32_t at, uint64_t base,
			 uint64_t len, uint32_t type)
{
	wr32(ram + at, 20);
	wr32(ram + at + 4, (uint32_t)base);
	wr32(ram + at + 8, (uint32_t)(base >> 32));
	wr32(ram + at + 12, (uint32_t)len);
	wr32(ram + at + 16, (uint32_t)(len >> 32));
	wr32(ram + at + 20, type);
	return at + 24;
}

int guest_load(const struct guest_image *img, uint8_t *ram, size_t ram_size,
	       const char *cmdline, struct guest_boot *boot,
	       char err[GUEST_ERR_MAX])
{
	const uint8_t *b = img->file;
	uint32_t phoff = rd32(b + 28), usable_top, at, str;
	uint16_t phnum = rd16(b + 44);
	uint8_t *mbi;
	char msg[200];

	if (ram_size < 2 * HIGH_MEM + TOP_RESERVED)
		return fail(err, "guest", "guest RAM is smaller than 2 MiB");
	usable_top = (uint32_t)ram_size - TOP_RESERVED;
	if (img->load_lo < HIGH_MEM || img->load_hi > usable_top) {
		snprintf(msg, sizeof msg,
			 "kernel occupies 0x%08x-0x%08x, outside usable RAM 0x%08x-0x%08x (Multiboot kernels load at or above 1 MiB)",
			 img->load_lo, img->load_hi, HIGH_MEM, usable_top);
		return fail(err, "kernel", msg);
	}
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = b + phoff + i * ELF32_PHDR_SIZE;
		uint32_t off = rd32(ph + 4), paddr = rd32(ph + 12);
		uint32_t filesz = rd32(ph + 16), memsz = rd32(ph + 20);

		if (rd32(ph) != PT_LOAD || memsz == 0)
			continue;
		memcpy(ram + paddr, b + off, filesz);
		memset(ram + paddr + filesz, 0, memsz - filesz);	/* bss */
	}

	/* the BIOS memory map QEMU reports for this much RAM */
	at = MMAP_ADDR;
	at = put_mmap(ram, at, 0, LOW_MEM_END, 1);
	at = put_mmap(ram, at, LOW_MEM_END, 0x400, 2);
	at = put_mmap(ram, at, 0xf0000, 0x10000, 2);
	at = put_mmap(ram, at, HIGH_MEM, usable_top - HIGH_MEM, 1);
	at = put_mmap(ram, at, usable_top, TOP_RESERVED, 2);
	at = put_mmap(ram, at, 0xfffc0000u, 0x40000, 2);

	/* strings after the kernel, page aligned, as QEMU places them */
	str = (img->load_hi + 0xfff) & ~0xfffu;
	if (str + 512 > usable_top)
		return fail(err, "kernel", "no room after the kernel for the command line");
	snprintf((char *)ram + str, 256, "%s ", cmdline ? cmdline : "");
	snprintf((char *)ram + str + 256, 256, "ringside");

	mbi = ram + MBI_ADDR;
	memset(mbi, 0, 88);
	wr32(mbi + 0, MBI_MEM | MBI_BOOTDEV | MBI_CMDLINE | MBI_MODS |
		      MBI_MMAP | MBI_LOADER);
	wr32(mbi + 4, LOW_MEM_END / 1024);			/* mem_lower */
	wr32(mbi + 8, (usable_top - HIGH_MEM) / 1024);		/* mem_upper */
	wr32(mbi + 12, 0x8000ffffu);		/* boot_device: first disk */
	wr32(mbi + 16, str);			/* cmdline */
	wr32(mbi + 20, 0);			/* mods_count */
	wr32(mbi + 24, str);			/* mods_addr */
	wr32(mbi + 44, at - MMAP_ADDR);		/* mmap_length */
	wr32(mbi + 48, MMAP_ADDR);		/* mmap_addr */
	wr32(mbi + 64, str + 256);		/* boot_loader_name */

	/* the loader's GDT, byte for byte what QEMU's option ROM leaves */
	{
		uint64_t gdt[5] = {
			0,
			0x00cf9a000000ffffull,	/* 0x08: flat 32-bit code */
			0x00cf93000000ffffull,	/* 0x10: flat 32-bit data */
			0x00009e000000ffffull,	/* 0x18: 16-bit code */
			0x000092000000ffffull,	/* 0x20: 16-bit data */
		};
		for (int i = 0; i < 5; i++) {
			wr32(ram + BOOT_GDT_ADDR + 8 * i, (uint32_t)gdt[i]);
			wr32(ram + BOOT_GDT_ADDR + 8 * i + 4,
			     (uint32_t)(gdt[i] >> 32));
		}
	}

	memset(boot, 0, sizeof *boot);
	boot->eax = MULTIBOOT_BOOT_MAGIC;
	boot->ebx = MBI_ADDR;
	boot->eip = img->entry;
	boot->eflags = X86_FL_RSVD1;	/* IF = 0, IOPL = 0 */
	boot->cr0 = X86_CR0_PE | X86_CR0_ET;
	boot->cs = 0x08;
	boot->ds = 0x10;
	boot->gdt_base = BOOT_GDT_ADDR;
	boot->gdt_limit = 5 * 8 - 1;
	boot->idt_base = 0;		/* the real-mode vector table */
	boot->idt_limit = 0x3ff;
	return SIM_OK;
}
