/*
 * storage.h - the VMKernel's storage stack: how a VM's disk I/O reaches
 * the disk file on its datastore.
 *
 * In ESX the guest's disk driver programs a virtual controller that the
 * VMM emulates (here the ATA controller, dev_ata.c).  The VMM turns each
 * command into a request to the VMKernel, whose storage stack finds the
 * VM's virtual disk file on its VMFS datastore and reads or writes the
 * blocks of the LUN underneath [src: VMware, "ESX Server 3 Configuration
 * Guide", storage chapters; VMFS technical overview, 2007].  The path of
 * one sector:
 *
 *     guest driver > VMM (controller registers) > VMKernel (storage stack,
 *     VMFS) > datastore (the LUN, shared by every host of the cluster)
 *
 * Because the file is on shared storage, not on the host, any host that
 * mounts the datastore can serve the same disk: VMotion moves only the
 * memory and CPU state, and a backup proxy can read a snapshot of the
 * disk without the host's help (sim/cluster/vcb.c).
 *
 * Every request is an EV_DISK event naming the file that served it.
 */
#ifndef SIM_STORAGE_H
#define SIM_STORAGE_H

#include <stddef.h>
#include <stdint.h>

#include "vmkernel/vmfs.h"

/* ESX names the first local VMFS volume it creates "datastore1". */
#define STORAGE_DEFAULT_DATASTORE "datastore1"

struct vm;
struct event;
struct sim;

/*
 * The disk file of VM `name` on `datastore`: a copy of the raw image
 * `image`, or (image NULL) a blank disk of `mb` MiB.  On failure err
 * names the file and the problem.
 */
int storage_create_disk(const char *datastore, const char *name,
			const char *image, uint32_t mb, struct vmfs_disk **out,
			char *err, size_t errlen);

/*
 * One sector of vm's disk, for vCPU vcpu's request: read from (or written
 * to) the disk file by the VMKernel of the VM's host; an EV_DISK event.
 * SIM_EINVAL past the end, SIM_ENOTFOUND if the VM has no disk.
 */
int storage_read(struct vm *vm, int vcpu, uint64_t lba,
		 uint8_t buf[VMFS_SECTOR]);
int storage_write(struct vm *vm, int vcpu, uint64_t lba,
		  const uint8_t buf[VMFS_SECTOR]);

/* An EV_DISK event about vm's disk (op: enum disk_op), at the VM's time. */
void storage_event(struct vm *vm, int vcpu, int op, int layer,
		   uint32_t lba, uint32_t n, uint16_t host);

/*
 * "[datastore1] vm0/vm0-000001-delta.vmdk": where layer `layer` of the
 * VM's disk lives, as vSphere writes a datastore path.
 */
void storage_file_path(const struct vmfs_disk *d, int layer, char *buf,
		       size_t size);

/* An EV_DISK event in words, for the trace (trace.c). */
void storage_event_text(struct sim *s, const struct event *ev, char *buf,
			size_t size);

#endif
