/*
 * test_modes.c - binary translation and hardware assist: translation units,
 * callouts instead of traps, chaining, invalidation, the switch between
 * translated and direct execution, VM exit reasons, and the same exact
 * stepping, replay and determinism as trap-and-emulate.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/bt.h"
#include "history.h"
#include "testlib.h"
#include "trace.h"
#include "vmm/vmm.h"

#define TOUR "scenarios/guests/tour.elf"
#define CLASSIFY "scenarios/guests/classify.elf"
#define ALL 1000000000ull

static void run(const char *guest, enum exec_mode m, bool insns,
		struct tl_run *r)
{
	tl_boot_mode(guest, m, insns, r);
	r->rc = sim_run(r->sim, ALL, &r->stop);
	assert_int_equal(r->rc, SIM_OK);
}

static struct vcpu *vcpu0(struct tl_run *r)
{
	return r->vm->vcpu[0];
}

/* Units of at most 12 instructions, ending early only at a transfer. */
static void translation_units(void **state)
{
	struct tl_run r;
	int units = 0, limit = 0;

	(void)state;
	run(TOUR, MODE_BT, false, &r);
	for (size_t i = 0; i < r.nev; i++) {
		const struct event *e = &r.ev[i];

		if (e->kind != EV_TRANSLATE)
			continue;
		units++;
		assert_true(e->u.translate.n >= 1 && e->u.translate.n <= BT_UNIT_MAX);
		if (e->u.translate.end == UNIT_LIMIT) {
			assert_int_equal(e->u.translate.n, BT_UNIT_MAX);
			limit++;
		}
		assert_true(e->u.translate.tc >= VMM_BASE + BT_TC_OFF);
		assert_true(e->u.translate.tc_len >= e->u.translate.n);
	}
	assert_true(units > 50);
	assert_true(limit > 0);
	assert_int_equal(r.vm->power_reason, POWER_DEBUG_EXIT);
	tl_free(&r);
}

/* CLI and STI under bt are callouts, never traps; under hw, not even exits. */
static void callouts_not_traps(void **state)
{
	struct tl_run r;

	(void)state;
	run("build/guests/traps.elf", MODE_BT, false, &r);
	assert_int_equal(vcpu0(&r)->stats.traps, 0);
	assert_int_equal(vcpu0(&r)->stats.callouts, 200000 + 3);	/* + 3 OUTs */
	assert_int_equal(vcpu0(&r)->stats.insns, 400006);
	tl_free(&r);
	run("build/guests/traps.elf", MODE_HW, false, &r);
	assert_int_equal(vcpu0(&r)->stats.traps, 0);
	assert_int_equal(vcpu0(&r)->stats.callouts, 0);
	assert_int_equal(vcpu0(&r)->stats.exits, 3);	/* the OUTs */
	assert_int_equal(vcpu0(&r)->stats.exit_reasons[30], 3);
	assert_int_equal(vcpu0(&r)->stats.insns, 400006);
	tl_free(&r);
}

/* A hot loop is chained fragment to fragment: the VMM hardly runs. */
static void chaining(void **state)
{
	struct tl_run r;
	struct bt_stats bs;

	(void)state;
	run("scenarios/guests/bench.elf", MODE_BT, false, &r);
	bt_get_stats(vcpu0(&r)->bt, &bs);
	assert_int_equal(vcpu0(&r)->stats.insns, 100004627);
	assert_true(bs.chains > 10);
	assert_true(vcpu0(&r)->stats.callouts < 1000);
	assert_true(bs.ident > bs.non_ident);
	tl_free(&r);
}

/*
 * Writing to translated code drops the unit holding the written bytes,
 * nothing else (no flush), and the new code runs: smc.S patches the
 * immediate of `mov eax, 100` three times, each an EV_INVALIDATE of one
 * unit, and checks the value it loads.
 */
static void invalidation(void **state)
{
	struct tl_run r;
	struct bt_stats bs;

	(void)state;
	run("build/guests/smc.elf", MODE_BT, false, &r);
	assert_int_equal(r.vm->power_reason, POWER_DEBUG_EXIT);
	assert_int_equal(r.vm->exit_status, 0);
	bt_get_stats(vcpu0(&r)->bt, &bs);
	assert_int_equal(bs.invalidations, 3);
	assert_int_equal(bs.dropped, 3);
	assert_int_equal(bs.flushes, 0);
	assert_int_equal(tl_count(&r, EV_INVALIDATE), 3);
	for (size_t i = 0; i < r.nev; i++)
		if (r.ev[i].kind == EV_INVALIDATE)
			assert_int_equal(r.ev[i].u.invalidate.units, 1);
	tl_free(&r);
}

/* A unit seen in the trace: its guest bytes, live until dropped. */
struct seen_unit {
	uint32_t guest, len;
	bool live;
};

/*
 * smcloop.S under bt, replayed from its events alone: a unit is dropped
 * exactly when a write overlaps its guest bytes (EV_INVALIDATE counts
 * the live units EV_TRANSLATE made there), and none is translated again
 * while it is live, i.e. while its bytes are unchanged.  Once the page
 * has been written a few times its units are one instruction long, so a
 * patch drops the patched instruction alone and the loop translates one
 * instruction per iteration (4 guest instructions).  The sum in EBX
 * counts 7 an iteration: the new bytes ran every time.  (Fewer than
 * BT_DEAD_MAX drops: no flush, which has no event, comes in between.)
 */
static void smc_drops_only_written_units(void **state)
{
	enum { INSNS = 12000, UNITS = 64 };
	struct seen_unit u[UNITS];
	struct tl_run bt;
	struct bt_stats bs;
	uint32_t ebx, done;
	size_t nu = 0, late_translations = 0, late_insns = 0;
	size_t invalidations = 0;

	(void)state;
	tl_boot_mode("build/guests/smcloop.elf", MODE_BT, false, &bt);
	assert_int_equal(sim_run(bt.sim, INSNS, &bt.stop), SIM_OK);
	for (size_t i = 0; i < bt.nev; i++) {
		const struct event *e = &bt.ev[i];
		size_t k, dropped = 0;

		if (e->kind == EV_TRANSLATE) {
			for (k = 0; k < nu; k++)
				if (u[k].live)
					assert_false(u[k].guest == e->u.translate.guest);
			for (k = 0; k < nu && u[k].live; k++)
				;
			assert_true(k < UNITS);	/* live ones are few */
			u[k] = (struct seen_unit){ e->u.translate.guest,
						   e->u.translate.guest_len, true };
			nu += k == nu;
			if (invalidations > 16) {
				late_translations++;
				assert_int_equal(e->u.translate.n, 1);
			}
		} else if (e->kind == EV_INVALIDATE) {
			uint32_t lo = e->u.invalidate.addr;
			uint32_t hi = lo + e->u.invalidate.len;

			for (k = 0; k < nu; k++)
				if (u[k].live && u[k].guest < hi &&
				    lo < u[k].guest + u[k].len) {
					u[k].live = false;
					dropped++;
				}
			assert_int_equal(e->u.invalidate.units, dropped);
			if (++invalidations > 16) {
				assert_int_equal(dropped, 1);
				assert_int_equal(e->u.invalidate.unit_max, 1);
			}
		}
	}
	assert_true(invalidations > 2900);	/* one an iteration, at least */
	bt_get_stats(bt.vm->vcpu[0]->bt, &bs);
	assert_int_equal(bs.flushes, 0);	/* fewer drops than BT_DEAD_MAX */
	assert_int_equal(bs.dropped, invalidations);
	late_insns = INSNS - 16 * 4;
	assert_true(late_translations <= late_insns / 4 + 1);
	assert_int_equal(tl_count(&bt, EV_INVALIDATE), invalidations);
	/* every patch ran: 7 an iteration, ECX counting iterations down */
	ebx = cpu_reg(bt.vm->vcpu[0]->cpu, X86R_EBX);
	done = 1000000 - cpu_reg(bt.vm->vcpu[0]->cpu, X86R_ECX);
	assert_int_equal(ebx % 7, 0);
	assert_true(ebx / 7 == done || ebx / 7 == done + 1);
	assert_true(done > (INSNS - 200) / 4);	/* 4 instructions each */
	tl_free(&bt);
}

/* Kernel code translated, user code with interrupts on run directly. */
static void direct_execution(void **state)
{
	static const uint8_t to[4] = { MODE_DIRECT, MODE_BT, MODE_DIRECT, MODE_BT };
	struct tl_run r;
	int n = 0;

	(void)state;
	run("build/guests/user.elf", MODE_BT, true, &r);
	for (size_t i = 0; i < r.nev; i++) {
		const struct event *e = &r.ev[i];

		if (e->kind == EV_MODE) {
			assert_true(n < 4);
			assert_int_equal(e->u.mode.to, to[n]);
			n++;
		}
		if (e->kind == EV_INSN) {
			if (e->u.insn.vring == 3) {
				assert_int_equal(e->u.insn.mode, MODE_DIRECT);
				assert_int_equal(e->u.insn.xlat, 0);
			} else {
				assert_int_equal(e->u.insn.mode, MODE_BT);
				assert_true(e->u.insn.xlat == 1 || e->u.insn.xlat == 2);
			}
		}
	}
	assert_int_equal(n, 4);
	assert_true(vcpu0(&r)->stats.by_mode[MODE_DIRECT] > 200);
	assert_true(vcpu0(&r)->stats.by_mode[MODE_BT] > 20);
	assert_int_equal(r.vm->exit_status, 0);
	tl_free(&r);
}

/* One instruction at a time lands where whole blocks do, in each mode. */
static void step_equals_run(void **state)
{
	(void)state;
	tl_assert_step_equals_run(TOUR, MODE_BT, 40000);
	tl_assert_step_equals_run(TOUR, MODE_HW, 40000);
}

/* Stepping back through translated code lands on the same state. */
static void history_in_bt(void **state)
{
	struct tl_run r;
	struct history *h;
	enum sim_stop why;
	uint32_t eip;
	uint64_t cycles;
	size_t len;

	(void)state;
	tl_boot_mode(TOUR, MODE_BT, false, &r);
	assert_int_equal(history_create(r.sim, 3000, 0, &h), SIM_OK);
	assert_int_equal(history_run(h, 21000, &why), SIM_OK);
	eip = vmm_guest_eip(vcpu0(&r));
	cycles = vcpu0(&r)->stats.cycles;
	vm_serial(r.vm, &len);
	assert_int_equal(history_run(h, 7000, &why), SIM_OK);
	assert_int_equal(history_back(h, 7000), SIM_OK);
	assert_int_equal(vmm_guest_eip(vcpu0(&r)), eip);
	assert_int_equal(vcpu0(&r)->stats.cycles, cycles);
	assert_int_equal(history_run(h, ALL, &why), SIM_OK);
	assert_int_equal(r.vm->power_reason, POWER_DEBUG_EXIT);
	assert_int_equal(r.vm->exit_status, 0);
	history_destroy(h);
	tl_free(&r);
}

/* Same events, byte for byte, when the same guest runs twice under bt. */
static void deterministic_bt(void **state)
{
	(void)state;
	tl_assert_deterministic(TOUR, MODE_BT);
}

struct probe {
	uint32_t run, at, end;
	uint8_t ring, cls, pad[2];
	char name[16];
};

/*
 * The VM exit each ring-0 probe causes under hardware assist (-1: none),
 * with the primary controls of first-generation VT-x (Intel SDM vol. 3C
 * table C-1 for the numbers; no descriptor-table exiting (46, 47) and no
 * WBINVD exiting (54): those are secondary controls, which came later).
 * classify.elf's LMSW, CLTS, MOV to CR0 and MOV to CR4 change only bits
 * the guest owns (MP, TS, TSD: see crmask_exits below), so they do not
 * exit.
 */
static int expected_exit(const char *name)
{
	static const struct { const char *name; int reason; } table[] = {
		{ "mov-to-cr3", 28 }, { "mov-from-cr3", 28 },
		{ "mov-to-dr7", 29 }, { "mov-from-dr7", 29 }, { "invd", 13 },
		{ "invlpg", 14 }, { "rdmsr", 31 },
		{ "wrmsr", 32 }, { "out", 30 }, { "in", 30 }, { "outs", 30 },
		{ "ins", 30 }, { "rdpmc", 15 },	/* RDPMC exiting */
	};

	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (strcmp(table[i].name, name) == 0)
			return table[i].reason;
	return -1;
}

static void hw_exit_reasons(void **state)
{
	uint32_t lo = tl_symbol(CLASSIFY, "probe_table");
	uint32_t hi = tl_symbol(CLASSIFY, "probe_table_end");
	struct tl_run r;
	int checked = 0;

	(void)state;
	run(CLASSIFY, MODE_HW, true, &r);
	for (uint32_t a = lo; a < hi; a += sizeof(struct probe)) {
		struct probe p;
		const struct event *ins = NULL, *exit = NULL;
		int want;

		memcpy(&p, r.vm->ram + a, sizeof p);
		if (p.ring != 0)
			continue;
		for (size_t i = 0; i < r.nev; i++) {
			if (r.ev[i].kind == EV_INSN && r.ev[i].u.insn.eip == p.at && !ins)
				ins = &r.ev[i];
			if (r.ev[i].kind == EV_TRAP && r.ev[i].u.trap.eip == p.at &&
			    r.ev[i].u.trap.action == TRAP_VM_EXIT && !exit)
				exit = &r.ev[i];
		}
		assert_non_null(ins);
		assert_int_equal(ins->u.insn.mode, MODE_HW);
		want = expected_exit(p.name);
		if (want < 0) {
			if (exit != NULL)
				fail_msg("%s exits (reason %u) but should not", p.name,
					 exit->u.trap.exit_reason);
			if (strcmp(p.name, "int") != 0)
				assert_int_equal(ins->u.insn.path, PATH_DIRECT);
		} else {
			if (exit == NULL)
				fail_msg("%s should exit with reason %d", p.name, want);
			assert_int_equal(exit->u.trap.exit_reason, want);
		}
		checked++;
	}
	assert_int_equal(checked, 47);
	tl_free(&r);
}

/*
 * CR0/CR4 writes under the guest/host masks [Intel SDM vol. 3C 24.6.6,
 * 25.1.3]: a MOV to CR0/CR4 exits (reason 28) only if it changes a bit
 * the VMM owns - CR0.PE NE WP NW CD PG, CR4.PSE PAE PGE VMXE for a VMM
 * with shadow page tables (docs/hardware-assist.md) - CLTS only if the
 * VMM owns TS, LMSW only if it sets an owned PE or changes an owned
 * MP/EM/TS.  crmask.elf labels each write x_ (changes an owned bit) or n_
 * (only the guest's bits, or none); every label must be an exit exactly
 * when it is x_, and reading CR0/CR4 never exits (read shadows).
 */
static void crmask_exits(void **state)
{
	static const char *const labels[] = {
		"n_mp", "n_ts", "n_clts", "n_same", "x_wp", "x_wp_off", "x_ne",
		"n_lmsw", "n_tsd", "x_pse", "x_pse_off", "n_tsd_off",
	};
	const char *elf = "build/guests/crmask.elf";
	struct tl_run r;
	int exits = 0, cr_exits = 0;

	(void)state;
	run(elf, MODE_HW, true, &r);
	assert_int_equal(r.vm->exit_status, 0);
	for (size_t k = 0; k < sizeof labels / sizeof labels[0]; k++) {
		uint32_t at = tl_symbol(elf, labels[k]);
		bool want = labels[k][0] == 'x', ran = false, exited = false;

		assert_true(at != 0);
		for (size_t i = 0; i < r.nev; i++) {
			const struct event *e = &r.ev[i];

			if (e->kind == EV_INSN && e->u.insn.eip == at) {
				ran = true;
				assert_int_equal(e->u.insn.path,
						 want ? PATH_VMM : PATH_DIRECT);
			}
			if (e->kind == EV_TRAP && e->u.trap.eip == at &&
			    e->u.trap.action == TRAP_VM_EXIT) {
				exited = true;
				assert_int_equal(e->u.trap.exit_reason, 28);
			}
		}
		if (!ran)
			fail_msg("%s never ran", labels[k]);
		if (exited != want)
			fail_msg("%s %s but should%s", labels[k],
				 exited ? "exits" : "does not exit",
				 want ? "" : " not");
		exits += want;
	}
	cr_exits = (int)vcpu0(&r)->stats.exit_reasons[28];
	assert_int_equal(cr_exits, exits);	/* reads never exit */
	tl_free(&r);
}

/*
 * What a VM exit costs comes from a source, not from the code: Agesen,
 * Mattson, Rugina and Sheldon, "Software Techniques for Avoiding Hardware
 * Virtualization Exits" (USENIX ATC 2012), table 1, measured a VM exit and
 * VM entry round trip at 3963 cycles on Prescott, the Pentium 4 on which
 * Adams & Agesen (ASPLOS 2006) compared VT-x with binary translation.  No
 * source gives the VMM's handling per exit reason, so docs/hardware-
 * assist.md documents none charged: an instruction that runs costs one
 * cycle, an exit 3963.  exitcost.elf (tests/guests/exitcost.S) runs 17
 * instructions of which 8 exit under the primary controls [SDM vol. 3C
 * table C-1]: CPUID, MOV from and to CR3, RDMSR, WRMSR, INVLPG, MOV from
 * DR7 and the final HLT.  halt.elf (CLI; HLT: 2 instructions, 1 exit) is
 * subtracted, and with it whatever booting the VM costs.
 */
static void exit_cost_from_source(void **state)
{
	const uint64_t round_trip = 3963;	/* Prescott, Agesen et al. table 1 */
	static const struct { int reason, count; } exits[] = {
		{ 10, 1 }, { 28, 2 }, { 31, 1 }, { 32, 1 }, { 14, 1 }, { 29, 1 },
		{ 12, 1 },
	};
	struct tl_run r, h;
	uint64_t want = (17 - 2) + (8 - 1) * round_trip;

	(void)state;
	run("build/guests/exitcost.elf", MODE_HW, false, &r);
	run("build/guests/halt.elf", MODE_HW, false, &h);
	assert_int_equal(r.vm->power_reason, POWER_HALT);
	assert_int_equal(vcpu0(&r)->stats.insns, 17);
	assert_int_equal(vcpu0(&r)->stats.exits, 8);
	for (size_t i = 0; i < sizeof exits / sizeof exits[0]; i++)
		assert_int_equal(vcpu0(&r)->stats.exit_reasons[exits[i].reason],
				 exits[i].count);
	assert_int_equal(vcpu0(&r)->stats.cycles - vcpu0(&h)->stats.cycles,
			 want);
	tl_free(&r);
	tl_free(&h);
}

/*
 * A translation cache that fills up is flushed whole and translation
 * starts again (bt.c).  With a TC of a few fragments, tour and multitask
 * flush it again and again, mid-run, and must still run as with the
 * full-sized TC: the same output and counters, and where the guest runs
 * to its end, the same registers.
 */
static void bt_run_tc(const char *guest, uint32_t tc_bytes, uint64_t insns,
		      struct tl_run *r)
{
	char err[GUEST_ERR_MAX];

	memset(r, 0, sizeof *r);
	assert_int_equal(sim_create(NULL, &r->sim), SIM_OK);
	assert_int_equal(sim_add_vm(r->sim, &(struct vm_config){
		.guest = guest, .mode = MODE_BT, .tc_bytes = tc_bytes },
		&r->vm, err), SIM_OK);
	assert_int_equal(sim_run(r->sim, insns, &r->stop), SIM_OK);
	vmm_sync_counters(r->vm->vcpu[0]);
}

static void tc_full_flush_in(const char *guest, uint64_t insns)
{
	static const enum x86_register regs[] = {
		X86R_EAX, X86R_ECX, X86R_EDX, X86R_EBX, X86R_ESP, X86R_EBP,
		X86R_ESI, X86R_EDI, X86R_EFLAGS, X86R_SS, X86R_DS,
	};
	struct tl_run big, small;
	struct bt_stats sb, ss;
	char out[1 << 14];

	bt_run_tc(guest, 0, insns, &big);
	bt_run_tc(guest, 1, insns, &small);	/* the least it allows */
	bt_get_stats(big.vm->vcpu[0]->bt, &sb);
	bt_get_stats(small.vm->vcpu[0]->bt, &ss);
	assert_true(ss.flushes > sb.flushes + 2);	/* it did fill up */
	assert_true(ss.units > sb.units);		/* ... and retranslate */
	snprintf(out, sizeof out, "%s", tl_serial(&big));
	assert_true(out[0] != '\0');
	assert_string_equal(tl_serial(&small), out);
	/*
	 * Translating again costs modelled cycles, so a timer interrupt can
	 * come a few instructions apart: registers are compared where the
	 * guest ran to its end; a run cut off by the budget is compared by
	 * its output and counts.
	 */
	assert_int_equal(small.vm->state, big.vm->state);
	for (size_t i = 0; big.vm->state != VM_ON &&
			   i < sizeof regs / sizeof regs[0]; i++)
		assert_int_equal(cpu_reg(small.vm->vcpu[0]->cpu, regs[i]),
				 cpu_reg(big.vm->vcpu[0]->cpu, regs[i]));
	if (big.vm->state != VM_ON)
		assert_int_equal(vmm_guest_eip(small.vm->vcpu[0]),
				 vmm_guest_eip(big.vm->vcpu[0]));
	assert_int_equal(small.vm->vcpu[0]->stats.insns,
			 big.vm->vcpu[0]->stats.insns);
	assert_int_equal(small.vm->vcpu[0]->stats.interrupts,
			 big.vm->vcpu[0]->stats.interrupts);
	tl_free(&big);
	tl_free(&small);
}

static void tc_full_flush(void **state)
{
	(void)state;
	tc_full_flush_in("scenarios/guests/tour.elf", 1000000000ull);
	tc_full_flush_in("scenarios/guests/multitask.elf", 20000000ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(translation_units),
		cmocka_unit_test(callouts_not_traps),
		cmocka_unit_test(chaining),
		cmocka_unit_test(invalidation),
		cmocka_unit_test(smc_drops_only_written_units),
		cmocka_unit_test(direct_execution),
		cmocka_unit_test(step_equals_run),
		cmocka_unit_test(history_in_bt),
		cmocka_unit_test(deterministic_bt),
		cmocka_unit_test(hw_exit_reasons),
		cmocka_unit_test(crmask_exits),
		cmocka_unit_test(exit_cost_from_source),
		cmocka_unit_test(tc_full_flush),
	};

	return cmocka_run_group_tests_name("modes", tests, NULL, NULL);
}
