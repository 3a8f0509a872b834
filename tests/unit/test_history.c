/*
 * test_history.c - stepping backwards: back N then forward N lands on the
 * identical state, and the replayed events are the same events.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "history.h"
#include "testlib.h"
#include "trace.h"
#include "vmm/vmm.h"

#define TOUR "scenarios/guests/tour.elf"

/* Everything a student could look at, gathered into one comparable blob. */
struct picture {
	uint32_t regs[13];
	struct vcpu_virt virt;
	struct vcpu_stats stats;
	size_t serial_len;
	uint64_t events, now;
	uint32_t ram_sum;
};

static const enum x86_register regs[13] = {
	X86R_EAX, X86R_ECX, X86R_EDX, X86R_EBX, X86R_ESP, X86R_EBP,
	X86R_ESI, X86R_EDI, X86R_EIP, X86R_EFLAGS, X86R_CS, X86R_SS, X86R_DS,
};

static void picture(struct tl_run *r, struct picture *p)
{
	struct vcpu *v = r->vm->vcpu[0];

	memset(p, 0, sizeof *p);
	vmm_sync_counters(v);
	for (int i = 0; i < 13; i++)
		p->regs[i] = cpu_reg(v->cpu, regs[i]);
	p->virt = v->virt;
	p->stats = v->stats;
	vm_serial(r->vm, &p->serial_len);
	p->events = event_log_total(sim_events(r->sim));
	p->now = sim_now_ns(r->sim);
	for (uint32_t a = 0; a < r->vm->ram_size; a += 4)
		p->ram_sum = p->ram_sum * 31 + *(uint32_t *)(void *)(r->vm->ram + a);
}

static void assert_same(const struct picture *a, const struct picture *b)
{
	assert_memory_equal(a->regs, b->regs, sizeof a->regs);
	assert_memory_equal(&a->virt, &b->virt, sizeof a->virt);
	assert_memory_equal(&a->stats, &b->stats, sizeof a->stats);
	assert_int_equal(a->serial_len, b->serial_len);
	assert_int_equal(a->events, b->events);
	assert_int_equal(a->now, b->now);
	assert_int_equal(a->ram_sum, b->ram_sum);
}

static void back_and_forth(void **state)
{
	struct tl_run r;
	struct history *h;
	struct picture at20, at25, p;
	enum sim_stop why;

	(void)state;
	tl_boot(TOUR, false, &r);
	assert_int_equal(history_create(r.sim, 4000, 0, &h), SIM_OK);
	assert_int_equal(history_run(h, 20000, &why), SIM_OK);
	picture(&r, &at20);
	assert_int_equal(at20.stats.insns, 20000);
	assert_int_equal(history_run(h, 5000, &why), SIM_OK);
	picture(&r, &at25);
	assert_int_equal(history_back(h, 5000), SIM_OK);
	picture(&r, &p);
	assert_same(&p, &at20);
	assert_int_equal(history_run(h, 5000, &why), SIM_OK);
	picture(&r, &p);
	assert_same(&p, &at25);
	/* one instruction at a time, back and forth */
	for (int i = 0; i < 30; i++)
		assert_int_equal(history_back(h, 1), SIM_OK);
	for (int i = 0; i < 30; i++)
		assert_int_equal(history_run(h, 1, &why), SIM_OK);
	picture(&r, &p);
	assert_same(&p, &at25);
	history_destroy(h);
	tl_free(&r);
}

/* Back to the start and run to the end: the same events, byte for byte. */
static void replay_same_events(void **state)
{
	struct tl_run a, b;
	struct history *h;
	enum sim_stop why;
	char la[TRACE_LINE_MAX], lb[TRACE_LINE_MAX];
	size_t from;

	(void)state;
	tl_run_guest(TOUR, false, 1000000000ull, &a);
	tl_boot(TOUR, false, &b);
	assert_int_equal(history_create(b.sim, 0, 0, &h), SIM_OK);
	assert_int_equal(history_run(h, 60000, &why), SIM_OK);
	assert_int_equal(history_seek(h, 1234), SIM_OK);
	assert_int_equal(sim_insns(b.sim), 1234);
	/* the captured events past the rewind point are replaced on replay */
	from = b.nev;
	assert_int_equal(history_run(h, 1000000000ull, &why), SIM_OK);
	assert_int_equal(why, SIM_STOP_IDLE);
	assert_string_equal(tl_serial(&b), tl_serial(&a));
	assert_int_equal(event_log_total(sim_events(b.sim)),
			 event_log_total(sim_events(a.sim)));
	/* the replayed tail equals the original tail */
	for (size_t i = 0; i < 50 && i < a.nev; i++) {
		const struct event *ea = &a.ev[a.nev - 1 - i];
		const struct event *eb = &b.ev[b.nev - 1 - i];

		trace_json(a.sim, ea, la, sizeof la);
		trace_json(b.sim, eb, lb, sizeof lb);
		assert_string_equal(la, lb);
	}
	assert_true(b.nev > from);
	history_destroy(h);
	tl_free(&a);
	tl_free(&b);
}

/* Going back across self-modifying code must run the old code again. */
static void back_across_smc(void **state)
{
	struct tl_run r;
	struct history *h;
	enum sim_stop why;

	(void)state;
	tl_boot("build/guests/smc.elf", false, &r);
	assert_int_equal(history_create(r.sim, 3, 0, &h), SIM_OK);
	assert_int_equal(history_run(h, 1000, &why), SIM_OK);
	assert_int_equal(r.vm->exit_status, 0);
	assert_int_equal(r.vm->power_reason, POWER_DEBUG_EXIT);
	assert_int_equal(history_seek(h, 5), SIM_OK);
	assert_int_equal(r.vm->state, VM_ON);
	assert_int_equal(history_run(h, 1000, &why), SIM_OK);
	assert_int_equal(r.vm->power_reason, POWER_DEBUG_EXIT);
	assert_int_equal(r.vm->exit_status, 0);
	history_destroy(h);
	tl_free(&r);
}

/* The events of one kind and trap action in r's capture. */
static size_t traps_of(const struct tl_run *r, enum trap_action a)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nev; i++)
		n += r->ev[i].kind == EV_TRAP && r->ev[i].u.trap.action == a;
	return n;
}

/*
 * Stepping back across INIT, SIPI and IPIs on a 4-vCPU VM: every local
 * APIC (vmm_state.c saves each vCPU's, apic.c owns it) and every AP is
 * put back, so running on prints the same lines with the same events.
 */
static void back_across_ipis_in(enum exec_mode mode)
{
	struct vm_config cfg = { .name = "smp", .guest = "scenarios/guests/smp.elf",
				 .vcpus = 4, .mode = mode };
	struct tl_run r;
	struct history *h;
	enum sim_stop why;
	char first[1024];
	uint64_t events, end, ipis;
	size_t starts;

	tl_boot_cfg(&cfg, false, &r);
	assert_int_equal(history_create(r.sim, 20000, 0, &h), SIM_OK);
	assert_int_equal(history_run(h, 100000000ull, &why), SIM_OK);
	assert_int_equal(r.vm->power_reason, POWER_DEBUG_EXIT);
	snprintf(first, sizeof first, "%s", tl_serial(&r));
	assert_non_null(strstr(first, "cpu 3: ipi 0x40\nsmp: done\n"));
	events = event_log_total(sim_events(r.sim));
	end = sim_insns(r.sim);
	starts = traps_of(&r, TRAP_STARTUP);
	ipis = traps_of(&r, TRAP_IPI);
	assert_int_equal(starts, 3 * 3);	/* INIT, SIPI, SIPI per AP */
	assert_int_equal(ipis, 3);
	/* back to before the first AP started, then to the end again */
	assert_int_equal(history_seek(h, 200), SIM_OK);
	assert_int_equal(r.vm->state, VM_ON);
	assert_true(r.vm->vcpu[1]->state == VCPU_HALTED);
	assert_false(r.vm->vcpu[1]->apic.wait_sipi);
	assert_int_equal(history_run(h, 100000000ull, &why), SIM_OK);
	assert_string_equal(tl_serial(&r), first);
	assert_int_equal(event_log_total(sim_events(r.sim)), events);
	assert_int_equal(sim_insns(r.sim), end);
	/* and back into the middle of the IPIs: an AP halted with one owed */
	assert_int_equal(history_seek(h, end - 2000), SIM_OK);
	assert_int_equal(history_run(h, 100000000ull, &why), SIM_OK);
	assert_string_equal(tl_serial(&r), first);
	assert_int_equal(event_log_total(sim_events(r.sim)), events);
	history_destroy(h);
	tl_free(&r);
}

/*
 * (It once went wrong under bt and hw: a pCPU's quantum ended where the
 * instruction budget happened to split the run, so replaying with other
 * checkpoints let the BSP spin longer before the AP ran.)
 */
static void back_across_ipis(void **state)
{
	(void)state;
	back_across_ipis_in(MODE_TE);
	back_across_ipis_in(MODE_BT);
	back_across_ipis_in(MODE_HW);
}

/*
 * A store that crosses a page boundary writes two pages; going back over
 * it must put both back.  (It once marked only the first page written, so
 * 0x400000 kept 0000dead after stepping back.)
 */
static void back_over_page_crossing_store_in(enum exec_mode mode)
{
	static const uint8_t before[4] = { 0, 0, 0, 0 };
	static const uint8_t after[4] = { 0xef, 0xbe, 0xad, 0xde };
	struct tl_run r;
	struct history *h;
	enum sim_stop why;

	tl_boot_mode("build/guests/pagecross.elf", mode, false, &r);
	assert_int_equal(history_create(r.sim, 0, 0, &h), SIM_OK);
	assert_int_equal(history_run(h, 100, &why), SIM_OK);
	assert_memory_equal(r.vm->ram + 0x3ffffe, after, 4);
	assert_int_equal(history_seek(h, 2), SIM_OK);	/* before the store */
	assert_memory_equal(r.vm->ram + 0x3ffffe, before, 4);
	assert_int_equal(history_run(h, 1, &why), SIM_OK);
	assert_memory_equal(r.vm->ram + 0x3ffffe, after, 4);
	history_destroy(h);
	tl_free(&r);
}

static void back_over_page_crossing_store_te(void **state)
{
	(void)state;
	back_over_page_crossing_store_in(MODE_TE);
}

static void back_over_page_crossing_store_bt(void **state)
{
	(void)state;
	back_over_page_crossing_store_in(MODE_BT);
}

static void back_over_page_crossing_store_hw(void **state)
{
	(void)state;
	back_over_page_crossing_store_in(MODE_HW);
}

/* Memory stays bounded: the list thins out and the interval doubles. */
static void bounded(void **state)
{
	struct tl_run r;
	struct history *h;
	enum sim_stop why;

	(void)state;
	tl_boot(TOUR, false, &r);
	assert_int_equal(history_create(r.sim, 100, 4, &h), SIM_OK);
	assert_int_equal(history_run(h, 3000, &why), SIM_OK);
	assert_true(history_checkpoints(h) <= 4);
	assert_true(history_interval(h) > 100);
	assert_int_equal(history_back(h, 2500), SIM_OK);
	assert_int_equal(sim_insns(r.sim), 500);
	history_destroy(h);
	tl_free(&r);
}

/* ---- stepping back across interrupts and ring switches ------------------ */

/*
 * Two worlds running the same guest agree on everything a student can
 * see: every register, the virtual CPU, the counters, the serial output,
 * the clock, and guest RAM page by page (naming the first page that
 * differs).
 */
static void assert_worlds_equal(struct tl_run *a, struct tl_run *b)
{
	struct vcpu *va = a->vm->vcpu[0], *vb = b->vm->vcpu[0];
	size_t la, lb;
	const char *sa = vm_serial(a->vm, &la), *sb = vm_serial(b->vm, &lb);

	vmm_sync_counters(va);
	vmm_sync_counters(vb);
	for (int i = 0; i < 13; i++)
		assert_int_equal(cpu_reg(vb->cpu, regs[i]),
				 cpu_reg(va->cpu, regs[i]));
	assert_memory_equal(&vb->virt, &va->virt, sizeof va->virt);
	assert_memory_equal(&vb->stats, &va->stats, sizeof va->stats);
	assert_int_equal(vb->state, va->state);
	assert_int_equal(sim_now_ns(b->sim), sim_now_ns(a->sim));
	assert_int_equal(lb, la);
	assert_memory_equal(sb, sa, la);
	assert_int_equal(b->vm->ram_size, a->vm->ram_size);
	for (uint32_t p = 0; p < a->vm->ram_size; p += 4096)
		if (memcmp(a->vm->ram + p, b->vm->ram + p, 4096) != 0)
			fail_msg("guest page 0x%08x differs", p);
}

/*
 * Interrupts taken and changes of ring so far: device interrupts, INT n
 * delivered, the VMM's privilege switches, and under hardware assist the
 * VM exits (the guest's rings are the CPU's own there).
 */
static uint64_t world_switches(struct vm *vm)
{
	struct vcpu *v = vm->vcpu[0];

	vmm_sync_counters(v);
	return v->stats.interrupts + v->stats.soft_ints +
	       v->stats.ring_switches + v->stats.exits;
}

/*
 * Run to `at`, step back `back` instructions (if `switches`, across at
 * least one timer interrupt or ring switch: checked), compare with a run
 * that went straight there; then forward again, and 30 single steps back
 * and forth, and compare once more.
 */
static void back_across(const char *guest, enum exec_mode mode, uint64_t at,
			uint64_t back, bool switches)
{
	struct tl_run a, b;
	struct history *h;
	enum sim_stop why;
	uint64_t seen;

	tl_boot_mode(guest, mode, false, &a);
	tl_boot_mode(guest, mode, false, &b);
	assert_int_equal(history_create(b.sim, 0, 0, &h), SIM_OK);
	assert_int_equal(history_run(h, at, &why), SIM_OK);
	assert_int_equal(sim_insns(b.sim), at);
	seen = world_switches(b.vm);
	assert_int_equal(history_back(h, back), SIM_OK);
	assert_int_equal(sim_run(a.sim, at - back, &why), SIM_OK);
	assert_worlds_equal(&a, &b);
	/* the stretch stepped back over held an interrupt or a ring switch */
	assert_true(!switches || world_switches(b.vm) < seen);
	assert_int_equal(history_run(h, back, &why), SIM_OK);
	for (int i = 0; i < 30; i++)
		assert_int_equal(history_back(h, 1), SIM_OK);
	for (int i = 0; i < 30; i++)
		assert_int_equal(history_run(h, 1, &why), SIM_OK);
	assert_int_equal(sim_run(a.sim, back, &why), SIM_OK);
	assert_worlds_equal(&a, &b);
	history_destroy(h);
	tl_free(&a);
	tl_free(&b);
}

#define BACK_TEST(name, guest, mode, at, back)				\
	static void name(void **state)					\
	{								\
		(void)state;						\
		back_across("scenarios/guests/" guest ".elf", mode, at,	\
			    back, true);				\
	}

/* (multitask under te takes no timer interrupt early on: its INT n then) */
BACK_TEST(back_tour_te, "tour", MODE_TE, 50000, 30000)
BACK_TEST(back_tour_bt, "tour", MODE_BT, 50000, 30000)
BACK_TEST(back_tour_hw, "tour", MODE_HW, 50000, 30000)
BACK_TEST(back_timer_te, "timer", MODE_TE, 40000, 25000)
BACK_TEST(back_timer_bt, "timer", MODE_BT, 184000, 30000)
/* timer runs ~518 ms of guest time: 32,678 instructions under hw, whose
 * exits cost Prescott's round trip, so stop before its end */
BACK_TEST(back_timer_hw, "timer", MODE_HW, 32000, 20000)
BACK_TEST(back_multitask_te, "multitask", MODE_TE, 300000, 299000)
BACK_TEST(back_multitask_bt, "multitask", MODE_BT, 20000000, 12000000)
BACK_TEST(back_multitask_hw, "multitask", MODE_HW, 20000000, 12000000)

/*
 * Back over a loop that patches its own code (tests/guests/smcloop.S):
 * under te and hw Unicorn gives up each block a store lands in, and the
 * VMM takes back what it had counted of it (vmm_smc_store); under bt
 * the translator drops the units written, and those a checkpoint puts
 * back must stay watched (bt_state_load).  The counts, the clock and the
 * state agree with a run that went straight there, the checkpoints
 * falling anywhere in the loop (which has no interrupt nor ring switch
 * to cross).  Before: ECX differed under te and hw, the cycles under bt.
 */
#define BACK_SMC(name, mode)						\
	static void name(void **state)					\
	{								\
		(void)state;						\
		back_across("build/guests/smcloop.elf", mode, 40003,	\
			    39993, false);				\
	}

BACK_SMC(back_smcloop_te, MODE_TE)
BACK_SMC(back_smcloop_bt, MODE_BT)
BACK_SMC(back_smcloop_hw, MODE_HW)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(back_and_forth),
		cmocka_unit_test(replay_same_events),
		cmocka_unit_test(back_across_smc),
		cmocka_unit_test(back_across_ipis),
		cmocka_unit_test(bounded),
		cmocka_unit_test(back_over_page_crossing_store_te),
		cmocka_unit_test(back_over_page_crossing_store_bt),
		cmocka_unit_test(back_over_page_crossing_store_hw),
		cmocka_unit_test(back_tour_te),
		cmocka_unit_test(back_tour_bt),
		cmocka_unit_test(back_tour_hw),
		cmocka_unit_test(back_timer_te),
		cmocka_unit_test(back_timer_bt),
		cmocka_unit_test(back_timer_hw),
		cmocka_unit_test(back_multitask_te),
		cmocka_unit_test(back_multitask_bt),
		cmocka_unit_test(back_multitask_hw),
		cmocka_unit_test(back_smcloop_te),
		cmocka_unit_test(back_smcloop_bt),
		cmocka_unit_test(back_smcloop_hw),
	};

	return cmocka_run_group_tests_name("history", tests, NULL, NULL);
}
