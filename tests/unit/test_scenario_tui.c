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
#include <sys/wait.h>
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

/*
 * The tour: narration under the views, opening at the start of each
 * pause's text and paged with Space; at a pause the student explores
 * (step, back) and Space goes on from where the lesson was; > to the end.
 */
static void tour_narrates_and_waits(void **state)
{
	(void)state;
	play("tour", 120, 40);
	see("Scenario tour: everything in 10 minutes");
	see("Welcome to ringside.");	/* the page opens at its start */
	see("[more below: Space]");
	see("[PAUSED: Space shows more]");
	see("[1 CPU]");			/* the views are up, on vm1 */
	see("insn 0 ");
	press("Space");
	see("[more above: []");
	press("Space");
	see("A VM, vm1, now exists on esx1");
	see("[PAUSED: Space or Enter goes on]");
	press("Space");
	/* the run stopped on the first trap, and the CPU view explains it */
	see("Handler path: lgdt [esp + 0xa] (privileged)");
	see("Guest > VMM > Guest");	/* the VMM emulates it, alone */
	see("insn 5,927 ");
	see("Paused: Space goes on");	/* the hop-by-hop replay is over */
	/*
	 * The explanation pane is short at 120x40: it says it scrolls
	 * without cutting its own title, and Down reaches the course text's
	 * sentence and what ESX really does.
	 */
	see("[Down: more below]");
	press("Down");
	see("[Up/Down: more]");
	see("What happened, and why");
	for (int i = 0; i < 12; i++)
		press("Down");
	see("ESX really does: It trapped");	/* the course text, then the truth */
	see("[Up: more above]");
	/* explore: a step, a step back, no further than the pause */
	press("s");
	see("insn 5,928 ");
	see("Handler path: add esp, 0x10 (innocuous)");
	press("b");
	see("insn 5,927 ");
	press("b");
	see("Back stops at the pause");
	press("s");
	press("s");
	see("insn 5,929 ");
	/* the views still switch */
	press("5");
	see("[5 Log]");
	press("1");
	/* Space: back where the lesson was, and on */
	press("Space");
	see("insn 5,927 ");
	/* skip ahead, pause after pause, to the end: every expect holds */
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
	/* refused with the reason, and the verdict counts it */
	snprintf(want, sizeof want, "FAIL tui(\"no-such-command\") refused: no such command: 'no-such-command'");
	see(want);
	see("after");
	press("Space");
	see("a tui() command was refused");
	press("q");
	see("RINGSIDE-EXIT=1");
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
	char *cast, *line, *save, live[sizeof shown];
	int outputs = 0, markers = 0, lines = 0, fd;
	FILE *f;

	(void)state;
	assert_true((fd = mkstemp(path)) >= 0);
	close(fd);
	{
		char args[128];

		snprintf(args, sizeof args, "--record %s rings", path);
		play(args, 100, 30);
	}
	see("Scenario rings");
	see("[PAUSED");
	press("'>'");			/* the next pause, past the pages */
	see("ok the probe dropped from ring 0 to ring 3");
	/* the run ended on the ring change: the path is the IRETD's */
	see("Handler path: iretd (sensitive)");
	press("s");			/* explore a little: the screen changes */
	see("insn ");
	tm(true, "capture-pane -p -t s");
	snprintf(live, sizeof live, "%s", shown);
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
	/* replayed in tmux: the same final screen */
	cast = tl_slurp(path, NULL);
	assert_true((fd = mkstemp(bytes)) >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_true(replay_bytes(cast, f) > 1000);
	fclose(f);
	free(cast);
	stop_server();
	snprintf(server, sizeof server, "rs-scn-%d-%d", (int)getpid(), ++servers);
	tm(false, "new-session -d -s s -x 100 -y 30 \"cat '%s'; sleep 600\"", bytes);
	see("Scenario rings");
	{
		struct timespec tick = { 0, 200 * 1000000L };

		nanosleep(&tick, NULL);	/* the whole file, not its start */
	}
	tm(true, "capture-pane -p -t s");
	if (strcmp(shown, live) != 0) {
		fprintf(stderr, "live:\n%s\nreplayed:\n%s\n", live, shown);
		fail_msg("the replayed cast does not end on the live screen");
	}
	unlink(bytes);
	unlink(path);
}

/* ---- every bundled lesson, at three sizes ------------------------------------- */

static size_t nsizes = 3;	/* sizes every lesson is played at */

/* (vmotion's runs outlast WAIT_MS on two busy cores even at full speed:
 * explore_at_vmotion_pauses plays it and scans its panes) */
static const char *const lessons[] = {
	"bt", "drs", "ha", "holes", "hosted_vs_esx", "rings", "smp", "tour",
	"vcb", "vmx", "worlds"
};

/* Runs of blanks to one blank, in place; returns s. */
static char *squeeze(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++)
		if (!(isspace((unsigned char)*r) && (w == s || w[-1] == ' ')))
			*w++ = isspace((unsigned char)*r) ? ' ' : *r;
	*w = '\0';
	return s;
}

/*
 * What a lesson says, headless: its narration, blanks squeezed; and the
 * first three words of its first say (the paragraph after the heading).
 */
static char *narration_of(const char *name, char *first, size_t size)
{
	static char text[1 << 17];
	char cmd[128];
	const char *say;
	size_t n = 0;
	int words = 0;

	snprintf(cmd, sizeof cmd, "./ringside --headless %s", name);
	tl_sh(cmd, text, sizeof text);
	say = strstr(text, "\n\n");
	assert_non_null(say);
	for (say += 2; *say && n + 1 < size; say++) {
		words += *say == ' ' || *say == '\n';
		if (words == 3)
			break;
		first[n++] = *say == '\n' ? ' ' : *say;
	}
	first[n] = '\0';
	return squeeze(text);
}

/*
 * The narration rows of a capture (between the pane's title and the status
 * line) are whole: each is a piece of what the lesson says, never a word
 * or a number cut at the pane's edge.  Returns the rows checked.
 */
static int scan_narration(const char *told, const char *where)
{
	char copy[sizeof shown], *save, *line;
	bool in = false;
	int rows = 0;

	snprintf(copy, sizeof copy, "%s", shown);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char row[512];

		if (strstr(line, " Scenario ") == line) {
			in = true;
			continue;
		}
		if (!in)
			continue;
		if (strncmp(line, " PAUSED", 7) == 0 || strncmp(line, " VM ", 4) == 0 ||
		    strncmp(line, " RUNNING", 8) == 0 ||	/* the status line */
		    strncmp(line, " Paused.", 8) == 0 ||	/* ... of the title card */
		    strncmp(line, " Playing", 8) == 0 ||
		    strncmp(line, " The scenario is over", 21) == 0)
			break;
		snprintf(row, sizeof row, "%s", line);
		squeeze(row);
		if (row[0] == ' ')
			memmove(row, row + 1, strlen(row));
		if (row[0] == '\0' || strncmp(row, "ok ", 3) == 0 ||
		    strncmp(row, "FAIL ", 5) == 0)
			continue;
		if (row[strlen(row) - 1] == ' ')
			row[strlen(row) - 1] = '\0';
		if (strstr(told, row) == NULL) {
			fprintf(stderr, "%s: a narration row that the lesson never said:\n[%s]\n%s\n",
				where, row, shown);
			fail_msg("%s: cut narration row [%s]", where, row);
		}
		rows++;
	}
	return rows;
}

/*
 * A modelled VM's migration (no instructions pace it) is animated in the
 * Cluster view: round 0's bar fills in frames, "MiB left" counting down,
 * instead of jumping from the round's start to its end.
 */
static void modelled_migration_animates(void **state)
{
	char path[64], seen[16][16];
	int nseen = 0;
	struct timespec tick = { 0, 40 * 1000000L };

	(void)state;
	snprintf(path, sizeof path, "/tmp/ringside-anim.%d.lua", (int)getpid());
	tl_write_file(path,
		   "-- anim: a modelled VM's VMotion in the Cluster view\n"
		   "local c = cluster{name='prod', shared_datastore='san0'}\n"
		   "local h1 = c:add_host{name='h1'}\n"
		   "local h2 = c:add_host{name='h2'}\n"
		   "local db = c:add_vm{name='db', host=h1, mem_mb=1024, cpu_mhz=500, dirty_mb_s=8}\n"
		   "c:add_vm{name='mon', host=h1, guest='hello', mem_mb=16}\n"
		   "run{seconds=0.1}\n"
		   "tui('view cluster')\n"
		   "local r = vmotion(db, h2, {bandwidth_mb_s=200})\n"
		   "expect(r.ok, 'db moved')\n");
	play(path, 120, 40);
	see("[7 Cluster]");
	/* round 0 sends 1024 MiB at 200 MB/s: about 5 s simulated */
	for (int t = 0; t < WAIT_MS && nseen < 16; t += 40) {
		const char *at;
		char left[16];

		tm(true, "capture-pane -p -t s");
		if (strstr(shown, "[the end]"))
			break;
		at = strstr(shown, "pre-copy round 0 [");
		if (at && sscanf(strchr(at, ']') + 1, " %15s MiB left", left) == 1 &&
		    (nseen == 0 || strcmp(seen[nseen - 1], left) != 0))
			snprintf(seen[nseen++], sizeof seen[0], "%s", left);
		nanosleep(&tick, NULL);
	}
	if (nseen < 3) {
		fprintf(stderr, "round 0 showed %d value(s) of what is left:\n%s\n",
			nseen, shown);
		fail_msg("round 0 of a modelled migration is not animated");
	}
	press("q");
	unlink(path);
}

/*
 * Exploring at every pause of the vmotion lesson (some fall in the middle
 * of a migration): steps and a step back, then Space.  VirtualCenter
 * waits while the student explores, so the lesson goes on from where it
 * was and every expect still holds.
 */
static bool next_stop(const char *before);
static int scan_panes(const char *where);

static void explore_at_vmotion_pauses(void **state)
{
	static char before[sizeof shown];
	int pages = 0;

	(void)state;
	play("vmotion", 120, 40);
	see("[PAUSED");
	while (!strstr(shown, "[the end]") && pages++ < 80) {
		struct timespec settle = { 0, 300 * 1000000L };

		press("s");
		press("s");
		press("b");
		nanosleep(&settle, NULL);
		tm(true, "capture-pane -p -t s");
		if (strstr(shown, "failed") || strstr(shown, "cannot go back"))
			fail_msg("exploring at a pause: %s", shown);
		scan_panes("vmotion at 120x40");
		snprintf(before, sizeof before, "%s", shown);
		press("Space");
		for (int t = 0; t < 10 && !next_stop(before); t++)
			;		/* a long run at full speed */
	}
	see("all held");
	press("q");
}

/* The capture's line y as code points (box drawing is 3 bytes of UTF-8). */
static int row_cells(int y, uint32_t *cells, int max)
{
	const unsigned char *p = (const unsigned char *)shown;
	int n = 0;

	for (int k = 0; k < y && *p; p++)
		k += *p == '\n';
	while (*p && *p != '\n' && n < max) {
		uint32_t c = *p++;

		if (c >= 0xe0) {
			c = (c & 0x0f) << 12 | (p[0] & 0x3fu) << 6 | (p[1] & 0x3fu);
			p += 2;
		} else if (c >= 0xc0) {
			c = (c & 0x1f) << 6 | (p[0] & 0x3fu);
			p++;
		}
		cells[n++] = c;
	}
	return n;
}

/*
 * Every pane of a capture (not only the narration): no word or number
 * runs straight into a mark drawn over it (a pane title cut by its
 * scroll mark, "What happened, and w[Down: more below]", as 80 columns
 * showed).  Text cut at a pane's edge ends in an ellipsis (draw_text);
 * text that merely fills a pane to its last column is not a cut, so the
 * edge itself is not checked.  Returns the rows checked.
 */
static int scan_panes(const char *where)
{
	static const char *const marks[] = {
		"[Up", "[Down", "[more", "[PAUSED", "[the end", "[Space"
	};
	int rows = 0;

	for (int y = 0;; y++) {
		const char *line = shown;

		for (int k = 0; k < y && line; k++)
			line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL;
		if (line == NULL || *line == '\0')
			break;
		rows++;
		for (size_t m = 0; m < sizeof marks / sizeof marks[0]; m++) {
			const char *at = line, *end = strchr(line, '\n');

			while ((at = strstr(at, marks[m])) != NULL &&
			       (end == NULL || at < end)) {
				if (at > line && isalnum((unsigned char)at[-1])) {
					fprintf(stderr, "%s: row %d runs into a mark:\n%s\n",
						where, y, shown);
					fail_msg("%s: row %d: text cut by %s", where, y,
						 marks[m]);
				}
				at++;
			}
		}
	}
	return rows;
}

/* Wait until the screen is at a pause or the end (and differs from before). */
static bool next_stop(const char *before)
{
	struct timespec tick = { 0, 30 * 1000000L };

	for (int t = 0; t < WAIT_MS; t += 30) {
		tm(true, "capture-pane -p -t s");
		if (strstr(shown, "Replaying the last"))
			press("Space");		/* the replay is tested elsewhere */
		if (strstr(shown, "[running]") && t % 990 == 0)
			press("Space");	/* a paced run: pages, then full speed */
		if (strcmp(shown, before) != 0 &&
		    (strstr(shown, "[PAUSED") || strstr(shown, "[the end]")))
			return true;
		nanosleep(&tick, NULL);
	}
	return false;
}

/*
 * Every pause of every bundled lesson at 80x24, 100x30 and 120x40: the
 * first pause opens at the lesson's first sentence, and no narration row
 * on any page is cut.  (The sanitized suite plays 80x24 only: it looks for
 * memory errors, and the sizes cost minutes on two cores.)
 */
static void every_pause_of_every_lesson(void **state)
{
	static const int sizes[][2] = { { 80, 24 }, { 100, 30 }, { 120, 40 } };
	static char before[sizeof shown];

	(void)state;
	for (size_t l = 0; l < sizeof lessons / sizeof lessons[0]; l++) {
		char first[64], where[64];
		char *told = narration_of(lessons[l], first, sizeof first);

		for (size_t z = 0; z < sizeof sizes / sizeof sizes[0] && z < nsizes; z++) {
			int pages = 0;

			snprintf(where, sizeof where, "%s at %dx%d", lessons[l],
				 sizes[z][0], sizes[z][1]);
			play(lessons[l], sizes[z][0], sizes[z][1]);
			see("[PAUSED");
			see(first);
			before[0] = '\0';
			while (!strstr(shown, "[the end]") && pages++ < 80) {
				scan_narration(told, where);
				scan_panes(where);
				snprintf(before, sizeof before, "%s", shown);
				press("Space");
				if (!next_stop(before)) {
					fprintf(stderr, "%s\n", shown);
					fail_msg("%s: stuck after page %d", where, pages);
				}
			}
			scan_narration(told, where);
			scan_panes(where);
			press("q");
			see("RINGSIDE-EXIT=0");
		}
	}
}

/*
 * At a pause every key does what Help says: Help lists the lesson's keys;
 * v shows the other VM (the path and the mode in the header are that VM's);
 * P the presenter layout; n runs the VM on screen to its next trap; t
 * opens a quiz question; Space comes back and goes on.
 */
static void keys_at_a_pause(void **state)
{
	(void)state;
	play("bt", 120, 40);
	see("[PAUSED");
	see("[4 Translation]");		/* tui("view xlat"), on kernel-bt */
	see("VM kernel-bt: tour.elf  mode bt");
	press("?");
	see("IN A LESSON");
	see("explore (step, back, next trap");
	press("1");
	press("v");			/* focus changes the view */
	see("On screen: VM kernel-te");
	see("VM kernel-te: tour.elf  mode te");
	press("v");
	see("On screen: VM kernel-bt");
	press("'>'");			/* the LGDT of both; kernel-te on screen */
	see("VM kernel-te: tour.elf  mode te");
	see("Handler path: lgdt [esp + 0xa] (privileged)");
	see("Guest > VMM > Guest");	/* the VMM emulates it, alone */
	press("v");			/* kernel-bt ran on meanwhile: its own last */
	see("On screen: VM kernel-bt");
	see("VM kernel-bt: tour.elf  mode bt");
	press("v");
	press("n");			/* explore: the next trap of kernel-te */
	see("Stopped after the VMM took over");
	press("t");
	see("Quiz on");
	press("P");
	see("Presenter layout");
	press("P");
	press("Up");
	press("Escape");
	see("The key Esc does nothing here");
	press("Space");			/* back where the lesson was ... */
	see("insn 13,135 ");
	press("'>'");			/* ... and on */
	see("ok kernel-bt: no privileged instruction trapped");
	press("q");
}

/* The Worlds view scrolls to the hosts below the screen; dead worlds go. */
static void worlds_view_scrolls(void **state)
{
	(void)state;
	play("worlds", 80, 24);
	see("[PAUSED");
	press("'>'");
	press("'>'");
	see("esx4");			/* the narration names the third host */
	press("3");
	see("[3 Worlds]");
	see("[Down: more");
	see("of VMs powered off: gone)");
	for (int i = 0; i < 12; i++)
		press("Down");
	see("[Up: more");
	see("esx4 (esx)");
	see("vmm0:c");
	press("q");
}

/*
 * The Cluster view's host boxes at 80 to 200 columns: every row of a box
 * has its borders where the box's top corners are, so no line of text
 * runs over a border (the bars' line is the widest).
 */
static void cluster_boxes_fit(void **state)
{
	static const int widths[] = { 80, 100, 120, 130, 200 };

	(void)state;
	for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
		int boxes = 0;

		play("ha", widths[w], 40);
		see("[PAUSED");
		press("7");
		see("[7 Cluster]");
		see("CPU [");
		for (int y = 0; y < 40; y++) {
			uint32_t top[256], row[256];
			int n = row_cells(y, top, 256);

			if (n == 0 || top[0] != 0x250c)		/* a box's top */
				continue;
			for (int dy = 1; dy <= 3; dy++) {
				int m = row_cells(y + dy, row, 256);

				for (int x = 0; x < n; x++) {
					bool corner = top[x] == 0x250c || top[x] == 0x2510;
					bool border = x < m && (row[x] == 0x2502 ||
						row[x] == 0x2514 || row[x] == 0x2518);

					if (corner != border) {
						fprintf(stderr, "%d columns, row %d, column %d:\n%s\n",
							widths[w], y + dy, x, shown);
						fail_msg("a host box's text crosses its border at %d columns",
							 widths[w]);
					}
				}
			}
			boxes++;
		}
		assert_true(boxes >= 1);
		press("q");
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(tour_narrates_and_waits, teardown),
		cmocka_unit_test_teardown(drs_key_applies_a_recommendation, teardown),
		cmocka_unit_test_teardown(title_card_before_the_first_vm, teardown),
		cmocka_unit_test_teardown(script_error_is_shown, teardown),
		cmocka_unit_test_teardown(tui_commands, teardown),
		cmocka_unit_test_teardown(slow_runs_are_stepped, teardown),
		cmocka_unit_test_teardown(record_writes_a_cast, teardown),
		cmocka_unit_test_teardown(keys_at_a_pause, teardown),
		cmocka_unit_test_teardown(worlds_view_scrolls, teardown),
		cmocka_unit_test_teardown(cluster_boxes_fit, teardown),
		cmocka_unit_test_teardown(modelled_migration_animates, teardown),
		cmocka_unit_test_teardown(explore_at_vmotion_pauses, teardown),
		cmocka_unit_test_teardown(every_pause_of_every_lesson, teardown),
	};

	(void)argc;
	/* the sanitized build checks memory, not layout: the smallest size */
	if (strstr(argv[0], "/san/"))
		nsizes = 1;
	if (getcwd(here, sizeof here) == NULL)
		return 1;
	if (getenv("TEST_FILTER"))	/* one test: TEST_FILTER=name */
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	if (tl_sh("tmux -V >/dev/null 2>&1", shown, sizeof shown) != 0) {
		return tl_skip_suite("tmux is not installed");
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
