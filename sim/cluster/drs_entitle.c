/*
 * drs_entitle.c - DRS's entitlements: the cluster's CPU divided among its
 * VMs from their demand, reservation, limit and shares.
 */
#include "cluster/drs.h"
#include "status.h"

/* What a VM would use uncontended: demand, at least its reservation, at
 * most its limit. */
static double wanted(const struct drs_vm *v)
{
	double want = v->demand_mhz > v->reservation_mhz ? v->demand_mhz
							  : v->reservation_mhz;

	if (v->limit_mhz && want > v->limit_mhz)
		want = v->limit_mhz;
	return want;
}

static double floor_mhz(const struct drs_vm *v)
{
	if (v->limit_mhz && v->reservation_mhz > v->limit_mhz)
		return v->limit_mhz;
	return v->reservation_mhz;
}

static double shares_of(const struct drs_vm *v)
{
	return v->shares ? v->shares : 1000.0;
}

/* At share level lambda a VM gets lambda x shares, kept between its
 * reservation and what it wants. */
static double at_level(const struct drs_vm *v, double lambda)
{
	double e = lambda * shares_of(v), lo = floor_mhz(v), hi = wanted(v);

	return e < lo ? lo : e > hi ? hi : e;
}

/*
 * Two passes, as the divvy does [Gulati 2012, 3.1]: first every VM gets
 * its reservation, then what is left goes out in proportion to shares, no
 * VM getting more than it wants.  The share level is found by bisection
 * (the total is monotonic in it).  When everything wanted fits, every VM
 * is entitled to what it wants.
 */
int drs_entitlements(const struct drs_cluster *c, double *ent)
{
	double cap = 0.0, want = 0.0, lo = 0.0, hi = 0.0;

	for (uint32_t h = 0; h < c->nhosts; h++)
		if (!c->hosts[h].unavailable)
			cap += c->hosts[h].cpu_mhz;
	for (uint32_t i = 0; i < c->nvms; i++) {
		double per = wanted(&c->vms[i]) / shares_of(&c->vms[i]);

		want += wanted(&c->vms[i]);
		if (per > hi)
			hi = per;
	}
	if (want > cap) {
		for (int it = 0; it < 100; it++) {
			double mid = (lo + hi) / 2, sum = 0.0;

			for (uint32_t i = 0; i < c->nvms; i++)
				sum += at_level(&c->vms[i], mid);
			if (sum > cap)
				hi = mid;
			else
				lo = mid;
		}
	} else {
		lo = hi;
	}
	for (uint32_t i = 0; i < c->nvms; i++)
		ent[i] = at_level(&c->vms[i], lo);
	return SIM_OK;
}

