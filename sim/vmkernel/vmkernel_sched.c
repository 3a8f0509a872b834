/*
 * vmkernel_sched.c - the VMKernel's CPU scheduler: which world runs on
 * which physical CPU, quantum by quantum of simulated time.
 *
 * The policy is ESX's proportional-share scheduling, simplified so a
 * student can follow it (VMware, "The CPU Scheduler in VMware vSphere
 * 5.1", 2013):
 *   - every world holds *shares*; the scheduler keeps each world's
 *     *virtual time*, its CPU time divided by its shares, and among the
 *     ready worlds runs the ones with the least virtual time first.  Two
 *     busy worlds with shares 2000 and 1000 thus get CPU in a 2:1 ratio.
 *   - a *reservation* (MHz) is a minimum: a world still owed reserved
 *     time goes before every world that is not.
 *   - a *limit* (MHz) is a maximum: a world that used its allowance waits,
 *     even on an idle pCPU (esxtop's %MLMTD).
 *   - a world pinned to a pCPU (the service console on pCPU 0) runs there
 *     only.
 * When a vCPU halts, its VMM world blocks and the pCPU runs another ready
 * world, or its idle world; the halted vCPU wakes when the next interrupt
 * it can take is due (its virtual PIT's next tick).
 *
 * See vmkernel_sched.h for how quanta are played out, and world.h for the
 * esxtop counters kept here.
 */
#include <stdlib.h>
#include <string.h>

#include "sim_priv.h"
#include "status.h"
#include "vm.h"
#include "vmkernel/vmkernel_sched.h"
#include "vmm/vmm.h"

/* Credit limits and reservations accumulate for at most this long. */
#define CREDIT_CAP_NS (10 * VMKERNEL_QUANTUM_NS)

/* ---- accounting ------------------------------------------------------------ */

static bool limited(const struct world *w)
{
	return w->limit_mhz != 0 && w->limit_credit <= 0;
}

/*
 * Move a world into state st at time now, charging the time since its
 * last change to the state it leaves.  Re-entering the same state just
 * brings the counters up to date.
 */
void vmkernel_sched_set_state(struct world *w, enum world_state st,
			      uint64_t now)
{
	uint64_t d = now > w->since ? now - w->since : 0;

	switch (w->state) {
	case WORLD_RUNNING:
		w->t.run += d;
		w->vtime += d * VMKERNEL_SHARES_NORMAL / w->shares;
		w->limit_credit -= (int64_t)d;
		w->resv_credit -= (int64_t)d;
		break;
	case WORLD_READY:
		w->t.ready += d;
		if (limited(w))
			w->t.mlmtd += d;
		break;
	case WORLD_WAITING:
		w->t.wait += d;
		if (w->kind == WORLD_VMM)
			w->t.idle += d;	/* the guest halted its vCPU */
		break;
	case WORLD_COSTOP:
		w->t.cstp += d;
		break;
	case WORLD_DEAD:
		break;
	}
	if (w->state != WORLD_RUNNING && st == WORLD_RUNNING)
		w->t.switches++;
	w->state = st;
	if (now > w->since)
		w->since = now;
}

/*
 * The world of a VM that stopped running.  Powered off, its worlds are
 * gone (dead).  Paused by a full datastore, the VM still exists: its
 * worlds wait, with no wake time, for the question's answer (a Retry
 * wakes them: vmkernel_vm_powered_on).  esxtop counts that time as
 * %WAIT, as it does for any world blocked on an event, so %RUN + %RDY +
 * %CSTP + %WAIT = 100 still holds with %RUN 0 [src: VMware, "Interpreting
 * esxtop Statistics", 2.2: %WAIT is time blocked waiting for some event].
 */
void vmkernel_sched_stop(struct world *w, uint64_t now)
{
	if (w->vm->state == VM_PAUSED) {
		vmkernel_sched_set_state(w, WORLD_WAITING, now);
		w->wake_ns = UINT64_MAX;
		return;
	}
	vmkernel_sched_set_state(w, WORLD_DEAD, now);
}

void world_times_at(const struct world *w, uint64_t now,
		    struct world_times *out)
{
	struct world copy = *w;

	vmkernel_sched_set_state(&copy, copy.state, now);
	*out = copy.t;
}

static void switch_event(struct vmkernel *k, int pcpu, struct world *from,
			 struct world *to, enum switch_reason why, uint64_t now)
{
	struct event ev = { .kind = EV_WORLD };

	ev.t_ns = now;
	ev.vm = to->vm ? to->vm->id : EVENT_NO_VM;
	ev.vcpu = to->kind == WORLD_VMM ? (uint16_t)to->vcpu : 0;
	ev.u.world.host = k->host->id;
	ev.u.world.pcpu = (uint8_t)pcpu;
	ev.u.world.reason = (uint8_t)why;
	ev.u.world.from = (uint16_t)from->id;
	ev.u.world.to = (uint16_t)to->id;
	event_log_emit(sim_events(k->host->sim), &ev);
}

/* Take pCPU i's world off it at time now (it becomes ready, unless the
 * caller already made it wait or die). */
static struct world *take_off(struct vmkernel *k, int i, uint64_t now)
{
	struct pcpu *pc = &k->pcpu[i];
	struct world *from = pc->cur;

	pc->cur = NULL;
	pc->chunk_open = false;
	if (from != NULL && from->pcpu == i) {
		from->pcpu = -1;
		/* an idle world off its pCPU is not waiting for anything */
		if (from->state == WORLD_RUNNING)
			vmkernel_sched_set_state(from, from->kind == WORLD_IDLE ? WORLD_WAITING
								 : WORLD_READY, now);
	}
	return from;
}

/* Put world `to` on the empty pCPU i at time now; `from` was there. */
static void put_on(struct vmkernel *k, int i, struct world *from,
		   struct world *to, enum switch_reason why, uint64_t now)
{
	struct pcpu *pc = &k->pcpu[i];

	pc->cur = to;
	pc->chunk_open = false;
	to->pcpu = i;
	to->q_pcpu = i;
	vmkernel_sched_set_state(to, WORLD_RUNNING, now);
	if (from != NULL && from != to)
		switch_event(k, i, from, to, why, now);
}

/* Replace pCPU i's world by `to` (no event if it is the same world). */
void vmkernel_sched_switch_to(struct vmkernel *k, int i, struct world *to,
		      enum switch_reason why, uint64_t now)
{
	struct world *from = k->pcpu[i].cur;

	if (from == to) {
		/* picked again as it was leaving: it simply runs on */
		if (to->state != WORLD_RUNNING)
			vmkernel_sched_set_state(to, WORLD_RUNNING, now);
		return;
	}
	take_off(k, i, now);
	put_on(k, i, from, to, why, now);
}

/* ---- choosing ---------------------------------------------------------- */

static bool wants_cpu(const struct world *w, uint64_t now)
{
	if (w->kind == WORLD_IDLE || w->state == WORLD_DEAD ||
	    w->state == WORLD_COSTOP || limited(w))
		return false;
	if (w->state == WORLD_WAITING)
		return w->wake_ns <= now;
	return true;
}

/* May pCPU i take w now?  Not if it runs elsewhere, or ran elsewhere. */
static bool may_run_on(const struct world *w, int i)
{
	return (w->pinned < 0 || w->pinned == i) &&
	       (w->pcpu < 0 || w->pcpu == i) &&
	       (w->q_pcpu < 0 || w->q_pcpu == i);
}

/* Who goes first: owed reservation, then least virtual time, then id. */
bool vmkernel_sched_before(const struct world *a, const struct world *b)
{
	bool ra = a->resv_credit > 0 && a->reservation_mhz != 0;
	bool rb = b->resv_credit > 0 && b->reservation_mhz != 0;

	if (ra != rb)
		return ra;
	if (a->vtime != b->vtime)
		return a->vtime < b->vtime;
	return a->id < b->id;
}

/* The best world pCPU i may run at time now, or NULL. */
struct world *vmkernel_sched_pick(struct vmkernel *k, int i, uint64_t now)
{
	struct world *best = NULL;

	for (int j = 0; j < k->nworlds; j++) {
		struct world *w = k->worlds[j];

		if (wants_cpu(w, now) && may_run_on(w, i) &&
		    (best == NULL || vmkernel_sched_before(w, best)))
			best = w;
	}
	return best;
}

/* The least virtual time among the worlds competing now (ready or
 * running): where newcomers and wakers start. */
uint64_t vmkernel_sched_min_vtime(struct vmkernel *k)
{
	uint64_t m = UINT64_MAX;

	for (int j = 0; j < k->nworlds; j++) {
		struct world *w = k->worlds[j];

		if (w->kind != WORLD_IDLE && (w->state == WORLD_READY ||
					      w->state == WORLD_RUNNING) &&
		    w->vtime < m)
			m = w->vtime;
	}
	return m == UINT64_MAX ? 0 : m;
}

/*
 * A world woken at its wake time (it was waiting until then).  Its virtual
 * time catches up to within a quantum of the others': sleeping earns a
 * world the right to run soon, not to own the CPU for as long as it slept.
 */
void vmkernel_sched_wake(struct vmkernel *k, struct world *w)
{
	uint64_t floor;

	if (w->state != WORLD_WAITING)
		return;
	/* the others' least virtual time, before w joins them */
	floor = vmkernel_sched_min_vtime(k);
	vmkernel_sched_set_state(w, WORLD_READY, w->wake_ns > w->since ? w->wake_ns
							    : w->since);
	w->wake_ns = UINT64_MAX;
	if (floor > VMKERNEL_QUANTUM_NS && w->vtime < floor - VMKERNEL_QUANTUM_NS)
		w->vtime = floor - VMKERNEL_QUANTUM_NS;
}

/* The earliest wake-up among worlds pCPU i could run, or UINT64_MAX. */
uint64_t vmkernel_sched_next_wake(struct vmkernel *k, int i)
{
	uint64_t t = UINT64_MAX;

	for (int j = 0; j < k->nworlds; j++) {
		struct world *w = k->worlds[j];

		if (w->state == WORLD_WAITING && w->wake_ns < t &&
		    may_run_on(w, i) && !limited(w))
			t = w->wake_ns;
	}
	return t;
}

/* A free pCPU for w: its own if pinned, else the one it last ran on,
 * else the first free one no pinned candidate is waiting for. */
static int place(const struct world *w, const bool *taken,
		 const bool *wanted_pinned, int npcpus)
{
	if (w->pinned >= 0)
		return w->pinned < npcpus && !taken[w->pinned] ? w->pinned : -1;
	if (w->pcpu >= 0 && w->pcpu < npcpus && !taken[w->pcpu])
		return w->pcpu;
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < npcpus; i++)
			if (!taken[i] && (pass == 1 || !wanted_pinned[i]))
				return i;
	return -1;
}

/*
 * The start of a quantum: refill credits and modelled demand, wake the
 * worlds whose time has come, and give each pCPU its world: the ready
 * worlds in priority order, each to a free pCPU it may use.
 */
void vmkernel_sched_plan(struct vmkernel *k, uint64_t q_start)
{
	uint32_t mhz = k->host->cfg.mhz;
	int npcpus = k->host->cfg.pcpus, n = 0;
	bool *taken = k->taken, *wanted_pinned = k->wanted_pinned;
	struct world **chosen = k->chosen, **order = k->order;
	struct world **old = k->old;

	memset(taken, 0, (size_t)npcpus * sizeof *taken);
	memset(wanted_pinned, 0, (size_t)npcpus * sizeof *wanted_pinned);
	memset(chosen, 0, (size_t)npcpus * sizeof *chosen);
	vmkernel_cosched_plan(k, q_start);

	for (int j = 0; j < k->nworlds; j++) {
		struct world *w = k->worlds[j];

		if (w->state == WORLD_DEAD)
			continue;
		vmkernel_sched_set_state(w, w->state, q_start);
		w->q_pcpu = -1;
		if (w->vm != NULL && w->vm->state != VM_ON &&
		    w->state != WORLD_RUNNING) {
			/* its VM is off: the VMKernel tears its worlds down;
			   paused: they wait for the question's answer */
			vmkernel_sched_stop(w, q_start);
			continue;
		}
		if (w->limit_mhz) {
			w->limit_credit += (int64_t)(VMKERNEL_QUANTUM_NS * w->limit_mhz / mhz);
			if (w->limit_credit > (int64_t)CREDIT_CAP_NS)
				w->limit_credit = (int64_t)CREDIT_CAP_NS;
		}
		if (w->reservation_mhz) {
			w->resv_credit += (int64_t)(VMKERNEL_QUANTUM_NS * w->reservation_mhz / mhz);
			if (w->resv_credit > (int64_t)CREDIT_CAP_NS)
				w->resv_credit = (int64_t)CREDIT_CAP_NS;
		}
		if (w->kind == WORLD_VMM && w->vm->modelled &&
		    w->vm->state == VM_ON) {
			uint32_t load = w->vm->cfg.load_mhz;

			w->demand_left = VMKERNEL_QUANTUM_NS * (load < mhz ? load : mhz) / mhz;
			if (w->demand_left > 0 && w->state == WORLD_WAITING)
				w->wake_ns = q_start;
		}
		if (w->state == WORLD_WAITING && w->wake_ns <= q_start)
			vmkernel_sched_wake(k, w);
		/* candidates, in priority order (insertion sort) */
		if (wants_cpu(w, q_start)) {
			int at = n++;

			while (at > 0 && vmkernel_sched_before(w, order[at - 1])) {
				order[at] = order[at - 1];
				at--;
			}
			order[at] = w;
			if (w->pinned >= 0 && w->pinned < npcpus)
				wanted_pinned[w->pinned] = true;
		}
	}
	for (int c = 0; c < n; c++) {
		int i = place(order[c], taken, wanted_pinned, npcpus);

		if (i < 0)
			continue;
		taken[i] = true;
		chosen[i] = order[c];
	}
	/* first take every changing pCPU's world off, then put the new on */

	for (int i = 0; i < npcpus; i++) {
		struct world *next = chosen[i] ? chosen[i] : k->pcpu[i].idle;
		struct pcpu *pc = &k->pcpu[i];

		/* an instruction that ran past the last quantum's end (a
		 * trap costs thousands of cycles) delays this one a little */
		if (pc->t < q_start)
			pc->t = q_start;
		old[i] = pc->cur;
		if (old[i] != next)
			take_off(k, i, pc->t);
		else
			old[i] = NULL;
	}
	for (int i = 0; i < npcpus; i++) {
		struct world *next = chosen[i] ? chosen[i] : k->pcpu[i].idle;

		if (old[i] == NULL) {
			next->q_pcpu = i;
			continue;
		}
		put_on(k, i, old[i], next,
		       old[i]->kind == WORLD_IDLE ? SWITCH_START :
		       old[i]->state == WORLD_COSTOP ? SWITCH_COSTOP :
		       SWITCH_QUANTUM, k->pcpu[i].t);
	}
}
