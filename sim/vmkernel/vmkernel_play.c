/*
 * vmkernel_play.c - playing quanta out: each pCPU runs the world the
 * scheduler gave it until the quantum ends or the world blocks, then the
 * next ready world or its idle world (vmkernel_sched.h).  A VMM world's
 * vCPU runs guest code in runs that end at the quantum's end, at its VM's
 * next timer tick, or where a waiting world wakes that might preempt it.
 */
#include <string.h>

#include "sim_priv.h"
#include "status.h"
#include "vm.h"
#include "vmkernel/vmkernel_sched.h"
#include "vmm/vmm.h"
#include "vmm/vmm_devices.h"

/* ---- playing a quantum out on one pCPU ------------------------------------- */

enum played {
	PLAYED_ON = 0,		/* keep going */
	PLAYED_BUDGET,		/* the instruction budget is spent */
	PLAYED_STOP,		/* someone asked to stop */
	PLAYED_ERROR		/* the CPU library failed */
};

/* The VMX world of a VM (its device work is charged there). */
static struct world *vmx_world(struct vmkernel *k, struct vm *vm)
{
	for (int j = 0; j < k->nworlds; j++)
		if (k->worlds[j]->vm == vm && k->worlds[j]->kind == WORLD_VMX)
			return k->worlds[j];
	return NULL;
}

/*
 * Charge what the vCPU's last run cost the VMX and the VMKernel: device
 * emulation in the VMX user world is the VMX world's CPU time, not the
 * VMM world's (the VMM world switched to the VMX and back).  VMKernel work
 * on the world's behalf (host interrupts behind its virtual ones) is its
 * %SYS, counted outside its %RUN as esxtop does: the world waited while
 * the VMKernel worked for it, so %RUN + %RDY + %WAIT stays 100 and %USED
 * = %RUN + %SYS.  The VMM's own traps and exits are the world's %RUN.
 */
static void charge_helpers(struct vmkernel *k, struct world *w,
			   struct vcpu *v, uint64_t now)
{
	uint32_t mhz = k->host->cfg.mhz;
	uint64_t vmx_ns = (v->stats.vmx_cycles - w->vmx_seen) * 1000 / mhz;
	uint64_t sys_ns = (v->stats.sys_cycles - w->sys_seen) * 1000 / mhz;
	struct world *x = vmx_world(k, w->vm);

	w->vmx_seen = v->stats.vmx_cycles;
	w->sys_seen = v->stats.sys_cycles;
	vmkernel_sched_set_state(w, WORLD_RUNNING, now);
	if (sys_ns > w->t.run)
		sys_ns = w->t.run;
	w->t.run -= sys_ns;
	w->t.wait += sys_ns;
	w->t.sys += sys_ns;
	if (x == NULL || vmx_ns == 0)
		return;
	if (vmx_ns > w->t.run)
		vmx_ns = w->t.run;
	w->t.run -= vmx_ns;
	w->t.wait += vmx_ns;	/* the VMM world waited for its VMX */
	vmkernel_sched_set_state(x, x->state, now);
	if (x->state == WORLD_WAITING && x->t.wait >= vmx_ns)
		x->t.wait -= vmx_ns;
	x->t.run += vmx_ns;
}

/*
 * A halted vCPU blocks until its next interrupt; with none ever coming
 * and no other vCPU of its VM alive, the VM can never run again.
 */
static void block_vcpu(struct world *w, struct vcpu *v, uint64_t now)
{
	struct vm *vm = w->vm;

	vmkernel_sched_set_state(w, WORLD_WAITING, now);
	w->wake_ns = vmm_devices_next_wake_ns(vm, v->id, now);
	if (w->wake_ns != UINT64_MAX)
		return;
	for (int i = 0; i < vm->nvcpus; i++)
		if (vm->vcpu[i]->state == VCPU_RUNNING)
			return;
	vm_power_off(vm, POWER_IDLE, cpu_reg(v->cpu, X86R_EIP));
}

/*
 * Run the VMM world on pCPU i: its vCPU executes guest code in runs that
 * end at the quantum's end or at the VM's next device interrupt, so a
 * timer tick arrives exactly on time.
 */
static enum played run_vmm(struct vmkernel *k, int i, uint64_t q_end,
			   uint64_t *left)
{
	struct pcpu *pc = &k->pcpu[i];
	struct world *w = pc->cur;
	struct vm *vm = w->vm;
	struct vcpu *v = vm->vcpu[w->vcpu];
	uint32_t mhz = k->host->cfg.mhz;
	struct vmm_ran ran;
	uint64_t n;
	int rc;

	if (!pc->chunk_open) {
		uint64_t until, wake;

		if (vm->state != VM_ON) {
			vmkernel_sched_stop(w, pc->t);
			return PLAYED_ON;
		}
		/* interrupts due by now reach the vCPU (and may wake it);
		 * delivering one is the VMM's work, on this pCPU's clock */
		vmm_slice_begin(v, &(struct vmm_slice){ pc->t, UINT64_MAX });
		vmm_devices_advance(vm, pc->t);
		if (vmm_irq_poll(v) != SIM_OK)
			return PLAYED_ERROR;
		pc->t = vm_now_ns(vm, v->id);
		charge_helpers(k, w, v, pc->t);
		if (v->state != VCPU_RUNNING || vm->state != VM_ON) {
			if (vm->state == VM_ON)
				block_vcpu(w, v, pc->t);
			else
				vmkernel_sched_stop(w, pc->t);
			return PLAYED_ON;
		}
		/* a run of so many cycles: at least one instruction each */
		until = vmm_devices_next_wake_ns(vm, v->id, pc->t);
		if (until > q_end)
			until = q_end;
		/* ... and where a waiting world wakes that might preempt it */
		wake = vmkernel_sched_next_wake(k, i);
		if (until > wake)
			until = wake;
		pc->chunk_left = until > pc->t ? (until - pc->t) * mhz / 1000 : 0;
		if (pc->chunk_left == 0)
			pc->chunk_left = 1;
		pc->chunk_open = true;
		vmm_slice_begin(v, &(struct vmm_slice){ pc->t, pc->chunk_left });
	}
	n = pc->chunk_left < *left ? pc->chunk_left : *left;
	rc = vmm_run(v, n, &ran);
	n = ran.insns;
	pc->chunk_left -= n < pc->chunk_left ? n : pc->chunk_left;
	*left -= n < *left ? n : *left;
	pc->t = vm_now_ns(vm, v->id);
	charge_helpers(k, w, v, pc->t);
	if (rc != SIM_OK)
		return PLAYED_ERROR;
	/* the guest just enabled interrupts with one waiting: in it comes */
	if (ran.irq_window && vmm_irq_poll(v) != SIM_OK)
		return PLAYED_ERROR;
	/* the slice is spent (perhaps by delivering that interrupt) */
	if (pc->chunk_left == 0 || vmm_slice_spent(v) ||
	    v->state != VCPU_RUNNING || vm->state != VM_ON)
		pc->chunk_open = false;
	if (vm->sim->stop_request)
		return PLAYED_STOP;
	if (pc->chunk_open && *left == 0)
		return PLAYED_BUDGET;
	return PLAYED_ON;
}

/*
 * A world with no code of its own (a modelled VM's vCPU, the service
 * console doing an administrator's request): it uses the CPU for the time
 * its load or work asks, then waits.
 */
static void run_load(struct vmkernel *k, int i, uint64_t q_end)
{
	struct pcpu *pc = &k->pcpu[i];
	struct world *w = pc->cur;
	bool modelled = w->kind == WORLD_VMM;
	uint64_t want = modelled ? w->demand_left : w->work_ns;
	uint64_t wake = vmkernel_sched_next_wake(k, i);
	uint64_t end = wake < q_end ? wake : q_end;
	uint64_t d = end > pc->t ? end - pc->t : 0;

	if (w->vm != NULL && w->vm->state != VM_ON) {
		vmkernel_sched_stop(w, pc->t);
		return;
	}
	if (d > want)
		d = want;
	if (d == 0 && end <= pc->t && want > 0)
		d = 1;		/* always make progress */

	pc->t += d;
	if (modelled)
		w->demand_left -= d;
	else
		w->work_ns -= d;
	vmkernel_sched_set_state(w, WORLD_RUNNING, pc->t);
	if (w->limit_mhz && w->limit_credit <= 0) {
		vmkernel_sched_set_state(w, WORLD_READY, pc->t);	/* held back */
		return;
	}
	if ((modelled ? w->demand_left : w->work_ns) == 0) {
		vmkernel_sched_set_state(w, WORLD_WAITING, pc->t);
		w->wake_ns = modelled ? q_end : UINT64_MAX;
	}
}

/* Play pCPU i's quantum out, from pc->t to q_end. */
static enum played play(struct vmkernel *k, int i, uint64_t q_end,
			uint64_t *left)
{
	struct pcpu *pc = &k->pcpu[i];
	enum played p = PLAYED_ON;

	while (p == PLAYED_ON && pc->t < q_end) {
		struct world *w = pc->cur, *next;

		if (w->kind == WORLD_IDLE) {
			uint64_t t;

			next = vmkernel_sched_pick(k, i, pc->t);
			if (next != NULL) {
				vmkernel_sched_wake(k, next);
				vmkernel_sched_switch_to(k, i, next, SWITCH_START, pc->t);
				continue;
			}
			t = vmkernel_sched_next_wake(k, i);	/* idle until someone wakes */
			pc->t = t < q_end ? t : q_end;
			continue;
		}
		/* between runs: has a world that should go first woken up? */
		if (!pc->chunk_open && (next = vmkernel_sched_pick(k, i, pc->t)) != NULL &&
		    vmkernel_sched_before(next, w) && next->state == WORLD_WAITING) {
			vmkernel_sched_wake(k, next);
			if (vmkernel_sched_before(next, w)) {
				vmkernel_sched_switch_to(k, i, next, SWITCH_PREEMPT, pc->t);
				continue;
			}
		}
		if (w->kind == WORLD_VMM && !w->vm->modelled)
			p = run_vmm(k, i, q_end, left);
		else
			run_load(k, i, q_end);
		if (w->state == WORLD_RUNNING)
			continue;
		/* it blocked, died or hit its limit: the next one, or idle */
		next = vmkernel_sched_pick(k, i, pc->t);
		if (next != NULL)
			vmkernel_sched_wake(k, next);
		vmkernel_sched_switch_to(k, i, next ? next : pc->idle,
			  w->state == WORLD_DEAD ? SWITCH_DIED : SWITCH_BLOCKED,
			  pc->t);
	}
	return p;
}

/*
 * If no world on any host wants a pCPU during this quantum, the next
 * quantum worth playing is the one holding the earliest wake-up (idle time
 * in between is accounted lazily, so skipping it changes no counter).
 */
static uint64_t skip_idle(struct sim *s, uint64_t q_start)
{
	uint64_t wake = UINT64_MAX;

	for (int h = 0; h < s->nhosts; h++) {
		struct vmkernel *k = s->hosts[h]->vmk;

		for (int j = 0; j < k->nworlds; j++) {
			struct world *w = k->worlds[j];

			if (w->kind == WORLD_IDLE || w->state == WORLD_DEAD)
				continue;
			if (w->state != WORLD_WAITING)
				return q_start;
			if (w->kind == WORLD_VMM && w->vm->modelled &&
			    w->vm->state == VM_ON && w->vm->cfg.load_mhz)
				return q_start;
			if (w->wake_ns < wake)
				wake = w->wake_ns;
		}
	}
	if (wake == UINT64_MAX)
		return UINT64_MAX;
	wake -= wake % VMKERNEL_QUANTUM_NS;
	return wake > q_start ? wake : q_start;
}

int vmkernel_play_run(struct sim *s, uint64_t *left, uint64_t t_stop,
		 enum sim_stop *why)
{
	for (;;) {
		struct vmkernel *k;
		enum played p;

		if (s->stop_request) {
			*why = SIM_STOP_REQUESTED;
			return SIM_OK;
		}
		if (!s->q_planned) {
			uint64_t next, due;
			bool busy;

			if (s->q_start >= t_stop) {
				*why = SIM_STOP_TIME;
				return SIM_OK;
			}
			/* clusters first: a migration may move a VM here */
			due = sim_tick_parts(s, s->q_start, &busy);
			if (t_stop == UINT64_MAX && !sim_guests_alive(s) &&
			    !busy) {
				*why = SIM_STOP_IDLE;
				return SIM_OK;
			}
			if (*left == 0) {
				*why = SIM_STOP_BUDGET;
				return SIM_OK;
			}
			next = skip_idle(s, s->q_start);
			if (due != UINT64_MAX) {	/* its quantum, rounded up */
				due += VMKERNEL_QUANTUM_NS - 1;
				due -= due % VMKERNEL_QUANTUM_NS;
				if (due < next)
					next = due;
			}
			if (next == UINT64_MAX && t_stop == UINT64_MAX) {
				*why = SIM_STOP_IDLE;
				return SIM_OK;
			}
			if (next > t_stop)
				next = t_stop - t_stop % VMKERNEL_QUANTUM_NS;
			if (next > s->q_start) {
				s->q_start = next;
				s->now_ns = next;
				continue;	/* time moved: check again */
			}
			for (int h = 0; h < s->nhosts; h++)
				vmkernel_sched_plan(s->hosts[h]->vmk, s->q_start);
			s->q_planned = true;
			s->q_host = 0;
			s->q_pcpu = 0;
		}
		if (s->q_host == s->nhosts) {	/* every pCPU played: next */
			s->q_start += VMKERNEL_QUANTUM_NS;
			s->now_ns = s->q_start;
			s->q_planned = false;
			continue;
		}
		k = s->hosts[s->q_host]->vmk;
		if (s->q_pcpu == k->host->cfg.pcpus) {
			s->q_host++;
			s->q_pcpu = 0;
			continue;
		}
		if (*left == 0 && k->pcpu[s->q_pcpu].chunk_open) {
			*why = SIM_STOP_BUDGET;
			return SIM_OK;
		}
		p = play(k, s->q_pcpu, s->q_start + VMKERNEL_QUANTUM_NS, left);
		switch (p) {
		case PLAYED_ERROR:
			return SIM_EINTERNAL;
		case PLAYED_STOP:
			*why = SIM_STOP_REQUESTED;
			return SIM_OK;
		case PLAYED_BUDGET:
			*why = SIM_STOP_BUDGET;
			return SIM_OK;
		case PLAYED_ON:
			s->q_pcpu++;
			break;
		}
	}
}
