/*
 * api_check.c - expect(): what makes a scenario a test.
 *
 *   expect(vm.state == "off", "the hosted VM powered off at log-off")
 *
 * A failed expect does not stop the scenario (the lesson goes on, and the
 * next checks still run); it is reported with the file and line of the
 * call, and makes a headless run exit with status 1.
 */
#include <lauxlib.h>

#include "engine.h"

static int l_expect(lua_State *L)
{
	struct scenario *sc = engine_get(L);
	bool ok;
	const char *msg;
	size_t len;

	luaL_checkany(L, 1);
	ok = lua_toboolean(L, 1);
	if (lua_isnoneornil(L, 2))
		lua_pushliteral(L, "expectation");
	else
		lua_pushvalue(L, 2);
	msg = luaL_tolstring(L, -1, &len);
	sc->expects++;
	sc->failed += !ok;
	engine_line(L, ok ? LINE_EXPECT_OK : LINE_EXPECT_FAILED, msg, len);
	lua_pushboolean(L, ok);
	return 1;
}

void api_check_open(lua_State *L)
{
	lua_register(L, "expect", l_expect);
}
