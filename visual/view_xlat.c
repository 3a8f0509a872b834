/*
 * view_xlat.c - the Translation view: a guest translation unit beside the
 * code the binary translator made of it.
 *
 * Under binary translation the guest kernel's code never runs as it is.
 * The VMM reads it a unit at a time (up to 12 instructions, or to the
 * first control transfer) and writes a translation into its translation
 * cache (TC), which the CPU really runs.  Innocuous instructions are
 * copied unchanged (IDENT); the rest are rewritten (non-IDENT): jumps and
 * calls so that control stays in the TC, privileged and sensitive
 * instructions into callouts to the VMM (Adams & Agesen, ASPLOS 2006).
 * Left: the guest's instructions; right: what the CPU runs for each.
 */
#include <stdio.h>
#include <string.h>

#include "vmm/bt.h"
#include "cpu/disasm.h"
#include "draw.h"
#include "status.h"
#include "view.h"
#include "vm.h"
#include "vmm/vmm.h"

/* The text of the instruction at bytes[0..len) located at addr. */
static int insn_text(struct sim *s, const uint8_t *bytes, size_t len,
		     uint32_t addr, char *buf, size_t size)
{
	struct x86_instruction x;

	if (disasm_decode(sim_disasm(s), bytes, len, addr, &x) != SIM_OK) {
		snprintf(buf, size, "(db %02x)", bytes[0]);
		return 1;
	}
	disasm_text(sim_disasm(s), &x, buf, size);
	return x.len;
}

static const char *what_became(const struct bt_view_insn *in)
{
	if (in->ident)
		return "IDENT";
	return in->callout ? "callout" : "rewritten";
}

/* One guest instruction and, beside it, its translation's instructions. */
static int draw_pair(struct app *a, const struct rect *b, int y,
		     const struct bt_view *fv, int i, uint32_t geip)
{
	struct sim *s = a->sess->sim;
	struct vm *vm = session_vm(a->sess);
	const struct bt_view_insn *in = &fv->insn[i];
	int half = b->w / 2, x2 = b->x + half + 1;
	char text[X86_TEXT_MAX];
	enum role r = in->ident ? ROLE_INNOCUOUS : in->callout ? ROLE_PRIVILEGED
							       : ROLE_SENSITIVE;
	bool here = in->guest == geip;
	uint32_t off = in->tc - fv->tc;

	if (in->guest + 16 <= vm->ram_size)
		insn_text(s, vm->ram + in->guest, 16, in->guest, text, sizeof text);
	else
		snprintf(text, sizeof text, "?");
	draw_textf(b, y, b->x, here ? ROLE_EIP : ROLE_NORMAL, "%s%08x %-24.24s",
		   here ? ">" : " ", in->guest, text);
	draw_text(b, y, b->x + half - 10, r, what_became(in));
	/* the translation: one or more TC instructions */
	for (uint32_t done = 0; done < in->tc_len && y < b->y + b->h;) {
		int n = insn_text(s, fv->tc_bytes + off + done, in->tc_len - done,
				  in->tc + done, text, sizeof text);

		draw_textf(b, y, x2, in->ident ? ROLE_DIM : r, "%08x %-.*s",
			   in->tc + done, half - 11, text);
		done += (uint32_t)n;
		if (done < in->tc_len)
			y++;
	}
	return y + 1;
}

static int draw_stats(const struct rect *b, int y, const struct bt *bt)
{
	struct bt_stats st;
	char text[320];

	bt_get_stats(bt, &st);
	snprintf(text, sizeof text,
		 "TC: %llu units translated, %llu IDENT / %llu rewritten instructions, %llu of %llu lookups hit, %llu chained jumps, %llu invalidations, %llu flushes, %u bytes used",
		   (unsigned long long)st.units, (unsigned long long)st.ident,
		   (unsigned long long)st.non_ident, (unsigned long long)st.hits,
		   (unsigned long long)st.lookups, (unsigned long long)st.chains,
		   (unsigned long long)st.invalidations,
		   (unsigned long long)st.flushes, st.tc_used);
	return draw_wrap(b, y, ROLE_DIM, text);
}

void view_xlat_draw(struct app *a, const struct layout *l)
{
	const struct rect *b = &l->body;
	struct vcpu *v = session_vcpu(a->sess);
	uint32_t geip = a->sess->now.geip;
	struct bt_view fv;
	int y = b->y;

	draw_textf(b, y++, b->x + 1, ROLE_HEADER, "Translation: guest code beside the translation cache");
	if (v == NULL || v->bt == NULL) {
		draw_wrap(b, y + 1, ROLE_NORMAL,
			  "This VM does not use binary translation (it runs under trap-and-emulate or hardware assist). Press m to restart it under another mode; under bt, the guest kernel's code is translated before it runs, and this view shows each unit beside its translation.");
		return;
	}
	y += draw_stats(b, y, v->bt);
	if (bt_view(v->bt, geip, &fv) != SIM_OK) {
		draw_wrap(b, y + 1, ROLE_NORMAL,
			  v->exec == MODE_DIRECT ?
			  "The guest runs user code with interrupts on: the VMM lets it run directly on the CPU (direct execution), untranslated. Translation resumes when the guest enters its kernel." :
			  "The code at the guest's EIP has not been translated yet: it will be when it runs. Step on.");
		return;
	}
	draw_textf(b, ++y, b->x + 1, ROLE_TITLE,
		   "%-.*s", b->w / 2 - 1, "guest unit");
	draw_textf(b, y, b->x + 12, ROLE_TITLE, "%08x: %d instructions, %u bytes, ends with a %s",
		   fv.guest, fv.n, fv.guest_len, unit_end_name(fv.end));
	y++;
	draw_textf(b, y++, b->x + b->w / 2 + 1, ROLE_TITLE,
		   "its translation at %08x, %u bytes", fv.tc, fv.tc_len);
	for (int i = 0; i < fv.n && y < b->y + b->h - 3; i++)
		y = draw_pair(a, b, y, &fv, i, geip);
	draw_wrap(b, y + 1, ROLE_DIM,
		  "IDENT: copied unchanged, runs at full speed (a copied store is followed by a jump to the next byte: the CPU's block ends there, so a store into the code after it is seen). rewritten: a jump or call redirected so control stays in the translation cache. callout: a call into the VMM (privileged, sensitive or I/O work, or a target known only at run time) - no fault, far cheaper than a trap.");
}
