/*
 * vmfs.h - virtual disk files on a datastore, as the VMKernel's file
 * system (VMFS) keeps them: a base disk and a chain of delta disks.
 *
 * In ESX a VM's disk is a file on a datastore (a LUN formatted with VMFS,
 * or an NFS share).  Every host that mounts the datastore can open the
 * file, which is what lets VMotion move only memory and HA restart a VM
 * on another host [src: VMware, "VMware Virtual Machine File System:
 * Technical Overview and Best Practices", 2007].
 *
 * A snapshot freezes the disk: the file becomes read-only and a new,
 * empty *delta disk* (vm-000001-delta.vmdk) takes the writes.  A read
 * looks in the newest delta first, then in each parent down to the base.
 * Removing a snapshot *consolidates*: the delta above it is written into
 * its parent and disappears [src: VMware KB 1015180, "Understanding
 * virtual machine snapshots in VMware ESXi and ESX"].
 *
 *     layer 0  vm0-flat.vmdk          the base disk (read-only once snapped)
 *     layer 1  vm0-000001-delta.vmdk  made by snapshot 1; holds writes after it
 *     layer 2  vm0-000002-delta.vmdk  made by snapshot 2; takes writes now
 *
 * The state a snapshot keeps is every layer *below* the delta it made.
 * VMware keeps snapshots as a tree (reverting and writing starts a
 * branch); ringside keeps one chain, so reverting to an older snapshot
 * deletes the snapshots taken after it.
 *
 * Each layer is sparse, like a VMDK sparse extent: a grain directory
 * points to grain tables, which point to grains; a grain never written is
 * not stored and a read falls through to the parent (or reads zeros at
 * the base) [src: VMware, "Virtual Disk Format 5.0", 2011].  Here a grain
 * is one 512-byte sector, as in ESX's vmfsSparse delta disks, whose
 * "block allocation unit size" is 512 bytes [src: Cormac Hogan (VMware),
 * on vSphere 5.1's SE Sparse disks, cormachogan.com].
 */
#ifndef SIM_VMFS_H
#define SIM_VMFS_H

#include <stddef.h>
#include <stdint.h>

#define VMFS_SECTOR 512
#define VMFS_NAME_MAX 32		/* disk, datastore and snapshot names */
#define VMFS_MAX_LAYERS 32		/* the base and up to 31 deltas */
#define VMFS_MAX_SECTORS (1ull << 28)	/* LBA28: 128 GiB */

struct vmfs_disk;

/*
 * A new disk of `sectors` zeroed sectors, file `name` on `datastore`
 * (SIM_EINVAL for a size of 0 or above VMFS_MAX_SECTORS, or a name that
 * does not fit).  Costs nothing until written.
 */
int vmfs_disk_create(const char *datastore, const char *name,
		     uint64_t sectors, struct vmfs_disk **out);

/*
 * The most data a disk may hold, in bytes: its datastore's room for it.
 * ringside keeps a disk in memory, one grain per sector that is not all
 * zeros (imported) or that the guest wrote, so a dense image of the 128
 * GiB an IDE disk may hold was read whole into memory, and a guest that
 * writes every sector of a big blank disk grew the host's memory until it
 * ran out.  Holes and sectors never written cost nothing (a sparse 128 GiB
 * image is fine); the guests ringside runs use a few MiB
 * (scenarios/guests/disk.img: 1).  Every layer counts, the base and its
 * deltas, as every file of a VM takes room on its datastore.  A guest
 * write past it finds the datastore full: vmfs_write says SIM_ENOSPC, and
 * the VM is paused as ESX pauses it (storage.h).
 */
#define VMFS_DATA_MAX (64ull << 20)

/*
 * A disk holding a copy of the raw image file `image` (its size rounded
 * up to whole sectors).  The file is only read.  An image with more than
 * max_bytes of data (VMFS_DATA_MAX; tests give less) is refused,
 * SIM_EFORMAT, once that much has been read; max_bytes stays the disk's
 * room (vmfs_set_room).  On failure err names the file and what is wrong
 * with it.
 */
int vmfs_disk_import(const char *datastore, const char *name,
		     const char *image, uint64_t max_bytes,
		     struct vmfs_disk **out, char *err, size_t errlen);

void vmfs_disk_destroy(struct vmfs_disk *d);

uint64_t vmfs_sectors(const struct vmfs_disk *d);
const char *vmfs_datastore(const struct vmfs_disk *d);
const char *vmfs_name(const struct vmfs_disk *d);

/* Layers in the chain now (1: no snapshot). */
int vmfs_layers(const struct vmfs_disk *d);

/* The file name of layer i ("vm0-flat.vmdk", "vm0-000001-delta.vmdk"). */
void vmfs_layer_file(const struct vmfs_disk *d, int layer, char *buf,
		     size_t size);

/*
 * Read sector lba as the guest sees it now (every layer).  *from (may be
 * NULL) gets the layer that held it, or -1 for a sector never written.
 * SIM_EINVAL past the end.
 */
int vmfs_read(const struct vmfs_disk *d, uint64_t lba,
	      uint8_t out[VMFS_SECTOR], int *from);

/* Read sector lba as the first `depth` layers hold it (a frozen view). */
int vmfs_read_view(const struct vmfs_disk *d, int depth, uint64_t lba,
		   uint8_t out[VMFS_SECTOR]);

/*
 * Write sector lba into the top layer (the only writable one).
 * SIM_ENOSPC, nothing written, if the sector needs a new grain and the
 * disk holds its room's worth already (a sector the top layer holds is
 * rewritten in place, at no cost).
 */
int vmfs_write(struct vmfs_disk *d, uint64_t lba,
	       const uint8_t in[VMFS_SECTOR]);

/*
 * The room the disk may fill, in bytes (VMFS_DATA_MAX when created; whole
 * sectors).  Less than it holds already is allowed: the next new grain is
 * refused.  A scenario or a test makes the datastore small, or frees room.
 */
void vmfs_set_room(struct vmfs_disk *d, uint64_t bytes);
uint64_t vmfs_room(const struct vmfs_disk *d);

/* Bytes the disk holds: its grains in every layer, times VMFS_SECTOR. */
uint64_t vmfs_data_bytes(const struct vmfs_disk *d);

/*
 * Take snapshot `name`: the top layer becomes read-only, a new empty
 * delta goes on top.  SIM_EINVAL for a name in use or too long, SIM_ESTATE
 * when the chain is full.
 */
int vmfs_snapshot(struct vmfs_disk *d, const char *name);

/* The layer snapshot `name` made (1..layers-1), or -1. */
int vmfs_find_snapshot(const struct vmfs_disk *d, const char *name);

/* The name of the snapshot that made layer i (i >= 1). */
const char *vmfs_snapshot_name(const struct vmfs_disk *d, int layer);

/*
 * Go back to snapshot `name`: the writes since it are dropped (and the
 * snapshots after it, with their deltas); its delta starts empty again.
 * *dropped (may be NULL) gets the sectors thrown away.
 */
int vmfs_revert(struct vmfs_disk *d, const char *name, uint64_t *dropped);

/*
 * Remove snapshot `name` and consolidate: its delta's sectors are written
 * into the parent, and the delta goes.  What the guest sees does not
 * change.  *merged (may be NULL) gets the sectors copied.
 */
int vmfs_consolidate(struct vmfs_disk *d, const char *name,
		     uint64_t *merged);

/* Sectors stored in layer i (grains allocated). */
uint64_t vmfs_layer_sectors(const struct vmfs_disk *d, int layer);

/*
 * FNV-1a (64-bit) over every byte of the view of the first `depth`
 * layers (0: all of them): equal views, equal sums.
 */
uint64_t vmfs_checksum(const struct vmfs_disk *d, int depth);

/* The whole chain, to put back later (history.c). */
struct vmfs_state;
int vmfs_state_save(const struct vmfs_disk *d, struct vmfs_state **out);
int vmfs_state_load(struct vmfs_disk *d, const struct vmfs_state *st);
void vmfs_state_free(struct vmfs_state *st);

#endif
