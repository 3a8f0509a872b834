/* test_vmfs.c - vmfs.h: a disk file and its delta chain, byte for byte (write, snapshot, write, revert, consolidate), images, saved states. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "status.h"
#include "testlib.h"
#include "vmkernel/vmfs.h"

#define SECTORS 10000		/* more than one grain table */

static void fill(uint8_t s[VMFS_SECTOR], int tag)
{
	for (int i = 0; i < VMFS_SECTOR; i++)
		s[i] = (uint8_t)(tag * 31 + i);
}

/* Sector lba must hold the pattern of tag (or zeros for tag 0). */
static void expect(const struct vmfs_disk *d, int depth, uint64_t lba, int tag)
{
	uint8_t want[VMFS_SECTOR], got[VMFS_SECTOR];

	if (tag)
		fill(want, tag);
	else
		memset(want, 0, sizeof want);
	if (depth)
		assert_int_equal(vmfs_read_view(d, depth, lba, got), SIM_OK);
	else
		assert_int_equal(vmfs_read(d, lba, got, NULL), SIM_OK);
	assert_memory_equal(got, want, VMFS_SECTOR);
}

static void put(struct vmfs_disk *d, uint64_t lba, int tag)
{
	uint8_t s[VMFS_SECTOR];

	fill(s, tag);
	assert_int_equal(vmfs_write(d, lba, s), SIM_OK);
}

static void blank_disk_reads_zeros(void **state)
{
	struct vmfs_disk *d;
	uint8_t s[VMFS_SECTOR];
	int from = 7;

	(void)state;
	assert_int_equal(vmfs_disk_create("ds1", "vm0", SECTORS, &d), SIM_OK);
	expect(d, 0, 0, 0);
	expect(d, 0, SECTORS - 1, 0);
	assert_int_equal(vmfs_read(d, 5, s, &from), SIM_OK);
	assert_int_equal(from, -1);
	assert_int_equal(vmfs_read(d, SECTORS, s, NULL), SIM_EINVAL);
	assert_int_equal(vmfs_write(d, SECTORS, s), SIM_EINVAL);
	put(d, 4097, 3);
	expect(d, 0, 4097, 3);
	assert_int_equal(vmfs_read(d, 4097, s, &from), SIM_OK);
	assert_int_equal(from, 0);
	assert_int_equal(vmfs_layer_sectors(d, 0), 1);
	assert_string_equal(vmfs_datastore(d), "ds1");
	vmfs_disk_destroy(d);
	assert_int_equal(vmfs_disk_create("ds1", "vm0", 0, &d), SIM_EINVAL);
}

/* The chain of KB 1015180: write, snapshot, write, read both views. */
static void snapshot_freezes_parent(void **state)
{
	struct vmfs_disk *d;
	char file[64];
	int from;
	uint8_t s[VMFS_SECTOR];

	(void)state;
	assert_int_equal(vmfs_disk_create("ds1", "vm0", SECTORS, &d), SIM_OK);
	put(d, 1, 1);
	put(d, 2, 2);
	assert_int_equal(vmfs_snapshot(d, "before"), SIM_OK);
	assert_int_equal(vmfs_snapshot(d, "before"), SIM_EINVAL);
	assert_int_equal(vmfs_layers(d), 2);
	put(d, 2, 20);			/* overwrite: goes to the delta */
	put(d, 3, 30);			/* new: goes to the delta */
	expect(d, 0, 1, 1);		/* read through to the parent */
	expect(d, 0, 2, 20);
	expect(d, 0, 3, 30);
	expect(d, 1, 2, 2);		/* the parent still holds the old data */
	expect(d, 1, 3, 0);
	assert_int_equal(vmfs_layer_sectors(d, 0), 2);
	assert_int_equal(vmfs_layer_sectors(d, 1), 2);
	assert_int_equal(vmfs_read(d, 1, s, &from), SIM_OK);
	assert_int_equal(from, 0);
	assert_int_equal(vmfs_read(d, 2, s, &from), SIM_OK);
	assert_int_equal(from, 1);
	vmfs_layer_file(d, 0, file, sizeof file);
	assert_string_equal(file, "vm0-flat.vmdk");
	vmfs_layer_file(d, 1, file, sizeof file);
	assert_string_equal(file, "vm0-000001-delta.vmdk");
	assert_int_equal(vmfs_find_snapshot(d, "before"), 1);
	assert_int_equal(vmfs_find_snapshot(d, "nope"), -1);
	vmfs_disk_destroy(d);
}

static void revert_drops_later_writes(void **state)
{
	struct vmfs_disk *d;
	uint64_t sum_at_snap, dropped = 0;

	(void)state;
	assert_int_equal(vmfs_disk_create("ds1", "vm0", SECTORS, &d), SIM_OK);
	put(d, 1, 1);
	sum_at_snap = vmfs_checksum(d, 0);
	assert_int_equal(vmfs_snapshot(d, "s1"), SIM_OK);
	put(d, 1, 10);
	put(d, 9000, 11);
	assert_int_equal(vmfs_snapshot(d, "s2"), SIM_OK);
	put(d, 5, 12);
	assert_true(vmfs_checksum(d, 0) != sum_at_snap);
	assert_int_equal(vmfs_checksum(d, 1), sum_at_snap);	/* frozen view */
	assert_int_equal(vmfs_revert(d, "s1", &dropped), SIM_OK);
	assert_int_equal(dropped, 3);
	assert_int_equal(vmfs_checksum(d, 0), sum_at_snap);
	expect(d, 0, 1, 1);
	expect(d, 0, 9000, 0);
	assert_int_equal(vmfs_layers(d), 2);	/* s1 stays, s2 is gone */
	assert_int_equal(vmfs_find_snapshot(d, "s2"), -1);
	put(d, 1, 13);			/* writes go on in s1's fresh delta */
	assert_int_equal(vmfs_revert(d, "s1", &dropped), SIM_OK);
	assert_int_equal(dropped, 1);
	expect(d, 0, 1, 1);
	assert_int_equal(vmfs_revert(d, "nope", NULL), SIM_ENOTFOUND);
	vmfs_disk_destroy(d);
}

/* Removing a snapshot changes nothing the guest sees, nor later snapshots. */
static void consolidate_keeps_every_view(void **state)
{
	struct vmfs_disk *d;
	uint64_t now, at_s2, merged = 0;

	(void)state;
	assert_int_equal(vmfs_disk_create("ds1", "vm0", SECTORS, &d), SIM_OK);
	put(d, 1, 1);
	put(d, 2, 2);
	assert_int_equal(vmfs_snapshot(d, "s1"), SIM_OK);
	put(d, 2, 20);
	put(d, 3, 30);
	assert_int_equal(vmfs_snapshot(d, "s2"), SIM_OK);
	put(d, 3, 300);
	at_s2 = vmfs_checksum(d, 2);
	now = vmfs_checksum(d, 0);
	assert_int_equal(vmfs_consolidate(d, "s1", &merged), SIM_OK);
	assert_int_equal(merged, 2);	/* sectors 2 and 3 into the base */
	assert_int_equal(vmfs_layers(d), 2);
	assert_int_equal(vmfs_checksum(d, 0), now);
	assert_int_equal(vmfs_checksum(d, 1), at_s2);	/* s2 still intact */
	assert_int_equal(vmfs_find_snapshot(d, "s2"), 1);
	expect(d, 1, 2, 20);
	expect(d, 0, 3, 300);
	assert_int_equal(vmfs_consolidate(d, "s2", &merged), SIM_OK);
	assert_int_equal(merged, 1);
	assert_int_equal(vmfs_layers(d), 1);
	assert_int_equal(vmfs_checksum(d, 0), now);
	expect(d, 0, 1, 1);
	expect(d, 0, 2, 20);
	expect(d, 0, 3, 300);
	assert_int_equal(vmfs_layer_sectors(d, 0), 3);
	assert_int_equal(vmfs_consolidate(d, "s2", NULL), SIM_ENOTFOUND);
	vmfs_disk_destroy(d);
}

static void image_is_copied_and_left_alone(void **state)
{
	char path[4096], err[256] = "";
	uint8_t s[VMFS_SECTOR], back[VMFS_SECTOR + 100];
	struct vmfs_disk *d;
	FILE *f;

	(void)state;
	tl_temp_file(path, sizeof path, ".img");
	f = fopen(path, "wb");
	assert_non_null(f);
	fill(s, 5);
	assert_int_equal(fwrite(s, 1, VMFS_SECTOR, f), VMFS_SECTOR);
	assert_int_equal(fwrite(s, 1, 100, f), 100);	/* a partial sector */
	fclose(f);
	assert_int_equal(vmfs_disk_import("ds1", "vm0", path, VMFS_DATA_MAX, &d, err,
					  sizeof err), SIM_OK);
	assert_int_equal(vmfs_sectors(d), 2);
	expect(d, 0, 0, 5);
	assert_int_equal(vmfs_read(d, 1, s, NULL), SIM_OK);
	fill(back, 5);
	assert_memory_equal(s, back, 100);
	assert_int_equal(s[100], 0);	/* padded with zeros */
	put(d, 0, 6);
	vmfs_disk_destroy(d);
	/* the file is as it was */
	f = fopen(path, "rb");
	assert_int_equal(fread(back, 1, sizeof back, f), VMFS_SECTOR + 100);
	fclose(f);
	fill(s, 5);
	assert_memory_equal(back, s, VMFS_SECTOR);
	unlink(path);
	assert_int_equal(vmfs_disk_import("ds1", "vm0", path, VMFS_DATA_MAX, &d, err,
					  sizeof err), SIM_EIO);
	assert_non_null(strstr(err, path));
	assert_int_equal(vmfs_disk_import("ds1", "vm0", "/", VMFS_DATA_MAX, &d, err,
					  sizeof err), SIM_EFORMAT);
	assert_non_null(strstr(err, "not a regular file"));
}

/*
 * A disk is held in memory: an image with more data than the cap allows
 * is refused, naming the file; zero sectors and holes are not data and
 * cost nothing.  The image: a hole, 3 data sectors, 2 zero sectors.
 */
static void import_is_capped(void **state)
{
	char path[4096], err[256] = "";
	uint8_t s[VMFS_SECTOR], zero[2 * VMFS_SECTOR] = { 0 };
	struct vmfs_disk *d = NULL;
	FILE *f;

	(void)state;
	tl_temp_file(path, sizeof path, ".img");
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 1 << 20, SEEK_SET), 0);
	for (int i = 0; i < 3; i++) {
		fill(s, 7 + i);
		assert_int_equal(fwrite(s, 1, VMFS_SECTOR, f), VMFS_SECTOR);
	}
	assert_int_equal(fwrite(zero, 1, sizeof zero, f), sizeof zero);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(vmfs_disk_import("ds1", "vm0", path, 3 * VMFS_SECTOR,
					  &d, err, sizeof err), SIM_OK);
	assert_int_equal(vmfs_layer_sectors(d, 0), 3);
	expect(d, 0, (1 << 20) / VMFS_SECTOR + 2, 9);
	vmfs_disk_destroy(d);
	d = NULL;
	assert_int_equal(vmfs_disk_import("ds1", "vm0", path, 2 * VMFS_SECTOR,
					  &d, err, sizeof err), SIM_EFORMAT);
	assert_null(d);
	if (strncmp(err, path, strlen(path)) != 0 ||
	    strstr(err, "more than 1 KiB of data") == NULL)
		fail_msg("the refusal should name %s and the cap: %s", path, err);
	unlink(path);
}

/*
 * The datastore's room bounds a guest's writes as it bounds an import: a
 * blank disk holds VMFS_DATA_MAX of data, a write past it is refused with
 * SIM_ENOSPC and nothing changes; rewriting a sector held costs nothing.
 * A guest that wrote every sector of a big blank disk used to grow the
 * host's memory until it ran out.
 */
static void full_datastore_refuses_new_sectors(void **state)
{
	struct vmfs_disk *d;
	uint8_t s[VMFS_SECTOR];

	(void)state;
	assert_int_equal(vmfs_disk_create("ds1", "vm0", SECTORS, &d), SIM_OK);
	assert_int_equal(vmfs_room(d), VMFS_DATA_MAX);
	vmfs_set_room(d, 3 * VMFS_SECTOR);
	put(d, 0, 1);
	put(d, 1, 2);
	put(d, 2, 3);
	assert_int_equal(vmfs_data_bytes(d), 3 * VMFS_SECTOR);
	fill(s, 4);
	assert_int_equal(vmfs_write(d, 3, s), SIM_ENOSPC);
	expect(d, 0, 3, 0);		/* not written, not half written */
	assert_int_equal(vmfs_layer_sectors(d, 0), 3);
	put(d, 1, 5);			/* a sector it holds: in place */
	expect(d, 0, 1, 5);
	/* a snapshot's delta takes room on the same datastore */
	assert_int_equal(vmfs_snapshot(d, "s1"), SIM_OK);
	assert_int_equal(vmfs_write(d, 0, s), SIM_ENOSPC);
	expect(d, 0, 0, 1);
	/* room freed (the datastore grown): the write goes in */
	vmfs_set_room(d, 4 * VMFS_SECTOR);
	put(d, 0, 6);
	expect(d, 0, 0, 6);
	expect(d, 1, 0, 1);
	assert_int_equal(vmfs_data_bytes(d), 4 * VMFS_SECTOR);
	/* removing the snapshot merges the delta: room comes back */
	assert_int_equal(vmfs_consolidate(d, "s1", NULL), SIM_OK);
	assert_int_equal(vmfs_data_bytes(d), 3 * VMFS_SECTOR);
	put(d, 3, 4);
	vmfs_disk_destroy(d);
}

/* An import's cap stays the disk's room: the guest writes no more. */
static void full_datastore_after_import(void **state)
{
	char path[4096], err[256] = "";
	uint8_t s[VMFS_SECTOR];
	struct vmfs_disk *d;
	FILE *f;

	(void)state;
	tl_temp_file(path, sizeof path, ".img");
	assert_non_null(f = fopen(path, "wb"));
	fill(s, 1);
	assert_int_equal(fwrite(s, 1, VMFS_SECTOR, f), VMFS_SECTOR);
	assert_int_equal(fwrite(s, 1, VMFS_SECTOR, f), VMFS_SECTOR);
	memset(s, 0, sizeof s);
	assert_int_equal(fwrite(s, 1, VMFS_SECTOR, f), VMFS_SECTOR);
	fclose(f);
	assert_int_equal(vmfs_disk_import("ds1", "vm0", path, 2 * VMFS_SECTOR,
					  &d, err, sizeof err), SIM_OK);
	assert_int_equal(vmfs_room(d), 2 * VMFS_SECTOR);
	put(d, 1, 2);			/* held already: fine */
	fill(s, 3);
	assert_int_equal(vmfs_write(d, 2, s), SIM_ENOSPC);
	expect(d, 0, 2, 0);
	vmfs_disk_destroy(d);
	unlink(path);
}

static void saved_state_comes_back(void **state)
{
	struct vmfs_disk *d;
	struct vmfs_state *st;
	uint64_t sum;

	(void)state;
	assert_int_equal(vmfs_disk_create("ds1", "vm0", SECTORS, &d), SIM_OK);
	put(d, 1, 1);
	assert_int_equal(vmfs_snapshot(d, "s1"), SIM_OK);
	put(d, 2, 2);
	sum = vmfs_checksum(d, 0);
	assert_int_equal(vmfs_state_save(d, &st), SIM_OK);
	put(d, 2, 3);
	assert_int_equal(vmfs_consolidate(d, "s1", NULL), SIM_OK);
	assert_int_equal(vmfs_state_load(d, st), SIM_OK);
	assert_int_equal(vmfs_layers(d), 2);
	assert_int_equal(vmfs_checksum(d, 0), sum);
	expect(d, 1, 2, 0);
	vmfs_state_free(st);
	vmfs_disk_destroy(d);
}

/* Saved chains share grains with the disk; a write copies, never changes them. */
static void saved_states_share_grains(void **state)
{
	struct vmfs_disk *d;
	struct vmfs_state *a, *b;
	uint64_t sum_a, sum_b;

	(void)state;
	assert_int_equal(vmfs_disk_create("ds1", "vm0", SECTORS, &d), SIM_OK);
	for (int i = 0; i < 100; i++)
		put(d, (uint64_t)i, i + 1);
	sum_a = vmfs_checksum(d, 0);
	assert_int_equal(vmfs_state_save(d, &a), SIM_OK);
	put(d, 5, 50);			/* a shared grain: copied, then written */
	assert_int_equal(vmfs_snapshot(d, "s"), SIM_OK);
	put(d, 6, 60);
	sum_b = vmfs_checksum(d, 0);
	assert_int_equal(vmfs_state_save(d, &b), SIM_OK);
	assert_int_equal(vmfs_consolidate(d, "s", NULL), SIM_OK);
	put(d, 6, 61);			/* shared with b after the merge */
	put(d, 7, 70);
	assert_int_equal(vmfs_state_load(d, a), SIM_OK);
	assert_int_equal(vmfs_checksum(d, 0), sum_a);
	expect(d, 0, 5, 6);
	assert_int_equal(vmfs_state_load(d, b), SIM_OK);
	assert_int_equal(vmfs_checksum(d, 0), sum_b);
	assert_int_equal(vmfs_layers(d), 2);
	expect(d, 0, 6, 60);
	expect(d, 1, 5, 50);
	vmfs_state_free(a);
	put(d, 8, 80);			/* the last holders are the disk and b */
	vmfs_state_free(b);
	expect(d, 0, 8, 80);
	vmfs_disk_destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(blank_disk_reads_zeros),
		cmocka_unit_test(snapshot_freezes_parent),
		cmocka_unit_test(revert_drops_later_writes),
		cmocka_unit_test(consolidate_keeps_every_view),
		cmocka_unit_test(image_is_copied_and_left_alone),
		cmocka_unit_test(import_is_capped),
		cmocka_unit_test(full_datastore_refuses_new_sectors),
		cmocka_unit_test(full_datastore_after_import),
		cmocka_unit_test(saved_state_comes_back),
		cmocka_unit_test(saved_states_share_grains),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
