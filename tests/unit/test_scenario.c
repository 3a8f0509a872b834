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
#include <stdbool.h>
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

/*
 * Each bundled scenario is played once, here, with its JSON trace written
 * to a file: that one play serves the pass test, the golden test and the
 * first half of the determinism test.
 */
static struct played {
	int status;			/* ringside's exit status */
	bool all_held, any_fail;	/* "all held" said; "  FAIL  " said */
	char trace[256];		/* its JSON trace */
} played[MAX_SCENARIOS];

static void play_once(int i, const char *trace)
{
	struct played *p = &played[i];

	p->status = sh("./ringside --headless --trace=jsonl --trace-file %s scenarios/%s.lua",
		       trace, names[i]);
	p->all_held = strstr(out, "all held") != NULL;
	p->any_fail = strstr(out, "  FAIL  ") != NULL;
}

static int find_and_play_scenarios(void **state)
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
	for (int i = 0; i < nnames; i++) {
		tl_temp_file(played[i].trace, sizeof played[i].trace, ".jsonl");
		play_once(i, played[i].trace);
	}
	return nnames > 0 ? 0 : -1;
}

static int remove_traces(void **state)
{
	(void)state;
	for (int i = 0; i < nnames; i++)
		unlink(played[i].trace);
	return 0;
}

/* Every bundled scenario plays to its end with every expect holding. */
static void every_scenario_passes(void **state)
{
	(void)state;
	for (int i = 0; i < nnames; i++) {
		if (played[i].status != 0 || !played[i].all_held)
			fail_msg("scenario %s: exit %d (run ./ringside --headless scenarios/%s.lua)",
				 names[i], played[i].status, names[i]);
		if (played[i].any_fail)
			fail_msg("scenario %s: an expect failed", names[i]);
	}
}

/* Each scenario's trace is its golden trace (tests/golden/golden.sh). */
static void golden_traces_match(void **state)
{
	(void)state;
	for (int i = 0; i < nnames; i++)
		if (sh("sh tests/golden/golden.sh check %s %s", names[i],
		       played[i].trace) != 0)
			fail_msg("golden trace of %s:\n%s", names[i], out);
}

/* Played twice, a scenario emits the very same events, byte for byte. */
static void same_scenario_same_events(void **state)
{
	char again[256];

	(void)state;
	tl_temp_file(again, sizeof again, ".jsonl");
	for (int i = 0; i < nnames; i++) {
		char *a, *b;
		size_t la, lb;

		assert_int_equal(sh("./ringside --headless --trace=jsonl --trace-file %s scenarios/%s.lua",
				    again, names[i]), played[i].status);
		a = tl_slurp(played[i].trace, &la);
		b = tl_slurp(again, &lb);
		assert_non_null(a);
		assert_non_null(b);
		assert_true(la > 1000);
		if (la != lb || memcmp(a, b, la) != 0)
			fail_msg("scenario %s: two plays gave different traces", names[i]);
		free(a);
		free(b);
	}
	unlink(again);
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
	char p[256], want[384], cast[256];

	(void)state;
	tl_temp_file(p, sizeof p, ".lua");
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
	unlink(p);	/* now a name that nothing has */
	assert_int_equal(sh("./ringside --headless %s", p), 2);
	snprintf(want, sizeof want, "%s: cannot open", p);
	assert_non_null(strstr(out, want));
	assert_int_equal(sh("./ringside --headless no_such_bundled_one"), 2);
	/* what was looked for, and where */
	assert_non_null(strstr(out, "no scenario 'no_such_bundled_one'"));
	assert_non_null(strstr(out, "scenarios/no_such_bundled_one.lua"));
	tl_temp_file(cast, sizeof cast, ".cast");
	assert_int_equal(sh("./ringside --record %s --headless tour", cast), 2);
	unlink(cast);
}

/* The JSON trace interleaves the scenario's records with the events. */
static void json_trace_has_the_lesson(void **state)
{
	char p[256], cmd[384], want[512];
	char *line, *save, *last = NULL;
	int say = 0, pause = 0, ok = 0, bad = 0, serial = 0;

	(void)state;
	tl_temp_file(p, sizeof p, ".lua");
	tl_write_file(p, "-- json: a test\n"
		      "say('hello \"class\"')\n"
		      "pause()\n"
		      "local h = host{name='h1'}\n"
		      "h:add_vm{name='v', guest='hello'}\n"
		      "run{until_event='power'}\n"
		      "expect(true, 'ok one')\n"
		      "expect(false, 'bad one')\n");
	/* stdout only: a failed expect is also said on stderr */
	snprintf(cmd, sizeof cmd,
		 "./ringside --headless --trace=jsonl %s 2>/dev/null", p);
	assert_int_equal(tl_sh(cmd, out, sizeof out), 1);
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(line);

		assert_true(n > 2 && line[0] == '{' && line[n - 1] == '}');
		snprintf(want, sizeof want, "{\"kind\":\"say\",\"t_ns\":0,\"where\":\"%s:2\",\"text\":\"hello \\\"class\\\"\"}", p);
		say += strstr(line, want) != NULL;
		pause += strstr(line, "{\"kind\":\"pause\",") != NULL;
		snprintf(want, sizeof want, "\"ok\":true,\"where\":\"%s:7\",\"text\":\"ok one\"", p);
		ok += strstr(line, "\"kind\":\"expect\"") && strstr(line, want);
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
	snprintf(want, sizeof want, "{\"kind\":\"summary\",\"scenario\":\"%.*s\",\"expects\":2,\"failed\":1,\"status\":1,",
		 (int)(strlen(strrchr(p, '/') + 1) - 4), strrchr(p, '/') + 1);
	assert_non_null(strstr(last, want));
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

	return cmocka_run_group_tests(tests, find_and_play_scenarios,
				      remove_traces);
}
