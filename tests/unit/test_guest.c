/* test_guest.c - guest.h: checking Multiboot ELF32 kernels and loading them as QEMU does. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmx/guest.h"
#include "status.h"
#include "testlib.h"

#define NAME "crafted.elf"
#define HELLO "scenarios/guests/hello.elf"
#define RAM_SIZE (32u << 20)

/* Offsets in the crafted kernel file. */
#define PH 52			/* the one program header */
#define MB 0x60			/* Multiboot header */
#define SEG 0x80		/* segment bytes in the file */
#define SEG_FILESZ 0x80
#define SEG_MEMSZ 0x1080	/* 0x1000 bytes of bss */
#define LOAD 0x100000u

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)v);
	wr16(p + 2, (uint16_t)(v >> 16));
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static void set_mb(uint8_t *b, size_t at, uint32_t flags)
{
	wr32(b + at, MULTIBOOT_HEADER_MAGIC);
	wr32(b + at + 4, flags);
	wr32(b + at + 8, 0u - MULTIBOOT_HEADER_MAGIC - flags);
}

/*
 * A minimal valid kernel of `size` bytes (>= 0x100): one PT_LOAD of 0x80
 * file bytes and 0x1000 bss bytes at 1 MiB, entry at its first byte.
 */
static uint8_t *kernel(size_t size)
{
	uint8_t *b = calloc(1, size);

	assert_non_null(b);
	memcpy(b, "\177ELF", 4);
	b[4] = 1;			/* ELFCLASS32 */
	b[5] = 1;			/* little-endian */
	b[6] = 1;			/* EV_CURRENT */
	wr16(b + 16, 2);		/* ET_EXEC */
	wr16(b + 18, 3);		/* EM_386 */
	wr32(b + 20, 1);
	wr32(b + 24, LOAD);		/* e_entry */
	wr32(b + 28, PH);		/* e_phoff */
	wr16(b + 40, 52);
	wr16(b + 42, 32);		/* e_phentsize */
	wr16(b + 44, 1);		/* e_phnum */
	wr32(b + PH + 0, 1);		/* PT_LOAD */
	wr32(b + PH + 4, SEG);
	wr32(b + PH + 8, LOAD);
	wr32(b + PH + 12, LOAD);
	wr32(b + PH + 16, SEG_FILESZ);
	wr32(b + PH + 20, SEG_MEMSZ);
	wr32(b + PH + 24, 7);
	wr32(b + PH + 28, 0x1000);
	set_mb(b, MB, 0x00000003);	/* page align + memory info */
	b[SEG] = 0xfa;			/* cli */
	b[SEG + 1] = 0xf4;		/* hlt */
	for (size_t i = 2; i < SEG_FILESZ; i++)
		b[SEG + i] = (uint8_t)(i * 37 + 11);
	return b;
}

/* guest_open_buffer must refuse b with SIM_EFORMAT and "NAME: ...what...". */
static void refused(uint8_t *b, size_t size, const char *what)
{
	struct guest_image img;
	char err[GUEST_ERR_MAX] = "";

	assert_int_equal(guest_open_buffer(NAME, b, size, &img, err),
			 SIM_EFORMAT);	/* b is freed by the call */
	if (strncmp(err, NAME ": ", strlen(NAME) + 2) != 0 ||
	    strstr(err, what) == NULL)
		fail_msg("message \"%s\" does not start with \"" NAME ": \" "
			 "or does not mention \"%s\"", err, what);
	assert_null(img.file);
}

static void crafted_is_valid(void **state)
{
	struct guest_image img;
	char err[GUEST_ERR_MAX] = "";

	(void)state;
	assert_int_equal(guest_open_buffer(NAME, kernel(0x100), 0x100, &img,
					   err), SIM_OK);
	assert_int_equal(img.entry, LOAD);
	assert_int_equal(img.mb_flags, 3);
	assert_int_equal(img.load_lo, LOAD);
	assert_int_equal(img.load_hi, LOAD + SEG_MEMSZ);
	assert_int_equal(img.size, 0x100);
	guest_close(&img);
	assert_null(img.file);
}

static void bad_headers(void **state)
{
	uint8_t *b;

	(void)state;
	b = kernel(0x100);
	memcpy(b, "MZ\220\0", 4);
	refused(b, 0x100, "not an ELF file");

	b = kernel(0x100);
	refused(b, 20, "truncated");			/* \177ELF, 20 bytes */

	b = kernel(0x100);
	b[4] = 2;					/* ELFCLASS64 */
	refused(b, 0x100, "64-bit");

	b = kernel(0x100);
	b[5] = 2;					/* ELFDATA2MSB */
	refused(b, 0x100, "little-endian");

	b = kernel(0x100);
	wr16(b + 18, 62);				/* EM_X86_64 */
	refused(b, 0x100, "i386");

	b = kernel(0x100);
	wr16(b + 16, 1);				/* ET_REL */
	refused(b, 0x100, "not an executable");
}

static void bad_multiboot(void **state)
{
	uint8_t *b;

	(void)state;
	b = kernel(0x100);
	memset(b + MB, 0, 12);
	refused(b, 0x100, "no Multiboot header");

	b = kernel(0x100);
	wr32(b + MB + 8, rd32(b + MB + 8) + 1);
	refused(b, 0x100, "checksum");

	b = kernel(0x100);
	set_mb(b, MB, 0x00000007);			/* bit 2: video mode */
	refused(b, 0x100, "flags 0x00000007");

	/* bit 16, the a.out kludge: QEMU then loads by the header's
	 * addresses, not the ELF's (and refuses invalid ones: "invalid
	 * header_addr address"); ringside loads ELF only, so it refuses */
	b = kernel(0x100);
	set_mb(b, MB, 0x00010003);
	refused(b, 0x100, "a.out kludge");
}

/* The header must lie wholly in the first 8 KiB (Multiboot 0.6.96 3.1.1). */
static void multiboot_search_window(void **state)
{
	struct guest_image img;
	char err[GUEST_ERR_MAX];
	uint8_t *b;

	(void)state;
	b = kernel(0x3000);
	memset(b + MB, 0, 12);
	set_mb(b, 8192 - 12, 3);			/* last place it fits */
	assert_int_equal(guest_open_buffer(NAME, b, 0x3000, &img, err), SIM_OK);
	guest_close(&img);

	b = kernel(0x3000);
	memset(b + MB, 0, 12);
	set_mb(b, 8192 - 8, 3);				/* straddles 8 KiB */
	refused(b, 0x3000, "no Multiboot header");

	b = kernel(0x3000);
	memset(b + MB, 0, 12);
	set_mb(b, 8192, 3);
	refused(b, 0x3000, "no Multiboot header");
}

static void bad_segments(void **state)
{
	uint8_t *b;

	(void)state;
	b = kernel(0x100);
	wr32(b + PH + 16, 0x1000);			/* filesz past EOF */
	refused(b, 0x100, "past the end of the file");

	b = kernel(0x100);
	wr32(b + 24, 0x200000);				/* entry elsewhere */
	refused(b, 0x100, "entry point 0x00200000");

	b = kernel(0x100);
	wr32(b + PH, 4);				/* PT_NOTE */
	refused(b, 0x100, "PT_LOAD");

	b = kernel(0x100);
	wr32(b + 28, 0xf0);				/* phdrs past EOF */
	refused(b, 0x100, "program headers");

	b = kernel(0x100);
	wr32(b + PH + 20, 0x40);			/* memsz < filesz */
	wr32(b + 24, LOAD);
	refused(b, 0x100, "more file bytes");
}

static void open_errors(void **state)
{
	struct guest_image img;
	char err[GUEST_ERR_MAX] = "";
	const char *missing = "build/no-such-dir/missing-kernel.elf";

	(void)state;
	assert_int_equal(guest_open(missing, &img, err), SIM_EIO);
	assert_int_equal(strncmp(err, missing, strlen(missing)), 0);
	assert_int_equal(err[strlen(missing)], ':');
	assert_null(img.file);

	err[0] = '\0';
	assert_int_equal(guest_open("scenarios/guests", &img, err), SIM_EIO);
	assert_int_equal(strncmp(err, "scenarios/guests: ", 18), 0);
}

static void load_crafted(void **state)
{
	struct guest_image img;
	struct guest_boot boot;
	char err[GUEST_ERR_MAX] = "";
	uint8_t *file = kernel(0x100), *ram = malloc(RAM_SIZE), *mbi, *mm;
	uint8_t seg[SEG_FILESZ];
	const uint32_t top = RAM_SIZE - 0x20000;

	(void)state;
	assert_non_null(ram);
	memset(ram, 0xaa, RAM_SIZE);
	memcpy(seg, file + SEG, SEG_FILESZ);
	assert_int_equal(guest_open_buffer(NAME, file, 0x100, &img, err), SIM_OK);
	memset(&boot, 0x55, sizeof boot);
	assert_int_equal(guest_load(&img, ram, RAM_SIZE, "my/kernel.elf", &boot,
				    err), SIM_OK);

	/* segment bytes, then zeroed bss, then nothing touched */
	assert_memory_equal(ram + LOAD, seg, SEG_FILESZ);
	for (uint32_t a = LOAD + SEG_FILESZ; a < LOAD + SEG_MEMSZ; a++)
		if (ram[a] != 0)
			fail_msg("bss byte 0x%x is 0x%02x", a, ram[a]);
	assert_int_equal(ram[LOAD + SEG_MEMSZ], 0xaa);
	assert_int_equal(ram[LOAD - 1], 0xaa);

	/* the Multiboot hand-over state */
	assert_int_equal(boot.eax, 0x2BADB002u);
	assert_int_equal(boot.ebx, 0x9500);
	assert_int_equal(boot.eip, LOAD);
	assert_int_equal(boot.cs, 0x08);
	assert_int_equal(boot.ds, 0x10);
	assert_int_equal(boot.gdt_base, 0xcb2b8);
	assert_int_equal(boot.gdt_limit, 0x27);
	assert_int_equal(boot.idt_base, 0);
	assert_int_equal(boot.idt_limit, 0x3ff);
	assert_int_equal(boot.cr0, 0x11);
	assert_int_equal(boot.eflags, 0x2);

	/* the Multiboot information structure */
	mbi = ram + 0x9500;
	assert_int_equal(rd32(mbi + 0), 0x24f);
	assert_int_equal(rd32(mbi + 4), 639);
	assert_int_equal(rd32(mbi + 8), (RAM_SIZE - (1u << 20) - (128u << 10)) / 1024);
	assert_int_equal(rd32(mbi + 8), 31616);
	assert_int_equal(rd32(mbi + 12), 0x8000ffffu);	/* boot device */
	assert_int_equal(rd32(mbi + 20), 0);		/* mods_count */
	assert_int_equal(rd32(mbi + 44), 144);		/* mmap_length */
	assert_int_equal(rd32(mbi + 48), 0x9000);	/* mmap_addr */
	assert_true(rd32(mbi + 16) >= LOAD + SEG_MEMSZ);
	assert_true(rd32(mbi + 16) + 16 < top);
	assert_string_equal((const char *)ram + rd32(mbi + 16), "my/kernel.elf ");
	assert_string_equal((const char *)ram + rd32(mbi + 64), "ringside");

	/* the memory map: six 24-byte entries, QEMU's for 32 MiB */
	mm = ram + 0x9000;
	{
		static const uint64_t want[6][3] = {
			{ 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 },
			{ 0xf0000, 0x10000, 2 },
			{ 0x100000, RAM_SIZE - 0x100000 - 0x20000, 1 },
			{ RAM_SIZE - 0x20000, 0x20000, 2 },
			{ 0xfffc0000u, 0x40000, 2 },
		};
		for (int i = 0; i < 6; i++, mm += 24) {
			assert_int_equal(rd32(mm), 20);
			assert_int_equal(rd64(mm + 4), want[i][0]);
			assert_int_equal(rd64(mm + 12), want[i][1]);
			assert_int_equal(rd32(mm + 20), want[i][2]);
		}
	}

	/* the loader's GDT */
	assert_int_equal(rd64(ram + 0xcb2b8), 0);
	assert_int_equal(rd64(ram + 0xcb2b8 + 8), 0x00cf9a000000ffffull);
	assert_int_equal(rd64(ram + 0xcb2b8 + 16), 0x00cf93000000ffffull);

	guest_close(&img);
	free(ram);
}

/* Kernels must sit in [1 MiB, RAM - 128 KiB). */
static void load_refused(void **state)
{
	struct guest_image img;
	struct guest_boot boot;
	char err[GUEST_ERR_MAX] = "";
	uint8_t *b, *ram = calloc(1, RAM_SIZE);

	(void)state;
	assert_non_null(ram);
	/*
	 * Below 1 MiB: at 512 KiB it loads, as on QEMU; over the page where
	 * the loader builds the Multiboot information (0x9000), or running
	 * into the EBDA (0x9fc00), it is refused, naming the segment.
	 */
	b = kernel(0x100);
	wr32(b + 24, 0x80000);
	wr32(b + PH + 8, 0x80000);
	wr32(b + PH + 12, 0x80000);
	assert_int_equal(guest_open_buffer(NAME, b, 0x100, &img, err), SIM_OK);
	assert_int_equal(guest_load(&img, ram, RAM_SIZE, "k", &boot, err),
			 SIM_OK);
	assert_int_equal(ram[0x80000], 0xfa);
	assert_int_equal(boot.eip, 0x80000);
	guest_close(&img);
	for (int i = 0; i < 2; i++) {
		uint32_t at = i == 0 ? 0x8800 : 0x9f000;

		b = kernel(0x100);
		wr32(b + 24, at);
		wr32(b + PH + 8, at);
		wr32(b + PH + 12, at);
		assert_int_equal(guest_open_buffer(NAME, b, 0x100, &img, err), SIM_OK);
		assert_int_equal(guest_load(&img, ram, RAM_SIZE, "k", &boot, err),
				 SIM_EFORMAT);
		assert_non_null(strstr(err, "segment 0"));
		assert_non_null(strstr(err, "0x500-0x9000, 0xa000-0x9fc00"));
		guest_close(&img);
	}

	b = kernel(0x100);
	wr32(b + 24, RAM_SIZE - 0x1000);		/* bss crosses the top */
	wr32(b + PH + 8, RAM_SIZE - 0x1000);
	wr32(b + PH + 12, RAM_SIZE - 0x1000);
	assert_int_equal(guest_open_buffer(NAME, b, 0x100, &img, err), SIM_OK);
	err[0] = '\0';
	assert_int_equal(guest_load(&img, ram, RAM_SIZE, "k", &boot, err),
			 SIM_EFORMAT);
	assert_true(err[0] != '\0');
	guest_close(&img);
	free(ram);
}

/* The real hello guest, read from disk and loaded. */
static void hello(void **state)
{
	struct guest_image img;
	struct guest_boot boot;
	char err[GUEST_ERR_MAX] = "";
	size_t len;
	uint8_t *file = (uint8_t *)tl_slurp(HELLO, &len), *ram;
	uint32_t hi = 0, stack_top = tl_symbol(HELLO, "boot_stack_top");

	(void)state;
	assert_non_null(file);
	for (unsigned i = 0; i < (unsigned)(file[44] | file[45] << 8); i++) {
		const uint8_t *ph = file + rd32(file + 28) + 32 * i;

		if (rd32(ph) == 1 && rd32(ph + 12) + rd32(ph + 20) > hi)
			hi = rd32(ph + 12) + rd32(ph + 20);
	}
	assert_int_equal(guest_open(HELLO, &img, err), SIM_OK);
	assert_int_equal(img.size, len);
	assert_int_equal(img.entry, rd32(file + 24));
	assert_int_equal(img.mb_flags, 3);		/* boot.S MB_FLAGS */
	assert_int_equal(img.load_lo, 0x100000);	/* link.ld */
	assert_int_equal(img.load_hi, hi);

	ram = calloc(1, RAM_SIZE);
	assert_non_null(ram);
	assert_int_equal(guest_load(&img, ram, RAM_SIZE, HELLO, &boot, err), SIM_OK);
	assert_int_equal(boot.eip, img.entry);
	/* _start: mov $boot_stack_top, %esp */
	assert_int_equal(ram[boot.eip], 0xbc);
	assert_int_not_equal(stack_top, 0);
	assert_int_equal(rd32(ram + boot.eip + 1), stack_top);
	assert_int_equal(rd32(ram + 0x100000), MULTIBOOT_HEADER_MAGIC);
	assert_string_equal((const char *)ram + rd32(ram + 0x9500 + 16),
			    HELLO " ");
	free(ram);
	free(file);
	guest_close(&img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crafted_is_valid),
		cmocka_unit_test(bad_headers),
		cmocka_unit_test(bad_multiboot),
		cmocka_unit_test(multiboot_search_window),
		cmocka_unit_test(bad_segments),
		cmocka_unit_test(open_errors),
		cmocka_unit_test(load_crafted),
		cmocka_unit_test(load_refused),
		cmocka_unit_test(hello),
	};

	return cmocka_run_group_tests_name("guest", tests, NULL, NULL);
}
