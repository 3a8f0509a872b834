/*
 * test_cli_files.c - scenario files of odd kinds (issue 14): a directory,
 * a FIFO, a device, an empty file, a binary one, one of 100 MB, one that
 * cannot be read, CRLF line endings, a UTF-8 byte order mark.  Each must
 * end promptly with a message naming the file (and the line, where it
 * has one), or run as its text says; none may leave a file written (its
 * --trace-file stays absent).  Each command runs under `timeout -s KILL`
 * (tl_ringside) as a safety net only: a hang becomes status 137.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "testlib.h"

/* A directory of our own, for the odd files and the trace none writes. */
static char dir[200];

static const char *in_dir(const char *name)
{
	static char path[400];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return path;
}

static void write_bytes(const char *name, const char *bytes, size_t n)
{
	FILE *f = fopen(in_dir(name), "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void write_text(const char *name, const char *text)
{
	write_bytes(name, text, strlen(text));
}

/*
 * Run the scenario `path` headless with a --trace-file in dir; want
 * status 2 and `said` in the output, and, unless the scenario `ran` (its
 * trace is then its own, up to the error), no trace file left: it is
 * written under a temporary name and renamed only if the run started.
 */
static void ended(const char *path, const char *said, bool ran)
{
	char trace[400], cmd[600], left[64];

	snprintf(trace, sizeof trace, "%s/trace.jsonl", dir);
	tl_want(tl_ringside("--headless --trace=jsonl --trace-file %s %s 2>&1", trace, path),
		2, said);
	if (strstr(tl_out, path) == NULL)
		fail_msg("the message does not name %s:\n%s", path, tl_out);
	if (ran) {
		if (strstr(tl_out, "hi") == NULL)
			fail_msg("%s did not run:\n%s", path, tl_out);
		unlink(trace);
		return;
	}
	snprintf(cmd, sizeof cmd, "ls -A %s | grep -c '^trace'", dir);
	tl_sh(cmd, left, sizeof left);
	if (atoi(left) != 0)
		fail_msg("%s: a trace file was left", path);
}

static void refused(const char *path, const char *said)
{
	ended(path, said, false);
}

static void odd_scenario_files(void **state)
{
	static const char binary[] = "\x01\x02\x00\xff\xfe\x00\x80garbage";
	char path[600];

	(void)state;
	snprintf(dir, sizeof dir, "/tmp/ringside-odd-%d", (int)getpid());
	assert_int_equal(mkdir(dir, 0700), 0);

	/* not regular files: refused before anything is opened */
	assert_int_equal(mkdir(in_dir("dir.lua"), 0700), 0);
	refused(in_dir("dir.lua"), "is a directory");
	assert_int_equal(mkfifo(in_dir("fifo.lua"), 0600), 0);
	refused(in_dir("fifo.lua"), "is a FIFO");
	refused("/dev/zero", "is a device");

	/* empty: it used to "pass" (0 expects, all held, status 0), as a
	 * scenario destroyed by an output would */
	write_bytes("empty.lua", "", 0);
	refused(in_dir("empty.lua"), "is empty");

	/* binary: a NUL byte is no Lua text */
	write_bytes("binary.lua", binary, sizeof binary - 1);
	refused(in_dir("binary.lua"), "not a text file");

	/* 100 MB (a hole: no disk used): refused by its size, at once */
	snprintf(path, sizeof path, "truncate -s 100M %s", in_dir("big.lua"));
	assert_int_equal(system(path), 0);
	refused(in_dir("big.lua"), "larger than");

	/* unreadable (root reads anything: not tried then) */
	write_text("unread.lua", "say('x')\n");
	assert_int_equal(chmod(in_dir("unread.lua"), 0), 0);
	if (geteuid() != 0)
		refused(in_dir("unread.lua"), "ermission denied");

	/* CRLF line endings: Lua reads them; an error names the right line */
	write_text("crlf.lua", "say('hi')\r\n\r\nerror('boom')\r\n");
	ended(in_dir("crlf.lua"), "crlf.lua:3: boom", true);

	/* a UTF-8 byte order mark (Notepad's): skipped, as lua.c does */
	write_text("bom.lua", "\xef\xbb\xbfsay('hi')\nerror('bom')\n");
	ended(in_dir("bom.lua"), "bom.lua:2: bom", true);

	snprintf(path, sizeof path, "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(odd_scenario_files),
	};

	return cmocka_run_group_tests_name("cli_files", tests, NULL, NULL);
}
