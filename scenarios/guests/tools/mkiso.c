/*
 * mkiso.c - write a small ISO 9660 CD-ROM image: one root directory,
 * a few files.  A host program (built with the host cc by guests.mk), so
 * the bundled CD-ROM guest needs no genisoimage or xorriso.
 *
 * Usage: mkiso -o OUT.iso [-V VOLUME_ID] FILE...
 *   Each FILE goes into the root directory under its base name in upper
 *   case with version ";1" (readme.txt -> README.TXT;1).  Names must fit
 *   ISO 9660 level 1: 1-8 characters, optionally a dot and 1-3 more, of
 *   A-Z 0-9 and _.  The image is reproducible: every date is fixed.
 *
 * The layout (ECMA-119, 2nd edition, 1987; sectors of 2048 bytes):
 *   0-15   system area (zeros: for a boot loader we do not have)
 *   16     primary volume descriptor: "CD001", volume size, the root
 *   17     volume descriptor set terminator
 *   18     path table, little-endian (every directory, for fast lookup)
 *   19     path table, big-endian (the standard wants both byte orders)
 *   20     the root directory: one "directory record" per entry
 *   21...  the files' contents, each starting on a new sector
 * Multi-byte numbers are mostly stored "both-endian": little-endian then
 * big-endian copies, so either kind of CPU reads them directly.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECTOR 2048
#define PVD_LBA 16
#define ROOT_LBA 20
#define FIRST_FILE_LBA 21
#define MAX_FILES 32
#define NAME_MAX_LEN 12		/* "NAMENAME.EXT" */

struct file {
	char name[NAME_MAX_LEN + 3];	/* on the disc, with ";1" */
	unsigned char *data;
	uint32_t size;
	uint32_t lba;
};

static void le16(unsigned char *p, uint32_t v) { p[0] = v & 0xff; p[1] = v >> 8 & 0xff; }
static void be16(unsigned char *p, uint32_t v) { p[0] = v >> 8 & 0xff; p[1] = v & 0xff; }
static void le32(unsigned char *p, uint32_t v) { le16(p, v & 0xffff); le16(p + 2, v >> 16); }
static void be32(unsigned char *p, uint32_t v) { be16(p, v >> 16); be16(p + 2, v & 0xffff); }
static void both16(unsigned char *p, uint32_t v) { le16(p, v); be16(p + 2, v); }
static void both32(unsigned char *p, uint32_t v) { le32(p, v); be32(p + 4, v); }

static void pad(unsigned char *p, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(*s ? *s++ : ' ');
}

static uint32_t sectors_for(uint32_t bytes)
{
	return (bytes + SECTOR - 1) / SECTOR;
}

/* A directory record (ECMA-119 9.1); returns its length (even). */
static size_t dir_record(unsigned char *p, const char *id, size_t idlen,
			 uint32_t lba, uint32_t size, int is_dir)
{
	size_t len = 33 + idlen + (idlen % 2 == 0);	/* pad to even */

	memset(p, 0, len);
	p[0] = (unsigned char)len;
	both32(p + 2, lba);
	both32(p + 10, size);
	/* recorded 2024-01-01 00:00:00 UTC: years since 1900, month, ... */
	p[18] = 124; p[19] = 1; p[20] = 1;
	p[25] = is_dir ? 0x02 : 0x00;			/* flags: directory */
	both16(p + 28, 1);				/* volume sequence 1 */
	p[32] = (unsigned char)idlen;
	memcpy(p + 33, id, idlen);
	return len;
}

/* A 17-byte date (ECMA-119 8.4.26.1): digits, hundredths, zone. */
static void date17(unsigned char *p, const char *digits)
{
	memcpy(p, digits, 16);
	p[16] = 0;					/* GMT */
}

static void primary_descriptor(unsigned char *s, const char *volid,
			       uint32_t total, uint32_t root_size)
{
	s[0] = 1;					/* primary */
	memcpy(s + 1, "CD001", 5);
	s[6] = 1;					/* version */
	pad(s + 8, 32, "RINGSIDE");			/* system id */
	pad(s + 40, 32, volid);				/* volume id */
	both32(s + 80, total);				/* volume size */
	both16(s + 120, 1);				/* volume set size */
	both16(s + 124, 1);				/* sequence number */
	both16(s + 128, SECTOR);			/* block size */
	both32(s + 132, 10);				/* path table bytes */
	le32(s + 140, ROOT_LBA - 2);			/* L path table */
	be32(s + 148, ROOT_LBA - 1);			/* M path table */
	dir_record(s + 156, "\0", 1, ROOT_LBA, root_size, 1);
	pad(s + 190, 128, "");				/* volume set */
	pad(s + 318, 128, "");				/* publisher */
	pad(s + 446, 128, "");				/* preparer */
	pad(s + 574, 128, "RINGSIDE MKISO");		/* application */
	pad(s + 702, 37 * 3, "");			/* three file ids */
	date17(s + 813, "2024010100000000");		/* created */
	date17(s + 830, "2024010100000000");		/* modified */
	date17(s + 847, "0000000000000000");		/* expires: never */
	date17(s + 864, "0000000000000000");		/* effective: now */
	s[881] = 1;					/* structure version */
}

/* The path table: a single entry, the root (number 1, its own parent). */
static void path_table(unsigned char *s, int big_endian)
{
	s[0] = 1;					/* identifier length */
	if (big_endian) {
		be32(s + 2, ROOT_LBA);
		be16(s + 6, 1);
	} else {
		le32(s + 2, ROOT_LBA);
		le16(s + 6, 1);
	}
}

/* The disc name of a file: basename, upper case, level 1, ";1". */
static int disc_name(const char *path, char *out)
{
	const char *base = strrchr(path, '/');
	size_t n, stem = 0, ext = 0;
	int dot = 0;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n == 0 || n > NAME_MAX_LEN)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)base[i];

		if (c == '.' && !dot) {
			dot = 1;
		} else if (isalnum(c) || c == '_') {
			if (dot)
				ext++;
			else
				stem++;
		} else {
			return -1;
		}
		out[i] = (char)toupper(c);
	}
	if (stem < 1 || stem > 8 || ext > 3 || (dot && ext == 0))
		return -1;
	strcpy(out + n, ";1");
	return 0;
}

static int load(const char *path, struct file *f)
{
	FILE *in = fopen(path, "rb");
	long size;

	if (in == NULL || fseek(in, 0, SEEK_END) != 0 || (size = ftell(in)) < 0 ||
	    fseek(in, 0, SEEK_SET) != 0) {
		fprintf(stderr, "mkiso: %s: %s\n", path, strerror(errno));
		if (in)
			fclose(in);
		return -1;
	}
	f->size = (uint32_t)size;
	f->data = malloc(size ? (size_t)size : 1);
	if (f->data == NULL || fread(f->data, 1, (size_t)size, in) != (size_t)size) {
		fprintf(stderr, "mkiso: %s: cannot read\n", path);
		fclose(in);
		return -1;
	}
	fclose(in);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct file *)a)->name, ((const struct file *)b)->name);
}

static int usage(void)
{
	fprintf(stderr, "usage: mkiso -o OUT.iso [-V VOLUME_ID] FILE...\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct file files[MAX_FILES];
	const char *out = NULL, *volid = "RINGSIDE";
	unsigned char *img;
	uint32_t total, nfiles = 0, lba = FIRST_FILE_LBA;
	size_t at;
	FILE *o;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
			out = argv[++i];
		} else if (strcmp(argv[i], "-V") == 0 && i + 1 < argc) {
			volid = argv[++i];
		} else if (argv[i][0] == '-' || nfiles == MAX_FILES) {
			return usage();
		} else {
			struct file *f = &files[nfiles++];

			if (disc_name(argv[i], f->name) != 0) {
				fprintf(stderr, "mkiso: %s: not an ISO 9660 level 1 "
					"name (8.3, letters, digits, _)\n", argv[i]);
				return 1;
			}
			if (load(argv[i], f) != 0)
				return 1;
		}
	}
	if (out == NULL || nfiles == 0 || strlen(volid) > 32)
		return usage();
	qsort(files, nfiles, sizeof files[0], by_name);	/* 9.3: sorted */
	for (uint32_t i = 0; i < nfiles; i++) {
		files[i].lba = lba;
		lba += sectors_for(files[i].size) ? sectors_for(files[i].size) : 1;
	}
	total = lba;
	img = calloc(total, SECTOR);
	if (img == NULL) {
		fprintf(stderr, "mkiso: out of memory\n");
		return 1;
	}
	primary_descriptor(img + PVD_LBA * SECTOR, volid, total, SECTOR);
	img[17 * SECTOR] = 255;				/* terminator */
	memcpy(img + 17 * SECTOR + 1, "CD001", 5);
	img[17 * SECTOR + 6] = 1;
	path_table(img + 18 * SECTOR, 0);
	path_table(img + 19 * SECTOR, 1);
	at = ROOT_LBA * SECTOR;				/* ".", "..", files */
	at += dir_record(img + at, "\0", 1, ROOT_LBA, SECTOR, 1);
	at += dir_record(img + at, "\1", 1, ROOT_LBA, SECTOR, 1);
	for (uint32_t i = 0; i < nfiles; i++) {
		size_t n = strlen(files[i].name);

		if (at + 33 + n + 1 > (ROOT_LBA + 1) * SECTOR) {
			fprintf(stderr, "mkiso: too many files for one directory sector\n");
			return 1;
		}
		at += dir_record(img + at, files[i].name, n, files[i].lba,
				 files[i].size, 0);
		memcpy(img + (size_t)files[i].lba * SECTOR, files[i].data, files[i].size);
	}
	o = fopen(out, "wb");
	if (o == NULL || fwrite(img, SECTOR, total, o) != total || fclose(o) != 0) {
		fprintf(stderr, "mkiso: %s: %s\n", out, strerror(errno));
		return 1;
	}
	for (uint32_t i = 0; i < nfiles; i++)
		free(files[i].data);
	free(img);
	return 0;
}
