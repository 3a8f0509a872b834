/*
 * test_lua.c - the scenario engine's sandbox (lua/): it refuses what it
 * must, with a message naming the file and line; runaway scripts and
 * memory bombs are stopped; errors name the script's line, not a
 * helper's.
 *
 * Each test writes a small scenario to a temporary file and plays it the
 * way the headless player does (testlib_lua.c; tests run from the
 * repository root, which holds scenarios/ and lua/).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "scenario.h"
#include "testlib.h"
#include "testlib_lua.h"

/* ---- the sandbox ----------------------------------------------------------- */

static void forbidden_things_are_refused(void **state)
{
	(void)state;
	tl_play_expect_failure("local t = os.time()\n", 1,
		       "os.time is not available in a scenario: scenarios live in simulated time");
	tl_play_expect_failure("say('x')\nos.exit(1)\n", 2, "os.exit is not available");
	tl_play_expect_failure("io.write('x')\n", 1, "io.write is not available in a scenario");
	tl_play_expect_failure("local f = io.open('/etc/passwd')\n", 1, "io.open is not available");
	tl_play_expect_failure("debug.sethook()\n", 1, "debug.sethook is not available");
	tl_play_expect_failure("package.path = 'x'\n", 1, "package.path is not available");
	tl_play_expect_failure("dofile('/etc/passwd')\n", 1, "dofile is not available in a scenario");
	tl_play_expect_failure("loadfile('x.lua')\n", 1, "loadfile is not available");
	tl_play_expect_failure("string.dump(print)\n", 1, "string.dump is not available");
	tl_play_expect_failure("load('\\27Lua\\84\\0')\n", 1, "binary chunks are refused");
	tl_play_expect_failure("load('return 1', 'x', 'b')\n", 1, "binary chunks are refused");
	tl_play_expect_failure("require('os')\n", 1, "require: os is not available");
	tl_play_expect_failure("require('../../etc/passwd')\n", 1, "is not a module name");
	tl_play_expect_failure("\nrequire('no_such_module')\n", 2,
		       "no module 'no_such_module' in scenarios/ or lua/");
	tl_play_expect_failure("math.randomseed()\n", 1, "number expected");
	tl_play_expect_failure("setmetatable(os, {})\n", 1, "protected metatable");
	/* a collector set to run without pause works outside the budget */
	tl_play_expect_failure("collectgarbage('setpause', 0)\n", 1,
			       "collectgarbage('setpause') is not available in a scenario");
	tl_play_expect_failure("\ncollectgarbage('incremental', 0, 1000)\n", 2,
			       "collectgarbage('incremental') is not available in a scenario");
}

static void safe_things_work(void **state)
{
	struct tl_play p;

	(void)state;
	tl_play(&p, "local f = load('return 6 * 7')\n"
		 "expect(f() == 42, 'load of source text')\n"
		 "expect(string.format('%d', 7) == '7', 'string')\n"
		 "expect(math.floor(2.5) == 2 and #table.concat({1,2}) == 2, 'math, table')\n"
		 "local co = coroutine.wrap(function() coroutine.yield(1) end)\n"
		 "expect(co() == 1, 'coroutines of its own')\n"
		 "expect(require('ringside') == true, 'require from lua/')\n"
		 "expect(pcall(error, 'x') == false, 'pcall')\n"
		 "math.randomseed(7)\n"
		 "local a = math.random(1000)\n"
		 "math.randomseed(7)\n"
		 "expect(math.random(1000) == a, 'seeded random repeats')\n");
	tl_play_expect_done(&p);
	assert_int_equal(scenario_expects(p.sc, NULL), 7);
	tl_play_close(&p);
}

/* The same script, twice, draws the same "random" numbers: no clock seed. */
static void random_is_deterministic(void **state)
{
	const char *src = "print(math.random(1000000), math.random(1000000))\n";
	struct tl_play a, b;

	(void)state;
	tl_play(&a, src);
	tl_play(&b, src);
	assert_int_equal(a.end, SCENARIO_DONE);
	/* "PRINT n1\tn2 @ file:1": the same numbers, from other files */
	*strstr(a.lines, " @ ") = '\0';
	*strstr(b.lines, " @ ") = '\0';
	assert_string_equal(a.lines, b.lines);
	tl_play_close(&a);
	tl_play_close(&b);
}

static void runaway_scripts_are_stopped(void **state)
{
	(void)state;
	tl_play_expect_failure("say('start')\nwhile true do end\n", 2, "an endless loop?");
	/* catching the error does not help */
	tl_play_expect_failure("while true do pcall(function() while true do end end) end\n",
		       1, "an endless loop?");
	/* yielding forever is stopped too */
	tl_play_expect_failure("while true do say('again') end\n", 1, "an endless loop?");
	/* too much output between two yields */
	tl_play_expect_failure("for i = 1, 1e6 do print(i) end\n", 1, "too much output");
}

/*
 * A limit hit inside a coroutine of the script's own, however deeply
 * nested, ends the whole script: coroutine.resume catches the error, but
 * the coroutine that resumed it (and the one that resumed that) dies at
 * its next instruction, and nothing it would print is printed.  The
 * script used to go on and end "all held", exit status 0.
 */
static void limits_reach_nested_coroutines(void **state)
{
	static const char *const scripts[] = {
		/* the instruction budget, two coroutines deep */
		"local outer = coroutine.create(function()\n"
		"  local inner = coroutine.create(function() while true do end end)\n"
		"  print('INNER', coroutine.resume(inner))\n"
		"  while true do end\n"
		"end)\n"
		"print('OUTER', coroutine.resume(outer))\n"
		"print('AFTER')\n",
		/* the same through coroutine.wrap and pcall */
		"local outer = coroutine.wrap(function()\n"
		"  local inner = coroutine.wrap(function() while true do end end)\n"
		"  print('INNER', pcall(inner))\n"
		"end)\n"
		"print('OUTER', pcall(outer))\n"
		"print('AFTER')\n",
		/* the time limit: a vararg copied by each instruction */
		"local t = {} for i = 1, 50000 do t[i] = i end\n"
		"local outer = coroutine.create(function()\n"
		"  local inner = coroutine.create(function(...)\n"
		"    for i = 1, 1e9 do local _ = select('#', ...) end\n"
		"  end)\n"
		"  print('INNER', coroutine.resume(inner, table.unpack(t)))\n"
		"end)\n"
		"print('OUTER', coroutine.resume(outer))\n"
		"print('AFTER')\n",
	};
	static const char *const why[] = { "an endless loop?", "an endless loop?",
					   "(time limit)" };
	static const int line[] = { 2, 2, 4 };
	struct scenario_limits lim = tl_play_small;

	(void)state;
	lim.cpu_ms = 300;
	for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++) {
		struct tl_play p;
		char where[96];

		tl_play_with(&p, scripts[i], &lim);
		snprintf(where, sizeof where, "%s:%d: the scenario ", p.path, line[i]);
		if (p.end != SCENARIO_FAILED ||
		    strncmp(scenario_error(p.sc), where, strlen(where)) != 0 ||
		    strstr(scenario_error(p.sc), why[i]) == NULL)
			fail_msg("script %zu: %s\nwanted \"%s...%s\"\nlines:\n%s", i,
				 p.end == SCENARIO_FAILED ? scenario_error(p.sc) : "did not fail",
				 where, why[i], p.lines);
		if (strstr(p.lines, "PRINT") != NULL)
			fail_msg("script %zu went on after its limit:\n%s", i, p.lines);
		tl_play_close(&p);
	}
}

/*
 * Some single Lua instructions walk data no count can price without Lua's
 * internals: next(t) on a table emptied of its keys walks past every empty
 * slot to find none (ltable.c, luaH_next), and < on two long strings that
 * differ only at the end compares them whole (lvm.c, l_strcmp).  A loop of
 * them spends its instruction budget in hours; the time limit ends it.
 * The count alone would say "an endless loop?": only the time limit names
 * "(time limit)", so this fails if that limit stops working.
 */
static void heavy_instructions_stop_on_time(void **state)
{
	static const char *const scripts[] = {
		"local t = {} for i = 1, 200000 do t[i] = true end\n"
		"for i = 1, 200000 do t[i] = nil end\n"
		"while true do local _ = next(t) end\n"
		"print('AFTER')\n",
		"local a = string.rep('x', 4000000) .. 'a'\n"
		"local b = string.rep('x', 4000000) .. 'b'\n"
		"while true do local _ = a < b end\n"
		"print('AFTER')\n",
	};
	struct scenario_limits lim = tl_play_small;

	(void)state;
	lim.cpu_ms = 300;
	for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++) {
		struct tl_play p;
		char where[96];

		tl_play_with(&p, scripts[i], &lim);
		snprintf(where, sizeof where, "%s:3: the scenario ", p.path);
		if (p.end != SCENARIO_FAILED ||
		    strncmp(scenario_error(p.sc), where, strlen(where)) != 0 ||
		    strstr(scenario_error(p.sc), "(time limit)") == NULL ||
		    strstr(p.lines, "AFTER") != NULL)
			fail_msg("script %zu: %s\nwanted \"%s...(time limit)\"\nlines:\n%s",
				 i, p.end == SCENARIO_FAILED ? scenario_error(p.sc) :
				 "did not fail", where, p.lines);
		tl_play_close(&p);
	}
}

/*
 * coroutine.wrap's function raises the coroutine's error in its caller:
 * Lua adds the caller's position to a message that has one already
 * ("f.lua:3: f.lua:2: boom"); the scenario's names one place, where the
 * error was raised.  A message with none gets the caller's, as in Lua.
 */
static void wrap_errors_name_one_place(void **state)
{
	static const char *const scripts[] = {
		"\nlocal f = coroutine.wrap(function() error('boom') end)\nf()\n",
		"local f = coroutine.wrap(function() error('boom') end)\n"
		"local ok, e = pcall(f)\nerror(e, 0)\n",
		"\n\nlocal f = coroutine.wrap(function() error('boom', 0) end)\n"
		"local g = function() f() end\ng()\n",
	};
	static const int line[] = { 2, 1, 4 };
	char want[128];

	(void)state;
	for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++) {
		struct tl_play p;

		tl_play(&p, scripts[i]);
		snprintf(want, sizeof want, "%s:%d: boom", p.path, line[i]);
		if (p.end != SCENARIO_FAILED)
			fail_msg("script %zu did not fail", i);
		assert_string_equal(scenario_error(p.sc), want);
		tl_play_close(&p);
	}
}

static void memory_bombs_are_stopped(void **state)
{
	struct tl_play p;

	(void)state;
	/* endless recursion: Lua's stack limit or the memory limit, whichever first */
	tl_play(&p, "local function f(n) return 1 + f(n) end\nf(1)\n");
	assert_int_equal(p.end, SCENARIO_FAILED);
	assert_true(strstr(scenario_error(p.sc), "stack overflow") ||
		    strstr(scenario_error(p.sc), "memory limit"));
	assert_non_null(strstr(scenario_error(p.sc), ":1:"));
	tl_play_close(&p);
	tl_play_expect_failure("local t = {}\nfor i = 1, 1e8 do t[i] = {i} end\n", 2,
		       "more than 16 MiB of memory (memory limit)");
	tl_play_expect_failure("local s = string.rep('x', 1e9)\n", 1, "memory limit");
	tl_play_expect_failure("local s = 'x'\nwhile true do s = s .. s end\n", 2,
		       "memory limit");
}

static void errors_name_file_and_line(void **state)
{
	(void)state;
	tl_play_expect_failure("say('a')\nx = = 1\n", 2, "unexpected symbol near '='");
	tl_play_expect_failure("\n\nlocal t = nil\nt.x = 1\n", 4, "attempt to index a nil value");
	tl_play_expect_failure("error('boom', 0)\n", 1, "boom");
	tl_play_expect_failure("\nerror({})\n", 2, "the error value is a table");
	tl_play_expect_failure("host{cpu=2}\n", 1, "host: unknown field 'cpu' (it takes name, kind, cpus");
	tl_play_expect_failure("host{kind='mainframe'}\n", 1, "kind must be \"esx\", \"hosted\" (Workstation) or \"server\"");
	tl_play_expect_failure("local h = host{}\nh:add_vm{guest='no_such_guest'}\n", 2,
		       "no_such_guest.elf");
	tl_play_expect_failure("local h = host{}\nh:add_vm{guest='hello', cpu_mhz=5}\n", 2,
		       "describe a modelled VM");
	tl_play_expect_failure("run{}\n", 1, "say how long");
	tl_play_expect_failure("run{insns=-5}\n", 1, "insns must be a whole number");
	tl_play_expect_failure("run{until_event='insn'}\n", 1, "cannot be watched");
	tl_play_expect_failure("for e in events{kind='trap', acton='x'} do end\n", 1,
		       "a trap event has no field 'acton'");
	tl_play_expect_failure("local h = host{}\nlocal v = h:add_vm{guest='hello'}\nv.state = 'off'\n",
		       3, "read-only");
	tl_play_expect_failure("local co = coroutine.wrap(function() pause() end)\nco()\n", 1,
		       "say, pause and run belong to the scenario itself");
	tl_play_expect_failure("table.sort({3, 2, 1}, function(a, b) say('x') return a < b end)\n",
		       1, "from inside a callback");
}

/* A filter may name the fields of an IPI's or MSI's trap event (target,
 * address, data: docs/trace-format.md), as any other trap's. */
static void msi_fields_filter(void **state)
{
	struct tl_play p;

	(void)state;
	tl_play(&p, "for e in events{kind='trap', action='msi', target=0,\n"
		    "  address='0xfee00000', data='0x00000041'} do end\n"
		    "for e in events{kind='trap', action='ipi', target=1} do end\n");
	tl_play_expect_done(&p);
	tl_play_close(&p);
}

/* A module in scenarios/ or lua/ reports its own file and line. */
static void errors_in_helpers_point_at_the_caller(void **state)
{
	struct tl_play p;

	(void)state;
	tl_play(&p, "\nexpect_eq(1, 2, 'one is two')\n");
	assert_int_equal(p.end, SCENARIO_DONE);
	assert_non_null(strstr(p.lines, "FAIL one is two: 1 (expected 2) @ /tmp/ringside-lua-"));
	assert_non_null(strstr(p.lines, ":2\n"));	/* the caller's line, not lua/'s */
	tl_play_close(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(forbidden_things_are_refused),
		cmocka_unit_test(safe_things_work),
		cmocka_unit_test(random_is_deterministic),
		cmocka_unit_test(runaway_scripts_are_stopped),
		cmocka_unit_test(limits_reach_nested_coroutines),
		cmocka_unit_test(heavy_instructions_stop_on_time),
		cmocka_unit_test(wrap_errors_name_one_place),
		cmocka_unit_test(memory_bombs_are_stopped),
		cmocka_unit_test(errors_name_file_and_line),
		cmocka_unit_test(msi_fields_filter),
		cmocka_unit_test(errors_in_helpers_point_at_the_caller),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
