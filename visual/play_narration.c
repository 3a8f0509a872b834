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
	if (p->new_page) {		/* the first line after a pause */
		p->page_line = p->nlines;
		p->scroll = 0;
		p->new_page = false;
	}
	p->nlines++;
}

void play_take_lines(struct play *p, struct app *a)
{
	struct scenario_line l;

	while (scenario_next_line(p->sc, &l)) {
		if (l.kind == LINE_COMMAND) {
			/* the same named commands the keys run */
			if (a != NULL && command_run(a, l.text) != 0) {
				char why[400];

				/* the command's reason is in the status line */
				snprintf(why, sizeof why, "tui(\"%s\") refused: %s",
					 l.text, a->msg);
				play_add_line(p, LINE_EXPECT_FAILED, why, l.where);
				p->refused++;
			}
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

/* Rows of lines [0, upto) at width w. */
static int rows_before(const struct play *p, int upto, int w)
{
	int rows = 0;

	for (int i = 0; i < upto && i < p->nlines; i++)
		rows += line_rows(&p->lines[i], w, i == 0);
	return rows;
}

/*
 * The narration in r from the current page's first row, scrolled
 * p->scroll rows; notes what is hidden above and below.
 */
static void draw_narration(struct play *p, const struct rect *r)
{
	int w = r->w - 2, total = rows_before(p, p->nlines, w), top;
	struct rows rows = { r, 0, ROLE_NORMAL, NULL };

	/* the page starts at its text, not at the blank row before a say */
	top = rows_before(p, p->page_line, w) +
	      (p->page_line > 0 && p->page_line < p->nlines &&
	       p->lines[p->page_line].kind == LINE_SAY);
	if (top + p->scroll > total - 1)	/* keep the last row in view */
		p->scroll = total - 1 - top;
	if (top + p->scroll < 0)
		p->scroll = -top;
	top += p->scroll;
	p->more_above = top > 0;
	p->more_below = total - top > r->h;
	p->pane_rows = r->h;
	rows.y = r->y - top;
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

/* What the pane's title says the scenario is doing (short: narrow panes). */
static const char *doing(const struct play *p, bool shortly)
{
	switch (p->st) {
	case SCENARIO_PAUSE:
		return shortly ? "[PAUSED]" :
		       p->more_below ? "[PAUSED: Space shows more]"
				     : "[PAUSED: Space or Enter goes on]";
	case SCENARIO_RUN: return p->skip ? "[skipping ahead]" : "[running]";
	case SCENARIO_DONE: return "[the end]";
	case SCENARIO_FAILED: return shortly ? "[error]" : "[stopped: script error]";
	default: return "";
	}
}

/*
 * The title row: "Scenario NAME: what it is", then on the right what is
 * hidden above or below and what the scenario is doing; the name gives
 * way (with an ellipsis) when the row is short, the state never does.
 */
void play_narration_pane(struct play *p, const struct rect *r)
{
	char title[400], right[128];
	struct rect in = { r->x, r->y + 1, r->w, r->h > 1 ? r->h - 1 : 0 };
	struct rect row = { r->x, r->y, r->w, r->h > 0 ? 1 : 0 };
	int len;

	/* the text first: the title tells what it hides */
	draw_narration(p, &in);
	snprintf(title, sizeof title, "Scenario %s", p->title);
	for (int shortly = 0; shortly < 2; shortly++) {
		snprintf(right, sizeof right, "%s%s%s%s%s",
			 p->more_above ? (shortly ? "[more above]" : "[more above: []") : "",
			 p->more_above ? " " : "",
			 p->more_below ? (shortly ? "[more below]" : "[more below: Space]") : "",
			 p->more_below ? " " : "", doing(p, shortly));
		if ((int)strlen(right) + 20 < r->w)
			break;
	}
	len = (int)strlen(right);
	draw_pane(&row, "");
	draw_text(&(struct rect){ r->x, r->y, r->w - len - 2, row.h }, r->y,
		  r->x + 1, ROLE_TITLE, title);
	draw_text(&row, r->y, r->x + r->w - len - 1,
		  p->st == SCENARIO_PAUSE ? ROLE_TAB_ACTIVE : ROLE_TITLE, right);
}

void play_tui_draw(struct app *a, const struct rect *r)
{
	play_narration_pane(a->play, r);
}

void play_tui_hints(struct app *a, const struct rect *r)
{
	static const char *const keys[][2] = {
		{ "Space", "go on" }, { ">", "skip" }, { "[ ]", "narration" },
		{ "s b n t", "explore" }, { "v", "VM" }, { "P", "presenter" },
		{ "Tab", "views" }, { "?", "help" }, { "q", "quit" },
	};
	(void)a;
	draw_hints(r, keys, sizeof keys / sizeof keys[0]);
}

void play_forget_lines(struct play *p)
{
	for (int i = 0; i < p->nlines; i++)
		free(p->lines[i].text);
	free(p->lines);
	p->lines = NULL;
	p->nlines = p->cap = 0;
}
