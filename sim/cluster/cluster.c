/*
 * cluster.c - the cluster as a part of the world: its hosts, datastores
 * and VM networks, and the names of its states.  Its VMs and
 * VirtualCenter's books are in cluster_vm.c, VirtualCenter's timers in
 * vcenter.c.  See cluster.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster_priv.h"
#include "sim_priv.h"
#include "status.h"

static const char *const chost_state_names[CHOST_STATE_COUNT] = {
	[CHOST_CONNECTED] = "connected",
	[CHOST_MAINTENANCE] = "maintenance",
	[CHOST_NOT_RESPONDING] = "not-responding",
	[CHOST_FAILED] = "failed",
	[CHOST_ISOLATED] = "isolated",
	[CHOST_ENTERING_MAINTENANCE] = "entering-maintenance",
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

/* The world's clock reached now: VirtualCenter's work (vcenter.c). */
static uint64_t cluster_tick(void *ctx, uint64_t now, bool *busy)
{
	return vcenter_tick(ctx, now, busy);
}

/*
 * The cluster's state, for stepping back: its hosts as VirtualCenter sees
 * them (state, totals), what its datastores hold, how many datastores
 * and networks it has, and the pieces other files own (the VMs' records,
 * VirtualCenter's).  A host itself is the world's (host_state).
 */
struct cluster_state {
	int nhosts, nds, nnetworks;
	struct cluster_vm_state *vms;
	struct vcenter_state *vc;
	uint64_t *ds_used;		/* nds, after hosts */
	struct cluster_host hosts[];	/* copies */
};

static void cluster_state_free(void *p)
{
	struct cluster_state *st = p;

	if (st == NULL)
		return;
	cluster_vm_state_free(st->vms);
	vcenter_state_free(st->vc);
	free(st);
}

static int cluster_save(void *ctx, void **out)
{
	const struct cluster *c = ctx;
	struct cluster_state *st = malloc(sizeof *st + (size_t)c->nhosts *
					  sizeof st->hosts[0] +
					  (size_t)c->nds * sizeof *st->ds_used);
	int rc;

	if (st == NULL)
		return SIM_ENOMEM;
	st->nhosts = c->nhosts;
	st->nds = c->nds;
	st->nnetworks = c->nnetworks;
	st->vms = NULL;
	st->vc = NULL;
	st->ds_used = (uint64_t *)&st->hosts[c->nhosts];
	for (int i = 0; i < c->nhosts; i++)
		st->hosts[i] = *c->hosts[i];
	for (int i = 0; i < c->nds; i++)
		st->ds_used[i] = c->ds[i]->used_mb;
	if ((rc = cluster_vm_save(c, &st->vms)) != SIM_OK ||
	    (rc = vcenter_save(&c->vc, &st->vc)) != SIM_OK) {
		cluster_state_free(st);
		return rc;
	}
	*out = st;
	return SIM_OK;
}

/* The same hosts, and VirtualCenter not rebuilt since (HA reconfigured). */
static bool cluster_fits(void *ctx, const void *p)
{
	const struct cluster *c = ctx;
	const struct cluster_state *st = p;

	return st->nhosts == c->nhosts && st->nds <= c->nds &&
	       vcenter_fits(&c->vc, st->vc);
}

static int cluster_load(void *ctx, const void *p)
{
	struct cluster *c = ctx;
	const struct cluster_state *st = p;
	int rc;

	if (!cluster_fits(c, st))
		return SIM_ESTATE;
	for (int i = 0; i < c->nhosts; i++)
		*c->hosts[i] = st->hosts[i];
	while (c->nds > st->nds)	/* datastores added since */
		free(c->ds[--c->nds]);
	for (int i = 0; i < c->nds; i++)
		c->ds[i]->used_mb = st->ds_used[i];
	c->nnetworks = st->nnetworks;	/* (names past it: unused) */
	if ((rc = cluster_vm_load(c, st->vms)) != SIM_OK)
		return rc;
	return vcenter_load(&c->vc, st->vc);
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
			.destroy = cluster_destroy, .save = cluster_save,
			.load = cluster_load, .fits = cluster_fits,
			.free_state = cluster_state_free, .ctx = c })) != SIM_OK) {
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

int cluster_host_of(struct sim *s, const struct host *h, struct cluster **out)
{
	struct cluster *c;

	for (int k = 0; (c = cluster_of_world(s, k)) != NULL; k++)
		for (int i = 0; i < c->nhosts; i++)
			if (c->hosts[i]->host == h) {
				*out = c;
				return i;
			}
	return -1;
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

/* ---- VirtualCenter ---------------------------------------------------------- */

struct vcenter *cluster_vcenter(struct cluster *c)
{
	return &c->vc;
}
