/*
 * coroutines.c - the script's own coroutines: Lua's coroutine library
 * (lcorolib.c), with resume, close and wrap seen by the engine.
 *
 * A scenario may make coroutines of its own (a generator, a pipeline); only
 * its main body may say, pause and run (engine_yield).  Two things about
 * them need the engine:
 *
 *   - Limits.  Lua's hooks are per thread: a coroutine starts with a copy
 *     of its creator's count hook, and when a limit or a signal (limits.c)
 *     has to stop the script at its very next instruction, the hook of
 *     every thread that is running must be set, not only the one that hit
 *     the limit.  coroutine.resume catches the error raised in the
 *     coroutine and returns false: without this the coroutine that resumed
 *     it ran on, and a script whose limit was hit two coroutines deep ended
 *     "all held".  So each resume is recorded (limits_enter) for as long as
 *     the coroutine runs (limits_leave), and a killed coroutine's resumer
 *     gets the same error at once.
 *
 *   - Messages.  wrap's function raises the coroutine's error in its caller
 *     with the caller's position added (lcorolib.c auxwrap: luaL_where(L,
 *     1)), so a message that has a position gets two: "f.lua:3: f.lua:2:
 *     boom".  Here a message keeps its own; one without gets the caller's.
 *
 * coroutine.close runs the coroutine's pending __close handlers: recorded
 * as a resume.  The rest of the library (create, status, running,
 * isyieldable, yield) is Lua's own.
 */
#include <lauxlib.h>
#include <lualib.h>

#include "engine.h"

/*
 * coroutine.resume(co, ...) and coroutine.close(co): upvalue 1 is Lua's
 * own.  Neither raises the coroutine's error (both return false and the
 * message); only a wrong argument raises, and limits_leave the limit's
 * error when the coroutine hit one.
 */
/*
 * Call upvalue 1 (Lua's own function) with the arguments on the stack,
 * co recorded as running meanwhile; returns lua_pcall's status, with the
 * results or the error on the stack.  limits_leave raises the limit's
 * error if the script was killed meanwhile.
 */
static int call_tracked(lua_State *L, lua_State *co)
{
	int rc;

	limits_enter(L, co);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	rc = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
	limits_leave(L);
	return rc;
}

static int co_tracked(lua_State *L)
{
	lua_State *co = lua_tothread(L, 1);

	luaL_argexpected(L, co != NULL, 1, "coroutine");
	if (call_tracked(L, co) != LUA_OK)
		return lua_error(L);
	return lua_gettop(L);
}

/*
 * The function wrap returns: upvalue 1 is Lua's (auxwrap), upvalue 2 its
 * coroutine.  Called from here, auxwrap's luaL_where(L, 1) names this C
 * function, which has no line: it adds nothing, and the position is
 * decided below.
 */
static int co_wrapped(lua_State *L)
{
	int rc = call_tracked(L, lua_tothread(L, lua_upvalueindex(2)));

	if (rc == LUA_OK)
		return lua_gettop(L);
	if (rc != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING &&
	    !engine_has_location(L, lua_tostring(L, -1))) {
		luaL_where(L, 1);		/* the caller's line, as Lua's */
		lua_insert(L, -2);
		lua_concat(L, 2);
	}
	return lua_error(L);
}

/* coroutine.wrap(f): upvalue 1 is Lua's own. */
static int co_wrap(lua_State *L)
{
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);	/* auxwrap, its thread inside */
	if (lua_getupvalue(L, -1, 1) == NULL || !lua_isthread(L, -1))
		return luaL_error(L, "coroutine.wrap: this Lua's wrap keeps no thread");
	lua_pushcclosure(L, co_wrapped, 2);
	return 1;
}

void coroutines_open(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "resume", co_tracked },
		{ "close", co_tracked },
		{ "wrap", co_wrap },
	};

	lua_getglobal(L, LUA_COLIBNAME);
	for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
		lua_getfield(L, -1, fns[i].name);	/* Lua's own */
		lua_pushcclosure(L, fns[i].func, 1);
		lua_setfield(L, -2, fns[i].name);
	}
	lua_pop(L, 1);
}
