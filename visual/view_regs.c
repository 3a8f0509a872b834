/*
 * view_regs.c - real beside virtual registers.
 *
 * The left column is the real CPU: what the VMM set up (its GDT and IDT in
 * its private area at 0xffc00000, CS with RPL 1 for the guest kernel).
 * The right column is the virtual CPU: what the guest loaded and believes
 * (its own GDT and IDT, CS with RPL 0).  A value that changed in the last
 * step or run is bold and underlined or coloured.  General registers are
 * the same for both: the guest sees the real ones, and they get a third
 * column when the pane is wide enough.
 *
 * Under hw there is nothing to believe: with VT-x the guest's own CS, GDTR
 * and IDTR are live in non-root mode (the right column, the VMCS's guest
 * state).  The left column is then only ringside's machinery underneath,
 * Unicorn running the guest kernel at CPL 1 on the VMM's tables, and says
 * so.
 */
#include <stdio.h>
#include <string.h>

#include "draw.h"
#include "view.h"

#define SYS_ROWS 12

/* Row i of the system registers: its label and both values, as text. */
static void sys_row(int i, const struct regs *g, char *label, char *real,
		    char *virt)
{
	const int n = 16;

	switch (i) {
	case 0:
		strcpy(label, "CS");
		snprintf(real, n, "%04x rpl %u", g->seg[1], g->seg[1] & 3u);
		snprintf(virt, n, "%04x rpl %u", g->vcs, g->vcs & 3u);
		break;
	case 1:
		strcpy(label, "EFLAGS");
		snprintf(real, n, "%08x", g->eflags);
		snprintf(virt, n, "%08x", g->veflags);
		break;
	case 2:
		strcpy(label, " IF IOPL");
		snprintf(real, n, "%u  %u", (g->eflags >> 9) & 1u, (g->eflags >> 12) & 3u);
		snprintf(virt, n, "%u  %u", (g->veflags >> 9) & 1u, (g->veflags >> 12) & 3u);
		break;
	case 3:
		strcpy(label, "CR0");
		snprintf(real, n, "%08x", g->cr[0]);
		snprintf(virt, n, "%08x", g->vcr[0]);
		break;
	case 4:
		strcpy(label, "GDTR");
		snprintf(real, n, "%08x/%04x", g->gdtr.base, g->gdtr.limit & 0xffffu);
		snprintf(virt, n, "%08x/%04x", g->vgdt_base, g->vgdt_limit);
		break;
	case 5:
		strcpy(label, "IDTR");
		snprintf(real, n, "%08x/%04x", g->idtr.base, g->idtr.limit & 0xffffu);
		snprintf(virt, n, "%08x/%04x", g->vidt_base, g->vidt_limit);
		break;
	case 6:
		/* under binary translation the CPU runs the VMM's translation */
		strcpy(label, "EIP");
		snprintf(real, n, "%08x", g->eip);
		snprintf(virt, n, "%08x", g->geip);
		break;
	case 7:
		strcpy(label, "TR");
		snprintf(real, n, "%04x", g->tr.selector);
		snprintf(virt, n, "%04x", g->vtr);
		break;
	case 8:
		strcpy(label, "LDTR");
		snprintf(real, n, "%04x", g->ldtr.selector);
		snprintf(virt, n, "%04x", g->vldtr);
		break;
	case 9:
		strcpy(label, "CR3");
		snprintf(real, n, "%08x", g->cr[3]);
		snprintf(virt, n, "%08x", g->vcr[3]);
		break;
	case 10:
		strcpy(label, "CR4");
		snprintf(real, n, "%08x", g->cr[4]);
		snprintf(virt, n, "%08x", g->vcr[4]);
		break;
	default:
		strcpy(label, "CR2");
		snprintf(real, n, "%08x", g->cr[2]);
		snprintf(virt, n, "%08x", g->vcr[2]);
		break;
	}
}

/* General and data segment registers: the guest sees the real ones. */
static void gpr_row(int i, const struct regs *g, char *label, char *val)
{
	static const char *const names[8] = {
		"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"
	};
	static const char *const segs[6] = { "ES", "CS", "SS", "DS", "FS", "GS" };

	if (i < 8) {
		strcpy(label, names[i]);
		snprintf(val, 16, "%08x", g->gpr[i]);
	} else {
		int k = i == 8 ? 2 : i == 9 ? 3 : 0;	/* SS, DS, ES */

		strcpy(label, segs[k]);
		snprintf(val, 16, "%04x", g->seg[k]);
	}
}

void pane_regs(struct app *a, const struct rect *r)
{
	const struct regs *now = &a->sess->now, *prev = &a->sess->prev;
	bool vtx = session_vm(a->sess)->cfg.mode == MODE_HW;
	struct rect in = draw_pane(r, vtx ? (r->w >= 50 ? "Registers: ringside's CPU underneath | the guest's (VT-x)"
							: "Registers: underneath | guest")
					  : r->w >= 50 ? "Registers: the real CPU | what the guest believes"
						       : "Registers: real | virtual");
	int x = in.x + 1, xr = x + 9, xv = xr + 14, xg = xv + 15;
	int rows = in.h - 1;

	if (in.h <= 0)
		return;
	draw_text(&in, in.y, xr, ROLE_HEADER, vtx ? "underneath" : "real");
	draw_text(&in, in.y, xv, ROLE_HEADER, vtx ? "non-root" : "virtual");
	for (int i = 0; i < SYS_ROWS && i < rows; i++) {
		char label[16], real[16], virt[16], preal[16], pvirt[16];
		int y = in.y + 1 + i;

		sys_row(i, now, label, real, virt);
		sys_row(i, prev, label, preal, pvirt);
		draw_text(&in, y, x, ROLE_NORMAL, label);
		draw_text(&in, y, xr, strcmp(real, preal) ? ROLE_CHANGED : ROLE_NORMAL, real);
		draw_text(&in, y, xv, strcmp(virt, pvirt) ? ROLE_CHANGED : ROLE_NORMAL, virt);
	}
	if (xg + 13 > in.x + in.w)
		return;		/* no room for the general registers */
	draw_text(&in, in.y, xg, ROLE_HEADER, "shared");
	for (int i = 0; i < 11 && i < rows; i++) {
		char label[8], val[16], pval[16];

		int y = in.y + 1 + i;

		gpr_row(i, now, label, val);
		gpr_row(i, prev, label, pval);
		draw_text(&in, y, xg, ROLE_NORMAL, label);
		draw_text(&in, y, xg + 4, strcmp(val, pval) ? ROLE_CHANGED : ROLE_NORMAL, val);
	}
}
