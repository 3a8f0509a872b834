/*
 * api_host.c - hosts: host{}, their fields, the user's session and remote
 * administration, and the worlds their scheduler runs.
 *
 *   local laptop = host{name="laptop", kind="hosted", cpus=1}
 *   local ok, why = logoff(laptop)       -- its VMs power off with it
 *   for _, w in ipairs(esx.worlds) do print(w.name, w.ready_ns) end
 */
#include <string.h>

#include <lauxlib.h>

#include "cluster/cluster.h"
#include "engine.h"
#include "status.h"
#include "vmkernel/world.h"

#define MSG_MAX 300		/* the simulator's sentences */

const char *const api_host_fields[] = {
	"name", "kind", "cpus", "mhz", "mem_mb", "nics", "datastores", NULL
};

void api_host_config(lua_State *L, int t, const char *fn,
		     struct host_config *cfg)
{
	const char *kind;

	*cfg = (struct host_config){ 0 };
	cfg->name = args_string(L, t, "name", fn);
	kind = args_string(L, t, "kind", fn);
	if (kind && host_kind_parse(kind, &cfg->kind) != 0)
		luaL_error(L, "%s: kind must be \"esx\", \"hosted\" (Workstation) or \"server\" (VMware Server), not \"%s\"", fn, kind);
	cfg->pcpus = (int)args_count(L, t, "cpus", fn, 1, HOST_MAX_PCPUS);
	cfg->mhz = (uint32_t)args_count(L, t, "mhz", fn, 1, 100000);
	cfg->mem_mb = (uint32_t)args_count(L, t, "mem_mb", fn, 1, HOST_MAX_MEM_MB);
	cfg->nics = (int)args_count(L, t, "nics", fn, 1, 64);
	cfg->datastores = (int)args_count(L, t, "datastores", fn, 1, 64);
}

/* host{name=, kind="esx"|"hosted"|"server", cpus=, mhz=, mem_mb=, nics=, datastores=} */
static int l_host(lua_State *L)
{
	struct host_config cfg;
	char err[GUEST_ERR_MAX];
	struct host *h;

	args_check(L, 1, "host", api_host_fields);
	api_host_config(L, 1, "host", &cfg);
	if (sim_add_host(engine_get(L)->sim, &cfg, &h, err) != SIM_OK)
		return luaL_error(L, "host: %s", err);
	api_world_push_host(L, h);
	return 1;
}

/* logoff(h), login(h): the user's session on a hosted host. */
static int session_action(lua_State *L, int (*fn)(struct host *, char *, size_t))
{
	struct host *h = api_world_check_host(L, 1);
	char msg[MSG_MAX] = "";

	return api_world_answer(L, fn(h, msg, sizeof msg) == SIM_OK, msg);
}

static int l_logoff(lua_State *L)
{
	return session_action(L, host_logoff);
}

static int l_login(lua_State *L)
{
	return session_action(L, host_login);
}

/* remote_admin(h, "power on vm1"): ESX via its service console only. */
static int l_remote_admin(lua_State *L)
{
	struct host *h = api_world_check_host(L, 1);
	const char *what = luaL_checkstring(L, 2);
	char msg[MSG_MAX] = "";
	int rc = host_remote_admin(h, what, msg, sizeof msg);

	return api_world_answer(L, rc == SIM_OK, msg);
}

/* h.worlds: what its scheduler runs, with esxtop's times in ns. */
static void push_worlds(lua_State *L, const struct host *h)
{
	int n = host_world_count(h);

	lua_createtable(L, n, 0);
	for (int i = 0; i < n; i++) {
		const struct world *w = host_world(h, i);
		struct world_times t;

		/* its times up to now, the state it is in included */
		world_times_at(w, sim_now_ns(h->sim), &t);

		lua_createtable(L, 0, 17);
		api_world_set_int(L, "id", (uint64_t)w->id);
		lua_pushstring(L, w->name);
		lua_setfield(L, -2, "name");
		lua_pushstring(L, world_kind_name(w->kind));
		lua_setfield(L, -2, "kind");
		lua_pushstring(L, world_state_name(w->state));
		lua_setfield(L, -2, "state");
		if (w->vm) {
			lua_pushstring(L, w->vm->name);
			lua_setfield(L, -2, "vm");
		}
		lua_pushinteger(L, w->vcpu);
		lua_setfield(L, -2, "vcpu");
		lua_pushinteger(L, w->pcpu);
		lua_setfield(L, -2, "pcpu");
		lua_pushinteger(L, w->pinned);
		lua_setfield(L, -2, "pinned");
		api_world_set_int(L, "shares", w->shares);
		api_world_set_int(L, "reservation_mhz", w->reservation_mhz);
		api_world_set_int(L, "limit_mhz", w->limit_mhz);
		api_world_set_int(L, "run_ns", t.run);
		api_world_set_int(L, "ready_ns", t.ready);
		api_world_set_int(L, "wait_ns", t.wait);
		api_world_set_int(L, "idle_ns", t.idle);
		api_world_set_int(L, "mlmtd_ns", t.mlmtd);
		api_world_set_int(L, "cstp_ns", t.cstp);
		api_world_set_int(L, "sys_ns", t.sys);
		api_world_set_int(L, "switches", t.switches);
		lua_rawseti(L, -2, i + 1);
	}
}

static int host_index(lua_State *L)
{
	struct host *h = api_world_check_host(L, 1);
	const char *k = luaL_checkstring(L, 2);

	if (lua_getfield(L, lua_upvalueindex(1), k) != LUA_TNIL)
		return 1;		/* a method: h:add_vm{} */
	if (strcmp(k, "name") == 0) {
		lua_pushstring(L, h->name);
	} else if (strcmp(k, "id") == 0) {
		lua_pushinteger(L, h->id);
	} else if (strcmp(k, "kind") == 0) {
		lua_pushstring(L, host_kind_name(h->cfg.kind));
	} else if (strcmp(k, "cpus") == 0) {
		lua_pushinteger(L, h->cfg.pcpus);
	} else if (strcmp(k, "mhz") == 0) {
		lua_pushinteger(L, h->cfg.mhz);
	} else if (strcmp(k, "mem_mb") == 0) {
		lua_pushinteger(L, h->cfg.mem_mb);
	} else if (strcmp(k, "logged_in") == 0) {
		lua_pushboolean(L, h->logged_in);
	} else if (strcmp(k, "vms") == 0) {
		int n = host_vm_count(h);

		lua_createtable(L, n, 0);
		for (int i = 0; i < n; i++) {
			api_world_push_vm(L, host_vm(h, i)->id);
			lua_rawseti(L, -2, i + 1);
		}
	} else if (strcmp(k, "worlds") == 0) {
		push_worlds(L, h);
	} else if (strcmp(k, "state") == 0) {
		/* as VirtualCenter sees it; a host of no cluster has no such
		 * state: nil */
		struct cluster *c;
		int ch = cluster_host_of(h->sim, h, &c);

		if (ch < 0)
			lua_pushnil(L);
		else
			lua_pushstring(L, chost_state_name(cluster_host(c, ch)->state));
	} else {
		return luaL_error(L, "a host has no field '%s' (name, id, kind, cpus, mhz, mem_mb, logged_in, vms, worlds, state; methods add_vm, logoff, login, remote_admin)",
				  k);
	}
	return 1;
}

static int host_read_only(lua_State *L)
{
	return luaL_error(L, "host fields are read-only: change the world with its actions (add_vm, logoff, login, remote_admin)");
}

static int host_tostring(lua_State *L)
{
	struct host *h = api_world_check_host(L, 1);

	lua_pushfstring(L, "host %s (%s)", h->name, host_kind_name(h->cfg.kind));
	return 1;
}

void api_host_open(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "add_vm", api_vm_add }, { "logoff", l_logoff },
		{ "login", l_login }, { "remote_admin", l_remote_admin },
		{ NULL, NULL }
	};
	static const luaL_Reg globals[] = {
		{ "host", l_host }, { "logoff", l_logoff }, { "login", l_login },
		{ "remote_admin", l_remote_admin }, { NULL, NULL }
	};

	api_world_class(L, API_HOST_MT, methods, host_index, host_read_only,
			host_tostring);
	lua_pushglobaltable(L);
	luaL_setfuncs(L, globals, 0);
	lua_pop(L, 1);
}
