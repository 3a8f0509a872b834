/*
 * api_world.c - hosts and VMs, as a scenario sees them.
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
 * actions below (power_on, power_off, logoff...), which are the same
 * public sim functions the TUI's commands call.
 *
 * Actions that the world may refuse (logging off an ESX host, remote
 * administration of a hosted one, powering on a VM that is on) do not
 * raise an error: they return false and the simulator's explanation, so a
 * scenario can show the refusal.  Wrong arguments raise an error.
 */
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "bt.h"
#include "engine.h"
#include "status.h"
#include "vmm.h"
#include "world.h"

#define VM_MT "ringside.vm"
#define HOST_MT "ringside.host"
#define MSG_MAX 300

/* The userdata of a VM or a host: which one, by id. */
struct handle {
	int id;
};

/* ---- handles -------------------------------------------------------------- */

static void push_handle(lua_State *L, const char *mt, int id)
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
	push_handle(L, VM_MT, id);
}

static void push_host(lua_State *L, const struct host *h)
{
	if (h == NULL)
		lua_pushnil(L);
	else
		push_handle(L, HOST_MT, h->id);
}

static struct vm *check_vm(lua_State *L, int arg)
{
	struct handle *h = luaL_checkudata(L, arg, VM_MT);
	struct vm *vm = sim_vm(engine_get(L)->sim, h->id);

	if (vm == NULL)
		luaL_error(L, "VM %d no longer exists", h->id);
	return vm;
}

struct vm *api_world_to_vm(lua_State *L, int idx)
{
	struct handle *h = luaL_testudata(L, idx, VM_MT);
	struct sim *s = engine_get(L)->sim;

	if (h)
		return sim_vm(s, h->id);
	if (lua_type(L, idx) == LUA_TSTRING)
		return sim_vm_by_name(s, lua_tostring(L, idx));
	return NULL;
}

static struct host *check_host(lua_State *L, int arg)
{
	struct handle *h = luaL_checkudata(L, arg, HOST_MT);
	struct host *host = sim_host(engine_get(L)->sim, h->id);

	if (host == NULL)
		luaL_error(L, "host %d no longer exists", h->id);
	return host;
}

/*
 * A file a scenario names: "hello" is scenarios/guests/hello.elf (ext
 * added when the name has no dot); anything with a slash is a path.
 */
static const char *resolve(lua_State *L, const char *name, const char *ext,
			   char *buf, size_t size)
{
	struct scenario *sc = engine_get(L);

	bool here = strcmp(sc->root, ".") == 0;	/* keep paths relative */
	int n;

	if (strchr(name, '/'))
		return name;
	n = snprintf(buf, size, "%s%sscenarios/guests/%s%s", here ? "" : sc->root,
		     here ? "" : "/", name, strchr(name, '.') ? "" : ext);
	if (n < 0 || (size_t)n >= size)
		luaL_error(L, "add_vm: the file name %s is too long", name);
	return buf;
}

static int parse_mode(const char *s, enum exec_mode *out)
{
	for (int m = MODE_TE; m <= MODE_HW; m++)
		if (strcmp(s, exec_mode_name((enum exec_mode)m)) == 0) {
			*out = (enum exec_mode)m;
			return 0;
		}
	return -1;
}

/* ---- creating ------------------------------------------------------------ */

/* host{name=, kind="esx"|"hosted", cpus=, mhz=, mem_mb=, nics=, datastores=} */
static int l_host(lua_State *L)
{
	static const char *const fields[] = {
		"name", "kind", "cpus", "mhz", "mem_mb", "nics", "datastores", NULL
	};
	struct host_config cfg = { 0 };
	char err[GUEST_ERR_MAX];
	const char *kind;
	struct host *h;

	args_check(L, 1, "host", fields);
	cfg.name = args_string(L, 1, "name", "host");
	kind = args_string(L, 1, "kind", "host");
	if (kind && host_kind_parse(kind, &cfg.kind) != 0)
		return luaL_error(L, "host: kind must be \"esx\" or \"hosted\", not \"%s\"", kind);
	cfg.pcpus = (int)args_count(L, 1, "cpus", "host", 1, HOST_MAX_PCPUS);
	cfg.mhz = (uint32_t)args_count(L, 1, "mhz", "host", 1, 100000);
	cfg.mem_mb = (uint32_t)args_count(L, 1, "mem_mb", "host", 1, 1 << 24);
	cfg.nics = (int)args_count(L, 1, "nics", "host", 1, 64);
	cfg.datastores = (int)args_count(L, 1, "datastores", "host", 1, 64);
	if (sim_add_host(engine_get(L)->sim, &cfg, &h, err) != SIM_OK)
		return luaL_error(L, "host: %s", err);
	push_host(L, h);
	return 1;
}

/*
 * h:add_vm{name=, guest=, mem_mb=, vcpus=, mode=, cdrom=} runs a real
 * guest kernel; without guest=, {cpu_mhz=, dirty_mb_s=} make a modelled
 * VM, a load profile only.
 */
static int l_add_vm(lua_State *L)
{
	static const char *const fields[] = {
		"name", "guest", "mem_mb", "vcpus", "mode", "cdrom", "cpu_mhz",
		"dirty_mb_s", NULL
	};
	struct host *h = check_host(L, 1);
	struct vm_config cfg = { .mode = engine_get(L)->mode };
	char gbuf[PATH_MAX], cbuf[PATH_MAX], err[GUEST_ERR_MAX];
	const char *guest, *cdrom, *mode;
	struct vm *vm;

	args_check(L, 2, "add_vm", fields);
	cfg.host = h->name;
	cfg.name = args_string(L, 2, "name", "add_vm");
	guest = args_string(L, 2, "guest", "add_vm");
	cdrom = args_string(L, 2, "cdrom", "add_vm");
	mode = args_string(L, 2, "mode", "add_vm");
	cfg.vcpus = (int)args_count(L, 2, "vcpus", "add_vm", 1, VM_MAX_VCPUS);
	cfg.mem_mb = (uint32_t)args_count(L, 2, "mem_mb", "add_vm", 4, guest ? 1024 : 1 << 20);
	cfg.load_mhz = (uint32_t)args_count(L, 2, "cpu_mhz", "add_vm", 1, 100000);
	cfg.dirty_mb_s = (uint32_t)args_count(L, 2, "dirty_mb_s", "add_vm", 1, 100000);
	if (guest && (cfg.load_mhz || cfg.dirty_mb_s))
		return luaL_error(L, "add_vm: cpu_mhz and dirty_mb_s describe a modelled VM, one without guest=");
	if (!guest && (mode || cdrom))
		return luaL_error(L, "add_vm: %s= needs a guest= to run", mode ? "mode" : "cdrom");
	if (mode && parse_mode(mode, &cfg.mode) != 0)
		return luaL_error(L, "add_vm: mode must be \"te\", \"bt\" or \"hw\", not \"%s\"", mode);
	if (guest)
		cfg.guest = resolve(L, guest, ".elf", gbuf, sizeof gbuf);
	if (cdrom)
		cfg.cdrom = resolve(L, cdrom, ".iso", cbuf, sizeof cbuf);
	if (sim_add_vm(engine_get(L)->sim, &cfg, &vm, err) != SIM_OK)
		return luaL_error(L, "add_vm: %s", err);
	api_world_push_vm(L, vm->id);
	return 1;
}

/* ---- acting: true, or false and the simulator's reason -------------------- */

static int answer(lua_State *L, bool ok, const char *msg)
{
	lua_pushboolean(L, ok);
	lua_pushstring(L, msg);
	return 2;
}

static int l_power_on(lua_State *L)
{
	struct vm *vm = check_vm(L, 1);
	char err[GUEST_ERR_MAX] = "";

	if (vm->state == VM_ON)
		return answer(L, false, "it is already on");
	if (sim_power_on(engine_get(L)->sim, vm, err) != SIM_OK)
		return answer(L, false, err);
	return answer(L, true, "powered on");
}

static int l_power_off(lua_State *L)
{
	struct vm *vm = check_vm(L, 1);

	if (vm->state == VM_OFF)
		return answer(L, false, "it is already off");
	vm_power_off(vm, POWER_USER, 0);
	return answer(L, true, "powered off");
}

/* logoff(h), login(h): the user's session on a hosted host. */
static int session_action(lua_State *L, int (*fn)(struct host *, char *, size_t))
{
	struct host *h = check_host(L, 1);
	char msg[MSG_MAX] = "";

	return answer(L, fn(h, msg, sizeof msg) == SIM_OK, msg);
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
	struct host *h = check_host(L, 1);
	const char *what = luaL_checkstring(L, 2);
	char msg[MSG_MAX] = "";

	return answer(L, host_remote_admin(h, what, msg, sizeof msg) == SIM_OK,
		      msg);
}

/* ---- reading ------------------------------------------------------------- */

static int l_serial(lua_State *L)
{
	struct vm *vm = check_vm(L, 1);
	size_t len = 0;
	const char *out = vm->modelled ? "" : vm_serial(vm, &len);

	lua_pushlstring(L, out, len);
	return 1;
}

static void set_int(lua_State *L, const char *key, uint64_t v)
{
	lua_pushinteger(L, (lua_Integer)v);
	lua_setfield(L, -2, key);
}

/* vm:stats(): its counters, summed over its vCPUs, as the summary shows them. */
static int l_stats(lua_State *L)
{
	struct vm *vm = check_vm(L, 1);
	struct vcpu_stats t = { 0 };
	struct bt_stats bt, sum = { 0 };

	for (int i = 0; i < vm->nvcpus && !vm->modelled; i++) {
		const struct vcpu_stats *s = &vm->vcpu[i]->stats;

		vmm_sync_counters(vm->vcpu[i]);
		t.insns += s->insns;
		for (int c = 0; c < CLASS_COUNT; c++)
			t.by_class[c] += s->by_class[c];
		for (int r = 0; r < 4; r++) {
			t.by_vring[r] += s->by_vring[r];
			t.by_cpl[r] += s->by_cpl[r];
		}
		for (int p = 0; p < PATH_COUNT; p++)
			t.by_path[p] += s->by_path[p];
		for (int m = 0; m < MODE_COUNT; m++)
			t.by_mode[m] += s->by_mode[m];
		t.traps += s->traps;
		t.reflected += s->reflected;
		t.soft_ints += s->soft_ints;
		t.vmm_emulated += s->vmm_emulated;
		t.io += s->io;
		t.ring_switches += s->ring_switches;
		t.callouts += s->callouts;
		t.exits += s->exits;
		t.cycles += s->cycles;
		if (vm->vcpu[i]->bt) {
			bt_get_stats(vm->vcpu[i]->bt, &bt);
			sum.units += bt.units;
			sum.ident += bt.ident;
			sum.non_ident += bt.non_ident;
			sum.lookups += bt.lookups;
			sum.hits += bt.hits;
			sum.chains += bt.chains;
			sum.invalidations += bt.invalidations;
			sum.flushes += bt.flushes;
			sum.tc_used += bt.tc_used;
		}
	}
	lua_createtable(L, 0, 24);
	set_int(L, "insns", t.insns);
	for (int c = 0; c < CLASS_COUNT; c++)	/* innocuous, privileged... */
		set_int(L, class_name((enum insn_class)c), t.by_class[c]);
	set_int(L, "traps", t.traps);
	set_int(L, "reflected", t.reflected);
	set_int(L, "soft_ints", t.soft_ints);
	set_int(L, "vmm_emulated", t.vmm_emulated);
	set_int(L, "io_accesses", t.io);
	set_int(L, "ring_switches", t.ring_switches);
	set_int(L, "callouts", t.callouts);
	set_int(L, "exits", t.exits);
	set_int(L, "cycles", t.cycles);
	lua_createtable(L, 4, 0);		/* by_ring[0..3] */
	for (int r = 0; r < 4; r++) {
		lua_pushinteger(L, (lua_Integer)t.by_vring[r]);
		lua_rawseti(L, -2, r);
	}
	lua_setfield(L, -2, "by_ring");
	lua_createtable(L, 4, 0);		/* by_cpl[0..3] */
	for (int r = 0; r < 4; r++) {
		lua_pushinteger(L, (lua_Integer)t.by_cpl[r]);
		lua_rawseti(L, -2, r);
	}
	lua_setfield(L, -2, "by_cpl");
	lua_createtable(L, 0, PATH_COUNT);	/* by_path["guest>hardware"] */
	for (int p = 0; p < PATH_COUNT; p++)
		set_int(L, path_text((enum insn_path)p), t.by_path[p]);
	lua_setfield(L, -2, "by_path");
	lua_createtable(L, 0, MODE_COUNT);	/* by_mode.te, .bt, .direct */
	for (int m = 0; m < MODE_COUNT; m++)
		set_int(L, exec_mode_name((enum exec_mode)m), t.by_mode[m]);
	lua_setfield(L, -2, "by_mode");
	lua_createtable(L, 0, 9);		/* bt: the translation cache */
	set_int(L, "units", sum.units);
	set_int(L, "ident", sum.ident);
	set_int(L, "non_ident", sum.non_ident);
	set_int(L, "lookups", sum.lookups);
	set_int(L, "hits", sum.hits);
	set_int(L, "chains", sum.chains);
	set_int(L, "invalidations", sum.invalidations);
	set_int(L, "flushes", sum.flushes);
	set_int(L, "tc_used", sum.tc_used);
	lua_setfield(L, -2, "bt");
	return 1;
}

static uint64_t vm_insns(struct vm *vm)
{
	uint64_t n = 0;

	for (int i = 0; i < vm->nvcpus && !vm->modelled; i++) {
		vmm_sync_counters(vm->vcpu[i]);
		n += vm->vcpu[i]->stats.insns;
	}
	return n;
}

/* Fields of a VM: vm.name, vm.state... (methods come first). */
static int vm_index(lua_State *L)
{
	struct vm *vm = check_vm(L, 1);
	const char *k = luaL_checkstring(L, 2);

	if (lua_getfield(L, lua_upvalueindex(1), k) != LUA_TNIL)
		return 1;		/* a method: vm:serial() */
	if (strcmp(k, "name") == 0)
		lua_pushstring(L, vm->name);
	else if (strcmp(k, "id") == 0)
		lua_pushinteger(L, vm->id);
	else if (strcmp(k, "state") == 0)
		lua_pushstring(L, vm_state_name(vm->state));
	else if (strcmp(k, "host") == 0)
		push_host(L, vm_host(vm));
	else if (strcmp(k, "guest") == 0 && vm->modelled)
		lua_pushnil(L);
	else if (strcmp(k, "guest") == 0)
		lua_pushstring(L, vm->guest_path);
	else if (strcmp(k, "mode") == 0)
		lua_pushstring(L, exec_mode_name(vm->cfg.mode));
	else if (strcmp(k, "modelled") == 0)
		lua_pushboolean(L, vm->modelled);
	else if (strcmp(k, "vcpus") == 0)
		lua_pushinteger(L, vm->cfg.vcpus);
	else if (strcmp(k, "mem_mb") == 0)
		lua_pushinteger(L, vm->cfg.mem_mb);
	else if (strcmp(k, "cpu_mhz") == 0)
		lua_pushinteger(L, vm->cfg.load_mhz);
	else if (strcmp(k, "power_reason") == 0)
		lua_pushstring(L, power_reason_name(vm->power_reason));
	else if (strcmp(k, "exit_status") == 0)
		lua_pushinteger(L, vm->exit_status);
	else if (strcmp(k, "insns") == 0)
		lua_pushinteger(L, (lua_Integer)vm_insns(vm));
	else
		return luaL_error(L, "a VM has no field '%s' (name, id, state, host, guest, mode, modelled, vcpus, mem_mb, cpu_mhz, power_reason, exit_status, insns; methods serial, stats, power_on, power_off)",
				  k);
	return 1;
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

		lua_createtable(L, 0, 16);
		set_int(L, "id", (uint64_t)w->id);
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
		set_int(L, "shares", w->shares);
		set_int(L, "reservation_mhz", w->reservation_mhz);
		set_int(L, "limit_mhz", w->limit_mhz);
		set_int(L, "run_ns", t.run);
		set_int(L, "ready_ns", t.ready);
		set_int(L, "wait_ns", t.wait);
		set_int(L, "idle_ns", t.idle);
		set_int(L, "mlmtd_ns", t.mlmtd);
		set_int(L, "sys_ns", t.sys);
		set_int(L, "switches", t.switches);
		lua_rawseti(L, -2, i + 1);
	}
}

static int host_index(lua_State *L)
{
	struct host *h = check_host(L, 1);
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
	} else {
		return luaL_error(L, "a host has no field '%s' (name, id, kind, cpus, mhz, mem_mb, logged_in, vms, worlds; methods add_vm, logoff, login, remote_admin)",
				  k);
	}
	return 1;
}

static int vm_read_only(lua_State *L)
{
	return luaL_error(L, "VM fields are read-only: change the world with its actions (power_on, power_off)");
}

static int host_read_only(lua_State *L)
{
	return luaL_error(L, "host fields are read-only: change the world with its actions (add_vm, logoff, login, remote_admin)");
}

static int vm_tostring(lua_State *L)
{
	struct vm *vm = check_vm(L, 1);

	lua_pushfstring(L, "VM %s (%s)", vm->name, vm_state_name(vm->state));
	return 1;
}

static int host_tostring(lua_State *L)
{
	struct host *h = check_host(L, 1);

	lua_pushfstring(L, "host %s (%s)", h->name, host_kind_name(h->cfg.kind));
	return 1;
}

/* hosts(), vms(): every host and VM, in creation order. */
static int l_hosts(lua_State *L)
{
	struct sim *s = engine_get(L)->sim;

	lua_createtable(L, sim_host_count(s), 0);
	for (int i = 0; i < sim_host_count(s); i++) {
		push_host(L, sim_host(s, i));
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

/* A metatable whose __index looks in `methods` first, then fields. */
static void new_class(lua_State *L, const char *mt, const luaL_Reg *methods,
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

void api_world_open(lua_State *L)
{
	static const luaL_Reg vm_methods[] = {
		{ "serial", l_serial }, { "stats", l_stats },
		{ "power_on", l_power_on }, { "power_off", l_power_off },
		{ NULL, NULL }
	};
	static const luaL_Reg host_methods[] = {
		{ "add_vm", l_add_vm }, { "logoff", l_logoff },
		{ "login", l_login }, { "remote_admin", l_remote_admin },
		{ NULL, NULL }
	};
	static const luaL_Reg globals[] = {
		{ "host", l_host }, { "hosts", l_hosts }, { "vms", l_vms },
		{ "power_on", l_power_on }, { "power_off", l_power_off },
		{ "logoff", l_logoff }, { "login", l_login },
		{ "remote_admin", l_remote_admin },
		{ NULL, NULL }
	};

	new_class(L, VM_MT, vm_methods, vm_index, vm_read_only, vm_tostring);
	new_class(L, HOST_MT, host_methods, host_index, host_read_only,
		  host_tostring);
	lua_pushglobaltable(L);
	luaL_setfuncs(L, globals, 0);
	lua_pop(L, 1);
}
