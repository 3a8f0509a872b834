/*
 * test_hostile.c - guests that try to break out, hang the simulator or get
 * the wrong answer (tests/guests/): each runs in te, bt and hw with a bound
 * on its instructions, and must end as the table says (the VM's last
 * power event), within the bound, with the serial output qemu-system-i386
 * gives the same guest (the reference machine, tests/reference/), and as
 * it ends there (the debug-exit port, or a triple fault).  Where ringside
 * differs from QEMU the test says so and asserts the difference (smcvmm
 * under te, irqstorm under te and hw); a run no machine finishes in a
 * test's time is compared up to where both were stopped (rep4g).
 *
 * Guests that touch memory that does not exist (past RAM, the VMM's area
 * at the top of the address space) are test_nothing.c's; here only those
 * that try to reach the real ring 0 through the VMM's GDT.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "testlib.h"
#include "cpu/cpu.h"
#include "vm.h"
#include "vmm/vmm.h"

#define M 1000000u

/*
 * A run the bound stopped (a livelock, or an instruction of minutes):
 * what the guest printed is the start of what it prints on QEMU.
 */
static void expect_qemu_prefix(const struct tl_hostile *h, enum exec_mode mode)
{
	const char *qemu = tl_qemu_says(h->guest), *ours;
	struct tl_run r;

	tl_hostile_run(h, mode, &r);
	ours = tl_serial(&r);
	if (strncmp(ours, qemu, strlen(ours)) != 0)
		fail_msg("%s --mode=%s prints:\n%s--- not the start of QEMU's:\n%s",
			 h->guest, tl_modes[mode], ours, qemu);
	tl_free(&r);
}

/*
 * A DPL-0 code descriptor and a call gate written into the real GDT: the
 * stores go nowhere (six no-memory traps), the selector names a zero
 * descriptor past the guest's GDT: #GP and, with no IDT, a triple fault,
 * as on QEMU.  Nothing ever runs at the real ring 0 ("ring 0!").
 */
static void gate(void **state)
{
	struct tl_hostile h = { "gate", M, POWER_TRIPLE_FAULT, 0, false, true };
	const char *qemu = tl_qemu_says("gate");

	(void)state;
	assert_string_equal(qemu, "gate: start\n");
	tl_ends_as_on_qemu(&h);
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;

		tl_hostile_run(&h, (enum exec_mode)m, &r);
		assert_string_equal(tl_serial(&r), qemu);
		assert_int_equal(tl_no_memory(&r, 1, VMM_BASE, VMM_BASE + 0xffff), 6);
		tl_free(&r);
	}
}

/*
 * A far call through the VMM's own gate (slot 8187, past the guest's GDT):
 * #GP(0xffd8) and, with no IDT, a triple fault, as on QEMU.  Before, under
 * te the guest reached the VMM's stub at ring 0 and replayed its last frame
 * for ever.
 */
static void vmmgate(void **state)
{
	(void)state;
	tl_hostile_check(&(struct tl_hostile){ "vmmgate", M, POWER_TRIPLE_FAULT, 0, false, true });
}

/* ---- runs bounded in memory (issue #14) --------------------------------- */

/*
 * A run's peak resident memory.  Under AddressSanitizer (make test
 * SAN=1), which shadows memory and keeps what is freed for a while (its
 * quarantine, cut to 8 MiB for these runs: ringside_peak_kib), twice it.
 */
#ifdef __SANITIZE_ADDRESS__
#define PEAK_KIB_MAX (200 * 1024)
#else
#define PEAK_KIB_MAX (100 * 1024)
#endif

/*
 * The peak resident memory of process pid, in KiB, if it runs ringside
 * (after its exec): VmHWM in /proc/pid/status, the high-water mark of its
 * own address space.  Not getrusage's ru_maxrss: a child counts there
 * what it had before its exec, the copy of this test's memory.  0 if
 * not known (not yet ringside, or ended).
 */
static long ringside_hwm_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = 0;
	bool ours = false;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strcmp(line, "Name:\tringside\n") == 0)
			ours = true;
		else if (strncmp(line, "VmHWM:", 6) == 0)
			kib = strtol(line + 6, NULL, 10);
	}
	fclose(f);
	return ours ? kib : 0;
}

/*
 * ./ringside --headless --quiet on build/guests/<guest>.elf in `mode`,
 * with --max-insns max if max > 0, in a child process: what it prints
 * (the guest's output) into out, its exit status into *status (-1: a
 * signal ended it), and its peak resident memory in KiB, watched every
 * 10 ms while it runs (the mark only rises: a run that grows is seen).
 */
static long ringside_peak_kib(const char *guest, enum exec_mode mode,
			      uint64_t max, char *out, size_t size, int *status)
{
	char path[256], modearg[32], maxarg[32];
	char *argv[] = { "./ringside", "--headless", "--quiet", modearg,
			 "--guest", path, "--max-insns", maxarg, NULL };
	size_t n = 0;
	ssize_t k;
	long peak = 0, kib;
	int fd[2], st;
	pid_t pid;

	snprintf(path, sizeof path, "build/guests/%s.elf", guest);
	snprintf(modearg, sizeof modearg, "--mode=%s", tl_modes[mode]);
	snprintf(maxarg, sizeof maxarg, "%" PRIu64, max);
	if (max == 0)
		argv[6] = NULL;		/* no bound but the default */
	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		tl_child_small_quarantine();
		dup2(fd[1], STDOUT_FILENO);
		close(fd[0]);
		close(fd[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fd[1]);
	fcntl(fd[0], F_SETFL, O_NONBLOCK);	/* read as it comes: never full */
	do {
		if ((kib = ringside_hwm_kib(pid)) > peak)
			peak = kib;
		while (n + 1 < size &&
		       (k = read(fd[0], out + n, size - 1 - n)) > 0)
			n += (size_t)k;
		usleep(10000);
	} while (waitpid(pid, &st, WNOHANG) == 0);
	while (n + 1 < size && (k = read(fd[0], out + n, size - 1 - n)) > 0)
		n += (size_t)k;
	out[n] = '\0';
	close(fd[0]);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	assert_true(peak > 0);	/* it was watched */
	return peak;
}

/*
 * x87loop's loop with its data in the code's page, after the code: 6.4
 * million instructions whose x87 instructions are stepped (their
 * accesses come with a stale EIP, beside a load through a register).
 * Before, under te and hw, each such step with an operand anywhere later
 * in the page was translated alone, and Unicorn's memory grew until it
 * crashed (SIGSEGV at 1.18 GB, 19 s); now only an operand in the code
 * translated with the instruction is (blockcache_reach): none here, so
 * no engine is replaced (EV_ENGINE: with the old rule, 18.7 s), and the
 * run is QEMU's, in every mode, in little memory.
 */
static void x87smc(void **state)
{
	struct tl_hostile h = { "x87smc", 7 * M, POWER_DEBUG_EXIT, 0, true, true };
	const char *qemu = tl_qemu_says("x87smc");

	(void)state;
	assert_string_equal(qemu, "x87smc: 800000 iterations of FLD, FADD, FSTP "
			    "and a MOV store, data in the code's page\n"
			    "000c3500\n00249f00\nx87smc: done\n");
	tl_ends_as_on_qemu(&h);
	for (int m = MODE_TE; m <= MODE_HW; m += MODE_HW - MODE_TE) {
		struct tl_run r;

		/* nothing translated alone: no engine had to be replaced */
		tl_hostile_run(&h, (enum exec_mode)m, &r);
		assert_int_equal(tl_count(&r, EV_ENGINE), 0);
		tl_free(&r);
	}
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		char out[4096];
		int st;
		long kib = ringside_peak_kib("x87smc", (enum exec_mode)m, 0,
					     out, sizeof out, &st);

		if (st != 0 || strcmp(out, qemu) != 0)
			fail_msg("x87smc --mode=%s: status %d, printed:\n%s",
				 tl_modes[m], st, out);
		if (kib > PEAK_KIB_MAX)
			fail_msg("x87smc --mode=%s: peak RSS %ld KiB", tl_modes[m], kib);
	}
}

/*
 * smcloop: a store into the code being run, two a loop, a million loops:
 * each throws Unicorn's translation away.  The first million
 * instructions (200,000 loops) stay in little memory under te and hw,
 * as the CPU replaces an engine after CPU_RENEW_AFTER retranslations
 * (without that: 890 MB for the whole run), and under bt, as the
 * translator flushes its TC after BT_DEAD_MAX dropped units (without
 * that: 246 MB for 200,000 instructions).  Printed: QEMU's first line.
 */
static void smcloop_bounded(void **state)
{
	(void)state;
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		char out[4096];
		int st;
		long kib = ringside_peak_kib("smcloop", (enum exec_mode)m, M,
					     out, sizeof out, &st);

		assert_int_equal(st, 1);	/* the bound stopped it */
		assert_string_equal(out, "smcloop: \n");
		if (kib > PEAK_KIB_MAX)
			fail_msg("smcloop --mode=%s: peak RSS %ld KiB", tl_modes[m], kib);
	}
}

/* smcloop under te, the CPU replacing an engine after renew_after. */
static void run_smcloop(uint32_t renew_after, struct tl_run *r)
{
	tl_boot_mode("build/guests/smcloop.elf", MODE_TE, false, r);
	cpu_set_renew_after(r->vm->vcpu[0]->cpu, renew_after);
	assert_int_equal(sim_run(r->sim, 300000, &r->stop), SIM_OK);
}

/*
 * A replaced engine loses nothing: smcloop's first 300,000 instructions
 * with an engine replaced after every 100 retranslations (EV_ENGINE, a
 * few thousand times) end where they end with none replaced, with the
 * same registers and output.
 */
static void renew_keeps_state(void **state)
{
	static const enum x86_register regs[] = {
		X86R_EAX, X86R_ECX, X86R_EDX, X86R_EBX, X86R_ESP, X86R_EBP,
		X86R_ESI, X86R_EDI, X86R_EIP, X86R_EFLAGS, X86R_CS, X86R_DS,
		X86R_SS, X86R_CR0
	};
	struct tl_run never, often;
	const struct event *last = NULL;

	(void)state;
	run_smcloop(0, &never);
	run_smcloop(100, &often);
	assert_int_equal(tl_count(&never, EV_ENGINE), 0);
	assert_true(tl_count(&often, EV_ENGINE) > 1000);
	for (size_t i = 0; i < often.nev; i++)
		if (often.ev[i].kind == EV_ENGINE)
			last = &often.ev[i];
	assert_int_equal(last->u.engine.retranslations, 100);
	assert_int_equal(sim_insns(often.sim), sim_insns(never.sim));
	assert_string_equal(tl_serial(&often), tl_serial(&never));
	for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++)
		assert_int_equal(cpu_reg(often.vm->vcpu[0]->cpu, regs[i]),
				 cpu_reg(never.vm->vcpu[0]->cpu, regs[i]));
	/* the loop ran, each patch seen: 7 a loop (ECX counts them down) */
	assert_true(cpu_reg(often.vm->vcpu[0]->cpu, X86R_EBX) > 7 * 20000);
	assert_int_equal(cpu_reg(often.vm->vcpu[0]->cpu, X86R_EBX) % 7, 0);
	assert_true(cpu_reg(often.vm->vcpu[0]->cpu, X86R_ECX) < 1000000 - 20000);
	tl_free(&never);
	tl_free(&often);
}

/*
 * An instruction patching the next one in its own block (under bt: in its
 * own translation unit, already copied into the TC): the patch counts at
 * once, as on QEMU.
 */
static void smcself(void **state)
{
	(void)state;
	assert_string_equal(tl_qemu_says("smcself"), "smcself: 00000046\n");
	tl_hostile_check(&(struct tl_hostile){ "smcself", M, POWER_DEBUG_EXIT, 0, true, true });
}

/*
 * Two functions in one chunk of code, both translated under bt, patched
 * one after the other: the first patch drops only f's unit, and g's copy
 * must still be watched for the second (bt_smc.c: bt_code_written keeps
 * the chunk's surviving units watched).
 */
static void smcchunk(void **state)
{
	(void)state;
	assert_string_equal(tl_qemu_says("smcchunk"),
			    "smcchunk: 00000007\n00000005\n");
	tl_hostile_check(&(struct tl_hostile){ "smcchunk", M, POWER_DEBUG_EXIT, 0, true, true });
}

/* The same by read-modify-write through a register: made once, seen at once. */
static void smcrmw(void **state)
{
	(void)state;
	assert_string_equal(tl_qemu_says("smcrmw"), "smcrmw: 000000a5\n");
	tl_hostile_check(&(struct tl_hostile){ "smcrmw", M, POWER_DEBUG_EXIT, 0, true, true });
}

/*
 * The patch made by the VMM on the guest's behalf (a PUSHF callout under
 * bt).  A known difference, by design, under te: PUSHF runs directly and
 * pushes the real IF, one of the x86 holes te is there to show (Robin &
 * Irvine 2000): 0x246, not QEMU's 0x46.
 */
static void smcvmm(void **state)
{
	struct tl_hostile h = { "smcvmm", M, POWER_DEBUG_EXIT, 0, true, false };
	const char *qemu = tl_qemu_says("smcvmm");

	(void)state;
	tl_ends_as_on_qemu(&h);
	assert_string_equal(qemu, "smcvmm: 00000046\n");
	tl_hostile_expect(&h, MODE_BT, qemu);
	tl_hostile_expect(&h, MODE_HW, qemu);
	tl_hostile_expect(&h, MODE_TE, "smcvmm: 00000246\n");	/* QEMU's | IF */
}

/* REP OUTSB of 1 MiB: one instruction per iteration, the same answer. */
static void repouts(void **state)
{
	(void)state;
	tl_hostile_check(&(struct tl_hostile){ "repouts", 4 * M, POWER_DEBUG_EXIT, 0, true, true });
}

/*
 * Where two outputs first differ (n if the first n bytes agree), and a
 * failure that shows both there, escaped, if they do.
 */
static size_t first_difference(const char *a, const char *b, size_t n)
{
	size_t i = 0;

	while (i < n && a[i] == b[i])
		i++;
	return i;
}

static void show_bytes(char *buf, size_t size, const char *p, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k + 5 < size; i++)
		k += (size_t)(p[i] == '\n' ? snprintf(buf + k, size - k, "\\n") :
			      p[i] >= ' ' && p[i] <= '~' ?
			      snprintf(buf + k, size - k, "%c", p[i]) :
			      snprintf(buf + k, size - k, "\\x%02x",
				       (unsigned char)p[i]));
	buf[k] = '\0';
}

static void assert_same_bytes(const char *what, const char *ours,
			      const char *qemu, size_t n)
{
	size_t at = first_difference(ours, qemu, n), from, len;
	char a[256], b[256];

	if (at == n)
		return;
	from = at > 16 ? at - 16 : 0;
	len = n - from < 32 ? n - from : 32;
	show_bytes(a, sizeof a, ours + from, len);
	show_bytes(b, sizeof b, qemu + from, len);
	fail_msg("%s: byte %zu differs; from byte %zu ringside sent\n%s\n"
		 "--- QEMU:\n%s", what, at, from, a, b);
}

/*
 * REP OUTSB of 4G bytes to the serial port (rep4g.S): no machine finishes
 * it in a test's time (QEMU takes minutes), so each is stopped in the
 * middle of the one instruction: QEMU once it has sent the guest's whole
 * text (qemu-run.sh --serial-bytes watches the output's size, not the
 * clock), ringside by its bound, a million instructions into the count.
 * What ringside sent is then a prefix of QEMU's, byte for byte, long
 * enough to say something; ECX and ESI say how far the instruction got,
 * one iteration per byte sent.
 */
#define REP4G_TEXT (9 * 16384)		/* rep4g.S's text: 16,384 lines */

static void rep4g(void **state)
{
	struct tl_hostile h = { "rep4g", 1100000, TL_STILL_ON, 0, false, false };
	char flags[64];
	const char *qemu, *ours, *nl;
	size_t qlen, len, head;
	int st;

	(void)state;
	/* the watched output is the guest's: one that ends first, as without */
	qemu = tl_qemu_bytes("build/guests/smcself.elf", "--serial-bytes 100000",
			     &qlen, &st);
	assert_int_equal(st, 0);
	assert_string_equal(qemu, tl_qemu_says("smcself"));
	snprintf(flags, sizeof flags, "--serial-bytes %d", 64 + REP4G_TEXT);
	qemu = tl_qemu_bytes("build/guests/rep4g.elf", flags, &qlen, &st);
	assert_int_equal(st, 5);	/* stopped there, as it had not ended */
	assert_int_equal(qlen, 64 + REP4G_TEXT);
	nl = memchr(qemu, '\n', qlen);
	assert_non_null(nl);
	head = (size_t)(nl + 1 - qemu);		/* the first line */
	assert_memory_equal(qemu + head, "00200000\n00200009\n", 18);
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;
		struct cpu *cpu;
		char what[64];

		tl_hostile_run(&h, (enum exec_mode)m, &r);
		ours = vm_serial(r.vm, &len);
		if (len < head + 50000)
			fail_msg("rep4g --mode=%s: sent %zu bytes in %" PRIu64
				 " instructions: too few to compare",
				 tl_modes[m], len, h.bound);
		snprintf(what, sizeof what, "rep4g --mode=%s", tl_modes[m]);
		assert_same_bytes(what, ours, qemu, len < qlen ? len : qlen);
		cpu = r.vm->vcpu[0]->cpu;
		assert_int_equal(cpu_reg(cpu, X86R_ESI), 0x200000 + (len - head));
		assert_int_equal(cpu_reg(cpu, X86R_ECX),
				 0xfffffff0u - (len - head));
		tl_free(&r);
	}
}

/* 16 bytes: #GP(0) in every mode, as on QEMU. */
static void longinsn(void **state)
{
	(void)state;
	tl_hostile_check(&(struct tl_hostile){ "longinsn", M, POWER_DEBUG_EXIT, 0, true, true });
}

/* IRET with NT set: #TS(back link), as on QEMU. */
static void iretnt(void **state)
{
	(void)state;
	tl_hostile_check(&(struct tl_hostile){ "iretnt", M, POWER_DEBUG_EXIT, 0, true, true });
}

/*
 * The timer at 600 kHz (a tick every 1.7 us).  Under bt the guest gets its
 * work done, as on QEMU.  Under te and hw each tick costs the VMM more
 * than the time to the next one (the handler's OUT and IRET trap, or
 * exit): the guest only ever runs its handler, a livelock the bound
 * ends, with every tick's instructions counted (a difference by design:
 * QEMU charges nothing for a trap), having printed QEMU's first line.
 */
static void irqstorm(void **state)
{
	struct tl_hostile done = { "irqstorm", 4 * M, POWER_DEBUG_EXIT, 0, true, false };
	struct tl_hostile stuck = { "irqstorm", 2 * M, TL_STILL_ON, 0, false, false };
	const char *qemu = tl_qemu_says("irqstorm");

	(void)state;
	assert_string_equal(qemu, "irqstorm: timer at 600 kHz\n"
			    "irqstorm: counted to a million\n");
	tl_ends_as_on_qemu(&done);
	tl_hostile_expect(&done, MODE_BT, qemu);
	expect_qemu_prefix(&stuck, MODE_TE);
	expect_qemu_prefix(&stuck, MODE_HW);
}

/*
 * Random bytes with no IDT: they end the machine in a triple fault, with
 * QEMU's output.  (Before, their loads past RAM powered it off first.)
 */
static void garbage(void **state)
{
	(void)state;
	tl_hostile_check(&(struct tl_hostile){ "garbage", M, POWER_TRIPLE_FAULT, 0, false, true });
}

/* A triple fault: no output on either machine, the VM powered off. */
static void triple(void **state)
{
	(void)state;
	tl_hostile_check(&(struct tl_hostile){ "triple", M, POWER_TRIPLE_FAULT, 0, false, true });
}

/*
 * A front end's poll (sim_set_poll) is asked while a run of slow
 * instructions goes on, and stops it where it is: rep4g with a budget of a
 * billion instructions, stopped in its REP OUTSB by the poll's 20th "yes,
 * stop".
 */
static bool stop_after_20(void *ctx)
{
	int *n = ctx;

	return ++*n >= 20;
}

static void poll_bounds_a_run(void **state)
{
	(void)state;
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;
		int asked = 0;

		tl_boot_mode("build/guests/rep4g.elf", (enum exec_mode)m, false, &r);
		sim_set_poll(r.sim, stop_after_20, &asked);
		assert_int_equal(sim_run(r.sim, 1000u * M, &r.stop), SIM_OK);
		assert_int_equal(r.stop, SIM_STOP_REQUESTED);
		assert_int_equal(asked, 20);
		assert_true(sim_insns(r.sim) < 1000u * M);
		assert_int_equal(r.vm->state, VM_ON);
		/* in the REP OUTSB, past the text's first byte */
		assert_true(cpu_reg(r.vm->vcpu[0]->cpu, X86R_ESI) > 0x200000);
		tl_free(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gate),
		cmocka_unit_test(vmmgate),
		cmocka_unit_test(x87smc),
		cmocka_unit_test(smcloop_bounded),
		cmocka_unit_test(renew_keeps_state),
		cmocka_unit_test(smcself),
		cmocka_unit_test(smcchunk),
		cmocka_unit_test(smcrmw),
		cmocka_unit_test(smcvmm),
		cmocka_unit_test(repouts),
		cmocka_unit_test(rep4g),
		cmocka_unit_test(longinsn),
		cmocka_unit_test(iretnt),
		cmocka_unit_test(irqstorm),
		cmocka_unit_test(garbage),
		cmocka_unit_test(triple),
		cmocka_unit_test(poll_bounds_a_run),
	};

	return cmocka_run_group_tests(tests, NULL, tl_qemu_teardown);
}
