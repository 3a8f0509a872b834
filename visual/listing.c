/*
 * listing.c - instructions around EIP (see listing.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cpu/classify.h"
#include "listing.h"
#include "vm.h"
#include "vmm/blockcache.h"

#define KNOWN_MAX 512	/* boundaries looked at above EIP */

static int cmp_addr(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void line_at(struct listing_line *l, struct session *s, uint32_t addr)
{
	memset(l, 0, sizeof *l);
	l->addr = addr;
	l->ok = session_decode(s, addr, &l->x);
	l->cls = l->ok ? (int)classify_op((enum x86_op)l->x.op) : CLASS_INNOCUOUS;
}

/* Decoding forward from start lands exactly on end: instructions, or -1. */
static int chain(struct session *s, uint32_t start, uint32_t end)
{
	struct x86_instruction x;
	uint32_t a = start;
	int n = 0;

	while (a < end) {
		if (!session_decode(s, a, &x) || x.len == 0)
			return -1;
		a += x.len;
		n++;
	}
	return a == end ? n : -1;
}

/*
 * The known instruction starts below eip, sorted: those of the blocks the
 * VMM decoded (code that ran), and the instruction that just ran.
 */
static int known_below(struct session *s, uint32_t eip, uint32_t *k)
{
	struct vm *vm = session_vm(s);
	uint32_t lo = eip > LISTING_WINDOW ? eip - LISTING_WINDOW : 0;
	int n = vm->code ? blockcache_boundaries(vm->code, lo, eip, k,
						 KNOWN_MAX - 1) : 0;

	if (s->last.valid && s->last.insn.u.insn.eip >= lo &&
	    s->last.insn.u.insn.eip < eip)
		k[n++] = s->last.insn.u.insn.eip;
	qsort(k, (size_t)n, sizeof *k, cmp_addr);
	return n;
}

int listing_build(struct session *s, uint32_t eip, int before, int after,
		  struct listing_line *out, int *cur)
{
	uint32_t known[KNOWN_MAX], above[LISTING_MAX], top = eip;
	int nk, na = 0, n = 0;

	if (before + after > LISTING_MAX) {
		after = after < LISTING_MAX ? after : LISTING_MAX;
		before = LISTING_MAX - after;
	}
	nk = before > 0 ? known_below(s, eip, known) : 0;
	/*
	 * Upwards from EIP, one known start at a time: the nearest below the
	 * top of what is listed whose instructions end exactly there.  Lines
	 * come only from real boundaries; where none is known, none is shown.
	 */
	while (na < before) {
		int i, c = -1;

		for (i = nk - 1; i >= 0; i--)
			if (known[i] < top && (c = chain(s, known[i], top)) > 0)
				break;
		if (i < 0)
			break;
		/* the chain's instructions, last first */
		{
			uint32_t a = known[i], seq[LISTING_WINDOW];
			int m = 0;
			struct x86_instruction x;

			while (a < top && m < LISTING_WINDOW && session_decode(s, a, &x)) {
				seq[m++] = a;
				a += x.len;
			}
			for (int j = m - 1; j >= 0 && na < before; j--)
				above[na++] = seq[j];
		}
		top = known[i];
	}
	for (int i = na - 1; i >= 0; i--)
		line_at(&out[n++], s, above[i]);
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
