/*
 * cpu.c - Unicorn behind the struct cpu interface.
 *
 * Facts about Unicorn 2.0.1 this file relies on (measured; see
 * docs/ARCHITECTURE.md):
 *  - UC_HOOK_INTR receives every exception and INT n; Unicorn never reads
 *    the IDT itself.  After a hooked exception Unicorn forgets to clear its
 *    "exception in flight" marker (QEMU's env->old_exception), so the next
 *    exception would become a double fault and the third a silent triple
 *    fault.  cpu_exception_ack clears it by editing a saved context: the
 *    marker's offset inside the context is found at start-up by a probe,
 *    not hard-coded.  The error code of the exception is found the same
 *    way.
 *  - uc_emu_stop() inside the block hook stops before that block runs.
 *  - An engine must keep one slicing style: runs with count > 0 and runs
 *    with count = 0 on the same engine flush the translation cache (2-3 s).
 *    Hence two engines, fast (count = 0) and step (count >= 1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicorn/unicorn.h>

#include "cpu/cpu.h"
#include "status.h"

struct cpu {
	uc_engine *uc[2];		/* [CPU_FAST], [CPU_STEP] */
	enum cpu_engine active;		/* which engine holds the state */
	uc_context *ctx;		/* scratch for moves and acks */
	size_t ctx_size;
	struct cpu_hooks hooks;
	struct cpu_config cfg;
	uint32_t until;			/* an address never executed */
	/* offsets inside a saved uc_context, found by probe() */
	long off_old_exception;
	long off_error_code;
	/* probe state */
	int probing;
	uc_context *probe_before;
	/* last unmapped access, from the UC_HOOK_MEM_UNMAPPED hook */
	uint32_t bad_addr;
	int bad_write;
	int refused;			/* the guard refused an access */
	int running;			/* guest code runs, not a hook: the
					   guard's time (the block hook's VMM
					   work makes no access it refuses,
					   and a toggle there costs 6%) */
};

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

static uc_engine *live(struct cpu *c)
{
	return c->uc[c->active];
}

/* ---- hooks: Unicorn -> struct cpu_hooks ------------------------------- */

static void on_block(uc_engine *uc, uint64_t addr, uint32_t size, void *ud)
{
	struct cpu *c = ud;

	if (c->hooks.block(c->hooks.ctx, (uint32_t)addr, size))
		uc_emu_stop(uc);
}

static int32_t ctx_int(const struct cpu *c, const uc_context *ctx, long off)
{
	int32_t v;

	memcpy(&v, (const char *)ctx + off, sizeof v);
	(void)c;
	return v;
}

static void probe_exception(struct cpu *c, int vector);

static void on_intr(uc_engine *uc, uint32_t intno, void *ud)
{
	struct cpu *c = ud;

	(void)uc;
	if (c->probing) {
		probe_exception(c, (int)intno);
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

/*
 * The processor's CPUID: QEMU 7.2's "qemu32" with -smp 1, the reference
 * machine [measured: tests/guests/cpuid.S on qemu-system-i386; the rows
 * are its output].  Unicorn's qemu32 (QEMU 5) answers leaves 1, 2, 4,
 * 0x80000001 and 0x40000000 otherwise, so ringside's CPU answers from this
 * table instead.  Past the last basic or extended leaf an Intel CPU
 * answers the last basic leaf (4, with the subleaf asked); leaf 4 has four
 * cache subleaves, then zeros; 0x40000000 is TCG's hypervisor leaf.
 */
static const struct { uint32_t leaf, sub, r[4]; } cpuid_rows[] = {
	{ 0x00000000, 0, { 0x00000004, 0x756e6547, 0x6c65746e, 0x49656e69 } },
	{ 0x00000001, 0, { 0x00000663, 0x00000800, 0x80000001, 0x0781abfd } },
	{ 0x00000002, 0, { 0x00000001, 0x00000000, 0x0000004d, 0x002c307d } },
	{ 0x00000003, 0, { 0, 0, 0, 0 } },
	{ 0x00000004, 0, { 0x00000121, 0x01c0003f, 0x0000003f, 0x00000001 } },
	{ 0x00000004, 1, { 0x00000122, 0x01c0003f, 0x0000003f, 0x00000001 } },
	{ 0x00000004, 2, { 0x00000143, 0x03c0003f, 0x00000fff, 0x00000001 } },
	{ 0x00000004, 3, { 0x00000163, 0x03c0003f, 0x00003fff, 0x00000006 } },
	{ 0x40000000, 0, { 0x40000001, 0x54474354, 0x43544743, 0x47435447 } },
	{ 0x80000000, 0, { 0x80000004, 0x756e6547, 0x6c65746e, 0x49656e69 } },
	{ 0x80000001, 0, { 0x00000663, 0, 0, 0 } },
	{ 0x80000002, 0, { 0x554d4551, 0x72695620, 0x6c617574, 0x55504320 } },
	{ 0x80000003, 0, { 0x72657620, 0x6e6f6973, 0x352e3220, 0x0000002b } },
	{ 0x80000004, 0, { 0, 0, 0, 0 } },
};

void cpu_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	bool basic = leaf <= 4, ext = leaf >= 0x80000000u && leaf <= 0x80000004u;

	if (leaf >= 0x40000000u && leaf <= 0x400000ffu) {
		if (leaf != 0x40000000u) {
			out[0] = out[1] = out[2] = out[3] = 0;
			return;
		}
	} else if (!basic && !ext) {
		leaf = 4;	/* out of range: the last basic leaf */
	}
	if (leaf != 4)
		sub = 0;
	for (size_t i = 0; i < sizeof cpuid_rows / sizeof cpuid_rows[0]; i++) {
		if (cpuid_rows[i].leaf == leaf && cpuid_rows[i].sub == sub) {
			for (int k = 0; k < 4; k++)
				out[k] = cpuid_rows[i].r[k];
			return;
		}
	}
	out[0] = out[1] = out[2] = out[3] = 0;	/* leaf 4 past its caches */
}

void cpu_cpuid_of(uint8_t apic_id, uint32_t leaf, uint32_t sub,
		  uint32_t out[4])
{
	cpu_cpuid(leaf, sub, out);
	if (leaf == 1)
		out[1] |= (uint32_t)apic_id << 24;
}

/* CPUID run by the CPU: answered from the table; 1 skips Unicorn's own. */
static int on_cpuid(uc_engine *uc, void *ud)
{
	static const int regs[4] = {
		UC_X86_REG_EAX, UC_X86_REG_EBX, UC_X86_REG_ECX, UC_X86_REG_EDX
	};
	const struct cpu *c = ud;
	uint32_t leaf, sub, r[4];

	uc_reg_read(uc, UC_X86_REG_EAX, &leaf);
	uc_reg_read(uc, UC_X86_REG_ECX, &sub);
	cpu_cpuid_of(c->cfg.apic_id, leaf, sub, r);
	for (int i = 0; i < 4; i++)
		uc_reg_write(uc, regs[i], &r[i]);
	return 1;
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

/* ---- finding Unicorn's exception state inside a saved context ---------- */

/*
 * The probe runs, at CPL 0, "mov ax, 0x1238; mov ds, ax": the GDT is empty,
 * so the CPU raises #GP with error code 0x1238.  Comparing a context saved
 * before with one saved inside the hook finds two 32-bit fields: the one
 * that went from -1 to 13 is old_exception, the one that holds 0x1238 is
 * error_code.
 */
#define PROBE_SELECTOR 0x1238

static void probe_exception(struct cpu *c, int vector)
{
	uc_engine *uc = live(c);
	int32_t before, after;

	uc_context_save(uc, c->ctx);
	for (size_t off = 0; off + 4 <= c->ctx_size; off += 4) {
		before = ctx_int(c, c->probe_before, (long)off);
		after = ctx_int(c, c->ctx, (long)off);
		if (before == -1 && after == vector && c->off_old_exception < 0)
			c->off_old_exception = (long)off;
		if (after == PROBE_SELECTOR && before != PROBE_SELECTOR &&
		    c->off_error_code < 0)
			c->off_error_code = (long)off;
	}
	uc_emu_stop(uc);
}

static int probe(struct cpu *c)
{
	static const uint8_t code[] = {
		0x66, 0xb8, PROBE_SELECTOR & 0xff, PROBE_SELECTOR >> 8,
		0x8e, 0xd8,	/* mov ds, ax */
		0xf4		/* hlt */
	};
	uc_engine *uc = c->uc[CPU_STEP];
	uint32_t at = c->cfg.vmm_base;
	uint32_t eax = 0xabcd0000u;	/* so AX != EAX: only error_code holds 0x1238 */
	uc_x86_mmr gdtr = { 0, 0, 0, 0 };
	int rc = SIM_OK;

	if (uc_context_alloc(uc, &c->probe_before) != UC_ERR_OK)
		return SIM_ENOMEM;
	memcpy(c->cfg.vmm, code, sizeof code);
	uc_reg_write(uc, UC_X86_REG_GDTR, &gdtr);
	uc_reg_write(uc, UC_X86_REG_EAX, &eax);
	c->off_old_exception = c->off_error_code = -1;
	uc_context_save(uc, c->probe_before);
	c->probing = 1;
	uc_emu_start(uc, at, c->until, 0, 3);
	c->probing = 0;
	if (c->off_old_exception < 0 || c->off_error_code < 0)
		rc = SIM_EINTERNAL;
	/* back to the pristine power-on state for the VMM */
	uc_context_restore(uc, c->probe_before);
	memset(c->cfg.vmm, 0, sizeof code);
	uc_context_free(c->probe_before);
	c->probe_before = NULL;
	return rc;
}

uint32_t cpu_exception_ack(struct cpu *c)
{
	uc_engine *uc = live(c);
	int32_t none = -1;
	uint32_t err;

	uc_context_save(uc, c->ctx);
	memcpy(&err, (char *)c->ctx + c->off_error_code, sizeof err);
	memcpy((char *)c->ctx + c->off_old_exception, &none, sizeof none);
	uc_context_restore(uc, c->ctx);
	return err;
}

/* ---- life cycle -------------------------------------------------------- */

static int open_engine(struct cpu *c, enum cpu_engine e)
{
	uc_engine *uc;
	uc_hook h;
	uint64_t ram_end = (uint64_t)c->cfg.ram_size - 1;

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
	    uc_hook_add(uc, &h, UC_HOOK_INSN, on_cpuid, c, 1, 0,
			UC_X86_INS_CPUID) != UC_ERR_OK ||
	    uc_hook_add(uc, &h, UC_HOOK_MEM_WRITE, on_write, c, 0,
			ram_end) != UC_ERR_OK ||
	    uc_hook_add(uc, &h, UC_HOOK_MEM_UNMAPPED, on_unmapped, c, 1,
			0) != UC_ERR_OK)
		return SIM_EINTERNAL;
	return SIM_OK;
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
	if ((rc = probe(c)) != SIM_OK) {
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

static void run_until(struct cpu *c, enum cpu_engine e, uint64_t count,
		      uint32_t until, struct cpu_exit_info *info)
{
	uint32_t eip;
	uc_err err;

	activate(c, e);
	eip = cpu_reg(c, X86R_EIP);
	memset(info, 0, sizeof *info);
	c->refused = 0;
	c->running = 1;
	err = uc_emu_start(c->uc[e], eip, until, 0,
			   e == CPU_STEP ? (count ? count : 1) : 0);
	c->running = 0;
	switch (err) {
	case UC_ERR_OK:
		info->exit = CPU_EXIT_STOPPED;
		if (!c->refused && cpu_reg(c, X86R_EIP) == c->until &&
		    c->hooks.guard != NULL) {
			/*
			 * A jump to the last byte of the address space, where
			 * Unicorn stops before fetching anything: the guest
			 * fetches from the VMM's area.
			 */
			c->refused = 1;
			c->bad_addr = c->until;
			c->bad_write = CPU_ACCESS_FETCH;
		}
		if (c->refused) {	/* the guard: as if nothing were there */
			info->exit = CPU_EXIT_BAD_MEMORY;
			info->fault_addr = c->bad_addr;
			info->fault_write = c->bad_write;
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
	default:
		info->exit = CPU_EXIT_ERROR;
		info->error = uc_strerror(err);
		break;
	}
}

void cpu_run(struct cpu *c, enum cpu_engine e, uint64_t count,
	     struct cpu_exit_info *info)
{
	run_until(c, e, count, c->until, info);
}

void cpu_step_one(struct cpu *c, uint32_t next, struct cpu_exit_info *info)
{
	run_until(c, CPU_STEP, 1, next, info);
}

void cpu_request_stop(struct cpu *c)
{
	uc_emu_stop(live(c));
}

uint32_t cpu_reg(struct cpu *c, enum x86_register r)
{
	uint32_t v = 0;

	if ((unsigned)r >= X86R_COUNT || uc_regs[r] == 0)
		return 0;
	uc_reg_read(live(c), uc_regs[r], &v);
	if (x86_reg_is_seg(r))
		v &= 0xffff;
	return v;
}

int cpu_set_reg(struct cpu *c, enum x86_register r, uint32_t value)
{
	if ((unsigned)r >= X86R_COUNT || uc_regs[r] == 0)
		return SIM_EINVAL;
	if (uc_reg_write(live(c), uc_regs[r], &value) != UC_ERR_OK)
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

	uc_reg_read(live(c), table_regs[t], &m);
	out->selector = m.selector;
	out->base = (uint32_t)m.base;
	out->limit = m.limit;
	out->flags = m.flags;
}

int cpu_set_table(struct cpu *c, enum cpu_table t,
		  const struct cpu_table_reg *in)
{
	uc_x86_mmr m = { in->selector, in->base, in->limit, in->flags };

	return uc_reg_write(live(c), table_regs[t], &m) == UC_ERR_OK ?
	       SIM_OK : SIM_EINTERNAL;
}

int cpu_cpl(struct cpu *c)
{
	/* CS.RPL always equals the CPL in protected mode */
	return (int)(cpu_reg(c, X86R_CS) & 3);
}

void cpu_invalidate_code(struct cpu *c, uint32_t addr, uint32_t len)
{
	for (int e = 0; e < 2; e++)
		uc_ctl_remove_cache(c->uc[e], addr, (uint64_t)addr + len);
}

/* A saved uc_context is the whole CPUX86State: registers, not memory. */
struct cpu_state {
	uc_context *ctx;
};

int cpu_state_save(struct cpu *c, struct cpu_state **out)
{
	struct cpu_state *st = calloc(1, sizeof *st);

	if (st == NULL || uc_context_alloc(live(c), &st->ctx) != UC_ERR_OK) {
		free(st);
		return SIM_ENOMEM;
	}
	uc_context_save(live(c), st->ctx);
	*out = st;
	return SIM_OK;
}

void cpu_state_load(struct cpu *c, const struct cpu_state *st)
{
	uc_context_restore(live(c), st->ctx);
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
