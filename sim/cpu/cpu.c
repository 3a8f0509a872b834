/*
 * cpu.c - Unicorn behind the struct cpu interface: creating a vCPU's
 * engines, running them, its registers and its saved state.  The hooks
 * are in cpu_hooks.c, CPUID's answers in cpu_cpuid.c, and the work-around
 * for Unicorn's exception state in cpu_exception.c (see cpu_priv.h).
 *
 * A fact about Unicorn 2.0.1 this file relies on (measured; see
 * docs/ARCHITECTURE.md): an engine must keep one slicing style: runs with
 * count > 0 and runs with count = 0 on the same engine flush the
 * translation cache (2-3 s).  Hence two engines, fast (count = 0) and
 * step (count >= 1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu_priv.h"
#include "status.h"

static const int uc_regs[X86R_COUNT] = {
	[X86R_EAX] = UC_X86_REG_EAX, [X86R_ECX] = UC_X86_REG_ECX,
	[X86R_EDX] = UC_X86_REG_EDX, [X86R_EBX] = UC_X86_REG_EBX,
	[X86R_ESP] = UC_X86_REG_ESP, [X86R_EBP] = UC_X86_REG_EBP,
	[X86R_ESI] = UC_X86_REG_ESI, [X86R_EDI] = UC_X86_REG_EDI,
	[X86R_AX] = UC_X86_REG_AX, [X86R_CX] = UC_X86_REG_CX,
	[X86R_DX] = UC_X86_REG_DX, [X86R_BX] = UC_X86_REG_BX,
	[X86R_SP] = UC_X86_REG_SP, [X86R_BP] = UC_X86_REG_BP,
	[X86R_SI] = UC_X86_REG_SI, [X86R_DI] = UC_X86_REG_DI,
	[X86R_AL] = UC_X86_REG_AL, [X86R_CL] = UC_X86_REG_CL,
	[X86R_DL] = UC_X86_REG_DL, [X86R_BL] = UC_X86_REG_BL,
	[X86R_AH] = UC_X86_REG_AH, [X86R_CH] = UC_X86_REG_CH,
	[X86R_DH] = UC_X86_REG_DH, [X86R_BH] = UC_X86_REG_BH,
	[X86R_ES] = UC_X86_REG_ES, [X86R_CS] = UC_X86_REG_CS,
	[X86R_SS] = UC_X86_REG_SS, [X86R_DS] = UC_X86_REG_DS,
	[X86R_FS] = UC_X86_REG_FS, [X86R_GS] = UC_X86_REG_GS,
	[X86R_EIP] = UC_X86_REG_EIP, [X86R_EFLAGS] = UC_X86_REG_EFLAGS,
	[X86R_CR0] = UC_X86_REG_CR0, [X86R_CR2] = UC_X86_REG_CR2,
	[X86R_CR3] = UC_X86_REG_CR3, [X86R_CR4] = UC_X86_REG_CR4,
	[X86R_DR0] = UC_X86_REG_DR0, [X86R_DR1] = UC_X86_REG_DR1,
	[X86R_DR2] = UC_X86_REG_DR2, [X86R_DR3] = UC_X86_REG_DR3,
	[X86R_DR4] = UC_X86_REG_DR4, [X86R_DR5] = UC_X86_REG_DR5,
	[X86R_DR6] = UC_X86_REG_DR6, [X86R_DR7] = UC_X86_REG_DR7,
};

/* ---- life cycle -------------------------------------------------------- */

static int open_engine(struct cpu *c, enum cpu_engine e)
{
	uc_engine *uc;

	if (uc_open(UC_ARCH_X86, UC_MODE_32, &uc) != UC_ERR_OK)
		return SIM_EINTERNAL;
	c->uc[e] = uc;
	/*
	 * The processor: QEMU's "qemu32", the default CPU of
	 * qemu-system-i386, the reference machine.  Unicorn's own default is
	 * "qemu64" (an AuthenticAMD with leaf 0xd), whose CPUID would tell a
	 * guest another machine than QEMU's [measured: tests/guests/cpuid.S].
	 */
	if (uc_ctl_set_cpu_model(uc, UC_CPU_X86_QEMU32) != UC_ERR_OK)
		return SIM_EINTERNAL;
	if (uc_mem_map_ptr(uc, 0, c->cfg.ram_size, UC_PROT_ALL,
			   c->cfg.ram) != UC_ERR_OK ||
	    uc_mem_map_ptr(uc, c->cfg.vmm_base, c->cfg.vmm_size, UC_PROT_ALL,
			   c->cfg.vmm) != UC_ERR_OK)
		return SIM_EINTERNAL;
	return cpu_hooks_add(c, e);
}

int cpu_create(const struct cpu_config *cfg, const struct cpu_hooks *hooks,
	       struct cpu **out, const char **error)
{
	struct cpu *c;
	unsigned major, minor;
	int rc;

	*error = NULL;
	uc_version(&major, &minor);
	if (major != 2) {
		*error = "ringside needs Unicorn 2 (libunicorn2)";
		return SIM_EINTERNAL;
	}
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return SIM_ENOMEM;
	c->cfg = *cfg;
	c->hooks = *hooks;
	c->until = cfg->vmm_base + cfg->vmm_size - 1;
	c->active = CPU_STEP;
	c->renew_after = CPU_RENEW_AFTER;
	if ((rc = open_engine(c, CPU_STEP)) != SIM_OK ||
	    (rc = open_engine(c, CPU_FAST)) != SIM_OK) {
		*error = "Unicorn could not create an x86 engine";
		cpu_destroy(c);
		return rc;
	}
	c->ctx_size = uc_context_size(c->uc[CPU_STEP]);
	if (uc_context_alloc(c->uc[CPU_STEP], &c->ctx) != UC_ERR_OK) {
		cpu_destroy(c);
		return SIM_ENOMEM;
	}
	if ((rc = cpu_exception_probe(c)) != SIM_OK) {
		*error = "could not locate Unicorn's exception state (unsupported Unicorn build)";
		cpu_destroy(c);
		return rc;
	}
	*out = c;
	return SIM_OK;
}

void cpu_destroy(struct cpu *c)
{
	if (c == NULL)
		return;
	if (c->ctx)
		uc_context_free(c->ctx);
	for (int e = 0; e < 2; e++)
		if (c->uc[e])
			uc_close(c->uc[e]);
	free(c);
}

/* Move the live register state to engine e. */
static void activate(struct cpu *c, enum cpu_engine e)
{
	if (c->active == e)
		return;
	uc_context_save(c->uc[c->active], c->ctx);
	uc_context_restore(c->uc[e], c->ctx);
	c->active = e;
}

/*
 * Replace engine e by a new one (cpu_set_renew_after): the live register
 * state, if e holds it, goes over through c->ctx as in activate().  If
 * the new one cannot be made, e goes on as it was, and is tried again
 * after as many retranslations.
 */
static void renew(struct cpu *c, enum cpu_engine e)
{
	uc_engine *old = c->uc[e];
	uint32_t n = c->retranslations[e];

	c->retranslations[e] = 0;
	if (c->active == e)
		uc_context_save(old, c->ctx);
	c->uc[e] = NULL;
	if (open_engine(c, e) != SIM_OK) {
		if (c->uc[e] != NULL)
			uc_close(c->uc[e]);
		c->uc[e] = old;
		return;
	}
	if (c->active == e)
		uc_context_restore(c->uc[e], c->ctx);
	uc_close(old);
	if (c->hooks.renewed != NULL)
		c->hooks.renewed(c->hooks.ctx, e, n);
}

/*
 * Some translations were thrown away, or one made alone, on engine e.
 * The fast engine may go on for a whole slice inside one run, storing
 * into its code all along [measured: tests/guests/smcloop.S, 319,000 in
 * one run]: once an engine is due, the block hook stops the run before
 * the next block (cpu_hooks.c), and the caller's next cpu_run replaces
 * it.
 */
static void retranslated(struct cpu *c, enum cpu_engine e)
{
	if (c->renew_after != 0 && ++c->retranslations[e] >= c->renew_after)
		c->renew_due = 1;
}

void cpu_set_renew_after(struct cpu *c, uint32_t n)
{
	c->renew_after = n;
	c->renew_due = 0;	/* (a lower n counts from here) */
}

static void run_until(struct cpu *c, enum cpu_engine e, uint64_t count,
		      uint32_t until, struct cpu_exit_info *info)
{
	uint32_t eip;
	uc_err err;
	int outer;

	for (int k = 0; k < 2 && c->depth == 0 && c->renew_due; k++)
		if (c->retranslations[k] >= c->renew_after)
			renew(c, (enum cpu_engine)k);
	if (c->depth == 0)
		c->renew_due = 0;
	activate(c, e);
	eip = cpu_reg(c, X86R_EIP);
	memset(info, 0, sizeof *info);
	outer = c->uncounted;	/* (a hook's run inside: its own) */
	c->uncounted = e == CPU_STEP && count == 0;
	c->running = 1;
	c->depth++;
	err = uc_emu_start(c->uc[e], eip, until, 0, count);
	c->depth--;
	c->running = 0;
	c->uncounted = outer;
	if (c->nhidden)
		cpu_reveal(c);	/* the VMM's area is the VMM's again */
	c->code_hidden = 0;
	switch (err) {
	case UC_ERR_OK:
		info->exit = CPU_EXIT_STOPPED;
		if (cpu_reg(c, X86R_EIP) == c->until && c->hooks.guard != NULL) {
			/*
			 * A jump to the last byte of the address space, where
			 * Unicorn stops before fetching anything: the guest
			 * fetches from the VMM's area.
			 */
			info->exit = CPU_EXIT_BAD_MEMORY;
			info->fault_addr = c->until;
			info->fault_write = CPU_ACCESS_FETCH;
		}
		break;
	case UC_ERR_INSN_INVALID:
		info->exit = CPU_EXIT_BAD_INSN;
		break;
	case UC_ERR_READ_UNMAPPED:
	case UC_ERR_WRITE_UNMAPPED:
	case UC_ERR_FETCH_UNMAPPED:
		info->exit = CPU_EXIT_BAD_MEMORY;
		info->fault_addr = c->bad_addr;
		info->fault_write = c->bad_write;
		break;
	case UC_ERR_FETCH_PROT:	/* code from nothing (map_nothing): */
		info->exit = CPU_EXIT_BAD_MEMORY;	/* nothing ran */
		info->fault_addr = cpu_reg(c, X86R_EIP);
		info->fault_write = CPU_ACCESS_FETCH;
		break;
	default:
		info->exit = CPU_EXIT_ERROR;
		info->error = uc_strerror(err);
		break;
	}
}

void cpu_run(struct cpu *c, enum cpu_engine e, uint64_t count,
	     struct cpu_exit_info *info)
{
	run_until(c, e, e == CPU_STEP ? (count ? count : 1) : 0, c->until,
		  info);
}

void cpu_step_one(struct cpu *c, uint32_t next, struct cpu_exit_info *info)
{
	retranslated(c, CPU_STEP);
	run_until(c, CPU_STEP, 1, next, info);
}

void cpu_step_own(struct cpu *c, uint32_t next, struct cpu_exit_info *info)
{
	int vector;

	retranslated(c, CPU_STEP);
	c->pending_intr = -1;
	run_until(c, CPU_STEP, 0, next, info);	/* no count: up to next */
	vector = c->pending_intr;
	c->pending_intr = -1;
	if (vector >= 0)	/* the run stopped at it (on_intr) */
		c->hooks.exception(c->hooks.ctx, vector);
}

void cpu_request_stop(struct cpu *c)
{
	uc_emu_stop(cpu_live(c));
}

uint32_t cpu_reg(struct cpu *c, enum x86_register r)
{
	uint32_t v = 0;

	if ((unsigned)r >= X86R_COUNT || uc_regs[r] == 0)
		return 0;
	uc_reg_read(cpu_live(c), uc_regs[r], &v);
	if (x86_reg_is_seg(r))
		v &= 0xffff;
	return v;
}

int cpu_set_reg(struct cpu *c, enum x86_register r, uint32_t value)
{
	if ((unsigned)r >= X86R_COUNT || uc_regs[r] == 0)
		return SIM_EINVAL;
	if (uc_reg_write(cpu_live(c), uc_regs[r], &value) != UC_ERR_OK)
		return SIM_ESTATE;
	return SIM_OK;
}

static const int table_regs[] = {
	[CPU_GDTR] = UC_X86_REG_GDTR, [CPU_IDTR] = UC_X86_REG_IDTR,
	[CPU_LDTR] = UC_X86_REG_LDTR, [CPU_TR] = UC_X86_REG_TR,
};

void cpu_get_table(struct cpu *c, enum cpu_table t, struct cpu_table_reg *out)
{
	uc_x86_mmr m = { 0, 0, 0, 0 };

	uc_reg_read(cpu_live(c), table_regs[t], &m);
	out->selector = m.selector;
	out->base = (uint32_t)m.base;
	out->limit = m.limit;
	out->flags = m.flags;
}

int cpu_set_table(struct cpu *c, enum cpu_table t,
		  const struct cpu_table_reg *in)
{
	uc_x86_mmr m = { in->selector, in->base, in->limit, in->flags };

	return uc_reg_write(cpu_live(c), table_regs[t], &m) == UC_ERR_OK ?
	       SIM_OK : SIM_EINTERNAL;
}

int cpu_cpl(struct cpu *c)
{
	/* CS.RPL always equals the CPL in protected mode */
	return (int)(cpu_reg(c, X86R_CS) & 3);
}

void cpu_invalidate_code(struct cpu *c, uint32_t addr, uint32_t len)
{
	for (int e = 0; e < 2; e++) {
		uc_ctl_remove_cache(c->uc[e], addr, (uint64_t)addr + len);
		retranslated(c, (enum cpu_engine)e);
	}
}

/* A saved uc_context is the whole CPUX86State: registers, not memory. */
struct cpu_state {
	uc_context *ctx;
};

int cpu_state_save(struct cpu *c, struct cpu_state **out)
{
	struct cpu_state *st = calloc(1, sizeof *st);

	if (st == NULL || uc_context_alloc(cpu_live(c), &st->ctx) != UC_ERR_OK) {
		free(st);
		return SIM_ENOMEM;
	}
	uc_context_save(cpu_live(c), st->ctx);
	*out = st;
	return SIM_OK;
}

void cpu_state_load(struct cpu *c, const struct cpu_state *st)
{
	uc_context_restore(cpu_live(c), st->ctx);
}

void cpu_state_free(struct cpu_state *st)
{
	if (st == NULL)
		return;
	uc_context_free(st->ctx);
	free(st);
}

void cpu_invalidate_code_idle(struct cpu *c, uint32_t addr, uint32_t len)
{
	uc_ctl_remove_cache(c->uc[!c->active], addr, (uint64_t)addr + len);
	/* the running one saw the store: it throws its translation away */
	retranslated(c, CPU_FAST);
	retranslated(c, CPU_STEP);
}

enum cpu_engine cpu_active_engine(const struct cpu *c)
{
	return c->active;
}

const char *cpu_library_version(void)
{
	static char buf[32];
	unsigned major, minor;
	unsigned v = uc_version(&major, &minor);

	snprintf(buf, sizeof buf, "%u.%u.%u", major, minor, (v >> 8) & 0xff);
	return buf;
}
