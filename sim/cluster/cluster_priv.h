/*
 * cluster_priv.h - the cluster's insides, for the files of sim/cluster/ (the
 * cluster, VirtualCenter, VMotion, DRS, HA).  Not public API.
 */
#ifndef SIM_CLUSTER_PRIV_H
#define SIM_CLUSTER_PRIV_H

#include "cluster/cluster.h"
#include "cluster/drs_cluster.h"

#define VCENTER_MAX_TIMERS 16

struct vcenter_timer {
	uint64_t at;			/* when it runs next */
	vcenter_timer_fn *fn;
	void *ctx;
};

struct migration;
struct drs_state;	/* drs_cluster.c */
struct drs_maint;	/* drs_maint.c */
struct ha_link;		/* ha_cluster.c */

struct vcenter {
	struct cluster *cluster;
	struct drs_settings drs;
	struct ha_settings ha;
	struct vcenter_timer timers[VCENTER_MAX_TIMERS];
	int ntimers;
	/* VMotion (vmotion.c): every migration, and those in flight */
	struct migration **mig;		/* growable, nmig used */
	int nmig, mig_cap;
	int *active;			/* ids of those in flight */
	int nactive, active_cap;
	struct drs_state *drs_state;	/* DRS: rules, last pass */
	struct drs_maint *maint;	/* hosts entering maintenance mode */
	struct ha_link *ha_link;	/* HA: its agents' model */
	uint32_t ha_configs;		/* times HA was configured (ha{}) */
};

struct cluster {
	int index;			/* which cluster of the world */
	char name[CLUSTER_NAME_MAX];
	struct sim *sim;
	struct cluster_config cfg;	/* strings point into this struct */
	struct cluster_host *hosts[CLUSTER_MAX_HOSTS];
	int nhosts;
	struct datastore **ds;		/* growable */
	int nds, ds_cap;
	char networks[CLUSTER_MAX_NETWORKS][CLUSTER_NAME_MAX];
	int nnetworks;
	int shared_ds;			/* the one made with it, or -1 */
	int default_network;
	struct cluster_vm *vms;		/* growable array of records */
	int nvms, vms_cap;
	struct vcenter vc;
};

/* Emit an EV_CLUSTER event at time t. */
void cluster_emit(struct cluster *c, uint64_t t, struct event *ev);

/* Host totals: add (sign 1) or take away (-1) a VM's share. */
void cluster_account(struct cluster *c, const struct cluster_vm *v, int sign);

/* VirtualCenter's clock work (vmotion.c): due migrations; next deadline. */
uint64_t vmotion_tick(struct cluster *c, uint64_t now, bool *busy);
void vmotion_free_all(struct vcenter *vc);

/* VirtualCenter (vcenter.c): its timers, then the migrations, at the
 * world's time now; the next deadline.  Freeing what it holds. */
uint64_t vcenter_tick(struct cluster *c, uint64_t now, bool *busy);
void vcenter_free(struct vcenter *vc);

/* DRS's and HA's state go with VirtualCenter (drs_cluster.c, ha_cluster.c). */
void drs_cluster_free(struct vcenter *vc);
void ha_cluster_free(struct vcenter *vc);
void drs_maint_free(struct vcenter *vc);

/* An EV_DRS event now (drs_cluster.c; drs_maint.c's too). */
void drs_cluster_emit(struct cluster *c, enum drs_action action, uint32_t vm,
		      uint32_t from, uint32_t to, int priority, int why,
		      uint32_t mhz, double before, double after);

/*
 * VirtualCenter's clock reached now: hosts entering maintenance mode
 * (drs_maint.c) that are empty enter it, those past their timeout give
 * up, and DRS moves a VM that became movable.  The next time it must
 * look, or UINT64_MAX when no host is entering.
 */
uint64_t drs_maint_tick(struct cluster *c, uint64_t now);

/*
 * Stepping back (history.h): each owner saves its piece of the cluster's
 * state and puts it back; the cluster (cluster.c) is the world's part and
 * gathers them.  Records are copied as arrays (a 10,000-VM cluster is one
 * copy of its VM records), migrations only while in flight (a finished
 * one never changes again).  Things only ever appended (VMs, datastores,
 * rules, migrations) are cut back to their number then.
 */
struct cluster_vm_state;	/* cluster_vm.c: the VMs' records */
int cluster_vm_save(const struct cluster *c, struct cluster_vm_state **out);
int cluster_vm_load(struct cluster *c, const struct cluster_vm_state *st);
void cluster_vm_state_free(struct cluster_vm_state *st);

struct vcenter_state;		/* vcenter.c: settings, timers, and below */
int vcenter_save(const struct vcenter *vc, struct vcenter_state **out);
int vcenter_load(struct vcenter *vc, const struct vcenter_state *st);
bool vcenter_fits(const struct vcenter *vc, const struct vcenter_state *st);
void vcenter_state_free(struct vcenter_state *st);

struct vmotion_state;		/* vmotion.c: the migrations */
int vmotion_save(const struct vcenter *vc, struct vmotion_state **out);
void vmotion_load(struct vcenter *vc, const struct vmotion_state *st);
void vmotion_state_free(struct vmotion_state *st);

struct drs_cluster_state;	/* drs_cluster.c: rules, the last pass */
int drs_cluster_save(const struct vcenter *vc, struct drs_cluster_state **out);
int drs_cluster_load(struct vcenter *vc, const struct drs_cluster_state *st);
void drs_cluster_state_free(struct drs_cluster_state *st);

struct drs_maint_state;	/* drs_maint.c: the waits for maintenance */
int drs_maint_save(const struct vcenter *vc, struct drs_maint_state **out);
int drs_maint_load(struct vcenter *vc, const struct drs_maint_state *st);
void drs_maint_state_free(struct drs_maint_state *st);

struct ha_cluster_state;	/* ha_cluster.c: the agents' model */
int ha_cluster_save(const struct vcenter *vc, struct ha_cluster_state **out);
int ha_cluster_load(struct vcenter *vc, const struct ha_cluster_state *st);
bool ha_cluster_fits(const struct vcenter *vc,
		     const struct ha_cluster_state *st);
void ha_cluster_state_free(struct ha_cluster_state *st);

#endif
