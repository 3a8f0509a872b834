/*
 * ha_priv.h - what ha.c (agents, election, detection, isolation) and
 * ha_restart.c (placement, priorities, retries, disk locks) share.
 */
#ifndef SIM_CLUSTER_HA_PRIV_H
#define SIM_CLUSTER_HA_PRIV_H

#include "cluster/ha.h"

/* A host: what it really is, and its part in FDM. */
struct ha_host {
	struct ha_host_cfg cfg;
	uint8_t failed;		/* powered off, crashed */
	uint8_t isolated;	/* cut off from the management network */
	uint8_t storage_lost;	/* ... and from its datastores */
	uint8_t master;		/* its FDM agent is a master */
	uint8_t electing;	/* an election is under way on its side */
	uint8_t self_isolated;	/* it declared itself isolated */
	uint32_t side;		/* network partition it is in */
	uint32_t epoch;		/* bumped on every change: stale timers */
	uint8_t sweep;		/* a new master could not hear it when
				   elected: its T35 sweep judges it */
	uint32_t sweep_epoch;	/* ... as it was then */
	uint32_t in_flight;	/* restarts powering on here */
	uint64_t res_mhz, res_mb;	/* reservations of its VMs */
};

/* Where HA stands with a VM. */
enum ha_vm_state {
	VMS_OFF = 0,		/* powered off by the user: unprotected */
	VMS_ON,			/* protected, believed running on `host` */
	VMS_WANT,		/* to restart, waiting for its priority */
	VMS_THROTTLED,		/* waiting for a free power-on slot */
	VMS_STARTING,		/* power-on under way on `host` */
	VMS_RETRY,		/* an attempt failed; a retry is timed */
	VMS_GAVE_UP		/* 5 attempts failed */
};

#define HA_COPIES 2

/*
 * A VM.  `host` and `state` are HA's belief; copy[] is the truth: the
 * hosts where a copy of it really runs (two, when an isolated host kept
 * its copy and HA started another).  The disk lock belongs to `lock`.
 */
struct ha_vm {
	struct ha_vm_cfg cfg;
	enum ha_vm_state state;
	uint32_t host;
	uint32_t copy[HA_COPIES];	/* HA_NONE when empty */
	uint32_t lock;		/* host holding the disk lock, or HA_NONE */
	uint32_t attempts;	/* restart attempts so far */
	uint64_t first_try_ns;
	uint32_t epoch;
};

/* What a timer does when it fires. */
enum ha_timer_kind {
	T_ELECTION = 0,		/* a: a host of the side */
	T_ELECTED,		/* a: a host of the side */
	T_SWEEP,		/* a: the new master restarts what is down */
	T_HB_MISSED,		/* a: master, b: the host it lost */
	T_UNREACHABLE,
	T_VERDICT,
	T_ISOLATED,		/* a: the host pinging its isolation address */
	T_RESPONSE,		/* a: the isolated host: apply the response */
	T_SHUTDOWN_DONE,	/* a: VM, b: host */
	T_POWERED_ON,		/* a: VM, b: host */
	T_RETRY,		/* a: VM */
	T_READY_TIMEOUT		/* a: priority level */
};

struct ha_timer {
	uint64_t t_ns;
	uint64_t seq;		/* ties fire in the order they were set */
	enum ha_timer_kind kind;
	uint32_t a, b;
	uint32_t epoch;		/* of the host or VM it concerns */
};

struct ha {
	struct ha_config cfg;
	struct event_log *log;
	struct ha_ops ops;
	const struct drs_rule *rules;
	uint32_t nrules;
	struct ha_host *hosts;
	uint32_t nhosts, cap_hosts;
	struct ha_vm *vms;
	uint32_t nvms, cap_vms;
	struct ha_timer *heap;	/* binary min-heap on (t_ns, seq) */
	size_t nheap, cap_heap;
	uint64_t seq;
	uint64_t now;		/* time of the timer being run */
	uint8_t enabled;
	uint8_t cluster_index;	/* for the events: which cluster */
	/* restart sequencing: the priority being started, and since when */
	int level;		/* enum ha_priority, or -1 when idle */
	uint64_t level_start;
	uint32_t level_epoch;
};

/* ha_setup.c: events, and the timer heap (ha_timer_pop: the earliest) */
void ha_emit(struct ha *ha, enum ha_action action, uint32_t host,
	     uint32_t other, uint32_t vm, uint32_t a);
int ha_timer(struct ha *ha, uint64_t t_ns, enum ha_timer_kind kind,
	     uint32_t a, uint32_t b, uint32_t epoch);
struct ha_timer ha_timer_pop(struct ha *ha);

/* ha.c: the network as the agents see it */
bool ha_alive(const struct ha *ha, uint32_t h);	/* on the network */
bool ha_connected(const struct ha *ha, uint32_t x, uint32_t y);
bool ha_has_storage(const struct ha *ha, uint32_t h);

/* ha_restart.c */
void ha_vm_remove_copy(struct ha *ha, uint32_t vm, uint32_t host);
void ha_restart_host_vms(struct ha *ha, uint32_t dead);
void ha_restart_vm(struct ha *ha, uint32_t vm);
void ha_sequence(struct ha *ha);
void ha_on_powered_on(struct ha *ha, uint32_t vm, uint32_t host,
		      uint32_t epoch);
void ha_on_retry(struct ha *ha, uint32_t vm, uint32_t epoch);
void ha_on_ready_timeout(struct ha *ha, uint32_t level, uint32_t epoch);
void ha_settle_copies(struct ha *ha, uint32_t host);

#endif
