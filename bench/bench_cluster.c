/*
 * bench_cluster.c - what VMotion and the cluster cost.
 *
 *   (a) pre-copy overhead on a live guest: scenarios/guests/dirty.elf on
 *       a 64 MiB VM, moved at 20 ms over a 1,000 MiB/s link.  Its guest
 *       instructions per simulated second while pre-copy runs (its pages
 *       traced: each first write to a page in a round faults into the VMM)
 *       against the same window of an unmigrated run.  Target >= 0.95.
 *   (b) host time of dirty tracking: the same guest run to its end with
 *       every write traced (a migration over a 1 MiB/s link that never
 *       gets past round 0) against an untracked run, in wall-clock time.
 *   (c) one simulated hour of a 96-host, 10,000-VM modelled cluster with
 *       a VMotion started every simulated second.  Target < 2 s.
 *   (d) stepping back on that cluster (DRS and HA on, VMotions in flight,
 *       a small live guest, ticker.elf, as the clock history counts in):
 *       one checkpoint's size (heap growth, mallinfo2) and time, and the
 *       time to step back across VirtualCenter's work (put a checkpoint
 *       back, replay to the target).
 * Figures, never a pass/fail.  Usage: bench_cluster [dirty.elf [ticker.elf]]
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster/cluster.h"
#include "cluster/drs_cluster.h"
#include "cluster/ha_cluster.h"
#include "cluster/vmotion.h"
#include "history.h"
#include "sim.h"
#include "status.h"

#define MS 1000000ull
#define SECOND 1000000000ull

static double wall(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void die(const char *what, const char *err)
{
	fprintf(stderr, "bench_cluster: %s: %s\n", what, err);
	exit(1);
}

/* Two hosts, one live VM running guest on the first. */
static struct cluster *live_world(const char *guest, struct sim **s, int *vm)
{
	struct cluster *c;
	char err[GUEST_ERR_MAX];

	if (sim_create(NULL, s) != SIM_OK ||
	    cluster_create(*s, &(struct cluster_config){
		    .shared_datastore = "san0" }, &c, err) != SIM_OK)
		die("cluster", "cannot create");
	for (int i = 0; i < 2; i++)
		if (cluster_add_host(c, &(struct cluster_host_config){
			    .host = { .pcpus = 1 } }, NULL, err) != SIM_OK)
			die("host", err);
	if (cluster_add_vm(c, &(struct cluster_vm_config){ .name = "app",
		    .host = 0, .guest = guest, .mem_mb = 64, .mode = MODE_BT },
		    vm, err) != SIM_OK)
		die(guest, err);
	return c;
}

static void precopy_overhead(const char *guest)
{
	struct sim *s;
	struct cluster *c;
	enum sim_stop why;
	char err[GUEST_ERR_MAX];
	int vm, id;
	uint64_t i0, i1, t_stun;
	double moved, still;

	c = live_world(guest, &s, &vm);
	sim_run_until(s, 20 * MS, UINT64_MAX, &why);
	i0 = sim_insns(s);
	if (vmotion_start(c, vm, 1, &(struct precopy_params){
		    .bandwidth_mb_s = 1000, .downtime_ms = 2 }, &id, err) != SIM_OK)
		die("vmotion", err);
	while (vmotion_get(c, id)->phase == MIG_PRECOPY)
		sim_run_until(s, sim_now_ns(s) + MS, UINT64_MAX, &why);
	t_stun = vmotion_get(c, id)->t_stun;
	i1 = sim_insns(s);
	moved = (double)(i1 - i0) / ((double)(t_stun - 20 * MS) / SECOND);
	printf("  pre-copy: %d rounds, %.1f ms, the guest ran %llu instructions\n",
	       vmotion_get(c, id)->pc.rounds, (double)(t_stun - 20 * MS) / MS,
	       (unsigned long long)(i1 - i0));
	sim_destroy(s);

	c = live_world(guest, &s, &vm);
	sim_run_until(s, 20 * MS, UINT64_MAX, &why);
	i0 = sim_insns(s);
	sim_run_until(s, t_stun, UINT64_MAX, &why);
	i1 = sim_insns(s);
	still = (double)(i1 - i0) / ((double)(t_stun - 20 * MS) / SECOND);
	sim_destroy(s);
	printf("  (a) guest MIPS (simulated) during pre-copy %.1f, unmigrated %.1f: ratio %.3f (target >= 0.95)\n",
	       moved / 1e6, still / 1e6, moved / still);
}

/* Host seconds to run the guest to its end, traced or not. */
static double guest_run(const char *guest, bool traced)
{
	struct sim *s;
	struct cluster *c = live_world(guest, &s, &(int){ 0 });
	enum sim_stop why;
	char err[GUEST_ERR_MAX];
	double t0 = wall(), t;

	if (traced && vmotion_start(c, 0, 1, &(struct precopy_params){
		    .bandwidth_mb_s = 1 }, NULL, err) != SIM_OK)
		die("vmotion", err);
	while (sim_guests_alive(s))
		sim_run_until(s, sim_now_ns(s) + 100 * MS, UINT64_MAX, &why);
	t = wall() - t0;
	sim_destroy(s);
	return t;
}

static void tracking_cost(const char *guest)
{
	double plain = 1e9, traced = 1e9;

	for (int i = 0; i < 3; i++) {	/* best of three */
		double a = guest_run(guest, false), b = guest_run(guest, true);

		plain = a < plain ? a : plain;
		traced = b < traced ? b : traced;
	}
	printf("  (b) host time, dirty tracking on %.3f s, off %.3f s: ratio %.3f\n",
	       traced, plain, traced / plain);
}

/* A small seeded PRNG (xorshift64*): the same cluster every run. */
static uint64_t rnd(uint64_t *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 2685821657736338717ull;
}

/* 96 hosts and nvms modelled VMs, the same every run (x: the PRNG). */
static struct cluster *big_cluster(struct sim **s, uint64_t *x, int nvms)
{
	struct cluster *c;
	char err[GUEST_ERR_MAX];

	if (sim_create(&(struct sim_config){ .event_capacity = 1 << 16 }, s) != SIM_OK ||
	    cluster_create(*s, &(struct cluster_config){ .name = "big",
		    .shared_datastore = "san0" }, &c, err) != SIM_OK)
		die("cluster", "cannot create");
	for (int i = 0; i < CLUSTER_MAX_HOSTS; i++)
		if (cluster_add_host(c, &(struct cluster_host_config){
			    .host = { .pcpus = 64, .mhz = 2600,
				      .mem_mb = 1u << 20 } }, NULL, err) != SIM_OK)
			die("host", err);
	for (int i = 0; i < nvms; i++)
		if (cluster_add_vm(c, &(struct cluster_vm_config){
			    .host = i % CLUSTER_MAX_HOSTS,
			    .mem_mb = 1024u << (rnd(x) % 4),
			    .demand_mhz = (uint32_t)(rnd(x) % 4000),
			    .dirty_mb_s = (uint32_t)(rnd(x) % 200) },
			    NULL, err) != SIM_OK)
			die("vm", err);
	return c;
}

/* A VMotion of a random VM to a random host; true if it started. */
static bool random_vmotion(struct cluster *c, uint64_t *x)
{
	char err[GUEST_ERR_MAX];
	int vm = (int)(rnd(x) % (uint64_t)cluster_vm_count(c));
	int dst = (int)(rnd(x) % CLUSTER_MAX_HOSTS);

	return vmotion_start(c, vm, dst, &(struct precopy_params){
		.bandwidth_mb_s = 1250, .auto_converge = true }, NULL, err) == SIM_OK;
}

static void cluster_hour(void)
{
	struct sim *s;
	struct cluster *c;
	enum sim_stop why;
	uint64_t x = 88172645463325252ull;
	int started = 0, refused = 0, done = 0;
	double t0 = wall(), t_built, t_end;

	c = big_cluster(&s, &x, CLUSTER_MAX_VMS);
	t_built = wall() - t0;
	t0 = wall();
	for (uint64_t sec = 1; sec <= 3600; sec++) {
		if (random_vmotion(c, &x))
			started++;
		else
			refused++;
		sim_run_until(s, sec * SECOND, UINT64_MAX, &why);
	}
	t_end = wall() - t0;
	for (int i = 0; i < vmotion_count(c); i++)
		done += vmotion_get(c, i)->phase == MIG_DONE;
	printf("  (c) 96 hosts, 10,000 VMs: built in %.3f s; one simulated hour with a VMotion a second in %.3f s (target < 2 s)\n",
	       t_built, t_end);
	printf("      %d migrations started, %d done, %d refused (busy or same host); %llu events\n",
	       started, done, refused,
	       (unsigned long long)event_log_total(sim_events(s)));
	sim_destroy(s);
}

static void cluster_back(const char *ticker)
{
	struct sim *s;
	struct cluster *c;
	struct history *h;
	struct ha_cluster_config ha;
	char err[GUEST_ERR_MAX];
	enum sim_stop why;
	uint64_t x = 88172645463325252ull, pos, end;
	size_t heap;
	double t0, t_take, t_back;
	int n = 0, held;

	c = big_cluster(&s, &x, CLUSTER_MAX_VMS - 1);	/* and the clock */
	if (cluster_add_vm(c, &(struct cluster_vm_config){ .name = "clock",
		    .host = 0, .guest = ticker, .mem_mb = 4, .demand_mhz = 100 },
		    NULL, err) != SIM_OK)
		die(ticker, err);
	ha_cluster_config_default(&ha);
	ha.admission = HA_ADMISSION_OFF;
	if (drs_cluster_configure(c, &(struct drs_cluster_config){
		    .enabled = true, .automation = DRS_MANUAL }, err) != SIM_OK ||
	    ha_cluster_configure(c, &ha, err) != SIM_OK)
		die("drs/ha", err);
	for (uint64_t sec = 1; sec <= 20; sec++) {	/* HA's master by T15 */
		for (int k = 0; k < 4; k++)
			random_vmotion(c, &x);
		sim_run_until(s, sec * SECOND, UINT64_MAX, &why);
	}
	heap = mallinfo2().uordblks;
	t0 = wall();
	if (history_create(s, 20000, 0, &h) != SIM_OK)	/* one checkpoint */
		die("history", "cannot create");
	t_take = wall() - t0;
	heap = mallinfo2().uordblks - heap;
	pos = sim_insns(s);
	while (sim_now_ns(s) < 40 * SECOND && n++ < 1000)
		history_run(h, 20000, &why);	/* 20 s of VirtualCenter's work */
	end = sim_insns(s);
	held = history_checkpoints(h);
	t0 = wall();
	if (history_seek(h, pos + 1) != SIM_OK)
		die("history", history_refusal(h));
	t_back = wall() - t0;
	printf("  (d) a checkpoint of that world (DRS, HA on, %d VMotions in flight, a 4 MiB live clock): %.2f MB (%.0f bytes per VM; a VM's record is %zu, copied as one array), taken in %.1f ms\n",
	       vmotion_active(c), (double)heap / 1e6,
	       (double)heap / CLUSTER_MAX_VMS, sizeof(struct cluster_vm),
	       t_take * 1e3);
	printf("      stepping back over 20 simulated s of VirtualCenter's work (%llu instructions, %d checkpoints held) to just after the first: %.1f ms\n",
	       (unsigned long long)(end - pos), held, t_back * 1e3);
	history_destroy(h);
	sim_destroy(s);
}

int main(int argc, char **argv)
{
	const char *guest = argc > 1 ? argv[1] : "scenarios/guests/dirty.elf";
	const char *ticker = argc > 2 ? argv[2] : "build/guests/ticker.elf";

	printf("bench_cluster: VMotion and the cluster\n");
	precopy_overhead(guest);
	tracking_cost(guest);
	cluster_hour();
	cluster_back(ticker);
	return 0;
}
