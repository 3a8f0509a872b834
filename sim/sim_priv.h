/*
 * sim_priv.h - the world's insides, for the sim/ files that play it
 * (vmkernel_*.c, host.c) and snapshot it (history.c).  Not public API.
 */
#ifndef SIM_SIM_PRIV_H
#define SIM_SIM_PRIV_H

#include <stdbool.h>

#include "sim.h"

struct sim {
	struct sim_config cfg;
	struct event_log *log;
	struct disasm *dis;
	struct vm **vms;		/* growable table, nvms used */
	int nvms, vms_cap;
	struct host **hosts;		/* growable table, nhosts used */
	int nhosts, hosts_cap;
	struct sim_part parts[SIM_MAX_PARTS];	/* clusters... */
	int nparts;
	uint64_t now_ns;		/* simulated time */
	/* the quantum being played (vmkernel_sched.c) */
	uint64_t q_start;		/* when it began */
	bool q_planned;			/* its pCPUs have their worlds */
	int q_host, q_pcpu;		/* the pCPU playing it out now */
	int stop_request;
};

void host_destroy(struct host *h);

/*
 * Grow a table of pointers (or an array of `size`-byte records) to hold
 * n+1 entries, doubling, at most max: SIM_ESTATE beyond it.
 */
int sim_grow(void ***table, int *cap, int n, int max);
int sim_grow_array(void **array, int *cap, int n, int max, size_t size);

/*
 * Tick the parts whose deadline has come (at or before now); returns the
 * earliest deadline left (UINT64_MAX: none); *busy: some part has work
 * under way.
 */
uint64_t sim_tick_parts(struct sim *s, uint64_t now, bool *busy);

#endif
