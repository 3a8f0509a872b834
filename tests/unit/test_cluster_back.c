/*
 * test_cluster_back.c - stepping back across what a cluster's
 * VirtualCenter does: a live VMotion's switch-over (te, bt, hw), a DRS
 * pass that migrates VMs, HA restarting VMs after a host failure.  Each
 * time the world goes back to a moment before the step (the VM is on its
 * source host again, its worlds run there) and then forward again, and
 * everything a pass leaves must equal the first pass exactly: the guests'
 * output and instruction count, the event log (sequence numbers, times,
 * contents), the cluster's records (hosts, VMs, migrations).  A world
 * that kept no history must leave the same, so the history itself (its
 * checkpoints, the one it takes after an outside change) changes nothing.
 * Also: thinning with parts (at most 4 checkpoints), changes from outside
 * (kept by a marked checkpoint; undone by going back before them; HA
 * configured again cannot be gone back past), history_rewind, and a
 * lesson's pause explored while VirtualCenter goes on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cluster/cluster.h"
#include "cluster/drs.h"
#include "cluster/drs_cluster.h"
#include "cluster/ha.h"
#include "cluster/ha_cluster.h"
#include "cluster/vmotion.h"
#include "history.h"
#include "sim.h"
#include "status.h"
#include "testlib.h"
#include "trace.h"

#define DIRTY "scenarios/guests/dirty.elf"
#define TICKER "build/guests/ticker.elf"
#define S 1000000000ull

/* ---- what a pass leaves ------------------------------------------------------ */

static void records(FILE *f, struct cluster *c)
{
	for (int i = 0; i < cluster_host_count(c); i++) {
		const struct cluster_host *h = cluster_host(c, i);

		fprintf(f, "host %d %s nvms %d demand %llu mem %llu res %llu/%llu\n",
			i, chost_state_name(h->state), h->nvms,
			(unsigned long long)h->demand_mhz,
			(unsigned long long)h->mem_used_mb,
			(unsigned long long)h->reserved_mhz,
			(unsigned long long)h->reserved_mb);
	}
	for (int i = 0; i < cluster_vm_count(c); i++) {
		const struct cluster_vm *v = cluster_vm(c, i);
		struct vm *live = cluster_vm_live(c, i);

		fprintf(f, "vm %s host %d (%s) %s mig %d migrations %llu throttle %u demand %u\n",
			v->name, v->host, live ? vm_host(live)->name : "-",
			cvm_state_name(v->state), v->migration,
			(unsigned long long)v->migrations, v->throttle_pct,
			v->demand_mhz);
	}
	for (int i = 0; i < vmotion_count(c); i++) {
		const struct migration *m = vmotion_get(c, i);

		fprintf(f, "mig %d vm %d %d->%d phase %d rounds %d sent %llu final %llu t %llu %llu %llu\n",
			m->id, m->vm, m->src, m->dst, m->phase, m->pc.rounds,
			(unsigned long long)m->pc.sent,
			(unsigned long long)m->pc.final_pages,
			(unsigned long long)m->t_start,
			(unsigned long long)m->t_stun,
			(unsigned long long)m->t_resume);
		for (int r = 0; r < m->pc.rounds && r < PRECOPY_ROUNDS_MAX; r++)
			fprintf(f, " %llu", (unsigned long long)m->pc.round_pages[r]);
		fputc('\n', f);
	}
}

/* Everything a pass leaves, as text (a failure shows where they part). */
static char *fingerprint(struct sim *s, struct cluster *c)
{
	struct event_log *log = sim_events(s);
	char *text, line[1024];
	size_t len;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	fprintf(f, "insns %llu now %llu events %llu\n",
		(unsigned long long)sim_insns(s),
		(unsigned long long)sim_now_ns(s),
		(unsigned long long)event_log_total(log));
	for (int i = 0; i < sim_vm_count(s); i++) {
		struct vm *vm = sim_vm(s, i);
		size_t n;
		const char *out = vm_serial(vm, &n);

		fprintf(f, "VM %d on %s: %.*s\n", i, vm_host(vm)->name, (int)n,
			out);
	}
	records(f, c);
	for (size_t i = 0; i < event_log_count(log); i++) {
		const struct event *e = event_log_at(log, i);

		trace_json(s, e, line, sizeof line);
		fprintf(f, "%llu %llu %s\n", (unsigned long long)e->seq,
			(unsigned long long)e->t_ns, line);
	}
	fclose(f);
	return text;
}

static size_t count(struct sim *s, enum event_kind kind, int action)
{
	size_t n = 0;

	for (size_t i = 0; i < event_log_count(sim_events(s)); i++) {
		const struct event *e = event_log_at(sim_events(s), i);

		if (e->kind != kind)
			continue;
		if ((kind == EV_DRS && e->u.drs.action == action) ||
		    (kind == EV_HA && e->u.ha.action == action) ||
		    (kind == EV_CLUSTER && e->u.cluster.action == action))
			n++;
	}
	return n;
}

/* Run (through the history, if any) n instructions. */
static void run(struct sim *s, struct history *h, uint64_t n)
{
	enum sim_stop why;

	if (h)
		assert_int_equal(history_run(h, n, &why), SIM_OK);
	else
		assert_int_equal(sim_run(s, n, &why), SIM_OK);
}

/* ---- a live VMotion ----------------------------------------------------------- */

static struct cluster *two_hosts(struct sim **s)
{
	struct cluster *c;
	char err[GUEST_ERR_MAX];

	assert_int_equal(sim_create(NULL, s), SIM_OK);
	assert_int_equal(cluster_create(*s, &(struct cluster_config){
		.shared_datastore = "san0" }, &c, err), SIM_OK);
	for (int i = 0; i < 2; i++)
		assert_int_equal(cluster_add_host(c, &(struct cluster_host_config){
			.host = { .pcpus = 1 } }, NULL, err), SIM_OK);
	return c;
}

/*
 * The dirty guest moves from esx0 to esx1 mid-run.  With keep: through a
 * history of at most `keep` checkpoints; the position of the last round
 * boundary before the stun comes back in *before.
 */
static char *vmotion_pass(enum exec_mode mode, int keep, bool back)
{
	struct sim *s;
	struct cluster *c = two_hosts(&s);
	struct history *h = NULL;
	char err[GUEST_ERR_MAX], *a, *b;
	uint64_t before = 0, end;
	int vm, id;

	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.name = "app", .host = 0, .guest = DIRTY, .mem_mb = 32,
		.mode = mode }, &vm, err), SIM_OK);
	if (keep)
		assert_int_equal(history_create(s, 1000000, keep, &h), SIM_OK);
	run(s, h, 300000);
	assert_int_equal(vmotion_start(c, vm, 1, &(struct precopy_params){
		.bandwidth_mb_s = 2000, .downtime_ms = 5 }, &id, err), SIM_OK);
	while (vmotion_get(c, id)->phase == MIG_PRECOPY) {
		before = sim_insns(s);
		run(s, h, 1000000);
	}
	while (vmotion_get(c, id)->phase != MIG_DONE)
		run(s, h, 1000000);
	run(s, h, 10000000);			/* it runs on, on esx1 */
	assert_int_equal(cluster_vm(c, vm)->host, 1);
	a = fingerprint(s, c);
	if (back) {
		end = sim_insns(s);
		assert_true(history_checkpoints(h) <= keep);
		assert_true(history_interval(h) > 1000000);	/* thinned */
		assert_int_equal(history_back(h, end - before), SIM_OK);
		/* before the stun: on esx0, its worlds there, pre-copy going */
		assert_int_equal(sim_insns(s), before);
		assert_int_equal(cluster_vm(c, vm)->host, 0);
		assert_int_equal(cluster_vm(c, vm)->state, CVM_MIGRATING);
		assert_ptr_equal(vm_host(cluster_vm_live(c, vm)),
				 cluster_host(c, 0)->host);
		assert_int_equal(cluster_host(c, 1)->nvms, 0);
		assert_int_equal(vmotion_get(c, id)->phase, MIG_PRECOPY);
		assert_int_equal(count(s, EV_CLUSTER, CL_VMOTION_STUN), 0);
		run(s, h, end - before);	/* forward again */
		b = fingerprint(s, c);
		assert_string_equal(a, b);
		free(b);
	}
	history_destroy(h);
	sim_destroy(s);
	return a;
}

static void vmotion_back(enum exec_mode mode)
{
	char *plain = vmotion_pass(mode, 0, false);
	char *back = vmotion_pass(mode, 4, true);

	assert_string_equal(plain, back);	/* the history changed nothing */
	free(plain);
	free(back);
}

static void vmotion_back_te(void **state)
{
	(void)state;
	vmotion_back(MODE_TE);
}

static void vmotion_back_bt(void **state)
{
	(void)state;
	vmotion_back(MODE_BT);
}

static void vmotion_back_hw(void **state)
{
	(void)state;
	vmotion_back(MODE_HW);
}

/* ---- DRS and HA, over simulated minutes ---------------------------------------- */

/*
 * Three hosts; a ticker guest on esx2 is the clock (history counts guest
 * instructions); four modelled VMs crowd esx0.
 */
static struct cluster *crowded(struct sim **s, bool live_app)
{
	struct cluster *c;
	char err[GUEST_ERR_MAX];

	assert_int_equal(sim_create(NULL, s), SIM_OK);
	assert_int_equal(cluster_create(*s, &(struct cluster_config){
		.shared_datastore = "san0" }, &c, err), SIM_OK);
	for (int i = 0; i < 3; i++)
		assert_int_equal(cluster_add_host(c, &(struct cluster_host_config){
			.host = { .pcpus = 2, .mhz = 2000 } }, NULL, err), SIM_OK);
	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.name = "clock", .host = 2, .guest = TICKER, .mem_mb = 4,
		.demand_mhz = 100 }, NULL, err), SIM_OK);
	for (int i = 0; i < 4; i++) {
		char name[16];

		snprintf(name, sizeof name, "db%d", i);
		assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
			.name = name, .host = 0, .mem_mb = 512,
			.demand_mhz = 1500, .dirty_mb_s = 8,
			.restart_priority = i % 2 ? RESTART_HIGH : RESTART_LOW },
			NULL, err), SIM_OK);
	}
	if (live_app)
		assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
			.name = "app", .host = 0, .guest = TICKER, .mem_mb = 4,
			.demand_mhz = 100, .restart_priority = RESTART_HIGHEST },
			NULL, err), SIM_OK);
	return c;
}

/*
 * DRS every 60 s, fully automated: its first pass moves db VMs off esx0
 * by VMotion.  Back to before the pass, then forward: the same pass, the
 * same moves, the same everything.
 */
static void drs_back(void **state)
{
	struct sim *s;
	struct cluster *c = crowded(&s, false);
	struct history *h;
	char err[GUEST_ERR_MAX], *a, *b;
	uint64_t before = 0, end;

	(void)state;
	assert_int_equal(drs_cluster_configure(c, &(struct drs_cluster_config){
		.enabled = true, .automation = DRS_FULL, .period_s = 60 }, err),
		SIM_OK);
	assert_int_equal(history_create(s, 5000, 0, &h), SIM_OK);
	while (count(s, EV_DRS, DRS_PASS) == 0) {
		before = sim_insns(s);
		run(s, h, 5000);
		assert_true(sim_now_ns(s) < 100 * S);
	}
	assert_true(count(s, EV_DRS, DRS_APPLIED) > 0);
	while (vmotion_active(c) > 0)
		run(s, h, 5000);
	run(s, h, 20000);
	assert_true(cluster_host(c, 0)->nvms < 4);	/* DRS moved some */
	a = fingerprint(s, c);
	end = sim_insns(s);
	assert_int_equal(history_seek(h, before), SIM_OK);
	assert_int_equal(cluster_host(c, 0)->nvms, 4);
	assert_int_equal(vmotion_count(c), 0);
	assert_null(drs_cluster_last(c));
	assert_int_equal(count(s, EV_DRS, DRS_PASS), 0);
	assert_int_equal(history_seek(h, end), SIM_OK);
	b = fingerprint(s, c);
	assert_string_equal(a, b);
	free(a);
	free(b);
	history_destroy(h);
	sim_destroy(s);
}

/*
 * HA: esx0 fails 20 s in (its master elected by then); 18 s on it is
 * declared dead and its VMs restart on the others in priority order, the
 * live one (app) booting again on its new host.  Back to just after the
 * failure (the VMs down, on esx0), then forward: the same restarts.  Back
 * to before the failure: it never happened (it came from outside), esx0
 * runs its VMs again.
 */
static void ha_back(void **state)
{
	struct sim *s;
	struct cluster *c = crowded(&s, true);
	struct ha_cluster_config cfg;
	struct history *h;
	char err[GUEST_ERR_MAX], *a, *b;
	uint64_t before, failed, end;
	int app = cluster_vm_by_name(c, "app");

	(void)state;
	ha_cluster_config_default(&cfg);
	cfg.admission = HA_ADMISSION_OFF;
	assert_int_equal(ha_cluster_configure(c, &cfg, err), SIM_OK);
	assert_int_equal(history_create(s, 5000, 0, &h), SIM_OK);
	while (sim_now_ns(s) < 20 * S)
		run(s, h, 1000);
	before = sim_insns(s);
	assert_int_equal(ha_cluster_fail_host(c, 0, err), SIM_OK);
	assert_int_equal(cluster_vm(c, app)->state, CVM_OFF);
	run(s, h, 1000);
	failed = sim_insns(s);
	while (count(s, EV_HA, HA_RESTARTED) < 5) {
		run(s, h, 5000);
		assert_true(sim_now_ns(s) < 120 * S);
	}
	run(s, h, 20000);
	assert_int_equal(cluster_vm(c, app)->state, CVM_ON);
	assert_int_not_equal(cluster_vm(c, app)->host, 0);
	assert_ptr_not_equal(vm_host(cluster_vm_live(c, app)),
			     cluster_host(c, 0)->host);
	a = fingerprint(s, c);
	end = sim_insns(s);

	assert_int_equal(history_seek(h, failed), SIM_OK);
	assert_int_equal(cluster_host(c, 0)->state, CHOST_FAILED);
	assert_int_equal(cluster_vm(c, app)->host, 0);
	assert_int_equal(cluster_vm(c, app)->state, CVM_OFF);
	assert_ptr_equal(vm_host(cluster_vm_live(c, app)),
			 cluster_host(c, 0)->host);
	assert_int_equal(count(s, EV_HA, HA_RESTARTED), 0);
	assert_int_equal(history_seek(h, end), SIM_OK);
	b = fingerprint(s, c);
	assert_string_equal(a, b);
	free(b);

	assert_int_equal(history_seek(h, before - 1), SIM_OK);
	assert_int_equal(cluster_host(c, 0)->state, CHOST_CONNECTED);
	assert_int_equal(cluster_host(c, 0)->nvms, 5);
	assert_int_equal(cluster_vm(c, app)->state, CVM_ON);
	run(s, h, 100000);		/* and no failure comes */
	assert_int_equal(cluster_host(c, 0)->state, CHOST_CONNECTED);
	assert_int_equal(count(s, EV_HA, HA_RESTARTED), 0);
	free(a);
	history_destroy(h);
	sim_destroy(s);
}

/*
 * What still cannot be undone: configuring HA again rebuilds its agents'
 * model (VirtualCenter's timer points at the new one).  Going back past
 * it is refused with the reason, and the world stays where it is.
 */
static void ha_configured_again(void **state)
{
	struct sim *s;
	struct cluster *c = crowded(&s, false);
	struct ha_cluster_config cfg;
	struct history *h;
	char err[GUEST_ERR_MAX];
	uint64_t at;

	(void)state;
	ha_cluster_config_default(&cfg);
	cfg.admission = HA_ADMISSION_OFF;
	assert_int_equal(ha_cluster_configure(c, &cfg, err), SIM_OK);
	assert_int_equal(history_create(s, 5000, 0, &h), SIM_OK);
	run(s, h, 30000);
	at = sim_insns(s);
	assert_int_equal(history_back(h, 20000), SIM_OK);	/* as ever */
	run(s, h, 20000);
	assert_int_equal(ha_cluster_configure(c, &cfg, err), SIM_OK);
	assert_int_equal(history_back(h, 20000), SIM_ESTATE);
	assert_non_null(strstr(history_refusal(h), "HA was configured again"));
	assert_int_equal(sim_insns(s), at);
	history_destroy(h);
	sim_destroy(s);
}

/*
 * A change from outside that logs no event (a modelled VM's load): with
 * history_mark, going back after it and forward again keeps it; DRS's
 * pass then sees the same loads and moves the same VMs.
 */
static void marked_change(void **state)
{
	struct sim *s;
	struct cluster *c = crowded(&s, false);
	struct history *h;
	char err[GUEST_ERR_MAX], *a, *b;
	uint64_t changed, end;

	(void)state;
	assert_int_equal(drs_cluster_configure(c, &(struct drs_cluster_config){
		.enabled = true, .automation = DRS_FULL, .period_s = 30 }, err),
		SIM_OK);
	assert_int_equal(history_create(s, 5000, 4, &h), SIM_OK);
	run(s, h, 12345);
	changed = sim_insns(s);
	for (int i = 1; i <= 4; i++)	/* db0..db3 idle: nothing to balance */
		assert_int_equal(cluster_vm_set_load(c, i, 10, 8), SIM_OK);
	assert_int_equal(history_mark(h), SIM_OK);
	while (count(s, EV_DRS, DRS_PASS) < 2)
		run(s, h, 5000);
	assert_int_equal(count(s, EV_DRS, DRS_APPLIED), 0);
	a = fingerprint(s, c);
	end = sim_insns(s);
	assert_int_equal(history_seek(h, changed + 1), SIM_OK);
	assert_int_equal(cluster_vm(c, 1)->demand_mhz, 10);
	assert_int_equal(history_seek(h, end), SIM_OK);
	b = fingerprint(s, c);
	assert_string_equal(a, b);
	free(a);
	free(b);
	history_destroy(h);
	sim_destroy(s);
}

/* ---- exploring a lesson's pause with VirtualCenter running ------------------ */

/*
 * A student explores mid-migration without holding VirtualCenter: two
 * million instructions on, the migration has gone on (or finished); back
 * at the pause, the lesson goes on exactly as if nobody had explored.
 */
static char *explore_pass(bool explore)
{
	struct sim *s;
	struct cluster *c = two_hosts(&s);
	char err[GUEST_ERR_MAX];
	int vm, id, rounds;

	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.name = "app", .host = 0, .guest = DIRTY, .mem_mb = 32 },
		&vm, err), SIM_OK);
	run(s, NULL, 300000);
	assert_int_equal(vmotion_start(c, vm, 1, &(struct precopy_params){
		.bandwidth_mb_s = 2000, .downtime_ms = 5 }, &id, err), SIM_OK);
	run(s, NULL, 100000);
	rounds = vmotion_get(c, id)->pc.rounds;
	if (explore) {
		struct history *h;
		uint64_t pause = sim_insns(s);

		assert_int_equal(history_create(s, 1000000, 0, &h), SIM_OK);
		run(s, h, 40000000);
		assert_int_equal(vmotion_get(c, id)->phase, MIG_DONE);
		assert_int_equal(cluster_vm(c, vm)->host, 1);
		assert_int_equal(history_seek(h, pause), SIM_OK);
		assert_int_equal(vmotion_get(c, id)->pc.rounds, rounds);
		assert_int_equal(cluster_vm(c, vm)->host, 0);
		history_destroy(h);
	}
	run(s, NULL, 60000000);
	{
		char *text = fingerprint(s, c);

		sim_destroy(s);
		return text;
	}
}

/*
 * A change made at the very moment the history began (a student applies
 * DRS's advice at a lesson's pause): going back to that position keeps
 * it, being a moment of this timeline; history_rewind, which the
 * explorer uses to return to the lesson, puts the world back as the
 * history found it, with exactly its events.
 */
static void rewind_to_the_pause(void **state)
{
	struct sim *s;
	struct cluster *c = two_hosts(&s);
	char err[GUEST_ERR_MAX], *a, *b;
	struct history *h;
	int vm, id;

	(void)state;
	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.name = "app", .host = 0, .guest = DIRTY, .mem_mb = 32 },
		&vm, err), SIM_OK);
	run(s, NULL, 300000);
	a = fingerprint(s, c);
	assert_int_equal(history_create(s, 1000000, 0, &h), SIM_OK);
	assert_int_equal(vmotion_start(c, vm, 1, &(struct precopy_params){
		.bandwidth_mb_s = 2000, .downtime_ms = 5 }, &id, err), SIM_OK);
	run(s, h, 30000000);
	assert_int_equal(vmotion_get(c, id)->phase, MIG_DONE);
	assert_int_equal(history_seek(h, 300000), SIM_OK);
	assert_int_equal(vmotion_count(c), 1);		/* the change kept */
	assert_int_equal(vmotion_get(c, id)->phase, MIG_PRECOPY);
	run(s, h, 1000);
	assert_int_equal(history_rewind(h), SIM_OK);
	b = fingerprint(s, c);
	assert_string_equal(a, b);			/* as found */
	assert_int_equal(vmotion_count(c), 0);
	free(a);
	free(b);
	history_destroy(h);
	sim_destroy(s);
}

static void explore_with_vcenter_running(void **state)
{
	char *plain = explore_pass(false), *explored = explore_pass(true);

	(void)state;
	assert_string_equal(plain, explored);
	free(plain);
	free(explored);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vmotion_back_te),
		cmocka_unit_test(vmotion_back_bt),
		cmocka_unit_test(vmotion_back_hw),
		cmocka_unit_test(drs_back),
		cmocka_unit_test(ha_back),
		cmocka_unit_test(ha_configured_again),
		cmocka_unit_test(marked_change),
		cmocka_unit_test(rewind_to_the_pause),
		cmocka_unit_test(explore_with_vcenter_running),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
