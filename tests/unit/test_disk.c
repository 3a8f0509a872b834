/*
 * test_disk.c - a live VM's disk end to end: the storage path in events,
 * stepping back over disk writes, snapshots of a running guest (write,
 * snapshot, write, revert, remove) and a consolidated backup while the
 * guest writes, each checked byte for byte.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cluster/vcb.h"
#include "history.h"
#include "testlib.h"
#include "vmkernel/vmfs.h"
#include "vmm/vmm.h"
#include "vmx/snapshot.h"

#define DISK_GUEST "scenarios/guests/disk.elf"
#define LOG_GUEST "scenarios/guests/disklog.elf"
#define FILL_GUEST "build/guests/diskfill.elf"
#define IMG "scenarios/guests/build/disk.img"
#define ALL UINT64_MAX

static void boot(const char *guest, enum exec_mode mode, struct tl_run *r)
{
	tl_boot_cfg(&(struct vm_config){ .guest = guest, .mode = mode,
					 .disk_mb = 1 }, false, r);
}

static size_t count_disk(const struct tl_run *r, enum disk_op op)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nev; i++)
		n += r->ev[i].kind == EV_DISK && r->ev[i].u.disk.op == op;
	return n;
}

/* The whole disk as the guest sees it now. */
static uint8_t *disk_copy(const struct vm *vm)
{
	uint64_t n = vmfs_sectors(vm->disk);
	uint8_t *p = malloc(n * VMFS_SECTOR);

	assert_non_null(p);
	for (uint64_t lba = 0; lba < n; lba++)
		assert_int_equal(vmfs_read(vm->disk, lba, p + lba * VMFS_SECTOR,
					   NULL), SIM_OK);
	return p;
}

/* Sector lba begins with text. */
static bool sector_says(const struct vm *vm, uint64_t lba, const char *text)
{
	uint8_t s[VMFS_SECTOR];

	assert_int_equal(vmfs_read(vm->disk, lba, s, NULL), SIM_OK);
	return memcmp(s, text, strlen(text)) == 0;
}

/* Every sector goes VMM > VMKernel > the disk file: one event each. */
static void storage_path(void **state)
{
	static const int boot_steps[] = { VMX_CREATE_WORLD, VMX_ALLOC_MEMORY,
		VMX_LOAD_IMAGE, VMX_OPEN_DISK, VMX_CREATE_VMM, VMX_START };
	struct tl_run r;
	size_t io_disk = 0, step = 0;

	(void)state;
	boot(DISK_GUEST, MODE_BT, &r);
	/* the VMX opens the disk file once the kernel is loaded */
	for (size_t i = 0; i < r.nev; i++)
		if (r.ev[i].kind == EV_VMX) {
			assert_true(step < 6);
			assert_int_equal(r.ev[i].u.vmx.step, boot_steps[step++]);
		}
	assert_int_equal(step, 6);
	assert_int_equal(sim_run(r.sim, ALL, &r.stop), SIM_OK);
	assert_non_null(strstr(tl_serial(&r), "disk: done"));
	/* writes: 3 in one command, then 1; past the end never reaches it */
	assert_int_equal(count_disk(&r, DISK_WRITE), 4);
	/* reads: sector 0, 3 back, 3 again, 256 at once */
	assert_int_equal(count_disk(&r, DISK_READ), 1 + 3 + 3 + 256);
	for (size_t i = 0; i < r.nev; i++) {
		const struct event *ev = &r.ev[i];

		if (ev->kind == EV_IO && ev->u.io.device == DEV_DISK)
			io_disk++;
		if (ev->kind == EV_DISK) {
			assert_int_equal(ev->u.disk.host, r.vm->host->id);
			assert_int_equal(ev->u.disk.layer, 0);
			assert_int_equal(ev->u.disk.n, 1);
		}
	}
	assert_true(io_disk > 263 * 256);	/* a word per access, at least */
	/*
	 * The storage stack is the VMKernel's work on the world's behalf:
	 * esxtop's %SYS, not the VMM's %RUN (docs/esx-architecture.md).  Each
	 * of the 267 sectors is 10,000 cycles of it (sim/vmm/cost.h); the rest
	 * of %SYS is host interrupts.
	 */
	vmm_sync_counters(r.vm->vcpu[0]);
	assert_true(r.vm->vcpu[0]->stats.sys_cycles >= 267 * 10000ull);
	assert_true(sector_says(r.vm, 101, "sector 101: written by the disk guest, pass 2"));
	assert_int_equal(vmfs_layer_sectors(r.vm->disk, 0), 3);
	tl_free(&r);
}

/* A bad image is a clear error naming the file; nothing starts. */
static void bad_images(void **state)
{
	struct sim *s;
	struct vm *vm;
	char err[GUEST_ERR_MAX];

	(void)state;
	assert_int_equal(sim_create(NULL, &s), SIM_OK);
	assert_int_equal(sim_add_vm(s, &(struct vm_config){ .guest = DISK_GUEST,
				    .disk = "no/such.img" }, &vm, err), SIM_EIO);
	assert_non_null(strstr(err, "no/such.img"));
	assert_int_equal(sim_add_vm(s, &(struct vm_config){ .guest = DISK_GUEST,
				    .disk = "scenarios" }, &vm, err), SIM_EFORMAT);
	assert_non_null(strstr(err, "scenarios: not a raw disk image"));
	assert_int_equal(sim_add_vm(s, &(struct vm_config){ .guest = DISK_GUEST,
				    .disk = IMG, .disk_mb = 4 }, &vm, err), SIM_EINVAL);
	assert_int_equal(sim_add_vm(s, &(struct vm_config){ .load_mhz = 100,
				    .disk_mb = 4 }, &vm, err), SIM_EINVAL);
	assert_int_equal(sim_vm_count(s), 0);
	sim_destroy(s);
}

/* Stepping back over disk writes takes them back; forward writes again. */
static void step_back_over_writes(void **state)
{
	struct tl_run r;
	struct history *h;
	enum sim_stop why;
	uint64_t before, end, sum_end;

	(void)state;
	boot(DISK_GUEST, MODE_TE, &r);
	assert_int_equal(history_create(r.sim, 20000, 0, &h), SIM_OK);
	before = vmfs_checksum(r.vm->disk, 0);
	assert_int_equal(history_run(h, ALL, &why), SIM_OK);
	end = sim_insns(r.sim);
	sum_end = vmfs_checksum(r.vm->disk, 0);
	assert_true(sum_end != before);
	assert_int_equal(history_seek(h, 1000), SIM_OK);	/* before any write */
	assert_int_equal(vmfs_checksum(r.vm->disk, 0), before);
	assert_int_equal(history_seek(h, end), SIM_OK);
	assert_int_equal(vmfs_checksum(r.vm->disk, 0), sum_end);
	history_destroy(h);
	tl_free(&r);
}

/*
 * Snapshot a running guest with its memory half-way, let it finish
 * (writing more), revert, let it finish again: the same output and the
 * same disk, byte for byte, as a run that never went back.
 */
static void revert_with_memory(enum exec_mode mode)
{
	struct tl_run a, b;
	char err[256], straight_out[4096];
	uint8_t *straight, *again;
	uint64_t at_snap;

	boot(DISK_GUEST, mode, &a);
	assert_int_equal(sim_run(a.sim, ALL, &a.stop), SIM_OK);
	snprintf(straight_out, sizeof straight_out, "%s", tl_serial(&a));
	straight = disk_copy(a.vm);

	boot(DISK_GUEST, mode, &b);
	assert_int_equal(sim_run(b.sim, 60000, &b.stop), SIM_OK);	/* mid-way */
	assert_int_equal(snapshot_take(b.vm, "mid", true, err, sizeof err), SIM_OK);
	at_snap = vmfs_checksum(b.vm->disk, 0);
	assert_int_equal(sim_run(b.sim, ALL, &b.stop), SIM_OK);
	assert_int_equal(b.vm->state, VM_OFF);
	assert_true(vmfs_checksum(b.vm->disk, 0) != at_snap);
	assert_int_equal(snapshot_revert(b.vm, "mid", err, sizeof err), SIM_OK);
	assert_int_equal(vmfs_checksum(b.vm->disk, 0), at_snap);
	assert_int_equal(b.vm->state, VM_ON);
	assert_int_equal(sim_run(b.sim, ALL, &b.stop), SIM_OK);
	assert_string_equal(tl_serial(&b), straight_out);
	again = disk_copy(b.vm);
	assert_memory_equal(again, straight, vmfs_sectors(b.vm->disk) * VMFS_SECTOR);
	assert_int_equal(count_disk(&b, DISK_SNAPSHOT), 1);
	assert_int_equal(count_disk(&b, DISK_REVERT), 1);
	free(straight);
	free(again);
	tl_free(&a);
	tl_free(&b);
}

static void revert_with_memory_te(void **state) { (void)state; revert_with_memory(MODE_TE); }
static void revert_with_memory_bt(void **state) { (void)state; revert_with_memory(MODE_BT); }
static void revert_with_memory_hw(void **state) { (void)state; revert_with_memory(MODE_HW); }

/* write, snapshot, write, revert (no memory: powered off), remove. */
static void snapshot_chain(void **state)
{
	struct tl_run r;
	char err[256];
	uint64_t s1, s2, now;

	(void)state;
	boot(LOG_GUEST, MODE_BT, &r);
	assert_int_equal(sim_run_until(r.sim, 300000000, ALL, &r.stop), SIM_OK);
	assert_int_equal(snapshot_take(r.vm, "s1", false, err, sizeof err), SIM_OK);
	s1 = vmfs_checksum(r.vm->disk, 0);
	assert_int_equal(snapshot_take(r.vm, "s1", false, err, sizeof err), SIM_EINVAL);
	assert_non_null(strstr(err, "already has a snapshot named s1"));
	assert_int_equal(sim_run_until(r.sim, 600000000, ALL, &r.stop), SIM_OK);
	assert_int_equal(snapshot_take(r.vm, "s2", false, err, sizeof err), SIM_OK);
	s2 = vmfs_checksum(r.vm->disk, 0);
	assert_true(s2 != s1);
	assert_int_equal(vmfs_checksum(r.vm->disk, 1), s1);	/* frozen */
	assert_int_equal(vmfs_checksum(r.vm->disk, 2), s2);
	assert_int_equal(sim_run_until(r.sim, 900000000, ALL, &r.stop), SIM_OK);
	now = vmfs_checksum(r.vm->disk, 0);
	/* removing s1 merges its delta down: nothing the guest sees changes */
	assert_int_equal(snapshot_remove(r.vm, "s1", err, sizeof err), SIM_OK);
	assert_int_equal(vmfs_checksum(r.vm->disk, 0), now);
	assert_int_equal(vmfs_checksum(r.vm->disk, 1), s2);
	assert_int_equal(snapshot_count(r.vm), 1);
	assert_string_equal(snapshot_name(r.vm, 0), "s2");
	/* reverting without memory: the disk as at s2, the VM off */
	assert_int_equal(snapshot_revert(r.vm, "s2", err, sizeof err), SIM_OK);
	assert_int_equal(vmfs_checksum(r.vm->disk, 0), s2);
	assert_int_equal(r.vm->state, VM_OFF);
	assert_int_equal(snapshot_revert(r.vm, "s1", err, sizeof err), SIM_ENOTFOUND);
	assert_int_equal(snapshot_remove(r.vm, "s2", err, sizeof err), SIM_OK);
	assert_int_equal(vmfs_layers(r.vm->disk), 1);
	assert_int_equal(vmfs_checksum(r.vm->disk, 0), s2);
	assert_int_equal(count_disk(&r, DISK_CONSOLIDATE), 2);
	tl_free(&r);
}

/*
 * A backup while the guest writes: the backup is the disk as it was when
 * the backup began, byte for byte; the live disk has every later record.
 */
static void backup_while_writing(enum exec_mode mode)
{
	struct vcb_options o = { .proxy = "proxy1", .bandwidth_mb_s = 1 };
	struct vcb_result res;
	struct tl_run r;
	char err[256];
	uint8_t *at_start;
	uint64_t sum0;

	boot(LOG_GUEST, mode, &r);
	assert_int_equal(sim_run_until(r.sim, 500000000, ALL, &r.stop), SIM_OK);
	at_start = disk_copy(r.vm);
	sum0 = vmfs_checksum(r.vm->disk, 0);
	assert_int_equal(vcb_backup(r.sim, r.vm, &o, &res, err, sizeof err), SIM_OK);
	assert_int_equal(res.bytes, 1 << 20);
	assert_memory_equal(res.image, at_start, 1 << 20);
	assert_int_equal(res.checksum, sum0);
	assert_true(vmfs_checksum(r.vm->disk, 0) != sum0);	/* live: moved on */
	assert_true(res.guest_insns > 0);
	assert_true(res.sectors_changed > 10);	/* records, and the header */
	assert_true(res.end_ns - res.start_ns >= 1048576000ull);	/* 1 MB/s */
	assert_int_equal(vmfs_layers(r.vm->disk), 1);	/* consolidated */
	assert_int_equal(snapshot_count(r.vm), 0);
	/* the steps in order, each an event (the snapshot is snapshot.c's) */
	assert_int_equal(res.step[0].op, DISK_QUIESCE);
	assert_int_equal(res.step[1].op, DISK_UNQUIESCE);
	assert_int_equal(res.step[2].op, DISK_MOUNT);
	assert_int_equal(res.step[3].op, DISK_COPY);
	assert_int_equal(res.step[res.nsteps - 2].op, DISK_UNMOUNT);
	assert_int_equal(res.step[res.nsteps - 1].op, DISK_CONSOLIDATE);
	assert_int_equal(count_disk(&r, DISK_COPY), 4);	/* 256 KiB each */
	assert_int_equal(count_disk(&r, DISK_SNAPSHOT), 1);
	assert_int_equal(count_disk(&r, DISK_CONSOLIDATE), 1);
	/* the guest finishes; the backup lacks the later records, the disk not */
	assert_int_equal(sim_run(r.sim, ALL, &r.stop), SIM_OK);
	assert_non_null(strstr(tl_serial(&r), "disklog: done"));
	assert_true(sector_says(r.vm, 0, "journal: 200 records"));
	assert_true(sector_says(r.vm, 200, "record 200,"));
	assert_false(memcmp(res.image, "journal: 200 records", 20) == 0);
	assert_true(memcmp(res.image, "journal: ", 9) == 0);
	assert_true(res.image[200 * VMFS_SECTOR] == 0);
	vcb_result_free(&res);
	free(at_start);
	tl_free(&r);
}

static void backup_te(void **state) { (void)state; backup_while_writing(MODE_TE); }
static void backup_bt(void **state) { (void)state; backup_while_writing(MODE_BT); }
static void backup_hw(void **state) { (void)state; backup_while_writing(MODE_HW); }

/* ---- a full datastore (storage.h) ---- */

/* Sector lba holds `value` in every dword (diskfill.S writes LBA + 1). */
static bool sector_is(const struct vm *vm, uint64_t lba, uint32_t value)
{
	uint8_t s[VMFS_SECTOR];
	uint32_t w;

	assert_int_equal(vmfs_read(vm->disk, lba, s, NULL), SIM_OK);
	for (size_t i = 0; i < sizeof s; i += 4) {
		memcpy(&w, s + i, 4);
		if (w != value)
			return false;
	}
	return true;
}

static size_t count_power(const struct tl_run *r, enum power_reason why)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nev; i++)
		n += r->ev[i].kind == EV_POWER && r->ev[i].u.power.reason == why;
	return n;
}

/*
 * diskfill writes sector after sector of a 1 MiB blank disk whose
 * datastore has room for 16: the 17th write finds it full.  The VM is
 * paused, not crashed: a no-space disk event, then a no-space power
 * event; the 16 sectors are on the disk, the 17th is neither there nor
 * half there, and the guest has not seen an error (it printed nothing
 * more).  In every mode, as the write is the VMM's device either way.
 */
static void full_datastore_pauses(enum exec_mode mode)
{
	struct tl_run r;

	tl_boot_cfg(&(struct vm_config){ .guest = FILL_GUEST, .mode = mode,
					 .disk_mb = 1 }, false, &r);
	vmfs_set_room(r.vm->disk, 16 * VMFS_SECTOR);
	assert_int_equal(sim_run(r.sim, 50000000, &r.stop), SIM_OK);
	assert_int_equal(r.stop, SIM_STOP_IDLE);
	assert_int_equal(r.vm->state, VM_PAUSED);
	assert_int_equal(r.vm->power_reason, POWER_NO_SPACE);
	assert_int_equal(r.vm->exit_status, 16);	/* the held sector */
	assert_int_equal(count_disk(&r, DISK_WRITE), 16);
	assert_int_equal(count_disk(&r, DISK_NO_SPACE), 1);
	assert_int_equal(count_power(&r, POWER_NO_SPACE), 1);
	assert_int_equal(vmfs_data_bytes(r.vm->disk), 16 * VMFS_SECTOR);
	assert_true(sector_is(r.vm, 15, 16));
	assert_true(sector_is(r.vm, 16, 0));
	assert_true(r.vm->ata.r.held);
	assert_string_equal(tl_serial(&r), "diskfill: writing every sector\n");
	assert_string_equal(vm_state_name(r.vm->state), "paused");
	/* nothing runs while it waits */
	assert_int_equal(sim_run(r.sim, 1000000, &r.stop), SIM_OK);
	assert_int_equal(count_disk(&r, DISK_NO_SPACE), 1);
	tl_free(&r);
}

static void full_datastore_pauses_te(void **state) { (void)state; full_datastore_pauses(MODE_TE); }
static void full_datastore_pauses_bt(void **state) { (void)state; full_datastore_pauses(MODE_BT); }
static void full_datastore_pauses_hw(void **state) { (void)state; full_datastore_pauses(MODE_HW); }

/*
 * ESX's two answers.  Retry with no more room: paused again at once, the
 * same sector held.  Retry once room is freed: the held write is stored
 * exactly once and the guest goes on where it was, to the next full
 * datastore, then (room for the whole disk) to the end of the disk, where
 * it reports the sector it stopped at and exits 0: no write was lost or
 * doubled on the way.  Cancel powers it off; Retry then has nothing to
 * answer.
 */
static void full_datastore_retry_and_cancel(void **state)
{
	struct tl_run r;

	(void)state;
	tl_boot_cfg(&(struct vm_config){ .guest = FILL_GUEST, .mode = MODE_BT,
					 .disk_mb = 1 }, false, &r);
	vmfs_set_room(r.vm->disk, 16 * VMFS_SECTOR);
	assert_int_equal(sim_run(r.sim, 50000000, &r.stop), SIM_OK);
	assert_int_equal(r.vm->state, VM_PAUSED);
	assert_int_equal(sim_retry(r.sim, r.vm), SIM_ENOSPC);
	assert_int_equal(r.vm->state, VM_PAUSED);
	assert_int_equal(count_disk(&r, DISK_NO_SPACE), 2);
	assert_int_equal(count_power(&r, POWER_RETRY), 1);
	vmfs_set_room(r.vm->disk, 32 * VMFS_SECTOR);
	assert_int_equal(sim_retry(r.sim, r.vm), SIM_OK);
	assert_int_equal(r.vm->state, VM_ON);
	assert_true(sector_is(r.vm, 16, 17));	/* the held write, stored */
	assert_int_equal(sim_run(r.sim, 50000000, &r.stop), SIM_OK);
	assert_int_equal(r.vm->state, VM_PAUSED);
	assert_int_equal(r.vm->exit_status, 32);
	assert_int_equal(count_disk(&r, DISK_WRITE), 32);
	vmfs_set_room(r.vm->disk, VMFS_DATA_MAX);
	assert_int_equal(sim_retry(r.sim, r.vm), SIM_OK);
	assert_int_equal(sim_run(r.sim, ALL, &r.stop), SIM_OK);
	assert_int_equal(r.vm->state, VM_OFF);
	assert_int_equal(r.vm->power_reason, POWER_DEBUG_EXIT);
	assert_int_equal(r.vm->exit_status, 0);
	assert_non_null(strstr(tl_serial(&r), "diskfill: stopped at sector 00000800"));
	assert_int_equal(count_disk(&r, DISK_WRITE), 2048);
	for (uint64_t lba = 0; lba < 2048; lba++)
		if (!sector_is(r.vm, lba, (uint32_t)lba + 1))
			fail_msg("sector %llu is wrong", (unsigned long long)lba);
	tl_free(&r);
	/* Cancel */
	tl_boot_cfg(&(struct vm_config){ .guest = FILL_GUEST, .mode = MODE_TE,
					 .disk_mb = 1 }, false, &r);
	vmfs_set_room(r.vm->disk, 4 * VMFS_SECTOR);
	assert_int_equal(sim_run(r.sim, 50000000, &r.stop), SIM_OK);
	assert_int_equal(r.vm->state, VM_PAUSED);
	vm_power_off(r.vm, POWER_USER, 0);
	assert_int_equal(r.vm->state, VM_OFF);
	assert_int_equal(sim_retry(r.sim, r.vm), SIM_ESTATE);
	assert_true(sector_is(r.vm, 4, 0));	/* never written */
	tl_free(&r);
}

/*
 * Headless, nobody can answer: the run ends with ESX's question on
 * stderr and exit status 1.  The image holds 64 MiB of data after a 1 MiB
 * hole, so the datastore is full from the start and diskfill's first
 * write, to sector 0, finds no room.
 */
static void full_datastore_headless(void **state)
{
	char img[256], cmd[600], out[8192];
	FILE *f;

	(void)state;
	tl_temp_file(img, sizeof img, ".img");
	assert_non_null(f = fopen(img, "wb"));
	assert_int_equal(fseek(f, 1 << 20, SEEK_SET), 0);
	for (int i = 0; i < (int)(VMFS_DATA_MAX / VMFS_SECTOR); i++) {
		uint8_t s[VMFS_SECTOR];

		memset(s, 0xa5, sizeof s);
		assert_int_equal(fwrite(s, 1, sizeof s, f), sizeof s);
	}
	fclose(f);
	snprintf(cmd, sizeof cmd, "./ringside --headless --guest %s --disk %s 2>&1",
		 FILL_GUEST, img);
	assert_int_equal(tl_sh(cmd, out, sizeof out), 1);
	unlink(img);
	if (!strstr(out, "paused: the datastore is full; the write to sector 0 is held") ||
	    !strstr(out, "ringside: vm0 is paused: There is no more space for virtual disk [datastore1] vm0/vm0-flat.vmdk. You might be able to continue this session by freeing disk space on the relevant volume, and clicking Retry. Click Cancel to terminate this session."))
		fail_msg("not ESX's question:\n%s", out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(storage_path),
		cmocka_unit_test(bad_images),
		cmocka_unit_test(step_back_over_writes),
		cmocka_unit_test(revert_with_memory_te),
		cmocka_unit_test(revert_with_memory_bt),
		cmocka_unit_test(revert_with_memory_hw),
		cmocka_unit_test(snapshot_chain),
		cmocka_unit_test(backup_te),
		cmocka_unit_test(backup_bt),
		cmocka_unit_test(backup_hw),
		cmocka_unit_test(full_datastore_pauses_te),
		cmocka_unit_test(full_datastore_pauses_bt),
		cmocka_unit_test(full_datastore_pauses_hw),
		cmocka_unit_test(full_datastore_retry_and_cancel),
		cmocka_unit_test(full_datastore_headless),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
