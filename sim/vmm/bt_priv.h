/*
 * bt_priv.h - the translator's insides, shared by bt.c (translating, the
 * cache) and bt_run.c (running translated code).  Not public.
 */
#ifndef SIM_BT_PRIV_H
#define SIM_BT_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/blockcache.h"
#include "vmm/bt.h"

#define BT_HASH 4096		/* guest address -> fragment (power of two) */
#define BT_BLOCK_HASH 8192	/* TC block -> accounting view */
/*
 * Dropped fragments keep their TC bytes, their record and their accounting
 * views until the next flush: after this many the next translation flushes
 * the TC, so a loop that patches its code for ever stays in bounded memory
 * (a record is 1.6 KB, a view up to 1.4 KB: without the bound, smcbench.S's
 * 50,000 patches peaked at 246 MB).  The figure is ringside's own choice
 * [measured under bt, best user time of three runs and peak memory, for
 * 256, 1024, 4096, 16384 and 65536 (two runs): smcloop.S 17.7, 17.8,
 * 18.9, 19.2, 22.7 s and 85, 88, 100, 150, 357 MB; smcbench.S 0.83,
 * 0.87, 0.91, 0.93, 1.12 s and 33, 37, 48, 99, 238 MB, each dropped unit
 * kept about 3 KB].  A smaller bound is cheaper on those loops, whose
 * code is a few units; it would flush a large guest's whole working set,
 * to be translated again, that much more often (not measured: no guest
 * of ringside's has one).
 */
#ifndef BT_DEAD_MAX	/* (a build may set it to measure another) */
#define BT_DEAD_MAX 4096
#endif

/* A direct successor of a fragment, reached through a patchable jump. */
struct frag_exit {
	uint32_t target;	/* guest address */
	uint32_t site;		/* TC offset of the jump's rel32 */
	uint32_t stub;		/* TC offset of its INT3 stub */
	uint8_t chained;	/* the jump now goes straight to the target */
	int in_next;		/* next exit chained to the same fragment
				   (bt_smc.c), or -1 */
};

/* An exit as one number: fragment index * 2 + exit index. */
#define BT_EXIT_ID(fi, ei) ((fi) * 2 + (ei))

/* One translation unit and its fragment. */
struct frag {
	uint32_t guest, guest_len;	/* the unit in guest memory */
	uint32_t tc, tc_len;		/* the fragment: TC offsets */
	uint8_t n;			/* guest instructions */
	uint8_t end;			/* enum unit_end */
	uint8_t nexits;
	struct frag_exit exits[2];
	uint32_t class_count[CLASS_COUNT];
	struct block_insn g[BT_UNIT_MAX];	/* the guest instructions */
	struct bt_view_insn view[BT_UNIT_MAX];	/* their translations (tc: offset) */
	int next;			/* hash chain: index, or -1 */
	int live_next;			/* the live list: index, or -1 */
	int in;				/* first exit chained here (BT_EXIT_ID), or -1 */
	uint8_t dead;			/* dropped: its guest bytes changed */
};

struct bt {
	struct vcpu *v;
	uint8_t *tc;			/* the translation cache (VMM area) */
	uint32_t top;			/* bytes of it in use */
	uint32_t size;			/* bytes it may use (vm_config tc_bytes) */
	struct frag *frags;		/* in TC order */
	int nfrags, capfrags;
	int hash[BT_HASH];		/* first fragment per bucket, or -1 */
	struct block *blocks[BT_BLOCK_HASH];	/* accounting views */
	struct block *retired;		/* views of a flushed TC, freed later */
	uint64_t block_gen;
	int live;			/* first live fragment, or -1 */
	int ndead;			/* fragments dropped since the last flush */
	bool written;			/* translated code was written ... */
	uint32_t w_lo, w_hi;		/* ... these guest bytes (bt_smc.c) */
	uint8_t *smc_pages;		/* per guest page: units dropped (saturating) */
	uint32_t *live_pages;		/* per guest page: live units in it */
	uint32_t npages;
	struct bt_stats stats;
};

static inline unsigned bt_hash_guest(uint32_t guest)
{
	return (guest * 2654435761u >> 12) & (BT_HASH - 1);
}

struct frag *bt_translate(struct bt *bt, uint32_t guest);
struct frag *bt_lookup(struct bt *bt, uint32_t guest);
struct frag *bt_find_guest(struct bt *bt, uint32_t guest);
struct frag *bt_find_tc(struct bt *bt, uint32_t off);
void bt_patch(struct bt *bt, uint32_t site, uint32_t to);
void bt_flush(struct bt *bt);

/* bt_smc.c: a new fragment joins the live list; an exit was chained. */
void bt_smc_added(struct bt *bt, int fi);
void bt_smc_chained(struct bt *bt, int fi, int ei, struct frag *to);
/* How many instructions a unit starting at guest may hold. */
int bt_smc_unit_max(const struct bt *bt, uint32_t guest);
/* live_pages counted afresh from the live list (a flush, a snapshot loaded). */
void bt_smc_recount(struct bt *bt);

/* Free accounting views of a flushed TC (no block pointer may be held). */
void bt_collect(struct bt *bt);

#endif
