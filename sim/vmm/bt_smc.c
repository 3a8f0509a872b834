/*
 * bt_smc.c - keeping the translation cache coherent with guest code that
 * changes (self-modifying code, a loader, a patched jump).
 *
 * A store into guest code the translator has copied into the TC makes
 * that copy stale.  Flushing the whole TC is correct but makes a guest
 * that patches its own code in a loop pay for retranslating everything
 * it runs, every iteration.  VMware's translator does better (Bugnion,
 * US patent 6,704,925, "Dynamic binary translator with a system and
 * method for updating and maintaining coherency of a translation cache",
 * 2004): it learns of the store from the MMU's traces on the pages that
 * hold translated code, and "changes in the input sequences then result
 * only in retranslation of instruction sequences in which at least one
 * instruction has changed; this avoids costly total flushes of the
 * translation cache".  Adams & Agesen (ASPLOS 2006, section 3.2) describe
 * the same adaptive idea for the traces themselves: the translator
 * watches what the guest does and changes how it translates.
 *
 * ringside does both halves:
 *
 *   1. Only the units holding a written byte are dropped: taken out of the
 *      lookup hash, the jumps chained into them pointed back at their exit
 *      stubs, so the next arrival translates the new bytes.  The TC bytes
 *      stay (the CPU may be stopped inside them; bt_guest_eip still reads
 *      them) until the TC is flushed whole: when it fills, or when
 *      BT_DEAD_MAX units have been dropped (bt_priv.h).  A store into a code
 *      chunk that overlaps no live unit (data beside code, code never
 *      translated, a unit already dropped) costs nothing more: no stop;
 *      and one into a page with no live unit (live_pages, a count per
 *      page) not even the walk of the live units.
 *
 *   2. A page whose units were dropped SMC_HOT times is translated one
 *      instruction per unit from then on: a store that patches one
 *      instruction then drops that instruction alone, not the dozen around
 *      it, and the store's own unit survives.  The threshold is
 *      ringside's own choice (VMware's is not published).  Other values
 *      change nothing measurable on the loops ringside has, whose patched
 *      instruction lies in a unit of four [measured: 1, 2, 8, 32 and 255,
 *      best user time of three runs under bt: smcloop.S 18.2, 18.0, 18.9,
 *      17.9, 19.0 s (spread up to 3.5 s), 98-100 MB peak each;
 *      smcbench.S 0.88, 0.89, 0.91, 0.90, 0.86 s, 47-48 MB, and 50,070,
 *      50,070, 50,073, 50,085, 50,197 units translated
 *      (docs/binary-translation.md)].
 *
 * Each settle that drops units is an EV_INVALIDATE event: "code written at
 * A (n bytes): k units dropped".
 */
#include <string.h>

#include "vmm/bt_priv.h"
#include "vm.h"
#include "vmm/vmm_priv.h"

#define TC_BASE (VMM_BASE + BT_TC_OFF)
#define PAGE_SHIFT 12
#ifndef SMC_HOT		/* (a build may set another, to measure it) */
#define SMC_HOT 8		/* drops in a page before its units shrink */
#endif

static bool overlaps(const struct frag *f, uint32_t lo, uint32_t hi)
{
	return f->guest < hi && lo < f->guest + f->guest_len;
}

/* The guest pages [*first, *last] that f's bytes lie in, within RAM. */
static bool unit_pages(const struct bt *bt, const struct frag *f,
		       uint32_t *first, uint32_t *last)
{
	*first = f->guest >> PAGE_SHIFT;
	*last = (f->guest + f->guest_len - 1) >> PAGE_SHIFT;
	if (*last >= bt->npages)
		*last = bt->npages - 1;
	return bt->npages > 0 && *first <= *last;
}

/* f goes live (+1) or is dropped (-1): the count of its pages follows. */
static void count_live(struct bt *bt, const struct frag *f, int32_t d)
{
	uint32_t first, last;

	if (unit_pages(bt, f, &first, &last))
		for (uint32_t p = first; p <= last; p++)
			bt->live_pages[p] += (uint32_t)d;
}

void bt_smc_added(struct bt *bt, int fi)
{
	struct frag *f = &bt->frags[fi];

	f->in = -1;
	f->dead = 0;
	f->live_next = bt->live;
	bt->live = fi;
	count_live(bt, f, +1);
}

void bt_smc_recount(struct bt *bt)
{
	memset(bt->live_pages, 0, (size_t)bt->npages * sizeof *bt->live_pages);
	for (int i = bt->live; i >= 0; i = bt->frags[i].live_next)
		count_live(bt, &bt->frags[i], +1);
}

/*
 * Whether a live unit may lie in [lo, hi): only if one of its pages
 * holds one (live_pages).  Out of RAM, none can.
 */
static bool pages_live(const struct bt *bt, uint32_t lo, uint32_t hi)
{
	uint32_t last = (hi - 1) >> PAGE_SHIFT;

	for (uint32_t p = lo >> PAGE_SHIFT; p <= last && p < bt->npages; p++)
		if (bt->live_pages[p] > 0)
			return true;
	return false;
}

/* Exit ei of fragment fi now jumps straight to `to`: remember it there. */
void bt_smc_chained(struct bt *bt, int fi, int ei, struct frag *to)
{
	bt->frags[fi].exits[ei].in_next = to->in;
	to->in = BT_EXIT_ID(fi, ei);
}

int bt_smc_unit_max(const struct bt *bt, uint32_t guest)
{
	uint32_t p = guest >> PAGE_SHIFT;

	return p < bt->npages && bt->smc_pages[p] >= SMC_HOT ? 1 : BT_UNIT_MAX;
}

/*
 * Called from the CPU's write hook, *before* the store lands: stopping the
 * CPU here would abandon the store and retry it forever.  Instead the next
 * block hook stops the run (v->run.tc_stale), the store having completed
 * (the translator ended the CPU's block after it: may_store() in bt.c),
 * and bt_settle() drops the units between runs.
 */
void bt_code_written(struct vcpu *v, uint32_t addr, uint32_t len)
{
	struct bt *bt = v->bt;
	uint32_t hi = addr + (len ? len : 1), cb = blockcache_chunk_bytes();
	uint32_t clo = addr & ~(cb - 1), chi = (hi + cb - 1) & ~(cb - 1);
	bool hit = false;

	if (bt == NULL || !pages_live(bt, clo, chi))
		return;		/* no live unit in the chunk's pages */
	for (int i = bt->live; i >= 0; i = bt->frags[i].live_next) {
		const struct frag *f = &bt->frags[i];

		hit = hit || overlaps(f, addr, hi);
		/*
		 * The store retired the decoded code of its whole chunk: a
		 * unit there that survives must stay watched, or a later
		 * store into it would go unnoticed [tests/guests/smcchunk.S].
		 */
		if (overlaps(f, clo, chi))
			blockcache_watch(v->vm->code, f->guest, f->guest_len);
	}
	if (!hit)
		return;		/* nothing translated there: no stop */
	if (!bt->written) {
		bt->stats.invalidations++;
		bt->w_lo = addr;
		bt->w_hi = hi;
	}
	if (addr < bt->w_lo)
		bt->w_lo = addr;
	if (hi > bt->w_hi)
		bt->w_hi = hi;
	bt->written = true;
	v->run.tc_stale = true;
}

static void unhash(struct bt *bt, int fi)
{
	int *p = &bt->hash[bt_hash_guest(bt->frags[fi].guest)];

	while (*p >= 0 && *p != fi)
		p = &bt->frags[*p].next;
	if (*p == fi)
		*p = bt->frags[fi].next;
}

/* Count a drop against the pages the unit lies in (saturating). */
static void count_page(struct bt *bt, const struct frag *f)
{
	uint32_t first, last;

	if (unit_pages(bt, f, &first, &last))
		for (uint32_t p = first; p <= last; p++)
			if (bt->smc_pages[p] < 255)
				bt->smc_pages[p]++;
}

/*
 * Drop fragment fi: no lookup finds it, and every jump chained into it
 * goes back to its exit stub (the VMM translates the new bytes when the
 * stub runs, and chains again).
 */
static void drop(struct bt *bt, int fi)
{
	struct frag *f = &bt->frags[fi];

	unhash(bt, fi);
	f->dead = 1;
	count_page(bt, f);
	count_live(bt, f, -1);
	for (int id = f->in; id >= 0;) {
		struct frag *src = &bt->frags[id / 2];
		struct frag_exit *e = &src->exits[id % 2];

		id = e->in_next;
		if (src->dead || !e->chained)
			continue;
		bt_patch(bt, e->site, e->stub);
		e->chained = 0;
		cpu_invalidate_code(bt->v->cpu, TC_BASE + e->site - 2, 6);
	}
	f->in = -1;
	/*
	 * Unicorn keeps its own translation of the fragment's TC bytes until
	 * told; nothing will run them again, and a cache of thousands of dead
	 * ones slows it [measured: smcbench.S under bt, 1.95 s of CPU without
	 * this, 1.5 s with].
	 */
	cpu_invalidate_code(bt->v->cpu, TC_BASE + f->tc, f->tc_len);
	bt->ndead++;
	bt->stats.dropped++;
}

static void invalidate_event(struct bt *bt, uint32_t units)
{
	struct event ev = { .kind = EV_INVALIDATE };

	ev.u.invalidate.addr = bt->w_lo;
	ev.u.invalidate.len = bt->w_hi - bt->w_lo;
	ev.u.invalidate.units = units;
	ev.u.invalidate.unit_max = (uint8_t)bt_smc_unit_max(bt, bt->w_lo);
	vm_emit(bt->v->vm, bt->v->id, &ev);
}

/* Drop every live unit overlapping the bytes written since the last settle. */
static void drop_written(struct bt *bt)
{
	int *p = &bt->live;
	uint32_t units = 0;

	while (*p >= 0) {
		int fi = *p;

		if (overlaps(&bt->frags[fi], bt->w_lo, bt->w_hi)) {
			*p = bt->frags[fi].live_next;
			drop(bt, fi);
			units++;
		} else {
			p = &bt->frags[fi].live_next;
		}
	}
	if (units > 0)
		invalidate_event(bt, units);
}

void bt_settle(struct vcpu *v)
{
	struct bt *bt = v->bt;
	struct vmm_target t;

	if (bt == NULL)
		return;
	if (bt->written) {
		bt->written = false;
		v->run.tc_stale = false;
		if (v->run.in_bt) {
			vmm_current_target(v, &t);	/* before the units go */
			drop_written(bt);
			vmm_switch(v, &t);
		} else {
			drop_written(bt);
		}
	}
	bt_collect(bt);
}
