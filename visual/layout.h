/*
 * layout.h - where every pane goes, as a pure function of the terminal size.
 *
 * The screen is cut the way tmux cuts its own: a one-line bar at the top
 * (the views as tabs), the view in the middle, a status line and a line of
 * key hints at the bottom.  The CPU view is cut further into seven panes in
 * two columns.  Nothing here knows about curses, so the arithmetic can be
 * unit-tested at any size (tests/unit/test_layout.c).
 *
 * Smaller terminals lose space in a fixed order: spare rows first, then
 * the general registers, then lines of code and console, never a whole
 * pane.  Below LAYOUT_MIN_COLS x LAYOUT_MIN_ROWS nothing fits any more and
 * the screen asks to be enlarged instead.
 */
#ifndef VISUAL_LAYOUT_H
#define VISUAL_LAYOUT_H

#include <stdbool.h>

#define LAYOUT_MIN_COLS 80
#define LAYOUT_MIN_ROWS 24

/* A rectangle of character cells; h == 0 means "not shown". */
struct rect {
	int x, y;		/* top-left cell, 0-based */
	int w, h;		/* width and height in cells */
};

/* The panes of the CPU view. */
enum cpu_pane {
	PANE_RINGS = 0,		/* protection rings: believed and real */
	PANE_PATH,		/* handler path, lane by lane */
	PANE_EXPLAIN,		/* what just happened, in words */
	PANE_COUNTERS,		/* instructions by class, traps, I/O */
	PANE_CODE,		/* disassembly around EIP */
	PANE_REGS,		/* real beside virtual registers */
	PANE_CONSOLE,		/* the guest's serial output */
	PANE_COUNT
};

struct layout {
	bool too_small;		/* below the minimum: nothing else is valid */
	int cols, rows;		/* the terminal it was computed for */
	struct rect tabs;	/* top line: views as tabs */
	struct rect body;	/* the current view */
	struct rect status;	/* status line */
	struct rect hints;	/* key hints */
	struct rect pane[PANE_COUNT];	/* the CPU view, inside body */
	struct rect arch_diagram;	/* Architecture view: the stack ... */
	struct rect arch_text;		/* ... and the words beside it */
	struct rect narration;		/* a scenario's narration, between the
					   view and the status line (h 0: none) */
};

/* Compute the layout of a cols x rows terminal into *out. */
void layout_compute(int cols, int rows, struct layout *out);

/*
 * The same with `narration` rows taken from the view for a scenario's
 * narration pane (see layout_narration_rows for how many fit).
 */
void layout_compute_narrated(int cols, int rows, int narration,
			     struct layout *out);

/*
 * The presenter's CPU view: path and code in a band at the top, then a
 * large narration pane (narrated) or the explanation.
 */
void layout_compute_presenter(int cols, int rows, bool narrated,
			      struct layout *out);

/* Rows a narration pane gets in a terminal this high. */
int layout_narration_rows(int rows);

/* True if r is inside the terminal and does not overlap s. */
bool rect_inside(const struct rect *r, int cols, int rows);
bool rect_overlap(const struct rect *a, const struct rect *b);

#endif
