/*
 * bench_cpu.c - how fast does ringside run guest code, compared with the
 * bare CPU library?
 *
 * Runs one guest (default scenarios/guests/bench.elf: a 100M-instruction
 * loop) several ways in the same process:
 *   (a) raw: Unicorn alone, no block or code hooks, guest at ring 0; only
 *       the IN/OUT hooks the guest's serial polling needs (they cost
 *       nothing outside I/O instructions);
 *   (b) ringside: the full VMM, trap-and-emulate, exact per-class counts;
 *   (c) the same under binary translation (the loop runs translated, from
 *       the translation cache, chained to itself);
 *   (d) the same under the hardware-assist model.
 * Prints MIPS for each and its ratio to (a), then the cost of one
 * trap-and-emulate round trip (tests/guests/traps.S: 200000 CLI/STI at
 * ring 0).
 *
 * Timing.  Code Unicorn has just translated runs slowly until the thread
 * pauses for a millisecond or two, raw Unicorn as much as ringside (the
 * "fresh code" line shows it on (a)'s guest).  So (a) is the best of
 * at least RAW_RUNS runs of a warm engine, each after a pause
 * (bench_lib.c), and each ringside run, a fresh simulator, is cut into
 * SLICES slices of guest instructions, each timed after a pause; the
 * run's time is their sum.  The best and the median of MODE_RUNS such
 * runs are printed, taken in rounds with raw runs beside them, and two
 * ratios: (a)'s best time to the mode's best, and the median of the
 * rounds' ratios, steadier when other work on the machine comes and goes.
 *
 * Then what ringside's design rests on (docs/ARCHITECTURE.md, "Unicorn
 * 2.0.1 on this machine"): Unicorn alone with one hook more than (a), the
 * hooks a simulator could count instructions with: a block hook keeping
 * per-block counts in a table by address (what sim/cpu/cpu_hooks.c does),
 * a code hook on every instruction, and a code hook that also decodes
 * each instruction (capstone, through sim/cpu/disasm.c); and on
 * scenarios/guests/dirty.elf, which loads and stores all the time, a
 * memory-write hook marking each written page, the way ringside tracks
 * dirty pages, then the guard over the VMM's area on top of it, as
 * ringside makes it, a load/store hook, and the area protected.
 *
 * Then the cost of one touch of memory that does not exist
 * (tests/guests/vmmzero.S: 1,048,576 stores into the VMM's area, each a
 * no-memory trap, or a VM exit under hw) in each mode.
 *
 * Last of all, a loop of x87 arithmetic beside plain loads
 * (tests/guests/x87loop.S), which the VMM runs partly one instruction at
 * a time, and a loop that patches its own code (tests/guests/smcbench.S),
 * in each mode against raw Unicorn.
 *
 * Figures, never a pass/fail: the target (b/a >= 0.33) is reported, not
 * asserted.  Usage:
 *   bench_cpu [bench.elf [traps.elf [vmmzero.elf [dirty.elf [x87loop.elf [smcbench.elf]]]]]]
 *   bench_cpu --loops [x87loop.elf [smcbench.elf]]   the last two only
 *   bench_cpu --memory [dirty.elf]                    the memory hooks only
 *   bench_cpu --modes [bench.elf [traps.elf]]         (a)-(d) and traps only
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_lib.h"
#include "cpu/disasm.h"
#include "event.h"
#include "vmm/bt.h"
#include "vmm/vmm.h"
#include "vmx/guest.h"
#include "sim.h"
#include "status.h"

#define REPEATS 3	/* best of three: the runs are short or many */
#define MODE_RUNS 7	/* ringside's runs of a guest in each mode */
#define RAW_RUNS 15	/* (a)'s warm runs */
#define SLICES 10	/* a ringside run's slices, each after a pause */
/*
 * The runs of bench.elf without a code hook take a few hundredths of a
 * second, so a busy machine's noise is a large part of one: best of more.
 */
#define HOOK_REPEATS 7
/*
 * A code hook that decodes runs at about a thousandth of (a)'s speed: it
 * is timed over the guest's first instructions only, or one run would
 * take a minute.
 */
#define DECODE_LIMIT 2000000u

/* What a run under ringside's VMM did. */
struct run {
	double seconds;		/* host time: the sum of its slices' */
	uint64_t insns;		/* guest instructions */
	uint64_t blocks;	/* blocks the fast engine ran */
	uint64_t nomem;		/* no-memory traps */
	uint64_t units;		/* translation units translated (bt) */
	struct vcpu_stats st;
};

/* A guest's runs in one mode. */
struct mode_runs {
	struct run best;			/* the fastest */
	double t[BENCH_MAX_RUNS];		/* each run's time */
	int n;
};

static void count_nomem(void *ctx, const struct event *ev)
{
	if (ev->u.trap.action == TRAP_NO_MEMORY)
		++*(uint64_t *)ctx;
}

/*
 * The guest at path under ringside's VMM, in a fresh simulator, slice
 * guest instructions at a time, each slice timed after a pause (slice 0:
 * the whole run at once, untimed pause included).
 */
static void run_ringside(const char *path, enum exec_mode mode,
			 uint64_t slice, struct run *out)
{
	struct sim *s;
	struct vm *vm;
	char err[GUEST_ERR_MAX] = "cannot create the simulator";
	enum sim_stop why = SIM_STOP_BUDGET;
	double t;

	out->nomem = 0;
	out->seconds = 0;
	if (sim_create(NULL, &s) != SIM_OK ||
	    event_log_subscribe(sim_events(s), EVENT_MASK(EV_TRAP), count_nomem,
				&out->nomem) < 0 ||
	    sim_add_vm(s, &(struct vm_config){ .guest = path, .mode = mode },
		       &vm, err) !=
	    SIM_OK) {
		fprintf(stderr, "bench: %s\n", err);
		exit(2);
	}
	while (why == SIM_STOP_BUDGET && sim_insns(s) < 2000000000ull) {
		bench_pause();
		t = bench_now();
		sim_run(s, slice ? slice : 2000000000ull, &why);
		out->seconds += bench_now() - t;
	}
	out->insns = sim_insns(s);
	out->st = vm->vcpu[0]->stats;
	out->blocks = vm->vcpu[0]->run.blocks_run;
	out->units = 0;
	if (vm->vcpu[0]->bt != NULL) {
		struct bt_stats bs;

		bt_get_stats(vm->vcpu[0]->bt, &bs);
		out->units = bs.units;
	}
	if (vm->state != VM_OFF || vm->power_reason != POWER_DEBUG_EXIT)
		fprintf(stderr, "bench: warning: the guest did not finish cleanly\n");
	sim_destroy(s);
}

/* The slice that cuts path's run into SLICES (a run to count it first). */
static uint64_t slice_of(const char *path)
{
	struct run run;

	run_ringside(path, MODE_TE, 0, &run);
	return run.insns / SLICES + 1;
}

/* run into m, its time among m's. */
static void keep_run(struct mode_runs *m, const struct run *run)
{
	if (m->n == 0 || run->seconds < m->best.seconds)
		m->best = *run;
	m->t[m->n++] = run->seconds;
}

/*
 * m's best run and its ratio to raw's best time (raw[0..m->n), taken
 * side by side with m's), and the median of the ratios run by run.
 */
static void print_runs(const struct mode_runs *m, const double *raw)
{
	double ta = bench_fastest(raw, m->n);

	printf("%8.3f s %8.1f MIPS  ratio %.3f; median %.3f s, ratio %.3f",
	       m->best.seconds,
	       (double)m->best.insns / m->best.seconds / 1e6,
	       ta / m->best.seconds, bench_median(m->t, m->n),
	       bench_median_ratio(raw, m->t, m->n));
}

static const enum exec_mode modes[3] = { MODE_TE, MODE_BT, MODE_HW };
static const char *const mode_names[3] = { "te", "bt", "hw" };

/*
 * The guest at path on raw Unicorn (no hooks) and in each mode, runs
 * rounds of one run in each mode (sliced) and raw runs in a warm engine,
 * at least RAW_RUNS in all: so that a noisy spell of the machine falls
 * on all of them alike, and each mode's runs have raw ones beside them.
 * raw[i] is round i's best raw time; (a) is the best of all.
 */
static void best_of_modes(const char *path, int runs, struct raw *r,
			  struct mode_runs m[3], double raw[BENCH_MAX_RUNS])
{
	uint64_t slice = slice_of(path);
	int per_round = (RAW_RUNS + runs - 1) / runs;
	struct bench_warm *w;

	r->hooks = RAW_NONE;
	w = bench_raw_open(path, r);
	for (int k = 0; k < 3; k++)
		m[k].n = 0;
	for (int i = 0; i < runs; i++) {
		raw[i] = 1e9;
		for (int j = 0; j < per_round; j++) {
			double t = bench_raw_time(w);

			if (t < raw[i])
				raw[i] = t;
		}
		for (int k = 0; k < 3; k++) {
			struct run run;

			run_ringside(path, modes[k], slice, &run);
			keep_run(&m[k], &run);
		}
	}
	bench_raw_close(w);
}

/* (a) to (d) and the trap round trip; returns the guest's instruction count. */
static uint64_t bench_modes(const char *path, const char *traps, struct raw *r)
{
	static const char *const names[3] = {
		"(b) ringside te, exact counts", "(c) ringside bt, exact counts",
		"(d) ringside hw, exact counts",
	};
	struct mode_runs m[3], trap = { .n = 0 };
	struct bench_fresh fresh;
	double raw[BENCH_MAX_RUNS], ta, mips_a;
	uint64_t slice = slice_of(traps);
	const struct run *b = &m[0].best;

	struct bench_others others;
	double t0 = bench_now(), load;

	bench_others_start(&others);
	best_of_modes(path, MODE_RUNS, r, m, raw);
	load = bench_others(&others, bench_now() - t0);
	ta = bench_fastest(raw, MODE_RUNS);
	for (int i = 0; i < MODE_RUNS; i++) {
		struct run run;

		run_ringside(traps, MODE_TE, slice, &run);
		keep_run(&trap, &run);
	}
	mips_a = (double)b->insns / ta / 1e6;
	printf("bench: %s, %llu guest instructions (%llu innocuous, %llu io)\n",
	       path, (unsigned long long)b->insns,
	       (unsigned long long)b->st.by_class[CLASS_INNOCUOUS],
	       (unsigned long long)b->st.by_class[CLASS_IO]);
	printf("  (a) best of %d warm runs; (b)-(d) best and median of %d, each in %d slices, a %d ms pause before each;\n"
	       "  ratio: (a)'s time to the best, and the median of the runs' ratios, each to the raw runs beside it\n",
	       MODE_RUNS * ((RAW_RUNS + MODE_RUNS - 1) / MODE_RUNS), MODE_RUNS,
	       SLICES, BENCH_PAUSE_MS);
	printf("  (a) raw Unicorn, no hooks      %8.3f s %8.1f MIPS\n", ta, mips_a);
	for (int k = 0; k < 3; k++) {
		printf("  %-30s ", names[k]);
		print_runs(&m[k], raw);
		printf(" (target >= 0.33: %s)\n",
		       ta / m[k].best.seconds >= 0.33 ? "met" : "NOT met");
	}
	printf("  other work on the machine meanwhile: %.2f CPUs (bench_others)\n",
	       load);
	printf("  blocks run: te %llu, bt %llu, hw %llu; bt callouts %llu, hw exits %llu\n",
	       (unsigned long long)m[0].best.blocks,
	       (unsigned long long)m[1].best.blocks,
	       (unsigned long long)m[2].best.blocks,
	       (unsigned long long)m[1].best.st.callouts,
	       (unsigned long long)m[2].best.st.exits);
	bench_raw_fresh(path, r, &fresh);
	printf("  fresh code, (a) in a new engine: first run %.3f s, again at once %.3f s, again after the pause %.3f s\n",
	       fresh.first, fresh.at_once, fresh.paused);
	printf("trap-and-emulate: %s, %llu privileged instructions trapped in %.3f s: %.2f us per trap\n",
	       traps, (unsigned long long)trap.best.st.traps, trap.best.seconds,
	       trap.best.st.traps ?
	       trap.best.seconds * 1e6 / (double)trap.best.st.traps : 0.0);
	return b->insns;
}

/*
 * Unicorn alone with a hook more than (a), on the same guest: n is its
 * instruction count.
 */
static void bench_hooks(const char *path, uint64_t n, struct raw *r)
{
	static const struct raw_set set[4] = {
		{ RAW_NONE, 0, "(a) again, no hooks" },
		{ RAW_BLOCK, 0, "a block hook, counting blocks" },
		{ RAW_CODE, 0, "a code hook" },
		{ RAW_DECODE, DECODE_LIMIT, "a code hook, decoding" },
	};
	double t[4][BENCH_MAX_RUNS], best, insns;
	struct raw_seen seen[4];

	bench_raw_runs(path, set, 4, HOOK_REPEATS, r, t, seen);
	printf("Unicorn alone with a hook more than (a): %s, best of %d; ratio of the speeds, the median of the %d side by side\n",
	       path, HOOK_REPEATS, HOOK_REPEATS);
	for (int k = 0; k < 4; k++) {
		best = bench_fastest(t[k], HOOK_REPEATS);
		insns = (double)(set[k].limit ? seen[k].insns : n);
		printf("  %-30s %8.3f s  %8.1f MIPS", set[k].name, best,
		       insns / best / 1e6);
		if (k > 0)	/* speed k / speed 0 = its share of n, times t0 / tk */
			printf("  ratio %#.3g", insns / (double)n *
			       bench_median_ratio(t[0], t[k], HOOK_REPEATS));
		if (set[k].hooks == RAW_BLOCK)
			printf(" (%llu blocks)", (unsigned long long)seen[k].blocks);
		if (set[k].limit)
			printf(" (its first %llu instructions)",
			       (unsigned long long)seen[k].insns);
		printf("\n");
	}
}

/*
 * Memory hooks on a guest that loads and stores: none; a store hook
 * marking each page the guest writes (ringside's, which it needs for
 * dirty pages and code changes); then the guard over the VMM's area
 * (which the guest never touches) on top of it, two ways: a load and
 * store hook on the area (ringside's), and the area protected with a
 * hook on its protected accesses (cheaper, but a load's EIP is then
 * stale: sim/cpu/cpu_hooks.c).  Each ratio is to the store hook's line:
 * what the guard adds.
 */
static void bench_memory_hooks(const char *dirty, struct raw *r)
{
	static const struct raw_set set[4] = {
		{ RAW_NONE, 0, "none" },
		{ RAW_WRITES, 0, "one marking written pages" },
		{ RAW_WRITES | RAW_GUARD, 0, "and the guard: a load/store hook" },
		{ RAW_WRITES | RAW_GUARD_PROT, 0, "and the guard: protection" },
	};
	double t[4][BENCH_MAX_RUNS];
	struct raw_seen seen[4];

	bench_raw_runs(dirty, set, 4, REPEATS, r, t, seen);
	printf("Unicorn alone with memory hooks: %s, best of %d; ratio of the times, the median of the %d side by side\n",
	       dirty, REPEATS, REPEATS);
	for (int k = 0; k < 4; k++) {
		printf("  %-33s %8.3f s", set[k].name, bench_fastest(t[k], REPEATS));
		if (k > 0)
			printf("  ratio %.2f to %s", bench_median_ratio(t[k],
			       t[k > 1], REPEATS), k > 1 ? "the second" : "none");
		printf("\n");
	}
}

/* One touch of memory that does not exist, in each mode. */
static void bench_nomem(const char *vmmzero)
{
	struct run best, run;

	printf("no-memory traps: %s, best of %d\n", vmmzero, REPEATS);
	for (int k = 0; k < 3; k++) {
		best.seconds = 1e9;
		best.nomem = 0;
		for (int i = 0; i < REPEATS; i++) {
			run_ringside(vmmzero, modes[k], 0, &run);
			if (run.seconds < best.seconds)
				best = run;
		}
		printf("  %s: %llu in %.3f s: %.2f us each\n", mode_names[k],
		       (unsigned long long)best.nomem, best.seconds,
		       best.nomem ? best.seconds * 1e6 / (double)best.nomem : 0.0);
	}
}

/*
 * A loop each mode runs in its own way, against raw Unicorn on the same
 * guest: title, then the best and median of REPEATS runs in each mode.
 * Two such loops, whose ratios are to be set beside (b)-(d)'s:
 *
 * x87 arithmetic on memory beside a plain load (tests/guests/x87loop.S):
 * a block the VMM must not run whole when any access of its x87
 * instructions could be one of nothing, as Unicorn reports those with a
 * previous instruction's EIP (BLOCK_STALE_MIXED, sim/vmm/blockcache.c).
 *
 * Self-modifying code (tests/guests/smcbench.S, smcloop.S's loop 50,000
 * times): two stores an iteration patch the next instruction.  Unicorn
 * retranslates its block each time, in every mode and raw too; under bt
 * the translator also drops the unit holding the patched bytes and
 * translates it again (sim/vmm/bt_smc.c): the units translated say how
 * often.
 */
static void bench_loop(const char *title, const char *path, struct raw *r)
{
	struct mode_runs m[3];
	double raw[BENCH_MAX_RUNS], ta;

	best_of_modes(path, REPEATS, r, m, raw);
	ta = bench_fastest(raw, REPEATS);
	printf("%s: %s, %llu guest instructions; raw best of %d, ringside best and median of %d\n",
	       title, path, (unsigned long long)m[0].best.insns,
	       REPEATS * ((RAW_RUNS + REPEATS - 1) / REPEATS), REPEATS);
	printf("  %-30s %8.3f s %8.1f MIPS\n", "raw Unicorn, no hooks", ta,
	       (double)m[0].best.insns / ta / 1e6);
	for (int k = 0; k < 3; k++) {
		printf("  ringside %-21s ", mode_names[k]);
		print_runs(&m[k], raw);
		printf(" (%llu blocks run whole, %llu units translated)\n",
		       (unsigned long long)m[k].best.blocks,
		       (unsigned long long)m[k].best.units);
	}
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "scenarios/guests/bench.elf";
	const char *traps = argc > 2 ? argv[2] : "build/guests/traps.elf";
	const char *vmmzero = argc > 3 ? argv[3] : "build/guests/vmmzero.elf";
	const char *dirty = argc > 4 ? argv[4] : "scenarios/guests/dirty.elf";
	const char *x87 = argc > 5 ? argv[5] : "build/guests/x87loop.elf";
	const char *smc = argc > 6 ? argv[6] : "build/guests/smcbench.elf";
	struct raw *r = calloc(1, sizeof *r);
	uint64_t n;

	if (r == NULL || disasm_create(&r->dis) != SIM_OK) {
		fprintf(stderr, "bench: out of memory\n");
		return 2;
	}
	if (argc > 1 && strcmp(argv[1], "--loops") == 0) {
		bench_loop("x87 beside plain loads",
			   argc > 2 ? argv[2] : "build/guests/x87loop.elf", r);
		bench_loop("self-modifying code",
			   argc > 3 ? argv[3] : "build/guests/smcbench.elf", r);
		disasm_destroy(r->dis);
		free(r);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--modes") == 0) {
		bench_modes(argc > 2 ? argv[2] : "scenarios/guests/bench.elf",
			    argc > 3 ? argv[3] : "build/guests/traps.elf", r);
		disasm_destroy(r->dis);
		free(r);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--memory") == 0) {
		bench_memory_hooks(argc > 2 ? argv[2] :
				   "scenarios/guests/dirty.elf", r);
		disasm_destroy(r->dis);
		free(r->area);
		free(r);
		return 0;
	}
	n = bench_modes(path, traps, r);
	bench_hooks(path, n, r);
	bench_memory_hooks(dirty, r);
	bench_nomem(vmmzero);
	bench_loop("x87 beside plain loads", x87, r);
	bench_loop("self-modifying code", smc, r);
	disasm_destroy(r->dis);
	free(r->area);
	free(r);
	return 0;
}
