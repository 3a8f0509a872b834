/*
 * tui.c - the interactive program's loop, tmux style.
 *
 * Start-up, as a script:
 *   1. refuse politely if stdin or stdout is not a terminal (exit 2);
 *   2. decide colour and glyphs (term_probe: NO_COLOR, --no-color, locale);
 *   3. load the guest and power the VM on (errors still go to stderr);
 *   4. take over the terminal.
 * Then, once per iteration: run what is due (app_tick), draw if something
 * changed (at most ~30 frames a second while running fast), wait for a
 * key no longer than the next tick needs, and hand every waiting key to
 * its command.  A resize is just a key (KEY_RESIZE) that asks for a full
 * redraw.  Quitting, by key or by signal, gives the terminal back; a
 * signal's quit exits 128 + its number, as a headless run does.
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "app.h"
#include "keys.h"
#include "play.h"
#include "play_cast.h"
#include "screen.h"
#include "status.h"
#include "term.h"
#include "tui.h"

#define FRAME_MS 33		/* at most ~30 frames a second when busy */
#define KEYS_PER_LOOP 32	/* keys handled before the screen catches up */

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

/* One frame: the screen as the app is now. */
static void frame(struct app *a)
{
	if (a->repaint)
		clearok(curscr, TRUE);
	a->repaint = false;
	a->dirty = false;
	screen_draw(a);
	if (a->cast)		/* --record: this frame too */
		cast_frame(a->cast);
}

void tui_loop(struct app *a)
{
	uint64_t last_draw = now_ms();

	/* the first frame before anything runs: a scenario's script may be
	 * busy for a while before it yields again */
	frame(a);
	while (!a->quit && !term_quit_requested()) {
		uint64_t now = now_ms();
		int key, n = 0;

		app_tick(a, now);
		if (a->quit)
			break;	/* q stopped a busy script: no wait for a key */
		if (a->dirty && (!app_running_fast(a) || now - last_draw >= FRAME_MS)) {
			frame(a);
			last_draw = now;
		}
		key = term_getkey(cast_wait_ms(a->cast, app_wait_ms(a, now_ms())));
		cast_tick(a->cast);	/* --record: a frame held back, now due */
		while (key != ERR && n++ < KEYS_PER_LOOP && !a->quit) {
			if (key == KEY_RESIZE)
				a->dirty = a->repaint = true;
			else if (!(a->play && play_tui_key(a, key)))
				keys_dispatch(a, key);
			key = term_getkey(0);
		}
	}
}

int tui_main(const struct options *opt, const char *guest)
{
	struct vm_config cfg;
	struct app *a;
	char err[300];
	int rc;

	cli_vm_config(opt, guest, &cfg);
	if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
		fprintf(stderr, "ringside: the TUI needs a terminal, and %s is not one.\n"
			"Run without the TUI with --headless, for example:\n"
			"  ringside --headless --guest %s\n",
			isatty(STDOUT_FILENO) ? "standard input" : "standard output",
			guest);
		return EXIT_USAGE;
	}
	if (app_create(&cfg, &a, err, sizeof err) != SIM_OK) {
		fprintf(stderr, "ringside: %s\n", err);
		return EXIT_USAGE;
	}
	a->presenter = opt->presenter;
	if (tui_open(opt, &a->cast) != 0) {
		app_destroy(a);
		return EXIT_USAGE;
	}
	tui_loop(a);
	rc = tui_close(opt, a->cast, NULL);
	app_destroy(a);
	return term_exit_status(rc);
}

int tui_open(const struct options *opt, struct cast **cast)
{
	struct term_caps caps;
	char err[300];

	term_probe(opt->no_color, &caps);
	if (term_open(&caps, err, sizeof err) != 0) {
		fprintf(stderr, "ringside: %s\n", err);
		return -1;
	}
	*cast = NULL;
	if (opt->record && cast_open(opt->record, cast, err, sizeof err) != 0) {
		term_close();
		fprintf(stderr, "ringside: %s\n", err);
		return -1;
	}
	return 0;
}

int tui_close(const struct options *opt, struct cast *cast, const char *input)
{
	int rc = 0;

	if (input != NULL)
		cast_discard(cast);
	else if (cast_close(cast) != 0)
		rc = EXIT_USAGE;
	term_close();
	if (input != NULL) {
		fprintf(stderr, "ringside: --record %s is a %s the scenario read: writing it would destroy it; the recording was not written: give another file\n",
			opt->record, input);
		rc = EXIT_USAGE;
	} else if (rc != 0) {
		fprintf(stderr, "ringside: could not write %s\n", opt->record);
	}
	return rc;
}
