/*
 * cpu_exception.c - Unicorn's exception state, found and cleared.
 *
 * After a hooked exception Unicorn 2.0.1 forgets to clear its "exception
 * in flight" marker (QEMU's env->old_exception), so the next exception
 * would become a double fault and the third a silent triple fault.
 * cpu_exception_ack clears it by editing a saved context: the marker's
 * offset inside the context is found at start-up by a probe, not
 * hard-coded.  The error code of the exception is found the same way.
 * [measured; see docs/ARCHITECTURE.md, Unicorn issue #1883]
 */
#include <string.h>

#include "cpu/cpu_priv.h"
#include "status.h"

static int32_t ctx_int(const struct cpu *c, const uc_context *ctx, long off)
{
	int32_t v;

	memcpy(&v, (const char *)ctx + off, sizeof v);
	(void)c;
	return v;
}

/*
 * The probe runs, at CPL 0, "mov ax, 0x1238; mov ds, ax": the GDT is empty,
 * so the CPU raises #GP with error code 0x1238.  Comparing a context saved
 * before with one saved inside the hook finds two 32-bit fields: the one
 * that went from -1 to 13 is old_exception, the one that holds 0x1238 is
 * error_code.
 */
#define PROBE_SELECTOR 0x1238

void cpu_exception_probe_hit(struct cpu *c, int vector)
{
	uc_engine *uc = cpu_live(c);
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

int cpu_exception_probe(struct cpu *c)
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
	uc_engine *uc = cpu_live(c);
	int32_t none = -1;
	uint32_t err;

	uc_context_save(uc, c->ctx);
	memcpy(&err, (char *)c->ctx + c->off_error_code, sizeof err);
	memcpy((char *)c->ctx + c->off_old_exception, &none, sizeof none);
	uc_context_restore(uc, c->ctx);
	return err;
}
