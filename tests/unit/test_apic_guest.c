/*
 * test_apic_guest.c - the local APIC as guests see it, each compared with
 * qemu-system-i386 7.2 (tests/reference/) in te, bt and hw: switched off
 * and its odd modes (apicoff.S), a processor's INIT to itself, an
 * application processor's (apicinit.S) and the bootstrap processor's
 * (apicbsp.S); the PIC's INTR through LINT0 in other modes and at an
 * AP (apiclint.S); what a guest cannot see of it (CPUID's APIC bit put back
 * with a saved state); and TSC-deadline mode, which QEMU's TCG cannot
 * give (apictimer.S with the feature on, every mode alike).  test_apic.c
 * checks the APIC register by register.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "testlib.h"
#include "vm.h"
#include "vmm/apic.h"
#include "vmm/vmm_priv.h"
#include "vmm/vmm_state.h"

#define M 1000000u

/* The run's ipi and startup events whose b, without its vector, is b. */
static size_t apic_events(const struct tl_run *r, enum trap_action action,
			  uint32_t b)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nev; i++)
		n += r->ev[i].kind == EV_TRAP &&
		     r->ev[i].u.trap.action == action && r->ev[i].u.trap.b == b;
	return n;
}

/*
 * apicoff.S: QEMU's output in every mode (its header says what each line
 * is, and what ringside printed before).  Its three SMIs are each an event
 * saying it was dropped: one by the ICR, one by the timer's LVT, one an
 * MSI (the MSI's event says so in its detail, trace_trap.c).
 */
static void apicoff(void **state)
{
	struct tl_hostile h = { "apicoff", 50 * M, POWER_DEBUG_EXIT, 0, true, true };
	const char *qemu = tl_qemu_says("apicoff");

	(void)state;
	assert_non_null(strstr(qemu, "000001ff\nffffffff\nffffffff\n"
				     "00000700\n00010000\n00000050\n"
				     "00010000\n00000000\n00000050\n00000020\n"));
	assert_non_null(strstr(qemu, "7fffffff\n00000000\n00040000\n"
				     "00040000\n00000052\n00000000\n"
				     "00000002\n00000002\n"));
	assert_non_null(strstr(qemu, "0781abfd\n0781a9fd\nfee00100\n"
				     "0781a9fd\napicoff: done\n"));
	tl_ends_as_on_qemu(&h);
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;
		size_t msi_smi = 0;

		tl_hostile_run(&h, (enum exec_mode)m, &r);
		assert_string_equal(tl_serial(&r), qemu);
		assert_int_equal(apic_events(&r, TRAP_IPI,
					     DM_SMI | APIC_EV_IGNORED), 1);
		assert_int_equal(apic_events(&r, TRAP_IPI, DM_SMI |
					     APIC_EV_IGNORED | APIC_EV_LOCAL), 1);
		for (size_t i = 0; i < r.nev; i++)
			msi_smi += r.ev[i].kind == EV_TRAP &&
				   r.ev[i].u.trap.action == TRAP_MSI &&
				   ((r.ev[i].u.trap.c >> 8) & 7) == DM_SMI;
		assert_int_equal(msi_smi, 1);
		tl_free(&r);
	}
}

/*
 * apicinit.S on two processors: the AP's INIT to itself resets it and its
 * APIC, and a SIPI starts it again, as on QEMU -smp 2.  The INITs are the
 * AP's own (the event's vCPU and target are both 1), one after each start.
 */
static void apicinit(void **state)
{
	int st;
	const char *qemu = tl_qemu("build/guests/apicinit.elf", "--smp 2", &st);

	(void)state;
	assert_int_equal(st, 0);
	assert_non_null(strstr(qemu, "000000ff 00000000 00000000 ffffffff "
				     "00010000 00000000\napicinit: restarted\n"));
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct vm_config cfg = { .name = "t", .mode = (enum exec_mode)m,
					 .guest = "build/guests/apicinit.elf",
					 .vcpus = 2 };
		struct tl_run r;
		size_t own = 0;

		tl_boot_cfg(&cfg, false, &r);
		assert_int_equal(sim_run(r.sim, 100 * M, &r.stop), SIM_OK);
		assert_int_equal(r.vm->power_reason, POWER_DEBUG_EXIT);
		assert_string_equal(tl_serial(&r), qemu);
		for (size_t i = 0; i < r.nev; i++)
			own += r.ev[i].kind == EV_TRAP &&
			       r.ev[i].u.trap.action == TRAP_STARTUP &&
			       r.ev[i].u.trap.b == DM_INIT &&
			       r.ev[i].vcpu == 1 && r.ev[i].u.trap.a == 1;
		assert_int_equal(own, 2);	/* once per start */
		tl_free(&r);
	}
}

/*
 * apiclint.S on two processors: the PIC's INTR through a LINT0 in fixed
 * mode (the PIC's vector first, then the LVT's), in NMI mode (an NMI, the
 * PIC's request left waiting), unmasked while a request waits (at once),
 * level-triggered (its IRR bit falls with the INTR) and at the AP
 * (ExtINT and fixed), as on
 * QEMU -smp 2 (QEMU's pic_irq_request offers it to every unmasked LINT0).
 */
static void apiclint(void **state)
{
	int st;
	const char *qemu = tl_qemu("build/guests/apiclint.elf", "--smp 2", &st);

	(void)state;
	assert_int_equal(st, 0);
	assert_non_null(strstr(qemu, "fixed: 00000020 00000050\n"
				     "nmi: 00000002\npic irr: 00000001\n"
				     "late fixed: 00000020 00000052\n"
				     "level irr: 00080000 00000000\n"
				     "ap extint: 00000120\n"
				     "ap fixed: 00000120 00000151\n"));
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct vm_config cfg = { .name = "t", .mode = (enum exec_mode)m,
					 .guest = "build/guests/apiclint.elf",
					 .vcpus = 2 };
		struct tl_run r;

		tl_boot_cfg(&cfg, false, &r);
		assert_int_equal(sim_run(r.sim, 200 * M, &r.stop), SIM_OK);
		assert_string_equal(tl_serial(&r), qemu);
		assert_int_equal(r.vm->power_reason, POWER_DEBUG_EXIT);
		tl_free(&r);
	}
}

/*
 * apicbsp.S: the BSP's INIT to itself ends QEMU's run in SeaBIOS's triple
 * fault (qemu-run.sh status 4); ringside's VM stops there too, reason
 * init-reset, at the instruction that sent it, its startup event flagged
 * APIC_EV_BSP.  Nothing after the INIT runs, in QEMU or ringside.
 */
static void apicbsp(void **state)
{
	uint32_t at = tl_symbol("build/guests/apicbsp.elf", "_start");
	struct tl_hostile h = { "apicbsp", M, POWER_INIT_RESET, 0, false, true };
	const char *qemu = tl_qemu_says("apicbsp");

	(void)state;
	assert_string_equal(qemu, "apicbsp: the bootstrap processor's INIT to itself\n");
	tl_ends_as_on_qemu(&h);
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct tl_run r;
		const uint8_t *insn;

		tl_hostile_run(&h, (enum exec_mode)m, &r);
		assert_string_equal(tl_serial(&r), qemu);
		assert_int_equal(apic_events(&r, TRAP_STARTUP,
					     DM_INIT | APIC_EV_BSP), 1);
		/* the status: the MOVL to the ICR (C7 05 imm32 disp32) */
		assert_true(r.vm->exit_status > at);
		insn = r.vm->ram + r.vm->exit_status;
		assert_int_equal(insn[0], 0xc7);
		assert_int_equal(insn[2] | insn[3] << 8 | insn[4] << 16 |
				 (uint32_t)insn[5] << 24, 0xfee00300u);
		tl_free(&r);
	}
}

/*
 * IA32_APIC_BASE's enable bit cleared: CPUID.01H:EDX.APIC reads 0, in the
 * CPU's answer (te) and the VMM's (bt, hw) alike, and stays 0 when the
 * guest writes the bit again (QEMU 7.2 keeps the APIC disabled); a state
 * put back puts the bit back (apicoff.S compares a guest's view).
 */
static void cpuid_apic_bit(void **state)
{
	struct vm_config cfg = { .name = "smp", .guest = "scenarios/guests/smp.elf",
				 .vcpus = 3, .mode = MODE_TE };
	struct tl_run run;
	struct vcpu *v;
	struct vmm_state *before;
	uint32_t r[4];

	(void)state;
	tl_boot_cfg(&cfg, false, &run);
	v = run.vm->vcpu[2];

	cpu_cpuid_of(v->cpu, 1, 0, r);
	assert_int_equal(r[3] & CPUID_1_EDX_APIC, CPUID_1_EDX_APIC);
	assert_int_equal(vmm_state_save(v, &before), SIM_OK);
	apic_base_write(v, 0xfee00000u);		/* enable bit clear */
	cpu_cpuid_of(v->cpu, 1, 0, r);
	assert_int_equal(r[3] & CPUID_1_EDX_APIC, 0);
	apic_base_write(v, 0xfee00800u);		/* again: refused */
	assert_int_equal(v->virt.msr[VMSR_APIC_BASE], 0xfee00000u);
	cpu_cpuid_of(v->cpu, 1, 0, r);
	assert_int_equal(r[3] & CPUID_1_EDX_APIC, 0);
	assert_int_equal(vmm_state_load(v, before), SIM_OK);
	vmm_state_free(before);
	cpu_cpuid_of(v->cpu, 1, 0, r);
	assert_int_equal(r[3] & CPUID_1_EDX_APIC, CPUID_1_EDX_APIC);
	assert_int_equal(r[1] >> 24, 2);		/* its APIC ID */
	tl_free(&run);
}

/*
 * The apictimer guest on a VM with TSC-deadline mode, in te, bt and hw:
 * CPUID announces it, and the guest sees the rates and the behaviour the
 * SDM gives (its header lists them), the same in every mode.  (QEMU's TCG
 * cannot offer the mode; test_reference checks that without it the guest
 * says what it says on qemu32.)
 */
static void tsc_deadline_guest(void **state)
{
	static const char *const lines[] = {
		"tsc-deadline: announced\n",
		"re-armed every 1000000 tsc cycles: 10 per PIT period\n",
		"one deadline: 1 interrupts\nthe msr after it: 0\n",
		"a passed deadline, at once: 1 interrupts\n",
		"armed, then 0: 0 interrupts\n",
		"an initial count: 0 interrupts\ncurrent count: 0\n",
		"a mode change: the msr 0, then 0 interrupts\n",
	};
	static char first[4096];

	(void)state;
	for (int m = MODE_TE; m <= MODE_HW; m++) {
		struct vm_config cfg = { .name = "t", .mode = (enum exec_mode)m,
					 .guest = "build/guests/apictimer.elf",
					 .tsc_deadline = true };
		struct tl_run r;

		tl_boot_cfg(&cfg, false, &r);
		assert_int_equal(sim_run(r.sim, 500000000ull, &r.stop), SIM_OK);
		assert_int_equal(r.vm->power_reason, POWER_DEBUG_EXIT);
		assert_int_equal(r.vm->exit_status, 0);
		for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
			if (strstr(tl_serial(&r), lines[i]) == NULL)
				fail_msg("mode %d: no \"%s\" in:\n%s", m, lines[i],
					 tl_serial(&r));
		if (m == MODE_TE)
			snprintf(first, sizeof first, "%s", tl_serial(&r));
		else
			assert_string_equal(tl_serial(&r), first);
		tl_free(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(apicoff),
		cmocka_unit_test(apicinit),
		cmocka_unit_test(apiclint),
		cmocka_unit_test(apicbsp),
		cmocka_unit_test(cpuid_apic_bit),
		cmocka_unit_test(tsc_deadline_guest),
	};

	return cmocka_run_group_tests_name("the local APIC, guests and QEMU",
					   tests, NULL, tl_qemu_teardown);
}
