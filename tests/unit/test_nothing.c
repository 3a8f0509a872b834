/*
 * test_nothing.c - memory that does not exist (tests/guests/): the guest's
 * loads, stores and code fetches past RAM, in the local APIC's page where
 * nothing answers, and in the top 4 MiB of the address space, the VMM's
 * area (its real GDT, its stub, its translation cache), which the guest
 * must neither see nor change.  On QEMU nothing is there, as past the end
 * of RAM: a load gives 0, a store goes nowhere, and the guest goes on.
 * Under ringside too, in every mode: each such access is the VMM's trap (a
 * no-memory event) naming the instruction that made it, and the VMM's own
 * bytes stay as they were (docs/fidelity.md).  Code fetched there is
 * zeros, run one at a time by the VMM, also the part past RAM of an
 * instruction that begins in RAM (badmem) or wraps into it (jmptop).  The
 * VMM's own accesses for the guest (a bt callout, the VT-x model, a
 * delivery's frame) find nothing there as the CPU's do.  Each guest runs
 * in te, bt and hw and is compared with qemu-system-i386
 * (tests/reference/).
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

#define M 1000000u

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
				 tl_modes[m], e->u.trap.a, e->u.trap.eip);
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

/* Reading the VMM's area (the translation cache under bt): 0, and on. */
static void vmmread(void **state)
{
	(void)state;
	tl_hostile_check(&(struct tl_hostile){ "vmmread", M, POWER_DEBUG_EXIT, 0, true, true });
}

/*
 * Loads and stores past RAM and in every part of the VMM's area: what
 * QEMU gives, a no-memory trap each (13 loads, 6 stores and their 6
 * loads back).
 */
static void nomem(void **state)
{
	struct tl_hostile h = { "nomem", M, POWER_DEBUG_EXIT, 0, true, true };
	const char *qemu = tl_qemu_says("nomem");

	(void)state;
	tl_ends_as_on_qemu(&h);
	assert_non_null(strstr(qemu, "ffd00000:00000000\n"));
	assert_non_null(strstr(qemu, "nomem: still running\n"));
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;

		tl_hostile_run(&h, (enum exec_mode)m, &r);
		assert_string_equal(tl_serial(&r), qemu);
		assert_int_equal(tl_no_memory(&r, 0, 0x08000000, UINT32_MAX), 18);
		assert_int_equal(tl_no_memory(&r, 1, 0x08000000, UINT32_MAX), 6);
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
	struct tl_hostile h = { "descread", M, POWER_DEBUG_EXIT, 0, true, true };
	const char *qemu = tl_qemu_says("descread");

	(void)state;
	assert_non_null(strstr(qemu, "descread: done\n"));
	assert_null(strstr(qemu, "1"));	/* every line 0 */
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;

		tl_hostile_run(&h, (enum exec_mode)m, &r);
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
	struct tl_hostile h = { "iretvmm", M, POWER_TRIPLE_FAULT, 0, false, true };

	(void)state;
	tl_hostile_check(&h);
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;
		size_t n = 0;

		tl_hostile_run(&h, (enum exec_mode)m, &r);
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

/* The run's no-memory traps, in order, come in runs of n at the
 * instruction at label (tests/guests/GUEST.S), each with op as the
 * event's operation and access (0 load, 1 store), the first at addr;
 * each is the fault of its mode. */
struct named_at {
	const char *label;
	enum x86_op op;
	uint32_t access, addr;
	size_t n;
};

static void named_as(const char *guest, enum exec_mode m,
		     const struct tl_run *r, const struct named_at *want,
		     size_t nwant)
{
	char elf[256];
	size_t k = 0, left = nwant ? want[0].n : 0;

	snprintf(elf, sizeof elf, "build/guests/%s.elf", guest);
	no_memory_faults(m, r);
	for (size_t i = 0; i < r->nev; i++) {
		const struct event *e = &r->ev[i];
		const struct named_at *w = k < nwant ? &want[k] : NULL;

		if (e->kind != EV_TRAP || e->u.trap.action != TRAP_NO_MEMORY)
			continue;
		if (w == NULL || e->u.trap.eip != tl_symbol(elf, w->label) ||
		    e->u.trap.op != w->op || e->u.trap.b != w->access ||
		    (left == w->n && e->u.trap.a != w->addr))
			fail_msg("%s --mode=%s: no-memory trap (access %u at "
				 "0x%08x) named at 0x%08x, %s: not %s's, %s, "
				 "access %u (at 0x%08x)", guest, tl_modes[m],
				 e->u.trap.b, e->u.trap.a, e->u.trap.eip,
				 x86_op_name((enum x86_op)e->u.trap.op),
				 w ? w->label : "no more", w ? x86_op_name(w->op) : "",
				 w ? w->access : 0, w ? w->addr : 0);
		if (--left == 0 && ++k < nwant)
			left = want[k].n;
	}
	if (k != nwant)
		fail_msg("%s --mode=%s: no more no-memory traps from %s's on",
			 guest, tl_modes[m], want[k].label);
}

/*
 * Instructions the VMM carries out itself for the guest (vmmfor.S): under
 * bt RET and CALL through memory (callouts) and PUSHF, under hw PUSHF (the
 * VT-x model), in every mode the delivery of INT n and of an exception,
 * each with its memory operand or its stack in nothing.  QEMU's output,
 * and the VMM's trap for each access, as when the CPU makes it, naming
 * the instruction and its operation (an INT n's frame is INT's, an
 * exception's the delivery's): the same traps in every mode.  Before,
 * the VMM read zeros and dropped stores there with no trap, and then
 * named the operation by who made the access ("other" under te).
 */
static void vmmfor(void **state)
{
	struct tl_hostile h = { "vmmfor", M, POWER_DEBUG_EXIT, 0, true, true };
	static const struct named_at want[] = {
		{ "a_ret", X86_OP_RET, 0, 0xffc40000u, 1 },
		{ "b_call", X86_OP_CALL, 0, 0x09000000u, 1 },
		{ "c_push", X86_OP_PUSHF, 1, 0xffc3fffcu, 1 },
		{ "c_pop", X86_OP_OTHER, 0, 0xffc3fffcu, 1 },
		{ "d_int", X86_OP_INT, 1, 0xffc3fffcu, 3 },	/* its frame */
		{ "e_ud", X86_OP_DELIVERY, 1, 0x08fffffcu, 3 },	/* #UD's */
	};
	const char *qemu = tl_qemu_says("vmmfor");

	(void)state;
	assert_non_null(strstr(qemu, "0000000a\n00000006\n00000000\n"
				     "0000000d\n0000000e\nvmmfor: done\n"));
	tl_ends_as_on_qemu(&h);
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;

		tl_hostile_run(&h, (enum exec_mode)m, &r);
		assert_string_equal(tl_serial(&r), qemu);
		named_as("vmmfor", (enum exec_mode)m, &r, want,
			   sizeof want / sizeof want[0]);
		tl_free(&r);
	}
}

/*
 * Pushes and stores of nothing made by instructions alone in their block
 * after another that accessed nothing (pusheip.S): under te the CPU makes
 * a CALL FAR's pushes, direct, through a pointer or a gate, to the same
 * ring or an inner one, in Unicorn's helper, and FXSAVE's stores in every
 * mode, where the EIP Unicorn reports is a previous instruction's
 * [measured]; INT3, INTO and INT n the VMM delivers, a #GP frame too.
 * QEMU's output, and each trap names its instruction and what it was
 * doing (the operation, the delivery for the #GP's frame), in every mode.
 */
static void pusheip(void **state)
{
	struct tl_hostile h = { "pusheip", M, POWER_DEBUG_EXIT, 0, true, true };
	static const struct named_at want[] = {
		{ "a_call", X86_OP_CALL_FAR, 1, 0xffc3fffcu, 2 },  /* CS, EIP */
		{ "b_call", X86_OP_CALL_FAR, 1, 0x08fffffcu, 2 },
		{ "c_call", X86_OP_CALL_FAR, 1, 0xffc3fffcu, 2 },
		{ "d_int3", X86_OP_INT3, 1, 0xffc3fffcu, 3 },	/* EFLAGS... */
		{ "e_into", X86_OP_INTO, 1, 0x08fffffcu, 3 },
		{ "f_int", X86_OP_INT, 1, 0xffc3fffcu, 3 },
		{ "g_enter", X86_OP_OTHER, 1, 0xffc3fffcu, 3 },
		{ "h_retf", X86_OP_RET_FAR, 0, 0xffc40000u, 2 },  /* EIP, CS */
		{ "h_retf", X86_OP_DELIVERY, 1, 0xffc3fffcu, 4 }, /* #GP's */
		{ "i_push", X86_OP_OTHER, 1, 0xffc3fffcu, 1 },
		{ "i_call", X86_OP_CALL_FAR, 1, 0xffc3fff8u, 2 },
		{ "j_fxsave", X86_OP_OTHER, 1, 0xffc40000u, 21 }, /* 512 B */
		{ "l_div", X86_OP_DELIVERY, 1, 0x08fffffcu, 3 },	/* not INTO */
		{ "k_call", X86_OP_CALL_FAR, 1, 0xffc3fffcu, 4 },  /* SS... */
	};
	const char *qemu = tl_qemu_says("pusheip");

	(void)state;
	assert_non_null(strstr(qemu, "ffc3ffec\nffc3fffc\n00000011\n"));
	assert_non_null(strstr(qemu, "pusheip: done\n"));
	tl_ends_as_on_qemu(&h);
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;

		tl_hostile_run(&h, (enum exec_mode)m, &r);
		assert_string_equal(tl_serial(&r), qemu);
		named_as("pusheip", (enum exec_mode)m, &r, want,
			 sizeof want / sizeof want[0]);
		tl_free(&r);
	}
}

/*
 * The local APIC's page, read and written by instructions the VMM carries
 * out for the guest (a bt callout, the VT-x model, te's emulation) and by
 * an interrupt's delivery (apicfor.S): they reach the APIC's registers as
 * the guest's own accesses do, as on QEMU, where a load narrower than 4
 * bytes gives 0 [measured].  QEMU's output in every mode, with no
 * no-memory trap there.  Before, the VMM took the page for nothing (zeros,
 * stores dropped, a trap each), and a narrow load gave the register's
 * bytes.
 */
static void apicfor(void **state)
{
	struct tl_hostile h = { "apicfor", M, POWER_DEBUG_EXIT, 0, true, true };
	const char *qemu = tl_qemu_says("apicfor");

	(void)state;
	assert_non_null(strstr(qemu, "00050014\n00000000\n00000000\n"
				     "0000000b\n00000006\n00000010\n"
				     "00050014\n00000000\n0000000f\n"));
	tl_ends_as_on_qemu(&h);
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;

		tl_hostile_run(&h, (enum exec_mode)m, &r);
		assert_string_equal(tl_serial(&r), qemu);
		for (uint32_t access = 0; access <= 2; access++)
			assert_int_equal(tl_no_memory(&r, access, 0xfee00000u,
						      0xfee00fffu), 0);
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
	struct tl_hostile h = { "helpereip", M, POWER_DEBUG_EXIT, 0, true, true };
	const char *qemu = tl_qemu_says("helpereip");

	(void)state;
	assert_non_null(strstr(qemu, "helpereip: done\n"));
	tl_ends_as_on_qemu(&h);
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;

		tl_hostile_run(&h, (enum exec_mode)m, &r);
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
	struct tl_hostile h = { "vmmzero", 8 * M, POWER_DEBUG_EXIT, 0, true, true };
	const char *qemu = tl_qemu_says("vmmzero");

	(void)state;
	tl_ends_as_on_qemu(&h);
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
		assert_int_equal(tl_no_memory(&r, 1, VMM_BASE, UINT32_MAX), 0x100000);
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
	struct tl_hostile h = { "vmmjump", 200000, TL_STILL_ON, 0, false, true };
	const char *qemu;
	int end;

	(void)state;
	qemu = tl_qemu_ran("vmmjump", &end);
	assert_int_equal(end, 4);	/* QEMU: a triple fault, in its ROM */
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;
		uint32_t eip;

		tl_hostile_run(&h, (enum exec_mode)m, &r);
		assert_string_equal(tl_serial(&r), qemu);
		eip = cpu_reg(r.vm->vcpu[0]->cpu, X86R_EIP);
		assert_true(eip >= 0xffc20010u && eip < 0xffc20010u + 2 * 200000);
		assert_true(tl_no_memory(&r, 2, 0xffc20010u, UINT32_MAX) > 190000);
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
	struct tl_hostile h = { "nocode", M, POWER_DEBUG_EXIT, 0, true, true };
	const char *want = "nocode: running zeros where there is no memory\n"
		"nocode: the tick came in the zeros, at an instruction\n"
		"nocode: they ran\n"
		"nocode: the tick came in the zeros, at an instruction\n"
		"nocode: they ran\n"
		"nocode: the tick came in the zeros, at an instruction\n"
		"nocode: they ran\n";
	char qemu[512], *p;

	(void)state;
	tl_ends_as_on_qemu(&h);
	snprintf(qemu, sizeof qemu, "%s", tl_qemu_says("nocode"));
	while ((p = strstr(qemu, "they did not run\n")) != NULL) {
		memcpy(p, "they ran\n", 9);
		memmove(p + 9, p + 17, strlen(p + 17) + 1);
	}
	assert_string_equal(qemu, want);
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;

		tl_hostile_run(&h, (enum exec_mode)m, &r);
		assert_string_equal(tl_serial(&r), want);
		assert_true(tl_no_memory(&r, 2, 0x20000000, 0x20100000) > 10);
		assert_true(tl_no_memory(&r, 2, 0xfee00030u, 0xfee00fffu) > 10);
		assert_true(tl_no_memory(&r, 2, 0xffc20010u, 0xffd20010u) > 10);
		no_memory_faults((enum exec_mode)m, &r);
		tl_free(&r);
	}
}

/*
 * The guest prints qemu in every mode, with n code fetches from nothing,
 * all at addr (the first byte in nothing of the instruction there), each
 * the fault of its mode.
 */
static void fetches_as_qemu(const struct tl_hostile *h, const char *qemu,
			    uint32_t addr, size_t n)
{
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;

		tl_hostile_run(h, (enum exec_mode)m, &r);
		assert_string_equal(tl_serial(&r), qemu);
		assert_int_equal(tl_no_memory(&r, 2, 0, UINT32_MAX), n);
		assert_int_equal(tl_no_memory(&r, 2, addr, addr), n);
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
	struct tl_hostile h = { "jmptop", M, POWER_DEBUG_EXIT, 0, true, true };
	const char *qemu = tl_qemu_says("jmptop");

	(void)state;
	assert_string_equal(qemu, "jmptop: jumping to 0xffffffff\n00000107\n");
	tl_ends_as_on_qemu(&h);
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
	struct tl_hostile h = { "badmem", M, POWER_DEBUG_EXIT, 0, true, true };
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
	struct tl_hostile h = { "relend", M, POWER_DEBUG_EXIT, 0, true, true };
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

		tl_hostile_run(&h, (enum exec_mode)m, &r);
		assert_string_equal(tl_serial(&r), qemu);
		assert_int_equal(tl_no_memory(&r, 2, 0x08000000u, 0x08000000u), 4);
		assert_true(tl_no_memory(&r, 2, 0x08000002u, 0x08100000u) > 10);
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
	assert_non_null(strstr(tl_qemu_says("stack16"),
			       "0020800c\n00000000\n00207ff4\n00208008\n"));
	tl_hostile_check(&(struct tl_hostile){ "stack16", M, POWER_DEBUG_EXIT, 0, true, true });
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

static int forget(void **state)
{
	(void)state;
	tl_qemu_forget();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vmmread),
		cmocka_unit_test(vmmzero),
		cmocka_unit_test(nomem),
		cmocka_unit_test(descread),
		cmocka_unit_test(iretvmm),
		cmocka_unit_test(vmmfor),
		cmocka_unit_test(helpereip),
		cmocka_unit_test(pusheip),
		cmocka_unit_test(apicfor),
		cmocka_unit_test(vmmjump),
		cmocka_unit_test(nocode),
		cmocka_unit_test(nothing_steps_as_it_runs),
		cmocka_unit_test(jmptop),
		cmocka_unit_test(badmem),
		cmocka_unit_test(relend),
		cmocka_unit_test(stack16),
	};

	return cmocka_run_group_tests(tests, NULL, forget);
}
