/*
 * test_cluster_disk.c - a live cluster VM's disk is a file on the
 * datastore the cluster chose for it: VMotion refuses a destination that
 * cannot see that datastore, VCB refuses a disk on a host's local
 * datastore (its proxy reads the SAN), a guest writing its disk during a
 * VMotion loses no write (te, bt, hw, and as on QEMU), and a live VM
 * powered off gives its memory back to the host.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "cluster/cluster.h"
#include "cluster/vcb.h"
#include "cluster/vmotion.h"
#include "history.h"
#include "sim.h"
#include "status.h"
#include "testlib.h"
#include "vmkernel/vmfs.h"

#define DISKLOG "scenarios/guests/disklog.elf"
#define DIRTY "scenarios/guests/dirty.elf"
#define MS 1000000ull

/* Two hosts, a shared datastore san0, and a local one on esx0. */
static struct cluster *two_hosts(struct sim **s)
{
	struct cluster *c;
	char err[GUEST_ERR_MAX];

	assert_int_equal(sim_create(NULL, s), SIM_OK);
	assert_int_equal(cluster_create(*s, &(struct cluster_config){
		.shared_datastore = "san0" }, &c, err), SIM_OK);
	assert_int_equal(cluster_add_host(c, &(struct cluster_host_config){
		.host = { .name = "esx0", .pcpus = 1 },
		.local_datastore = "local0" }, NULL, err), SIM_OK);
	assert_int_equal(cluster_add_host(c, &(struct cluster_host_config){
		.host = { .name = "esx1", .pcpus = 1 } }, NULL, err), SIM_OK);
	return c;
}

static size_t count(struct sim *s, enum event_kind kind, int op)
{
	size_t n = 0;

	for (size_t i = 0; i < event_log_count(sim_events(s)); i++) {
		const struct event *e = event_log_at(sim_events(s), i);

		if (e->kind == kind &&
		    (kind == EV_DISK ? e->u.disk.op : e->u.cluster.action) == op)
			n++;
	}
	return n;
}

/*
 * The cluster's model decides where the disk is: a live VM's disk file
 * is on its datastore, the size its record says; a VM on a local
 * datastore cannot VMotion or be backed up by VCB, each refusal an event
 * saying why; the same guest on the shared datastore can be.
 */
static void disk_on_the_datastore(void **state)
{
	struct sim *s;
	struct cluster *c = two_hosts(&s);
	char err[GUEST_ERR_MAX], verr[256];
	struct vcb_result res;
	int local, shared, id;

	(void)state;
	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.name = "loc", .host = 0, .guest = DISKLOG, .mem_mb = 16,
		.mode = MODE_HW, .disk_mb = 1, .datastore = "local0" },
		&local, err), SIM_OK);
	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.name = "san", .host = 0, .guest = DISKLOG, .mem_mb = 16,
		.mode = MODE_HW, .disk_mb = 2 }, &shared, err), SIM_OK);
	assert_string_equal(vmfs_datastore(cluster_vm_live(c, local)->disk),
			    "local0");
	assert_string_equal(vmfs_datastore(cluster_vm_live(c, shared)->disk),
			    "san0");
	assert_int_equal(vmfs_sectors(cluster_vm_live(c, shared)->disk), 2 << 11);
	assert_int_equal(cluster_vm(c, shared)->disk_mb, 2);
	assert_int_equal(cluster_datastore(c, cluster_datastore_by_name(c, "local0"))->used_mb, 1);
	/* an image: copied into a disk file there, its size in the books */
	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.name = "img", .host = 1, .guest = DISKLOG, .mem_mb = 16,
		.disk = "scenarios/guests/build/disk.img" }, &id, err), SIM_OK);
	assert_string_equal(vmfs_datastore(cluster_vm_live(c, id)->disk), "san0");
	assert_int_equal(cluster_vm(c, id)->disk_mb, 1);
	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.name = "bad", .host = 1, .disk = "scenarios/guests/build/disk.img" },
		&id, err), SIM_EINVAL);	/* a modelled VM has no disk file */
	/* a live VM without disk_mb has no hard disk, and none in the books */
	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.name = "nodisk", .host = 1, .guest = DIRTY, .mem_mb = 16 },
		&id, err), SIM_OK);
	assert_null(cluster_vm_live(c, id)->disk);
	assert_int_equal(cluster_vm(c, id)->disk_mb, 0);
	assert_int_equal(cluster_datastore(c, 0)->used_mb, 2 + 1);

	/* VMotion: refused before anything moves, with an event */
	assert_int_equal(vmotion_check(c, local, 1, err), VMR_DATASTORE);
	assert_non_null(strstr(err, "local0"));
	assert_int_equal(vmotion_start(c, local, 1, NULL, &id, err), SIM_ESTATE);
	assert_int_equal(count(s, EV_CLUSTER, CL_VMOTION_REFUSED), 1);
	assert_int_equal(cluster_vm(c, local)->host, 0);

	/* VCB: refused, with an event; nothing snapshotted */
	assert_int_equal(vcb_backup(s, cluster_vm_live(c, local), NULL, &res,
				    verr, sizeof verr), SIM_ESTATE);
	assert_non_null(strstr(verr, "local0"));
	assert_non_null(strstr(verr, "SAN"));
	vcb_result_free(&res);
	assert_int_equal(count(s, EV_DISK, DISK_REFUSED), 1);
	assert_int_equal(count(s, EV_DISK, DISK_SNAPSHOT), 0);

	/* the same guest on the shared datastore: backed up */
	assert_int_equal(vcb_backup(s, cluster_vm_live(c, shared), &(struct vcb_options){
		.bandwidth_mb_s = 100 }, &res, verr, sizeof verr), SIM_OK);
	assert_int_equal(res.bytes, 2 << 20);
	vcb_result_free(&res);
	assert_int_equal(count(s, EV_DISK, DISK_REFUSED), 1);
	sim_destroy(s);
}

struct run {
	char *serial;
	uint64_t insns, disk_sum;
	size_t writes_precopy;		/* disk writes during pre-copy */
	size_t writes_after;		/* ... on the destination host */
	bool moved;
};

/* disklog on the shared datastore, moved to esx1 at t_move (0: never). */
static void play(enum exec_mode mode, uint32_t mem_mb, uint64_t t_move,
		 struct run *o)
{
	struct sim *s;
	struct cluster *c = two_hosts(&s);
	char err[GUEST_ERR_MAX];
	enum sim_stop why;
	int vm, id = -1;
	bool precopy = false, resumed = false;
	size_t len;
	const char *out;
	struct vm *live;

	memset(o, 0, sizeof *o);
	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.name = "journal", .host = 0, .guest = DISKLOG,
		.mem_mb = mem_mb, .mode = mode, .disk_mb = 1 }, &vm, err),
		SIM_OK);
	if (t_move) {
		assert_int_equal(sim_run_until(s, t_move, UINT64_MAX, &why), SIM_OK);
		assert_int_equal(vmotion_start(c, vm, 1, &(struct precopy_params){
			.bandwidth_mb_s = 100, .downtime_ms = 5 }, &id, err),
			SIM_OK);
	}
	assert_int_equal(sim_run(s, UINT64_MAX, &why), SIM_OK);
	assert_int_equal(why, SIM_STOP_IDLE);
	live = cluster_vm_live(c, vm);
	out = vm_serial(live, &len);
	o->serial = strndup(out, len);
	o->insns = sim_insns(s);
	o->disk_sum = vmfs_checksum(live->disk, 0);
	o->moved = cluster_vm(c, vm)->host == 1;
	for (size_t i = 0; i < event_log_count(sim_events(s)); i++) {
		const struct event *e = event_log_at(sim_events(s), i);

		if (e->kind == EV_CLUSTER && e->u.cluster.action == CL_VMOTION_START)
			precopy = true;
		if (e->kind == EV_CLUSTER && e->u.cluster.action == CL_VMOTION_STUN)
			precopy = false;
		if (e->kind == EV_CLUSTER && e->u.cluster.action == CL_VMOTION_RESUME)
			resumed = true;
		if (e->kind != EV_DISK || e->u.disk.op != DISK_WRITE)
			continue;
		o->writes_precopy += precopy;
		if (resumed && e->u.disk.host == cluster_host(c, 1)->host->id)
			o->writes_after++;
	}
	sim_destroy(s);
}

/*
 * Moved while it writes (pre-copy runs while the journal grows, the
 * destination host writes the rest of it), the guest prints the same,
 * executes the same instructions and leaves the same disk, sector for
 * sector, as unmoved: no write lost or repeated.
 */
static void writes_during_vmotion(enum exec_mode mode)
{
	struct run ref, moved;

	play(mode, 16, 0, &ref);
	assert_non_null(strstr(ref.serial, "disklog: done"));
	play(mode, 16, 500 * MS, &moved);
	assert_true(moved.moved);
	assert_true(moved.writes_precopy > 0);
	assert_true(moved.writes_after > 100);	/* records 50..200 */
	assert_string_equal(moved.serial, ref.serial);
	assert_int_equal(moved.insns, ref.insns);
	assert_int_equal(moved.disk_sum, ref.disk_sum);
	free(ref.serial);
	free(moved.serial);
}

static void writes_te(void **state) { (void)state; writes_during_vmotion(MODE_TE); }
static void writes_bt(void **state) { (void)state; writes_during_vmotion(MODE_BT); }
static void writes_hw(void **state) { (void)state; writes_during_vmotion(MODE_HW); }

/* QEMU, with a blank 1 MiB disk, prints what the moved guest prints. */
static void writes_as_qemu(void **state)
{
	static char qemu[8192], cmd[512];
	char img[256];
	struct run moved;
	FILE *f;

	(void)state;
	tl_temp_file(img, sizeof img, ".img");
	assert_non_null(f = fopen(img, "wb"));
	assert_int_equal(fseek(f, (1 << 20) - 1, SEEK_SET), 0);
	assert_int_equal(fputc(0, f), 0);
	fclose(f);
	snprintf(cmd, sizeof cmd, "tests/reference/qemu-run.sh --disk %s " DISKLOG,
		 img);
	if (tl_sh(cmd, qemu, sizeof qemu) != 0) {
		unlink(img);
		skip();
		return;
	}
	unlink(img);
	play(MODE_BT, 128, 500 * MS, &moved);		/* QEMU's 128 MiB */
	assert_true(moved.moved && moved.writes_precopy > 0);
	assert_string_equal(moved.serial, qemu);
	free(moved.serial);
}

/* Host pages of the range that are resident (mincore). */
static size_t resident(const void *p, size_t size)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t n = (size + (size_t)pg - 1) / (size_t)pg, r = 0;
	unsigned char *v = malloc(n);

	assert_non_null(v);
	assert_int_equal(mincore((void *)p, size, v), 0);
	for (size_t i = 0; i < n; i++)
		r += v[i] & 1;
	free(v);
	return r;
}

/*
 * A live VM powered off gives its RAM back to the host; powered on
 * again, it boots into fresh memory and runs as the first time.
 */
static void power_off_frees_memory(void **state)
{
	struct sim *s;
	struct cluster *c = two_hosts(&s);
	char err[GUEST_ERR_MAX];
	enum sim_stop why;
	struct vm *live;
	size_t before;
	int vm;

	(void)state;
	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.name = "app", .host = 0, .guest = DIRTY, .mem_mb = 32 },
		&vm, err), SIM_OK);
	assert_int_equal(sim_run_until(s, 30 * MS, UINT64_MAX, &why), SIM_OK);
	live = cluster_vm_live(c, vm);
	before = resident(live->ram, live->ram_size);
	assert_true(before > 256);		/* it wrote over 1 MiB */
	vm_power_off(live, POWER_USER, 0);
	assert_int_equal(live->state, VM_OFF);
	assert_true(resident(live->ram, live->ram_size) < 4);
	assert_int_equal(sim_power_on(s, live, err), SIM_OK);
	assert_int_equal(sim_run(s, UINT64_MAX, &why), SIM_OK);
	{
		size_t len;
		const char *out = vm_serial(live, &len);

		assert_non_null(strstr(out, "dirty: done"));
	}
	sim_destroy(s);
}

/*
 * Step back to before a VMotion began (it was started from outside, by
 * the API): the world is as it was then, the VM on its source host with
 * its worlds there and no migration; going back never redoes an outside
 * change (test_cluster_back.c steps back within one).
 */
static void step_back_before_vmotion(void **state)
{
	struct sim *s;
	struct cluster *c = two_hosts(&s);
	char err[GUEST_ERR_MAX];
	struct history *h;
	enum sim_stop why;
	uint64_t mark;
	int vm, id;

	(void)state;
	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.name = "app", .host = 0, .guest = DIRTY, .mem_mb = 32 },
		&vm, err), SIM_OK);
	assert_int_equal(history_create(s, 10000, 0, &h), SIM_OK);
	assert_int_equal(history_run(h, 200000, &why), SIM_OK);
	mark = sim_insns(s);
	assert_int_equal(history_back(h, 1000), SIM_OK);	/* no VMotion yet */
	assert_int_equal(sim_insns(s), mark - 1000);
	assert_int_equal(history_run(h, 1000, &why), SIM_OK);
	assert_int_equal(vmotion_start(c, vm, 1, &(struct precopy_params){
		.bandwidth_mb_s = 400, .downtime_ms = 5 }, &id, err), SIM_OK);
	for (int k = 0; k < 1000 && vmotion_get(c, id)->phase != MIG_DONE; k++)
		assert_int_equal(history_run(h, 200000, &why), SIM_OK);
	assert_int_equal(vmotion_get(c, id)->phase, MIG_DONE);
	assert_int_equal(history_seek(h, mark - 1000), SIM_OK);
	assert_int_equal(sim_insns(s), mark - 1000);
	assert_int_equal(cluster_vm(c, vm)->host, 0);
	assert_int_equal(cluster_vm(c, vm)->state, CVM_ON);
	assert_ptr_equal(vm_host(cluster_vm_live(c, vm)),
			 cluster_host(c, 0)->host);
	assert_int_equal(vmotion_count(c), 0);
	assert_int_equal(cluster_host(c, 1)->nvms, 0);
	assert_int_equal(count(s, EV_CLUSTER, CL_VMOTION_START), 0);
	history_destroy(h);
	sim_destroy(s);
}

/*
 * Exploring in the middle of a migration, as a student does at a lesson's
 * pause: the parts are held (VirtualCenter takes no step), the guest runs
 * two million instructions, and going back to the pause is allowed; then
 * the lesson goes on exactly as if nobody had explored: the same rounds,
 * the same pages per round, the same output and instruction count.
 */
static void explore_mid_migration(bool explore, struct vmotion_result *r,
				  char **serial, uint64_t *insns)
{
	struct sim *s;
	struct cluster *c = two_hosts(&s);
	char err[GUEST_ERR_MAX];
	enum sim_stop why;
	size_t len;
	const char *out;
	int vm, id;

	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.name = "app", .host = 0, .guest = DIRTY, .mem_mb = 32 },
		&vm, err), SIM_OK);
	assert_int_equal(sim_run_until(s, 20 * MS, UINT64_MAX, &why), SIM_OK);
	assert_int_equal(vmotion_start(c, vm, 1, &(struct precopy_params){
		.bandwidth_mb_s = 400, .downtime_ms = 5 }, &id, err), SIM_OK);
	assert_int_equal(sim_run_until(s, 25 * MS, UINT64_MAX, &why), SIM_OK);
	if (explore) {
		struct history *h;
		uint64_t pause = sim_insns(s);
		int rounds = vmotion_get(c, id)->pc.rounds;

		sim_hold_parts(s, true);
		assert_int_equal(history_create(s, 100000, 0, &h), SIM_OK);
		assert_int_equal(history_run(h, 2000000, &why), SIM_OK);
		assert_int_equal(sim_insns(s), pause + 2000000);
		assert_int_equal(vmotion_get(c, id)->pc.rounds, rounds);
		assert_int_equal(history_seek(h, pause), SIM_OK);
		history_destroy(h);
		sim_hold_parts(s, false);
	}
	assert_int_equal(sim_run(s, UINT64_MAX, &why), SIM_OK);
	vmotion_result(c, id, r);
	out = vm_serial(cluster_vm_live(c, vm), &len);
	*serial = strndup(out, len);
	*insns = sim_insns(s);
	sim_destroy(s);
}

static void explore_during_vmotion(void **state)
{
	struct vmotion_result a, b;
	char *sa, *sb;
	uint64_t ia, ib;

	(void)state;
	explore_mid_migration(false, &a, &sa, &ia);
	explore_mid_migration(true, &b, &sb, &ib);
	assert_true(a.ok && b.ok);
	assert_int_equal(a.rounds, b.rounds);
	for (int i = 0; i < a.rounds; i++)
		assert_true(a.mb_per_round[i] == b.mb_per_round[i]);
	assert_true(a.total_mb == b.total_mb);
	assert_string_equal(sa, sb);
	assert_int_equal(ia, ib);
	free(sa);
	free(sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(disk_on_the_datastore),
		cmocka_unit_test(writes_te),
		cmocka_unit_test(writes_bt),
		cmocka_unit_test(writes_hw),
		cmocka_unit_test(writes_as_qemu),
		cmocka_unit_test(power_off_frees_memory),
		cmocka_unit_test(step_back_before_vmotion),
		cmocka_unit_test(explore_during_vmotion),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
