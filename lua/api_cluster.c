/*
 * api_cluster.c - clusters, their VMs, and VMotion, for scenarios.
 *
 *   local c   = cluster{name="prod", shared_datastore="san0"}
 *   local h1  = c:add_host{name="esx1", cpu_model="xeon-5500"}
 *   local h2  = c:add_host{name="esx2", cpu_model="xeon-5500"}
 *   local web = c:add_vm{name="web", host=h1, guest="dirty", mem_mb=32}
 *   local db  = c:add_vm{name="db", host=h1, mem_mb=4096, cpu_mhz=800,
 *                        dirty_mb_s=40, reservation_mb=1024}
 *   local r = vmotion(web, h2, {bandwidth_mb_s=400, downtime_ms=30})
 *   print(r.ok, r.rounds, r.downtime_ms, r.error)
 *
 * A cluster and a cluster VM are userdata holding ids (the cluster's
 * number in the world; the VM's number in its cluster), like hosts and
 * VMs (api_world.c).  vmotion() is written in Lua (ringside.lua) on
 * vmotion_start() and vmotion_result() here: it starts the migration and
 * runs simulated time until it is over, so the player draws every round.
 */
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "cluster/cluster.h"
#include "cluster/drs_cluster.h"
#include "cluster/vmotion.h"
#include "engine.h"
#include "status.h"

#define CVM_ID API_CVM_ID

struct handle {
	int id;
};

static struct cluster *check_cluster(lua_State *L, int arg)
{
	struct handle *h = luaL_checkudata(L, arg, API_CLUSTER_MT);
	struct cluster *c = cluster_of_world(engine_get(L)->sim, h->id);

	if (c == NULL)
		luaL_error(L, "cluster %d no longer exists", h->id);
	return c;
}

/* The cluster VM at arg: its cluster in *c, its id returned. */
static int check_cvm(lua_State *L, int arg, struct cluster **c)
{
	struct handle *h = luaL_checkudata(L, arg, API_CVM_MT);

	*c = cluster_of_world(engine_get(L)->sim, h->id >> 16);
	if (*c == NULL || cluster_vm(*c, h->id & 0xffff) == NULL)
		luaL_error(L, "that cluster VM no longer exists");
	return h->id & 0xffff;
}

/* A host of cluster c at arg (a host object or its name): its index. */
static int check_chost(lua_State *L, int arg, struct cluster *c)
{
	const char *name;
	int i;

	if (lua_type(L, arg) == LUA_TSTRING)
		name = lua_tostring(L, arg);
	else
		name = api_world_check_host(L, arg)->name;
	if ((i = cluster_host_by_name(c, name)) < 0)
		luaL_error(L, "%s is not a host of cluster %s", name,
			   cluster_name(c));
	return i;
}

/* ---- cluster{} and its methods ---------------------------------------------- */

/* cluster{name=, shared_datastore=, network=} */
static int l_cluster(lua_State *L)
{
	static const char *const fields[] = {
		"name", "shared_datastore", "network", NULL
	};
	struct cluster_config cfg = { 0 };
	char err[GUEST_ERR_MAX];
	struct cluster *c;

	args_check(L, 1, "cluster", fields);
	cfg.name = args_string(L, 1, "name", "cluster");
	cfg.shared_datastore = args_string(L, 1, "shared_datastore", "cluster");
	cfg.network = args_string(L, 1, "network", "cluster");
	if (cluster_create(engine_get(L)->sim, &cfg, &c, err) != SIM_OK)
		return luaL_error(L, "cluster: %s", err);
	api_world_push_handle(L, API_CLUSTER_MT, cluster_index(c));
	return 1;
}

/* The strings of list field key (at most max), NULL-ended, in out. */
static void string_list(lua_State *L, int t, const char *key, const char *fn,
			const char **out, int max)
{
	int n = 0;

	if (lua_getfield(L, t, key) == LUA_TNIL) {
		lua_pop(L, 1);
		return;
	}
	if (!lua_istable(L, -1))
		luaL_error(L, "%s: %s must be a list of names", fn, key);
	for (int i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
		if (n == max || lua_type(L, -1) != LUA_TSTRING)
			luaL_error(L, "%s: %s is a list of at most %d names", fn,
				   key, max);
		out[n++] = lua_tostring(L, -1);	/* kept alive by the table */
		lua_pop(L, 1);
	}
	lua_pop(L, 2);
}

/* c:add_host{host{}'s fields, cpu_model=, networks={...}, local_datastore=} */
static int l_add_host(lua_State *L)
{
	static const char *const extra[] = {
		"cpu_model", "networks", "local_datastore"
	};
	const char *fields[16];
	struct cluster *c = check_cluster(L, 1);
	struct cluster_host_config cfg = { 0 };
	char err[GUEST_ERR_MAX];
	int n = 0, h;

	for (; api_host_fields[n]; n++)
		fields[n] = api_host_fields[n];
	for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
		fields[n++] = extra[i];
	fields[n] = NULL;
	args_check(L, 2, "add_host", fields);
	api_host_config(L, 2, "add_host", &cfg.host);
	cfg.cpu_model = args_string(L, 2, "cpu_model", "add_host");
	cfg.local_datastore = args_string(L, 2, "local_datastore", "add_host");
	string_list(L, 2, "networks", "add_host", cfg.networks, 7);
	if (cluster_add_host(c, &cfg, &h, err) != SIM_OK)
		return luaL_error(L, "add_host: %s", err);
	api_world_push_host(L, cluster_host(c, h)->host);
	return 1;
}

/* c:add_datastore{name=, shared=true | host=H} */
static int l_add_datastore(lua_State *L)
{
	static const char *const fields[] = { "name", "shared", "host", NULL };
	struct cluster *c = check_cluster(L, 1);
	char err[GUEST_ERR_MAX];
	int host = -1;
	bool shared;

	args_check(L, 2, "add_datastore", fields);
	lua_getfield(L, 2, "host");
	if (!lua_isnil(L, -1))
		host = check_chost(L, lua_gettop(L), c);
	lua_pop(L, 1);
	lua_getfield(L, 2, "shared");
	shared = lua_isnil(L, -1) ? host < 0 : lua_toboolean(L, -1);
	lua_pop(L, 1);
	if (cluster_add_datastore(c, args_string(L, 2, "name", "add_datastore"),
				  shared, host, 0, NULL, err) != SIM_OK)
		return luaL_error(L, "add_datastore: %s", err);
	return 0;
}

static int parse_mode(lua_State *L, const char *s)
{
	for (int m = MODE_TE; m <= MODE_HW; m++)
		if (strcmp(s, exec_mode_name((enum exec_mode)m)) == 0)
			return m;
	return luaL_error(L, "add_vm: mode must be \"te\", \"bt\" or \"hw\", not \"%s\"", s);
}

/*
 * c:add_vm{name=, host=, guest=, mode=, mem_mb=, vcpus=, cpu_mhz=,
 * dirty_mb_s=, wss_mb=, reservation_mhz=, reservation_mb=, limit_mhz=,
 * shares=, restart_priority=, isolation_response=, datastore=, disk_mb=,
 * disk=, network=, powered_off=}
 */
static int l_add_vm(lua_State *L)
{
	static const char *const fields[] = {
		"name", "host", "guest", "mode", "mem_mb", "vcpus", "cpu_mhz",
		"dirty_mb_s", "wss_mb", "reservation_mhz", "reservation_mb",
		"limit_mhz", "shares", "restart_priority",
		"isolation_response", "datastore", "disk_mb", "disk",
		"network", "powered_off", NULL
	};
	struct cluster *c = check_cluster(L, 1);
	struct cluster_vm_config cfg = { .mode = engine_get(L)->mode };
	char gbuf[PATH_MAX], dbuf[PATH_MAX], err[GUEST_ERR_MAX];
	const char *guest, *mode, *rp, *ir, *disk;
	enum restart_priority prio;
	enum isolation_response iso;
	bool by_drs = false;
	int vm;

	args_check(L, 2, "add_vm", fields);
	/* no host: DRS's initial placement chooses (drs_cluster.h) */
	if (lua_getfield(L, 2, "host") != LUA_TNIL)
		cfg.host = check_chost(L, lua_gettop(L), c);
	else
		by_drs = true;
	lua_pop(L, 1);
	cfg.name = args_string(L, 2, "name", "add_vm");
	guest = args_string(L, 2, "guest", "add_vm");
	mode = args_string(L, 2, "mode", "add_vm");
	if (guest)
		cfg.guest = api_vm_resolve(L, guest, ".elf", gbuf, sizeof gbuf);
	if (mode)
		cfg.mode = (enum exec_mode)parse_mode(L, mode);
	cfg.mem_mb = (uint32_t)args_count(L, 2, "mem_mb", "add_vm", 4,
					  guest ? 1024 : 6u << 20);
	cfg.vcpus = (int)args_count(L, 2, "vcpus", "add_vm", 1, VM_MAX_VCPUS);
	cfg.demand_mhz = (uint32_t)args_count(L, 2, "cpu_mhz", "add_vm", 0, 1000000);
	cfg.dirty_mb_s = (uint32_t)args_count(L, 2, "dirty_mb_s", "add_vm", 0, 1000000);
	cfg.wss_mb = (uint32_t)args_count(L, 2, "wss_mb", "add_vm", 0, 6u << 20);
	cfg.reservation_mhz = (uint32_t)args_count(L, 2, "reservation_mhz", "add_vm", 0, 1000000);
	cfg.reservation_mb = (uint32_t)args_count(L, 2, "reservation_mb", "add_vm", 0, 6u << 20);
	cfg.limit_mhz = (uint32_t)args_count(L, 2, "limit_mhz", "add_vm", 0, 1000000);
	cfg.shares = (uint32_t)args_count(L, 2, "shares", "add_vm", 1, 1000000);
	cfg.disk_mb = (uint32_t)args_count(L, 2, "disk_mb", "add_vm", 1, 62u << 20);
	cfg.datastore = args_string(L, 2, "datastore", "add_vm");
	if ((disk = args_string(L, 2, "disk", "add_vm")))
		cfg.disk = api_vm_resolve(L, disk, ".img", dbuf, sizeof dbuf);
	cfg.network = args_string(L, 2, "network", "add_vm");
	lua_getfield(L, 2, "powered_off");
	cfg.powered_off = lua_toboolean(L, -1);
	lua_pop(L, 1);
	if (guest && (cfg.demand_mhz || cfg.dirty_mb_s || cfg.wss_mb))
		return luaL_error(L, "add_vm: cpu_mhz, dirty_mb_s and wss_mb describe a modelled VM, one without guest=");
	if ((rp = args_string(L, 2, "restart_priority", "add_vm"))) {
		if (restart_priority_parse(rp, &prio) != 0)
			return luaL_error(L, "add_vm: restart_priority is disabled, lowest, low, medium, high or highest, not \"%s\"", rp);
		cfg.restart_priority = prio;
	}
	if ((ir = args_string(L, 2, "isolation_response", "add_vm"))) {
		if (isolation_response_parse(ir, &iso) != 0)
			return luaL_error(L, "add_vm: isolation_response is leave-on, power-off or shutdown, not \"%s\"", ir);
		cfg.isolation_response = iso;
	}
	if ((by_drs ? drs_cluster_add_vm(c, &cfg, &vm, err)
		    : cluster_add_vm(c, &cfg, &vm, err)) != SIM_OK)
		return luaL_error(L, "add_vm: %s", err);
	api_world_push_handle(L, API_CVM_MT, CVM_ID(cluster_index(c), vm));
	return 1;
}

/* c:set_host_state(h, "maintenance"|"connected"|...) */
static int l_set_host_state(lua_State *L)
{
	struct cluster *c = check_cluster(L, 1);
	int h = check_chost(L, 2, c);
	const char *st = luaL_checkstring(L, 3);

	for (int i = 0; i < CHOST_STATE_COUNT; i++)
		if (strcmp(st, chost_state_name((enum chost_state)i)) == 0) {
			cluster_set_host_state(c, h, (enum chost_state)i);
			return 0;
		}
	return luaL_error(L, "set_host_state: no host state \"%s\"", st);
}

static int cluster_field(lua_State *L)
{
	struct cluster *c = check_cluster(L, 1);
	const char *k = luaL_checkstring(L, 2);

	if (lua_getfield(L, lua_upvalueindex(1), k) != LUA_TNIL)
		return 1;	/* a method */
	if (strcmp(k, "name") == 0) {
		lua_pushstring(L, cluster_name(c));
	} else if (strcmp(k, "hosts") == 0) {
		lua_createtable(L, cluster_host_count(c), 0);
		for (int i = 0; i < cluster_host_count(c); i++) {
			api_world_push_host(L, cluster_host(c, i)->host);
			lua_rawseti(L, -2, i + 1);
		}
	} else if (strcmp(k, "vms") == 0) {
		lua_createtable(L, cluster_vm_count(c), 0);
		for (int i = 0; i < cluster_vm_count(c); i++) {
			api_world_push_handle(L, API_CVM_MT, CVM_ID(cluster_index(c), i));
			lua_rawseti(L, -2, i + 1);
		}
	} else if (strcmp(k, "migrations") == 0) {
		lua_pushinteger(L, vmotion_count(c));
	} else {
		return luaL_error(L, "a cluster has no field '%s' (name, hosts, vms, migrations; methods add_host, add_vm, add_datastore, set_host_state)", k);
	}
	return 1;
}

/* ---- cluster VMs ------------------------------------------------------------- */

static int cvm_index(lua_State *L)
{
	struct cluster *c;
	int id = check_cvm(L, 1, &c);
	const struct cluster_vm *v = cluster_vm(c, id);
	const char *k = luaL_checkstring(L, 2);
	struct vm *live = cluster_vm_live(c, id);

	if (lua_getfield(L, lua_upvalueindex(1), k) != LUA_TNIL)
		return 1;
	if (strcmp(k, "name") == 0)
		lua_pushstring(L, v->name);
	else if (strcmp(k, "host") == 0)
		api_world_push_host(L, cluster_host(c, v->host)->host);
	else if (strcmp(k, "state") == 0)
		lua_pushstring(L, cvm_state_name(v->state));
	else if (strcmp(k, "live") == 0)
		lua_pushboolean(L, live != NULL);
	else if (strcmp(k, "vm") == 0 && live)
		api_world_push_vm(L, live->id);
	else if (strcmp(k, "vm") == 0)
		lua_pushnil(L);
	else if (strcmp(k, "mem_mb") == 0)
		lua_pushinteger(L, v->mem_mb);
	else if (strcmp(k, "cpu_mhz") == 0)
		lua_pushinteger(L, v->demand_mhz);
	else if (strcmp(k, "dirty_mb_s") == 0)
		lua_pushinteger(L, v->dirty_mb_s);
	else if (strcmp(k, "datastore") == 0)
		lua_pushstring(L, cluster_datastore(c, v->datastore)->name);
	else if (strcmp(k, "network") == 0)
		lua_pushstring(L, cluster_network_name(c, v->network));
	else if (strcmp(k, "migrations") == 0)
		lua_pushinteger(L, (lua_Integer)v->migrations);
	else if (strcmp(k, "throttle_pct") == 0)
		lua_pushinteger(L, v->throttle_pct);
	else
		return luaL_error(L, "a cluster VM has no field '%s' (name, host, state, live, vm, mem_mb, cpu_mhz, dirty_mb_s, datastore, network, migrations, throttle_pct; method serial)", k);
	return 1;
}

/* cvm:serial(): a live VM's output so far ("" for a modelled one). */
static int l_cvm_serial(lua_State *L)
{
	struct cluster *c;
	int id = check_cvm(L, 1, &c);	/* sets c: before c is read */
	struct vm *live = cluster_vm_live(c, id);
	size_t len = 0;
	const char *s = live ? vm_serial(live, &len) : "";

	lua_pushlstring(L, s, len);
	return 1;
}

static int cvm_tostring(lua_State *L)
{
	struct cluster *c;
	int id = check_cvm(L, 1, &c);	/* sets c: before c is read */
	const struct cluster_vm *v = cluster_vm(c, id);

	lua_pushfstring(L, "cluster VM %s (%s on %s)", v->name,
			cvm_state_name(v->state),
			cluster_host(c, v->host)->host->name);
	return 1;
}

static int cluster_tostring(lua_State *L)
{
	struct cluster *c = check_cluster(L, 1);

	lua_pushfstring(L, "cluster %s (%d hosts, %d VMs)", cluster_name(c),
			cluster_host_count(c), cluster_vm_count(c));
	return 1;
}

static int read_only(lua_State *L)
{
	return luaL_error(L, "cluster fields are read-only: change the world with its actions");
}

/* ---- VMotion ------------------------------------------------------------------ */

/*
 * vmotion_start(vm, host, {bandwidth_mb_s=, downtime_ms=, max_rounds=,
 * auto_converge=}): the migration's number, or nil and why it was refused.
 */
static int l_vmotion_start(lua_State *L)
{
	static const char *const fields[] = {
		"bandwidth_mb_s", "downtime_ms", "max_rounds", "auto_converge",
		NULL
	};
	struct cluster *c;
	int vm = check_cvm(L, 1, &c), dst = check_chost(L, 2, c), id = -1, rc;
	struct precopy_params p = { 0 };
	char err[GUEST_ERR_MAX];

	if (!lua_isnoneornil(L, 3)) {
		args_check(L, 3, "vmotion", fields);
		p.bandwidth_mb_s = (uint32_t)args_count(L, 3, "bandwidth_mb_s", "vmotion", 1, 1000000);
		p.downtime_ms = (uint32_t)args_count(L, 3, "downtime_ms", "vmotion", 1, 60000);
		p.max_rounds = (int)args_count(L, 3, "max_rounds", "vmotion", 1, PRECOPY_ROUNDS_MAX - 1);
		lua_getfield(L, 3, "auto_converge");
		p.auto_converge = lua_toboolean(L, -1);
		lua_pop(L, 1);
	}
	rc = vmotion_start(c, vm, dst, &p, &id, err);
	if (rc == SIM_OK || rc == SIM_ESTATE) {
		lua_pushinteger(L, id);
		return 1;
	}
	return luaL_error(L, "vmotion: %s", err);
}

/* vmotion_result(vm, id): the table vmotion() returns. */
static int l_vmotion_result(lua_State *L)
{
	struct cluster *c;
	struct vmotion_result r;

	check_cvm(L, 1, &c);
	vmotion_result(c, (int)luaL_checkinteger(L, 2), &r);
	lua_createtable(L, 0, 12);
	lua_pushboolean(L, r.ok);
	lua_setfield(L, -2, "ok");
	lua_pushboolean(L, r.done);
	lua_setfield(L, -2, "done");
	if (r.error) {
		lua_pushstring(L, r.error);
		lua_setfield(L, -2, "error");
	}
	api_world_set_int(L, "rounds", (uint64_t)r.rounds);
	lua_createtable(L, r.rounds, 0);
	for (int i = 0; i < r.rounds && i < PRECOPY_ROUNDS_MAX; i++) {
		lua_pushnumber(L, r.mb_per_round[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "mb_per_round");
	lua_pushnumber(L, r.total_mb);
	lua_setfield(L, -2, "total_mb");
	lua_pushnumber(L, r.total_s);
	lua_setfield(L, -2, "total_s");
	lua_pushnumber(L, r.downtime_ms);
	lua_setfield(L, -2, "downtime_ms");
	api_world_set_int(L, "throttle_pct", r.throttle_pct);
	lua_pushboolean(L, r.converged);
	lua_setfield(L, -2, "converged");
	lua_pushstring(L, r.stop);
	lua_setfield(L, -2, "stop");
	return 1;
}

void api_cluster_open(lua_State *L)
{
	static const luaL_Reg cluster_methods[] = {
		{ "add_host", l_add_host }, { "add_vm", l_add_vm },
		{ "add_datastore", l_add_datastore },
		{ "set_host_state", l_set_host_state }, { NULL, NULL }
	};
	static const luaL_Reg cvm_methods[] = {
		{ "serial", l_cvm_serial }, { NULL, NULL }
	};
	static const luaL_Reg globals[] = {
		{ "cluster", l_cluster }, { "vmotion_start", l_vmotion_start },
		{ "vmotion_result", l_vmotion_result }, { NULL, NULL }
	};

	api_world_class(L, API_CLUSTER_MT, cluster_methods, cluster_field,
			read_only, cluster_tostring);
	/* DRS's and HA's methods (api_drsha.c) join the cluster's own */
	luaL_getmetatable(L, API_CLUSTER_MT);
	lua_getfield(L, -1, "__index");
	lua_getupvalue(L, -1, 1);
	luaL_setfuncs(L, api_drsha_cluster_methods, 0);
	lua_pop(L, 3);
	api_world_class(L, API_CVM_MT, cvm_methods, cvm_index, read_only,
			cvm_tostring);
	lua_pushglobaltable(L);
	luaL_setfuncs(L, globals, 0);
	lua_pop(L, 1);
}
