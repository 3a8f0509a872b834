/*
 * drs_cluster.h - DRS run by VirtualCenter on a cluster (cluster.h): the
 * cluster's hosts and powered-on VMs handed to the algorithm (drs.h), its
 * recommendations emitted as EV_DRS events and, when DRS is automated,
 * carried out; rules; a pass every five minutes.  Maintenance mode, the
 * wait for a host's VMs to leave, is drs_maint.h.
 *
 * Automation levels [vSphere Resource Management guide, "DRS automation
 * levels"]: manual (recommendations only: the administrator applies
 * them), partially automated (initial placement automatic, migrations
 * still recommended), fully automated (migrations carried out).
 */
#ifndef SIM_CLUSTER_DRS_CLUSTER_H
#define SIM_CLUSTER_DRS_CLUSTER_H

#include "cluster/cluster.h"
#include "cluster/drs.h"

enum drs_automation {
	DRS_MANUAL = 0,
	DRS_PARTIAL,
	DRS_FULL,
	DRS_AUTOMATION_COUNT
};

const char *drs_automation_name(enum drs_automation a);
int drs_automation_parse(const char *name, enum drs_automation *out);

/* EV_DRS's action. */
enum drs_action {
	DRS_PASS = 0,		/* a pass: imbalance, target, moves */
	DRS_RECOMMEND,		/* a move recommended */
	DRS_APPLIED,		/* a move carried out */
	DRS_STUCK,		/* a mandatory move no host can take */
	DRS_MAINTENANCE_IN,	/* a host is asked to enter maintenance mode */
	DRS_MAINTENANCE_OUT,	/* a host leaves it */
	DRS_PLACED,		/* initial placement: a new VM's host chosen */
	DRS_MAINTENANCE_DONE,	/* the host is in maintenance mode (mhz: the
				   seconds it waited for its VMs) */
	DRS_MAINTENANCE_TIMEOUT,	/* the task's timeout expired first (mhz:
				   powered-on VMs left): connected again */
	DRS_MAINTENANCE_CANCELLED,	/* the task was cancelled (mhz: powered-on
				   VMs left): connected again */
	DRS_ACTION_COUNT
};

const char *drs_action_name(enum drs_action a);

struct drs_cluster_config {
	bool enabled;		/* run every period_s */
	int threshold;		/* 1..5 (3) */
	enum drs_automation automation;	/* (fully automated) */
	uint32_t period_s;	/* 300 */
};

/* Change DRS's settings (0 fields: keep).  Enabling starts the timer. */
int drs_cluster_configure(struct cluster *c, const struct drs_cluster_config *cfg,
			  char err[GUEST_ERR_MAX]);

/* A rule over cluster VM ids and host indices (copied). */
int drs_cluster_add_rule(struct cluster *c, const char *name,
			 enum drs_rule_kind kind, bool must, const int *vms,
			 int nvms, const int *hosts, int nhosts,
			 char err[GUEST_ERR_MAX]);

/*
 * One pass now with threshold t and automation a: fills *out (vm, from,
 * to are cluster ids and indices), emits EV_DRS events, and, fully
 * automated, carries the moves out.  The caller frees out.
 */
int drs_cluster_run(struct cluster *c, int threshold, enum drs_automation a,
		    struct drs_plan *out, char err[GUEST_ERR_MAX]);

/* Carry out one recommended move (the administrator's "apply"). */
int drs_cluster_apply(struct cluster *c, const struct drs_move *m,
		      char err[GUEST_ERR_MAX]);

/*
 * Initial placement: add VM cfg (cfg->host ignored) on the host DRS
 * chooses, the one where it leaves the least imbalance among those that
 * can take it (connected, its network and datastore, room for its
 * memory and reservations; the lowest index on a tie).  DRS places VMs
 * itself when partially or fully automated; manual, it only recommends
 * (refused: err names the host it recommends); off, it does not place.
 * A DRS_PLACED event says where and why.
 */
int drs_cluster_add_vm(struct cluster *c, const struct cluster_vm_config *cfg,
		       int *out, char err[GUEST_ERR_MAX]);

/* The cluster's imbalance now, and the target of its threshold. */
double drs_cluster_imbalance(struct cluster *c, double *target);

/* The last pass's plan (NULL before the first); owned by the cluster. */
const struct drs_plan *drs_cluster_last(struct cluster *c);

/* The automation level DRS runs at (fully automated until configured). */
enum drs_automation drs_cluster_automation(struct cluster *c);

/* VirtualCenter frees DRS's state with the cluster. */
void drs_cluster_free(struct vcenter *vc);

#endif
