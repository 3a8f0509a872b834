/*
 * cpu_priv.h - what the files of the CPU share: struct cpu, the one
 * place that holds a vCPU's two Unicorn engines and the hooks' state.
 *
 *   cpu.c            creation, runs, registers, state save/load
 *   cpu_hooks.c      Unicorn's callbacks turned into struct cpu_hooks
 *   cpu_cpuid.c      the processor's CPUID answers (QEMU's qemu32)
 *   cpu_exception.c  finding and clearing Unicorn's exception state
 *
 * Only these files include <unicorn/unicorn.h>.
 */
#ifndef RINGSIDE_CPU_PRIV_H
#define RINGSIDE_CPU_PRIV_H

#include <unicorn/unicorn.h>

#include "cpu/cpu.h"

#define CPU_HIDDEN_MAX 32

struct cpu {
	uc_engine *uc[2];		/* [CPU_FAST], [CPU_STEP] */
	enum cpu_engine active;		/* which engine holds the state */
	uc_context *ctx;		/* scratch for moves and acks */
	size_t ctx_size;
	struct cpu_hooks hooks;
	/* chunks of the VMM's area hidden[] holds (a guest access hid them,
	   cpu_hooks.c), and whether some are run as code: next to the hooks,
	   as the block hook reads them every block */
	int nhidden;
	int code_hidden;
	struct cpu_config cfg;
	bool apic_off;			/* CPUID hides the APIC (it was
					   globally disabled) */
	uint32_t until;			/* an address never executed */
	/* the size of the CPU's load or store in the device page now being
	   made, which Unicorn gives its MMIO callbacks in pieces of 4 bytes
	   at most (on_guard sees it whole first) */
	int mmio_width;
	/* offsets inside a saved uc_context, found by probe() */
	long off_old_exception;
	long off_error_code;
	/* probe state */
	int probing;
	uc_context *probe_before;
	/* last unmapped access, from the UC_HOOK_MEM_UNMAPPED hook */
	uint32_t bad_addr;
	int bad_write;
	/* the regions past RAM where nothing is (callbacks' user data) */
	struct cpu_nothing {
		struct cpu *c;
		uint32_t base;
	} nothing[2];
	struct cpu_hidden {
		uint32_t off;		/* in the area */
		uint8_t orig[64];	/* the VMM's bytes */
	} hidden[CPU_HIDDEN_MAX];
	uint32_t retranslations[2];	/* per engine, since it was made:
					   translations thrown away or made
					   alone (cpu_set_renew_after) */
	uint32_t renew_after;		/* replace an engine after that many */
	int renew_due;			/* an engine is due (retranslations
					   reached renew_after): the block
					   hook stops the run */
	int depth;			/* runs in progress (a hook's VMM work
					   may run the CPU too): an engine is
					   replaced only at depth 0 */
	int running;			/* guest code runs, not a hook: the
					   guard's time (the block hook's VMM
					   work makes no access it refuses,
					   and a toggle there costs 6%) */
	int uncounted;			/* a run with no count (cpu_step_own):
					   an exception or INT n stops it, as
					   the count would have, before the
					   handler's first instruction */
	int pending_intr;		/* ... its vector, for the VMM after
					   the run (cpu_step_own), or -1 */
};

/* The engine that holds the register state now. */
static inline uc_engine *cpu_live(struct cpu *c)
{
	return c->uc[c->active];
}

/* cpu_hooks.c: maps the MMIO window and adds every hook to engine e. */
int cpu_hooks_add(struct cpu *c, enum cpu_engine e);

/* cpu_hooks.c: put back the VMM's bytes a guest access hid. */
void cpu_reveal(struct cpu *c);

/* cpu_cpuid.c: the CPUID instruction's hook (1: Unicorn's own skipped). */
int cpu_cpuid_hook(uc_engine *uc, void *ud);

/* cpu_exception.c: the probe at creation, and its exception hook. */
int cpu_exception_probe(struct cpu *c);
void cpu_exception_probe_hit(struct cpu *c, int vector);

#endif
