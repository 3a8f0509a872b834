/*
 * test_smccount.c - on self-modifying code, te, bt and hw count and list
 * only the instructions the guest really ran (issue #14).
 *
 * tests/guests/smccount.S is smcloop.S's loop 100 times: a store that
 * patches the immediate of the ADD after it, in the block being run, the
 * ADD, a store setting it back, LOOP.  Unicorn gives a block up at a
 * store into it and runs the store again alone (vmm_smc_store);
 * counting that block whole once made te and hw count 10 instructions
 * an iteration and list ADDs with the old immediate.  The reference is
 * QEMU, run one instruction per translation block (tests/reference/
 * qemu-run.sh --insns): the EIP of every instruction it retires, in
 * order, as two of up to three runs agree (qemu_run).  Each mode's EV_INSN events must be that list, each ADD listed
 * with the immediate just stored, --max-insns N (sim_run's budget) must
 * stop after exactly the first N of them, and cutting the run into small
 * budgets (stops inside the blocks given up) must change nothing.
 * tests/guests/smcown.S stores into its own bytes, which Unicorn's
 * memory hook does not see: told by the blocks, the same list (own_bytes);
 * so do smccall.S (a CALL pushing onto itself), smcshadow.S (after STI
 * and MOV SS) and smcstep.S (under TF), whose one-instruction blocks
 * only a record of the give-up (v->run.retry) tells from a retry.
 * Stepping back over the loop is test_history.c's (back_smcloop_*).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testlib.h"
#include "vm.h"
#include "vmm/vmm.h"

#define GUEST "build/guests/smccount.elf"
#define ITERATIONS 100		/* smccount.S's */
#define EIPS_MAX 4096

/* A list of instruction addresses, in the order they ran. */
struct eips {
	uint32_t at[EIPS_MAX];
	size_t n;
};

/*
 * What one QEMU run retires of guest from the kernel's entry on (its
 * loader's code cut) into *q, after it printed serial.
 */
static void qemu_once(const char *guest, const char *serial, struct eips *q)
{
	char path[256], flags[300], *text, *line;
	uint32_t entry = tl_symbol(guest, "_start");
	size_t len;
	int status;

	tl_temp_file(path, sizeof path, ".txt");
	snprintf(flags, sizeof flags, "--insns %s", path);
	assert_string_equal(tl_qemu(guest, flags, &status), serial);
	assert_int_equal(status, 0);
	text = tl_slurp(path, &len);
	assert_non_null(text);
	unlink(path);
	q->n = 0;
	for (line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		uint32_t eip = (uint32_t)strtoul(line, NULL, 16);

		if (q->n == 0 && eip != entry)
			continue;
		assert_true(q->n < EIPS_MAX);
		q->at[q->n++] = eip;
	}
	free(text);
}

static bool eips_same(const struct eips *a, const struct eips *b)
{
	return a->n == b->n &&
	       memcmp(a->at, b->at, a->n * sizeof a->at[0]) == 0;
}

/*
 * What QEMU retires of guest into *q: the list two of up to three runs
 * agree on.  One run's list was once an instruction off (own_bytes_listed:
 * likely a block QEMU's exec log names but did not run to its end), so
 * one run is not taken on its word; the comparison with ringside's is
 * never loosened, and three runs that all differ fail the test.
 */
static void qemu_run(const char *guest, const char *serial, struct eips *q)
{
	static struct eips run[3];

	qemu_once(guest, serial, &run[0]);
	qemu_once(guest, serial, &run[1]);
	if (eips_same(&run[0], &run[1])) {
		*q = run[0];
		return;
	}
	qemu_once(guest, serial, &run[2]);
	if (!eips_same(&run[2], &run[0]) && !eips_same(&run[2], &run[1]))
		fail_msg("%s: three QEMU runs listed %zu, %zu and %zu "
			 "instructions, no two alike", guest, run[0].n,
			 run[1].n, run[2].n);
	*q = run[2];
}

/* smccount's, run once. */
static const struct eips *qemu_eips(void)
{
	static struct eips q;

	if (q.n == 0)
		qemu_run(GUEST, "smcloop: 000002bc\n", &q);
	assert_true(q.n > 4 * ITERATIONS);
	return &q;
}

/* The EIPs of r's EV_INSN events. */
static void listed(const struct tl_run *r, struct eips *out)
{
	out->n = 0;
	for (size_t i = 0; i < r->nev; i++)
		if (r->ev[i].kind == EV_INSN) {
			assert_true(out->n < EIPS_MAX);
			out->at[out->n++] = r->ev[i].u.insn.eip;
		}
}

static void assert_eips_equal(const struct eips *want, size_t n,
			      const struct eips *got, enum exec_mode m)
{
	if (got->n != n)
		fail_msg("--mode=%s: %zu instructions listed, QEMU ran %zu",
			 tl_modes[m], got->n, n);
	for (size_t i = 0; i < n; i++)
		if (got->at[i] != want->at[i])
			fail_msg("--mode=%s: instruction %zu at 0x%08x, QEMU's "
				 "at 0x%08x", tl_modes[m], i, got->at[i],
				 want->at[i]);
}

/* Is ev the ADD EBX, imm32 (81 C3 imm32), and with which immediate? */
static bool is_add(const struct event *ev, uint32_t *imm)
{
	const uint8_t *b = ev->u.insn.bytes;

	if (ev->u.insn.len != 6 || b[0] != 0x81 || b[1] != 0xc3)
		return false;
	*imm = (uint32_t)b[2] | (uint32_t)b[3] << 8 | (uint32_t)b[4] << 16 |
	       (uint32_t)b[5] << 24;
	return true;
}

/*
 * The whole run in each mode: QEMU's instructions, and no other, each
 * counted once; every ADD listed with the 7 just stored, 4 events apart.
 */
static void as_on_qemu(void **state)
{
	const struct eips *q = qemu_eips();

	(void)state;
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;
		struct eips got;
		long last = -1;
		int adds = 0;

		tl_boot_mode(GUEST, (enum exec_mode)m, true, &r);
		assert_int_equal(sim_run(r.sim, 1000000, &r.stop), SIM_OK);
		assert_int_equal(r.vm->state, VM_OFF);
		assert_string_equal(tl_serial(&r), "smcloop: 000002bc\n");
		listed(&r, &got);
		assert_eips_equal(q, q->n, &got, (enum exec_mode)m);
		assert_int_equal(sim_insns(r.sim), q->n);
		for (size_t i = 0, k = 0; i < r.nev; i++) {
			uint32_t imm;

			if (r.ev[i].kind != EV_INSN)
				continue;
			if (is_add(&r.ev[i], &imm)) {
				if (imm != 7)
					fail_msg("--mode=%s: ADD %zu listed with "
						 "%u", tl_modes[m], k, imm);
				if (last >= 0 && (long)k - last != 4)
					fail_msg("--mode=%s: %ld instructions "
						 "between two ADDs", tl_modes[m],
						 (long)k - last);
				last = (long)k;
				adds++;
			}
			k++;
		}
		assert_int_equal(adds, ITERATIONS);
		tl_free(&r);
	}
}

/*
 * A budget of n instructions, for every n around the loop's first two
 * iterations (a stop before, inside and after each block given up) and
 * a few more: exactly QEMU's first n run and listed, EIP on the next.
 */
static void max_insns_exact(void **state)
{
	const struct eips *q = qemu_eips();
	size_t first = 0, ns[40], nn = 0;

	(void)state;
	/* the loop's first store: the ADD 10 bytes on, the other store 16 */
	while (first + 12 < q->n && !(q->at[first + 1] == q->at[first] + 10 &&
				      q->at[first + 2] == q->at[first] + 16))
		first++;
	assert_true(first > 0 && first + 12 < q->n);
	for (size_t k = 0; k < 12; k++)
		ns[nn++] = first - 1 + k;
	ns[nn++] = 1;
	ns[nn++] = first + 4 * 37 + 2;
	ns[nn++] = q->n - 3;
	for (int m = MODE_TE; m <= MODE_HW; m++)
		for (size_t i = 0; i < nn; i++) {
			struct tl_run r;
			struct eips got;

			tl_boot_mode(GUEST, (enum exec_mode)m, true, &r);
			assert_int_equal(sim_run(r.sim, ns[i], &r.stop),
					 SIM_OK);
			assert_int_equal(sim_insns(r.sim), ns[i]);
			listed(&r, &got);
			assert_eips_equal(q, ns[i], &got, (enum exec_mode)m);
			assert_int_equal(vmm_guest_eip(r.vm->vcpu[0]),
					 q->at[ns[i]]);
			tl_free(&r);
		}
}

/* The run cut into budgets of 1 to 7 instructions: the same list. */
static void small_budgets(void **state)
{
	const struct eips *q = qemu_eips();

	(void)state;
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;
		struct eips got;
		uint64_t k = 0;

		tl_boot_mode(GUEST, (enum exec_mode)m, true, &r);
		while (r.vm->state == VM_ON && k < 10 * q->n) {
			uint64_t before = sim_insns(r.sim), n = 1 + k++ % 7;

			assert_int_equal(sim_run(r.sim, n, &r.stop), SIM_OK);
			if (r.vm->state == VM_ON)
				assert_int_equal(sim_insns(r.sim) - before, n);
		}
		listed(&r, &got);
		assert_eips_equal(q, q->n, &got, (enum exec_mode)m);
		assert_string_equal(tl_serial(&r), "smcloop: 000002bc\n");
		tl_free(&r);
	}
}

/*
 * guest (build/guests/NAME.elf) run whole in the modes first to last:
 * QEMU's instructions listed and counted, and no other.
 */
static void same_list(const char *guest, const char *serial,
		      enum exec_mode first, enum exec_mode last)
{
	static struct eips q;

	qemu_run(guest, serial, &q);
	for (int m = (int)first; m <= (int)last; m++) {
		struct tl_run r;
		struct eips got;

		tl_boot_mode(guest, (enum exec_mode)m, true, &r);
		assert_int_equal(sim_run(r.sim, 100000, &r.stop), SIM_OK);
		assert_string_equal(tl_serial(&r), serial);
		listed(&r, &got);
		assert_eips_equal(&q, q.n, &got, (enum exec_mode)m);
		assert_int_equal(sim_insns(r.sim), got.n);
		tl_free(&r);
	}
}

/*
 * tests/guests/smcown.S: an instruction storing into its own bytes.
 * Unicorn gives its block up and runs it again alone, as for smccount,
 * but its memory hook never sees that store [measured: no write at
 * 0x10002e reaches cpu_hooks.c's on_write from the second iteration on],
 * so the VMM tells it by the blocks (vmm_smc_next_block): the count and
 * listing are QEMU's in every mode (te and hw listed 3 instructions more
 * per iteration before).
 */
static void own_bytes(void **state)
{
	(void)state;
	same_list("build/guests/smcown.elf", "smcown: 0000000a\n", MODE_TE,
		  MODE_HW);
}

/*
 * tests/guests/smccall.S: a CALL pushing its return address onto its own
 * bytes.  QEMU gives its block up and runs it again alone, and a block
 * of the CALL alone is also what a jump back to it runs: only a record
 * of the give-up tells the retry (v->run.retry).  In its second loop the
 * push is unaligned and no memory hook sees it: the CALL's retry is told
 * by its target, not its own address (te listed 9 instructions more
 * without that).
 */
static void own_bytes_call(void **state)
{
	(void)state;
	same_list("build/guests/smccall.elf", "smccall: 00000014\n", MODE_TE,
		  MODE_HW);
}

/*
 * tests/guests/smcshadow.S: stores into their own bytes by the lone
 * instruction after STI and after MOV SS, a block of one instruction
 * that is not a retry: given up like any other.  Under hw the store's
 * block also holds the CLI (or the ADD and LOOP after MOV SS...) that
 * the VT-x model must see, so it is stepped; on the step engine, run
 * with a count of 1, Unicorn counted the run it gave up at the store and
 * stopped before the retry, EIP unchanged, and the next step did the
 * same for ever (the guest never ended; cpu_step_own now runs such an
 * instruction with no count, up to the next one).
 */
static void own_bytes_shadow(void **state)
{
	(void)state;
	same_list("build/guests/smcshadow.elf", "smcshadow: 0000000a\n",
		  MODE_TE, MODE_HW);
}

/*
 * tests/guests/smcstep.S: the same under TF, where every block is one
 * instruction, in every mode.  bt listed 445 instructions where QEMU ran
 * 425: each PUSHF and POPF run under TF, which bt's translated code
 * calls out for, twice (10006f and 100077, 10 iterations), as the VMM
 * listed the instruction it carried out once more when it raised the
 * #DB after it (vmm_single_step); a trap after the instruction, not
 * another run of it.
 */
static void own_bytes_step(void **state)
{
	(void)state;
	same_list("build/guests/smcstep.elf", "smcstep: 00000032\n", MODE_TE,
		  MODE_HW);
}

/*
 * tests/guests/smcfault.S: a BOUND reading its own bytes as its bounds,
 * after STI, faults (#BR) ten times.  Under hw the VT-x model steps the
 * block after STI and cpu_step_own runs the BOUND with no count; the
 * #BR's handler ran inside that run (Unicorn 2.0.1 goes on after a
 * hook's write of EIP, whatever stop was asked), uncounted, and its
 * IRET's descriptor loads were taken as the guest's: a triple fault
 * where QEMU prints "smcfault: 0000000a".  The run now stops at the
 * exception and the VMM delivers it after (on_intr, cpu_step_own).
 */
static void own_bytes_fault(void **state)
{
	(void)state;
	same_list("build/guests/smcfault.elf", "smcfault: 0000000a\n",
		  MODE_TE, MODE_HW);
}

/* The immediate of an ADD imm32 to memory (81 05 disp32 imm32) listed. */
static bool is_add_mem(const struct event *ev, uint32_t *imm)
{
	const uint8_t *b = ev->u.insn.bytes;

	if (ev->u.insn.len != 10 || b[0] != 0x81 || b[1] != 0x05)
		return false;
	*imm = (uint32_t)b[6] | (uint32_t)b[7] << 8 | (uint32_t)b[8] << 16 |
	       (uint32_t)b[9] << 24;
	return true;
}

/*
 * tests/guests/smcgrow.S: the instruction adds its immediate to itself,
 * so its bytes change at each iteration, and no memory hook sees it
 * either.  QEMU's list in every mode, and each of the ten ADDs listed
 * with the immediate it ran with (0x100, 0x200, ... 0x20000): listed
 * from a block decoded before the store changed them, the 0x100 would
 * stay (the block cache learns of the store from vmm_smc_next_block).
 */
static void own_bytes_listed(void **state)
{
	static struct eips q;

	(void)state;
	qemu_run("build/guests/smcgrow.elf", "smcgrow: 00040000\n", &q);
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;
		struct eips got;
		uint32_t want = 0x100, imm;
		int adds = 0;

		tl_boot_mode("build/guests/smcgrow.elf", (enum exec_mode)m, true,
			     &r);
		assert_int_equal(sim_run(r.sim, 100000, &r.stop), SIM_OK);
		assert_string_equal(tl_serial(&r), "smcgrow: 00040000\n");
		listed(&r, &got);
		assert_eips_equal(&q, q.n, &got, (enum exec_mode)m);
		assert_int_equal(sim_insns(r.sim), got.n);
		for (size_t i = 0; i < r.nev; i++) {
			if (r.ev[i].kind != EV_INSN ||
			    !is_add_mem(&r.ev[i], &imm))
				continue;
			if (imm != want)
				fail_msg("--mode=%s: ADD %d listed with 0x%x, "
					 "ran with 0x%x", tl_modes[m], adds,
					 imm, want);
			want *= 2;
			adds++;
		}
		assert_int_equal(adds, 10);
		tl_free(&r);
	}
}

/*
 * tests/guests/smcflip.S: a MOV storing into its own opcode byte, which
 * turns it from MOV %AL (A2) into MOV %EAX (A3) at the seventh run: the
 * memory hook sees the 1-byte stores, in the block given up and in its
 * retry (which is not given up again: v->run.retry), the 4-byte ones only
 * the first time (vmm_smc_next_block).  QEMU's list in every mode, the MOV
 * listed seven times as A2, then three as A3.
 */
static void own_bytes_flip(void **state)
{
	static const char want[] = "AAAAAAABBB";	/* A2 (A), A3 (B) */
	static struct eips q;

	(void)state;
	qemu_run("build/guests/smcflip.elf", "smcflip: 00000004\n", &q);
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;
		struct eips got;
		char ops[16] = "";
		uint32_t at = 0;
		size_t k = 0;

		tl_boot_mode("build/guests/smcflip.elf", (enum exec_mode)m, true,
			     &r);
		assert_int_equal(sim_run(r.sim, 100000, &r.stop), SIM_OK);
		assert_string_equal(tl_serial(&r), "smcflip: 00000004\n");
		listed(&r, &got);
		assert_eips_equal(&q, q.n, &got, (enum exec_mode)m);
		for (size_t i = 0; i < r.nev && k + 1 < sizeof ops; i++) {
			const struct event *ev = &r.ev[i];

			if (ev->kind != EV_INSN || ev->u.insn.len != 5)
				continue;
			if (at == 0 && ev->u.insn.bytes[0] == 0xa2)
				at = ev->u.insn.eip;	/* the loop's MOV */
			if (ev->u.insn.eip == at)
				ops[k++] = ev->u.insn.bytes[0] == 0xa2 ? 'A' :
					   ev->u.insn.bytes[0] == 0xa3 ? 'B' : '?';
		}
		if (strcmp(ops, want) != 0)
			fail_msg("--mode=%s: the MOV listed as %s (A: A2, B: "
				 "A3), QEMU ran %s", tl_modes[m], ops, want);
		tl_free(&r);
	}
}

/*
 * tests/guests/smcnext.S: a MOV whose store covers its own bytes and the
 * next instruction's (MOV $n, %DL), which no memory hook sees; only the
 * blocks tell the VMM (vmm_smc_next_block notes the store for the block
 * cache).  QEMU's list in every mode, and the MOV to DL listed with the
 * n it ran with, 0 to 9: a cache left with the old bytes lists 0 ten
 * times.
 */
static void own_bytes_next(void **state)
{
	static struct eips q;

	(void)state;
	qemu_run("build/guests/smcnext.elf", "smcnext: 0000002d\n", &q);
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;
		struct eips got;
		int movs = 0;

		tl_boot_mode("build/guests/smcnext.elf", (enum exec_mode)m, true,
			     &r);
		assert_int_equal(sim_run(r.sim, 100000, &r.stop), SIM_OK);
		assert_string_equal(tl_serial(&r), "smcnext: 0000002d\n");
		listed(&r, &got);
		assert_eips_equal(&q, q.n, &got, (enum exec_mode)m);
		assert_int_equal(sim_insns(r.sim), got.n);
		for (size_t i = 0; i < r.nev; i++) {
			const struct event *ev = &r.ev[i];

			if (ev->kind != EV_INSN || ev->u.insn.len != 2 ||
			    ev->u.insn.bytes[0] != 0xb2)
				continue;
			if (ev->u.insn.bytes[1] != movs)
				fail_msg("--mode=%s: MOV $%d, %%DL listed as "
					 "MOV $%d", tl_modes[m], movs,
					 ev->u.insn.bytes[1]);
			movs++;
		}
		assert_int_equal(movs, 10);
		tl_free(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(as_on_qemu),
		cmocka_unit_test(max_insns_exact),
		cmocka_unit_test(small_budgets),
		cmocka_unit_test(own_bytes),
		cmocka_unit_test(own_bytes_listed),
		cmocka_unit_test(own_bytes_flip),
		cmocka_unit_test(own_bytes_next),
		cmocka_unit_test(own_bytes_call),
		cmocka_unit_test(own_bytes_shadow),
		cmocka_unit_test(own_bytes_step),
		cmocka_unit_test(own_bytes_fault),
	};

	return cmocka_run_group_tests_name("smccount", tests, NULL,
					   tl_qemu_teardown);
}
