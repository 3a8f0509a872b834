/*
 * view_path.c - the handler path of the last instruction, lane by lane.
 *
 * One lane (row) per component: Guest, VMM, VMKernel, VMX, Hardware.  The
 * path is drawn left to right as a sequence diagram, one hop per column,
 * and animated: hop k appears k hop-times after the instruction ran
 * (app.c keeps the clock), the newest hop and its lane in reverse video.
 *
 *   Guest     o---+               +-- o        HLT: the VMM emulates it,
 *   VMM           o---+       +---o            the VMKernel blocks the world
 *   VMKernel          o-------+
 *   VMX
 *   Hardware
 *
 * Running too fast to animate, the pane shows instead how many
 * instructions took each path so far, as bars.
 */
#include <stdio.h>
#include <string.h>

#include "draw.h"
#include "explain.h"
#include "view.h"
#include "vm.h"

#define LANES 5
#define LABEL_W 10

static const enum path_hop lane_hop[LANES] = {
	HOP_GUEST, HOP_VMM, HOP_VMKERNEL, HOP_VMX, HOP_HARDWARE
};

static int lane_of(enum path_hop h)
{
	for (int i = 0; i < LANES; i++)
		if (lane_hop[i] == h)
			return i;
	return 0;
}

/* The connector from hop (la, xa) to hop (lb, xb): along, then up/down. */
static void connect(const struct rect *in, int la, int xa, int lb, int xb)
{
	int ya = in->y + la, yb = in->y + lb;

	draw_hrun(in, ya, xa + 1, xb - xa - 1, GL_HLINE, ROLE_HOP_DONE);
	if (lb == la)
		return;
	draw_glyph(in, ya, xb, lb > la ? GL_UR : GL_LR, ROLE_HOP_DONE);
	if (lb > la)
		draw_vrun(in, ya + 1, xb, yb - ya - 1, GL_VLINE, ROLE_HOP_DONE);
	else
		draw_vrun(in, yb + 1, xb, ya - yb - 1, GL_VLINE, ROLE_HOP_DONE);
}

/* "Guest > [VMM] > VMKernel > VMM > Guest   hop 2/5" */
static void words(const struct anim *an, const struct rect *in, int y)
{
	int x = in->x + 1;

	for (int i = 0; i < an->nhops; i++) {
		bool now = i == an->shown - 1 && an->shown < an->nhops;
		char w[24];

		if (i > 0)
			x = draw_text(in, y, x, ROLE_NORMAL, " > ");
		snprintf(w, sizeof w, now ? "[%s]" : "%s",
			 explain_hop_title(an->hop[i]));
		x = draw_text(in, y, x, now ? ROLE_HOP_ACTIVE :
			      i < an->shown ? ROLE_HOP_DONE : ROLE_DIM, w);
	}
	if (an->shown < an->nhops)
		draw_textf(in, y, x + 2, ROLE_DIM, "hop %d/%d", an->shown,
			   an->nhops);
}

static void lanes(struct app *a, const struct rect *in)
{
	const struct anim *an = &a->anim;
	int active = an->shown > 0 ? lane_of(an->hop[an->shown - 1]) : -1;
	int step = an->nhops > 1 ? (in->w - LABEL_W - 3) / (an->nhops - 1) : 0;
	int lx = -1, ll = 0;

	if (step > 8)
		step = 8;
	if (step < 2)
		step = 2;
	for (int i = 0; i < LANES && i < in->h; i++) {
		enum path_hop h = lane_hop[i];

		draw_text(in, in->y + i, in->x + 1,
			  i == active && an->shown < an->nhops ? ROLE_HOP_ACTIVE
							       : theme_hop_role(h),
			  explain_hop_title(h));
	}
	for (int i = 0; i < an->shown && i < an->nhops; i++) {
		int l = lane_of(an->hop[i]);
		int x = in->x + LABEL_W + 1 + i * step;
		bool now = i == an->shown - 1;

		if (lx >= 0)
			connect(in, ll, lx, l, x);
		draw_glyph(in, in->y + l, x, now ? GL_NODE : GL_NODE_DONE,
			   now ? ROLE_HOP_ACTIVE : ROLE_HOP_DONE);
		lx = x;
		ll = l;
	}
}

/* How many instructions went each way, as bars (running fast). */
static void bars(struct app *a, const struct rect *in)
{
	static const char *const label[PATH_COUNT] = {
		[PATH_DIRECT] = "Hardware",
		[PATH_VMM] = "VMM",
		[PATH_VMKERNEL] = "VMM+VMKernel",
		[PATH_VMX] = "VMM+VMX",
	};
	const struct vcpu_stats *st = &session_vcpu(a->sess)->stats;
	int barw = in->w - 18 - 8;

	for (int p = 0; p < PATH_COUNT && p < in->h; p++) {
		double f = st->insns ? (double)st->by_path[p] / (double)st->insns : 0;
		int n = (int)(f * barw + 0.5), y = in->y + p;

		if (n == 0 && st->by_path[p] > 0)
			n = 1;	/* never hide a path that was taken */
		draw_text(in, y, in->x + 1, ROLE_NORMAL, label[p]);
		draw_hrun(in, y, in->x + 18, n, GL_BLOCK, ROLE_HOP_DONE);
		draw_hrun(in, y, in->x + 18 + n, barw - n, GL_SHADE, ROLE_DIM);
		draw_textf(in, y, in->x + 19 + barw, ROLE_NORMAL, "%5.1f%%",
			   100.0 * f);
	}
}

void pane_path(struct app *a, const struct rect *r)
{
	const struct step_record *last = &a->sess->last;
	char title[128];
	struct rect in;

	if (last->valid)
		snprintf(title, sizeof title, "Handler path: %s (%s)", last->text,
			 class_name((enum insn_class)last->insn.u.insn.cls));
	else if (a->running)
		snprintf(title, sizeof title, "Handler paths taken since power-on");
	else
		snprintf(title, sizeof title, "Handler path");
	in = draw_pane(r, title);
	if (!last->valid && a->running) {
		bars(a, &in);
		return;
	}
	lanes(a, &in);
	if (!last->valid) {
		draw_text(&in, in.y + LANES, in.x + 1, ROLE_DIM,
			  session_vcpu(a->sess)->stats.insns ?
			  "Too fast to watch: s steps and shows one." :
			  "Nothing ran yet: s steps, n runs to a trap.");
		return;
	}
	words(&a->anim, &in, in.y + in.h - 1);
}
