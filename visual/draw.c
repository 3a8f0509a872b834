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
	int len, skip = 0, cut = 0;

	if (y < clip->y || y >= clip->y + clip->h)
		return x + (int)strlen(s);
	len = (int)strlen(s);
	if (x < clip->x) {
		skip = clip->x - x;
		if (skip >= len)
			return x + len;
	}
	if (x + len > clip->x + clip->w) {
		len = clip->x + clip->w - x;
		/* never cut a word or a number silently: end with an ellipsis */
		cut = len > skip && s[len + strspn(s + len, " ")] != '\0';
	}
	if (len - skip > 0) {
		attrset(theme_attr(r));
		mvaddnstr(y, x + skip, s + skip, len - skip - cut);
		attrset(A_NORMAL);
		if (cut)
			draw_glyph(clip, y, x + len - 1, GL_MORE, r);
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

/*
 * Word-wrap text to width w, row by row: row() gets each (NULL: count
 * only).  A word longer than a row is cut where the row ends.
 */
static int wrap_rows(const char *text, int w,
		     void (*row)(void *ctx, int i, const char *s, int n),
		     void *ctx)
{
	const char *p = text;
	int rows = 0;

	if (w <= 0)
		return 0;
	while (*p) {
		int n = 0, cut = -1;

		while (*p == ' ')
			p++;
		if (*p == '\n') {	/* an explicit line break */
			p++;
			rows++;
			continue;
		}
		if (*p == '\0')
			break;
		while (p[n] && p[n] != '\n' && n < w) {
			if (p[n] == ' ')
				cut = n;
			n++;
		}
		if (p[n] && p[n] != ' ' && p[n] != '\n' && cut > 0)
			n = cut;	/* break at the last blank that fits */
		if (row)
			row(ctx, rows, p, n);
		p += n;
		if (*p == '\n')
			p++;
		rows++;
	}
	return rows;
}

struct wrap_ctx {
	const struct rect *r;
	int y, skip;
	enum role role;
};

static void wrap_draw(void *ctx, int i, const char *s, int n)
{
	struct wrap_ctx *c = ctx;
	char line[512];
	int y = c->y + i - c->skip;

	if (i < c->skip || y >= c->r->y + c->r->h || n >= (int)sizeof line)
		return;
	memcpy(line, s, (size_t)n);
	line[n] = '\0';
	draw_text(c->r, y, c->r->x + 1, c->role, line);
}

static int wrap_width(const struct rect *r)
{
	return r->w - 1 < 511 ? r->w - 1 : 511;
}

int draw_wrap(const struct rect *r, int y, enum role role, const char *text)
{
	struct wrap_ctx c = { r, y, 0, role };
	int rows = wrap_rows(text, wrap_width(r), wrap_draw, &c);
	int room = r->y + r->h - y;

	return rows < room ? rows : room > 0 ? room : 0;
}

int draw_wrap_rows(const struct rect *r, const char *text)
{
	return wrap_rows(text, wrap_width(r), NULL, NULL);
}

int draw_wrap_from(const struct rect *r, int y, int skip, enum role role,
		   const char *text)
{
	struct wrap_ctx c = { r, y, skip, role };

	return wrap_rows(text, wrap_width(r), wrap_draw, &c);
}

/* Pairs left to right; where one does not fit, a pointer to Help. */
void draw_hints(const struct rect *r, const char *const (*keys)[2], size_t n)
{
	int x = r->x + 1;

	for (size_t i = 0; i < n && r->h > 0; i++) {
		int w = (int)(strlen(keys[i][0]) + 1 + strlen(keys[i][1]));

		if (x + w > r->x + r->w) {	/* no room: say there is more */
			draw_text(r, r->y, x, ROLE_DIM, "? lists all");
			return;
		}
		x = draw_text(r, r->y, x, ROLE_KEY, keys[i][0]);
		x = draw_text(r, r->y, x + 1, ROLE_NORMAL, keys[i][1]) + 2;
	}
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

void draw_scroll_hint(bool up, bool down, int room, char *buf, size_t size)
{
	snprintf(buf, size, "[%s%s%s]", up ? "Up: more above" : "",
		 up && down ? ", " : "", down ? "Down: more below" : "");
	if ((int)strlen(buf) > room)
		snprintf(buf, size, "[%s: more]",
			 up && down ? "Up/Down" : up ? "Up" : "Down");
}
