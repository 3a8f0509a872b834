/*
 * ha_restart.c - HA restarting VMs: priority order and readiness, where a
 * VM goes, at most 32 power-ons at a time per host, retries, disk locks;
 * and the user's power-ons through admission control.
 *
 * A restarted VM boots again from its disk on the shared datastore: HA
 * does not migrate anything, it powers the VM on elsewhere [vSphere
 * Availability guide].  The order [HA deepdive, "Restart priority and
 * order"]: highest first, lowest last, disabled never; with the readiness
 * condition poweredOn, a priority starts when every VM of the one before
 * is powered on, or 600 s after that one started.  A VM no host can take
 * is tried again 2, 6, 14 and 30 minutes after its first attempt
 * (das.maxvmrestartcount = 5 attempts in all).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/ha_priv.h"
#include "status.h"

/* Seconds after the first attempt at which attempt k+1 is made. */
static const uint32_t retry_at_s[] = { 0, 120, 360, 840, 1800 };
#define ATTEMPTS (sizeof retry_at_s / sizeof retry_at_s[0])

static uint32_t mem_of(const struct ha_vm *vm)
{
	return vm->cfg.reservation_mb + vm->cfg.overhead_mb;
}

static void reserve(struct ha *ha, uint32_t v, uint32_t h, int sign)
{
	struct ha_host *host = &ha->hosts[h];
	const struct ha_vm *vm = &ha->vms[v];

	host->res_mhz += (int64_t)sign * vm->cfg.reservation_mhz;
	host->res_mb += (int64_t)sign * mem_of(vm);
}

static bool runs_on(const struct ha_vm *vm, uint32_t h)
{
	return vm->copy[0] == h || vm->copy[1] == h ||
	       (vm->state == VMS_STARTING && vm->host == h);
}

static bool runs_anywhere(const struct ha_vm *vm)
{
	return vm->copy[0] != HA_NONE || vm->copy[1] != HA_NONE;
}

static void add_copy(struct ha *ha, uint32_t v, uint32_t h)
{
	struct ha_vm *vm = &ha->vms[v];

	vm->copy[vm->copy[0] == HA_NONE ? 0 : 1] = h;
	vm->lock = h;
	if (ha->ops.power)
		ha->ops.power(ha->ops.ctx, v, h, 1);
}

void ha_vm_remove_copy(struct ha *ha, uint32_t v, uint32_t h)
{
	struct ha_vm *vm = &ha->vms[v];

	for (int c = 0; c < HA_COPIES; c++)
		if (vm->copy[c] == h) {
			vm->copy[c] = HA_NONE;
			reserve(ha, v, h, -1);
			if (ha->ops.power)
				ha->ops.power(ha->ops.ctx, v, h, 0);
		}
	if (vm->lock == h)
		vm->lock = HA_NONE;
}

/* "Must" rules HA respects when it places v on b: VM-host rules and
 * anti-affinity (vSphere 6.5 and later do both). */
static bool rules_allow(const struct ha *ha, uint32_t v, uint32_t b)
{
	for (uint32_t r = 0; r < ha->nrules; r++) {
		const struct drs_rule *rule = &ha->rules[r];
		bool member = false, listed = false, other_there = false;

		if (!rule->must)
			continue;
		for (uint32_t i = 0; i < rule->nvms; i++) {
			uint32_t u = rule->vms[i];

			if (u == v)
				member = true;
			else if (u < ha->nvms && runs_on(&ha->vms[u], b))
				other_there = true;
		}
		if (!member)
			continue;
		for (uint32_t i = 0; i < rule->nhosts; i++)
			listed |= rule->hosts[i] == b;
		if ((rule->kind == DRS_RULE_ON_HOSTS && !listed) ||
		    (rule->kind == DRS_RULE_OFF_HOSTS && listed) ||
		    (rule->kind == DRS_RULE_APART && other_there))
			return false;
	}
	return true;
}

/*
 * Where v goes: a host the master can hear, that takes VMs (not in or
 * entering maintenance mode: ha_ops.takes_vms), with room for its
 * reservations, where its rules allow it and fewer than 32 power-ons are
 * under way.  The dedicated failover host first; otherwise the one with
 * the most unreserved CPU [choice: docs/ha.md].  *busy says whether some
 * host would fit but for the 32.
 */
static uint32_t place(const struct ha *ha, uint32_t v, uint32_t master,
		      bool *busy)
{
	const struct ha_vm *vm = &ha->vms[v];
	uint32_t best = HA_NONE;
	uint64_t best_free = 0;

	*busy = false;
	for (uint32_t b = 0; b < ha->nhosts; b++) {
		const struct ha_host *h = &ha->hosts[b];
		uint64_t free_mhz;

		if (!ha_connected(ha, master, b) || runs_on(vm, b) ||
		    (ha->ops.takes_vms && !ha->ops.takes_vms(ha->ops.ctx, b)) ||
		    h->res_mhz + vm->cfg.reservation_mhz > h->cfg.cpu_mhz ||
		    h->res_mb + mem_of(vm) > h->cfg.mem_mb ||
		    !rules_allow(ha, v, b))
			continue;
		if (h->in_flight >= ha->cfg.max_power_ons) {
			*busy = true;
			continue;
		}
		if (ha->cfg.admission.policy == HA_ADMISSION_FAILOVER_HOST &&
		    b == ha->cfg.admission.failover_host)
			return b;
		free_mhz = h->cfg.cpu_mhz - h->res_mhz;
		if (best == HA_NONE || free_mhz > best_free) {
			best = b;
			best_free = free_mhz;
		}
	}
	return best;
}

/* Whom the restarts answer to: any master that can still act. */
static uint32_t acting_master(const struct ha *ha)
{
	for (uint32_t m = 0; m < ha->nhosts; m++)
		if (ha->hosts[m].master && !ha->hosts[m].failed &&
		    !ha->hosts[m].isolated)
			return m;
	return HA_NONE;
}

/* An attempt failed: time the next one, or give up after the fifth. */
static void failed_attempt(struct ha *ha, uint32_t v, enum ha_action why,
			   uint32_t other)
{
	struct ha_vm *vm = &ha->vms[v];
	uint64_t next;

	if (vm->attempts >= ATTEMPTS) {
		vm->state = VMS_GAVE_UP;
		ha_emit(ha, why, vm->host, other, v, 0);
		ha_emit(ha, HA_GAVE_UP, vm->host, HA_NONE, v, vm->attempts);
		return;
	}
	next = vm->first_try_ns + retry_at_s[vm->attempts] * HA_SECOND;
	vm->state = VMS_RETRY;
	ha_emit(ha, why, vm->host, other, v,
		(uint32_t)((next - ha->now) / HA_SECOND));
	ha_timer(ha, next, T_RETRY, v, 0, vm->epoch);
}

/* One restart attempt of v. */
static void attempt(struct ha *ha, uint32_t v)
{
	struct ha_vm *vm = &ha->vms[v];
	uint32_t m = acting_master(ha), b;
	bool busy;

	if (m == HA_NONE) {	/* no master: the next one's sweep will */
		vm->state = VMS_ON;
		return;
	}
	b = place(ha, v, m, &busy);
	if (b == HA_NONE && busy) {
		vm->state = VMS_THROTTLED;
		return;
	}
	if (vm->attempts++ == 0)
		vm->first_try_ns = ha->now;
	vm->epoch++;
	if (b == HA_NONE) {
		failed_attempt(ha, v, HA_NO_HOST, HA_NONE);
		return;
	}
	/* VMFS: a disk held by a running copy cannot be opened again */
	if (vm->lock != HA_NONE && runs_on(vm, vm->lock) &&
	    ha_has_storage(ha, vm->lock)) {
		failed_attempt(ha, v, HA_LOCKED, vm->lock);
		return;
	}
	ha_emit(ha, HA_RESTART, vm->host, b, v, vm->attempts);
	vm->state = VMS_STARTING;
	vm->host = b;
	vm->lock = b;
	ha->hosts[b].in_flight++;
	reserve(ha, v, b, +1);
	ha_timer(ha, ha->now + ha->cfg.power_on_s * HA_SECOND, T_POWERED_ON,
		 v, b, vm->epoch);
}

void ha_restart_vm(struct ha *ha, uint32_t v)
{
	struct ha_vm *vm = &ha->vms[v];

	if (vm->cfg.priority == HA_PRIO_DISABLED)
		return;
	vm->state = VMS_WANT;
	vm->attempts = 0;
	ha_sequence(ha);
}

void ha_restart_host_vms(struct ha *ha, uint32_t dead)
{
	for (uint32_t v = 0; v < ha->nvms; v++) {
		struct ha_vm *vm = &ha->vms[v];

		if (vm->state != VMS_ON || vm->host != dead ||
		    vm->cfg.priority == HA_PRIO_DISABLED)
			continue;
		vm->state = VMS_WANT;
		vm->attempts = 0;
	}
	ha_sequence(ha);
}

/* VMs of priority p still to be started or powering on. */
static bool level_busy(const struct ha *ha, int p)
{
	for (uint32_t v = 0; v < ha->nvms; v++) {
		const struct ha_vm *vm = &ha->vms[v];

		if ((int)vm->cfg.priority == p &&
		    (vm->state == VMS_WANT || vm->state == VMS_THROTTLED ||
		     vm->state == VMS_STARTING))
			return true;
	}
	return false;
}

static int highest_wanted(const struct ha *ha)
{
	int p = -1;

	for (uint32_t v = 0; v < ha->nvms; v++)
		if (ha->vms[v].state == VMS_WANT && (int)ha->vms[v].cfg.priority > p)
			p = (int)ha->vms[v].cfg.priority;
	return p;
}

/*
 * Start what the current priority allows: every VM wanted at this
 * priority or above; then, with readiness "none" or once this priority's
 * VMs are all on (or failed to start, or 600 s went by), the next one.
 */
void ha_sequence(struct ha *ha)
{
	for (;;) {
		if (ha->level < 0) {
			ha->level = highest_wanted(ha);
			if (ha->level < 0)
				return;
			ha->level_start = ha->now;
			ha->level_epoch++;
			if (ha->cfg.readiness == HA_READY_POWERED_ON)
				ha_timer(ha, ha->now + ha->cfg.readiness_timeout_s *
					 HA_SECOND, T_READY_TIMEOUT,
					 (uint32_t)ha->level, 0, ha->level_epoch);
		}
		for (uint32_t v = 0; v < ha->nvms; v++) {
			struct ha_vm *vm = &ha->vms[v];

			if ((vm->state == VMS_WANT || vm->state == VMS_THROTTLED) &&
			    (int)vm->cfg.priority >= ha->level)
				attempt(ha, v);
		}
		if (ha->cfg.readiness == HA_READY_POWERED_ON &&
		    level_busy(ha, ha->level))
			return;
		ha_emit(ha, HA_PRIORITY_DONE, HA_NONE, HA_NONE, HA_NONE,
			(uint32_t)ha->level);
		ha->level = -1;
	}
}

void ha_on_ready_timeout(struct ha *ha, uint32_t level, uint32_t epoch)
{
	if (ha->level != (int)level || ha->level_epoch != epoch)
		return;
	/* 600 s and this priority is not all on: the next one starts anyway
	 * (what of this one is still starting goes on starting) */
	ha_emit(ha, HA_PRIORITY_DONE, HA_NONE, HA_NONE, HA_NONE, level | 0x100);
	ha->level = -1;
	ha_sequence(ha);
}

void ha_on_powered_on(struct ha *ha, uint32_t v, uint32_t b, uint32_t epoch)
{
	struct ha_vm *vm = &ha->vms[v];

	ha->hosts[b].in_flight--;
	if (vm->epoch != epoch || vm->state != VMS_STARTING) {
		reserve(ha, v, b, -1);
		return;
	}
	if (ha->hosts[b].failed) {	/* it died while powering on */
		reserve(ha, v, b, -1);
		vm->state = VMS_ON;	/* ... and HA finds it dead with it */
		return;
	}
	vm->state = VMS_ON;
	reserve(ha, v, b, -1);	/* add_copy's copy holds it from here */
	reserve(ha, v, b, +1);
	add_copy(ha, v, b);
	ha_emit(ha, HA_RESTARTED, b, b, v, vm->attempts);
	if (ha->level >= 0)
		ha_sequence(ha);
	else	/* power-on slots freed: throttled VMs of any priority */
		for (uint32_t u = 0; u < ha->nvms; u++)
			if (ha->vms[u].state == VMS_THROTTLED)
				attempt(ha, u);
}

void ha_on_retry(struct ha *ha, uint32_t v, uint32_t epoch)
{
	struct ha_vm *vm = &ha->vms[v];

	if (vm->epoch != epoch || vm->state != VMS_RETRY)
		return;
	attempt(ha, v);
}

/*
 * A host is back.  Its VMs' copies meet the others: a copy that lost its
 * disk lock while cut off is killed (vSphere 5.5+ kills it once the host
 * sees the lock gone); a copy HA had given up on is running again, as
 * far as HA is concerned.
 */
void ha_settle_copies(struct ha *ha, uint32_t h)
{
	for (uint32_t v = 0; v < ha->nvms; v++) {
		struct ha_vm *vm = &ha->vms[v];
		uint32_t other;

		if (vm->copy[0] != h && vm->copy[1] != h) {
			/* it died with the host before HA noticed: restart */
			if (vm->state == VMS_ON && vm->host == h)
				ha_restart_vm(ha, v);
			continue;
		}
		other = vm->copy[0] == h ? vm->copy[1] : vm->copy[0];
		if (vm->lock != h && (other != HA_NONE || vm->lock != HA_NONE)) {
			ha_vm_remove_copy(ha, v, h);
			ha_emit(ha, HA_LOCK_LOST, h, vm->lock, v, 0);
			continue;
		}
		vm->lock = h;
		if (vm->state != VMS_ON && vm->state != VMS_STARTING) {
			vm->state = VMS_ON;
			vm->host = h;
			vm->epoch++;
		}
	}
}

/* ---- the user's power-ons, and the figures --------------------------------- */

/* Admission control's view: hosts up and on the network; VMs running. */
static int adm_view(const struct ha *ha, struct ha_adm_host **hosts,
		    struct ha_adm_vm **vms)
{
	*hosts = calloc(ha->nhosts ? ha->nhosts : 1, sizeof **hosts);
	*vms = calloc(ha->nvms ? ha->nvms : 1, sizeof **vms);
	if (*hosts == NULL || *vms == NULL) {
		free(*hosts);
		free(*vms);
		return SIM_ENOMEM;
	}
	for (uint32_t h = 0; h < ha->nhosts; h++)
		(*hosts)[h] = (struct ha_adm_host){
			ha->hosts[h].cfg.name, ha->hosts[h].cfg.cpu_mhz,
			ha->hosts[h].cfg.mem_mb,
			!ha->hosts[h].failed && !ha->hosts[h].isolated };
	for (uint32_t v = 0; v < ha->nvms; v++) {
		const struct ha_vm *vm = &ha->vms[v];

		(*vms)[v] = (struct ha_adm_vm){
			vm->cfg.name, vm->host, vm->cfg.reservation_mhz,
			vm->cfg.reservation_mb, vm->cfg.overhead_mb,
			vm->state != VMS_OFF && vm->state != VMS_GAVE_UP };
	}
	return SIM_OK;
}

int ha_slots(const struct ha *ha, uint32_t *per_host, struct ha_slots *out)
{
	struct ha_adm_host *hosts;
	struct ha_adm_vm *vms;
	int rc = adm_view(ha, &hosts, &vms);

	if (rc != SIM_OK)
		return rc;
	rc = ha_slots_compute(hosts, ha->nhosts, vms, ha->nvms,
			      &ha->cfg.admission, per_host, out);
	free(hosts);
	free(vms);
	return rc;
}

int ha_percent(const struct ha *ha, struct ha_percent *out)
{
	struct ha_adm_host *hosts;
	struct ha_adm_vm *vms;
	int rc = adm_view(ha, &hosts, &vms);

	if (rc != SIM_OK)
		return rc;
	rc = ha_percent_compute(hosts, ha->nhosts, vms, ha->nvms,
				&ha->cfg.admission, out);
	free(hosts);
	free(vms);
	return rc;
}

int ha_power_on(struct ha *ha, uint32_t v, uint32_t host, uint64_t now_ns,
		char *msg, size_t size)
{
	struct ha_adm_host *hosts;
	struct ha_adm_vm *vms;
	int rc;

	if (v >= ha->nvms || host >= ha->nhosts || ha->hosts[host].failed) {
		snprintf(msg, size, "no such VM or host, or the host is down");
		return SIM_EINVAL;
	}
	if (runs_anywhere(&ha->vms[v])) {
		snprintf(msg, size, "%s is already powered on",
			 ha->vms[v].cfg.name ? ha->vms[v].cfg.name : "?");
		return SIM_ESTATE;
	}
	if (now_ns > ha->now)
		ha->now = now_ns;
	msg[0] = '\0';
	if ((rc = adm_view(ha, &hosts, &vms)) != SIM_OK)
		return rc;
	rc = ha_admission_check(hosts, ha->nhosts, vms, ha->nvms,
				&ha->cfg.admission, v, host, msg, size);
	free(hosts);
	free(vms);
	if (rc == SIM_ESTATE) {
		ha_emit(ha, HA_REFUSED, host, HA_NONE, v, ha->cfg.admission.policy);
		return rc;
	}
	if (rc != SIM_OK)
		return rc;
	ha->vms[v].state = VMS_ON;
	ha->vms[v].host = host;
	reserve(ha, v, host, +1);
	add_copy(ha, v, host);
	ha_emit(ha, HA_POWERED_ON, host, HA_NONE, v, 0);
	return SIM_OK;
}

int ha_adopt_vm(struct ha *ha, uint32_t v, uint32_t host)
{
	if (v >= ha->nvms || host >= ha->nhosts || runs_anywhere(&ha->vms[v]))
		return SIM_EINVAL;
	ha->vms[v].state = VMS_ON;
	ha->vms[v].host = host;
	reserve(ha, v, host, +1);
	ha->vms[v].copy[0] = host;
	ha->vms[v].lock = host;
	return SIM_OK;
}

bool ha_vm_running(const struct ha *ha, uint32_t v, uint32_t *host)
{
	const struct ha_vm *vm = &ha->vms[v];

	if (vm->state != VMS_ON || !runs_on(vm, vm->host))
		return false;
	if (host)
		*host = vm->host;
	return true;
}

uint32_t ha_vm_attempts(const struct ha *ha, uint32_t v)
{
	return ha->vms[v].attempts;
}
