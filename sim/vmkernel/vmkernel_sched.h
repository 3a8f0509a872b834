/*
 * vmkernel_sched.h - the VMKernel's scheduler, inside sim/ (not a public API:
 * the public view of worlds is world.h).
 *
 * Simulated time advances in quanta (VMK_QUANTUM_NS).  At the start of a
 * quantum each host's scheduler decides which world each physical CPU
 * runs; then every pCPU of every host plays its quantum out, one after
 * another: the world it was given runs until the quantum ends or it
 * blocks (a vCPU executing HLT, a helper world with nothing to do), and a
 * pCPU whose world blocked takes the next ready world, or idles until one
 * wakes.  Because the pCPUs of a quantum are played one after another,
 * events of different pCPUs interleave only at quantum granularity: within
 * a quantum, pCPU 0's events come first.
 *
 * Everything here depends only on the world's state, never on how the
 * caller cuts its requests into sim_run calls, so replay is exact.
 */
#ifndef SIM_VMKERNEL_SCHED_H
#define SIM_VMKERNEL_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "host/host.h"
#include "vmkernel/world.h"

#define VMK_QUANTUM_NS 1000000ull	/* 1 ms of simulated time */
/* system worlds (an idle world per pCPU, the console) and per VM 2 + vCPUs */
#define VMK_MAX_WORLDS (HOST_MAX_PCPUS + 1 + HOST_MAX_VMS * 10)
#define VMK_SHARES_NORMAL 1000u

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
	/* vmk_plan's working space, sized with the host and its worlds */
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

/* A new world of the given kind (world.c), waiting; NULL if none fits. */
struct world *world_new(struct vmkernel *k, enum world_kind kind,
			struct vm *vm, int vcpu, uint64_t now);
void vmkernel_destroy(struct vmkernel *k);

/* ---- the policy (vmkernel_sched.c), for the player (vmkernel_play.c) ---- */

/* Move w into state st at time now, charging the time since its last change. */
void vmk_set_state(struct world *w, enum world_state st, uint64_t now);

/* Replace pCPU i's world by `to` (an EV_WORLD says why). */
void vmk_switch_to(struct vmkernel *k, int i, struct world *to,
		   enum switch_reason why, uint64_t now);

/* The best world pCPU i may run at time now, or NULL. */
struct world *vmk_pick(struct vmkernel *k, int i, uint64_t now);

/* Should a run before b? */
bool vmk_before(const struct world *a, const struct world *b);

/* A waiting world whose time has come becomes ready. */
void vmk_wake(struct vmkernel *k, struct world *w);

/* The earliest wake-up among worlds pCPU i could run, or UINT64_MAX. */
uint64_t vmk_next_wake(struct vmkernel *k, int i);

/* The start of a quantum: give each of the host's pCPUs its world. */
void vmk_plan(struct vmkernel *k, uint64_t q_start);

/* The least virtual time among competing worlds. */
uint64_t vmk_min_vtime(struct vmkernel *k);

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

/*
 * Play the world forward: called by sim_run.  *left is the guest
 * instruction budget (decremented); stops at t_stop (a quantum boundary at
 * or after it), when nothing can ever run again, or on request.
 */
enum sim_stop;
struct sim;
int vmkernel_run(struct sim *s, uint64_t *left, uint64_t t_stop,
		 enum sim_stop *why);

#endif
