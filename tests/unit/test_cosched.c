/*
 * test_cosched.c - the VMKernel's co-scheduling of an SMP VM's vCPUs
 * (sim/vmkernel/vmkernel_cosched.c): the skew arithmetic against cases
 * worked by hand from the sources' description, a co-stop and its
 * co-start at the hand-computed times and amounts, none on a hosted
 * product, and determinism and step back across a co-stop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "history.h"
#include "sim.h"
#include "sim_priv.h"
#include "status.h"
#include "testlib.h"
#include "vm.h"
#include "vmkernel/vmkernel_sched.h"

#define MS 1000000ull
#define SMP "scenarios/guests/smp.elf"

/* A world with one host (kind, pcpus at 1000 MHz). */
static struct sim *one_host(const char *kind, int pcpus, struct host **h)
{
	struct sim *s;
	char err[GUEST_ERR_MAX];
	struct host_config hc = { .name = "esx0", .pcpus = pcpus, .mhz = 1000 };

	assert_int_equal(sim_create(NULL, &s), SIM_OK);
	assert_int_equal(host_kind_parse(kind, &hc.kind), 0);
	assert_int_equal(sim_add_host(s, &hc, h, err), SIM_OK);
	return s;
}

/* A modelled VM of n vCPUs, each busy load_mhz. */
static struct vm *modelled(struct sim *s, int n, uint32_t load_mhz)
{
	struct vm_config c = { .name = "smp", .vcpus = n, .mem_mb = 16,
			       .load_mhz = load_mhz };
	char err[GUEST_ERR_MAX];
	struct vm *vm = NULL;

	if (sim_add_vm(s, &c, &vm, err) != SIM_OK)
		fail_msg("%s", err);
	return vm;
}

static struct world *vcpu_world(struct vm *vm, int i)
{
	return vmkernel_vcpu_world(vm_host(vm)->vmk, vm, i);
}

/* Set a vCPU world's history by hand: so much run and idle time, in
 * state st since `now` (so nothing more accrues before now). */
static void set_progress(struct world *w, enum world_state st,
			 uint64_t run, uint64_t idle, uint64_t ready,
			 uint64_t now)
{
	memset(&w->t, 0, sizeof w->t);
	w->t.run = run;
	w->t.idle = idle;
	w->t.wait = idle;
	w->t.ready = ready;
	w->state = st;
	w->since = now;
	w->pcpu = -1;
}

/*
 * The vSphere 4 paper's figure 1(b), by hand: four vCPUs whose progress
 * is 5T, 5T, 4T and 3T (T = 1 ms) have skews 2T, 2T, 1T and 0 against the
 * slowest, v3.  A halted vCPU progresses (v3's 3T is 1T run + 2T idle);
 * ready time does not (v2 waited 1T for a pCPU); a dead sibling does not
 * count; and time since a world's last change counts by its state.
 */
static void skew_by_hand(void **state)
{
	struct host *h;
	struct sim *s = one_host("esx", 4, &h);
	struct vm *vm = modelled(s, 4, 1000);
	struct world *v[4];
	const struct world *slow;
	uint64_t now = 10 * MS;

	(void)state;
	for (int i = 0; i < 4; i++)
		v[i] = vcpu_world(vm, i);
	set_progress(v[0], WORLD_READY, 5 * MS, 0, 0, now);
	set_progress(v[1], WORLD_READY, 3 * MS, 2 * MS, 0, now);
	set_progress(v[2], WORLD_READY, 4 * MS, 0, 1 * MS, now);
	set_progress(v[3], WORLD_WAITING, 1 * MS, 2 * MS, 0, now);
	assert_int_equal(vmkernel_cosched_skew(h->vmk, v[0], now, &slow), 2 * MS);
	assert_ptr_equal(slow, v[3]);
	assert_int_equal(vmkernel_cosched_skew(h->vmk, v[1], now, &slow), 2 * MS);
	assert_int_equal(vmkernel_cosched_skew(h->vmk, v[2], now, &slow), 1 * MS);
	assert_int_equal(vmkernel_cosched_skew(h->vmk, v[3], now, &slow), 0);
	assert_ptr_equal(slow, v[3]);	/* the slowest is its own */
	/* 1.5 ms later, v3 halted all along: 4.5 ms; v0, v1, v2 ready:
	 * still 5, 5, 4: v2 is now the slowest, v0 1 ms ahead of it */
	assert_int_equal(vmkernel_cosched_skew(h->vmk, v[0], now + 3 * MS / 2,
					       &slow), MS);
	assert_ptr_equal(slow, v[2]);
	/* had v2 run meanwhile (5.5 ms), v3 would be the slowest again */
	v[2]->state = WORLD_RUNNING;
	assert_int_equal(vmkernel_cosched_skew(h->vmk, v[2], now + 3 * MS / 2,
					       &slow), MS);
	assert_ptr_equal(slow, v[3]);
	/* a dead sibling is no laggard: v0 is 1 ms ahead of v2, not 2 of v3 */
	v[3]->state = WORLD_DEAD;
	assert_int_equal(vmkernel_cosched_skew(h->vmk, v[0], now, &slow), MS);
	assert_ptr_equal(slow, v[2]);
	sim_destroy(s);
}

/* The co-scheduler's decisions at a quantum's start, by hand. */
static void costop_costart_by_hand(void **state)
{
	struct host *h;
	struct sim *s = one_host("esx", 2, &h);
	struct vm *vm = modelled(s, 2, 1000);
	struct world *a = vcpu_world(vm, 0), *b = vcpu_world(vm, 1);
	uint64_t now = 20 * MS;
	const struct event *ev;

	(void)state;
	/* exactly at the threshold: not past it */
	set_progress(a, WORLD_READY, 8 * MS, 0, 0, now);
	set_progress(b, WORLD_READY, 5 * MS, 0, 3 * MS, now);
	vmkernel_cosched_plan(h->vmk, now);
	assert_int_equal(a->state, WORLD_READY);
	/* 1 us past it: a is co-stopped, an EV_WORLD says why */
	a->t.run += 1000;
	vmkernel_cosched_plan(h->vmk, now);
	assert_int_equal(a->state, WORLD_COSTOP);
	assert_int_equal(b->state, WORLD_READY);
	ev = event_log_at(sim_events(s), event_log_count(sim_events(s)) - 1);
	assert_non_null(ev);
	assert_int_equal(ev->kind, EV_WORLD);
	assert_int_equal(ev->u.world.reason, SWITCH_COSTOP);
	assert_int_equal(ev->u.world.from, a->id);
	assert_int_equal(ev->u.world.to, b->id);
	assert_int_equal(ev->u.world.skew_us, 3001);
	assert_int_equal(ev->u.world.pcpu, EVENT_NO_PCPU);
	/* co-stopped, it gains no progress and counts %CSTP; b runs 0.5 ms:
	 * 2.501 ms ahead, within the threshold, a is co-started */
	b->state = WORLD_RUNNING;
	vmkernel_cosched_plan(h->vmk, now + MS / 2);
	assert_int_equal(a->state, WORLD_READY);
	assert_int_equal(a->t.cstp, MS / 2);
	ev = event_log_at(sim_events(s), event_log_count(sim_events(s)) - 1);
	assert_int_equal(ev->u.world.reason, SWITCH_COSTART);
	assert_int_equal(ev->u.world.skew_us, 2501);
	sim_destroy(s);
}

/* Run s to time t, checking the run went well. */
static void run_to(struct sim *s, uint64_t t)
{
	enum sim_stop why;

	assert_int_equal(sim_run_until(s, t, UINT64_MAX, &why), SIM_OK);
}

/*
 * Two busy vCPUs on two pCPUs, the second limited to half a pCPU (500
 * MHz of 1000).  The limit holds it back a whole quantum after each one
 * it runs: its progress at the ends of quanta 1 to 8 is 1, 1, 2, 2, 3, 3,
 * 4, 4 ms, the first's 1 to 8 ms.  At 7 ms the skew is 3 ms, not past the
 * threshold; at 8 ms it is 4: co-stopped then.  From then on it is held
 * to its sibling's pace plus the threshold: over 1 s its progress is the
 * sibling's 500 ms plus 3 ms (give or take the quantum a decision waits
 * for), and the rest of its time is %CSTP.  On a hosted product nothing
 * is co-stopped.
 */
static void limited_sibling(void **state)
{
	struct host *h;
	struct sim *s = one_host("esx", 2, &h);
	struct vm *vm = modelled(s, 2, 1000);
	struct world *a = vcpu_world(vm, 0), *b = vcpu_world(vm, 1);
	struct world_times ta, tb;
	uint64_t first = 0;

	(void)state;
	assert_int_equal(world_set_limit(b, 500), SIM_OK);
	run_to(s, 1000 * MS);
	world_times_at(a, sim_now_ns(s), &ta);
	world_times_at(b, sim_now_ns(s), &tb);
	assert_in_range(tb.run, 499 * MS, 501 * MS);
	assert_in_range(ta.run, tb.run + 2 * MS, tb.run + 4 * MS);
	assert_in_range(ta.cstp, 1000 * MS - ta.run - MS, 1000 * MS - ta.run);
	assert_int_equal(tb.cstp, 0);
	for (uint64_t i = 0; i < event_log_count(sim_events(s)); i++) {
		const struct event *ev = event_log_at(sim_events(s), i);

		if (ev != NULL && ev->kind == EV_WORLD &&
		    ev->u.world.reason == SWITCH_COSTOP) {
			first = ev->t_ns;
			break;
		}
	}
	assert_int_equal(first, 8 * MS);
	sim_destroy(s);

	s = one_host("hosted", 2, &h);
	vm = modelled(s, 2, 1000);
	a = vcpu_world(vm, 0);
	assert_int_equal(world_set_limit(vcpu_world(vm, 1), 500), SIM_OK);
	run_to(s, 100 * MS);
	world_times_at(a, sim_now_ns(s), &ta);
	assert_int_equal(ta.cstp, 0);
	assert_true(ta.run > 95 * MS);
	sim_destroy(s);
}

/* A run's events, as the log delivered them. */
struct run {
	struct sim *sim;
	struct vm *vm;
	struct event ev[1 << 16];
	size_t nev;
};

static void capture(void *ctx, const struct event *ev)
{
	struct run *r = ctx;

	assert_true(r->nev < sizeof r->ev / sizeof r->ev[0]);
	r->ev[r->nev++] = *ev;
}

/* The smp guest polling (scenarios/smp.lua's third VM) on 2 pCPUs. */
static void boot_poll(struct run *r)
{
	char err[GUEST_ERR_MAX];
	struct host *h;
	struct vm_config cfg = { .name = "smp", .guest = SMP, .vcpus = 2,
				 .append = "poll", .mode = MODE_BT };

	r->sim = one_host("esx", 2, &h);
	r->nev = 0;
	event_log_subscribe(sim_events(r->sim),
			    EVENT_MASK_ALL & ~EVENT_MASK(EV_INSN), capture, r);
	if (sim_add_vm(r->sim, &cfg, &r->vm, err) != SIM_OK)
		fail_msg("%s", err);
}

/* The co-scheduler's decisions of one kind (no pCPU: not switches). */
static size_t reasons(const struct run *r, enum switch_reason why)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nev; i++)
		n += r->ev[i].kind == EV_WORLD && r->ev[i].u.world.reason == why &&
		     r->ev[i].u.world.pcpu == EVENT_NO_PCPU;
	return n;
}

static const char *serial(const struct run *r)
{
	static char buf[4096];
	size_t len;
	const char *out = vm_serial(r->vm, &len);

	snprintf(buf, sizeof buf, "%.*s", (int)len, out);
	return buf;
}

/*
 * Determinism and step back across a co-stop: the same run twice gives
 * the same events; stepping back to before the co-stop (the scheduler's
 * state is saved with every world's, vmkernel_state.c) and running on
 * gives the same output, events and counters again.
 */
static void back_across_costop(void **state)
{
	static struct run r, again;
	struct history *hist;
	enum sim_stop why;
	char first[4096];
	uint64_t events, end, cstp;
	struct world *ap;

	(void)state;
	boot_poll(&r);
	assert_int_equal(history_create(r.sim, 200000, 0, &hist), SIM_OK);
	assert_int_equal(history_run(hist, 200000000ull, &why), SIM_OK);
	assert_int_equal(r.vm->power_reason, POWER_DEBUG_EXIT);
	snprintf(first, sizeof first, "%s", serial(&r));
	assert_non_null(strstr(first, "poll: 1000 reads"));
	assert_true(reasons(&r, SWITCH_COSTOP) >= 1);
	assert_int_equal(reasons(&r, SWITCH_COSTART),
			 reasons(&r, SWITCH_COSTOP));
	events = event_log_total(sim_events(r.sim));
	end = sim_insns(r.sim);
	ap = vcpu_world(r.vm, 1);
	cstp = ap->t.cstp;
	assert_true(cstp > 10 * MS);

	/* the same again, from scratch */
	boot_poll(&again);
	assert_int_equal(sim_run(again.sim, 200000000ull, &why), SIM_OK);
	assert_int_equal(again.nev, r.nev);
	for (size_t i = 0; i < r.nev; i++)
		assert_memory_equal(&again.ev[i], &r.ev[i], sizeof r.ev[i]);
	sim_destroy(again.sim);

	/* back to the count, before the co-stop, and on to the end */
	assert_int_equal(history_seek(hist, end / 4), SIM_OK);
	assert_true(ap->t.cstp < cstp);
	assert_int_equal(history_run(hist, 200000000ull, &why), SIM_OK);
	assert_string_equal(serial(&r), first);
	assert_int_equal(event_log_total(sim_events(r.sim)), events);
	assert_int_equal(sim_insns(r.sim), end);
	assert_int_equal(ap->t.cstp, cstp);
	/* and back into the co-stop itself */
	assert_int_equal(history_seek(hist, end - end / 3), SIM_OK);
	assert_int_equal(history_run(hist, 200000000ull, &why), SIM_OK);
	assert_string_equal(serial(&r), first);
	assert_int_equal(event_log_total(sim_events(r.sim)), events);
	assert_int_equal(ap->t.cstp, cstp);
	history_destroy(hist);
	sim_destroy(r.sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(skew_by_hand),
		cmocka_unit_test(costop_costart_by_hand),
		cmocka_unit_test(limited_sibling),
		cmocka_unit_test(back_across_costop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
