/*
 * test_hostile_input.c - ringside fed what a careless or hostile user
 * feeds it (issue 14, the input side): scripts that try to run forever,
 * outputs that name inputs, FIFOs, sloppy numbers, options a scenario
 * would ignore, a full or closed stdout, signals.  Every case must end
 * promptly with a message naming the problem; nothing may be destroyed.
 *
 * Each command runs under `timeout -s KILL` as a safety net only: a hang
 * becomes a failure (status 137) instead of a stuck suite.
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

#define PARTIAL "build/guests/partial.elf"

static char out[1 << 20];

/*
 * ./ringside ARGS, bounded; the exit status.  stderr is merged into out
 * unless ARGS redirect it themselves.
 */
static int run(const char *fmt, ...)
{
	char args[2048], cmd[2400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof args, fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof cmd, "timeout -s KILL 120 ./ringside %s%s", args,
		 strstr(args, "2>") ? "" : " 2>&1");
	return tl_sh(cmd, out, sizeof out);
}

static void want(int st, int status, const char *needle)
{
	if (st != status)
		fail_msg("status %d, expected %d; output:\n%s", st, status, out);
	if (needle && strstr(out, needle) == NULL)
		fail_msg("output lacks \"%s\":\n%s", needle, out);
}

/* A scenario file holding text; its path in path. */
static void scenario(char *path, size_t size, const char *text)
{
	tl_temp_file(path, size, ".lua");
	tl_write_file(path, text);
}

/* ---- scripts: every one bounded ------------------------------------------- */

static void script_refused(const char *text, const char *needle)
{
	char sc[256];

	scenario(sc, sizeof sc, text);
	want(run("--headless %s", sc), 2, needle);
	if (strstr(out, "AFTER") != NULL)
		fail_msg("the script went on after its limit:\n%s", out);
	unlink(sc);
}

static void scripts_bounded(void **state)
{
	(void)state;
	/* the handler loops: Lua runs it with hooks off after the hook's error */
	script_refused("xpcall(function() while true do end end,\n"
		       "       function() while true do end end)\n"
		       "print('AFTER')\n", "instruction budget");
	/* a handler that is itself an endless loop, for an ordinary error */
	script_refused("xpcall(error, function() while true do end end)\n"
		       "print('AFTER')\n", "instruction budget");
	/* finalizers run with hooks off, and at exit after the verdict */
	script_refused("setmetatable({}, {__gc=function() while true do end end})\n"
		       "collectgarbage() print('AFTER')\n", "__gc finalizers are refused");
	script_refused("setmetatable({}, {__gc=function() vm{guest='hello'}:power_on() end})\n",
		       "__gc finalizers are refused");
	/* long C calls: counted by length */
	script_refused("local s = string.rep('', math.maxinteger) print('AFTER')\n",
		       "instruction budget");
	script_refused("local s = string.rep('a', 1 << 20)\n"
		       "for i = 1, 1e6 do s:find('b') end print('AFTER')\n",
		       "instruction budget");
	script_refused("local s = string.rep('a', 1 << 16)\n"
		       "for i = 1, 1e6 do s:gsub('a-b', '') end print('AFTER')\n",
		       "instruction budget");
	script_refused("local s = string.rep('a', 1 << 20)\n"
		       "for i = 1, 1e6 do local t = s:upper() end print('AFTER')\n",
		       "instruction budget");
	script_refused("local s = string.rep('a', 1 << 24)\n"
		       "for i = 1, 1e6 do utf8.len(s) end print('AFTER')\n",
		       "instruction budget");
	/* a raw yield from the scenario's body would be resumed forever */
	script_refused("while true do coroutine.yield() end\n",
		       "coroutine.yield() outside a coroutine");
}

/*
 * The table library's loops (ltablib.c) and the functions that return one
 * value per byte or element run in C: no Lua instruction is counted while
 * they loop, and with C functions as metamethods (rawequal, rawlen) even
 * the element accesses run no Lua.  table.move over 2^62 elements, a
 * __len of 2^62 given to insert or remove, a sort of 2^31 elements, or
 * s:byte(1, -1) over 900 KB in a loop ran for hours, deaf to SIGTERM.
 */
static void table_calls_bounded(void **state)
{
	(void)state;
	script_refused("table.move({}, 1, 1 << 62, 2) print('AFTER')\n",
		       "table.move over 4611686018427387904 elements");
	script_refused("local a = setmetatable({}, {__index = rawequal, __newindex = rawequal})\n"
		       "table.move(a, 1, 1 << 62, 2) print('AFTER')\n",
		       "table.move over 4611686018427387904 elements");
	script_refused("local a = setmetatable({}, {__index = rawequal, __newindex = rawequal,\n"
		       "  __len = function() return 1 << 62 end})\n"
		       "pcall(table.insert, a, 1, 0) print('AFTER')\n",
		       ":3: the scenario called table.insert over 4611686018427387904 elements");
	script_refused("local a = setmetatable({}, {__index = rawequal, __newindex = rawequal,\n"
		       "  __len = function() return 1 << 62 end})\n"
		       "table.remove(a, 1) print('AFTER')\n",
		       "table.remove over 4611686018427387903 elements");
	script_refused("local a = setmetatable({}, {__index = rawlen, __newindex = rawequal,\n"
		       "  __len = function() return (1 << 31) - 2 end})\n"
		       "table.sort(a) print('AFTER')\n", "table.sort over 2147483646 elements");
	script_refused("local a = setmetatable({}, {__index = rawlen})\n"
		       "print(#table.concat(a, '', 1, 1 << 40)) print('AFTER')\n",
		       "table.concat over 1099511627776 elements");
	/* one value per element: charged by the values returned */
	script_refused("local s = string.rep('a', 900000)\n"
		       "for i = 1, 1e9 do s:byte(1, -1) end print('AFTER')\n",
		       "instruction budget");
	script_refused("local s = string.rep('a', 900000)\n"
		       "for i = 1, 1e9 do utf8.codepoint(s, 1, -1) end print('AFTER')\n",
		       "instruction budget");
	script_refused("local t = {} for i = 1, 900000 do t[i] = i end\n"
		       "for i = 1, 1e9 do table.unpack(t) end print('AFTER')\n",
		       "instruction budget");
}

/* A vararg of 200,000 values, and a loop that reads it for ever: each
 * select('#', ...) copies them all, one Lua instruction's worth of count. */
#define VARARG_TABLE "local t = {} for i = 1, 200000 do t[i] = i end\n"
#define VARARG_LOOP "local function f(...)\n" \
	"  for i = 1, 1e9 do local _ = select('#', ...) end\n" \
	"end\n" \
	"f(table.unpack(t)) print('AFTER')\n"

/*
 * One Lua instruction can do work in proportion to the values it moves:
 * a vararg of 200,000 values is copied whole by each `...` (OP_VARARG)
 * and each call, and comparing two long strings reads them whole.  No
 * instruction count sees that; the time limit is the backstop: the run
 * ends with the file and line, not after hours.
 */
static void heavy_instructions_bounded(void **state)
{
	char sc[256];
	time_t t0 = time(NULL);

	(void)state;
	scenario(sc, sizeof sc, VARARG_TABLE VARARG_LOOP);
	want(run("--headless %s", sc), 2, ":3: the scenario ran for");
	if (strstr(out, "CPU time") == NULL || strstr(out, "AFTER") != NULL)
		fail_msg("not stopped by its time limit:\n%s", out);
	if (time(NULL) - t0 > 60)
		fail_msg("stopped after %lld s", (long long)(time(NULL) - t0));
	unlink(sc);
}

/*
 * Patterns: three quantifiers over 4,000 bytes backtrack for minutes
 * (n^4 steps); refused before they run, naming the file and line, even
 * under pcall.  The patterns scenarios use, over a text of 34 KB, run.
 */
static void patterns_bounded(void **state)
{
	char sc[256], where[512];

	(void)state;
	scenario(sc, sizeof sc, "local s = string.rep('a', 4000)\n"
		 "print(pcall(string.find, s, 'a*a*a*b'))\n"
		 "print('AFTER')\n");
	snprintf(where, sizeof where, "%s:2: the scenario called string.find with the pattern \"a*a*a*b\" over 4000 bytes: it may backtrack", sc);
	want(run("--headless %s", sc), 2, where);
	if (strstr(out, "AFTER") != NULL)
		fail_msg("the script went on after the refusal:\n%s", out);
	unlink(sc);
	script_refused("local s = string.rep('x', 1 << 16)\n"
		       "for w in s:gmatch('(.-)y(.-)z') do end print('AFTER')\n",
		       "string.gmatch with the pattern \"(.-)y(.-)z\"");
	scenario(sc, sizeof sc, "local text = string.rep('probe-1: value 123\\n', 1800)\n"
		 "local n, sum = 0, 0\n"
		 "for line in text:gmatch('([^\\n]*)\\n?') do\n"
		 "  local k, v = line:match('^([%w-]+): (.*)$')\n"
		 "  if k then n = n + 1; sum = sum + tonumber(v:match('%d+')) end\n"
		 "end\n"
		 "local _, digits = text:gsub('%d+', '')\n"
		 "print('lines ' .. n .. ' sum ' .. sum .. ' runs ' .. digits)\n");
	want(run("--headless %s", sc), 0, "lines 1800 sum 221400 runs 3600");
	unlink(sc);
}

static void script_messages(void **state)
{
	char sc[256], where[300];

	(void)state;
	/* a message that only looks like a location gets the real one */
	scenario(sc, sizeof sc, "\nerror('1:2:3 x', 0)\n");
	snprintf(where, sizeof where, "%s:2: 1:2:3 x", sc);
	want(run("--headless %s", sc), 2, where);
	unlink(sc);
	/* a missing scenario names what was looked for and where */
	want(run("nosuch"), 2, "no scenario 'nosuch'");
	if (strstr(out, "scenarios/nosuch.lua") == NULL || strstr(out, "?:"))
		fail_msg("the message should name scenarios/nosuch.lua:\n%s", out);
	/* a kernel given where a scenario goes: told how to run it */
	want(run("--headless scenarios/guests/hello.elf"), 2,
	     "scenarios/guests/hello.elf: a kernel (ELF), not a scenario: run it with ringside --guest scenarios/guests/hello.elf");
	if (strstr(out, "?:"))
		fail_msg("no '?:' position for a file that is not Lua:\n%s", out);
}

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
	want(run("--headless --guest %s --trace=jsonl --trace-file %s", g, g),
	     2, "is the guest");
	same_file(g, "scenarios/guests/hello.elf");
	/* the same file by another path */
	snprintf(other, sizeof other, "/tmp/../%s", g);
	want(run("--headless --guest %s --trace=jsonl --trace-file %s", g, other),
	     2, "is the guest");
	same_file(g, "scenarios/guests/hello.elf");
	want(run("--headless --guest scenarios/guests/cdrom.elf --cdrom %s --trace=text --trace-file %s",
		 g, g), 2, "is the ISO image");
	same_file(g, "scenarios/guests/hello.elf");
	/* a scenario overwritten would then "pass" with 0 expects */
	tl_temp_file(sc, sizeof sc, ".lua");
	copy_file("scenarios/holes.lua", sc);
	want(run("--headless --trace=jsonl --trace-file %s %s", sc, sc), 2,
	     "is the scenario");
	same_file(sc, "scenarios/holes.lua");
	unlink(g);
	unlink(sc);
}

static void outputs_renamed_in_place(void **state)
{
	char t[256], cmd[600];

	(void)state;
	tl_temp_file(t, sizeof t, ".jsonl");
	tl_write_file(t, "old\n");
	/* a run that fails leaves the old file whole */
	want(run("--headless --guest Makefile --trace=jsonl --trace-file %s", t),
	     2, "not an ELF file");
	assert_int_equal(tl_sh(strcat(strcpy(cmd, "cat "), t), out, sizeof out), 0);
	assert_string_equal(out, "old\n");
	/* one that succeeds replaces it, and leaves no temporary file */
	want(run("--headless --quiet --guest scenarios/guests/hello.elf --trace=jsonl --trace-file %s", t),
	     0, NULL);
	assert_int_equal(tl_sh(strcat(strcpy(cmd, "head -c 8 "), t), out, sizeof out), 0);
	assert_string_equal(out, "{\"seq\":0");
	snprintf(cmd, sizeof cmd, "ls %s.tmp-* 2>/dev/null | wc -l", t);
	tl_sh(cmd, out, sizeof out);
	assert_int_equal(atoi(out), 0);
	/* a device is written in place */
	want(run("--headless --quiet --guest scenarios/guests/hello.elf --trace=jsonl --trace-file /dev/null"),
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
	want(run("--headless --guest %s", fifo), 2, "a FIFO");
	want(run("--headless %s", fifo), 2, "a FIFO");
	want(run("--headless --guest scenarios/guests/cdrom.elf --cdrom %s", fifo),
	     2, "a FIFO");
	want(run("--headless --guest scenarios/guests/hello.elf --disk %s", fifo),
	     2, "a FIFO");
	/* a Multiboot module: its open blocked for ever */
	want(run("--headless --guest scenarios/guests/hello.elf --module %s,x", fifo),
	     2, "cannot read the module: not a regular file");
	/* a scenario naming one: refused by the loader, which never blocks */
	snprintf(text, sizeof text,
		 "local esx = host{name='esx1', kind='esx'}\n"
		 "esx:add_vm{name='vm1', guest='%s'}\n", fifo);
	scenario(sc, sizeof sc, text);
	want(run("--headless %s", sc), 2, "not a regular file");
	unlink(sc);
	want(run("--headless --guest scenarios"), 2, "a directory");
	want(run("--headless --guest scenarios/guests/cdrom.elf --cdrom /dev/zero"),
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
	want(run("--headless --guest scenarios/guests/hello.elf --disk %s", img),
	     0, "booted with magic");
	if (time(NULL) - t0 > 10)
		fail_msg("a sparse 3 GiB image took %lld s to import",
			 (long long)(time(NULL) - t0));
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
	want(run("--headless --guest %s", g), 2, "a.out kludge");
	if (strncmp(out, "ringside: ", 10) != 0 || strncmp(out + 10, g, strlen(g)) != 0)
		fail_msg("the refusal should name %s:\n%s", g, out);
	unlink(g);
	patched_hello(g, sizeof g, fill_ram);
	want(run("--headless --mem 4 --guest %s", g), 2, "no room after the kernel");
	if (strncmp(out + 10, g, strlen(g)) != 0)
		fail_msg("the refusal should name %s:\n%s", g, out);
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
		int st = run("--headless --guest scenarios/guests/hello.elf %s", bad[i]);

		if (st != 2 || strstr(out, "wants") == NULL)
			fail_msg("%s: status %d:\n%s", bad[i], st, out);
	}
	/* the documented forms still work */
	want(run("--headless --quiet --guest scenarios/guests/hello.elf --max-insns 10k --mem 64"),
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
		int st = run("--headless %s holes", vm_opts[i]);

		if (st != 2 || strstr(out, "a scenario makes its VMs") == NULL)
			fail_msg("%s with a scenario: status %d:\n%s", vm_opts[i], st, out);
	}
}

/* CSV lines (the header, then one per sample). */
static int csv_lines(void)
{
	int n = 0;

	for (const char *p = out; (p = strstr(p, "\n\"")) != NULL; p++)
		n++;
	return out[0] == '"' ? n + 1 : n;
}

static void esxtop_iterations(void **state)
{
	(void)state;
	want(run("--headless --esxtop --iterations 3 --guest build/guests/spin.elf 2>/dev/null"),
	     0, NULL);
	assert_int_equal(csv_lines(), 1 + 3);
	want(run("--headless --esxtop --iterations 3 --interval 0.001 holes 2>/dev/null"),
	     0, NULL);
	assert_int_equal(csv_lines(), 1 + 3);
}

/* ---- stdout, signals, partial lines, terminals --------------------------------- */

static void stdout_errors(void **state)
{
	int fds[2], st;
	pid_t pid;

	(void)state;
	want(run("--headless --guest scenarios/guests/hello.elf 2>&1 >/dev/full"),
	     2, "cannot write the output");
	want(run("--headless holes 2>&1 >/dev/full"), 2, "cannot write the output");
	want(run("--headless --guest scenarios/guests/hello.elf 2>&1 >&-"),
	     2, "cannot write the output");
	/* a pipe nobody reads any more */
	assert_int_equal(pipe(fds), 0);
	close(fds[0]);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		execl("./ringside", "ringside", "--headless", "--guest",
		      "scenarios/guests/hello.elf", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 2)
		fail_msg("stdout a closed pipe: %s %d, expected exit status 2",
			 WIFEXITED(st) ? "status" : "signal",
			 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

static void partial_line_kept(void **state)
{
	char sc[256];

	(void)state;
	/* a scenario that ends while its VM runs */
	scenario(sc, sizeof sc,
		 "local esx = host{name='esx1', kind='esx'}\n"
		 "esx:add_vm{name='vm1', guest='" PARTIAL "'}\n"
		 "run{insns=100000}\n");
	want(run("--headless %s", sc), 0, "  vm1 | \033[2J\aabc");
	unlink(sc);
	want(run("--headless --quiet --max-insns 100k --guest " PARTIAL " 2>/dev/null | od -c | tr -s ' '"),
	     0, "a b c \\n");
}

/* Start the partial guest, wait for its first line, send sig; its output
 * and the summary must be printed, and the status be 128 + sig. */
static void signalled(int sig, int status)
{
	int fds[2], st;
	size_t n = 0;
	ssize_t got;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		execl("./ringside", "ringside", "--headless", "--guest", PARTIAL,
		      (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while (strstr(out, "ready") == NULL &&
	       (got = read(fds[0], out + n, sizeof out - 1 - n)) > 0) {
		n += (size_t)got;
		out[n] = '\0';
	}
	kill(pid, sig);
	while ((got = read(fds[0], out + n, sizeof out - 1 - n)) > 0)
		n += (size_t)got;
	out[n] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != status)
		fail_msg("signal %d: %s %d, expected exit status %d:\n%s", sig,
			 WIFEXITED(st) ? "status" : "signal",
			 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), status, out);
	/* (the partial line is partial_line_kept's: "abc" may come after) */
	if (strstr(out, "--- ringside:") == NULL ||
	    strstr(out, "stopped by signal") == NULL)
		fail_msg("signal %d: the summary is missing:\n%s", sig, out);
}

static void signals_end_runs(void **state)
{
	(void)state;
	out[0] = '\0';
	signalled(SIGTERM, 143);
	out[0] = '\0';
	signalled(SIGINT, 130);
}

/*
 * A scenario whose Lua is busy (each instruction copying a long vararg)
 * when SIGTERM comes: the script stops at its next instruction, with its
 * line and the signal named, and the status is 143.  It used to go on
 * until its own limits ended it.
 */
static void signals_stop_scripts(void **state)
{
	char sc[256], cmd[600];
	time_t t0 = time(NULL);

	(void)state;
	scenario(sc, sizeof sc, VARARG_TABLE "say('ready')\n" VARARG_LOOP);
	snprintf(cmd, sizeof cmd,
		 "(./ringside --headless %s 2>&1 & p=$!; sleep 1; kill -TERM $p;"
		 " (sleep 20; kill -KILL $p) >/dev/null 2>&1 &"
		 " wait $p; echo \"status $?\") | cat",
		 sc);
	tl_sh(cmd, out, sizeof out);
	if (strstr(out, "status 143") == NULL ||
	    strstr(out, ":4: the scenario was stopped by signal 15") == NULL)
		fail_msg("not stopped by SIGTERM:\n%s", out);
	if (time(NULL) - t0 > 5)
		fail_msg("SIGTERM took %lld s", (long long)(time(NULL) - t0));
	unlink(sc);
}

static void terminal_sees_no_escapes(void **state)
{
	(void)state;
	/* script(1) gives ringside a terminal for stdout */
	want(tl_sh("timeout -s KILL 60 script -qec './ringside --headless --quiet --max-insns 100k --guest " PARTIAL "' /dev/null 2>&1",
		   out, sizeof out), 1, "^[[2J^Gabc");
	if (strchr(out, '\033') != NULL || strchr(out, '\007') != NULL)
		fail_msg("an escape sequence or BEL reached the terminal");
	/* a file gets the bytes as they are */
	want(run("--headless --quiet --max-insns 100k --guest " PARTIAL " | od -c | tr -s ' '"),
	     0, "033 [ 2 J \\a a b c");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(scripts_bounded),
		cmocka_unit_test(table_calls_bounded),
		cmocka_unit_test(heavy_instructions_bounded),
		cmocka_unit_test(patterns_bounded),
		cmocka_unit_test(script_messages),
		cmocka_unit_test(outputs_are_not_inputs),
		cmocka_unit_test(outputs_renamed_in_place),
		cmocka_unit_test(non_regular_inputs),
		cmocka_unit_test(sparse_disk_image),
		cmocka_unit_test(loader_refusals),
		cmocka_unit_test(numbers_strict),
		cmocka_unit_test(scenario_options),
		cmocka_unit_test(esxtop_iterations),
		cmocka_unit_test(stdout_errors),
		cmocka_unit_test(partial_line_kept),
		cmocka_unit_test(signals_end_runs),
		cmocka_unit_test(signals_stop_scripts),
		cmocka_unit_test(terminal_sees_no_escapes),
	};

	return cmocka_run_group_tests_name("hostile_input", tests, NULL, NULL);
}
