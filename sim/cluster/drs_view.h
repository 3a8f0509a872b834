/*
 * drs_view.h - the cluster as DRS sees it: VirtualCenter's inventory
 * (hosts, powered-on VMs, rules) copied into the plain model drs.c works
 * on (drs.h), with the map between DRS's VM indices and the cluster's.
 * Private to the DRS files of sim/cluster.
 */
#ifndef SIM_CLUSTER_DRS_VIEW_H
#define SIM_CLUSTER_DRS_VIEW_H

#include <stdint.h>

#include "cluster/drs.h"

struct cluster;

struct drs_view {
	struct drs_cluster dc;
	struct drs_host *hosts;
	struct drs_vm *vms;		/* one spare slot after the last */
	int *id;		/* DRS's VM index -> cluster VM id */
	int *index;		/* cluster VM id -> DRS's index, or -1 */
	struct drs_rule *rules;	/* over DRS's indices */
	uint32_t *rule_vms;
};

/*
 * Build v from cluster c and its DRS rules (over cluster VM ids); the
 * rules keep only their powered-on VMs.  A powered-off VM still holds its
 * host's memory (mem_fixed_mb).  v must be freed even on failure.
 */
int drs_view_build(struct cluster *c, const struct drs_rule *rules,
		   uint32_t nrules, struct drs_view *v);
void drs_view_free(struct drs_view *v);

#endif
