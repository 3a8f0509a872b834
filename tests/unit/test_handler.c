/*
 * test_handler.c - who handles the instructions whose handling is a story
 * of its own, in real runs and in the model (handler_decide): HLT and the
 * VMKernel, bt's direct execution of ring 3, SYSENTER/SYSEXIT, CPUID,
 * RDPMC, VT-x's interrupt exits, and the trace's names.  The table-driven
 * oracle over class x mode x ring is test_paths.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "handler.h"
#include "testlib.h"
#include "trace.h"
#include "vmm/vmm.h"

#define TIMER "scenarios/guests/timer.elf"
#define USER "build/guests/user.elf"	/* ring 3 with IF=1, system calls */
#define SYSENTER "build/guests/sysenter.elf"
#define CPUID "build/guests/cpuid.elf"
#define RDPMC "build/guests/rdpmc.elf"
#define ALL 1000000000ull

/*
 * HLT with interrupts on: the VMM emulates it and the VMKernel deschedules
 * the world (an EV_WORLD switch with reason "blocked" follows), in every
 * mode; under hw it is a VM exit (reason 12).
 */
static void hlt_blocks_the_world(void **state)
{
	static const enum exec_mode modes[] = { MODE_TE, MODE_BT, MODE_HW };
	static const enum handler_why how[] = { WHY_TRAP, WHY_CALLOUT, WHY_EXIT };

	(void)state;
	for (size_t k = 0; k < 3; k++) {
		struct tl_run r;
		int hlts = 0, blocked = 0;

		tl_boot_mode(TIMER, modes[k], true, &r);
		assert_int_equal(sim_run(r.sim, 3000000, &r.stop), SIM_OK);
		for (size_t i = 0; i < r.nev; i++) {
			const struct event *e = &r.ev[i];

			if (e->kind == EV_WORLD &&
			    e->u.world.reason == SWITCH_BLOCKED)
				blocked++;
			if (e->kind != EV_INSN || e->u.insn.len != 1 ||
			    e->u.insn.bytes[0] != 0xf4)
				continue;
			hlts++;
			assert_int_equal(e->u.insn.path, PATH_VMKERNEL);
			assert_int_equal(e->u.insn.why, how[k]);
		}
		if (hlts == 0)
			fail_msg("%s: the timer guest never halted",
				 exec_mode_name(modes[k]));
		assert_true(blocked > 0);
		tl_free(&r);
	}
}

/*
 * bt's direct execution: only guest ring 3 (with IF=1) runs untranslated;
 * nothing from rings 0-2 ever does, and nothing privileged runs directly.
 */
static void only_ring3_runs_directly(void **state)
{
	struct tl_run r;
	int direct = 0, calls = 0;

	(void)state;
	tl_boot_mode(USER, MODE_BT, true, &r);
	assert_int_equal(sim_run(r.sim, ALL, &r.stop), SIM_OK);
	for (size_t i = 0; i < r.nev; i++) {
		const struct event *e = &r.ev[i];

		if (e->kind != EV_INSN)
			continue;
		if (e->u.insn.vring != 3)
			assert_int_not_equal(e->u.insn.mode, MODE_DIRECT);
		if (e->u.insn.mode != MODE_DIRECT)
			continue;
		direct++;
		assert_int_equal(e->u.insn.vring, 3);
		if (e->u.insn.path == PATH_DIRECT)
			assert_true(e->u.insn.why == WHY_NATIVE ||
				    e->u.insn.why == WHY_HOLE);
		else if (e->u.insn.why == WHY_DELIVER)
			calls++;	/* int 0x80 */
		if (e->u.insn.cls == CLASS_PRIVILEGED)
			assert_int_equal(e->u.insn.why, WHY_REFLECT);
	}
	assert_true(direct > 200);
	assert_int_equal(calls, 2);
	tl_free(&r);
}

/*
 * bt's direct execution of ring 3 is no cure for the holes that show the
 * VMM at any ring: tests/guests/ring3desc.S runs LSL and LAR at ring 3
 * with IF=1; LSL answers from the truncated shadow descriptor (a hole:
 * test_reference compares it with QEMU), LAR right.
 */
static void direct_ring3_lsl_is_a_hole(void **state)
{
	struct tl_run r;
	int lsl = 0, lar = 0;

	(void)state;
	tl_boot_mode("build/guests/ring3desc.elf", MODE_BT, true, &r);
	assert_int_equal(sim_run(r.sim, ALL, &r.stop), SIM_OK);
	for (size_t i = 0; i < r.nev; i++) {
		const struct event *e = &r.ev[i];

		if (e->kind != EV_INSN || e->u.insn.bytes[0] != 0x0f ||
		    (e->u.insn.bytes[1] != 0x03 && e->u.insn.bytes[1] != 0x02))
			continue;
		assert_int_equal(e->u.insn.vring, 3);
		assert_int_equal(e->u.insn.mode, MODE_DIRECT);
		assert_int_equal(e->u.insn.path, PATH_DIRECT);
		if (e->u.insn.bytes[1] == 0x03) {
			lsl++;
			assert_int_equal(e->u.insn.why, WHY_HOLE);
		} else {
			lar++;
			assert_int_equal(e->u.insn.why, WHY_NATIVE);
		}
	}
	assert_int_equal(lsl, 2);
	assert_int_equal(lar, 2);
	tl_free(&r);
}

/*
 * Is e the event of one of the "Red Pill" instructions, read from its
 * bytes (an optional operand-size prefix, then 0F 01 /0 SGDT, /1 SIDT,
 * /4 SMSW, or 0F 00 /0 SLDT, /1 STR: Intel SDM vol. 2B)?
 */
static bool red_pill_insn(const struct event *e)
{
	const uint8_t *b = e->u.insn.bytes;
	int reg;

	if (e->u.insn.len >= 1 && b[0] == 0x66)
		b++;
	if (b[0] != 0x0f || (b[1] != 0x00 && b[1] != 0x01))
		return false;
	reg = (b[2] >> 3) & 7;
	return b[1] == 0x01 ? reg == 0 || reg == 1 || reg == 4
			    : reg == 0 || reg == 1;
}

/*
 * Direct execution does not hide the VMM ("Red Pill"): SGDT, SIDT, SMSW,
 * STR and SLDT are unprivileged and do not trap [SDM vol. 2B; Robin &
 * Irvine 2000], so guest ring 3 with IF=1, which bt runs directly
 * [Bugnion et al. 2012], reads the real registers: the VMM's.  te runs
 * them untrapped too; under VT-x they run in non-root mode, where the
 * guest's own registers are live.  tests/guests/redpill.S runs the five at
 * ring 3 with interrupts on (test_reference compares what they read with
 * QEMU).
 */
static void direct_ring3_red_pill(void **state)
{
	static const struct {
		enum exec_mode mode, ran;	/* the VM's, the instruction's */
		struct handler w;
	} want[] = {
		{ MODE_TE, MODE_TE, { PATH_DIRECT, WHY_HOLE } },
		{ MODE_BT, MODE_DIRECT, { PATH_DIRECT, WHY_HOLE } },
		{ MODE_HW, MODE_HW, { PATH_DIRECT, WHY_NONROOT } },
	};

	(void)state;
	for (size_t k = 0; k < 3; k++) {
		struct tl_run r;
		int n = 0;

		tl_boot_mode("build/guests/redpill.elf", want[k].mode, true, &r);
		assert_int_equal(sim_run(r.sim, ALL, &r.stop), SIM_OK);
		assert_int_equal(r.vm->power_reason, POWER_DEBUG_EXIT);
		for (size_t i = 0; i < r.nev; i++) {
			const struct event *e = &r.ev[i];

			if (e->kind != EV_INSN || !red_pill_insn(e))
				continue;
			n++;
			assert_int_equal(e->u.insn.vring, 3);
			assert_int_equal(e->u.insn.mode, want[k].ran);
			if (e->u.insn.path != want[k].w.path ||
			    e->u.insn.why != want[k].w.why)
				fail_msg("%s: a Red Pill instruction at ring 3 took %s (%s), the sources say %s (%s)",
					 exec_mode_name(want[k].mode),
					 path_text(e->u.insn.path),
					 handler_why_name(e->u.insn.why),
					 path_text(want[k].w.path),
					 handler_why_name(want[k].w.why));
		}
		assert_int_equal(n, 5);
		tl_free(&r);
	}
}

/*
 * SYSENTER and SYSEXIT [Intel SDM vol. 2B; Adams & Agesen 2006]: a
 * deprivileging VMM owns the real SYSENTER MSRs, so SYSENTER from the
 * guest's ring 3 enters the VMM (te, and bt's direct execution), which
 * does the guest's SYSENTER from its virtual MSRs; SYSEXIT needs CPL 0, so
 * at the guest kernel's CPL 1 it traps (te) or is a callout (bt).  VT-x
 * has no exiting control for either: the guest's MSRs are in the VMCS
 * guest-state area and non-root mode does both.
 */
static void sysenter_paths(void **state)
{
	static const struct {
		enum exec_mode mode;
		struct handler enter, exit;
	} want[] = {
		{ MODE_TE, { PATH_VMM, WHY_TRAP }, { PATH_VMM, WHY_TRAP } },
		{ MODE_BT, { PATH_VMM, WHY_TRAP }, { PATH_VMM, WHY_CALLOUT } },
		{ MODE_HW, { PATH_DIRECT, WHY_NONROOT }, { PATH_DIRECT, WHY_NONROOT } },
	};

	(void)state;
	for (size_t k = 0; k < 3; k++) {
		struct tl_run r;
		int enters = 0, exits = 0;

		tl_boot_mode(SYSENTER, want[k].mode, true, &r);
		assert_int_equal(sim_run(r.sim, ALL, &r.stop), SIM_OK);
		assert_int_equal(r.vm->power_reason, POWER_DEBUG_EXIT);
		assert_string_equal(tl_serial(&r), "PS1S2S3\n");
		for (size_t i = 0; i < r.nev; i++) {
			const struct event *e = &r.ev[i];
			const struct handler *w;

			if (e->kind != EV_INSN || e->u.insn.len != 2 ||
			    e->u.insn.bytes[0] != 0x0f ||
			    (e->u.insn.bytes[1] != 0x34 && e->u.insn.bytes[1] != 0x35))
				continue;
			if (e->u.insn.bytes[1] == 0x34) {
				w = &want[k].enter;
				enters++;
				assert_int_equal(e->u.insn.vring, 3);
			} else {
				w = &want[k].exit;
				exits++;
				assert_int_equal(e->u.insn.vring, 0);
			}
			if (e->u.insn.path != w->path || e->u.insn.why != w->why)
				fail_msg("%s: %s took %s (%s), the sources say %s (%s)",
					 exec_mode_name(want[k].mode),
					 e->u.insn.bytes[1] == 0x34 ? "sysenter" : "sysexit",
					 path_text(e->u.insn.path),
					 handler_why_name(e->u.insn.why),
					 path_text(w->path), handler_why_name(w->why));
		}
		assert_int_equal(enters, 3);
		assert_int_equal(exits, 2);
		tl_free(&r);
	}
}

/*
 * CPUID: VMMs virtualize it.  It never traps (no CPUID faulting on the
 * CPUs of the time), so under te it runs on the CPU unseen (a hole); the
 * translator makes it a callout; VT-x exits on it unconditionally (reason
 * 10) [Adams & Agesen 2006; Intel SDM vol. 3C 25.1.2].
 */
static void cpuid_paths(void **state)
{
	static const struct { enum exec_mode mode; struct handler w; } want[] = {
		{ MODE_TE, { PATH_DIRECT, WHY_HOLE } },
		{ MODE_BT, { PATH_VMM, WHY_CALLOUT } },
		{ MODE_HW, { PATH_VMM, WHY_EXIT } },
	};

	(void)state;
	for (size_t k = 0; k < 3; k++) {
		struct tl_run r;
		int n = 0;

		tl_boot_mode(CPUID, want[k].mode, true, &r);
		assert_int_equal(sim_run(r.sim, ALL, &r.stop), SIM_OK);
		assert_int_equal(r.vm->power_reason, POWER_DEBUG_EXIT);
		assert_int_equal(r.vm->exit_status, 0);	/* RDPMC: #UD */
		for (size_t i = 0; i < r.nev; i++) {
			const struct event *e = &r.ev[i];

			if (e->kind != EV_INSN || e->u.insn.len != 2 ||
			    e->u.insn.bytes[0] != 0x0f || e->u.insn.bytes[1] != 0xa2)
				continue;
			n++;
			assert_int_equal(e->u.insn.cls, CLASS_SENSITIVE);
			assert_int_equal(e->u.insn.path, want[k].w.path);
			assert_int_equal(e->u.insn.why, want[k].w.why);
		}
		assert_int_equal(n, 16);
		tl_free(&r);
	}
}

/*
 * Who made each RDPMC fault of rdpmc.S.  The two #UDs are the VMM's: the
 * CPU raised #GP (te) or nothing (bt's callout, hw's exit), and the VMM's
 * emulation decided the guest gets #UD, so they are `injected` in every
 * mode (under hw on the VM entry, after the exit; under te and bt after
 * the trap or the callout).  The ring-3 #GP with CR4.PCE clear is the
 * CPU's own: `reflected` under te and bt, and no event under hw, where
 * non-root mode delivers it with no VMM [SDM vol. 3C 24.8.3, 25.2].
 */
static void rdpmc_faults(const struct tl_run *r, enum exec_mode mode)
{
	static const uint8_t entered[] = {
		[MODE_TE] = TRAP_VMM_EMULATED, [MODE_BT] = TRAP_CALLOUT,
		[MODE_HW] = TRAP_VM_EXIT,
	};
	int injected = 0, reflected = 0;

	for (size_t i = 0; i < r->nev; i++) {
		const struct event *e = &r->ev[i];

		if (e->kind != EV_TRAP || e->u.trap.op != X86_OP_RDPMC)
			continue;
		if (e->u.trap.action == TRAP_INJECTED) {
			injected++;
			assert_int_equal(e->u.trap.vector, X86_UD);
			assert_int_equal(e->u.trap.a, mode == MODE_HW ?
					 INJECT_ON_ENTRY : INJECT_BY_VMM);
			/* the event before it is how the VMM got control */
			assert_int_equal(r->ev[i - 1].kind, EV_TRAP);
			assert_int_equal(r->ev[i - 1].u.trap.op, X86_OP_RDPMC);
			if (injected == 2 && mode == MODE_BT)	/* ring 3: te's */
				assert_int_equal(r->ev[i - 1].u.trap.action,
						 TRAP_VMM_EMULATED);
			else
				assert_int_equal(r->ev[i - 1].u.trap.action,
						 entered[mode]);
			if (mode == MODE_HW)
				assert_int_equal(r->ev[i - 1].u.trap.exit_reason, 15);
		} else if (e->u.trap.action == TRAP_REFLECTED) {
			reflected++;
			assert_int_equal(e->u.trap.vector, X86_GP);
		}
	}
	assert_int_equal(injected, 2);
	assert_int_equal(reflected, mode == MODE_HW ? 0 : 1);
}

/*
 * RDPMC [Intel SDM vol. 2B, RDPMC; vol. 3C 24.6.2, 25.1.1, appendix C]:
 * allowed at ring 0, and at rings 1-3 only with CR4.PCE set; the reference
 * machine (QEMU's TCG) has no counters and answers #UD.  A VMM must see it
 * (CR4 is virtual): under te the real CR4.PCE is kept clear, so it traps
 * at every CPL and the VMM emulates it, or reflects the guest's own #GP
 * when the guest's PCE is clear too; under bt the kernel's is a callout
 * and ring 3's runs directly (a trap, as te's); VT-x's RDPMC exiting makes
 * it exit (reason 15), except where the CPU's own #GP comes first.
 * rdpmc.S runs it at ring 0, at ring 3 with PCE clear, then set.
 */
static void rdpmc_paths(void **state)
{
	static const struct {
		enum exec_mode mode;
		struct handler w[3];	/* ring 0; ring 3 PCE clear; PCE set */
	} want[] = {
		{ MODE_TE, { { PATH_VMM, WHY_TRAP }, { PATH_VMM, WHY_REFLECT },
			     { PATH_VMM, WHY_TRAP } } },
		{ MODE_BT, { { PATH_VMM, WHY_CALLOUT }, { PATH_VMM, WHY_REFLECT },
			     { PATH_VMM, WHY_TRAP } } },
		{ MODE_HW, { { PATH_VMM, WHY_EXIT }, { PATH_DIRECT, WHY_NONROOT },
			     { PATH_VMM, WHY_EXIT } } },
	};
	static const uint8_t rings[3] = { 0, 3, 3 };

	(void)state;
	for (size_t k = 0; k < 3; k++) {
		struct tl_run r;
		struct handler h;
		int n = 0;

		tl_boot_mode(RDPMC, want[k].mode, true, &r);
		assert_int_equal(sim_run(r.sim, ALL, &r.stop), SIM_OK);
		assert_int_equal(r.vm->power_reason, POWER_DEBUG_EXIT);
		assert_string_equal(tl_serial(&r),
				    "rdpmc at ring 0: #UD\nrdpmc at ring 3: #GP\n"
				    "cr4 00000100\nrdpmc at ring 3: #UD\n");
		for (size_t i = 0; i < r.nev; i++) {
			const struct event *e = &r.ev[i];
			const struct handler *w;

			if (e->kind != EV_INSN || e->u.insn.len != 2 ||
			    e->u.insn.bytes[0] != 0x0f || e->u.insn.bytes[1] != 0x33)
				continue;
			assert_true(n < 3);
			w = &want[k].w[n];
			assert_int_equal(e->u.insn.cls, CLASS_SENSITIVE);
			assert_int_equal(e->u.insn.vring, rings[n]);
			if (e->u.insn.path != w->path || e->u.insn.why != w->why)
				fail_msg("%s: rdpmc %d took %s (%s), the sources say %s (%s)",
					 exec_mode_name(want[k].mode), n,
					 path_text(e->u.insn.path),
					 handler_why_name(e->u.insn.why),
					 path_text(w->path), handler_why_name(w->why));
			n++;
		}
		assert_int_equal(n, 3);
		/* the model, which assumes CR4.PCE clear: the first two */
		for (int i = 0; i < 2; i++) {
			h = handler_decide(HK_RDPMC, want[k].mode, rings[i]);
			assert_int_equal(h.path, want[k].w[i].path);
			assert_int_equal(h.why, want[k].w[i].why);
		}
		if (want[k].mode == MODE_HW)
			assert_int_equal(r.vm->vcpu[0]->stats.exit_reasons[15], 2);
		rdpmc_faults(&r, want[k].mode);
		tl_free(&r);
	}
}

/*
 * A segment load the guest's own GDT refuses (faults.c's bad-selector-ds,
 * a selector past the GDT's limit, and ring 3's kernel-ds, a DPL-0 data
 * segment): #GP(selector) on real hardware [SDM vol. 2A, MOV].  Under te
 * the CPU raised that very #GP at CPL 1 or 3; the VMM, which traps every
 * segment load that faults, emulates it, finds the guest's own fault and
 * passes the CPU's on: the trap says its emulation faulted, then the
 * fault is `reflected`.  Under bt the load was a callout and the CPU
 * raised nothing: the same #GP is the VMM's, `injected`.  Under hw the
 * CPU delivers it in non-root mode: no event.
 */
static void segment_faults_by_mode(void **state)
{
	static const enum exec_mode modes[] = { MODE_TE, MODE_BT, MODE_HW };
	static const uint8_t want[] = {
		[MODE_TE] = TRAP_REFLECTED, [MODE_BT] = TRAP_INJECTED,
	};

	(void)state;
	for (size_t k = 0; k < 3; k++) {
		struct tl_run r;
		int n = 0;

		tl_boot_mode("scenarios/guests/faults.elf", modes[k], false, &r);
		assert_int_equal(sim_run(r.sim, ALL, &r.stop), SIM_OK);
		assert_int_equal(r.vm->power_reason, POWER_DEBUG_EXIT);
		for (size_t i = 0; i + 1 < r.nev; i++) {
			const struct event *e = &r.ev[i], *f = &r.ev[i + 1];
			char line[512];

			if (e->kind != EV_TRAP || e->u.trap.op != X86_OP_MOV_TO_SREG)
				continue;
			assert_int_not_equal(modes[k], MODE_HW);
			if (!e->u.trap.faulted)
				continue;
			n++;
			trace_json(r.sim, e, line, sizeof line);	/* the contract */
			assert_non_null(strstr(line, "\"faulted\":true"));
			assert_int_equal(f->kind, EV_TRAP);
			assert_int_equal(f->u.trap.vector, X86_GP);
			if (f->u.trap.action != want[modes[k]])
				fail_msg("%s: a refused segment load is %s",
					 exec_mode_name(modes[k]),
					 trap_action_name((enum trap_action)f->u.trap.action));
			assert_true(f->u.trap.error == 0x50 || f->u.trap.error == 0x10);
		}
		assert_int_equal(n, modes[k] == MODE_HW ? 0 : 3);
		tl_free(&r);
	}
}

/*
 * VT-x's interrupt exits [Intel SDM vol. 3C 24.6.1, 25.2; Uhlig et al.
 * 2005]: a timer interrupt while the guest runs is an external-interrupt
 * exit (1), then injected on entry; one that waited for the guest's IF
 * exits when the guest opens the window (7).  Every such exit is followed
 * by the injection (an "interrupt" event) before any guest instruction.
 */
static void hw_interrupt_exits(void **state)
{
	static const struct { const char *guest; int reason; } want[] = {
		{ "scenarios/guests/multitask.elf", 1 },
		{ "build/guests/irqwin.elf", 7 },
	};

	(void)state;
	for (size_t k = 0; k < 2; k++) {
		struct tl_run r;
		int exits = 0;

		tl_boot_mode(want[k].guest, MODE_HW, false, &r);
		assert_int_equal(sim_run(r.sim, ALL, &r.stop), SIM_OK);
		for (size_t i = 0; i < r.nev; i++) {
			const struct event *e = &r.ev[i];

			if (e->kind != EV_TRAP || e->u.trap.action != TRAP_VM_EXIT ||
			    e->u.trap.exit_reason != want[k].reason)
				continue;
			exits++;
			assert_true(i + 1 < r.nev);
			assert_int_equal(r.ev[i + 1].kind, EV_TRAP);
			assert_int_equal(r.ev[i + 1].u.trap.action, TRAP_INTERRUPT);
		}
		if (exits == 0)
			fail_msg("%s: no VM exit %d", want[k].guest, want[k].reason);
		tl_free(&r);
	}
}

/* Names are the trace's contract (docs/trace-format.md). */
static void names(void **state)
{
	static const char *const want[WHY_COUNT] = {
		"native", "translated", "non-root", "hole", "trap", "callout",
		"exit", "reflect", "deliver", "lookup",
	};

	(void)state;
	for (int w = 0; w < WHY_COUNT; w++) {
		assert_string_equal(handler_why_name((enum handler_why)w), want[w]);
		assert_true(strlen(handler_why_text((enum handler_why)w)) > 20);
	}
	assert_string_equal(handler_why_name(WHY_COUNT), "?");
	/* the course's sentences are quoted, and only where it simplifies */
	assert_non_null(strstr(handler_course_says(HK_PRIVILEGED, 0), "VMKernel"));
	assert_non_null(strstr(handler_course_says(HK_HOLE_REG, 3), "1 thru 3"));
	assert_null(handler_course_says(HK_INNOCUOUS, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hlt_blocks_the_world),
		cmocka_unit_test(only_ring3_runs_directly),
		cmocka_unit_test(direct_ring3_lsl_is_a_hole),
		cmocka_unit_test(direct_ring3_red_pill),
		cmocka_unit_test(sysenter_paths),
		cmocka_unit_test(cpuid_paths),
		cmocka_unit_test(rdpmc_paths),
		cmocka_unit_test(segment_faults_by_mode),
		cmocka_unit_test(hw_interrupt_exits),
		cmocka_unit_test(names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
