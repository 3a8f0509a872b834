/*
 * vmfs.c - a VM's disk file and its delta disks (see vmfs.h).
 *
 * A layer is a sparse extent: a grain directory of grain tables of
 * GT_SECTORS grains each, a grain being one sector.  Reading walks the
 * chain from the top; writing allocates a grain in the top layer.
 *
 * Grains are shared, copy-on-write: a saved chain (a checkpoint) and a
 * consolidation hold the same grains as the layers they came from, each
 * grain counting its holders, and a write to a shared grain copies it
 * first.  So a checkpoint of a disk costs its tables, not its data.
 */
#define _GNU_SOURCE	/* lseek's SEEK_DATA and SEEK_HOLE (glibc names them so) */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "status.h"
#include "vmkernel/vmfs.h"

#define GT_SECTORS 4096u	/* grains per grain table */

/* One sector's worth of data, shared by every layer that holds it. */
struct grain {
	uint32_t refs;			/* layers (and saved chains) holding it */
	uint8_t data[VMFS_SECTOR];
};

struct vmfs_layer {
	char snapshot[VMFS_NAME_MAX];	/* the snapshot that made it ("" base) */
	struct grain ***gd;		/* grain directory: tables, or NULL */
	uint64_t grains;		/* sectors stored in this layer */
};

struct vmfs_disk {
	char datastore[VMFS_NAME_MAX];
	char name[VMFS_NAME_MAX];
	uint64_t sectors;
	uint64_t room;			/* most grains, in every layer (vmfs_set_room) */
	uint32_t ntables;		/* grain directory entries */
	int nlayers;
	struct vmfs_layer layer[VMFS_MAX_LAYERS];
};

/* ---- one layer ---- */

static int layer_init(struct vmfs_layer *l, uint32_t ntables,
		      const char *snapshot)
{
	memset(l, 0, sizeof *l);
	snprintf(l->snapshot, sizeof l->snapshot, "%s", snapshot);
	l->gd = calloc(ntables, sizeof *l->gd);
	return l->gd ? SIM_OK : SIM_ENOMEM;
}

/* A holder lets go of a grain; the last one frees it. */
static void grain_unref(struct grain *g)
{
	if (g != NULL && --g->refs == 0)
		free(g);
}

static void layer_free(struct vmfs_layer *l, uint32_t ntables)
{
	if (l->gd == NULL)
		return;
	for (uint32_t t = 0; t < ntables; t++) {
		if (l->gd[t] == NULL)
			continue;
		for (uint32_t g = 0; g < GT_SECTORS; g++)
			grain_unref(l->gd[t][g]);
		free(l->gd[t]);
	}
	free(l->gd);
	l->gd = NULL;
	l->grains = 0;
}

static const uint8_t *grain(const struct vmfs_layer *l, uint64_t lba)
{
	struct grain **gt = l->gd[lba / GT_SECTORS];
	struct grain *g = gt ? gt[lba % GT_SECTORS] : NULL;

	return g ? g->data : NULL;
}

/* The slot of lba's grain in l, its table made if need be (NULL: no memory). */
static struct grain **slot(struct vmfs_layer *l, uint64_t lba)
{
	struct grain ***gt = &l->gd[lba / GT_SECTORS];

	if (*gt == NULL && (*gt = calloc(GT_SECTORS, sizeof **gt)) == NULL)
		return NULL;
	return &(*gt)[lba % GT_SECTORS];
}

/*
 * The grain for lba in l, ready to be written: allocated (zeroed) if it
 * is not there yet, copied first if another holder shares it.
 */
static uint8_t *grain_alloc(struct vmfs_layer *l, uint64_t lba)
{
	struct grain **g = slot(l, lba), *own;

	if (g == NULL)
		return NULL;
	if (*g != NULL && (*g)->refs == 1)
		return (*g)->data;
	if ((own = calloc(1, sizeof *own)) == NULL)
		return NULL;
	own->refs = 1;
	if (*g == NULL) {
		l->grains++;
	} else {		/* shared: copy on write */
		memcpy(own->data, (*g)->data, VMFS_SECTOR);
		grain_unref(*g);
	}
	*g = own;
	return own->data;
}

/*
 * Every grain of src goes into dst too (replacing dst's own for the same
 * sectors), shared rather than copied.  *merged counts them.
 */
static int layer_merge(struct vmfs_layer *dst, const struct vmfs_layer *src,
		       uint32_t ntables, uint64_t *merged)
{
	for (uint32_t t = 0; t < ntables; t++) {
		if (src->gd[t] == NULL)
			continue;
		for (uint32_t g = 0; g < GT_SECTORS; g++) {
			struct grain *from = src->gd[t][g], **to;

			if (from == NULL)
				continue;
			if ((to = slot(dst, (uint64_t)t * GT_SECTORS + g)) == NULL)
				return SIM_ENOMEM;
			if (*to == NULL)
				dst->grains++;
			else
				grain_unref(*to);
			from->refs++;
			*to = from;
			(*merged)++;
		}
	}
	return SIM_OK;
}

/* ---- the disk ---- */

static bool name_ok(const char *s)
{
	return s != NULL && s[0] != '\0' && strlen(s) < VMFS_NAME_MAX;
}

int vmfs_disk_create(const char *datastore, const char *name,
		     uint64_t sectors, struct vmfs_disk **out)
{
	struct vmfs_disk *d;

	if (sectors == 0 || sectors > VMFS_MAX_SECTORS || !name_ok(datastore) ||
	    !name_ok(name))
		return SIM_EINVAL;
	if ((d = calloc(1, sizeof *d)) == NULL)
		return SIM_ENOMEM;
	snprintf(d->datastore, sizeof d->datastore, "%s", datastore);
	snprintf(d->name, sizeof d->name, "%s", name);
	d->sectors = sectors;
	d->room = VMFS_DATA_MAX / VMFS_SECTOR;
	d->ntables = (uint32_t)((sectors + GT_SECTORS - 1) / GT_SECTORS);
	d->nlayers = 1;
	if (layer_init(&d->layer[0], d->ntables, "") != SIM_OK) {
		free(d);
		return SIM_ENOMEM;
	}
	*out = d;
	return SIM_OK;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

#define IMPORT_CHUNK (128u * VMFS_SECTOR)	/* bytes per read */

/* Sectors [lba, lba + n) of the image from buf into the base layer,
 * all but the zero ones; SIM_EFORMAT past max_grains of them. */
static int import_chunk(struct vmfs_disk *d, uint64_t lba, const uint8_t *buf,
			uint64_t n, uint64_t max_grains)
{
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *s = buf + i * VMFS_SECTOR;
		uint8_t *g;

		if (all_zero(s, VMFS_SECTOR))
			continue;	/* sparse: zeros are not stored */
		if (d->layer[0].grains == max_grains)
			return SIM_EFORMAT;
		if ((g = grain_alloc(&d->layer[0], lba + i)) == NULL)
			return SIM_ENOMEM;
		memcpy(g, s, VMFS_SECTOR);
	}
	return SIM_OK;
}

/*
 * Copy the image's non-zero sectors into the base layer.  Only the file's
 * data is read: lseek's SEEK_DATA and SEEK_HOLE (Linux 3.1, POSIX 2024)
 * name the extents the file system holds, so a 3 GiB image made by
 * truncate -s costs no read at all (one pread per sector took half a
 * minute for it).  A file system without them reports the whole file as
 * data, which is still correct.
 */
static int import_sectors(struct vmfs_disk *d, int fd, const char *image,
			  uint64_t max_bytes, char *err, size_t errlen)
{
	uint8_t buf[IMPORT_CHUNK];
	off_t size = (off_t)(d->sectors * VMFS_SECTOR), off = 0, end;
	int rc;

	while (off < size) {
		off = lseek(fd, off, SEEK_DATA);
		if (off < 0 && errno == ENXIO)
			return SIM_OK;		/* only a hole is left */
		end = off < 0 ? size : lseek(fd, off, SEEK_HOLE);
		if (off < 0 || end < 0)		/* not supported: read it all */
			off = 0, end = size;
		off -= off % VMFS_SECTOR;	/* whole sectors */
		while (off < end) {
			ssize_t got = pread(fd, buf, sizeof buf, off);

			if (got < 0) {
				snprintf(err, errlen, "%s: %s", image,
					 strerror(errno));
				return SIM_EIO;
			}
			if (got == 0)
				return SIM_OK;	/* the file shrank under us */
			memset(buf + got, 0, sizeof buf - (size_t)got);
			rc = import_chunk(d, (uint64_t)off / VMFS_SECTOR, buf,
					  ((uint64_t)got + VMFS_SECTOR - 1) /
					  VMFS_SECTOR, max_bytes / VMFS_SECTOR);
			if (rc == SIM_EFORMAT)	/* "64 MiB", "1 KiB" */
				snprintf(err, errlen,
					 "%s: more than %llu %s of data (sectors not all zeros): ringside holds a disk in memory; holes and zero sectors cost nothing",
					 image, (unsigned long long)(max_bytes % (1u << 20) ?
								     max_bytes >> 10 : max_bytes >> 20),
					 max_bytes % (1u << 20) ? "KiB" : "MiB");
			if (rc != SIM_OK)
				return rc;
			off += got;
		}
	}
	return SIM_OK;
}

int vmfs_disk_import(const char *datastore, const char *name,
		     const char *image, uint64_t max_bytes,
		     struct vmfs_disk **out, char *err, size_t errlen)
{
	struct stat st;
	uint64_t sectors;
	int fd, rc;

	/* O_NONBLOCK: a FIFO would block the open; it is refused below */
	fd = open(image, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", image, strerror(errno));
		return SIM_EIO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a raw disk image: not a regular file",
			 image);
		close(fd);
		return SIM_EFORMAT;
	}
	sectors = ((uint64_t)st.st_size + VMFS_SECTOR - 1) / VMFS_SECTOR;
	if (sectors == 0 || sectors > VMFS_MAX_SECTORS) {
		snprintf(err, errlen, "%s: not a usable disk image: %lld bytes "
			 "(an IDE disk holds 1 to 2^28 sectors of 512 bytes)",
			 image, (long long)st.st_size);
		close(fd);
		return SIM_EFORMAT;
	}
	rc = vmfs_disk_create(datastore, name, sectors, out);
	if (rc == SIM_OK)
		vmfs_set_room(*out, max_bytes);
	if (rc == SIM_OK &&
	    (rc = import_sectors(*out, fd, image, max_bytes, err, errlen)) != SIM_OK) {
		vmfs_disk_destroy(*out);
		*out = NULL;
	}
	if (rc == SIM_ENOMEM)
		snprintf(err, errlen, "%s: out of memory", image);
	close(fd);
	return rc;
}

void vmfs_disk_destroy(struct vmfs_disk *d)
{
	if (d == NULL)
		return;
	for (int i = 0; i < d->nlayers; i++)
		layer_free(&d->layer[i], d->ntables);
	free(d);
}

uint64_t vmfs_sectors(const struct vmfs_disk *d) { return d->sectors; }
const char *vmfs_datastore(const struct vmfs_disk *d) { return d->datastore; }
const char *vmfs_name(const struct vmfs_disk *d) { return d->name; }
int vmfs_layers(const struct vmfs_disk *d) { return d->nlayers; }

void vmfs_layer_file(const struct vmfs_disk *d, int layer, char *buf,
		     size_t size)
{
	if (layer <= 0)
		snprintf(buf, size, "%s-flat.vmdk", d->name);
	else
		snprintf(buf, size, "%s-%06d-delta.vmdk", d->name, layer);
}

uint64_t vmfs_layer_sectors(const struct vmfs_disk *d, int layer)
{
	return layer >= 0 && layer < d->nlayers ? d->layer[layer].grains : 0;
}

/* Read through the first depth layers, newest first. */
static int read_through(const struct vmfs_disk *d, int depth, uint64_t lba,
			uint8_t out[VMFS_SECTOR], int *from)
{
	if (lba >= d->sectors || depth < 1 || depth > d->nlayers)
		return SIM_EINVAL;
	for (int i = depth - 1; i >= 0; i--) {
		const uint8_t *g = grain(&d->layer[i], lba);

		if (g != NULL) {
			memcpy(out, g, VMFS_SECTOR);
			if (from)
				*from = i;
			return SIM_OK;
		}
	}
	memset(out, 0, VMFS_SECTOR);	/* never written: zeros */
	if (from)
		*from = -1;
	return SIM_OK;
}

int vmfs_read(const struct vmfs_disk *d, uint64_t lba,
	      uint8_t out[VMFS_SECTOR], int *from)
{
	return read_through(d, d->nlayers, lba, out, from);
}

int vmfs_read_view(const struct vmfs_disk *d, int depth, uint64_t lba,
		   uint8_t out[VMFS_SECTOR])
{
	return read_through(d, depth, lba, out, NULL);
}

void vmfs_set_room(struct vmfs_disk *d, uint64_t bytes)
{
	d->room = bytes / VMFS_SECTOR;
}

uint64_t vmfs_room(const struct vmfs_disk *d)
{
	return d->room * VMFS_SECTOR;
}

static uint64_t grains_held(const struct vmfs_disk *d)
{
	uint64_t n = 0;

	for (int i = 0; i < d->nlayers; i++)
		n += d->layer[i].grains;
	return n;
}

uint64_t vmfs_data_bytes(const struct vmfs_disk *d)
{
	return grains_held(d) * VMFS_SECTOR;
}

int vmfs_write(struct vmfs_disk *d, uint64_t lba,
	       const uint8_t in[VMFS_SECTOR])
{
	struct vmfs_layer *top;
	uint8_t *g;

	if (lba >= d->sectors)
		return SIM_EINVAL;
	top = &d->layer[d->nlayers - 1];
	/* a new grain takes room; rewriting one the top layer holds does not
	   (a shared one is copied, but the layer still holds one grain) */
	if (grain(top, lba) == NULL && grains_held(d) >= d->room)
		return SIM_ENOSPC;
	if ((g = grain_alloc(top, lba)) == NULL)
		return SIM_ENOMEM;
	memcpy(g, in, VMFS_SECTOR);
	return SIM_OK;
}

/* ---- snapshots ---- */

int vmfs_find_snapshot(const struct vmfs_disk *d, const char *name)
{
	for (int i = 1; i < d->nlayers; i++)
		if (strcmp(d->layer[i].snapshot, name) == 0)
			return i;
	return -1;
}

const char *vmfs_snapshot_name(const struct vmfs_disk *d, int layer)
{
	return layer >= 1 && layer < d->nlayers ? d->layer[layer].snapshot : "";
}

int vmfs_snapshot(struct vmfs_disk *d, const char *name)
{
	if (!name_ok(name) || vmfs_find_snapshot(d, name) >= 0)
		return SIM_EINVAL;
	if (d->nlayers == VMFS_MAX_LAYERS)
		return SIM_ESTATE;
	if (layer_init(&d->layer[d->nlayers], d->ntables, name) != SIM_OK)
		return SIM_ENOMEM;
	d->nlayers++;
	return SIM_OK;
}

int vmfs_revert(struct vmfs_disk *d, const char *name, uint64_t *dropped)
{
	int k = vmfs_find_snapshot(d, name);
	uint64_t n = 0;

	if (k < 0)
		return SIM_ENOTFOUND;
	/* the deltas from k up hold everything written since the snapshot */
	for (int i = d->nlayers - 1; i >= k; i--) {
		n += d->layer[i].grains;
		layer_free(&d->layer[i], d->ntables);
	}
	d->nlayers = k + 1;
	if (layer_init(&d->layer[k], d->ntables, name) != SIM_OK) {
		d->nlayers = k;		/* still a valid chain, without it */
		return SIM_ENOMEM;
	}
	if (dropped)
		*dropped = n;
	return SIM_OK;
}

int vmfs_consolidate(struct vmfs_disk *d, const char *name, uint64_t *merged)
{
	int k = vmfs_find_snapshot(d, name), rc;
	uint64_t n = 0;

	if (k < 0)
		return SIM_ENOTFOUND;
	rc = layer_merge(&d->layer[k - 1], &d->layer[k], d->ntables, &n);
	if (rc != SIM_OK)
		return rc;
	layer_free(&d->layer[k], d->ntables);
	memmove(&d->layer[k], &d->layer[k + 1],
		(size_t)(d->nlayers - k - 1) * sizeof d->layer[0]);
	d->nlayers--;
	memset(&d->layer[d->nlayers], 0, sizeof d->layer[0]);
	if (merged)
		*merged = n;
	return SIM_OK;
}

uint64_t vmfs_checksum(const struct vmfs_disk *d, int depth)
{
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a offset basis */
	uint8_t buf[VMFS_SECTOR];

	if (depth <= 0 || depth > d->nlayers)
		depth = d->nlayers;
	for (uint64_t lba = 0; lba < d->sectors; lba++) {
		read_through(d, depth, lba, buf, NULL);
		for (size_t i = 0; i < sizeof buf; i++) {
			h ^= buf[i];
			h *= 0x100000001b3ull;	/* FNV prime */
		}
	}
	return h;
}

/* ---- saving the chain (history) ---- */

/* A saved chain is a disk of its own, its grains shared (copy on write). */
struct vmfs_state {
	struct vmfs_disk copy;
};

static int copy_layers(struct vmfs_disk *dst, const struct vmfs_disk *src)
{
	uint64_t n = 0;

	dst->nlayers = 0;
	for (int i = 0; i < src->nlayers; i++) {
		if (layer_init(&dst->layer[i], src->ntables,
			       src->layer[i].snapshot) != SIM_OK)
			return SIM_ENOMEM;
		dst->nlayers = i + 1;
		if (layer_merge(&dst->layer[i], &src->layer[i], src->ntables,
				&n) != SIM_OK)
			return SIM_ENOMEM;
	}
	return SIM_OK;
}

int vmfs_state_save(const struct vmfs_disk *d, struct vmfs_state **out)
{
	struct vmfs_state *st = calloc(1, sizeof *st);

	if (st == NULL)
		return SIM_ENOMEM;
	st->copy = *d;
	if (copy_layers(&st->copy, d) != SIM_OK) {
		vmfs_state_free(st);
		return SIM_ENOMEM;
	}
	*out = st;
	return SIM_OK;
}

int vmfs_state_load(struct vmfs_disk *d, const struct vmfs_state *st)
{
	d->room = st->copy.room;	/* the datastore's room then, too */
	for (int i = 0; i < d->nlayers; i++)
		layer_free(&d->layer[i], d->ntables);
	return copy_layers(d, &st->copy);
}

void vmfs_state_free(struct vmfs_state *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < st->copy.nlayers; i++)
		layer_free(&st->copy.layer[i], st->copy.ntables);
	free(st);
}
