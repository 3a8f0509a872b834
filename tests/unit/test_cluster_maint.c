/*
 * test_cluster_maint.c - maintenance mode waits for its VMs, and HA's
 * isolation responses for a VM paused by a full datastore.
 *
 * Maintenance (drs_maint.h): a host asked to enter it is "entering
 * maintenance mode" while a powered-on VM is on it; a paused VM, which
 * VMotion refuses, keeps it waiting (new VMs and VMotions into it are
 * refused meanwhile) until it is answered (DRS then moves it) or powered
 * off (Cancel), or the task's timeout expires; the task itself can be
 * cancelled, the host connected again and VMotions in flight completed.
 *
 * Isolation (ha.h) with the VM paused on the isolated host: leave powered
 * on keeps it paused there, holding its disk lock and its write, and
 * nothing restarts; if the host lost its storage too, the lock lapses and
 * the master restarts it elsewhere, booted fresh (the copy left behind is
 * killed when the host is back); power off ends it at the response and
 * the master restarts it; shutdown waits for a guest that cannot answer
 * (it runs nothing) and powers it off after 300 s.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cluster/cluster.h"
#include "cluster/drs_cluster.h"
#include "cluster/drs_maint.h"
#include "cluster/ha_cluster.h"
#include "cluster/vmotion.h"
#include "history.h"
#include "sim.h"
#include "status.h"
#include "testlib.h"

#define S 1000000000ull
#define TICKER "build/guests/ticker.elf"

/* Run the world for t more nanoseconds. */
static void run_for(struct sim *s, uint64_t t)
{
	enum sim_stop why;

	assert_int_equal(sim_run_until(s, sim_now_ns(s) + t, UINT64_MAX, &why),
			 SIM_OK);
}

/* The last EV_DRS or EV_HA event of action a, or NULL. */
static const struct event *last(struct sim *s, enum event_kind kind, int a)
{
	const struct event *found = NULL;

	for (size_t i = 0; i < event_log_count(sim_events(s)); i++) {
		const struct event *e = event_log_at(sim_events(s), i);

		if (e->kind == kind &&
		    (kind == EV_DRS ? e->u.drs.action : e->u.ha.action) == a)
			found = e;
	}
	return found;
}

/* A modelled VM "web" on host h. */
static int web_on(struct cluster *c, int h)
{
	char err[GUEST_ERR_MAX];
	int vm;

	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.name = "web", .host = h, .mem_mb = 256, .demand_mhz = 500 },
		&vm, err), SIM_OK);
	return vm;
}

/*
 * esx0 holds the paused VM and web.  Entering maintenance mode, fully
 * automated DRS moves web and reports the paused VM stuck; esx0 waits,
 * entering, for two minutes: it takes no new VM and no VMotion, and
 * cannot leave a mode it is not in.  Answered (Retry), the VM is moved
 * by DRS within VirtualCenter's next look, and at its switch-over esx0 is
 * in maintenance mode.  The guest, on esx1, finishes its disk intact.
 */
static void maintenance_waits_for_a_paused_vm(void **state)
{
	struct sim *s;
	struct cluster *c = tl_two_hosts(&s);
	char err[GUEST_ERR_MAX];
	struct drs_plan plan;
	const struct event *done, *moved;
	struct vm *live;
	int vm, web, other;

	(void)state;
	vm = tl_paused_vm(s, c);
	live = cluster_vm_live(c, vm);
	web = web_on(c, 0);
	assert_int_equal(drs_maint_enter(c, 0, 0, &plan, err), SIM_OK);
	assert_int_equal(plan.nmoves, 1);
	assert_int_equal(plan.moves[0].vm, (uint32_t)web);
	assert_int_equal(plan.stuck, 1);
	assert_non_null(strstr(plan.note, "question pending"));
	drs_plan_free(&plan);
	assert_int_equal(tl_count_op(s, EV_DRS, DRS_STUCK), 1);
	assert_int_equal(cluster_host(c, 0)->state, CHOST_ENTERING_MAINTENANCE);

	run_for(s, 120 * S);
	assert_int_equal(cluster_vm(c, web)->host, 1);
	assert_int_equal(cluster_host(c, 0)->state, CHOST_ENTERING_MAINTENANCE);
	assert_int_equal(tl_count_op(s, EV_DRS, DRS_MAINTENANCE_DONE), 0);
	assert_int_equal(cluster_vm(c, vm)->host, 0);
	assert_int_equal(live->state, VM_PAUSED);
	/* meanwhile: no VMotion into it, no new VM on it, no way out */
	assert_int_equal(vmotion_check(c, web, 0, err), VMR_HOST_STATE);
	assert_non_null(strstr(err, "entering-maintenance"));
	assert_int_not_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.name = "late", .host = 0 }, &other, err), SIM_OK);
	assert_int_equal(drs_maint_exit(c, 0, err), SIM_ESTATE);
	assert_non_null(strstr(err, "1 powered-on VM left on it (1 paused"));

	tl_retry_stores_once(s, live);
	for (int k = 0; k < 60 && cluster_host(c, 0)->state != CHOST_MAINTENANCE; k++)
		run_for(s, S / 10);
	assert_int_equal(cluster_host(c, 0)->state, CHOST_MAINTENANCE);
	assert_int_equal(cluster_vm(c, vm)->host, 1);
	assert_int_equal(live->state, VM_ON);	/* moved running, not ended */
	moved = last(s, EV_DRS, DRS_APPLIED);
	assert_non_null(moved);
	assert_int_equal(moved->u.drs.vm, vm);
	assert_int_equal(moved->u.drs.why, DRS_WHY_MAINTENANCE);
	done = last(s, EV_DRS, DRS_MAINTENANCE_DONE);
	assert_non_null(done);
	assert_true(done->t_ns >= moved->t_ns);
	assert_true(done->u.drs.mhz >= 120);	/* the seconds it waited */
	assert_int_equal(tl_count_op(s, EV_DRS, DRS_MAINTENANCE_DONE), 1);
	assert_int_equal(drs_maint_enter(c, 0, 0, &plan, err), SIM_ESTATE);
	assert_non_null(strstr(err, "is maintenance: only a connected host"));
	assert_int_equal(drs_maint_exit(c, 0, err), SIM_OK);
	tl_run_to_the_end(s, live);
	sim_destroy(s);
}

/*
 * The task's timeout: entering with 30 s and the paused VM unanswered,
 * esx0 is still entering at 29 s; at 30 s the task fails (an event with
 * the one VM left) and esx0 is connected again, the VM paused on it.
 */
static void maintenance_times_out(void **state)
{
	struct sim *s;
	struct cluster *c = tl_two_hosts(&s);
	char err[GUEST_ERR_MAX];
	struct drs_plan plan;
	const struct event *e;
	uint64_t t0;
	int vm;

	(void)state;
	vm = tl_paused_vm(s, c);
	t0 = sim_now_ns(s);
	assert_int_equal(drs_maint_enter(c, 0, 30, &plan, err), SIM_OK);
	drs_plan_free(&plan);
	run_for(s, 29 * S);
	assert_int_equal(cluster_host(c, 0)->state, CHOST_ENTERING_MAINTENANCE);
	assert_int_equal(tl_count_op(s, EV_DRS, DRS_MAINTENANCE_TIMEOUT), 0);
	run_for(s, 2 * S);
	assert_int_equal(cluster_host(c, 0)->state, CHOST_CONNECTED);
	e = last(s, EV_DRS, DRS_MAINTENANCE_TIMEOUT);
	assert_non_null(e);
	assert_int_equal(e->u.drs.mhz, 1);		/* VMs left */
	assert_true(e->t_ns >= t0 + 30 * S && e->t_ns < t0 + 31 * S);
	assert_int_equal(tl_count_op(s, EV_DRS, DRS_MAINTENANCE_DONE), 0);
	assert_int_equal(cluster_vm(c, vm)->host, 0);
	assert_int_equal(cluster_vm_live(c, vm)->state, VM_PAUSED);
	assert_int_equal(drs_maint_exit(c, 0, err), SIM_ESTATE);
	sim_destroy(s);
}

/*
 * Cancel (a power-off) ends the paused VM where it is, its held write
 * lost; nothing powered on is left, so esx0 is in maintenance mode at
 * VirtualCenter's next look, a second later at most.
 */
static void maintenance_after_cancel(void **state)
{
	struct sim *s;
	struct cluster *c = tl_two_hosts(&s);
	char err[GUEST_ERR_MAX];
	struct drs_plan plan;
	const struct event *done;
	uint64_t t_off;
	int vm;

	(void)state;
	vm = tl_paused_vm(s, c);
	assert_int_equal(drs_maint_enter(c, 0, 0, &plan, err), SIM_OK);
	drs_plan_free(&plan);
	run_for(s, 10 * S);
	assert_int_equal(cluster_host(c, 0)->state, CHOST_ENTERING_MAINTENANCE);
	t_off = sim_now_ns(s);
	vm_power_off(cluster_vm_live(c, vm), POWER_USER, 0);
	run_for(s, 2 * S);
	assert_int_equal(cluster_host(c, 0)->state, CHOST_MAINTENANCE);
	done = last(s, EV_DRS, DRS_MAINTENANCE_DONE);
	assert_non_null(done);
	assert_true(done->t_ns >= t_off && done->t_ns <= t_off + S);
	assert_int_equal(tl_writes_of(s, TL_ROOM_SECTORS), 0);
	sim_destroy(s);
}

/*
 * Cancelling the task ("The task is cancellable": vSphere Web Services
 * API, HostSystem.EnterMaintenanceMode_Task), with web's VMotion in
 * flight and the paused VM stuck on esx0: esx0 is connected again at
 * once (a maintenance-cancelled event with the two powered-on VMs still
 * on it, beside host-state), web's VMotion, a task of its own, completes,
 * and nothing else leaves: the answered VM stays on esx0, where DRS
 * recommends no move any more and a new VM may go.  Only a host entering
 * can be cancelled; exit_maintenance still refuses one, pointing at
 * cancel.
 */
static void maintenance_cancelled(void **state)
{
	struct sim *s;
	struct cluster *c = tl_two_hosts(&s);
	char err[GUEST_ERR_MAX];
	struct drs_plan plan;
	const struct event *e;
	struct vm *live;
	int vm, web, other;

	(void)state;
	vm = tl_paused_vm(s, c);
	live = cluster_vm_live(c, vm);
	web = web_on(c, 0);
	assert_int_equal(drs_maint_cancel(c, 0, err), SIM_ESTATE);
	assert_non_null(strstr(err, "not entering maintenance mode"));
	assert_int_equal(drs_maint_enter(c, 0, 0, &plan, err), SIM_OK);
	assert_int_equal(plan.nmoves, 1);
	drs_plan_free(&plan);
	run_for(s, S / 10);
	assert_true(cluster_vm(c, web)->migration >= 0);	/* in flight */
	assert_int_equal(drs_maint_exit(c, 0, err), SIM_ESTATE);
	assert_non_null(strstr(err, "cancel"));

	assert_int_equal(drs_maint_cancel(c, 0, err), SIM_OK);
	assert_int_equal(cluster_host(c, 0)->state, CHOST_CONNECTED);
	e = last(s, EV_DRS, DRS_MAINTENANCE_CANCELLED);
	assert_non_null(e);
	assert_int_equal(e->u.drs.from, 0);
	assert_int_equal(e->u.drs.mhz, 2);		/* VMs left on it */
	assert_int_equal(drs_maint_cancel(c, 0, err), SIM_ESTATE);

	tl_retry_stores_once(s, live);
	run_for(s, 5 * S);		/* VirtualCenter's looks go by */
	assert_int_equal(cluster_vm(c, web)->host, 1);	/* completed */
	assert_int_equal(cluster_vm(c, vm)->host, 0);	/* not moved */
	assert_int_not_equal(live->state, VM_PAUSED);	/* answered, it ran on */
	assert_int_equal(cluster_host(c, 0)->state, CHOST_CONNECTED);
	assert_int_equal(tl_count_op(s, EV_DRS, DRS_MAINTENANCE_DONE), 0);
	assert_int_equal(drs_cluster_run(c, 3, DRS_MANUAL, &plan, err), SIM_OK);
	for (size_t i = 0; i < plan.nmoves; i++)
		assert_int_not_equal(plan.moves[i].why, DRS_WHY_MAINTENANCE);
	drs_plan_free(&plan);
	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.name = "late", .host = 0, .mem_mb = 64 }, &other, err), SIM_OK);
	assert_int_equal(drs_maint_exit(c, 0, err), SIM_ESTATE);
	tl_run_to_the_end(s, live);
	sim_destroy(s);
}

/*
 * Manual DRS only recommends the evacuation; once the task is cancelled,
 * DRS stops recommending it: the administrator's apply of the old
 * recommendation is refused (run DRS again), and web stays on esx0.
 */
static void cancelled_evacuation_not_applied(void **state)
{
	struct sim *s;
	struct cluster *c = tl_two_hosts(&s);
	char err[GUEST_ERR_MAX];
	struct drs_plan plan;
	int web;

	(void)state;
	web = web_on(c, 0);
	assert_int_equal(drs_cluster_configure(c, &(struct drs_cluster_config){
		.automation = DRS_MANUAL }, err), SIM_OK);
	assert_int_equal(drs_maint_enter(c, 0, 0, &plan, err), SIM_OK);
	assert_int_equal(plan.nmoves, 1);
	assert_int_equal(plan.moves[0].why, DRS_WHY_MAINTENANCE);
	assert_int_equal(cluster_vm(c, web)->migration, -1);	/* recommended */
	assert_int_equal(drs_maint_cancel(c, 0, err), SIM_OK);
	assert_int_equal(drs_cluster_apply(c, &plan.moves[0], err), SIM_ESTATE);
	assert_non_null(strstr(err, "cancelled"));
	drs_plan_free(&plan);
	run_for(s, 5 * S);
	assert_int_equal(cluster_vm(c, web)->host, 0);
	sim_destroy(s);
}

/*
 * Stepping back across the wait: a ticker guest on esx1 is the clock
 * (history counts guest instructions); esx0 waits, entering maintenance
 * mode, while web's VMotion runs.  Back to just after the request, esx0
 * is entering again, with no maintenance-entered event; forward again,
 * it enters at the same simulated time (the wait is saved with the rest:
 * without it, the replay would never see esx0 empty).
 */
static void maintenance_steps_back(void **state)
{
	struct sim *s;
	struct cluster *c = tl_two_hosts(&s);
	struct history *h;
	char err[GUEST_ERR_MAX];
	struct drs_plan plan;
	enum sim_stop why;
	uint64_t before, end, t_done;

	(void)state;
	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.name = "clock", .host = 1, .guest = TICKER, .mem_mb = 4 },
		NULL, err), SIM_OK);
	web_on(c, 0);
	assert_int_equal(drs_maint_enter(c, 0, 0, &plan, err), SIM_OK);
	assert_int_equal(plan.nmoves, 1);
	drs_plan_free(&plan);
	assert_int_equal(history_create(s, 5000, 0, &h), SIM_OK);
	before = sim_insns(s);
	for (int k = 0; k < 200 && cluster_host(c, 0)->state != CHOST_MAINTENANCE; k++)
		assert_int_equal(history_run(h, 1000, &why), SIM_OK);
	assert_int_equal(cluster_host(c, 0)->state, CHOST_MAINTENANCE);
	t_done = last(s, EV_DRS, DRS_MAINTENANCE_DONE)->t_ns;
	assert_true(t_done > S);	/* a VMotion's worth of waiting */
	end = sim_insns(s);
	assert_int_equal(history_seek(h, before), SIM_OK);
	assert_int_equal(cluster_host(c, 0)->state, CHOST_ENTERING_MAINTENANCE);
	assert_int_equal(tl_count_op(s, EV_DRS, DRS_MAINTENANCE_DONE), 0);
	assert_int_equal(history_seek(h, end), SIM_OK);
	assert_int_equal(cluster_host(c, 0)->state, CHOST_MAINTENANCE);
	assert_int_equal(tl_count_op(s, EV_DRS, DRS_MAINTENANCE_DONE), 1);
	assert_int_equal(last(s, EV_DRS, DRS_MAINTENANCE_DONE)->t_ns, t_done);
	history_destroy(h);
	sim_destroy(s);
}

/* HA on, admission control off, a master by T16; the paused VM on esx0. */
static struct cluster *ha_with_paused(struct sim **s, int *vm)
{
	struct cluster *c = tl_two_hosts(s);
	struct ha_cluster_config cfg;
	char err[GUEST_ERR_MAX];

	ha_cluster_config_default(&cfg);
	cfg.admission = HA_ADMISSION_OFF;
	assert_int_equal(ha_cluster_configure(c, &cfg, err), SIM_OK);
	run_for(*s, 16 * S);
	*vm = tl_paused_vm(*s, c);
	return c;
}

/*
 * A restart is a power-on, which a host in maintenance mode refuses: esx1
 * (empty: in maintenance mode at once) cannot take the paused VM when
 * esx0 fails, so HA finds no host for it.
 */
static void ha_restarts_nothing_onto_maintenance(void **state)
{
	struct sim *s;
	char err[GUEST_ERR_MAX];
	struct drs_plan plan;
	int vm;
	struct cluster *c = ha_with_paused(&s, &vm);

	(void)state;
	assert_int_equal(drs_maint_enter(c, 1, 0, &plan, err), SIM_OK);
	drs_plan_free(&plan);
	assert_int_equal(cluster_host(c, 1)->state, CHOST_MAINTENANCE);
	assert_int_equal(ha_cluster_fail_host(c, 0, err), SIM_OK);
	run_for(s, 60 * S);
	assert_true(tl_count_op(s, EV_HA, HA_NO_HOST) >= 1);
	assert_int_equal(tl_count_op(s, EV_HA, HA_RESTARTED), 0);
	assert_int_equal(cluster_vm(c, vm)->state, CVM_OFF);
	sim_destroy(s);
}

/*
 * Isolation, network only, leave powered on: esx0 declares itself
 * isolated at T30 and responds at T60 by leaving the VM as it is; the
 * master sees esx0's datastore heartbeats (alive elsewhere) and restarts
 * nothing.  The VM stays paused on esx0 with its write held; back on the
 * network, Retry stores the write once.
 */
static void isolation_leave_on_keeps_it_paused(void **state)
{
	struct sim *s;
	char err[GUEST_ERR_MAX];
	const struct event *e;
	struct vm *live;
	int vm;
	struct cluster *c = ha_with_paused(&s, &vm);

	(void)state;
	live = cluster_vm_live(c, vm);
	assert_int_equal(ha_cluster_isolate_host(c, 0, false, err), SIM_OK);
	run_for(s, 90 * S);
	assert_int_equal(tl_count_op(s, EV_HA, HA_ISOLATED), 1);
	e = last(s, EV_HA, HA_ISOLATION_RESPONSE);
	assert_non_null(e);
	assert_int_equal(e->u.ha.vm, vm);
	assert_int_equal(e->u.ha.a, HA_ISO_LEAVE_ON);
	assert_true(tl_count_op(s, EV_HA, HA_ALIVE_ELSEWHERE) >= 1);
	assert_int_equal(tl_count_op(s, EV_HA, HA_RESTART), 0);
	assert_int_equal(tl_count_op(s, EV_HA, HA_VM_OFF), 0);
	assert_int_equal(cluster_vm(c, vm)->host, 0);
	assert_int_equal(live->state, VM_PAUSED);
	assert_true(live->ata.r.held);
	assert_int_equal(ha_cluster_restore_host(c, 0, err), SIM_OK);
	run_for(s, 30 * S);
	assert_int_equal(tl_count_op(s, EV_HA, HA_LOCK_LOST), 0);
	tl_retry_stores_once(s, live);
	tl_run_to_the_end(s, live);
	sim_destroy(s);
}

/*
 * Isolation with storage lost too, leave powered on: esx0 cannot renew
 * its disk locks, writes no datastore heartbeat, so the master declares
 * it dead and restarts the VM on esx1: a fresh boot, paused again at the
 * same sector (the datastore is still full), the first held write never
 * stored.  When esx0 is back, its copy, which lost the lock, is killed.
 */
static void isolation_storage_lost_restarts_it(void **state)
{
	struct sim *s;
	char err[GUEST_ERR_MAX];
	struct vm *live;
	int vm;
	struct cluster *c = ha_with_paused(&s, &vm);

	(void)state;
	live = cluster_vm_live(c, vm);
	assert_int_equal(ha_cluster_isolate_host(c, 0, true, err), SIM_OK);
	run_for(s, 60 * S);
	assert_true(tl_count_op(s, EV_HA, HA_DEAD) >= 1);
	assert_int_equal(tl_count_op(s, EV_HA, HA_RESTARTED), 1);
	assert_int_equal(tl_count_op(s, EV_HA, HA_LOCKED), 0);
	assert_int_equal(cluster_vm(c, vm)->host, 1);
	assert_ptr_equal(vm_host(live), cluster_host(c, 1)->host);
	assert_int_equal(live->state, VM_PAUSED);
	assert_int_equal(tl_count_power(s, POWER_NO_SPACE), 2);
	assert_int_equal(tl_writes_of(s, TL_ROOM_SECTORS), 0);
	assert_int_equal(tl_writes_of(s, 0), 2);	/* once per boot */
	assert_int_equal(ha_cluster_restore_host(c, 0, err), SIM_OK);
	run_for(s, 5 * S);
	assert_int_equal(tl_count_op(s, EV_HA, HA_LOCK_LOST), 1);
	assert_int_equal(cluster_vm(c, vm)->host, 1);
	assert_int_equal(live->state, VM_PAUSED);
	sim_destroy(s);
}

/*
 * Power off and shutdown: the response ends the paused VM on esx0 (its
 * held write lost) and the master, which reads that it is off, restarts
 * it on esx1.  Power off acts at the response; shutdown asks the guest,
 * which runs nothing while paused and cannot answer, so the VM is
 * powered off 300 s later.
 */
static void isolation_response_ends_it(enum isolation_response r,
				       uint64_t after_s)
{
	struct sim *s;
	char err[GUEST_ERR_MAX];
	const struct event *resp, *off;
	int vm;
	struct cluster *c = ha_with_paused(&s, &vm);

	/* (HA learns of the VM, and its response, at the next HA call) */
	cluster_vm(c, vm)->isolation_response = (uint8_t)r;
	assert_int_equal(ha_cluster_isolate_host(c, 0, false, err), SIM_OK);
	run_for(s, (60 + after_s + 10) * S);
	resp = last(s, EV_HA, HA_ISOLATION_RESPONSE);
	off = last(s, EV_HA, HA_VM_OFF);
	assert_non_null(resp);
	assert_non_null(off);
	assert_int_equal(off->u.ha.a, HA_OFF_ISOLATION);
	assert_int_equal(off->t_ns - resp->t_ns, after_s * S);
	assert_int_equal(tl_count_op(s, EV_HA, HA_RESTARTED), 1);
	assert_int_equal(cluster_vm(c, vm)->host, 1);
	assert_int_equal(tl_writes_of(s, TL_ROOM_SECTORS), 0);
	assert_int_equal(tl_count_power(s, POWER_NO_SPACE), 2);
	sim_destroy(s);
}

static void isolation_power_off(void **state)
{
	(void)state;
	isolation_response_ends_it(ISOLATION_POWER_OFF, 0);
}

static void isolation_shutdown_unanswered(void **state)
{
	(void)state;
	isolation_response_ends_it(ISOLATION_SHUTDOWN, 300);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(maintenance_waits_for_a_paused_vm),
		cmocka_unit_test(maintenance_times_out),
		cmocka_unit_test(maintenance_after_cancel),
		cmocka_unit_test(maintenance_cancelled),
		cmocka_unit_test(cancelled_evacuation_not_applied),
		cmocka_unit_test(maintenance_steps_back),
		cmocka_unit_test(ha_restarts_nothing_onto_maintenance),
		cmocka_unit_test(isolation_leave_on_keeps_it_paused),
		cmocka_unit_test(isolation_storage_lost_restarts_it),
		cmocka_unit_test(isolation_power_off),
		cmocka_unit_test(isolation_shutdown_unanswered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
