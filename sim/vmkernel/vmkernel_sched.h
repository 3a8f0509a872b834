/*
 * vmkernel_sched.h - the VMKernel's scheduler, inside sim/ (not a public API:
 * the public view of worlds is world.h).
 *
 * Simulated time advances in quanta (VMKERNEL_QUANTUM_NS).  At the start of a
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
#include "vmkernel/vmkernel.h"
#include "vmkernel/world.h"

/* A new world of the given kind (world.c), waiting; NULL if none fits. */
struct world *world_new(struct vmkernel *k, enum world_kind kind,
			struct vm *vm, int vcpu, uint64_t now);

/* ---- the policy (vmkernel_sched.c), for the player (vmkernel_play.c) ---- */

/* Move w into state st at time now, charging the time since its last change. */
void vmkernel_sched_set_state(struct world *w, enum world_state st,
			      uint64_t now);

/*
 * w's VM stopped running: powered off, w is dead; paused (a question
 * pending), w waits with no wake time until a Retry.
 */
void vmkernel_sched_stop(struct world *w, uint64_t now);

/* Replace pCPU i's world by `to` (an EV_WORLD says why). */
void vmkernel_sched_switch_to(struct vmkernel *k, int i, struct world *to,
		   enum switch_reason why, uint64_t now);

/* The best world pCPU i may run at time now, or NULL. */
struct world *vmkernel_sched_pick(struct vmkernel *k, int i, uint64_t now);

/* Should a run before b? */
bool vmkernel_sched_before(const struct world *a, const struct world *b);

/* A waiting world whose time has come becomes ready. */
void vmkernel_sched_wake(struct vmkernel *k, struct world *w);

/* The earliest wake-up among worlds pCPU i could run, or UINT64_MAX. */
uint64_t vmkernel_sched_next_wake(struct vmkernel *k, int i);

/* The start of a quantum: give each of the host's pCPUs its world. */
void vmkernel_sched_plan(struct vmkernel *k, uint64_t q_start);

/* ---- co-scheduling (vmkernel_cosched.c) ---- */

/*
 * How far the vCPU world w has progressed ahead of its slowest sibling
 * (ns), at time now; *slowest is that sibling (w itself if none lags it).
 */
uint64_t vmkernel_cosched_skew(const struct vmkernel *k,
			       const struct world *w, uint64_t now,
			       const struct world **slowest);

/* The start of a quantum: co-stop the vCPUs too far ahead of a sibling,
 * co-start those whose slowest sibling caught up (EV_WORLD says so). */
void vmkernel_cosched_plan(struct vmkernel *k, uint64_t now);

/* The least virtual time among competing worlds. */
uint64_t vmkernel_sched_min_vtime(struct vmkernel *k);

/*
 * Play the world forward: called by sim_run.  *left is the guest
 * instruction budget (decremented); stops at t_stop (a quantum boundary at
 * or after it), when nothing can ever run again, or on request.
 */
enum sim_stop;
struct sim;
int vmkernel_play_run(struct sim *s, uint64_t *left, uint64_t t_stop,
		 enum sim_stop *why);

#endif
