/*
 * test_cluster_paused.c - a VM paused by a full datastore (storage.h),
 * everywhere a running VM goes in a cluster: VMotion refuses it with the
 * reason (question-pending) and a Retry then stores the held write once;
 * DRS never picks it and sees it demand no CPU (maintenance mode, which
 * waits for it, and HA isolation: test_cluster_maint.c); HA restarts it
 * when its host fails, booted fresh, the held write lost as in a crash; a
 * snapshot and a consolidated backup (VCB) are refused, with an event,
 * and the held write is neither lost nor written twice.
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
#include "cluster/drs_view.h"
#include "cluster/ha_cluster.h"
#include "cluster/vcb.h"
#include "cluster/vmotion.h"
#include "sim.h"
#include "status.h"
#include "testlib.h"
#include "vmkernel/vmfs.h"
#include "vmx/snapshot.h"

#define MS 1000000ull
#define S 1000000000ull
#define ROOM_SECTORS TL_ROOM_SECTORS

/*
 * VMotion of a paused VM is refused before anything moves, with a
 * vmotion-refused event whose reason is question-pending; it stays on
 * esx0 with its write held.  Retry there stores the held sector exactly
 * once, and the VM, running again, may move.
 */
static void vmotion_refuses_a_paused_vm(void **state)
{
	struct sim *s;
	struct cluster *c = tl_two_hosts(&s);
	char err[GUEST_ERR_MAX];
	struct vm *live;
	int vm, id;
	const struct event *e = NULL;

	(void)state;
	vm = tl_paused_vm(s, c);
	live = cluster_vm_live(c, vm);
	assert_int_equal(vmotion_check(c, vm, 1, err), VMR_QUESTION);
	assert_non_null(strstr(err, "question pending"));
	assert_int_equal(vmotion_start(c, vm, 1, NULL, &id, err), SIM_ESTATE);
	assert_int_equal(tl_count_op(s, EV_CLUSTER, CL_VMOTION_REFUSED), 1);
	for (size_t i = 0; i < event_log_count(sim_events(s)); i++)
		if (event_log_at(sim_events(s), i)->kind == EV_CLUSTER)
			e = event_log_at(sim_events(s), i);
	assert_non_null(e);
	assert_int_equal(e->u.cluster.action, CL_VMOTION_REFUSED);
	assert_string_equal(vmotion_refusal_name(e->u.cluster.reason),
			    "question-pending");
	assert_int_equal(tl_count_op(s, EV_CLUSTER, CL_VMOTION_START), 0);
	assert_int_equal(cluster_vm(c, vm)->host, 0);
	assert_ptr_equal(vm_host(live), cluster_host(c, 0)->host);
	assert_int_equal(live->state, VM_PAUSED);
	assert_true(live->ata.r.held);

	tl_retry_stores_once(s, live);
	assert_int_equal(vmotion_check(c, vm, 1, err), VMR_NONE);
	tl_run_to_the_end(s, live);
	sim_destroy(s);
}

/*
 * DRS: the paused VM demands no CPU and is never a candidate; the load
 * beside it on esx0 is what moves.  Without the pause, the live VM's
 * two vCPUs flat out would be the biggest demand on esx0.
 */
static void drs_leaves_a_paused_vm(void **state)
{
	struct sim *s;
	struct cluster *c = tl_two_hosts(&s);
	char err[GUEST_ERR_MAX];
	struct drs_view view;
	struct drs_plan plan;
	int vm, busy[2];

	(void)state;
	vm = tl_paused_vm(s, c);
	for (int i = 0; i < 2; i++)
		assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
			.name = i ? "busy1" : "busy0", .host = 0, .mem_mb = 256,
			.demand_mhz = 1500 }, &busy[i], err), SIM_OK);
	assert_int_equal(drs_view_build(c, NULL, 0, &view), SIM_OK);
	assert_true(view.index[vm] >= 0);	/* powered on: it counts */
	assert_int_equal(view.vms[view.index[vm]].demand_mhz, 0);
	assert_int_equal(view.vms[view.index[vm]].pinned, 1);
	assert_true(view.vms[view.index[busy[0]]].demand_mhz > 0);
	assert_int_equal(view.vms[view.index[busy[0]]].pinned, 0);
	drs_view_free(&view);

	assert_int_equal(drs_cluster_run(c, 5, DRS_FULL, &plan,
					 err), SIM_OK);
	assert_true(plan.nmoves >= 1);		/* DRS did balance */
	for (size_t i = 0; i < plan.nmoves; i++)
		assert_int_not_equal(plan.moves[i].vm, (uint32_t)vm);
	drs_plan_free(&plan);
	assert_int_equal(cluster_vm(c, vm)->host, 0);
	assert_int_equal(tl_count_op(s, EV_CLUSTER, CL_VMOTION_REFUSED), 0);
	assert_int_equal(cluster_vm_live(c, vm)->state, VM_PAUSED);
	sim_destroy(s);
}

/*
 * HA: esx0 fails under the paused VM.  It is powered on, so HA restarts
 * it on esx1, as any powered-on VM: a fresh boot, as after a crash, so
 * the held write is gone (never stored) and the guest writes its disk
 * again from sector 0 until the full datastore pauses it again, at the
 * same sector.
 */
static void ha_restarts_a_paused_vm(void **state)
{
	struct sim *s;
	struct cluster *c = tl_two_hosts(&s);
	struct ha_cluster_config cfg;
	char err[GUEST_ERR_MAX];
	enum sim_stop why;
	struct vm *live;
	size_t len;
	const char *out, *line = "diskfill: writing every sector\n";
	int vm;

	(void)state;
	ha_cluster_config_default(&cfg);
	cfg.admission = HA_ADMISSION_OFF;
	assert_int_equal(ha_cluster_configure(c, &cfg, err), SIM_OK);
	sim_run_until(s, 16 * S, UINT64_MAX, &why);	/* a master by T15 */
	vm = tl_paused_vm(s, c);
	live = cluster_vm_live(c, vm);
	assert_int_equal(tl_count_power(s, POWER_NO_SPACE), 1);
	assert_int_equal(ha_cluster_fail_host(c, 0, err), SIM_OK);
	assert_int_equal(live->state, VM_OFF);		/* with its host */
	sim_run_until(s, 60 * S, UINT64_MAX, &why);
	assert_int_equal(cluster_vm(c, vm)->host, 1);
	assert_int_equal(cluster_vm(c, vm)->state, CVM_ON);
	assert_ptr_equal(vm_host(live), cluster_host(c, 1)->host);
	/* booted again: its first line twice, paused again at the same sector */
	out = vm_serial(live, &len);
	assert_non_null(strstr(out, line));
	assert_non_null(strstr(strstr(out, line) + 1, line));
	assert_int_equal(live->state, VM_PAUSED);
	assert_int_equal(live->exit_status, ROOM_SECTORS);
	assert_int_equal(tl_count_power(s, POWER_NO_SPACE), 2);
	assert_int_equal(tl_writes_of(s, ROOM_SECTORS), 0);	/* never stored */
	assert_int_equal(tl_writes_of(s, 0), 2);		/* written once per boot */
	sim_destroy(s);
}

/*
 * A snapshot, a revert and a VCB backup of the paused VM are refused, a
 * disk event (refused, question-pending) for each, no delta made; the
 * held write still waits.  Retry stores it once; then a snapshot is
 * taken as usual.
 */
static void snapshot_and_backup_refused_while_paused(void **state)
{
	struct sim *s;
	struct cluster *c = tl_two_hosts(&s);
	char err[GUEST_ERR_MAX];
	struct vcb_result res;
	struct vm *live;
	int vm;
	size_t refused = 0;

	(void)state;
	vm = tl_paused_vm(s, c);
	live = cluster_vm_live(c, vm);
	assert_int_equal(snapshot_take(live, "before", false, err, sizeof err),
			 SIM_ESTATE);
	assert_non_null(strstr(err, "question pending"));
	assert_int_equal(snapshot_count(live), 0);
	assert_int_equal(vcb_backup(s, live, NULL, &res, err, sizeof err),
			 SIM_ESTATE);
	vcb_result_free(&res);
	assert_int_equal(tl_count_op(s, EV_DISK, DISK_SNAPSHOT), 0);
	assert_int_equal(tl_count_op(s, EV_DISK, DISK_QUIESCE), 0);
	for (size_t i = 0; i < event_log_count(sim_events(s)); i++) {
		const struct event *e = event_log_at(sim_events(s), i);

		if (e->kind == EV_DISK && e->u.disk.op == DISK_REFUSED) {
			assert_string_equal(disk_refusal_name(e->u.disk.n),
					    "question-pending");
			refused++;
		}
	}
	assert_int_equal(refused, 2);
	assert_int_equal(live->state, VM_PAUSED);
	assert_true(live->ata.r.held);
	assert_int_equal(vmfs_data_bytes(live->disk), ROOM_SECTORS * VMFS_SECTOR);

	tl_retry_stores_once(s, live);
	assert_int_equal(snapshot_take(live, "after", false, err, sizeof err),
			 SIM_OK);
	assert_int_equal(tl_count_op(s, EV_DISK, DISK_SNAPSHOT), 1);
	assert_int_equal(snapshot_remove(live, "after", err, sizeof err), SIM_OK);
	tl_run_to_the_end(s, live);
	sim_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vmotion_refuses_a_paused_vm),
		cmocka_unit_test(drs_leaves_a_paused_vm),
		cmocka_unit_test(ha_restarts_a_paused_vm),
		cmocka_unit_test(snapshot_and_backup_refused_while_paused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
