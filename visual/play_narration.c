/*
 * play_narration.c - the narration pane of a scenario playing in the TUI:
 * what the scenario said, printed and checked, newest at the bottom,
 * wrapped to the pane (a line starting with a blank is quoted output and
 * is only cut), scrolled with [ and ].  Its title says what the scenario
 * is doing: running, paused for the teacher, over.
 */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "command.h"
#include "draw.h"
#include "play.h"
#include "play_tui.h"

void play_add_line(struct play *p, enum scenario_line_kind kind,
		   const char *text, const char *where)
{
	struct narration *n;
	size_t len = strlen(text) + strlen(where) + 8;

	if (p->nlines == p->cap) {
		int cap = p->cap ? p->cap * 2 : 64;
		struct narration *grown = realloc(p->lines, (size_t)cap * sizeof *grown);

		if (grown == NULL)
			return;
		p->lines = grown;
		p->cap = cap;
	}
	n = &p->lines[p->nlines];
	n->kind = kind;
	n->text = malloc(len);
	if (n->text == NULL)
		return;
	if (kind == LINE_EXPECT_FAILED)
		snprintf(n->text, len, "%s (%s)", text, where);
	else
		snprintf(n->text, len, "%s", text);
	p->nlines++;
	p->scroll = 0;			/* new narration: show the newest */
}

void play_take_lines(struct play *p, struct app *a)
{
	struct scenario_line l;

	while (scenario_next_line(p->sc, &l)) {
		if (l.kind == LINE_COMMAND) {
			/* the same named commands the keys run */
			if (a != NULL && command_run(a, l.text) != 0)
				play_add_line(p, LINE_EXPECT_FAILED,
					      "tui() command refused:", l.where);
			continue;
		}
		play_add_line(p, l.kind, l.text, l.where);
	}
}

/*
 * Cut text into rows at most w wide, at blanks; a line starting with a
 * blank is verbatim (guest output quoted by the scenario) and only cut.
 * Calls row() for each (it may be NULL: just count).  Returns the rows.
 */
static int wrap(const char *text, int w,
		void (*row)(void *ctx, const char *s, int n), void *ctx)
{
	int rows = 0;

	if (w < 8)
		w = 8;
	while (*text) {
		int len = (int)strcspn(text, "\n"), at = 0;

		if (len == 0) {			/* an empty line */
			if (row)
				row(ctx, "", 0);
			rows++;
		}
		while (at < len) {
			int n = len - at, cut = n;

			if (n > w) {
				n = w;
				for (cut = n; cut > 0 && text[at + cut] != ' ' && text[0] != ' '; cut--)
					;
				n = cut > 0 ? cut : n;
			}
			if (row)
				row(ctx, text + at, n);
			rows++;
			at += n;
			while (at < len && text[at] == ' ' && text[0] != ' ')
				at++;
		}
		text += len + (text[len] == '\n');
	}
	return rows;
}

/* Drawing rows of one narration line into the pane's window. */
struct rows {
	const struct rect *r;
	int y;				/* screen row of the next row */
	enum role role;
	const char *prefix;		/* on its first row: "ok " or "FAIL " */
};

static void draw_row(void *ctx, const char *s, int n)
{
	struct rows *w = ctx;
	char buf[512];
	int x = w->r->x + 1;

	if (w->y >= w->r->y && w->y < w->r->y + w->r->h) {
		if (w->prefix)
			x = draw_text(w->r, w->y, x, w->role, w->prefix);
		snprintf(buf, sizeof buf, "%.*s", n, s);
		draw_text(w->r, w->y, x, w->role, buf);
	}
	w->prefix = NULL;
	w->y++;
}

static const char *const prefixes[] = {
	[LINE_SAY] = NULL, [LINE_PRINT] = NULL,
	[LINE_EXPECT_OK] = "ok ", [LINE_EXPECT_FAILED] = "FAIL ",
	[LINE_COMMAND] = NULL,
};

static const enum role roles[] = {
	[LINE_SAY] = ROLE_NORMAL, [LINE_PRINT] = ROLE_DIM,
	[LINE_EXPECT_OK] = ROLE_GOOD, [LINE_EXPECT_FAILED] = ROLE_BAD,
	[LINE_COMMAND] = ROLE_DIM,
};

/* Rows a narration line takes (a say gets a blank row before it). */
static int line_rows(const struct narration *n, int w, bool first)
{
	int extra = n->kind == LINE_SAY && !first;
	int pre = prefixes[n->kind] ? (int)strlen(prefixes[n->kind]) : 0;

	return extra + wrap(n->text, w - pre, NULL, NULL);
}

/* The newest narration at the bottom of r, scrolled back p->scroll rows. */
static void draw_narration(struct play *p, const struct rect *r)
{
	int w = r->w - 2, total = 0, top;
	struct rows rows = { r, 0, ROLE_NORMAL, NULL };

	for (int i = 0; i < p->nlines; i++)
		total += line_rows(&p->lines[i], w, i == 0);
	if (p->scroll > total - r->h)
		p->scroll = total - r->h > 0 ? total - r->h : 0;
	top = total - r->h - p->scroll;	/* the first row shown */
	rows.y = r->y - (top > 0 ? top : 0);
	for (int i = 0; i < p->nlines && rows.y < r->y + r->h; i++) {
		const struct narration *n = &p->lines[i];
		int pre = prefixes[n->kind] ? (int)strlen(prefixes[n->kind]) : 0;

		if (rows.y + line_rows(n, w, i == 0) < r->y) {
			rows.y += line_rows(n, w, i == 0);	/* scrolled off */
			continue;
		}
		rows.y += n->kind == LINE_SAY && i > 0;
		rows.role = roles[n->kind];
		rows.prefix = prefixes[n->kind];
		wrap(n->text, w - pre, draw_row, &rows);
	}
}

/* What the pane's title says the scenario is doing. */
static const char *doing(const struct play *p)
{
	switch (p->st) {
	case SCENARIO_PAUSE: return "[PAUSED: Space or Enter goes on]";
	case SCENARIO_RUN: return p->skip ? "[skipping ahead]" : "[running]";
	case SCENARIO_DONE: return "[the end]";
	case SCENARIO_FAILED: return "[stopped: script error]";
	default: return "";
	}
}

void play_narration_pane(struct play *p, const struct rect *r)
{
	char title[400];
	struct rect in;
	int len;

	snprintf(title, sizeof title, "Scenario %s", p->title);
	in = draw_pane(r, title);
	len = (int)strlen(doing(p));
	if (r->w > len + (int)strlen(title) + 4)
		draw_text(r, r->y, r->x + r->w - len - 1,
			  p->st == SCENARIO_PAUSE ? ROLE_TAB_ACTIVE : ROLE_TITLE,
			  doing(p));
	draw_narration(p, &in);
}

void play_tui_draw(struct app *a, const struct rect *r)
{
	play_narration_pane(a->play, r);
}

void play_tui_hints(struct app *a, const struct rect *r)
{
	static const char *const keys[][2] = {
		{ "Space/Enter", "go on" }, { ">", "skip ahead" },
		{ "[ ]", "narration" }, { "+/-", "speed" }, { "Tab", "views" },
		{ "?", "help" }, { "q", "quit" },
	};
	int x = r->x + 1;

	(void)a;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0] && r->h > 0; i++) {
		x = draw_text(r, r->y, x, ROLE_KEY, keys[i][0]);
		x = draw_text(r, r->y, x + 1, ROLE_NORMAL, keys[i][1]) + 2;
	}
}

void play_forget_lines(struct play *p)
{
	for (int i = 0; i < p->nlines; i++)
		free(p->lines[i].text);
	free(p->lines);
	p->lines = NULL;
	p->nlines = p->cap = 0;
}
