/*
 * precopy.h - the arithmetic of iterative pre-copy, the algorithm behind
 * VMotion, Xen's and QEMU's live migration [src: Clark et al., "Live
 * Migration of Virtual Machines", NSDI 2005; Nelson et al., "Fast
 * Transparent Migration for Virtual Machines", USENIX ATC 2005].
 *
 * Pure functions of numbers: no simulator, no time source.  vmotion.c
 * feeds it what each round really dirtied (a live VM's write-tracked
 * pages) or what the load profile says (a modelled VM), and follows its
 * decisions.
 *
 *   round 0      send all of RAM (M pages) while the guest runs on;
 *   round i      send the pages dirtied during round i-1;
 *   switch over  when what is left can be sent within the downtime limit
 *                at the link's bandwidth (QEMU migration/migration.c: the
 *                threshold is bandwidth x downtime-limit);
 *   give up      after max_rounds rounds or once more than 3 x RAM has
 *                been sent (Xen tools/libxc/xc_domain_save.c:
 *                DEF_MAX_ITERS 29, DEF_MAX_FACTOR 3) and stop-and-copy
 *                whatever is left, however long that stuns the guest;
 *   auto-converge  (QEMU migration/ram.c, migration_trigger_throttle):
 *                when a round dirtied more than 50% of what it sent, for
 *                the second time, throttle the guest's CPU: 20% first, then
 *                +10% each time, at most 99%.  QEMU has no cap on the data
 *                sent, so with auto-converge only max_rounds applies.
 *
 * With a constant dirty rate D and bandwidth R this is the geometric
 * model: round i sends M*l^i pages, l = D/R [src: cluster-facts.md].
 */
#ifndef SIM_PRECOPY_H
#define SIM_PRECOPY_H

#include <stdbool.h>
#include <stdint.h>

/* QEMU's and Xen's defaults (migration/options.c; xc_domain_save.c) */
#define PRECOPY_BANDWIDTH_MB_S 128	/* max-bandwidth, MiB/s (QEMU 5.2+) */
#define PRECOPY_DOWNTIME_MS 300		/* downtime-limit */
#define PRECOPY_MAX_ROUNDS 30		/* Xen: DEF_MAX_ITERS 29, + round 0 */
#define PRECOPY_MAX_FACTOR 3		/* Xen: never send more than 3 x RAM */
#define PRECOPY_THROTTLE_INITIAL 20	/* cpu-throttle-initial, % */
#define PRECOPY_THROTTLE_STEP 10	/* cpu-throttle-increment, % */
#define PRECOPY_THROTTLE_MAX 99		/* max-cpu-throttle, % */
#define PRECOPY_TRIGGER_PCT 50		/* throttle-trigger-threshold, % */
#define PRECOPY_ROUNDS_MAX 64		/* rounds ringside keeps figures for */

struct precopy_params {
	uint32_t bandwidth_mb_s;	/* the link (MiB/s) */
	uint32_t downtime_ms;		/* the switch-over's limit */
	int max_rounds;			/* live rounds at most */
	uint32_t max_factor;		/* stop after sending this x RAM */
	bool auto_converge;
};

/* Why pre-copy stopped. */
enum precopy_stop {
	PRECOPY_GOING = 0,		/* still sending rounds */
	PRECOPY_CONVERGED,		/* what is left fits the downtime limit */
	PRECOPY_ROUND_CAP,		/* max_rounds rounds sent */
	PRECOPY_FACTOR_CAP,		/* more than max_factor x RAM sent */
	PRECOPY_STOP_COUNT
};

const char *precopy_stop_name(enum precopy_stop s);

/* A pre-copy in progress. */
struct precopy {
	struct precopy_params p;
	uint64_t ram_pages;		/* M */
	uint64_t threshold_pages;	/* switch over at or below this */
	int rounds;			/* live rounds finished */
	uint64_t sending;		/* pages of the round under way */
	uint64_t sent;			/* pages sent by finished rounds */
	uint64_t round_pages[PRECOPY_ROUNDS_MAX];	/* per round */
	uint32_t throttle_pct;		/* auto-converge's throttle now */
	int high_rounds;		/* rounds that dirtied > 50% sent */
	enum precopy_stop stop;
	uint64_t final_pages;		/* stop-and-copy: pages left */
	long double model;		/* modelled: round i's exact M*l^i */
};

/*
 * Fill in defaults (0 fields), check ranges: SIM_EINVAL with a message
 * naming the field for a bandwidth of 0 or more than 1,000,000 MiB/s, a
 * downtime of more than 60,000 ms, or more than PRECOPY_ROUNDS_MAX - 1
 * rounds.
 */
int precopy_params_check(struct precopy_params *p, char *err, size_t errlen);

/* Start: round 0 will send all ram_pages. */
void precopy_start(struct precopy *pc, const struct precopy_params *p,
		   uint64_t ram_pages);

/* Simulated ns to send `bytes` over the link. */
uint64_t precopy_send_ns(const struct precopy *pc, uint64_t bytes);

/*
 * The round under way (pc->sending pages) has been sent, and the guest
 * dirtied `dirtied` pages meanwhile.  Decide: another round (returns
 * PRECOPY_GOING; pc->sending is the next round's pages) or stop
 * (pc->final_pages to stop-and-copy).  *throttled: auto-converge raised
 * pc->throttle_pct just now.
 */
enum precopy_stop precopy_round_done(struct precopy *pc, uint64_t dirtied,
				     bool *throttled);

/*
 * A modelled guest's pages dirtied while round `pages` was sent: the
 * geometric model, D (MiB/s, slowed by the throttle) over R, times what
 * the round sent, to the nearest page, at most wss_pages (a guest cannot
 * dirty more memory than it touches).  Keeps the exact value in pc->model
 * so that rounding does not accumulate: round i is round(M * l^i).
 */
uint64_t precopy_model_dirtied(struct precopy *pc, uint32_t dirty_mb_s,
			       uint64_t wss_pages);

#endif
