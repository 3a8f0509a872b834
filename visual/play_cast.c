/*
 * play_cast.c - the TUI, recorded as an asciinema v2 cast (see play_cast.h).
 *
 * The format (https://docs.asciinema.org/manual/asciicast/v2/) is JSON
 * lines: a header object, then one array per event:
 *
 *   {"version": 2, "width": 120, "height": 40, "timestamp": 1700000000, ...}
 *   [0.016, "o", "\u001b[H\u001b[2J..."]      output, at 0.016 s
 *   [4.250, "m", "step 2"]                     a marker (chapter)
 *   [9.100, "r", "100x30"]                     the terminal was resized
 *
 * Each frame is read back from curses' screen (stdscr after refresh), cell
 * by cell, and compared with the previous one; only what changed is sent,
 * as a terminal would be driven by hand: a cursor move to each run of
 * changed cells (runs a few cells apart are joined, a move costs more),
 * an SGR escape only where the look differs from the terminal's current
 * one, and after a clear only the cells that are not blank.  Frames come
 * at most every FRAME_GAP seconds (the TUI draws up to 30 a second while
 * running; a replay at 10 looks the same): one drawn sooner is written
 * with the next, or by cast_tick once the gap has passed, so the last
 * screen is always in the cast.  A running
 * lesson at full speed used to record about 6 MB a minute, every changed
 * row rewritten whole; docs/tui.md has the figure now.  Box-drawing glyphs
 * are written in UTF-8 (the cast is UTF-8 JSON), ASCII ones as they are.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include <curses.h>

#include "files.h"
#include "play_cast.h"

/* One character cell as the screen shows it. */
struct cell {
	wchar_t ch;
	attr_t attrs;
	short pair;
};

struct cast {
	struct outfile out;		/* the file, renamed in place at the end */
	FILE *f;			/* out.f */
	char path[4096];
	struct timespec t0;		/* when recording began */
	int cols, rows;
	struct cell *prev;		/* the last frame written (cols x rows) */
	struct cell look;		/* the terminal's attributes now */
	bool full;			/* next frame: clear the screen first */
	double last;			/* when the last frame was written */
	bool pending;			/* a frame drawn since, not yet written */
	bool error;			/* a write failed */
};

static double elapsed(const struct cast *c)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - c->t0.tv_sec) +
	       (double)(t.tv_nsec - c->t0.tv_nsec) / 1e9;
}

/* ---- a JSON string of UTF-8 text ------------------------------------------ */

struct text {
	char *p;
	size_t len, cap;
};

static void put(struct text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		size_t cap = (t->len + n + 1) * 2;
		char *p = realloc(t->p, cap);

		if (p == NULL)
			return;		/* the frame is cut short */
		t->p = p;
		t->cap = cap;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

/* s as a JSON string body: quotes, backslashes and control bytes escaped;
 * UTF-8 sequences pass through whole. */
static void put_json(struct text *t, const char *s, size_t n)
{
	char esc[8];

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\') {
			esc[0] = '\\';
			esc[1] = (char)ch;
			put(t, esc, 2);
		} else if (ch < 0x20 || ch == 0x7f) {
			snprintf(esc, sizeof esc, "\\u%04x", ch);
			put(t, esc, 6);
		} else {
			put(t, s + i, 1);
		}
	}
}

static void event(struct cast *c, const char *type, const char *data, size_t n)
{
	struct text t = { NULL, 0, 0 };
	char head[64];

	snprintf(head, sizeof head, "[%.6f, \"%s\", \"", elapsed(c), type);
	put(&t, head, strlen(head));
	put_json(&t, data, n);
	put(&t, "\"]\n", 3);
	if (t.p == NULL || fputs(t.p, c->f) < 0)
		c->error = true;
	free(t.p);
}

/* ---- frames ------------------------------------------------------------------ */

static struct cell read_cell(int y, int x)
{
	struct cell cell = { L' ', 0, 0 };
	wchar_t wch[CCHARW_MAX + 1];
	cchar_t cc;

	if (mvin_wch(y, x, &cc) != ERR &&
	    getcchar(&cc, wch, &cell.attrs, &cell.pair, NULL) != ERR) {
		cell.ch = wch[0] ? wch[0] : L' ';
		if (cell.pair == 0)
			cell.pair = (short)PAIR_NUMBER(cell.attrs);
		cell.attrs &= A_BOLD | A_DIM | A_UNDERLINE | A_REVERSE | A_STANDOUT;
	}
	return cell;
}

/* The SGR escape for a cell's look: reset, then attributes and colours. */
static void put_sgr(struct text *t, const struct cell *cell)
{
	char sgr[64] = "\033[0";
	short fg = -1, bg = -1;

	if (cell->attrs & A_BOLD)
		strcat(sgr, ";1");
	if (cell->attrs & A_DIM)
		strcat(sgr, ";2");
	if (cell->attrs & A_UNDERLINE)
		strcat(sgr, ";4");
	if (cell->attrs & (A_REVERSE | A_STANDOUT))
		strcat(sgr, ";7");
	if (cell->pair > 0 && pair_content(cell->pair, &fg, &bg) != ERR) {
		if (fg >= 0 && fg < 8)
			snprintf(sgr + strlen(sgr), sizeof sgr - strlen(sgr), ";%d", 30 + fg);
		if (bg >= 0 && bg < 8)
			snprintf(sgr + strlen(sgr), sizeof sgr - strlen(sgr), ";%d", 40 + bg);
	}
	strcat(sgr, "m");
	put(t, sgr, strlen(sgr));
}

static void put_char(struct text *t, wchar_t ch)
{
	char mb[8];
	mbstate_t st;
	size_t n;

	memset(&st, 0, sizeof st);
	n = wcrtomb(mb, ch, &st);
	if (n == (size_t)-1)
		put(t, "?", 1);
	else
		put(t, mb, n);
}

static bool same_look(const struct cell *a, const struct cell *b)
{
	return a->attrs == b->attrs && a->pair == b->pair;
}

static bool same(const struct cell *a, const struct cell *b)
{
	return a->ch == b->ch && same_look(a, b);
}

#define JOIN_GAP 4	/* unchanged cells a run may span rather than move */
#define FRAME_GAP 0.1	/* seconds between frames written, at least */

static const struct cell blank = { L' ', 0, 0 };

/* Cells x0..x1 of row y, from the terminal's current look on. */
static void put_run(struct cast *c, struct text *t, const struct cell *row,
		    int y, int x0, int x1)
{
	char move[24];

	snprintf(move, sizeof move, "\033[%d;%dH", y + 1, x0 + 1);
	put(t, move, strlen(move));
	for (int x = x0; x <= x1; x++) {
		if (!same_look(&row[x], &c->look)) {
			put_sgr(t, &row[x]);
			c->look = row[x];
		}
		put_char(t, row[x].ch);
	}
}

static void write_frame(struct cast *c);

void cast_frame(struct cast *c)
{
	if (c == NULL)
		return;
	if (!c->full && elapsed(c) - c->last < FRAME_GAP) {
		c->pending = true;	/* written with the next, or by cast_tick */
		return;
	}
	write_frame(c);
}

void cast_tick(struct cast *c)
{
	if (c != NULL && c->pending && elapsed(c) - c->last >= FRAME_GAP)
		write_frame(c);
}

int cast_wait_ms(const struct cast *c, int wait)
{
	int due;

	if (c == NULL || !c->pending)
		return wait;
	due = (int)((c->last + FRAME_GAP - elapsed(c)) * 1000.0) + 1;
	due = due < 0 ? 0 : due;
	return wait < 0 || due < wait ? due : wait;
}

static void write_frame(struct cast *c)
{
	struct text t = { NULL, 0, 0 };
	int cols, rows;

	c->pending = false;
	c->last = elapsed(c);
	getmaxyx(stdscr, rows, cols);
	if (cols != c->cols || rows != c->rows) {
		char size[32];
		struct cell *cells = calloc((size_t)cols * (size_t)rows, sizeof *cells);

		if (cells == NULL)
			return;
		snprintf(size, sizeof size, "%dx%d", cols, rows);
		event(c, "r", size, strlen(size));
		free(c->prev);
		c->prev = cells;
		c->cols = cols;
		c->rows = rows;
		c->full = true;
	}
	if (c->full) {
		static const char clear[] = "\033[0m\033[H\033[2J";

		/* a cleared screen is blank: only the rest needs writing */
		put(&t, clear, sizeof clear - 1);
		for (int i = 0; i < cols * rows; i++)
			c->prev[i] = blank;
		c->look = blank;
	}
	for (int y = 0; y < rows; y++) {
		struct cell row[512], *old = &c->prev[y * cols];
		int w = cols < 512 ? cols : 512, x = 0;

		for (int k = 0; k < w; k++)
			row[k] = read_cell(y, k);
		while (x < w) {
			int end = x;

			if (same(&row[x], &old[x])) {
				x++;
				continue;
			}
			for (int k = x + 1; k < w && k - end <= JOIN_GAP; k++)
				if (!same(&row[k], &old[k]))
					end = k;
			put_run(c, &t, row, y, x, end);
			for (int k = x; k <= end; k++)
				old[k] = row[k];
			x = end + 1;
		}
	}
	c->full = false;
	if (t.len > 0)
		event(c, "o", t.p, t.len);
	free(t.p);
}

void cast_marker(struct cast *c, const char *label)
{
	if (c == NULL)
		return;
	if (c->pending)
		write_frame(c);
	event(c, "m", label, strlen(label));
}

int cast_open(const char *path, struct cast **out, char *err, int errlen)
{
	struct cast *c = calloc(1, sizeof *c);
	const char *term = getenv("TERM");
	struct text t = { NULL, 0, 0 };
	char head[256];

	if (c == NULL) {
		snprintf(err, (size_t)errlen, "out of memory");
		return -1;
	}
	if (files_create(&c->out, path, err, errlen) != 0) {
		free(c);
		return -1;
	}
	c->f = c->out.f;
	snprintf(c->path, sizeof c->path, "%s", path);
	clock_gettime(CLOCK_MONOTONIC, &c->t0);
	getmaxyx(stdscr, c->rows, c->cols);
	c->prev = calloc((size_t)c->cols * (size_t)c->rows, sizeof *c->prev);
	c->full = true;
	snprintf(head, sizeof head,
		 "{\"version\": 2, \"width\": %d, \"height\": %d, \"timestamp\": %lld, \"title\": \"ringside\", \"env\": {\"TERM\": \"",
		 c->cols, c->rows, (long long)time(NULL));
	put(&t, head, strlen(head));
	put_json(&t, term ? term : "xterm", strlen(term ? term : "xterm"));
	put(&t, "\"}}\n", 4);
	if (c->prev == NULL || t.p == NULL || fputs(t.p, c->f) < 0) {
		snprintf(err, (size_t)errlen, "%s: cannot write", path);
		files_abandon(&c->out);
		free(c->prev);
		free(t.p);
		free(c);
		return -1;
	}
	free(t.p);
	*out = c;
	return 0;
}

int cast_close(struct cast *c)
{
	int rc;

	if (c == NULL)
		return 0;
	if (c->pending)
		write_frame(c);		/* the last screen, always */
	if (c->error)
		files_abandon(&c->out);
	rc = c->error || files_commit(&c->out) != 0 ? -1 : 0;
	free(c->prev);
	free(c);
	return rc;
}

void cast_discard(struct cast *c)
{
	if (c == NULL)
		return;
	files_abandon(&c->out);
	free(c->prev);
	free(c);
}
