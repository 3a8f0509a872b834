/*
 * test_hostile_files.c - files and options a careless or hostile user
 * gives ringside (issue 14): outputs that name inputs, FIFOs, directories
 * and devices, huge disk images, broken guest files, sloppy numbers,
 * options a scenario would ignore.  Every case must end promptly with a
 * message naming the problem; nothing the user gave may be destroyed.
 * Each command runs under `timeout -s KILL` (tl_ringside) as a safety net
 * only: a hang becomes a failure (status 137) instead of a stuck suite.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testlib.h"
#include "vmkernel/vmfs.h"

/* ---- files: nothing destroyed ---------------------------------------------- */

static void copy_file(const char *from, const char *to)
{
	char cmd[600];

	snprintf(cmd, sizeof cmd, "cp %s %s", from, to);
	assert_int_equal(system(cmd), 0);
}

static void same_file(const char *a, const char *b)
{
	char cmd[600];

	snprintf(cmd, sizeof cmd, "cmp -s %s %s", a, b);
	if (system(cmd) != 0)
		fail_msg("%s was changed (it should equal %s)", a, b);
}

static void outputs_are_not_inputs(void **state)
{
	char g[256], sc[256], other[300];

	(void)state;
	tl_temp_file(g, sizeof g, ".elf");
	copy_file("scenarios/guests/hello.elf", g);
	tl_want(tl_ringside("--headless --guest %s --trace=jsonl --trace-file %s", g, g),
	     2, "is the guest");
	same_file(g, "scenarios/guests/hello.elf");
	/* the same file by another path */
	snprintf(other, sizeof other, "/tmp/../%s", g);
	tl_want(tl_ringside("--headless --guest %s --trace=jsonl --trace-file %s", g, other),
	     2, "is the guest");
	same_file(g, "scenarios/guests/hello.elf");
	tl_want(tl_ringside("--headless --guest scenarios/guests/cdrom.elf --cdrom %s --trace=text --trace-file %s",
		 g, g), 2, "is the ISO image");
	same_file(g, "scenarios/guests/hello.elf");
	/* a scenario overwritten would then "pass" with 0 expects */
	tl_temp_file(sc, sizeof sc, ".lua");
	copy_file("scenarios/holes.lua", sc);
	tl_want(tl_ringside("--headless --trace=jsonl --trace-file %s %s", sc, sc), 2,
	     "is the scenario");
	same_file(sc, "scenarios/holes.lua");
	/* the guest by a symbolic link, and by a hard link */
	snprintf(other, sizeof other, "%s.sym", g);
	assert_int_equal(symlink(g, other), 0);
	tl_want(tl_ringside("--headless --guest %s --trace=jsonl --trace-file %s", g, other),
	     2, "is the guest");
	tl_want(tl_ringside("--headless --guest %s --trace=jsonl --trace-file %s", other, g),
	     2, "is the guest");
	unlink(other);
	snprintf(other, sizeof other, "%s.hard", g);
	assert_int_equal(link(g, other), 0);
	tl_want(tl_ringside("--headless --guest %s --trace=jsonl --trace-file %s", g, other),
	     2, "is the guest");
	unlink(other);
	same_file(g, "scenarios/guests/hello.elf");
	unlink(g);
	unlink(sc);
}

/*
 * The files a scenario reads are known only as it runs: the guests,
 * ISO and disk images, Multiboot modules of its VMs, and the Lua files it
 * requires.  None may be the --trace-file: the trace is written under a
 * temporary name, and its rename over such a file is refused, with the
 * file named (it replaced the guest, destroyed, and status 0).
 */
static void outputs_are_not_scenario_inputs(void **state)
{
	char g[256], sc[256], text[800], link[300];

	(void)state;
	tl_temp_file(g, sizeof g, ".elf");
	copy_file("scenarios/guests/hello.elf", g);
	snprintf(text, sizeof text,
		 "local esx = host{name='esx1', kind='esx'}\n"
		 "local vm = esx:add_vm{name='vm1', guest='%s'}\n"
		 "vm:power_on()\nrun{insns=10000}\n", g);
	tl_scenario(sc, sizeof sc, text);
	tl_want(tl_ringside("--headless --trace=jsonl --trace-file %s %s", g, sc),
	     2, "is a guest the scenario read");
	if (strstr(tl_out, g) == NULL)
		fail_msg("the message does not name %s:\n%s", g, tl_out);
	same_file(g, "scenarios/guests/hello.elf");
	/* by a symbolic link */
	snprintf(link, sizeof link, "%s.sym", g);
	assert_int_equal(symlink(g, link), 0);
	tl_want(tl_ringside("--headless --trace=jsonl --trace-file %s %s", link, sc),
	     2, "is a guest the scenario read");
	same_file(g, "scenarios/guests/hello.elf");
	unlink(link);
	unlink(sc);
	/* a Lua file it requires (modules live in scenarios/ and lua/) */
	snprintf(link, sizeof link, "scenarios/tmpmod%d.lua", (int)getpid());
	tl_write_file(link, "return { answer = 42 }\n");
	snprintf(text, sizeof text,
		 "local m = require('tmpmod%d')\nexpect(m.answer == 42, 'loaded')\n",
		 (int)getpid());
	tl_scenario(sc, sizeof sc, text);
	tl_want(tl_ringside("--headless --trace=jsonl --trace-file %s %s", link, sc),
	     2, "is a Lua file");
	assert_int_equal(tl_sh(strcat(strcpy(text, "cat "), link), tl_out, sizeof tl_out), 0);
	assert_string_equal(tl_out, "return { answer = 42 }\n");
	unlink(link);
	unlink(sc);
	unlink(g);
}

static void outputs_renamed_in_place(void **state)
{
	char t[256], cmd[600];

	(void)state;
	tl_temp_file(t, sizeof t, ".jsonl");
	tl_write_file(t, "old\n");
	/* a run that fails leaves the old file whole */
	tl_want(tl_ringside("--headless --guest Makefile --trace=jsonl --trace-file %s", t),
	     2, "not an ELF file");
	assert_int_equal(tl_sh(strcat(strcpy(cmd, "cat "), t), tl_out, sizeof tl_out), 0);
	assert_string_equal(tl_out, "old\n");
	/* one that succeeds replaces it, and leaves no temporary file */
	tl_want(tl_ringside("--headless --quiet --guest scenarios/guests/hello.elf --trace=jsonl --trace-file %s", t),
	     0, NULL);
	assert_int_equal(tl_sh(strcat(strcpy(cmd, "head -c 8 "), t), tl_out, sizeof tl_out), 0);
	assert_string_equal(tl_out, "{\"seq\":0");
	snprintf(cmd, sizeof cmd, "ls %s.tmp-* 2>/dev/null | wc -l", t);
	tl_sh(cmd, tl_out, sizeof tl_out);
	assert_int_equal(atoi(tl_out), 0);
	/* a device is written in place */
	tl_want(tl_ringside("--headless --quiet --guest scenarios/guests/hello.elf --trace=jsonl --trace-file /dev/null"),
	     0, NULL);
	unlink(t);
}

static void non_regular_inputs(void **state)
{
	char fifo[256], sc[256], text[600];

	(void)state;
	tl_temp_file(fifo, sizeof fifo, ".elf");
	unlink(fifo);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	tl_want(tl_ringside("--headless --guest %s", fifo), 2, "a FIFO");
	tl_want(tl_ringside("--headless %s", fifo), 2, "a FIFO");
	tl_want(tl_ringside("--headless --guest scenarios/guests/cdrom.elf --cdrom %s", fifo),
	     2, "a FIFO");
	tl_want(tl_ringside("--headless --guest scenarios/guests/hello.elf --disk %s", fifo),
	     2, "a FIFO");
	/* a Multiboot module: its open blocked for ever */
	tl_want(tl_ringside("--headless --guest scenarios/guests/hello.elf --module %s,x", fifo),
	     2, "cannot read the module: not a regular file");
	/* a scenario naming one: refused by the loader, which never blocks */
	snprintf(text, sizeof text,
		 "local esx = host{name='esx1', kind='esx'}\n"
		 "esx:add_vm{name='vm1', guest='%s'}\n", fifo);
	tl_scenario(sc, sizeof sc, text);
	tl_want(tl_ringside("--headless %s", sc), 2, "not a regular file");
	unlink(sc);
	tl_want(tl_ringside("--headless --guest scenarios"), 2, "a directory");
	tl_want(tl_ringside("--headless --guest scenarios/guests/cdrom.elf --cdrom /dev/zero"),
	     2, "a device");
	unlink(fifo);
}

/*
 * A --disk image of 3 GiB that is all holes (truncate -s): read sector by
 * sector, its import took half a minute before the guest started (two
 * minutes... twenty for the 128 GiB an IDE disk may hold).  Its holes are
 * skipped now: the guest runs at once.
 */
static void sparse_disk_image(void **state)
{
	char img[256];
	time_t t0;

	(void)state;
	tl_temp_file(img, sizeof img, ".img");
	assert_int_equal(truncate(img, 3ll << 30), 0);
	t0 = time(NULL);
	tl_want(tl_ringside("--headless --guest scenarios/guests/hello.elf --disk %s", img),
	     0, "booted with magic");
	if (time(NULL) - t0 > 10)
		fail_msg("a sparse 3 GiB image took %lld s to import",
			 (long long)(time(NULL) - t0));
	unlink(img);
}

/*
 * A dense --disk image (every sector data) was read whole into memory, up
 * to the 128 GiB an IDE disk holds.  Past VMFS_DATA_MAX of data it is
 * refused, naming the file, having read no more than that.  The image:
 * one sector over the cap, every byte 'x' (made in a fraction of a second).
 */
static void dense_disk_image(void **state)
{
	char img[256], cmd[600], want[512];

	(void)state;
	tl_temp_file(img, sizeof img, ".img");
	snprintf(cmd, sizeof cmd, "head -c %llu /dev/zero | tr '\\0' x > %s",
		 (unsigned long long)VMFS_DATA_MAX + VMFS_SECTOR, img);
	assert_int_equal(tl_sh(cmd, tl_out, sizeof tl_out), 0);
	snprintf(want, sizeof want, "ringside: %s: more than %llu MiB of data", img,
		 (unsigned long long)VMFS_DATA_MAX >> 20);
	tl_want(tl_ringside("--headless --guest scenarios/guests/hello.elf --disk %s", img),
		2, want);
	unlink(img);
}

/* ---- guest files: every refusal names the file ------------------------------- */

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void wr32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* hello.elf, changed by patch, written to a temporary file (path). */
static void patched_hello(char *path, size_t size,
			  void (*patch)(unsigned char *elf, size_t len))
{
	size_t len;
	unsigned char *elf = (unsigned char *)tl_slurp("scenarios/guests/hello.elf", &len);
	FILE *f;

	assert_non_null(elf);
	patch(elf, len);
	tl_temp_file(path, size, ".elf");
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(elf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	free(elf);
}

/* The Multiboot header asks for the a.out kludge (flag bit 16). */
static void ask_aout_kludge(unsigned char *elf, size_t len)
{
	for (size_t off = 0; off + 12 <= len && off < 8192; off += 4)
		if (rd32(elf + off) == 0x1BADB002u) {
			uint32_t flags = rd32(elf + off + 4) | 0x10000u;

			wr32(elf + off + 4, flags);
			wr32(elf + off + 8, 0u - 0x1BADB002u - flags);
			return;
		}
	fail_msg("hello.elf has no Multiboot header");
}

/* The last segment's bss reaches the top of 4 MiB of usable RAM. */
static void fill_ram(unsigned char *elf, size_t len)
{
	uint32_t phoff = rd32(elf + 28), last = 0;
	unsigned phnum = elf[44] | elf[45] << 8;

	assert_true(phoff + phnum * 32u <= len);
	for (unsigned i = 0; i < phnum; i++)
		if (rd32(elf + phoff + i * 32) == 1)	/* PT_LOAD */
			last = phoff + i * 32;
	/* 4 MiB less QEMU's reserved 128 KiB, less where it starts */
	wr32(elf + last + 20, 0x3E0000u - rd32(elf + last + 12));
}

static void loader_refusals(void **state)
{
	char g[256];

	(void)state;
	/* QEMU refuses it too ("invalid header_addr address", status 1) */
	patched_hello(g, sizeof g, ask_aout_kludge);
	tl_want(tl_ringside("--headless --guest %s", g), 2, "a.out kludge");
	if (strncmp(tl_out, "ringside: ", 10) != 0 || strncmp(tl_out + 10, g, strlen(g)) != 0)
		fail_msg("the refusal should name %s:\n%s", g, tl_out);
	unlink(g);
	patched_hello(g, sizeof g, fill_ram);
	tl_want(tl_ringside("--headless --mem 4 --guest %s", g), 2, "no room after the kernel");
	if (strncmp(tl_out + 10, g, strlen(g)) != 0)
		fail_msg("the refusal should name %s:\n%s", g, tl_out);
	unlink(g);
}

/* ---- options: parsed strictly, applied or refused ---------------------------- */

static void numbers_strict(void **state)
{
	static const char *const bad[] = {
		"--max-insns ' 10'", "--max-insns +10", "--max-insns -1",
		"--max-insns 10x", "--mem 1k", "--mem ' 64'", "--mem +64",
		"--vcpus 1k", "--vcpus +2", "--disk-mb 1k", "--iterations +3 --esxtop",
	};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int st = tl_ringside("--headless --guest scenarios/guests/hello.elf %s", bad[i]);

		if (st != 2 || strstr(tl_out, "wants") == NULL)
			fail_msg("%s: status %d:\n%s", bad[i], st, tl_out);
	}
	/* the documented forms still work */
	tl_want(tl_ringside("--headless --quiet --guest scenarios/guests/hello.elf --max-insns 10k --mem 64"),
	     0, NULL);
}

static void scenario_options(void **state)
{
	static const char *const vm_opts[] = {
		"--max-insns 10", "--mem 64", "--vcpus 2",
		"--cdrom scenarios/guests/cdrom.elf", "--disk Makefile", "--disk-mb 4",
	};

	(void)state;
	for (size_t i = 0; i < sizeof vm_opts / sizeof vm_opts[0]; i++) {
		int st = tl_ringside("--headless %s holes", vm_opts[i]);

		if (st != 2 || strstr(tl_out, "a scenario makes its VMs") == NULL)
			fail_msg("%s with a scenario: status %d:\n%s", vm_opts[i], st, tl_out);
	}
}

/* CSV lines (the header, then one per sample). */
static int csv_lines(void)
{
	int n = 0;

	for (const char *p = tl_out; (p = strstr(p, "\n\"")) != NULL; p++)
		n++;
	return tl_out[0] == '"' ? n + 1 : n;
}

static void esxtop_iterations(void **state)
{
	(void)state;
	tl_want(tl_ringside("--headless --esxtop --iterations 3 --guest build/guests/spin.elf 2>/dev/null"),
	     0, NULL);
	assert_int_equal(csv_lines(), 1 + 3);
	tl_want(tl_ringside("--headless --esxtop --iterations 3 --interval 0.001 holes 2>/dev/null"),
	     0, NULL);
	assert_int_equal(csv_lines(), 1 + 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(outputs_are_not_inputs),
		cmocka_unit_test(outputs_are_not_scenario_inputs),
		cmocka_unit_test(outputs_renamed_in_place),
		cmocka_unit_test(non_regular_inputs),
		cmocka_unit_test(sparse_disk_image),
		cmocka_unit_test(dense_disk_image),
		cmocka_unit_test(loader_refusals),
		cmocka_unit_test(numbers_strict),
		cmocka_unit_test(scenario_options),
		cmocka_unit_test(esxtop_iterations),
	};

	return cmocka_run_group_tests_name("hostile_files", tests, NULL, NULL);
}
