/* test_dev_ata.c - dev_ata.h against ATA/ATAPI-4 and QEMU 7.2's piix IDE: IDENTIFY, READ/WRITE SECTORS, LBA and CHS, errors, reset, no drive. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/dev_ata.h"

enum {
	DATA = 0x1f0, ERROR = 0x1f1, COUNT = 0x1f2, LBA_LOW = 0x1f3,
	LBA_MID = 0x1f4, LBA_HIGH = 0x1f5, DEVICE = 0x1f6, STATUS = 0x1f7,
	CONTROL = 0x3f6,
};

#define SECTORS 3000

/* A disk in memory standing in for the VMKernel's storage stack. */
static uint8_t disk[SECTORS][ATA_SECTOR];
static int reads, writes;
static int no_space;		/* writes the storage stack holds back */

static int mem_read(void *ctx, uint64_t lba, uint8_t buf[ATA_SECTOR])
{
	(void)ctx;
	reads++;
	memcpy(buf, disk[lba], ATA_SECTOR);
	return 0;
}

static int mem_write(void *ctx, uint64_t lba, const uint8_t buf[ATA_SECTOR])
{
	(void)ctx;
	if (no_space)
		return ATA_IO_NO_SPACE;	/* a full datastore: nothing stored */
	writes++;
	memcpy(disk[lba], buf, ATA_SECTOR);
	return ATA_IO_OK;
}

static const struct ata_storage io = { NULL, mem_read, mem_write };
static struct ata drive;

static uint8_t in8(uint16_t port) { return (uint8_t)ata_read(&drive, &io, port, 1); }
static uint16_t in16(uint16_t port) { return (uint16_t)ata_read(&drive, &io, port, 2); }
static void out8(uint16_t port, uint8_t v) { ata_write(&drive, &io, port, 1, v); }
static void out16(uint16_t port, uint16_t v) { ata_write(&drive, &io, port, 2, v); }

static int setup(void **state)
{
	(void)state;
	for (int s = 0; s < SECTORS; s++)
		for (int i = 0; i < ATA_SECTOR; i++)
			disk[s][i] = (uint8_t)(s * 7 + i);
	reads = writes = no_space = 0;
	ata_init(&drive, SECTORS);
	return 0;
}

/* Address a command in LBA mode. */
static void task_lba(uint32_t lba, uint8_t count)
{
	out8(DEVICE, (uint8_t)(0xe0 | (lba >> 24)));
	out8(COUNT, count);
	out8(LBA_LOW, (uint8_t)lba);
	out8(LBA_MID, (uint8_t)(lba >> 8));
	out8(LBA_HIGH, (uint8_t)(lba >> 16));
}

static void read_sector(uint8_t *buf)
{
	for (int i = 0; i < ATA_SECTOR; i += 2) {
		uint16_t w = in16(DATA);

		buf[i] = (uint8_t)w;
		buf[i + 1] = (uint8_t)(w >> 8);
	}
}

static void power_on_state(void **state)
{
	(void)state;
	assert_int_equal(in8(STATUS), 0x50);
	assert_int_equal(in8(ERROR), 0x01);
	assert_int_equal(in8(COUNT), 1);
	assert_int_equal(in8(LBA_LOW), 1);
	assert_int_equal(in8(LBA_MID), 0);	/* 0x00/0x00: an ATA disk */
	assert_int_equal(in8(LBA_HIGH), 0);
	assert_int_equal(in8(DEVICE), 0xa0);
	assert_false(ata_irq(&drive));
	assert_true(ata_port(0x1f0) && ata_port(0x1f7) && ata_port(0x3f6));
	assert_false(ata_port(0x1f8) || ata_port(0x3f7) || ata_port(0x170));
}

static void identify_device(void **state)
{
	uint8_t id[ATA_SECTOR];

	(void)state;
	out8(DEVICE, 0xa0);
	out8(STATUS, 0xec);
	assert_int_equal(in8(CONTROL), 0x58);	/* DRDY DSC DRQ */
	assert_true(ata_irq(&drive));
	assert_int_equal(in8(STATUS), 0x58);
	assert_false(ata_irq(&drive));		/* status read acknowledges */
	read_sector(id);
	assert_int_equal(in8(STATUS), 0x50);
	assert_int_equal(id[0] | id[1] << 8, 0x0040);
	assert_int_equal(id[120] | id[121] << 8, SECTORS);	/* words 60-61 */
	assert_int_equal(id[122] | id[123] << 8, 0);
	assert_true((id[98] | id[99] << 8) & 0x0200);	/* word 49: LBA */
	assert_int_equal(id[2] | id[3] << 8, 2);	/* 3000 / (16*63) */
	assert_int_equal(id[6] | id[7] << 8, 16);
	assert_int_equal(id[12] | id[13] << 8, 63);
	assert_memory_equal(id + 54, "MVawerV ", 8);	/* swapped pairs */
	assert_int_equal(in16(DATA), 0);	/* nothing left to read */
}

static void write_then_read_back(void **state)
{
	uint8_t buf[ATA_SECTOR];

	(void)state;
	task_lba(0x123, 2);
	out8(STATUS, 0x30);
	assert_int_equal(in8(CONTROL), 0x58);	/* DRQ at once ... */
	assert_false(ata_irq(&drive));		/* ... without an interrupt */
	for (int s = 0; s < 2; s++) {
		for (int i = 0; i < ATA_SECTOR; i += 2)
			out16(DATA, (uint16_t)(0xab00 + s * 256 + i));
		assert_true(ata_irq(&drive));	/* each sector stored */
		assert_int_equal(in8(STATUS), s == 0 ? 0x58 : 0x50);
	}
	assert_int_equal(writes, 2);
	assert_int_equal(disk[0x123][2], 2);
	assert_int_equal(disk[0x124][3], 0xac);
	/* the task file moved on: next LBA 0x125, count 0 */
	assert_int_equal(in8(LBA_LOW), 0x25);
	assert_int_equal(in8(LBA_MID), 0x01);
	assert_int_equal(in8(COUNT), 0);
	task_lba(0x124, 1);
	out8(STATUS, 0x20);
	assert_true(ata_irq(&drive));
	assert_int_equal(in8(STATUS), 0x58);
	read_sector(buf);
	assert_memory_equal(buf, disk[0x124], ATA_SECTOR);
	assert_int_equal(in8(STATUS), 0x50);
	assert_false(ata_irq(&drive));	/* no interrupt after the last word */
}

/*
 * A full datastore (storage.h): the sector the drive could not store is
 * held, not lost and not half done.  The drive shows BSY (so a guest that
 * polled would wait, and the task file and commands are locked), keeps
 * the buffer, the address and the count, and raises no interrupt; once
 * room is freed, ata_retry stores it and the command goes on exactly as
 * if nothing had happened: the next sector's DRQ, then the end.  A reset
 * drops a held sector, as it drops any command.
 */
static void full_datastore_holds_the_write(void **state)
{
	(void)state;
	task_lba(0x200, 2);
	out8(STATUS, 0x30);
	no_space = 1;
	for (int i = 0; i < ATA_SECTOR; i += 2)
		out16(DATA, (uint16_t)(0xcd00 + i));
	assert_int_equal(writes, 0);
	assert_int_equal(in8(CONTROL), 0x80);	/* BSY, no DRQ, no ERR */
	assert_false(ata_irq(&drive));
	assert_int_equal(in8(LBA_LOW), 0x00);	/* still at 0x200 ... */
	assert_int_equal(in8(LBA_MID), 0x02);
	assert_int_equal(in8(COUNT), 2);	/* ... two sectors to go */
	out8(LBA_LOW, 0x77);			/* locked while busy */
	out16(DATA, 0xffff);			/* not a transfer now */
	assert_int_equal(disk[0x200][0], (uint8_t)(0x200 * 7));
	/* tried with still no room: held again */
	assert_true(ata_retry(&drive, &io));
	assert_int_equal(writes, 0);
	assert_int_equal(in8(CONTROL), 0x80);
	no_space = 0;
	assert_true(ata_retry(&drive, &io));
	assert_int_equal(writes, 1);
	assert_int_equal(disk[0x200][2], 2);
	assert_int_equal(disk[0x200][3], 0xcd);
	assert_true(ata_irq(&drive));		/* stored: the interrupt */
	assert_int_equal(in8(STATUS), 0x58);	/* DRQ for the second */
	for (int i = 0; i < ATA_SECTOR; i += 2)
		out16(DATA, (uint16_t)(0xef00 + i));
	assert_int_equal(in8(STATUS), 0x50);
	assert_int_equal(writes, 2);
	assert_int_equal(disk[0x201][3], 0xef);
	assert_int_equal(in8(LBA_LOW), 0x02);	/* moved on: 0x202, count 0 */
	assert_int_equal(in8(COUNT), 0);
	assert_false(ata_retry(&drive, &io));	/* nothing held now */
	/* a reset drops a held sector */
	task_lba(0x300, 1);
	out8(STATUS, 0x30);
	no_space = 1;
	for (int i = 0; i < ATA_SECTOR; i += 2)
		out16(DATA, 0x1111);
	out8(CONTROL, 0x04);			/* SRST */
	out8(CONTROL, 0x00);
	no_space = 0;
	assert_false(ata_retry(&drive, &io));
	assert_int_equal(writes, 2);
	assert_int_equal(in8(STATUS), 0x50);
}

static void dword_transfers_and_count_zero(void **state)
{
	uint32_t v;

	(void)state;
	task_lba(10, 0);		/* 0 means 256 sectors */
	out8(STATUS, 0x20);
	for (int s = 0; s < 256; s++) {
		assert_int_equal(in8(STATUS), 0x58);
		for (int i = 0; i < ATA_SECTOR; i += 4) {
			v = ata_read(&drive, &io, DATA, 4);
			assert_int_equal(v & 0xff, disk[10 + s][i]);
			assert_int_equal(v >> 24, disk[10 + s][i + 3]);
		}
	}
	assert_int_equal(in8(STATUS), 0x50);
	assert_int_equal(reads, 256);
	assert_int_equal(in8(LBA_LOW), 10);	/* 266 = 0x10a */
	assert_int_equal(in8(LBA_MID), 1);
}

/* CHS: cylinder 1, head 2, sector 3 is (1 * 16 + 2) * 63 + 2 = 1136. */
static void chs_addressing(void **state)
{
	uint8_t buf[ATA_SECTOR];

	(void)state;
	out8(DEVICE, 0xa2);
	out8(COUNT, 1);
	out8(LBA_LOW, 3);
	out8(LBA_MID, 1);
	out8(LBA_HIGH, 0);
	out8(STATUS, 0x20);
	read_sector(buf);
	assert_memory_equal(buf, disk[1136], ATA_SECTOR);
	assert_int_equal(in8(LBA_LOW), 4);	/* the next sector */
	out8(LBA_LOW, 0);			/* there is no sector 0 */
	out8(COUNT, 1);
	out8(STATUS, 0x20);
	assert_int_equal(in8(STATUS), 0x41);
}

static void out_of_range_aborts(void **state)
{
	(void)state;
	task_lba(SECTORS, 1);
	out8(STATUS, 0x20);
	assert_true(ata_irq(&drive));
	assert_int_equal(in8(STATUS), 0x41);	/* DRDY ERR */
	assert_int_equal(in8(ERROR), 0x04);	/* ABRT */
	assert_int_equal(reads, 0);
	/* a write past the end fails once the data is in, as on QEMU */
	task_lba(SECTORS - 1, 2);
	out8(STATUS, 0x30);
	for (int i = 0; i < 2 * ATA_SECTOR; i += 2)
		out16(DATA, 0x5555);
	assert_int_equal(writes, 1);
	assert_int_equal(in8(STATUS), 0x41);
	assert_int_equal(disk[SECTORS - 1][0], 0x55);
	out8(STATUS, 0xc8);		/* READ DMA: not without a bus master */
	assert_int_equal(in8(STATUS), 0x41);
	assert_int_equal(in8(ERROR), 0x04);
	out8(STATUS, 0xe7);		/* FLUSH CACHE: fine */
	assert_int_equal(in8(STATUS), 0x50);
}

static void busy_task_file_is_locked(void **state)
{
	(void)state;
	task_lba(5, 1);
	out8(STATUS, 0x30);
	out8(LBA_LOW, 99);		/* ignored while DRQ */
	out8(STATUS, 0x20);		/* ignored too */
	assert_int_equal(in8(LBA_LOW), 5);
	for (int i = 0; i < ATA_SECTOR; i += 2)
		out16(DATA, 0x0101);
	assert_int_equal(disk[5][0], 1);
	assert_int_equal(in8(STATUS), 0x50);
}

static void interrupts_reset_and_slave(void **state)
{
	(void)state;
	out8(CONTROL, 0x02);		/* nIEN */
	out8(STATUS, 0xec);
	assert_false(ata_irq(&drive));
	out8(CONTROL, 0x00);
	assert_true(ata_irq(&drive));	/* still pending */
	assert_int_equal(in8(CONTROL), 0x58);
	assert_true(ata_irq(&drive));	/* alternate status: no side effect */
	out8(CONTROL, 0x04);		/* SRST */
	assert_int_equal(in8(CONTROL), 0x80);
	out8(CONTROL, 0x00);
	assert_int_equal(in8(STATUS), 0x50);
	assert_int_equal(in8(LBA_MID), 0);
	assert_int_equal(in8(COUNT), 1);
	assert_int_equal(in16(DATA), 0);	/* the IDENTIFY was cut off */
	out8(DEVICE, 0xb0);		/* the slave: not there */
	assert_int_equal(in8(STATUS), 0);
	assert_int_equal(in8(CONTROL), 0);
	out8(STATUS, 0xec);
	out8(DEVICE, 0xa0);
	assert_int_equal(in8(STATUS), 0x50);	/* the master did nothing */
}

/* LBA28 addresses 0x0fffffff sectors at most, as QEMU reports (words 60-61). */
static void largest_disk(void **state)
{
	uint8_t id[ATA_SECTOR];

	(void)state;
	ata_init(&drive, 1u << 28);
	out8(STATUS, 0xec);
	read_sector(id);
	assert_int_equal(id[120] | id[121] << 8 | id[122] << 16 | id[123] << 24,
			 0x0fffffff);
	assert_int_equal(id[2] | id[3] << 8, 16383);	/* cylinders, capped */
}

static void no_drive_reads_zero(void **state)
{
	(void)state;
	ata_init(&drive, 0);
	assert_int_equal(in8(STATUS), 0);
	assert_int_equal(in8(CONTROL), 0);
	assert_int_equal(in8(LBA_MID), 0);
	out8(STATUS, 0xec);
	assert_int_equal(in16(DATA), 0);
	assert_false(ata_irq(&drive));
	assert_int_equal(ata_read(&drive, &io, 0x1f8, 1), 0xff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(power_on_state, setup),
		cmocka_unit_test_setup(identify_device, setup),
		cmocka_unit_test_setup(write_then_read_back, setup),
		cmocka_unit_test_setup(full_datastore_holds_the_write, setup),
		cmocka_unit_test_setup(dword_transfers_and_count_zero, setup),
		cmocka_unit_test_setup(chs_addressing, setup),
		cmocka_unit_test_setup(out_of_range_aborts, setup),
		cmocka_unit_test_setup(busy_task_file_is_locked, setup),
		cmocka_unit_test_setup(interrupts_reset_and_slave, setup),
		cmocka_unit_test_setup(largest_disk, setup),
		cmocka_unit_test_setup(no_drive_reads_zero, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
