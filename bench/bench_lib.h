/*
 * bench_lib.h - what bench_cpu's parts share: the clock, the pause before
 * each timed run, the statistics of a few runs, and guests run on the
 * bare CPU library (Unicorn alone, no VMM) with the hooks a simulator
 * could count with.
 */
#ifndef BENCH_LIB_H
#define BENCH_LIB_H

#include <stdint.h>

struct disasm;

#define BENCH_RAM_SIZE (128u << 20)
#define BENCH_PAGE_SHIFT 12
#define BENCH_BLOCK_SLOTS 4096	/* the block hook's table, direct-mapped */
#define BENCH_MAX_RUNS 15	/* the most runs any figure is taken over */

/* Monotonic host time, in seconds. */
double bench_now(void);

/*
 * Sleep BENCH_PAUSE_MS before a timed run.  Code Unicorn has just
 * translated runs slowly until the thread has paused for a millisecond
 * or two (bench_raw_fresh shows it; docs/performance.md has what was
 * tried): each timed run, or slice of one, starts after a pause, so
 * that every one is timed in the same, steady state.
 */
#define BENCH_PAUSE_MS 5
void bench_pause(void);

/*
 * Other work on the machine: bench_others_start() marks a moment,
 * bench_others() says how many CPUs' worth of time (0.0 to nproc) went
 * to anything but this process since then, by /proc/stat's non-idle
 * time less the process's own CPU time (-1 if /proc/stat cannot be
 * read).  The other vCPU of this VM shares a physical core's load and
 * store machinery with the bench's (docs/performance.md): a figure
 * well above 0 says its runs were timed beside other work.
 */
struct bench_others {
	double busy;		/* /proc/stat: non-idle seconds, all CPUs */
	double self;		/* this process's CPU seconds */
};
void bench_others_start(struct bench_others *o);
double bench_others(const struct bench_others *o, double wall);

/* The smallest of t[0..n), and the median (n <= BENCH_MAX_RUNS). */
double bench_fastest(const double *t, int n);
double bench_median(const double *t, int n);
/* The median of num[i] / den[i] over n runs taken side by side. */
double bench_median_ratio(const double *num, const double *den, int n);

/* The hooks a raw run adds to the I/O every guest needs (flags). */
enum raw_hooks {
	RAW_NONE = 0,		/* (a) */
	RAW_BLOCK = 1 << 0,	/* a block hook counting each block, by address */
	RAW_CODE = 1 << 1,	/* a code hook on every instruction */
	RAW_DECODE = 1 << 2,	/* the same, decoding the instruction too */
	RAW_GUARD = 1 << 3,	/* a load and store hook on the VMM's area
				   only, which the guest never touches */
	RAW_WRITES = 1 << 4,	/* a store hook marking the page written */
	RAW_GUARD_PROT = 1 << 5, /* the VMM's area mapped for fetching only,
				   a hook on its protected loads and stores
				   (the guard as it cannot be: loads' EIP
				   stale, sim/cpu/cpu_hooks.c) */
};

/* A block the block hook has seen, and how often it ran. */
struct raw_block {
	uint64_t addr;
	uint32_t size;
	uint64_t runs;
};

/* A raw run: its hooks, and what they keep (large: allocate it). */
struct raw {
	unsigned hooks;		/* enum raw_hooks */
	uint64_t limit;		/* code hooks: stop after this many (0: none) */
	uint64_t insns;		/* OUT: instructions a code hook saw */
	uint64_t blocks;	/* OUT: blocks the block hook saw */
	const uint8_t *ram;	/* the guest's RAM, for the decoder */
	uint8_t *area;		/* RAW_GUARD_PROT's VMM area (the caller
				   frees it) */
	struct disasm *dis;	/* RAW_DECODE's decoder */
	struct raw_block block[BENCH_BLOCK_SLOTS];
	uint8_t dirty[BENCH_RAM_SIZE >> BENCH_PAGE_SHIFT]; /* a byte a page */
};

/* A set of hooks to time, and its name in the report. */
struct raw_set {
	unsigned hooks;		/* enum raw_hooks */
	uint64_t limit;		/* a code hook's last instruction; 0: none */
	const char *name;
};

/* What a set's hooks saw in its last run. */
struct raw_seen {
	uint64_t insns;		/* the code hook's instructions */
	uint64_t blocks;	/* the block hook's blocks */
};

/*
 * An engine holding the guest at path, with r's hooks, its code
 * translated by a first run (a warm engine): bench_raw_time times one
 * more run in it, after a pause (r's counts are that run's).
 */
struct bench_warm;
struct bench_warm *bench_raw_open(const char *path, struct raw *r);
double bench_raw_time(struct bench_warm *w);
void bench_raw_close(struct bench_warm *w);

/* The best of runs runs of path's guest in a warm engine with r's hooks. */
double bench_raw_run(const char *path, struct raw *r, int runs);

/*
 * Raw runs of path with each of the n hook sets, repeats times (each a
 * warm run after a pause): the time of set k's i-th run in t[k][i], and
 * what its hooks saw in seen[k].  The sets take turns, so a run and the
 * other sets' runs beside it share the machine's mood of the moment:
 * their ratio is steadier than the ratio of two bests.
 */
void bench_raw_runs(const char *path, const struct raw_set *set, int n,
		    int repeats, struct raw *r, double t[][BENCH_MAX_RUNS],
		    struct raw_seen *seen);

/* Three runs of the guest in one fresh engine, no hooks (seconds). */
struct bench_fresh {
	double first;		/* translating its code as it goes */
	double at_once;		/* again, straight after */
	double paused;		/* again, after a pause */
};

/* What a pause does to freshly translated code, on Unicorn alone. */
void bench_raw_fresh(const char *path, struct raw *r, struct bench_fresh *out);

#endif
