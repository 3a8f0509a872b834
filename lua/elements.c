/*
 * elements.c - what a call that loops over elements will cost, priced
 * from its arguments before it runs (sandbox.c charges it).
 *
 * The table library (ltablib.c) and string.byte, utf8.codepoint loop in
 * C: Lua's count hook sees no instruction while they run.  Over a plain
 * table the loop is as long as the table, which the memory limit bounds,
 * but nothing bounds the numbers a script passes: table.move({}, 1, 2^62,
 * 2) copies nil onto nil 2^62 times, a __len that returns 2^62 makes
 * table.insert and table.remove shift that many elements, and a C function
 * as __index (rawlen, rawequal) lets every one of those accesses run
 * without a single Lua instruction.  Each of these functions visits a
 * range of elements that its arguments (and #t) fix before it starts:
 *
 *   table.move(a, f, e, t)    f..e
 *   table.insert(t, pos, v)   pos..#t, shifted up one
 *   table.remove(t, pos)      pos+1..#t, shifted down one
 *   table.concat(t, s, i, j)  i..j (j: #t)
 *   table.unpack(t, i, j)     i..j (j: #t), one value pushed each
 *   table.sort(t)             1..#t, about n log2 n comparisons
 *   string.byte(s, i, j)      i..j within s, one value pushed each
 *   utf8.codepoint(s, i, j)   the same
 *
 * One element visited costs one Lua instruction; a call whose count is
 * more than the budget has left is refused before it starts, naming the
 * count, rather than left to run for hours.  #t is read as the real
 * function will read it, so a __len metamethod runs once more here.
 */
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "engine.h"

/* How many of i..j there are: none if j < i. */
static uint64_t span(lua_Integer i, lua_Integer j)
{
	return j < i ? 0 : (uint64_t)j - (uint64_t)i + 1;
}

/*
 * Argument arg as an integer, def if absent.  A value Lua will refuse
 * counts as def: the real function raises its own error for it.
 */
static lua_Integer opt_int(lua_State *L, int arg, lua_Integer def)
{
	int ok;
	lua_Integer v = lua_tointegerx(L, arg, &ok);

	return ok ? v : def;
}

/* #t as the table library reads it (__len included); 0 if not a table. */
static lua_Integer tab_len(lua_State *L, int arg)
{
	return lua_type(L, arg) == LUA_TTABLE ? luaL_len(L, arg) : 0;
}

/*
 * string.byte and utf8.codepoint: the positions i..j (negative ones
 * counted from the end, as lstrlib.c's posrelatI and getendpos do),
 * clipped to the string: the values the call returns at most.
 */
static uint64_t bytes_span(lua_State *L)
{
	size_t len = 0;
	lua_Integer n, i, j;

	if (lua_type(L, 1) != LUA_TSTRING && lua_type(L, 1) != LUA_TNUMBER)
		return 0;
	lua_tolstring(L, 1, &len);
	n = (lua_Integer)len;
	i = opt_int(L, 2, 1);
	j = opt_int(L, 3, i);
	i = i > 0 ? i : i == 0 || i < -n ? 1 : n + i + 1;
	j = j > n ? n : j >= 0 ? j : j < -n ? 0 : n + j + 1;
	return span(i, j);
}

/* n log2 n, rounded up: the comparisons a quicksort makes on average. */
static uint64_t sort_steps(uint64_t n)
{
	uint64_t log = 0;

	while (log < 64 && (1ull << log) < n)
		log++;
	return n * log;	/* n < 2^31 (ltablib.c refuses more): no overflow */
}

uint64_t elements_cost(lua_State *L, const char *lib, const char *name)
{
	uint64_t elems, steps;
	char why[300];

	if (strcmp(lib, "table") != 0) {
		elems = bytes_span(L);
	} else if (strcmp(name, "move") == 0) {
		elems = span(opt_int(L, 2, 1), opt_int(L, 3, 0));
	} else if (strcmp(name, "insert") == 0) {
		elems = lua_gettop(L) == 3 ?
			span(opt_int(L, 2, 1), tab_len(L, 1)) : 1;
	} else if (strcmp(name, "remove") == 0) {
		lua_Integer size = tab_len(L, 1);

		elems = span(opt_int(L, 2, size), size);
		elems = elems > 0 ? elems - 1 : 0;
	} else if (strcmp(name, "sort") == 0) {
		elems = span(1, tab_len(L, 1));
	} else {		/* concat(t, sep, i, j), unpack(t, i, j) */
		int first = strcmp(name, "concat") == 0 ? 3 : 2;
		lua_Integer i = opt_int(L, first, 1);

		elems = span(i, lua_isnoneornil(L, first + 1) ?
			     tab_len(L, 1) : opt_int(L, first + 1, 0));
	}
	steps = strcmp(name, "sort") == 0 ? sort_steps(elems) : elems;
	if (steps <= limits_budget_left(L))
		return steps;
	snprintf(why, sizeof why,
		 "called %s.%s over %llu elements (%llu steps in C, one Lua instruction each), more than its instruction budget has left: refused",
		 lib, name, (unsigned long long)elems,
		 (unsigned long long)steps);
	limits_refuse(L, why);
	return 0;
}
