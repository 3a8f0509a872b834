/*
 * cpu_hooks.c - Unicorn's callbacks turned into struct cpu_hooks: the
 * block hook (where the VMM takes control between blocks), exceptions
 * and INT n, port I/O, SYSENTER, writes to guest RAM (code changes),
 * the local APIC's MMIO window, and the guard over the VMM's area.
 *
 * Facts about Unicorn 2.0.1 this file relies on (measured; see
 * docs/ARCHITECTURE.md):
 *  - UC_HOOK_INTR receives every exception and INT n; Unicorn never reads
 *    the IDT itself (cpu_exception.c keeps it from double-faulting).
 *  - uc_emu_stop() inside the block hook stops before that block runs;
 *    inside a memory hook it restarts the whole block.
 *  - One block hook, not two: Unicorn calls a lone block hook directly,
 *    but walks a list for several, which costs a third of the speed.
 *
 * While a hook runs the VMM, c->running is 0: the guard then lets the
 * VMM's own accesses through.
 */
#include <string.h>

#include "cpu/cpu_priv.h"
#include "status.h"

/*
 * A hook hands the CPU to the VMM: the VMM's area is its own again
 * (bytes hidden from a guest access put back, see hide()), and the guard
 * lets the VMM's accesses through.
 */
static void enter_vmm(struct cpu *c)
{
	c->running = 0;
	if (c->nhidden)
		cpu_reveal(c);
}

static void on_block(uc_engine *uc, uint64_t addr, uint32_t size, void *ud)
{
	struct cpu *c = ud;

	if ((c->nhidden | c->code_hidden | c->renew_due) == 0)
		;			/* the usual case: one test */
	else if (c->renew_due) {
		/* cpu.c replaces an engine at the next run: stop before */
		uc_emu_stop(uc);
		return;
	} else if (c->code_hidden) {
		/*
		 * The guest touched bytes the VMM runs as code (its stub,
		 * the translation cache), and this block may have been
		 * translated while they were hidden: it does not run, and
		 * its translation is forgotten (cpu_reveal).  Unicorn stops a
		 * run exactly only here, at a block's start; a stop asked
		 * from a memory hook restarts the whole block.
		 */
		cpu_reveal(c);
		c->code_hidden = 0;
		uc_emu_stop(uc);
		return;
	} else if (c->nhidden) {
		cpu_reveal(c);	/* the VMM may write the TC or its tables */
	}
	if (c->hooks.block(c->hooks.ctx, (uint32_t)addr, size))
		uc_emu_stop(uc);
}

static void on_intr(uc_engine *uc, uint32_t intno, void *ud)
{
	struct cpu *c = ud;

	if (c->probing) {
		cpu_exception_probe_hit(c, (int)intno);
		return;
	}
	if (c->uncounted) {
		/*
		 * An uncounted run (cpu_step_own) stops where a count would
		 * have: before the handler.  The VMM delivers it after the
		 * run: its delivery writes EIP, and Unicorn 2.0.1 takes a
		 * hook's write of EIP as a request to go on from there,
		 * clearing a stop asked before or after it [measured:
		 * smcfault.S under hw ran its #BR handler inside the run,
		 * whose IRET's descriptor loads were taken as the guest's];
		 * and the step engine has no block hook to stop it later.
		 */
		c->pending_intr = (int)intno;
		uc_emu_stop(uc);
		return;
	}
	enter_vmm(c);
	c->hooks.exception(c->hooks.ctx, (int)intno);
	c->running = 1;
}

static uint32_t on_in(uc_engine *uc, uint32_t port, int size, void *ud)
{
	struct cpu *c = ud;
	uint32_t v;

	(void)uc;
	enter_vmm(c);
	v = c->hooks.port_in(c->hooks.ctx, (uint16_t)port, size);
	c->running = 1;
	return v;
}

static void on_out(uc_engine *uc, uint32_t port, int size, uint32_t value,
		   void *ud)
{
	struct cpu *c = ud;

	(void)uc;
	enter_vmm(c);
	c->hooks.port_out(c->hooks.ctx, (uint16_t)port, size, value);
	c->running = 1;
}

/*
 * SYSENTER: Unicorn 2.0.1 calls the hook with EIP on the instruction and
 * no transition done, then adds the instruction's length (2) to whatever
 * EIP is after the hook [measured: writing EIP = X in the hook resumes at
 * X + 2, also after uc_emu_stop].  So the handler's EIP is taken back by
 * 2 here, and the VMM sees an ordinary hook.
 */
static void on_sysenter(uc_engine *uc, void *ud)
{
	struct cpu *c = ud;
	uint32_t eip;

	enter_vmm(c);
	c->hooks.sysenter(c->hooks.ctx);
	c->running = 1;
	uc_reg_read(uc, UC_X86_REG_EIP, &eip);
	eip -= 2;
	uc_reg_write(uc, UC_X86_REG_EIP, &eip);
}

static void on_write(uc_engine *uc, uc_mem_type type, uint64_t addr,
		     int size, int64_t value, void *ud)
{
	struct cpu *c = ud;

	(void)uc; (void)type; (void)value;
	if (c->nhidden)
		cpu_reveal(c);	/* the VMM may rebuild its tables */
	c->hooks.mem_write(c->hooks.ctx, (uint32_t)addr, size);
}

/*
 * The device is told the size of the CPU's access, not of Unicorn's
 * piece: Unicorn's memory core cuts an 8-byte access (FILD, MOVQ,
 * CMPXCHG8B) into two of 4 bytes without asking the device, where QEMU's
 * asks it first, and QEMU's APIC refuses all of it (its ops'
 * valid.max_access_size is 4: loads give 0, stores are dropped)
 * [measured: tests/guests/apicedge.S].
 */
static int mmio_size(const struct cpu *c, unsigned piece)
{
	return c->mmio_width > 4 ? c->mmio_width : (int)piece;
}

static uint64_t on_mmio_read(uc_engine *uc, uint64_t off, unsigned size,
			     void *ud)
{
	struct cpu *c = ud;

	(void)uc;
	if (c->nhidden)
		cpu_reveal(c);
	return c->hooks.mmio_read(c->hooks.ctx, (uint32_t)off,
				  mmio_size(c, size));
}

static void on_mmio_write(uc_engine *uc, uint64_t off, unsigned size,
			  uint64_t value, void *ud)
{
	struct cpu *c = ud;

	(void)uc;
	if (c->nhidden)
		cpu_reveal(c);
	c->hooks.mmio_write(c->hooks.ctx, (uint32_t)off, mmio_size(c, size),
			    (uint32_t)value);
}

/*
 * The VMM's area: every read and write there is shown to the VMM's
 * guard (instructions fetched there: the block hook), which says
 * whether it is the VMM's own (its stub, the CPU reading the descriptor
 * tables it owns) or the guest's.  The guest's must find nothing there,
 * as on the reference PC (QEMU: reads give 0, stores go nowhere).  A real
 * VMM gets that from segment truncation: the access faults, and the VMM
 * emulates it as a touch of no memory [Adams & Agesen, ASPLOS 2006,
 * sec. 3.2].  Unicorn calls the hook before the access and cannot fault
 * it (and stops a run only at a block's start), so the access is made
 * on the spot as nothing: the 64-byte chunks it touches are saved, a read
 * finds zeros there, a store lands on bytes that are put back
 * (cpu_reveal) before the VMM's own accesses, any hook into the VMM, and
 * the end of the run.  The VMM's data stays intact and unseen.
 *
 * A load and store hook, not the area mapped for fetching only with a
 * hook on its protected accesses.  Unicorn 2.0.1 writes EIP back before a
 * load only when a load hook exists (target/i386/translate.c,
 * gen_op_ld_v: "Unicorn: sync EIP"), and the VMM names the instruction
 * that touched nothing by EIP: protected, a load of the area was named at
 * an earlier instruction (test_named descread, vmmfor) [measured
 * 2026-12-06].  That write-back and the walk of this hook's range on every
 * load are what the guard costs, about 8% on scenarios/guests/dirty.elf;
 * the store hook over RAM (on_write) already sends every access through
 * Unicorn's helpers, the 3.3-fold (docs/performance.md).
 */
#define CHUNK 64u

static struct cpu_hidden *hidden_at(struct cpu *c, uint32_t off)
{
	for (int i = 0; i < c->nhidden; i++)
		if (c->hidden[i].off == off)
			return &c->hidden[i];
	return NULL;
}

void cpu_reveal(struct cpu *c)
{
	for (int i = 0; i < c->nhidden; i++) {
		uint32_t off = c->hidden[i].off;

		memcpy(c->cfg.vmm + off, c->hidden[i].orig, CHUNK);
		if (c->code_hidden)	/* translated while hidden? */
			cpu_invalidate_code(c, c->cfg.vmm_base + off, CHUNK);
	}
	c->nhidden = 0;
}

/* The VMM's own access to [off, off + size): its bytes back first. */
static void reveal_some(struct cpu *c, uint32_t off, int size)
{
	for (int i = 0; i < c->nhidden; i++) {
		struct cpu_hidden *h = &c->hidden[i];

		if (h->off < off + (uint32_t)size && off < h->off + CHUNK) {
			memcpy(c->cfg.vmm + h->off, h->orig, CHUNK);
			*h = c->hidden[--c->nhidden];
			i--;
		}
	}
}

/* The guest's access to [off, off + size) of the area, made as nothing. */
static void hide(struct cpu *c, uint32_t off, int size, int access)
{
	uint32_t end = off + (uint32_t)size;

	if (end > c->cfg.vmm_size || end < off)
		end = c->cfg.vmm_size;	/* wraps past 4 GiB: RAM's, not ours */
	for (uint32_t k = off & ~(CHUNK - 1); k < end; k += CHUNK) {
		if (hidden_at(c, k) != NULL)
			continue;
		if (c->nhidden == CPU_HIDDEN_MAX)
			cpu_reveal(c);	/* always safe: guest reads re-hide */
		c->hidden[c->nhidden].off = k;
		memcpy(c->hidden[c->nhidden++].orig, c->cfg.vmm + k, CHUNK);
	}
	if (access == CPU_ACCESS_READ)
		memset(c->cfg.vmm + off, 0, end - off);
}

static void on_guard(uc_engine *uc, uc_mem_type type, uint64_t addr,
		     int size, int64_t value, void *ud)
{
	struct cpu *c = ud;
	int access = type == UC_MEM_WRITE ? CPU_ACCESS_WRITE : CPU_ACCESS_READ;
	uint32_t off = (uint32_t)addr - c->cfg.vmm_base;
	int guest = 0;

	(void)uc;
	if (addr < c->cfg.vmm_base) {	/* the device page, and nothing */
		c->mmio_width = size;
		return;
	}
	if (c->probing)
		return;
	if (c->running && c->hooks.guard != NULL)
		guest = c->hooks.guard(c->hooks.ctx, (uint32_t)addr, size,
				       access, (uint32_t)value);
	if (guest) {
		hide(c, off, size, access);
		if (guest == 2)
			c->code_hidden = 1;	/* see on_block */
		if (guest == 2 && access == CPU_ACCESS_WRITE)
			/*
			 * The store may hit the translation that makes it:
			 * Unicorn would restart it as self-modifying code,
			 * for ever.  Forgotten first, that translation runs
			 * to its end (the block is not run again: on_block).
			 */
			cpu_invalidate_code(c, (uint32_t)addr, (uint32_t)size);
		c->hooks.no_memory(c->hooks.ctx, (uint32_t)addr, size, access);
		return;
	}
	if (c->nhidden)
		reveal_some(c, off, size);
	if (access == CPU_ACCESS_WRITE && addr >= c->cfg.tables_base &&
	    addr < (uint64_t)c->cfg.tables_base + c->cfg.tables_size)
		c->hooks.mem_write(c->hooks.ctx, (uint32_t)addr, size);
}

/*
 * Guest-physical addresses past RAM (up to the VMM's area, but for the
 * local APIC's page): no device answers there.  On QEMU's PC a load there
 * gives 0 and a store goes nowhere [measured: tests/guests/nomem.S]; a real
 * VMM maps nothing there in its page tables, takes the page fault (under
 * the VT-x of 2006, which has no EPT, a #PF exit on its shadow page
 * tables) and emulates the access as such.  Unicorn's MMIO region
 * is that trap: each access reaches the VMM.  Unicorn cannot fetch code
 * from it, nor from the local APIC's window (UC_ERR_FETCH_PROT, with
 * nothing run): the VMM runs what is fetched there (vmm_guard_run_nothing).
 */
static uint64_t on_nothing_read(uc_engine *uc, uint64_t off, unsigned size,
				void *ud)
{
	struct cpu_nothing *n = ud;

	(void)uc;
	if (!n->c->probing)
		n->c->hooks.no_memory(n->c->hooks.ctx, n->base + (uint32_t)off,
				      (int)size, CPU_ACCESS_READ);
	return 0;
}

static void on_nothing_write(uc_engine *uc, uint64_t off, unsigned size,
			     uint64_t value, void *ud)
{
	struct cpu_nothing *n = ud;

	(void)uc; (void)value;
	if (!n->c->probing)
		n->c->hooks.no_memory(n->c->hooks.ctx, n->base + (uint32_t)off,
				      (int)size, CPU_ACCESS_WRITE);
}

static bool on_unmapped(uc_engine *uc, uc_mem_type type, uint64_t addr,
			int size, int64_t value, void *ud)
{
	struct cpu *c = ud;

	(void)uc; (void)size; (void)value;
	c->bad_addr = (uint32_t)addr;
	c->bad_write = type == UC_MEM_WRITE_UNMAPPED ? 1 :
		       type == UC_MEM_FETCH_UNMAPPED ? 2 : 0;
	return false;		/* let the run fail: the VMM reports it */
}

/* [lo, hi) as nothing; n says where it starts (callbacks get offsets). */
static int map_nothing_at(struct cpu *c, uc_engine *uc, int i, uint64_t lo,
			  uint64_t hi)
{
	c->nothing[i].c = c;
	c->nothing[i].base = (uint32_t)lo;
	if (hi <= lo)
		return SIM_OK;
	return uc_mmio_map(uc, lo, hi - lo, on_nothing_read, &c->nothing[i],
			   on_nothing_write, &c->nothing[i]) == UC_ERR_OK ?
	       SIM_OK : SIM_EINTERNAL;
}

/* Nothing from the end of RAM to the VMM's area, but the MMIO window. */
static int map_nothing(struct cpu *c, uc_engine *uc)
{
	uint64_t lo = c->cfg.ram_size, hi = c->cfg.vmm_base;
	uint64_t m = c->cfg.mmio_base, me = m + c->cfg.mmio_size;

	if (c->cfg.mmio_size && m >= lo && me <= hi)
		return map_nothing_at(c, uc, 0, lo, m) != SIM_OK ?
		       SIM_EINTERNAL : map_nothing_at(c, uc, 1, me, hi);
	return map_nothing_at(c, uc, 0, lo, hi);
}

/* Where the guard's hook starts: the device page, or the VMM's area. */
static uint64_t guard_from(const struct cpu *c)
{
	return c->cfg.mmio_size && c->cfg.mmio_base < c->cfg.vmm_base ?
	       c->cfg.mmio_base : c->cfg.vmm_base;
}

/* Maps the MMIO window and adds every hook to engine e. */
int cpu_hooks_add(struct cpu *c, enum cpu_engine e)
{
	uc_engine *uc = c->uc[e];
	uc_hook h;
	uint64_t ram_end = (uint64_t)c->cfg.ram_size - 1;

	if (c->cfg.mmio_size &&
	    uc_mmio_map(uc, c->cfg.mmio_base, c->cfg.mmio_size, on_mmio_read,
			c, on_mmio_write, c) != UC_ERR_OK)
		return SIM_EINTERNAL;
	if (map_nothing(c, uc) != SIM_OK)
		return SIM_EINTERNAL;
	/*
	 * Only the fast engine has a block hook: over guest RAM, and up to
	 * the end of the translated code if there is any (the VMM's stubs
	 * in between are then seen too; the hook ignores them).  One hook,
	 * not two: Unicorn calls a lone block hook directly, but walks a
	 * list for several, which costs a third of the speed.
	 */
	if (e == CPU_FAST &&
	    uc_hook_add(uc, &h, UC_HOOK_BLOCK, on_block, c, 0,
			(uint64_t)c->cfg.vmm_base + c->cfg.vmm_size - 1) !=
	    UC_ERR_OK)
		return SIM_EINTERNAL;
	/*
	 * The guard's hook starts at the device page, if there is one below
	 * the VMM's area, for the size of the accesses there (mmio_size):
	 * one hook, not a second that Unicorn would check on every load
	 * and store.
	 */
	if (uc_hook_add(uc, &h, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, on_guard,
			c, guard_from(c), (uint64_t)c->cfg.vmm_base +
			c->cfg.vmm_size - 1) != UC_ERR_OK)
		return SIM_EINTERNAL;
	if (uc_hook_add(uc, &h, UC_HOOK_INTR, on_intr, c, 1, 0) != UC_ERR_OK ||
	    uc_hook_add(uc, &h, UC_HOOK_INSN, on_in, c, 1, 0,
			UC_X86_INS_IN) != UC_ERR_OK ||
	    uc_hook_add(uc, &h, UC_HOOK_INSN, on_out, c, 1, 0,
			UC_X86_INS_OUT) != UC_ERR_OK ||
	    uc_hook_add(uc, &h, UC_HOOK_INSN, on_sysenter, c, 1, 0,
			UC_X86_INS_SYSENTER) != UC_ERR_OK ||
	    uc_hook_add(uc, &h, UC_HOOK_INSN, cpu_cpuid_hook, c, 1, 0,
			UC_X86_INS_CPUID) != UC_ERR_OK ||
	    uc_hook_add(uc, &h, UC_HOOK_MEM_WRITE, on_write, c, 0,
			ram_end) != UC_ERR_OK ||
	    uc_hook_add(uc, &h, UC_HOOK_MEM_UNMAPPED, on_unmapped, c, 1,
			0) != UC_ERR_OK)
		return SIM_EINTERNAL;
	return SIM_OK;
}
