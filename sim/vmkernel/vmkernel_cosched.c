/*
 * vmkernel_cosched.c - co-scheduling the vCPUs of an SMP VM: the VMKernel
 * keeps a VM's virtual CPUs from drifting apart.
 *
 * A guest OS assumes its processors run at about the same rate: one CPU
 * spins on a lock another holds, or waits a bounded time for another's
 * answer to an IPI.  When the VMKernel runs a VM's vCPU worlds one at a
 * time, one vCPU can get far ahead of a sibling that waits, ready, for a
 * pCPU.  The difference in progress is the *skew*; co-scheduling bounds
 * it (VMware, "Co-scheduling SMP VMs in VMware ESX Server", 2008; "The
 * CPU Scheduler in VMware vSphere 5.1", 2013, section "Co-scheduling").
 *
 *   - ESX 2.x, strict co-scheduling: when a vCPU's skew passes a
 *     threshold, the whole VM is co-stopped, and co-started only when
 *     there are pCPUs for all its vCPUs at once (fragmentation: a 2-vCPU
 *     VM waits for two free pCPUs).
 *   - ESX 3.x and later, relaxed co-scheduling, modelled here: "a leading
 *     vCPU decides whether it should co-stop itself based on the skew
 *     against the slowest sibling vCPU.  If the skew is greater than a
 *     threshold, the leading vCPU co-stops itself. [...] Like co-stop,
 *     the co-start decision is also made individually" (vSphere 5.1
 *     paper).  The VM keeps running on whatever pCPUs it gets; only the
 *     vCPU that ran too far ahead waits.
 *
 * Progress: a vCPU progresses while it runs the guest, and while the guest
 * has halted it: "idle vCPUs do not accumulate skew and are treated as if
 * they were running" (VMware performance blog, "ESX scheduler support for
 * SMP VMs", 2008).  ringside counts its world's RUN (the VMM's traps and
 * exits are part of it) and IDLE; waiting for a pCPU (RDY), co-stopped
 * (CSTP), the VMKernel's work for it (SYS) and waiting on the VMX's device
 * work are not progress (ringside's reading: the vCPU runs no guest code
 * then).  Skew is measured as ESX 4 measures
 * it, "the difference in progress between the slowest vCPU and each one
 * of the other vCPUs" (vSphere 4 paper, section 3.1); ESX 3.x summed the
 * time a vCPU lagged, which overestimates (ibid., figure 1).
 *
 * ringside decides at each quantum's start (1 ms): a vCPU whose skew is
 * above VMKERNEL_COSTOP_SKEW_NS is co-stopped; a co-stopped vCPU is
 * co-started once its slowest sibling has caught up to within it.  The
 * paper's co-start ("once the slowest sibling vCPU starts progressing,
 * the co-stopped vCPUs are eligible to co-start") with a leader that
 * checks its skew as it runs comes to that: it runs only as far as the
 * laggard progressed, so its skew stays about the threshold; deciding
 * once a quantum, ringside waits for the laggard to make the room.  The
 * papers give no exact number: "a threshold, typically a few
 * milliseconds" (vSphere 5.1 paper, of ESX 2.x's); ringside uses 3 ms.
 * Co-scheduling is the VMKernel's: hosted products' vCPU threads are the
 * host OS's to schedule, and are not co-scheduled.
 */
#include "sim_priv.h"
#include "vm.h"
#include "vmkernel/vmkernel_sched.h"

/* A vCPU's progress so far: RUN + IDLE (see above), at time now. */
static uint64_t progress(const struct world *w, uint64_t now)
{
	struct world_times t;

	world_times_at(w, now, &t);
	return t.run + t.idle;
}

uint64_t vmkernel_cosched_skew(const struct vmkernel *k,
			       const struct world *w, uint64_t now,
			       const struct world **slowest)
{
	uint64_t mine = progress(w, now), least = mine;

	*slowest = w;
	for (int j = 0; j < k->nworlds; j++) {
		const struct world *o = k->worlds[j];
		uint64_t p;

		if (o == w || o->vm != w->vm || o->kind != WORLD_VMM ||
		    o->state == WORLD_DEAD)
			continue;
		p = progress(o, now);
		if (p < least) {
			least = p;
			*slowest = o;
		}
	}
	return mine - least;
}

static void cosched_event(struct vmkernel *k, const struct world *w,
			  const struct world *slowest, enum switch_reason why,
			  uint64_t skew, uint64_t now)
{
	struct event ev = { .kind = EV_WORLD };

	ev.t_ns = now;
	ev.vm = (uint16_t)w->vm->id;
	ev.vcpu = (uint16_t)w->vcpu;
	ev.u.world.host = (uint16_t)k->host->id;
	ev.u.world.pcpu = EVENT_NO_PCPU;
	ev.u.world.reason = (uint8_t)why;
	ev.u.world.from = (uint16_t)w->id;
	ev.u.world.to = (uint16_t)slowest->id;
	ev.u.world.skew_us = (uint32_t)(skew / 1000);
	event_log_emit(sim_events(k->host->sim), &ev);
}

/* Does the VMKernel co-schedule w (a vCPU of an SMP VM on ESX)? */
static bool coscheduled(const struct vmkernel *k, const struct world *w)
{
	return w->kind == WORLD_VMM && w->vm->cfg.vcpus > 1 &&
	       !host_kind_is_hosted(k->host->cfg.kind) &&
	       w->state != WORLD_DEAD;
}

void vmkernel_cosched_plan(struct vmkernel *k, uint64_t now)
{
	for (int j = 0; j < k->nworlds; j++) {
		struct world *w = k->worlds[j];
		const struct world *slowest;
		uint64_t skew;

		if (!coscheduled(k, w))
			continue;
		skew = vmkernel_cosched_skew(k, w, now, &slowest);
		if (w->state == WORLD_COSTOP &&
		    skew <= VMKERNEL_COSTOP_SKEW_NS) {
			vmkernel_sched_set_state(w, WORLD_READY, now);
			cosched_event(k, w, slowest, SWITCH_COSTART, skew, now);
		} else if ((w->state == WORLD_READY ||
			    w->state == WORLD_RUNNING) &&
			   skew > VMKERNEL_COSTOP_SKEW_NS) {
			/* a running one stops where its pCPU got to */
			uint64_t t = w->pcpu >= 0 && k->pcpu[w->pcpu].t > now ?
				     k->pcpu[w->pcpu].t : now;

			vmkernel_sched_set_state(w, WORLD_COSTOP, t);
			cosched_event(k, w, slowest, SWITCH_COSTOP, skew, now);
		}
	}
}
