/*
 * cluster_vm.c - the cluster's VMs: a record for each (where it runs, its
 * disk's datastore, its network, its HA settings), live VMs that run
 * guest code and modelled ones that only put a load on their host, and
 * VirtualCenter's books: the totals per host that VMotion's admission
 * check, DRS and HA read (cluster_account).  See cluster.h and
 * docs/cluster.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster_priv.h"
#include "sim_priv.h"
#include "status.h"
#include "vmkernel/vmfs.h"
#include "vmkernel/vmkernel_sched.h"

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

bool cluster_vm_paused(struct cluster *c, int i)
{
	struct vm *live = cluster_vm_live(c, i);

	return live != NULL && live->state == VM_PAUSED;
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

/* A live VM's ringside VM belongs to host `host` now (its worlds: below). */
static void place_live(struct cluster *c, struct vm *live, int host)
{
	struct host *to = c->hosts[host]->host;

	live->host = to;
	live->cfg.host = to->name;
	live->cfg.mhz = to->cfg.mhz;
}

int cluster_live_rehost(struct cluster *c, int i, int host, uint64_t wake_ns)
{
	struct vm *live = cluster_vm_live(c, i);

	if (live == NULL || live->host == c->hosts[host]->host)
		return SIM_OK;
	vmkernel_remove_vm(live->host->vmk, live, sim_now_ns(c->sim));
	place_live(c, live, host);
	return vmkernel_adopt_vm(live->host->vmk, live, wake_ns);
}

/* ---- stepping back ------------------------------------------------------------ */

/* The VMs' records, as one array (cluster_priv.h). */
struct cluster_vm_state {
	int nvms;
	struct cluster_vm vms[];
};

int cluster_vm_save(const struct cluster *c, struct cluster_vm_state **out)
{
	struct cluster_vm_state *st = malloc(sizeof *st + (size_t)c->nvms *
					     sizeof st->vms[0]);

	if (st == NULL)
		return SIM_ENOMEM;
	st->nvms = c->nvms;
	if (c->nvms)
		memcpy(st->vms, c->vms, (size_t)c->nvms * sizeof st->vms[0]);
	*out = st;
	return SIM_OK;
}

/*
 * The records as they were (VMs added since are forgotten: a live one
 * is a ringside VM, which history.c does not go back past), and each
 * live VM on the host it ran on then; that host's VMKernel gets its
 * worlds back (host_state).
 */
int cluster_vm_load(struct cluster *c, const struct cluster_vm_state *st)
{
	if (st->nvms > c->nvms)
		return SIM_ESTATE;
	c->nvms = st->nvms;
	if (st->nvms)
		memcpy(c->vms, st->vms, (size_t)st->nvms * sizeof st->vms[0]);
	for (int i = 0; i < c->nvms; i++) {
		struct vm *live = cluster_vm_live(c, i);

		if (live != NULL)
			place_live(c, live, c->vms[i].host);
	}
	return SIM_OK;
}

void cluster_vm_state_free(struct cluster_vm_state *st)
{
	free(st);
}
