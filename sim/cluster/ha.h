/*
 * ha.h - vSphere HA (FDM, vSphere 5.0 and later): detecting a failed,
 * isolated or partitioned host and restarting its VMs elsewhere.
 *
 * The published design [Epping & Denneman, "vSphere HA deepdive" (5.x-6.x
 * editions); vSphere Availability guide; vSphere API reference,
 * ClusterDasConfigInfo]; the numbers are in cluster-facts.md:
 *
 *   - one host is the master, elected by the rule "most datastores, then
 *     the highest managed object id, compared as text"; the others are
 *     slaves; the master and slaves send each other network heartbeats
 *     every second; each host also writes heartbeats on two heartbeat
 *     datastores, which is how the master tells a dead host from one it
 *     merely cannot reach;
 *   - a slave that fails:  T0 fail; T3 the master starts watching its
 *     datastore heartbeats; T10 it is unreachable and the master pings it
 *     for 5 s; dead at T15 without heartbeat datastores, at T18 with them;
 *     then its VMs are restarted;
 *   - the master that fails: T10 the slaves start an election; T25 a new
 *     master; T35 it restarts what is not running;
 *   - isolation (5.1+): a slave cut off from the management network starts
 *     an election at T10, elects itself at T25, pings its isolation
 *     address and declares itself isolated at T30; the isolation response
 *     follows at T60 (fdm.isolationPolicyDelaySec, 30 s); an isolated
 *     master declares itself isolated at T5, responds at T35;
 *   - a partition: each side without a master elects one (T10, T25); a
 *     host the master cannot reach but whose datastore heartbeats go on is
 *     partitioned or isolated, not dead, and its VMs are left alone;
 *   - restarts in priority order (highest .. lowest; disabled never), each
 *     priority waiting for the one before by the readiness condition
 *     (none, or poweredOn with a 600 s timeout), at most 32 power-ons at a
 *     time per host, on hosts with room for the VM's reservations and
 *     where its "must" rules allow; a VM no host can take is tried again
 *     at T0 + 2, 6, 14 and 30 minutes (5 attempts in all);
 *   - a VM's disk can be opened by one host only (the VMFS lock): a
 *     restart fails while another copy still runs and holds it.
 *
 * Every step is an event (EV_HA) at its simulated time.  The module keeps
 * its own view of hosts and VMs (what FDM knows) and tells its owner, by
 * callback, when a VM powers on or off.
 */
#ifndef SIM_CLUSTER_HA_H
#define SIM_CLUSTER_HA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cluster/drs.h"
#include "cluster/ha_admission.h"
#include "event.h"

#define HA_NONE UINT32_MAX
#define HA_SECOND 1000000000ull

/* Restart priority (das.vm.restartPriority), lowest first. */
enum ha_priority {
	HA_PRIO_DISABLED = 0,	/* never restarted */
	HA_PRIO_LOWEST,
	HA_PRIO_LOW,
	HA_PRIO_MEDIUM,		/* the default */
	HA_PRIO_HIGH,
	HA_PRIO_HIGHEST,
	HA_PRIO_COUNT
};

/* What an isolated host does with a VM. */
enum ha_isolation {
	HA_ISO_LEAVE_ON = 0,	/* leave powered on (the 5.0+ default) */
	HA_ISO_POWER_OFF,	/* power off at once */
	HA_ISO_SHUTDOWN,	/* guest shutdown; power off after 300 s */
	HA_ISO_COUNT
};

/* When the next priority may start. */
enum ha_readiness {
	HA_READY_NONE = 0,	/* at once */
	HA_READY_POWERED_ON,	/* when the previous priority's VMs are on */
	HA_READY_COUNT
};

/* The steps of HA, as EV_HA's action. */
enum ha_action {
	HA_ENABLED = 0,		/* HA configured: agents start an election */
	HA_ELECTION,		/* hosts without a master start an election */
	HA_MASTER,		/* host elected master (a: datastores) */
	HA_HOST_FAILED,		/* T0: the host stopped (the cause) */
	HA_HOST_CUT_OFF,	/* T0: isolated (a=1: storage lost too) */
	HA_PARTITIONED,		/* T0: the network split; host's side is a */
	HA_HB_MISSED,		/* T3: no network heartbeat; watch datastores */
	HA_UNREACHABLE,		/* T10: unreachable; the master pings it */
	HA_DEAD,		/* declared dead: its VMs will restart */
	HA_ALIVE_ELSEWHERE,	/* unreachable but writing datastore heartbeats */
	HA_PING_ISOLATION,	/* pinging the isolation address */
	HA_ISOLATED,		/* the host declared itself isolated */
	HA_ISOLATION_RESPONSE,	/* the response for a VM (a: enum ha_isolation) */
	HA_VM_OFF,		/* a VM powered off (a: why, enum ha_off) */
	HA_RESTART,		/* power-on issued on host `other` (a: attempt) */
	HA_RESTARTED,		/* the VM is powered on on `other` */
	HA_NO_HOST,		/* no host can take it (a: seconds to retry) */
	HA_LOCKED,		/* its disk is locked by `other` (a: retry s) */
	HA_GAVE_UP,		/* 5 attempts failed */
	HA_PRIORITY_DONE,	/* a priority is ready (a=1: by timeout) */
	HA_RESTORED,		/* the host is back */
	HA_LOCK_LOST,		/* a copy that lost its disk lock is killed */
	HA_REFUSED,		/* admission control refused a power-on */
	HA_POWERED_ON,		/* a user power-on was admitted */
	HA_ACTION_COUNT
};

const char *ha_action_name(enum ha_action a);
const char *ha_priority_name(enum ha_priority p);
const char *ha_isolation_name(enum ha_isolation i);

/* Why HA saw a VM go off (HA_VM_OFF's a). */
enum ha_off {
	HA_OFF_HOST_FAILED = 0,
	HA_OFF_ISOLATION,	/* the isolation response */
	HA_OFF_LOCK_LOST,
	HA_OFF_COUNT
};

/* The settings; ha_config_default() gives vSphere's. */
struct ha_config {
	struct ha_adm_config admission;
	uint32_t hb_datastores;	/* heartbeat datastores: 2 (0: none) */
	enum ha_readiness readiness;	/* poweredOn */
	uint32_t readiness_timeout_s;	/* 600 */
	uint32_t max_power_ons;	/* concurrent per host: 32 */
	uint32_t power_on_s;	/* a power-on's duration: 2 [choice] */
	uint32_t isolation_delay_s;	/* fdm.isolationPolicyDelaySec: 30 */
	uint32_t shutdown_timeout_s;	/* then power off: 300 */
	uint32_t guest_shutdown_s;	/* a guest with tools shuts down: 30 */
	uint32_t lock_lease_s;	/* a lost host's disk locks expire: 16 */
	uint8_t has_isolation_address;	/* 1; 0: isolation never declared */
};

void ha_config_default(struct ha_config *c);

struct ha_host_cfg {
	const char *name;	/* borrowed for the module's life */
	const char *moid;	/* "host-12": the election's tie-break */
	uint32_t datastores;	/* datastores it can reach */
	uint32_t cpu_mhz, mem_mb;
};

struct ha_vm_cfg {
	const char *name;	/* borrowed */
	uint32_t host;
	enum ha_priority priority;
	enum ha_isolation isolation;
	uint32_t reservation_mhz, reservation_mb, overhead_mb;
	uint8_t tools;		/* answers a guest shutdown */
};

/*
 * Called when HA powers a VM on (on = 1) or off on a host; and asked
 * whether a host takes a power-on at all (NULL: every host does).
 */
struct ha_ops {
	void *ctx;
	void (*power)(void *ctx, uint32_t vm, uint32_t host, int on);
	bool (*takes_vms)(void *ctx, uint32_t host);
};

struct ha;

int ha_create(const struct ha_config *cfg, struct event_log *log,
	      struct ha **out);
void ha_destroy(struct ha *ha);

void ha_set_ops(struct ha *ha, const struct ha_ops *ops);

/*
 * The model's state, saved and put back on the same model (stepping back,
 * history.h): every agent, VM and timer as they were.
 */
struct ha_state;
int ha_save(const struct ha *ha, struct ha_state **out);
int ha_load(struct ha *ha, const struct ha_state *st);
void ha_state_free(struct ha_state *st);

/* Rules HA respects when it places a restart ("must" rules only). */
void ha_set_rules(struct ha *ha, const struct drs_rule *rules, uint32_t n);

int ha_add_host(struct ha *ha, const struct ha_host_cfg *h, uint32_t *id);

/* A VM on cfg->host, powered off until ha_power_on. */
int ha_add_vm(struct ha *ha, const struct ha_vm_cfg *v, uint32_t *id);

/*
 * Turn HA on at now_ns: every agent starts, and the master is elected at
 * now + 15 s (the election takes about 15 s).
 */
int ha_enable(struct ha *ha, uint64_t now_ns);

/*
 * Power vm on, on `host`, through admission control: SIM_ESTATE with the
 * arithmetic in msg when the policy refuses (and an HA_REFUSED event).
 */
int ha_power_on(struct ha *ha, uint32_t vm, uint32_t host, uint64_t now_ns,
		char *msg, size_t size);

/*
 * Protect vm, already running on `host` when HA is turned on (no
 * admission check: it is running).
 */
int ha_adopt_vm(struct ha *ha, uint32_t vm, uint32_t host);

/* Which cluster the events name (0 by default). */
void ha_set_cluster_index(struct ha *ha, uint8_t index);

/* What happens to hosts, at now_ns. */
int ha_fail_host(struct ha *ha, uint32_t host, uint64_t now_ns);
int ha_isolate_host(struct ha *ha, uint32_t host, bool storage_too,
		    uint64_t now_ns);
/* side[h] = the side of the split host h is on (0, 1, ...). */
int ha_partition(struct ha *ha, const uint32_t *side, uint64_t now_ns);
int ha_restore_host(struct ha *ha, uint32_t host, uint64_t now_ns);

/* Run HA's timers up to and including t_ns; the next one's time. */
int ha_run_until(struct ha *ha, uint64_t t_ns);
uint64_t ha_next_ns(const struct ha *ha);

/* What HA knows now. */
uint32_t ha_master(const struct ha *ha, uint32_t host);	/* host's master */
uint32_t ha_nhosts(const struct ha *ha);
uint32_t ha_nvms(const struct ha *ha);
bool ha_vm_running(const struct ha *ha, uint32_t vm, uint32_t *host);
uint32_t ha_vm_attempts(const struct ha *ha, uint32_t vm);

/* Admission control's figures for the cluster as it is. */
int ha_slots(const struct ha *ha, uint32_t *per_host, struct ha_slots *out);
int ha_percent(const struct ha *ha, struct ha_percent *out);

#endif
