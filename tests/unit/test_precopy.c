/*
 * test_precopy.c - VMotion's pre-copy, against the worked examples of
 * research/cluster-facts.md computed by hand from the published rules
 * (QEMU's switch-over threshold, Xen's caps, QEMU's auto-converge), and
 * modelled VMs moved through a cluster, event by event.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cluster/cluster.h"
#include "cluster/precopy.h"
#include "cluster/vmotion.h"
#include "sim.h"
#include "status.h"

#define MIB_PAGES 256ull	/* 4 KiB pages in a MiB */

/*
 * Example A: M = 1024 MiB, R = 128 MiB/s, D = 32 MiB/s, limit 300 ms, so
 * the threshold is 38.4 MiB: live rounds 1024, 256, 64 MiB; 16 MiB left
 * fits, so stop-and-copy 16 MiB (125 ms); 1360 MiB in all.
 */
static void example_a_arithmetic(void **state)
{
	struct precopy pc;
	struct precopy_params p = { .bandwidth_mb_s = 128, .downtime_ms = 300 };
	char err[100];
	bool thr;

	(void)state;
	assert_int_equal(precopy_params_check(&p, err, sizeof err), SIM_OK);
	precopy_start(&pc, &p, 1024 * MIB_PAGES);
	assert_int_equal(pc.threshold_pages, 9830);	/* 38.4 MiB, floored */
	assert_int_equal(precopy_send_ns(&pc, 1024ull << 20), 8000000000ull);
	assert_int_equal(precopy_model_dirtied(&pc, 32, pc.ram_pages), 256 * MIB_PAGES);
	assert_int_equal(precopy_round_done(&pc, 256 * MIB_PAGES, &thr), PRECOPY_GOING);
	assert_int_equal(precopy_model_dirtied(&pc, 32, pc.ram_pages), 64 * MIB_PAGES);
	assert_int_equal(precopy_round_done(&pc, 64 * MIB_PAGES, &thr), PRECOPY_GOING);
	assert_int_equal(precopy_model_dirtied(&pc, 32, pc.ram_pages), 16 * MIB_PAGES);
	assert_int_equal(precopy_round_done(&pc, 16 * MIB_PAGES, &thr), PRECOPY_CONVERGED);
	assert_int_equal(pc.rounds, 3);
	assert_int_equal(pc.final_pages, 16 * MIB_PAGES);
	assert_int_equal(pc.sent + pc.final_pages, 1360 * MIB_PAGES);
	assert_int_equal(precopy_send_ns(&pc, pc.final_pages * 4096), 125000000);
}

/*
 * Example A3's migration, M = 1024, R = 100, D = 150 MiB/s, with or
 * without auto-converge, run to its end in pc: how it stopped.
 */
static enum precopy_stop example_a3(struct precopy *pc, bool auto_converge)
{
	struct precopy_params p = { .bandwidth_mb_s = 100,
				    .auto_converge = auto_converge };
	char err[100];
	bool thr;
	enum precopy_stop st = PRECOPY_GOING;

	assert_int_equal(precopy_params_check(&p, err, sizeof err), SIM_OK);
	precopy_start(pc, &p, 1024 * MIB_PAGES);
	while (st == PRECOPY_GOING)
		st = precopy_round_done(pc, precopy_model_dirtied(pc, 150,
						pc->ram_pages), &thr);
	return st;
}

/*
 * Example A3: every round dirties all of RAM; after 4 passes 4096 MiB >
 * 3 x 1024 have been sent (Xen's cap), so the last 1024 MiB go with the
 * guest stopped: 10.24 s of downtime.
 */
static void example_a3_arithmetic(void **state)
{
	struct precopy pc;

	(void)state;
	assert_int_equal(example_a3(&pc, false), PRECOPY_FACTOR_CAP);
	assert_int_equal(pc.rounds, 4);
	assert_int_equal(pc.final_pages, 1024 * MIB_PAGES);
	assert_int_equal(pc.sent + pc.final_pages, 5120 * MIB_PAGES);
	assert_int_equal(precopy_send_ns(&pc, pc.final_pages * 4096),
			 10240000000ull);
}

/*
 * Example A3 with auto-converge, as docs/vmotion.md quotes it: the
 * throttle rises until a round dirties less than the threshold; it
 * reaches 70% and the migration converges in 15 rounds.
 */
static void example_a3_auto_converge(void **state)
{
	struct precopy pc;

	(void)state;
	assert_int_equal(example_a3(&pc, true), PRECOPY_CONVERGED);
	assert_int_equal(pc.throttle_pct, 70);
	assert_int_equal(pc.rounds, 15);
}

/*
 * QEMU's auto-converge: a round dirtying more than half of what it sent
 * counts; at the second such round the throttle starts at 20%, then
 * +10% per two such rounds, capped at 99%.
 */
static void auto_converge_steps(void **state)
{
	struct precopy pc;
	struct precopy_params p = { .bandwidth_mb_s = 100, .max_rounds = 63,
				    .max_factor = 1000, .auto_converge = true };
	uint32_t seen[8] = { 0 };
	int nseen = 0;
	char err[100];
	bool thr;

	(void)state;
	assert_int_equal(precopy_params_check(&p, err, sizeof err), SIM_OK);
	precopy_start(&pc, &p, 1024 * MIB_PAGES);
	/* the guest always dirties all it can: never converges by itself */
	for (int i = 0; i < 16; i++) {
		assert_int_equal(precopy_round_done(&pc, 1024 * MIB_PAGES, &thr),
				 PRECOPY_GOING);
		if (thr && nseen < 8)
			seen[nseen++] = pc.throttle_pct;
		assert_true(thr == (i % 2 == 1));
	}
	assert_int_equal(seen[0], 20);
	assert_int_equal(seen[1], 30);
	assert_int_equal(seen[7], 90);
	for (int i = 0; i < 8; i++)
		precopy_round_done(&pc, 1024 * MIB_PAGES, &thr);
	assert_int_equal(pc.throttle_pct, 99);
}

/* A cluster of two hosts on a shared datastore; one modelled VM. */
static struct cluster *two_hosts(struct sim **s, uint32_t mem_mb,
				 uint32_t dirty, int *vm)
{
	struct cluster *c;
	char err[GUEST_ERR_MAX];
	int h;

	assert_int_equal(sim_create(NULL, s), SIM_OK);
	assert_int_equal(cluster_create(*s, &(struct cluster_config){
		.shared_datastore = "san0" }, &c, err), SIM_OK);
	for (int i = 0; i < 2; i++)
		assert_int_equal(cluster_add_host(c, &(struct cluster_host_config){
			.host = { .mem_mb = 8192 } }, &h, err), SIM_OK);
	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.name = "app", .host = 0, .mem_mb = mem_mb,
		.dirty_mb_s = dirty, .demand_mhz = 500 }, vm, err), SIM_OK);
	return c;
}

static void run_until_done(struct sim *s, struct cluster *c)
{
	enum sim_stop why;

	while (vmotion_active(c) > 0)
		assert_int_equal(sim_run(s, UINT64_MAX, &why), SIM_OK);
}

/* Example A played by the world: events at exact simulated times. */
static void example_a_in_a_cluster(void **state)
{
	struct sim *s;
	int vm, id;
	struct cluster *c = two_hosts(&s, 1024, 32, &vm);
	struct vmotion_result r;
	char err[GUEST_ERR_MAX];
	const uint64_t t_round[3] = { 8000000000ull, 10000000000ull,
				      10500000000ull };
	int rounds = 0, order = 0;

	(void)state;
	assert_int_equal(vmotion_start(c, vm, 1, &(struct precopy_params){
		.bandwidth_mb_s = 128, .downtime_ms = 300 }, &id, err), SIM_OK);
	run_until_done(s, c);
	vmotion_result(c, id, &r);
	assert_true(r.ok && r.converged);
	assert_int_equal(r.rounds, 3);
	assert_true(r.mb_per_round[0] == 1024 && r.mb_per_round[1] == 256 &&
		    r.mb_per_round[2] == 64);
	assert_true(r.total_mb == 1360);
	assert_true(r.downtime_ms == 125);
	assert_true(r.total_s == 10.625);
	assert_int_equal(cluster_vm(c, vm)->host, 1);
	assert_int_equal(cluster_host(c, 1)->demand_mhz, 500);
	assert_int_equal(cluster_host(c, 0)->demand_mhz, 0);
	for (size_t i = 0; i < event_log_count(sim_events(s)); i++) {
		const struct event *e = event_log_at(sim_events(s), i);
		static const int want[] = {
			CL_VMOTION_START, CL_VMOTION_ROUND, CL_VMOTION_ROUND,
			CL_VMOTION_ROUND, CL_VMOTION_STUN,
			CL_VMOTION_SWITCHOVER, CL_VMOTION_RESUME,
			CL_VMOTION_RARP, CL_VMOTION_DONE };

		if (e->kind != EV_CLUSTER)
			continue;
		assert_true(order < 9);
		assert_int_equal(e->u.cluster.action, want[order++]);
		if (e->u.cluster.action == CL_VMOTION_ROUND) {
			assert_int_equal(e->t_ns, t_round[rounds]);
			rounds++;
		}
		if (e->u.cluster.action == CL_VMOTION_RESUME)
			assert_int_equal(e->t_ns, 10625000000ull);
	}
	assert_int_equal(order, 9);
	sim_destroy(s);
}

/* Example A3 in a cluster, then the same VM with auto-converge. */
static void example_a3_in_a_cluster(void **state)
{
	struct sim *s;
	int vm, id;
	struct cluster *c = two_hosts(&s, 1024, 150, &vm);
	struct vmotion_result r;
	char err[GUEST_ERR_MAX];

	(void)state;
	assert_int_equal(vmotion_start(c, vm, 1, &(struct precopy_params){
		.bandwidth_mb_s = 100 }, &id, err), SIM_OK);
	run_until_done(s, c);
	vmotion_result(c, id, &r);
	assert_true(r.ok && !r.converged);
	assert_string_equal(r.stop, "max-data");
	assert_int_equal(r.rounds, 4);
	assert_true(r.total_mb == 5120);
	assert_true(r.downtime_ms == 10240);
	/* back again, throttled: it converges */
	assert_int_equal(vmotion_start(c, vm, 0, &(struct precopy_params){
		.bandwidth_mb_s = 100, .auto_converge = true,
		.max_factor = 100, .max_rounds = 60 }, &id, err), SIM_OK);
	run_until_done(s, c);
	vmotion_result(c, id, &r);
	assert_true(r.ok && r.converged);
	/*
	 * By the rules, round by round: l = 1.5 x (1 - throttle); the
	 * throttle steps 20, 30, ... every second round over 50%; at 70%
	 * (l = 0.45) round 15 leaves 15.3 MiB, under the 30 MiB threshold.
	 */
	assert_int_equal(r.throttle_pct, 70);
	assert_int_equal(r.rounds, 15);
	assert_true(r.downtime_ms <= 300);
	assert_int_equal(cluster_vm(c, vm)->throttle_pct, 0);
	sim_destroy(s);
}

/* Geometric: round i sends round(M * l^i) pages, to the page. */
static void geometric_to_the_page(void **state)
{
	struct sim *s;
	int vm, id;
	struct cluster *c = two_hosts(&s, 2000, 37, &vm);
	const struct migration *m;
	char err[GUEST_ERR_MAX];

	(void)state;
	assert_int_equal(vmotion_start(c, vm, 1, &(struct precopy_params){
		.bandwidth_mb_s = 117, .downtime_ms = 30 }, &id, err), SIM_OK);
	run_until_done(s, c);
	m = vmotion_get(c, id);
	assert_true(m->pc.rounds >= 3);
	for (int i = 0; i < m->pc.rounds; i++)
		assert_int_equal(m->pc.round_pages[i],
				 llround(2000.0 * 256 * pow(37.0 / 117, i)));
	sim_destroy(s);
}

/* Refusals name the reason, and nothing moves. */
static void refusals(void **state)
{
	struct sim *s;
	struct cluster *c;
	char err[GUEST_ERR_MAX];
	int h0, h1, h2, h3, vm, local, id;

	(void)state;
	assert_int_equal(sim_create(NULL, &s), SIM_OK);
	assert_int_equal(cluster_create(s, &(struct cluster_config){
		.shared_datastore = "san0" }, &c, err), SIM_OK);
	assert_int_equal(cluster_add_host(c, &(struct cluster_host_config){
		.host = { .name = "new" }, .cpu_model = "xeon-5500",
		.local_datastore = "disk0" }, &h0, err), SIM_OK);
	assert_int_equal(cluster_add_host(c, &(struct cluster_host_config){
		.host = { .name = "old" }, .cpu_model = "xeon-5100" }, &h1, err),
		SIM_OK);
	assert_int_equal(cluster_add_host(c, &(struct cluster_host_config){
		.host = { .name = "dmz" }, .cpu_model = "xeon-5500",
		.networks = { "DMZ" } }, &h2, err), SIM_OK);
	assert_int_equal(cluster_add_host(c, &(struct cluster_host_config){
		.host = { .name = "small", .mem_mb = 512 },
		.cpu_model = "xeon-5600" }, &h3, err), SIM_OK);
	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.name = "web", .host = h0 }, &vm, err), SIM_OK);
	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.name = "loc", .host = h0, .datastore = "disk0",
		.mem_mb = 256 }, &local, err), SIM_OK);
	assert_int_equal(vmotion_start(c, vm, h1, NULL, &id, err), SIM_ESTATE);
	assert_non_null(strstr(err, "sse4.1, sse4.2, popcnt"));
	assert_int_equal(vmotion_get(c, id)->refusal, VMR_CPU);
	assert_int_equal(vmotion_start(c, vm, h2, NULL, &id, err), SIM_ESTATE);
	assert_int_equal(vmotion_get(c, id)->refusal, VMR_NETWORK);
	assert_int_equal(vmotion_start(c, vm, h3, NULL, &id, err), SIM_ESTATE);
	assert_int_equal(vmotion_get(c, id)->refusal, VMR_MEMORY);
	assert_int_equal(vmotion_start(c, local, h3, NULL, &id, err), SIM_ESTATE);
	assert_int_equal(vmotion_get(c, id)->refusal, VMR_DATASTORE);
	assert_non_null(strstr(err, "disk0"));
	/* reservations: what h2 has unreserved (2,000 MHz) is not enough */
	{
		int hog, resv;

		assert_int_equal(cluster_add_host(c, &(struct cluster_host_config){
			.host = { .name = "tight" }, .cpu_model = "xeon-5500" },
			&h2, err), SIM_OK);
		assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
			.name = "hog", .host = h2, .mem_mb = 256,
			.reservation_mhz = 1500 }, &hog, err), SIM_OK);
		assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
			.name = "resv", .host = h0, .mem_mb = 256,
			.reservation_mhz = 600 }, &resv, err), SIM_OK);
		assert_int_equal(vmotion_start(c, resv, h2, NULL, &id, err),
				 SIM_ESTATE);
		assert_int_equal(vmotion_get(c, id)->refusal, VMR_RESERVATION);
		assert_non_null(strstr(err, "500 MHz"));
	}
	assert_int_equal(cluster_set_host_state(c, h3, CHOST_MAINTENANCE), SIM_OK);
	assert_int_equal(vmotion_check(c, vm, h3, err), VMR_HOST_STATE);
	assert_int_equal(vmotion_start(c, vm, h0, NULL, &id, err), SIM_ESTATE);
	assert_int_equal(vmotion_get(c, id)->refusal, VMR_SAME_HOST);
	assert_int_equal(vmotion_start(c, vm, h1, &(struct precopy_params){
		.max_rounds = 500 }, &id, err), SIM_EINVAL);
	assert_int_equal(cluster_vm(c, vm)->host, h0);
	assert_int_equal(vmotion_active(c), 0);
	sim_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(example_a_arithmetic),
		cmocka_unit_test(example_a3_arithmetic),
		cmocka_unit_test(example_a3_auto_converge),
		cmocka_unit_test(auto_converge_steps),
		cmocka_unit_test(example_a_in_a_cluster),
		cmocka_unit_test(example_a3_in_a_cluster),
		cmocka_unit_test(geometric_to_the_page),
		cmocka_unit_test(refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
