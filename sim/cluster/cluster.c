/*
 * cluster.c - the cluster: hosts, datastores, VM networks, VM records and
 * VirtualCenter's books (the totals per host that VMotion's admission
 * check, DRS and HA read).  See cluster.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster_priv.h"
#include "sim_priv.h"
#include "status.h"
#include "vmkernel/vmfs.h"
#include "vmkernel/vmkernel_sched.h"
#include "vmkernel/world.h"

static const char *const chost_state_names[CHOST_STATE_COUNT] = {
	[CHOST_CONNECTED] = "connected",
	[CHOST_MAINTENANCE] = "maintenance",
	[CHOST_NOT_RESPONDING] = "not-responding",
	[CHOST_FAILED] = "failed",
	[CHOST_ISOLATED] = "isolated",
};

const char *chost_state_name(enum chost_state s)
{
	return (unsigned)s < CHOST_STATE_COUNT ? chost_state_names[s] : "?";
}

static const char *const restart_names[RESTART_PRIORITY_COUNT] = {
	[RESTART_MEDIUM] = "medium", [RESTART_DISABLED] = "disabled",
	[RESTART_LOWEST] = "lowest", [RESTART_LOW] = "low",
	[RESTART_HIGH] = "high", [RESTART_HIGHEST] = "highest",
};

const char *restart_priority_name(enum restart_priority p)
{
	return (unsigned)p < RESTART_PRIORITY_COUNT ? restart_names[p] : "?";
}

/* The index of name in a table of n names, or -1. */
static int name_index(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

int restart_priority_parse(const char *name, enum restart_priority *out)
{
	int i = name_index(restart_names, RESTART_PRIORITY_COUNT, name);

	if (i >= 0)
		*out = (enum restart_priority)i;
	return i < 0 ? -1 : 0;
}

static const char *const isolation_names[ISOLATION_RESPONSE_COUNT] = {
	[ISOLATION_LEAVE_ON] = "leave-on",
	[ISOLATION_POWER_OFF] = "power-off",
	[ISOLATION_SHUTDOWN] = "shutdown",
};

const char *isolation_response_name(enum isolation_response r)
{
	return (unsigned)r < ISOLATION_RESPONSE_COUNT ? isolation_names[r] : "?";
}

int isolation_response_parse(const char *name, enum isolation_response *out)
{
	int i = name_index(isolation_names, ISOLATION_RESPONSE_COUNT, name);

	if (i >= 0)
		*out = (enum isolation_response)i;
	return i < 0 ? -1 : 0;
}

static const char *const cvm_state_names[CVM_STATE_COUNT] = {
	[CVM_OFF] = "off", [CVM_ON] = "on", [CVM_MIGRATING] = "migrating",
	[CVM_STUNNED] = "stunned",
};

const char *cvm_state_name(enum cvm_state s)
{
	return (unsigned)s < CVM_STATE_COUNT ? cvm_state_names[s] : "?";
}

/* ---- the cluster as a part of the world ------------------------------------ */

static void vcenter_free(struct vcenter *vc);

static void cluster_destroy(void *ctx)
{
	struct cluster *c = ctx;

	for (int i = 0; i < c->nhosts; i++)
		free(c->hosts[i]);
	for (int i = 0; i < c->nds; i++)
		free(c->ds[i]);
	free(c->ds);
	free(c->vms);
	vcenter_free(&c->vc);
	free(c);
}

/* The world's clock reached now: VirtualCenter's timers and migrations. */
static uint64_t cluster_tick(void *ctx, uint64_t now, bool *busy)
{
	struct cluster *c = ctx;
	struct vcenter *vc = &c->vc;
	uint64_t next = UINT64_MAX, mig;

	/* timers first: one may start migrations (DRS's pass), which
	 * vmotion_tick then schedules */
	for (int i = 0; i < vc->ntimers; i++) {
		struct vcenter_timer *t = &vc->timers[i];

		if (t->at <= now) {
			uint64_t again = t->fn(c, t->ctx, now);

			if (again == 0) {
				vc->timers[i--] = vc->timers[--vc->ntimers];
				continue;
			}
			t->at = now + again;
		}
		if (t->at < next)
			next = t->at;
	}
	mig = vmotion_tick(c, now, busy);
	return mig < next ? mig : next;
}

int cluster_create(struct sim *s, const struct cluster_config *cfg,
		   struct cluster **out, char err[GUEST_ERR_MAX])
{
	struct cluster_config cc = cfg ? *cfg : (struct cluster_config){ 0 };
	struct cluster *c;
	int rc, n = 0;

	err[0] = '\0';
	for (int i = 0; i < s->nparts; i++)
		n += s->parts[i].destroy == cluster_destroy;
	if (cc.name && (cc.name[0] == '\0' ||
			strlen(cc.name) >= CLUSTER_NAME_MAX)) {
		snprintf(err, GUEST_ERR_MAX,
			 "a cluster name has 1 to %d characters",
			 CLUSTER_NAME_MAX - 1);
		return SIM_EINVAL;
	}
	if ((c = calloc(1, sizeof *c)) == NULL)
		return SIM_ENOMEM;
	c->index = n;
	c->sim = s;
	snprintf(c->name, sizeof c->name, "%s", cc.name ? cc.name : "cluster");
	if (!cc.name && n > 0)
		snprintf(c->name, sizeof c->name, "cluster%d", n);
	cc.name = c->name;
	c->cfg = cc;
	c->shared_ds = -1;
	c->vc.cluster = c;
	c->vc.drs = (struct drs_settings){ .threshold = 3, .period_s = 300 };
	c->vc.ha = (struct ha_settings){ .failures_tolerated = 1,
					  .heartbeat_ms = 1000 };
	c->default_network = cluster_network(c, cc.network ? cc.network
							   : "VM Network");
	if (cc.shared_datastore &&
	    (rc = cluster_add_datastore(c, cc.shared_datastore, true, -1, 0,
					&c->shared_ds, err)) != SIM_OK) {
		cluster_destroy(c);
		return rc;
	}
	c->cfg.shared_datastore = NULL;	/* the caller's string: not kept */
	c->cfg.network = NULL;
	if ((rc = sim_attach(s, &(struct sim_part){ .tick = cluster_tick,
			.destroy = cluster_destroy, .ctx = c })) != SIM_OK) {
		snprintf(err, GUEST_ERR_MAX, "too many clusters (at most %d)",
			 SIM_MAX_PARTS);
		cluster_destroy(c);
		return rc;
	}
	*out = c;
	return SIM_OK;
}

const char *cluster_name(const struct cluster *c)
{
	return c->name;
}

int cluster_index(const struct cluster *c)
{
	return c->index;
}

struct sim *cluster_sim(const struct cluster *c)
{
	return c->sim;
}

uint64_t cluster_now_ns(const struct cluster *c)
{
	return sim_now_ns(c->sim);
}

struct cluster *cluster_of_world(struct sim *s, int index)
{
	for (int i = 0; i < s->nparts; i++)
		if (s->parts[i].destroy == cluster_destroy &&
		    ((struct cluster *)s->parts[i].ctx)->index == index)
			return s->parts[i].ctx;
	return NULL;
}

void cluster_emit(struct cluster *c, uint64_t t, struct event *ev)
{
	ev->kind = EV_CLUSTER;
	ev->t_ns = t;
	ev->u.cluster.cluster = (uint8_t)c->index;
	if (ev->vm == 0 && ev->u.cluster.action != CL_HOST_STATE &&
	    ev->u.cluster.vm < c->nvms && c->vms[ev->u.cluster.vm].sim_vm >= 0)
		ev->vm = (uint16_t)c->vms[ev->u.cluster.vm].sim_vm;
	else
		ev->vm = EVENT_NO_VM;
	event_log_emit(sim_events(c->sim), ev);
}

/* ---- networks and datastores ------------------------------------------------ */

int cluster_network(struct cluster *c, const char *name)
{
	for (int i = 0; i < c->nnetworks; i++)
		if (strcmp(c->networks[i], name) == 0)
			return i;
	if (c->nnetworks == CLUSTER_MAX_NETWORKS ||
	    strlen(name) >= CLUSTER_NAME_MAX)
		return -1;
	snprintf(c->networks[c->nnetworks], CLUSTER_NAME_MAX, "%s", name);
	return c->nnetworks++;
}

const char *cluster_network_name(const struct cluster *c, int n)
{
	return n >= 0 && n < c->nnetworks ? c->networks[n] : "?";
}

int cluster_add_datastore(struct cluster *c, const char *name, bool shared,
			  int local_host, uint64_t capacity_mb, int *out,
			  char err[GUEST_ERR_MAX])
{
	struct datastore *d;
	int rc;

	if (name == NULL || name[0] == '\0' ||
	    strlen(name) >= CLUSTER_NAME_MAX) {
		snprintf(err, GUEST_ERR_MAX,
			 "a datastore name has 1 to %d characters",
			 CLUSTER_NAME_MAX - 1);
		return SIM_EINVAL;
	}
	if (cluster_datastore_by_name(c, name) >= 0) {
		snprintf(err, GUEST_ERR_MAX, "a datastore named %s already exists",
			 name);
		return SIM_EINVAL;
	}
	if (!shared && (local_host < 0 || local_host >= c->nhosts)) {
		snprintf(err, GUEST_ERR_MAX,
			 "datastore %s: a local datastore belongs to a host of the cluster",
			 name);
		return SIM_EINVAL;
	}
	if ((rc = sim_grow((void ***)&c->ds, &c->ds_cap, c->nds,
			   CLUSTER_MAX_DATASTORES)) != SIM_OK) {
		snprintf(err, GUEST_ERR_MAX, "too many datastores (at most %d)",
			 CLUSTER_MAX_DATASTORES);
		return rc;
	}
	if ((d = calloc(1, sizeof *d)) == NULL)
		return SIM_ENOMEM;
	d->id = c->nds;
	snprintf(d->name, sizeof d->name, "%s", name);
	d->shared = shared;
	d->local_host = shared ? -1 : local_host;
	d->capacity_mb = capacity_mb ? capacity_mb : 2u * 1024 * 1024;
	c->ds[c->nds++] = d;
	if (out)
		*out = d->id;
	return SIM_OK;
}

int cluster_datastore_count(const struct cluster *c)
{
	return c->nds;
}

const struct datastore *cluster_datastore(const struct cluster *c, int i)
{
	return i >= 0 && i < c->nds ? c->ds[i] : NULL;
}

int cluster_datastore_by_name(const struct cluster *c, const char *name)
{
	for (int i = 0; i < c->nds; i++)
		if (strcmp(c->ds[i]->name, name) == 0)
			return i;
	return -1;
}

bool cluster_host_sees(const struct cluster *c, int h, int d)
{
	if (d < 0 || d >= c->nds)
		return false;
	return c->ds[d]->shared || c->ds[d]->local_host == h;
}

/* ---- hosts ------------------------------------------------------------------ */

int cluster_add_host(struct cluster *c, const struct cluster_host_config *cfg,
		     int *out, char err[GUEST_ERR_MAX])
{
	const struct cpu_model *cpu;
	struct cluster_host *ch;
	struct host *h;
	uint64_t nets = 0;
	int rc;

	err[0] = '\0';
	if (c->nhosts == CLUSTER_MAX_HOSTS) {
		snprintf(err, GUEST_ERR_MAX,
			 "%s has %d hosts: vSphere's maximum per cluster",
			 c->name, CLUSTER_MAX_HOSTS);
		return SIM_ESTATE;
	}
	if (cfg->host.kind != HOST_ESX) {
		snprintf(err, GUEST_ERR_MAX,
			 "a cluster is made of ESX hosts: a hosted product has no VirtualCenter agent");
		return SIM_EINVAL;
	}
	cpu = cluster_cpu_model(cfg->cpu_model ? cfg->cpu_model : "xeon-5400");
	if (cpu == NULL) {
		snprintf(err, GUEST_ERR_MAX,
			 "no CPU model named %s (try xeon-5100, xeon-5400, xeon-5500, opteron-2300...)",
			 cfg->cpu_model);
		return SIM_EINVAL;
	}
	for (int i = 0; i < 8 && cfg->networks[i]; i++) {
		int n = cluster_network(c, cfg->networks[i]);

		if (n < 0) {
			snprintf(err, GUEST_ERR_MAX, "too many VM networks");
			return SIM_ESTATE;
		}
		nets |= 1ull << n;
	}
	if (nets == 0)
		nets = 1ull << c->default_network;
	if ((ch = calloc(1, sizeof *ch)) == NULL)
		return SIM_ENOMEM;
	if ((rc = sim_add_host(c->sim, &cfg->host, &h, err)) != SIM_OK) {
		free(ch);
		return rc;
	}
	ch->id = c->nhosts;
	ch->host = h;
	ch->cpu = cpu;
	ch->state = CHOST_CONNECTED;
	ch->networks = nets;
	ch->cpu_mhz = (uint64_t)h->cfg.pcpus * h->cfg.mhz;
	ch->mem_mb = h->cfg.mem_mb;
	c->hosts[c->nhosts++] = ch;
	if (cfg->local_datastore &&
	    (rc = cluster_add_datastore(c, cfg->local_datastore, false, ch->id,
					0, NULL, err)) != SIM_OK)
		return rc;	/* the host stays: it is usable without it */
	if (out)
		*out = ch->id;
	return SIM_OK;
}

int cluster_host_count(const struct cluster *c)
{
	return c->nhosts;
}

struct cluster_host *cluster_host(struct cluster *c, int i)
{
	return i >= 0 && i < c->nhosts ? c->hosts[i] : NULL;
}

int cluster_host_by_name(const struct cluster *c, const char *name)
{
	for (int i = 0; i < c->nhosts; i++)
		if (strcmp(c->hosts[i]->host->name, name) == 0)
			return i;
	return -1;
}

int cluster_set_host_state(struct cluster *c, int host, enum chost_state st)
{
	struct event ev = { .kind = EV_CLUSTER };

	if (host < 0 || host >= c->nhosts || (unsigned)st >= CHOST_STATE_COUNT)
		return SIM_EINVAL;
	c->hosts[host]->state = st;
	ev.u.cluster.action = CL_HOST_STATE;
	ev.u.cluster.src = ev.u.cluster.dst = (uint16_t)host;
	ev.u.cluster.pct = (uint8_t)st;
	cluster_emit(c, sim_now_ns(c->sim), &ev);
	return SIM_OK;
}

/* ---- VMs -------------------------------------------------------------------- */

void cluster_account(struct cluster *c, const struct cluster_vm *v, int sign)
{
	struct cluster_host *h = c->hosts[v->host];
	int64_t s = sign;

	h->nvms += sign;
	h->mem_used_mb += (uint64_t)(s * v->mem_mb);
	h->reserved_mhz += (uint64_t)(s * v->reservation_mhz);
	h->reserved_mb += (uint64_t)(s * v->reservation_mb);
	if (v->state != CVM_OFF)
		h->demand_mhz += (uint64_t)(s * v->demand_mhz);
}

/* Where a new VM's disk goes: the named datastore, or a default. */
static int pick_datastore(struct cluster *c, const struct cluster_vm_config *cfg,
			  char err[GUEST_ERR_MAX])
{
	int d;

	if (cfg->datastore) {
		if ((d = cluster_datastore_by_name(c, cfg->datastore)) < 0)
			snprintf(err, GUEST_ERR_MAX, "no datastore named %s",
				 cfg->datastore);
		else if (!cluster_host_sees(c, cfg->host, d)) {
			snprintf(err, GUEST_ERR_MAX,
				 "datastore %s is local to %s: %s cannot reach it",
				 cfg->datastore,
				 c->hosts[c->ds[d]->local_host]->host->name,
				 c->hosts[cfg->host]->host->name);
			d = -1;
		}
		return d;
	}
	if (c->shared_ds >= 0)
		return c->shared_ds;
	for (d = 0; d < c->nds; d++)
		if (cluster_host_sees(c, cfg->host, d))
			return d;
	snprintf(err, GUEST_ERR_MAX,
		 "%s reaches no datastore for the VM's disk: give the cluster a shared_datastore or the host a local one",
		 c->hosts[cfg->host]->host->name);
	return -1;
}

/* Check a new VM's settings; fill the record's profile. */
static int vm_record(struct cluster *c, const struct cluster_vm_config *cfg,
		     struct cluster_vm *v, char err[GUEST_ERR_MAX])
{
	struct cluster_host *h;
	int net = c->default_network;

	if (cfg->host < 0 || cfg->host >= c->nhosts) {
		snprintf(err, GUEST_ERR_MAX, "no host %d in %s", cfg->host,
			 c->name);
		return SIM_ENOTFOUND;
	}
	h = c->hosts[cfg->host];
	if (c->nvms == CLUSTER_MAX_VMS) {
		snprintf(err, GUEST_ERR_MAX,
			 "%s has %d VMs: vSphere's maximum per cluster",
			 c->name, CLUSTER_MAX_VMS);
		return SIM_ESTATE;
	}
	if (h->state != CHOST_CONNECTED) {
		snprintf(err, GUEST_ERR_MAX, "%s is %s: no VM can be placed on it",
			 h->host->name, chost_state_name(h->state));
		return SIM_ESTATE;
	}
	if (h->nvms >= HOST_MAX_VMS) {
		snprintf(err, GUEST_ERR_MAX,
			 "%s has %d VMs: vSphere's maximum per host",
			 h->host->name, HOST_MAX_VMS);
		return SIM_ESTATE;
	}
	if (cfg->name && (cfg->name[0] == '\0' ||
			  strlen(cfg->name) >= VM_NAME_MAX)) {
		snprintf(err, GUEST_ERR_MAX, "a VM name has 1 to %d characters",
			 VM_NAME_MAX - 1);
		return SIM_EINVAL;
	}
	if (cfg->name && cluster_vm_by_name(c, cfg->name) >= 0) {
		snprintf(err, GUEST_ERR_MAX, "a VM named %s already exists in %s",
			 cfg->name, c->name);
		return SIM_EINVAL;
	}
	if (cfg->network && (net = cluster_network(c, cfg->network)) < 0) {
		snprintf(err, GUEST_ERR_MAX, "too many VM networks");
		return SIM_ESTATE;
	}
	if ((unsigned)cfg->restart_priority >= RESTART_PRIORITY_COUNT ||
	    (unsigned)cfg->isolation_response >= ISOLATION_RESPONSE_COUNT) {
		snprintf(err, GUEST_ERR_MAX, "bad restart priority or isolation response");
		return SIM_EINVAL;
	}
	memset(v, 0, sizeof *v);
	v->id = c->nvms;
	if (cfg->name)
		snprintf(v->name, sizeof v->name, "%s", cfg->name);
	else
		snprintf(v->name, sizeof v->name, "vm%d", c->nvms);
	v->host = cfg->host;
	v->sim_vm = -1;
	v->state = cfg->powered_off ? CVM_OFF : CVM_ON;
	v->vcpus = (uint16_t)(cfg->vcpus > 0 ? cfg->vcpus : 1);
	v->mem_mb = cfg->mem_mb ? cfg->mem_mb : cfg->guest ? 128 : 1024;
	v->demand_mhz = cfg->demand_mhz;
	v->dirty_mb_s = cfg->dirty_mb_s;
	v->wss_mb = cfg->wss_mb && cfg->wss_mb < v->mem_mb ? cfg->wss_mb
							   : v->mem_mb;
	v->reservation_mhz = cfg->reservation_mhz;
	v->reservation_mb = cfg->reservation_mb;
	v->limit_mhz = cfg->limit_mhz;
	v->shares = cfg->shares ? cfg->shares : 1000;
	v->restart_priority = (uint8_t)cfg->restart_priority;
	v->isolation_response = (uint8_t)cfg->isolation_response;
	/* a modelled VM's disk is a size on its datastore; a live VM's is a
	   real disk file there, only if asked for (make_live) */
	v->disk_mb = cfg->disk_mb ? cfg->disk_mb : cfg->guest ? 0 : 8192;
	v->network = net;
	v->cpu_features = h->cpu->features;
	v->migration = -1;
	if (!(h->networks & (1ull << net))) {
		snprintf(err, GUEST_ERR_MAX, "%s has no VM network named %s",
			 h->host->name, cluster_network_name(c, net));
		return SIM_EINVAL;
	}
	if (v->reservation_mb > v->mem_mb) {
		snprintf(err, GUEST_ERR_MAX,
			 "%s: a memory reservation (%u MB) above its memory (%u MB)",
			 v->name, v->reservation_mb, v->mem_mb);
		return SIM_EINVAL;
	}
	if (h->reserved_mhz + v->reservation_mhz > h->cpu_mhz ||
	    h->reserved_mb + v->reservation_mb > h->mem_mb) {
		snprintf(err, GUEST_ERR_MAX,
			 "%s cannot power on %s: its reservation does not fit in what is unreserved (admission control)",
			 h->host->name, v->name);
		return SIM_ESTATE;
	}
	if ((v->datastore = pick_datastore(c, cfg, err)) < 0)
		return SIM_ENOTFOUND;
	return SIM_OK;
}

/* A live VM: a ringside VM on the host, running the guest. */
static int make_live(struct cluster *c, const struct cluster_vm_config *cfg,
		     struct cluster_vm *v, char err[GUEST_ERR_MAX])
{
	struct vm *vm;
	int rc;

	/* its disk file goes on the datastore the cluster chose for it, so
	   what VMotion, HA and VCB check is where the guest's sectors are */
	rc = sim_add_vm(c->sim, &(struct vm_config){ .name = v->name,
			.host = c->hosts[v->host]->host->name,
			.guest = cfg->guest, .mem_mb = v->mem_mb,
			.vcpus = v->vcpus, .mode = cfg->mode,
			.disk = cfg->disk, .disk_mb = cfg->disk_mb,
			.datastore = c->ds[v->datastore]->name }, &vm, err);
	if (rc != SIM_OK)
		return rc;
	v->sim_vm = vm->id;
	if (vm->disk != NULL)	/* an image's size, rounded up to a MiB */
		v->disk_mb = (uint32_t)((vmfs_sectors(vm->disk) + 2047) >> 11);
	if (v->limit_mhz)
		vm_set_cpu_limit(vm, v->limit_mhz);
	if (v->shares != 1000)
		vm_set_cpu_shares(vm, v->shares);
	if (v->reservation_mhz &&
	    vm_set_cpu_reservation(vm, v->reservation_mhz) != SIM_OK) {
		snprintf(err, GUEST_ERR_MAX,
			 "%s: a CPU reservation of %u MHz is more than its vCPUs can use",
			 v->name, v->reservation_mhz);
		vm_power_off(vm, POWER_USER, 0);
		return SIM_EINVAL;
	}
	/* what a live guest demands: its vCPUs flat out */
	if (v->demand_mhz == 0)
		v->demand_mhz = v->vcpus * c->hosts[v->host]->host->cfg.mhz;
	return SIM_OK;
}

int cluster_add_vm(struct cluster *c, const struct cluster_vm_config *cfg,
		   int *out, char err[GUEST_ERR_MAX])
{
	struct cluster_vm v;
	int rc;

	err[0] = '\0';
	if ((rc = vm_record(c, cfg, &v, err)) != SIM_OK)
		return rc;
	if (!cfg->guest && cfg->disk) {
		snprintf(err, GUEST_ERR_MAX,
			 "%s: a modelled VM has a disk size (disk_mb), not an image",
			 v.name);
		return SIM_EINVAL;
	}
	if (cfg->guest && cfg->powered_off) {
		snprintf(err, GUEST_ERR_MAX,
			 "%s: a live VM starts powered on", v.name);
		return SIM_EINVAL;
	}
	if ((rc = sim_grow_array((void **)&c->vms, &c->vms_cap, c->nvms,
				 CLUSTER_MAX_VMS, sizeof *c->vms)) != SIM_OK)
		return rc;
	if (cfg->guest && (rc = make_live(c, cfg, &v, err)) != SIM_OK)
		return rc;
	c->vms[c->nvms++] = v;
	c->ds[v.datastore]->used_mb += v.disk_mb;
	cluster_account(c, &v, 1);
	if (out)
		*out = v.id;
	return SIM_OK;
}

int cluster_vm_count(const struct cluster *c)
{
	return c->nvms;
}

struct cluster_vm *cluster_vm(struct cluster *c, int i)
{
	return i >= 0 && i < c->nvms ? &c->vms[i] : NULL;
}

int cluster_vm_by_name(const struct cluster *c, const char *name)
{
	for (int i = 0; i < c->nvms; i++)
		if (strcmp(c->vms[i].name, name) == 0)
			return i;
	return -1;
}

struct vm *cluster_vm_live(struct cluster *c, int i)
{
	struct cluster_vm *v = cluster_vm(c, i);

	return v && v->sim_vm >= 0 ? sim_vm(c->sim, v->sim_vm) : NULL;
}

int cluster_vm_of_live(struct sim *s, const struct vm *vm,
		       struct cluster **out)
{
	struct cluster *c;

	for (int k = 0; (c = cluster_of_world(s, k)) != NULL; k++)
		for (int i = 0; i < c->nvms; i++)
			if (c->vms[i].sim_vm == vm->id) {
				*out = c;
				return i;
			}
	return -1;
}

int cluster_vm_set_load(struct cluster *c, int i, uint32_t demand_mhz,
			uint32_t dirty_mb_s)
{
	struct cluster_vm *v = cluster_vm(c, i);

	if (v == NULL)
		return SIM_ENOTFOUND;
	cluster_account(c, v, -1);
	v->demand_mhz = demand_mhz;
	v->dirty_mb_s = dirty_mb_s;
	cluster_account(c, v, 1);
	return SIM_OK;
}

void cluster_vm_rehome(struct cluster *c, int i, int host)
{
	struct cluster_vm *v = &c->vms[i];

	cluster_account(c, v, -1);
	v->host = host;
	cluster_account(c, v, 1);
}

int cluster_live_rehost(struct cluster *c, int i, int host, uint64_t wake_ns)
{
	struct vm *live = cluster_vm_live(c, i);
	struct host *to = c->hosts[host]->host;

	if (live == NULL || live->host == to)
		return SIM_OK;
	vmkernel_remove_vm(live->host->vmk, live, wake_ns);
	live->host = to;
	live->cfg.host = to->name;
	live->cfg.mhz = to->cfg.mhz;
	return vmkernel_adopt_vm(to->vmk, live, wake_ns);
}

/* ---- VirtualCenter ---------------------------------------------------------- */

struct vcenter *cluster_vcenter(struct cluster *c)
{
	return &c->vc;
}

struct drs_settings *vcenter_drs(struct vcenter *vc)
{
	return &vc->drs;
}

struct ha_settings *vcenter_ha(struct vcenter *vc)
{
	return &vc->ha;
}

int vcenter_add_timer(struct vcenter *vc, uint64_t t_ns, vcenter_timer_fn *fn,
		      void *ctx)
{
	if (vc->ntimers == VCENTER_MAX_TIMERS)
		return SIM_ESTATE;
	vc->timers[vc->ntimers++] = (struct vcenter_timer){ t_ns, fn, ctx };
	sim_part_wake(vc->cluster->sim, vc->cluster, t_ns, false);
	return SIM_OK;
}

static void vcenter_free(struct vcenter *vc)
{
	vmotion_free_all(vc);
	drs_cluster_free(vc);
	ha_cluster_free(vc);
}
