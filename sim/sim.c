/*
 * sim.c - the world: VMs, simulated time, and a round-robin of slices.
 *
 * Time: a vCPU's slice begins at the world's current time; as it runs, its
 * events are stamped with that time plus the cycles it has used (at its
 * VM's clock rate).  When the slice ends the world's clock moves to the
 * end of the slice.  Slices of different vCPUs run one after another, so a
 * multi-VM world is simulated as one CPU shared in turn (the VMKernel
 * scheduler will refine this).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disasm.h"
#include "sim_priv.h"
#include "status.h"
#include "vmm.h"

#define SLICE_INSNS 100000ull	/* guest instructions per slice */

int sim_create(const struct sim_config *cfg, struct sim **out)
{
	struct sim *s = calloc(1, sizeof *s);
	int rc;

	if (s == NULL)
		return SIM_ENOMEM;
	if (cfg)
		s->cfg = *cfg;
	if ((rc = event_log_create(s->cfg.event_capacity, &s->log)) != SIM_OK ||
	    (rc = disasm_create(&s->dis)) != SIM_OK) {
		sim_destroy(s);
		return rc;
	}
	*out = s;
	return SIM_OK;
}

void sim_destroy(struct sim *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < s->nvms; i++)
		vm_destroy(s->vms[i]);
	disasm_destroy(s->dis);
	event_log_destroy(s->log);
	free(s);
}

struct event_log *sim_events(struct sim *s)
{
	return s->log;
}

struct disasm *sim_disasm(struct sim *s)
{
	return s->dis;
}

uint64_t sim_now_ns(const struct sim *s)
{
	return s->now_ns;
}

int sim_add_vm(struct sim *s, const struct vm_config *cfg, struct vm **out,
	       char err[GUEST_ERR_MAX])
{
	struct vm_config c = *cfg;
	char name[VM_NAME_MAX];
	struct vm *vm;
	int rc;

	err[0] = '\0';
	if (s->nvms == SIM_MAX_VMS) {
		snprintf(err, GUEST_ERR_MAX, "too many VMs (at most %d)",
			 SIM_MAX_VMS);
		return SIM_ESTATE;
	}
	if (c.name == NULL) {
		snprintf(name, sizeof name, "vm%d", s->nvms);
		c.name = name;
	}
	if (sim_vm_by_name(s, c.name) != NULL) {
		snprintf(err, GUEST_ERR_MAX, "a VM named %s already exists",
			 c.name);
		return SIM_EINVAL;
	}
	if (c.mem_mb == 0)
		c.mem_mb = 128;
	if (c.vcpus == 0)
		c.vcpus = 1;
	if (c.mhz == 0)
		c.mhz = 1000;
	/* the slot is taken first: the bootstrap's events name the VM */
	s->nvms++;
	rc = vm_create(s, (uint16_t)(s->nvms - 1), &c, &s->vms[s->nvms - 1], err);
	if (rc != SIM_OK) {
		s->nvms--;
		return rc;
	}
	vm = s->vms[s->nvms - 1];
	if (out)
		*out = vm;
	return SIM_OK;
}

int sim_vm_count(const struct sim *s)
{
	return s->nvms;
}

struct vm *sim_vm(struct sim *s, int id)
{
	return id >= 0 && id < s->nvms ? s->vms[id] : NULL;
}

struct vm *sim_vm_by_name(struct sim *s, const char *name)
{
	for (int i = 0; i < s->nvms; i++)
		if (strcmp(s->vms[i]->name, name) == 0)
			return s->vms[i];
	return NULL;
}

void sim_request_stop(struct sim *s)
{
	s->stop_request = 1;
	for (int i = 0; i < s->nvms; i++)
		for (int j = 0; j < s->vms[i]->nvcpus; j++)
			vmm_request_stop(s->vms[i]->vcpu[j]);
}

uint64_t sim_insns(struct sim *s)
{
	uint64_t n = 0;

	for (int i = 0; i < s->nvms; i++)
		for (int j = 0; j < s->vms[i]->nvcpus; j++) {
			vmm_sync_counters(s->vms[i]->vcpu[j]);
			n += s->vms[i]->vcpu[j]->stats.insns;
		}
	return n;
}

static bool runnable(const struct vcpu *v)
{
	return v->vm->state == VM_ON && v->state == VCPU_RUNNING;
}

/*
 * A vCPU halted with interrupts enabled waits for an interrupt.  With no
 * device able to raise one yet, nothing will ever wake it: the VM idles
 * forever, so it is powered off with that reason.
 */
static void reap_idle(struct sim *s)
{
	for (int i = 0; i < s->nvms; i++) {
		struct vm *vm = s->vms[i];
		bool waiting = vm->state == VM_ON;

		for (int j = 0; j < vm->nvcpus; j++)
			if (vm->vcpu[j]->state == VCPU_RUNNING)
				waiting = false;
		if (waiting)
			vm_power_off(vm, POWER_IDLE,
				     cpu_reg(vm->vcpu[0]->cpu, X86R_EIP));
	}
}

/* The k-th vCPU of the world, counting VM 0's first, then VM 1's... */
static struct vcpu *vcpu_at(struct sim *s, int k, int *total)
{
	struct vcpu *found = NULL;
	int n = 0;

	for (int i = 0; i < s->nvms; i++)
		for (int j = 0; j < s->vms[i]->nvcpus; j++, n++)
			if (n == k)
				found = s->vms[i]->vcpu[j];
	*total = n;
	return found;
}

static void next_vcpu(struct sim *s)
{
	s->cur++;
	s->slice_left = 0;
}

/*
 * The schedule depends only on the world's state (whose slice it is and
 * how much of it is left), never on how callers cut their requests:
 * sim_run(s, 1000) then sim_run(s, 500) is exactly sim_run(s, 1500).
 * That is what makes stepping backwards by replay land on the same state.
 */
int sim_run(struct sim *s, uint64_t max_insns, enum sim_stop *why)
{
	uint64_t left = max_insns;
	int rc = SIM_OK, idle_turns = 0;

	s->stop_request = 0;
	*why = SIM_STOP_BUDGET;
	while (left > 0 && rc == SIM_OK) {
		int total;
		struct vcpu *v = vcpu_at(s, s->cur, &total);
		uint64_t before, chunk, ran;
		enum vmm_stop vs;

		if (v == NULL && total > 0) {	/* wrap around */
			s->cur = 0;
			continue;
		}
		if (v == NULL || !runnable(v)) {
			next_vcpu(s);
			if (++idle_turns > total) {
				reap_idle(s);
				*why = SIM_STOP_IDLE;
				break;
			}
			continue;
		}
		idle_turns = 0;
		if (s->slice_left == 0) {	/* a new slice begins now */
			s->slice_left = SLICE_INSNS;
			v->slice_ns = s->now_ns;
			v->slice_cycles = v->stats.cycles;
		}
		chunk = left < s->slice_left ? left : s->slice_left;
		before = v->stats.insns;
		rc = vmm_run(v, chunk, &vs);
		ran = v->stats.insns - before;
		s->now_ns = vm_now_ns(v->vm, v->id);
		left -= ran < left ? ran : left;
		s->slice_left -= ran < s->slice_left ? ran : s->slice_left;
		if (s->slice_left == 0 || !runnable(v))
			next_vcpu(s);
		if (s->stop_request || vs == VMM_STOP_REQUESTED) {
			*why = SIM_STOP_REQUESTED;
			break;
		}
	}
	return rc;
}
