/*
 * precopy.c - iterative pre-copy, as numbers.  See precopy.h for the
 * algorithm and its sources.
 */
#include <math.h>
#include <stdio.h>

#include "cluster/cluster.h"
#include "cluster/precopy.h"
#include "status.h"

#define MIB (1024ull * 1024)

static const char *const stop_names[PRECOPY_STOP_COUNT] = {
	[PRECOPY_GOING] = "going",
	[PRECOPY_CONVERGED] = "converged",
	[PRECOPY_ROUND_CAP] = "max-rounds",
	[PRECOPY_FACTOR_CAP] = "max-data",
};

const char *precopy_stop_name(enum precopy_stop s)
{
	return (unsigned)s < PRECOPY_STOP_COUNT ? stop_names[s] : "?";
}

int precopy_params_check(struct precopy_params *p, char *err, size_t errlen)
{
	if (p->bandwidth_mb_s == 0)
		p->bandwidth_mb_s = PRECOPY_BANDWIDTH_MB_S;
	if (p->downtime_ms == 0)
		p->downtime_ms = PRECOPY_DOWNTIME_MS;
	if (p->max_rounds == 0)
		p->max_rounds = PRECOPY_MAX_ROUNDS;
	if (p->max_factor == 0)
		p->max_factor = PRECOPY_MAX_FACTOR;
	if (p->bandwidth_mb_s > 1000000) {
		snprintf(err, errlen, "bandwidth_mb_s is 1 to 1000000 MiB/s");
		return SIM_EINVAL;
	}
	if (p->downtime_ms > 60000) {
		snprintf(err, errlen, "downtime_ms is 1 to 60000");
		return SIM_EINVAL;
	}
	if (p->max_rounds < 1 || p->max_rounds > PRECOPY_ROUNDS_MAX - 1) {
		snprintf(err, errlen, "max_rounds is 1 to %d",
			 PRECOPY_ROUNDS_MAX - 1);
		return SIM_EINVAL;
	}
	return SIM_OK;
}

void precopy_start(struct precopy *pc, const struct precopy_params *p,
		   uint64_t ram_pages)
{
	*pc = (struct precopy){ .p = *p, .ram_pages = ram_pages };
	/* QEMU: threshold_size = bandwidth (bytes/ms) x downtime_limit (ms) */
	pc->threshold_pages = (uint64_t)p->bandwidth_mb_s * MIB *
			      p->downtime_ms / 1000 / CLUSTER_PAGE;
	pc->sending = ram_pages;
	pc->model = (long double)ram_pages;
}

uint64_t precopy_send_ns(const struct precopy *pc, uint64_t bytes)
{
	unsigned __int128 ns = (unsigned __int128)bytes * 1000000000u;
	uint64_t bps = (uint64_t)pc->p.bandwidth_mb_s * MIB;

	return (uint64_t)((ns + bps - 1) / bps);	/* rounded up */
}

/*
 * QEMU's auto-converge trigger: the round dirtied more than 50% of what
 * it sent; the second time that happens, throttle (and count again).
 */
static bool auto_converge(struct precopy *pc, uint64_t sent, uint64_t dirtied)
{
	if (!pc->p.auto_converge ||
	    dirtied * 100 <= sent * PRECOPY_TRIGGER_PCT ||
	    ++pc->high_rounds < 2)
		return false;
	pc->high_rounds = 0;
	if (pc->throttle_pct == 0)
		pc->throttle_pct = PRECOPY_THROTTLE_INITIAL;
	else if (pc->throttle_pct + PRECOPY_THROTTLE_STEP < PRECOPY_THROTTLE_MAX)
		pc->throttle_pct += PRECOPY_THROTTLE_STEP;
	else
		pc->throttle_pct = PRECOPY_THROTTLE_MAX;
	return true;
}

enum precopy_stop precopy_round_done(struct precopy *pc, uint64_t dirtied,
				     bool *throttled)
{
	uint64_t sent_now = pc->sending;

	*throttled = false;
	if (pc->rounds < PRECOPY_ROUNDS_MAX)
		pc->round_pages[pc->rounds] = sent_now;
	pc->rounds++;
	pc->sent += sent_now;
	if (dirtied > pc->ram_pages)
		dirtied = pc->ram_pages;
	if (dirtied <= pc->threshold_pages)
		pc->stop = PRECOPY_CONVERGED;
	else if (pc->rounds >= pc->p.max_rounds)
		pc->stop = PRECOPY_ROUND_CAP;
	else if (!pc->p.auto_converge &&
		 pc->sent > (uint64_t)pc->p.max_factor * pc->ram_pages)
		pc->stop = PRECOPY_FACTOR_CAP;	/* QEMU's mode has no cap */
	if (pc->stop != PRECOPY_GOING) {
		pc->final_pages = dirtied;
		pc->sending = 0;
		return pc->stop;
	}
	*throttled = auto_converge(pc, sent_now, dirtied);
	pc->sending = dirtied;
	return PRECOPY_GOING;
}

uint64_t precopy_model_dirtied(struct precopy *pc, uint32_t dirty_mb_s,
			       uint64_t wss_pages)
{
	long double l = (long double)dirty_mb_s *
			(100 - pc->throttle_pct) / 100 / pc->p.bandwidth_mb_s;
	uint64_t pages;

	pc->model *= l;
	if (pc->model > (long double)wss_pages)
		pc->model = (long double)wss_pages;
	pages = (uint64_t)llroundl(pc->model);
	/* the next round starts from what is really sent */
	return pages;
}
