/*
 * test_scenario.c - the bundled scenarios, played headless by the real
 * ringside binary: each one passes (exit 0, every expect held), matches
 * its golden trace (tests/golden/), and gives the same event stream every
 * time it is played.  Also: --list, the exit statuses (1 for a failed
 * expect, 2 for a script error), and the scenario's records in the JSON
 * trace.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testlib.h"

#define MAX_SCENARIOS 32

static char out[4 << 20];		/* a command's output */
static char names[MAX_SCENARIOS][64];	/* the bundled scenarios */
static int nnames;

/* Run a shell command (stderr merged); return its exit status. */
static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	strncat(cmd, " 2>&1", sizeof cmd - strlen(cmd) - 1);
	return tl_sh(cmd, out, sizeof out);
}

static int find_scenarios(void **state)
{
	DIR *d = opendir("scenarios");
	struct dirent *e;

	(void)state;
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL && nnames < MAX_SCENARIOS) {
		size_t n = strlen(e->d_name);

		if (n > 4 && strcmp(e->d_name + n - 4, ".lua") == 0)
			snprintf(names[nnames++], sizeof names[0], "%.*s",
				 (int)n - 4, e->d_name);
	}
	closedir(d);
	return nnames > 0 ? 0 : -1;
}

/* Every bundled scenario plays to its end with every expect holding. */
static void every_scenario_passes(void **state)
{
	(void)state;
	for (int i = 0; i < nnames; i++) {
		int st = sh("./ringside --headless scenarios/%s.lua", names[i]);

		if (st != 0 || strstr(out, "all held") == NULL)
			fail_msg("scenario %s: exit %d\n%s", names[i], st, out);
		if (strstr(out, "  FAIL  ") != NULL)
			fail_msg("scenario %s: an expect failed\n%s", names[i], out);
	}
}

/* Each scenario's trace is its golden trace (tests/golden/golden.sh). */
static void golden_traces_match(void **state)
{
	(void)state;
	for (int i = 0; i < nnames; i++)
		if (sh("sh tests/golden/golden.sh check %s", names[i]) != 0)
			fail_msg("golden trace of %s:\n%s", names[i], out);
}

/* Played twice, a scenario emits the very same events, byte for byte. */
static void same_scenario_same_events(void **state)
{
	(void)state;
	char pa[64], pb[64];

	/* private file names: several test runs may share /tmp */
	snprintf(pa, sizeof pa, "/tmp/ringside-det-a.%d.jsonl", (int)getpid());
	snprintf(pb, sizeof pb, "/tmp/ringside-det-b.%d.jsonl", (int)getpid());
	for (int i = 0; i < nnames; i++) {
		char *a, *b;
		size_t la, lb;

		assert_int_equal(sh("./ringside --headless --trace=jsonl --trace-file %s scenarios/%s.lua",
				    pa, names[i]), 0);
		assert_int_equal(sh("./ringside --headless --trace=jsonl --trace-file %s scenarios/%s.lua",
				    pb, names[i]), 0);
		a = tl_slurp(pa, &la);
		b = tl_slurp(pb, &lb);
		assert_non_null(a);
		assert_non_null(b);
		assert_true(la > 1000);
		if (la != lb || memcmp(a, b, la) != 0)
			fail_msg("scenario %s: two plays gave different traces", names[i]);
		free(a);
		free(b);
	}
	unlink(pa);
	unlink(pb);
}

/* --list names every bundled scenario with its first-line description. */
static void list_describes_every_scenario(void **state)
{
	char path[128], line[256], want[300];

	(void)state;
	assert_int_equal(sh("./ringside --list"), 0);
	for (int i = 0; i < nnames; i++) {
		FILE *f;

		snprintf(path, sizeof path, "scenarios/%.63s.lua", names[i]);
		f = fopen(path, "r");
		assert_non_null(f);
		assert_non_null(fgets(line, sizeof line, f));
		fclose(f);
		/* "-- tour: everything in 10 minutes" */
		assert_int_equal(strncmp(line, "-- ", 3), 0);
		assert_int_equal(strncmp(line + 3, names[i], strlen(names[i])), 0);
		line[strcspn(line, "\n")] = '\0';
		snprintf(want, sizeof want, "%-16s %s", names[i],
			 line + 3 + strlen(names[i]) + 2);
		if (strstr(out, want) == NULL)
			fail_msg("--list lacks \"%s\":\n%s", want, out);
	}
}

/* 0 all held; 1 an expect failed; 2 the script failed or is missing. */
static void exit_statuses(void **state)
{
	char p[64], want[160];

	(void)state;
	snprintf(p, sizeof p, "/tmp/ringside-exit.%d.lua", (int)getpid());
	tl_write_file(p, "-- exit: a test\nexpect(true, 'fine')\n");
	assert_int_equal(sh("./ringside --headless %s", p), 0);
	tl_write_file(p, "-- exit: a test\nexpect(1 == 2, 'one is two')\nsay('after')\n");
	assert_int_equal(sh("./ringside --headless %s", p), 1);
	snprintf(want, sizeof want, "FAIL  one is two (%s:2)", p);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "after"));		/* it went on */
	assert_non_null(strstr(out, "SOME FAILED"));
	tl_write_file(p, "-- exit: a test\nsay('before')\nlocal x = nil + 1\n");
	assert_int_equal(sh("./ringside --headless %s", p), 2);
	snprintf(want, sizeof want,
		 "ringside: %s:3: attempt to perform arithmetic on a nil value", p);
	assert_non_null(strstr(out, want));
	tl_write_file(p, "-- exit: a test\nsay('unfinished'\n");
	assert_int_equal(sh("./ringside --headless %s", p), 2);
	snprintf(want, sizeof want, "ringside: %s:3:", p);
	assert_non_null(strstr(out, want));
	assert_int_equal(sh("./ringside --headless /tmp/no-such-scenario.lua"), 2);
	assert_non_null(strstr(out, "/tmp/no-such-scenario.lua: cannot open"));
	assert_int_equal(sh("./ringside --headless no_such_bundled_one"), 2);
	assert_non_null(strstr(out, "scenarios/no_such_bundled_one.lua: cannot open"));
	assert_int_equal(sh("./ringside --record /tmp/x.cast --headless tour"), 2);
	unlink(p);
}

/* The JSON trace interleaves the scenario's records with the events. */
static void json_trace_has_the_lesson(void **state)
{
	const char *p = "/tmp/ringside-json.lua";
	char *line, *save, *last = NULL;
	int say = 0, pause = 0, ok = 0, bad = 0, serial = 0;

	(void)state;
	tl_write_file(p, "-- json: a test\n"
		      "say('hello \"class\"')\n"
		      "pause()\n"
		      "local h = host{name='h1'}\n"
		      "h:add_vm{name='v', guest='hello'}\n"
		      "run{until_event='power'}\n"
		      "expect(true, 'ok one')\n"
		      "expect(false, 'bad one')\n");
	/* stdout only: a failed expect is also said on stderr */
	assert_int_equal(tl_sh("./ringside --headless --trace=jsonl /tmp/ringside-json.lua 2>/dev/null",
			       out, sizeof out), 1);
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(line);

		assert_true(n > 2 && line[0] == '{' && line[n - 1] == '}');
		say += strstr(line, "{\"kind\":\"say\",\"t_ns\":0,\"where\":\"/tmp/ringside-json.lua:2\",\"text\":\"hello \\\"class\\\"\"}") != NULL;
		pause += strstr(line, "{\"kind\":\"pause\",") != NULL;
		ok += strstr(line, "\"kind\":\"expect\"") && strstr(line, "\"ok\":true,\"where\":\"/tmp/ringside-json.lua:7\",\"text\":\"ok one\"");
		bad += strstr(line, "\"kind\":\"expect\"") && strstr(line, "\"ok\":false") != NULL;
		serial += strstr(line, "\"kind\":\"serial\",\"vm\":\"v\"") != NULL;
		last = line;
	}
	assert_int_equal(say, 1);
	assert_int_equal(pause, 1);
	assert_int_equal(ok, 1);
	assert_int_equal(bad, 1);
	assert_int_equal(serial, 6);
	assert_non_null(last);
	assert_non_null(strstr(last, "{\"kind\":\"summary\",\"scenario\":\"ringside-json\",\"expects\":2,\"failed\":1,\"status\":1,"));
	unlink(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_scenario_passes),
		cmocka_unit_test(golden_traces_match),
		cmocka_unit_test(same_scenario_same_events),
		cmocka_unit_test(list_describes_every_scenario),
		cmocka_unit_test(exit_statuses),
		cmocka_unit_test(json_trace_has_the_lesson),
	};

	return cmocka_run_group_tests(tests, find_scenarios, NULL);
}
