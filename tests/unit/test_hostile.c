/*
 * test_hostile.c - guests that try to break out, hang the simulator or get
 * the wrong answer (tests/guests/): each runs in te, bt and hw with a bound
 * on its instructions, and must end as the table says (the VM's last
 * power event), within the bound, with the serial output qemu-system-i386
 * gives the same guest (the reference machine, tests/reference/), and as
 * it ends there (the debug-exit port, or a triple fault).  Where ringside
 * differs from QEMU the test says so and asserts the difference (vmmjump's
 * end, smcvmm under te, irqstorm under te and hw); a run no machine finishes
 * in a test's time is compared up to where both were stopped (rep4g).
 *
 * The top 4 MiB of the address space are the VMM's area (its real GDT,
 * its stub, its translation cache), which the guest must neither see nor
 * change; on QEMU nothing is there, as past the end of RAM: a load gives
 * 0, a store goes nowhere, and the guest goes on.  Under ringside too, in
 * every mode: each such access is the VMM's trap (a no-memory event) and
 * the VMM's own bytes stay as they were (docs/fidelity.md).  Code fetched
 * there is zeros, run one at a time by the VMM, also the part past RAM of
 * an instruction that begins in RAM (badmem) or wraps into it (jmptop).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "testlib.h"
#include "vm.h"
#include "vmm/vmm.h"

#define STILL_ON POWER_REASON_COUNT	/* the bound stopped it: still on */

struct hostile {
	const char *guest;
	uint64_t bound;			/* instructions at most */
	enum power_reason end;		/* how the VM ends (or STILL_ON) */
	uint32_t status;		/* exit code, or the address touched */
	bool check_status;
	bool qemu;			/* serial output and end as on QEMU */
};

static const char *const modes[] = { "te", "bt", "hw" };

/* The last power event of the run: how the VM ended. */
static const struct event *last_power(const struct tl_run *r)
{
	const struct event *p = NULL;

	for (size_t i = 0; i < r->nev; i++)
		if (r->ev[i].kind == EV_POWER)
			p = &r->ev[i];
	return p;
}

static void run_one(const struct hostile *h, enum exec_mode mode,
		    struct tl_run *r)
{
	const struct event *p;
	char guest[256];

	snprintf(guest, sizeof guest, "build/guests/%s.elf", h->guest);
	tl_boot_mode(guest, mode, false, r);
	assert_int_equal(sim_run(r->sim, h->bound, &r->stop), SIM_OK);
	assert_true(sim_insns(r->sim) <= h->bound);
	p = last_power(r);
	assert_non_null(p);
	if (h->end == STILL_ON) {
		if (r->vm->state == VM_OFF)
			fail_msg("%s --mode=%s: powered off (%s), not stopped by the bound",
				 h->guest, modes[mode],
				 power_reason_name((enum power_reason)p->u.power.reason));
		assert_int_equal(sim_insns(r->sim), h->bound);
		return;
	}
	if (p->u.power.reason != h->end)
		fail_msg("%s --mode=%s: ended %s (0x%08x), not %s", h->guest,
			 modes[mode],
			 power_reason_name((enum power_reason)p->u.power.reason),
			 p->u.power.status, power_reason_name(h->end));
	if (h->check_status)
		assert_int_equal(p->u.power.status, h->status);
}

/* The guest in mode ends as h says, having printed serial (NULL: any). */
static void expect(const struct hostile *h, enum exec_mode mode,
		   const char *serial)
{
	struct tl_run r;

	run_one(h, mode, &r);
	if (serial != NULL && strcmp(tl_serial(&r), serial) != 0)
		fail_msg("%s --mode=%s prints:\n%s--- not:\n%s", h->guest,
			 modes[mode], tl_serial(&r), serial);
	tl_free(&r);
}

/* QEMU's output for the guest (cached: each runs once), and how its run
 * ended there (qemu-run.sh's status) in *end. */
static const char *qemu_ran(const char *name, int *end)
{
	char guest[256];

	snprintf(guest, sizeof guest, "build/guests/%s.elf", name);
	return tl_qemu(guest, "", end);
}

static const char *qemu_says(const char *name)
{
	int end;

	return qemu_ran(name, &end);
}

/*
 * The guest ends on QEMU as h says it ends under ringside: qemu-run.sh's
 * status 0 for the debug-exit port written 0, 3 for another value, 4 for
 * a triple fault.  (A run the bound stops, STILL_ON, has no end to
 * compare: its test says what QEMU's is.)
 */
static void ends_as_on_qemu(const struct hostile *h)
{
	int want, end;

	switch (h->end) {
	case POWER_DEBUG_EXIT:
		want = h->status == 0 ? 0 : 3;
		break;
	case POWER_TRIPLE_FAULT:
		want = 4;
		break;
	default:
		fail_msg("%s: no end on QEMU is %s", h->guest,
			 power_reason_name(h->end));
	}
	qemu_ran(h->guest, &end);
	if (end != want)
		fail_msg("%s: QEMU's run ends with qemu-run.sh status %d, not %d (%s)",
			 h->guest, end, want, power_reason_name(h->end));
}

static void check(const struct hostile *h)
{
	const char *qemu = h->qemu ? qemu_says(h->guest) : NULL;

	if (h->qemu && h->end != STILL_ON)
		ends_as_on_qemu(h);
	for (int m = MODE_TE; m <= MODE_HW; m++)
		expect(h, (enum exec_mode)m, qemu);
}

/*
 * A run the bound stopped (a livelock, or an instruction of minutes):
 * what the guest printed is the start of what it prints on QEMU.
 */
static void expect_qemu_prefix(const struct hostile *h, enum exec_mode mode)
{
	const char *qemu = qemu_says(h->guest), *ours;
	struct tl_run r;

	run_one(h, mode, &r);
	ours = tl_serial(&r);
	if (strncmp(ours, qemu, strlen(ours)) != 0)
		fail_msg("%s --mode=%s prints:\n%s--- not the start of QEMU's:\n%s",
			 h->guest, modes[mode], ours, qemu);
	tl_free(&r);
}

#define M 1000000u

/* The no-memory traps of a run: loads (access 0), stores (1) or fetches
 * (2) at addresses in [lo, hi]. */
static size_t no_memory(const struct tl_run *r, uint32_t access, uint32_t lo,
			uint32_t hi)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nev; i++) {
		const struct event *e = &r->ev[i];

		if (e->kind == EV_TRAP && e->u.trap.action == TRAP_NO_MEMORY &&
		    e->u.trap.b == access && e->u.trap.a >= lo &&
		    e->u.trap.a <= hi)
			n++;
	}
	return n;
}

/*
 * The fault a real VMM takes on each: under te and bt the truncated
 * segment's #GP in the VMM's area and a #PF past RAM; under hw (2006
 * VT-x, no EPT) a VM exit, reason 0 (exception or NMI) for the #PF its
 * shadow page tables give, wherever the address (SDM vol. 3C 25.2, the
 * exception bitmap; table C-1).
 */
static void no_memory_faults(enum exec_mode m, const struct tl_run *r)
{
	for (size_t i = 0; i < r->nev; i++) {
		const struct event *e = &r->ev[i];

		if (e->kind != EV_TRAP || e->u.trap.action != TRAP_NO_MEMORY)
			continue;
		if (m == MODE_HW) {
			assert_int_equal(e->u.trap.vm_exit, 1);
			assert_int_equal(e->u.trap.exit_reason, 0);
			assert_int_equal(e->u.trap.vector, X86_PF);
		} else {
			assert_int_equal(e->u.trap.vm_exit, 0);
			assert_int_equal(e->u.trap.vector,
					 e->u.trap.a >= VMM_BASE ? X86_GP : X86_PF);
		}
	}
}

/*
 * The run's no-memory traps, each named at an instruction ours() accepts
 * (given the bytes at its EIP): how many.
 */
static size_t traps_named(const char *guest, enum exec_mode m,
			  const struct tl_run *r, bool (*ours)(const uint8_t *at))
{
	size_t n = 0;

	for (size_t i = 0; i < r->nev; i++) {
		const struct event *e = &r->ev[i];

		if (e->kind != EV_TRAP || e->u.trap.action != TRAP_NO_MEMORY)
			continue;
		n++;
		if (!ours(r->vm->ram + e->u.trap.eip))
			fail_msg("%s --mode=%s: the access of 0x%08x is named "
				 "at 0x%08x, not its instruction", guest,
				 modes[m], e->u.trap.a, e->u.trap.eip);
	}
	return n;
}

/* descread.S's loads: MOV EAX, [m], POP FS, LDS. */
static bool descread_insn(const uint8_t *at)
{
	return at[0] == 0xa1 || (at[0] == 0x0f && at[1] == 0xa1) ||
	       at[0] == 0xc5;
}

/* helpereip.S's: CMPXCHG8B, FXRSTOR (0F), BOUND, x87. */
static bool helper_insn(const uint8_t *at)
{
	return at[0] == 0x0f || at[0] == 0x62 || (at[0] >= 0xd8 && at[0] <= 0xdf);
}

/*
 * A DPL-0 code descriptor and a call gate written into the real GDT: the
 * stores go nowhere (six no-memory traps), the selector names a zero
 * descriptor past the guest's GDT: #GP and, with no IDT, a triple fault,
 * as on QEMU.  Nothing ever runs at the real ring 0 ("ring 0!").
 */
static void gate(void **state)
{
	struct hostile h = { "gate", M, POWER_TRIPLE_FAULT, 0, false, true };
	const char *qemu = qemu_says("gate");

	(void)state;
	assert_string_equal(qemu, "gate: start\n");
	ends_as_on_qemu(&h);
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;

		run_one(&h, (enum exec_mode)m, &r);
		assert_string_equal(tl_serial(&r), qemu);
		assert_int_equal(no_memory(&r, 1, VMM_BASE, VMM_BASE + 0xffff), 6);
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
	check(&(struct hostile){ "vmmgate", M, POWER_TRIPLE_FAULT, 0, false, true });
}

/* Reading the VMM's area (the translation cache under bt): 0, and on. */
static void vmmread(void **state)
{
	(void)state;
	check(&(struct hostile){ "vmmread", M, POWER_DEBUG_EXIT, 0, true, true });
}

/*
 * Loads and stores past RAM and in every part of the VMM's area: what
 * QEMU gives, a no-memory trap each (13 loads, 6 stores and their 6
 * loads back).
 */
static void nomem(void **state)
{
	struct hostile h = { "nomem", M, POWER_DEBUG_EXIT, 0, true, true };
	const char *qemu = qemu_says("nomem");

	(void)state;
	ends_as_on_qemu(&h);
	assert_non_null(strstr(qemu, "ffd00000:00000000\n"));
	assert_non_null(strstr(qemu, "nomem: still running\n"));
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;

		run_one(&h, (enum exec_mode)m, &r);
		assert_string_equal(tl_serial(&r), qemu);
		assert_int_equal(no_memory(&r, 0, 0x08000000, UINT32_MAX), 18);
		assert_int_equal(no_memory(&r, 1, 0x08000000, UINT32_MAX), 6);
		no_memory_faults((enum exec_mode)m, &r);
		tl_free(&r);
	}
}

/*
 * Loads of the real GDT by instructions for which the CPU reads a
 * descriptor there too, or in their block (descread.S): each finds
 * nothing, as on QEMU, while the CPU's descriptor reads still find the
 * VMM's copy (the guest's segment loads, LAR, far return and IRET work).
 * Each is a no-memory trap at the instruction that loads (a MOV from
 * memory, POP FS, LDS: the EIP of the event is its own, not that of an
 * instruction before it in the block), in every mode: bt and hw carry out
 * POP FS and LDS themselves (a callout, the VT-x model), and their reads
 * of nothing are the VMM's trap as the CPU's are.
 */
static void descread(void **state)
{
	struct hostile h = { "descread", M, POWER_DEBUG_EXIT, 0, true, true };
	const char *qemu = qemu_says("descread");

	(void)state;
	assert_non_null(strstr(qemu, "descread: done\n"));
	assert_null(strstr(qemu, "1"));	/* every line 0 */
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;

		run_one(&h, (enum exec_mode)m, &r);
		assert_string_equal(tl_serial(&r), qemu);
		no_memory_faults((enum exec_mode)m, &r);
		/* five MOVs, POP FS, and LDS's offset and selector */
		assert_int_equal(traps_named("descread", (enum exec_mode)m, &r,
					     descread_insn), 8);
		tl_free(&r);
		/* stepped (the TUI's step) as run whole */
		tl_assert_steps_as_runs("build/guests/descread.elf",
					(enum exec_mode)m, 1590, false);
	}
}

/*
 * IRET with its frame in the VMM's area (iretvmm.S): the frame pops as
 * zeros, #GP(0) for CS 0 and a triple fault, as on QEMU.  Under te the CPU
 * loads the frame in the helper that reads CS's descriptor, where
 * Unicorn's EIP is still a previous instruction's; under bt and hw the VMM
 * pops it (a callout, the VT-x model): in every mode the no-memory traps
 * name the IRET (three loads: EIP, CS, EFLAGS).  Before, te popped the
 * VMM's own descriptor bytes as the frame.
 */
static void iretvmm(void **state)
{
	struct hostile h = { "iretvmm", M, POWER_TRIPLE_FAULT, 0, false, true };

	(void)state;
	check(&h);
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;
		size_t n = 0;

		run_one(&h, (enum exec_mode)m, &r);
		for (size_t i = 0; i < r.nev; i++) {
			const struct event *e = &r.ev[i];

			if (e->kind != EV_TRAP ||
			    e->u.trap.action != TRAP_NO_MEMORY)
				continue;
			n++;
			assert_int_equal(r.vm->ram[e->u.trap.eip], 0xcf);
			assert_int_equal(e->u.trap.op, X86_OP_IRET);
		}
		assert_int_equal(n, 3);
		tl_free(&r);
	}
}

/* A no-memory trap the run must have: at the instruction whose first
 * byte is op, a load (0) or store (1) at addr. */
struct nothing_at {
	uint8_t op;
	uint32_t access, addr;
};

/* The run's no-memory traps are exactly want[0..n), in order, each the
 * fault of its mode. */
static void nothing_as(const char *guest, enum exec_mode m,
		       const struct tl_run *r, const struct nothing_at *want,
		       size_t n)
{
	size_t k = 0;

	no_memory_faults(m, r);
	for (size_t i = 0; i < r->nev; i++) {
		const struct event *e = &r->ev[i];

		if (e->kind != EV_TRAP || e->u.trap.action != TRAP_NO_MEMORY)
			continue;
		if (k == n || r->vm->ram[e->u.trap.eip] != want[k].op ||
		    e->u.trap.b != want[k].access || e->u.trap.a != want[k].addr)
			fail_msg("%s --mode=%s: no-memory trap %zu: access %u at "
				 "0x%08x by 0x%08x (opcode %02x), not the one "
				 "expected", guest, modes[m], k, e->u.trap.b,
				 e->u.trap.a, e->u.trap.eip,
				 r->vm->ram[e->u.trap.eip]);
		k++;
	}
	if (k != n)
		fail_msg("%s --mode=%s: %zu no-memory traps, not %zu", guest,
			 modes[m], k, n);
}

/*
 * Instructions the VMM carries out itself for the guest (vmmfor.S): under
 * bt RET and CALL through memory (callouts) and PUSHF, under hw PUSHF (the
 * VT-x model), in every mode the delivery of INT n and of an exception,
 * each with its memory operand or its stack in nothing.  QEMU's output,
 * and the VMM's trap for each access, as when the CPU makes it, naming
 * the instruction: the same traps in every mode.  Before, the VMM read
 * zeros and dropped stores there with no trap.
 */
static void vmmfor(void **state)
{
	struct hostile h = { "vmmfor", M, POWER_DEBUG_EXIT, 0, true, true };
	static const struct nothing_at want[] = {
		{ 0xc3, 0, 0xffc40000u },	/* A: RET */
		{ 0xff, 0, 0x09000000u },	/* B: CALL [nothing] */
		{ 0x9c, 1, 0xffc3fffcu },	/* C: PUSHF, then POP */
		{ 0x58, 0, 0xffc3fffcu },
		{ 0xcd, 1, 0xffc3fffcu },	/* D: INT 0x30's frame */
		{ 0xcd, 1, 0xffc3fff8u },
		{ 0xcd, 1, 0xffc3fff4u },
		{ 0x0f, 1, 0x08fffffcu },	/* E: UD2's #UD frame */
		{ 0x0f, 1, 0x08fffff8u },
		{ 0x0f, 1, 0x08fffff4u },
	};
	const char *qemu = qemu_says("vmmfor");

	(void)state;
	assert_non_null(strstr(qemu, "0000000a\n00000006\n00000000\n"
				     "0000000d\n0000000e\nvmmfor: done\n"));
	ends_as_on_qemu(&h);
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;

		run_one(&h, (enum exec_mode)m, &r);
		assert_string_equal(tl_serial(&r), qemu);
		nothing_as("vmmfor", (enum exec_mode)m, &r, want,
			   sizeof want / sizeof want[0]);
		tl_free(&r);
	}
}

/*
 * Loads and stores of nothing that Unicorn makes in a helper rather than
 * in translated code (helpereip.S): CMPXCHG8B, BOUND, x87 loads and stores
 * (FLD, FILD, FBLD, FSTP, FISTP, FLDENV, FRSTOR) and FXRSTOR, each after a
 * plain load in its block, where the EIP Unicorn reports is that load's
 * [measured].  QEMU's output, and every no-memory trap names its own
 * instruction, in every mode.
 */
static void helpereip(void **state)
{
	struct hostile h = { "helpereip", M, POWER_DEBUG_EXIT, 0, true, true };
	const char *qemu = qemu_says("helpereip");

	(void)state;
	assert_non_null(strstr(qemu, "helpereip: done\n"));
	ends_as_on_qemu(&h);
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;

		run_one(&h, (enum exec_mode)m, &r);
		assert_string_equal(tl_serial(&r), qemu);
		no_memory_faults((enum exec_mode)m, &r);
		assert_true(traps_named("helpereip", (enum exec_mode)m, &r,
					helper_insn) >= 10);
		tl_free(&r);
	}
}

/*
 * Zeroing the whole VMM's area, 4 MiB with REP STOSL: every store is a
 * no-memory trap, the guest exits as on QEMU, and the VMM's stub and its
 * own descriptors are as they were (the TC is the VMM's to change).
 */
static void vmmzero(void **state)
{
	struct hostile h = { "vmmzero", 8 * M, POWER_DEBUG_EXIT, 0, true, true };
	const char *qemu = qemu_says("vmmzero");

	(void)state;
	ends_as_on_qemu(&h);
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		static uint8_t stub[0x1000], own[64];
		struct tl_run r;
		uint8_t *area;

		tl_boot_mode("build/guests/vmmzero.elf", (enum exec_mode)m, false, &r);
		area = r.vm->vcpu[0]->vmm_area;
		memcpy(stub, area + VMM_STUB_OFF, sizeof stub);
		memcpy(own, area + 8 * VMM_GUEST_GDT_ENTRIES, sizeof own);
		assert_int_equal(sim_run(r.sim, h.bound, &r.stop), SIM_OK);
		assert_int_equal(r.vm->state, VM_OFF);
		assert_int_equal(r.vm->power_reason, POWER_DEBUG_EXIT);
		assert_int_equal(r.vm->exit_status, 0);
		assert_string_equal(tl_serial(&r), qemu);
		assert_int_equal(no_memory(&r, 1, VMM_BASE, UINT32_MAX), 0x100000);
		assert_memory_equal(area + VMM_STUB_OFF, stub, sizeof stub);
		/* the DPL of the VMM's gate and CS1-3 change, the rest not */
		assert_memory_equal(area + 8 * VMM_GUEST_GDT_ENTRIES, own, 24);
		tl_free(&r);
	}
}

/*
 * A jump to the VMM's stub: the guest runs the zeros QEMU fetches there,
 * each a no-memory trap, never the VMM's code (bounded: 2 million of them
 * lead to the end of the address space).  Its end is not compared: on
 * QEMU the zeros lead into the BIOS ROM (its top 256 KiB), whose code
 * ends in a triple fault; ringside has no ROM there, and its zeros lead
 * round to low memory and a triple fault 2.4 million instructions on
 * (33 s under bt), by another road.
 */
static void vmmjump(void **state)
{
	struct hostile h = { "vmmjump", 200000, STILL_ON, 0, false, true };
	const char *qemu;
	int end;

	(void)state;
	qemu = qemu_ran("vmmjump", &end);
	assert_int_equal(end, 4);	/* QEMU: a triple fault, in its ROM */
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;
		uint32_t eip;

		run_one(&h, (enum exec_mode)m, &r);
		assert_string_equal(tl_serial(&r), qemu);
		eip = cpu_reg(r.vm->vcpu[0]->cpu, X86R_EIP);
		assert_true(eip >= 0xffc20010u && eip < 0xffc20010u + 2 * 200000);
		assert_true(no_memory(&r, 2, 0xffc20010u, UINT32_MAX) > 190000);
		tl_free(&r);
	}
}

/*
 * Code run from nothing, past RAM, in the local APIC's page (zeros on
 * QEMU too: its APIC answers 0 to a read narrower than 4 bytes) and in
 * the VMM's area, until the timer takes the guest out: each tick comes in
 * the zeros, at an instruction, after some ran, as on QEMU.  QEMU's timer follows the host's clock, so a
 * tick may come there before any zero ran ("they did not run"); ringside's
 * is simulated time and always lets some run.  QEMU's answer is taken with
 * that one difference of timing.
 */
static void nocode(void **state)
{
	struct hostile h = { "nocode", M, POWER_DEBUG_EXIT, 0, true, true };
	const char *want = "nocode: running zeros where there is no memory\n"
		"nocode: the tick came in the zeros, at an instruction\n"
		"nocode: they ran\n"
		"nocode: the tick came in the zeros, at an instruction\n"
		"nocode: they ran\n"
		"nocode: the tick came in the zeros, at an instruction\n"
		"nocode: they ran\n";
	char qemu[512], *p;

	(void)state;
	ends_as_on_qemu(&h);
	snprintf(qemu, sizeof qemu, "%s", qemu_says("nocode"));
	while ((p = strstr(qemu, "they did not run\n")) != NULL) {
		memcpy(p, "they ran\n", 9);
		memmove(p + 9, p + 17, strlen(p + 17) + 1);
	}
	assert_string_equal(qemu, want);
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;

		run_one(&h, (enum exec_mode)m, &r);
		assert_string_equal(tl_serial(&r), want);
		assert_true(no_memory(&r, 2, 0x20000000, 0x20100000) > 10);
		assert_true(no_memory(&r, 2, 0xfee00030u, 0xfee00fffu) > 10);
		assert_true(no_memory(&r, 2, 0xffc20010u, 0xffd20010u) > 10);
		no_memory_faults((enum exec_mode)m, &r);
		tl_free(&r);
	}
}

/*
 * The guest prints qemu in every mode, with n code fetches from nothing,
 * all at addr (the first byte in nothing of the instruction there), each
 * the fault of its mode.
 */
static void fetches_as_qemu(const struct hostile *h, const char *qemu,
			    uint32_t addr, size_t n)
{
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;

		run_one(h, (enum exec_mode)m, &r);
		assert_string_equal(tl_serial(&r), qemu);
		assert_int_equal(no_memory(&r, 2, 0, UINT32_MAX), n);
		assert_int_equal(no_memory(&r, 2, addr, addr), n);
		no_memory_faults((enum exec_mode)m, &r);
		tl_free(&r);
	}
}

/*
 * A jump to 0xffffffff: the CPU fetches 0 there (nothing under ringside,
 * the last byte of QEMU's BIOS ROM, also 0) and the rest of the
 * instruction from address 0, where EIP wraps: ADD [count], AL, then the
 * guest's own code.  QEMU's output, one no-memory trap (the byte at the
 * top).  Before, the VM powered off there.
 */
static void jmptop(void **state)
{
	struct hostile h = { "jmptop", M, POWER_DEBUG_EXIT, 0, true, true };
	const char *qemu = qemu_says("jmptop");

	(void)state;
	assert_string_equal(qemu, "jmptop: jumping to 0xffffffff\n00000107\n");
	ends_as_on_qemu(&h);
	fetches_as_qemu(&h, qemu, 0xffffffffu, 1);
}

/*
 * A CALL and a DIV through memory that begin in the last bytes of RAM and
 * end past it, their displacement's top half there, and an invalid
 * instruction whose ModRM is past RAM.  QEMU 7.2 with 128 MiB does not run
 * them: it aborts (an assertion in its translator), with no more output.
 * With 256 MiB, zeros there, QEMU calls through the pointer, pushing
 * 0x08000002, the DIV's #DE has its own address, 0x07fffffc, and the #UD
 * its own, 0x07fffffe: ringside, with 128 MiB, fetches zeros past RAM, as
 * for every other fetch from nothing, and gives those answers, with a
 * no-memory trap at 0x08000000 each.  Before, the VM powered off there.
 */
static void badmem(void **state)
{
	struct hostile h = { "badmem", M, POWER_DEBUG_EXIT, 0, true, true };
	const char *first =
		"badmem: instructions that begin in RAM and end past it\n";
	char qemu[256];
	int st;

	(void)state;
	assert_string_equal(tl_qemu("build/guests/badmem.elf", "", &st), first);
	assert_int_not_equal(st, 0);
	snprintf(qemu, sizeof qemu, "%s",
		 tl_qemu("build/guests/badmem.elf", "--mem 256", &st));
	assert_int_equal(st, 0);
	assert_non_null(strstr(qemu, "08000002\n07fffffc\n07fffffe\n"));
	fetches_as_qemu(&h, qemu, 0x08000000u, 3);
}

/*
 * JMP, CALL and Jcc rel32 that begin in the last bytes of RAM and end past
 * it, their displacement's top half there (relend.S): QEMU 7.2 with 128
 * MiB aborts (its translator's assertion); with 256 MiB, zeros there, each
 * goes where its displacement says, 0x08002012 (a JZ not taken on at
 * 0x08000002), and runs the zeros until the timer's tick, a CALL pushing
 * 0x08000002.  Ringside with 128 MiB gives that answer in every mode, each
 * branch a no-memory trap at 0x08000000 (its first byte in nothing), the
 * zeros after it one each.
 */
static void relend(void **state)
{
	struct hostile h = { "relend", M, POWER_DEBUG_EXIT, 0, true, true };
	char qemu[512];
	int st;

	(void)state;
	tl_qemu("build/guests/relend.elf", "", &st);
	assert_int_not_equal(st, 0);
	snprintf(qemu, sizeof qemu, "%s",
		 tl_qemu("build/guests/relend.elf", "--mem 256", &st));
	assert_int_equal(st, 0);
	assert_non_null(strstr(qemu, "0000000a\n00000001\n0000000b\n00000001\n"
				     "08000002\n0000000c\n00000001\n"
				     "0000000d\n00000001\nrelend: done\n"));
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;

		run_one(&h, (enum exec_mode)m, &r);
		assert_string_equal(tl_serial(&r), qemu);
		assert_int_equal(no_memory(&r, 2, 0x08000000u, 0x08000000u), 4);
		assert_true(no_memory(&r, 2, 0x08000002u, 0x08100000u) > 10);
		no_memory_faults((enum exec_mode)m, &r);
		tl_free(&r);
	}
}

/*
 * A 16-bit stack segment (stack16.S): IRET, INT n and RETF, which the VMM
 * carries out for the guest in some mode (te's trap, a callout, the VT-x
 * model, the delivery), address it with SP and keep ESP's top half, as on
 * QEMU.  Before, the VMM used ESP whole: it popped a decoy frame and
 * pushed the interrupt's where the CPU does not.
 */
static void stack16(void **state)
{
	(void)state;
	assert_non_null(strstr(qemu_says("stack16"),
			       "0020800c\n00000000\n00207ff4\n00208008\n"));
	check(&(struct hostile){ "stack16", M, POWER_DEBUG_EXIT, 0, true, true });
}

/*
 * The VMM's answers for nothing are the same instruction by instruction
 * (the TUI's step, vmm_step) as in a run, and the same every run: loads
 * and stores there (nomem), code run there (vmmjump), a timer's ticks
 * coming in the zeros (nocode, relend), instructions partly in RAM
 * (badmem, jmptop).
 */
static void nothing_steps_as_it_runs(void **state)
{
	(void)state;
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		tl_assert_steps_as_runs("build/guests/nomem.elf",
					(enum exec_mode)m, 3000, false);
		tl_assert_steps_as_runs("build/guests/vmmjump.elf",
					(enum exec_mode)m, 2000, false);
		tl_assert_deterministic("build/guests/nocode.elf",
					(enum exec_mode)m);
		/* past their instructions partly in nothing */
		tl_assert_steps_as_runs("build/guests/badmem.elf",
					(enum exec_mode)m, 950, false);
		tl_assert_steps_as_runs("build/guests/jmptop.elf",
					(enum exec_mode)m, 400, false);
		tl_assert_deterministic("build/guests/relend.elf",
					(enum exec_mode)m);
	}
}

/*
 * An instruction patching the next one in its own block (under bt: in its
 * own translation unit, already copied into the TC): the patch counts at
 * once, as on QEMU.
 */
static void smcself(void **state)
{
	(void)state;
	assert_string_equal(qemu_says("smcself"), "smcself: 00000046\n");
	check(&(struct hostile){ "smcself", M, POWER_DEBUG_EXIT, 0, true, true });
}

/* The same by read-modify-write through a register: made once, seen at once. */
static void smcrmw(void **state)
{
	(void)state;
	assert_string_equal(qemu_says("smcrmw"), "smcrmw: 000000a5\n");
	check(&(struct hostile){ "smcrmw", M, POWER_DEBUG_EXIT, 0, true, true });
}

/*
 * The patch made by the VMM on the guest's behalf (a PUSHF callout under
 * bt).  A known difference, by design, under te: PUSHF runs directly and
 * pushes the real IF, one of the x86 holes te is there to show (Robin &
 * Irvine 2000): 0x246, not QEMU's 0x46.
 */
static void smcvmm(void **state)
{
	struct hostile h = { "smcvmm", M, POWER_DEBUG_EXIT, 0, true, false };
	const char *qemu = qemu_says("smcvmm");

	(void)state;
	ends_as_on_qemu(&h);
	assert_string_equal(qemu, "smcvmm: 00000046\n");
	expect(&h, MODE_BT, qemu);
	expect(&h, MODE_HW, qemu);
	expect(&h, MODE_TE, "smcvmm: 00000246\n");	/* QEMU's | IF */
}

/* REP OUTSB of 1 MiB: one instruction per iteration, the same answer. */
static void repouts(void **state)
{
	(void)state;
	check(&(struct hostile){ "repouts", 4 * M, POWER_DEBUG_EXIT, 0, true, true });
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
	struct hostile h = { "rep4g", 1100000, STILL_ON, 0, false, false };
	char flags[64];
	const char *qemu, *ours, *nl;
	size_t qlen, len, head;
	int st;

	(void)state;
	/* the watched output is the guest's: one that ends first, as without */
	qemu = tl_qemu_bytes("build/guests/smcself.elf", "--serial-bytes 100000",
			     &qlen, &st);
	assert_int_equal(st, 0);
	assert_string_equal(qemu, qemu_says("smcself"));
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

		run_one(&h, (enum exec_mode)m, &r);
		ours = vm_serial(r.vm, &len);
		if (len < head + 50000)
			fail_msg("rep4g --mode=%s: sent %zu bytes in %" PRIu64
				 " instructions: too few to compare",
				 modes[m], len, h.bound);
		snprintf(what, sizeof what, "rep4g --mode=%s", modes[m]);
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
	check(&(struct hostile){ "longinsn", M, POWER_DEBUG_EXIT, 0, true, true });
}

/* IRET with NT set: #TS(back link), as on QEMU. */
static void iretnt(void **state)
{
	(void)state;
	check(&(struct hostile){ "iretnt", M, POWER_DEBUG_EXIT, 0, true, true });
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
	struct hostile done = { "irqstorm", 4 * M, POWER_DEBUG_EXIT, 0, true, false };
	struct hostile stuck = { "irqstorm", 2 * M, STILL_ON, 0, false, false };
	const char *qemu = qemu_says("irqstorm");

	(void)state;
	assert_string_equal(qemu, "irqstorm: timer at 600 kHz\n"
			    "irqstorm: counted to a million\n");
	ends_as_on_qemu(&done);
	expect(&done, MODE_BT, qemu);
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
	check(&(struct hostile){ "garbage", M, POWER_TRIPLE_FAULT, 0, false, true });
}

/* A triple fault: no output on either machine, the VM powered off. */
static void triple(void **state)
{
	(void)state;
	check(&(struct hostile){ "triple", M, POWER_TRIPLE_FAULT, 0, false, true });
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

static int forget(void **state)
{
	(void)state;
	tl_qemu_forget();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gate),
		cmocka_unit_test(vmmgate),
		cmocka_unit_test(vmmread),
		cmocka_unit_test(vmmzero),
		cmocka_unit_test(nomem),
		cmocka_unit_test(descread),
		cmocka_unit_test(iretvmm),
		cmocka_unit_test(vmmfor),
		cmocka_unit_test(helpereip),
		cmocka_unit_test(vmmjump),
		cmocka_unit_test(nocode),
		cmocka_unit_test(nothing_steps_as_it_runs),
		cmocka_unit_test(jmptop),
		cmocka_unit_test(badmem),
		cmocka_unit_test(relend),
		cmocka_unit_test(stack16),
		cmocka_unit_test(smcself),
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

	return cmocka_run_group_tests(tests, NULL, forget);
}
