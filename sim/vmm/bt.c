/*
 * bt.c - the binary translator and its translation cache.
 *
 * translate() turns one translation unit of guest code into a fragment:
 *
 *   guest                          fragment in the TC
 *   mov  eax, [ebx]                mov  eax, [ebx]        IDENT
 *   cli                            int3                   callout: the VMM
 *                                                         clears the virtual IF
 *   add  eax, 4                    add  eax, 4            IDENT
 *   jne  0x101234                  jne  <stub 0>          taken: to the target
 *                                  jmp  <stub 1>          not taken: fall through
 *                                  int3 (stub 0)          "translate 0x101234,
 *                                  int3 (stub 1)           patch the jne, go"
 *
 * A callout is an INT3 at a place the VMM has recorded: Unicorn hands it
 * straight to the VMM's exception hook (no fault, no descriptor tables),
 * which looks the address up and knows which guest instruction it stands
 * for.  The first time a stub runs, the VMM translates the successor and
 * patches the jump to go straight to it ("chaining"): a hot loop then runs
 * entirely inside the TC without the VMM.
 *
 * Fragments are kept in TC order in one array (so a TC address is found by
 * binary search) and hashed by guest address.  The TC is flushed whole when
 * it fills up; when the guest writes to code it has translated, only the
 * units holding the written bytes are dropped (bt_smc.c).
 */
#include <stdlib.h>
#include <string.h>

#include "vmm/bt_priv.h"
#include "vmm/cost.h"
#include "status.h"
#include "vm.h"
#include "vmm/vmm_priv.h"

static const char *const end_names[UNIT_END_COUNT] = {
	[UNIT_LIMIT] = "limit", [UNIT_JUMP] = "jump", [UNIT_BRANCH] = "branch",
	[UNIT_CALL] = "call", [UNIT_INDIRECT] = "indirect", [UNIT_VMM] = "vmm",
};

const char *unit_end_name(enum unit_end e)
{
	return (unsigned)e < UNIT_END_COUNT ? end_names[e] : "?";
}

/* A short jump to the next byte: ends the CPU's block there (may_store). */
#define BREAK_LEN 2

/* The most TC bytes one fragment takes. */
#define FRAG_MAX_BYTES (BT_UNIT_MAX * (X86_INSN_MAX + BREAK_LEN) + 32)

int bt_create(struct vcpu *v, struct bt **out)
{
	struct bt *bt = calloc(1, sizeof *bt);

	if (bt == NULL)
		return SIM_ENOMEM;
	bt->v = v;
	bt->tc = v->vmm_area + BT_TC_OFF;
	/* a smaller TC fills sooner: room for at least a few fragments */
	bt->size = v->vm->cfg.tc_bytes ? v->vm->cfg.tc_bytes : BT_TC_SIZE;
	if (bt->size > BT_TC_SIZE)
		bt->size = BT_TC_SIZE;
	if (bt->size < 4 * FRAG_MAX_BYTES)
		bt->size = 4 * FRAG_MAX_BYTES;
	memset(bt->hash, 0xff, sizeof bt->hash);
	bt->live = -1;
	bt->npages = (uint32_t)(v->vm->ram_size >> 12);
	bt->smc_pages = calloc(bt->npages ? bt->npages : 1, 1);
	bt->live_pages = calloc(bt->npages ? bt->npages : 1,
				sizeof *bt->live_pages);
	if (bt->smc_pages == NULL || bt->live_pages == NULL) {
		free(bt->smc_pages);
		free(bt->live_pages);
		free(bt);
		return SIM_ENOMEM;
	}
	*out = bt;
	return SIM_OK;
}

/*
 * Retire every accounting view: the CPU may still be inside one of them
 * (the VMM is running on its behalf), so they are freed by bt_collect()
 * once the run has stopped.
 */
static void free_blocks(struct bt *bt)
{
	for (int i = 0; i < BT_BLOCK_HASH; i++) {
		struct block *b = bt->blocks[i];

		while (b) {
			struct block *next = b->next;

			b->next = bt->retired;
			bt->retired = b;
			b = next;
		}
		bt->blocks[i] = NULL;
	}
	bt->block_gen++;
}

void bt_collect(struct bt *bt)
{
	while (bt->retired) {
		struct block *next = bt->retired->next;

		free(bt->retired);
		bt->retired = next;
	}
}

void bt_destroy(struct bt *bt)
{
	if (bt == NULL)
		return;
	free_blocks(bt);
	bt_collect(bt);
	free(bt->frags);
	free(bt->smc_pages);
	free(bt->live_pages);
	free(bt);
}

/*
 * Forget every translation: the TC is full, or holds BT_DEAD_MAX dropped
 * units (bt_smc.c).
 */
void bt_flush(struct bt *bt)
{
	struct vcpu *v = bt->v;
	uint32_t top = bt->top;

	bt->nfrags = 0;
	bt->top = 0;
	bt->live = -1;
	bt->ndead = 0;
	bt_smc_recount(bt);
	memset(bt->hash, 0xff, sizeof bt->hash);
	free_blocks(bt);
	bt->stats.flushes++;
	/*
	 * Only the bytes in use: Unicorn walks every page of the range it is
	 * told to forget (tb_invalidate_phys_range), and the whole 3 MiB took
	 * 70% of a self-modifying loop's time [measured: perf, smcloop.S].
	 */
	cpu_invalidate_code(v->cpu, VMM_BASE + BT_TC_OFF, top);
}

struct frag *bt_find_guest(struct bt *bt, uint32_t guest)
{
	bt->stats.lookups++;
	for (int i = bt->hash[bt_hash_guest(guest)]; i >= 0; i = bt->frags[i].next)
		if (bt->frags[i].guest == guest) {
			bt->stats.hits++;
			return &bt->frags[i];
		}
	return NULL;
}

struct frag *bt_find_tc(struct bt *bt, uint32_t off)
{
	int lo = 0, hi = bt->nfrags - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		struct frag *f = &bt->frags[mid];

		if (off < f->tc)
			hi = mid - 1;
		else if (off >= f->tc + f->tc_len)
			lo = mid + 1;
		else
			return f;
	}
	return NULL;
}

/* ---- emitting code -------------------------------------------------------- */

static void emit8(struct bt *bt, uint8_t b)
{
	bt->tc[bt->top++] = b;
}

static void emit32(struct bt *bt, uint32_t x)
{
	memcpy(bt->tc + bt->top, &x, 4);
	bt->top += 4;
}

/* A jump whose 32-bit displacement is filled in later: returns its site. */
static uint32_t emit_jump(struct bt *bt, const uint8_t *op, int oplen)
{
	uint32_t site;

	for (int i = 0; i < oplen; i++)
		emit8(bt, op[i]);
	site = bt->top;
	emit32(bt, 0);
	return site;
}

/* Point the rel32 at `site` to TC offset `to`. */
void bt_patch(struct bt *bt, uint32_t site, uint32_t to)
{
	uint32_t rel = to - (site + 4);

	memcpy(bt->tc + site, &rel, 4);
}

static int new_exit(struct frag *f, uint32_t target, uint32_t site)
{
	struct frag_exit *e = &f->exits[f->nexits++];

	e->target = target;
	e->site = site;
	e->chained = 0;
	e->in_next = -1;
	return f->nexits - 1;
}

/* Position of the opcode after any prefixes. */
static int opcode_at(const struct x86_instruction *x)
{
	int i = 0;

	while (i < x->len && (x->bytes[i] == 0x66 || x->bytes[i] == 0x67 ||
			      x->bytes[i] == 0x2e || x->bytes[i] == 0x3e ||
			      x->bytes[i] == 0xf2 || x->bytes[i] == 0xf3))
		i++;
	return i;
}

static bool is_direct(const struct x86_instruction *x)
{
	return x->nops >= 1 && x->ops[0].kind == X86_OPND_IMM;
}

/*
 * Translate the last instruction of a unit, a control transfer.  Direct
 * ones are rewritten into jumps to exit stubs; the rest call the VMM.
 */
static enum unit_end emit_transfer(struct bt *bt, struct frag *f,
				   const struct x86_instruction *x, bool *callout)
{
	uint32_t next = x->addr + x->len, target = (uint32_t)x->ops[0].imm;
	int op = opcode_at(x);
	uint8_t b;

	*callout = false;
	switch ((enum x86_op)x->op) {
	case X86_OP_JMP:
		if (!is_direct(x))
			break;
		new_exit(f, target, emit_jump(bt, (const uint8_t[]){ 0xe9 }, 1));
		return UNIT_JUMP;
	case X86_OP_JCC:
		b = x->bytes[op] == 0x0f ? x->bytes[op + 1] : x->bytes[op];
		new_exit(f, target, emit_jump(bt, (const uint8_t[]){
			0x0f, (uint8_t)(0x80 | (b & 0x0f)) }, 2));
		new_exit(f, next, emit_jump(bt, (const uint8_t[]){ 0xe9 }, 1));
		return UNIT_BRANCH;
	case X86_OP_LOOP:
		/* loop/jecxz rel8: over the fall-through jump to the taken one */
		for (int i = 0; i + 1 < x->len; i++)
			emit8(bt, x->bytes[i]);
		emit8(bt, 5);
		new_exit(f, next, emit_jump(bt, (const uint8_t[]){ 0xe9 }, 1));
		new_exit(f, target, emit_jump(bt, (const uint8_t[]){ 0xe9 }, 1));
		return UNIT_BRANCH;
	case X86_OP_CALL:
		if (!is_direct(x) || x->opsize != 4)
			break;
		/* push the *guest* return address, then go to the target */
		emit8(bt, 0x68);
		emit32(bt, next);
		new_exit(f, target, emit_jump(bt, (const uint8_t[]){ 0xe9 }, 1));
		return UNIT_CALL;
	default:
		break;
	}
	/* everything else asks the VMM */
	*callout = true;
	emit8(bt, 0xcc);
	return x->op == X86_OP_JMP || x->op == X86_OP_CALL ||
	       x->op == X86_OP_RET ? UNIT_INDIRECT : UNIT_VMM;
}

/*
 * Whether an instruction copied into the TC may store to memory: a memory
 * first operand (capstone's Intel order puts the destination first, and
 * XCHG's memory operand; CMP and TEST [m] are counted too, which is
 * harmless) or an implicit store to the stack (PUSH, PUSHA, ENTER).
 */
static bool may_store(const struct x86_instruction *x)
{
	uint8_t b = x->bytes[opcode_at(x)];

	if (x->nops >= 1 && x->ops[0].kind == X86_OPND_MEM)
		return true;
	return (b >= 0x50 && b <= 0x57) || b == 0x60 || b == 0x68 ||
	       b == 0x6a || b == 0xc8;
}

/* Is this instruction copied unchanged? */
static bool ident(const struct block_insn *g)
{
	return g->cls == CLASS_INNOCUOUS && !x86_op_ends_block((enum x86_op)g->x.op);
}

static void translate_event(struct bt *bt, const struct frag *f)
{
	struct event ev = { .kind = EV_TRANSLATE };

	ev.u.translate.guest = f->guest;
	ev.u.translate.guest_len = (uint16_t)f->guest_len;
	ev.u.translate.n = f->n;
	ev.u.translate.end = f->end;
	for (int i = 0; i < f->n; i++)
		if (f->view[i].ident)
			ev.u.translate.ident |= (uint16_t)(1u << i);
	ev.u.translate.tc = VMM_BASE + BT_TC_OFF + f->tc;
	ev.u.translate.tc_len = (uint16_t)f->tc_len;
	vm_emit(bt->v->vm, bt->v->id, &ev);
}


/*
 * Translate the unit starting at guest address `guest`.  Returns NULL if
 * the address is not in RAM (the caller powers the VM off).
 */
struct frag *bt_translate(struct bt *bt, uint32_t guest)
{
	struct vcpu *v = bt->v;
	struct frag *f;
	uint32_t addr = guest;
	bool done = false;
	int unit_max;

	if (bt->top + FRAG_MAX_BYTES > bt->size || bt->ndead >= BT_DEAD_MAX)
		bt_flush(bt);
	if (bt->nfrags == bt->capfrags) {
		int cap = bt->capfrags ? bt->capfrags * 2 : 256;
		struct frag *n = realloc(bt->frags, (size_t)cap * sizeof *n);

		if (n == NULL)
			return NULL;
		bt->frags = n;
		bt->capfrags = cap;
	}
	f = &bt->frags[bt->nfrags];
	memset(f, 0, sizeof *f);
	f->guest = guest;
	f->tc = bt->top;
	unit_max = bt_smc_unit_max(bt, guest);
	while (!done && f->n < unit_max) {
		const struct block *b = blockcache_get(v->vm->code, addr, 0);
		struct block_insn *g = &f->g[f->n];
		struct bt_view_insn *w = &f->view[f->n];
		bool callout = false;

		if (b == NULL)
			break;		/* past the end of RAM */
		*g = b->insns[0];
		if (b->flags & BLOCK_UNDECODED)
			g->x.op = X86_OP_UD;	/* invalid bytes: the VMM gives #UD */
		w->guest = addr;
		w->tc = bt->top;
		if (x86_op_ends_block((enum x86_op)g->x.op)) {
			f->end = (uint8_t)emit_transfer(bt, f, &g->x, &callout);
			done = true;
		} else if (ident(g)) {
			memcpy(bt->tc + bt->top, g->x.bytes, g->x.len);
			bt->top += g->x.len;
			w->ident = 1;
			/*
			 * A store may hit the code after it, which the CPU has
			 * already fetched as this unit's TC copy: a real x86
			 * notices (Intel SDM vol. 3, 11.6 "Self-modifying
			 * code"), and QEMU ends its block at once
			 * (tb_invalidate_phys_page_fast: "current_tb_modified").
			 * So the CPU's block ends after the store, and the
			 * write hook's stop (bt_code_written) takes effect
			 * before the next instruction runs from stale bytes.
			 * The jump is part of the store's translation.
			 */
			if (may_store(&g->x)) {
				emit8(bt, 0xeb);
				emit8(bt, 0);
			}
		} else {
			emit8(bt, 0xcc);	/* a callout */
			callout = true;
		}
		w->callout = callout;
		w->tc_len = (uint16_t)(bt->top - w->tc);
		g->xlat = w->ident ? 1 : 2;
		if (w->ident)
			bt->stats.ident++;
		else
			bt->stats.non_ident++;
		addr += g->x.len;
		f->n++;
	}
	if (f->n == 0)
		return NULL;
	if (!done) {		/* unit_max instructions: on to the next unit */
		f->end = UNIT_LIMIT;
		new_exit(f, addr, emit_jump(bt, (const uint8_t[]){ 0xe9 }, 1));
	}
	for (int i = 0; i < f->nexits; i++) {	/* the exit stubs */
		f->exits[i].stub = bt->top;
		bt_patch(bt, f->exits[i].site, bt->top);
		emit8(bt, 0xcc);
	}
	f->guest_len = addr - guest;
	f->tc_len = bt->top - f->tc;
	for (int i = 0; i < f->n; i++)
		for (int c = 0; c < CLASS_COUNT; c++)
			f->class_count[c] += f->g[i].cls == c;
	f->next = bt->hash[bt_hash_guest(guest)];
	bt->hash[bt_hash_guest(guest)] = bt->nfrags;
	bt_smc_added(bt, bt->nfrags++);
	bt->stats.units++;
	bt->stats.tc_used = bt->top;
	vmm_charge(v, (uint64_t)COST_TRANSLATE * f->n);
	translate_event(bt, f);
	return f;
}

struct frag *bt_lookup(struct bt *bt, uint32_t guest)
{
	struct frag *f = bt_find_guest(bt, guest);

	return f ? f : bt_translate(bt, guest);
}

/* ---- the accounting view of CPU blocks in the TC -------------------------- */

/*
 * Unicorn reports the blocks it runs in the TC; the VMM counts the guest
 * instructions whose translations *start* in each block, so a guest
 * instruction is counted once however many TC instructions it became.
 */
const struct block *bt_block(struct vcpu *v, uint32_t addr, uint32_t size)
{
	struct bt *bt = v->bt;
	unsigned h = ((addr * 2654435761u) >> 10) & (BT_BLOCK_HASH - 1);
	uint32_t lo = addr - (VMM_BASE + BT_TC_OFF), hi = lo + size;
	struct frag *f;
	struct block *b;
	int n = 0;

	for (b = bt->blocks[h]; b; b = b->next)
		if (b->addr == addr && b->size == size)
			return b;
	f = bt_find_tc(bt, lo);
	b = calloc(1, sizeof *b + BT_UNIT_MAX * sizeof b->insns[0]);
	if (b == NULL)
		return NULL;
	b->addr = addr;
	b->size = size;
	b->span = size;
	for (int i = 0; f && i < f->n; i++) {
		if (f->view[i].tc < lo || f->view[i].tc >= hi)
			continue;
		b->insns[n] = f->g[i];
		b->class_count[f->g[i].cls]++;
		n++;
	}
	b->n = (uint32_t)n;
	b->next = bt->blocks[h];
	bt->blocks[h] = b;
	return b;
}

/* ---- views and statistics --------------------------------------------------- */

void bt_get_stats(const struct bt *bt, struct bt_stats *out)
{
	*out = bt->stats;
}

const uint64_t *bt_view_generation(const struct bt *bt)
{
	return &bt->block_gen;
}

int bt_view(struct bt *bt, uint32_t guest, struct bt_view *out)
{
	struct frag *f = NULL;

	for (int i = bt->hash[bt_hash_guest(guest)]; i >= 0; i = bt->frags[i].next)
		if (bt->frags[i].guest == guest)
			f = &bt->frags[i];
	if (f == NULL) {	/* or the fragment containing it */
		for (int i = 0; i < bt->nfrags && f == NULL; i++)
			if (!bt->frags[i].dead && guest >= bt->frags[i].guest &&
			    guest < bt->frags[i].guest + bt->frags[i].guest_len)
				f = &bt->frags[i];
	}
	if (f == NULL)
		return SIM_ENOTFOUND;
	memset(out, 0, sizeof *out);
	out->guest = f->guest;
	out->guest_len = f->guest_len;
	out->tc = VMM_BASE + BT_TC_OFF + f->tc;
	out->tc_len = f->tc_len;
	out->n = f->n;
	out->end = (enum unit_end)f->end;
	for (int i = 0; i < f->n; i++) {
		out->insn[i] = f->view[i];
		out->insn[i].tc += VMM_BASE + BT_TC_OFF;
	}
	out->tc_bytes = bt->tc + f->tc;
	return SIM_OK;
}

/* ---- snapshots ------------------------------------------------------------- */

struct bt_state {
	struct bt copy;		/* pointers inside are not used */
	struct frag *frags;
	uint8_t *tc;
	uint8_t *smc_pages;	/* the pages' drop counts (bt_smc.c) */
};

int bt_state_save(const struct bt *bt, struct bt_state **out)
{
	struct bt_state *st = calloc(1, sizeof *st);

	if (st == NULL)
		return SIM_ENOMEM;
	st->copy = *bt;
	st->frags = malloc((size_t)(bt->nfrags ? bt->nfrags : 1) * sizeof *st->frags);
	st->tc = malloc(bt->top ? bt->top : 1);
	st->smc_pages = malloc(bt->npages ? bt->npages : 1);
	if (st->frags == NULL || st->tc == NULL || st->smc_pages == NULL) {
		bt_state_free(st);
		return SIM_ENOMEM;
	}
	memcpy(st->frags, bt->frags, (size_t)bt->nfrags * sizeof *st->frags);
	memcpy(st->tc, bt->tc, bt->top);
	memcpy(st->smc_pages, bt->smc_pages, bt->npages);
	*out = st;
	return SIM_OK;
}

void bt_state_load(struct vcpu *v, const struct bt_state *st)
{
	struct bt *bt = v->bt;

	free_blocks(bt);
	if (bt->capfrags < st->copy.nfrags) {
		struct frag *n = realloc(bt->frags, (size_t)st->copy.nfrags *
					 sizeof *n);

		if (n == NULL) {	/* cannot restore: start afresh */
			bt_flush(bt);
			return;
		}
		bt->frags = n;
		bt->capfrags = st->copy.nfrags;
	}
	memcpy(bt->frags, st->frags, (size_t)st->copy.nfrags * sizeof *bt->frags);
	memcpy(bt->tc, st->tc, st->copy.top);
	memcpy(bt->smc_pages, st->smc_pages, bt->npages);
	memcpy(bt->hash, st->copy.hash, sizeof bt->hash);
	bt->nfrags = st->copy.nfrags;
	bt->top = st->copy.top;
	bt->stats = st->copy.stats;
	bt->live = st->copy.live;
	bt->ndead = st->copy.ndead;
	bt_smc_recount(bt);
	bt->written = false;
	cpu_invalidate_code(v->cpu, VMM_BASE + BT_TC_OFF, BT_TC_SIZE);
	/*
	 * The units back in the TC must hear of the next store into their
	 * guest bytes, but the block cache is not part of the checkpoint:
	 * putting guest RAM back (vm_snap.c) retired its decoded code in the
	 * pages that differed, and with it their watch.  Watched again, a
	 * replay translates what the first run translated, and charges the
	 * same cycles [measured: smcloop under bt, one step back and forth
	 * cost 100 cycles less than the run that went straight there;
	 * test_history back_smcloop_bt].
	 */
	for (int i = bt->live; i >= 0; i = bt->frags[i].live_next)
		blockcache_watch(v->vm->code, bt->frags[i].guest,
				 bt->frags[i].guest_len);
}

void bt_state_free(struct bt_state *st)
{
	if (st == NULL)
		return;
	free(st->frags);
	free(st->tc);
	free(st->smc_pages);
	free(st);
}
