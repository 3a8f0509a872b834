/*
 * snapshot.c - a VM's snapshots (see snapshot.h): names in order, each
 * with its delta disk (vmfs.c) and perhaps its running state (vm_snap.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "status.h"
#include "vm.h"
#include "vm_snap.h"
#include "vmkernel/storage.h"
#include "vmkernel/vmkernel_sched.h"
#include "vmx/snapshot.h"

struct snapshot {
	char name[VMFS_NAME_MAX];
	struct vm_snap *mem;		/* the running state, or NULL */
};

/* A VM's snapshots, oldest first: snapshot i made delta disk i + 1. */
struct snapshots {
	int n;
	struct snapshot s[SNAPSHOT_MAX];
};

static int find(const struct vm *vm, const char *name)
{
	for (int i = 0; vm->snaps != NULL && i < vm->snaps->n; i++)
		if (strcmp(vm->snaps->s[i].name, name) == 0)
			return i;
	return -1;
}

/* Say why in err, and return rc. */
static int refuse(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

bool snapshot_question_pending(const struct vm *vm, char *err,
			       size_t errlen)
{
	if (vm->state != VM_PAUSED)
		return false;
	snprintf(err, errlen,
		 "%s is paused with a question pending (its datastore is full): answer it (Retry or Cancel) before a snapshot",
		 vm->name);
	return true;
}

/* Refuse a snapshot of a paused VM, with an event saying why. */
static bool refuse_paused(struct vm *vm, char *err, size_t errlen)
{
	if (!snapshot_question_pending(vm, err, errlen))
		return false;
	storage_event(vm, -1, DISK_REFUSED,
		      vm->disk ? vmfs_layers(vm->disk) - 1 : 0, 0,
		      DISK_REFUSED_QUESTION, (uint16_t)vm->host->id);
	return true;
}

int snapshot_take(struct vm *vm, const char *name, bool memory, char *err,
		  size_t errlen)
{
	struct snapshot *sn;
	int rc;

	if (name == NULL || name[0] == '\0' || strlen(name) >= VMFS_NAME_MAX)
		return refuse(err, errlen, SIM_EINVAL,
			      "a snapshot name has 1 to %d characters",
			      VMFS_NAME_MAX - 1);
	if (vm->modelled || (vm->disk == NULL && !memory))
		return refuse(err, errlen, SIM_EINVAL,
			      "%s has no disk: a snapshot of it needs its memory",
			      vm->name);
	if (find(vm, name) >= 0)
		return refuse(err, errlen, SIM_EINVAL,
			      "%s already has a snapshot named %s", vm->name, name);
	if (refuse_paused(vm, err, errlen))
		return SIM_ESTATE;
	if (vm->snaps == NULL && (vm->snaps = calloc(1, sizeof *vm->snaps)) == NULL)
		return SIM_ENOMEM;
	if (vm->snaps->n == SNAPSHOT_MAX)
		return refuse(err, errlen, SIM_ESTATE,
			      "%s has as many snapshots as a chain can hold",
			      vm->name);
	sn = &vm->snaps->s[vm->snaps->n];
	memset(sn, 0, sizeof *sn);
	snprintf(sn->name, sizeof sn->name, "%s", name);
	if (memory && (rc = vm_snap_save(vm, &sn->mem)) != SIM_OK)
		return rc;
	if (vm->disk != NULL && (rc = vmfs_snapshot(vm->disk, name)) != SIM_OK) {
		vm_snap_free(sn->mem);
		return refuse(err, errlen, rc, "%s: %s", vm->name, sim_strerror(rc));
	}
	vm->snaps->n++;
	if (vm->disk != NULL)
		storage_event(vm, -1, DISK_SNAPSHOT, vmfs_layers(vm->disk) - 1,
			      0, 0, (uint16_t)vm->host->id);
	return SIM_OK;
}

/* Forget snapshots i and later (their deltas are the disk's business). */
static void drop_from(struct vm *vm, int i)
{
	for (int j = i; j < vm->snaps->n; j++)
		vm_snap_free(vm->snaps->s[j].mem);
	vm->snaps->n = i;
}

int snapshot_revert(struct vm *vm, const char *name, char *err,
		    size_t errlen)
{
	int i = find(vm, name), rc;
	uint64_t dropped = 0;
	bool was_on = vm->state == VM_ON;
	struct vm_snap *mem;

	if (i < 0)
		return refuse(err, errlen, SIM_ENOTFOUND,
			      "%s has no snapshot named %s", vm->name, name);
	if (refuse_paused(vm, err, errlen))
		return SIM_ESTATE;
	mem = vm->snaps->s[i].mem;
	if (vm->disk != NULL) {
		rc = vmfs_revert(vm->disk, name, &dropped);
		if (rc != SIM_OK)
			return refuse(err, errlen, rc, "%s: %s", vm->name,
				      sim_strerror(rc));
		storage_event(vm, -1, DISK_REVERT, vmfs_layers(vm->disk) - 1,
			      0, (uint32_t)dropped, (uint16_t)vm->host->id);
	}
	vm->snaps->s[i].mem = NULL;	/* kept: the snapshot stays */
	drop_from(vm, i + 1);
	vm->snaps->s[i].mem = mem;
	if (mem == NULL) {		/* no memory state: the VM is off */
		vm_power_off(vm, POWER_USER, 0);
		return SIM_OK;
	}
	if ((rc = vm_snap_load(vm, mem)) != SIM_OK) {
		vm_power_off(vm, POWER_USER, 0);
		return refuse(err, errlen, rc, "%s: the memory state did not load (%s)",
			      vm->name, sim_strerror(rc));
	}
	if (!was_on && vm->state == VM_ON)	/* its worlds run again */
		vmkernel_vm_powered_on(vm->host->vmk, vm, sim_now_ns(vm->sim));
	return SIM_OK;
}

int snapshot_remove(struct vm *vm, const char *name, char *err,
		    size_t errlen)
{
	int i = find(vm, name), rc;
	uint64_t merged = 0;

	if (i < 0)
		return refuse(err, errlen, SIM_ENOTFOUND,
			      "%s has no snapshot named %s", vm->name, name);
	if (vm->disk != NULL) {
		int layer = vmfs_find_snapshot(vm->disk, name);

		rc = vmfs_consolidate(vm->disk, name, &merged);
		if (rc != SIM_OK)
			return refuse(err, errlen, rc, "%s: %s", vm->name,
				      sim_strerror(rc));
		storage_event(vm, -1, DISK_CONSOLIDATE, layer, 0,
			      (uint32_t)merged, (uint16_t)vm->host->id);
	}
	vm_snap_free(vm->snaps->s[i].mem);
	memmove(&vm->snaps->s[i], &vm->snaps->s[i + 1],
		(size_t)(vm->snaps->n - i - 1) * sizeof vm->snaps->s[0]);
	vm->snaps->n--;
	return SIM_OK;
}

int snapshot_count(const struct vm *vm)
{
	return vm->snaps ? vm->snaps->n : 0;
}

const char *snapshot_name(const struct vm *vm, int i)
{
	return i >= 0 && i < snapshot_count(vm) ? vm->snaps->s[i].name : NULL;
}

bool snapshot_has_memory(const struct vm *vm, int i)
{
	return i >= 0 && i < snapshot_count(vm) && vm->snaps->s[i].mem != NULL;
}

void snapshot_free_all(struct vm *vm)
{
	if (vm->snaps == NULL)
		return;
	drop_from(vm, 0);
	free(vm->snaps);
	vm->snaps = NULL;
}
