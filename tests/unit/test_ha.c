/*
 * test_ha.c - HA (sim/cluster/ha*.c): the published detection timelines to
 * the second, the election rule, restart order and readiness, the 32
 * power-on limit, the retry schedule, isolation responses and the disk
 * lock, partitions, and seeded random clusters where every protected VM
 * that fits restarts.  Admission control is test_ha_admission.c.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cluster/ha.h"
#include "status.h"
#include "testlib.h"

#define S HA_SECOND

/* Most datastores first, then the highest moid compared as text. */
static void election_rule(void **state)
{
	struct tl_ha w;
	struct ha_host_cfg h[4] = {
		{ "a", "host-100", 3, 1000, 1000 },
		{ "b", "host-99", 3, 1000, 1000 },
		{ "c", "host-999", 2, 1000, 1000 },
		{ "d", "host-12", 3, 1000, 1000 },
	};
	uint32_t id;

	(void)state;
	tl_ha_setup(&w, NULL);
	for (int i = 0; i < 4; i++)
		ha_add_host(w.ha, &h[i], &id);
	ha_enable(w.ha, 5 * S);
	ha_run_until(w.ha, 19 * S);
	assert_int_equal(ha_master(w.ha, 0), HA_NONE);
	ha_run_until(w.ha, 20 * S);
	/* "host-99" > "host-12" > "host-100" as text; host-999 has fewer */
	assert_int_equal(ha_master(w.ha, 0), 1);
	assert_int_equal(tl_ha_when(&w, HA_MASTER, 1, HA_NONE, 0), 20);
	tl_ha_teardown(&w);
}

/* A failed slave: T3 watch, T10 unreachable, dead at T18 (T15 without
 * heartbeat datastores); the restart is issued at once. */
static void failed_slave(void **state)
{
	struct ha_config cfg;
	struct tl_ha w;
	uint32_t vm, host;

	(void)state;
	for (int hb = 2; hb >= 0; hb -= 2) {
		ha_config_default(&cfg);
		cfg.hb_datastores = (uint32_t)hb;
		tl_ha_three_hosts(&w, &cfg);
		vm = tl_ha_add_vm(&w, 0, HA_PRIO_MEDIUM, HA_ISO_LEAVE_ON);
		ha_fail_host(w.ha, 0, 100 * S);
		ha_run_until(w.ha, 200 * S);
		assert_int_equal(tl_ha_when(&w, HA_HOST_FAILED, 0, HA_NONE, 0), 100);
		assert_int_equal(tl_ha_when(&w, HA_VM_OFF, 0, vm, 0), 100);
		assert_int_equal(tl_ha_when(&w, HA_HB_MISSED, 0, HA_NONE, 0), 103);
		assert_int_equal(tl_ha_when(&w, HA_UNREACHABLE, 0, HA_NONE, 0), 110);
		assert_int_equal(tl_ha_when(&w, HA_DEAD, 0, HA_NONE, 0), hb ? 118 : 115);
		assert_int_equal(tl_ha_when(&w, HA_RESTART, HA_NONE, vm, 0), hb ? 118 : 115);
		assert_int_equal(tl_ha_when(&w, HA_RESTARTED, HA_NONE, vm, 0), hb ? 120 : 117);
		assert_true(ha_vm_running(w.ha, vm, &host));
		assert_int_not_equal(host, 0);
		tl_ha_teardown(&w);
	}
}

/*
 * A slave that fails just after the first election (before the new
 * master's T25 sweep) still gets the whole slave timeline: dead at T18,
 * not at the sweep.
 */
static void failed_right_after_election(void **state)
{
	struct tl_ha w;

	(void)state;
	tl_ha_three_hosts(&w, NULL);	/* enabled at 0, master at 15, run to 20 */
	tl_ha_add_vm(&w, 0, HA_PRIO_MEDIUM, HA_ISO_LEAVE_ON);
	ha_fail_host(w.ha, 0, 20 * S);
	ha_run_until(w.ha, 100 * S);
	assert_int_equal(tl_ha_count(&w, HA_DEAD), 1);
	assert_int_equal(tl_ha_when(&w, HA_DEAD, 0, HA_NONE, 0), 38);
	tl_ha_teardown(&w);
}

/* The master fails: election T10, new master T25, restarts T35. */
static void failed_master(void **state)
{
	struct tl_ha w;
	uint32_t vm;

	(void)state;
	tl_ha_three_hosts(&w, NULL);
	vm = tl_ha_add_vm(&w, 2, HA_PRIO_HIGH, HA_ISO_LEAVE_ON);
	ha_fail_host(w.ha, 2, 100 * S);
	ha_run_until(w.ha, 200 * S);
	assert_int_equal(tl_ha_when(&w, HA_ELECTION, HA_NONE, HA_NONE, 0), 110);
	assert_int_equal(tl_ha_when(&w, HA_MASTER, 1, HA_NONE, 0), 125);	/* host-11 */
	assert_int_equal(tl_ha_when(&w, HA_DEAD, 2, HA_NONE, 0), 135);
	assert_int_equal(tl_ha_when(&w, HA_RESTART, HA_NONE, vm, 0), 135);
	assert_true(ha_vm_running(w.ha, vm, NULL));
	/* nobody ran the slave timeline for the master */
	assert_int_equal(tl_ha_count(&w, HA_HB_MISSED), 0);
	tl_ha_teardown(&w);
}

/*
 * An isolated slave with heartbeat datastores: it elects itself at T25,
 * pings, is isolated at T30, responds at T60.  The master sees it alive
 * (datastore heartbeats) at T18 and restarts only what it powers off.
 */
static void isolated_slave(void **state)
{
	struct tl_ha w;
	uint32_t off, stay, shut, tools, disabled;

	(void)state;
	tl_ha_three_hosts(&w, NULL);
	off = tl_ha_add_vm(&w, 0, HA_PRIO_MEDIUM, HA_ISO_POWER_OFF);
	/* restart priority disabled: no isolation response at all */
	disabled = tl_ha_add_vm(&w, 0, HA_PRIO_DISABLED, HA_ISO_POWER_OFF);
	stay = tl_ha_add_vm(&w, 0, HA_PRIO_MEDIUM, HA_ISO_LEAVE_ON);
	shut = tl_ha_add_vm(&w, 0, HA_PRIO_MEDIUM, HA_ISO_SHUTDOWN);
	{
		struct ha_vm_cfg v = { "tools", 0, HA_PRIO_MEDIUM, HA_ISO_SHUTDOWN,
				       100, 256, 0, 1 };
		char msg[200];

		ha_add_vm(w.ha, &v, &tools);
		ha_power_on(w.ha, tools, 0, 0, msg, sizeof msg);
	}
	ha_isolate_host(w.ha, 0, false, 100 * S);
	ha_run_until(w.ha, 1000 * S);
	assert_int_equal(tl_ha_when(&w, HA_HB_MISSED, 0, HA_NONE, 0), 103);
	assert_int_equal(tl_ha_when(&w, HA_ALIVE_ELSEWHERE, 0, HA_NONE, 0), 118);
	assert_int_equal(tl_ha_count(&w, HA_DEAD), 0);
	assert_int_equal(tl_ha_when(&w, HA_ELECTION, 0, HA_NONE, 0), 110);
	assert_int_equal(tl_ha_when(&w, HA_MASTER, 0, HA_NONE, 0), 125);
	assert_int_equal(tl_ha_when(&w, HA_PING_ISOLATION, 0, HA_NONE, 0), 125);
	assert_int_equal(tl_ha_when(&w, HA_ISOLATED, 0, HA_NONE, 0), 130);
	assert_int_equal(tl_ha_when(&w, HA_ISOLATION_RESPONSE, 0, off, 0), 160);
	assert_int_equal(tl_ha_when(&w, HA_VM_OFF, 0, off, 0), 160);
	assert_int_equal(tl_ha_when(&w, HA_RESTART, HA_NONE, off, 0), 160);
	assert_int_equal(tl_ha_when(&w, HA_RESTARTED, HA_NONE, off, 0), 162);
	assert_int_equal(tl_ha_when(&w, HA_VM_OFF, 0, stay, 0), -1);
	assert_int_equal(tl_ha_when(&w, HA_ISOLATION_RESPONSE, 0, disabled, 0), -1);
	assert_int_equal(tl_ha_when(&w, HA_VM_OFF, 0, disabled, 0), -1);
	assert_int_equal(tl_ha_when(&w, HA_VM_OFF, 0, tools, 0), 190);	/* 30 s */
	assert_int_equal(tl_ha_when(&w, HA_VM_OFF, 0, shut, 0), 460);	/* 300 s */
	assert_int_equal(tl_ha_when(&w, HA_RESTARTED, HA_NONE, shut, 0), 462);
	tl_ha_teardown(&w);
}

/* An isolated master: isolated at T5, responds at T35; the others elect. */
static void isolated_master(void **state)
{
	struct tl_ha w;
	uint32_t vm;

	(void)state;
	tl_ha_three_hosts(&w, NULL);
	vm = tl_ha_add_vm(&w, 2, HA_PRIO_MEDIUM, HA_ISO_POWER_OFF);
	ha_isolate_host(w.ha, 2, false, 100 * S);
	ha_run_until(w.ha, 300 * S);
	assert_int_equal(tl_ha_when(&w, HA_PING_ISOLATION, 2, HA_NONE, 0), 100);
	assert_int_equal(tl_ha_when(&w, HA_ISOLATED, 2, HA_NONE, 0), 105);
	assert_int_equal(tl_ha_when(&w, HA_ISOLATION_RESPONSE, 2, vm, 0), 135);
	assert_int_equal(tl_ha_when(&w, HA_ELECTION, HA_NONE, HA_NONE, 0), 110);
	assert_int_equal(tl_ha_when(&w, HA_MASTER, 1, HA_NONE, 0), 125);
	assert_int_equal(tl_ha_when(&w, HA_RESTART, HA_NONE, vm, 0), 135);
	tl_ha_teardown(&w);
}

/*
 * No heartbeat datastores, "leave powered on": the master cannot tell
 * isolated from dead, declares the host dead at T15 and tries to restart
 * its VM, but the copy still running holds the disk lock: attempts at
 * T0, +2, +6, +14, +30 minutes all fail, and HA gives up.  With "power
 * off", the lock is free after T60 and the retry at +2 minutes works.
 */
static void disk_lock_decides(void **state)
{
	struct ha_config cfg;
	struct tl_ha w;
	uint32_t vm, host;
	static const long at[] = { 115, 235, 475, 955, 1915 };

	(void)state;
	ha_config_default(&cfg);
	cfg.hb_datastores = 0;
	tl_ha_three_hosts(&w, &cfg);
	vm = tl_ha_add_vm(&w, 0, HA_PRIO_MEDIUM, HA_ISO_LEAVE_ON);
	ha_isolate_host(w.ha, 0, false, 100 * S);
	ha_run_until(w.ha, 3000 * S);
	assert_int_equal(tl_ha_when(&w, HA_DEAD, 0, HA_NONE, 0), 115);
	for (int i = 0; i < 5; i++)
		assert_int_equal(tl_ha_when(&w, HA_LOCKED, HA_NONE, vm, i), at[i]);
	assert_int_equal(tl_ha_when(&w, HA_GAVE_UP, HA_NONE, vm, 0), 1915);
	assert_int_equal(ha_vm_attempts(w.ha, vm), 5);
	/* the network comes back: the VM was running all along */
	ha_restore_host(w.ha, 0, 3000 * S);
	assert_true(ha_vm_running(w.ha, vm, &host));
	assert_int_equal(host, 0);
	tl_ha_teardown(&w);

	tl_ha_three_hosts(&w, &cfg);
	vm = tl_ha_add_vm(&w, 0, HA_PRIO_MEDIUM, HA_ISO_POWER_OFF);
	ha_isolate_host(w.ha, 0, false, 100 * S);
	ha_run_until(w.ha, 3000 * S);
	assert_int_equal(tl_ha_when(&w, HA_LOCKED, HA_NONE, vm, 0), 115);
	assert_int_equal(tl_ha_when(&w, HA_VM_OFF, 0, vm, 0), 160);
	assert_int_equal(tl_ha_when(&w, HA_RESTART, HA_NONE, vm, 0), 235);
	assert_true(ha_vm_running(w.ha, vm, &host));
	assert_int_not_equal(host, 0);
	tl_ha_teardown(&w);
}

/*
 * Storage lost too ("leave powered on"): no datastore heartbeats, so the
 * master declares the host dead at T18 and, the lock having lapsed,
 * restarts the VM: two copies run.  When the host comes back, its copy
 * finds the lock gone and is killed.
 */
static void two_copies(void **state)
{
	struct tl_ha w;
	uint32_t vm, host;

	(void)state;
	tl_ha_three_hosts(&w, NULL);
	vm = tl_ha_add_vm(&w, 0, HA_PRIO_MEDIUM, HA_ISO_LEAVE_ON);
	ha_isolate_host(w.ha, 0, true, 100 * S);
	ha_run_until(w.ha, 400 * S);
	assert_int_equal(tl_ha_when(&w, HA_DEAD, 0, HA_NONE, 0), 118);
	assert_int_equal(tl_ha_when(&w, HA_RESTARTED, HA_NONE, vm, 0), 120);
	assert_int_equal(tl_ha_when(&w, HA_VM_OFF, 0, vm, 0), -1);	/* still on */
	ha_restore_host(w.ha, 0, 400 * S);
	assert_int_equal(tl_ha_when(&w, HA_LOCK_LOST, 0, vm, 0), 400);
	assert_true(ha_vm_running(w.ha, vm, &host));
	assert_int_not_equal(host, 0);
	tl_ha_teardown(&w);
}

/* A partition: the far side elects its own master; nothing restarts. */
static void partition(void **state)
{
	struct tl_ha w;
	uint32_t side[4] = { 1, 1, 0, 0 };

	(void)state;
	tl_ha_setup(&w, NULL);
	tl_ha_add_hosts(&w, 4, 20000, 65536);
	ha_enable(w.ha, 0);
	ha_run_until(w.ha, 20 * S);
	assert_int_equal(ha_master(w.ha, 0), 3);
	tl_ha_add_vm(&w, 0, HA_PRIO_MEDIUM, HA_ISO_POWER_OFF);
	ha_partition(w.ha, side, 100 * S);
	ha_run_until(w.ha, 300 * S);
	assert_int_equal(tl_ha_when(&w, HA_ELECTION, HA_NONE, HA_NONE, 0), 110);
	assert_int_equal(tl_ha_when(&w, HA_MASTER, 1, HA_NONE, 0), 125);
	assert_int_equal(tl_ha_when(&w, HA_ALIVE_ELSEWHERE, 0, HA_NONE, 0), 118);
	assert_int_equal(tl_ha_when(&w, HA_ALIVE_ELSEWHERE, 1, HA_NONE, 0), 118);
	assert_int_equal(tl_ha_count(&w, HA_DEAD), 0);
	assert_int_equal(tl_ha_count(&w, HA_RESTART), 0);
	assert_int_equal(tl_ha_count(&w, HA_ISOLATED), 0);
	/* healed: one master again, by the rule (host-13) */
	side[0] = side[1] = 0;
	ha_partition(w.ha, side, 300 * S);
	assert_int_equal(ha_master(w.ha, 0), 3);
	assert_int_equal(ha_master(w.ha, 1), 3);
	tl_ha_teardown(&w);
}

/* Highest first; with poweredOn each priority waits for the one before. */
static void priority_order(void **state)
{
	struct ha_config cfg;
	struct tl_ha w;
	uint32_t lo, med, hi, off;

	(void)state;
	for (int ready = 1; ready >= 0; ready--) {
		ha_config_default(&cfg);
		cfg.readiness = ready ? HA_READY_POWERED_ON : HA_READY_NONE;
		tl_ha_three_hosts(&w, &cfg);
		lo = tl_ha_add_vm(&w, 0, HA_PRIO_LOW, HA_ISO_LEAVE_ON);
		med = tl_ha_add_vm(&w, 0, HA_PRIO_MEDIUM, HA_ISO_LEAVE_ON);
		hi = tl_ha_add_vm(&w, 0, HA_PRIO_HIGHEST, HA_ISO_LEAVE_ON);
		off = tl_ha_add_vm(&w, 0, HA_PRIO_DISABLED, HA_ISO_LEAVE_ON);
		ha_fail_host(w.ha, 0, 100 * S);
		ha_run_until(w.ha, 300 * S);
		assert_int_equal(tl_ha_when(&w, HA_RESTART, HA_NONE, hi, 0), 118);
		assert_int_equal(tl_ha_when(&w, HA_RESTART, HA_NONE, med, 0), ready ? 120 : 118);
		assert_int_equal(tl_ha_when(&w, HA_RESTART, HA_NONE, lo, 0), ready ? 122 : 118);
		assert_int_equal(tl_ha_when(&w, HA_RESTART, HA_NONE, off, 0), -1);
		assert_false(ha_vm_running(w.ha, off, NULL));
		/* the event order is the priority order */
		assert_true(tl_ha_when(&w, HA_RESTART, HA_NONE, HA_NONE, 0) == 118);
		tl_ha_teardown(&w);
	}
}

/* At most 32 power-ons at once on a host: 40 VMs onto one survivor. */
static void thirty_two_at_a_time(void **state)
{
	struct tl_ha w;
	uint32_t first;

	(void)state;
	tl_ha_setup(&w, NULL);
	tl_ha_add_hosts(&w, 2, 200000, 1 << 20);
	ha_enable(w.ha, 0);
	ha_run_until(w.ha, 20 * S);
	first = ha_nvms(w.ha);
	for (int i = 0; i < 40; i++)
		tl_ha_add_vm(&w, 0, HA_PRIO_MEDIUM, HA_ISO_LEAVE_ON);
	ha_fail_host(w.ha, 0, 100 * S);
	ha_run_until(w.ha, 300 * S);
	for (uint32_t i = 0; i < 40; i++) {
		assert_int_equal(tl_ha_when(&w, HA_RESTART, HA_NONE, first + i, 0),
				 i < 32 ? 118 : 120);
		assert_true(ha_vm_running(w.ha, first + i, NULL));
	}
	tl_ha_teardown(&w);
}

/* No host has room: retries at +2, +6, +14, +30 min; room appears. */
static void retries_until_room(void **state)
{
	struct ha_config cfg;
	struct tl_ha w;
	struct ha_vm_cfg big = { "big", 0, HA_PRIO_HIGH, HA_ISO_LEAVE_ON,
				 15000, 1024, 0, 0 };
	struct ha_vm_cfg f = { "filler", 1, HA_PRIO_MEDIUM, HA_ISO_LEAVE_ON,
			       10000, 1024, 0, 0 };
	struct ha_host_cfg extra = { "h3", "host-13", 2, 20000, 65536 };
	uint32_t vm, id, host;
	char msg[256];

	(void)state;
	ha_config_default(&cfg);
	cfg.admission.policy = HA_ADMISSION_OFF;
	tl_ha_three_hosts(&w, &cfg);
	ha_add_vm(w.ha, &big, &vm);
	ha_power_on(w.ha, vm, 0, 0, msg, sizeof msg);
	for (uint32_t h = 1; h <= 2; h++) {
		f.host = h;
		ha_add_vm(w.ha, &f, &id);
		assert_int_equal(ha_power_on(w.ha, id, h, 0, msg, sizeof msg), SIM_OK);
	}
	ha_fail_host(w.ha, 0, 100 * S);
	ha_run_until(w.ha, 700 * S);
	assert_int_equal(tl_ha_when(&w, HA_NO_HOST, HA_NONE, vm, 0), 118);
	assert_int_equal(tl_ha_when(&w, HA_NO_HOST, HA_NONE, vm, 1), 238);
	assert_int_equal(tl_ha_when(&w, HA_NO_HOST, HA_NONE, vm, 2), 478);
	/* a host is added: the next retry (T0 + 14 min) finds room */
	ha_add_host(w.ha, &extra, &id);
	ha_run_until(w.ha, 2000 * S);
	assert_int_equal(tl_ha_when(&w, HA_RESTART, HA_NONE, vm, 0), 958);
	assert_int_equal(ha_vm_attempts(w.ha, vm), 4);
	assert_true(ha_vm_running(w.ha, vm, &host));
	assert_int_equal(host, 3);
	tl_ha_teardown(&w);
}

/* A host that fails and is back before HA calls it dead: its VMs died
 * with it, and the master restarts them when it hears it again. */
static void back_before_dead(void **state)
{
	struct tl_ha w;
	uint32_t vm, host;

	(void)state;
	tl_ha_three_hosts(&w, NULL);
	vm = tl_ha_add_vm(&w, 0, HA_PRIO_MEDIUM, HA_ISO_LEAVE_ON);
	ha_fail_host(w.ha, 0, 100 * S);
	ha_restore_host(w.ha, 0, 105 * S);
	ha_run_until(w.ha, 300 * S);
	assert_int_equal(tl_ha_count(&w, HA_DEAD), 0);
	assert_int_equal(tl_ha_when(&w, HA_RESTART, HA_NONE, vm, 0), 105);
	assert_true(ha_vm_running(w.ha, vm, &host));
	tl_ha_teardown(&w);
}

/* A VM-host "must" rule: the restart goes where the rule says. */
static void restart_respects_rules(void **state)
{
	static const uint32_t vms[] = { 0 }, hosts[] = { 1 };
	struct drs_rule r = { "db-on-h1", DRS_RULE_ON_HOSTS, 1, vms, 1, hosts, 1 };
	struct tl_ha w;
	uint32_t host;

	(void)state;
	tl_ha_setup(&w, NULL);
	tl_ha_add_hosts(&w, 4, 20000, 65536);
	ha_set_rules(w.ha, &r, 1);
	ha_enable(w.ha, 0);
	ha_run_until(w.ha, 20 * S);
	tl_ha_add_vm(&w, 0, HA_PRIO_MEDIUM, HA_ISO_LEAVE_ON);
	ha_fail_host(w.ha, 0, 100 * S);
	ha_run_until(w.ha, 200 * S);
	assert_true(ha_vm_running(w.ha, 0, &host));
	assert_int_equal(host, 1);	/* not h2, the emptiest by index */
	tl_ha_teardown(&w);
}

/* ---- seeded random clusters ---------------------------------------------- */

static uint64_t rng;

static uint32_t rnd(uint32_t n)
{
	return tl_rand(&rng, n);
}

/*
 * 200 clusters: one host fails; the survivors have room for every VM (by
 * construction: each host has spare room for the whole failed host's
 * reservations); every VM whose priority is not disabled runs again, and
 * none is on the dead host.
 */
static void random_failures(void **state)
{
	(void)state;
	rng = 0x2545f4914f6cdd1dull;
	for (int trial = 0; trial < 200; trial++) {
		struct ha_config cfg;
		struct tl_ha w;
		uint32_t nh = 2 + rnd(8), dead = rnd(nh), nv = rnd(80);

		ha_config_default(&cfg);
		cfg.admission.policy = HA_ADMISSION_OFF;
		cfg.readiness = (enum ha_readiness)rnd(2);
		cfg.hb_datastores = rnd(2) * 2;
		tl_ha_setup(&w, &cfg);
		tl_ha_add_hosts(&w, nh, 400000, 1 << 22);
		ha_enable(w.ha, 0);
		ha_run_until(w.ha, 20 * S);
		for (uint32_t i = 0; i < nv; i++) {
			struct ha_vm_cfg v = { "v", rnd(nh), (enum ha_priority)rnd(6),
					       (enum ha_isolation)rnd(3),
					       rnd(2000), rnd(4096), rnd(100), 0 };
			uint32_t id;
			char msg[300];

			assert_int_equal(ha_add_vm(w.ha, &v, &id), SIM_OK);
			assert_int_equal(ha_power_on(w.ha, id, v.host, 20 * S, msg,
						     sizeof msg), SIM_OK);
		}
		ha_fail_host(w.ha, dead, 100 * S);
		ha_run_until(w.ha, 4000 * S);
		for (uint32_t i = 0; i < nv; i++) {
			uint32_t host;
			bool on = ha_vm_running(w.ha, i, &host);

			if (on)
				assert_int_not_equal(host, dead);
			else
				assert_int_equal(tl_ha_when(&w, HA_VM_OFF, dead, i, 0), 100);
		}
		for (size_t i = 0; i < event_log_count(w.log); i++) {
			const struct event *e = event_log_at(w.log, i);

			if (e->kind == EV_HA && e->u.ha.action == HA_VM_OFF) {
				uint32_t host;

				/* off with its host: back on unless disabled */
				assert_int_equal(ha_vm_running(w.ha, e->u.ha.vm, &host),
						 e->u.ha.priority != HA_PRIO_DISABLED);
			}
		}
		assert_int_equal(tl_ha_count(&w, HA_GAVE_UP), 0);
		tl_ha_teardown(&w);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(election_rule),
		cmocka_unit_test(failed_slave),
		cmocka_unit_test(failed_right_after_election),
		cmocka_unit_test(failed_master),
		cmocka_unit_test(isolated_slave),
		cmocka_unit_test(isolated_master),
		cmocka_unit_test(disk_lock_decides),
		cmocka_unit_test(two_copies),
		cmocka_unit_test(partition),
		cmocka_unit_test(priority_order),
		cmocka_unit_test(thirty_two_at_a_time),
		cmocka_unit_test(retries_until_room),
		cmocka_unit_test(back_before_dead),
		cmocka_unit_test(restart_respects_rules),
		cmocka_unit_test(random_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
