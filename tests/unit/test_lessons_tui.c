/*
 * test_lessons_tui.c - every bundled lesson played in the real TUI, in
 * tmux, at three terminal sizes, page by page to the end: no narration
 * row and no pane's text cut at any size; the student's keys at a pause
 * (exploring, then going on from where the lesson was); the worlds view
 * scrolling; the cluster's boxes; a modelled migration's animation.
 *
 * The terminal is testlib's tl_tmux_* (as in test_scenario_tui.c).
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


/* ---- every bundled lesson, at three sizes ------------------------------------- */

static size_t nsizes = 3;	/* sizes every lesson is played at */

/* (vmotion's runs outlast TL_TMUX_WAIT_MS on two busy cores even at full
 * speed: explore_at_vmotion_pauses plays it at the three sizes, waiting
 * longer, and scans its narration and panes) */
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
	char copy[sizeof tl_tmux_screen], *save, *line;
	bool in = false;
	int rows = 0;

	snprintf(copy, sizeof copy, "%s", tl_tmux_screen);
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
				where, row, tl_tmux_screen);
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
	tl_tmux_play(path, 120, 40);
	tl_tmux_see("[7 Cluster]");
	/* round 0 sends 1024 MiB at 200 MB/s: about 5 s simulated */
	for (int t = 0; t < TL_TMUX_WAIT_MS && nseen < 16; t += 40) {
		const char *at;
		char left[16];

		tl_tmux(true, "capture-pane -p -t s");
		if (strstr(tl_tmux_screen, "[the end]"))
			break;
		at = strstr(tl_tmux_screen, "pre-copy round 0 [");
		if (at && sscanf(strchr(at, ']') + 1, " %15s MiB left", left) == 1 &&
		    (nseen == 0 || strcmp(seen[nseen - 1], left) != 0))
			snprintf(seen[nseen++], sizeof seen[0], "%s", left);
		nanosleep(&tick, NULL);
	}
	if (nseen < 3) {
		fprintf(stderr, "round 0 showed %d value(s) of what is left:\n%s\n",
			nseen, tl_tmux_screen);
		fail_msg("round 0 of a modelled migration is not animated");
	}
	tl_tmux_press("q");
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
	static const int sizes[][2] = { { 120, 40 }, { 100, 30 }, { 80, 24 } };
	static char before[sizeof tl_tmux_screen];
	char first[64], where[64];
	char *told = narration_of("vmotion", first, sizeof first);

	(void)state;
	for (size_t z = 0; z < sizeof sizes / sizeof sizes[0] && z < nsizes; z++) {
		int pages = 0;

		snprintf(where, sizeof where, "vmotion at %dx%d", sizes[z][0],
			 sizes[z][1]);
		tl_tmux_play("vmotion", sizes[z][0], sizes[z][1]);
		tl_tmux_see("[PAUSED");
		tl_tmux_see(first);
		while (!strstr(tl_tmux_screen, "[the end]") && pages++ < 80) {
			struct timespec settle = { 0, 300 * 1000000L };

			tl_tmux_press("s");
			tl_tmux_press("s");
			tl_tmux_press("b");
			nanosleep(&settle, NULL);
			tl_tmux(true, "capture-pane -p -t s");
			if (strstr(tl_tmux_screen, "failed") ||
			    strstr(tl_tmux_screen, "cannot go back"))
				fail_msg("exploring at a pause: %s", tl_tmux_screen);
			scan_narration(told, where);
			scan_panes(where);
			snprintf(before, sizeof before, "%s", tl_tmux_screen);
			tl_tmux_press("Space");
			for (int t = 0; t < 10 && !next_stop(before); t++)
				;	/* a long run at full speed */
		}
		/* every expect held: the exit status (the status line says it
		 * too, cut with an ellipsis at 80 columns) */
		tl_tmux_see("[the end]");
		tl_tmux_press("q");
		tl_tmux_see("RINGSIDE-EXIT=0");
	}
}

/* The capture's line y as code points (box drawing is 3 bytes of UTF-8). */
static int row_cells(int y, uint32_t *cells, int max)
{
	const unsigned char *p = (const unsigned char *)tl_tmux_screen;
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
		const char *line = tl_tmux_screen;

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
						where, y, tl_tmux_screen);
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

	for (int t = 0; t < TL_TMUX_WAIT_MS; t += 30) {
		tl_tmux(true, "capture-pane -p -t s");
		if (strstr(tl_tmux_screen, "Replaying the last"))
			tl_tmux_press("Space");		/* the replay is tested elsewhere */
		if (strstr(tl_tmux_screen, "[running]") && t % 990 == 0)
			tl_tmux_press("Space");	/* a paced run: pages, then full speed */
		if (strcmp(tl_tmux_screen, before) != 0 &&
		    (strstr(tl_tmux_screen, "[PAUSED") || strstr(tl_tmux_screen, "[the end]")))
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
	static char before[sizeof tl_tmux_screen];

	(void)state;
	for (size_t l = 0; l < sizeof lessons / sizeof lessons[0]; l++) {
		char first[64], where[64];
		char *told = narration_of(lessons[l], first, sizeof first);

		for (size_t z = 0; z < sizeof sizes / sizeof sizes[0] && z < nsizes; z++) {
			int pages = 0;

			snprintf(where, sizeof where, "%s at %dx%d", lessons[l],
				 sizes[z][0], sizes[z][1]);
			tl_tmux_play(lessons[l], sizes[z][0], sizes[z][1]);
			tl_tmux_see("[PAUSED");
			tl_tmux_see(first);
			before[0] = '\0';
			while (!strstr(tl_tmux_screen, "[the end]") && pages++ < 80) {
				scan_narration(told, where);
				scan_panes(where);
				snprintf(before, sizeof before, "%s", tl_tmux_screen);
				tl_tmux_press("Space");
				if (!next_stop(before)) {
					fprintf(stderr, "%s\n", tl_tmux_screen);
					fail_msg("%s: stuck after page %d", where, pages);
				}
			}
			scan_narration(told, where);
			scan_panes(where);
			tl_tmux_press("q");
			tl_tmux_see("RINGSIDE-EXIT=0");
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
	tl_tmux_play("bt", 120, 40);
	tl_tmux_see("[PAUSED");
	tl_tmux_see("[4 Translation]");		/* tui("view xlat"), on kernel-bt */
	tl_tmux_see("VM kernel-bt: tour.elf  mode bt");
	tl_tmux_press("?");
	tl_tmux_see("IN A LESSON");
	tl_tmux_see("explore (step, back, next trap");
	tl_tmux_press("1");
	tl_tmux_press("v");			/* focus changes the view */
	tl_tmux_see("On screen: VM kernel-te");
	tl_tmux_see("VM kernel-te: tour.elf  mode te");
	tl_tmux_press("v");
	tl_tmux_see("On screen: VM kernel-bt");
	tl_tmux_press("'>'");			/* the LGDT of both; kernel-te on screen */
	tl_tmux_see("VM kernel-te: tour.elf  mode te");
	tl_tmux_see("Handler path: lgdt [esp + 0xa] (privileged)");
	tl_tmux_see("Guest > VMM > Guest");	/* the VMM emulates it, alone */
	tl_tmux_press("v");			/* kernel-bt ran on meanwhile: its own last */
	tl_tmux_see("On screen: VM kernel-bt");
	tl_tmux_see("VM kernel-bt: tour.elf  mode bt");
	tl_tmux_press("v");
	tl_tmux_press("n");			/* explore: the next trap of kernel-te */
	tl_tmux_see("Stopped after the VMM took over");
	tl_tmux_press("t");
	tl_tmux_see("Quiz on");
	tl_tmux_press("P");
	tl_tmux_see("Presenter layout");
	tl_tmux_press("P");
	tl_tmux_press("Up");
	tl_tmux_press("Escape");
	tl_tmux_see("The key Esc does nothing here");
	tl_tmux_press("Space");			/* back where the lesson was ... */
	tl_tmux_see("insn 13,135 ");
	tl_tmux_press("'>'");			/* ... and on */
	tl_tmux_see("ok kernel-bt: no privileged instruction trapped");
	tl_tmux_press("q");
}

/* The Worlds view scrolls to the hosts below the screen; dead worlds go. */
static void worlds_view_scrolls(void **state)
{
	(void)state;
	tl_tmux_play("worlds", 80, 24);
	tl_tmux_see("[PAUSED");
	tl_tmux_press("'>'");
	tl_tmux_press("'>'");
	tl_tmux_see("esx4");			/* the narration names the third host */
	tl_tmux_press("3");
	tl_tmux_see("[3 Worlds]");
	tl_tmux_see("[Down: more");
	tl_tmux_see("of VMs powered off: gone)");
	for (int i = 0; i < 12; i++)
		tl_tmux_press("Down");
	/* more above and below: the short hint, whole in 80 columns */
	tl_tmux_see("instructions   [Up/Down: more]");
	tl_tmux_see("esx4 (esx)");
	tl_tmux_see("vmm0:c");
	tl_tmux_press("q");
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

		tl_tmux_play("ha", widths[w], 40);
		tl_tmux_see("[PAUSED");
		tl_tmux_press("7");
		tl_tmux_see("[7 Cluster]");
		tl_tmux_see("CPU [");
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
							widths[w], y + dy, x, tl_tmux_screen);
						fail_msg("a host box's text crosses its border at %d columns",
							 widths[w]);
					}
				}
			}
			boxes++;
		}
		assert_true(boxes >= 1);
		tl_tmux_press("q");
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(keys_at_a_pause, tl_tmux_teardown),
		cmocka_unit_test_teardown(worlds_view_scrolls, tl_tmux_teardown),
		cmocka_unit_test_teardown(cluster_boxes_fit, tl_tmux_teardown),
		cmocka_unit_test_teardown(modelled_migration_animates, tl_tmux_teardown),
		cmocka_unit_test_teardown(explore_at_vmotion_pauses, tl_tmux_teardown),
		cmocka_unit_test_teardown(every_pause_of_every_lesson, tl_tmux_teardown),
	};
	int rc;

	(void)argc;
	/* the sanitized build checks memory, not layout: the smallest size */
	if (strstr(argv[0], "/san/"))
		nsizes = 1;
	if ((rc = tl_tmux_suite()) != 0)
		return rc;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
