/*
 * world.c - a world: creating it, naming it, its resource settings
 * (shares, reservation, limit).  Which worlds a host and a VM have is
 * vmkernel.c; choosing among them is vmkernel_sched.c; running them,
 * vmkernel_play.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host.h"
#include "sim_priv.h"
#include "status.h"
#include "vm.h"
#include "vmkernel/vmkernel_sched.h"
#include "vmkernel/world.h"

static const char *const kind_names[WORLD_KIND_COUNT] = {
	[WORLD_IDLE] = "idle", [WORLD_CONSOLE] = "console",
	[WORLD_HOST_OS] = "host-os", [WORLD_VMX] = "vmx",
	[WORLD_MKS] = "mks", [WORLD_VMM] = "vmm",
};

const char *world_kind_name(enum world_kind k)
{
	return (unsigned)k < WORLD_KIND_COUNT ? kind_names[k] : "?";
}

static const char *const state_names[] = {
	[WORLD_READY] = "ready", [WORLD_RUNNING] = "running",
	[WORLD_WAITING] = "waiting", [WORLD_DEAD] = "dead",
	[WORLD_COSTOP] = "co-stopped",
};

const char *world_state_name(enum world_state s)
{
	return (unsigned)s <= WORLD_COSTOP ? state_names[s] : "?";
}

int host_world_count(const struct host *h)
{
	return h->vmk ? h->vmk->nworlds : 0;
}

struct world *host_world(const struct host *h, int i)
{
	return h->vmk && i >= 0 && i < h->vmk->nworlds ? h->vmk->worlds[i]
						       : NULL;
}

/*
 * A new world, waiting (it has nothing to do until the scheduler or its
 * VM gives it work).  Names follow esxtop's style: the kind, then whose.
 */
struct world *world_new(struct vmkernel *k, enum world_kind kind,
			struct vm *vm, int vcpu, uint64_t now)
{
	struct world *w;

	if (k->nworlds == k->worlds_cap) {
		int cap = k->worlds_cap;

		if (sim_grow((void ***)&k->worlds, &k->worlds_cap, k->nworlds,
			     VMKERNEL_MAX_WORLDS) != SIM_OK)
			return NULL;
		if (cap != k->worlds_cap) {
			struct world **o = realloc(k->order,
				(size_t)k->worlds_cap * sizeof *o);

			if (o == NULL)
				return NULL;
			k->order = o;
		}
	}
	if ((w = calloc(1, sizeof *w)) == NULL)
		return NULL;
	w->id = k->nworlds;
	w->kind = kind;
	w->host = k->host;
	w->vm = vm;
	w->vcpu = vcpu;
	w->group = vm ? (int)vm->id : -1;
	w->shares = VMKERNEL_SHARES_NORMAL;
	w->pinned = -1;
	w->pcpu = -1;
	w->q_pcpu = -1;
	w->state = WORLD_WAITING;
	w->wake_ns = UINT64_MAX;
	w->since = now;
	if (kind == WORLD_VMM)
		snprintf(w->name, sizeof w->name, "vmm%d:%s", vcpu, vm->name);
	else if (vm != NULL)
		snprintf(w->name, sizeof w->name, "%s:%s", kind_names[kind],
			 vm->name);
	else if (kind == WORLD_IDLE)
		snprintf(w->name, sizeof w->name, "idle%d", vcpu);
	else
		snprintf(w->name, sizeof w->name, "%s", kind_names[kind]);
	k->worlds[k->nworlds++] = w;
	return w;
}

int world_set_shares(struct world *w, uint32_t shares)
{
	if (shares < 1 || shares > 1000000)
		return SIM_EINVAL;
	w->shares = shares;
	return SIM_OK;
}

int world_set_reservation(struct world *w, uint32_t mhz)
{
	if (mhz > w->host->cfg.mhz)
		return SIM_EINVAL;	/* more than one whole pCPU */
	w->reservation_mhz = mhz;
	return SIM_OK;
}

int world_set_limit(struct world *w, uint32_t mhz)
{
	w->limit_mhz = mhz;
	return SIM_OK;
}

/*
 * A VM's setting, as the vSphere client sets it, is for the whole VM: each
 * of its VMM worlds gets an equal part (at least 1).
 */
static int for_vcpus(struct vm *vm, int (*set)(struct world *, uint32_t),
		     uint32_t value)
{
	struct host *h = vm->host;
	uint32_t n = (uint32_t)(vm->cfg.vcpus > 0 ? vm->cfg.vcpus : 1);
	uint32_t part = value / n ? value / n : (value ? 1 : 0);
	int rc = SIM_OK;

	for (int i = 0; rc == SIM_OK && i < host_world_count(h); i++) {
		struct world *w = host_world(h, i);

		if (w->vm == vm && w->kind == WORLD_VMM)
			rc = set(w, part);
	}
	return rc;
}

int vm_set_cpu_shares(struct vm *vm, uint32_t shares)
{
	if (shares < 1 || shares > 1000000)
		return SIM_EINVAL;
	return for_vcpus(vm, world_set_shares, shares);
}

/*
 * Admission control: the reservations of a host's VMs together may not
 * exceed what its pCPUs can give.
 */
int vm_set_cpu_reservation(struct vm *vm, uint32_t mhz)
{
	struct host *h = vm->host;
	uint64_t total = mhz;

	for (int i = 0; i < host_world_count(h); i++) {
		struct world *w = host_world(h, i);

		if (w->kind == WORLD_VMM && w->vm != vm)
			total += w->reservation_mhz;
	}
	if (total > (uint64_t)h->cfg.pcpus * h->cfg.mhz)
		return SIM_ESTATE;
	return for_vcpus(vm, world_set_reservation, mhz);
}

int vm_set_cpu_limit(struct vm *vm, uint32_t mhz)
{
	return for_vcpus(vm, world_set_limit, mhz);
}
