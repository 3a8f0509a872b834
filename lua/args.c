/*
 * args.c - reading the table a scenario passes to host{}, add_vm{} and
 * run{}: every field checked, every mistake named.
 *
 * A misspelt field (`host{cpu=2}`) is an error, not silently ignored: a
 * teacher who wrote it meant something, and should learn it did nothing.
 */
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "engine.h"

void args_check(lua_State *L, int t, const char *fn, const char *const allowed[])
{
	luaL_checktype(L, t, LUA_TTABLE);
	lua_pushnil(L);
	while (lua_next(L, t) != 0) {
		bool ok = false;
		char list[200] = "";

		lua_pop(L, 1);		/* the value; the key stays for lua_next */
		for (int i = 0; allowed[i]; i++) {
			if (lua_type(L, -1) == LUA_TSTRING &&
			    strcmp(lua_tostring(L, -1), allowed[i]) == 0)
				ok = true;
			snprintf(list + strlen(list), sizeof list - strlen(list),
				 "%s%s", i ? ", " : "", allowed[i]);
		}
		if (!ok)
			luaL_error(L, "%s: unknown field '%s' (it takes %s)", fn,
				   luaL_tolstring(L, -1, NULL), list);
	}
}

const char *args_string(lua_State *L, int t, const char *key, const char *fn)
{
	const char *s;

	lua_getfield(L, t, key);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return NULL;
	}
	if (lua_type(L, -1) != LUA_TSTRING)
		luaL_error(L, "%s: %s must be a string, not a %s", fn, key,
			   luaL_typename(L, -1));
	s = lua_tostring(L, -1);
	lua_pop(L, 1);		/* the table still holds the string */
	return s;
}

/* A number field within [lo, hi] (whole if asked), or 0 if absent. */
static lua_Number number(lua_State *L, int t, const char *key, const char *fn,
			 lua_Number lo, lua_Number hi, bool whole)
{
	lua_Number d;
	int isnum;

	lua_getfield(L, t, key);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return 0;
	}
	d = lua_tonumberx(L, -1, &isnum);
	/* (1e6 is a fine way to write a million: any whole number will do) */
	if (!isnum || !(d >= lo && d <= hi) ||
	    (whole && d != (lua_Number)(uint64_t)d)) {
		if (whole)
			luaL_error(L, "%s: %s must be a whole number from %I to %I",
				   fn, key, (lua_Integer)lo, (lua_Integer)hi);
		luaL_error(L, "%s: %s must be a number from %f to %f", fn, key,
			   lo, hi);
	}
	lua_pop(L, 1);
	return d;
}

uint64_t args_count(lua_State *L, int t, const char *key, const char *fn,
		    uint64_t lo, uint64_t hi)
{
	return (uint64_t)number(L, t, key, fn, (lua_Number)lo, (lua_Number)hi,
				true);
}

double args_number(lua_State *L, int t, const char *key, const char *fn,
		   double lo, double hi)
{
	return number(L, t, key, fn, lo, hi, false);
}
