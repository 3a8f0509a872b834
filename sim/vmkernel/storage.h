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
 *
 * A full datastore.  A disk file grows as the guest writes (a sparse or
 * thin disk, a snapshot's delta), and the datastore under it may fill up
 * (here: the disk's room, VMFS_DATA_MAX, vmfs.h).  ESX does not fail the
 * guest's write, which the guest's file system would take for a broken
 * disk: it pauses the VM and asks, in the VM's log and the client,
 *
 *     msg.hbacommon.outofspace: There is no more space for virtual disk
 *     vm0.vmdk. You might be able to continue this session by freeing
 *     disk space on the relevant volume, and clicking Retry. Click Cancel
 *     to terminate this session.
 *
 * [src: VMware KB 1007849 (Broadcom 304464), "Consolidating snapshots in
 * ESX/ESXi 3.x and 4.x", quotes the question for a delta disk, "There is
 * no more space for the redo log of W2003Sbs1-000001.vmdk ... clicking
 * Retry. Otherwise, click Abort to terminate this session."; Broadcom KB
 * 318856, "Troubleshooting ESXi datastore or VMFS volume that is full",
 * lists what fails on a full VMFS; vSphere Storage (6.5, 7.0, "thin
 * provision integration"): "the host pauses virtual machines and
 * generates an out-of-space alarm".  No source found quotes the question
 * for a base disk: ringside asks KB 1007849's, naming the disk, with
 * Cancel for Abort].  The write that found no room
 * is neither lost nor half done: the controller holds it (dev_ata.c) and
 * the VM waits in VM_PAUSED, with a DISK_NO_SPACE event and an EV_POWER
 * of reason POWER_NO_SPACE.  A headless run ends there, exit status 1,
 * with the question's text; the TUI shows "VM PAUSED (no disk space)".
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
 * SIM_EINVAL past the end, SIM_ENOTFOUND if the VM has no disk;
 * storage_write: SIM_ENOSPC, nothing written and a DISK_NO_SPACE event,
 * when the datastore is full (the caller holds the write and pauses).
 */
int storage_read(struct vm *vm, int vcpu, uint64_t lba,
		 uint8_t buf[VMFS_SECTOR]);
int storage_write(struct vm *vm, int vcpu, uint64_t lba,
		  const uint8_t buf[VMFS_SECTOR]);

/*
 * The question a VM paused by a full datastore asks (ESX's words, above),
 * naming the disk file that has no room.
 */
void storage_no_space_text(const struct vm *vm, char *buf, size_t size);

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
