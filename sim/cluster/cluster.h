/*
 * cluster.h - a VMware cluster: hosts managed together by a VirtualCenter,
 * datastores they share, the VM network, and the VMs placed on them.
 *
 * What makes a set of ESX hosts a cluster is what they share.  A VM's
 * disk is a file on a datastore; a *shared* datastore (a SAN LUN with
 * VMFS, or NFS) is mounted by every host, so any host can run the VM
 * without copying its disk: VMotion then moves only memory, and HA can
 * restart the VM elsewhere when its host dies.  A *local* datastore is
 * reachable from one host only.  The hosts also share the VM network (a
 * port group of the same name on each host's virtual switch), so a VM
 * keeps its MAC and IP address wherever it runs.  VirtualCenter (vCenter
 * Server) is the management server that owns cluster-wide operations:
 * VMotion, DRS and HA [src: VMware, "VMware Infrastructure 3
 * Architecture" white paper, 2006; vSphere Resource Management guide].
 *
 * Two kinds of VM mix freely:
 *   live      a real guest kernel on a ringside VM (struct vm) with a
 *             Unicorn CPU: it runs real instructions and its VMotion sends
 *             the pages it really writes;
 *   modelled  a load profile only (CPU demand, memory, page-dirty rate):
 *             a record of about 160 bytes, no CPU, no RAM, so a 96-host,
 *             10,000-VM cluster is cheap to build and to step.
 * VMotion, DRS and HA treat both alike: they read the fields below.
 *
 * Limits follow vSphere's configuration maximums (VMware Configuration
 * Maximums, vSphere 7.0 U1 and 8.0, configmax.vmware.com): 96 hosts per
 * cluster, 10,000 VMs per cluster, 1,024 VMs per host (host.h has the
 * per-host CPU and memory maximums).
 *
 * Objects that move (VMs) are referred to by their id in the cluster,
 * never by a stored pointer; hosts and datastores by their index.
 *
 * Typical use (what scenarios/vmotion.lua does through lua/api_cluster.c):
 *
 *     struct cluster *c;
 *     int h0, h1, ds, vm;
 *     cluster_create(s, &(struct cluster_config){ .name = "prod",
 *                    .shared_datastore = "san0" }, &c, err);
 *     cluster_add_host(c, &(struct cluster_host_config){
 *                      .host = { .name = "esx1" } }, &h0, err);
 *     cluster_add_host(c, ..., &h1, err);
 *     cluster_add_vm(c, &(struct cluster_vm_config){ .name = "web",
 *                    .host = h0, .mem_mb = 1024, .demand_mhz = 500,
 *                    .dirty_mb_s = 32 }, &vm, err);
 *     vmotion_start(c, vm, h1, &params, &mig, err);   (vmotion.h)
 *     sim_run_until(s, t, UINT64_MAX, &why);          the world plays it
 */
#ifndef SIM_CLUSTER_H
#define SIM_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

#include "host/host.h"
#include "vm.h"
#include "vmx/guest.h"

#define CLUSTER_MAX_HOSTS 96		/* vSphere 7.0 U1+ hosts per cluster */
#define CLUSTER_MAX_VMS 10000		/* vSphere 7.0+ VMs per cluster */
#define CLUSTER_MAX_DATASTORES 1024	/* vSphere: volumes per host */
#define CLUSTER_MAX_NETWORKS 64		/* VM networks (port groups) here */
#define CLUSTER_NAME_MAX 32
#define CLUSTER_PAGE 4096u		/* bytes in a guest page */

/* ---- CPU models: what VMotion's compatibility check compares -------------- */

/*
 * CPUID feature bits a guest can see and come to depend on.  A running
 * guest that found SSE4.1 at boot may execute SSE4.1 instructions at any
 * moment, so VMotion refuses a destination that lacks a feature the guest
 * saw [src: VMware KB 1991, "VMotion CPU compatibility requirements for
 * Intel processors"; KB 1003212, EVC].
 */
enum cpu_feature {
	CPUF_SSE2 = 1u << 0,
	CPUF_SSE3 = 1u << 1,
	CPUF_SSSE3 = 1u << 2,
	CPUF_SSE41 = 1u << 3,
	CPUF_SSE42 = 1u << 4,
	CPUF_POPCNT = 1u << 5,
	CPUF_AES = 1u << 6,
	CPUF_AVX = 1u << 7,
	CPUF_AVX2 = 1u << 8,
	CPUF_AVX512 = 1u << 9,
	CPUF_NX = 1u << 10,
	CPUF_LM = 1u << 11,		/* long mode (64-bit) */
	CPUF_3DNOW = 1u << 12,		/* AMD only */
	CPUF_COUNT = 13
};

struct cpu_model {
	const char *name;	/* "xeon-5400" */
	const char *what;	/* "Intel Xeon 5400 (Penryn, 2007)" */
	uint32_t features;	/* enum cpu_feature bits */
};

/* The known models; NULL if name is not one of them. */
const struct cpu_model *cluster_cpu_model(const char *name);
int cluster_cpu_model_count(void);
const struct cpu_model *cluster_cpu_model_at(int i);

/* The name of one feature bit ("sse4.1"), for refusals. */
const char *cluster_cpu_feature_name(uint32_t bit);

/* ---- the cluster ------------------------------------------------------------ */

/* A host's state as VirtualCenter sees it (HA and DRS read it). */
enum chost_state {
	CHOST_CONNECTED = 0,	/* up, running VMs */
	CHOST_MAINTENANCE,	/* maintenance mode: no VM may run here */
	CHOST_NOT_RESPONDING,	/* VirtualCenter lost contact */
	CHOST_FAILED,		/* down (HA: declared dead) */
	CHOST_ISOLATED,		/* up but cut off from the network */
	CHOST_ENTERING_MAINTENANCE,	/* asked to enter maintenance mode: it
					   takes no VM, and waits until no
					   powered-on VM is left (drs_maint.h) */
	CHOST_STATE_COUNT
};

const char *chost_state_name(enum chost_state s);

/* HA restart priority [src: vSphere Availability guide]. */
enum restart_priority {
	RESTART_MEDIUM = 0,	/* the default */
	RESTART_DISABLED,
	RESTART_LOWEST,
	RESTART_LOW,
	RESTART_HIGH,
	RESTART_HIGHEST,
	RESTART_PRIORITY_COUNT
};

const char *restart_priority_name(enum restart_priority p);
int restart_priority_parse(const char *name, enum restart_priority *out);

/* What an isolated host does with this VM (HA, 5.0+ default: leave on). */
enum isolation_response {
	ISOLATION_LEAVE_ON = 0,	/* "disabled" in 6.0+: keep running */
	ISOLATION_POWER_OFF,
	ISOLATION_SHUTDOWN,	/* guest shutdown, power off after 300 s */
	ISOLATION_RESPONSE_COUNT
};

const char *isolation_response_name(enum isolation_response r);
int isolation_response_parse(const char *name, enum isolation_response *out);

struct cluster_config {
	const char *name;		/* "cluster0" */
	const char *shared_datastore;	/* a shared datastore made with the
					   cluster, mounted by every host
					   added (NULL: none) */
	const char *network;		/* the VM network ("VM Network") */
	uint64_t seed;			/* for anything random (0: default) */
};

struct cluster;
struct sim;

/*
 * Create a cluster in world s, which owns it from then on (sim_destroy
 * destroys it).  Its VirtualCenter is created with it.
 */
int cluster_create(struct sim *s, const struct cluster_config *cfg,
		   struct cluster **out, char err[GUEST_ERR_MAX]);

const char *cluster_name(const struct cluster *c);

/* Its number in the world (0 for the first cluster). */
int cluster_index(const struct cluster *c);

/* The world's cluster number index (as events name it), or NULL. */
struct cluster *cluster_of_world(struct sim *s, int index);
struct sim *cluster_sim(const struct cluster *c);

/* ---- hosts ------------------------------------------------------------------ */

struct cluster_host_config {
	struct host_config host;	/* as host{}: name, cpus, mhz, mem_mb... */
	const char *cpu_model;		/* default "xeon-5400" */
	const char *networks[8];	/* VM networks it has (NULL-ended;
					   default: the cluster's) */
	const char *local_datastore;	/* a local datastore of its own */
};

/*
 * A host in the cluster: the ESX host (struct host: its VMKernel runs
 * the live VMs), its CPU model, and VirtualCenter's totals over the VMs
 * placed on it (kept up to date by every placement and move).
 */
struct cluster_host {
	int id;				/* index in the cluster */
	struct host *host;		/* the ESX host (never moves) */
	const struct cpu_model *cpu;
	enum chost_state state;
	uint64_t networks;		/* bit n: it has VM network n */
	uint64_t cpu_mhz;		/* capacity: pCPUs x MHz */
	uint64_t mem_mb;		/* capacity */
	/* totals over the VMs on it (powered on or not) */
	int nvms;
	uint64_t demand_mhz;		/* CPU the VMs want */
	uint64_t mem_used_mb;		/* their configured memory */
	uint64_t reserved_mhz;		/* their CPU reservations */
	uint64_t reserved_mb;		/* their memory reservations */
};

int cluster_add_host(struct cluster *c, const struct cluster_host_config *cfg,
		     int *out, char err[GUEST_ERR_MAX]);
int cluster_host_count(const struct cluster *c);
struct cluster_host *cluster_host(struct cluster *c, int i);
int cluster_host_by_name(const struct cluster *c, const char *name);
/*
 * The cluster host that ESX host h is, and its cluster in *out; -1 if h
 * belongs to no cluster of world s.
 */
int cluster_host_of(struct sim *s, const struct host *h, struct cluster **out);

/* Change a host's state (an EV_CLUSTER event says so). */
int cluster_set_host_state(struct cluster *c, int host,
			   enum chost_state state);

/* ---- datastores and networks ----------------------------------------------- */

struct datastore {
	int id;
	char name[CLUSTER_NAME_MAX];
	bool shared;			/* every host of the cluster mounts it */
	int local_host;			/* local: the one host that sees it */
	uint64_t capacity_mb;
	uint64_t used_mb;		/* the disks of VMs on it */
};

/*
 * A datastore: shared (mounted by every host, now and later) or local to
 * one host.  Returns its index in *out.
 */
int cluster_add_datastore(struct cluster *c, const char *name, bool shared,
			  int local_host, uint64_t capacity_mb, int *out,
			  char err[GUEST_ERR_MAX]);
int cluster_datastore_count(const struct cluster *c);
const struct datastore *cluster_datastore(const struct cluster *c, int i);
int cluster_datastore_by_name(const struct cluster *c, const char *name);

/* Can host h reach datastore d? */
bool cluster_host_sees(const struct cluster *c, int h, int d);

/* A VM network by name, created if new; its index. */
int cluster_network(struct cluster *c, const char *name);
const char *cluster_network_name(const struct cluster *c, int n);

/* ---- VMs -------------------------------------------------------------------- */

struct cluster_vm_config {
	const char *name;		/* "vm<N>" */
	int host;			/* index of the host it starts on */
	const char *guest;		/* Multiboot kernel: a live VM; NULL:
					   modelled */
	enum exec_mode mode;		/* live: te, bt or hw */
	uint32_t mem_mb;		/* default 128 (live), 1024 (modelled) */
	int vcpus;			/* 1 */
	uint32_t demand_mhz;		/* modelled: CPU demand (whole VM) */
	uint32_t dirty_mb_s;		/* modelled: rate it dirties memory */
	uint32_t wss_mb;		/* modelled: the memory it keeps
					   rewriting (0: all of it) */
	uint32_t reservation_mhz, reservation_mb, limit_mhz;	/* 0: none */
	uint32_t shares;		/* CPU shares (default 1000, normal) */
	enum restart_priority restart_priority;
	enum isolation_response isolation_response;
	const char *datastore;		/* where its disk is (default: the
					   cluster's shared one, else the
					   host's local one) */
	uint32_t disk_mb;		/* its disk's size (modelled: default
					   8192; live: 0, no hard disk) */
	const char *disk;		/* live: a raw image copied into its
					   disk file (instead of disk_mb) */
	const char *network;		/* its VM network (the cluster's) */
	bool powered_off;		/* create it off (modelled only) */
};

enum cvm_state {
	CVM_OFF = 0,
	CVM_ON,
	CVM_MIGRATING,			/* on its source, pre-copy under way */
	CVM_STUNNED,			/* VMotion's switch-over: not running */
	CVM_STATE_COUNT
};

const char *cvm_state_name(enum cvm_state s);

/*
 * A VM as VirtualCenter knows it.  For a live VM, sim_vm is the id of
 * the ringside VM running its code; its memory size and power state are
 * that VM's.  Modelled: sim_vm is -1 and the fields are the profile.
 */
struct cluster_vm {
	int id;				/* index in the cluster */
	char name[VM_NAME_MAX];
	int host;			/* the host it runs on */
	int sim_vm;			/* live: its struct vm's id; else -1 */
	enum cvm_state state;
	uint16_t vcpus;
	uint8_t restart_priority;	/* enum restart_priority */
	uint8_t isolation_response;	/* enum isolation_response */
	uint32_t mem_mb;
	uint32_t demand_mhz;		/* CPU it wants (modelled profile) */
	uint32_t dirty_mb_s;		/* memory it dirties per second */
	uint32_t wss_mb;		/* memory it keeps rewriting */
	uint32_t reservation_mhz, reservation_mb, limit_mhz, shares;
	int datastore;			/* where its disk file is */
	uint32_t disk_mb;
	int network;			/* its VM network */
	uint32_t cpu_features;		/* CPUID it saw at power-on */
	uint8_t throttle_pct;		/* auto-converge slowed it by this */
	int migration;			/* its VMotion in flight, or -1 */
	uint64_t migrations;		/* VMotions it has made */
};

/*
 * Add a VM on cfg->host.  A live VM (cfg->guest) is created and powered
 * on there as a ringside VM; a modelled VM is only this record.  Refused
 * with a reason when the host is not connected, is full (HOST_MAX_VMS),
 * or cannot reach the datastore.  The VM's CPUID is the host's model.
 */
int cluster_add_vm(struct cluster *c, const struct cluster_vm_config *cfg,
		   int *out, char err[GUEST_ERR_MAX]);
int cluster_vm_count(const struct cluster *c);
struct cluster_vm *cluster_vm(struct cluster *c, int i);
int cluster_vm_by_name(const struct cluster *c, const char *name);

/* The ringside VM running a live cluster VM's code, or NULL (modelled). */
struct vm *cluster_vm_live(struct cluster *c, int i);

/*
 * Is cluster VM i a live VM paused by a full datastore (VM_PAUSED), its
 * question pending?  Powered on, but running nothing until answered.
 */
bool cluster_vm_paused(struct cluster *c, int i);

/*
 * The cluster VM whose code ringside VM `vm` runs: its index, and its
 * cluster in *out; -1 if the VM belongs to no cluster (a host{}'s own).
 */
int cluster_vm_of_live(struct sim *s, const struct vm *vm,
		       struct cluster **out);

/* A modelled VM's load changes (DRS scenarios): CPU and dirty rate. */
int cluster_vm_set_load(struct cluster *c, int vm, uint32_t demand_mhz,
			uint32_t dirty_mb_s);

/*
 * Move a VM's record from one host to another in VirtualCenter's books
 * (the totals follow).  Used by VMotion's switch-over and HA's restart;
 * it does not move a live VM's worlds (vmotion.c does that).
 */
void cluster_vm_rehome(struct cluster *c, int vm, int host);

/*
 * A live VM's ringside VM changes host: its worlds leave the old host's
 * VMKernel and are made on the new one's, waking at wake_ns.  VMotion's
 * switch-over does this with the guest running; HA, with it off, before
 * booting it again there.
 */
int cluster_live_rehost(struct cluster *c, int vm, int host, uint64_t wake_ns);

/* ---- VirtualCenter ---------------------------------------------------------- */

/*
 * VirtualCenter (vCenter Server): the management server that owns the
 * cluster-wide operations.  It keeps the VMotions in flight (vmotion.c)
 * and the settings DRS and HA read (drs*.c, ha*.c), and a list of timers
 * for work that recurs (a DRS pass every five minutes).
 */
struct vcenter;

struct vcenter *cluster_vcenter(struct cluster *c);

/* DRS settings [src: vSphere Resource Management guide]. */
struct drs_settings {
	bool enabled;
	int threshold;			/* migration threshold 1..5, default 3 */
	uint32_t period_s;		/* how often it runs (300) */
	bool automatic;			/* fully automated: it applies them */
};

/* HA settings [src: vSphere Availability guide]. */
struct ha_settings {
	bool enabled;
	int failures_tolerated;		/* admission control: host failures */
	uint32_t heartbeat_ms;		/* 1000 */
};

struct drs_settings *vcenter_drs(struct vcenter *vc);
struct ha_settings *vcenter_ha(struct vcenter *vc);

/*
 * A timer: fn runs at simulated time t_ns (or the first quantum after)
 * and returns the delay to its next run in ns, or 0 to stop.  Redis's
 * ae.c timers have the same shape.  Returns SIM_ESTATE if the table is
 * full.
 */
typedef uint64_t vcenter_timer_fn(struct cluster *c, void *ctx, uint64_t now);
int vcenter_add_timer(struct vcenter *vc, uint64_t t_ns, vcenter_timer_fn *fn,
		      void *ctx);

/* Simulated time, as the cluster's world has it. */
uint64_t cluster_now_ns(const struct cluster *c);

#endif
