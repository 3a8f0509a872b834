/*
 * test_drs.c - DRS (sim/cluster/drs.c): the published priority formula,
 * worked example C of cluster-facts.md exactly, entitlements by hand,
 * rules, maintenance mode, the cost-benefit filter, and seeded random
 * clusters where DRS never raises the imbalance nor breaks a rule.
 */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cluster/drs.h"
#include "status.h"
#include "testlib.h"

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-6)

static struct drs_vm vm(const char *name, uint32_t host, uint32_t mhz)
{
	struct drs_vm v = { .name = name, .host = host, .demand_mhz = mhz,
			    .mem_mb = 4096, .dirty_mb_s = 16 };
	return v;
}

/*
 * Worked example C: three hosts of 10,000 MHz with entitlements 6,500,
 * 5,000 and 3,500 MHz.  h1 holds db (1,500) and app (5,000).
 */
static struct drs_host hosts3[3] = {
	{ "h1", 10000, 65536, 0, 0, 0 },
	{ "h2", 10000, 65536, 0, 0, 0 },
	{ "h3", 10000, 65536, 0, 0, 0 },
};

static void example_c_vms(struct drs_vm v[4], uint32_t small)
{
	v[0] = vm("db", 0, small);
	v[1] = vm("app", 0, 6500 - small);
	v[2] = vm("web", 1, 5000);
	v[3] = vm("cache", 2, 3500);
}

static void worked_example_c(void **state)
{
	struct drs_vm v[4];
	struct drs_cluster c = { hosts3, 3, v, 4, NULL, 0 };
	struct drs_options s;
	struct drs_plan p;

	(void)state;
	example_c_vms(v, 1500);
	drs_options_default(&s);
	NEAR(drs_imbalance(&c), 0.122474);
	assert_int_equal(drs_priority(drs_imbalance(&c), 3), 3);
	assert_int_equal(drs_plan(&c, &s, &p), SIM_OK);
	NEAR(p.imbalance, 0.122474);
	assert_int_equal(p.priority, 3);
	assert_int_equal(p.nmoves, 1);
	assert_int_equal(p.moves[0].vm, 0);
	assert_int_equal(p.moves[0].from, 0);
	assert_int_equal(p.moves[0].to, 2);
	assert_int_equal(p.moves[0].priority, 3);
	assert_int_equal(p.moves[0].why, DRS_WHY_BALANCE);
	NEAR(p.moves[0].goodness, 0.122474);
	NEAR(p.imbalance_after, 0.0);
	assert_string_equal(p.moves[0].reason,
			    "h1 at 0.65, h3 at 0.35; moving db (1,500 MHz) makes every host 0.50");
	drs_plan_free(&p);

	/* the same with a 1,000 MHz VM: sd 0.040825 after, below the target */
	example_c_vms(v, 1000);
	assert_int_equal(drs_plan(&c, &s, &p), SIM_OK);
	assert_int_equal(p.nmoves, 1);
	assert_int_equal(p.moves[0].vm, 0);
	NEAR(p.moves[0].imbalance_after, 0.040825);
	NEAR(p.moves[0].goodness, 0.122474 - 0.040825);
	assert_string_equal(p.moves[0].reason,
			    "h1 at 0.65, h3 at 0.35; moving db (1,000 MHz) makes them 0.55 and 0.45: imbalance 0.122 -> 0.041");
	drs_plan_free(&p);

	/* threshold 2 tolerates it: priority 3 is not <= 2 */
	s.threshold = 2;
	assert_int_equal(drs_plan(&c, &s, &p), SIM_OK);
	assert_int_equal(p.nmoves, 0);
	assert_int_equal(p.priority, 6);
	drs_plan_free(&p);
}

/* 6 - ceil(imbalance / 0.1 * sqrt(N)), and the target it implies. */
static void priority_formula(void **state)
{
	(void)state;
	assert_int_equal(drs_priority(0.0, 4), 6);
	assert_int_equal(drs_priority(0.05, 4), 5);	/* x = 1 exactly */
	assert_int_equal(drs_priority(0.051, 4), 4);
	assert_int_equal(drs_priority(0.1, 4), 4);	/* x = 2 */
	assert_int_equal(drs_priority(0.1225, 3), 3);	/* x = 2.12 */
	assert_int_equal(drs_priority(0.3, 4), 2);	/* x = 6: clamped */
	NEAR(drs_target(3, 3), 0.2 / sqrt(3.0));
	NEAR(drs_target(5, 16), 0.0);
	NEAR(drs_target(1, 4), 0.2);
	/* just above the target is priority == threshold; at it, balanced */
	for (int t = 2; t <= 4; t++) {
		assert_int_equal(drs_priority(drs_target(t, 9) + 1e-6, 9), t);
		assert_int_equal(drs_priority(drs_target(t, 9), 9), t + 1);
	}
}

/* Worked example A's arithmetic: 1024 MiB, 128 MiB/s, 32 MiB/s dirty. */
static void vmotion_time(void **state)
{
	struct drs_vm v = { .mem_mb = 1024, .dirty_mb_s = 32 };

	(void)state;
	NEAR(drs_vmotion_seconds(&v, 128), 10.625);
	v.dirty_mb_s = 0;
	NEAR(drs_vmotion_seconds(&v, 128), 8.0);
	v.dirty_mb_s = 150;
	assert_true(drs_vmotion_seconds(&v, 128) < 0);	/* never converges */
}

/* The divvy by hand: 1,000 MHz for two VMs wanting 800 each. */
static void entitlements(void **state)
{
	struct drs_host h = { "h", 1000, 4096, 0, 0, 0 };
	struct drs_vm v[2] = { vm("a", 0, 800), vm("b", 0, 800) };
	struct drs_cluster c = { &h, 1, v, 2, NULL, 0 };
	double e[2];

	(void)state;
	v[0].shares = 2000;
	v[1].shares = 1000;
	assert_int_equal(drs_entitlements(&c, e), SIM_OK);
	NEAR(e[0], 2000.0 / 3);	/* 2:1 by shares */
	NEAR(e[1], 1000.0 / 3);
	v[1].reservation_mhz = 500;	/* b's floor */
	drs_entitlements(&c, e);
	NEAR(e[0], 500.0);
	NEAR(e[1], 500.0);
	v[1].reservation_mhz = 0;
	v[0].limit_mhz = 400;	/* a's cap: b takes the rest */
	drs_entitlements(&c, e);
	NEAR(e[0], 400.0);
	NEAR(e[1], 600.0);
	h.cpu_mhz = 5000;	/* no contention: what each wants */
	drs_entitlements(&c, e);
	NEAR(e[0], 400.0);
	NEAR(e[1], 800.0);
}

/*
 * Anti-affinity: db may not join cache on h3, so log, the other 1,500 MHz
 * VM on h1, goes instead; without log no move helps and none is made.
 */
static void rules_constrain_moves(void **state)
{
	static const uint32_t apart[] = { 0, 3 };
	static const uint32_t on_h1[] = { 0 };
	struct drs_rule r = { "db-cache", DRS_RULE_APART, 1, apart, 2, NULL, 0 };
	struct drs_vm v[5];
	struct drs_cluster c = { hosts3, 3, v, 5, &r, 1 };
	struct drs_options s;
	struct drs_plan p;

	(void)state;
	example_c_vms(v, 1500);
	v[1].demand_mhz = 3500;
	v[4] = vm("log", 0, 1500);
	drs_options_default(&s);
	assert_int_equal(drs_plan(&c, &s, &p), SIM_OK);
	assert_int_equal(p.nmoves, 1);
	assert_int_equal(p.moves[0].vm, 4);
	assert_int_equal(p.moves[0].to, 2);
	NEAR(p.imbalance_after, 0.0);
	drs_plan_free(&p);

	example_c_vms(v, 1500);
	c.nvms = 4;
	assert_int_equal(drs_plan(&c, &s, &p), SIM_OK);
	assert_int_equal(p.nmoves, 0);
	NEAR(p.imbalance_after, p.imbalance);
	drs_plan_free(&p);

	/* db must stay on h1 (hosts group {h1}): it never moves */
	r = (struct drs_rule){ "db-on-h1", DRS_RULE_ON_HOSTS, 1, on_h1, 1,
			       on_h1, 1 };
	assert_int_equal(drs_plan(&c, &s, &p), SIM_OK);
	for (size_t i = 0; i < p.nmoves; i++)
		assert_int_not_equal(p.moves[i].vm, 0);
	drs_plan_free(&p);
}

/* A broken rule is fixed first, at priority 1, whatever the balance. */
static void broken_rules_fixed_first(void **state)
{
	static const uint32_t pair[] = { 2, 3 };
	static const uint32_t h3[] = { 2 };
	struct drs_rule r[2] = {
		{ "web-split", DRS_RULE_APART, 1, pair, 2, NULL, 0 },
		{ "db-on-h3", DRS_RULE_ON_HOSTS, 1, pair, 1, h3, 1 },
	};
	struct drs_vm v[4];
	struct drs_cluster c = { hosts3, 3, v, 4, r, 1 };
	struct drs_options s;
	struct drs_plan p;

	(void)state;
	example_c_vms(v, 1500);
	v[3].host = 1;	/* cache joins web on h2: the rule is broken */
	drs_options_default(&s);
	s.threshold = 1;	/* mandatory moves only */
	assert_int_equal(drs_plan(&c, &s, &p), SIM_OK);
	assert_int_equal(p.nmoves, 1);
	assert_int_equal(p.moves[0].priority, 1);
	assert_int_equal(p.moves[0].why, DRS_WHY_RULE);
	assert_int_equal(p.moves[0].vm, 3);	/* the later VM moves */
	assert_int_equal(p.moves[0].to, 2);	/* h3: lower load than h1 */
	assert_string_equal(p.moves[0].reason,
			    "rule 'web-split' keeps its VMs apart: cache shares h2 with another of them, so it moves to h3 (0.00 -> 0.35)");
	drs_plan_free(&p);

	/* a VM-host rule: web (on h2) must run on h3 */
	c.rules = &r[1];
	example_c_vms(v, 1500);
	assert_int_equal(drs_plan(&c, &s, &p), SIM_OK);
	assert_int_equal(p.nmoves, 1);
	assert_int_equal(p.moves[0].vm, 2);
	assert_int_equal(p.moves[0].to, 2);
	assert_string_equal(p.moves[0].reason,
			    "rule 'db-on-h3': web must run on h3; it moves from h2 to h3");
	drs_plan_free(&p);
}

/* Keep-together: the VM away from the others joins them. */
static void together(void **state)
{
	static const uint32_t trio[] = { 0, 2, 3 };
	struct drs_rule r = { "tier", DRS_RULE_TOGETHER, 0, trio, 3, NULL, 0 };
	struct drs_vm v[4];
	struct drs_cluster c = { hosts3, 3, v, 4, &r, 1 };
	struct drs_options s;
	struct drs_plan p;

	(void)state;
	example_c_vms(v, 1500);
	v[0].host = 1;	/* db and web on h2, cache on h3 */
	v[0].demand_mhz = 100;
	v[1].demand_mhz = 100;
	drs_options_default(&s);
	s.threshold = 1;
	assert_int_equal(drs_plan(&c, &s, &p), SIM_OK);
	assert_int_equal(p.nmoves, 1);
	assert_int_equal(p.moves[0].vm, 3);
	assert_int_equal(p.moves[0].to, 1);
	assert_int_equal(p.moves[0].priority, 1);
	drs_plan_free(&p);
}

/* Maintenance mode: h1 is emptied (priority 1) and takes nothing. */
static void maintenance(void **state)
{
	struct drs_host h[3];
	struct drs_vm v[4];
	struct drs_cluster c = { h, 3, v, 4, NULL, 0 };
	struct drs_options s;
	struct drs_plan p;

	(void)state;
	memcpy(h, hosts3, sizeof h);
	h[0].maintenance = 1;
	example_c_vms(v, 1500);
	drs_options_default(&s);
	assert_int_equal(drs_plan(&c, &s, &p), SIM_OK);
	assert_true(p.nmoves >= 2);
	assert_int_equal(p.stuck, 0);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(p.moves[i].from, 0);
		assert_int_equal(p.moves[i].priority, 1);
		assert_int_equal(p.moves[i].why, DRS_WHY_MAINTENANCE);
	}
	for (size_t i = 0; i < p.nmoves; i++)
		assert_int_not_equal(p.moves[i].to, 0);
	/* db goes to h3 (0.35 -> 0.50) */
	assert_string_equal(p.moves[0].reason,
			    "h1 enters maintenance mode: db (1,500 MHz) moves to h3 (0.35 -> 0.50)");
	drs_plan_free(&p);

	/* no room for the reservations anywhere: stuck, and said so */
	v[1].reservation_mhz = 9000;
	h[1].cpu_mhz = h[2].cpu_mhz = 8000;
	assert_int_equal(drs_plan(&c, &s, &p), SIM_OK);
	assert_int_equal(p.stuck, 1);
	assert_non_null(strstr(p.note, "app"));
	drs_plan_free(&p);
}

/* A VM that dirties memory faster than VMotion sends is never moved for
 * balance; a slower one of the same size is. */
static void cost_benefit(void **state)
{
	struct drs_vm v[4];
	struct drs_cluster c = { hosts3, 3, v, 4, NULL, 0 };
	struct drs_options s;
	struct drs_plan p;

	(void)state;
	example_c_vms(v, 1500);
	v[0].dirty_mb_s = 200;
	drs_options_default(&s);
	assert_int_equal(drs_plan(&c, &s, &p), SIM_OK);
	for (size_t i = 0; i < p.nmoves; i++)
		assert_int_not_equal(p.moves[i].vm, 0);
	drs_plan_free(&p);
	/* a copy that takes more than half the period: 64 GiB at 128 MB/s */
	v[0].dirty_mb_s = 0;
	v[0].mem_mb = 65536;
	assert_int_equal(drs_plan(&c, &s, &p), SIM_OK);
	for (size_t i = 0; i < p.nmoves; i++)
		assert_int_not_equal(p.moves[i].vm, 0);
	drs_plan_free(&p);
	v[0].mem_mb = 4096;
	assert_int_equal(drs_plan(&c, &s, &p), SIM_OK);
	assert_int_equal(p.moves[0].vm, 0);
	NEAR(p.moves[0].vmotion_s, drs_vmotion_seconds(&v[0], 128));
	drs_plan_free(&p);
}

static void bad_input(void **state)
{
	struct drs_vm v[4];
	struct drs_cluster c = { hosts3, 3, v, 4, NULL, 0 };
	struct drs_options s;
	struct drs_plan p;

	(void)state;
	example_c_vms(v, 1500);
	v[2].host = 7;
	drs_options_default(&s);
	assert_int_equal(drs_plan(&c, &s, &p), SIM_EINVAL);
	assert_string_equal(p.note, "VM web is on host 7; the cluster has 3");
	assert_null(p.moves);
	drs_plan_free(&p);
}

/* ---- seeded random clusters ---------------------------------------------- */

static uint64_t rng;

static uint32_t rnd(uint32_t n)
{
	return tl_rand(&rng, n);
}

static bool rule_holds(const struct drs_rule *r, const uint32_t *place)
{
	for (uint32_t i = 0; i < r->nvms; i++) {
		uint32_t h = place[r->vms[i]];
		bool in = false;

		for (uint32_t j = 0; j < r->nhosts; j++)
			in |= r->hosts[j] == h;
		switch (r->kind) {
		case DRS_RULE_TOGETHER:
			if (h != place[r->vms[0]])
				return false;
			break;
		case DRS_RULE_APART:
			for (uint32_t j = 0; j < i; j++)
				if (place[r->vms[j]] == h)
					return false;
			break;
		case DRS_RULE_ON_HOSTS:
			if (!in)
				return false;
			break;
		default:
			if (in)
				return false;
			break;
		}
	}
	return true;
}

/*
 * 300 random clusters: every balancing move lowers the imbalance; no
 * move breaks a rule that held, or lands on a host in maintenance, or
 * overfills a host's reservations; the pass ends no worse than it began.
 */
static void random_clusters(void **state)
{
	enum { MAXH = 12, MAXV = 60, MAXR = 4 };
	struct drs_host h[MAXH];
	struct drs_vm v[MAXV];
	struct drs_rule r[MAXR];
	uint32_t rvms[MAXR][3], rhosts[MAXR][2], place[MAXV];
	char names[MAXV][12];
	struct drs_options s;
	size_t balancing = 0, mandatory = 0;

	(void)state;
	rng = 0x9e3779b97f4a7c15ull;
	for (int trial = 0; trial < 300; trial++) {
		uint32_t nh = 2 + rnd(MAXH - 1), nv = rnd(MAXV + 1), nr = 0;
		struct drs_cluster c = { h, nh, v, nv, r, 0 };
		bool held[MAXR];
		struct drs_plan p;
		uint64_t res[MAXH] = { 0 };

		for (uint32_t i = 0; i < nh; i++)
			h[i] = (struct drs_host){ "h", 4000 + 2000 * rnd(3),
						  1u << 20, rnd(10) == 0, 0, 0 };
		for (uint32_t i = 0; i < nv; i++) {
			snprintf(names[i], sizeof names[i], "v%u", i);
			v[i] = vm(names[i], rnd(nh), 100 + rnd(3000));
			v[i].reservation_mhz = rnd(4) == 0 ? rnd(500) : 0;
			v[i].dirty_mb_s = rnd(64);
			place[i] = v[i].host;
			res[v[i].host] += v[i].reservation_mhz;
		}
		for (uint32_t i = 0; i < nh; i++)	/* room as it stands */
			if (h[i].cpu_mhz < res[i])
				h[i].cpu_mhz = (uint32_t)res[i];
		for (uint32_t i = 0; nv >= 3 && i < rnd(MAXR + 1); i++, nr++) {
			r[i] = (struct drs_rule){ "r", (enum drs_rule_kind)rnd(4),
						  1, rvms[i], 2 + rnd(2), rhosts[i],
						  1 + rnd(2) };
			for (uint32_t j = 0; j < 3; j++)
				rvms[i][j] = rnd(nv);
			if (rvms[i][1] == rvms[i][0])
				r[i].nvms = 1;
			else if (rvms[i][2] == rvms[i][0] || rvms[i][2] == rvms[i][1])
				r[i].nvms = 2;
			for (uint32_t j = 0; j < 2; j++)
				rhosts[i][j] = rnd(nh);
		}
		c.nrules = nr;
		drs_options_default(&s);
		s.threshold = 2 + rnd(4);
		assert_int_equal(drs_plan(&c, &s, &p), SIM_OK);
		for (uint32_t i = 0; i < nr; i++)
			held[i] = rule_holds(&r[i], place);
		for (size_t m = 0; m < p.nmoves; m++) {
			const struct drs_move *mv = &p.moves[m];

			assert_int_equal(mv->from, place[mv->vm]);
			assert_false(h[mv->to].maintenance);
			res[mv->from] -= v[mv->vm].reservation_mhz;
			res[mv->to] += v[mv->vm].reservation_mhz;
			assert_true(res[mv->to] <= h[mv->to].cpu_mhz);
			place[mv->vm] = mv->to;
			balancing += mv->why == DRS_WHY_BALANCE;
			mandatory += mv->why != DRS_WHY_BALANCE;
			if (mv->why == DRS_WHY_BALANCE) {
				assert_true(mv->goodness > 0);
				assert_true(mv->imbalance_after < mv->imbalance_before);
				assert_true(mv->priority <= s.threshold);
			}
			for (uint32_t i = 0; i < nr; i++) {
				bool now = rule_holds(&r[i], place);

				if (mv->why == DRS_WHY_BALANCE)
					assert_true(!held[i] || now);
				held[i] = now;
			}
		}
		drs_plan_free(&p);
	}
	/* the trials exercised both kinds of move */
	assert_true(balancing > 300);
	assert_true(mandatory > 30);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(worked_example_c),
		cmocka_unit_test(priority_formula),
		cmocka_unit_test(vmotion_time),
		cmocka_unit_test(entitlements),
		cmocka_unit_test(rules_constrain_moves),
		cmocka_unit_test(broken_rules_fixed_first),
		cmocka_unit_test(together),
		cmocka_unit_test(maintenance),
		cmocka_unit_test(cost_benefit),
		cmocka_unit_test(bad_input),
		cmocka_unit_test(random_clusters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
