/*
 * test_cli_parse.c - cli_parse (visual/cli.c) called in one process again
 * and again, as the fuzz target `cli` calls it.  The program's own command
 * line is tested through the binary in test_cli.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"

/* Parse the arguments after "ringside", from copies freed afterwards. */
static int parse(int n, const char *const *args, struct options *o,
		 char *err, int errlen, char **copies)
{
	char *argv[8];

	argv[0] = "ringside";
	for (int i = 0; i < n; i++)
		argv[i + 1] = copies[i] = strdup(args[i]);
	argv[n + 1] = NULL;
	return cli_parse(n + 1, argv, o, err, errlen);
}

/*
 * A run refused in the middle of a cluster of short options ("-\xffgfoo":
 * an unknown option, then -g with "foo" glued on) left getopt's place
 * inside that argument; the next parse went on from there, in memory
 * already freed, and found a --guest the command line never gave [found
 * by `make fuzz` (target cli), 2026-12-06: a heap use after free].
 */
static void refusal_mid_cluster_leaves_nothing(void **state)
{
	static const char *const first[] = { "-\xffgfoo" };
	static const char *const second[] = { "--headless" };
	char *copies[1], err[256];
	struct options o;

	(void)state;
	assert_int_not_equal(parse(1, first, &o, err, sizeof err, copies), 0);
	assert_non_null(strstr(err, "unknown option"));
	free(copies[0]);
	err[0] = '\0';
	assert_int_equal(parse(1, second, &o, err, sizeof err, copies), 0);
	free(copies[0]);
	assert_null(o.guest);
	assert_true(o.headless);
	assert_string_equal(err, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refusal_mid_cluster_leaves_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
