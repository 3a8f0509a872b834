/*
 * test_docs.c - no figure in docs/ can go stale: every block between
 * <!-- docs: COMMAND --> markers must be what COMMAND prints now
 * (tests/docs/docs.sh check; `make docs` rewrites them); the host times
 * of <!-- bench: --> blocks are written by `make bench-docs`, not checked.
 * Nor can a test a page names: "test_cli `usage_errors`" must be a test of
 * tests/unit/test_cli.c (tests/docs/test-names.sh).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "event.h"
#include "testlib.h"
#include "vmm/cost.h"
#include "vmm/vmm.h"

static char out[1 << 16];

static void docs_agree_with_the_program(void **state)
{
	int st;

	(void)state;
	st = tl_sh("sh tests/docs/docs.sh check 2>&1", out, sizeof out);
	if (st != 0)
		fail_msg("a page of docs/ disagrees with the program (run make docs):\n%s", out);
}

/*
 * The tests docs/ names (docs/bad-input.md gives one per row) exist, in the
 * suite named: a suite split or a test renamed leaves no stale row.  And
 * a stale name is caught.
 */
static void docs_name_real_tests(void **state)
{
	char page[256], cmd[400];

	(void)state;
	if (tl_sh("sh tests/docs/test-names.sh 2>&1", out, sizeof out) != 0)
		fail_msg("docs/ names tests that do not exist:\n%s", out);
	tl_temp_file(page, sizeof page, ".md");
	tl_write_file(page, "| a | b | test_cli `usage_errors`, `no_such_test`; test_nosuch `x` |\n");
	snprintf(cmd, sizeof cmd, "sh tests/docs/test-names.sh %s 2>&1", page);
	assert_int_equal(tl_sh(cmd, out, sizeof out), 1);
	if (strstr(out, "test_cli `no_such_test`") == NULL ||
	    strstr(out, "test_nosuch `x`") == NULL || strstr(out, "usage_errors") != NULL)
		fail_msg("wanted no_such_test and test_nosuch reported, usage_errors not:\n%s", out);
	unlink(page);
}

/* A page of docs in a folder of its own (dir: "build/docs-test-XXXXXX"). */
static void make_page(char *dir, char *page, size_t size, const char *text)
{
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(page, size, "%s/page.md", dir);
	f = fopen(page, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The text of the page (at most size - 1 bytes), then the folder removed. */
static void read_page_and_clean(char *dir, const char *page, char *text,
				size_t size)
{
	FILE *f = fopen(page, "r");
	size_t n;

	assert_non_null(f);
	n = fread(text, 1, size - 1, f);
	text[n] = '\0';
	fclose(f);
	remove(page);
	rmdir(dir);
}

/* Run docs.sh with ARGS on that folder: its exit status. */
static int docs_sh(const char *dir, const char *args)
{
	char cmd[160];

	snprintf(cmd, sizeof cmd, "DOCS_DIR=%s sh tests/docs/docs.sh %s 2>&1",
		 dir, args);
	return tl_sh(cmd, out, sizeof out);
}

/* The checker itself catches a stale figure (a test that can fail). */
static void a_stale_figure_is_caught(void **state)
{
	char dir[] = "build/docs-test-XXXXXX", page[64];
	int st;

	(void)state;
	make_page(dir, page, sizeof page,
		  "<!-- docs: echo 42 -->\n```\n$ echo 42\n41\n```\n<!-- /docs -->\n");
	st = docs_sh(dir, "check");
	remove(page);
	rmdir(dir);
	assert_int_not_equal(st, 0);
	assert_non_null(strstr(out, "disagrees with the program"));
}

/*
 * A figure in a sentence (<!-- fig: CMD -->VALUE<!-- /fig -->) is checked
 * too, and `make docs` writes the command's output in its place, leaving
 * the rest of the line as it was.
 */
static void a_stale_figure_in_a_sentence_is_caught_and_rewritten(void **state)
{
	char dir[] = "build/docs-test-XXXXXX", page[64], text[256];

	(void)state;
	make_page(dir, page, sizeof page,
		  "a trap costs <!-- fig: echo 42 -->41<!-- /fig --> cycles, "
		  "<!-- fig: printf '1\\n2\\n' -->3<!-- /fig --> left\n");
	assert_int_not_equal(docs_sh(dir, "check"), 0);
	assert_non_null(strstr(out, "disagrees with the program"));
	assert_int_equal(docs_sh(dir, "write"), 0);
	assert_int_equal(docs_sh(dir, "check"), 0);
	read_page_and_clean(dir, page, text, sizeof text);
	assert_string_equal(text,
			    "a trap costs <!-- fig: echo 42 -->42<!-- /fig --> cycles, "
			    "<!-- fig: printf '1\\n2\\n' -->1 2<!-- /fig --> left\n");
}

/* The figures the pages quote from the source are the program's. */
static void figure_sh_reads_the_defines(void **state)
{
	char want[32];

	(void)state;
	assert_int_equal(tl_sh("sh tests/docs/figure.sh define COST_TRAP", out, sizeof out), 0);
	snprintf(want, sizeof want, "%u\n", COST_TRAP);
	assert_string_equal(out, want);
	assert_int_equal(tl_sh("sh tests/docs/figure.sh count-kinds", out, sizeof out), 0);
	snprintf(want, sizeof want, "%d\n", (int)EV_KIND_COUNT);
	assert_string_equal(out, want);
	assert_int_not_equal(tl_sh("sh tests/docs/figure.sh define NO_SUCH_NAME 2>&1", out, sizeof out), 0);
}

/*
 * hardware-assist.md quotes the CR0 and CR4 guest/host masks, each a
 * #define that ORs bits named in another file over two lines: `hex`
 * gives what the VMCS view shows.
 */
static void figure_sh_reads_a_mask_of_named_bits(void **state)
{
	char want[32];

	(void)state;
	assert_int_equal(tl_sh("sh tests/docs/figure.sh hex HW_CR0_OWNED", out, sizeof out), 0);
	snprintf(want, sizeof want, "%08x\n", vmm_hw_cr_mask(0));
	assert_string_equal(out, want);
	assert_int_equal(tl_sh("sh tests/docs/figure.sh hex HW_CR4_OWNED", out, sizeof out), 0);
	snprintf(want, sizeof want, "%08x\n", vmm_hw_cr_mask(4));
	assert_string_equal(out, want);
}

/*
 * A host time (a <!-- bench: --> block) is written by `make bench-docs`
 * and left alone by the check, whose figures must not vary; written, it
 * is the command's output, not what was there.
 */
static void bench_blocks_are_written_not_checked(void **state)
{
	char dir[] = "build/docs-test-XXXXXX", page[64], text[256];

	(void)state;
	make_page(dir, page, sizeof page,
		  "<!-- bench: echo 7 -->\n```\n$ echo 7\n6\n```\n<!-- /bench -->\n");
	assert_int_equal(docs_sh(dir, "check"), 0);
	assert_int_equal(docs_sh(dir, "write bench"), 0);
	read_page_and_clean(dir, page, text, sizeof text);
	assert_string_equal(text, "<!-- bench: echo 7 -->\n```\n$ echo 7\n7\n```\n<!-- /bench -->\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(docs_agree_with_the_program),
		cmocka_unit_test(docs_name_real_tests),
		cmocka_unit_test(a_stale_figure_is_caught),
		cmocka_unit_test(a_stale_figure_in_a_sentence_is_caught_and_rewritten),
		cmocka_unit_test(figure_sh_reads_the_defines),
		cmocka_unit_test(figure_sh_reads_a_mask_of_named_bits),
		cmocka_unit_test(bench_blocks_are_written_not_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
