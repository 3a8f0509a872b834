/*
 * sim_priv.h - the world's insides, for the sim/ files that snapshot and
 * restore it (history.c).  Not part of the public API.
 */
#ifndef SIM_SIM_PRIV_H
#define SIM_SIM_PRIV_H

#include "sim.h"

struct sim {
	struct sim_config cfg;
	struct event_log *log;
	struct disasm *dis;
	struct vm *vms[SIM_MAX_VMS];
	int nvms;
	uint64_t now_ns;		/* simulated time */
	int cur;			/* whose slice it is (index over all vCPUs) */
	uint64_t slice_left;		/* instructions left in that slice */
	int stop_request;
};

#endif
