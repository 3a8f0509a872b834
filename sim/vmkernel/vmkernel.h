/*
 * vmkernel.h - the VMKernel of one host (vmkernel.c): the pCPUs it plays,
 * the worlds it schedules, the VMs it runs.  Inside sim/ (not a public
 * API: the public view of worlds is world.h).  Its scheduling policy is
 * vmkernel_sched.h.
 */
#ifndef SIM_VMKERNEL_H
#define SIM_VMKERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "host/host.h"
#include "vmkernel/world.h"

#define VMKERNEL_QUANTUM_NS 1000000ull	/* 1 ms of simulated time */
/* system worlds (an idle world per pCPU, the console) and per VM 2 + vCPUs */
#define VMKERNEL_MAX_WORLDS (HOST_MAX_PCPUS + 1 + HOST_MAX_VMS * 10)
#define VMKERNEL_SHARES_NORMAL 1000u
/* co-scheduling: a vCPU this far ahead of its slowest sibling is co-stopped
 * ("a few milliseconds": vmkernel_cosched.c) */
#define VMKERNEL_COSTOP_SKEW_NS 3000000ull

/* One physical CPU while it plays its quantum out. */
struct pcpu {
	struct world *cur;	/* the world on it (its idle world if none) */
	struct world *idle;	/* its idle world */
	uint64_t t;		/* how far into the quantum it has got */
	uint64_t chunk_left;	/* instructions left in the current run */
	bool chunk_open;	/* a run of a VMM world is in progress */
};

struct vmkernel {
	struct host *host;
	struct world **worlds;		/* growable, nworlds used */
	int nworlds, worlds_cap;
	struct pcpu *pcpu;		/* one per pCPU of the host */
	struct world *console;		/* service console (esx) or host OS */
	struct vm **vms;		/* the VMs on this host, growable */
	int nvms, vms_cap;
	/* vmkernel_sched_plan's working space, sized with the host */
	bool *taken, *wanted_pinned;	/* per pCPU */
	struct world **chosen, **old;	/* per pCPU */
	struct world **order;		/* worlds_cap entries */
};

/*
 * A VM leaves this host (VMotion's switch-over): its worlds here die and
 * it is no longer among the host's VMs.  The VM itself is untouched.
 */
void vmkernel_remove_vm(struct vmkernel *k, struct vm *vm, uint64_t now);

/*
 * A VM arrives from another host with its guest running: its worlds are
 * made here, and its vCPUs' worlds wake at resume_ns (VMotion's resume).
 */
int vmkernel_adopt_vm(struct vmkernel *k, struct vm *vm, uint64_t resume_ns);

int vmkernel_create(struct host *h, struct vmkernel **out);

void vmkernel_destroy(struct vmkernel *k);

/* Add the worlds of a VM that was just created (VMX, MKS, one per vCPU). */
int vmkernel_add_vm(struct vmkernel *k, struct vm *vm);

/* Give a system world (console) work to do: it becomes ready. */
void vmkernel_queue_work(struct vmkernel *k, struct world *w, uint64_t ns,
			 uint64_t now);

/* A VM was powered on again: its worlds are alive and ready. */
void vmkernel_vm_powered_on(struct vmkernel *k, struct vm *vm, uint64_t now);

/*
 * An IPI reached vCPU `vcpu` of vm: if its world is blocked (the vCPU
 * halted), it wakes now, as the VMKernel wakes a VMM thread.
 */
void vmkernel_kick_vcpu(struct vmkernel *k, struct vm *vm, int vcpu,
			uint64_t now);

/* The world scheduling a vCPU. */
struct world *vmkernel_vcpu_world(struct vmkernel *k, struct vm *vm,
				  int vcpu);

#endif
