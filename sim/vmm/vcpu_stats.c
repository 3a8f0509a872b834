/*
 * vcpu_stats.c - the one list of a vCPU's counters (vcpu_stats.h).
 */
#include <string.h>

#include "vm.h"
#include "vmm/vcpu_stats.h"
#include "vmm/vmm.h"

#define AT(f) offsetof(struct vcpu_stats, f)

_Static_assert(sizeof(struct vcpu_stats) % sizeof(uint64_t) == 0,
	       "struct vcpu_stats holds uint64_t counters only");

const struct vcpu_stat vcpu_stats_list[] = {
	{ "insns", "instructions", "instructions executed", STAT_TOTAL,
	  AT(insns) },
	{ "cycles", "cycles", "modelled cycles consumed", STAT_TOTAL,
	  AT(cycles) },
	{ "sys_cycles", "VMKernel cycles",
	  "cycles of VMKernel work done for the VM (esxtop %SYS)", STAT_TOTAL, AT(sys_cycles) },
	{ "vmx_cycles", "VMX cycles", "cycles of VMX device work",
	  STAT_TOTAL, AT(vmx_cycles) },
	{ "traps", "traps to the VMM (#GP)",
	  "privileged instructions that trapped and the VMM emulated",
	  STAT_VMM, AT(traps) },
	{ "callouts", "callouts (no trap)",
	  "callouts from translated code", STAT_VMM, AT(callouts) },
	{ "exits", "VM exits", "VM exits", STAT_VMM, AT(exits) },
	{ "reflected", "guest faults reflected",
	  "the CPU's faults the VMM passed on to the guest's IDT",
	  STAT_VMM, AT(reflected) },
	{ "soft_ints", "INT n delivered", "INT n delivered", STAT_VMM,
	  AT(soft_ints) },
	{ "vmm_emulated", "VMM fix-ups",
	  "sensitive instructions fixed up after a trap", STAT_VMM,
	  AT(vmm_emulated) },
	{ "vmx_io", "port I/O to the VMX", "port accesses sent to the VMX",
	  STAT_VMM, AT(io) },
	{ "vmm_io", "I/O in the VMM",
	  "answered by the VMM (PIC, PIT, disk)", STAT_VMM, AT(vmm_io) },
	{ "interrupts", "interrupts", "device interrupts delivered",
	  STAT_VMM, AT(interrupts) },
	{ "ring_switches", "ring switches", "privilege switches",
	  STAT_VMM, AT(ring_switches) },
};

int vcpu_stats_count(void)
{
	return (int)(sizeof vcpu_stats_list / sizeof vcpu_stats_list[0]);
}

const struct vcpu_stat *vcpu_stats_find(const char *key)
{
	for (int i = 0; i < vcpu_stats_count(); i++)
		if (strcmp(vcpu_stats_list[i].key, key) == 0)
			return &vcpu_stats_list[i];
	return NULL;
}

uint64_t vcpu_stats_value(const struct vcpu_stats *st,
			  const struct vcpu_stat *c)
{
	uint64_t v;

	memcpy(&v, (const char *)st + c->offset, sizeof v);
	return v;
}

void vcpu_stats_add(struct vcpu_stats *sum, const struct vcpu_stats *add)
{
	/* struct vcpu_stats is uint64_t counters only, arrays included */
	uint64_t *s = (uint64_t *)(void *)sum;
	const uint64_t *a = (const uint64_t *)(const void *)add;

	for (size_t i = 0; i < sizeof *sum / sizeof *s; i++)
		s[i] += a[i];
}

void vcpu_stats_sum(struct vm *vm, struct vcpu_stats *out)
{
	memset(out, 0, sizeof *out);
	for (int i = 0; i < vm->nvcpus && !vm->modelled; i++) {
		vmm_sync_counters(vm->vcpu[i]);
		vcpu_stats_add(out, &vm->vcpu[i]->stats);
	}
}
