/*
 * ha_admission.h - HA admission control: refuse a power-on that would
 * leave too little room to restart VMs after the failures HA must survive.
 *
 * Three policies [vSphere Availability guide, "Admission control policy";
 * Epping & Denneman, vSphere HA deepdive]:
 *   - slots ("host failures cluster tolerates"): a slot is the largest CPU
 *     reservation (at least 32 MHz) by the largest memory reservation plus
 *     overhead; a host holds min(cpu / slot cpu, mem / slot mem) slots; the
 *     largest hosts, one per failure tolerated, are held back; every
 *     powered-on VM uses a slot;
 *   - percentage: this share of the cluster's CPU and memory stays free of
 *     reservations;
 *   - a dedicated failover host: no VM powers on there; it waits, empty,
 *     for restarts.
 *
 * Worked example (cluster-facts.md, B): hosts 9 GHz/9 GB, 9 GHz/6 GB, 6
 * GHz/6 GB; VMs reserving (2 GHz, 1 GB), (2, 1), (1, 2), (1, 1), (1, 1); one
 * failure tolerated.  Slot 2 GHz / 2 GB; hosts hold 4, 3, 3 slots (10);
 * the 4 of the largest host are held back: 6 usable, 5 used, 1 available;
 * the cluster survives 1 host failure.  The percentage policy on the same
 * cluster: 7 GHz / 6 GB reserved of 24 GHz / 21 GB: 70% CPU and 71% memory
 * free; with 25% configured, 45% and 46% are left for power-ons.
 */
#ifndef SIM_CLUSTER_HA_ADMISSION_H
#define SIM_CLUSTER_HA_ADMISSION_H

#include <stddef.h>
#include <stdint.h>

enum ha_admission {
	HA_ADMISSION_OFF = 0,		/* power-ons are never refused */
	HA_ADMISSION_SLOTS,		/* host failures cluster tolerates */
	HA_ADMISSION_PERCENTAGE,	/* % of resources reserved */
	HA_ADMISSION_FAILOVER_HOST,	/* dedicated failover host */
	HA_ADMISSION_COUNT
};

const char *ha_admission_name(enum ha_admission a);

/* A host as admission control sees it. */
struct ha_adm_host {
	const char *name;	/* borrowed */
	uint32_t cpu_mhz, mem_mb;	/* capacity for VMs */
	uint8_t available;	/* up and in the cluster (counts) */
};

/* A VM as admission control sees it (only powered-on VMs count). */
struct ha_adm_vm {
	const char *name;	/* borrowed */
	uint32_t host;
	uint32_t reservation_mhz, reservation_mb;
	uint32_t overhead_mb;	/* the VMkernel's memory for running it */
	uint8_t powered_on;
};

struct ha_adm_config {
	enum ha_admission policy;
	uint32_t host_failures;	/* slots: failures to survive (1) */
	uint32_t cpu_pct, mem_pct;	/* percentage: kept free (25, 25) */
	uint32_t failover_host;	/* failover host: its index */
	uint32_t min_cpu_mhz;	/* a VM's least CPU reservation: 32 */
	uint32_t min_mem_mb;	/* its least memory reservation: 0 */
};

void ha_adm_config_default(struct ha_adm_config *c);

/* The slot arithmetic, as c:ha_slots() returns it. */
struct ha_slots {
	uint32_t slot_cpu_mhz, slot_mem_mb;
	uint32_t total;		/* slots in every available host */
	uint32_t usable;	/* without the largest hosts held back */
	uint32_t used;		/* powered-on VMs */
	int64_t available;	/* usable - used (negative: overcommitted) */
	uint32_t failover_capacity;	/* host failures survived now */
	uint32_t held_back[4];	/* the hosts held back (first 4) */
};

/*
 * Compute the slots of hosts[nhosts] holding vms[nvms], keeping
 * cfg->host_failures hosts back.  per_host (nhosts entries, may be NULL)
 * gets each host's slots (0 for one not available).
 */
int ha_slots_compute(const struct ha_adm_host *hosts, uint32_t nhosts,
		     const struct ha_adm_vm *vms, uint32_t nvms,
		     const struct ha_adm_config *cfg, uint32_t *per_host,
		     struct ha_slots *out);

/* The percentage policy's figures. */
struct ha_percent {
	uint64_t total_mhz, total_mb;	/* available hosts */
	uint64_t reserved_mhz, reserved_mb;	/* powered-on VMs */
	uint32_t cpu_free_pct, mem_free_pct;	/* current failover capacity */
	int32_t cpu_left_pct, mem_left_pct;	/* minus the configured % */
};

int ha_percent_compute(const struct ha_adm_host *hosts, uint32_t nhosts,
		       const struct ha_adm_vm *vms, uint32_t nvms,
		       const struct ha_adm_config *cfg, struct ha_percent *out);

/*
 * May vms[vm] (not yet powered on) power on on `host` under cfg?  SIM_OK
 * if so; SIM_ESTATE if the policy refuses, with the arithmetic in msg.
 */
int ha_admission_check(const struct ha_adm_host *hosts, uint32_t nhosts,
		       const struct ha_adm_vm *vms, uint32_t nvms,
		       const struct ha_adm_config *cfg, uint32_t vm,
		       uint32_t host, char *msg, size_t size);

#endif
