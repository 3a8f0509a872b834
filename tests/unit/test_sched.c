/*
 * test_sched.c - the VMKernel's scheduler: proportional shares, limits,
 * reservations, pinning, blocking on HLT, hosts and their rules, and the
 * determinism everything else relies on.  Figures are esxtop's counters
 * (world.h) read through the public API, as a grader would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim.h"
#include "status.h"
#include "testlib.h"
#include "vmkernel/world.h"

#define SPIN "build/guests/spin.elf"
#define HELLO "scenarios/guests/hello.elf"
#define TIMER "scenarios/guests/timer.elf"
#define SECOND 1000000000ull

/* A world with one host of `pcpus` pCPUs at `mhz`. */
static struct sim *world_of(const char *kind, int pcpus, uint32_t mhz,
			    struct host **h)
{
	struct sim *s;
	char err[GUEST_ERR_MAX];
	struct host_config hc = { .name = "esx0", .pcpus = pcpus, .mhz = mhz };

	assert_int_equal(sim_create(NULL, &s), SIM_OK);
	assert_int_equal(host_kind_parse(kind, &hc.kind), 0);
	assert_int_equal(sim_add_host(s, &hc, h, err), SIM_OK);
	return s;
}

static struct vm *add(struct sim *s, const char *name, const char *guest,
		      uint32_t load_mhz)
{
	struct vm_config c = { .name = name, .guest = guest, .mem_mb = 16,
			       .mode = MODE_BT, .load_mhz = load_mhz };
	char err[GUEST_ERR_MAX];
	struct vm *vm = NULL;

	if (sim_add_vm(s, &c, &vm, err) != SIM_OK)
		fail_msg("%s: %s", name, err);
	return vm;
}

static struct world *vcpu_world(struct vm *vm)
{
	struct host *h = vm_host(vm);

	for (int i = 0; i < host_world_count(h); i++)
		if (host_world(h, i)->vm == vm &&
		    host_world(h, i)->kind == WORLD_VMM)
			return host_world(h, i);
	return NULL;
}

static struct world *world_named(struct host *h, const char *name)
{
	for (int i = 0; i < host_world_count(h); i++)
		if (strcmp(host_world(h, i)->name, name) == 0)
			return host_world(h, i);
	return NULL;
}

/* A counter as a percentage of the time elapsed. */
static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static void run_for(struct sim *s, uint64_t ns)
{
	enum sim_stop why;

	assert_int_equal(sim_run_until(s, sim_now_ns(s) + ns, UINT64_MAX, &why),
			 SIM_OK);
	assert_int_equal(why, SIM_STOP_TIME);
}

static struct world_times times(struct world *w, struct sim *s)
{
	struct world_times t;

	world_times_at(w, sim_now_ns(s), &t);
	return t;
}

/* Two busy VMs on one pCPU: each runs half the time, ready the other half. */
static void two_busy_vms_share_a_pcpu(void **state)
{
	struct host *h;
	struct sim *s = world_of("esx", 1, 100, &h);
	struct vm *a = add(s, "a", SPIN, 0), *b = add(s, "b", SPIN, 0);
	struct world_times ta, tb;

	(void)state;
	run_for(s, SECOND);
	ta = times(vcpu_world(a), s);
	tb = times(vcpu_world(b), s);
	assert_in_range((uint64_t)pct(ta.ready, SECOND), 45, 55);
	assert_in_range((uint64_t)pct(tb.ready, SECOND), 45, 55);
	assert_in_range((uint64_t)pct(ta.run, SECOND), 45, 55);
	assert_in_range((uint64_t)pct(tb.run, SECOND), 45, 55);
	/* nothing is left over: run + ready + wait is all the time there was */
	assert_int_equal(ta.run + ta.ready + ta.wait, SECOND);
	assert_true(ta.switches > 100);		/* they took turns */
	sim_destroy(s);
}

/* Shares 2000 : 1000 give a 2 : 1 split of a contended pCPU. */
static void shares_split_two_to_one(void **state)
{
	struct host *h;
	struct sim *s = world_of("esx", 1, 100, &h);
	struct vm *a = add(s, "a", SPIN, 0), *b = add(s, "b", SPIN, 0);
	struct world_times ta, tb;
	double ratio;

	(void)state;
	assert_int_equal(vm_set_cpu_shares(a, 2000), SIM_OK);
	run_for(s, SECOND);
	ta = times(vcpu_world(a), s);
	tb = times(vcpu_world(b), s);
	ratio = (double)ta.run / (double)tb.run;
	/* stated tolerance: within 5% of 2.0 */
	assert_true(ratio > 1.9 && ratio < 2.1);
	assert_int_equal(vm_set_cpu_shares(a, 0), SIM_EINVAL);
	sim_destroy(s);
}

/* A limit holds a busy VM back even on an idle pCPU (%MLMTD). */
static void limit_caps_a_busy_vm(void **state)
{
	struct host *h;
	struct sim *s = world_of("esx", 1, 100, &h);
	struct vm *a = add(s, "a", SPIN, 0);
	struct world_times t;

	(void)state;
	assert_int_equal(vm_set_cpu_limit(a, 25), SIM_OK);	/* 25% */
	run_for(s, SECOND);
	t = times(vcpu_world(a), s);
	assert_in_range((uint64_t)pct(t.run, SECOND), 23, 27);
	assert_in_range((uint64_t)pct(t.mlmtd, SECOND), 70, 77);
	assert_true(t.mlmtd <= t.ready);	/* limited time is ready time */
	sim_destroy(s);
}

/* A reservation is a floor: three busy VMs, one reserved 60%. */
static void reservation_is_a_floor(void **state)
{
	struct host *h;
	struct sim *s = world_of("esx", 1, 100, &h);
	struct vm *a = add(s, "a", SPIN, 0);
	struct world_times t, tb;

	(void)state;
	add(s, "b", SPIN, 0);
	add(s, "c", SPIN, 0);
	assert_int_equal(vm_set_cpu_reservation(a, 60), SIM_OK);
	/* admission control: the host has 100 MHz to promise in all */
	assert_int_equal(vm_set_cpu_reservation(a, 101), SIM_ESTATE);
	assert_int_equal(vm_set_cpu_reservation(sim_vm_by_name(s, "b"), 50),
			 SIM_ESTATE);
	assert_int_equal(vm_set_cpu_reservation(sim_vm_by_name(s, "b"), 40),
			 SIM_OK);
	assert_int_equal(vm_set_cpu_reservation(sim_vm_by_name(s, "b"), 0),
			 SIM_OK);
	assert_int_equal(vcpu_world(a)->reservation_mhz, 60);
	run_for(s, SECOND);
	t = times(vcpu_world(a), s);
	tb = times(vcpu_world(sim_vm_by_name(s, "b")), s);
	assert_true(pct(t.run, SECOND) >= 58.0);
	assert_in_range((uint64_t)pct(tb.run, SECOND), 17, 23);
	sim_destroy(s);
}

/* Modelled VMs demand what their profile says, and compete like others. */
static void modelled_load(void **state)
{
	struct host *h;
	struct sim *s = world_of("esx", 2, 1000, &h);
	struct vm *m = add(s, "db", NULL, 300);
	struct world_times t;

	(void)state;
	assert_true(m->modelled);
	run_for(s, SECOND / 2);
	t = times(vcpu_world(m), s);
	assert_in_range((uint64_t)pct(t.run, SECOND / 2), 29, 31);
	assert_int_equal(t.ready, 0);		/* two pCPUs, one VM: no wait */
	sim_destroy(s);
}

/* Worlds as ESX has them: per VM a VMX, an MKS and a VMM per vCPU. */
static void worlds_of_a_vm(void **state)
{
	struct host *h;
	struct sim *s = world_of("esx", 2, 1000, &h);
	struct vm_config c = { .name = "smp", .guest = HELLO, .mem_mb = 16,
			       .vcpus = 2, .mode = MODE_BT };
	char err[GUEST_ERR_MAX];
	struct vm *vm;
	int vmm = 0, vmx = 0, mks = 0, idle = 0, console = 0;

	(void)state;
	assert_int_equal(sim_add_vm(s, &c, &vm, err), SIM_OK);
	for (int i = 0; i < host_world_count(h); i++) {
		struct world *w = host_world(h, i);

		switch (w->kind) {
		case WORLD_VMM: vmm++; assert_ptr_equal(w->vm, vm); break;
		case WORLD_VMX: vmx++; break;
		case WORLD_MKS: mks++; break;
		case WORLD_IDLE: idle++; break;
		case WORLD_CONSOLE:
			console++;
			assert_int_equal(w->pinned, 0);	/* on pCPU 0 */
			break;
		default: fail();
		}
	}
	assert_int_equal(vmm, 2);
	assert_int_equal(vmx, 1);
	assert_int_equal(mks, 1);
	assert_int_equal(idle, 2);
	assert_int_equal(console, 1);
	assert_non_null(world_named(h, "vmm1:smp"));
	assert_non_null(world_named(h, "vmx:smp"));
	sim_destroy(s);
}

/* Hosted: log-off powers every VM off, and the event says why. */
static void hosted_logoff(void **state)
{
	struct host *h;
	struct sim *s = world_of("hosted", 2, 1000, &h);
	struct vm *a = add(s, "a", SPIN, 0), *b = add(s, "b", SPIN, 0);
	char msg[256], err[GUEST_ERR_MAX];
	struct event_log *log = sim_events(s);
	int off = 0, logoff = 0;

	(void)state;
	run_for(s, SECOND / 100);
	assert_int_equal(host_remote_admin(h, "power on a", msg, sizeof msg),
			 SIM_ESTATE);
	assert_non_null(strstr(msg, "no remote administration"));
	assert_int_equal(host_logoff(h, msg, sizeof msg), SIM_OK);
	assert_int_equal(a->state, VM_OFF);
	assert_int_equal(b->state, VM_OFF);
	for (size_t i = 0; i < event_log_count(log); i++) {
		const struct event *ev = event_log_at(log, i);

		if (ev->kind == EV_HOST && ev->u.host.action == HOST_LOGOFF) {
			logoff++;
			assert_int_equal(ev->u.host.a, 2);
		}
		if (ev->kind == EV_POWER && !ev->u.power.on) {
			assert_int_equal(ev->u.power.reason, POWER_LOGOFF);
			off++;
		}
	}
	assert_int_equal(logoff, 1);
	assert_int_equal(off, 2);
	/* logged off: no VM may start; log in again and it may */
	assert_int_equal(sim_power_on(s, a, err), SIM_ESTATE);
	assert_non_null(strstr(err, "logged in"));
	assert_int_equal(host_login(h, msg, sizeof msg), SIM_OK);
	assert_int_equal(sim_power_on(s, a, err), SIM_OK);
	assert_int_equal(a->state, VM_ON);
	run_for(s, SECOND / 100);
	assert_true(vcpu_world(a)->state != WORLD_DEAD);
	assert_int_equal(vcpu_world(b)->state, WORLD_DEAD);
	sim_destroy(s);
}

/* ESX: VMs do not depend on a session; admin goes via the console. */
static void esx_keeps_running(void **state)
{
	struct host *h;
	struct sim *s = world_of("esx", 1, 100, &h);
	struct vm *a = add(s, "a", SPIN, 0);
	struct world *con = world_named(h, "console");
	char msg[256];
	struct world_times t;

	(void)state;
	assert_non_null(con);
	assert_int_equal(host_logoff(h, msg, sizeof msg), SIM_ESTATE);
	assert_int_equal(a->state, VM_ON);
	/* remote administration: the console carries requests out */
	assert_int_equal(host_remote_admin(h, "power off a", msg, sizeof msg),
			 SIM_OK);
	assert_int_equal(a->state, VM_OFF);
	assert_int_equal(a->power_reason, POWER_USER);
	assert_int_equal(host_remote_admin(h, "power on a", msg, sizeof msg),
			 SIM_OK);
	assert_int_equal(a->state, VM_ON);
	assert_int_equal(host_remote_admin(h, "power on a", msg, sizeof msg),
			 SIM_ESTATE);			/* it is on */
	assert_int_equal(host_remote_admin(h, "power on zz", msg, sizeof msg),
			 SIM_ENOTFOUND);
	assert_int_equal(host_remote_admin(h, "reboot a", msg, sizeof msg),
			 SIM_EINVAL);
	assert_non_null(strstr(msg, "power on VM"));
	run_for(s, SECOND / 10);
	t = times(con, s);
	/* the console did the five requests' work on pCPU 0, then went
	 * back to waiting; the VM lost that much time to it */
	assert_int_equal(t.run, 5 * 2000000);
	assert_int_equal(con->state, WORLD_WAITING);
	assert_true(times(vcpu_world(a), s).ready >= 5 * 2000000);
	sim_destroy(s);
}

/* A guest that halts for good frees its pCPU at once. */
static void dead_vm_frees_its_pcpu(void **state)
{
	struct host *h;
	struct sim *s = world_of("esx", 1, 100, &h);
	struct vm *hello = add(s, "hello", HELLO, 0), *spin = add(s, "spin", SPIN, 0);
	struct world_times t, th, tx;

	(void)state;
	run_for(s, SECOND);
	assert_int_equal(hello->state, VM_OFF);
	assert_int_equal(vcpu_world(hello)->state, WORLD_DEAD);
	t = times(vcpu_world(spin), s);
	th = times(vcpu_world(hello), s);
	tx = times(world_named(h, "vmx:hello"), s);
	/* the VMX did hello's port I/O: that time is the VMX world's */
	assert_true(tx.run > th.run);
	/* whatever hello's worlds did not use, spin had: the pCPU never idled */
	assert_in_range(t.run + th.run + tx.run, SECOND - 50000, SECOND + 50000);
	sim_destroy(s);
}

/*
 * HLT deschedules a vCPU until its next timer interrupt, and the VMKernel
 * runs another world meanwhile: a timer guest (50 ticks at 100 Hz,
 * halting in between) beside a busy VM on one pCPU.
 */
static void halt_yields_the_pcpu(void **state)
{
	struct host *h;
	struct sim *s = world_of("esx", 1, 1000, &h);
	struct vm *timer = add(s, "timer", TIMER, 0), *spin = add(s, "spin", SPIN, 0);
	struct world_times tt, ts;
	size_t len;
	const char *out;

	(void)state;
	run_for(s, SECOND);
	out = vm_serial(timer, &len);
	assert_int_equal(timer->state, VM_OFF);
	assert_int_equal(timer->exit_status, 0);
	assert_non_null(strstr(out, "tick 50"));
	assert_int_equal(timer->vcpu[0]->stats.interrupts, 50);
	tt = times(vcpu_world(timer), s);
	ts = times(vcpu_world(spin), s);
	/* 50 ticks took half a second of simulated time, and the timer VM
	 * spent most of it halted (%IDLE); it was ready only while it was
	 * printing its first lines, sharing the pCPU with the busy VM */
	assert_true(tt.idle > 400000000ull);
	assert_true(tt.ready < 40000000ull);
	/* each tick woke it, and it preempted the busy VM at once */
	{
		struct event_log *log = sim_events(s);
		int preempt = 0;

		for (size_t i = 0; i < event_log_count(log); i++) {
			const struct event *ev = event_log_at(log, i);

			preempt += ev->kind == EV_WORLD &&
				   ev->u.world.reason == SWITCH_PREEMPT &&
				   ev->vm == timer->id;
		}
		assert_in_range(preempt, 40, 50);
	}
	/* meanwhile the busy VM had the pCPU */
	assert_true(pct(ts.run, SECOND) > 90.0);
	assert_int_equal(spin->state, VM_ON);
	sim_destroy(s);
}

/* Record every event of a multi-host world run in pieces of `step`. */
static size_t record(uint64_t step, struct event **out)
{
	struct host *h;
	struct sim *s = world_of("esx", 2, 100, &h);
	struct host_config hc = { .name = "ws", .kind = HOST_HOSTED, .pcpus = 1,
				  .mhz = 200 };
	char err[GUEST_ERR_MAX];
	struct vm_config c = { .name = "w", .host = "ws", .guest = SPIN,
			       .mem_mb = 16, .mode = MODE_TE };
	enum sim_stop why;
	struct event_log *log;
	size_t n;

	assert_int_equal(sim_add_host(s, &hc, NULL, err), SIM_OK);
	add(s, "a", SPIN, 0);
	add(s, "b", HELLO, 0);
	add(s, "c", NULL, 700);
	add(s, "t", TIMER, 0);
	assert_int_equal(sim_add_vm(s, &c, NULL, err), SIM_OK);
	for (uint64_t done = 0; done < 3000000; done += step) {
		if (step > 3000000 - done)
			step = 3000000 - done;
		assert_int_equal(sim_run(s, step, &why), SIM_OK);
	}
	log = sim_events(s);
	n = event_log_count(log);
	*out = calloc(n, sizeof **out);
	for (size_t i = 0; i < n; i++)
		(*out)[i] = *event_log_at(log, i);
	sim_destroy(s);
	return n;
}

/* The schedule is the same however sim_run is called, and every time. */
static void deterministic(void **state)
{
	struct event *a, *b, *c;
	size_t na = record(3000000, &a), nb = record(7919, &b),
	       nc = record(3000000, &c);

	(void)state;
	assert_true(na > 50);
	assert_int_equal(na, nb);
	assert_int_equal(na, nc);
	assert_memory_equal(a, b, na * sizeof *a);
	assert_memory_equal(a, c, na * sizeof *a);
	free(a);
	free(b);
	free(c);
}

/* Bad input is refused with a message, and the world is unchanged. */
static void bad_input(void **state)
{
	struct sim *s;
	struct host *h;
	char err[GUEST_ERR_MAX];
	struct host_config hc = { .name = "x", .pcpus = HOST_MAX_PCPUS + 1 };
	struct vm_config c = { .name = "v", .host = "nowhere", .guest = HELLO,
			       .mem_mb = 16, .mode = MODE_BT };

	(void)state;
	assert_int_equal(sim_create(NULL, &s), SIM_OK);
	assert_int_equal(sim_add_host(s, &hc, &h, err), SIM_EINVAL);
	assert_non_null(strstr(err, "physical CPUs"));
	hc.pcpus = 1;
	hc.kind = (enum host_kind)7;
	assert_int_equal(sim_add_host(s, &hc, &h, err), SIM_EINVAL);
	hc.kind = HOST_ESX;
	assert_int_equal(sim_add_host(s, &hc, &h, err), SIM_OK);
	assert_int_equal(sim_add_host(s, &hc, &h, err), SIM_EINVAL);
	assert_non_null(strstr(err, "already exists"));
	assert_int_equal(sim_add_vm(s, &c, NULL, err), SIM_ENOTFOUND);
	assert_non_null(strstr(err, "nowhere"));
	assert_int_equal(sim_vm_count(s), 0);
	assert_int_equal(host_world_count(h), 2);	/* idle0, console */
	assert_int_equal(host_kind_parse("hypervisor", &hc.kind), -1);
	sim_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(two_busy_vms_share_a_pcpu),
		cmocka_unit_test(shares_split_two_to_one),
		cmocka_unit_test(limit_caps_a_busy_vm),
		cmocka_unit_test(reservation_is_a_floor),
		cmocka_unit_test(modelled_load),
		cmocka_unit_test(worlds_of_a_vm),
		cmocka_unit_test(hosted_logoff),
		cmocka_unit_test(esx_keeps_running),
		cmocka_unit_test(dead_vm_frees_its_pcpu),
		cmocka_unit_test(halt_yields_the_pcpu),
		cmocka_unit_test(deterministic),
		cmocka_unit_test(bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
