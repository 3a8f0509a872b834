/*
 * api_drsha.c - DRS and HA for scenarios: a thin binding over
 * sim/cluster/drs_cluster.h and ha_cluster.h.
 *
 *   local recs = drs(c, {threshold=3, automation="manual"})
 *   say(recs[1].reason)            -- "h1 at 0.65, h3 at 0.35; moving db ..."
 *   c:drs{enabled=true, threshold=3, automation="full", period_s=300}
 *   c:drs_rule{name="web-split", kind="apart", vms={web1, web2}}
 *   local imb, target = c:imbalance()
 *   enter_maintenance(h1, {timeout=600})   exit_maintenance(h1)   h1.state
 *   cancel_maintenance(h1)         -- while it is still entering
 *   c:ha{enabled=true, admission="slots", host_failures=1}
 *   local s = c:ha_slots()         -- {slot_cpu_mhz=, ..., per_host={h1=4,...}}
 *   fail_host(h2)   isolate_host(h3, {storage=false})
 *   partition{ {h1, h2}, {h3, h4} }   restore_host(h2)
 *   local ok, why = ha_power_on(vm)
 *
 * A cluster, a host or a VM may be given as its object (anything with a
 * `name` field: the cluster binding's objects) or as its name; moves name
 * the VM and hosts by their objects.  The
 * cluster's methods (drs, imbalance, ha, ha_slots: api_cluster.c adds
 * api_drsha_cluster_methods to its metatable) are also globals taking
 * the cluster first, so `c:drs{...}` and `drs_config(c, {...})` are the
 * same call.  Refusals return false and the sentence; wrong
 * arguments raise an error.
 */
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "cluster/drs_cluster.h"
#include "cluster/drs_maint.h"
#include "cluster/ha_cluster.h"
#include "engine.h"
#include "status.h"

#define NAME_MAX_ 64

/* The name of the object (or the string) at idx, copied into buf; an
 * error if it has none. */
static const char *name_at(lua_State *L, int idx, const char *what,
			   const char *fn, char buf[NAME_MAX_])
{
	const char *name = NULL;

	idx = lua_absindex(L, idx);
	if (lua_type(L, idx) == LUA_TSTRING) {
		name = lua_tostring(L, idx);
		lua_pushvalue(L, idx);
	} else if (lua_type(L, idx) == LUA_TUSERDATA ||
		   lua_type(L, idx) == LUA_TTABLE) {
		lua_getfield(L, idx, "name");
		name = lua_tostring(L, -1);
	} else {
		lua_pushnil(L);
	}
	if (name == NULL)
		luaL_error(L, "%s: argument %d is not a %s (nor its name)", fn,
			   idx, what);
	snprintf(buf, NAME_MAX_, "%s", name);
	lua_pop(L, 1);
	return buf;
}

static struct cluster *check_cluster(lua_State *L, int idx, const char *fn)
{
	struct sim *s = engine_get(L)->sim;
	char buf[NAME_MAX_];
	const char *name = name_at(L, idx, "cluster", fn, buf);
	struct cluster *c;

	for (int i = 0; (c = cluster_of_world(s, i)) != NULL; i++)
		if (strcmp(cluster_name(c), name) == 0)
			return c;
	luaL_error(L, "%s: no cluster named %s", fn, name);
	return NULL;
}

/* A host of some cluster, by object or name: its cluster and index. */
static int check_host(lua_State *L, int idx, const char *fn,
		      struct cluster **out)
{
	struct sim *s = engine_get(L)->sim;
	char buf[NAME_MAX_];
	const char *name = name_at(L, idx, "host", fn, buf);
	struct cluster *c;

	for (int i = 0; (c = cluster_of_world(s, i)) != NULL; i++) {
		int h = cluster_host_by_name(c, name);

		if (h >= 0) {
			*out = c;
			return h;
		}
	}
	luaL_error(L, "%s: no host named %s in any cluster", fn, name);
	return -1;
}

static int answer(lua_State *L, int rc, const char *err)
{
	if (rc == SIM_EINVAL)
		return luaL_error(L, "%s", err);
	return api_world_answer(L, rc == SIM_OK, rc == SIM_OK ? "" : err);
}

/* ---- DRS --------------------------------------------------------------------- */

/* The plan's moves as { {vm=, from=, to=, priority=, goodness=, reason=}, ...}. */
static void push_moves(lua_State *L, struct cluster *c, const struct drs_plan *p)
{
	lua_createtable(L, (int)p->nmoves, 0);
	for (size_t i = 0; i < p->nmoves; i++) {
		const struct drs_move *m = &p->moves[i];

		lua_createtable(L, 0, 8);
		api_world_push_handle(L, API_CVM_MT,
				      API_CVM_ID(cluster_index(c), (int)m->vm));
		lua_setfield(L, -2, "vm");
		api_world_push_host(L, cluster_host(c, (int)m->from)->host);
		lua_setfield(L, -2, "from");
		api_world_push_host(L, cluster_host(c, (int)m->to)->host);
		lua_setfield(L, -2, "to");
		api_world_set_int(L, "priority", (uint64_t)m->priority);
		lua_pushnumber(L, m->goodness);
		lua_setfield(L, -2, "goodness");
		lua_pushstring(L, drs_why_name(m->why));
		lua_setfield(L, -2, "why");
		lua_pushstring(L, m->reason);
		lua_setfield(L, -2, "reason");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

static enum drs_automation automation_arg(lua_State *L, int t, const char *fn,
					  enum drs_automation dflt)
{
	const char *a = args_string(L, t, "automation", fn);
	enum drs_automation out = dflt;

	if (a && drs_automation_parse(a, &out) != SIM_OK)
		luaL_error(L, "%s: automation is \"manual\", \"partial\" or \"full\", not \"%s\"",
			   fn, a);
	return out;
}

/* drs(c, {threshold=, automation=}): one pass now; its recommendations. */
static int l_drs(lua_State *L)
{
	static const char *const fields[] = { "threshold", "automation", NULL };
	struct cluster *c = check_cluster(L, 1, "drs");
	int threshold = 3;
	enum drs_automation a = DRS_MANUAL;
	struct drs_plan p;
	char err[GUEST_ERR_MAX];

	if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		args_check(L, 2, "drs", fields);
		threshold = (int)args_count(L, 2, "threshold", "drs", 0, 5);
		if (threshold == 0)
			threshold = 3;
		a = automation_arg(L, 2, "drs", DRS_MANUAL);
	}
	if (drs_cluster_run(c, threshold, a, &p, err) != SIM_OK)
		return luaL_error(L, "drs: %s", err);
	push_moves(L, c, &p);
	drs_plan_free(&p);
	return 1;
}

/* c:drs{enabled=, threshold=, automation=, period_s=}: DRS's settings. */
static int l_drs_config(lua_State *L)
{
	static const char *const fields[] = {
		"enabled", "threshold", "automation", "period_s", NULL
	};
	struct cluster *c = check_cluster(L, 1, "drs");
	struct drs_cluster_config cfg = { .enabled = true };
	char err[GUEST_ERR_MAX];

	luaL_checktype(L, 2, LUA_TTABLE);
	args_check(L, 2, "drs", fields);
	if (lua_getfield(L, 2, "enabled") != LUA_TNIL)
		cfg.enabled = lua_toboolean(L, -1);
	lua_pop(L, 1);
	cfg.threshold = (int)args_count(L, 2, "threshold", "drs", 0, 5);
	cfg.automation = automation_arg(L, 2, "drs", DRS_FULL);
	cfg.period_s = (uint32_t)args_count(L, 2, "period_s", "drs", 0, 86400);
	return answer(L, drs_cluster_configure(c, &cfg, err), err);
}

/* c:imbalance(): the imbalance now and the threshold's target. */
static int l_imbalance(lua_State *L)
{
	struct cluster *c = check_cluster(L, 1, "imbalance");
	double target;

	lua_pushnumber(L, drs_cluster_imbalance(c, &target));
	lua_pushnumber(L, target);
	return 2;
}

/* The cluster VM (object or name) at idx in cluster c: its id. */
static int check_vm_in(lua_State *L, int idx, struct cluster *c, const char *fn)
{
	char buf[NAME_MAX_];
	const char *name = name_at(L, idx, "VM", fn, buf);
	int vm = cluster_vm_by_name(c, name);

	if (vm < 0)
		luaL_error(L, "%s: no VM named %s in %s", fn, name, cluster_name(c));
	return vm;
}

/* The list t[key] of VMs or hosts, as ids; returns how many. */
static int id_list(lua_State *L, int t, const char *key, struct cluster *c,
		   bool hosts, int *ids, int max)
{
	int n = 0;

	if (lua_getfield(L, t, key) == LUA_TNIL) {
		lua_pop(L, 1);
		return 0;
	}
	luaL_checktype(L, -1, LUA_TTABLE);
	for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, -1) && n < max; i++) {
		struct cluster *hc;

		lua_rawgeti(L, -1, i);
		if (hosts) {
			ids[n] = check_host(L, lua_gettop(L), "drs_rule", &hc);
			if (hc != c)
				luaL_error(L, "drs_rule: a host of another cluster");
		} else {
			ids[n] = check_vm_in(L, lua_gettop(L), c, "drs_rule");
		}
		n++;
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return n;
}

/*
 * c:drs_rule{name=, kind="together"|"apart"|"on_hosts"|"off_hosts",
 *            must=true, vms={...}, hosts={...}}
 */
static int l_drs_rule(lua_State *L)
{
	static const char *const fields[] = {
		"name", "kind", "must", "vms", "hosts", NULL
	};
	static const char *const kinds[] = {
		"together", "apart", "on_hosts", "off_hosts", NULL
	};
	struct cluster *c = check_cluster(L, 1, "drs_rule");
	int vms[64], hosts[CLUSTER_MAX_HOSTS], nv, nh, k = 0;
	const char *kind, *name;
	bool must = true;
	char err[GUEST_ERR_MAX];

	luaL_checktype(L, 2, LUA_TTABLE);
	args_check(L, 2, "drs_rule", fields);
	name = args_string(L, 2, "name", "drs_rule");
	kind = args_string(L, 2, "kind", "drs_rule");
	while (kind && kinds[k] && strcmp(kinds[k], kind) != 0)
		k++;
	if (kind == NULL || kinds[k] == NULL)
		return luaL_error(L, "drs_rule: kind is \"together\", \"apart\", \"on_hosts\" or \"off_hosts\"");
	if (lua_getfield(L, 2, "must") != LUA_TNIL)
		must = lua_toboolean(L, -1);
	lua_pop(L, 1);
	nv = id_list(L, 2, "vms", c, false, vms, 64);
	nh = id_list(L, 2, "hosts", c, true, hosts, CLUSTER_MAX_HOSTS);
	return answer(L, drs_cluster_add_rule(c, name ? name : kinds[k],
					      (enum drs_rule_kind)k, must, vms,
					      nv, hosts, nh, err), err);
}

/*
 * enter_maintenance(h [, {timeout=s}]): the DRS pass's moves; the host
 * is entering maintenance mode until no powered-on VM is left (h.state).
 */
static int l_enter_maintenance(lua_State *L)
{
	struct cluster *c;
	int h = check_host(L, 1, "enter_maintenance", &c);
	lua_Integer timeout = 0;
	struct drs_plan p;
	char err[GUEST_ERR_MAX];

	if (lua_istable(L, 2)) {
		if (lua_getfield(L, 2, "timeout") != LUA_TNIL)
			timeout = luaL_checkinteger(L, -1);
		lua_pop(L, 1);
	}
	if (timeout < 0 || timeout > UINT32_MAX)
		return luaL_error(L, "enter_maintenance: timeout is seconds, 0 (none) or more");
	if (drs_maint_enter(c, h, (uint32_t)timeout, &p, err) != SIM_OK)
		return luaL_error(L, "enter_maintenance: %s", err);
	push_moves(L, c, &p);
	drs_plan_free(&p);
	return 1;
}

static int l_exit_maintenance(lua_State *L)
{
	struct cluster *c;
	int h = check_host(L, 1, "exit_maintenance", &c);
	char err[GUEST_ERR_MAX];

	return answer(L, drs_maint_exit(c, h, err), err);
}

/* cancel_maintenance(h): the task of a host entering maintenance mode
 * cancelled; it is connected again (drs_maint_cancel). */
static int l_cancel_maintenance(lua_State *L)
{
	struct cluster *c;
	int h = check_host(L, 1, "cancel_maintenance", &c);
	char err[GUEST_ERR_MAX];

	return answer(L, drs_maint_cancel(c, h, err), err);
}

/* ---- HA ---------------------------------------------------------------------- */

static const char *const admission_names[] = {
	"off", "slots", "percentage", "failover_host", NULL
};

/* c:ha{enabled=, admission=, host_failures=, cpu_pct=, mem_pct=,
 *      failover_host=, isolation_address=, heartbeat_datastores=, readiness=} */
static int l_ha(lua_State *L)
{
	static const char *const fields[] = {
		"enabled", "admission", "host_failures", "cpu_pct", "mem_pct",
		"failover_host", "isolation_address", "heartbeat_datastores",
		"readiness", NULL
	};
	struct cluster *c = check_cluster(L, 1, "ha");
	struct ha_cluster_config cfg;
	const char *s;
	char err[GUEST_ERR_MAX];

	ha_cluster_config_default(&cfg);
	luaL_checktype(L, 2, LUA_TTABLE);
	args_check(L, 2, "ha", fields);
	if (lua_getfield(L, 2, "enabled") != LUA_TNIL)
		cfg.enabled = lua_toboolean(L, -1);
	lua_pop(L, 1);
	if ((s = args_string(L, 2, "admission", "ha")) != NULL) {
		int i = 0;

		while (admission_names[i] && strcmp(admission_names[i], s) != 0)
			i++;
		if (admission_names[i] == NULL)
			return luaL_error(L, "ha: admission is \"off\", \"slots\", \"percentage\" or \"failover_host\", not \"%s\"", s);
		cfg.admission = (enum ha_admission)i;
	}
	if (lua_getfield(L, 2, "host_failures") != LUA_TNIL)
		cfg.host_failures = (uint32_t)args_count(L, 2, "host_failures", "ha", 0, 95);
	lua_pop(L, 1);
	if (lua_getfield(L, 2, "cpu_pct") != LUA_TNIL)
		cfg.cpu_pct = (uint32_t)args_count(L, 2, "cpu_pct", "ha", 0, 100);
	lua_pop(L, 1);
	if (lua_getfield(L, 2, "mem_pct") != LUA_TNIL)
		cfg.mem_pct = (uint32_t)args_count(L, 2, "mem_pct", "ha", 0, 100);
	lua_pop(L, 1);
	if (lua_getfield(L, 2, "heartbeat_datastores") != LUA_TNIL)
		cfg.hb_datastores = (uint32_t)args_count(L, 2, "heartbeat_datastores",
							 "ha", 0, 5);
	lua_pop(L, 1);
	if (lua_getfield(L, 2, "failover_host") != LUA_TNIL) {
		struct cluster *hc;

		cfg.failover_host = check_host(L, lua_gettop(L), "ha", &hc);
		if (hc != c)
			return luaL_error(L, "ha: the failover host is not in this cluster");
	}
	lua_pop(L, 1);
	if (lua_getfield(L, 2, "isolation_address") != LUA_TNIL)
		cfg.no_isolation_address = !lua_toboolean(L, -1);
	lua_pop(L, 1);
	if ((s = args_string(L, 2, "readiness", "ha")) != NULL) {
		if (strcmp(s, "none") == 0)
			cfg.readiness = HA_READY_NONE;
		else if (strcmp(s, "poweredOn") == 0)
			cfg.readiness = HA_READY_POWERED_ON;
		else
			return luaL_error(L, "ha: readiness is \"none\" or \"poweredOn\", not \"%s\"", s);
	}
	return answer(L, ha_cluster_configure(c, &cfg, err), err);
}

/* c:ha_slots(): the slot arithmetic, and the percentage policy's figures. */
static int l_ha_slots(lua_State *L)
{
	struct cluster *c = check_cluster(L, 1, "ha_slots");
	uint32_t per[CLUSTER_MAX_HOSTS];
	struct ha_slots s;
	struct ha_percent p;

	if (ha_cluster_slots(c, per, &s) != SIM_OK)
		return luaL_error(L, "ha_slots: HA is off in %s (c:ha{})", cluster_name(c));
	ha_cluster_percent(c, &p);
	lua_createtable(L, 0, 12);
	api_world_set_int(L, "slot_cpu_mhz", s.slot_cpu_mhz);
	api_world_set_int(L, "slot_mem_mb", s.slot_mem_mb);
	api_world_set_int(L, "total", s.total);
	api_world_set_int(L, "usable", s.usable);
	api_world_set_int(L, "used", s.used);
	lua_pushinteger(L, (lua_Integer)s.available);
	lua_setfield(L, -2, "available");
	api_world_set_int(L, "failover_capacity", s.failover_capacity);
	api_world_set_int(L, "cpu_free_pct", p.cpu_free_pct);
	api_world_set_int(L, "mem_free_pct", p.mem_free_pct);
	lua_createtable(L, 0, cluster_host_count(c));
	for (int h = 0; h < cluster_host_count(c); h++) {
		lua_pushinteger(L, per[h]);
		lua_setfield(L, -2, cluster_host(c, h)->host->name);
	}
	lua_setfield(L, -2, "per_host");
	return 1;
}

static int l_fail_host(lua_State *L)
{
	struct cluster *c;
	int h = check_host(L, 1, "fail_host", &c);
	char err[GUEST_ERR_MAX];

	return answer(L, ha_cluster_fail_host(c, h, err), err);
}

/* isolate_host(h, {storage=true}): cut off from the network (and storage). */
static int l_isolate_host(lua_State *L)
{
	static const char *const fields[] = { "storage", NULL };
	struct cluster *c;
	int h = check_host(L, 1, "isolate_host", &c);
	bool storage = false;
	char err[GUEST_ERR_MAX];

	if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		args_check(L, 2, "isolate_host", fields);
		lua_getfield(L, 2, "storage");
		storage = lua_toboolean(L, -1);
		lua_pop(L, 1);
	}
	return answer(L, ha_cluster_isolate_host(c, h, storage, err), err);
}

/* partition{ {h1, h2}, {h3} }: each list a side; unlisted hosts: side 1. */
static int l_partition(lua_State *L)
{
	struct cluster *c = NULL;
	int side[CLUSTER_MAX_HOSTS];
	lua_Integer n;
	char err[GUEST_ERR_MAX];

	luaL_checktype(L, 1, LUA_TTABLE);
	n = (lua_Integer)lua_rawlen(L, 1);
	if (n < 1)
		return luaL_error(L, "partition: give the sides: partition{ {h1, h2}, {h3} }");
	for (int i = 0; i < CLUSTER_MAX_HOSTS; i++)
		side[i] = 1;
	for (lua_Integer s = 1; s <= n; s++) {
		lua_rawgeti(L, 1, s);
		luaL_checktype(L, -1, LUA_TTABLE);
		for (lua_Integer k = 1; k <= (lua_Integer)lua_rawlen(L, -1); k++) {
			struct cluster *hc;
			int h;

			lua_rawgeti(L, -1, k);
			h = check_host(L, lua_gettop(L), "partition", &hc);
			if (c != NULL && hc != c)
				return luaL_error(L, "partition: the hosts are in different clusters");
			c = hc;
			side[h] = (int)s - 1;
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
	}
	if (c == NULL)
		return luaL_error(L, "partition: no hosts given");
	return answer(L, ha_cluster_partition(c, side, err), err);
}

static int l_restore_host(lua_State *L)
{
	struct cluster *c;
	int h = check_host(L, 1, "restore_host", &c);
	char err[GUEST_ERR_MAX];

	return answer(L, ha_cluster_restore_host(c, h, err), err);
}

/* ha_power_on(vm): power a cluster VM on through admission control. */
static int l_ha_power_on(lua_State *L)
{
	struct sim *s = engine_get(L)->sim;
	char buf[NAME_MAX_];
	const char *name = name_at(L, 1, "VM", "ha_power_on", buf);
	struct cluster *c;
	char err[GUEST_ERR_MAX];

	for (int i = 0; (c = cluster_of_world(s, i)) != NULL; i++) {
		int vm = cluster_vm_by_name(c, name);

		if (vm >= 0)
			return answer(L, ha_cluster_power_on(c, vm, err), err);
	}
	return luaL_error(L, "ha_power_on: no cluster VM named %s", name);
}

const luaL_Reg api_drsha_cluster_methods[] = {
	{ "drs", l_drs_config }, { "imbalance", l_imbalance },
	{ "drs_rule", l_drs_rule }, { "ha", l_ha }, { "ha_slots", l_ha_slots },
	{ NULL, NULL }
};

void api_drsha_open(lua_State *L)
{
	static const luaL_Reg globals[] = {
		{ "drs", l_drs }, { "drs_config", l_drs_config },
		{ "imbalance", l_imbalance }, { "drs_rule", l_drs_rule },
		{ "enter_maintenance", l_enter_maintenance },
		{ "exit_maintenance", l_exit_maintenance },
		{ "cancel_maintenance", l_cancel_maintenance },
		{ "ha", l_ha }, { "ha_slots", l_ha_slots },
		{ "fail_host", l_fail_host }, { "isolate_host", l_isolate_host },
		{ "partition", l_partition }, { "restore_host", l_restore_host },
		{ "ha_power_on", l_ha_power_on }, { NULL, NULL }
	};

	lua_pushglobaltable(L);
	luaL_setfuncs(L, globals, 0);
	lua_pop(L, 1);
}
