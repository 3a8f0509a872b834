/*
 * api_vm.c - VMs: h:add_vm{}, their fields and counters, their output,
 * and what can be done to them (power, CPU shares).
 *
 *   local vm = esx:add_vm{name="vm1", guest="tour", mode="te"}
 *   run{until_event="power", vm=vm}
 *   print(vm.state, vm:stats().traps, vm:serial())
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>

#include "vmm/bt.h"
#include "engine.h"
#include "status.h"
#include "vmm/vcpu_stats.h"
#include "vmm/vmm.h"
#include "vmkernel/storage.h"
#include "vmx/vmx.h"
#include "vmkernel/world.h"

/*
 * A file a scenario names: "hello" is scenarios/guests/hello.elf (ext
 * added when the name has no dot), or scenarios/guests/build/hello.elf
 * for what the build makes there (the CD-ROM image); anything with a
 * slash is a path, as given.
 */
const char *api_vm_resolve(lua_State *L, const char *name, const char *ext,
			   char *buf, size_t size)
{
	static const char *const dirs[] = { "scenarios/guests/", "scenarios/guests/build/" };
	struct scenario *sc = engine_get(L);
	bool here = strcmp(sc->root, ".") == 0;	/* keep paths relative */

	const char *what = strcmp(ext, ".elf") == 0 ? "guest" :
			   strcmp(ext, ".iso") == 0 ? "ISO image" :
			   strcmp(ext, ".img") == 0 ? "disk image" : "module";

	if (strchr(name, '/')) {
		inputs_note(sc, name, what);	/* no output may replace it */
		return name;
	}
	for (int i = 1; i >= 0; i--) {	/* the first one wins if neither exists */
		int n = snprintf(buf, size, "%s%s%s%s%s", here ? "" : sc->root,
				 here ? "" : "/", dirs[i], name,
				 strchr(name, '.') ? "" : ext);

		if (n < 0 || (size_t)n >= size)
			luaL_error(L, "add_vm: the file name %s is too long", name);
		if (i == 0 || access(buf, R_OK) == 0)
			break;
	}
	inputs_note(sc, buf, what);
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

/*
 * modules={"FILE", "FILE,STRING", ...}: Multiboot modules (QEMU's -initrd
 * "FILE STRING,FILE"), each FILE found as guests are; into cfg, with the
 * resolved names in bufs.
 */
static void get_modules(lua_State *L, struct vm_config *cfg,
			char bufs[GUEST_MAX_MODULES][512])
{
	int n;

	lua_getfield(L, 2, "modules");
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return;
	}
	if (!lua_istable(L, -1))
		luaL_error(L, "add_vm: modules must be a list of \"FILE\" or \"FILE,STRING\"");
	n = (int)lua_rawlen(L, -1);
	if (n > GUEST_MAX_MODULES)
		luaL_error(L, "add_vm: at most %d modules", GUEST_MAX_MODULES);
	for (int i = 0; i < n; i++) {
		char file[256], path[PATH_MAX];
		const char *spec, *comma, *found;

		lua_rawgeti(L, -1, i + 1);
		spec = lua_tostring(L, -1);
		if (lua_type(L, -1) != LUA_TSTRING || spec[0] == '\0' ||
		    spec[0] == ',')
			luaL_error(L, "add_vm: modules[%d] must be \"FILE\" or \"FILE,STRING\"", i + 1);
		comma = strchr(spec, ',');
		snprintf(file, sizeof file, "%.*s",
			 (int)(comma ? comma - spec : (long)strlen(spec)), spec);
		found = api_vm_resolve(L, file, "", path, sizeof path);
		if (snprintf(bufs[i], sizeof bufs[i], "%s%s", found,
			     comma ? comma : "") >= (int)sizeof bufs[i])
			luaL_error(L, "add_vm: modules[%d] is too long", i + 1);
		cfg->modules[i] = bufs[i];
		lua_pop(L, 1);
	}
	cfg->nmodules = n;
	lua_pop(L, 1);
}

/*
 * h:add_vm{name=, guest=, mem_mb=, vcpus=, mode=, cdrom=, disk=, disk_mb=,
 * append=, modules=, tsc_deadline=} runs a real guest kernel (disk=: a raw
 * image copied to its IDE disk; disk_mb=: a blank one; append=: its
 * command line after its path; modules=: Multiboot modules; tsc_deadline:
 * its local APICs have TSC-deadline mode, CPUID says so); without guest=, {cpu_mhz=,
 * dirty_mb_s=} make a modelled VM, a load profile only.
 */
int api_vm_add(lua_State *L)
{
	static const char *const fields[] = {
		"name", "guest", "mem_mb", "vcpus", "mode", "cdrom", "cpu_mhz",
		"dirty_mb_s", "disk", "disk_mb", "append", "modules",
		"tsc_deadline", NULL
	};
	struct host *h = api_world_check_host(L, 1);
	struct vm_config cfg = { .mode = engine_get(L)->mode };
	char gbuf[PATH_MAX], cbuf[PATH_MAX], dbuf[PATH_MAX], err[GUEST_ERR_MAX];
	static char mbufs[GUEST_MAX_MODULES][512];	/* (copied by vm_create) */
	const char *guest, *cdrom, *mode, *disk;
	struct vm *vm;

	args_check(L, 2, "add_vm", fields);
	cfg.host = h->name;
	cfg.name = args_string(L, 2, "name", "add_vm");
	guest = args_string(L, 2, "guest", "add_vm");
	cdrom = args_string(L, 2, "cdrom", "add_vm");
	disk = args_string(L, 2, "disk", "add_vm");
	cfg.disk_mb = (uint32_t)args_count(L, 2, "disk_mb", "add_vm", 1, 131072);
	mode = args_string(L, 2, "mode", "add_vm");
	cfg.append = args_string(L, 2, "append", "add_vm");
	get_modules(L, &cfg, mbufs);
	lua_getfield(L, 2, "tsc_deadline");
	if (!lua_isnil(L, -1) && !lua_isboolean(L, -1))
		return luaL_error(L, "add_vm: tsc_deadline must be true or false");
	cfg.tsc_deadline = lua_toboolean(L, -1);
	lua_pop(L, 1);
	cfg.vcpus = (int)args_count(L, 2, "vcpus", "add_vm", 1, VM_MAX_VCPUS);
	cfg.mem_mb = (uint32_t)args_count(L, 2, "mem_mb", "add_vm", 4, guest ? 1024 : 1 << 20);
	cfg.load_mhz = (uint32_t)args_count(L, 2, "cpu_mhz", "add_vm", 1, 100000);
	cfg.dirty_mb_s = (uint32_t)args_count(L, 2, "dirty_mb_s", "add_vm", 1, 100000);
	if (guest && (cfg.load_mhz || cfg.dirty_mb_s))
		return luaL_error(L, "add_vm: cpu_mhz and dirty_mb_s describe a modelled VM, one without guest=");
	if (!guest && (mode || cdrom || disk || cfg.disk_mb || cfg.append ||
		       cfg.nmodules || cfg.tsc_deadline))
		return luaL_error(L, "add_vm: %s= needs a guest= to run",
				  mode ? "mode" : cdrom ? "cdrom" : disk ? "disk" :
				  cfg.disk_mb ? "disk_mb" : cfg.append ? "append" :
				  cfg.nmodules ? "modules" : "tsc_deadline");
	if (mode && parse_mode(mode, &cfg.mode) != 0)
		return luaL_error(L, "add_vm: mode must be \"te\", \"bt\" or \"hw\", not \"%s\"", mode);
	if (guest)
		cfg.guest = api_vm_resolve(L, guest, ".elf", gbuf, sizeof gbuf);
	if (cdrom)
		cfg.cdrom = api_vm_resolve(L, cdrom, ".iso", cbuf, sizeof cbuf);
	if (disk)
		cfg.disk = api_vm_resolve(L, disk, ".img", dbuf, sizeof dbuf);
	if (sim_add_vm(engine_get(L)->sim, &cfg, &vm, err) != SIM_OK)
		return luaL_error(L, "add_vm: %s", err);
	api_world_push_vm(L, vm->id);
	return 1;
}

static int l_power_on(lua_State *L)
{
	struct vm *vm = api_world_check_vm(L, 1);
	char err[GUEST_ERR_MAX] = "";

	if (vm->state == VM_ON)
		return api_world_answer(L, false, "it is already on");
	if (vm->state == VM_PAUSED)
		return api_world_answer(L, false, "it is paused (its datastore is full): retry, or power it off");
	if (sim_power_on(engine_get(L)->sim, vm, err) != SIM_OK)
		return api_world_answer(L, false, err);
	return api_world_answer(L, true, "powered on");
}

static int l_power_off(lua_State *L)
{
	struct vm *vm = api_world_check_vm(L, 1);

	if (vm->state == VM_OFF)
		return api_world_answer(L, false, "it is already off");
	vm_power_off(vm, POWER_USER, 0);
	return api_world_answer(L, true, "powered off");
}

/*
 * vm:set_shares(n), vm:set_reservation(mhz), vm:set_limit(mhz): the VM's
 * CPU resource settings, for all its VMM worlds (0 MHz: none).
 */
static int cpu_setting(lua_State *L, int (*set)(struct vm *, uint32_t),
		       const char *what, lua_Integer lo)
{
	struct vm *vm = api_world_check_vm(L, 1);
	lua_Integer v = luaL_checkinteger(L, 2);

	if (v < lo || v > 1000000)
		return luaL_error(L, "%s must be from %d to 1000000", what, (int)lo);
	if (set(vm, (uint32_t)v) != SIM_OK)
		return api_world_answer(L, false, "the VMKernel refused the setting");
	return api_world_answer(L, true, what);
}

static int l_set_shares(lua_State *L)
{
	return cpu_setting(L, vm_set_cpu_shares, "shares", 1);
}

static int l_set_reservation(lua_State *L)
{
	return cpu_setting(L, vm_set_cpu_reservation, "reservation", 0);
}

static int l_set_limit(lua_State *L)
{
	return cpu_setting(L, vm_set_cpu_limit, "limit", 0);
}

/* All a device of the VM's VMX has printed so far ("" for a modelled VM). */
static int device_output(lua_State *L, int device)
{
	struct vm *vm = api_world_check_vm(L, 1);
	size_t len = 0;
	const char *out = vm->modelled ? "" : vm_device_output(vm, device, &len);

	lua_pushlstring(L, out ? out : "", out ? len : 0);
	return 1;
}

static int l_serial(lua_State *L)
{
	return device_output(L, DEV_SERIAL);
}

static int l_parallel(lua_State *L)
{
	return device_output(L, DEV_PARALLEL);
}

/*
 * vm:stats(): its counters, summed over its vCPUs, under the names of the
 * one list (vcpu_stats.h), with the arrays by class, ring, CPL, path and
 * mode, and the translation cache's counters under bt.
 */
static int l_stats(lua_State *L)
{
	struct vm *vm = api_world_check_vm(L, 1);
	struct vcpu_stats t;
	struct bt_stats bt, sum = { 0 };

	vcpu_stats_sum(vm, &t);
	for (int i = 0; i < vm->nvcpus && !vm->modelled; i++) {
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
	lua_createtable(L, 0, vcpu_stats_count() + CLASS_COUNT + 6);
	for (int i = 0; i < vcpu_stats_count(); i++)
		api_world_set_int(L, vcpu_stats_list[i].key,
				  vcpu_stats_value(&t, &vcpu_stats_list[i]));
	for (int c = 0; c < CLASS_COUNT; c++)	/* innocuous, privileged... */
		api_world_set_int(L, class_name((enum insn_class)c), t.by_class[c]);
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
		api_world_set_int(L, path_text((enum insn_path)p), t.by_path[p]);
	lua_setfield(L, -2, "by_path");
	lua_createtable(L, 0, MODE_COUNT);	/* by_mode.te, .bt, .direct */
	for (int m = 0; m < MODE_COUNT; m++)
		api_world_set_int(L, exec_mode_name((enum exec_mode)m), t.by_mode[m]);
	lua_setfield(L, -2, "by_mode");
	lua_createtable(L, 0, 9);		/* bt: the translation cache */
	api_world_set_int(L, "units", sum.units);
	api_world_set_int(L, "ident", sum.ident);
	api_world_set_int(L, "non_ident", sum.non_ident);
	api_world_set_int(L, "lookups", sum.lookups);
	api_world_set_int(L, "hits", sum.hits);
	api_world_set_int(L, "chains", sum.chains);
	api_world_set_int(L, "invalidations", sum.invalidations);
	api_world_set_int(L, "flushes", sum.flushes);
	api_world_set_int(L, "tc_used", sum.tc_used);
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

/* vm.disk: "[datastore1] vm0/vm0-flat.vmdk", the file writes go to. */
static void push_disk_path(lua_State *L, const struct vm *vm)
{
	char path[128];

	storage_file_path(vm->disk, vmfs_layers(vm->disk) - 1, path, sizeof path);
	lua_pushstring(L, path);
}

/* Fields of a VM: vm.name, vm.state... (methods come first). */
static int vm_index(lua_State *L)
{
	struct vm *vm = api_world_check_vm(L, 1);
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
		api_world_push_host(L, vm_host(vm));
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
	else if (strcmp(k, "disk") == 0 && vm->disk == NULL)
		lua_pushnil(L);
	else if (strcmp(k, "disk") == 0)
		push_disk_path(L, vm);
	else
		return luaL_error(L, "a VM has no field '%s' (name, id, state, host, guest, mode, modelled, vcpus, mem_mb, cpu_mhz, power_reason, exit_status, insns; disk; methods serial, parallel, stats, power_on, power_off, set_shares, set_reservation, set_limit, snapshot, revert, remove_snapshot, snapshots, disk_checksum, disk_read, set_datastore_room, retry)",
				  k);
	return 1;
}

static int vm_read_only(lua_State *L)
{
	return luaL_error(L, "VM fields are read-only: change the world with its actions (power_on, power_off)");
}

static int vm_tostring(lua_State *L)
{
	struct vm *vm = api_world_check_vm(L, 1);

	lua_pushfstring(L, "VM %s (%s)", vm->name, vm_state_name(vm->state));
	return 1;
}

void api_vm_open(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "serial", l_serial }, { "parallel", l_parallel },
		{ "stats", l_stats }, { "set_shares", l_set_shares },
		{ "set_reservation", l_set_reservation },
		{ "set_limit", l_set_limit },
		{ "power_on", l_power_on }, { "power_off", l_power_off },
		{ NULL, NULL }
	};
	static const luaL_Reg globals[] = {
		{ "power_on", l_power_on }, { "power_off", l_power_off },
		{ NULL, NULL }
	};

	api_world_class(L, API_VM_MT, methods, vm_index, vm_read_only,
			vm_tostring);
	api_disk_open(L);
	lua_pushglobaltable(L);
	luaL_setfuncs(L, globals, 0);
	lua_pop(L, 1);
}
