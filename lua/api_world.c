/*
 * api_world.c - the objects of a scenario's world: hosts and VMs, as Lua
 * sees them (api_host.c and api_vm.c give them their fields and methods).
 *
 *   local esx = host{name="esx1", kind="esx", cpus=2}
 *   local vm  = esx:add_vm{name="vm1", guest="hello", mode="bt"}
 *   say(vm.name .. " is " .. vm.state .. " on " .. vm.host.name)
 *
 * A VM or a host is a small userdata holding its *id*, never a pointer:
 * VMs can move between hosts (VMotion, HA), so the binding looks the
 * object up in the world each time it is used.  There is one userdata per
 * object (kept in the registry), so `vm.host == esx` is true and VMs can
 * be table keys.  Fields are read-only: the world changes through the
 * actions (power_on, power_off, logoff...), which are the same public sim
 * functions the TUI's commands call.
 *
 * Actions that the world may refuse (logging off an ESX host, remote
 * administration of a hosted one, powering on a VM that is on) do not
 * raise an error: they return false and the simulator's explanation, so a
 * scenario can show the refusal.  Wrong arguments raise an error.
 */
#include <lauxlib.h>

#include "engine.h"

/* The userdata of a VM or a host: which one, by id. */
struct handle {
	int id;
};

/* ---- handles -------------------------------------------------------------- */

void api_world_push_handle(lua_State *L, const char *mt, int id)
{
	/* the registry table of this metatable's objects, by id */
	lua_getfield(L, LUA_REGISTRYINDEX, mt);
	if (lua_getfield(L, -1, "objects") != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_setfield(L, -3, "objects");
	}
	if (lua_rawgeti(L, -1, id) == LUA_TNIL) {
		struct handle *h;

		lua_pop(L, 1);
		h = lua_newuserdatauv(L, sizeof *h, 0);
		h->id = id;
		luaL_setmetatable(L, mt);
		lua_pushvalue(L, -1);
		lua_rawseti(L, -3, id);
	}
	lua_replace(L, -3);
	lua_pop(L, 1);
}

void api_world_push_vm(lua_State *L, int id)
{
	api_world_push_handle(L, API_VM_MT, id);
}

void api_world_push_host(lua_State *L, const struct host *h)
{
	if (h == NULL)
		lua_pushnil(L);
	else
		api_world_push_handle(L, API_HOST_MT, h->id);
}

struct vm *api_world_check_vm(lua_State *L, int arg)
{
	struct handle *h = luaL_checkudata(L, arg, API_VM_MT);
	struct vm *vm = sim_vm(engine_get(L)->sim, h->id);

	if (vm == NULL)
		luaL_error(L, "VM %d no longer exists", h->id);
	return vm;
}

struct vm *api_world_to_vm(lua_State *L, int idx)
{
	struct handle *h = luaL_testudata(L, idx, API_VM_MT);
	struct sim *s = engine_get(L)->sim;

	if (h)
		return sim_vm(s, h->id);
	if (lua_type(L, idx) == LUA_TSTRING)
		return sim_vm_by_name(s, lua_tostring(L, idx));
	return NULL;
}

struct host *api_world_check_host(lua_State *L, int arg)
{
	struct handle *h = luaL_checkudata(L, arg, API_HOST_MT);
	struct host *host = sim_host(engine_get(L)->sim, h->id);

	if (host == NULL)
		luaL_error(L, "host %d no longer exists", h->id);
	return host;
}

/* ---- helpers of api_host.c and api_vm.c ------------------------------------ */

int api_world_answer(lua_State *L, bool ok, const char *msg)
{
	lua_pushboolean(L, ok);
	lua_pushstring(L, msg);
	return 2;
}

void api_world_set_int(lua_State *L, const char *key, uint64_t v)
{
	lua_pushinteger(L, (lua_Integer)v);
	lua_setfield(L, -2, key);
}

void api_world_class(lua_State *L, const char *mt, const luaL_Reg *methods,
		     lua_CFunction index, lua_CFunction newindex,
		     lua_CFunction tostring)
{
	luaL_newmetatable(L, mt);
	lua_newtable(L);
	luaL_setfuncs(L, methods, 0);
	lua_pushcclosure(L, index, 1);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, newindex);
	lua_setfield(L, -2, "__newindex");
	lua_pushcfunction(L, tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pushliteral(L, "read-only");
	lua_setfield(L, -2, "__metatable");
	lua_pop(L, 1);
}

/* ---- every host, every VM --------------------------------------------------- */

/* hosts(), vms(): every host and VM, in creation order. */
static int l_hosts(lua_State *L)
{
	struct sim *s = engine_get(L)->sim;

	lua_createtable(L, sim_host_count(s), 0);
	for (int i = 0; i < sim_host_count(s); i++) {
		api_world_push_host(L, sim_host(s, i));
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}

static int l_vms(lua_State *L)
{
	struct sim *s = engine_get(L)->sim;

	lua_createtable(L, sim_vm_count(s), 0);
	for (int i = 0; i < sim_vm_count(s); i++) {
		api_world_push_vm(L, i);
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}

void api_world_open(lua_State *L)
{
	static const luaL_Reg globals[] = {
		{ "hosts", l_hosts }, { "vms", l_vms }, { NULL, NULL }
	};

	lua_pushglobaltable(L);
	luaL_setfuncs(L, globals, 0);
	lua_pop(L, 1);
	api_host_open(L);
	api_vm_open(L);
	api_cluster_open(L);
}
