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
#include <stdbool.h>
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

/*
 * Below 1 MiB a segment may use the RAM the firmware does not hold when
 * QEMU's Multiboot option ROM jumps to the kernel: not the real-mode IVT
 * and BIOS data (below 0x500), not the page where it builds the memory
 * map and the Multiboot information (0x9000-0x9fff), not the EBDA, video
 * memory and ROMs (0x9fc00-0xfffff).
 */
static bool low_ok(uint32_t lo, uint32_t hi)
{
	return (lo >= 0x500 && hi <= MMAP_ADDR) ||
	       (lo >= MMAP_ADDR + 0x1000 && hi <= LOW_MEM_END);
}

static int check_placement(const struct guest_image *img, uint32_t usable_top,
			   char err[GUEST_ERR_MAX])
{
	const uint8_t *b = img->file;
	uint32_t phoff = rd32(b + 28);
	uint16_t phnum = rd16(b + 44);
	char msg[200];

	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = b + phoff + i * ELF32_PHDR_SIZE;
		uint32_t lo = rd32(ph + 12), hi = lo + rd32(ph + 20);

		if (rd32(ph) != PT_LOAD || hi == lo)
			continue;
		if (lo >= HIGH_MEM ? hi <= usable_top : low_ok(lo, hi))
			continue;
		snprintf(msg, sizeof msg,
			 "segment %u at 0x%08x-0x%08x is outside the RAM a kernel may use (0x500-0x9000, 0xa000-0x9fc00, 0x%08x-0x%08x)",
			 i, lo, hi, HIGH_MEM, usable_top);
		return fail(err, "kernel", msg);
	}
	return SIM_OK;
}

static uint32_t page_up(uint32_t a)
{
	return (a + 0xfffu) & ~0xfffu;
}

/* A module's file into ram[at, at + room); its length in *len. */
static int load_module(const char *file, uint8_t *ram, uint32_t at,
		       uint32_t room, uint32_t *len, char err[GUEST_ERR_MAX])
{
	/* O_NONBLOCK: a FIFO would block the open; it is refused below */
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
	struct stat st;
	size_t got;

	if (f == NULL) {
		if (fd >= 0)
			close(fd);
		snprintf(err, GUEST_ERR_MAX, "%s: cannot open the module (no such file, or not readable)", file);
		return SIM_EIO;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		snprintf(err, GUEST_ERR_MAX, "%s: cannot read the module: not a regular file", file);
		return SIM_EIO;
	}
	if ((uint64_t)st.st_size > room || (uint64_t)st.st_size > GUEST_MODULE_MAX) {
		fclose(f);
		snprintf(err, GUEST_ERR_MAX, "%s: the module (%lld bytes) does not fit in guest RAM after the kernel",
			 file, (long long)st.st_size);
		return SIM_EFORMAT;
	}
	got = fread(ram + at, 1, (size_t)st.st_size, f);
	fclose(f);
	if (got != (size_t)st.st_size) {
		snprintf(err, GUEST_ERR_MAX, "%s: read error", file);
		return SIM_EIO;
	}
	*len = (uint32_t)got;
	return SIM_OK;
}

int guest_load(const struct guest_image *img, uint8_t *ram, size_t ram_size,
	       const char *cmdline, struct guest_boot *boot,
	       char err[GUEST_ERR_MAX])
{
	return guest_load_extra(img, ram, ram_size, cmdline, NULL, boot, err);
}

int guest_load_extra(const struct guest_image *img, uint8_t *ram,
		     size_t ram_size, const char *cmdline,
		     const struct guest_extra *x, struct guest_boot *boot,
		     char err[GUEST_ERR_MAX])
{
	static const char loader_name[] = "ringside";
	const uint8_t *b = img->file;
	uint32_t phoff = rd32(b + 28), usable_top, at, base, str, name, mod;
	uint16_t phnum = rd16(b + 44);
	int n = x ? x->nmodules : 0, rc;
	char kcmd[512], mstr[GUEST_MAX_MODULES][256];
	size_t cmd_len;
	uint8_t *mbi;

	if (ram_size < 2 * HIGH_MEM + TOP_RESERVED)
		return fail(err, "guest", "guest RAM is smaller than 2 MiB");
	usable_top = (uint32_t)ram_size - TOP_RESERVED;
	if ((rc = check_placement(img, usable_top, err)) != SIM_OK)
		return rc;
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

	/*
	 * After the kernel, page aligned, as QEMU 7.2 lays them out
	 * (hw/i386/multiboot.c): the module list (16 bytes a module), the
	 * command lines (the modules', then the kernel's: its path, a
	 * space, -append's text), the boot loader's name; then each
	 * module's bytes on a page of its own.
	 */
	snprintf(kcmd, sizeof kcmd, "%s %s", cmdline ? cmdline : "",
		 x && x->append ? x->append : "");
	cmd_len = strlen(kcmd) + 1;
	for (int i = 0; i < n; i++) {
		const char *spec = x->modules[i], *comma = strchr(spec, ',');

		if (comma)	/* FILE,STRING is QEMU's "FILE STRING" */
			snprintf(mstr[i], sizeof mstr[i], "%.*s %s",
				 (int)(comma - spec), spec, comma + 1);
		else
			snprintf(mstr[i], sizeof mstr[i], "%s", spec);
		cmd_len += strlen(mstr[i]) + 1;
	}
	base = img->load_lo + page_up(img->load_hi - img->load_lo);
	str = base + (uint32_t)n * 16;
	name = str + (uint32_t)cmd_len;
	mod = page_up(name + (uint32_t)sizeof loader_name);
	if (mod > usable_top || (base < HIGH_MEM && !low_ok(base, mod)))
		return fail(err, "kernel", "no room after the kernel for the command line and the boot loader name");
	for (int i = 0; i < n; i++) {
		char file[160];
		uint32_t len = 0;

		snprintf(file, sizeof file, "%.*s",
			 (int)strcspn(x->modules[i], ","), x->modules[i]);
		rc = load_module(file, ram, mod, usable_top - mod, &len, err);
		if (rc != SIM_OK)
			return rc;
		wr32(ram + base + 16 * i, mod);		/* mod_start */
		wr32(ram + base + 16 * i + 4, mod + len);	/* mod_end */
		wr32(ram + base + 16 * i + 8, str);	/* its string */
		wr32(ram + base + 16 * i + 12, 0);
		memcpy(ram + str, mstr[i], strlen(mstr[i]) + 1);
		str += (uint32_t)strlen(mstr[i]) + 1;
		mod = page_up(mod + len);
		if (mod > usable_top)
			return fail(err, file, "the modules do not fit in guest RAM");
	}
	memcpy(ram + str, kcmd, strlen(kcmd) + 1);
	memcpy(ram + name, loader_name, sizeof loader_name);

	mbi = ram + MBI_ADDR;
	memset(mbi, 0, 88);
	wr32(mbi + 0, MBI_MEM | MBI_BOOTDEV | MBI_CMDLINE | MBI_MODS |
		      MBI_MMAP | MBI_LOADER);
	wr32(mbi + 4, LOW_MEM_END / 1024);			/* mem_lower */
	wr32(mbi + 8, (usable_top - HIGH_MEM) / 1024);		/* mem_upper */
	wr32(mbi + 12, 0x8000ffffu);		/* boot_device: first disk */
	wr32(mbi + 16, str);			/* cmdline */
	wr32(mbi + 20, (uint32_t)n);		/* mods_count */
	wr32(mbi + 24, base);			/* mods_addr */
	wr32(mbi + 44, at - MMAP_ADDR);		/* mmap_length */
	wr32(mbi + 48, MMAP_ADDR);		/* mmap_addr */
	wr32(mbi + 64, name);			/* boot_loader_name */

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
	boot->info_end = mod;
	return SIM_OK;
}
