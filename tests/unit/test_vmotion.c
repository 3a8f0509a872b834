/*
 * test_vmotion.c - VMotion of a live guest: moved in the middle of its
 * run, it prints exactly what it prints unmoved, with the same number of
 * instructions (none lost, none repeated), in te, bt and hw; its pages
 * are really traced; and the world goes on around it.
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
#include "cluster/vmotion.h"
#include "sim.h"
#include "status.h"
#include "testlib.h"

#define DIRTY "scenarios/guests/dirty.elf"
#define MS 1000000ull

struct outcome {
	char *serial;		/* what the guest printed */
	uint64_t insns;		/* instructions it executed */
	uint64_t lines_before_stun;	/* serial lines during pre-copy */
	struct vmotion_result r;
	int host;		/* where it ended */
};

/* Run dirty.elf on a two-host cluster, moving it at t_move (0: never). */
static void play(enum exec_mode mode, uint32_t mem_mb, uint64_t t_move,
		 uint32_t mb_s, struct outcome *o)
{
	struct sim *s;
	struct cluster *c;
	char err[GUEST_ERR_MAX];
	enum sim_stop why;
	int vm, id = -1;
	size_t len;
	const char *out;

	memset(o, 0, sizeof *o);
	assert_int_equal(sim_create(NULL, &s), SIM_OK);
	assert_int_equal(cluster_create(s, &(struct cluster_config){
		.shared_datastore = "san0" }, &c, err), SIM_OK);
	for (int i = 0; i < 2; i++)
		assert_int_equal(cluster_add_host(c, &(struct cluster_host_config){
			.host = { .pcpus = 1 } }, NULL, err), SIM_OK);
	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.name = "app", .host = 0, .guest = DIRTY, .mem_mb = mem_mb,
		.mode = mode }, &vm, err), SIM_OK);
	if (t_move) {
		assert_int_equal(sim_run_until(s, t_move, UINT64_MAX, &why), SIM_OK);
		assert_int_equal(why, SIM_STOP_TIME);
		assert_int_equal(vmotion_start(c, vm, 1, &(struct precopy_params){
			.bandwidth_mb_s = mb_s, .downtime_ms = 5 }, &id, err),
			SIM_OK);
	}
	assert_int_equal(sim_run(s, UINT64_MAX, &why), SIM_OK);
	assert_int_equal(why, SIM_STOP_IDLE);
	out = vm_serial(cluster_vm_live(c, vm), &len);
	o->serial = strndup(out, len);
	o->insns = sim_insns(s);
	o->host = cluster_vm(c, vm)->host;
	if (id >= 0) {
		bool precopy = false;

		vmotion_result(c, id, &o->r);
		for (size_t i = 0; i < event_log_count(sim_events(s)); i++) {
			const struct event *e = event_log_at(sim_events(s), i);

			if (e->kind == EV_CLUSTER &&
			    e->u.cluster.action == CL_VMOTION_START)
				precopy = true;
			if (e->kind == EV_CLUSTER &&
			    e->u.cluster.action == CL_VMOTION_STUN)
				precopy = false;
			if (e->kind == EV_SERIAL && precopy)
				o->lines_before_stun++;
		}
	}
	sim_destroy(s);
}

static void moved_equals_unmoved(enum exec_mode mode)
{
	struct outcome ref, moved;

	play(mode, 32, 0, 0, &ref);
	assert_non_null(strstr(ref.serial, "dirty: done"));
	play(mode, 32, 20 * MS, 400, &moved);
	assert_true(moved.r.ok);
	assert_int_equal(moved.host, 1);
	/* it moved while it printed, and wrote pages during pre-copy */
	assert_true(moved.lines_before_stun > 0);
	assert_true(moved.r.rounds >= 2);
	assert_true(moved.r.mb_per_round[0] == 32);	/* round 0: all RAM */
	assert_true(moved.r.mb_per_round[1] > 0);	/* its real writes */
	assert_string_equal(moved.serial, ref.serial);
	assert_int_equal(moved.insns, ref.insns);
	free(ref.serial);
	free(moved.serial);
}

static void moved_te(void **state)
{
	(void)state;
	moved_equals_unmoved(MODE_TE);
}

static void moved_bt(void **state)
{
	(void)state;
	moved_equals_unmoved(MODE_BT);
}

static void moved_hw(void **state)
{
	(void)state;
	moved_equals_unmoved(MODE_HW);
}

/* QEMU prints the same as the unmoved and the moved guest. */
static void same_as_qemu(void **state)
{
	struct outcome moved;
	static char qemu[8192];

	(void)state;
	if (tl_sh("tests/reference/qemu-run.sh " DIRTY, qemu, sizeof qemu) != 0) {
		skip();
		return;
	}
	play(MODE_BT, 128, 20 * MS, 2000, &moved);	/* QEMU's 128 MiB */
	assert_true(moved.r.ok && moved.lines_before_stun > 0);
	assert_string_equal(moved.serial, qemu);
	free(moved.serial);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(moved_te),
		cmocka_unit_test(moved_bt),
		cmocka_unit_test(moved_hw),
		cmocka_unit_test(same_as_qemu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
