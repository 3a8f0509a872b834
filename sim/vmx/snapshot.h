/*
 * snapshot.h - VM snapshots: the disk frozen in a delta chain, and
 * optionally the running state beside it.
 *
 * Taking a snapshot in ESX: the VMX stuns the VM, asks the VMKernel to
 * make the disk file read-only and put an empty delta disk on top (writes
 * go there from now on; reads look there first), and, if asked, writes
 * the memory and device state to a .vmsn file.  Reverting throws the
 * writes since away; with the memory state the guest goes on from the
 * very instruction it was at, without it the VM is powered off (as ESX
 * does: its disk is as at the snapshot, its memory is gone).  Removing a
 * snapshot consolidates: the delta is written into its parent [src:
 * VMware KB 1015180, "Understanding virtual machine snapshots"; vSphere
 * Virtual Machine Administration guide, "Managing snapshots"].
 *
 * Here the memory state is a vm_snap (vm_snap.h) held in the simulator;
 * the disk part is vmfs.c's chain, one delta per snapshot.  Every step is
 * an EV_DISK event (snapshot, revert, consolidate).
 */
#ifndef SIM_SNAPSHOT_H
#define SIM_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>

#define SNAPSHOT_MAX 31		/* as many as the chain has deltas */

struct vm;

/*
 * Take snapshot `name` of vm (between runs): a delta disk if the VM has
 * a disk, and its whole running state if memory is true.  SIM_EINVAL (err
 * says why) for a name in use, a VM with neither a disk nor memory asked
 * for, or a modelled VM.
 */
int snapshot_take(struct vm *vm, const char *name, bool memory, char *err,
		  size_t errlen);

/*
 * Go back to snapshot `name`: the disk as it was then (later snapshots
 * are deleted: one chain, not VMware's tree), and, if the snapshot holds
 * memory, the guest running from where it was; otherwise the VM is
 * powered off.
 */
int snapshot_revert(struct vm *vm, const char *name, char *err,
		    size_t errlen);

/* Remove snapshot `name`: its delta is consolidated into the parent. */
int snapshot_remove(struct vm *vm, const char *name, char *err,
		    size_t errlen);

/*
 * Is vm paused with a question pending (its datastore full: storage.h)?
 * Then err says so, and a snapshot of it is refused (snapshot_take,
 * snapshot_revert and VCB, whose first step is a snapshot).  vSphere
 * refuses an operation on a VM whose question awaits an answer with the
 * QuestionPending fault [src: vSphere Web Services API,
 * vim.fault.QuestionPending]; and a new delta disk would need room on
 * the very datastore that has none [src: VMware KB 1007849 / Broadcom
 * 304464: out of space for a delta, the VM asks the question].  The held
 * write is neither lost nor written: Retry stores it once.  Removing a
 * snapshot stays allowed: it is one way to free room (storage.md).
 */
bool snapshot_question_pending(const struct vm *vm, char *err,
			       size_t errlen);

/* How many snapshots vm has, and the i-th oldest's name (NULL past). */
int snapshot_count(const struct vm *vm);
const char *snapshot_name(const struct vm *vm, int i);

/* Does snapshot i hold the running state? */
bool snapshot_has_memory(const struct vm *vm, int i);

/* Forget every snapshot (the VM is going away). */
void snapshot_free_all(struct vm *vm);

#endif
