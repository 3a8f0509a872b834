/*
 * api_disk.c - a VM's virtual disk: snapshots, what the disk holds, and a
 * consolidated backup.
 *
 *   local vm = esx:add_vm{guest="disklog", disk_mb=1}
 *   vm:snapshot("before", {memory=true})   -- a delta disk (and the state)
 *   vm:revert("before")                    -- back to it
 *   vm:remove_snapshot("before")           -- consolidate the delta
 *   print(vm:disk_read(0):match("^[^%z]*"), vm:disk_checksum())
 *   local b = vcb_backup(vm, {proxy="vcb-proxy", bandwidth_mb_s=1})
 *   expect(b.checksum == before, "the backup is the disk at the snapshot")
 *   vm:set_datastore_room(64)              -- 64 KiB: a full datastore soon
 *   run{until_event="power"}                -- the VM pauses: no space
 *   vm:set_datastore_room(1024); vm:retry() -- space freed: Retry
 *
 * The actions answer ok, message, like power_on; bad arguments raise
 * errors naming the script's line.
 */
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "cluster/vcb.h"
#include "engine.h"
#include "status.h"
#include "vmkernel/storage.h"
#include "vmx/snapshot.h"

/* vm:snapshot(name [, {memory=true}]) */
static int l_snapshot(lua_State *L)
{
	static const char *const fields[] = { "memory", NULL };
	struct vm *vm = api_world_check_vm(L, 1);
	const char *name = luaL_checkstring(L, 2);
	bool memory = false;
	char err[256], msg[300];

	if (!lua_isnoneornil(L, 3)) {
		args_check(L, 3, "snapshot", fields);
		lua_getfield(L, 3, "memory");
		memory = lua_toboolean(L, -1);
		lua_pop(L, 1);
	}
	if (snapshot_take(vm, name, memory, err, sizeof err) != SIM_OK)
		return api_world_answer(L, false, err);
	snprintf(msg, sizeof msg, "snapshot %s of %s taken%s", name, vm->name,
		 memory ? ", with its memory" : "");
	return api_world_answer(L, true, msg);
}

/* vm:revert(name) */
static int l_revert(lua_State *L)
{
	struct vm *vm = api_world_check_vm(L, 1);
	const char *name = luaL_checkstring(L, 2);
	char err[256], msg[300];

	if (snapshot_revert(vm, name, err, sizeof err) != SIM_OK)
		return api_world_answer(L, false, err);
	snprintf(msg, sizeof msg, "%s reverted to %s%s", vm->name, name,
		 vm->state == VM_ON ? ": it runs on from there" :
		 ": no memory state, so it is powered off");
	return api_world_answer(L, true, msg);
}

/* vm:remove_snapshot(name) */
static int l_remove_snapshot(lua_State *L)
{
	struct vm *vm = api_world_check_vm(L, 1);
	const char *name = luaL_checkstring(L, 2);
	char err[256], msg[300];

	if (snapshot_remove(vm, name, err, sizeof err) != SIM_OK)
		return api_world_answer(L, false, err);
	snprintf(msg, sizeof msg, "snapshot %s of %s removed, its delta consolidated",
		 name, vm->name);
	return api_world_answer(L, true, msg);
}

/* vm:snapshots(): their names, oldest first. */
static int l_snapshots(lua_State *L)
{
	struct vm *vm = api_world_check_vm(L, 1);

	lua_createtable(L, snapshot_count(vm), 0);
	for (int i = 0; i < snapshot_count(vm); i++) {
		lua_pushstring(L, snapshot_name(vm, i));
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}

static struct vm *check_disk(lua_State *L, const char *fn)
{
	struct vm *vm = api_world_check_vm(L, 1);

	if (vm->disk == NULL)
		luaL_error(L, "%s: %s has no disk (add_vm{disk_mb=} or {disk=})",
			   fn, vm->name);
	return vm;
}

static void push_checksum(lua_State *L, uint64_t sum)
{
	char buf[24];

	snprintf(buf, sizeof buf, "%016llx", (unsigned long long)sum);
	lua_pushstring(L, buf);
}

/* vm:disk_checksum(): FNV-1a of the whole disk as the guest sees it. */
static int l_disk_checksum(lua_State *L)
{
	push_checksum(L, vmfs_checksum(check_disk(L, "disk_checksum")->disk, 0));
	return 1;
}

/* vm:disk_read(lba): the sector's 512 bytes, as the guest would read them. */
static int l_disk_read(lua_State *L)
{
	struct vm *vm = check_disk(L, "disk_read");
	lua_Integer lba = luaL_checkinteger(L, 2);
	uint8_t s[VMFS_SECTOR];

	if (lba < 0 || (uint64_t)lba >= vmfs_sectors(vm->disk))
		return luaL_error(L, "disk_read: sector %d is past the end of %s's disk (%d sectors)",
				  (int)lba, vm->name, (int)vmfs_sectors(vm->disk));
	vmfs_read(vm->disk, (uint64_t)lba, s, NULL);
	lua_pushlstring(L, (const char *)s, sizeof s);
	return 1;
}

/*
 * vcb_backup(vm, {proxy=, bandwidth_mb_s=}): runs the world through the
 * backup; returns {ok=, error=, proxy=, steps={{step=, t_ms=}...},
 * bytes=, checksum=, sectors_changed=, guest_insns=, seconds=}.
 */
static int l_vcb_backup(lua_State *L)
{
	static const char *const fields[] = { "proxy", "bandwidth_mb_s", NULL };
	struct vm *vm = api_world_check_vm(L, 1);
	struct vcb_options o = { 0 };
	struct vcb_result r;
	char err[256] = "";
	int rc;

	if (!lua_isnoneornil(L, 2)) {
		args_check(L, 2, "vcb_backup", fields);
		o.proxy = args_string(L, 2, "proxy", "vcb_backup");
		o.bandwidth_mb_s = (uint32_t)args_count(L, 2, "bandwidth_mb_s",
							"vcb_backup", 1, 100000);
	}
	rc = vcb_backup(engine_get(L)->sim, vm, &o, &r, err, sizeof err);
	lua_createtable(L, 0, 10);
	lua_pushboolean(L, rc == SIM_OK);
	lua_setfield(L, -2, "ok");
	if (rc != SIM_OK) {
		lua_pushstring(L, err[0] ? err : sim_strerror(rc));
		lua_setfield(L, -2, "error");
		vcb_result_free(&r);
		return 1;
	}
	lua_pushstring(L, o.proxy ? o.proxy : "vcb-proxy");
	lua_setfield(L, -2, "proxy");
	lua_createtable(L, r.nsteps, 0);
	for (int i = 0; i < r.nsteps; i++) {
		lua_createtable(L, 0, 2);
		lua_pushstring(L, disk_op_name((enum disk_op)r.step[i].op));
		lua_setfield(L, -2, "step");
		lua_pushnumber(L, (double)r.step[i].t_ns / 1e6);
		lua_setfield(L, -2, "t_ms");
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "steps");
	api_world_set_int(L, "bytes", r.bytes);
	push_checksum(L, r.checksum);
	lua_setfield(L, -2, "checksum");
	api_world_set_int(L, "sectors_changed", r.sectors_changed);
	api_world_set_int(L, "guest_insns", r.guest_insns);
	lua_pushnumber(L, (double)(r.end_ns - r.start_ns) / 1e9);
	lua_setfield(L, -2, "seconds");
	vcb_result_free(&r);
	return 1;
}

/*
 * vm:set_datastore_room(kib): the room the VM's disk may fill on its
 * datastore (VMFS_DATA_MAX to begin with).  A small room fills up soon
 * (the VM is paused, storage.h); a bigger one is space freed for a Retry.
 */
static int l_set_datastore_room(lua_State *L)
{
	struct vm *vm = api_world_check_vm(L, 1);
	lua_Integer kib = luaL_checkinteger(L, 2);
	char msg[200];

	if (vm->disk == NULL)
		return api_world_answer(L, false, "it has no disk");
	if (kib < 1 || (uint64_t)kib > (VMFS_DATA_MAX >> 10))
		return luaL_error(L, "set_datastore_room: %I KiB: from 1 to %I",
				  kib, (lua_Integer)(VMFS_DATA_MAX >> 10));
	vmfs_set_room(vm->disk, (uint64_t)kib << 10);
	snprintf(msg, sizeof msg, "%s's disk may hold %lld KiB on %s (%llu KiB now)",
		 vm->name, (long long)kib, vmfs_datastore(vm->disk),
		 (unsigned long long)(vmfs_data_bytes(vm->disk) >> 10));
	return api_world_answer(L, true, msg);
}

/* vm:retry(): the answer Retry to a VM paused by a full datastore. */
static int l_retry(lua_State *L)
{
	struct vm *vm = api_world_check_vm(L, 1);
	int rc = sim_retry(engine_get(L)->sim, vm);
	char msg[200];

	if (rc == SIM_ESTATE)
		snprintf(msg, sizeof msg, "%s is not paused (it is %s)", vm->name,
			 vm_state_name(vm->state));
	else if (rc == SIM_ENOSPC)
		snprintf(msg, sizeof msg, "still no space: %s is paused again, its write held",
			 vm->name);
	else
		snprintf(msg, sizeof msg, "%s runs again: its held write is stored",
			 vm->name);
	return api_world_answer(L, rc == SIM_OK, msg);
}

void api_disk_open(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "snapshot", l_snapshot }, { "revert", l_revert },
		{ "remove_snapshot", l_remove_snapshot },
		{ "snapshots", l_snapshots },
		{ "disk_checksum", l_disk_checksum },
		{ "disk_read", l_disk_read },
		{ "set_datastore_room", l_set_datastore_room },
		{ "retry", l_retry },
		{ NULL, NULL }
	};
	static const luaL_Reg globals[] = {
		{ "vcb_backup", l_vcb_backup }, { NULL, NULL }
	};

	/* the VM class's methods are the upvalue of its __index */
	luaL_getmetatable(L, API_VM_MT);
	lua_getfield(L, -1, "__index");
	lua_getupvalue(L, -1, 1);
	luaL_setfuncs(L, methods, 0);
	lua_pop(L, 3);

	lua_pushglobaltable(L);
	luaL_setfuncs(L, globals, 0);
	lua_pop(L, 1);
}
