/*
 * vmm_state.c - everything the VMM knows about one vCPU, saved and put
 * back: the real CPU's registers (cpu.h), the virtual CPU (vcpu.h), the
 * counters, the translation cache (bt.h), and the part of the VMM's run
 * state that outlives a run (the slice's clock, the STI shadow, whether
 * translated code is running).
 *
 * What a run leaves behind and the next one recomputes (the block being
 * run, the lookup cache, the budget) is not saved, and the VMM's real
 * GDT, LDT and TSS are rebuilt from the virtual CPU instead of copied.  So
 * the same state puts a vCPU back where it was (stepping back) or starts
 * it on a fresh VMM (a VM moved to another host).
 */
#include <stdlib.h>

#include "cpu/cpu.h"
#include "status.h"
#include "vm.h"
#include "vmm/bt.h"
#include "vmm/vmm_priv.h"
#include "vmm/vmm_state.h"

struct vmm_state {
	struct cpu_state *cpu;		/* the real registers */
	struct bt_state *bt;		/* the translation cache (bt mode) */
	struct vcpu_virt virt;
	struct apic apic;		/* its local APIC (apic.c) */
	struct vcpu_stats stats;
	enum vcpu_state state;
	int vring, cpl;
	uint8_t exec;
	struct vmm_run run;		/* only what outlives a run is used */
};

int vmm_state_save(struct vcpu *v, struct vmm_state **out)
{
	struct vmm_state *st;
	int rc;

	vmm_sync_counters(v);
	/* never save the CPU inside the VMM's privilege-switch stub */
	if ((rc = vmm_settle(v)) != SIM_OK)
		return rc;
	st = calloc(1, sizeof *st);
	if (st == NULL)
		return SIM_ENOMEM;
	if (cpu_state_save(v->cpu, &st->cpu) != SIM_OK ||
	    (v->bt != NULL && bt_state_save(v->bt, &st->bt) != SIM_OK)) {
		vmm_state_free(st);
		return SIM_ENOMEM;
	}
	st->virt = v->virt;
	apic_save(&v->apic, &st->apic);
	st->stats = v->stats;
	st->state = v->state;
	st->vring = v->vring;
	st->cpl = v->cpl;
	st->exec = v->exec;
	st->run = v->run;
	*out = st;
	return SIM_OK;
}

int vmm_state_load(struct vcpu *v, const struct vmm_state *st)
{
	const struct vmm_run *r = &st->run;

	if ((st->bt != NULL) != (v->bt != NULL))
		return SIM_ESTATE;	/* bt and te or hw */
	v->virt = st->virt;
	apic_load(&v->apic, &st->apic);
	apic_base_sync(v);		/* CPUID's APIC bit follows the MSR */
	v->stats = st->stats;
	v->state = st->state;
	v->vring = st->vring;
	v->cpl = st->cpl;
	v->exec = st->exec;
	v->run.slice_ns = r->slice_ns;
	v->run.slice_cycles = r->slice_cycles;
	v->run.cycle_end = r->cycle_end;
	v->run.cycle_hit = r->cycle_hit;
	v->run.ring_dirty = r->ring_dirty;
	v->run.in_bt = r->in_bt;
	v->run.bt_cs = r->bt_cs;
	v->run.nothing_eip = r->nothing_eip;
	v->run.irq_window = r->irq_window;
	v->run.sti_state = r->sti_state;
	v->run.sti_shadow = r->sti_shadow;
	v->run.sti_next = r->sti_next;
	/* settled before a save (vmm_settle), but as it was: the stub's
	 * target is what vmm_current_target reads while it is armed */
	v->run.stub_armed = r->stub_armed;
	v->run.stub_target = r->stub_target;
	/* nothing of the last run is left over */
	v->run.hot = NULL;
	v->run.hot_runs = 0;
	v->run.limit_block = NULL;
	v->run.cur = NULL;
	v->run.step_insn = NULL;
	v->run.pending_halt = 0;
	if (st->bt != NULL)
		bt_state_load(v, st->bt);
	vmm_rebuild_tables(v);
	cpu_state_load(v->cpu, st->cpu);	/* last: it sets LDTR, TR... */
	return SIM_OK;
}

void vmm_state_free(struct vmm_state *st)
{
	if (st == NULL)
		return;
	cpu_state_free(st->cpu);
	bt_state_free(st->bt);
	free(st);
}
