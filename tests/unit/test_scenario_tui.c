/*
 * test_scenario_tui.c - scenarios played in the real TUI, in tmux: the
 * narration pane, the teacher's keys (Space goes on, > skips ahead), the
 * keys that would move time refused, the title card shown before any VM
 * exists, the exit status, and the asciinema recording.  Every bundled
 * lesson page by page is in test_lessons_tui.c.
 *
 * Like test_tui.c: a private tmux server per test, a fixed size, keys by
 * send-keys, the screen read by capture-pane and polled (never a bare
 * sleep), so a slow machine only makes the test slower (testlib's
 * tl_tmux_*).
 */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "testlib.h"


/* ---- the tests ------------------------------------------------------------------ */

/*
 * The tour: narration under the views, opening at the start of each
 * pause's text and paged with Space; at a pause the student explores
 * (step, back) and Space goes on from where the lesson was; > to the end.
 */
static void tour_narrates_and_waits(void **state)
{
	(void)state;
	tl_tmux_play("tour", 120, 40);
	tl_tmux_see("Scenario tour: everything in 10 minutes");
	tl_tmux_see("Welcome to ringside.");	/* the page opens at its start */
	tl_tmux_see("[more below: Space]");
	tl_tmux_see("[PAUSED: Space shows more]");
	tl_tmux_see("[1 CPU]");			/* the views are up, on vm1 */
	tl_tmux_see("insn 0 ");
	tl_tmux_press("Space");
	tl_tmux_see("[more above: []");
	tl_tmux_press("Space");
	tl_tmux_see("A VM, vm1, now exists on esx1");
	tl_tmux_see("[PAUSED: Space or Enter goes on]");
	tl_tmux_press("Space");
	/* the run stopped on the first trap, and the CPU view explains it */
	tl_tmux_see("Handler path: lgdt [esp + 0xa] (privileged)");
	tl_tmux_see("Guest > VMM > Guest");	/* the VMM emulates it, alone */
	tl_tmux_see("insn 5,927 ");
	tl_tmux_see("Paused: Space goes on");	/* the hop-by-hop replay is over */
	/*
	 * The explanation pane is short at 120x40: it says it scrolls
	 * without cutting its own title, and Down reaches the course text's
	 * sentence and what ESX really does.
	 */
	tl_tmux_see("[Down: more below]");
	tl_tmux_press("Down");
	tl_tmux_see("[Up/Down: more]");
	tl_tmux_see("What happened, and why");
	for (int i = 0; i < 12; i++)
		tl_tmux_press("Down");
	tl_tmux_see("ESX really does: It trapped");	/* the course text, then the truth */
	tl_tmux_see("[Up: more above]");
	/* explore: a step, a step back, no further than the pause */
	tl_tmux_press("s");
	tl_tmux_see("insn 5,928 ");
	tl_tmux_see("Handler path: add esp, 0x10 (innocuous)");
	tl_tmux_press("b");
	tl_tmux_see("insn 5,927 ");
	tl_tmux_press("b");
	tl_tmux_see("Back stops at the pause");
	tl_tmux_press("s");
	tl_tmux_press("s");
	tl_tmux_see("insn 5,929 ");
	/* the views still switch */
	tl_tmux_press("5");
	tl_tmux_see("[5 Log]");
	tl_tmux_press("1");
	/* Space: back where the lesson was, and on */
	tl_tmux_press("Space");
	tl_tmux_see("insn 5,927 ");
	/* skip ahead, pause after pause, to the end: every expect holds */
	for (int i = 0; i < 9; i++)
		tl_tmux_press("'>'");
	tl_tmux_see("[the end]");
	tl_tmux_see("30 expects, all held");
	tl_tmux_press("q");
	tl_tmux_see("RINGSIDE-EXIT=0");
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
	tl_tmux_play(path, 100, 30);
	tl_tmux_see("The world so far");
	tl_tmux_see("Before any VM, the card shows this.");
	tl_tmux_see("(nothing yet: the scenario has not made a host)");
	tl_tmux_press("Enter");
	tl_tmux_see("host esx7");
	tl_tmux_see("VM model");
	tl_tmux_see("A modelled VM is no reason to open the views.");
	tl_tmux_press("Space");
	tl_tmux_see("[1 CPU]");
	snprintf(want, sizeof want, "FAIL a failure, on purpose (%s:10)", path);
	tl_tmux_see(want);
	tl_tmux_see("[the end]");
	tl_tmux_see("SOME FAILED");
	tl_tmux_press("q");
	tl_tmux_see("RINGSIDE-EXIT=1");
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
	tl_tmux_play(path, 130, 40);
	tl_tmux_see("press D");
	tl_tmux_press("7");
	tl_tmux_see("DRS: imbalance 0.122, target 0.115: unbalanced; last pass 1 move");
	tl_tmux_see("1. priority 3: h1 at 0.65, h3 at 0.35; moving db (1,500 MHz) makes every host 0.50");
	tl_tmux_press("D");
	tl_tmux_see("Applied: h1 at 0.65, h3 at 0.35");
	tl_tmux_press("Space");
	tl_tmux_see("[the end]");
	tl_tmux_see("1 expect, all held");
	tl_tmux_press("q");
	tl_tmux_see("RINGSIDE-EXIT=0");
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
	tl_tmux_play(path, 100, 30);
	tl_tmux_see("[stopped: script error]");
	snprintf(want, sizeof want, "%s:5: attempt to concatenate a nil value",
		 path);
	tl_tmux_see(want);
	tl_tmux_press("q");
	tl_tmux_see("RINGSIDE-EXIT=2");
	unlink(path);
}

/*
 * ^C or q while the script is busy in Lua, in one heavy instruction after
 * another (each copies a vararg of 200,000 values): the script stops at
 * its next instruction and the TUI quits at once, naming the line.  Both
 * used to wait for the script's 10 s CPU limit, the keys unread.  On the
 * title card (no VM yet), and in the views (vm: a VM runs hello first).
 */
static void busy_script_quits(bool vm, const char *key, const char *why)
{
	char path[256], want[320], text[600];
	struct timespec t0, t1;

	tl_temp_file(path, sizeof path, ".lua");
	snprintf(text, sizeof text, "%s"
		 "local t = {} for i = 1, 200000 do t[i] = i end\n"
		 "say('busy now')\n"
		 "local function f(...)\n"
		 "  for i = 1, 1e9 do local _ = select('#', ...) end\n"
		 "end\n"
		 "f(table.unpack(t))\n",
		 vm ? "host{}:add_vm{name='v', guest='hello'}\n" : "");
	tl_write_file(path, text);
	tl_tmux_play(path, 100, 30);
	tl_tmux_see("busy now");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	tl_tmux_press(key);
	/* the signal's status; q's is the verdict: a script error */
	tl_tmux_see(strcmp(key, "q") == 0 ? "RINGSIDE-EXIT=2" : "RINGSIDE-EXIT=130");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* busy in the loop, or (a key that came early) in the call that
	   copies the vararg, one line below */
	snprintf(want, sizeof want, "%s:%d: the scenario %s", path, vm ? 5 : 4, why);
	if (!strstr(tl_tmux_screen, want))
		snprintf(want, sizeof want, "%s:%d: the scenario %s", path,
			 vm ? 7 : 6, why);
	tl_tmux_see(want);
	if (t1.tv_sec - t0.tv_sec > 3)
		fail_msg("%s took %lld s to quit", key, (long long)(t1.tv_sec - t0.tv_sec));
	tl_tmux_stop();
	unlink(path);
}

static void busy_script_quits_on_keys(void **state)
{
	(void)state;
	busy_script_quits(false, "C-c", "was stopped by signal 2");
	busy_script_quits(false, "q", "was stopped: q was pressed while it ran");
	busy_script_quits(true, "C-c", "was stopped by signal 2");
	busy_script_quits(true, "q", "was stopped: q was pressed while it ran");
}

/*
 * The scenario at path played in tmux as tl_tmux_play does, its pid (the
 * shell's, which execs ringside) written to pidfile for a kill(2).
 */
static void play_with_pid(const char *path, const char *pidfile)
{
	char here[PATH_MAX], cmd[PATH_MAX * 2 + 512];

	assert_non_null(getcwd(here, sizeof here));
	snprintf(cmd, sizeof cmd,
		 "cd '%s' && sh -c 'echo \\$\\$ >%s; exec ./ringside %s'; "
		 "echo RINGSIDE-EXIT=\\$?; sleep 600", here, pidfile, path);
	tl_tmux_start(cmd, 100, 30);
}

/*
 * The TUI ends as a headless run does: a quit signal's status is 128 + its
 * number (^C 130, SIGTERM 143), whatever the verdict; q exits with the
 * verdict so far (here one expect failed before the pause: 1).  Both
 * signals used to exit 0, so a script that ran the TUI took an
 * interrupted lesson for a passed one.  The guest's TUI (no scenario)
 * too.
 */
static void signals_quit_with_their_status(void **state)
{
	char path[256], pidfile[256];
	FILE *f;
	int pid = 0;

	(void)state;
	tl_temp_file(path, sizeof path, ".lua");
	tl_temp_file(pidfile, sizeof pidfile, ".pid");
	tl_write_file(path,
		   "-- signals: a test\n"
		   "local h = host{}\n"
		   "h:add_vm{name='v', guest='hello'}\n"
		   "run{insns=100}\n"
		   "expect(false, 'a failure, on purpose')\n"
		   "say('paused here')\n"
		   "pause()\n"
		   "say('never')\n");
	tl_tmux_play(path, 100, 30);
	tl_tmux_see("paused here");
	tl_tmux_press("q");
	tl_tmux_see("RINGSIDE-EXIT=1");
	tl_tmux_play(path, 100, 30);
	tl_tmux_see("paused here");
	tl_tmux_press("C-c");
	tl_tmux_see("RINGSIDE-EXIT=130");
	play_with_pid(path, pidfile);
	tl_tmux_see("paused here");
	assert_non_null(f = fopen(pidfile, "r"));
	assert_int_equal(fscanf(f, "%d", &pid), 1);
	fclose(f);
	assert_true(pid > 1);
	assert_int_equal(kill(pid, SIGTERM), 0);
	tl_tmux_see("RINGSIDE-EXIT=143");
	/* the guest's own TUI, the guest still running */
	tl_tmux_play("--guest scenarios/guests/hello.elf", 100, 30);
	tl_tmux_see("[1 CPU]");
	tl_tmux_press("C-c");
	tl_tmux_see("RINGSIDE-EXIT=130");
	tl_tmux_stop();
	unlink(pidfile);
	unlink(path);
}

/*
 * A guest that fills its datastore: the status line says the VM is
 * paused for want of disk space, the CPU view quotes ESX's question, and
 * ESX's two answers are keys: Y (Retry: with no room freed, paused again)
 * and C (Cancel: powered off).
 */
static void full_datastore_in_the_tui(void **state)
{
	char path[256];

	(void)state;
	tl_temp_file(path, sizeof path, ".lua");
	tl_write_file(path,
		   "-- diskfull: a test\n"
		   "local vm = host{}:add_vm{name='v', guest='build/guests/diskfill.elf', disk_mb=1}\n"
		   "vm:set_datastore_room(8)\n"
		   "run{until_event='power', match={reason='no-space'}}\n"
		   "say('the datastore is full')\n"
		   "pause()\n");
	tl_tmux_play(path, 120, 40);
	tl_tmux_see("the datastore is full");
	tl_tmux_see("VM PAUSED (no disk space)");
	tl_tmux_see("ESX asks: There is no more space for virtual disk");
	tl_tmux_press("Y");
	tl_tmux_see("Retry: still no space on the datastore");
	tl_tmux_see("VM PAUSED (no disk space)");
	tl_tmux_press("C");
	tl_tmux_see("Cancel: v is powered off");
	tl_tmux_see("VM OFF");
	tl_tmux_press("q");
	tl_tmux_see("RINGSIDE-EXIT=0");
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
	tl_tmux_play(path, 120, 40);
	tl_tmux_see("[3 Worlds]");
	tl_tmux_see("vmm0:v");
	tl_tmux_press("Space");
	/* refused with the reason, and the verdict counts it */
	snprintf(want, sizeof want, "FAIL tui(\"no-such-command\") refused: no such command: 'no-such-command'");
	tl_tmux_see(want);
	tl_tmux_see("after");
	tl_tmux_press("Space");
	tl_tmux_see("a tui() command was refused");
	tl_tmux_press("q");
	tl_tmux_see("RINGSIDE-EXIT=1");
	unlink(path);
	/* headless: tui() does nothing, and the scenario passes */
	tl_write_file(path, "-- tui: a test\ntui('view worlds')\nexpect(true, 'fine')\n");
	snprintf(want, sizeof want, "./ringside --headless %s >/dev/null", path);
	assert_int_equal(system(want), 0);
	/* ... unless it names a command the TUI does not have */
	tl_write_file(path, "-- tui: a test\ntui('no-such-view')\nexpect(true, 'fine')\n");
	assert_int_equal(WEXITSTATUS(system(want)), 1);
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
	tl_tmux_play(path, 80, 24);	/* the smallest terminal */
	snprintf(want, sizeof want, "Scenario %.*s: a test",
		 (int)(strlen(base) - 4), base);
	tl_tmux_see(want);
	tl_tmux_press("Space");
	tl_tmux_see("insn 3 ");
	tl_tmux_see("Handler path: ");		/* the last step, recorded */
	tl_tmux_see("three");
	tl_tmux_press("q");
	tl_tmux_see("RINGSIDE-EXIT=0");
	unlink(path);
}

/* A cast's output events, decoded from JSON, as the bytes a terminal gets. */
static size_t replay_bytes(char *cast, FILE *out)
{
	size_t total = 0;
	char *save;

	for (char *line = strtok_r(cast, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *p = strstr(line, ", \"o\", \"");

		if (line[0] != '[' || p == NULL)
			continue;
		for (p += 8; *p && *p != '"'; p++, total++) {
			if (*p == '\\' && p[1] == 'u') {
				fputc((int)strtol((char[]){ p[2], p[3], p[4], p[5], 0 }, NULL, 16), out);
				p += 5;
			} else if (*p == '\\') {
				fputc(*++p, out);
			} else {
				fputc(*p, out);
			}
		}
	}
	return total;
}

/*
 * --record writes an asciinema v2 cast: a header, output, markers; it
 * sends only what changed, yet replayed in a terminal of the same size it
 * ends on the very screen the TUI showed.
 */
static void record_writes_a_cast(void **state)
{
	char path[] = "/tmp/ringside-cast-XXXXXX", bytes[] = "/tmp/ringside-bytes-XXXXXX";
	char *cast, *line, *save, live[sizeof tl_tmux_screen], cmd[128];
	int outputs = 0, markers = 0, lines = 0, fd;
	FILE *f;

	(void)state;
	assert_true((fd = mkstemp(path)) >= 0);
	close(fd);
	{
		char args[128];

		snprintf(args, sizeof args, "--record %s rings", path);
		tl_tmux_play(args, 100, 30);
	}
	tl_tmux_see("Scenario rings");
	tl_tmux_see("[PAUSED");
	tl_tmux_press("'>'");			/* the next pause, past the pages */
	tl_tmux_see("ok the probe dropped from ring 0 to ring 3");
	/* the run ended on the ring change: the path is the IRETD's */
	tl_tmux_see("Handler path: iretd (sensitive)");
	tl_tmux_press("s");			/* explore a little: the screen changes */
	tl_tmux_see("insn ");
	tl_tmux(true, "capture-pane -p -t s");
	snprintf(live, sizeof live, "%s", tl_tmux_screen);
	tl_tmux_press("q");
	tl_tmux_see("RINGSIDE-EXIT=0");
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
	/* replayed in tmux: the same final screen */
	cast = tl_slurp(path, NULL);
	assert_true((fd = mkstemp(bytes)) >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_true(replay_bytes(cast, f) > 1000);
	fclose(f);
	free(cast);
	snprintf(cmd, sizeof cmd, "cat '%s'; sleep 600", bytes);
	tl_tmux_start(cmd, 100, 30);
	tl_tmux_see("Scenario rings");
	{
		struct timespec tick = { 0, 200 * 1000000L };

		nanosleep(&tick, NULL);	/* the whole file, not its start */
	}
	tl_tmux(true, "capture-pane -p -t s");
	if (strcmp(tl_tmux_screen, live) != 0) {
		fprintf(stderr, "live:\n%s\nreplayed:\n%s\n", live, tl_tmux_screen);
		fail_msg("the replayed cast does not end on the live screen");
	}
	unlink(bytes);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(tour_narrates_and_waits, tl_tmux_teardown),
		cmocka_unit_test_teardown(drs_key_applies_a_recommendation, tl_tmux_teardown),
		cmocka_unit_test_teardown(title_card_before_the_first_vm, tl_tmux_teardown),
		cmocka_unit_test_teardown(script_error_is_shown, tl_tmux_teardown),
		cmocka_unit_test_teardown(busy_script_quits_on_keys, tl_tmux_teardown),
		cmocka_unit_test_teardown(signals_quit_with_their_status, tl_tmux_teardown),
		cmocka_unit_test_teardown(full_datastore_in_the_tui, tl_tmux_teardown),
		cmocka_unit_test_teardown(tui_commands, tl_tmux_teardown),
		cmocka_unit_test_teardown(slow_runs_are_stepped, tl_tmux_teardown),
		cmocka_unit_test_teardown(record_writes_a_cast, tl_tmux_teardown),
	};
	int rc;

	if ((rc = tl_tmux_suite()) != 0)
		return rc;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
