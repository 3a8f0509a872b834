/*
 * test_ha_admission.c - HA admission control (sim/cluster/ha_admission.c):
 * the vSphere Availability guide's worked examples exactly (slots, the
 * percentage policy), the dedicated failover host, and a power-on the live
 * cluster refuses.  The HA timelines are test_ha.c.
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

#define GB 1024

/* Worked example B (vSphere Availability guide), exactly. */
static const struct ha_adm_host hostsB[3] = {
	{ "h1", 9000, 9 * GB, 1 }, { "h2", 9000, 6 * GB, 1 },
	{ "h3", 6000, 6 * GB, 1 },
};

static struct ha_adm_vm vmsB[6] = {
	{ "v1", 0, 2000, 1 * GB, 0, 1 }, { "v2", 0, 2000, 1 * GB, 0, 1 },
	{ "v3", 1, 1000, 2 * GB, 0, 1 }, { "v4", 1, 1000, 1 * GB, 0, 1 },
	{ "v5", 2, 1000, 1 * GB, 0, 1 }, { "v6", 2, 500, 512, 0, 0 },
};

static void slots_example(void **state)
{
	struct ha_adm_config cfg;
	struct ha_slots s;
	uint32_t per[3];
	char msg[400];

	(void)state;
	ha_adm_config_default(&cfg);
	assert_int_equal(ha_slots_compute(hostsB, 3, vmsB, 6, &cfg, per, &s), SIM_OK);
	assert_int_equal(s.slot_cpu_mhz, 2000);
	assert_int_equal(s.slot_mem_mb, 2 * GB);
	assert_int_equal(per[0], 4);
	assert_int_equal(per[1], 3);
	assert_int_equal(per[2], 3);
	assert_int_equal(s.total, 10);
	assert_int_equal(s.usable, 6);
	assert_int_equal(s.used, 5);
	assert_int_equal(s.available, 1);
	assert_int_equal(s.failover_capacity, 1);
	assert_int_equal(s.held_back[0], 0);
	/* v6 fits the last slot; a seventh VM would not */
	assert_int_equal(ha_admission_check(hostsB, 3, vmsB, 6, &cfg, 5, 2,
					    msg, sizeof msg), SIM_OK);
	vmsB[5].powered_on = 1;
	{
		struct ha_adm_vm more[7];

		memcpy(more, vmsB, sizeof vmsB);
		more[6] = (struct ha_adm_vm){ "v7", 0, 100, 100, 0, 0 };
		assert_int_equal(ha_admission_check(hostsB, 3, more, 7, &cfg, 6, 0,
						    msg, sizeof msg), SIM_ESTATE);
		assert_string_equal(msg,
				    "HA admission control (slots) refuses v7: a slot is 2000 MHz / 2048 MB; the hosts hold 10 slots, 4 held back for 1 host failure (h1), 6 usable, 7 would be used: -1 available");
	}
	vmsB[5].powered_on = 0;
	/* the CPU slot is never below 32 MHz; overhead counts in memory */
	{
		struct ha_adm_vm tiny[1] = { { "t", 0, 0, 0, 90, 1 } };

		ha_slots_compute(hostsB, 3, tiny, 1, &cfg, per, &s);
		assert_int_equal(s.slot_cpu_mhz, 32);
		assert_int_equal(s.slot_mem_mb, 90);
		assert_int_equal(per[0], 9 * GB / 90);	/* memory binds */
		assert_int_equal(per[2], 6000 / 32 < 6 * GB / 90 ? 6000 / 32 : 6 * GB / 90);
	}
}

/* The percentage example: 70% CPU / 71% memory free; 45% / 46% left. */
static void percentage_example(void **state)
{
	static const struct ha_adm_host h[3] = {
		{ "h1", 9000, 9000, 1 }, { "h2", 9000, 6000, 1 },
		{ "h3", 6000, 6000, 1 },
	};
	struct ha_adm_vm v[6] = {
		{ "v1", 0, 2000, 1000, 0, 1 }, { "v2", 0, 2000, 1000, 0, 1 },
		{ "v3", 1, 1000, 2000, 0, 1 }, { "v4", 1, 1000, 1000, 0, 1 },
		{ "v5", 2, 1000, 1000, 0, 1 }, { "big", 2, 11000, 1000, 0, 0 },
	};
	struct ha_adm_config cfg;
	struct ha_percent p;
	char msg[400];

	(void)state;
	ha_adm_config_default(&cfg);
	cfg.policy = HA_ADMISSION_PERCENTAGE;
	ha_percent_compute(h, 3, v, 6, &cfg, &p);
	assert_int_equal(p.total_mhz, 24000);
	assert_int_equal(p.total_mb, 21000);
	assert_int_equal(p.reserved_mhz, 7000);
	assert_int_equal(p.reserved_mb, 6000);
	assert_int_equal(p.cpu_free_pct, 70);
	assert_int_equal(p.mem_free_pct, 71);
	assert_int_equal(p.cpu_left_pct, 45);
	assert_int_equal(p.mem_left_pct, 46);
	/* 11 GHz more would leave 25% of CPU: exactly allowed; 11,001 not */
	assert_int_equal(ha_admission_check(h, 3, v, 6, &cfg, 5, 2, msg, sizeof msg),
			 SIM_OK);
	v[5].reservation_mhz = 11001;
	assert_int_equal(ha_admission_check(h, 3, v, 6, &cfg, 5, 2, msg, sizeof msg),
			 SIM_ESTATE);
	assert_non_null(strstr(msg, "18001 of 24000 MHz"));
}

static void failover_host_policy(void **state)
{
	struct ha_config cfg;
	struct tl_ha w;
	uint32_t vm, host;
	char msg[300];
	struct ha_vm_cfg v = { "web", 2, HA_PRIO_MEDIUM, HA_ISO_LEAVE_ON, 100, 100, 0, 0 };

	(void)state;
	ha_config_default(&cfg);
	cfg.admission.policy = HA_ADMISSION_FAILOVER_HOST;
	cfg.admission.failover_host = 1;
	tl_ha_three_hosts(&w, &cfg);
	ha_add_vm(w.ha, &v, &vm);
	assert_int_equal(ha_power_on(w.ha, vm, 1, 30 * S, msg, sizeof msg), SIM_ESTATE);
	assert_string_equal(msg, "HA admission control (failover host) refuses web on host-11: it is the dedicated failover host, kept empty for restarts");
	assert_int_equal(tl_ha_when(&w, HA_REFUSED, 1, vm, 0), 30);
	assert_int_equal(ha_power_on(w.ha, vm, 0, 30 * S, msg, sizeof msg), SIM_OK);
	ha_fail_host(w.ha, 0, 100 * S);
	ha_run_until(w.ha, 200 * S);
	assert_true(ha_vm_running(w.ha, vm, &host));
	assert_int_equal(host, 1);	/* restarts go to the failover host */
	tl_ha_teardown(&w);
}

/* Through HA: the slots of the live cluster, and a refused power-on. */
static void refused_power_on(void **state)
{
	struct tl_ha w;
	struct ha_slots s;
	uint32_t per[3], vm;
	char msg[400];
	struct ha_vm_cfg v = { "db", 0, HA_PRIO_MEDIUM, HA_ISO_LEAVE_ON, 8000, 1024, 0, 0 };

	(void)state;
	tl_ha_setup(&w, NULL);
	tl_ha_add_hosts(&w, 3, 16000, 16384);
	ha_enable(w.ha, 0);
	ha_add_vm(w.ha, &v, &vm);
	assert_int_equal(ha_power_on(w.ha, vm, 0, 0, msg, sizeof msg), SIM_OK);
	ha_add_vm(w.ha, &v, &vm);
	assert_int_equal(ha_power_on(w.ha, vm, 1, 0, msg, sizeof msg), SIM_OK);
	ha_add_vm(w.ha, &v, &vm);
	assert_int_equal(ha_power_on(w.ha, vm, 2, 0, msg, sizeof msg), SIM_OK);
	ha_slots(w.ha, per, &s);	/* 2 slots per host; 4 usable; 3 used */
	assert_int_equal(s.total, 6);
	assert_int_equal(s.available, 1);
	ha_add_vm(w.ha, &v, &vm);
	assert_int_equal(ha_power_on(w.ha, vm, 2, 0, msg, sizeof msg), SIM_OK);
	ha_add_vm(w.ha, &v, &vm);
	assert_int_equal(ha_power_on(w.ha, vm, 2, 0, msg, sizeof msg), SIM_ESTATE);
	assert_non_null(strstr(msg, "refuses db: a slot is 8000 MHz / 1024 MB"));
	assert_false(ha_vm_running(w.ha, vm, NULL));
	tl_ha_teardown(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(slots_example),
		cmocka_unit_test(percentage_example),
		cmocka_unit_test(failover_host_policy),
		cmocka_unit_test(refused_power_on),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
