/*
 * ha_cluster.c - HA on a cluster: the agents' model (ha.c) mirrors the
 * cluster's hosts and VMs one to one (HA's VM i is the cluster's VM i),
 * VirtualCenter's clock runs its timers, and its decisions come back here
 * through one callback: a VM went off, or was powered on on a host.
 *
 * A VM restarted by HA is powered on on its new host (the books follow);
 * a live one boots again there from its kernel image, its memory lost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster_priv.h"
#include "cluster/ha_cluster.h"
#include "sim.h"
#include "status.h"

struct ha_link {
	struct ha *ha;
	struct cluster *c;
	char (*moid)[16];	/* per host: its managed object id */
	uint32_t nmoid;
	bool timer;
};

void ha_cluster_config_default(struct ha_cluster_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->enabled = true;
	cfg->admission = HA_ADMISSION_SLOTS;
	cfg->host_failures = 1;
	cfg->cpu_pct = 25;
	cfg->mem_pct = 25;
	cfg->failover_host = -1;
	cfg->hb_datastores = 2;
	cfg->readiness = HA_READY_POWERED_ON;
}

void ha_cluster_free(struct vcenter *vc)
{
	struct ha_link *l = vc->ha_link;

	if (l == NULL)
		return;
	ha_destroy(l->ha);
	free(l->moid);
	free(l);
	vc->ha_link = NULL;
}

struct ha *ha_cluster_ha(struct cluster *c)
{
	struct ha_link *l = cluster_vcenter(c)->ha_link;

	return l ? l->ha : NULL;
}

/* The cluster's restart priority and isolation response in HA's terms. */
static enum ha_priority priority_of(const struct cluster_vm *vm)
{
	switch ((enum restart_priority)vm->restart_priority) {
	case RESTART_DISABLED: return HA_PRIO_DISABLED;
	case RESTART_LOWEST: return HA_PRIO_LOWEST;
	case RESTART_LOW: return HA_PRIO_LOW;
	case RESTART_HIGH: return HA_PRIO_HIGH;
	case RESTART_HIGHEST: return HA_PRIO_HIGHEST;
	default: return HA_PRIO_MEDIUM;
	}
}

static enum ha_isolation isolation_of(const struct cluster_vm *vm)
{
	switch ((enum isolation_response)vm->isolation_response) {
	case ISOLATION_POWER_OFF: return HA_ISO_POWER_OFF;
	case ISOLATION_SHUTDOWN: return HA_ISO_SHUTDOWN;
	default: return HA_ISO_LEAVE_ON;
	}
}

/*
 * The memory the VMkernel needs to run a VM beside its own (page tables,
 * the VMX's own memory): HA adds it to the memory slot.  Our model: 30 MB
 * plus 1% of the VM's memory [choice; VMware's overhead tables give tens
 * of MB for small VMs].
 */
static uint32_t overhead_mb(const struct cluster_vm *vm)
{
	return 30 + vm->mem_mb / 100;
}

/* Cluster VMs that HA does not know yet (added since it was turned on). */
static int sync_vms(struct ha_link *l)
{
	struct cluster *c = l->c;

	for (int i = (int)ha_nvms(l->ha); i < c->nvms; i++) {
		const struct cluster_vm *vm = &c->vms[i];
		struct ha_vm_cfg v = { vm->name, (uint32_t)vm->host, priority_of(vm),
				       isolation_of(vm), vm->reservation_mhz,
				       vm->reservation_mb, overhead_mb(vm),
				       vm->sim_vm < 0 };
		uint32_t id;
		int rc = ha_add_vm(l->ha, &v, &id);

		if (rc != SIM_OK)
			return rc;
		if (vm->state != CVM_OFF)
			ha_adopt_vm(l->ha, id, (uint32_t)vm->host);
	}
	return SIM_OK;
}

/*
 * A live VM restarted by HA: its ringside VM moves to the new host (it
 * is off) and boots again from its kernel image, as a powered-off VM
 * powered on there would: what was in its memory is gone.
 */
static bool boot_again(struct cluster *c, int v, int host)
{
	struct vm *live = cluster_vm_live(c, v);
	char err[GUEST_ERR_MAX];

	/*
	 * Still paused with a question pending: this is the copy an isolated
	 * host kept, its disk lock lapsed with the host's storage (ha.c).
	 * The restart is a power-on from the disk, not that copy: ringside
	 * runs one ringside VM per cluster VM, so the paused state goes (its
	 * held write never stored, as in a crash), and HA kills the copy in
	 * its own books when the host is back (lock-lost).
	 */
	if (live->state == VM_PAUSED)
		vm_power_off(live, POWER_USER, 0);
	if (cluster_live_rehost(c, v, host, cluster_now_ns(c)) != SIM_OK)
		return false;
	return sim_power_on(c->sim, live, err) == SIM_OK;
}

/* HA powered a VM on or off: the cluster's books follow. */
static void power(void *ctx, uint32_t v, uint32_t host, int on)
{
	struct ha_link *l = ctx;
	struct cluster *c = l->c;
	struct cluster_vm *vm = &c->vms[v];
	struct vm *live = cluster_vm_live(c, (int)v);

	cluster_account(c, vm, -1);
	if (on) {
		vm->host = (int)host;
		vm->state = CVM_ON;
		if (live && live->state != VM_ON &&
		    !boot_again(c, (int)v, (int)host))
			vm->state = CVM_OFF;
	} else if (vm->host == (int)host) {
		vm->state = CVM_OFF;
		if (live)
			vm_power_off(live, POWER_USER, 0);
	}
	cluster_account(c, vm, 1);
}

/*
 * A restart is a power-on, which a host in or entering maintenance mode
 * does not allow [src: vSphere 7.0 Resource Management guide, "Place a
 * Host in Maintenance Mode": "You cannot power on virtual machines or
 * migrate virtual machines to a host entering maintenance mode"; "While
 * in maintenance mode, the host does not allow you to deploy or power on
 * a virtual machine"].
 */
static bool takes_vms(void *ctx, uint32_t host)
{
	const struct ha_link *l = ctx;
	enum chost_state st = l->c->hosts[host]->state;

	return st != CHOST_MAINTENANCE && st != CHOST_ENTERING_MAINTENANCE;
}

/* VirtualCenter's clock: HA's timers up to now; wake for the next. */
static uint64_t tick(struct cluster *c, void *ctx, uint64_t now)
{
	struct ha_link *l = ctx;
	uint64_t next;

	(void)c;
	if (cluster_vcenter(l->c)->ha_link != l)
		return 0;
	ha_run_until(l->ha, now);
	next = ha_next_ns(l->ha);
	if (next == UINT64_MAX || next - now > HA_SECOND)
		return HA_SECOND;
	return next > now ? next - now : 1;
}

static int datastores_seen(struct cluster *c, int h)
{
	int n = 0;

	for (int d = 0; d < c->nds; d++)
		n += cluster_host_sees(c, h, d);
	return n;
}

static int link_create(struct cluster *c, const struct ha_cluster_config *cfg,
		       struct ha_link **out)
{
	struct ha_config hc;
	struct ha_link *l = calloc(1, sizeof *l);
	int rc;

	if (l == NULL)
		return SIM_ENOMEM;
	ha_config_default(&hc);
	hc.admission.policy = cfg->admission;
	hc.admission.host_failures = cfg->host_failures;
	hc.admission.cpu_pct = cfg->cpu_pct;
	hc.admission.mem_pct = cfg->mem_pct;
	hc.admission.failover_host = cfg->failover_host < 0 ? UINT32_MAX :
				     (uint32_t)cfg->failover_host;
	hc.hb_datastores = cfg->hb_datastores;
	hc.readiness = cfg->readiness;
	hc.has_isolation_address = !cfg->no_isolation_address;
	l->c = c;
	l->moid = calloc((size_t)c->nhosts + 1, sizeof *l->moid);
	if (l->moid == NULL || (rc = ha_create(&hc, sim_events(c->sim), &l->ha)) != SIM_OK) {
		free(l->moid);
		free(l);
		return SIM_ENOMEM;
	}
	ha_set_cluster_index(l->ha, (uint8_t)c->index);
	ha_set_ops(l->ha, &(struct ha_ops){ l, power, takes_vms });
	for (int h = 0; h < c->nhosts; h++) {
		const struct cluster_host *ch = c->hosts[h];
		/* vCenter numbers hosts host-10, host-11... as they are added */
		struct ha_host_cfg hh = { ch->host->name, l->moid[h],
					  (uint32_t)datastores_seen(c, h),
					  (uint32_t)ch->cpu_mhz, (uint32_t)ch->mem_mb };
		uint32_t id;

		snprintf(l->moid[h], sizeof l->moid[h], "host-%d", 10 + h);
		if ((rc = ha_add_host(l->ha, &hh, &id)) != SIM_OK)
			goto fail;
	}
	if ((rc = sync_vms(l)) != SIM_OK)
		goto fail;
	*out = l;
	return SIM_OK;
fail:
	ha_destroy(l->ha);
	free(l->moid);
	free(l);
	return rc;
}

int ha_cluster_configure(struct cluster *c, const struct ha_cluster_config *cfg,
			 char err[GUEST_ERR_MAX])
{
	struct vcenter *vc = cluster_vcenter(c);
	struct ha_link *l;
	int rc;

	err[0] = '\0';
	if (cfg->admission == HA_ADMISSION_FAILOVER_HOST &&
	    (cfg->failover_host < 0 || cfg->failover_host >= c->nhosts)) {
		snprintf(err, GUEST_ERR_MAX, "HA: the failover_host policy needs a host of the cluster");
		return SIM_EINVAL;
	}
	ha_cluster_free(vc);	/* a new configuration starts afresh */
	vc->ha_configs++;	/* (history cannot go back past it) */
	vc->ha.enabled = cfg->enabled;
	vc->ha.failures_tolerated = (int)cfg->host_failures;
	vc->ha.heartbeat_ms = 1000;
	if (!cfg->enabled)
		return SIM_OK;
	if ((rc = link_create(c, cfg, &l)) != SIM_OK) {
		snprintf(err, GUEST_ERR_MAX, "HA: out of memory");
		return rc;
	}
	vc->ha_link = l;
	ha_enable(l->ha, cluster_now_ns(c));
	rc = vcenter_add_timer(vc, cluster_now_ns(c), tick, l);
	if (rc != SIM_OK)
		snprintf(err, GUEST_ERR_MAX, "VirtualCenter's timer table is full");
	return rc;
}

/* The link, in step with the cluster's VMs and clock; NULL if HA is off. */
static struct ha_link *link_now(struct cluster *c)
{
	struct ha_link *l = cluster_vcenter(c)->ha_link;

	if (l == NULL)
		return NULL;
	sync_vms(l);
	ha_run_until(l->ha, cluster_now_ns(c));
	return l;
}

static int bad_host(struct cluster *c, int host, char err[GUEST_ERR_MAX])
{
	if (host >= 0 && host < c->nhosts)
		return 0;
	snprintf(err, GUEST_ERR_MAX, "no host %d in cluster %s", host, c->name);
	return 1;
}

int ha_cluster_fail_host(struct cluster *c, int host, char err[GUEST_ERR_MAX])
{
	struct ha_link *l = link_now(c);

	err[0] = '\0';
	if (bad_host(c, host, err))
		return SIM_EINVAL;
	if (c->hosts[host]->state == CHOST_FAILED) {
		snprintf(err, GUEST_ERR_MAX, "%s has already failed",
			 c->hosts[host]->host->name);
		return SIM_ESTATE;
	}
	if (l)
		ha_fail_host(l->ha, (uint32_t)host, cluster_now_ns(c));
	else
		for (int i = 0; i < c->nvms; i++)
			if (c->vms[i].host == host && c->vms[i].state != CVM_OFF)
				power(&(struct ha_link){ .c = c }, (uint32_t)i,
				      (uint32_t)host, 0);
	return cluster_set_host_state(c, host, CHOST_FAILED);
}

int ha_cluster_isolate_host(struct cluster *c, int host, bool storage_too,
			    char err[GUEST_ERR_MAX])
{
	struct ha_link *l = link_now(c);

	err[0] = '\0';
	if (bad_host(c, host, err))
		return SIM_EINVAL;
	if (l && ha_isolate_host(l->ha, (uint32_t)host, storage_too,
				 cluster_now_ns(c)) != SIM_OK) {
		snprintf(err, GUEST_ERR_MAX, "%s cannot be isolated now (failed or isolated)",
			 c->hosts[host]->host->name);
		return SIM_ESTATE;
	}
	return cluster_set_host_state(c, host, CHOST_ISOLATED);
}

int ha_cluster_partition(struct cluster *c, const int *side,
			 char err[GUEST_ERR_MAX])
{
	struct ha_link *l = link_now(c);
	uint32_t *s;
	int rc;

	err[0] = '\0';
	if (l == NULL) {
		snprintf(err, GUEST_ERR_MAX, "a partition matters to HA: turn it on first (c:ha{})");
		return SIM_ESTATE;
	}
	s = calloc((size_t)c->nhosts + 1, sizeof *s);
	if (s == NULL)
		return SIM_ENOMEM;
	for (int h = 0; h < c->nhosts; h++)
		s[h] = side[h] < 0 ? 0 : (uint32_t)side[h];
	rc = ha_partition(l->ha, s, cluster_now_ns(c));
	free(s);
	return rc;
}

int ha_cluster_restore_host(struct cluster *c, int host, char err[GUEST_ERR_MAX])
{
	struct ha_link *l = link_now(c);

	err[0] = '\0';
	if (bad_host(c, host, err))
		return SIM_EINVAL;
	if (l)
		ha_restore_host(l->ha, (uint32_t)host, cluster_now_ns(c));
	return cluster_set_host_state(c, host, CHOST_CONNECTED);
}

int ha_cluster_power_on(struct cluster *c, int vm, char err[GUEST_ERR_MAX])
{
	struct ha_link *l = link_now(c);
	struct cluster_vm *v;

	err[0] = '\0';
	if (vm < 0 || vm >= c->nvms) {
		snprintf(err, GUEST_ERR_MAX, "no VM %d", vm);
		return SIM_EINVAL;
	}
	v = &c->vms[vm];
	if (v->state != CVM_OFF) {
		snprintf(err, GUEST_ERR_MAX, "%s is already on", v->name);
		return SIM_ESTATE;
	}
	if (l)
		return ha_power_on(l->ha, (uint32_t)vm, (uint32_t)v->host,
				   cluster_now_ns(c), err, GUEST_ERR_MAX);
	power(&(struct ha_link){ .c = c }, (uint32_t)vm, (uint32_t)v->host, 1);
	return SIM_OK;
}

int ha_cluster_slots(struct cluster *c, uint32_t *per_host, struct ha_slots *out)
{
	struct ha_link *l = link_now(c);

	return l ? ha_slots(l->ha, per_host, out) : SIM_ESTATE;
}

int ha_cluster_percent(struct cluster *c, struct ha_percent *out)
{
	struct ha_link *l = link_now(c);

	return l ? ha_percent(l->ha, out) : SIM_ESTATE;
}

/* ---- stepping back ------------------------------------------------------------ */

/*
 * HA's state: which configuration (ha{} rebuilds the agents' model, and
 * VirtualCenter's timer points at it) and the model's own state.
 */
struct ha_cluster_state {
	uint32_t configs;	/* vcenter.ha_configs then */
	bool timer;
	struct ha_state *ha;	/* NULL: HA was off */
};

void ha_cluster_state_free(struct ha_cluster_state *st)
{
	if (st == NULL)
		return;
	ha_state_free(st->ha);
	free(st);
}

int ha_cluster_save(const struct vcenter *vc, struct ha_cluster_state **out)
{
	struct ha_cluster_state *st = calloc(1, sizeof *st);
	int rc = SIM_OK;

	if (st == NULL)
		return SIM_ENOMEM;
	st->configs = vc->ha_configs;
	if (vc->ha_link != NULL) {
		st->timer = vc->ha_link->timer;
		rc = ha_save(vc->ha_link->ha, &st->ha);
	}
	if (rc != SIM_OK) {
		free(st);
		return rc;
	}
	*out = st;
	return SIM_OK;
}

/* The same configuration: HA was not configured again since. */
bool ha_cluster_fits(const struct vcenter *vc,
		     const struct ha_cluster_state *st)
{
	return st->configs == vc->ha_configs &&
	       (st->ha != NULL) == (vc->ha_link != NULL);
}

int ha_cluster_load(struct vcenter *vc, const struct ha_cluster_state *st)
{
	if (!ha_cluster_fits(vc, st))
		return SIM_ESTATE;
	if (st->ha == NULL)
		return SIM_OK;
	vc->ha_link->timer = st->timer;
	return ha_load(vc->ha_link->ha, st->ha);
}
