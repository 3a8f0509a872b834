/*
 * test_hostile_scripts.c - scenario scripts that a careless or hostile
 * user writes (issue 14): loops in message handlers and finalizers, long
 * C calls (string and table functions over huge inputs, priced by their
 * length or their elements), patterns that backtrack, messages that look
 * like locations.  Every one must end promptly with a message naming the
 * file and line, and nothing may run after its limit.
 * Each command runs under `timeout -s KILL` (tl_ringside) as a safety net
 * only: a hang becomes a failure (status 137) instead of a stuck suite.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testlib.h"

/* ---- scripts: every one bounded ------------------------------------------- */

/* A script that must run to its end (status 0) and print needle. */
static void script_runs(const char *text, const char *needle)
{
	char sc[256];

	tl_scenario(sc, sizeof sc, text);
	tl_want(tl_ringside("--headless %s", sc), 0, needle);
	unlink(sc);
}

static void script_refused(const char *text, const char *needle)
{
	char sc[256];

	tl_scenario(sc, sizeof sc, text);
	tl_want(tl_ringside("--headless %s", sc), 2, needle);
	if (strstr(tl_out, "AFTER") != NULL)
		fail_msg("the script went on after its limit:\n%s", tl_out);
	unlink(sc);
}

/*
 * More C calls whose work grows with their input and was not counted
 * (found probing the sandbox): string.pack, packsize and unpack read their
 * format byte by byte, tonumber its string, format's %q escapes each byte,
 * and a full collection traverses the whole heap.  Each ran until the
 * 10 s CPU limit (15 to 37 s on a busy machine); each is charged now, and
 * the budget ends it (0.1 to 4 s; the message names which limit did).
 */
static void more_calls_bounded(void **state)
{
	static const char *const scripts[] = {
		"local f = ('i'):rep(1 << 20)\n"
		"for i = 1, 1e9 do string.packsize(f) end print('AFTER')\n",
		"local f, d = ('x'):rep(1 << 20), ('a'):rep(1 << 20)\n"
		"for i = 1, 1e9 do string.unpack(f, d) end print('AFTER')\n",
		"local f = ('x'):rep(1 << 20)\n"
		"for i = 1, 1e9 do string.pack(f) end print('AFTER')\n",
		"local s = ('7'):rep(1 << 22)\n"
		"for i = 1, 1e9 do local n = tonumber(s) end print('AFTER')\n",
		"local s = ('\\0'):rep(1 << 20)\n"
		"for i = 1, 1e9 do local q = ('%q'):format(s) end print('AFTER')\n",
		"local t = {} for i = 1, 200000 do t[i] = {} end\n"
		"for i = 1, 1e9 do collectgarbage() end print('AFTER')\n",
		"local t = {} for i = 1, 200000 do t[i] = {} end\n"
		"for i = 1, 1e9 do collectgarbage('step', 1 << 20) end print('AFTER')\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++)
		script_refused(scripts[i], ":2: the scenario ran 100000000 Lua instructions");
	/* what scenarios do with them works as in Lua */
	script_runs("local v = string.unpack('<i4', string.pack('<i4', 7))\n"
		    "collectgarbage() collectgarbage('step')\n"
		    "print('got', v, string.packsize('i4'), tonumber('42'), tonumber(0/0) ~= 0/0,\n"
		    "      ('%q'):format('a\\0b'), ('%5.1f'):format(2.25), collectgarbage('count') > 0)\n",
		    "got\t7\t4\t42\ttrue\t\"a\\0b\"\t  2.2\ttrue");
}

static void scripts_bounded(void **state)
{
	(void)state;
	/* the handler loops: Lua runs it with hooks off after the hook's error */
	script_refused("xpcall(function() while true do end end,\n"
		       "       function() while true do end end)\n"
		       "print('AFTER')\n", "instruction budget");
	/* a handler that is itself an endless loop, for an ordinary error */
	script_refused("xpcall(error, function() while true do end end)\n"
		       "print('AFTER')\n", "instruction budget");
	/* finalizers run with hooks off, and at exit after the verdict */
	script_refused("setmetatable({}, {__gc=function() while true do end end})\n"
		       "collectgarbage() print('AFTER')\n", "__gc finalizers are refused");
	script_refused("setmetatable({}, {__gc=function() vm{guest='hello'}:power_on() end})\n",
		       "__gc finalizers are refused");
	/* long C calls: counted by length */
	script_refused("local s = string.rep('', math.maxinteger) print('AFTER')\n",
		       "instruction budget");
	script_refused("local s = string.rep('a', 1 << 20)\n"
		       "for i = 1, 1e6 do s:find('b') end print('AFTER')\n",
		       "instruction budget");
	script_refused("local s = string.rep('a', 1 << 16)\n"
		       "for i = 1, 1e6 do s:gsub('a-b', '') end print('AFTER')\n",
		       "instruction budget");
	script_refused("local s = string.rep('a', 1 << 20)\n"
		       "for i = 1, 1e6 do local t = s:upper() end print('AFTER')\n",
		       "instruction budget");
	script_refused("local s = string.rep('a', 1 << 24)\n"
		       "for i = 1, 1e6 do utf8.len(s) end print('AFTER')\n",
		       "instruction budget");
	/* a raw yield from the scenario's body would be resumed forever */
	script_refused("while true do coroutine.yield() end\n",
		       "coroutine.yield() outside a coroutine");
}

/*
 * The table library's loops (ltablib.c) and the functions that return one
 * value per byte or element run in C: no Lua instruction is counted while
 * they loop, and with C functions as metamethods (rawequal, rawlen) even
 * the element accesses run no Lua.  table.move over 2^62 elements, a
 * __len of 2^62 given to insert or remove, a sort of 2^31 elements, or
 * s:byte(1, -1) over 900 KB in a loop ran for hours, deaf to SIGTERM.
 */
static void table_calls_bounded(void **state)
{
	(void)state;
	script_refused("table.move({}, 1, 1 << 62, 2) print('AFTER')\n",
		       "table.move over 4611686018427387904 elements");
	script_refused("local a = setmetatable({}, {__index = rawequal, __newindex = rawequal})\n"
		       "table.move(a, 1, 1 << 62, 2) print('AFTER')\n",
		       "table.move over 4611686018427387904 elements");
	script_refused("local a = setmetatable({}, {__index = rawequal, __newindex = rawequal,\n"
		       "  __len = function() return 1 << 62 end})\n"
		       "pcall(table.insert, a, 1, 0) print('AFTER')\n",
		       ":3: the scenario called table.insert over 4611686018427387904 elements");
	script_refused("local a = setmetatable({}, {__index = rawequal, __newindex = rawequal,\n"
		       "  __len = function() return 1 << 62 end})\n"
		       "table.remove(a, 1) print('AFTER')\n",
		       "table.remove over 4611686018427387903 elements");
	script_refused("local a = setmetatable({}, {__index = rawlen, __newindex = rawequal,\n"
		       "  __len = function() return (1 << 31) - 2 end})\n"
		       "table.sort(a) print('AFTER')\n", "table.sort over 2147483646 elements");
	script_refused("local a = setmetatable({}, {__index = rawlen})\n"
		       "print(#table.concat(a, '', 1, 1 << 40)) print('AFTER')\n",
		       "table.concat over 1099511627776 elements");
	/* one value per element: charged by the values returned */
	script_refused("local s = string.rep('a', 900000)\n"
		       "for i = 1, 1e9 do s:byte(1, -1) end print('AFTER')\n",
		       "instruction budget");
	script_refused("local s = string.rep('a', 900000)\n"
		       "for i = 1, 1e9 do utf8.codepoint(s, 1, -1) end print('AFTER')\n",
		       "instruction budget");
	script_refused("local t = {} for i = 1, 900000 do t[i] = i end\n"
		       "for i = 1, 1e9 do table.unpack(t) end print('AFTER')\n",
		       "instruction budget");
}

/*
 * Patterns: three quantifiers over 4,000 bytes backtrack for minutes
 * (n^4 steps); refused before they run, naming the file and line, even
 * under pcall.  The patterns scenarios use, over a text of 34 KB, run.
 */
static void patterns_bounded(void **state)
{
	char sc[256], where[512];

	(void)state;
	tl_scenario(sc, sizeof sc, "local s = string.rep('a', 4000)\n"
		 "print(pcall(string.find, s, 'a*a*a*b'))\n"
		 "print('AFTER')\n");
	snprintf(where, sizeof where, "%s:2: the scenario called string.find with the pattern \"a*a*a*b\" over 4000 bytes: it may backtrack", sc);
	tl_want(tl_ringside("--headless %s", sc), 2, where);
	if (strstr(tl_out, "AFTER") != NULL)
		fail_msg("the script went on after the refusal:\n%s", tl_out);
	unlink(sc);
	script_refused("local s = string.rep('x', 1 << 16)\n"
		       "for w in s:gmatch('(.-)y(.-)z') do end print('AFTER')\n",
		       "string.gmatch with the pattern \"(.-)y(.-)z\"");
	script_runs("local text = string.rep('probe-1: value 123\\n', 1800)\n"
		    "local n, sum = 0, 0\n"
		    "for line in text:gmatch('([^\\n]*)\\n?') do\n"
		    "  local k, v = line:match('^([%w-]+): (.*)$')\n"
		    "  if k then n = n + 1; sum = sum + tonumber(v:match('%d+')) end\n"
		    "end\n"
		    "local _, digits = text:gsub('%d+', '')\n"
		    "print('lines ' .. n .. ' sum ' .. sum .. ' runs ' .. digits)\n",
		    "lines 1800 sum 221400 runs 3600");
}

static void script_messages(void **state)
{
	char sc[256], where[300];

	(void)state;
	/* a message that only looks like a location gets the real one */
	tl_scenario(sc, sizeof sc, "\nerror('1:2:3 x', 0)\n");
	snprintf(where, sizeof where, "%s:2: 1:2:3 x", sc);
	tl_want(tl_ringside("--headless %s", sc), 2, where);
	unlink(sc);
	/* a missing scenario names what was looked for and where */
	tl_want(tl_ringside("nosuch"), 2, "no scenario 'nosuch'");
	if (strstr(tl_out, "scenarios/nosuch.lua") == NULL || strstr(tl_out, "?:"))
		fail_msg("the message should name scenarios/nosuch.lua:\n%s", tl_out);
	/* a kernel given where a scenario goes: told how to run it */
	tl_want(tl_ringside("--headless scenarios/guests/hello.elf"), 2,
	     "scenarios/guests/hello.elf: a kernel (ELF), not a scenario: run it with ringside --guest scenarios/guests/hello.elf");
	if (strstr(tl_out, "?:"))
		fail_msg("no '?:' position for a file that is not Lua:\n%s", tl_out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(scripts_bounded),
		cmocka_unit_test(more_calls_bounded),
		cmocka_unit_test(table_calls_bounded),
		cmocka_unit_test(patterns_bounded),
		cmocka_unit_test(script_messages),
	};

	return cmocka_run_group_tests_name("hostile_scripts", tests, NULL, NULL);
}
