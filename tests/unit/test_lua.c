/*
 * test_lua.c - the scenario engine (lua/): the sandbox refuses what it
 * must, with a message naming the file and line; runaway scripts are
 * stopped; errors never take the simulator down with them; the API's
 * yields reach the player in order; events{} tables carry exactly the
 * trace's field names.
 *
 * Each test writes a small scenario to a temporary file and plays it the
 * way the headless player does (tests run from the repository root, which
 * holds scenarios/ and lua/).
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
#include "trace.h"
#include "vm.h"
#include "vmm/vcpu_stats.h"

#define MAX_STEPS 64

/* One played scenario: what the player saw. */
struct play {
	struct scenario *sc;
	char path[64];			/* the temporary file */
	int open_rc;
	char open_err[SCENARIO_ERR_MAX];
	enum scenario_state steps[MAX_STEPS];	/* states, in order */
	int nsteps;
	char lines[1 << 18];		/* every line: "KIND text @ where\n" */
	enum scenario_state end;
};

/* Small limits, so runaway scripts are stopped quickly. */
static const struct scenario_limits small = {
	.lua_insns = 2000000, .lua_insns_total = 20000000,
	.mem_bytes = 16u << 20, .max_yields = 1000,
};

static void write_script(struct play *p, const char *src)
{
	FILE *f;
	int fd;

	snprintf(p->path, sizeof p->path, "/tmp/ringside-lua-XXXXXX");
	fd = mkstemp(p->path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(src, f);
	fclose(f);
}

/* Open src; play it if it opened, keeping the scenario for inspection. */
static void play(struct play *p, const char *src)
{
	static const char *const kinds[] = { "SAY", "PRINT", "OK", "FAIL" };
	struct scenario_config cfg = { .root = ".", .mode = MODE_TE,
				       .limits = small };
	struct scenario_line line;
	bool done;

	memset(p, 0, sizeof *p);
	write_script(p, src);
	cfg.path = p->path;
	p->open_rc = scenario_open(&cfg, &p->sc, p->open_err);
	if (p->open_rc != SIM_OK)
		return;
	do {
		p->end = scenario_resume(p->sc);
		if (p->nsteps < MAX_STEPS)
			p->steps[p->nsteps++] = p->end;
		while (scenario_next_line(p->sc, &line))
			snprintf(p->lines + strlen(p->lines),
				 sizeof p->lines - strlen(p->lines), "%s %s @ %s\n",
				 kinds[line.kind], line.text, line.where);
		while (p->end == SCENARIO_RUN &&
		       scenario_run_slice(p->sc, 1000000, NULL, NULL, &done) == SIM_OK &&
		       !done)
			;
	} while (p->end != SCENARIO_DONE && p->end != SCENARIO_FAILED);
}

/* The script must have run to its end, every expect holding. */
static void expect_done(struct play *p)
{
	if (p->open_rc != SIM_OK)
		fail_msg("did not open: %s", p->open_err);
	if (p->end != SCENARIO_DONE)
		fail_msg("failed: %s\nlines:\n%s", scenario_error(p->sc), p->lines);
	if (strstr(p->lines, "FAIL ") != NULL)
		fail_msg("an expect failed:\n%s", p->lines);
}

static void done(struct play *p)
{
	scenario_close(p->sc);
	unlink(p->path);
}

/* The script must fail with an error at line `line` containing `needle`. */
static void expect_failure(const char *src, int line, const char *needle)
{
	struct play p;
	char where[96];
	const char *err;

	play(&p, src);
	err = p.open_rc != SIM_OK ? p.open_err : scenario_error(p.sc);
	if (p.open_rc == SIM_OK && p.end != SCENARIO_FAILED)
		fail_msg("script did not fail: %s", src);
	snprintf(where, sizeof where, "%s:%d:", p.path, line);
	if (strncmp(err, where, strlen(where)) != 0 || strstr(err, needle) == NULL)
		fail_msg("for %s\nwanted \"%s ...%s...\"\ngot    \"%s\"", src, where,
			 needle, err);
	done(&p);
}

/* ---- the sandbox ----------------------------------------------------------- */

static void forbidden_things_are_refused(void **state)
{
	(void)state;
	expect_failure("local t = os.time()\n", 1,
		       "os.time is not available in a scenario: scenarios live in simulated time");
	expect_failure("say('x')\nos.exit(1)\n", 2, "os.exit is not available");
	expect_failure("io.write('x')\n", 1, "io.write is not available in a scenario");
	expect_failure("local f = io.open('/etc/passwd')\n", 1, "io.open is not available");
	expect_failure("debug.sethook()\n", 1, "debug.sethook is not available");
	expect_failure("package.path = 'x'\n", 1, "package.path is not available");
	expect_failure("dofile('/etc/passwd')\n", 1, "dofile is not available in a scenario");
	expect_failure("loadfile('x.lua')\n", 1, "loadfile is not available");
	expect_failure("string.dump(print)\n", 1, "string.dump is not available");
	expect_failure("load('\\27Lua\\84\\0')\n", 1, "binary chunks are refused");
	expect_failure("load('return 1', 'x', 'b')\n", 1, "binary chunks are refused");
	expect_failure("require('os')\n", 1, "require: os is not available");
	expect_failure("require('../../etc/passwd')\n", 1, "is not a module name");
	expect_failure("\nrequire('no_such_module')\n", 2,
		       "no module 'no_such_module' in scenarios/ or lua/");
	expect_failure("math.randomseed()\n", 1, "number expected");
	expect_failure("setmetatable(os, {})\n", 1, "protected metatable");
}

static void safe_things_work(void **state)
{
	struct play p;

	(void)state;
	play(&p, "local f = load('return 6 * 7')\n"
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
	expect_done(&p);
	assert_int_equal(scenario_expects(p.sc, NULL), 7);
	done(&p);
}

/* The same script, twice, draws the same "random" numbers: no clock seed. */
static void random_is_deterministic(void **state)
{
	const char *src = "print(math.random(1000000), math.random(1000000))\n";
	struct play a, b;

	(void)state;
	play(&a, src);
	play(&b, src);
	assert_int_equal(a.end, SCENARIO_DONE);
	/* "PRINT n1\tn2 @ file:1": the same numbers, from other files */
	*strstr(a.lines, " @ ") = '\0';
	*strstr(b.lines, " @ ") = '\0';
	assert_string_equal(a.lines, b.lines);
	done(&a);
	done(&b);
}

static void runaway_scripts_are_stopped(void **state)
{
	(void)state;
	expect_failure("say('start')\nwhile true do end\n", 2, "an endless loop?");
	/* catching the error does not help */
	expect_failure("while true do pcall(function() while true do end end) end\n",
		       1, "an endless loop?");
	/* yielding forever is stopped too */
	expect_failure("while true do say('again') end\n", 1, "an endless loop?");
	/* too much output between two yields */
	expect_failure("for i = 1, 1e6 do print(i) end\n", 1, "too much output");
}

static void memory_bombs_are_stopped(void **state)
{
	struct play p;

	(void)state;
	/* endless recursion: Lua's stack limit or the memory limit, whichever first */
	play(&p, "local function f(n) return 1 + f(n) end\nf(1)\n");
	assert_int_equal(p.end, SCENARIO_FAILED);
	assert_true(strstr(scenario_error(p.sc), "stack overflow") ||
		    strstr(scenario_error(p.sc), "memory limit"));
	assert_non_null(strstr(scenario_error(p.sc), ":1:"));
	done(&p);
	expect_failure("local t = {}\nfor i = 1, 1e8 do t[i] = {i} end\n", 2,
		       "more than 16 MiB of memory (memory limit)");
	expect_failure("local s = string.rep('x', 1e9)\n", 1, "memory limit");
	expect_failure("local s = 'x'\nwhile true do s = s .. s end\n", 2,
		       "memory limit");
}

static void errors_name_file_and_line(void **state)
{
	(void)state;
	expect_failure("say('a')\nx = = 1\n", 2, "unexpected symbol near '='");
	expect_failure("\n\nlocal t = nil\nt.x = 1\n", 4, "attempt to index a nil value");
	expect_failure("error('boom', 0)\n", 1, "boom");
	expect_failure("\nerror({})\n", 2, "the error value is a table");
	expect_failure("host{cpu=2}\n", 1, "host: unknown field 'cpu' (it takes name, kind, cpus");
	expect_failure("host{kind='mainframe'}\n", 1, "kind must be \"esx\", \"hosted\" (Workstation) or \"server\"");
	expect_failure("local h = host{}\nh:add_vm{guest='no_such_guest'}\n", 2,
		       "no_such_guest.elf");
	expect_failure("local h = host{}\nh:add_vm{guest='hello', cpu_mhz=5}\n", 2,
		       "describe a modelled VM");
	expect_failure("run{}\n", 1, "say how long");
	expect_failure("run{insns=-5}\n", 1, "insns must be a whole number");
	expect_failure("run{until_event='insn'}\n", 1, "cannot be watched");
	expect_failure("for e in events{kind='trap', acton='x'} do end\n", 1,
		       "a trap event has no field 'acton'");
	expect_failure("local h = host{}\nlocal v = h:add_vm{guest='hello'}\nv.state = 'off'\n",
		       3, "read-only");
	expect_failure("local co = coroutine.wrap(function() pause() end)\nco()\n", 2,
		       ":1: say, pause and run belong to the scenario itself");
	expect_failure("table.sort({3, 2, 1}, function(a, b) say('x') return a < b end)\n",
		       1, "from inside a callback");
}

/* A module in scenarios/ or lua/ reports its own file and line. */
static void errors_in_helpers_point_at_the_caller(void **state)
{
	struct play p;

	(void)state;
	play(&p, "\nexpect_eq(1, 2, 'one is two')\n");
	assert_int_equal(p.end, SCENARIO_DONE);
	assert_non_null(strstr(p.lines, "FAIL one is two: 1 (expected 2) @ /tmp/ringside-lua-"));
	assert_non_null(strstr(p.lines, ":2\n"));	/* the caller's line, not lua/'s */
	done(&p);
}

/* ---- playing ----------------------------------------------------------------- */

static void yields_reach_the_player_in_order(void **state)
{
	struct play p;

	(void)state;
	play(&p, "say('one')\n"
		 "pause()\n"
		 "print('note')\n"
		 "local h = host{name='esx9'}\n"
		 "local vm = h:add_vm{name='v', guest='hello'}\n"
		 "local why = run{insns=100}\n"
		 "expect(why == 'insns', 'run{insns} ends on its budget: ' .. why)\n"
		 "why = run{insns=1e9}\n"
		 "expect(why == 'idle', 'then nothing is left to run: ' .. why)\n"
		 "expect(vm.state == 'off', 'hello powered off')\n"
		 "expect(false, 'a failing expect')\n"
		 "say('two')\n");
	assert_int_equal(p.end, SCENARIO_DONE);
	assert_true(p.nsteps >= 6);
	assert_int_equal(p.steps[0], SCENARIO_SAY);
	assert_int_equal(p.steps[1], SCENARIO_PAUSE);
	assert_int_equal(p.steps[2], SCENARIO_RUN);
	assert_int_equal(p.steps[3], SCENARIO_RUN);
	assert_int_equal(p.steps[4], SCENARIO_SAY);
	assert_int_equal(p.steps[5], SCENARIO_DONE);
	assert_non_null(strstr(p.lines, "SAY one @ "));
	assert_non_null(strstr(p.lines, "PRINT note @ "));
	assert_non_null(strstr(p.lines, "OK run{insns} ends on its budget: insns"));
	assert_non_null(strstr(p.lines, "OK then nothing is left to run: idle"));
	assert_non_null(strstr(p.lines, "FAIL a failing expect @ "));
	{
		int failed, n = scenario_expects(p.sc, &failed);

		assert_int_equal(n, 4);
		assert_int_equal(failed, 1);
	}
	done(&p);
}

static void run_until_event_returns_it(void **state)
{
	struct play p;

	(void)state;
	play(&p, "local h = host{}\n"
		 "local vm = h:add_vm{name='v', guest='hello'}\n"
		 "local why, e = run{until_event='serial'}\n"
		 "expect(why == 'event', 'stopped by the event')\n"
		 "expect(e.kind == 'serial' and e.vm == 'v', 'its table')\n"
		 "expect(contains(e.text, 'booted with magic 2badb002'), 'its text')\n"
		 "expect(vm.state == 'on', 'the VM still runs')\n"
		 "local m = mark()\n"
		 "why, e = run{until_event='power', vm=vm}\n"
		 "expect(e.reason == 'debug-exit' and e.on == false, 'power off')\n"
		 "expect(count{since=m, kind='serial'} == 5, 'five more lines')\n"
		 "local t = now_ns()\n"
		 "why = run{seconds=0.001}\n"
		 "expect(why == 'seconds', 'time passes on the host: ' .. why)\n"
		 "expect(now_ns() >= t + 1000000, 'a millisecond later')\n");
	expect_done(&p);
	done(&p);
}

/* After a script error the world is intact: it runs on from C. */
static void script_errors_leave_the_world_intact(void **state)
{
	struct play p;
	enum sim_stop why;
	struct vm *vm;

	(void)state;
	play(&p, "local h = host{}\n"
		 "local vm = h:add_vm{name='v', guest='hello'}\n"
		 "run{insns=2000}\n"
		 "local x = vm.nonsense\n");
	assert_int_equal(p.end, SCENARIO_FAILED);
	assert_non_null(strstr(scenario_error(p.sc), ":4: a VM has no field 'nonsense'"));
	vm = sim_vm_by_name(scenario_sim(p.sc), "v");
	assert_non_null(vm);
	assert_int_equal(vm->state, VM_ON);
	assert_int_equal(sim_run(scenario_sim(p.sc), 1000000000ull, &why), SIM_OK);
	assert_int_equal(vm->state, VM_OFF);
	assert_int_equal(vm->power_reason, POWER_DEBUG_EXIT);
	/* resuming a failed scenario does nothing */
	assert_int_equal(scenario_resume(p.sc), SCENARIO_FAILED);
	done(&p);
}

/*
 * events{} tables have the trace's fields, no more, no fewer: each event's
 * keys as Lua sees them equal the keys of its JSON line.
 */
static void event_tables_have_the_trace_fields(void **state)
{
	struct play p;
	char *line, *save, json[TRACE_LINE_MAX];
	const struct event_log *log;
	int checked = 0;

	(void)state;
	play(&p, "local h = host{}\n"
		 "h:add_vm{name='v', guest='tour', mode='bt'}\n"
		 "run{insns=300000}\n"
		 "for e in events{} do\n"
		 "  local keys = {}\n"
		 "  for k in pairs(e) do keys[#keys + 1] = k end\n"
		 "  table.sort(keys)\n"
		 "  print(e.seq .. ' ' .. table.concat(keys, ','))\n"
		 "  if e.seq > 400 then break end\n"
		 "end\n");
	assert_int_equal(p.end, SCENARIO_DONE);
	log = sim_events(scenario_sim(p.sc));
	for (line = strtok_r(p.lines, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long seq;
		char keys[512], want[512] = "", *names[40];
		int n = 0;

		if (sscanf(line, "PRINT %llu %511s", &seq, keys) != 2)
			continue;
		for (size_t i = 0; i < event_log_count(log); i++) {
			const struct event *ev = event_log_at(log, i);

			if (ev->seq != seq)
				continue;
			trace_json(scenario_sim(p.sc), ev, json, sizeof json);
		}
		/* the top-level keys of the JSON object, sorted */
		for (char *k = strstr(json, "\""); k && n < 40; k = strstr(k, "\"")) {
			char *end = strchr(k + 1, '"');

			if (end[1] == ':' && (k[-1] == '{' || k[-1] == ',')) {
				*end = '\0';
				names[n++] = k + 1;
				k = end + 1;
				continue;
			}
			/* skip a string value */
			while (end && end[-1] == '\\')
				end = strchr(end + 1, '"');
			k = end ? end + 1 : NULL;
		}
		for (int i = 1; i < n; i++)
			for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
				char *t = names[j];

				names[j] = names[j - 1];
				names[j - 1] = t;
			}
		for (int i = 0; i < n; i++)
			snprintf(want + strlen(want), sizeof want - strlen(want),
				 "%s%s", i ? "," : "", names[i]);
		assert_string_equal(keys, want);
		checked++;
	}
	assert_true(checked > 100);
	done(&p);
}

/* ---- a VM's disk: snapshots and backup from a script ---------------------- */

static void disk_snapshots_and_backup(void **state)
{
	struct play p;

	(void)state;
	play(&p,
	     "local vm = host{name='e'}:add_vm{guest='disk', disk_mb=1}\n"
	     "local base = '[datastore1] ' .. vm.name .. '/' .. vm.name\n"
	     "expect_eq(vm.disk, base .. '-flat.vmdk', 'the disk file')\n"
	     "run{until_event='power', vm=vm}\n"
	     "expect(vm:disk_read(101):find('pass 2', 1, true), 'the guest wrote it')\n"
	     "local sum = vm:disk_checksum()\n"
	     "local ok, msg = vm:snapshot('s')\n"
	     "expect(ok, msg)\n"
	     "expect_eq(vm.disk, base .. '-000001-delta.vmdk', 'writes go to the delta')\n"
	     "expect_eq(#vm:snapshots(), 1, 'one snapshot')\n"
	     "ok, msg = vm:snapshot('s')\n"
	     "expect(not ok and msg:find('already'), msg)\n"
	     "ok, msg = vm:revert('s')\n"
	     "expect(ok and msg:find('powered off'), msg)\n"
	     "ok, msg = vm:remove_snapshot('s')\n"
	     "expect(ok and vm:disk_checksum() == sum, 'consolidated, nothing changed')\n"
	     "local b = vcb_backup(vm, {proxy='p1'})\n"
	     "expect(b.ok and b.checksum == sum and b.bytes == 1048576, 'the backup')\n"
	     "expect_eq(b.steps[1].step, 'quiesce', 'its first step')\n"
	     "expect_eq(b.steps[#b.steps].step, 'consolidate', 'its last step')\n");
	expect_done(&p);
	done(&p);
	expect_failure("local vm = host{name='e'}:add_vm{guest='hello'}\nvm:disk_read(0)\n",
		       2, "has no disk");
	expect_failure("local vm = host{name='e'}:add_vm{guest='disk', disk_mb=1}\nvm:disk_read(2048)\n",
		       2, "past the end");
	expect_failure("host{name='e'}:add_vm{disk_mb=4}\n", 1, "disk_mb= needs a guest=");
	expect_failure("host{name='e'}:add_vm{guest='disk', disk='nope'}\n", 1,
		       "scenarios/guests/nope.img");
}

/*
 * add_vm{append=, modules=}: the guest sees its command line and its
 * Multiboot modules as with QEMU's -append and -initrd (test_reference
 * compares them with QEMU's); wrong forms are refused at the call.
 */
static void command_line_and_modules(void **state)
{
	struct play p;

	(void)state;
	play(&p,
	     "local vm = host{name='e'}:add_vm{guest='build/guests/mbinfo.elf',\n"
	     "  append='console=ttyS0 quiet',\n"
	     "  modules={'smp.S,root=/dev/ram0', 'scenarios/guests/disc/notes.txt'}}\n"
	     "run{until_event='power', vm=vm}\n"
	     "local out = vm:serial()\n"
	     "expect(out:find('\"build/guests/mbinfo.elf console=ttyS0 quiet\"', 1, true), 'the command line')\n"
	     "expect(out:find('mods_count 00000002', 1, true), 'two modules')\n"
	     "expect(out:find('\"scenarios/guests/smp.S root=/dev/ram0\"', 1, true), 'the first one\\'s string')\n"
	     "expect(out:find('first line: ISO 9660 stores', 1, true), 'the second one\\'s bytes')\n");
	expect_done(&p);
	done(&p);
	expect_failure("host{name='e'}:add_vm{append='x'}\n", 1, "append= needs a guest=");
	expect_failure("host{name='e'}:add_vm{guest='hello', modules='x'}\n", 1,
		       "modules must be a list");
	expect_failure("host{name='e'}:add_vm{guest='hello', modules={',x'}}\n", 1,
		       "modules[1] must be");
	expect_failure("host{name='e'}:add_vm{guest='hello', modules={'nope.bin'}}\n", 1,
		       "nope.bin: cannot open the module");
}

/*
 * add_vm{tsc_deadline=true}: the guest's CPUID announces the local APIC
 * timer's TSC-deadline mode and the mode works (test_apic checks it in
 * every mode); without it, qemu32's CPUID; wrong forms are refused.
 */
static void tsc_deadline_option(void **state)
{
	struct play p;

	(void)state;
	play(&p,
	     "local h = host{name='e'}\n"
	     "local on = h:add_vm{guest='build/guests/apictimer.elf', tsc_deadline=true}\n"
	     "run{until_event='power', vm=on}\n"
	     "expect(on:serial():find('a passed deadline, at once: 1 interrupts', 1, true), 'on')\n"
	     "local off = h:add_vm{guest='build/guests/apictimer.elf'}\n"
	     "run{until_event='power', vm=off}\n"
	     "expect(off:serial():find('tsc-deadline: not announced', 1, true), 'off')\n");
	expect_done(&p);
	done(&p);
	expect_failure("host{name='e'}:add_vm{guest='hello', tsc_deadline=1}\n", 1,
		       "tsc_deadline must be true or false");
	expect_failure("host{name='e'}:add_vm{cpu_mhz=5, tsc_deadline=true}\n", 1,
		       "tsc_deadline= needs a guest=");
}

/*
 * vm:stats() has every counter of the one list (vcpu_stats.h), under its
 * name, summed over the VM's vCPUs: the very numbers the VMM counted.
 */
static void stats_have_every_counter(void **state)
{
	struct play p;
	struct vcpu_stats want;
	struct sim *s;
	char line[128];

	(void)state;
	/* the script asks for each key of the list */
	{
		char keys[1024] = "", src[2048];

		for (int i = 0; i < vcpu_stats_count(); i++)
			snprintf(keys + strlen(keys), sizeof keys - strlen(keys),
				 "%s'%s'", i ? "," : "", vcpu_stats_list[i].key);
		snprintf(src, sizeof src,
			 "local h = host{}\n"
			 "local vm = h:add_vm{name='v', guest='timer', mode='te', vcpus=2}\n"
			 "run{insns=200000}\n"
			 "local st = vm:stats()\n"
			 "for _, k in ipairs{%s} do print(k .. '=' .. tostring(st[k])) end\n",
			 keys);
		play(&p, src);
	}
	expect_done(&p);
	s = scenario_sim(p.sc);
	vcpu_stats_sum(sim_vm(s, 0), &want);
	assert_true(want.interrupts > 0);	/* (a counter stats() once lacked) */
	for (int i = 0; i < vcpu_stats_count(); i++) {
		const struct vcpu_stat *c = &vcpu_stats_list[i];

		snprintf(line, sizeof line, "PRINT %s=%llu @", c->key,
			 (unsigned long long)vcpu_stats_value(&want, c));
		if (strstr(p.lines, line) == NULL)
			fail_msg("stats().%s: wanted \"%s\" in\n%s", c->key, line,
				 p.lines);
	}
	done(&p);
}

/* ---- clusters and VMotion ----------------------------------------------------- */

/* cluster{}, add_host, add_vm and vmotion() through the binding. */
static void clusters_and_vmotion(void **state)
{
	struct play p;

	(void)state;
	play(&p, "local c = cluster{name='prod', shared_datastore='san0'}\n"
		 "local a = c:add_host{name='a', cpu_model='xeon-5500'}\n"
		 "local b = c:add_host{name='b', cpu_model='xeon-5500'}\n"
		 "local old = c:add_host{name='old', cpu_model='xeon-5100'}\n"
		 "local vm = c:add_vm{name='web', host=a, mem_mb=1024, cpu_mhz=500,\n"
		 "                    dirty_mb_s=32, restart_priority='high'}\n"
		 "expect(vm.host == a and vm.state == 'on' and not vm.live, 'placed')\n"
		 "local r = vmotion(vm, b, {bandwidth_mb_s=128, downtime_ms=300})\n"
		 "expect(r.ok and r.rounds == 3 and r.total_mb == 1360, 'example A')\n"
		 "expect(r.downtime_ms == 125 and r.total_s == 10.625, 'its times')\n"
		 "expect(vm.host == b and vm.migrations == 1, 'moved')\n"
		 "local no = vmotion(vm, 'old')\n"
		 "expect(not no.ok and no.done and contains(no.error, 'sse4.1'), 'refused')\n"
		 "expect(vm.host == b, 'not moved')\n"
		 "expect(#c.hosts == 3 and #c.vms == 1 and c.migrations == 2, 'fields')\n"
		 "expect(count{kind='cluster', action='precopy-round'} == 3, 'round events')\n");
	expect_done(&p);
	assert_int_equal(scenario_expects(p.sc, NULL), 8);
	done(&p);
}

/* Bad cluster arguments are errors that name the file and line. */
static void cluster_errors(void **state)
{
	(void)state;
	expect_failure("local c = cluster{}\nc:add_host{cpu_model='pentium'}\n", 2,
		       "no CPU model named pentium");
	expect_failure("local c = cluster{}\nlocal h = c:add_host{}\nc:add_vm{name='x'}\n",
		       3, "name the VM's host, or enable DRS");
	expect_failure("local c = cluster{}\nlocal h = c:add_host{}\n"
		       "c:add_vm{host=h, guest='hello', dirty_mb_s=5}\n", 3,
		       "describe a modelled VM");
	expect_failure("local c = cluster{colour='red'}\n", 1,
		       "unknown field 'colour'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(forbidden_things_are_refused),
		cmocka_unit_test(stats_have_every_counter),
		cmocka_unit_test(safe_things_work),
		cmocka_unit_test(random_is_deterministic),
		cmocka_unit_test(runaway_scripts_are_stopped),
		cmocka_unit_test(memory_bombs_are_stopped),
		cmocka_unit_test(errors_name_file_and_line),
		cmocka_unit_test(errors_in_helpers_point_at_the_caller),
		cmocka_unit_test(yields_reach_the_player_in_order),
		cmocka_unit_test(run_until_event_returns_it),
		cmocka_unit_test(script_errors_leave_the_world_intact),
		cmocka_unit_test(event_tables_have_the_trace_fields),
		cmocka_unit_test(clusters_and_vmotion),
		cmocka_unit_test(cluster_errors),
		cmocka_unit_test(disk_snapshots_and_backup),
		cmocka_unit_test(command_line_and_modules),
		cmocka_unit_test(tsc_deadline_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
