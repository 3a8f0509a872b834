/*
 * vmkernel_state.c - the scheduler's state saved and put back: each
 * pCPU's place in its quantum, and every world's scheduling state and
 * counters (plain data), and which VMs it runs.  A world is a thing of
 * its host: the snapshot goes back onto the same VMKernel (history.c).  A
 * VM moved to another host gets new worlds there (vmkernel_adopt_vm) and
 * its worlds here die; worlds are only ever added, so going back to an
 * earlier snapshot frees the worlds made since and brings the dead ones
 * back to life: the VM runs here again, as it did.  Its own state travels
 * in a vm_snap.
 */
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "status.h"
#include "host/host.h"
#include "vmkernel/vmkernel_sched.h"
#include "vmkernel/vmkernel_state.h"

struct vmkernel_state {
	int npcpus, nworlds, nvms;
	struct pcpu *pcpu;		/* npcpus copies, after worlds */
	struct vm **vms;		/* the VMs it runs, after pcpu */
	struct world worlds[];		/* copies, in order */
};

int vmkernel_state_save(const struct vmkernel *k, struct vmkernel_state **out)
{
	int npcpus = k->host->cfg.pcpus;
	struct vmkernel_state *st = malloc(sizeof *st + (size_t)k->nworlds *
					   sizeof st->worlds[0] +
					   (size_t)npcpus * sizeof *st->pcpu +
					   (size_t)k->nvms * sizeof *st->vms);

	if (st == NULL)
		return SIM_ENOMEM;
	st->npcpus = npcpus;
	st->pcpu = (struct pcpu *)&st->worlds[k->nworlds];
	memcpy(st->pcpu, k->pcpu, (size_t)npcpus * sizeof *st->pcpu);
	st->vms = (struct vm **)&st->pcpu[npcpus];
	st->nvms = k->nvms;
	if (k->nvms)
		memcpy(st->vms, k->vms, (size_t)k->nvms * sizeof *st->vms);
	st->nworlds = k->nworlds;
	for (int j = 0; j < k->nworlds; j++)
		st->worlds[j] = *k->worlds[j];
	*out = st;
	return SIM_OK;
}

bool vmkernel_state_fits(const struct vmkernel *k,
			 const struct vmkernel_state *st)
{
	/* the worlds then are the first of those now */
	return st->nworlds <= k->nworlds && st->npcpus == k->host->cfg.pcpus;
}

int vmkernel_state_load(struct vmkernel *k, const struct vmkernel_state *st)
{
	if (!vmkernel_state_fits(k, st))
		return SIM_ESTATE;
	/* worlds made since (a VM that arrived): nothing points at them
	   once the pCPUs are put back */
	while (k->nworlds > st->nworlds)
		free(k->worlds[--k->nworlds]);
	memcpy(k->pcpu, st->pcpu, (size_t)st->npcpus * sizeof *k->pcpu);
	k->nvms = st->nvms;	/* (vms_cap only grows: room for them) */
	if (st->nvms)
		memcpy(k->vms, st->vms, (size_t)st->nvms * sizeof *k->vms);
	for (int j = 0; j < st->nworlds; j++)
		*k->worlds[j] = st->worlds[j];
	return SIM_OK;
}

void vmkernel_state_free(struct vmkernel_state *st)
{
	free(st);
}
