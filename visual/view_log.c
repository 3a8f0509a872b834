/*
 * view_log.c - the Log view: every retained event, newest at the bottom.
 *
 * The lines are the trace's own English (trace_text), so what a student
 * reads here is what `ringside --headless --trace=text` prints.  Serial
 * events also show the line the guest printed.  One kind can be picked
 * (l cycles); the view follows the newest events unless scrolled up.
 * Per-instruction events are never retained (there can be billions), so
 * they are not here: the CPU view shows the last one.
 */
#include <stdio.h>
#include <string.h>

#include "draw.h"
#include "trace.h"
#include "view.h"
#include "vm.h"

static bool shown(const struct app *a, const struct event *ev)
{
	return a->log_mask == 0 || (a->log_mask & EVENT_MASK(ev->kind));
}

static void line(struct app *a, const struct rect *in, int y,
		 const struct event *ev)
{
	struct sim *s = a->sess->sim;
	char text[TRACE_LINE_MAX], out[TRACE_LINE_MAX];
	enum role r = ROLE_NORMAL;
	int x;

	trace_text(s, ev, text, sizeof text);
	switch (ev->kind) {
	case EV_TRAP: r = ROLE_VMM; break;	/* the VMM took over */
	case EV_IO: r = ROLE_VMX; break;
	case EV_POWER: r = ROLE_ALERT; break;
	case EV_RING: r = ROLE_GUEST; break;
	case EV_DISK: r = ROLE_VMKERNEL; break;	/* the storage stack */
	default: break;
	}
	x = draw_text(in, y, in->x + 1, r, draw_ascii(out, text, (int)strlen(text),
						      (int)sizeof out));
	if (ev->kind == EV_SERIAL) {
		size_t n;
		const char *p = vm_output_line(sim_vm(s, ev->vm), ev, &n);

		if (p == NULL)
			return;		/* the output was rewound: step back */
		if (n > 0 && p[n - 1] == '\n')
			n--;
		draw_text(in, y, x, ROLE_DIM, ":");
		draw_text(in, y, x + 2, ROLE_NORMAL,
			  draw_ascii(out, p, (int)n, (int)sizeof out));
	}
}

void view_log_draw(struct app *a, const struct layout *l)
{
	static const char *const kinds[] = {
		"all", "trap", "io", "serial", "vmx", "power", "ring", "disk"
	};
	const struct event_log *log = sim_events(a->sess->sim);
	size_t count = event_log_count(log), i = count;
	struct rect in;
	char title[200];
	int rows, skip, y;
	int x;

	snprintf(title, sizeof title, "Log: %zu events retained (%llu emitted)",
		 count, (unsigned long long)event_log_total(log));
	in = draw_pane(&l->body, title);
	/* the filter, as a row of words: the chosen one in brackets */
	x = in.x + 1;
	x = draw_text(&in, in.y, x, ROLE_DIM, "show (l):");
	for (int k = 0; k < (int)(sizeof kinds / sizeof kinds[0]); k++) {
		bool on = k == 0 ? a->log_mask == 0 :
			  a->log_mask != 0 && strcmp(event_kind_name((enum event_kind)
						     __builtin_ctz(a->log_mask)), kinds[k]) == 0;
		char w[16];

		snprintf(w, sizeof w, on ? "[%s]" : " %s ", kinds[k]);
		x = draw_text(&in, in.y, x + 1, on ? ROLE_TAB_ACTIVE : ROLE_TAB, w);
	}
	draw_text(&in, in.y, x + 2, ROLE_DIM, "Up/Down/PgUp/PgDn scroll, End follows");
	rows = in.h - 1;
	if (rows <= 0)
		return;
	/* walk back from the newest, skipping the lines scrolled past */
	skip = a->log_scroll;
	if (skip > 0) {
		/* no further than the oldest page (the model keeps what was asked) */
		int matches = 0;

		for (size_t k = 0; k < count; k++)
			matches += shown(a, event_log_at(log, k));
		if (skip > matches - (rows - 1))
			skip = matches - (rows - 1) > 0 ? matches - (rows - 1) : 0;
	}
	/* the newest `rows` events shown, then drawn oldest first from the top */
	{
		size_t pick[256];
		int n = 0;

		if (rows > (int)(sizeof pick / sizeof pick[0]))
			rows = (int)(sizeof pick / sizeof pick[0]);
		while (i > 0 && n < rows) {
			const struct event *ev = event_log_at(log, --i);

			if (!shown(a, ev))
				continue;
			if (skip > 0) {
				skip--;
				continue;
			}
			pick[n++] = i;
		}
		y = in.y + 1;
		for (int k = n - 1; k >= 0; k--)
			line(a, &in, y++, event_log_at(log, pick[k]));
		if (n == 0)
			draw_text(&in, in.y + 1, in.x + 1, ROLE_DIM,
				  "(no events of this kind yet)");
	}
}
