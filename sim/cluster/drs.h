/*
 * drs.h - DRS: balancing a cluster's load by moving VMs with VMotion.
 *
 * The published design [Gulati et al., "VMware Distributed Resource
 * Management: Design, Implementation, and Lessons Learned", VMware Technical
 * Journal 1(1), 2012; vSphere Resource Management guide; VMware KB 1007485]:
 *
 *   - each VM is entitled to a share of the cluster's CPU, from its demand,
 *     shares, reservation and limit;
 *   - a host's load is the sum of its VMs' entitlements over its capacity
 *     ("normalized entitlement"); the cluster's imbalance is the standard
 *     deviation of the host loads;
 *   - the imbalance a threshold tolerates, and each recommendation's
 *     priority, come from one formula: priority = 6 - ceil(imbalance / 0.1 *
 *     sqrt(hosts)); a recommendation is made when priority <= threshold;
 *   - greedy: try every move the rules allow, keep the one with the
 *     greatest goodness (imbalance before - imbalance after) that passes
 *     the cost-benefit filter, apply it to the model, repeat;
 *   - mandatory moves (priority 1) first: a host entering maintenance is
 *     emptied, a broken rule is fixed.
 *
 * This module is pure arithmetic over the small structs below, filled by
 * whoever owns the cluster (sim/cluster/ or a test).  It decides; it does
 * not move anything: the plan's moves are carried out by VMotion.
 */
#ifndef SIM_CLUSTER_DRS_H
#define SIM_CLUSTER_DRS_H

#include <stddef.h>
#include <stdint.h>

/* A host as DRS sees it. */
struct drs_host {
	const char *name;	/* borrowed; for the reasons' text */
	uint32_t cpu_mhz;	/* CPU capacity for VMs */
	uint32_t mem_mb;	/* memory for VMs: their configured memory and
				   their reservations must fit (VMotion's
				   check, which DRS's moves must pass) */
	uint8_t maintenance;	/* entering maintenance: empty it, take none */
	uint8_t unavailable;	/* failed, isolated, off: not a destination */
	uint32_t mem_fixed_mb;	/* memory of VMs DRS does not see (off) */
};

/* A powered-on VM as DRS sees it. */
struct drs_vm {
	const char *name;	/* borrowed */
	uint32_t host;		/* index into the cluster's hosts */
	uint32_t demand_mhz;	/* CPU it would use if nothing held it back */
	uint32_t reservation_mhz;	/* guaranteed CPU */
	uint32_t limit_mhz;	/* cap; 0 = unlimited */
	uint32_t shares;	/* relative weight under contention; 0 = 1000 */
	uint32_t mem_mb;	/* configured memory (what VMotion copies) */
	uint32_t reservation_mb;	/* guaranteed memory (admission) */
	uint32_t dirty_mb_s;	/* how fast it dirties memory (VMotion) */
	uint8_t pinned;		/* being migrated already, or paused with a
				   question pending: it stays put */
	uint8_t question;	/* paused with a question pending (pinned
				   too): VMotion refuses it until answered */
};

/*
 * Rules.  VM-VM: keep a set of VMs together on one host (affinity) or on
 * different hosts (anti-affinity).  VM-host: a set of VMs must (or should)
 * run on, or not run on, a set of hosts.  DRS never makes a move that
 * breaks any of them, and fixes a broken one first.
 */
enum drs_rule_kind {
	DRS_RULE_TOGETHER = 0,	/* VM-VM affinity */
	DRS_RULE_APART,		/* VM-VM anti-affinity */
	DRS_RULE_ON_HOSTS,	/* VM-host: run on one of `hosts` */
	DRS_RULE_OFF_HOSTS,	/* VM-host: run on none of `hosts` */
	DRS_RULE_KIND_COUNT
};

struct drs_rule {
	const char *name;	/* borrowed */
	enum drs_rule_kind kind;
	uint8_t must;		/* 1 must, 0 should (HA ignores "should") */
	const uint32_t *vms;	/* VM indices, borrowed */
	uint32_t nvms;
	const uint32_t *hosts;	/* host indices (VM-host rules), borrowed */
	uint32_t nhosts;
};

/* The cluster, as the caller fills it (all borrowed). */
struct drs_cluster {
	const struct drs_host *hosts;
	uint32_t nhosts;
	const struct drs_vm *vms;
	uint32_t nvms;
	const struct drs_rule *rules;
	uint32_t nrules;
};

/* The knobs.  drs_options_default() gives vSphere's defaults. */
struct drs_options {
	int threshold;		/* 1 (mandatory only) .. 5 (aggressive); 3 */
	uint32_t period_s;	/* invocation period: 300 s (5 minutes) */
	uint32_t vmotion_mb_s;	/* VMotion bandwidth for the cost: 128 */
	uint32_t max_moves;	/* cap on moves in one pass; 0 = none */
	double min_goodness;	/* smallest improvement worth a move */
};

void drs_options_default(struct drs_options *s);

/* Why a move is recommended. */
enum drs_why {
	DRS_WHY_BALANCE = 0,	/* load balancing */
	DRS_WHY_MAINTENANCE,	/* its host enters maintenance mode */
	DRS_WHY_RULE,		/* it breaks a rule where it is */
	DRS_WHY_COUNT
};

const char *drs_why_name(enum drs_why w);

#define DRS_REASON_MAX 200

/* One recommended move, with the arithmetic behind it. */
struct drs_move {
	uint32_t vm, from, to;	/* indices into the cluster */
	int priority;		/* 1 mandatory .. 5 */
	enum drs_why why;
	uint32_t rule;		/* DRS_WHY_RULE: the rule it fixes */
	double goodness;	/* imbalance before - after */
	double imbalance_before, imbalance_after;
	double load_from_before, load_to_before;	/* host loads */
	double load_from_after, load_to_after;
	double vmotion_s;	/* estimated VMotion time (cost) */
	char reason[DRS_REASON_MAX];	/* why, in a student's words */
};

/*
 * What one pass decided.  The moves are in the order they would be made;
 * each was evaluated on the cluster as the ones before it left it.
 * `stuck` counts mandatory moves no host could take (a maintenance host
 * that cannot be emptied, a rule no move can fix); `note` says the first.
 */
struct drs_plan {
	struct drs_move *moves;	/* owned; drs_plan_free */
	size_t nmoves;
	double *entitlement_mhz;	/* per VM, owned */
	double imbalance;	/* before the pass */
	double imbalance_after;	/* after every move */
	double target;		/* the imbalance the threshold tolerates */
	int priority;		/* of the imbalance before: 2..5, 6 = none */
	uint32_t stuck;
	char note[DRS_REASON_MAX];
};

/*
 * Compute a plan for cluster c under settings s.  Fills *out (the caller
 * frees it with drs_plan_free).  Returns SIM_EINVAL, with a sentence in
 * out->note, when the cluster refers to hosts or VMs that do not exist.
 */
int drs_plan(const struct drs_cluster *c, const struct drs_options *s,
	     struct drs_plan *out);

void drs_plan_free(struct drs_plan *p);

/*
 * Entitlements (MHz, per VM, into ent[nvms]): the cluster's capacity
 * divided among the VMs, from reservation, shares, demand and limit.
 */
int drs_entitlements(const struct drs_cluster *c, double *ent);

/* The imbalance of cluster c as it stands (population std dev of loads). */
double drs_imbalance(const struct drs_cluster *c);

/*
 * The published priority formula, clamped: 6 - ceil(imbalance / 0.1 *
 * sqrt(nhosts)), at least 2 (priority 1 is kept for mandatory moves); 6
 * means "balanced: no recommendation".
 */
int drs_priority(double imbalance, uint32_t nhosts);

/* The largest imbalance a threshold tolerates: 0.1 * (5 - t) / sqrt(n). */
double drs_target(int threshold, uint32_t nhosts);

/*
 * How long VMotion of vm takes at bw MB/s: iterative pre-copy, round i
 * sends M * l^i with l = dirty / bandwidth, until what remains fits the
 * 300 ms switch-over (QEMU's rule).  Returns a negative value when it
 * cannot converge (l >= 1).
 */
double drs_vmotion_seconds(const struct drs_vm *vm, uint32_t bw_mb_s);

#endif
