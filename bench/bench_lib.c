/*
 * bench_lib.c - what bench_cpu's parts share (bench_lib.h): the clock and
 * the pause, the statistics of a few runs, and guests on Unicorn alone.
 *
 * A raw run is the guest on the bare CPU library: no VMM, flat segments,
 * CPL 0, only the IN/OUT hooks the guest's serial polling needs (they
 * cost nothing outside I/O instructions), and the hooks under test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <unicorn/unicorn.h>

#include "bench_lib.h"
#include "cpu/disasm.h"
#include "vmm/vmm.h"
#include "vmx/guest.h"
#include "status.h"

double bench_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

void bench_pause(void)
{
	struct timespec t = { 0, BENCH_PAUSE_MS * 1000000L };

	nanosleep(&t, NULL);
}

/* Non-idle CPU seconds of all CPUs, from /proc/stat (-1: unreadable). */
static double busy_seconds(void)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (f == NULL)
		return -1;
	/* cpu user nice system idle iowait irq softirq steal */
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8)
		return -1;
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) /
	       (double)sysconf(_SC_CLK_TCK);
}

static double self_seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

void bench_others_start(struct bench_others *o)
{
	o->busy = busy_seconds();
	o->self = self_seconds();
}

double bench_others(const struct bench_others *o, double wall)
{
	double busy = busy_seconds(), other;

	if (o->busy < 0 || busy < 0 || wall <= 0)
		return -1;
	other = (busy - o->busy) - (self_seconds() - o->self);
	return other > 0 ? other / wall : 0;
}

double bench_fastest(const double *t, int n)
{
	double best = t[0];

	for (int i = 1; i < n; i++)
		if (t[i] < best)
			best = t[i];
	return best;
}

double bench_median(const double *t, int n)
{
	double q[BENCH_MAX_RUNS], x;
	int j;

	for (int i = 0; i < n; i++) {	/* insertion sort: n is small */
		x = t[i];
		for (j = i; j > 0 && q[j - 1] > x; j--)
			q[j] = q[j - 1];
		q[j] = x;
	}
	return n % 2 ? q[n / 2] : (q[n / 2 - 1] + q[n / 2]) / 2;
}

double bench_median_ratio(const double *num, const double *den, int n)
{
	double q[BENCH_MAX_RUNS];

	for (int i = 0; i < n; i++)
		q[i] = num[i] / den[i];
	return bench_median(q, n);
}

/* ---- the guest on Unicorn alone ------------------------------------------ */

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
	struct raw_block *b = &r->block[addr % BENCH_BLOCK_SLOTS];

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

	if ((r->hooks & RAW_DECODE) && addr + size <= BENCH_RAM_SIZE &&
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

static bool raw_guard_prot(uc_engine *uc, uc_mem_type type, uint64_t addr,
			   int size, int64_t value, void *ud)
{
	(void)uc; (void)type; (void)addr; (void)size; (void)value; (void)ud;
	return true;			/* made, as a guard would say */
}

static void raw_write(uc_engine *uc, uc_mem_type type, uint64_t addr,
		      int size, int64_t value, void *ud)
{
	struct raw *r = ud;

	(void)uc; (void)type; (void)size; (void)value;
	r->dirty[(addr % BENCH_RAM_SIZE) >> BENCH_PAGE_SHIFT] = 1;
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
	if (r->hooks & RAW_GUARD_PROT)
		uc_hook_add(uc, &h, UC_HOOK_MEM_READ_PROT |
			    UC_HOOK_MEM_WRITE_PROT, raw_guard_prot, r, VMM_BASE,
			    VMM_BASE + (VMM_SIZE - 1));
	if (r->hooks & RAW_WRITES)
		uc_hook_add(uc, &h, UC_HOOK_MEM_WRITE, raw_write, r, 0,
			    BENCH_RAM_SIZE - 1);
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
	memset(ram, 0, BENCH_RAM_SIZE);
	if (guest_load(&img, ram, BENCH_RAM_SIZE, path, &boot, err) != SIM_OK) {
		fprintf(stderr, "bench: %s\n", err);
		exit(2);
	}
	guest_close(&img);
	eax = boot.eax;
	ebx = boot.ebx;
	uc_reg_write(uc, UC_X86_REG_EAX, &eax);
	uc_reg_write(uc, UC_X86_REG_EBX, &ebx);
	uc_reg_write(uc, UC_X86_REG_ESP, &esp);
	t = bench_now();
	uc_emu_start(uc, boot.eip, 0xffffffffu, 0, 0);
	return bench_now() - t;
}

/* A fresh engine holding path's guest in RAM, with r's hooks. */
static uc_engine *raw_engine(struct raw *r, uint8_t **ram)
{
	uc_engine *uc;
	uc_hook h;

	*ram = aligned_alloc(4096, BENCH_RAM_SIZE);
	if (*ram == NULL || uc_open(UC_ARCH_X86, UC_MODE_32, &uc) != UC_ERR_OK) {
		fprintf(stderr, "bench: out of memory\n");
		exit(2);
	}
	uc_mem_map_ptr(uc, 0, BENCH_RAM_SIZE, UC_PROT_ALL, *ram);
	if (r->hooks & RAW_GUARD_PROT) {	/* an area for the guard */
		if (r->area == NULL)
			r->area = aligned_alloc(4096, VMM_SIZE);
		if (r->area == NULL) {
			fprintf(stderr, "bench: out of memory\n");
			exit(2);
		}
		uc_mem_map_ptr(uc, VMM_BASE, VMM_SIZE, UC_PROT_EXEC, r->area);
	}
	uc_hook_add(uc, &h, UC_HOOK_INSN, raw_in, NULL, 1, 0, UC_X86_INS_IN);
	uc_hook_add(uc, &h, UC_HOOK_INSN, raw_out, NULL, 1, 0, UC_X86_INS_OUT);
	r->ram = *ram;
	raw_hook(uc, r);
	return uc;
}

/* A warm engine: the guest's code translated, ready to run again. */
struct bench_warm {
	uc_engine *uc;
	uint8_t *ram;
	const char *path;
	struct raw *r;
};

/*
 * The guest's first run in an engine translates its code and runs it
 * fresh: on this 2-vCPU VM bench.elf's first runs took 0.023 s to
 * 0.063 s, and later runs in the same engine steady only after a pause
 * (bench_raw_fresh).  So every figure is of a warm engine's runs, each
 * after a pause.
 */
struct bench_warm *bench_raw_open(const char *path, struct raw *r)
{
	struct bench_warm *w = malloc(sizeof *w);

	if (w == NULL) {
		fprintf(stderr, "bench: out of memory\n");
		exit(2);
	}
	w->uc = raw_engine(r, &w->ram);
	w->path = path;
	w->r = r;
	r->insns = 0;
	raw_once(w->uc, path, w->ram);		/* the warm-up */
	return w;
}

double bench_raw_time(struct bench_warm *w)
{
	w->r->insns = w->r->blocks = 0;
	bench_pause();
	return raw_once(w->uc, w->path, w->ram);
}

void bench_raw_close(struct bench_warm *w)
{
	uc_close(w->uc);
	free(w->ram);
	free(w);
}

double bench_raw_run(const char *path, struct raw *r, int runs)
{
	struct bench_warm *w = bench_raw_open(path, r);
	double best = 1e9, t;

	for (int i = 0; i < runs; i++) {
		t = bench_raw_time(w);
		if (t < best)
			best = t;
	}
	bench_raw_close(w);
	return best;
}

void bench_raw_runs(const char *path, const struct raw_set *set, int n,
		    int repeats, struct raw *r, double t[][BENCH_MAX_RUNS],
		    struct raw_seen *seen)
{
	for (int i = 0; i < repeats; i++) {
		for (int k = 0; k < n; k++) {
			r->hooks = set[k].hooks;
			r->limit = set[k].limit;
			t[k][i] = bench_raw_run(path, r, 1);
			seen[k].insns = r->insns;
			seen[k].blocks = r->blocks;
		}
	}
}

void bench_raw_fresh(const char *path, struct raw *r, struct bench_fresh *out)
{
	uint8_t *ram;
	uc_engine *uc;

	r->hooks = RAW_NONE;
	uc = raw_engine(r, &ram);
	out->first = raw_once(uc, path, ram);
	out->at_once = raw_once(uc, path, ram);
	bench_pause();
	out->paused = raw_once(uc, path, ram);
	uc_close(uc);
	free(ram);
}
