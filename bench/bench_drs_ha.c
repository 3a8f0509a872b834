/*
 * bench_drs_ha.c - how fast are DRS and HA at the scale of a real cluster?
 *
 * For 8, 16, 32, 64 and 96 hosts, with 10,000 modelled VMs at 96 hosts
 * (the same number per host below that), a seeded random cluster whose
 * first hosts carry more load than the last:
 *   - one DRS pass (drs_plan: every move the rules allow judged, greedy
 *     until balanced), its moves and the imbalance before and after;
 *     target at 96 hosts: under 1 s, aiming for 0.1 s;
 *   - HA's failover for one failed host: the restarts of its VMs placed,
 *     sequenced by priority and carried out in simulated time (from the
 *     failure to the last power-on); target under 10 ms;
 *   - memory per modelled VM in each module.
 * Figures only, never pass/fail (the host's speed varies).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster/drs.h"
#include "cluster/ha.h"
#include "cluster/ha_priv.h"
#include "status.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

struct figures {
	double drs_s, ha_s, imb_before, imb_after;
	size_t moves;
	uint32_t restarted, failed_vms;
};

/* Hosts of 2 x 16 cores x 2,600 MHz and 512 GB; VMs of 1-8 GB. */
static void run(uint32_t nh, uint32_t nv, struct figures *f)
{
	struct drs_host *hosts = calloc(nh, sizeof *hosts);
	struct drs_vm *vms = calloc(nv, sizeof *vms);
	struct drs_cluster c = { hosts, nh, vms, nv, NULL, 0 };
	struct drs_options s;
	struct drs_plan p;
	struct ha *ha;
	double t0;

	for (uint32_t h = 0; h < nh; h++)
		hosts[h] = (struct drs_host){ "h", 83200, 524288, 0, 0, 0 };
	for (uint32_t v = 0; v < nv; v++) {
		uint32_t h = rnd(nh);

		/* the first third of the hosts run hotter */
		vms[v] = (struct drs_vm){ "v", h, 200 + rnd(h < nh / 3 ? 1400 : 700),
					  rnd(4) ? 0 : 100, 0, 1000,
					  1024u << rnd(4), rnd(8) ? 0 : 256,
					  rnd(64), 0, 0 };
	}
	drs_options_default(&s);
	t0 = now();
	if (drs_plan(&c, &s, &p) != SIM_OK) {
		fprintf(stderr, "drs_plan failed: %s\n", p.note);
		exit(1);
	}
	f->drs_s = now() - t0;
	f->moves = p.nmoves;
	f->imb_before = p.imbalance;
	f->imb_after = p.imbalance_after;
	drs_plan_free(&p);

	{
		struct ha_config cfg;
		uint32_t id;
		char msg[300];

		ha_config_default(&cfg);
		cfg.admission.policy = HA_ADMISSION_OFF;
		ha_create(&cfg, NULL, &ha);
		for (uint32_t h = 0; h < nh; h++) {
			struct ha_host_cfg hc = { "h", "host", 2, 83200, 524288 };

			ha_add_host(ha, &hc, &id);
		}
		ha_enable(ha, 0);
		ha_run_until(ha, 60 * HA_SECOND);
		f->failed_vms = 0;
		for (uint32_t v = 0; v < nv; v++) {
			struct ha_vm_cfg vc = { "v", vms[v].host,
						(enum ha_priority)(1 + rnd(5)),
						HA_ISO_LEAVE_ON, vms[v].reservation_mhz,
						vms[v].reservation_mb, 64, 0 };

			ha_add_vm(ha, &vc, &id);
			ha_power_on(ha, id, vc.host, 60 * HA_SECOND, msg, sizeof msg);
			f->failed_vms += vc.host == 1;
		}
		t0 = now();
		ha_fail_host(ha, 1, 100 * HA_SECOND);
		ha_run_until(ha, 4000 * HA_SECOND);
		f->ha_s = now() - t0;
		f->restarted = 0;
		for (uint32_t v = 0; v < nv; v++) {
			uint32_t h;

			f->restarted += vms[v].host == 1 && ha_vm_running(ha, v, &h);
		}
		ha_destroy(ha);
	}
	free(hosts);
	free(vms);
}

int main(void)
{
	static const uint32_t sizes[] = { 8, 16, 32, 64, 96 };

	printf("DRS and HA at scale (one pass / one failover; seeded clusters)\n");
	printf("%6s %7s %10s %6s %16s %10s %9s\n", "hosts", "VMs", "DRS pass",
	       "moves", "imbalance", "HA plan", "restarts");
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		uint32_t nh = sizes[i], nv = 10000 * nh / 96;
		struct figures f;

		run(nh, nv, &f);
		printf("%6u %7u %8.1f ms %6zu %7.4f -> %.4f %7.2f ms %4u/%-4u\n",
		       nh, nv, f.drs_s * 1e3, f.moves, f.imb_before,
		       f.imb_after, f.ha_s * 1e3, f.restarted, f.failed_vms);
	}
	printf("targets at 96 hosts x 10,000 VMs: DRS pass < 1 s (aim 0.1 s); "
	       "HA failover plan < 10 ms\n");
	printf("memory per modelled VM: DRS input %zu B + %zu B of pass "
	       "workspace; HA %zu B\n", sizeof(struct drs_vm),
	       sizeof(uint32_t) * 2 + sizeof(double) + 1,
	       sizeof(struct ha_vm));
	return 0;
}
