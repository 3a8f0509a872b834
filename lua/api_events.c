/*
 * api_events.c - events{}: the simulator's event log, read from Lua.
 *
 *   for e in events{kind="trap", action="emulated"} do
 *     print(e.insn, e.detail)          -- "lgdt", "virtual GDTR = ..."
 *   end
 *   local m = mark()  run{insns=1000}  events{since=m}   -- what the run did
 *
 * Each event is a table with exactly the fields of the JSON trace (see
 * docs/trace-format.md): the table is built by the same field visitor,
 * trace_fields(), that writes the trace, so the two cannot disagree.  The
 * only difference is in types: what JSON writes as a hex string
 * ("eip":"0x00100000") is an integer here (e.eip == 0x100000).
 *
 * The filter table: kind (a kind name), vm (a VM or its name), since (a
 * sequence number, as from mark()); any other field must equal the
 * event's field of that name.  With kind given, a field that kind does
 * not have is an error, so a typo does not silently match nothing.
 * Instruction events are not kept by the log, so events{} never yields
 * kind "insn".
 */
#include <string.h>

#include <lauxlib.h>

#include "engine.h"
#include "trace.h"
#include "vmx/vmx.h"

/* ---- an event as a table --------------------------------------------------- */

static void push_value(lua_State *L, const struct trace_field *f)
{
	switch (f->type) {
	case TRACE_STR:
		lua_pushlstring(L, f->str, f->len);
		break;
	case TRACE_BOOL:
		lua_pushboolean(L, f->num != 0);
		break;
	default:		/* TRACE_INT, TRACE_HEX */
		lua_pushinteger(L, (lua_Integer)f->num);
		break;
	}
}

/*
 * One field into the table on top of the stack; a list is built as
 * [event, key, list] and stored when it ends.
 */
static void push_field(void *ctx, const struct trace_field *f)
{
	lua_State *L = ctx;

	lua_checkstack(L, 4);
	if (f->type == TRACE_LIST) {
		lua_pushstring(L, f->key);
		lua_newtable(L);
	} else if (f->type == TRACE_END) {
		lua_rawset(L, -3);
	} else if (f->key == NULL) {	/* an element of the open list */
		push_value(L, f);
		lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
	} else {
		push_value(L, f);
		lua_setfield(L, -2, f->key);
	}
}

void api_events_push(lua_State *L, struct sim *s, const struct event *ev)
{
	lua_createtable(L, 0, 16);
	trace_fields(s, ev, push_field, L);
}

/* ---- the filter ------------------------------------------------------------ */

/* The keys reserved by the filter itself; the others name event fields. */
static bool reserved(const char *key)
{
	return strcmp(key, "kind") == 0 || strcmp(key, "vm") == 0 ||
	       strcmp(key, "since") == 0;
}

struct key_check {
	const char *key;
	bool found;
};

static void find_key(void *ctx, const struct trace_field *f)
{
	struct key_check *k = ctx;

	if (f->key && strcmp(f->key, k->key) == 0)
		k->found = true;
}

void api_events_check_keys(lua_State *L, int filter, int kind,
			   bool skip_reserved, const char *fn)
{
	/*
	 * Events of one kind do not all have the same fields (a trap's
	 * "error", a VM exit's "exit", an MSI's "target" and "address", a
	 * parallel line's "device"): look for the key in an event of each
	 * shape.
	 */
	struct event probe[4];

	memset(probe, 0, sizeof probe);
	for (int i = 0; i < 4; i++) {
		probe[i].kind = (uint16_t)kind;
		probe[i].vm = EVENT_NO_VM;
	}
	switch (kind) {
	case EV_TRAP:
		probe[1].u.trap.has_error = 1;
		probe[1].u.trap.action = TRAP_VM_EXIT;
		probe[2].u.trap.action = TRAP_INTERRUPT;
		probe[3].u.trap.action = TRAP_MSI;
		break;
	case EV_SERIAL:
		probe[1].u.serial.device = DEV_PARALLEL;
		break;
	case EV_INSN:
		probe[1].u.insn.xlat = 1;
		break;
	case EV_DISK:
		probe[1].u.disk.op = DISK_REFUSED;	/* its "reason" */
		break;
	default:
		break;
	}
	lua_pushnil(L);
	while (lua_next(L, filter) != 0) {
		struct key_check k = { NULL, false };

		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING)
			luaL_error(L, "%s: filter keys are field names", fn);
		k.key = lua_tostring(L, -1);
		if (kind < 0 || (skip_reserved && reserved(k.key)))
			continue;
		for (int i = 0; i < 4 && !k.found; i++)
			trace_fields(engine_get(L)->sim, &probe[i], find_key, &k);
		if (!k.found)
			luaL_error(L, "%s: a %s event has no field '%s' (see docs/trace-format.md)",
				   fn, event_kind_name((enum event_kind)kind), k.key);
	}
}

/* Does the event table on top match every field of the filter? */
static bool matches(lua_State *L, int filter)
{
	bool ok = true;

	lua_pushnil(L);
	while (ok && lua_next(L, filter) != 0) {
		if (!reserved(lua_tostring(L, -2))) {
			lua_pushvalue(L, -2);
			lua_gettable(L, -4);	/* the event's field */
			ok = lua_compare(L, -1, -2, LUA_OPEQ);
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
	}
	if (!ok)
		lua_pop(L, 1);		/* the key lua_next left */
	return ok;
}

/* ---- the iterator ---------------------------------------------------------- */

/* Index of the first retained event numbered seq or later. */
static size_t find_seq(const struct event_log *log, uint64_t seq)
{
	size_t lo = 0, hi = event_log_count(log);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (event_log_at(log, mid)->seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Upvalues: 1 filter table, 2 next seq, 3 kind (-1 any), 4 VM id (-1 any). */
static int events_next(lua_State *L)
{
	struct sim *s = engine_get(L)->sim;
	const struct event_log *log = sim_events(s);
	uint64_t seq = (uint64_t)lua_tointeger(L, lua_upvalueindex(2));
	lua_Integer kind = lua_tointeger(L, lua_upvalueindex(3));
	lua_Integer vm = lua_tointeger(L, lua_upvalueindex(4));
	size_t n = event_log_count(log);

	for (size_t i = find_seq(log, seq); i < n; i++) {
		const struct event *ev = event_log_at(log, i);

		if ((kind >= 0 && ev->kind != kind) || (vm >= 0 && ev->vm != vm))
			continue;
		api_events_push(L, s, ev);
		if (!matches(L, lua_upvalueindex(1))) {
			lua_pop(L, 1);
			continue;
		}
		lua_pushinteger(L, (lua_Integer)ev->seq + 1);
		lua_replace(L, lua_upvalueindex(2));
		return 1;
	}
	lua_pushinteger(L, (lua_Integer)event_log_total(log));
	lua_replace(L, lua_upvalueindex(2));
	return 0;
}

static int l_events(lua_State *L)
{
	lua_Integer kind = -1, vm = -1, since = 0;

	if (lua_isnoneornil(L, 1)) {
		lua_settop(L, 0);
		lua_newtable(L);
	}
	luaL_checktype(L, 1, LUA_TTABLE);
	if (lua_getfield(L, 1, "kind") != LUA_TNIL) {
		const char *name = luaL_checkstring(L, -1);

		for (int k = 0; k < EV_KIND_COUNT && kind < 0; k++)
			if (strcmp(name, event_kind_name((enum event_kind)k)) == 0)
				kind = k;
		if (kind < 0 || kind == EV_INSN)
			return luaL_error(L, "events: '%s' is not a kind of event the log keeps (trap, io, serial, vmx, power, ring, mode, translate, world, host)",
					  name);
	}
	api_events_check_keys(L, 1, (int)kind, true, "events");
	if (lua_getfield(L, 1, "vm") != LUA_TNIL) {
		struct vm *v = api_world_to_vm(L, -1);

		if (v == NULL)
			return luaL_error(L, "events: vm= must be a VM or the name of one");
		vm = v->id;
	}
	if (lua_getfield(L, 1, "since") != LUA_TNIL)
		since = luaL_checkinteger(L, -1);
	lua_settop(L, 1);
	lua_pushinteger(L, since < 0 ? 0 : since);
	lua_pushinteger(L, kind);
	lua_pushinteger(L, vm);
	lua_pushcclosure(L, events_next, 4);
	return 1;
}

void api_events_open(lua_State *L)
{
	lua_register(L, "events", l_events);
}
