/*
 * drs_priv.h - what drs.c (the greedy passes) and drs_rules.c (rules and
 * the reasons' words) share: the working model of one pass.
 */
#ifndef SIM_CLUSTER_DRS_PRIV_H
#define SIM_CLUSTER_DRS_PRIV_H

#include <stdbool.h>

#include "cluster/drs.h"

/*
 * One pass works on a copy of the placement, moving VMs in the model as
 * it recommends them.  The imbalance is kept as two running sums over the
 * counted hosts (those that can hold VMs: not failed, not in maintenance),
 * so a candidate move, which changes two hosts' loads, is judged in O(1):
 *
 *   mean = S1 / n,  variance = S2 / n - mean^2   (population)
 */
struct drs_work {
	const struct drs_cluster *c;
	const struct drs_options *s;
	uint32_t *place;	/* VM -> host, as moved so far */
	double *ent;		/* VM -> entitlement, MHz */
	double *load;		/* host -> sum of entitlements / capacity */
	double *inv;		/* host -> 1 / capacity (0: not counted) */
	uint64_t *res_mhz;	/* host -> CPU reservations placed there */
	uint64_t *res_mb;	/* host -> memory reservations placed there */
	uint64_t *mem_cfg;	/* host -> configured memory of its VMs */
	uint32_t *rule_start;	/* VM v's rules: rule_list[rule_start[v] ..] */
	uint32_t *rule_list;
	uint8_t *stuck;		/* VM -> a mandatory move found no host */
	uint32_t counted;	/* hosts in the sums */
	double s1, s2;		/* sum of loads, sum of squared loads */
};

/* A host can hold VMs (and is in the imbalance). */
static inline bool drs_counted(const struct drs_host *h)
{
	return !h->maintenance && !h->unavailable;
}

/* Population standard deviation from the running sums. */
double drs_sd(double s1, double s2, uint32_t n);

/* drs_rules.c: index the rules by VM (rule_start/rule_list). */
int drs_rules_index(struct drs_work *w);

/* Would VM v, placed on host b (the others where they are), keep rule r? */
bool drs_rule_kept(const struct drs_work *w, uint32_t r, uint32_t v,
		   uint32_t b);

/* Would v on b keep every rule it is in? */
bool drs_rules_kept(const struct drs_work *w, uint32_t v, uint32_t b);

/*
 * The next VM a rule obliges to move (it breaks rule *rule where it is):
 * rules in order, a rule's VMs in order; VMs marked stuck are skipped.
 * Returns false when every rule holds.
 */
bool drs_rules_next_violator(const struct drs_work *w, uint32_t *vm,
			     uint32_t *rule);

/* Fill m->reason with why move m is made, in a student's words. */
void drs_reason(const struct drs_work *w, struct drs_move *m, bool every_host_equal);

#endif
