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
 *  - uc_emu_stop() inside the block hook stops before that block runs.
 *  - One block hook, not two: Unicorn calls a lone block hook directly,
 *    but walks a list for several, which costs a third of the speed.
 *
 * While a hook runs the VMM, c->running is 0: the guard then lets the
 * VMM's own accesses through.
 */
#include <string.h>

#include "cpu/cpu_priv.h"
#include "status.h"

static void on_block(uc_engine *uc, uint64_t addr, uint32_t size, void *ud)
{
	struct cpu *c = ud;

	if (c->hooks.block(c->hooks.ctx, (uint32_t)addr, size))
		uc_emu_stop(uc);
}

static void on_intr(uc_engine *uc, uint32_t intno, void *ud)
{
	struct cpu *c = ud;

	(void)uc;
	if (c->probing) {
		cpu_exception_probe_hit(c, (int)intno);
		return;
	}
	c->running = 0;
	c->hooks.exception(c->hooks.ctx, (int)intno);
	c->running = 1;
}

static uint32_t on_in(uc_engine *uc, uint32_t port, int size, void *ud)
{
	struct cpu *c = ud;
	uint32_t v;

	(void)uc;
	c->running = 0;
	v = c->hooks.port_in(c->hooks.ctx, (uint16_t)port, size);
	c->running = 1;
	return v;
}

static void on_out(uc_engine *uc, uint32_t port, int size, uint32_t value,
		   void *ud)
{
	struct cpu *c = ud;

	(void)uc;
	c->running = 0;
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

	c->running = 0;
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
	c->hooks.mem_write(c->hooks.ctx, (uint32_t)addr, size);
}

static uint64_t on_mmio_read(uc_engine *uc, uint64_t off, unsigned size,
			     void *ud)
{
	struct cpu *c = ud;

	(void)uc;
	return c->hooks.mmio_read(c->hooks.ctx, (uint32_t)off, (int)size);
}

static void on_mmio_write(uc_engine *uc, uint64_t off, unsigned size,
			  uint64_t value, void *ud)
{
	struct cpu *c = ud;

	(void)uc;
	c->hooks.mmio_write(c->hooks.ctx, (uint32_t)off, (int)size,
			    (uint32_t)value);
}

/*
 * The VMM's area: every read and write there is shown to the VMM's
 * guard (instructions fetched there: the block hook), which says
 * whether it is the VMM's own (its stub, the CPU reading the descriptor
 * tables it owns) or the guest's: then it stops as a touch of memory that
 * does not exist.
 */
static void refuse(struct cpu *c, uc_engine *uc, uint32_t addr, int access)
{
	if (!c->refused) {	/* keep the first: the one the guest made */
		c->refused = 1;
		c->bad_addr = addr;
		c->bad_write = access;
	}
	uc_emu_stop(uc);
}

static void on_guard(uc_engine *uc, uc_mem_type type, uint64_t addr,
		     int size, int64_t value, void *ud)
{
	struct cpu *c = ud;
	int access = type == UC_MEM_WRITE ? CPU_ACCESS_WRITE : CPU_ACCESS_READ;

	if (access == CPU_ACCESS_WRITE && addr >= c->cfg.tables_base &&
	    addr < (uint64_t)c->cfg.tables_base + c->cfg.tables_size)
		c->hooks.mem_write(c->hooks.ctx, (uint32_t)addr, size);
	if (c->probing || !c->running || c->hooks.guard == NULL)
		return;		/* the VMM's own loads (cpu_set_reg) */
	if (c->hooks.guard(c->hooks.ctx, (uint32_t)addr, size, access,
			   (uint32_t)value))
		refuse(c, uc, (uint32_t)addr, access);
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
	if (uc_hook_add(uc, &h, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, on_guard,
			c, c->cfg.vmm_base, (uint64_t)c->cfg.vmm_base +
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
