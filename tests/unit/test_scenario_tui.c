/*
 * test_scenario_tui.c - scenarios played in the real TUI, in tmux: the
 * narration pane, the teacher's keys (Space goes on, > skips ahead), the
 * keys that would move time refused, the title card shown before any VM
 * exists, the exit status, and the asciinema recording.
 *
 * Like test_tui.c: a private tmux server per test, a fixed size, keys by
 * send-keys, the screen read by capture-pane and polled (never a bare
 * sleep), so a slow machine only makes the test slower.
 */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testlib.h"

#define WAIT_MS 20000		/* sanitizers on a busy two-core machine */

static char server[64];		/* tmux -L NAME, one per test */
static int servers;
static char here[PATH_MAX];
static char shown[1 << 16];	/* the last capture-pane */

/* A tmux command on our server (output, if wanted, into shown). */
static int tm(bool keep, const char *fmt, ...)
{
	char cmd[2048], sink[512];
	va_list ap;
	int n = snprintf(cmd, sizeof cmd, "tmux -L %s -f /dev/null ", server);

	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof cmd - (size_t)n, fmt, ap);
	va_end(ap);
	strncat(cmd, " 2>/dev/null", sizeof cmd - strlen(cmd) - 1);
	return keep ? tl_sh(cmd, shown, sizeof shown) : tl_sh(cmd, sink, sizeof sink);
}

static void stop_server(void)
{
	if (server[0])
		tm(false, "kill-server");
}

/* ringside ARGS in a COLSxROWS terminal, in the repository root. */
static void play(const char *args, int cols, int rows)
{
	stop_server();
	snprintf(server, sizeof server, "rs-scn-%d-%d", (int)getpid(), ++servers);
	tm(false, "new-session -d -s s -x %d -y %d "
	   "\"cd '%s' && ./ringside %s; echo RINGSIDE-EXIT=\\$?; sleep 600\"",
	   cols, rows, here, args);
}

/* Poll the screen until it shows text; fail with the screen if never. */
static void see(const char *text)
{
	struct timespec tick = { 0, 40 * 1000000L };

	for (int t = 0; t < WAIT_MS; t += 40) {
		tm(true, "capture-pane -p -t s");
		if (strstr(shown, text))
			return;
		nanosleep(&tick, NULL);
	}
	fprintf(stderr, "never saw \"%s\"; the screen:\n%s\n", text, shown);
	fail_msg("never saw \"%s\"", text);
}

static void press(const char *keys)
{
	tm(false, "send-keys -t s %s", keys);
}

static int teardown(void **state)
{
	(void)state;
	stop_server();
	return 0;
}

/* ---- the tests ------------------------------------------------------------------ */

/* The tour: narration under the views, Space goes on, > to the end. */
static void tour_narrates_and_waits(void **state)
{
	(void)state;
	play("tour", 120, 40);
	see("Scenario tour: everything in 10 minutes");
	see("[PAUSED: Space or Enter goes on]");
	see("A VM, vm1, now exists on esx1");
	see("[1 CPU]");			/* the views are up, on vm1 */
	see("insn 0 ");
	press("Space");
	/* the run stopped on the first trap, and the CPU view explains it */
	see("Handler path: lgdt [esp + 0xa] (privileged)");
	see("Guest > VMM > Guest");	/* the VMM emulates it, alone */
	see("insn 5,927 ");
	see("[What ESX really does:] the VMM itself emulates");
	/* the scenario moves time: s is refused, and nothing ran */
	press("s");
	see("The scenario moves time here");
	see("insn 5,927 ");
	/* the views still switch */
	press("5");
	see("[5 Log]");
	press("1");
	/* skip ahead, pause after pause, to the end */
	for (int i = 0; i < 9; i++)
		press("'>'");
	see("[the end]");
	see("30 expects, all held");
	press("q");
	see("RINGSIDE-EXIT=0");
}

/* Before the scenario has a VM to show: a title card with the world. */
static void title_card_before_the_first_vm(void **state)
{
	char path[256], want[320];

	(void)state;
	tl_temp_file(path, sizeof path, ".lua");
	tl_write_file(path,
		   "-- card: a test of the title card\n"
		   "say('Before any VM, the card shows this.')\n"
		   "pause()\n"
		   "local h = host{name='esx7', kind='esx', cpus=2}\n"
		   "h:add_vm{name='model', cpu_mhz=500}\n"
		   "say('A modelled VM is no reason to open the views.')\n"
		   "pause()\n"
		   "h:add_vm{name='live', guest='hello'}\n"
		   "run{until_event='power'}\n"
		   "expect(false, 'a failure, on purpose')\n"
		   "say('done')\n");
	play(path, 100, 30);
	see("The world so far");
	see("Before any VM, the card shows this.");
	see("(nothing yet: the scenario has not made a host)");
	press("Enter");
	see("host esx7");
	see("VM model");
	see("A modelled VM is no reason to open the views.");
	press("Space");
	see("[1 CPU]");
	snprintf(want, sizeof want, "FAIL a failure, on purpose (%s:10)", path);
	see(want);
	see("[the end]");
	see("SOME FAILED");
	press("q");
	see("RINGSIDE-EXIT=1");
	unlink(path);
}

/* The Cluster view shows DRS's recommendation; D applies it (VMotion). */
static void drs_key_applies_a_recommendation(void **state)
{
	char path[64];

	(void)state;
	snprintf(path, sizeof path, "/tmp/ringside-drskey.%d.lua", (int)getpid());
	tl_write_file(path,
		   "-- drskey: a test of DRS in the Cluster view\n"
		   "local c = cluster{name='prod', shared_datastore='san0'}\n"
		   "local h = {}\n"
		   "for i = 1, 3 do h[i] = c:add_host{name='h' .. i, cpus=4, mhz=2500, mem_mb=16384} end\n"
		   "local db = c:add_vm{name='db', host=h[1], mem_mb=1024, cpu_mhz=1500, dirty_mb_s=8}\n"
		   "c:add_vm{name='app', host=h[1], mem_mb=1024, cpu_mhz=5000}\n"
		   "c:add_vm{name='web', host=h[2], mem_mb=1024, cpu_mhz=4500}\n"
		   "c:add_vm{name='mon', host=h[2], guest='hello', mem_mb=32, limit_mhz=500}\n"
		   "c:add_vm{name='cache', host=h[3], mem_mb=1024, cpu_mhz=3500}\n"
		   "drs(c, {automation='manual'})\n"
		   "say('press D')\n"
		   "pause()\n"
		   "run{seconds=30}\n"
		   "expect(db.host.name == 'h3', 'db moved to h3')\n");
	play(path, 130, 40);
	see("press D");
	press("7");
	see("DRS: imbalance 0.122, target 0.115: unbalanced; last pass 1 move");
	see("1. priority 3: h1 at 0.65, h3 at 0.35; moving db (1,500 MHz) makes every host 0.50");
	press("D");
	see("Applied: h1 at 0.65, h3 at 0.35");
	press("Space");
	see("[the end]");
	see("1 expect, all held");
	press("q");
	see("RINGSIDE-EXIT=0");
	unlink(path);
}

/* A script error shows in the narration, and the status is 2. */
static void script_error_is_shown(void **state)
{
	char path[256], want[320];

	(void)state;
	tl_temp_file(path, sizeof path, ".lua");
	tl_write_file(path,
		   "-- oops: a test\n"
		   "local h = host{}\n"
		   "h:add_vm{name='v', guest='hello'}\n"
		   "run{insns=100}\n"
		   "local x = nil .. 'x'\n");
	play(path, 100, 30);
	see("[stopped: script error]");
	snprintf(want, sizeof want, "%s:5: attempt to concatenate a nil value",
		 path);
	see(want);
	press("q");
	see("RINGSIDE-EXIT=2");
	unlink(path);
}

/* tui() runs the TUI's named commands; a bad one is reported, not fatal. */
static void tui_commands(void **state)
{
	char path[256], want[384];

	(void)state;
	tl_temp_file(path, sizeof path, ".lua");
	tl_write_file(path,
		   "-- tui: a test\n"
		   "local h = host{}\n"
		   "h:add_vm{name='v', guest='hello'}\n"
		   "run{insns=100}\n"
		   "tui('view worlds')\n"
		   "say('the worlds')\n"
		   "pause()\n"
		   "tui('no-such-command')\n"
		   "say('after')\n"
		   "pause()\n");
	play(path, 120, 40);
	see("[3 Worlds]");
	see("vmm0:v");
	press("Space");
	snprintf(want, sizeof want, "FAIL tui() command refused: (%s:8)", path);
	see(want);
	see("after");
	press("q");
	unlink(path);
	/* headless: tui() does nothing, and the scenario passes */
	tl_write_file(path, "-- tui: a test\ntui('view worlds')\nexpect(true, 'fine')\n");
	snprintf(want, sizeof want, "./ringside --headless %s >/dev/null", path);
	assert_int_equal(system(want), 0);
	unlink(path);
}

/* A run at the scenario's speed is stepped: instruction by instruction. */
static void slow_runs_are_stepped(void **state)
{
	char path[256], want[320];
	const char *base;

	(void)state;
	tl_temp_file(path, sizeof path, ".lua");
	base = strrchr(path, '/') + 1;
	tl_write_file(path,
		   "-- slow: a test\n"
		   "local h = host{}\n"
		   "h:add_vm{name='v', guest='hello'}\n"
		   "pause()\n"
		   "run{insns=3, speed=20}\n"
		   "say('three')\n"
		   "pause()\n");
	play(path, 80, 24);	/* the smallest terminal */
	snprintf(want, sizeof want, "Scenario %.*s: a test",
		 (int)(strlen(base) - 4), base);
	see(want);
	press("Space");
	see("insn 3 ");
	see("Handler path: ");		/* the last step, recorded */
	see("three");
	press("q");
	see("RINGSIDE-EXIT=0");
	unlink(path);
}

/* --record writes an asciinema v2 cast: a header, output, markers. */
static void record_writes_a_cast(void **state)
{
	char *cast, *line, *save, path[256], args[320];
	int outputs = 0, markers = 0, lines = 0;

	(void)state;
	tl_temp_file(path, sizeof path, ".cast");
	snprintf(args, sizeof args, "--record %s rings", path);
	play(args, 100, 30);
	see("Scenario rings");
	see("[PAUSED");
	press("Space");
	see("In ring 0, as the guest sees it");
	press("q");
	see("RINGSIDE-EXIT=0");
	cast = tl_slurp(path, NULL);
	assert_non_null(cast);
	assert_int_equal(strncmp(cast, "{\"version\": 2, \"width\": 100, \"height\": 30,", 42), 0);
	for (line = strtok_r(cast, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), lines++) {
		size_t n = strlen(line);

		if (lines == 0)
			continue;
		assert_true(line[0] == '[' && line[n - 1] == ']');
		outputs += strstr(line, ", \"o\", \"") != NULL;
		markers += strstr(line, ", \"m\", \"") != NULL;
	}
	assert_true(outputs >= 2);
	assert_int_equal(markers, 2);		/* two pauses reached */
	free(cast);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(tour_narrates_and_waits, teardown),
		cmocka_unit_test_teardown(drs_key_applies_a_recommendation, teardown),
		cmocka_unit_test_teardown(title_card_before_the_first_vm, teardown),
		cmocka_unit_test_teardown(script_error_is_shown, teardown),
		cmocka_unit_test_teardown(tui_commands, teardown),
		cmocka_unit_test_teardown(slow_runs_are_stepped, teardown),
		cmocka_unit_test_teardown(record_writes_a_cast, teardown),
	};

	if (getcwd(here, sizeof here) == NULL)
		return 1;
	if (tl_sh("tmux -V >/dev/null 2>&1", shown, sizeof shown) != 0) {
		return tl_skip_suite("tmux is not installed");
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
