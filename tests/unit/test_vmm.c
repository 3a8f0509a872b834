/*
 * test_vmm.c - the trap-and-emulate VMM on real guest code: traps,
 * exact instruction counts, stepping versus running, determinism, and the
 * classification of every instruction the classify guest probes.
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

#define HELLO "scenarios/guests/hello.elf"
#define TOUR "scenarios/guests/tour.elf"
#define CLASSIFY "scenarios/guests/classify.elf"
#define ALL 1000000000ull

static struct vcpu *vcpu0(struct tl_run *r)
{
	return r->vm->vcpu[0];
}

/* 200000 privileged instructions in a row: none may turn into a #DF. */
static void many_traps(void **state)
{
	struct tl_run r;
	const struct vcpu_stats *st;

	(void)state;
	tl_run_guest("build/guests/traps.elf", false, ALL, &r);
	st = &vcpu0(&r)->stats;
	assert_int_equal(r.vm->state, VM_OFF);
	assert_int_equal(r.vm->power_reason, POWER_DEBUG_EXIT);
	assert_int_equal(st->traps, 200000);
	assert_int_equal(st->by_class[CLASS_PRIVILEGED], 200000);
	assert_int_equal(st->insns, 400006);
	/* the VMM emulates CLI and STI, and answers the two PIC writes */
	assert_int_equal(st->by_path[PATH_VMM], 200000 + 2);
	assert_int_equal(st->by_path[PATH_VMKERNEL], 0);
	assert_int_equal(st->reflected, 0);
	tl_free(&r);
}

/* A budget is honoured to the instruction, and slicing changes nothing. */
static void exact_budget(void **state)
{
	struct tl_run whole, parts;
	enum sim_stop why;

	(void)state;
	tl_run_guest(HELLO, false, ALL, &whole);
	tl_boot(HELLO, false, &parts);
	assert_int_equal(sim_run(parts.sim, 1234, &why), SIM_OK);
	assert_int_equal(why, SIM_STOP_BUDGET);
	assert_int_equal(vcpu0(&parts)->stats.insns, 1234);
	assert_int_equal(sim_run(parts.sim, 1, &why), SIM_OK);
	assert_int_equal(vcpu0(&parts)->stats.insns, 1235);
	for (int i = 0; i < 50; i++)
		sim_run(parts.sim, 777, &why);
	sim_run(parts.sim, ALL, &why);
	assert_int_equal(why, SIM_STOP_IDLE);
	assert_int_equal(vcpu0(&parts)->stats.insns, vcpu0(&whole)->stats.insns);
	assert_memory_equal(vcpu0(&parts)->stats.by_class,
			    vcpu0(&whole)->stats.by_class,
			    sizeof vcpu0(&whole)->stats.by_class);
	assert_string_equal(tl_serial(&parts), tl_serial(&whole));
	tl_free(&whole);
	tl_free(&parts);
}

/*
 * The step engine (one instruction per call) and the fast engine (whole
 * blocks) must agree exactly: same registers, same counts, after 40000
 * instructions that include system calls and ring changes.
 */
static void step_equals_run(void **state)
{
	(void)state;
	tl_assert_step_equals_run(TOUR, MODE_TE, 40000);
}

/* The same guest twice gives the same event stream, byte for byte. */
static void deterministic(void **state)
{
	(void)state;
	tl_assert_deterministic(TOUR, MODE_TE);
}

/* One EV_INSN per executed instruction, agreeing with the counters. */
static void insn_events_match_counts(void **state)
{
	struct tl_run r;
	uint64_t by_class[CLASS_COUNT] = { 0 }, by_path[PATH_COUNT] = { 0 };

	(void)state;
	tl_run_guest(HELLO, true, ALL, &r);
	for (size_t i = 0; i < r.nev; i++) {
		if (r.ev[i].kind != EV_INSN)
			continue;
		by_class[r.ev[i].u.insn.cls]++;
		by_path[r.ev[i].u.insn.path]++;
		assert_int_equal(r.ev[i].u.insn.mode, MODE_TE);
	}
	assert_int_equal(tl_count(&r, EV_INSN), vcpu0(&r)->stats.insns);
	assert_memory_equal(by_class, vcpu0(&r)->stats.by_class, sizeof by_class);
	assert_memory_equal(by_path, vcpu0(&r)->stats.by_path, sizeof by_path);
	tl_free(&r);
}

/* The guest visits rings 3, 1 and 2 and comes back: EV_RING says so. */
static void rings_visited(void **state)
{
	struct tl_run r;
	bool to[4] = { false };

	(void)state;
	tl_run_guest(TOUR, false, ALL, &r);
	for (size_t i = 0; i < r.nev; i++)
		if (r.ev[i].kind == EV_RING)
			to[r.ev[i].u.ring.to] = true;
	assert_true(to[0] && to[1] && to[2] && to[3]);
	assert_true(vcpu0(&r)->stats.by_vring[3] > 0);
	assert_true(vcpu0(&r)->stats.by_cpl[2] > 0);	/* rings 1, 2 at CPL 2 */
	assert_int_equal(vcpu0(&r)->stats.by_cpl[0], 0);	/* ring 0 is the VMM's */
	assert_int_equal(r.vm->power_reason, POWER_DEBUG_EXIT);
	assert_int_equal(r.vm->exit_status, 0);
	tl_free(&r);
}

/* probe_table entries (scenarios/guests/classify_probes.S). */
struct probe {
	uint32_t run, at, end;
	uint8_t ring, cls, pad[2];
	char name[16];
};

static const struct event *first_insn_at(const struct tl_run *r, uint32_t eip)
{
	for (size_t i = 0; i < r->nev; i++)
		if (r->ev[i].kind == EV_INSN && r->ev[i].u.insn.eip == eip)
			return &r->ev[i];
	return NULL;
}

static const struct event *trap_at(const struct tl_run *r, uint32_t eip)
{
	for (size_t i = 0; i < r->nev; i++)
		if (r->ev[i].kind == EV_TRAP && r->ev[i].u.trap.eip == eip)
			return &r->ev[i];
	return NULL;
}

/*
 * Every probed instruction, at ring 0 and ring 3: its class, the ring it
 * ran in, and the path it took.  Privileged at ring 0: emulated by the
 * VMM.  Privileged or I/O at ring 3: the guest's own #GP, reflected.
 * I/O at ring 0: the VMX.  RDPMC traps (the real CR4.PCE is clear).
 * Other sensitive ones: no trap, except INT n (delivered by the VMM) and
 * the IRET and far RET that fault at CPL 1 on the guest kernel's RPL-0
 * selectors, which the VMM finishes (ring aliasing, Uhlig et al. 2005:
 * the guest runs at a ring it was not written for).
 */
static void classify_probes(void **state)
{
	static const enum insn_class cls[4] = {
		CLASS_INNOCUOUS, CLASS_PRIVILEGED, CLASS_IO, CLASS_SENSITIVE
	};
	uint32_t lo = tl_symbol(CLASSIFY, "probe_table");
	uint32_t hi = tl_symbol(CLASSIFY, "probe_table_end");
	struct tl_run r;
	int n = 0;

	(void)state;
	assert_true(lo != 0 && hi > lo);
	tl_run_guest(CLASSIFY, true, ALL, &r);
	assert_int_equal(r.vm->power_reason, POWER_DEBUG_EXIT);
	for (uint32_t a = lo; a < hi; a += sizeof(struct probe), n++) {
		struct probe p;
		const struct event *ev, *tr;

		memcpy(&p, r.vm->ram + a, sizeof p);
		ev = first_insn_at(&r, p.at);
		tr = trap_at(&r, p.at);
		if (ev == NULL)
			fail_msg("probe %s (ring %u) never ran", p.name, p.ring);
		assert_int_equal(ev->u.insn.vring, p.ring);
		assert_int_equal(ev->u.insn.cpl, p.ring == 0 ? 1 : 3);
		if (ev->u.insn.cls != cls[p.cls])
			fail_msg("probe %s: class %s, expected %s", p.name,
				 class_name(ev->u.insn.cls), class_name(cls[p.cls]));
		if (p.cls == 1 && p.ring == 0) {
			assert_int_equal(ev->u.insn.path, PATH_VMM);
			assert_int_equal(ev->u.insn.why, WHY_TRAP);
			assert_non_null(tr);
			assert_int_equal(tr->u.trap.action, TRAP_EMULATED);
		} else if (p.cls == 1 || (p.cls == 2 && p.ring == 3)) {
			assert_int_equal(ev->u.insn.path, PATH_VMM);
			assert_int_equal(ev->u.insn.why, WHY_REFLECT);
			assert_non_null(tr);
			assert_int_equal(tr->u.trap.action, TRAP_REFLECTED);
			assert_int_equal(tr->u.trap.vector, X86_GP);
		} else if (p.cls == 2) {
			assert_int_equal(ev->u.insn.path, PATH_VMX);
		} else if (strcmp(p.name, "int") == 0) {
			assert_int_equal(ev->u.insn.path, PATH_VMM);
			assert_int_equal(ev->u.insn.why, WHY_DELIVER);
			assert_int_equal(tr->u.trap.action, TRAP_SOFT_INT);
		} else if (strcmp(p.name, "rdpmc") == 0) {
			/* the real CR4.PCE is clear: a trap at every CPL; the
			 * VMM's #UD at ring 0, the guest's own #GP at ring 3 */
			assert_int_equal(ev->u.insn.path, PATH_VMM);
			assert_int_equal(ev->u.insn.why,
					 p.ring == 0 ? WHY_TRAP : WHY_REFLECT);
			assert_non_null(tr);
			assert_int_equal(tr->u.trap.action, p.ring == 0 ?
					 TRAP_VMM_EMULATED : TRAP_REFLECTED);
		} else if (ev->u.insn.path == PATH_VMM) {
			/* only the VMM's ring-aliasing fix-ups may trap */
			assert_non_null(tr);
			assert_int_equal(tr->u.trap.action, TRAP_VMM_EMULATED);
			assert_true(strcmp(p.name, "iret") == 0 ||
				    strcmp(p.name, "far-ret") == 0);
		} else {
			assert_int_equal(ev->u.insn.path, PATH_DIRECT);
			assert_null(tr);
		}
	}
	assert_int_equal(n, 95);
	tl_free(&r);
}

/* Code that rewrites itself runs the new bytes (smc.S checks the sum). */
static void self_modifying_code(void **state)
{
	struct tl_run r;
	struct blockcache_stats bs;

	(void)state;
	tl_run_guest("build/guests/smc.elf", false, ALL, &r);
	assert_int_equal(r.vm->power_reason, POWER_DEBUG_EXIT);
	assert_int_equal(r.vm->exit_status, 0);
	blockcache_get_stats(r.vm->code, &bs);
	assert_true(bs.invalidations > 0);
	tl_free(&r);
}

static void triple_fault(void **state)
{
	struct tl_run r;

	(void)state;
	tl_run_guest("build/guests/triple.elf", false, ALL, &r);
	assert_int_equal(r.vm->state, VM_OFF);
	assert_int_equal(r.vm->power_reason, POWER_TRIPLE_FAULT);
	tl_free(&r);
}

static void halt_with_interrupts_off(void **state)
{
	struct tl_run r;

	(void)state;
	tl_run_guest("build/guests/halt.elf", false, ALL, &r);
	assert_int_equal(r.vm->state, VM_HALTED);
	assert_int_equal(r.vm->power_reason, POWER_HALT);
	assert_int_equal(vcpu0(&r)->stats.insns, 2);
	assert_int_equal(r.stop, SIM_STOP_IDLE);
	tl_free(&r);
}

/* The VMX boots the VM in five visible steps, then power-on. */
static void vmx_bootstrap_events(void **state)
{
	struct tl_run r;
	size_t first = 0;
	int step = 0;

	(void)state;
	tl_boot(HELLO, false, &r);
	/* the default host boots first (EV_HOST), then the VMX starts */
	assert_int_equal(r.ev[0].kind, EV_HOST);
	assert_int_equal(r.ev[0].u.host.action, HOST_UP);
	while (first < r.nev && r.ev[first].kind != EV_VMX)
		first++;
	for (size_t i = first; i < r.nev && r.ev[i].kind == EV_VMX; i++)
		assert_int_equal(r.ev[i].u.vmx.step, step++);
	assert_int_equal(step, VMX_START + 1);	/* no disk: no open-disk */
	assert_int_equal(r.ev[first + step].kind, EV_POWER);
	assert_int_equal(r.ev[first + step].u.power.on, 1);
	tl_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(many_traps),
		cmocka_unit_test(exact_budget),
		cmocka_unit_test(step_equals_run),
		cmocka_unit_test(deterministic),
		cmocka_unit_test(insn_events_match_counts),
		cmocka_unit_test(rings_visited),
		cmocka_unit_test(classify_probes),
		cmocka_unit_test(self_modifying_code),
		cmocka_unit_test(triple_fault),
		cmocka_unit_test(halt_with_interrupts_off),
		cmocka_unit_test(vmx_bootstrap_events),
	};

	return cmocka_run_group_tests_name("vmm", tests, NULL, NULL);
}
