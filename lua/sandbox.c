/*
 * sandbox.c - what a scenario may call: the safe parts of Lua, nothing
 * that reaches outside the simulated world.
 *
 * A scenario gets the base library, coroutine, table, string, math and
 * utf8.  It does not get:
 *   os, io       scenarios live in simulated time and touch no files;
 *   debug        it can reach into anything, the sandbox included;
 *   package      modules come from require, which looks only in
 *                scenarios/ and lua/;
 *   dofile, loadfile, string.dump, and load of binary chunks
 *                (precompiled bytecode can crash the Lua VM).
 * Each of them is still there, as a stub that refuses with a sentence
 * saying why, so a teacher who reaches for os.time learns what to use
 * instead rather than reading "attempt to index a nil value".
 *
 * math.random is seeded with a constant: the same scenario must give the
 * same events every time (golden traces rely on it).
 *
 * Bounded (limits.c charges the budget): the C functions that can run
 * long on their own are charged by length (string.rep by its count,
 * find/match/gmatch/gsub by the steps their pattern may take over the
 * string, pattern.c, the table library's loops, string.byte and
 * utf8.codepoint by the elements they visit, elements.c; each refused
 * when that is more than the budget has left; pack, unpack, tonumber and
 * format by the bytes they read, collectgarbage by the heap it walks);
 * __gc finalizers are refused (Lua runs them with hooks off, at
 * collections and at exit, after the verdict); xpcall's message handler is not called once the budget is
 * spent (Lua would run it with hooks off, since the error came from one);
 * a limit hit in a coroutine of the script's own stops every coroutine
 * that resumed it (coroutines.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "engine.h"

#define MAX_SOURCE (1u << 20)		/* bytes in one .lua file */
#define MODULES "ringside.modules"	/* registry: modules required so far */

/* ---- refusing, with a reason -------------------------------------------- */

struct refusal {
	const char *name;	/* a global ("os") or "string.dump" */
	bool table;		/* a library table: refuse every field */
	const char *why;
};

static const struct refusal refusals[] = {
	{ "os", true, "scenarios live in simulated time and may not touch the computer running them: use run{seconds=...} and now()" },
	{ "io", true, "a scenario reads and writes no files: show text with say() or print()" },
	{ "debug", true, "it could reach past the sandbox" },
	{ "package", true, "load modules with require('name'); they live in scenarios/ and lua/" },
	{ "dofile", false, "load modules with require('name'); they live in scenarios/ and lua/" },
	{ "loadfile", false, "load modules with require('name'); they live in scenarios/ and lua/" },
	{ "string.dump", false, "binary chunks are refused: scenarios are Lua source" },
};

/* Upvalue 1: the name; upvalue 2: why.  As __index, arg 2 is the field. */
static int refuse(lua_State *L)
{
	const char *name = lua_tostring(L, lua_upvalueindex(1));
	const char *why = lua_tostring(L, lua_upvalueindex(2));

	if (lua_type(L, 2) == LUA_TSTRING)
		return luaL_error(L, "%s.%s is not available in a scenario: %s",
				  name, lua_tostring(L, 2), why);
	return luaL_error(L, "%s is not available in a scenario: %s", name, why);
}

static void push_refusal(lua_State *L, const struct refusal *r)
{
	lua_pushstring(L, r->name);
	lua_pushstring(L, r->why);
	lua_pushcclosure(L, refuse, 2);
	if (!r->table)
		return;
	/* an empty table whose every field, read or written, refuses */
	lua_createtable(L, 0, 0);
	lua_createtable(L, 0, 3);
	lua_pushvalue(L, -3);
	lua_setfield(L, -2, "__index");
	lua_pushvalue(L, -3);
	lua_setfield(L, -2, "__newindex");
	lua_pushliteral(L, "refused");
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, -2);
	lua_remove(L, -2);
}

static void install_refusals(lua_State *L)
{
	for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
		const struct refusal *r = &refusals[i];
		const char *dot = strchr(r->name, '.');

		if (dot == NULL) {
			push_refusal(L, r);
			lua_setglobal(L, r->name);
			continue;
		}
		lua_getglobal(L, "string");	/* the only library.field case */
		push_refusal(L, r);
		lua_setfield(L, -2, dot + 1);
		lua_pop(L, 1);
	}
}

/* ---- load: text only ---------------------------------------------------- */

/* load(chunk [, chunkname [, mode [, env]]]) with mode forced to "t". */
static int sb_load(lua_State *L)
{
	bool has_env = !lua_isnone(L, 4);	/* load(s, n, m, nil) sets env nil */
	const char *mode;

	lua_settop(L, 4);
	mode = luaL_optstring(L, 3, "t");
	if (strchr(mode, 'b') != NULL ||
	    (lua_type(L, 1) == LUA_TSTRING &&
	     strncmp(lua_tostring(L, 1), LUA_SIGNATURE, 4) == 0))
		return luaL_error(L, "load: binary chunks are refused in a scenario; give Lua source");
	lua_pushliteral(L, "t");
	lua_replace(L, 3);
	if (!has_env)
		lua_pop(L, 1);
	lua_pushvalue(L, lua_upvalueindex(1));	/* the real load */
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

/* ---- bounded: xpcall, __gc, long C calls -------------------------------- */

/* Upvalue 1: the script's message handler, called unless it is killed. */
static int sb_msgh(lua_State *L)
{
	if (limits_killed(L))
		return 1;		/* the budget's message, as it is */
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

/* As lbaselib.c's finishpcall: false and the message, or every result. */
static int xpcall_done(lua_State *L, int status, lua_KContext extra)
{
	if (status != LUA_OK && status != LUA_YIELD) {
		lua_pushboolean(L, 0);
		lua_pushvalue(L, -2);
		return 2;
	}
	return lua_gettop(L) - (int)extra;
}

/* xpcall(f, msgh, ...) as lbaselib.c's, with msgh wrapped in sb_msgh. */
static int sb_xpcall(lua_State *L)
{
	int n = lua_gettop(L), status;

	luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_pushvalue(L, 2);
	lua_pushcclosure(L, sb_msgh, 1);
	lua_replace(L, 2);
	lua_pushboolean(L, 1);
	lua_pushvalue(L, 1);
	lua_rotate(L, 3, 2);
	status = lua_pcallk(L, n - 2, LUA_MULTRET, 2, 2, xpcall_done);
	return xpcall_done(L, status, 2);
}

/* setmetatable(t, mt) refusing a finalizer (upvalue 1: the real one). */
static int sb_setmetatable(lua_State *L)
{
	if (lua_type(L, 2) == LUA_TTABLE) {
		lua_pushliteral(L, "__gc");
		if (lua_rawget(L, 2) != LUA_TNIL)
			return luaL_error(L, "setmetatable: __gc finalizers are refused in a scenario: they run outside its instruction budget, at collections and after its verdict");
		lua_pop(L, 1);
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

/* Matcher steps (a byte compared, an item tried) per Lua instruction. */
#define STEPS_PER_INSN 32

/* A string argument's length (a number counts as its text); 0 otherwise. */
static size_t str_len(lua_State *L, int arg)
{
	size_t len = 0;

	if (lua_type(L, arg) == LUA_TSTRING || lua_type(L, arg) == LUA_TNUMBER)
		lua_tolstring(L, arg, &len);
	return len;
}

/*
 * A pattern function's worst case (pattern.c), charged before it runs;
 * refused with the scenario's file and line if it is more than the budget
 * has left, rather than left to backtrack for minutes.
 */
static uint64_t pattern_charge(lua_State *L, const char *lib, const char *name)
{
	size_t len = str_len(L, 1), plen = 0;
	const char *s = lua_tostring(L, 1), *p;
	uint64_t scanned, steps, cost;
	char why[400];

	(void)lib;
	if (lua_type(L, 2) == LUA_TNUMBER)	/* as Lua will: 1e+30 has a + */
		lua_tolstring(L, 2, NULL);
	if (lua_type(L, 2) != LUA_TSTRING || s == NULL ||
	    (strcmp(name, "find") == 0 && lua_toboolean(L, 4)))
		return len;	/* plain find, or Lua will refuse the call */
	p = lua_tolstring(L, 2, &plen);
	steps = pattern_cost(s, len, p, plen, strcmp(name, "gmatch") != 0,
			     &scanned);
	cost = steps / STEPS_PER_INSN + scanned / STEPS_PER_INSN + 1;
	if (steps / STEPS_PER_INSN <= limits_budget_left(L))
		return cost;
	limits_charge(L, scanned / STEPS_PER_INSN);
	snprintf(why, sizeof why,
		 "called string.%s with the pattern \"%.40s%s\" over %zu bytes: it may backtrack %s%llu steps, more than its instruction budget has left (each *, +, - or ? item multiplies the tries by the length of the string): refused",
		 name, p, plen > 40 ? "..." : "", len,
		 steps == UINT64_MAX ? "more than " : "",
		 (unsigned long long)steps);
	limits_refuse(L, why);
	return 0;
}

/*
 * string.rep costs its count when it copies nothing (rep("", 2^63) loops
 * 2^63 times); with bytes to copy, the result's allocation is charged
 * (and refused past the memory limit before any loop).
 */
static uint64_t rep_charge(lua_State *L, const char *lib, const char *name)
{
	lua_Integer n = luaL_checkinteger(L, 2);

	(void)lib;
	(void)name;
	return n > 0 && str_len(L, 1) + str_len(L, 3) == 0 ? (uint64_t)n : 0;
}

/*
 * utf8.len and utf8.offset: one pass over the bytes of the subject;
 * string.pack, packsize and unpack: over their format, read item by item
 * (unpack's data is read only as far as the format says).
 */
static uint64_t scan_charge(lua_State *L, const char *lib, const char *name)
{
	(void)lib;
	(void)name;
	return str_len(L, 1);
}

/*
 * tonumber and string.format: one pass over each string argument (format's
 * %q escapes byte by byte, slower than the copy the allocation charge
 * prices).  Strings only: a number's text would replace the number on the
 * stack (tonumber(0/0) is NaN; "nan" is no numeral).
 */
static uint64_t strings_charge(lua_State *L, const char *lib, const char *name)
{
	uint64_t n = 0;

	(void)lib;
	(void)name;
	for (int i = 1; i <= lua_gettop(L); i++)
		if (lua_type(L, i) == LUA_TSTRING)
			n += lua_rawlen(L, i);
	return n;
}

/*
 * collectgarbage: a collection ("collect", the default; "step", which may
 * finish a cycle; a change of mode, which runs one) traverses the whole
 * heap, in C.  count, isrunning, stop and restart only read or set a
 * flag.  The collector's pace (setpause, setstepmul, the parameters of
 * incremental and generational) is refused: with no pause and a large
 * multiplier it works between the script's instructions, charged by
 * nobody (a loop making small tables ran to the time limit).
 */
static uint64_t gc_charge(lua_State *L, const char *lib, const char *name)
{
	static const char *const cheap[] = { "count", "isrunning", "stop",
					      "restart" };
	const char *opt = lua_type(L, 1) == LUA_TSTRING ? lua_tostring(L, 1) : "collect";

	(void)lib;
	(void)name;
	if (strcmp(opt, "setpause") == 0 || strcmp(opt, "setstepmul") == 0 ||
	    ((strcmp(opt, "incremental") == 0 || strcmp(opt, "generational") == 0) &&
	     !lua_isnoneornil(L, 2)))
		luaL_error(L, "collectgarbage('%s') is not available in a scenario: the collector's pace is ringside's (set to run without pause, it works outside the instruction budget)",
			   opt);
	for (size_t i = 0; i < sizeof cheap / sizeof cheap[0]; i++)
		if (strcmp(opt, cheap[i]) == 0)
			return 0;
	return limits_heap_cost(L);
}

/* A C function that can run long on its own, and what a call costs. */
struct charged {
	const char *lib, *name;
	uint64_t (*cost)(lua_State *L, const char *lib, const char *name);
};

static const struct charged charged[] = {
	{ "string", "rep", rep_charge },
	{ "string", "find", pattern_charge },
	{ "string", "match", pattern_charge },
	{ "string", "gmatch", pattern_charge },
	{ "string", "gsub", pattern_charge },
	{ "utf8", "len", scan_charge },
	{ "utf8", "offset", scan_charge },
	{ "string", "pack", scan_charge },
	{ "string", "packsize", scan_charge },
	{ "string", "unpack", scan_charge },
	{ "string", "format", strings_charge },
	{ "_G", "tonumber", strings_charge },	/* _G: the base library */
	{ "_G", "collectgarbage", gc_charge },
	/* loops over elements (elements.c) */
	{ "string", "byte", elements_cost },
	{ "utf8", "codepoint", elements_cost },
	{ "table", "move", elements_cost },
	{ "table", "insert", elements_cost },
	{ "table", "remove", elements_cost },
	{ "table", "concat", elements_cost },
	{ "table", "unpack", elements_cost },
	{ "table", "sort", elements_cost },
};

/*
 * One of charged[] (upvalue 2, a light userdata): charged before it runs,
 * then the real one (upvalue 1) called.
 */
static int sb_charged(lua_State *L)
{
	const struct charged *c = lua_touserdata(L, lua_upvalueindex(2));

	limits_charge(L, c->cost(L, c->lib, c->name));
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

static void install_bounds(lua_State *L)
{
	lua_pushcfunction(L, sb_xpcall);
	lua_setglobal(L, "xpcall");
	lua_getglobal(L, "setmetatable");
	lua_pushcclosure(L, sb_setmetatable, 1);
	lua_setglobal(L, "setmetatable");
	for (size_t i = 0; i < sizeof charged / sizeof charged[0]; i++) {
		lua_getglobal(L, charged[i].lib);
		lua_getfield(L, -1, charged[i].name);
		lua_pushlightuserdata(L, (void *)&charged[i]);
		lua_pushcclosure(L, sb_charged, 2);
		lua_setfield(L, -2, charged[i].name);
		lua_pop(L, 1);
	}
}

/* ---- files --------------------------------------------------------------- */

void sandbox_loadfile(lua_State *L, const char *path, const char *chunkname)
{
	const char *shown = chunkname[0] == '@' ? chunkname + 1 : chunkname;
	FILE *f = fopen(path, "rb");
	char *src;
	size_t n, skip;
	int rc, err;

	inputs_note(engine_get(L), path, "Lua file");
	if (f == NULL)
		luaL_error(L, "%s: cannot open (%s)", shown, strerror(errno));
	src = malloc(MAX_SOURCE + 1);
	if (src == NULL) {
		fclose(f);
		luaL_error(L, "%s: out of memory", shown);
	}
	n = fread(src, 1, MAX_SOURCE + 1, f);
	err = ferror(f) ? errno : 0;
	fclose(f);
	if (err || n > MAX_SOURCE || (n >= 4 && memcmp(src, LUA_SIGNATURE, 4) == 0)) {
		free(src);
		if (err)
			luaL_error(L, "%s: cannot read (%s)", shown, strerror(err));
		if (n > MAX_SOURCE)
			luaL_error(L, "%s: larger than %d KiB: is it a scenario?",
				   shown, (int)(MAX_SOURCE >> 10));
		luaL_error(L, "%s: a binary (precompiled) chunk: ringside runs Lua source only",
			   shown);
		return;		/* (luaL_error does not return) */
	}
	if (n >= 4 && memcmp(src, "\177ELF", 4) == 0) {
		free(src);
		luaL_error(L, "%s: a kernel (ELF), not a scenario: run it with ringside --guest %s",
			   shown, shown);
		return;
	}
	/* empty: nothing to run, and a scenario destroyed by an output (or
	 * a copy that failed) would "pass" with no expects */
	if (n == 0) {
		free(src);
		luaL_error(L, "%s: is empty: there is no scenario in it", shown);
		return;
	}
	/* a NUL byte: no text editor wrote this (a Lua string says "\0") */
	if (memchr(src, '\0', n) != NULL) {
		free(src);
		luaL_error(L, "%s: not a text file (it holds NUL bytes): a scenario is Lua source text",
			   shown);
		return;
	}
	/* a UTF-8 byte order mark, as some editors write: skipped, as
	 * luaL_loadfilex does (lauxlib.c, skipBOM) */
	skip = n >= 3 && memcmp(src, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	/* lua_load is protected: a syntax error comes back as a status */
	rc = luaL_loadbufferx(L, src + skip, n - skip, chunkname, "t");
	free(src);
	if (rc != LUA_OK)
		lua_error(L);		/* "file:line: ... near ..." */
}

/* ---- require: scenarios/ and lua/ only ----------------------------------- */

/* "ringside", "lessons.common": letters, digits, _ and inner dots. */
static bool module_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 64 || name[0] == '.' || name[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_' &&
		    !(name[i] == '.' && name[i + 1] != '.'))
			return false;
	return true;
}

/* After the module's chunk ran: remember what it returned (true if nil). */
static int require_done(lua_State *L, int status, lua_KContext ctx)
{
	(void)status;
	(void)ctx;
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		lua_pushboolean(L, 1);
	}
	lua_getfield(L, LUA_REGISTRYINDEX, MODULES);
	lua_pushvalue(L, 1);
	lua_pushvalue(L, -3);
	lua_settable(L, -3);
	lua_pop(L, 1);
	return 1;
}

static int sb_require(lua_State *L)
{
	static const char *const dirs[] = { "scenarios", "lua" };
	struct scenario *sc = engine_get(L);
	const char *name = luaL_checkstring(L, 1);
	char rel[128], path[PATH_MAX + 130];

	lua_settop(L, 1);
	for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++)
		if (refusals[i].table && strcmp(name, refusals[i].name) == 0)
			return luaL_error(L, "require: %s is not available in a scenario: %s",
					  name, refusals[i].why);
	if (!module_name_ok(name))
		return luaL_error(L, "require: '%s' is not a module name (letters, digits, _ and dots; modules live in scenarios/ and lua/)",
				  name);
	/* a module already loaded, or a standard library (string, math...) */
	lua_getfield(L, LUA_REGISTRYINDEX, MODULES);
	if (lua_getfield(L, -1, name) != LUA_TNIL)
		return 1;
	lua_pop(L, 2);
	if (luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE) &&
	    lua_getfield(L, -1, name) != LUA_TNIL)
		return 1;
	lua_pop(L, 2);
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		FILE *f;

		snprintf(rel, sizeof rel, "%s/%s.lua", dirs[i], name);
		for (char *p = rel + strlen(dirs[i]) + 1; *p; p++)
			if (*p == '.' && strcmp(p, ".lua") != 0)
				*p = '/';
		snprintf(path, sizeof path, "%s/%s", sc->root, rel);
		if ((f = fopen(path, "rb")) == NULL)
			continue;
		fclose(f);
		lua_pushfstring(L, "@%s", rel);
		sandbox_loadfile(L, path, lua_tostring(L, -1));
		lua_remove(L, -2);
		lua_callk(L, 0, 1, 0, require_done);
		return require_done(L, LUA_OK, 0);
	}
	return luaL_error(L, "require: no module '%s' in scenarios/ or lua/", name);
}

/* ---- the whole sandbox --------------------------------------------------- */

static const luaL_Reg libs[] = {
	{ LUA_GNAME, luaopen_base },
	{ LUA_COLIBNAME, luaopen_coroutine },
	{ LUA_TABLIBNAME, luaopen_table },
	{ LUA_STRLIBNAME, luaopen_string },
	{ LUA_MATHLIBNAME, luaopen_math },
	{ LUA_UTF8LIBNAME, luaopen_utf8 },
};

/* math.randomseed(x [, y]): a seed is required (no wall-clock seeding). */
static int sb_randomseed(lua_State *L)
{
	luaL_checkinteger(L, 1);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 0);
	return 0;
}

void sandbox_open(lua_State *L)
{
	for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
		luaL_requiref(L, libs[i].name, libs[i].func, 1);
		lua_pop(L, 1);
	}
	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, MODULES);
	/* load, wrapping the real one */
	lua_getglobal(L, "load");
	lua_pushcclosure(L, sb_load, 1);
	lua_setglobal(L, "load");
	lua_pushcfunction(L, sb_require);
	lua_setglobal(L, "require");
	lua_pushnil(L);
	lua_setglobal(L, "warn");	/* would write to stderr */
	install_refusals(L);
	install_bounds(L);
	coroutines_open(L);	/* resumes recorded, for the limits */
	/* a fixed seed, and no seeding from the clock */
	lua_getglobal(L, "math");
	lua_getfield(L, -1, "randomseed");
	lua_pushvalue(L, -1);
	lua_pushinteger(L, 1);
	lua_call(L, 1, 0);
	lua_pushcclosure(L, sb_randomseed, 1);
	lua_setfield(L, -2, "randomseed");
	lua_pop(L, 1);
}
