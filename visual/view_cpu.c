/*
 * view_cpu.c - the CPU view: where the guest is, what it just did, why.
 *
 * Seven panes (layout.c places them): the protection rings, the handler
 * path, the explanation and the counters are drawn here; code and console
 * in view_code.c, registers in view_regs.c, the path in view_path.c.
 */
#include <stdio.h>
#include <string.h>

#include "draw.h"
#include "explain.h"
#include "view.h"
#include "vm.h"
#include "vmkernel/storage.h"
#include "vmm/vcpu_stats.h"

const char *view_count(uint64_t n, char *buf, int size)
{
	char digits[32];
	int len = snprintf(digits, sizeof digits, "%llu", (unsigned long long)n);
	int j = 0;

	for (int i = 0; i < len && j < size - 1; i++) {
		if (i > 0 && (len - i) % 3 == 0 && j < size - 2)
			buf[j++] = ',';
		buf[j++] = digits[i];
	}
	buf[j] = '\0';
	return buf;
}

/* ---- rings -------------------------------------------------------------- */

/*
 * The four rings twice: as the guest believes and as the real CPU runs
 * them (ring deprivileging under te and bt; under hw the guest kernel is
 * at ring 0 of non-root mode, though Unicorn runs it at CPL 1).  x86
 * names no ring but by number: "services" and "drivers" for rings 1 and 2
 * are the course text's OS convention, so they are not shown as x86's.  The guest's ring
 * and the real CPL are each marked with a pointer and reverse video.
 */
/*
 * Under hw the same pane shows VT-x as it is: the guest's four rings in
 * non-root mode, its kernel at ring 0, and the VMM in root mode [Intel SDM
 * vol. 3C 23.3; Uhlig et al. 2005].  No ring is given up, so no column of
 * deprivileged rings: the CPL 1 Unicorn really runs the guest kernel at is
 * ringside's machinery, said in one line at the bottom.
 */
static void pane_rings_vtx(const struct regs *g, const struct rect *r)
{
	static const char *const guest[4] = {
		"kernel", "ring 1", "ring 2", "user"
	};
	static const char *const root[4] = {
		"VMM, VMKernel", "", "", "VMX, user worlds"
	};
	char title[96];
	struct rect in;
	int y, x = r->x + 1;

	snprintf(title, sizeof title,
		 "Rings: guest in ring %d of non-root mode (VT-x)", g->vring);
	in = draw_pane(r, title);
	y = in.y;
	if (in.h >= 5)
		draw_text(&in, y++, x, ROLE_HEADER, "  non-root: guest    root: ESX");
	for (int k = 0; k < 4 && y < in.y + in.h; k++, y++) {
		bool here = g->vring == k;
		int xg = x + 2, xm = xg + 9, xr = xm + 9;

		draw_textf(&in, y, x, ROLE_NORMAL, "%d", k);
		draw_text(&in, y, xg, here ? ROLE_MARK : ROLE_NORMAL, guest[k]);
		if (here) {
			draw_glyph(&in, y, xm, GL_POINT_L, ROLE_MARK);
			draw_text(&in, y, xm + 1, ROLE_MARK, "guest");
		}
		draw_text(&in, y, xr, ROLE_VMM, root[k]);
	}
	if (y < in.y + in.h)
		draw_textf(&in, y, x, ROLE_DIM,
			   "(ringside's CPU runs it at CPL %d: Unicorn has no VT-x)",
			   g->cpl);
}

static void pane_rings(struct app *a, const struct rect *r)
{
	static const char *const believed[4] = {
		"kernel", "ring 1", "ring 2", "user"
	};
	static const char *const real[4] = {
		"VMM+VMKernel", "guest ring 0", "guest ring 1+2", "guest ring 3"
	};
	const struct regs *g = &a->sess->now;
	char title[96];
	struct rect in;
	int y, x = r->x + 1;

	if (session_vm(a->sess)->cfg.mode == MODE_HW) {
		pane_rings_vtx(g, r);
		return;
	}
	snprintf(title, sizeof title, "Rings: guest in ring %d, CPU at CPL %d",
		 g->vring, g->cpl);
	in = draw_pane(r, title);
	y = in.y;
	if (in.h >= 5) {
		draw_text(&in, y++, x, ROLE_HEADER, "  guest believes   real CPU runs");
	}
	for (int k = 0; k < 4 && y < in.y + in.h; k++, y++) {
		bool here = g->vring == k, cpu = g->cpl == k;
		int xg = x + 2, xm = xg + 9, xr = xm + 7, xc = xr + 15;

		draw_textf(&in, y, x, ROLE_NORMAL, "%d", k);
		draw_text(&in, y, xg, here ? ROLE_MARK : ROLE_NORMAL, believed[k]);
		if (here) {
			draw_glyph(&in, y, xm, GL_POINT_L, ROLE_MARK);
			draw_text(&in, y, xm + 1, ROLE_MARK, "guest");
		}
		draw_text(&in, y, xr, cpu ? ROLE_MARK : (k == 0 ? ROLE_VMM : ROLE_NORMAL),
			  real[k]);
		if (cpu) {
			draw_glyph(&in, y, xc, GL_POINT_L, ROLE_MARK);
			draw_text(&in, y, xc + 1, ROLE_MARK, "CPU");
		}
	}
}

/* ---- explanation -------------------------------------------------------- */

/*
 * The pane's text flows as parts (each its own colour) into one column
 * that scrolls: Up and Down move it, the title says what is above or
 * below, and nothing is cut off unseen.
 */
struct flow {
	const struct rect *in;
	int row;		/* rows of the column so far */
	int top;		/* the first row shown */
};

static void flow_add(struct flow *f, enum role role, const char *text)
{
	int skip = f->top > f->row ? f->top - f->row : 0;
	int y = f->in->y + f->row - f->top + skip;

	f->row += draw_wrap_from(f->in, y, skip, role, text);
}

static void flow_gap(struct flow *f)
{
	f->row++;
}

static void quiz_question(struct app *a, struct flow *f)
{
	const struct quiz *q = &a->quiz;
	char text[400];

	snprintf(text, sizeof text,
		 "QUIZ: the next instruction is '%s' (%s). Who will handle it?",
		 q->text, class_name((enum insn_class)q->cls));
	flow_add(f, ROLE_HOP_DONE, text);
	flow_add(f, ROLE_NORMAL,
		 "[h] the hardware  [v] the VMM  [k] the VMKernel  [x] the VMX  [g] the guest itself   (Esc: skip)");
}

static void quiz_result(struct app *a, struct flow *f)
{
	const struct quiz *q = &a->quiz;
	char text[1024];
	bool right = q->given == q->correct;

	snprintf(text, sizeof text, "%s You said the %s; it was the %s: %s. %s",
		 right ? "[RIGHT]" : "[NOT QUITE]", quiz_answer_name(q->given),
		 quiz_answer_name(q->correct), q->why, q->course);
	flow_add(f, right ? ROLE_GOOD : ROLE_BAD, text);
}

/* What the VM on screen did last, in words; then what it runs next. */
static void explain_text(struct app *a, struct flow *f)
{
	struct session *s = a->sess;
	struct vm *vm = session_vm(s);
	char text[1600], next[200], asmtext[X86_TEXT_MAX], num[32];
	struct x86_instruction x;

	if (vm->state != VM_ON) {
		explain_power(vm, next, sizeof next);
		snprintf(text, sizeof text, "The VM %s is %s.%s", vm->name, next,
			 a->play ? "" : " b steps back, R restarts.");
		flow_add(f, ROLE_ALERT, text);
		if (vm->state == VM_PAUSED) {	/* ESX's question (storage.h) */
			char q[320];

			storage_no_space_text(vm, q, sizeof q);
			snprintf(text, sizeof text, "ESX asks: %s", q);
			flow_add(f, ROLE_ALERT, text);
		}
	}
	if (a->quiz.graded && a->quiz.gen == s->last_gen)
		quiz_result(a, f);
	if (!s->last.valid && a->running) {
		char speed[48];

		if (app_speed_ips(a))
			snprintf(speed, sizeof speed, "%u instructions a second",
				 app_speed_ips(a));
		else
			snprintf(speed, sizeof speed, "full speed");
		snprintf(text, sizeof text,
			 "Running at %s: too fast to explain each instruction. The path pane counts where they went; r pauses and explains the last one.",
			 a->until_trap ? "full speed to the next trap" : speed);
		flow_add(f, ROLE_NORMAL, text);
		return;
	}
	if (!s->last.valid && session_vcpu(s)->stats.insns > 0) {
		/* it ran, but nobody watched its instructions one by one */
		snprintf(text, sizeof text,
			 "VM %s has run %s instructions, too fast to watch each one; the last of them is not known. s runs one more and explains it%s.",
			 vm->name, view_count(session_vcpu(s)->stats.insns, num, sizeof num),
			 a->play ? " (the lesson goes on with Space, from where it was)" : "");
		flow_add(f, ROLE_NORMAL, text);
	} else {
		explain_step(&s->last, text, sizeof text);
		flow_add(f, ROLE_NORMAL, text);
	}
	if (vm->state == VM_ON && session_decode(s, s->now.geip, &x)) {
		session_insn_text(s, &x, asmtext, sizeof asmtext);
		explain_next(&x, s->now.vring,
			     (enum exec_mode)session_vcpu(s)->exec, next,
			     sizeof next);
		snprintf(text, sizeof text, "Next: %s -- %s", asmtext, next);
		flow_gap(f);
		flow_add(f, ROLE_DIM, text);
	}
}

#define EXPLAIN_TITLE "What happened, and why"

static void pane_explain(struct app *a, const struct rect *r)
{
	struct rect title = { r->x, r->y, r->w, r->h > 0 ? 1 : 0 };
	struct rect in = draw_pane(r, EXPLAIN_TITLE);
	struct flow f = { &in, 0, 0 };
	char more[48];

	if (a->explain_gen != a->sess->last_gen) {	/* a new instruction */
		a->explain_gen = a->sess->last_gen;
		a->explain_scroll = 0;
	}
	/* once to measure (drawn nowhere), once to draw */
	{
		struct rect none = { in.x, in.y, in.w, 0 };
		struct flow m = { &none, 0, 0 };

		if (a->quiz.pending)
			quiz_question(a, &m);
		else
			explain_text(a, &m);
		if (a->explain_scroll > m.row - in.h)	/* keep it in the text */
			a->explain_scroll = m.row - in.h > 0 ? m.row - in.h : 0;
		f.top = a->explain_scroll;
		if (f.top > 0 || m.row - f.top > in.h) {
			bool up = f.top > 0, down = m.row - f.top > in.h;

			/* in a narrow pane, short enough to leave the title whole */
			draw_scroll_hint(up, down,
					 r->w - (int)sizeof EXPLAIN_TITLE - 3,
					 more, sizeof more);
			draw_text(&title, r->y, r->x + r->w - (int)strlen(more) - 1,
				  ROLE_TAB_ACTIVE, more);
		}
	}
	if (a->quiz.pending)
		quiz_question(a, &f);
	else
		explain_text(a, &f);
}

/* ---- counters ------------------------------------------------------------ */

struct counter {
	const char *name;	/* in two columns */
	const char *tiny;	/* flowed, in a narrow pane */
	uint64_t value;
	enum role role;
};

/*
 * Instructions by class on the left; on the right what the VMM did: traps
 * it emulated, guest faults reflected, INT n delivered,
 * sensitive instructions fixed up, port accesses sent to the VMX, and the
 * mode's own work (callouts from translated code, or VM exits).
 */
static void pane_counters(struct app *a, const struct rect *r)
{
	struct vcpu *v = session_vcpu(a->sess);
	const struct vcpu_stats *st = &v->stats;
	/* what the VMM did (vcpu_stats.h names them); the last counter is
	 * the mode's own work */
	static const struct { const char *key, *tiny; enum role role; } vmm[] = {
		{ "traps", "traps", ROLE_VMM },	/* the VMM emulates them */
		{ "reflected", "refl", ROLE_GUEST },
		{ "soft_ints", "INT", ROLE_GUEST },
		{ "vmm_emulated", "fixup", ROLE_VMM },
		{ "vmx_io", "I/O", ROLE_VMX },
	};
	const struct vcpu_stat *own = vcpu_stats_find(
		v->exec == MODE_HW ? "exits" :
		v->exec == MODE_TE ? "ring_switches" : "callouts");
	struct counter c[11] = {
		{ "instructions", "insn", st->insns, ROLE_NORMAL },
		{ "privileged", "priv", st->by_class[CLASS_PRIVILEGED], ROLE_PRIVILEGED },
		{ "io", "io", st->by_class[CLASS_IO], ROLE_IO },
		{ "sensitive", "sens", st->by_class[CLASS_SENSITIVE], ROLE_SENSITIVE },
		{ "innocuous", "inn", st->by_class[CLASS_INNOCUOUS], ROLE_INNOCUOUS },
	};
	for (int i = 0; i < 5; i++) {
		const struct vcpu_stat *k = vcpu_stats_find(vmm[i].key);

		c[5 + i] = (struct counter){ k->label, vmm[i].tiny,
					     vcpu_stats_value(st, k), vmm[i].role };
	}
	c[10] = (struct counter){ own->label, own->label,
				  vcpu_stats_value(st, own), ROLE_VMM };
	int n = (int)(sizeof c / sizeof c[0]);
	struct rect in = draw_pane(r, "Counters");
	char num[32];

	if (in.h >= 5 && in.w >= 44) {
		/* two columns: instructions by class | what the VMM did */
		int half = in.w / 2;

		for (int i = 0; i < n; i++) {
			int col = i < 5 ? 0 : 1, row = i < 5 ? i : i - 5;
			int x = in.x + 1 + col * half;

			draw_text(&in, in.y + row, x, c[i].role, c[i].name);
			view_count(c[i].value, num, sizeof num);
			draw_text(&in, in.y + row, x + half - 3 - (int)strlen(num),
				  ROLE_NORMAL, num);
		}
		return;
	}
	/* flowed: "name value" items left to right, as many as fit */
	for (int i = 0, x = in.x + 1, y = in.y; i < n && y < in.y + in.h; i++) {
		int w;

		view_count(c[i].value, num, sizeof num);
		w = (int)strlen(c[i].tiny) + 1 + (int)strlen(num);
		if (x + w > in.x + in.w && x > in.x + 1) {
			x = in.x + 1;
			y++;
			if (y >= in.y + in.h)
				break;
		}
		x = draw_text(&in, y, x, c[i].role, c[i].tiny);
		x = draw_text(&in, y, x + 1, ROLE_NORMAL, num) + 2;
	}
}

void view_cpu_draw(struct app *a, const struct layout *l)
{
	pane_rings(a, &l->pane[PANE_RINGS]);
	pane_path(a, &l->pane[PANE_PATH]);
	pane_explain(a, &l->pane[PANE_EXPLAIN]);
	pane_counters(a, &l->pane[PANE_COUNTERS]);
	pane_code(a, &l->pane[PANE_CODE]);
	pane_regs(a, &l->pane[PANE_REGS]);
	pane_console(a, &l->pane[PANE_CONSOLE]);
}
