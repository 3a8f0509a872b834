/*
 * test_nothing.c - memory that does not exist (tests/guests/): the guest's
 * loads, stores and code fetches past RAM, in the local APIC's page where
 * no register answers code, and in the top 4 MiB of the address space,
 * the VMM's area (its real GDT, its stub, its translation cache), which
 * the guest must neither see nor change.  On QEMU nothing is there, as
 * past the end of RAM: a load gives 0, a store goes nowhere, and the
 * guest goes on.  Under ringside too, in every mode: each such access is
 * the VMM's trap (a no-memory event), and the VMM's own bytes stay as
 * they were (docs/fidelity.md).  Code fetched there is zeros, run one at
 * a time by the VMM, also the part past RAM of an instruction that begins
 * in RAM (badmem) or wraps into it (jmptop).  Which instruction each trap
 * names, and what the VMM's own accesses for the guest find, are
 * test_named.c's.  Each guest runs in te, bt and hw and is compared with
 * qemu-system-i386 (tests/reference/).
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

/* Reading the VMM's area (the translation cache under bt): 0, and on. */
static void vmmread(void **state)
{
	(void)state;
	tl_hostile_check(&(struct tl_hostile){ "vmmread", M, POWER_DEBUG_EXIT, 0, true, true });
}

/*
 * The same word of the VMM's area read again and again: 0 every time,
 * as on QEMU (each read reaches the guard, not only the page's first,
 * whatever the guard is made of: sim/cpu/cpu_hooks.c).
 */
static void vmmreread(void **state)
{
	(void)state;
	tl_hostile_check(&(struct tl_hostile){ "vmmreread", M, POWER_DEBUG_EXIT, 0, true, true });
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
		tl_no_memory_faults((enum exec_mode)m, &r);
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
		tl_no_memory_faults((enum exec_mode)m, &r);
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
		tl_no_memory_faults((enum exec_mode)m, &r);
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
		tl_no_memory_faults((enum exec_mode)m, &r);
		tl_free(&r);
	}
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vmmread),
		cmocka_unit_test(vmmreread),
		cmocka_unit_test(vmmzero),
		cmocka_unit_test(nomem),
		cmocka_unit_test(vmmjump),
		cmocka_unit_test(nocode),
		cmocka_unit_test(nothing_steps_as_it_runs),
		cmocka_unit_test(jmptop),
		cmocka_unit_test(badmem),
		cmocka_unit_test(relend),
	};

	return cmocka_run_group_tests(tests, NULL, tl_qemu_teardown);
}
