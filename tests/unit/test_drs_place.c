/*
 * test_drs_place.c - DRS's automation levels as the vSphere Resource
 * Management guide defines them: initial placement automatic when DRS is
 * partially or fully automated (the new VM goes where it leaves the least
 * imbalance), only recommended when manual; migrations recommended when
 * partial, carried out when full.  The numbers are worked example C's
 * (../shared/research/cluster-facts.md), computed by hand below.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cluster/cluster.h"
#include "cluster/drs_cluster.h"
#include "sim.h"
#include "status.h"
#include "testlib.h"
#include "trace.h"

/*
 * Three hosts of 10,000 MHz; db 1,500 and app 5,000 on h1, web 5,000 on
 * h2, cache 3,500 on h3: loads 0.65, 0.50, 0.35, imbalance 0.122474.
 */
static struct cluster *example_c(struct sim **s, enum drs_automation a)
{
	struct cluster *c;
	char err[GUEST_ERR_MAX];

	assert_int_equal(sim_create(NULL, s), SIM_OK);
	assert_int_equal(cluster_create(*s, &(struct cluster_config){
		.name = "prod", .shared_datastore = "san0" }, &c, err), SIM_OK);
	tl_example_c(c, NULL);
	assert_int_equal(drs_cluster_configure(c, &(struct drs_cluster_config){
		.enabled = true, .automation = a }, err), SIM_OK);
	return c;
}

static const struct cluster_vm_config mail = {
	.name = "mail", .mem_mb = 4096, .demand_mhz = 1500, .dirty_mb_s = 16
};

static const struct event *last_drs(struct sim *s)
{
	const struct event *found = NULL;

	for (size_t i = 0; i < event_log_count(sim_events(s)); i++)
		if (event_log_at(sim_events(s), i)->kind == EV_DRS)
			found = event_log_at(sim_events(s), i);
	return found;
}

/*
 * A new 1,500 MHz VM on h1 makes the loads 0.80/0.50/0.35 (sd 0.187083),
 * on h2 0.65/0.65/0.35 (0.141421), on h3 0.65/0.50/0.50 (0.070711):
 * partially automated DRS puts it on h3, and says so.
 */
static void partial_places(void **state)
{
	struct sim *s;
	struct cluster *c = example_c(&s, DRS_PARTIAL);
	char err[GUEST_ERR_MAX], line[TRACE_LINE_MAX];
	const struct event *e;
	double target;
	int vm;

	(void)state;
	assert_int_equal(drs_cluster_add_vm(c, &mail, &vm, err), SIM_OK);
	assert_int_equal(cluster_vm(c, vm)->host, 2);
	assert_true(drs_cluster_imbalance(c, &target) > 0.070710 &&
		    drs_cluster_imbalance(c, &target) < 0.070712);
	e = last_drs(s);
	assert_non_null(e);
	assert_int_equal(e->u.drs.action, DRS_PLACED);
	assert_int_equal(e->u.drs.before_ppm, 122474);
	assert_int_equal(e->u.drs.after_ppm, 70711);
	trace_text(s, e, line, sizeof line);
	assert_non_null(strstr(line, "DRS places mail (1500 MHz) on h3, where it leaves the least imbalance (0.122 -> 0.071)"));
	sim_destroy(s);
}

/* Full automation places too; a full host (memory) is passed over. */
static void full_places_where_it_fits(void **state)
{
	struct sim *s;
	struct cluster *c = example_c(&s, DRS_FULL);
	struct cluster_vm_config big = mail;
	char err[GUEST_ERR_MAX];
	int vm;

	(void)state;
	big.name = "big";
	big.mem_mb = 65536 - 8192 + 1;	/* h1 has 57,344 MB free, h2 and h3 61,440 */
	big.demand_mhz = 0;
	assert_int_equal(drs_cluster_add_vm(c, &big, &vm, err), SIM_OK);
	/* 0 MHz changes no load: the lowest-numbered host that fits */
	assert_int_equal(cluster_vm(c, vm)->host, 1);
	big.name = "bigger";
	big.mem_mb = 61441;			/* no host has that much free */
	assert_int_equal(drs_cluster_add_vm(c, &big, &vm, err), SIM_ESTATE);
	assert_non_null(strstr(err, "DRS finds no host for bigger"));
	sim_destroy(s);
}

/* Manual: a recommendation, no placement; off: no DRS at all. */
static void manual_recommends_off_refuses(void **state)
{
	struct sim *s;
	struct cluster *c = example_c(&s, DRS_MANUAL);
	char err[GUEST_ERR_MAX];
	int vm = -1;

	(void)state;
	assert_int_equal(drs_cluster_add_vm(c, &mail, &vm, err), SIM_ESTATE);
	assert_non_null(strstr(err, "DRS is manual: it recommends h3 for mail (imbalance 0.122 -> 0.071); add it with host=h3"));
	assert_int_equal(cluster_vm_count(c), 4);
	assert_int_equal(drs_cluster_configure(c, &(struct drs_cluster_config){
		.enabled = false }, err), SIM_OK);
	assert_int_equal(drs_cluster_add_vm(c, &mail, &vm, err), SIM_ESTATE);
	assert_non_null(strstr(err, "DRS is off on prod"));
	sim_destroy(s);
}

/* Partial: a pass recommends the move (db to h3) but does not make it. */
static void partial_recommends_migrations(void **state)
{
	struct sim *s;
	struct cluster *c = example_c(&s, DRS_PARTIAL);
	struct drs_plan p;
	char err[GUEST_ERR_MAX];

	(void)state;
	assert_int_equal(drs_cluster_run(c, 3, DRS_PARTIAL, &p, err), SIM_OK);
	assert_int_equal(p.nmoves, 1);
	assert_int_equal(cluster_vm(c, 0)->host, 0);
	assert_int_equal(cluster_vm(c, 0)->state, CVM_ON);	/* not moving */
	drs_plan_free(&p);
	assert_int_equal(drs_cluster_run(c, 3, DRS_FULL, &p, err), SIM_OK);
	assert_int_equal(cluster_vm(c, 0)->state, CVM_MIGRATING);
	drs_plan_free(&p);
	sim_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(partial_places),
		cmocka_unit_test(full_places_where_it_fits),
		cmocka_unit_test(manual_recommends_off_refuses),
		cmocka_unit_test(partial_recommends_migrations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
