/*
 * ha_setup.c - the HA module's frame: its settings and their defaults,
 * the names of its steps, emitting its events, its timer heap, creating
 * it and asking it what it knows.  The agents' behaviour is in ha.c, the
 * restarts in ha_restart.c.
 */
#include <stdlib.h>
#include <string.h>

#include "cluster/ha_priv.h"
#include "status.h"

void ha_config_default(struct ha_config *c)
{
	memset(c, 0, sizeof *c);
	ha_adm_config_default(&c->admission);
	c->hb_datastores = 2;
	c->readiness = HA_READY_POWERED_ON;
	c->readiness_timeout_s = 600;
	c->max_power_ons = 32;
	c->power_on_s = 2;
	c->isolation_delay_s = 30;
	c->shutdown_timeout_s = 300;
	c->guest_shutdown_s = 30;
	c->lock_lease_s = 16;
	c->has_isolation_address = 1;
}

static const char *const action_names[HA_ACTION_COUNT] = {
	[HA_ENABLED] = "enabled", [HA_ELECTION] = "election",
	[HA_MASTER] = "master", [HA_HOST_FAILED] = "host-failed",
	[HA_HOST_CUT_OFF] = "host-cut-off", [HA_PARTITIONED] = "partitioned",
	[HA_HB_MISSED] = "heartbeats-missed", [HA_UNREACHABLE] = "unreachable",
	[HA_DEAD] = "dead", [HA_ALIVE_ELSEWHERE] = "alive-elsewhere",
	[HA_PING_ISOLATION] = "ping-isolation-address",
	[HA_ISOLATED] = "isolated",
	[HA_ISOLATION_RESPONSE] = "isolation-response",
	[HA_VM_OFF] = "vm-off", [HA_RESTART] = "restart",
	[HA_RESTARTED] = "restarted", [HA_NO_HOST] = "no-host",
	[HA_LOCKED] = "disk-locked", [HA_GAVE_UP] = "gave-up",
	[HA_PRIORITY_DONE] = "priority-done", [HA_RESTORED] = "restored",
	[HA_LOCK_LOST] = "lock-lost", [HA_REFUSED] = "refused",
	[HA_POWERED_ON] = "powered-on",
};

const char *ha_action_name(enum ha_action a)
{
	return (unsigned)a < HA_ACTION_COUNT ? action_names[a] : "?";
}

static const char *const priority_names[HA_PRIO_COUNT] = {
	"disabled", "lowest", "low", "medium", "high", "highest"
};

const char *ha_priority_name(enum ha_priority p)
{
	return (unsigned)p < HA_PRIO_COUNT ? priority_names[p] : "?";
}

static const char *const isolation_names[HA_ISO_COUNT] = {
	"leave_powered_on", "power_off", "shutdown"
};

const char *ha_isolation_name(enum ha_isolation i)
{
	return (unsigned)i < HA_ISO_COUNT ? isolation_names[i] : "?";
}

void ha_emit(struct ha *ha, enum ha_action action, uint32_t host,
	     uint32_t other, uint32_t vm, uint32_t a)
{
	struct event ev;

	if (ha->log == NULL)
		return;
	memset(&ev, 0, sizeof ev);
	ev.kind = EV_HA;
	ev.t_ns = ha->now;
	ev.vm = EVENT_NO_VM;	/* a cluster VM, not a ringside VM */
	ev.u.ha.vm = vm == HA_NONE ? 0xffff : (uint16_t)vm;
	ev.u.ha.cluster = ha->cluster_index;
	ev.u.ha.host = host == HA_NONE ? 0xffff : (uint16_t)host;
	ev.u.ha.other = other == HA_NONE ? 0xffff : (uint16_t)other;
	ev.u.ha.action = (uint8_t)action;
	ev.u.ha.priority = vm == HA_NONE ? 0 : (uint8_t)ha->vms[vm].cfg.priority;
	ev.u.ha.a = a;
	event_log_emit(ha->log, &ev);
}

/* ---- timers: a binary heap on (time, order set) -------------------------- */

static bool before(const struct ha_timer *x, const struct ha_timer *y)
{
	return x->t_ns < y->t_ns || (x->t_ns == y->t_ns && x->seq < y->seq);
}

int ha_timer(struct ha *ha, uint64_t t_ns, enum ha_timer_kind kind,
	     uint32_t a, uint32_t b, uint32_t epoch)
{
	size_t i;

	if (ha->nheap == ha->cap_heap) {
		size_t cap = ha->cap_heap ? ha->cap_heap * 2 : 64;
		struct ha_timer *n = realloc(ha->heap, cap * sizeof *n);

		if (n == NULL)
			return SIM_ENOMEM;
		ha->heap = n;
		ha->cap_heap = cap;
	}
	i = ha->nheap++;
	ha->heap[i] = (struct ha_timer){ t_ns, ha->seq++, kind, a, b, epoch };
	while (i > 0 && before(&ha->heap[i], &ha->heap[(i - 1) / 2])) {
		struct ha_timer t = ha->heap[i];

		ha->heap[i] = ha->heap[(i - 1) / 2];
		ha->heap[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
	return SIM_OK;
}

struct ha_timer ha_timer_pop(struct ha *ha)
{
	struct ha_timer top = ha->heap[0];
	size_t i = 0;

	ha->heap[0] = ha->heap[--ha->nheap];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < ha->nheap && before(&ha->heap[l], &ha->heap[m]))
			m = l;
		if (r < ha->nheap && before(&ha->heap[r], &ha->heap[m]))
			m = r;
		if (m == i)
			break;
		struct ha_timer t = ha->heap[i];

		ha->heap[i] = ha->heap[m];
		ha->heap[m] = t;
		i = m;
	}
	return top;
}

/* ---- creation and queries -------------------------------------------------- */

int ha_create(const struct ha_config *cfg, struct event_log *log,
	      struct ha **out)
{
	struct ha *ha = calloc(1, sizeof *ha);

	if (ha == NULL)
		return SIM_ENOMEM;
	if (cfg)
		ha->cfg = *cfg;
	else
		ha_config_default(&ha->cfg);
	ha->log = log;
	ha->level = -1;
	*out = ha;
	return SIM_OK;
}

void ha_destroy(struct ha *ha)
{
	if (ha == NULL)
		return;
	free(ha->hosts);
	free(ha->vms);
	free(ha->heap);
	free(ha);
}

void ha_set_cluster_index(struct ha *ha, uint8_t index)
{
	ha->cluster_index = index;
}

void ha_set_ops(struct ha *ha, const struct ha_ops *ops)
{
	ha->ops = *ops;
}

void ha_set_rules(struct ha *ha, const struct drs_rule *rules, uint32_t n)
{
	ha->rules = rules;
	ha->nrules = n;
}

int ha_add_host(struct ha *ha, const struct ha_host_cfg *cfg, uint32_t *id)
{
	if (ha->nhosts == ha->cap_hosts) {
		uint32_t cap = ha->cap_hosts ? ha->cap_hosts * 2 : 8;
		struct ha_host *n = realloc(ha->hosts, cap * sizeof *n);

		if (n == NULL)
			return SIM_ENOMEM;
		ha->hosts = n;
		ha->cap_hosts = cap;
	}
	memset(&ha->hosts[ha->nhosts], 0, sizeof *ha->hosts);
	ha->hosts[ha->nhosts].cfg = *cfg;
	*id = ha->nhosts++;
	return SIM_OK;
}

int ha_add_vm(struct ha *ha, const struct ha_vm_cfg *cfg, uint32_t *id)
{
	struct ha_vm *vm;

	if (cfg->host >= ha->nhosts || cfg->priority >= HA_PRIO_COUNT ||
	    cfg->isolation >= HA_ISO_COUNT)
		return SIM_EINVAL;
	if (ha->nvms == ha->cap_vms) {
		uint32_t cap = ha->cap_vms ? ha->cap_vms * 2 : 16;
		struct ha_vm *n = realloc(ha->vms, cap * sizeof *n);

		if (n == NULL)
			return SIM_ENOMEM;
		ha->vms = n;
		ha->cap_vms = cap;
	}
	vm = &ha->vms[ha->nvms];
	memset(vm, 0, sizeof *vm);
	vm->cfg = *cfg;
	vm->host = cfg->host;
	vm->copy[0] = vm->copy[1] = HA_NONE;
	vm->lock = HA_NONE;
	*id = ha->nvms++;
	return SIM_OK;
}

uint32_t ha_nhosts(const struct ha *ha)
{
	return ha->nhosts;
}

uint32_t ha_nvms(const struct ha *ha)
{
	return ha->nvms;
}

/* ---- stepping back ------------------------------------------------------------ */

/*
 * The agents' whole model: the scalars of struct ha (its settings, clock,
 * restart sequencing) and copies of its three arrays, in one block.
 */
struct ha_state {
	struct ha ha;			/* its pointers are not used */
	struct ha_host *hosts;		/* ha.nhosts, after the struct */
	struct ha_vm *vms;		/* ha.nvms */
	struct ha_timer *heap;		/* ha.nheap */
};

int ha_save(const struct ha *ha, struct ha_state **out)
{
	size_t hb = ha->nhosts * sizeof *ha->hosts,
	       vb = ha->nvms * sizeof *ha->vms,
	       tb = ha->nheap * sizeof *ha->heap;
	struct ha_state *st = malloc(sizeof *st + hb + vb + tb);

	if (st == NULL)
		return SIM_ENOMEM;
	st->ha = *ha;
	st->hosts = (struct ha_host *)(st + 1);
	st->vms = (struct ha_vm *)((char *)st->hosts + hb);
	st->heap = (struct ha_timer *)((char *)st->vms + vb);
	if (hb)
		memcpy(st->hosts, ha->hosts, hb);
	if (vb)
		memcpy(st->vms, ha->vms, vb);
	if (tb)
		memcpy(st->heap, ha->heap, tb);
	*out = st;
	return SIM_OK;
}

/*
 * Put the model back.  Its arrays only ever grow, so they have room for
 * what they held then; what it is wired to (the event log, the cluster's
 * callbacks, the rules) stays as it is.
 */
int ha_load(struct ha *ha, const struct ha_state *st)
{
	struct ha now = *ha;

	if (st->ha.nhosts > now.cap_hosts || st->ha.nvms > now.cap_vms ||
	    st->ha.nheap > now.cap_heap)
		return SIM_ESTATE;
	*ha = st->ha;
	ha->log = now.log;
	ha->ops = now.ops;
	ha->rules = now.rules;
	ha->nrules = now.nrules;
	ha->hosts = now.hosts;
	ha->cap_hosts = now.cap_hosts;
	ha->vms = now.vms;
	ha->cap_vms = now.cap_vms;
	ha->heap = now.heap;
	ha->cap_heap = now.cap_heap;
	if (ha->nhosts)
		memcpy(ha->hosts, st->hosts, ha->nhosts * sizeof *ha->hosts);
	if (ha->nvms)
		memcpy(ha->vms, st->vms, ha->nvms * sizeof *ha->vms);
	if (ha->nheap)
		memcpy(ha->heap, st->heap, ha->nheap * sizeof *ha->heap);
	return SIM_OK;
}

void ha_state_free(struct ha_state *st)
{
	free(st);
}
