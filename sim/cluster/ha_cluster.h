/*
 * ha_cluster.h - HA turned on for a cluster (cluster.h): its agents' model
 * (ha.h) built from the cluster's hosts and VMs, driven by VirtualCenter's
 * clock, and what HA decides written back to the cluster (a VM off with
 * its host, a VM powered on elsewhere).  Failures happen through here.
 */
#ifndef SIM_CLUSTER_HA_CLUSTER_H
#define SIM_CLUSTER_HA_CLUSTER_H

#include "cluster/cluster.h"
#include "cluster/ha.h"

struct ha_cluster_config {
	bool enabled;
	enum ha_admission admission;	/* slots (default) */
	uint32_t host_failures;		/* slots: 1 */
	uint32_t cpu_pct, mem_pct;	/* percentage: 25, 25 */
	int failover_host;		/* failover_host: its index */
	bool no_isolation_address;	/* isolation never declared */
	uint32_t hb_datastores;		/* 2; 0 = none */
	enum ha_readiness readiness;	/* poweredOn */
};

void ha_cluster_config_default(struct ha_cluster_config *cfg);

/* Turn HA on (the master is elected 15 s later) or off. */
int ha_cluster_configure(struct cluster *c, const struct ha_cluster_config *cfg,
			 char err[GUEST_ERR_MAX]);

/* HA's model of the cluster, or NULL while HA is off. */
struct ha *ha_cluster_ha(struct cluster *c);

/*
 * What happens to hosts.  Without HA, a failed host's VMs just stop; with
 * it, they come back elsewhere as HA's timeline says.
 */
int ha_cluster_fail_host(struct cluster *c, int host, char err[GUEST_ERR_MAX]);
int ha_cluster_isolate_host(struct cluster *c, int host, bool storage_too,
			    char err[GUEST_ERR_MAX]);
/* side[h] for every host: which side of the split it is on. */
int ha_cluster_partition(struct cluster *c, const int *side,
			 char err[GUEST_ERR_MAX]);
int ha_cluster_restore_host(struct cluster *c, int host,
			    char err[GUEST_ERR_MAX]);

/* Power a VM on through admission control (SIM_ESTATE + why if refused). */
int ha_cluster_power_on(struct cluster *c, int vm, char err[GUEST_ERR_MAX]);

/* Admission control's figures now (per_host: nhosts entries, or NULL). */
int ha_cluster_slots(struct cluster *c, uint32_t *per_host,
		     struct ha_slots *out);
int ha_cluster_percent(struct cluster *c, struct ha_percent *out);

void ha_cluster_free(struct vcenter *vc);

#endif
