/*
 * drs_maint.c - maintenance mode as a wait: a host entering it, the VMs
 * that keep it waiting, the moment it is empty, its timeout, its
 * cancelling (see drs_maint.h for what vSphere does).
 *
 * VirtualCenter looks at the hosts entering maintenance mode on every
 * tick of its clock: right after a VMotion's switch-over (vmotion.c runs
 * in the same tick), and otherwise once a simulated second [choice: a VM
 * may also leave by powering off, which tells VirtualCenter nothing; a
 * second is the finest step a student reads in the trace's times here].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster_priv.h"
#include "cluster/drs_maint.h"
#include "sim_priv.h"
#include "status.h"

#define POLL_NS 1000000000ull	/* VirtualCenter looks again a second later */

/* One host's wait: the EnterMaintenanceMode task while it runs. */
struct maint_wait {
	bool waiting;		/* the task runs: the host is entering */
	uint64_t since;		/* when it was asked */
	uint64_t deadline;	/* its timeout, or 0: none */
	uint32_t movable;	/* VMs DRS could move, at its last pass */
};

struct drs_maint {
	struct maint_wait host[CLUSTER_MAX_HOSTS];
	int nwaiting;		/* hosts entering maintenance mode */
};

/* The waits, made on first use; NULL if out of memory. */
static struct drs_maint *maint(struct cluster *c)
{
	struct vcenter *vc = cluster_vcenter(c);

	if (vc->maint == NULL)
		vc->maint = calloc(1, sizeof *vc->maint);
	return vc->maint;
}

void drs_maint_free(struct vcenter *vc)
{
	free(vc->maint);
	vc->maint = NULL;
}

/*
 * Is cluster VM i powered on?  A live VM can power itself off (its guest
 * halts, or a user powers its ringside VM off) while VirtualCenter's
 * record still says on: the live VM's own state decides.
 */
static bool powered_on(struct cluster *c, int i)
{
	const struct vm *live = cluster_vm_live(c, i);

	return c->vms[i].state != CVM_OFF && (live == NULL || live->state != VM_OFF);
}

/* Could DRS move VM i now (on, not migrating, no question pending)? */
static bool movable(struct cluster *c, int i)
{
	const struct cluster_vm *v = &c->vms[i];

	return v->state == CVM_ON && v->migration < 0 && powered_on(c, i) &&
	       !cluster_vm_paused(c, i);
}

int drs_maint_vms_left(struct cluster *c, int host, int *paused)
{
	int n = 0, p = 0;

	for (int i = 0; i < c->nvms; i++) {
		if (c->vms[i].host != host || !powered_on(c, i))
			continue;
		n++;
		p += cluster_vm_paused(c, i);
	}
	if (paused)
		*paused = p;
	return n;
}

static uint32_t movable_on(struct cluster *c, int host)
{
	uint32_t n = 0;

	for (int i = 0; i < c->nvms; i++)
		n += c->vms[i].host == host && movable(c, i);
	return n;
}

static void stop_waiting(struct drs_maint *m, int host)
{
	m->host[host].waiting = false;
	m->nwaiting--;
}

/* A pass of DRS at its settings: the mandatory moves among its plan. */
static int pass(struct cluster *c, struct drs_plan *out, char err[GUEST_ERR_MAX])
{
	int t = cluster_vcenter(c)->drs.threshold;

	return drs_cluster_run(c, t ? t : 3, drs_cluster_automation(c), out, err);
}

/* No powered-on VM is left on a host entering: it is in maintenance mode. */
static bool settle(struct cluster *c, struct drs_maint *m, int host,
		   uint64_t now)
{
	uint64_t waited = now - m->host[host].since;

	if (drs_maint_vms_left(c, host, NULL) > 0)
		return false;
	stop_waiting(m, host);
	drs_cluster_emit(c, DRS_MAINTENANCE_DONE, 0xffff, (uint32_t)host,
			 (uint32_t)host, 1, DRS_WHY_MAINTENANCE,
			 (uint32_t)(waited / 1000000000ull), 0, 0);
	cluster_set_host_state(c, host, CHOST_MAINTENANCE);
	return true;
}

int drs_maint_enter(struct cluster *c, int host, uint32_t timeout_s,
		    struct drs_plan *out, char err[GUEST_ERR_MAX])
{
	struct drs_maint *m = maint(c);
	uint64_t now = cluster_now_ns(c);
	struct maint_wait *w;
	int rc;

	err[0] = '\0';
	memset(out, 0, sizeof *out);
	if (host < 0 || host >= c->nhosts) {
		snprintf(err, GUEST_ERR_MAX, "no host %d", host);
		return SIM_EINVAL;
	}
	if (m == NULL)
		return SIM_ENOMEM;
	if (c->hosts[host]->state != CHOST_CONNECTED) {
		snprintf(err, GUEST_ERR_MAX,
			 "%s is %s: only a connected host can be asked to enter maintenance mode",
			 c->hosts[host]->host->name,
			 chost_state_name(c->hosts[host]->state));
		return SIM_ESTATE;
	}
	w = &m->host[host];
	*w = (struct maint_wait){ true, now,
		timeout_s ? now + (uint64_t)timeout_s * 1000000000ull : 0, 0 };
	m->nwaiting++;
	if ((rc = cluster_set_host_state(c, host, CHOST_ENTERING_MAINTENANCE)) != SIM_OK)
		return rc;
	drs_cluster_emit(c, DRS_MAINTENANCE_IN, 0xffff, (uint32_t)host,
			 (uint32_t)host, 1, DRS_WHY_MAINTENANCE, timeout_s, 0, 0);
	rc = pass(c, out, err);
	w->movable = movable_on(c, host);
	settle(c, m, host, now);	/* an empty host enters at once */
	sim_part_wake(c->sim, c, now, false);
	return rc;
}

int drs_maint_exit(struct cluster *c, int host, char err[GUEST_ERR_MAX])
{
	int left, paused;

	err[0] = '\0';
	if (host < 0 || host >= c->nhosts) {
		snprintf(err, GUEST_ERR_MAX, "no host %d", host);
		return SIM_EINVAL;
	}
	if (c->hosts[host]->state == CHOST_ENTERING_MAINTENANCE) {
		left = drs_maint_vms_left(c, host, &paused);
		snprintf(err, GUEST_ERR_MAX,
			 "%s is still entering maintenance mode: %d powered-on VM%s left on it (%d paused with a question pending); migrate or power them off, or cancel the task",
			 c->hosts[host]->host->name, left, left == 1 ? "" : "s",
			 paused);
		return SIM_ESTATE;
	}
	if (c->hosts[host]->state != CHOST_MAINTENANCE) {
		snprintf(err, GUEST_ERR_MAX, "host %d is not in maintenance mode", host);
		return SIM_ESTATE;
	}
	drs_cluster_emit(c, DRS_MAINTENANCE_OUT, 0xffff, (uint32_t)host,
			 (uint32_t)host, 0, DRS_WHY_MAINTENANCE, 0, 0, 0);
	return cluster_set_host_state(c, host, CHOST_CONNECTED);
}

/*
 * The task ends unfinished, by its timeout or cancelled (action): the
 * host is connected again with the VMs still on it, and DRS, which
 * evacuates only hosts entering maintenance mode, leaves them there.
 */
static int give_up(struct cluster *c, struct drs_maint *m, int host,
		   enum drs_action action)
{
	stop_waiting(m, host);
	drs_cluster_emit(c, action, 0xffff, (uint32_t)host, (uint32_t)host, 1,
			 DRS_WHY_MAINTENANCE,
			 (uint32_t)drs_maint_vms_left(c, host, NULL), 0, 0);
	return cluster_set_host_state(c, host, CHOST_CONNECTED);
}

int drs_maint_cancel(struct cluster *c, int host, char err[GUEST_ERR_MAX])
{
	struct drs_maint *m = c->vc.maint;

	err[0] = '\0';
	if (host < 0 || host >= c->nhosts) {
		snprintf(err, GUEST_ERR_MAX, "no host %d", host);
		return SIM_EINVAL;
	}
	if (c->hosts[host]->state != CHOST_ENTERING_MAINTENANCE || m == NULL ||
	    !m->host[host].waiting) {
		snprintf(err, GUEST_ERR_MAX,
			 "%s is %s, not entering maintenance mode: there is no task to cancel",
			 c->hosts[host]->host->name,
			 chost_state_name(c->hosts[host]->state));
		return SIM_ESTATE;
	}
	return give_up(c, m, host, DRS_MAINTENANCE_CANCELLED);
}

/*
 * One host's wait, at now: empty, it enters; past the timeout, the task
 * fails and the host is connected again; a VM that can move now and
 * could not at the last pass (its question answered, a VMotion given
 * up) is moved by fully automated DRS.  Returns when to look again.
 */
static uint64_t watch(struct cluster *c, struct drs_maint *m, int host,
		      uint64_t now)
{
	struct maint_wait *w = &m->host[host];
	uint32_t n;

	if (c->hosts[host]->state != CHOST_ENTERING_MAINTENANCE) {
		stop_waiting(m, host);	/* failed, cut off: the task ends */
		return UINT64_MAX;
	}
	if (settle(c, m, host, now))
		return UINT64_MAX;
	if (w->deadline && now >= w->deadline) {
		give_up(c, m, host, DRS_MAINTENANCE_TIMEOUT);
		return UINT64_MAX;
	}
	n = movable_on(c, host);
	if (n > w->movable && drs_cluster_automation(c) == DRS_FULL) {
		struct drs_plan p;
		char err[GUEST_ERR_MAX];

		if (pass(c, &p, err) == SIM_OK)
			drs_plan_free(&p);
		n = movable_on(c, host);
	}
	w->movable = n;
	return w->deadline && w->deadline < now + POLL_NS ? w->deadline
							  : now + POLL_NS;
}

uint64_t drs_maint_tick(struct cluster *c, uint64_t now)
{
	struct drs_maint *m = c->vc.maint;
	uint64_t next = UINT64_MAX;

	for (int h = 0; m != NULL && m->nwaiting > 0 && h < c->nhosts; h++) {
		uint64_t t;

		if (!m->host[h].waiting)
			continue;
		t = watch(c, m, h, now);
		next = t < next ? t : next;
	}
	return next;
}

/* ---- stepping back ------------------------------------------------------------ */

/* The waits as they were (none: NULL inside). */
struct drs_maint_state {
	bool exists;
	struct drs_maint m;
};

void drs_maint_state_free(struct drs_maint_state *st)
{
	free(st);
}

int drs_maint_save(const struct vcenter *vc, struct drs_maint_state **out)
{
	struct drs_maint_state *st = calloc(1, sizeof *st);

	if (st == NULL)
		return SIM_ENOMEM;
	if (vc->maint != NULL) {
		st->exists = true;
		st->m = *vc->maint;
	}
	*out = st;
	return SIM_OK;
}

int drs_maint_load(struct vcenter *vc, const struct drs_maint_state *st)
{
	if (!st->exists) {
		drs_maint_free(vc);
		return SIM_OK;
	}
	if (vc->maint == NULL && (vc->maint = malloc(sizeof *vc->maint)) == NULL)
		return SIM_ENOMEM;
	*vc->maint = st->m;
	return SIM_OK;
}
