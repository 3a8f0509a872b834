/*
 * testlib_cluster.c - a two-host cluster and a VM paused by its full
 * datastore, for the suites on paused VMs (test_cluster_paused.c,
 * test_cluster_maint.c); see testlib.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cluster/cluster.h"
#include "testlib.h"
#include "vmkernel/vmfs.h"

#define FILL_GUEST "build/guests/diskfill.elf"
#define MS 1000000ull
#define ROOM_SECTORS TL_ROOM_SECTORS

/* Two hosts of 2 pCPUs sharing datastore san0. */
struct cluster *tl_two_hosts(struct sim **s)
{
	struct cluster *c;
	char err[GUEST_ERR_MAX];

	assert_int_equal(sim_create(NULL, s), SIM_OK);
	assert_int_equal(cluster_create(*s, &(struct cluster_config){
		.name = "prod", .shared_datastore = "san0" }, &c, err), SIM_OK);
	for (int i = 0; i < 2; i++)
		assert_int_equal(cluster_add_host(c, &(struct cluster_host_config){
			.host = { .pcpus = 2 } }, NULL, err), SIM_OK);
	return c;
}

size_t tl_count_op(struct sim *s, enum event_kind kind, int op)
{
	size_t n = 0;

	for (size_t i = 0; i < event_log_count(sim_events(s)); i++) {
		const struct event *e = event_log_at(sim_events(s), i);
		int what = kind == EV_DISK ? e->u.disk.op :
			   kind == EV_DRS ? e->u.drs.action :
			   kind == EV_HA ? e->u.ha.action : e->u.cluster.action;

		n += e->kind == kind && what == op;
	}
	return n;
}

/* Writes of sector lba that reached the disk file. */
size_t tl_writes_of(struct sim *s, uint32_t lba)
{
	size_t n = 0;

	for (size_t i = 0; i < event_log_count(sim_events(s)); i++) {
		const struct event *e = event_log_at(sim_events(s), i);

		n += e->kind == EV_DISK && e->u.disk.op == DISK_WRITE &&
		     e->u.disk.lba == lba;
	}
	return n;
}

size_t tl_count_power(struct sim *s, enum power_reason why)
{
	size_t n = 0;

	for (size_t i = 0; i < event_log_count(sim_events(s)); i++) {
		const struct event *e = event_log_at(sim_events(s), i);

		n += e->kind == EV_POWER && e->u.power.reason == why;
	}
	return n;
}

/*
 * diskfill on esx0, its 1 MiB disk on san0 with room for ROOM_SECTORS:
 * run until the write after them pauses it.
 */
int tl_paused_vm(struct sim *s, struct cluster *c)
{
	char err[GUEST_ERR_MAX];
	enum sim_stop why;
	struct vm *live;
	int vm;

	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.name = "fill", .host = 0, .guest = FILL_GUEST, .mem_mb = 16,
		.mode = MODE_HW, .disk_mb = 1 }, &vm, err), SIM_OK);
	live = cluster_vm_live(c, vm);
	vmfs_set_room(live->disk, ROOM_SECTORS * VMFS_SECTOR);
	for (int k = 0; k < 500 && live->state != VM_PAUSED; k++)
		assert_int_equal(sim_run_until(s, sim_now_ns(s) + 10 * MS,
					       UINT64_MAX, &why), SIM_OK);
	assert_int_equal(live->state, VM_PAUSED);
	assert_true(live->ata.r.held);
	assert_int_equal(live->exit_status, ROOM_SECTORS);	/* held sector */
	assert_int_equal(tl_writes_of(s, ROOM_SECTORS), 0);
	return vm;
}

/*
 * Run diskfill (answered, room for its whole disk) to its end: it reads
 * every sector back and exits 0 only if each holds what it wrote there,
 * so no write was lost or doubled (test_disk.c).  Its write events are
 * too many for the event log to keep them all.
 */
void tl_run_to_the_end(struct sim *s, struct vm *live)
{
	enum sim_stop why;
	size_t len;

	for (int k = 0; k < 1000 && live->state == VM_ON; k++)
		assert_int_equal(sim_run_until(s, sim_now_ns(s) + 10 * MS,
					       UINT64_MAX, &why), SIM_OK);
	assert_int_equal(live->power_reason, POWER_DEBUG_EXIT);
	assert_int_equal(live->exit_status, 0);
	assert_non_null(strstr(vm_serial(live, &len), "diskfill: stopped at sector 00000800"));
	assert_int_equal(vmfs_data_bytes(live->disk), 1u << 20);
}

/*
 * Retry with room: the held sector is stored, once, and the guest goes
 * on to the next sectors (a write stored twice would show as a second
 * event for it).
 */
void tl_retry_stores_once(struct sim *s, struct vm *live)
{
	enum sim_stop why;

	vmfs_set_room(live->disk, 1u << 20);
	assert_int_equal(sim_retry(s, live), SIM_OK);
	assert_int_equal(tl_writes_of(s, ROOM_SECTORS), 1);
	assert_false(live->ata.r.held);
	for (int k = 0; k < 100 && tl_writes_of(s, ROOM_SECTORS + 1) == 0; k++)
		assert_int_equal(sim_run_until(s, sim_now_ns(s) + MS,
					       UINT64_MAX, &why), SIM_OK);
	assert_int_equal(tl_writes_of(s, ROOM_SECTORS + 1), 1);
	assert_int_equal(tl_writes_of(s, ROOM_SECTORS), 1);
}
