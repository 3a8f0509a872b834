/*
 * ha.c - HA's agents: the master election, how a master finds a host
 * failed, isolated or partitioned, and what an isolated host does (see
 * ha.h for the published timelines).  Restarts are in ha_restart.c.
 *
 * The clock is simulated: every step is a timer at its time in the
 * published timeline, fired by ha_run_until().  A timer that a later
 * change made pointless (the host came back, another master took over) is
 * recognized when it fires, by the host's epoch or by the state it finds.
 */
#include <stdlib.h>
#include <string.h>

#include "cluster/ha_priv.h"
#include "status.h"

/* Seconds in the timelines [Epping, vSphere HA deepdive, "Failure scenarios"]. */
enum {
	ELECTION_S = 15,	/* an election takes about 15 s */
	MASTER_GONE_S = 10,	/* slaves start electing 10 s after the master */
	HB_WATCH_S = 3,		/* master watches datastore heartbeats at T3 */
	UNREACHABLE_S = 10,	/* declared unreachable, pinged */
	DEAD_S = 15,		/* dead without heartbeat datastores */
	DEAD_DS_S = 18,		/* dead with them */
	SWEEP_S = 10,		/* a new master restarts 10 s after (T35) */
	ISOLATED_S = 5		/* pinging the isolation address */
};

/* ---- the network as the agents see it ------------------------------------ */

bool ha_alive(const struct ha *ha, uint32_t h)
{
	return !ha->hosts[h].failed;
}

/* Two agents hear each other's network heartbeats. */
bool ha_connected(const struct ha *ha, uint32_t x, uint32_t y)
{
	const struct ha_host *a = &ha->hosts[x], *b = &ha->hosts[y];

	if (x == y)
		return !a->failed;
	return !a->failed && !b->failed && !a->isolated && !b->isolated &&
	       a->side == b->side;
}

bool ha_has_storage(const struct ha *ha, uint32_t h)
{
	return !ha->hosts[h].failed && !ha->hosts[h].storage_lost;
}

/* The master h's agent answers to, or HA_NONE. */
uint32_t ha_master(const struct ha *ha, uint32_t h)
{
	for (uint32_t m = 0; m < ha->nhosts; m++)
		if (ha->hosts[m].master && ha_connected(ha, h, m))
			return m;
	return HA_NONE;
}

/*
 * The election's rule [HA deepdive, "The master election"]: the host
 * that can reach the most datastores wins; on a tie, the highest managed
 * object id, compared as text (so "host-99" beats "host-100").
 */
static bool better_master(const struct ha *ha, uint32_t x, uint32_t y)
{
	const struct ha_host *a = &ha->hosts[x], *b = &ha->hosts[y];
	const char *ma = a->cfg.moid ? a->cfg.moid : "";
	const char *mb = b->cfg.moid ? b->cfg.moid : "";

	if (a->cfg.datastores != b->cfg.datastores)
		return a->cfg.datastores > b->cfg.datastores;
	return strcmp(ma, mb) > 0;
}

/* The winner among the hosts connected to h. */
static uint32_t elect(const struct ha *ha, uint32_t h)
{
	uint32_t best = HA_NONE;

	for (uint32_t x = 0; x < ha->nhosts; x++)
		if (ha_connected(ha, h, x) &&
		    (best == HA_NONE || better_master(ha, x, best)))
			best = x;
	return best;
}

static bool side_electing(const struct ha *ha, uint32_t h)
{
	for (uint32_t x = 0; x < ha->nhosts; x++)
		if (ha->hosts[x].electing && ha_connected(ha, h, x))
			return true;
	return false;
}

/* An isolated master: it pings its isolation address now (T0 for a
 * master, T25 for a slave that elected itself), is isolated 5 s later. */
static void check_isolation(struct ha *ha, uint32_t h)
{
	struct ha_host *host = &ha->hosts[h];

	if (!host->isolated || !ha->cfg.has_isolation_address ||
	    host->self_isolated)
		return;
	ha_emit(ha, HA_PING_ISOLATION, h, HA_NONE, HA_NONE, 0);
	ha_timer(ha, ha->now + ISOLATED_S * HA_SECOND, T_ISOLATED, h, 0,
		 host->epoch);
}

/*
 * After any change of the network: masters that now share a side keep
 * the election's winner; a side with no master starts an election 10 s
 * after it lost one (15 s after HA is enabled); a master that finds
 * itself alone and isolated checks its isolation address.
 */
static void topology_changed(struct ha *ha, uint32_t wait_s)
{
	for (uint32_t m = 0; m < ha->nhosts; m++) {
		if (!ha->hosts[m].master)
			continue;
		if (ha->hosts[m].failed) {
			ha->hosts[m].master = 0;
			continue;
		}
		for (uint32_t x = 0; x < ha->nhosts; x++)
			if (x != m && ha->hosts[x].master && ha_connected(ha, m, x)) {
				uint32_t loser = better_master(ha, m, x) ? x : m;

				ha->hosts[loser].master = 0;
				ha_emit(ha, HA_MASTER, loser == m ? x : m, loser,
					HA_NONE,
					ha->hosts[loser == m ? x : m].cfg.datastores);
			}
	}
	for (uint32_t h = 0; h < ha->nhosts; h++) {
		if (ha->hosts[h].failed || ha_master(ha, h) != HA_NONE ||
		    side_electing(ha, h))
			continue;
		ha->hosts[h].electing = 1;
		if (wait_s == MASTER_GONE_S)
			ha_timer(ha, ha->now + MASTER_GONE_S * HA_SECOND,
				 T_ELECTION, h, 0, 0);
		ha_timer(ha, ha->now + (wait_s + ELECTION_S) * HA_SECOND,
			 T_ELECTED, h, 0, 0);
	}
	for (uint32_t m = 0; m < ha->nhosts; m++)
		if (ha->hosts[m].master)
			check_isolation(ha, m);
}

/* The master lost host h's network heartbeats: the slave timeline. */
static void lose_slave(struct ha *ha, uint32_t m, uint32_t h)
{
	uint32_t e = ha->hosts[h].epoch;
	uint64_t dead = ha->cfg.hb_datastores ? DEAD_DS_S : DEAD_S;

	ha_timer(ha, ha->now + HB_WATCH_S * HA_SECOND, T_HB_MISSED, m, h, e);
	ha_timer(ha, ha->now + UNREACHABLE_S * HA_SECOND, T_UNREACHABLE, m, h, e);
	ha_timer(ha, ha->now + dead * HA_SECOND, T_VERDICT, m, h, e);
}

/*
 * Apply a change to the hosts: note each host's master before, change,
 * then every master that can no longer hear one of its slaves starts
 * that slave's timeline, and sides without a master elect one.
 */
typedef void change_fn(struct ha *ha, void *arg);

static int change(struct ha *ha, uint64_t now_ns, change_fn *fn, void *arg)
{
	uint32_t *was = malloc((ha->nhosts ? ha->nhosts : 1) * sizeof *was);

	if (was == NULL)
		return SIM_ENOMEM;
	ha_run_until(ha, now_ns);	/* what was due happens first */
	for (uint32_t h = 0; h < ha->nhosts; h++)
		was[h] = ha->enabled ? ha_master(ha, h) : HA_NONE;
	fn(ha, arg);
	for (uint32_t h = 0; h < ha->nhosts; h++) {
		uint32_t m = was[h];

		if (m == HA_NONE || m == h || !ha->hosts[m].master ||
		    ha->hosts[m].failed || ha->hosts[m].isolated ||
		    ha_connected(ha, m, h))
			continue;
		lose_slave(ha, m, h);
	}
	if (ha->enabled)
		topology_changed(ha, MASTER_GONE_S);
	free(was);
	return SIM_OK;
}

static void do_fail(struct ha *ha, void *arg)
{
	uint32_t h = *(uint32_t *)arg;

	ha->hosts[h].failed = 1;
	ha->hosts[h].electing = 0;
	ha->hosts[h].epoch++;
	ha_emit(ha, HA_HOST_FAILED, h, HA_NONE, HA_NONE, 0);
	for (uint32_t v = 0; v < ha->nvms; v++)
		for (int c = 0; c < HA_COPIES; c++)
			if (ha->vms[v].copy[c] == h) {
				ha_vm_remove_copy(ha, v, h);
				ha_emit(ha, HA_VM_OFF, h, HA_NONE, v,
					HA_OFF_HOST_FAILED);
			}
}

int ha_fail_host(struct ha *ha, uint32_t host, uint64_t now_ns)
{
	if (host >= ha->nhosts || ha->hosts[host].failed)
		return SIM_EINVAL;
	return change(ha, now_ns, do_fail, &host);
}

struct isolate_arg {
	uint32_t h;
	bool storage;
};

static void do_isolate(struct ha *ha, void *arg)
{
	struct isolate_arg *i = arg;
	struct ha_host *h = &ha->hosts[i->h];

	h->isolated = 1;
	h->storage_lost = i->storage;
	h->epoch++;
	ha_emit(ha, HA_HOST_CUT_OFF, i->h, HA_NONE, HA_NONE, i->storage);
	/* a host that cannot reach its datastores cannot renew its locks */
	if (i->storage)
		for (uint32_t v = 0; v < ha->nvms; v++)
			if (ha->vms[v].lock == i->h)
				ha->vms[v].lock = HA_NONE;
}

int ha_isolate_host(struct ha *ha, uint32_t host, bool storage_too,
		    uint64_t now_ns)
{
	struct isolate_arg a = { host, storage_too };

	if (host >= ha->nhosts || ha->hosts[host].failed ||
	    ha->hosts[host].isolated)
		return SIM_EINVAL;
	return change(ha, now_ns, do_isolate, &a);
}

static void do_partition(struct ha *ha, void *arg)
{
	const uint32_t *side = arg;

	for (uint32_t h = 0; h < ha->nhosts; h++) {
		if (ha->hosts[h].side == side[h])
			continue;
		ha->hosts[h].side = side[h];
		ha->hosts[h].epoch++;
		ha_emit(ha, HA_PARTITIONED, h, HA_NONE, HA_NONE, side[h]);
	}
}

int ha_partition(struct ha *ha, const uint32_t *side, uint64_t now_ns)
{
	return change(ha, now_ns, do_partition, (void *)side);
}

static void do_restore(struct ha *ha, void *arg)
{
	uint32_t h = *(uint32_t *)arg;
	struct ha_host *host = &ha->hosts[h];

	host->failed = 0;
	host->isolated = 0;
	host->storage_lost = 0;
	host->self_isolated = 0;
	host->electing = 0;
	host->side = 0;
	host->epoch++;
	ha_emit(ha, HA_RESTORED, h, HA_NONE, HA_NONE, 0);
	ha_settle_copies(ha, h);
}

int ha_restore_host(struct ha *ha, uint32_t host, uint64_t now_ns)
{
	if (host >= ha->nhosts)
		return SIM_EINVAL;
	return change(ha, now_ns, do_restore, &host);
}

int ha_enable(struct ha *ha, uint64_t now_ns)
{
	if (ha->enabled)
		return SIM_OK;
	ha_run_until(ha, now_ns);
	ha->enabled = 1;
	ha_emit(ha, HA_ENABLED, HA_NONE, HA_NONE, HA_NONE, ha->nhosts);
	topology_changed(ha, 0);
	return SIM_OK;
}

/* ---- the timers' work ------------------------------------------------------ */

/* Is the master m still watching lost slave h, as when the timer was set? */
static bool still_lost(const struct ha *ha, const struct ha_timer *t)
{
	const struct ha_host *m = &ha->hosts[t->a];

	return m->master && !m->failed && !m->isolated &&
	       ha->hosts[t->b].epoch == t->epoch && !ha_connected(ha, t->a, t->b);
}

/* Datastore heartbeats from h reach the master: it is alive somewhere. */
static bool writes_heartbeats(const struct ha *ha, uint32_t h)
{
	return ha->cfg.hb_datastores > 0 && ha_has_storage(ha, h);
}

static void verdict(struct ha *ha, uint32_t m, uint32_t h)
{
	if (writes_heartbeats(ha, h)) {
		ha_emit(ha, HA_ALIVE_ELSEWHERE, h, m, HA_NONE,
			ha->hosts[h].isolated);
		return;
	}
	ha_emit(ha, HA_DEAD, h, m, HA_NONE, ha->cfg.hb_datastores ? DEAD_DS_S : DEAD_S);
	ha_restart_host_vms(ha, h);
}

/*
 * A new master's sweep (T35): the hosts it could not hear when it was
 * elected, and still cannot, that write no datastore heartbeat, are dead;
 * their VMs restart.  (A host lost after the election has its own slave
 * timeline.)
 */
static void sweep(struct ha *ha, uint32_t m)
{
	if (!ha->hosts[m].master || ha->hosts[m].failed || ha->hosts[m].isolated)
		return;
	for (uint32_t h = 0; h < ha->nhosts; h++) {
		struct ha_host *host = &ha->hosts[h];

		if (!host->sweep || host->sweep_epoch != host->epoch ||
		    ha_connected(ha, m, h))
			continue;
		host->sweep = 0;
		if (!writes_heartbeats(ha, h)) {
			ha_emit(ha, HA_DEAD, h, m, HA_NONE, 0);
			ha_restart_host_vms(ha, h);
		}
	}
}

static void elected(struct ha *ha, uint32_t h, bool announce_election)
{
	uint32_t m;

	if (ha->hosts[h].failed || ha_master(ha, h) != HA_NONE)
		goto out;
	if (announce_election) {
		ha_emit(ha, HA_ELECTION, h, HA_NONE, HA_NONE, 0);
		return;
	}
	m = elect(ha, h);
	ha->hosts[m].master = 1;
	for (uint32_t x = 0; x < ha->nhosts; x++) {
		ha->hosts[x].sweep = !ha_connected(ha, m, x);
		ha->hosts[x].sweep_epoch = ha->hosts[x].epoch;
	}
	ha_emit(ha, HA_MASTER, m, HA_NONE, HA_NONE, ha->hosts[m].cfg.datastores);
	check_isolation(ha, m);
	ha_timer(ha, ha->now + SWEEP_S * HA_SECOND, T_SWEEP, m, 0, 0);
out:
	if (!announce_election)
		for (uint32_t x = 0; x < ha->nhosts; x++)
			if (ha_connected(ha, h, x))
				ha->hosts[x].electing = 0;
}

/*
 * The isolation response, VM by VM, on isolated host h.  A VM whose
 * restart priority is disabled gets none: HA would not restart it, so
 * it is left running ("If a virtual machine has a restart priority
 * setting of Disabled, no host isolation response is made" [src: vSphere
 * 6.0 Availability guide, "Host Isolation Response"]).
 */
static void respond(struct ha *ha, uint32_t h)
{
	for (uint32_t v = 0; v < ha->nvms; v++) {
		const struct ha_vm *vm = &ha->vms[v];
		bool here = vm->copy[0] == h || vm->copy[1] == h;

		if (!here || vm->cfg.priority == HA_PRIO_DISABLED)
			continue;
		ha_emit(ha, HA_ISOLATION_RESPONSE, h, HA_NONE, v, vm->cfg.isolation);
		if (vm->cfg.isolation == HA_ISO_POWER_OFF)
			ha_timer(ha, ha->now, T_SHUTDOWN_DONE, v, h,
				 ha->hosts[h].epoch);
		else if (vm->cfg.isolation == HA_ISO_SHUTDOWN)
			ha_timer(ha, ha->now + (uint64_t)(vm->cfg.tools ?
				 ha->cfg.guest_shutdown_s :
				 ha->cfg.shutdown_timeout_s) * HA_SECOND,
				 T_SHUTDOWN_DONE, v, h, ha->hosts[h].epoch);
	}
}

/*
 * An isolated host powered vm off: its disk lock is free.  When the host
 * can still write to the datastore, the master reads there (the poweron
 * file) that the VM is off and restarts it at once.
 */
static void isolation_off(struct ha *ha, uint32_t v, uint32_t h)
{
	struct ha_vm *vm = &ha->vms[v];

	if (vm->copy[0] != h && vm->copy[1] != h)
		return;
	ha_vm_remove_copy(ha, v, h);
	ha_emit(ha, HA_VM_OFF, h, HA_NONE, v, HA_OFF_ISOLATION);
	if (vm->state == VMS_ON && vm->host == h && ha_has_storage(ha, h))
		ha_restart_vm(ha, v);
}

static void fire(struct ha *ha, const struct ha_timer *t)
{
	struct ha_host *h = t->kind <= T_RESPONSE ? &ha->hosts[t->a] : NULL;

	switch (t->kind) {
	case T_ELECTION:
	case T_ELECTED:
		elected(ha, t->a, t->kind == T_ELECTION);
		break;
	case T_SWEEP:
		sweep(ha, t->a);
		break;
	case T_HB_MISSED:
		if (still_lost(ha, t))
			ha_emit(ha, HA_HB_MISSED, t->b, t->a, HA_NONE, HB_WATCH_S);
		break;
	case T_UNREACHABLE:
		if (still_lost(ha, t))
			ha_emit(ha, HA_UNREACHABLE, t->b, t->a, HA_NONE, UNREACHABLE_S);
		break;
	case T_VERDICT:
		if (still_lost(ha, t))
			verdict(ha, t->a, t->b);
		break;
	case T_ISOLATED:
		if (h->isolated && h->epoch == t->epoch && !h->self_isolated) {
			h->self_isolated = 1;
			ha_emit(ha, HA_ISOLATED, t->a, HA_NONE, HA_NONE, 0);
			ha_timer(ha, ha->now + ha->cfg.isolation_delay_s * HA_SECOND,
				 T_RESPONSE, t->a, 0, h->epoch);
		}
		break;
	case T_RESPONSE:
		if (h->isolated && h->epoch == t->epoch)
			respond(ha, t->a);
		break;
	case T_SHUTDOWN_DONE:
		if (ha->hosts[t->b].epoch == t->epoch)
			isolation_off(ha, t->a, t->b);
		break;
	case T_POWERED_ON:
		ha_on_powered_on(ha, t->a, t->b, t->epoch);
		break;
	case T_RETRY:
		ha_on_retry(ha, t->a, t->epoch);
		break;
	case T_READY_TIMEOUT:
		ha_on_ready_timeout(ha, t->a, t->epoch);
		break;
	}
}

int ha_run_until(struct ha *ha, uint64_t t_ns)
{
	while (ha->nheap && ha->heap[0].t_ns <= t_ns) {
		struct ha_timer t = ha_timer_pop(ha);

		if (t.t_ns > ha->now)
			ha->now = t.t_ns;
		fire(ha, &t);
	}
	if (t_ns > ha->now)
		ha->now = t_ns;
	return SIM_OK;
}

uint64_t ha_next_ns(const struct ha *ha)
{
	return ha->nheap ? ha->heap[0].t_ns : UINT64_MAX;
}

