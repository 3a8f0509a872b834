/*
 * layout.c - the screen cut into panes (see layout.h).
 *
 * At 80x24, the size every terminal starts at, the hints line is dropped
 * (the status line says "? help" instead) and the CPU view is cut like
 * this (rows 1-22 are the body):
 *
 *   0  tabs ...........................................................
 *   1  Rings (5 rows)                   | Code (7 rows)
 *   6  Handler path (7 rows)            |
 *   8                                   | Registers (8 rows)
 *  13  What happened (10 rows)          |
 *  16                                   | Serial console (4 rows)
 *  20                                   | Counters (3 rows)
 *  23  status line
 *
 * From TALL_ROWS rows on, the hints line comes back, the counters move to
 * the left column with a row per kind, and the extra rows go to the
 * explanation on the left and to code and console on the right.
 */
#include <string.h>

#include "layout.h"

/* Fixed heights of the small panes, each including its title row. */
#define RINGS_H_SMALL 5		/* title + rings 0-3 */
#define RINGS_H_TALL 6		/* ... + a header row */
#define PATH_H_SMALL 7		/* title + 5 lanes + the path in words */
#define PATH_H_TALL 8		/* ... + a blank row above the words */
#define COUNTERS_H_SMALL 3	/* title + 2 rows of "name value" */
#define COUNTERS_H_TALL 7	/* title + 6 rows, two columns */
#define REGS_H_SMALL 8		/* title + header + 6 system registers */
#define REGS_H_TALL 14		/* title + header + 12 system registers */
#define CODE_H_SMALL 6
#define TALL_ROWS 30		/* a terminal this high gets the tall panes */
#define TALL_BODY 25		/* ... if the view keeps this many rows */
#define NARRATION_SMALL 5	/* a scenario's narration: title + 4 lines */
#define NARRATION_TALL 8	/* ... title + 7 lines */

static struct rect mk(int x, int y, int w, int h)
{
	struct rect r = { x, y, w > 0 ? w : 0, h > 0 ? h : 0 };

	return r;
}

/* Stack heights h[0..n) downwards from y in column (x, w). */
static void stack(struct rect *out[], const int h[], int n, int x, int y,
		  int w)
{
	for (int i = 0; i < n; i++) {
		*out[i] = mk(x, y, w, h[i]);
		y += h[i];
	}
}

static void cpu_panes(struct layout *l, bool tall)
{
	const struct rect *b = &l->body;
	int lw = b->w < 100 ? b->w / 2 : b->w * 45 / 100;
	int rx = b->x + lw + 1, rw = b->w - lw - 1;
	struct rect *p = l->pane;

	if (tall) {
		struct rect *left[4] = { &p[PANE_RINGS], &p[PANE_PATH],
					 &p[PANE_EXPLAIN], &p[PANE_COUNTERS] };
		struct rect *right[3] = { &p[PANE_CODE], &p[PANE_REGS],
					  &p[PANE_CONSOLE] };
		int rest = b->h - REGS_H_TALL;
		int hl[4] = { RINGS_H_TALL, PATH_H_TALL,
			      b->h - RINGS_H_TALL - PATH_H_TALL - COUNTERS_H_TALL,
			      COUNTERS_H_TALL };
		int hr[3] = { rest * 55 / 100, REGS_H_TALL, rest - rest * 55 / 100 };

		stack(left, hl, 4, b->x, b->y, lw);
		stack(right, hr, 3, rx, b->y, rw);
	} else {
		struct rect *left[3] = { &p[PANE_RINGS], &p[PANE_PATH],
					 &p[PANE_EXPLAIN] };
		struct rect *right[4] = { &p[PANE_CODE], &p[PANE_REGS],
					  &p[PANE_CONSOLE], &p[PANE_COUNTERS] };
		int spare = b->h - CODE_H_SMALL - REGS_H_SMALL - COUNTERS_H_SMALL;
		int hl[3] = { RINGS_H_SMALL, PATH_H_SMALL,
			      b->h - RINGS_H_SMALL - PATH_H_SMALL };
		int hr[4] = { CODE_H_SMALL + spare / 3, REGS_H_SMALL,
			      spare - spare / 3, COUNTERS_H_SMALL };

		stack(left, hl, 3, b->x, b->y, lw);
		stack(right, hr, 4, rx, b->y, rw);
	}
}

void layout_compute(int cols, int rows, struct layout *out)
{
	layout_compute_narrated(cols, rows, 0, out);
}

int layout_narration_rows(int rows)
{
	return rows >= TALL_ROWS ? NARRATION_TALL : NARRATION_SMALL;
}

void layout_compute_narrated(int cols, int rows, int narration,
			     struct layout *out)
{
	bool tall = rows >= TALL_ROWS;
	int chrome = tall ? 3 : 2;	/* tabs, status (and hints) */

	memset(out, 0, sizeof *out);	/* padding too: layouts compare with memcmp */
	out->cols = cols;
	out->rows = rows;
	if (cols < LAYOUT_MIN_COLS || rows < LAYOUT_MIN_ROWS) {
		out->too_small = true;
		return;
	}
	if (narration > layout_narration_rows(rows))
		narration = layout_narration_rows(rows);
	out->tabs = mk(0, 0, cols, 1);
	out->body = mk(0, 1, cols, rows - chrome - narration);
	out->narration = mk(0, 1 + out->body.h, cols, narration);
	out->status = mk(0, 1 + out->body.h + narration, cols, 1);
	out->hints = mk(0, rows - 1, cols, tall ? 1 : 0);
	cpu_panes(out, tall && out->body.h >= TALL_BODY);
	/* Architecture: the layered stack on the left, words on the right */
	out->arch_diagram = mk(0, 1, cols * 58 / 100, out->body.h);
	out->arch_text = mk(out->arch_diagram.w + 1, 1,
			    cols - out->arch_diagram.w - 1, out->body.h);
}

/*
 * The presenter's layout, for a projector at the back of a room: a band
 * with the handler path beside the code, and below it the narration (a
 * scenario) or the explanation, as large as the screen allows.
 */
void layout_compute_presenter(int cols, int rows, bool narrated,
			      struct layout *out)
{
	int band = PATH_H_TALL, rest;
	struct rect *p = out->pane;

	layout_compute_narrated(cols, rows, 0, out);
	if (out->too_small)
		return;
	rest = out->body.h - band;
	memset(p, 0, sizeof out->pane);
	p[PANE_PATH] = mk(0, 1, cols / 2, band);
	p[PANE_CODE] = mk(cols / 2 + 1, 1, cols - cols / 2 - 1, band);
	if (narrated) {
		out->body.h = band;
		out->narration = mk(0, 1 + band, cols, rest);
	} else {
		p[PANE_EXPLAIN] = mk(0, 1 + band, cols, rest);
	}
}

bool rect_inside(const struct rect *r, int cols, int rows)
{
	return r->x >= 0 && r->y >= 0 && r->w >= 0 && r->h >= 0 &&
	       r->x + r->w <= cols && r->y + r->h <= rows;
}

bool rect_overlap(const struct rect *a, const struct rect *b)
{
	if (a->w == 0 || a->h == 0 || b->w == 0 || b->h == 0)
		return false;
	return a->x < b->x + b->w && b->x < a->x + a->w &&
	       a->y < b->y + b->h && b->y < a->y + a->h;
}
