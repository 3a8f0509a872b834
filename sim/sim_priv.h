/*
 * sim_priv.h - the world's insides, for the sim/ files that play it
 * (vmkernel_*.c, host.c) and keep checkpoints of it (history.c).  Not
 * public API.
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
	/* the work so far of parts that cannot save their state (no
	   sim_part.save): how many times one was ticked, and when last;
	   the world cannot go back before that (history.c) */
	uint64_t parts_acted, parts_acted_ns;
	bool parts_held;		/* sim_hold_parts */
	uint64_t now_ns;		/* simulated time */
	/* the quantum being played (vmkernel_sched.c) */
	uint64_t q_start;		/* when it began */
	bool q_planned;			/* its pCPUs have their worlds */
	int q_host, q_pcpu;		/* the pCPU playing it out now */
	int stop_request;
	bool (*poll)(void *ctx);	/* sim_set_poll */
	void *poll_ctx;
};

/*
 * A new host `id` of world s (host.c): cfg checked, defaults filled in, its
 * VMKernel made; err says what is wrong with cfg.  host_boot announces it
 * (EV_HOST) once the world holds it.
 */
int host_create(struct sim *s, int id, const struct host_config *cfg,
		struct host **out, char err[GUEST_ERR_MAX]);
void host_boot(struct host *h);
void host_destroy(struct host *h);

/* A host's session and scheduler, saved and put back (host.c). */
struct host_state;
int host_state_save(const struct host *h, struct host_state **out);
int host_state_load(struct host *h, const struct host_state *st);
bool host_state_fits(const struct host *h, const struct host_state *st);
void host_state_free(struct host_state *st);

/* The world's clock and the quantum being played (sim.c). */
struct sim_clock {
	uint64_t now_ns;
	uint64_t q_start;
	bool q_planned;
	int q_host, q_pcpu;
	uint64_t next_seq;		/* the event log's next sequence number */
	uint64_t parts_acted;		/* sim.parts_acted then */
	int nparts;
	uint64_t part_due[SIM_MAX_PARTS];	/* each part's deadline */
	bool part_busy[SIM_MAX_PARTS];
};
void sim_clock_save(const struct sim *s, struct sim_clock *out);
/* Put the clock back; events logged after it was saved are dropped. */
void sim_clock_load(struct sim *s, const struct sim_clock *c);

/*
 * Can the world go back to clock c?  Not once a part that cannot save its
 * state (no sim_part.save) has acted since, nor if a part was attached
 * since.  (A cluster's VirtualCenter saves its state: history.c keeps it.)
 */
bool sim_clock_fits(const struct sim *s, const struct sim_clock *c);

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
