/*
 * test_lua_play.c - scenarios played (lua/): the API's yields reach the
 * player in order; run{} ends for the reason asked; a script's error
 * leaves the world intact; events{} tables carry exactly the trace's
 * field names; vm:stats(), disks, command lines and modules, clusters and
 * VMotion through the binding.
 *
 * Each test writes a small scenario to a temporary file and plays it the
 * way the headless player does (testlib_lua.c).
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
#include "trace.h"
#include "vm.h"
#include "vmm/vcpu_stats.h"

/* ---- playing ----------------------------------------------------------------- */

static void yields_reach_the_player_in_order(void **state)
{
	struct tl_play p;

	(void)state;
	tl_play(&p, "say('one')\n"
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
	tl_play_close(&p);
}

static void run_until_event_returns_it(void **state)
{
	struct tl_play p;

	(void)state;
	tl_play(&p, "local h = host{}\n"
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
	tl_play_expect_done(&p);
	tl_play_close(&p);
}

/* After a script error the world is intact: it runs on from C. */
static void script_errors_leave_the_world_intact(void **state)
{
	struct tl_play p;
	enum sim_stop why;
	struct vm *vm;

	(void)state;
	tl_play(&p, "local h = host{}\n"
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
	tl_play_close(&p);
}

/*
 * events{} tables have the trace's fields, no more, no fewer: each event's
 * keys as Lua sees them equal the keys of its JSON line.
 */
static void event_tables_have_the_trace_fields(void **state)
{
	struct tl_play p;
	char *line, *save, json[TRACE_LINE_MAX];
	const struct event_log *log;
	int checked = 0;

	(void)state;
	tl_play(&p, "local h = host{}\n"
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
	tl_play_close(&p);
}

/* ---- a VM's disk: snapshots and backup from a script ---------------------- */

static void disk_snapshots_and_backup(void **state)
{
	struct tl_play p;

	(void)state;
	tl_play(&p,
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
	tl_play_expect_done(&p);
	tl_play_close(&p);
	tl_play_expect_failure("local vm = host{name='e'}:add_vm{guest='hello'}\nvm:disk_read(0)\n",
		       2, "has no disk");
	tl_play_expect_failure("local vm = host{name='e'}:add_vm{guest='disk', disk_mb=1}\nvm:disk_read(2048)\n",
		       2, "past the end");
	tl_play_expect_failure("host{name='e'}:add_vm{disk_mb=4}\n", 1, "disk_mb= needs a guest=");
	tl_play_expect_failure("host{name='e'}:add_vm{guest='disk', disk='nope'}\n", 1,
		       "scenarios/guests/nope.img");
}

/*
 * add_vm{append=, modules=}: the guest sees its command line and its
 * Multiboot modules as with QEMU's -append and -initrd (test_reference
 * compares them with QEMU's); wrong forms are refused at the call.
 */
static void command_line_and_modules(void **state)
{
	struct tl_play p;

	(void)state;
	tl_play(&p,
	     "local vm = host{name='e'}:add_vm{guest='build/guests/mbinfo.elf',\n"
	     "  append='console=ttyS0 quiet',\n"
	     "  modules={'smp.S,root=/dev/ram0', 'scenarios/guests/disc/notes.txt'}}\n"
	     "run{until_event='power', vm=vm}\n"
	     "local out = vm:serial()\n"
	     "expect(out:find('\"build/guests/mbinfo.elf console=ttyS0 quiet\"', 1, true), 'the command line')\n"
	     "expect(out:find('mods_count 00000002', 1, true), 'two modules')\n"
	     "expect(out:find('\"scenarios/guests/smp.S root=/dev/ram0\"', 1, true), 'the first one\\'s string')\n"
	     "expect(out:find('first line: ISO 9660 stores', 1, true), 'the second one\\'s bytes')\n");
	tl_play_expect_done(&p);
	tl_play_close(&p);
	tl_play_expect_failure("host{name='e'}:add_vm{append='x'}\n", 1, "append= needs a guest=");
	tl_play_expect_failure("host{name='e'}:add_vm{guest='hello', modules='x'}\n", 1,
		       "modules must be a list");
	tl_play_expect_failure("host{name='e'}:add_vm{guest='hello', modules={',x'}}\n", 1,
		       "modules[1] must be");
	tl_play_expect_failure("host{name='e'}:add_vm{guest='hello', modules={'nope.bin'}}\n", 1,
		       "nope.bin: cannot open the module");
}

/*
 * add_vm{tsc_deadline=true}: the guest's CPUID announces the local APIC
 * timer's TSC-deadline mode and the mode works (test_apic checks it in
 * every mode); without it, qemu32's CPUID; wrong forms are refused.
 */
static void tsc_deadline_option(void **state)
{
	struct tl_play p;

	(void)state;
	tl_play(&p,
	     "local h = host{name='e'}\n"
	     "local on = h:add_vm{guest='build/guests/apictimer.elf', tsc_deadline=true}\n"
	     "run{until_event='power', vm=on}\n"
	     "expect(on:serial():find('a passed deadline, at once: 1 interrupts', 1, true), 'on')\n"
	     "local off = h:add_vm{guest='build/guests/apictimer.elf'}\n"
	     "run{until_event='power', vm=off}\n"
	     "expect(off:serial():find('tsc-deadline: not announced', 1, true), 'off')\n");
	tl_play_expect_done(&p);
	tl_play_close(&p);
	tl_play_expect_failure("host{name='e'}:add_vm{guest='hello', tsc_deadline=1}\n", 1,
		       "tsc_deadline must be true or false");
	tl_play_expect_failure("host{name='e'}:add_vm{cpu_mhz=5, tsc_deadline=true}\n", 1,
		       "tsc_deadline= needs a guest=");
}

/*
 * vm:stats() has every counter of the one list (vcpu_stats.h), under its
 * name, summed over the VM's vCPUs: the very numbers the VMM counted.
 */
static void stats_have_every_counter(void **state)
{
	struct tl_play p;
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
		tl_play(&p, src);
	}
	tl_play_expect_done(&p);
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
	tl_play_close(&p);
}

/* ---- clusters and VMotion ----------------------------------------------------- */

/* cluster{}, add_host, add_vm and vmotion() through the binding. */
static void clusters_and_vmotion(void **state)
{
	struct tl_play p;

	(void)state;
	tl_play(&p, "local c = cluster{name='prod', shared_datastore='san0'}\n"
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
	tl_play_expect_done(&p);
	assert_int_equal(scenario_expects(p.sc, NULL), 8);
	tl_play_close(&p);
}

/*
 * A cluster VM paused by a full datastore, through the binding: VMotion,
 * a snapshot and a VCB backup are refused with the reason (and their
 * events); answered (room, Retry), it moves.
 */
static void paused_vm_in_a_cluster(void **state)
{
	struct tl_play p;

	(void)state;
	tl_play(&p, "local c = cluster{name='prod', shared_datastore='san0'}\n"
		 "local a = c:add_host{name='a'}\n"
		 "local b = c:add_host{name='b'}\n"
		 "local app = c:add_vm{name='fill', host=a, guest='build/guests/diskfill.elf',\n"
		 "                     mem_mb=16, disk_mb=1}\n"
		 "app.vm:set_datastore_room(8)\n"
		 "run{until_event='power', match={reason='no-space'}}\n"
		 "expect(app.vm.state == 'paused' and app.state == 'on', 'paused, powered on')\n"
		 "local r = vmotion(app, b)\n"
		 "expect(not r.ok and contains(r.error, 'question pending'), r.error)\n"
		 "expect(count{kind='cluster', action='vmotion-refused', reason='question-pending'} == 1, 'refused event')\n"
		 "expect(app.host == a, 'not moved')\n"
		 "local ok, why = app.vm:snapshot('s1')\n"
		 "expect(not ok and contains(why, 'question pending'), why)\n"
		 "local bk = vcb_backup(app.vm)\n"
		 "expect(not bk.ok and contains(bk.error, 'question pending'), 'backup refused')\n"
		 "expect(count{kind='disk', op='refused', reason='question-pending'} == 2, 'disk events')\n"
		 "expect(count{kind='disk', op='snapshot'} == 0, 'no delta')\n"
		 "local moves = enter_maintenance(a)\n"
		 "expect(#moves == 0 and a.state == 'entering-maintenance', 'a waits for fill')\n"
		 "run{seconds=5}\n"
		 "expect(a.state == 'entering-maintenance' and app.host == a, 'still waiting')\n"
		 "app.vm:set_datastore_room(1024)\n"
		 "expect(app.vm:retry(), 'answered')\n"
		 "local why = run{until_event='drs', match={action='maintenance-entered'}, seconds=30}\n"
		 "expect(why == 'event' and a.state == 'maintenance', 'a in maintenance: ' .. a.state)\n"
		 "expect(app.host == b and app.vm.state == 'on', 'fill moved by DRS, running')\n");
	tl_play_expect_done(&p);
	assert_int_equal(scenario_expects(p.sc, NULL), 13);
	tl_play_close(&p);
}

/*
 * Cancelling maintenance mode through the binding: only a host entering
 * it has a task to cancel; cancelled with web's VMotion under way, the
 * host is connected again at once (its event), the VMotion completes,
 * and the host never enters maintenance mode nor can leave it.
 */
static void maintenance_cancelled(void **state)
{
	struct tl_play p;

	(void)state;
	tl_play(&p, "local c = cluster{name='prod', shared_datastore='san0'}\n"
		 "local a = c:add_host{name='a'}\n"
		 "local b = c:add_host{name='b'}\n"
		 "local web = c:add_vm{name='web', host=a, mem_mb=256, cpu_mhz=500}\n"
		 "local ok, why = cancel_maintenance(a)\n"
		 "expect(not ok and contains(why, 'no task to cancel'), why)\n"
		 "local moves = enter_maintenance(a)\n"
		 "expect(#moves == 1 and a.state == 'entering-maintenance', 'a waits for web')\n"
		 "expect(cancel_maintenance(a), 'cancelled')\n"
		 "expect(a.state == 'connected', 'a connected again: ' .. a.state)\n"
		 "local e = last{kind='drs', action='maintenance-cancelled'}\n"
		 "expect(e and e.from == 'a' and e.mhz == 1, 'the event, web still on a')\n"
		 "local why2 = run{until_event='cluster', match={action='vmotion-done'}, seconds=30}\n"
		 "expect(why2 == 'event' and web.host == b, 'the VMotion under way completed')\n"
		 "run{seconds=5}\n"
		 "expect(count{kind='drs', action='maintenance-entered'} == 0, 'never entered')\n"
		 "local ok3, why3 = exit_maintenance(a)\n"
		 "expect(not ok3 and contains(why3, 'not in maintenance'), why3)\n");
	tl_play_expect_done(&p);
	assert_int_equal(scenario_expects(p.sc, NULL), 8);
	tl_play_close(&p);
}

/* Bad cluster arguments are errors that name the file and line. */
static void cluster_errors(void **state)
{
	(void)state;
	tl_play_expect_failure("local c = cluster{}\nc:add_host{cpu_model='pentium'}\n", 2,
		       "no CPU model named pentium");
	tl_play_expect_failure("local c = cluster{}\nlocal h = c:add_host{}\nc:add_vm{name='x'}\n",
		       3, "name the VM's host, or enable DRS");
	tl_play_expect_failure("local c = cluster{}\nlocal h = c:add_host{}\n"
		       "c:add_vm{host=h, guest='hello', dirty_mb_s=5}\n", 3,
		       "describe a modelled VM");
	tl_play_expect_failure("local c = cluster{colour='red'}\n", 1,
		       "unknown field 'colour'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stats_have_every_counter),
		cmocka_unit_test(yields_reach_the_player_in_order),
		cmocka_unit_test(run_until_event_returns_it),
		cmocka_unit_test(script_errors_leave_the_world_intact),
		cmocka_unit_test(event_tables_have_the_trace_fields),
		cmocka_unit_test(clusters_and_vmotion),
		cmocka_unit_test(cluster_errors),
		cmocka_unit_test(paused_vm_in_a_cluster),
		cmocka_unit_test(maintenance_cancelled),
		cmocka_unit_test(disk_snapshots_and_backup),
		cmocka_unit_test(command_line_and_modules),
		cmocka_unit_test(tsc_deadline_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
