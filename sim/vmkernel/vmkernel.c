/*
 * vmkernel.c - the VMKernel of one host: its life (created with the host,
 * with an idle world per pCPU and the service console or host OS) and the
 * VMs it runs (a VMX, an MKS and a VMM world per vCPU each; VMotion's
 * remove and adopt).  Choosing among the worlds is vmkernel_sched.c;
 * running them, vmkernel_play.c; a world itself, world.c.
 */
#include <stdlib.h>

#include "host/host.h"
#include "sim_priv.h"
#include "status.h"
#include "vm.h"
#include "vmkernel/vmkernel_sched.h"
#include "vmkernel/world.h"

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
		vmkernel_sched_set_state(idle, WORLD_RUNNING, now);
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
		k->console->shares = 2 * VMKERNEL_SHARES_NORMAL;
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
	uint64_t now = sim_now_ns(k->host->sim), vt = vmkernel_sched_min_vtime(k);
	struct world *w;

	if (k->nworlds + 2 + vm->cfg.vcpus > VMKERNEL_MAX_WORLDS ||
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
	uint64_t vt = vmkernel_sched_min_vtime(k);

	for (int j = 0; j < k->nworlds; j++) {
		struct world *w = k->worlds[j];

		if (w->vm != vm)
			continue;
		vmkernel_sched_set_state(w, WORLD_WAITING, now);
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
			vmkernel_sched_set_state(pc->cur, WORLD_WAITING, now);
			pc->cur->pcpu = -1;
			pc->cur = pc->idle;
			pc->idle->pcpu = i;
			vmkernel_sched_set_state(pc->idle, WORLD_RUNNING, now);
			pc->chunk_open = false;
		}
	}
	for (int j = 0; j < k->nworlds; j++)
		if (k->worlds[j]->vm == vm && k->worlds[j]->state != WORLD_DEAD)
			vmkernel_sched_set_state(k->worlds[j], WORLD_DEAD, now);
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
