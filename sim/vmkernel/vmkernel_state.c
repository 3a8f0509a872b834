/*
 * vmkernel_state.c - the scheduler's state saved and put back: each
 * pCPU's place in its quantum, and every world's scheduling state and
 * counters (plain data).  A world is a thing of its host: the snapshot
 * goes back onto the same VMKernel, with the same worlds (history.c).  A
 * VM moved to another host gets new worlds there; its own state travels
 * in a vm_snap.
 */
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "status.h"
#include "vmkernel/vmkernel_sched.h"
#include "vmkernel/vmkernel_state.h"

struct vmkernel_state {
	struct pcpu pcpu[HOST_MAX_PCPUS];
	int nworlds;
	struct world worlds[];		/* copies, in order */
};

int vmkernel_state_save(const struct vmkernel *k, struct vmkernel_state **out)
{
	struct vmkernel_state *st = malloc(sizeof *st + (size_t)k->nworlds *
					   sizeof st->worlds[0]);

	if (st == NULL)
		return SIM_ENOMEM;
	memcpy(st->pcpu, k->pcpu, sizeof st->pcpu);
	st->nworlds = k->nworlds;
	for (int j = 0; j < k->nworlds; j++)
		st->worlds[j] = *k->worlds[j];
	*out = st;
	return SIM_OK;
}

bool vmkernel_state_fits(const struct vmkernel *k,
			 const struct vmkernel_state *st)
{
	return st->nworlds == k->nworlds;
}

int vmkernel_state_load(struct vmkernel *k, const struct vmkernel_state *st)
{
	if (!vmkernel_state_fits(k, st))
		return SIM_ESTATE;	/* a world was added since */
	memcpy(k->pcpu, st->pcpu, sizeof k->pcpu);
	for (int j = 0; j < st->nworlds; j++)
		*k->worlds[j] = st->worlds[j];
	return SIM_OK;
}

void vmkernel_state_free(struct vmkernel_state *st)
{
	free(st);
}
