/*
 * draw.h - putting text and glyphs on the screen, clipped to a pane.
 *
 * Every function takes the pane's rectangle and never writes outside it,
 * so a pane that is too small loses text, never its neighbour's cells.
 * Coordinates are the screen's (0-based); rows and columns outside the
 * rectangle are dropped; text cut at the right edge ends in an ellipsis
 * (never a number that looks whole but is not).  Text must be ASCII (guest output is
 * filtered before it gets here).
 */
#ifndef VISUAL_DRAW_H
#define VISUAL_DRAW_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "layout.h"
#include "theme.h"

/* Write s at (y, x); returns the column after the last cell written. */
int draw_text(const struct rect *clip, int y, int x, enum role r,
	      const char *s);
int draw_textf(const struct rect *clip, int y, int x, enum role r,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * A scrolled pane's hint for its title, into buf: "[Up: more above, Down:
 * more below]" (the parts that apply), or "[Up/Down: more]" when the long
 * one would take more than room columns.  up or down must be true.
 */
void draw_scroll_hint(bool up, bool down, int room, char *buf, size_t size);

/* Fill a rectangle (clipped to clip) with blanks in role r. */
void draw_fill(const struct rect *clip, const struct rect *area, enum role r);

/* One glyph at (y, x). */
void draw_glyph(const struct rect *clip, int y, int x, enum glyph g,
		enum role r);

/* A horizontal or vertical run of a glyph. */
void draw_hrun(const struct rect *clip, int y, int x, int n, enum glyph g,
	       enum role r);
void draw_vrun(const struct rect *clip, int y, int x, int n, enum glyph g,
	       enum role r);

/* A box outline around area. */
void draw_box(const struct rect *clip, const struct rect *area, enum role r);

/*
 * A pane's title row: the whole first row of r in ROLE_TITLE, the text
 * from column 1.  Returns the rectangle below the title.
 */
struct rect draw_pane(const struct rect *r, const char *title);

/*
 * Word-wrap text into the rows of r from row y; stops at the bottom.
 * Returns the number of rows used.
 */
int draw_wrap(const struct rect *r, int y, enum role role, const char *text);

/* Rows text takes once wrapped to r's width (nothing is drawn). */
int draw_wrap_rows(const struct rect *r, const char *text);

/*
 * Word-wrap text into r from row y, leaving out its first `skip` rows
 * (a pane scrolled down); returns the rows the whole text takes.
 */
int draw_wrap_from(const struct rect *r, int y, int skip, enum role role,
		   const char *text);

/* A line of key hints ({key, what} pairs) in r, as many as fit. */
void draw_hints(const struct rect *r, const char *const (*keys)[2], size_t n);

/* Keep only printable ASCII (others become '.'); returns dst. */
char *draw_ascii(char *dst, const char *src, int n, int size);

#endif
