/*
 * vmm_smc.c - self-modifying code on the fast engine: the block Unicorn
 * gives up at a store into itself, what of it is taken back, and the
 * record of its retry (v->run.retry).
 *
 * x86 promises that a store into code about to run takes effect before
 * it runs (Intel SDM vol. 3A, 11.6).  QEMU, and Unicorn with it, keeps
 * that promise for the block being run by giving it up before the store
 * and running the storing instruction again alone (cflags_next_tb = 1);
 * the block hook saw the block given up whole, so the VMM takes back
 * what did not run.  vmm.c's memory hook calls vmm_smc_store for a store
 * Unicorn reports, its block hook vmm_smc_next_block for the blocks that
 * follow (the retry, or the give-up no hook saw).
 */
#include "sim.h"
#include "vm.h"
#include "vmm/vmm_priv.h"

/* Whether x can store to memory (an operand there, a push, a string). */
static bool may_store(const struct x86_instruction *x)
{
	return x86_reads_memory(x) || x86_pushes(x);
}

/*
 * The instruction of b (not yet accounted) making the store the memory
 * hook reports: the one at EIP, unless that one cannot store and b has
 * an instruction whose accesses Unicorn reports with a previous one's
 * EIP (x86_stale_eip: an x87 FSTP, a CMPXCHG8B...) after it.
 */
static const struct block_insn *storing_insn(struct vcpu *v,
					     const struct block *b)
{
	uint32_t eip = cpu_reg(v->cpu, X86R_EIP);
	const struct block_insn *s = block_stale_insn(b);
	const struct block_insn *at = NULL;

	if (s != NULL && s < &b->insns[v->run.cur_done])
		s = NULL;		/* accounted already */
	for (uint32_t i = v->run.cur_done; i < b->n && at == NULL; i++)
		if (b->insns[i].x.addr == eip)
			at = &b->insns[i];
	if (at != NULL && (s == NULL || s < at || may_store(&at->x)))
		return at;
	return s;
}

/*
 * Whether b, the block the fast engine runs, is the retry of a block
 * given up (v->run.retry), which QEMU lets finish: it does not give such
 * a block up for a store into itself, or the instruction storing into its
 * own bytes would be retried for ever (its check is "current_tb == tb &&
 * (tb_cflags(current_tb) & CF_COUNT_MASK) != 1", in
 * tb_invalidate_phys_page_range__locked): the store is made, the
 * instruction retires [measured: tests/guests/smcgrow.S, whose ADD
 * stores into its own immediate and the hook sees it in the retry too;
 * taken back there, te and hw listed 10 instructions fewer than QEMU].
 * Only the record says so: a block of one instruction is also what
 * follows STI or MOV SS and what TF makes, which a store into is given
 * up as any other [tests/guests/smcshadow.S, smcstep.S: told by that
 * shape, te listed the instruction storing in such a block twice], and
 * a CALL alone is also a jump back to it [smccall.S: te listed the CALL
 * storing onto itself not at all].
 */
static bool running_retry(const struct vcpu *v, const struct block *b)
{
	return v->run.retry.state == RETRY_RUNNING &&
	       b->addr == v->run.retry.eip && b->size == v->run.retry.len;
}

/*
 * The fast engine gives the current block up at bi: bi and what follows
 * are taken back, and the next block at bi, of bi alone, is its retry.
 */
static void give_up(struct vcpu *v, const struct block_insn *bi)
{
	v->run.retry.state = RETRY_DUE;
	v->run.retry.eip = bi->x.addr;
	v->run.retry.len = bi->x.len;
	vmm_abandon_block(v, bi);
}

/*
 * Self-modifying code on the fast engine.  x86 promises that a store into
 * code about to run takes effect before it runs (Intel SDM vol. 3A,
 * 11.6, "Self-modifying code").  QEMU keeps that promise for a store into
 * the very translation block being run by giving the block up before the
 * store is made: it puts EIP back on the storing instruction, runs that
 * one again alone in a block of one instruction, and carries on from a
 * fresh translation of the new bytes (TARGET_HAS_PRECISE_SMC in
 * tb_invalidate_phys_page_range__locked, accel/tcg/translate-all.c:
 * cflags_next_tb = 1).  Unicorn 2.0.1 does the same, and its memory hook
 * sees the store both times [measured: tests/guests/smcloop.S, blocks
 * 0x100028 of 28 bytes, store, 0x100028 of 10 bytes, the store again,
 * 0x100032...].  The block hook counted the block it gave up whole; the
 * instructions from the store on did not run in it: taken back, and
 * their events (with the old bytes) never emitted.  A store beside the
 * block (an overlap test of two compares) changes nothing here.
 */
void vmm_smc_store(struct vcpu *v, uint32_t addr, int size)
{
	const struct block *b = v->run.cur;
	const struct block_insn *bi;

	if (b == NULL || v->run.cur_done == b->n ||
	    addr >= b->addr + b->size ||
	    (uint64_t)addr + (uint32_t)size <= b->addr || running_retry(v, b))
		return;
	bi = storing_insn(v, b);
	if (bi != NULL)
		give_up(v, bi);
}

/*
 * The store of bi, which the block b was given up for, is made by the
 * retry about to run: the dirty log and every cache of code learn of it
 * now, before the retry's block is looked up (decoded from the bytes it
 * runs), so that no block of the old bytes is left for the listing or
 * the step engine once they change.  Where: bi's memory operands that
 * land in b (the registers are still those bi starts with), else bi's
 * own bytes (a store no operand names).
 */
static void note_own_store(struct vcpu *v, const struct block *b,
			   const struct block_insn *bi)
{
	bool noted = false;

	for (int k = 0; k < bi->x.nops; k++) {
		const struct x86_operand *op = &bi->x.ops[k];
		uint32_t a;

		if (op->kind != X86_OPND_MEM)
			continue;
		a = vmm_operand_addr(v, op);
		if (a >= b->addr + b->size ||
		    (uint64_t)a + (uint32_t)op->size <= b->addr)
			continue;
		vmm_guest_store(v, a, op->size);
		noted = true;
	}
	if (!noted)
		vmm_guest_store(v, bi->x.addr, bi->x.len);
}

/*
 * Whether x, having run, can be followed by a block at its own address:
 * a jump, CALL or LOOP to itself, or one whose target is not written in
 * it (indirect, far, a return, INT).  An instruction that does not end
 * blocks is followed by the next one.
 */
static bool may_lead_to_itself(const struct x86_instruction *x)
{
	switch ((enum x86_op)x->op) {
	case X86_OP_JMP: case X86_OP_JCC: case X86_OP_CALL: case X86_OP_LOOP:
		return x->nops != 1 || x->ops[0].kind != X86_OPND_IMM ||
		       (uint32_t)x->ops[0].imm == x->addr;
	default:
		return x86_op_ends_block((enum x86_op)x->op);
	}
}

/*
 * The instruction of b, not yet accounted, that the block at addr of size
 * bytes is the retry of, if it is one: that instruction alone, one that
 * can store, and one after which the CPU could not have come to addr
 * otherwise (not b's last, or unable to lead to itself).
 */
static const struct block_insn *retried_insn(const struct vcpu *v,
					     const struct block *b,
					     uint32_t addr, uint32_t size)
{
	for (uint32_t i = v->run.cur_done; i < b->n; i++) {
		const struct x86_instruction *x = &b->insns[i].x;

		if (x->addr != addr)
			continue;
		if (x->len != size || !may_store(x) ||
		    (i + 1 == b->n && may_lead_to_itself(x)))
			return NULL;
		return &b->insns[i];
	}
	return NULL;
}

/*
 * A store into the storing instruction's own bytes.  QEMU gives the block
 * up there too (the instruction's bytes are in the block being run), runs
 * the instruction again alone, and the store lands then, by the 1-insn
 * block, which TARGET_HAS_PRECISE_SMC lets finish (its check skips a
 * block of CF_COUNT_MASK 1) [measured: tests/guests/smcown.S under
 * qemu-run.sh --insns, 3 instructions an iteration].  Unicorn 2.0.1 does
 * the same, but may call the memory hook neither time [measured: blocks
 * 0x100028 of 15 bytes, 0x100028 of 10 bytes (the store alone), 0x100032,
 * and no write at 0x10002e reaches cpu_hooks.c's on_write from the
 * second iteration on; nor do smcnext.S's and smcflip.S's 4-byte stores
 * at addresses not 4-aligned, where their 1-byte stores and smcgrow.S's
 * aligned ADD are seen].  Then the give-up is told by the next block:
 * it holds one instruction of the current block, which can store, and
 * which the CPU could not have come back to by running it: any but the
 * last (Unicorn's translator ends a block only after an instruction
 * that ends blocks, at a size or page limit, which counted from a later
 * start cannot come sooner, or when told to translate one instruction,
 * which on the fast engine only a retry is), or a last one that does not
 * end blocks (smcshadow.S's and smcstep.S's lone stores) or jumps
 * elsewhere (smccall.S's CALL).  Not told: an indirect CALL pushing onto
 * itself, alone in its block and unseen by the hook, which is counted as
 * the hook sees it.  Whether seen by the hook (vmm_smc_store) or
 * told here, the record (v->run.retry) says which block is the retry.
 * The cost: three compares a block in block_hook, and this walk only
 * when a block starts inside the last or a retry is due, not measurable
 * [measured: bench_cpu, three runs alternating with the code before
 * (f671084), best times: bench.elf's 10M blocks te 0.091 -> 0.088 s,
 * bt 0.087 -> 0.084 s, hw 0.098 -> 0.093 s; smcbench.elf te 1.187 ->
 * 1.147 s; x87loop.elf te 0.292 -> 0.299 s, within the runs' spread].
 */
void vmm_smc_next_block(struct vcpu *v, uint32_t addr, uint32_t size)
{
	const struct block *b = v->run.cur;
	struct vmm_retry *r = &v->run.retry;
	const struct block_insn *bi;

	if (r->state == RETRY_DUE && addr == r->eip && size == r->len) {
		r->state = RETRY_RUNNING;	/* seen by the hook: its retry */
		return;
	}
	r->state = RETRY_NONE;
	if (b == NULL || addr >= VMM_BASE || addr - b->addr >= b->size)
		return;	/* (translated code: the guest cannot store there) */
	bi = retried_insn(v, b, addr, size);
	if (bi == NULL)
		return;
	give_up(v, bi);
	r->state = RETRY_RUNNING;	/* this block */
	note_own_store(v, b, bi);
}

