/*
 * test_tfstep.c - events the guest does not ask for at each instruction,
 * against the reference machine (qemu-system-i386), in te, bt and hw:
 *   - single-stepping (EFLAGS.TF): a #DB after each instruction, DR6.BS
 *     set, also after the instructions the VMM carries out itself
 *     (tests/guests/tfstep.S), and of user code by its kernel
 *     (tfuser.S), and across changes of ring: IRET and far RET to ring
 *     3, SYSENTER and SYSEXIT (tfring.S); and --max-insns bounds a
 *     stepped guest;
 *   - a timer far faster than the guest's loop (the PIT at about 600 kHz,
 *     tests/guests/pitfast.S): its interrupts come in and the loop ends.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testlib.h"

#define OUT_MAX (1 << 16)

static char out[OUT_MAX];

static const char *const modes[] = { "te", "bt", "hw" };

/* guest's serial output under ringside --mode=mode (into out), status. */
static int run_ringside(const char *guest, const char *mode,
			const char *flags)
{
	char cmd[512];

	snprintf(cmd, sizeof cmd,
		 "./ringside --headless --quiet --mode=%s %s --guest %s", mode,
		 flags, guest);
	return tl_sh(cmd, out, sizeof out);
}

/* QEMU's output for guest, which must end by the debug-exit port. */
static const char *qemu(const char *guest)
{
	int st;
	const char *q = tl_qemu(guest, "", &st);

	if (st != 0)
		fail_msg("QEMU did not finish %s (status %d)", guest, st);
	return q;
}

/* guest's output under ringside (flags) is QEMU's q in every mode. */
static void same_as_qemu(const char *guest, const char *q, const char *flags)
{
	for (int m = 0; m < 3; m++) {
		int st = run_ringside(guest, modes[m], flags);

		if (st != 0 || strcmp(out, q) != 0)
			fail_msg("%s under --mode=%s (status %d) differs from QEMU:\n--- qemu\n%s--- ringside\n%s",
				 guest, modes[m], st, q, out);
	}
}

/*
 * The stepped sequence: the EIP of each #DB as QEMU gives it, DR6.BS set
 * in each, and under every mode the same.  Before: bt gave the guest the
 * #DB the CPU raised inside the translation of its CALL, with the CALL's
 * own EIP, and looped for ever; te and hw lost the #DB after each
 * instruction the VMM carried out (MOV from CR0 under te; CPUID, MOV
 * from SS, PUSHF and POPF under hw) and none set DR6.BS.
 */
static void single_step(void **state)
{
	static const char *const guest = "build/guests/tfstep.elf";
	const char *q = qemu(guest);

	(void)state;
	/* 13 steps: after POPF sets TF, the first is after the next one */
	assert_non_null(strstr(q, "steps 13\n0000008b 1\n0000008e 1\n"));
	/* the POPF that clears TF is stepped; INT 0x80's handler is not */
	assert_non_null(strstr(q, "000000aa 1\npushf tf 1\nint 0x80 ebx 5\n"));
	same_as_qemu(guest, q, "--max-insns 1M");
}

/*
 * A kernel single-stepping user code (tests/guests/tfuser.S), with
 * interrupts on and off: 8 steps at ring 3, DR6.BS set, as on QEMU.
 * Before, every mode powered the VM off at the first: the #DB's way into
 * the kernel goes through the VMM's stub (a change of ring), which ran
 * with the guest's TF and single-stepped itself.
 */
static void user_single_step(void **state)
{
	static const char *const guest = "build/guests/tfuser.elf";
	const char *q = qemu(guest);

	(void)state;
	assert_non_null(strstr(q, "8\n000000bc 31\n"));
	same_as_qemu(guest, q, "--max-insns 1M");
}

/*
 * Steps across changes of ring (tests/guests/tfring.S): an IRET to ring 3
 * that begins with TF set (whether it pops TF set or clear), a far RET to
 * ring 3, SYSENTER (a #DB at its entry point, from ring 0) and SYSEXIT,
 * from user code bt translates and user code it runs directly: each
 * traps, at the new ring's first instruction, as on QEMU; 17 #DBs.
 * Before, ringside carried these out in the VMM (its stub's far transfer,
 * its SYSENTER and SYSEXIT) and raised no #DB after them: bt and hw gave
 * 7 steps of the first 12, te none (the VM powered off: the #DB after
 * te's native IRET to ring 3 was delivered as from ring 0).
 */
static void ring_single_step(void **state)
{
	static const char *const guest = "build/guests/tfring.elf";
	const char *q = qemu(guest);

	(void)state;
	assert_non_null(strstr(q, "17\n000000e6 31\n"));
	/* SYSENTER, its entry's first instruction, SYSEXIT: twice */
	assert_non_null(strstr(q, "0000016a 01\n0000016b 01\n00000109 31\n"));
	assert_non_null(strstr(q, "0000016a 01\n0000016b 01\n00000117 31\n"));
	same_as_qemu(guest, q, "--max-insns 1M");
}

/* --max-insns stops a stepped guest in every mode, partway: status 1. */
static void single_step_bounded(void **state)
{
	(void)state;
	for (int m = 0; m < 3; m++) {
		int st = run_ringside("build/guests/tfstep.elf", modes[m],
				      "--max-insns 40");

		if (st != 1 || out[0] != '\0')
			fail_msg("--mode=%s --max-insns 40: status %d, printed \"%s\"",
				 modes[m], st, out);
	}
}

/*
 * The PIT at divisor 2: QEMU takes some of its ticks during the guest's
 * loop (how many is its host's timing) and the guest ends; so must
 * ringside in each mode.  And the first tick comes when the PIT is
 * running and the guest has interrupts on, within a few periods and the
 * VMM's costs: before, the run the VMKernel had given the vCPU before the
 * guest set the PIT going went on to the quantum's end, and the first
 * tick came 1 ms late (a loop shorter than that took none).
 */
static void fast_timer(void **state)
{
	static const char *const guest = "build/guests/pitfast.elf";
	const char *q = qemu(guest);

	(void)state;
	assert_string_equal(q, "timer interrupts during the loop: yes\n");
	same_as_qemu(guest, q, "--max-insns 20M");
}

/*
 * When the first tick came in mode, in simulated ns (0: none), as the
 * program runs it (its VMKernel gives the vCPU its runs), from the trace.
 */
static unsigned long long first_tick_ns(const char *mode)
{
	char cmd[512];

	snprintf(cmd, sizeof cmd,
		 "./ringside --headless --quiet --mode=%s --max-insns 20M "
		 "--trace=jsonl --guest build/guests/pitfast.elf | "
		 "grep -m1 '\"action\":\"interrupt\"' | "
		 "sed 's/.*\"t_ns\":\\([0-9]*\\).*/\\1/'", mode);
	tl_sh(cmd, out, sizeof out);
	return strtoull(out, NULL, 10);
}

static void fast_timer_on_time(void **state)
{
	(void)state;
	for (int m = 0; m < 3; m++) {
		unsigned long long t = first_tick_ns(modes[m]);

		/* the PIT is set going at 16-63 us (the costs of the mode) */
		if (t == 0 || t > 100000)
			fail_msg("--mode=%s: the first tick came at %llu ns",
				 modes[m], t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(single_step),
		cmocka_unit_test(single_step_bounded),
		cmocka_unit_test(user_single_step),
		cmocka_unit_test(ring_single_step),
		cmocka_unit_test(fast_timer),
		cmocka_unit_test(fast_timer_on_time),
	};

	return cmocka_run_group_tests_name("single steps and fast timers (QEMU)",
					   tests, NULL, tl_qemu_teardown);
}
