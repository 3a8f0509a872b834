/*
 * sim.c - the world: hosts, VMs, simulated time.
 *
 * Time: each host's VMKernel plays quanta of simulated time out on its
 * physical CPUs (vmkernel_sched.c).  When a vCPU runs, its events are
 * stamped with the time its run began plus the cycles it has used, at its
 * host's clock rate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/disasm.h"
#include "sim_priv.h"
#include "status.h"
#include "vmkernel/vmkernel_sched.h"
#include "vmm/vmm.h"

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
	for (int i = s->nparts - 1; i >= 0; i--)
		if (s->parts[i].destroy)
			s->parts[i].destroy(s->parts[i].ctx);
	for (int i = 0; i < s->nvms; i++)
		vm_destroy(s->vms[i]);
	for (int i = 0; i < s->nhosts; i++)
		host_destroy(s->hosts[i]);
	free(s->vms);
	free(s->hosts);
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

void sim_clock_save(const struct sim *s, struct sim_clock *out)
{
	out->now_ns = s->now_ns;
	out->q_start = s->q_start;
	out->q_planned = s->q_planned;
	out->q_host = s->q_host;
	out->q_pcpu = s->q_pcpu;
	out->next_seq = event_log_total(s->log);
	out->parts_acted = s->parts_acted;
	out->nparts = s->nparts;
	for (int i = 0; i < s->nparts; i++) {
		out->part_due[i] = s->parts[i].due;
		out->part_busy[i] = s->parts[i].busy;
	}
}

bool sim_clock_fits(const struct sim *s, const struct sim_clock *c)
{
	return c->parts_acted == s->parts_acted && c->nparts == s->nparts;
}

void sim_clock_load(struct sim *s, const struct sim_clock *c)
{
	event_log_truncate(s->log, c->next_seq);
	s->now_ns = c->now_ns;
	s->q_start = c->q_start;
	s->q_planned = c->q_planned;
	s->q_host = c->q_host;
	s->q_pcpu = c->q_pcpu;
	for (int i = 0; i < c->nparts && i < s->nparts; i++) {
		s->parts[i].due = c->part_due[i];
		s->parts[i].busy = c->part_busy[i];
	}
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
	struct host *h;
	struct vm *vm;
	int rc;

	err[0] = '\0';
	if (c.host != NULL) {
		if ((h = sim_host_by_name(s, c.host)) == NULL) {
			snprintf(err, GUEST_ERR_MAX, "no host named %s", c.host);
			return SIM_ENOTFOUND;
		}
	} else if (s->nhosts > 0) {
		h = s->hosts[0];
	} else if ((rc = sim_add_host(s, &(struct host_config){
			.name = "esx0" }, &h, err)) != SIM_OK) {
		return rc;
	}
	if (h->cfg.kind == HOST_HOSTED && !h->logged_in) {
		snprintf(err, GUEST_ERR_MAX,
			 "nobody is logged in on %s: Workstation runs VMs only inside a user's session",
			 h->name);
		return SIM_ESTATE;
	}
	if ((rc = sim_grow((void ***)&s->vms, &s->vms_cap, s->nvms,
			   SIM_MAX_VMS)) != SIM_OK) {
		snprintf(err, GUEST_ERR_MAX, "too many VMs (at most %d)",
			 SIM_MAX_VMS);
		return rc;
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
	c.mhz = h->cfg.mhz;
	c.host = h->name;
	/* the slot is taken first: the bootstrap's events name the VM */
	s->nvms++;
	rc = vm_create(s, h, (uint16_t)(s->nvms - 1), &c, &s->vms[s->nvms - 1],
		       err);
	if (rc == SIM_OK &&
	    (rc = vmkernel_add_vm(h->vmk, s->vms[s->nvms - 1])) != SIM_OK)
		snprintf(err, GUEST_ERR_MAX, "%s: no room for its worlds on %s",
			 c.name, h->name);
	if (rc != SIM_OK) {
		if (s->vms[s->nvms - 1] != NULL)
			vm_destroy(s->vms[s->nvms - 1]);
		s->vms[s->nvms - 1] = NULL;
		s->nvms--;
		return rc;
	}
	vm = s->vms[s->nvms - 1];
	if (out)
		*out = vm;
	return SIM_OK;
}

int sim_grow_array(void **array, int *cap, int n, int max, size_t size)
{
	void *t;
	int want;

	if (n < *cap)
		return SIM_OK;
	if (n >= max)
		return SIM_ESTATE;
	want = *cap ? *cap * 2 : 16;
	if (want > max)
		want = max;
	if ((t = realloc(*array, (size_t)want * size)) == NULL)
		return SIM_ENOMEM;
	*array = t;
	*cap = want;
	return SIM_OK;
}

int sim_grow(void ***table, int *cap, int n, int max)
{
	return sim_grow_array((void **)table, cap, n, max, sizeof **table);
}

int sim_attach(struct sim *s, const struct sim_part *part)
{
	if (s->nparts == SIM_MAX_PARTS)
		return SIM_ESTATE;
	s->parts[s->nparts] = *part;
	s->parts[s->nparts].due = 0;	/* ticked at the next quantum */
	s->nparts++;
	return SIM_OK;
}

void sim_part_wake(struct sim *s, void *ctx, uint64_t t_ns, bool busy)
{
	for (int i = 0; i < s->nparts; i++)
		if (s->parts[i].ctx == ctx) {
			if (t_ns < s->parts[i].due)
				s->parts[i].due = t_ns;
			s->parts[i].busy = s->parts[i].busy || busy;
		}
}

void sim_hold_parts(struct sim *s, bool hold)
{
	s->parts_held = hold;
}

uint64_t sim_tick_parts(struct sim *s, uint64_t now, bool *busy)
{
	uint64_t next = UINT64_MAX;

	*busy = false;
	if (s->parts_held)
		return next;
	for (int i = 0; i < s->nparts; i++) {
		struct sim_part *p = &s->parts[i];

		if (p->due <= now) {
			p->due = p->tick(p->ctx, now, &p->busy);
			if (p->save == NULL) {	/* history.c cannot undo it */
				s->parts_acted++;
				s->parts_acted_ns = now;
			}
		}
		if (p->due < next)
			next = p->due;
		*busy = *busy || p->busy;
	}
	return next;
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

void sim_set_poll(struct sim *s, bool (*poll)(void *ctx), void *ctx)
{
	s->poll = poll;
	s->poll_ctx = ctx;
}

bool sim_poll(struct sim *s)
{
	if (s->poll == NULL || !s->poll(s->poll_ctx))
		return false;
	sim_request_stop(s);
	return true;
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

/* ---- hosts ---------------------------------------------------------------- */

int sim_add_host(struct sim *s, const struct host_config *cfg,
		 struct host **out, char err[GUEST_ERR_MAX])
{
	struct host *h;
	int rc;

	err[0] = '\0';
	if (s->nhosts == SIM_MAX_HOSTS) {
		snprintf(err, GUEST_ERR_MAX, "too many hosts (at most %d)",
			 SIM_MAX_HOSTS);
		return SIM_ESTATE;
	}
	if (cfg && cfg->name && sim_host_by_name(s, cfg->name)) {
		snprintf(err, GUEST_ERR_MAX, "a host named %s already exists",
			 cfg->name);
		return SIM_EINVAL;
	}
	if ((rc = host_create(s, s->nhosts, cfg, &h, err)) != SIM_OK)
		return rc;
	s->hosts[s->nhosts++] = h;
	host_boot(h);
	if (out)
		*out = h;
	return SIM_OK;
}

int sim_host_count(const struct sim *s)
{
	return s->nhosts;
}

struct host *sim_host(struct sim *s, int id)
{
	return id >= 0 && id < s->nhosts ? s->hosts[id] : NULL;
}

struct host *sim_host_by_name(struct sim *s, const char *name)
{
	for (int i = 0; i < s->nhosts; i++)
		if (strcmp(s->hosts[i]->name, name) == 0)
			return s->hosts[i];
	return NULL;
}

/* ---- the world's clock ------------------------------------------------------ */

uint64_t sim_clock_ns(const struct sim *s)
{
	uint64_t t = s->now_ns;

	for (int h = 0; h < s->nhosts; h++)
		for (int i = 0; i < s->hosts[h]->cfg.pcpus; i++)
			if (s->hosts[h]->vmk->pcpu[i].t > t)
				t = s->hosts[h]->vmk->pcpu[i].t;
	return t;
}

bool sim_guests_alive(const struct sim *s)
{
	for (int i = 0; i < s->nvms; i++)
		if (s->vms[i]->state == VM_ON && !s->vms[i]->modelled)
			return true;
	return false;
}

bool sim_parts_busy(const struct sim *s)
{
	if (s->parts_held)
		return false;
	for (int i = 0; i < s->nparts; i++)
		if (s->parts[i].busy)
			return true;
	return false;
}

int sim_power_on(struct sim *s, struct vm *vm, char err[GUEST_ERR_MAX])
{
	int rc;

	err[0] = '\0';
	if (vm->state == VM_ON) {
		snprintf(err, GUEST_ERR_MAX, "%s is already on", vm->name);
		return SIM_ESTATE;
	}
	if (vm->state == VM_PAUSED) {
		snprintf(err, GUEST_ERR_MAX,
			 "%s is paused (its datastore is full): retry, or power it off (Cancel)",
			 vm->name);
		return SIM_ESTATE;
	}
	if (vm->host->cfg.kind == HOST_HOSTED && !vm->host->logged_in) {
		snprintf(err, GUEST_ERR_MAX,
			 "nobody is logged in on %s: Workstation runs VMs only inside a user's session",
			 vm->host->name);
		return SIM_ESTATE;
	}
	if ((rc = vm_boot(vm, err)) != SIM_OK)
		return rc;
	vmkernel_vm_powered_on(vm->host->vmk, vm, sim_now_ns(s));
	return SIM_OK;
}

int sim_retry(struct sim *s, struct vm *vm)
{
	if (vm->state != VM_PAUSED)
		return SIM_ESTATE;
	vm_resume(vm, POWER_RETRY);
	vmm_disk_retry(vm);		/* may pause it again */
	if (vm->state == VM_PAUSED)
		return SIM_ENOSPC;
	vmkernel_vm_powered_on(vm->host->vmk, vm, sim_now_ns(s));
	return SIM_OK;
}

/*
 * The schedule depends only on the world's state (which quantum is being
 * played, how far each pCPU has got), never on how callers cut their
 * requests: sim_run(s, 1000) then sim_run(s, 500) is exactly
 * sim_run(s, 1500).  That is what makes stepping backwards by replay land
 * on the same state.
 */
int sim_run(struct sim *s, uint64_t max_insns, enum sim_stop *why)
{
	uint64_t left = max_insns;

	s->stop_request = 0;
	return vmkernel_play_run(s, &left, UINT64_MAX, why);
}

int sim_run_until(struct sim *s, uint64_t t_ns, uint64_t max_insns,
		  enum sim_stop *why)
{
	uint64_t left = max_insns;

	s->stop_request = 0;
	return vmkernel_play_run(s, &left, t_ns, why);
}
