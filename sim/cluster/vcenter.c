/*
 * vcenter.c - VirtualCenter, the cluster's manager: DRS's and HA's
 * settings, and its timers.  A timer is a function VirtualCenter runs at
 * a time of the world's clock (DRS's periodic pass, HA's heartbeats); it
 * returns the delay to its next run, or 0 when done.  The cluster's part
 * of the world's clock (cluster.c) runs the timers, then the migrations
 * in flight (vmotion.c).
 */
#include <stdint.h>
#include <stdlib.h>

#include "cluster/cluster_priv.h"
#include "sim_priv.h"
#include "status.h"

struct drs_settings *vcenter_drs(struct vcenter *vc)
{
	return &vc->drs;
}

struct ha_settings *vcenter_ha(struct vcenter *vc)
{
	return &vc->ha;
}

int vcenter_add_timer(struct vcenter *vc, uint64_t t_ns, vcenter_timer_fn *fn,
		      void *ctx)
{
	if (vc->ntimers == VCENTER_MAX_TIMERS)
		return SIM_ESTATE;
	vc->timers[vc->ntimers++] = (struct vcenter_timer){ t_ns, fn, ctx };
	sim_part_wake(vc->cluster->sim, vc->cluster, t_ns, false);
	return SIM_OK;
}

/* The world's clock reached now: VirtualCenter's timers and migrations. */
uint64_t vcenter_tick(struct cluster *c, uint64_t now, bool *busy)
{
	struct vcenter *vc = &c->vc;
	uint64_t next = UINT64_MAX, mig;

	/* timers first: one may start migrations (DRS's pass), which
	 * vmotion_tick then schedules */
	for (int i = 0; i < vc->ntimers; i++) {
		struct vcenter_timer *t = &vc->timers[i];

		if (t->at <= now) {
			uint64_t again = t->fn(c, t->ctx, now);

			if (again == 0) {
				vc->timers[i--] = vc->timers[--vc->ntimers];
				continue;
			}
			t->at = now + again;
		}
		if (t->at < next)
			next = t->at;
	}
	mig = vmotion_tick(c, now, busy);
	next = mig < next ? mig : next;
	/* after the switch-overs: a host they emptied enters maintenance */
	mig = drs_maint_tick(c, now);
	return mig < next ? mig : next;
}

void vcenter_free(struct vcenter *vc)
{
	vmotion_free_all(vc);
	drs_cluster_free(vc);
	drs_maint_free(vc);
	ha_cluster_free(vc);
}

/* ---- stepping back ------------------------------------------------------------ */

/* VirtualCenter's settings and timers, and what VMotion, DRS and HA keep. */
struct vcenter_state {
	struct drs_settings drs;
	struct ha_settings ha;
	struct vcenter_timer timers[VCENTER_MAX_TIMERS];
	int ntimers;
	struct vmotion_state *mig;
	struct drs_cluster_state *drs_state;
	struct drs_maint_state *maint;
	struct ha_cluster_state *ha_state;
};

void vcenter_state_free(struct vcenter_state *st)
{
	if (st == NULL)
		return;
	vmotion_state_free(st->mig);
	drs_cluster_state_free(st->drs_state);
	drs_maint_state_free(st->maint);
	ha_cluster_state_free(st->ha_state);
	free(st);
}

int vcenter_save(const struct vcenter *vc, struct vcenter_state **out)
{
	struct vcenter_state *st = calloc(1, sizeof *st);
	int rc;

	if (st == NULL)
		return SIM_ENOMEM;
	st->drs = vc->drs;
	st->ha = vc->ha;
	st->ntimers = vc->ntimers;
	for (int i = 0; i < vc->ntimers; i++)
		st->timers[i] = vc->timers[i];
	if ((rc = vmotion_save(vc, &st->mig)) != SIM_OK ||
	    (rc = drs_cluster_save(vc, &st->drs_state)) != SIM_OK ||
	    (rc = drs_maint_save(vc, &st->maint)) != SIM_OK ||
	    (rc = ha_cluster_save(vc, &st->ha_state)) != SIM_OK) {
		vcenter_state_free(st);
		return rc;
	}
	*out = st;
	return SIM_OK;
}

/* A timer's context (HA's agents) must still be the one it was. */
bool vcenter_fits(const struct vcenter *vc, const struct vcenter_state *st)
{
	return ha_cluster_fits(vc, st->ha_state);
}

int vcenter_load(struct vcenter *vc, const struct vcenter_state *st)
{
	int rc;

	if (!vcenter_fits(vc, st))
		return SIM_ESTATE;
	vc->drs = st->drs;
	vc->ha = st->ha;
	vc->ntimers = st->ntimers;
	for (int i = 0; i < st->ntimers; i++)
		vc->timers[i] = st->timers[i];
	vmotion_load(vc, st->mig);
	if ((rc = drs_cluster_load(vc, st->drs_state)) != SIM_OK ||
	    (rc = drs_maint_load(vc, st->maint)) != SIM_OK)
		return rc;
	return ha_cluster_load(vc, st->ha_state);
}
