/*
 * draw.c - clipped text and glyphs (see draw.h).
 *
 * Glyphs go through the wide-character interface (setcchar + mvadd_wch)
 * in UTF-8 mode, so ncursesw knows each one takes one cell; in ASCII mode
 * they are plain characters.  Curses line-drawing (ACS) characters are
 * never used: a terminal multiplexer may turn them into Unicode even in
 * an ASCII locale.
 */
#include <stdio.h>
#include <string.h>

#include "draw.h"

static bool in_clip(const struct rect *c, int y, int x)
{
	return y >= c->y && y < c->y + c->h && x >= c->x && x < c->x + c->w;
}

int draw_text(const struct rect *clip, int y, int x, enum role r,
	      const char *s)
{
	int len, skip = 0;

	if (y < clip->y || y >= clip->y + clip->h)
		return x + (int)strlen(s);
	len = (int)strlen(s);
	if (x < clip->x) {
		skip = clip->x - x;
		if (skip >= len)
			return x + len;
	}
	if (x + len > clip->x + clip->w)
		len = clip->x + clip->w - x;
	if (len - skip > 0) {
		attrset(theme_attr(r));
		mvaddnstr(y, x + skip, s + skip, len - skip);
		attrset(A_NORMAL);
	}
	return x + (int)strlen(s);
}

int draw_textf(const struct rect *clip, int y, int x, enum role r,
	       const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return draw_text(clip, y, x, r, buf);
}

void draw_fill(const struct rect *clip, const struct rect *area, enum role r)
{
	char line[512];
	int x0 = area->x > clip->x ? area->x : clip->x;
	int x1 = area->x + area->w < clip->x + clip->w ? area->x + area->w
						       : clip->x + clip->w;
	int n = x1 - x0;

	if (n <= 0)
		return;
	if (n > (int)sizeof line - 1)
		n = (int)sizeof line - 1;
	memset(line, ' ', (size_t)n);
	line[n] = '\0';
	for (int y = area->y; y < area->y + area->h; y++)
		draw_text(clip, y, x0, r, line);
}

void draw_glyph(const struct rect *clip, int y, int x, enum glyph g,
		enum role r)
{
	if (!in_clip(clip, y, x))
		return;
	if (theme_utf8()) {
		cchar_t cc;
		wchar_t w[2] = { theme_wide(g), L'\0' };

		setcchar(&cc, w, theme_attr(r), 0, NULL);
		mvadd_wch(y, x, &cc);
	} else {
		mvaddch(y, x, (chtype)(unsigned char)theme_ascii(g) | theme_attr(r));
	}
}

void draw_hrun(const struct rect *clip, int y, int x, int n, enum glyph g,
	       enum role r)
{
	for (int i = 0; i < n; i++)
		draw_glyph(clip, y, x + i, g, r);
}

void draw_vrun(const struct rect *clip, int y, int x, int n, enum glyph g,
	       enum role r)
{
	for (int i = 0; i < n; i++)
		draw_glyph(clip, y + i, x, g, r);
}

void draw_box(const struct rect *clip, const struct rect *a, enum role r)
{
	int x1 = a->x + a->w - 1, y1 = a->y + a->h - 1;

	if (a->w < 2 || a->h < 2)
		return;
	draw_glyph(clip, a->y, a->x, GL_UL, r);
	draw_glyph(clip, a->y, x1, GL_UR, r);
	draw_glyph(clip, y1, a->x, GL_LL, r);
	draw_glyph(clip, y1, x1, GL_LR, r);
	draw_hrun(clip, a->y, a->x + 1, a->w - 2, GL_HLINE, r);
	draw_hrun(clip, y1, a->x + 1, a->w - 2, GL_HLINE, r);
	draw_vrun(clip, a->y + 1, a->x, a->h - 2, GL_VLINE, r);
	draw_vrun(clip, a->y + 1, x1, a->h - 2, GL_VLINE, r);
}

struct rect draw_pane(const struct rect *r, const char *title)
{
	struct rect row = { r->x, r->y, r->w, r->h > 0 ? 1 : 0 };
	struct rect below = { r->x, r->y + 1, r->w, r->h > 1 ? r->h - 1 : 0 };

	draw_fill(r, &row, ROLE_TITLE);
	draw_text(&row, r->y, r->x + 1, ROLE_TITLE, title);
	return below;
}

int draw_wrap(const struct rect *r, int y, enum role role, const char *text)
{
	char line[512];
	const char *p = text;
	int rows = 0, w = r->w - 1 < (int)sizeof line - 1 ? r->w - 1
							 : (int)sizeof line - 1;

	if (w <= 0)
		return 0;
	while (*p && y + rows < r->y + r->h) {
		int n = 0, cut = -1;

		while (*p == ' ')
			p++;
		if (*p == '\n') {	/* an explicit line break */
			p++;
			rows++;
			continue;
		}
		while (p[n] && p[n] != '\n' && n < w) {
			if (p[n] == ' ')
				cut = n;
			n++;
		}
		if (p[n] && p[n] != ' ' && p[n] != '\n' && cut > 0)
			n = cut;	/* break at the last blank that fits */
		memcpy(line, p, (size_t)n);
		line[n] = '\0';
		draw_text(r, y + rows, r->x + 1, role, line);
		p += n;
		if (*p == '\n')
			p++;
		rows++;
	}
	return rows;
}

char *draw_ascii(char *dst, const char *src, int n, int size)
{
	int i;

	for (i = 0; i < n && i < size - 1; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = c >= 0x20 && c < 0x7f ? (char)c : '.';
	}
	dst[i < size ? i : size - 1] = '\0';
	return dst;
}
