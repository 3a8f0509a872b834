/*
 * view_help.c - the Help view, generated from the key and command tables
 * so that it can never fall out of date.
 */
#include <stdio.h>
#include <string.h>

#include <curses.h>

#include "command.h"
#include "draw.h"
#include "keys.h"
#include "view.h"

#define HELP_LINES 160
#define HELP_W 100

struct help {
	char line[HELP_LINES][HELP_W];
	enum role role[HELP_LINES];
	int n;
};

static void add(struct help *h, enum role r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add(struct help *h, enum role r, const char *fmt, ...)
{
	va_list ap;

	if (h->n == HELP_LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(h->line[h->n], HELP_W, fmt, ap);
	va_end(ap);
	h->role[h->n++] = r;
}

/* In a lesson the world is the scenario's: it cannot be rebuilt. */
static bool lesson_refuses(const struct key_binding *b)
{
	return strncmp(b->line, "mode", 4) == 0 ||
	       strcmp(b->line, "restart") == 0 || strcmp(b->line, "hosted") == 0;
}

/* Every documented binding of a table, with its aliases: "s Space Right". */
static void table(struct help *h, const struct app *a, enum key_table t,
		  const char *heading)
{
	add(h, ROLE_HEADER, "%s", heading);
	for (const struct key_binding *b = key_bindings; b->line; b++) {
		char keys[48] = "", name[16];

		if (b->table != (int)t || b->help == NULL ||
		    (a->play && lesson_refuses(b)))
			continue;
		for (const struct key_binding *c = key_bindings; c->line; c++) {
			if (c->table != (int)t || strcmp(c->line, b->line) != 0)
				continue;
			if (a->play && t == KT_ROOT &&
			    (c->key == ' ' || c->key == KEY_RIGHT))
				continue;	/* in a lesson they go on */
			keys_name(c->key, name, sizeof name);
			if (strstr(keys, name) == NULL && strlen(keys) + strlen(name) + 2 < sizeof keys) {
				if (keys[0])
					strcat(keys, " ");
				strcat(keys, name);
			}
		}
		add(h, ROLE_NORMAL, "  %-16s %s", keys, b->help);
	}
	add(h, ROLE_NORMAL, "%s", "");
}

/* The keys of a lesson (play_tui.c takes them before the tables). */
static void lesson(struct help *h)
{
	add(h, ROLE_HEADER, "IN A LESSON (this is one: a scenario plays)");
	add(h, ROLE_NORMAL, "  %-16s %s", "Space Enter Right", "go on: the next page of narration, then the lesson");
	add(h, ROLE_NORMAL, "  %-16s %s", ">", "skip ahead to the next pause, at full speed");
	add(h, ROLE_NORMAL, "  %-16s %s", "[ ]", "scroll the narration up / down");
	add(h, ROLE_NORMAL, "  %-16s %s", "s b n t r f", "at a pause or the end: explore (step, back, next trap,");
	add(h, ROLE_NORMAL, "  %-16s %s", "", "quiz, run); Space then goes on from where the lesson was");
	add(h, ROLE_NORMAL, "  %-16s %s", "", "(back goes no further than the pause)");
	add(h, ROLE_NORMAL, "  %-16s %s", "", "while the lesson runs: Space hurries it, time keys wait");
	add(h, ROLE_NORMAL, "%s", "");
}

static void build(struct help *h, const struct app *a)
{
	h->n = 0;
	add(h, ROLE_NORMAL, "ringside shows, instruction by instruction, who handles guest code: the hardware");
	add(h, ROLE_NORMAL, "(guest user code, or translated code), the VMM (it emulates privileged and sensitive");
	add(h, ROLE_NORMAL, "instructions), the VMKernel (a halted vCPU's world) or the VMX (the slow devices).");
	add(h, ROLE_NORMAL, "%s", "");
	if (a->play)
		lesson(h);
	table(h, a, KT_ROOT, "KEYS");
	table(h, a, KT_QUIZ, "WHILE A QUIZ QUESTION IS OPEN");
	table(h, a, KT_CPU, "IN THE CPU VIEW");
	table(h, a, KT_WORLDS, "IN THE WORLDS VIEW");
	table(h, a, KT_LOG, "IN THE LOG VIEW");
	table(h, a, KT_HELP, "IN THIS VIEW");
	add(h, ROLE_HEADER, "COMMANDS  (press : and type one, e.g.  :break 102000   :speed 50   :mode bt)");
	for (const struct command *c = commands; c->name; c++)
		add(h, ROLE_NORMAL, "  %-12s %-13s %s", c->name, c->usage, c->help);
	add(h, ROLE_NORMAL, "%s", "");
	add(h, ROLE_HEADER, "READING THE CPU VIEW");
	add(h, ROLE_NORMAL, "  Rings: the ring the guest believes it is in, and the real CPL. Under te and bt");
	add(h, ROLE_NORMAL, "    the VMM keeps real ring 0: guest ring 0 runs at CPL 1, rings 1-2 at CPL 2,");
	add(h, ROLE_NORMAL, "    ring 3 at CPL 3. Under hw (VT-x) the guest keeps its own rings in non-root");
	add(h, ROLE_NORMAL, "    mode and the VMM runs in root mode.");
	add(h, ROLE_NORMAL, "  Handler path: the components the last instruction went through, hop by hop.");
	add(h, ROLE_NORMAL, "  Code: > marks the next instruction, a bullet the last one, * a breakpoint;");
	add(h, ROLE_NORMAL, "    each line ends with its class (privileged, io, sensitive) and the mode it");
	add(h, ROLE_NORMAL, "    runs under: te; bt IDENT (copied) or non-IDENT (rewritten); direct; hw exit.");
	add(h, ROLE_NORMAL, "  Registers: the real CPU beside the virtual one the guest believes in; values");
	add(h, ROLE_NORMAL, "    changed by the last step or run are highlighted.");
	add(h, ROLE_NORMAL, "  Without colour (NO_COLOR, --no-color) highlights are bold, underline, reverse.");
}

void view_help_draw(struct app *a, const struct layout *l)
{
	static struct help h;
	struct rect in = draw_pane(&l->body, "Help: every key and command");
	int top = a->help_scroll;

	build(&h, a);
	/* clamp here, not in the model: the view never writes the app */
	if (top > h.n - in.h)
		top = h.n - in.h > 0 ? h.n - in.h : 0;
	for (int i = 0; i < in.h && top + i < h.n; i++)
		draw_text(&in, in.y + i, in.x + 1, h.role[top + i], h.line[top + i]);
}
