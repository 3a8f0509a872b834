/*
 * drs_ha_trace.c - DRS and HA events (EV_DRS, EV_HA) written down: their
 * fields for the JSON trace and Lua, and a line of English.  trace.c hands
 * these two kinds over; names come from the event's cluster.
 */
#include <stdio.h>
#include <string.h>

#include "cluster/drs_cluster.h"
#include "cluster/drs_ha_trace.h"
#include "cluster/ha.h"

static const char *host_name(struct sim *s, int cluster, uint16_t h)
{
	struct cluster *c = cluster_of_world(s, cluster);

	if (c == NULL || h == 0xffff || h >= cluster_host_count(c))
		return "-";
	return cluster_host(c, h)->host->name;
}

static const char *vm_name(struct sim *s, int cluster, uint16_t v)
{
	struct cluster *c = cluster_of_world(s, cluster);

	if (c == NULL || v == 0xffff || v >= cluster_vm_count(c))
		return "-";
	return cluster_vm(c, v)->name;
}

static void f_str(trace_field_fn *fn, void *ctx, const char *key,
		  const char *str)
{
	struct trace_field f = { key, TRACE_STR, str, strlen(str), 0, 0 };

	fn(ctx, &f);
}

static void f_int(trace_field_fn *fn, void *ctx, const char *key, uint64_t n)
{
	struct trace_field f = { key, TRACE_INT, NULL, 0, n, 0 };

	fn(ctx, &f);
}

void drs_ha_trace_fields(struct sim *s, const struct event *ev,
			 trace_field_fn *fn, void *ctx)
{
	if (ev->kind == EV_DRS) {
		int c = ev->u.drs.cluster;

		f_str(fn, ctx, "action", drs_action_name((enum drs_action)ev->u.drs.action));
		f_str(fn, ctx, "cvm", vm_name(s, c, ev->u.drs.vm));
		f_str(fn, ctx, "from", host_name(s, c, ev->u.drs.from));
		f_str(fn, ctx, "to", host_name(s, c, ev->u.drs.to));
		f_int(fn, ctx, "priority", ev->u.drs.priority);
		f_str(fn, ctx, "why", drs_why_name((enum drs_why)ev->u.drs.why));
		f_int(fn, ctx, "mhz", ev->u.drs.mhz);
		f_int(fn, ctx, "before_ppm", ev->u.drs.before_ppm);
		f_int(fn, ctx, "after_ppm", ev->u.drs.after_ppm);
	} else if (ev->kind == EV_HA) {
		int c = ev->u.ha.cluster;

		f_str(fn, ctx, "action", ha_action_name((enum ha_action)ev->u.ha.action));
		f_str(fn, ctx, "cvm", vm_name(s, c, ev->u.ha.vm));
		f_str(fn, ctx, "host", host_name(s, c, ev->u.ha.host));
		f_str(fn, ctx, "other", host_name(s, c, ev->u.ha.other));
		if (ev->u.ha.vm != 0xffff)
			f_str(fn, ctx, "priority",
			      ha_priority_name((enum ha_priority)ev->u.ha.priority));
		f_int(fn, ctx, "a", ev->u.ha.a);
	}
}

/* What each HA step means, for the English line. */
static void ha_text(struct sim *s, const struct event *ev, char *buf,
		    size_t size)
{
	int c = ev->u.ha.cluster;
	const char *h = host_name(s, c, ev->u.ha.host);
	const char *o = host_name(s, c, ev->u.ha.other);
	const char *vm = vm_name(s, c, ev->u.ha.vm);
	uint32_t a = ev->u.ha.a;

	switch ((enum ha_action)ev->u.ha.action) {
	case HA_ENABLED:
		snprintf(buf, size, "HA enabled on %u hosts: the agents elect a master", a);
		break;
	case HA_ELECTION:
		snprintf(buf, size, "HA: no master heard for 10 s; %s's side starts an election", h);
		break;
	case HA_MASTER:
		snprintf(buf, size, "HA: %s is the master (%u datastore%s%s%s)", h, a,
			 a == 1 ? "" : "s",
			 ev->u.ha.other != 0xffff ? "; over " : "",
			 ev->u.ha.other != 0xffff ? o : "");
		break;
	case HA_HOST_FAILED:
		snprintf(buf, size, "HA: %s fails", h);
		break;
	case HA_HOST_CUT_OFF:
		snprintf(buf, size, "HA: %s is cut off from the management network%s", h,
			 a ? " and from its datastores" : "");
		break;
	case HA_PARTITIONED:
		snprintf(buf, size, "HA: the network splits; %s is on side %u", h, a);
		break;
	case HA_HB_MISSED:
		snprintf(buf, size, "HA: master %s misses %s's heartbeats for 3 s; it watches its datastore heartbeats", o, h);
		break;
	case HA_UNREACHABLE:
		snprintf(buf, size, "HA: %s is unreachable (10 s); master %s pings it", h, o);
		break;
	case HA_DEAD:
		snprintf(buf, size, "HA: %s is declared dead; its VMs will restart", h);
		break;
	case HA_ALIVE_ELSEWHERE:
		snprintf(buf, size, "HA: %s is unreachable but writes datastore heartbeats: %s, not dead", h,
			 a ? "isolated" : "partitioned");
		break;
	case HA_PING_ISOLATION:
		snprintf(buf, size, "HA: %s hears no agent; it pings its isolation address", h);
		break;
	case HA_ISOLATED:
		snprintf(buf, size, "HA: %s declares itself isolated", h);
		break;
	case HA_ISOLATION_RESPONSE:
		snprintf(buf, size, "HA: %s applies the isolation response to %s: %s", h, vm,
			 ha_isolation_name((enum ha_isolation)a));
		break;
	case HA_VM_OFF:
		snprintf(buf, size, "HA: %s is off on %s", vm, h);
		break;
	case HA_RESTART:
		snprintf(buf, size, "HA: restarting %s (%s) on %s, attempt %u", vm,
			 ha_priority_name((enum ha_priority)ev->u.ha.priority), o, a);
		break;
	case HA_RESTARTED:
		snprintf(buf, size, "HA: %s is powered on on %s", vm, o);
		break;
	case HA_NO_HOST:
		snprintf(buf, size, "HA: no host can take %s; next attempt in %u s", vm, a);
		break;
	case HA_LOCKED:
		snprintf(buf, size, "HA: %s's disk is locked by its copy on %s; next attempt in %u s", vm, o, a);
		break;
	case HA_GAVE_UP:
		snprintf(buf, size, "HA: gave up on %s after %u attempts", vm, a);
		break;
	case HA_PRIORITY_DONE:
		snprintf(buf, size, "HA: restart priority %s is done%s",
			 ha_priority_name((enum ha_priority)(a & 0xff)),
			 a & 0x100 ? " (600 s timeout)" : "");
		break;
	case HA_RESTORED:
		snprintf(buf, size, "HA: %s is back", h);
		break;
	case HA_LOCK_LOST:
		snprintf(buf, size, "HA: %s's copy on %s lost its disk lock to %s and is killed", vm, h, o);
		break;
	case HA_REFUSED:
		snprintf(buf, size, "HA admission control refuses to power %s on", vm);
		break;
	case HA_POWERED_ON:
		snprintf(buf, size, "HA: %s powered on on %s", vm, h);
		break;
	default:
		snprintf(buf, size, "HA: ?");
		break;
	}
}

void drs_ha_trace_text(struct sim *s, const struct event *ev, char *buf,
		       size_t size)
{
	int c;

	if (ev->kind == EV_HA) {
		ha_text(s, ev, buf, size);
		return;
	}
	c = ev->u.drs.cluster;
	switch ((enum drs_action)ev->u.drs.action) {
	case DRS_PASS:
		snprintf(buf, size, "DRS pass: imbalance %.3f, target %.3f, %u move%s",
			 ev->u.drs.before_ppm / 1e6, ev->u.drs.after_ppm / 1e6,
			 ev->u.drs.mhz, ev->u.drs.mhz == 1 ? "" : "s");
		break;
	case DRS_RECOMMEND:
	case DRS_APPLIED:
		snprintf(buf, size, "DRS %s: %s %s -> %s (priority %u, %s; imbalance %.3f -> %.3f)",
			 ev->u.drs.action == DRS_APPLIED ? "moves" : "recommends moving",
			 vm_name(s, c, ev->u.drs.vm), host_name(s, c, ev->u.drs.from),
			 host_name(s, c, ev->u.drs.to), ev->u.drs.priority,
			 drs_why_name((enum drs_why)ev->u.drs.why),
			 ev->u.drs.before_ppm / 1e6, ev->u.drs.after_ppm / 1e6);
		break;
	case DRS_STUCK:
		snprintf(buf, size, "DRS: %u mandatory move%s found no host", ev->u.drs.mhz,
			 ev->u.drs.mhz == 1 ? "" : "s");
		break;
	case DRS_MAINTENANCE_IN:
		snprintf(buf, size, "%s is entering maintenance mode: it takes no VM and waits until none runs on it%s",
			 host_name(s, c, ev->u.drs.from),
			 ev->u.drs.mhz ? " (the task has a timeout)" : "");
		break;
	case DRS_MAINTENANCE_DONE:
		snprintf(buf, size, "%s is in maintenance mode: no powered-on VM is left (it waited %u s)",
			 host_name(s, c, ev->u.drs.from), ev->u.drs.mhz);
		break;
	case DRS_MAINTENANCE_TIMEOUT:
		snprintf(buf, size, "%s: entering maintenance mode timed out with %u powered-on VM%s left; it is connected again",
			 host_name(s, c, ev->u.drs.from), ev->u.drs.mhz,
			 ev->u.drs.mhz == 1 ? "" : "s");
		break;
	case DRS_MAINTENANCE_CANCELLED:
		snprintf(buf, size, "%s: entering maintenance mode cancelled with %u powered-on VM%s left; it is connected again, VMotions under way complete",
			 host_name(s, c, ev->u.drs.from), ev->u.drs.mhz,
			 ev->u.drs.mhz == 1 ? "" : "s");
		break;
	case DRS_MAINTENANCE_OUT:
		snprintf(buf, size, "%s leaves maintenance mode", host_name(s, c, ev->u.drs.from));
		break;
	case DRS_PLACED:
		snprintf(buf, size, "DRS places %s (%u MHz) on %s, where it leaves the least imbalance (%.3f -> %.3f)",
			 vm_name(s, c, ev->u.drs.vm), ev->u.drs.mhz,
			 host_name(s, c, ev->u.drs.to),
			 ev->u.drs.before_ppm / 1e6, ev->u.drs.after_ppm / 1e6);
		break;
	default:
		snprintf(buf, size, "DRS: ?");
		break;
	}
}
