/*
 * play_tui.h - what the parts of the TUI's scenario player share (not for
 * other files: the TUI itself sees play.h): the player's state, and the
 * narration pane (play_narration.c).
 */
#ifndef VISUAL_PLAY_TUI_H
#define VISUAL_PLAY_TUI_H

#include <stdbool.h>
#include <stdint.h>

#include "layout.h"
#include "scenario.h"

struct cast;

/* A line of the narration, as the pane shows it. */
struct narration {
	enum scenario_line_kind kind;
	char *text;			/* malloc'd; FAIL lines end with (file:line) */
};

/* A scenario playing in the TUI (app->play points at it). */
struct play {
	struct scenario *sc;
	struct sim *sim;
	struct cast *cast;		/* --record, or NULL */
	char title[256];		/* "tour: everything in 10 minutes" */
	enum scenario_state st;		/* what the scenario waits for */
	bool skip;			/* `>`: on to the next pause, at full speed */
	int pass;			/* ... and past this many more pauses */
	bool hurry;			/* Space during a run: finish it at full speed */

	struct narration *lines;
	int nlines, cap;
	int scroll;			/* rows scrolled back from the newest */

	int nvms;			/* VMs seen (a new one takes the focus) */
	uint64_t chunk;			/* free run: instructions per slice */
	uint64_t next_ms;		/* stepped or paced: next slice due */
	double credit;			/* paced: instructions owed */
};

/*
 * Add a line to the narration; take the scenario's queued lines (and run
 * the TUI commands it asked for with tui(), on app a).
 */
void play_add_line(struct play *p, enum scenario_line_kind kind,
		   const char *text, const char *where);
void play_take_lines(struct play *p, struct app *a);

/* Free the narration. */
void play_forget_lines(struct play *p);

/* The narration pane in r: a title saying what the scenario does, the text. */
void play_narration_pane(struct play *p, const struct rect *r);

#endif
