/*
 * draw.h - putting text and glyphs on the screen, clipped to a pane.
 *
 * Every function takes the pane's rectangle and never writes outside it,
 * so a pane that is too small loses text, never its neighbour's cells.
 * Coordinates are the screen's (0-based); rows and columns outside the
 * rectangle are silently dropped.  Text must be ASCII (guest output is
 * filtered before it gets here).
 */
#ifndef VISUAL_DRAW_H
#define VISUAL_DRAW_H

#include <stdarg.h>

#include "layout.h"
#include "theme.h"

/* Write s at (y, x); returns the column after the last cell written. */
int draw_text(const struct rect *clip, int y, int x, enum role r,
	      const char *s);
int draw_textf(const struct rect *clip, int y, int x, enum role r,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

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

/* Keep only printable ASCII (others become '.'); returns dst. */
char *draw_ascii(char *dst, const char *src, int n, int size);

#endif
