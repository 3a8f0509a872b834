/*
 * view_worlds.c - the Worlds view: esxtop's CPU screen for every host.
 *
 * In ESX the VMKernel schedules "worlds" on the physical CPUs: per VM one
 * VMM world per virtual CPU (it runs the guest and takes its traps), one
 * VMX world (the user world that bootstrapped the VM and emulates its
 * slow devices) and one MKS world (its remote console); beside them the
 * service console and one idle world per pCPU.  Each gets a line with
 * esxtop's counters since the world began (world.h explains each), and
 * for a VMM world what the VMM did for it.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "draw.h"
#include "view.h"
#include "vm.h"
#include "vmm/vmm.h"
#include "vmkernel/world.h"

/*
 * A row's columns, esxtop's first.  Wide, 89 columns; in a narrower body
 * (an 80-column terminal) the names are cut to 12 and INSNS, which is
 * ringside's and in the title too, is dropped: 79 columns.
 */
enum { COL_WID, COL_NAME, COL_STATE, COL_USED, COL_RUN, COL_SYS, COL_RDY,
       COL_CSTP, COL_WAIT, COL_IDLE, COL_INSNS, COL_TRAPS, COL_PCPU, NCOLS };
#define ROW_WIDE 89

static void draw_row(const struct rect *b, int y, enum role role,
		     const char *const col[NCOLS])
{
	bool narrow = b->w < ROW_WIDE;
	int name = narrow ? 12 : 14;
	char line[ROW_WIDE + 1], insns[16] = "";

	if (!narrow)
		snprintf(insns, sizeof insns, " %7s", col[COL_INSNS]);
	snprintf(line, sizeof line,
		 " %3s %-*.*s %-7.7s %5s %5s %5s %5s %5s %5s %5s%s %6s %4s",
		 col[COL_WID], name, name, col[COL_NAME], col[COL_STATE],
		 col[COL_USED], col[COL_RUN], col[COL_SYS], col[COL_RDY],
		 col[COL_CSTP], col[COL_WAIT], col[COL_IDLE], insns,
		 col[COL_TRAPS], col[COL_PCPU]);
	draw_text(b, y, b->x, role, line);
}

static const char *state_word(const struct world *w)
{
	if (w->kind == WORLD_VMM && w->vm && !w->vm->modelled &&
	    w->state == WORLD_WAITING &&
	    w->vm->vcpu[w->vcpu]->state == VCPU_HALTED)
		return "hlt";
	return world_state_name(w->state);
}

static enum role role_of(const struct world *w)
{
	switch (w->kind) {
	case WORLD_VMM: return ROLE_VMM;
	case WORLD_VMX: return ROLE_VMX;
	case WORLD_IDLE: return ROLE_DIM;
	default: return ROLE_VMKERNEL;
	}
}

static void percent(char *buf, size_t n, uint64_t part, uint64_t whole)
{
	snprintf(buf, n, "%.1f", whole ? 100.0 * (double)part / (double)whole
				       : 0.0);
}

/* Worlds of VMs that are off are gone from the VMKernel: not listed. */
static int live_worlds(struct host *h)
{
	int n = 0;

	for (int i = 0; i < host_world_count(h); i++)
		n += host_world(h, i)->state != WORLD_DEAD;
	return n;
}

/* A host's lines from row y (clipped to b); returns the row after them. */
static int draw_host(const struct rect *b, int y, struct host *h,
		     uint64_t now)
{
	char used[16], run[16], rdy[16], cstp[16], wait[16], idle[16],
	     sys[16], ins[32], trp[32], wid[12];
	int gone = host_world_count(h) - live_worlds(h);

	draw_textf(b, y++, b->x + 1, ROLE_HEADER,
		   "%s (%s): %d pCPU at %u MHz, %u MiB, %d VM%s%s", h->name,
		   host_kind_name(h->cfg.kind), h->cfg.pcpus, h->cfg.mhz,
		   h->cfg.mem_mb, host_vm_count(h),
		   host_vm_count(h) == 1 ? "" : "s",
		   host_kind_is_hosted(h->cfg.kind) && !h->logged_in ?
		   ", user logged off" : "");
	draw_row(b, y++, ROLE_TITLE, (const char *const[NCOLS]){
		"WID", "NAME", "STATE", "%USED", "%RUN", "%SYS", "%RDY",
		"%CSTP", "%WAIT", "%IDLE", "INSNS", "TRAPS", "PCPU" });
	for (int i = 0; i < host_world_count(h); i++) {
		const struct world *w = host_world(h, i);
		struct world_times t;
		uint64_t life;
		char pcpu[16] = "-";

		if (w->state == WORLD_DEAD)
			continue;
		world_times_at(w, now, &t);
		life = world_life(&t) ? world_life(&t) : now;	/* since it began */
		percent(used, sizeof used, t.run + t.sys, life);	/* %RUN + %SYS */
		percent(run, sizeof run, t.run, life);
		percent(rdy, sizeof rdy, t.ready, life);
		percent(cstp, sizeof cstp, t.cstp, life);
		percent(wait, sizeof wait, t.wait, life);
		percent(idle, sizeof idle, t.idle, life);
		percent(sys, sizeof sys, t.sys, life);
		snprintf(wid, sizeof wid, "%d", w->id);
		if (w->pcpu >= 0)
			snprintf(pcpu, sizeof pcpu, "%d", w->pcpu);
		if (w->kind == WORLD_VMM && w->vm && !w->vm->modelled) {
			const struct vcpu_stats *st = &w->vm->vcpu[w->vcpu]->stats;

			view_count(st->insns, ins, sizeof ins);
			view_count(st->traps + st->callouts + st->exits, trp,
				   sizeof trp);
		} else {
			snprintf(ins, sizeof ins, "-");
			snprintf(trp, sizeof trp, "-");
		}
		draw_row(b, y++, role_of(w), (const char *const[NCOLS]){
			wid, w->name, state_word(w), used, run, sys, rdy, cstp,
			wait, idle, ins, trp, pcpu });
	}
	if (gone > 0)
		draw_textf(b, y++, b->x + 1, ROLE_DIM,
			   "(%d world%s of VMs powered off: gone)", gone,
			   gone == 1 ? "" : "s");
	return y;
}

#define WORLDS_NOTE "The VMKernel schedules worlds on physical CPUs: a VMM world per vCPU (the VMM thread running it), a VMX world per VM (bootstrap, serial/parallel/CD-ROM emulation: its device work shows as its %USED), an MKS world (remote console), the service console on pCPU 0, an idle world per pCPU. %USED = %RUN + %SYS; %RUN: on a pCPU doing its own work (for a VMM world the guest's code and the VMM's traps, callouts, exits and emulation); %SYS: the VMKernel's work on its behalf (host interrupts, the storage stack); %RDY: ready but waiting for a pCPU; %CSTP: co-stopped, an SMP VM's vCPU held back until its slowest sibling catches up; %WAIT: blocked (%IDLE: its guest halted); TRAPS: traps, callouts and VM exits. Since the world began; `ringside --headless --esxtop` prints them per interval."

/*
 * The table scrolls (Up, Down, PgUp, PgDn): a world of three hosts is
 * longer than a terminal.  The first row stays; the title says what is
 * above and below.
 */
void view_worlds_draw(struct app *a, const struct layout *l)
{
	const struct rect *b = &l->body;
	struct rect list = { b->x, b->y + 1, b->w, b->h - 1 };
	struct sim *s = a->sess->sim;
	uint64_t now = sim_clock_ns(s);
	char n1[32], title[96], more[48] = "";
	int total = 0, top = a->worlds_scroll, y;

	for (int i = 0; i < sim_host_count(s); i++) {
		struct host *h = sim_host(s, i);

		total += 3 + live_worlds(h) +
			 (host_world_count(h) > live_worlds(h));
	}
	total += 1 + draw_wrap_rows(&list, WORLDS_NOTE);
	/* the view keeps the scroll within its text (Up works at once) */
	if (top > total - list.h)
		top = a->worlds_scroll = total - list.h > 0 ? total - list.h : 0;
	snprintf(title, sizeof title,
		 "Worlds: simulated time %.3f ms, %s instructions",
		 (double)now / 1e6,
		 view_count(session_position(a->sess), n1, sizeof n1));
	if (top > 0 || total - top > list.h)	/* whole in 80 columns */
		draw_scroll_hint(top > 0, total - top > list.h,
				 b->w - (int)strlen(title) - 4, more,
				 sizeof more);
	draw_textf(b, b->y, b->x + 1, ROLE_HEADER, "%s%s%s", title,
		   more[0] ? "   " : "", more);
	y = list.y - top;
	for (int i = 0; i < sim_host_count(s); i++)
		y = draw_host(&list, y + 1, sim_host(s, i), now);
	draw_wrap_from(&list, y + 1 > list.y ? y + 1 : list.y,
		       y + 1 < list.y ? list.y - y - 1 : 0, ROLE_DIM,
		       WORLDS_NOTE);
}
