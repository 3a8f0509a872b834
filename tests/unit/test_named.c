/*
 * test_named.c - whose is an access of memory that does not exist: each
 * no-memory trap names the instruction that made it and its operation,
 * whoever made it, in every mode: the CPU in translated code or in one of
 * Unicorn's helpers, where the EIP Unicorn reports is a previous
 * instruction's (descriptor reads, far transfers and far CALL's pushes,
 * x87, FXSAVE...: x86_stale_eip), or the VMM carrying the instruction out
 * for the guest (te's emulation, a bt callout, the VT-x model) or
 * delivering an interrupt (its frame: the delivery).  And what the VMM's
 * own accesses for the guest find: zeros in nothing, the registers in the
 * local APIC's region (and MSIs there), SP on a 16-bit stack, as the
 * CPU's do.  Each guest
 * runs in te, bt and hw and is compared with qemu-system-i386
 * (tests/reference/); the guest's own accesses of nothing are
 * test_nothing.c's.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "testlib.h"
#include "trace.h"
#include "vm.h"
#include "vmm/vmm.h"

#define M 1000000u

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
		tl_no_memory_faults((enum exec_mode)m, &r);
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
	tl_no_memory_faults(m, r);
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

/* The text trace of the run's first no-memory trap says what and where. */
static void text_says(const struct tl_run *r, const char *what,
		      const char *where)
{
	char txt[256];

	for (size_t i = 0; i < r->nev; i++)
		if (r->ev[i].kind == EV_TRAP &&
		    r->ev[i].u.trap.action == TRAP_NO_MEMORY) {
			trace_text(r->sim, &r->ev[i], txt, sizeof txt);
			if (strstr(txt, what) == NULL ||
			    strstr(txt, where) == NULL)
				fail_msg("the trap reads \"%s\": not %s, %s", txt,
					 what, where);
			return;
		}
	fail_msg("no no-memory trap");
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
		text_says(&r, "on far call", "0xffc3fffc");	/* a_call's */
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
						      0xfeefffffu), 0);
		tl_free(&r);
	}
}

/*
 * The APIC's page, not one aligned 4-byte access at a time (apicedge.S):
 * unaligned, narrower, 8 bytes wide, across the page's end, by the CPU
 * and by the VMM acting for the guest, and the error status register they
 * set, as on QEMU [measured]: an unaligned load is two aligned loads
 * combined (0x00105678 at +2 reads 0x56780010), an unaligned store is
 * bytes the APIC drops, an 8-byte access is refused whole.  Before, the
 * VMM loaded 4 bytes at +2 as the register whole (LDS, POP FS), 8-byte
 * accesses reached the register in two halves, and the ESR stayed 0.
 */
static void apicedge(void **state)
{
	struct tl_hostile h = { "apicedge", M, POWER_DEBUG_EXIT, 0, true, true };
	const char *qemu = tl_qemu_says("apicedge");

	(void)state;
	assert_non_null(strstr(qemu, "00000000\n56780010\n00000000\n"
				     "00000000\n00000000\n00000000\n"
				     "00105678\n00105678\n00105678\n"
				     "56780010\n00000000\n00000010\n"
				     "00000000\n00105678\n00000080\n"
				     "00000080\n00000080\napicedge: done\n"));
	tl_hostile_check(&h);
}

/*
 * The APIC's whole region, 1 MiB as QEMU's (apicmsi.S): loads past its
 * first page read the registers, stores there (or to its first 16 bytes)
 * are MSIs, by the CPU and by the VMM pushing an interrupt's frame, and a
 * vector below 16 is taken with no ESR bit, as on QEMU [measured]; the
 * region answers with the APIC globally disabled, which software-disables
 * it for good.  Before, the pages past the first were nothing (loads 0,
 * stores dropped), an MSI was not modelled, vector 5 set the ESR's bits
 * 5 and 6 and was dropped, and a disabled APIC's region read 0xffffffff.
 * Under ringside every MSI is an event (16 here, in each mode), and the
 * only no-memory trap is the load just past the region.
 */
static void apicmsi(void **state)
{
	struct tl_hostile h = { "apicmsi", M, POWER_DEBUG_EXIT, 0, true, true };
	const char *qemu = tl_qemu_says("apicmsi");

	(void)state;
	assert_non_null(strstr(qemu, "00000000\n00000020\n00000000\n00000005\n"
				     "00050014\n00100000\n000001ff\n00000000\n"
				     "00000080\n"));
	assert_non_null(strstr(qemu, "00000100\n00000008\n00000080\n"
				     "00000000\n00050014\n00050014\n"
				     "000000ff\n00000002\nfee00100\n"
				     "apicmsi: done\n"));
	tl_ends_as_on_qemu(&h);
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;
		size_t n = 0;

		tl_hostile_run(&h, (enum exec_mode)m, &r);
		assert_string_equal(tl_serial(&r), qemu);
		for (size_t i = 0; i < r.nev; i++)
			n += r.ev[i].kind == EV_TRAP &&
			     r.ev[i].u.trap.action == TRAP_MSI;
		assert_int_equal(n, 16);
		assert_int_equal(tl_no_memory(&r, 0, 0xfee00000u, 0xfeefffffu), 0);
		assert_int_equal(tl_no_memory(&r, 1, 0xfee00000u, 0xfeefffffu), 0);
		assert_int_equal(tl_no_memory(&r, 0, 0xfef00000u, 0xfef00000u), 1);
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
		tl_no_memory_faults((enum exec_mode)m, &r);
		assert_true(traps_named("helpereip", (enum exec_mode)m, &r,
					helper_insn) >= 10);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(descread),
		cmocka_unit_test(iretvmm),
		cmocka_unit_test(vmmfor),
		cmocka_unit_test(helpereip),
		cmocka_unit_test(pusheip),
		cmocka_unit_test(apicfor),
		cmocka_unit_test(apicedge),
		cmocka_unit_test(apicmsi),
		cmocka_unit_test(stack16),
	};

	return cmocka_run_group_tests(tests, NULL, tl_qemu_teardown);
}
