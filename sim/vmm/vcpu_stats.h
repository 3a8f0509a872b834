/*
 * vcpu_stats.h - the one list of a vCPU's counters (struct vcpu_stats in
 * vcpu.h), as trace_fields is for events: the headless summary, Lua's
 * vm:stats(), the TUI's counters pane and --compare all read it, so a
 * counter added to the list shows up everywhere under one name.
 *
 * The arrays (by class, ring, CPL, path, mode) are named by their own
 * enums (classify.h, event.h); the list holds the single counters.
 */
#ifndef SIM_VCPU_STATS_H
#define SIM_VCPU_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/vcpu.h"

enum vcpu_stat_kind {
	STAT_TOTAL,		/* how much ran: instructions, cycles */
	STAT_VMM,		/* what the VMM (and its VMKernel, VMX) did */
};

struct vcpu_stat {
	const char *key;	/* "traps": vm:stats() and the JSON summary */
	const char *label;	/* "INT n delivered": a pane or table row */
	const char *what;	/* "privileged instructions that trapped
				   and the VMM emulated" */
	enum vcpu_stat_kind kind;
	size_t offset;		/* of its uint64_t in struct vcpu_stats */
};

/* The list, in the order reports show it; vcpu_stats_count() entries. */
extern const struct vcpu_stat vcpu_stats_list[];
int vcpu_stats_count(void);

/* The entry with this key, or NULL. */
const struct vcpu_stat *vcpu_stats_find(const char *key);

/* The counter c of st. */
uint64_t vcpu_stats_value(const struct vcpu_stats *st,
			  const struct vcpu_stat *c);

/*
 * Every counter of a VM, summed over all its vCPUs (brought up to date
 * first: the fast path counts lazily).  All zeros for a modelled VM.
 */
struct vm;
void vcpu_stats_sum(struct vm *vm, struct vcpu_stats *out);

/* Add every counter (arrays too) of `add` to `sum`. */
void vcpu_stats_add(struct vcpu_stats *sum, const struct vcpu_stats *add);

#endif
