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
	struct vm *vms[SIM_MAX_VMS];
	int nvms;
	struct host *hosts[SIM_MAX_HOSTS];
	int nhosts;
	uint64_t now_ns;		/* simulated time */
	/* the quantum being played (vmkernel_sched.c) */
	uint64_t q_start;		/* when it began */
	bool q_planned;			/* its pCPUs have their worlds */
	int q_host, q_pcpu;		/* the pCPU playing it out now */
	int stop_request;
};

void host_destroy(struct host *h);

#endif
