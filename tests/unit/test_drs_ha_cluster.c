/*
 * test_drs_ha_cluster.c - DRS and HA on the cluster model: worked example
 * C balanced by a pass, manual and automated passes, maintenance mode, the
 * pass every five simulated minutes, and a host failure whose VMs HA
 * brings back on the survivors at the published time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cluster/drs_cluster.h"
#include "cluster/drs_maint.h"
#include "cluster/ha_cluster.h"
#include "sim.h"
#include "status.h"
#include "testlib.h"
#include "trace.h"
#include "vm.h"

#define S 1000000000ull

/* Three hosts of 4 x 2,500 MHz = 10,000 MHz; example C's VMs. */
static struct cluster *example_c(struct sim **s, int vm[4])
{
	struct cluster *c;
	char err[GUEST_ERR_MAX];

	assert_int_equal(sim_create(NULL, s), SIM_OK);
	assert_int_equal(cluster_create(*s, &(struct cluster_config){
		.name = "prod", .shared_datastore = "san0" }, &c, err), SIM_OK);
	tl_example_c(c, vm);
	assert_int_equal(cluster_host(c, 0)->cpu_mhz, 10000);
	return c;
}

static int count(struct sim *s, enum event_kind kind, int action)
{
	struct event_log *log = sim_events(s);
	int n = 0;

	for (size_t i = 0; i < event_log_count(log); i++) {
		const struct event *e = event_log_at(log, i);

		if (e->kind != kind)
			continue;
		n += kind == EV_DRS ? e->u.drs.action == action
				    : e->u.ha.action == action;
	}
	return n;
}

static void drs_pass_balances(void **state)
{
	struct sim *s;
	int vm[4];
	struct cluster *c = example_c(&s, vm);
	struct drs_plan p;
	char err[GUEST_ERR_MAX];
	double target;
	enum sim_stop why;

	(void)state;
	assert_true(drs_cluster_imbalance(c, &target) > 0.1224);
	assert_true(target < 0.1155 && target > 0.1154);
	/* manual: recommended, not made */
	assert_int_equal(drs_cluster_run(c, 3, DRS_MANUAL, &p, err), SIM_OK);
	assert_int_equal(p.nmoves, 1);
	assert_int_equal(p.moves[0].vm, vm[0]);
	assert_int_equal(cluster_vm(c, vm[0])->host, 0);
	assert_int_equal(count(s, EV_DRS, DRS_RECOMMEND), 1);
	assert_int_equal(count(s, EV_DRS, DRS_APPLIED), 0);
	/* the trace says it in words, with the cluster's names */
	for (size_t i = 0; i < event_log_count(sim_events(s)); i++) {
		const struct event *e = event_log_at(sim_events(s), i);
		char line[TRACE_LINE_MAX];

		if (e->kind != EV_DRS || e->u.drs.action != DRS_RECOMMEND)
			continue;
		trace_text(s, e, line, sizeof line);
		assert_non_null(strstr(line, "DRS recommends moving: db h1 -> h3 (priority 3, balance; imbalance 0.122 -> 0.000)"));
		trace_json(s, e, line, sizeof line);
		assert_non_null(strstr(line, "\"kind\":\"drs\",\"vm\":\"-\",\"action\":\"recommend\",\"cvm\":\"db\",\"from\":\"h1\",\"to\":\"h3\",\"priority\":3"));
	}
	/* the administrator applies it: a VMotion, over simulated time */
	assert_int_equal(drs_cluster_apply(c, &p.moves[0], err), SIM_OK);
	assert_int_equal(cluster_vm(c, vm[0])->state, CVM_MIGRATING);
	assert_int_equal(drs_cluster_apply(c, &p.moves[0], err), SIM_ESTATE);
	sim_run_until(s, 120 * S, UINT64_MAX, &why);
	assert_int_equal(cluster_vm(c, vm[0])->host, 2);
	assert_int_equal(cluster_vm(c, vm[0])->migrations, 1);
	assert_true(drs_cluster_imbalance(c, NULL) < 1e-9);
	assert_int_equal(cluster_host(c, 2)->demand_mhz, 5000);
	/* applying it again is refused: it has moved */
	assert_int_equal(drs_cluster_apply(c, &p.moves[0], err), SIM_ESTATE);
	drs_plan_free(&p);
	sim_destroy(s);
}

/* Full automation every 5 simulated minutes; a rule holds db on h1. */
static void periodic_and_rules(void **state)
{
	struct sim *s;
	int vm[4], h1 = 0;
	struct cluster *c = example_c(&s, vm);
	char err[GUEST_ERR_MAX];
	enum sim_stop why;

	(void)state;
	assert_int_equal(drs_cluster_add_rule(c, "db-on-h1", DRS_RULE_ON_HOSTS,
					      true, &vm[0], 1, &h1, 1, err), SIM_OK);
	assert_int_equal(drs_cluster_configure(c, &(struct drs_cluster_config){
		.enabled = true, .automation = DRS_FULL }, err), SIM_OK);
	sim_run_until(s, 299 * S, UINT64_MAX, &why);
	assert_int_equal(count(s, EV_DRS, DRS_PASS), 0);
	sim_run_until(s, 301 * S, UINT64_MAX, &why);
	assert_int_equal(count(s, EV_DRS, DRS_PASS), 1);
	assert_int_equal(cluster_vm(c, vm[0])->host, 0);	/* the rule */
	/* nothing moved is worse than before: app cannot help either */
	sim_destroy(s);
}

/*
 * Maintenance mode under manual DRS: the evacuation is only recommended
 * (priority 1), so the host waits, entering maintenance mode, with its
 * VMs; it cannot leave a mode it is not in yet.  The administrator
 * applies the moves: at the last switch-over the host is in maintenance
 * mode (a maintenance-entered event, then the host-state event).
 */
static void maintenance_mode(void **state)
{
	struct sim *s;
	int vm[4], n;
	struct cluster *c = example_c(&s, vm);
	struct drs_plan p;
	char err[GUEST_ERR_MAX];
	enum sim_stop why;

	(void)state;
	drs_cluster_configure(c, &(struct drs_cluster_config){
		.automation = DRS_MANUAL }, err);
	n = cluster_host(c, 0)->nvms;
	assert_true(n >= 1);
	assert_int_equal(drs_maint_enter(c, 0, 0, &p, err), SIM_OK);
	assert_int_equal((int)p.nmoves, n);
	sim_run_until(s, 300 * S, UINT64_MAX, &why);
	assert_int_equal(cluster_host(c, 0)->nvms, n);	/* only recommended */
	assert_int_equal(cluster_host(c, 0)->state, CHOST_ENTERING_MAINTENANCE);
	assert_int_equal(count(s, EV_DRS, DRS_APPLIED), 0);
	assert_int_equal(count(s, EV_DRS, DRS_MAINTENANCE_DONE), 0);
	assert_int_equal(drs_maint_exit(c, 0, err), SIM_ESTATE);
	assert_non_null(strstr(err, "still entering maintenance mode"));
	for (size_t i = 0; i < p.nmoves; i++) {
		assert_int_equal(p.moves[i].why, DRS_WHY_MAINTENANCE);
		assert_int_equal(p.moves[i].priority, 1);
		assert_int_equal(drs_cluster_apply(c, &p.moves[i], err), SIM_OK);
	}
	drs_plan_free(&p);
	sim_run_until(s, 600 * S, UINT64_MAX, &why);
	assert_int_equal(cluster_host(c, 0)->nvms, 0);
	assert_int_equal(cluster_host(c, 0)->state, CHOST_MAINTENANCE);
	assert_int_equal(count(s, EV_DRS, DRS_MAINTENANCE_DONE), 1);
	assert_int_equal(drs_maint_exit(c, 0, err), SIM_OK);
	assert_int_equal(cluster_host(c, 0)->state, CHOST_CONNECTED);
	assert_int_equal(drs_maint_exit(c, 0, err), SIM_ESTATE);
	sim_destroy(s);
}

/* h1 fails at T100: dead at T118, its VMs on the others by T120. */
static void ha_restarts(void **state)
{
	struct sim *s;
	int vm[4];
	struct cluster *c = example_c(&s, vm);
	struct ha_cluster_config cfg;
	struct ha_slots slots;
	uint32_t per[3];
	char err[GUEST_ERR_MAX];
	enum sim_stop why;
	long dead = -1;

	(void)state;
	ha_cluster_config_default(&cfg);
	cfg.admission = HA_ADMISSION_OFF;
	assert_int_equal(ha_cluster_configure(c, &cfg, err), SIM_OK);
	assert_int_equal(ha_cluster_slots(c, per, &slots), SIM_OK);
	assert_int_equal(slots.slot_cpu_mhz, 32);
	sim_run_until(s, 100 * S, UINT64_MAX, &why);
	assert_int_equal(ha_cluster_fail_host(c, 0, err), SIM_OK);
	assert_int_equal(cluster_vm(c, vm[0])->state, CVM_OFF);
	assert_int_equal(cluster_host(c, 0)->state, CHOST_FAILED);
	sim_run_until(s, 200 * S, UINT64_MAX, &why);
	for (size_t i = 0; i < event_log_count(sim_events(s)); i++) {
		const struct event *e = event_log_at(sim_events(s), i);

		if (e->kind == EV_HA && e->u.ha.action == HA_DEAD)
			dead = (long)(e->t_ns / S);
	}
	assert_int_equal(dead, 118);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(cluster_vm(c, vm[i])->state, CVM_ON);
		assert_int_not_equal(cluster_vm(c, vm[i])->host, 0);
	}
	assert_int_equal(count(s, EV_HA, HA_RESTARTED), 2);
	assert_int_equal(cluster_host(c, 0)->nvms, 0);
	sim_destroy(s);
}

/*
 * A live VM whose host fails boots again, from its kernel image, on the
 * host HA picks: its first line of output comes out a second time, from
 * the new host.
 */
static void live_vm_boots_again(void **state)
{
	struct sim *s;
	struct cluster *c;
	struct ha_cluster_config cfg;
	char err[GUEST_ERR_MAX];
	enum sim_stop why;
	int h, app;
	struct vm *live;
	size_t len;
	const char *out, *first, *again;

	(void)state;
	assert_int_equal(sim_create(NULL, &s), SIM_OK);
	assert_int_equal(cluster_create(s, &(struct cluster_config){
		.name = "prod", .shared_datastore = "san0" }, &c, err), SIM_OK);
	for (int i = 0; i < 2; i++)
		assert_int_equal(cluster_add_host(c, &(struct cluster_host_config){
			.host = { .pcpus = 2 } }, &h, err), SIM_OK);
	ha_cluster_config_default(&cfg);
	cfg.admission = HA_ADMISSION_OFF;
	assert_int_equal(ha_cluster_configure(c, &cfg, err), SIM_OK);
	sim_run_until(s, 16 * S, UINT64_MAX, &why);	/* a master by T15 */
	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.name = "app", .host = 0, .guest = "scenarios/guests/dirty.elf",
		.mem_mb = 32, .restart_priority = RESTART_HIGH }, &app, err), SIM_OK);
	sim_run_until(s, 16 * S + 20000000, UINT64_MAX, &why);
	live = cluster_vm_live(c, app);
	out = vm_serial(live, &len);
	assert_true(len > 0);
	first = strndup(out, strcspn(out, "\n"));
	assert_int_equal(live->state, VM_ON);	/* still running its passes */
	assert_int_equal(ha_cluster_fail_host(c, 0, err), SIM_OK);
	assert_int_equal(live->state, VM_OFF);
	sim_run_until(s, 60 * S, UINT64_MAX, &why);
	assert_int_equal(cluster_vm(c, app)->host, 1);
	assert_int_equal(cluster_vm(c, app)->state, CVM_ON);
	assert_ptr_equal(vm_host(live), cluster_host(c, 1)->host);
	out = vm_serial(live, &len);
	again = strstr(out + strlen(first), first);
	assert_non_null(again);	/* it printed its first line again */
	free((void *)first);
	sim_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(drs_pass_balances),
		cmocka_unit_test(periodic_and_rules),
		cmocka_unit_test(maintenance_mode),
		cmocka_unit_test(ha_restarts),
		cmocka_unit_test(live_vm_boots_again),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
