/*
 * storage.c - the VMKernel's storage stack (see storage.h): requests from
 * a VM's VMM reach the VM's disk file on its datastore.
 */
#include <stdio.h>

#include "event.h"
#include "sim.h"
#include "status.h"
#include "vm.h"
#include "vmkernel/storage.h"

int storage_create_disk(const char *datastore, const char *name,
			const char *image, uint32_t mb, struct vmfs_disk **out,
			char *err, size_t errlen)
{
	int rc;

	if (image != NULL)
		return vmfs_disk_import(datastore, name, image, VMFS_DATA_MAX,
					out, err, errlen);
	rc = vmfs_disk_create(datastore, name, (uint64_t)mb << 11, out);
	if (rc != SIM_OK)
		snprintf(err, errlen, "a blank disk of %u MiB on %s: %s", mb,
			 datastore, sim_strerror(rc));
	return rc;
}

void storage_event(struct vm *vm, int vcpu, int op, int layer, uint32_t lba,
		   uint32_t n, uint16_t host)
{
	struct event ev = { .kind = EV_DISK };

	ev.u.disk.op = (uint8_t)op;
	ev.u.disk.layer = (uint8_t)(layer < 0 ? 0 : layer);
	ev.u.disk.host = host;
	ev.u.disk.lba = lba;
	ev.u.disk.n = n;
	vm_emit(vm, vcpu, &ev);
}

static uint16_t host_id(const struct vm *vm)
{
	return vm->host ? (uint16_t)vm->host->id : EVENT_NO_HOST;
}

int storage_read(struct vm *vm, int vcpu, uint64_t lba,
		 uint8_t buf[VMFS_SECTOR])
{
	int from, rc;

	if (vm->disk == NULL)
		return SIM_ENOTFOUND;
	rc = vmfs_read(vm->disk, lba, buf, &from);
	if (rc == SIM_OK)	/* the file that held it (never written: base) */
		storage_event(vm, vcpu, DISK_READ, from, (uint32_t)lba, 1,
			      host_id(vm));
	return rc;
}

int storage_write(struct vm *vm, int vcpu, uint64_t lba,
		  const uint8_t buf[VMFS_SECTOR])
{
	int rc;

	if (vm->disk == NULL)
		return SIM_ENOTFOUND;
	rc = vmfs_write(vm->disk, lba, buf);
	if (rc == SIM_OK || rc == SIM_ENOSPC)	/* the newest file of the chain */
		storage_event(vm, vcpu, rc == SIM_OK ? DISK_WRITE : DISK_NO_SPACE,
			      vmfs_layers(vm->disk) - 1, (uint32_t)lba, 1,
			      host_id(vm));
	return rc;
}

void storage_no_space_text(const struct vm *vm, char *buf, size_t size)
{
	char file[128] = "its disk";

	if (vm->disk != NULL)
		storage_file_path(vm->disk, vmfs_layers(vm->disk) - 1, file,
				  sizeof file);
	snprintf(buf, size, "There is no more space for virtual disk %s. You might be able to continue this session by freeing disk space on the relevant volume, and clicking Retry. Click Cancel to terminate this session.",
		 file);
}

void storage_file_path(const struct vmfs_disk *d, int layer, char *buf,
		       size_t size)
{
	char file[2 * VMFS_NAME_MAX + 16];

	vmfs_layer_file(d, layer, file, sizeof file);
	snprintf(buf, size, "[%s] %s/%s", vmfs_datastore(d), vmfs_name(d), file);
}

void storage_event_text(struct sim *s, const struct event *ev, char *buf,
			size_t size)
{
	struct vm *vm = ev->vm == EVENT_NO_VM ? NULL : sim_vm(s, ev->vm);
	struct host *h = ev->u.disk.host == EVENT_NO_HOST ? NULL :
			 sim_host(s, ev->u.disk.host);
	const char *who = h ? h->name : "the backup proxy";
	char file[128] = "its disk";

	if (vm != NULL && vm->disk != NULL)
		storage_file_path(vm->disk, ev->u.disk.layer, file, sizeof file);
	switch (ev->u.disk.op) {
	case DISK_READ:
	case DISK_WRITE:
		snprintf(buf, size, "disk %s sector %u: vmm > vmkernel (%s) > %s",
			 ev->u.disk.op == DISK_READ ? "read" : "write",
			 ev->u.disk.lba, who, file);
		break;
	case DISK_SNAPSHOT:
		snprintf(buf, size, "snapshot: %s takes the writes; its parent is read-only",
			 file);
		break;
	case DISK_REVERT:
		snprintf(buf, size, "revert: %u sectors written since the snapshot dropped; %s starts empty",
			 ev->u.disk.n, file);
		break;
	case DISK_CONSOLIDATE:
		snprintf(buf, size, "consolidate: %u sectors of %s merged into its parent",
			 ev->u.disk.n, file);
		break;
	case DISK_QUIESCE:
		snprintf(buf, size, "backup: quiesce (no VMware Tools in the guest: the snapshot is crash-consistent)");
		break;
	case DISK_UNQUIESCE:
		snprintf(buf, size, "backup: unquiesce: the guest's writes go on, into the snapshot's delta");
		break;
	case DISK_MOUNT:
		snprintf(buf, size, "backup: %s mounts %s and its parents off the SAN (LAN-free)",
			 who, file);
		break;
	case DISK_COPY:
		snprintf(buf, size, "backup: %s copies sectors %u-%u of the frozen disk",
			 who, ev->u.disk.lba, ev->u.disk.lba + ev->u.disk.n - 1);
		break;
	case DISK_UNMOUNT:
		snprintf(buf, size, "backup: %s unmounts the frozen disk", who);
		break;
	case DISK_REFUSED:
		if (ev->u.disk.n == DISK_REFUSED_QUESTION)
			snprintf(buf, size, "snapshot refused: %s is paused with a question pending (its datastore is full); answer it first",
				 vm ? vm->name : "the VM");
		else
			snprintf(buf, size, "backup refused: %s is on local datastore %s; the proxy reads disks over the SAN and cannot see it",
				 file, vm && vm->disk ? vmfs_datastore(vm->disk) : "?");
		break;
	case DISK_NO_SPACE:
		snprintf(buf, size, "disk write sector %u: vmm > vmkernel (%s) > %s: the datastore is full; the write is held and the VM paused",
			 ev->u.disk.lba, who, file);
		break;
	default:
		snprintf(buf, size, "disk: %s", disk_op_name((enum disk_op)ev->u.disk.op));
		break;
	}
}
