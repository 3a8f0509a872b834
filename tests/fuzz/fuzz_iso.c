/*
 * fuzz_iso.c - libFuzzer target: the CD-ROM drive (sim/vmx/dev_atapi*.c)
 * with any bytes as its ISO image file.  The disc check accepts it or
 * refuses it with a message naming the file; an accepted disc is then
 * read as a guest would (scenarios/guests/cdrom.c): INQUIRY and READ
 * CAPACITY, the primary volume descriptor at sector 16, the root
 * directory it points to, the first sector of each file listed there -
 * every READ must give the image's own bytes - and a few commands made of
 * the image's bytes (sector 17: any CDB, byte count limit and ATA command
 * a hostile guest could send), each abandoned part-way or drained.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "status.h"
#include "vmx/dev_atapi.h"

#define BLOCKS_MAX 64		/* DRQ blocks read per command, at most */

static const uint8_t *image;	/* the input, to check what READ gives */
static size_t image_size;

/* The host's side of one PACKET command: data in out (cap bytes kept). */
static size_t packet(struct atapi *a, const uint8_t cdb[12], uint16_t limit,
		     uint8_t *out, size_t cap)
{
	size_t got = 0;

	atapi_write(a, ATAPI_PORT + 6, 1, 0xa0);	/* the master */
	atapi_write(a, ATAPI_PORT + 1, 1, 0);		/* PIO */
	atapi_write(a, ATAPI_PORT + 4, 1, limit & 0xff);
	atapi_write(a, ATAPI_PORT + 5, 1, limit >> 8);
	atapi_write(a, ATAPI_PORT + 7, 1, 0xa0);	/* PACKET */
	for (int i = 0; i < 6; i++)
		atapi_write(a, ATAPI_PORT, 2, cdb[2 * i] | cdb[2 * i + 1] << 8);
	for (int b = 0; b < BLOCKS_MAX; b++) {
		uint32_t n;

		if (!(atapi_read(a, ATAPI_PORT + 7, 1) & 0x08))
			break;				/* no DRQ: status */
		n = atapi_read(a, ATAPI_PORT + 4, 1) |
		    atapi_read(a, ATAPI_PORT + 5, 1) << 8;
		for (uint32_t k = 0; k < n; k += 2) {
			uint32_t w = atapi_read(a, ATAPI_PORT, 2);

			if (got + 2 <= cap) {
				out[got] = (uint8_t)w;
				out[got + 1] = (uint8_t)(w >> 8);
			}
			got += 2;
		}
		(void)atapi_irq(a);
	}
	atapi_read(a, ATAPI_PORT + 7, 1);		/* acknowledge */
	return got;
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* READ(10) of count sectors at lba; the bytes must be the image's. */
static void read_check(struct atapi *a, uint32_t lba, uint16_t count,
		       uint8_t *buf, size_t cap)
{
	uint8_t cdb[12] = { 0x28, 0, (uint8_t)(lba >> 24), (uint8_t)(lba >> 16),
			    (uint8_t)(lba >> 8), (uint8_t)lba, 0,
			    (uint8_t)(count >> 8), (uint8_t)count };
	size_t got = packet(a, cdb, 0xfffe, buf, cap);
	uint64_t at = (uint64_t)lba * ATAPI_SECTOR;

	if (got > cap)
		got = cap;
	if (got > 0 && (at + got > image_size || memcmp(buf, image + at, got) != 0))
		abort();		/* READ gave bytes the disc does not hold */
}

static void walk(struct atapi *a)
{
	static uint8_t buf[4 * ATAPI_SECTOR];
	uint8_t cdb[12] = { 0x12, 0, 0, 0, 96 };	/* INQUIRY */
	uint32_t root, root_len;

	packet(a, cdb, 96, buf, sizeof buf);
	memset(cdb, 0, sizeof cdb);
	cdb[0] = 0x25;					/* READ CAPACITY */
	packet(a, cdb, 8, buf, sizeof buf);
	read_check(a, 16, 1, buf, ATAPI_SECTOR);	/* the PVD */
	root = le32(image + 16 * ATAPI_SECTOR + 156 + 2);
	root_len = le32(image + 16 * ATAPI_SECTOR + 156 + 10);
	if (root_len > sizeof buf)
		root_len = sizeof buf;
	read_check(a, root, (uint16_t)((root_len + ATAPI_SECTOR - 1) / ATAPI_SECTOR),
		   buf, sizeof buf);
	/* ECMA-119 9.1: length, ..., extent at 2, size at 10, name at 33 */
	for (uint32_t off = 0, files = 0; off + 34 <= root_len && files < 16;) {
		static uint8_t file[ATAPI_SECTOR];
		uint8_t len = buf[off];

		if (len < 34) {		/* to the next sector, or the end */
			off = (off / ATAPI_SECTOR + 1) * ATAPI_SECTOR;
			continue;
		}
		if (le32(buf + off + 10) != 0)
			read_check(a, le32(buf + off + 2), 1, file, sizeof file);
		files++;
		off += len;
	}
}

/* Commands made of the image's own bytes: what a hostile guest sends. */
static void hostile(struct atapi *a)
{
	static uint8_t buf[4 * ATAPI_SECTOR];
	const uint8_t *p = image + 17 * ATAPI_SECTOR;

	if (image_size < 18 * ATAPI_SECTOR)
		return;
	for (int i = 0; i < 4; i++, p += 16) {
		packet(a, p, (uint16_t)(p[12] | p[13] << 8), buf, sizeof buf);
		atapi_write(a, ATAPI_PORT + 7, 1, p[14]);	/* any command */
		atapi_write(a, ATAPI_CTRL_PORT, 1, p[15]);	/* reset, nIEN */
		atapi_read(a, ATAPI_PORT + (p[15] & 7), 1 + (p[14] & 3));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct atapi a;
	char err[512];
	FILE *f;

	if (path[0] == '\0')
		snprintf(path, sizeof path, "/tmp/ringside-fuzz-%d.iso", (int)getpid());
	f = fopen(path, "wb");
	if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	if (atapi_open(&a, path, err, sizeof err) != SIM_OK) {
		if (strncmp(err, path, strlen(path)) != 0)
			abort();
		return 0;
	}
	image = data;
	image_size = size;
	walk(&a);
	hostile(&a);
	atapi_close(&a);
	return 0;
}
