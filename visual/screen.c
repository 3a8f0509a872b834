/*
 * screen.c - one frame: the tabs, the current view, the status line and
 * the key hints; or, in a terminal too small for any of it, a request to
 * enlarge it.  Drawing reads the app and the world and changes neither.
 */
#include <stdio.h>
#include <string.h>

#include "draw.h"
#include "play.h"
#include "screen.h"
#include "term.h"
#include "view.h"
#include "vm.h"

const struct view views[VIEW_COUNT] = {
	[VIEW_CPU] = { "CPU", view_cpu_draw },
	[VIEW_ARCH] = { "Architecture", view_arch_draw },
	[VIEW_WORLDS] = { "Worlds", view_worlds_draw },
	[VIEW_XLAT] = { "Translation", view_xlat_draw },
	[VIEW_LOG] = { "Log", view_log_draw },
	[VIEW_HELP] = { "Help", view_help_draw },
	[VIEW_CLUSTER] = { "Cluster", view_cluster_draw },
	[VIEW_VMCS] = { "VMCS", view_vmcs_draw },
};

static void tabs(struct app *a, const struct layout *l)
{
	const struct rect *r = &l->tabs;
	struct vm *vm = session_vm(a->sess);
	const char *guest = strrchr(vm->guest_path, '/');
	char right[300];
	int x = r->x;

	/* which VM is on screen: every view describes that one */
	snprintf(right, sizeof right, "VM %s: %s  mode %s ", vm->name,
		 guest ? guest + 1 : vm->guest_path, exec_mode_name(vm->cfg.mode));
	/*
	 * The tabs, named; where that leaves no room for the VM, the views
	 * other than the one on screen shrink to their numbers (the chrome
	 * goes before what the screen is about).
	 */
	bool compact = false;
	for (int pass = 0; pass < 2; pass++) {
		int need = 10;		/* " ringside " */

		for (int v = 0; v < VIEW_COUNT; v++)
			need += 1 + ((int)a->view == v || !compact ?
				     4 + (int)strlen(views[v].name) : 3);
		if (need + 2 + (int)strlen(right) <= r->w)
			break;
		compact = true;
	}
	x = draw_text(r, r->y, x, ROLE_HOP_DONE, " ringside ");
	for (int v = 0; v < VIEW_COUNT; v++) {
		char tab[32];
		bool on = (int)a->view == v;

		if (on)
			snprintf(tab, sizeof tab, "[%d %s]", v + 1, views[v].name);
		else if (compact)
			snprintf(tab, sizeof tab, " %d ", v + 1);
		else
			snprintf(tab, sizeof tab, " %d %s ", v + 1, views[v].name);
		x = draw_text(r, r->y, x + 1, on ? ROLE_TAB_ACTIVE : ROLE_TAB, tab);
	}
	if (x + 2 + (int)strlen(right) <= r->x + r->w)
		draw_text(r, r->y, r->x + r->w - (int)strlen(right), ROLE_DIM, right);
}

/* "PAUSED  insn 1,234  EIP 00103cbb  t 1.234 ms  ...  message" */
static void status(struct app *a, const struct layout *l)
{
	const struct rect *r = &l->status;
	struct session *s = a->sess;
	struct vm *vm = session_vm(s);
	char state[48], num[32], extra[96] = "";
	int x;

	draw_fill(r, r, ROLE_STATUS);
	if (a->prompt) {
		x = draw_textf(r, r->y, r->x, ROLE_STATUS, ":%s", a->prompt_buf);
		draw_glyph(r, r->y, x, GL_BLOCK, ROLE_STATUS);
		draw_text(r, r->y, x + 3, ROLE_STATUS, "(Enter runs, Esc cancels)");
		return;
	}
	if (vm->state == VM_PAUSED)
		snprintf(state, sizeof state, "VM PAUSED (no disk space): Y retry, C cancel");
	else if (vm->state != VM_ON)
		snprintf(state, sizeof state, "VM %s", vm->state == VM_HALTED ? "HALTED" : "OFF");
	else if (a->running && a->until_trap)
		snprintf(state, sizeof state, "RUNNING to a trap");
	else if (a->running && app_speed_ips(a) == 0)
		snprintf(state, sizeof state, "RUNNING free");
	else if (a->running)
		snprintf(state, sizeof state, "RUNNING %u/s", app_speed_ips(a));
	else
		snprintf(state, sizeof state, "PAUSED");
	if (s->nbrk)
		snprintf(extra, sizeof extra, " bp %d", s->nbrk);
	for (int c = 0; c < CLASS_COUNT; c++)
		if (s->brk_classes & (1u << c))
			snprintf(extra + strlen(extra), sizeof extra - strlen(extra),
				 " bp %s", class_name((enum insn_class)c));
	if (a->quiz.on)
		snprintf(extra + strlen(extra), sizeof extra - strlen(extra),
			 " quiz %d/%d", a->quiz.right, a->quiz.asked);
	{
		int ids[2];
		char who[48] = "";

		/* several VMs: the status line names the one on screen */
		if (session_vms_shown(s, ids, 2) > 1)
			snprintf(who, sizeof who, "  VM %s", vm->name);
		x = draw_textf(r, r->y, r->x, ROLE_STATUS, " %s%s  insn %s  EIP %08x%s ",
			       state, who,
			       view_count(session_position(s), num, sizeof num),
			       s->now.geip, extra);
	}
	{
		/* the message ends in an ellipsis before "? help", never under it */
		struct rect room = { r->x, r->y, r->w - (l->hints.h == 0 ? 8 : 0), 1 };

		draw_text(&room, r->y, x + 1, a->msg_error ? ROLE_ERROR : ROLE_STATUS,
			  a->msg);
	}
	if (l->hints.h == 0)	/* no hints line: at least say where help is */
		draw_text(r, r->y, r->x + r->w - 8, ROLE_STATUS, " ? help ");
}

static void hints(const struct layout *l)
{
	static const char *const keys[][2] = {
		{ "s", "step" }, { "n", "next trap" }, { "r", "run" },
		{ "b", "back" }, { "+/-", "speed" }, { "f", "free" },
		{ "x", "break" }, { "t", "quiz" }, { "m", "mode" },
		{ "Tab", "views" }, { "?", "help" }, { "q", "quit" },
	};
	const struct rect *r = &l->hints;

	draw_hints(r, keys, sizeof keys / sizeof keys[0]);
}

static void too_small(const struct layout *l)
{
	struct rect all = { 0, 0, l->cols, l->rows };
	char text[200];

	snprintf(text, sizeof text,
		 "ringside needs a terminal of at least %dx%d; this one is %dx%d. Enlarge it, or press q to quit.",
		 LAYOUT_MIN_COLS, LAYOUT_MIN_ROWS, l->cols, l->rows);
	draw_wrap(&all, l->rows / 2 - 1 > 0 ? l->rows / 2 - 1 : 0, ROLE_NORMAL, text);
}

void screen_draw(struct app *a)
{
	struct layout l;
	int cols, rows;

	term_size(&cols, &rows);
	/* a scenario playing gets its narration pane below the view */
	if (a->presenter && a->view == VIEW_CPU)
		layout_compute_presenter(cols, rows, a->play != NULL, &l);
	else
		layout_compute_narrated(cols, rows,
					a->play ? layout_narration_rows(rows) : 0, &l);
	erase();
	if (l.too_small) {
		too_small(&l);
	} else {
		tabs(a, &l);
		views[a->view].draw(a, &l);
		status(a, &l);
		if (a->play) {
			play_tui_draw(a, &l.narration);
			play_tui_hints(a, &l.hints);
		} else {
			hints(&l);
		}
	}
	refresh();
}
