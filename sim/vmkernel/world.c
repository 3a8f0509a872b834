/*
 * world.c - worlds: creating them, naming them, their resource settings,
 * and the set a host starts with (an idle world per pCPU, the service
 * console or host OS) or a VM brings (VMX, MKS, a VMM world per vCPU).
 * Choosing among them is vmkernel_sched.c; running them, vmkernel_play.c.
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
};

const char *world_state_name(enum world_state s)
{
	return (unsigned)s <= WORLD_DEAD ? state_names[s] : "?";
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
			     VMK_MAX_WORLDS) != SIM_OK)
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
	w->shares = VMK_SHARES_NORMAL;
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

/* ---- building a host's scheduler and its worlds ---------------------------- */

int vmkernel_create(struct host *h, struct vmkernel **out)
{
	struct vmkernel *k = calloc(1, sizeof *k);
	uint64_t now = sim_now_ns(h->sim);

	if (k == NULL)
		return SIM_ENOMEM;
	k->host = h;
	h->vmk = k;
	k->pcpu = calloc((size_t)h->cfg.pcpus, sizeof *k->pcpu);
	k->taken = calloc((size_t)h->cfg.pcpus, sizeof *k->taken);
	k->wanted_pinned = calloc((size_t)h->cfg.pcpus,
				  sizeof *k->wanted_pinned);
	k->chosen = calloc((size_t)h->cfg.pcpus, sizeof *k->chosen);
	k->old = calloc((size_t)h->cfg.pcpus, sizeof *k->old);
	if (!k->pcpu || !k->taken || !k->wanted_pinned || !k->chosen ||
	    !k->old) {
		vmkernel_destroy(k);
		return SIM_ENOMEM;
	}
	for (int i = 0; i < h->cfg.pcpus; i++) {
		struct world *idle = world_new(k, WORLD_IDLE, NULL, i, now);

		if (idle == NULL) {
			vmkernel_destroy(k);
			return SIM_ENOMEM;
		}
		idle->pinned = i;
		k->pcpu[i].idle = idle;
		k->pcpu[i].cur = idle;
		idle->pcpu = i;
		vmk_set_state(idle, WORLD_RUNNING, now);
	}
	/*
	 * ESX: the service console, a VM of its own with high shares, pinned
	 * to pCPU 0.  Hosted: the host OS, which owns every pCPU.
	 */
	k->console = world_new(k, h->cfg.kind == HOST_ESX ? WORLD_CONSOLE
							  : WORLD_HOST_OS,
			       NULL, 0, now);
	if (k->console == NULL) {
		vmkernel_destroy(k);
		return SIM_ENOMEM;
	}
	if (h->cfg.kind == HOST_ESX) {
		k->console->pinned = 0;
		k->console->shares = 2 * VMK_SHARES_NORMAL;
	}
	*out = k;
	return SIM_OK;
}

void vmkernel_destroy(struct vmkernel *k)
{
	if (k == NULL)
		return;
	for (int j = 0; j < k->nworlds; j++)
		free(k->worlds[j]);
	if (k->host)
		k->host->vmk = NULL;
	free(k->worlds);
	free(k->pcpu);
	free(k->vms);
	free(k->taken);
	free(k->wanted_pinned);
	free(k->chosen);
	free(k->old);
	free(k->order);
	free(k);
}

int vmkernel_add_vm(struct vmkernel *k, struct vm *vm)
{
	uint64_t now = sim_now_ns(k->host->sim), vt = vmk_min_vtime(k);
	struct world *w;

	if (k->nworlds + 2 + vm->cfg.vcpus > VMK_MAX_WORLDS ||
	    sim_grow((void ***)&k->vms, &k->vms_cap, k->nvms,
		     HOST_MAX_VMS) != SIM_OK)
		return SIM_ESTATE;
	k->vms[k->nvms++] = vm;
	if (world_new(k, WORLD_VMX, vm, 0, now) == NULL ||
	    world_new(k, WORLD_MKS, vm, 0, now) == NULL)
		return SIM_ENOMEM;
	/* a modelled VM has no vCPU structures, but a world per vCPU */
	for (int i = 0; i < vm->cfg.vcpus; i++) {
		if ((w = world_new(k, WORLD_VMM, vm, i, now)) == NULL)
			return SIM_ENOMEM;
		w->vtime = vt;
		w->wake_ns = now;	/* ready at once */
	}
	return SIM_OK;
}

void vmkernel_vm_powered_on(struct vmkernel *k, struct vm *vm, uint64_t now)
{
	uint64_t vt = vmk_min_vtime(k);

	for (int j = 0; j < k->nworlds; j++) {
		struct world *w = k->worlds[j];

		if (w->vm != vm)
			continue;
		vmk_set_state(w, WORLD_WAITING, now);
		w->wake_ns = w->kind == WORLD_VMM ? now : UINT64_MAX;
		if (w->vtime < vt)
			w->vtime = vt;
	}
}

void vmkernel_queue_work(struct vmkernel *k, struct world *w, uint64_t ns,
			 uint64_t now)
{
	(void)k;
	w->work_ns += ns;
	if (w->state == WORLD_WAITING && w->wake_ns > now)
		w->wake_ns = now;
}

struct world *vmkernel_vcpu_world(struct vmkernel *k, struct vm *vm,
				  int vcpu)
{
	for (int j = 0; j < k->nworlds; j++)
		if (k->worlds[j]->vm == vm && k->worlds[j]->kind == WORLD_VMM &&
		    k->worlds[j]->vcpu == vcpu)
			return k->worlds[j];
	return NULL;
}

void vmkernel_kick_vcpu(struct vmkernel *k, struct vm *vm, int vcpu,
			uint64_t now)
{
	struct world *w = vmkernel_vcpu_world(k, vm, vcpu);

	if (w != NULL && w->state == WORLD_WAITING && w->wake_ns > now)
		w->wake_ns = now;
}

void vmkernel_remove_vm(struct vmkernel *k, struct vm *vm, uint64_t now)
{
	int n = 0;

	for (int i = 0; i < k->host->cfg.pcpus; i++) {
		struct pcpu *pc = &k->pcpu[i];

		if (pc->cur != NULL && pc->cur->vm == vm) {
			vmk_set_state(pc->cur, WORLD_WAITING, now);
			pc->cur->pcpu = -1;
			pc->cur = pc->idle;
			pc->idle->pcpu = i;
			vmk_set_state(pc->idle, WORLD_RUNNING, now);
			pc->chunk_open = false;
		}
	}
	for (int j = 0; j < k->nworlds; j++)
		if (k->worlds[j]->vm == vm && k->worlds[j]->state != WORLD_DEAD)
			vmk_set_state(k->worlds[j], WORLD_DEAD, now);
	for (int i = 0; i < k->nvms; i++)
		if (k->vms[i] != vm)
			k->vms[n++] = k->vms[i];
	k->nvms = n;
}

int vmkernel_adopt_vm(struct vmkernel *k, struct vm *vm, uint64_t resume_ns)
{
	int first = k->nworlds, rc;

	if ((rc = vmkernel_add_vm(k, vm)) != SIM_OK)
		return rc;
	for (int j = first; j < k->nworlds; j++)
		if (k->worlds[j]->kind == WORLD_VMM)
			k->worlds[j]->wake_ns = resume_ns;
	return SIM_OK;
}
