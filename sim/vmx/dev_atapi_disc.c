/*
 * dev_atapi_disc.c - the disc in the CD-ROM drive: an ISO 9660 image file,
 * checked when it goes in and read a 2048-byte sector at a time (pread,
 * read-only: nothing the guest does can change the file).  The drive's
 * registers and commands are dev_atapi.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmx/dev_atapi.h"
#include "status.h"

void atapi_close(struct atapi *a)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	a->sectors = 0;
}

/* Is this an ISO 9660 image?  0, or a status with err filled in. */
static int check_image(struct atapi *a, const char *path, char *err,
		       size_t errlen)
{
	uint8_t pvd[ATAPI_SECTOR];
	struct stat st;
	off_t size;

	if (fstat(a->fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not an ISO 9660 image: not a regular file",
			 path);
		return SIM_EFORMAT;
	}
	size = lseek(a->fd, 0, SEEK_END);
	if (size < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return SIM_EIO;
	}
	if (size == 0 || size % ATAPI_SECTOR != 0) {
		snprintf(err, errlen, "%s: not an ISO 9660 image: %lld bytes "
			 "is not a whole number of 2048-byte sectors", path,
			 (long long)size);
		return SIM_EFORMAT;
	}
	a->sectors = (uint64_t)size / ATAPI_SECTOR;
	if (a->sectors > 16) {
		ssize_t got = pread(a->fd, pvd, sizeof pvd, 16 * ATAPI_SECTOR);

		if (got < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return SIM_EIO;
		}
		/* ECMA-119 8.4: type 1, "CD001", version 1 */
		if (got == ATAPI_SECTOR && pvd[0] == 1 &&
		    memcmp(pvd + 1, "CD001", 5) == 0 && pvd[6] == 1)
			return SIM_OK;
	}
	snprintf(err, errlen, "%s: not an ISO 9660 image: no primary volume "
		 "descriptor (\"CD001\") at sector 16", path);
	return SIM_EFORMAT;
}

int atapi_open(struct atapi *a, const char *iso_path, char *err,
	       size_t errlen)
{
	int rc;

	atapi_init_empty(a);
	/* O_NONBLOCK: a FIFO would block the open; check_image refuses it */
	a->fd = open(iso_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (a->fd < 0) {
		snprintf(err, errlen, "%s: %s", iso_path, strerror(errno));
		return SIM_EIO;
	}
	rc = check_image(a, iso_path, err, errlen);
	if (rc != SIM_OK) {
		atapi_close(a);
		return rc;
	}
	snprintf(a->path, sizeof a->path, "%s", iso_path);
	return SIM_OK;
}
