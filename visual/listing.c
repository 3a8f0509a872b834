/*
 * listing.c - instructions around EIP (see listing.h).
 */
#include <string.h>

#include "cpu/classify.h"
#include "listing.h"

#define LISTING_SYNC 3	/* extra instructions to fall into step */

/* Lengths of the instructions starting at eip - LISTING_WINDOW .. eip - 1. */
struct memo {
	uint32_t base;
	int8_t len[LISTING_WINDOW];	/* 0 = not yet decoded, -1 = invalid */
	struct x86_instruction x[LISTING_WINDOW];
};

static int memo_len(struct session *s, struct memo *m, uint32_t addr)
{
	int i = (int)(addr - m->base);

	if (m->len[i] == 0)
		m->len[i] = session_decode(s, addr, &m->x[i]) ? (int8_t)m->x[i].len
							      : -1;
	return m->len[i];
}

/*
 * Instructions from start up to eip: -1 unless the chain lands on eip.
 * *through: the chain has a boundary at `anchor`.
 */
static int chain(struct session *s, struct memo *m, uint32_t start,
		 uint32_t eip, uint32_t anchor, bool *through)
{
	uint32_t a = start;
	int n = 0;

	*through = false;
	while (a < eip) {
		int len = memo_len(s, m, a);

		if (len <= 0)
			return -1;
		*through |= a == anchor;
		a += (uint32_t)len;
		n++;
	}
	return a == eip ? n : -1;
}

static void line_at(struct listing_line *l, struct session *s, uint32_t addr)
{
	memset(l, 0, sizeof *l);
	l->addr = addr;
	l->ok = session_decode(s, addr, &l->x);
	l->cls = l->ok ? (int)classify_op((enum x86_op)l->x.op) : CLASS_INNOCUOUS;
}

int listing_build(struct session *s, uint32_t eip, int before, int after,
		  struct listing_line *out, int *cur)
{
	static struct memo m;	/* big; the TUI is single-threaded */
	uint32_t best = eip, anchor = eip;
	int n = 0, best_n = 0;

	if (before + after > LISTING_MAX) {
		after = after < LISTING_MAX ? after : LISTING_MAX;
		before = LISTING_MAX - after;
	}
	memset(m.len, 0, sizeof m.len);
	m.base = eip - LISTING_WINDOW;
	/* the instruction that just ran is a boundary we know for sure */
	if (s->last.valid && s->last.insn.u.insn.eip < eip &&
	    eip - s->last.insn.u.insn.eip < LISTING_WINDOW)
		anchor = s->last.insn.u.insn.eip;
	/*
	 * The nearest start whose chain has a few instructions more than
	 * needed (time to fall into step) and passes the known boundary.
	 */
	for (uint32_t k = 1; before > 0 && k <= LISTING_WINDOW && k <= eip; k++) {
		bool through;
		int c = chain(s, &m, eip - k, eip, anchor, &through);

		if (c >= before + LISTING_SYNC && (through || anchor == eip)) {
			best_n = c;
			best = eip - k;
			break;
		}
		if (c > best_n) {	/* the longest so far, if none will do */
			best_n = c;
			best = eip - k;
		}
	}
	/* the chain's last `before` instructions */
	for (uint32_t a = best; a < eip; ) {
		int len = memo_len(s, &m, a);

		if (best_n-- <= before)
			line_at(&out[n++], s, a);
		a += (uint32_t)len;
	}
	*cur = n;
	for (uint32_t a = eip; after-- > 0; ) {
		line_at(&out[n], s, a);
		if (!out[n].ok) {
			n++;
			break;
		}
		a += out[n++].x.len;
	}
	return n;
}
