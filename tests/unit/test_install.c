/*
 * test_install.c - installed like a Debian tool: `make install` with a
 * DESTDIR puts the program, the scenarios, the guests and the man page in
 * place; the installed program, run from elsewhere, finds its lessons
 * through RINGSIDE_DATA (the compiled-in data directory is the same
 * lookup, without the variable); `make uninstall` takes it all away; and
 * the man page documents every option --help lists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testlib.h"

static char out[1 << 16];
static const char *san = "";	/* SAN=1 when this suite is the sanitized one */

/* Every --option in `ringside --help` appears in docs/ringside.1. */
static void man_page_documents_every_option(void **state)
{
	char *man = tl_slurp("docs/ringside.1", NULL);
	int seen = 0;

	(void)state;
	assert_non_null(man);
	assert_int_equal(tl_sh("./ringside --help", out, sizeof out), 0);
	for (char *p = strstr(out, "--"); p; p = strstr(p + 2, "--")) {
		char opt[40], roff[80];
		int n = 0, k = 0;

		while (n < 30 && (p[2 + n] == '-' || (p[2 + n] >= 'a' && p[2 + n] <= 'z')))
			n++;
		if (n < 2)
			continue;
		snprintf(opt, sizeof opt, "%.*s", n, p + 2);
		/* roff escapes every hyphen: \-\-max\-insns */
		k += snprintf(roff + k, sizeof roff - (size_t)k, "\\-\\-");
		for (int i = 0; i < n; i++)
			k += snprintf(roff + k, sizeof roff - (size_t)k,
				      opt[i] == '-' ? "\\-" : "%c", opt[i]);
		if (strstr(man, roff) == NULL)
			fail_msg("ringside.1 does not document --%s", opt);
		seen++;
	}
	assert_true(seen >= 20);
	assert_non_null(strstr(man, ".SH ENVIRONMENT"));
	assert_non_null(strstr(man, "RINGSIDE_DATA"));
	free(man);
}

static void install_play_uninstall(void **state)
{
	char dir[] = "/tmp/ringside-install-XXXXXX", cmd[4096];
	char data[200];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof cmd, "make -s --no-print-directory install %s DESTDIR=%s >/dev/null 2>&1",
		 san, dir);
	assert_int_equal(tl_sh(cmd, out, sizeof out), 0);
	snprintf(data, sizeof data, "%s/usr/local/share/ringside", dir);
	snprintf(cmd, sizeof cmd, "test -x %s/usr/local/bin/ringside && test -f %s/scenarios/tour.lua && "
		 "test -f %s/scenarios/guests/tour.elf && test -f %s/lua/ringside.lua && "
		 "test -f %s/usr/local/share/man/man1/ringside.1", dir, data, data, data, dir);
	assert_int_equal(tl_sh(cmd, out, sizeof out), 0);
	/* from another directory, with the data directory named */
	snprintf(cmd, sizeof cmd, "cd / && RINGSIDE_DATA=%s %s/usr/local/bin/ringside --list",
		 data, dir);
	assert_int_equal(tl_sh(cmd, out, sizeof out), 0);
	assert_non_null(strstr(out, "tour "));
	snprintf(cmd, sizeof cmd, "cd / && RINGSIDE_DATA=%s %s/usr/local/bin/ringside --headless --quiet rings >/dev/null",
		 data, dir);
	assert_int_equal(tl_sh(cmd, out, sizeof out), 0);
	snprintf(cmd, sizeof cmd, "make -s --no-print-directory uninstall DESTDIR=%s >/dev/null 2>&1 && "
		 "test ! -e %s/usr/local/bin/ringside && test ! -e %s", dir, dir, data);
	assert_int_equal(tl_sh(cmd, out, sizeof out), 0);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	tl_sh(cmd, out, sizeof out);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(man_page_documents_every_option),
		cmocka_unit_test(install_play_uninstall),
	};

	(void)argc;
	if (strstr(argv[0], "/san/"))
		san = "SAN=1";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
