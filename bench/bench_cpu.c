/*
 * bench_cpu.c - how fast does ringside run guest code, compared with the
 * bare CPU library?
 *
 * Runs one guest (default scenarios/guests/bench.elf: a 100M-instruction
 * loop) twice in the same process:
 *   (a) raw: Unicorn alone, no block or code hooks, guest at ring 0; only
 *       the IN/OUT hooks the guest's serial polling needs (they cost
 *       nothing outside I/O instructions);
 *   (b) ringside: the full VMM, trap-and-emulate, exact per-class counts;
 *   (c) the same under binary translation (the loop runs translated, from
 *       the translation cache, chained to itself);
 *   (d) the same under the hardware-assist model.
 * Prints MIPS for each and its ratio to (a) (best of three runs), then the
 * cost of one trap-and-emulate round trip (tests/guests/traps.S: 200000
 * CLI/STI at ring 0).  Figures, never a pass/fail: the target (b/a >= 0.33)
 * is reported, not asserted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unicorn/unicorn.h>

#include "vmx/guest.h"
#include "sim.h"
#include "status.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

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

/* (a) the guest on bare Unicorn: flat segments, CPL 0. */
static double run_raw(const char *path, double *seconds)
{
	struct guest_image img;
	struct guest_boot boot;
	char err[GUEST_ERR_MAX];
	uint32_t ram_size = 128u << 20;
	uint8_t *ram = aligned_alloc(4096, ram_size);
	uc_engine *uc;
	uc_hook h;
	uint32_t eax, ebx, esp = 0x8000;
	double t;

	if (ram == NULL || guest_open(path, &img, err) != SIM_OK) {
		fprintf(stderr, "bench: %s\n", ram ? err : "out of memory");
		exit(2);
	}
	memset(ram, 0, ram_size);
	if (guest_load(&img, ram, ram_size, path, &boot, err) != SIM_OK) {
		fprintf(stderr, "bench: %s\n", err);
		exit(2);
	}
	guest_close(&img);
	uc_open(UC_ARCH_X86, UC_MODE_32, &uc);
	uc_mem_map_ptr(uc, 0, ram_size, UC_PROT_ALL, ram);
	uc_hook_add(uc, &h, UC_HOOK_INSN, raw_in, NULL, 1, 0, UC_X86_INS_IN);
	uc_hook_add(uc, &h, UC_HOOK_INSN, raw_out, NULL, 1, 0, UC_X86_INS_OUT);
	eax = boot.eax;
	ebx = boot.ebx;
	uc_reg_write(uc, UC_X86_REG_EAX, &eax);
	uc_reg_write(uc, UC_X86_REG_EBX, &ebx);
	uc_reg_write(uc, UC_X86_REG_ESP, &esp);
	t = now();
	uc_emu_start(uc, boot.eip, 0xffffffffu, 0, 0);
	*seconds = now() - t;
	uc_close(uc);
	free(ram);
	return *seconds;
}

/* (b) the same guest under ringside's VMM; returns instructions run. */
static uint64_t run_ringside(const char *path, enum exec_mode mode,
			     double *seconds, struct vcpu_stats *st,
			     uint64_t *blocks)
{
	struct sim *s;
	struct vm *vm;
	char err[GUEST_ERR_MAX];
	enum sim_stop why;
	double t;
	uint64_t n;

	if (sim_create(NULL, &s) != SIM_OK ||
	    sim_add_vm(s, &(struct vm_config){ .guest = path, .mode = mode },
		       &vm, err) !=
	    SIM_OK) {
		fprintf(stderr, "bench: %s\n", err);
		exit(2);
	}
	t = now();
	sim_run(s, 2000000000ull, &why);
	*seconds = now() - t;
	n = sim_insns(s);
	*st = vm->vcpu[0]->stats;
	*blocks = vm->vcpu[0]->run.blocks_run;
	if (vm->state != VM_OFF || vm->power_reason != POWER_DEBUG_EXIT)
		fprintf(stderr, "bench: warning: the guest did not finish cleanly\n");
	sim_destroy(s);
	return n;
}

#define REPEATS 3	/* best of three: the runs are short */

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "scenarios/guests/bench.elf";
	const char *traps = argc > 2 ? argv[2] : "build/guests/traps.elf";
	static const enum exec_mode modes[3] = { MODE_TE, MODE_BT, MODE_HW };
	static const char *const names[3] = {
		"(b) ringside te, exact counts", "(c) ringside bt, exact counts",
		"(d) ringside hw, exact counts",
	};
	struct vcpu_stats st[3], tst;
	double ta = 1e9, tm[3] = { 1e9, 1e9, 1e9 }, tt = 1e9, t, mips_a;
	uint64_t n = 0, blocks[3] = { 0 }, tblocks;

	for (int i = 0; i < REPEATS; i++) {
		run_raw(path, &t);
		if (t < ta)
			ta = t;
		for (int m = 0; m < 3; m++) {
			n = run_ringside(path, modes[m], &t, &st[m], &blocks[m]);
			if (t < tm[m])
				tm[m] = t;
		}
		run_ringside(traps, MODE_TE, &t, &tst, &tblocks);
		if (t < tt)
			tt = t;
	}
	mips_a = (double)n / ta / 1e6;
	printf("bench: %s, %llu guest instructions (%llu innocuous, %llu io), best of %d runs\n",
	       path, (unsigned long long)n,
	       (unsigned long long)st[0].by_class[CLASS_INNOCUOUS],
	       (unsigned long long)st[0].by_class[CLASS_IO], REPEATS);
	printf("  (a) raw Unicorn, no hooks      %8.3f s  %8.1f MIPS\n", ta, mips_a);
	for (int m = 0; m < 3; m++) {
		double mips = (double)n / tm[m] / 1e6;

		printf("  %-30s %8.3f s  %8.1f MIPS  ratio %.2f (target >= 0.33: %s)\n",
		       names[m], tm[m], mips, mips / mips_a,
		       mips / mips_a >= 0.33 ? "met" : "NOT met");
	}
	printf("  blocks run: te %llu, bt %llu, hw %llu; bt callouts %llu, hw exits %llu\n",
	       (unsigned long long)blocks[0], (unsigned long long)blocks[1],
	       (unsigned long long)blocks[2],
	       (unsigned long long)st[1].callouts, (unsigned long long)st[2].exits);
	printf("trap-and-emulate: %s, %llu privileged instructions trapped in %.3f s: %.2f us per trap\n",
	       traps, (unsigned long long)tst.traps, tt,
	       tst.traps ? tt * 1e6 / (double)tst.traps : 0.0);
	return 0;
}
