/* test_dev_atapi.c - dev_atapi.h against ATA/ATAPI-4, SFF-8020i and SPC/MMC: registers, packets, sense, bad images. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmx/dev_atapi.h"
#include "status.h"

enum {
	DATA = 0x170, ERROR = 0x171, COUNT = 0x172, LBA_LOW = 0x173,
	LBA_MID = 0x174, LBA_HIGH = 0x175, DEVICE = 0x176, STATUS = 0x177,
	CONTROL = 0x376,
};

#define SECTORS 24
#define SECTOR 2048

/* The byte at offset i of sector lba of our test disc. */
static uint8_t disc_byte(uint32_t lba, uint32_t i)
{
	return (uint8_t)(lba * 7 + i * 3 + (i >> 8));
}

/* A temporary image of `sectors` sectors; pvd: put "CD001" at sector 16. */
static void make_image(char *path, size_t sectors, int pvd)
{
	uint8_t s[SECTOR];
	FILE *f;
	int fd;

	strcpy(path, "/tmp/ringside-atapi-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "wb");
	assert_non_null(f);
	for (uint32_t lba = 0; lba < sectors; lba++) {
		for (uint32_t i = 0; i < SECTOR; i++)
			s[i] = disc_byte(lba, i);
		if (lba == 16 && pvd)
			memcpy(s, "\001CD001\001", 7);
		assert_int_equal(fwrite(s, 1, SECTOR, f), SECTOR);
	}
	assert_int_equal(fclose(f), 0);
}

static struct atapi drive;
static char image[64];

static int setup(void **state)
{
	char err[256];

	(void)state;
	make_image(image, SECTORS, 1);
	if (atapi_open(&drive, image, err, sizeof err) != SIM_OK)
		return -1;
	atapi_write(&drive, DEVICE, 1, 0xa0);		/* select the master */
	atapi_write(&drive, CONTROL, 1, 0x00);		/* interrupts on */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	atapi_close(&drive);
	unlink(image);
	return 0;
}

static uint8_t rd(struct atapi *a, uint16_t port) { return (uint8_t)atapi_read(a, port, 1); }
static void wr(struct atapi *a, uint16_t port, uint8_t v) { atapi_write(a, port, 1, v); }

/* PACKET with a byte count limit, then the 12 command bytes. */
static void send_packet(struct atapi *a, const uint8_t cdb[12], uint16_t limit)
{
	wr(a, ERROR, 0);
	wr(a, LBA_MID, (uint8_t)limit);
	wr(a, LBA_HIGH, (uint8_t)(limit >> 8));
	wr(a, STATUS, 0xa0);
	assert_int_equal(rd(a, CONTROL), 0x58);		/* DRQ: send the packet */
	assert_int_equal(rd(a, COUNT) & 3, 1);		/* C/D = 1, I/O = 0 */
	assert_false(atapi_irq(a));
	for (int i = 0; i < 12; i += 2)
		atapi_write(a, DATA, 2, (uint32_t)(cdb[i] | cdb[i + 1] << 8));
}

/* Read every DRQ block into buf; returns bytes read, *blocks counted. */
static size_t read_blocks(struct atapi *a, uint8_t *buf, size_t max, int *blocks)
{
	size_t total = 0;

	*blocks = 0;
	while (rd(a, CONTROL) & 0x08) {
		uint32_t n = rd(a, LBA_MID) | rd(a, LBA_HIGH) << 8;

		assert_int_equal(rd(a, COUNT) & 3, 2);	/* data to the host */
		assert_true(atapi_irq(a));
		assert_int_equal(rd(a, STATUS), 0x58);	/* clears the interrupt */
		assert_false(atapi_irq(a));
		for (uint32_t i = 0; i < n; i += 2) {
			uint16_t w = (uint16_t)atapi_read(a, DATA, 2);

			if (total + i < max)
				buf[total + i] = (uint8_t)w;
			if (total + i + 1 < max && i + 1 < n)
				buf[total + i + 1] = (uint8_t)(w >> 8);
		}
		total += n;
		(*blocks)++;
	}
	return total;
}

/* The status phase: ERR clear, C/D = I/O = 1, an interrupt. */
static void expect_good(struct atapi *a)
{
	assert_int_equal(rd(a, CONTROL), 0x50);
	assert_int_equal(rd(a, COUNT) & 3, 3);
	assert_true(atapi_irq(a));
	assert_int_equal(rd(a, STATUS), 0x50);
	assert_false(atapi_irq(a));
}

/* CHECK CONDITION with sense key and code, as REQUEST SENSE reports. */
static void expect_sense(struct atapi *a, uint8_t key, uint8_t asc)
{
	static const uint8_t sense_cdb[12] = { 0x03, 0, 0, 0, 18 };
	uint8_t sense[18];
	int blocks;

	assert_int_equal(rd(a, STATUS), 0x41);		/* DRDY, ERR */
	assert_int_equal(rd(a, ERROR), key << 4);
	assert_int_equal(rd(a, COUNT) & 3, 3);
	send_packet(a, sense_cdb, 18);
	assert_int_equal(read_blocks(a, sense, sizeof sense, &blocks), 18);
	expect_good(a);
	assert_int_equal(sense[0], 0x70);
	assert_int_equal(sense[2], key);
	assert_int_equal(sense[7], 10);
	assert_int_equal(sense[12], asc);
}

static void read10(struct atapi *a, uint32_t lba, uint16_t n, uint16_t limit)
{
	uint8_t cdb[12] = { 0x28, 0, (uint8_t)(lba >> 24), (uint8_t)(lba >> 16),
			    (uint8_t)(lba >> 8), (uint8_t)lba, 0, (uint8_t)(n >> 8), (uint8_t)n };
	send_packet(a, cdb, limit);
}

/* What SeaBIOS leaves on QEMU: the slave selected, the master ready. */
static void post_bios_state(void **state)
{
	struct atapi a;

	(void)state;
	memset(&a, 0x5a, sizeof a);
	atapi_init_empty(&a);
	assert_int_equal(a.fd, -1);
	assert_int_equal(rd(&a, DEVICE), 0xb0);
	assert_int_equal(rd(&a, STATUS), 0x00);		/* no slave: reads 0 */
	assert_int_equal(rd(&a, CONTROL), 0x00);
	assert_int_equal(atapi_read(&a, DATA, 2), 0);
	wr(&a, DEVICE, 0x00);
	assert_int_equal(rd(&a, DEVICE), 0xa0);		/* bits 7, 5 read 1 */
	assert_int_equal(rd(&a, STATUS), 0x50);
	assert_int_equal(rd(&a, ERROR), 0x00);
	assert_false(atapi_irq(&a));
	atapi_close(&a);
}

/* SRST: busy while held, then the ATAPI signature. */
static void software_reset(void **state)
{
	(void)state;
	wr(&drive, CONTROL, 0x06);
	assert_int_equal(rd(&drive, CONTROL), 0x80);	/* BSY */
	wr(&drive, STATUS, 0xa1);			/* ignored in reset */
	assert_int_equal(rd(&drive, CONTROL), 0x80);
	wr(&drive, CONTROL, 0x02);
	assert_int_equal(rd(&drive, STATUS), 0x00);	/* DRDY clear: ATAPI */
	assert_int_equal(rd(&drive, ERROR), 0x01);
	assert_int_equal(atapi_read(&drive, COUNT, 4), 0xeb140101);	/* 4 ports */
	assert_false(atapi_irq(&drive));
	wr(&drive, CONTROL, 0x00);
}

static void identify(void **state)
{
	uint16_t id[256];

	(void)state;
	wr(&drive, STATUS, 0xa1);
	assert_true(atapi_irq(&drive));
	assert_int_equal(rd(&drive, STATUS), 0x58);
	for (int i = 0; i < 256; i += 2) {		/* 32-bit reads: two words */
		uint32_t v = atapi_read(&drive, DATA, 4);

		id[i] = (uint16_t)v;
		id[i + 1] = (uint16_t)(v >> 16);
	}
	assert_int_equal(rd(&drive, STATUS), 0x50);
	assert_int_equal(atapi_read(&drive, DATA, 2), 0);	/* no more data */
	assert_int_equal(id[0], 0x85c0);
	assert_int_equal(id[49] & 0x0300, 0x0200);	/* LBA, no DMA */
	assert_int_equal(id[27], 'R' << 8 | 'I');	/* "RI" "NG" ... */
	assert_int_equal(id[28], 'N' << 8 | 'G');
	/* IDENTIFY DEVICE is for disks: aborted, with the signature */
	wr(&drive, STATUS, 0xec);
	assert_int_equal(rd(&drive, STATUS), 0x41);
	assert_int_equal(rd(&drive, ERROR), 0x04);
	assert_int_equal(rd(&drive, LBA_MID), 0x14);
	assert_int_equal(rd(&drive, LBA_HIGH), 0xeb);
	/* so is any command a CD-ROM does not have (READ SECTORS) */
	wr(&drive, STATUS, 0x20);
	assert_int_equal(rd(&drive, STATUS), 0x41);
	assert_int_equal(rd(&drive, ERROR), 0x04);
	wr(&drive, STATUS, 0xef);			/* SET FEATURES: fine */
	assert_int_equal(rd(&drive, STATUS), 0x50);
}

static void inquiry_and_capacity(void **state)
{
	static const uint8_t inq[12] = { 0x12, 0, 0, 0, 36 };
	static const uint8_t inq5[12] = { 0x12, 0, 0, 0, 5 };
	static const uint8_t cap[12] = { 0x25 };
	uint8_t buf[64];
	int blocks;

	(void)state;
	send_packet(&drive, inq, 0x1000);
	assert_int_equal(read_blocks(&drive, buf, sizeof buf, &blocks), 36);
	expect_good(&drive);
	assert_int_equal(buf[0], 0x05);			/* CD-ROM */
	assert_int_equal(buf[1], 0x80);			/* removable */
	assert_memory_equal(buf + 8, "RINGSIDE", 8);
	/* the allocation length cuts the reply, even to an odd size */
	send_packet(&drive, inq5, 0x1000);
	assert_int_equal(read_blocks(&drive, buf, sizeof buf, &blocks), 5);
	expect_good(&drive);
	send_packet(&drive, cap, 8);
	assert_int_equal(read_blocks(&drive, buf, sizeof buf, &blocks), 8);
	expect_good(&drive);
	assert_memory_equal(buf, "\0\0\0\x17\0\0\x08\0", 8);	/* last LBA 23, 2048 */
	/* TEST UNIT READY: no data, good status */
	static const uint8_t tur[12] = { 0x00 };
	send_packet(&drive, tur, 0);
	expect_good(&drive);
}

/* READ(10): one DRQ block per byte count limit, bytes from the image. */
static void read_sectors(void **state)
{
	static uint8_t buf[4 * SECTOR];
	static const struct { uint16_t limit; int blocks; uint32_t size; } cases[] = {
		{ 2048, 3, 2048 }, { 0xffff, 1, 6144 }, { 1000, 7, 1000 },
		{ 1001, 7, 1000 }, { 4096, 2, 4096 },
	};
	int blocks;

	(void)state;
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		memset(buf, 0, sizeof buf);
		read10(&drive, 5, 3, cases[c].limit);
		assert_int_equal(rd(&drive, LBA_MID) | rd(&drive, LBA_HIGH) << 8, cases[c].size);
		assert_int_equal(read_blocks(&drive, buf, sizeof buf, &blocks), 3 * SECTOR);
		assert_int_equal(blocks, cases[c].blocks);
		expect_good(&drive);
		for (uint32_t i = 0; i < 3 * SECTOR; i++)
			if (buf[i] != disc_byte(5 + i / SECTOR, i % SECTOR))
				fail_msg("limit %u: byte %u", cases[c].limit, i);
	}
	/* READ(12), the last sector; and a READ of nothing */
	uint8_t r12[12] = { 0xa8, 0, 0, 0, 0, SECTORS - 1, 0, 0, 0, 1 };
	send_packet(&drive, r12, SECTOR);
	assert_int_equal(read_blocks(&drive, buf, sizeof buf, &blocks), SECTOR);
	expect_good(&drive);
	assert_int_equal(buf[100], disc_byte(SECTORS - 1, 100));
	read10(&drive, 3, 0, SECTOR);
	expect_good(&drive);
}

/* Errors a driver must expect, each answered with sense data. */
static void check_conditions(void **state)
{
	static const uint8_t bogus[12] = { 0xff };
	static const uint8_t inq[12] = { 0x12, 0, 0, 0, 36 };

	(void)state;
	read10(&drive, SECTORS, 1, SECTOR);			/* past the end */
	expect_sense(&drive, 5, 0x21);
	read10(&drive, SECTORS - 2, 3, SECTOR);			/* runs past it */
	expect_sense(&drive, 5, 0x21);
	read10(&drive, 0xffffffff, 2, SECTOR);			/* wraps */
	expect_sense(&drive, 5, 0x21);
	send_packet(&drive, bogus, SECTOR);			/* unknown */
	expect_sense(&drive, 5, 0x20);
	send_packet(&drive, inq, 0);				/* no byte count */
	expect_sense(&drive, 5, 0x24);
	/* a good command clears the sense */
	static const uint8_t tur[12] = { 0x00 };
	send_packet(&drive, tur, 0);
	expect_good(&drive);
	static const uint8_t sense_cdb[12] = { 0x03, 0, 0, 0, 18 };
	uint8_t sense[18];
	int blocks;
	send_packet(&drive, sense_cdb, 18);
	assert_int_equal(read_blocks(&drive, sense, sizeof sense, &blocks), 18);
	assert_int_equal(sense[2], 0);
	expect_good(&drive);
	/* DMA was not asked for by this driver: PACKET with it is aborted */
	wr(&drive, ERROR, 0x01);
	wr(&drive, STATUS, 0xa0);
	assert_int_equal(rd(&drive, STATUS), 0x41);
	assert_int_equal(rd(&drive, ERROR), 0x04);
}

/* Protocol misuse: commands during DRQ, data when none, the slave. */
static void protocol(void **state)
{
	struct atapi_regs before;
	uint8_t buf[SECTOR];
	int blocks;

	(void)state;
	read10(&drive, 2, 1, SECTOR);
	wr(&drive, STATUS, 0xa1);				/* ignored: DRQ */
	assert_int_equal(rd(&drive, LBA_MID) | rd(&drive, LBA_HIGH) << 8, SECTOR);
	/* a checkpoint mid-transfer: the copy goes on identically */
	for (int i = 0; i < 100; i++)
		atapi_read(&drive, DATA, 2);
	before = drive.r;
	uint16_t w1 = (uint16_t)atapi_read(&drive, DATA, 2);
	drive.r = before;
	assert_int_equal(atapi_read(&drive, DATA, 2), w1);
	assert_int_equal(w1, disc_byte(2, 200) | disc_byte(2, 201) << 8);
	/* DEVICE RESET stops it */
	wr(&drive, STATUS, 0x08);
	assert_int_equal(rd(&drive, STATUS), 0x00);
	assert_int_equal(rd(&drive, LBA_HIGH), 0xeb);
	assert_int_equal(atapi_read(&drive, DATA, 2), 0);
	assert_int_equal(rd(&drive, DATA), 0xff);		/* 8-bit data port */
	/* the slave is absent: its registers read 0, commands are ignored */
	wr(&drive, DEVICE, 0xb0);
	assert_int_equal(rd(&drive, STATUS), 0);
	assert_int_equal(rd(&drive, LBA_HIGH), 0);
	wr(&drive, STATUS, 0xa1);
	wr(&drive, DEVICE, 0xa0);
	assert_int_equal(rd(&drive, STATUS), 0x00);		/* not started */
	/* nIEN hides the interrupt line, not the request */
	wr(&drive, CONTROL, 0x02);
	read10(&drive, 1, 1, SECTOR);
	assert_false(atapi_irq(&drive));
	wr(&drive, CONTROL, 0x00);
	assert_true(atapi_irq(&drive));
	assert_int_equal(read_blocks(&drive, buf, sizeof buf, &blocks), SECTOR);
	expect_good(&drive);
}

/* Ports that are not the drive's, and bad sizes: all ones, no effect. */
static void bad_ports(void **state)
{
	static const uint16_t ports[] = { 0x16c, 0x178, 0x372, 0x377, 0x1f7, 0 };
	struct atapi_regs before = drive.r;

	(void)state;
	for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++) {
		assert_int_equal(atapi_read(&drive, ports[i], 1), 0xff);
		assert_int_equal(atapi_read(&drive, ports[i], 2), 0xffff);
		assert_int_equal(atapi_read(&drive, ports[i], 4), 0xffffffff);
		atapi_write(&drive, ports[i], 1, 0x08);
		atapi_write(&drive, ports[i], 4, 0x08080808);
	}
	assert_int_equal(atapi_read(&drive, STATUS, 3), 0xffffffff);
	assert_int_equal(atapi_read(&drive, DATA, 0), 0xffffffff);
	atapi_write(&drive, STATUS, 3, 0xa1);
	atapi_write(&drive, STATUS, -1, 0xa1);
	assert_memory_equal(&drive.r, &before, sizeof before);
}

/* The image shrinks under a READ: MEDIUM ERROR, not a crash. */
static void medium_error(void **state)
{
	uint8_t buf[4 * SECTOR];
	int blocks;

	(void)state;
	read10(&drive, 20, 3, SECTOR);
	assert_int_equal(truncate(image, 21 * SECTOR), 0);
	assert_int_equal(read_blocks(&drive, buf, sizeof buf, &blocks), SECTOR);
	expect_sense(&drive, 3, 0x11);
}

/* No disc: commands that need one answer NOT READY, MEDIUM NOT PRESENT. */
static void empty_drive(void **state)
{
	static const uint8_t tur[12] = { 0x00 };
	static const uint8_t cap[12] = { 0x25 };
	static const uint8_t inq[12] = { 0x12, 0, 0, 0, 36 };
	struct atapi a;
	uint8_t buf[64];
	int blocks;

	(void)state;
	atapi_init_empty(&a);
	wr(&a, DEVICE, 0xa0);
	send_packet(&a, tur, 0);
	expect_sense(&a, 2, 0x3a);
	send_packet(&a, cap, 8);
	expect_sense(&a, 2, 0x3a);
	read10(&a, 16, 1, SECTOR);
	expect_sense(&a, 2, 0x3a);
	send_packet(&a, inq, 36);			/* needs no disc */
	assert_int_equal(read_blocks(&a, buf, sizeof buf, &blocks), 36);
	expect_good(&a);
	atapi_close(&a);
	atapi_close(&a);				/* twice is fine */
}

/* Images that are missing or not ISO 9660: a clear one-line error. */
static void bad_images(void **state)
{
	char path[64], err[256];
	struct atapi a;
	FILE *f;

	(void)state;
	assert_int_equal(atapi_open(&a, "/nonexistent/disc.iso", err, sizeof err), SIM_EIO);
	assert_non_null(strstr(err, "/nonexistent/disc.iso"));
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(a.fd, -1);

	make_image(path, 20, 0);			/* no "CD001" */
	assert_int_equal(atapi_open(&a, path, err, sizeof err), SIM_EFORMAT);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "CD001"));
	assert_int_equal(a.fd, -1);
	unlink(path);

	make_image(path, 10, 1);			/* too short for sector 16 */
	assert_int_equal(atapi_open(&a, path, err, sizeof err), SIM_EFORMAT);
	assert_non_null(strstr(err, "sector 16"));
	unlink(path);

	make_image(path, 20, 1);
	f = fopen(path, "ab");
	assert_non_null(f);
	fputs("tail", f);				/* 4 bytes too many */
	fclose(f);
	assert_int_equal(atapi_open(&a, path, err, sizeof err), SIM_EFORMAT);
	assert_non_null(strstr(err, "2048"));
	assert_null(strchr(err, '\n'));
	unlink(path);

	make_image(path, 0, 0);				/* empty file */
	assert_int_equal(atapi_open(&a, path, err, sizeof err), SIM_EFORMAT);
	unlink(path);

	assert_int_not_equal(atapi_open(&a, "/tmp", err, sizeof err), SIM_OK);
	assert_int_equal(a.fd, -1);

	make_image(path, 17, 1);			/* just enough */
	assert_int_equal(atapi_open(&a, path, err, sizeof err), SIM_OK);
	assert_int_equal(a.sectors, 17);
	assert_string_equal(a.path, path);
	atapi_close(&a);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(post_bios_state),
		cmocka_unit_test_setup_teardown(software_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(identify, setup, teardown),
		cmocka_unit_test_setup_teardown(inquiry_and_capacity, setup, teardown),
		cmocka_unit_test_setup_teardown(read_sectors, setup, teardown),
		cmocka_unit_test_setup_teardown(check_conditions, setup, teardown),
		cmocka_unit_test_setup_teardown(protocol, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_ports, setup, teardown),
		cmocka_unit_test_setup_teardown(medium_error, setup, teardown),
		cmocka_unit_test(empty_drive),
		cmocka_unit_test(bad_images),
	};

	return cmocka_run_group_tests_name("dev_atapi", tests, NULL, NULL);
}
