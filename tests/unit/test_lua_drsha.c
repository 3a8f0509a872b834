/*
 * test_lua_drsha.c - the DRS and HA binding (lua/api_drsha.c): a scenario
 * runs DRS on worked example C's cluster, applies it, enters maintenance
 * mode, turns HA on, fails a host and sees its VMs restarted at the
 * published time.  The cluster is built in C (the cluster's own Lua
 * binding is another part); the script names it "prod".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cluster/cluster.h"
#include "scenario.h"
#include "status.h"

static const char script[] =
	"local recs = drs('prod', {threshold=3, automation='manual'})\n"
	"expect(#recs == 1, 'one recommendation')\n"
	"expect(recs[1].vm.name == 'db' and recs[1].from.name == 'h1' and recs[1].to.name == 'h3', 'db h1 -> h3')\n"
	"expect(recs[1].priority == 3, 'priority 3')\n"
	"expect(recs[1].reason == 'h1 at 0.65, h3 at 0.35; moving db (1,500 MHz) makes every host 0.50', recs[1].reason)\n"
	"local imb, target = imbalance('prod')\n"
	"expect(math.abs(imb - 0.122474) < 1e-5, 'imbalance ' .. imb)\n"
	"expect(math.abs(target - 0.2 / math.sqrt(3)) < 1e-9, 'target')\n"
	"drs('prod', {automation='full'})\n"
	"run{seconds=120}\n"
	"expect(imbalance('prod') < 1e-9, 'balanced')\n"
	"expect(drs_config('prod', {enabled=true, threshold=3, automation='full'}), 'configured')\n"
	"local function host(n) for _, h in ipairs(hosts()) do if h.name == n then return h end end end\n"
	"local bad, badwhy = pcall(enter_maintenance, 'h2', {timeout=-1})\n"
	"expect(not bad and badwhy:find('timeout is seconds'), badwhy)\n"
	"local moves = enter_maintenance('h2', {timeout=600})\n"
	"local h2 = host('h2')\n"
	"expect(h2.state == 'entering-maintenance', 'h2 waits: ' .. h2.state)\n"
	"local ok0, why0 = exit_maintenance('h2')\n"
	"expect(not ok0 and why0:find('still entering maintenance mode'), why0)\n"
	"run{seconds=300}\n"
	"expect(h2.state == 'maintenance', 'h2 is in maintenance mode: ' .. h2.state)\n"
	"expect(count{kind='drs', action='maintenance-entered'} == 1, 'maintenance-entered')\n"
	"expect(count{kind='drs', action='maintenance-timeout'} == 0, 'no timeout')\n"
	"expect(#moves >= 1 and moves[1].priority == 1 and moves[1].why == 'maintenance', 'evacuated')\n"
	"expect(exit_maintenance('h2'), 'back')\n"
	"expect(h2.state == 'connected', 'h2 connected: ' .. h2.state)\n"
	"local ok, why = exit_maintenance('h2')\n"
	"expect(not ok and why:find('not in maintenance'), why)\n"
	"expect(ha('prod', {enabled=true, admission='slots', host_failures=1}), 'ha on')\n"
	"local s = ha_slots('prod')\n"
	"expect(s.slot_cpu_mhz == 32 and s.per_host.h1 > 0 and s.used == 4, 'slots')\n"
	"run{seconds=100}\n"
	"local t0 = now_ns()\n"
	"expect(fail_host('h1'), 'h1 fails')\n"
	"local why, dead = run{until_event='ha', match={action='dead'}, seconds=60}\n"
	"expect(why == 'event' and dead.host == 'h1', 'h1 declared dead')\n"
	"expect(dead.t_ns - t0 == 18000000000, 'at T18: ' .. (dead.t_ns - t0))\n"
	"run{seconds=10}\n"
	"expect(restore_host('h1'), 'h1 back')\n"
	"local t1 = now_ns()\n"
	"expect(partition{ {'h1', 'h2'}, {'h3'} }, 'split')\n"
	"run{seconds=30}\n"
	"local el = last{kind='ha', action='master'}\n"
	"expect(el.t_ns - t1 == 25000000000, 'the far side elects at T25: ' .. (el.t_ns - t1))\n"
	"expect(count{kind='ha', action='alive-elsewhere'} >= 1, 'the far side is alive, not dead')\n"
	"local ok2, why2 = pcall(fail_host, 'nosuch')\n"
	"expect(not ok2 and why2:find('no host named nosuch'), why2)\n";

static void scenario_drives_drs_and_ha(void **state)
{
	static const char *const names[4] = { "db", "app", "web", "cache" };
	static const uint32_t mhz[4] = { 1500, 5000, 5000, 3500 };
	static const int on[4] = { 0, 0, 1, 2 };
	struct scenario_config cfg = { .root = ".", .mode = MODE_TE };
	struct scenario *sc;
	struct scenario_line line;
	struct cluster *c;
	char path[] = "/tmp/ringside-drsha-XXXXXX", err[SCENARIO_ERR_MAX];
	char lines[8192] = "";
	enum scenario_state st;
	int fd, failed, h, vm;
	FILE *f;
	bool done;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(script, f);
	fclose(f);
	cfg.path = path;
	assert_int_equal(scenario_open(&cfg, &sc, err), SIM_OK);
	assert_int_equal(cluster_create(scenario_sim(sc), &(struct cluster_config){
		.name = "prod", .shared_datastore = "san0" }, &c, err), SIM_OK);
	for (int i = 0; i < 3; i++) {
		char name[8];

		snprintf(name, sizeof name, "h%d", i + 1);
		assert_int_equal(cluster_add_host(c, &(struct cluster_host_config){
			.host = { .name = name, .pcpus = 4, .mhz = 2500,
				  .mem_mb = 65536 } }, &h, err), SIM_OK);
	}
	for (int i = 0; i < 4; i++)
		assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
			.name = names[i], .host = on[i], .mem_mb = 4096,
			.demand_mhz = mhz[i], .dirty_mb_s = 16 }, &vm, err), SIM_OK);
	do {
		st = scenario_resume(sc);
		while (scenario_next_line(sc, &line))
			snprintf(lines + strlen(lines), sizeof lines - strlen(lines),
				 "%d %s @ %s\n", line.kind, line.text, line.where);
		while (st == SCENARIO_RUN &&
		       scenario_run_slice(sc, 1000000, NULL, NULL, &done) == SIM_OK &&
		       !done)
			;
	} while (st != SCENARIO_DONE && st != SCENARIO_FAILED);
	if (st != SCENARIO_DONE)
		fail_msg("failed: %s\n%s", scenario_error(sc), lines);
	assert_int_equal(scenario_expects(sc, &failed), 28);
	if (failed)
		fail_msg("expects failed:\n%s", lines);
	scenario_close(sc);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(scenario_drives_drs_and_ha),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
