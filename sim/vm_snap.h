/*
 * vm_snap.h - a VM's whole state in one self-contained snapshot: its power
 * state, the devices the VMM emulates (PIC, PIT) and the VMX's (their
 * output too), every vCPU as the VMM keeps it (vmm_state.h: real
 * registers, virtual CPU, counters, translation cache) and guest RAM (the
 * pages ever written; a page never written is all zeros).
 *
 * The snapshot refers to nothing of the VM it was taken from, so it goes
 * back onto the same VM (a checkpoint, history.c) or onto a fresh VM made
 * from the same configuration, on another host: what VMotion moves.
 */
#ifndef SIM_VM_SNAP_H
#define SIM_VM_SNAP_H

#include <stddef.h>

#include "vm.h"

struct vm_snap;

/* Snapshot vm between runs (a vCPU's privilege switch is finished first). */
int vm_snap_save(struct vm *vm, struct vm_snap **out);

/*
 * Put a snapshot on vm: only the pages that differ are written, and the
 * CPU's and the VMM's caches of the old code are told.  SIM_ESTATE if vm
 * is not shaped like the snapshot's VM (RAM size, vCPUs, execution mode);
 * then, and on SIM_ENOMEM, vm is as it was or must be powered off.
 */
int vm_snap_load(struct vm *vm, const struct vm_snap *snap);

void vm_snap_free(struct vm_snap *snap);

/* Guest RAM pages the snapshot holds (what a migration must copy). */
uint32_t vm_snap_pages(const struct vm_snap *snap);

/* Does the snapshot fit vm (the same RAM size and number of vCPUs)? */
bool vm_snap_fits(const struct vm *vm, const struct vm_snap *snap);

#endif
