/*
 * test_headless_cluster.c - `ringside --headless` on the cluster lessons
 * prints what the Cluster view shows: the hosts, DRS's imbalance and its
 * recommendations with their reasons, and HA's master and timeline as
 * the restarts come in priority order (the view's own lines).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "testlib.h"

static char out[1 << 18];

static void run(const char *scenario)
{
	char cmd[256];

	snprintf(cmd, sizeof cmd, "./ringside --headless %s 2>&1", scenario);
	assert_int_equal(tl_sh(cmd, out, sizeof out), 0);
}

static void has(const char *needle)
{
	if (strstr(out, needle) == NULL)
		fail_msg("headless output lacks \"%s\"", needle);
}

/* A substring that comes after another one. */
static void has_after(const char *first, const char *then)
{
	const char *p = strstr(out, first);

	if (p == NULL || strstr(p, then) == NULL)
		fail_msg("headless output lacks \"%s\" after \"%s\"", then, first);
}

static void drs_lines(void **state)
{
	(void)state;
	run("scenarios/drs.lua");
	/* the pass, then the board's DRS lines (worked example C) */
	has_after("DRS pass: imbalance 0.122, target 0.115, 1 move",
		  "  DRS: imbalance 0.122, target 0.115: unbalanced; last pass 1 move");
	has("    1. priority 3: esx1 at 0.65, esx3 at 0.35; moving db (1,500 MHz) makes every host 0.50");
	has("DRS recommends moving: db esx1 -> esx3 (priority 3, balance");
	/* fully automated: DRS's own moves */
	has("DRS moves: app esx3 -> esx1");
}

static void ha_lines(void **state)
{
	(void)state;
	run("scenarios/ha.lua");
	has("HA: esx1 is declared dead; its VMs will restart");
	/* the board after each priority: the master, the latest steps */
	has_after("HA: restart priority highest is done", "  HA: master esx4\n");
	has_after("  HA: master esx4\n",
		  "        40.0 s  HA: restart priority highest is done");
	/* restarts in priority order */
	has_after("restarting dc (highest)", "restarting db (high)");
	has_after("restarting db (high)", "restarting app (medium)");
	has_after("restarting app (medium)", "restarting web (low)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(drs_lines),
		cmocka_unit_test(ha_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
