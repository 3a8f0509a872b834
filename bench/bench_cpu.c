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
 * Prints MIPS for each and its ratio to (a) (best of three runs), then the
 * cost of one trap-and-emulate round trip (tests/guests/traps.S: 200000
 * CLI/STI at ring 0).
 *
 * Then what ringside's design rests on (docs/ARCHITECTURE.md, "Unicorn
 * 2.0.1 on this machine"): Unicorn alone with one hook more than (a), the
 * hooks a simulator could count instructions with: a block hook keeping
 * per-block counts in a table by address (what sim/cpu/cpu_hooks.c does),
 * a code hook on every instruction, and a code hook that also decodes
 * each instruction (capstone, through sim/cpu/disasm.c); and a
 * memory-write hook marking each written page, the way ringside tracks
 * dirty pages, on scenarios/guests/dirty.elf, which writes memory.
 *
 * Then the cost of one touch of memory that does not exist
 * (tests/guests/vmmzero.S: 1,048,576 stores into the VMM's area, each a
 * no-memory trap, or a VM exit under hw) in each mode.
 *
 * Last of all, a loop of x87 arithmetic beside plain loads
 * (tests/guests/x87loop.S), which the VMM runs partly one instruction at
 * a time, in each mode against raw Unicorn.
 *
 * Figures, never a pass/fail: the target (b/a >= 0.33) is reported, not
 * asserted.  Usage:
 *   bench_cpu [bench.elf [traps.elf [vmmzero.elf [dirty.elf [x87loop.elf]]]]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unicorn/unicorn.h>

#include "cpu/disasm.h"
#include "event.h"
#include "vmm/vmm.h"
#include "vmx/guest.h"
#include "sim.h"
#include "status.h"

#define REPEATS 3	/* best of three: the runs are short */
/*
 * ringside's runs of bench.elf, each in a fresh engine, took either about
 * 0.09 s or about 0.14 s on a quiet machine, and a process often gets
 * only one of the two: the best of seven finds the faster more often than
 * the best of three, not always (docs/performance.md).
 */
#define MODE_REPEATS 7
/*
 * The runs of bench.elf without a code hook take a few hundredths of a
 * second, so a busy machine's noise is a large part of one: best of more.
 */
#define HOOK_REPEATS 7
#define MAX_REPEATS HOOK_REPEATS	/* the most of the above */
#define RAM_SIZE (128u << 20)
#define PAGE_SHIFT 12
#define BLOCK_SLOTS 4096	/* the block hook's table, direct-mapped */
/*
 * A code hook that decodes runs at about a thousandth of (a)'s speed: it
 * is timed over the guest's first instructions only, or one run would
 * take a minute.
 */
#define DECODE_LIMIT 2000000u

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* The hooks a raw run adds to the I/O every guest needs (flags). */
enum raw_hooks {
	RAW_NONE = 0,		/* (a) */
	RAW_BLOCK = 1 << 0,	/* a block hook counting each block, by address */
	RAW_CODE = 1 << 1,	/* a code hook on every instruction */
	RAW_DECODE = 1 << 2,	/* the same, decoding the instruction too */
	RAW_GUARD = 1 << 3,	/* a load and store hook on the VMM's area
				   only, which the guest never touches */
	RAW_WRITES = 1 << 4,	/* a store hook marking the page written */
};

/* A block the block hook has seen, and how often it ran. */
struct raw_block {
	uint64_t addr;
	uint32_t size;
	uint64_t runs;
};

/* A raw run: its hooks, and what they keep. */
struct raw {
	unsigned hooks;		/* enum raw_hooks */
	uint64_t limit;		/* code hooks: stop after this many (0: none) */
	uint64_t insns;		/* OUT: instructions a code hook saw */
	uint64_t blocks;	/* OUT: blocks the block hook saw */
	const uint8_t *ram;	/* the guest's RAM, for the decoder */
	struct disasm *dis;	/* RAW_DECODE's decoder */
	struct raw_block block[BLOCK_SLOTS];
	uint8_t dirty[RAM_SIZE >> PAGE_SHIFT];	/* a byte per written page */
};

/* A set of hooks to time, and its name in the report. */
struct raw_set {
	unsigned hooks;		/* enum raw_hooks */
	uint64_t limit;		/* see DECODE_LIMIT; 0: the whole run */
	const char *name;
};

/* What a set's hooks saw in its last run. */
struct raw_seen {
	uint64_t insns;		/* the code hook's instructions */
	uint64_t blocks;	/* the block hook's blocks */
};

static uint32_t raw_in(uc_engine *uc, uint32_t port, int size, void *ud)
{
	(void)uc; (void)size; (void)ud;
	return port == 0x3fd ? 0x60 : 0xff;	/* UART always ready */
}

static void raw_out(uc_engine *uc, uint32_t port, int size, uint32_t value,
		    void *ud)
{
	(void)size; (void)value; (void)ud;
	if (port == 0xf4)
		uc_emu_stop(uc);
}

/* The same block again costs one comparison; another evicts it. */
static void raw_block(uc_engine *uc, uint64_t addr, uint32_t size, void *ud)
{
	struct raw *r = ud;
	struct raw_block *b = &r->block[addr % BLOCK_SLOTS];

	(void)uc;
	r->blocks++;
	if (b->addr != addr || b->size != size) {
		b->addr = addr;
		b->size = size;
		b->runs = 0;
	}
	b->runs++;
}

static void raw_code(uc_engine *uc, uint64_t addr, uint32_t size, void *ud)
{
	struct raw *r = ud;
	struct x86_instruction in;

	if ((r->hooks & RAW_DECODE) && addr + size <= RAM_SIZE &&
	    disasm_decode(r->dis, r->ram + addr, size, (uint32_t)addr, &in) !=
	    SIM_OK)
		fprintf(stderr, "bench: cannot decode at %#llx\n",
			(unsigned long long)addr);
	if (++r->insns == r->limit)
		uc_emu_stop(uc);
}

static void raw_guard(uc_engine *uc, uc_mem_type type, uint64_t addr,
		      int size, int64_t value, void *ud)
{
	(void)uc; (void)type; (void)addr; (void)size; (void)value; (void)ud;
}

static void raw_write(uc_engine *uc, uc_mem_type type, uint64_t addr,
		      int size, int64_t value, void *ud)
{
	struct raw *r = ud;

	(void)uc; (void)type; (void)size; (void)value;
	r->dirty[(addr % RAM_SIZE) >> PAGE_SHIFT] = 1;
}

/* Add r's hooks to uc. */
static void raw_hook(uc_engine *uc, struct raw *r)
{
	uc_hook h;

	if (r->hooks & RAW_BLOCK)
		uc_hook_add(uc, &h, UC_HOOK_BLOCK, raw_block, r, 1, 0);
	if (r->hooks & (RAW_CODE | RAW_DECODE))
		uc_hook_add(uc, &h, UC_HOOK_CODE, raw_code, r, 1, 0);
	if (r->hooks & RAW_GUARD)
		uc_hook_add(uc, &h, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE,
			    raw_guard, r, VMM_BASE, VMM_BASE + (VMM_SIZE - 1));
	if (r->hooks & RAW_WRITES)
		uc_hook_add(uc, &h, UC_HOOK_MEM_WRITE, raw_write, r, 0,
			    RAM_SIZE - 1);
}

/*
 * Load path's guest into ram and run it on uc from its entry: flat
 * segments, CPL 0.  Returns the run's host time.
 */
static double raw_once(uc_engine *uc, const char *path, uint8_t *ram)
{
	struct guest_image img;
	struct guest_boot boot;
	char err[GUEST_ERR_MAX];
	uint32_t eax, ebx, esp = 0x8000;
	double t;

	if (guest_open(path, &img, err) != SIM_OK) {
		fprintf(stderr, "bench: %s\n", err);
		exit(2);
	}
	memset(ram, 0, RAM_SIZE);
	if (guest_load(&img, ram, RAM_SIZE, path, &boot, err) != SIM_OK) {
		fprintf(stderr, "bench: %s\n", err);
		exit(2);
	}
	guest_close(&img);
	eax = boot.eax;
	ebx = boot.ebx;
	uc_reg_write(uc, UC_X86_REG_EAX, &eax);
	uc_reg_write(uc, UC_X86_REG_EBX, &ebx);
	uc_reg_write(uc, UC_X86_REG_ESP, &esp);
	t = now();
	uc_emu_start(uc, boot.eip, 0xffffffffu, 0, 0);
	return now() - t;
}

/*
 * (a) the guest on bare Unicorn with r's hooks, timed on its second run
 * in the same engine, its code translated and chained by the first.  The
 * first run of a fresh engine was the one that swung: on this 2-vCPU VM
 * bench.elf's first runs took 0.023 s to 0.063 s, second runs 0.020 s to
 * 0.023 s, and slow again once the TB cache was flushed between the two:
 * freshly written code is what runs slow, for a reason the VM's missing
 * hardware counters do not tell (docs/performance.md has what was tried).
 * The ratios are of a steady figure this way.
 */
static double run_raw(const char *path, struct raw *r)
{
	uint8_t *ram = aligned_alloc(4096, RAM_SIZE);
	uc_engine *uc;
	uc_hook h;
	double t;

	if (ram == NULL) {
		fprintf(stderr, "bench: out of memory\n");
		exit(2);
	}
	uc_open(UC_ARCH_X86, UC_MODE_32, &uc);
	uc_mem_map_ptr(uc, 0, RAM_SIZE, UC_PROT_ALL, ram);
	uc_hook_add(uc, &h, UC_HOOK_INSN, raw_in, NULL, 1, 0, UC_X86_INS_IN);
	uc_hook_add(uc, &h, UC_HOOK_INSN, raw_out, NULL, 1, 0, UC_X86_INS_OUT);
	r->ram = ram;
	raw_hook(uc, r);
	r->insns = 0;
	raw_once(uc, path, ram);		/* the warm-up */
	r->insns = r->blocks = 0;
	t = raw_once(uc, path, ram);
	uc_close(uc);
	free(ram);
	return t;
}

/*
 * Raw runs of path with each of the n hook sets, repeats times: the time
 * of set k's i-th run in t[k][i], and what its hooks saw in seen[k].  The
 * sets take turns, so a run and the other sets' runs beside it share the
 * machine's mood of the moment: their ratio is steadier than the ratio
 * of two bests, when a busy machine makes a run now and then much
 * faster or slower than the others.
 */
static void raw_runs(const char *path, const struct raw_set *set, int n,
		     int repeats, struct raw *r, double t[][MAX_REPEATS],
		     struct raw_seen *seen)
{
	for (int i = 0; i < repeats; i++) {
		for (int k = 0; k < n; k++) {
			r->hooks = set[k].hooks;
			r->limit = set[k].limit;
			t[k][i] = run_raw(path, r);
			seen[k].insns = r->insns;
			seen[k].blocks = r->blocks;
		}
	}
}

static double fastest(const double *t, int n)
{
	double best = t[0];

	for (int i = 1; i < n; i++)
		if (t[i] < best)
			best = t[i];
	return best;
}

/* The median of num[i] / den[i] over n runs taken side by side. */
static double median_ratio(const double *num, const double *den, int n)
{
	double q[MAX_REPEATS], x;
	int j;

	for (int i = 0; i < n; i++) {	/* insertion sort: n is small */
		x = num[i] / den[i];
		for (j = i; j > 0 && q[j - 1] > x; j--)
			q[j] = q[j - 1];
		q[j] = x;
	}
	return n % 2 ? q[n / 2] : (q[n / 2 - 1] + q[n / 2]) / 2;
}

/* What a run under ringside's VMM did. */
struct run {
	double seconds;		/* host time */
	uint64_t insns;		/* guest instructions */
	uint64_t blocks;	/* blocks the fast engine ran */
	uint64_t nomem;		/* no-memory traps */
	struct vcpu_stats st;
};

static void count_nomem(void *ctx, const struct event *ev)
{
	if (ev->u.trap.action == TRAP_NO_MEMORY)
		++*(uint64_t *)ctx;
}

/* (b) the same guest under ringside's VMM. */
static void run_ringside(const char *path, enum exec_mode mode,
			 struct run *out)
{
	struct sim *s;
	struct vm *vm;
	char err[GUEST_ERR_MAX] = "cannot create the simulator";
	enum sim_stop why;
	double t;

	out->nomem = 0;
	if (sim_create(NULL, &s) != SIM_OK ||
	    event_log_subscribe(sim_events(s), EVENT_MASK(EV_TRAP), count_nomem,
				&out->nomem) < 0 ||
	    sim_add_vm(s, &(struct vm_config){ .guest = path, .mode = mode },
		       &vm, err) !=
	    SIM_OK) {
		fprintf(stderr, "bench: %s\n", err);
		exit(2);
	}
	t = now();
	sim_run(s, 2000000000ull, &why);
	out->seconds = now() - t;
	out->insns = sim_insns(s);
	out->st = vm->vcpu[0]->stats;
	out->blocks = vm->vcpu[0]->run.blocks_run;
	if (vm->state != VM_OFF || vm->power_reason != POWER_DEBUG_EXIT)
		fprintf(stderr, "bench: warning: the guest did not finish cleanly\n");
	sim_destroy(s);
}

/* run into best if it was faster. */
static void keep_best(struct run *best, const struct run *run)
{
	if (run->seconds < best->seconds)
		*best = *run;
}

static const enum exec_mode modes[3] = { MODE_TE, MODE_BT, MODE_HW };
static const char *const mode_names[3] = { "te", "bt", "hw" };

/*
 * The guest at path on raw Unicorn (no hooks) and in each mode, the best
 * of repeats runs of each, interleaved so that a noisy spell of the
 * machine falls on all of them alike: the modes' best runs in best[],
 * raw Unicorn's best time returned.
 */
static double best_of_modes(const char *path, int repeats, struct raw *r,
			    struct run best[3])
{
	struct run run;
	double ta = 1e9, t;

	r->hooks = RAW_NONE;
	for (int k = 0; k < 3; k++)
		best[k].seconds = 1e9;
	for (int i = 0; i < repeats; i++) {
		t = run_raw(path, r);
		if (t < ta)
			ta = t;
		for (int k = 0; k < 3; k++) {
			run_ringside(path, modes[k], &run);
			keep_best(&best[k], &run);
		}
	}
	return ta;
}

/* (a) to (d) and the trap round trip; returns the guest's instruction count. */
static uint64_t bench_modes(const char *path, const char *traps, struct raw *r)
{
	static const char *const names[3] = {
		"(b) ringside te, exact counts", "(c) ringside bt, exact counts",
		"(d) ringside hw, exact counts",
	};
	struct run m[3], trap = { .seconds = 1e9 }, run;
	double ta = best_of_modes(path, MODE_REPEATS, r, m), mips_a;

	for (int i = 0; i < MODE_REPEATS; i++) {
		run_ringside(traps, MODE_TE, &run);
		keep_best(&trap, &run);
	}
	mips_a = (double)m[0].insns / ta / 1e6;
	printf("bench: %s, %llu guest instructions (%llu innocuous, %llu io), best of %d runs\n",
	       path, (unsigned long long)m[0].insns,
	       (unsigned long long)m[0].st.by_class[CLASS_INNOCUOUS],
	       (unsigned long long)m[0].st.by_class[CLASS_IO], MODE_REPEATS);
	printf("  (a) raw Unicorn, no hooks      %8.3f s  %8.1f MIPS\n", ta, mips_a);
	for (int k = 0; k < 3; k++) {
		double mips = (double)m[k].insns / m[k].seconds / 1e6;

		printf("  %-30s %8.3f s  %8.1f MIPS  ratio %.2f (target >= 0.33: %s)\n",
		       names[k], m[k].seconds, mips, mips / mips_a,
		       mips / mips_a >= 0.33 ? "met" : "NOT met");
	}
	printf("  blocks run: te %llu, bt %llu, hw %llu; bt callouts %llu, hw exits %llu\n",
	       (unsigned long long)m[0].blocks, (unsigned long long)m[1].blocks,
	       (unsigned long long)m[2].blocks,
	       (unsigned long long)m[1].st.callouts,
	       (unsigned long long)m[2].st.exits);
	printf("trap-and-emulate: %s, %llu privileged instructions trapped in %.3f s: %.2f us per trap\n",
	       traps, (unsigned long long)trap.st.traps, trap.seconds,
	       trap.st.traps ? trap.seconds * 1e6 / (double)trap.st.traps : 0.0);
	return m[0].insns;
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
	double t[4][MAX_REPEATS], best, insns;
	struct raw_seen seen[4];

	raw_runs(path, set, 4, HOOK_REPEATS, r, t, seen);
	printf("Unicorn alone with a hook more than (a): %s, best of %d; ratio of the speeds, the median of the %d side by side\n",
	       path, HOOK_REPEATS, HOOK_REPEATS);
	for (int k = 0; k < 4; k++) {
		best = fastest(t[k], HOOK_REPEATS);
		insns = (double)(set[k].limit ? seen[k].insns : n);
		printf("  %-30s %8.3f s  %8.1f MIPS", set[k].name, best,
		       insns / best / 1e6);
		if (k > 0)	/* speed k / speed 0 = its share of n, times t0 / tk */
			printf("  ratio %#.3g", insns / (double)n *
			       median_ratio(t[0], t[k], HOOK_REPEATS));
		if (set[k].hooks == RAW_BLOCK)
			printf(" (%llu blocks)", (unsigned long long)seen[k].blocks);
		if (set[k].limit)
			printf(" (its first %llu instructions)",
			       (unsigned long long)seen[k].insns);
		printf("\n");
	}
}

/*
 * Memory hooks on a guest that loads and stores: none, one on the VMM's
 * area only (which the guest never touches), then a second, marking
 * each page the guest writes.
 */
static void bench_memory_hooks(const char *dirty, struct raw *r)
{
	static const struct raw_set set[3] = {
		{ RAW_NONE, 0, "none" },
		{ RAW_GUARD, 0, "one on the VMM's area only" },
		{ RAW_GUARD | RAW_WRITES, 0, "and one marking written pages" },
	};
	static const char *const to[3] = { "", "none", "the line above" };
	double t[3][MAX_REPEATS];
	struct raw_seen seen[3];

	raw_runs(dirty, set, 3, REPEATS, r, t, seen);
	printf("Unicorn alone with memory hooks: %s, best of %d; ratio of the times, the median of the %d side by side\n",
	       dirty, REPEATS, REPEATS);
	for (int k = 0; k < 3; k++) {
		printf("  %-30s %8.3f s", set[k].name, fastest(t[k], REPEATS));
		if (k > 0)
			printf("  ratio %.2f to %s",
			       median_ratio(t[k], t[k - 1], REPEATS), to[k]);
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
			run_ringside(vmmzero, modes[k], &run);
			keep_best(&best, &run);
		}
		printf("  %s: %llu in %.3f s: %.2f us each\n", mode_names[k],
		       (unsigned long long)best.nomem, best.seconds,
		       best.nomem ? best.seconds * 1e6 / (double)best.nomem : 0.0);
	}
}

/*
 * A loop of x87 arithmetic on memory beside a plain load
 * (tests/guests/x87loop.S): a block the VMM must not run whole when any
 * access of its x87 instructions could be one of nothing, as Unicorn
 * reports those with a previous instruction's EIP (BLOCK_STALE_MIXED,
 * sim/vmm/blockcache.c).  Each mode against raw Unicorn on the same
 * guest; set the ratios beside (b)-(d)'s, whose loop has no such block.
 */
static void bench_stepped(const char *x87, struct raw *r)
{
	struct run best[3];
	double ta = best_of_modes(x87, REPEATS, r, best);

	printf("x87 beside plain loads: %s, %llu guest instructions, best of %d\n",
	       x87, (unsigned long long)best[0].insns, REPEATS);
	printf("  %-30s %8.3f s  %8.1f MIPS\n", "raw Unicorn, no hooks", ta,
	       (double)best[0].insns / ta / 1e6);
	for (int k = 0; k < 3; k++)
		printf("  ringside %-21s %8.3f s  %8.1f MIPS  ratio %.3f (%llu blocks run whole)\n",
		       mode_names[k], best[k].seconds,
		       (double)best[k].insns / best[k].seconds / 1e6,
		       ta / best[k].seconds,
		       (unsigned long long)best[k].blocks);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "scenarios/guests/bench.elf";
	const char *traps = argc > 2 ? argv[2] : "build/guests/traps.elf";
	const char *vmmzero = argc > 3 ? argv[3] : "build/guests/vmmzero.elf";
	const char *dirty = argc > 4 ? argv[4] : "scenarios/guests/dirty.elf";
	const char *x87 = argc > 5 ? argv[5] : "build/guests/x87loop.elf";
	struct raw *r = calloc(1, sizeof *r);
	uint64_t n;

	if (r == NULL || disasm_create(&r->dis) != SIM_OK) {
		fprintf(stderr, "bench: out of memory\n");
		return 2;
	}
	n = bench_modes(path, traps, r);
	bench_hooks(path, n, r);
	bench_memory_hooks(dirty, r);
	bench_nomem(vmmzero);
	bench_stepped(x87, r);
	disasm_destroy(r->dis);
	free(r);
	return 0;
}
