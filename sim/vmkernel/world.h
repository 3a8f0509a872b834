/*
 * world.h - worlds: what the VMKernel schedules on physical CPUs.
 *
 * ESX calls its schedulable entity a *world* (a thread, more or less).
 * Each VM is a group of worlds:
 *   - one VMM world per virtual CPU: the VMM thread that runs that vCPU's
 *     guest code (the seed's "one thread per vCPU");
 *   - one VMX world: the VM's user-level helper, which bootstrapped it and
 *     emulates its non-critical devices (serial, parallel, CD-ROM);
 *   - one MKS world (mouse, keyboard, screen): the remote console.
 * Beside them run system worlds: the service console (ESX; pinned to
 * pCPU 0), the host OS (hosted), and one idle world per pCPU, which runs
 * when nothing else is ready.
 *
 * Each world's time is split the way esxtop reports it:
 *   RUN   on a physical CPU;
 *   RDY   ready to run, but waiting for a physical CPU;
 *   WAIT  blocked: nothing to do (includes IDLE);
 *   IDLE  (VMM worlds) the guest halted its vCPU, waiting for an interrupt;
 *   MLMTD ready, but held back by the world's CPU limit (part of RDY);
 *   SYS   VMKernel time spent on the world's behalf (the host interrupts
 *         behind its virtual ones), outside RUN; the VMM's own traps,
 *         callouts and exits are part of RUN, the VMM world's work.
 * %USED = %RUN + %SYS (esxtop's %RUN + %SYS - %OVRLP, with no overlap,
 * frequency scaling or hyper-threading modelled); %RUN + %RDY + %CSTP +
 * %WAIT = 100 [VMware, "Interpreting esxtop Statistics", 2.2].
 *
 * Scheduling follows ESX's proportional-share design: each world holds
 * shares; a reservation (MHz) is a guaranteed minimum and a limit (MHz) a
 * maximum; among the ready worlds the one furthest behind its entitlement
 * runs next (VMware, "The CPU Scheduler in VMware vSphere 5.1").
 */
#ifndef SIM_WORLD_H
#define SIM_WORLD_H

#include <stdbool.h>
#include <stdint.h>

enum world_kind {
	WORLD_IDLE = 0,		/* one per pCPU: runs when nothing is ready */
	WORLD_CONSOLE,		/* ESX: the service console VM */
	WORLD_HOST_OS,		/* hosted: the host operating system */
	WORLD_VMX,		/* per VM: the VMX user world */
	WORLD_MKS,		/* per VM: mouse, keyboard, screen */
	WORLD_VMM,		/* per vCPU: the VMM thread running it */
	WORLD_KIND_COUNT
};

const char *world_kind_name(enum world_kind k);	/* "vmm", "vmx"... */

enum world_state {
	WORLD_READY = 0,	/* wants a pCPU */
	WORLD_RUNNING,		/* on a pCPU now */
	WORLD_WAITING,		/* blocked until wake_ns or an event */
	WORLD_DEAD,		/* its VM is off */
	WORLD_COSTOP		/* co-stopped: ahead of its slowest sibling */
};

const char *world_state_name(enum world_state s);

/* Simulated nanoseconds spent in each state, since the world began. */
struct world_times {
	uint64_t run, ready, wait, idle, mlmtd, sys, cstp;
	uint64_t switches;	/* times it was put on a pCPU */
};

#define WORLD_NAME_MAX 48

struct vm;
struct host;

struct world {
	int id;				/* unique in its host */
	enum world_kind kind;
	char name[WORLD_NAME_MAX];	/* "vmm0:vm1", "vmx:vm1", "idle1" */
	struct host *host;
	struct vm *vm;			/* its VM, or NULL for system worlds */
	int vcpu;			/* WORLD_VMM: which vCPU */
	int group;			/* its VM's group id, or -1 */

	/* resource settings */
	uint32_t shares;		/* proportional share (normal = 1000) */
	uint32_t reservation_mhz;	/* guaranteed minimum, 0 = none */
	uint32_t limit_mhz;		/* maximum, 0 = unlimited */
	int pinned;			/* pCPU it must run on, or -1 */

	/* scheduler state */
	enum world_state state;
	int pcpu;			/* where it runs now, or -1 */
	uint64_t wake_ns;		/* WAITING: wake then (UINT64_MAX never) */
	uint64_t vtime;			/* run time scaled by 1/shares */
	struct world_times t;

	/* bookkeeping of the scheduler (vmkernel_sched.c) */
	uint64_t since;			/* when it entered its state */
	int q_pcpu;			/* pCPU that ran it this quantum, or -1 */
	int64_t limit_credit;		/* ns it may still run under its limit */
	int64_t resv_credit;		/* ns of reservation still owed to it */
	uint64_t demand_left;		/* modelled load: ns wanted this quantum */
	uint64_t work_ns;		/* system worlds: queued work */
	uint64_t vmx_seen;		/* VMM worlds: vCPU's vmx_cycles seen */
	uint64_t sys_seen;		/* VMM worlds: vCPU's sys_cycles seen */
};

/*
 * The world's counters as of time now (a quantum boundary, or the time
 * the world last changed state: counters are brought up to date lazily).
 */
void world_times_at(const struct world *w, uint64_t now,
		    struct world_times *out);

/*
 * A world's accounted life: the time it was running, ready, co-stopped or
 * waiting (%SYS is the VMKernel's time for it, outside that).  esxtop's
 * percentages are of it, so %RUN + %RDY + %CSTP + %WAIT = 100 for a world
 * born late or dead early too.
 */
static inline uint64_t world_life(const struct world_times *t)
{
	return t->run + t->ready + t->cstp + t->wait;
}

/* The worlds of a host, in creation order. */
int host_world_count(const struct host *h);
struct world *host_world(const struct host *h, int i);

/* Change a world's resource settings (takes effect at once). */
int world_set_shares(struct world *w, uint32_t shares);
int world_set_reservation(struct world *w, uint32_t mhz);
int world_set_limit(struct world *w, uint32_t mhz);

/*
 * A VM's "CPU shares / reservation / limit", as the vSphere client sets
 * them: for the whole VM, split equally among its vCPUs' VMM worlds.  A
 * reservation the host cannot give (with the others' already granted) is
 * refused: SIM_ESTATE (admission control); one above what a vCPU can use
 * (a whole pCPU per vCPU): SIM_EINVAL.
 */
int vm_set_cpu_shares(struct vm *vm, uint32_t shares);
int vm_set_cpu_reservation(struct vm *vm, uint32_t mhz);
int vm_set_cpu_limit(struct vm *vm, uint32_t mhz);

#endif
