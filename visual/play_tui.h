/*
 * play_tui.h - what the parts of the TUI's scenario player share (not for
 * other files: the TUI itself sees play.h): the player's state, and the
 * narration pane (play_narration.c).
 */
#ifndef VISUAL_PLAY_TUI_H
#define VISUAL_PLAY_TUI_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "layout.h"
#include "scenario.h"
#include "session.h"

struct cast;

#define PLAY_REPLAY_MAX 50	/* run{animate=N}: N at most */

/* A line of the narration, as the pane shows it. */
struct narration {
	enum scenario_line_kind kind;
	char *text;			/* malloc'd; FAIL lines end with (file:line) */
};

/* A scenario playing in the TUI (app->play points at it). */
struct play {
	struct scenario *sc;
	const struct options *opt;	/* the command line */
	struct sim *sim;
	struct cast *cast;		/* --record, or NULL */
	char title[256];		/* "tour: everything in 10 minutes" */
	enum scenario_state st;		/* what the scenario waits for */
	bool skip;			/* `>`: on to the next pause, at full speed */
	int pass;			/* ... and past this many more pauses */
	bool hurry;			/* Space during a run: finish it at full speed */

	struct narration *lines;
	int nlines, cap;
	/*
	 * Paging: the narration since the last pause is a page; it opens at
	 * its first row.  scroll: rows down from there ([ ] and Space page;
	 * negative: back into earlier pages).  The pane, once drawn, says
	 * whether rows are hidden above or below it, and its height.
	 */
	int page_line;			/* first line of the current page */
	bool new_page;			/* the next line starts a page */
	int scroll;
	bool more_above, more_below;
	int pane_rows;
	int refused;			/* tui() commands that failed */

	/* run{animate=N}: the last N instructions replayed (play_replay.c) */
	struct step_record replay[PLAY_REPLAY_MAX];
	int replay_n, replay_i;
	uint64_t replay_next;		/* when the next one is shown */
	struct step_record replay_final;	/* the last, shown again after */

	int nvms;			/* VMs seen (a new one takes the focus) */
	uint64_t chunk;			/* free run: instructions per slice */
	uint64_t next_ms;		/* stepped or paced: next slice due */
	double credit;			/* paced: instructions owed */

	/* while the script runs (play_busy.c) */
	struct app *app;		/* the views, or NULL (the title card) */
	bool quit;			/* the quit key stopped the script */
};

/*
 * Add a line to the narration; take the scenario's queued lines (and run
 * the TUI commands it asked for with tui(), on app a).
 */
void play_add_line(struct play *p, enum scenario_line_kind kind,
		   const char *text, const char *where);
void play_take_lines(struct play *p, struct app *a);

/*
 * play_busy.c: while the script runs, ^C and the key that quits stop it
 * at its next Lua instruction (watch before the first resume, unwatch
 * before closing it); play_busy_resume is scenario_resume with them
 * watched, on the views a (NULL: the title card), which it tells to quit.
 */
void play_busy_watch(struct play *p);
void play_busy_unwatch(struct play *p);
enum scenario_state play_busy_resume(struct play *p, struct app *a);

/* Free the narration. */
void play_forget_lines(struct play *p);

/* The narration pane in r: a title saying what the scenario does, the text. */
void play_narration_pane(struct play *p, const struct rect *r);

/* run{animate=N}: after the run, its last N instructions one by one. */
#define PLAY_TAPE 16		/* a watched run's last instructions, kept */
void play_replay_end_run(struct play *p, struct app *a, uint32_t animate);
bool play_replaying(const struct play *p);
void play_replay_skip(struct play *p);
bool play_replay_tick(struct play *p, struct app *a, uint64_t now);
int play_replay_wait_ms(const struct play *p, uint64_t now);

#endif
