/*
 * host.c - physical hosts: ESX (bare metal) and hosted, and the rules
 * that tell them apart (log-off, remote administration).  See host.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_priv.h"
#include "status.h"
#include "vmkernel/vmkernel_sched.h"
#include "vmkernel/vmkernel_state.h"

static const char *const kind_names[HOST_KIND_COUNT] = {
	[HOST_ESX] = "esx", [HOST_HOSTED] = "hosted", [HOST_SERVER] = "server",
};

const char *host_kind_name(enum host_kind k)
{
	return (unsigned)k < HOST_KIND_COUNT ? kind_names[k] : "?";
}

bool host_kind_is_hosted(enum host_kind k)
{
	return k == HOST_HOSTED || k == HOST_SERVER;
}

int host_kind_parse(const char *name, enum host_kind *out)
{
	for (int k = 0; k < HOST_KIND_COUNT; k++)
		if (strcmp(name, kind_names[k]) == 0) {
			*out = (enum host_kind)k;
			return 0;
		}
	return -1;
}

static void host_event(struct host *h, enum host_action what, uint32_t a)
{
	struct event ev = { .kind = EV_HOST };

	ev.t_ns = sim_clock_ns(h->sim);
	ev.vm = EVENT_NO_VM;
	ev.u.host.host = h->id;
	ev.u.host.action = (uint8_t)what;
	ev.u.host.a = a;
	event_log_emit(sim_events(h->sim), &ev);
}

int host_create(struct sim *s, int id, const struct host_config *cfg,
		struct host **out, char err[GUEST_ERR_MAX])
{
	struct host_config c = cfg ? *cfg : (struct host_config){ 0 };
	struct host *h;
	int rc;

	err[0] = '\0';
	if ((rc = sim_grow((void ***)&s->hosts, &s->hosts_cap, s->nhosts,
			   SIM_MAX_HOSTS)) != SIM_OK) {
		snprintf(err, GUEST_ERR_MAX, "too many hosts (at most %d)",
			 SIM_MAX_HOSTS);
		return rc;
	}
	if ((unsigned)c.kind >= HOST_KIND_COUNT) {
		snprintf(err, GUEST_ERR_MAX, "a host is esx or hosted");
		return SIM_EINVAL;
	}
	if (c.pcpus == 0)
		c.pcpus = 2;
	if (c.mhz == 0)
		c.mhz = 1000;
	if (c.mem_mb == 0)
		c.mem_mb = 4096;
	if (c.nics == 0)
		c.nics = 2;
	if (c.datastores == 0)
		c.datastores = 1;
	if (c.pcpus < 1 || c.pcpus > HOST_MAX_PCPUS) {
		snprintf(err, GUEST_ERR_MAX, "a host has 1 to %d physical CPUs",
			 HOST_MAX_PCPUS);
		return SIM_EINVAL;
	}
	if (c.mem_mb > HOST_MAX_MEM_MB) {
		snprintf(err, GUEST_ERR_MAX,
			 "a host has at most %u MB of memory (24 TB, vSphere's maximum)",
			 HOST_MAX_MEM_MB);
		return SIM_EINVAL;
	}
	if (c.mhz < 100 || c.mhz > 10000) {
		snprintf(err, GUEST_ERR_MAX,
			 "a pCPU clock is 100 to 10000 MHz (got %u)", c.mhz);
		return SIM_EINVAL;
	}
	if (c.name && (c.name[0] == '\0' || strlen(c.name) >= HOST_NAME_LEN)) {
		snprintf(err, GUEST_ERR_MAX,
			 "a host name has 1 to %d characters", HOST_NAME_LEN - 1);
		return SIM_EINVAL;
	}
	if ((h = calloc(1, sizeof *h)) == NULL)
		return SIM_ENOMEM;
	h->id = (uint16_t)id;
	h->sim = s;
	if (c.name)
		snprintf(h->name, sizeof h->name, "%s", c.name);
	else
		snprintf(h->name, sizeof h->name, "host%d", id);
	c.name = h->name;
	h->cfg = c;
	h->logged_in = host_kind_is_hosted(c.kind);
	if ((rc = vmkernel_create(h, &h->vmk)) != SIM_OK) {
		free(h);
		return rc;
	}
	*out = h;
	return SIM_OK;
}

void host_boot(struct host *h)
{
	host_event(h, HOST_UP, (uint32_t)h->cfg.pcpus);
}

void host_destroy(struct host *h)
{
	if (h == NULL)
		return;
	vmkernel_destroy(h->vmk);
	free(h);
}

int host_vm_count(const struct host *h)
{
	return h->vmk->nvms;
}

struct vm *host_vm(const struct host *h, int i)
{
	return i >= 0 && i < h->vmk->nvms ? h->vmk->vms[i] : NULL;
}

/*
 * Hosted products run VMs as applications of the user's session: when the
 * session ends, the host OS ends its processes, and the VMs with them.
 */
int host_logoff(struct host *h, char *msg, size_t msglen)
{
	int n = 0;

	if (!host_kind_is_hosted(h->cfg.kind)) {
		snprintf(msg, msglen,
			 "%s is an ESX host: the VMKernel runs its VMs whether or not anyone is logged in to the service console",
			 h->name);
		return SIM_ESTATE;
	}
	if (!h->logged_in) {
		snprintf(msg, msglen, "nobody is logged in on %s", h->name);
		return SIM_ESTATE;
	}
	for (int i = 0; i < host_vm_count(h); i++)
		n += host_vm(h, i)->state == VM_ON;
	h->logged_in = false;
	if (h->cfg.kind == HOST_SERVER) {
		/* the VMs are the host OS's service, not the session's */
		host_event(h, HOST_LOGOFF, 0);
		snprintf(msg, msglen,
			 "the user logged off %s: VMware Server runs its VMs as a service of the host OS, so %d running VM%s kept running",
			 h->name, n, n == 1 ? "" : "s");
		return SIM_OK;
	}
	host_event(h, HOST_LOGOFF, (uint32_t)n);
	for (int i = 0; i < host_vm_count(h); i++)
		vm_power_off(host_vm(h, i), POWER_LOGOFF, 0);
	snprintf(msg, msglen,
		 "the user logged off %s: the host OS ended the session's processes, and %d running VM%s powered off with them",
		 h->name, n, n == 1 ? "" : "s");
	return SIM_OK;
}

int host_login(struct host *h, char *msg, size_t msglen)
{
	if (!host_kind_is_hosted(h->cfg.kind)) {
		snprintf(msg, msglen,
			 "%s is an ESX host: there is no desktop session to log in to",
			 h->name);
		return SIM_ESTATE;
	}
	if (h->logged_in) {
		snprintf(msg, msglen, "the user is already logged in on %s",
			 h->name);
		return SIM_ESTATE;
	}
	h->logged_in = true;
	host_event(h, HOST_LOGIN, 0);
	snprintf(msg, msglen,
		 "the user logged in on %s: VMs can be powered on again",
		 h->name);
	return SIM_OK;
}

/* The service console's CPU time for one administrative request. */
#define ADMIN_WORK_NS 2000000ull

/*
 * What the service console carries out: "power on VM" or "power off VM",
 * for a VM of this host.  Returns a status; msg says what happened.
 */
static int console_request(struct host *h, const char *what, char *msg,
			   size_t msglen)
{
	char err[GUEST_ERR_MAX];
	const char *name;
	struct vm *vm = NULL;
	bool on;
	int rc;

	if (strncmp(what, "power on ", 9) == 0)
		on = true;
	else if (strncmp(what, "power off ", 10) == 0)
		on = false;
	else {
		snprintf(msg, msglen,
			 "%s: the service console does not know '%s' (it knows 'power on VM' and 'power off VM')",
			 h->name, what);
		return SIM_EINVAL;
	}
	name = what + (on ? 9 : 10);
	for (int i = 0; i < host_vm_count(h); i++)
		if (strcmp(host_vm(h, i)->name, name) == 0)
			vm = host_vm(h, i);
	if (vm == NULL) {
		snprintf(msg, msglen, "%s has no VM named '%s'", h->name, name);
		return SIM_ENOTFOUND;
	}
	if (!on) {
		if (vm->state != VM_ON && vm->state != VM_PAUSED) {
			snprintf(msg, msglen, "%s is already off", vm->name);
			return SIM_ESTATE;
		}
		vm_power_off(vm, POWER_USER, 0);
		return SIM_OK;
	}
	rc = sim_power_on(h->sim, vm, err);
	if (rc != SIM_OK)
		snprintf(msg, msglen, "%s", err);
	return rc;
}

int host_remote_admin(struct host *h, const char *what, char *msg,
		      size_t msglen)
{
	int rc;

	if (h->cfg.kind == HOST_HOSTED) {
		host_event(h, HOST_ADMIN_REFUSED, 0);
		snprintf(msg, msglen,
			 "%s runs VMware Workstation: it has no remote administration; '%s' must be done at the host's own desktop",
			 h->name, what);
		return SIM_ESTATE;
	}
	/*
	 * ESX: the service console's world does the work (pinned to pCPU 0);
	 * Server: the host OS's world, where its management service runs.
	 */
	vmkernel_queue_work(h->vmk, h->vmk->console, ADMIN_WORK_NS,
			    sim_now_ns(h->sim));
	host_event(h, HOST_ADMIN_OK, (uint32_t)(ADMIN_WORK_NS / 1000));
	rc = console_request(h, what, msg, msglen);
	if (rc == SIM_OK && h->cfg.kind == HOST_SERVER)
		snprintf(msg, msglen,
			 "%s: '%s' done by VMware Server's management service on the host OS (remote console and web interface)",
			 h->name, what);
	else if (rc == SIM_OK)
		snprintf(msg, msglen,
			 "%s: '%s' done by the service console, which manages the host for remote clients",
			 h->name, what);
	return rc;
}

/* ---- the host's state: its session, and its VMKernel's ---------------- */

struct host_state {
	bool logged_in;
	struct vmkernel_state *vmk;
};

int host_state_save(const struct host *h, struct host_state **out)
{
	struct host_state *st = calloc(1, sizeof *st);

	if (st == NULL)
		return SIM_ENOMEM;
	st->logged_in = h->logged_in;
	if (vmkernel_state_save(h->vmk, &st->vmk) != SIM_OK) {
		free(st);
		return SIM_ENOMEM;
	}
	*out = st;
	return SIM_OK;
}

bool host_state_fits(const struct host *h, const struct host_state *st)
{
	return vmkernel_state_fits(h->vmk, st->vmk);
}

int host_state_load(struct host *h, const struct host_state *st)
{
	int rc = vmkernel_state_load(h->vmk, st->vmk);

	if (rc == SIM_OK)
		h->logged_in = st->logged_in;
	return rc;
}

void host_state_free(struct host_state *st)
{
	if (st == NULL)
		return;
	vmkernel_state_free(st->vmk);
	free(st);
}
